//! Turns raw flags (or the wizard's answers, which take the same form) into a checked
//! [`Request`]. Every rule is applied here, before any AWS call; errors name the flag.

use crate::cli::{AccessArg, RoleArgs};
use crate::error::UsageError;
use crate::plan::request::{
    default_policy_name, normalize_scopes, ACTIVELOOP_DEV, ACTIVELOOP_PRODUCTION,
    DEFAULT_DESCRIPTION, DEFAULT_ROLE_NAME,
};
use crate::plan::{Access, BucketScope, KmsChoice, Request, MAX_POLICIES_PER_ROLE};
use crate::validate::{self, Invalid};

fn flag(name: &str, value: &str, err: Invalid) -> UsageError {
    UsageError::new(format!("invalid {name} {value:?}: {err}"))
}

/// `BUCKET` or `BUCKET/PREFIX`, checked.
pub fn bucket_scope(raw: &str) -> Result<BucketScope, Invalid> {
    let raw = raw.strip_prefix("s3://").unwrap_or(raw);
    let (bucket, prefix) = match raw.split_once('/') {
        Some((b, p)) => (b, Some(p)),
        None => (raw, None),
    };
    validate::bucket_name(bucket)?;
    let prefix = prefix.map(validate::prefix).transpose()?;
    Ok(BucketScope {
        bucket: bucket.to_string(),
        prefix: prefix.map(str::to_string),
    })
}

pub fn access(arg: Option<AccessArg>) -> Access {
    match arg {
        Some(AccessArg::ReadOnly) => Access::ReadOnly,
        Some(AccessArg::ReadWrite) | None => Access::ReadWrite,
    }
}

/// `--kms auto|off|KEY...`: `off` stands alone; `auto` may be combined with keys.
pub fn kms_choice(values: &[String]) -> Result<KmsChoice, UsageError> {
    if values.is_empty() {
        return Ok(KmsChoice::auto());
    }
    if values.iter().any(|v| v == "off") {
        if values.len() > 1 {
            return Err(UsageError::new(
                "--kms off cannot be combined with other --kms values",
            ));
        }
        return Ok(KmsChoice::default());
    }
    let mut choice = KmsChoice::default();
    for value in values {
        if value == "auto" {
            choice.discover = true;
        } else {
            let key = validate::kms_key(value).map_err(|e| flag("--kms", value, e))?;
            if !choice.keys.contains(&key) {
                choice.keys.push(key);
            }
        }
    }
    Ok(choice)
}

/// Trusted principals: the given ARNs, or Activeloop's production backend (plus dev).
pub fn principals(given: &[String], trust_dev: bool) -> Result<Vec<String>, UsageError> {
    let mut out: Vec<String> = if given.is_empty() {
        let mut p = vec![ACTIVELOOP_PRODUCTION.to_string()];
        if trust_dev {
            p.extend(ACTIVELOOP_DEV.iter().map(|s| s.to_string()));
        }
        p
    } else {
        given
            .iter()
            .map(|p| {
                validate::principal_arn(p)
                    .map(str::to_string)
                    .map_err(|e| flag("--principal", p, e))
            })
            .collect::<Result<_, _>>()?
    };
    out.sort();
    out.dedup();
    Ok(out)
}

/// The role name, defaulted and checked.
pub fn role_name(given: Option<&str>) -> Result<String, UsageError> {
    let name = given.unwrap_or(DEFAULT_ROLE_NAME);
    validate::role_name(name).map_err(|e| flag("--role-name", name, e))?;
    Ok(name.to_string())
}

/// The policy name, defaulted from the role name and checked; room is kept for the `-N`
/// suffix that extra policies get when the grants do not fit in one.
pub fn policy_name(given: Option<&str>, role_name: &str) -> Result<String, UsageError> {
    let name = given.map_or_else(|| default_policy_name(role_name), str::to_string);
    validate::policy_name(&name).map_err(|e| flag("--policy-name", &name, e))?;
    if name.len() > 128 - 3 {
        return Err(UsageError::new(format!(
            "invalid --policy-name {name:?}: must be at most 125 characters (room for a -N suffix)"
        )));
    }
    if let Some(n) = (2..=MAX_POLICIES_PER_ROLE).find(|n| name.ends_with(&format!("-{n}"))) {
        return Err(UsageError::new(format!(
            "invalid --policy-name {name:?}: must not end in -{n}, which names extra policies"
        )));
    }
    Ok(name)
}

/// Check everything the flags say. `buckets` may not be empty.
pub fn role_request(args: &RoleArgs) -> Result<Request, UsageError> {
    if args.buckets.is_empty() {
        return Err(UsageError::new(
            "missing --bucket: name at least one bucket, e.g. --bucket my-data",
        ));
    }
    let scopes = args
        .buckets
        .iter()
        .map(|b| bucket_scope(b).map_err(|e| flag("--bucket", b, e)))
        .collect::<Result<Vec<_>, _>>()?;
    let (buckets, _covered) = normalize_scopes(scopes);
    let role_name = role_name(args.role_name.as_deref())?;
    let policy_name = policy_name(args.policy_name.as_deref(), &role_name)?;
    let description = args.description.as_deref().unwrap_or(DEFAULT_DESCRIPTION);
    validate::description(description).map_err(|e| flag("--description", description, e))?;
    let external_id = args
        .external_id
        .as_deref()
        .map(|id| validate::external_id(id).map_err(|e| flag("--external-id", id, e)))
        .transpose()?;
    Ok(Request {
        buckets,
        role_name,
        policy_name,
        description: description.to_string(),
        access: access(args.access),
        principals: principals(&args.principals, args.trust_dev)?,
        external_id: external_id.map(str::to_string),
        kms: kms_choice(&args.kms)?,
        adopt: args.adopt,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(buckets: &[&str]) -> RoleArgs {
        RoleArgs {
            buckets: buckets.iter().map(|s| s.to_string()).collect(),
            ..RoleArgs::default()
        }
    }

    #[test]
    fn defaults() {
        let req = role_request(&args(&["my-data"])).unwrap();
        assert_eq!(req.role_name, "activeloop-deeplake-access");
        assert_eq!(req.policy_name, "activeloop-deeplake-access-s3-access");
        assert_eq!(req.principals, vec![ACTIVELOOP_PRODUCTION]);
        assert_eq!(req.access, Access::ReadWrite);
        assert_eq!(req.kms, KmsChoice::auto());
        assert_eq!(req.buckets, vec![BucketScope::whole("my-data")]);
    }

    #[test]
    fn bucket_with_prefix_and_s3_scheme() {
        let s = bucket_scope("s3://b-1/datasets/v1/").unwrap();
        assert_eq!(s.bucket, "b-1");
        assert_eq!(s.prefix.as_deref(), Some("datasets/v1"));
        assert!(bucket_scope("b-1/").is_err());
        assert!(bucket_scope("b-1//x").is_err());
    }

    #[test]
    fn errors_name_the_flag() {
        let mut a = args(&["Bad_Bucket"]);
        assert!(role_request(&a).unwrap_err().0.contains("--bucket"));
        a = args(&["ok-bucket"]);
        a.role_name = Some("x".repeat(65));
        assert!(role_request(&a).unwrap_err().0.contains("--role-name"));
        a = args(&["ok-bucket"]);
        a.external_id = Some(String::new());
        assert!(role_request(&a).unwrap_err().0.contains("--external-id"));
        a = args(&["ok-bucket"]);
        a.principals = vec!["nope".into()];
        assert!(role_request(&a).unwrap_err().0.contains("--principal"));
        a = args(&["ok-bucket"]);
        a.policy_name = Some("p-3".into());
        assert!(role_request(&a).unwrap_err().0.contains("--policy-name"));
        assert!(role_request(&args(&[])).unwrap_err().0.contains("--bucket"));
    }

    #[test]
    fn kms_values() {
        let v = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(kms_choice(&v(&["off"])).unwrap(), KmsChoice::default());
        assert!(kms_choice(&v(&["off", "auto"])).is_err());
        assert!(kms_choice(&v(&["bogus"])).is_err());
        let c = kms_choice(&v(&["auto", "alias/data", "alias/data"])).unwrap();
        assert!(c.discover);
        assert_eq!(c.keys.len(), 1);
        assert!(!kms_choice(&v(&["alias/data"])).unwrap().discover);
    }

    #[test]
    fn dev_principals_are_added_and_sorted() {
        let p = principals(&[], true).unwrap();
        assert_eq!(p.len(), 3);
        assert!(p.windows(2).all(|w| w[0] < w[1]));
    }
}
