//! `delete`'s report: the steps for people, one JSON document for programs.

use console::style;
use schemars::JsonSchema;
use serde::Serialize;

use crate::aws::delete::{Fate, Step};
use crate::plan::Holder;

/// The JSON result of `delete`: for a role, or with `--identity user` for a user.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(untagged)]
pub(crate) enum DeleteOutput {
    Role(DeleteReport),
    User(UserDeleteReport),
}

/// The JSON result of `delete --identity user`.
#[derive(Debug, Serialize, JsonSchema)]
pub(crate) struct UserDeleteReport {
    pub(crate) user_name: String,
    /// What was (or, with `--dry-run`, would be) deleted: access keys as `access-key/ID`,
    /// inline policies as `inline-policy/NAME`, policy and user ARNs.
    pub(crate) deleted: Vec<String>,
    /// Every policy taken off the user; those not also in `deleted` were kept.
    pub(crate) detached: Vec<String>,
    /// What `--adopt` took over and delete handed back.
    pub(crate) kept: Vec<String>,
    pub(crate) dry_run: bool,
}

/// The JSON result of `delete`.
#[derive(Debug, Serialize, JsonSchema)]
pub(crate) struct DeleteReport {
    pub(crate) role_name: String,
    /// What was (or, with `--dry-run`, would be) deleted: inline policies as
    /// `inline-policy/NAME`, policy and role ARNs, and Deep Lake's CORS rule as `cors/BUCKET`.
    pub(crate) deleted: Vec<String>,
    /// Every policy taken off the role; those not also in `deleted` were kept.
    pub(crate) detached: Vec<String>,
    /// What `--adopt` took over and delete handed back (our tags removed, an adopted policy's
    /// earlier default version restored).
    pub(crate) kept: Vec<String>,
    pub(crate) dry_run: bool,
}

pub(crate) fn report(holder: &Holder, steps: &[Step], dry_run: bool) -> DeleteOutput {
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
    let (deleted, detached, kept) = (pick(Fate::Deleted), pick(Fate::Detached), pick(Fate::Kept));
    match holder {
        Holder::Role(name) => DeleteOutput::Role(DeleteReport {
            role_name: name.clone(),
            deleted,
            detached,
            kept,
            dry_run,
        }),
        Holder::User(name) => DeleteOutput::User(UserDeleteReport {
            user_name: name.clone(),
            deleted,
            detached,
            kept,
            dry_run,
        }),
    }
}

pub(crate) fn steps_text(holder: &Holder, steps: &[Step], dry_run: bool) -> String {
    let heading = if dry_run {
        format!("Deleting {holder} would (dry run, nothing is changed):")
    } else {
        format!("Deleting {holder} will:")
    };
    let mut out = format!("{}\n", style(heading).bold());
    for step in steps {
        out.push_str(&format!("  {} {}\n", style("-").red(), step.todo()));
    }
    out
}
