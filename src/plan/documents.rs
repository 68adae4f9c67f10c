//! The IAM documents: the trust policy, and the permission policies packed within IAM's size
//! limit. Same input, byte-identical documents.

use std::collections::{BTreeMap, BTreeSet};

use super::{Access, BucketScope, PlanError, Request, RoleSpec};
use crate::policy::{PolicyDocument, Statement};

/// IAM's limit on a managed policy document, whitespace not counted.
pub(crate) const MAX_POLICY_CHARS: usize = 6144;
/// IAM's default limit on a role trust policy.
pub(crate) const MAX_TRUST_CHARS: usize = 2048;
/// IAM's default limit of managed policies attached to one role.
pub(crate) const MAX_POLICIES_PER_ROLE: usize = 10;

const READ_OBJECT: &[&str] = &["s3:GetObject"];
/// Read-write also aborts multipart uploads: a failed large upload otherwise leaves billable
/// parts behind that the role cannot clean up.
const WRITE_OBJECT: &[&str] = &[
    "s3:AbortMultipartUpload",
    "s3:DeleteObject",
    "s3:GetObject",
    "s3:PutObject",
];
/// What S3 calls on the role's behalf for SSE-KMS objects: Decrypt to read (and to complete a
/// multipart upload), GenerateDataKey to write. Not Encrypt, ReEncrypt or DescribeKey: S3 uses
/// none of them.
const KMS_READ_WRITE: &[&str] = &["kms:Decrypt", "kms:GenerateDataKey"];
const KMS_READ_ONLY: &[&str] = &["kms:Decrypt"];
/// The condition key that limits a KMS grant to calls S3 makes for the role.
pub(crate) const VIA_SERVICE: &str = "kms:ViaService";

/// The trust policy: Activeloop (or the given principals) may assume the role, with the
/// external ID when one is given.
pub(crate) fn trust_document(role: &RoleSpec) -> PolicyDocument {
    let mut statement = Statement {
        sid: Some("AllowAssumeRoleFromActiveloop".to_string()),
        principal: Some(crate::policy::Principal::aws(role.trust.principals())),
        action: vec!["sts:AssumeRole".to_string()],
        ..Statement::allow("", &[], Vec::new())
    };
    if let Some(id) = &role.external_id {
        statement = statement.with_condition("StringEquals", "sts:ExternalId", vec![id.clone()]);
    }
    PolicyDocument::new(vec![statement])
}

/// The trust document, or why it cannot be written.
pub(crate) fn checked_trust(role: &RoleSpec) -> Result<PolicyDocument, PlanError> {
    let trust = trust_document(role);
    let len = trust.quota_len();
    if len > MAX_TRUST_CHARS {
        return Err(PlanError::TooLarge(format!(
            "the trust policy would be {len} characters, over IAM's limit of \
             {MAX_TRUST_CHARS}; trust fewer principals"
        )));
    }
    Ok(trust)
}

fn object_actions(access: Access) -> &'static [&'static str] {
    match access {
        Access::ReadWrite => WRITE_OBJECT,
        Access::ReadOnly => READ_OBJECT,
    }
}

pub(crate) fn kms_actions(access: Access) -> &'static [&'static str] {
    match access {
        Access::ReadWrite => KMS_READ_WRITE,
        Access::ReadOnly => KMS_READ_ONLY,
    }
}

/// The permission policy for some scopes and key ARNs.
pub(crate) fn permission_document(
    access: Access,
    partition: &str,
    scopes: &[BucketScope],
    keys: &BTreeSet<String>,
) -> PolicyDocument {
    let bucket_arn = |b: &str| format!("arn:{partition}:s3:::{b}");
    let buckets: BTreeSet<&str> = scopes.iter().map(|s| s.bucket.as_str()).collect();
    let mut statements = Vec::new();
    if !buckets.is_empty() {
        statements.push(Statement::allow(
            "BucketLocation",
            &["s3:GetBucketLocation"],
            buckets.iter().map(|b| bucket_arn(b)).collect(),
        ));
    }
    let whole: Vec<String> = scopes
        .iter()
        .filter(|s| s.prefix.is_none())
        .map(|s| bucket_arn(&s.bucket))
        .collect();
    if !whole.is_empty() {
        statements.push(Statement::allow("ListBuckets", &["s3:ListBucket"], whole));
    }
    let mut prefixes: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for scope in scopes {
        if let Some(p) = &scope.prefix {
            let values = prefixes.entry(scope.bucket.as_str()).or_default();
            values.push(format!("{p}/"));
            values.push(format!("{p}/*"));
        }
    }
    for (i, (bucket, mut values)) in prefixes.into_iter().enumerate() {
        values.sort();
        statements.push(
            Statement::allow(
                &format!("ListPrefixes{}", i + 1),
                &["s3:ListBucket"],
                vec![bucket_arn(bucket)],
            )
            .with_condition("StringLike", "s3:prefix", values),
        );
    }
    if !scopes.is_empty() {
        let objects = scopes
            .iter()
            .map(|s| match &s.prefix {
                Some(p) => format!("{}/{p}/*", bucket_arn(&s.bucket)),
                None => format!("{}/*", bucket_arn(&s.bucket)),
            })
            .collect();
        statements.push(Statement::allow(
            "ObjectAccess",
            object_actions(access),
            objects,
        ));
    }
    statements.extend(kms_statements(access, keys));
    PolicyDocument::new(statements)
}

/// The region of a key ARN (`arn:PARTITION:kms:REGION:ACCOUNT:key/ID`).
pub(crate) fn key_region(key_arn: &str) -> &str {
    key_arn.split(':').nth(3).unwrap_or_default()
}

/// The S3 endpoint KMS sees as `kms:ViaService` when S3 uses a key in `region`.
pub(crate) fn s3_via_service(partition: &str, region: &str) -> String {
    match partition {
        "aws-cn" => format!("s3.{region}.amazonaws.com.cn"),
        _ => format!("s3.{region}.amazonaws.com"),
    }
}

/// `us-east-1` → `UsEast1`, for statement ids.
fn camel(region: &str) -> String {
    region
        .split('-')
        .map(|part| {
            let mut chars = part.chars();
            chars.next().map_or(String::new(), |c| {
                c.to_ascii_uppercase().to_string() + chars.as_str()
            })
        })
        .collect()
}

/// One statement per region of the keys: the access level's KMS actions on the key ARNs,
/// only when S3 in that region calls KMS for the role (an SSE-KMS bucket's key lives in the
/// bucket's region, so the key ARN says which).
pub(crate) fn kms_statements(access: Access, keys: &BTreeSet<String>) -> Vec<Statement> {
    let mut by_region: BTreeMap<(&str, &str), Vec<String>> = BTreeMap::new();
    for key in keys {
        let partition = crate::policy::arn_partition(key).unwrap_or("aws");
        by_region
            .entry((key_region(key), partition))
            .or_default()
            .push(key.clone());
    }
    by_region
        .into_iter()
        .map(|((region, partition), keys)| {
            Statement::allow(
                &format!("KmsKeys{}", camel(region)),
                kms_actions(access),
                keys,
            )
            .with_condition(
                "StringEquals",
                VIA_SERVICE,
                vec![s3_via_service(partition, region)],
            )
        })
        .collect()
}

/// Grants for one bucket: its scopes and the key to grant for it, if any.
type Chunk = (Vec<BucketScope>, BTreeSet<String>);

/// Split the grants into as few documents as IAM's size limit allows, keeping each bucket's
/// scopes and key together. Explicit keys go into the first document.
pub(crate) fn pack(
    req: &Request,
    partition: &str,
    bucket_keys: &BTreeMap<String, Option<String>>,
    extra_keys: &BTreeSet<String>,
) -> Result<Vec<PolicyDocument>, PlanError> {
    let mut chunks: Vec<Chunk> = vec![(Vec::new(), extra_keys.clone())];
    for (bucket, key) in bucket_keys {
        let scopes: Vec<BucketScope> = req
            .buckets
            .iter()
            .filter(|s| &s.bucket == bucket)
            .cloned()
            .collect();
        let fits = |chunk: &Chunk| {
            let mut s = chunk.0.clone();
            s.extend(scopes.iter().cloned());
            let mut k = chunk.1.clone();
            k.extend(key.iter().cloned());
            permission_document(req.access, partition, &s, &k).quota_len() <= MAX_POLICY_CHARS
        };
        let last = chunks.last().expect("there is always one chunk");
        if !fits(last) {
            if last.0.is_empty() || !fits(&(Vec::new(), BTreeSet::new())) {
                return Err(PlanError::TooLarge(format!(
                    "--bucket {bucket} with its prefixes does not fit in one IAM policy of \
                     {MAX_POLICY_CHARS} characters; give fewer prefixes for it"
                )));
            }
            chunks.push((Vec::new(), BTreeSet::new()));
        }
        let chunk = chunks.last_mut().expect("there is always one chunk");
        chunk.0.extend(scopes);
        chunk.1.extend(key.iter().cloned());
    }
    if chunks.len() > MAX_POLICIES_PER_ROLE {
        return Err(PlanError::TooLarge(format!(
            "the --bucket grants need {} managed policies, over IAM's limit of \
             {MAX_POLICIES_PER_ROLE} per role; split the buckets over several roles",
            chunks.len()
        )));
    }
    Ok(chunks
        .iter()
        .map(|(s, k)| permission_document(req.access, partition, s, k))
        .collect())
}

/// `NAME` for the first policy, `NAME-2`, `NAME-3`, ... for the rest.
pub(crate) fn policy_name(base: &str, index: usize) -> String {
    if index == 0 {
        base.to_string()
    } else {
        format!("{base}-{}", index + 1)
    }
}

/// Is `name` one of the names this request's policies would have (`BASE` or `BASE-N`)?
pub(crate) fn is_family_name(base: &str, name: &str) -> bool {
    name == base
        || name
            .strip_prefix(base)
            .and_then(|rest| rest.strip_prefix('-'))
            .is_some_and(|n| n.parse::<usize>().is_ok_and(|n| n >= 2))
}
