//! Bad input, across every command: exit 2, one line naming the flag and the rule, and not a
//! single AWS request (counted at a proxy in front of a port where nothing listens).

use crate::support::NoAws;

const PRODUCTION: &str = "arn:aws:iam::597713067985:role/activeloop_backend";

/// Runs each case; asserts exit 2, an `error` first line naming `needle`, no panic or debug
/// dump, nothing on stdout, and no request sent.
#[track_caller]
fn all_refused(cases: &[(Vec<&str>, &str)]) {
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
        assert_eq!(
            aws.proxy.total(),
            0,
            "{args:?} sent {:?}",
            aws.proxy.requests()
        );
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
        (create(&["--output", "yaml"]), "--output"),
        (create(&["-v", "-q"]), "--quiet"),
        (create(&["--no-such-flag"]), "--no-such-flag"),
        (vec!["create", "--yes"], "--bucket"),
        (vec![], "--bucket"),
    ]);
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
    assert_eq!(aws.proxy.total(), 0);
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
    assert_eq!(aws.proxy.total(), 0);
}
