//! The Python tools that check what `export` writes: boto3 to deploy a CloudFormation template
//! to moto (the test crate has no CloudFormation SDK), `cfn-lint`, and `python-hcl2` to parse
//! Terraform. All pinned in tests/requirements.txt, in the same virtualenv as moto.

use std::path::Path;
use std::process::{Command, Stdio};

use serde_json::Value;

use super::{sdk_panic, tools, without_aws_env, TestEnv, REGION};

/// Runs the Python `code` with `args` (as `sys.argv[1:]`) in the test virtualenv and returns
/// its stdout. `env` is added to an environment scrubbed of `AWS_*`. Panics, with stderr, if
/// the snippet fails.
#[track_caller]
pub fn python(code: &str, args: &[&str], env: &[(&str, &str)]) -> String {
    let mut cmd = without_aws_env(Command::new(&tools().python));
    cmd.arg("-c").arg(code).args(args).stdin(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("could not run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "python snippet failed ({}):\n{code}\n--- stderr ---\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

const CREATE_STACK: &str = r#"
import json, sys, boto3
name, template, params = sys.argv[1], open(sys.argv[2]).read(), json.loads(sys.argv[3])
cfn = boto3.client("cloudformation")
cfn.create_stack(StackName=name, TemplateBody=template, Capabilities=["CAPABILITY_NAMED_IAM"],
                 Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in params.items()])
stack = cfn.describe_stacks(StackName=name)["Stacks"][0]
resources = cfn.list_stack_resources(StackName=name)["StackResourceSummaries"]
print(json.dumps({
    "status": stack["StackStatus"],
    "outputs": {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])},
    "resources": sorted(r["ResourceType"] for r in resources),
}))
"#;

/// Lints one template file; cfn-lint's findings as JSON (all levels, informational included).
const CFN_LINT: &str = r#"
import json, subprocess, sys, os
cfn_lint = os.path.join(os.path.dirname(sys.executable), "cfn-lint")
run = subprocess.run([cfn_lint, sys.argv[1], "--format", "json", "--include-checks", "I"],
                     capture_output=True, text=True)
if not run.stdout.strip().startswith("["):
    sys.exit(f"cfn-lint failed to run ({run.returncode}): {run.stdout} {run.stderr}")
findings = json.loads(run.stdout)
if not findings and run.returncode != 0:
    sys.exit(f"cfn-lint exited {run.returncode} without findings: {run.stderr}")
for finding in findings:
    print(finding["Rule"]["Id"], "/".join(map(str, finding["Location"]["Path"] or [])),
          finding["Message"])
"#;

/// Parses one Terraform file with python-hcl2 into plain JSON: quotes stripped, blocks as
/// lists, `jsonencode(...)` decoded to its value, HCL string escapes undone.
const PARSE_HCL: &str = r#"
import json, re, sys, hcl2
from hcl2 import SerializationOptions
OPTS = SerializationOptions(strip_string_quotes=True, preserve_heredocs=False,
                            explicit_blocks=False, with_comments=False)
ESCAPES = {'"': '"', "\\": "\\", "n": "\n", "r": "\r", "t": "\t"}
def unescape(s):
    # python-hcl2 keeps a string's escapes as written: undo them as Terraform would.
    s = re.sub(r'\\(u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|["\\nrt])',
               lambda m: ESCAPES.get(m.group(1)) or chr(int(m.group(1)[1:], 16)), s)
    return s.replace("$${", "${").replace("%%{", "%{")
def plain(v):
    if isinstance(v, str):
        m = re.fullmatch(r"\$\{jsonencode\((.*)\)\}", v, re.S)
        if m:
            return plain(hcl2.loads(f"v = {m.group(1)}\n", serialization_options=OPTS)["v"])
        return unescape(v)
    if isinstance(v, list):
        return [plain(x) for x in v]
    if isinstance(v, dict):
        return {k: plain(x) for k, x in v.items()}
    return v
print(json.dumps(plain(hcl2.load(open(sys.argv[1]), serialization_options=OPTS))))
"#;

/// cfn-lint's findings on `template` (errors, warnings and informational), one line each;
/// empty means clean.
#[track_caller]
pub fn cfn_lint(template: &Path) -> Vec<String> {
    let path = template.to_str().expect("a UTF-8 path");
    python(CFN_LINT, &[path], &[])
        .lines()
        .map(str::to_owned)
        .collect()
}

/// The Terraform file as python-hcl2 reads it (see [`PARSE_HCL`]).
#[track_caller]
pub fn parse_terraform(file: &Path) -> Value {
    let path = file.to_str().expect("a UTF-8 path");
    serde_json::from_str(&python(PARSE_HCL, &[path], &[])).expect("the parser prints JSON")
}

impl TestEnv {
    /// Creates the CloudFormation stack `name` from `template` in this moto (with
    /// CAPABILITY_NAMED_IAM); returns `{"status", "outputs", "resources"}`.
    #[track_caller]
    pub fn create_stack(&self, name: &str, template: &Path, params: &Value) -> Value {
        let endpoint = self.endpoint();
        let env = [
            ("AWS_ENDPOINT_URL", endpoint.as_str()),
            ("AWS_DEFAULT_REGION", REGION),
            ("AWS_ACCESS_KEY_ID", "testing"),
            ("AWS_SECRET_ACCESS_KEY", "testing"),
        ];
        let path = template.to_str().expect("a UTF-8 path");
        let out = python(CREATE_STACK, &[name, path, &params.to_string()], &env);
        serde_json::from_str(&out).expect("the stack summary is JSON")
    }

    /// `(description, path)` of the managed policy `arn`.
    #[track_caller]
    pub fn policy_meta(&self, arn: &str) -> (Option<String>, Option<String>) {
        let out = self
            .block_on(self.iam.get_policy().policy_arn(arn).send())
            .unwrap_or_else(|e| sdk_panic("GetPolicy", arn, e));
        let policy = out.policy().expect("GetPolicy returns a Policy");
        (
            policy.description().map(str::to_owned),
            policy.path().map(str::to_owned),
        )
    }
}
