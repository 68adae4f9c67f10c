//! Bad input, across every command: exit 2, one line naming the flag and the rule, and not a
//! single AWS request, not even a connection (counted at a proxy in front of a port where nothing
//! listens).

use crate::support::NoAws;

const PRODUCTION: &str = "arn:aws:iam::597713067985:role/activeloop_backend";

/// Runs each case; asserts exit 2, an `error` first line naming `needle`, no panic or debug
/// dump, nothing on stdout, and no connection made.
#[track_caller]
pub(crate) fn all_refused(cases: &[(Vec<&str>, &str)]) {
    let aws = NoAws::new();
    for (args, needle) in cases {
        let run = aws.run(args);
        assert_eq!(run.code, 2, "{args:?}: {run:?}");
        assert!(
            run.stderr.contains(needle),
            "{args:?} should name {needle}: {run:?}"
        );
        let first = run.stderr.lines().next().unwrap_or_default();
        assert!(first.starts_with("error"), "{args:?}: {run:?}");
        for dump in ["panicked", "Error {", " { "] {
            assert!(!run.stderr.contains(dump), "{args:?}: {run:?}");
        }
        assert!(run.stdout.is_empty(), "{args:?}: {run:?}");
        aws.assert_untouched(args);
    }
}

fn create(more: &[&'static str]) -> Vec<&'static str> {
    let mut args = vec!["create", "--yes", "--bucket", "good-bucket"];
    args.extend(more);
    args
}

#[test]
fn create_flags() {
    let long_role = "r".repeat(65).leak() as &str;
    all_refused(&[
        (
            vec!["create", "--yes", "--bucket", "Bad_Bucket"],
            "--bucket",
        ),
        (vec!["create", "--yes", "--bucket", "ab"], "--bucket"),
        (
            vec!["create", "--yes", "--bucket=-leading-dash"],
            "--bucket",
        ),
        (
            vec!["create", "--yes", "--bucket", "192.168.0.1"],
            "--bucket",
        ),
        (
            vec!["create", "--yes", "--bucket", "good-bucket/data*"],
            "wildcard",
        ),
        (
            vec!["create", "--yes", "--bucket", "good-bucket//abs"],
            "--bucket",
        ),
        (
            vec!["create", "--yes", "--bucket", "good-bucket/"],
            "--bucket",
        ),
        (vec!["create", "--yes", "--bucket", "b-1/x//"], "'//'"),
        (vec!["create", "--yes", "--bucket", "b-1/日本語"], "U+65E5"),
        (
            vec!["create", "--yes", "--bucket", "b-1/rocket🚀"],
            "--bucket",
        ),
        (
            vec!["create", "--yes", "--bucket", "b-1/evil\u{202e}txt"],
            "U+202E",
        ),
        (
            vec!["create", "--yes", "--bucket", "b-1/zero\u{200b}width"],
            "U+200B",
        ),
        (create(&["--role-name", long_role]), "--role-name"),
        (create(&["--role-name", "has space"]), "--role-name"),
        (create(&["--policy-name", "bad/name"]), "--policy-name"),
        (create(&["--policy-name", "p-3"]), "--policy-name"),
        (create(&["--access", "admin"]), "--access"),
        (create(&["--principal", "123456789012"]), "--principal"),
        (
            create(&["--principal", "arn:aws:iam::597713067985:role/*"]),
            "--principal",
        ),
        (
            create(&["--principal", "arn:aws:iam::597713067985:role/has space/x"]),
            "--principal",
        ),
        (
            create(&["--principal", "arn:aws:iam::597713067985:role/a//x"]),
            "--principal",
        ),
        (
            create(&["--principal", "arn:aws:iam::597713067985:role/\"q\"/x"]),
            "--principal",
        ),
        (
            create(&["--trust-dev", "--principal", PRODUCTION]),
            "--trust-dev",
        ),
        (create(&["--external-id", ""]), "--external-id"),
        (create(&["--external-id", "has space"]), "--external-id"),
        (create(&["--kms", "not-a-key"]), "--kms"),
        (create(&["--kms", "off", "--kms", "auto"]), "--kms"),
        (
            create(&["--kms", "arn:aws:kms:us-east-1:123:key/x"]),
            "--kms",
        ),
        (create(&["--description", "emoji 🚀"]), "--description"),
        (create(&["--endpoint-url", "not a url"]), "--endpoint-url"),
        (create(&["--region", "Not_A_Region"]), "--region"),
        (create(&["--timeout", "0"]), "--timeout"),
        (
            create(&["--permissions-boundary", "arn:aws:iam::123456789012:role/x"]),
            "--permissions-boundary",
        ),
        (
            create(&["--permissions-boundary", "boundary"]),
            "--permissions-boundary",
        ),
        (create(&["--path", "deeplake"]), "--path"),
        (create(&["--path", "/deep lake/"]), "--path"),
        (create(&["--tag", "managed-by=me"]), "--tag"),
        (create(&["--tag", "aws:x=y"]), "--tag"),
        (create(&["--tag", "novalue"]), "--tag"),
        (create(&["--tag", "a=1", "--tag", "A=2"]), "--tag"),
        (
            create(&["--max-session-duration", "13h"]),
            "--max-session-duration",
        ),
        (
            create(&["--max-session-duration", "3599"]),
            "--max-session-duration",
        ),
        (create(&["--cors-origin", "a b"]), "--cors-origin"),
        (
            create(&["--cors-origin", "*.*.example.com"]),
            "one wildcard",
        ),
        (
            create(&["--cors-origin", "a.example,b.example"]),
            "--cors-origin",
        ),
        (create(&["--output", "yaml"]), "--output"),
        (create(&["-v", "-q"]), "--quiet"),
        (create(&["--no-such-flag"]), "--no-such-flag"),
        (vec!["create", "--yes"], "--bucket"),
        (vec![], "--bucket"),
    ]);
}

#[test]
fn fifty_one_tags_are_refused() {
    let tags: Vec<String> = (0..50).map(|i| format!("--tag=k{i}=v")).collect();
    let mut args = vec!["create", "--yes", "--bucket", "good-bucket"];
    args.extend(tags.iter().map(String::as_str));
    let long: Vec<String> = (0..4)
        .map(|i| format!("--tag={}{i}=v", "k".repeat(60)))
        .collect();
    let mut too_long = vec!["create", "--yes", "--bucket", "good-bucket"];
    too_long.extend(long.iter().map(String::as_str));
    all_refused(&[(args, "at most 49"), (too_long, "too long in all")]);
}

#[test]
fn other_commands() {
    all_refused(&[
        (vec!["plan", "--bucket", "Bad_Bucket"], "--bucket"),
        (vec!["plan"], "--bucket"),
        (
            vec!["plan", "--bucket", "good-bucket", "--kms", "alias/data"],
            "--kms alias/data",
        ),
        (vec!["plan", "--bucket", "good-bucket", "--yes"], "--yes"),
        (vec!["verify", "--role-name", "has space"], "--role-name"),
        (vec!["verify", "--bucket", "x"], "--bucket"),
        (
            vec!["verify", "--principal", "arn:aws:s3:::bucket"],
            "--principal",
        ),
        (vec!["verify", "--external-id", "x"], "--external-id"),
        (vec!["verify", "--access", "everything"], "--access"),
        (vec!["verify", "--cors-origin", "a b"], "--cors-origin"),
        (vec!["verify", "--kms", "not-a-key"], "--kms"),
        (vec!["verify", "--tag", "a=1", "--tag", "A=2"], "--tag"),
        (vec!["delete", "--role-name", ""], "--role-name"),
        (vec!["delete"], "--yes"),
        (vec!["completions", "cmd.exe"], "cmd.exe"),
        (vec!["schema", "nothing"], "nothing"),
        (vec!["frobnicate"], "frobnicate"),
        (
            vec!["--bucket", "good-bucket", "plan"],
            "after the subcommand",
        ),
    ]);
}

fn export<'a>(more: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "export",
        "--format",
        "cloudformation",
        "--bucket",
        "good-bucket",
    ];
    args.extend(more);
    args
}

/// `export`: a bad or missing format, and an `-o` that cannot be written, are refused before
/// anything is read (also with `--discover`), and no file or directory is made.
#[test]
fn export_flags() {
    let dir = tempfile::TempDir::new().unwrap();
    let missing = dir.path().join("no-such-dir").join("role.yaml");
    let (missing_arg, dir_arg) = (missing.to_str().unwrap(), dir.path().to_str().unwrap());
    all_refused(&[
        (
            vec!["export", "--format", "yaml", "--bucket", "good-bucket"],
            "--format",
        ),
        (vec!["export", "--bucket", "good-bucket"], "--format"),
        (vec!["export", "--format", "terraform"], "--bucket"),
        (export(&["-o", missing_arg]), "does not exist"),
        (
            export(&["--discover", "--output-file", missing_arg]),
            "does not exist",
        ),
        (export(&["-o", dir_arg]), "is a directory"),
        (export(&["--kms", "alias/data"]), "--kms alias/data"),
        (export(&["--path", "deeplake"]), "--path"),
        (
            export(&["--max-session-duration", "13h"]),
            "--max-session-duration",
        ),
        (export(&["--tag", "managed-by=me"]), "--tag"),
        (export(&["--cors"]), "export cannot carry --cors"),
    ]);
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert!(left.is_empty(), "nothing is written: {left:?}");
}

/// Without a terminal, a missing `--bucket` says the wizard needs one and shows the flag form.
#[test]
fn no_terminal_explains_the_wizard_needs_one() {
    let aws = NoAws::new();
    let run = aws.run(&[]);
    run.code_is(2)
        .stderr_has("needs a terminal")
        .stderr_has("provision-role create --bucket my-data --yes");
    aws.assert_untouched("provision-role");
}

/// With `--output json`, even a command line clap rejects gives one JSON document on stdout,
/// and one line on stderr.
#[test]
fn json_mode_parse_errors_are_one_document() {
    let aws = NoAws::new();
    for args in [
        vec!["plan", "--bucket", "Bad_Bucket", "--output", "json"],
        vec!["--output=json", "create", "--no-such-flag"],
        vec!["--output", "json", "verify", "--access", "everything"],
        export(&["--output", "json"]),
    ] {
        let run = aws.run(&args);
        assert_eq!(run.code, 2, "{args:?}: {run:?}");
        let doc = run.json();
        assert_eq!(doc["error"]["exit_code"], 2, "{doc}");
        let message = doc["error"]["message"].as_str().unwrap_or_default();
        assert!(!message.is_empty() && !message.contains('\n'), "{doc}");
        assert_eq!(run.stderr.trim().lines().count(), 1, "{run:?}");
    }
    aws.assert_untouched("a rejected --output json command line");
}

/// Input that cannot fit IAM's limits in any case is refused before the first request.
#[test]
fn a_thousand_buckets_are_refused_before_any_request() {
    let aws = NoAws::new();
    let buckets: Vec<String> = (0..1000)
        .map(|i| format!("--bucket=bucket-number-{i:04}"))
        .collect();
    for command in ["create", "plan"] {
        let mut args = vec![command];
        args.extend(buckets.iter().map(String::as_str));
        let run = aws.run(&args);
        run.code_is(2)
            .stderr_has("--bucket")
            .stderr_has("of the 1000 --bucket values fit in one role");
    }
    aws.assert_untouched("a thousand buckets");
}

/// Credentials and reachability problems: one line saying what to do, no SDK internals, and a
/// credential helper's output never repeated (not even with -v).
#[test]
fn errors_say_what_to_do_in_one_line() {
    let home = tempfile::tempdir().unwrap();
    let config = home.path().join("config");
    std::fs::write(
        &config,
        "[profile helper]\n\
         credential_process = sh -c \"echo secret-token-xyz >&2; exit 3\"\n\
         [profile ssox]\n\
         sso_start_url = https://example.awsapps.com/start\n\
         sso_region = us-east-1\n\
         sso_account_id = 123456789012\n\
         sso_role_name = r\n",
    )
    .unwrap();
    let dead = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let endpoint = format!("http://127.0.0.1:{dead}");
    let cases: Vec<(Vec<&str>, bool, String)> = vec![
        (vec![], false, "no AWS credentials were found".into()),
        (
            vec!["--profile", "nope"],
            false,
            "profile nope is not in ~/.aws/config".into(),
        ),
        (
            vec!["--profile", "helper", "-v"],
            false,
            "credential_process of profile helper failed".into(),
        ),
        (
            vec!["--profile", "ssox"],
            false,
            "run `aws sso login --profile ssox`".into(),
        ),
        (
            vec![],
            true,
            format!("cannot reach {endpoint}: connection refused"),
        ),
    ];
    for (extra, keys, needle) in &cases {
        let mut cmd = crate::support::offline_cmd();
        cmd.env("AWS_CONFIG_FILE", &config)
            .env("AWS_ENDPOINT_URL", &endpoint)
            .env("AWS_REGION", "us-east-1");
        if *keys {
            cmd.env("AWS_ACCESS_KEY_ID", "testing")
                .env("AWS_SECRET_ACCESS_KEY", "testing");
        }
        cmd.args(["create", "--bucket", "b-1", "--yes", "--timeout", "10"])
            .args(extra);
        let run = crate::support::run_cmd(&mut cmd);
        run.code_is(1).stderr_has(needle);
        let all = format!("{}{}", run.stdout, run.stderr);
        assert!(
            !all.contains("secret-token-xyz"),
            "the helper's output leaked: {run:?}"
        );
        for internal in ["DispatchFailure", "SdkBody", "hyper", "ConnectorError"] {
            assert!(!all.contains(internal), "{internal}: {run:?}");
        }
        if !extra.contains(&"-v") {
            assert_eq!(run.stderr.lines().count(), 1, "{run:?}");
        }
    }
}
