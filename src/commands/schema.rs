//! `schema [COMMAND]`: the JSON Schema of the `--output json` documents.

use anyhow::Result;

use super::Context;
use crate::exit::ExitStatus;
use crate::render::schema;

pub(crate) fn run(ctx: &Context, command: Option<&str>) -> Result<ExitStatus> {
    let doc = match command {
        Some(name) => schema::for_command(name).expect("clap allows only known commands"),
        None => schema::all(),
    };
    ctx.printer.json(&doc);
    Ok(ExitStatus::Success)
}
