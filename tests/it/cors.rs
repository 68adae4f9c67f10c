//! `--cors`: Deep Lake's CORS rule joins each bucket's configuration beside the rules other
//! apps rely on, is idempotent, checked by verify, taken out again by delete, and rolled back
//! with IAM when a write fails. Every assertion reads the buckets back from S3.

use std::thread;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::support::proxy::{Fault, Proxy, Times};
use crate::support::TestEnv;

fn our_rule() -> Value {
    json!({"ID": OUR_ID, "AllowedHeaders": ["*"],
           "AllowedMethods": ["GET", "HEAD"], "AllowedOrigins": ["*.activeloop.ai"],
           "ExposeHeaders": []})
}

fn foreign_rule() -> Value {
    json!({"ID": "app", "AllowedHeaders": ["Authorization"], "AllowedMethods": ["PUT"],
           "AllowedOrigins": ["https://app.example.com"], "ExposeHeaders": ["ETag"]})
}

/// The ID of the rule for the default role.
const OUR_ID: &str = "provision-role-deeplake:role/activeloop-deeplake-access";

/// The rules of `bucket` with ID [`OUR_ID`].
fn ours(env: &TestEnv, bucket: &str) -> Vec<Value> {
    let rules = env.cors(bucket).unwrap_or_default();
    let rules = rules.as_array().cloned().unwrap_or_default();
    rules.into_iter().filter(|r| r["ID"] == OUR_ID).collect()
}

fn foreign(env: &TestEnv, bucket: &str) -> Vec<Value> {
    let rules = env.cors(bucket).unwrap_or_default();
    let rules = rules.as_array().cloned().unwrap_or_default();
    rules.into_iter().filter(|r| r["ID"] == "app").collect()
}

/// `(resource, action)` of the JSON report's CORS changes.
fn cors_changes(out: &Value) -> Vec<(String, String)> {
    out["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .filter(|c| c["resource"].as_str().unwrap_or("").starts_with("cors/"))
        .map(|c| {
            let text = |k: &str| c[k].as_str().unwrap_or_default().to_string();
            (text("resource"), text("action"))
        })
        .collect()
}

fn pair(resource: &str, action: &str) -> (String, String) {
    (resource.to_string(), action.to_string())
}

#[test]
fn create_adds_our_rule_beside_the_others_and_delete_takes_only_ours_out() {
    let env = TestEnv::new();
    env.create_bucket("shared-data");
    env.create_bucket("plain-data");
    env.put_cors("shared-data", &json!([foreign_rule()]));
    let create = [
        "create",
        "--yes",
        "--output",
        "json",
        "--bucket",
        "shared-data",
        "--bucket",
        "plain-data/raw",
        "--cors",
    ];
    let out = env.run(&create).ok().json();
    assert_eq!(
        cors_changes(&out),
        [
            pair("cors/plain-data", "create"),
            pair("cors/shared-data", "create")
        ]
    );
    for bucket in ["shared-data", "plain-data"] {
        assert_eq!(ours(&env, bucket), [our_rule()], "{bucket}");
    }
    assert_eq!(
        foreign(&env, "shared-data"),
        [foreign_rule()],
        "kept as it was"
    );
    assert_eq!(env.cors("plain-data").unwrap().as_array().unwrap().len(), 1);

    // Again: nothing to do, and still exactly one rule of ours.
    let again = env.run(&create).ok().json();
    assert_eq!(
        cors_changes(&again),
        [
            pair("cors/plain-data", "unchanged"),
            pair("cors/shared-data", "unchanged")
        ]
    );
    assert_eq!(ours(&env, "shared-data").len(), 1);

    // verify --cors passes, then fails when our rule is gone, and says how to fix it.
    let verify = ["verify", "--output", "json", "--cors"];
    let report = env.run(&verify).ok().json();
    let named = |r: &Value, name: &str| -> Value {
        r["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == name)
            .cloned()
            .unwrap_or_else(|| panic!("no check {name}: {r}"))
    };
    assert_eq!(named(&report, "CORS: bucket plain-data")["level"], "ok");
    env.put_cors("plain-data", &json!([foreign_rule()]));
    let failed = env.run(&verify);
    failed.code_is(1);
    let report = failed.json();
    let check = named(&report, "CORS: bucket plain-data");
    assert_eq!(check["level"], "fail", "{report}");
    assert!(report["fix_command"].as_str().unwrap().contains(" --cors"));

    // A new origin replaces our rule in place; the other rules stay.
    let origin = [
        &create[..],
        &["--cors-origin", "https://deeplake.example.org"],
    ]
    .concat();
    let out = env.run(&origin).ok().json();
    assert!(cors_changes(&out).contains(&pair("cors/shared-data", "update")));
    let rule = &ours(&env, "shared-data")[0];
    assert_eq!(
        rule["AllowedOrigins"],
        json!(["https://deeplake.example.org"])
    );
    assert_eq!(foreign(&env, "shared-data"), [foreign_rule()]);

    // delete: our rule goes, the others stay; a bucket left with none has no configuration.
    env.put_cors("plain-data", &json!([our_rule()]));
    let deleted = env
        .run(&["delete", "--yes", "--output", "json"])
        .ok()
        .json();
    let gone = deleted["deleted"].as_array().unwrap();
    assert!(gone.contains(&json!("cors/shared-data")), "{deleted}");
    assert!(gone.contains(&json!("cors/plain-data")), "{deleted}");
    assert_eq!(env.cors("shared-data"), Some(json!([foreign_rule()])));
    assert_eq!(env.cors("plain-data"), None, "ours was the last rule");
    assert!(env.role_names().is_empty());
}

#[test]
fn plan_shows_the_cors_change_offline_and_reads_the_rules_with_discover() {
    let env = TestEnv::new();
    env.create_bucket("shared-data");
    env.put_cors("shared-data", &json!([foreign_rule()]));
    let offline = env
        .run(&[
            "plan",
            "--bucket",
            "shared-data",
            "--cors",
            "--output",
            "json",
        ])
        .ok()
        .json();
    assert_eq!(cors_changes(&offline), [pair("cors/shared-data", "create")]);
    let text = env.run(&["plan", "--bucket", "shared-data", "--cors", "--discover"]);
    text.ok()
        .stderr_has("cors/shared-data")
        .stderr_has("1 other rule(s) kept as they are");
    assert_eq!(
        env.cors("shared-data"),
        Some(json!([foreign_rule()])),
        "plan writes nothing"
    );
}

/// What the account holds: IAM, and both buckets' CORS.
fn state(env: &TestEnv) -> Value {
    json!({
        "iam": env.iam_state(),
        "shared": env.cors("shared-data"),
        "plain": env.cors("plain-data"),
    })
}

#[test]
fn a_fault_while_writing_cors_or_later_rolls_back_cors_and_iam() {
    let denied = || Fault::access_denied("injected by the test proxy");
    // (operation, fault, whether the run ends in the previous state rather than the new one)
    let cases = [
        ("s3:PutBucketCors", denied(), true),
        ("iam:AttachRolePolicy", denied(), true),
        ("s3:GetBucketCors", denied(), true),
        // A lost answer: the SDK tries again, and the rule is there once.
        ("s3:PutBucketCors", Fault::DropResponse, false),
    ];
    let args = [
        "create",
        "--yes",
        "--bucket",
        "shared-data",
        "--bucket",
        "plain-data",
        "--cors",
        "--timeout",
        "6",
    ];
    let setup = || {
        let env = TestEnv::new();
        env.create_bucket("shared-data");
        env.create_bucket("plain-data");
        env.put_cors("shared-data", &json!([foreign_rule()]));
        env
    };
    let clean = {
        let env = setup();
        env.run(&args).ok();
        state(&env)
    };
    for (op, fault, previous) in cases {
        let env = setup();
        let before = state(&env);
        let proxy = Proxy::start(env.moto.port());
        proxy.inject(op, fault.clone(), Times::Once);
        let run = env.run_via(&proxy, &args);
        let case = format!("{op} {fault:?}: {run:?}");
        assert!(proxy.count(op) > 0, "{case}");
        if previous {
            run.code_is(1);
            let said = run.stderr.contains("rolled back") || run.stderr.contains("nothing was");
            assert!(said, "{case}");
            assert_eq!(state(&env), before, "{case}");
            assert!(env.role_names().is_empty(), "{case}");
        } else {
            run.code_is(0);
            assert_eq!(state(&env), clean, "{case}");
            assert_eq!(ours(&env, "shared-data").len(), 1, "{case}");
        }
    }
}

#[test]
fn a_rule_another_app_adds_meanwhile_survives_the_rollback() {
    let env = TestEnv::new();
    env.create_bucket("plain-data");
    let proxy = Proxy::start(env.moto.port());
    // CreateRole answers late, so the test can act between our CORS write and the failure.
    proxy.inject(
        "iam:CreateRole",
        Fault::Delay(Duration::from_secs(3)),
        Times::Once,
    );
    proxy.inject(
        "iam:AttachRolePolicy",
        Fault::access_denied("injected by the test proxy"),
        Times::Once,
    );
    let args = ["create", "--yes", "--bucket", "plain-data", "--cors"];
    let run = thread::scope(|s| {
        let run = s.spawn(|| env.run_via(&proxy, &args));
        let start = Instant::now();
        while ours(&env, "plain-data").is_empty() {
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "our rule never came"
            );
            thread::sleep(Duration::from_millis(50));
        }
        env.put_cors("plain-data", &json!([our_rule(), foreign_rule()]));
        run.join().expect("the run thread")
    });
    run.code_is(1);
    assert!(run.stderr.contains("rolled back"), "{run:?}");
    assert_eq!(
        env.cors("plain-data"),
        Some(json!([foreign_rule()])),
        "{run:?}"
    );
    assert!(env.role_names().is_empty());
}

/// A role and a user serving one bucket each have their own rule: deleting one (switching from
/// keys to the role, say) leaves the other's, and verify still passes for it.
#[test]
fn a_role_and_a_user_on_one_bucket_keep_their_own_rules() {
    let env = TestEnv::new();
    env.create_bucket("shared-data");
    let dir = tempfile::TempDir::new().unwrap();
    let file = dir.path().join("keys.credentials");
    let base = ["create", "--yes", "--bucket", "shared-data", "--cors"];
    env.run(&base).ok();
    let user = [
        "--identity",
        "user",
        "--user-name",
        "deeplake-keys",
        "--credentials-file",
        file.to_str().unwrap(),
    ];
    env.run(&[&base[..], &user[..]].concat()).ok();
    assert!(file.exists(), "the key went to the file asked for");
    let ids = || -> Vec<String> {
        let rules = env.cors("shared-data").unwrap_or_default();
        let rules = rules.as_array().cloned().unwrap_or_default();
        rules
            .iter()
            .map(|r| r["ID"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        ids(),
        [OUR_ID, "provision-role-deeplake:user/deeplake-keys"],
        "one rule each"
    );
    env.run(&[
        "delete",
        "--yes",
        "--identity",
        "user",
        "--user-name",
        "deeplake-keys",
    ])
    .ok();
    assert_eq!(ids(), [OUR_ID], "the role's rule stays");
    env.run(&["verify", "--cors", "--bucket", "shared-data"])
        .ok();
}
