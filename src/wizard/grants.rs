//! What a role's documents grant, in the wizard's terms: bucket scopes, access level, trusted
//! principals, external ID and KMS keys. Pure. The wizard pre-fills its questions from an
//! existing role's grants, and the review compares the grants before and after as a diff.

use crate::audit::granted_scopes;
use crate::plan::{Access, BucketScope, Plan, Trust};
use crate::policy::{Effect, PolicyDocument, Statement};

/// What a trust policy and some permission policies give, as the wizard asks for it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Grants {
    /// Where objects may be read (and written), normalised like a request's buckets.
    pub(crate) scopes: Vec<BucketScope>,
    /// Read-write when any allowed object action writes; `None` when no objects are granted.
    pub(crate) access: Option<Access>,
    /// Who may assume the role, sorted.
    pub(crate) principals: Vec<String>,
    pub(crate) external_id: Option<String>,
    /// KMS key ARNs any allowed `kms:` action names, sorted.
    pub(crate) kms_keys: Vec<String>,
}

impl Grants {
    /// Read the grants from a role's trust document (none for a user) and permission
    /// documents as IAM holds them.
    pub(crate) fn read(trust: Option<&PolicyDocument>, policies: &[PolicyDocument]) -> Grants {
        let statements: Vec<&Statement> = policies.iter().flat_map(allowed).collect();
        let trusting: Vec<&Statement> = trust
            .into_iter()
            .flat_map(allowed)
            .filter(|st| st.action.iter().any(|a| a == "sts:AssumeRole"))
            .collect();
        let scopes = granted_scopes(policies);
        let writes = statements.iter().any(|st| {
            st.action.iter().any(|a| a == "s3:PutObject")
                && st.resource.iter().any(|r| r.contains(":s3:::"))
        });
        let mut principals: Vec<String> = trusting
            .iter()
            .flat_map(|st| st.principal.iter().flat_map(|p| p.aws_values()))
            .map(str::to_string)
            .collect();
        principals.sort();
        principals.dedup();
        let mut kms_keys: Vec<String> = statements
            .iter()
            .filter(|st| st.action.iter().any(|a| a.starts_with("kms:")))
            .flat_map(|st| st.resource.iter().cloned())
            .filter(|r| r.starts_with("arn:") && r.contains(":kms:"))
            .collect();
        kms_keys.sort();
        kms_keys.dedup();
        Grants {
            access: match (scopes.is_empty(), writes) {
                (true, _) => None,
                (false, true) => Some(Access::ReadWrite),
                (false, false) => Some(Access::ReadOnly),
            },
            scopes,
            principals,
            external_id: trusting.iter().find_map(|st| external_id(st)),
            kms_keys,
        }
    }

    /// What a plan's documents will grant.
    pub(crate) fn planned(plan: &Plan) -> Grants {
        let docs: Vec<PolicyDocument> = plan.policies.iter().map(|p| p.document.clone()).collect();
        Grants::read(plan.role().map(|role| &role.trust), &docs)
    }

    /// The trust these principals stand for (Activeloop's sets, or custom).
    pub(crate) fn trust(&self) -> Trust {
        Trust::from_principals(self.principals.clone())
    }
}

/// The Allow statements of a document.
fn allowed(doc: &PolicyDocument) -> impl Iterator<Item = &Statement> {
    doc.statement.iter().filter(|st| st.effect == Effect::Allow)
}

/// The external ID a trusting statement requires (`StringEquals sts:ExternalId`).
fn external_id(st: &Statement) -> Option<String> {
    st.condition
        .get("StringEquals")
        .and_then(|keys| keys.get("sts:ExternalId"))
        .and_then(|values| values.0.first().cloned())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::plan::request::{ACTIVELOOP_DEV, ACTIVELOOP_PRODUCTION};

    const KEY: &str = "arn:aws:kms:us-east-1:123456789012:key/k-1";

    fn trust(principals: &[&str], external_id: Option<&str>) -> PolicyDocument {
        let mut st = json!({"Effect": "Allow", "Action": "sts:AssumeRole",
            "Principal": {"AWS": principals}});
        if let Some(id) = external_id {
            st["Condition"] = json!({"StringEquals": {"sts:ExternalId": id}});
        }
        serde_json::from_value(json!({"Version": "2012-10-17", "Statement": [st]})).unwrap()
    }

    fn policy(actions: &[&str], resources: &[&str]) -> PolicyDocument {
        serde_json::from_value(json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": actions, "Resource": resources}]}))
        .unwrap()
    }

    #[test]
    fn reads_scopes_access_trust_external_id_and_keys() {
        let objects = policy(
            &["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
            &["arn:aws:s3:::alpha/*", "arn:aws:s3:::raw/datasets/v1/*"],
        );
        let keys = policy(&["kms:Decrypt"], &[KEY, "*"]);
        let mut principals = vec![ACTIVELOOP_PRODUCTION];
        principals.extend(ACTIVELOOP_DEV);
        let grants = Grants::read(Some(&trust(&principals, Some("ext-1"))), &[objects, keys]);
        let scopes: Vec<String> = grants.scopes.iter().map(ToString::to_string).collect();
        assert_eq!(scopes, ["alpha", "raw/datasets/v1"]);
        assert_eq!(grants.access, Some(Access::ReadWrite));
        assert_eq!(grants.trust(), Trust::WithDev);
        assert_eq!(grants.external_id.as_deref(), Some("ext-1"));
        assert_eq!(grants.kms_keys, [KEY]);
    }

    #[test]
    fn read_only_denies_and_an_empty_trust_grant_nothing_more() {
        let read = policy(&["s3:GetObject"], &["arn:aws:s3:::alpha/*"]);
        let deny = json!({"Version": "2012-10-17", "Statement": {"Effect": "Deny",
            "Action": "s3:PutObject", "Resource": "arn:aws:s3:::beta/*"}});
        let deny = serde_json::from_value(deny).unwrap();
        let grants = Grants::read(Some(&PolicyDocument::default()), &[read, deny]);
        assert_eq!(grants.access, Some(Access::ReadOnly));
        assert_eq!(grants.scopes, [BucketScope::whole("alpha")]);
        assert!(grants.principals.is_empty() && grants.external_id.is_none());
        assert_eq!(Grants::read(None, &[]).access, None);
    }
}
