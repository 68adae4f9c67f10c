//! The journal of a run's writes, and rolling them back truthfully.
//!
//! Each write is recorded with how to undo it, and whether it certainly happened or its
//! outcome is unknown (the call timed out, or the connection broke after it was sent). Undoing
//! reads before it writes: a resource another writer has changed since is left as it is (and
//! reported), and an unknown outcome is settled by reading the resource back. The report says
//! what was undone, what was left and why, and for each failed undo the command that cleans up.

use std::sync::{Arc, Mutex};

use aws_sdk_iam::Client;

use super::error::Result;
use super::holder;
use super::ops::Op;
use super::{cors, discover, keys, AwsError, Missing, S3For};
use crate::plan::cors::CorsRule;
use crate::policy::{HeldDocument, PolicyDocument};

/// One write this run made, described by the write that takes it back and what must still
/// hold for that to be this run's to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Undo {
    pub(crate) op: Op,
    pub(crate) check: Check,
}

/// What is read back before an undo, so that what another writer has changed since is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Check {
    /// Nothing: the undo puts back what was there before.
    Nothing,
    /// The policy this run created still has only the version it wrote, with this document.
    PolicyAsWritten { document: PolicyDocument },
    /// The role this run created still has the trust policy it wrote.
    RoleAsWritten { trust: PolicyDocument },
    /// The user this run created is still ours and holds no key this run did not make.
    UserAsMade,
    /// The key this run made: by its id, or (when the answer was lost) any key of the user not
    /// among `existing`, its keys before.
    KeyAsMade { existing: Vec<String> },
    /// The policy's default version is still the one this run made (`created`; unknown when
    /// the answer was lost: then any other default with this document).
    DefaultAsMade {
        created: Option<String>,
        document: PolicyDocument,
    },
    /// The role's trust policy is still the one this run wrote.
    TrustAsWritten { written: PolicyDocument },
    /// The bucket still holds the CORS rule this run wrote.
    CorsAsWritten { written: CorsRule },
}

impl Undo {
    /// An undo that puts back what was there, with nothing to read first.
    pub(crate) fn of(op: Op) -> Undo {
        Undo {
            op,
            check: Check::Nothing,
        }
    }

    /// A policy this run created, with the document it wrote.
    pub(crate) fn delete_policy(arn: String, document: PolicyDocument) -> Undo {
        Undo {
            op: Op::DeletePolicy { arn },
            check: Check::PolicyAsWritten { document },
        }
    }

    /// A role this run created, with the trust policy it wrote.
    pub(crate) fn delete_role(name: String, trust: PolicyDocument) -> Undo {
        Undo {
            op: Op::DeleteRole { name },
            check: Check::RoleAsWritten { trust },
        }
    }

    /// A user this run created (`--identity user`).
    pub(crate) fn delete_user(name: String) -> Undo {
        Undo {
            op: Op::DeleteUser { name },
            check: Check::UserAsMade,
        }
    }

    /// An access key this run made (`id` unknown when the call's answer was lost).
    pub(crate) fn delete_key(user: String, id: Option<String>, existing: Vec<String>) -> Undo {
        Undo {
            op: Op::DeleteAccessKey { user, id },
            check: Check::KeyAsMade { existing },
        }
    }

    /// A policy version this run made the default (`created` unknown when the answer was lost).
    pub(crate) fn restore_version(
        arn: String,
        previous: String,
        created: Option<String>,
        document: PolicyDocument,
    ) -> Undo {
        Undo {
            op: Op::RestoreDefault {
                arn,
                version: previous,
                drop: created.iter().cloned().collect(),
            },
            check: Check::DefaultAsMade { created, document },
        }
    }

    /// The trust policy this run replaced, and the one it wrote.
    pub(crate) fn restore_trust(
        role: String,
        previous: HeldDocument,
        written: PolicyDocument,
    ) -> Undo {
        Undo {
            op: Op::RestoreTrust {
                role,
                document: previous,
            },
            check: Check::TrustAsWritten { written },
        }
    }

    /// Our CORS rule this run wrote to a bucket, and our rule before (none: it had none).
    pub(crate) fn restore_cors(
        bucket: String,
        region: String,
        previous: Option<CorsRule>,
        written: CorsRule,
    ) -> Undo {
        Undo {
            op: Op::SetCorsRule {
                bucket,
                region,
                id: written.id().to_string(),
                rule: previous,
            },
            check: Check::CorsAsWritten { written },
        }
    }
}

/// A journal entry: the undo, and whether the write certainly happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Entry {
    pub(crate) undo: Undo,
    pub(crate) certain: bool,
}

/// The writes made so far, shared by the writes of one wave.
#[derive(Debug, Clone, Default)]
pub(crate) struct Journal(Arc<Mutex<Vec<Entry>>>);

impl Journal {
    /// A write that happened.
    pub(crate) fn record(&self, undo: Undo) {
        self.push(Entry {
            undo,
            certain: true,
        });
    }

    /// A write whose answer was lost: it may or may not have happened.
    pub(crate) fn record_unknown(&self, undo: Undo) {
        self.push(Entry {
            undo,
            certain: false,
        });
    }

    fn push(&self, entry: Entry) {
        self.0.lock().expect("journal lock").push(entry);
    }

    pub(crate) fn take(&self) -> Vec<Entry> {
        std::mem::take(&mut *self.0.lock().expect("journal lock"))
    }

    pub(crate) fn is_empty(&self) -> bool {
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
pub(crate) struct Rollback {
    /// Undos done, in the past tense.
    pub(crate) undone: Vec<String>,
    /// Undos not needed or not safe, with why.
    pub(crate) left: Vec<String>,
    /// Undos that failed: what could not be done, why, and the command that does it by hand.
    pub(crate) failed: Vec<String>,
}

impl Rollback {
    /// One sentence on the outcome, for the error that ends the run.
    pub(crate) fn summary(&self) -> String {
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
pub(crate) async fn rollback(iam: &Client, s3: S3For<'_>, journal: &Journal) -> Rollback {
    let mut report = Rollback::default();
    for entry in journal.take().iter().rev() {
        match undo(iam, s3, entry).await {
            Ok(Outcome::Done(what)) => report.undone.push(what),
            Ok(Outcome::Left(why)) => report.left.push(why),
            Err(e) => report.failed.push(format!(
                "could not {}: {e:#}; to do it by hand: {}",
                entry.undo.op.task(),
                entry.undo.op.command()
            )),
        }
    }
    report
}

/// The role's trust policy now, or None if the role does not exist.
async fn current_trust(iam: &Client, role: &str) -> Result<Option<PolicyDocument>> {
    let found = match holder::role(iam, role).await {
        Ok(found) => found,
        Err(e) => return e.absent_if(Missing::Entity),
    };
    let raw = found.assume_role_policy_document();
    super::document(raw, "iam:GetRole", format!("role {role}")).map(Some)
}

/// Read what the undo would touch and, when it is not this run's to undo any more, say why it
/// is left; otherwise do it.
async fn undo(iam: &Client, s3: S3For<'_>, entry: &Entry) -> Result<Outcome> {
    let op = &entry.undo.op;
    let why = match (&entry.undo.check, op) {
        (Check::Nothing, Op::Detach { holder, arn }) => {
            return match op.run(iam, s3).await {
                Err(e) if !entry.certain && e.says_missing(Missing::Entity) => {
                    left(format!("{arn} was not attached to {holder}"))
                }
                other => other.map(|()| Outcome::Done(op.past())),
            };
        }
        (Check::Nothing, _) => None,
        (Check::PolicyAsWritten { document }, Op::DeletePolicy { arn }) => {
            match discover::policy(iam, arn.clone()).await? {
                None => Some(format!("policy {arn} was not created")),
                Some(now)
                    if now.default_version != "v1" || !now.document.same_meaning(document) =>
                {
                    Some(format!("policy {arn} {CHANGED}"))
                }
                Some(_) => None,
            }
        }
        (Check::RoleAsWritten { trust }, Op::DeleteRole { name }) => {
            match current_trust(iam, name).await? {
                None => Some(format!("role {name} was not created")),
                Some(now) if !now.same_meaning(trust) => Some(format!("role {name} {CHANGED}")),
                Some(_) => None,
            }
        }
        (Check::UserAsMade, Op::DeleteUser { name }) => user_not_ours(iam, name).await?,
        (Check::KeyAsMade { existing }, Op::DeleteAccessKey { user, id }) => {
            return delete_keys(iam, user, id.as_deref(), existing).await
        }
        (Check::DefaultAsMade { created, document }, Op::RestoreDefault { arn, version, .. }) => {
            return restore_version(iam, s3, arn, version, created.as_deref(), document).await
        }
        (Check::TrustAsWritten { written }, Op::RestoreTrust { role, .. }) => {
            let now = current_trust(iam, role).await?;
            (!now.is_some_and(|t| t.same_meaning(written))).then(|| {
                format!(
                    "the trust policy of role {role} is not the one this run wrote (never \
                     written, or changed by another run since): kept"
                )
            })
        }
        (
            Check::CorsAsWritten { written },
            Op::SetCorsRule {
                bucket,
                region,
                rule,
                ..
            },
        ) => return restore_cors(&s3(region), bucket, rule.as_ref(), written).await,
        // Each `Undo` constructor pairs its check with its write; this is never reached.
        (check, op) => {
            let why = format!("no check {check:?} was recorded for this write");
            return Err(AwsError::unsent("rollback", op.task(), &why));
        }
    };
    if let Some(why) = why {
        return left(why);
    }
    op.run(iam, s3).await?;
    Ok(Outcome::Done(op.past()))
}

const CHANGED: &str = "was changed by another run since this one created it: kept";

fn left(why: String) -> Result<Outcome> {
    Ok(Outcome::Left(why))
}

/// Why a user this run created is not its to delete any more: gone, no longer ours, or holding
/// an access key this run did not make (those undos ran first, being newer).
async fn user_not_ours(iam: &Client, name: &str) -> Result<Option<String>> {
    let user = match holder::user(iam, name).await {
        Ok(user) => user,
        Err(e) if e.says_missing(Missing::Entity) => {
            return Ok(Some(format!("user {name} was not created")))
        }
        Err(e) => return Err(e),
    };
    let keys = keys::list(iam, name).await?;
    if !discover::owned(user.tags()) || !keys.is_empty() {
        return Ok(Some(format!("user {name} {CHANGED}")));
    }
    Ok(None)
}

/// Delete the key this run made; when its answer was lost, the user's keys not among those
/// it had before.
async fn delete_keys(
    iam: &Client,
    user: &str,
    id: Option<&str>,
    existing: &[String],
) -> Result<Outcome> {
    let now = match keys::list(iam, user).await {
        Ok(now) => now,
        Err(e) if e.says_missing(Missing::Entity) => {
            return left(format!("user {user} no longer exists"))
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
        return left(format!("no access key of user {user} was made by this run"));
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
        return left(format!(
            "the CORS rule {id} of bucket {bucket} is not the one this run wrote (never \
             written, or changed by another writer since): kept"
        ));
    }
    cors::replace_rule(s3, bucket, &now, id, previous).await?;
    let op = Op::SetCorsRule {
        bucket: bucket.to_string(),
        region: String::new(),
        id: id.to_string(),
        rule: previous.cloned(),
    };
    Ok(Outcome::Done(op.past()))
}

/// Set the previous default back, and delete the version this run made, if it is still the
/// default. When another run has made its own version the default since, that one stays.
async fn restore_version(
    iam: &Client,
    s3: S3For<'_>,
    arn: &str,
    previous: &str,
    created: Option<&str>,
    document: &PolicyDocument,
) -> Result<Outcome> {
    let Some(now) = discover::policy(iam, arn.to_string()).await? else {
        return left(format!("policy {arn} no longer exists"));
    };
    let ours = match created {
        Some(id) => now.default_version == id,
        None => now.default_version != previous && now.document.same_meaning(document),
    };
    if !ours {
        return left(format!(
            "policy {arn}: the default version is not the one this run made (never made, or \
             replaced by another run since): kept"
        ));
    }
    let op = Op::RestoreDefault {
        arn: arn.to_string(),
        version: previous.to_string(),
        drop: vec![now.default_version],
    };
    op.run(iam, s3).await?;
    Ok(Outcome::Done(op.past()))
}
