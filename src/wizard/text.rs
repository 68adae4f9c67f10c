//! How the wizard talks: step headings, explanations wrapped to the terminal, answers that flags
//! already gave. Wrapping keeps words whole, and keeps a rule shown under a prompt from
//! wrapping by itself (dialoguer clears it by counting lines).

use console::{measure_text_width, style};

use super::prompt::Prompter;
use crate::plan::Note;

/// Explanations are wrapped to the terminal, but no wider than this, to stay readable.
pub const MAX_WIDTH: usize = 100;
/// How many steps the person sees.
const STEPS: usize = 7;

/// Word-wrap each line of `text` to `width` columns; continuation lines start with `indent`.
/// A word longer than the width (an ARN) stays whole on its own line.
pub fn wrap(text: &str, width: usize, indent: &str) -> String {
    text.lines()
        .map(|line| wrap_line(line, width, indent))
        .collect::<Vec<_>>()
        .join("\n")
}

fn wrap_line(line: &str, width: usize, indent: &str) -> String {
    if measure_text_width(line) <= width {
        return line.to_string();
    }
    let lead = &line[..line.len() - line.trim_start().len()];
    let mut out = lead.to_string();
    let mut used = measure_text_width(lead);
    for (i, word) in line.split_whitespace().enumerate() {
        let len = measure_text_width(word);
        if i > 0 && used + 1 + len > width {
            out.push('\n');
            out.push_str(indent);
            used = measure_text_width(indent);
        } else if i > 0 {
            out.push(' ');
            used += 1;
        }
        out.push_str(word);
        used += len;
    }
    out
}

/// An explanation, wrapped.
pub fn say(p: &mut impl Prompter, text: &str) {
    let width = p.width();
    p.note(&wrap(text, width, ""));
}

/// A warning among the explanations.
pub fn warn(p: &mut impl Prompter, text: &str) {
    say(p, &format!("{} {text}", style("warning:").yellow().bold()));
}

/// "Step N of 7 · Title" and why the step matters.
pub fn heading(p: &mut impl Prompter, n: usize, title: &str, why: &str) {
    let step = style(format!("Step {n} of {STEPS} ·")).dim();
    p.note(&format!("\n{step} {}", style(title).bold()));
    say(p, why);
}

/// An answer a flag already gave.
pub fn given(p: &mut impl Prompter, what: &str, value: &str, flag: &str) {
    say(
        p,
        &format!("{what}: {} (from {flag})", style(value).green()),
    );
}

/// The planner's notes as bullets, wrapped under their first word.
pub fn notes(p: &mut impl Prompter, notes: &[Note]) {
    let width = p.width();
    let lines: Vec<String> = notes
        .iter()
        .map(|n| match n {
            Note::Info(m) => format!("  {} {m}", style("•").cyan()),
            Note::Warning(m) => format!("  {} {m}", style("warning:").yellow().bold()),
        })
        .map(|line| wrap(&line, width, "    "))
        .collect();
    if !lines.is_empty() {
        p.note(&lines.join("\n"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_words_with_a_hanging_indent() {
        let text = "  • bucket data: SSE-KMS with the key arn:aws:kms:us-east-1:123456789012:key/x";
        let wrapped = wrap(text, 30, "    ");
        assert_eq!(
            wrapped,
            "  • bucket data: SSE-KMS with\n    the key\n    arn:aws:kms:us-east-1:123456789012:key/x"
        );
        assert_eq!(wrap("short\nlines", 30, ""), "short\nlines");
    }
}
