//! Trust checks: each expected principal may assume the role (with the external ID when one is
//! expected), the external ID is required (a warning when none is), and nobody else may
//! assume it.

use super::{named, Check, Expect, Subject, SEE_COMMAND};
use crate::policy::eval::{self, account_principal, Context, Decision, Evaluation, Request};
use crate::policy::{Effect, PolicyDocument, Principal, Statement};

const ASSUME: &str = "sts:AssumeRole";
/// Actions that let a principal become the role.
const ASSUME_ACTIONS: [&str; 3] = [
    "sts:AssumeRole",
    "sts:AssumeRoleWithWebIdentity",
    "sts:AssumeRoleWithSAML",
];
const TRUST: &str = "the trust policy";

pub(super) fn checks(s: &Subject) -> Vec<Check> {
    let trust = match &s.role.trust {
        None => return Vec::new(),
        Some(Ok(doc)) => doc,
        Some(Err(why)) => {
            return vec![Check::fail(
                "trust policy",
                format!("could not read it: {why}"),
                "let the caller call iam:GetRole on the role",
            )]
        }
    };
    let mut out: Vec<Check> = s
        .expect
        .principals
        .iter()
        .map(|p| may_assume(trust, p, s.expect))
        .collect();
    out.push(external_id(trust, s.expect));
    out.push(nobody_else(trust, &s.expect.principals, s.role.partition()));
    out
}

/// Evaluate `sts:AssumeRole` by `who`, with an external ID or none.
fn assume(trust: &PolicyDocument, who: &str, id: Option<&str>) -> Evaluation {
    let ctx = match id {
        Some(id) => Context::closed().with("sts:ExternalId", &[id]),
        None => Context::closed(),
    };
    let req = Request {
        action: ASSUME,
        resource: None,
        principal: Some(who),
        context: &ctx,
    };
    eval::evaluate(&[named(TRUST, trust)], &req)
}

fn allowed(e: &Evaluation) -> bool {
    matches!(e.decision, Decision::Allowed(_))
}

/// The external IDs the Allow statements naming `who` require (`StringEquals sts:ExternalId`).
fn required_ids(trust: &PolicyDocument, who: &str) -> Vec<String> {
    let mut ids: Vec<String> = trust
        .statement
        .iter()
        .filter(|st| st.effect == Effect::Allow && eval::action_matches(st, ASSUME))
        .filter(|st| eval::principal_applies(st, who))
        .flat_map(external_ids)
        .collect();
    ids.sort();
    ids.dedup();
    ids
}

/// `StringEquals sts:ExternalId` values of a statement.
pub(super) fn external_ids(st: &Statement) -> Vec<String> {
    st.condition
        .iter()
        .filter(|(op, _)| *op == "StringEquals")
        .flat_map(|(_, keys)| keys.iter())
        .filter(|(key, _)| key.eq_ignore_ascii_case("sts:ExternalId"))
        .flat_map(|(_, values)| values.0.clone())
        .collect()
}

fn may_assume(trust: &PolicyDocument, who: &str, expect: &Expect) -> Check {
    let name = format!("trust: {who} may assume the role");
    let required = required_ids(trust, who);
    let tries: Vec<Option<&str>> = match &expect.external_id {
        Some(id) => vec![Some(id.as_str())],
        None => std::iter::once(None)
            .chain(required.iter().map(|id| Some(id.as_str())))
            .collect(),
    };
    let mut first = None;
    for id in tries {
        let e = assume(trust, who, id);
        if let Decision::Allowed(by) = &e.decision {
            let with = id.map_or(String::new(), |id| format!(" with external ID {id}"));
            return Check::pass(name, format!("allowed{with} by {by}"));
        }
        first.get_or_insert(e);
    }
    let e = first.expect("at least one try");
    let mut why = match (&e.decision, &expect.external_id) {
        (Decision::Denied(by), _) => format!("denied by {by}"),
        (_, Some(id)) if !required.is_empty() && !required.contains(id) => format!(
            "the trust policy requires the external ID {}, not {id}",
            required.join(", ")
        ),
        _ => "no Allow statement lets it call sts:AssumeRole".to_string(),
    };
    for note in &e.notes {
        why.push_str(&format!("; {note}"));
    }
    Check::fail(name, why, format!("update the trust policy: {SEE_COMMAND}")).with_command()
}

/// A value no trust policy requires, to test that the external ID is checked at all.
const OTHER_ID: &str = "provision-role-verify-not-the-external-id";

fn external_id(trust: &PolicyDocument, expect: &Expect) -> Check {
    let name = "trust: external ID";
    let principals = &expect.principals;
    let Some(id) = &expect.external_id else {
        let open: Vec<&str> = principals
            .iter()
            .filter(|p| allowed(&assume(trust, p, None)))
            .map(String::as_str)
            .collect();
        if open.is_empty() {
            let ids: Vec<String> = principals
                .iter()
                .flat_map(|p| required_ids(trust, p))
                .collect();
            return match ids.is_empty() {
                true => Check::pass(name, "none of the expected principals may assume the role"),
                false => Check::pass(name, format!("required: {}", ids.join(", "))),
            };
        }
        return Check::warn(
            name,
            format!(
                "none is required: {} may assume the role without one, so anyone who learns \
                 the role ARN could have that service use it on their behalf (the \
                 confused-deputy problem)",
                open.join(", ")
            ),
            "require one: re-run create with --external-id ID (the ID the Activeloop UI \
             shows), then verify with --external-id ID",
        );
    };
    let mut problems = Vec::new();
    for p in principals {
        if !allowed(&assume(trust, p, Some(id))) {
            problems.push(format!("{p} may not assume the role with it"));
        } else if allowed(&assume(trust, p, None)) {
            problems.push(format!("{p} may assume the role without it"));
        } else if allowed(&assume(trust, p, Some(OTHER_ID))) {
            problems.push(format!("{p} may assume the role with another external ID"));
        }
    }
    if problems.is_empty() {
        return Check::pass(name, format!("{id} is required"));
    }
    Check::fail(
        name,
        problems.join("; "),
        format!("require it: {SEE_COMMAND}"),
    )
    .with_command()
}

/// Whether `value` (an `AWS` principal entry) is one of the expected principals: the same
/// ARN, or the same account as an expected account principal.
fn is_expected(value: &str, expected: &[String]) -> bool {
    expected.iter().any(|e| {
        e == value || account_principal(e).is_some_and(|a| account_principal(value) == Some(a))
    })
}

/// The principals a Principal element trusts, each as a principal to test denies with and a
/// description; partial wildcards match nothing and are left out.
fn trusted(p: &Principal, partition: &str) -> Vec<(String, String)> {
    let everyone = || {
        (
            format!("arn:{partition}:iam::000000000000:root"),
            "trusts everyone (\"*\")".to_string(),
        )
    };
    let Principal::Map(m) = p else {
        return vec![everyone()];
    };
    let mut out = Vec::new();
    for v in &m.aws {
        if v == "*" {
            out.push(everyone());
        } else if crate::policy::pattern::has_wildcard(v) {
            continue;
        } else if let Some(account) = account_principal(v) {
            out.push((
                v.clone(),
                format!("trusts account {account} (every principal in it)"),
            ));
        } else {
            out.push((v.clone(), format!("trusts {v}")));
        }
    }
    let kinds = [
        (&m.service, "the service"),
        (&m.federated, "the identity provider"),
        (&m.canonical_user, "the canonical user"),
    ];
    for (list, kind) in kinds {
        out.extend(
            list.iter()
                .map(|v| (v.clone(), format!("trusts {kind} {v}"))),
        );
    }
    out
}

/// Whether an unconditional Deny stops `who` from assuming the role whatever else is allowed.
fn always_denied(trust: &PolicyDocument, who: &str) -> bool {
    trust.statement.iter().any(|st| {
        st.effect == Effect::Deny
            && st.condition.is_empty()
            && eval::action_matches(st, ASSUME)
            && eval::principal_applies(st, who)
    })
}

fn nobody_else(trust: &PolicyDocument, expected: &[String], partition: &str) -> Check {
    let name = "trust: nobody else may assume the role";
    let mut extras = Vec::new();
    for (i, st) in trust.statement.iter().enumerate() {
        let assumes = ASSUME_ACTIONS.iter().any(|a| eval::action_matches(st, a));
        if st.effect != Effect::Allow || !assumes {
            continue;
        }
        let label = st.label(i, TRUST);
        if st.not_principal.is_some() {
            extras.push(format!(
                "{label}: NotPrincipal in an Allow trusts everyone it does not list"
            ));
            continue;
        }
        let Some(p) = &st.principal else { continue };
        for (who, what) in trusted(p, partition) {
            if !is_expected(&who, expected) && !always_denied(trust, &who) {
                extras.push(format!("{label}: {what}"));
            }
        }
    }
    if extras.is_empty() {
        return Check::pass(name, "only the expected principals are trusted");
    }
    Check::fail(
        name,
        extras.join("; "),
        format!(
            "{SEE_COMMAND} rewrites the trust policy to trust only the expected principals (if \
             they should be trusted, name every principal with verify --principal)"
        ),
    )
    .with_command()
}
