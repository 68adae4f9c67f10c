//! Deletion of a role and its policies.
//!
//! Only a role this tool created (tagged `managed-by=provision-role`) is deleted. Its managed
//! policies are detached; those the tool created are deleted too, unless something else also
//! uses them. Policies the tool did not create are detached (IAM will not delete a role with
//! attachments) but never deleted. Inline policies belong to the role and go with it.

use anyhow::{bail, Context, Result};
use aws_sdk_iam::Client;
use futures::stream::{self, StreamExt, TryStreamExt};

use super::apply::{delete_policy, detach};
use super::retry::{eventually, Backoff};
use super::{AwsResult, Event, Progress, IAM_READS};
use crate::plan::OWNER_TAG;

/// A managed policy attached to the role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attached {
    pub arn: String,
    /// Created by this tool (tagged).
    pub owned: bool,
    /// Attached to other roles, users or groups as well.
    pub shared: bool,
}

/// The role and everything that hangs on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inventory {
    pub role_name: String,
    pub role_arn: String,
    pub owned: bool,
    pub attached: Vec<Attached>,
    /// Names of its inline policies.
    pub inline: Vec<String>,
    /// Names of the instance profiles that contain it.
    pub instance_profiles: Vec<String>,
}

/// One write of a deletion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    DeleteInline {
        role: String,
        name: String,
    },
    /// `keep` says why the policy stays after being detached, if it does.
    Detach {
        role: String,
        arn: String,
        keep: Option<&'static str>,
    },
    DeletePolicy {
        arn: String,
    },
    DeleteRole {
        name: String,
        arn: String,
    },
}

impl Step {
    /// What the step will do.
    pub fn todo(&self) -> String {
        match self {
            Step::DeleteInline { name, .. } => format!("delete inline policy {name}"),
            Step::Detach {
                arn,
                keep: Some(why),
                ..
            } => format!("detach policy {arn} ({why}: it is kept)"),
            Step::Detach { arn, .. } => format!("detach policy {arn}"),
            Step::DeletePolicy { arn } => format!("delete policy {arn} (all versions)"),
            Step::DeleteRole { arn, .. } => format!("delete role {arn}"),
        }
    }

    /// What the step did.
    pub fn done(&self) -> String {
        match self {
            Step::DeleteInline { name, .. } => format!("deleted inline policy {name}"),
            Step::Detach {
                arn,
                keep: Some(why),
                ..
            } => format!("detached policy {arn} ({why}: kept)"),
            Step::Detach { arn, .. } => format!("detached policy {arn}"),
            Step::DeletePolicy { arn } => format!("deleted policy {arn}"),
            Step::DeleteRole { arn, .. } => format!("deleted role {arn}"),
        }
    }

    /// The resource the step touches: `(true, resource)` if it deletes it, `(false, arn)` if it
    /// detaches it.
    pub fn resource(&self) -> (bool, String) {
        match self {
            Step::DeleteInline { name, .. } => (true, format!("inline-policy/{name}")),
            Step::Detach { arn, .. } => (false, arn.clone()),
            Step::DeletePolicy { arn } => (true, arn.clone()),
            Step::DeleteRole { arn, .. } => (true, arn.clone()),
        }
    }
}

/// The role and what is attached to it, or None if it does not exist.
pub async fn inventory(
    iam: &Client,
    name: &str,
    progress: Progress<'_>,
) -> Result<Option<Inventory>> {
    let Some(role) = super::discover::role(iam, name).await? else {
        return Ok(None);
    };
    let (attached, instance_profiles) = tokio::try_join!(
        stream::iter(role.attached)
            .map(|arn| attached_policy(iam, arn, progress))
            .buffered(IAM_READS)
            .try_collect(),
        instance_profiles(iam, name),
    )?;
    Ok(Some(Inventory {
        role_name: name.to_string(),
        role_arn: role.arn,
        owned: role.owned,
        attached,
        inline: role.inline,
        instance_profiles,
    }))
}

/// A policy the caller may not read counts as not ours: it is detached, never deleted.
async fn attached_policy(iam: &Client, arn: String, progress: Progress<'_>) -> Result<Attached> {
    let result = iam.get_policy().policy_arn(&arn).send().await;
    let out = match result.aws("iam:GetPolicy", format!("policy {arn}")) {
        Ok(out) => out,
        Err(err) => {
            if !err.is("AccessDenied") {
                return Err(err.into());
            }
            progress(Event::Found(format!(
                "{err}; treating it as not created by provision-role"
            )));
            return Ok(Attached {
                arn,
                owned: false,
                shared: false,
            });
        }
    };
    let policy = out.policy().context("iam:GetPolicy returned no policy")?;
    Ok(Attached {
        owned: super::discover::owned(policy.tags()),
        shared: policy.attachment_count().unwrap_or(1) > 1,
        arn,
    })
}

async fn instance_profiles(iam: &Client, role: &str) -> Result<Vec<String>> {
    let profiles: Vec<_> = iam
        .list_instance_profiles_for_role()
        .role_name(role)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .aws("iam:ListInstanceProfilesForRole", format!("role {role}"))?;
    Ok(profiles
        .iter()
        .map(|p| p.instance_profile_name().to_string())
        .collect())
}

/// The writes that delete the role, in order; or why this tool will not delete it.
pub fn steps(inv: &Inventory) -> Result<Vec<Step>> {
    let role = &inv.role_name;
    if !inv.owned {
        bail!(
            "role {role} was not created by provision-role (it has no {}={} tag); nothing was \
             deleted. Delete it with the AWS console or CLI if you mean to",
            OWNER_TAG.0,
            OWNER_TAG.1
        );
    }
    if !inv.instance_profiles.is_empty() {
        bail!(
            "role {role} is in instance profile(s) {}, so EC2 instances may be using it; nothing \
             was deleted. Remove it from them first (aws iam remove-role-from-instance-profile)",
            inv.instance_profiles.join(", ")
        );
    }
    let mut steps: Vec<Step> = inv
        .inline
        .iter()
        .map(|name| Step::DeleteInline {
            role: role.clone(),
            name: name.clone(),
        })
        .collect();
    for policy in &inv.attached {
        let keep = match (policy.owned, policy.shared) {
            (false, _) => Some("not created by provision-role"),
            (true, true) => Some("also attached elsewhere"),
            (true, false) => None,
        };
        steps.push(Step::Detach {
            role: role.clone(),
            arn: policy.arn.clone(),
            keep,
        });
        if keep.is_none() {
            steps.push(Step::DeletePolicy {
                arn: policy.arn.clone(),
            });
        }
    }
    steps.push(Step::DeleteRole {
        name: role.clone(),
        arn: inv.role_arn.clone(),
    });
    Ok(steps)
}

async fn run_step(
    iam: &Client,
    step: &Step,
    backoff: Backoff,
    progress: Progress<'_>,
) -> Result<()> {
    match step {
        Step::DeleteInline { role, name } => {
            iam.delete_role_policy()
                .role_name(role)
                .policy_name(name)
                .send()
                .await
                .aws(
                    "iam:DeleteRolePolicy",
                    format!("role {role}, inline policy {name}"),
                )?;
        }
        Step::Detach { role, arn, .. } => detach(iam, role, arn).await?,
        Step::DeletePolicy { arn } => delete_policy(iam, arn).await?,
        Step::DeleteRole { name, .. } => delete_role(iam, name, backoff, progress).await?,
    }
    Ok(())
}

/// Delete the role, waiting out IAM's propagation of the detachments just made.
async fn delete_role(
    iam: &Client,
    name: &str,
    backoff: Backoff,
    progress: Progress<'_>,
) -> Result<()> {
    let conflict = |e: &super::AwsError| e.is("DeleteConflict") || e.is("ConcurrentModification");
    eventually(backoff, conflict, progress, || async {
        iam.delete_role()
            .role_name(name)
            .send()
            .await
            .aws("iam:DeleteRole", format!("role {name}"))
    })
    .await?;
    Ok(())
}

/// Run the steps in order, reporting each as done. Stops before the next step once `cancel`
/// is set. On a failure, the error says what had been done before it.
pub async fn execute(
    iam: &Client,
    steps: &[Step],
    backoff: Backoff,
    cancel: &crate::cancel::Cancel,
    progress: Progress<'_>,
) -> Result<()> {
    let mut finished: Vec<String> = Vec::new();
    for step in steps {
        if cancel.is_cancelled() {
            return Err(crate::exit::Cancelled(
                "interrupted: the steps marked ✓ were done; run delete again to finish".into(),
            )
            .into());
        }
        if let Err(err) = run_step(iam, step, backoff, progress).await {
            let so_far = if finished.is_empty() {
                "nothing was changed".to_string()
            } else {
                format!("already done: {}", finished.join("; "))
            };
            return Err(err.context(format!("could not {}; {so_far}", step.todo())));
        }
        finished.push(step.done());
        progress(Event::Done(step.done()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inventory(owned: bool) -> Inventory {
        Inventory {
            role_name: "r".into(),
            role_arn: "arn:aws:iam::123456789012:role/r".into(),
            owned,
            attached: vec![
                Attached {
                    arn: "arn:aws:iam::123456789012:policy/r-s3-access".into(),
                    owned: true,
                    shared: false,
                },
                Attached {
                    arn: "arn:aws:iam::aws:policy/ReadOnlyAccess".into(),
                    owned: false,
                    shared: true,
                },
                Attached {
                    arn: "arn:aws:iam::123456789012:policy/shared".into(),
                    owned: true,
                    shared: true,
                },
            ],
            inline: vec!["extra".into()],
            instance_profiles: Vec::new(),
        }
    }

    #[test]
    fn deletes_only_what_is_ours_and_the_role_last() {
        let steps = steps(&inventory(true)).unwrap();
        let deleted: Vec<String> = steps
            .iter()
            .map(Step::resource)
            .filter(|r| r.0)
            .map(|r| r.1)
            .collect();
        assert_eq!(
            deleted,
            vec![
                "inline-policy/extra",
                "arn:aws:iam::123456789012:policy/r-s3-access",
                "arn:aws:iam::123456789012:role/r"
            ]
        );
        let detached = steps
            .iter()
            .filter(|s| matches!(s, Step::Detach { .. }))
            .count();
        assert_eq!(detached, 3);
        assert!(matches!(steps.last(), Some(Step::DeleteRole { .. })));
        assert!(steps[3].todo().contains("not created by provision-role"));
    }

    #[test]
    fn refuses_foreign_roles_and_instance_profiles() {
        let err = steps(&inventory(false)).unwrap_err().to_string();
        assert!(err.contains("not created by provision-role"), "{err}");
        let mut inv = inventory(true);
        inv.instance_profiles = vec!["web".into()];
        let err = steps(&inv).unwrap_err().to_string();
        assert!(err.contains("instance profile(s) web"), "{err}");
    }
}
