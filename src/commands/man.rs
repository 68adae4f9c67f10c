//! `man`: the manual page, generated from the same clap definition as `--help`, with a
//! section for each subcommand.

use anyhow::{Context as _, Result};
use clap::CommandFactory;

use super::Context;
use crate::cli::Cli;
use crate::exit::ExitStatus;

/// The whole page as roff: the main page, then each subcommand's options under its own heading.
pub(crate) fn page() -> Result<Vec<u8>> {
    // The page describes the release; `--version` names the commit.
    let cmd = Cli::command().long_version(None::<&str>);
    let mut out = Vec::new();
    clap_mangen::Man::new(cmd.clone())
        .render(&mut out)
        .context("rendering the manual page")?;
    for sub in cmd.get_subcommands() {
        let sub = sub
            .clone()
            .display_name(format!("provision-role-{}", sub.get_name()));
        clap_mangen::Man::new(sub)
            .render(&mut out)
            .context("rendering the manual page")?;
    }
    Ok(out)
}

pub(crate) fn run(ctx: &Context) -> Result<ExitStatus> {
    let page = page()?;
    ctx.printer
        .result(String::from_utf8_lossy(&page).trim_end_matches('\n'));
    Ok(ExitStatus::Success)
}
