//! What the wizard reads from AWS, behind a trait so the questions can be tested without AWS.
//! Reads only: the wizard never writes.

use anyhow::Result;
use indicatif::ProgressBar;

use super::grants::Grants;
use crate::plan::{self, ExistingPolicy, ExistingRole, Facts, Request};

/// The caller, as STS sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Who {
    pub(crate) account: String,
    pub(crate) arn: String,
}

/// The answer to "which buckets are there?".
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Listing {
    /// Sorted bucket names.
    Names(Vec<String>),
    /// The caller may not list buckets (no s3:ListAllMyBuckets); names must be typed.
    Denied,
    /// Listing failed for another reason, given as text; names must be typed.
    Failed(String),
}

/// A role that already exists under the name the wizard would use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CurrentRole {
    pub(crate) arn: String,
    /// Made by provision-role (tagged), so a run may change it.
    pub(crate) owned: bool,
    /// What the role's trust and provision-role's own policies on it grant.
    pub(crate) grants: Grants,
    /// The name provision-role keeps those grants under (`NAME`, with `NAME-2`… for large
    /// sets), when the role has such policies.
    pub(crate) policy_name: Option<String>,
    /// Policies on the role that provision-role did not make (and leaves alone).
    pub(crate) others: usize,
}

impl CurrentRole {
    /// The role as discovery read it, and those of its attached policies discovery could
    /// read; only provision-role's own policies count as its grants.
    pub(crate) fn new(role: &ExistingRole, attached: &[ExistingPolicy]) -> CurrentRole {
        let ours: Vec<&ExistingPolicy> = attached
            .iter()
            .filter(|p| p.owned && role.attached.contains(&p.arn))
            .collect();
        let names: Vec<&str> = ours.iter().map(|p| name_of(&p.arn)).collect();
        let policy_name = names
            .iter()
            .copied()
            .find(|base| names.iter().all(|n| plan::is_family_name(base, n)))
            .map(str::to_string);
        let documents: Vec<_> = ours.iter().map(|p| p.document.clone()).collect();
        CurrentRole {
            arn: role.arn.clone(),
            owned: role.owned,
            grants: Grants::read(Some(&role.trust), &documents),
            policy_name,
            others: role.attached.len() + role.inline.len() - ours.len(),
        }
    }
}

fn name_of(arn: &str) -> &str {
    arn.rsplit('/').next().unwrap_or_default()
}

/// The reads the wizard needs. `commands::account` implements it over the AWS connection;
/// tests use a fake.
// Used only with concrete types inside this crate, so the futures' auto traits do not matter.
#[allow(async_fn_in_trait)]
pub(crate) trait Discovery {
    /// The region the clients use.
    fn region(&self) -> String;
    /// A spinner while something slow runs (none in tests).
    fn busy(&self, _message: &str) -> ProgressBar {
        ProgressBar::hidden()
    }
    async fn identity(&self) -> Result<Who>;
    async fn bucket_names(&self) -> Listing;
    /// The role of this name, or None if there is none.
    async fn role(&self, name: &str) -> Result<Option<CurrentRole>>;
    /// A typed bucket's region, or (inner `Err`) why the role could not use it. Asked while a
    /// prompt waits, so it blocks; the outer `Err` is a cancellation.
    fn check_bucket(&self, name: &str) -> Result<Result<String, String>>;
    /// Everything the planner needs for `req` (encryption, keys, existing IAM).
    async fn facts(&self, req: &Request) -> Result<Facts>;
    /// Read [`Discovery::facts`] for `req` while `meanwhile` asks questions, then wait for it.
    /// The outer `Err` is `meanwhile`'s (then the read is abandoned); the inner is the read's.
    fn facts_meanwhile<T>(
        &self,
        req: &Request,
        meanwhile: impl FnOnce() -> Result<T>,
    ) -> Result<(T, Result<Facts>)>;
}
