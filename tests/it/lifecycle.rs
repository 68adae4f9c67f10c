//! The role's life against a real moto server: create, update (buckets, trust), verify, delete,
//! and what the tool must leave alone. After every run, IAM is read back.

use std::collections::BTreeSet;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::support::{Run, TestEnv};
use expectrl::process::unix::WaitStatus;
use expectrl::{Eof, Expect, Session};
use serde_json::{json, Value};

const PRODUCTION: &str = "arn:aws:iam::597713067985:role/activeloop_backend";
const ACCOUNT: &str = "123456789012";

fn role_arn(role: &str) -> String {
    format!("arn:aws:iam::{ACCOUNT}:role/{role}")
}

fn policy_arn(name: &str) -> String {
    format!("arn:aws:iam::{ACCOUNT}:policy/{name}")
}

/// `create --role-name ROLE --yes --output json` with one `--bucket` per entry, plus `extra`.
#[track_caller]
fn create(env: &TestEnv, role: &str, buckets: &[&str], extra: &[&str]) -> Run {
    let mut args = vec!["create", "--role-name", role, "--yes", "--output", "json"];
    for b in buckets {
        args.extend(["--bucket", b]);
    }
    args.extend(extra);
    env.run(&args)
}

/// A string or list of strings in a policy document, as a list.
fn strings(v: &Value) -> Vec<String> {
    match v {
        Value::String(s) => vec![s.clone()],
        Value::Array(items) => items
            .iter()
            .filter_map(|i| i.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    }
}

fn statements(doc: &Value) -> Vec<Value> {
    match &doc["Statement"] {
        Value::Array(items) => items.clone(),
        one => vec![one.clone()],
    }
}

/// Every Resource the document names.
fn resources(doc: &Value) -> BTreeSet<String> {
    statements(doc)
        .iter()
        .flat_map(|s| strings(&s["Resource"]))
        .collect()
}

/// The object resources (`arn:aws:s3:::B/*`) the document grants, as bucket names.
fn granted_buckets(doc: &Value) -> BTreeSet<String> {
    resources(doc)
        .iter()
        .filter_map(|r| {
            r.strip_prefix("arn:aws:s3:::")?
                .strip_suffix("/*")
                .map(str::to_owned)
        })
        .collect()
}

/// The one managed policy attached to `role`: its ARN and document.
#[track_caller]
fn only_policy(env: &TestEnv, role: &str) -> (String, Value) {
    let attached = env.attached_policies(role);
    assert_eq!(
        attached.len(),
        1,
        "{role} should have one policy: {attached:?}"
    );
    let arn = attached[0].1.clone();
    let doc = env.policy_document(&arn);
    (arn, doc)
}

/// The trust policy's trusted principals and required external IDs.
#[track_caller]
fn trust_of(env: &TestEnv, role: &str) -> (Vec<String>, Option<Vec<String>>) {
    let trust = env.role_trust(role).expect("the role exists");
    let st = statements(&trust);
    assert_eq!(st.len(), 1, "{trust}");
    let principals = strings(&st[0]["Principal"]["AWS"]);
    let ids = st[0]
        .get("Condition")
        .map(|c| strings(&c["StringEquals"]["sts:ExternalId"]));
    (principals, ids)
}

fn change<'a>(run: &'a Value, resource: &str) -> &'a str {
    run["changes"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["resource"] == resource))
        .and_then(|c| c["action"].as_str())
        .unwrap_or_else(|| panic!("no change for {resource}: {run}"))
}

#[test]
fn adding_and_removing_buckets_rewrites_the_policy() {
    let env = TestEnv::new();
    let role = "lc-buckets";
    for b in ["lc-alpha", "lc-beta", "lc-gamma"] {
        env.create_bucket(b);
    }
    create(&env, role, &["lc-alpha"], &[]).ok();
    let (arn, doc) = only_policy(&env, role);
    assert_eq!(arn, policy_arn("lc-buckets-s3-access"));
    assert_eq!(
        granted_buckets(&doc),
        BTreeSet::from(["lc-alpha".to_owned()])
    );

    let out = create(&env, role, &["lc-alpha", "lc-beta"], &[])
        .ok()
        .json();
    assert_eq!(change(&out, "policy/lc-buckets-s3-access"), "update");
    assert_eq!(change(&out, "role/lc-buckets"), "unchanged");
    let (same_arn, doc) = only_policy(&env, role);
    assert_eq!(same_arn, arn);
    let both = BTreeSet::from(["lc-alpha".to_owned(), "lc-beta".to_owned()]);
    assert_eq!(granted_buckets(&doc), both);
    assert!(resources(&doc).contains("arn:aws:s3:::lc-beta"), "{doc}");

    let out = create(&env, role, &["lc-gamma"], &[]).ok().json();
    assert_eq!(change(&out, "policy/lc-buckets-s3-access"), "update");
    let (_, doc) = only_policy(&env, role);
    assert_eq!(
        granted_buckets(&doc),
        BTreeSet::from(["lc-gamma".to_owned()])
    );
    assert!(
        !resources(&doc).iter().any(|r| r.contains("lc-alpha")),
        "{doc}"
    );

    let out = create(&env, role, &["lc-gamma"], &[]).ok().json();
    assert_eq!(change(&out, "policy/lc-buckets-s3-access"), "unchanged");
    assert_eq!(env.policy_versions(&arn).len(), 3);
}

#[test]
fn trust_follows_the_external_id() {
    let env = TestEnv::new();
    let role = "lc-trust";
    env.create_bucket("lc-trust-data");
    let buckets = ["lc-trust-data"];
    create(&env, role, &buckets, &[]).ok();
    assert_eq!(trust_of(&env, role), (vec![PRODUCTION.to_owned()], None));

    let out = create(&env, role, &buckets, &["--external-id", "first-id"])
        .ok()
        .json();
    assert_eq!(change(&out, "role/lc-trust"), "update");
    assert_eq!(trust_of(&env, role).1, Some(vec!["first-id".to_owned()]));

    create(&env, role, &buckets, &["--external-id", "second-id"]).ok();
    assert_eq!(
        trust_of(&env, role),
        (
            vec![PRODUCTION.to_owned()],
            Some(vec!["second-id".to_owned()])
        )
    );

    let out = create(&env, role, &buckets, &[]).ok().json();
    assert_eq!(change(&out, "role/lc-trust"), "update");
    assert_eq!(trust_of(&env, role), (vec![PRODUCTION.to_owned()], None));
    assert_eq!(env.attached_policies(role).len(), 1);
}

#[test]
fn seven_updates_keep_at_most_five_versions() {
    let env = TestEnv::new();
    let role = "lc-versions";
    let buckets: Vec<String> = (0..8).map(|i| format!("lc-versions-{i}")).collect();
    for b in &buckets {
        env.create_bucket(b);
    }
    create(&env, role, &[&buckets[0]], &[]).ok();
    let (arn, _) = only_policy(&env, role);
    for n in 1..8 {
        let wanted: Vec<&str> = buckets[..=n].iter().map(String::as_str).collect();
        let out = create(&env, role, &wanted, &[]).ok().json();
        assert_eq!(change(&out, "policy/lc-versions-s3-access"), "update");
        let versions = env.policy_versions(&arn);
        assert!(versions.len() <= 5, "after update {n}: {versions:?}");
        let (same, doc) = only_policy(&env, role);
        assert_eq!(same, arn);
        let expected: BTreeSet<String> = wanted.iter().map(|b| b.to_string()).collect();
        assert_eq!(granted_buckets(&doc), expected, "after update {n}");
    }
    assert_eq!(env.policy_versions(&arn).len(), 5);
}

/// `verify --output json`: the one JSON document on stdout.
#[track_caller]
fn verify(env: &TestEnv, role: &str, extra: &[&str]) -> (Run, Value) {
    let mut args = vec!["verify", "--role-name", role, "--output", "json"];
    args.extend(extra);
    let run = env.run(&args);
    let doc = run.json();
    (run, doc)
}

fn failed_checks(doc: &Value) -> Vec<String> {
    doc["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .filter(|c| c["ok"] == false)
        .map(|c| c["name"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[test]
fn verify_passes_on_a_good_role_and_fails_once_the_policy_is_detached() {
    let env = TestEnv::new();
    let role = "lc-verify";
    env.create_bucket("lc-verify-data");
    create(
        &env,
        role,
        &["lc-verify-data/datasets"],
        &["--external-id", "xid-1"],
    )
    .ok();

    let (run, doc) = verify(
        &env,
        role,
        &[
            "--bucket",
            "lc-verify-data/datasets",
            "--external-id",
            "xid-1",
        ],
    );
    run.ok();
    assert_eq!(doc["ok"], true, "{doc}");
    assert_eq!(doc["role_arn"], role_arn(role));
    assert_eq!(doc["checks"].as_array().unwrap().len(), 9, "{doc}");
    assert_eq!(doc["fix_command"], Value::Null);
    // Without --bucket, verify checks the buckets the policy already grants.
    let (run, doc) = verify(&env, role, &[]);
    run.ok();
    assert!(
        doc["checks"]
            .to_string()
            .contains("S3 read-write access to lc-verify-data/datasets"),
        "{doc}"
    );
    // A narrower scope than granted is extra access: verify checks nothing more, too.
    let (run, doc) = verify(&env, role, &["--bucket", "lc-verify-data/datasets/v1"]);
    run.code_is(1);
    assert_eq!(
        failed_checks(&doc),
        vec!["no extra access: managed policy lc-verify-s3-access"]
    );
    assert!(
        doc.to_string().contains(
            "s3:AbortMultipartUpload, s3:DeleteObject, s3:GetObject, s3:PutObject on \
             arn:aws:s3:::lc-verify-data/datasets/*"
        ),
        "{doc}"
    );
    // So is read-write where read-only is expected.
    let (run, doc) = verify(&env, role, &["--access", "read-only"]);
    run.code_is(1);
    assert!(doc.to_string().contains("s3:PutObject"), "{doc}");
    // A wider scope than granted, and the wrong external ID, fail.
    let (run, doc) = verify(
        &env,
        role,
        &["--bucket", "lc-verify-data", "--external-id", "other"],
    );
    run.code_is(1);
    assert_eq!(
        failed_checks(&doc),
        vec![
            format!("trust: {PRODUCTION} may assume the role"),
            "trust: external ID".to_string(),
            "S3 read-write access to lc-verify-data".to_string(),
        ],
        "{doc}"
    );

    let (arn, _) = only_policy(&env, role);
    env.detach(role, &arn);
    let (run, doc) = verify(&env, role, &["--bucket", "lc-verify-data/datasets"]);
    run.code_is(1)
        .stderr_has("verification failed: 1 of 8 checks failed");
    assert_eq!(doc["ok"], false);
    assert_eq!(
        failed_checks(&doc),
        vec!["S3 read-write access to lc-verify-data/datasets"]
    );
    assert!(
        env.attached_policies(role).is_empty(),
        "verify changes nothing"
    );
    let text = env.run(&[
        "verify",
        "--role-name",
        role,
        "--bucket",
        "lc-verify-data/datasets",
    ]);
    text.code_is(1)
        .stderr_has("✗ S3 read-write access")
        .stderr_has("fix: grant it: the create command below")
        .stderr_has(
            "provision-role create --role-name lc-verify --bucket lc-verify-data/datasets \
             --external-id xid-1",
        );
    assert!(text.stdout.is_empty(), "{text:?}");

    // Inline policies count too: the same grants inline make the role pass again.
    let document = env.policy_document(&arn).to_string();
    env.rt
        .block_on(
            env.iam
                .put_role_policy()
                .role_name(role)
                .policy_name("inline-grants")
                .policy_document(document)
                .send(),
        )
        .expect("PutRolePolicy");
    let (run, doc) = verify(&env, role, &["--bucket", "lc-verify-data/datasets"]);
    run.ok();
    assert!(
        doc.to_string().contains("read 0 managed and 1 inline"),
        "{doc}"
    );
}

#[test]
fn verify_reports_a_missing_role_kms_grants_and_bucket_policy_denies() {
    let env = TestEnv::new();
    let (run, doc) = verify(&env, "lc-missing", &[]);
    run.code_is(1);
    assert_eq!(failed_checks(&doc), vec!["role exists"]);
    assert_eq!(doc["role_arn"], Value::Null);

    let role = "lc-kms";
    let (_, key_arn) = env.create_kms_key();
    env.create_bucket("lc-kms-data");
    env.put_bucket_kms("lc-kms-data", &key_arn);
    create(&env, role, &["lc-kms-data"], &[]).ok();
    let (run, doc) = verify(&env, role, &[]);
    run.ok();
    assert!(
        doc.to_string()
            .contains(&format!("customer-managed key {key_arn} is granted")),
        "{doc}"
    );

    let deny = json!({"Version": "2012-10-17", "Statement": [{
        "Sid": "DenyDeletes", "Effect": "Deny", "Principal": "*",
        "Action": "s3:DeleteObject", "Resource": "arn:aws:s3:::lc-kms-data/*"}]});
    env.rt
        .block_on(
            env.s3
                .put_bucket_policy()
                .bucket("lc-kms-data")
                .policy(deny.to_string())
                .send(),
        )
        .expect("PutBucketPolicy");
    let (run, doc) = verify(&env, role, &[]);
    run.code_is(1);
    assert_eq!(failed_checks(&doc), vec!["bucket policy of lc-kms-data"]);
    assert!(doc.to_string().contains("DenyDeletes"), "{doc}");
    // Read-only needs no delete, but the role's write grants are then more than expected.
    let (run, doc) = verify(&env, role, &["--access", "read-only"]);
    run.code_is(1);
    assert_eq!(
        failed_checks(&doc),
        vec!["no extra access: managed policy lc-kms-s3-access"]
    );
    assert!(doc.to_string().contains("kms:GenerateDataKey on"), "{doc}");
}

/// A customer-managed policy this tool did not create, attached to `role`.
fn attach_foreign_policy(env: &TestEnv, role: &str, name: &str) -> String {
    let doc = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Action": "s3:ListAllMyBuckets", "Resource": "*"}]});
    let out = env
        .rt
        .block_on(
            env.iam
                .create_policy()
                .policy_name(name)
                .policy_document(doc.to_string())
                .send(),
        )
        .expect("CreatePolicy");
    let arn = out
        .policy()
        .and_then(|p| p.arn())
        .expect("an ARN")
        .to_owned();
    env.rt
        .block_on(
            env.iam
                .attach_role_policy()
                .role_name(role)
                .policy_arn(&arn)
                .send(),
        )
        .expect("AttachRolePolicy");
    arn
}

#[test]
fn delete_removes_exactly_the_tools_resources() {
    let env = TestEnv::new();
    let role = "lc-delete";
    env.create_bucket("lc-delete-data");
    create(&env, role, &["lc-delete-data"], &[]).ok();
    create(&env, "lc-keep", &["lc-delete-data"], &[]).ok();
    env.create_foreign_role("lc-foreign");
    let foreign = attach_foreign_policy(&env, role, "lc-foreign-policy");
    let ours = policy_arn("lc-delete-s3-access");
    let inline = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Action": "s3:ListAllMyBuckets", "Resource": "*"}]});
    env.rt
        .block_on(
            env.iam
                .put_role_policy()
                .role_name(role)
                .policy_name("lc-inline")
                .policy_document(inline.to_string())
                .send(),
        )
        .expect("PutRolePolicy");

    let out = env
        .run(&["delete", "--role-name", role, "--yes", "--output", "json"])
        .ok()
        .json();
    assert_eq!(out["dry_run"], false);
    assert_eq!(
        out["deleted"],
        json!(["inline-policy/lc-inline", ours, role_arn(role)])
    );
    let detached: BTreeSet<String> = strings(&out["detached"]).into_iter().collect();
    assert_eq!(detached, BTreeSet::from([foreign.clone(), ours.clone()]));

    assert_eq!(env.role_trust(role), None);
    let roles: BTreeSet<String> = env.role_names().into_iter().collect();
    assert_eq!(
        roles,
        BTreeSet::from(["lc-keep".to_owned(), "lc-foreign".to_owned()])
    );
    let policies: BTreeSet<String> = env.policy_names().into_iter().collect();
    let kept = [
        "lc-keep-s3-access".to_owned(),
        "lc-foreign-policy".to_owned(),
    ];
    assert_eq!(policies, BTreeSet::from(kept));
    assert_eq!(
        only_policy(&env, "lc-keep").0,
        policy_arn("lc-keep-s3-access")
    );

    let again = env.run(&["delete", "--role-name", role, "--yes"]);
    again.code_is(1).stderr_has("role lc-delete does not exist");
}

#[test]
fn foreign_roles_are_left_alone() {
    let env = TestEnv::new();
    let role = "lc-theirs";
    env.create_bucket("lc-theirs-data");
    env.create_foreign_role(role);
    let before = env.role_trust(role).expect("the foreign role exists");

    let refused = create(&env, role, &["lc-theirs-data"], &[]);
    refused
        .code_is(1)
        .stderr_has("not created by provision-role");
    assert_eq!(env.role_trust(role).as_ref(), Some(&before));
    assert!(env.policy_names().is_empty());
    assert!(env.attached_policies(role).is_empty());

    let refused = env.run(&["delete", "--role-name", role, "--yes"]);
    refused
        .code_is(1)
        .stderr_has("not created by provision-role");
    assert_eq!(env.role_trust(role).as_ref(), Some(&before));

    create(&env, role, &["lc-theirs-data"], &["--adopt"]).ok();
    assert_eq!(trust_of(&env, role).0, vec![PRODUCTION.to_owned()]);
    assert!(env
        .role_tags(role)
        .contains(&("managed-by".to_owned(), "provision-role".to_owned())));
    assert_eq!(only_policy(&env, role).0, policy_arn("lc-theirs-s3-access"));
}

#[test]
fn delete_without_yes_or_with_dry_run_deletes_nothing() {
    let env = TestEnv::new();
    let role = "lc-guarded";
    env.create_bucket("lc-guarded-data");
    create(&env, role, &["lc-guarded-data"], &[]).ok();
    let ours = policy_arn("lc-guarded-s3-access");
    let unchanged = |env: &TestEnv| {
        assert!(env.role_trust(role).is_some());
        assert_eq!(only_policy(env, role).0, ours);
    };

    let run = env.run(&["delete", "--role-name", role]);
    run.code_is(2)
        .stderr_has("delete needs --yes when not run in a terminal");
    unchanged(&env);

    let out = env
        .run(&[
            "delete",
            "--role-name",
            role,
            "--dry-run",
            "--output",
            "json",
        ])
        .ok()
        .json();
    assert_eq!(
        out,
        json!({"role_name": role, "deleted": [ours, role_arn(role)], "detached": [ours],
            "kept": [], "dry_run": true})
    );
    unchanged(&env);
    let text = env.run(&["delete", "--role-name", role, "--dry-run"]);
    text.ok()
        .stderr_has("would (dry run, nothing is changed)")
        .stderr_has("- delete role");
    assert!(text.stdout.is_empty(), "{text:?}");
    unchanged(&env);
}

/// `delete` in a terminal asks first; anything but yes deletes nothing and exits 130.
#[test]
fn delete_in_a_terminal_asks_first() {
    let env = TestEnv::new();
    let role = "lc-asked";
    env.create_bucket("lc-asked-data");
    create(&env, role, &["lc-asked-data"], &[]).ok();

    let (code, screen) = in_terminal(&env, &["delete", "--role-name", role], "n");
    assert_eq!(code, 130, "{screen}");
    assert!(screen.contains("delete role"), "{screen}");
    assert!(env.role_trust(role).is_some());
    assert_eq!(env.attached_policies(role).len(), 1);

    let (code, screen) = in_terminal(&env, &["delete", "--role-name", role], "y");
    assert_eq!(code, 0, "{screen}");
    assert_eq!(env.role_trust(role), None);
    assert!(env.policy_names().is_empty());
}

/// Run the binary in a pseudo-terminal, answer its confirmation with `key`, and return the exit
/// code and what it printed.
fn in_terminal(env: &TestEnv, args: &[&str], key: &str) -> (i32, String) {
    let mut cmd: Command = env.cmd();
    cmd.args(args)
        .env_remove("CI")
        .env("TERM", "xterm-256color")
        .stdin(Stdio::inherit())
        .stdout(Stdio::inherit())
        .stderr(Stdio::inherit());
    let mut session = Session::spawn(cmd).expect("spawn the binary in a pty");
    session.set_expect_timeout(Some(Duration::from_secs(60)));
    let mut seen = String::new();
    let found = session
        .expect("as listed above?")
        .expect("the confirmation prompt");
    seen.push_str(&String::from_utf8_lossy(found.before()));
    session.send(key).expect("answer the prompt");
    if let Ok(rest) = session.expect(Eof) {
        seen.push_str(&String::from_utf8_lossy(rest.before()));
    }
    match session.get_process().wait() {
        Ok(WaitStatus::Exited(_, code)) => (code, seen),
        other => panic!("the binary did not exit normally: {other:?}\n{seen}"),
    }
}

/// `--adopt` takes over a role and a policy someone made; `delete` hands them back as they
/// were (the policy's own document as default again, our tags off) unless `--force`.
#[test]
fn adopt_then_delete_keeps_what_existed_before() {
    let env = TestEnv::new();
    let role = "lc-adopted";
    env.create_bucket("lc-adopted-data");
    env.create_foreign_role(role);
    let original = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Action": "s3:ListAllMyBuckets", "Resource": "*"}]});
    let theirs = env.create_policy("lc-adopted-s3-access", &original);
    env.attach(role, &theirs);
    create(&env, role, &["lc-adopted-data"], &["--adopt"]).ok();
    assert_ne!(
        env.policy_document(&theirs),
        original,
        "create wrote its grants"
    );
    assert!(env
        .role_tags(role)
        .contains(&("provision-role:adopted".to_owned(), "yes".to_owned())));

    let out = env
        .run(&["delete", "--role-name", role, "--yes", "--output", "json"])
        .ok()
        .json();
    assert_eq!(out["deleted"], json!([]), "{out}");
    assert!(env.role_trust(role).is_some(), "the adopted role is kept");
    assert!(
        env.role_tags(role).is_empty(),
        "our tags are gone: {:?}",
        env.role_tags(role)
    );
    assert_eq!(
        env.policy_document(&theirs),
        original,
        "the original document is back"
    );
    assert_eq!(env.policy_versions(&theirs), vec!["v1".to_owned()]);
    assert_eq!(
        env.attached_policies(role),
        vec![("lc-adopted-s3-access".to_owned(), theirs.clone())]
    );

    // Adopted again and deleted with --force: gone.
    create(&env, role, &["lc-adopted-data"], &["--adopt"]).ok();
    env.run(&["delete", "--role-name", role, "--yes", "--force"])
        .ok();
    assert_eq!(env.role_trust(role), None);
    assert!(env.policy_names().is_empty());
}

/// A policy the role no longer needs that is attached elsewhere too survives, detached from
/// the role; one that nothing else uses is deleted.
#[test]
fn a_shared_stale_policy_survives() {
    let env = TestEnv::new();
    let role = "lc-shrink";
    let buckets: Vec<String> = (0..70)
        .map(|i| format!("lc-shrink-bucket-{i:03}"))
        .collect();
    for b in &buckets {
        env.create_bucket(b);
    }
    let refs: Vec<&str> = buckets.iter().map(String::as_str).collect();
    create(&env, role, &refs, &[]).ok();
    let second = policy_arn("lc-shrink-s3-access-2");
    assert_eq!(env.attached_policies(role).len(), 2);
    env.create_foreign_role("lc-other");
    env.attach("lc-other", &second);

    let run = create(&env, role, &["lc-shrink-bucket-000"], &[]);
    run.ok().stdout_has("attached elsewhere too");
    assert_eq!(only_policy(&env, role).0, policy_arn("lc-shrink-s3-access"));
    assert!(env
        .policy_names()
        .contains(&"lc-shrink-s3-access-2".to_owned()));
    assert_eq!(env.attached_policies("lc-other").len(), 1);
}

/// A failed run's leftovers (the tool's policy, no role) are found by name and deleted.
#[test]
fn delete_finds_policies_left_without_a_role() {
    let env = TestEnv::new();
    let role = "lc-orphan";
    env.create_bucket("lc-orphan-data");
    create(&env, role, &["lc-orphan-data"], &[]).ok();
    let ours = policy_arn("lc-orphan-s3-access");
    env.detach(role, &ours);
    env.rt
        .block_on(env.iam.delete_role().role_name(role).send())
        .expect("DeleteRole");
    let foreign = env.create_policy(
        "lc-orphan-s3-access-2",
        &json!({"Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"}]}),
    );

    let out = env
        .run(&["delete", "--role-name", role, "--yes", "--output", "json"])
        .ok()
        .json();
    assert_eq!(out["deleted"], json!([ours]), "{out}");
    assert_eq!(env.policy_names(), vec!["lc-orphan-s3-access-2".to_owned()]);
    let again = env.run(&["delete", "--role-name", role, "--yes"]);
    again.code_is(1).stderr_has("does not exist");
    let _ = foreign;
}

/// `create --kms KEY` grants a key no bucket uses by default. verify without `--kms KEY`
/// reports it as extra access and says how to tell verify; with `--kms KEY` (an ARN, or an
/// alias it resolves) it passes, and fails again once the grant is gone.
#[test]
fn verify_takes_the_keys_create_was_given() {
    let env = TestEnv::new();
    env.create_bucket("kms-extra");
    let (key_id, key_arn) = env.create_kms_key();
    env.create_alias("alias/deeplake-extra", &key_id);
    env.run(&[
        "create",
        "--yes",
        "--bucket",
        "kms-extra",
        "--kms",
        "auto",
        "--kms",
        &key_arn,
    ])
    .ok();
    let plain = env.run(&["verify", "--bucket", "kms-extra"]);
    plain.code_is(1).stderr_has("verify with --kms KEY");
    for given in [key_arn.as_str(), "alias/deeplake-extra"] {
        let out = env
            .run(&[
                "verify",
                "--output",
                "json",
                "--bucket",
                "kms-extra",
                "--kms",
                given,
            ])
            .ok()
            .json();
        let named = format!("KMS: key {given} (--kms)");
        let check = out["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == named.as_str())
            .unwrap_or_else(|| panic!("no check {named}: {out}"));
        assert_eq!(check["level"], "ok", "{out}");
    }
    // The policy rewritten without the key (create without --kms KEY): verify --kms fails,
    // and its fix grants the key again.
    env.run(&["create", "--yes", "--bucket", "kms-extra"]).ok();
    let run = env.run(&[
        "verify",
        "--output",
        "json",
        "--bucket",
        "kms-extra",
        "--kms",
        &key_arn,
    ]);
    let out = run.code_is(1).json();
    let fix = out["fix_command"].as_str().unwrap();
    assert!(
        fix.contains(&format!("--kms auto --kms {key_arn}")),
        "{fix}"
    );
}
