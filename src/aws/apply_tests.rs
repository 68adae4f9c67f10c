//! `apply`, `confirm` and `rollback` against a mocked IAM (aws-smithy-mocks): every test lists
//! the calls IAM may see (any other call fails the test), how often each was made, and what the
//! journal and the rollback report say. Independent writes run concurrently, so journals are
//! compared in order only where the order is fixed (attachments after policies and the role).

use crate::policy::{HeldDocument, PolicyDocument};
use std::time::Duration;

use aws_sdk_iam::config::retry::RetryConfig;
use aws_sdk_iam::error::ErrorMetadata;
use aws_sdk_iam::operation::attach_role_policy::{AttachRolePolicyError, AttachRolePolicyOutput};
use aws_sdk_iam::operation::create_policy::{CreatePolicyError, CreatePolicyOutput};
use aws_sdk_iam::operation::create_policy_version::CreatePolicyVersionOutput;
use aws_sdk_iam::operation::create_role::{CreateRoleError, CreateRoleOutput};
use aws_sdk_iam::operation::delete_policy::DeletePolicyOutput;
use aws_sdk_iam::operation::delete_policy_version::DeletePolicyVersionOutput;
use aws_sdk_iam::operation::delete_role::{DeleteRoleError, DeleteRoleOutput};
use aws_sdk_iam::operation::get_policy::GetPolicyOutput;
use aws_sdk_iam::operation::get_policy_version::GetPolicyVersionOutput;
use aws_sdk_iam::operation::get_role::GetRoleOutput;
use aws_sdk_iam::operation::list_policy_versions::ListPolicyVersionsOutput;
use aws_sdk_iam::operation::set_default_policy_version::SetDefaultPolicyVersionOutput;
use aws_sdk_iam::primitives::DateTime;
use aws_sdk_iam::types::error::{EntityAlreadyExistsException, NoSuchEntityException};
use aws_sdk_iam::types::{Policy, PolicyVersion, Role};
use aws_sdk_iam::Client;
use aws_smithy_mocks::{mock, mock_client, Rule, RuleMode};
use serde_json::json;

use super::apply::*;
use super::journal::{rollback, Journal, Undo};
use super::ops::Op;
use super::retry::Backoff;
use super::{Error, Outcome};
use crate::cancel::Cancel;
use crate::cli::{resolve, values, RoleArgs};
use crate::plan::{
    self, Action, Change, ExistingPolicy, ExistingRole, Facts, Holder, Plan, Request,
};

const ACCOUNT: &str = "123456789012";
const ROLE: &str = "r";
const POLICY_ARN: &str = "arn:aws:iam::123456789012:policy/r-s3-access";

fn request() -> Request {
    resolve::request(&RoleArgs {
        buckets: vec![values::bucket_scope("data").unwrap()],
        role_name: Some(ROLE.into()),
        ..RoleArgs::default()
    })
    .expect("a valid request")
}

fn facts() -> Facts {
    Facts {
        account_id: Some(ACCOUNT.into()),
        ..Facts::offline()
    }
}

/// Nothing exists yet: create the policy, the role, and attach.
fn new_role_plan() -> Plan {
    plan::build(&request(), &facts()).expect("a plan")
}

fn trust() -> PolicyDocument {
    plan::trust_document(request().role().unwrap())
}

fn doc(v: serde_json::Value) -> PolicyDocument {
    serde_json::from_value(v).expect("a policy document")
}

/// The role and its policy exist (ours); the policy's document differs from the plan's.
fn policy_update_plan() -> Plan {
    let mut facts = facts();
    facts.existing.role = Some(ExistingRole {
        arn: format!("arn:aws:iam::{ACCOUNT}:role/{ROLE}"),
        trust: trust(),
        owned: true,
        attached: vec![POLICY_ARN.into()],
        path: "/".into(),
        description: request().role().unwrap().description.clone(),
        ..Default::default()
    });
    let old = doc(
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Action": "s3:GetObject", "Resource": "arn:aws:s3:::old/*"}]}),
    );
    facts.existing.policies.insert(
        "r-s3-access".into(),
        ExistingPolicy {
            arn: POLICY_ARN.into(),
            document: old,
            owned: true,
            default_version: "v1".into(),
            ..Default::default()
        },
    );
    plan::build(&request(), &facts).expect("a plan")
}

/// A client that answers from `rules` (any matching rule) and retries throttling at once.
fn client(rules: &[&Rule]) -> Client {
    let retry = RetryConfig::standard()
        .with_max_attempts(3)
        .with_initial_backoff(Duration::from_millis(1));
    mock_client!(aws_sdk_iam, RuleMode::MatchAny, rules, |c| c
        .retry_config(retry.clone()))
}

/// `apply` with retries at once and no cancellation (shared with `prune_tests`).
pub(super) async fn run(iam: &Client, plan: &Plan, journal: &Journal) -> Outcome<Versions> {
    let writer = Writer {
        iam,
        s3: &no_s3,
        journal,
        backoff: Backoff::IMMEDIATE,
        cancel: &Cancel::default(),
        progress: &|_| {},
        keys: &|_| Ok(()),
    };
    apply(&writer, plan).await
}

fn meta(code: &str) -> ErrorMetadata {
    ErrorMetadata::builder()
        .code(code)
        .message(format!("mocked {code}"))
        .build()
}

fn create_policy_ok() -> Rule {
    mock!(Client::create_policy)
        .match_requests(|r| r.policy_name() == Some("r-s3-access"))
        .then_output(|| {
            CreatePolicyOutput::builder()
                .policy(
                    Policy::builder()
                        .policy_name("r-s3-access")
                        .arn(POLICY_ARN)
                        .build(),
                )
                .build()
        })
}

fn create_role_ok() -> Rule {
    mock!(Client::create_role)
        .match_requests(|r| r.role_name() == Some(ROLE))
        .then_output(|| CreateRoleOutput::builder().build())
}

fn delete_role_ok() -> Rule {
    mock!(Client::delete_role)
        .match_requests(|r| r.role_name() == Some(ROLE))
        .then_output(|| DeleteRoleOutput::builder().build())
}

fn role_with_trust(trust: PolicyDocument) -> Rule {
    mock!(Client::get_role)
        .match_requests(|r| r.role_name() == Some(ROLE))
        .then_output(move || {
            let role = Role::builder()
                .role_name(ROLE)
                .path("/")
                .role_id("AROAEXAMPLE")
                .arn(format!("arn:aws:iam::{ACCOUNT}:role/{ROLE}"))
                .create_date(DateTime::from_secs(0))
                .assume_role_policy_document(trust.to_compact())
                .build()
                .expect("a role");
            GetRoleOutput::builder().role(role).build()
        })
}

/// GetPolicy and GetPolicyVersion for a policy whose default is `version` with `document`.
fn policy_is(version: &'static str, document: PolicyDocument) -> (Rule, Rule) {
    let get = mock!(Client::get_policy).then_output(move || {
        GetPolicyOutput::builder()
            .policy(
                Policy::builder()
                    .arn(POLICY_ARN)
                    .default_version_id(version)
                    .build(),
            )
            .build()
    });
    let doc = mock!(Client::get_policy_version).then_output(move || {
        GetPolicyVersionOutput::builder()
            .policy_version(
                PolicyVersion::builder()
                    .version_id(version)
                    .document(document.to_compact())
                    .build(),
            )
            .build()
    });
    (get, doc)
}

/// `delete_policy` lists the versions first; a new policy has only its default one.
fn list_one_version() -> Rule {
    mock!(Client::list_policy_versions)
        .match_requests(|r| r.policy_arn() == Some(POLICY_ARN))
        .then_output(|| {
            ListPolicyVersionsOutput::builder()
                .versions(
                    PolicyVersion::builder()
                        .version_id("v1")
                        .is_default_version(true)
                        .build(),
                )
                .build()
        })
}

fn delete_policy_ok() -> Rule {
    mock!(Client::delete_policy)
        .match_requests(|r| r.policy_arn() == Some(POLICY_ARN))
        .then_output(|| DeletePolicyOutput::builder().build())
}

fn assert_all_called_once(rules: &[&Rule]) {
    for (i, rule) in rules.iter().enumerate() {
        assert_eq!(rule.num_calls(), 1, "rule #{i} was not called exactly once");
    }
}

fn planned_document() -> PolicyDocument {
    new_role_plan().policies[0].document.clone()
}

#[tokio::test]
async fn attach_waits_out_propagation_and_journals_every_write() {
    let attach = mock!(Client::attach_role_policy)
        .match_requests(|r| r.role_name() == Some(ROLE) && r.policy_arn() == Some(POLICY_ARN))
        .sequence()
        .error(|| {
            AttachRolePolicyError::NoSuchEntityException(
                NoSuchEntityException::builder()
                    .meta(meta("NoSuchEntity"))
                    .build(),
            )
        })
        .times(2)
        .output(|| AttachRolePolicyOutput::builder().build())
        .build();
    let (policy, role) = (create_policy_ok(), create_role_ok());
    let iam = client(&[&policy, &role, &attach]);
    let journal = Journal::default();
    let versions = run(&iam, &new_role_plan(), &journal)
        .await
        .expect("apply succeeds once IAM has caught up");
    assert_eq!(attach.num_calls(), 3);
    assert_eq!(versions.get(POLICY_ARN).map(String::as_str), Some("v1"));
    let mut undo: Vec<Undo> = journal.take().into_iter().map(|e| e.undo).collect();
    assert_eq!(
        undo.pop(),
        Some(Undo::of(Op::Detach {
            holder: Holder::Role(ROLE.into()),
            arn: POLICY_ARN.into()
        })),
        "the attachment comes last"
    );
    undo.sort_by_key(|u| format!("{u:?}"));
    assert_eq!(
        undo,
        vec![
            Undo::delete_policy(POLICY_ARN.into(), planned_document()),
            Undo::delete_role(ROLE.into(), trust()),
        ]
    );
}

#[tokio::test]
async fn a_failed_create_rolls_back_what_was_made_beside_it_and_attaches_nothing() {
    let policy = mock!(Client::create_policy)
        .then_error(|| CreatePolicyError::generic(meta("AccessDenied")));
    let (role, read, delete_role) = (create_role_ok(), role_with_trust(trust()), delete_role_ok());
    let iam = client(&[&policy, &role, &read, &delete_role]);
    let journal = Journal::default();
    let err = run(&iam, &new_role_plan(), &journal)
        .await
        .expect_err("CreatePolicy fails");
    assert!(
        format!("{err:#}").contains("iam:CreatePolicy on policy r-s3-access"),
        "{err:#}"
    );
    let report = rollback(&iam, &no_s3, &journal).await;
    assert_eq!(report.undone, vec![format!("deleted role {ROLE}")]);
    assert!(
        report.failed.is_empty() && report.left.is_empty(),
        "{report:?}"
    );
    assert_all_called_once(&[&policy, &role, &read, &delete_role]);
}

#[tokio::test]
async fn a_role_that_appeared_meanwhile_is_a_conflict_not_a_failure() {
    let role = mock!(Client::create_role).then_error(|| {
        CreateRoleError::EntityAlreadyExistsException(
            EntityAlreadyExistsException::builder()
                .meta(meta("EntityAlreadyExists"))
                .build(),
        )
    });
    let policy = create_policy_ok();
    let iam = client(&[&policy, &role]);
    let journal = Journal::default();
    let err = run(&iam, &new_role_plan(), &journal)
        .await
        .expect_err("CreateRole finds the role taken");
    assert!(matches!(err, Error::Conflict(_)), "{err}");
    // Only the policy is this run's; the role is not.
    let undo: Vec<Undo> = journal.take().into_iter().map(|e| e.undo).collect();
    assert!(
        matches!(
            undo[..],
            [Undo {
                op: Op::DeletePolicy { .. },
                ..
            }]
        ),
        "{undo:?}"
    );
}

#[tokio::test]
async fn denied_attach_rolls_back_role_and_policy_after_checking_each() {
    let (policy, role) = (create_policy_ok(), create_role_ok());
    let attach = mock!(Client::attach_role_policy)
        .then_error(|| AttachRolePolicyError::generic(meta("AccessDenied")));
    let (read_role, delete_role) = (role_with_trust(trust()), delete_role_ok());
    let (get, doc) = policy_is("v1", planned_document());
    let (list, delete_policy) = (list_one_version(), delete_policy_ok());
    let iam = client(&[
        &policy,
        &role,
        &attach,
        &read_role,
        &delete_role,
        &get,
        &doc,
        &list,
        &delete_policy,
    ]);
    let journal = Journal::default();
    let err = run(&iam, &new_role_plan(), &journal)
        .await
        .expect_err("AttachRolePolicy is denied");
    assert!(format!("{err:#}").contains("AccessDenied"), "{err:#}");
    assert_eq!(attach.num_calls(), 1, "AccessDenied is not retried");
    let report = rollback(&iam, &no_s3, &journal).await;
    let mut undone = report.undone.clone();
    undone.sort();
    assert_eq!(
        undone,
        vec![
            format!("deleted policy {POLICY_ARN}"),
            format!("deleted role {ROLE}")
        ]
    );
    assert!(report.failed.is_empty(), "{report:?}");
}

#[tokio::test]
async fn rollback_keeps_what_another_writer_changed_since() {
    let journal = Journal::default();
    journal.record(Undo::delete_role(ROLE.into(), trust()));
    journal.record(Undo::restore_trust(
        ROLE.into(),
        HeldDocument::from_iam(r#"{"Version": "2012-10-17", "Statement": []}"#).unwrap(),
        trust(),
    ));
    // The role now has someone else's trust policy: neither restored nor deleted.
    let theirs = doc(
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "sts:AssumeRole"}]}),
    );
    let read = role_with_trust(theirs);
    let iam = client(&[&read]);
    let report = rollback(&iam, &no_s3, &journal).await;
    assert!(report.undone.is_empty(), "{report:?}");
    assert_eq!(report.left.len(), 2, "{report:?}");
    assert!(report.left.iter().all(|l| l.contains("kept")), "{report:?}");
    assert_eq!(read.num_calls(), 2);
}

#[tokio::test]
async fn rollback_keeps_going_past_a_failed_step_and_says_how_to_finish() {
    let journal = Journal::default();
    journal.record(Undo::delete_policy(POLICY_ARN.into(), planned_document()));
    journal.record(Undo::delete_role(ROLE.into(), trust()));
    let read_role = role_with_trust(trust());
    let delete_role =
        mock!(Client::delete_role).then_error(|| DeleteRoleError::generic(meta("AccessDenied")));
    let (get, doc) = policy_is("v1", planned_document());
    let (list, delete_policy) = (list_one_version(), delete_policy_ok());
    let iam = client(&[&read_role, &delete_role, &get, &doc, &list, &delete_policy]);
    let report = rollback(&iam, &no_s3, &journal).await;
    assert_eq!(report.undone, vec![format!("deleted policy {POLICY_ARN}")]);
    assert_eq!(report.failed.len(), 1);
    let failed = &report.failed[0];
    assert!(
        failed.starts_with("could not delete role r: iam:DeleteRole on role r failed"),
        "{failed}"
    );
    assert!(
        failed.contains("provision-role delete --role-name r --yes"),
        "{failed}"
    );
    assert!(report.summary().contains("could not be undone"));
}

#[tokio::test]
async fn an_unknown_outcome_is_settled_by_reading_back() {
    let journal = Journal::default();
    journal.record_unknown(Undo::delete_role(ROLE.into(), trust()));
    let missing = mock!(Client::get_role).then_error(|| {
        aws_sdk_iam::operation::get_role::GetRoleError::NoSuchEntityException(
            NoSuchEntityException::builder()
                .meta(meta("NoSuchEntity"))
                .build(),
        )
    });
    let iam = client(&[&missing]);
    let report = rollback(&iam, &no_s3, &journal).await;
    assert_eq!(report.left, vec![format!("role {ROLE} was not created")]);
    assert!(report.undone.is_empty() && report.failed.is_empty());
}

#[tokio::test]
async fn throttled_call_is_retried_by_the_sdk() {
    let policy = mock!(Client::create_policy)
        .sequence()
        .error(|| CreatePolicyError::generic(meta("Throttling")))
        .output(|| {
            CreatePolicyOutput::builder()
                .policy(Policy::builder().arn(POLICY_ARN).build())
                .build()
        })
        .build();
    let (role, attach) = (
        create_role_ok(),
        mock!(Client::attach_role_policy).then_output(|| AttachRolePolicyOutput::builder().build()),
    );
    let iam = client(&[&policy, &role, &attach]);
    run(&iam, &new_role_plan(), &Journal::default())
        .await
        .expect("the second attempt succeeds");
    assert_eq!(policy.num_calls(), 2);
    assert_all_called_once(&[&role, &attach]);
}

fn version(id: &str, default: bool, secs: i64) -> PolicyVersion {
    PolicyVersion::builder()
        .version_id(id)
        .is_default_version(default)
        .create_date(DateTime::from_secs(secs))
        .build()
}

#[tokio::test]
async fn policy_update_at_five_versions_deletes_the_oldest_non_default_first() {
    let plan = policy_update_plan();
    let actions: Vec<Action> = plan.changes.iter().map(Change::action).collect();
    assert_eq!(
        actions,
        vec![Action::Update, Action::Unchanged, Action::Unchanged],
        "the policy, the role, the attachment"
    );
    // The default is the oldest version, and IAM lists versions in no particular order.
    let list = mock!(Client::list_policy_versions).then_output(|| {
        ListPolicyVersionsOutput::builder()
            .versions(version("v4", false, 400))
            .versions(version("v1", true, 100))
            .versions(version("v3", false, 300))
            .versions(version("v5", false, 500))
            .versions(version("v2", false, 200))
            .build()
    });
    let delete = mock!(Client::delete_policy_version)
        .match_requests(|r| r.policy_arn() == Some(POLICY_ARN) && r.version_id() == Some("v2"))
        .then_output(|| DeletePolicyVersionOutput::builder().build());
    let expected = plan.policies[0].document.to_compact();
    let create = mock!(Client::create_policy_version)
        .match_requests(move |r| {
            r.set_as_default() == Some(true) && r.policy_document() == Some(expected.as_str())
        })
        .then_output(|| {
            CreatePolicyVersionOutput::builder()
                .policy_version(PolicyVersion::builder().version_id("v6").build())
                .build()
        });
    let iam = client(&[&list, &delete, &create]);
    let journal = Journal::default();
    let versions = run(&iam, &plan, &journal)
        .await
        .expect("the update succeeds");
    assert_all_called_once(&[&list, &delete, &create]);
    assert_eq!(versions.get(POLICY_ARN).map(String::as_str), Some("v6"));
    let restore = Undo::restore_version(
        POLICY_ARN.into(),
        "v1".into(),
        Some("v6".into()),
        plan.policies[0].document.clone(),
    );
    let undo: Vec<Undo> = journal.take().into_iter().map(|e| e.undo).collect();
    assert_eq!(undo, vec![restore]);
}

#[tokio::test]
async fn rolling_back_an_update_restores_the_previous_default_if_still_ours() {
    let journal = Journal::default();
    journal.record(Undo::restore_version(
        POLICY_ARN.into(),
        "v1".into(),
        Some("v6".into()),
        planned_document(),
    ));
    let (get, doc) = policy_is("v6", planned_document());
    let set_default = mock!(Client::set_default_policy_version)
        .match_requests(|r| r.version_id() == Some("v1"))
        .then_output(|| SetDefaultPolicyVersionOutput::builder().build());
    let delete = mock!(Client::delete_policy_version)
        .match_requests(|r| r.version_id() == Some("v6"))
        .then_output(|| DeletePolicyVersionOutput::builder().build());
    let iam = client(&[&get, &doc, &set_default, &delete]);
    let report = rollback(&iam, &no_s3, &journal).await;
    assert_eq!(
        report.undone,
        vec![format!("restored policy {POLICY_ARN} to version v1")]
    );
    assert_all_called_once(&[&set_default, &delete]);
}

#[tokio::test]
async fn confirm_names_what_differs_from_the_plan() {
    let plan = new_role_plan();
    let read = role_with_trust(PolicyDocument::default());
    let attached = mock!(Client::list_attached_role_policies).then_output(|| {
        aws_sdk_iam::operation::list_attached_role_policies::ListAttachedRolePoliciesOutput::builder()
            .build()
    });
    let (get, _) = policy_is("v2", planned_document());
    let iam = client(&[&read, &attached, &get]);
    let made = Versions::from([(POLICY_ARN.to_string(), "v1".to_string())]);
    let differences = confirm(&iam, &plan, &made).await.expect("confirm reads");
    assert_eq!(differences.len(), 3, "{differences:?}");
    assert!(differences[0].contains("trust policy"));
    assert!(differences[1].contains("not attached"));
    assert!(differences[2].contains("v2, not this run's v1"));
    let ok = role_with_trust(trust());
    let attached = mock!(Client::list_attached_role_policies).then_output(|| {
        aws_sdk_iam::operation::list_attached_role_policies::ListAttachedRolePoliciesOutput::builder()
            .attached_policies(
                aws_sdk_iam::types::AttachedPolicy::builder().policy_arn(POLICY_ARN).build(),
            )
            .build()
    });
    let (get, _) = policy_is("v1", planned_document());
    let iam = client(&[&ok, &attached, &get]);
    assert!(confirm(&iam, &plan, &made).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_cancelled_run_starts_no_write_and_journals_nothing() {
    let cancel = Cancel::default();
    cancel.cancel();
    let iam = client(&[]);
    let journal = Journal::default();
    let writer = Writer {
        iam: &iam,
        s3: &no_s3,
        journal: &journal,
        backoff: Backoff::IMMEDIATE,
        cancel: &cancel,
        progress: &|_| {},
        keys: &|_| Ok(()),
    };
    let err = apply(&writer, &new_role_plan())
        .await
        .expect_err("cancelled");
    assert!(matches!(err, Error::Cancelled(_)), "{err}");
    assert!(journal.is_empty());
}

/// These tests write no bucket CORS; an S3 client asked for is a bug.
pub(super) fn no_s3(region: &str) -> aws_sdk_s3::Client {
    panic!("no S3 client expected (asked for {region})")
}
