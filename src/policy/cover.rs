//! Set reasoning over identity-policy statements: does a statement allow *all* of a grant
//! (enough access), may a Deny block *part* of it, and what does a statement allow *beyond* a set
//! of expected statements (nothing more)?
//!
//! A grant is one action pattern on one resource pattern under some conditions. An Allow covers
//! an expected grant when its action and resource patterns cover the grant's and the grant's
//! conditions imply the Allow's. An actual grant is within the expected ones when some expected
//! statement covers it that way the other way round. Conditions imply each other only in the
//! cases these documents use: `StringEquals`/`StringLike` on the same key, with value sets
//! included in each other (and the same plain operator with a subset of values); anything else
//! is not implied, which errs on the side of reporting.

use super::document::{Conditions, Effect, Statement};
use super::eval::{self, Context, Operator, Truth};
use super::pattern::{covers, covers_ignore_case, glob, has_wildcard, overlaps};

/// Whether one condition (`op_a` on values `a`) implies another (`op_b` on `b`), same key.
fn implies_one(op_a: &str, a: &[String], op_b: &str, b: &[String]) -> bool {
    let (Some(oa), Some(ob)) = (Operator::parse(op_a), Operator::parse(op_b)) else {
        return false;
    };
    let all = |f: &dyn Fn(&String) -> bool| !a.is_empty() && a.iter().all(f);
    match () {
        _ if oa.is_string_equals() && ob.is_string_equals() => all(&|v| b.contains(v)),
        _ if oa.is_string_equals() && ob.is_string_like() => all(&|v| b.iter().any(|p| glob(p, v))),
        _ if oa.is_string_like() && ob.is_string_like() => all(&|v| b.iter().any(|p| covers(p, v))),
        _ if oa.is_string_like() && ob.is_string_equals() => {
            all(&|v| !has_wildcard(v) && b.contains(v))
        }
        _ if op_a == op_b && oa.is_plain_positive() => all(&|v| b.contains(v)),
        _ => false,
    }
}

/// Whether every request satisfying `a` satisfies `b`.
pub fn implies(a: &Conditions, b: &Conditions) -> bool {
    b.iter().all(|(op_b, keys_b)| {
        keys_b.iter().all(|(key_b, vals_b)| {
            a.iter().any(|(op_a, keys_a)| {
                keys_a.iter().any(|(key_a, vals_a)| {
                    key_a.eq_ignore_ascii_case(key_b)
                        && implies_one(op_a, &vals_a.0, op_b, &vals_b.0)
                })
            })
        })
    })
}

/// How an Allow statement covers an expected grant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Coverage {
    Covered,
    NotCovered,
    /// It would cover it, but its conditions cannot be evaluated (said why): it does not count.
    Unevaluable(String),
}

/// Whether the Allow `st` allows `action` (a literal action) on every resource `resource`
/// stands for, in every request that satisfies `when`.
pub fn allow_covers(st: &Statement, action: &str, resource: &str, when: &Conditions) -> Coverage {
    if st.effect != Effect::Allow || !eval::action_matches(st, action) {
        return Coverage::NotCovered;
    }
    let resource_ok = match &st.not_resource {
        Some(except) => !except.iter().any(|p| overlaps(p, resource)),
        None => st.resource.iter().any(|p| covers(p, resource)),
    };
    if !resource_ok {
        return Coverage::NotCovered;
    }
    if st.condition.is_empty() || implies(when, &st.condition) {
        return Coverage::Covered;
    }
    match eval::unevaluable(&st.condition) {
        Some(why) => Coverage::Unevaluable(why),
        None => Coverage::NotCovered,
    }
}

/// Whether the Deny `st` may apply to some request for `action` on part of `resource`, given
/// what `ctx` (an open context) knows about such requests. `principal`: who asks, for
/// resource policies.
pub fn deny_touches(
    st: &Statement,
    action: &str,
    resource: &str,
    principal: Option<&str>,
    ctx: &Context,
) -> Truth {
    if st.effect != Effect::Deny || !eval::action_matches(st, action) {
        return Truth::False;
    }
    if principal.is_some_and(|who| !eval::principal_applies(st, who)) {
        return Truth::False;
    }
    let resource_hit = match &st.not_resource {
        Some(except) => !except.iter().any(|p| covers(p, resource)),
        None if st.resource.is_empty() => true,
        None => st.resource.iter().any(|p| overlaps(p, resource)),
    };
    if !resource_hit {
        return Truth::False;
    }
    eval::conditions(&st.condition, ctx)
}

/// A set of actions or resources an extra grant is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Set {
    /// One pattern.
    Only(String),
    /// Everything but these (`NotAction`, `NotResource`).
    AllExcept(Vec<String>),
}

impl std::fmt::Display for Set {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Set::Only(p) => f.write_str(p),
            Set::AllExcept(list) => write!(f, "everything except {}", list.join(", ")),
        }
    }
}

/// A grant an Allow makes beyond the expected statements.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extra {
    pub action: Set,
    pub resource: Set,
    /// Set when an expected statement has the action and resource but a condition the actual
    /// one lacks: what that means, e.g. `any prefix`.
    pub unconditioned: Option<String>,
}

impl std::fmt::Display for Extra {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} on {}", self.action, self.resource)?;
        if let Some(what) = &self.unconditioned {
            write!(f, " ({what})")?;
        }
        Ok(())
    }
}

/// What an expected statement's conditions restrict, in words, for a grant made without them.
fn unconditioned(expected: &Conditions) -> String {
    let keys: Vec<String> = expected
        .values()
        .flat_map(|k| k.keys())
        .map(|k| k.to_ascii_lowercase())
        .collect();
    match keys.first().map(String::as_str) {
        Some("s3:prefix") => "any prefix".to_string(),
        Some("kms:viaservice") => "not only through S3".to_string(),
        _ => format!("without the condition on {}", keys.join(", ")),
    }
}

/// The grants the Allow `st` makes beyond `expected`. A `NotAction` or `NotResource` Allow is
/// always beyond (no finite set of expected grants covers "everything except").
pub fn extras(st: &Statement, expected: &[Statement]) -> Vec<Extra> {
    if st.effect != Effect::Allow {
        return Vec::new();
    }
    let actions: Vec<Set> = match &st.not_action {
        Some(except) => vec![Set::AllExcept(except.clone())],
        None => st.action.iter().cloned().map(Set::Only).collect(),
    };
    let resources: Vec<Set> = match &st.not_resource {
        Some(except) => vec![Set::AllExcept(except.clone())],
        None if st.resource.is_empty() => vec![Set::Only("*".to_string())],
        None => st.resource.iter().cloned().map(Set::Only).collect(),
    };
    let mut out = Vec::new();
    for action in &actions {
        for resource in &resources {
            if let Some(extra) = beyond(action, resource, &st.condition, expected) {
                out.push(extra);
            }
        }
    }
    out
}

fn beyond(
    action: &Set,
    resource: &Set,
    when: &Conditions,
    expected: &[Statement],
) -> Option<Extra> {
    let extra = |unconditioned| {
        Some(Extra {
            action: action.clone(),
            resource: resource.clone(),
            unconditioned,
        })
    };
    let (Set::Only(a), Set::Only(r)) = (action, resource) else {
        return extra(None);
    };
    let mut near = None;
    for e in expected.iter().filter(|e| e.effect == Effect::Allow) {
        let action_in = e.action.iter().any(|p| covers_ignore_case(p, a));
        let resource_in = e.resource.iter().any(|p| covers(p, r));
        if !action_in || !resource_in {
            continue;
        }
        if implies(when, &e.condition) {
            return None;
        }
        near.get_or_insert_with(|| unconditioned(&e.condition));
    }
    extra(near)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::PolicyDocument;
    use serde_json::json;

    fn statements(v: serde_json::Value) -> Vec<Statement> {
        let doc: PolicyDocument =
            serde_json::from_value(json!({"Version": "2012-10-17", "Statement": v})).unwrap();
        doc.statement
    }

    fn conditions(v: serde_json::Value) -> Conditions {
        serde_json::from_value(v).unwrap()
    }

    fn expected() -> Vec<Statement> {
        statements(json!([
            {"Effect": "Allow", "Action": ["s3:GetBucketLocation"], "Resource": ["arn:aws:s3:::b", "arn:aws:s3:::raw"]},
            {"Effect": "Allow", "Action": ["s3:ListBucket"], "Resource": ["arn:aws:s3:::b"]},
            {"Effect": "Allow", "Action": ["s3:ListBucket"], "Resource": ["arn:aws:s3:::raw"],
             "Condition": {"StringLike": {"s3:prefix": ["data/", "data/*"]}}},
            {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"],
             "Resource": ["arn:aws:s3:::b/*", "arn:aws:s3:::raw/data/*"]},
            {"Effect": "Allow", "Action": ["kms:Decrypt"], "Resource": ["arn:aws:kms:us-east-1:1:key/k"],
             "Condition": {"StringEquals": {"kms:ViaService": ["s3.us-east-1.amazonaws.com"]}}}
        ]))
    }

    fn extra_lines(actual: serde_json::Value) -> Vec<String> {
        statements(actual)
            .iter()
            .flat_map(|st| extras(st, &expected()))
            .map(|e| e.to_string())
            .collect()
    }

    #[test]
    fn condition_implication() {
        let like = conditions(json!({"StringLike": {"s3:prefix": ["data/", "data/*"]}}));
        let narrower = conditions(json!({"StringLike": {"S3:Prefix": ["data/v1/*"]}}));
        let exact = conditions(json!({"StringEquals": {"s3:prefix": ["data/x"]}}));
        let other = conditions(json!({"StringLike": {"s3:prefix": ["other/*"]}}));
        assert!(implies(&narrower, &like));
        assert!(implies(&exact, &like));
        assert!(!implies(&like, &narrower));
        assert!(!implies(&other, &like));
        assert!(!implies(&Conditions::new(), &like));
        assert!(implies(&like, &Conditions::new()));
        let via =
            conditions(json!({"StringEquals": {"kms:ViaService": ["s3.us-east-1.amazonaws.com"]}}));
        let via_two = conditions(json!({"StringEquals": {"kms:ViaService":
            ["s3.us-east-1.amazonaws.com", "s3.eu-west-1.amazonaws.com"]}}));
        let via_like = conditions(json!({"StringLike": {"kms:ViaService": "s3.*.amazonaws.com"}}));
        assert!(implies(&via, &via_two));
        assert!(!implies(&via_two, &via));
        assert!(implies(&via, &via_like));
        assert!(!implies(&via_like, &via));
        let if_exists = conditions(
            json!({"StringEqualsIfExists": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}}),
        );
        assert!(!implies(&if_exists, &via));
        let more = conditions(
            json!({"StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"},
            "Bool": {"aws:SecureTransport": "true"}}),
        );
        assert!(implies(&more, &via));
        let tls = conditions(json!({"Bool": {"aws:SecureTransport": "true"}}));
        assert!(implies(&more, &tls));
        assert!(!implies(&via, &tls));
    }

    #[test]
    fn what_the_plan_writes_is_within_itself() {
        let lines: Vec<String> = expected()
            .iter()
            .flat_map(|st| extras(st, &expected()))
            .map(|e| e.to_string())
            .collect();
        assert!(lines.is_empty(), "{lines:?}");
    }

    #[test]
    fn extra_grants_are_listed_readably() {
        assert_eq!(
            extra_lines(json!({"Effect": "Allow", "Action": "*", "Resource": "*"})),
            vec!["* on *"]
        );
        assert_eq!(
            extra_lines(
                json!({"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"],
                "Resource": ["arn:aws:s3:::b/p/*", "arn:aws:s3:::other/*"]})
            ),
            vec![
                "s3:GetObject on arn:aws:s3:::other/*",
                "s3:PutObject on arn:aws:s3:::other/*"
            ]
        );
        assert_eq!(
            extra_lines(json!({"Effect": "Allow", "Action": "s3:ListBucket",
                "Resource": ["arn:aws:s3:::b", "arn:aws:s3:::raw"]})),
            vec!["s3:ListBucket on arn:aws:s3:::raw (any prefix)"]
        );
        assert_eq!(
            extra_lines(
                json!({"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::raw",
                "Condition": {"StringLike": {"s3:prefix": "data/v2/*"}}})
            ),
            Vec::<String>::new()
        );
        assert_eq!(
            extra_lines(
                json!({"Effect": "Allow", "Action": ["kms:Decrypt", "kms:Encrypt"],
                "Resource": "arn:aws:kms:us-east-1:1:key/k"})
            ),
            vec![
                "kms:Decrypt on arn:aws:kms:us-east-1:1:key/k (not only through S3)",
                "kms:Encrypt on arn:aws:kms:us-east-1:1:key/k"
            ]
        );
        assert_eq!(
            extra_lines(json!({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})),
            vec!["everything except iam:* on *"]
        );
        assert_eq!(
            extra_lines(json!({"Effect": "Allow", "Action": "s3:GetObject",
                "NotResource": "arn:aws:s3:::secret/*"})),
            vec!["s3:GetObject on everything except arn:aws:s3:::secret/*"]
        );
        assert_eq!(
            extra_lines(
                json!({"Effect": "Allow", "Action": "S3:GETOBJECT", "Resource": "arn:aws:s3:::b/x/*"})
            ),
            Vec::<String>::new(),
            "actions compare without case"
        );
        assert_eq!(
            extra_lines(json!({"Effect": "Deny", "Action": "*", "Resource": "*"})),
            Vec::<String>::new(),
            "a Deny grants nothing"
        );
    }

    #[test]
    fn allows_cover_expected_grants() {
        let none = Conditions::new();
        let prefix = conditions(json!({"StringLike": {"s3:prefix": ["data/", "data/*"]}}));
        let st = |v| statements(v).remove(0);
        let wide = st(json!({"Effect": "Allow", "Action": "s3:*", "Resource": "*"}));
        assert_eq!(
            allow_covers(&wide, "s3:GetObject", "arn:aws:s3:::b/*", &none),
            Coverage::Covered
        );
        let not_res = st(
            json!({"Effect": "Allow", "Action": "s3:*", "NotResource": "arn:aws:s3:::b/secret/*"}),
        );
        assert_eq!(
            allow_covers(&not_res, "s3:GetObject", "arn:aws:s3:::b/*", &none),
            Coverage::NotCovered
        );
        assert_eq!(
            allow_covers(&not_res, "s3:GetObject", "arn:aws:s3:::c/*", &none),
            Coverage::Covered
        );
        let listing = st(
            json!({"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::raw",
            "Condition": {"StringLike": {"s3:prefix": "data*"}}}),
        );
        assert_eq!(
            allow_covers(&listing, "s3:ListBucket", "arn:aws:s3:::raw", &prefix),
            Coverage::Covered
        );
        assert_eq!(
            allow_covers(&listing, "s3:ListBucket", "arn:aws:s3:::raw", &none),
            Coverage::NotCovered
        );
        let tls = st(
            json!({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
            "Condition": {"NumericLessThan": {"s3:max-keys": "10"}}}),
        );
        assert!(matches!(
            allow_covers(&tls, "s3:GetObject", "arn:aws:s3:::b/*", &none),
            Coverage::Unevaluable(why) if why.contains("NumericLessThan")
        ));
    }

    #[test]
    fn denies_touch_part_of_a_grant() {
        let st = |v| statements(v).remove(0);
        let ctx = Context::open().with("aws:SecureTransport", &["true"]);
        let part = st(
            json!({"Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "arn:aws:s3:::b/p/keep/*"}),
        );
        assert_eq!(
            deny_touches(&part, "s3:DeleteObject", "arn:aws:s3:::b/p/*", None, &ctx),
            Truth::True
        );
        assert_eq!(
            deny_touches(&part, "s3:GetObject", "arn:aws:s3:::b/p/*", None, &ctx),
            Truth::False
        );
        let tls = st(
            json!({"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*",
            "Condition": {"Bool": {"aws:SecureTransport": "false"}}}),
        );
        let role = Some("arn:aws:iam::1:role/r");
        assert_eq!(
            deny_touches(&tls, "s3:GetObject", "arn:aws:s3:::b/*", role, &ctx),
            Truth::False
        );
        let others = st(
            json!({"Effect": "Deny", "NotPrincipal": {"AWS": "arn:aws:iam::1:role/r"},
            "Action": "s3:*", "Resource": "*"}),
        );
        assert_eq!(
            deny_touches(&others, "s3:GetObject", "arn:aws:s3:::b/*", role, &ctx),
            Truth::False
        );
        let outside =
            st(json!({"Effect": "Deny", "Action": "s3:*", "NotResource": ["arn:aws:s3:::b/*"]}));
        assert_eq!(
            deny_touches(&outside, "s3:GetObject", "arn:aws:s3:::b/p/*", None, &ctx),
            Truth::False
        );
        assert_eq!(
            deny_touches(&outside, "s3:GetObject", "arn:aws:s3:::c/*", None, &ctx),
            Truth::True
        );
    }
}
