//! The calls that differ only in whether a role or a user holds the policies: attaching and
//! detaching managed policies, inline policies, tags, the permissions boundary, and reading
//! those back. One function per task, so apply, rollback, verify and delete treat both alike.

use aws_sdk_iam::types::Tag;
use aws_sdk_iam::Client;

use super::error::Result;
use super::{AwsError, AwsResult};
use crate::plan::Holder;
use crate::policy::HeldDocument;

/// What a role or user has now that the guardrails set.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Settings {
    pub(crate) path: String,
    pub(crate) boundary: Option<String>,
    pub(crate) tags: Vec<(String, String)>,
}

fn pairs(tags: &[Tag]) -> Vec<(String, String)> {
    tags.iter()
        .map(|t| (t.key().to_string(), t.value().to_string()))
        .collect()
}

pub(crate) fn tag(key: &str, value: &str) -> Tag {
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
pub(crate) async fn settings(iam: &Client, holder: &Holder) -> Result<Settings> {
    let boundary = |b: Option<&aws_sdk_iam::types::AttachedPermissionsBoundary>| {
        b.and_then(|b| b.permissions_boundary_arn())
            .map(str::to_string)
    };
    match holder {
        Holder::Role(name) => {
            let role = role(iam, name).await?;
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

/// The role, as GetRole answers.
pub(crate) async fn role(iam: &Client, name: &str) -> Result<aws_sdk_iam::types::Role> {
    let out = iam
        .get_role()
        .role_name(name)
        .send()
        .await
        .aws("iam:GetRole", format!("role {name}"))?;
    out.role.ok_or_else(|| {
        AwsError::malformed("iam:GetRole", format!("role {name}"), "it held no role")
    })
}

/// The user as GetUser returns it.
pub(crate) async fn user(iam: &Client, name: &str) -> Result<aws_sdk_iam::types::User, AwsError> {
    let out = iam
        .get_user()
        .user_name(name)
        .send()
        .await
        .aws("iam:GetUser", format!("user {name}"))?;
    out.user.ok_or_else(|| {
        AwsError::malformed("iam:GetUser", format!("user {name}"), "it held no user")
    })
}

/// The same call on a role or a user, as `Ok(())` or its [`AwsError`]: the SDK's builders
/// differ (`role_name` or `user_name`), the arguments do not. With `pages`, every item of a
/// paginated list.
macro_rules! either {
    ($iam:expr, $holder:expr, $resource:expr,
     $role_op:ident($role_call:literal) | $user_op:ident($user_call:literal)
     $(, $arg:ident($value:expr))*) => {
        match $holder {
            $crate::plan::Holder::Role(name) => $crate::aws::AwsResult::aws(
                $iam.$role_op().role_name(name)$(.$arg($value))*.send().await,
                $role_call,
                $resource,
            )
            .map(drop),
            $crate::plan::Holder::User(name) => $crate::aws::AwsResult::aws(
                $iam.$user_op().user_name(name)$(.$arg($value))*.send().await,
                $user_call,
                $resource,
            )
            .map(drop),
        }
    };
    (pages $iam:expr, $holder:expr,
     $role_op:ident($role_call:literal) | $user_op:ident($user_call:literal)) => {
        match $holder {
            $crate::plan::Holder::Role(name) => $crate::aws::AwsResult::aws(
                $iam.$role_op().role_name(name).into_paginator().items().send().try_collect().await,
                $role_call,
                $holder,
            ),
            $crate::plan::Holder::User(name) => $crate::aws::AwsResult::aws(
                $iam.$user_op().user_name(name).into_paginator().items().send().try_collect().await,
                $user_call,
                $holder,
            ),
        }
    };
}
pub(crate) use either;

pub(crate) async fn attach(iam: &Client, holder: &Holder, arn: &str) -> Result<(), AwsError> {
    let resource = format!("{holder}, policy {arn}");
    either!(
        iam,
        holder,
        resource,
        attach_role_policy("iam:AttachRolePolicy") | attach_user_policy("iam:AttachUserPolicy"),
        policy_arn(arn)
    )
}

pub(crate) async fn detach(iam: &Client, holder: &Holder, arn: &str) -> Result<()> {
    let resource = format!("{holder}, policy {arn}");
    either!(
        iam,
        holder,
        resource,
        detach_role_policy("iam:DetachRolePolicy") | detach_user_policy("iam:DetachUserPolicy"),
        policy_arn(arn)
    )?;
    Ok(())
}

pub(crate) async fn put_tags(
    iam: &Client,
    holder: &Holder,
    set: &[(String, String)],
) -> Result<()> {
    either!(
        iam,
        holder,
        holder,
        tag_role("iam:TagRole") | tag_user("iam:TagUser"),
        set_tags(tags(set))
    )?;
    Ok(())
}

pub(crate) async fn remove_tags(iam: &Client, holder: &Holder, keys: &[String]) -> Result<()> {
    either!(
        iam,
        holder,
        holder,
        untag_role("iam:UntagRole") | untag_user("iam:UntagUser"),
        set_tag_keys(Some(keys.to_vec()))
    )?;
    Ok(())
}

/// Set the permissions boundary, or remove it (`None`).
pub(crate) async fn put_boundary(iam: &Client, holder: &Holder, arn: Option<&str>) -> Result<()> {
    match arn {
        Some(arn) => either!(
            iam,
            holder,
            holder,
            put_role_permissions_boundary("iam:PutRolePermissionsBoundary")
                | put_user_permissions_boundary("iam:PutUserPermissionsBoundary"),
            permissions_boundary(arn)
        ),
        None => either!(
            iam,
            holder,
            holder,
            delete_role_permissions_boundary("iam:DeleteRolePermissionsBoundary")
                | delete_user_permissions_boundary("iam:DeleteUserPermissionsBoundary")
        ),
    }?;
    Ok(())
}

/// An inline policy's document.
pub(crate) async fn inline_document(
    iam: &Client,
    holder: &Holder,
    name: &str,
) -> Result<HeldDocument> {
    let resource = format!("{holder}, inline policy {name}");
    let (call, raw) = match holder {
        Holder::Role(role) => {
            let call = "iam:GetRolePolicy";
            let out = iam
                .get_role_policy()
                .role_name(role)
                .policy_name(name)
                .send()
                .await
                .aws(call, &resource)?;
            (call, out.policy_document)
        }
        Holder::User(user) => {
            let call = "iam:GetUserPolicy";
            let out = iam
                .get_user_policy()
                .user_name(user)
                .policy_name(name)
                .send()
                .await
                .aws(call, &resource)?;
            (call, out.policy_document)
        }
    };
    super::held_document(Some(&raw), call, resource)
}

pub(crate) async fn put_inline(iam: &Client, holder: &Holder, name: &str, doc: &str) -> Result<()> {
    let resource = format!("{holder}, inline policy {name}");
    either!(
        iam,
        holder,
        resource,
        put_role_policy("iam:PutRolePolicy") | put_user_policy("iam:PutUserPolicy"),
        policy_name(name),
        policy_document(doc)
    )?;
    Ok(())
}

pub(crate) async fn delete_inline(iam: &Client, holder: &Holder, name: &str) -> Result<()> {
    let resource = format!("{holder}, inline policy {name}");
    either!(
        iam,
        holder,
        resource,
        delete_role_policy("iam:DeleteRolePolicy") | delete_user_policy("iam:DeleteUserPolicy"),
        policy_name(name)
    )?;
    Ok(())
}

/// ARNs of the managed policies attached.
pub(crate) async fn attached_arns(iam: &Client, holder: &Holder) -> Result<Vec<String>> {
    let policies: Vec<_> = either!(pages iam, holder,
        list_attached_role_policies("iam:ListAttachedRolePolicies")
            | list_attached_user_policies("iam:ListAttachedUserPolicies"))?;
    Ok(policies.into_iter().filter_map(|p| p.policy_arn).collect())
}

/// Names of the inline policies.
pub(crate) async fn inline_names(iam: &Client, holder: &Holder) -> Result<Vec<String>> {
    let names = either!(pages iam, holder,
        list_role_policies("iam:ListRolePolicies") | list_user_policies("iam:ListUserPolicies"))?;
    Ok(names)
}
