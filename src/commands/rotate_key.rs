//! `rotate-key`: a new access key for a user provision-role made, written once as `create`
//! writes one, then the old key deactivated (the default), deleted, or kept. IAM allows two
//! keys per user, so a user that has two already is refused, naming the one to delete, before
//! anything is written. Journaled like `create`: a failure deletes the new key (and its file)
//! and makes a deactivated key active again.

use anyhow::{anyhow, bail, Result};
use console::style;

use super::{Context, KeyWriter};
use crate::audit::keys::date;
use crate::aws::apply::{self, Writer};
use crate::aws::journal::Journal;
use crate::aws::{discover, keys, Event};
use crate::cli::args::OldKey;
use crate::cli::{resolve, RotateKeyArgs};
use crate::credentials::Target;
use crate::exit::ExitStatus;
use crate::plan::user::MAX_KEYS;
use crate::plan::{AccessKeyInfo, ExistingUser, Identity, OWNER_TAG};
use crate::render::keys::{OldKeyAction, OldKeyJson, RotateReport, ROLE_IS_SAFER};

pub async fn run(ctx: &Context, args: RotateKeyArgs) -> Result<ExitStatus> {
    let name = args.user_name.clone();
    let identity = Identity::User(name.clone());
    let dest = resolve::credentials(&args.credentials, &identity, ctx.json())?
        .ok_or_else(|| anyhow!("a user always has a credentials destination"))?;
    dest.check()?;
    dest.refuse_existing()?;
    ctx.cancel.on_ctrl_c();
    let conn = ctx.connection().await;
    let user = rotatable(discover::user(&conn.iam, &name).await?, &name)?;
    let old = user.keys.clone();
    if ctx.may_prompt && !args.yes {
        ctx.printer.info(&plan_text(&name, &old, args.old));
        super::confirm(
            &format!("Replace the access key of user {name}?"),
            "cancelled, nothing was changed",
        )?;
    }
    let keys = KeyWriter::new(&ctx.printer, dest);
    let journal = Journal::default();
    let show = |e| ctx.show(e);
    let sink = |key: &keys::NewKey| keys.write(key);
    let s3 = |region: &str| conn.s3(region);
    let w = super::writer(ctx, &conn.iam, &s3, &journal, &show, &sink);
    let done = match rotate(&w, &name, &old, args.old).await {
        Ok(done) => done,
        Err(err) => {
            let err = super::create::roll_back(ctx, &conn, &journal, err, Some(&keys));
            return Err(err.await);
        }
    };
    report(ctx, (&name, &user.arn), &keys, &done);
    Ok(ExitStatus::Success)
}

/// The user, if provision-role made it and it has room for a key.
fn rotatable(user: Option<ExistingUser>, name: &str) -> Result<ExistingUser> {
    let Some(user) = user else {
        bail!(
            "user {name} does not exist; nothing was changed. Make it with: provision-role \
             create --identity user --user-name {name} --bucket BUCKET"
        );
    };
    if !user.owned {
        bail!(
            "user {name} was not created by provision-role (it has no {}={} tag), so its keys \
             are not the tool's to rotate; nothing was changed",
            OWNER_TAG.0,
            OWNER_TAG.1
        );
    }
    if user.keys.len() >= MAX_KEYS {
        let listed: Vec<String> = user.keys.iter().map(describe).collect();
        // An inactive key is the one to go; of two active ones, the older.
        let spare = user
            .keys
            .iter()
            .find(|k| !k.active)
            .or_else(|| user.keys.iter().min_by_key(|k| k.created))
            .map_or("ID", |k| k.id.as_str());
        bail!(
            "user {name} already has {MAX_KEYS} access keys, IAM's limit: {}; nothing was \
             changed. Delete the one no longer in use, then rotate: aws iam delete-access-key \
             --user-name {name} --access-key-id {spare}",
            listed.join(", ")
        );
    }
    Ok(user)
}

/// `AKIA… (active, created 2025-01-02)`.
fn describe(key: &AccessKeyInfo) -> String {
    let status = if key.active { "active" } else { "inactive" };
    match key.created {
        Some(c) => format!("{} ({status}, created {})", key.id, date(c)),
        None => format!("{} ({status})", key.id),
    }
}

fn plan_text(name: &str, old: &[AccessKeyInfo], action: OldKey) -> String {
    let mut out = format!(
        "{} a new access key for user {name}, written once",
        style("Rotate:").bold()
    );
    for key in old {
        let what = match action {
            OldKey::Deactivate if key.active => "deactivated",
            OldKey::Delete => "deleted",
            _ => "kept as it is",
        };
        out.push_str(&format!("; then {} is {what}", describe(key)));
    }
    out
}

/// Make and write the new key, then deal with the old ones: deactivating is journaled;
/// deleting cannot be undone, so it comes last, once everything else is done.
async fn rotate(
    w: &Writer<'_>,
    name: &str,
    old: &[AccessKeyInfo],
    action: OldKey,
) -> Result<Vec<OldKeyJson>> {
    let existing: Vec<String> = old.iter().map(|k| k.id.clone()).collect();
    apply::create_access_key(w, name, &existing).await?;
    let mut done = Vec::new();
    for key in old {
        let action = match action {
            OldKey::Deactivate if key.active => {
                apply::deactivate_key(w, name, &key.id).await?;
                OldKeyAction::Deactivated
            }
            OldKey::Delete => {
                keys::delete(w.iam, name, &key.id).await?;
                (w.progress)(Event::Done(format!(
                    "deleted the old access key {}",
                    key.id
                )));
                OldKeyAction::Deleted
            }
            _ => OldKeyAction::Kept,
        };
        done.push(OldKeyJson {
            id: key.id.clone(),
            action,
        });
    }
    Ok(done)
}

/// The old keys' fate and the user ARN (text), or the JSON report.
fn report(ctx: &Context, (user, arn): (&str, &str), keys: &KeyWriter<'_>, old: &[OldKeyJson]) {
    let Some(access_key) = keys.json() else {
        return;
    };
    if ctx.json() {
        ctx.printer.json(&RotateReport {
            user_name: user.to_string(),
            user_arn: arn.to_string(),
            access_key,
            old_keys: old.to_vec(),
        });
        return;
    }
    for key in old {
        let text = match key.action {
            OldKeyAction::Deactivated => format!(
                "the old key {0} is inactive: whatever still signs with it now fails. Give it \
                 the new key; if something breaks, make the old one active again (aws iam \
                 update-access-key --user-name {user} --access-key-id {0} --status Active), \
                 and once all is well delete it (aws iam delete-access-key --user-name {user} \
                 --access-key-id {0})",
                key.id
            ),
            OldKeyAction::Deleted => format!("the old key {} is deleted", key.id),
            OldKeyAction::Kept => format!(
                "the old key {} is as it was; deactivate it once nothing uses it",
                key.id
            ),
        };
        ctx.printer.info(&text);
    }
    ctx.printer.info(ROLE_IS_SAFER);
    if keys.dest.target != Target::Stdout {
        ctx.printer.result(arn);
    }
}
