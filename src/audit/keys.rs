//! A user's access keys: exactly one active (none: nothing can sign in as the user; two: a
//! rotation left the old one on), none older than 90 days, and when each was last used.

use super::facts::{KeyUse, Read};
use super::Check;

/// Keys older than this many days should be rotated (AWS's and CIS's usual advice).
pub(crate) const MAX_AGE_DAYS: i64 = 90;
const DAY: i64 = 24 * 60 * 60;

/// `2025-01-31`.
pub(crate) fn date(secs: i64) -> String {
    use aws_smithy_types::date_time::{DateTime, Format};
    let text = DateTime::from_secs(secs)
        .fmt(Format::DateTime)
        .unwrap_or_default();
    text.chars().take(10).collect()
}

/// `AKIA… (active, created 2025-01-02, last used 2025-01-10 by s3 in us-east-1)`.
fn describe(k: &KeyUse) -> String {
    let status = if k.key.active { "active" } else { "inactive" };
    let created = k
        .key
        .created
        .map_or(String::new(), |c| format!(", created {}", date(c)));
    let used = match &k.last_used {
        Ok(Some(used)) => {
            let mut text = format!(", last used {}", date(used.date));
            if let Some(service) = &used.service {
                text.push_str(&format!(" by {service}"));
            }
            if let Some(region) = &used.region {
                text.push_str(&format!(" in {region}"));
            }
            text
        }
        Ok(None) => ", never used".to_string(),
        Err(why) => format!(", last use unknown ({why})"),
    };
    format!("{} ({status}{created}{used})", k.key.id)
}

pub(super) fn checks(user: &str, keys: &Read<Vec<KeyUse>>, now: i64) -> Vec<Check> {
    let keys = match keys {
        Ok(keys) => keys,
        Err(why) => {
            return vec![Check::fail(
                "access keys",
                why.clone(),
                "let the caller call iam:ListAccessKeys and iam:GetAccessKeyLastUsed on the \
                 user",
            )]
        }
    };
    let active: Vec<&KeyUse> = keys.iter().filter(|k| k.key.active).collect();
    let mut out = vec![count(user, keys, &active)];
    out.extend(active.iter().map(|k| age(user, k, now)));
    out
}

/// Exactly one active key.
fn count(user: &str, keys: &[KeyUse], active: &[&KeyUse]) -> Check {
    let listed: Vec<String> = keys.iter().map(describe).collect();
    let detail = match listed.is_empty() {
        true => "none".to_string(),
        false => listed.join("; "),
    };
    match active {
        [_] => Check::pass("access keys", format!("one active: {detail}")),
        [] => Check::fail(
            "access keys",
            format!("no active access key, so nothing can sign in as user {user}: {detail}"),
            format!("make one: provision-role rotate-key --user-name {user}"),
        ),
        [..] => {
            let older = active
                .iter()
                .min_by_key(|k| k.key.created)
                .map_or("ID", |k| k.key.id.as_str());
            Check::warn(
                "access keys",
                format!(
                    "{} active keys, where one is needed (a rotation left the old one on): \
                     {detail}",
                    active.len()
                ),
                format!(
                    "once nothing uses the older one, deactivate it: aws iam \
                     update-access-key --user-name {user} --access-key-id {older} --status \
                     Inactive"
                ),
            )
        }
    }
}

/// An active key's age.
fn age(user: &str, k: &KeyUse, now: i64) -> Check {
    let name = format!("age of access key {}", k.key.id);
    let Some(created) = k.key.created else {
        return Check::pass(name, "IAM gives no creation date");
    };
    let days = (now - created).max(0) / DAY;
    if days > MAX_AGE_DAYS {
        return Check::warn(
            name,
            format!("{days} days old, over {MAX_AGE_DAYS}"),
            format!("rotate it: provision-role rotate-key --user-name {user}"),
        );
    }
    Check::pass(name, format!("{days} days old"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::Level;
    use crate::plan::AccessKeyInfo;
    use crate::plan::LastUsed;

    const NOW: i64 = 1_750_000_000;

    fn key(id: &str, active: bool, days_old: i64, used: Option<i64>) -> KeyUse {
        KeyUse {
            key: AccessKeyInfo {
                id: id.into(),
                active,
                created: Some(NOW - days_old * DAY),
            },
            last_used: Ok(used.map(|d| LastUsed {
                date: NOW - d * DAY,
                service: Some("s3".into()),
                region: Some("us-east-1".into()),
            })),
        }
    }

    fn levels(checks: &[Check]) -> Vec<Level> {
        checks.iter().map(|c| c.level).collect()
    }

    #[test]
    fn one_young_active_key_passes_and_says_when_it_was_used() {
        let checks = checks("u", &Ok(vec![key("AKIA1", true, 10, Some(1))]), NOW);
        assert_eq!(levels(&checks), [Level::Ok, Level::Ok]);
        assert!(
            checks[0].detail.contains("last used"),
            "{}",
            checks[0].detail
        );
        assert!(checks[0].detail.contains("by s3 in us-east-1"));
        assert_eq!(checks[1].detail, "10 days old");
    }

    #[test]
    fn none_active_fails_two_active_warn_and_old_keys_warn() {
        let none = checks("u", &Ok(vec![key("AKIA1", false, 10, None)]), NOW);
        assert_eq!(levels(&none), [Level::Fail]);
        assert!(none[0]
            .fix
            .as_deref()
            .unwrap()
            .contains("rotate-key --user-name u"));
        assert!(none[0].detail.contains("never used"));
        let two = checks(
            "u",
            &Ok(vec![
                key("AKIANEW", true, 1, None),
                key("AKIAOLD", true, 30, Some(2)),
            ]),
            NOW,
        );
        assert_eq!(levels(&two), [Level::Warn, Level::Ok, Level::Ok]);
        assert!(two[0]
            .fix
            .as_deref()
            .unwrap()
            .contains("--access-key-id AKIAOLD"));
        let old = checks("u", &Ok(vec![key("AKIA1", true, 91, None)]), NOW);
        assert_eq!(levels(&old), [Level::Ok, Level::Warn]);
        assert!(old[1].detail.contains("91 days old, over 90"));
    }

    #[test]
    fn dates_are_days() {
        assert_eq!(date(0), "1970-01-01");
        assert_eq!(date(NOW), "2025-06-15");
    }
}
