//! What the user asked for, after `cli::resolve` checked it. Flags and the wizard both produce
//! a [`Request`]; nothing in it is unchecked.

use serde::Serialize;

/// Activeloop's production backend role: the principal Deep Lake assumes the role from.
pub(crate) const ACTIVELOOP_PRODUCTION: &str = "arn:aws:iam::597713067985:role/activeloop_backend";

/// Activeloop's development backends, from the older provisioning document.
pub(crate) const ACTIVELOOP_DEV: [&str; 2] = [
    "arn:aws:iam::574987031486:role/activeloop_backend_dev",
    "arn:aws:iam::574987031486:role/activeloop_backend",
];

pub(crate) const DEFAULT_ROLE_NAME: &str = "activeloop-deeplake-access";
pub(crate) const DEFAULT_DESCRIPTION: &str =
    "Lets Activeloop Deep Lake access the listed S3 buckets. Managed by provision-role.";
/// The description of every managed policy: `create` writes it, and the templates too.
pub(crate) const POLICY_DESCRIPTION: &str =
    "S3 access for Activeloop Deep Lake. Managed by provision-role.";

/// The policy name used when none is given: `ROLE-s3-access`.
pub(crate) fn default_policy_name(role_name: &str) -> String {
    format!("{role_name}-s3-access")
}

/// The IAM user of `--identity user` when `--user-name` is not given.
pub(crate) const DEFAULT_USER_NAME: &str = "activeloop-deeplake-access";

/// A user's policy name when none is given: `USER-user-s3-access`. Policies share one
/// namespace, and the default user and role names are the same: this keeps their policies apart.
pub(crate) fn default_user_policy_name(user_name: &str) -> String {
    format!("{user_name}-user-s3-access")
}

/// Who gets the grants.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) enum Identity {
    /// The role Activeloop assumes (`role_name`): nothing long-lived to leak.
    #[default]
    Role,
    /// An IAM user of this name with one access key (Deep Lake's "IAM User Keys"), for tools
    /// that cannot assume a role.
    User(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum Access {
    #[default]
    ReadWrite,
    ReadOnly,
}

impl Access {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Access::ReadWrite => "read-write",
            Access::ReadOnly => "read-only",
        }
    }
}

/// A bucket, or a key prefix inside it (stored without a trailing `/`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub(crate) struct BucketScope {
    pub(crate) bucket: String,
    pub(crate) prefix: Option<String>,
}

impl BucketScope {
    pub(crate) fn whole(bucket: &str) -> Self {
        BucketScope {
            bucket: bucket.to_string(),
            prefix: None,
        }
    }

    pub(crate) fn covers(&self, other: &BucketScope) -> bool {
        if self.bucket != other.bucket {
            return false;
        }
        match (&self.prefix, &other.prefix) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some(mine), Some(theirs)) => theirs == mine || theirs.starts_with(&format!("{mine}/")),
        }
    }
}

impl std::fmt::Display for BucketScope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.prefix {
            Some(p) => write!(f, "{}/{}", self.bucket, p),
            None => f.write_str(&self.bucket),
        }
    }
}

/// Sorts scopes and drops those another scope already covers (a whole bucket covers all its
/// prefixes; `data` covers `data/v1`). Returns the kept scopes and the dropped ones.
pub(crate) fn normalize_scopes(
    mut scopes: Vec<BucketScope>,
) -> (Vec<BucketScope>, Vec<BucketScope>) {
    scopes.sort();
    scopes.dedup();
    let (mut kept, mut dropped) = (Vec::new(), Vec::new());
    for scope in &scopes {
        if scopes.iter().any(|o| o != scope && o.covers(scope)) {
            dropped.push(scope.clone());
        } else {
            kept.push(scope.clone());
        }
    }
    (kept, dropped)
}

/// How the user named a KMS key.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum KeyRef {
    /// `arn:aws:kms:REGION:ACCOUNT:key/ID`: usable in a policy as it is.
    KeyArn(String),
    /// A bare key id (`1234abcd-…` or `mrk-…`): needs DescribeKey for its ARN.
    KeyId(String),
    /// `alias/NAME` or an alias ARN: needs DescribeKey; an alias ARN in a policy grants nothing.
    Alias(String),
}

impl KeyRef {
    pub(crate) fn as_str(&self) -> &str {
        match self {
            KeyRef::KeyArn(s) | KeyRef::KeyId(s) | KeyRef::Alias(s) => s,
        }
    }

    /// AWS-managed aliases (`alias/aws/...`) name keys that need no IAM grant.
    pub(crate) fn is_aws_managed_alias(&self) -> bool {
        match self {
            KeyRef::Alias(a) => a.starts_with("alias/aws/") || a.contains(":alias/aws/"),
            _ => false,
        }
    }

    /// How a bucket's encryption configuration names its key, classified. Anything that is
    /// not a key ARN or an alias is taken as a key id.
    pub(crate) fn from_configured(key: &str) -> KeyRef {
        if key.contains(":alias/") || key.starts_with("alias/") {
            KeyRef::Alias(key.to_string())
        } else if key.starts_with("arn:") {
            KeyRef::KeyArn(key.to_string())
        } else {
            KeyRef::KeyId(key.to_string())
        }
    }
}

/// Which KMS keys to grant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum KmsChoice {
    /// Grant no key, even when a bucket needs one (the plan warns).
    Off,
    /// Grant the customer-managed keys the buckets' default encryption uses, and these too.
    Auto { also: Vec<KeyRef> },
    /// Grant only these keys.
    Only(Vec<KeyRef>),
}

impl KmsChoice {
    pub(crate) fn auto() -> Self {
        KmsChoice::Auto { also: Vec::new() }
    }

    /// Whether the buckets' own keys are granted.
    pub(crate) fn discovers(&self) -> bool {
        matches!(self, KmsChoice::Auto { .. })
    }

    /// The keys named explicitly.
    pub(crate) fn keys(&self) -> &[KeyRef] {
        match self {
            KmsChoice::Off => &[],
            KmsChoice::Auto { also: keys } | KmsChoice::Only(keys) => keys,
        }
    }
}

/// Who may assume the role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Trust {
    /// Activeloop's production backend (what Deep Lake uses).
    Production,
    /// Production and Activeloop's own development backends.
    WithDev,
    /// These principals instead of Activeloop's (sorted, unique).
    Custom(Vec<String>),
}

impl Trust {
    /// The trusted principal ARNs, sorted.
    pub(crate) fn principals(&self) -> Vec<String> {
        let mut out: Vec<String> = match self {
            Trust::Production => vec![ACTIVELOOP_PRODUCTION.to_string()],
            Trust::WithDev => std::iter::once(ACTIVELOOP_PRODUCTION)
                .chain(ACTIVELOOP_DEV)
                .map(str::to_string)
                .collect(),
            Trust::Custom(arns) => arns.clone(),
        };
        out.sort();
        out.dedup();
        out
    }

    /// Whether Activeloop's production backend is trusted (so the ARN goes into its UI).
    pub(crate) fn trusts_activeloop(&self) -> bool {
        self.principals().iter().any(|p| p == ACTIVELOOP_PRODUCTION)
    }

    /// The trust a set of principals stands for: the named Activeloop sets, or custom.
    pub(crate) fn from_principals(mut principals: Vec<String>) -> Trust {
        principals.sort();
        principals.dedup();
        for named in [Trust::Production, Trust::WithDev] {
            if named.principals() == principals {
                return named;
            }
        }
        Trust::Custom(principals)
    }
}

/// What a company's service control policies may require of the role: a permissions
/// boundary, a path, tags, a session length.
/// Each is `None` (or empty) when not asked for: a new role gets IAM's default, an existing
/// role keeps what it has.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Guardrails {
    /// The role's IAM path (`/a/b/`): part of its ARN; IAM cannot change it later.
    pub(crate) path: Option<String>,
    pub(crate) permissions_boundary: Option<String>,
    /// Tags besides ours (`managed-by`), sorted by key.
    pub(crate) tags: Vec<(String, String)>,
    /// Seconds, 3600–43200 (IAM's default is one hour).
    pub(crate) max_session_duration: Option<u32>,
}

impl Guardrails {
    /// The path a new role gets.
    pub(crate) fn path(&self) -> &str {
        self.path.as_deref().unwrap_or("/")
    }

    /// The value of the tag that lists the `--tag` keys this tool set: the keys, one per
    /// line, in base64. Tag keys and values share one character set, so no separator could be
    /// told apart from a key; base64's alphabet is within that set.
    pub(crate) fn managed_keys(&self) -> String {
        let keys: Vec<&str> = self.tags.iter().map(|(k, _)| k.as_str()).collect();
        if keys.is_empty() {
            return String::new();
        }
        aws_smithy_types::base64::encode(keys.join("\n"))
    }

    /// The keys a [`managed_keys`](Self::managed_keys) value lists (none if unreadable).
    pub(crate) fn listed_keys(value: &str) -> Vec<String> {
        aws_smithy_types::base64::decode(value)
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .map(|text| text.lines().map(str::to_string).collect())
            .unwrap_or_default()
    }

    /// Every tag a new role gets, in order: ours, the `--tag`s by key, and the list of them.
    pub(crate) fn role_tags(&self) -> Vec<(String, String)> {
        let ours = (
            super::OWNER_TAG.0.to_string(),
            super::OWNER_TAG.1.to_string(),
        );
        let listed = self.managed_keys();
        let list = (!listed.is_empty()).then(|| (super::TAGS_TAG.to_string(), listed));
        std::iter::once(ours)
            .chain(self.tags.iter().cloned())
            .chain(list)
            .collect()
    }
}

/// A validated request: everything needed to build the documents, nothing unchecked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Request {
    /// The role, or with `--identity user` the user, that holds the policies.
    pub(crate) holder: HolderSpec,
    pub(crate) policy_name: String,
    /// Sorted, none covering another.
    pub(crate) buckets: Vec<BucketScope>,
    pub(crate) access: Access,
    pub(crate) kms: KmsChoice,
    /// Take over a role or policy of the same name that this tool did not create.
    pub(crate) adopt: bool,
    /// Detach the managed policies and delete the inline policies the plan does not write.
    pub(crate) prune: bool,
    /// `--cors`: the origins Deep Lake's CORS rule allows on every bucket; None leaves the
    /// buckets' CORS as it is.
    pub(crate) cors: Option<Vec<String>>,
    pub(crate) guardrails: Guardrails,
}

/// Who gets the grants, with what only that kind of holder has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum HolderSpec {
    Role(RoleSpec),
    User(UserSpec),
}

/// The role Activeloop assumes: nothing long-lived to leak.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RoleSpec {
    pub(crate) name: String,
    pub(crate) description: String,
    pub(crate) trust: Trust,
    pub(crate) external_id: Option<String>,
}

/// An IAM user with one access key (Deep Lake's "IAM User Keys"), for tools that cannot
/// assume a role. It has no trust, description or session length.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct UserSpec {
    pub(crate) name: String,
}

impl HolderSpec {
    /// The role or user, by name.
    pub(crate) fn id(&self) -> super::Holder {
        match self {
            HolderSpec::Role(role) => super::Holder::Role(role.name.clone()),
            HolderSpec::User(user) => super::Holder::User(user.name.clone()),
        }
    }
}

impl Request {
    /// The role's own settings; None for a user.
    pub(crate) fn role(&self) -> Option<&RoleSpec> {
        match &self.holder {
            HolderSpec::Role(role) => Some(role),
            HolderSpec::User(_) => None,
        }
    }

    /// The role's settings, to change in a test; panics for a user.
    #[cfg(test)]
    pub(crate) fn role_mut(&mut self) -> &mut RoleSpec {
        match &mut self.holder {
            HolderSpec::Role(role) => role,
            HolderSpec::User(_) => panic!("a user request has no role"),
        }
    }

    /// The IAM user's name, with `--identity user`.
    pub(crate) fn user_name(&self) -> Option<&str> {
        match &self.holder {
            HolderSpec::Role(_) => None,
            HolderSpec::User(user) => Some(&user.name),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope(b: &str, p: Option<&str>) -> BucketScope {
        BucketScope {
            bucket: b.into(),
            prefix: p.map(Into::into),
        }
    }

    #[test]
    fn whole_bucket_covers_its_prefixes_only() {
        let (kept, dropped) = normalize_scopes(vec![
            scope("b", Some("x/y")),
            scope("a", None),
            scope("b", Some("x")),
            scope("b", Some("xy")),
            scope("a", Some("p")),
            scope("a", None),
        ]);
        assert_eq!(
            kept,
            vec![
                scope("a", None),
                scope("b", Some("x")),
                scope("b", Some("xy"))
            ]
        );
        assert_eq!(
            dropped,
            vec![scope("a", Some("p")), scope("b", Some("x/y"))]
        );
    }

    #[test]
    fn trust_sets_round_trip_through_their_principals() {
        for trust in [
            Trust::Production,
            Trust::WithDev,
            Trust::Custom(vec!["arn:aws:iam::123456789012:root".into()]),
        ] {
            assert_eq!(Trust::from_principals(trust.principals()), trust);
        }
        assert!(Trust::WithDev.trusts_activeloop());
        assert!(!Trust::Custom(vec!["arn:aws:iam::123456789012:root".into()]).trusts_activeloop());
        let p = Trust::WithDev.principals();
        assert_eq!(p.len(), 3);
        assert!(p.windows(2).all(|w| w[0] < w[1]));
    }
}
