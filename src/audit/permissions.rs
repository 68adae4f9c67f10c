//! Permission checks: every policy could be read; none grants more than the statements
//! `create` would write for the expected buckets (the old broad KMS grant on the expected keys
//! is only a warning); each scope's S3 access and each bucket's key are allowed and not denied;
//! no bucket policy denies the role what it needs (judged by [`crate::policy::access`]).

use std::collections::BTreeSet;

use super::facts::{PolicyFacts, PolicyKind, Read, RoleFacts};
use super::{grouped, Check, Facts, Level, Subject, SEE_COMMAND};
use crate::plan::BucketRead;
use crate::plan::{self, BucketScope, Encryption, KeyFacts, KeyManager};
use crate::policy::access::{self, request_context};
use crate::policy::cover::{self, Coverage, Extra, Set};
use crate::policy::eval::{Context, Truth};
use crate::policy::pattern::covers_ignore_case;
use crate::policy::{Conditions, PolicyDocument, Statement};

/// The KMS grant of `create` before it was scoped to S3 (and of the manual procedure): on the
/// expected keys only broader than needed, so a warning.
const BROAD_KMS: [&str; 5] = [
    "kms:Decrypt",
    "kms:DescribeKey",
    "kms:Encrypt",
    "kms:GenerateDataKey*",
    "kms:ReEncrypt*",
];

/// The checks, and whether the fix must prune (a policy `create` did not write grants more).
pub(super) fn checks(s: &Subject, facts: &Facts) -> (Vec<Check>, bool) {
    let mut out = vec![read_check(s.role, &s.expect.holder)];
    let mut prune = false;
    for (policy, doc) in s.role.readable() {
        let check = extra_access(s, policy, doc);
        prune |= check.level != Level::Ok && !policy.is_ours();
        out.push(check);
    }
    if s.scopes.is_empty() {
        out.push(
            Check::fail(
                "S3 access",
                format!(
                    "the {}'s policies grant no S3 bucket",
                    s.expect.holder.kind()
                ),
                format!("name the buckets with --bucket, and grant them: {SEE_COMMAND}"),
            )
            .with_command(),
        );
        return (out, prune);
    }
    out.extend(s.scopes.iter().map(|scope| s3_check(s, scope)));
    out.extend(
        facts
            .kms
            .iter()
            .map(|(given, key)| given_key_check(s, given, key)),
    );
    let buckets: BTreeSet<&str> = s.scopes.iter().map(|sc| sc.bucket.as_str()).collect();
    for bucket in buckets {
        out.extend(bucket_checks(s, bucket, facts));
    }
    (out, prune)
}

/// Which permission policies were read; one that could not be read may hold grants verify
/// cannot see.
fn read_check(role: &RoleFacts, holder: &crate::plan::Holder) -> Check {
    let count = |inline: bool| {
        role.readable()
            .filter(|(p, _)| (p.kind == PolicyKind::Inline) == inline)
            .count()
    };
    let detail = format!("read {} managed and {} inline", count(false), count(true));
    let unreadable: Vec<String> = role
        .policies
        .iter()
        .filter_map(|p| {
            p.document
                .as_ref()
                .err()
                .map(|e| format!("{}: {e}", p.label()))
        })
        .collect();
    if unreadable.is_empty() {
        return Check::pass("permission policies", detail);
    }
    Check::fail(
        "permission policies",
        format!("{detail}; could not read {}", unreadable.join("; ")),
        format!(
            "let the caller call iam:GetPolicy and iam:GetPolicyVersion on every attached \
             policy and iam:Get{}Policy on {}",
            if holder.is_user() { "User" } else { "Role" },
            holder.the()
        ),
    )
}

/// The old broad KMS grant on one of the expected keys.
fn broad_kms(extra: &Extra, keys: &BTreeSet<String>) -> bool {
    match (&extra.action, &extra.resource) {
        (Set::Only(a), Set::Only(r)) => {
            keys.contains(r) && BROAD_KMS.iter().any(|p| covers_ignore_case(p, a))
        }
        _ => false,
    }
}

fn extra_access(s: &Subject, policy: &PolicyFacts, doc: &PolicyDocument) -> Check {
    let label = policy.label();
    let name = format!("no extra access: {label}");
    let (mut fails, mut warns) = (Vec::new(), Vec::new());
    for extra in doc
        .statement
        .iter()
        .flat_map(|st| cover::extras(st, &s.expected))
    {
        let target = match &extra.unconditioned {
            Some(what) => format!("{} ({what})", extra.resource),
            None => extra.resource.to_string(),
        };
        let item = (format!("{label}: "), target, extra.action.to_string());
        match broad_kms(&extra, &s.keys) {
            true => warns.push(item),
            false => fails.push(item),
        }
    }
    let foreign = match policy.kind {
        PolicyKind::Managed { owned: false, .. } => " (not created by provision-role)",
        _ => "",
    };
    if fails.is_empty() && warns.is_empty() {
        let detail = format!("grants nothing beyond the expected access{foreign}");
        return Check::pass(name, detail);
    }
    let mut detail = Vec::new();
    if !fails.is_empty() {
        detail.push(format!(
            "grants more{foreign}: {}",
            grouped(fails.clone()).join("; ")
        ));
    }
    if !warns.is_empty() {
        let needed = plan::kms_actions(s.expect.access).join(" and ");
        detail.push(format!(
            "KMS grant broader than needed: {}; S3 uses only {needed}, and only through S3 \
             (kms:ViaService)",
            grouped(warns).join("; ")
        ));
    }
    let level = if fails.is_empty() {
        Level::Warn
    } else {
        Level::Fail
    };
    let mut fix = extra_fix(s, policy);
    let only_keys = fails.iter().all(|(_, target, action)| {
        target.starts_with("arn:") && target.contains(":kms:") && action.starts_with("kms:")
    });
    if !fails.is_empty() && only_keys && s.expect.kms.is_empty() {
        fix.push_str(
            "; or, if the key was granted on purpose with create --kms KEY, verify with --kms KEY",
        );
    }
    Check::at(level, name, detail.join("; "), fix).with_command()
}

fn extra_fix(s: &Subject, policy: &PolicyFacts) -> String {
    let holder = &s.expect.holder;
    let (kind, name) = (holder.kind(), holder.name());
    match &policy.kind {
        PolicyKind::Managed { owned: true, .. } => format!("rewrite it: {SEE_COMMAND}"),
        PolicyKind::Managed { arn, .. } => format!(
            "detach it (aws iam detach-{kind}-policy --{kind}-name {name} --policy-arn {arn}), \
             or run {SEE_COMMAND}, which detaches it (--prune)"
        ),
        PolicyKind::Inline => format!(
            "delete it (aws iam delete-{kind}-policy --{kind}-name {name} --policy-name {}), \
             or run {SEE_COMMAND}, which deletes it (--prune)",
            policy.name
        ),
    }
}

/// `(s3:prefix data/ or data/*)`, for a grant with conditions.
fn describe(when: &Conditions) -> String {
    let parts: Vec<String> = when
        .values()
        .flat_map(|keys| keys.iter())
        .map(|(key, values)| format!("{key} {}", values.0.join(" or ")))
        .collect();
    match parts.is_empty() {
        true => String::new(),
        false => format!(" ({})", parts.join(", ")),
    }
}

/// The grants of `needs` the role's policies do not give, each with its level: fail when not
/// allowed or denied, warn when a Deny with conditions verify cannot evaluate may apply.
fn unmet(role: &RoleFacts, needs: &[Statement]) -> Vec<(Level, String)> {
    let mut out = Vec::new();
    for need in needs {
        let ctx = request_context(&role.arn, &need.condition);
        for action in &need.action {
            for resource in &need.resource {
                let what = format!("{action} on {resource}{}", describe(&need.condition));
                if let Some(problem) = problem(role, action, resource, &need.condition, &ctx) {
                    out.push((problem.0, format!("{what} {}", problem.1)));
                }
            }
        }
    }
    out
}

fn problem(
    role: &RoleFacts,
    action: &str,
    resource: &str,
    when: &Conditions,
    ctx: &Context,
) -> Option<(Level, String)> {
    let (mut maybe, mut unevaluable) = (None, None);
    for (policy, doc) in role.readable() {
        for (i, st) in doc.statement.iter().enumerate() {
            let label = || st.label(i, &policy.label());
            match cover::deny_touches(st, action, resource, None, ctx) {
                Truth::True => return Some((Level::Fail, format!("is denied by {}", label()))),
                Truth::Unknown(why) => {
                    maybe.get_or_insert_with(|| format!("may be denied by {} ({why})", label()));
                }
                Truth::False => {}
            }
        }
    }
    let mut allowed = false;
    for (policy, doc) in role.readable() {
        for (i, st) in doc.statement.iter().enumerate() {
            match cover::allow_covers(st, action, resource, when) {
                Coverage::Covered => allowed = true,
                Coverage::Unevaluable(why) => {
                    unevaluable.get_or_insert_with(|| {
                        format!("; {} does not count: {why}", st.label(i, &policy.label()))
                    });
                }
                Coverage::NotCovered => {}
            }
        }
    }
    if !allowed {
        let note = unevaluable.unwrap_or_default();
        return Some((Level::Fail, format!("is not allowed{note}")));
    }
    maybe.map(|m| (Level::Warn, m))
}

/// The worst level of `problems`, with the detail.
fn summary(problems: &[(Level, String)]) -> (Level, String) {
    let level = problems.iter().map(|p| p.0).max().unwrap_or(Level::Ok);
    let lines: Vec<&str> = problems.iter().map(|p| p.1.as_str()).collect();
    (level, lines.join("; "))
}

fn s3_check(s: &Subject, scope: &BucketScope) -> Check {
    let access = s.expect.access;
    let name = format!("S3 {} access to {scope}", access.as_str());
    let needs = plan::permission_document(
        access,
        s.role.partition(),
        std::slice::from_ref(scope),
        &BTreeSet::new(),
    )
    .statement;
    let (level, detail) = summary(&unmet(s.role, &needs));
    if level == Level::Ok {
        return Check::pass(name, "every required action is allowed");
    }
    let fix = format!(
        "grant it: {SEE_COMMAND} (or add the actions to one of the {}'s policies)",
        s.expect.holder.kind()
    );
    Check::at(level, name, detail, fix).with_command()
}

/// The KMS and bucket-policy checks of one bucket, or one check saying it could not be read.
fn bucket_checks(s: &Subject, bucket: &str, all: &Facts) -> Vec<Check> {
    let facts = all.buckets.get(bucket);
    let region = facts.map(|f| f.region.clone());
    match (facts, region) {
        (Some(f), Some(Ok(_))) => [
            Some(kms_check(s, bucket, f)),
            Some(bucket_policy_check(s, bucket, all)),
            super::cors::check(s.expect, bucket, f),
        ]
        .into_iter()
        .flatten()
        .collect(),
        (_, Some(Err(why))) => vec![Check::fail(
            format!("bucket {bucket}"),
            why,
            "check the bucket name, and that the caller may call s3:GetBucketLocation",
        )],
        _ => vec![Check::fail(
            format!("bucket {bucket}"),
            "was not read",
            "run verify again",
        )],
    }
}

fn no_grant(encryption: &Encryption) -> &'static str {
    match encryption {
        Encryption::None => "no default encryption",
        Encryption::SseS3 => "SSE-S3",
        Encryption::Kms { .. } => "SSE-KMS with the AWS-managed key aws/s3",
    }
}

/// A key of `--kms KEY`: the role may use it through S3, as `create --kms KEY` grants it.
fn given_key_check(s: &Subject, given: &str, key: &Read<KeyFacts>) -> Check {
    let name = format!("KMS: key {given} (--kms)");
    let key = match key {
        Ok(key) => key,
        Err(why) => {
            return Check::fail(
                name,
                why.clone(),
                "check the key, and that the caller may call kms:DescribeKey on it",
            )
        }
    };
    key_grant(s, name, key, "")
}

/// Whether the role may use `key` through S3 (an AWS-managed key needs no grant); the fix
/// ends with `fix_note`.
fn key_grant(s: &Subject, name: String, key: &KeyFacts, fix_note: &str) -> Check {
    if key.manager == Some(KeyManager::Aws) {
        return Check::pass(
            name,
            format!("AWS-managed key {}: no grant needed", key.arn),
        );
    }
    let needs = plan::kms_statements(s.expect.access, &BTreeSet::from([key.arn.clone()]));
    let (level, detail) = summary(&unmet(s.role, &needs));
    if level == Level::Ok {
        return Check::pass(name, format!("customer-managed key {} is granted", key.arn));
    }
    let fix = format!("grant the key: {SEE_COMMAND}{fix_note}");
    Check::at(level, name, detail, fix).with_command()
}

fn kms_check(s: &Subject, bucket: &str, facts: &BucketRead) -> Check {
    let name = format!("KMS: default key of bucket {bucket}");
    let encryption = match &facts.encryption {
        Some(Ok(e)) => e,
        Some(Err(why)) => {
            return Check::fail(
                name,
                why.clone(),
                "let the caller call s3:GetEncryptionConfiguration",
            )
        }
        None => return Check::fail(name, "not read", "run verify again"),
    };
    let key = match (&facts.key, encryption) {
        (Some(Ok(key)), Encryption::Kms { .. }) => key,
        (Some(Err(why)), _) => {
            return Check::fail(
                name,
                why.clone(),
                "let the caller call kms:DescribeKey on the key",
            )
        }
        _ => {
            return Check::pass(
                name,
                format!("{}: no KMS grant needed", no_grant(encryption)),
            )
        }
    };
    key_grant(s, name, key, " (it finds and grants bucket keys)")
}

fn bucket_policy_check(s: &Subject, bucket: &str, facts: &Facts) -> Check {
    match facts.access.bucket_policies.get(bucket) {
        Some(read) => super::finding(access::bucket_policy(&s.grantee(), bucket, read)),
        None => Check::fail(
            format!("bucket policy of {bucket}"),
            "not read",
            "run verify again",
        ),
    }
}
