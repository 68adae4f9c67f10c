//! One error type for failed AWS calls: which call, on which resource, what went wrong in one
//! sentence, and what to do about it. The SDK's own description (a screenful of
//! `DispatchFailure(… hyper_util …)`) is kept for `-v` only, and the output of a
//! `credential_process` helper is never repeated.

use std::error::Error as _;
use std::fmt::{self, Debug, Display};

use aws_sdk_iam::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};

/// Why a call failed, as far as a caller needs to branch on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// AWS answered with an error code.
    Service,
    /// No answer in time: the write may or may not have happened.
    Timeout,
    /// AWS could not be reached (connection refused, DNS, TLS).
    Unreachable,
    /// No usable credentials (none found, expired, SSO session over, unknown profile).
    Credentials,
    Other,
}

#[derive(Debug, thiserror::Error)]
pub struct AwsError {
    /// The IAM action name of the call, e.g. `iam:CreateRole`.
    pub call: &'static str,
    pub resource: String,
    pub failure: Failure,
    /// AWS's error code, when the service answered.
    pub code: Option<String>,
    /// One line for people.
    message: String,
    /// The SDK's full description, for `-v`.
    pub debug: String,
}

impl Display for AwsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} on {} failed: {}",
            self.call, self.resource, self.message
        )?;
        match hint(self) {
            Some(hint) => write!(f, " ({hint})"),
            None => Ok(()),
        }
    }
}

impl AwsError {
    pub fn new<E, R>(call: &'static str, resource: impl Into<String>, err: &SdkError<E, R>) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
        R: Debug,
    {
        let code = code_of(err).map(str::to_string);
        let (failure, message) = classify(err, code.as_deref());
        AwsError {
            call,
            resource: resource.into(),
            failure,
            code,
            message,
            debug: DisplayErrorContext(err).to_string(),
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

/// `….send().await.aws("iam:GetRole", &name)?`: an SDK result with the call and resource
/// named, as an [`AwsError`].
pub trait AwsResult<T> {
    fn aws(self, call: &'static str, resource: impl Display) -> Result<T, AwsError>;
}

impl<T, E, R> AwsResult<T> for Result<T, SdkError<E, R>>
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: Debug,
{
    fn aws(self, call: &'static str, resource: impl Display) -> Result<T, AwsError> {
        self.map_err(|e| AwsError::new(call, resource.to_string(), &e))
    }
}

/// AWS's error code for a failed call, if the service answered at all.
pub fn code_of<E: ProvideErrorMetadata, R>(err: &SdkError<E, R>) -> Option<&str> {
    match err {
        SdkError::ServiceError(e) => e.err().code(),
        _ => None,
    }
}

/// The innermost error's text, lower-cased: where the SDK keeps "connection refused".
fn root_text(err: &(dyn std::error::Error + 'static)) -> String {
    let mut current = err;
    while let Some(next) = current.source() {
        current = next;
    }
    current.to_string().to_lowercase()
}

fn classify<E, R>(err: &SdkError<E, R>, code: Option<&str>) -> (Failure, String)
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: Debug,
{
    match err {
        SdkError::ServiceError(e) => {
            let message = match (code, e.err().message()) {
                (Some(code), Some(msg)) => format!("{code}: {msg}"),
                (Some(code), None) => code.to_string(),
                _ => "AWS answered with an error it did not name".to_string(),
            };
            let failure = match code {
                Some(c) if is_credentials_code(c) => Failure::Credentials,
                _ => Failure::Service,
            };
            (failure, message)
        }
        SdkError::TimeoutError(_) => (
            Failure::Timeout,
            "no answer within the timeout; the call may or may not have taken effect".into(),
        ),
        SdkError::DispatchFailure(d) if d.is_timeout() => (
            Failure::Timeout,
            "no answer within the timeout; the call may or may not have taken effect".into(),
        ),
        SdkError::DispatchFailure(d) => {
            // Credentials are resolved just before sending: their failures come out here.
            let root = err.source().map(root_text).unwrap_or_default();
            if d.is_other() || root.contains("credential") || root.contains("profile") {
                return credentials(&root);
            }
            let why = if root.contains("refused") {
                "connection refused"
            } else if root.contains("dns") || root.contains("resolve") || root.contains("lookup") {
                "the host name could not be resolved"
            } else if root.contains("certificate") || root.contains("tls") {
                "the TLS connection failed"
            } else {
                "the connection failed"
            };
            (Failure::Unreachable, format!("could not reach AWS: {why}"))
        }
        SdkError::ConstructionFailure(_) => {
            let root = err.source().map(root_text).unwrap_or_default();
            credentials(&root)
        }
        _ => (
            Failure::Other,
            "the response could not be read (-v shows the SDK's description)".into(),
        ),
    }
}

fn is_credentials_code(code: &str) -> bool {
    matches!(
        code,
        "ExpiredToken"
            | "ExpiredTokenException"
            | "InvalidClientTokenId"
            | "RequestExpired"
            | "UnrecognizedClientException"
            | "InvalidAccessKeyId"
            | "SignatureDoesNotMatch"
    )
}

/// A credentials failure in one line. Never the provider's own text: a credential_process
/// helper's output could hold anything.
fn credentials(root: &str) -> (Failure, String) {
    let message = if root.contains("external process") {
        "the profile's credential_process failed (-v shows the SDK's description)"
    } else if root.contains("sso") {
        "the SSO session has expired or is missing"
    } else if root.contains("profile `") && root.contains("was not defined") {
        "the AWS profile is not in ~/.aws/config"
    } else if root.contains("credentials") {
        "no AWS credentials were found"
    } else {
        "the request could not be built (-v shows the SDK's description)"
    };
    let failure = if message.starts_with("the request") {
        Failure::Other
    } else {
        Failure::Credentials
    };
    (failure, message.to_string())
}

fn hint(err: &AwsError) -> Option<String> {
    let call = err.call;
    Some(match (err.failure, err.code.as_deref()) {
        (_, Some("AccessDenied" | "AccessDeniedException" | "UnauthorizedOperation")) => format!(
            "the caller lacks permission for {call}; grant it (README: \"Permissions the caller \
             needs\") or use another --profile"
        ),
        (Failure::Credentials, _) => {
            "sign in with `aws sso login --profile NAME` (SSO) or `aws configure` (access keys), \
             or choose a profile with --profile NAME"
                .to_string()
        }
        (_, Some("NoSuchBucket")) => {
            "check the bucket name and that it is in this account".to_string()
        }
        (_, Some("LimitExceeded")) => {
            "an IAM quota is reached; see the IAM quotas page of your account".to_string()
        }
        (Failure::Unreachable, _) => "check the network, --region and --endpoint-url".to_string(),
        (Failure::Timeout, _) => {
            "AWS did not answer in time; retry, or raise --timeout".to_string()
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(failure: Failure, code: Option<&str>) -> AwsError {
        AwsError {
            call: "iam:CreateRole",
            resource: "role r".into(),
            failure,
            code: code.map(str::to_string),
            message: "m".into(),
            debug: String::new(),
        }
    }

    #[test]
    fn hints_say_what_to_do() {
        let shown = |f, c| error(f, c).to_string();
        assert!(shown(Failure::Service, Some("AccessDenied")).contains("iam:CreateRole"));
        assert!(shown(Failure::Credentials, Some("ExpiredToken")).contains("aws sso login"));
        assert!(shown(Failure::Unreachable, None).contains("--endpoint-url"));
        assert!(shown(Failure::Timeout, None).contains("--timeout"));
        assert_eq!(
            shown(Failure::Service, Some("Throttling")),
            "iam:CreateRole on role r failed: m"
        );
    }

    #[test]
    fn credential_messages_never_repeat_the_provider() {
        let helper = "error retrieving credentials: external process exited with code 3. \
                      stderr: secret-token-xyz expired";
        let (f, m) = credentials(helper);
        assert_eq!(f, Failure::Credentials);
        assert!(
            m.contains("credential_process") && !m.contains("secret"),
            "{m}"
        );
        assert_eq!(
            credentials("no credentials found in chain").0,
            Failure::Credentials
        );
        let profile = "no credentials found in chain. profile `nope` was not defined";
        assert!(credentials(profile).1.contains("~/.aws/config"));
    }
}
