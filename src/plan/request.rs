//! What the user asked for, after validation. Flags and the wizard both produce a [`Request`].

use serde::Serialize;

use crate::validate::KeyRef;

/// Activeloop's production backend role: the principal Deep Lake assumes the role from.
pub const ACTIVELOOP_PRODUCTION: &str = "arn:aws:iam::597713067985:role/activeloop_backend";

/// Activeloop's development backends, from the older provisioning document.
pub const ACTIVELOOP_DEV: [&str; 2] = [
    "arn:aws:iam::574987031486:role/activeloop_backend_dev",
    "arn:aws:iam::574987031486:role/activeloop_backend",
];

pub const DEFAULT_ROLE_NAME: &str = "activeloop-deeplake-access";
pub const DEFAULT_DESCRIPTION: &str =
    "Lets Activeloop Deep Lake access the listed S3 buckets. Managed by provision-role.";

/// The policy name used when none is given: `ROLE-s3-access`.
pub fn default_policy_name(role_name: &str) -> String {
    format!("{role_name}-s3-access")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Access {
    #[default]
    ReadWrite,
    ReadOnly,
}

impl Access {
    pub fn as_str(self) -> &'static str {
        match self {
            Access::ReadWrite => "read-write",
            Access::ReadOnly => "read-only",
        }
    }
}

/// A bucket, or a key prefix inside it (stored without a trailing `/`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct BucketScope {
    pub bucket: String,
    pub prefix: Option<String>,
}

impl BucketScope {
    pub fn whole(bucket: &str) -> Self {
        BucketScope {
            bucket: bucket.to_string(),
            prefix: None,
        }
    }

    pub fn covers(&self, other: &BucketScope) -> bool {
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
pub fn normalize_scopes(mut scopes: Vec<BucketScope>) -> (Vec<BucketScope>, Vec<BucketScope>) {
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

/// Which KMS keys to grant.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct KmsChoice {
    /// Grant the customer-managed keys the buckets' default encryption uses.
    pub discover: bool,
    /// Keys named by the user, granted in any case.
    pub keys: Vec<KeyRef>,
}

impl KmsChoice {
    pub fn auto() -> Self {
        KmsChoice {
            discover: true,
            keys: Vec::new(),
        }
    }
}

/// A validated request: everything needed to build the documents, nothing unchecked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub buckets: Vec<BucketScope>,
    pub role_name: String,
    pub policy_name: String,
    pub description: String,
    pub access: Access,
    /// Trusted principals, sorted and unique.
    pub principals: Vec<String>,
    pub external_id: Option<String>,
    pub kms: KmsChoice,
    /// Take over a role or policy of the same name that this tool did not create.
    pub adopt: bool,
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
}
