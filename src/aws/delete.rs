//! Deletion of a role (or `--identity user` user) and its policies.
//!
//! Only what this tool created is deleted. A role without our tag is refused. Its managed
//! policies are detached; those the tool created are deleted too, unless something else also
//! uses them. Policies the tool did not create are detached (IAM will not delete a role with
//! attachments) but never deleted. Inline policies belong to the role and go with it. A user
//! is deleted the same way, its access keys first.
//!
//! What `--adopt` took over existed before the tool: unless `--force`, an adopted role is kept
//! (our tags removed, our own policies deleted), and an adopted policy is kept with its default
//! version from before the adoption restored. When the role is gone, the tool's policies that
//! a failed run left behind (tagged, attached to nothing) are found by name and deleted.
//!
//! Deep Lake's CORS rule (set with `create --cors`) is taken out of the buckets our policies
//! grant, first, while the role still says which buckets those are; other rules stay.

use aws_sdk_iam::Client;
use futures::stream::{self, StreamExt, TryStreamExt};

use super::discover::{self, Identity};
use super::error::Result;
use super::holder::either;
use super::ops::Op;
use super::retry::{eventually, Backoff};
use super::{
    cors, Answer, AwsError, AwsResult, Connection, Error, Event, Missing, Outcome, Progress, S3For,
    IAM_READS, READS,
};
use crate::plan::cors::rule_id;
use crate::plan::{policy_name, Holder, Resource, MAX_POLICIES_PER_ROLE, OWNER_TAG};

/// A managed policy attached to the role.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Attached {
    pub(crate) arn: String,
    /// Created (or adopted) by this tool: tagged.
    pub(crate) owned: bool,
    /// Adopted: its default version before, and the versions made since (oldest first).
    pub(crate) adopted: Option<(String, Vec<String>)>,
    /// Attached to other roles, users or groups as well.
    pub(crate) shared: bool,
    /// For a policy of ours: the buckets it grants (whose CORS may hold our rule).
    pub(crate) buckets: Vec<String>,
}

/// The role (or user) and everything that hangs on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Inventory {
    pub(crate) holder: Holder,
    pub(crate) arn: String,
    pub(crate) owned: bool,
    pub(crate) adopted: bool,
    pub(crate) attached: Vec<Attached>,
    /// Names of its inline policies.
    pub(crate) inline: Vec<String>,
    /// Names of the instance profiles that contain it (a role's).
    pub(crate) instance_profiles: Vec<String>,
    /// Ids of its access keys (a user's).
    pub(crate) keys: Vec<String>,
}

/// One write of a deletion: the write, what it does to the resource it touches, and a note
/// that says why when the resource stays.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Step {
    pub(crate) op: Op,
    pub(crate) fate: Fate,
    /// The resource: an ARN, `inline-policy/NAME`, `access-key/ID` or `cors/BUCKET`.
    pub(crate) target: String,
    pub(crate) note: Option<&'static str>,
}

/// What a step does to the resource it touches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fate {
    Deleted,
    Detached,
    Kept,
}

impl Step {
    fn new(op: Op, fate: Fate, target: impl Into<String>, note: Option<&'static str>) -> Step {
        Step {
            op,
            fate,
            target: target.into(),
            note,
        }
    }

    /// What the step will do.
    pub(crate) fn todo(&self) -> String {
        self.with_note(self.op.task())
    }

    /// What the step did.
    pub(crate) fn done(&self) -> String {
        self.with_note(self.op.past())
    }

    fn with_note(&self, text: String) -> String {
        match self.note {
            Some(note) => format!("{text} ({note})"),
            None => text,
        }
    }

    /// The resource the step touches, and what happens to it.
    pub(crate) fn resource(&self) -> (Fate, String) {
        (self.fate, self.target.clone())
    }
}

/// The role (or user) and what is attached to it, or None if it does not exist.
pub(crate) async fn inventory(
    iam: &Client,
    holder: &Holder,
    progress: Progress<'_>,
) -> Result<Option<Inventory>> {
    let found = match holder {
        Holder::Role(name) => discover::role(iam, name).await?.map(|r| {
            let found = (r.arn, r.owned, r.adopted, r.attached, r.inline);
            (found, Vec::new())
        }),
        Holder::User(name) => discover::user(iam, name).await?.map(|u| {
            let keys = u.keys.into_iter().map(|k| k.id).collect();
            ((u.arn, u.owned, u.adopted, u.attached, u.inline), keys)
        }),
    };
    let Some(((arn, owned, adopted, attached, inline), keys)) = found else {
        return Ok(None);
    };
    let (attached, instance_profiles) = tokio::try_join!(
        stream::iter(attached)
            .map(|arn| attached_policy(iam, arn, holder, progress))
            .buffered(IAM_READS)
            .try_collect(),
        instance_profiles(iam, holder),
    )?;
    Ok(Some(Inventory {
        holder: holder.clone(),
        arn,
        owned,
        adopted,
        attached,
        inline,
        instance_profiles,
        keys,
    }))
}

/// A policy the caller may not read counts as not ours: it is detached, never deleted.
async fn attached_policy(
    iam: &Client,
    arn: String,
    holder: &Holder,
    progress: Progress<'_>,
) -> Result<Attached> {
    let found = match discover::policy(iam, arn.clone()).await {
        Ok(found) => found,
        Err(err) if err.is(Answer::Denied) => {
            progress(Event::Found(format!(
                "{err}; treating it as not created by provision-role"
            )));
            None
        }
        Err(err) => return Err(err),
    };
    let Some(policy) = found.filter(|p| p.owned) else {
        return Ok(Attached {
            arn,
            ..Attached::default()
        });
    };
    let adopted = match &policy.adopted_from {
        Some(from) => Some((from.clone(), versions_after(iam, &arn, from).await?)),
        None => None,
    };
    let mut buckets: Vec<String> = crate::audit::granted_scopes([&policy.document])
        .into_iter()
        .map(|s| s.bucket)
        .collect();
    buckets.dedup();
    Ok(Attached {
        shared: discover::attached_elsewhere(iam, &arn, Some(holder)).await?,
        owned: true,
        adopted,
        arn,
        buckets,
    })
}

/// The number in a version id (`v12` → 12).
fn version_number(id: &str) -> u64 {
    id.trim_start_matches('v').parse().unwrap_or(0)
}

/// Versions made after `from` (IAM numbers versions in order and never reuses a number).
async fn versions_after(iam: &Client, arn: &str, from: &str) -> Result<Vec<String>> {
    let out = iam
        .list_policy_versions()
        .policy_arn(arn)
        .send()
        .await
        .aws("iam:ListPolicyVersions", format!("policy {arn}"))?;
    let mut newer: Vec<String> = out
        .versions()
        .iter()
        .filter_map(|v| v.version_id())
        .filter(|id| version_number(id) > version_number(from))
        .map(str::to_string)
        .collect();
    newer.sort_by_key(|id| version_number(id));
    Ok(newer)
}

/// The instance profiles a role is in (a user is in none).
async fn instance_profiles(iam: &Client, holder: &Holder) -> Result<Vec<String>> {
    let Holder::Role(role) = holder else {
        return Ok(Vec::new());
    };
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

/// The writes that delete the role or user (or, for an adopted one without `force`, hand it
/// back as it was), in order; or why this tool will not touch it.
pub(crate) fn steps(inv: &Inventory, force: bool) -> Outcome<Vec<Step>> {
    let holder = &inv.holder;
    if !inv.owned {
        return Err(Error::Refused(format!(
            "{holder} was not created by provision-role (it has no {}={} tag); nothing was \
             deleted. Delete it with the AWS console or CLI if you mean to",
            OWNER_TAG.0, OWNER_TAG.1
        )));
    }
    let keep = inv.adopted && !force;
    if !keep && !inv.instance_profiles.is_empty() {
        return Err(Error::Refused(format!(
            "{holder} is in instance profile(s) {}, so EC2 instances may be using it; nothing \
             was deleted. Remove it from them first (aws iam remove-role-from-instance-profile)",
            inv.instance_profiles.join(", ")
        )));
    }
    let mut steps: Vec<Step> = Vec::new();
    if !keep {
        steps.extend(inv.keys.iter().map(|id| {
            let op = Op::DeleteAccessKey {
                user: holder.name().to_string(),
                id: Some(id.clone()),
            };
            Step::new(op, Fate::Deleted, format!("access-key/{id}"), None)
        }));
        steps.extend(inv.inline.iter().map(|name| {
            let op = Op::DeleteInline {
                holder: holder.clone(),
                name: name.clone(),
            };
            Step::new(op, Fate::Deleted, format!("inline-policy/{name}"), None)
        }));
    }
    for policy in &inv.attached {
        steps.extend(policy_steps(holder, policy, keep, force));
    }
    let arn = inv.arn.clone();
    steps.push(match keep {
        true => untag(holder.resource(), arn, "adopted: it is kept"),
        false => {
            let name = holder.name().to_string();
            let op = match holder {
                Holder::Role(_) => Op::DeleteRole { name },
                Holder::User(_) => Op::DeleteUser { name },
            };
            Step::new(op, Fate::Deleted, arn, None)
        }
    });
    Ok(steps)
}

fn untag(resource: Resource, arn: String, note: &'static str) -> Step {
    let op = Op::Untag {
        resource,
        arn: arn.clone(),
    };
    Step::new(op, Fate::Kept, arn, Some(note))
}

fn delete_policy(arn: String) -> Step {
    let op = Op::DeletePolicy { arn: arn.clone() };
    Step::new(op, Fate::Deleted, arn, Some("all versions"))
}

/// What happens to one attached policy.
fn policy_steps(holder: &Holder, policy: &Attached, keep_role: bool, force: bool) -> Vec<Step> {
    let arn = policy.arn.clone();
    let detach = |note| {
        let op = Op::Detach {
            holder: holder.clone(),
            arn: arn.clone(),
        };
        Step::new(op, Fate::Detached, arn.clone(), note)
    };
    match (&policy.adopted, policy.owned, policy.shared) {
        (Some((version, newer)), _, _) if !force => {
            let restore = Op::RestoreDefault {
                arn: arn.clone(),
                version: version.clone(),
                drop: newer.clone(),
            };
            let name = arn.rsplit('/').next().unwrap_or(&arn).to_string();
            let mut out = vec![
                Step::new(
                    restore,
                    Fate::Kept,
                    arn.clone(),
                    Some("its version from before --adopt: it is kept"),
                ),
                untag(Resource::Policy(name), arn.clone(), "adopted: it is kept"),
            ];
            if !keep_role {
                out.insert(0, detach(Some("adopted: it is kept")));
            }
            out
        }
        (_, false, _) => vec![detach(Some("not created by provision-role: it is kept"))],
        (_, true, true) => vec![detach(Some("also attached elsewhere: it is kept"))],
        (_, true, false) => vec![detach(None), delete_policy(arn)],
    }
}

/// The tool's policies for `role` that no role uses any more (a failed run's leftovers):
/// looked up by name (`POLICY`, `POLICY-2` … `POLICY-10`), deleted only when tagged ours, not
/// adopted, and attached to nothing.
pub(crate) async fn orphans(iam: &Client, who: &Identity, policy: &str) -> Result<Vec<Step>> {
    let arns = (0..MAX_POLICIES_PER_ROLE).map(|i| {
        format!(
            "arn:{}:iam::{}:policy/{}",
            who.partition,
            who.account,
            policy_name(policy, i)
        )
    });
    let found: Vec<Option<String>> = stream::iter(arns)
        .map(|arn| async move {
            let Some(p) = discover::policy(iam, arn.clone()).await? else {
                return Ok(None);
            };
            let used = discover::attached_elsewhere(iam, &arn, None).await?;
            Ok::<_, AwsError>((p.owned && p.adopted_from.is_none() && !used).then_some(arn))
        })
        .buffered(IAM_READS)
        .try_collect()
        .await?;
    Ok(found.into_iter().flatten().map(delete_policy).collect())
}

async fn run_step(
    iam: &Client,
    s3: S3For<'_>,
    step: &Step,
    backoff: Backoff,
    progress: Progress<'_>,
) -> Result<()> {
    match &step.op {
        Op::DeleteRole { name } => {
            delete_holder(iam, &Holder::Role(name.clone()), backoff, progress).await
        }
        Op::DeleteUser { name } => {
            delete_holder(iam, &Holder::User(name.clone()), backoff, progress).await
        }
        op => op.run(iam, s3).await,
    }
}

/// For each bucket our policies grant whose CORS holds the holder's rule, a step that removes
/// it. A bucket that cannot be read (gone, or the caller may not read its CORS) is skipped,
/// with a warning saying so.
pub(crate) async fn cors_steps(
    conn: &Connection,
    holder: &Holder,
    buckets: Vec<String>,
) -> (Vec<Step>, Vec<String>) {
    let id = &rule_id(holder);
    let found: Vec<super::error::Result<Option<Step>>> = stream::iter(buckets)
        .map(|bucket| async move {
            let region = discover::bucket_region(&conn.s3("us-east-1"), &bucket).await?;
            let rules = cors::rules(&conn.s3(&region), &bucket).await?;
            Ok(rules.iter().any(|r| r.has_id(id)).then(|| {
                let target = Resource::Cors(bucket.clone()).to_string();
                let op = Op::SetCorsRule {
                    bucket,
                    region,
                    id: id.clone(),
                    rule: None,
                };
                Step::new(op, Fate::Deleted, target, Some("its other rules are kept"))
            }))
        })
        .buffered(READS)
        .collect()
        .await;
    let (mut steps, mut warnings) = (Vec::new(), Vec::new());
    for item in found {
        match item {
            Ok(step) => steps.extend(step),
            Err(e) if e.says_missing(Missing::Bucket) => {}
            Err(e) => warnings.push(format!(
                "{e}; a CORS rule {id} there, if any, is left as it is"
            )),
        }
    }
    (steps, warnings)
}

/// Delete the role or user, waiting out IAM's propagation of the detachments just made.
async fn delete_holder(
    iam: &Client,
    holder: &Holder,
    backoff: Backoff,
    progress: Progress<'_>,
) -> Result<()> {
    let conflict = |e: &AwsError| matches!(e.answer(), Some(Answer::InUse | Answer::Concurrent));
    eventually(backoff, conflict, progress, || async {
        either!(
            iam,
            holder,
            holder,
            delete_role("iam:DeleteRole") | delete_user("iam:DeleteUser")
        )
    })
    .await?;
    Ok(())
}

/// Run the steps in order, reporting each as done. Stops before the next step once `cancel`
/// is set. On a failure, the error says what had been done before it.
pub(crate) async fn execute(
    iam: &Client,
    s3: S3For<'_>,
    steps: &[Step],
    backoff: Backoff,
    cancel: &crate::cancel::Cancel,
    progress: Progress<'_>,
) -> Outcome {
    let mut finished: Vec<String> = Vec::new();
    for step in steps {
        if cancel.is_cancelled() {
            return Err(crate::exit::Cancelled(
                "interrupted: the steps marked ✓ were done; run delete again to finish".into(),
            )
            .into());
        }
        if let Err(err) = run_step(iam, s3, step, backoff, progress).await {
            let so_far = if finished.is_empty() {
                "nothing was changed".to_string()
            } else {
                format!("already done: {}", finished.join("; "))
            };
            return Err(Error::Aws(err).after(format!(
                "could not {}; {so_far}; run delete again to finish",
                step.todo()
            )));
        }
        finished.push(step.done());
        progress(Event::Done(step.done()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const OURS: &str = "arn:aws:iam::123456789012:policy/r-s3-access";
    const SHARED: &str = "arn:aws:iam::123456789012:policy/shared";
    const AWS_MANAGED: &str = "arn:aws:iam::aws:policy/ReadOnlyAccess";
    const ADOPTED: &str = "arn:aws:iam::123456789012:policy/theirs";

    fn inventory(owned: bool, adopted: bool) -> Inventory {
        let policy = |arn: &str, owned, shared| Attached {
            arn: arn.into(),
            owned,
            shared,
            adopted: None,
            buckets: Vec::new(),
        };
        Inventory {
            holder: Holder::Role("r".into()),
            arn: "arn:aws:iam::123456789012:role/r".into(),
            owned,
            adopted,
            attached: vec![
                policy(OURS, true, false),
                policy(AWS_MANAGED, false, true),
                policy(SHARED, true, true),
                Attached {
                    adopted: Some(("v1".into(), vec!["v2".into(), "v3".into()])),
                    ..policy(ADOPTED, true, false)
                },
            ],
            inline: vec!["extra".into()],
            instance_profiles: Vec::new(),
            keys: Vec::new(),
        }
    }

    fn last_op(steps: &[Step]) -> Option<&Op> {
        steps.last().map(|s| &s.op)
    }

    fn fates(steps: &[Step], fate: Fate) -> Vec<String> {
        steps
            .iter()
            .map(Step::resource)
            .filter(|r| r.0 == fate)
            .map(|r| r.1)
            .collect()
    }

    #[test]
    fn deletes_only_what_is_ours_and_the_role_last() {
        let steps = steps(&inventory(true, false), false).unwrap();
        assert_eq!(
            fates(&steps, Fate::Deleted),
            vec![
                "inline-policy/extra",
                OURS,
                "arn:aws:iam::123456789012:role/r"
            ]
        );
        assert_eq!(
            fates(&steps, Fate::Detached),
            vec![OURS, AWS_MANAGED, SHARED, ADOPTED]
        );
        assert_eq!(fates(&steps, Fate::Kept), vec![ADOPTED, ADOPTED]);
        assert!(matches!(last_op(&steps), Some(Op::DeleteRole { .. })));
        assert!(steps
            .iter()
            .any(|s| s.todo().contains("not created by provision-role")));
        assert!(steps.iter().any(|s| s.op
            == Op::RestoreDefault {
                arn: ADOPTED.into(),
                version: "v1".into(),
                drop: vec!["v2".into(), "v3".into()]
            }));
    }

    #[test]
    fn an_adopted_role_is_handed_back_unless_forced() {
        let kept = steps(&inventory(true, true), false).unwrap();
        assert_eq!(
            fates(&kept, Fate::Deleted),
            vec![OURS],
            "only our own policy goes"
        );
        assert!(matches!(
            last_op(&kept),
            Some(Op::Untag {
                resource: Resource::Role(_),
                ..
            })
        ));
        assert!(!kept.iter().any(|s| matches!(s.op, Op::DeleteInline { .. })));
        let forced = steps(&inventory(true, true), true).unwrap();
        assert!(matches!(last_op(&forced), Some(Op::DeleteRole { .. })));
        assert!(fates(&forced, Fate::Deleted).contains(&ADOPTED.to_string()));
    }

    #[test]
    fn refuses_foreign_roles_and_instance_profiles() {
        let err = steps(&inventory(false, false), false)
            .unwrap_err()
            .to_string();
        assert!(err.contains("not created by provision-role"), "{err}");
        let mut inv = inventory(true, false);
        inv.instance_profiles = vec!["web".into()];
        let err = steps(&inv, false).unwrap_err().to_string();
        assert!(err.contains("instance profile(s) web"), "{err}");
    }

    #[test]
    fn a_user_goes_with_its_keys_first_and_is_refused_when_not_ours() {
        let mut inv = inventory(true, false);
        inv.holder = Holder::User("u".into());
        inv.arn = "arn:aws:iam::123456789012:user/u".into();
        inv.keys = vec!["AKIA1".into(), "AKIA2".into()];
        let all = steps(&inv, false).unwrap();
        let key = |id: &str| Op::DeleteAccessKey {
            user: "u".into(),
            id: Some(id.into()),
        };
        let first: Vec<&Op> = all[..2].iter().map(|s| &s.op).collect();
        assert_eq!(first, [&key("AKIA1"), &key("AKIA2")]);
        assert!(matches!(last_op(&all), Some(Op::DeleteUser { .. })));
        assert!(fates(&all, Fate::Deleted).contains(&"access-key/AKIA1".to_string()));
        inv.adopted = true;
        let kept = steps(&inv, false).unwrap();
        assert!(!kept
            .iter()
            .any(|s| matches!(s.op, Op::DeleteAccessKey { .. })));
        assert!(matches!(
            last_op(&kept),
            Some(Op::Untag {
                resource: Resource::User(_),
                ..
            })
        ));
        inv.owned = false;
        let err = steps(&inv, false).unwrap_err().to_string();
        assert!(
            err.starts_with("user u was not created by provision-role"),
            "{err}"
        );
    }

    #[test]
    fn versions_are_compared_by_number() {
        assert!(version_number("v10") > version_number("v9"));
    }
}
