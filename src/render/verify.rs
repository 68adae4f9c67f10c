//! `verify`'s report: a checklist for people, one JSON document for programs.

use console::style;
use schemars::JsonSchema;
use serde::Serialize;

use crate::audit::{Check, Level, Report};
use crate::plan::Holder;

/// The JSON result of `verify`: for a role, or with `--identity user` for a user.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(untagged)]
pub(crate) enum VerifyOutput {
    Role(VerifyReport),
    User(UserVerifyReport),
}

/// The JSON result of `verify --identity user` (also when checks fail).
#[derive(Debug, Serialize, JsonSchema)]
pub(crate) struct UserVerifyReport {
    pub(crate) user_name: String,
    /// Null if the user does not exist.
    pub(crate) user_arn: Option<String>,
    /// True when the run passes: no check failed (and, with `--strict`, none warned).
    pub(crate) ok: bool,
    pub(crate) checks: Vec<CheckJson>,
    /// The `provision-role create …` command the fixes refer to; null when none does.
    pub(crate) fix_command: Option<String>,
}

/// The JSON result of `verify` (also when checks fail).
#[derive(Debug, Serialize, JsonSchema)]
pub(crate) struct VerifyReport {
    pub(crate) role_name: String,
    /// Null if the role does not exist.
    pub(crate) role_arn: Option<String>,
    /// True when the run passes: no check failed (and, with `--strict`, none warned).
    pub(crate) ok: bool,
    pub(crate) checks: Vec<CheckJson>,
    /// The `provision-role create …` command the fixes refer to; null when none does.
    pub(crate) fix_command: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub(crate) struct CheckJson {
    pub(crate) name: String,
    /// False only when the check failed (a warning does not fail it).
    pub(crate) ok: bool,
    /// ok, warn (does not fail the run unless `--strict`), or fail.
    pub(crate) level: Level,
    pub(crate) detail: String,
    /// How to fix it; null when the check passed.
    pub(crate) fix: Option<String>,
}

pub(crate) fn report(report: &Report, strict: bool) -> VerifyOutput {
    let (ok, checks) = (
        report.passes(strict),
        report.checks.iter().map(check_json).collect(),
    );
    let fix_command = report.fix_command.clone();
    match &report.holder {
        Holder::Role(name) => VerifyOutput::Role(VerifyReport {
            role_name: name.clone(),
            role_arn: report.arn.clone(),
            ok,
            checks,
            fix_command,
        }),
        Holder::User(name) => VerifyOutput::User(UserVerifyReport {
            user_name: name.clone(),
            user_arn: report.arn.clone(),
            ok,
            checks,
            fix_command,
        }),
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
pub(crate) fn checklist_text(report: &Report) -> String {
    let name = report.arn.as_deref().unwrap_or(report.holder.name());
    let label = match report.holder {
        Holder::Role(_) => "Role",
        Holder::User(_) => "User",
    };
    let mut out = format!("{} {name}\n", style(label).bold());
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::Check;

    #[test]
    fn marks_levels_and_gives_the_command_once() {
        console::set_colors_enabled(false);
        let mut fail = Check::fail("S3 read-write access to a-1", "not allowed", "grant it");
        fail.uses_command = true;
        let report = Report {
            holder: Holder::Role("r".into()),
            arn: Some("arn:aws:iam::123456789012:role/r".into()),
            checks: vec![
                Check::pass("role exists", "arn:aws:iam::123456789012:role/r"),
                Check::warn("trust: external ID", "none is required", "require one"),
                fail.clone(),
                Check {
                    name: "S3 read-write access to b-2".into(),
                    ..fail
                },
            ],
            fix_command: Some("provision-role create --role-name r --bucket a-1".into()),
        };
        let text = checklist_text(&report);
        assert!(text.contains("  ✓ role exists: "), "{text}");
        assert!(text.contains("  ⚠ trust: external ID: none is required\n    fix: require one"));
        assert!(text.contains("  ✗ S3 read-write access to b-2: not allowed\n    fix: grant it"));
        assert_eq!(text.matches("provision-role create").count(), 1, "{text}");
        let json = serde_json::to_value(super::report(&report, false)).unwrap();
        assert_eq!(json["ok"], false);
        assert_eq!(json["checks"][1]["level"], "warn");
        assert_eq!(json["checks"][1]["ok"], true);
        assert_eq!(json["checks"][2]["ok"], false);
        assert_eq!(
            json["fix_command"],
            "provision-role create --role-name r --bucket a-1"
        );
    }
}
