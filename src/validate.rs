//! Input rules, checked before anything touches AWS.
//!
//! Each function returns the cleaned value or a [`Invalid`] that names the rule, so the caller
//! can prefix the flag and exit 2. The rules are AWS's own (S3 bucket naming, IAM name and
//! ARN formats, KMS key identifiers), made a little stricter where a looser value could only
//! produce a policy that grants something other than what was meant (wildcards in prefixes).

use std::fmt;

/// A value that breaks a rule; the message says which rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid(pub String);

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

type Result<T> = std::result::Result<T, Invalid>;

fn invalid<T>(msg: impl Into<String>) -> Result<T> {
    Err(Invalid(msg.into()))
}

/// S3 general-purpose bucket naming rules.
pub fn bucket_name(name: &str) -> Result<&str> {
    let len = name.len();
    if !(3..=63).contains(&len) {
        return invalid(format!(
            "bucket name {name:?} must be 3 to 63 characters long (it has {len})"
        ));
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '.' || *c == '-'))
    {
        return invalid(format!(
            "bucket name {name:?} may contain only lowercase letters, digits, '.' and '-' (found {c:?})"
        ));
    }
    let edge_ok = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    if !edge_ok(name.chars().next()) || !edge_ok(name.chars().last()) {
        return invalid(format!(
            "bucket name {name:?} must begin and end with a letter or digit"
        ));
    }
    if name.contains("..") {
        return invalid(format!(
            "bucket name {name:?} must not contain two adjacent periods"
        ));
    }
    if name.split('.').count() == 4 && name.split('.').all(|p| p.parse::<u8>().is_ok()) {
        return invalid(format!(
            "bucket name {name:?} must not be formatted as an IP address"
        ));
    }
    for prefix in ["xn--", "sthree-", "amzn-s3-demo-"] {
        if name.starts_with(prefix) {
            return invalid(format!(
                "bucket name {name:?} must not start with {prefix:?}"
            ));
        }
    }
    for suffix in ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"] {
        if name.ends_with(suffix) {
            return invalid(format!("bucket name {name:?} must not end with {suffix:?}"));
        }
    }
    Ok(name)
}

/// A key prefix inside a bucket. Returns it without a trailing `/`.
///
/// Wildcards (`*`, `?`) and policy variables (`${`) are refused: in a policy they would widen
/// the grant beyond the literal prefix the user typed.
pub fn prefix(raw: &str) -> Result<&str> {
    let p = raw.strip_suffix('/').unwrap_or(raw);
    if p.is_empty() {
        return invalid("prefix must not be empty (omit '/PREFIX' to grant the whole bucket)");
    }
    if p.starts_with('/') {
        return invalid(format!("prefix {raw:?} must not start with '/'"));
    }
    if p.contains("//") {
        return invalid(format!(
            "prefix {raw:?} must not contain an empty path segment '//'"
        ));
    }
    if let Some(c) = p.chars().find(|c| matches!(c, '*' | '?')) {
        return invalid(format!(
            "prefix {raw:?} must not contain the wildcard {c:?}; give the literal folder"
        ));
    }
    if p.contains("${") {
        return invalid(format!(
            "prefix {raw:?} must not contain a policy variable '${{'"
        ));
    }
    if p.chars().any(char::is_control) {
        return invalid(format!(
            "prefix {raw:?} must not contain control characters"
        ));
    }
    if p.len() > 1024 {
        return invalid("prefix must be at most 1024 bytes");
    }
    Ok(p)
}

fn iam_name(kind: &str, name: &str, max: usize) -> Result<()> {
    if name.is_empty() || name.len() > max {
        return invalid(format!(
            "{kind} {name:?} must be 1 to {max} characters long (it has {})",
            name.len()
        ));
    }
    let allowed = |c: char| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c);
    if let Some(c) = name.chars().find(|c| !allowed(*c)) {
        return invalid(format!(
            "{kind} {name:?} may contain only letters, digits and + = , . @ _ - (found {c:?})"
        ));
    }
    Ok(())
}

/// IAM role name: 1–64 of `[A-Za-z0-9+=,.@_-]`.
pub fn role_name(name: &str) -> Result<&str> {
    iam_name("role name", name, 64).map(|()| name)
}

/// IAM managed policy name: 1–128 of `[A-Za-z0-9+=,.@_-]`.
pub fn policy_name(name: &str) -> Result<&str> {
    iam_name("policy name", name, 128).map(|()| name)
}

/// IAM role description: at most 1000 printable Latin-1 characters.
pub fn description(text: &str) -> Result<&str> {
    if text.chars().count() > 1000 {
        return invalid("description must be at most 1000 characters");
    }
    let allowed = |c: char| matches!(c, '\t' | '\n' | '\r' | ' '..='~' | '\u{a1}'..='\u{ff}');
    if let Some(c) = text.chars().find(|c| !allowed(*c)) {
        return invalid(format!(
            "description may contain only printable Latin-1 characters (found {c:?})"
        ));
    }
    Ok(text)
}

fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

fn is_partition(s: &str) -> bool {
    matches!(s, "aws" | "aws-cn" | "aws-us-gov" | "aws-iso" | "aws-iso-b")
}

/// An IAM principal ARN that may be trusted: an account root, a role or a user.
pub fn principal_arn(arn: &str) -> Result<&str> {
    let bad = |why: &str| {
        invalid(format!(
            "principal {arn:?} is not an IAM principal ARN ({why}); expected \
             arn:aws:iam::123456789012:role/NAME, :user/NAME or :root"
        ))
    };
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let [scheme, partition, service, region, account, resource] = parts[..] else {
        return bad("it needs six ':'-separated parts");
    };
    if scheme != "arn" || !is_partition(partition) {
        return bad("it must start with arn:aws:");
    }
    if service != "iam" || !region.is_empty() {
        return bad("the service must be iam, with an empty region");
    }
    if !is_account_id(account) {
        return bad("the account id must be 12 digits");
    }
    if arn.contains(['*', '?']) {
        return bad("wildcards are not allowed");
    }
    if resource == "root" {
        return Ok(arn);
    }
    let name = match resource.split_once('/') {
        Some(("role" | "user", path_and_name)) => path_and_name.rsplit('/').next().unwrap_or(""),
        _ => return bad("the resource must be root, role/NAME or user/NAME"),
    };
    let kind = if resource.starts_with("role/") {
        "role name"
    } else {
        "user name"
    };
    if let Err(e) = iam_name(kind, name, 64) {
        return bad(&e.0);
    }
    Ok(arn)
}

/// `sts:ExternalId` value: 2–1224 of `[\w+=,.@:/-]`.
pub fn external_id(id: &str) -> Result<&str> {
    if id.len() < 2 || id.len() > 1224 {
        return invalid(format!(
            "external ID must be 2 to 1224 characters long (it has {})",
            id.len()
        ));
    }
    let allowed = |c: char| c.is_ascii_alphanumeric() || "_+=,.@:/-".contains(c);
    if let Some(c) = id.chars().find(|c| !allowed(*c)) {
        return invalid(format!(
            "external ID may contain only letters, digits and _ + = , . @ : / - (found {c:?})"
        ));
    }
    Ok(id)
}

/// How the user named a KMS key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyRef {
    /// `arn:aws:kms:REGION:ACCOUNT:key/ID`: usable in a policy as it is.
    KeyArn(String),
    /// A bare key id (`1234abcd-…` or `mrk-…`): needs DescribeKey for its ARN.
    KeyId(String),
    /// `alias/NAME` or an alias ARN: needs DescribeKey; an alias ARN in a policy grants nothing.
    Alias(String),
}

impl KeyRef {
    pub fn as_str(&self) -> &str {
        match self {
            KeyRef::KeyArn(s) | KeyRef::KeyId(s) | KeyRef::Alias(s) => s,
        }
    }

    /// AWS-managed aliases (`alias/aws/...`) name keys that need no IAM grant.
    pub fn is_aws_managed_alias(&self) -> bool {
        match self {
            KeyRef::Alias(a) => a.starts_with("alias/aws/") || a.contains(":alias/aws/"),
            _ => false,
        }
    }
}

fn is_key_id(s: &str) -> bool {
    let is_uuid = s.len() == 36
        && s.char_indices().all(|(i, c)| {
            if matches!(i, 8 | 13 | 18 | 23) {
                c == '-'
            } else {
                c.is_ascii_hexdigit()
            }
        });
    let is_mrk = s
        .strip_prefix("mrk-")
        .is_some_and(|h| h.len() == 32 && h.bytes().all(|b| b.is_ascii_hexdigit()));
    is_uuid || is_mrk
}

fn is_alias_name(s: &str) -> bool {
    s.strip_prefix("alias/").is_some_and(|n| {
        !n.is_empty()
            && n.len() <= 250
            && n.chars()
                .all(|c| c.is_ascii_alphanumeric() || "/_-".contains(c))
    })
}

fn is_region(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 32
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// A KMS key id, key ARN, alias name or alias ARN.
pub fn kms_key(raw: &str) -> Result<KeyRef> {
    let bad = || {
        invalid(format!(
            "KMS key {raw:?} is not a key id, key ARN, alias/NAME or alias ARN"
        ))
    };
    if is_key_id(raw) {
        return Ok(KeyRef::KeyId(raw.to_string()));
    }
    if is_alias_name(raw) {
        return Ok(KeyRef::Alias(raw.to_string()));
    }
    let parts: Vec<&str> = raw.splitn(6, ':').collect();
    let [scheme, partition, service, region, account, resource] = parts[..] else {
        return bad();
    };
    if scheme != "arn" || !is_partition(partition) || service != "kms" {
        return bad();
    }
    if !is_region(region) || !is_account_id(account) {
        return bad();
    }
    if resource.strip_prefix("key/").is_some_and(is_key_id) {
        return Ok(KeyRef::KeyArn(raw.to_string()));
    }
    if is_alias_name(resource) {
        return Ok(KeyRef::Alias(raw.to_string()));
    }
    bad()
}

/// The account id inside an ARN, if it has one.
pub fn arn_account(arn: &str) -> Option<&str> {
    arn.split(':').nth(4).filter(|a| is_account_id(a))
}

/// The partition of an ARN (`aws`, `aws-cn`, ...).
pub fn arn_partition(arn: &str) -> Option<&str> {
    arn.split(':').nth(1).filter(|p| is_partition(p))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn bucket_names() {
        for ok in ["my-data", "a.b.c", "abc", "123", &"a".repeat(63)] {
            assert_eq!(bucket_name(ok), Ok(ok), "{ok}");
        }
        for bad in [
            "ab",
            &"a".repeat(64),
            "My-Data",
            "my_data",
            "-data",
            "data-",
            "a..b",
            "192.168.1.1",
            "xn--data",
            "sthree-x",
            "data-s3alias",
            "data--ol-s3",
            "data--x-s3",
            "my data",
            "",
        ] {
            assert!(bucket_name(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn prefixes() {
        assert_eq!(prefix("datasets/v1/"), Ok("datasets/v1"));
        assert_eq!(prefix("datasets"), Ok("datasets"));
        for bad in [
            "",
            "/",
            "/abs",
            "a//b",
            "a*",
            "a/?",
            "${aws:username}",
            "a\nb",
        ] {
            assert!(prefix(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn iam_names() {
        assert!(role_name("activeloop-deeplake-access").is_ok());
        assert!(role_name("a+=,.@_-1").is_ok());
        assert!(role_name(&"r".repeat(65)).is_err());
        assert!(role_name("").is_err());
        assert!(role_name("has space").is_err());
        assert!(role_name("slash/no").is_err());
        assert!(policy_name(&"p".repeat(128)).is_ok());
        assert!(policy_name(&"p".repeat(129)).is_err());
    }

    #[test]
    fn principals() {
        for ok in [
            "arn:aws:iam::597713067985:role/activeloop_backend",
            "arn:aws:iam::597713067985:role/path/to/name",
            "arn:aws:iam::123456789012:user/alice",
            "arn:aws:iam::123456789012:root",
            "arn:aws-cn:iam::123456789012:root",
        ] {
            assert_eq!(principal_arn(ok), Ok(ok));
        }
        for bad in [
            "597713067985",
            "arn:aws:iam::59771306798:role/x",
            "arn:aws:iam:us-east-1:597713067985:role/x",
            "arn:aws:s3:::bucket",
            "arn:aws:iam::597713067985:role/*",
            "arn:aws:iam::597713067985:group/x",
            "arn:aws:iam::597713067985:role/",
            "arn:aws:iam::*:root",
            "*",
        ] {
            assert!(principal_arn(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn kms_keys() {
        let id = "1234abcd-12ab-34cd-56ef-1234567890ab";
        assert_eq!(kms_key(id), Ok(KeyRef::KeyId(id.into())));
        let mrk = "mrk-1234abcd12ab34cd56ef1234567890ab";
        assert_eq!(kms_key(mrk), Ok(KeyRef::KeyId(mrk.into())));
        let arn = format!("arn:aws:kms:us-east-1:123456789012:key/{id}");
        assert_eq!(kms_key(&arn), Ok(KeyRef::KeyArn(arn.clone())));
        assert_eq!(
            kms_key("alias/data"),
            Ok(KeyRef::Alias("alias/data".into()))
        );
        let alias_arn = "arn:aws:kms:us-east-1:123456789012:alias/data";
        assert_eq!(kms_key(alias_arn), Ok(KeyRef::Alias(alias_arn.into())));
        assert!(kms_key("alias/aws/s3").unwrap().is_aws_managed_alias());
        for bad in [
            "",
            "auto-ish",
            "alias/",
            "alias/has space",
            "1234abcd",
            "arn:aws:kms:us-east-1:123456789012:key/not-a-uuid",
            "arn:aws:kms:us-east-1:123:key/1234abcd-12ab-34cd-56ef-1234567890ab",
            "arn:aws:s3:::bucket",
        ] {
            assert!(kms_key(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn external_ids() {
        assert!(external_id("abc-123_=,.@:/").is_ok());
        assert!(external_id("").is_err());
        assert!(external_id("x").is_err());
        assert!(external_id("has space").is_err());
        assert!(external_id(&"x".repeat(1225)).is_err());
    }

    #[test]
    fn descriptions() {
        assert!(description("Deep Lake access — managed").is_err());
        assert!(description("Deep Lake access: managed by provision-role").is_ok());
        assert!(description(&"d".repeat(1001)).is_err());
    }

    proptest! {
        #[test]
        fn accepted_bucket_names_follow_the_rules(name in "[a-z0-9.-]{1,70}") {
            if bucket_name(&name).is_ok() {
                prop_assert!((3..=63).contains(&name.len()));
                prop_assert!(!name.contains(".."));
                prop_assert!(name.as_bytes()[0].is_ascii_alphanumeric());
                prop_assert!(name.as_bytes()[name.len() - 1].is_ascii_alphanumeric());
            }
        }

        #[test]
        fn accepted_prefixes_have_no_wildcards(p in "\\PC{0,40}") {
            if let Ok(clean) = prefix(&p) {
                prop_assert!(!clean.contains(['*', '?']));
                prop_assert!(!clean.starts_with('/') && !clean.ends_with('/'));
                prop_assert!(!clean.is_empty());
            }
        }

        #[test]
        fn iam_names_never_panic_and_respect_length(n in "\\PC{0,80}") {
            if role_name(&n).is_ok() {
                prop_assert!(!n.is_empty() && n.len() <= 64);
            }
        }
    }
}
