//! Snapshots (insta) of what people and programs read: `--help` of every command, the man
//! page, the JSON Schema, offline plans as text and JSON, and the JSON that create, verify and
//! delete print against moto. Under CI a missing or changed snapshot fails; locally,
//! `INSTA_UPDATE=always cargo test` rewrites them for review in `git diff`.

use crate::support::{offline_cmd, run_cmd, Run, TestEnv};

fn offline(args: &[&str]) -> Run {
    let run = run_cmd(offline_cmd().args(args));
    run.ok();
    run
}

/// KMS key ids and times vary from run to run; account ids do not (moto's is fixed).
fn filtered(f: impl FnOnce()) {
    insta::with_settings!({filters => vec![
        (r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "[KEY-ID]"),
        (r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", "[TIME]"),
        (r"(created|used) \d{4}-\d\d-\d\d", "$1 [DATE]"),
        (r"AKIA[A-Z0-9]{16}", "[ACCESS-KEY-ID]"),
    ]}, { f() });
}

#[test]
fn help_of_every_command() {
    for command in [
        "",
        "create",
        "plan",
        "verify",
        "delete",
        "rotate-key",
        "export",
        "completions",
        "man",
        "schema",
    ] {
        let mut args: Vec<&str> = command.split_whitespace().collect();
        args.push("--help");
        let run = offline(&args);
        let name = if command.is_empty() { "root" } else { command };
        insta::assert_snapshot!(format!("help_{name}"), run.stdout);
    }
}

#[test]
fn man_page() {
    let page = offline(&["man"]).stdout;
    assert!(
        page.starts_with(".ie \\n(.g .ds Aq") || page.contains(".TH provision-role"),
        "{page}"
    );
    for sub in [
        "provision-role-plan",
        "provision-role-verify",
        "provision-role-delete",
    ] {
        assert!(page.contains(sub), "the page documents {sub}");
    }
    insta::assert_snapshot!(page);
}

#[test]
fn json_schema() {
    let schema: serde_json::Value =
        serde_json::from_str(&offline(&["schema"]).stdout).expect("the schema is JSON");
    insta::assert_json_snapshot!(schema);
}

#[test]
fn offline_plans() {
    let json = offline(&[
        "plan",
        "--bucket",
        "my-data",
        "--bucket",
        "raw/datasets/v1",
        "--output",
        "json",
    ]);
    insta::assert_snapshot!("plan_two_buckets_json", json.stdout);
    let text = offline(&[
        "plan",
        "--bucket",
        "my-data",
        "--access",
        "read-only",
        "--trust-dev",
        "--external-id",
        "ext-123",
        "--kms",
        "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    ]);
    insta::assert_snapshot!(
        "plan_read_only_text",
        format!(
            "--- stdout ---\n{}--- stderr ---\n{}",
            text.stdout, text.stderr
        )
    );
}

/// The Lightly guide's case as a user: one folder of one bucket, offline.
#[test]
fn offline_user_plan() {
    let text = offline(&[
        "plan",
        "--identity",
        "user",
        "--bucket",
        "datalake/projects/farm-animals",
    ]);
    insta::assert_snapshot!(
        "plan_user_text",
        format!(
            "--- stdout ---\n{}--- stderr ---\n{}",
            text.stdout, text.stderr
        )
    );
}

/// One template of each format, with every guardrail, an external ID and an explicit KMS key
/// (what they deploy to is checked against IAM in `export.rs`).
#[test]
fn exports() {
    let mut args = vec![
        "export",
        "--external-id",
        "xid-1",
        "--path",
        "/deeplake/",
        "--tag",
        "team=data",
        "--max-session-duration",
        "12h",
        "--permissions-boundary",
        "arn:aws:iam::123456789012:policy/boundary",
        "--kms",
        "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        "--bucket",
        "my-data",
        "--bucket",
        "raw/datasets/v1",
    ];
    let cloudformation = offline(&[args.as_slice(), &["--format", "cloudformation"]].concat());
    insta::assert_snapshot!("export_cloudformation", cloudformation.stdout);
    args.extend(["--access", "read-only", "--format", "terraform"]);
    insta::assert_snapshot!("export_terraform", offline(&args).stdout);
}

#[test]
fn json_of_create_verify_and_delete() {
    let env = TestEnv::new();
    let (_, key_arn) = env.create_kms_key();
    env.create_bucket("snap-plain");
    env.create_bucket("snap-kms");
    env.put_bucket_kms("snap-kms", &key_arn);
    let buckets = ["--bucket", "snap-plain", "--bucket", "snap-kms/datasets"];
    let mut create = vec![
        "create",
        "--yes",
        "--output",
        "json",
        "--external-id",
        "xid-1",
    ];
    create.extend(buckets);
    let created = env.run(&create);
    created.ok();
    let mut verify = vec!["verify", "--output", "json", "--external-id", "xid-1"];
    verify.extend(buckets);
    let verified = env.run(&verify);
    verified.ok();
    let deleted = env.run(&["delete", "--yes", "--output", "json"]);
    deleted.ok();
    filtered(|| {
        insta::assert_snapshot!("create_json", created.stdout);
        insta::assert_snapshot!("verify_json", verified.stdout);
        insta::assert_snapshot!("delete_json", deleted.stdout);
    });
}

#[test]
fn json_of_the_user_path() {
    let env = TestEnv::new();
    env.create_bucket("snap-user");
    let run = |args: &[&str]| {
        let run = env.run(args);
        run.ok();
        run.stdout
    };
    let user = ["--identity", "user"];
    let created = run(&[
        &[
            "create",
            "--yes",
            "--output",
            "json",
            "--bucket",
            "snap-user/lake",
        ][..],
        &user,
        &["--credentials-file", "key.ini"],
    ]
    .concat());
    let verified = run(&[&["verify", "--output", "json"][..], &user].concat());
    let rotated = run(&[
        "rotate-key",
        "--output",
        "json",
        "--credentials-file",
        "new.ini",
    ]);
    let deleted = run(&[&["delete", "--yes", "--output", "json"][..], &user].concat());
    filtered(|| {
        insta::assert_snapshot!("create_user_json", created);
        insta::assert_snapshot!("verify_user_json", verified);
        insta::assert_snapshot!("rotate_key_json", rotated);
        insta::assert_snapshot!("delete_user_json", deleted);
    });
}
