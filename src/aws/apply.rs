//! The writes: policies, role, attachments, in that order, each recorded in a [`Journal`] so a
//! failure (or Ctrl-C) midway can undo exactly what this run did, newest first.

use std::sync::{Arc, Mutex};

use anyhow::Result;
use aws_sdk_iam::types::{PolicyVersion, Tag};
use aws_sdk_iam::Client;

use super::retry::{eventually, is_propagation, Backoff};
use super::AwsError;
use crate::output;
use crate::plan::{Action, Plan, PlannedPolicy, OWNER_TAG};

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
}

impl std::fmt::Display for Undo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Undo::DeletePolicy { arn } => write!(f, "deleted policy {arn}"),
            Undo::DeleteRole { name } => write!(f, "deleted role {name}"),
            Undo::Detach { role, arn } => write!(f, "detached {arn} from role {role}"),
            Undo::RestorePolicyVersion { arn, previous, .. } => {
                write!(f, "restored policy {arn} to version {previous}")
            }
            Undo::RestoreTrust { role, .. } => {
                write!(f, "restored the trust policy of role {role}")
            }
        }
    }
}

/// The writes made so far, shared with the Ctrl-C handler.
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

fn owner_tag() -> Tag {
    Tag::builder()
        .key(OWNER_TAG.0)
        .value(OWNER_TAG.1)
        .build()
        .expect("key and value are set")
}

fn change_of(plan: &Plan, resource: &str) -> Action {
    plan.changes
        .iter()
        .find(|c| c.resource == resource)
        .map_or(Action::Unchanged, |c| c.action)
}

/// Bring IAM to the plan. Every write is recorded in `journal` before the next one starts.
pub async fn apply(iam: &Client, plan: &Plan, journal: &Journal, backoff: Backoff) -> Result<()> {
    let role = plan.role_name.as_str();
    let mut arns = Vec::new();
    for policy in &plan.policies {
        let arn = match change_of(plan, &format!("policy/{}", policy.name)) {
            Action::Create => create_policy(iam, policy, journal).await?,
            Action::Update => {
                let arn = policy.arn.clone().expect("an existing policy has an ARN");
                update_policy(iam, &arn, &policy.document.to_compact(), journal).await?;
                arn
            }
            _ => policy.arn.clone().expect("an existing policy has an ARN"),
        };
        arns.push(arn);
    }
    match change_of(plan, &format!("role/{role}")) {
        Action::Create => create_role(iam, plan, journal).await?,
        Action::Update => update_trust(iam, role, &plan.trust.to_compact(), journal).await?,
        _ => {}
    }
    tag_adopted(iam, plan, &arns).await?;
    for (policy, arn) in plan.policies.iter().zip(&arns) {
        if change_of(plan, &format!("attachment/{role}/{}", policy.name)) == Action::Create {
            attach(iam, role, arn, journal, backoff).await?;
        }
    }
    for stale in &plan.stale {
        detach(iam, role, &stale.arn).await?;
        delete_policy(iam, &stale.arn).await?;
        output::step(&format!("deleted policy {} (no longer needed)", stale.name));
    }
    Ok(())
}

async fn create_policy(iam: &Client, policy: &PlannedPolicy, journal: &Journal) -> Result<String> {
    let out = iam
        .create_policy()
        .policy_name(&policy.name)
        .policy_document(policy.document.to_compact())
        .description("S3 access for Activeloop Deep Lake. Managed by provision-role.")
        .tags(owner_tag())
        .send()
        .await
        .map_err(|e| AwsError::new("iam:CreatePolicy", format!("policy {}", policy.name), &e))?;
    let arn = out
        .policy()
        .and_then(|p| p.arn())
        .unwrap_or_default()
        .to_string();
    journal.record(Undo::DeletePolicy { arn: arn.clone() });
    output::step(&format!("created policy {}", policy.name));
    Ok(arn)
}

/// Make `document` the policy's default version, first deleting the oldest non-default version
/// when IAM's limit of five is reached.
pub async fn update_policy(
    iam: &Client,
    arn: &str,
    document: &str,
    journal: &Journal,
) -> Result<()> {
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
                .map_err(|e| {
                    AwsError::new(
                        "iam:DeletePolicyVersion",
                        format!("policy {arn} version {oldest}"),
                        &e,
                    )
                })?;
            output::verbose(&format!(
                "deleted the oldest version {oldest} of {arn} (IAM keeps 5)"
            ));
        }
    }
    let out = iam
        .create_policy_version()
        .policy_arn(arn)
        .policy_document(document)
        .set_as_default(true)
        .send()
        .await
        .map_err(|e| AwsError::new("iam:CreatePolicyVersion", format!("policy {arn}"), &e))?;
    let created = out
        .policy_version()
        .and_then(|v| v.version_id())
        .unwrap_or_default()
        .to_string();
    journal.record(Undo::RestorePolicyVersion {
        arn: arn.to_string(),
        previous,
        created: created.clone(),
    });
    output::step(&format!("updated policy {arn} (now version {created})"));
    Ok(())
}

async fn create_role(iam: &Client, plan: &Plan, journal: &Journal) -> Result<()> {
    iam.create_role()
        .role_name(&plan.role_name)
        .assume_role_policy_document(plan.trust.to_compact())
        .description(&plan.description)
        .tags(owner_tag())
        .send()
        .await
        .map_err(|e| AwsError::new("iam:CreateRole", format!("role {}", plan.role_name), &e))?;
    journal.record(Undo::DeleteRole {
        name: plan.role_name.clone(),
    });
    output::step(&format!("created role {}", plan.role_name));
    Ok(())
}

async fn update_trust(iam: &Client, role: &str, document: &str, journal: &Journal) -> Result<()> {
    let current = iam
        .get_role()
        .role_name(role)
        .send()
        .await
        .map_err(|e| AwsError::new("iam:GetRole", format!("role {role}"), &e))?;
    let previous = current
        .role()
        .and_then(|r| r.assume_role_policy_document())
        .map(|d| crate::plan::document::parse_iam_document(d).map(|v| v.to_string()))
        .transpose()?
        .unwrap_or_default();
    iam.update_assume_role_policy()
        .role_name(role)
        .policy_document(document)
        .send()
        .await
        .map_err(|e| AwsError::new("iam:UpdateAssumeRolePolicy", format!("role {role}"), &e))?;
    journal.record(Undo::RestoreTrust {
        role: role.to_string(),
        document: previous,
    });
    output::step(&format!("updated the trust policy of role {role}"));
    Ok(())
}

/// With `--adopt`, a role or policy we take over gets our tag, so later runs know it is ours.
async fn tag_adopted(iam: &Client, plan: &Plan, arns: &[String]) -> Result<()> {
    for resource in &plan.adopted {
        if let Some(role) = resource.strip_prefix("role/") {
            iam.tag_role()
                .role_name(role)
                .tags(owner_tag())
                .send()
                .await
                .map_err(|e| AwsError::new("iam:TagRole", format!("role {role}"), &e))?;
        }
        let named = |p: &&PlannedPolicy| resource == &format!("policy/{}", p.name);
        if let Some(i) = plan.policies.iter().position(|p| named(&p)) {
            iam.tag_policy()
                .policy_arn(&arns[i])
                .tags(owner_tag())
                .send()
                .await
                .map_err(|e| AwsError::new("iam:TagPolicy", format!("policy {}", arns[i]), &e))?;
        }
        output::step(&format!(
            "adopted {resource} (tagged {}={})",
            OWNER_TAG.0, OWNER_TAG.1
        ));
    }
    Ok(())
}

/// Attach, waiting out IAM's propagation delay for a policy or role created a moment ago.
pub async fn attach(
    iam: &Client,
    role: &str,
    arn: &str,
    journal: &Journal,
    backoff: Backoff,
) -> Result<()> {
    eventually(backoff, is_propagation, || async {
        iam.attach_role_policy()
            .role_name(role)
            .policy_arn(arn)
            .send()
            .await
            .map_err(|e| {
                AwsError::new(
                    "iam:AttachRolePolicy",
                    format!("role {role}, policy {arn}"),
                    &e,
                )
            })
    })
    .await?;
    journal.record(Undo::Detach {
        role: role.to_string(),
        arn: arn.to_string(),
    });
    output::step(&format!(
        "attached {} to the role",
        arn.rsplit('/').next().unwrap_or(arn)
    ));
    Ok(())
}

pub async fn detach(iam: &Client, role: &str, arn: &str) -> Result<()> {
    iam.detach_role_policy()
        .role_name(role)
        .policy_arn(arn)
        .send()
        .await
        .map_err(|e| {
            AwsError::new(
                "iam:DetachRolePolicy",
                format!("role {role}, policy {arn}"),
                &e,
            )
        })?;
    Ok(())
}

async fn policy_versions(iam: &Client, arn: &str) -> Result<Vec<PolicyVersion>> {
    Ok(iam
        .list_policy_versions()
        .policy_arn(arn)
        .send()
        .await
        .map_err(|e| AwsError::new("iam:ListPolicyVersions", format!("policy {arn}"), &e))?
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
            .map_err(|e| {
                AwsError::new(
                    "iam:DeletePolicyVersion",
                    format!("policy {arn} version {id}"),
                    &e,
                )
            })?;
    }
    iam.delete_policy()
        .policy_arn(arn)
        .send()
        .await
        .map_err(|e| AwsError::new("iam:DeletePolicy", format!("policy {arn}"), &e))?;
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
                .map_err(|e| AwsError::new("iam:DeleteRole", format!("role {name}"), &e))?;
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
                .map_err(|e| {
                    AwsError::new("iam:SetDefaultPolicyVersion", format!("policy {arn}"), &e)
                })?;
            iam.delete_policy_version()
                .policy_arn(arn)
                .version_id(created)
                .send()
                .await
                .map_err(|e| {
                    AwsError::new(
                        "iam:DeletePolicyVersion",
                        format!("policy {arn} version {created}"),
                        &e,
                    )
                })?;
            Ok(())
        }
        Undo::RestoreTrust { role, document } => {
            iam.update_assume_role_policy()
                .role_name(role)
                .policy_document(document)
                .send()
                .await
                .map_err(|e| {
                    AwsError::new("iam:UpdateAssumeRolePolicy", format!("role {role}"), &e)
                })?;
            Ok(())
        }
    }
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
            Err(e) => report.failed.push(format!("{step}: {e:#}")),
        }
    }
    report
}

#[cfg(test)]
mod tests;
