//! A one-line text prompt that Esc cancels, drawn with the wizard's dialoguer theme so it looks
//! like the other prompts. dialoguer's `Input` ignores Esc, so this replaces it.
//!
//! Each key redraws the whole prompt from its first row, which keeps three things right that
//! counting lines gets wrong: an answer wider than the terminal (it wraps over several rows),
//! a rule shown under the prompt when an answer is refused (cleared as soon as one is
//! accepted), and a slower check (a bucket looked up in AWS) that says it is running.

use std::io;

use console::{measure_text_width, Key, Term};
use dialoguer::theme::Theme;

use crate::render::text;

/// Checks an answer; `Err` holds the rule, shown under the prompt.
pub(crate) type Rule<'a> = &'a dyn Fn(&str) -> Result<(), String>;

/// A slow check (it asks AWS): the outer `Err` ends the prompt (Ctrl-C while it ran).
pub(crate) type Slow<'a> = &'a dyn Fn(&str) -> io::Result<Result<(), String>>;

/// A text question.
pub(crate) struct Line<'a> {
    pub(crate) prompt: &'a str,
    /// Taken when the answer is empty; shown dimmed after the prompt.
    pub(crate) default: Option<&'a str>,
    /// Text already typed in, which the person may edit (the current value on a re-run).
    pub(crate) initial: &'a str,
    /// Quick rules, checked on Enter.
    pub(crate) check: Rule<'a>,
    /// A slower check, run after `check` passes, and what to say while it runs.
    pub(crate) slow: Option<(&'a str, Slow<'a>)>,
    /// What the answered prompt shows for an empty answer ("none", "done").
    pub(crate) blank: &'a str,
}

impl<'a> Line<'a> {
    pub(crate) fn new(prompt: &'a str, check: Rule<'a>) -> Self {
        Line {
            prompt,
            default: None,
            initial: "",
            check,
            slow: None,
            blank: "",
        }
    }

    pub(crate) fn default(self, default: &'a str) -> Self {
        Line {
            default: Some(default),
            ..self
        }
    }

    pub(crate) fn initial(self, initial: &'a str) -> Self {
        Line { initial, ..self }
    }

    pub(crate) fn slow(self, doing: &'a str, slow: Slow<'a>) -> Self {
        Line {
            slow: Some((doing, slow)),
            ..self
        }
    }

    pub(crate) fn blank(self, blank: &'a str) -> Self {
        Line { blank, ..self }
    }
}

/// Where the rows of a drawing end and where the cursor goes, in rows from its first row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Layout {
    /// The row the last character leaves the cursor on (a full last row moves to the next).
    pub(crate) end_row: usize,
    /// Whether the text ends exactly at the right edge, so a new line must be started.
    pub(crate) full: bool,
    pub(crate) cursor_row: usize,
    pub(crate) cursor_col: usize,
}

/// The layout of `before + after` columns of text on a terminal `cols` wide, the cursor
/// after the first `before` columns.
pub(crate) fn layout(before: usize, after: usize, cols: usize) -> Layout {
    let cols = cols.max(1);
    let end = before + after;
    Layout {
        end_row: end / cols,
        full: end > 0 && end.is_multiple_of(cols),
        cursor_row: before / cols,
        cursor_col: before % cols,
    }
}

fn width(chars: &[char]) -> usize {
    let text: String = chars.iter().collect();
    measure_text_width(&text)
}

/// The prompt on the terminal, redrawn from its first row each time.
struct Drawing<'t> {
    term: &'t Term,
    /// The row of the drawing the cursor is on.
    cursor_row: usize,
}

impl Drawing<'_> {
    /// Back to the first row, and clear it and everything below.
    fn rewind(&self) -> String {
        let mut out = String::new();
        if self.cursor_row > 0 {
            out.push_str(&format!("\x1b[{}A", self.cursor_row));
        }
        out.push_str("\r\x1b[J");
        out
    }

    /// The prompt, the text with the cursor at `pos`, and a message under it.
    fn draw(&mut self, head: &str, chars: &[char], pos: usize, below: &str) -> io::Result<()> {
        let cols = usize::from(self.term.size().1);
        let head_width = measure_text_width(head);
        let at = layout(
            head_width + width(&chars[..pos]),
            width(&chars[pos..]),
            cols,
        );
        let mut out = self.rewind();
        out.push_str(head);
        out.extend(chars);
        let mut row = at.end_row;
        if at.full {
            out.push_str("\r\n");
        }
        for line in below.lines() {
            out.push_str("\r\n");
            out.push_str(line);
            row += 1;
        }
        if row > at.cursor_row {
            out.push_str(&format!("\x1b[{}A", row - at.cursor_row));
        }
        out.push('\r');
        if at.cursor_col > 0 {
            out.push_str(&format!("\x1b[{}C", at.cursor_col));
        }
        self.cursor_row = at.cursor_row;
        self.term.write_str(&out)?;
        self.term.flush()
    }

    /// Replace the drawing with one final line.
    fn finish(&mut self, line: &str) -> io::Result<()> {
        let out = format!("{}{line}\n", self.rewind());
        self.cursor_row = 0;
        self.term.write_str(&out)?;
        self.term.flush()
    }
}

/// A message under the prompt, wrapped so that no line of it wraps by itself.
fn message(theme: &dyn Theme, term: &Term, rule: &str) -> String {
    let cols = usize::from(term.size().1);
    let wrapped = text::wrap(rule, cols.saturating_sub(3).max(10), Some(""));
    let mut out = String::new();
    let _ = theme.format_error(&mut out, &wrapped.replace('\n', "\n  "));
    out
}

/// The answer with the default applied, and whether the rules accept it.
fn judge(q: &Line, typed: &str) -> (String, Result<(), String>) {
    let typed = typed.trim();
    let answer = match (typed.is_empty(), q.default) {
        (true, Some(default)) => default.to_string(),
        _ => typed.to_string(),
    };
    let verdict = (q.check)(&answer);
    (answer, verdict)
}

/// Ask on `term`; `None` when Esc cancels. Ctrl-C comes back as an `Interrupted` error (console
/// raises SIGINT first, which the run's handler turns into cancellation).
pub(crate) fn read(term: &Term, theme: &dyn Theme, q: &Line) -> io::Result<Option<String>> {
    if !term.is_term() {
        return Err(io::Error::new(
            io::ErrorKind::NotConnected,
            "not a terminal",
        ));
    }
    let mut head = String::new();
    theme
        .format_input_prompt(&mut head, q.prompt, q.default)
        .map_err(io::Error::other)?;
    let mut chars: Vec<char> = q.initial.chars().collect();
    let mut pos = chars.len();
    let mut below = String::new();
    let mut drawing = Drawing {
        term,
        cursor_row: 0,
    };
    loop {
        drawing.draw(&head, &chars, pos, &below)?;
        let key = match term.read_key() {
            Ok(key) => key,
            Err(err) => {
                drawing.finish(&cancelled_line(theme, q.prompt))?;
                return Err(err);
            }
        };
        match key {
            Key::Escape => {
                drawing.finish(&cancelled_line(theme, q.prompt))?;
                return Ok(None);
            }
            Key::Enter => {
                let typed: String = chars.iter().collect();
                let checked = submit(q, &typed, &mut drawing, &head, &chars);
                let checked = match checked {
                    Ok(checked) => checked,
                    Err(err) => {
                        drawing.finish(&cancelled_line(theme, q.prompt))?;
                        return Err(err);
                    }
                };
                match checked {
                    Ok(answer) => {
                        let shown = if answer.is_empty() { q.blank } else { &answer };
                        let mut done = String::new();
                        let _ = theme.format_input_prompt_selection(&mut done, q.prompt, shown);
                        drawing.finish(&done)?;
                        return Ok(Some(answer));
                    }
                    Err(rule) => below = message(theme, term, &rule),
                }
            }
            other => edit(other, &mut chars, &mut pos),
        }
    }
}

/// Check an answer: the quick rules, then the slow check with a line saying it runs.
fn submit(
    q: &Line,
    typed: &str,
    drawing: &mut Drawing,
    head: &str,
    chars: &[char],
) -> io::Result<Result<String, String>> {
    let (answer, verdict) = judge(q, typed);
    if let Err(rule) = verdict {
        return Ok(Err(rule));
    }
    let Some((doing, slow)) = q.slow else {
        return Ok(Ok(answer));
    };
    if answer.is_empty() {
        return Ok(Ok(answer));
    }
    let busy = console::style(format!("  {doing}…")).dim().for_stderr();
    drawing.draw(head, chars, chars.len(), &busy.to_string())?;
    Ok(slow(&answer)?.map(|()| answer))
}

fn cancelled_line(theme: &dyn Theme, prompt: &str) -> String {
    let mut line = String::new();
    let _ = theme.format_confirm_prompt_selection(&mut line, prompt, None);
    line
}

/// Apply an editing key to the text and the cursor position.
pub(crate) fn edit(key: Key, chars: &mut Vec<char>, pos: &mut usize) {
    match key {
        Key::Backspace if *pos > 0 => {
            *pos -= 1;
            chars.remove(*pos);
        }
        Key::Del if *pos < chars.len() => {
            chars.remove(*pos);
        }
        Key::ArrowLeft if *pos > 0 => *pos -= 1,
        Key::ArrowRight if *pos < chars.len() => *pos += 1,
        Key::Home => *pos = 0,
        Key::End => *pos = chars.len(),
        // Ctrl-U: clear what is before the cursor.
        Key::Char('\u{15}') => {
            chars.drain(..*pos);
            *pos = 0;
        }
        // Ctrl-W: delete the word before the cursor.
        Key::Char('\u{17}') => {
            let mut start = *pos;
            while start > 0 && chars[start - 1] == ' ' {
                start -= 1;
            }
            while start > 0 && chars[start - 1] != ' ' {
                start -= 1;
            }
            chars.drain(start..*pos);
            *pos = start;
        }
        Key::Char(c) if !c.is_control() => {
            chars.insert(*pos, c);
            *pos += 1;
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_wraps_at_the_terminal_width() {
        // Fits on one row.
        let at = layout(10, 5, 80);
        assert_eq!(
            (at.end_row, at.full, at.cursor_row, at.cursor_col),
            (0, false, 0, 10)
        );
        // 100 columns on an 80-column terminal: two rows, cursor at the end on the second.
        let at = layout(100, 0, 80);
        assert_eq!(
            (at.end_row, at.full, at.cursor_row, at.cursor_col),
            (1, false, 1, 20)
        );
        // Exactly full: the cursor belongs on a new row.
        let at = layout(80, 0, 80);
        assert_eq!(
            (at.end_row, at.full, at.cursor_row, at.cursor_col),
            (1, true, 1, 0)
        );
        // Cursor moved back into the first row of a wrapped answer.
        let at = layout(30, 130, 80);
        assert_eq!((at.end_row, at.cursor_row, at.cursor_col), (2, 0, 30));
    }

    #[test]
    fn editing_keys() {
        let mut chars: Vec<char> = "my data".chars().collect();
        let mut pos = chars.len();
        edit(Key::Char('\u{17}'), &mut chars, &mut pos);
        assert_eq!(chars.iter().collect::<String>(), "my ");
        edit(Key::Home, &mut chars, &mut pos);
        edit(Key::Char('x'), &mut chars, &mut pos);
        edit(Key::Del, &mut chars, &mut pos);
        assert_eq!(
            (chars.iter().collect::<String>(), pos),
            ("xy ".to_string(), 1)
        );
        edit(Key::End, &mut chars, &mut pos);
        edit(Key::Backspace, &mut chars, &mut pos);
        edit(Key::Char('\u{15}'), &mut chars, &mut pos);
        assert!(chars.is_empty() && pos == 0);
        edit(Key::Char('\u{7}'), &mut chars, &mut pos);
        assert!(chars.is_empty(), "control characters are not inserted");
    }

    #[test]
    fn empty_answers_take_the_default_and_are_checked() {
        let check = |t: &str| {
            if t.len() < 2 {
                Err("too short".to_string())
            } else {
                Ok(())
            }
        };
        let q = Line::new("Name", &check).default("dflt");
        assert_eq!(judge(&q, "  "), ("dflt".to_string(), Ok(())));
        assert_eq!(judge(&q, " x "), ("x".to_string(), Err("too short".into())));
    }
}
