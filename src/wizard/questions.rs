//! Steps 1 to 5: the account, then the answers. Each step says why it matters, skips what a
//! flag already answered (showing it as chosen), and writes its answers into the `RoleArgs`
//! the flags would have filled, so the wizard ends where the flags start.

use anyhow::{Context, Result};
use console::style;

use super::cancelled;
use super::discovery::{Discovery, Listing};
use super::prompt::Prompter;
use super::text::{given, heading, say, warn};
use crate::cli::args::AccessArg;
use crate::cli::{resolve, values, RoleArgs};
use crate::plan::request::{default_policy_name, DEFAULT_ROLE_NAME};
use crate::plan::BucketScope;

/// Above this many buckets, the list is narrowed by a filter first.
const MANY_BUCKETS: usize = 15;
const TYPE_ENTRY: &str = "Type a bucket name that is not listed…";

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
        "Nothing is created until you confirm at the end; Ctrl-C cancels at any time.",
    );
}

/// Step 1: the account the role will live in.
pub(super) async fn who_and_where(
    p: &mut impl Prompter,
    d: &impl Discovery,
    profile: &str,
) -> Result<()> {
    heading(
        p,
        1,
        "Who and where",
        "The role is made in the account you are signed in to, which should own the buckets.",
    );
    let who = d.identity().await.context(NO_CREDENTIALS)?;
    p.note(&format!(
        "  Account  {}\n  Caller   {}\n  Profile  {profile}\n  Region   {}",
        style(&who.account).green(),
        who.arn,
        d.region()
    ));
    if !p.confirm("Continue with this account?", true)? {
        say(p, "To use another account, run again with --profile NAME.");
        return Err(cancelled());
    }
    Ok(())
}

/// Step 2: which buckets, picked from the account's list or typed.
pub(super) async fn buckets(p: &mut impl Prompter, d: &impl Discovery) -> Result<Vec<BucketScope>> {
    heading(
        p,
        2,
        "Buckets",
        "Deep Lake keeps your datasets in these buckets; the role gets access to no others.",
    );
    let names = match d.bucket_names().await {
        Listing::Names(names) if !names.is_empty() => names,
        Listing::Names(_) => {
            say(
                p,
                "No buckets are listed in this account; type the names of the buckets to use.",
            );
            return type_buckets(p, Vec::new());
        }
        Listing::Denied => {
            say(
                p,
                "You may not list buckets (s3:ListAllMyBuckets), so type their names.",
            );
            return type_buckets(p, Vec::new());
        }
        Listing::Failed(why) => {
            warn(p, &format!("could not list buckets: {why}"));
            say(p, "Type the names of the buckets to use.");
            return type_buckets(p, Vec::new());
        }
    };
    pick_buckets(p, names)
}

fn pick_buckets(p: &mut impl Prompter, names: Vec<String>) -> Result<Vec<BucketScope>> {
    let shown = narrow(p, names)?;
    let mut items = shown.clone();
    items.push(TYPE_ENTRY.to_string());
    // More than fit on one page of a 24-row terminal.
    let pages = if items.len() > MANY_BUCKETS + 1 {
        ", ←/→ turn pages"
    } else {
        ""
    };
    say(
        p,
        &format!(
            "Space ticks a bucket, Enter confirms{pages}. The last entry lets you type other names."
        ),
    );
    loop {
        let ticked = p.multi_select("Buckets", &items)?;
        let chosen: Vec<String> = ticked
            .iter()
            .filter_map(|&i| shown.get(i).cloned())
            .collect();
        if !chosen.is_empty() {
            p.answered("Buckets", &chosen.join(", "));
        }
        let scopes: Vec<BucketScope> = chosen.iter().map(|b| BucketScope::whole(b)).collect();
        if ticked.contains(&shown.len()) {
            return type_buckets(p, scopes);
        }
        if !scopes.is_empty() {
            return Ok(scopes);
        }
        say(
            p,
            &format!(
                "{} tick at least one with Space, then press Enter.",
                style("No bucket chosen:").yellow()
            ),
        );
    }
}

/// A long list is narrowed to the names containing what the person types.
fn narrow(p: &mut impl Prompter, names: Vec<String>) -> Result<Vec<String>> {
    if names.len() <= MANY_BUCKETS {
        return Ok(names);
    }
    say(
        p,
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
    let part = p.input(
        "Show buckets whose name contains (empty: all)",
        None,
        &check,
    )?;
    Ok(names.into_iter().filter(|n| n.contains(&part)).collect())
}

/// Names typed one at a time (another account's buckets, or when listing is not allowed);
/// `BUCKET/PREFIX` is accepted too.
fn type_buckets(p: &mut impl Prompter, mut chosen: Vec<BucketScope>) -> Result<Vec<BucketScope>> {
    let mut prompt = "Bucket name";
    loop {
        let need_one = prompt == "Bucket name";
        let check = |text: &str| {
            if text.is_empty() {
                return if need_one {
                    Err("enter a bucket name".to_string())
                } else {
                    Ok(())
                };
            }
            values::bucket_scope(text).map(drop)
        };
        let text = p.input(prompt, None, &check)?;
        if text.is_empty() {
            return Ok(chosen);
        }
        let scope = values::bucket_scope(&text).map_err(|e| anyhow::anyhow!(e))?;
        if !chosen.contains(&scope) {
            chosen.push(scope);
        }
        prompt = "Another bucket name (empty: done)";
    }
}

/// Still step 2: optionally limit each bucket to a key prefix.
pub(super) fn prefixes(
    p: &mut impl Prompter,
    buckets: Vec<BucketScope>,
) -> Result<Vec<BucketScope>> {
    if buckets.iter().all(|b| b.prefix.is_some()) {
        return Ok(buckets);
    }
    say(
        p,
        "The role can be limited to a folder (key prefix), such as datasets/, in a bucket.",
    );
    if !p.confirm("Limit access to prefixes?", false)? {
        return Ok(buckets);
    }
    buckets
        .into_iter()
        .map(|b| {
            if b.prefix.is_some() {
                Ok(b)
            } else {
                ask_prefix(p, b)
            }
        })
        .collect()
}

fn ask_prefix(p: &mut impl Prompter, bucket: BucketScope) -> Result<BucketScope> {
    let check = |text: &str| {
        if text.is_empty() {
            return Ok(());
        }
        values::prefix(text).map(drop)
    };
    let prefix = p.input(
        &format!("Prefix in {} (empty: whole bucket)", bucket.bucket),
        None,
        &check,
    )?;
    if prefix.is_empty() {
        return Ok(bucket);
    }
    Ok(BucketScope {
        prefix: Some(values::prefix(&prefix).map_err(|e| anyhow::anyhow!(e))?),
        ..bucket
    })
}

/// Step 3: read-write or read-only.
pub(super) fn access(
    p: &mut impl Prompter,
    flags: &RoleArgs,
    answers: &mut RoleArgs,
) -> Result<()> {
    heading(
        p,
        3,
        "Access",
        "Read-write lets Deep Lake create and update datasets; read-only is enough to load them.",
    );
    if let Some(access) = flags.access {
        given(
            p,
            "Access",
            resolve::access(Some(access)).as_str(),
            "--access",
        );
        return Ok(());
    }
    let items = [
        "read-write: list, read, write and delete objects",
        "read-only: list and read objects",
    ]
    .map(String::from);
    let choice = p.select("Access", &items, 0)?;
    answers.access = Some([AccessArg::ReadWrite, AccessArg::ReadOnly][choice.min(1)]);
    Ok(())
}

/// Step 4: who may assume the role, and the external ID.
pub(super) fn trust(p: &mut impl Prompter, flags: &RoleArgs, answers: &mut RoleArgs) -> Result<()> {
    heading(
        p,
        4,
        "Trust",
        "Only the principals trusted here can assume the role. Deep Lake uses Activeloop's \
         production backend.",
    );
    if flags.trust_dev {
        given(
            p,
            "Trusted",
            "Activeloop production and development",
            "--trust-dev",
        );
    } else if !flags.principals.is_empty() {
        given(p, "Trusted", &flags.principals.join(", "), "--principal");
    } else {
        let items = [
            "Activeloop production (recommended)",
            "Activeloop production and development backends",
            "Other principal ARNs…",
        ]
        .map(String::from);
        match p.select("Trust", &items, 0)? {
            0 => {}
            1 => answers.trust_dev = true,
            _ => answers.principals = ask_principals(p)?,
        }
    }
    external_id(p, flags, answers)
}

/// Principal ARNs typed one at a time.
fn ask_principals(p: &mut impl Prompter) -> Result<Vec<String>> {
    let mut principals: Vec<String> = Vec::new();
    loop {
        let need_one = principals.is_empty();
        let check = |text: &str| {
            if text.is_empty() {
                return if need_one {
                    Err("enter a principal ARN".to_string())
                } else {
                    Ok(())
                };
            }
            values::principal_arn(text).map(drop)
        };
        let prompt = if need_one {
            "Principal ARN"
        } else {
            "Another principal ARN (empty: done)"
        };
        let arn = p.input(prompt, None, &check)?;
        if arn.is_empty() {
            return Ok(principals);
        }
        principals.push(arn);
    }
}

fn external_id(p: &mut impl Prompter, flags: &RoleArgs, answers: &mut RoleArgs) -> Result<()> {
    if let Some(id) = &flags.external_id {
        given(p, "External ID", id, "--external-id");
        return Ok(());
    }
    say(
        p,
        "If the Activeloop UI shows an external ID, paste it here: the role then works only \
         when Activeloop presents it, which guards against the confused-deputy problem.",
    );
    let check = |text: &str| {
        if text.is_empty() {
            return Ok(());
        }
        values::external_id(text).map(drop)
    };
    let id = p.input("External ID (empty: none)", None, &check)?;
    answers.external_id = (!id.is_empty()).then_some(id);
    Ok(())
}

/// Step 5: the role and policy names.
pub(super) fn names(p: &mut impl Prompter, flags: &RoleArgs, answers: &mut RoleArgs) -> Result<()> {
    heading(
        p,
        5,
        "Names",
        "The IAM role and its permission policy. Keep the defaults unless you need several roles.",
    );
    ask_names(p, flags, answers)
}

/// The names not given as flags. Also asked again when a name is taken.
pub(super) fn ask_names(
    p: &mut impl Prompter,
    flags: &RoleArgs,
    answers: &mut RoleArgs,
) -> Result<()> {
    if let Some(name) = &flags.role_name {
        given(p, "Role name", name, "--role-name");
    } else {
        let check = |text: &str| values::role_name(text).map(drop);
        answers.role_name = Some(p.input("Role name", Some(DEFAULT_ROLE_NAME), &check)?);
    }
    let role = answers
        .role_name
        .clone()
        .unwrap_or(DEFAULT_ROLE_NAME.to_string());
    if let Some(name) = &flags.policy_name {
        given(p, "Policy name", name, "--policy-name");
    } else {
        let check = |text: &str| values::policy_name(text).map(drop);
        let default = default_policy_name(&role);
        answers.policy_name = Some(p.input("Policy name", Some(&default), &check)?);
    }
    Ok(())
}
