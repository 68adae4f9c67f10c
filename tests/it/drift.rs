//! Least privilege that holds, against a real moto server: a role made by `create` and then
//! hand-edited (an inline admin policy, a foreign managed policy, a `*` or extra-account trust
//! principal, a `NotAction` allow) fails `verify` with a line naming the edit; `create` warns
//! about what it does not own; `create --prune` removes exactly those edits (foreign policies
//! are detached, never deleted) so that `verify` passes again; a failed prune is rolled back;
//! KMS grants are judged as the issue asks. IAM is read back after every step.

use std::collections::BTreeSet;

use serde_json::{json, Value};

use crate::support::proxy::{Fault, Proxy, Times};
use crate::support::{Run, TestEnv};

const PRODUCTION: &str = "arn:aws:iam::597713067985:role/activeloop_backend";
const ROLE: &str = "dr-role";
const BUCKET: &str = "dr-data";
const OURS: &str = "arn:aws:iam::123456789012:policy/dr-role-s3-access";

fn admin() -> Value {
    json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})
}

/// `create` for the role, with `extra` flags.
fn create(env: &TestEnv, extra: &[&str]) -> Run {
    let mut args = vec![
        "create",
        "--role-name",
        ROLE,
        "--bucket",
        BUCKET,
        "--external-id",
        "xid",
        "--yes",
    ];
    args.extend(extra);
    env.run(&args)
}

fn verify(env: &TestEnv, extra: &[&str]) -> Run {
    let mut args = vec![
        "verify",
        "--role-name",
        ROLE,
        "--bucket",
        BUCKET,
        "--external-id",
        "xid",
    ];
    args.extend(extra);
    env.run(&args)
}

fn inline_names(env: &TestEnv) -> Vec<String> {
    env.rt
        .block_on(env.iam.list_role_policies().role_name(ROLE).send())
        .expect("ListRolePolicies")
        .policy_names
}

fn inline_document(env: &TestEnv, name: &str) -> Value {
    let out = env
        .rt
        .block_on(
            env.iam
                .get_role_policy()
                .role_name(ROLE)
                .policy_name(name)
                .send(),
        )
        .expect("GetRolePolicy");
    crate::support::decode_policy_document(out.policy_document())
}

fn put_inline(env: &TestEnv, name: &str, doc: &Value) {
    env.rt
        .block_on(
            env.iam
                .put_role_policy()
                .role_name(ROLE)
                .policy_name(name)
                .policy_document(doc.to_string())
                .send(),
        )
        .expect("PutRolePolicy");
}

/// A customer-managed policy nobody tagged, granting more than the role needs.
fn foreign_policy(env: &TestEnv) -> String {
    let doc = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Action": "s3:GetObject", "Resource": "arn:aws:s3:::someone-elses-bucket/*"}]});
    let out = env
        .rt
        .block_on(
            env.iam
                .create_policy()
                .policy_name("dr-foreign")
                .policy_document(doc.to_string())
                .send(),
        )
        .expect("CreatePolicy");
    out.policy().and_then(|p| p.arn()).unwrap().to_string()
}

fn attach(env: &TestEnv, arn: &str) {
    env.rt
        .block_on(
            env.iam
                .attach_role_policy()
                .role_name(ROLE)
                .policy_arn(arn)
                .send(),
        )
        .expect("AttachRolePolicy");
}

/// Add a statement to the role's trust policy.
fn trust_also(env: &TestEnv, statement: Value) {
    let mut trust = env.role_trust(ROLE).expect("the role exists");
    trust["Statement"].as_array_mut().unwrap().push(statement);
    env.rt
        .block_on(
            env.iam
                .update_assume_role_policy()
                .role_name(ROLE)
                .policy_document(trust.to_string())
                .send(),
        )
        .expect("UpdateAssumeRolePolicy");
}

fn attached_arns(env: &TestEnv) -> BTreeSet<String> {
    env.attached_policies(ROLE)
        .into_iter()
        .map(|(_, arn)| arn)
        .collect()
}

/// The role is exactly what `create` writes: our policy only, no inline policy, the trust
/// policy with the one principal and the external ID.
#[track_caller]
fn as_created(env: &TestEnv) {
    assert_eq!(attached_arns(env), BTreeSet::from([OURS.to_string()]));
    assert!(inline_names(env).is_empty(), "{:?}", inline_names(env));
    let trust = env.role_trust(ROLE).unwrap();
    assert_eq!(trust["Statement"].as_array().unwrap().len(), 1, "{trust}");
    assert_eq!(
        trust["Statement"][0]["Principal"]["AWS"],
        json!([PRODUCTION])
    );
    assert_eq!(
        trust["Statement"][0]["Condition"]["StringEquals"]["sts:ExternalId"],
        json!(["xid"])
    );
}

#[test]
fn each_hand_edit_fails_verify_and_prune_removes_exactly_it() {
    let env = TestEnv::new();
    env.create_bucket(BUCKET);
    create(&env, &[]).ok();
    verify(&env, &["--strict"])
        .ok()
        .stderr_has("all 9 checks passed");
    let foreign = foreign_policy(&env);

    type Edit = fn(&TestEnv, &str);
    let cases: Vec<(&str, Edit, &str)> = vec![
        (
            "inline admin policy",
            |env, _| put_inline(env, "admin", &admin()),
            "✗ no extra access: inline policy admin: grants more: inline policy admin: * on *",
        ),
        (
            "foreign managed policy",
            |env, foreign| attach(env, foreign),
            "✗ no extra access: managed policy dr-foreign: grants more (not created by \
             provision-role): managed policy dr-foreign: s3:GetObject on \
             arn:aws:s3:::someone-elses-bucket/*",
        ),
        (
            "* trust principal",
            |env, _| {
                trust_also(
                    env,
                    json!({"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}),
                )
            },
            "✗ trust: nobody else may assume the role: statement #2 of the trust policy: \
             trusts everyone (\"*\")",
        ),
        (
            "extra account principal",
            |env, _| {
                trust_also(
                    env,
                    json!({"Sid": "Partner", "Effect": "Allow",
                        "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
                        "Action": "sts:AssumeRole"}),
                )
            },
            "✗ trust: nobody else may assume the role: statement \"Partner\" of the trust \
             policy: trusts account 111122223333 (every principal in it)",
        ),
        (
            "NotAction allow",
            |env, _| {
                put_inline(
                    env,
                    "not-action",
                    &json!({"Version": "2012-10-17", "Statement": {"Effect": "Allow",
                        "NotAction": "iam:*", "Resource": "*"}}),
                )
            },
            "✗ no extra access: inline policy not-action: grants more: inline policy \
             not-action: everything except iam:* on *",
        ),
    ];
    for (what, edit, line) in cases {
        edit(&env, &foreign);
        verify(&env, &[])
            .code_is(1)
            .stderr_has(line)
            .stderr_has("verification failed");
        let pruned = create(&env, &["--prune", "--output", "json"]).ok().json();
        as_created(&env);
        verify(&env, &["--strict"]).ok();
        assert!(
            env.policy_names().contains(&"dr-foreign".to_string()),
            "{what}: a foreign policy is detached, never deleted"
        );
        let removals: Vec<&Value> = pruned["changes"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["action"] != "unchanged")
            .collect();
        assert_eq!(removals.len(), 1, "{what}: {pruned}");
    }
}

#[test]
fn create_warns_about_what_it_does_not_own_and_prune_removes_it() {
    let env = TestEnv::new();
    env.create_bucket(BUCKET);
    create(&env, &[]).ok();
    let foreign = foreign_policy(&env);
    attach(&env, &foreign);
    put_inline(&env, "admin", &admin());

    let text = create(&env, &[]);
    text.ok()
        .stderr_has(&format!(
            "warning: role {ROLE} has the managed policy {foreign} attached"
        ))
        .stderr_has("warning: role dr-role has the inline policy admin")
        .stderr_has("IAM already matches: nothing to change");
    let json = create(&env, &["--output", "json"]).ok().json();
    let warnings: Vec<&str> = json["notes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["level"] == "warn")
        .map(|n| n["message"].as_str().unwrap())
        .collect();
    assert_eq!(warnings.len(), 2, "{json}");
    assert!(warnings[0].contains(&foreign) && warnings[0].contains("--prune detaches it"));
    assert!(warnings[1].contains("inline policy admin") && warnings[1].contains("--prune"));
    assert_eq!(
        attached_arns(&env),
        BTreeSet::from([OURS.to_string(), foreign.clone()]),
        "without --prune nothing is removed"
    );
    assert_eq!(inline_names(&env), vec!["admin"]);

    let plan = env
        .run(&[
            "plan",
            "--discover",
            "--role-name",
            ROLE,
            "--bucket",
            BUCKET,
            "--external-id",
            "xid",
            "--prune",
            "--output",
            "json",
        ])
        .ok()
        .json();
    let deletes: Vec<(String, String)> = plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["action"] == "delete")
        .map(|c| {
            let r = c["resource"].as_str().unwrap().to_string();
            (r, c["details"][0].as_str().unwrap().to_string())
        })
        .collect();
    assert_eq!(
        deletes,
        vec![
            (
                "attachment/dr-role/dr-foreign".to_string(),
                format!("--prune: detach {foreign} (the policy itself is kept)")
            ),
            (
                "inline-policy/dr-role/admin".to_string(),
                "--prune: delete this inline policy".to_string()
            ),
        ]
    );
    assert_eq!(inline_names(&env), vec!["admin"], "plan writes nothing");

    create(&env, &["--prune"])
        .ok()
        .stderr_has(&format!(
            "detached {foreign} from the role (the policy is kept)"
        ))
        .stderr_has("deleted inline policy admin");
    as_created(&env);
    assert!(env.policy_names().contains(&"dr-foreign".to_string()));
    verify(&env, &[]).ok();
}

#[test]
fn a_failed_prune_is_rolled_back() {
    let env = TestEnv::new();
    env.create_bucket(BUCKET);
    create(&env, &[]).ok();
    let foreign = foreign_policy(&env);
    attach(&env, &foreign);
    put_inline(&env, "admin", &admin());
    let before = inline_document(&env, "admin");

    let proxy = Proxy::start(env.moto.port());
    proxy.inject(
        "iam:DetachRolePolicy",
        Fault::access_denied("not allowed to detach"),
        Times::Always,
    );
    let mut args = vec!["create", "--role-name", ROLE, "--bucket", BUCKET];
    args.extend(["--external-id", "xid", "--prune", "--yes"]);
    let run = crate::support::run_cmd(
        env.cmd()
            .env("AWS_ENDPOINT_URL", proxy.endpoint())
            .args(&args),
    );
    run.code_is(1)
        .stderr_has("iam:DetachRolePolicy")
        .stderr_has("rolled back: put inline policy admin back on role dr-role");
    assert_eq!(inline_names(&env), vec!["admin"]);
    assert_eq!(inline_document(&env, "admin"), before);
    assert_eq!(
        attached_arns(&env),
        BTreeSet::from([OURS.to_string(), foreign])
    );
}

/// The role's own policy, with its KMS statement replaced by `kms` (a new default version).
fn replace_kms_statement(env: &TestEnv, kms: Value) {
    let mut doc = env.policy_document(OURS);
    let statements = doc["Statement"].as_array_mut().unwrap();
    statements.retain(|s| !s["Sid"].as_str().unwrap_or_default().starts_with("Kms"));
    statements.push(kms);
    env.rt
        .block_on(
            env.iam
                .create_policy_version()
                .policy_arn(OURS)
                .policy_document(doc.to_string())
                .set_as_default(true)
                .send(),
        )
        .expect("CreatePolicyVersion");
}

#[test]
fn kms_minimal_grant_passes_and_the_old_five_action_grant_warns() {
    let env = TestEnv::new();
    let (_, key) = env.create_kms_key();
    env.create_bucket(BUCKET);
    env.put_bucket_kms(BUCKET, &key);
    create(&env, &[]).ok();
    // Read back: only the two actions S3 uses, only through S3.
    let doc = env.policy_document(OURS);
    let kms: Vec<&Value> = doc["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s.to_string().contains("kms:"))
        .collect();
    assert_eq!(
        kms,
        vec![&json!({"Sid": "KmsKeysUsEast1", "Effect": "Allow",
            "Action": ["kms:Decrypt", "kms:GenerateDataKey"], "Resource": [key],
            "Condition": {"StringEquals": {"kms:ViaService": ["s3.us-east-1.amazonaws.com"]}}})]
    );
    verify(&env, &["--strict"]).ok().stderr_has(&format!(
        "✓ KMS: default key of bucket {BUCKET}: customer-managed key {key} is granted"
    ));

    // The minimal grant AWS documents, written by hand in the single-string forms.
    replace_kms_statement(
        &env,
        json!({"Effect": "Allow", "Action": ["kms:GenerateDataKey", "kms:Decrypt"], "Resource": key,
            "Condition": {"StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}}}),
    );
    verify(&env, &["--strict"]).ok();

    // The five actions of the manual procedure, with no ViaService: enough, but broader than
    // needed — a warning, which fails only with --strict.
    replace_kms_statement(
        &env,
        json!({"Sid": "KmsKeys", "Effect": "Allow", "Action": ["kms:Decrypt", "kms:DescribeKey",
            "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"], "Resource": [key]}),
    );
    verify(&env, &[])
        .ok()
        .stderr_has(
            "⚠ no extra access: managed policy dr-role-s3-access: KMS grant broader than needed",
        )
        .stderr_has("with a warning");
    let strict = env.run(&[
        "verify",
        "--role-name",
        ROLE,
        "--bucket",
        BUCKET,
        "--external-id",
        "xid",
        "--strict",
        "--output",
        "json",
    ]);
    let out = strict.code_is(1).json();
    assert_eq!(out["ok"], false);
    let warned: Vec<&Value> = out["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["level"] == "warn")
        .collect();
    assert_eq!(warned.len(), 1, "{out}");
    assert_eq!(warned[0]["ok"], true);
    strict.stderr_has("verification failed (--strict)");
    // create brings it back to the scoped grant.
    create(&env, &[]).ok();
    verify(&env, &["--strict"]).ok();
}
