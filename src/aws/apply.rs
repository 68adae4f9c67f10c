//! The writes. `apply` walks the plan's typed changes in three waves — everything that needs
//! no other write first (policies and the role, side by side), then the attachments, then the
//! removal of policies no longer needed — running each wave's writes concurrently, a few at a
//! time for IAM's rate limits. Every write is recorded in a [`Journal`] as soon as it is done,
//! so a failure (or Ctrl-C) midway can undo exactly what this run did, newest first.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};

use anyhow::{anyhow, Result};
use aws_sdk_iam::types::{PolicyVersion, Tag};
use aws_sdk_iam::Client;
use futures::stream::{self, StreamExt};

use super::retry::{eventually, is_propagation, Backoff};
use super::{AwsResult, Event, Progress, IAM_WRITES};
use crate::cancel::Cancel;
use crate::exit::Cancelled;
use crate::plan::{Change, Guardrails, Plan, Resource, OWNER_TAG};
use crate::policy::{parse_iam_document, PolicyDocument};

/// IAM keeps at most this many versions of a managed policy.
pub const MAX_POLICY_VERSIONS: usize = 5;

/// One write this run made, described by how to take it back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Undo {
    DeletePolicy {
        arn: String,
    },
    DeleteRole {
        name: String,
    },
    Detach {
        role: String,
        arn: String,
    },
    RestorePolicyVersion {
        arn: String,
        previous: String,
        created: String,
    },
    RestoreTrust {
        role: String,
        document: String,
    },
    /// An adopted role or policy: take our tag off again.
    Untag {
        resource: Resource,
        arn: String,
    },
    /// `--prune` detached a policy: attach it again.
    Reattach {
        role: String,
        arn: String,
    },
    /// `--prune` deleted an inline policy: put its document back.
    PutInline {
        role: String,
        name: String,
        document: String,
    },
}

impl fmt::Display for Undo {
    /// What the undo does, as a task: "delete policy ARN".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Undo::DeletePolicy { arn } => write!(f, "delete policy {arn}"),
            Undo::DeleteRole { name } => write!(f, "delete role {name}"),
            Undo::Detach { role, arn } => write!(f, "detach {arn} from role {role}"),
            Undo::RestorePolicyVersion { arn, previous, .. } => {
                write!(f, "restore policy {arn} to version {previous}")
            }
            Undo::RestoreTrust { role, .. } => write!(f, "restore the trust policy of role {role}"),
            Undo::Reattach { role, arn } => write!(f, "attach {arn} to role {role} again"),
            Undo::PutInline { role, name, .. } => {
                write!(f, "put inline policy {name} back on role {role}")
            }
            Undo::Untag { resource, .. } => {
                write!(
                    f,
                    "remove the {}={} tag from {resource}",
                    OWNER_TAG.0, OWNER_TAG.1
                )
            }
        }
    }
}

/// The writes made so far.
#[derive(Debug, Clone, Default)]
pub struct Journal(Arc<Mutex<Vec<Undo>>>);

impl Journal {
    fn record(&self, undo: Undo) {
        self.0.lock().expect("journal lock").push(undo);
    }

    pub fn take(&self) -> Vec<Undo> {
        std::mem::take(&mut *self.0.lock().expect("journal lock"))
    }

    pub fn is_empty(&self) -> bool {
        self.0.lock().expect("journal lock").is_empty()
    }
}

/// What `apply` needs besides the client.
pub struct Writer<'a> {
    pub iam: &'a Client,
    pub journal: &'a Journal,
    pub backoff: Backoff,
    pub cancel: &'a Cancel,
    pub progress: Progress<'a>,
}

fn tag_of(key: &str, value: &str) -> Tag {
    Tag::builder()
        .key(key)
        .value(value)
        .build()
        .expect("key and value are set")
}

fn owner_tag() -> Tag {
    tag_of(OWNER_TAG.0, OWNER_TAG.1)
}

/// Bring IAM to the plan.
pub async fn apply(w: &Writer<'_>, plan: &Plan) -> Result<()> {
    let in_wave = |n: usize| plan.changes.iter().filter(move |c| wave_of(c) == n);
    let mut arns = wave(w, in_wave(0), &HashMap::new()).await?;
    arns.extend(wave(w, in_wave(1), &arns).await?);
    wave(w, in_wave(2), &arns).await?;
    Ok(())
}

/// Policies and the role first, then attachments (which need both), then removals.
fn wave_of(change: &Change) -> usize {
    match change {
        Change::Attach { .. } => 1,
        Change::DeleteStale { .. } | Change::DetachForeign { .. } | Change::DeleteInline { .. } => {
            2
        }
        _ => 0,
    }
}

/// Run changes concurrently; wait for every started write to finish (so none is left with
/// an unknown outcome), then report the first failure. Returns created policies' ARNs.
async fn wave<'c>(
    w: &Writer<'_>,
    changes: impl Iterator<Item = &'c Change>,
    arns: &HashMap<String, String>,
) -> Result<HashMap<String, String>> {
    let results: Vec<Result<Option<(String, String)>>> = stream::iter(changes)
        .map(|c| write(w, c, arns))
        .buffer_unordered(IAM_WRITES)
        .collect()
        .await;
    let mut created = HashMap::new();
    for result in results {
        created.extend(result?);
    }
    Ok(created)
}

/// One change. A created policy's name and ARN come back for the attachments.
async fn write(
    w: &Writer<'_>,
    change: &Change,
    arns: &HashMap<String, String>,
) -> Result<Option<(String, String)>> {
    if w.cancel.is_cancelled() {
        return Err(Cancelled("interrupted".into()).into());
    }
    let mut created = None;
    match change {
        Change::CreatePolicy { name, document, .. } => {
            let arn = create_policy(w, name, document).await?;
            created = Some((name.clone(), arn));
        }
        Change::UpdatePolicy { arn, document, .. } => update_policy(w, arn, document).await?,
        Change::CreateRole {
            name,
            trust,
            description,
            guardrails,
        } => create_role(w, name, trust, description, guardrails).await?,
        Change::UpdateTrust { role, trust, .. } => update_trust(w, role, trust).await?,
        Change::Adopt { resource, arn } => tag(w, resource, arn).await?,
        Change::Attach { role, policy, arn } => {
            let arn = arns
                .get(policy)
                .or(arn.as_ref())
                .ok_or_else(|| anyhow!("policy {policy} has no ARN: the plan is offline"))?;
            attach(w, role, arn).await?;
        }
        Change::DeleteStale { role, arn, .. } => {
            detach(w.iam, role, arn).await?;
            delete_policy(w.iam, arn).await?;
        }
        Change::DetachForeign { role, arn } => prune_attachment(w, role, arn).await?,
        Change::DeleteInline { role, name } => delete_inline(w, role, name).await?,
        Change::Unchanged(_) => return Ok(None),
    }
    (w.progress)(Event::Done(change.done()));
    Ok(created)
}

async fn create_policy(w: &Writer<'_>, name: &str, document: &PolicyDocument) -> Result<String> {
    let out = w
        .iam
        .create_policy()
        .policy_name(name)
        .policy_document(document.to_compact())
        .description("S3 access for Activeloop Deep Lake. Managed by provision-role.")
        .tags(owner_tag())
        .send()
        .await
        .aws("iam:CreatePolicy", format!("policy {name}"))?;
    let arn = out
        .policy()
        .and_then(|p| p.arn())
        .unwrap_or_default()
        .to_string();
    w.journal.record(Undo::DeletePolicy { arn: arn.clone() });
    Ok(arn)
}

/// Make `document` the policy's default version, first deleting the oldest non-default version
/// when IAM's limit of five is reached.
async fn update_policy(w: &Writer<'_>, arn: &str, document: &PolicyDocument) -> Result<()> {
    let iam = w.iam;
    let versions = policy_versions(iam, arn).await?;
    let previous = versions
        .iter()
        .find(|v| v.is_default_version())
        .and_then(|v| v.version_id().map(str::to_string))
        .unwrap_or_default();
    if versions.len() >= MAX_POLICY_VERSIONS {
        let oldest = versions
            .iter()
            .filter(|v| !v.is_default_version())
            .min_by_key(|v| v.create_date().map(|d| (d.secs(), d.subsec_nanos())))
            .and_then(|v| v.version_id());
        if let Some(oldest) = oldest {
            iam.delete_policy_version()
                .policy_arn(arn)
                .version_id(oldest)
                .send()
                .await
                .aws(
                    "iam:DeletePolicyVersion",
                    format!("policy {arn} version {oldest}"),
                )?;
            (w.progress)(Event::Found(format!(
                "deleted the oldest version {oldest} of {arn} (IAM keeps 5)"
            )));
        }
    }
    let out = iam
        .create_policy_version()
        .policy_arn(arn)
        .policy_document(document.to_compact())
        .set_as_default(true)
        .send()
        .await
        .aws("iam:CreatePolicyVersion", format!("policy {arn}"))?;
    let created = out
        .policy_version()
        .and_then(|v| v.version_id())
        .unwrap_or_default()
        .to_string();
    w.journal.record(Undo::RestorePolicyVersion {
        arn: arn.to_string(),
        previous,
        created,
    });
    Ok(())
}

async fn create_role(
    w: &Writer<'_>,
    name: &str,
    trust: &PolicyDocument,
    description: &str,
    guardrails: &Guardrails,
) -> Result<()> {
    let tags = guardrails.tags.iter().map(|(k, v)| tag_of(k, v));
    w.iam
        .create_role()
        .role_name(name)
        .path(&guardrails.path)
        .assume_role_policy_document(trust.to_compact())
        .description(description)
        .set_permissions_boundary(guardrails.permissions_boundary.clone())
        .set_max_session_duration(guardrails.max_session_duration.map(|s| s as i32))
        .set_tags(Some(std::iter::once(owner_tag()).chain(tags).collect()))
        .send()
        .await
        .aws("iam:CreateRole", format!("role {name}"))?;
    w.journal.record(Undo::DeleteRole {
        name: name.to_string(),
    });
    Ok(())
}

async fn update_trust(w: &Writer<'_>, role: &str, trust: &PolicyDocument) -> Result<()> {
    let current = w
        .iam
        .get_role()
        .role_name(role)
        .send()
        .await
        .aws("iam:GetRole", format!("role {role}"))?;
    let previous = current
        .role()
        .and_then(|r| r.assume_role_policy_document())
        .map(|d| parse_iam_document(d).map(|v| v.to_string()))
        .transpose()?
        .unwrap_or_default();
    put_trust(w.iam, role, &trust.to_compact()).await?;
    w.journal.record(Undo::RestoreTrust {
        role: role.to_string(),
        document: previous,
    });
    Ok(())
}

async fn put_trust(iam: &Client, role: &str, document: &str) -> Result<()> {
    iam.update_assume_role_policy()
        .role_name(role)
        .policy_document(document)
        .send()
        .await
        .aws("iam:UpdateAssumeRolePolicy", format!("role {role}"))?;
    Ok(())
}

/// With `--adopt`, a role or policy we take over gets our tag, so later runs know it is ours.
async fn tag(w: &Writer<'_>, resource: &Resource, arn: &str) -> Result<()> {
    match resource {
        Resource::Role(name) => {
            w.iam
                .tag_role()
                .role_name(name)
                .tags(owner_tag())
                .send()
                .await
                .aws("iam:TagRole", format!("role {name}"))?;
        }
        _ => {
            w.iam
                .tag_policy()
                .policy_arn(arn)
                .tags(owner_tag())
                .send()
                .await
                .aws("iam:TagPolicy", format!("policy {arn}"))?;
        }
    }
    w.journal.record(Undo::Untag {
        resource: resource.clone(),
        arn: arn.to_string(),
    });
    Ok(())
}

/// Attach, waiting out IAM's propagation delay for a policy or role created a moment ago.
async fn attach(w: &Writer<'_>, role: &str, arn: &str) -> Result<()> {
    eventually(w.backoff, is_propagation, w.progress, || async {
        w.iam
            .attach_role_policy()
            .role_name(role)
            .policy_arn(arn)
            .send()
            .await
            .aws("iam:AttachRolePolicy", format!("role {role}, policy {arn}"))
    })
    .await?;
    w.journal.record(Undo::Detach {
        role: role.to_string(),
        arn: arn.to_string(),
    });
    Ok(())
}

pub async fn detach(iam: &Client, role: &str, arn: &str) -> Result<()> {
    iam.detach_role_policy()
        .role_name(role)
        .policy_arn(arn)
        .send()
        .await
        .aws("iam:DetachRolePolicy", format!("role {role}, policy {arn}"))?;
    Ok(())
}

/// `--prune`: detach a policy the plan does not write (never delete it).
async fn prune_attachment(w: &Writer<'_>, role: &str, arn: &str) -> Result<()> {
    detach(w.iam, role, arn).await?;
    w.journal.record(Undo::Reattach {
        role: role.to_string(),
        arn: arn.to_string(),
    });
    Ok(())
}

/// `--prune`: delete an inline policy, keeping its document so a rollback can put it back.
async fn delete_inline(w: &Writer<'_>, role: &str, name: &str) -> Result<()> {
    let resource = || format!("role {role}, inline policy {name}");
    let out = w
        .iam
        .get_role_policy()
        .role_name(role)
        .policy_name(name)
        .send()
        .await
        .aws("iam:GetRolePolicy", resource())?;
    let document = parse_iam_document(out.policy_document())?.to_string();
    w.iam
        .delete_role_policy()
        .role_name(role)
        .policy_name(name)
        .send()
        .await
        .aws("iam:DeleteRolePolicy", resource())?;
    w.journal.record(Undo::PutInline {
        role: role.to_string(),
        name: name.to_string(),
        document,
    });
    Ok(())
}

async fn put_inline(iam: &Client, role: &str, name: &str, document: &str) -> Result<()> {
    iam.put_role_policy()
        .role_name(role)
        .policy_name(name)
        .policy_document(document)
        .send()
        .await
        .aws(
            "iam:PutRolePolicy",
            format!("role {role}, inline policy {name}"),
        )?;
    Ok(())
}

async fn policy_versions(iam: &Client, arn: &str) -> Result<Vec<PolicyVersion>> {
    Ok(iam
        .list_policy_versions()
        .policy_arn(arn)
        .send()
        .await
        .aws("iam:ListPolicyVersions", format!("policy {arn}"))?
        .versions
        .unwrap_or_default())
}

/// Delete a managed policy: its non-default versions first, as IAM requires.
pub async fn delete_policy(iam: &Client, arn: &str) -> Result<()> {
    let versions = policy_versions(iam, arn).await?;
    for v in versions.iter().filter(|v| !v.is_default_version()) {
        let id = v.version_id().unwrap_or_default();
        iam.delete_policy_version()
            .policy_arn(arn)
            .version_id(id)
            .send()
            .await
            .aws(
                "iam:DeletePolicyVersion",
                format!("policy {arn} version {id}"),
            )?;
    }
    iam.delete_policy()
        .policy_arn(arn)
        .send()
        .await
        .aws("iam:DeletePolicy", format!("policy {arn}"))?;
    Ok(())
}

async fn undo(iam: &Client, step: &Undo) -> Result<()> {
    match step {
        Undo::DeletePolicy { arn } => delete_policy(iam, arn).await,
        Undo::DeleteRole { name } => {
            iam.delete_role()
                .role_name(name)
                .send()
                .await
                .aws("iam:DeleteRole", format!("role {name}"))?;
            Ok(())
        }
        Undo::Detach { role, arn } => detach(iam, role, arn).await,
        Undo::RestorePolicyVersion {
            arn,
            previous,
            created,
        } => {
            iam.set_default_policy_version()
                .policy_arn(arn)
                .version_id(previous)
                .send()
                .await
                .aws("iam:SetDefaultPolicyVersion", format!("policy {arn}"))?;
            iam.delete_policy_version()
                .policy_arn(arn)
                .version_id(created)
                .send()
                .await
                .aws(
                    "iam:DeletePolicyVersion",
                    format!("policy {arn} version {created}"),
                )?;
            Ok(())
        }
        Undo::RestoreTrust { role, document } => put_trust(iam, role, document).await,
        Undo::Untag { resource, arn } => untag(iam, resource, arn).await,
        Undo::Reattach { role, arn } => {
            iam.attach_role_policy()
                .role_name(role)
                .policy_arn(arn)
                .send()
                .await
                .aws("iam:AttachRolePolicy", format!("role {role}, policy {arn}"))?;
            Ok(())
        }
        Undo::PutInline {
            role,
            name,
            document,
        } => put_inline(iam, role, name, document).await,
    }
}

async fn untag(iam: &Client, resource: &Resource, arn: &str) -> Result<()> {
    match resource {
        Resource::Role(name) => {
            iam.untag_role()
                .role_name(name)
                .tag_keys(OWNER_TAG.0)
                .send()
                .await
                .aws("iam:UntagRole", format!("role {name}"))?;
        }
        _ => {
            iam.untag_policy()
                .policy_arn(arn)
                .tag_keys(OWNER_TAG.0)
                .send()
                .await
                .aws("iam:UntagPolicy", format!("policy {arn}"))?;
        }
    }
    Ok(())
}

/// What a rollback did: the steps undone, and those that could not be (with why).
#[derive(Debug, Default)]
pub struct Rollback {
    pub undone: Vec<String>,
    pub failed: Vec<String>,
}

/// Undo the journal's writes, newest first. Keeps going past a failed step, so as little as
/// possible is left behind, and reports each step.
pub async fn rollback(iam: &Client, journal: &Journal) -> Rollback {
    let mut report = Rollback::default();
    for step in journal.take().iter().rev() {
        match undo(iam, step).await {
            Ok(()) => report.undone.push(step.to_string()),
            Err(e) => report.failed.push(format!("could not {step}: {e:#}")),
        }
    }
    report
}

#[cfg(test)]
mod prune_tests;
#[cfg(test)]
mod tests;
