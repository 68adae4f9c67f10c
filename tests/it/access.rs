//! Effective access: the layers outside the role's own policies that can still deny Deep Lake
//! — a KMS key's key policy, a bucket policy's Deny, the permissions boundary, Requester Pays —
//! are judged by `create` before it writes (notes, or a refusal for a blocking boundary) and
//! by `verify` afterwards (checks with their fix).

use serde_json::{json, Value};

use crate::support::proxy::Proxy;
use crate::support::TestEnv;

const ROLE: &str = "activeloop-deeplake-access";

/// The note (create's JSON) or check (verify's JSON) of that name.
fn named<'a>(items: &'a Value, name: &str) -> Option<&'a Value> {
    items
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["name"] == name || n["message"].as_str().is_some_and(|m| m.starts_with(name)))
}

/// The statement a fix says to add: the JSON after its first `{`.
fn statement_in(fix: &str) -> Value {
    serde_json::from_str(&fix[fix.find('{').expect("a statement in the fix")..]).unwrap()
}

fn key_policy_without_delegation() -> Value {
    json!({"Version": "2012-10-17", "Statement": [{"Sid": "KeyAdmins", "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::123456789012:role/key-admin"}, "Action": "kms:*",
        "Resource": "*"}]})
}

#[test]
fn a_key_policy_that_lets_nobody_in_is_warned_then_failed_until_its_fix_is_applied() {
    let env = TestEnv::new();
    env.create_bucket("plain-lake");
    env.create_bucket("locked-lake");
    let (_, default_key) = env.create_kms_key();
    let (locked_id, locked_key) = env.create_kms_key();
    env.put_bucket_kms("plain-lake", &default_key);
    env.put_bucket_kms("locked-lake", &locked_key);
    env.put_key_policy(&locked_id, &key_policy_without_delegation());
    let buckets = ["--bucket", "plain-lake", "--bucket", "locked-lake"];
    let create = env.run(&[&["create", "--yes", "--output", "json"][..], &buckets].concat());
    create.ok();
    let out = create.json();
    let name = format!("key policy of {locked_key}");
    let note = named(&out["notes"], &name).unwrap_or_else(|| panic!("no note {name}: {out:#}"));
    assert_eq!(note["level"], "warn", "{note}");
    assert!(
        named(&out["notes"], &format!("key policy of {default_key}")).is_none(),
        "{out:#}"
    );
    let fix = note["fix"].as_str().unwrap();
    assert!(
        fix.contains(&format!(
            "put-key-policy --region us-east-1 --key-id {locked_id}"
        )),
        "{fix}"
    );
    let role_arn = out["role_arn"].as_str().unwrap();
    let statement = statement_in(fix);
    assert_eq!(statement["Principal"], json!({"AWS": role_arn}));
    assert_eq!(
        statement["Action"],
        json!(["kms:Decrypt", "kms:GenerateDataKey"])
    );
    assert_eq!(
        statement["Condition"],
        json!({"StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}})
    );
    // create wrote the role, never the key policy.
    assert!(env.role_names().contains(&ROLE.to_string()));
    assert_eq!(env.key_policy(&locked_id), key_policy_without_delegation());

    let verify = env.run(&[&["verify", "--output", "json"][..], &buckets].concat());
    verify.code_is(1);
    let checks = verify.json()["checks"].clone();
    let check = named(&checks, &name).unwrap_or_else(|| panic!("no check {name}: {checks:#}"));
    assert_eq!(check["level"], "fail", "{check}");
    assert_eq!(statement_in(check["fix"].as_str().unwrap()), statement);
    let default = named(&checks, &format!("key policy of {default_key}")).unwrap();
    assert_eq!(default["level"], "ok", "{default}");

    // Do what the fix says, with the aws CLI commands it prints: get the key policy into
    // key-policy.json, add the statement to its Statement list, put it back.
    let commands: Vec<&str> = fix.split('`').skip(1).step_by(2).collect();
    let [get, put] = commands[..] else {
        panic!("two aws commands in the fix: {fix}")
    };
    env.run_shell(get).ok();
    let file = env.home.path().join("key-policy.json");
    let mut policy: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap())
        .expect("get-key-policy wrote the key policy as JSON");
    assert_eq!(policy, key_policy_without_delegation());
    policy["Statement"]
        .as_array_mut()
        .unwrap()
        .push(statement.clone());
    std::fs::write(&file, policy.to_string()).unwrap();
    env.run_shell(put).ok();
    let held = env.key_policy(&locked_id);
    assert!(
        held["Statement"].as_array().unwrap().contains(&statement),
        "{held:#}"
    );
    let verify = env.run(&[&["verify", "--output", "json"][..], &buckets].concat());
    verify.ok();
    let checks = verify.json()["checks"].clone();
    assert_eq!(named(&checks, &name).unwrap()["level"], "ok", "{checks:#}");
}

#[test]
fn a_key_named_by_a_bucket_and_by_kms_is_read_once_by_create_and_by_verify() {
    let env = TestEnv::new();
    env.create_bucket("lake");
    let (_, key) = env.create_kms_key();
    env.put_bucket_kms("lake", &key);
    let proxy = Proxy::start(env.moto.port());
    let args = ["--bucket", "lake", "--kms", &key, "--output", "json"];
    env.run_via(&proxy, &[&["create", "--yes"][..], &args].concat())
        .ok();
    let reads = |proxy: &Proxy| {
        let counts = (
            proxy.count("kms:DescribeKey"),
            proxy.count("kms:GetKeyPolicy"),
        );
        proxy.clear_requests();
        counts
    };
    assert_eq!(reads(&proxy), (1, 1), "create");
    let (_, policy) = &env.attached_policies(ROLE)[0];
    let granted = env.policy_document(policy);
    assert!(granted.to_string().contains(&key), "{granted:#}");

    let verify = env.run_via(&proxy, &[&["verify"][..], &args].concat());
    verify.ok();
    assert_eq!(reads(&proxy), (1, 1), "verify");
    let checks = verify.json()["checks"].clone();
    for name in [
        format!("KMS: key {key} (--kms)"),
        format!("key policy of {key}"),
    ] {
        let check = named(&checks, &name).unwrap_or_else(|| panic!("no check {name}: {checks:#}"));
        assert_eq!(check["level"], "ok", "{check}");
    }
}

#[test]
fn a_vpc_endpoint_only_bucket_policy_is_warned_at_create_and_fails_verify() {
    let env = TestEnv::new();
    env.create_bucket("lake");
    env.put_bucket_policy(
        "lake",
        &json!({"Version": "2012-10-17", "Statement": [{"Sid": "OnlyFromOurVpce",
            "Effect": "Deny", "Principal": "*", "Action": "s3:*",
            "Resource": ["arn:aws:s3:::lake", "arn:aws:s3:::lake/*"],
            "Condition": {"StringNotEquals": {"aws:SourceVpce": "vpce-0123456789abcdef0"}}}]}),
    );
    let plan = env.run(&["plan", "--discover", "--bucket", "lake"]);
    plan.ok()
        .stderr_has("bucket policy of lake")
        .stderr_has("\"OnlyFromOurVpce\"");
    let create = env.run(&["create", "--bucket", "lake", "--yes", "--output", "json"]);
    create.ok();
    let out = create.json();
    let note = named(&out["notes"], "bucket policy of lake").expect("a bucket-policy note");
    assert_eq!(note["level"], "warn");
    assert!(
        note["message"]
            .as_str()
            .unwrap()
            .contains("statement \"OnlyFromOurVpce\" of the bucket policy denies"),
        "{note}"
    );
    assert!(env.role_names().contains(&ROLE.to_string()));
    let verify = env.run(&["verify", "--bucket", "lake", "--output", "json"]);
    verify.code_is(1);
    let checks = verify.json()["checks"].clone();
    let check = named(&checks, "bucket policy of lake").unwrap();
    assert_eq!(check["level"], "fail", "{check}");
    assert!(
        check["detail"]
            .as_str()
            .unwrap()
            .contains("\"OnlyFromOurVpce\""),
        "{check}"
    );
}

/// Requests that write to IAM or S3.
fn writes(proxy: &Proxy) -> Vec<String> {
    let verbs = [
        "Create", "Put", "Attach", "Detach", "Delete", "Tag", "Untag", "Update", "Set",
    ];
    proxy
        .requests()
        .into_iter()
        .filter(|op| {
            let name = op.split_once(':').map_or(op.as_str(), |(_, name)| name);
            verbs.iter().any(|v| name.starts_with(v))
        })
        .collect()
}

#[test]
fn a_boundary_that_blocks_is_refused_before_any_write_and_fails_verify() {
    let env = TestEnv::new();
    env.create_bucket("lake");
    let cap = env.create_policy(
        "get-only",
        &json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Action": "s3:GetObject", "Resource": "*"}]}),
    );
    let proxy = Proxy::start(env.moto.port());
    let args = [
        "create",
        "--bucket",
        "lake",
        "--permissions-boundary",
        &cap,
        "--yes",
    ];
    let refused = env.run_via(&proxy, &args);
    refused
        .code_is(1)
        .stderr_has(&format!("{cap} does not allow"))
        .stderr_has("s3:PutObject")
        .stderr_has("nothing was changed");
    assert!(
        proxy.count("iam:GetPolicyVersion") >= 1,
        "{:?}",
        proxy.requests()
    );
    assert_eq!(writes(&proxy), Vec::<String>::new());
    assert!(env.role_names().is_empty());

    // A role someone capped afterwards: verify names what the boundary takes away.
    env.run(&["create", "--bucket", "lake", "--yes"]).ok();
    env.put_role_boundary(ROLE, &cap);
    let verify = env.run(&["verify", "--bucket", "lake", "--output", "json"]);
    verify.code_is(1);
    let checks = verify.json()["checks"].clone();
    let check = named(&checks, "permissions boundary").unwrap();
    assert_eq!(check["level"], "fail", "{check}");
    let detail = check["detail"].as_str().unwrap();
    assert!(detail.contains("s3:ListBucket"), "{detail}");
    assert!(detail.contains("s3:PutObject"), "{detail}");
    assert!(!detail.contains("s3:GetObject,"), "{detail}");
    // A boundary that allows the S3 actions passes.
    let s3 = env.create_policy(
        "s3-only",
        &json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Action": "s3:*", "Resource": "*"}]}),
    );
    env.put_role_boundary(ROLE, &s3);
    let verify = env.run(&["verify", "--bucket", "lake", "--output", "json"]);
    verify.ok();
    let checks = verify.json()["checks"].clone();
    assert_eq!(
        named(&checks, "permissions boundary").unwrap()["level"],
        "ok"
    );
}

#[test]
fn a_requester_pays_bucket_gets_its_note() {
    let env = TestEnv::new();
    env.create_bucket("paid-lake");
    env.create_bucket("lake");
    env.put_requester_pays("paid-lake");
    let create = env.run(&[
        "create",
        "--bucket",
        "paid-lake",
        "--bucket",
        "lake",
        "--yes",
        "--output",
        "json",
    ]);
    create.ok();
    let out = create.json();
    let note = named(&out["notes"], "requester pays of paid-lake").expect("a requester-pays note");
    assert_eq!(note["level"], "warn");
    assert!(
        note["fix"].as_str().unwrap().contains("Payer=BucketOwner"),
        "{note}"
    );
    assert!(
        named(&out["notes"], "requester pays of lake").is_none(),
        "{out:#}"
    );
    let both = ["--bucket", "paid-lake", "--bucket", "lake"];
    let verify = env.run(&[&["verify", "--output", "json"][..], &both].concat());
    verify.ok();
    let checks = verify.json()["checks"].clone();
    let paid = named(&checks, "requester pays of paid-lake").unwrap();
    assert_eq!(paid["level"], "warn");
    assert!(
        named(&checks, "requester pays of lake").is_none(),
        "{checks:#}"
    );
    env.run(&[&["verify", "--strict"][..], &both].concat())
        .code_is(1)
        .stderr_has("requester pays of paid-lake");
}

#[test]
fn without_kms_get_key_policy_the_key_policy_is_a_warning_not_a_failure() {
    let env = TestEnv::new();
    env.create_bucket("lake");
    let (_, key) = env.create_kms_key();
    env.put_bucket_kms("lake", &key);
    let (id, secret) = env.user_with_policy(
        "ci",
        &json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "*", "Resource": "*"},
            {"Effect": "Deny", "Action": "kms:GetKeyPolicy", "Resource": "*"}]}),
    );
    env.run(&["create", "--bucket", "lake", "--yes"]).ok();
    // moto checks every request against the caller's policies from here on.
    env.set_auth(true);
    let creds = [
        ("AWS_ACCESS_KEY_ID", id.as_str()),
        ("AWS_SECRET_ACCESS_KEY", secret.as_str()),
    ];
    let args = ["--bucket", "lake", "--output", "json"];
    let plan = env.run_with_env(&[&["plan", "--discover"][..], &args].concat(), &creds);
    let verify = env.run_with_env(&[&["verify"][..], &args].concat(), &creds);
    env.set_auth(false);
    plan.ok();
    let name = format!("key policy of {key}");
    let out = plan.json();
    let note = named(&out["notes"], &name).unwrap_or_else(|| panic!("{out:#}"));
    assert_eq!(note["level"], "warn");
    assert!(
        note["message"]
            .as_str()
            .unwrap()
            .contains("could not be read"),
        "{note}"
    );
    assert!(note["fix"]
        .as_str()
        .unwrap()
        .starts_with("let the caller call kms:GetKeyPolicy"));
    verify.ok();
    let checks = verify.json()["checks"].clone();
    assert_eq!(
        named(&checks, &name).unwrap()["level"],
        "warn",
        "{checks:#}"
    );
}
