//! `delete`: show what goes, ask (in a terminal, unless `--yes`), delete step by step.

use anyhow::{anyhow, Result};

use super::Context;
use crate::aws::delete;
use crate::aws::retry::Backoff;
use crate::cli::DeleteArgs;
use crate::exit::{ExitStatus, UsageError};
use crate::render::delete as render;

pub async fn run(ctx: &Context, args: DeleteArgs) -> Result<ExitStatus> {
    let role = args.role_name.as_str();
    if !args.yes && !args.dry_run && !ctx.may_prompt {
        return Err(UsageError::new("delete needs --yes when not run in a terminal").into());
    }
    ctx.cancel.on_ctrl_c();
    let conn = ctx.connection().await;
    let inventory = delete::inventory(&conn.iam, role, &|e| ctx.show(e))
        .await?
        .ok_or_else(|| anyhow!("role {role} does not exist"))?;
    let steps = delete::steps(&inventory)?;
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
    delete::execute(&conn.iam, &steps, Backoff::IAM, &ctx.cancel, &|e| {
        ctx.show(e)
    })
    .await?;
    report(ctx, role, &steps, false);
    Ok(ExitStatus::Success)
}

/// The JSON result; text mode has said everything on stderr already.
fn report(ctx: &Context, role: &str, steps: &[delete::Step], dry_run: bool) {
    if ctx.json() {
        ctx.printer.json(&render::report(role, steps, dry_run));
    }
}
