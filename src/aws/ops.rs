//! The low-level writes that creating, rolling back and deleting share: policy versions and
//! policies, the trust policy, tags, attachments, inline policies and boundaries. Each is one
//! IAM call (or a short fixed sequence) with the call and resource named in its error; the
//! callers decide when to run them and what to record.
//!
//! [`Op`] names those writes once: rollback's undos and delete's steps are each an `Op` (with
//! the checks or notes of their own), run by [`Op::run`] and described by [`Op::task`] (what it
//! will do), [`Op::past`] (what it did) and [`Op::command`] (how to do it by hand).

use crate::policy::HeldDocument;
use aws_sdk_iam::types::PolicyVersion;
use aws_sdk_iam::Client;

use super::error::Result;
pub(crate) use super::holder::{
    attach, delete_inline, detach, put_boundary, put_inline, put_tags, remove_tags,
};
use super::{cors, keys, AwsError, AwsResult, S3For};
use crate::plan::cors::CorsRule;
use crate::plan::{Holder, Resource, ADOPTED_TAG, OWNER_TAG};
use crate::shell::quote;

/// One write of a rollback or a deletion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Op {
    /// A managed policy, all its versions.
    DeletePolicy {
        arn: String,
    },
    DeleteRole {
        name: String,
    },
    DeleteUser {
        name: String,
    },
    /// `id` is None for the key a run made whose answer was lost (the undo finds it first).
    DeleteAccessKey {
        user: String,
        id: Option<String>,
    },
    /// An access key switched back on (or off).
    RestoreKeyStatus {
        user: String,
        id: String,
        active: bool,
    },
    Detach {
        holder: Holder,
        arn: String,
    },
    /// A policy that was detached, attached again.
    Reattach {
        holder: Holder,
        arn: String,
    },
    /// `version` the default again; the versions in `drop` (made since) deleted.
    RestoreDefault {
        arn: String,
        version: String,
        drop: Vec<String>,
    },
    RestoreTrust {
        role: String,
        document: HeldDocument,
    },
    /// The tags `--adopt` added taken off a role, user or policy.
    Untag {
        resource: Resource,
        arn: String,
    },
    /// An inline policy that was deleted, put back with its document.
    PutInline {
        holder: Holder,
        name: String,
        document: HeldDocument,
    },
    DeleteInline {
        holder: Holder,
        name: String,
    },
    /// A role's description and session length as they were (each only if it changed).
    RestoreRole {
        role: String,
        description: Option<String>,
        max_session_duration: Option<i32>,
    },
    /// The permissions boundary as it was (None: removed).
    RestoreBoundary {
        holder: Holder,
        arn: Option<String>,
    },
    /// Tags put back as they were, and tags that were absent removed.
    RestoreTags {
        holder: Holder,
        set: Vec<(String, String)>,
        remove: Vec<String>,
    },
    /// Our CORS rule `id` of a bucket replaced by `rule` (None: taken out); the bucket's other
    /// rules are kept (with none left, the configuration goes).
    SetCorsRule {
        bucket: String,
        region: String,
        id: String,
        rule: Option<CorsRule>,
    },
}

/// The verbs of [`Op::phrase`], in the present (a task) and the past (a report).
#[derive(Debug, Clone, Copy)]
enum Verb {
    Delete,
    Make,
    Detach,
    Attach,
    Restore,
    Remove,
    Put,
}

impl Verb {
    fn present(self) -> &'static str {
        match self {
            Verb::Delete => "delete",
            Verb::Make => "make",
            Verb::Detach => "detach",
            Verb::Attach => "attach",
            Verb::Restore => "restore",
            Verb::Remove => "remove",
            Verb::Put => "put",
        }
    }

    fn past(self) -> &'static str {
        match self {
            Verb::Delete => "deleted",
            Verb::Make => "made",
            Verb::Detach => "detached",
            Verb::Attach => "attached",
            Verb::Restore => "restored",
            Verb::Remove => "removed",
            Verb::Put => "put",
        }
    }
}

impl Op {
    /// What the write does, as a task: `delete policy ARN`.
    pub(crate) fn task(&self) -> String {
        let (verb, object) = self.phrase();
        format!("{} {object}", verb.present())
    }

    /// What the write did, in the past tense: `deleted policy ARN`.
    pub(crate) fn past(&self) -> String {
        let (verb, object) = self.phrase();
        format!("{} {object}", verb.past())
    }

    /// The write as a verb and what it acts on, for [`Op::task`] and [`Op::past`].
    fn phrase(&self) -> (Verb, String) {
        use Verb::*;
        match self {
            Op::DeletePolicy { arn } => (Delete, format!("policy {arn}")),
            Op::DeleteRole { name } => (Delete, format!("role {name}")),
            Op::DeleteUser { name } => (Delete, format!("user {name}")),
            Op::DeleteAccessKey { user, id: Some(id) } => {
                (Delete, format!("access key {id} of user {user}"))
            }
            Op::DeleteAccessKey { user, id: None } => (
                Delete,
                format!("the access key this run made for user {user}"),
            ),
            Op::RestoreKeyStatus { user, id, active } => (
                Make,
                format!("access key {id} of user {user} {} again", status(*active)),
            ),
            Op::Detach { holder, arn } => (Detach, format!("{arn} from {holder}")),
            Op::Reattach { holder, arn } => (Attach, format!("{arn} to {holder} again")),
            Op::RestoreDefault { arn, version, .. } => {
                (Restore, format!("policy {arn} to version {version}"))
            }
            Op::RestoreTrust { role, .. } => (Restore, format!("the trust policy of role {role}")),
            Op::Untag { resource, .. } => {
                (Remove, format!("the {} tags from {resource}", OWNER_TAG.1))
            }
            Op::PutInline { holder, name, .. } => {
                (Put, format!("inline policy {name} back on {holder}"))
            }
            Op::DeleteInline { holder, name } => {
                (Delete, format!("inline policy {name} of {holder}"))
            }
            Op::RestoreRole { role, .. } => (Restore, format!("the settings of role {role}")),
            Op::RestoreBoundary { holder, .. } => {
                (Restore, format!("the permissions boundary of {holder}"))
            }
            Op::RestoreTags { holder, .. } => (Restore, format!("the tags of {holder}")),
            Op::SetCorsRule {
                bucket,
                id,
                rule: None,
                ..
            } => (Remove, format!("the CORS rule {id} from bucket {bucket}")),
            Op::SetCorsRule { bucket, id, .. } => (
                Put,
                format!("the earlier CORS rule {id} back on bucket {bucket}"),
            ),
        }
    }

    /// The command that does the write by hand (for when it could not be done), every value
    /// quoted as a POSIX shell needs.
    pub(crate) fn command(&self) -> String {
        let name = |h: &Holder| format!("--{}-name {}", h.kind(), quote(h.name()));
        let kind = |h: &Holder| h.kind();
        match self {
            Op::DeletePolicy { arn } => format!(
                "aws iam delete-policy --policy-arn {arn} (first aws iam delete-policy-version \
                 for each version but the default: aws iam list-policy-versions --policy-arn \
                 {arn})"
            ),
            Op::DeleteRole { name } => {
                format!("provision-role delete --role-name {} --yes", quote(name))
            }
            Op::DeleteUser { name } => format!(
                "provision-role delete --identity user --user-name {} --yes",
                quote(name)
            ),
            Op::DeleteAccessKey { user, id } => format!(
                "aws iam delete-access-key --user-name {} --access-key-id {}",
                quote(user),
                id.as_deref()
                    .unwrap_or("ID (aws iam list-access-keys --user-name USER)")
            ),
            Op::RestoreKeyStatus { user, id, active } => format!(
                "aws iam update-access-key --user-name {} --access-key-id {id} --status {}",
                quote(user),
                status(*active)
            ),
            Op::Detach { holder, arn } => format!(
                "aws iam detach-{}-policy {} --policy-arn {arn}",
                kind(holder),
                name(holder)
            ),
            Op::Reattach { holder, arn } => format!(
                "aws iam attach-{}-policy {} --policy-arn {arn}",
                kind(holder),
                name(holder)
            ),
            Op::RestoreDefault { arn, version, drop } => {
                let mut cmd = format!(
                    "aws iam set-default-policy-version --policy-arn {arn} --version-id {version}"
                );
                for id in drop {
                    cmd.push_str(&format!(
                        " && aws iam delete-policy-version --policy-arn {arn} --version-id {id}"
                    ));
                }
                cmd
            }
            Op::RestoreTrust { role, document } => format!(
                "aws iam update-assume-role-policy --role-name {} --policy-document {}",
                quote(role),
                quote(document.text())
            ),
            Op::Untag { resource, arn } => {
                let keys = format!("--tag-keys {} {ADOPTED_TAG}", OWNER_TAG.0);
                match resource {
                    Resource::Role(n) => {
                        format!("aws iam untag-role --role-name {} {keys}", quote(n))
                    }
                    Resource::User(n) => {
                        format!("aws iam untag-user --user-name {} {keys}", quote(n))
                    }
                    _ => format!("aws iam untag-policy --policy-arn {arn} {keys}"),
                }
            }
            Op::PutInline {
                holder,
                name: policy,
                document,
            } => format!(
                "aws iam put-{}-policy {} --policy-name {} --policy-document {}",
                kind(holder),
                name(holder),
                quote(policy),
                quote(document.text())
            ),
            Op::DeleteInline {
                holder,
                name: policy,
            } => format!(
                "aws iam delete-{}-policy {} --policy-name {}",
                kind(holder),
                name(holder),
                quote(policy)
            ),
            Op::RestoreRole {
                role,
                description,
                max_session_duration,
            } => {
                let mut cmd = format!("aws iam update-role --role-name {}", quote(role));
                if let Some(d) = description {
                    cmd.push_str(&format!(" --description {}", quote(d)));
                }
                if let Some(s) = max_session_duration {
                    cmd.push_str(&format!(" --max-session-duration {s}"));
                }
                cmd
            }
            Op::RestoreBoundary {
                holder,
                arn: Some(arn),
            } => format!(
                "aws iam put-{}-permissions-boundary {} --permissions-boundary {arn}",
                kind(holder),
                name(holder)
            ),
            Op::RestoreBoundary { holder, arn: None } => format!(
                "aws iam delete-{}-permissions-boundary {}",
                kind(holder),
                name(holder)
            ),
            Op::RestoreTags {
                holder,
                set,
                remove,
            } => {
                let set: Vec<String> = set
                    .iter()
                    .map(|(k, v)| quote(&format!("Key={k},Value={v}")))
                    .collect();
                let remove: Vec<String> = remove.iter().map(|k| quote(k)).collect();
                let (kind, name) = (kind(holder), name(holder));
                format!(
                    "aws iam tag-{kind} {name} --tags {} ; aws iam untag-{kind} {name} \
                     --tag-keys {}",
                    set.join(" "),
                    remove.join(" ")
                )
            }
            Op::SetCorsRule {
                bucket, id, rule, ..
            } => {
                let then = match rule {
                    None => "without the rule",
                    Some(_) => "with the rule as it was before this run instead of the",
                };
                format!(
                    "aws s3api get-bucket-cors --bucket {bucket}, then put-bucket-cors {then} \
                     rule with ID {id} (or delete-bucket-cors if no rule is left)"
                )
            }
        }
    }

    /// Do the write.
    pub(crate) async fn run(&self, iam: &Client, s3: S3For<'_>) -> Result<()> {
        match self {
            Op::DeletePolicy { arn } => delete_policy(iam, arn).await,
            Op::DeleteRole { name } => {
                iam.delete_role()
                    .role_name(name)
                    .send()
                    .await
                    .aws("iam:DeleteRole", format!("role {name}"))?;
                Ok(())
            }
            Op::DeleteUser { name } => {
                iam.delete_user()
                    .user_name(name)
                    .send()
                    .await
                    .aws("iam:DeleteUser", format!("user {name}"))?;
                Ok(())
            }
            Op::DeleteAccessKey { user, id: Some(id) } => keys::delete(iam, user, id).await,
            Op::DeleteAccessKey { user, id: None } => Err(AwsError::unsent(
                "iam:DeleteAccessKey",
                format!("user {user}"),
                "the id of the access key this run made is not known",
            )),
            Op::RestoreKeyStatus { user, id, active } => {
                keys::set_active(iam, user, id, *active).await
            }
            Op::Detach { holder, arn } => detach(iam, holder, arn).await,
            Op::Reattach { holder, arn } => attach(iam, holder, arn).await,
            Op::RestoreDefault { arn, version, drop } => {
                restore_default(iam, arn, version, drop).await
            }
            Op::RestoreTrust { role, document } => put_trust(iam, role, document.text()).await,
            Op::Untag { resource, arn } => untag(iam, resource, arn).await,
            Op::PutInline {
                holder,
                name,
                document,
            } => put_inline(iam, holder, name, document.text()).await,
            Op::DeleteInline { holder, name } => delete_inline(iam, holder, name).await,
            Op::RestoreRole {
                role,
                description,
                max_session_duration,
            } => {
                iam.update_role()
                    .role_name(role)
                    .set_description(description.clone())
                    .set_max_session_duration(*max_session_duration)
                    .send()
                    .await
                    .aws("iam:UpdateRole", format!("role {role}"))?;
                Ok(())
            }
            Op::RestoreBoundary { holder, arn } => put_boundary(iam, holder, arn.as_deref()).await,
            Op::RestoreTags {
                holder,
                set,
                remove,
            } => {
                if !set.is_empty() {
                    put_tags(iam, holder, set).await?;
                }
                if !remove.is_empty() {
                    remove_tags(iam, holder, remove).await?;
                }
                Ok(())
            }
            Op::SetCorsRule {
                bucket,
                region,
                id,
                rule,
            } => {
                let s3 = s3(region);
                let now = cors::rules(&s3, bucket).await?;
                cors::replace_rule(&s3, bucket, &now, id, rule.as_ref()).await
            }
        }
    }
}

fn status(active: bool) -> &'static str {
    match active {
        true => "Active",
        false => "Inactive",
    }
}

pub(crate) async fn policy_versions(iam: &Client, arn: &str) -> Result<Vec<PolicyVersion>> {
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
pub(crate) async fn set_default_version(iam: &Client, arn: &str, id: &str) -> Result<()> {
    iam.set_default_policy_version()
        .policy_arn(arn)
        .version_id(id)
        .send()
        .await
        .aws("iam:SetDefaultPolicyVersion", format!("policy {arn}"))?;
    Ok(())
}

/// Delete one version of a managed policy (IAM refuses the default one).
pub(crate) async fn delete_version(iam: &Client, arn: &str, id: &str) -> Result<()> {
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
pub(crate) async fn delete_policy(iam: &Client, arn: &str) -> Result<()> {
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
pub(crate) async fn restore_default(
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

pub(crate) async fn put_trust(iam: &Client, role: &str, document: &str) -> Result<()> {
    iam.update_assume_role_policy()
        .role_name(role)
        .policy_document(document)
        .send()
        .await
        .aws("iam:UpdateAssumeRolePolicy", format!("role {role}"))?;
    Ok(())
}

/// Take the tags `--adopt` added off a role or policy.
pub(crate) async fn untag(iam: &Client, resource: &Resource, arn: &str) -> Result<()> {
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The words a POSIX shell makes of `command`.
    fn shell_words(command: &str) -> Vec<String> {
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!("printf '%s\\0' {command}"))
            .output()
            .expect("sh runs");
        assert!(out.status.success(), "{command}");
        String::from_utf8(out.stdout)
            .unwrap()
            .split_terminator('\0')
            .map(str::to_string)
            .collect()
    }

    fn value_of(words: &[String], flag: &str) -> String {
        let at = words.iter().position(|w| w == flag).expect(flag);
        words[at + 1].clone()
    }

    #[test]
    fn a_task_and_its_report_say_the_same_in_two_tenses() {
        let key = Op::DeleteAccessKey {
            user: "u".into(),
            id: None,
        };
        assert_eq!(key.task(), "delete the access key this run made for user u");
        assert_eq!(
            key.past(),
            "deleted the access key this run made for user u"
        );
        let back = Op::Reattach {
            holder: Holder::Role("r".into()),
            arn: "arn:aws:iam::123456789012:policy/p".into(),
        };
        assert_eq!(
            back.task(),
            "attach arn:aws:iam::123456789012:policy/p to role r again"
        );
        assert_eq!(
            back.past(),
            "attached arn:aws:iam::123456789012:policy/p to role r again"
        );
    }

    #[test]
    fn repair_commands_quote_what_the_shell_would_split() {
        // Put back as it was written: single strings and spacing kept.
        let text = r#"{"Statement": {"Effect": "Allow", "Action": "s3:ListBucket",
            "Resource": "*", "Condition": {"StringEquals": {"x": "it's"}}}}"#;
        let document = HeldDocument::from_iam(text).unwrap();
        let put = Op::PutInline {
            holder: Holder::Role("r".into()),
            name: "admin".into(),
            document: document.clone(),
        };
        let words = shell_words(&put.command());
        assert_eq!(value_of(&words, "--policy-document"), text);
        let trust = Op::RestoreTrust {
            role: "r".into(),
            document: document.clone(),
        };
        let words = shell_words(&trust.command());
        assert_eq!(value_of(&words, "--policy-document"), text);
        let role = Op::RestoreRole {
            role: "r".into(),
            description: Some("Deep Lake's role".into()),
            max_session_duration: None,
        };
        let words = shell_words(&role.command());
        assert_eq!(value_of(&words, "--description"), "Deep Lake's role");
        let tags = Op::RestoreTags {
            holder: Holder::User("u".into()),
            set: vec![("team".into(), "data & ml".into())],
            remove: vec!["cost center".into()],
        };
        let command = tags.command();
        let (tag, untag) = command.split_once(" ; ").expect("two commands");
        assert_eq!(
            value_of(&shell_words(tag), "--tags"),
            "Key=team,Value=data & ml"
        );
        assert_eq!(value_of(&shell_words(untag), "--tag-keys"), "cost center");
    }
}
