//! The one text layout for people: lines wrapped at the terminal width with a hanging indent,
//! words (and so ARNs) kept whole, used by the wizard, `plan`, `verify`, `delete` and errors.

use console::measure_text_width;

/// Text is wrapped to the terminal, but no wider than this, to stay readable.
pub const MAX_WIDTH: usize = 100;

/// Word-wrap each line of `text` to `width` columns. Continuation lines start with `indent`,
/// or, when `indent` is `None`, line up under the first word after the line's leading marker
/// (`✓ `, `• `, `warning: `, `- `), which gives every list item a hanging indent. A word
/// longer than the width (an ARN on a narrow terminal) stays whole on a line of its own.
pub fn wrap(text: &str, width: usize, indent: Option<&str>) -> String {
    text.lines()
        .map(|line| wrap_line(line, width, indent))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The hanging indent for a line: its leading spaces plus its marker, as spaces.
pub fn hanging_indent(line: &str) -> String {
    let lead = line.len() - line.trim_start().len();
    let rest = &line[lead..];
    let marker = ["✓ ", "✗ ", "⚠ ", "• ", "- ", "+ ", "~ ", "= ", "· "]
        .iter()
        .find(|m| rest.starts_with(*m))
        .map_or(0, |m| measure_text_width(m));
    let plain = console::strip_ansi_codes(rest);
    let label = ["warning: ", "error: ", "fix: "]
        .iter()
        .find(|l| plain.starts_with(*l))
        .map_or(0, |l| l.len());
    " ".repeat(lead + marker.max(label))
}

fn wrap_line(line: &str, width: usize, indent: Option<&str>) -> String {
    if measure_text_width(line) <= width {
        return line.to_string();
    }
    let hanging = indent.map_or_else(|| hanging_indent(line), str::to_string);
    let lead = &line[..line.len() - line.trim_start().len()];
    let mut out = lead.to_string();
    let mut used = measure_text_width(lead);
    for (i, word) in line.split_whitespace().enumerate() {
        let len = measure_text_width(word);
        if i > 0 && used + 1 + len > width {
            out.push('\n');
            out.push_str(&hanging);
            used = measure_text_width(&hanging);
        } else if i > 0 {
            out.push(' ');
            used += 1;
        }
        out.push_str(word);
        used += len;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOTE: &str =
        "  • bucket data: SSE-KMS with the key arn:aws:kms:us-east-1:123456789012:key/x";

    #[test]
    fn wraps_words_under_the_marker() {
        assert_eq!(
            wrap(NOTE, 30, None),
            "  • bucket data: SSE-KMS with\n    the key\n    arn:aws:kms:us-east-1:123456789012:key/x"
        );
        assert_eq!(wrap("short\nlines", 30, None), "short\nlines");
    }

    #[test]
    fn explicit_indent_and_labels() {
        assert_eq!(wrap("a b c d", 3, Some("  ")), "a b\n  c\n  d");
        let err = "error: could not reach http://127.0.0.1:1: connection refused";
        let wrapped = wrap(err, 40, None);
        assert!(
            wrapped.lines().skip(1).all(|l| l.starts_with("       ")),
            "{wrapped}"
        );
    }

    #[test]
    fn every_line_fits_at_80_and_40_columns_unless_one_word_is_longer() {
        let text = format!("{NOTE}\n✓ created policy activeloop-deeplake-access-s3-access and attached it to the role\nwarning: {NOTE}");
        for width in [80, 40] {
            for line in wrap(&text, width, None).lines() {
                let words = line.split_whitespace().count();
                assert!(
                    measure_text_width(line) <= width || words == 1,
                    "{width}: {line:?}"
                );
            }
        }
        // No word is split, so the words are the same.
        let words = |s: &str| s.split_whitespace().map(str::to_string).collect::<Vec<_>>();
        assert_eq!(words(&wrap(&text, 40, None)), words(&text));
    }
}
