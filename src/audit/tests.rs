//! The judgement without any server: roles as `create` writes them, then hand-edited the way
//! a person (or an attacker) would, and what `verify` must say about each.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::*;
use crate::plan::request::{ACTIVELOOP_DEV, ACTIVELOOP_PRODUCTION};
use crate::plan::{BucketRead, Encryption, Guardrails, KeyFacts, Request};
use crate::policy::access::Layers;

const ACCOUNT: &str = "123456789012";
const ROLE: &str = "r";
const KEY: &str = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";

fn doc(v: Value) -> PolicyDocument {
    serde_json::from_value(v).expect("a valid document")
}

fn request(buckets: &[&str], extra: impl FnOnce(&mut crate::cli::RoleArgs)) -> Request {
    let mut args = crate::cli::RoleArgs {
        buckets: buckets
            .iter()
            .map(|b| crate::cli::values::bucket_scope(b).unwrap())
            .collect(),
        role_name: Some(ROLE.into()),
        ..Default::default()
    };
    extra(&mut args);
    crate::cli::resolve::request(&args).unwrap()
}

fn bucket(encryption: Encryption, key: Option<&str>) -> BucketRead {
    BucketRead {
        region: Ok("us-east-1".into()),
        encryption: Some(Ok(encryption)),
        key: key.map(|k| {
            Ok(KeyFacts {
                arn: k.into(),
                manager: Some(crate::plan::KeyManager::Customer),
            })
        }),
        cors: None,
    }
}

/// What verify would read from a role `create` made for `req`: its trust and policies, and
/// every bucket unencrypted (or, for `enc`, SSE-KMS with [`KEY`]).
fn made_by_create(req: &Request) -> Facts {
    let mut plan_facts = crate::plan::Facts {
        account_id: Some(ACCOUNT.into()),
        ..crate::plan::Facts::offline()
    };
    let mut buckets = BTreeMap::new();
    let mut access = Layers::default();
    for scope in &req.buckets {
        let (encryption, key) = match scope.bucket.as_str() {
            "enc" => (
                Encryption::Kms {
                    key: Some(KEY.into()),
                    dsse: false,
                },
                Some(KEY),
            ),
            _ => (Encryption::None, None),
        };
        plan_facts.buckets.insert(
            scope.bucket.clone(),
            crate::plan::BucketFacts {
                region: "us-east-1".into(),
                encryption: encryption.clone(),
                cors: None,
            },
        );
        if let Some(k) = key {
            plan_facts.keys.insert(
                k.into(),
                KeyFacts {
                    arn: k.into(),
                    manager: Some(crate::plan::KeyManager::Customer),
                },
            );
        }
        buckets.insert(scope.bucket.clone(), bucket(encryption, key));
        access
            .bucket_policies
            .insert(scope.bucket.clone(), Ok(None));
    }
    let plan = crate::plan::build(req, &plan_facts).unwrap();
    let policies = plan
        .policies
        .iter()
        .map(|p| PolicyFacts {
            name: p.name.clone(),
            kind: PolicyKind::Managed {
                arn: p.arn.clone().unwrap(),
                owned: true,
            },
            document: Ok(p.document.clone()),
        })
        .collect();
    Facts {
        role: Ok(Some(RoleFacts {
            arn: plan.holder.arn().unwrap().to_string(),
            owned: true,
            trust: Some(Ok(plan.role().unwrap().trust.clone())),
            policies,
            settings: RoleSettings {
                path: "/".into(),
                ..RoleSettings::default()
            },
        })),
        buckets,
        keys: None,
        now: 0,
        kms: Vec::new(),
        access,
    }
}

fn expect(buckets: &[&str]) -> Expect {
    Expect {
        holder: Holder::Role(ROLE.into()),
        scopes: buckets
            .iter()
            .map(|b| crate::cli::values::bucket_scope(b).unwrap())
            .collect(),
        access: Access::ReadWrite,
        principals: vec![ACTIVELOOP_PRODUCTION.into()],
        external_id: Some("xid".into()),
        cors: None,
        kms: Vec::new(),
        guardrails: Guardrails::default(),
    }
}

fn role(facts: &mut Facts) -> &mut RoleFacts {
    facts.role.as_mut().unwrap().as_mut().unwrap()
}

fn add_inline(facts: &mut Facts, name: &str, v: Value) {
    role(facts).policies.push(PolicyFacts {
        name: name.into(),
        kind: PolicyKind::Inline,
        document: Ok(doc(v)),
    });
}

fn add_trust_statement(facts: &mut Facts, st: Value) {
    let trust = role(facts).trust.as_mut().unwrap().as_mut().unwrap();
    trust.statement.push(serde_json::from_value(st).unwrap());
}

fn with_id(args: &mut crate::cli::RoleArgs) {
    args.external_id = Some("xid".into());
}

/// The check of that name; panics, listing the checks, if there is none.
#[track_caller]
fn check<'a>(report: &'a Report, name: &str) -> &'a Check {
    report
        .checks
        .iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no check {name:?}: {report:#?}"))
}

fn not_ok(report: &Report) -> Vec<(Level, &str)> {
    report
        .checks
        .iter()
        .filter(|c| c.level != Level::Ok)
        .map(|c| (c.level, c.name.as_str()))
        .collect()
}

#[test]
fn a_role_made_by_create_passes_every_check() {
    let req = request(&["bkt", "enc", "raw/data/v1"], with_id);
    let report = audit(
        &made_by_create(&req),
        &expect(&["bkt", "enc", "raw/data/v1"]),
    );
    assert_eq!(not_ok(&report), vec![], "{report:#?}");
    assert!(report.passes(true));
    assert_eq!(report.fix_command, None);
    let names: Vec<&str> = report.checks.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        vec![
            "role exists",
            &format!("trust: {ACTIVELOOP_PRODUCTION} may assume the role"),
            "trust: external ID",
            "trust: nobody else may assume the role",
            "permission policies",
            "no extra access: managed policy r-s3-access",
            "S3 read-write access to bkt",
            "S3 read-write access to enc",
            "S3 read-write access to raw/data/v1",
            "KMS: default key of bucket bkt",
            "bucket policy of bkt",
            "KMS: default key of bucket enc",
            "bucket policy of enc",
            "KMS: default key of bucket raw",
            "bucket policy of raw",
        ]
    );
    assert_eq!(
        check(&report, "KMS: default key of bucket enc").detail,
        format!("customer-managed key {KEY} is granted")
    );
    // Without --bucket, the scopes come from the policies.
    let mut all = expect(&[]);
    all.external_id = None;
    let report = audit(&made_by_create(&req), &all);
    assert!(report
        .checks
        .iter()
        .any(|c| c.name == "S3 read-write access to raw/data/v1"));
    assert_eq!(not_ok(&report), vec![]);
    assert_eq!(check(&report, "trust: external ID").detail, "required: xid");
}

#[test]
fn no_external_id_is_a_warning_that_fails_only_when_strict() {
    let req = request(&["bkt"], |_| {});
    let mut e = expect(&["bkt"]);
    e.external_id = None;
    let report = audit(&made_by_create(&req), &e);
    let c = check(&report, "trust: external ID");
    assert_eq!(c.level, Level::Warn);
    assert!(c.detail.contains("confused-deputy"), "{c:?}");
    assert!(c.fix.as_ref().unwrap().contains("--external-id"));
    assert!(report.passes(false));
    assert!(!report.passes(true));
    // Expected but missing: a failure, whose fix adds it.
    let report = audit(&made_by_create(&req), &expect(&["bkt"]));
    let c = check(&report, "trust: external ID");
    assert_eq!(c.level, Level::Fail);
    assert!(c.detail.contains("without it"), "{c:?}");
    assert!(report
        .fix_command
        .as_ref()
        .unwrap()
        .ends_with("--external-id xid"));
    // A different ID than expected.
    let other = request(&["bkt"], |a| a.external_id = Some("other".into()));
    let report = audit(&made_by_create(&other), &expect(&["bkt"]));
    let c = check(
        &report,
        &format!("trust: {ACTIVELOOP_PRODUCTION} may assume the role"),
    );
    assert_eq!(c.level, Level::Fail);
    assert!(
        c.detail.contains("requires the external ID other, not xid"),
        "{c:?}"
    );
}

#[test]
fn an_inline_admin_policy_is_extra_access() {
    let mut facts = made_by_create(&request(&["bkt"], with_id));
    add_inline(
        &mut facts,
        "admin",
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}),
    );
    let report = audit(&facts, &expect(&["bkt"]));
    assert_eq!(
        not_ok(&report),
        vec![(Level::Fail, "no extra access: inline policy admin")]
    );
    let c = check(&report, "no extra access: inline policy admin");
    assert_eq!(c.detail, "grants more: inline policy admin: * on *");
    let fix = c.fix.as_ref().unwrap();
    assert!(fix.contains("aws iam delete-role-policy --role-name r --policy-name admin"));
    assert!(fix.contains("--prune"));
    assert_eq!(
        report.fix_command.as_deref(),
        Some("provision-role create --role-name r --bucket bkt --external-id xid --prune")
    );
    assert_eq!(
        check(&report, "permission policies").detail,
        "read 1 managed and 1 inline"
    );
}

#[test]
fn a_foreign_managed_policy_is_named() {
    let mut facts = made_by_create(&request(&["bkt"], with_id));
    let arn = "arn:aws:iam::123456789012:policy/team-extras";
    role(&mut facts).policies.push(PolicyFacts {
        name: "team-extras".into(),
        kind: PolicyKind::Managed {
            arn: arn.into(),
            owned: false,
        },
        document: Ok(doc(json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "arn:aws:s3:::other/*"},
            {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::bkt"}]}))),
    });
    let report = audit(&facts, &expect(&["bkt"]));
    let c = check(&report, "no extra access: managed policy team-extras");
    assert_eq!(c.level, Level::Fail);
    assert_eq!(
        c.detail,
        "grants more (not created by provision-role): managed policy team-extras: \
         s3:GetObject, s3:PutObject on arn:aws:s3:::other/*"
    );
    assert!(c
        .fix
        .as_ref()
        .unwrap()
        .contains(&format!("--policy-arn {arn}")));
    assert!(report.fix_command.as_ref().unwrap().ends_with("--prune"));
    // Its grants did not become expected: the default scopes come from our policy only.
    let mut all = expect(&[]);
    all.scopes.clear();
    let report = audit(&facts, &all);
    assert!(!report.checks.iter().any(|c| c.name.contains("other")));
    // A foreign policy that grants nothing more is named, and passes.
    role(&mut facts).policies.pop();
    role(&mut facts).policies.push(PolicyFacts {
        name: "guardrail".into(),
        kind: PolicyKind::Managed {
            arn: "arn:aws:iam::123456789012:policy/guardrail".into(),
            owned: false,
        },
        document: Ok(doc(json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"}]}))),
    });
    let report = audit(&facts, &expect(&["bkt"]));
    let c = check(&report, "no extra access: managed policy guardrail");
    assert_eq!(c.level, Level::Ok);
    assert!(c.detail.contains("not created by provision-role"));
    assert!(report.passes(true));
}

#[test]
fn a_not_action_allow_is_extra_access() {
    let mut facts = made_by_create(&request(&["bkt"], with_id));
    add_inline(
        &mut facts,
        "sneaky",
        json!({"Version": "2012-10-17", "Statement": {"Effect": "Allow",
            "NotAction": ["iam:*", "organizations:*"], "Resource": "*"}}),
    );
    let report = audit(&facts, &expect(&["bkt"]));
    let c = check(&report, "no extra access: inline policy sneaky");
    assert_eq!(c.level, Level::Fail);
    assert_eq!(
        c.detail,
        "grants more: inline policy sneaky: everything except iam:*, organizations:* on *"
    );
}

#[test]
fn wider_s3_grants_are_extra_access() {
    let mut facts = made_by_create(&request(&["raw/data"], with_id));
    add_inline(
        &mut facts,
        "wider",
        json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::raw"},
            {"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::raw/data/*"}]}),
    );
    let report = audit(&facts, &expect(&["raw/data"]));
    assert_eq!(
        check(&report, "no extra access: inline policy wider").detail,
        "grants more: inline policy wider: s3:ListBucket on arn:aws:s3:::raw (any prefix); \
         inline policy wider: s3:* on arn:aws:s3:::raw/data/*"
    );
    // Read-only expected of a read-write role: the writes are extra.
    let facts = made_by_create(&request(&["bkt"], with_id));
    let mut read_only = expect(&["bkt"]);
    read_only.access = Access::ReadOnly;
    let report = audit(&facts, &read_only);
    let c = check(&report, "no extra access: managed policy r-s3-access");
    assert_eq!(
        c.detail,
        "grants more: managed policy r-s3-access: s3:AbortMultipartUpload, s3:DeleteObject, \
         s3:PutObject on arn:aws:s3:::bkt/*"
    );
    assert!(c.fix.as_ref().unwrap().starts_with("rewrite it"));
    assert!(report
        .fix_command
        .as_ref()
        .unwrap()
        .contains("--access read-only"));
}

#[test]
fn extra_principals_in_the_trust_policy_fail() {
    let cases = [
        (
            json!({"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}),
            "statement #2 of the trust policy: trusts everyone (\"*\")",
        ),
        (
            json!({"Sid": "Star", "Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"sts:ExternalId": "xid"}}}),
            "statement \"Star\" of the trust policy: trusts everyone (\"*\")",
        ),
        (
            json!({"Effect": "Allow", "Principal": {"AWS": "111122223333"}, "Action": "sts:AssumeRole"}),
            "statement #2 of the trust policy: trusts account 111122223333 (every principal in it)",
        ),
        (
            json!({"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::597713067985:root"},
                "Action": "sts:AssumeRole"}),
            "statement #2 of the trust policy: trusts account 597713067985 (every principal in it)",
        ),
        (
            json!({"Effect": "Allow", "NotPrincipal": {"AWS": "arn:aws:iam::111122223333:root"},
                "Action": "sts:AssumeRole"}),
            "statement #2 of the trust policy: NotPrincipal in an Allow trusts everyone it does not list",
        ),
        (
            json!({"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:*"}),
            "statement #2 of the trust policy: trusts the service ec2.amazonaws.com",
        ),
    ];
    for (statement, line) in cases {
        let mut facts = made_by_create(&request(&["bkt"], with_id));
        add_trust_statement(&mut facts, statement.clone());
        let report = audit(&facts, &expect(&["bkt"]));
        let c = check(&report, "trust: nobody else may assume the role");
        assert_eq!(c.level, Level::Fail, "{statement}: {report:#?}");
        assert_eq!(c.detail, line);
        assert!(c.uses_command);
        assert!(!report.passes(false));
    }
}

#[test]
fn trust_extras_denied_outright_or_partial_wildcards_are_not_extra() {
    let mut facts = made_by_create(&request(&["bkt"], with_id));
    add_trust_statement(
        &mut facts,
        json!({"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"sts:ExternalId": "xid"}}}),
    );
    add_trust_statement(
        &mut facts,
        json!({"Effect": "Deny", "NotPrincipal": {"AWS": ACTIVELOOP_PRODUCTION}, "Action": "sts:AssumeRole"}),
    );
    add_trust_statement(
        &mut facts,
        json!({"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:role/*"},
            "Action": "sts:AssumeRole"}),
    );
    let report = audit(&facts, &expect(&["bkt"]));
    assert_eq!(not_ok(&report), vec![], "{report:#?}");
}

#[test]
fn a_trust_deny_or_a_missing_principal_fails() {
    let mut facts = made_by_create(&request(&["bkt"], with_id));
    add_trust_statement(
        &mut facts,
        json!({"Sid": "NoOne", "Effect": "Deny", "Principal": "*", "Action": "sts:*"}),
    );
    let report = audit(&facts, &expect(&["bkt"]));
    let c = check(
        &report,
        &format!("trust: {ACTIVELOOP_PRODUCTION} may assume the role"),
    );
    assert_eq!(
        c.detail,
        "denied by statement \"NoOne\" of the trust policy"
    );
    let mut other = expect(&["bkt"]);
    other.principals = vec!["arn:aws:iam::111122223333:role/partner".into()];
    let report = audit(&made_by_create(&request(&["bkt"], with_id)), &other);
    assert_eq!(
        not_ok(&report),
        vec![
            (
                Level::Fail,
                "trust: arn:aws:iam::111122223333:role/partner may assume the role"
            ),
            (Level::Fail, "trust: external ID"),
            (Level::Fail, "trust: nobody else may assume the role"),
        ]
    );
    // The fix names the expected trust, since the trust is what is wrong.
    assert!(report
        .fix_command
        .as_ref()
        .unwrap()
        .contains("--principal arn:aws:iam::111122223333:role/partner"));
}

#[test]
fn kms_minimal_grant_passes_and_the_old_broad_grant_warns() {
    let req = request(&["enc"], with_id);
    let report = audit(&made_by_create(&req), &expect(&["enc"]));
    assert!(report.passes(true), "{report:#?}");
    let mut facts = made_by_create(&req);
    let ours = role(&mut facts).policies[0].document.as_mut().unwrap();
    let kms = ours
        .statement
        .iter_mut()
        .find(|s| s.action.iter().any(|a| a.starts_with("kms:")))
        .unwrap();
    kms.action = [
        "kms:Decrypt",
        "kms:DescribeKey",
        "kms:Encrypt",
        "kms:GenerateDataKey*",
        "kms:ReEncrypt*",
    ]
    .map(String::from)
    .to_vec();
    kms.condition.clear();
    let report = audit(&facts, &expect(&["enc"]));
    assert_eq!(
        not_ok(&report),
        vec![(Level::Warn, "no extra access: managed policy r-s3-access")]
    );
    let c = check(&report, "no extra access: managed policy r-s3-access");
    assert!(
        c.detail.starts_with("KMS grant broader than needed"),
        "{c:?}"
    );
    assert!(c
        .detail
        .contains(&format!("kms:Decrypt on {KEY} (not only through S3)")));
    assert!(
        c.detail.contains(&format!(
            "kms:DescribeKey, kms:Encrypt, kms:GenerateDataKey*, kms:ReEncrypt* on {KEY}"
        )),
        "{c:?}"
    );
    assert!(report.passes(false));
    assert!(!report.passes(true));
    assert_eq!(
        check(&report, "KMS: default key of bucket enc").level,
        Level::Ok,
        "the broad grant is enough"
    );
    // The same broad grant on a key no expected bucket uses is extra access, not a warning.
    let mut elsewhere = made_by_create(&request(&["bkt"], with_id));
    add_inline(
        &mut elsewhere,
        "keys",
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Action": ["kms:Decrypt"], "Resource": KEY}]}),
    );
    let report = audit(&elsewhere, &expect(&["bkt"]));
    assert_eq!(
        check(&report, "no extra access: inline policy keys").level,
        Level::Fail
    );
}

#[test]
fn the_grant_that_verify_used_to_reject_is_enough() {
    // Decrypt + GenerateDataKey through S3, without Encrypt: what AWS documents for SSE-KMS.
    let mut facts = made_by_create(&request(&["enc"], with_id));
    role(&mut facts).policies[0].document = Ok(doc(json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["s3:GetBucketLocation", "s3:ListBucket"], "Resource": "arn:aws:s3:::enc"},
        {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"],
         "Resource": "arn:aws:s3:::enc/*"},
        {"Effect": "Allow", "Action": ["kms:Decrypt", "kms:GenerateDataKey"], "Resource": KEY,
         "Condition": {"StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}}}]})));
    let report = audit(&facts, &expect(&["enc"]));
    assert!(report.passes(true), "{report:#?}");
    // Through S3 in another region it is not enough.
    let ours = role(&mut facts).policies[0].document.as_mut().unwrap();
    ours.statement[2].condition = serde_json::from_value(
        json!({"StringEquals": {"kms:ViaService": "s3.eu-west-1.amazonaws.com"}}),
    )
    .unwrap();
    let report = audit(&facts, &expect(&["enc"]));
    let c = check(&report, "KMS: default key of bucket enc");
    assert_eq!(c.level, Level::Fail);
    assert!(c.detail.contains("kms:Decrypt on"), "{c:?}");
    assert!(c.detail.contains("is not allowed"), "{c:?}");
}

#[test]
fn denies_in_policies_and_bucket_policies() {
    let mut facts = made_by_create(&request(&["bkt"], with_id));
    add_inline(
        &mut facts,
        "guard",
        json!({"Version": "2012-10-17", "Statement": [
            {"Sid": "KeepArchive", "Effect": "Deny", "Action": "s3:DeleteObject",
             "Resource": "arn:aws:s3:::bkt/archive/*"}]}),
    );
    let report = audit(&facts, &expect(&["bkt"]));
    let c = check(&report, "S3 read-write access to bkt");
    assert_eq!(c.level, Level::Fail);
    assert_eq!(
        c.detail,
        "s3:DeleteObject on arn:aws:s3:::bkt/* is denied by statement \"KeepArchive\" of \
         inline policy guard"
    );
    let policy = |statements: Value| {
        let mut facts = made_by_create(&request(&["bkt"], with_id));
        facts.access.bucket_policies.insert(
            "bkt".into(),
            Ok(Some(doc(
                json!({"Version": "2012-10-17", "Statement": statements}),
            ))),
        );
        audit(&facts, &expect(&["bkt"]))
    };
    let tls_only = policy(
        json!([{"Sid": "TlsOnly", "Effect": "Deny", "Principal": "*",
        "Action": "s3:*", "Resource": ["arn:aws:s3:::bkt", "arn:aws:s3:::bkt/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]),
    );
    assert!(tls_only.passes(true), "{tls_only:#?}");
    let deletes = policy(
        json!([{"Sid": "DenyDeletes", "Effect": "Deny", "Principal": "*",
        "Action": "s3:DeleteObject", "Resource": "arn:aws:s3:::bkt/*"}]),
    );
    let c = check(&deletes, "bucket policy of bkt");
    assert_eq!(c.level, Level::Fail);
    assert_eq!(
        c.detail,
        "statement \"DenyDeletes\" of the bucket policy denies s3:DeleteObject on arn:aws:s3:::bkt/*"
    );
    let vpc = policy(
        json!([{"Sid": "VpcOnly", "Effect": "Deny", "Principal": "*",
        "Action": "s3:GetObject", "Resource": "arn:aws:s3:::bkt/*",
        "Condition": {"StringNotEquals": {"aws:SourceVpce": "vpce-1"}}}]),
    );
    // Deep Lake reaches S3 from Activeloop's network, never through the bucket owner's VPC
    // endpoint: a VPC-endpoint-only policy denies it for certain.
    let c = check(&vpc, "bucket policy of bkt");
    assert_eq!(c.level, Level::Fail);
    assert_eq!(
        c.detail,
        "statement \"VpcOnly\" of the bucket policy denies s3:GetObject on arn:aws:s3:::bkt/*"
    );
    let org_only = policy(
        json!([{"Sid": "OfficeOnly", "Effect": "Deny", "Principal": "*",
        "Action": "s3:GetObject", "Resource": "arn:aws:s3:::bkt/*",
        "Condition": {"StringNotEquals": {"aws:PrincipalOrgID": "o-1"}}}]),
    );
    let c = check(&org_only, "bucket policy of bkt");
    assert_eq!(c.level, Level::Warn);
    assert!(c
        .detail
        .contains("may deny (the value of aws:PrincipalOrgID is not known)"));
    let others = policy(
        json!([{"Effect": "Deny", "NotPrincipal": {"AWS": "arn:aws:iam::123456789012:role/r"},
        "Action": "s3:*", "Resource": "*"}]),
    );
    assert!(others.passes(true), "{others:#?}");
}

#[test]
fn read_failures_are_reported_not_fatal() {
    let mut facts = made_by_create(&request(&["bkt", "cat"], with_id));
    role(&mut facts).policies.push(PolicyFacts {
        name: "locked".into(),
        kind: PolicyKind::Managed {
            arn: "arn:aws:iam::123456789012:policy/locked".into(),
            owned: false,
        },
        document: Err("iam:GetPolicy on policy locked failed: AccessDenied".into()),
    });
    facts.buckets.insert(
        "cat".into(),
        BucketRead::unreachable("s3:GetBucketLocation on bucket cat failed: NoSuchBucket".into()),
    );
    facts
        .access
        .bucket_policies
        .insert("bkt".into(), Err("AccessDenied".into()));
    let report = audit(&facts, &expect(&["bkt", "cat"]));
    assert_eq!(
        not_ok(&report),
        vec![
            (Level::Fail, "permission policies"),
            (Level::Fail, "bucket policy of bkt"),
            (Level::Fail, "bucket cat"),
        ]
    );
    assert!(check(&report, "permission policies")
        .detail
        .contains("could not read managed policy locked: iam:GetPolicy"));
    let gone = Facts {
        role: Err("iam:GetRole on role r failed: AccessDenied".into()),
        buckets: BTreeMap::new(),
        keys: None,
        now: 0,
        kms: Vec::new(),
        access: Layers::default(),
    };
    let report = audit(&gone, &expect(&["bkt"]));
    assert_eq!(not_ok(&report), vec![(Level::Fail, "role exists")]);
    assert_eq!(report.fix_command, None);
}

#[test]
fn a_missing_role_has_the_create_command_as_its_fix() {
    let report = audit(
        &Facts {
            role: Ok(None),
            buckets: BTreeMap::new(),
            keys: None,
            now: 0,
            kms: Vec::new(),
            access: Layers::default(),
        },
        &expect(&["bkt", "cat/p"]),
    );
    assert_eq!(not_ok(&report), vec![(Level::Fail, "role exists")]);
    assert_eq!(
        report.fix_command.as_deref(),
        Some("provision-role create --role-name r --bucket bkt --bucket cat/p --external-id xid")
    );
}

#[test]
fn the_fix_command_keeps_the_current_trust_and_is_given_once() {
    let req = request(&["bkt", "cat", "dog"], |a| {
        a.trust_dev = true;
        a.external_id = Some("xid".into());
    });
    let mut facts = made_by_create(&req);
    let ours = role(&mut facts).policies[0].document.as_mut().unwrap();
    ours.statement
        .retain(|s| s.sid.as_deref() != Some("ObjectAccess"));
    let mut e = expect(&["bkt", "cat", "dog"]);
    e.principals = std::iter::once(ACTIVELOOP_PRODUCTION)
        .chain(ACTIVELOOP_DEV)
        .map(String::from)
        .collect();
    e.external_id = None;
    let report = audit(&facts, &e);
    assert_eq!(report.at_level(Level::Fail).len(), 3, "{report:#?}");
    assert!(report.at_level(Level::Fail).iter().all(|c| c
        .fix
        .as_deref()
        .unwrap()
        .contains(SEE_COMMAND)));
    assert_eq!(
        report.fix_command.as_deref(),
        Some(
            "provision-role create --role-name r --bucket bkt --bucket cat --bucket dog --trust-dev \
             --external-id xid"
        )
    );
    // A role provision-role did not make, with its own policy name: --adopt, --policy-name.
    role(&mut facts).owned = false;
    role(&mut facts).policies[0].name = "custom-name".into();
    let report = audit(&facts, &e);
    let cmd = report.fix_command.unwrap();
    assert!(cmd.contains("--policy-name custom-name"), "{cmd}");
    assert!(cmd.ends_with("--adopt"), "{cmd}");
}

#[test]
fn no_buckets_granted_or_named() {
    let mut facts = made_by_create(&request(&["bkt"], with_id));
    role(&mut facts).policies.clear();
    let mut e = expect(&[]);
    e.scopes.clear();
    let report = audit(&facts, &e);
    let c = check(&report, "S3 access");
    assert_eq!(c.level, Level::Fail);
    assert!(report.fix_command.unwrap().contains("--bucket BUCKET"));
}

fn guarded() -> Guardrails {
    Guardrails {
        path: Some("/deeplake/".into()),
        permissions_boundary: Some(format!("arn:aws:iam::{ACCOUNT}:policy/boundary")),
        tags: vec![("team".into(), "data".into())],
        max_session_duration: Some(7200),
    }
}

fn with_settings(facts: &mut Facts, g: &Guardrails) {
    role(facts).settings = RoleSettings {
        path: g.path().to_string(),
        permissions_boundary: g.permissions_boundary.clone(),
        max_session_duration: g.max_session_duration.map(|s| s as i32),
        tags: g.role_tags(),
    };
}

#[test]
fn guardrails_are_checked_only_when_asked_for() {
    let req = request(&["bkt"], with_id);
    let facts = made_by_create(&req);
    let names = |r: &Report| -> Vec<String> { r.checks.iter().map(|c| c.name.clone()).collect() };
    let plain = audit(&facts, &expect(&["bkt"]));
    for n in ["permissions boundary", "path", "tags", "session length"] {
        assert!(!names(&plain).iter().any(|c| c == n), "{n} checked unasked");
    }
    let mut e = expect(&["bkt"]);
    e.guardrails = guarded();
    let mut facts = facts;
    with_settings(&mut facts, &e.guardrails);
    let report = audit(&facts, &e);
    assert_eq!(not_ok(&report), vec![], "{report:#?}");
    for n in ["permissions boundary", "path", "tags", "session length"] {
        assert_eq!(check(&report, n).level, Level::Ok);
    }
}

#[test]
fn a_removed_boundary_or_changed_tag_fails_and_the_fix_restores_it() {
    let req = request(&["bkt"], with_id);
    let mut facts = made_by_create(&req);
    let mut e = expect(&["bkt"]);
    e.guardrails = guarded();
    with_settings(&mut facts, &e.guardrails);
    let settings = &mut role(&mut facts).settings;
    settings.permissions_boundary = None;
    settings.max_session_duration = Some(43200);
    settings.tags.retain(|(k, _)| k != "team");
    settings.tags.push(("team".into(), "ops".into()));
    let report = audit(&facts, &e);
    let boundary = check(&report, "permissions boundary");
    assert_eq!(boundary.level, Level::Fail);
    assert!(
        boundary.detail.contains("no permissions boundary"),
        "{boundary:?}"
    );
    assert!(check(&report, "tags").detail.contains("team is \"ops\""));
    assert!(check(&report, "session length").detail.contains("43200"));
    assert_eq!(check(&report, "path").level, Level::Ok);
    let fix = report.fix_command.unwrap();
    for flag in [
        "--permissions-boundary arn:aws:iam::123456789012:policy/boundary",
        "--tag team=data",
        "--max-session-duration 7200",
        "--path /deeplake/",
    ] {
        assert!(fix.contains(flag), "{flag} missing from {fix}");
    }
}

#[test]
fn a_role_on_another_path_must_be_made_again() {
    let req = request(&["bkt"], with_id);
    let mut facts = made_by_create(&req);
    let mut e = expect(&["bkt"]);
    e.guardrails.path = Some("/deeplake/".into());
    let report = audit(&facts, &e);
    let c = check(&report, "path");
    assert_eq!(c.level, Level::Fail);
    assert!(c.detail.contains("is /, not /deeplake/"), "{c:?}");
    assert!(c
        .fix
        .as_ref()
        .unwrap()
        .contains("provision-role delete --role-name r"));
    assert_eq!(report.fix_command, None, "create cannot move the role");
    // With the right path the check passes.
    role(&mut facts).settings.path = "/deeplake/".into();
    assert_eq!(check(&audit(&facts, &e), "path").level, Level::Ok);
}

/// `create --kms KEY` grants a key no bucket uses by default: without `--kms KEY` verify
/// calls it extra access (and says how to tell it); with it, the grant is expected and enough.
#[test]
fn a_key_given_with_kms_is_expected_access() {
    const OTHER: &str =
        "arn:aws:kms:eu-west-1:123456789012:key/bbbbbbbb-12ab-34cd-56ef-1234567890ab";
    let req = request(&["bkt"], |a| {
        with_id(a);
        a.kms = vec![
            crate::cli::values::kms_value("auto").unwrap(),
            crate::cli::values::kms_value(OTHER).unwrap(),
        ];
    });
    let mut facts = made_by_create(&req);
    let plain = audit(&facts, &expect(&["bkt"]));
    let extra = check(&plain, "no extra access: managed policy r-s3-access");
    assert_eq!(extra.level, Level::Fail, "{plain:#?}");
    assert!(extra
        .fix
        .as_ref()
        .unwrap()
        .contains("verify with --kms KEY"));

    let mut e = expect(&["bkt"]);
    e.kms = vec![crate::cli::values::kms_key(OTHER).unwrap()];
    let key = KeyFacts {
        arn: OTHER.into(),
        manager: None,
    };
    facts.kms = vec![(OTHER.into(), Ok(key))];
    let report = audit(&facts, &e);
    assert_eq!(not_ok(&report), vec![], "{report:#?}");
    assert_eq!(
        check(&report, &format!("KMS: key {OTHER} (--kms)")).level,
        Level::Ok
    );

    // The grant gone: the key check fails, and the fix grants it again.
    let role = role(&mut facts);
    role.policies.clear();
    let report = audit(&facts, &e);
    assert_eq!(
        check(&report, &format!("KMS: key {OTHER} (--kms)")).level,
        Level::Fail
    );
    let fix = report.fix_command.unwrap();
    assert!(fix.contains(&format!("--kms auto --kms {OTHER}")), "{fix}");
}
