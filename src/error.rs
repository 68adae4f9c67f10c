//! Errors callers branch on, and the exit code each one means.

use std::process::ExitCode;

use thiserror::Error;

use crate::plan::PlanError;

/// Bad input or flags: nothing was touched, exit 2.
#[derive(Debug, Error)]
#[error("{0}")]
pub struct UsageError(pub String);

impl UsageError {
    pub fn new(msg: impl Into<String>) -> Self {
        UsageError(msg.into())
    }
}

/// The person cancelled (Ctrl-C, Esc, or said no): exit 130.
#[derive(Debug, Error)]
#[error("{0}")]
pub struct Cancelled(pub String);

/// A failure the command has already reported in full (for example `verify`'s checklist, or
/// its JSON document): exit 1, and no second JSON document on stdout.
#[derive(Debug, Error)]
#[error("{0}")]
pub struct Reported(pub String);

/// What the process reports to its caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Success = 0,
    Failure = 1,
    Usage = 2,
    Interrupted = 130,
}

impl Exit {
    /// The exit code an error stands for: usage errors 2, cancellation 130, the rest 1.
    pub fn of(err: &anyhow::Error) -> Exit {
        if err.downcast_ref::<UsageError>().is_some() {
            return Exit::Usage;
        }
        if err.downcast_ref::<Cancelled>().is_some() {
            return Exit::Interrupted;
        }
        match err.downcast_ref::<PlanError>() {
            Some(PlanError::TooLarge(_) | PlanError::UnresolvedKey(_)) => Exit::Usage,
            _ => Exit::Failure,
        }
    }
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> ExitCode {
        ExitCode::from(e as u8)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes() {
        assert_eq!(Exit::of(&UsageError::new("x").into()), Exit::Usage);
        assert_eq!(Exit::of(&Cancelled("x".into()).into()), Exit::Interrupted);
        assert_eq!(Exit::of(&anyhow::anyhow!("boom")), Exit::Failure);
        assert_eq!(Exit::of(&Reported("x".into()).into()), Exit::Failure);
        let too_large = PlanError::TooLarge("x".into());
        assert_eq!(Exit::of(&too_large.into()), Exit::Usage);
        let not_owned = PlanError::NotOwned {
            kind: "role",
            name: "r".into(),
        };
        assert_eq!(Exit::of(&not_owned.into()), Exit::Failure);
        let wrapped = anyhow::Error::from(UsageError::new("x")).context("while parsing");
        assert_eq!(Exit::of(&wrapped), Exit::Usage);
        assert_eq!(Exit::Interrupted as u8, 130);
    }
}
