//! The interactive wizard.

use anyhow::Result;

use crate::aws::Connection;
use crate::cli::CreateArgs;
use crate::error::Cancelled;
use crate::plan::{Plan, Request};

/// Map a dialoguer failure: Ctrl-C inside a prompt is a cancellation, anything else an error.
pub fn prompt_error(err: dialoguer::Error) -> anyhow::Error {
    let dialoguer::Error::IO(io) = &err;
    if io.kind() == std::io::ErrorKind::Interrupted {
        return Cancelled("cancelled, nothing was created".into()).into();
    }
    anyhow::Error::new(err).context("could not prompt on the terminal")
}

pub async fn run(_conn: &Connection, _args: &CreateArgs) -> Result<(Request, Plan)> {
    anyhow::bail!("the wizard is not implemented yet")
}
