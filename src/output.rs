//! Rendering, and the rule that keeps stdout for results and stderr for people.
//!
//! Text mode: explanations and progress go to stderr (quietened by `-q`, widened by `-v`);
//! results go to stdout. JSON mode: exactly one JSON document on stdout.

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Duration;

use console::style;
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;
use serde_json::{json, Value};

use crate::plan::{Action, BucketReport, Change, Note, Plan, PolicyDocument};

const QUIET: u8 = 0;
const NORMAL: u8 = 1;
const VERBOSE: u8 = 2;

static LEVEL: AtomicU8 = AtomicU8::new(NORMAL);

/// Set how much goes to stderr, and colour (off with NO_COLOR or when stderr is not a terminal).
pub fn init(quiet: bool, verbose: u8) {
    let level = if quiet {
        QUIET
    } else if verbose > 0 {
        VERBOSE
    } else {
        NORMAL
    };
    LEVEL.store(level, Ordering::Relaxed);
    if std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()) {
        console::set_colors_enabled(false);
        console::set_colors_enabled_stderr(false);
    }
}

fn level() -> u8 {
    LEVEL.load(Ordering::Relaxed)
}

pub fn is_verbose() -> bool {
    level() >= VERBOSE
}

fn eprint_line(line: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}

/// An explanation for the person at the terminal.
pub fn info(msg: &str) {
    if level() >= NORMAL {
        eprint_line(msg);
    }
}

/// A write or other step that happened.
pub fn step(msg: &str) {
    if level() >= NORMAL {
        eprint_line(&format!("{} {msg}", style("✓").green()));
    }
}

/// Detail for `-v`: AWS calls, retries, full documents.
pub fn verbose(msg: &str) {
    if is_verbose() {
        eprint_line(&format!("{} {msg}", style("·").dim()));
    }
}

/// Warnings show even with `-q`.
pub fn warn(msg: &str) {
    eprint_line(&format!("{} {msg}", style("warning:").yellow().bold()));
}

pub fn error(msg: &str) {
    eprint_line(&format!("{} {msg}", style("error:").red().bold()));
}

/// A spinner on stderr while something slow runs; invisible when stderr is not a terminal.
pub fn spinner(msg: &str) -> ProgressBar {
    if level() < NORMAL || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new_spinner().with_message(msg.to_string());
    bar.set_style(ProgressStyle::with_template("{spinner:.cyan} {msg}").expect("valid template"));
    bar.enable_steady_tick(Duration::from_millis(90));
    bar
}

/// Show the cursor again if a prompt or spinner hid it (only on a terminal).
pub fn restore_cursor() {
    let term = console::Term::stderr();
    if term.is_term() {
        let _ = term.show_cursor();
    }
}

/// A line of result on stdout.
pub fn result(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

/// One JSON document on stdout.
pub fn json(value: &Value) {
    result(&serde_json::to_string_pretty(value).expect("JSON values always serialise"));
}

fn symbol(action: Action) -> console::StyledObject<&'static str> {
    match action {
        Action::Create => style("+ create   ").green(),
        Action::Update => style("~ update   ").yellow(),
        Action::Unchanged => style("= unchanged").dim(),
        Action::Delete => style("- delete   ").red(),
    }
}

pub fn changes_text(changes: &[Change]) -> String {
    let mut out = String::new();
    for c in changes {
        out.push_str(&format!("  {} {}\n", symbol(c.action), c.resource));
        for d in &c.details {
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

pub fn notes_text(notes: &[Note]) -> String {
    let mut out = String::new();
    for n in notes {
        match n {
            Note::Info(m) => out.push_str(&format!("  {} {m}\n", style("•").cyan())),
            Note::Warning(m) => {
                out.push_str(&format!("  {} {m}\n", style("warning:").yellow().bold()))
            }
        }
    }
    out
}

/// The plan for people: who, which buckets, why the KMS choices, what changes.
pub fn plan_text(plan: &Plan) -> String {
    let mut out = String::new();
    if let (Some(account), Some(arn)) = (&plan.account_id, &plan.role_arn) {
        out.push_str(&format!(
            "{} {arn} (account {account})\n",
            style("Role").bold()
        ));
    } else {
        out.push_str(&format!(
            "{} {} (offline plan: the account was not read)\n",
            style("Role").bold(),
            plan.role_name
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
pub fn highlight_json(doc: &PolicyDocument) -> String {
    let text = doc.to_pretty();
    if !console::colors_enabled_stderr() {
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

/// The documents with headings, as people review them before anything is written.
pub fn documents_text(plan: &Plan, colour: bool) -> String {
    let render = |d: &PolicyDocument| {
        if colour {
            highlight_json(d)
        } else {
            d.to_pretty()
        }
    };
    let mut out = format!(
        "{} (who may assume role {})\n{}\n",
        style("Trust policy").bold(),
        plan.role_name,
        render(&plan.trust)
    );
    for p in &plan.policies {
        out.push_str(&format!(
            "{} {} ({} of {} characters)\n{}\n",
            style("Permission policy").bold(),
            p.name,
            p.document.quota_len(),
            crate::plan::MAX_POLICY_CHARS,
            render(&p.document)
        ));
    }
    out
}

#[derive(Serialize)]
struct PolicyJson<'a> {
    name: &'a str,
    arn: Option<&'a str>,
    document: &'a PolicyDocument,
}

/// The stable JSON result of `plan` and `create` (schema in the README).
pub fn plan_json(plan: &Plan) -> Value {
    let policies: Vec<PolicyJson> = plan
        .policies
        .iter()
        .map(|p| PolicyJson {
            name: &p.name,
            arn: p.arn.as_deref(),
            document: &p.document,
        })
        .collect();
    json!({
        "role_name": plan.role_name,
        "role_arn": plan.role_arn,
        "account_id": plan.account_id,
        "trust_policy": plan.trust,
        "policies": policies,
        "buckets": plan.buckets,
        "changes": plan.changes,
        "notes": plan.notes,
    })
}

/// The JSON document for a failure, so machines always get one document.
pub fn error_json(message: &str, exit_code: u8) -> Value {
    json!({ "error": { "message": message, "exit_code": exit_code } })
}
