//! The CORS check (`verify --cors`): the bucket holds Deep Lake's rule, once, with the
//! expected origins, so the Activeloop web visualizer can show its data. Other rules are not
//! judged: they belong to other apps.

use super::facts::BucketFacts;
use super::{Check, Expect, SEE_COMMAND};
use crate::plan::cors::{with_ours, CorsRule, RULE_ID};

pub(super) fn check(expect: &Expect, bucket: &str, facts: &BucketFacts) -> Option<Check> {
    let origins = expect.cors.as_ref()?;
    let name = format!("CORS: bucket {bucket}");
    let rules = match &facts.cors {
        Some(Ok(rules)) => rules,
        Some(Err(why)) => {
            return Some(Check::fail(
                name,
                why.clone(),
                "let the caller call s3:GetBucketCORS on the bucket",
            ))
        }
        None => return Some(Check::fail(name, "not read", "run verify again")),
    };
    let ours = CorsRule::ours(origins);
    let found: Vec<&CorsRule> = rules.iter().filter(|r| r.is_ours()).collect();
    let detail = match (found.as_slice(), with_ours(rules, &ours)) {
        (_, None) => {
            return Some(Check::pass(
                name,
                format!(
                    "rule {RULE_ID} allows GET, HEAD from {}",
                    origins.join(", ")
                ),
            ))
        }
        ([], _) => format!("no rule {RULE_ID}: the Activeloop visualizer cannot read the bucket"),
        ([one], _) => format!(
            "rule {RULE_ID} allows {} from {}, not GET, HEAD from {}",
            one.allowed_methods.join(", "),
            one.allowed_origins.join(", "),
            origins.join(", ")
        ),
        (many, _) => format!("rule {RULE_ID} is there {} times", many.len()),
    };
    Some(
        Check::fail(
            name,
            detail,
            format!("set it (other rules are kept): {SEE_COMMAND}"),
        )
        .with_command(),
    )
}
