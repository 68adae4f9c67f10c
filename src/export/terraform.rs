//! The plan as Terraform (HCL) for the AWS provider: one `aws_iam_policy` and one
//! `aws_iam_role_policy_attachment` per planned policy, the `aws_iam_role` with its guardrails,
//! a `variable "external_id"` when the trust requires one, and `output "role_arn"`. Documents
//! are `jsonencode(...)` of the plan's documents (Terraform sorts their keys; the JSON means
//! the same).

use super::{document, header, role_tags, trust, Node};
use crate::plan::request::POLICY_DESCRIPTION;
use crate::plan::{Plan, RolePlan, OWNER_TAG};

/// The configuration's name for the role resource: `aws_iam_role.role`.
pub(crate) const ROLE: &str = "role";
/// The variable holding the external ID: `var.external_id`.
pub(crate) const EXTERNAL_ID: &str = "external_id";

/// Lists of scalars no longer than this are written on one line.
const INLINE_LIST: usize = 72;

const PROVIDERS: &str = "\
terraform {
  required_providers {
    aws = {
      source = \"hashicorp/aws\"
    }
  }
}
";

/// The name of the `index`th policy's resources: `policy`, `policy_2`, … (as its IAM name is
/// `NAME`, `NAME-2`, …).
pub(crate) fn policy_label(index: usize) -> String {
    match index {
        0 => "policy".to_string(),
        n => format!("policy_{}", n + 1),
    }
}

/// An attribute's value: a plain expression, or `jsonencode(...)` of one.
enum Expr {
    Plain(Node),
    JsonEncode(Node),
}

/// The whole configuration. Same plan, byte-identical text.
pub(crate) fn render(plan: &Plan, role: &RolePlan) -> String {
    let mut out = header(plan, role, "#");
    out.push('\n');
    out.push_str(PROVIDERS);
    if let Some(id) = &role.external_id {
        out.push('\n');
        write_block(
            &mut out,
            &format!("variable {}", quote(EXTERNAL_ID)),
            vec![
                (
                    "description",
                    plain(Node::str(
                        "The external ID Activeloop shows in its UI: the role can only be \
                         assumed with it.",
                    )),
                ),
                ("type", plain(Node::raw("string"))),
                ("default", plain(Node::str(id))),
            ],
        );
    }
    if needs_account(plan) {
        out.push('\n');
        out.push_str(ACCOUNT);
    }
    out.push('\n');
    write_block(
        &mut out,
        &resource("aws_iam_role", ROLE),
        role_resource(plan, role),
    );
    for (i, policy) in plan.policies.iter().enumerate() {
        let label = policy_label(i);
        out.push('\n');
        write_block(
            &mut out,
            &resource("aws_iam_policy", &label),
            vec![
                ("name", plain(Node::str(&policy.name))),
                ("description", plain(Node::str(POLICY_DESCRIPTION))),
                ("policy", Expr::JsonEncode(document(&policy.document))),
                ("tags", plain(tags(&[(OWNER_TAG.0, OWNER_TAG.1)]))),
            ],
        );
        out.push('\n');
        write_block(
            &mut out,
            &resource("aws_iam_role_policy_attachment", &label),
            vec![
                (
                    "role",
                    plain(Node::raw(format!("aws_iam_role.{ROLE}.name"))),
                ),
                (
                    "policy_arn",
                    plain(Node::raw(format!("aws_iam_policy.{label}.arn"))),
                ),
            ],
        );
    }
    out.push('\n');
    write_block(
        &mut out,
        &format!("output {}", quote("role_arn")),
        vec![
            (
                "description",
                plain(Node::str(
                    "Paste this role ARN into the Activeloop UI (managed credentials).",
                )),
            ),
            (
                "value",
                plain(Node::raw(format!("aws_iam_role.{ROLE}.arn"))),
            ),
        ],
    );
    out
}

fn plain(node: Node) -> Expr {
    Expr::Plain(node)
}

fn resource(kind: &str, label: &str) -> String {
    format!("resource {} {}", quote(kind), quote(label))
}

fn role_resource(plan: &Plan, role: &RolePlan) -> Vec<(&'static str, Expr)> {
    let guardrails = &plan.guardrails;
    let mut attrs = vec![
        ("name", plain(Node::str(&role.name))),
        ("path", plain(Node::str(guardrails.path()))),
        ("description", plain(Node::str(&role.description))),
    ];
    if let Some(seconds) = guardrails.max_session_duration {
        attrs.push((
            "max_session_duration",
            plain(Node::raw(seconds.to_string())),
        ));
    }
    if let Some(boundary) = &guardrails.permissions_boundary {
        attrs.push(("permissions_boundary", plain(boundary_node(boundary))));
    }
    let reference = format!("var.{EXTERNAL_ID}");
    attrs.push((
        "assume_role_policy",
        Expr::JsonEncode(trust(role, &reference)),
    ));
    let tags_in_order = role_tags(plan);
    let pairs: Vec<(&str, &str)> = tags_in_order
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    attrs.push(("tags", plain(tags(&pairs))));
    attrs
}

/// The data source that names the account the configuration is applied to.
const ACCOUNT: &str = "data \"aws_caller_identity\" \"current\" {}\n";

/// Whether the boundary is named in the applying account (and needs [`ACCOUNT`]); see
/// [`account_relative_boundary`](super::account_relative_boundary).
fn needs_account(plan: &Plan) -> bool {
    let boundary = plan.guardrails.permissions_boundary.as_deref();
    boundary
        .and_then(super::account_relative_boundary)
        .is_some()
}

fn boundary_node(arn: &str) -> Node {
    match super::account_relative_boundary(arn) {
        // ARN characters need no escaping, and `${...}` here is meant.
        Some((partition, resource)) => Node::raw(format!(
            "\"arn:{partition}:iam::${{data.aws_caller_identity.current.account_id}}:{resource}\""
        )),
        None => Node::str(arn),
    }
}

fn tags(pairs: &[(&str, &str)]) -> Node {
    Node::map(pairs.iter().map(|(k, v)| (*k, Node::str(*v))))
}

// ---------------------------------------------------------------------------
// HCL
// ---------------------------------------------------------------------------

/// `head { attributes }` and a newline.
fn write_block(out: &mut String, head: &str, attrs: Vec<(&str, Expr)>) {
    let attrs: Vec<(String, String)> = attrs
        .into_iter()
        .map(|(key, value)| {
            let text = match value {
                Expr::Plain(node) => expression(&node, 2),
                Expr::JsonEncode(node) => format!("jsonencode({})", expression(&node, 2)),
            };
            (key.to_string(), text)
        })
        .collect();
    out.push_str(head);
    out.push_str(" {\n");
    write_attributes(out, 2, &attrs);
    out.push_str("}\n");
}

/// `key = value` lines at `indent`. As `terraform fmt` does, a run of one-line values gets
/// its `=` aligned, and a value over several lines stands alone.
fn write_attributes(out: &mut String, indent: usize, attrs: &[(String, String)]) {
    let pad = " ".repeat(indent);
    let mut rest = attrs;
    while let Some((first, after)) = rest.split_first() {
        let run = rest.iter().take_while(|(_, v)| !v.contains('\n')).count();
        if run == 0 {
            out.push_str(&format!("{pad}{} = {}\n", first.0, first.1));
            rest = after;
            continue;
        }
        let width = rest[..run].iter().map(|(k, _)| k.chars().count()).max();
        for (key, value) in &rest[..run] {
            let fill = width.unwrap_or(0) - key.chars().count();
            out.push_str(&format!("{pad}{key}{} = {value}\n", " ".repeat(fill)));
        }
        rest = &rest[run..];
    }
}

/// The node as an HCL expression whose first line continues a line indented by `indent`.
fn expression(node: &Node, indent: usize) -> String {
    match node {
        Node::Str(s) => quote(s),
        Node::Raw(s) => s.clone(),
        Node::List(items) => list(items, indent),
        Node::Map(entries) if entries.is_empty() => "{}".to_string(),
        Node::Map(entries) => {
            let attrs: Vec<(String, String)> = entries
                .iter()
                .map(|(k, v)| (key(k), expression(v, indent + 2)))
                .collect();
            let mut out = String::from("{\n");
            write_attributes(&mut out, indent + 2, &attrs);
            out.push_str(&" ".repeat(indent));
            out.push('}');
            out
        }
    }
}

fn list(items: &[Node], indent: usize) -> String {
    if items
        .iter()
        .all(|i| matches!(i, Node::Str(_) | Node::Raw(_)))
    {
        let inline = items
            .iter()
            .map(|i| expression(i, indent))
            .collect::<Vec<_>>()
            .join(", ");
        if inline.chars().count() <= INLINE_LIST {
            return format!("[{inline}]");
        }
    }
    let mut out = String::from("[\n");
    for item in items {
        out.push_str(&format!(
            "{}{},\n",
            " ".repeat(indent + 2),
            expression(item, indent + 2)
        ));
    }
    out.push_str(&" ".repeat(indent));
    out.push(']');
    out
}

/// Object keys: identifiers (`Version`, `AWS`) plain, the rest (`sts:ExternalId`,
/// `managed-by`) quoted.
fn key(k: &str) -> String {
    let mut chars = k.chars();
    let identifier = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if identifier && !matches!(k, "true" | "false" | "null") {
        k.to_string()
    } else {
        quote(k)
    }
}

/// An HCL quoted string: `"` and `\` escaped, control characters as `\n`, `\t`, `\uXXXX`,
/// and `${` / `%{` doubled so that nothing is taken as interpolation or a directive.
pub(crate) fn quote(s: &str) -> String {
    let quoted = super::double_quoted(s, |c| match c {
        '\n' => Some("\\n".to_string()),
        '\r' => Some("\\r".to_string()),
        '\t' => Some("\\t".to_string()),
        c if c.is_control() => Some(format!("\\u{:04X}", c as u32)),
        _ => None,
    });
    quoted.replace("${", "$${").replace("%{", "%%{")
}
