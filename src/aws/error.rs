//! One error type for failed AWS calls: which call, on which resource, what AWS said, and what
//! to do about it.

use std::fmt::Debug;

use aws_sdk_iam::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};

#[derive(Debug, thiserror::Error)]
#[error("{call} on {resource} failed: {detail}{hint}")]
pub struct AwsError {
    /// The IAM action name of the call, e.g. `iam:CreateRole`.
    pub call: &'static str,
    pub resource: String,
    /// AWS's error code, when the service answered.
    pub code: Option<String>,
    detail: String,
    hint: String,
}

impl AwsError {
    pub fn new<E, R>(call: &'static str, resource: impl Into<String>, err: &SdkError<E, R>) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
        R: Debug,
    {
        let code = code_of(err).map(str::to_string);
        let detail = match (&code, err.message()) {
            (Some(code), Some(msg)) => format!("{code}: {msg}"),
            (Some(code), None) => code.clone(),
            _ => DisplayErrorContext(err).to_string(),
        };
        let hint = hint(call, code.as_deref(), &detail);
        AwsError {
            call,
            resource: resource.into(),
            code,
            detail,
            hint,
        }
    }

    pub fn is(&self, code: &str) -> bool {
        self.code.as_deref() == Some(code)
    }

    /// `Ok(None)` when AWS answered `code` (the thing is absent), this error otherwise.
    pub fn absent_if<T>(self, code: &str) -> anyhow::Result<Option<T>> {
        if self.is(code) {
            Ok(None)
        } else {
            Err(self.into())
        }
    }
}

/// AWS's error code for a failed call, if the service answered at all.
pub fn code_of<E: ProvideErrorMetadata, R>(err: &SdkError<E, R>) -> Option<&str> {
    match err {
        SdkError::ServiceError(e) => e.err().code(),
        _ => None,
    }
}

fn hint(call: &str, code: Option<&str>, detail: &str) -> String {
    let text = match code {
        Some("AccessDenied" | "AccessDeniedException" | "UnauthorizedOperation") => format!(
            "the caller lacks permission for {call}; grant it (README: \"Permissions the caller needs\") or use another --profile"
        ),
        Some("ExpiredToken" | "ExpiredTokenException" | "InvalidClientTokenId" | "RequestExpired") => {
            "the AWS credentials are expired or invalid; refresh them (for SSO: `aws sso login`) or pass --profile".to_string()
        }
        Some("NoSuchBucket") => "check the bucket name and that it is in this account".to_string(),
        Some("LimitExceeded") => "an IAM quota is reached; see the IAM quotas page of your account".to_string(),
        None if detail.contains("credentials") => {
            "no usable AWS credentials: run `aws configure` or `aws sso login`, or pass --profile NAME".to_string()
        }
        None if detail.contains("dispatch failure") || detail.contains("io error") => {
            "could not reach AWS; check the network, --region and --endpoint-url".to_string()
        }
        _ => return String::new(),
    };
    format!(" ({text})")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hints_say_what_to_do() {
        assert!(hint("iam:CreateRole", Some("AccessDenied"), "").contains("iam:CreateRole"));
        assert!(hint("sts:GetCallerIdentity", Some("ExpiredToken"), "").contains("aws sso login"));
        assert!(hint("x", None, "no credentials in the provider chain").contains("--profile"));
        assert_eq!(hint("x", Some("Throttling"), ""), "");
    }
}
