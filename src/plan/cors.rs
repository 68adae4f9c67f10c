//! CORS for the Activeloop visualizer: the rule Deep Lake's web app needs on every bucket that
//! holds a dataset, and how it joins the rules a bucket already has. S3 keeps one CORS
//! configuration per bucket, so ours is added (or replaced) by its ID and every other rule is
//! kept as it is.

/// The ID that marks our rule among a bucket's rules.
pub const RULE_ID: &str = "provision-role-deeplake";
/// Where the Deep Lake web app runs.
pub const DEFAULT_ORIGIN: &str = "*.activeloop.ai";
/// S3's limit of rules in one bucket's CORS configuration.
pub const MAX_RULES: usize = 100;

/// One CORS rule, as S3 holds it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CorsRule {
    pub id: Option<String>,
    pub allowed_headers: Vec<String>,
    pub allowed_methods: Vec<String>,
    pub allowed_origins: Vec<String>,
    pub expose_headers: Vec<String>,
    pub max_age_seconds: Option<i32>,
}

impl CorsRule {
    /// Deep Lake's rule (its guide "Enabling CORS in S3"), for these origins.
    pub fn ours(origins: &[String]) -> CorsRule {
        CorsRule {
            id: Some(RULE_ID.to_string()),
            allowed_headers: vec!["*".to_string()],
            allowed_methods: vec!["GET".to_string(), "HEAD".to_string()],
            allowed_origins: origins.to_vec(),
            expose_headers: Vec::new(),
            max_age_seconds: None,
        }
    }

    pub fn is_ours(&self) -> bool {
        self.id.as_deref() == Some(RULE_ID)
    }

    /// Whether two rules allow the same (S3 may return lists in another order).
    pub fn same_as(&self, other: &CorsRule) -> bool {
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

/// The bucket's rules with ours in place of any earlier one of ours (others unchanged, in
/// their order; ours last), or `None` when ours is there already, as it should be.
pub fn with_ours(current: &[CorsRule], ours: &CorsRule) -> Option<Vec<CorsRule>> {
    if current.iter().any(|r| r.same_as(ours))
        && current.iter().filter(|r| r.is_ours()).count() == 1
    {
        return None;
    }
    let mut rules: Vec<CorsRule> = current.iter().filter(|r| !r.is_ours()).cloned().collect();
    rules.push(ours.clone());
    Some(rules)
}

/// The bucket's rules without ours; `None` when it has none of ours.
pub fn without_ours(current: &[CorsRule]) -> Option<Vec<CorsRule>> {
    if !current.iter().any(CorsRule::is_ours) {
        return None;
    }
    Some(current.iter().filter(|r| !r.is_ours()).cloned().collect())
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

    fn ours() -> CorsRule {
        CorsRule::ours(&[DEFAULT_ORIGIN.to_string()])
    }

    #[test]
    fn ours_joins_the_others_and_replaces_an_older_ours() {
        assert_eq!(with_ours(&[], &ours()), Some(vec![ours()]));
        assert_eq!(
            with_ours(&[theirs()], &ours()),
            Some(vec![theirs(), ours()])
        );
        let old = CorsRule::ours(&["https://old.example".into()]);
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
        assert_eq!(without_ours(&[theirs()]), None);
        assert_eq!(without_ours(&[theirs(), ours()]), Some(vec![theirs()]));
        assert_eq!(without_ours(&[ours()]), Some(vec![]));
    }
}
