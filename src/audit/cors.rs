//! The CORS check (`verify --cors`): the bucket holds Deep Lake's rule, once, with the
//! expected origins, so the Activeloop web visualizer can show its data. Other rules are not
//! judged: they belong to other apps.

use super::{Check, Expect, SEE_COMMAND};
use crate::plan::cors::{rule_id, with_ours, CorsRule};
use crate::plan::BucketRead;

pub(super) fn check(expect: &Expect, bucket: &str, facts: &BucketRead) -> Option<Check> {
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
    let id = rule_id(&expect.holder);
    let ours = CorsRule::ours(&id, origins);
    let found: Vec<&CorsRule> = rules.iter().filter(|r| r.has_id(&id)).collect();
    let detail = match (found.as_slice(), with_ours(rules, &ours)) {
        (_, None) => {
            return Some(Check::pass(
                name,
                format!("rule {id} allows GET, HEAD from {}", origins.join(", ")),
            ))
        }
        ([], _) => format!("no rule {id}: the Activeloop visualizer cannot read the bucket"),
        ([one], _) => format!(
            "rule {id} allows {} from {}, not GET, HEAD from {}",
            one.allowed_methods.join(", "),
            one.allowed_origins.join(", "),
            origins.join(", ")
        ),
        (many, _) => format!("rule {id} is there {} times", many.len()),
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
