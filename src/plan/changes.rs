//! Typed changes: what `create` will do to IAM, one value per write (or per resource left as
//! it is). `aws::apply` walks them; `render` shows them. `Display` exists only for rendering.

use std::collections::BTreeSet;
use std::fmt;

use serde::Serialize;
use serde_json::json;

use super::cors::CorsRule;
use crate::policy::{self, Effect, PolicyDocument, Principal};

/// Who holds the policies: the role Activeloop assumes, or (`--identity user`) an IAM user
/// with an access key.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Holder {
    Role(String),
    User(String),
}

impl Holder {
    pub(crate) fn name(&self) -> &str {
        match self {
            Holder::Role(name) | Holder::User(name) => name,
        }
    }

    /// `role` or `user`.
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Holder::Role(_) => "role",
            Holder::User(_) => "user",
        }
    }

    /// `the role` or `the user`, for messages about what a change does to it.
    pub(crate) fn the(&self) -> &'static str {
        match self {
            Holder::Role(_) => "the role",
            Holder::User(_) => "the user",
        }
    }

    pub(crate) fn resource(&self) -> Resource {
        match self {
            Holder::Role(name) => Resource::Role(name.clone()),
            Holder::User(name) => Resource::User(name.clone()),
        }
    }

    pub(crate) fn is_user(&self) -> bool {
        matches!(self, Holder::User(_))
    }
}

impl fmt::Display for Holder {
    /// `role NAME` or `user NAME`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.kind(), self.name())
    }
}

/// Something IAM holds, named the way the JSON output names it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Resource {
    Policy(String),
    Role(String),
    User(String),
    /// A user's access key (one per user is what the tool keeps).
    AccessKey {
        user: String,
    },
    Attachment {
        holder: Holder,
        policy: String,
    },
    InlinePolicy {
        holder: Holder,
        name: String,
    },
    /// A bucket's CORS configuration.
    Cors(String),
}

impl fmt::Display for Resource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A role's attachments keep their short names; a user's say so (a role may be named
        // like a user).
        let user = |holder: &Holder| if holder.is_user() { "user-" } else { "" };
        match self {
            Resource::Policy(name) => write!(f, "policy/{name}"),
            Resource::Role(name) => write!(f, "role/{name}"),
            Resource::User(name) => write!(f, "user/{name}"),
            Resource::AccessKey { user } => write!(f, "access-key/{user}"),
            Resource::Attachment { holder, policy } => {
                write!(f, "{}attachment/{}/{policy}", user(holder), holder.name())
            }
            Resource::InlinePolicy { holder, name } => {
                write!(f, "{}inline-policy/{}/{name}", user(holder), holder.name())
            }
            Resource::Cors(bucket) => write!(f, "cors/{bucket}"),
        }
    }
}

/// The kind of a change, for people and for the JSON `action` field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Action {
    Create,
    Update,
    Unchanged,
    Delete,
}

/// One change to IAM. Policy ARNs are `None` only in an offline plan (no account known),
/// which is never applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Change {
    CreatePolicy {
        name: String,
        arn: Option<String>,
        document: PolicyDocument,
    },
    UpdatePolicy {
        name: String,
        arn: String,
        document: PolicyDocument,
        diff: Vec<String>,
    },
    CreateRole {
        name: String,
        trust: PolicyDocument,
        description: String,
        guardrails: super::Guardrails,
    },
    UpdateTrust {
        role: String,
        trust: PolicyDocument,
        diff: Vec<String>,
    },
    /// A new description or session length for an existing role.
    UpdateRole {
        role: String,
        description: Option<String>,
        max_session_duration: Option<u32>,
    },
    /// Set the role's (or user's) permissions boundary.
    SetBoundary {
        holder: Holder,
        arn: String,
    },
    /// Tags to add or change on an existing role or user.
    Tag {
        holder: Holder,
        tags: Vec<(String, String)>,
    },
    /// Tags an earlier run set that are no longer asked for.
    Untag {
        holder: Holder,
        keys: Vec<String>,
    },
    /// `--adopt`: tag a role, user or policy this tool did not create, so later runs own it;
    /// `from` is a policy's default version before, which `delete` restores.
    Adopt {
        resource: Resource,
        arn: String,
        from: Option<String>,
    },
    Attach {
        holder: Holder,
        policy: String,
        arn: Option<String>,
    },
    /// A `NAME-N` policy of an earlier, larger run that this run no longer needs: detached
    /// (journaled, so it can be re-attached)…
    DetachStale {
        holder: Holder,
        policy: String,
        arn: String,
    },
    /// …and, when nothing else uses it, deleted once everything else is done and confirmed.
    DeleteStale {
        policy: String,
        arn: String,
    },
    /// `--prune`: a managed policy attached that the plan does not write. Detached only; the
    /// policy itself is kept.
    DetachForeign {
        holder: Holder,
        arn: String,
    },
    /// `--prune`: an inline policy. Its document is read just before deletion, so a rollback
    /// can put it back.
    DeleteInline {
        holder: Holder,
        name: String,
    },
    /// `--identity user`: the IAM user that holds the policies, with the guardrails IAM
    /// supports for users (path, permissions boundary, tags).
    CreateUser {
        name: String,
        guardrails: super::Guardrails,
    },
    /// The user's one access key; its secret is written once, where the run was told to.
    /// `existing`: the ids of the keys the user has now, so a lost answer is settled by
    /// deleting any other.
    CreateAccessKey {
        user: String,
        existing: Vec<String>,
    },
    /// `--cors`: our rule added to (or replacing an older one of ours in) a bucket's CORS
    /// configuration; its other rules are kept. `region` and `previous` (the rules before)
    /// are None in an offline plan.
    PutCors {
        bucket: String,
        region: Option<String>,
        rule: CorsRule,
        previous: Option<Vec<CorsRule>>,
    },
    Unchanged(Resource),
}

impl Change {
    pub(crate) fn resource(&self) -> Resource {
        let attachment = |holder: &Holder, policy: &str| Resource::Attachment {
            holder: holder.clone(),
            policy: policy.to_string(),
        };
        match self {
            Change::CreatePolicy { name, .. } | Change::UpdatePolicy { name, .. } => {
                Resource::Policy(name.clone())
            }
            Change::CreateRole { name, .. } => Resource::Role(name.clone()),
            Change::UpdateTrust { role, .. } | Change::UpdateRole { role, .. } => {
                Resource::Role(role.clone())
            }
            Change::SetBoundary { holder, .. }
            | Change::Tag { holder, .. }
            | Change::Untag { holder, .. } => holder.resource(),
            Change::Adopt { resource, .. } | Change::Unchanged(resource) => resource.clone(),
            Change::Attach { holder, policy, .. } | Change::DetachStale { holder, policy, .. } => {
                attachment(holder, policy)
            }
            Change::PutCors { bucket, .. } => Resource::Cors(bucket.clone()),
            Change::DeleteStale { policy, .. } => Resource::Policy(policy.clone()),
            Change::DetachForeign { holder, arn } => attachment(holder, policy_name_of(arn)),
            Change::DeleteInline { holder, name } => Resource::InlinePolicy {
                holder: holder.clone(),
                name: name.clone(),
            },
            Change::CreateUser { name, .. } => Resource::User(name.clone()),
            Change::CreateAccessKey { user, .. } => Resource::AccessKey { user: user.clone() },
        }
    }

    pub(crate) fn action(&self) -> Action {
        match self {
            Change::CreatePolicy { .. }
            | Change::CreateRole { .. }
            | Change::Attach { .. }
            | Change::CreateUser { .. }
            | Change::CreateAccessKey { .. } => Action::Create,
            Change::PutCors { previous, rule, .. } => match previous {
                Some(rules) if rules.iter().any(|r| r.has_id(rule.id())) => Action::Update,
                _ => Action::Create,
            },
            Change::UpdatePolicy { .. }
            | Change::UpdateTrust { .. }
            | Change::UpdateRole { .. }
            | Change::SetBoundary { .. }
            | Change::Tag { .. }
            | Change::Untag { .. }
            | Change::Adopt { .. } => Action::Update,
            Change::DetachStale { .. }
            | Change::DeleteStale { .. }
            | Change::DetachForeign { .. }
            | Change::DeleteInline { .. } => Action::Delete,
            Change::Unchanged(_) => Action::Unchanged,
        }
    }

    /// Lines that say what an update or delete changes.
    pub(crate) fn details(&self) -> Vec<String> {
        match self {
            Change::UpdatePolicy { diff, .. } | Change::UpdateTrust { diff, .. } => diff.clone(),
            Change::UpdateRole {
                description,
                max_session_duration,
                ..
            } => {
                let mut out = Vec::new();
                if let Some(d) = description {
                    out.push(format!("~ description: {d}"));
                }
                if let Some(s) = max_session_duration {
                    out.push(format!("~ max session duration: {s} s"));
                }
                out
            }
            Change::SetBoundary { arn, .. } => vec![format!("~ permissions boundary: {arn}")],
            Change::Tag { tags, .. } => {
                tags.iter().map(|(k, v)| format!("+ tag {k}={v}")).collect()
            }
            Change::Untag { keys, .. } => keys.iter().map(|k| format!("- tag {k}")).collect(),
            Change::Adopt { .. } => vec![format!(
                "take over: add the tag {}={}",
                super::OWNER_TAG.0,
                super::OWNER_TAG.1
            )],
            Change::DetachStale { holder, .. } => {
                vec![format!("no longer needed by {}", holder.the())]
            }
            Change::DeleteStale { .. } => {
                vec!["no longer needed and used by nothing else: deleted".to_string()]
            }
            Change::DetachForeign { arn, .. } => {
                vec![format!("--prune: detach {arn} (the policy itself is kept)")]
            }
            Change::DeleteInline { .. } => {
                vec!["--prune: delete this inline policy".to_string()]
            }
            Change::PutCors { rule, previous, .. } => cors_details(rule, previous.as_deref()),
            _ => Vec::new(),
        }
    }

    /// What was done, once it is done: `created policy NAME`.
    pub(crate) fn done(&self) -> String {
        match self {
            Change::CreatePolicy { name, .. } => format!("created policy {name}"),
            Change::UpdatePolicy { name, .. } => format!("updated policy {name}"),
            Change::CreateRole { name, .. } => format!("created role {name}"),
            Change::UpdateTrust { role, .. } => format!("updated the trust policy of role {role}"),
            Change::UpdateRole { role, .. } => format!("updated the settings of role {role}"),
            Change::SetBoundary { holder, arn } => {
                format!("set the permissions boundary of {holder} to {arn}")
            }
            Change::Tag { holder, .. } => format!("tagged {holder}"),
            Change::Untag { holder, keys } => {
                format!("removed tag(s) {} from {holder}", keys.join(", "))
            }
            Change::Adopt { resource, .. } => format!(
                "adopted {resource} (tagged {}={})",
                super::OWNER_TAG.0,
                super::OWNER_TAG.1
            ),
            Change::Attach { holder, policy, .. } => {
                format!("attached {policy} to {}", holder.the())
            }
            Change::DetachStale { holder, policy, .. } => {
                format!("detached {policy} from {} (no longer needed)", holder.the())
            }
            Change::DeleteStale { policy, .. } => {
                format!("deleted policy {policy} (no longer needed)")
            }
            Change::DetachForeign { holder, arn } => {
                format!("detached {arn} from {} (the policy is kept)", holder.the())
            }
            Change::DeleteInline { name, .. } => format!("deleted inline policy {name}"),
            Change::CreateUser { name, .. } => format!("created user {name}"),
            // The key's id is said by whoever received it (see `aws::keys`).
            Change::CreateAccessKey { user, .. } => {
                format!("created an access key for user {user}")
            }
            Change::PutCors { bucket, rule, .. } => {
                format!("set the CORS rule {} on bucket {bucket}", rule.id())
            }
            Change::Unchanged(resource) => format!("{resource} unchanged"),
        }
    }
}

/// What a CORS change does: our rule as it will be, and what happens to the others.
fn cors_details(rule: &CorsRule, previous: Option<&[CorsRule]>) -> Vec<String> {
    let id = rule.id();
    let mut out = vec![format!(
        "+ rule {id}: {} from {}",
        rule.allowed_methods.join(", "),
        rule.allowed_origins.join(", ")
    )];
    match previous {
        None => out.push("(offline: the bucket's other rules were not read; they are kept)".into()),
        Some(rules) => {
            if let Some(old) = rules.iter().find(|r| r.has_id(id)) {
                out.insert(
                    0,
                    format!(
                        "- rule {id}: {} from {}",
                        old.allowed_methods.join(", "),
                        old.allowed_origins.join(", ")
                    ),
                );
            }
            let others = rules.iter().filter(|r| !r.has_id(id)).count();
            if others > 0 {
                out.push(format!("{others} other rule(s) kept as they are"));
            }
        }
    }
    out
}

/// The name at the end of a policy ARN (`arn:aws:iam::aws:policy/job-function/X` → `X`).
pub(crate) fn policy_name_of(arn: &str) -> &str {
    arn.rsplit('/').next().unwrap_or(arn)
}

/// How an existing document compares with the one we would write.
pub(crate) fn compare(current: &PolicyDocument, desired: &PolicyDocument) -> Option<Vec<String>> {
    if current.same_meaning(desired) {
        return None;
    }
    let (was, will) = (grant_lines(current), grant_lines(desired));
    let mut details: Vec<String> = was.difference(&will).map(|l| format!("- {l}")).collect();
    details.extend(will.difference(&was).map(|l| format!("+ {l}")));
    if details.is_empty() {
        details.push("~ statement ids or layout".to_string());
    }
    Some(details)
}

/// A document as one line per target: `TARGET: ACTIONS [when CONDITIONS]`, for diffs.
pub(crate) fn grant_lines(doc: &PolicyDocument) -> BTreeSet<String> {
    let mut lines = BTreeSet::new();
    for st in &doc.statement {
        let actions: BTreeSet<&str> = st.action.iter().map(String::as_str).collect();
        let actions = actions.into_iter().collect::<Vec<_>>().join(" ");
        let mut targets = st.resource.clone();
        if let Some(Principal::Map(p)) = &st.principal {
            let named = p.aws.iter().chain(&p.service).chain(&p.federated);
            targets.extend(
                named
                    .chain(&p.canonical_user)
                    .map(|a| format!("principal {a}")),
            );
        }
        let when = match st.condition.is_empty() {
            true => String::new(),
            false => format!(" when {}", policy::canonical(&json!(st.condition))),
        };
        let deny = if st.effect == Effect::Deny {
            "DENY "
        } else {
            ""
        };
        for target in targets {
            lines.insert(format!("{deny}{target}: {actions}{when}"));
        }
    }
    lines
}
