//! The questions the wizard asks, behind a trait: dialoguer on the terminal, scripted answers in
//! tests. Every method either answers or fails with [`Cancelled`](crate::error::Cancelled)
//! (Esc, q, Ctrl-C), so the wizard never has to tell "no answer" apart from an answer.

use std::fmt;

use anyhow::Result;
use dialoguer::theme::{ColorfulTheme, Theme};
use dialoguer::{Confirm, Input, MultiSelect, Select};

use super::{cancelled, prompt_error};
use crate::render::text::{self, MAX_WIDTH};
use crate::render::Printer;

/// Checks one typed answer; `Err` holds the rule that was broken, shown before asking again.
pub type Check<'a> = &'a dyn Fn(&str) -> Result<(), String>;

/// The questions the wizard can ask. Text answers come back trimmed and already checked.
pub trait Prompter {
    fn confirm(&mut self, prompt: &str, default: bool) -> Result<bool>;
    fn select(&mut self, prompt: &str, items: &[String], default: usize) -> Result<usize>;
    /// Indices of the ticked items (possibly none). The answer is not echoed: the caller
    /// reports it with [`Prompter::answered`] as it sees fit.
    fn multi_select(&mut self, prompt: &str, items: &[String]) -> Result<Vec<usize>>;
    /// A line of text; an empty answer takes `default` when there is one, else is checked
    /// like any other answer. Asks again until `check` accepts.
    fn input(&mut self, prompt: &str, default: Option<&str>, check: Check) -> Result<String>;
    /// Echo an answer the way answered prompts look: `✔ prompt · answer`.
    fn answered(&mut self, prompt: &str, answer: &str);
    /// An explanation between questions, already wrapped to [`Prompter::width`].
    fn note(&mut self, text: &str);
    /// Columns to wrap explanations to.
    fn width(&self) -> usize {
        80
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
        // Esc: the colourful theme would show a tick, as if answered.
        if selection.is_none() {
            let cancelled = self.0.error_style.apply_to("cancelled");
            return write!(f, "{} {prompt} {}", self.0.error_prefix, cancelled);
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

/// The real terminal: prompts drawn on stderr with dialoguer, explanations on the printer.
pub struct Terminal {
    theme: WizardTheme,
    term: console::Term,
    printer: Printer,
}

impl Terminal {
    pub fn new(printer: Printer) -> Self {
        Terminal {
            theme: WizardTheme(ColorfulTheme::default()),
            term: console::Term::stderr(),
            printer,
        }
    }
}

/// A prompt that failed or was interrupted may have left the cursor hidden, and the cursor
/// after the prompt's text: the "cancelled" message that follows needs a line of its own.
fn failed(err: dialoguer::Error) -> anyhow::Error {
    let term = console::Term::stderr();
    let _ = term.show_cursor();
    let _ = term.write_line("");
    prompt_error(err)
}

impl Prompter for Terminal {
    fn confirm(&mut self, prompt: &str, default: bool) -> Result<bool> {
        Confirm::with_theme(&self.theme)
            .with_prompt(prompt)
            .default(default)
            .interact_opt()
            .map_err(failed)?
            .ok_or_else(cancelled)
    }

    fn select(&mut self, prompt: &str, items: &[String], default: usize) -> Result<usize> {
        Select::with_theme(&self.theme)
            .with_prompt(prompt)
            .items(items)
            .default(default)
            .interact_opt()
            .map_err(failed)?
            .ok_or_else(cancelled)
    }

    fn multi_select(&mut self, prompt: &str, items: &[String]) -> Result<Vec<usize>> {
        // Not reported here: the caller says what the ticks mean (some entries ask more).
        // A long list pages; keep the explanation above it on screen.
        let rows = usize::from(self.term.size().0);
        MultiSelect::with_theme(&self.theme)
            .with_prompt(prompt)
            .items(items)
            .max_length(rows.saturating_sub(8).max(5))
            .report(false)
            .interact_opt()
            .map_err(failed)?
            .ok_or_else(cancelled)
    }

    fn input(&mut self, prompt: &str, default: Option<&str>, check: Check) -> Result<String> {
        // dialoguer's Input has no `interact_opt`: Esc is ignored there, Ctrl-C still cancels.
        let mut input = Input::<String>::with_theme(&self.theme)
            .with_prompt(prompt)
            .allow_empty(true);
        if let Some(default) = default {
            input = input.default(default.to_string());
        }
        // dialoguer clears a rule it showed by counting lines, so a rule must not wrap by itself.
        let width = self.width().saturating_sub(2);
        let answer = input
            .validate_with(|text: &String| {
                check(text.trim()).map_err(|rule| text::wrap(&rule, width, Some("")))
            })
            .interact_text()
            .map_err(failed)?;
        Ok(answer.trim().to_string())
    }

    fn answered(&mut self, prompt: &str, answer: &str) {
        let mut line = String::new();
        let _ = self
            .theme
            .format_input_prompt_selection(&mut line, prompt, answer);
        let _ = self.term.write_line(&line);
    }

    fn note(&mut self, text: &str) {
        self.printer.block(text);
    }

    fn width(&self) -> usize {
        let (_rows, cols) = self.term.size();
        // One column spare: a line that fills the last one makes some terminals wrap early.
        usize::from(cols).saturating_sub(1).clamp(20, MAX_WIDTH)
    }
}
