//! `create`: discover, plan, confirm (in a terminal, unless `--yes`), apply, report. Without
//! `--bucket` in a terminal, the wizard asks for the request first. With `--identity user`
//! the user's new access key is written where `--credentials-file` says, checked before any
//! request (its directory) and before any write (that the file is new).

use anyhow::{anyhow, Result};
use console::style;

use super::{Context, KeyWriter};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::account::{read_facts, Account};
use crate::aws::apply::{self, Writer};
use crate::aws::journal::{self, Journal};
use crate::aws::keys::NewKey;
use crate::aws::{self, Conflict, Connection};
use crate::cli::{resolve, CreateArgs};
use crate::credentials::{Destination, Target, Written};
use crate::exit::{Cancelled, ExitStatus, UsageError};
use crate::plan::{self, Change, Plan, Request};
use crate::render::keys::ROLE_IS_SAFER;
use crate::render::plan as render;
use crate::wizard;

pub(crate) async fn run(ctx: &Context, args: CreateArgs) -> Result<ExitStatus> {
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
    let dest = match &req {
        Some(req) => destination(ctx, &args, req)?,
        None => None,
    };
    ctx.cancel.on_ctrl_c();
    let conn = ctx.connection().await;
    let (req, plan, dest) = match req {
        None => {
            let (req, plan) = wizard::run(ctx, &Account { conn: &conn, ctx }, &args).await?;
            let dest = destination(ctx, &args, &req)?;
            refuse_existing(&plan, dest.as_ref())?;
            (req, plan, dest)
        }
        Some(req) => {
            let plan = discover_and_plan(ctx, &conn, &req)
                .await
                .map_err(before_any_write)?;
            refuse_existing(&plan, dest.as_ref())?;
            review(ctx, &plan, args.yes)?;
            (req, plan, dest)
        }
    };
    let keys = dest.map(|d| KeyWriter::new(&ctx.printer, d));
    let plan = if plan.is_noop() {
        ctx.printer.step(match req.cors {
            Some(_) => "IAM and the buckets' CORS already match: nothing to change",
            None => "IAM already matches: nothing to change",
        });
        plan
    } else {
        converge(ctx, &conn, &req, plan, keys.as_ref()).await?
    };
    ctx.printer
        .verbose(&format!("{} AWS requests", conn.calls.get()));
    report(ctx, &req, &plan, wizard_runs, keys.as_ref());
    Ok(ExitStatus::Success)
}

/// Where a user's new key goes, checked before any request: a directory that cannot take a
/// new file is refused (exit 2). None for a role.
fn destination(
    ctx: &Context,
    args: &CreateArgs,
    req: &Request,
) -> Result<Option<Destination>, UsageError> {
    let dest = resolve::credentials(&args.credentials, &req.holder.id(), ctx.json())?;
    if let Some(dest) = &dest {
        dest.check()?;
    }
    Ok(dest)
}

/// A run that will make a key refuses a credentials file that exists (before any write).
fn refuse_existing(plan: &Plan, dest: Option<&Destination>) -> Result<(), UsageError> {
    match dest {
        Some(dest) if makes_key(plan) => dest.refuse_existing(),
        _ => Ok(()),
    }
}

fn makes_key(plan: &Plan) -> bool {
    plan.changes
        .iter()
        .any(|c| matches!(c, Change::CreateAccessKey { .. }))
}

/// A failure before the first write says so (a cancellation says it already).
fn before_any_write(err: anyhow::Error) -> anyhow::Error {
    match err.is::<Cancelled>() {
        true => err,
        false => err.context("nothing was changed"),
    }
}

/// Read the account and plan, with a spinner; Ctrl-C stops at once (nothing was written).
pub(crate) async fn discover_and_plan(
    ctx: &Context,
    conn: &Connection,
    req: &Request,
) -> Result<Plan> {
    let spinner = ctx
        .printer
        .spinner("Reading the account: identity, buckets, encryption, IAM…");
    let show = |e| ctx.show(e);
    let facts = tokio::select! {
        facts = read_facts(conn, req, &show) => facts,
        () = ctx.cancel.cancelled() => Err(Cancelled("cancelled, nothing was changed".into()).into()),
    };
    spinner.finish_and_clear();
    Ok(plan::build(req, &facts?)?)
}

/// In a terminal: the short review (the documents with `-v` or on request), and unless
/// `--yes`, the question. Otherwise the plan in full for the log (text mode).
fn review(ctx: &Context, plan: &Plan, yes: bool) -> Result<()> {
    let asks = !yes && !plan.is_noop();
    if ctx.may_prompt && (asks || !ctx.json()) {
        return wizard::review_plan(&ctx.printer, plan, yes);
    }
    if !ctx.json() {
        ctx.printer.info(render::plan_text(plan).trim_end());
        if ctx.printer.is_verbose() {
            ctx.printer.block(render::documents_text(plan).trim_end());
        }
    }
    Ok(())
}

/// How many times a run re-reads and re-applies when another writer changes the role.
const ATTEMPTS: u32 = 4;

/// Apply the plan and confirm IAM holds it. When another writer changed the role meanwhile,
/// read it again, re-plan and apply again (a few times, at jittered intervals so racing runs
/// drift apart); on a failure or Ctrl-C, undo this run's writes and say exactly what exists.
/// Returns the plan that was applied last.
pub(crate) async fn converge(
    ctx: &Context,
    conn: &Connection,
    req: &Request,
    plan: Plan,
    keys: Option<&KeyWriter<'_>>,
) -> Result<Plan> {
    let journal = Journal::default();
    let show = |e| ctx.show(e);
    let sink = |key: &NewKey| match keys {
        Some(keys) => keys.write(key),
        None => Err(anyhow!("access key {} has nowhere to go", key.id)),
    };
    let s3 = |region: &str| conn.s3(region);
    let writer = super::writer(ctx, &conn.iam, &s3, &journal, &show, &sink);
    let undo = |err| roll_back(ctx, conn, &journal, err, keys);
    let mut plan = plan;
    for attempt in 1..=ATTEMPTS {
        let conflict = match apply_and_confirm(&writer, &plan).await {
            Ok(()) => {
                apply::finish(&writer, &plan).await?;
                return Ok(plan);
            }
            Err(aws::Error::Conflict(c)) if !ctx.cancel.is_cancelled() => c,
            Err(e) => return Err(undo(e.into()).await),
        };
        if attempt == ATTEMPTS {
            return Err(anyhow::Error::new(conflict).context(format!(
                "another change to {} happened during this run, {ATTEMPTS} times; IAM \
                 now holds the other writer's changes, listed above; run again to apply yours",
                plan.holder.id()
            )));
        }
        ctx.printer
            .warn(&format!("{conflict:#}; reading {} again", plan.holder.id()));
        tokio::time::sleep(jitter(attempt)).await;
        plan = match discover_and_plan(ctx, conn, req).await {
            Ok(plan) => plan,
            Err(e) => return Err(undo(e).await),
        };
        if !ctx.json() {
            ctx.printer.info(render::plan_text(&plan).trim_end());
        }
    }
    unreachable!("the loop returns on its last attempt")
}

/// A pause of 0.2–1.2 s × attempt: runs that collided do not collide again in step.
fn jitter(attempt: u32) -> Duration {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    Duration::from_millis(200 + u64::from(nanos % 1000)) * attempt
}

/// Apply, then read back; a difference that persists for a few seconds (IAM is eventually
/// consistent) means another writer was at work.
async fn apply_and_confirm(w: &Writer<'_>, plan: &Plan) -> aws::Outcome {
    let made = apply::apply(w, plan).await?;
    if w.cancel.is_cancelled() {
        return Err(Cancelled("interrupted".into()).into());
    }
    let mut differences = Vec::new();
    for wait in [0, 1, 3] {
        tokio::time::sleep(Duration::from_secs(wait)).await;
        let (iam, cors) = tokio::try_join!(
            apply::confirm(w.iam, plan, &made),
            apply::confirm_cors(w, plan)
        )?;
        differences = [iam, cors].concat();
        if differences.is_empty() {
            return Ok(());
        }
    }
    Err(Conflict(format!(
        "{} changed during this run: {}",
        plan.holder.id(),
        differences.join("; ")
    ))
    .into())
}

/// Undo this run's writes after `err`, show each step, and return the error that ends the run,
/// saying what was undone and what still exists. A key file written for a key that is now
/// deleted goes too.
pub(super) async fn roll_back(
    ctx: &Context,
    conn: &Connection,
    journal: &Journal,
    err: anyhow::Error,
    keys: Option<&KeyWriter<'_>>,
) -> anyhow::Error {
    if journal.is_empty() {
        return err.context("nothing was changed");
    }
    ctx.printer
        .warn(&format!("{err:#}; rolling back what this run changed"));
    let report = journal::rollback(&conn.iam, &|region| conn.s3(region), journal).await;
    for undone in &report.undone {
        ctx.printer.step(&format!("rolled back: {undone}"));
    }
    for left in &report.left {
        ctx.printer.info(&format!("  · {left}"));
    }
    for failed in &report.failed {
        ctx.printer.error(failed);
    }
    if let (Some(keys), true) = (keys, report.failed.is_empty()) {
        keys.discard();
    }
    err.context(report.summary())
}

/// The ARN last on stdout (text) or the plan as JSON; after the wizard, also the command that
/// repeats the run without questions.
fn report(
    ctx: &Context,
    req: &Request,
    plan: &Plan,
    after_wizard: bool,
    keys: Option<&KeyWriter<'_>>,
) {
    let warning = plan::external_id_warning(req);
    if ctx.json() {
        let mut report = render::report(plan, keys.and_then(KeyWriter::json));
        report
            .notes_mut()
            .extend(warning.iter().map(render::note_json));
        ctx.printer.json(&report);
        return;
    }
    let todo = render::access_text(&plan.notes);
    if !todo.is_empty() {
        ctx.printer.info(&format!(
            "\nDeep Lake may still be denied until these are fixed:\n{}",
            todo.trim_end()
        ));
    }
    if let (Some(user), Some(keys)) = (plan.user(), keys) {
        let arn = user.arn.clone().unwrap_or_default();
        report_user(ctx, &arn, keys);
        if after_wizard {
            ctx.printer.block(&wizard::next_steps(req, &ctx.connect));
        }
        // With `--credentials-file -`, stdout holds the key and nothing else.
        if keys.dest.target != Target::Stdout {
            ctx.printer.result(&arn);
        }
        return;
    }
    let arn = plan.holder.arn().unwrap_or_default().to_string();
    let shown = style(&arn).bold().green();
    if req
        .role()
        .is_some_and(|role| role.trust.trusts_activeloop())
    {
        ctx.printer.info(&format!(
            "\nPaste this role ARN into the Activeloop UI (managed credentials):\n  {shown}"
        ));
        if let Some(warning) = warning {
            ctx.printer.warn(&warning.message);
        }
    } else {
        ctx.printer.info(&format!(
            "\nThe role trusts only the principals you gave, not Activeloop, so Deep Lake \
             cannot use it; give its ARN to whoever assumes it:\n  {shown}"
        ));
    }
    if after_wizard {
        // Laid out already: a command wrapped mid-flag could not be pasted.
        ctx.printer.block(&wizard::next_steps(req, &ctx.connect));
    }
    ctx.printer.result(&arn);
}

/// What to do with the key, for people (the ARN follows on stdout).
fn report_user(ctx: &Context, arn: &str, keys: &KeyWriter<'_>) {
    let shown = style(arn).bold().green();
    let key = match keys.made() {
        Some((id, Written::File(path))) => {
            format!("access key {id} (its secret is in {})", path.display())
        }
        Some((id, Written::Stdout)) => format!("access key {id} (written to stdout)"),
        None => "access key it already has (rotate-key makes a new one)".to_string(),
    };
    ctx.printer.info(&format!(
        "\nUser {shown} is ready. Give Deep Lake (\"IAM User Keys\") or the tool that needs \
         it the {key}."
    ));
    ctx.printer.info(ROLE_IS_SAFER);
}
