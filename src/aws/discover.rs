//! Read-only discovery: who the caller is, where each bucket lives and how it is encrypted,
//! which KMS keys those are, and what IAM already holds under the names we would use.
//!
//! Round trips, not calls, are what people wait for, so three chains run side by side:
//! STS → our policy (GetPolicy → GetPolicyVersion); each bucket's GetBucketLocation →
//! GetBucketEncryption → DescribeKey for its key (once per key, [`KeyReader`]); GetRole → its
//! attached and inline policies. Only reads that could matter are sent: the role's lists only
//! when it exists, a policy's document only when the policy exists. Reads that only a draft plan can name (the
//! NAME-N policies of a large grant, the stale ones' other holders) are [`follow_up`]'s, asked
//! for by `plan::follow_up`: this layer reads, the planner decides.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Mutex;

use aws_sdk_iam::types::Tag;
use futures::future::{BoxFuture, FutureExt, Shared};
use futures::stream::{self, StreamExt, TryStreamExt};

use super::document;
use super::error::Result;
use super::holder::{self, attached_arns, inline_names};
use super::{
    keys, AwsError, AwsResult, Connection, Error, Event, Missing, Outcome, Progress, IAM_READS,
    READS,
};
use crate::plan::{
    self, BucketFacts, BucketRead, Encryption, Existing, ExistingPolicy, ExistingRole,
    ExistingUser, Facts, Holder, HolderSpec, KeyFacts, KeyManager, KeyRef, Request, ADOPTED_TAG,
    OWNER_TAG,
};
use crate::policy::access::{Boundary, Layers, Read};
use crate::policy::{self, PolicyDocument};

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Identity {
    pub(crate) account: String,
    pub(crate) arn: String,
    pub(crate) partition: String,
}

pub(crate) async fn identity(sts: &aws_sdk_sts::Client) -> Result<Identity, AwsError> {
    let out = sts
        .get_caller_identity()
        .send()
        .await
        .aws("sts:GetCallerIdentity", "the caller")?;
    let arn = out.arn().unwrap_or_default().to_string();
    Ok(Identity {
        account: out.account().unwrap_or_default().to_string(),
        partition: policy::arn_partition(&arn).unwrap_or("aws").to_string(),
        arn,
    })
}

/// All bucket names the caller can list, sorted.
pub(crate) async fn bucket_names(s3: &aws_sdk_s3::Client) -> Result<Vec<String>, AwsError> {
    let mut names: Vec<String> = s3
        .list_buckets()
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .aws("s3:ListAllMyBuckets", "the account")?
        .into_iter()
        .filter_map(|b| b.name)
        .collect();
    names.sort();
    Ok(names)
}

/// A bucket's region. `GetBucketLocation` answers from us-east-1 for any bucket; an empty
/// constraint means us-east-1 and the legacy `EU` means eu-west-1.
pub(crate) async fn bucket_region(
    s3_us_east_1: &aws_sdk_s3::Client,
    bucket: &str,
) -> Result<String> {
    let out = s3_us_east_1
        .get_bucket_location()
        .bucket(bucket)
        .send()
        .await
        .aws("s3:GetBucketLocation", format!("bucket {bucket}"))?;
    Ok(match out.location_constraint().map(|c| c.as_str()) {
        None | Some("") => "us-east-1".to_string(),
        Some("EU") => "eu-west-1".to_string(),
        Some(region) => region.to_string(),
    })
}

/// A bucket's default encryption. No configuration (what moto and older buckets answer) is
/// `Encryption::None`; real S3 now reports SSE-S3 for such buckets.
pub(crate) async fn bucket_encryption(s3: &aws_sdk_s3::Client, bucket: &str) -> Result<Encryption> {
    let result = s3.get_bucket_encryption().bucket(bucket).send().await;
    let out = match result.aws("s3:GetEncryptionConfiguration", format!("bucket {bucket}")) {
        Ok(out) => out,
        Err(e) if e.says_missing(Missing::DefaultEncryption) => return Ok(Encryption::None),
        Err(e) => return Err(e),
    };
    let rule = out
        .server_side_encryption_configuration()
        .and_then(|c| c.rules().first())
        .and_then(|r| r.apply_server_side_encryption_by_default());
    let Some(rule) = rule else {
        return Ok(Encryption::None);
    };
    let key = rule.kms_master_key_id().map(str::to_string);
    Ok(match rule.sse_algorithm().as_str() {
        "aws:kms" => Encryption::Kms { key, dsse: false },
        "aws:kms:dsse" => Encryption::Kms { key, dsse: true },
        _ => Encryption::SseS3,
    })
}

/// One bucket as read: each read with its own outcome, and the reads of the layers that can
/// still deny access (its policy, Requester Pays, its key's key policy), kept as data: they
/// never stop a run. `create` needs every read ([`BucketRead::known`]); `verify` judges what it
/// could read.
pub(crate) struct FoundBucket {
    pub(crate) read: BucketRead<AwsError>,
    pub(crate) layers: BucketLayers,
}

/// A bucket's reads of the layers that can still deny access (None: not read, the bucket's
/// region could not be found).
#[derive(Default)]
pub(crate) struct BucketLayers {
    pub(crate) policy: Option<Read<Option<PolicyDocument>>>,
    pub(crate) requester_pays: Option<Read<bool>>,
    /// The default key's key policy, by key ARN.
    pub(crate) key_policy: Option<(String, Read<PolicyDocument>)>,
}

impl BucketLayers {
    /// Into the account's layers, under the bucket's name (and the key's ARN).
    pub(crate) fn add_to(self, bucket: &str, layers: &mut Layers) {
        if let Some(policy) = self.policy {
            layers.bucket_policies.insert(bucket.to_string(), policy);
        }
        if let Some(pays) = self.requester_pays {
            layers.requester_pays.insert(bucket.to_string(), pays);
        }
        layers.key_policies.extend(self.key_policy);
    }
}

/// The bucket's region, then its encryption (then its key) beside its policy, Requester Pays
/// (and with `cors`, its CORS rules): one reader for `create` and `verify`.
pub(crate) async fn bucket(
    conn: &Connection,
    keys: &KeyReader<'_>,
    name: &str,
    cors: bool,
) -> FoundBucket {
    let region = match bucket_region(&conn.s3("us-east-1"), name).await {
        Ok(region) => region,
        Err(e) => {
            return FoundBucket {
                read: BucketRead::unreachable(e),
                layers: BucketLayers::default(),
            }
        }
    };
    let s3 = conn.s3(&region);
    let ((encryption, key), policy, pays, cors) = tokio::join!(
        encryption_and_key(keys, &s3, name, &region),
        bucket_policy(&s3, name),
        requester_pays(&s3, name),
        async {
            match cors {
                true => Some(super::cors::rules(&s3, name).await),
                false => None,
            }
        }
    );
    if let Ok(encryption) = &encryption {
        (keys.progress)(Event::Found(format!(
            "bucket {name}: region {region}, default encryption {}",
            encryption.label()
        )));
    }
    let (key, key_policy) = match key.map(|read| read.map(FoundKey::split)) {
        Some(Ok((facts, policy))) => (Some(Ok(facts)), policy),
        Some(Err(e)) => (Some(Err(e)), None),
        None => (None, None),
    };
    FoundBucket {
        read: BucketRead {
            region: Ok(region),
            encryption: Some(encryption),
            key,
            cors,
        },
        layers: BucketLayers {
            policy: Some(policy.map_err(message)),
            requester_pays: Some(pays.map_err(message)),
            key_policy,
        },
    }
}

/// The bucket's encryption and, when it names a customer key, that key described.
async fn encryption_and_key(
    keys: &KeyReader<'_>,
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    region: &str,
) -> (Result<Encryption>, Option<Result<FoundKey>>) {
    let encryption = match bucket_encryption(s3, bucket).await {
        Ok(e) => e,
        Err(e) => return (Err(e), None),
    };
    let Some(key) = encryption.key() else {
        return (Ok(encryption), None);
    };
    if KeyRef::from_configured(key).is_aws_managed_alias() {
        let aws = FoundKey {
            facts: KeyFacts {
                arn: key.to_string(),
                manager: Some(KeyManager::Aws),
            },
            policy: None,
        };
        return (Ok(encryption), Some(Ok(aws)));
    }
    let found = keys
        .read(key, region, format!("default key of bucket {bucket}"))
        .await;
    (Ok(encryption), Some(found))
}

/// A DescribeKey (and GetKeyPolicy) in flight or done, which every bucket using the key awaits.
type KeyRead<'a> = Shared<BoxFuture<'a, Result<FoundKey>>>;

/// One DescribeKey (with its GetKeyPolicy) per key and region, shared by the buckets and the
/// `--kms` flags that name it.
pub(crate) struct KeyReader<'a> {
    conn: &'a Connection,
    progress: Progress<'a>,
    described: Mutex<HashMap<(String, String), KeyRead<'a>>>,
}

impl<'a> KeyReader<'a> {
    pub(crate) fn new(conn: &'a Connection, progress: Progress<'a>) -> KeyReader<'a> {
        KeyReader {
            conn,
            progress,
            described: Mutex::default(),
        }
    }

    /// The key `reference` (in `region`'s KMS, unless its ARN names another region), read once
    /// however many buckets and `--kms` flags name it; `used_by` says who asked first.
    fn read(&self, reference: &str, region: &str, used_by: String) -> KeyRead<'a> {
        let region = key_region(reference, region);
        let mut described = self
            .described
            .lock()
            .expect("the key cache is never poisoned");
        let (conn, progress) = (self.conn, self.progress);
        described
            .entry((region.clone(), reference.to_string()))
            .or_insert_with(|| {
                let reference = reference.to_string();
                async move { key(&conn.kms(&region), &reference, &used_by, progress).await }
                    .boxed()
                    .shared()
            })
            .clone()
    }

    /// Each `--kms KEY`, in the order given, with what its read found.
    pub(crate) async fn given(&self, keys: &[KeyRef]) -> Vec<(String, Result<FoundKey>)> {
        let region = self.conn.region();
        let reads = keys.iter().map(|k| {
            let reference = k.as_str().to_string();
            let read = self.read(&reference, &region, format!("--kms {reference}"));
            async move { (reference, read.await) }
        });
        futures::future::join_all(reads).await
    }
}

/// A failed read as one line, for the judgement to show.
pub(crate) fn message(e: AwsError) -> String {
    e.to_string()
}

/// The bucket's policy, or None when it has none.
pub(crate) async fn bucket_policy(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
) -> Result<Option<PolicyDocument>> {
    let result = s3.get_bucket_policy().bucket(bucket).send().await;
    let out = match result.aws("s3:GetBucketPolicy", format!("bucket {bucket}")) {
        Ok(out) => out,
        Err(e) => return e.absent_if(Missing::BucketPolicy),
    };
    document(
        out.policy(),
        "s3:GetBucketPolicy",
        format!("bucket {bucket}"),
    )
    .map(Some)
}

/// Whether the bucket is Requester Pays.
pub(crate) async fn requester_pays(s3: &aws_sdk_s3::Client, bucket: &str) -> Result<bool> {
    let out = s3
        .get_bucket_request_payment()
        .bucket(bucket)
        .send()
        .await
        .aws("s3:GetBucketRequestPayment", format!("bucket {bucket}"))?;
    Ok(out.payer() == Some(&aws_sdk_s3::types::Payer::Requester))
}

/// A key as discovery read it: DescribeKey's answer, and its key policy (None when the key
/// needs no grant: AWS-managed).
#[derive(Debug, Clone)]
pub(crate) struct FoundKey {
    pub(crate) facts: KeyFacts,
    pub(crate) policy: Option<Read<PolicyDocument>>,
}

impl FoundKey {
    /// The key's facts, its key policy put into the account's layers (by key ARN).
    pub(crate) fn into_facts(self, layers: &mut Layers) -> KeyFacts {
        let (facts, policy) = self.split();
        layers.key_policies.extend(policy);
        facts
    }

    /// The key's facts, and its key policy (if read) by key ARN.
    fn split(self) -> (KeyFacts, Option<(String, Read<PolicyDocument>)>) {
        let policy = self.policy.map(|p| (self.facts.arn.clone(), p));
        (self.facts, policy)
    }
}

/// Resolve a key reference (id, alias, ARN) with DescribeKey, and read its key policy: beside
/// DescribeKey when the reference names the key itself, after it for an alias.
pub(crate) async fn key(
    kms: &aws_sdk_kms::Client,
    reference: &str,
    used_by: &str,
    progress: Progress<'_>,
) -> Result<FoundKey> {
    let alias = matches!(KeyRef::from_configured(reference), KeyRef::Alias(_));
    let (facts, policy) = tokio::join!(describe_key(kms, reference, used_by, progress), async {
        match alias {
            true => None,
            false => Some(key_policy(kms, reference).await),
        }
    });
    let facts = facts?;
    let policy = match (policy, facts.manager) {
        (_, Some(KeyManager::Aws)) => None,
        (Some(read), _) => Some(read),
        (None, _) => Some(key_policy(kms, &facts.arn).await),
    };
    Ok(FoundKey { facts, policy })
}

/// The key's key policy (`default`, the only name KMS has).
pub(crate) async fn key_policy(kms: &aws_sdk_kms::Client, key: &str) -> Read<PolicyDocument> {
    let read = async {
        let out = kms
            .get_key_policy()
            .key_id(key)
            .policy_name("default")
            .send()
            .await
            .aws("kms:GetKeyPolicy", format!("key {key}"))?;
        document(out.policy(), "kms:GetKeyPolicy", format!("key {key}"))
    };
    read.await.map_err(message)
}

/// Resolve a key reference to its key ARN and manager with DescribeKey. A key ARN we may not
/// describe (another account's key) is kept as it is, manager unknown; an alias or id we cannot
/// resolve is an error, since an alias in a policy grants nothing.
async fn describe_key(
    kms: &aws_sdk_kms::Client,
    reference: &str,
    used_by: &str,
    progress: Progress<'_>,
) -> Result<KeyFacts> {
    let result = kms.describe_key().key_id(reference).send().await;
    let out = match result.aws("kms:DescribeKey", format!("key {reference} ({used_by})")) {
        Ok(out) => out,
        Err(err) => {
            if matches!(KeyRef::from_configured(reference), KeyRef::KeyArn(_))
                && !err.says_missing(Missing::Key)
            {
                progress(Event::Found(format!("{err}; using the key ARN as given")));
                return Ok(KeyFacts {
                    arn: reference.to_string(),
                    manager: None,
                });
            }
            return Err(err);
        }
    };
    let meta = out.key_metadata().ok_or_else(|| {
        AwsError::malformed(
            "kms:DescribeKey",
            format!("key {reference}"),
            "it held no key metadata",
        )
    })?;
    let manager = match meta.key_manager().map(|m| m.as_str()) {
        Some("AWS") => Some(KeyManager::Aws),
        Some("CUSTOMER") => Some(KeyManager::Customer),
        _ => None,
    };
    Ok(KeyFacts {
        arn: meta.arn().unwrap_or(reference).to_string(),
        manager,
    })
}

/// The region to ask about a key: the one in its ARN, else the bucket's (or the client's).
pub(crate) fn key_region(reference: &str, fallback: &str) -> String {
    match reference.split(':').nth(3) {
        Some(r) if reference.starts_with("arn:") && !r.is_empty() => r.to_string(),
        _ => fallback.to_string(),
    }
}

/// Discover what the planner needs for `req` in one pass. A grant too large for one policy
/// spills into NAME-2, NAME-3 …, which only a draft plan names: `plan::follow_up` says which
/// to read next, and [`follow_up`] reads them (the command drives both).
pub(crate) async fn facts(
    conn: &Connection,
    req: &Request,
    progress: Progress<'_>,
) -> Outcome<Facts> {
    let base = req.policy_name.as_str();
    let asked = req.guardrails.permissions_boundary.as_ref();
    let ((who, base_policy, asked), (buckets, keys, layers), (role, user, family, kept)) = tokio::try_join!(
        async {
            let (who, asked) = tokio::join!(identity(&conn.sts), boundary(&conn.iam, asked));
            let who = who?;
            let found = policy(&conn.iam, policy_arn(&who.partition, &who.account, base)).await?;
            Ok::<_, Error>((who, found, asked))
        },
        buckets_and_keys(conn, req, progress),
        async { Ok(holder_and_family(&conn.iam, req).await?) },
    )?;
    Ok(Facts {
        account_id: Some(who.account.clone()),
        partition: who.partition.clone(),
        caller_arn: Some(who.arn.clone()),
        buckets,
        keys,
        existing: Existing {
            role,
            user,
            policies: base_policy
                .into_iter()
                .chain(family)
                .map(|p| (name_of(&p.arn).to_string(), p))
                .collect(),
        },
        access: Layers {
            boundary: asked.or(kept),
            ..layers
        },
    })
}

/// The second reads a draft plan asked for: its NAME-N policies not read yet, and whether
/// the stale ones are attached to anyone else (then they are detached, never deleted; moto's
/// AttachmentCount is not reliable, ListEntitiesForPolicy is).
pub(crate) async fn follow_up(
    iam: &aws_sdk_iam::Client,
    req: &Request,
    wanted: plan::FollowUp,
    facts: &mut Facts,
) -> Result<()> {
    let account = facts.account_id.as_deref().unwrap_or_default();
    let arns = wanted
        .policies
        .iter()
        .map(|name| policy_arn(&facts.partition, account, name))
        .collect();
    let holder = req.holder.id();
    let (found, shared) = tokio::try_join!(
        policies(iam, arns),
        stream::iter(wanted.stale)
            .map(|arn| async {
                let shared = attached_elsewhere(iam, &arn, Some(&holder)).await?;
                Ok::<_, AwsError>((arn, shared))
            })
            .buffer_unordered(IAM_READS)
            .try_collect::<Vec<_>>(),
    )?;
    for found in found {
        let name = name_of(&found.arn).to_string();
        facts.existing.policies.insert(name, found);
    }
    for (arn, shared) in shared {
        if let Some(p) = facts.existing.policies.values_mut().find(|p| p.arn == arn) {
            p.attached_elsewhere = shared;
        }
    }
    Ok(())
}

/// Whether a managed policy is attached to any principal but `holder` (to any at all when
/// `None`).
pub(crate) async fn attached_elsewhere(
    iam: &aws_sdk_iam::Client,
    arn: &str,
    holder: Option<&Holder>,
) -> Result<bool> {
    let out = iam
        .list_entities_for_policy()
        .policy_arn(arn)
        .send()
        .await
        .aws("iam:ListEntitiesForPolicy", format!("policy {arn}"))?;
    let (role, user) = match holder {
        Some(Holder::Role(name)) => (Some(name.as_str()), None),
        Some(Holder::User(name)) => (None, Some(name.as_str())),
        None => (None, None),
    };
    let other_roles = out.policy_roles().iter().any(|r| r.role_name() != role);
    let other_users = out.policy_users().iter().any(|u| u.user_name() != user);
    Ok(other_roles || other_users || !out.policy_groups().is_empty())
}

fn policy_arn(partition: &str, account: &str, name: &str) -> String {
    format!("arn:{partition}:iam::{account}:policy/{name}")
}

fn name_of(arn: &str) -> &str {
    arn.rsplit('/').next().unwrap_or_default()
}

async fn policies(iam: &aws_sdk_iam::Client, arns: Vec<String>) -> Result<Vec<ExistingPolicy>> {
    let found: Vec<Option<ExistingPolicy>> = stream::iter(arns)
        .map(|arn| policy(iam, arn))
        .buffer_unordered(IAM_READS)
        .try_collect()
        .await?;
    Ok(found.into_iter().flatten().collect())
}

/// Every bucket (its key described as soon as its encryption names it) beside the `--kms`
/// keys; with the bucket policies, Requester Pays and key policies read on the way.
async fn buckets_and_keys(
    conn: &Connection,
    req: &Request,
    progress: Progress<'_>,
) -> Outcome<(
    BTreeMap<String, BucketFacts>,
    BTreeMap<String, KeyFacts>,
    Layers,
)> {
    let names: BTreeSet<&str> = req.buckets.iter().map(|s| s.bucket.as_str()).collect();
    let reader = KeyReader::new(conn, progress);
    let (found, explicit) = tokio::join!(
        all_buckets(conn, &reader, names, req.cors.is_some()),
        reader.given(req.kms.keys()),
    );
    let found = found?;
    let mut layers = Layers::default();
    let (mut buckets, mut keys) = (BTreeMap::new(), BTreeMap::new());
    for (name, (facts, key, found)) in found {
        if let (Some(reference), Some(key)) = (facts.encryption.key(), key) {
            keys.insert(reference.to_string(), key);
        }
        found.add_to(&name, &mut layers);
        buckets.insert(name, facts);
    }
    for (reference, k) in explicit {
        keys.insert(reference, k?.into_facts(&mut layers));
    }
    Ok((buckets, keys, layers))
}

/// Each bucket [`bucket`] reads, up to [`READS`] at a time (each key described once).
pub(crate) async fn buckets(
    conn: &Connection,
    keys: &KeyReader<'_>,
    names: BTreeSet<&str>,
    cors: bool,
) -> BTreeMap<String, FoundBucket> {
    stream::iter(names)
        .map(|name| async move { (name.to_string(), bucket(conn, keys, name, cors).await) })
        .buffer_unordered(READS)
        .collect()
        .await
}

/// Every bucket's facts and key; when some cannot be read, one error that names each of them.
/// An error that is not about a bucket (AWS out of reach, no credentials) is returned as it is.
async fn all_buckets(
    conn: &Connection,
    keys: &KeyReader<'_>,
    names: BTreeSet<&str>,
    cors: bool,
) -> Outcome<BTreeMap<String, (BucketFacts, Option<KeyFacts>, BucketLayers)>> {
    let mut found = BTreeMap::new();
    let mut failed = Vec::new();
    for (name, bucket) in buckets(conn, keys, names, cors).await {
        match bucket.read.known() {
            Ok((facts, key)) => {
                found.insert(name, (facts, key, bucket.layers));
            }
            Err(e) if !about_the_bucket(&e) => return Err(e.into()),
            Err(e) => failed.push(e),
        }
    }
    match failed.len() {
        0 => Ok(found),
        1 => Err(failed.remove(0).into()),
        _ => Err(Error::Buckets(failed)),
    }
}

/// Whether S3 answered about this bucket (rather than not being reachable at all).
fn about_the_bucket(err: &AwsError) -> bool {
    err.failure == super::Failure::Service
}

/// The role (or user), the policies this request's family (`NAME-N`) already attached to it,
/// and the boundary it keeps (one it has, when the request asks for none).
async fn holder_and_family(
    iam: &aws_sdk_iam::Client,
    req: &Request,
) -> Result<(
    Option<ExistingRole>,
    Option<ExistingUser>,
    Vec<ExistingPolicy>,
    Option<Boundary>,
)> {
    let (role, user) = match &req.holder {
        HolderSpec::Role(spec) => (role(iam, &spec.name).await?, None),
        HolderSpec::User(spec) => (None, user(iam, &spec.name).await?),
    };
    let (attached, has) = match (&role, &user) {
        (Some(r), _) => (&r.attached, r.permissions_boundary.as_ref()),
        (_, Some(u)) => (&u.attached, u.permissions_boundary.as_ref()),
        _ => return Ok((None, None, Vec::new(), None)),
    };
    let kept = has.filter(|_| req.guardrails.permissions_boundary.is_none());
    let family: Vec<String> = attached
        .iter()
        .filter(|arn| {
            let name = name_of(arn);
            name != req.policy_name && plan::is_family_name(&req.policy_name, name)
        })
        .cloned()
        .collect();
    let (found, kept) = tokio::join!(policies(iam, family), boundary(iam, kept));
    Ok((role, user, found?, kept))
}

/// The permissions boundary `arn` names, read as a document (a failed read is kept as data).
pub(crate) async fn boundary(iam: &aws_sdk_iam::Client, arn: Option<&String>) -> Option<Boundary> {
    let arn = arn?;
    let document = match policy(iam, arn.clone()).await {
        Ok(Some(p)) => Ok(p.document),
        Ok(None) => Err(format!("IAM holds no policy {arn}")),
        Err(e) => Err(message(e)),
    };
    Some(Boundary {
        arn: arn.clone(),
        document,
    })
}

/// Whether the tags mark a resource this tool created (or adopted).
pub(crate) fn owned(tags: &[Tag]) -> bool {
    tag_value(tags, OWNER_TAG.0) == Some(OWNER_TAG.1)
}

fn tag_value<'t>(tags: &'t [Tag], key: &str) -> Option<&'t str> {
    tags.iter().find(|t| t.key() == key).map(|t| t.value())
}

/// The role with its trust policy, attached and inline policy names, or None if IAM has no
/// role of that name.
pub(crate) async fn role(iam: &aws_sdk_iam::Client, name: &str) -> Result<Option<ExistingRole>> {
    let role = match holder::role(iam, name).await {
        Ok(role) => role,
        Err(e) => return e.absent_if(Missing::Entity),
    };
    let trust = document(
        role.assume_role_policy_document(),
        "iam:GetRole",
        format!("role {name}"),
    )?;
    let holder = Holder::Role(name.to_string());
    let (attached, inline) =
        tokio::try_join!(attached_arns(iam, &holder), inline_names(iam, &holder))?;
    let tags = role.tags();
    Ok(Some(ExistingRole {
        arn: role.arn().to_string(),
        trust,
        owned: owned(tags),
        adopted: tag_value(tags, ADOPTED_TAG).is_some(),
        attached,
        inline,
        path: role.path().to_string(),
        description: role.description().unwrap_or_default().to_string(),
        permissions_boundary: role
            .permissions_boundary()
            .and_then(|b| b.permissions_boundary_arn())
            .map(str::to_string),
        max_session_duration: role.max_session_duration(),
        tags: tags
            .iter()
            .map(|t| (t.key().to_string(), t.value().to_string()))
            .collect(),
    }))
}

/// The user with its policies, tags and access keys, or None if IAM has no user of that name.
pub(crate) async fn user(iam: &aws_sdk_iam::Client, name: &str) -> Result<Option<ExistingUser>> {
    let found = match holder::user(iam, name).await {
        Ok(user) => user,
        Err(e) => return e.absent_if(Missing::Entity),
    };
    let holder = Holder::User(name.to_string());
    let (attached, inline, keys) = tokio::try_join!(
        attached_arns(iam, &holder),
        inline_names(iam, &holder),
        keys::list(iam, name)
    )?;
    let tags = found.tags();
    Ok(Some(ExistingUser {
        arn: found.arn().to_string(),
        owned: owned(tags),
        adopted: tag_value(tags, ADOPTED_TAG).is_some(),
        attached,
        inline,
        path: found.path().to_string(),
        permissions_boundary: found
            .permissions_boundary()
            .and_then(|b| b.permissions_boundary_arn())
            .map(str::to_string),
        tags: tags
            .iter()
            .map(|t| (t.key().to_string(), t.value().to_string()))
            .collect(),
        keys,
    }))
}

/// The managed policy with its default version's document, or None if it does not exist.
pub(crate) async fn policy(
    iam: &aws_sdk_iam::Client,
    arn: String,
) -> Result<Option<ExistingPolicy>> {
    let result = iam.get_policy().policy_arn(&arn).send().await;
    let out = match result.aws("iam:GetPolicy", format!("policy {arn}")) {
        Ok(out) => out,
        Err(e) => return e.absent_if(Missing::Entity),
    };
    let p = out.policy().ok_or_else(|| {
        AwsError::malformed(
            "iam:GetPolicy",
            format!("policy {arn}"),
            "it held no policy",
        )
    })?;
    let version = p.default_version_id().unwrap_or("v1");
    let doc = iam
        .get_policy_version()
        .policy_arn(&arn)
        .version_id(version)
        .send()
        .await
        .aws("iam:GetPolicyVersion", format!("policy {arn}"))?;
    let raw = doc.policy_version().and_then(|v| v.document());
    let document = document(raw, "iam:GetPolicyVersion", format!("policy {arn}"))?;
    Ok(Some(ExistingPolicy {
        owned: owned(p.tags()),
        adopted_from: tag_value(p.tags(), ADOPTED_TAG).map(str::to_string),
        default_version: version.to_string(),
        attached_elsewhere: false,
        arn,
        document,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_region_prefers_the_arn() {
        assert_eq!(
            key_region("arn:aws:kms:eu-west-1:123456789012:key/x", "us-east-1"),
            "eu-west-1"
        );
        assert_eq!(key_region("alias/data", "us-east-2"), "us-east-2");
    }
}
