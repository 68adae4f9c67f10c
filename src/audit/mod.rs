//! `verify`'s judgement, pure: what was read ([`Facts`]) and what is expected ([`Expect`]) in,
//! a checklist out. Each check has a level — ok, warn (does not fail unless `--strict`), fail —
//! a detail, and for a warning or failure a fix. Checks ask both questions: is there *enough*
//! access (the trusted principals may assume the role; every grant the plan for the expected
//! buckets would write is allowed and not denied), and is there *nothing more* (no other
//! principal may assume it; no policy grants beyond those statements).
//!
//! The comparisons use [`crate::policy`]: the statements `create` would write for the expected
//! buckets are the yardstick both ways.

mod cors;
pub(crate) mod facts;
mod fix;
mod guardrails;
pub(crate) mod keys;
mod permissions;
mod trust;

#[cfg(test)]
mod tests;

use std::collections::BTreeSet;

use schemars::JsonSchema;
use serde::Serialize;

pub(crate) use facts::{Facts, KeyUse, PolicyFacts, PolicyKind, Read, RoleFacts, RoleSettings};

use crate::plan::request::normalize_scopes;
use crate::plan::{Access, BucketScope, Guardrails, Holder, KeyManager, KeyRef};
use crate::policy::access::{self, Verdict};
use crate::policy::{Effect, PolicyDocument};

/// What the role (or user) must give, and to whom.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Expect {
    /// The role, or with `--identity user` the user, to check.
    pub(crate) holder: Holder,
    /// The exact scopes the role should reach. Empty: the scopes its policies grant objects in.
    pub(crate) scopes: Vec<BucketScope>,
    pub(crate) access: Access,
    /// The principals that must be trusted, and the only ones that may be.
    pub(crate) principals: Vec<String>,
    pub(crate) external_id: Option<String>,
    /// `--cors`: the origins Deep Lake's CORS rule must allow on each bucket; None: not checked.
    pub(crate) cors: Option<Vec<String>>,
    /// `--kms KEY`: keys the role may use besides its buckets' default keys.
    pub(crate) kms: Vec<KeyRef>,
    /// The guardrails the role must meet; those not given are not checked.
    pub(crate) guardrails: Guardrails,
}

/// How a check came out: `warn` does not fail the run unless `--strict`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
#[schemars(rename = "CheckLevel")]
pub(crate) enum Level {
    Ok,
    Warn,
    Fail,
}

/// One line of the checklist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Check {
    pub(crate) name: String,
    pub(crate) level: Level,
    pub(crate) detail: String,
    /// What to do; None when the check passed.
    pub(crate) fix: Option<String>,
    /// The fix refers to the report's create command.
    pub(crate) uses_command: bool,
}

impl Check {
    pub(crate) fn pass(name: impl Into<String>, detail: impl Into<String>) -> Check {
        Check {
            name: name.into(),
            level: Level::Ok,
            detail: detail.into(),
            fix: None,
            uses_command: false,
        }
    }

    pub(crate) fn fail(
        name: impl Into<String>,
        detail: impl Into<String>,
        fix: impl Into<String>,
    ) -> Check {
        Check {
            level: Level::Fail,
            fix: Some(fix.into()),
            ..Check::pass(name, detail)
        }
    }

    pub(crate) fn warn(
        name: impl Into<String>,
        detail: impl Into<String>,
        fix: impl Into<String>,
    ) -> Check {
        Check {
            level: Level::Warn,
            ..Check::fail(name, detail, fix)
        }
    }

    /// The same check, its fix being (also) the report's create command.
    fn with_command(mut self) -> Check {
        self.uses_command = self.level != Level::Ok;
        self
    }

    /// A check of this level, passing when `Ok`.
    fn at(level: Level, name: String, detail: String, fix: String) -> Check {
        match level {
            Level::Ok => Check::pass(name, detail),
            Level::Warn => Check::warn(name, detail, fix),
            Level::Fail => Check::fail(name, detail, fix),
        }
    }
}

/// The fix every command-based check refers to: one `provision-role create …` line.
pub(crate) const SEE_COMMAND: &str = "the create command below";

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Report {
    pub(crate) holder: Holder,
    /// The role's or user's ARN; None when it does not exist.
    pub(crate) arn: Option<String>,
    pub(crate) checks: Vec<Check>,
    /// The `provision-role create …` command that fixes the checks that refer to it.
    pub(crate) fix_command: Option<String>,
}

impl Report {
    pub(crate) fn at_level(&self, level: Level) -> Vec<&Check> {
        self.checks.iter().filter(|c| c.level == level).collect()
    }

    /// Whether the run passes: nothing failed and, with `strict`, nothing warned.
    pub(crate) fn passes(&self, strict: bool) -> bool {
        let worst = self.checks.iter().map(|c| c.level).max();
        match worst {
            Some(Level::Fail) => false,
            Some(Level::Warn) => !strict,
            _ => true,
        }
    }
}

/// The scopes to check: the expected ones, or else those the role's policies grant objects in
/// (provision-role's own policies when it has any, so a foreign grant does not become expected).
pub(crate) fn scopes(expect: &Expect, role: &Read<Option<RoleFacts>>) -> Vec<BucketScope> {
    if !expect.scopes.is_empty() {
        return expect.scopes.clone();
    }
    let Ok(Some(role)) = role else {
        return Vec::new();
    };
    let ours = role.readable().any(|(p, _)| p.is_ours());
    granted_scopes(
        role.readable()
            .filter(|(p, _)| p.is_ours() || !ours)
            .map(|(_, doc)| doc),
    )
}

/// The bucket scopes the documents' Allow statements grant objects in: literal `B/*` or
/// `B/P/*` resources, normalised like a request's buckets.
pub(crate) fn granted_scopes<'d>(
    docs: impl IntoIterator<Item = &'d crate::policy::PolicyDocument>,
) -> Vec<BucketScope> {
    let granted = docs
        .into_iter()
        .flat_map(|doc| &doc.statement)
        .filter(|st| st.effect == Effect::Allow)
        .flat_map(|st| &st.resource)
        .filter_map(|r| object_scope(r))
        .collect();
    normalize_scopes(granted).0
}

/// The scope an object resource `arn:…:s3:::B/*` or `arn:…:s3:::B/P/*` grants, if it is one
/// (without wildcards elsewhere).
fn object_scope(resource: &str) -> Option<BucketScope> {
    let (head, path) = resource.split_once(":s3:::")?;
    let path = path.strip_suffix("/*")?;
    if !head.starts_with("arn:") || path.contains(['*', '?', '$']) {
        return None;
    }
    let (bucket, prefix) = match path.split_once('/') {
        Some((bucket, prefix)) => (bucket, Some(prefix)),
        None => (path, None),
    };
    let plain = |s: &str| !s.is_empty() && !s.starts_with('/') && !s.contains("//");
    if !plain(bucket) || !prefix.is_none_or(plain) {
        return None;
    }
    Some(BucketScope {
        bucket: bucket.to_string(),
        prefix: prefix.map(|p| p.trim_end_matches('/').to_string()),
    })
}

/// The customer-managed keys the expected buckets use by default, by ARN. A key that could
/// not be described but is configured by ARN counts, as `create` grants it too.
fn expected_keys(facts: &Facts, scopes: &[BucketScope]) -> BTreeSet<String> {
    let names: BTreeSet<&str> = scopes.iter().map(|s| s.bucket.as_str()).collect();
    let given = facts.kms.iter().filter_map(|(_, k)| k.as_ref().ok());
    names
        .iter()
        .filter_map(|b| facts.buckets.get(*b)?.key.as_ref()?.as_ref().ok())
        .chain(given)
        .filter(|k| k.manager != Some(KeyManager::Aws) && k.arn.contains(":key/"))
        .map(|k| k.arn.clone())
        .collect()
}

/// Everything the audit looks at for one role.
struct Subject<'a> {
    expect: &'a Expect,
    role: &'a RoleFacts,
    scopes: Vec<BucketScope>,
    /// The statements `create` would write for the scopes and their keys.
    expected: Vec<crate::policy::Statement>,
    keys: BTreeSet<String>,
}

impl Subject<'_> {
    /// Who must get in, and for what, as the access layers judge it.
    fn grantee(&self) -> access::Grantee<'_> {
        access::Grantee {
            arn: &self.role.arn,
            the: self.expect.holder.the(),
            needs: &self.expected,
        }
    }
}

/// Judge what was read against what is expected.
pub(crate) fn audit(facts: &Facts, expect: &Expect) -> Report {
    let holder = &expect.holder;
    let mut report = Report {
        holder: holder.clone(),
        arn: None,
        checks: Vec::new(),
        fix_command: None,
    };
    let exists = format!("{} exists", holder.kind());
    let role = match &facts.role {
        Ok(Some(role)) => role,
        Ok(None) => {
            report.checks.push(
                Check::fail(
                    exists,
                    format!("{holder} does not exist"),
                    format!("create it: {SEE_COMMAND}"),
                )
                .with_command(),
            );
            report.fix_command = Some(fix::command(expect, None, &expect.scopes, true, false));
            return report;
        }
        Err(why) => {
            let kind = match holder {
                Holder::Role(_) => "Role",
                Holder::User(_) => "User",
            };
            report.checks.push(Check::fail(
                exists,
                format!("could not read {}: {why}", holder.the()),
                format!(
                    "let the caller call iam:Get{kind}, iam:ListAttached{kind}Policies and \
                     iam:List{kind}Policies on {}",
                    holder.the()
                ),
            ));
            return report;
        }
    };
    report.arn = Some(role.arn.clone());
    report.checks.push(Check::pass(exists, role.arn.clone()));
    let scopes = scopes(expect, &facts.role);
    let keys = expected_keys(facts, &scopes);
    let expected =
        crate::plan::permission_document(expect.access, role.partition(), &scopes, &keys).statement;
    let subject = Subject {
        expect,
        role,
        scopes,
        expected,
        keys,
    };
    // A user is not assumed: it has access keys where a role has trust.
    let trust = match holder {
        Holder::Role(_) => trust::checks(&subject),
        Holder::User(_) => Vec::new(),
    };
    let rewrite_trust = trust.iter().any(|c| c.uses_command);
    let (permissions, prune) = permissions::checks(&subject, facts);
    report.checks.extend(trust);
    report.checks.extend(permissions);
    report.checks.extend(access_checks(&subject, facts));
    report.checks.extend(guardrails::checks(expect, role));
    if let (Holder::User(name), Some(keys)) = (holder, &facts.keys) {
        report.checks.extend(keys::checks(name, keys, facts.now));
    }
    report.fix_command = report
        .checks
        .iter()
        .any(|c| c.uses_command)
        .then(|| fix::command(expect, Some(role), &subject.scopes, rewrite_trust, prune));
    report
}

use crate::policy::access::grouped;

/// A finding of the access layers as a check: it fails when Deep Lake would be denied.
fn finding(f: access::Finding) -> Check {
    let level = match f.verdict {
        Verdict::Ok => Level::Ok,
        Verdict::Warn => Level::Warn,
        Verdict::Fail => Level::Fail,
    };
    Check::at(level, f.name, f.detail, f.fix.unwrap_or_default())
}

/// The key policies of the expected keys, the boundary and Requester Pays, as far as read
/// (bucket policies are checked with each bucket).
fn access_checks(s: &Subject, facts: &Facts) -> Vec<Check> {
    let g = s.grantee();
    let layers = &facts.access;
    let mut out: Vec<Check> = access::key_policies(&g, layers)
        .into_iter()
        .map(finding)
        .collect();
    out.extend(
        layers
            .boundary
            .as_ref()
            .map(|b| finding(access::boundary(&g, b))),
    );
    let buckets: BTreeSet<&str> = s.scopes.iter().map(|sc| sc.bucket.as_str()).collect();
    for bucket in buckets {
        if let Some(read) = layers.requester_pays.get(bucket) {
            out.extend(access::requester_pays(bucket, read).map(finding));
        }
    }
    out
}

/// A document by name, for the evaluator.
fn named<'a>(name: &'a str, document: &'a PolicyDocument) -> crate::policy::eval::Named<'a> {
    crate::policy::eval::Named { name, document }
}
