//! The pure heart of the tool: a request and the discovered facts in, the exact IAM documents,
//! notes for people and the typed list of changes out. No I/O happens here.

pub(crate) mod changes;
pub(crate) mod cors;
pub(crate) mod documents;
pub(crate) mod facts;
pub(crate) mod request;
pub(crate) mod user;

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use thiserror::Error;

pub(crate) use changes::{Action, Change, Holder, Resource};
#[cfg(test)]
pub(crate) use documents::trust_document;
pub(crate) use documents::{
    is_family_name, kms_actions, kms_statements, permission_document, policy_name,
    MAX_POLICIES_PER_ROLE, MAX_POLICY_CHARS,
};
pub(crate) use facts::{
    AccessKeyInfo, BucketFacts, BucketRead, Encryption, Existing, ExistingPolicy, ExistingRole,
    ExistingUser, Facts, Holding, KeyFacts, KeyManager, LastUsed,
};
pub(crate) use request::{
    Access, BucketScope, Guardrails, HolderSpec, Identity, KeyRef, KmsChoice, Request, RoleSpec,
    Trust, UserSpec,
};
pub(crate) use user::UserPlan;

use crate::policy::access::{self, Layer, Verdict};
use crate::policy::{self, PolicyDocument};

/// The tag that marks what this tool created (or took over with `--adopt`).
pub(crate) const OWNER_TAG: (&str, &str) = ("managed-by", "provision-role");
/// The tag that lists the `--tag` keys provision-role set on the role (see
/// [`Guardrails::managed_keys`]), so a later run removes only those.
pub(crate) const TAGS_TAG: &str = "provision-role:tags";
/// The tag that marks what `--adopt` took over: it existed before provision-role, so `delete`
/// keeps it. On a policy its value is the default version it had before.
pub(crate) const ADOPTED_TAG: &str = "provision-role:adopted";

#[derive(Debug, Error, PartialEq, Eq)]
pub(crate) enum PlanError {
    /// The request cannot be expressed within IAM's limits (exit 2: change the input).
    #[error("{0}")]
    TooLarge(String),
    /// A KMS key id or alias that offline planning cannot turn into a key ARN (exit 2).
    #[error(
        "--kms {0}: offline plan cannot resolve a key id or alias to a key ARN; \
         give the key ARN, or add --discover to look it up"
    )]
    UnresolvedKey(String),
    /// The role or user exists under another IAM path; IAM cannot move either (exit 1).
    #[error(
        "{holder} exists with path {have}, not {want}; IAM cannot move a {kind}: delete it \
         first (provision-role delete {flags}) or choose another --{kind}-name",
        kind = holder.kind(),
        flags = delete_flags(holder)
    )]
    Immovable {
        holder: Holder,
        have: String,
        want: String,
    },
    /// A role or policy of that name exists and this tool did not create it (exit 1).
    #[error(
        "{kind} {name:?} already exists and was not created by provision-role (it has no \
         managed-by=provision-role tag); it was left untouched. Choose another name, or pass \
         --adopt to take it over"
    )]
    NotOwned { kind: &'static str, name: String },
    /// A bucket's CORS configuration has no room for our rule (exit 1).
    #[error(
        "bucket {0} already has {max} CORS rules, S3's limit, so Deep Lake's rule cannot be \
         added; remove a rule it does not need, or run without --cors",
        max = cors::MAX_RULES
    )]
    CorsFull(String),
    /// The permissions boundary would block what Deep Lake needs (exit 1).
    #[error("{detail}; {fix}")]
    Boundary { detail: String, fix: String },
}

/// The `delete` flags that name a role or user.
fn delete_flags(holder: &Holder) -> String {
    match holder {
        Holder::Role(name) => format!("--role-name {name}"),
        Holder::User(name) => format!("--identity user --user-name {name}"),
    }
}

impl PlanError {
    /// Whether the input must change (exit 2) rather than the account (exit 1).
    pub(crate) fn is_usage(&self) -> bool {
        matches!(self, PlanError::TooLarge(_) | PlanError::UnresolvedKey(_))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PlannedPolicy {
    pub(crate) name: String,
    pub(crate) arn: Option<String>,
    pub(crate) document: PolicyDocument,
    /// The default version it has now, when it exists.
    pub(crate) version: Option<String>,
}

/// What the plan found out about one requested bucket scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BucketReport {
    pub(crate) name: String,
    pub(crate) prefix: Option<String>,
    pub(crate) region: Option<String>,
    pub(crate) encryption: &'static str,
    pub(crate) kms_key_arn: Option<String>,
    pub(crate) kms_key_manager: Option<KeyManager>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Level {
    Info,
    Warn,
}

/// Something people should know about the plan: why a KMS key is (not) granted, a risk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Note {
    pub(crate) level: Level,
    pub(crate) message: String,
    /// What to do about it, when there is something to do.
    pub(crate) fix: Option<String>,
    /// For a layer outside the role's policies that can still deny access: which, and the
    /// problem in one line (the wizard's review shows only that).
    pub(crate) access: Option<(Layer, String)>,
}

impl Note {
    pub(crate) fn info(message: impl Into<String>) -> Note {
        Note {
            level: Level::Info,
            message: message.into(),
            fix: None,
            access: None,
        }
    }

    pub(crate) fn warn(message: impl Into<String>) -> Note {
        Note {
            level: Level::Warn,
            message: message.into(),
            fix: None,
            access: None,
        }
    }

    pub(crate) fn with_fix(mut self, fix: Option<String>) -> Note {
        self.fix = fix;
        self
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Plan {
    /// The role, or with `--identity user` the user, that holds the policies.
    pub(crate) holder: HolderPlan,
    pub(crate) account_id: Option<String>,
    pub(crate) guardrails: Guardrails,
    pub(crate) policies: Vec<PlannedPolicy>,
    pub(crate) buckets: Vec<BucketReport>,
    pub(crate) notes: Vec<Note>,
    pub(crate) changes: Vec<Change>,
}

/// The role or the user a plan is for, with what only that kind has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum HolderPlan {
    Role(RolePlan),
    User(UserPlan),
}

/// The role a plan is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RolePlan {
    pub(crate) name: String,
    /// With the path: `arn:aws:iam::ACCOUNT:role/PATH/NAME`. None offline.
    pub(crate) arn: Option<String>,
    pub(crate) description: String,
    /// The external ID the trust policy requires, if any (templates make it a parameter).
    pub(crate) external_id: Option<String>,
    pub(crate) trust: PolicyDocument,
}

impl HolderPlan {
    /// The role or user, by name.
    pub(crate) fn id(&self) -> Holder {
        match self {
            HolderPlan::Role(role) => Holder::Role(role.name.clone()),
            HolderPlan::User(user) => Holder::User(user.name.clone()),
        }
    }

    pub(crate) fn name(&self) -> &str {
        match self {
            HolderPlan::Role(RolePlan { name, .. }) | HolderPlan::User(UserPlan { name, .. }) => {
                name
            }
        }
    }

    /// The ARN of the role or user; None offline.
    pub(crate) fn arn(&self) -> Option<&str> {
        match self {
            HolderPlan::Role(RolePlan { arn, .. }) | HolderPlan::User(UserPlan { arn, .. }) => {
                arn.as_deref()
            }
        }
    }
}

impl Plan {
    pub(crate) fn is_noop(&self) -> bool {
        self.changes.iter().all(|c| c.action() == Action::Unchanged)
    }

    /// The role; None for a user.
    pub(crate) fn role(&self) -> Option<&RolePlan> {
        match &self.holder {
            HolderPlan::Role(role) => Some(role),
            HolderPlan::User(_) => None,
        }
    }

    /// The user; None for a role.
    pub(crate) fn user(&self) -> Option<&UserPlan> {
        match &self.holder {
            HolderPlan::User(user) => Some(user),
            HolderPlan::Role(_) => None,
        }
    }

    /// Whether the role or user itself is new.
    pub(crate) fn creates_holder(&self) -> bool {
        self.changes
            .iter()
            .any(|c| matches!(c, Change::CreateRole { .. } | Change::CreateUser { .. }))
    }

    /// Whether the role itself is new.
    #[cfg(test)]
    pub(crate) fn creates_role(&self) -> bool {
        self.changes
            .iter()
            .any(|c| matches!(c, Change::CreateRole { .. }))
    }
}

/// Whether the request can fit IAM's limits at all: planned as if no bucket needed a KMS
/// key (the smallest it can be). Checked before any AWS request; input that cannot fit is
/// refused with how many of its buckets would.
pub(crate) fn check_limits(req: &Request) -> Result<(), PlanError> {
    let Err(err) = build(req, &Facts::offline()) else {
        return Ok(());
    };
    let PlanError::TooLarge(why) = err else {
        return Ok(());
    };
    let fit = |n: usize| {
        let mut fewer = req.clone();
        fewer.buckets.truncate(n);
        build(&fewer, &Facts::offline()).is_ok()
    };
    let (mut low, mut high) = (0, req.buckets.len());
    while low + 1 < high {
        let mid = (low + high) / 2;
        if fit(mid) {
            low = mid;
        } else {
            high = mid;
        }
    }
    Err(PlanError::TooLarge(format!(
        "{why}. At most {low} of the {} --bucket values fit in one role",
        req.buckets.len()
    )))
}

/// Build the documents and the changes. Pure: same input, byte-identical output.
pub(crate) fn build(req: &Request, facts: &Facts) -> Result<Plan, PlanError> {
    let mut notes = Vec::new();
    let (buckets, bucket_keys) = bucket_reports(req, facts, &mut notes);
    let extra_keys = explicit_keys(req, facts, &mut notes)?;
    let holder = holder_plan(req, facts)?;
    let documents = documents::pack(req, &facts.partition, &bucket_keys, &extra_keys)?;
    check_room(req, facts, documents.len())?;
    let policies = name_policies(req, facts, documents);
    notes.extend(access_notes(&holder, &policies, facts)?);
    let mut changes = changes(req, facts, &holder, &policies, &mut notes)?;
    changes.extend(drift(req, facts, &changes, &mut notes));
    if let HolderPlan::User(user) = &holder {
        changes.push(user::key_change(&user.name, facts, &mut notes));
    }
    Ok(Plan {
        holder,
        account_id: facts.account_id.clone(),
        guardrails: req.guardrails.clone(),
        policies,
        buckets,
        notes,
        changes,
    })
}

/// What the layers outside the holder's policies (key policies, bucket policies, the
/// boundary, Requester Pays) would still deny, as warnings; a boundary that blocks a needed
/// action refuses the plan, since the role could not work.
fn access_notes(
    holder: &HolderPlan,
    policies: &[PlannedPolicy],
    facts: &Facts,
) -> Result<Vec<Note>, PlanError> {
    let Some(arn) = holder.arn() else {
        return Ok(Vec::new());
    };
    let needs: Vec<policy::Statement> = policies
        .iter()
        .flat_map(|p| p.document.statement.iter().cloned())
        .collect();
    let grantee = access::Grantee {
        arn,
        the: holder.id().the(),
        needs: &needs,
    };
    let mut notes = Vec::new();
    for found in access::judge(&grantee, &facts.access) {
        match (found.layer, found.verdict) {
            (_, Verdict::Ok) => {}
            (Layer::Boundary, Verdict::Fail) => {
                return Err(PlanError::Boundary {
                    detail: found.detail,
                    fix: found.fix.unwrap_or_default(),
                })
            }
            _ => notes.push(Note {
                access: Some((found.layer, found.headline)),
                ..Note::warn(format!("{}: {}", found.name, found.detail)).with_fix(found.fix)
            }),
        }
    }
    Ok(notes)
}

/// The role (with its trust document) or the user the request is for.
fn holder_plan(req: &Request, facts: &Facts) -> Result<HolderPlan, PlanError> {
    match &req.holder {
        HolderSpec::Role(role) => Ok(HolderPlan::Role(role_plan(req, role, facts)?)),
        HolderSpec::User(user) => Ok(HolderPlan::User(user::planned(req, &user.name, facts))),
    }
}

/// An existing role's ARN is its own (its path may not be the one asked for: then
/// `role_settings` refuses). A new role's is made from the path it will get.
fn role_plan(req: &Request, role: &RoleSpec, facts: &Facts) -> Result<RolePlan, PlanError> {
    let path = format!("{}{}", &req.guardrails.path()[1..], role.name);
    let arn = match &facts.existing.role {
        Some(existing) => Some(existing.arn.clone()),
        None => arn(facts, "role", &path),
    };
    Ok(RolePlan {
        name: role.name.clone(),
        arn,
        description: role.description.clone(),
        external_id: role.external_id.clone(),
        trust: documents::checked_trust(role)?,
    })
}

/// IAM's limit of managed policies per role (and per user) counts those others attached too.
fn check_room(req: &Request, facts: &Facts, needed: usize) -> Result<(), PlanError> {
    let holder = req.holder.id();
    let Some(held) = facts.existing.holding(&holder) else {
        return Ok(());
    };
    let others = held
        .attached
        .iter()
        .filter(|arn| !is_family_name(&req.policy_name, arn.rsplit('/').next().unwrap_or("")))
        .count();
    if needed + others > MAX_POLICIES_PER_ROLE {
        return Err(PlanError::TooLarge(format!(
            "{holder} already has {others} other managed policies attached, and the --bucket \
             grants need {needed} more: over IAM's limit of {MAX_POLICIES_PER_ROLE} per {}. \
             Detach policies it does not need, or grant fewer buckets",
            holder.kind()
        )));
    }
    Ok(())
}

pub(crate) fn arn(facts: &Facts, kind: &str, name: &str) -> Option<String> {
    let account = facts.account_id.as_ref()?;
    Some(format!(
        "arn:{}:iam::{account}:{kind}/{name}",
        facts.partition
    ))
}

/// The key to grant for one bucket, if any (with whether it is granted), and a note saying
/// why or why not.
fn bucket_key(
    name: &str,
    bucket: &BucketFacts,
    req: &Request,
    facts: &Facts,
    notes: &mut Vec<Note>,
) -> (Option<KeyFacts>, bool) {
    let Encryption::Kms { key, .. } = &bucket.encryption else {
        let why = match bucket.encryption {
            Encryption::SseS3 => "SSE-S3 (keys managed by S3)",
            _ => "no default encryption",
        };
        notes.push(Note::info(format!(
            "bucket {name}: {why}, so no KMS permission is needed"
        )));
        return (None, false);
    };
    let Some(key) = key else {
        notes.push(Note::info(format!(
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
        || KeyRef::from_configured(key).is_aws_managed_alias();
    if aws_managed {
        notes.push(Note::info(format!(
            "bucket {name}: {} with the AWS-managed key {}, so no KMS permission is needed",
            bucket.encryption.label(),
            found.arn
        )));
        let found = KeyFacts {
            manager: Some(KeyManager::Aws),
            ..found
        };
        return (Some(found), false);
    }
    if !req.kms.discovers() {
        notes.push(Note::warn(format!(
            "bucket {name} is encrypted with the customer-managed key {}, but automatic KMS \
             grants are off: the role will not be able to read or write its objects",
            found.arn
        )));
        return (Some(found), false);
    }
    notes.push(Note::info(format!(
        "bucket {name}: {} with the customer-managed key {}, so the role is granted {} on it, \
         only through S3",
        bucket.encryption.label(),
        found.arn,
        kms_actions(req.access).join(", ")
    )));
    cross_account_warning(&found.arn, facts, notes);
    if found.manager.is_none() {
        notes.push(Note::warn(format!(
            "could not describe KMS key {}; granting it as configured on bucket {name}",
            found.arn
        )));
    }
    (Some(found), true)
}

fn cross_account_warning(key_arn: &str, facts: &Facts, notes: &mut Vec<Note>) {
    let (Some(key_account), Some(account)) = (policy::arn_account(key_arn), &facts.account_id)
    else {
        return;
    };
    if key_account != account {
        notes.push(Note::warn(format!(
            "KMS key {key_arn} lives in account {key_account}, not {account}: its key policy \
             must also allow this role, or the grant has no effect"
        )));
    }
}

/// One report per requested scope, and the key ARN to grant per bucket name.
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
    if facts.buckets.is_empty() && req.kms.discovers() {
        notes.push(Note::info(
            "offline: bucket encryption was not checked, so no KMS permission is included; \
             `create` (or `plan --discover`) adds the customer-managed keys it finds",
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
    for key in req.kms.keys() {
        let found = match (facts.keys.get(key.as_str()), key) {
            (Some(found), _) => found.clone(),
            (None, KeyRef::KeyArn(arn)) => KeyFacts {
                arn: arn.clone(),
                manager: None,
            },
            (None, _) => return Err(PlanError::UnresolvedKey(key.as_str().to_string())),
        };
        if found.manager == Some(KeyManager::Aws) || key.is_aws_managed_alias() {
            notes.push(Note::info(format!(
                "KMS key {} is AWS-managed; it needs no grant, so none is added",
                key.as_str()
            )));
            continue;
        }
        notes.push(Note::info(format!(
            "KMS key {} (from --kms {}) is granted {}, only through S3",
            found.arn,
            key.as_str(),
            kms_actions(req.access).join(", ")
        )));
        cross_account_warning(&found.arn, facts, notes);
        arns.insert(found.arn);
    }
    Ok(arns)
}

fn name_policies(req: &Request, facts: &Facts, docs: Vec<PolicyDocument>) -> Vec<PlannedPolicy> {
    docs.into_iter()
        .enumerate()
        .map(|(i, document)| {
            let name = policy_name(&req.policy_name, i);
            let existing = facts.existing.policies.get(&name);
            PlannedPolicy {
                arn: existing
                    .map(|p| p.arn.clone())
                    .or_else(|| arn(facts, "policy", &name)),
                version: existing.map(|p| p.default_version.clone()),
                name,
                document,
            }
        })
        .collect()
}

/// Every change, in the order they are listed: policies, the role, adoptions, attachments,
/// then policies no longer needed.
fn changes(
    req: &Request,
    facts: &Facts,
    holder: &HolderPlan,
    policies: &[PlannedPolicy],
    notes: &mut Vec<Note>,
) -> Result<Vec<Change>, PlanError> {
    let mut out = Vec::new();
    let mut adopt = Vec::new();
    for policy in policies {
        out.push(policy_change(req, facts, policy, &mut adopt)?);
    }
    match holder {
        HolderPlan::Role(role) => {
            let existing = facts.existing.role.as_ref();
            out.push(role_change(req, role, existing, &mut adopt)?);
            if let Some(existing) = existing {
                out.extend(role_settings(req, role, existing)?);
            }
        }
        HolderPlan::User(user) => {
            let existing = facts.existing.user.as_ref();
            out.push(user::user_change(req, &user.name, existing, &mut adopt)?);
            if let Some(existing) = existing {
                out.extend(user::user_settings(req, &user.name, existing)?);
            }
        }
    }
    out.extend(adopt);
    let holder = req.holder.id();
    let held = facts.existing.holding(&holder);
    for policy in policies {
        out.push(attachment(&holder, held, policy));
    }
    out.extend(cors_changes(req, facts)?);
    out.extend(stale(req, facts, policies, notes));
    Ok(out)
}

/// With `--cors`, one change per bucket: our rule added or replaced, or unchanged when the
/// bucket has it already. Offline (no rules read) it is planned as added.
fn cors_changes(req: &Request, facts: &Facts) -> Result<Vec<Change>, PlanError> {
    let Some(origins) = &req.cors else {
        return Ok(Vec::new());
    };
    let rule = cors::CorsRule::ours(&cors::rule_id(&req.holder.id()), origins);
    let buckets: BTreeSet<&str> = req.buckets.iter().map(|s| s.bucket.as_str()).collect();
    let mut out = Vec::new();
    for bucket in buckets {
        let found = facts.buckets.get(bucket);
        let previous = found.and_then(|b| b.cors.clone());
        if let Some(rules) = &previous {
            let Some(next) = cors::with_ours(rules, &rule) else {
                out.push(Change::Unchanged(Resource::Cors(bucket.to_string())));
                continue;
            };
            if next.len() > cors::MAX_RULES {
                return Err(PlanError::CorsFull(bucket.to_string()));
            }
        }
        out.push(Change::PutCors {
            bucket: bucket.to_string(),
            region: found.map(|b| b.region.clone()),
            rule: rule.clone(),
            previous,
        });
    }
    Ok(out)
}

fn policy_change(
    req: &Request,
    facts: &Facts,
    policy: &PlannedPolicy,
    adopt: &mut Vec<Change>,
) -> Result<Change, PlanError> {
    let resource = Resource::Policy(policy.name.clone());
    let Some(existing) = facts.existing.policies.get(&policy.name) else {
        return Ok(Change::CreatePolicy {
            name: policy.name.clone(),
            arn: policy.arn.clone(),
            document: policy.document.clone(),
        });
    };
    if !existing.owned {
        if !req.adopt {
            return Err(PlanError::NotOwned {
                kind: "policy",
                name: policy.name.clone(),
            });
        }
        adopt.push(Change::Adopt {
            resource: resource.clone(),
            arn: existing.arn.clone(),
            from: Some(existing.default_version.clone()),
        });
    }
    Ok(
        match changes::compare(&existing.document, &policy.document) {
            None => Change::Unchanged(resource),
            Some(diff) => Change::UpdatePolicy {
                name: policy.name.clone(),
                arn: existing.arn.clone(),
                document: policy.document.clone(),
                diff,
            },
        },
    )
}

fn role_change(
    req: &Request,
    planned: &RolePlan,
    role: Option<&ExistingRole>,
    adopt: &mut Vec<Change>,
) -> Result<Change, PlanError> {
    let resource = Resource::Role(planned.name.clone());
    let Some(role) = role else {
        return Ok(Change::CreateRole {
            name: planned.name.clone(),
            trust: planned.trust.clone(),
            description: planned.description.clone(),
            guardrails: req.guardrails.clone(),
        });
    };
    if !role.owned {
        if !req.adopt {
            return Err(PlanError::NotOwned {
                kind: "role",
                name: planned.name.clone(),
            });
        }
        adopt.push(Change::Adopt {
            resource: resource.clone(),
            arn: role.arn.clone(),
            from: None,
        });
    }
    Ok(match changes::compare(&role.trust, &planned.trust) {
        None => Change::Unchanged(resource),
        Some(diff) => Change::UpdateTrust {
            role: planned.name.clone(),
            trust: planned.trust.clone(),
            diff,
        },
    })
}

/// The guardrails asked for against what the role has: what was not asked for is left as it
/// is; with `--tag`, tags are added or changed, and those an earlier run set that are no
/// longer asked for are removed (only those: the role's other tags are not ours).
fn role_settings(
    req: &Request,
    planned: &RolePlan,
    role: &ExistingRole,
) -> Result<Vec<Change>, PlanError> {
    let g = &req.guardrails;
    let name = &planned.name;
    let holder = Holder::Role(name.clone());
    if let Some(want) = g.path.as_ref().filter(|p| **p != role.path) {
        return Err(PlanError::Immovable {
            holder,
            have: role.path.clone(),
            want: want.clone(),
        });
    }
    let mut out = Vec::new();
    let session = g
        .max_session_duration
        .filter(|s| role.max_session_duration != Some(*s as i32));
    let description =
        (planned.description != role.description).then(|| planned.description.clone());
    if session.is_some() || description.is_some() {
        out.push(Change::UpdateRole {
            role: name.clone(),
            description,
            max_session_duration: session,
        });
    }
    out.extend(boundary_change(
        &holder,
        g,
        role.permissions_boundary.as_ref(),
    ));
    out.extend(tag_changes(&holder, g, &role.tags));
    Ok(out)
}

/// A new permissions boundary, when one is asked for and the role or user has another.
fn boundary_change(holder: &Holder, g: &Guardrails, have: Option<&String>) -> Option<Change> {
    let boundary = g.permissions_boundary.as_ref()?;
    (have != Some(boundary)).then(|| Change::SetBoundary {
        holder: holder.clone(),
        arn: boundary.clone(),
    })
}

/// Tags to set (ours, listed in [`TAGS_TAG`]) and tags to take off (listed before, not now).
/// No `--tag` at all leaves the role's tags as they are, like the other guardrails.
fn tag_changes(holder: &Holder, g: &Guardrails, have: &[(String, String)]) -> Vec<Change> {
    if g.tags.is_empty() {
        return Vec::new();
    }
    let listed: Vec<String> = have
        .iter()
        .find(|(k, _)| k == TAGS_TAG)
        .map(|(_, v)| Guardrails::listed_keys(v))
        .unwrap_or_default();
    let mut set: Vec<(String, String)> = g
        .tags
        .iter()
        .filter(|t| !have.contains(t))
        .cloned()
        .collect();
    let keys = g.managed_keys();
    if have.iter().find(|(k, _)| k == TAGS_TAG).map(|(_, v)| v) != Some(&keys) {
        set.push((TAGS_TAG.to_string(), keys));
    }
    let remove: Vec<String> = listed
        .into_iter()
        .filter(|k| !g.tags.iter().any(|(key, _)| key == k))
        .collect();
    let mut out = Vec::new();
    if !set.is_empty() {
        out.push(Change::Tag {
            holder: holder.clone(),
            tags: set,
        });
    }
    if !remove.is_empty() {
        out.push(Change::Untag {
            holder: holder.clone(),
            keys: remove,
        });
    }
    out
}

fn attachment(holder: &Holder, held: Option<Holding>, policy: &PlannedPolicy) -> Change {
    let attached = match (held, &policy.arn) {
        (Some(h), Some(arn)) => h.attached.contains(arn),
        _ => false,
    };
    if attached {
        return Change::Unchanged(Resource::Attachment {
            holder: holder.clone(),
            policy: policy.name.clone(),
        });
    }
    Change::Attach {
        holder: holder.clone(),
        policy: policy.name.clone(),
        arn: policy.arn.clone(),
    }
}

/// Policies this tool made for the role earlier (`NAME-N`) that the new grants do not need:
/// detached, and deleted unless something else uses them too (then kept, with a warning).
fn stale(
    req: &Request,
    facts: &Facts,
    planned: &[PlannedPolicy],
    notes: &mut Vec<Note>,
) -> Vec<Change> {
    let mut out = Vec::new();
    let holder = req.holder.id();
    for (name, p) in stale_policies(req, facts, planned) {
        out.push(Change::DetachStale {
            holder: holder.clone(),
            policy: name.clone(),
            arn: p.arn.clone(),
        });
        if p.attached_elsewhere {
            notes.push(Note::warn(format!(
                "policy {name} is no longer needed by {holder}, but is attached elsewhere too: \
                 it is detached from {} and kept",
                holder.the()
            )));
        } else {
            out.push(Change::DeleteStale {
                policy: name.clone(),
                arn: p.arn.clone(),
            });
        }
    }
    out
}

/// What discovery must read once a draft plan is known (see [`follow_up`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct FollowUp {
    /// The names of the planned `NAME-N` policies not looked up yet.
    pub(crate) policies: Vec<String>,
    /// The ARNs of the stale policies: whether anyone else holds them decides their fate.
    pub(crate) stale: Vec<String>,
}

/// A grant too large for one policy spills into NAME-2, NAME-3 …, and only a draft plan knows
/// how many: the policies it plans that discovery has not looked up (the base name always is,
/// and those attached to the holder are read with it), and the stale ones to ask about. The
/// policies read are planned ones, so reading them changes neither list.
pub(crate) fn follow_up(req: &Request, facts: &Facts) -> Result<FollowUp, PlanError> {
    let draft = build(req, facts)?;
    let policies = draft
        .policies
        .iter()
        .filter(|p| p.name != req.policy_name && !facts.existing.policies.contains_key(&p.name))
        .map(|p| p.name.clone())
        .collect();
    let stale = stale_policies(req, facts, &draft.policies)
        .into_iter()
        .map(|(_, p)| p.arn.clone())
        .collect();
    Ok(FollowUp { policies, stale })
}

/// The tool's `NAME-N` policies attached to the role (or user) that the plan no longer needs.
fn stale_policies<'f>(
    req: &Request,
    facts: &'f Facts,
    planned: &[PlannedPolicy],
) -> Vec<(&'f String, &'f ExistingPolicy)> {
    let Some(held) = facts.existing.holding(&req.holder.id()) else {
        return Vec::new();
    };
    facts
        .existing
        .policies
        .iter()
        .filter(|(name, p)| {
            p.owned
                && held.attached.contains(&p.arn)
                && is_family_name(&req.policy_name, name)
                && !planned.iter().any(|pp| &pp.name == *name)
        })
        .collect()
}

/// What the role holds that this plan does not write: managed policies attached to it that
/// are neither planned nor stale, and its inline policies. With `--prune` they are detached
/// (never deleted) and deleted; without, each is a warning.
fn drift(req: &Request, facts: &Facts, planned: &[Change], notes: &mut Vec<Note>) -> Vec<Change> {
    let holder = req.holder.id();
    let Some(held) = facts.existing.holding(&holder) else {
        return Vec::new();
    };
    let ours: Vec<&str> = planned
        .iter()
        .filter_map(|c| match c {
            Change::UpdatePolicy { arn, .. } | Change::DeleteStale { arn, .. } => {
                Some(arn.as_str())
            }
            Change::Attach { arn, .. } | Change::CreatePolicy { arn, .. } => arn.as_deref(),
            _ => None,
        })
        .chain(facts.existing.policies.values().map(|p| p.arn.as_str()))
        .collect();
    let mut out = Vec::new();
    for arn in held.attached.iter().filter(|a| !ours.contains(&a.as_str())) {
        if req.prune {
            out.push(Change::DetachForeign {
                holder: holder.clone(),
                arn: arn.clone(),
            });
        } else {
            notes.push(Note::warn(format!(
                "{holder} has the managed policy {arn} attached, which this plan does not \
                 write; it is left attached. --prune detaches it (the policy itself is kept)"
            )));
        }
    }
    for name in held.inline {
        if req.prune {
            out.push(Change::DeleteInline {
                holder: holder.clone(),
                name: name.clone(),
            });
        } else {
            notes.push(Note::warn(format!(
                "{holder} has the inline policy {name}, which this plan does not write; it is \
                 left in place. --prune deletes it"
            )));
        }
    }
    out
}

/// Without an external ID, any Activeloop customer who learns the role ARN could have
/// Activeloop's backend assume the role: the confused-deputy problem.
pub(crate) fn external_id_warning(req: &Request) -> Option<Note> {
    req.role().filter(|role| role.external_id.is_none())?;
    Some(Note::warn(
        "no external ID: the trusted principal may assume the role without one, so anyone who \
         learns the role ARN could have that service use it on their behalf (the \
         confused-deputy problem); re-run with --external-id ID, the ID the Activeloop UI shows",
    ))
}

#[cfg(test)]
mod tests;
