//! Every `--output json` document the commands print validates against the JSON Schema that
//! `provision-role schema` publishes (checked with Python's jsonschema).

use serde_json::Value;

use crate::support::{offline_cmd, run_cmd, schema_violations, TestEnv};

fn schema(command: &str) -> Value {
    let run = run_cmd(offline_cmd().args(["schema", command]));
    run.ok();
    run.json()
}

#[track_caller]
fn valid(command: &str, doc: &Value) {
    let problems = schema_violations(&schema(command), doc);
    assert!(problems.is_empty(), "{command}: {problems:#?}\n{doc:#}");
    let all = run_cmd(offline_cmd().arg("schema")).json();
    let problems = schema_violations(&all, doc);
    assert!(problems.is_empty(), "all: {problems:#?}\n{doc:#}");
}

#[test]
fn real_outputs_validate_against_the_published_schema() {
    let env = TestEnv::new();
    let (_, key_arn) = env.create_kms_key();
    env.create_bucket("schema-data");
    env.put_bucket_kms("schema-data", &key_arn);
    let plan = run_cmd(offline_cmd().args(["plan", "--bucket", "b-1/p", "--output", "json"]));
    valid("plan", &plan.ok().json());
    let create = [
        "create",
        "--bucket",
        "schema-data",
        "--yes",
        "--output",
        "json",
    ];
    valid("create", &env.run(&create).ok().json());
    let again = env.run(&create);
    valid("create", &again.ok().json());
    let passing = env.run(&["verify", "--output", "json"]);
    valid("verify", &passing.ok().json());
    let failing = env.run(&["verify", "--bucket", "other-data", "--output", "json"]);
    valid("verify", &failing.code_is(1).json());
    let dry = env.run(&["delete", "--dry-run", "--output", "json"]);
    valid("delete", &dry.ok().json());
    let refused = env.run(&[
        "create",
        "--bucket",
        "no-such-bucket-x",
        "--yes",
        "--output",
        "json",
    ]);
    valid("error", &refused.code_is(1).json());
    let usage = run_cmd(offline_cmd().args(["plan", "--bucket", "B", "--output", "json"]));
    valid("error", &usage.code_is(2).json());
}

/// The user path's documents: plan and create with `--identity user`, its verify and delete,
/// and rotate-key.
#[test]
fn user_outputs_validate_against_the_published_schema() {
    let env = TestEnv::new();
    env.create_bucket("schema-user");
    fn with<'a>(args: &[&'a str]) -> Vec<&'a str> {
        [args, &["--identity", "user", "--output", "json"][..]].concat()
    }
    let plan = run_cmd(offline_cmd().args(with(&["plan", "--bucket", "schema-user"])));
    valid("plan", &plan.ok().json());
    let create = with(&["create", "--bucket", "schema-user", "--yes"]);
    valid("create", &env.run(&create).ok().json());
    valid("create", &env.run(&create).ok().json());
    valid("verify", &env.run(&with(&["verify"])).ok().json());
    let rotate = ["rotate-key", "--output", "json"];
    valid("rotate-key", &env.run(&rotate).ok().json());
    let refused = env.run(&rotate);
    valid("error", &refused.code_is(1).json());
    valid("delete", &env.run(&with(&["delete", "--yes"])).ok().json());
    let gone = env.run(&with(&["verify"]));
    valid("verify", &gone.code_is(1).json());
}

#[test]
fn the_schema_rejects_what_the_tool_never_prints() {
    let plan = schema("plan");
    let wrong = serde_json::json!({"role_name": 5});
    assert!(!schema_violations(&plan, &wrong).is_empty());
}
