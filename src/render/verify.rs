//! `verify`'s report: a checklist for people, one JSON document for programs.

use console::style;
use schemars::JsonSchema;
use serde::Serialize;

use crate::audit::{Check, Level, Report};

/// The JSON result of `verify` (also when checks fail).
#[derive(Debug, Serialize, JsonSchema)]
pub struct VerifyReport {
    pub role_name: String,
    /// Null if the role does not exist.
    pub role_arn: Option<String>,
    /// True when the run passes: no check failed (and, with `--strict`, none warned).
    pub ok: bool,
    pub checks: Vec<CheckJson>,
    /// The `provision-role create …` command the fixes refer to; null when none does.
    pub fix_command: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct CheckJson {
    pub name: String,
    /// False only when the check failed (a warning does not fail it).
    pub ok: bool,
    /// ok, warn (does not fail the run unless `--strict`), or fail.
    pub level: Level,
    pub detail: String,
    /// How to fix it; null when the check passed.
    pub fix: Option<String>,
}

pub fn report(report: &Report, strict: bool) -> VerifyReport {
    VerifyReport {
        role_name: report.role_name.clone(),
        role_arn: report.role_arn.clone(),
        ok: report.passes(strict),
        checks: report.checks.iter().map(check_json).collect(),
        fix_command: report.fix_command.clone(),
    }
}

fn check_json(c: &Check) -> CheckJson {
    CheckJson {
        name: c.name.clone(),
        ok: c.level != Level::Fail,
        level: c.level,
        detail: c.detail.clone(),
        fix: c.fix.clone(),
    }
}

fn mark(level: Level) -> console::StyledObject<&'static str> {
    match level {
        Level::Ok => style("✓").green(),
        Level::Warn => style("⚠").yellow(),
        Level::Fail => style("✗").red(),
    }
}

/// `✓`/`⚠`/`✗` per check, with the fix under each warning and failure, and the create
/// command they refer to once at the end.
pub fn checklist_text(report: &Report) -> String {
    let role = report.role_arn.as_deref().unwrap_or(&report.role_name);
    let mut out = format!("{} {role}\n", style("Role").bold());
    for check in &report.checks {
        out.push_str(&format!(
            "  {} {}: {}\n",
            mark(check.level),
            check.name,
            check.detail
        ));
        if let Some(fix) = &check.fix {
            out.push_str(&format!("    {} {fix}\n", style("fix:").bold()));
        }
    }
    if let Some(command) = &report.fix_command {
        out.push_str(&format!(
            "{}\n  {command}\n",
            style("The create command the fixes refer to:").bold()
        ));
    }
    out
}
