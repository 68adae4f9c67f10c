//! Checks of an existing role.
//!
//! IAM's own simulator (`iam:SimulatePrincipalPolicy`) is not available everywhere (moto lacks
//! it) and knows nothing of bucket policies, so the evaluator here is ours: small, pure, and
//! conservative. An Allow counts only when nothing but an `s3:prefix` condition on
//! `s3:ListBucket` limits it; any Deny whose action and resource could match counts as blocking,
//! whatever its conditions say.

use std::collections::BTreeMap;

use anyhow::{Context, Result};
use futures::stream::{self, StreamExt};
use serde::Serialize;
use serde_json::Value;

use super::{discover, AwsResult, Connection, IAM_READS, READS};
use crate::plan::request::{normalize_scopes, ACTIVELOOP_PRODUCTION};
use crate::plan::{Access, BucketScope, Encryption, KeyManager, KeyRef};
use crate::policy::{self, parse_iam_document};

// ---------------------------------------------------------------------------
// The evaluator (pure)
// ---------------------------------------------------------------------------

/// A permission policy, managed or inline, by name.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    pub name: String,
    pub document: Value,
}

/// Something the role must be allowed to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Need {
    pub action: String,
    /// A resource ARN; a trailing `*` stands for every resource starting with what precedes it.
    pub resource: String,
    /// For `s3:ListBucket` on a prefix: the prefix. An Allow limited by an `s3:prefix`
    /// condition (StringLike) that admits every key under `PREFIX/` then counts.
    pub list_prefix: Option<String>,
}

impl Need {
    pub fn new(action: &str, resource: String) -> Self {
        Need {
            action: action.to_string(),
            resource,
            list_prefix: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Allowed,
    /// No statement allows it (conditional allows do not count).
    NotAllowed,
    /// A Deny statement may block it; names the statement.
    Denied(String),
}

/// IAM wildcard matching: `*` matches any run of characters, `?` exactly one.
pub fn glob(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((s, mark)) = star {
            pi = s + 1;
            ti = mark + 1;
            star = Some((s, mark + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

/// The prefixes of `s`, shortest first, `s` itself included.
fn prefixes(s: &str) -> impl Iterator<Item = &str> {
    s.char_indices()
        .map(|(i, _)| i)
        .chain([s.len()])
        .map(move |i| &s[..i])
}

/// Whether `pattern` matches everything `needed` stands for (see [`Need::resource`]).
pub fn covers(pattern: &str, needed: &str) -> bool {
    let Some(stem) = needed.strip_suffix('*') else {
        return glob(pattern, needed);
    };
    let Some(head) = pattern.strip_suffix('*') else {
        return false;
    };
    prefixes(stem).any(|p| glob(head, p))
}

/// Whether `pattern` matches at least one of the things `needed` stands for.
pub fn overlaps(pattern: &str, needed: &str) -> bool {
    let Some(stem) = needed.strip_suffix('*') else {
        return glob(pattern, needed);
    };
    prefixes(pattern).any(|p| glob(p, stem))
}

/// A string or a list of strings, as IAM documents write them.
fn strings(v: Option<&Value>) -> Vec<&str> {
    match v {
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

fn statements(doc: &Value) -> Vec<&Value> {
    match doc.get("Statement") {
        Some(Value::Array(items)) => items.iter().collect(),
        Some(one @ Value::Object(_)) => vec![one],
        _ => Vec::new(),
    }
}

fn effect_is(st: &Value, effect: &str) -> bool {
    st.get("Effect").and_then(Value::as_str) == Some(effect)
}

/// How to name a statement in a message.
fn label(st: &Value, index: usize, policy: &str) -> String {
    match st.get("Sid").and_then(Value::as_str) {
        Some(sid) if !sid.is_empty() => format!("statement {sid:?} of {policy}"),
        _ => format!("statement #{} of {policy}", index + 1),
    }
}

/// Actions match case-insensitively; `NotAction` applies to every other action.
fn action_applies(st: &Value, action: &str) -> bool {
    let action = action.to_ascii_lowercase();
    let hit = |key| {
        strings(st.get(key))
            .iter()
            .any(|p| covers(&p.to_ascii_lowercase(), &action))
    };
    if st.get("Action").is_some() {
        hit("Action")
    } else if st.get("NotAction").is_some() {
        !hit("NotAction")
    } else {
        false
    }
}

/// An Allow must cover all of the resource; an Allow with `NotResource` never counts.
fn allow_covers(st: &Value, resource: &str) -> bool {
    strings(st.get("Resource"))
        .iter()
        .any(|p| covers(p, resource))
}

/// A Deny blocks if it touches any part of the resource.
fn deny_touches(st: &Value, resource: &str) -> bool {
    if st.get("Resource").is_some() {
        return strings(st.get("Resource"))
            .iter()
            .any(|p| overlaps(p, resource));
    }
    if st.get("NotResource").is_some() {
        return !strings(st.get("NotResource"))
            .iter()
            .any(|p| covers(p, resource));
    }
    true
}

fn has_conditions(st: &Value) -> bool {
    st.get("Condition")
        .and_then(Value::as_object)
        .is_some_and(|c| !c.is_empty())
}

/// Whether a condition is exactly `StringLike s3:prefix` admitting every key under `prefix/`.
fn prefix_condition_covers(condition: Option<&Value>, prefix: &str) -> bool {
    let Some(ops) = condition.and_then(Value::as_object) else {
        return false;
    };
    let Some(keys) = ops.get("StringLike").and_then(Value::as_object) else {
        return false;
    };
    if ops.len() != 1 || keys.len() != 1 {
        return false;
    }
    let Some((key, values)) = keys.iter().next() else {
        return false;
    };
    let needed = format!("{prefix}/*");
    key.eq_ignore_ascii_case("s3:prefix")
        && strings(Some(values)).iter().any(|v| covers(v, &needed))
}

fn allow_counts(st: &Value, need: &Need) -> bool {
    if !effect_is(st, "Allow") || !action_applies(st, &need.action) {
        return false;
    }
    if !allow_covers(st, &need.resource) {
        return false;
    }
    match &need.list_prefix {
        _ if !has_conditions(st) => true,
        Some(prefix) => prefix_condition_covers(st.get("Condition"), prefix),
        None => false,
    }
}

fn deny_blocks(st: &Value, need: &Need) -> bool {
    effect_is(st, "Deny") && action_applies(st, &need.action) && deny_touches(st, &need.resource)
}

/// Whether the identity policies allow `need`.
pub fn decide(policies: &[Policy], need: &Need) -> Verdict {
    let mut allowed = false;
    for policy in policies {
        for (i, st) in statements(&policy.document).into_iter().enumerate() {
            if deny_blocks(st, need) {
                return Verdict::Denied(label(st, i, &format!("policy {}", policy.name)));
            }
            allowed |= allow_counts(st, need);
        }
    }
    if allowed {
        Verdict::Allowed
    } else {
        Verdict::NotAllowed
    }
}

/// The names a principal may be written as in a policy: its ARN, its account's root, its
/// account id.
pub fn principal_forms(arn: &str) -> Vec<String> {
    let mut forms = vec![arn.to_string()];
    if let (Some(partition), Some(account)) = (policy::arn_partition(arn), policy::arn_account(arn))
    {
        forms.push(format!("arn:{partition}:iam::{account}:root"));
        forms.push(account.to_string());
    }
    forms
}

/// The AWS principals a statement lists under `key`; `"*"` for everyone.
fn principals<'a>(st: &'a Value, key: &str) -> Option<Vec<&'a str>> {
    match st.get(key)? {
        Value::String(s) => Some(vec![s.as_str()]),
        Value::Object(map) => Some(strings(map.get("AWS"))),
        _ => Some(Vec::new()),
    }
}

/// Whether a resource-policy statement applies to a principal known by `forms`.
fn applies_to(st: &Value, forms: &[String]) -> bool {
    let named = |list: &[&str]| list.iter().any(|p| forms.iter().any(|f| f == p));
    if let Some(list) = principals(st, "Principal") {
        return list.contains(&"*") || named(&list);
    }
    if let Some(list) = principals(st, "NotPrincipal") {
        return !named(&list);
    }
    true
}

/// A Deny statement of a bucket policy that may block `need` for the role (conditions are
/// not evaluated).
pub fn bucket_policy_denies(doc: &Value, need: &Need, role_arn: &str) -> Option<String> {
    let forms = principal_forms(role_arn);
    statements(doc)
        .into_iter()
        .enumerate()
        .find(|(_, st)| deny_blocks(st, need) && applies_to(st, &forms))
        .map(|(i, st)| label(st, i, "the bucket policy"))
}

/// What an Allow statement of a trust policy asks of whoever assumes the role.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Asks<'a> {
    Nothing,
    ExternalId(Vec<&'a str>),
    /// Conditions other than `StringEquals sts:ExternalId`, which verify cannot evaluate.
    Unknown,
}

fn asks(st: &Value) -> Asks<'_> {
    if !has_conditions(st) {
        return Asks::Nothing;
    }
    let ops = st["Condition"].as_object();
    let keys = ops.and_then(|o| o.get("StringEquals")?.as_object());
    match (ops, keys) {
        (Some(ops), Some(keys)) if ops.len() == 1 && keys.len() == 1 => {
            let (key, values) = keys.iter().next().expect("one key");
            if key.eq_ignore_ascii_case("sts:ExternalId") {
                Asks::ExternalId(strings(Some(values)))
            } else {
                Asks::Unknown
            }
        }
        _ => Asks::Unknown,
    }
}

fn trusts(st: &Value, forms: &[String]) -> bool {
    let listed = principals(st, "Principal").unwrap_or_default();
    effect_is(st, "Allow")
        && action_applies(st, "sts:AssumeRole")
        && listed.iter().any(|p| forms.iter().any(|f| f == p))
}

/// Whether a trust policy lets `principal` assume the role, requiring `external_id` if given.
/// `Ok` says how; `Err` says why not.
pub fn trust_allows(
    trust: &Value,
    principal: &str,
    external_id: Option<&str>,
) -> Result<String, String> {
    let forms = principal_forms(principal);
    let all = statements(trust);
    let denies = |st: &Value| {
        effect_is(st, "Deny") && action_applies(st, "sts:AssumeRole") && applies_to(st, &forms)
    };
    if let Some((i, st)) = all.iter().enumerate().find(|(_, st)| denies(st)) {
        let by = label(st, i, "the trust policy");
        return Err(format!("{by} denies sts:AssumeRole"));
    }
    let candidates: Vec<Asks> = all
        .iter()
        .filter(|st| trusts(st, &forms))
        .map(|st| asks(st))
        .collect();
    judge_trust(&candidates, external_id)
}

fn judge_trust(candidates: &[Asks], expected: Option<&str>) -> Result<String, String> {
    const UNKNOWN: &str = "the statements that trust it have conditions verify cannot evaluate";
    if candidates.is_empty() {
        return Err("no Allow statement lets it call sts:AssumeRole".to_string());
    }
    let open = candidates.contains(&Asks::Nothing);
    let required: Vec<&str> = candidates
        .iter()
        .filter_map(|c| match c {
            Asks::ExternalId(ids) => Some(ids.clone()),
            _ => None,
        })
        .flatten()
        .collect();
    match expected {
        None if open => Ok("allowed, no external ID required".to_string()),
        None if required.is_empty() => Err(UNKNOWN.to_string()),
        None => Ok(format!("allowed with external ID {}", required.join(", "))),
        Some(id) if open => Err(format!(
            "allowed without an external ID; it should require {id}"
        )),
        Some(id) if required.contains(&id) => Ok(format!("allowed, external ID {id} required")),
        Some(_) if required.is_empty() => Err(UNKNOWN.to_string()),
        Some(id) => Err(format!(
            "requires external ID {}, not {id}",
            required.join(", ")
        )),
    }
}

/// The scope an object resource `arn:…:s3:::B/*` or `arn:…:s3:::B/P/*` grants, if it is one
/// (without wildcards elsewhere).
fn object_scope(resource: &str) -> Option<BucketScope> {
    let (head, path) = resource.split_once(":s3:::")?;
    let path = path.strip_suffix("/*")?;
    if !head.starts_with("arn:") || path.contains(['*', '?']) {
        return None;
    }
    crate::cli::values::bucket_scope(path).ok()
}

/// The bucket scopes the policies' Allow statements grant objects in.
pub fn granted_scopes(policies: &[Policy]) -> Vec<BucketScope> {
    let scopes = policies
        .iter()
        .flat_map(|p| statements(&p.document))
        .filter(|st| effect_is(st, "Allow"))
        .flat_map(|st| strings(st.get("Resource")))
        .filter_map(object_scope)
        .collect();
    normalize_scopes(scopes).0
}

/// What Deep Lake needs on one scope: the bucket's location, listing it (or the prefix), and
/// reading (and for read-write, writing and deleting) its objects.
pub fn s3_needs(partition: &str, scope: &BucketScope, access: Access) -> Vec<Need> {
    let bucket = format!("arn:{partition}:s3:::{}", scope.bucket);
    let objects = match &scope.prefix {
        Some(p) => format!("{bucket}/{p}/*"),
        None => format!("{bucket}/*"),
    };
    let mut needs = vec![
        Need::new("s3:GetBucketLocation", bucket.clone()),
        Need {
            list_prefix: scope.prefix.clone(),
            ..Need::new("s3:ListBucket", bucket)
        },
        Need::new("s3:GetObject", objects.clone()),
    ];
    if access == Access::ReadWrite {
        needs.push(Need::new("s3:PutObject", objects.clone()));
        needs.push(Need::new("s3:DeleteObject", objects));
    }
    needs
}

/// What S3 calls on the role's behalf for objects encrypted with a customer-managed key.
pub fn kms_needs(key_arn: &str, access: Access) -> Vec<Need> {
    let actions: &[&str] = match access {
        Access::ReadOnly => &["kms:Decrypt"],
        Access::ReadWrite => &["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"],
    };
    actions
        .iter()
        .map(|a| Need::new(a, key_arn.to_string()))
        .collect()
}

/// The needs the policies do not meet, as readable lines.
pub fn unmet(policies: &[Policy], needs: &[Need]) -> Vec<String> {
    needs
        .iter()
        .filter_map(|need| match decide(policies, need) {
            Verdict::Allowed => None,
            Verdict::NotAllowed => Some(format!(
                "{} on {} is not allowed",
                need.action, need.resource
            )),
            Verdict::Denied(by) => Some(format!(
                "{} on {} is denied by {by}",
                need.action, need.resource
            )),
        })
        .collect()
}

// ---------------------------------------------------------------------------
// Checks
// ---------------------------------------------------------------------------

/// One line of the verify report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    pub name: String,
    pub ok: bool,
    pub detail: String,
    pub fix: Option<String>,
}

impl Check {
    pub fn pass(name: impl Into<String>, detail: impl Into<String>) -> Self {
        Check {
            name: name.into(),
            ok: true,
            detail: detail.into(),
            fix: None,
        }
    }

    pub fn fail(
        name: impl Into<String>,
        detail: impl Into<String>,
        fix: impl Into<String>,
    ) -> Self {
        Check {
            name: name.into(),
            ok: false,
            detail: detail.into(),
            fix: Some(fix.into()),
        }
    }
}

/// What the role must give.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expect {
    pub role_name: String,
    /// Empty: the scopes its policies already grant.
    pub scopes: Vec<BucketScope>,
    pub access: Access,
    pub principals: Vec<String>,
    pub external_id: Option<String>,
}

impl Expect {
    /// The `create` command that would grant what is expected on `scopes`; `adopt` for a role
    /// provision-role did not create.
    fn create_command(&self, scopes: &[BucketScope], adopt: bool) -> String {
        let mut cmd = format!("provision-role create --role-name {}", self.role_name);
        let (scopes, _) = normalize_scopes(scopes.to_vec());
        for s in &scopes {
            cmd.push_str(&format!(" --bucket {s}"));
        }
        if scopes.is_empty() {
            cmd.push_str(" --bucket BUCKET");
        }
        if self.access == Access::ReadOnly {
            cmd.push_str(" --access read-only");
        }
        if self.principals != [ACTIVELOOP_PRODUCTION] {
            for p in &self.principals {
                cmd.push_str(&format!(" --principal {p}"));
            }
        }
        if let Some(id) = &self.external_id {
            cmd.push_str(&format!(" --external-id {id}"));
        }
        if adopt {
            cmd.push_str(" --adopt");
        }
        cmd
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub role_name: String,
    pub role_arn: Option<String>,
    pub checks: Vec<Check>,
}

impl Report {
    pub fn failed(&self) -> Vec<&Check> {
        self.checks.iter().filter(|c| !c.ok).collect()
    }
}

/// The role as verify sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct RoleState {
    pub arn: String,
    /// Created by provision-role (tagged).
    pub owned: bool,
    pub trust: Value,
    /// Managed (attached) and inline permission policies, the first `managed` of them managed.
    pub policies: Vec<Policy>,
    pub managed: usize,
    /// Why some attached policies could not be read.
    pub unreadable: Vec<String>,
}

impl RoleState {
    fn partition(&self) -> &str {
        policy::arn_partition(&self.arn).unwrap_or("aws")
    }
}

/// Read the role with its trust policy and every permission policy, or None if it does not
/// exist.
pub async fn read_role(iam: &aws_sdk_iam::Client, name: &str) -> Result<Option<RoleState>> {
    let Some(role) = discover::role(iam, name).await? else {
        return Ok(None);
    };
    let read: Vec<Result<Policy>> = stream::iter(role.attached.clone())
        .map(|arn| async move {
            let found = discover::policy(iam, arn.clone()).await?;
            let document = found.map(|p| p.document).unwrap_or(Value::Null);
            Ok(Policy {
                name: arn,
                document,
            })
        })
        .buffered(IAM_READS)
        .collect()
        .await;
    let (mut policies, mut unreadable) = (Vec::new(), Vec::new());
    for result in read {
        match result {
            Ok(policy) => policies.push(policy),
            Err(e) => unreadable.push(format!("{e:#}")),
        }
    }
    let managed = policies.len();
    policies.extend(inline_policies(iam, name, &role.inline).await?);
    Ok(Some(RoleState {
        arn: role.arn,
        owned: role.owned,
        trust: role.trust,
        managed,
        policies,
        unreadable,
    }))
}

async fn inline_policies(
    iam: &aws_sdk_iam::Client,
    role: &str,
    names: &[String],
) -> Result<Vec<Policy>> {
    let mut policies = Vec::new();
    for name in names {
        let out = iam
            .get_role_policy()
            .role_name(role)
            .policy_name(name)
            .send()
            .await
            .aws(
                "iam:GetRolePolicy",
                format!("role {role}, inline policy {name}"),
            )?;
        let document = parse_iam_document(out.policy_document())
            .with_context(|| format!("inline policy {name} of role {role} is not valid JSON"))?;
        policies.push(Policy {
            name: format!("inline policy {name}"),
            document,
        });
    }
    Ok(policies)
}

/// The role under check, what it must give, and the command that would make it so.
struct Subject<'a> {
    role: &'a RoleState,
    expect: &'a Expect,
    fix: String,
}

/// Read the role, its buckets and their keys and policies, and check each thing Deep Lake needs.
pub async fn run(conn: &Connection, expect: &Expect) -> Result<Report> {
    let mut report = Report {
        role_name: expect.role_name.clone(),
        role_arn: None,
        checks: Vec::new(),
    };
    let Some(role) = read_role(&conn.iam, &expect.role_name).await? else {
        report.checks.push(Check::fail(
            "role exists",
            format!("role {} does not exist", expect.role_name),
            format!(
                "create it: {}",
                expect.create_command(&expect.scopes, false)
            ),
        ));
        return Ok(report);
    };
    report.role_arn = Some(role.arn.clone());
    report
        .checks
        .push(Check::pass("role exists", role.arn.clone()));
    let granted = granted_scopes(&role.policies);
    let scopes = if expect.scopes.is_empty() {
        granted.clone()
    } else {
        expect.scopes.clone()
    };
    // Re-running create replaces the grants, so the fix names what is granted and what is wanted.
    let fix = expect.create_command(&[granted, scopes.clone()].concat(), !role.owned);
    let subject = Subject {
        role: &role,
        expect,
        fix,
    };
    report.checks.extend(trust_checks(&subject));
    report.checks.push(policies_check(&subject));
    if scopes.is_empty() {
        report.checks.push(Check::fail(
            "S3 access",
            "the role's policies grant no S3 bucket",
            format!(
                "name the buckets with --bucket, and grant them: {}",
                subject.fix
            ),
        ));
        return Ok(report);
    }
    report
        .checks
        .extend(scopes.iter().map(|s| s3_check(&subject, s)));
    report
        .checks
        .extend(bucket_checks(conn, &subject, &scopes).await);
    Ok(report)
}

fn trust_checks(subject: &Subject) -> Vec<Check> {
    let expect = subject.expect;
    expect
        .principals
        .iter()
        .map(|p| {
            let name = format!("trust: {p} may assume the role");
            match trust_allows(&subject.role.trust, p, expect.external_id.as_deref()) {
                Ok(detail) => Check::pass(name, detail),
                Err(why) => Check::fail(
                    name,
                    why,
                    format!("update the trust policy: {}", subject.fix),
                ),
            }
        })
        .collect()
}

/// Which permission policies were read; one that could not be read may hold grants verify
/// cannot see.
fn policies_check(subject: &Subject) -> Check {
    let role = subject.role;
    let detail = format!(
        "read {} managed and {} inline",
        role.managed,
        role.policies.len() - role.managed
    );
    if role.unreadable.is_empty() {
        return Check::pass("permission policies", detail);
    }
    Check::fail(
        "permission policies",
        format!("{detail}; could not read: {}", role.unreadable.join("; ")),
        "let the caller call iam:GetPolicy and iam:GetPolicyVersion on every attached policy",
    )
}

fn s3_check(subject: &Subject, scope: &BucketScope) -> Check {
    let (role, access) = (subject.role, subject.expect.access);
    let name = format!("S3 {} access to {scope}", access.as_str());
    let problems = unmet(&role.policies, &s3_needs(role.partition(), scope, access));
    if problems.is_empty() {
        return Check::pass(name, "every required action is allowed");
    }
    Check::fail(
        name,
        problems.join("; "),
        format!(
            "grant it: {} (or add the actions to one of the role's policies)",
            subject.fix
        ),
    )
}

/// KMS and bucket-policy checks, one of each per bucket.
async fn bucket_checks(
    conn: &Connection,
    subject: &Subject<'_>,
    scopes: &[BucketScope],
) -> Vec<Check> {
    let mut by_bucket: BTreeMap<&str, Vec<BucketScope>> = BTreeMap::new();
    for s in scopes {
        by_bucket
            .entry(s.bucket.as_str())
            .or_default()
            .push(s.clone());
    }
    stream::iter(by_bucket)
        .map(|(bucket, scopes)| async move { one_bucket(conn, subject, bucket, &scopes).await })
        .buffered(READS)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .flatten()
        .collect()
}

async fn one_bucket(
    conn: &Connection,
    subject: &Subject<'_>,
    bucket: &str,
    scopes: &[BucketScope],
) -> Vec<Check> {
    let region = match discover::bucket_region(&conn.s3("us-east-1"), bucket).await {
        Ok(region) => region,
        Err(e) => {
            return vec![Check::fail(
                format!("bucket {bucket}"),
                format!("{e:#}"),
                "check the bucket name, and that the caller may call s3:GetBucketLocation",
            )]
        }
    };
    let s3 = conn.s3(&region);
    vec![
        kms_check(conn, &s3, subject, bucket, &region).await,
        bucket_policy_check(&s3, subject, bucket, scopes).await,
    ]
}

async fn kms_check(
    conn: &Connection,
    s3: &aws_sdk_s3::Client,
    subject: &Subject<'_>,
    bucket: &str,
    region: &str,
) -> Check {
    let name = format!("KMS: default key of bucket {bucket}");
    let encryption = match discover::bucket_encryption(s3, bucket).await {
        Ok(e) => e,
        Err(e) => {
            return Check::fail(
                name,
                format!("{e:#}"),
                "let the caller call s3:GetEncryptionConfiguration",
            )
        }
    };
    let Encryption::Kms { key: Some(key), .. } = &encryption else {
        return Check::pass(
            name,
            format!("{}: no KMS grant needed", describe(&encryption)),
        );
    };
    if KeyRef::from_configured(key).is_aws_managed_alias() {
        return Check::pass(name, format!("AWS-managed key {key}: no grant needed"));
    }
    let kms = conn.kms(&discover::key_region(key, region));
    let used_by = format!("default key of bucket {bucket}");
    let found = match discover::key(&kms, key, &used_by, &|_| {}).await {
        Ok(found) => found,
        Err(e) => {
            return Check::fail(
                name,
                format!("{e:#}"),
                "let the caller call kms:DescribeKey on the key",
            )
        }
    };
    if found.manager == Some(KeyManager::Aws) {
        return Check::pass(
            name,
            format!("AWS-managed key {}: no grant needed", found.arn),
        );
    }
    let problems = unmet(
        &subject.role.policies,
        &kms_needs(&found.arn, subject.expect.access),
    );
    if problems.is_empty() {
        return Check::pass(
            name,
            format!("customer-managed key {} is granted", found.arn),
        );
    }
    Check::fail(
        name,
        problems.join("; "),
        format!(
            "grant the key: {} (it finds and grants bucket keys)",
            subject.fix
        ),
    )
}

fn describe(encryption: &Encryption) -> &'static str {
    match encryption {
        Encryption::None => "no default encryption",
        Encryption::SseS3 => "SSE-S3",
        Encryption::Kms { .. } => "SSE-KMS with the AWS-managed key aws/s3",
        Encryption::Unknown => "unknown encryption",
    }
}

/// The bucket's policy, or None when it has none.
pub async fn bucket_policy(s3: &aws_sdk_s3::Client, bucket: &str) -> Result<Option<Value>> {
    let result = s3.get_bucket_policy().bucket(bucket).send().await;
    let out = match result.aws("s3:GetBucketPolicy", format!("bucket {bucket}")) {
        Ok(out) => out,
        Err(e) => return e.absent_if("NoSuchBucketPolicy"),
    };
    let raw = out.policy().unwrap_or("{}");
    let doc = parse_iam_document(raw)
        .with_context(|| format!("the policy of bucket {bucket} is not valid JSON"))?;
    Ok(Some(doc))
}

async fn bucket_policy_check(
    s3: &aws_sdk_s3::Client,
    subject: &Subject<'_>,
    bucket: &str,
    scopes: &[BucketScope],
) -> Check {
    let name = format!("bucket policy of {bucket}");
    let doc = match bucket_policy(s3, bucket).await {
        Ok(Some(doc)) => doc,
        Ok(None) => return Check::pass(name, "the bucket has no policy"),
        Err(e) => {
            return Check::fail(
                name,
                format!("{e:#}"),
                "let the caller call s3:GetBucketPolicy",
            )
        }
    };
    let role = subject.role;
    let mut blocks: Vec<String> = Vec::new();
    for need in scopes
        .iter()
        .flat_map(|s| s3_needs(role.partition(), s, subject.expect.access))
    {
        if let Some(by) = bucket_policy_denies(&doc, &need, &role.arn) {
            blocks.push(format!(
                "{by} may block {} on {}",
                need.action, need.resource
            ));
        }
    }
    if blocks.is_empty() {
        return Check::pass(name, "no Deny statement applies to the role");
    }
    Check::fail(
        name,
        format!("{} (conditions are not evaluated)", blocks.join("; ")),
        "review those Deny statements; exempt the role if they would block it",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn policy(statements: Value) -> Vec<Policy> {
        vec![Policy {
            name: "p".into(),
            document: json!({"Version": "2012-10-17", "Statement": statements}),
        }]
    }

    fn need(action: &str, resource: &str) -> Need {
        Need::new(action, resource.to_string())
    }

    #[test]
    fn glob_matches_iam_wildcards() {
        assert!(glob("s3:get*", "s3:getobject"));
        assert!(glob("s3:*", "s3:"));
        assert!(glob("a?c", "abc"));
        assert!(!glob("a?c", "ac"));
        assert!(glob("*b*", "abc"));
        assert!(glob("a*b*c", "aXbYbZc"));
        assert!(!glob("a*b", "aXbY"));
        assert!(glob("", ""));
        assert!(!glob("", "x"));
    }

    #[test]
    fn covers_and_overlaps_treat_a_trailing_star_as_a_set() {
        assert!(covers("arn:aws:s3:::b/*", "arn:aws:s3:::b/p/*"));
        assert!(covers("arn:aws:s3:::b/p/*", "arn:aws:s3:::b/p/*"));
        assert!(covers("arn:aws:s3:::*", "arn:aws:s3:::b/p/*"));
        assert!(!covers("arn:aws:s3:::b/p/x", "arn:aws:s3:::b/p/*"));
        assert!(!covers("arn:aws:s3:::b/q/*", "arn:aws:s3:::b/p/*"));
        assert!(!covers("arn:aws:s3:::b/p/secret/*", "arn:aws:s3:::b/p/*"));
        assert!(overlaps("arn:aws:s3:::b/p/secret/*", "arn:aws:s3:::b/p/*"));
        assert!(overlaps("arn:aws:s3:::b/*", "arn:aws:s3:::b/p/*"));
        assert!(!overlaps("arn:aws:s3:::c/*", "arn:aws:s3:::b/p/*"));
        assert!(overlaps("arn:aws:s3:::b", "arn:aws:s3:::b"));
    }

    #[test]
    fn allows_by_action_wildcards_case_insensitively() {
        let p = policy(
            json!([{"Effect": "Allow", "Action": "S3:Get*", "Resource": "arn:aws:s3:::b/*"}]),
        );
        assert_eq!(
            decide(&p, &need("s3:GetObject", "arn:aws:s3:::b/x/*")),
            Verdict::Allowed
        );
        assert_eq!(
            decide(&p, &need("s3:PutObject", "arn:aws:s3:::b/x/*")),
            Verdict::NotAllowed
        );
        assert_eq!(
            decide(&p, &need("s3:GetObject", "arn:aws:s3:::c/*")),
            Verdict::NotAllowed
        );
        let all = policy(json!({"Effect": "Allow", "Action": "*", "Resource": "*"}));
        assert_eq!(
            decide(&all, &need("kms:Decrypt", "arn:aws:kms:us-east-1:1:key/k")),
            Verdict::Allowed
        );
    }

    #[test]
    fn a_deny_wins_and_is_named() {
        let p = policy(json!([
            {"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::b/*"},
            {"Sid": "NoDeletes", "Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "arn:aws:s3:::b/p/keep/*"}
        ]));
        assert_eq!(
            decide(&p, &need("s3:GetObject", "arn:aws:s3:::b/p/*")),
            Verdict::Allowed
        );
        let v = decide(&p, &need("s3:DeleteObject", "arn:aws:s3:::b/p/*"));
        assert_eq!(
            v,
            Verdict::Denied("statement \"NoDeletes\" of policy p".into())
        );
        let not_action = policy(json!([
            {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
            {"Effect": "Deny", "NotAction": "s3:GetObject", "Resource": "*"}
        ]));
        assert!(matches!(
            decide(&not_action, &need("s3:PutObject", "arn:aws:s3:::b/*")),
            Verdict::Denied(_)
        ));
        assert_eq!(
            decide(&not_action, &need("s3:GetObject", "arn:aws:s3:::b/*")),
            Verdict::Allowed
        );
    }

    #[test]
    fn conditional_allows_count_only_for_listing_a_prefix() {
        let p = policy(json!([
            {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::b",
             "Condition": {"StringLike": {"s3:prefix": ["data/", "data/*"]}}},
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*",
             "Condition": {"Bool": {"aws:SecureTransport": "true"}}}
        ]));
        let list = |prefix: Option<&str>| Need {
            list_prefix: prefix.map(str::to_string),
            ..need("s3:ListBucket", "arn:aws:s3:::b")
        };
        assert_eq!(decide(&p, &list(Some("data"))), Verdict::Allowed);
        assert_eq!(decide(&p, &list(Some("data/v1"))), Verdict::Allowed);
        assert_eq!(decide(&p, &list(Some("other"))), Verdict::NotAllowed);
        assert_eq!(decide(&p, &list(None)), Verdict::NotAllowed);
        assert_eq!(
            decide(&p, &need("s3:GetObject", "arn:aws:s3:::b/*")),
            Verdict::NotAllowed
        );
    }

    #[test]
    fn allow_with_not_resource_does_not_count() {
        let p = policy(
            json!([{"Effect": "Allow", "Action": "s3:*", "NotResource": "arn:aws:s3:::x/*"}]),
        );
        assert_eq!(
            decide(&p, &need("s3:GetObject", "arn:aws:s3:::b/*")),
            Verdict::NotAllowed
        );
    }

    #[test]
    fn needs_follow_the_access_level_and_prefix() {
        let scope = crate::cli::values::bucket_scope("bkt/p/q").unwrap();
        let rw = s3_needs("aws", &scope, Access::ReadWrite);
        assert_eq!(rw.len(), 5);
        assert_eq!(rw[1].list_prefix.as_deref(), Some("p/q"));
        assert_eq!(rw[4].resource, "arn:aws:s3:::bkt/p/q/*");
        assert_eq!(
            s3_needs("aws", &BucketScope::whole("bkt"), Access::ReadOnly).len(),
            3
        );
        assert_eq!(kms_needs("k", Access::ReadWrite).len(), 3);
    }

    #[test]
    fn what_create_writes_passes_its_own_checks() {
        let scope = |s| crate::cli::values::bucket_scope(s).unwrap();
        let req = crate::cli::resolve::request(&crate::cli::RoleArgs {
            buckets: vec![scope("bkt"), scope("cat/p/q")],
            access: Some(crate::cli::args::AccessArg::ReadWrite),
            ..Default::default()
        })
        .unwrap();
        let plan = crate::plan::build(&req, &crate::plan::Facts::offline()).unwrap();
        let policies = vec![Policy {
            name: "p".into(),
            document: plan.policies[0].document.to_value(),
        }];
        let scopes = granted_scopes(&policies);
        assert_eq!(scopes, req.buckets);
        for scope in &scopes {
            assert_eq!(
                unmet(&policies, &s3_needs("aws", scope, Access::ReadWrite)),
                Vec::<String>::new()
            );
        }
        let wider = crate::cli::values::bucket_scope("cat/p").unwrap();
        assert_eq!(
            unmet(&policies, &s3_needs("aws", &wider, Access::ReadOnly)).len(),
            2
        );
    }

    #[test]
    fn granted_scopes_skip_wildcards_and_bucket_arns() {
        let p = policy(json!([{"Effect": "Allow", "Action": "s3:*", "Resource": [
            "arn:aws:s3:::ant/*", "arn:aws:s3:::ant/x/*", "arn:aws:s3:::bkt", "arn:aws:s3:::*/*",
            "arn:aws:s3:::cat/p*/*", "arn:aws:s3:::dog/p/*"]}]));
        let got: Vec<String> = granted_scopes(&p).iter().map(|s| s.to_string()).collect();
        assert_eq!(got, vec!["ant", "dog/p"]);
    }

    const BACKEND: &str = "arn:aws:iam::597713067985:role/activeloop_backend";

    fn trust(condition: Option<Value>) -> Value {
        let mut st =
            json!({"Effect": "Allow", "Principal": {"AWS": BACKEND}, "Action": "sts:AssumeRole"});
        if let Some(c) = condition {
            st["Condition"] = c;
        }
        json!({"Version": "2012-10-17", "Statement": [st]})
    }

    #[test]
    fn trust_requires_the_principal_and_external_id() {
        let open = trust(None);
        assert!(trust_allows(&open, BACKEND, None).is_ok());
        assert!(trust_allows(&open, BACKEND, Some("xid"))
            .unwrap_err()
            .contains("without an external ID"));
        assert!(trust_allows(&open, "arn:aws:iam::111122223333:role/x", None).is_err());
        let with_id = trust(Some(json!({"StringEquals": {"sts:ExternalId": "xid"}})));
        assert!(trust_allows(&with_id, BACKEND, Some("xid")).is_ok());
        assert!(trust_allows(&with_id, BACKEND, None)
            .unwrap()
            .contains("xid"));
        assert!(trust_allows(&with_id, BACKEND, Some("other"))
            .unwrap_err()
            .contains("not other"));
        let other = trust(Some(json!({"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}})));
        assert!(trust_allows(&other, BACKEND, None).is_err());
        let root = json!({"Statement": {"Effect": "Allow", "Action": "sts:AssumeRole",
            "Principal": {"AWS": "arn:aws:iam::597713067985:root"}}});
        assert!(trust_allows(&root, BACKEND, None).is_ok());
    }

    #[test]
    fn bucket_policy_denies_that_reach_the_role() {
        let role = "arn:aws:iam::123456789012:role/r";
        let doc = json!({"Statement": [
            {"Sid": "OtherRole", "Effect": "Deny", "Principal": {"AWS": "arn:aws:iam::123456789012:role/x"},
             "Action": "s3:*", "Resource": "arn:aws:s3:::b/*"},
            {"Sid": "TlsOnly", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
             "Resource": ["arn:aws:s3:::b", "arn:aws:s3:::b/*"],
             "Condition": {"Bool": {"aws:SecureTransport": false}}},
            {"Sid": "Allowed", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*"}
        ]});
        let get = need("s3:GetObject", "arn:aws:s3:::b/p/*");
        assert!(bucket_policy_denies(&doc, &get, role)
            .unwrap()
            .contains("TlsOnly"));
        let except_role = json!({"Statement": {"Effect": "Deny", "NotPrincipal": {"AWS": role},
            "Action": "s3:*", "Resource": "arn:aws:s3:::b/*"}});
        assert_eq!(bucket_policy_denies(&except_role, &get, role), None);
        let other_bucket = json!({"Statement": {"Effect": "Deny", "Principal": {"AWS": "123456789012"},
            "Action": "s3:GetObject", "Resource": "arn:aws:s3:::c/*"}});
        assert_eq!(bucket_policy_denies(&other_bucket, &get, role), None);
    }
}
