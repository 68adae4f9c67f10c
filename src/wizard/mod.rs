//! The interactive wizard: `provision-role` in a terminal without `--bucket` walks a person
//! from nothing to the role ARN.
//!
//! It produces the same validated [`Request`] the flags do (its answers fill a [`RoleArgs`],
//! which goes through `cli::resolve::request`), plus the plan for it; it writes nothing to AWS
//! and nothing to stdout. `commands::create` applies and reports as for flags.
//!
//! The questions go through [`Prompter`] (dialoguer and our own text prompt on the terminal,
//! scripted in tests) and the reads through [`Discovery`] (the AWS connection, or a fake), so
//! the steps are plain code that tests drive with scripted answers.
//!
//! Steps: 1 account (and the role if it exists), 2 buckets (prefixes typed as BUCKET/PREFIX),
//! 3 access, 4 trust and external ID, 5 advanced (names, description; skipped by default),
//! 6 encryption, 7 review. The review's "Change a setting…" also offers the access method:
//! the role (recommended), or an IAM user with an access key (`--identity user`), so the
//! default path pays no decision for it. It knows what exists: a role made earlier pre-fills every answer,
//! and the review shows the changes as a diff, removals in red, with "No" as the default
//! when access would be lost. It checks as it goes: a typed bucket is looked up when it is
//! entered, and bucket encryption and keys are read in the background from the moment the
//! buckets are chosen. On the happy path (first run, one bucket, one customer-managed key)
//! that is 8 decisions from launch to the ARN; the review's "Change a setting…" holds what
//! the default path does not ask.
//!
//! Flags still count: anything given (`--role-name`, `--access`, `--kms`, ...) is shown as
//! already chosen and not asked. Esc or Ctrl-C at any prompt cancels with exit 130 and nothing
//! written.

mod command;
mod discovery;
mod grants;
mod questions;
mod review;
mod summary;
#[cfg(test)]
mod tests;
mod text;

use anyhow::Result;

#[cfg(test)]
pub(crate) use command::equivalent_command;
pub(crate) use command::next_steps;
pub(crate) use discovery::{CurrentRole, Discovery, Listing, Who};
#[cfg(test)]
pub(crate) use grants::Grants;
pub(crate) use review::review_plan;
#[cfg(test)]
use summary::summary;

use crate::cli::args::IdentityArg;
use crate::cli::{resolve, CreateArgs, RoleArgs};
use crate::context::Context;
use crate::exit::Cancelled;
use crate::plan::{Plan, Request};
use crate::prompt::{Prompter, Terminal};

/// Run the wizard on the terminal, reading the account through `account`.
pub(crate) async fn run(
    ctx: &Context,
    account: &impl Discovery,
    args: &CreateArgs,
) -> Result<(Request, Plan)> {
    let mut terminal = Terminal::new(ctx.printer.clone());
    let profile = profile_label(ctx.connect.profile.as_deref());
    let outcome = run_with(&mut terminal, account, args, &profile).await;
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

/// The answers start with CORS on: Deep Lake's web visualizer needs it, and the rule is
/// added beside the buckets' other rules. "Change a setting…" turns it off.
fn with_cors(flags: &RoleArgs) -> RoleArgs {
    let mut answers = flags.clone();
    answers.cors.cors = true;
    answers
}

/// Whether the buckets' customer-managed keys are granted, and which other keys are.
#[derive(Debug, Clone, PartialEq, Eq)]
struct KmsAnswer {
    grant: bool,
    /// Key ARNs the role already had besides its buckets' keys (an earlier `--kms KEY`).
    extra: Vec<String>,
}

/// The wizard's state: the answers so far (in the form the flags take) and what it found.
struct Wizard<'a, P: Prompter, D: Discovery> {
    p: &'a mut P,
    d: &'a D,
    flags: &'a RoleArgs,
    yes: bool,
    answers: RoleArgs,
    /// The role under the asked name as it stood when the wizard started, if it exists.
    current: Option<CurrentRole>,
    listing: Listing,
    kms: KmsAnswer,
}

/// The wizard over any prompter and discovery: the steps in order, then the request and plan.
pub(crate) async fn run_with(
    p: &mut impl Prompter,
    d: &impl Discovery,
    args: &CreateArgs,
    profile: &str,
) -> Result<(Request, Plan)> {
    check_flags(&args.role)?;
    let mut wizard = Wizard {
        p,
        d,
        flags: &args.role,
        yes: args.yes,
        answers: with_cors(&args.role),
        current: None,
        listing: Listing::Names(Vec::new()),
        kms: KmsAnswer {
            grant: true,
            extra: Vec::new(),
        },
    };
    let outcome = wizard.run(profile).await;
    outcome.map_err(|err| match err.downcast_ref::<Cancelled>() {
        Some(_) => Cancelled(wizard.cancelled_message().into()).into(),
        None => err,
    })
}

impl<P: Prompter, D: Discovery> Wizard<'_, P, D> {
    async fn run(&mut self, profile: &str) -> Result<(Request, Plan)> {
        questions::intro(self.p);
        self.account(profile).await?;
        self.buckets()?;
        // Encryption and keys are read while the next questions are asked.
        let early = self.request()?;
        let early = review::reading(&early, self.current.as_ref());
        let d = self.d;
        let ((), facts) = d.facts_meanwhile(&early, || {
            self.access()?;
            self.trust()?;
            self.advanced()
        })?;
        self.finish(early, facts?).await
    }

    /// Whether the answers ask for access keys (an IAM user) rather than the role.
    fn wants_keys(&self) -> bool {
        self.answers.identity.identity == Some(IdentityArg::User)
    }

    /// The request the answers stand for. With access keys, the role's own answers (trust,
    /// external ID, role name, description, session length) are set aside: an IAM user has
    /// none of them. They come back if the role is chosen again.
    fn request(&self) -> Result<Request> {
        match self.wants_keys() {
            true => Ok(resolve::user_request(&self.answers)?),
            false => Ok(resolve::request(&self.answers)?),
        }
    }

    /// "nothing was created" on a first run, "nothing was changed" when the role exists.
    fn cancelled_message(&self) -> &'static str {
        if self.current.is_some() {
            "cancelled, nothing was changed"
        } else {
            "cancelled, nothing was created"
        }
    }
}
