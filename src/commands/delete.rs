//! `delete`: show what goes, ask (in a terminal, unless `--yes`), delete step by step.

use anyhow::{anyhow, Result};

use super::Context;
use crate::aws::delete::{self, Inventory, Step};
use crate::aws::retry::Backoff;
use crate::aws::{discover, Connection};
use crate::cli::DeleteArgs;
use crate::exit::{ExitStatus, UsageError};
use crate::plan::request::default_policy_name;
use crate::render::delete as render;

pub async fn run(ctx: &Context, args: DeleteArgs) -> Result<ExitStatus> {
    let role = args.role_name.as_str();
    if !args.yes && !args.dry_run && !ctx.may_prompt {
        return Err(UsageError::new("delete needs --yes when not run in a terminal").into());
    }
    ctx.cancel.on_ctrl_c();
    let conn = ctx.connection().await;
    let show = |e| ctx.show(e);
    let (inventory, orphans) = tokio::try_join!(
        delete::inventory(&conn.iam, role, &show),
        orphans(&conn, &args),
    )?;
    let mut steps = match inventory {
        Some(inventory) => {
            let steps = delete::steps(&inventory, args.force)?;
            [cors_steps(ctx, &conn, &inventory).await, steps].concat()
        }
        None if orphans.is_empty() => {
            return Err(anyhow!(
                "role {role} does not exist, and no policy made by provision-role for it is left \
                 without a role"
            ))
        }
        None => Vec::new(),
    };
    steps.extend(orphans);
    let asking = !args.yes && !args.dry_run;
    if !ctx.json() || asking {
        ctx.printer
            .info(render::steps_text(role, &steps, args.dry_run).trim_end());
    }
    if args.dry_run {
        report(ctx, role, &steps, true);
        return Ok(ExitStatus::Success);
    }
    if asking {
        super::confirm(
            &format!("Delete role {role} as listed above?"),
            "cancelled, nothing was deleted",
        )?;
    }
    let s3 = |region: &str| conn.s3(region);
    delete::execute(&conn.iam, &s3, &steps, Backoff::IAM, &ctx.cancel, &|e| {
        ctx.show(e)
    })
    .await?;
    report(ctx, role, &steps, false);
    Ok(ExitStatus::Success)
}

/// Our CORS rule comes out of the buckets our policies grant; a bucket that cannot be read is
/// named in a warning and left as it is.
async fn cors_steps(ctx: &Context, conn: &Connection, inventory: &Inventory) -> Vec<Step> {
    let mut buckets: Vec<String> = inventory
        .attached
        .iter()
        .flat_map(|p| p.buckets.iter().cloned())
        .collect();
    buckets.sort();
    buckets.dedup();
    let (steps, warnings) = delete::cors_steps(conn, buckets).await;
    for warning in warnings {
        ctx.printer.warn(&warning);
    }
    steps
}

/// What a failed run may have left: the tool's policies for the role, by name, attached to
/// nothing.
async fn orphans(conn: &Connection, args: &DeleteArgs) -> Result<Vec<Step>> {
    let who = discover::identity(&conn.sts).await?;
    let base = args
        .policy_name
        .clone()
        .unwrap_or_else(|| default_policy_name(&args.role_name));
    delete::orphans(&conn.iam, &who, &base).await
}

/// The JSON result; text mode has said everything on stderr already.
fn report(ctx: &Context, role: &str, steps: &[Step], dry_run: bool) {
    if ctx.json() {
        ctx.printer.json(&render::report(role, steps, dry_run));
    }
}
