//! `verify`'s report: a checklist for people, one JSON document for programs.

use console::style;
use schemars::JsonSchema;
use serde::Serialize;

use crate::aws::verify::{Check, Report};

/// The JSON result of `verify` (also when checks fail).
#[derive(Debug, Serialize, JsonSchema)]
pub struct VerifyReport {
    pub role_name: String,
    /// Null if the role does not exist.
    pub role_arn: Option<String>,
    /// True when every check passed.
    pub ok: bool,
    pub checks: Vec<CheckJson>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct CheckJson {
    pub name: String,
    pub ok: bool,
    pub detail: String,
    /// How to fix it; null when the check passed.
    pub fix: Option<String>,
}

pub fn report(report: &Report) -> VerifyReport {
    VerifyReport {
        role_name: report.role_name.clone(),
        role_arn: report.role_arn.clone(),
        ok: report.failed().is_empty(),
        checks: report.checks.iter().map(check_json).collect(),
    }
}

fn check_json(c: &Check) -> CheckJson {
    CheckJson {
        name: c.name.clone(),
        ok: c.ok,
        detail: c.detail.clone(),
        fix: c.fix.clone(),
    }
}

/// `✓`/`✗` per check, with the fix under each failure.
pub fn checklist_text(report: &Report) -> String {
    let role = report.role_arn.as_deref().unwrap_or(&report.role_name);
    let mut out = format!("{} {role}\n", style("Role").bold());
    for check in &report.checks {
        let mark = if check.ok {
            style("✓").green()
        } else {
            style("✗").red()
        };
        out.push_str(&format!("  {mark} {}: {}\n", check.name, check.detail));
        if let Some(fix) = &check.fix {
            out.push_str(&format!("    {} {fix}\n", style("fix:").bold()));
        }
    }
    out
}
