//! `create`: discover, plan, confirm (in a terminal, unless `--yes`), apply, report. Without
//! `--bucket` in a terminal, the wizard asks for the request first.

use anyhow::Result;
use console::style;

use super::Context;
use crate::aws::apply::{self, Journal, Writer};
use crate::aws::retry::Backoff;
use crate::aws::{discover, Connection};
use crate::cli::{resolve, CreateArgs};
use crate::exit::{Cancelled, ExitStatus, UsageError};
use crate::plan::{self, Plan, Request};
use crate::render::plan as render;
use crate::wizard;

pub async fn run(ctx: &Context, args: CreateArgs) -> Result<ExitStatus> {
    let wizard_runs = args.role.buckets.is_empty() && ctx.may_prompt;
    if args.role.buckets.is_empty() && !ctx.may_prompt {
        return Err(UsageError::new(
            "missing --bucket: the guided setup needs a terminal (stdin and stderr), and this \
             run has none or is in CI. Give the answers as flags instead, e.g. \
             `provision-role create --bucket my-data --yes`",
        )
        .into());
    }
    let req = match wizard_runs {
        true => None,
        false => Some(resolve::request(&args.role)?),
    };
    ctx.cancel.on_ctrl_c();
    let conn = ctx.connection().await;
    let (req, plan) = match req {
        None => wizard::run(ctx, &conn, &args).await?,
        Some(req) => {
            let plan = discover_and_plan(ctx, &conn, &req).await?;
            review(ctx, &plan, args.yes)?;
            (req, plan)
        }
    };
    if plan.is_noop() {
        ctx.printer.step("IAM already matches: nothing to change");
    } else {
        apply_or_roll_back(ctx, &conn, &plan).await?;
    }
    ctx.printer
        .verbose(&format!("{} AWS requests", conn.calls.get()));
    report(ctx, &req, &plan, wizard_runs);
    Ok(ExitStatus::Success)
}

/// Read the account and plan, with a spinner; Ctrl-C stops at once (nothing was written).
pub async fn discover_and_plan(ctx: &Context, conn: &Connection, req: &Request) -> Result<Plan> {
    let spinner = ctx
        .printer
        .spinner("Reading the account: identity, buckets, encryption, IAM…");
    let show = |e| ctx.show(e);
    let facts = tokio::select! {
        facts = discover::facts(conn, req, &show) => facts,
        () = ctx.cancel.cancelled() => Err(Cancelled("cancelled, nothing was changed".into()).into()),
    };
    spinner.finish_and_clear();
    Ok(plan::build(req, &facts?)?)
}

/// Show the plan (text mode), and in a terminal ask before changing anything.
fn review(ctx: &Context, plan: &Plan, yes: bool) -> Result<()> {
    if !ctx.json() {
        ctx.printer.info(render::plan_text(plan).trim_end());
        if ctx.printer.is_verbose() {
            ctx.printer.block(render::documents_text(plan).trim_end());
        }
    }
    if plan.is_noop() || !ctx.may_prompt || yes {
        return Ok(());
    }
    ctx.printer.block(render::documents_text(plan).trim_end());
    super::confirm("Apply these changes?", "cancelled, nothing was changed")
}

/// Apply the plan; on failure or Ctrl-C, undo this run's writes and say what was undone.
pub async fn apply_or_roll_back(ctx: &Context, conn: &Connection, plan: &Plan) -> Result<()> {
    let journal = Journal::default();
    let writer = Writer {
        iam: &conn.iam,
        journal: &journal,
        backoff: Backoff::IAM,
        cancel: &ctx.cancel,
        progress: &|e| ctx.show(e),
    };
    let err = match apply::apply(&writer, plan).await {
        Ok(()) if !ctx.cancel.is_cancelled() => return Ok(()),
        Ok(()) => Cancelled("interrupted".into()).into(),
        Err(e) => e,
    };
    if journal.is_empty() {
        return Err(err.context("nothing was changed"));
    }
    ctx.printer
        .warn(&format!("{err:#}; rolling back what this run changed"));
    let report = apply::rollback(&conn.iam, &journal).await;
    for undone in &report.undone {
        ctx.printer.step(&format!("rolled back: {undone}"));
    }
    for failed in &report.failed {
        ctx.printer.error(failed);
    }
    let summary = if report.failed.is_empty() {
        format!("rolled back {} change(s)", report.undone.len())
    } else {
        format!(
            "rolled back {} change(s); {} could not be undone and need manual cleanup",
            report.undone.len(),
            report.failed.len()
        )
    };
    Err(err.context(summary))
}

/// The ARN last on stdout (text) or the plan as JSON; after the wizard, also the command that
/// repeats the run without questions.
fn report(ctx: &Context, req: &Request, plan: &Plan, after_wizard: bool) {
    let warning = plan::external_id_warning(req);
    if ctx.json() {
        let mut report = render::report(plan);
        report.notes.extend(warning.iter().map(render::note_json));
        ctx.printer.json(&report);
        return;
    }
    let arn = plan.role_arn.clone().unwrap_or_default();
    ctx.printer.info(&format!(
        "\nPaste this role ARN into the Activeloop UI (managed credentials):\n  {}",
        style(&arn).bold().green()
    ));
    if let Some(warning) = warning {
        ctx.printer.warn(&warning.message);
    }
    if after_wizard {
        ctx.printer.info(&wizard::next_steps(req));
    }
    ctx.printer.result(&arn);
}
