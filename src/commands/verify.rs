//! `verify`: read the role and its buckets ([`crate::aws::verify::gather`]), judge them
//! ([`crate::audit`]), print a checklist (text) or one JSON document, and exit 1 when a check
//! fails (with `--strict`, also when one warns).

use anyhow::Result;

use super::Context;
use crate::audit::{self, Level};
use crate::aws::verify;
use crate::cli::{resolve, VerifyArgs};
use crate::exit::{Cancelled, ExitStatus};
use crate::render::verify as render;

pub(crate) async fn run(ctx: &Context, args: VerifyArgs) -> Result<ExitStatus> {
    let expect = resolve::expect(&args)?;
    ctx.cancel.on_ctrl_c();
    let conn = ctx.connection().await;
    let spinner = ctx.printer.spinner(&format!(
        "Reading the {}, its policies and its buckets…",
        expect.holder.kind()
    ));
    let facts = tokio::select! {
        facts = verify::gather(&conn, &expect) => Ok(facts),
        () = ctx.cancel.cancelled() => Err(Cancelled("cancelled".into())),
    };
    spinner.finish_and_clear();
    let report = audit::audit(&facts?, &expect);
    ctx.printer
        .verbose(&format!("{} AWS requests", conn.calls.get()));
    if ctx.json() {
        ctx.printer.json(&render::report(&report, args.strict));
    } else {
        ctx.printer.info(render::checklist_text(&report).trim_end());
    }
    summarise(ctx, &report, args.strict)
}

/// One closing line on stderr, and the exit status.
fn summarise(ctx: &Context, report: &audit::Report, strict: bool) -> Result<ExitStatus> {
    let total = report.checks.len();
    let (failed, warned) = (report.at_level(Level::Fail), report.at_level(Level::Warn));
    let names = |checks: &[&audit::Check]| {
        checks
            .iter()
            .map(|c| c.name.as_str())
            .collect::<Vec<_>>()
            .join("; ")
    };
    if !failed.is_empty() {
        ctx.printer.error(&format!(
            "verification failed: {} of {total} checks failed ({})",
            failed.len(),
            names(&failed)
        ));
        return Ok(ExitStatus::Failure);
    }
    if warned.is_empty() {
        ctx.printer.step(&format!("all {total} checks passed"));
        return Ok(ExitStatus::Success);
    }
    if strict {
        ctx.printer.error(&format!(
            "verification failed (--strict): {} of {total} checks warned ({})",
            warned.len(),
            names(&warned)
        ));
        return Ok(ExitStatus::Failure);
    }
    ctx.printer.step(&format!(
        "{} of {total} checks passed, {} with a warning ({})",
        total - warned.len(),
        warned.len(),
        names(&warned)
    ));
    Ok(ExitStatus::Success)
}
