//! Faults moto cannot produce, injected by the loopback proxy between the binary and moto: an
//! error, a lost answer, or a dropped connection at each write of create, update and delete.
//! Afterwards IAM holds the previous state or the new one, never a mix, nothing is orphaned, and
//! the exit code and message say what happened. Also: racing runs, and a timeout.

use std::thread;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::proxy::{Fault, Proxy, Times};
use crate::support::{Run, TestEnv};

const ROLE: &str = "activeloop-deeplake-access";

/// What a faulty run must end in.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Ends {
    /// Exit 1, and IAM exactly as before the run.
    Previous,
    /// Exit 0, and IAM exactly as a clean run leaves it.
    New,
}

fn denied() -> Fault {
    Fault::access_denied("injected by the test proxy")
}

/// For each `(operation, fault, ends)`: a fresh account prepared by `setup`, the run with the
/// fault injected once, then the check; `clean` is the state a run without faults leaves.
fn matrix(setup: impl Fn(&TestEnv), args: &[&str], cases: &[(&str, Fault, Ends)]) {
    let clean = {
        let env = TestEnv::new();
        setup(&env);
        env.run(args).ok();
        env.iam_state()
    };
    for (op, fault, ends) in cases {
        let env = TestEnv::new();
        setup(&env);
        let before = env.iam_state();
        let proxy = Proxy::start(env.moto.port());
        proxy.inject(op, fault.clone(), Times::Once);
        let run = env.run_via(&proxy, args);
        let after = env.iam_state();
        let case = format!("{op} {fault:?}: {run:?}");
        assert!(proxy.count(op) > 0, "{op} was never called: {case}");
        match ends {
            Ends::Previous => {
                run.code_is(1);
                assert_eq!(after, before, "IAM changed: {case}");
                let said = run.stderr.contains("rolled back") || run.stderr.contains("nothing was");
                assert!(said, "the message does not say what exists: {case}");
            }
            Ends::New => {
                run.code_is(0);
                assert_eq!(after, clean, "not the clean run's state: {case}");
            }
        }
        assert!(!run.stderr.contains("DispatchFailure"), "{case}");
    }
}

#[test]
fn a_fault_at_each_write_of_a_first_create() {
    let setup = |env: &TestEnv| env.create_bucket("data-a");
    let args = ["create", "--bucket", "data-a", "--yes"];
    matrix(
        setup,
        &args,
        &[
            ("iam:CreatePolicy", denied(), Ends::Previous),
            ("iam:CreateRole", denied(), Ends::Previous),
            ("iam:AttachRolePolicy", denied(), Ends::Previous),
            // Transient faults are retried by the SDK: the run still succeeds.
            ("iam:CreateRole", Fault::throttling(), Ends::New),
            ("iam:CreatePolicy", Fault::Close, Ends::New),
        ],
    );
}

#[test]
fn a_fault_at_each_write_of_an_update() {
    let setup = |env: &TestEnv| {
        env.create_bucket("data-a");
        env.create_bucket("data-b");
        env.run(&["create", "--bucket", "data-a", "--yes"]).ok();
    };
    let args = [
        "create",
        "--bucket",
        "data-a",
        "--bucket",
        "data-b",
        "--external-id",
        "ext-1",
        "--yes",
    ];
    matrix(
        setup,
        &args,
        &[
            ("iam:CreatePolicyVersion", denied(), Ends::Previous),
            ("iam:UpdateAssumeRolePolicy", denied(), Ends::Previous),
            ("iam:ListPolicyVersions", denied(), Ends::Previous),
        ],
    );
}

/// Each service's throttling error is retried by the SDK: S3's `503 SlowDown`, KMS's
/// `ThrottlingException` and IAM's `Throttling`, twice each on discovery's reads. The run
/// succeeds with what a clean run writes, and each throttled read was sent twice more.
#[test]
fn throttled_reads_of_each_service_are_retried() {
    let throttled = [
        ("s3:GetBucketEncryption", Fault::slow_down()),
        ("kms:DescribeKey", Fault::throttling_exception()),
        ("iam:GetRole", Fault::throttling()),
    ];
    let args = ["create", "--bucket", "data-k", "--yes"];
    let run = |faulty: bool| {
        let env = TestEnv::new();
        env.create_bucket("data-k");
        let (_, key_arn) = env.create_kms_key();
        env.put_bucket_kms("data-k", &key_arn);
        let proxy = Proxy::start(env.moto.port());
        if faulty {
            for (op, fault) in &throttled {
                proxy.inject(op, fault.clone(), Times::N(2));
            }
        }
        let run = env.run_via(&proxy, &args);
        run.code_is(0);
        let policy = env.attached_policies(ROLE)[0].1.clone();
        let grants_the_key = env.policy_document(&policy).to_string().contains(&key_arn);
        assert!(grants_the_key, "the key is not granted: {run:?}");
        let counts: Vec<usize> = throttled.iter().map(|(op, _)| proxy.count(op)).collect();
        (counts, proxy.requests())
    };
    let (clean, _) = run(false);
    let (faulty, requests) = run(true);
    let expected: Vec<usize> = clean.iter().map(|n| n + 2).collect();
    assert_eq!(faulty, expected, "requests: {requests:?}");
}

/// Enough buckets that the grants need two policies.
fn many_buckets(env: &TestEnv) -> Vec<String> {
    let names: Vec<String> = (0..70)
        .map(|i| format!("bulk-data-bucket-{i:03}"))
        .collect();
    for name in &names {
        env.create_bucket(name);
    }
    names
}

fn create_many(env: &TestEnv) {
    let mut args = vec!["create".to_string(), "--yes".into()];
    args.extend(many_buckets(env).iter().map(|b| format!("--bucket={b}")));
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    env.run(&refs).ok();
    assert_eq!(
        env.attached_policies(ROLE).len(),
        2,
        "the setup needs two policies"
    );
}

#[test]
fn shrinking_a_role_detaches_before_it_deletes() {
    let args = ["create", "--bucket", "bulk-data-bucket-000", "--yes"];
    matrix(
        create_many,
        &args,
        &[("iam:DetachRolePolicy", denied(), Ends::Previous)],
    );
    // The last, irreversible step fails: the role is as planned, the detached policy is left,
    // and the message says so and how to delete it.
    let env = TestEnv::new();
    create_many(&env);
    let proxy = Proxy::start(env.moto.port());
    proxy.inject("iam:DeletePolicy", denied(), Times::Once);
    let run = env.run_via(&proxy, &args);
    run.code_is(1)
        .stderr_has("the role is as planned")
        .stderr_has("aws iam delete-policy --policy-arn");
    let attached: Vec<String> = env
        .attached_policies(ROLE)
        .into_iter()
        .map(|p| p.0)
        .collect();
    assert_eq!(attached, vec![format!("{ROLE}-s3-access")]);
    assert!(env.policy_names().contains(&format!("{ROLE}-s3-access-2")));
}

#[test]
fn a_repair_command_printed_for_a_failed_undo_works_when_pasted_into_a_shell() {
    let env = TestEnv::new();
    env.create_bucket("lake");
    env.run(&["create", "--bucket", "lake", "--yes"]).ok();
    // Someone changed the trust; its condition value has an apostrophe, which a repair
    // command must quote for the shell.
    let mut theirs = env.role_trust(ROLE).unwrap();
    theirs["Statement"][0]["Condition"] =
        serde_json::json!({"StringEquals": {"aws:PrincipalTag/team": "data's lake"}});
    env.set_role_trust(ROLE, &theirs);
    // create puts the planned trust back, then CORS fails and the trust cannot be restored.
    let proxy = Proxy::start(env.moto.port());
    proxy.inject("s3:PutBucketCors", denied(), Times::Always);
    proxy.inject("iam:UpdateAssumeRolePolicy", denied(), Times::After(1));
    let run = env.run_via(&proxy, &["create", "--bucket", "lake", "--cors", "--yes"]);
    run.code_is(1);
    assert_ne!(env.role_trust(ROLE).unwrap(), theirs);
    let by_hand = "to do it by hand: ";
    let line = run
        .stderr
        .lines()
        .find(|l| l.contains("aws iam update-assume-role-policy"))
        .unwrap_or_else(|| panic!("no repair command for the trust: {run:?}"));
    let command = &line[line.find(by_hand).expect("the repair command") + by_hand.len()..];
    env.run_shell(command).ok();
    assert_eq!(env.role_trust(ROLE).unwrap(), theirs);
}

#[test]
fn a_fault_at_each_step_of_delete_says_what_was_done_and_a_rerun_finishes() {
    for op in ["iam:DetachRolePolicy", "iam:DeletePolicy", "iam:DeleteRole"] {
        let env = TestEnv::new();
        env.create_bucket("data-a");
        env.run(&["create", "--bucket", "data-a", "--yes"]).ok();
        let proxy = Proxy::start(env.moto.port());
        proxy.inject(op, denied(), Times::Once);
        let run = env.run_via(&proxy, &["delete", "--yes"]);
        run.code_is(1).stderr_has("run delete again to finish");
        env.run(&["delete", "--yes"]).ok();
        assert!(env.role_names().is_empty(), "{op}: {run:?}");
        assert!(env.policy_names().is_empty(), "{op}: {run:?}");
    }
}

/// A lost answer (the write happened, the tool never heard): after the timeout the run rolls
/// back, settling what it does not know by reading back, and leaves nothing behind.
#[test]
fn a_lost_answer_times_out_and_leaves_nothing_behind() {
    let env = TestEnv::new();
    env.create_bucket("data-a");
    let proxy = Proxy::start(env.moto.port());
    proxy.inject("iam:CreateRole", Fault::DropResponse, Times::Always);
    let start = Instant::now();
    let run = env.run_via(
        &proxy,
        &["create", "--bucket", "data-a", "--yes", "--timeout", "3"],
    );
    let took = start.elapsed();
    run.code_is(1)
        .stderr_has("timeout")
        .stderr_has("rolled back");
    assert!(took < Duration::from_secs(20), "took {took:?}: {run:?}");
    assert!(env.role_names().is_empty(), "orphaned role: {run:?}");
    assert!(env.policy_names().is_empty(), "orphaned policy: {run:?}");
}

/// The answer to the first attempt is lost; the SDK's retry finds the role there already. The
/// run reads the role again, sees it is its own, and finishes.
#[test]
fn a_lost_answer_then_a_retry_converges() {
    let env = TestEnv::new();
    env.create_bucket("data-a");
    let proxy = Proxy::start(env.moto.port());
    proxy.inject("iam:CreateRole", Fault::DropResponse, Times::Once);
    let run = env.run_via(
        &proxy,
        &["create", "--bucket", "data-a", "--yes", "--timeout", "6"],
    );
    run.ok();
    assert_eq!(env.role_names(), vec![ROLE.to_string()]);
    assert_eq!(env.attached_policies(ROLE).len(), 1);
}

/// The documents a run asks for, from its offline plan.
fn planned(args: &[&str]) -> (Value, Vec<Value>) {
    let mut cmd = crate::support::offline_cmd();
    cmd.arg("plan").args(args).args(["--output", "json"]);
    let plan = crate::support::run_cmd(&mut cmd).ok().json();
    let docs = plan["policies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["document"].clone())
        .collect();
    (plan["trust_policy"].clone(), docs)
}

/// What the role holds: its trust policy and its attached policies' documents.
fn held(env: &TestEnv) -> (Value, Vec<Value>) {
    let trust = env.role_trust(ROLE).expect("the role exists");
    let mut attached = env.attached_policies(ROLE);
    attached.sort();
    let docs = attached
        .iter()
        .map(|(_, arn)| env.policy_document(arn))
        .collect();
    (trust, docs)
}

#[test]
fn racing_runs_end_in_exactly_one_runs_plan() {
    let env = TestEnv::new();
    for b in ["race-a", "race-b", "race-c"] {
        env.create_bucket(b);
    }
    let inputs: Vec<Vec<&str>> = vec![
        vec!["--bucket", "race-a"],
        vec!["--bucket", "race-b", "--external-id", "ext-b"],
        vec![
            "--bucket",
            "race-a",
            "--bucket",
            "race-c",
            "--access",
            "read-only",
        ],
        vec!["--bucket", "race-c", "--external-id", "ext-c"],
        vec!["--bucket", "race-b", "--bucket", "race-c", "--trust-dev"],
        vec![
            "--bucket",
            "race-a",
            "--external-id",
            "ext-a",
            "--access",
            "read-only",
        ],
    ];
    let runs: Vec<Run> = thread::scope(|s| {
        let handles: Vec<_> = inputs
            .iter()
            .map(|input| {
                let env = &env;
                s.spawn(move || {
                    let mut args = vec!["create", "--yes", "--output", "json"];
                    args.extend(input);
                    env.run(&args)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let plans: Vec<(Value, Vec<Value>)> = inputs.iter().map(|i| planned(i)).collect();
    let now = held(&env);
    let same = |a: &(Value, Vec<Value>), b: &(Value, Vec<Value>)| {
        provision_role::policy::same_meaning(&a.0, &b.0)
            && a.1.len() == b.1.len()
            && a.1
                .iter()
                .zip(&b.1)
                .all(|(x, y)| provision_role::policy::same_meaning(x, y))
    };
    let matches: Vec<usize> = (0..plans.len())
        .filter(|&i| same(&plans[i], &now))
        .collect();
    let report: Vec<String> = runs.iter().map(|r| format!("{r:?}")).collect();
    assert_eq!(
        matches.len(),
        1,
        "IAM holds no single run's plan: {now:?}\n{report:#?}"
    );
    assert_eq!(
        runs[matches[0]].code, 0,
        "the run whose plan won: {report:#?}"
    );
    for (i, run) in runs.iter().enumerate() {
        match run.code {
            0 => {
                let out = run.json();
                assert!(
                    provision_role::policy::same_meaning(&out["trust_policy"], &plans[i].0),
                    "run {i} reported a plan that is not its own: {run:?}"
                );
            }
            1 => assert!(
                run.stderr.contains("another change to role"),
                "run {i}: {run:?}"
            ),
            _ => panic!("run {i}: {run:?}"),
        }
    }
    assert!(runs.iter().filter(|r| r.code == 0).count() >= 1);
}
