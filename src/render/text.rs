//! The one text layout for people: lines wrapped at the terminal width with a hanging indent,
//! words (and so ARNs) kept whole, used by the wizard, `plan`, `verify`, `delete` and errors.

use console::measure_text_width;

/// Text is wrapped to the terminal, but no wider than this, to stay readable.
pub(crate) const MAX_WIDTH: usize = 100;

/// Word-wrap each line of `text` to `width` columns. Continuation lines start with `indent`,
/// or, when `indent` is `None`, line up under the first word after the line's leading marker
/// (`✓ `, `• `, `warning: `, `- `), which gives every list item a hanging indent. A word
/// longer than the width (an ARN on a narrow terminal) stays whole on a line of its own.
pub(crate) fn wrap(text: &str, width: usize, indent: Option<&str>) -> String {
    text.lines()
        .map(|line| wrap_line(line, width, indent))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The hanging indent for a line: its leading spaces plus its marker, as spaces.
pub(crate) fn hanging_indent(line: &str) -> String {
    let plain = console::strip_ansi_codes(line);
    let lead = plain.len() - plain.trim_start().len();
    let plain = &plain[lead..];
    let marker = ["✓ ", "✗ ", "⚠ ", "• ", "- ", "+ ", "~ ", "= ", "· "]
        .iter()
        .find(|m| plain.starts_with(*m))
        .map_or(0, |m| measure_text_width(m));
    let label = ["warning: ", "error: ", "fix: "]
        .iter()
        .find(|l| plain.starts_with(*l))
        .map_or(0, |l| l.len());
    " ".repeat(lead + marker.max(label))
}

/// Whether a line's text so far is only a list marker, or nothing.
fn is_marker(text: &str) -> bool {
    [
        "", "✓", "✗", "⚠", "•", "-", "+", "~", "=", "·", "warning:", "error:", "fix:",
    ]
    .contains(&text)
}

/// The words of a line, each with the whitespace before it (kept as written, so aligned
/// columns stay aligned on the lines that are not broken).
fn spaced_words(line: &str) -> Vec<(&str, &str)> {
    let mut out = Vec::new();
    let mut rest = line;
    while !rest.is_empty() {
        let gap = rest.len() - rest.trim_start().len();
        let (space, after) = rest.split_at(gap);
        let end = after.find(char::is_whitespace).unwrap_or(after.len());
        if end == 0 {
            break;
        }
        let (word, tail) = after.split_at(end);
        out.push((space, word));
        rest = tail;
    }
    out
}

fn wrap_line(line: &str, width: usize, indent: Option<&str>) -> String {
    if measure_text_width(line) <= width {
        return line.to_string();
    }
    let hanging = indent.map_or_else(|| hanging_indent(line), str::to_string);
    let mut out = String::new();
    let mut used = 0;
    // Where the current line's words start: a line holding only a list marker (`-`, `•`)
    // or a label is not left behind by a word too long for any line.
    let mut start = 0;
    for (i, (space, word)) in spaced_words(line).into_iter().enumerate() {
        let len = measure_text_width(word);
        let gap = measure_text_width(space);
        let bare = is_marker(console::strip_ansi_codes(&out[start..]).trim());
        if i > 0 && used + gap + len > width && !bare {
            start = out.len() + 1;
            out.push('\n');
            out.push_str(&hanging);
            used = measure_text_width(&hanging);
        } else {
            out.push_str(space);
            used += gap;
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
    fn a_word_too_long_for_any_line_stays_beside_its_marker() {
        let diff =
            "        - arn:aws:kms:us-east-1:123456789012:key/148c36ab-c78a-4633: kms:Decrypt";
        assert_eq!(
            wrap(diff, 40, None),
            "        - arn:aws:kms:us-east-1:123456789012:key/148c36ab-c78a-4633:\n          kms:Decrypt"
        );
    }

    #[test]
    fn spacing_is_kept_where_a_line_is_not_broken_and_colour_does_not_hide_a_marker() {
        let row = "  Buckets       alpha-data, beta-data, gamma-data";
        assert_eq!(
            wrap(row, 40, Some(&" ".repeat(16))),
            "  Buckets       alpha-data, beta-data,\n                gamma-data"
        );
        let change = format!(
            "  {} attachment/activeloop-deeplake-access/activeloop-deeplake-access-s3-access",
            console::style("+ create   ").green().force_styling(true)
        );
        let wrapped = wrap(&change, 79, None);
        assert_eq!(
            wrapped.lines().nth(1),
            Some("    attachment/activeloop-deeplake-access/activeloop-deeplake-access-s3-access"),
            "{wrapped:?}"
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
