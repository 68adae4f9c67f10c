//! CORS for the Activeloop visualizer: the rule Deep Lake's web app needs on every bucket that
//! holds a dataset, and how it joins the rules a bucket already has. S3 keeps one CORS
//! configuration per bucket, so ours is added (or replaced) by its ID and every other rule is
//! kept as it is.
//!
//! The ID names the role (or user) the rule is for — `provision-role-deeplake:role/NAME` — so
//! two of them serving one bucket each keep their own rule, and deleting one leaves the
//! other's; a person reading the bucket's CORS sees whom each rule serves.

use super::Holder;

/// How the IDs of the rules provision-role writes begin.
pub(crate) const RULE_PREFIX: &str = "provision-role-deeplake";

/// The ID of the rule provision-role writes for `holder`.
pub(crate) fn rule_id(holder: &Holder) -> String {
    format!("{RULE_PREFIX}:{}/{}", holder.kind(), holder.name())
}
/// Where the Deep Lake web app runs.
pub(crate) const DEFAULT_ORIGIN: &str = "*.activeloop.ai";
/// S3's limit of rules in one bucket's CORS configuration.
pub(crate) const MAX_RULES: usize = 100;

/// One CORS rule, as S3 holds it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct CorsRule {
    pub(crate) id: Option<String>,
    pub(crate) allowed_headers: Vec<String>,
    pub(crate) allowed_methods: Vec<String>,
    pub(crate) allowed_origins: Vec<String>,
    pub(crate) expose_headers: Vec<String>,
    pub(crate) max_age_seconds: Option<i32>,
}

impl CorsRule {
    /// Deep Lake's rule (its guide "Enabling CORS in S3") with this ID, for these origins.
    pub(crate) fn ours(id: &str, origins: &[String]) -> CorsRule {
        CorsRule {
            id: Some(id.to_string()),
            allowed_headers: vec!["*".to_string()],
            allowed_methods: vec!["GET".to_string(), "HEAD".to_string()],
            allowed_origins: origins.to_vec(),
            expose_headers: Vec::new(),
            max_age_seconds: None,
        }
    }

    /// Whether the rule has this ID.
    pub(crate) fn has_id(&self, id: &str) -> bool {
        self.id.as_deref() == Some(id)
    }

    /// The rule's ID, or `(no ID)`.
    pub(crate) fn id(&self) -> &str {
        self.id.as_deref().unwrap_or("(no ID)")
    }

    /// Whether two rules allow the same (S3 may return lists in another order).
    pub(crate) fn same_as(&self, other: &CorsRule) -> bool {
        let sorted = |v: &[String]| {
            let mut v = v.to_vec();
            v.sort();
            v
        };
        self.id == other.id
            && sorted(&self.allowed_headers) == sorted(&other.allowed_headers)
            && sorted(&self.allowed_methods) == sorted(&other.allowed_methods)
            && sorted(&self.allowed_origins) == sorted(&other.allowed_origins)
            && sorted(&self.expose_headers) == sorted(&other.expose_headers)
            && self.max_age_seconds == other.max_age_seconds
    }
}

/// The bucket's rules with ours in place of any earlier rule with its ID (others unchanged, in
/// their order; ours last), or `None` when ours is there already, as it should be.
pub(crate) fn with_ours(current: &[CorsRule], ours: &CorsRule) -> Option<Vec<CorsRule>> {
    let id = ours.id();
    if current.iter().any(|r| r.same_as(ours))
        && current.iter().filter(|r| r.has_id(id)).count() == 1
    {
        return None;
    }
    let mut rules: Vec<CorsRule> = current.iter().filter(|r| !r.has_id(id)).cloned().collect();
    rules.push(ours.clone());
    Some(rules)
}

/// The bucket's rules with the one with ID `id` replaced by `rule` (None: taken out), the
/// others kept in their order; `None` when that changes nothing.
pub(crate) fn replacing(
    current: &[CorsRule],
    id: &str,
    rule: Option<&CorsRule>,
) -> Option<Vec<CorsRule>> {
    let mut rules: Vec<CorsRule> = current.iter().filter(|r| !r.has_id(id)).cloned().collect();
    rules.extend(rule.cloned());
    (rules != current).then_some(rules)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn theirs() -> CorsRule {
        CorsRule {
            id: Some("app".into()),
            allowed_methods: vec!["PUT".into()],
            allowed_origins: vec!["https://example.com".into()],
            ..CorsRule::default()
        }
    }

    const ID: &str = "provision-role-deeplake:role/r";

    fn ours() -> CorsRule {
        CorsRule::ours(ID, &[DEFAULT_ORIGIN.to_string()])
    }

    #[test]
    fn ours_joins_the_others_and_replaces_an_older_ours() {
        assert_eq!(with_ours(&[], &ours()), Some(vec![ours()]));
        assert_eq!(
            with_ours(&[theirs()], &ours()),
            Some(vec![theirs(), ours()])
        );
        let old = CorsRule::ours(ID, &["https://old.example".into()]);
        assert_eq!(
            with_ours(&[old, theirs()], &ours()),
            Some(vec![theirs(), ours()])
        );
        assert_eq!(
            with_ours(&[theirs(), ours()], &ours()),
            None,
            "already there"
        );
        let reordered = CorsRule {
            allowed_methods: vec!["HEAD".into(), "GET".into()],
            ..ours()
        };
        assert_eq!(with_ours(&[reordered], &ours()), None);
        assert!(
            with_ours(&[ours(), ours()], &ours()).is_some(),
            "twice is once too many"
        );
    }

    #[test]
    fn only_ours_is_taken_out() {
        assert_eq!(replacing(&[theirs()], ID, None), None);
        assert_eq!(
            replacing(&[theirs(), ours()], ID, None),
            Some(vec![theirs()])
        );
        assert_eq!(replacing(&[ours()], ID, None), Some(vec![]));
        let earlier = CorsRule {
            allowed_origins: vec!["app.example.com".into()],
            ..ours()
        };
        assert_eq!(
            replacing(&[ours(), theirs()], ID, Some(&earlier)),
            Some(vec![theirs(), earlier.clone()]),
            "an earlier rule of ours is put back in place of the one written"
        );
        assert_eq!(
            replacing(&[theirs(), earlier.clone()], ID, Some(&earlier)),
            None
        );
    }

    #[test]
    fn each_role_or_user_has_its_own_rule() {
        let user = Holder::User("r".into());
        assert_eq!(rule_id(&Holder::Role("r".into())), ID);
        assert_eq!(rule_id(&user), "provision-role-deeplake:user/r");
        let users = CorsRule::ours(&rule_id(&user), &[DEFAULT_ORIGIN.to_string()]);
        let both = with_ours(&[ours()], &users).expect("the user's rule is added");
        assert_eq!(both, vec![ours(), users.clone()]);
        assert_eq!(replacing(&both, &rule_id(&user), None), Some(vec![ours()]));
    }
}
