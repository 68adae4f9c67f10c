//! The pure heart of the tool: a request and the discovered facts in, the exact IAM documents
//! and the list of changes out. No I/O happens here.

pub mod document;
pub mod facts;
pub mod request;

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use serde_json::Value;
use thiserror::Error;

pub use document::{PolicyDocument, Statement};
pub use facts::{Encryption, Existing, ExistingPolicy, ExistingRole, Facts, KeyFacts, KeyManager};
pub use request::{Access, BucketScope, KmsChoice, Request};

use crate::validate::{self, KeyRef};

/// IAM's limit on a managed policy document, whitespace not counted.
pub const MAX_POLICY_CHARS: usize = 6144;
/// IAM's default limit on a role trust policy.
pub const MAX_TRUST_CHARS: usize = 2048;
/// IAM's default limit of managed policies attached to one role.
pub const MAX_POLICIES_PER_ROLE: usize = 10;
/// The tag that marks what this tool created.
pub const OWNER_TAG: (&str, &str) = ("managed-by", "provision-role");

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

#[derive(Debug, Error, PartialEq, Eq)]
pub enum PlanError {
    /// The request cannot be expressed within IAM's limits (exit 2: change the input).
    #[error("{0}")]
    TooLarge(String),
    /// A KMS key id or alias that offline planning cannot turn into a key ARN (exit 2).
    #[error(
        "--kms {0}: offline plan cannot resolve a key id or alias to a key ARN; \
         give the key ARN, or add --discover to look it up"
    )]
    UnresolvedKey(String),
    /// A role or policy of that name exists and this tool did not create it (exit 1).
    #[error(
        "{kind} {name:?} already exists and was not created by provision-role (it has no \
         managed-by=provision-role tag); it was left untouched. Choose another name, or pass \
         --adopt to take it over"
    )]
    NotOwned { kind: &'static str, name: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Create,
    Update,
    Unchanged,
    Delete,
}

/// One change to IAM, with human-readable details for updates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    pub resource: String,
    pub action: Action,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlannedPolicy {
    pub name: String,
    pub arn: Option<String>,
    pub document: PolicyDocument,
}

/// What the plan found out about one requested bucket scope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BucketReport {
    pub name: String,
    pub prefix: Option<String>,
    pub region: Option<String>,
    pub encryption: &'static str,
    pub kms_key_arn: Option<String>,
    pub kms_key_manager: Option<KeyManager>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "level", content = "message", rename_all = "lowercase")]
pub enum Note {
    Info(String),
    Warning(String),
}

/// A policy this tool made earlier that the new request no longer needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StalePolicy {
    pub name: String,
    pub arn: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub role_name: String,
    pub role_arn: Option<String>,
    pub account_id: Option<String>,
    pub description: String,
    pub trust: PolicyDocument,
    pub policies: Vec<PlannedPolicy>,
    pub stale: Vec<StalePolicy>,
    /// Existing resources without our tag that `--adopt` takes over (they get the tag).
    pub adopted: Vec<String>,
    pub buckets: Vec<BucketReport>,
    pub notes: Vec<Note>,
    pub changes: Vec<Change>,
}

impl Plan {
    pub fn is_noop(&self) -> bool {
        self.changes.iter().all(|c| c.action == Action::Unchanged)
    }
}

/// Build the documents and the change list. Pure: same input, byte-identical output.
pub fn build(req: &Request, facts: &Facts) -> Result<Plan, PlanError> {
    let mut notes = Vec::new();
    let (buckets, bucket_keys) = bucket_reports(req, facts, &mut notes);
    let extra_keys = explicit_keys(req, facts, &mut notes)?;
    let trust = trust_document(req);
    let trust_len = trust.quota_len();
    if trust_len > MAX_TRUST_CHARS {
        return Err(PlanError::TooLarge(format!(
            "the trust policy would be {trust_len} characters, over IAM's limit of \
             {MAX_TRUST_CHARS}; trust fewer principals"
        )));
    }
    let documents = pack_documents(req, &facts.partition, &bucket_keys, &extra_keys)?;
    let policies = name_policies(req, facts, documents);
    let stale = stale_policies(req, facts, &policies);
    let changes = changes(req, facts, &trust, &policies, &stale)?;
    let mut adopted: Vec<String> = policies
        .iter()
        .filter(|p| {
            facts
                .existing
                .policies
                .get(&p.name)
                .is_some_and(|e| !e.owned)
        })
        .map(|p| format!("policy/{}", p.name))
        .collect();
    if facts.existing.role.as_ref().is_some_and(|r| !r.owned) {
        adopted.push(format!("role/{}", req.role_name));
    }
    Ok(Plan {
        role_name: req.role_name.clone(),
        role_arn: arn(facts, "role", &req.role_name),
        account_id: facts.account_id.clone(),
        description: req.description.clone(),
        trust,
        policies,
        stale,
        adopted,
        buckets,
        notes,
        changes,
    })
}

fn arn(facts: &Facts, kind: &str, name: &str) -> Option<String> {
    let account = facts.account_id.as_ref()?;
    Some(format!(
        "arn:{}:iam::{account}:{kind}/{name}",
        facts.partition
    ))
}

/// The trust policy: Activeloop (or the given principals) may assume the role.
pub fn trust_document(req: &Request) -> PolicyDocument {
    let mut statement = Statement {
        sid: Some("AllowAssumeRoleFromActiveloop".to_string()),
        effect: document::Effect::Allow,
        principal: Some(document::Principal {
            aws: req.principals.clone(),
        }),
        action: vec!["sts:AssumeRole".to_string()],
        resource: Vec::new(),
        condition: BTreeMap::new(),
    };
    if let Some(id) = &req.external_id {
        statement = statement.with_condition("StringEquals", "sts:ExternalId", vec![id.clone()]);
    }
    PolicyDocument::new(vec![statement])
}

/// The key ARN to grant for one bucket, if any, with a note saying why or why not.
fn bucket_key(
    name: &str,
    bucket: &facts::BucketFacts,
    req: &Request,
    facts: &Facts,
    notes: &mut Vec<Note>,
) -> (Option<KeyFacts>, bool) {
    let Encryption::Kms { key, .. } = &bucket.encryption else {
        let why = match bucket.encryption {
            Encryption::SseS3 => "SSE-S3 (keys managed by S3)",
            _ => "no default encryption",
        };
        notes.push(Note::Info(format!(
            "bucket {name}: {why}, so no KMS permission is needed"
        )));
        return (None, false);
    };
    let Some(key) = key else {
        notes.push(Note::Info(format!(
            "bucket {name}: {} with the AWS-managed key aws/s3, so no KMS permission is needed",
            bucket.encryption.label()
        )));
        return (None, false);
    };
    let found = facts.keys.get(key).cloned().unwrap_or_else(|| KeyFacts {
        arn: key.clone(),
        manager: None,
    });
    let aws_managed = found.manager == Some(KeyManager::Aws)
        || validate::kms_key(key).is_ok_and(|k| k.is_aws_managed_alias());
    if aws_managed {
        notes.push(Note::Info(format!(
            "bucket {name}: {} with the AWS-managed key {}, so no KMS permission is needed",
            bucket.encryption.label(),
            found.arn
        )));
        return (
            Some(KeyFacts {
                manager: Some(KeyManager::Aws),
                ..found
            }),
            false,
        );
    }
    if !req.kms.discover {
        notes.push(Note::Warning(format!(
            "bucket {name} is encrypted with the customer-managed key {}, but automatic KMS \
             grants are off: the role will not be able to read or write its objects",
            found.arn
        )));
        return (Some(found), false);
    }
    notes.push(Note::Info(format!(
        "bucket {name}: {} with the customer-managed key {}, so the role is granted {} on it",
        bucket.encryption.label(),
        found.arn,
        kms_actions(req.access).join(", ")
    )));
    cross_account_warning(&found.arn, facts, notes);
    if found.manager.is_none() {
        notes.push(Note::Warning(format!(
            "could not describe KMS key {}; granting it as configured on bucket {name}",
            found.arn
        )));
    }
    (Some(found), true)
}

fn cross_account_warning(key_arn: &str, facts: &Facts, notes: &mut Vec<Note>) {
    let (Some(key_account), Some(account)) = (validate::arn_account(key_arn), &facts.account_id)
    else {
        return;
    };
    if key_account != account {
        notes.push(Note::Warning(format!(
            "KMS key {key_arn} lives in account {key_account}, not {account}: its key policy \
             must also allow this role, or the grant has no effect"
        )));
    }
}

/// One report per requested scope, and the key ARNs to grant per bucket name.
fn bucket_reports(
    req: &Request,
    facts: &Facts,
    notes: &mut Vec<Note>,
) -> (Vec<BucketReport>, BTreeMap<String, Option<String>>) {
    // Each bucket's key, decided once (with its note), whatever number of prefixes it has.
    let mut decided: BTreeMap<&str, (Option<KeyFacts>, bool)> = BTreeMap::new();
    let mut reports = Vec::new();
    for scope in &req.buckets {
        let bucket = facts.buckets.get(&scope.bucket);
        let (key, _) = decided
            .entry(&scope.bucket)
            .or_insert_with(|| match bucket {
                Some(b) => bucket_key(&scope.bucket, b, req, facts, notes),
                None => (None, false),
            });
        reports.push(BucketReport {
            name: scope.bucket.clone(),
            prefix: scope.prefix.clone(),
            region: bucket.map(|b| b.region.clone()),
            encryption: bucket.map_or("unknown", |b| b.encryption.label()),
            kms_key_arn: key.as_ref().map(|k| k.arn.clone()),
            kms_key_manager: key.as_ref().and_then(|k| k.manager),
        });
    }
    let keys = decided
        .into_iter()
        .map(|(name, (key, granted))| (name.to_string(), key.filter(|_| granted).map(|k| k.arn)))
        .collect();
    if facts.buckets.is_empty() && req.kms.discover {
        notes.push(Note::Info(
            "offline: bucket encryption was not checked, so no KMS permission is included; \
             `create` (or `plan --discover`) adds the customer-managed keys it finds"
                .to_string(),
        ));
    }
    (reports, keys)
}

/// Key ARNs for keys named with `--kms KEY`.
fn explicit_keys(
    req: &Request,
    facts: &Facts,
    notes: &mut Vec<Note>,
) -> Result<BTreeSet<String>, PlanError> {
    let mut arns = BTreeSet::new();
    for key in &req.kms.keys {
        let found = match (facts.keys.get(key.as_str()), key) {
            (Some(found), _) => found.clone(),
            (None, KeyRef::KeyArn(arn)) => KeyFacts {
                arn: arn.clone(),
                manager: None,
            },
            (None, _) => return Err(PlanError::UnresolvedKey(key.as_str().to_string())),
        };
        if found.manager == Some(KeyManager::Aws) || key.is_aws_managed_alias() {
            notes.push(Note::Info(format!(
                "KMS key {} is AWS-managed; it needs no grant, so none is added",
                key.as_str()
            )));
            continue;
        }
        notes.push(Note::Info(format!(
            "KMS key {} (from --kms {}) is granted {}",
            found.arn,
            key.as_str(),
            kms_actions(req.access).join(", ")
        )));
        cross_account_warning(&found.arn, facts, notes);
        arns.insert(found.arn);
    }
    Ok(arns)
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

/// Split the grants into as few documents as IAM's size limit allows, keeping each bucket's
/// scopes and key together. Explicit keys go into the first document.
fn pack_documents(
    req: &Request,
    partition: &str,
    bucket_keys: &BTreeMap<String, Option<String>>,
    extra_keys: &BTreeSet<String>,
) -> Result<Vec<PolicyDocument>, PlanError> {
    let mut chunks: Vec<(Vec<BucketScope>, BTreeSet<String>)> =
        vec![(Vec::new(), extra_keys.clone())];
    for (bucket, key) in bucket_keys {
        let scopes: Vec<BucketScope> = req
            .buckets
            .iter()
            .filter(|s| &s.bucket == bucket)
            .cloned()
            .collect();
        let fits = |chunk: &(Vec<BucketScope>, BTreeSet<String>)| {
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
                    "bucket {bucket} with its prefixes does not fit in one IAM policy of \
                     {MAX_POLICY_CHARS} characters; use fewer prefixes"
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
            "the grants need {} managed policies, over IAM's limit of {MAX_POLICIES_PER_ROLE} \
             per role; split the buckets over several roles",
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

fn name_policies(req: &Request, facts: &Facts, docs: Vec<PolicyDocument>) -> Vec<PlannedPolicy> {
    docs.into_iter()
        .enumerate()
        .map(|(i, document)| {
            let name = policy_name(&req.policy_name, i);
            PlannedPolicy {
                arn: facts
                    .existing
                    .policies
                    .get(&name)
                    .map(|p| p.arn.clone())
                    .or_else(|| arn(facts, "policy", &name)),
                name,
                document,
            }
        })
        .collect()
}

/// Is `name` one of the names this request's policies would have (`BASE` or `BASE-N`)?
pub fn is_family_name(base: &str, name: &str) -> bool {
    name == base
        || name
            .strip_prefix(base)
            .and_then(|rest| rest.strip_prefix('-'))
            .is_some_and(|n| n.parse::<usize>().is_ok_and(|n| n >= 2))
}

fn stale_policies(req: &Request, facts: &Facts, planned: &[PlannedPolicy]) -> Vec<StalePolicy> {
    let Some(role) = &facts.existing.role else {
        return Vec::new();
    };
    facts
        .existing
        .policies
        .iter()
        .filter(|(name, p)| {
            p.owned
                && role.attached.contains(&p.arn)
                && is_family_name(&req.policy_name, name)
                && !planned.iter().any(|pp| &pp.name == *name)
        })
        .map(|(name, p)| StalePolicy {
            name: name.clone(),
            arn: p.arn.clone(),
        })
        .collect()
}

fn changes(
    req: &Request,
    facts: &Facts,
    trust: &PolicyDocument,
    policies: &[PlannedPolicy],
    stale: &[StalePolicy],
) -> Result<Vec<Change>, PlanError> {
    let mut out = Vec::new();
    for policy in policies {
        let (action, details) = match facts.existing.policies.get(&policy.name) {
            None => (Action::Create, Vec::new()),
            Some(p) if !p.owned && !req.adopt => {
                return Err(PlanError::NotOwned {
                    kind: "policy",
                    name: policy.name.clone(),
                })
            }
            Some(p) => compare(&p.document, &policy.document.to_value()),
        };
        out.push(Change {
            resource: format!("policy/{}", policy.name),
            action,
            details,
        });
    }
    let role = facts.existing.role.as_ref();
    let (action, details) = match role {
        None => (Action::Create, Vec::new()),
        Some(r) if !r.owned && !req.adopt => {
            return Err(PlanError::NotOwned {
                kind: "role",
                name: req.role_name.clone(),
            })
        }
        Some(r) => compare(&r.trust, &trust.to_value()),
    };
    out.push(Change {
        resource: format!("role/{}", req.role_name),
        action,
        details,
    });
    for policy in policies {
        let attached = match (role, &policy.arn) {
            (Some(r), Some(arn)) => r.attached.contains(arn),
            _ => false,
        };
        out.push(Change {
            resource: format!("attachment/{}/{}", req.role_name, policy.name),
            action: if attached {
                Action::Unchanged
            } else {
                Action::Create
            },
            details: Vec::new(),
        });
    }
    for policy in stale {
        out.push(Change {
            resource: format!("policy/{}", policy.name),
            action: Action::Delete,
            details: vec!["no longer needed: detached from the role and deleted".to_string()],
        });
    }
    Ok(out)
}

fn compare(current: &Value, desired: &Value) -> (Action, Vec<String>) {
    if document::same_meaning(current, desired) {
        return (Action::Unchanged, Vec::new());
    }
    let (was, will) = (grant_lines(current), grant_lines(desired));
    let mut details: Vec<String> = was.difference(&will).map(|l| format!("- {l}")).collect();
    details.extend(will.difference(&was).map(|l| format!("+ {l}")));
    if details.is_empty() {
        details.push("~ statement ids or layout".to_string());
    }
    (Action::Update, details)
}

/// A document as one line per target: `TARGET: ACTIONS [when CONDITIONS]`, for diffs.
pub fn grant_lines(doc: &Value) -> BTreeSet<String> {
    let doc = document::canonical(doc);
    let statements = doc["Statement"].as_array().cloned().unwrap_or_default();
    let strings = |v: &Value| -> Vec<String> {
        v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|s| s.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut lines = BTreeSet::new();
    for st in &statements {
        let effect = st["Effect"].as_array().and_then(|a| a.first()).cloned();
        let effect = effect.as_ref().and_then(Value::as_str).unwrap_or("Allow");
        let actions = strings(&st["Action"]).join(" ");
        let mut targets = strings(&st["Resource"]);
        if let Some(p) = st["Principal"].as_object() {
            for v in p.values() {
                targets.extend(strings(v).into_iter().map(|a| format!("principal {a}")));
            }
        }
        let when = match st.get("Condition") {
            Some(c) if !c.is_null() => format!(" when {c}"),
            _ => String::new(),
        };
        let deny = if effect == "Deny" { "DENY " } else { "" };
        for target in targets {
            lines.insert(format!("{deny}{target}: {actions}{when}"));
        }
    }
    lines
}

#[cfg(test)]
mod tests;
