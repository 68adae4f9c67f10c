//! `completions SHELL`: a completion script on stdout.

use anyhow::Result;
use clap::CommandFactory;

use super::Context;
use crate::cli::Cli;
use crate::exit::ExitStatus;

pub(crate) fn run(_ctx: &Context, shell: clap_complete::Shell) -> Result<ExitStatus> {
    let mut cmd = Cli::command();
    clap_complete::generate(shell, &mut cmd, "provision-role", &mut std::io::stdout());
    Ok(ExitStatus::Success)
}
