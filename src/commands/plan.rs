//! `plan`: the documents and changes, never a write. Offline unless `--discover`. With
//! `--identity user`, the user's policies (it has no trust policy) and its access key.

use anyhow::Result;

use super::create::discover_and_plan;
use super::Context;
use crate::cli::{resolve, PlanArgs};
use crate::exit::ExitStatus;
use crate::plan::{self, Facts, Plan, Request};
use crate::render::plan as render;

pub(crate) async fn run(ctx: &Context, args: PlanArgs) -> Result<ExitStatus> {
    let req = resolve::request(&args.role)?;
    let plan = build(ctx, &req, args.discover).await?;
    if ctx.json() {
        ctx.printer.json(&render::report(&plan, None));
        return Ok(ExitStatus::Success);
    }
    ctx.printer.info(render::plan_text(&plan).trim_end());
    // A user is not assumed: it has no trust policy.
    if let Some(role) = plan.role() {
        ctx.printer.info(&render::trust_heading(role));
        ctx.printer.result(&role.trust.to_pretty());
    }
    for p in &plan.policies {
        ctx.printer
            .info(&render::policy_heading(&p.name, &p.document));
        ctx.printer.result(&p.document.to_pretty());
    }
    Ok(ExitStatus::Success)
}

/// The plan offline, or with `discover` from what the account holds (reads only; Ctrl-C
/// stops the reads). `export` plans the same way.
pub(crate) async fn build(ctx: &Context, req: &Request, discover: bool) -> Result<Plan> {
    if !discover {
        return Ok(plan::build(req, &Facts::offline())?);
    }
    ctx.cancel.on_ctrl_c();
    let conn = ctx.connection().await;
    discover_and_plan(ctx, &conn, req).await
}
