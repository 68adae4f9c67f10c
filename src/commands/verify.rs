//! `verify`: read the role and check it; a checklist (text) or one JSON document, and exit 1
//! when a check fails.

use anyhow::Result;

use super::Context;
use crate::aws::verify;
use crate::cli::{resolve, VerifyArgs};
use crate::exit::{Cancelled, ExitStatus};
use crate::render::verify as render;

pub async fn run(ctx: &Context, args: VerifyArgs) -> Result<ExitStatus> {
    let expect = resolve::expect(&args);
    ctx.cancel.on_ctrl_c();
    let conn = ctx.connection().await;
    let spinner = ctx
        .printer
        .spinner("Reading the role, its policies and its buckets…");
    let report = tokio::select! {
        report = verify::run(&conn, &expect) => report,
        () = ctx.cancel.cancelled() => Err(Cancelled("cancelled".into()).into()),
    };
    spinner.finish_and_clear();
    let report = report?;
    if ctx.json() {
        ctx.printer.json(&render::report(&report));
    } else {
        ctx.printer.info(render::checklist_text(&report).trim_end());
    }
    let failed = report.failed();
    if failed.is_empty() {
        ctx.printer
            .step(&format!("all {} checks passed", report.checks.len()));
        return Ok(ExitStatus::Success);
    }
    let names: Vec<&str> = failed.iter().map(|c| c.name.as_str()).collect();
    ctx.printer.error(&format!(
        "verification failed: {} of {} checks failed ({})",
        failed.len(),
        report.checks.len(),
        names.join("; ")
    ));
    Ok(ExitStatus::Failure)
}
