//! `delete`'s report: the steps for people, one JSON document for programs.

use console::style;
use schemars::JsonSchema;
use serde::Serialize;

use crate::aws::delete::{Fate, Step};

/// The JSON result of `delete`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct DeleteReport {
    pub role_name: String,
    /// What was (or, with `--dry-run`, would be) deleted: inline policies as
    /// `inline-policy/NAME`, policy and role ARNs, and Deep Lake's CORS rule as `cors/BUCKET`.
    pub deleted: Vec<String>,
    /// Every policy taken off the role; those not also in `deleted` were kept.
    pub detached: Vec<String>,
    /// What `--adopt` took over and delete handed back (our tags removed, an adopted policy's
    /// earlier default version restored).
    pub kept: Vec<String>,
    pub dry_run: bool,
}

pub fn report(role: &str, steps: &[Step], dry_run: bool) -> DeleteReport {
    let pick = |fate: Fate| -> Vec<String> {
        let mut out: Vec<String> = steps
            .iter()
            .map(Step::resource)
            .filter(|(f, _)| *f == fate)
            .map(|(_, r)| r)
            .collect();
        out.dedup();
        out
    };
    DeleteReport {
        role_name: role.to_string(),
        deleted: pick(Fate::Deleted),
        detached: pick(Fate::Detached),
        kept: pick(Fate::Kept),
        dry_run,
    }
}

pub fn steps_text(role: &str, steps: &[Step], dry_run: bool) -> String {
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
