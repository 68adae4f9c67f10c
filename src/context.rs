//! What every command (and the wizard) gets, built once per run: where output goes, how to
//! reach AWS, whether it may ask, the output format, and the run's one cancellation token.
//! It sits below `commands` and `wizard`, so neither reaches into the other for it.

use std::io::IsTerminal;

use crate::aws::{self, ConnectOptions, Connection, Event};
use crate::cancel::Cancel;
use crate::cli::{resolve, GlobalArgs, OutputFormat};
use crate::render::Printer;

/// What every command gets: where output goes, how to reach AWS, whether it may ask, and the
/// run's one cancellation token.
pub(crate) struct Context {
    pub(crate) printer: Printer,
    pub(crate) connect: ConnectOptions,
    pub(crate) may_prompt: bool,
    pub(crate) output: OutputFormat,
    pub(crate) cancel: Cancel,
}

impl Context {
    pub(crate) fn new(global: &GlobalArgs) -> Context {
        Context {
            printer: Printer::new(global.quiet, global.verbose),
            connect: resolve::connect_options(global),
            may_prompt: may_prompt(global),
            output: global.output,
            cancel: Cancel::default(),
        }
    }

    pub(crate) fn json(&self) -> bool {
        self.output == OutputFormat::Json
    }

    pub(crate) async fn connection(&self) -> Connection {
        aws::connect(&self.connect).await
    }

    /// Shows the AWS layer's events: done writes as steps, the rest with `-v`.
    pub(crate) fn show(&self, event: Event) {
        match event {
            Event::Done(text) => self.printer.step(&text),
            Event::Found(text) => self.printer.verbose(&text),
            Event::Retrying {
                call,
                resource,
                why,
                delay,
            } => self.printer.verbose(&format!(
                "{call} on {resource}: {why}; retrying in {:.1}s",
                delay.as_secs_f32()
            )),
        }
    }
}

/// Whether we may prompt: a person at a terminal, not CI, not `--non-interactive`.
fn may_prompt(global: &GlobalArgs) -> bool {
    let ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0");
    !global.non_interactive
        && !ci
        && std::io::stdin().is_terminal()
        && std::io::stderr().is_terminal()
}
