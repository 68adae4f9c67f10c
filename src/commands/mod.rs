//! One file per command, each `async fn run(ctx, args) -> Result<ExitStatus>`. The
//! [`Context`] (in `crate::context`) is built once per run and passed down; nothing is
//! process-wide.

mod account;
pub(crate) mod completions;
pub(crate) mod create;
pub(crate) mod delete;
pub(crate) mod export;
pub(crate) mod man;
pub(crate) mod plan;
pub(crate) mod rotate_key;
pub(crate) mod schema;
pub(crate) mod verify;

use std::sync::Mutex;

use anyhow::Result;

use crate::aws;
use crate::aws::keys::NewKey;
use crate::cli::{Command, CreateArgs};
pub(crate) use crate::context::Context;
use crate::credentials::{self, Destination, Written};
use crate::exit::{ExitStatus, UsageError};
use crate::render::keys::written_text;
use crate::render::plan::AccessKeyJson;
use crate::render::Printer;

/// A new access key's one trip: written where the run was told (the secret goes nowhere
/// else), said on stderr by id, and remembered for the report.
pub(crate) struct KeyWriter<'a> {
    printer: &'a Printer,
    pub(crate) dest: Destination,
    made: Mutex<Option<(String, Written)>>,
}

impl<'a> KeyWriter<'a> {
    pub(crate) fn new(printer: &'a Printer, dest: Destination) -> KeyWriter<'a> {
        KeyWriter {
            printer,
            dest,
            made: Mutex::new(None),
        }
    }

    /// Write the key down; an error makes the run delete the key again.
    pub(crate) fn write(&self, key: &NewKey) -> Result<()> {
        let written = self.dest.write(key)?;
        self.printer
            .step(&written_text(&key.id, &key.user, &written, &self.dest));
        *self.made.lock().expect("never poisoned") = Some((key.id.clone(), written));
        Ok(())
    }

    /// The key this run made and where it went.
    pub(crate) fn made(&self) -> Option<(String, Written)> {
        self.made.lock().expect("never poisoned").clone()
    }

    pub(crate) fn json(&self) -> Option<AccessKeyJson> {
        let (id, written) = self.made()?;
        Some(AccessKeyJson::made(&id, &written, &self.dest))
    }

    /// The key was rolled back (deleted): its file would only mislead, so it goes too.
    pub(crate) fn discard(&self) {
        if let Some((id, written @ Written::File(_))) =
            self.made.lock().expect("never poisoned").take()
        {
            credentials::remove(&written);
            self.printer.step(&format!(
                "removed {}: its key {id} was deleted",
                written.label()
            ));
        }
    }
}

/// The writer of a run: its journal, IAM's propagation backoff, the run's cancellation, and
/// where progress and a new key go.
pub(crate) fn writer<'a>(
    ctx: &'a Context,
    iam: &'a aws_sdk_iam::Client,
    s3: aws::S3For<'a>,
    journal: &'a aws::journal::Journal,
    progress: aws::Progress<'a>,
    keys: aws::keys::KeySink<'a>,
) -> aws::apply::Writer<'a> {
    aws::apply::Writer {
        iam,
        s3,
        journal,
        backoff: aws::retry::Backoff::IAM,
        cancel: &ctx.cancel,
        progress,
        keys,
    }
}

/// Run the command (no command means `create`, with the flags given before any command).
pub(crate) async fn run(
    ctx: &Context,
    command: Option<Command>,
    bare: CreateArgs,
) -> Result<ExitStatus> {
    if command.is_some() && bare != CreateArgs::default() {
        return Err(UsageError::new(
            "put create's flags after the subcommand (e.g. `provision-role plan --bucket b`)",
        )
        .into());
    }
    match command {
        None => create::run(ctx, bare).await,
        Some(Command::Create(args)) => create::run(ctx, args).await,
        Some(Command::Plan(args)) => plan::run(ctx, args).await,
        Some(Command::Verify(args)) => verify::run(ctx, args).await,
        Some(Command::Delete(args)) => delete::run(ctx, args).await,
        Some(Command::RotateKey(args)) => rotate_key::run(ctx, args).await,
        Some(Command::Export(args)) => export::run(ctx, args).await,
        Some(Command::Completions { shell }) => completions::run(ctx, shell),
        Some(Command::Man) => man::run(ctx),
        Some(Command::Schema { command }) => schema::run(ctx, command.as_deref()),
    }
}
