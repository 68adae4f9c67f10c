//! How a run ends: the exit status, and the typed errors that choose it.
//!
//! 0 success, 1 an AWS or runtime failure, 2 bad input (nothing was sent to AWS), 130 cancelled.

use std::process::ExitCode;

use thiserror::Error;

use crate::plan::PlanError;

/// Bad input or flags: nothing was sent to AWS, exit 2.
#[derive(Debug, Error)]
#[error("{0}")]
pub(crate) struct UsageError(pub String);

impl UsageError {
    pub(crate) fn new(msg: impl Into<String>) -> Self {
        UsageError(msg.into())
    }
}

/// The person cancelled (Ctrl-C, Esc, or said no): exit 130. The message says what state
/// AWS was left in.
#[derive(Debug, Error)]
#[error("{0}")]
pub(crate) struct Cancelled(pub String);

/// What the process reports to its caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ExitStatus {
    Success = 0,
    Failure = 1,
    Usage = 2,
    Interrupted = 130,
}

impl ExitStatus {
    /// The exit status an error stands for: usage errors 2, cancellation 130, the rest 1.
    pub(crate) fn of(err: &anyhow::Error) -> ExitStatus {
        if err.downcast_ref::<UsageError>().is_some() {
            return ExitStatus::Usage;
        }
        if err.downcast_ref::<Cancelled>().is_some() {
            return ExitStatus::Interrupted;
        }
        match err.downcast_ref::<PlanError>() {
            Some(e) if e.is_usage() => ExitStatus::Usage,
            _ => ExitStatus::Failure,
        }
    }

    pub(crate) fn code(self) -> u8 {
        self as u8
    }
}

impl From<ExitStatus> for ExitCode {
    fn from(e: ExitStatus) -> ExitCode {
        ExitCode::from(e.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes() {
        let of = |e: anyhow::Error| ExitStatus::of(&e);
        assert_eq!(of(UsageError::new("x").into()), ExitStatus::Usage);
        assert_eq!(of(Cancelled("x".into()).into()), ExitStatus::Interrupted);
        assert_eq!(of(anyhow::anyhow!("boom")), ExitStatus::Failure);
        assert_eq!(
            of(PlanError::TooLarge("x".into()).into()),
            ExitStatus::Usage
        );
        let not_owned = PlanError::NotOwned {
            kind: "role",
            name: "r".into(),
        };
        assert_eq!(of(not_owned.into()), ExitStatus::Failure);
        let wrapped = anyhow::Error::from(UsageError::new("x")).context("while parsing");
        assert_eq!(of(wrapped), ExitStatus::Usage);
        assert_eq!(ExitStatus::Interrupted.code(), 130);
    }
}
