//! The interactive wizard: `provision-role` in a terminal without `--bucket` walks a person
//! from nothing to the role ARN.
//!
//! It produces the same validated [`Request`] the flags do (its answers fill a [`RoleArgs`],
//! which goes through `cli::resolve::request`), plus the plan for it; it writes nothing to AWS
//! and nothing to stdout. `commands::create` applies and reports as for flags.
//!
//! The questions go through [`Prompter`] (dialoguer on the terminal, scripted in tests) and the
//! reads through [`Discovery`] (the AWS connection, or a fake), so the steps are plain code that
//! tests drive with scripted answers.
//!
//! Order: 1 who and where, 2 buckets (and prefixes), 3 access, 4 trust and external ID,
//! 5 names, 6 encryption, 7 review. Names come before encryption because discovery needs
//! them: besides each bucket's encryption it reads what IAM already holds under those names.
//! Asking them first lets one discovery pass serve both the encryption step and the review;
//! declining the KMS grant re-plans from the same facts. Discovery runs again only when a
//! chosen name turns out to belong to something provision-role did not create, and the person
//! picks another.
//!
//! Flags still count: anything given (`--role-name`, `--access`, `--kms`, ...) is shown as
//! already chosen and not asked. Esc, q or Ctrl-C at a prompt cancels with exit 130 and
//! nothing written (dialoguer's text input ignores Esc; Ctrl-C works there too).

mod command;
mod discovery;
mod prompt;
mod questions;
mod review;
#[cfg(test)]
mod tests;
mod text;

use anyhow::Result;

pub use command::{equivalent_command, next_steps};
pub use discovery::{Account, Discovery, Listing, Who};
pub use prompt::{Check, Prompter, Terminal};

use crate::aws::Connection;
use crate::cli::{resolve, CreateArgs, RoleArgs};
use crate::commands::Context;
use crate::exit::Cancelled;
use crate::plan::{Plan, Request};

/// Map a dialoguer failure: Ctrl-C inside a prompt is a cancellation, anything else an error.
pub fn prompt_error(err: dialoguer::Error) -> anyhow::Error {
    let dialoguer::Error::IO(io) = &err;
    if io.kind() == std::io::ErrorKind::Interrupted {
        return cancelled();
    }
    anyhow::Error::new(err).context("could not prompt on the terminal")
}

/// The error for Esc, q, or "no": exit 130.
pub fn cancelled() -> anyhow::Error {
    Cancelled("cancelled, nothing was created".into()).into()
}

/// Run the wizard on the terminal.
pub async fn run(ctx: &Context, conn: &Connection, args: &CreateArgs) -> Result<(Request, Plan)> {
    let mut terminal = Terminal::new(ctx.printer.clone());
    let account = Account { conn, ctx };
    let profile = profile_label(ctx.connect.profile.as_deref());
    let outcome = run_with(&mut terminal, &account, args, &profile).await;
    ctx.printer.restore_cursor();
    outcome
}

/// Which credentials step 1 says are in use.
fn profile_label(flag: Option<&str>) -> String {
    let env = |key: &str| std::env::var(key).ok().filter(|v| !v.is_empty());
    if let Some(name) = flag {
        return format!("{name} (from --profile)");
    }
    if let Some(name) = env("AWS_PROFILE") {
        return format!("{name} (from AWS_PROFILE)");
    }
    if env("AWS_ACCESS_KEY_ID").is_some() {
        return "none: keys from AWS_ACCESS_KEY_ID".to_string();
    }
    "default".to_string()
}

/// The flags given alongside the wizard are checked before the first question, so a typo in
/// `--role-name` fails at once (exit 2) rather than after every question was answered.
fn check_flags(flags: &RoleArgs) -> Result<()> {
    let mut probe = flags.clone();
    probe.buckets = vec![crate::plan::BucketScope::whole("placeholder-bucket")];
    resolve::request(&probe)?;
    Ok(())
}

/// The wizard over any prompter and discovery: the steps in order, then the request and plan.
pub async fn run_with(
    p: &mut impl Prompter,
    d: &impl Discovery,
    args: &CreateArgs,
    profile: &str,
) -> Result<(Request, Plan)> {
    let flags = &args.role;
    check_flags(flags)?;
    questions::intro(p);
    questions::who_and_where(p, d, profile).await?;
    let mut answers = flags.clone();
    let buckets = questions::buckets(p, d).await?;
    answers.buckets = questions::prefixes(p, buckets)?;
    questions::access(p, flags, &mut answers)?;
    questions::trust(p, flags, &mut answers)?;
    questions::names(p, flags, &mut answers)?;
    let (req, facts, plan) = review::discover(p, d, flags, &mut answers).await?;
    let (req, plan) = review::encryption(p, flags, req, &facts, plan)?;
    review::review(p, &req, &plan, args.yes)?;
    Ok((req, plan))
}
