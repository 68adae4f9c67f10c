//! The low-level writes that creating, rolling back and deleting share: policy versions and
//! policies, the trust policy, tags, attachments, inline policies and boundaries. Each is one
//! IAM call (or a short fixed sequence) with the call and resource named in its error; the
//! callers decide when to run them and what to record.

use anyhow::Result;
use aws_sdk_iam::types::PolicyVersion;
use aws_sdk_iam::Client;

pub use super::holder::{
    attach, delete_inline, detach, put_boundary, put_inline, put_tags, remove_tags,
};
use super::{AwsError, AwsResult};
use crate::plan::{Holder, Resource, ADOPTED_TAG, OWNER_TAG};

pub async fn policy_versions(iam: &Client, arn: &str) -> Result<Vec<PolicyVersion>> {
    Ok(iam
        .list_policy_versions()
        .policy_arn(arn)
        .send()
        .await
        .aws("iam:ListPolicyVersions", format!("policy {arn}"))?
        .versions
        .unwrap_or_default())
}

/// Make `id` the policy's default version.
pub async fn set_default_version(iam: &Client, arn: &str, id: &str) -> Result<(), AwsError> {
    iam.set_default_policy_version()
        .policy_arn(arn)
        .version_id(id)
        .send()
        .await
        .aws("iam:SetDefaultPolicyVersion", format!("policy {arn}"))?;
    Ok(())
}

/// Delete one version of a managed policy (IAM refuses the default one).
pub async fn delete_version(iam: &Client, arn: &str, id: &str) -> Result<(), AwsError> {
    iam.delete_policy_version()
        .policy_arn(arn)
        .version_id(id)
        .send()
        .await
        .aws(
            "iam:DeletePolicyVersion",
            format!("policy {arn} version {id}"),
        )?;
    Ok(())
}

/// Delete a managed policy: its non-default versions first, as IAM requires.
pub async fn delete_policy(iam: &Client, arn: &str) -> Result<()> {
    let versions = policy_versions(iam, arn).await?;
    for v in versions.iter().filter(|v| !v.is_default_version()) {
        delete_version(iam, arn, v.version_id().unwrap_or_default()).await?;
    }
    iam.delete_policy()
        .policy_arn(arn)
        .send()
        .await
        .aws("iam:DeletePolicy", format!("policy {arn}"))?;
    Ok(())
}

/// Make `version` the policy's default again and delete the versions in `drop` (made since).
pub async fn restore_default(
    iam: &Client,
    arn: &str,
    version: &str,
    drop: &[String],
) -> Result<()> {
    set_default_version(iam, arn, version).await?;
    for id in drop {
        delete_version(iam, arn, id).await?;
    }
    Ok(())
}

pub async fn put_trust(iam: &Client, role: &str, document: &str) -> Result<()> {
    iam.update_assume_role_policy()
        .role_name(role)
        .policy_document(document)
        .send()
        .await
        .aws("iam:UpdateAssumeRolePolicy", format!("role {role}"))?;
    Ok(())
}

/// Take the tags `--adopt` added off a role or policy.
pub async fn untag(iam: &Client, resource: &Resource, arn: &str) -> Result<()> {
    let keys = [OWNER_TAG.0.to_string(), ADOPTED_TAG.to_string()];
    match resource {
        Resource::Role(name) => {
            remove_tags(iam, &Holder::Role(name.clone()), &keys).await?;
        }
        Resource::User(name) => {
            remove_tags(iam, &Holder::User(name.clone()), &keys).await?;
        }
        _ => {
            iam.untag_policy()
                .policy_arn(arn)
                .set_tag_keys(Some(keys.to_vec()))
                .send()
                .await
                .aws("iam:UntagPolicy", format!("policy {arn}"))?;
        }
    }
    Ok(())
}
