//! Steps 6 and 7: one discovery pass for the answers, the encryption it found and the KMS
//! grant, then the exact documents, a summary and the only question whose default is No.

use anyhow::Result;
use console::style;

use super::cancelled;
use super::discovery::Discovery;
use super::prompt::Prompter;
use super::questions::ask_names;
use super::text::{self, given, heading, say};
use crate::cli::{resolve, RoleArgs};
use crate::plan::{
    self, Facts, KeyManager, KmsChoice, Level, Note, Plan, PlanError, Request, Trust,
};
use crate::render::plan as render;

/// Whether a name that is taken was asked (so can be asked again) rather than given as a flag.
fn renamable(flags: &RoleArgs, kind: &str) -> bool {
    match kind {
        "role" => flags.role_name.is_none(),
        _ => flags.policy_name.is_none(),
    }
}

/// Step 6 begins: read the account for the answers and plan. A name that belongs to something
/// provision-role did not create is asked again, and only then is the account read again.
pub(super) async fn discover(
    p: &mut impl Prompter,
    d: &impl Discovery,
    flags: &RoleArgs,
    answers: &mut RoleArgs,
) -> Result<(Request, Facts, Plan)> {
    heading(
        p,
        6,
        "Encryption",
        "Objects encrypted with a customer-managed KMS key can only be read by a role that may \
         use the key.",
    );
    loop {
        let req = resolve::request(answers)?;
        let facts = d.facts(&req).await?;
        match plan::build(&req, &facts) {
            Err(PlanError::NotOwned { kind, name }) if renamable(flags, kind) => {
                text::warn(
                    p,
                    &format!(
                        "{kind} {name} already exists and was not created by provision-role; \
                         choose another name (or run again with --adopt to take it over)"
                    ),
                );
                ask_names(p, flags, answers)?;
            }
            built => return Ok((req, facts, built?)),
        }
    }
}

/// Customer-managed keys the plan grants for the buckets' default encryption.
fn granted_keys(plan: &Plan) -> Vec<&str> {
    let mut keys: Vec<&str> = plan
        .buckets
        .iter()
        .filter(|b| b.kms_key_manager != Some(KeyManager::Aws))
        .filter_map(|b| b.kms_key_arn.as_deref())
        .collect();
    keys.sort();
    keys.dedup();
    keys
}

/// Step 6: each bucket's encryption, and whether to grant the keys. Declining re-plans from
/// the same facts with grants off; nothing is read again.
pub(super) fn encryption(
    p: &mut impl Prompter,
    flags: &RoleArgs,
    mut req: Request,
    facts: &Facts,
    plan: Plan,
) -> Result<(Request, Plan)> {
    text::notes(p, &plan.notes);
    if !flags.kms.is_empty() {
        let kms: Vec<String> = flags.kms.iter().map(ToString::to_string).collect();
        given(p, "KMS grants", &kms.join(", "), "--kms");
        return Ok((req, plan));
    }
    let keys = granted_keys(&plan);
    if keys.is_empty() || !req.kms.discovers() {
        return Ok((req, plan));
    }
    let question = match keys.len() {
        1 => "Let the role use this KMS key?".to_string(),
        n => format!("Let the role use these {n} KMS keys?"),
    };
    if p.confirm(&question, true)? {
        return Ok((req, plan));
    }
    req.kms = KmsChoice::Off;
    let plan = plan::build(&req, facts)?;
    let warnings: Vec<Note> = plan
        .notes
        .iter()
        .filter(|n| n.level == Level::Warn)
        .cloned()
        .collect();
    text::notes(p, &warnings);
    Ok((req, plan))
}

fn trusted(trust: &Trust) -> String {
    match trust {
        Trust::Production => "Activeloop production".to_string(),
        Trust::WithDev => "Activeloop production and development".to_string(),
        Trust::Custom(principals) => principals.join("\n               "),
    }
}

/// The answers in a few lines, right above the question, where a small terminal still shows
/// them after the documents and changes scrolled by.
fn summary(req: &Request, plan: &Plan) -> String {
    let buckets: Vec<String> = req.buckets.iter().map(|b| b.to_string()).collect();
    let keys = granted_keys(plan);
    let none = || "none".to_string();
    let rows = [
        (
            "Role",
            plan.role_arn.clone().unwrap_or(plan.role_name.clone()),
        ),
        ("Policy", req.policy_name.clone()),
        ("Buckets", buckets.join(", ")),
        ("Access", req.access.as_str().to_string()),
        ("Trusted", trusted(&req.trust)),
        ("External ID", req.external_id.clone().unwrap_or_else(none)),
        (
            "KMS keys",
            if req.kms.discovers() {
                // The full ARNs are in the documents above; the key ids fit on one line.
                let ids: Vec<&str> = keys
                    .iter()
                    .map(|k| k.rsplit(':').next().unwrap_or(k))
                    .collect();
                ids.join(", ")
            } else {
                none()
            },
        ),
    ];
    let mut out = style("Summary").bold().to_string();
    for (label, value) in rows {
        let value = if value.is_empty() { none() } else { value };
        out.push_str(&format!("\n  {label:<12} {value}"));
    }
    out
}

/// The change list with long detail lines wrapped under themselves; resource lines stay whole.
fn changes(plan: &Plan, width: usize) -> String {
    render::changes_text(&plan.changes)
        .lines()
        .map(|line| {
            if line.starts_with("        ") {
                text::wrap(line, width, Some("          "))
            } else {
                line.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Step 7: the exact documents, the changes and a summary, then the question. Nothing to
/// change asks nothing (`app` says so).
pub(super) fn review(p: &mut impl Prompter, req: &Request, plan: &Plan, yes: bool) -> Result<()> {
    if plan.is_noop() {
        return Ok(());
    }
    heading(
        p,
        7,
        "Review",
        "Nothing has been written yet. These are the exact documents, then the changes and a \
         summary:",
    );
    p.note(render::documents_text(plan).trim_end());
    let width = p.width();
    p.note(&format!(
        "{}\n{}",
        style("Changes").bold(),
        changes(plan, width)
    ));
    p.note(&text::wrap(
        &summary(req, plan),
        width,
        Some("               "),
    ));
    if yes {
        say(p, "Applying without asking (--yes).");
        return Ok(());
    }
    let question = if plan.creates_role() {
        "Create the role?"
    } else {
        "Apply these changes?"
    };
    if !p.confirm(question, false)? {
        return Err(cancelled());
    }
    Ok(())
}
