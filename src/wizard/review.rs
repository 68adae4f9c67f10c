//! Steps 6 and 7: the encryption the background read found and the KMS grant, then the short
//! review and its one question ("Create the role" / "Show the exact documents" / "Change a
//! setting…" / "Cancel"). Also the same review for `create` with flags in a terminal.

use anyhow::Result;
use console::style;

use super::discovery::{CurrentRole, Discovery};
use super::grants::Grants;
use super::summary::{plan_line, summary};
use super::text::{given, heading, say, warn};
use super::{KmsAnswer, Wizard};
use crate::cli::args::IdentityArg;
use crate::cli::values::KmsValue;
use crate::cli::CorsArgs;
use crate::exit::Cancelled;
use crate::plan::cors::DEFAULT_ORIGIN;
use crate::plan::request::normalize_scopes;
use crate::plan::{
    self, BucketScope, Facts, KeyManager, KmsChoice, Level, Plan, PlanError, Request,
};
use crate::policy::access;
use crate::prompt::cancelled;
use crate::prompt::{Prompter, Terminal};
use crate::render::plan as render;
use crate::render::Printer;

/// Whether facts read for `read` serve `req` too: the same role or user and names, and no
/// bucket not read.
fn serves(read: &Request, req: &Request) -> bool {
    let has = |b: &BucketScope| read.buckets.iter().any(|r| r.bucket == b.bucket);
    (read.holder.id(), &read.policy_name) == (req.holder.id(), &req.policy_name)
        && req.buckets.iter().all(has)
}

/// The request discovery reads for. Read-write, whatever was answered: its documents are the
/// largest, so every extra policy name (`NAME-2`…) a smaller answer could need is looked up.
/// With the buckets the role has now, whose keys tell its other KMS grants apart.
pub(super) fn reading(req: &Request, current: Option<&CurrentRole>) -> Request {
    let mut buckets = req.buckets.clone();
    buckets.extend(current.iter().flat_map(|r| r.grants.scopes.iter().cloned()));
    Request {
        access: crate::plan::Access::ReadWrite,
        buckets: normalize_scopes(buckets).0,
        // Read CORS whatever was answered, so turning it on needs no second read.
        cors: req
            .cors
            .clone()
            .or_else(|| Some(vec![DEFAULT_ORIGIN.to_string()])),
        ..req.clone()
    }
}

/// Whether any bucket read holds Deep Lake's CORS rule for `req`'s role (or user).
fn has_our_rule(facts: &Facts, req: &Request) -> bool {
    let id = crate::plan::cors::rule_id(&req.holder.id());
    let rules = facts.buckets.values().flat_map(|b| b.cors.iter().flatten());
    rules.into_iter().any(|r| r.has_id(&id))
}

/// The key ARNs the default encryption of these buckets names.
fn default_keys<'a>(facts: &Facts, buckets: impl Iterator<Item = &'a str>) -> Vec<String> {
    buckets
        .filter_map(|b| facts.buckets.get(b)?.encryption.key())
        .map(|key| {
            facts
                .keys
                .get(key)
                .map_or(key.to_string(), |k| k.arn.clone())
        })
        .collect()
}

/// Customer-managed keys the plan grants for the buckets' default encryption.
fn bucket_keys(plan: &Plan) -> Vec<String> {
    let mut keys: Vec<String> = plan
        .buckets
        .iter()
        .filter(|b| b.kms_key_manager != Some(KeyManager::Aws))
        .filter_map(|b| b.kms_key_arn.clone())
        .collect();
    keys.sort();
    keys.dedup();
    keys
}

/// The `--kms` values the answer stands for.
fn kms_values(kms: &KmsAnswer) -> Vec<KmsValue> {
    let extra = kms
        .extra
        .iter()
        .filter_map(|k| crate::cli::values::kms_key(k).ok());
    let extra: Vec<KmsValue> = extra.map(KmsValue::Key).collect();
    match (kms.grant, extra.is_empty()) {
        (true, true) => Vec::new(),
        (true, false) => std::iter::once(KmsValue::Auto).chain(extra).collect(),
        (false, true) => vec![KmsValue::Off],
        (false, false) => extra,
    }
}

/// The grants of the role as it stands, from what discovery read: its trust and the policies
/// provision-role made for it (the ones a run rewrites).
fn before(facts: &Facts) -> Option<Grants> {
    let role = facts.existing.role.as_ref()?;
    let documents: Vec<_> = facts
        .existing
        .policies
        .values()
        .filter(|p| p.owned && role.attached.contains(&p.arn))
        .map(|p| p.document.clone())
        .collect();
    Some(Grants::read(Some(&role.trust), &documents))
}

/// Keys the role has besides any bucket's default key (an earlier `--kms KEY`): they stay.
fn extra_keys(now: &Grants, keys: &[String], req: &Request, facts: &Facts) -> Vec<String> {
    let buckets = now
        .scopes
        .iter()
        .chain(&req.buckets)
        .map(|s| s.bucket.as_str());
    let defaults = default_keys(facts, buckets);
    let other = |k: &&String| !keys.contains(k) && !defaults.contains(k);
    now.kms_keys.iter().filter(other).cloned().collect()
}

/// Whether the role already reached every bucket with a key and was given none of the keys:
/// someone said no before, so no stays the default.
fn declined(now: &Grants, keys: &[String], plan: &Plan) -> bool {
    let had = |name: &str| now.scopes.iter().any(|s| s.bucket == name);
    let mut keyed = plan.buckets.iter().filter(|b| b.kms_key_arn.is_some());
    keys.iter().all(|k| !now.kms_keys.contains(k)) && keyed.all(|b| had(&b.name))
}

/// What the review's question leads to.
enum Next {
    Apply,
    Change,
}

/// Up to this many notes on encryption are all shown.
const FEW_NOTES: usize = 4;

const SETTINGS: [&str; 8] = [
    "Buckets",
    "Access",
    "Trust and external ID",
    "Names and description",
    "KMS key grant",
    "CORS for the web visualizer",
    "Access method: role (recommended) or access keys",
    "Back to the review",
];

impl<P: Prompter, D: Discovery> Wizard<'_, P, D> {
    /// Steps 6 and 7, with the facts read for `early`. Discovery reads again only if the
    /// buckets or names changed since (see [`reading`] for access), and a name taken by
    /// something provision-role did not create is asked again.
    pub(super) async fn finish(&mut self, early: Request, facts: Facts) -> Result<(Request, Plan)> {
        let (mut facts, mut read) = (facts, early);
        let mut kms_asked = false;
        if self.current.is_some() && self.flags.cors == CorsArgs::default() {
            // A re-run keeps CORS as the buckets have it: on if they have our rule.
            self.answers.cors.cors = has_our_rule(&facts, &read);
        }
        loop {
            let req = self.request()?;
            if !serves(&read, &req) {
                read = reading(&req, self.current.as_ref());
                facts = self.d.facts(&read).await?;
            }
            let plan = match plan::build(&req, &facts) {
                Err(PlanError::NotOwned { kind, name }) if self.renamable(kind) => {
                    warn(
                        self.p,
                        &format!(
                            "{kind} {name} already exists and was not created by \
                             provision-role; choose another name (or run again with --adopt \
                             to take it over)"
                        ),
                    );
                    self.ask_names()?;
                    continue;
                }
                built => built?,
            };
            if !kms_asked {
                kms_asked = true;
                self.encryption(&req, &facts)?;
                continue;
            }
            match self.review(&plan, &facts)? {
                Next::Apply => return Ok((req, plan)),
                Next::Change => self.change()?,
            }
        }
    }

    /// Whether a name that is taken was asked (so can be asked again), not given as a flag.
    fn renamable(&self, kind: &str) -> bool {
        match kind {
            "role" => self.flags.role_name.is_none(),
            _ => self.flags.policy_name.is_none(),
        }
    }

    /// Step 6: which buckets need a KMS grant, and whether to give it.
    fn encryption(&mut self, req: &Request, facts: &Facts) -> Result<()> {
        heading(
            self.p,
            6,
            "Encryption",
            "Objects encrypted with a customer-managed KMS key can only be read by a role that \
             may use the key.",
        );
        if !self.flags.kms.is_empty() {
            let plan = plan::build(req, facts)?;
            self.kms_notes(&plan);
            let kms: Vec<String> = self.flags.kms.iter().map(ToString::to_string).collect();
            given(self.p, "KMS grants", &kms.join(", "), "--kms");
            return Ok(());
        }
        let probe = Request {
            kms: KmsChoice::auto(),
            ..req.clone()
        };
        let plan = plan::build(&probe, facts)?;
        self.kms_notes(&plan);
        let keys = bucket_keys(&plan);
        let now = self.current.as_ref().map(|r| &r.grants);
        let extra = now.map_or(Vec::new(), |g| extra_keys(g, &keys, req, facts));
        self.kms = KmsAnswer { grant: true, extra };
        if !keys.is_empty() {
            let declined = now.is_some_and(|g| declined(g, &keys, &plan));
            self.ask_kms(keys.len(), !declined)?;
        }
        self.answers.kms = kms_values(&self.kms);
        Ok(())
    }

    fn ask_kms(&mut self, keys: usize, default: bool) -> Result<()> {
        let question = match keys {
            1 => "Let the role use this KMS key?".to_string(),
            n => format!("Let the role use these {n} KMS keys?"),
        };
        self.kms.grant = self.p.confirm(&question, default)?;
        self.answers.kms = kms_values(&self.kms);
        Ok(())
    }

    /// What each bucket's encryption means for the role; with many buckets, only those with
    /// a customer-managed key (the rest counted, and all with `-v`).
    fn kms_notes(&mut self, plan: &Plan) {
        let all = self.p.verbose() || plan.notes.len() <= FEW_NOTES;
        let keyed =
            |n: &&plan::Note| n.level == Level::Warn || n.message.contains("customer-managed");
        // Bucket policies, the boundary and Requester Pays are for the review, not this step.
        let about_keys = |n: &&plan::Note| {
            n.access
                .as_ref()
                .is_none_or(|(layer, _)| *layer == access::Layer::KeyPolicy)
        };
        let shown: Vec<_> = plan
            .notes
            .iter()
            .filter(about_keys)
            .filter(|n| all || keyed(n))
            .map(|n| match &n.access {
                Some((_, headline)) => plan::Note {
                    message: headline.clone(),
                    ..n.clone()
                },
                None => n.clone(),
            })
            .collect();
        super::text::notes(self.p, &shown);
        let rest = plan.notes.iter().filter(|n| n.access.is_none()).count()
            - shown.iter().filter(|n| n.access.is_none()).count();
        if rest > 0 {
            say(
                self.p,
                &format!(
                    "{rest} {}bucket(s) need no KMS grant: SSE-S3, an AWS-managed key, or no \
                     default encryption (-v lists them).",
                    if shown.is_empty() { "" } else { "other " }
                ),
            );
        }
    }

    /// Step 7: the summary, then the question. Nothing to change asks nothing.
    fn review(&mut self, plan: &Plan, facts: &Facts) -> Result<Next> {
        if plan.is_noop() {
            return Ok(Next::Apply);
        }
        let before = before(facts);
        let why = match (&before, plan.creates_holder()) {
            (Some(_), _) => format!(
                "Nothing has been written yet. Changes to {}: + added, - removed.",
                plan.holder.id()
            ),
            (None, true) => "Nothing has been written yet. This run creates:".to_string(),
            (None, false) => format!(
                "Nothing has been written yet. This run changes {}:",
                plan.holder.id()
            ),
        };
        heading(self.p, 7, "Review", &why);
        if self.p.verbose() {
            self.p.note(render::documents_text(plan).trim_end());
        }
        let width = self.p.width();
        let review = summary(plan, before.as_ref(), width);
        self.p.note(&review.text);
        if self.yes {
            say(self.p, "Applying without asking (--yes).");
            return Ok(Next::Apply);
        }
        loop {
            match self.ask_review(plan, !review.lost.is_empty())? {
                0 => return Ok(Next::Apply),
                1 => self.show_documents(plan),
                2 => return Ok(Next::Change),
                _ => return Err(cancelled()),
            }
        }
    }

    fn ask_review(&mut self, plan: &Plan, loses: bool) -> Result<usize> {
        let (question, yes) = question(plan);
        let kept = format!("Cancel: keep the {} as it is", plan.holder.id().kind());
        let no = match plan.creates_holder() {
            true => "Cancel: create nothing",
            false => kept.as_str(),
        };
        let items = [yes, "Show the exact documents", "Change a setting…", no].map(String::from);
        self.p.select(question, &items, if loses { 3 } else { 0 })
    }

    fn show_documents(&mut self, plan: &Plan) {
        self.p.note(render::documents_text(plan).trim_end());
        let changes = render::changes_text(&plan.changes);
        let width = self.p.width();
        self.p.note(&super::text::wrap(
            &format!("{}\n{}", style("Changes").bold(), changes.trim_end()),
            width,
            None,
        ));
        self.p.note(&plan_line(plan));
    }

    /// "Change a setting…": ask one step again; the review follows with the new answers.
    fn change(&mut self) -> Result<()> {
        let items = SETTINGS.map(String::from);
        match self.p.select("Change which setting?", &items, 0)? {
            0 => self.buckets(),
            1 => self.access(),
            2 => self.trust(),
            3 => self.ask_names(),
            4 if !self.flags.kms.is_empty() => {
                say(self.p, "The KMS grants were given with --kms.");
                Ok(())
            }
            4 => {
                let grant = self.kms.grant;
                self.ask_kms(1, grant)
            }
            5 => self.ask_cors(),
            6 => self.access_method(),
            _ => Ok(()),
        }
    }

    /// CORS on (Deep Lake's rule beside the buckets' other rules) or off (their CORS is left
    /// as it is).
    fn ask_cors(&mut self) -> Result<()> {
        if self.flags.cors != Default::default() {
            say(self.p, "CORS was given with --cors or --cors-origin.");
            return Ok(());
        }
        say(
            self.p,
            "The Activeloop web app can show the data only if each bucket has a CORS rule \
             for it; the buckets' other rules are kept.",
        );
        let items = [
            "On: add Deep Lake's rule to each bucket",
            "Off: leave the buckets' CORS as it is",
        ]
        .map(String::from);
        let on = self.answers.cors.cors;
        self.answers.cors.cors = self.p.select(
            "CORS rule for Activeloop's web visualizer?",
            &items,
            usize::from(!on),
        )? == 0;
        Ok(())
    }

    /// "Change a setting… → Access method": the role (recommended), or an IAM user with one
    /// access key for tools that cannot assume a role. Not on the default path.
    fn access_method(&mut self) -> Result<()> {
        say(
            self.p,
            "How Deep Lake signs in to your account. A role is safer: Activeloop assumes it and \
             gets short-lived credentials, so no long-lived secret exists to leak. Access keys \
             (an IAM user with one key, Deep Lake's \"IAM User Keys\") are for tools that \
             cannot assume a role; the key's secret is written once, to a new private file.",
        );
        if let Some(flag) = self.flags.identity.identity {
            let value = match flag {
                IdentityArg::Role => "role",
                IdentityArg::User => "access keys",
            };
            given(self.p, "Access method", value, "--identity");
            return Ok(());
        }
        let items = [
            "Role, assumed by Activeloop (recommended)",
            "Access keys: an IAM user with one key",
        ]
        .map(String::from);
        let now = usize::from(self.wants_keys());
        let keys = self.p.select("Access method", &items, now)? == 1;
        if keys && self.role_flags().is_some() {
            let flag = self.role_flags().unwrap_or_default();
            warn(
                self.p,
                &format!(
                    "{flag} was given, and applies only to a role: run again without it to use \
                     access keys. The role stays."
                ),
            );
            return Ok(());
        }
        self.answers.identity.identity = keys.then_some(IdentityArg::User);
        Ok(())
    }

    /// The first role-only flag given on the command line, if any.
    fn role_flags(&self) -> Option<&'static str> {
        let f = self.flags;
        [
            (f.role_name.is_some(), "--role-name"),
            (f.description.is_some(), "--description"),
            (f.trust_dev, "--trust-dev"),
            (!f.principals.is_empty(), "--principal"),
            (f.external_id.is_some(), "--external-id"),
            (
                f.guardrails.max_session_duration.is_some(),
                "--max-session-duration",
            ),
        ]
        .into_iter()
        .find_map(|(given, flag)| given.then_some(flag))
    }
}

/// The review's question and its first answer.
fn question(plan: &Plan) -> (&'static str, &'static str) {
    match (plan.creates_holder(), plan.user().is_some()) {
        (true, false) => ("Create the role?", "Create the role"),
        (true, true) => (
            "Create the user and its key?",
            "Create the user and its key",
        ),
        (false, _) => ("Apply these changes?", "Apply the changes"),
    }
}

/// `create` with flags, in a terminal: the same short review (the documents with `-v` or on
/// request), then, unless `--yes` or nothing changes, the question. Without the wizard's
/// reads, updates list their detail lines instead of a diff of the grants.
pub(crate) fn review_plan(printer: &Printer, plan: &Plan, yes: bool) -> Result<()> {
    let mut p = Terminal::new(printer.clone());
    if p.verbose() {
        p.note(render::documents_text(plan).trim_end());
    }
    p.note(&format!(
        "{} nothing has been written yet.",
        style("Review:").bold()
    ));
    let width = p.width();
    p.note(&summary(plan, None, width).text);
    let updates = plan.changes.iter().any(|c| !c.details().is_empty());
    if updates {
        let changes = render::changes_text(&plan.changes);
        p.note(&super::text::wrap(changes.trim_end(), width, None));
    }
    let removes = plan
        .changes
        .iter()
        .any(|c| c.details().iter().any(|d| d.starts_with("- ")));
    if removes {
        let warning = format!(
            "{} this removes grants the role has now (the lines marked -)",
            style("warning:").yellow().bold()
        );
        p.note(&super::text::wrap(&warning, width, None));
    }
    if plan.is_noop() || yes {
        return Ok(());
    }
    let (question, first) = question(plan);
    let items = [first, "Show the exact documents", "Cancel"].map(String::from);
    let not_done = match plan.creates_holder() {
        true => "cancelled, nothing was created",
        false => "cancelled, nothing was changed",
    };
    loop {
        let answer = p.select(question, &items, if removes { 2 } else { 0 });
        let answer = answer.map_err(|err| match err.downcast_ref::<Cancelled>() {
            Some(_) => Cancelled(not_done.into()).into(),
            None => err,
        });
        match answer? {
            0 => return Ok(()),
            1 => {
                p.note(render::documents_text(plan).trim_end());
                p.note(&plan_line(plan));
            }
            _ => return Err(Cancelled(not_done.into()).into()),
        }
    }
}
