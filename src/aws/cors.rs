//! A bucket's CORS configuration: read, written whole (S3 keeps one configuration per bucket),
//! or deleted when no rule is left.

use aws_sdk_s3::types::{CorsConfiguration, CorsRule as S3Rule};

use super::error::Result;
use super::{AwsResult, Missing};
use crate::plan::cors::{replacing, CorsRule};

/// The bucket's CORS rules; none when it has no configuration.
pub(crate) async fn rules(s3: &aws_sdk_s3::Client, bucket: &str) -> Result<Vec<CorsRule>> {
    let result = s3.get_bucket_cors().bucket(bucket).send().await;
    let out = match result.aws("s3:GetBucketCORS", format!("bucket {bucket}")) {
        Ok(out) => out,
        Err(e) if e.says_missing(Missing::CorsRules) => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    Ok(out.cors_rules().iter().map(from_s3).collect())
}

/// Replace the bucket's configuration with `rules`; no rules deletes the configuration.
pub(crate) async fn put(s3: &aws_sdk_s3::Client, bucket: &str, rules: &[CorsRule]) -> Result<()> {
    if rules.is_empty() {
        s3.delete_bucket_cors().bucket(bucket).send().await.aws(
            "s3:PutBucketCORS",
            format!("bucket {bucket} (deleting its configuration)"),
        )?;
        return Ok(());
    }
    let config = CorsConfiguration::builder()
        .set_cors_rules(Some(rules.iter().map(to_s3).collect()))
        .build()
        .expect("the rules are set");
    s3.put_bucket_cors()
        .bucket(bucket)
        .cors_configuration(config)
        .send()
        .await
        .aws("s3:PutBucketCORS", format!("bucket {bucket}"))?;
    Ok(())
}

/// Our rule `id` in the rules `now` holds replaced by `rule` (None: taken out), the others
/// kept as they are; nothing is written when that changes nothing.
pub(crate) async fn replace_rule(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    now: &[CorsRule],
    id: &str,
    rule: Option<&CorsRule>,
) -> Result<()> {
    match replacing(now, id, rule) {
        Some(rules) => put(s3, bucket, &rules).await,
        None => Ok(()),
    }
}

fn from_s3(rule: &S3Rule) -> CorsRule {
    CorsRule {
        id: rule.id().map(str::to_string),
        allowed_headers: rule.allowed_headers().to_vec(),
        allowed_methods: rule.allowed_methods().to_vec(),
        allowed_origins: rule.allowed_origins().to_vec(),
        expose_headers: rule.expose_headers().to_vec(),
        max_age_seconds: rule.max_age_seconds(),
    }
}

fn to_s3(rule: &CorsRule) -> S3Rule {
    S3Rule::builder()
        .set_id(rule.id.clone())
        .set_allowed_headers(Some(rule.allowed_headers.clone()))
        .set_allowed_methods(Some(rule.allowed_methods.clone()))
        .set_allowed_origins(Some(rule.allowed_origins.clone()))
        .set_expose_headers(Some(rule.expose_headers.clone()))
        .set_max_age_seconds(rule.max_age_seconds)
        .build()
        .expect("methods and origins are set")
}
