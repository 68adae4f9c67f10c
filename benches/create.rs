//! Benchmark (not a test): AWS calls and wall time of `provision-role create` for 1 and 50
//! buckets against a moto server, beside the aws-CLI script a person would run for the same
//! steps (benches/aws-cli-baseline.sh). Run with `cargo bench --bench create`.

#[path = "../tests/it/support/mod.rs"]
mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use support::{run_cmd, TestEnv};

const ROUNDS: usize = 3;

struct Sample {
    calls: usize,
    time: Duration,
}

/// The aws CLI in a venv of its own: it pins a botocore that moto's must not be downgraded to.
fn ensure_aws_cli() -> PathBuf {
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/test-tools/awscli-venv");
    let aws = venv.join("bin/aws");
    if !aws.exists() {
        let ok = Command::new("python3")
            .args(["-m", "venv"])
            .arg(&venv)
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "creating {} failed", venv.display());
        let req = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/requirements.txt");
        let ok = Command::new(venv.join("bin/python"))
            .args(["-m", "pip", "install", "--quiet", "-r"])
            .arg(req)
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "installing the aws CLI failed");
    }
    aws
}

fn setup(env: &TestEnv, buckets: usize) -> Vec<String> {
    let (_, key_arn) = env.create_kms_key();
    (0..buckets)
        .map(|i| {
            let name = format!("bench-bucket-{i:03}");
            env.create_bucket(&name);
            if i % 5 == 0 {
                env.put_bucket_kms(&name, &key_arn);
            }
            name
        })
        .collect()
}

fn run_tool(env: &TestEnv, buckets: &[String]) -> Sample {
    let mut args = vec!["create".to_string(), "--yes".into(), "-v".into()];
    args.extend(buckets.iter().map(|b| format!("--bucket={b}")));
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let start = Instant::now();
    let run = env.run(&refs);
    let time = start.elapsed();
    run.ok();
    let calls = run
        .stderr
        .lines()
        .find_map(|l| {
            l.strip_suffix(" AWS requests")?
                .rsplit(' ')
                .next()?
                .parse()
                .ok()
        })
        .expect("-v reports the number of AWS requests");
    Sample { calls, time }
}

fn run_cli(env: &TestEnv, aws: &Path, buckets: &[String]) -> Sample {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut args = vec![
        "plan".to_string(),
        "--discover".into(),
        "--output".into(),
        "json".into(),
    ];
    args.extend(buckets.iter().map(|b| format!("--bucket={b}")));
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let plan = env.run(&refs).json();
    let trust = dir.path().join("trust.json");
    let policy = dir.path().join("policy.json");
    std::fs::write(&trust, plan["trust_policy"].to_string()).expect("write trust");
    std::fs::write(&policy, plan["policies"][0]["document"].to_string()).expect("write policy");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/aws-cli-baseline.sh");
    let mut cmd = bash_like(&env.cmd(), &script);
    cmd.env("AWS_DEFAULT_REGION", "us-east-1")
        .args([aws.as_os_str(), "cli-role".as_ref(), "cli-policy".as_ref()])
        .args([trust.as_os_str(), policy.as_os_str()])
        .args(buckets);
    let start = Instant::now();
    let run = run_cmd(&mut cmd);
    let time = start.elapsed();
    run.ok();
    let calls = run
        .stdout
        .trim()
        .parse()
        .expect("the script prints its call count");
    Sample { calls, time }
}

/// `bash SCRIPT` with the environment the tool gets (moto endpoint, test credentials).
fn bash_like(tool: &Command, script: &Path) -> Command {
    let mut cmd = Command::new("bash");
    cmd.arg(script);
    for (k, v) in tool.get_envs() {
        match v {
            Some(v) => cmd.env(k, v),
            None => cmd.env_remove(k),
        };
    }
    cmd
}

fn median(mut samples: Vec<Sample>) -> Sample {
    samples.sort_by_key(|s| s.time);
    samples.swap_remove(samples.len() / 2)
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --benches` would pass nothing: do nothing then.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let aws = ensure_aws_cli();
    println!("provision-role create vs the aws CLI, against moto (median of {ROUNDS} runs)");
    println!(
        "{:>8} | {:>10} {:>10} | {:>10} {:>10} | {:>10}",
        "buckets", "tool calls", "tool time", "cli calls", "cli time", "cli / tool"
    );
    for n in [1, 50] {
        let (mut tool, mut cli) = (Vec::new(), Vec::new());
        for _ in 0..ROUNDS {
            let env = TestEnv::new();
            let buckets = setup(&env, n);
            tool.push(run_tool(&env, &buckets));
            cli.push(run_cli(&env, &aws, &buckets));
        }
        let (t, c) = (median(tool), median(cli));
        println!(
            "{:>8} | {:>10} {:>9.2}s | {:>10} {:>9.2}s | {:>9.1}x",
            n,
            t.calls,
            t.time.as_secs_f64(),
            c.calls,
            c.time.as_secs_f64(),
            c.time.as_secs_f64() / t.time.as_secs_f64()
        );
    }
}
