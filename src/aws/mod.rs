//! Everything that talks to AWS: connecting, discovery (reads), apply (writes), verify's reads,
//! delete. Small functions that take SDK clients, so tests can hand them mocked ones. Nothing
//! here prints: progress goes out as [`Event`]s, which the command renders.
//!
//! Failures are typed: a call returns [`error::Result`] (an [`AwsError`] naming the call and
//! resource, classified from the SDK's error types and codes), a step of discovery, apply or
//! delete returns [`Outcome`] (an [`Error`]: AWS's failure, a conflict to re-plan, a refusal,
//! several buckets). Callers branch on [`Answer`], [`Failure`] and [`Error`]'s variants, never
//! on a downcast; `commands` turns an [`Error`] into `anyhow`. The SDK's text is read only to
//! word a hint where the SDK keeps no type: which credential provider failed, DNS and TLS,
//! and whether a denial names a service control policy or a permissions boundary.

pub(crate) mod apply;
#[cfg(test)]
mod apply_tests;
pub(crate) mod cors;
pub(crate) mod delete;
pub(crate) mod discover;
pub(crate) mod error;
pub(crate) mod holder;
pub(crate) mod journal;
pub(crate) mod keys;
pub(crate) mod ops;
#[cfg(test)]
mod prune_tests;
pub(crate) mod retry;
pub(crate) mod verify;

use std::collections::HashMap;
use std::fmt::Display;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_config::meta::region::RegionProviderChain;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};

use crate::policy::{HeldDocument, PolicyDocument};
pub(crate) use error::{Answer, AwsError, AwsResult, Conflict, Error, Failure, Missing, Outcome};

/// How many S3 and KMS reads may be in flight at once: high, so discovery of many buckets
/// costs about as many round trips as one bucket (S3's request rates are far higher).
pub(crate) const READS: usize = 100;
/// IAM reads in flight at once.
pub(crate) const IAM_READS: usize = 8;
/// IAM writes in flight at once: IAM's write rate limits are low.
pub(crate) const IAM_WRITES: usize = 4;

/// A document as IAM, S3 or KMS returned it from `call` on `resource`, typed.
pub(crate) fn document(
    raw: Option<&str>,
    call: &'static str,
    resource: impl Display,
) -> error::Result<PolicyDocument> {
    held_document(raw, call, resource).map(HeldDocument::into_typed)
}

/// The same, with the text kept as it was (for putting someone's document back).
pub(crate) fn held_document(
    raw: Option<&str>,
    call: &'static str,
    resource: impl Display,
) -> error::Result<HeldDocument> {
    let raw =
        raw.ok_or_else(|| AwsError::malformed(call, resource.to_string(), "it held no document"))?;
    HeldDocument::from_iam(raw).map_err(|e| {
        let why = format!("the document is not a valid policy document: {e}");
        AwsError::malformed(call, resource.to_string(), &why)
    })
}

/// Where and as whom to connect; `None` leaves the choice to aws-config's usual chain
/// (environment, profile files, SSO, instance metadata).
#[derive(Debug, Clone, Default)]
pub(crate) struct ConnectOptions {
    pub(crate) profile: Option<String>,
    pub(crate) region: Option<String>,
    pub(crate) endpoint_url: Option<String>,
    /// The longest any one AWS call may take, retries included.
    pub(crate) timeout: Duration,
}

/// Something the AWS layer did or found, for the command to show (or not).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Event {
    /// A write that is done: `created role r`.
    Done(String),
    /// A finding worth a line with `-v`: a bucket's region and encryption.
    Found(String),
    /// A call that is tried again, and why.
    Retrying {
        call: &'static str,
        resource: String,
        why: String,
        delay: Duration,
    },
}

/// Where events go. `&|_| {}` ignores them.
pub(crate) type Progress<'a> = &'a (dyn Fn(Event) + Sync);

/// The S3 client for a region (`&|r| conn.s3(r)`): writes and undos of a bucket's CORS.
pub(crate) type S3For<'a> = &'a (dyn Fn(&str) -> aws_sdk_s3::Client + Sync);

/// Counts every request attempt sent to AWS, for `-v` and the benchmark.
#[derive(Debug, Clone, Default)]
pub(crate) struct CallCounter(Arc<AtomicUsize>);

impl CallCounter {
    pub(crate) fn get(&self) -> usize {
        self.0.load(Ordering::Relaxed)
    }
}

// Every SDK crate re-exports the same smithy `Intercept` trait, so this one impl serves all clients.
impl aws_sdk_iam::config::Intercept for CallCounter {
    fn name(&self) -> &'static str {
        "CallCounter"
    }

    fn read_before_attempt(
        &self,
        _context: &aws_sdk_iam::config::interceptors::BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &aws_sdk_iam::config::RuntimeComponents,
        _cfg: &mut aws_sdk_iam::config::ConfigBag,
    ) -> Result<(), aws_sdk_iam::error::BoxError> {
        self.0.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }
}

/// SDK clients for one run. IAM and STS are global; S3 and KMS clients are made per region,
/// because buckets and keys live in regions and S3 answers a wrong-region call with a redirect.
#[derive(Debug)]
pub(crate) struct Connection {
    pub(crate) iam: aws_sdk_iam::Client,
    pub(crate) sts: aws_sdk_sts::Client,
    sdk: SdkConfig,
    path_style: bool,
    s3: Mutex<HashMap<String, aws_sdk_s3::Client>>,
    kms: Mutex<HashMap<String, aws_sdk_kms::Client>>,
    pub(crate) calls: CallCounter,
}

/// IAM is global; without any configured region we still need one to sign with.
const FALLBACK_REGION: &str = "us-east-1";

/// Connect, attempt and total timeouts for every call: a hung connection must not hang the
/// run. One attempt gets a third of the total, so a retry still fits.
fn timeouts(total: Duration) -> TimeoutConfig {
    TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(5).min(total))
        .operation_attempt_timeout(total / 3)
        .operation_timeout(total)
        .build()
}

/// The SDK retries throttling and transient faults; waits between attempts stay short, so an
/// endpoint that refuses connections fails in seconds, not after the whole timeout.
fn retries() -> RetryConfig {
    RetryConfig::standard()
        .with_max_attempts(5)
        .with_max_backoff(Duration::from_secs(2))
}

pub(crate) async fn connect(opts: &ConnectOptions) -> Connection {
    let region = RegionProviderChain::first_try(opts.region.clone().map(Region::new))
        .or_default_provider()
        .or_else(Region::new(FALLBACK_REGION));
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .region(region)
        .retry_config(retries())
        .timeout_config(timeouts(opts.timeout));
    if let Some(profile) = &opts.profile {
        loader = loader.profile_name(profile);
    }
    if let Some(url) = &opts.endpoint_url {
        loader = loader.endpoint_url(url);
    }
    let sdk = loader.load().await;
    let calls = CallCounter::default();
    let iam = aws_sdk_iam::config::Builder::from(&sdk)
        .interceptor(calls.clone())
        .build();
    let sts = aws_sdk_sts::config::Builder::from(&sdk)
        .interceptor(calls.clone())
        .build();
    // A custom endpoint (an emulator, a VPC endpoint) cannot take virtual-hosted bucket names.
    let path_style = sdk.endpoint_url().is_some();
    Connection {
        iam: aws_sdk_iam::Client::from_conf(iam),
        sts: aws_sdk_sts::Client::from_conf(sts),
        sdk,
        path_style,
        s3: Mutex::default(),
        kms: Mutex::default(),
        calls,
    }
}

impl Connection {
    /// The region the connection was configured with.
    pub(crate) fn region(&self) -> String {
        self.sdk
            .region()
            .map_or(FALLBACK_REGION.to_string(), |r| r.to_string())
    }

    pub(crate) fn s3(&self, region: &str) -> aws_sdk_s3::Client {
        let mut clients = self.s3.lock().expect("client cache is never poisoned");
        clients
            .entry(region.to_string())
            .or_insert_with(|| {
                let conf = aws_sdk_s3::config::Builder::from(&self.sdk)
                    .region(Region::new(region.to_string()))
                    .force_path_style(self.path_style)
                    .interceptor(self.calls.clone())
                    .build();
                aws_sdk_s3::Client::from_conf(conf)
            })
            .clone()
    }

    pub(crate) fn kms(&self, region: &str) -> aws_sdk_kms::Client {
        let mut clients = self.kms.lock().expect("client cache is never poisoned");
        clients
            .entry(region.to_string())
            .or_insert_with(|| {
                let conf = aws_sdk_kms::config::Builder::from(&self.sdk)
                    .region(Region::new(region.to_string()))
                    .interceptor(self.calls.clone())
                    .build();
                aws_sdk_kms::Client::from_conf(conf)
            })
            .clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_document_that_does_not_parse_is_a_typed_failure_of_the_call_that_read_it() {
        let err = document(Some("not json"), "iam:GetRole", "role r").unwrap_err();
        assert_eq!((err.call, err.resource.as_str()), ("iam:GetRole", "role r"));
        assert_eq!(err.failure, Failure::Other);
        assert!(
            err.to_string().contains("not a valid policy document"),
            "{err}"
        );
        let none = held_document(None, "kms:GetKeyPolicy", "key k").unwrap_err();
        assert!(none.to_string().ends_with("it held no document"), "{none}");
        let ok = document(Some(r#"{"Version":"2012-10-17","Statement":[]}"#), "c", "r");
        assert!(ok.is_ok());
    }
}
