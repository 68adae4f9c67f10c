use std::collections::BTreeSet;

use proptest::prelude::*;
use serde_json::{json, Value};

use super::changes::grant_lines;
use super::request::{ACTIVELOOP_DEV, ACTIVELOOP_PRODUCTION};
use super::*;
use crate::policy::PolicyDocument;

const ACCOUNT: &str = "123456789012";
const KEY_ARN: &str = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";

fn scope(s: &str) -> BucketScope {
    crate::cli::values::bucket_scope(s).unwrap()
}

fn req(buckets: &[&str]) -> Request {
    Request {
        holder: HolderSpec::Role(RoleSpec {
            name: "r".into(),
            description: "d".into(),
            trust: Trust::Production,
            external_id: None,
        }),
        buckets: request::normalize_scopes(buckets.iter().map(|b| scope(b)).collect()).0,
        policy_name: "r-s3-access".into(),
        access: Access::ReadWrite,
        kms: KmsChoice::auto(),
        adopt: false,
        prune: false,
        cors: None,
        guardrails: Guardrails::default(),
    }
}

fn online() -> Facts {
    Facts {
        account_id: Some(ACCOUNT.into()),
        caller_arn: Some(format!("arn:aws:iam::{ACCOUNT}:user/me")),
        ..Facts::offline()
    }
}

fn with_bucket(mut facts: Facts, name: &str, encryption: Encryption) -> Facts {
    facts.buckets.insert(
        name.into(),
        facts::BucketFacts {
            region: "us-east-1".into(),
            encryption,
            cors: None,
        },
    );
    facts
}

fn kms(key: &str) -> Encryption {
    Encryption::Kms {
        key: Some(key.into()),
        dsse: false,
    }
}

fn doc(plan: &Plan) -> Value {
    assert_eq!(plan.policies.len(), 1);
    plan.policies[0].document.to_value()
}

/// Every (action, resource) pair a document allows, ignoring conditions.
fn pairs(doc: &Value) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for st in doc["Statement"].as_array().unwrap() {
        for a in st["Action"].as_array().unwrap() {
            for r in st["Resource"].as_array().unwrap() {
                out.insert((a.as_str().unwrap().into(), r.as_str().unwrap().into()));
            }
        }
    }
    out
}

fn set(items: &[(&str, &str)]) -> BTreeSet<(String, String)> {
    items
        .iter()
        .map(|(a, r)| (a.to_string(), r.to_string()))
        .collect()
}

#[test]
fn read_write_whole_bucket_is_the_deep_lake_document_and_abort_multipart() {
    let plan = build(&req(&["my-data"]), &Facts::offline()).unwrap();
    assert_eq!(
        pairs(&doc(&plan)),
        set(&[
            ("s3:GetBucketLocation", "arn:aws:s3:::my-data"),
            ("s3:ListBucket", "arn:aws:s3:::my-data"),
            ("s3:GetObject", "arn:aws:s3:::my-data/*"),
            ("s3:PutObject", "arn:aws:s3:::my-data/*"),
            ("s3:DeleteObject", "arn:aws:s3:::my-data/*"),
            ("s3:AbortMultipartUpload", "arn:aws:s3:::my-data/*"),
        ])
    );
}

#[test]
fn read_only_has_no_writes() {
    let mut r = req(&["my-data"]);
    r.access = Access::ReadOnly;
    let plan = build(&r, &Facts::offline()).unwrap();
    assert_eq!(
        pairs(&doc(&plan)),
        set(&[
            ("s3:GetBucketLocation", "arn:aws:s3:::my-data"),
            ("s3:ListBucket", "arn:aws:s3:::my-data"),
            ("s3:GetObject", "arn:aws:s3:::my-data/*"),
        ])
    );
}

#[test]
fn prefix_scopes_objects_and_listing() {
    let plan = build(&req(&["raw/datasets/v1"]), &Facts::offline()).unwrap();
    let d = doc(&plan);
    let list = d["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["Sid"] == "ListPrefixes1")
        .unwrap();
    assert_eq!(list["Resource"], json!(["arn:aws:s3:::raw"]));
    assert_eq!(
        list["Condition"],
        json!({"StringLike": {"s3:prefix": ["datasets/v1/", "datasets/v1/*"]}})
    );
    let objects: Vec<_> = pairs(&d)
        .into_iter()
        .filter(|(a, _)| a.ends_with("Object"))
        .map(|(_, r)| r)
        .collect();
    assert!(objects
        .iter()
        .all(|r| r == "arn:aws:s3:::raw/datasets/v1/*"));
    // No unconditional ListBucket on a prefixed bucket.
    assert!(d["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .all(|s| s["Sid"] != "ListBuckets"));
}

#[test]
fn trust_defaults_dev_and_external_id() {
    let plan = build(&req(&["b-1"]), &Facts::offline()).unwrap();
    assert_eq!(
        plan.role().unwrap().trust.to_value(),
        json!({"Version": "2012-10-17", "Statement": [{
            "Sid": "AllowAssumeRoleFromActiveloop", "Effect": "Allow",
            "Principal": {"AWS": [ACTIVELOOP_PRODUCTION]}, "Action": ["sts:AssumeRole"]}]})
    );
    let mut r = req(&["b-1"]);
    r.role_mut().trust = Trust::WithDev;
    r.role_mut().external_id = Some("ext-123".into());
    let t = build(&r, &Facts::offline())
        .unwrap()
        .role()
        .unwrap()
        .trust
        .to_value();
    let st = &t["Statement"][0];
    assert_eq!(st["Principal"]["AWS"].as_array().unwrap().len(), 3);
    for p in ACTIVELOOP_DEV {
        assert!(st["Principal"]["AWS"]
            .as_array()
            .unwrap()
            .contains(&json!(p)));
    }
    assert_eq!(
        st["Condition"],
        json!({"StringEquals": {"sts:ExternalId": ["ext-123"]}})
    );
}

#[test]
fn customer_key_is_granted_by_key_arn_even_when_the_bucket_names_an_alias() {
    let mut facts = with_bucket(online(), "enc", kms("alias/data"));
    facts.keys.insert(
        "alias/data".into(),
        KeyFacts {
            arn: KEY_ARN.into(),
            manager: Some(KeyManager::Customer),
        },
    );
    let plan = build(&req(&["enc"]), &facts).unwrap();
    let kms_pairs: BTreeSet<_> = pairs(&doc(&plan))
        .into_iter()
        .filter(|(a, _)| a.starts_with("kms:"))
        .collect();
    let expected: BTreeSet<_> = ["kms:Decrypt", "kms:GenerateDataKey"]
        .iter()
        .map(|a| (a.to_string(), KEY_ARN.to_string()))
        .collect();
    assert_eq!(kms_pairs, expected);
    assert_eq!(plan.buckets[0].kms_key_arn.as_deref(), Some(KEY_ARN));
    assert_eq!(plan.buckets[0].kms_key_manager, Some(KeyManager::Customer));
    assert!(!doc(&plan).to_string().contains(":alias/"));
}

#[test]
fn read_only_kms_grant_is_decrypt_only() {
    let mut facts = with_bucket(online(), "enc", kms(KEY_ARN));
    facts.keys.insert(
        KEY_ARN.into(),
        KeyFacts {
            arn: KEY_ARN.into(),
            manager: Some(KeyManager::Customer),
        },
    );
    let mut r = req(&["enc"]);
    r.access = Access::ReadOnly;
    let kms_actions: BTreeSet<_> = pairs(&doc(&build(&r, &facts).unwrap()))
        .into_iter()
        .filter(|(a, _)| a.starts_with("kms:"))
        .map(|(a, _)| a)
        .collect();
    assert_eq!(kms_actions, BTreeSet::from(["kms:Decrypt".to_string()]));
}

#[test]
fn kms_grants_go_through_s3_in_the_key_region_one_statement_per_region() {
    let key = |region: &str, id: &str| {
        format!("arn:aws:kms:{region}:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890{id}")
    };
    let keys: BTreeSet<String> = [
        key("us-east-1", "a1"),
        key("eu-west-1", "b1"),
        key("us-east-1", "a2"),
    ]
    .into();
    let d = permission_document(Access::ReadWrite, "aws", &[BucketScope::whole("b")], &keys);
    let kms: Vec<Value> = d.to_value()["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["Sid"].as_str().unwrap().starts_with("Kms"))
        .cloned()
        .collect();
    assert_eq!(
        kms,
        vec![
            json!({"Sid": "KmsKeysEuWest1", "Effect": "Allow",
                "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
                "Resource": [key("eu-west-1", "b1")],
                "Condition": {"StringEquals": {"kms:ViaService": ["s3.eu-west-1.amazonaws.com"]}}}),
            json!({"Sid": "KmsKeysUsEast1", "Effect": "Allow",
                "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
                "Resource": [key("us-east-1", "a1"), key("us-east-1", "a2")],
                "Condition": {"StringEquals": {"kms:ViaService": ["s3.us-east-1.amazonaws.com"]}}}),
        ]
    );
    let china: BTreeSet<String> = [
        "arn:aws-cn:kms:cn-north-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab".into(),
    ]
    .into();
    let d = permission_document(Access::ReadOnly, "aws-cn", &[], &china).to_value();
    assert_eq!(d["Statement"][0]["Sid"], "KmsKeysCnNorth1");
    assert_eq!(d["Statement"][0]["Action"], json!(["kms:Decrypt"]));
    assert_eq!(
        d["Statement"][0]["Condition"]["StringEquals"]["kms:ViaService"],
        json!(["s3.cn-north-1.amazonaws.com.cn"])
    );
}

#[test]
fn drift_is_warned_about_or_pruned() {
    let r = req(&["b-1"]);
    let fresh = build(&r, &online()).unwrap();
    let ours = fresh.policies[0].arn.clone().unwrap();
    let foreign = "arn:aws:iam::aws:policy/AdministratorAccess";
    let mut facts = online();
    facts.existing.role = Some(ExistingRole {
        arn: fresh.holder.arn().unwrap().to_string(),
        trust: fresh.role().unwrap().trust.clone(),
        owned: true,
        attached: vec![ours.clone(), foreign.into()],
        inline: vec!["admin".into(), "extra".into()],
        path: "/".into(),
        description: "d".into(),
        ..Default::default()
    });
    facts.existing.policies.insert(
        "r-s3-access".into(),
        ExistingPolicy {
            arn: ours,
            document: fresh.policies[0].document.clone(),
            owned: true,
            default_version: "v1".into(),
            ..Default::default()
        },
    );
    let kept = build(&r, &facts).unwrap();
    assert!(kept.is_noop());
    let warnings: Vec<&String> = kept
        .notes
        .iter()
        .filter(|n| n.level == Level::Warn)
        .map(|n| &n.message)
        .collect();
    assert_eq!(warnings.len(), 3, "{warnings:?}");
    assert!(warnings[0].contains(foreign));
    assert!(warnings[1].contains("inline policy admin"));
    assert!(warnings[2].contains("inline policy extra"));

    let mut pruning = r.clone();
    pruning.prune = true;
    let pruned = build(&pruning, &facts).unwrap();
    let removals: Vec<&Change> = pruned
        .changes
        .iter()
        .filter(|c| c.action() == Action::Delete)
        .collect();
    assert_eq!(
        removals,
        vec![
            &Change::DetachForeign {
                holder: Holder::Role("r".into()),
                arn: foreign.into()
            },
            &Change::DeleteInline {
                holder: Holder::Role("r".into()),
                name: "admin".into()
            },
            &Change::DeleteInline {
                holder: Holder::Role("r".into()),
                name: "extra".into()
            },
        ]
    );
    assert_eq!(
        removals[0].resource().to_string(),
        "attachment/r/AdministratorAccess"
    );
    assert!(pruned.notes.iter().all(|n| n.level == Level::Info));
}

#[test]
fn the_external_id_warning_names_the_risk_and_the_flag() {
    let mut r = req(&["b-1"]);
    let note = external_id_warning(&r).expect("a warning without --external-id");
    assert_eq!(note.level, Level::Warn);
    assert!(note.message.contains("confused-deputy") && note.message.contains("--external-id"));
    r.role_mut().external_id = Some("x-1".into());
    assert_eq!(external_id_warning(&r), None);
}

#[test]
fn aws_managed_keys_sse_s3_and_no_encryption_need_no_grant() {
    let mut facts = online();
    facts = with_bucket(facts, "a-managed", kms("alias/aws/s3"));
    facts = with_bucket(
        facts,
        "b-default",
        Encryption::Kms {
            key: None,
            dsse: true,
        },
    );
    facts = with_bucket(facts, "c-sse-s3", Encryption::SseS3);
    facts = with_bucket(facts, "d-plain", Encryption::None);
    facts = with_bucket(facts, "e-described", kms(KEY_ARN));
    facts.keys.insert(
        KEY_ARN.into(),
        KeyFacts {
            arn: KEY_ARN.into(),
            manager: Some(KeyManager::Aws),
        },
    );
    let plan = build(
        &req(&[
            "a-managed",
            "b-default",
            "c-sse-s3",
            "d-plain",
            "e-described",
        ]),
        &facts,
    )
    .unwrap();
    assert!(!doc(&plan).to_string().contains("kms:"), "{}", doc(&plan));
    assert_eq!(plan.notes.len(), 5, "{:?}", plan.notes);
    assert!(plan
        .notes
        .iter()
        .all(|n| n.level == Level::Info && n.message.contains("no KMS permission")));
}

#[test]
fn kms_off_grants_nothing_and_warns_about_customer_keys() {
    let facts = with_bucket(online(), "enc", kms(KEY_ARN));
    let mut r = req(&["enc"]);
    r.kms = KmsChoice::Off;
    let plan = build(&r, &facts).unwrap();
    assert!(!doc(&plan).to_string().contains("kms:"));
    assert!(plan
        .notes
        .iter()
        .any(|n| n.level == Level::Warn && n.message.contains("will not be able")));
}

#[test]
fn explicit_keys_offline_need_an_arn() {
    let mut r = req(&["b-1"]);
    r.kms = KmsChoice::Only(vec![KeyRef::KeyArn(KEY_ARN.into())]);
    let plan = build(&r, &Facts::offline()).unwrap();
    assert!(doc(&plan).to_string().contains(KEY_ARN));
    r.kms = KmsChoice::Only(vec![KeyRef::Alias("alias/data".into())]);
    assert_eq!(
        build(&r, &Facts::offline()).unwrap_err(),
        PlanError::UnresolvedKey("alias/data".into())
    );
}

#[test]
fn cross_account_key_warns() {
    let other = "arn:aws:kms:us-east-1:999999999999:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    let mut facts = with_bucket(online(), "enc", kms(other));
    facts.keys.insert(
        other.into(),
        KeyFacts {
            arn: other.into(),
            manager: None,
        },
    );
    let plan = build(&req(&["enc"]), &facts).unwrap();
    assert!(doc(&plan).to_string().contains(other));
    assert!(plan
        .notes
        .iter()
        .any(|n| n.level == Level::Warn && n.message.contains("999999999999")));
}

#[test]
fn changes_against_existing_state() {
    let r = req(&["b-1"]);
    let fresh = build(&r, &online()).unwrap();
    let actions: Vec<_> = fresh.changes.iter().map(|c| c.action()).collect();
    assert_eq!(actions, vec![Action::Create; 3]);
    assert_eq!(fresh.holder.arn(), Some("arn:aws:iam::123456789012:role/r"));

    let policy_arn = fresh.policies[0].arn.clone().unwrap();
    let mut facts = online();
    facts.existing.role = Some(ExistingRole {
        arn: fresh.holder.arn().unwrap().to_string(),
        trust: fresh.role().unwrap().trust.clone(),
        owned: true,
        attached: vec![policy_arn.clone()],
        inline: vec![],
        path: "/".into(),
        description: "d".into(),
        ..Default::default()
    });
    facts.existing.policies.insert(
        "r-s3-access".into(),
        ExistingPolicy {
            arn: policy_arn,
            document: fresh.policies[0].document.clone(),
            owned: true,
            ..Default::default()
        },
    );
    let again = build(&r, &facts).unwrap();
    assert!(again.is_noop(), "{:?}", again.changes);

    let wider = build(&req(&["b-1", "b-2"]), &facts).unwrap();
    assert_eq!(wider.changes[0].action(), Action::Update);
    assert!(wider.changes[0]
        .details()
        .iter()
        .any(|d| d.starts_with("+ arn:aws:s3:::b-2/*")));
    assert_eq!(wider.changes[1].action(), Action::Unchanged);

    let mut with_id = r.clone();
    with_id.role_mut().external_id = Some("ext-1".into());
    let trust_change = build(&with_id, &facts).unwrap();
    assert_eq!(trust_change.changes[1].action(), Action::Update);
    assert_eq!(trust_change.changes[0].action(), Action::Unchanged);
}

#[test]
fn foreign_resources_are_refused_unless_adopted() {
    let mut facts = online();
    facts.existing.role = Some(ExistingRole {
        arn: "arn:aws:iam::123456789012:role/r".into(),
        trust: PolicyDocument::default(),
        owned: false,
        attached: vec![],
        inline: vec![],
        ..Default::default()
    });
    let err = build(&req(&["b-1"]), &facts).unwrap_err();
    assert!(matches!(err, PlanError::NotOwned { kind: "role", .. }));
    assert!(err.to_string().contains("--adopt"));
    let mut r = req(&["b-1"]);
    r.adopt = true;
    let plan = build(&r, &facts).unwrap();
    let role = Resource::Role("r".into());
    assert!(plan.changes.contains(&Change::Adopt {
        resource: role.clone(),
        arn: "arn:aws:iam::123456789012:role/r".into(),
        from: None,
    }));
    assert!(plan
        .changes
        .iter()
        .any(|c| c.resource() == role && c.action() == Action::Update));
}

#[test]
fn stale_policies_of_an_earlier_larger_run_are_deleted() {
    let mut facts = online();
    let extra = "arn:aws:iam::123456789012:policy/r-s3-access-2";
    let foreign = "arn:aws:iam::123456789012:policy/someone-elses";
    facts.existing.role = Some(ExistingRole {
        arn: "arn:aws:iam::123456789012:role/r".into(),
        trust: PolicyDocument::default(),
        owned: true,
        attached: vec![extra.into(), foreign.into()],
        inline: vec![],
        ..Default::default()
    });
    for (name, arn) in [("r-s3-access-2", extra), ("someone-elses", foreign)] {
        facts.existing.policies.insert(
            name.into(),
            ExistingPolicy {
                arn: arn.into(),
                document: PolicyDocument::default(),
                owned: name.starts_with("r-"),
                ..Default::default()
            },
        );
    }
    let plan = build(&req(&["b-1"]), &facts).unwrap();
    let stale: Vec<&Change> = plan
        .changes
        .iter()
        .filter(|c| c.action() == Action::Delete)
        .collect();
    assert_eq!(
        stale,
        vec![
            &Change::DetachStale {
                holder: Holder::Role("r".into()),
                policy: "r-s3-access-2".into(),
                arn: extra.into()
            },
            &Change::DeleteStale {
                policy: "r-s3-access-2".into(),
                arn: extra.into()
            }
        ]
    );
    // Attached elsewhere too: detached, kept, and said so.
    facts
        .existing
        .policies
        .get_mut("r-s3-access-2")
        .unwrap()
        .attached_elsewhere = true;
    let plan = build(&req(&["b-1"]), &facts).unwrap();
    assert!(!plan
        .changes
        .iter()
        .any(|c| matches!(c, Change::DeleteStale { .. })));
    assert!(plan
        .notes
        .iter()
        .any(|n| n.level == Level::Warn && n.message.contains("attached elsewhere")));
}

/// 200 long bucket names: more than one policy's worth of grants.
fn many_bucket_names() -> Vec<String> {
    (0..200)
        .map(|i| format!("bucket-with-a-rather-long-name-{i:04}"))
        .collect()
}

/// What discovery reads after the draft: the planned NAME-N policies it has not seen (never
/// the base name, always looked up), and the stale policies whose other holders decide.
#[test]
fn follow_up_names_the_unread_spilled_policies_and_the_stale_ones() {
    let names = many_bucket_names();
    let many: Vec<&str> = names.iter().map(String::as_str).collect();
    let spilled = build(&req(&many), &online()).unwrap().policies.len();
    assert!(spilled > 2);
    let wanted: Vec<String> = (2..=spilled).map(|n| format!("r-s3-access-{n}")).collect();
    let first = follow_up(&req(&many), &online()).unwrap();
    assert_eq!(
        first,
        FollowUp {
            policies: wanted.clone(),
            stale: vec![]
        }
    );

    let mut facts = online();
    let stale = "arn:aws:iam::123456789012:policy/r-s3-access-2";
    facts.existing.role = Some(ExistingRole {
        arn: "arn:aws:iam::123456789012:role/r".into(),
        owned: true,
        attached: vec![stale.into()],
        ..Default::default()
    });
    let read = ExistingPolicy {
        arn: stale.into(),
        owned: true,
        ..Default::default()
    };
    facts.existing.policies.insert("r-s3-access-2".into(), read);
    let one = follow_up(&req(&["b-1"]), &facts).unwrap();
    assert_eq!(
        one,
        FollowUp {
            policies: vec![],
            stale: vec![stale.into()]
        }
    );
    let again = follow_up(&req(&many), &facts).unwrap();
    assert_eq!(again.policies, wanted[1..], "NAME-2 was read with the role");
    assert!(again.stale.is_empty(), "NAME-2 is planned again: {again:?}");
}

#[test]
fn many_buckets_split_into_policies_within_the_size_limit() {
    let names = many_bucket_names();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let plan = build(&req(&refs), &online()).unwrap();
    assert!(plan.policies.len() > 1);
    assert_eq!(plan.policies[1].name, "r-s3-access-2");
    for p in &plan.policies {
        assert!(p.document.quota_len() <= MAX_POLICY_CHARS);
    }
    let covered: BTreeSet<String> = plan
        .policies
        .iter()
        .flat_map(|p| pairs(&p.document.to_value()))
        .filter(|(a, _)| a == "s3:GetObject")
        .map(|(_, r)| r)
        .collect();
    assert_eq!(covered.len(), 200);
}

#[test]
fn buckets_with_keys_in_several_regions_pack_within_the_size_limit() {
    let regions = ["us-east-1", "eu-west-1", "ap-southeast-2"];
    let mut facts = online();
    let mut names = Vec::new();
    for i in 0..120 {
        let name = format!("bucket-with-a-rather-long-name-{i:04}");
        let region = regions[i % 3];
        let key = format!("arn:aws:kms:{region}:123456789012:key/1234abcd-12ab-34cd-56ef-{i:012}");
        facts = with_bucket(facts, &name, kms(&key));
        facts.keys.insert(
            key.clone(),
            KeyFacts {
                arn: key,
                manager: Some(KeyManager::Customer),
            },
        );
        names.push(name);
    }
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let plan = build(&req(&refs), &facts).unwrap();
    assert!(plan.policies.len() > 1);
    let mut keys = BTreeSet::new();
    for p in &plan.policies {
        assert!(p.document.quota_len() <= MAX_POLICY_CHARS);
        for st in &p.document.statement {
            if st.action.iter().any(|a| a.starts_with("kms:")) {
                let via = &st.condition["StringEquals"]["kms:ViaService"].0;
                assert_eq!(via.len(), 1);
                for key in &st.resource {
                    let region = key.split(':').nth(3).unwrap();
                    assert_eq!(via[0], format!("s3.{region}.amazonaws.com"));
                    keys.insert(key.clone());
                }
            }
        }
    }
    assert_eq!(keys.len(), 120, "every bucket's key is granted once");
}

#[test]
fn too_many_buckets_for_ten_policies_is_an_error() {
    let names: Vec<String> = (0..2000)
        .map(|i| format!("bucket-with-a-rather-long-name-{i:05}"))
        .collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    assert!(matches!(
        build(&req(&refs), &Facts::offline()),
        Err(PlanError::TooLarge(_))
    ));
}

#[test]
fn too_many_principals_overflow_the_trust_policy() {
    let mut r = req(&["b-1"]);
    r.role_mut().trust = Trust::Custom(
        (0..60)
            .map(|i| format!("arn:aws:iam::{:012}:role/some-partner-role", i))
            .collect(),
    );
    assert!(matches!(
        build(&r, &Facts::offline()),
        Err(PlanError::TooLarge(m)) if m.contains("trust policy")
    ));
}

#[test]
fn family_names() {
    assert!(is_family_name("p", "p"));
    assert!(is_family_name("p", "p-2"));
    assert!(is_family_name("p", "p-10"));
    assert!(!is_family_name("p", "p-1"));
    assert!(!is_family_name("p", "p-x"));
    assert!(!is_family_name("p", "px-2"));
}

fn arb_scope() -> impl Strategy<Value = String> {
    (
        "[a-z][a-z0-9-]{1,10}[a-z0-9]".prop_filter("a valid bucket name", |b| {
            crate::cli::values::bucket_name(b).is_ok()
        }),
        proptest::option::of(
            "[a-zA-Z0-9_.-]{1,8}(/[a-zA-Z0-9_.-]{1,8}){0,2}"
                .prop_filter("a valid prefix", |p| crate::cli::values::prefix(p).is_ok()),
        ),
    )
        .prop_map(|(b, p)| match p {
            Some(p) => format!("{b}/{p}"),
            None => b,
        })
}

fn arb_request() -> impl Strategy<Value = Request> {
    (
        proptest::collection::vec(arb_scope(), 1..12),
        any::<bool>(),
        any::<bool>(),
        proptest::option::of("[a-zA-Z0-9-]{2,20}"),
    )
        .prop_map(|(buckets, read_only, dev, ext)| {
            let refs: Vec<&str> = buckets.iter().map(String::as_str).collect();
            let mut r = req(&refs);
            r.access = if read_only {
                Access::ReadOnly
            } else {
                Access::ReadWrite
            };
            r.role_mut().trust = if dev {
                Trust::WithDev
            } else {
                Trust::Production
            };
            r.role_mut().external_id = ext;
            r
        })
}

proptest! {
    #[test]
    fn documents_never_use_star_resources_or_extra_actions(r in arb_request()) {
        let plan = build(&r, &Facts::offline()).unwrap();
        let allowed: BTreeSet<&str> = match r.access {
            Access::ReadWrite => ["s3:GetBucketLocation", "s3:ListBucket", "s3:GetObject",
                "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"].into(),
            Access::ReadOnly => ["s3:GetBucketLocation", "s3:ListBucket", "s3:GetObject"].into(),
        };
        for p in &plan.policies {
            for (action, resource) in pairs(&p.document.to_value()) {
                prop_assert!(allowed.contains(action.as_str()), "{action}");
                prop_assert!(resource.starts_with("arn:aws:s3:::"), "{resource}");
                prop_assert!(resource != "arn:aws:s3:::*");
                let path = &resource["arn:aws:s3:::".len()..];
                // The only wildcard is the trailing "/*" of an object resource.
                prop_assert!(!path.trim_end_matches("/*").contains(['*', '?']), "{resource}");
                if action.ends_with("Object") || action == "s3:AbortMultipartUpload" {
                    prop_assert!(resource.ends_with("/*"));
                } else {
                    prop_assert!(!path.contains('/'));
                }
            }
        }
    }

    #[test]
    fn every_requested_scope_is_granted_exactly(r in arb_request()) {
        let plan = build(&r, &Facts::offline()).unwrap();
        let granted: BTreeSet<String> = plan.policies.iter()
            .flat_map(|p| pairs(&p.document.to_value()))
            .filter(|(a, _)| a == "s3:GetObject")
            .map(|(_, res)| res)
            .collect();
        let wanted: BTreeSet<String> = r.buckets.iter().map(|s| match &s.prefix {
            Some(p) => format!("arn:aws:s3:::{}/{p}/*", s.bucket),
            None => format!("arn:aws:s3:::{}/*", s.bucket),
        }).collect();
        prop_assert_eq!(granted, wanted);
    }

    #[test]
    fn same_input_in_any_order_gives_identical_bytes(
        r in arb_request(),
        seed in any::<u64>(),
    ) {
        let first = build(&r, &Facts::offline()).unwrap();
        let mut shuffled = r.clone();
        let n = shuffled.buckets.len();
        shuffled.buckets.rotate_left((seed as usize) % n);
        shuffled.buckets = request::normalize_scopes(shuffled.buckets).0;
        let second = build(&shuffled, &Facts::offline()).unwrap();
        prop_assert_eq!(first.role().unwrap().trust.to_compact(), second.role().unwrap().trust.to_compact());
        let a: Vec<String> = first.policies.iter().map(|p| p.document.to_compact()).collect();
        let b: Vec<String> = second.policies.iter().map(|p| p.document.to_compact()).collect();
        prop_assert_eq!(a, b);
    }

    #[test]
    fn a_plan_compared_with_itself_is_unchanged(r in arb_request()) {
        let plan = build(&r, &online()).unwrap();
        for p in &plan.policies {
            prop_assert!(p.document.same_meaning(&p.document));
            prop_assert!(grant_lines(&p.document).len() >= r.buckets.len());
        }
    }
}

fn existing_role(facts: &mut Facts, role: ExistingRole) {
    facts.existing.role = Some(ExistingRole {
        arn: "arn:aws:iam::123456789012:role/team/r".into(),
        owned: true,
        path: "/team/".into(),
        description: "d".into(),
        ..role
    });
}

#[test]
fn guardrails_not_asked_for_are_left_as_they_are() {
    let mut facts = online();
    existing_role(
        &mut facts,
        ExistingRole {
            trust: trust_document(req(&["b-1"]).role().unwrap()),
            max_session_duration: Some(43200),
            permissions_boundary: Some("arn:aws:iam::123456789012:policy/b".into()),
            tags: vec![("team".into(), "x".into())],
            ..Default::default()
        },
    );
    let plan = build(&req(&["b-1"]), &facts).unwrap();
    assert_eq!(
        plan.holder.arn(),
        Some("arn:aws:iam::123456789012:role/team/r")
    );
    assert!(!plan.changes.iter().any(|c| matches!(
        c,
        Change::UpdateRole { .. }
            | Change::SetBoundary { .. }
            | Change::Tag { .. }
            | Change::Untag { .. }
    )));
}

#[test]
fn guardrails_asked_for_are_reconciled() {
    let mut facts = online();
    existing_role(
        &mut facts,
        ExistingRole {
            max_session_duration: Some(3600),
            tags: vec![
                ("old".into(), "1".into()),
                ("keep".into(), "same".into()),
                (
                    TAGS_TAG.into(),
                    aws_smithy_types::base64::encode("old\nkeep"),
                ),
                ("theirs".into(), "x".into()),
            ],
            ..Default::default()
        },
    );
    let mut r = req(&["b-1"]);
    r.guardrails.max_session_duration = Some(43200);
    r.guardrails.permissions_boundary = Some("arn:aws:iam::aws:policy/PowerUserAccess".into());
    r.guardrails.tags = vec![("keep".into(), "same".into()), ("new".into(), "2".into())];
    let plan = build(&r, &facts).unwrap();
    let has = |want: &Change| plan.changes.contains(want);
    assert!(has(&Change::UpdateRole {
        role: "r".into(),
        description: None,
        max_session_duration: Some(43200)
    }));
    assert!(has(&Change::SetBoundary {
        holder: Holder::Role("r".into()),
        arn: "arn:aws:iam::aws:policy/PowerUserAccess".into()
    }));
    assert!(has(&Change::Tag {
        holder: Holder::Role("r".into()),
        tags: vec![
            ("new".into(), "2".into()),
            (
                TAGS_TAG.into(),
                aws_smithy_types::base64::encode("keep\nnew")
            )
        ]
    }));
    assert!(has(&Change::Untag {
        holder: Holder::Role("r".into()),
        keys: vec!["old".into()]
    }));
    r.guardrails.path = Some("/other/".into());
    assert!(matches!(
        build(&r, &facts),
        Err(PlanError::Immovable { .. })
    ));
}
