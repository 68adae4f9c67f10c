//! Read-only discovery: who the caller is, where each bucket lives and how it is encrypted,
//! which KMS keys those are, and what IAM already holds under the names we would use.
//! Independent calls run concurrently, a bounded number at a time.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::{Context, Result};
use aws_sdk_iam::types::Tag;
use futures::stream::{self, StreamExt, TryStreamExt};

use super::{AwsError, Connection};
use crate::plan::document::parse_iam_document;
use crate::plan::facts::BucketFacts;
use crate::plan::{
    self, Encryption, Existing, ExistingPolicy, ExistingRole, Facts, KeyFacts, KeyManager, Request,
    OWNER_TAG,
};
use crate::validate::{self, KeyRef};

/// How many discovery calls may be in flight at once.
const CONCURRENCY: usize = 8;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub account: String,
    pub arn: String,
    pub partition: String,
}

pub async fn identity(sts: &aws_sdk_sts::Client) -> Result<Identity, AwsError> {
    let out = sts
        .get_caller_identity()
        .send()
        .await
        .map_err(|e| AwsError::new("sts:GetCallerIdentity", "the caller", &e))?;
    let arn = out.arn().unwrap_or_default().to_string();
    Ok(Identity {
        account: out.account().unwrap_or_default().to_string(),
        partition: validate::arn_partition(&arn).unwrap_or("aws").to_string(),
        arn,
    })
}

/// All bucket names the caller can list, sorted.
pub async fn bucket_names(s3: &aws_sdk_s3::Client) -> Result<Vec<String>, AwsError> {
    let mut names: Vec<String> = s3
        .list_buckets()
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(|e| AwsError::new("s3:ListAllMyBuckets", "the account", &e))?
        .into_iter()
        .filter_map(|b| b.name)
        .collect();
    names.sort();
    Ok(names)
}

/// A bucket's region. `GetBucketLocation` answers from us-east-1 for any bucket; an empty
/// constraint means us-east-1 and the legacy `EU` means eu-west-1.
pub async fn bucket_region(s3_us_east_1: &aws_sdk_s3::Client, bucket: &str) -> Result<String> {
    let out = s3_us_east_1
        .get_bucket_location()
        .bucket(bucket)
        .send()
        .await
        .map_err(|e| AwsError::new("s3:GetBucketLocation", format!("bucket {bucket}"), &e))?;
    Ok(match out.location_constraint().map(|c| c.as_str()) {
        None | Some("") => "us-east-1".to_string(),
        Some("EU") => "eu-west-1".to_string(),
        Some(region) => region.to_string(),
    })
}

/// A bucket's default encryption. No configuration (what moto and older buckets answer) is
/// `Encryption::None`; real S3 now reports SSE-S3 for such buckets.
pub async fn bucket_encryption(s3: &aws_sdk_s3::Client, bucket: &str) -> Result<Encryption> {
    let out = match s3.get_bucket_encryption().bucket(bucket).send().await {
        Ok(out) => out,
        Err(e) => {
            let err = AwsError::new(
                "s3:GetEncryptionConfiguration",
                format!("bucket {bucket}"),
                &e,
            );
            if err.is("ServerSideEncryptionConfigurationNotFoundError") {
                return Ok(Encryption::None);
            }
            return Err(err.into());
        }
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

async fn bucket(conn: &Connection, name: &str) -> Result<(String, BucketFacts)> {
    let region = bucket_region(&conn.s3("us-east-1"), name).await?;
    let encryption = bucket_encryption(&conn.s3(&region), name).await?;
    output_bucket(name, &region, &encryption);
    Ok((name.to_string(), BucketFacts { region, encryption }))
}

fn output_bucket(name: &str, region: &str, encryption: &Encryption) {
    crate::output::verbose(&format!(
        "bucket {name}: region {region}, default encryption {}",
        encryption.label()
    ));
}

/// Resolve a key reference (id, alias, ARN) to its key ARN and manager with DescribeKey.
/// A key ARN we may not describe (another account's key) is kept as it is, manager unknown;
/// an alias or id we cannot resolve is an error, since an alias in a policy grants nothing.
pub async fn key(kms: &aws_sdk_kms::Client, reference: &str, used_by: &str) -> Result<KeyFacts> {
    let result = kms.describe_key().key_id(reference).send().await;
    let out = match result {
        Ok(out) => out,
        Err(e) => {
            let err = AwsError::new(
                "kms:DescribeKey",
                format!("key {reference} ({used_by})"),
                &e,
            );
            if matches!(validate::kms_key(reference), Ok(KeyRef::KeyArn(_)))
                && !err.is("NotFoundException")
            {
                crate::output::verbose(&format!("{err}; using the key ARN as given"));
                return Ok(KeyFacts {
                    arn: reference.to_string(),
                    manager: None,
                });
            }
            return Err(err.into());
        }
    };
    let meta = out
        .key_metadata()
        .context("kms:DescribeKey returned no key metadata")?;
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
pub fn key_region(reference: &str, fallback: &str) -> String {
    match reference.split(':').nth(3) {
        Some(r) if reference.starts_with("arn:") && !r.is_empty() => r.to_string(),
        _ => fallback.to_string(),
    }
}

/// Discover everything the planner needs for `req`, then what IAM holds for its names.
pub async fn facts(conn: &Connection, req: &Request) -> Result<Facts> {
    let names: BTreeSet<&str> = req.buckets.iter().map(|s| s.bucket.as_str()).collect();
    let (who, buckets) = tokio::try_join!(
        async { identity(&conn.sts).await.map_err(anyhow::Error::from) },
        async {
            stream::iter(names)
                .map(|name| bucket(conn, name))
                .buffer_unordered(CONCURRENCY)
                .try_collect::<BTreeMap<_, _>>()
                .await
        }
    )?;
    let keys = keys(conn, req, &buckets).await?;
    let mut facts = Facts {
        account_id: Some(who.account.clone()),
        partition: who.partition.clone(),
        caller_arn: Some(who.arn.clone()),
        buckets,
        keys,
        existing: Existing::default(),
    };
    // A first plan tells how many policies the grants need, so we know which names to look up.
    let draft = plan::build(req, &facts)?;
    let names: Vec<String> = draft.policies.iter().map(|p| p.name.clone()).collect();
    facts.existing = existing(conn, req, &who, &names).await?;
    Ok(facts)
}

async fn keys(
    conn: &Connection,
    req: &Request,
    buckets: &BTreeMap<String, BucketFacts>,
) -> Result<BTreeMap<String, KeyFacts>> {
    let mut wanted: BTreeMap<String, (String, String)> = BTreeMap::new();
    for (name, b) in buckets {
        if let Encryption::Kms { key: Some(k), .. } = &b.encryption {
            let region = key_region(k.as_str(), &b.region);
            wanted
                .entry(k.clone())
                .or_insert((region, format!("default key of bucket {name}")));
        }
    }
    for k in &req.kms.keys {
        let region = key_region(k.as_str(), &conn.region());
        wanted
            .entry(k.as_str().to_string())
            .or_insert((region, format!("--kms {}", k.as_str())));
    }
    stream::iter(wanted)
        .map(|(reference, (region, used_by))| async move {
            let found = key(&conn.kms(&region), &reference, &used_by).await?;
            Ok::<_, anyhow::Error>((reference, found))
        })
        .buffer_unordered(CONCURRENCY)
        .try_collect()
        .await
}

/// Whether the tags mark a resource this tool created.
pub fn owned(tags: &[Tag]) -> bool {
    tags.iter()
        .any(|t| t.key() == OWNER_TAG.0 && t.value() == OWNER_TAG.1)
}

/// The role (with its trust policy and attached policies) and the named policies, if present.
pub async fn existing(
    conn: &Connection,
    req: &Request,
    who: &Identity,
    policy_names: &[String],
) -> Result<Existing> {
    let role_name = req.role_name.as_str();
    let policy_arn =
        |name: &str| format!("arn:{}:iam::{}:policy/{name}", who.partition, who.account);
    let (role, mut policies) = tokio::try_join!(
        role(&conn.iam, role_name),
        stream::iter(policy_names.iter().map(|n| policy_arn(n)))
            .map(|arn| policy(&conn.iam, arn))
            .buffer_unordered(CONCURRENCY)
            .try_collect::<Vec<_>>()
    )?;
    // Earlier runs may have made more policies (NAME-2, ...) than this one needs.
    if let Some(r) = &role {
        let extra: Vec<String> = r
            .attached
            .iter()
            .filter(|arn| {
                let name = arn.rsplit('/').next().unwrap_or_default();
                plan::is_family_name(&req.policy_name, name)
                    && !policy_names.iter().any(|n| n == name)
            })
            .cloned()
            .collect();
        let more: Vec<_> = stream::iter(extra)
            .map(|arn| policy(&conn.iam, arn))
            .buffer_unordered(CONCURRENCY)
            .try_collect()
            .await?;
        policies.extend(more);
    }
    Ok(Existing {
        role,
        policies: policies
            .into_iter()
            .flatten()
            .map(|p| (p.arn.rsplit('/').next().unwrap_or_default().to_string(), p))
            .collect(),
    })
}

/// The role, or None if IAM has no role of that name.
pub async fn role(iam: &aws_sdk_iam::Client, name: &str) -> Result<Option<ExistingRole>> {
    let out = match iam.get_role().role_name(name).send().await {
        Ok(out) => out,
        Err(e) => {
            return AwsError::new("iam:GetRole", format!("role {name}"), &e)
                .absent_if("NoSuchEntity");
        }
    };
    let role = out.role().context("iam:GetRole returned no role")?;
    let trust = parse_iam_document(role.assume_role_policy_document().unwrap_or("{}"))
        .with_context(|| format!("the trust policy of role {name} is not valid JSON"))?;
    let attached = attached_arns(iam, name).await?;
    Ok(Some(ExistingRole {
        arn: role.arn().to_string(),
        trust,
        owned: owned(role.tags()),
        attached,
    }))
}

/// ARNs of the managed policies attached to a role.
pub async fn attached_arns(iam: &aws_sdk_iam::Client, role: &str) -> Result<Vec<String>> {
    let policies: Vec<_> = iam
        .list_attached_role_policies()
        .role_name(role)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(|e| AwsError::new("iam:ListAttachedRolePolicies", format!("role {role}"), &e))?;
    Ok(policies.into_iter().filter_map(|p| p.policy_arn).collect())
}

/// Names of a role's inline policies.
pub async fn inline_policy_names(iam: &aws_sdk_iam::Client, role: &str) -> Result<Vec<String>> {
    let names = iam
        .list_role_policies()
        .role_name(role)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(|e| AwsError::new("iam:ListRolePolicies", format!("role {role}"), &e))?;
    Ok(names)
}

/// The managed policy with its default version's document, or None if it does not exist.
pub async fn policy(iam: &aws_sdk_iam::Client, arn: String) -> Result<Option<ExistingPolicy>> {
    let out = match iam.get_policy().policy_arn(&arn).send().await {
        Ok(out) => out,
        Err(e) => {
            return AwsError::new("iam:GetPolicy", format!("policy {arn}"), &e)
                .absent_if("NoSuchEntity");
        }
    };
    let p = out.policy().context("iam:GetPolicy returned no policy")?;
    let version = p.default_version_id().unwrap_or("v1");
    let doc = iam
        .get_policy_version()
        .policy_arn(&arn)
        .version_id(version)
        .send()
        .await
        .map_err(|e| AwsError::new("iam:GetPolicyVersion", format!("policy {arn}"), &e))?;
    let raw = doc
        .policy_version()
        .and_then(|v| v.document())
        .unwrap_or("{}");
    let document = parse_iam_document(raw)
        .with_context(|| format!("the document of policy {arn} is not valid JSON"))?;
    Ok(Some(ExistingPolicy {
        owned: owned(p.tags()),
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
