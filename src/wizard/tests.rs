//! The wizard driven by scripted answers and a fake account: every step, pre-filling from a
//! role that exists, the diff in the review, checking typed buckets, re-asking, cancelling,
//! flags that are not asked again, the KMS grant, and the number of decisions.

use std::cell::Cell;
use std::collections::{BTreeMap, VecDeque};

use anyhow::Result;

use super::*;
use crate::aws::ConnectOptions;
use crate::cli::args::AccessArg;
use crate::cli::{resolve, values};
use crate::exit::UsageError;
use crate::plan::facts::BucketFacts;
use crate::plan::request::{ACTIVELOOP_DEV, ACTIVELOOP_PRODUCTION};
use crate::plan::{
    self, Access, BucketScope, Encryption, ExistingPolicy, ExistingRole, Facts, Guardrails,
    KeyFacts, KeyManager, KmsChoice, Trust,
};
use crate::policy::PolicyDocument;
use crate::prompt::{cancelled, Line};

const ACCOUNT: &str = "123456789012";
const KEY_ARN: &str = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const KEY_ID: &str = "1234abcd-12ab-34cd-56ef-1234567890ab";
/// Indices in the fake's bucket list.
const KMS_DATA: usize = 0;
const PLAIN_DATA: usize = 1;
const S3_DATA: usize = 2;
const TYPE_ENTRY: usize = 3;
/// The review's choices.
const SHOW_DOCUMENTS: usize = 1;
const CHANGE: usize = 2;

/// One scripted answer.
#[derive(Debug, Clone)]
enum A {
    /// Enter: the default, the items ticked already, or the text already there.
    Keep,
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
    decisions: usize,
    verbose: bool,
}

impl Script {
    fn new(answers: impl IntoIterator<Item = A>) -> Self {
        Script {
            answers: answers.into_iter().collect(),
            log: Vec::new(),
            decisions: 0,
            verbose: false,
        }
    }

    fn next(&mut self, prompt: &str) -> A {
        let Some(answer) = self.answers.pop_front() else {
            panic!("no answer left for {prompt:?}; so far:\n{}", self.text());
        };
        self.decisions += 1;
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

    fn rejected(&self) -> Vec<&String> {
        self.log
            .iter()
            .filter(|l| l.starts_with("rejected"))
            .collect()
    }

    /// The last thing said that contains `text`.
    fn note(&self, text: &str) -> &str {
        self.log
            .iter()
            .rev()
            .find(|l| l.starts_with("note") && l.contains(text))
            .unwrap_or_else(|| panic!("nothing said contains {text:?}:\n{}", self.text()))
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
            A::Keep => Ok(default),
            A::Esc => Err(cancelled()),
            other => self.wrong(prompt, other),
        }
    }

    fn select(&mut self, prompt: &str, items: &[String], default: usize) -> Result<usize> {
        self.log
            .push(format!("select {prompt} {items:?} [default {default}]"));
        match self.next(prompt) {
            A::Pick(i) if i < items.len() => Ok(i),
            A::Keep => Ok(default),
            A::Esc => Err(cancelled()),
            other => self.wrong(prompt, other),
        }
    }

    fn multi_select(
        &mut self,
        prompt: &str,
        items: &[String],
        ticked: &[bool],
    ) -> Result<Vec<usize>> {
        let now: Vec<usize> = (0..items.len()).filter(|&i| ticked[i]).collect();
        self.log
            .push(format!("multi_select {prompt} {items:?} [ticked {now:?}]"));
        match self.next(prompt) {
            A::Tick(picked) if picked.iter().all(|&i| i < items.len()) => Ok(picked),
            A::Keep => Ok(now),
            A::Esc => Err(cancelled()),
            other => self.wrong(prompt, other),
        }
    }

    /// Like the terminal: empty takes the default; the checks run, a rejected answer is logged
    /// and the next scripted answer is tried.
    fn input(&mut self, q: &Line) -> Result<String> {
        loop {
            self.log.push(format!(
                "input {} [default {:?}] [initial {:?}]",
                q.prompt, q.default, q.initial
            ));
            let typed = match self.next(q.prompt) {
                A::Text(text) => text.trim().to_string(),
                A::Keep => q.initial.to_string(),
                A::Esc => return Err(cancelled()),
                other => self.wrong(q.prompt, other),
            };
            let value = match (typed.is_empty(), q.default) {
                (true, Some(default)) => default.to_string(),
                _ => typed,
            };
            let verdict = (q.check)(&value).map_err(|rule| rule.to_string());
            let verdict = match (verdict, q.slow) {
                (Ok(()), Some((_, slow))) if !value.is_empty() => {
                    slow(&value).map_err(|_| cancelled())?
                }
                (verdict, _) => verdict,
            };
            match verdict {
                Ok(()) => return Ok(value),
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

    fn verbose(&self) -> bool {
        self.verbose
    }
}

/// An account with a bucket encrypted with a customer-managed key (by alias), a plain
/// bucket, and an SSE-S3 bucket; `other-account-data` exists but is not listed.
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
            cors: None,
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
            ("other-account-data".into(), bucket(Encryption::None)),
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

    /// The same account, where `req` was applied earlier.
    fn with_role(req: &Request) -> Self {
        let mut fake = Fake::new();
        fake.facts = existing_facts(&fake.facts, req);
        fake
    }

    fn foreign(&self, name: &str) -> Option<ExistingRole> {
        (self.foreign_role.as_deref() == Some(name)).then(|| ExistingRole {
            arn: format!("arn:aws:iam::{ACCOUNT}:role/{name}"),
            trust: PolicyDocument::default(),
            owned: false,
            attached: vec![],
            inline: vec![],
            ..Default::default()
        })
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

    async fn role(&self, name: &str) -> Result<Option<CurrentRole>> {
        if let Some(role) = self.foreign(name) {
            return Ok(Some(CurrentRole::new(&role, &[])));
        }
        let Some(role) = &self.facts.existing.role else {
            return Ok(None);
        };
        let policies: Vec<ExistingPolicy> =
            self.facts.existing.policies.values().cloned().collect();
        let named = role.arn.ends_with(&format!("/{name}"));
        Ok(named.then(|| CurrentRole::new(role, &policies)))
    }

    fn check_bucket(&self, name: &str) -> Result<Result<String, String>> {
        Ok(match self.facts.buckets.get(name) {
            Some(b) => Ok(b.region.clone()),
            None => Err(format!("bucket {name} does not exist")),
        })
    }

    /// The questions first, then the read (the fake answers at once).
    fn facts_meanwhile<T>(
        &self,
        req: &Request,
        meanwhile: impl FnOnce() -> Result<T>,
    ) -> Result<(T, Result<Facts>)> {
        let asked = meanwhile()?;
        let read = futures::FutureExt::now_or_never(self.facts(req));
        Ok((asked, read.expect("the fake reads at once")))
    }

    async fn facts(&self, req: &Request) -> Result<Facts> {
        self.reads.set(self.reads.get() + 1);
        let mut facts = self.facts.clone();
        if let Some(role) = req.role().and_then(|role| self.foreign(&role.name)) {
            facts.existing.role = Some(role);
        }
        Ok(facts)
    }
}

fn wizard_with(script: &mut Script, fake: &Fake, args: &CreateArgs) -> Result<(Request, Plan)> {
    let outcome = futures::executor::block_on(run_with(script, fake, args, "default"));
    assert!(
        script.answers.is_empty(),
        "answers left over: {:?}\n{}",
        script.answers,
        script.text()
    );
    outcome
}

fn wizard(
    answers: impl IntoIterator<Item = A>,
    fake: &Fake,
    args: &CreateArgs,
) -> (Result<(Request, Plan)>, Script) {
    let mut script = Script::new(answers);
    let outcome = wizard_with(&mut script, fake, args);
    (outcome, script)
}

/// Continue; tick `ticked`; then Enter at access, trust, external ID and the advanced step.
/// What follows (KMS, review) is up to the test.
fn up_to_encryption(ticked: Vec<usize>) -> Vec<A> {
    use A::*;
    vec![Keep, Tick(ticked), Keep, Keep, Keep, Keep]
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

/// The request with Deep Lake's CORS rule, as the wizard asks by default on a first run.
fn cors_on(mut req: Request) -> Request {
    req.cors = Some(vec![crate::plan::cors::DEFAULT_ORIGIN.into()]);
    req
}

/// `facts` in which the role exists exactly as `req` asks.
fn existing_facts(facts: &Facts, req: &Request) -> Facts {
    let fresh = plan::build(req, facts).unwrap();
    let mut facts = facts.clone();
    let arns: Vec<String> = fresh
        .policies
        .iter()
        .map(|p| p.arn.clone().unwrap())
        .collect();
    facts.existing.role = Some(ExistingRole {
        arn: fresh.holder.arn().unwrap().to_string(),
        trust: fresh.role().unwrap().trust.clone(),
        owned: true,
        attached: arns.clone(),
        inline: vec![],
        path: "/".into(),
        description: req.role().unwrap().description.clone(),
        ..Default::default()
    });
    for (policy, arn) in fresh.policies.iter().zip(arns) {
        facts.existing.policies.insert(
            policy.name.clone(),
            ExistingPolicy {
                arn,
                document: policy.document.clone(),
                owned: true,
                default_version: "v1".into(),
                ..Default::default()
            },
        );
    }
    facts
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
fn first_run_defaults_give_the_same_request_as_the_flags() {
    let fake = Fake::new();
    let answers = with(up_to_encryption(vec![PLAIN_DATA]), [A::Keep]);
    let (outcome, script) = wizard(answers, &fake, &CreateArgs::default());
    let (req, plan) = outcome.unwrap();
    assert_eq!(req, cors_on(request_for(&["plain-data"])));
    assert_eq!(
        plan.holder.arn(),
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
    assert!(script.said("does not exist yet: this run creates it"));
    assert!(script.said("no default encryption"));
    assert!(script.said("Plan: 4 to create, 0 to update, 0 to remove"));
    assert!(script.said("  CORS          rule for *.activeloop.ai on 1 bucket(s), others kept"));
    assert!(!script.said("\"Version\""), "documents only on request");
    assert!(script.asked("select Create the role? [\"Create the role\""));
    assert!(script.asked("[default 0]"), "Enter creates the role");
    assert!(!script.asked("KMS key"), "no key to grant, so no question");
    assert_eq!(script.decisions, 7);
    assert_eq!(fake.reads.get(), 1, "one discovery pass");
}

/// The issue's budget: first run, one bucket with a customer-managed key, every default.
#[test]
fn the_happy_path_takes_at_most_eight_decisions() {
    let fake = Fake::new();
    let answers = with(up_to_encryption(vec![KMS_DATA]), [A::Keep, A::Keep]);
    let (outcome, script) = wizard(answers, &fake, &CreateArgs::default());
    let (req, plan) = outcome.unwrap();
    assert!(script.decisions <= 8, "{} decisions", script.decisions);
    assert_eq!(script.decisions, 8);
    assert_eq!(req.kms, KmsChoice::auto());
    assert!(script.asked("confirm Let the role use this KMS key? [default true]"));
    assert!(script.said(KEY_ARN), "the encryption step names the key");
    assert!(policy_text(&plan).contains(KEY_ARN));
    let summary = script.note("KMS keys");
    assert!(
        summary.contains(&format!("{KEY_ID} (kms-data)")),
        "{summary}"
    );
    assert!(
        !summary.contains(" - ") && !summary.contains(" + "),
        "no diff on a first run"
    );
}

#[test]
fn declining_the_kms_grant_warns_in_the_summary() {
    let fake = Fake::new();
    let answers = with(
        up_to_encryption(vec![KMS_DATA, PLAIN_DATA]),
        [A::No, A::Keep],
    );
    let (outcome, script) = wizard(answers, &fake, &CreateArgs::default());
    let (req, plan) = outcome.unwrap();
    assert_eq!(req.kms, KmsChoice::Off);
    assert!(!policy_text(&plan).contains("kms:"));
    let summary = script.note("Plan:");
    assert!(summary.contains("KMS keys      none"), "{summary}");
    assert!(
        summary.contains("automatic KMS grants are off"),
        "the summary warns: {summary}"
    );
    assert_eq!(fake.reads.get(), 1, "re-planned from the same facts");
    let connect = ConnectOptions::default();
    assert!(equivalent_command(&req, &connect).contains("--kms off"));
}

/// A role made earlier with a folder, read-only, development trust, an external ID and a key.
fn earlier_request() -> Request {
    let mut req = request_for(&["kms-data", "plain-data/datasets"]);
    req.access = Access::ReadOnly;
    req.role_mut().trust = Trust::WithDev;
    req.role_mut().external_id = Some("ext-9".into());
    req
}

#[test]
fn a_rerun_prefills_every_step_and_enter_through_changes_nothing() {
    let fake = Fake::with_role(&earlier_request());
    let answers = vec![A::Keep; 7];
    let (outcome, script) = wizard(answers, &fake, &CreateArgs::default());
    let (req, plan) = outcome.unwrap();
    assert!(plan.is_noop(), "{:?}", plan.changes);
    assert_eq!(req, earlier_request());
    assert!(
        script.said("exists (made by provision-role)"),
        "{}",
        script.text()
    );
    let now = script.note("  Buckets       kms-data, plain-data/datasets");
    assert!(now.contains("  Access        read-only"), "{now}");
    assert!(
        now.contains("  Trusted       Activeloop, Activeloop development backends"),
        "{now}"
    );
    assert!(now.contains(&format!("  KMS keys      {KEY_ID}")), "{now}");
    let listed = script
        .log
        .iter()
        .find(|l| l.starts_with("multi_select"))
        .unwrap();
    assert!(
        listed.contains("\"plain-data/datasets\"") && listed.ends_with("[ticked [0, 2]]"),
        "{listed}"
    );
    assert!(script.asked("select Access") && script.asked("[default 1]"));
    assert!(script.asked("input External ID (empty: none) [default None] [initial \"ext-9\"]"));
    assert!(script.asked("confirm Let the role use this KMS key? [default true]"));
    assert!(
        !script.asked("Apply these changes?"),
        "nothing to change, nothing asked"
    );
    assert_eq!(script.decisions, 7);
}

#[test]
fn a_rerun_keeps_a_declined_key_declined_and_other_keys_granted() {
    let mut declined = request_for(&["kms-data"]);
    declined.kms = KmsChoice::Off;
    let fake = Fake::with_role(&declined);
    let (outcome, script) = wizard(vec![A::Keep; 7], &fake, &CreateArgs::default());
    assert!(outcome.unwrap().1.is_noop(), "{}", script.text());
    assert!(script.asked("confirm Let the role use this KMS key? [default false]"));

    let other = "arn:aws:kms:us-east-1:123456789012:key/0000aaaa-12ab-34cd-56ef-1234567890ab";
    let mut explicit = request_for(&["plain-data"]);
    explicit.kms = KmsChoice::Auto {
        also: vec![values::kms_key(other).unwrap()],
    };
    let fake = Fake::with_role(&explicit);
    let (outcome, script) = wizard(vec![A::Keep; 6], &fake, &CreateArgs::default());
    let (req, plan) = outcome.unwrap();
    assert!(plan.is_noop(), "{}", script.text());
    assert!(policy_text(&plan).contains(other));
    let connect = ConnectOptions::default();
    assert!(equivalent_command(&req, &connect).contains(&format!("--kms auto --kms {other}")));
}

#[test]
fn unticking_a_bucket_shows_the_removal_and_the_question_defaults_to_no() {
    let fake = Fake::with_role(&request_for(&["plain-data", "s3-data"]));
    // Listed: kms-data, plain-data, s3-data; keep only s3-data.
    let answers = with(up_to_encryption(vec![S3_DATA]), [A::Keep]);
    let (outcome, script) = wizard(answers, &fake, &CreateArgs::default());
    let err = outcome.unwrap_err();
    assert!(is_cancelled(&err));
    assert_eq!(err.to_string(), "cancelled, nothing was changed");
    let summary = script.note("Plan:");
    assert!(
        summary.contains("  Buckets       s3-data\n              - plain-data"),
        "{summary}"
    );
    assert!(
        summary.contains("Plan: 0 to create, 1 to update, 0 to remove"),
        "{summary}"
    );
    assert!(
        summary.contains("this removes 1 grant the role has now: bucket plain-data"),
        "{summary}"
    );
    assert!(script.asked("select Apply these changes?"));
    assert!(script.asked("\"Cancel: keep the role as it is\"] [default 3]"));
}

#[test]
fn adding_a_bucket_defaults_to_applying() {
    let fake = Fake::with_role(&request_for(&["plain-data"]));
    let answers = with(up_to_encryption(vec![PLAIN_DATA, S3_DATA]), [A::Keep]);
    let (outcome, script) = wizard(answers, &fake, &CreateArgs::default());
    let (req, plan) = outcome.unwrap();
    assert_eq!(req, request_for(&["plain-data", "s3-data"]));
    assert!(!plan.creates_role());
    let summary = script.note("Plan:");
    assert!(summary.contains("              + s3-data"), "{summary}");
    assert!(!summary.contains("removes"), "{summary}");
    assert!(script.asked("\"Cancel: keep the role as it is\"] [default 0]"));
}

#[test]
fn a_typed_bucket_is_checked_when_entered_and_asked_again() {
    use A::*;
    let fake = Fake::new();
    let answers = [
        Keep,
        Tick(vec![PLAIN_DATA, TYPE_ENTRY]),
        Text("missing-bucket"),
        Text("Bad_Bucket"),
        Text("other-account-data"),
        Text("s3://plain-data"), // already ticked
        Text("s3-data/datasets/v1/"),
        Text(""), // done
    ];
    let answers = with(answers.to_vec(), [Keep, Keep, Keep, Keep, Keep]);
    let (outcome, script) = wizard(answers, &fake, &CreateArgs::default());
    let (req, _) = outcome.unwrap();
    let rejected = script.rejected();
    assert_eq!(rejected.len(), 2, "{}", script.text());
    assert!(rejected[0].contains("bucket missing-bucket does not exist"));
    assert!(rejected[1].contains("may contain only lowercase letters"));
    let scopes: Vec<String> = req.buckets.iter().map(ToString::to_string).collect();
    assert_eq!(
        scopes,
        ["other-account-data", "plain-data", "s3-data/datasets/v1"]
    );
}

#[test]
fn typed_answers_are_checked_and_asked_again_with_the_rule() {
    use A::*;
    let fake = Fake::new();
    let answers = [
        Keep,
        Tick(vec![PLAIN_DATA]),
        Pick(1), // read-only
        Pick(2), // other principals
        Text("nope"),
        Text("arn:aws:iam::111122223333:root, arn:aws:iam::111122223333:role/x"),
        Text("x"),
        Text("ext-123"),
        Yes, // change names
        Text("has space"),
        Text("custom-role"),
        Text("p-3"),
        Text(""), // policy: custom-role-s3-access
        Keep,     // description
        Keep,     // review
    ];
    let (outcome, script) = wizard(answers, &fake, &CreateArgs::default());
    let (req, _) = outcome.unwrap();
    let rejected = script.rejected();
    assert_eq!(rejected.len(), 4, "{}", script.text());
    assert!(rejected[0].contains("not an IAM principal ARN"));
    assert!(rejected[1].contains("external ID must be 2 to 1224"));
    assert!(rejected[2].contains("role name \"has space\""));
    assert!(rejected[3].contains("must not end in -3"));
    assert!(
        !rejected[3].contains("--policy-name"),
        "the rule, not the flag"
    );
    assert_eq!(req.access, Access::ReadOnly);
    assert_eq!(
        req.role().unwrap().trust.principals(),
        vec![
            "arn:aws:iam::111122223333:role/x",
            "arn:aws:iam::111122223333:root"
        ]
    );
    assert_eq!(req.role().unwrap().external_id.as_deref(), Some("ext-123"));
    assert_eq!(
        (req.role().unwrap().name.as_str(), req.policy_name.as_str()),
        ("custom-role", "custom-role-s3-access")
    );
    assert_eq!(fake.reads.get(), 2, "read again for the new names");
    assert!(
        script.said(
            "  Trusted       arn:aws:iam::111122223333:role/x, arn:aws:iam::111122223333:root"
        ) || script
            .note("Trusted")
            .contains("arn:aws:iam::111122223333:root")
    );
}

#[test]
fn trust_choices_say_who_they_are_for() {
    let fake = Fake::new();
    let mut answers = up_to_encryption(vec![PLAIN_DATA]);
    answers[3] = A::Pick(1);
    let (outcome, script) = wizard(with(answers, [A::Keep]), &fake, &CreateArgs::default());
    let req = outcome.unwrap().0;
    assert_eq!(req.role().unwrap().trust, Trust::WithDev);
    assert_eq!(
        req.role().unwrap().trust.principals().len(),
        1 + ACTIVELOOP_DEV.len()
    );
    let items = script
        .log
        .iter()
        .find(|l| l.starts_with("select Trust"))
        .unwrap();
    assert!(items.contains("Activeloop and its development backends (Activeloop's own use)"));
    assert!(items.contains("Other principals, instead of Activeloop…"));
    assert!(script.said("replace Activeloop's"));
    let connect = ConnectOptions::default();
    assert!(equivalent_command(&req, &connect).contains("--trust-dev"));
    assert!(script
        .note("Trusted")
        .contains("Activeloop, Activeloop development backends"));
}

#[test]
fn esc_at_each_kind_of_prompt_cancels() {
    // Confirm, multi-select, select, text; then the same text prompt on a re-run.
    for at in 0..4 {
        let fake = Fake::new();
        let mut answers = up_to_encryption(vec![PLAIN_DATA]);
        answers.truncate([0, 1, 2, 4][at]);
        answers.push(A::Esc);
        let (outcome, _) = wizard(answers, &fake, &CreateArgs::default());
        let err = outcome.unwrap_err();
        assert!(is_cancelled(&err), "{at}: {err:#}");
        assert_eq!(err.to_string(), "cancelled, nothing was created");
    }
    let fake = Fake::with_role(&request_for(&["plain-data"]));
    let answers = [A::Keep, A::Keep, A::Keep, A::Keep, A::Esc];
    let (outcome, script) = wizard(answers, &fake, &CreateArgs::default());
    assert!(script.asked("input External ID"));
    assert_eq!(
        outcome.unwrap_err().to_string(),
        "cancelled, nothing was changed"
    );
}

#[test]
fn esc_at_the_bucket_list_cancels_before_any_read() {
    let fake = Fake::new();
    let (outcome, _) = wizard([A::Keep, A::Esc], &fake, &CreateArgs::default());
    assert!(is_cancelled(&outcome.unwrap_err()));
    assert_eq!(fake.reads.get(), 0);
}

#[test]
fn cancel_or_esc_at_the_review_cancels() {
    for last in [A::Pick(3), A::Esc] {
        let fake = Fake::new();
        let answers = with(up_to_encryption(vec![PLAIN_DATA]), [last]);
        let (outcome, _) = wizard(answers, &fake, &CreateArgs::default());
        let err = outcome.unwrap_err();
        assert!(is_cancelled(&err));
        assert_eq!(err.to_string(), "cancelled, nothing was created");
    }
}

#[test]
fn the_documents_are_one_choice_away_and_always_shown_with_verbose() {
    let fake = Fake::new();
    let answers = with(
        up_to_encryption(vec![PLAIN_DATA]),
        [A::Pick(SHOW_DOCUMENTS), A::Keep],
    );
    let (outcome, script) = wizard(answers, &fake, &CreateArgs::default());
    outcome.unwrap();
    assert!(script.said("Trust policy") && script.said("\"sts:AssumeRole\""));
    assert!(script.said("+ create"));
    assert_eq!(script.decisions, 8);

    let mut verbose = Script::new(with(up_to_encryption(vec![PLAIN_DATA]), [A::Keep]));
    verbose.verbose = true;
    wizard_with(&mut verbose, &Fake::new(), &CreateArgs::default()).unwrap();
    assert!(verbose.said("Trust policy") && verbose.said("\"s3:GetObject\""));
}

#[test]
fn cors_is_on_by_default_and_can_be_turned_off_in_the_review() {
    let fake = Fake::new();
    let cors_setting = 5;
    let answers = with(
        up_to_encryption(vec![PLAIN_DATA]),
        [A::Pick(CHANGE), A::Pick(cors_setting), A::Pick(1), A::Keep],
    );
    let (outcome, script) = wizard(answers, &fake, &CreateArgs::default());
    let (req, plan) = outcome.unwrap();
    assert_eq!(
        req,
        request_for(&["plain-data"]),
        "CORS off: nothing else moved"
    );
    assert!(!plan
        .changes
        .iter()
        .any(|c| matches!(c, crate::plan::Change::PutCors { .. })));
    assert!(script.asked("select CORS rule for Activeloop's web visualizer?"));
    assert!(script.asked("[default 0]"), "on is the default");
    assert!(!script.note("Plan:").contains("CORS"), "{}", script.text());
    assert_eq!(fake.reads.get(), 1, "CORS was read with the buckets");
    let command = equivalent_command(&req, &ConnectOptions::default());
    assert!(!command.contains("--cors"), "{command}");
}

#[test]
fn a_rerun_keeps_cors_as_the_buckets_have_it() {
    let req = cors_on(request_for(&["plain-data"]));
    let mut fake = Fake::with_role(&req);
    let id = crate::plan::cors::rule_id(&req.holder.id());
    let ours = crate::plan::cors::CorsRule::ours(&id, &[crate::plan::cors::DEFAULT_ORIGIN.into()]);
    for bucket in fake.facts.buckets.values_mut() {
        bucket.cors = Some(vec![ours.clone()]);
    }
    let (outcome, script) = wizard(vec![A::Keep; 6], &fake, &CreateArgs::default());
    let (got, plan) = outcome.unwrap();
    assert_eq!(got, req, "{}", script.text());
    assert!(plan.is_noop(), "{:?}", plan.changes);
}

#[test]
fn change_a_setting_asks_that_step_again() {
    let fake = Fake::new();
    let answers = with(
        up_to_encryption(vec![PLAIN_DATA]),
        [A::Pick(CHANGE), A::Pick(1), A::Pick(1), A::Keep],
    );
    let (outcome, script) = wizard(answers, &fake, &CreateArgs::default());
    let (req, plan) = outcome.unwrap();
    assert_eq!(req.access, Access::ReadOnly);
    assert!(!policy_text(&plan).contains("s3:PutObject"));
    assert!(script.asked("select Change which setting?"));
    assert_eq!(fake.reads.get(), 1, "access needs no new read");
    assert!(script.note("Plan:").contains("Access        read-only"));
}

/// The access method is a setting of the review, not a question on the default path: keys
/// make the plan a user's, with no trust rows, a row for its key, and the safer role named.
#[test]
fn access_keys_are_one_setting_away() {
    const ACCESS_METHOD: usize = 6;
    let fake = Fake::new();
    let answers = with(
        up_to_encryption(vec![PLAIN_DATA]),
        [A::Pick(CHANGE), A::Pick(ACCESS_METHOD), A::Pick(1), A::Keep],
    );
    let (outcome, script) = wizard(answers, &fake, &CreateArgs::default());
    let (req, plan) = outcome.unwrap();
    assert_eq!(
        req.holder.id(),
        plan::Holder::User(plan::request::DEFAULT_USER_NAME.into())
    );
    assert!(req.role().is_none(), "the role's answers are set aside");
    assert!(plan
        .changes
        .iter()
        .any(|c| matches!(c, plan::Change::CreateAccessKey { .. })));
    assert!(script.said("A role is safer"));
    assert!(script.asked("select Access method"));
    assert!(script.asked("select Create the user and its key?"));
    let summary = script.note("Access key");
    assert!(summary.contains("  User "), "{summary}");
    assert!(!summary.contains("Trusted"), "{summary}");
    assert!(!summary.contains("Activeloop is not trusted"), "{summary}");
    assert_eq!(fake.reads.get(), 2, "the user is read before its review");
    let command = equivalent_command(&req, &ConnectOptions::default());
    assert!(command.contains("--identity user"), "{command}");
    assert!(!command.contains("--role-name"), "{command}");
}

/// A role-only flag keeps the role: choosing keys says which flag stands in the way.
#[test]
fn a_role_flag_keeps_the_role() {
    let fake = Fake::new();
    let args = CreateArgs {
        role: RoleArgs {
            external_id: Some("ext-42".into()),
            ..RoleArgs::default()
        },
        ..CreateArgs::default()
    };
    let answers = [
        A::Keep,
        A::Tick(vec![PLAIN_DATA]),
        A::Keep,
        A::Keep,
        A::Keep,
        A::Pick(CHANGE),
        A::Pick(6),
        A::Pick(1),
        A::Keep,
    ];
    let (outcome, script) = wizard(answers, &fake, &args);
    let (req, _) = outcome.unwrap();
    assert!(req.role().is_some());
    assert!(script.said("--external-id was given, and applies only to a role"));
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
        credentials: Default::default(),
        role: RoleArgs {
            role_name: Some("team-role".into()),
            policy_name: Some("team-policy".into()),
            description: Some("Team data".into()),
            access: Some(AccessArg::ReadOnly),
            trust_dev: true,
            external_id: Some("ext-42".into()),
            kms: vec![values::KmsValue::Off],
            ..RoleArgs::default()
        },
        yes: false,
    };
    let answers = [A::Keep, A::Tick(vec![KMS_DATA]), A::Keep];
    let (outcome, script) = wizard(answers, &fake, &args);
    let (req, plan) = outcome.unwrap();
    for flag in [
        "--role-name",
        "--policy-name",
        "--description",
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
    for prompt in [
        "select Access",
        "select Trust",
        "input",
        "KMS key",
        "Change the names",
    ] {
        assert!(!script.asked(prompt), "{prompt} asked\n{}", script.text());
    }
    assert_eq!(
        (req.role().unwrap().name.as_str(), req.policy_name.as_str()),
        ("team-role", "team-policy")
    );
    assert_eq!(req.access, Access::ReadOnly);
    assert_eq!(req.role().unwrap().external_id.as_deref(), Some("ext-42"));
    assert_eq!(req.kms, KmsChoice::Off);
    assert!(!policy_text(&plan).contains("kms:"));
    assert_eq!(script.decisions, 3);
}

#[test]
fn yes_flag_skips_only_the_final_question() {
    let fake = Fake::new();
    let args = CreateArgs {
        credentials: Default::default(),
        yes: true,
        ..CreateArgs::default()
    };
    let (outcome, script) = wizard(up_to_encryption(vec![PLAIN_DATA]), &fake, &args);
    outcome.unwrap();
    assert!(!script.asked("Create the role?"));
    assert!(script.said("--yes"));
}

#[test]
fn a_bad_flag_fails_before_the_first_question() {
    let fake = Fake::new();
    let args = CreateArgs {
        credentials: Default::default(),
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
    let answers = [A::Keep, A::Text(""), A::Text("plain-data"), A::Text("")];
    let answers = with(
        answers.to_vec(),
        [A::Keep, A::Keep, A::Keep, A::Keep, A::Keep],
    );
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
    let mut answers = up_to_encryption(vec![]);
    answers.splice(1..2, [A::Text("s3-data"), A::Text("")]);
    let (outcome, script) = wizard(with(answers, [A::Keep]), &fake, &CreateArgs::default());
    assert_eq!(
        outcome.unwrap().0.buckets,
        vec![BucketScope::whole("s3-data")]
    );
    assert!(script.said("could not list buckets"), "{}", script.text());
}

#[test]
fn no_bucket_ticked_asks_again() {
    let fake = Fake::new();
    let mut answers = up_to_encryption(vec![]);
    answers.insert(2, A::Tick(vec![S3_DATA]));
    let (outcome, script) = wizard(with(answers, [A::Keep]), &fake, &CreateArgs::default());
    assert_eq!(
        outcome.unwrap().0.buckets,
        vec![BucketScope::whole("s3-data")]
    );
    assert!(script.asked("multi_select Buckets (none chosen: tick at least one"));
}

#[test]
fn a_long_list_is_narrowed_first_and_keeps_what_the_role_has() {
    let mut names: Vec<String> = (1..=20).map(|i| format!("team-{i:02}-data")).collect();
    names.push("plain-data".into());
    let mut fake = Fake::with_role(&request_for(&["plain-data"]));
    fake.listing = Listing::Names(names);
    let mut answers = up_to_encryption(vec![0]);
    answers.insert(1, A::Text("nothing-like-this"));
    answers.insert(2, A::Text("-1"));
    // plain-data is what the role has: nothing changes, nothing is asked at the end.
    let (outcome, script) = wizard(answers, &fake, &CreateArgs::default());
    assert_eq!(
        outcome.unwrap().0.buckets,
        vec![BucketScope::whole("plain-data")]
    );
    assert!(script.said("21 buckets"));
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
    assert!(
        listed.contains("\"plain-data\""),
        "the granted bucket stays: {listed}"
    );
}

#[test]
fn a_role_provision_role_did_not_make_is_left_alone() {
    let fake = Fake {
        foreign_role: Some("activeloop-deeplake-access".into()),
        ..Fake::new()
    };
    let answers = with(
        vec![
            A::Keep,
            A::Text("activeloop-deeplake-access"),
            A::Text("second-role"),
        ],
        up_to_encryption(vec![PLAIN_DATA])[1..].to_vec(),
    );
    let (outcome, script) = wizard(with(answers, [A::Keep]), &fake, &CreateArgs::default());
    let req = outcome.unwrap().0;
    assert_eq!(
        (req.role().unwrap().name.as_str(), req.policy_name.as_str()),
        ("second-role", "second-role-s3-access")
    );
    assert!(script.said("exists and was not"), "{}", script.text());
    assert!(script.rejected()[0].contains("is taken"));
    assert!(script.said("Role second-role does not exist yet"));
}

#[test]
fn a_policy_name_taken_by_another_policy_is_asked_again() {
    let mut fake = Fake::new();
    let taken = "activeloop-deeplake-access-s3-access";
    fake.facts.existing.policies.insert(
        taken.into(),
        ExistingPolicy {
            arn: format!("arn:aws:iam::{ACCOUNT}:policy/{taken}"),
            document: PolicyDocument::default(),
            owned: false,
            ..Default::default()
        },
    );
    let names = [A::Keep, A::Text("deeplake-s3"), A::Keep];
    let answers = with(up_to_encryption(vec![PLAIN_DATA]), names);
    let (outcome, script) = wizard(with(answers, [A::Keep]), &fake, &CreateArgs::default());
    let req = outcome.unwrap().0;
    assert_eq!(req.policy_name, "deeplake-s3");
    assert!(
        script.said(&format!("policy {taken} already exists")),
        "{}",
        script.text()
    );
    assert_eq!(fake.reads.get(), 2, "read again for the new name");
}

#[test]
fn a_foreign_role_named_by_a_flag_fails_at_once() {
    let fake = Fake {
        foreign_role: Some("theirs".into()),
        ..Fake::new()
    };
    let args = CreateArgs {
        credentials: Default::default(),
        role: RoleArgs {
            role_name: Some("theirs".into()),
            ..RoleArgs::default()
        },
        yes: false,
    };
    let (outcome, script) = wizard([], &fake, &args);
    assert!(format!("{:#}", outcome.unwrap_err()).contains("already exists"));
    assert_eq!(script.decisions, 0);
}

#[test]
fn a_trust_change_is_a_diff_too() {
    let fake = Fake::with_role(&earlier_request());
    // Trust: Activeloop only (drops the development backends); external ID cleared.
    let answers = [
        A::Keep,
        A::Keep,
        A::Keep,
        A::Pick(0),
        A::Text(""),
        A::Keep,
        A::Keep,
        A::Keep,
    ];
    let (outcome, script) = wizard(answers, &fake, &CreateArgs::default());
    assert!(is_cancelled(&outcome.unwrap_err()), "defaults to No");
    let summary = script.note("Plan:");
    assert!(
        summary.contains("              - Activeloop development backends"),
        "{summary}"
    );
    assert!(summary.contains("  External ID - ext-9"), "{summary}");
    assert!(
        summary.contains("trust in Activeloop development"),
        "{summary}"
    );
}

#[test]
fn equivalent_command_names_every_flag_that_shaped_the_run() {
    let none = ConnectOptions::default();
    assert_eq!(
        equivalent_command(&request_for(&["my-data"]), &none),
        "provision-role create --bucket my-data --yes"
    );
    let mut req = request_for(&["b-1/my folder/it's", "a-1"]);
    req.role_mut().name = "r".into();
    req.policy_name = "p".into();
    req.role_mut().description = "Team data".into();
    req.access = Access::ReadOnly;
    req.role_mut().trust = Trust::Custom(vec![
        "arn:aws:iam::111122223333:root".into(),
        ACTIVELOOP_PRODUCTION.into(),
    ]);
    req.role_mut().external_id = Some("ext-1".into());
    req.kms = KmsChoice::Auto {
        also: vec![values::kms_key("alias/data").unwrap()],
    };
    req.adopt = true;
    req.guardrails = Guardrails {
        path: Some("/deeplake/".into()),
        permissions_boundary: Some("arn:aws:iam::123456789012:policy/boundary".into()),
        tags: vec![("team".into(), "data science".into())],
        max_session_duration: Some(43200),
    };
    let connect = ConnectOptions {
        profile: Some("prod admin".into()),
        region: Some("eu-west-1".into()),
        endpoint_url: Some("http://127.0.0.1:5000".into()),
        ..ConnectOptions::default()
    };
    assert_eq!(
        equivalent_command(&req, &connect),
        "provision-role create --bucket a-1 --bucket 'b-1/my folder/it'\\''s' --role-name r \
         --policy-name p --description 'Team data' --access read-only \
         --principal arn:aws:iam::111122223333:root \
         --principal arn:aws:iam::597713067985:role/activeloop_backend --external-id ext-1 \
         --kms auto --kms alias/data --path /deeplake/ \
         --permissions-boundary arn:aws:iam::123456789012:policy/boundary \
         --tag 'team=data science' --max-session-duration 43200 --adopt \
         --profile 'prod admin' --region eu-west-1 --endpoint-url http://127.0.0.1:5000 --yes"
    );
    req.kms = KmsChoice::Off;
    assert!(equivalent_command(&req, &none).contains(" --kms off "));
}

#[test]
fn next_steps_show_the_command_and_cors_when_activeloop_is_trusted() {
    let none = ConnectOptions::default();
    let text = next_steps(&request_for(&["my-data"]), &none);
    assert!(text.contains("  provision-role create --bucket my-data --yes"));
    assert!(text.contains("run again with --cors"), "{text}");
    let text = next_steps(&cors_on(request_for(&["my-data"])), &none);
    assert!(text.contains("  provision-role create --bucket my-data --cors --yes"));
    assert!(!text.contains("Next:"), "CORS is done: {text}");
    let mut long = request_for(&["first-long-bucket-name", "second-long-bucket-name"]);
    long.role_mut().name = "a-rather-long-role-name".into();
    let text = next_steps(&long, &none);
    assert!(
        text.contains(" \\\n      --bucket second-long-bucket-name"),
        "{text}"
    );
    assert!(text.lines().all(|l| l.len() <= 80), "{text}");
    long.role_mut().trust = Trust::Custom(vec!["arn:aws:iam::111122223333:root".into()]);
    assert!(!next_steps(&long, &none).contains("CORS"));
}

/// Ten buckets, a key, guardrails: the summary still fits one 80x24 screen with the question.
#[test]
fn the_summary_of_ten_buckets_fits_one_screen() {
    let names: Vec<String> = (1..=10).map(|i| format!("team-{i:02}-datasets")).collect();
    let mut facts = Fake::new().facts;
    for name in &names {
        let b = BucketFacts {
            region: "us-east-1".into(),
            encryption: Encryption::None,
            cors: None,
        };
        facts.buckets.insert(name.clone(), b);
    }
    let mut buckets: Vec<&str> = names.iter().map(String::as_str).collect();
    buckets.push("kms-data");
    let mut req = request_for(&buckets);
    req.role_mut().external_id = Some("a1b2c3d4-external".into());
    let plan = plan::build(&req, &facts).unwrap();
    for width in [79, 40] {
        let text = summary(&plan, None, width).text;
        // Over the width only when one word is: an ARN, a key id.
        let long = |l: &&str| console::measure_text_width(l) > width && l[16..].contains(' ');
        assert_eq!(text.lines().filter(long).count(), 0, "{width}:\n{text}");
        if width == 79 {
            // Heading (3), summary, question (5) on 24 rows.
            assert!(text.lines().count() + 3 + 5 <= 24, "{text}");
            let wrapped: Vec<&str> = text
                .lines()
                .filter(|l| l.starts_with("                "))
                .collect();
            assert!(
                !wrapped.is_empty(),
                "the bucket list wraps under itself:\n{text}"
            );
        }
    }
}

#[test]
fn grants_of_a_plan_read_back_as_the_request() {
    let req = earlier_request();
    let plan = plan::build(&req, &Fake::new().facts).unwrap();
    let grants = Grants::planned(&plan);
    assert_eq!(grants.scopes, req.buckets);
    assert_eq!(grants.access, Some(Access::ReadOnly));
    assert_eq!(grants.trust(), Trust::WithDev);
    assert_eq!(grants.external_id.as_deref(), Some("ext-9"));
    assert_eq!(grants.kms_keys, [KEY_ARN]);
}
