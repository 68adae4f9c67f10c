//! The plan (of `plan` and `create`) for people and as JSON.

use console::style;
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::Value;

use crate::credentials::{Destination, Written};
use crate::plan::{
    Action, BucketReport, Change, HolderPlan, KeyManager, Level, Note, Plan, RolePlan,
    MAX_POLICY_CHARS,
};
use crate::policy::PolicyDocument;

/// The JSON result of `plan` and `create`: for a role, or with `--identity user` for a user.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(untagged)]
pub(crate) enum PlanOutput {
    Role(PlanReport),
    User(UserPlanReport),
}

impl PlanOutput {
    /// The notes, to add the run's own.
    pub(crate) fn notes_mut(&mut self) -> &mut Vec<NoteJson> {
        match self {
            PlanOutput::Role(r) => &mut r.notes,
            PlanOutput::User(u) => &mut u.notes,
        }
    }
}

/// The JSON result of `plan` and `create` with `--identity user`.
#[derive(Debug, Serialize, JsonSchema)]
pub(crate) struct UserPlanReport {
    pub(crate) user_name: String,
    /// Null in an offline plan.
    pub(crate) user_arn: Option<String>,
    /// Null in an offline plan.
    pub(crate) account_id: Option<String>,
    /// The key this run made, or the active key the user has (whose secret cannot be shown
    /// again); null when it has none (a plan for a new user).
    pub(crate) access_key: Option<AccessKeyJson>,
    /// A list: large bucket sets need several policies.
    pub(crate) policies: Vec<PolicyReport>,
    pub(crate) buckets: Vec<BucketJson>,
    pub(crate) changes: Vec<ChangeJson>,
    pub(crate) notes: Vec<NoteJson>,
}

/// An access key, never its secret.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub(crate) struct AccessKeyJson {
    pub(crate) id: String,
    /// True when this run made it, and wrote it (with its secret) to `credentials_file`.
    pub(crate) created: bool,
    /// Where the secret was written: a path, or `-` for stdout; null for a key made before,
    /// whose secret IAM shows only once.
    pub(crate) credentials_file: Option<String>,
    /// ini, env or json; null when nothing was written.
    pub(crate) credentials_format: Option<String>,
}

impl AccessKeyJson {
    /// A key made by this run and written to `written`.
    pub(crate) fn made(id: &str, written: &Written, dest: &Destination) -> AccessKeyJson {
        AccessKeyJson {
            id: id.to_string(),
            created: true,
            credentials_file: Some(written.label()),
            credentials_format: Some(dest.format.as_str().to_string()),
        }
    }

    /// A key the user had before this run.
    pub(crate) fn existing(id: &str) -> AccessKeyJson {
        AccessKeyJson {
            id: id.to_string(),
            created: false,
            credentials_file: None,
            credentials_format: None,
        }
    }
}

/// The JSON result of `plan` and `create`.
#[derive(Debug, Serialize, JsonSchema)]
pub(crate) struct PlanReport {
    pub(crate) role_name: String,
    /// Null in an offline plan (no account was read).
    pub(crate) role_arn: Option<String>,
    /// Null in an offline plan.
    pub(crate) account_id: Option<String>,
    /// The trust policy document, exactly as written to IAM.
    pub(crate) trust_policy: Value,
    /// A list: large bucket sets need several policies.
    pub(crate) policies: Vec<PolicyReport>,
    pub(crate) buckets: Vec<BucketJson>,
    pub(crate) changes: Vec<ChangeJson>,
    pub(crate) notes: Vec<NoteJson>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub(crate) struct PolicyReport {
    pub(crate) name: String,
    /// Null in an offline plan.
    pub(crate) arn: Option<String>,
    /// The permission policy document, exactly as written to IAM.
    pub(crate) document: Value,
}

#[derive(Debug, Serialize, JsonSchema)]
pub(crate) struct BucketJson {
    pub(crate) name: String,
    pub(crate) prefix: Option<String>,
    /// Null in an offline plan.
    pub(crate) region: Option<String>,
    /// none | SSE-S3 | SSE-KMS | DSSE-KMS | unknown (offline).
    pub(crate) encryption: String,
    /// Null without a KMS key.
    pub(crate) kms_key_arn: Option<String>,
    pub(crate) kms_key_manager: Option<KeyManager>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub(crate) struct ChangeJson {
    /// `policy/NAME`, `role/NAME`, `attachment/ROLE/POLICY`, `inline-policy/ROLE/NAME` or
    /// `cors/BUCKET` (Deep Lake's CORS rule in the bucket, with `--cors`).
    pub(crate) resource: String,
    pub(crate) action: Action,
    /// What an update or delete changes (`- …` removed, `+ …` added).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) details: Vec<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub(crate) struct NoteJson {
    pub(crate) level: Level,
    pub(crate) message: String,
    /// What to do about it (for a key policy: the statement to add, as JSON).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) fix: Option<String>,
}

fn document(doc: &PolicyDocument) -> Value {
    doc.to_value()
}

/// The plan's JSON; `made` is the key this run made, if any.
pub(crate) fn report(plan: &Plan, made: Option<AccessKeyJson>) -> PlanOutput {
    let user = match &plan.holder {
        HolderPlan::Role(role) => return PlanOutput::Role(role_report(plan, role)),
        HolderPlan::User(user) => user,
    };
    let existing = user.keys.iter().find(|k| k.active);
    PlanOutput::User(UserPlanReport {
        user_name: user.name.clone(),
        user_arn: user.arn.clone(),
        account_id: plan.account_id.clone(),
        access_key: made.or_else(|| existing.map(|k| AccessKeyJson::existing(&k.id))),
        policies: policy_reports(plan),
        buckets: plan.buckets.iter().map(bucket_json).collect(),
        changes: plan.changes.iter().map(change_json).collect(),
        notes: plan.notes.iter().map(note_json).collect(),
    })
}

fn policy_reports(plan: &Plan) -> Vec<PolicyReport> {
    plan.policies
        .iter()
        .map(|p| PolicyReport {
            name: p.name.clone(),
            arn: p.arn.clone(),
            document: document(&p.document),
        })
        .collect()
}

fn role_report(plan: &Plan, role: &RolePlan) -> PlanReport {
    PlanReport {
        role_name: role.name.clone(),
        role_arn: role.arn.clone(),
        account_id: plan.account_id.clone(),
        trust_policy: document(&role.trust),
        policies: policy_reports(plan),
        buckets: plan.buckets.iter().map(bucket_json).collect(),
        changes: plan.changes.iter().map(change_json).collect(),
        notes: plan.notes.iter().map(note_json).collect(),
    }
}

pub(crate) fn note_json(n: &Note) -> NoteJson {
    NoteJson {
        level: n.level,
        message: n.message.clone(),
        fix: n.fix.clone(),
    }
}

fn bucket_json(b: &BucketReport) -> BucketJson {
    BucketJson {
        name: b.name.clone(),
        prefix: b.prefix.clone(),
        region: b.region.clone(),
        encryption: b.encryption.to_string(),
        kms_key_arn: b.kms_key_arn.clone(),
        kms_key_manager: b.kms_key_manager,
    }
}

pub(crate) fn change_json(c: &Change) -> ChangeJson {
    ChangeJson {
        resource: c.resource().to_string(),
        action: c.action(),
        details: c.details(),
    }
}

fn symbol(action: Action) -> console::StyledObject<&'static str> {
    match action {
        Action::Create => style("+ create   ").green(),
        Action::Update => style("~ update   ").yellow(),
        Action::Unchanged => style("= unchanged").dim(),
        Action::Delete => style("- delete   ").red(),
    }
}

pub(crate) fn changes_text(changes: &[Change]) -> String {
    let mut out = String::new();
    for c in changes {
        out.push_str(&format!("  {} {}\n", symbol(c.action()), c.resource()));
        for d in c.details() {
            out.push_str(&format!("        {d}\n"));
        }
    }
    out
}

fn bucket_line(b: &BucketReport) -> String {
    let scope = match &b.prefix {
        Some(p) => format!("{}/{p}/", b.name),
        None => b.name.clone(),
    };
    let mut line = format!("  {scope}");
    if let Some(region) = &b.region {
        line.push_str(&format!("  ({region})"));
    }
    line.push_str(&format!("  encryption: {}", b.encryption));
    if let Some(key) = &b.kms_key_arn {
        line.push_str(&format!("  key: {key}"));
    }
    line
}

pub(crate) fn notes_text(notes: &[Note]) -> String {
    let mut out = String::new();
    for n in notes {
        match n.level {
            Level::Info => out.push_str(&format!("  {} {}\n", style("•").cyan(), n.message)),
            Level::Warn => out.push_str(&format!(
                "  {} {}\n",
                style("warning:").yellow().bold(),
                n.message
            )),
        }
        if let Some(fix) = &n.fix {
            out.push_str(&format!(
                "    {} {}\n",
                style("fix:").bold(),
                fix.replace('\n', "\n    ")
            ));
        }
    }
    out
}

/// What still stands between Deep Lake and the data (key policies, bucket policies, the
/// boundary, Requester Pays): one line each, with its fix. Empty when nothing does.
pub(crate) fn access_text(notes: &[Note]) -> String {
    let mut out = String::new();
    for n in notes {
        let Some((_, headline)) = &n.access else {
            continue;
        };
        out.push_str(&format!(
            "  {} {headline}\n",
            style("warning:").yellow().bold()
        ));
        if let Some(fix) = &n.fix {
            let fix = fix.replace('\n', "\n    ");
            out.push_str(&format!("    {} {fix}\n", style("fix:").bold()));
        }
    }
    out
}

/// `Role` or `User`, as headings name what holds the policies.
pub(crate) fn holder_label(plan: &Plan) -> &'static str {
    match plan.holder {
        HolderPlan::User(_) => "User",
        HolderPlan::Role(_) => "Role",
    }
}

/// The plan for people: who, which buckets, why the KMS choices, what changes.
pub(crate) fn plan_text(plan: &Plan) -> String {
    let mut out = String::new();
    let label = style(holder_label(plan)).bold();
    if let (Some(account), Some(arn)) = (&plan.account_id, plan.holder.arn()) {
        out.push_str(&format!("{label} {arn} (account {account})\n"));
    } else {
        out.push_str(&format!(
            "{label} {} (offline plan: the account was not read)\n",
            plan.holder.name()
        ));
    }
    out.push_str(&format!("{}\n", style("Buckets").bold()));
    for b in &plan.buckets {
        out.push_str(&bucket_line(b));
        out.push('\n');
    }
    out.push_str(&notes_text(&plan.notes));
    out.push_str(&format!("{}\n", style("Changes").bold()));
    out.push_str(&changes_text(&plan.changes));
    out
}

/// Pretty JSON, with keys and strings coloured when colour is on.
pub(crate) fn highlight_json(doc: &PolicyDocument) -> String {
    let text = doc.to_pretty();
    if !console::colors_enabled() {
        return text;
    }
    text.lines()
        .map(|line| match line.split_once("\": ") {
            Some((key, rest)) => format!("{}\": {}", style(key).cyan(), style(rest).green()),
            None if line.trim_start().starts_with('"') => style(line).green().to_string(),
            None => line.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The heading of the trust document.
pub(crate) fn trust_heading(role: &RolePlan) -> String {
    format!(
        "{} (who may assume role {})",
        style("Trust policy").bold(),
        role.name
    )
}

/// The heading of one permission document.
pub(crate) fn policy_heading(name: &str, doc: &PolicyDocument) -> String {
    format!(
        "{} {name} ({} of {MAX_POLICY_CHARS} characters)",
        style("Permission policy").bold(),
        doc.quota_len(),
    )
}

/// The documents with headings, as people review them before anything is written (a user
/// has no trust policy).
pub(crate) fn documents_text(plan: &Plan) -> String {
    let mut out = match plan.role() {
        Some(role) => format!("{}\n{}\n", trust_heading(role), highlight_json(&role.trust)),
        None => String::new(),
    };
    for p in &plan.policies {
        out.push_str(&format!(
            "{}\n{}\n",
            policy_heading(&p.name, &p.document),
            highlight_json(&p.document)
        ));
    }
    out
}
