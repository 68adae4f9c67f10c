//! `--prune` against a mocked IAM: foreign managed policies are detached (never deleted),
//! inline policies deleted after their document is read, both journaled, and a rollback puts
//! each back.

use aws_sdk_iam::error::ErrorMetadata;
use aws_sdk_iam::operation::attach_role_policy::AttachRolePolicyOutput;
use aws_sdk_iam::operation::delete_role_policy::{DeleteRolePolicyError, DeleteRolePolicyOutput};
use aws_sdk_iam::operation::detach_role_policy::DetachRolePolicyOutput;
use aws_sdk_iam::operation::get_role_policy::GetRolePolicyOutput;
use aws_sdk_iam::operation::put_role_policy::PutRolePolicyOutput;
use aws_smithy_mocks::{mock, mock_client, Rule, RuleMode};

use crate::policy::{HeldDocument, PolicyDocument};
use aws_sdk_iam::Client;

use super::apply_tests::{no_s3, run};
use super::journal::{rollback, Journal, Undo};
use super::ops::Op;
use crate::cli::{resolve, values, RoleArgs};
use crate::plan::{self, Action, ExistingPolicy, ExistingRole, Facts, Holder, Plan};

const ROLE: &str = "r";
const OURS: &str = "arn:aws:iam::123456789012:policy/r-s3-access";
const FOREIGN: &str = "arn:aws:iam::123456789012:policy/someone-elses";
const INLINE: &str = "admin";
/// How IAM returns an inline policy document: URL-encoded.
const INLINE_ENCODED: &str = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22%2A%22%2C%22Resource%22%3A%22%2A%22%7D%5D%7D";
const INLINE_JSON: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;

/// The role and its policy exist as the plan wants them, plus a foreign managed policy and
/// an inline one: with `prune`, the only changes are the two removals.
fn prune_plan(prune: bool) -> Plan {
    let req = resolve::request(&RoleArgs {
        buckets: vec![values::bucket_scope("data").unwrap()],
        role_name: Some(ROLE.into()),
        prune,
        ..RoleArgs::default()
    })
    .expect("a valid request");
    let mut facts = Facts {
        account_id: Some("123456789012".into()),
        ..Facts::offline()
    };
    let fresh = plan::build(&req, &facts).expect("a plan");
    facts.existing.role = Some(ExistingRole {
        arn: "arn:aws:iam::123456789012:role/r".into(),
        trust: fresh.role().unwrap().trust.clone(),
        owned: true,
        attached: vec![OURS.into(), FOREIGN.into()],
        inline: vec![INLINE.into()],
        path: "/".into(),
        description: req.role().unwrap().description.clone(),
        ..Default::default()
    });
    facts.existing.policies.insert(
        "r-s3-access".into(),
        ExistingPolicy {
            arn: OURS.into(),
            document: fresh.policies[0].document.clone(),
            owned: true,
            default_version: "v1".into(),
            ..Default::default()
        },
    );
    plan::build(&req, &facts).expect("a plan")
}

fn client(rules: &[&Rule]) -> Client {
    mock_client!(aws_sdk_iam, RuleMode::MatchAny, rules)
}

fn detach_foreign() -> Rule {
    mock!(Client::detach_role_policy)
        .match_requests(|r| r.role_name() == Some(ROLE) && r.policy_arn() == Some(FOREIGN))
        .then_output(|| DetachRolePolicyOutput::builder().build())
}

fn get_inline() -> Rule {
    mock!(Client::get_role_policy)
        .match_requests(|r| r.role_name() == Some(ROLE) && r.policy_name() == Some(INLINE))
        .then_output(|| {
            GetRolePolicyOutput::builder()
                .role_name(ROLE)
                .policy_name(INLINE)
                .policy_document(INLINE_ENCODED)
                .build()
                .expect("all required fields")
        })
}

fn inline_json() -> PolicyDocument {
    serde_json::from_str(INLINE_JSON).unwrap()
}

#[test]
fn without_prune_the_drift_is_only_warned_about() {
    let plan = prune_plan(false);
    assert!(plan.is_noop(), "{:?}", plan.changes);
    let warnings: Vec<&str> = plan
        .notes
        .iter()
        .filter(|n| n.level == plan::Level::Warn)
        .map(|n| n.message.as_str())
        .collect();
    assert_eq!(warnings.len(), 2, "{warnings:?}");
    assert!(warnings[0].contains(FOREIGN) && warnings[0].contains("--prune detaches it"));
    assert!(warnings[1].contains("inline policy admin") && warnings[1].contains("--prune"));
}

#[tokio::test]
async fn prune_detaches_and_deletes_and_rollback_puts_both_back() {
    let plan = prune_plan(true);
    let removals: Vec<String> = plan
        .changes
        .iter()
        .filter(|c| c.action() == Action::Delete)
        .map(|c| c.resource().to_string())
        .collect();
    assert_eq!(
        removals,
        vec!["attachment/r/someone-elses", "inline-policy/r/admin"]
    );
    let (detach, get) = (detach_foreign(), get_inline());
    let delete = mock!(Client::delete_role_policy)
        .match_requests(|r| r.policy_name() == Some(INLINE))
        .then_output(|| DeleteRolePolicyOutput::builder().build());
    let iam = client(&[&detach, &get, &delete]);
    let journal = Journal::default();
    run(&iam, &plan, &journal).await.expect("prune succeeds");
    for rule in [&detach, &get, &delete] {
        assert_eq!(rule.num_calls(), 1);
    }
    let mut undo: Vec<Undo> = journal.take().into_iter().map(|e| e.undo).collect();
    undo.sort_by_key(|u| format!("{u:?}"));
    assert_eq!(
        undo,
        vec![
            Undo::of(Op::PutInline {
                holder: Holder::Role(ROLE.into()),
                name: INLINE.into(),
                document: HeldDocument::from_iam(INLINE_JSON).unwrap(),
            }),
            Undo::of(Op::Reattach {
                holder: Holder::Role(ROLE.into()),
                arn: FOREIGN.into(),
            }),
        ]
    );

    let reattach = mock!(Client::attach_role_policy)
        .match_requests(|r| r.policy_arn() == Some(FOREIGN))
        .then_output(|| AttachRolePolicyOutput::builder().build());
    let put = mock!(Client::put_role_policy)
        .match_requests(|r| {
            r.policy_name() == Some(INLINE)
                && r.policy_document()
                    .map(|d| serde_json::from_str::<PolicyDocument>(d).ok())
                    == Some(Some(inline_json()))
        })
        .then_output(|| PutRolePolicyOutput::builder().build());
    let iam = client(&[&reattach, &put]);
    let journal = Journal::default();
    for step in undo {
        journal.record(step);
    }
    let report = rollback(&iam, &no_s3, &journal).await;
    assert!(report.failed.is_empty(), "{report:?}");
    assert_eq!(report.undone.len(), 2);
    assert_eq!((reattach.num_calls(), put.num_calls()), (1, 1));
}

#[tokio::test]
async fn a_failed_delete_rolls_back_the_detach_beside_it() {
    let plan = prune_plan(true);
    let (detach, get) = (detach_foreign(), get_inline());
    let delete = mock!(Client::delete_role_policy).then_error(|| {
        DeleteRolePolicyError::generic(
            ErrorMetadata::builder()
                .code("AccessDenied")
                .message("mocked AccessDenied")
                .build(),
        )
    });
    let reattach = mock!(Client::attach_role_policy)
        .match_requests(|r| r.policy_arn() == Some(FOREIGN))
        .then_output(|| AttachRolePolicyOutput::builder().build());
    let iam = client(&[&detach, &get, &delete, &reattach]);
    let journal = Journal::default();
    let err = run(&iam, &plan, &journal)
        .await
        .expect_err("DeleteRolePolicy is denied");
    assert!(
        format!("{err:#}").contains("iam:DeleteRolePolicy on role r, inline policy admin"),
        "{err:#}"
    );
    let report = rollback(&iam, &no_s3, &journal).await;
    assert_eq!(
        report.undone,
        vec![format!("attached {FOREIGN} to role r again")]
    );
    assert_eq!(reattach.num_calls(), 1);
}
