//! The calls that differ only in whether a role or a user holds the policies: attaching and
//! detaching managed policies, inline policies, tags, the permissions boundary, and reading
//! those back. One function per task, so apply, rollback, verify and delete treat both alike.

use anyhow::{anyhow, Result};
use aws_sdk_iam::types::Tag;
use aws_sdk_iam::Client;
use serde_json::Value;

use super::{AwsError, AwsResult};
use crate::plan::Holder;
use crate::policy::parse_iam_document;

/// What a role or user has now that the guardrails set.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Settings {
    pub path: String,
    pub boundary: Option<String>,
    pub tags: Vec<(String, String)>,
}

fn pairs(tags: &[Tag]) -> Vec<(String, String)> {
    tags.iter()
        .map(|t| (t.key().to_string(), t.value().to_string()))
        .collect()
}

pub fn tag(key: &str, value: &str) -> Tag {
    Tag::builder()
        .key(key)
        .value(value)
        .build()
        .expect("key and value are set")
}

fn tags(pairs: &[(String, String)]) -> Option<Vec<Tag>> {
    Some(pairs.iter().map(|(k, v)| tag(k, v)).collect())
}

/// Path, boundary and tags, read with GetRole or GetUser.
pub async fn settings(iam: &Client, holder: &Holder) -> Result<Settings> {
    let boundary = |b: Option<&aws_sdk_iam::types::AttachedPermissionsBoundary>| {
        b.and_then(|b| b.permissions_boundary_arn())
            .map(str::to_string)
    };
    match holder {
        Holder::Role(name) => {
            let out = iam
                .get_role()
                .role_name(name)
                .send()
                .await
                .aws("iam:GetRole", holder)?;
            let role = out
                .role()
                .ok_or_else(|| anyhow!("iam:GetRole returned no role for {name}"))?;
            Ok(Settings {
                path: role.path().to_string(),
                boundary: boundary(role.permissions_boundary()),
                tags: pairs(role.tags()),
            })
        }
        Holder::User(name) => {
            let user = user(iam, name).await?;
            Ok(Settings {
                path: user.path().to_string(),
                boundary: boundary(user.permissions_boundary()),
                tags: pairs(user.tags()),
            })
        }
    }
}

/// The user as GetUser returns it.
pub async fn user(iam: &Client, name: &str) -> Result<aws_sdk_iam::types::User, AwsError> {
    let out = iam
        .get_user()
        .user_name(name)
        .send()
        .await
        .aws("iam:GetUser", format!("user {name}"))?;
    out.user.ok_or_else(|| {
        AwsError::malformed("iam:GetUser", format!("user {name}"), "no user returned")
    })
}

pub async fn attach(iam: &Client, holder: &Holder, arn: &str) -> Result<(), AwsError> {
    let resource = format!("{holder}, policy {arn}");
    match holder {
        Holder::Role(name) => iam
            .attach_role_policy()
            .role_name(name)
            .policy_arn(arn)
            .send()
            .await
            .aws("iam:AttachRolePolicy", resource)
            .map(drop),
        Holder::User(name) => iam
            .attach_user_policy()
            .user_name(name)
            .policy_arn(arn)
            .send()
            .await
            .aws("iam:AttachUserPolicy", resource)
            .map(drop),
    }
}

pub async fn detach(iam: &Client, holder: &Holder, arn: &str) -> Result<()> {
    let resource = format!("{holder}, policy {arn}");
    match holder {
        Holder::Role(name) => iam
            .detach_role_policy()
            .role_name(name)
            .policy_arn(arn)
            .send()
            .await
            .aws("iam:DetachRolePolicy", resource)
            .map(drop),
        Holder::User(name) => iam
            .detach_user_policy()
            .user_name(name)
            .policy_arn(arn)
            .send()
            .await
            .aws("iam:DetachUserPolicy", resource)
            .map(drop),
    }?;
    Ok(())
}

pub async fn put_tags(iam: &Client, holder: &Holder, set: &[(String, String)]) -> Result<()> {
    match holder {
        Holder::Role(name) => iam
            .tag_role()
            .role_name(name)
            .set_tags(tags(set))
            .send()
            .await
            .aws("iam:TagRole", holder)
            .map(drop),
        Holder::User(name) => iam
            .tag_user()
            .user_name(name)
            .set_tags(tags(set))
            .send()
            .await
            .aws("iam:TagUser", holder)
            .map(drop),
    }?;
    Ok(())
}

pub async fn remove_tags(iam: &Client, holder: &Holder, keys: &[String]) -> Result<()> {
    let keys = Some(keys.to_vec());
    match holder {
        Holder::Role(name) => iam
            .untag_role()
            .role_name(name)
            .set_tag_keys(keys)
            .send()
            .await
            .aws("iam:UntagRole", holder)
            .map(drop),
        Holder::User(name) => iam
            .untag_user()
            .user_name(name)
            .set_tag_keys(keys)
            .send()
            .await
            .aws("iam:UntagUser", holder)
            .map(drop),
    }?;
    Ok(())
}

/// Set the permissions boundary, or remove it (`None`).
pub async fn put_boundary(iam: &Client, holder: &Holder, arn: Option<&str>) -> Result<()> {
    match (holder, arn) {
        (Holder::Role(name), Some(arn)) => iam
            .put_role_permissions_boundary()
            .role_name(name)
            .permissions_boundary(arn)
            .send()
            .await
            .aws("iam:PutRolePermissionsBoundary", holder)
            .map(drop),
        (Holder::Role(name), None) => iam
            .delete_role_permissions_boundary()
            .role_name(name)
            .send()
            .await
            .aws("iam:DeleteRolePermissionsBoundary", holder)
            .map(drop),
        (Holder::User(name), Some(arn)) => iam
            .put_user_permissions_boundary()
            .user_name(name)
            .permissions_boundary(arn)
            .send()
            .await
            .aws("iam:PutUserPermissionsBoundary", holder)
            .map(drop),
        (Holder::User(name), None) => iam
            .delete_user_permissions_boundary()
            .user_name(name)
            .send()
            .await
            .aws("iam:DeleteUserPermissionsBoundary", holder)
            .map(drop),
    }?;
    Ok(())
}

/// An inline policy's document.
pub async fn inline_document(iam: &Client, holder: &Holder, name: &str) -> Result<Value> {
    let resource = format!("{holder}, inline policy {name}");
    let raw = match holder {
        Holder::Role(role) => {
            iam.get_role_policy()
                .role_name(role)
                .policy_name(name)
                .send()
                .await
                .aws("iam:GetRolePolicy", resource)?
                .policy_document
        }
        Holder::User(user) => {
            iam.get_user_policy()
                .user_name(user)
                .policy_name(name)
                .send()
                .await
                .aws("iam:GetUserPolicy", resource)?
                .policy_document
        }
    };
    Ok(parse_iam_document(&raw)?)
}

pub async fn put_inline(iam: &Client, holder: &Holder, name: &str, doc: &Value) -> Result<()> {
    let resource = format!("{holder}, inline policy {name}");
    let doc = doc.to_string();
    match holder {
        Holder::Role(role) => iam
            .put_role_policy()
            .role_name(role)
            .policy_name(name)
            .policy_document(doc)
            .send()
            .await
            .aws("iam:PutRolePolicy", resource)
            .map(drop),
        Holder::User(user) => iam
            .put_user_policy()
            .user_name(user)
            .policy_name(name)
            .policy_document(doc)
            .send()
            .await
            .aws("iam:PutUserPolicy", resource)
            .map(drop),
    }?;
    Ok(())
}

pub async fn delete_inline(iam: &Client, holder: &Holder, name: &str) -> Result<()> {
    let resource = format!("{holder}, inline policy {name}");
    match holder {
        Holder::Role(role) => iam
            .delete_role_policy()
            .role_name(role)
            .policy_name(name)
            .send()
            .await
            .aws("iam:DeleteRolePolicy", resource)
            .map(drop),
        Holder::User(user) => iam
            .delete_user_policy()
            .user_name(user)
            .policy_name(name)
            .send()
            .await
            .aws("iam:DeleteUserPolicy", resource)
            .map(drop),
    }?;
    Ok(())
}

/// ARNs of the managed policies attached.
pub async fn attached_arns(iam: &Client, holder: &Holder) -> Result<Vec<String>> {
    let policies: Vec<_> = match holder {
        Holder::Role(name) => iam
            .list_attached_role_policies()
            .role_name(name)
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .aws("iam:ListAttachedRolePolicies", holder)?,
        Holder::User(name) => iam
            .list_attached_user_policies()
            .user_name(name)
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .aws("iam:ListAttachedUserPolicies", holder)?,
    };
    Ok(policies.into_iter().filter_map(|p| p.policy_arn).collect())
}

/// Names of the inline policies.
pub async fn inline_names(iam: &Client, holder: &Holder) -> Result<Vec<String>> {
    let names = match holder {
        Holder::Role(name) => iam
            .list_role_policies()
            .role_name(name)
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .aws("iam:ListRolePolicies", holder)?,
        Holder::User(name) => iam
            .list_user_policies()
            .user_name(name)
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .aws("iam:ListUserPolicies", holder)?,
    };
    Ok(names)
}
