//! Questions on the terminal, behind a trait: dialoguer (and our own text prompt,
//! [`line`](mod@line)) there, scripted answers in tests. The wizard asks through it, and so do
//! the commands that confirm before writing ([`confirm`]). Every method either answers or fails
//! with [`Cancelled`] (Esc, q, Ctrl-C), so a caller never has to tell "no answer" apart from an
//! answer. A cancelled prompt stays on screen as `✘ prompt`.

pub(crate) mod line;

use std::fmt;
use std::io;

use anyhow::Result;
use dialoguer::theme::{ColorfulTheme, Theme};
use dialoguer::{Confirm, MultiSelect, Select};

use console::measure_text_width;

pub(crate) use line::Line;

use crate::exit::Cancelled;
use crate::render::text::{wrap, MAX_WIDTH};
use crate::render::Printer;

/// Map a dialoguer failure: Ctrl-C inside a prompt is a cancellation, anything else an error.
fn prompt_error(err: dialoguer::Error) -> anyhow::Error {
    let dialoguer::Error::IO(io) = &err;
    if io.kind() == std::io::ErrorKind::Interrupted {
        return cancelled();
    }
    anyhow::Error::new(err).context("could not prompt on the terminal")
}

/// The error for Esc, q, Ctrl-C or "no": exit 130. The wizard words it for the run (created
/// or changed) before it is shown.
pub(crate) fn cancelled() -> anyhow::Error {
    Cancelled("cancelled, nothing was created".into()).into()
}

/// Ask yes or no on the terminal (default No), drawn like the wizard's prompts. Anything but
/// yes — no, Esc, Ctrl-C — is a cancellation saying `cancelled`.
pub(crate) fn confirm(prompt: &str, cancelled: &str) -> Result<()> {
    let mut terminal = Terminal::new(Printer::new(false, 0));
    match terminal.confirm(prompt, false) {
        Ok(true) => Ok(()),
        Ok(false) => Err(Cancelled(cancelled.to_string()).into()),
        Err(e) if e.downcast_ref::<Cancelled>().is_some() => {
            Err(Cancelled(cancelled.to_string()).into())
        }
        Err(e) => Err(e),
    }
}

/// The questions the wizard can ask. Text answers come back trimmed and already checked.
pub(crate) trait Prompter {
    fn confirm(&mut self, prompt: &str, default: bool) -> Result<bool>;
    fn select(&mut self, prompt: &str, items: &[String], default: usize) -> Result<usize>;
    /// Indices of the ticked items (possibly none); `ticked` says which start ticked. The
    /// answer is not echoed: the caller reports it with [`Prompter::answered`].
    fn multi_select(
        &mut self,
        prompt: &str,
        items: &[String],
        ticked: &[bool],
    ) -> Result<Vec<usize>>;
    /// A line of text: asked again, in place, until the question's checks accept it.
    fn input(&mut self, question: &Line) -> Result<String>;
    /// Echo an answer the way answered prompts look: `✔ prompt · answer`.
    fn answered(&mut self, prompt: &str, answer: &str);
    /// An explanation between questions, already wrapped to [`Prompter::width`].
    fn note(&mut self, text: &str);
    /// Columns to wrap explanations to.
    fn width(&self) -> usize {
        80
    }
    /// Whether `-v` asks for more (the full documents in the review).
    fn verbose(&self) -> bool {
        false
    }
    /// How many items a multi-select shows at once; longer lists are paged.
    fn list_rows(&self) -> usize {
        16
    }
}

/// dialoguer's colourful theme, with a cursor in multi-selects: the colourful one marks the
/// current item by colour only, which leaves no cursor at all under NO_COLOR.
struct WizardTheme(ColorfulTheme);

impl Theme for WizardTheme {
    fn format_prompt(&self, f: &mut dyn fmt::Write, prompt: &str) -> fmt::Result {
        self.0.format_prompt(f, prompt)
    }

    fn format_error(&self, f: &mut dyn fmt::Write, err: &str) -> fmt::Result {
        self.0.format_error(f, err)
    }

    fn format_confirm_prompt(
        &self,
        f: &mut dyn fmt::Write,
        prompt: &str,
        default: Option<bool>,
    ) -> fmt::Result {
        self.0.format_confirm_prompt(f, prompt, default)
    }

    fn format_confirm_prompt_selection(
        &self,
        f: &mut dyn fmt::Write,
        prompt: &str,
        selection: Option<bool>,
    ) -> fmt::Result {
        // Esc: the colourful theme would show a tick, as if answered. The run's last line
        // says it was cancelled; this one only marks the prompt.
        if selection.is_none() {
            return write!(f, "{} {prompt}", self.0.error_prefix);
        }
        self.0.format_confirm_prompt_selection(f, prompt, selection)
    }

    fn format_input_prompt(
        &self,
        f: &mut dyn fmt::Write,
        prompt: &str,
        default: Option<&str>,
    ) -> fmt::Result {
        self.0.format_input_prompt(f, prompt, default)
    }

    fn format_input_prompt_selection(
        &self,
        f: &mut dyn fmt::Write,
        prompt: &str,
        sel: &str,
    ) -> fmt::Result {
        self.0.format_input_prompt_selection(f, prompt, sel)
    }

    fn format_select_prompt(&self, f: &mut dyn fmt::Write, prompt: &str) -> fmt::Result {
        self.0.format_select_prompt(f, prompt)
    }

    fn format_select_prompt_selection(
        &self,
        f: &mut dyn fmt::Write,
        prompt: &str,
        sel: &str,
    ) -> fmt::Result {
        self.0.format_select_prompt_selection(f, prompt, sel)
    }

    fn format_select_prompt_item(
        &self,
        f: &mut dyn fmt::Write,
        text: &str,
        active: bool,
    ) -> fmt::Result {
        self.0.format_select_prompt_item(f, text, active)
    }

    fn format_multi_select_prompt(&self, f: &mut dyn fmt::Write, prompt: &str) -> fmt::Result {
        self.0.format_multi_select_prompt(f, prompt)
    }

    fn format_multi_select_prompt_selection(
        &self,
        f: &mut dyn fmt::Write,
        prompt: &str,
        selections: &[&str],
    ) -> fmt::Result {
        self.0
            .format_multi_select_prompt_selection(f, prompt, selections)
    }

    fn format_multi_select_prompt_item(
        &self,
        f: &mut dyn fmt::Write,
        text: &str,
        checked: bool,
        active: bool,
    ) -> fmt::Result {
        let cursor = if active {
            &self.0.active_item_prefix
        } else {
            &self.0.inactive_item_prefix
        };
        write!(f, "{cursor} ")?;
        self.0
            .format_multi_select_prompt_item(f, text, checked, active)
    }
}

/// The real terminal: prompts drawn on stderr, explanations on the printer.
pub(crate) struct Terminal {
    theme: WizardTheme,
    term: console::Term,
    printer: Printer,
}

impl Terminal {
    pub(crate) fn new(printer: Printer) -> Self {
        Terminal {
            theme: WizardTheme(ColorfulTheme::default()),
            term: console::Term::stderr(),
            printer,
        }
    }

    /// A prompt that ended without an answer: mark it `✘ prompt` and say why it ended. Esc
    /// has already erased a list; Ctrl-C left it (and the prompt) on screen, `drawn` rows.
    fn ended(&self, prompt: &str, outcome: io::Result<()>, drawn: usize) -> anyhow::Error {
        let _ = self.term.show_cursor();
        match outcome {
            Ok(()) => {}
            Err(_) if drawn > 1 => {
                let _ = self.term.clear_last_lines(drawn);
            }
            Err(_) => {
                let _ = self.term.clear_line();
            }
        }
        let mut line = String::new();
        let _ = self
            .theme
            .format_confirm_prompt_selection(&mut line, prompt, None);
        let _ = self.term.write_line(&line);
        match outcome {
            Ok(()) => cancelled(),
            Err(err) => prompt_error(dialoguer::Error::IO(err)),
        }
    }

    /// Rows a list shows at once, as dialoguer pages it (`max_length` adds the two rows
    /// the page indicator takes). On a last page that is not full it shows fewer; then a
    /// Ctrl-C clears a few rows too many.
    fn page(&self, items: usize, max: Option<usize>) -> usize {
        let rows = usize::from(self.term.size().0);
        let max = max.map_or(usize::MAX, |m| m + 2);
        items.min(max.clamp(3, rows.max(3)) - 2)
    }
}

/// Split a prompt's result into an answer, or how it ended without one.
fn outcome<T>(result: dialoguer::Result<Option<T>>) -> Result<T, io::Result<()>> {
    match result {
        Ok(Some(answer)) => Ok(answer),
        Ok(None) => Err(Ok(())),
        Err(dialoguer::Error::IO(err)) => Err(Err(err)),
    }
}

impl Prompter for Terminal {
    fn confirm(&mut self, prompt: &str, default: bool) -> Result<bool> {
        let answer = Confirm::with_theme(&self.theme)
            .with_prompt(prompt)
            .default(default)
            .interact_opt();
        outcome(answer).map_err(|ended| match ended {
            // Esc: dialoguer already drew `✘ prompt` with the theme.
            Ok(()) => cancelled(),
            Err(err) => self.ended(prompt, Err(err), 1),
        })
    }

    fn select(&mut self, prompt: &str, items: &[String], default: usize) -> Result<usize> {
        let answer = Select::with_theme(&self.theme)
            .with_prompt(prompt)
            .items(items)
            .default(default)
            .interact_opt();
        let drawn = 1 + self.page(items.len(), None);
        outcome(answer).map_err(|ended| self.ended(prompt, ended, drawn))
    }

    fn multi_select(
        &mut self,
        prompt: &str,
        items: &[String],
        ticked: &[bool],
    ) -> Result<Vec<usize>> {
        // Not reported here: the caller says what the ticks mean (some entries ask more).
        // A long list pages; keep the explanation above it on screen.
        let max = self.list_rows();
        let answer = MultiSelect::with_theme(&self.theme)
            .with_prompt(prompt)
            .items(items)
            .defaults(ticked)
            .max_length(max)
            .report(false)
            .interact_opt();
        let drawn = 1 + self.page(items.len(), Some(max));
        outcome(answer).map_err(|ended| self.ended(prompt, ended, drawn))
    }

    fn input(&mut self, question: &Line) -> Result<String> {
        match line::read(&self.term, &self.theme, question) {
            Ok(Some(answer)) => Ok(answer),
            Ok(None) => Err(cancelled()),
            Err(err) => Err(prompt_error(dialoguer::Error::IO(err))),
        }
    }

    /// A long answer (many buckets) wraps under its first word.
    fn answered(&mut self, prompt: &str, answer: &str) {
        let mut line = String::new();
        let _ = self
            .theme
            .format_input_prompt_selection(&mut line, prompt, answer);
        let indent = " ".repeat(measure_text_width(&format!("✔ {prompt} · ")));
        let _ = self
            .term
            .write_line(&wrap(&line, self.width(), Some(&indent)));
    }

    fn note(&mut self, text: &str) {
        self.printer.block(text);
    }

    fn width(&self) -> usize {
        let (_rows, cols) = self.term.size();
        // One column spare: a line that fills the last one makes some terminals wrap early.
        usize::from(cols).saturating_sub(1).clamp(20, MAX_WIDTH)
    }

    fn verbose(&self) -> bool {
        self.printer.is_verbose()
    }

    /// The rows left under the explanation above the list.
    fn list_rows(&self) -> usize {
        usize::from(self.term.size().0).saturating_sub(8).max(5)
    }
}
