//! The wizard driven by scripted answers and a fake account: every step, re-asking, cancelling,
//! flags that are not asked again, and the KMS grant.

use std::cell::Cell;
use std::collections::{BTreeMap, VecDeque};

use anyhow::Result;
use serde_json::json;

use super::*;
use crate::cli::args::AccessArg;
use crate::cli::{resolve, values};
use crate::exit::UsageError;
use crate::plan::facts::BucketFacts;
use crate::plan::request::{ACTIVELOOP_DEV, ACTIVELOOP_PRODUCTION};
use crate::plan::{
    self, Access, BucketScope, Encryption, ExistingPolicy, ExistingRole, Facts, KeyFacts,
    KeyManager, KmsChoice, Trust,
};

const ACCOUNT: &str = "123456789012";
const KEY_ARN: &str = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";

/// One scripted answer.
#[derive(Debug, Clone)]
enum A {
    Yes,
    No,
    Pick(usize),
    Tick(Vec<usize>),
    Text(&'static str),
    Esc,
}

/// Answers in order, and a log of everything asked and said, to assert on.
struct Script {
    answers: VecDeque<A>,
    log: Vec<String>,
}

impl Script {
    fn new(answers: impl IntoIterator<Item = A>) -> Self {
        Script {
            answers: answers.into_iter().collect(),
            log: Vec::new(),
        }
    }

    fn next(&mut self, prompt: &str) -> A {
        let Some(answer) = self.answers.pop_front() else {
            panic!("no answer left for {prompt:?}; so far:\n{}", self.text());
        };
        answer
    }

    fn text(&self) -> String {
        self.log.join("\n")
    }

    fn asked(&self, prompt: &str) -> bool {
        self.log
            .iter()
            .any(|l| !l.starts_with("note") && l.contains(prompt))
    }

    fn said(&self, text: &str) -> bool {
        self.log
            .iter()
            .any(|l| l.starts_with("note") && l.contains(text))
    }

    #[track_caller]
    fn wrong(&self, prompt: &str, answer: A) -> ! {
        panic!(
            "{answer:?} does not answer {prompt:?}; so far:\n{}",
            self.text()
        )
    }
}

impl Prompter for Script {
    fn confirm(&mut self, prompt: &str, default: bool) -> Result<bool> {
        self.log
            .push(format!("confirm {prompt} [default {default}]"));
        match self.next(prompt) {
            A::Yes => Ok(true),
            A::No => Ok(false),
            A::Esc => Err(cancelled()),
            other => self.wrong(prompt, other),
        }
    }

    fn select(&mut self, prompt: &str, items: &[String], default: usize) -> Result<usize> {
        self.log
            .push(format!("select {prompt} {items:?} [default {default}]"));
        match self.next(prompt) {
            A::Pick(i) if i < items.len() => Ok(i),
            A::Esc => Err(cancelled()),
            other => self.wrong(prompt, other),
        }
    }

    fn multi_select(&mut self, prompt: &str, items: &[String]) -> Result<Vec<usize>> {
        self.log.push(format!("multi_select {prompt} {items:?}"));
        match self.next(prompt) {
            A::Tick(ticked) if ticked.iter().all(|&i| i < items.len()) => Ok(ticked),
            A::Esc => Err(cancelled()),
            other => self.wrong(prompt, other),
        }
    }

    /// Like dialoguer: empty takes the default; the check runs, and a rejected answer is
    /// logged and the next scripted answer is tried.
    fn input(&mut self, prompt: &str, default: Option<&str>, check: Check) -> Result<String> {
        loop {
            self.log
                .push(format!("input {prompt} [default {default:?}]"));
            let text = match self.next(prompt) {
                A::Text(text) => text.trim(),
                A::Esc => return Err(cancelled()),
                other => self.wrong(prompt, other),
            };
            let value = if text.is_empty() {
                default.unwrap_or("")
            } else {
                text
            };
            match check(value) {
                Ok(()) => return Ok(value.to_string()),
                Err(rule) => self.log.push(format!("rejected {value:?}: {rule}")),
            }
        }
    }

    fn answered(&mut self, prompt: &str, answer: &str) {
        self.log.push(format!("note ✔ {prompt} · {answer}"));
    }

    fn note(&mut self, text: &str) {
        self.log.push(format!("note {text}"));
    }
}

/// An account with a plain bucket, a bucket encrypted with a customer-managed key (by alias),
/// and an SSE-S3 bucket.
struct Fake {
    identity: Option<Who>,
    listing: Listing,
    facts: Facts,
    /// A role of this name exists and provision-role did not create it.
    foreign_role: Option<String>,
    reads: Cell<usize>,
}

impl Fake {
    fn new() -> Self {
        let bucket = |encryption| BucketFacts {
            region: "us-east-1".into(),
            encryption,
        };
        let mut facts = Facts::offline();
        facts.account_id = Some(ACCOUNT.into());
        facts.caller_arn = Some(format!("arn:aws:iam::{ACCOUNT}:user/alice"));
        facts.buckets = BTreeMap::from([
            (
                "kms-data".into(),
                bucket(Encryption::Kms {
                    key: Some("alias/data".into()),
                    dsse: false,
                }),
            ),
            ("plain-data".into(), bucket(Encryption::None)),
            ("s3-data".into(), bucket(Encryption::SseS3)),
        ]);
        facts.keys = BTreeMap::from([(
            "alias/data".into(),
            KeyFacts {
                arn: KEY_ARN.into(),
                manager: Some(KeyManager::Customer),
            },
        )]);
        Fake {
            identity: Some(Who {
                account: ACCOUNT.into(),
                arn: format!("arn:aws:iam::{ACCOUNT}:user/alice"),
            }),
            listing: Listing::Names(vec![
                "kms-data".into(),
                "plain-data".into(),
                "s3-data".into(),
            ]),
            facts,
            foreign_role: None,
            reads: Cell::new(0),
        }
    }
}

impl Discovery for Fake {
    fn region(&self) -> String {
        "us-east-1".into()
    }

    async fn identity(&self) -> Result<Who> {
        self.identity.clone().ok_or_else(|| {
            anyhow::anyhow!("sts:GetCallerIdentity on the caller failed: ExpiredToken")
        })
    }

    async fn bucket_names(&self) -> Listing {
        self.listing.clone()
    }

    async fn facts(&self, req: &Request) -> Result<Facts> {
        self.reads.set(self.reads.get() + 1);
        let mut facts = self.facts.clone();
        if self.foreign_role.as_deref() == Some(req.role_name.as_str()) {
            facts.existing.role = Some(ExistingRole {
                arn: format!("arn:aws:iam::{ACCOUNT}:role/{}", req.role_name),
                trust: json!({}),
                owned: false,
                attached: vec![],
                inline: vec![],
                ..Default::default()
            });
        }
        Ok(facts)
    }
}

fn wizard(
    answers: impl IntoIterator<Item = A>,
    fake: &Fake,
    args: &CreateArgs,
) -> (Result<(Request, Plan)>, Script) {
    let mut script = Script::new(answers);
    let outcome = futures::executor::block_on(run_with(&mut script, fake, args, "default"));
    assert!(
        script.answers.is_empty(),
        "answers left over: {:?}\n{}",
        script.answers,
        script.text()
    );
    (outcome, script)
}

/// Continue; tick `ticked`; no prefixes; read-write; Activeloop production; no external ID;
/// default names. What follows (KMS, review) is up to the test.
fn defaults_up_to_names(ticked: Vec<usize>) -> Vec<A> {
    use A::*;
    vec![
        Yes,
        Tick(ticked),
        No,
        Pick(0),
        Pick(0),
        Text(""),
        Text(""),
        Text(""),
    ]
}

fn with(mut answers: Vec<A>, more: impl IntoIterator<Item = A>) -> Vec<A> {
    answers.extend(more);
    answers
}

fn request_for(buckets: &[&str]) -> Request {
    let args = RoleArgs {
        buckets: buckets
            .iter()
            .map(|b| values::bucket_scope(b).unwrap())
            .collect(),
        ..RoleArgs::default()
    };
    resolve::request(&args).unwrap()
}

fn is_cancelled(err: &anyhow::Error) -> bool {
    err.downcast_ref::<Cancelled>().is_some()
}

fn policy_text(plan: &Plan) -> String {
    plan.policies
        .iter()
        .map(|p| p.document.to_pretty())
        .collect()
}

#[test]
fn defaults_give_the_same_request_as_the_flags() {
    let fake = Fake::new();
    let answers = with(defaults_up_to_names(vec![1]), [A::Yes]);
    let (outcome, script) = wizard(answers, &fake, &CreateArgs::default());
    let (req, plan) = outcome.unwrap();
    assert_eq!(req, request_for(&["plain-data"]));
    assert_eq!(
        plan.role_arn.as_deref(),
        Some("arn:aws:iam::123456789012:role/activeloop-deeplake-access")
    );
    for step in 1..=7 {
        assert!(
            script.said(&format!("Step {step} of 7")),
            "{}",
            script.text()
        );
    }
    assert!(script.said(ACCOUNT) && script.said("Region   us-east-1"));
    assert!(script.said("no default encryption"));
    assert!(script.said("Trust policy") && script.said("+ create"));
    assert!(script.asked("confirm Create the role? [default false]"));
    assert!(!script.asked("KMS key"), "no key to grant, so no question");
    assert_eq!(fake.reads.get(), 1, "one discovery pass");
}

#[test]
fn kms_grant_is_shown_and_kept_when_accepted() {
    let fake = Fake::new();
    let answers = with(defaults_up_to_names(vec![0]), [A::Yes, A::Yes]);
    let (outcome, script) = wizard(answers, &fake, &CreateArgs::default());
    let (req, plan) = outcome.unwrap();
    assert_eq!(req.kms, KmsChoice::auto());
    assert!(script.asked("confirm Let the role use this KMS key? [default true]"));
    assert!(script.said(KEY_ARN));
    assert!(policy_text(&plan).contains(KEY_ARN));
}

#[test]
fn declining_the_kms_grant_plans_without_keys() {
    let fake = Fake::new();
    let answers = with(defaults_up_to_names(vec![0, 1]), [A::No, A::Yes]);
    let (outcome, script) = wizard(answers, &fake, &CreateArgs::default());
    let (req, plan) = outcome.unwrap();
    assert_eq!(req.kms, KmsChoice::Off);
    assert!(
        !policy_text(&plan).contains("kms:"),
        "{}",
        policy_text(&plan)
    );
    assert!(
        script.said("automatic KMS grants are off"),
        "{}",
        script.text()
    );
    assert_eq!(fake.reads.get(), 1, "re-planned from the same facts");
    assert!(equivalent_command(&req).contains("--kms off"));
}

#[test]
fn no_bucket_ticked_asks_again() {
    let fake = Fake::new();
    let mut answers = defaults_up_to_names(vec![]);
    answers.insert(2, A::Tick(vec![2]));
    let (outcome, script) = wizard(with(answers, [A::Yes]), &fake, &CreateArgs::default());
    assert_eq!(
        outcome.unwrap().0.buckets,
        vec![BucketScope::whole("s3-data")]
    );
    assert!(script.said("No bucket chosen"), "{}", script.text());
}

#[test]
fn typed_answers_are_checked_and_asked_again_with_the_rule() {
    use A::*;
    let fake = Fake::new();
    let answers = [
        Yes,
        Tick(vec![1, 3]), // plain-data and "Type a bucket name that is not listed…"
        Text("Bad_Bucket"),
        Text("other-account-data"),
        Text("s3://plain-data"), // already ticked
        Text(""),                // done
        Yes,                     // limit to prefixes
        Text("/absolute"),
        Text("datasets/v1/"),
        Text(""), // other-account-data: whole bucket
        Pick(1),  // read-only
        Pick(2),  // other principals
        Text("nope"),
        Text("arn:aws:iam::111122223333:root"),
        Text(""), // done
        Text("x"),
        Text("ext-123"),
        Text("has space"),
        Text("custom-role"),
        Text("p-3"),
        Text(""), // policy: custom-role-s3-access
        Yes,
    ];
    let (outcome, script) = wizard(answers, &fake, &CreateArgs::default());
    let (req, _) = outcome.unwrap();
    let rejected: Vec<&String> = script
        .log
        .iter()
        .filter(|l| l.starts_with("rejected"))
        .collect();
    assert_eq!(rejected.len(), 6, "{}", script.text());
    assert!(rejected[0].contains("may contain only lowercase letters"));
    assert!(rejected[1].contains("must not start with '/'"));
    assert!(rejected[2].contains("not an IAM principal ARN"));
    assert!(rejected[3].contains("external ID must be 2 to 1224"));
    assert!(rejected[4].contains("role name \"has space\""));
    assert!(rejected[5].contains("must not end in -3"));
    assert!(
        !rejected[5].contains("--policy-name"),
        "the rule, not the flag"
    );
    assert_eq!(
        req.buckets,
        vec![
            BucketScope::whole("other-account-data"),
            BucketScope {
                bucket: "plain-data".into(),
                prefix: Some("datasets/v1".into())
            },
        ]
    );
    assert_eq!(req.access, Access::ReadOnly);
    assert_eq!(
        req.trust.principals(),
        vec!["arn:aws:iam::111122223333:root"]
    );
    assert_eq!(req.external_id.as_deref(), Some("ext-123"));
    assert_eq!(
        (req.role_name.as_str(), req.policy_name.as_str()),
        ("custom-role", "custom-role-s3-access")
    );
}

#[test]
fn trusting_development_too() {
    let fake = Fake::new();
    let mut answers = defaults_up_to_names(vec![1]);
    answers[4] = A::Pick(1);
    let (outcome, _) = wizard(with(answers, [A::Yes]), &fake, &CreateArgs::default());
    let req = outcome.unwrap().0;
    assert_eq!(req.trust, Trust::WithDev);
    assert_eq!(req.trust.principals().len(), 1 + ACTIVELOOP_DEV.len());
    assert!(equivalent_command(&req).contains("--trust-dev"));
}

#[test]
fn esc_at_the_bucket_prompt_cancels_before_any_read() {
    let fake = Fake::new();
    let (outcome, _) = wizard([A::Yes, A::Esc], &fake, &CreateArgs::default());
    assert!(is_cancelled(&outcome.unwrap_err()));
    assert_eq!(fake.reads.get(), 0);
}

#[test]
fn esc_at_a_text_prompt_cancels() {
    let fake = Fake::new();
    let answers = [
        A::Yes,
        A::Tick(vec![1]),
        A::No,
        A::Pick(0),
        A::Pick(0),
        A::Esc,
    ];
    let (outcome, _) = wizard(answers, &fake, &CreateArgs::default());
    assert!(is_cancelled(&outcome.unwrap_err()));
}

#[test]
fn no_or_esc_at_the_review_cancels() {
    for last in [A::No, A::Esc] {
        let fake = Fake::new();
        let answers = with(defaults_up_to_names(vec![1]), [last]);
        let (outcome, _) = wizard(answers, &fake, &CreateArgs::default());
        let err = outcome.unwrap_err();
        assert!(is_cancelled(&err));
        assert_eq!(err.to_string(), "cancelled, nothing was created");
    }
}

#[test]
fn another_account_is_a_cancellation_with_a_hint() {
    let fake = Fake::new();
    let (outcome, script) = wizard([A::No], &fake, &CreateArgs::default());
    assert!(is_cancelled(&outcome.unwrap_err()));
    assert!(script.said("--profile NAME"));
}

#[test]
fn flags_given_are_shown_and_not_asked() {
    let fake = Fake::new();
    let args = CreateArgs {
        role: RoleArgs {
            role_name: Some("team-role".into()),
            policy_name: Some("team-policy".into()),
            access: Some(AccessArg::ReadOnly),
            trust_dev: true,
            external_id: Some("ext-42".into()),
            kms: vec![values::KmsValue::Off],
            ..RoleArgs::default()
        },
        yes: false,
    };
    let answers = [A::Yes, A::Tick(vec![0]), A::No, A::Yes];
    let (outcome, script) = wizard(answers, &fake, &args);
    let (req, plan) = outcome.unwrap();
    for flag in [
        "--role-name",
        "--policy-name",
        "--access",
        "--trust-dev",
        "--external-id",
        "--kms",
    ] {
        assert!(
            script.said(&format!("(from {flag})")),
            "{flag}\n{}",
            script.text()
        );
    }
    for prompt in ["select Access", "select Trust", "input", "KMS key"] {
        assert!(!script.asked(prompt), "{prompt} asked\n{}", script.text());
    }
    assert_eq!(
        (req.role_name.as_str(), req.policy_name.as_str()),
        ("team-role", "team-policy")
    );
    assert_eq!(req.access, Access::ReadOnly);
    assert_eq!(req.external_id.as_deref(), Some("ext-42"));
    assert_eq!(req.kms, KmsChoice::Off);
    assert!(!policy_text(&plan).contains("kms:"));
}

#[test]
fn yes_flag_skips_only_the_final_question() {
    let fake = Fake::new();
    let args = CreateArgs {
        yes: true,
        ..CreateArgs::default()
    };
    let (outcome, script) = wizard(defaults_up_to_names(vec![1]), &fake, &args);
    outcome.unwrap();
    assert!(!script.asked("Create the role?"));
    assert!(script.said("--yes"));
}

#[test]
fn a_bad_flag_fails_before_the_first_question() {
    let fake = Fake::new();
    let args = CreateArgs {
        role: RoleArgs {
            kms: vec![values::KmsValue::Off, values::KmsValue::Auto],
            ..RoleArgs::default()
        },
        yes: false,
    };
    let (outcome, script) = wizard([], &fake, &args);
    let err = outcome.unwrap_err();
    assert!(err.downcast_ref::<UsageError>().is_some(), "{err:#}");
    assert!(script.log.is_empty());
}

#[test]
fn missing_credentials_say_how_to_sign_in() {
    let fake = Fake {
        identity: None,
        ..Fake::new()
    };
    let (outcome, _) = wizard([], &fake, &CreateArgs::default());
    let err = outcome.unwrap_err();
    assert!(!is_cancelled(&err));
    let message = format!("{err:#}");
    for hint in [
        "aws sso login",
        "aws configure",
        "--profile",
        "ExpiredToken",
    ] {
        assert!(message.contains(hint), "{hint}: {message}");
    }
}

#[test]
fn buckets_are_typed_when_listing_is_denied() {
    let fake = Fake {
        listing: Listing::Denied,
        ..Fake::new()
    };
    let answers = [A::Yes, A::Text(""), A::Text("plain-data"), A::Text("")];
    let answers = with(answers.to_vec(), [A::No, A::Pick(0), A::Pick(0)]);
    let answers = with(answers, [A::Text(""), A::Text(""), A::Text(""), A::Yes]);
    let (outcome, script) = wizard(answers, &fake, &CreateArgs::default());
    assert_eq!(
        outcome.unwrap().0.buckets,
        vec![BucketScope::whole("plain-data")]
    );
    assert!(!script.asked("multi_select"));
    assert!(script.said("s3:ListAllMyBuckets"));
    assert!(script.log.iter().any(|l| l.contains("enter a bucket name")));
}

#[test]
fn buckets_are_typed_when_listing_fails() {
    let fake = Fake {
        listing: Listing::Failed("s3:ListAllMyBuckets on the account failed: boom".into()),
        ..Fake::new()
    };
    let mut answers = defaults_up_to_names(vec![]);
    answers.splice(1..2, [A::Text("s3-data"), A::Text("")]);
    let (outcome, script) = wizard(with(answers, [A::Yes]), &fake, &CreateArgs::default());
    assert_eq!(
        outcome.unwrap().0.buckets,
        vec![BucketScope::whole("s3-data")]
    );
    assert!(script.said("could not list buckets"), "{}", script.text());
}

#[test]
fn a_long_list_is_narrowed_first() {
    let names: Vec<String> = (1..=20).map(|i| format!("team-{i:02}-data")).collect();
    let fake = Fake {
        listing: Listing::Names(names),
        ..Fake::new()
    };
    let mut answers = defaults_up_to_names(vec![0]);
    answers.insert(1, A::Text("nothing-like-this"));
    answers.insert(2, A::Text("-1"));
    let (outcome, script) = wizard(with(answers, [A::Yes]), &fake, &CreateArgs::default());
    assert_eq!(
        outcome.unwrap().0.buckets,
        vec![BucketScope::whole("team-10-data")]
    );
    assert!(script.said("20 buckets"));
    assert!(script
        .log
        .iter()
        .any(|l| l.contains("no bucket name contains")));
    let listed = script
        .log
        .iter()
        .find(|l| l.starts_with("multi_select"))
        .unwrap();
    assert_eq!(listed.matches("team-1").count(), 10, "{listed}");
}

#[test]
fn a_taken_role_name_is_asked_again() {
    let fake = Fake {
        foreign_role: Some("activeloop-deeplake-access".into()),
        ..Fake::new()
    };
    let answers = with(
        defaults_up_to_names(vec![1]),
        [A::Text("second-role"), A::Text(""), A::Yes],
    );
    let (outcome, script) = wizard(answers, &fake, &CreateArgs::default());
    let req = outcome.unwrap().0;
    assert_eq!(
        (req.role_name.as_str(), req.policy_name.as_str()),
        ("second-role", "second-role-s3-access")
    );
    assert!(script.said("already exists"), "{}", script.text());
    assert_eq!(fake.reads.get(), 2, "read again only for the new name");
}

#[test]
fn a_taken_role_name_given_as_a_flag_fails() {
    let fake = Fake {
        foreign_role: Some("theirs".into()),
        ..Fake::new()
    };
    let args = CreateArgs {
        role: RoleArgs {
            role_name: Some("theirs".into()),
            ..RoleArgs::default()
        },
        yes: false,
    };
    let answers = [
        A::Yes,
        A::Tick(vec![1]),
        A::No,
        A::Pick(0),
        A::Pick(0),
        A::Text(""),
        A::Text(""),
    ];
    let (outcome, _) = wizard(answers, &fake, &args);
    assert!(format!("{:#}", outcome.unwrap_err()).contains("already exists"));
}

/// Facts in which the role already exists exactly as `req` asks (or with another trust).
fn existing_facts(fake: &Fake, req: &Request, same_trust: bool) -> Facts {
    let fresh = plan::build(req, &fake.facts).unwrap();
    let policy = &fresh.policies[0];
    let policy_arn = policy.arn.clone().unwrap();
    let mut facts = fake.facts.clone();
    let trust = if same_trust {
        fresh.trust.to_value()
    } else {
        json!({})
    };
    facts.existing.role = Some(ExistingRole {
        arn: fresh.role_arn.clone().unwrap(),
        trust,
        owned: true,
        attached: vec![policy_arn.clone()],
        inline: vec![],
        path: "/".into(),
        description: req.description.clone(),
        ..Default::default()
    });
    facts.existing.policies.insert(
        policy.name.clone(),
        ExistingPolicy {
            arn: policy_arn,
            document: policy.document.to_value(),
            owned: true,
            ..Default::default()
        },
    );
    facts
}

#[test]
fn nothing_to_change_returns_without_the_final_question() {
    let mut fake = Fake::new();
    fake.facts = existing_facts(&fake, &request_for(&["plain-data"]), true);
    let (outcome, script) = wizard(defaults_up_to_names(vec![1]), &fake, &CreateArgs::default());
    assert!(outcome.unwrap().1.is_noop());
    assert!(!script.asked("confirm Create") && !script.asked("confirm Apply"));
}

#[test]
fn an_existing_role_is_updated_not_created() {
    let mut fake = Fake::new();
    fake.facts = existing_facts(&fake, &request_for(&["plain-data"]), false);
    let answers = with(defaults_up_to_names(vec![1]), [A::Yes]);
    let (outcome, script) = wizard(answers, &fake, &CreateArgs::default());
    outcome.unwrap();
    assert!(script.asked("confirm Apply these changes? [default false]"));
    assert!(script.said("~ update"));
}

#[test]
fn equivalent_command_names_only_what_differs() {
    assert_eq!(
        equivalent_command(&request_for(&["my-data"])),
        "provision-role create --bucket my-data --yes"
    );
    let mut req = request_for(&["b-1/my folder/it's", "a-1"]);
    req.role_name = "r".into();
    req.policy_name = "p".into();
    req.access = Access::ReadOnly;
    req.trust = Trust::Custom(vec![
        "arn:aws:iam::111122223333:root".into(),
        ACTIVELOOP_PRODUCTION.into(),
    ]);
    req.external_id = Some("ext-1".into());
    req.kms = KmsChoice::Auto {
        also: vec![values::kms_key("alias/data").unwrap()],
    };
    req.adopt = true;
    assert_eq!(
        equivalent_command(&req),
        "provision-role create --bucket a-1 --bucket 'b-1/my folder/it'\\''s' --role-name r \
         --policy-name p --access read-only --principal arn:aws:iam::111122223333:root \
         --principal arn:aws:iam::597713067985:role/activeloop_backend --external-id ext-1 \
         --kms auto --kms alias/data --adopt --yes"
    );
    req.kms = KmsChoice::Off;
    assert!(equivalent_command(&req).contains(" --kms off "));
}

#[test]
fn next_steps_show_the_command_and_cors() {
    let text = next_steps(&request_for(&["my-data"]));
    assert!(text.contains("  provision-role create --bucket my-data --yes"));
    assert!(text.contains("Enabling CORS in AWS S3"));
    let mut long = request_for(&["first-long-bucket-name", "second-long-bucket-name"]);
    long.role_name = "a-rather-long-role-name".into();
    let text = next_steps(&long);
    assert!(
        text.contains(" \\\n      --bucket second-long-bucket-name"),
        "{text}"
    );
    assert!(text.lines().all(|l| l.len() <= 80), "{text}");
}
