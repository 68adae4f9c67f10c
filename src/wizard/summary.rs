//! The short plan people review: who is trusted, which access on which buckets, which KMS keys,
//! and one `Plan: N to create, N to update, N to remove` line. When the role exists, each row
//! is a diff against what it grants now: removals in red (`-`), additions in green (`+`).
//! Short enough for one 80x24 screen with about ten buckets; the exact documents are shown on
//! request (and with `-v`).

use std::collections::BTreeMap;

use console::style;

use super::grants::Grants;
use crate::plan::request::{ACTIVELOOP_DEV, ACTIVELOOP_PRODUCTION};
use crate::plan::{Access, Action, Change, Guardrails, Level, Plan, Resource, RolePlan};
use crate::render::text;

/// Labels are this wide; a one-character change mark and the value follow.
const LABEL: usize = 11;
/// Where values start: two spaces, the label, a space, the mark, a space.
const VALUE_COLUMN: usize = 2 + LABEL + 3;

/// The review text and what it takes away.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Summary {
    /// The rows, the plan line and any warnings, wrapped to the width.
    pub(crate) text: String,
    /// Access the role has now and would lose (empty on a first run), e.g. `bucket old-data`.
    pub(crate) lost: Vec<String>,
}

/// One row: its label, the values after the run, and (for an existing role) before it.
struct Row {
    label: &'static str,
    after: Vec<String>,
    before: Option<Vec<String>>,
}

impl Row {
    fn new(label: &'static str, after: Vec<String>, before: Option<Vec<String>>) -> Row {
        Row {
            label,
            after,
            before,
        }
    }

    /// The values kept, removed and added (removed and added are empty without a before).
    fn diff(&self) -> (Vec<&String>, Vec<&String>, Vec<&String>) {
        let Some(before) = &self.before else {
            return (self.after.iter().collect(), Vec::new(), Vec::new());
        };
        let kept = self.after.iter().filter(|v| before.contains(v)).collect();
        let removed = before.iter().filter(|v| !self.after.contains(v)).collect();
        let added = self.after.iter().filter(|v| !before.contains(v)).collect();
        (kept, removed, added)
    }
}

/// The principals as people know them: Activeloop, its development backends, or the ARN;
/// Activeloop first.
fn trusted(principals: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut sorted: Vec<&String> = principals.iter().collect();
    sorted.sort_by_key(|p| (p.as_str() != ACTIVELOOP_PRODUCTION, *p));
    for p in sorted {
        let label = if p == ACTIVELOOP_PRODUCTION {
            "Activeloop".to_string()
        } else if ACTIVELOOP_DEV.contains(&p.as_str()) {
            "Activeloop development backends".to_string()
        } else {
            p.clone()
        };
        if !out.contains(&label) {
            out.push(label);
        }
    }
    out
}

fn key_id(arn: &str) -> String {
    arn.rsplit_once(":key/")
        .map_or(arn, |(_, id)| id)
        .to_string()
}

fn access(grants: &Grants) -> Vec<String> {
    grants
        .access
        .iter()
        .map(|a| a.as_str().to_string())
        .collect()
}

fn rows(after: &Grants, before: Option<&Grants>) -> Vec<Row> {
    let field = |f: &dyn Fn(&Grants) -> Vec<String>| (f(after), before.map(f));
    let trust = field(&|g| trusted(&g.principals));
    let id = field(&|g| g.external_id.iter().cloned().collect());
    let level = field(&access);
    let scopes = field(&|g| g.scopes.iter().map(ToString::to_string).collect());
    let keys = field(&|g| g.kms_keys.iter().map(|k| key_id(k)).collect());
    vec![
        Row::new("Trusted", trust.0, trust.1),
        Row::new("External ID", id.0, id.1),
        Row::new("Access", level.0, level.1),
        Row::new("Buckets", scopes.0, scopes.1),
        Row::new("KMS keys", keys.0, keys.1),
    ]
}

/// `label  mark values`, wrapped under the values, in red or green for a change.
fn line(label: &str, mark: char, values: &[String], width: usize) -> String {
    let joined = if values.is_empty() {
        "none".to_string()
    } else {
        values.join(", ")
    };
    let raw = format!("  {label:<LABEL$} {mark} {joined}");
    // One long word (an ARN, an external ID) stays beside its label rather than leave it
    // alone on its line.
    let mut wrapped = match joined.contains(' ') {
        true => text::wrap(&raw, width, Some(&" ".repeat(VALUE_COLUMN))),
        false => raw,
    };
    // A first value too long for the label's line is too long for any: it stays there.
    let head = format!("  {label:<LABEL$} {mark}");
    if wrapped.starts_with(&format!("{}\n", head.trim_end()))
        || wrapped.starts_with(&format!("{head}\n"))
    {
        let rest = wrapped.split_once('\n').map_or("", |(_, r)| r).trim_start();
        wrapped = format!("{head} {rest}");
    }
    let paint = |l: &str| match mark {
        '-' => style(l).red().to_string(),
        '+' => style(l).green().to_string(),
        _ => l.to_string(),
    };
    wrapped.lines().map(paint).collect::<Vec<_>>().join("\n")
}

/// A row as text: kept values on the label's line, then removed and added ones.
fn row_text(row: &Row, notes: &BTreeMap<String, String>, width: usize) -> String {
    let shown = |values: Vec<&String>| -> Vec<String> {
        values
            .into_iter()
            .map(|v| match notes.get(v) {
                Some(note) => format!("{v} ({note})"),
                None => v.clone(),
            })
            .collect()
    };
    let (kept, removed, added) = row.diff();
    let mut lines = Vec::new();
    let mut label = row.label;
    if !kept.is_empty() || (removed.is_empty() && added.is_empty()) {
        lines.push(line(label, ' ', &shown(kept), width));
        label = "";
    }
    if !removed.is_empty() {
        lines.push(line(label, '-', &shown(removed), width));
        label = "";
    }
    if !added.is_empty() {
        lines.push(line(label, '+', &shown(added), width));
    }
    lines.join("\n")
}

/// Which buckets use each granted key, to name them beside its id.
fn key_notes(plan: &Plan) -> BTreeMap<String, String> {
    let mut users: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for b in &plan.buckets {
        if let Some(arn) = &b.kms_key_arn {
            let names = users.entry(key_id(arn)).or_default();
            if !names.contains(&b.name.as_str()) {
                names.push(&b.name);
            }
        }
    }
    users
        .into_iter()
        .map(|(id, names)| (id, names.join(", ")))
        .collect()
}

/// What each removal takes away, for the warning and the question.
fn losses(rows: &[Row]) -> Vec<String> {
    let mut lost = Vec::new();
    for row in rows {
        let (_, removed, _) = row.diff();
        for value in removed {
            let what = match row.label {
                "Trusted" => format!("trust in {value}"),
                "External ID" => format!("the external ID {value}"),
                "Access" if value == Access::ReadOnly.as_str() => continue,
                "Access" => "write access".to_string(),
                "Buckets" => format!("bucket {value}"),
                _ => format!("KMS key {value}"),
            };
            lost.push(what);
        }
    }
    lost
}

/// `Plan: 3 to create, 0 to update, 0 to remove`, from the typed changes.
pub(crate) fn plan_line(plan: &Plan) -> String {
    let count = |action| plan.changes.iter().filter(|c| c.action() == action).count();
    format!(
        "{} {} to create, {} to update, {} to remove",
        style("Plan:").bold(),
        count(Action::Create),
        count(Action::Update),
        count(Action::Delete)
    )
}

/// The CORS row, with `--cors`: Deep Lake's rule, on how many buckets, and how many have it
/// already; and whether any is set by this run.
fn cors(plan: &Plan) -> Option<(bool, Vec<String>)> {
    let (mut set, mut have, mut origins) = (0, 0, String::new());
    for change in &plan.changes {
        match change {
            Change::PutCors { rule, .. } => {
                set += 1;
                origins = rule.allowed_origins.join(", ");
            }
            Change::Unchanged(Resource::Cors(_)) => have += 1,
            _ => {}
        }
    }
    let mut values = Vec::new();
    if set > 0 {
        values.push(format!(
            "rule for {origins} on {set} bucket(s), others kept"
        ));
    }
    if have > 0 {
        values.push(format!("already set on {have} bucket(s)"));
    }
    (!values.is_empty()).then_some((set > 0, values))
}

fn guardrails(g: &Guardrails) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(path) = &g.path {
        out.push(format!("path {path}"));
    }
    if let Some(arn) = &g.permissions_boundary {
        out.push(format!("boundary {arn}"));
    }
    out.extend(g.tags.iter().map(|(k, v)| format!("tag {k}={v}")));
    if let Some(seconds) = g.max_session_duration {
        out.push(format!("sessions up to {}h", f64::from(seconds) / 3600.0));
    }
    out
}

/// What a role grants now, as the review's rows (without a diff or a plan).
pub(crate) fn grants_text(grants: &Grants, width: usize) -> String {
    let none = BTreeMap::new();
    let rows = rows(grants, None);
    let lines: Vec<String> = rows.iter().map(|r| row_text(r, &none, width)).collect();
    lines.join("\n")
}

/// A user's key, as the review shows it: made now, or the one it keeps.
fn access_key(plan: &Plan) -> String {
    let made = plan
        .changes
        .iter()
        .any(|c| matches!(c, Change::CreateAccessKey { .. }));
    let kept = plan.user().iter().flat_map(|u| &u.keys).find(|k| k.active);
    match (made, kept) {
        (false, Some(key)) => format!("{} (kept: its secret cannot be shown again)", key.id),
        _ => "a new one, its secret written once to a private file".to_string(),
    }
}

/// Whether the role's trust names Activeloop's production backend.
fn trusts_activeloop(role: &RolePlan) -> bool {
    let principals = role.trust.statement.iter().flat_map(|st| &st.principal);
    principals
        .flat_map(|p| p.aws_values())
        .any(|a| a == ACTIVELOOP_PRODUCTION)
}

/// The review of `plan`: rows (a diff against `before` when the role exists), the plan line,
/// then a warning for what is lost and the planner's own warnings. A user has no trust rows,
/// and a row for its access key.
pub(crate) fn summary(plan: &Plan, before: Option<&Grants>, width: usize) -> Summary {
    let who = plan.holder.arn().unwrap_or(plan.holder.name()).to_string();
    let label = crate::render::plan::holder_label(plan);
    let mut out = vec![line(label, ' ', &[who], width)];
    let mut rows = rows(&Grants::planned(plan), before);
    if plan.user().is_some() {
        rows.retain(|r| !matches!(r.label, "Trusted" | "External ID"));
    }
    let notes = key_notes(plan);
    out.extend(rows.iter().map(|r| row_text(r, &notes, width)));
    if let Some((set, values)) = cors(plan) {
        // Marked as an addition only in a diff against a role that exists.
        let mark = if set && before.is_some() { '+' } else { ' ' };
        out.push(line("CORS", mark, &values, width));
    }
    if plan.user().is_some() {
        out.push(line("Access key", ' ', &[access_key(plan)], width));
    }
    let rails = guardrails(&plan.guardrails);
    if !rails.is_empty() {
        out.push(line("Guardrails", ' ', &rails, width));
    }
    out.push(text::wrap(&plan_line(plan), width, Some("      ")));
    let lost = losses(&rows);
    let warn = |message: &str| {
        let text = format!("{} {message}", style("warning:").yellow().bold());
        text::wrap(&text, width, None)
    };
    if !lost.is_empty() {
        let count = match lost.len() {
            1 => "1 grant".to_string(),
            n => format!("{n} grants"),
        };
        out.push(warn(&format!(
            "this removes {count} the role has now: {}",
            lost.join(", ")
        )));
    }
    if plan.role().is_some_and(|role| !trusts_activeloop(role)) {
        out.push(warn(
            "Activeloop is not trusted: Deep Lake cannot use this role, only the principals \
             above can",
        ));
    }
    for note in plan.notes.iter().filter(|n| n.level == Level::Warn) {
        let line = note
            .access
            .as_ref()
            .map_or(&note.message, |(_, headline)| headline);
        out.push(warn(line));
    }
    Summary {
        text: out.join("\n"),
        lost,
    }
}
