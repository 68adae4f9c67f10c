//! `verify`'s reads, and nothing else: the role (trust, tags), every attached managed policy
//! (its document, and whether provision-role made it), every inline policy, and each bucket as
//! [`discover::bucket`] reads it for `create` too (region, encryption and key, bucket policy,
//! Requester Pays, CORS), and each `--kms KEY` as [`KeyReader::given`] reads it for `create`
//! too (DescribeKey beside GetKeyPolicy; a key a bucket also uses is read once). Reads run
//! concurrently — the role branch beside the bucket branch, S3 and KMS reads up to
//! [`super::READS`] at a time, IAM reads up to [`IAM_READS`] — and a failed read is kept as
//! data for [`crate::audit`] to judge.

use std::collections::{BTreeMap, BTreeSet};

use futures::stream::{self, StreamExt};

use super::discover::{self, message, FoundBucket, KeyReader};
use super::{holder, keys, Connection, IAM_READS};
use crate::audit::{
    self, Expect, Facts, KeyUse, PolicyFacts, PolicyKind, Read, RoleFacts, RoleSettings,
};
use crate::plan::{AccessKeyInfo, BucketScope, Holder};
use crate::policy::access::{Boundary, Layers};

/// The role (or user) with its policies; for a user, also its keys; the boundary it has.
type HolderFacts = (
    Read<Option<RoleFacts>>,
    Option<Read<Vec<KeyUse>>>,
    Option<Boundary>,
);

/// Read everything `verify` judges. When the buckets are given they are read beside the role
/// (or user); otherwise its policies say which buckets to read.
pub(crate) async fn gather(conn: &Connection, expect: &Expect) -> Facts {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let cors = expect.cors.is_some();
    let keys = &KeyReader::new(conn, &|_| {});
    let (((role, holder_keys, boundary), buckets), kms) = tokio::join!(
        async {
            if expect.scopes.is_empty() {
                let found = read_holder(&conn.iam, &expect.holder).await;
                let scopes = audit::scopes(expect, &found.0);
                (found, read_buckets(conn, keys, &scopes, cors).await)
            } else {
                tokio::join!(
                    read_holder(&conn.iam, &expect.holder),
                    read_buckets(conn, keys, &expect.scopes, cors)
                )
            }
        },
        keys.given(&expect.kms)
    );
    let mut access = Layers {
        boundary,
        ..Layers::default()
    };
    let mut facts_of = BTreeMap::new();
    for (name, b) in buckets {
        b.layers.add_to(&name, &mut access);
        facts_of.insert(name, b.read.map_err(message));
    }
    let mut given = Vec::new();
    for (reference, found) in kms {
        let found = found.map(|k| k.into_facts(&mut access)).map_err(message);
        given.push((reference, found));
    }
    Facts {
        role,
        buckets: facts_of,
        keys: holder_keys,
        now,
        kms: given,
        access,
    }
}

async fn read_holder(iam: &aws_sdk_iam::Client, holder: &Holder) -> HolderFacts {
    match holder {
        Holder::Role(name) => {
            let (role, boundary) = read_role(iam, name).await;
            (role, None, boundary)
        }
        Holder::User(name) => read_user(iam, name).await,
    }
}

/// The user with its permission policies and its keys (each with when it was last used).
async fn read_user(iam: &aws_sdk_iam::Client, name: &str) -> HolderFacts {
    let user = match discover::user(iam, name).await {
        Ok(Some(user)) => user,
        Ok(None) => return (Ok(None), None, None),
        Err(e) => return (Err(message(e)), None, None),
    };
    let holder = Holder::User(name.to_string());
    let (managed, inline, keys, boundary) = tokio::join!(
        managed_policies(iam, &user.attached),
        inline_policies(iam, &holder, &user.inline),
        key_uses(iam, &user.keys),
        discover::boundary(iam, user.permissions_boundary.as_ref())
    );
    let facts = RoleFacts {
        arn: user.arn,
        owned: user.owned,
        trust: None,
        policies: managed.into_iter().chain(inline).collect(),
        settings: RoleSettings {
            path: user.path,
            permissions_boundary: user.permissions_boundary,
            max_session_duration: None,
            tags: user.tags,
        },
    };
    (Ok(Some(facts)), Some(Ok(keys)), boundary)
}

async fn key_uses(iam: &aws_sdk_iam::Client, found: &[AccessKeyInfo]) -> Vec<KeyUse> {
    stream::iter(found)
        .map(|key| async move {
            KeyUse {
                key: key.clone(),
                last_used: keys::last_used(iam, &key.id).await.map_err(message),
            }
        })
        .buffered(IAM_READS)
        .collect()
        .await
}

/// The role with its trust policy and every permission policy (`Ok(None)` if it does not
/// exist), and its boundary.
async fn read_role(
    iam: &aws_sdk_iam::Client,
    name: &str,
) -> (Read<Option<RoleFacts>>, Option<Boundary>) {
    let role = match discover::role(iam, name).await {
        Ok(Some(role)) => role,
        Ok(None) => return (Ok(None), None),
        Err(e) => return (Err(message(e)), None),
    };
    let holder = Holder::Role(name.to_string());
    let (managed, inline, boundary) = tokio::join!(
        managed_policies(iam, &role.attached),
        inline_policies(iam, &holder, &role.inline),
        discover::boundary(iam, role.permissions_boundary.as_ref())
    );
    let facts = RoleFacts {
        trust: Some(Ok(role.trust)),
        arn: role.arn,
        owned: role.owned,
        policies: managed.into_iter().chain(inline).collect(),
        settings: RoleSettings {
            path: role.path,
            permissions_boundary: role.permissions_boundary,
            max_session_duration: role.max_session_duration,
            tags: role.tags,
        },
    };
    (Ok(Some(facts)), boundary)
}

async fn managed_policies(iam: &aws_sdk_iam::Client, arns: &[String]) -> Vec<PolicyFacts> {
    stream::iter(arns)
        .map(|arn| async move {
            let name = crate::plan::changes::policy_name_of(arn).to_string();
            let found = discover::policy(iam, arn.clone()).await;
            let (owned, document) = match found {
                Ok(Some(p)) => (p.owned, Ok(p.document)),
                Ok(None) => (false, Err(format!("policy {arn} does not exist"))),
                Err(e) => (false, Err(message(e))),
            };
            PolicyFacts {
                name,
                kind: PolicyKind::Managed {
                    arn: arn.clone(),
                    owned,
                },
                document,
            }
        })
        .buffered(IAM_READS)
        .collect()
        .await
}

async fn inline_policies(
    iam: &aws_sdk_iam::Client,
    holder: &Holder,
    names: &[String],
) -> Vec<PolicyFacts> {
    stream::iter(names)
        .map(|name| async move {
            let document = holder::inline_document(iam, holder, name)
                .await
                .map(crate::policy::HeldDocument::into_typed)
                .map_err(|e| format!("inline policy {name}: {e:#}"));
            PolicyFacts {
                name: name.clone(),
                kind: PolicyKind::Inline,
                document,
            }
        })
        .buffered(IAM_READS)
        .collect()
        .await
}

/// Each bucket of the scopes, as `create` reads it.
async fn read_buckets(
    conn: &Connection,
    keys: &KeyReader<'_>,
    scopes: &[BucketScope],
    cors: bool,
) -> BTreeMap<String, FoundBucket> {
    let names: BTreeSet<&str> = scopes.iter().map(|s| s.bucket.as_str()).collect();
    discover::buckets(conn, keys, names, cors).await
}
