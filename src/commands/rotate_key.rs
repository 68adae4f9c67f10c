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
use crate::plan::{AccessKeyInfo, ExistingUser, Holder, OWNER_TAG};
use crate::render::keys::{OldKeyAction, OldKeyJson, RotateReport, ROLE_IS_SAFER};

pub(crate) async fn run(ctx: &Context, args: RotateKeyArgs) -> Result<ExitStatus> {
    if args.finish {
        return finish(ctx, &args).await;
    }
    let name = args.user_name.clone();
    let dest = resolve::credentials(&args.credentials, &Holder::User(name.clone()), ctx.json())?
        .ok_or_else(|| anyhow!("a user always has a credentials destination"))?;
    dest.check()?;
    dest.refuse_existing()?;
    ctx.cancel.on_ctrl_c();
    let conn = ctx.connection().await;
    let user = rotatable(discover::user(&conn.iam, &name).await?, &name)?;
    let old = user.keys.clone();
    if ctx.may_prompt && !args.yes {
        ctx.printer.info(&plan_text(&name, &old, args.old));
        crate::prompt::confirm(
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

/// `--finish`: delete the inactive keys an earlier rotation left, once the active key is in
/// use everywhere. A user whose every key is inactive is refused: nothing would work after.
async fn finish(ctx: &Context, args: &RotateKeyArgs) -> Result<ExitStatus> {
    let name = args.user_name.as_str();
    ctx.cancel.on_ctrl_c();
    let conn = ctx.connection().await;
    let user = ours(discover::user(&conn.iam, name).await?, name)?;
    let (inactive, active): (Vec<&AccessKeyInfo>, Vec<&AccessKeyInfo>) =
        user.keys.iter().partition(|k| !k.active);
    if inactive.is_empty() {
        ctx.printer.step(&format!(
            "user {name} has no inactive access key: nothing to delete"
        ));
        finish_report(ctx, name, &user.arn, &[]);
        return Ok(ExitStatus::Success);
    }
    if active.is_empty() {
        bail!(
            "every access key of user {name} is inactive, so deleting them would leave it none \
             that works; nothing was changed. Make one active again (aws iam \
             update-access-key --status Active), or delete the user: provision-role delete \
             --identity user --user-name {name}"
        );
    }
    let listed: Vec<String> = inactive.iter().map(|k| describe(k)).collect();
    if ctx.may_prompt && !args.yes {
        ctx.printer.info(&format!(
            "{} delete the inactive key(s) {} of user {name}; {} stays",
            style("Finish:").bold(),
            listed.join(", "),
            describe(active[0])
        ));
        crate::prompt::confirm(
            &format!("Delete the inactive key(s) of user {name}?"),
            "cancelled, nothing was changed",
        )?;
    }
    let mut done = Vec::new();
    for key in inactive {
        if let Err(e) = keys::delete(&conn.iam, name, &key.id).await {
            let so_far = match done.is_empty() {
                true => "nothing was changed".to_string(),
                false => format!("already deleted: {}", ids(&done)),
            };
            let e = anyhow::Error::from(e);
            return Err(e.context(format!("{so_far}; run rotate-key --finish again")));
        }
        ctx.show(Event::Done(format!(
            "deleted the inactive access key {}",
            key.id
        )));
        done.push(OldKeyJson {
            id: key.id.clone(),
            action: OldKeyAction::Deleted,
        });
    }
    finish_report(ctx, name, &user.arn, &done);
    Ok(ExitStatus::Success)
}

fn ids(keys: &[OldKeyJson]) -> String {
    let ids: Vec<&str> = keys.iter().map(|k| k.id.as_str()).collect();
    ids.join(", ")
}

/// The JSON report, or the user ARN last on stdout.
fn finish_report(ctx: &Context, user: &str, arn: &str, deleted: &[OldKeyJson]) {
    if ctx.json() {
        ctx.printer.json(&RotateReport {
            user_name: user.to_string(),
            user_arn: arn.to_string(),
            access_key: None,
            old_keys: deleted.to_vec(),
        });
        return;
    }
    ctx.printer.result(arn);
}

/// The user, if it exists and provision-role made it.
fn ours(user: Option<ExistingUser>, name: &str) -> Result<ExistingUser> {
    let Some(user) = user else {
        bail!("user {name} does not exist; nothing was changed");
    };
    if !user.owned {
        bail!(
            "user {name} was not created by provision-role (it has no {}={} tag), so its keys \
             are not the tool's to rotate or delete; nothing was changed",
            OWNER_TAG.0,
            OWNER_TAG.1
        );
    }
    Ok(user)
}

/// The user, if provision-role made it and it has room for a key.
fn rotatable(user: Option<ExistingUser>, name: &str) -> Result<ExistingUser> {
    if user.is_none() {
        bail!(
            "user {name} does not exist; nothing was changed. Make it with: provision-role \
             create --identity user --user-name {name} --bucket BUCKET"
        );
    }
    let user = ours(user, name)?;
    if user.keys.len() >= MAX_KEYS {
        let listed: Vec<String> = user.keys.iter().map(describe).collect();
        // An inactive key is the one to go; of two active ones, the older.
        let spare = user
            .keys
            .iter()
            .find(|k| !k.active)
            .or_else(|| user.keys.iter().min_by_key(|k| k.created))
            .map_or("ID", |k| k.id.as_str());
        let how = match user.keys.iter().any(|k| !k.active) {
            true => format!("provision-role rotate-key --finish --user-name {name}"),
            false => {
                format!("aws iam delete-access-key --user-name {name} --access-key-id {spare}")
            }
        };
        bail!(
            "user {name} already has {MAX_KEYS} access keys, IAM's limit: {}; nothing was \
             changed. Delete the one no longer in use ({spare}), then rotate: {how}",
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
            access_key: Some(access_key),
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
                 and once all is well delete it: provision-role rotate-key --finish \
                 --user-name {user}",
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
