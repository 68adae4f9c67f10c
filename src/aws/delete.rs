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

use anyhow::{bail, Result};
use aws_sdk_iam::Client;
use futures::stream::{self, StreamExt, TryStreamExt};

use super::discover::{self, Identity};
use super::holder::either;
use super::ops::{delete_inline, delete_policy, detach, restore_default, untag};
use super::retry::{eventually, Backoff};
use super::{
    cors, keys, AwsError, AwsResult, Connection, Event, Progress, S3For, IAM_READS, READS,
};
use crate::plan::cors::{rule_id, without_ours};
use crate::plan::{policy_name, Holder, Resource, MAX_POLICIES_PER_ROLE, OWNER_TAG};

/// A managed policy attached to the role.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Attached {
    pub arn: String,
    /// Created (or adopted) by this tool: tagged.
    pub owned: bool,
    /// Adopted: its default version before, and the versions made since (oldest first).
    pub adopted: Option<(String, Vec<String>)>,
    /// Attached to other roles, users or groups as well.
    pub shared: bool,
    /// For a policy of ours: the buckets it grants (whose CORS may hold our rule).
    pub buckets: Vec<String>,
}

/// The role (or user) and everything that hangs on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inventory {
    pub holder: Holder,
    pub arn: String,
    pub owned: bool,
    pub adopted: bool,
    pub attached: Vec<Attached>,
    /// Names of its inline policies.
    pub inline: Vec<String>,
    /// Names of the instance profiles that contain it (a role's).
    pub instance_profiles: Vec<String>,
    /// Ids of its access keys (a user's).
    pub keys: Vec<String>,
}

/// One write of a deletion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// A user's access key: IAM deletes no user that has one.
    DeleteAccessKey {
        user: String,
        id: String,
    },
    DeleteInline {
        holder: Holder,
        name: String,
    },
    /// `keep` says why the policy stays after being detached, if it does.
    Detach {
        holder: Holder,
        arn: String,
        keep: Option<&'static str>,
    },
    DeletePolicy {
        arn: String,
    },
    /// An adopted policy: back to its default version from before, the versions made since
    /// deleted.
    RestorePolicy {
        arn: String,
        version: String,
        newer: Vec<String>,
    },
    /// An adopted role or policy, kept: our tags come off.
    Untag {
        resource: Resource,
        arn: String,
    },
    DeleteRole {
        name: String,
        arn: String,
    },
    DeleteUser {
        name: String,
        arn: String,
    },
    /// Our CORS rule comes out of the bucket's configuration; its other rules stay (with
    /// none left, the configuration goes).
    RemoveCors {
        bucket: String,
        region: String,
        /// The rule's ID: the one for this role or user.
        id: String,
    },
}

/// What a step does to the resource it touches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fate {
    Deleted,
    Detached,
    Kept,
}

impl Step {
    /// What the step will do.
    pub fn todo(&self) -> String {
        match self {
            Step::DeleteAccessKey { id, .. } => format!("delete access key {id}"),
            Step::DeleteInline { name, .. } => format!("delete inline policy {name}"),
            Step::Detach {
                arn,
                keep: Some(why),
                ..
            } => format!("detach policy {arn} ({why}: it is kept)"),
            Step::Detach { arn, .. } => format!("detach policy {arn}"),
            Step::DeletePolicy { arn } => format!("delete policy {arn} (all versions)"),
            Step::RestorePolicy { arn, version, .. } => format!(
                "restore policy {arn} to {version}, its version from before --adopt (it is kept)"
            ),
            Step::Untag { resource, .. } => {
                format!(
                    "remove the {} tags from {resource} (adopted: it is kept)",
                    OWNER_TAG.1
                )
            }
            Step::DeleteRole { arn, .. } => format!("delete role {arn}"),
            Step::DeleteUser { arn, .. } => format!("delete user {arn}"),
            Step::RemoveCors { bucket, id, .. } => {
                format!("remove the CORS rule {id} from bucket {bucket} (its other rules are kept)")
            }
        }
    }

    /// What the step did.
    pub fn done(&self) -> String {
        match self {
            Step::DeleteAccessKey { id, .. } => format!("deleted access key {id}"),
            Step::DeleteInline { name, .. } => format!("deleted inline policy {name}"),
            Step::Detach {
                arn,
                keep: Some(why),
                ..
            } => format!("detached policy {arn} ({why}: kept)"),
            Step::Detach { arn, .. } => format!("detached policy {arn}"),
            Step::DeletePolicy { arn } => format!("deleted policy {arn}"),
            Step::RestorePolicy { arn, version, .. } => {
                format!("restored policy {arn} to {version} (kept)")
            }
            Step::Untag { resource, .. } => {
                format!("removed the {} tags from {resource} (kept)", OWNER_TAG.1)
            }
            Step::DeleteRole { arn, .. } => format!("deleted role {arn}"),
            Step::DeleteUser { arn, .. } => format!("deleted user {arn}"),
            Step::RemoveCors { bucket, id, .. } => {
                format!("removed the CORS rule {id} from bucket {bucket}")
            }
        }
    }

    /// The resource the step touches, and what happens to it.
    pub fn resource(&self) -> (Fate, String) {
        match self {
            Step::DeleteAccessKey { id, .. } => (Fate::Deleted, format!("access-key/{id}")),
            Step::DeleteInline { name, .. } => (Fate::Deleted, format!("inline-policy/{name}")),
            Step::Detach { arn, .. } => (Fate::Detached, arn.clone()),
            Step::DeletePolicy { arn }
            | Step::DeleteRole { arn, .. }
            | Step::DeleteUser { arn, .. } => (Fate::Deleted, arn.clone()),
            Step::RestorePolicy { arn, .. } | Step::Untag { arn, .. } => (Fate::Kept, arn.clone()),
            Step::RemoveCors { bucket, .. } => {
                (Fate::Deleted, Resource::Cors(bucket.clone()).to_string())
            }
        }
    }
}

/// The role (or user) and what is attached to it, or None if it does not exist.
pub async fn inventory(
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
        Err(err) if AwsError::has_code(&err, "AccessDenied") => {
            progress(Event::Found(format!(
                "{err:#}; treating it as not created by provision-role"
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
    let document: Option<crate::policy::PolicyDocument> =
        serde_json::from_value(policy.document).ok();
    let mut buckets: Vec<String> = crate::audit::granted_scopes(document.iter())
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
pub fn steps(inv: &Inventory, force: bool) -> Result<Vec<Step>> {
    let holder = &inv.holder;
    if !inv.owned {
        bail!(
            "{holder} was not created by provision-role (it has no {}={} tag); nothing was \
             deleted. Delete it with the AWS console or CLI if you mean to",
            OWNER_TAG.0,
            OWNER_TAG.1
        );
    }
    let keep = inv.adopted && !force;
    if !keep && !inv.instance_profiles.is_empty() {
        bail!(
            "{holder} is in instance profile(s) {}, so EC2 instances may be using it; nothing \
             was deleted. Remove it from them first (aws iam remove-role-from-instance-profile)",
            inv.instance_profiles.join(", ")
        );
    }
    let mut steps: Vec<Step> = Vec::new();
    if !keep {
        steps.extend(inv.keys.iter().map(|id| Step::DeleteAccessKey {
            user: holder.name().to_string(),
            id: id.clone(),
        }));
        steps.extend(inv.inline.iter().map(|name| Step::DeleteInline {
            holder: holder.clone(),
            name: name.clone(),
        }));
    }
    for policy in &inv.attached {
        steps.extend(policy_steps(holder, policy, keep, force));
    }
    let (name, arn) = (holder.name().to_string(), inv.arn.clone());
    steps.push(match (keep, holder) {
        (true, _) => Step::Untag {
            resource: holder.resource(),
            arn,
        },
        (false, Holder::Role(_)) => Step::DeleteRole { name, arn },
        (false, Holder::User(_)) => Step::DeleteUser { name, arn },
    });
    Ok(steps)
}

/// What happens to one attached policy.
fn policy_steps(holder: &Holder, policy: &Attached, keep_role: bool, force: bool) -> Vec<Step> {
    let arn = policy.arn.clone();
    let detach = |keep| Step::Detach {
        holder: holder.clone(),
        arn: arn.clone(),
        keep,
    };
    match (&policy.adopted, policy.owned, policy.shared) {
        (Some((version, newer)), _, _) if !force => {
            let mut out = vec![
                Step::RestorePolicy {
                    arn: arn.clone(),
                    version: version.clone(),
                    newer: newer.clone(),
                },
                Step::Untag {
                    resource: Resource::Policy(arn.rsplit('/').next().unwrap_or(&arn).to_string()),
                    arn: arn.clone(),
                },
            ];
            if !keep_role {
                out.insert(0, detach(Some("adopted")));
            }
            out
        }
        (_, false, _) => vec![detach(Some("not created by provision-role"))],
        (_, true, true) => vec![detach(Some("also attached elsewhere"))],
        (_, true, false) => vec![detach(None), Step::DeletePolicy { arn }],
    }
}

/// The tool's policies for `role` that no role uses any more (a failed run's leftovers):
/// looked up by name (`POLICY`, `POLICY-2` … `POLICY-10`), deleted only when tagged ours, not
/// adopted, and attached to nothing.
pub async fn orphans(iam: &Client, who: &Identity, policy: &str) -> Result<Vec<Step>> {
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
            Ok::<_, anyhow::Error>((p.owned && p.adopted_from.is_none() && !used).then_some(arn))
        })
        .buffered(IAM_READS)
        .try_collect()
        .await?;
    Ok(found
        .into_iter()
        .flatten()
        .map(|arn| Step::DeletePolicy { arn })
        .collect())
}

async fn run_step(
    iam: &Client,
    s3: S3For<'_>,
    step: &Step,
    backoff: Backoff,
    progress: Progress<'_>,
) -> Result<()> {
    match step {
        Step::DeleteAccessKey { user, id } => keys::delete(iam, user, id).await?,
        Step::DeleteInline { holder, name } => delete_inline(iam, holder, name).await?,
        Step::Detach { holder, arn, .. } => detach(iam, holder, arn).await?,
        Step::DeletePolicy { arn } => delete_policy(iam, arn).await?,
        Step::RestorePolicy {
            arn,
            version,
            newer,
        } => restore_default(iam, arn, version, newer).await?,
        Step::Untag { resource, arn } => untag(iam, resource, arn).await?,
        Step::DeleteRole { name, .. } => {
            delete_holder(iam, &Holder::Role(name.clone()), backoff, progress).await?
        }
        Step::DeleteUser { name, .. } => {
            delete_holder(iam, &Holder::User(name.clone()), backoff, progress).await?
        }
        Step::RemoveCors { bucket, region, id } => remove_cors(&s3(region), bucket, id).await?,
    }
    Ok(())
}

/// Take our rule out of the bucket's CORS configuration as it is now.
async fn remove_cors(s3: &aws_sdk_s3::Client, bucket: &str, id: &str) -> Result<()> {
    let now = cors::rules(s3, bucket).await?;
    if let Some(rest) = without_ours(&now, id) {
        cors::put(s3, bucket, &rest).await?;
    }
    Ok(())
}

/// For each bucket our policies grant whose CORS holds the holder's rule, a step that removes
/// it. A bucket that cannot be read (gone, or the caller may not read its CORS) is skipped,
/// with a warning saying so.
pub async fn cors_steps(
    conn: &Connection,
    holder: &Holder,
    buckets: Vec<String>,
) -> (Vec<Step>, Vec<String>) {
    let id = &rule_id(holder);
    let found: Vec<Result<Option<Step>>> = stream::iter(buckets)
        .map(|bucket| async move {
            let region = discover::bucket_region(&conn.s3("us-east-1"), &bucket).await?;
            let rules = cors::rules(&conn.s3(&region), &bucket).await?;
            Ok(rules
                .iter()
                .any(|r| r.has_id(id))
                .then(|| Step::RemoveCors {
                    bucket,
                    region,
                    id: id.clone(),
                }))
        })
        .buffered(READS)
        .collect()
        .await;
    let (mut steps, mut warnings) = (Vec::new(), Vec::new());
    for item in found {
        match item {
            Ok(step) => steps.extend(step),
            Err(e) if AwsError::has_code(&e, "NoSuchBucket") => {}
            Err(e) => warnings.push(format!(
                "{e:#}; a CORS rule {id} there, if any, is left as it is"
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
    let conflict = |e: &super::AwsError| e.is("DeleteConflict") || e.is("ConcurrentModification");
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
pub async fn execute(
    iam: &Client,
    s3: S3For<'_>,
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
        if let Err(err) = run_step(iam, s3, step, backoff, progress).await {
            let so_far = if finished.is_empty() {
                "nothing was changed".to_string()
            } else {
                format!("already done: {}", finished.join("; "))
            };
            return Err(err.context(format!(
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
        assert!(matches!(steps.last(), Some(Step::DeleteRole { .. })));
        assert!(steps
            .iter()
            .any(|s| s.todo().contains("not created by provision-role")));
        assert!(steps.contains(&Step::RestorePolicy {
            arn: ADOPTED.into(),
            version: "v1".into(),
            newer: vec!["v2".into(), "v3".into()]
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
            kept.last(),
            Some(Step::Untag {
                resource: Resource::Role(_),
                ..
            })
        ));
        assert!(!kept.iter().any(|s| matches!(s, Step::DeleteInline { .. })));
        let forced = steps(&inventory(true, true), true).unwrap();
        assert!(matches!(forced.last(), Some(Step::DeleteRole { .. })));
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
        assert_eq!(
            all[..2],
            [
                Step::DeleteAccessKey {
                    user: "u".into(),
                    id: "AKIA1".into()
                },
                Step::DeleteAccessKey {
                    user: "u".into(),
                    id: "AKIA2".into()
                }
            ]
        );
        assert!(matches!(all.last(), Some(Step::DeleteUser { .. })));
        assert!(fates(&all, Fate::Deleted).contains(&"access-key/AKIA1".to_string()));
        inv.adopted = true;
        let kept = steps(&inv, false).unwrap();
        assert!(!kept
            .iter()
            .any(|s| matches!(s, Step::DeleteAccessKey { .. })));
        assert!(matches!(
            kept.last(),
            Some(Step::Untag {
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
