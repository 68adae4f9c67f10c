//! One error type for failed AWS calls: which call, on which resource, why in one sentence, and
//! what to do about it. The SDK's own description (a screenful of `DispatchFailure(…
//! hyper_util …)`) is kept for `-v` only, and the output of a `credential_process` helper is
//! never repeated.

use std::error::Error as _;
use std::fmt::{self, Debug, Display};

use aws_credential_types::provider::error::CredentialsError;
use aws_sdk_iam::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};

use crate::exit::Cancelled;
use crate::plan::PlanError;

/// Why a call failed, as far as a caller needs to branch on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Failure {
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

/// The reason behind a failure, precise enough to say what to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Why {
    /// AWS answered with an error code (see `AwsError::code`).
    Answered,
    ExpiredCredentials,
    Timeout,
    Refused,
    Dns,
    Tls,
    Connection,
    NoCredentials,
    UnknownProfile,
    Sso,
    CredentialProcess,
    BadResponse,
    /// The call was never sent: what it needs is not known (`AwsError::unsent`).
    NotSent,
    Other,
}

impl Why {
    pub(crate) fn failure(self) -> Failure {
        match self {
            Why::Answered => Failure::Service,
            Why::Timeout => Failure::Timeout,
            Why::Refused | Why::Dns | Why::Tls | Why::Connection => Failure::Unreachable,
            Why::ExpiredCredentials
            | Why::NoCredentials
            | Why::UnknownProfile
            | Why::Sso
            | Why::CredentialProcess => Failure::Credentials,
            Why::BadResponse | Why::NotSent | Why::Other => Failure::Other,
        }
    }
}

/// What an AWS answer means, as far as a caller branches on it: the services' error codes are
/// mapped once, here ([`answer_of`]), and nothing else compares code strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Answer {
    /// The thing asked about does not exist.
    Missing(Missing),
    /// A create found the name taken (`EntityAlreadyExists`).
    AlreadyExists,
    /// It is still attached or in use (`DeleteConflict`).
    InUse,
    /// Another writer changed it at the same moment (`ConcurrentModification`).
    Concurrent,
    /// An IAM quota is reached (`LimitExceeded`).
    Limit,
    /// Too many requests (`Throttling`, KMS's `ThrottlingException`, …): nothing was done.
    Throttled,
    /// The caller may not (`AccessDenied`, KMS's `AccessDeniedException`, …); whether an SCP or
    /// a boundary said so is in the message (see the hint).
    Denied,
    /// Any other code.
    Other,
}

/// What an answer says does not exist; each service names it differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Missing {
    /// An IAM role, user, policy, version or attachment (`NoSuchEntity`).
    Entity,
    /// `NoSuchBucket`.
    Bucket,
    /// `NoSuchBucketPolicy`.
    BucketPolicy,
    /// `NoSuchCORSConfiguration`: the bucket has no CORS rules.
    CorsRules,
    /// `ServerSideEncryptionConfigurationNotFoundError`: no default encryption.
    DefaultEncryption,
    /// KMS's `NotFoundException`.
    Key,
}

/// The meaning of a service's error code.
pub(crate) fn answer_of(code: &str) -> Answer {
    match code {
        "NoSuchEntity" => Answer::Missing(Missing::Entity),
        "NoSuchBucket" => Answer::Missing(Missing::Bucket),
        "NoSuchBucketPolicy" => Answer::Missing(Missing::BucketPolicy),
        "NoSuchCORSConfiguration" => Answer::Missing(Missing::CorsRules),
        "ServerSideEncryptionConfigurationNotFoundError" => {
            Answer::Missing(Missing::DefaultEncryption)
        }
        "NotFoundException" => Answer::Missing(Missing::Key),
        "EntityAlreadyExists" => Answer::AlreadyExists,
        "DeleteConflict" => Answer::InUse,
        "ConcurrentModification" => Answer::Concurrent,
        "LimitExceeded" => Answer::Limit,
        "Throttling" | "ThrottlingException" | "RequestLimitExceeded" | "SlowDown" => {
            Answer::Throttled
        }
        "AccessDenied" | "AccessDeniedException" | "UnauthorizedOperation" => Answer::Denied,
        _ => Answer::Other,
    }
}

/// What the AWS layer's functions return: their failures are typed.
pub(crate) type Result<T, E = AwsError> = std::result::Result<T, E>;

#[derive(Debug, Clone, thiserror::Error)]
pub(crate) struct AwsError {
    /// The IAM action name of the call, e.g. `iam:CreateRole`.
    pub(crate) call: &'static str,
    pub(crate) resource: String,
    pub(crate) failure: Failure,
    pub(crate) why: Why,
    /// AWS's error code, when the service answered.
    pub(crate) code: Option<String>,
    /// AWS's message, when the service answered.
    message: Option<String>,
    /// The SDK's full description, for `-v`.
    pub(crate) debug: String,
}

impl Display for AwsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} on {} failed: {}",
            self.call,
            self.resource,
            self.reason()
        )?;
        match hint(self) {
            Some(hint) => write!(f, " ({hint})"),
            None => Ok(()),
        }
    }
}

impl AwsError {
    pub(crate) fn new<E, R>(
        call: &'static str,
        resource: impl Into<String>,
        err: &SdkError<E, R>,
    ) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
        R: Debug,
    {
        let code = code_of(err).map(str::to_string);
        let why = classify(err, code.as_deref());
        // A credential_process helper's output (in the SDK's description) could hold anything.
        let debug = match why {
            Why::CredentialProcess => {
                "withheld: it would repeat the credential helper's output".into()
            }
            _ => DisplayErrorContext(err).to_string(),
        };
        AwsError {
            call,
            resource: resource.into(),
            failure: why.failure(),
            why,
            message: err.message().map(str::to_string),
            code,
            debug,
        }
    }

    /// An answer that lacked what it must hold, or held a document that does not parse:
    /// whether the call took effect is unknown.
    pub(crate) fn malformed(call: &'static str, resource: impl Into<String>, why: &str) -> Self {
        AwsError {
            call,
            resource: resource.into(),
            failure: Failure::Other,
            why: Why::BadResponse,
            code: None,
            message: Some(why.to_string()),
            debug: why.to_string(),
        }
    }

    /// A call that could not be sent because what it needs is not known.
    pub(crate) fn unsent(call: &'static str, resource: impl Into<String>, why: &str) -> Self {
        AwsError {
            call,
            resource: resource.into(),
            failure: Failure::Other,
            why: Why::NotSent,
            code: None,
            message: Some(why.to_string()),
            debug: why.to_string(),
        }
    }

    /// Whether AWS answered `answer`.
    pub(crate) fn is(&self, answer: Answer) -> bool {
        self.answer() == Some(answer)
    }

    /// What AWS answered, when it answered with an error code.
    pub(crate) fn answer(&self) -> Option<Answer> {
        self.code.as_deref().map(answer_of)
    }

    /// Whether AWS answered that `what` does not exist.
    pub(crate) fn says_missing(&self, what: Missing) -> bool {
        self.answer() == Some(Answer::Missing(what))
    }

    /// `Ok(None)` when AWS answered that `what` does not exist, this error otherwise.
    pub(crate) fn absent_if<T>(self, what: Missing) -> Result<Option<T>> {
        match self.says_missing(what) {
            true => Ok(None),
            false => Err(self),
        }
    }

    /// What went wrong, without the call.
    fn reason(&self) -> String {
        match (self.why, &self.code, &self.message) {
            (Why::Answered | Why::ExpiredCredentials, Some(code), Some(msg)) => {
                format!("{code}: {msg}")
            }
            (Why::Answered | Why::ExpiredCredentials, Some(code), None) => code.clone(),
            (Why::Answered, None, _) => "AWS answered with an error it did not name".into(),
            (Why::Timeout, _, _) => {
                "no answer within the timeout; the call may or may not have taken effect".into()
            }
            (Why::Refused, _, _) => "could not reach AWS: connection refused".into(),
            (Why::Dns, _, _) => "could not reach AWS: the host name could not be resolved".into(),
            (Why::Tls, _, _) => "could not reach AWS: the TLS connection failed".into(),
            (Why::Connection, _, _) => "could not reach AWS: the connection failed".into(),
            (Why::NoCredentials, _, _) => "no AWS credentials were found".into(),
            (Why::UnknownProfile, _, _) => "the AWS profile is not in ~/.aws/config".into(),
            (Why::Sso, _, _) => "the SSO session has expired or was never started".into(),
            (Why::CredentialProcess, _, _) => "the profile's credential_process failed".into(),
            (Why::BadResponse, None, Some(msg)) => format!("its answer could not be used: {msg}"),
            (Why::NotSent, _, Some(msg)) => format!("not sent: {msg}"),
            (Why::BadResponse | Why::NotSent | Why::Other, _, _) => {
                "the response could not be read (-v shows the SDK's description)".into()
            }
            (Why::ExpiredCredentials, None, _) => "the AWS credentials have expired".into(),
        }
    }

    /// One sentence for people, for errors that are not about the call at all (AWS out of
    /// reach, credentials missing): names the endpoint or profile and what to do. `None` for
    /// the rest, whose `Display` already says it.
    pub(crate) fn for_people(&self, profile: Option<&str>, endpoint: &str) -> Option<String> {
        let named = profile.map_or("the default profile".to_string(), |p| {
            format!("profile {p}")
        });
        let login = format!("aws sso login --profile {}", profile.unwrap_or("NAME"));
        Some(match self.why {
            Why::Refused => format!(
                "cannot reach {endpoint}: connection refused; check the network, --region and \
                 --endpoint-url"
            ),
            Why::Dns => format!(
                "cannot reach {endpoint}: its host name could not be resolved; check --region \
                 and --endpoint-url"
            ),
            Why::Tls | Why::Connection => format!(
                "cannot reach {endpoint}: the connection failed; check the network and \
                 --endpoint-url"
            ),
            Why::NoCredentials => "no AWS credentials were found: run `aws configure` (access \
                 keys) or `aws sso login --profile NAME` (SSO), or pass --profile NAME"
                .to_string(),
            Why::UnknownProfile => format!(
                "{named} is not in ~/.aws/config or ~/.aws/credentials; check --profile and \
                 AWS_PROFILE"
            ),
            Why::Sso => format!(
                "the SSO session of {named} has expired or was never started: run `{login}`"
            ),
            Why::CredentialProcess => format!(
                "the credential_process of {named} failed; run it by hand to see why (-v shows \
                 the SDK's description)"
            ),
            Why::ExpiredCredentials => format!(
                "the AWS credentials of {named} have expired or are invalid: refresh them (for \
                 SSO: `{login}`)"
            ),
            _ => return None,
        })
    }
}

/// `….send().await.aws("iam:GetRole", &name)?`: an SDK result with the call and resource
/// named, as an [`AwsError`].
pub(crate) trait AwsResult<T> {
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
pub(crate) fn code_of<E: ProvideErrorMetadata, R>(err: &SdkError<E, R>) -> Option<&str> {
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

/// The whole chain's text, lower-cased: credential providers nest their reasons. The SDK
/// keeps no type for them: an unknown profile becomes `CredentialsError::not_loaded` of its
/// message, a failed `credential_process` or SSO login a `provider_error` of a string.
fn chain_text(err: &(dyn std::error::Error + 'static)) -> String {
    let mut text = String::new();
    let mut current = Some(err);
    while let Some(e) = current {
        text.push_str(&e.to_string().to_lowercase());
        text.push('\n');
        current = e.source();
    }
    text
}

fn classify<E, R>(err: &SdkError<E, R>, code: Option<&str>) -> Why
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: Debug,
{
    match err {
        SdkError::ServiceError(_) if code.is_some_and(is_credentials_code) => {
            Why::ExpiredCredentials
        }
        SdkError::ServiceError(_) if code.is_none() => Why::BadResponse,
        SdkError::ServiceError(_) => Why::Answered,
        SdkError::TimeoutError(_) => Why::Timeout,
        SdkError::DispatchFailure(d) if d.is_timeout() => Why::Timeout,
        SdkError::DispatchFailure(_) => {
            // Credentials are resolved just before sending: their failures come out here.
            if let Some(failed) = find::<CredentialsError>(err.source()) {
                return credentials(failed);
            }
            match find::<std::io::Error>(err.source()).map(std::io::Error::kind) {
                Some(std::io::ErrorKind::ConnectionRefused) => return Why::Refused,
                Some(std::io::ErrorKind::TimedOut) => return Why::Timeout,
                _ => {}
            }
            // Neither hyper's DNS failure nor rustls's reach here as a type a caller can name
            // without depending on them: their fixed texts are the only sign.
            let root = err.source().map(root_text).unwrap_or_default();
            if root.contains("refused") {
                Why::Refused
            } else if root.contains("dns") || root.contains("resolve") || root.contains("lookup") {
                Why::Dns
            } else if root.contains("certificate") || root.contains("tls") {
                Why::Tls
            } else {
                Why::Connection
            }
        }
        SdkError::ConstructionFailure(_) => {
            find::<CredentialsError>(err.source()).map_or(Why::Other, credentials)
        }
        _ => Why::BadResponse,
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

/// Which credentials failure: the variant says whether none were found or a provider failed.
/// Which provider failed the SDK keeps only as text (it builds these errors from strings), so
/// the text picks the hint, never whether it is a credentials failure. Only the reason is
/// kept: a credential_process helper's output could hold anything.
fn credentials(err: &CredentialsError) -> Why {
    let text = chain_text(err);
    match err {
        CredentialsError::CredentialsNotLoaded(_) if text.contains("was not defined") => {
            Why::UnknownProfile
        }
        CredentialsError::CredentialsNotLoaded(_) => Why::NoCredentials,
        _ if text.contains("external process") => Why::CredentialProcess,
        _ if text.contains("sso") => Why::Sso,
        _ => Why::NoCredentials,
    }
}

/// The first error of type `T` in the chain from `err` down.
fn find<'a, T: std::error::Error + 'static>(
    err: Option<&'a (dyn std::error::Error + 'static)>,
) -> Option<&'a T> {
    let mut current = err;
    while let Some(e) = current {
        if let Some(found) = e.downcast_ref::<T>() {
            return Some(found);
        }
        current = e.source();
    }
    None
}

/// AccessDenied because an organization's service control policy (or a permissions boundary on
/// the caller) says no, rather than a missing permission.
fn explicit_deny(err: &AwsError) -> Option<&'static str> {
    let message = err.message.as_deref()?.to_lowercase();
    if message.contains("explicit deny in a service control policy") {
        Some("a service control policy of your organization")
    } else if message.contains("explicit deny in a permissions boundary") {
        Some("a permissions boundary on the caller")
    } else {
        None
    }
}

fn hint(err: &AwsError) -> Option<String> {
    let call = err.call;
    let reads = call.split_once(':').is_some_and(|(_, op)| {
        ["Get", "List", "Describe"]
            .iter()
            .any(|v| op.starts_with(v))
    });
    if let (Some(by), true) = (explicit_deny(err), reads) {
        let look = match by.starts_with("a service") {
            true => "a member account cannot read its SCPs: ask your organization's administrators                      to look at the service control policies attached to this account and its                      OUs (AWS Organizations → Policies, in the management account)",
            false => "ask your administrators which boundary your identity has",
        };
        return Some(format!("{by} denies {call}; {look}, and to allow it"));
    }
    if let Some(by) = explicit_deny(err) {
        return Some(format!(
            "{by} denies {call}; such guardrails often require a permissions boundary, a path \
             or tags on new roles: ask your administrators which, and pass \
             --permissions-boundary ARN, --path /PATH/ or --tag KEY=VALUE"
        ));
    }
    Some(match (err.failure, err.answer()) {
        (_, Some(Answer::Denied)) => format!(
            "the caller lacks permission for {call}; grant it (README: \"Permissions the caller \
             needs\") or use another --profile"
        ),
        (Failure::Credentials, _) => {
            "sign in with `aws sso login --profile NAME` (SSO) or `aws configure` (access keys), \
             or choose a profile with --profile NAME"
                .to_string()
        }
        (_, Some(Answer::Missing(Missing::Bucket))) => {
            "check the bucket name and that it is in this account".to_string()
        }
        (_, Some(Answer::Limit)) => {
            "an IAM quota is reached; see the IAM quotas page of your account".to_string()
        }
        (Failure::Unreachable, _) => "check the network, --region and --endpoint-url".to_string(),
        (Failure::Timeout, _) => {
            "AWS did not answer in time; retry, or raise --timeout".to_string()
        }
        _ => return None,
    })
}

/// Why a step of the AWS layer (discovery, apply, delete) failed: AWS's answer, typed, or one
/// of the few other things a caller branches on. It becomes an `anyhow::Error` only in
/// `commands`, keeping the inner type, so the exit status and the report see what they saw.
#[derive(Debug)]
pub(crate) enum Error {
    /// A call failed: AWS answered no, or could not be reached.
    Aws(AwsError),
    /// Another writer changed what this run is changing: re-read and re-plan.
    Conflict(Conflict),
    /// What AWS holds makes the plan impossible (a bucket's CORS configuration is full).
    Plan(PlanError),
    Cancelled(Cancelled),
    /// Several buckets could not be read; each one's failure.
    Buckets(Vec<AwsError>),
    /// This tool will not do it (a role it did not create, one EC2 may be using).
    Refused(String),
    /// The plan lacks what a write needs (an ARN, a region): it was made offline.
    Offline(String),
    /// A new access key could not be handed over (where it was to be written failed).
    Key(anyhow::Error),
    /// `source` happened after part of the work: `said` tells what exists now.
    After {
        said: String,
        source: Box<Error>,
    },
}

/// What the AWS layer's steps return.
pub(crate) type Outcome<T = ()> = std::result::Result<T, Error>;

/// Another writer changed what this run is changing (a role or policy appeared, a version
/// slot was taken): re-read and re-plan rather than fail.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub(crate) struct Conflict(pub(crate) String);

impl Error {
    /// The same failure, said after what is true now (`said`).
    pub(crate) fn after(self, said: impl Into<String>) -> Error {
        Error::After {
            said: said.into(),
            source: Box::new(self),
        }
    }
}

impl From<AwsError> for Error {
    fn from(e: AwsError) -> Self {
        Error::Aws(e)
    }
}

impl From<Conflict> for Error {
    fn from(e: Conflict) -> Self {
        Error::Conflict(e)
    }
}

impl From<PlanError> for Error {
    fn from(e: PlanError) -> Self {
        Error::Plan(e)
    }
}

impl From<Cancelled> for Error {
    fn from(e: Cancelled) -> Self {
        Error::Cancelled(e)
    }
}

/// Into `anyhow` for `commands`: each typed variant as its own type (an `AwsError` stays one
/// for the report, a `Cancelled` for exit 130), the others as their text (`Display`), `After`
/// as context around its source.
impl From<Error> for anyhow::Error {
    fn from(e: Error) -> Self {
        match e {
            Error::Aws(e) => anyhow::Error::new(e),
            Error::Conflict(e) => anyhow::Error::new(e),
            Error::Plan(e) => anyhow::Error::new(e),
            Error::Cancelled(e) => anyhow::Error::new(e),
            Error::Buckets(_) | Error::Refused(_) | Error::Offline(_) => {
                anyhow::Error::msg(e.to_string())
            }
            Error::Key(e) => e,
            Error::After { said, source } => anyhow::Error::from(*source).context(said),
        }
    }
}

impl Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Aws(e) => write!(f, "{e}"),
            Error::Conflict(e) => write!(f, "{e}"),
            Error::Plan(e) => write!(f, "{e}"),
            Error::Cancelled(e) => write!(f, "{e}"),
            Error::Buckets(failed) => {
                let mut lines: Vec<String> = failed.iter().map(AwsError::to_string).collect();
                lines.sort();
                write!(
                    f,
                    "{} buckets could not be read: {}",
                    lines.len(),
                    lines.join("; ")
                )
            }
            Error::Refused(why) | Error::Offline(why) => write!(f, "{why}"),
            Error::Key(e) => write!(f, "{e:#}"),
            Error::After { said, source } => write!(f, "{said}: {source}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(why: Why, code: Option<&str>) -> AwsError {
        AwsError {
            call: "iam:CreateRole",
            resource: "role r".into(),
            failure: why.failure(),
            why,
            code: code.map(str::to_string),
            message: Some("m".into()),
            debug: String::new(),
        }
    }

    #[test]
    fn each_service_s_codes_mean_one_answer() {
        let cases = [
            ("NoSuchEntity", Answer::Missing(Missing::Entity)),
            ("NoSuchBucket", Answer::Missing(Missing::Bucket)),
            ("NoSuchBucketPolicy", Answer::Missing(Missing::BucketPolicy)),
            (
                "NoSuchCORSConfiguration",
                Answer::Missing(Missing::CorsRules),
            ),
            (
                "ServerSideEncryptionConfigurationNotFoundError",
                Answer::Missing(Missing::DefaultEncryption),
            ),
            ("NotFoundException", Answer::Missing(Missing::Key)),
            ("EntityAlreadyExists", Answer::AlreadyExists),
            ("DeleteConflict", Answer::InUse),
            ("ConcurrentModification", Answer::Concurrent),
            ("LimitExceeded", Answer::Limit),
            ("AccessDenied", Answer::Denied),
            ("AccessDeniedException", Answer::Denied),
            ("ThrottlingException", Answer::Throttled),
            ("SlowDown", Answer::Throttled),
            ("MalformedPolicyDocument", Answer::Other),
        ];
        for (code, answer) in cases {
            assert_eq!(answer_of(code), answer, "{code}");
            assert_eq!(error(Why::Answered, Some(code)).answer(), Some(answer));
        }
        assert_eq!(error(Why::Refused, None).answer(), None, "no answer at all");
        let missing = error(Why::Answered, Some("NoSuchEntity"));
        assert!(missing.says_missing(Missing::Entity) && !missing.says_missing(Missing::Bucket));
        assert!(missing.is(Answer::Missing(Missing::Entity)) && !missing.is(Answer::Denied));
        let unusable = AwsError::malformed("iam:GetRole", "role r", "it held no role");
        assert_eq!(
            unusable.answer(),
            None,
            "a response that cannot be used is no answer"
        );
        assert_eq!(
            unusable.to_string(),
            "iam:GetRole on role r failed: its answer could not be used: it held no role"
        );
    }

    #[test]
    fn a_refused_or_timed_out_connection_is_known_by_its_io_kind_not_its_text() {
        use aws_sdk_iam::error::ConnectorError;
        use aws_sdk_iam::operation::get_role::GetRoleError;
        use std::io::{Error, ErrorKind};
        let why = |kind| {
            let io = Box::new(Error::new(kind, "os error 4242"));
            let err: SdkError<GetRoleError, ()> =
                SdkError::dispatch_failure(ConnectorError::io(io));
            AwsError::new("iam:GetRole", "role r", &err).why
        };
        assert_eq!(why(ErrorKind::ConnectionRefused), Why::Refused);
        assert_eq!(why(ErrorKind::TimedOut), Why::Timeout);
        assert_eq!(why(ErrorKind::ConnectionReset), Why::Connection);
    }

    #[test]
    fn a_step_error_keeps_its_type_in_anyhow() {
        let denied = || error(Why::Answered, Some("AccessDenied"));
        let after: anyhow::Error = Error::Aws(denied()).after("could not delete role r").into();
        assert!(after.downcast_ref::<AwsError>().is_some(), "{after:#}");
        assert!(
            format!("{after:#}").starts_with("could not delete role r: iam:CreateRole on role r"),
            "{after:#}"
        );
        let cancelled: anyhow::Error = Error::Cancelled(Cancelled("stop".into())).into();
        assert!(cancelled.downcast_ref::<Cancelled>().is_some());
        let conflict: anyhow::Error = Error::Conflict(Conflict("taken".into())).into();
        assert!(conflict.downcast_ref::<Conflict>().is_some());
        let mut other = denied();
        other.resource = "bucket a".into();
        let buckets: anyhow::Error = Error::Buckets(vec![denied(), other]).into();
        let shown = buckets.to_string();
        assert!(
            shown.starts_with("2 buckets could not be read: "),
            "{shown}"
        );
        assert!(
            shown.find("bucket a").unwrap() < shown.find("role r").unwrap(),
            "sorted: {shown}"
        );
    }

    #[test]
    fn hints_say_what_to_do() {
        let shown = |w, c| error(w, c).to_string();
        assert!(shown(Why::Answered, Some("AccessDenied")).contains("iam:CreateRole"));
        assert!(shown(Why::ExpiredCredentials, Some("ExpiredToken")).contains("aws sso login"));
        assert!(shown(Why::Refused, None).contains("--endpoint-url"));
        assert!(shown(Why::Timeout, None).contains("--timeout"));
        assert_eq!(
            shown(Why::Answered, Some("Throttling")),
            "iam:CreateRole on role r failed: Throttling: m"
        );
    }

    #[test]
    fn guardrail_denials_suggest_the_flags() {
        let mut scp = error(Why::Answered, Some("AccessDenied"));
        scp.message = Some(
            "User: arn:aws:sts::1:assumed-role/x is not authorized to perform: iam:CreateRole \
             with an explicit deny in a service control policy"
                .into(),
        );
        let shown = scp.to_string();
        assert!(
            shown.contains("service control policy of your organization"),
            "{shown}"
        );
        assert!(shown.contains("--permissions-boundary"), "{shown}");
        scp.message = Some("... with an explicit deny in a permissions boundary".into());
        assert!(scp
            .to_string()
            .contains("permissions boundary on the caller"));
    }

    #[test]
    fn denied_reads_say_which_organization_policy_to_look_at() {
        let mut scp = error(Why::Answered, Some("AccessDeniedException"));
        scp.call = "kms:GetKeyPolicy";
        scp.message = Some(
            "User: arn:aws:sts::1:assumed-role/x is not authorized to perform: kms:GetKeyPolicy \
             with an explicit deny in a service control policy"
                .into(),
        );
        let shown = scp.to_string();
        assert!(
            shown.contains("a service control policy of your organization denies kms:GetKeyPolicy"),
            "{shown}"
        );
        assert!(
            shown.contains("service control policies attached to this account"),
            "{shown}"
        );
        assert!(!shown.contains("--permissions-boundary"), "{shown}");
    }

    #[test]
    fn people_get_the_endpoint_and_the_profile() {
        let refused = error(Why::Refused, None).for_people(None, "http://127.0.0.1:9");
        assert_eq!(
            refused.as_deref(),
            Some(
                "cannot reach http://127.0.0.1:9: connection refused; check the network, \
                 --region and --endpoint-url"
            )
        );
        let sso = error(Why::Sso, None)
            .for_people(Some("dev"), "AWS")
            .unwrap();
        assert!(sso.contains("`aws sso login --profile dev`"), "{sso}");
        let missing = error(Why::UnknownProfile, None)
            .for_people(Some("nope"), "AWS")
            .unwrap();
        assert!(
            missing.starts_with("profile nope is not in ~/.aws/config"),
            "{missing}"
        );
        assert_eq!(
            error(Why::Answered, Some("X")).for_people(None, "AWS"),
            None
        );
    }

    #[test]
    fn credential_failures_never_repeat_the_provider() {
        let helper = CredentialsError::provider_error(
            "Error retrieving credentials: external process exited with code 3. \
             Stderr: secret-token-xyz expired",
        );
        assert_eq!(credentials(&helper), Why::CredentialProcess);
        let shown = error(Why::CredentialProcess, None).to_string();
        assert!(!shown.contains("secret"), "{shown}");
        let none = CredentialsError::not_loaded_no_source();
        assert_eq!(credentials(&none), Why::NoCredentials);
        let profile =
            CredentialsError::not_loaded("profile `nope` was not defined: no such profile");
        assert_eq!(credentials(&profile), Why::UnknownProfile);
        let sso = CredentialsError::provider_error("failed to load the cached SSO token");
        assert_eq!(credentials(&sso), Why::Sso);
    }

    #[derive(Debug)]
    struct NoneHere;

    impl aws_credential_types::provider::ProvideCredentials for NoneHere {
        fn provide_credentials<'a>(
            &'a self,
        ) -> aws_credential_types::provider::future::ProvideCredentials<'a>
        where
            Self: 'a,
        {
            let failed = CredentialsError::not_loaded("no credentials in this test");
            aws_credential_types::provider::future::ProvideCredentials::ready(Err(failed))
        }
    }

    /// The SDK's own failure, not a made-up one: its chain holds the provider's typed error,
    /// found before any address is tried.
    #[tokio::test]
    async fn a_real_credentials_failure_is_known_by_its_type() {
        let conf = aws_sdk_sts::Config::builder()
            .behavior_version(aws_sdk_sts::config::BehaviorVersion::latest())
            .region(aws_sdk_sts::config::Region::new("us-east-1"))
            .endpoint_url("http://127.0.0.1:9")
            .credentials_provider(NoneHere)
            .build();
        let sts = aws_sdk_sts::Client::from_conf(conf);
        let err = sts.get_caller_identity().send().await.unwrap_err();
        let err = AwsError::new("sts:GetCallerIdentity", "the caller", &err);
        assert_eq!(err.why, Why::NoCredentials);
        assert_eq!(err.failure, Failure::Credentials);
    }
}
