//! How the wizard talks: step headings, explanations wrapped to the terminal (words and ARNs
//! kept whole, warnings and bullets with a hanging indent), answers that flags already gave.

use console::style;

use crate::plan::{Level, Note};
use crate::prompt::Prompter;
pub(crate) use crate::render::text::wrap;

/// How many steps the person sees.
const STEPS: usize = 7;

/// An explanation, wrapped.
pub(crate) fn say(p: &mut impl Prompter, text: &str) {
    let width = p.width();
    p.note(&wrap(text, width, Some("")));
}

/// A warning among the explanations, wrapped under its first word.
pub(crate) fn warn(p: &mut impl Prompter, text: &str) {
    let width = p.width();
    let text = format!("{} {text}", style("warning:").yellow().bold());
    p.note(&wrap(&text, width, None));
}

/// "Step N of 7 · Title" and why the step matters.
pub(crate) fn heading(p: &mut impl Prompter, n: usize, title: &str, why: &str) {
    let step = style(format!("Step {n} of {STEPS} ·")).dim();
    p.note(&format!("\n{step} {}", style(title).bold()));
    say(p, why);
}

/// An answer a flag already gave.
pub(crate) fn given(p: &mut impl Prompter, what: &str, value: &str, flag: &str) {
    say(
        p,
        &format!("{what}: {} (from {flag})", style(value).green()),
    );
}

/// The planner's notes as bullets, wrapped under their first word.
pub(crate) fn notes(p: &mut impl Prompter, notes: &[Note]) {
    let width = p.width();
    let lines: Vec<String> = notes
        .iter()
        .map(|n| match n.level {
            Level::Info => format!("  {} {}", style("•").cyan(), n.message),
            Level::Warn => format!("  {} {}", style("warning:").yellow().bold(), n.message),
        })
        .map(|line| wrap(&line, width, Some("    ")))
        .collect();
    if !lines.is_empty() {
        p.note(&lines.join("\n"));
    }
}
