//! `export`: the CloudFormation template, deployed to moto's CloudFormation, and the Terraform,
//! parsed with python-hcl2, hold exactly the role, guardrails and documents that `create`
//! writes to IAM for the same flags (read back from IAM), and `verify` passes on the stack's
//! role. Offline exports send no request; templates are clean under cfn-lint.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::{json, Value};
use tempfile::TempDir;

use crate::support::python::{cfn_lint, parse_terraform};
use crate::support::{NoAws, Run, TestEnv, MOTO_ACCOUNT};

const ROLE: &str = "deeplake-export";
const BOUNDARY: &str = "deeplake-boundary";
/// Quotes, interpolation look-alikes, a backslash and a Latin-1 letter: every template quoting
/// rule at once.
const DESCRIPTION: &str = r#"Deep Lake "export" test: ${not-a-var} %{x} \ café"#;

fn boundary_arn() -> String {
    format!("arn:aws:iam::{MOTO_ACCOUNT}:policy/{BOUNDARY}")
}

/// `--bucket` values: a whole bucket, a prefix, and `more` generated buckets (120 need
/// several policies).
fn scopes(more: usize) -> Vec<String> {
    let mut out = vec!["exp-data".to_string(), "exp-raw/datasets/v1".to_string()];
    out.extend((0..more).map(|i| format!("exp-bulk-{i:03}")));
    out
}

fn bucket_flags(scopes: &[String]) -> Vec<String> {
    scopes
        .iter()
        .flat_map(|s| ["--bucket".to_string(), s.clone()])
        .collect()
}

/// The guardrail flags every test here uses.
fn guardrail_flags() -> Vec<String> {
    [
        "--path",
        "/deeplake/",
        "--tag",
        "team=data",
        "--tag",
        "cost-center=42",
        "--max-session-duration",
        "12h",
        "--permissions-boundary",
        &boundary_arn(),
    ]
    .map(str::to_string)
    .to_vec()
}

/// What `export`, `plan` and `create` are all given.
fn role_flags(role: &str, external_id: &str, scopes: &[String]) -> Vec<String> {
    let mut flags: Vec<String> = [
        "--role-name",
        role,
        "--external-id",
        external_id,
        "--description",
        DESCRIPTION,
    ]
    .map(str::to_string)
    .to_vec();
    flags.extend(guardrail_flags());
    flags.extend(bucket_flags(scopes));
    flags
}

fn args<'a>(head: &[&'a str], rest: &'a [String]) -> Vec<&'a str> {
    head.iter()
        .copied()
        .chain(rest.iter().map(String::as_str))
        .collect()
}

/// Exports offline into `file`, proving no request was sent.
#[track_caller]
fn export_offline(format: &str, file: &Path, flags: &[String]) -> String {
    let aws = NoAws::new();
    let file_arg = file.to_str().unwrap();
    aws.run(&args(
        &["export", "--format", format, "-o", file_arg],
        flags,
    ))
    .ok();
    aws.assert_untouched(("export", format, flags));
    std::fs::read_to_string(file).expect("export wrote the file")
}

/// The buckets the scopes name, and the boundary policy, in `env`.
fn set_up(env: &TestEnv, scopes: &[String]) {
    for scope in scopes {
        env.create_bucket(scope.split('/').next().unwrap());
    }
    let boundary = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Action": ["s3:*", "kms:*"], "Resource": "*"}]});
    assert_eq!(env.create_policy(BOUNDARY, &boundary), boundary_arn());
}

/// A role as IAM holds it, with every attached policy.
#[derive(Debug, PartialEq)]
struct Deployed {
    arn: String,
    path: String,
    description: Option<String>,
    boundary: Option<String>,
    max_session: Option<i32>,
    /// Sorted by key.
    tags: Vec<(String, String)>,
    trust: Value,
    /// `(name, description, path, document)`, by name.
    policies: Vec<(String, Option<String>, Option<String>, Value)>,
}

fn deployed(env: &TestEnv, role: &str) -> Deployed {
    let got = env.role(role);
    let mut tags = env.role_tags(role);
    tags.sort();
    let mut policies: Vec<_> = env
        .attached_policies(role)
        .into_iter()
        .map(|(name, arn)| {
            let (description, path) = env.policy_meta(&arn);
            (name, description, path, env.policy_document(&arn))
        })
        .collect();
    policies.sort_by(|a, b| a.0.cmp(&b.0));
    Deployed {
        arn: got.arn().to_string(),
        path: got.path().to_string(),
        description: got.description().map(str::to_owned),
        boundary: got
            .permissions_boundary()
            .and_then(|b| b.permissions_boundary_arn())
            .map(str::to_owned),
        max_session: got.max_session_duration(),
        tags,
        trust: env.role_trust(role).expect("the role exists"),
        policies,
    }
}

/// The two roles are the same, field by field (one policy document at a time, so a failure
/// shows the document that differs).
#[track_caller]
fn assert_same(got: &Deployed, want: &Deployed) {
    let head = |d: &Deployed| {
        (
            d.arn.clone(),
            d.path.clone(),
            d.description.clone(),
            d.boundary.clone(),
            d.max_session,
            d.tags.clone(),
        )
    };
    assert_eq!(head(got), head(want));
    assert_eq!(got.trust, want.trust);
    let meta = |d: &Deployed| -> Vec<(String, Option<String>, Option<String>)> {
        d.policies
            .iter()
            .map(|(n, desc, path, _)| (n.clone(), desc.clone(), path.clone()))
            .collect()
    };
    assert_eq!(meta(got), meta(want));
    for (g, w) in got.policies.iter().zip(&want.policies) {
        assert_eq!(g.3, w.3, "policy {}", g.0);
    }
    assert_eq!(got, want);
}

/// What every test's flags ask for, checked on its own (so two equal read-backs cannot both be
/// wrong).
fn assert_guardrails(d: &Deployed, role: &str) {
    assert_eq!(
        d.arn,
        format!("arn:aws:iam::{MOTO_ACCOUNT}:role/deeplake/{role}")
    );
    assert_eq!(d.path, "/deeplake/");
    assert_eq!(d.description.as_deref(), Some(DESCRIPTION));
    assert_eq!(d.boundary, Some(boundary_arn()));
    assert_eq!(d.max_session, Some(43200));
    let tags: Vec<(&str, &str)> = d
        .tags
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(
        tags,
        [
            ("cost-center", "42"),
            ("managed-by", "provision-role"),
            ("provision-role:tags", "Y29zdC1jZW50ZXIKdGVhbQ=="),
            ("team", "data")
        ]
    );
}

/// `verify` with the flags the role was made with passes.
#[track_caller]
fn verify_passes(env: &TestEnv, role: &str, external_id: &str, scopes: &[String]) -> Run {
    let mut flags = vec!["--role-name".to_string(), role.to_string()];
    flags.extend(["--external-id".to_string(), external_id.to_string()]);
    flags.extend(guardrail_flags());
    flags.extend(bucket_flags(scopes));
    let run = env.run(&args(&["verify"], &flags));
    run.ok();
    run
}

/// The documents `plan` prints are the ones IAM holds.
fn assert_plan_documents(flags: &[String], d: &Deployed) {
    let plan = NoAws::new()
        .run(&args(&["plan", "--output", "json"], flags))
        .json();
    assert_eq!(plan["trust_policy"], d.trust);
    let planned: Vec<(&str, &Value)> = plan["policies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["name"].as_str().unwrap(), &p["document"]))
        .collect();
    let held: Vec<(&str, &Value)> = d
        .policies
        .iter()
        .map(|(name, _, _, doc)| (name.as_str(), doc))
        .collect();
    assert_eq!(planned, held);
}

/// One input, two back ends: the offline export of 120 buckets' worth of flags, and what
/// `create` wrote for the same flags in its own moto (whose IAM holds the plan's documents).
struct Exported {
    /// Holds `file`; removed when this is dropped.
    _dir: TempDir,
    file: PathBuf,
    scopes: Vec<String>,
    created: Deployed,
}

fn export_and_create(format: &str, file_name: &str) -> Exported {
    let scopes = scopes(120);
    let flags = role_flags(ROLE, "xid-1", &scopes);
    let dir = TempDir::new().unwrap();
    let file = dir.path().join(file_name);
    export_offline(format, &file, &flags);
    let env = TestEnv::new();
    set_up(&env, &scopes);
    env.run(&args(&["create", "--yes"], &flags)).ok();
    let created = deployed(&env, ROLE);
    assert_guardrails(&created, ROLE);
    assert!(
        created.policies.len() > 1,
        "120 buckets need several policies"
    );
    assert_plan_documents(&flags, &created);
    Exported {
        _dir: dir,
        file,
        scopes,
        created,
    }
}

#[test]
fn cloudformation_stack_holds_what_create_writes() {
    // Bound whole: its temporary directory must outlive the test.
    let exported = export_and_create("cloudformation", "role.yaml");
    let (template, scopes, created) = (&exported.file, &exported.scopes, &exported.created);
    let by_stack = TestEnv::new();
    set_up(&by_stack, scopes);
    let stack = by_stack.create_stack("deeplake-role", template, &json!({}));
    assert_eq!(stack["status"], "CREATE_COMPLETE", "{stack}");
    assert_eq!(stack["outputs"]["RoleArn"], created.arn.as_str());
    let mut kinds = vec!["AWS::IAM::ManagedPolicy"; created.policies.len()];
    kinds.push("AWS::IAM::Role");
    assert_eq!(stack["resources"], json!(kinds));

    assert_same(&deployed(&by_stack, ROLE), created);
    verify_passes(&by_stack, ROLE, "xid-1", scopes);
}

#[test]
fn discovered_kms_key_and_external_id_parameter_reach_the_stack() {
    let env = TestEnv::new();
    let (_, key_arn) = env.create_kms_key();
    let scopes = scopes(0);
    set_up(&env, &scopes);
    env.put_bucket_kms("exp-data", &key_arn);
    let dir = TempDir::new().unwrap();
    let template = dir.path().join("role.yaml");
    let template_arg = template.to_str().unwrap();

    // Offline, the bucket's key is unknown; --discover reads it, as `plan --discover` does.
    let stack_flags = role_flags("from-stack", "placeholder", &scopes);
    let offline = export_offline("cloudformation", &template, &stack_flags);
    assert!(!offline.contains(&key_arn));
    env.run(&args(
        &[
            "export",
            "--format",
            "cloudformation",
            "--discover",
            "-o",
            template_arg,
        ],
        &stack_flags,
    ))
    .ok();
    assert!(std::fs::read_to_string(&template)
        .unwrap()
        .contains(&key_arn));
    let stack = env.create_stack("kms-role", &template, &json!({"ExternalId": "xid-2"}));
    assert_eq!(stack["status"], "CREATE_COMPLETE", "{stack}");
    // Exporting again from the account the stack changed (its policies carry no tag of ours)
    // gives the same template.
    let again = env.run(&args(
        &["export", "--format", "cloudformation", "--discover"],
        &stack_flags,
    ));
    again.ok();
    assert_eq!(again.stdout, std::fs::read_to_string(&template).unwrap());

    let cli_flags = role_flags("from-cli", "xid-2", &scopes);
    env.run(&args(&["create", "--yes"], &cli_flags)).ok();
    let (stacked, created) = (deployed(&env, "from-stack"), deployed(&env, "from-cli"));
    assert_guardrails(&stacked, "from-stack");
    assert_eq!(
        stacked.trust, created.trust,
        "the parameter's value is required"
    );
    let documents =
        |d: &Deployed| -> Vec<Value> { d.policies.iter().map(|p| p.3.clone()).collect() };
    assert_eq!(documents(&stacked), documents(&created));
    assert!(documents(&stacked)[0].to_string().contains(&key_arn));
    verify_passes(&env, "from-stack", "xid-2", &scopes);
}

#[test]
fn cloudformation_is_clean_under_cfn_lint_for_1_10_and_300_buckets() {
    let dir = TempDir::new().unwrap();
    for count in [1, 10, 300] {
        let mut scopes = scopes(count);
        scopes.truncate(count);
        let template = dir.path().join(format!("role-{count}.yaml"));
        let text = export_offline(
            "cloudformation",
            &template,
            &role_flags(ROLE, "x-1", &scopes),
        );
        let policies = text.matches("Type: AWS::IAM::ManagedPolicy").count();
        assert_eq!(
            policies > 1,
            count == 300,
            "{count} buckets: {policies} policies"
        );
        assert_eq!(cfn_lint(&template), Vec::<String>::new(), "{count} buckets");
    }
}

/// `resource` blocks as `type → label → attributes`.
fn resources(tf: &Value) -> BTreeMap<String, BTreeMap<String, Value>> {
    let mut out: BTreeMap<String, BTreeMap<String, Value>> = BTreeMap::new();
    for block in tf["resource"].as_array().expect("resource blocks") {
        for (kind, labelled) in block.as_object().unwrap() {
            for (label, attrs) in labelled.as_object().unwrap() {
                out.entry(kind.clone())
                    .or_default()
                    .insert(label.clone(), attrs.clone());
            }
        }
    }
    out
}

/// The trust document with `${var.external_id}` replaced by the variable's default.
fn with_variable(trust: &Value, default: &str) -> Value {
    let text = trust.to_string().replace("${var.external_id}", default);
    serde_json::from_str(&text).unwrap()
}

#[test]
fn terraform_parses_to_what_create_writes() {
    let exported = export_and_create("terraform", "main.tf");
    let (file, created) = (&exported.file, &exported.created);
    let tf = parse_terraform(file);
    let default = tf["variable"][0]["external_id"]["default"]
        .as_str()
        .unwrap();
    assert_eq!(default, "xid-1");
    let res = resources(&tf);
    let role = &res["aws_iam_role"]["role"];
    assert_eq!(role["name"], ROLE);
    assert_eq!(role["path"], created.path.as_str());
    assert_eq!(role["description"], DESCRIPTION);
    assert_eq!(role["max_session_duration"], json!(created.max_session));
    // The boundary is named in whichever account applies the configuration.
    let boundary = role["permissions_boundary"].as_str().unwrap();
    let account = "${data.aws_caller_identity.current.account_id}";
    assert_eq!(
        Some(boundary.replace(account, MOTO_ACCOUNT)),
        created.boundary
    );
    assert_eq!(tf["data"][0]["aws_caller_identity"]["current"], json!({}));
    let tags: BTreeMap<String, String> = created.tags.iter().cloned().collect();
    assert_eq!(role["tags"], json!(tags));
    assert_eq!(
        with_variable(&role["assume_role_policy"], default),
        created.trust
    );

    let policies = &res["aws_iam_policy"];
    let attachments = &res["aws_iam_role_policy_attachment"];
    assert_eq!(policies.len(), created.policies.len());
    assert_eq!(attachments.len(), created.policies.len());
    for (i, (name, description, _, document)) in created.policies.iter().enumerate() {
        let label = if i == 0 {
            "policy".to_string()
        } else {
            format!("policy_{}", i + 1)
        };
        let policy = &policies[&label];
        assert_eq!(policy["name"], name.as_str());
        assert_eq!(policy["description"], json!(description));
        assert_eq!(&policy["policy"], document, "{label}");
        assert_eq!(policy["tags"], json!({"managed-by": "provision-role"}));
        let attachment = &attachments[&label];
        assert_eq!(attachment["role"], "${aws_iam_role.role.name}");
        assert_eq!(
            attachment["policy_arn"],
            format!("${{aws_iam_policy.{label}.arn}}")
        );
    }
    assert_eq!(
        tf["output"][0]["role_arn"]["value"],
        "${aws_iam_role.role.arn}"
    );
}

#[test]
fn stdout_and_file_hold_the_same_bytes_every_time() {
    let aws = NoAws::new();
    let flags = role_flags(ROLE, "xid-1", &scopes(3));
    let dir = TempDir::new().unwrap();
    for format in ["cloudformation", "terraform"] {
        let stdout = aws.run(&args(&["export", "--format", format], &flags));
        stdout.ok();
        let dash = aws.run(&args(&["export", "--format", format, "-o", "-"], &flags));
        assert_eq!(dash, stdout, "-o - is stdout, and the output is stable");
        let file = dir.path().join(format);
        let to_file = aws.run(&args(
            &["export", "--format", format, "-o", file.to_str().unwrap()],
            &flags,
        ));
        to_file.ok().stderr_has("wrote the template to");
        assert!(to_file.stdout.is_empty(), "{to_file:?}");
        assert_eq!(std::fs::read_to_string(&file).unwrap(), stdout.stdout);
    }
    aws.assert_untouched(("export", flags));
}
