//! `export`: the plan as a CloudFormation or Terraform template, on stdout or in a file.
//! Offline unless `--discover`; never writes to AWS.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};

use super::Context;
use crate::cli::{resolve, ExportArgs, ExportFormat};
use crate::exit::{ExitStatus, UsageError};
use crate::export::{cloudformation, terraform};
use crate::plan::Plan;
use crate::render::plan as render;

pub(crate) async fn run(ctx: &Context, args: ExportArgs) -> Result<ExitStatus> {
    if ctx.json() {
        return Err(UsageError::new(
            "export writes a template, not a JSON report: drop --output json (--format chooses \
             the template)",
        )
        .into());
    }
    if args.role.cors != Default::default() {
        return Err(UsageError::new(
            "export cannot carry --cors: a template cannot add one rule to a bucket's CORS \
             configuration without replacing the rules other apps rely on. Run `provision-role \
             create --cors --bucket …` in each account (it keeps the other rules), or drop --cors",
        )
        .into());
    }
    let file = destination(args.output_file.as_deref())?;
    let mut req = resolve::request(&args.role)?;
    if req.user_name().is_some() {
        return Err(UsageError::new(
            "export writes roles only: an IAM user's access key is a secret, and a secret does \
             not belong in a template (or in the state of the tool that deploys it). Use \
             `provision-role create --identity user`, which writes the key once to a private \
             file",
        )
        .into());
    }
    // Ownership decides what `create` may change in place; a template changes nothing by
    // itself, and the stack that deployed it owns its policies (CloudFormation cannot tag
    // them), so a role or policy that is already there never stops an export.
    req.adopt = true;
    let plan = super::plan::build(ctx, &req, args.discover).await?;
    let notes = render::notes_text(&plan.notes);
    if !notes.is_empty() {
        ctx.printer.info(notes.trim_end());
    }
    if !args.discover && req.kms.discovers() {
        ctx.printer.info(
            "Add --discover to read the buckets' encryption and grant their customer-managed \
             KMS keys in the template.",
        );
    }
    let Some(role) = plan.role() else {
        anyhow::bail!("export plans a role; a user was refused above");
    };
    let template = match args.format {
        ExportFormat::CloudFormation => cloudformation::render(&plan, role),
        ExportFormat::Terraform => terraform::render(&plan, role),
    };
    let Some(file) = file else {
        ctx.printer.result(template.trim_end_matches('\n'));
        return Ok(ExitStatus::Success);
    };
    std::fs::write(&file, &template)
        .with_context(|| format!("could not write the template to {}", file.display()))?;
    ctx.printer
        .step(&format!("wrote the template to {}", file.display()));
    ctx.printer.info(&next_step(args.format, &file, &plan));
    Ok(ExitStatus::Success)
}

/// The file to write, or `None` for stdout (no `-o`, or `-o -`). Refused before anything is
/// read: a directory, or a file in a directory that does not exist.
fn destination(path: Option<&Path>) -> Result<Option<PathBuf>, UsageError> {
    let Some(path) = path.filter(|p| *p != Path::new("-")) else {
        return Ok(None);
    };
    if path.is_dir() {
        return Err(UsageError::new(format!(
            "--output-file {}: is a directory; name a file in it",
            path.display()
        )));
    }
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    if !parent.is_dir() {
        return Err(UsageError::new(format!(
            "--output-file {}: directory {} does not exist",
            path.display(),
            parent.display()
        )));
    }
    Ok(Some(path.to_path_buf()))
}

/// How to deploy what was written.
fn next_step(format: ExportFormat, file: &Path, plan: &Plan) -> String {
    match format {
        ExportFormat::CloudFormation => format!(
            "Deploy it with `aws cloudformation deploy --template-file {} --stack-name \
             deeplake-role --capabilities CAPABILITY_NAMED_IAM`, or to many accounts with \
             StackSets (README: Many accounts); then `provision-role verify --role-name {}`.",
            file.display(),
            plan.holder.name()
        ),
        ExportFormat::Terraform => format!(
            "Apply it with `terraform init && terraform apply` in {}; the role ARN is the \
             `role_arn` output.",
            file.parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new("."))
                .display()
        ),
    }
}
