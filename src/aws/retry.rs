//! Waiting out IAM's eventual consistency.
//!
//! The SDK already retries throttling and transient faults. What it cannot know is that a role
//! or policy created a moment ago may not be visible yet: IAM answers `NoSuchEntity` for a few
//! seconds (sometimes tens of seconds) after a create. Those calls go through [`eventually`].

use std::future::Future;
use std::time::Duration;

use super::{Answer, AwsError, Event, Missing, Progress};

#[derive(Debug, Clone, Copy)]
pub(crate) struct Backoff {
    pub(crate) first: Duration,
    pub(crate) max_delay: Duration,
    pub(crate) attempts: u32,
}

impl Backoff {
    /// About 30 s in all: IAM usually converges in under 10 s, rarely in up to 30 s.
    pub(crate) const IAM: Backoff = Backoff {
        first: Duration::from_millis(500),
        max_delay: Duration::from_secs(5),
        attempts: 9,
    };

    /// For tests: retry at once.
    #[cfg(test)]
    pub(crate) const IMMEDIATE: Backoff = Backoff {
        first: Duration::ZERO,
        max_delay: Duration::ZERO,
        attempts: 9,
    };

    fn delay(&self, attempt: u32) -> Duration {
        self.first
            .saturating_mul(2u32.saturating_pow(attempt))
            .min(self.max_delay)
    }
}

/// Error codes that, right after a create, mean "not visible yet" rather than "wrong".
pub(crate) fn is_propagation(err: &AwsError) -> bool {
    matches!(
        err.answer(),
        Some(Answer::Missing(Missing::Entity) | Answer::Concurrent)
    )
}

/// Run `call` until it succeeds, fails with an error `retryable` rejects, or attempts run out.
pub(crate) async fn eventually<T, F, Fut>(
    backoff: Backoff,
    retryable: impl Fn(&AwsError) -> bool,
    progress: Progress<'_>,
    mut call: F,
) -> Result<T, AwsError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, AwsError>>,
{
    let mut attempt = 0;
    loop {
        match call().await {
            Err(e) if attempt + 1 < backoff.attempts && retryable(&e) => {
                let delay = backoff.delay(attempt);
                progress(Event::Retrying {
                    call: e.call,
                    resource: e.resource.clone(),
                    why: match is_propagation(&e) {
                        true => format!(
                            "{} (IAM may not have propagated yet)",
                            e.code.as_deref().unwrap_or("error")
                        ),
                        false => e.code.clone().unwrap_or_else(|| "error".to_string()),
                    },
                    delay,
                });
                tokio::time::sleep(delay).await;
                attempt += 1;
            }
            other => return other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_and_cap() {
        let b = Backoff::IAM;
        assert_eq!(b.delay(0), Duration::from_millis(500));
        assert_eq!(b.delay(1), Duration::from_secs(1));
        assert_eq!(b.delay(10), Duration::from_secs(5));
        let total: Duration = (0..b.attempts - 1).map(|a| b.delay(a)).sum();
        assert!(total <= Duration::from_secs(31), "{total:?}");
    }
}
