//! Serde types for IAM policy documents, and the comparison AWS needs.
//!
//! We write every list as a JSON array and every field in one order, so the same request always
//! gives byte-identical documents. Documents read back from IAM may use any valid form — the
//! single-string forms (`"Action": "s3:GetObject"`), `NotAction`, `NotResource`, `NotPrincipal`,
//! `"Principal": "*"`, principal maps with `AWS`, `Service`, `Federated` and `CanonicalUser`,
//! condition values that are booleans or numbers, one statement instead of a list — so
//! deserialising accepts them all, and [`canonical`] compares documents by meaning rather than
//! by bytes. What the planner writes uses only `Sid`, `Effect`, `Principal` (`AWS`), `Action`,
//! `Resource` and `Condition`; the other fields are skipped when empty.

use std::collections::BTreeMap;

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

pub const POLICY_VERSION: &str = "2012-10-17";
/// The version IAM assumes when a document names none.
pub const DEFAULT_VERSION: &str = "2008-10-17";

/// Condition operator → condition key → values, e.g. `StringLike → s3:prefix → [..]`.
pub type Conditions = BTreeMap<String, BTreeMap<String, OneOrMany>>;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PolicyDocument {
    #[serde(default = "default_version")]
    pub version: String,
    /// The optional `Id` element, kept so a document read back is written back whole.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(deserialize_with = "one_or_many_statements")]
    pub statement: Vec<Statement>,
}

fn default_version() -> String {
    DEFAULT_VERSION.to_string()
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Statement {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    pub effect: Effect,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub principal: Option<Principal>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_principal: Option<Principal>,
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "one_or_many"
    )]
    pub action: Vec<String>,
    /// `Some` when the statement has a `NotAction` element: every action but these.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "some_one_or_many"
    )]
    pub not_action: Option<Vec<String>>,
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "one_or_many"
    )]
    pub resource: Vec<String>,
    /// `Some` when the statement has a `NotResource` element: every resource but these.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "some_one_or_many"
    )]
    pub not_resource: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub condition: Conditions,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Effect {
    Allow,
    Deny,
}

/// Who a statement of a trust or resource policy is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// `"*"`: everyone.
    Any,
    /// `{"AWS": …, "Service": …, "Federated": …, "CanonicalUser": …}`.
    Map(PrincipalMap),
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrincipalMap {
    #[serde(
        rename = "AWS",
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "one_or_many"
    )]
    pub aws: Vec<String>,
    #[serde(
        rename = "Service",
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "one_or_many"
    )]
    pub service: Vec<String>,
    #[serde(
        rename = "Federated",
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "one_or_many"
    )]
    pub federated: Vec<String>,
    #[serde(
        rename = "CanonicalUser",
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "one_or_many"
    )]
    pub canonical_user: Vec<String>,
}

impl Principal {
    /// `{"AWS": [arns…]}`.
    pub fn aws(arns: Vec<String>) -> Principal {
        Principal::Map(PrincipalMap {
            aws: arns,
            ..PrincipalMap::default()
        })
    }

    /// The `AWS` entries (`["*"]` for `"*"`).
    pub fn aws_values(&self) -> Vec<&str> {
        match self {
            Principal::Any => vec!["*"],
            Principal::Map(m) => m.aws.iter().map(String::as_str).collect(),
        }
    }
}

impl Serialize for Principal {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Principal::Any => s.serialize_str("*"),
            Principal::Map(map) => map.serialize(s),
        }
    }
}

impl<'de> Deserialize<'de> for Principal {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Either {
            Star(String),
            Map(PrincipalMap),
        }
        match Either::deserialize(d)? {
            Either::Star(s) if s == "*" => Ok(Principal::Any),
            Either::Star(s) => Err(D::Error::custom(format!(
                "a principal given as a string must be \"*\", not {s:?}"
            ))),
            Either::Map(map) => Ok(Principal::Map(map)),
        }
    }
}

/// A condition value list. IAM accepts a bare value for a single one, and booleans and numbers
/// as well as strings; they are kept as the strings IAM compares them as.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct OneOrMany(#[serde(deserialize_with = "condition_values")] pub Vec<String>);

fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn condition_values<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    let bad = || D::Error::custom("a condition value must be a string, boolean, number or a list");
    match Value::deserialize(d)? {
        Value::Array(items) => items.iter().map(|v| scalar(v).ok_or_else(bad)).collect(),
        one => scalar(&one).map(|s| vec![s]).ok_or_else(bad),
    }
}

fn one_or_many<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either {
        One(String),
        Many(Vec<String>),
    }
    Ok(match Either::deserialize(d)? {
        Either::One(s) => vec![s],
        Either::Many(v) => v,
    })
}

fn some_one_or_many<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<String>>, D::Error> {
    one_or_many(d).map(Some)
}

fn one_or_many_statements<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Statement>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either {
        One(Box<Statement>),
        Many(Vec<Statement>),
    }
    Ok(match Either::deserialize(d)? {
        Either::One(s) => vec![*s],
        Either::Many(v) => v,
    })
}

impl Default for PolicyDocument {
    /// A document with no statements, in the current policy language.
    fn default() -> Self {
        PolicyDocument::new(Vec::new())
    }
}

impl PolicyDocument {
    pub fn new(statement: Vec<Statement>) -> Self {
        PolicyDocument {
            version: POLICY_VERSION.to_string(),
            id: None,
            statement,
        }
    }

    /// A document as IAM returns it (see [`parse_iam_document`]), typed.
    pub fn from_iam(raw: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(&decode_iam(raw))
    }

    /// Whether the two grant the same thing, whatever their form.
    pub fn same_meaning(&self, other: &PolicyDocument) -> bool {
        same_meaning(&self.to_value(), &other.to_value())
    }

    /// The compact JSON IAM receives.
    pub fn to_compact(&self) -> String {
        serde_json::to_string(self).expect("a policy document always serialises")
    }

    /// The indented JSON people read.
    pub fn to_pretty(&self) -> String {
        serde_json::to_string_pretty(self).expect("a policy document always serialises")
    }

    pub fn to_value(&self) -> Value {
        serde_json::to_value(self).expect("a policy document always serialises")
    }

    /// Characters IAM counts against its size quotas: everything but whitespace.
    pub fn quota_len(&self) -> usize {
        self.to_compact()
            .chars()
            .filter(|c| !c.is_whitespace())
            .count()
    }
}

impl Statement {
    pub fn allow(sid: &str, actions: &[&str], resource: Vec<String>) -> Self {
        Statement {
            sid: Some(sid.to_string()),
            effect: Effect::Allow,
            principal: None,
            not_principal: None,
            action: actions.iter().map(|a| a.to_string()).collect(),
            not_action: None,
            resource,
            not_resource: None,
            condition: BTreeMap::new(),
        }
    }

    /// How to name the statement in a message: `statement "Sid" of POLICY`, or by its
    /// position (from 1) when it has no Sid.
    pub fn label(&self, index: usize, policy: &str) -> String {
        match self.sid.as_deref() {
            Some(sid) if !sid.is_empty() => format!("statement {sid:?} of {policy}"),
            _ => format!("statement #{} of {policy}", index + 1),
        }
    }

    pub fn with_condition(mut self, operator: &str, key: &str, values: Vec<String>) -> Self {
        self.condition
            .entry(operator.to_string())
            .or_default()
            .insert(key.to_string(), OneOrMany(values));
        self
    }
}

/// The document in a form where equal meaning gives equal values: single strings become
/// one-element lists, lists are sorted, statements are sorted. Use it to decide whether what IAM
/// holds already matches what we would write.
pub fn canonical(doc: &Value) -> Value {
    fn walk(key: Option<&str>, v: &Value) -> Value {
        let listy = !matches!(key, Some("Version" | "Effect" | "Sid" | "Id"));
        match v {
            Value::String(_) if listy && key.is_some() => Value::Array(vec![v.clone()]),
            Value::Object(_) if key == Some("Statement") => {
                walk(None, &Value::Array(vec![v.clone()]))
            }
            Value::Array(items) => {
                let mut items: Vec<Value> = items.iter().map(|i| walk(None, i)).collect();
                items.sort_by_key(|i| i.to_string());
                items.dedup();
                Value::Array(items)
            }
            Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(k, v)| (k.clone(), walk(Some(k), v)))
                    .collect(),
            ),
            other => other.clone(),
        }
    }
    walk(None, doc)
}

/// Whether two documents grant the same thing, ignoring form.
pub fn same_meaning(a: &Value, b: &Value) -> bool {
    canonical(a) == canonical(b)
}

/// Parse a document as IAM returns it: URL-encoded JSON (real IAM; moto for trust and inline
/// policies) or plain JSON (moto for managed policy versions). Plain JSON is taken as it is,
/// so a `%20` inside a prefix is never decoded by mistake.
pub fn parse_iam_document(raw: &str) -> Result<Value, serde_json::Error> {
    serde_json::from_str(&decode_iam(raw))
}

fn decode_iam(raw: &str) -> std::borrow::Cow<'_, str> {
    if raw.trim_start().starts_with('{') {
        return raw.into();
    }
    percent_encoding::percent_decode_str(raw).decode_utf8_lossy()
}

/// Someone else's document exactly as IAM held it (decoded), checked to be a policy document:
/// what a rollback puts back, so it returns in the form its author wrote, not ours.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldDocument {
    text: String,
    typed: PolicyDocument,
}

impl HeldDocument {
    pub fn from_iam(raw: &str) -> Result<Self, serde_json::Error> {
        let text = decode_iam(raw).into_owned();
        let typed = serde_json::from_str(&text)?;
        Ok(HeldDocument { text, typed })
    }

    /// The text as IAM held it.
    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn typed(&self) -> &PolicyDocument {
        &self.typed
    }

    pub fn into_typed(self) -> PolicyDocument {
        self.typed
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn single_strings_and_lists_compare_equal() {
        let a = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Action": "s3:GetObject", "Resource": ["arn:aws:s3:::b/*"]}]});
        let b = json!({"Version": "2012-10-17", "Statement": {"Effect": "Allow",
            "Action": ["s3:GetObject"], "Resource": "arn:aws:s3:::b/*"}});
        assert!(same_meaning(&a, &b));
        let c = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Action": ["s3:GetObject", "s3:PutObject"], "Resource": ["arn:aws:s3:::b/*"]}]});
        assert!(!same_meaning(&a, &c));
    }

    #[test]
    fn parses_url_encoded_and_plain_documents() {
        let plain = r#"{"Version":"2012-10-17","Statement":[]}"#;
        let encoded = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%5D%7D";
        assert_eq!(
            parse_iam_document(plain).unwrap(),
            parse_iam_document(encoded).unwrap()
        );
        let percent = r#"{"Resource":"arn:aws:s3:::b/50%20off/*"}"#;
        assert_eq!(
            parse_iam_document(percent).unwrap()["Resource"],
            "arn:aws:s3:::b/50%20off/*"
        );
    }

    #[test]
    fn reads_back_single_string_forms() {
        let doc: PolicyDocument = serde_json::from_value(json!({
            "Version": "2012-10-17",
            "Statement": {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::1:root"},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"sts:ExternalId": "x"}}}
        }))
        .unwrap();
        assert_eq!(doc.statement[0].action, vec!["sts:AssumeRole"]);
        assert_eq!(
            doc.statement[0].principal.as_ref().unwrap().aws_values(),
            vec!["arn:aws:iam::1:root"]
        );
        assert_eq!(
            doc.statement[0].condition["StringEquals"]["sts:ExternalId"].0,
            vec!["x"]
        );
    }

    #[test]
    fn quota_length_ignores_whitespace() {
        let doc = PolicyDocument::new(vec![Statement::allow(
            "Objects",
            &["s3:GetObject"],
            vec!["arn:aws:s3:::b/with space/*".into()],
        )]);
        assert_eq!(doc.quota_len() + 1, doc.to_compact().len());
    }
}
