//! Steps 1 to 5: the account (and the role if it exists), then the answers. Each step says why
//! it matters, skips what a flag already answered (showing it as chosen), starts from what the
//! role grants now when it exists, and writes its answers into the `RoleArgs` the flags would
//! have filled, so the wizard ends where the flags start.

use std::io;

use anyhow::{Context, Result};
use console::style;

use super::discovery::{CurrentRole, Discovery, Listing};
use super::summary::grants_text;
use super::text::{given, heading, say, warn};
use super::Wizard;
use crate::cli::args::AccessArg;
use crate::cli::{resolve, values};
use crate::plan::request::{default_policy_name, DEFAULT_DESCRIPTION, DEFAULT_ROLE_NAME};
use crate::plan::{Access, BucketScope, Identity, PlanError, Trust};
use crate::prompt::cancelled;
use crate::prompt::Line;
use crate::prompt::Prompter;

/// Above this many buckets, the list is narrowed by a filter first.
const MANY_BUCKETS: usize = 15;
const TYPE_ENTRY: &str = "Type a name, or BUCKET/PREFIX for one folder…";

const NO_CREDENTIALS: &str = "could not confirm who you are in AWS. If your credentials are \
     missing or expired, sign in with `aws sso login` (SSO) or `aws configure` (access keys), \
     or choose another profile with --profile NAME";

pub(super) fn intro(p: &mut impl Prompter) {
    say(
        p,
        &style("This sets up the IAM role Activeloop Deep Lake uses to reach your S3 buckets.")
            .bold()
            .to_string(),
    );
    say(
        p,
        "Nothing is written until you confirm at the end; Esc or Ctrl-C cancels.",
    );
}

/// The list: the listed buckets and what the role reaches now (folders, other accounts'
/// buckets), sorted, then the entry that types a name; and which start ticked.
fn bucket_items(
    shown: &[String],
    now: &[BucketScope],
) -> (Vec<BucketScope>, Vec<String>, Vec<bool>) {
    let mut scopes: Vec<BucketScope> = shown.iter().map(|n| BucketScope::whole(n)).collect();
    let more: Vec<BucketScope> = now
        .iter()
        .filter(|s| !scopes.contains(s))
        .cloned()
        .collect();
    scopes.extend(more);
    scopes.sort();
    let ticked = scopes
        .iter()
        .map(|s| now.contains(s))
        .chain([false])
        .collect();
    let mut items: Vec<String> = scopes.iter().map(ToString::to_string).collect();
    items.push(TYPE_ENTRY.to_string());
    (scopes, items, ticked)
}

/// Whether a typed bucket can be used: a listed one can; any other is looked up in AWS. The
/// outer `Err` is Ctrl-C while it was looked up.
fn bucket_exists(
    d: &impl Discovery,
    listed: &[String],
    text: &str,
) -> io::Result<Result<(), String>> {
    let scope = values::bucket_scope(text).map_err(io::Error::other)?;
    if listed.contains(&scope.bucket) {
        return Ok(Ok(()));
    }
    match d.check_bucket(&scope.bucket) {
        Ok(found) => Ok(found.map(drop)),
        Err(_) => Err(io::ErrorKind::Interrupted.into()),
    }
}

impl<P: Prompter, D: Discovery> Wizard<'_, P, D> {
    fn role_name(&self) -> String {
        self.answers
            .role_name
            .clone()
            .unwrap_or(DEFAULT_ROLE_NAME.to_string())
    }

    /// Step 1: the account the role will live in, and the role if it is already there.
    pub(super) async fn account(&mut self, profile: &str) -> Result<()> {
        heading(
            self.p,
            1,
            "Account",
            "The role is made in the account you are signed in to, which should own the buckets.",
        );
        let name = self.role_name();
        let busy = self.d.busy("Reading your account…");
        let keys = self.wants_keys();
        let role = async {
            match keys {
                true => Ok(None),
                false => self.d.role(&name).await,
            }
        };
        let (who, listing, role) = futures::join!(self.d.identity(), self.d.bucket_names(), role);
        busy.finish_and_clear();
        let who = who.context(NO_CREDENTIALS)?;
        self.p.note(&format!(
            "  Account  {}\n  Caller   {}\n  Profile  {profile}\n  Region   {}",
            style(&who.account).green(),
            who.arn,
            self.d.region()
        ));
        self.listing = listing;
        if let Identity::User(user) = resolve::identity(&self.answers.identity)? {
            given(
                self.p,
                "Access method",
                &format!("access keys for IAM user {user}"),
                "--identity user",
            );
        }
        self.found(role?)?;
        if !self.p.confirm("Continue with this account?", true)? {
            say(
                self.p,
                "To use another account, run again with --profile NAME.",
            );
            return Err(cancelled());
        }
        self.foreign_role().await
    }

    /// Say what exists under the role name; a role provision-role made pre-fills the answers.
    fn found(&mut self, role: Option<CurrentRole>) -> Result<()> {
        let name = self.role_name();
        if self.wants_keys() {
            return Ok(());
        }
        let Some(role) = role else {
            say(
                self.p,
                &format!("Role {name} does not exist yet: this run creates it."),
            );
            return Ok(());
        };
        if !role.owned && !self.flags.adopt {
            if self.flags.role_name.is_some() {
                return Err(PlanError::NotOwned { kind: "role", name }.into());
            }
            self.current = Some(role);
            return Ok(());
        }
        let made = match role.owned {
            true => " (made by provision-role)",
            false => " (taken over with --adopt)",
        };
        say(
            self.p,
            &format!(
                "Role {name} exists{made}. Your answers start from what it grants; the review \
                 shows what changes before anything is written."
            ),
        );
        let width = self.p.width();
        self.p.note(&grants_text(&role.grants, width));
        if role.others > 0 {
            say(
                self.p,
                &format!(
                    "It also has {} policies provision-role did not make; this run leaves them.",
                    role.others
                ),
            );
        }
        self.prefill(&role);
        self.current = Some(role);
        Ok(())
    }

    /// Start every answer the flags leave open from what the role grants now.
    fn prefill(&mut self, role: &CurrentRole) {
        let default_policy = default_policy_name(&self.role_name());
        let (g, flags, a) = (&role.grants, self.flags, &mut self.answers);
        a.buckets.clone_from(&g.scopes);
        if flags.access.is_none() {
            a.access = g.access.map(|level| match level {
                Access::ReadWrite => AccessArg::ReadWrite,
                Access::ReadOnly => AccessArg::ReadOnly,
            });
        }
        if !flags.trust_dev && flags.principals.is_empty() {
            match g.trust() {
                Trust::Production => {}
                Trust::WithDev => a.trust_dev = true,
                Trust::Custom(p) if p.is_empty() => {}
                Trust::Custom(p) => a.principals = p,
            }
        }
        if flags.external_id.is_none() {
            a.external_id.clone_from(&g.external_id);
        }
        if flags.policy_name.is_none() {
            a.policy_name = role.policy_name.clone().filter(|n| *n != default_policy);
        }
    }

    /// A role of that name that provision-role did not make is left alone: another name.
    async fn foreign_role(&mut self) -> Result<()> {
        let adopt = self.flags.adopt;
        while self.current.as_ref().is_some_and(|r| !r.owned && !adopt) {
            let name = self.role_name();
            warn(
                self.p,
                &format!(
                    "role {name} exists and was not created by provision-role, so this run \
                     leaves it alone. Choose another name (or run again with --adopt to take it \
                     over)."
                ),
            );
            let check = |text: &str| {
                values::role_name(text)?;
                match text == name {
                    true => Err(format!("{name} is taken; choose another name")),
                    false => Ok(()),
                }
            };
            let next = self.p.input(&Line::new("Role name", &check))?;
            self.answers.role_name = Some(next.clone());
            let found = self.d.role(&next).await?;
            self.current = None;
            self.found(found)?;
        }
        Ok(())
    }

    /// Step 2: which buckets (and folders in them), picked from the account's list or typed.
    pub(super) fn buckets(&mut self) -> Result<()> {
        heading(
            self.p,
            2,
            "Buckets",
            "Deep Lake keeps your datasets in these buckets; the role gets access to no others.",
        );
        let chosen = match self.listing.clone() {
            Listing::Names(names) if !names.is_empty() => self.pick_buckets(names)?,
            Listing::Names(_) => {
                say(
                    self.p,
                    "No buckets are listed in this account; type the names of the buckets to use.",
                );
                self.type_buckets(Vec::new())?
            }
            Listing::Denied => {
                say(
                    self.p,
                    "You may not list buckets (s3:ListAllMyBuckets), so type their names.",
                );
                self.type_buckets(Vec::new())?
            }
            Listing::Failed(why) => {
                warn(self.p, &format!("could not list buckets: {why}"));
                say(self.p, "Type the names of the buckets to use.");
                self.type_buckets(Vec::new())?
            }
        };
        self.answers.buckets = chosen;
        Ok(())
    }

    fn pick_buckets(&mut self, names: Vec<String>) -> Result<Vec<BucketScope>> {
        let now = self.answers.buckets.clone();
        let shown = self.narrow(names, &now)?;
        let (scopes, items, ticked) = bucket_items(&shown, &now);
        self.bucket_hint(items.len(), !now.is_empty());
        // Asked again, with the rule in the prompt (gone once answered), until one is ticked.
        let mut prompt = "Buckets";
        loop {
            let picked = self.p.multi_select(prompt, &items, &ticked)?;
            let chosen: Vec<BucketScope> = picked
                .iter()
                .filter_map(|&i| scopes.get(i).cloned())
                .collect();
            if !chosen.is_empty() {
                let names: Vec<String> = chosen.iter().map(ToString::to_string).collect();
                self.p.answered("Buckets", &names.join(", "));
            }
            if picked.contains(&scopes.len()) {
                return self.type_buckets(chosen);
            }
            if !chosen.is_empty() {
                return Ok(chosen);
            }
            prompt = "Buckets (none chosen: tick at least one with Space)";
        }
    }

    /// How to use the list.
    fn bucket_hint(&mut self, items: usize, ticked: bool) {
        let pages = match items > self.p.list_rows() {
            true => ", ←/→ turn pages",
            false => "",
        };
        let ticks = match ticked {
            true => " Ticked: what the role reaches now; untick to remove.",
            false => "",
        };
        say(
            self.p,
            &format!(
                "Space ticks, Enter confirms{pages}.{ticks} The last entry types a name: a \
                 bucket not listed, or BUCKET/PREFIX for one folder."
            ),
        );
    }

    /// A long list is narrowed to the names containing what the person types; buckets the
    /// role grants now always stay in the list.
    fn narrow(&mut self, names: Vec<String>, now: &[BucketScope]) -> Result<Vec<String>> {
        if names.len() <= MANY_BUCKETS {
            return Ok(names);
        }
        say(
            self.p,
            &format!(
                "There are {} buckets: type part of a name to shorten the list.",
                names.len()
            ),
        );
        let check = |text: &str| {
            if names.iter().any(|n| n.contains(text)) {
                Ok(())
            } else {
                Err(format!("no bucket name contains {text:?}"))
            }
        };
        let prompt = "Show buckets whose name contains (empty: all)";
        let part = self.p.input(&Line::new(prompt, &check).blank("all"))?;
        let keep = |n: &String| n.contains(&part) || now.iter().any(|s| s.bucket == *n);
        Ok(names.into_iter().filter(keep).collect())
    }

    /// Names typed one at a time (a folder, another account's bucket, or when listing is not
    /// allowed), each looked up in AWS as it is entered and asked again if it cannot be used.
    fn type_buckets(&mut self, mut chosen: Vec<BucketScope>) -> Result<Vec<BucketScope>> {
        let listed = match &self.listing {
            Listing::Names(names) => names.clone(),
            _ => Vec::new(),
        };
        say(
            self.p,
            "Type a bucket name, or BUCKET/PREFIX to limit access to one folder (for example \
             my-data/datasets); an empty answer ends the list.",
        );
        let d = self.d;
        let exists = |text: &str| bucket_exists(d, &listed, text);
        loop {
            let need_one = chosen.is_empty();
            let check = |text: &str| match (text.is_empty(), need_one) {
                (true, true) => Err("enter a bucket name".to_string()),
                (true, false) => Ok(()),
                (false, _) => values::bucket_scope(text).map(drop),
            };
            let prompt = match need_one {
                true => "Bucket name or BUCKET/PREFIX",
                false => "Another bucket or BUCKET/PREFIX (empty: done)",
            };
            let question = Line::new(prompt, &check)
                .slow("checking the bucket in AWS", &exists)
                .blank("done");
            let text = self.p.input(&question)?;
            if text.is_empty() {
                return Ok(chosen);
            }
            let scope = values::bucket_scope(&text).map_err(|e| anyhow::anyhow!(e))?;
            if !chosen.contains(&scope) {
                chosen.push(scope);
            }
        }
    }

    /// Step 3: read-write or read-only.
    pub(super) fn access(&mut self) -> Result<()> {
        heading(
            self.p,
            3,
            "Access",
            "Read-write lets Deep Lake create and update datasets; read-only is enough to load \
             them.",
        );
        if let Some(access) = self.flags.access {
            let level = resolve::access(Some(access));
            given(self.p, "Access", level.as_str(), "--access");
            return Ok(());
        }
        let items = [
            "read-write: list, read, write and delete objects",
            "read-only: list and read objects",
        ]
        .map(String::from);
        let now = usize::from(self.answers.access == Some(AccessArg::ReadOnly));
        let choice = self.p.select("Access", &items, now)?;
        self.answers.access = Some([AccessArg::ReadWrite, AccessArg::ReadOnly][choice.min(1)]);
        Ok(())
    }

    /// Step 4: who may assume the role, and the external ID.
    pub(super) fn trust(&mut self) -> Result<()> {
        heading(
            self.p,
            4,
            "Trust",
            "Only the principals trusted here can assume the role. Deep Lake reaches your data \
             through Activeloop's backend; its development backends are for Activeloop's own \
             development, and other principals replace Activeloop's (Deep Lake then cannot \
             use the role).",
        );
        let flags = self.flags;
        if self.wants_keys() {
            say(
                self.p,
                "Nothing to choose with access keys (--identity user): an IAM user is not \
                 assumed, so it trusts no one.",
            );
            return Ok(());
        }
        if flags.trust_dev {
            let value = "Activeloop and its development backends";
            given(self.p, "Trusted", value, "--trust-dev");
        } else if !flags.principals.is_empty() {
            let value = format!("{} (instead of Activeloop)", flags.principals.join(", "));
            given(self.p, "Trusted", &value, "--principal");
        } else {
            self.ask_trust()?;
        }
        self.external_id()
    }

    fn ask_trust(&mut self) -> Result<()> {
        let items = [
            "Activeloop (recommended)",
            "Activeloop and its development backends (Activeloop's own use)",
            "Other principals, instead of Activeloop…",
        ]
        .map(String::from);
        let a = &self.answers;
        let now = match (a.trust_dev, a.principals.is_empty()) {
            (true, _) => 1,
            (false, false) => 2,
            (false, true) => 0,
        };
        let choice = self.p.select("Trust", &items, now)?;
        let initial = match choice == now {
            true => self.answers.principals.join(", "),
            false => String::new(),
        };
        self.answers.trust_dev = choice == 1;
        self.answers.principals = match choice {
            2 => self.ask_principals(&initial)?,
            _ => Vec::new(),
        };
        Ok(())
    }

    /// Principal ARNs, separated by commas or spaces.
    fn ask_principals(&mut self, initial: &str) -> Result<Vec<String>> {
        let split = |text: &str| -> Vec<String> {
            text.split([',', ' '])
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect()
        };
        let check = |text: &str| {
            let arns = split(text);
            if arns.is_empty() {
                return Err("enter at least one principal ARN".to_string());
            }
            arns.iter()
                .try_for_each(|a| values::principal_arn(a).map(drop))
        };
        let prompt = "Principal ARNs (comma-separated)";
        let text = self.p.input(&Line::new(prompt, &check).initial(initial))?;
        Ok(split(&text))
    }

    fn external_id(&mut self) -> Result<()> {
        if let Some(id) = &self.flags.external_id {
            given(self.p, "External ID", id, "--external-id");
            return Ok(());
        }
        let who = match self.answers.principals.is_empty() {
            true => {
                "If the Activeloop UI shows an external ID, paste it here: the role then works \
                     only when Activeloop presents it"
            }
            false => {
                "If the principals' owner gave you an external ID, enter it: the role then \
                      works only when it is presented"
            }
        };
        say(
            self.p,
            &format!("{who}, which guards against the confused-deputy problem."),
        );
        let check = |text: &str| {
            if text.is_empty() {
                return Ok(());
            }
            values::external_id(text).map(drop)
        };
        let initial = self.answers.external_id.clone().unwrap_or_default();
        let question = Line::new("External ID (empty: none)", &check)
            .initial(&initial)
            .blank("none");
        let id = self.p.input(&question)?;
        self.answers.external_id = (!id.is_empty()).then_some(id);
        Ok(())
    }

    /// Step 5: the names and description, for those who need them; skipped by default.
    pub(super) fn advanced(&mut self) -> Result<()> {
        heading(
            self.p,
            5,
            "Advanced",
            "The names and the description. The defaults suit one Deep Lake role per account.",
        );
        let f = self.flags;
        if self.wants_keys() {
            let req = self.request()?;
            self.p.note(&format!(
                "  User    {}\n  Policy  {}",
                req.user_name().unwrap_or_default(),
                req.policy_name
            ));
            say(self.p, "--user-name and --policy-name change them.");
            return Ok(());
        }
        if f.role_name.is_some() && f.policy_name.is_some() && f.description.is_some() {
            return self.ask_names();
        }
        let role = self.role_name();
        let policy = self
            .answers
            .policy_name
            .clone()
            .unwrap_or(default_policy_name(&role));
        self.p
            .note(&format!("  Role    {role}\n  Policy  {policy}"));
        if self
            .p
            .confirm("Change the names or the description?", false)?
        {
            self.ask_names()?;
        }
        Ok(())
    }

    /// The names and description not given as flags. Also asked when a name is taken.
    pub(super) fn ask_names(&mut self) -> Result<()> {
        let f = self.flags;
        if let Some(name) = &f.role_name {
            given(self.p, "Role name", name, "--role-name");
        } else {
            let check = |text: &str| values::role_name(text).map(drop);
            let now = self.role_name();
            let name = self
                .p
                .input(&Line::new("Role name", &check).default(&now))?;
            self.answers.role_name = Some(name);
        }
        let role = self.role_name();
        if let Some(name) = &f.policy_name {
            given(self.p, "Policy name", name, "--policy-name");
        } else {
            let check = |text: &str| values::policy_name(text).map(drop);
            let default = default_policy_name(&role);
            let policy = self
                .p
                .input(&Line::new("Policy name", &check).default(&default))?;
            self.answers.policy_name = Some(policy).filter(|p| *p != default);
        }
        if let Some(text) = &f.description {
            given(self.p, "Description", text, "--description");
        } else {
            let check = |text: &str| values::description(text).map(drop);
            let now = self
                .answers
                .description
                .clone()
                .unwrap_or(DEFAULT_DESCRIPTION.to_string());
            let question = Line::new("Description", &check).initial(&now);
            let text = self.p.input(&question)?;
            self.answers.description =
                Some(text).filter(|t| !t.is_empty() && t != DEFAULT_DESCRIPTION);
        }
        Ok(())
    }
}
