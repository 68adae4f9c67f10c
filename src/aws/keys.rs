//! A user's access keys: list, make, switch on and off, delete, and when each was last used.
//! A new key's secret comes back once, from CreateAccessKey; it is held in a [`Secret`], whose
//! `Debug` hides it, and is handed to whoever writes it down — it reaches no message, log or
//! report. The SDK's description of a failed CreateAccessKey (shown with `-v`) is withheld
//! unless AWS answered with an error, since only then can it hold no part of a response.

use std::fmt;

use aws_sdk_iam::config::retry::RetryConfig;
use aws_sdk_iam::types::StatusType;
use aws_sdk_iam::Client;

use super::error::Result;
use super::{AwsError, AwsResult, Failure};
use crate::plan::{AccessKeyInfo, LastUsed};

/// A secret access key. Shown once, where the run was told to write it; never in `Debug`.
pub(crate) struct Secret(String);

impl Secret {
    pub(crate) fn new(secret: impl Into<String>) -> Secret {
        Secret(secret.into())
    }

    /// The secret itself, for the one place that writes it down.
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(withheld)")
    }
}

/// A key CreateAccessKey just made.
#[derive(Debug)]
pub(crate) struct NewKey {
    pub(crate) user: String,
    pub(crate) id: String,
    pub(crate) secret: Secret,
}

/// What is done with a new key: written down (or refused, and then the key is deleted).
pub(crate) type KeySink<'a> = &'a (dyn Fn(&NewKey) -> anyhow::Result<()> + Sync);

/// The user's access keys (ids, status, creation time), oldest first.
pub(crate) async fn list(iam: &Client, user: &str) -> Result<Vec<AccessKeyInfo>> {
    let found: Vec<_> = iam
        .list_access_keys()
        .user_name(user)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .aws("iam:ListAccessKeys", format!("user {user}"))?;
    let mut keys: Vec<AccessKeyInfo> = found
        .iter()
        .filter_map(|k| {
            Some(AccessKeyInfo {
                id: k.access_key_id()?.to_string(),
                active: k.status() == Some(&StatusType::Active),
                created: k.create_date().map(|d| d.secs()),
            })
        })
        .collect();
    keys.sort_by_key(|k| k.created);
    Ok(keys)
}

/// Make a key. The SDK does not retry this call: a retry after an answer that was lost (a
/// timeout, a dropped connection) would make a second key whose secret nobody receives.
/// Callers retry only answers that say nothing was made ([`nothing_made`]). A failure's SDK
/// description is kept only when AWS answered with an error.
pub(crate) async fn create(iam: &Client, user: &str) -> Result<NewKey, AwsError> {
    let once = aws_sdk_iam::config::Builder::default().retry_config(RetryConfig::disabled());
    let result = iam
        .create_access_key()
        .user_name(user)
        .customize()
        .config_override(once)
        .send()
        .await;
    let out = result
        .aws("iam:CreateAccessKey", format!("user {user}"))
        .map_err(|mut e| {
            if e.failure != Failure::Service {
                e.debug = "withheld: a response to CreateAccessKey may hold a secret".into();
            }
            e
        })?;
    let Some(key) = out
        .access_key()
        .filter(|k| !k.secret_access_key().is_empty())
    else {
        return Err(AwsError::malformed(
            "iam:CreateAccessKey",
            format!("user {user}"),
            "it held no access key",
        ));
    };
    Ok(NewKey {
        user: user.to_string(),
        id: key.access_key_id().to_string(),
        secret: Secret::new(key.secret_access_key()),
    })
}

/// Whether a failed CreateAccessKey certainly made no key and may be tried again: throttled,
/// or the user not visible yet (IAM's propagation after CreateUser).
pub(crate) fn nothing_made(err: &AwsError) -> bool {
    super::retry::is_propagation(err) || err.answer() == Some(super::Answer::Throttled)
}

/// Switch a key on or off.
pub(crate) async fn set_active(iam: &Client, user: &str, id: &str, active: bool) -> Result<()> {
    let status = match active {
        true => StatusType::Active,
        false => StatusType::Inactive,
    };
    iam.update_access_key()
        .user_name(user)
        .access_key_id(id)
        .status(status)
        .send()
        .await
        .aws(
            "iam:UpdateAccessKey",
            format!("user {user}, access key {id}"),
        )?;
    Ok(())
}

pub(crate) async fn delete(iam: &Client, user: &str, id: &str) -> Result<()> {
    iam.delete_access_key()
        .user_name(user)
        .access_key_id(id)
        .send()
        .await
        .aws(
            "iam:DeleteAccessKey",
            format!("user {user}, access key {id}"),
        )?;
    Ok(())
}

pub(crate) async fn last_used(iam: &Client, id: &str) -> Result<Option<LastUsed>> {
    let out = iam
        .get_access_key_last_used()
        .access_key_id(id)
        .send()
        .await
        .aws("iam:GetAccessKeyLastUsed", format!("access key {id}"))?;
    let Some(used) = out.access_key_last_used() else {
        return Ok(None);
    };
    let known = |s: &str| (s != "N/A" && !s.is_empty()).then(|| s.to_string());
    Ok(used.last_used_date().map(|d| LastUsed {
        date: d.secs(),
        service: known(used.service_name()),
        region: known(used.region()),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_never_shows_in_debug() {
        let key = NewKey {
            user: "u".into(),
            id: "AKIA1".into(),
            secret: Secret::new("wJalrXUtnFEMI"),
        };
        let shown = format!("{key:?} {key:#?}");
        assert!(!shown.contains("wJalrXUtnFEMI"), "{shown}");
        assert!(shown.contains("AKIA1"));
    }
}
