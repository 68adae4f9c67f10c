//! What discovery found in the account, as plain data the planner can reason about.

use std::collections::BTreeMap;

use serde::Serialize;

use super::cors::CorsRule;
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

    /// The key the bucket names, as it names it; None when it names none (no SSE-KMS, or
    /// SSE-KMS with the AWS-managed `aws/s3` key by default).
    pub(crate) fn key(&self) -> Option<&str> {
        match self {
            Encryption::Kms { key, .. } => key.as_deref(),
            _ => None,
        }
    }
}

/// A bucket as the planner needs it: every read succeeded ([`BucketRead::known`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BucketFacts {
    pub(crate) region: String,
    pub(crate) encryption: Encryption,
    /// Its CORS rules (none: no configuration); None when not read (no `--cors`).
    pub(crate) cors: Option<Vec<CorsRule>>,
}

/// One bucket as read, each read with its own outcome (`E`: why it failed). `verify` judges
/// what it could read (`E` is the failure's message); `create` needs every read, as
/// [`BucketFacts`] and the bucket's key.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct BucketRead<E = String> {
    pub(crate) region: Result<String, E>,
    /// None when not read (the bucket's region could not be found).
    pub(crate) encryption: Option<Result<Encryption, E>>,
    /// The default encryption key, resolved: None without a configured key (SSE-S3, none, or
    /// SSE-KMS with the AWS-managed `aws/s3`).
    pub(crate) key: Option<Result<KeyFacts, E>>,
    /// Its CORS rules (none: no configuration); None when not read (no `--cors`).
    pub(crate) cors: Option<Result<Vec<CorsRule>, E>>,
}

impl<E> BucketRead<E> {
    /// A bucket whose region could not be read, and nothing else about it.
    pub(crate) fn unreachable(why: E) -> BucketRead<E> {
        BucketRead {
            region: Err(why),
            encryption: None,
            key: None,
            cors: None,
        }
    }

    /// The same reads, each failure turned by `f`.
    pub(crate) fn map_err<F>(self, f: impl Fn(E) -> F) -> BucketRead<F> {
        BucketRead {
            region: self.region.map_err(&f),
            encryption: self.encryption.map(|r| r.map_err(&f)),
            key: self.key.map(|r| r.map_err(&f)),
            cors: self.cors.map(|r| r.map_err(&f)),
        }
    }

    /// What the planner needs, and the bucket's key; or the first read that failed.
    pub(crate) fn known(self) -> Result<(BucketFacts, Option<KeyFacts>), E> {
        let region = self.region?;
        let facts = BucketFacts {
            region,
            // Read whenever the region was.
            encryption: self.encryption.transpose()?.unwrap_or(Encryption::None),
            cors: self.cors.transpose()?,
        };
        Ok((facts, self.key.transpose()?))
    }
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
