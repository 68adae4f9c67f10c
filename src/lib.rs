//! provision-role: create the least-privilege IAM role that Activeloop Deep Lake assumes to
//! reach a customer's S3 buckets.
//!
//! One direction of flow, a module per layer (the README's "Layout" table says the same); each
//! module uses only those listed before it: `policy` (the typed IAM policy model and
//! evaluator), `plan` (pure: request + facts → documents and typed changes), `exit`, `cancel`,
//! `shell` (command lines shown to people), `audit` (pure: `verify`'s judgement), `export`
//! (pure: the plan as CloudFormation or Terraform), `aws` (discovery, writes and `verify`'s
//! reads, reporting progress as events), `credentials`, `render` (text for people, JSON and its
//! schema for programs), `cli` (clap types → checked `Request`), `context`, `prompt`, `wizard`
//! (prompts that fill the same request), `commands` (one per subcommand, given a `Context`).
//!
//! Only `policy` is public (the integration tests compare documents with `same_meaning`);
//! everything else is private to the crate, so the compiler reports what nothing uses.

mod audit;
mod aws;
mod cancel;
mod cli;
mod commands;
mod context;
mod credentials;
mod exit;
mod export;
mod plan;
pub mod policy;
mod prompt;
mod render;
mod shell;
mod wizard;

use std::ffi::OsString;
use std::process::ExitCode;

use clap::Parser;

use crate::aws::AwsError;
use crate::cli::Cli;
use crate::context::Context;
use crate::exit::ExitStatus;
use crate::render::{ErrorReport, Printer};

/// Parse, run, and map the outcome to an exit code: 0 ok, 1 failure, 2 usage, 130 cancelled.
pub fn main() -> ExitCode {
    let args: Vec<OsString> = std::env::args_os().collect();
    let cli = match Cli::try_parse_from(&args) {
        Ok(cli) => cli,
        Err(err) => return parse_error(&err, wants_json(&args)).into(),
    };
    let ctx = Context::new(&cli.global);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("the tokio runtime starts");
    let outcome = runtime.block_on(commands::run(&ctx, cli.command, cli.create));
    runtime.shutdown_background();
    match outcome {
        Ok(status) => status.into(),
        Err(err) => report_error(&ctx, &err).into(),
    }
}

/// Whether the raw arguments ask for JSON output (clap failed, so nothing was parsed).
fn wants_json(args: &[OsString]) -> bool {
    let args: Vec<&str> = args.iter().filter_map(|a| a.to_str()).collect();
    args.windows(2).any(|w| w == ["--output", "json"]) || args.contains(&"--output=json")
}

/// clap's own output for help and version; for a bad command line, clap's message (or, with
/// `--output json`, one line on stderr and the error document on stdout). Exit 2.
fn parse_error(err: &clap::Error, json: bool) -> ExitStatus {
    use clap::error::ErrorKind::{DisplayHelp, DisplayVersion};
    if matches!(err.kind(), DisplayHelp | DisplayVersion) || !json {
        let _ = err.print();
        return match err.exit_code() {
            0 => ExitStatus::Success,
            _ => ExitStatus::Usage,
        };
    }
    let text = err.render().to_string();
    let first = text.lines().next().unwrap_or_default();
    let message = first.strip_prefix("error: ").unwrap_or(first);
    let printer = Printer::new(false, 0);
    printer.error(message);
    printer.json(&ErrorReport::new(message, ExitStatus::Usage.code()));
    ExitStatus::Usage
}

/// The error once on stderr (SDK detail only with `-v`), and as JSON on stdout if asked.
fn report_error(ctx: &Context, err: &anyhow::Error) -> ExitStatus {
    let status = ExitStatus::of(err);
    let message = for_people(ctx, err);
    ctx.printer.restore_cursor();
    ctx.printer.error(&message);
    if let Some(aws) = err.downcast_ref::<AwsError>() {
        ctx.printer
            .verbose(&format!("AWS SDK detail: {}", aws.debug));
    }
    if ctx.json() {
        ctx.printer.json(&ErrorReport::new(message, status.code()));
    }
    status
}

/// The error's chain as one line, with an unreachable endpoint or a credentials problem said
/// the way people fix it (naming the endpoint, the profile, the command to run).
fn for_people(ctx: &Context, err: &anyhow::Error) -> String {
    let env = |key: &str| std::env::var(key).ok().filter(|v| !v.is_empty());
    let profile = ctx.connect.profile.clone().or_else(|| env("AWS_PROFILE"));
    let endpoint = ctx
        .connect
        .endpoint_url
        .clone()
        .or_else(|| env("AWS_ENDPOINT_URL"))
        .unwrap_or_else(|| "AWS".to_string());
    err.chain()
        .map(|cause| {
            cause
                .downcast_ref::<AwsError>()
                .and_then(|aws| aws.for_people(profile.as_deref(), &endpoint))
                .unwrap_or_else(|| cause.to_string())
        })
        .collect::<Vec<_>>()
        .join(": ")
}
