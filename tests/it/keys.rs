//! The access-key path (`--identity user`) against a real moto server: an IAM user with the
//! same least-privilege policy, one access key whose secret goes only to a new 0600 file (and
//! works: moto checks the signature and the policy), `rotate-key`, `verify` and `delete`; bad
//! input that creates nothing; a fault that rolls everything back. IAM is read back after
//! every run, and every captured output is searched for the secrets.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::{Duration, Instant};

// The SDK's own profile-file reader (its new name lives in aws-runtime, not a dependency).
#[allow(deprecated)]
use aws_config::profile::profile_file::{ProfileFileKind, ProfileFiles};
use aws_config::profile::ProfileFileCredentialsProvider;
use aws_sdk_iam::config::{Credentials, SharedCredentialsProvider};
use aws_sdk_s3::error::ProvideErrorMetadata;
use aws_sdk_s3::primitives::ByteStream;
use serde_json::{json, Value};

use crate::support::proxy::{Fault, Proxy, Times};
use crate::support::{lint_policy, run_cmd, Run, TestEnv};
use crate::usage::all_refused;

const USER: &str = "activeloop-deeplake-access";
const POLICY: &str = "activeloop-deeplake-access-user-s3-access";

/// The secret in a written key: ini, env or credential_process JSON.
fn secret_of(text: &str) -> String {
    if let Ok(doc) = serde_json::from_str::<Value>(text) {
        return doc["SecretAccessKey"]
            .as_str()
            .unwrap_or_default()
            .to_string();
    }
    text.lines()
        .find_map(|l| {
            l.strip_prefix("aws_secret_access_key = ")
                .or_else(|| l.strip_prefix("AWS_SECRET_ACCESS_KEY="))
        })
        .unwrap_or_else(|| panic!("no secret in {text:?}"))
        .to_string()
}

/// No secret in either stream of any run.
#[track_caller]
fn hidden(runs: &[&Run], secrets: &[&str]) {
    for run in runs {
        for secret in secrets {
            assert!(secret.len() >= 20, "a real secret: {secret:?}");
            assert!(
                !run.stdout.contains(secret) && !run.stderr.contains(secret),
                "a secret leaked: {run:?}"
            );
        }
    }
}

/// The `*.credentials` files in `dir`.
fn credential_files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".credentials"))
        .collect();
    names.sort();
    names
}

/// The S3 error code of a call signed as `client`.
fn s3_error<T, E: ProvideErrorMetadata>(result: Result<T, E>) -> Option<String> {
    result
        .err()
        .map(|e| e.code().unwrap_or("(no code)").to_string())
}

/// With moto checking every request, S3 calls signed by the profile in `file` do what the
/// policy grants (list, write and read under the prefix) and no more; the harness's own
/// credentials are refused, so the checks are real.
#[allow(deprecated)]
fn signs_as_granted(env: &TestEnv, file: &Path) {
    let files = ProfileFiles::builder()
        .with_file(ProfileFileKind::Credentials, file)
        .build();
    let provider = ProfileFileCredentialsProvider::builder()
        .profile_files(files)
        .profile_name(USER)
        .build();
    let sdk = crate::support::sdk_config(&env.endpoint(), crate::support::REGION)
        .into_builder()
        .credentials_provider(SharedCredentialsProvider::new(provider))
        .build();
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&sdk)
            .force_path_style(true)
            .build(),
    );
    let root = env.s3_with(Credentials::new(
        "testing", "testing", None, None, "harness",
    ));
    env.set_auth(true);
    let rt = &env.rt;
    let list = rt.block_on(
        s3.list_objects_v2()
            .bucket("lake")
            .prefix("projects/farm/")
            .send(),
    );
    let put = rt.block_on(
        s3.put_object()
            .bucket("lake")
            .key("projects/farm/cow.json")
            .body(ByteStream::from_static(b"moo"))
            .send(),
    );
    let get = rt.block_on(
        s3.get_object()
            .bucket("lake")
            .key("projects/farm/cow.json")
            .send(),
    );
    let outside = rt.block_on(
        s3.put_object()
            .bucket("lake")
            .key("other/pig.json")
            .body(ByteStream::from_static(b"oink"))
            .send(),
    );
    let other_bucket = rt.block_on(s3.list_objects_v2().bucket("other-lake").send());
    let harness = rt.block_on(root.list_buckets().send());
    env.set_auth(false);
    assert!(list.is_ok(), "{list:?}");
    assert!(put.is_ok(), "{put:?}");
    let body = rt.block_on(get.expect("get").body.collect()).unwrap();
    assert_eq!(body.into_bytes().as_ref(), b"moo");
    assert_eq!(s3_error(outside).as_deref(), Some("AccessDenied"));
    assert_eq!(s3_error(other_bucket).as_deref(), Some("AccessDenied"));
    assert_eq!(s3_error(harness).as_deref(), Some("InvalidAccessKeyId"));
}

/// The policy of the Lightly guide's case, done right: ListBucket on the bucket ARN limited by
/// `s3:prefix`, object actions on `BUCKET/PREFIX/*` only, nothing like `s3:*`.
fn prefix_policy_is_least_privilege(doc: &Value) {
    let statements = doc["Statement"].as_array().unwrap();
    let list = statements
        .iter()
        .find(|s| s["Action"] == json!(["s3:ListBucket"]))
        .expect("a ListBucket statement");
    assert_eq!(list["Resource"], json!(["arn:aws:s3:::lake"]));
    assert_eq!(
        list["Condition"],
        json!({"StringLike": {"s3:prefix": ["projects/farm/", "projects/farm/*"]}})
    );
    for st in statements {
        let text = st.to_string();
        assert!(!text.contains("s3:*"), "{st}");
        let object = st["Action"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a.as_str().unwrap().ends_with("Object"));
        if object {
            assert_eq!(st["Resource"], json!(["arn:aws:s3:::lake/projects/farm/*"]));
        }
    }
    assert!(
        lint_policy(doc).is_empty(),
        "parliament: {:?}",
        lint_policy(doc)
    );
}

#[test]
fn a_user_with_one_working_key_from_create_to_delete() {
    let env = TestEnv::new();
    env.create_bucket("lake");
    env.create_bucket("other-lake");
    let create = [
        "create",
        "--identity",
        "user",
        "--bucket",
        "lake/projects/farm",
        "--tag",
        "team=data",
        "--yes",
        "-v",
    ];
    let first = env.run(&create);
    first.ok();

    // IAM holds the user, tagged, with the policy and exactly one active key.
    let user = env.user(USER).expect("the user exists");
    assert_eq!(first.stdout.lines().last(), Some(user.arn()), "{first:?}");
    let tags = env.user_tags(USER);
    for tag in [("managed-by", "provision-role"), ("team", "data")] {
        assert!(
            tags.contains(&(tag.0.into(), tag.1.into())),
            "{tag:?} in {tags:?}"
        );
    }
    let attached = env.user_policies(USER);
    assert_eq!(
        attached.iter().map(|p| p.0.as_str()).collect::<Vec<_>>(),
        [POLICY]
    );
    prefix_policy_is_least_privilege(&env.policy_document(&attached[0].1));
    let keys = env.access_keys(USER);
    assert_eq!(keys.len(), 1, "{keys:?}");
    assert_eq!(keys[0].1, "Active");
    let first_id = keys[0].0.clone();

    // The key went to a new file named after it, readable by its owner only, as a profile.
    let file = env
        .home
        .path()
        .join(format!("{USER}-{first_id}.credentials"));
    let mode = std::fs::metadata(&file).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "{file:?}");
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.starts_with(&format!("[{USER}]\naws_access_key_id = {first_id}\n")));
    let first_secret = secret_of(&text);
    first
        .stderr_has(&first_id)
        .stderr_has("only copy of its secret");
    signs_as_granted(&env, &file);

    // A re-run makes no second key and writes nothing; it says why.
    let again = env.run(&create);
    again
        .ok()
        .stderr_has("cannot be shown again")
        .stderr_has("rotate-key");
    assert_eq!(env.access_keys(USER), keys);
    assert_eq!(credential_files(env.home.path()).len(), 1);

    // verify: the policies as for a role, and one active key.
    let verify = env.run(&[
        "verify",
        "--identity",
        "user",
        "--bucket",
        "lake/projects/farm",
        "--output",
        "json",
        "-v",
    ]);
    let report = verify.ok().json();
    assert_eq!(report["user_arn"], user.arn());
    assert_eq!(report["ok"], true, "{report:#}");
    let names: Vec<&str> = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"access keys"), "{names:?}");
    let keys_check = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "access keys")
        .unwrap();
    let detail = keys_check["detail"].as_str().unwrap();
    assert!(
        detail.contains(&format!("one active: {first_id} (active, created ")),
        "{detail}"
    );
    assert!(
        detail.contains("last used") && detail.contains("by s3"),
        "the signed calls count: {detail}"
    );
    assert!(!names.iter().any(|n| n.starts_with("trust")), "{names:?}");

    // rotate-key: a new active key in the file asked for; the old one deactivated.
    let rotate = env.run(&[
        "rotate-key",
        "--credentials-file",
        "rotated.env",
        "--credentials-format",
        "env",
        "-v",
    ]);
    rotate.ok();
    let text = std::fs::read_to_string(env.home.path().join("rotated.env")).unwrap();
    let second_secret = secret_of(&text);
    let second_id = text
        .lines()
        .find_map(|l| l.strip_prefix("AWS_ACCESS_KEY_ID="))
        .unwrap()
        .to_string();
    let mut now = env.access_keys(USER);
    now.sort_by_key(|k| k.0 != second_id);
    assert_eq!(
        now,
        [
            (second_id.clone(), "Active".to_string()),
            (first_id.clone(), "Inactive".to_string())
        ]
    );

    // A third key is refused before anything is written, naming the key to delete.
    let third = env.run(&["rotate-key", "--credentials-file", "third.ini"]);
    third
        .code_is(1)
        .stderr_has("already has 2 access keys")
        .stderr_has(&format!("({first_id})"))
        .stderr_has("rotate-key --finish");
    assert_eq!(env.access_keys(USER).len(), 2);
    assert!(!env.home.path().join("third.ini").exists());

    // `--finish` deletes the inactive key, and only it.
    let finish = env.run(&["rotate-key", "--finish", "--yes", "--output", "json"]);
    let out = finish.ok().json();
    assert_eq!(out["access_key"], Value::Null, "{out}");
    assert_eq!(
        out["old_keys"],
        json!([{"id": first_id, "action": "deleted"}])
    );
    assert_eq!(
        env.access_keys(USER),
        [(second_id.clone(), "Active".to_string())]
    );
    let again = env.run(&["rotate-key", "--finish", "--yes"]);
    again.ok().stderr_has("no inactive access key");
    assert_eq!(env.access_keys(USER).len(), 1);

    // With room again, `--old delete` leaves exactly the new key.
    let last = env.run(&[
        "rotate-key",
        "--old",
        "delete",
        "--credentials-file",
        "-",
        "--credentials-format",
        "json",
        "-v",
    ]);
    last.ok();
    let written: Value = serde_json::from_str(&last.stdout).expect("stdout is the key only");
    assert_eq!(written["Version"], 1);
    let third_id = written["AccessKeyId"].as_str().unwrap().to_string();
    let third_secret = secret_of(&last.stdout);
    assert_eq!(env.access_keys(USER), [(third_id, "Active".to_string())]);

    // delete: no user, key or policy is left.
    let delete = env.run(&["delete", "--identity", "user", "--yes", "-v"]);
    delete.ok();
    assert!(env.user(USER).is_none());
    assert!(env.user_names().is_empty());
    assert!(env.policy_names().is_empty(), "{:?}", env.policy_names());

    // No secret on stdout or stderr of any run, -v included (but where `-` asked for it).
    let secrets = [
        first_secret.as_str(),
        second_secret.as_str(),
        third_secret.as_str(),
    ];
    hidden(
        &[&first, &again, &verify, &rotate, &third, &delete],
        &secrets,
    );
    let last_stderr = Run {
        stdout: String::new(),
        ..last.clone()
    };
    hidden(&[&last_stderr], &secrets);
}

/// `--output json` gives the key id, the user ARN and the file, never the secret; `plan`
/// shows the user offline, with no trust policy.
#[test]
fn json_and_plan_name_the_key_not_its_secret() {
    let env = TestEnv::new();
    env.create_bucket("lake");
    let plan = run_cmd(crate::support::offline_cmd().args([
        "plan",
        "--identity",
        "user",
        "--bucket",
        "lake/projects/farm",
        "--output",
        "json",
    ]));
    let plan = plan.ok().json();
    assert_eq!(plan["user_name"], USER);
    assert_eq!(plan["user_arn"], Value::Null);
    assert!(plan.get("trust_policy").is_none(), "{plan:#}");
    let changes: Vec<&str> = plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["resource"].as_str().unwrap())
        .collect();
    assert_eq!(
        changes,
        [
            format!("policy/{POLICY}"),
            format!("user/{USER}"),
            format!("user-attachment/{USER}/{POLICY}"),
            format!("access-key/{USER}"),
        ]
    );
    let run = env.run(&[
        "create",
        "--identity",
        "user",
        "--bucket",
        "lake/projects/farm",
        "--credentials-file",
        "key.json",
        "--credentials-format",
        "json",
        "--yes",
        "--output",
        "json",
    ]);
    let doc = run.ok().json();
    let key = &doc["access_key"];
    let id = env.access_keys(USER)[0].0.clone();
    assert_eq!(key["id"], id);
    assert_eq!(key["created"], true);
    assert_eq!(key["credentials_file"], "key.json");
    assert_eq!(key["credentials_format"], "json");
    assert_eq!(doc["user_arn"], env.user(USER).unwrap().arn());
    let secret = secret_of(&std::fs::read_to_string(env.home.path().join("key.json")).unwrap());
    hidden(&[&run], &[&secret]);
}

/// Bad input exits 2 before any request: role-only flags with a user, a user name without
/// `--identity user`, key flags for a role, stdout claimed twice, a path that cannot be
/// written, an existing file for rotate-key, a template with a secret.
#[test]
fn bad_user_input_sends_no_request() {
    let dir = tempfile::TempDir::new().unwrap();
    let taken = dir.path().join("taken.ini");
    std::fs::write(&taken, "not ours").unwrap();
    let plain = dir.path().join("plain-file");
    std::fs::write(&plain, "x").unwrap();
    let missing = dir.path().join("no-such-dir").join("k.ini");
    let under_file = plain.join("k.ini");
    let s = |p: &Path| p.to_str().unwrap().to_string().leak() as &str;
    let user = |more: &[&'static str]| {
        let mut args = vec!["create", "--identity", "user", "--bucket", "b-1", "--yes"];
        args.extend(more);
        args
    };
    all_refused(&[
        (user(&["--trust-dev"]), "--trust-dev applies to a role"),
        (
            user(&["--principal", "arn:aws:iam::123456789012:root"]),
            "--principal",
        ),
        (user(&["--external-id", "abc-123"]), "--external-id"),
        (
            user(&["--max-session-duration", "2h"]),
            "--max-session-duration",
        ),
        (user(&["--role-name", "r"]), "--user-name"),
        (user(&["--description", "d"]), "--description"),
        (user(&["--user-name", "has space"]), "--user-name"),
        (
            vec!["create", "--bucket", "b-1", "--yes", "--user-name", "u"],
            "add --identity user",
        ),
        (
            vec![
                "create",
                "--bucket",
                "b-1",
                "--yes",
                "--credentials-file",
                "k",
            ],
            "a role has no key",
        ),
        (user(&["--credentials-file", s(&missing)]), "does not exist"),
        (
            user(&["--credentials-file", s(&under_file)]),
            "does not exist",
        ),
        (
            user(&["--credentials-file", s(dir.path())]),
            "is a directory",
        ),
        (
            vec!["rotate-key", "--credentials-file", s(&taken)],
            "already exists",
        ),
        (
            vec!["rotate-key", "--credentials-file", s(&missing)],
            "does not exist",
        ),
        (vec!["rotate-key", "--old", "shred"], "--old"),
        (
            vec!["rotate-key", "--finish", "--old", "delete"],
            "--finish",
        ),
        (
            vec!["rotate-key", "--finish", "--credentials-file", "k.ini"],
            "--finish",
        ),
        (
            vec![
                "export",
                "--format",
                "terraform",
                "--identity",
                "user",
                "--bucket",
                "b-1",
            ],
            "a secret does not belong in a template",
        ),
        (
            vec!["verify", "--identity", "user", "--external-id", "abc-123"],
            "--external-id",
        ),
        (
            vec!["delete", "--identity", "user", "--role-name", "r", "--yes"],
            "--role-name",
        ),
    ]);
    assert_eq!(std::fs::read_to_string(&taken).unwrap(), "not ours");
    // stdout cannot hold the key and the JSON report: refused, the error as the one document.
    let aws = crate::support::NoAws::new();
    let run = aws.run(&user(&["--credentials-file", "-", "--output", "json"]));
    run.code_is(2);
    let message = run.json()["error"]["message"].as_str().unwrap().to_string();
    assert!(message.contains("--credentials-file -"), "{message}");
    aws.assert_untouched("--credentials-file - --output json");
}

/// A credentials file that exists is never overwritten: the run stops before any write (it has
/// only read the account) and creates nothing.
#[test]
fn an_existing_credentials_file_stops_the_run_with_nothing_created() {
    let env = TestEnv::new();
    env.create_bucket("lake");
    let taken = env.home.path().join("taken.ini");
    std::fs::write(&taken, "someone else's").unwrap();
    let before = env.iam_state();
    let run = env.run(&[
        "create",
        "--identity",
        "user",
        "--bucket",
        "lake",
        "--credentials-file",
        "taken.ini",
        "--yes",
    ]);
    run.code_is(2)
        .stderr_has("already exists")
        .stderr_has("never overwrites");
    assert_eq!(env.iam_state(), before);
    assert_eq!(std::fs::read_to_string(&taken).unwrap(), "someone else's");
}

/// Faults at the key: refused (nothing made), or made but its file could not be written (the
/// key is deleted again), or its answer lost (the key moto made is found and deleted). Each
/// time the user and policy are rolled back too, and no key or file is left.
#[test]
fn a_fault_at_the_key_rolls_back_the_user_and_policy() {
    let args = [
        "create",
        "--identity",
        "user",
        "--bucket",
        "lake",
        "--credentials-file",
        "k.ini",
        "--yes",
        "--timeout",
        "6",
    ];
    for fault in [
        Fault::access_denied("injected by the test proxy"),
        Fault::DropResponse,
    ] {
        let env = TestEnv::new();
        env.create_bucket("lake");
        let before = env.iam_state();
        let proxy = Proxy::start(env.moto.port());
        proxy.inject("iam:CreateAccessKey", fault.clone(), Times::Once);
        let run = env.run_via(&proxy, &args);
        run.code_is(1).stderr_has("rolled back");
        assert_eq!(
            proxy.count("iam:CreateAccessKey"),
            1,
            "never retried: {run:?}"
        );
        assert_eq!(env.iam_state(), before, "{fault:?}: {run:?}");
        assert!(env.user_names().is_empty());
        assert!(!env.home.path().join("k.ini").exists());
    }
}

/// The file is taken while the key is being made: writing it fails, so the key — whose secret
/// nobody has — is deleted, with the user and policy.
#[test]
fn a_key_that_cannot_be_written_is_deleted() {
    let env = TestEnv::new();
    env.create_bucket("lake");
    let before = env.iam_state();
    let proxy = Proxy::start(env.moto.port());
    proxy.inject(
        "iam:CreateAccessKey",
        Fault::Delay(Duration::from_secs(2)),
        Times::Once,
    );
    let mut cmd = env.cmd();
    cmd.env("AWS_ENDPOINT_URL", proxy.endpoint()).args([
        "create",
        "--identity",
        "user",
        "--bucket",
        "lake",
        "--credentials-file",
        "k.ini",
        "--yes",
    ]);
    let path = env.home.path().join("k.ini");
    let taker = {
        let path = path.clone();
        let deadline = Instant::now() + Duration::from_secs(60);
        let proxy = &proxy;
        std::thread::scope(|scope| {
            let take = scope.spawn(move || {
                while proxy.count("iam:CreateAccessKey") == 0 && Instant::now() < deadline {
                    std::thread::sleep(Duration::from_millis(20));
                }
                std::fs::write(&path, "taken meanwhile").unwrap();
            });
            let run = run_cmd(&mut cmd);
            take.join().unwrap();
            run
        })
    };
    taker.code_is(1).stderr_has("rolled back");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "taken meanwhile");
    assert_eq!(env.iam_state(), before, "{taker:?}");
}

/// A user provision-role did not make is not its to change: `create` refuses it (without
/// `--adopt`), and `rotate-key` and `delete` leave it and its key alone.
#[test]
fn a_user_the_tool_did_not_make_is_left_alone() {
    let env = TestEnv::new();
    env.create_bucket("lake");
    env.rt
        .block_on(env.iam.create_user().user_name(USER).send())
        .unwrap();
    env.rt
        .block_on(env.iam.create_access_key().user_name(USER).send())
        .unwrap();
    let before = env.iam_state();
    let create = env.run(&["create", "--identity", "user", "--bucket", "lake", "--yes"]);
    create
        .code_is(1)
        .stderr_has("was not created by provision-role");
    let rotate = env.run(&["rotate-key", "--credentials-file", "k.ini"]);
    rotate
        .code_is(1)
        .stderr_has("not the tool's to rotate")
        .stderr_has("nothing was changed");
    let finish = env.run(&["rotate-key", "--finish", "--yes"]);
    finish
        .code_is(1)
        .stderr_has("not the tool's to rotate or delete");
    let delete = env.run(&["delete", "--identity", "user", "--yes"]);
    delete
        .code_is(1)
        .stderr_has("was not created by provision-role");
    assert_eq!(env.iam_state(), before);
    assert!(credential_files(env.home.path()).is_empty());
    assert!(!env.home.path().join("k.ini").exists());
}
