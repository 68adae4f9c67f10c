//! Single-value input rules, as clap value parsers: each takes the raw text and returns the
//! checked value or the rule it breaks. clap prefixes the flag (`invalid value 'x' for
//! '--bucket <NAME[/PREFIX]>': …`) and exits 2; the wizard shows the rule under its prompt.
//!
//! The rules are AWS's own (S3 bucket naming, IAM names, paths and ARNs, KMS key identifiers,
//! the characters IAM accepts in policy documents), made stricter where a looser value could
//! only produce a grant other than the one meant (wildcards, policy variables, `//`, invisible
//! or bidirectional characters in prefixes).

use crate::plan::{BucketScope, KeyRef};

type Rule<T> = Result<T, String>;

/// S3 general-purpose bucket naming rules.
pub(crate) fn bucket_name(name: &str) -> Rule<String> {
    let len = name.len();
    if !(3..=63).contains(&len) {
        return Err(format!(
            "bucket name {name:?} must be 3 to 63 characters long (it has {len})"
        ));
    }
    let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-';
    if let Some(c) = name.chars().find(|c| !allowed(*c)) {
        return Err(format!(
            "bucket name {name:?} may contain only lowercase letters, digits, '.' and '-' (found {c:?})"
        ));
    }
    let edge_ok = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    if !edge_ok(name.chars().next()) || !edge_ok(name.chars().last()) {
        return Err(format!(
            "bucket name {name:?} must begin and end with a letter or digit"
        ));
    }
    if name.contains("..") {
        return Err(format!(
            "bucket name {name:?} must not contain two adjacent periods"
        ));
    }
    if name.split('.').count() == 4 && name.split('.').all(|p| p.parse::<u8>().is_ok()) {
        return Err(format!(
            "bucket name {name:?} must not be formatted as an IP address"
        ));
    }
    for prefix in ["xn--", "sthree-", "amzn-s3-demo-"] {
        if name.starts_with(prefix) {
            return Err(format!(
                "bucket name {name:?} must not start with {prefix:?}"
            ));
        }
    }
    for suffix in ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"] {
        if name.ends_with(suffix) {
            return Err(format!("bucket name {name:?} must not end with {suffix:?}"));
        }
    }
    Ok(name.to_string())
}

/// Characters IAM accepts in a policy document are printable Basic Latin and Latin-1; of
/// those, a key prefix may not use the invisible ones (no-break space, soft hyphen) either.
fn prefix_char_ok(c: char) -> bool {
    matches!(c, ' '..='~' | '\u{a1}'..='\u{ff}') && c != '\u{ad}'
}

/// A key prefix inside a bucket, returned without its trailing `/`.
///
/// Refused: wildcards (`*`, `?`) and policy variables (`${`), which would widen the grant
/// beyond the literal prefix; empty segments (`a//b`, `x//`); control, bidirectional and
/// zero-width characters, and anything IAM does not accept in a policy document.
pub(crate) fn prefix(raw: &str) -> Rule<String> {
    let p = raw.strip_suffix('/').unwrap_or(raw);
    if p.is_empty() {
        return Err("prefix must not be empty (omit '/PREFIX' to grant the whole bucket)".into());
    }
    if p.starts_with('/') {
        return Err(format!("prefix {raw:?} must not start with '/'"));
    }
    if p.ends_with('/') || p.contains("//") {
        return Err(format!(
            "prefix {raw:?} must not contain an empty path segment '//'"
        ));
    }
    if let Some(c) = p.chars().find(|c| matches!(c, '*' | '?')) {
        return Err(format!(
            "prefix {raw:?} must not contain the wildcard {c:?}; give the literal folder"
        ));
    }
    if p.contains("${") {
        return Err(format!(
            "prefix {raw:?} must not contain a policy variable '${{'"
        ));
    }
    if let Some(c) = p.chars().find(|c| !prefix_char_ok(*c)) {
        return Err(format!(
            "prefix {raw:?} contains {c:?} (U+{:04X}); IAM policies accept only printable \
             Latin-1 characters, and control or invisible characters are refused",
            u32::from(c)
        ));
    }
    if p.len() > 1024 {
        return Err("prefix must be at most 1024 bytes".into());
    }
    Ok(p.to_string())
}

/// `BUCKET` or `BUCKET/PREFIX`; `s3://` is accepted in front.
pub(crate) fn bucket_scope(raw: &str) -> Rule<BucketScope> {
    let raw = raw.strip_prefix("s3://").unwrap_or(raw);
    let (bucket, prefix_part) = match raw.split_once('/') {
        Some((b, p)) => (b, Some(p)),
        None => (raw, None),
    };
    Ok(BucketScope {
        bucket: bucket_name(bucket)?,
        prefix: prefix_part.map(prefix).transpose()?,
    })
}

fn iam_name(kind: &str, name: &str, max: usize) -> Rule<String> {
    if name.is_empty() || name.len() > max {
        return Err(format!(
            "{kind} {name:?} must be 1 to {max} characters long (it has {})",
            name.len()
        ));
    }
    let allowed = |c: char| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c);
    if let Some(c) = name.chars().find(|c| !allowed(*c)) {
        return Err(format!(
            "{kind} {name:?} may contain only letters, digits and + = , . @ _ - (found {c:?})"
        ));
    }
    Ok(name.to_string())
}

/// IAM role name: 1–64 of `[A-Za-z0-9+=,.@_-]`.
pub(crate) fn role_name(name: &str) -> Rule<String> {
    iam_name("role name", name, 64)
}

/// IAM user name: 1–64 of `[A-Za-z0-9+=,.@_-]`.
pub(crate) fn user_name(name: &str) -> Rule<String> {
    iam_name("user name", name, 64)
}

/// IAM managed policy name: 1–128 of `[A-Za-z0-9+=,.@_-]`, and at most 125 with no `-N` end,
/// since extra policies for large grants are named `NAME-2` … `NAME-10`.
pub(crate) fn policy_name(name: &str) -> Rule<String> {
    iam_name("policy name", name, 128)?;
    if name.len() > 125 {
        return Err(format!(
            "policy name {name:?} must be at most 125 characters (room for a -N suffix)"
        ));
    }
    if let Some(n) = (2..=10).find(|n| name.ends_with(&format!("-{n}"))) {
        return Err(format!(
            "policy name {name:?} must not end in -{n}, which names extra policies"
        ));
    }
    Ok(name.to_string())
}

/// IAM role description: at most 1000 printable Latin-1 characters.
pub(crate) fn description(text: &str) -> Rule<String> {
    if text.chars().count() > 1000 {
        return Err("description must be at most 1000 characters".into());
    }
    let allowed = |c: char| matches!(c, '\t' | '\n' | '\r' | ' '..='~' | '\u{a1}'..='\u{ff}');
    if let Some(c) = text.chars().find(|c| !allowed(*c)) {
        return Err(format!(
            "description may contain only printable Latin-1 characters (found {c:?})"
        ));
    }
    Ok(text.to_string())
}

fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

fn is_partition(s: &str) -> bool {
    matches!(s, "aws" | "aws-cn" | "aws-us-gov" | "aws-iso" | "aws-iso-b")
}

/// An IAM path segment list between slashes, as in `role/PATH/NAME`: segments of the IAM
/// name characters, none empty, at most 512 characters in all.
fn path_segments_ok(segments: &[&str]) -> bool {
    let allowed = |c: char| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c);
    segments
        .iter()
        .all(|s| !s.is_empty() && s.chars().all(allowed))
        && segments.iter().map(|s| s.len() + 1).sum::<usize>() < 512
}

/// An IAM path for `--path`: `/` or `/SEGMENT/…/`.
pub(crate) fn iam_path(raw: &str) -> Rule<String> {
    if raw == "/" {
        return Ok(raw.to_string());
    }
    let inner = raw.strip_prefix('/').and_then(|r| r.strip_suffix('/'));
    match inner {
        Some(inner) if path_segments_ok(&inner.split('/').collect::<Vec<_>>()) => {
            Ok(raw.to_string())
        }
        _ => Err(format!(
            "path {raw:?} must be / or start and end with / (e.g. /deeplake/), with segments \
             of letters, digits and + = , . @ _ -, at most 512 characters"
        )),
    }
}

/// An IAM principal that may be trusted: an account root, a role or a user.
pub(crate) fn principal_arn(arn: &str) -> Rule<String> {
    let bad = |why: &str| {
        Err(format!(
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
        return Ok(arn.to_string());
    }
    let (kind, rest) = match resource.split_once('/') {
        Some((kind @ ("role" | "user"), rest)) => (kind, rest),
        _ => return bad("the resource must be root, role/NAME or user/NAME"),
    };
    let mut segments: Vec<&str> = rest.split('/').collect();
    let name = segments.pop().unwrap_or_default();
    if let Err(e) = iam_name(&format!("{kind} name"), name, 64) {
        return bad(&e);
    }
    if !segments.is_empty() && !path_segments_ok(&segments) {
        return bad("its path must have non-empty segments of letters, digits and + = , . @ _ -");
    }
    Ok(arn.to_string())
}

/// `sts:ExternalId`: 2–1224 of `[\w+=,.@:/-]`.
pub(crate) fn external_id(id: &str) -> Rule<String> {
    if id.len() < 2 || id.len() > 1224 {
        return Err(format!(
            "external ID must be 2 to 1224 characters long (it has {})",
            id.len()
        ));
    }
    let allowed = |c: char| c.is_ascii_alphanumeric() || "_+=,.@:/-".contains(c);
    if let Some(c) = id.chars().find(|c| !allowed(*c)) {
        return Err(format!(
            "external ID may contain only letters, digits and _ + = , . @ : / - (found {c:?})"
        ));
    }
    Ok(id.to_string())
}

/// A `--cors-origin`: what S3 takes as an `AllowedOrigin` — visible ASCII without spaces or
/// commas, with at most one `*` wildcard, e.g. `*.activeloop.ai` or `https://app.example.com`.
pub(crate) fn cors_origin(origin: &str) -> Rule<String> {
    if origin.is_empty() || origin.len() > 1024 {
        return Err("a CORS origin must be 1 to 1024 characters long".to_string());
    }
    if let Some(c) = origin.chars().find(|c| !c.is_ascii_graphic() || *c == ',') {
        return Err(format!(
            "CORS origin {origin:?} may not contain {c:?}: give one origin per --cors-origin"
        ));
    }
    if origin.matches('*').count() > 1 {
        return Err(format!(
            "CORS origin {origin:?} has more than one `*`; S3 allows one wildcard per origin"
        ));
    }
    Ok(origin.to_string())
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

/// An AWS region code such as `eu-west-1`.
pub(crate) fn region(s: &str) -> Rule<String> {
    let ok = !s.is_empty()
        && s.len() <= 32
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if ok {
        Ok(s.to_string())
    } else {
        Err(format!("{s:?} is not a region code such as eu-west-1"))
    }
}

/// An `http://` or `https://` URL without spaces.
pub(crate) fn endpoint_url(url: &str) -> Rule<String> {
    let ok = (url.starts_with("http://") || url.starts_with("https://"))
        && url.len() > "https://".len()
        && !url.contains(char::is_whitespace);
    if ok {
        Ok(url.to_string())
    } else {
        Err(format!("{url:?} must be an http:// or https:// URL"))
    }
}

/// A KMS key id, key ARN, alias name or alias ARN.
pub(crate) fn kms_key(raw: &str) -> Rule<KeyRef> {
    let bad = || {
        Err(format!(
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
    let [scheme, partition, service, region_code, account, resource] = parts[..] else {
        return bad();
    };
    if scheme != "arn" || !is_partition(partition) || service != "kms" {
        return bad();
    }
    if region(region_code).is_err() || !is_account_id(account) {
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

/// A managed policy ARN for `--permissions-boundary`: yours
/// (`arn:aws:iam::ACCOUNT:policy/PATH/NAME`) or AWS's (`arn:aws:iam::aws:policy/NAME`).
pub(crate) fn boundary_arn(arn: &str) -> Rule<String> {
    let bad = || {
        Err(format!(
            "{arn:?} is not a managed policy ARN such as \
             arn:aws:iam::123456789012:policy/NAME or arn:aws:iam::aws:policy/NAME"
        ))
    };
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let [scheme, partition, service, region, account, resource] = parts[..] else {
        return bad();
    };
    let account_ok = account == "aws" || is_account_id(account);
    if scheme != "arn" || !is_partition(partition) || service != "iam" || !region.is_empty() {
        return bad();
    }
    let Some(rest) = resource.strip_prefix("policy/") else {
        return bad();
    };
    let mut segments: Vec<&str> = rest.split('/').collect();
    let name = segments.pop().unwrap_or_default();
    let path_ok = segments.is_empty() || path_segments_ok(&segments);
    if !account_ok || !path_ok || iam_name("policy name", name, 128).is_err() {
        return bad();
    }
    Ok(arn.to_string())
}

/// The tag this tool marks its resources with; `--tag` may not set it.
const OWN_TAG_KEY: &str = "managed-by";

/// Characters IAM accepts in tag keys and values: letters, digits, spaces and `_ . : / = + - @`.
fn tag_text_ok(text: &str) -> bool {
    text.chars()
        .all(|c| c.is_alphanumeric() || c.is_whitespace() || "_.:/=+-@".contains(c))
}

/// `--tag KEY=VALUE`: IAM's tag rules (key 1–128, value 0–256 characters), no `aws:` keys, and
/// not our own `managed-by`.
pub(crate) fn tag(raw: &str) -> Rule<(String, String)> {
    let Some((key, value)) = raw.split_once('=') else {
        return Err(format!("{raw:?} is not KEY=VALUE"));
    };
    if key.is_empty() || key.chars().count() > 128 || !tag_text_ok(key) {
        return Err(format!(
            "tag key {key:?} must be 1 to 128 letters, digits, spaces or _ . : / = + - @"
        ));
    }
    if value.chars().count() > 256 || !tag_text_ok(value) {
        return Err(format!(
            "tag value {value:?} must be at most 256 letters, digits, spaces or _ . : / = + - @"
        ));
    }
    if key.to_ascii_lowercase().starts_with("aws:") {
        return Err(format!("tag key {key:?} is reserved for AWS (aws:)"));
    }
    if key.eq_ignore_ascii_case(OWN_TAG_KEY) {
        return Err(format!(
            "tag key {key:?} is provision-role's own ({OWN_TAG_KEY}=provision-role marks what it \
             created); choose another key"
        ));
    }
    Ok((key.to_string(), value.to_string()))
}

/// `--max-session-duration`: seconds (3600–43200), or hours `1h`–`12h`.
pub(crate) fn session_duration(raw: &str) -> Rule<u32> {
    let seconds = match raw.strip_suffix('h') {
        Some(hours) => hours.parse::<u32>().ok().and_then(|h| h.checked_mul(3600)),
        None => raw.parse::<u32>().ok(),
    };
    match seconds {
        Some(s @ 3600..=43200) => Ok(s),
        _ => Err(format!(
            "{raw:?} is not a session length IAM accepts: 3600 to 43200 seconds, or 1h to 12h"
        )),
    }
}

/// `--timeout SECONDS`: a whole number of seconds, 1 to 3600.
pub(crate) fn timeout(raw: &str) -> Rule<std::time::Duration> {
    match raw.parse::<u64>() {
        Ok(secs @ 1..=3600) => Ok(std::time::Duration::from_secs(secs)),
        _ => Err(format!("{raw:?} is not a number of seconds from 1 to 3600")),
    }
}

/// One `--kms` value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum KmsValue {
    Auto,
    Off,
    Key(KeyRef),
}

impl std::fmt::Display for KmsValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KmsValue::Auto => f.write_str("auto"),
            KmsValue::Off => f.write_str("off"),
            KmsValue::Key(key) => f.write_str(key.as_str()),
        }
    }
}

pub(crate) fn kms_value(raw: &str) -> Rule<KmsValue> {
    match raw {
        "auto" => Ok(KmsValue::Auto),
        "off" => Ok(KmsValue::Off),
        key => kms_key(key).map(KmsValue::Key),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn bucket_names() {
        for ok in ["my-data", "a.b.c", "abc", "123", &"a".repeat(63)] {
            assert_eq!(bucket_name(ok).as_deref(), Ok(ok), "{ok}");
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
        assert_eq!(prefix("datasets/v1/").as_deref(), Ok("datasets/v1"));
        assert_eq!(prefix("datasets").as_deref(), Ok("datasets"));
        assert_eq!(prefix("données é").as_deref(), Ok("données é"));
        for bad in [
            "",
            "/",
            "/abs",
            "a//b",
            "x//",
            "a*",
            "a/?",
            "${aws:username}",
            "a\nb",
            "a\tb",
            "日本語",
            "rocket🚀",
            "evil\u{202e}txt",
            "zero\u{200b}width",
            "no\u{a0}break",
            "soft\u{ad}hyphen",
            "c1\u{85}",
        ] {
            assert!(prefix(bad).is_err(), "{bad:?} accepted");
        }
        assert!(prefix("日本語").unwrap_err().contains("U+65E5"));
    }

    #[test]
    fn scopes() {
        let s = bucket_scope("s3://b-1/datasets/v1/").unwrap();
        assert_eq!(s.bucket, "b-1");
        assert_eq!(s.prefix.as_deref(), Some("datasets/v1"));
        for bad in ["b-1/", "b-1//x", "b-1/x//"] {
            assert!(bucket_scope(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn iam_names() {
        assert!(role_name("activeloop-deeplake-access").is_ok());
        assert!(role_name("a+=,.@_-1").is_ok());
        for bad in [&"r".repeat(65), "", "has space", "slash/no"] {
            assert!(role_name(bad).is_err(), "{bad:?} accepted");
        }
        assert!(policy_name(&"p".repeat(125)).is_ok());
        assert!(policy_name(&"p".repeat(126))
            .unwrap_err()
            .contains("-N suffix"));
        assert!(policy_name("p-3").unwrap_err().contains("-3"));
        assert!(policy_name("p-11").is_ok());
    }

    #[test]
    fn paths() {
        for ok in ["/", "/deeplake/", "/a/b-c/d_e/"] {
            assert_eq!(iam_path(ok).as_deref(), Ok(ok));
        }
        for bad in [
            "",
            "deeplake",
            "/deeplake",
            "deeplake/",
            "//",
            "/a//b/",
            "/has space/",
        ] {
            assert!(iam_path(bad).is_err(), "{bad:?} accepted");
        }
        assert!(iam_path(&format!("/{}/", "p".repeat(511))).is_err());
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
            assert_eq!(principal_arn(ok).as_deref(), Ok(ok));
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
            "arn:aws:iam::597713067985:role/has space/x",
            "arn:aws:iam::597713067985:role/a//x",
            "arn:aws:iam::597713067985:role/\"q\"/x",
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
        assert_eq!(kms_value("off"), Ok(KmsValue::Off));
        assert_eq!(kms_value("auto"), Ok(KmsValue::Auto));
    }

    #[test]
    fn external_ids_regions_and_urls() {
        assert!(external_id("abc-123_=,.@:/").is_ok());
        for bad in ["", "x", "has space", &"x".repeat(1225)] {
            assert!(external_id(bad).is_err(), "{bad:?} accepted");
        }
        assert!(region("eu-west-1").is_ok());
        assert!(region("Not_A_Region").is_err());
        assert!(endpoint_url("http://127.0.0.1:5000").is_ok());
        assert!(endpoint_url("not a url").is_err());
    }

    #[test]
    fn guardrail_values() {
        for ok in [
            "arn:aws:iam::123456789012:policy/boundary",
            "arn:aws:iam::123456789012:policy/team/boundary",
            "arn:aws:iam::aws:policy/PowerUserAccess",
        ] {
            assert_eq!(boundary_arn(ok).as_deref(), Ok(ok));
        }
        for bad in [
            "boundary",
            "arn:aws:iam::123456789012:role/x",
            "arn:aws:iam::123:policy/x",
            "arn:aws:iam::123456789012:policy/",
            "arn:aws:s3:::bucket",
        ] {
            assert!(boundary_arn(bad).is_err(), "{bad:?} accepted");
        }
        assert_eq!(
            tag("team=data lake"),
            Ok(("team".into(), "data lake".into()))
        );
        assert_eq!(tag("empty="), Ok(("empty".into(), String::new())));
        for bad in [
            "novalue",
            "=x",
            "aws:x=y",
            "Managed-By=me",
            "bad#key=x",
            &format!("k={}", "v".repeat(257)),
        ] {
            assert!(tag(bad).is_err(), "{bad:?} accepted");
        }
        assert_eq!(session_duration("12h"), Ok(43200));
        assert_eq!(session_duration("3600"), Ok(3600));
        for bad in ["13h", "0h", "3599", "43201", "1d", ""] {
            assert!(session_duration(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn cors_origins() {
        for ok in [
            "*.activeloop.ai",
            "https://app.example.com",
            "*",
            "http://localhost:3000",
        ] {
            assert_eq!(cors_origin(ok).as_deref(), Ok(ok));
        }
        for bad in ["", "a b", "a,b", "*.*.example.com", "caf\u{e9}.example"] {
            assert!(cors_origin(bad).is_err(), "{bad:?} accepted");
        }
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
        fn accepted_prefixes_are_literal_latin_1_paths(p in "\\PC{0,40}") {
            if let Ok(clean) = prefix(&p) {
                prop_assert!(!clean.contains(['*', '?']));
                prop_assert!(!clean.starts_with('/') && !clean.ends_with('/'));
                prop_assert!(!clean.contains("//") && !clean.is_empty());
                prop_assert!(clean.chars().all(|c| (c as u32) < 0x100 && !c.is_control()));
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
