//! `verify` and `delete`: the lifecycle commands around an existing role.

use anyhow::{anyhow, Result};
use console::style;
use serde_json::{json, Value};

use crate::app::{connect_options, interactive};
use crate::aws::delete::{self, Step};
use crate::aws::retry::Backoff;
use crate::aws::verify::{self, Expect, Report};
use crate::cli::{DeleteArgs, GlobalArgs, OutputFormat, VerifyArgs};
use crate::error::{Cancelled, Reported, UsageError};
use crate::plan::request::normalize_scopes;
use crate::{aws, output, request, validate};

/// Check the role; print a checklist (text) or one JSON document, and fail if any check fails.
pub async fn verify(global: &GlobalArgs, args: VerifyArgs) -> Result<()> {
    let expect = expectation(&args)?;
    let conn = aws::connect(&connect_options(global)?).await;
    let spinner = output::spinner("Reading the role, its policies and its buckets…");
    let report = verify::run(&conn, &expect).await;
    spinner.finish_and_clear();
    let report = report?;
    if global.output == OutputFormat::Json {
        output::json(&verify_json(&report));
    } else {
        output::info(checklist_text(&report).trim_end());
    }
    let failed = report.failed();
    if failed.is_empty() {
        output::step(&format!("all {} checks passed", report.checks.len()));
        return Ok(());
    }
    let names: Vec<&str> = failed.iter().map(|c| c.name.as_str()).collect();
    Err(Reported(format!(
        "verification failed: {} of {} checks failed ({})",
        failed.len(),
        report.checks.len(),
        names.join("; ")
    ))
    .into())
}

/// The flags, checked: exit 2 before any AWS call when one is malformed.
fn expectation(args: &VerifyArgs) -> Result<Expect, UsageError> {
    let role_name = request::role_name(Some(&args.role_name))?;
    let scopes = args
        .buckets
        .iter()
        .map(|b| {
            request::bucket_scope(b)
                .map_err(|e| UsageError::new(format!("invalid --bucket {b:?}: {e}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let external_id = match &args.external_id {
        Some(id) => Some(
            validate::external_id(id)
                .map_err(|e| UsageError::new(format!("invalid --external-id {id:?}: {e}")))?
                .to_string(),
        ),
        None => None,
    };
    Ok(Expect {
        role_name,
        scopes: normalize_scopes(scopes).0,
        access: request::access(Some(args.access)),
        principals: request::principals(&args.principals, false)?,
        external_id,
    })
}

fn verify_json(report: &Report) -> Value {
    json!({
        "role_name": report.role_name,
        "role_arn": report.role_arn,
        "ok": report.failed().is_empty(),
        "checks": report.checks,
    })
}

fn checklist_text(report: &Report) -> String {
    let role = report.role_arn.as_deref().unwrap_or(&report.role_name);
    let mut out = format!("{} {role}\n", style("Role").bold());
    for check in &report.checks {
        if check.ok {
            out.push_str(&format!(
                "  {} {}: {}\n",
                style("✓").green(),
                check.name,
                check.detail
            ));
            continue;
        }
        out.push_str(&format!(
            "  {} {}: {}\n",
            style("✗").red(),
            check.name,
            check.detail
        ));
        if let Some(fix) = &check.fix {
            out.push_str(&format!("      {} {fix}\n", style("fix:").bold()));
        }
    }
    out
}

/// Delete the role and the policies this tool made for it, after showing what goes.
pub async fn delete(global: &GlobalArgs, args: DeleteArgs) -> Result<()> {
    let role = request::role_name(Some(&args.role_name))?;
    let may_prompt = interactive(global);
    if !args.yes && !args.dry_run && !may_prompt {
        return Err(UsageError::new("delete needs --yes when not run in a terminal").into());
    }
    let conn = aws::connect(&connect_options(global)?).await;
    let inventory = delete::inventory(&conn.iam, &role)
        .await?
        .ok_or_else(|| anyhow!("role {role} does not exist"))?;
    let steps = delete::steps(&inventory)?;
    let asking = !args.yes && !args.dry_run;
    if global.output == OutputFormat::Text || asking {
        output::info(steps_text(&role, &steps, args.dry_run).trim_end());
    }
    if args.dry_run {
        report_deleted(global, &role, &steps, true);
        return Ok(());
    }
    if asking {
        confirm_delete(&role)?;
    }
    let _writing = crate::app::Writing::start();
    tokio::select! {
        r = delete::execute(&conn.iam, &steps, Backoff::IAM, |step| output::step(&step.done())) => r?,
        _ = tokio::signal::ctrl_c() => {
            return Err(Cancelled(
                "interrupted: the steps marked ✓ were done; run delete again to finish".into(),
            )
            .into())
        }
    }
    report_deleted(global, &role, &steps, false);
    Ok(())
}

fn steps_text(role: &str, steps: &[Step], dry_run: bool) -> String {
    let heading = if dry_run {
        format!("Deleting role {role} would (dry run, nothing is changed):")
    } else {
        format!("Deleting role {role} will:")
    };
    let mut out = format!("{}\n", style(heading).bold());
    for step in steps {
        out.push_str(&format!("  {} {}\n", style("-").red(), step.todo()));
    }
    out
}

fn confirm_delete(role: &str) -> Result<()> {
    let answer = dialoguer::Confirm::with_theme(&dialoguer::theme::ColorfulTheme::default())
        .with_prompt(format!("Delete role {role} as listed above?"))
        .default(false)
        .interact_opt();
    let cancelled = || Cancelled("cancelled, nothing was deleted".into());
    match answer {
        Ok(Some(true)) => Ok(()),
        Ok(_) => Err(cancelled().into()),
        Err(dialoguer::Error::IO(io)) if io.kind() == std::io::ErrorKind::Interrupted => {
            Err(cancelled().into())
        }
        Err(e) => Err(anyhow::Error::new(e).context("could not prompt on the terminal")),
    }
}

/// The JSON result of `delete`; text mode has said everything on stderr already.
fn report_deleted(global: &GlobalArgs, role: &str, steps: &[Step], dry_run: bool) {
    if global.output != OutputFormat::Json {
        return;
    }
    let pick = |deleted: bool| -> Vec<String> {
        steps
            .iter()
            .map(Step::resource)
            .filter(|(d, _)| *d == deleted)
            .map(|(_, r)| r)
            .collect()
    };
    output::json(&json!({
        "role_name": role,
        "deleted": pick(true),
        "detached": pick(false),
        "dry_run": dry_run,
    }));
}
