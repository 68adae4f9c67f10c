//! The command line that repeats a wizard run without questions, and what to do next.

use console::style;

use crate::aws::ConnectOptions;
use crate::plan::request::{
    default_policy_name, default_user_policy_name, DEFAULT_DESCRIPTION, DEFAULT_ROLE_NAME,
    DEFAULT_USER_NAME,
};
use crate::plan::{Access, HolderSpec, KmsChoice, Request, Trust};
use crate::shell::{cors_flags, flag, guardrail_flags};

/// Lines longer than this are broken with `\` continuations when shown.
const WIDTH: usize = 76;

/// The trust flags: none for Activeloop production, `--trust-dev`, or `--principal` each.
fn trust_flags(trust: &Trust) -> Vec<String> {
    match trust {
        Trust::Production => Vec::new(),
        Trust::WithDev => vec!["--trust-dev".to_string()],
        Trust::Custom(principals) => principals.iter().map(|p| flag("--principal", p)).collect(),
    }
}

fn kms_flags(kms: &KmsChoice) -> Vec<String> {
    match kms {
        KmsChoice::Off => vec!["--kms off".to_string()],
        KmsChoice::Auto { also } if also.is_empty() => Vec::new(),
        KmsChoice::Auto { also } => std::iter::once("--kms auto".to_string())
            .chain(also.iter().map(|k| flag("--kms", k.as_str())))
            .collect(),
        KmsChoice::Only(keys) => keys.iter().map(|k| flag("--kms", k.as_str())).collect(),
    }
}

/// Where the run connected: `--profile`, `--region`, `--endpoint-url` as given.
fn connect_flags(connect: &ConnectOptions) -> Vec<String> {
    let given = [
        ("--profile", &connect.profile),
        ("--region", &connect.region),
        ("--endpoint-url", &connect.endpoint_url),
    ];
    given
        .iter()
        .filter_map(|(name, value)| value.as_deref().map(|v| flag(name, v)))
        .collect()
}

/// Each flag with its value, as `create` takes them; only what differs from the defaults.
fn command_flags(req: &Request, connect: &ConnectOptions) -> Vec<String> {
    let mut flags: Vec<String> = req
        .buckets
        .iter()
        .map(|b| flag("--bucket", &b.to_string()))
        .collect();
    let default_policy = match &req.holder {
        HolderSpec::Role(role) => default_policy_name(&role.name),
        HolderSpec::User(user) => {
            flags.push("--identity user".to_string());
            if user.name != DEFAULT_USER_NAME {
                flags.push(flag("--user-name", &user.name));
            }
            default_user_policy_name(&user.name)
        }
    };
    let role = req.role();
    if let Some(role) = role.filter(|r| r.name != DEFAULT_ROLE_NAME) {
        flags.push(flag("--role-name", &role.name));
    }
    if req.policy_name != default_policy {
        flags.push(flag("--policy-name", &req.policy_name));
    }
    if let Some(role) = role.filter(|r| r.description != DEFAULT_DESCRIPTION) {
        flags.push(flag("--description", &role.description));
    }
    if req.access == Access::ReadOnly {
        flags.push("--access read-only".to_string());
    }
    if let Some(role) = role {
        flags.extend(trust_flags(&role.trust));
        if let Some(id) = &role.external_id {
            flags.push(flag("--external-id", id));
        }
    }
    flags.extend(kms_flags(&req.kms));
    flags.extend(cors_flags(req.cors.as_deref()));
    flags.extend(guardrail_flags(&req.guardrails));
    if req.adopt {
        flags.push("--adopt".to_string());
    }
    flags.extend(connect_flags(connect));
    flags.push("--yes".to_string());
    flags
}

/// The non-interactive command that asks for the same role, for scripts and CI: every flag
/// that shaped the run, shell-quoted.
pub(crate) fn equivalent_command(req: &Request, connect: &ConnectOptions) -> String {
    let mut line = "provision-role create".to_string();
    for f in command_flags(req, connect) {
        line.push(' ');
        line.push_str(&f);
    }
    line
}

/// The command for people to copy: one line if it fits, else one flag per line.
fn shown_command(req: &Request, connect: &ConnectOptions) -> String {
    let line = equivalent_command(req, connect);
    if line.len() + 2 <= WIDTH {
        return format!("  {line}");
    }
    let mut out = "  provision-role create".to_string();
    for f in command_flags(req, connect) {
        out.push_str(" \\\n      ");
        out.push_str(&f);
    }
    out
}

/// What the wizard adds after the role ARN: the same run without questions, and (when
/// Activeloop is trusted) the CORS step the Activeloop UI needs to show the data.
pub(crate) fn next_steps(req: &Request, connect: &ConnectOptions) -> String {
    let mut out = format!(
        "\n{}\n{}",
        style("To do the same without questions (scripts, CI):").bold(),
        shown_command(req, connect),
    );
    let trusts_activeloop = req.role().is_some_and(|r| r.trust.trusts_activeloop());
    if trusts_activeloop && req.cors.is_none() {
        out.push_str(&format!(
            "\n\n{} the buckets have no CORS rule for Activeloop, so its web visualizer cannot\n\
             show their data; run again with --cors to add one (other rules are kept).",
            style("Next:").bold()
        ));
    }
    out
}
