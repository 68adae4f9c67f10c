//! `create` and `plan` end to end: the real binary against a real moto server, asserting on
//! what IAM holds afterwards, not only on what the tool printed.

use crate::support::{lint_policy, offline_cmd, run_cmd, TestEnv};
use serde_json::{json, Value};

const PRODUCTION: &str = "arn:aws:iam::597713067985:role/activeloop_backend";
const ROLE: &str = "activeloop-deeplake-access";

/// The single attached policy's document, read back from IAM.
fn attached_document(env: &TestEnv, role: &str) -> Value {
    let attached = env.attached_policies(role);
    assert_eq!(attached.len(), 1, "attached: {attached:?}");
    env.policy_document(&attached[0].1)
}

/// Every (action, resource) pair of a document, statements flattened.
fn grants(doc: &Value) -> Vec<(String, String)> {
    let list = |v: &Value| -> Vec<String> {
        match v {
            Value::String(s) => vec![s.clone()],
            Value::Array(a) => a.iter().map(|s| s.as_str().unwrap().to_string()).collect(),
            _ => vec![],
        }
    };
    let mut out = Vec::new();
    for st in doc["Statement"].as_array().unwrap() {
        for a in list(&st["Action"]) {
            for r in list(&st["Resource"]) {
                out.push((a.clone(), r));
            }
        }
    }
    out.sort();
    out
}

fn principals(trust: &Value) -> Vec<String> {
    let p = &trust["Statement"][0]["Principal"]["AWS"];
    let mut v: Vec<String> = match p {
        Value::String(s) => vec![s.clone()],
        Value::Array(a) => a.iter().map(|s| s.as_str().unwrap().to_string()).collect(),
        _ => panic!("no AWS principal in {trust}"),
    };
    v.sort();
    v
}

#[test]
fn create_grants_each_encryption_kind_correctly_and_reads_back() {
    let env = TestEnv::new();
    let (key_a, arn_a) = env.create_kms_key();
    let (key_b, arn_b) = env.create_kms_key();
    env.create_alias("alias/deeplake", &key_b);
    for b in ["plain", "sse-s3", "by-arn", "by-alias"] {
        env.create_bucket(b);
    }
    env.put_bucket_sse_s3("sse-s3");
    env.put_bucket_kms("by-arn", &arn_a);
    env.put_bucket_kms("by-alias", "alias/deeplake");
    let _ = key_a;

    let run = env.run(&[
        "create", "--bucket", "plain", "--bucket", "sse-s3", "--bucket", "by-arn", "--bucket",
        "by-alias", "--yes", "--output", "json",
    ]);
    run.ok();
    let out = run.json();

    // What IAM holds: the trust policy, the tag, and exactly the expected grants.
    let trust = env.role_trust(ROLE).expect("the role exists");
    assert_eq!(principals(&trust), vec![PRODUCTION]);
    assert_eq!(trust["Statement"][0]["Action"], json!(["sts:AssumeRole"]));
    assert!(env
        .role_tags(ROLE)
        .contains(&("managed-by".into(), "provision-role".into())));
    let doc = attached_document(&env, ROLE);
    let g = grants(&doc);
    for b in ["plain", "sse-s3", "by-arn", "by-alias"] {
        for a in [
            "s3:GetObject",
            "s3:PutObject",
            "s3:DeleteObject",
            "s3:AbortMultipartUpload",
        ] {
            assert!(
                g.contains(&(a.into(), format!("arn:aws:s3:::{b}/*"))),
                "{a} {b}"
            );
        }
        assert!(g.contains(&("s3:ListBucket".into(), format!("arn:aws:s3:::{b}"))));
        assert!(g.contains(&("s3:GetBucketLocation".into(), format!("arn:aws:s3:::{b}"))));
    }
    let kms: Vec<_> = g.iter().filter(|(a, _)| a.starts_with("kms:")).collect();
    let mut keys: Vec<&String> = kms.iter().map(|(_, r)| r).collect();
    keys.sort();
    keys.dedup();
    let mut expected = vec![&arn_a, &arn_b];
    expected.sort();
    assert_eq!(keys, expected, "KMS grants go to key ARNs, never aliases");
    assert_eq!(
        kms.len(),
        4,
        "Decrypt and GenerateDataKey on each of two keys: {kms:?}"
    );
    assert!(g.iter().all(|(_, r)| r != "*"));
    // Read back from IAM: the KMS statement allows only the two actions S3 uses, and only
    // when S3 in the keys' region calls KMS for the role.
    let kms_statements: Vec<&Value> = doc["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| {
            grants(&json!({"Statement": [s]}))
                .iter()
                .any(|(a, _)| a.starts_with("kms:"))
        })
        .collect();
    assert_eq!(kms_statements.len(), 1, "both keys are in us-east-1: {doc}");
    let st = kms_statements[0];
    assert_eq!(st["Action"], json!(["kms:Decrypt", "kms:GenerateDataKey"]));
    assert_eq!(
        st["Condition"],
        json!({"StringEquals": {"kms:ViaService": ["s3.us-east-1.amazonaws.com"]}})
    );

    // What the tool said, which must match what IAM holds.
    assert_eq!(
        out["role_arn"],
        json!(format!("arn:aws:iam::123456789012:role/{ROLE}"))
    );
    assert_eq!(out["account_id"], json!("123456789012"));
    assert_eq!(out["policies"][0]["document"], doc);
    let enc: Vec<(String, String)> = out["buckets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["name"].as_str().unwrap().into(),
                b["encryption"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert!(enc.contains(&("plain".into(), "none".into())));
    assert!(enc.contains(&("sse-s3".into(), "SSE-S3".into())));
    assert!(enc.contains(&("by-alias".into(), "SSE-KMS".into())));
    let by_alias = out["buckets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["name"] == "by-alias")
        .unwrap();
    assert_eq!(by_alias["kms_key_arn"], json!(arn_b));
    assert_eq!(by_alias["kms_key_manager"], json!("CUSTOMER"));
    assert!(out["changes"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["action"] == "create"));
    assert!(
        lint_policy(&doc).is_empty(),
        "parliament: {:?}",
        lint_policy(&doc)
    );
}

#[test]
fn rerun_changes_nothing_and_changed_inputs_update_in_place() {
    let env = TestEnv::new();
    env.create_bucket("data-1");
    env.create_bucket("data-2");
    let args = ["create", "--bucket", "data-1", "--yes", "--output", "json"];
    env.run(&args).ok();
    let policy_arn = env.attached_policies(ROLE)[0].1.clone();

    let again = env.run(&args);
    again.ok();
    let actions: Vec<_> = again.json()["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["action"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(actions, vec!["unchanged"; 3]);
    assert_eq!(
        env.policy_versions(&policy_arn).len(),
        1,
        "no new version on re-run"
    );

    // Another bucket and read-only: the same policy gets a new default version.
    let update = env.run(&[
        "create",
        "--bucket",
        "data-1",
        "--bucket",
        "data-2",
        "--access",
        "read-only",
        "--yes",
        "--output",
        "json",
    ]);
    update.ok();
    assert_eq!(update.json()["changes"][0]["action"], "update");
    assert_eq!(env.policy_names(), vec![format!("{ROLE}-s3-access")]);
    assert_eq!(env.policy_versions(&policy_arn).len(), 2);
    let g = grants(&attached_document(&env, ROLE));
    assert!(g.contains(&("s3:GetObject".into(), "arn:aws:s3:::data-2/*".into())));
    assert!(!g
        .iter()
        .any(|(a, _)| a == "s3:PutObject" || a == "s3:DeleteObject"));

    // Trust changes go through UpdateAssumeRolePolicy.
    env.run(&[
        "create",
        "--bucket",
        "data-1",
        "--bucket",
        "data-2",
        "--access",
        "read-only",
        "--trust-dev",
        "--external-id",
        "deeplake-ext-1",
        "--yes",
    ])
    .ok();
    let trust = env.role_trust(ROLE).unwrap();
    assert_eq!(principals(&trust).len(), 3);
    let cond = &trust["Statement"][0]["Condition"]["StringEquals"]["sts:ExternalId"];
    assert!(
        cond == &json!("deeplake-ext-1") || cond == &json!(["deeplake-ext-1"]),
        "{cond}"
    );
}

#[test]
fn text_mode_prints_only_the_role_arn_on_stdout() {
    let env = TestEnv::new();
    env.create_bucket("text-bucket");
    // No subcommand means create.
    let run = env.run(&["--bucket", "text-bucket", "--yes"]);
    run.ok();
    let arn = format!("arn:aws:iam::123456789012:role/{ROLE}");
    assert_eq!(run.stdout, format!("{arn}\n"));
    run.stderr_has("Paste this role ARN into the Activeloop UI")
        .stderr_has("+ create")
        .stderr_has("warning: no external ID")
        .stderr_has("(the confused-deputy problem); re-run with --external-id ID");
    assert!(env.role_trust(ROLE).is_some());
    // JSON carries the same warning as a note; with --external-id there is none.
    let json = env
        .run(&["--bucket", "text-bucket", "--yes", "--output", "json"])
        .ok()
        .json();
    let warned =
        |doc: &Value| {
            doc["notes"].as_array().unwrap().iter().any(|n| {
                n["level"] == "warn" && n["message"].to_string().contains("confused-deputy")
            })
        };
    assert!(warned(&json), "{json}");
    let with_id = env
        .run(&[
            "--bucket",
            "text-bucket",
            "--external-id",
            "ext-1",
            "--yes",
            "--output",
            "json",
        ])
        .ok()
        .json();
    assert!(!warned(&with_id), "{with_id}");
    let quiet = env.run(&["--bucket", "text-bucket", "--external-id", "ext-1", "--yes"]);
    assert!(!quiet.ok().stderr.contains("warning:"), "{quiet:?}");
}

#[test]
fn prefix_limits_listing_and_objects() {
    let env = TestEnv::new();
    env.create_bucket("lake");
    env.run(&[
        "create",
        "--bucket",
        "lake/datasets/v1/",
        "--role-name",
        "prefixed",
        "--yes",
    ])
    .ok();
    let doc = attached_document(&env, "prefixed");
    let list = doc["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| {
            grants(&json!({"Statement": [s]}))
                .iter()
                .any(|(a, _)| a == "s3:ListBucket")
        })
        .expect("a ListBucket statement")
        .clone();
    let prefixes = &list["Condition"]["StringLike"]["s3:prefix"];
    assert_eq!(prefixes, &json!(["datasets/v1/", "datasets/v1/*"]));
    let g = grants(&doc);
    let objects: Vec<_> = g
        .iter()
        .filter(|(a, _)| a.ends_with("Object"))
        .map(|(_, r)| r)
        .collect();
    assert!(
        objects
            .iter()
            .all(|r| *r == "arn:aws:s3:::lake/datasets/v1/*"),
        "{objects:?}"
    );
    assert_eq!(env.policy_names(), vec!["prefixed-s3-access"]);
}

#[test]
fn bucket_in_another_region_is_found() {
    let env = TestEnv::new();
    env.create_bucket_in("euro-data", "eu-west-1");
    let run = env.run(&[
        "create",
        "--bucket",
        "euro-data",
        "--yes",
        "--output",
        "json",
    ]);
    run.ok();
    assert_eq!(run.json()["buckets"][0]["region"], "eu-west-1");
    assert!(grants(&attached_document(&env, ROLE))
        .contains(&("s3:GetObject".into(), "arn:aws:s3:::euro-data/*".into())));
}

#[test]
fn missing_bucket_fails_before_any_write() {
    let env = TestEnv::new();
    env.create_bucket("exists");
    let run = env.run(&[
        "create",
        "--bucket",
        "exists",
        "--bucket",
        "does-not-exist",
        "--yes",
    ]);
    run.code_is(1).stderr_has("does-not-exist");
    assert!(env.role_names().is_empty());
    assert!(env.policy_names().is_empty());
}

#[test]
fn json_errors_are_one_document_on_stdout() {
    let env = TestEnv::new();
    let run = env.run(&[
        "create",
        "--bucket",
        "nope-not-here",
        "--yes",
        "--output",
        "json",
    ]);
    run.code_is(1);
    let out = run.json();
    assert_eq!(out["error"]["exit_code"], 1);
    assert!(out["error"]["message"]
        .as_str()
        .unwrap()
        .contains("nope-not-here"));
}

#[test]
fn no_credentials_is_a_runtime_error_with_a_fix() {
    let env = TestEnv::new();
    env.create_bucket("creds");
    let mut cmd = offline_cmd();
    cmd.env("AWS_REGION", "us-east-1")
        .env("AWS_ENDPOINT_URL", env.endpoint())
        .args(["create", "--bucket", "creds", "--yes"]);
    let run = run_cmd(&mut cmd);
    run.code_is(1).stderr_has("--profile");
    assert!(env.role_names().is_empty());
}

#[test]
fn plan_is_offline_and_exact() {
    let mut cmd = offline_cmd();
    cmd.args(["plan", "--bucket", "my-bucket", "--output", "json"]);
    let run = run_cmd(&mut cmd);
    run.ok();
    let out = run.json();
    assert_eq!(out["role_arn"], Value::Null);
    assert_eq!(out["account_id"], Value::Null);
    assert_eq!(out["policies"][0]["arn"], Value::Null);
    assert_eq!(
        out["policies"][0]["name"],
        "activeloop-deeplake-access-s3-access"
    );
    assert_eq!(principals(&out["trust_policy"]), vec![PRODUCTION]);
    assert_eq!(
        grants(&out["policies"][0]["document"]),
        grants(&json!({"Statement": [
            {"Action": ["s3:GetBucketLocation", "s3:ListBucket"], "Resource": ["arn:aws:s3:::my-bucket"]},
            {"Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"],
             "Resource": ["arn:aws:s3:::my-bucket/*"]}
        ]}))
    );
    // Text mode: the documents on stdout, each valid JSON, byte-identical between runs.
    let mut text = offline_cmd();
    text.args(["plan", "--bucket", "my-bucket", "--kms", "off"]);
    let first = run_cmd(&mut text);
    first.ok();
    let docs: Vec<Value> = serde_json::Deserializer::from_str(&first.stdout)
        .into_iter::<Value>()
        .collect::<Result<_, _>>()
        .expect("stdout is a sequence of JSON documents");
    assert_eq!(docs.len(), 2);
    let mut again = offline_cmd();
    again.args(["plan", "--bucket", "my-bucket", "--kms", "off"]);
    assert_eq!(run_cmd(&mut again).stdout, first.stdout);
}

#[test]
fn plan_discover_reads_but_never_writes() {
    let env = TestEnv::new();
    let (_, arn) = env.create_kms_key();
    env.create_bucket("enc-plan");
    env.put_bucket_kms("enc-plan", &arn);
    let run = env.run(&[
        "plan",
        "--discover",
        "--bucket",
        "enc-plan",
        "--output",
        "json",
    ]);
    run.ok();
    let out = run.json();
    assert_eq!(out["buckets"][0]["kms_key_arn"], json!(arn));
    assert!(out["policies"][0]["document"].to_string().contains(&arn));
    assert!(env.role_names().is_empty());
    assert!(env.policy_names().is_empty());
}

#[test]
fn no_tty_without_bucket_is_a_usage_error_naming_the_flag() {
    let env = TestEnv::new();
    let run = env.run(&["create"]);
    run.code_is(2).stderr_has("--bucket");
    let run = env.run(&[]);
    run.code_is(2).stderr_has("--bucket");
    assert!(env.role_names().is_empty());
}

/// Every policy the tool generates, across many shapes of input, passes parliament.
#[test]
fn generated_policies_pass_parliament() {
    let dir = tempfile::tempdir().unwrap();
    let key = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    let key_us = "arn:aws:kms:us-east-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ac";
    let inputs: Vec<Vec<&str>> = vec![
        vec!["--bucket", "a-bucket"],
        vec!["--bucket", "a-bucket", "--access", "read-only"],
        vec!["--bucket", "a-bucket/prefix", "--bucket", "b-bucket"],
        vec![
            "--bucket",
            "a-bucket/deep/nested/prefix/",
            "--access",
            "read-only",
        ],
        vec![
            "--bucket",
            "a-bucket/one",
            "--bucket",
            "a-bucket/two",
            "--bucket",
            "c.dotted.bucket",
        ],
        vec!["--bucket", "a-bucket", "--kms", key],
        vec!["--bucket", "a-bucket", "--kms", key, "--kms", key_us],
        vec![
            "--bucket",
            "a-bucket/p",
            "--kms",
            key,
            "--access",
            "read-only",
        ],
        vec![
            "--bucket",
            "a-bucket",
            "--trust-dev",
            "--external-id",
            "abc-123",
        ],
    ];
    let mut count = 0;
    for (i, args) in inputs.iter().enumerate() {
        let mut cmd = offline_cmd();
        cmd.arg("plan").args(args).args(["--output", "json"]);
        let run = run_cmd(&mut cmd);
        run.ok();
        for p in run.json()["policies"].as_array().unwrap() {
            count += 1;
            let path = dir.path().join(format!("policy-{i}-{count}.json"));
            std::fs::write(path, p["document"].to_string()).unwrap();
        }
    }
    // And a large one that splits over several policies.
    let many: Vec<String> = (0..150)
        .map(|i| format!("--bucket=bulk-bucket-number-{i:03}/data"))
        .collect();
    let mut cmd = offline_cmd();
    cmd.arg("plan").args(&many).args(["--output", "json"]);
    let run = run_cmd(&mut cmd);
    run.ok();
    let policies = run.json()["policies"].as_array().unwrap().clone();
    assert!(
        policies.len() > 1,
        "150 prefixed buckets need several policies"
    );
    for p in policies {
        count += 1;
        std::fs::write(
            dir.path().join(format!("bulk-{count}.json")),
            p["document"].to_string(),
        )
        .unwrap();
    }
    assert!(count >= 10);
    let findings = crate::support::parliament_findings(dir.path());
    assert!(findings.is_empty(), "parliament findings: {findings:#?}");
}

/// Well-formed input that AWS refuses: runtime failures (exit 1), still before any write.
#[test]
fn refused_inputs_fail_before_any_write() {
    let env = TestEnv::new();
    env.create_bucket("good-bucket");
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["create", "--bucket", "no-such-bucket-here", "--yes"],
            "no-such-bucket-here",
        ),
        (
            vec![
                "create",
                "--bucket",
                "good-bucket",
                "--kms",
                "alias/missing",
                "--yes",
            ],
            "alias/missing",
        ),
        (
            vec!["delete", "--role-name", "never-made", "--yes"],
            "never-made",
        ),
    ];
    for (args, needle) in &cases {
        let run = env.run(args);
        assert_eq!(run.code, 1, "{args:?}: {run:?}");
        let first = run.stderr.lines().next().unwrap_or_default();
        assert!(first.starts_with("error"), "{args:?}: {run:?}");
        assert!(
            run.stderr.contains(needle),
            "{args:?} should name {needle}: {run:?}"
        );
        assert!(
            !run.stderr.contains("panicked") && !run.stderr.contains(" { "),
            "{run:?}"
        );
        assert!(env.role_names().is_empty(), "{args:?} created a role");
        assert!(env.policy_names().is_empty(), "{args:?} created a policy");
    }
}
