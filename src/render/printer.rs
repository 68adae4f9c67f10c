//! The [`Printer`] owns both streams: stdout for results (the role ARN, documents, one JSON
//! document), stderr for people (progress, explanations, warnings, errors), at the chosen
//! level (`-q`, `-v`) and width.

use std::io::{IsTerminal, Write};
use std::time::Duration;

use console::style;
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;

use super::text::{self, MAX_WIDTH};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Level {
    Quiet,
    Normal,
    Verbose,
}

#[derive(Debug, Clone)]
pub(crate) struct Printer {
    level: Level,
    terminal: bool,
}

impl Printer {
    /// Colour follows stderr (off with `NO_COLOR` or when stderr is not a terminal): every
    /// styled line goes there.
    pub(crate) fn new(quiet: bool, verbose: u8) -> Printer {
        console::set_colors_enabled(console::colors_enabled_stderr());
        let level = match (quiet, verbose) {
            (true, _) => Level::Quiet,
            (false, 0) => Level::Normal,
            _ => Level::Verbose,
        };
        Printer {
            level,
            terminal: std::io::stderr().is_terminal(),
        }
    }

    pub(crate) fn is_verbose(&self) -> bool {
        self.level >= Level::Verbose
    }

    /// Columns to wrap text for people to: the terminal's (one spare), at most [`MAX_WIDTH`].
    /// Not a terminal (a log, a pipe): no wrapping, so every message stays on one line.
    pub(crate) fn width(&self) -> usize {
        let term = console::Term::stderr();
        match term.size_checked() {
            Some((_, cols)) if self.terminal => {
                usize::from(cols).saturating_sub(1).clamp(20, MAX_WIDTH)
            }
            _ => usize::MAX,
        }
    }

    fn eprint(&self, text: &str) {
        let wrapped = text::wrap(text, self.width(), None);
        let _ = writeln!(std::io::stderr().lock(), "{wrapped}");
    }

    /// Explanations, wrapped with a hanging indent.
    pub(crate) fn info(&self, text: &str) {
        if self.level >= Level::Normal {
            self.eprint(text);
        }
    }

    /// Text that must keep its lines as they are (indented JSON).
    pub(crate) fn block(&self, text: &str) {
        if self.level >= Level::Normal {
            let _ = writeln!(std::io::stderr().lock(), "{text}");
        }
    }

    /// Something that happened: `✓ created role …`.
    pub(crate) fn step(&self, text: &str) {
        self.info(&format!("{} {text}", style("✓").green()));
    }

    /// Detail for `-v`: AWS calls, retries, full documents.
    pub(crate) fn verbose(&self, text: &str) {
        if self.is_verbose() {
            self.eprint(&format!("{} {text}", style("·").dim()));
        }
    }

    /// Warnings show even with `-q`.
    pub(crate) fn warn(&self, text: &str) {
        self.eprint(&format!("{} {text}", style("warning:").yellow().bold()));
    }

    pub(crate) fn error(&self, text: &str) {
        self.eprint(&format!("{} {text}", style("error:").red().bold()));
    }

    /// A line of result on stdout.
    pub(crate) fn result(&self, line: &str) {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{line}");
        let _ = out.flush();
    }

    /// One JSON document on stdout.
    pub(crate) fn json(&self, value: &impl Serialize) {
        let text = serde_json::to_string_pretty(value).expect("reports always serialise");
        self.result(&text);
    }

    /// A spinner on stderr while something slow runs; hidden unless stderr is a terminal.
    pub(crate) fn spinner(&self, msg: &str) -> ProgressBar {
        if self.level < Level::Normal || !self.terminal {
            return ProgressBar::hidden();
        }
        let bar = ProgressBar::new_spinner().with_message(msg.to_string());
        let template = ProgressStyle::with_template("{spinner:.cyan} {msg}").expect("a template");
        bar.set_style(template);
        bar.enable_steady_tick(Duration::from_millis(90));
        bar
    }

    /// Show the cursor again if a prompt or spinner hid it (only on a terminal).
    pub(crate) fn restore_cursor(&self) {
        let term = console::Term::stderr();
        if term.is_term() {
            let _ = term.show_cursor();
        }
    }
}
