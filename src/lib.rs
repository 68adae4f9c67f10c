//! provision-role: create the least-privilege IAM role that Activeloop Deep Lake assumes to
//! reach a customer's S3 buckets.
//!
//! Layers, with one direction of flow: `cli` (clap types) → `request` (checked input) and
//! `wizard` (prompts that fill the same input) → `plan` (pure: documents and changes) →
//! `aws` (discovery and writes) → `output` (text or JSON).

pub mod app;
pub mod aws;
pub mod cli;
pub mod commands;
pub mod error;
pub mod output;
pub mod plan;
pub mod request;
pub mod validate;
pub mod wizard;

use std::process::ExitCode;

use clap::Parser;

use crate::cli::{Cli, OutputFormat};
use crate::error::Exit;

/// Parse, run, and map the outcome to an exit code: 0 ok, 1 failure, 2 usage, 130 interrupted.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            let _ = err.print();
            return ExitCode::from(err.exit_code() as u8);
        }
    };
    let json = cli.global.output == OutputFormat::Json;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("the tokio runtime starts");
    let Err(err) = runtime.block_on(app::run(cli)) else {
        return Exit::Success.into();
    };
    let exit = Exit::of(&err);
    output::restore_cursor();
    output::error(&format!("{err:#}"));
    if json && err.downcast_ref::<error::Reported>().is_none() {
        output::json(&output::error_json(&format!("{err:#}"), exit as u8));
    }
    exit.into()
}
