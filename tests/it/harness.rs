//! Tests of the integration-test harness itself (tests/support), independent
//! of what the binary does: if these fail, no other integration test result
//! can be trusted.

use std::collections::HashMap;
use std::process::Command;

use crate::support::{
    decode_policy_document, lint_policy, offline_cmd, run_cmd, TestEnv, MOTO_ACCOUNT,
};
use serde_json::json;

#[test]
fn moto_answers_sts_get_caller_identity() {
    let env = TestEnv::new();
    assert!(env.endpoint().starts_with("http://127.0.0.1:"));
    let who = env
        .rt
        .block_on(env.sts.get_caller_identity().send())
        .expect("GetCallerIdentity against moto");
    assert_eq!(who.account(), Some(MOTO_ACCOUNT));
}

#[test]
fn each_env_gets_its_own_server() {
    let a = TestEnv::new();
    let b = TestEnv::new();
    assert_ne!(a.endpoint(), b.endpoint());
    a.create_bucket("only-in-a");
    let listed = |env: &TestEnv| -> Vec<String> {
        env.rt
            .block_on(env.s3.list_buckets().send())
            .expect("ListBuckets")
            .buckets()
            .iter()
            .filter_map(|b| b.name().map(str::to_owned))
            .collect()
    };
    assert_eq!(listed(&a), vec!["only-in-a".to_owned()]);
    assert!(listed(&b).is_empty());
}

#[test]
fn bucket_with_kms_default_encryption_reads_back_with_the_key() {
    let env = TestEnv::new();
    let (key_id, key_arn) = env.create_kms_key();
    assert!(
        key_arn.starts_with("arn:aws:kms:us-east-1:123456789012:key/")
            && key_arn.ends_with(&key_id),
        "{key_arn}"
    );
    env.create_alias("alias/harness", &key_id);

    env.create_bucket("kms-bucket");
    assert_eq!(env.bucket_encryption("kms-bucket"), None);
    env.put_bucket_kms("kms-bucket", &key_arn);
    assert_eq!(
        env.bucket_encryption("kms-bucket"),
        Some(("aws:kms".to_owned(), Some(key_arn)))
    );

    env.create_bucket_in("sse-s3-bucket", "eu-west-1");
    env.put_bucket_sse_s3("sse-s3-bucket");
    assert_eq!(
        env.bucket_encryption("sse-s3-bucket"),
        Some(("AES256".to_owned(), None))
    );
    let location = env
        .rt
        .block_on(env.s3.get_bucket_location().bucket("sse-s3-bucket").send())
        .expect("GetBucketLocation");
    assert_eq!(
        location.location_constraint().map(|c| c.as_str()),
        Some("eu-west-1")
    );
}

#[test]
fn iam_readback_helpers() {
    let env = TestEnv::new();
    assert_eq!(env.role_trust("no-such-role"), None);
    assert!(env.role_names().is_empty());
    assert!(env.policy_names().is_empty());

    let arn = env.create_foreign_role("someone-elses-role");
    assert_eq!(arn, "arn:aws:iam::123456789012:role/someone-elses-role");
    assert_eq!(env.role_names(), vec!["someone-elses-role".to_owned()]);
    assert!(env.role_tags("someone-elses-role").is_empty());
    // What moto sends: the trust policy percent-encoded (as real IAM does) ...
    let raw_trust = env
        .rt
        .block_on(env.iam.get_role().role_name("someone-elses-role").send())
        .expect("GetRole");
    let raw_trust = raw_trust
        .role()
        .and_then(|r| r.assume_role_policy_document())
        .unwrap();
    assert!(raw_trust.starts_with("%7B"), "{raw_trust}");
    let trust = env.role_trust("someone-elses-role").expect("role exists");
    assert_eq!(
        trust["Statement"][0]["Principal"]["AWS"],
        "arn:aws:iam::111122223333:root"
    );

    let doc = json!({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}]
    });
    let policy = env
        .rt
        .block_on(
            env.iam
                .create_policy()
                .policy_name("harness-policy")
                .policy_document(doc.to_string())
                .send(),
        )
        .expect("CreatePolicy");
    let policy_arn = policy.policy().and_then(|p| p.arn()).unwrap().to_owned();
    assert_eq!(env.policy_names(), vec!["harness-policy".to_owned()]);
    // ... but policy version documents as plain JSON (real IAM encodes them).
    let raw_version = env
        .rt
        .block_on(
            env.iam
                .get_policy_version()
                .policy_arn(&policy_arn)
                .version_id("v1")
                .send(),
        )
        .expect("GetPolicyVersion");
    let raw_version = raw_version
        .policy_version()
        .and_then(|v| v.document())
        .unwrap();
    assert!(raw_version.starts_with('{'), "{raw_version}");
    assert_eq!(env.policy_document(&policy_arn), doc);
    assert_eq!(env.policy_versions(&policy_arn), vec!["v1".to_owned()]);

    env.rt
        .block_on(
            env.iam
                .attach_role_policy()
                .role_name("someone-elses-role")
                .policy_arn(&policy_arn)
                .send(),
        )
        .expect("AttachRolePolicy");
    assert_eq!(
        env.attached_policies("someone-elses-role"),
        vec![("harness-policy".to_owned(), policy_arn.clone())]
    );
    env.detach("someone-elses-role", &policy_arn);
    assert!(env.attached_policies("someone-elses-role").is_empty());
}

#[test]
fn policy_documents_decode_plain_or_percent_encoded() {
    let doc = json!({"Version": "2012-10-17", "Statement": [{"Sid": "a b", "Resource": "arn:aws:s3:::b/*"}]});
    let plain = doc.to_string();
    let encoded = percent_encoding::utf8_percent_encode(&plain, percent_encoding::NON_ALPHANUMERIC)
        .to_string();
    assert!(encoded.starts_with("%7B"));
    assert_eq!(decode_policy_document(&plain), doc);
    assert_eq!(decode_policy_document(&encoded), doc);
}

#[test]
fn parliament_reports_a_bad_policy() {
    let bad = json!({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "*"}]
    });
    let findings = lint_policy(&bad);
    assert!(
        findings.iter().any(|f| f.contains("RESOURCE_STAR")),
        "expected a RESOURCE_STAR finding, got {findings:#?}"
    );
}

#[test]
fn parliament_passes_a_good_policy() {
    let good = json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "Objects",
            "Effect": "Allow",
            "Action": ["s3:GetObject"],
            "Resource": ["arn:aws:s3:::my-bucket/*"]
        }]
    });
    let findings = lint_policy(&good);
    assert!(findings.is_empty(), "unexpected findings: {findings:#?}");
}

/// The environment a `Command` will get on top of the inherited one:
/// `Some(value)` for set, `None` for removed.
fn env_overrides(cmd: &Command) -> HashMap<String, Option<String>> {
    cmd.get_envs()
        .map(|(k, v)| {
            (
                k.to_string_lossy().into_owned(),
                v.map(|v| v.to_string_lossy().into_owned()),
            )
        })
        .collect()
}

#[test]
fn cmd_scrubs_the_inherited_aws_environment() {
    let env = TestEnv::new();
    let online = env_overrides(&env.cmd());
    let offline_cmd = offline_cmd();
    let offline = env_overrides(&offline_cmd);
    for (key, _) in std::env::vars_os() {
        let key = key.to_string_lossy().into_owned();
        if key.starts_with("AWS_") {
            assert!(online.contains_key(&key), "{key} leaks into cmd()");
            assert!(offline.contains_key(&key), "{key} leaks into offline_cmd()");
        }
    }
    let set = |map: &HashMap<String, Option<String>>, key: &str| map.get(key).cloned().flatten();
    assert_eq!(set(&online, "AWS_ENDPOINT_URL"), Some(env.endpoint()));
    assert_eq!(set(&online, "AWS_REGION").as_deref(), Some("us-east-1"));
    assert_eq!(
        set(&online, "AWS_ACCESS_KEY_ID").as_deref(),
        Some("testing")
    );
    assert_eq!(set(&online, "NO_COLOR").as_deref(), Some("1"));
    assert_eq!(set(&online, "HOME").as_deref(), env.home.path().to_str());
    for key in ["AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"] {
        let path = set(&online, key).expect(key);
        assert!(path.starts_with(env.home.path().to_str().unwrap()));
        assert!(!std::path::Path::new(&path).exists(), "{path}");
    }
    for key in [
        "AWS_ENDPOINT_URL",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_REGION",
    ] {
        assert_eq!(set(&offline, key), None, "offline_cmd() sets {key}");
    }
    assert_eq!(
        set(&offline, "AWS_EC2_METADATA_DISABLED").as_deref(),
        Some("true")
    );
    let home = set(&offline, "HOME").expect("offline HOME");
    assert!(std::path::Path::new(&home).is_dir(), "{home}");
    drop(offline_cmd);
    assert!(
        !std::path::Path::new(&home).exists(),
        "offline_cmd() leaves its HOME {home} behind"
    );
}

#[test]
fn run_cmd_captures_code_and_both_streams() {
    let run = run_cmd(Command::new("sh").args(["-c", "echo '{\"a\":1}'; echo oops >&2; exit 3"]));
    assert_eq!(run.code, 3);
    assert_eq!(run.json(), json!({"a": 1}));
    run.code_is(3)
        .failed()
        .stdout_has("\"a\"")
        .stderr_has("oops");
    let shown = format!("{run:?}");
    assert!(
        shown.contains("oops") && shown.contains("{\"a\":1}"),
        "{shown}"
    );
    let failed = std::panic::catch_unwind(|| {
        run.ok();
    });
    assert!(failed.is_err(), "Run::ok() accepted exit code 3");
}
