//! `delete`: show what goes, ask (in a terminal, unless `--yes`), delete step by step. A role,
//! or with `--identity user` a user (its access keys first).

use anyhow::{anyhow, Result};

use super::Context;
use crate::aws::delete::{self, Inventory, Step};
use crate::aws::retry::Backoff;
use crate::aws::{discover, AwsError, Connection};
use crate::cli::{resolve, DeleteArgs};
use crate::exit::{ExitStatus, UsageError};
use crate::plan::request::{default_policy_name, default_user_policy_name};
use crate::plan::Holder;
use crate::render::delete as render;

pub(crate) async fn run(ctx: &Context, args: DeleteArgs) -> Result<ExitStatus> {
    let holder = resolve::holder(&args.identity, args.role_name.as_deref())?;
    if !args.yes && !args.dry_run && !ctx.may_prompt {
        return Err(UsageError::new("delete needs --yes when not run in a terminal").into());
    }
    ctx.cancel.on_ctrl_c();
    let conn = ctx.connection().await;
    let show = |e| ctx.show(e);
    let (inventory, orphans) = tokio::try_join!(
        delete::inventory(&conn.iam, &holder, &show),
        orphans(&conn, &args, &holder),
    )?;
    let mut steps = match inventory {
        Some(inventory) => {
            let steps = delete::steps(&inventory, args.force)?;
            [cors_steps(ctx, &conn, &inventory).await, steps].concat()
        }
        None if orphans.is_empty() => {
            return Err(anyhow!(
                "{holder} does not exist, and no policy made by provision-role for it is left \
                 without a {}",
                holder.kind()
            ))
        }
        None => Vec::new(),
    };
    steps.extend(orphans);
    let asking = !args.yes && !args.dry_run;
    if !ctx.json() || asking {
        ctx.printer
            .info(render::steps_text(&holder, &steps, args.dry_run).trim_end());
    }
    if args.dry_run {
        report(ctx, &holder, &steps, true);
        return Ok(ExitStatus::Success);
    }
    if asking {
        crate::prompt::confirm(
            &format!("Delete {holder} as listed above?"),
            "cancelled, nothing was deleted",
        )?;
    }
    let s3 = |region: &str| conn.s3(region);
    delete::execute(&conn.iam, &s3, &steps, Backoff::IAM, &ctx.cancel, &|e| {
        ctx.show(e)
    })
    .await?;
    report(ctx, &holder, &steps, false);
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
    let (steps, warnings) = delete::cors_steps(conn, &inventory.holder, buckets).await;
    for warning in warnings {
        ctx.printer.warn(&warning);
    }
    steps
}

/// What a failed run may have left: the tool's policies for the role (or user), by name,
/// attached to nothing.
async fn orphans(
    conn: &Connection,
    args: &DeleteArgs,
    holder: &Holder,
) -> Result<Vec<Step>, AwsError> {
    let who = discover::identity(&conn.sts).await?;
    let base = args.policy_name.clone().unwrap_or_else(|| match holder {
        Holder::Role(name) => default_policy_name(name),
        Holder::User(name) => default_user_policy_name(name),
    });
    delete::orphans(&conn.iam, &who, &base).await
}

/// The JSON result; text mode has said everything on stderr already.
fn report(ctx: &Context, holder: &Holder, steps: &[Step], dry_run: bool) {
    if ctx.json() {
        ctx.printer.json(&render::report(holder, steps, dry_run));
    }
}
