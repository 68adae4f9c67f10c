//! Templates of the plan: CloudFormation (YAML) and Terraform (HCL). Pure: a [`Plan`] in, text
//! out. Every document, name, tag and guardrail comes from the plan that `create` applies, so
//! the three back ends cannot drift apart.
//!
//! Both formats share the [`Node`] tree built here; each writes it in its own syntax.

pub(crate) mod cloudformation;
pub(crate) mod terraform;

use serde_json::Value;

use crate::plan::{Plan, RolePlan};
use crate::policy::PolicyDocument;

/// A value in a template, before a format writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Node {
    /// A string, always written quoted.
    Str(String),
    /// Written as it is: a number, or something the deployment resolves (`!Ref ExternalId`,
    /// `var.external_id`).
    Raw(String),
    List(Vec<Node>),
    /// Keys in the order given.
    Map(Vec<(String, Node)>),
}

impl Node {
    pub(crate) fn str(s: impl Into<String>) -> Node {
        Node::Str(s.into())
    }

    pub(crate) fn raw(s: impl Into<String>) -> Node {
        Node::Raw(s.into())
    }

    /// A map from `(key, value)` pairs.
    pub(crate) fn map<K: Into<String>>(entries: impl IntoIterator<Item = (K, Node)>) -> Node {
        Node::Map(entries.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }

    /// A JSON value (a policy document) in the same order; numbers, booleans and null raw.
    pub(crate) fn from_json(value: &Value) -> Node {
        match value {
            Value::String(s) => Node::str(s),
            Value::Array(items) => Node::List(items.iter().map(Node::from_json).collect()),
            Value::Object(map) => Node::map(map.iter().map(|(k, v)| (k, Node::from_json(v)))),
            other => Node::raw(other.to_string()),
        }
    }

    fn get_mut(&mut self, key: &str) -> Option<&mut Node> {
        match self {
            Node::Map(entries) => entries.iter_mut().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// Whether the node is written on one line (not a non-empty list or map).
    fn is_scalar(&self) -> bool {
        match self {
            Node::Str(_) | Node::Raw(_) => true,
            Node::List(items) => items.is_empty(),
            Node::Map(entries) => entries.is_empty(),
        }
    }
}

/// `s` between double quotes with `"` and `\` escaped, and every other character as `escape`
/// writes it (`None`: as it is). YAML and HCL share this shape of string.
fn double_quoted(s: &str, escape: impl Fn(char) -> Option<String>) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c => match escape(c) {
                Some(escaped) => out.push_str(&escaped),
                None => out.push(c),
            },
        }
    }
    out.push('"');
    out
}

/// A permission document, exactly as `create` writes it.
pub(crate) fn document(doc: &PolicyDocument) -> Node {
    Node::from_json(&doc.to_value())
}

/// The trust document as `create` writes it, except that the external ID (when there is one)
/// is `reference`, the template's parameter or variable, whose default is the plan's ID.
pub(crate) fn trust(role: &RolePlan, reference: &str) -> Node {
    let mut node = document(&role.trust);
    let Some(id) = &role.external_id else {
        return node;
    };
    let Some(Node::List(statements)) = node.get_mut("Statement") else {
        return node;
    };
    for statement in statements {
        let values = statement
            .get_mut("Condition")
            .and_then(|c| c.get_mut("StringEquals"))
            .and_then(|c| c.get_mut("sts:ExternalId"));
        if let Some(Node::List(values)) = values {
            for value in values.iter_mut().filter(|v| **v == Node::str(id)) {
                *value = Node::raw(reference);
            }
        }
    }
    node
}

/// The role's tags exactly as `create` writes them.
pub(crate) fn role_tags(plan: &Plan) -> Vec<(String, String)> {
    plan.guardrails.role_tags()
}

/// A customer-managed permissions boundary as `(partition, resource)`: `("aws",
/// "policy/NAME")`. IAM only takes a boundary from the role's own account, so templates name
/// it in whichever account they are deployed to (every account of a StackSet), which in the
/// account of the given ARN is that ARN. `None` for an AWS-managed policy (`iam::aws:`), which
/// is the same everywhere.
pub(crate) fn account_relative_boundary(arn: &str) -> Option<(&str, &str)> {
    crate::policy::arn_account(arn)?;
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    match parts[..] {
        ["arn", partition, "iam", "", _, resource] => Some((partition, resource)),
        _ => None,
    }
}

/// What the template is, for its description and first comment line.
fn summary(plan: &Plan, role: &RolePlan) -> String {
    let scopes = plan.buckets.len();
    format!(
        "IAM role {} that Activeloop Deep Lake assumes to reach {scopes} S3 bucket scope{}, and \
         its access polic{}",
        role.name,
        if scopes == 1 { "" } else { "s" },
        if plan.policies.len() == 1 { "y" } else { "ies" },
    )
}

/// The comment both formats start with.
fn header(plan: &Plan, role: &RolePlan, comment: &str) -> String {
    format!(
        "{comment} {}.\n{comment} Written by `provision-role export`: the documents are the ones \
         `provision-role create` writes\n{comment} for the same flags. Check a deployed role \
         with `provision-role verify`.\n",
        summary(plan, role)
    )
}

#[cfg(test)]
mod tests;
