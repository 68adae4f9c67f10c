//! Flags (or the wizard's answers, which take the same form) → checked [`Request`],
//! [`Expect`] and [`ConnectOptions`]. Single values were checked by the value parsers in
//! [`values`](super::values); the rules that involve several flags, the defaults, and the
//! limits that can be known before any request live here. Nothing here talks to AWS.

use super::args::{
    AccessArg, CorsArgs, CredentialArgs, CredentialsFormatArg, GlobalArgs, GuardrailArgs,
    IdentityArg, IdentityArgs, RoleArgs, VerifyArgs,
};
use super::values::KmsValue;
use crate::audit::Expect;
use crate::aws::ConnectOptions;
use crate::credentials::{Destination, Format, Target};
use crate::exit::UsageError;
use crate::plan::cors::DEFAULT_ORIGIN;
use crate::plan::request::{
    default_policy_name, default_user_policy_name, normalize_scopes, DEFAULT_DESCRIPTION,
    DEFAULT_ROLE_NAME, DEFAULT_USER_NAME,
};
use crate::plan::{
    self, Access, Guardrails, Holder, HolderSpec, Identity, KmsChoice, Request, RoleSpec, Trust,
    UserSpec,
};

pub(crate) fn connect_options(global: &GlobalArgs) -> ConnectOptions {
    ConnectOptions {
        profile: global.profile.clone(),
        region: global.region.clone(),
        endpoint_url: global.endpoint_url.clone(),
        timeout: global.timeout,
    }
}

pub(crate) fn access(arg: Option<AccessArg>) -> Access {
    match arg {
        Some(AccessArg::ReadOnly) => Access::ReadOnly,
        Some(AccessArg::ReadWrite) | None => Access::ReadWrite,
    }
}

/// `--kms auto|off|KEY...`: `off` stands alone; `auto` may be combined with keys.
pub(crate) fn kms_choice(values: &[KmsValue]) -> Result<KmsChoice, UsageError> {
    if values.is_empty() {
        return Ok(KmsChoice::auto());
    }
    if values.contains(&KmsValue::Off) {
        if values.len() > 1 {
            return Err(UsageError::new(
                "--kms off cannot be combined with other --kms values",
            ));
        }
        return Ok(KmsChoice::Off);
    }
    let mut keys = Vec::new();
    for value in values {
        if let KmsValue::Key(key) = value {
            if !keys.contains(key) {
                keys.push(key.clone());
            }
        }
    }
    if values.contains(&KmsValue::Auto) {
        Ok(KmsChoice::Auto { also: keys })
    } else {
        Ok(KmsChoice::Only(keys))
    }
}

/// Who is trusted: the given principals, or Activeloop's production backend (plus dev).
pub(crate) fn trust(principals: &[String], trust_dev: bool) -> Trust {
    match (principals, trust_dev) {
        ([], false) => Trust::Production,
        ([], true) => Trust::WithDev,
        (given, _) => Trust::from_principals(given.to_vec()),
    }
}

/// IAM allows 50 tags on a role; one is ours.
const MAX_TAGS: usize = 49;

/// `--path`, `--permissions-boundary`, `--tag`, `--max-session-duration`: tags unique (IAM
/// compares keys without case) and within IAM's limit.
pub(crate) fn guardrails(args: &GuardrailArgs) -> Result<Guardrails, UsageError> {
    let mut tags = args.tags.clone();
    tags.sort_by_key(|(k, _)| k.to_lowercase());
    if let Some(pair) = tags
        .windows(2)
        .find(|w| w[0].0.eq_ignore_ascii_case(&w[1].0))
    {
        return Err(UsageError::new(format!(
            "--tag {} is given twice (tag keys ignore case)",
            pair[1].0
        )));
    }
    if tags.len() > MAX_TAGS {
        return Err(UsageError::new(format!(
            "--tag is given {} times; IAM allows 50 tags on a role and one is \
             managed-by=provision-role, so at most {MAX_TAGS}",
            tags.len()
        )));
    }
    let guardrails = Guardrails {
        path: args.path.clone(),
        permissions_boundary: args.permissions_boundary.clone(),
        tags,
        max_session_duration: args.max_session_duration,
    };
    if guardrails.managed_keys().len() > 256 {
        return Err(UsageError::new(
            "--tag keys are too long in all: provision-role keeps their names in one tag of at \
             most 256 characters (about 190 characters of keys), to remove only its own tags \
             later",
        ));
    }
    Ok(guardrails)
}

/// `--identity` and `--user-name`: the role, or the named (or default) user. `--user-name`
/// without `--identity user` is refused rather than guessed at.
pub(crate) fn identity(args: &IdentityArgs) -> Result<Identity, UsageError> {
    match (args.identity, &args.user_name) {
        (Some(IdentityArg::User), name) => Ok(Identity::User(
            name.clone()
                .unwrap_or_else(|| DEFAULT_USER_NAME.to_string()),
        )),
        (_, Some(_)) => Err(UsageError::new(
            "--user-name names the IAM user of --identity user; add --identity user (a role \
             is named with --role-name)",
        )),
        _ => Ok(Identity::Role),
    }
}

/// Refuse the first flag of `given` that is set, with why it does not apply to a user.
fn not_for_users(given: &[(bool, &str, &str)]) -> Result<(), UsageError> {
    match given.iter().find(|(set, _, _)| *set) {
        Some((_, flag, why)) => Err(UsageError::new(format!(
            "{flag} applies to a role, not to the IAM user of --identity user: {why}"
        ))),
        None => Ok(()),
    }
}

/// What an IAM user cannot have: trust (nobody assumes a user), a session length (its key
/// does not expire), a description; and it is named with `--user-name`.
fn check_user_flags(args: &RoleArgs) -> Result<(), UsageError> {
    const TRUST: &str = "a user is not assumed, so it has no trust policy";
    not_for_users(&[
        (
            args.role_name.is_some(),
            "--role-name",
            "name the user with --user-name",
        ),
        (args.trust_dev, "--trust-dev", TRUST),
        (!args.principals.is_empty(), "--principal", TRUST),
        (args.external_id.is_some(), "--external-id", TRUST),
        (
            args.guardrails.max_session_duration.is_some(),
            "--max-session-duration",
            "an access key has no sessions to limit",
        ),
        (
            args.description.is_some(),
            "--description",
            "IAM users have no description",
        ),
    ])
}

/// `--cors` / `--cors-origin` (which implies it): the origins, deduplicated, or None.
pub(crate) fn cors(args: &CorsArgs) -> Option<Vec<String>> {
    if !args.cors && args.origins.is_empty() {
        return None;
    }
    let mut origins = args.origins.clone();
    if origins.is_empty() {
        origins.push(DEFAULT_ORIGIN.to_string());
    }
    let mut seen = std::collections::BTreeSet::new();
    origins.retain(|o| seen.insert(o.clone()));
    Some(origins)
}

/// Check everything the flags say. `buckets` may not be empty.
pub(crate) fn request(args: &RoleArgs) -> Result<Request, UsageError> {
    if args.buckets.is_empty() {
        return Err(UsageError::new(
            "missing --bucket: name at least one bucket, e.g. --bucket my-data",
        ));
    }
    let identity = identity(&args.identity)?;
    if let Identity::User(_) = identity {
        check_user_flags(args)?;
    }
    let (buckets, _covered) = normalize_scopes(args.buckets.clone());
    let holder = match identity {
        Identity::Role => HolderSpec::Role(role_spec(args)),
        Identity::User(name) => HolderSpec::User(UserSpec { name }),
    };
    let policy_name = match (&args.policy_name, &holder) {
        (Some(name), _) => name.clone(),
        (None, HolderSpec::User(user)) => default_user_policy_name(&user.name),
        (None, HolderSpec::Role(role)) => default_policy_name(&role.name),
    };
    let req = Request {
        holder,
        policy_name,
        buckets,
        access: access(args.access),
        kms: kms_choice(&args.kms)?,
        adopt: args.adopt,
        prune: args.prune,
        cors: cors(&args.cors),
        guardrails: guardrails(&args.guardrails)?,
    };
    plan::check_limits(&req).map_err(|e| UsageError::new(e.to_string()))?;
    Ok(req)
}

/// The user request of answers that also hold a role's (the wizard keeps them, in case the
/// role is chosen again): what [`check_user_flags`] refuses in flags is set aside here.
pub(crate) fn user_request(answers: &RoleArgs) -> Result<Request, UsageError> {
    let mut user = answers.clone();
    user.role_name = None;
    user.description = None;
    user.trust_dev = false;
    user.principals.clear();
    user.external_id = None;
    user.guardrails.max_session_duration = None;
    request(&user)
}

/// The role's name, description, trust and external ID as the flags give them.
fn role_spec(args: &RoleArgs) -> RoleSpec {
    RoleSpec {
        name: args
            .role_name
            .clone()
            .unwrap_or_else(|| DEFAULT_ROLE_NAME.to_string()),
        description: args
            .description
            .clone()
            .unwrap_or_else(|| DEFAULT_DESCRIPTION.to_string()),
        trust: trust(&args.principals, args.trust_dev),
        external_id: args.external_id.clone(),
    }
}

/// The role or user a command names: `--role-name`, or with `--identity user`,
/// `--user-name` (a role name with a user, and the reverse, are refused).
pub(crate) fn holder(
    identity: &IdentityArgs,
    role_name: Option<&str>,
) -> Result<Holder, UsageError> {
    match self::identity(identity)? {
        Identity::Role => Ok(Holder::Role(
            role_name.unwrap_or(DEFAULT_ROLE_NAME).to_string(),
        )),
        Identity::User(_) if role_name.is_some() => Err(UsageError::new(
            "--role-name applies to a role, not to the IAM user of --identity user: name the \
             user with --user-name",
        )),
        Identity::User(name) => Ok(Holder::User(name)),
    }
}

/// What `verify` must find.
pub(crate) fn expect(args: &VerifyArgs) -> Result<Expect, UsageError> {
    let holder = holder(&args.identity, args.role_name.as_deref())?;
    if holder.is_user() {
        const TRUST: &str = "a user is not assumed, so it has no trust policy to check";
        not_for_users(&[
            (!args.principals.is_empty(), "--principal", TRUST),
            (args.external_id.is_some(), "--external-id", TRUST),
            (
                args.guardrails.max_session_duration.is_some(),
                "--max-session-duration",
                "an access key has no sessions to limit",
            ),
        ])?;
    }
    Ok(Expect {
        holder,
        scopes: normalize_scopes(args.buckets.clone()).0,
        access: access(Some(args.access)),
        principals: trust(&args.principals, false).principals(),
        external_id: args.external_id.clone(),
        cors: cors(&CorsArgs {
            cors: args.cors,
            origins: args.cors_origins.clone(),
        }),
        kms: args.kms.clone(),
        guardrails: guardrails(&args.guardrails)?,
    })
}

/// Where a new access key goes: only a user has one, and with `--output json` stdout holds
/// the report, so `--credentials-file -` is refused then.
pub(crate) fn credentials(
    args: &CredentialArgs,
    holder: &Holder,
    json: bool,
) -> Result<Option<Destination>, UsageError> {
    let given = args.credentials_file.is_some() || args.credentials_format.is_some();
    if let Holder::Role(_) = holder {
        return match given {
            true => Err(UsageError::new(
                "--credentials-file and --credentials-format are for the access key of \
                 --identity user; a role has no key (nothing secret to write)",
            )),
            false => Ok(None),
        };
    }
    let target = match args.credentials_file.as_deref() {
        Some(p) if p.as_os_str() == "-" => Target::Stdout,
        Some(p) => Target::File(p.to_path_buf()),
        None => Target::Default,
    };
    if json && target == Target::Stdout {
        return Err(UsageError::new(
            "--credentials-file - writes the key to stdout, where --output json puts its \
             report: name a file, or drop --output json",
        ));
    }
    let format = match args.credentials_format {
        Some(CredentialsFormatArg::Env) => Format::Env,
        Some(CredentialsFormatArg::Json) => Format::Json,
        Some(CredentialsFormatArg::Ini) | None => Format::Ini,
    };
    Ok(Some(Destination { target, format }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::values::{bucket_scope, kms_value};
    use crate::plan::request::ACTIVELOOP_PRODUCTION;
    use crate::plan::BucketScope;

    fn args(buckets: &[&str]) -> RoleArgs {
        RoleArgs {
            buckets: buckets.iter().map(|b| bucket_scope(b).unwrap()).collect(),
            ..RoleArgs::default()
        }
    }

    #[test]
    fn defaults() {
        let req = request(&args(&["my-data"])).unwrap();
        assert_eq!(req.role().unwrap().name, "activeloop-deeplake-access");
        assert_eq!(req.policy_name, "activeloop-deeplake-access-s3-access");
        assert_eq!(
            req.role().unwrap().trust.principals(),
            vec![ACTIVELOOP_PRODUCTION]
        );
        assert_eq!(req.access, Access::ReadWrite);
        assert_eq!(req.kms, KmsChoice::auto());
        assert_eq!(req.buckets, vec![BucketScope::whole("my-data")]);
        assert!(request(&args(&[])).unwrap_err().0.contains("--bucket"));
    }

    #[test]
    fn kms_values() {
        let v = |s: &[&str]| s.iter().map(|x| kms_value(x).unwrap()).collect::<Vec<_>>();
        assert_eq!(kms_choice(&v(&["off"])).unwrap(), KmsChoice::Off);
        assert!(kms_choice(&v(&["off", "auto"])).is_err());
        let c = kms_choice(&v(&["auto", "alias/data", "alias/data"])).unwrap();
        assert!(c.discovers());
        assert_eq!(c.keys().len(), 1);
        assert!(!kms_choice(&v(&["alias/data"])).unwrap().discovers());
    }

    #[test]
    fn trust_choices() {
        assert_eq!(trust(&[], false), Trust::Production);
        assert_eq!(trust(&[], true), Trust::WithDev);
        let root = "arn:aws:iam::123456789012:root".to_string();
        assert_eq!(
            trust(&[root.clone(), root.clone()], false),
            Trust::Custom(vec![root])
        );
    }
}
