//! Benchmark (not a test; nothing asserts on time): what people wait for.
//!
//! On real AWS each call costs 50–200 ms, so the figure that matters is the number of
//! sequential round trips. Every run here goes through a loopback proxy that answers each
//! request no sooner than 100 ms after it arrived (it forwards at once, so moto's own time
//! overlaps the wait, as AWS's does), so wall time / 100 ms approximates the critical-path
//! depth. moto serves one request at a time (a few ms each), so a wide round of requests still
//! queues there, which real AWS would not do; the proxy therefore also measures the depth
//! itself: `chain` is the longest run of requests in which each was sent only after the one
//! before it was answered.
//! Beside it: the AWS requests sent (counted at the proxy), and the same procedure done with
//! the aws CLI (benches/aws-cli-baseline.sh), one call after another, through the same proxy.
//!
//! `cargo bench --bench create` (add `-- --quick` to skip the aws CLI and the 300-bucket row).

// The integration tests' harness, used here as a library (`pub`: the benchmark uses only part
// of it; the test crate, which declares it private, is where its dead code is caught).
#[path = "../tests/it/support/mod.rs"]
pub mod support;

use std::path::Path;
use std::time::{Duration, Instant};

use support::proxy::Proxy;
use support::{run_cmd, run_cmd_within, TestEnv};

const DELAY: Duration = Duration::from_millis(100);
const ROUNDS: usize = 3;

struct Sample {
    calls: usize,
    time: Duration,
    /// The longest chain of requests each sent after the one before was answered.
    chain: usize,
}

/// `n` buckets, every fifth encrypted with one customer-managed key.
fn setup(env: &TestEnv, n: usize) -> Vec<String> {
    let (_, key_arn) = env.create_kms_key();
    (0..n)
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

/// A fresh account with `n` buckets, and a proxy in front of it delaying each request.
fn world(n: usize, delay: Duration) -> (TestEnv, Proxy, Vec<String>) {
    let env = TestEnv::new();
    let buckets = setup(&env, n);
    let proxy = Proxy::start(env.moto.port());
    proxy.latency_floor(delay);
    (env, proxy, buckets)
}

/// Run the tool through the proxy; time it and count what reached the proxy.
fn tool(env: &TestEnv, proxy: &Proxy, args: &[String]) -> Sample {
    proxy.clear_requests();
    let mut cmd = env.cmd();
    cmd.env("AWS_ENDPOINT_URL", proxy.endpoint()).args(args);
    let start = Instant::now();
    let run = run_cmd(&mut cmd);
    let time = start.elapsed();
    assert!(run.code == 0 || args[0] == "verify", "{run:?}");
    if std::env::var_os("BENCH_TIMELINE").is_some() {
        for (op, start, end) in proxy.timeline() {
            eprintln!(
                "{start:>6} {:>6} {op}",
                end.map_or("-".into(), |e| e.to_string())
            );
        }
    }
    Sample {
        calls: proxy.total(),
        time,
        chain: proxy.depth(),
    }
}

fn bucket_flags(buckets: &[String]) -> Vec<String> {
    buckets.iter().map(|b| format!("--bucket={b}")).collect()
}

fn create(n: usize, delay: Duration, more: &[&str]) -> Sample {
    let (env, proxy, buckets) = world(n, delay);
    let mut args = vec!["create".to_string(), "--yes".into()];
    args.extend(bucket_flags(&buckets));
    args.extend(more.iter().map(|s| s.to_string()));
    tool(&env, &proxy, &args)
}

fn verify(n: usize, delay: Duration) -> Sample {
    let (env, proxy, buckets) = world(n, Duration::ZERO);
    let mut args = vec!["create".to_string(), "--yes".into()];
    args.extend(bucket_flags(&buckets));
    tool(&env, &proxy, &args);
    proxy.latency_floor(delay);
    let mut args = vec!["verify".to_string()];
    args.extend(bucket_flags(&buckets));
    tool(&env, &proxy, &args)
}

/// The same procedure with the aws CLI, one call at a time, through the same proxy.
fn cli(aws: &Path, n: usize, delay: Duration) -> Sample {
    let (env, proxy, buckets) = world(n, delay);
    let dir = tempfile::tempdir().expect("temp dir");
    let mut args = vec!["plan", "--discover", "--output", "json"];
    let flags = bucket_flags(&buckets);
    args.extend(flags.iter().map(String::as_str));
    let plan = env.run(&args).json();
    let trust = dir.path().join("trust.json");
    let policy = dir.path().join("policy.json");
    std::fs::write(&trust, plan["trust_policy"].to_string()).expect("write trust");
    std::fs::write(&policy, plan["policies"][0]["document"].to_string()).expect("write policy");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/aws-cli-baseline.sh");
    let mut cmd = env.aws_cli_cmd("bash");
    cmd.arg(script)
        .env("AWS_ENDPOINT_URL", proxy.endpoint())
        .args([aws.as_os_str(), "cli-role".as_ref(), "cli-policy".as_ref()])
        .args([trust.as_os_str(), policy.as_os_str()])
        .args(&buckets);
    proxy.clear_requests();
    let start = Instant::now();
    let run = run_cmd_within(&mut cmd, Duration::from_secs(900));
    let time = start.elapsed();
    assert_eq!(run.code, 0, "{run:?}");
    Sample {
        calls: proxy.total(),
        time,
        chain: proxy.depth(),
    }
}

fn median(mut samples: Vec<Sample>) -> Sample {
    samples.sort_by_key(|s| s.time);
    samples.swap_remove(samples.len() / 2)
}

/// One row: `run` with every request delayed (median of `rounds`).
fn row(what: &str, n: usize, rounds: usize, run: impl Fn(Duration) -> Sample) {
    let s = median((0..rounds).map(|_| run(DELAY)).collect());
    println!(
        "{what:<22} {n:>7} | {:>9} | {:>8.2}s | {:>10.1} | {:>5}",
        s.calls,
        s.time.as_secs_f64(),
        s.time.as_secs_f64() / DELAY.as_secs_f64(),
        s.chain,
    );
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --benches` passes nothing: do nothing then.
    let args: Vec<String> = std::env::args().collect();
    if !args.iter().any(|a| a == "--bench") {
        return;
    }
    let quick = args.iter().any(|a| a == "--quick");
    println!(
        "Every request answered no sooner than {} ms after it reached the proxy in front of moto. \
         Tool rows: median of {ROUNDS} runs; the aws CLI runs once.\n",
        DELAY.as_millis()
    );
    println!(
        "{:<22} {:>7} | {:>9} | {:>9} | {:>10} | {:>5}",
        "run", "buckets", "AWS calls", "time", "time/100ms", "chain"
    );
    let sizes: &[usize] = if quick { &[1, 50] } else { &[1, 50, 300] };
    for &n in sizes {
        row("provision-role create", n, ROUNDS, |d| create(n, d, &[]));
    }
    row("create --cors", 50, ROUNDS, |d| create(50, d, &["--cors"]));
    row("provision-role verify", 50, ROUNDS, |d| verify(50, d));
    if quick {
        return;
    }
    let aws = support::tools().aws.clone();
    for n in [1, 50] {
        row("aws CLI script", n, 1, |d| cli(&aws, n, d));
    }
}
