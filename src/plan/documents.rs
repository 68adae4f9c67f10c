//! The IAM documents: the trust policy, and the permission policies packed within IAM's size
//! limit. Same input, byte-identical documents.

use std::collections::{BTreeMap, BTreeSet};

use super::{Access, BucketScope, PlanError, Request};
use crate::policy::{PolicyDocument, Statement};

/// IAM's limit on a managed policy document, whitespace not counted.
pub const MAX_POLICY_CHARS: usize = 6144;
/// IAM's default limit on a role trust policy.
pub const MAX_TRUST_CHARS: usize = 2048;
/// IAM's default limit of managed policies attached to one role.
pub const MAX_POLICIES_PER_ROLE: usize = 10;

const READ_OBJECT: &[&str] = &["s3:GetObject"];
const WRITE_OBJECT: &[&str] = &["s3:DeleteObject", "s3:GetObject", "s3:PutObject"];
const KMS_READ_WRITE: &[&str] = &[
    "kms:Decrypt",
    "kms:DescribeKey",
    "kms:Encrypt",
    "kms:GenerateDataKey*",
    "kms:ReEncrypt*",
];
/// Reading SSE-KMS objects needs only Decrypt; DescribeKey lets the client check the key.
const KMS_READ_ONLY: &[&str] = &["kms:Decrypt", "kms:DescribeKey"];

/// The trust policy: Activeloop (or the given principals) may assume the role, with the
/// external ID when one is given.
pub fn trust_document(req: &Request) -> PolicyDocument {
    let mut statement = Statement {
        sid: Some("AllowAssumeRoleFromActiveloop".to_string()),
        principal: Some(crate::policy::Principal::aws(req.trust.principals())),
        action: vec!["sts:AssumeRole".to_string()],
        ..Statement::allow("", &[], Vec::new())
    };
    if let Some(id) = &req.external_id {
        statement = statement.with_condition("StringEquals", "sts:ExternalId", vec![id.clone()]);
    }
    PolicyDocument::new(vec![statement])
}

/// The trust document, or why it cannot be written.
pub fn checked_trust(req: &Request) -> Result<PolicyDocument, PlanError> {
    let trust = trust_document(req);
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

pub fn kms_actions(access: Access) -> &'static [&'static str] {
    match access {
        Access::ReadWrite => KMS_READ_WRITE,
        Access::ReadOnly => KMS_READ_ONLY,
    }
}

/// The permission policy for some scopes and key ARNs.
pub fn permission_document(
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
    if !keys.is_empty() {
        statements.push(Statement::allow(
            "KmsKeys",
            kms_actions(access),
            keys.iter().cloned().collect(),
        ));
    }
    PolicyDocument::new(statements)
}

/// Grants for one bucket: its scopes and the key to grant for it, if any.
type Chunk = (Vec<BucketScope>, BTreeSet<String>);

/// Split the grants into as few documents as IAM's size limit allows, keeping each bucket's
/// scopes and key together. Explicit keys go into the first document.
pub fn pack(
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
pub fn policy_name(base: &str, index: usize) -> String {
    if index == 0 {
        base.to_string()
    } else {
        format!("{base}-{}", index + 1)
    }
}

/// Is `name` one of the names this request's policies would have (`BASE` or `BASE-N`)?
pub fn is_family_name(base: &str, name: &str) -> bool {
    name == base
        || name
            .strip_prefix(base)
            .and_then(|rest| rest.strip_prefix('-'))
            .is_some_and(|n| n.parse::<usize>().is_ok_and(|n| n >= 2))
}
