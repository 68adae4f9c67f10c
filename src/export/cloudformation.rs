//! The plan as a CloudFormation template (YAML): one `AWS::IAM::ManagedPolicy` per planned
//! policy, attached through its `Roles` property (the one attachment moto's CloudFormation
//! honours, and as good as the role's `ManagedPolicyArns` on AWS), the `AWS::IAM::Role` with
//! its guardrails, an `ExternalId` parameter when the trust requires one, and the role ARN as
//! an output. Strings are double-quoted with every non-ASCII character escaped, so any YAML
//! reader takes them back unchanged.

use super::{document, header, role_tags, summary, trust, Node};
use crate::plan::request::POLICY_DESCRIPTION;
use crate::plan::{Plan, RolePlan};

/// The template's name for the role resource.
pub(crate) const ROLE: &str = "Role";
/// The template's parameter holding the external ID.
pub(crate) const EXTERNAL_ID: &str = "ExternalId";

/// The logical id of the `index`th policy: `Policy`, `Policy2`, … (as its name is `NAME`,
/// `NAME-2`, …).
pub(crate) fn policy_id(index: usize) -> String {
    match index {
        0 => "Policy".to_string(),
        n => format!("Policy{}", n + 1),
    }
}

/// The whole template. Same plan, byte-identical text.
pub(crate) fn render(plan: &Plan, role: &RolePlan) -> String {
    let mut top = vec![
        ("AWSTemplateFormatVersion", Node::str("2010-09-09")),
        ("Description", Node::str(summary(plan, role))),
    ];
    if let Some(id) = &role.external_id {
        top.push(("Parameters", Node::map([(EXTERNAL_ID, external_id(id))])));
    }
    let mut resources = vec![(ROLE.to_string(), role_resource(plan, role))];
    resources.extend(plan.policies.iter().enumerate().map(|(i, p)| {
        let properties = Node::map([
            ("ManagedPolicyName", Node::str(&p.name)),
            ("Description", Node::str(POLICY_DESCRIPTION)),
            ("PolicyDocument", document(&p.document)),
            ("Roles", Node::List(vec![Node::raw(format!("!Ref {ROLE}"))])),
        ]);
        (
            policy_id(i),
            resource("AWS::IAM::ManagedPolicy", properties),
        )
    }));
    top.push(("Resources", Node::Map(resources)));
    top.push(("Outputs", outputs()));
    let mut out = header(plan, role, "#");
    write_map(&mut out, 0, &Node::map(top));
    out
}

fn resource(kind: &str, properties: Node) -> Node {
    Node::map([("Type", Node::raw(kind)), ("Properties", properties)])
}

fn external_id(id: &str) -> Node {
    Node::map([
        ("Type", Node::raw("String")),
        (
            "Description",
            Node::str(
                "The external ID Activeloop shows in its UI: the role can only be assumed with it.",
            ),
        ),
        ("Default", Node::str(id)),
        ("MinLength", Node::raw("2")),
        ("MaxLength", Node::raw("1224")),
        ("AllowedPattern", Node::str("[A-Za-z0-9_+=,.@:/-]*")),
    ])
}

fn role_resource(plan: &Plan, role: &RolePlan) -> Node {
    let guardrails = &plan.guardrails;
    let mut properties = vec![
        ("RoleName", Node::str(&role.name)),
        ("Path", Node::str(guardrails.path())),
        ("Description", Node::str(&role.description)),
    ];
    if let Some(seconds) = guardrails.max_session_duration {
        properties.push(("MaxSessionDuration", Node::raw(seconds.to_string())));
    }
    if let Some(boundary) = &guardrails.permissions_boundary {
        properties.push(("PermissionsBoundary", boundary_node(boundary)));
    }
    properties.push((
        "AssumeRolePolicyDocument",
        trust(role, &format!("!Ref {EXTERNAL_ID}")),
    ));
    let tags = role_tags(plan)
        .into_iter()
        .map(|(k, v)| Node::map([("Key", Node::Str(k)), ("Value", Node::Str(v))]));
    properties.push(("Tags", Node::List(tags.collect())));
    resource("AWS::IAM::Role", Node::map(properties))
}

/// The boundary in the account the stack is deployed to (see
/// [`account_relative_boundary`](super::account_relative_boundary)).
fn boundary_node(arn: &str) -> Node {
    match super::account_relative_boundary(arn) {
        Some((_, resource)) => Node::raw(format!(
            "!Sub {}",
            quote(&format!(
                "arn:${{AWS::Partition}}:iam::${{AWS::AccountId}}:{resource}"
            ))
        )),
        None => Node::str(arn),
    }
}

fn outputs() -> Node {
    Node::map([(
        "RoleArn",
        Node::map([
            (
                "Description",
                Node::str("Paste this role ARN into the Activeloop UI (managed credentials)."),
            ),
            ("Value", Node::raw(format!("!GetAtt {ROLE}.Arn"))),
        ]),
    )])
}

// ---------------------------------------------------------------------------
// YAML
// ---------------------------------------------------------------------------

/// `node`'s entries at `indent`, one `key: value` per line; nested lists and maps in block
/// style below their key.
fn write_map(out: &mut String, indent: usize, node: &Node) {
    let Node::Map(entries) = node else {
        unreachable!("write_map is given maps")
    };
    for (key, value) in entries {
        out.push_str(&" ".repeat(indent));
        out.push_str(&yaml_key(key));
        out.push(':');
        write_after(out, indent, value);
    }
}

fn write_list(out: &mut String, indent: usize, items: &[Node]) {
    for item in items {
        if item.is_scalar() {
            out.push_str(&format!("{}- {}\n", " ".repeat(indent), scalar(item)));
            continue;
        }
        // A nested map or list starts on the dash's line: write it two columns in, then put
        // the dash in the place of the first line's indentation.
        let mut nested = String::new();
        match item {
            Node::List(inner) => write_list(&mut nested, indent + 2, inner),
            _ => write_map(&mut nested, indent + 2, item),
        }
        out.push_str(&" ".repeat(indent));
        out.push_str("- ");
        out.push_str(&nested[indent + 2..]);
    }
}

/// What follows `key:` — a scalar on the same line, or a block on the next lines.
fn write_after(out: &mut String, indent: usize, value: &Node) {
    match value {
        _ if value.is_scalar() => {
            out.push(' ');
            out.push_str(&scalar(value));
            out.push('\n');
        }
        Node::List(items) => {
            out.push('\n');
            write_list(out, indent + 2, items);
        }
        _ => {
            out.push('\n');
            write_map(out, indent + 2, value);
        }
    }
}

fn scalar(node: &Node) -> String {
    match node {
        Node::Str(s) => quote(s),
        Node::Raw(s) => s.clone(),
        Node::List(_) => "[]".to_string(),
        Node::Map(_) => "{}".to_string(),
    }
}

/// Template keys (`RoleName`, `Statement`) stay plain; others (`sts:ExternalId`) are quoted.
fn yaml_key(key: &str) -> String {
    let mut chars = key.chars();
    let plain = chars.next().is_some_and(|c| c.is_ascii_uppercase())
        && chars.all(|c| c.is_ascii_alphanumeric());
    if plain {
        key.to_string()
    } else {
        quote(key)
    }
}

/// A YAML double-quoted scalar: printable ASCII as is, `"` and `\` escaped, everything else as
/// `\uXXXX` or `\UXXXXXXXX` (so line and paragraph separators, controls and non-ASCII
/// letters all survive YAML 1.1 and 1.2 readers).
pub(crate) fn quote(s: &str) -> String {
    super::double_quoted(s, |c| match c {
        ' '..='~' => None,
        c if (c as u32) <= 0xFFFF => Some(format!("\\u{:04X}", c as u32)),
        c => Some(format!("\\U{:08X}", c as u32)),
    })
}
