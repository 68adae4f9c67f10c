//! The writes. `apply` walks the plan's typed changes in waves — first everything that needs
//! no other write (policies, the role, tags: side by side), then attachments and detachments —
//! a few IAM writes at a time for IAM's rate limits. Every write is journaled as soon as its
//! answer arrives (or recorded as unknown when the answer was lost), so a failure or Ctrl-C
//! can undo exactly this run's writes. `confirm` then reads the role back: a run succeeds only
//! if IAM holds its plan. Deleting policies no longer needed cannot be undone, so it comes last,
//! in `finish`, once the rest is confirmed.

use std::collections::HashMap;

use aws_sdk_iam::types::PolicyVersion;
use aws_sdk_iam::Client;
use futures::stream::{self, StreamExt};

use super::holder::{self, tag};
use super::journal::{Journal, Undo};
use super::keys::{self, KeySink};
use super::ops::{delete_version, policy_versions, put_trust, Op};
use super::retry::{eventually, is_propagation, Backoff};
use super::{
    cors, Answer, AwsError, AwsResult, Conflict, Error, Event, Failure, Missing, Outcome, Progress,
    S3For, IAM_READS, IAM_WRITES, READS,
};
use crate::cancel::Cancel;
use crate::exit::Cancelled;
use crate::plan::cors::{with_ours, CorsRule, MAX_RULES};
use crate::plan::{
    Change, Guardrails, Holder, HolderPlan, Plan, PlanError, Resource, UserPlan, ADOPTED_TAG,
    OWNER_TAG,
};
use crate::policy::{HeldDocument, PolicyDocument};

/// IAM keeps at most this many versions of a managed policy.
pub(crate) const MAX_POLICY_VERSIONS: usize = 5;

/// What `apply` needs besides the plan.
pub(crate) struct Writer<'a> {
    pub(crate) iam: &'a Client,
    pub(crate) s3: S3For<'a>,
    pub(crate) journal: &'a Journal,
    pub(crate) backoff: Backoff,
    pub(crate) cancel: &'a Cancel,
    pub(crate) progress: Progress<'a>,
    /// Where a new access key goes (`--identity user`); an error there deletes the key again.
    pub(crate) keys: KeySink<'a>,
}

/// The default version each of the plan's policies has once this run's writes are done, by ARN.
pub(crate) type Versions = HashMap<String, String>;

fn owner_tag() -> aws_sdk_iam::types::Tag {
    tag(OWNER_TAG.0, OWNER_TAG.1)
}

/// Bring IAM to the plan (all but deleting policies no longer needed, see [`finish`]).
pub(crate) async fn apply(w: &Writer<'_>, plan: &Plan) -> Outcome<Versions> {
    let in_wave = |n: usize| plan.changes.iter().filter(move |c| wave_of(c) == Some(n));
    let mut versions = Versions::new();
    for n in 0..WAVES {
        let made = wave(w, in_wave(n), &versions).await?;
        versions.extend(made);
    }
    Ok(versions)
}

const WAVES: usize = 3;

/// Policies, the role or user and tags first; attachments and detachments, which need them,
/// next; a user's access key last, so no secret exists before its user holds its grants.
/// Deletions are not waves: they wait for [`finish`].
fn wave_of(change: &Change) -> Option<usize> {
    match change {
        Change::Attach { .. }
        | Change::DetachStale { .. }
        | Change::DetachForeign { .. }
        | Change::DeleteInline { .. } => Some(1),
        Change::CreateAccessKey { .. } => Some(2),
        Change::DeleteStale { .. } | Change::Unchanged(_) => None,
        _ => Some(0),
    }
}

/// Run changes concurrently; wait for every started write to finish (so none is left half
/// known), then report the first failure. Returns the versions the writes made.
async fn wave<'c>(
    w: &Writer<'_>,
    changes: impl Iterator<Item = &'c Change>,
    known: &Versions,
) -> Outcome<Versions> {
    // S3 takes far more writes at once than IAM: bucket CORS goes beside the IAM writes.
    let (s3, iam): (Vec<&Change>, Vec<&Change>) =
        changes.partition(|c| matches!(c, Change::PutCors { .. }));
    let (iam, s3) = tokio::join!(
        stream::iter(iam)
            .map(|c| write(w, c, known))
            .buffer_unordered(IAM_WRITES)
            .collect::<Vec<_>>(),
        stream::iter(s3)
            .map(|c| write(w, c, known))
            .buffer_unordered(READS)
            .collect::<Vec<_>>(),
    );
    let results = iam.into_iter().chain(s3);
    let mut versions = Versions::new();
    let mut failure = None;
    for result in results {
        match result {
            Ok(made) => versions.extend(made),
            // A real failure says more than a conflict, which only asks for a re-plan.
            Err(e)
                if failure
                    .as_ref()
                    .is_none_or(|f: &Error| matches!(f, Error::Conflict(_))) =>
            {
                failure = Some(e);
            }
            Err(_) => {}
        }
    }
    failure.map_or(Ok(versions), Err)
}

/// One change; a policy write returns the policy's ARN and its new default version.
async fn write(
    w: &Writer<'_>,
    change: &Change,
    known: &Versions,
) -> Outcome<Option<(String, String)>> {
    if w.cancel.is_cancelled() {
        return Err(Cancelled("interrupted".into()).into());
    }
    let mut made = None;
    match change {
        Change::CreatePolicy { name, document, .. } => {
            made = Some((create_policy(w, name, document).await?, "v1".to_string()));
        }
        Change::UpdatePolicy { arn, document, .. } => {
            made = Some((arn.clone(), update_policy(w, arn, document).await?));
        }
        Change::CreateRole {
            name,
            trust,
            description,
            guardrails,
        } => create_role(w, name, trust, description, guardrails).await?,
        Change::UpdateTrust { role, trust, .. } => update_trust(w, role, trust).await?,
        Change::UpdateRole {
            role,
            description,
            max_session_duration,
        } => update_role(w, role, description, *max_session_duration).await?,
        Change::SetBoundary { holder, arn } => set_boundary(w, holder, arn).await?,
        Change::Tag { holder, tags } => tag_holder(w, holder, tags).await?,
        Change::Untag { holder, keys } => untag_holder(w, holder, keys).await?,
        Change::Adopt {
            resource,
            arn,
            from,
        } => adopt(w, resource, arn, from).await?,
        Change::Attach {
            holder,
            policy,
            arn,
        } => {
            let arn = known
                .keys()
                .find(|a| a.rsplit('/').next() == Some(policy))
                .or(arn.as_ref())
                .ok_or_else(|| {
                    Error::Offline(format!("policy {policy} has no ARN: the plan is offline"))
                })?;
            attach(w, holder, arn).await?;
        }
        Change::DetachStale { holder, arn, .. } | Change::DetachForeign { holder, arn } => {
            let detach = Op::Detach {
                holder: holder.clone(),
                arn: arn.clone(),
            };
            let result = detach.run(w.iam, w.s3).await;
            settle(w.journal, result, reattach(holder, arn))?;
        }
        Change::DeleteInline { holder, name } => delete_inline(w, holder, name).await?,
        Change::CreateUser { name, guardrails } => create_user(w, name, guardrails).await?,
        Change::CreateAccessKey { user, existing } => {
            create_access_key(w, user, existing).await?;
            // The key's id was said where it was written.
            return Ok(None);
        }
        Change::PutCors {
            bucket,
            region,
            rule,
            ..
        } => {
            let region = region.as_deref().ok_or_else(|| {
                Error::Offline(format!(
                    "bucket {bucket} has no region: the plan is offline"
                ))
            })?;
            put_cors(w, bucket, region, rule).await?;
        }
        Change::DeleteStale { .. } | Change::Unchanged(_) => return Ok(None),
    }
    (w.progress)(Event::Done(change.done()));
    Ok(made)
}

fn reattach(holder: &Holder, arn: &str) -> Undo {
    Undo::of(Op::Reattach {
        holder: holder.clone(),
        arn: arn.to_string(),
    })
}

/// Whether a failed call may still have taken effect: its answer never arrived.
fn outcome_unknown(err: &AwsError) -> bool {
    !matches!(err.failure, Failure::Service | Failure::Credentials)
}

/// Journal a write: done, or (when its answer was lost) perhaps done.
fn settle<T>(journal: &Journal, result: Written<T>, undo: Undo) -> Written<T> {
    match &result {
        Ok(_) => journal.record(undo),
        Err(e) if outcome_unknown(e) => journal.record_unknown(undo),
        Err(_) => {}
    }
    result
}

/// What one write returns: its failures are AWS's, typed.
type Written<T = ()> = super::error::Result<T>;

/// `EntityAlreadyExists` from a create: another writer made it first.
fn conflict_if_exists(err: AwsError, what: &str) -> Error {
    if err.answer() == Some(Answer::AlreadyExists) {
        return Conflict(format!(
            "{what} was created by someone else during this run"
        ))
        .into();
    }
    err.into()
}

async fn create_policy(w: &Writer<'_>, name: &str, document: &PolicyDocument) -> Outcome<String> {
    let result = w
        .iam
        .create_policy()
        .policy_name(name)
        .policy_document(document.to_compact())
        .description(crate::plan::request::POLICY_DESCRIPTION)
        .tags(owner_tag())
        .send()
        .await
        .aws("iam:CreatePolicy", format!("policy {name}"));
    let arn = result
        .as_ref()
        .ok()
        .and_then(|o| o.policy()?.arn())
        .map(str::to_string);
    let undo = Undo::delete_policy(arn.unwrap_or_else(|| name.to_string()), document.clone());
    let out = settle(w.journal, result, undo)
        .map_err(|e| conflict_if_exists(e, &format!("policy {name}")))?;
    Ok(out
        .policy()
        .and_then(|p| p.arn())
        .unwrap_or_default()
        .to_string())
}

/// Make `document` the policy's default version, first deleting the oldest non-default
/// version when IAM's limit of five is reached. Returns the new version's id.
async fn update_policy(w: &Writer<'_>, arn: &str, document: &PolicyDocument) -> Outcome<String> {
    let iam = w.iam;
    let versions = policy_versions(iam, arn).await?;
    let previous = versions
        .iter()
        .find(|v| v.is_default_version())
        .and_then(|v| v.version_id().map(str::to_string))
        .unwrap_or_default();
    if versions.len() >= MAX_POLICY_VERSIONS {
        delete_oldest_version(w, arn, &versions).await?;
    }
    let result = iam
        .create_policy_version()
        .policy_arn(arn)
        .policy_document(document.to_compact())
        .set_as_default(true)
        .send()
        .await
        .aws("iam:CreatePolicyVersion", format!("policy {arn}"));
    let created = result
        .as_ref()
        .ok()
        .and_then(|o| o.policy_version()?.version_id())
        .map(str::to_string);
    let undo = Undo::restore_version(arn.to_string(), previous, created.clone(), document.clone());
    settle(w.journal, result, undo).map_err(|e| match () {
        _ if e.is(Answer::Limit) => {
            Conflict(format!("another run added a version to policy {arn}")).into()
        }
        _ if e.says_missing(Missing::Entity) => {
            Conflict(format!("another run deleted policy {arn} meanwhile")).into()
        }
        _ => Error::Aws(e),
    })?;
    Ok(created.unwrap_or_default())
}

/// Free a version slot: the oldest version that is not the default. IAM refuses to delete a
/// default version, so one another run has just made the default is never lost.
async fn delete_oldest_version(w: &Writer<'_>, arn: &str, versions: &[PolicyVersion]) -> Outcome {
    let oldest = versions
        .iter()
        .filter(|v| !v.is_default_version())
        .min_by_key(|v| v.create_date().map(|d| (d.secs(), d.subsec_nanos())))
        .and_then(|v| v.version_id());
    let Some(oldest) = oldest else {
        return Ok(());
    };
    delete_version(w.iam, arn, oldest).await.map_err(|e| {
        match matches!(
            e.answer(),
            Some(Answer::InUse | Answer::Missing(Missing::Entity))
        ) {
            // Another run made it the default, or deleted it (or the policy) first.
            true => Conflict(format!("another run changed the versions of policy {arn}")).into(),
            false => Error::Aws(e),
        }
    })?;
    (w.progress)(Event::Found(format!(
        "deleted the oldest version {oldest} of {arn} (IAM keeps 5)"
    )));
    Ok(())
}

async fn create_role(
    w: &Writer<'_>,
    name: &str,
    trust: &PolicyDocument,
    description: &str,
    guardrails: &Guardrails,
) -> Outcome {
    let tags = guardrails.role_tags();
    let result = w
        .iam
        .create_role()
        .role_name(name)
        .path(guardrails.path())
        .assume_role_policy_document(trust.to_compact())
        .description(description)
        .set_permissions_boundary(guardrails.permissions_boundary.clone())
        .set_max_session_duration(guardrails.max_session_duration.map(|s| s as i32))
        .set_tags(Some(tags.iter().map(|(k, v)| tag(k, v)).collect()))
        .send()
        .await
        .aws("iam:CreateRole", format!("role {name}"));
    let undo = Undo::delete_role(name.to_string(), trust.clone());
    settle(w.journal, result, undo).map_err(|e| conflict_if_exists(e, &format!("role {name}")))?;
    Ok(())
}

/// `--identity user`: the user, with the guardrails a user can have (path, boundary, tags).
async fn create_user(w: &Writer<'_>, name: &str, guardrails: &Guardrails) -> Outcome {
    let tags = guardrails.role_tags();
    let result = w
        .iam
        .create_user()
        .user_name(name)
        .path(guardrails.path())
        .set_permissions_boundary(guardrails.permissions_boundary.clone())
        .set_tags(Some(tags.iter().map(|(k, v)| tag(k, v)).collect()))
        .send()
        .await
        .aws("iam:CreateUser", format!("user {name}"));
    let undo = Undo::delete_user(name.to_string());
    settle(w.journal, result, undo).map_err(|e| conflict_if_exists(e, &format!("user {name}")))?;
    Ok(())
}

/// Make the user's key and hand it to the key sink, which writes it down. The key is
/// journaled first, so when the sink fails (the file cannot be written) the rollback deletes
/// it: no key exists whose secret nobody has. A lost answer is journaled with the keys the
/// user had, so the rollback deletes any other.
pub(crate) async fn create_access_key(w: &Writer<'_>, user: &str, existing: &[String]) -> Outcome {
    let result = eventually(w.backoff, keys::nothing_made, w.progress, || {
        keys::create(w.iam, user)
    })
    .await;
    let id = result.as_ref().ok().map(|k| k.id.clone());
    let undo = Undo::delete_key(user.to_string(), id, existing.to_vec());
    let key = settle(w.journal, result, undo)?;
    (w.keys)(&key).map_err(Error::Key)
}

/// `rotate-key`: make an old key inactive, journaled so a failure makes it active again.
pub(crate) async fn deactivate_key(w: &Writer<'_>, user: &str, id: &str) -> Written {
    let result = keys::set_active(w.iam, user, id, false).await;
    let undo = Undo::of(Op::RestoreKeyStatus {
        user: user.to_string(),
        id: id.to_string(),
        active: true,
    });
    settle(w.journal, result, undo)?;
    (w.progress)(Event::Done(format!("deactivated the old access key {id}")));
    Ok(())
}

/// The role's trust policy as IAM holds it now.
async fn trust_now(iam: &Client, role: &str) -> Written<HeldDocument> {
    let now = holder::role(iam, role).await?;
    let raw = now.assume_role_policy_document();
    super::held_document(raw, "iam:GetRole", format!("role {role}"))
}

async fn update_trust(w: &Writer<'_>, role: &str, trust: &PolicyDocument) -> Written {
    let previous = trust_now(w.iam, role).await?;
    let result = put_trust(w.iam, role, &trust.to_compact()).await;
    let undo = Undo::restore_trust(role.to_string(), previous, trust.clone());
    settle(w.journal, result, undo)
}

async fn update_role(
    w: &Writer<'_>,
    role: &str,
    description: &Option<String>,
    session: Option<u32>,
) -> Written {
    let now = holder::role(w.iam, role).await?;
    // Both, always: what is sent replaces what is there (moto even clears a field not sent).
    let result = w
        .iam
        .update_role()
        .role_name(role)
        .set_description(
            description
                .clone()
                .or(now.description().map(str::to_string)),
        )
        .set_max_session_duration(session.map(|s| s as i32).or(now.max_session_duration()))
        .send()
        .await
        .aws("iam:UpdateRole", format!("role {role}"))
        .map(drop);
    let undo = Undo::of(Op::RestoreRole {
        role: role.to_string(),
        description: now.description().map(str::to_string),
        max_session_duration: now.max_session_duration(),
    });
    settle(w.journal, result, undo)
}

async fn set_boundary(w: &Writer<'_>, holder: &Holder, arn: &str) -> Written {
    let previous = holder::settings(w.iam, holder).await?.boundary;
    let result = holder::put_boundary(w.iam, holder, Some(arn)).await;
    let undo = Undo::of(Op::RestoreBoundary {
        holder: holder.clone(),
        arn: previous,
    });
    settle(w.journal, result, undo)
}

/// How to put tags `keys` back as they were: the old values, and the keys that were absent.
fn tags_before(holder: &Holder, have: &[(String, String)], keys: &[&str]) -> Undo {
    Undo::of(Op::RestoreTags {
        holder: holder.clone(),
        set: have
            .iter()
            .filter(|(k, _)| keys.contains(&k.as_str()))
            .cloned()
            .collect(),
        remove: keys
            .iter()
            .filter(|k| !have.iter().any(|(h, _)| h == *k))
            .map(|k| k.to_string())
            .collect(),
    })
}

async fn tag_holder(w: &Writer<'_>, holder: &Holder, tags: &[(String, String)]) -> Written {
    let have = holder::settings(w.iam, holder).await?.tags;
    let result = holder::put_tags(w.iam, holder, tags).await;
    let keys: Vec<&str> = tags.iter().map(|(k, _)| k.as_str()).collect();
    settle(w.journal, result, tags_before(holder, &have, &keys))
}

async fn untag_holder(w: &Writer<'_>, holder: &Holder, keys: &[String]) -> Written {
    let have = holder::settings(w.iam, holder).await?.tags;
    let result = holder::remove_tags(w.iam, holder, keys).await;
    let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
    settle(w.journal, result, tags_before(holder, &have, &keys))
}

/// With `--adopt`, a role, user or policy we take over gets our tag, so later runs know it is
/// ours, and the adopted tag (a policy's holds its default version before), so `delete` keeps
/// it.
async fn adopt(w: &Writer<'_>, resource: &Resource, arn: &str, from: &Option<String>) -> Written {
    let adopted = (
        ADOPTED_TAG.to_string(),
        from.clone().unwrap_or("yes".to_string()),
    );
    let ours = (OWNER_TAG.0.to_string(), OWNER_TAG.1.to_string());
    let result = match resource {
        Resource::Role(name) => {
            holder::put_tags(w.iam, &Holder::Role(name.clone()), &[ours, adopted]).await
        }
        Resource::User(name) => {
            holder::put_tags(w.iam, &Holder::User(name.clone()), &[ours, adopted]).await
        }
        _ => w
            .iam
            .tag_policy()
            .policy_arn(arn)
            .tags(tag(&ours.0, &ours.1))
            .tags(tag(&adopted.0, &adopted.1))
            .send()
            .await
            .aws("iam:TagPolicy", format!("policy {arn}"))
            .map(drop),
    };
    let undo = Undo::of(Op::Untag {
        resource: resource.clone(),
        arn: arn.to_string(),
    });
    settle(w.journal, result, undo)
}

/// Attach, waiting out IAM's propagation delay for a policy, role or user created a moment ago.
async fn attach(w: &Writer<'_>, holder: &Holder, arn: &str) -> Written {
    let result = eventually(w.backoff, is_propagation, w.progress, || async {
        holder::attach(w.iam, holder, arn).await
    })
    .await;
    let undo = Undo::of(Op::Detach {
        holder: holder.clone(),
        arn: arn.to_string(),
    });
    settle(w.journal, result, undo)
}

/// Our rule into the bucket's CORS configuration as it is now (read again: another app may
/// have changed it since discovery), every other rule kept as it is.
async fn put_cors(w: &Writer<'_>, bucket: &str, region: &str, rule: &CorsRule) -> Outcome {
    let s3 = (w.s3)(region);
    let now = cors::rules(&s3, bucket).await?;
    let Some(rules) = with_ours(&now, rule) else {
        return Ok(());
    };
    if rules.len() > MAX_RULES {
        return Err(PlanError::CorsFull(bucket.to_string()).into());
    }
    let result = cors::put(&s3, bucket, &rules).await;
    let previous = now.into_iter().find(|r| r.has_id(rule.id()));
    let undo = Undo::restore_cors(
        bucket.to_string(),
        region.to_string(),
        previous,
        rule.clone(),
    );
    Ok(settle(w.journal, result, undo)?)
}

/// `--prune`: delete an inline policy, journaling the document it had (read just before), so
/// a rollback puts it back as it was.
async fn delete_inline(w: &Writer<'_>, holder: &Holder, name: &str) -> Written {
    let document = holder::inline_document(w.iam, holder, name).await?;
    let delete = Op::DeleteInline {
        holder: holder.clone(),
        name: name.to_string(),
    };
    let result = delete.run(w.iam, w.s3).await;
    let undo = Undo::of(Op::PutInline {
        holder: holder.clone(),
        name: name.to_string(),
        document,
    });
    settle(w.journal, result, undo)
}

/// Read the role (or user) back and list how IAM differs from the plan: a run succeeds only
/// if, when it ends, IAM holds exactly its plan. One round trip: the role or user, its
/// attachments and each planned policy's default version, side by side.
pub(crate) async fn confirm(iam: &Client, plan: &Plan, made: &Versions) -> Written<Vec<String>> {
    let holder = plan.holder.id();
    let arns: Vec<String> = plan.policies.iter().filter_map(|p| p.arn.clone()).collect();
    let (now, attached, defaults) = tokio::try_join!(
        async {
            match settings_differ(iam, plan, &holder).await {
                Err(e) if e.says_missing(Missing::Entity) => Ok(None),
                other => other.map(Some),
            }
        },
        async {
            match holder::attached_arns(iam, &holder).await {
                Err(e) if e.says_missing(Missing::Entity) => Ok(Vec::new()),
                other => other,
            }
        },
        default_versions(iam, arns),
    )?;
    let Some(mut differences) = now else {
        return Ok(vec![format!("{holder} no longer exists")]);
    };
    for policy in &plan.policies {
        let Some(arn) = &policy.arn else { continue };
        if !attached.contains(arn) {
            differences.push(format!("policy {} is not attached", policy.name));
        }
        let expected = made.get(arn).or(policy.version.as_ref());
        let now = defaults.get(arn);
        if expected.is_some() && now != expected {
            differences.push(format!(
                "policy {} has default version {}, not this run's {}",
                policy.name,
                now.map_or("none", String::as_str),
                expected.map_or("", String::as_str)
            ));
        }
    }
    for change in &plan.changes {
        let detached = match change {
            Change::DetachStale { arn, .. } | Change::DetachForeign { arn, .. } => arn,
            _ => continue,
        };
        if attached.contains(detached) {
            let name = detached.rsplit('/').next().unwrap_or(detached);
            differences.push(format!("policy {name} is attached again"));
        }
    }
    Ok(differences)
}

/// The role's trust policy and session length, or the user's access key, and the guardrails
/// asked for, against what IAM holds.
async fn settings_differ(iam: &Client, plan: &Plan, holder: &Holder) -> Written<Vec<String>> {
    let g = &plan.guardrails;
    let mut out = Vec::new();
    let (boundary, tags) = match &plan.holder {
        HolderPlan::Role(planned) => {
            let role = &planned.name;
            let now = holder::role(iam, role).await?;
            let raw = now.assume_role_policy_document();
            let trust = super::document(raw, "iam:GetRole", format!("role {role}"))?;
            if !trust.same_meaning(&planned.trust) {
                out.push(format!("the trust policy of role {role} is not this run's"));
            }
            let session = g.max_session_duration.map(|s| s as i32);
            if session.is_some() && now.max_session_duration() != session {
                out.push(format!(
                    "the session length of role {role} is not this run's"
                ));
            }
            let boundary = now
                .permissions_boundary()
                .and_then(|b| b.permissions_boundary_arn())
                .map(str::to_string);
            let tags = now
                .tags()
                .iter()
                .map(|t| (t.key().to_string(), t.value().to_string()))
                .collect::<Vec<_>>();
            (boundary, tags)
        }
        HolderPlan::User(planned) => {
            let user = &planned.name;
            let (now, keys) =
                tokio::try_join!(holder::settings(iam, holder), keys::list(iam, user))?;
            if !keys.iter().any(|k| k.active) && !keeps_no_key(planned) {
                out.push(format!("user {user} has no active access key"));
            }
            (now.boundary, now.tags)
        }
    };
    if g.permissions_boundary.is_some() && boundary != g.permissions_boundary {
        out.push(format!(
            "the permissions boundary of {holder} is not this run's"
        ));
    }
    if let Some((k, _)) = g.tags.iter().find(|t| !tags.contains(t)) {
        out.push(format!("{holder} lacks the tag {k} this run set"));
    }
    Ok(out)
}

/// Whether the plan leaves a user without an active key on purpose (two inactive keys: it
/// says so, and makes none).
fn keeps_no_key(user: &UserPlan) -> bool {
    !user.keys.iter().any(|k| k.active) && user.keys.len() >= crate::plan::user::MAX_KEYS
}

/// The buckets whose CORS this run set, read back: each must hold our rule, once.
pub(crate) async fn confirm_cors(w: &Writer<'_>, plan: &Plan) -> Written<Vec<String>> {
    let set = plan.changes.iter().filter_map(|c| match c {
        Change::PutCors {
            bucket,
            region: Some(region),
            rule,
            ..
        } => Some((bucket, region, rule)),
        _ => None,
    });
    let found: Vec<Written<Option<String>>> = stream::iter(set)
        .map(|(bucket, region, rule)| async move {
            let now = cors::rules(&(w.s3)(region), bucket).await?;
            Ok(with_ours(&now, rule).map(|_| {
                format!(
                    "bucket {bucket} does not hold the CORS rule {} this run set",
                    rule.id()
                )
            }))
        })
        .buffer_unordered(READS)
        .collect()
        .await;
    let mut differences = Vec::new();
    for item in found {
        differences.extend(item?);
    }
    Ok(differences)
}

async fn default_versions(iam: &Client, arns: Vec<String>) -> Written<Versions> {
    let found: Vec<Written<Option<(String, String)>>> = stream::iter(arns)
        .map(|arn| async move {
            let result = iam.get_policy().policy_arn(&arn).send().await;
            match result.aws("iam:GetPolicy", format!("policy {arn}")) {
                Ok(out) => Ok(out
                    .policy()
                    .and_then(|p| p.default_version_id())
                    .map(|v| (arn, v.to_string()))),
                Err(e) if e.says_missing(Missing::Entity) => Ok(None),
                Err(e) => Err(e),
            }
        })
        .buffer_unordered(IAM_READS)
        .collect()
        .await;
    let mut versions = Versions::new();
    for item in found {
        versions.extend(item?);
    }
    Ok(versions)
}

/// The last, irreversible step: delete the policies no longer needed, now detached. A failure
/// leaves the role (or user) as planned; the error says which policy is left and how to
/// delete it.
pub(crate) async fn finish(w: &Writer<'_>, plan: &Plan) -> Outcome {
    for change in &plan.changes {
        let Change::DeleteStale { policy, arn } = change else {
            continue;
        };
        let delete = Op::DeletePolicy { arn: arn.clone() };
        delete.run(w.iam, w.s3).await.map_err(|e| {
            Error::Aws(e).after(format!(
                "{} is as planned, but policy {policy} (now detached) could not be \
                 deleted; delete it with: {}",
                plan.holder.id().the(),
                delete.command()
            ))
        })?;
        (w.progress)(Event::Done(change.done()));
    }
    Ok(())
}
