//! `apply` and `rollback` against a mocked IAM (aws-smithy-mocks): every test lists the calls
//! IAM may see (any other call fails the test), how often each was made, and what the journal
//! and the rollback report say. Independent writes run concurrently, so journals are compared
//! in order only where the order is fixed (attachments after policies and the role).

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
use aws_sdk_iam::operation::list_policy_versions::ListPolicyVersionsOutput;
use aws_sdk_iam::operation::set_default_policy_version::SetDefaultPolicyVersionOutput;
use aws_sdk_iam::primitives::DateTime;
use aws_sdk_iam::types::error::{EntityAlreadyExistsException, NoSuchEntityException};
use aws_sdk_iam::types::{Policy, PolicyVersion};
use aws_smithy_mocks::{mock, mock_client, Rule, RuleMode};
use serde_json::json;

use super::*;
use crate::cancel::Cancel;
use crate::cli::{resolve, values, RoleArgs};
use crate::plan::{self, Action, ExistingPolicy, ExistingRole, Facts, Request};

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

/// The role and its policy exist (ours); the policy's document differs from the plan's.
fn policy_update_plan() -> Plan {
    let req = request();
    let mut facts = facts();
    facts.existing.role = Some(ExistingRole {
        arn: format!("arn:aws:iam::{ACCOUNT}:role/{ROLE}"),
        trust: plan::trust_document(&req).to_value(),
        owned: true,
        attached: vec![POLICY_ARN.into()],
        inline: vec![],
    });
    let old = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Action": "s3:GetObject", "Resource": "arn:aws:s3:::old/*"}]});
    facts.existing.policies.insert(
        "r-s3-access".into(),
        ExistingPolicy {
            arn: POLICY_ARN.into(),
            document: old,
            owned: true,
        },
    );
    plan::build(&req, &facts).expect("a plan")
}

/// A client that answers from `rules`, in order, and retries throttling without waiting.
fn client(rules: &[&Rule]) -> Client {
    let retry = RetryConfig::standard()
        .with_max_attempts(3)
        .with_initial_backoff(Duration::from_millis(1));
    mock_client!(aws_sdk_iam, RuleMode::MatchAny, rules, |c| c
        .retry_config(retry.clone()))
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

/// `apply` with retries at once and no cancellation.
async fn run(iam: &Client, plan: &Plan, journal: &Journal) -> Result<()> {
    let writer = Writer {
        iam,
        journal,
        backoff: Backoff::IMMEDIATE,
        cancel: &Cancel::default(),
        progress: &|_| {},
    };
    apply(&writer, plan).await
}

/// The journal, sorted, for comparing writes that ran side by side.
fn sorted(mut undo: Vec<Undo>) -> Vec<Undo> {
    undo.sort_by_key(|u| format!("{u:?}"));
    undo
}

fn assert_all_called_once(rules: &[&Rule]) {
    for (i, rule) in rules.iter().enumerate() {
        assert_eq!(rule.num_calls(), 1, "rule #{i} was not called exactly once");
    }
}

#[tokio::test]
async fn attach_waits_out_propagation_and_journals_the_detach() {
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
    run(&iam, &new_role_plan(), &journal)
        .await
        .expect("apply succeeds once IAM has caught up");
    assert_eq!(attach.num_calls(), 3);
    let mut undo = journal.take();
    assert_eq!(
        undo.pop(),
        Some(Undo::Detach {
            role: ROLE.into(),
            arn: POLICY_ARN.into()
        }),
        "the attachment comes last"
    );
    assert_eq!(
        sorted(undo),
        vec![
            Undo::DeletePolicy {
                arn: POLICY_ARN.into()
            },
            Undo::DeleteRole { name: ROLE.into() },
        ]
    );
}

#[tokio::test]
async fn create_policy_failure_rolls_back_the_role_made_beside_it_and_attaches_nothing() {
    let policy = mock!(Client::create_policy)
        .then_error(|| CreatePolicyError::generic(meta("AccessDenied")));
    let (role, delete_role) = (create_role_ok(), delete_role_ok());
    let iam = client(&[&policy, &role, &delete_role]);
    let journal = Journal::default();
    let err = run(&iam, &new_role_plan(), &journal)
        .await
        .expect_err("CreatePolicy fails");
    assert!(
        format!("{err:#}").contains("iam:CreatePolicy on policy r-s3-access"),
        "{err:#}"
    );
    let report = rollback(&iam, &journal).await;
    assert_eq!(report.undone, vec![format!("delete role {ROLE}")]);
    assert!(report.failed.is_empty(), "{report:?}");
    assert_all_called_once(&[&policy, &role, &delete_role]);
}

#[tokio::test]
async fn create_role_failure_rolls_back_the_policy() {
    let (policy, list, delete) = (create_policy_ok(), list_one_version(), delete_policy_ok());
    let role = mock!(Client::create_role).then_error(|| {
        CreateRoleError::EntityAlreadyExistsException(
            EntityAlreadyExistsException::builder()
                .meta(meta("EntityAlreadyExists"))
                .build(),
        )
    });
    let iam = client(&[&policy, &role, &list, &delete]);
    let journal = Journal::default();
    let err = run(&iam, &new_role_plan(), &journal)
        .await
        .expect_err("CreateRole fails");
    assert!(
        format!("{err:#}").contains("iam:CreateRole on role r"),
        "{err:#}"
    );
    let report = rollback(&iam, &journal).await;
    assert_eq!(report.undone, vec![format!("delete policy {POLICY_ARN}")]);
    assert!(report.failed.is_empty(), "{report:?}");
    assert_all_called_once(&[&policy, &role, &list, &delete]);
    assert!(journal.is_empty(), "rollback consumes the journal");
}

#[tokio::test]
async fn denied_attach_rolls_back_role_then_policy_and_detaches_nothing() {
    let (policy, role) = (create_policy_ok(), create_role_ok());
    let attach = mock!(Client::attach_role_policy)
        .then_error(|| AttachRolePolicyError::generic(meta("AccessDenied")));
    let (delete_role, list, delete_policy) =
        (delete_role_ok(), list_one_version(), delete_policy_ok());
    let iam = client(&[&policy, &role, &attach, &delete_role, &list, &delete_policy]);
    let journal = Journal::default();
    let err = run(&iam, &new_role_plan(), &journal)
        .await
        .expect_err("AttachRolePolicy is denied");
    assert!(format!("{err:#}").contains("AccessDenied"), "{err:#}");
    assert_eq!(attach.num_calls(), 1, "AccessDenied is not retried");
    let report = rollback(&iam, &journal).await;
    let mut undone = report.undone.clone();
    undone.sort();
    assert_eq!(
        undone,
        vec![
            format!("delete policy {POLICY_ARN}"),
            format!("delete role {ROLE}")
        ]
    );
    assert!(report.failed.is_empty(), "{report:?}");
    assert_all_called_once(&[&policy, &role, &attach, &delete_role, &list, &delete_policy]);
}

#[tokio::test]
async fn rollback_keeps_going_past_a_failed_step() {
    let journal = Journal::default();
    journal.record(Undo::DeletePolicy {
        arn: POLICY_ARN.into(),
    });
    journal.record(Undo::DeleteRole { name: ROLE.into() });
    let delete_role =
        mock!(Client::delete_role).then_error(|| DeleteRoleError::generic(meta("AccessDenied")));
    let (list, delete_policy) = (list_one_version(), delete_policy_ok());
    let iam = client(&[&delete_role, &list, &delete_policy]);
    let report = rollback(&iam, &journal).await;
    assert_eq!(report.undone, vec![format!("delete policy {POLICY_ARN}")]);
    assert_eq!(report.failed.len(), 1);
    assert!(
        report.failed[0].starts_with("could not delete role r: iam:DeleteRole on role r failed"),
        "{report:?}"
    );
    assert_all_called_once(&[&delete_role, &list, &delete_policy]);
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
    run(&iam, &plan, &journal)
        .await
        .expect("the update succeeds");
    assert_all_called_once(&[&list, &delete, &create]);
    let restore = Undo::RestorePolicyVersion {
        arn: POLICY_ARN.into(),
        previous: "v1".into(),
        created: "v6".into(),
    };
    assert_eq!(journal.take(), vec![restore]);
}

#[tokio::test]
async fn rolling_back_an_update_restores_the_previous_default() {
    let journal = Journal::default();
    journal.record(Undo::RestorePolicyVersion {
        arn: POLICY_ARN.into(),
        previous: "v1".into(),
        created: "v6".into(),
    });
    let set_default = mock!(Client::set_default_policy_version)
        .match_requests(|r| r.version_id() == Some("v1"))
        .then_output(|| SetDefaultPolicyVersionOutput::builder().build());
    let delete = mock!(Client::delete_policy_version)
        .match_requests(|r| r.version_id() == Some("v6"))
        .then_output(|| DeletePolicyVersionOutput::builder().build());
    let iam = client(&[&set_default, &delete]);
    let report = rollback(&iam, &journal).await;
    assert_eq!(
        report.undone,
        vec![format!("restore policy {POLICY_ARN} to version v1")]
    );
    assert_all_called_once(&[&set_default, &delete]);
}
