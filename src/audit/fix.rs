//! The one `provision-role create …` command that fixes what the checks found. It names the
//! expected buckets and access, keeps the role's current trust (`--trust-dev`, `--principal`,
//! `--external-id` as the role has them) unless a trust check asked for the expected trust,
//! and adds `--adopt`, `--policy-name` and `--prune` when the role needs them.

use super::facts::RoleFacts;
use super::trust::external_ids;
use super::Expect;
use crate::plan::request::{default_policy_name, default_user_policy_name, normalize_scopes};
use crate::plan::{Access, BucketScope, Guardrails, Holder, Trust};
use crate::policy::{eval, Effect, PolicyDocument};
use crate::shell::{cors_flags, flag, guardrail_flags};

/// The AWS principals the trust policy's Allow statements for `sts:AssumeRole` name, and the
/// external ID they require if there is exactly one.
fn current_trust(trust: &PolicyDocument) -> (Vec<String>, Option<String>) {
    let allows = trust
        .statement
        .iter()
        .filter(|st| st.effect == Effect::Allow && eval::action_matches(st, "sts:AssumeRole"));
    let (mut principals, mut ids) = (Vec::new(), Vec::new());
    for st in allows {
        if let Some(p) = &st.principal {
            principals.extend(p.aws_values().into_iter().map(str::to_string));
        }
        ids.extend(external_ids(st));
    }
    principals.retain(|p| p != "*");
    ids.sort();
    ids.dedup();
    let id = (ids.len() == 1).then(|| ids.remove(0));
    (principals, id)
}

/// The base name of the managed policies provision-role made for the role (or user), when
/// it is not the default one.
fn policy_name(holder: &Holder, role: &RoleFacts) -> Option<String> {
    let base = role
        .policies
        .iter()
        .filter(|p| p.is_ours())
        .map(|p| p.name.as_str())
        .min_by_key(|n| n.len())?;
    let default = match holder {
        Holder::Role(name) => default_policy_name(name),
        Holder::User(name) => default_user_policy_name(name),
    };
    (base != default).then(|| base.to_string())
}

pub(super) fn command(
    expect: &Expect,
    role: Option<&RoleFacts>,
    scopes: &[BucketScope],
    rewrite_trust: bool,
    prune: bool,
) -> String {
    let mut cmd = match &expect.holder {
        Holder::Role(name) => format!("provision-role create --role-name {name}"),
        Holder::User(name) => {
            format!("provision-role create --identity user --user-name {name}")
        }
    };
    if let Some(name) = role.and_then(|r| policy_name(&expect.holder, r)) {
        cmd.push_str(&format!(" --policy-name {name}"));
    }
    let (scopes, _) = normalize_scopes(scopes.to_vec());
    for s in &scopes {
        cmd.push_str(&format!(" --bucket {s}"));
    }
    if scopes.is_empty() {
        cmd.push_str(" --bucket BUCKET");
    }
    if expect.access == Access::ReadOnly {
        cmd.push_str(" --access read-only");
    }
    if expect.holder.is_user() {
        return finish(cmd, expect, role, prune);
    }
    let current = match role.and_then(|r| r.trust.as_ref()) {
        Some(Ok(doc)) if !rewrite_trust => Some(current_trust(doc)),
        _ => None,
    };
    let (principals, id) = match current {
        Some((principals, id)) if !principals.is_empty() => {
            (principals, expect.external_id.clone().or(id))
        }
        _ => (expect.principals.clone(), expect.external_id.clone()),
    };
    match Trust::from_principals(principals) {
        Trust::Production => {}
        Trust::WithDev => cmd.push_str(" --trust-dev"),
        Trust::Custom(list) => {
            for p in list {
                cmd.push_str(&format!(" --principal {p}"));
            }
        }
    }
    if let Some(id) = id {
        cmd.push_str(&format!(" --external-id {id}"));
    }
    finish(cmd, expect, role, prune)
}

/// `--adopt` when the role or user is not ours, `--prune` when asked, then the CORS and
/// guardrail flags.
fn finish(mut cmd: String, expect: &Expect, role: Option<&RoleFacts>, prune: bool) -> String {
    if role.is_some_and(|r| !r.owned) {
        cmd.push_str(" --adopt");
    }
    if prune {
        cmd.push_str(" --prune");
    }
    // The keys of `--kms KEY` beside the buckets' own (`auto`), as create takes them.
    let kms = match expect.kms.is_empty() {
        true => Vec::new(),
        false => std::iter::once("--kms auto".to_string())
            .chain(expect.kms.iter().map(|k| flag("--kms", k.as_str())))
            .collect(),
    };
    let flags = kms
        .into_iter()
        .chain(cors_flags(expect.cors.as_deref()))
        .chain(guardrail_flags(&movable(&expect.guardrails, role)));
    for flag in flags {
        cmd.push(' ');
        cmd.push_str(&flag);
    }
    cmd
}

/// The guardrails `create` can apply to the role: not a path other than the role's (IAM
/// cannot move a role; the path check says what to do instead).
fn movable(g: &Guardrails, role: Option<&RoleFacts>) -> Guardrails {
    let mut g = g.clone();
    if role.is_some_and(|r| g.path.as_ref().is_some_and(|p| *p != r.settings.path)) {
        g.path = None;
    }
    g
}
