//! What `verify` read, as plain data: the role, its trust policy, every permission policy, and
//! each bucket's region, encryption and key (a [`BucketRead`], the model `create` plans from);
//! and the layers that can still deny access. A read that failed is kept as its error message,
//! so the judgement can say what it could not check.

use std::collections::BTreeMap;

use crate::plan::{BucketRead, KeyFacts};
use crate::policy::access::Layers;
use crate::policy::PolicyDocument;

pub(crate) use crate::policy::access::Read;

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Facts {
    /// `Ok(None)`: IAM has no role (or user) of that name.
    pub(crate) role: Read<Option<RoleFacts>>,
    /// By bucket name, for every bucket checked.
    pub(crate) buckets: BTreeMap<String, BucketRead>,
    /// For a user: its access keys (None for a role).
    pub(crate) keys: Option<Read<Vec<KeyUse>>>,
    /// When the facts were read, in seconds since the epoch (for key ages).
    pub(crate) now: i64,
    /// Each `--kms KEY`, as given, and the key it names.
    pub(crate) kms: Vec<(String, Read<KeyFacts>)>,
    /// Key policies, bucket policies, the boundary and Requester Pays, as far as read.
    pub(crate) access: Layers,
}

/// One access key of a user: never its secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct KeyUse {
    pub(crate) key: crate::plan::AccessKeyInfo,
    /// When it was last used (`Ok(None)`: never).
    pub(crate) last_used: Read<Option<crate::plan::LastUsed>>,
}

/// The role, or with `--identity user` the user: its ARN and policies, and a role's trust.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RoleFacts {
    pub(crate) arn: String,
    /// Created (or adopted) by provision-role: it has the managed-by tag.
    pub(crate) owned: bool,
    /// The role's trust policy; None for a user (nobody assumes it).
    pub(crate) trust: Option<Read<PolicyDocument>>,
    /// Attached managed policies first, then inline policies.
    pub(crate) policies: Vec<PolicyFacts>,
    pub(crate) settings: RoleSettings,
}

/// What a company's guardrails may require of a role, as IAM holds it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct RoleSettings {
    pub(crate) path: String,
    pub(crate) permissions_boundary: Option<String>,
    /// Seconds; None when IAM did not say.
    pub(crate) max_session_duration: Option<i32>,
    /// Every tag, ours included.
    pub(crate) tags: Vec<(String, String)>,
}

impl RoleFacts {
    /// The partition of the role's ARN (`aws`, `aws-cn`, …).
    pub(crate) fn partition(&self) -> &str {
        crate::policy::arn_partition(&self.arn).unwrap_or("aws")
    }

    /// The documents that could be read, with their labels.
    pub(crate) fn readable(&self) -> impl Iterator<Item = (&PolicyFacts, &PolicyDocument)> {
        self.policies
            .iter()
            .filter_map(|p| p.document.as_ref().ok().map(|d| (p, d)))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PolicyKind {
    /// A managed policy attached to the role; `owned` when provision-role created it.
    Managed {
        arn: String,
        owned: bool,
    },
    Inline,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PolicyFacts {
    pub(crate) name: String,
    pub(crate) kind: PolicyKind,
    pub(crate) document: Read<PolicyDocument>,
}

impl PolicyFacts {
    /// `managed policy NAME` or `inline policy NAME`, as messages name it.
    pub(crate) fn label(&self) -> String {
        match self.kind {
            PolicyKind::Managed { .. } => format!("managed policy {}", self.name),
            PolicyKind::Inline => format!("inline policy {}", self.name),
        }
    }

    pub(crate) fn is_ours(&self) -> bool {
        matches!(self.kind, PolicyKind::Managed { owned: true, .. })
    }
}
