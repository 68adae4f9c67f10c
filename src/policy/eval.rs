//! Evaluating policy documents for one request: an action, a resource (none for trust
//! policies), who asks (for trust and resource policies), and the condition keys of the
//! request. Pure, deterministic, and explained: the result names the statement that decided it,
//! and notes say what could not be evaluated.
//!
//! Semantics (IAM's, for the subset these documents use):
//! - actions match case-insensitively with `*` and `?`; resources case-sensitively;
//! - an explicit Deny wins over any Allow;
//! - conditions: several values of one key are OR-ed (for a negated operator, none may match);
//!   several keys, and several operators, are AND-ed. A missing key makes a positive operator
//!   false (`…IfExists`: true), a negated operator true, `ForAllValues:` true and
//!   `ForAnyValue:` false;
//! - an operator we do not know (`NumericLessThan`, `DateGreaterThan`, `IpAddress`, …) or a
//!   policy variable (`${aws:username}`) in a resource or condition value makes the statement's
//!   outcome unknown: an unknown Allow does not count and an unknown Deny does, each with a note.
//!   A condition that is definitely false still rules the statement out.
//! - principals: `"*"` and `{"AWS": "*"}` are everyone; an account id or
//!   `arn:…:iam::ACCOUNT:root` is every principal of that account; other ARNs match exactly; a
//!   partial wildcard (`…:role/*`) matches nothing (IAM rejects it) and is noted.

use std::collections::{BTreeMap, BTreeSet};

use super::document::{Conditions, Effect, PolicyDocument, Principal, Statement};
use super::pattern::{glob, glob_ignore_case, has_wildcard};

/// True, false, or not known (with why).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Truth {
    True,
    False,
    Unknown(String),
}

impl Truth {
    fn from(b: bool) -> Truth {
        if b {
            Truth::True
        } else {
            Truth::False
        }
    }

    /// Kleene AND: false wins, then unknown.
    pub fn and(self, other: Truth) -> Truth {
        match (self, other) {
            (Truth::False, _) | (_, Truth::False) => Truth::False,
            (Truth::Unknown(why), _) | (_, Truth::Unknown(why)) => Truth::Unknown(why),
            _ => Truth::True,
        }
    }

    pub fn all(items: impl IntoIterator<Item = Truth>) -> Truth {
        items.into_iter().fold(Truth::True, Truth::and)
    }
}

/// The condition keys of a request. Names are case-insensitive; every key has a list of values.
/// An *open* context stands for many requests: a key it does not name is unknown rather than
/// absent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Context {
    keys: BTreeMap<String, Vec<String>>,
    /// Keys known to be absent, even in an open context.
    absent: BTreeSet<String>,
    open: bool,
}

impl Context {
    /// A request with exactly these keys (all others absent).
    pub fn closed() -> Context {
        Context::default()
    }

    /// Requests about which only these keys are known.
    pub fn open() -> Context {
        Context {
            open: true,
            ..Context::default()
        }
    }

    pub fn with(mut self, key: &str, values: &[&str]) -> Context {
        self.keys.insert(
            key.to_ascii_lowercase(),
            values.iter().map(|v| v.to_string()).collect(),
        );
        self
    }

    /// The same context, knowing that requests never carry `key`.
    pub fn without(mut self, key: &str) -> Context {
        self.absent.insert(key.to_ascii_lowercase());
        self
    }

    /// The key's values: `Ok(None)` when absent, `Err` when unknown (open context).
    fn get(&self, key: &str) -> Result<Option<&[String]>, String> {
        let key_lower = key.to_ascii_lowercase();
        match self.keys.get(&key_lower) {
            Some(v) => Ok(Some(v)),
            None if self.absent.contains(&key_lower) => Ok(None),
            None if self.open => Err(format!("the value of {key} is not known")),
            None => Ok(None),
        }
    }
}

/// One request.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    pub action: &'a str,
    /// None for trust policies, which have no resource.
    pub resource: Option<&'a str>,
    /// Who asks; None for identity policies (the identity is implied).
    pub principal: Option<&'a str>,
    pub context: &'a Context,
}

/// A document with the name messages use for it (`managed policy X`, `the trust policy`).
#[derive(Debug, Clone, Copy)]
pub struct Named<'a> {
    pub name: &'a str,
    pub document: &'a PolicyDocument,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Allowed by the named statement.
    Allowed(String),
    /// Denied by the named statement (explicit deny).
    Denied(String),
    /// No statement allows it.
    NotAllowed,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evaluation {
    pub decision: Decision,
    /// What could not be evaluated, and how it was counted.
    pub notes: Vec<String>,
}

/// Evaluate `req` against all `policies` together: explicit deny, then allow, else not allowed.
pub fn evaluate(policies: &[Named], req: &Request) -> Evaluation {
    let mut notes = Vec::new();
    let (mut allowed, mut denied) = (None, None);
    for policy in policies {
        for (i, st) in policy.document.statement.iter().enumerate() {
            let label = st.label(i, policy.name);
            notes.extend(partial_wildcards(st).into_iter().map(|p| {
                format!("{label}: the principal {p} has a partial wildcard, which matches nothing")
            }));
            let outcome = applies(st, req);
            let slot = match st.effect {
                Effect::Allow => &mut allowed,
                Effect::Deny => &mut denied,
            };
            match outcome {
                Truth::True => {
                    slot.get_or_insert(label);
                }
                Truth::False => {}
                Truth::Unknown(why) if st.effect == Effect::Deny => {
                    notes.push(format!("{label}: {why}, so this Deny is counted"));
                    slot.get_or_insert(label);
                }
                Truth::Unknown(why) => {
                    notes.push(format!("{label}: {why}, so this Allow does not count"));
                }
            }
        }
    }
    let decision = match (denied, allowed) {
        (Some(by), _) => Decision::Denied(by),
        (None, Some(by)) => Decision::Allowed(by),
        (None, None) => Decision::NotAllowed,
    };
    Evaluation { decision, notes }
}

/// Whether a statement applies to the request (whatever its effect).
pub fn applies(st: &Statement, req: &Request) -> Truth {
    let mut truth = Truth::from(action_matches(st, req.action));
    if let Some(resource) = req.resource {
        truth = truth.and(resource_matches(st, resource));
    }
    if let Some(who) = req.principal {
        truth = truth.and(Truth::from(principal_applies(st, who)));
    }
    if truth == Truth::False {
        return truth;
    }
    truth.and(conditions(&st.condition, req.context))
}

/// `Action` (any pattern matches) or `NotAction` (none does), case-insensitively.
pub fn action_matches(st: &Statement, action: &str) -> bool {
    let any = |patterns: &[String]| patterns.iter().any(|p| glob_ignore_case(p, action));
    match &st.not_action {
        Some(except) => !any(except),
        None => any(&st.action),
    }
}

fn resource_pattern(pattern: &str, resource: &str) -> Truth {
    if pattern.contains("${") {
        return Truth::Unknown(format!("the resource {pattern} has a policy variable"));
    }
    Truth::from(glob(pattern, resource))
}

/// `Resource` (any matches) or `NotResource` (none does); a statement with neither (a trust
/// policy) applies to any resource.
pub fn resource_matches(st: &Statement, resource: &str) -> Truth {
    let any = |patterns: &[String]| {
        patterns
            .iter()
            .map(|p| resource_pattern(p, resource))
            .fold(Truth::False, |acc, t| match (acc, t) {
                (Truth::True, _) | (_, Truth::True) => Truth::True,
                (Truth::Unknown(w), _) | (_, Truth::Unknown(w)) => Truth::Unknown(w),
                _ => Truth::False,
            })
    };
    match &st.not_resource {
        Some(except) => match any(except) {
            Truth::True => Truth::False,
            Truth::False => Truth::True,
            unknown => unknown,
        },
        None if st.resource.is_empty() => Truth::True,
        None => any(&st.resource),
    }
}

/// `Principal` (matches `who`) or `NotPrincipal` (does not); a statement with neither (an
/// identity policy) applies to its identity.
pub fn principal_applies(st: &Statement, who: &str) -> bool {
    match (&st.principal, &st.not_principal) {
        (Some(p), _) => principal_matches(p, who),
        (None, Some(except)) => !principal_matches(except, who),
        (None, None) => true,
    }
}

/// Whether a Principal element names `who` (an ARN, an account id, or a service or federated
/// principal).
pub fn principal_matches(p: &Principal, who: &str) -> bool {
    match p {
        Principal::Any => true,
        Principal::Map(m) => {
            m.aws.iter().any(|v| aws_principal_matches(v, who))
                || [&m.service, &m.federated, &m.canonical_user]
                    .iter()
                    .any(|list| list.iter().any(|v| v == who))
        }
    }
}

/// The account an `AWS` principal value stands for as a whole (`ACCOUNT` or
/// `arn:…:iam::ACCOUNT:root`).
pub fn account_principal(value: &str) -> Option<&str> {
    if value.len() == 12 && value.bytes().all(|b| b.is_ascii_digit()) {
        return Some(value);
    }
    let account = super::arn_account(value)?;
    let root = value.strip_suffix(":root")?;
    (root.starts_with("arn:") && root.contains(":iam::")).then_some(account)
}

fn aws_principal_matches(value: &str, who: &str) -> bool {
    if value == "*" {
        return true;
    }
    if has_wildcard(value) {
        return false;
    }
    if value == who {
        return true;
    }
    match account_principal(value) {
        Some(account) => who == account || super::arn_account(who) == Some(account),
        None => false,
    }
}

/// `AWS` principal values with a wildcard that is not the whole value.
pub fn partial_wildcards(st: &Statement) -> Vec<&str> {
    [&st.principal, &st.not_principal]
        .into_iter()
        .flatten()
        .flat_map(Principal::aws_values)
        .filter(|v| *v != "*" && has_wildcard(v))
        .collect()
}

// ---------------------------------------------------------------------------
// Conditions
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SetOp {
    None,
    AnyValue,
    AllValues,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Base {
    StringEquals,
    StringEqualsIgnoreCase,
    StringLike,
    ArnLike,
    Bool,
    Null,
}

/// A parsed operator name: `[ForAnyValue:|ForAllValues:]BASE[IfExists]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Operator {
    set: SetOp,
    base: Base,
    negated: bool,
    if_exists: bool,
}

impl Operator {
    /// None for an operator this evaluator does not know.
    pub fn parse(name: &str) -> Option<Operator> {
        let (set, rest) = if let Some(r) = name.strip_prefix("ForAnyValue:") {
            (SetOp::AnyValue, r)
        } else if let Some(r) = name.strip_prefix("ForAllValues:") {
            (SetOp::AllValues, r)
        } else {
            (SetOp::None, name)
        };
        let (rest, if_exists) = match rest.strip_suffix("IfExists") {
            Some(r) => (r, true),
            None => (rest, false),
        };
        let (base, negated) = match rest {
            "StringEquals" => (Base::StringEquals, false),
            "StringNotEquals" => (Base::StringEquals, true),
            "StringEqualsIgnoreCase" => (Base::StringEqualsIgnoreCase, false),
            "StringNotEqualsIgnoreCase" => (Base::StringEqualsIgnoreCase, true),
            "StringLike" => (Base::StringLike, false),
            "StringNotLike" => (Base::StringLike, true),
            "ArnEquals" | "ArnLike" => (Base::ArnLike, false),
            "ArnNotEquals" | "ArnNotLike" => (Base::ArnLike, true),
            "Bool" => (Base::Bool, false),
            "Null" if set == SetOp::None && !if_exists => (Base::Null, false),
            _ => return None,
        };
        Some(Operator {
            set,
            base,
            negated,
            if_exists,
        })
    }

    /// A plain positive operator (no set prefix, not negated, no IfExists).
    pub fn is_plain_positive(&self) -> bool {
        self.set == SetOp::None && !self.negated && !self.if_exists && self.base != Base::Null
    }

    pub fn is_string_equals(&self) -> bool {
        self.is_plain_positive() && self.base == Base::StringEquals
    }

    pub fn is_string_like(&self) -> bool {
        self.is_plain_positive() && self.base == Base::StringLike
    }
}

/// ARNs compared part by part (the six `:`-separated parts), each part a wildcard pattern.
pub fn arn_like(pattern: &str, value: &str) -> bool {
    let p: Vec<&str> = pattern.splitn(6, ':').collect();
    let v: Vec<&str> = value.splitn(6, ':').collect();
    p.len() == v.len() && p.iter().zip(&v).all(|(p, v)| glob(p, v))
}

fn base_matches(base: Base, condition: &str, value: &str) -> bool {
    match base {
        Base::StringEquals => condition == value,
        Base::StringEqualsIgnoreCase => condition.to_lowercase() == value.to_lowercase(),
        Base::StringLike => glob(condition, value),
        Base::ArnLike => arn_like(condition, value),
        Base::Bool => condition.eq_ignore_ascii_case(value),
        Base::Null => false,
    }
}

/// One operator on one key.
fn condition(op: Operator, wanted: &[String], ctx: &Context, key: &str) -> Truth {
    let given = match ctx.get(key) {
        Ok(given) => given,
        Err(why) => return Truth::Unknown(why),
    };
    if op.base == Base::Null {
        let absent = given.is_none_or(|v| v.is_empty());
        return Truth::from(
            wanted
                .iter()
                .any(|w| w.eq_ignore_ascii_case(&absent.to_string())),
        );
    }
    let Some(values) = given.filter(|v| !v.is_empty()) else {
        return Truth::from(match op.set {
            SetOp::AllValues => true,
            SetOp::AnyValue => op.if_exists,
            SetOp::None => op.negated || op.if_exists,
        });
    };
    // A value satisfies the operator when it matches some condition value (negated: none).
    let satisfies = |v: &String| wanted.iter().any(|w| base_matches(op.base, w, v)) != op.negated;
    Truth::from(match op.set {
        SetOp::AllValues => values.iter().all(satisfies),
        SetOp::AnyValue => values.iter().any(satisfies),
        SetOp::None if op.negated => values.iter().all(satisfies),
        SetOp::None => values.iter().any(satisfies),
    })
}

/// A whole `Condition` element: every operator and every key must hold.
pub fn conditions(all: &Conditions, ctx: &Context) -> Truth {
    let mut truth = Truth::True;
    for (name, keys) in all {
        let Some(op) = Operator::parse(name) else {
            truth = truth.and(Truth::Unknown(format!(
                "the condition operator {name} is not evaluated"
            )));
            continue;
        };
        for (key, values) in keys {
            if values.0.iter().any(|v| v.contains("${")) {
                truth = truth.and(Truth::Unknown(format!(
                    "the condition on {key} has a policy variable"
                )));
                continue;
            }
            truth = truth.and(condition(op, &values.0, ctx, key));
        }
    }
    truth
}

/// Whether a `Condition` element uses an operator or a policy variable this evaluator cannot
/// evaluate; the first such, described.
pub fn unevaluable(all: &Conditions) -> Option<String> {
    all.iter().find_map(|(name, keys)| {
        if Operator::parse(name).is_none() {
            return Some(format!("the condition operator {name} is not evaluated"));
        }
        keys.iter()
            .find(|(_, values)| values.0.iter().any(|v| v.contains("${")))
            .map(|(key, _)| format!("the condition on {key} has a policy variable"))
    })
}

#[cfg(test)]
mod tests;
