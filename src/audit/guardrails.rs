//! Guardrail checks: the role has the permissions boundary, path, tags and session length
//! `verify` was asked for. A guardrail not asked for is not checked.

use super::facts::{RoleFacts, RoleSettings};
use super::{Check, Expect, SEE_COMMAND};
use crate::plan::{Guardrails, Holder};

pub(super) fn checks(expect: &Expect, role: &RoleFacts) -> Vec<Check> {
    let (g, have) = (&expect.guardrails, &role.settings);
    [
        boundary(g, have),
        path(g, have, &expect.holder),
        tags(g, have),
        session(g, have),
    ]
    .into_iter()
    .flatten()
    .collect()
}

fn boundary(g: &Guardrails, have: &RoleSettings) -> Option<Check> {
    let want = g.permissions_boundary.as_ref()?;
    let name = "permissions boundary";
    let check = match &have.permissions_boundary {
        Some(arn) if arn == want => Check::pass(name, arn.clone()),
        Some(arn) => Check::fail(
            name,
            format!("the role's boundary is {arn}, not {want}"),
            format!("set it: {SEE_COMMAND}"),
        ),
        None => Check::fail(
            name,
            format!("the role has no permissions boundary; {want} is required"),
            format!("set it: {SEE_COMMAND}"),
        ),
    };
    Some(check.with_command())
}

/// IAM cannot move a role (or user), so the fix is to delete it and create it again.
fn path(g: &Guardrails, have: &RoleSettings, holder: &Holder) -> Option<Check> {
    let want = g.path.as_ref()?;
    let name = "path";
    if have.path == *want {
        return Some(Check::pass(name, want.clone()));
    }
    let (kind, named) = match holder {
        Holder::Role(role) => ("role", format!("--role-name {role}")),
        Holder::User(user) => ("user", format!("--identity user --user-name {user}")),
    };
    Some(Check::fail(
        name,
        format!("the {kind}'s path is {}, not {want}", have.path),
        format!(
            "IAM cannot move a {kind}: delete it (provision-role delete {named}) and create it \
             again with --path {want}"
        ),
    ))
}

fn tags(g: &Guardrails, have: &RoleSettings) -> Option<Check> {
    if g.tags.is_empty() {
        return None;
    }
    let name = "tags";
    let wrong: Vec<String> = g
        .tags
        .iter()
        .filter(|t| !have.tags.contains(t))
        .map(|(k, v)| match have.tags.iter().find(|(key, _)| key == k) {
            Some((_, now)) => format!("{k} is {now:?}, not {v:?}"),
            None => format!("{k} is missing"),
        })
        .collect();
    let listed = || {
        g.tags
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let check = match wrong.is_empty() {
        true => Check::pass(name, listed()),
        false => Check::fail(
            name,
            format!("tag {}", wrong.join("; tag ")),
            format!("tag the role: {SEE_COMMAND}"),
        ),
    };
    Some(check.with_command())
}

fn session(g: &Guardrails, have: &RoleSettings) -> Option<Check> {
    let want = g.max_session_duration?;
    let name = "session length";
    let now = have.max_session_duration.unwrap_or(3600);
    let check = match i64::from(now) == i64::from(want) {
        true => Check::pass(name, format!("{want} seconds at most")),
        false => Check::fail(
            name,
            format!("sessions may last {now} seconds, not {want}"),
            format!("set it: {SEE_COMMAND}"),
        ),
    };
    Some(check.with_command())
}
