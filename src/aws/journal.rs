//! The journal of a run's writes, and rolling them back truthfully.
//!
//! Each write is recorded with how to undo it, and whether it certainly happened or its
//! outcome is unknown (the call timed out, or the connection broke after it was sent). Undoing
//! reads before it writes: a resource another writer has changed since is left as it is (and
//! reported), and an unknown outcome is settled by reading the resource back. The report says
//! what was undone, what was left and why, and for each failed undo the command that cleans up.

use std::fmt;
use std::sync::{Arc, Mutex};

use anyhow::Result;
use aws_sdk_iam::Client;
use serde_json::Value;

use super::holder;
use super::ops::{
    attach, delete_policy, detach, put_boundary, put_inline, put_tags, put_trust, remove_tags,
    restore_default, untag,
};
use super::{cors, discover, keys, AwsError, AwsResult, S3For};
use crate::plan::cors::{without_ours, CorsRule};
use crate::plan::{Holder, Resource, ADOPTED_TAG, OWNER_TAG};
use crate::policy::{parse_iam_document, same_meaning};
use crate::shell::quote;

/// One write this run made, described by how to take it back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Undo {
    /// A policy this run created, with the document it wrote.
    DeletePolicy {
        arn: String,
        document: Value,
    },
    /// A role this run created, with the trust policy it wrote.
    DeleteRole {
        name: String,
        trust: Value,
    },
    /// A user this run created (`--identity user`).
    DeleteUser {
        name: String,
    },
    /// An access key this run made. `id` is unknown when the call's answer was lost: then any
    /// key of the user not among `existing` (its keys before) is this run's.
    DeleteAccessKey {
        user: String,
        id: Option<String>,
        existing: Vec<String>,
    },
    /// An access key `rotate-key` switched off (or on).
    RestoreKeyStatus {
        user: String,
        id: String,
        active: bool,
    },
    Detach {
        holder: Holder,
        arn: String,
    },
    /// A policy this run detached from the role or user.
    Reattach {
        holder: Holder,
        arn: String,
    },
    /// A policy version this run made the default. `created` is unknown when the call's
    /// answer was lost.
    RestorePolicyVersion {
        arn: String,
        previous: String,
        created: Option<String>,
        document: Value,
    },
    RestoreTrust {
        role: String,
        previous: Value,
        written: Value,
    },
    /// A role, user or policy `--adopt` tagged.
    Untag {
        resource: Resource,
        arn: String,
    },
    /// An inline policy `--prune` deleted, with its document.
    PutInline {
        holder: Holder,
        name: String,
        document: Value,
    },
    /// A role's description and session length before `UpdateRole` (each only if changed).
    RestoreRole {
        role: String,
        description: Option<String>,
        max_session_duration: Option<i32>,
    },
    /// A role's or user's permissions boundary before (none: remove it).
    RestoreBoundary {
        holder: Holder,
        previous: Option<String>,
    },
    /// Tags to put back as they were, and tags that were absent.
    RestoreTags {
        holder: Holder,
        set: Vec<(String, String)>,
        remove: Vec<String>,
    },
    /// Our CORS rule this run wrote to a bucket, and our rule before (none: it had none).
    RestoreCors {
        bucket: String,
        region: String,
        previous: Option<CorsRule>,
        written: CorsRule,
    },
}

impl fmt::Display for Undo {
    /// What the undo does, as a task: "delete policy ARN".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Undo::DeletePolicy { arn, .. } => write!(f, "delete policy {arn}"),
            Undo::DeleteRole { name, .. } => write!(f, "delete role {name}"),
            Undo::DeleteUser { name } => write!(f, "delete user {name}"),
            Undo::DeleteAccessKey { user, id, .. } => match id {
                Some(id) => write!(f, "delete access key {id} of user {user}"),
                None => write!(f, "delete the access key this run made for user {user}"),
            },
            Undo::RestoreKeyStatus { user, id, active } => write!(
                f,
                "make access key {id} of user {user} {} again",
                status(*active)
            ),
            Undo::Detach { holder, arn } => write!(f, "detach {arn} from {holder}"),
            Undo::Reattach { holder, arn } => write!(f, "attach {arn} to {holder} again"),
            Undo::RestorePolicyVersion { arn, previous, .. } => {
                write!(f, "restore policy {arn} to version {previous}")
            }
            Undo::RestoreTrust { role, .. } => write!(f, "restore the trust policy of role {role}"),
            Undo::Untag { resource, .. } => {
                write!(f, "remove the {} tags from {resource}", OWNER_TAG.1)
            }
            Undo::PutInline { holder, name, .. } => {
                write!(f, "put inline policy {name} back on {holder}")
            }
            Undo::RestoreRole { role, .. } => write!(f, "restore the settings of role {role}"),
            Undo::RestoreBoundary { holder, .. } => {
                write!(f, "restore the permissions boundary of {holder}")
            }
            Undo::RestoreTags { holder, .. } => write!(f, "restore the tags of {holder}"),
            Undo::RestoreCors { bucket, .. } => {
                write!(f, "restore the CORS rules of bucket {bucket}")
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

/// `--role-name NAME` or `--user-name NAME`, as the AWS CLI names the holder.
fn cli_name(holder: &Holder) -> String {
    format!("--{}-name {}", holder.kind(), holder.name())
}

impl Undo {
    /// The command that does the undo by hand, for when it could not be done.
    pub fn cleanup(&self) -> String {
        match self {
            Undo::DeletePolicy { arn, .. } => {
                let name = arn.rsplit('/').next().unwrap_or(arn);
                format!(
                    "provision-role delete --role-name ROLE --policy-name {name} --yes (or aws \
                     iam delete-policy --policy-arn {arn})"
                )
            }
            Undo::DeleteRole { name, .. } => {
                format!("provision-role delete --role-name {name} --yes")
            }
            Undo::DeleteUser { name } => {
                format!("provision-role delete --identity user --user-name {name} --yes")
            }
            Undo::DeleteAccessKey { user, id, .. } => format!(
                "aws iam delete-access-key --user-name {user} --access-key-id {}",
                id.as_deref()
                    .unwrap_or("ID (aws iam list-access-keys --user-name USER)")
            ),
            Undo::RestoreKeyStatus { user, id, active } => format!(
                "aws iam update-access-key --user-name {user} --access-key-id {id} --status {}",
                status(*active)
            ),
            Undo::Detach { holder, arn } => format!(
                "aws iam detach-{}-policy {} --policy-arn {arn}",
                holder.kind(),
                cli_name(holder)
            ),
            Undo::Reattach { holder, arn } => format!(
                "aws iam attach-{}-policy {} --policy-arn {arn}",
                holder.kind(),
                cli_name(holder)
            ),
            Undo::RestorePolicyVersion { arn, previous, .. } => format!(
                "aws iam set-default-policy-version --policy-arn {arn} --version-id {previous}"
            ),
            Undo::RestoreTrust { role, previous, .. } => format!(
                "aws iam update-assume-role-policy --role-name {role} --policy-document {}",
                quote(&previous.to_string())
            ),
            Undo::PutInline {
                holder,
                name,
                document,
            } => format!(
                "aws iam put-{}-policy {} --policy-name {name} --policy-document {}",
                holder.kind(),
                cli_name(holder),
                quote(&document.to_string())
            ),
            Undo::RestoreRole {
                role,
                description,
                max_session_duration,
            } => {
                let mut cmd = format!("aws iam update-role --role-name {role}");
                if let Some(d) = description {
                    cmd.push_str(&format!(" --description {}", quote(d)));
                }
                if let Some(s) = max_session_duration {
                    cmd.push_str(&format!(" --max-session-duration {s}"));
                }
                cmd
            }
            Undo::RestoreBoundary { holder, previous } => match previous {
                Some(arn) => format!(
                    "aws iam put-{}-permissions-boundary {} --permissions-boundary {arn}",
                    holder.kind(),
                    cli_name(holder)
                ),
                None => format!(
                    "aws iam delete-{}-permissions-boundary {}",
                    holder.kind(),
                    cli_name(holder)
                ),
            },
            Undo::RestoreTags {
                holder,
                set,
                remove,
            } => {
                let set: Vec<String> = set
                    .iter()
                    .map(|(k, v)| quote(&format!("Key={k},Value={v}")))
                    .collect();
                let (kind, name) = (holder.kind(), cli_name(holder));
                format!(
                    "aws iam tag-{kind} {name} --tags {} ; aws iam untag-{kind} {name} \
                     --tag-keys {}",
                    set.join(" "),
                    remove.join(" ")
                )
            }
            Undo::RestoreCors {
                bucket, written, ..
            } => format!(
                "aws s3api get-bucket-cors --bucket {bucket}, then put-bucket-cors without the \
                 rule with ID {} (or delete-bucket-cors if it is the only rule)",
                written.id()
            ),
            Undo::Untag { resource, arn } => match resource {
                Resource::Role(name) => format!(
                    "aws iam untag-role --role-name {name} --tag-keys {} {ADOPTED_TAG}",
                    OWNER_TAG.0
                ),
                Resource::User(name) => format!(
                    "aws iam untag-user --user-name {name} --tag-keys {} {ADOPTED_TAG}",
                    OWNER_TAG.0
                ),
                _ => format!(
                    "aws iam untag-policy --policy-arn {arn} --tag-keys {} {ADOPTED_TAG}",
                    OWNER_TAG.0
                ),
            },
        }
    }
}

/// A journal entry: the undo, and whether the write certainly happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub undo: Undo,
    pub certain: bool,
}

/// The writes made so far, shared by the writes of one wave.
#[derive(Debug, Clone, Default)]
pub struct Journal(Arc<Mutex<Vec<Entry>>>);

impl Journal {
    /// A write that happened.
    pub fn record(&self, undo: Undo) {
        self.push(Entry {
            undo,
            certain: true,
        });
    }

    /// A write whose answer was lost: it may or may not have happened.
    pub fn record_unknown(&self, undo: Undo) {
        self.push(Entry {
            undo,
            certain: false,
        });
    }

    fn push(&self, entry: Entry) {
        self.0.lock().expect("journal lock").push(entry);
    }

    pub fn take(&self) -> Vec<Entry> {
        std::mem::take(&mut *self.0.lock().expect("journal lock"))
    }

    pub fn is_empty(&self) -> bool {
        self.0.lock().expect("journal lock").is_empty()
    }
}

/// What happened to one undo.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Outcome {
    Done(String),
    /// Nothing to undo, or not ours to undo any more; says why.
    Left(String),
}

/// What a rollback did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Rollback {
    /// Undos done, in the past tense.
    pub undone: Vec<String>,
    /// Undos not needed or not safe, with why.
    pub left: Vec<String>,
    /// Undos that failed: what could not be done, why, and the command that does it by hand.
    pub failed: Vec<String>,
}

impl Rollback {
    /// One sentence on the outcome, for the error that ends the run.
    pub fn summary(&self) -> String {
        let mut text = format!("rolled back {} change(s)", self.undone.len());
        if !self.failed.is_empty() {
            text.push_str(&format!(
                "; {} could not be undone and still exist (see the commands above)",
                self.failed.len()
            ));
        }
        text
    }
}

/// Undo the journal's writes, newest first. Keeps going past a failed step, so as little as
/// possible is left behind.
pub async fn rollback(iam: &Client, s3: S3For<'_>, journal: &Journal) -> Rollback {
    let mut report = Rollback::default();
    for entry in journal.take().iter().rev() {
        match undo(iam, s3, entry).await {
            Ok(Outcome::Done(what)) => report.undone.push(what),
            Ok(Outcome::Left(why)) => report.left.push(why),
            Err(e) => report.failed.push(format!(
                "could not {}: {e:#}; to do it by hand: {}",
                entry.undo,
                entry.undo.cleanup()
            )),
        }
    }
    report
}

/// The role's trust policy now, or None if the role does not exist.
async fn current_trust(iam: &Client, role: &str) -> Result<Option<Value>> {
    let result = iam.get_role().role_name(role).send().await;
    let out = match result.aws("iam:GetRole", format!("role {role}")) {
        Ok(out) => out,
        Err(e) => return e.absent_if("NoSuchEntity"),
    };
    let raw = out
        .role()
        .and_then(|r| r.assume_role_policy_document())
        .unwrap_or("{}");
    Ok(Some(parse_iam_document(raw)?))
}

async fn undo(iam: &Client, s3: S3For<'_>, entry: &Entry) -> Result<Outcome> {
    let step = &entry.undo;
    let done = || Ok(Outcome::Done(past(step)));
    match step {
        Undo::DeletePolicy { arn, document } => {
            let Some(now) = discover::policy(iam, arn.clone()).await? else {
                return Ok(Outcome::Left(format!("policy {arn} was not created")));
            };
            if now.default_version != "v1" || !same_meaning(&now.document, document) {
                return Ok(Outcome::Left(format!(
                    "policy {arn} was changed by another run since this one created it: kept"
                )));
            }
            delete_policy(iam, arn).await?;
            done()
        }
        Undo::DeleteRole { name, trust } => {
            let Some(now) = current_trust(iam, name).await? else {
                return Ok(Outcome::Left(format!("role {name} was not created")));
            };
            if !same_meaning(&now, trust) {
                return Ok(Outcome::Left(format!(
                    "role {name} was changed by another run since this one created it: kept"
                )));
            }
            let result = iam.delete_role().role_name(name).send().await;
            result.aws("iam:DeleteRole", format!("role {name}"))?;
            done()
        }
        Undo::DeleteUser { name } => delete_user(iam, name).await,
        Undo::DeleteAccessKey { user, id, existing } => {
            delete_key(iam, user, id.as_deref(), existing).await
        }
        Undo::RestoreKeyStatus { user, id, active } => {
            keys::set_active(iam, user, id, *active).await?;
            done()
        }
        Undo::Detach { holder, arn } => match detach(iam, holder, arn).await {
            Err(e) if !entry.certain && AwsError::has_code(&e, "NoSuchEntity") => {
                Ok(Outcome::Left(format!("{arn} was not attached to {holder}")))
            }
            other => other.and_then(|()| done()),
        },
        Undo::Reattach { holder, arn } => {
            attach(iam, holder, arn).await?;
            done()
        }
        Undo::RestorePolicyVersion {
            arn,
            previous,
            created,
            document,
        } => restore_version(iam, arn, previous, created.as_deref(), document).await,
        Undo::RestoreTrust {
            role,
            previous,
            written,
        } => {
            let now = current_trust(iam, role).await?;
            if !now.is_some_and(|t| same_meaning(&t, written)) {
                return Ok(Outcome::Left(format!(
                    "the trust policy of role {role} is not the one this run wrote (never \
                     written, or changed by another run since): kept"
                )));
            }
            put_trust(iam, role, &previous.to_string()).await?;
            done()
        }
        Undo::Untag { resource, arn } => {
            untag(iam, resource, arn).await?;
            done()
        }
        Undo::PutInline {
            holder,
            name,
            document,
        } => {
            put_inline(iam, holder, name, document).await?;
            done()
        }
        Undo::RestoreRole {
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
            done()
        }
        Undo::RestoreBoundary { holder, previous } => {
            put_boundary(iam, holder, previous.as_deref()).await?;
            done()
        }
        Undo::RestoreTags {
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
            done()
        }
        Undo::RestoreCors {
            bucket,
            region,
            previous,
            written,
        } => restore_cors(&s3(region), bucket, previous.as_ref(), written).await,
    }
}

/// Delete a user this run created: only while it is still ours, and holds no access key this
/// run did not make (those undos ran first, being newer).
async fn delete_user(iam: &Client, name: &str) -> Result<Outcome> {
    let user = match holder::user(iam, name).await {
        Ok(user) => user,
        Err(e) if e.is("NoSuchEntity") => {
            return Ok(Outcome::Left(format!("user {name} was not created")))
        }
        Err(e) => return Err(e.into()),
    };
    let keys = keys::list(iam, name).await?;
    if !discover::owned(user.tags()) || !keys.is_empty() {
        return Ok(Outcome::Left(format!(
            "user {name} was changed by another run since this one created it: kept"
        )));
    }
    iam.delete_user()
        .user_name(name)
        .send()
        .await
        .aws("iam:DeleteUser", format!("user {name}"))?;
    Ok(Outcome::Done(format!("deleted user {name}")))
}

/// Delete the key this run made; when its answer was lost, the user's keys not among those
/// it had before.
async fn delete_key(
    iam: &Client,
    user: &str,
    id: Option<&str>,
    existing: &[String],
) -> Result<Outcome> {
    let now = match keys::list(iam, user).await {
        Ok(now) => now,
        Err(e) if AwsError::has_code(&e, "NoSuchEntity") => {
            return Ok(Outcome::Left(format!("user {user} no longer exists")))
        }
        Err(e) => return Err(e),
    };
    let ours: Vec<&str> = now
        .iter()
        .map(|k| k.id.as_str())
        .filter(|k| match id {
            Some(id) => *k == id,
            None => !existing.iter().any(|e| e == k),
        })
        .collect();
    if ours.is_empty() {
        return Ok(Outcome::Left(format!(
            "no access key of user {user} was made by this run"
        )));
    }
    for key in &ours {
        keys::delete(iam, user, key).await?;
    }
    Ok(Outcome::Done(format!(
        "deleted access key {} of user {user}",
        ours.join(", ")
    )))
}

/// Put our earlier rule back (or take ours out) — only if the bucket holds the rule this run
/// wrote; rules others added or changed meanwhile are kept as they are now.
async fn restore_cors(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    previous: Option<&CorsRule>,
    written: &CorsRule,
) -> Result<Outcome> {
    let now = cors::rules(s3, bucket).await?;
    let id = written.id();
    if !now.iter().any(|r| r.same_as(written)) {
        return Ok(Outcome::Left(format!(
            "the CORS rule {id} of bucket {bucket} is not the one this run wrote (never \
             written, or changed by another writer since): kept"
        )));
    }
    let mut rules = without_ours(&now, id).unwrap_or(now);
    rules.extend(previous.cloned());
    cors::put(s3, bucket, &rules).await?;
    Ok(Outcome::Done(format!(
        "restored the CORS rules of bucket {bucket}"
    )))
}

/// Set the previous default back, and delete the version this run made, if it is still the
/// default. When another run has made its own version the default since, that one stays.
async fn restore_version(
    iam: &Client,
    arn: &str,
    previous: &str,
    created: Option<&str>,
    document: &Value,
) -> Result<Outcome> {
    let Some(now) = discover::policy(iam, arn.to_string()).await? else {
        return Ok(Outcome::Left(format!("policy {arn} no longer exists")));
    };
    let ours = match created {
        Some(id) => now.default_version == id,
        None => now.default_version != previous && same_meaning(&now.document, document),
    };
    if !ours {
        return Ok(Outcome::Left(format!(
            "policy {arn}: the default version is not the one this run made (never made, or \
             replaced by another run since): kept"
        )));
    }
    restore_default(
        iam,
        arn,
        previous,
        std::slice::from_ref(&now.default_version),
    )
    .await?;
    Ok(Outcome::Done(format!(
        "restored policy {arn} to version {previous}"
    )))
}

/// What an undo did, in the past tense.
fn past(step: &Undo) -> String {
    match step {
        Undo::DeletePolicy { arn, .. } => format!("deleted policy {arn}"),
        Undo::DeleteRole { name, .. } => format!("deleted role {name}"),
        Undo::DeleteUser { name } => format!("deleted user {name}"),
        Undo::DeleteAccessKey { user, id, .. } => format!(
            "deleted access key {} of user {user}",
            id.as_deref().unwrap_or("(made by this run)")
        ),
        Undo::RestoreKeyStatus { user, id, active } => format!(
            "made access key {id} of user {user} {} again",
            status(*active)
        ),
        Undo::Detach { holder, arn } => format!("detached {arn} from {holder}"),
        Undo::Reattach { holder, arn } => format!("attached {arn} to {holder} again"),
        Undo::RestorePolicyVersion { arn, previous, .. } => {
            format!("restored policy {arn} to version {previous}")
        }
        Undo::RestoreTrust { role, .. } => format!("restored the trust policy of role {role}"),
        Undo::Untag { resource, .. } => format!("removed the {} tags from {resource}", OWNER_TAG.1),
        Undo::PutInline { holder, name, .. } => {
            format!("put inline policy {name} back on {holder}")
        }
        Undo::RestoreRole { role, .. } => format!("restored the settings of role {role}"),
        Undo::RestoreBoundary { holder, .. } => {
            format!("restored the permissions boundary of {holder}")
        }
        Undo::RestoreTags { holder, .. } => format!("restored the tags of {holder}"),
        Undo::RestoreCors { bucket, .. } => format!("restored the CORS rules of bucket {bucket}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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
    fn repair_commands_quote_what_the_shell_would_split() {
        let document = json!({"Statement": [{"Condition": {"StringEquals": {"x": "it's"}}}]});
        let put = Undo::PutInline {
            holder: Holder::Role("r".into()),
            name: "admin".into(),
            document: document.clone(),
        };
        let words = shell_words(&put.cleanup());
        assert_eq!(value_of(&words, "--policy-document"), document.to_string());
        let trust = Undo::RestoreTrust {
            role: "r".into(),
            previous: document.clone(),
            written: json!({}),
        };
        let words = shell_words(&trust.cleanup());
        assert_eq!(value_of(&words, "--policy-document"), document.to_string());
        let role = Undo::RestoreRole {
            role: "r".into(),
            description: Some("Deep Lake's role".into()),
            max_session_duration: None,
        };
        let words = shell_words(&role.cleanup());
        assert_eq!(value_of(&words, "--description"), "Deep Lake's role");
    }
}
