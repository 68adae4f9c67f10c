//! What discovery found in the account, as plain data the planner can reason about.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::policy::PolicyDocument;

/// A bucket's default encryption.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) enum Encryption {
    None,
    SseS3,
    /// SSE-KMS or DSSE-KMS, with the key as the bucket names it (id, ARN, alias, or none for
    /// the AWS-managed `aws/s3` key).
    Kms {
        key: Option<String>,
        dsse: bool,
    },
}

impl Encryption {
    pub(crate) fn label(&self) -> &'static str {
        match self {
            Encryption::None => "none",
            Encryption::SseS3 => "SSE-S3",
            Encryption::Kms { dsse: false, .. } => "SSE-KMS",
            Encryption::Kms { dsse: true, .. } => "DSSE-KMS",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BucketFacts {
    pub(crate) region: String,
    pub(crate) encryption: Encryption,
    /// Its CORS rules (none: no configuration); None when not read (no `--cors`).
    pub(crate) cors: Option<Vec<super::cors::CorsRule>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "UPPERCASE")]
pub(crate) enum KeyManager {
    Customer,
    Aws,
}

/// A KMS key as DescribeKey resolved it. `manager` is None when the key could not be described
/// (for example a key in another account whose policy does not let us).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct KeyFacts {
    pub(crate) arn: String,
    pub(crate) manager: Option<KeyManager>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct ExistingRole {
    pub(crate) arn: String,
    pub(crate) trust: PolicyDocument,
    /// Tagged `managed-by=provision-role`.
    pub(crate) owned: bool,
    /// Tagged as taken over with `--adopt` (it existed before provision-role).
    pub(crate) adopted: bool,
    /// ARNs of the managed policies attached to it.
    pub(crate) attached: Vec<String>,
    /// Names of its inline policies.
    pub(crate) inline: Vec<String>,
    pub(crate) path: String,
    pub(crate) description: String,
    pub(crate) permissions_boundary: Option<String>,
    pub(crate) max_session_duration: Option<i32>,
    /// Every tag, ours included.
    pub(crate) tags: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct ExistingPolicy {
    pub(crate) arn: String,
    pub(crate) document: PolicyDocument,
    /// Tagged `managed-by=provision-role`.
    pub(crate) owned: bool,
    /// The default version's id, e.g. `v3`.
    pub(crate) default_version: String,
    /// For a policy taken over with `--adopt`: its default version before that.
    pub(crate) adopted_from: Option<String>,
    /// Attached to a principal other than our role (looked up only for policies the plan no
    /// longer needs).
    pub(crate) attached_elsewhere: bool,
}

/// An access key of a user, as IAM lists it (never its secret, which IAM shows only once).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AccessKeyInfo {
    pub(crate) id: String,
    pub(crate) active: bool,
    /// When it was made, in seconds since the epoch.
    pub(crate) created: Option<i64>,
}

/// When and where a key was last used; `None` when it never was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LastUsed {
    /// Seconds since the epoch.
    pub(crate) date: i64,
    pub(crate) service: Option<String>,
    pub(crate) region: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct ExistingUser {
    pub(crate) arn: String,
    /// Tagged `managed-by=provision-role`.
    pub(crate) owned: bool,
    /// Tagged as taken over with `--adopt`.
    pub(crate) adopted: bool,
    /// ARNs of the managed policies attached to it.
    pub(crate) attached: Vec<String>,
    /// Names of its inline policies.
    pub(crate) inline: Vec<String>,
    pub(crate) path: String,
    pub(crate) permissions_boundary: Option<String>,
    /// Every tag, ours included.
    pub(crate) tags: Vec<(String, String)>,
    pub(crate) keys: Vec<AccessKeyInfo>,
}

/// The policies a role or user has: managed ARNs and inline names.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Holding<'a> {
    pub(crate) attached: &'a [String],
    pub(crate) inline: &'a [String],
}

/// IAM as it stands for the names this request uses.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Existing {
    pub(crate) role: Option<ExistingRole>,
    /// With `--identity user`: the user, if it exists.
    pub(crate) user: Option<ExistingUser>,
    /// By policy name: the policies we would write, and any we made earlier that the role has.
    pub(crate) policies: BTreeMap<String, ExistingPolicy>,
}

impl Existing {
    /// The policies the request's holder has now, if it exists.
    pub(crate) fn holding(&self, holder: &super::Holder) -> Option<Holding<'_>> {
        match holder {
            super::Holder::Role(_) => self.role.as_ref().map(|r| Holding {
                attached: &r.attached,
                inline: &r.inline,
            }),
            super::Holder::User(_) => self.user.as_ref().map(|u| Holding {
                attached: &u.attached,
                inline: &u.inline,
            }),
        }
    }
}

/// Everything discovery learnt. `Facts::offline()` is what `plan` knows without AWS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Facts {
    pub(crate) account_id: Option<String>,
    pub(crate) partition: String,
    pub(crate) caller_arn: Option<String>,
    /// By bucket name.
    pub(crate) buckets: BTreeMap<String, BucketFacts>,
    /// By the key reference as written (in a bucket's configuration or on the command line).
    pub(crate) keys: BTreeMap<String, KeyFacts>,
    pub(crate) existing: Existing,
    /// The layers outside the role's policies that can still deny access (key policies,
    /// bucket policies, the boundary, Requester Pays); empty offline.
    pub(crate) access: crate::policy::access::Layers,
}

impl Facts {
    pub(crate) fn offline() -> Self {
        Facts {
            account_id: None,
            partition: "aws".to_string(),
            caller_arn: None,
            buckets: BTreeMap::new(),
            keys: BTreeMap::new(),
            existing: Existing::default(),
            access: Default::default(),
        }
    }
}
