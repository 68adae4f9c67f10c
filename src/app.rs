//! The commands: each reads its flags, plans, asks if it should, applies, and reports.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::Result;
use clap::CommandFactory;

use crate::aws::apply::{self, Journal};
use crate::aws::retry::Backoff;
use crate::aws::{self, discover, ConnectOptions, Connection};
use crate::cli::{Cli, Command, CreateArgs, GlobalArgs, OutputFormat, PlanArgs};
use crate::error::{Cancelled, UsageError};
use crate::plan::{self, Facts, Plan, Request};
use crate::{output, request, wizard};

/// Set while IAM writes are in flight: Ctrl-C is then handled by the writer (roll back, or stop
/// between steps) instead of exiting at once.
static APPLYING: AtomicBool = AtomicBool::new(false);

/// Marks IAM writes as in flight until dropped.
pub struct Writing;

impl Writing {
    pub fn start() -> Writing {
        APPLYING.store(true, Ordering::SeqCst);
        Writing
    }
}

impl Drop for Writing {
    fn drop(&mut self) {
        APPLYING.store(false, Ordering::SeqCst);
    }
}

pub async fn run(cli: Cli) -> Result<()> {
    output::init(cli.global.quiet, cli.global.verbose);
    watch_ctrl_c();
    let global = &cli.global;
    if cli.command.is_some() && cli.create != CreateArgs::default() {
        return Err(UsageError::new(
            "put create's flags after the subcommand (e.g. `provision-role plan --bucket b`)",
        )
        .into());
    }
    match cli.command {
        None => create(global, cli.create).await,
        Some(Command::Create(args)) => create(global, args).await,
        Some(Command::Plan(args)) => plan_command(global, args).await,
        Some(Command::Verify(args)) => crate::commands::verify(global, args).await,
        Some(Command::Delete(args)) => crate::commands::delete(global, args).await,
        Some(Command::Completions { shell }) => {
            let mut cmd = Cli::command();
            clap_complete::generate(shell, &mut cmd, "provision-role", &mut std::io::stdout());
            Ok(())
        }
    }
}

/// Ctrl-C outside of writes: nothing was created, exit 130. During writes `apply_or_roll_back`
/// handles it.
fn watch_ctrl_c() {
    tokio::spawn(async {
        loop {
            if tokio::signal::ctrl_c().await.is_err() {
                return;
            }
            if !APPLYING.load(Ordering::SeqCst) {
                output::restore_cursor();
                eprintln!();
                output::error("cancelled, nothing was created");
                std::process::exit(130);
            }
        }
    });
}

/// Whether we may prompt: a person at a terminal, not CI, not `--non-interactive`.
pub fn interactive(global: &GlobalArgs) -> bool {
    let ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0");
    !global.non_interactive
        && !ci
        && std::io::stdin().is_terminal()
        && std::io::stderr().is_terminal()
}

pub fn connect_options(global: &GlobalArgs) -> Result<ConnectOptions, UsageError> {
    if let Some(url) = &global.endpoint_url {
        let ok = (url.starts_with("http://") || url.starts_with("https://"))
            && url.len() > "https://".len()
            && !url.contains(char::is_whitespace);
        if !ok {
            return Err(UsageError::new(format!(
                "invalid --endpoint-url {url:?}: must be an http:// or https:// URL"
            )));
        }
    }
    if let Some(region) = &global.region {
        let ok = !region.is_empty()
            && region
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !ok {
            return Err(UsageError::new(format!(
                "invalid --region {region:?}: expected a region code such as eu-west-1"
            )));
        }
    }
    Ok(ConnectOptions {
        profile: global.profile.clone(),
        region: global.region.clone(),
        endpoint_url: global.endpoint_url.clone(),
    })
}

async fn discover_and_plan(conn: &Connection, req: &Request) -> Result<Plan> {
    let spinner = output::spinner("Reading the account: identity, buckets, encryption, IAM…");
    let facts = discover::facts(conn, req).await;
    spinner.finish_and_clear();
    Ok(plan::build(req, &facts?)?)
}

async fn create(global: &GlobalArgs, args: CreateArgs) -> Result<()> {
    let opts = connect_options(global)?;
    let may_prompt = interactive(global);
    let wizard_runs = args.role.buckets.is_empty() && may_prompt;
    let (req, plan, conn) = if wizard_runs {
        let conn = aws::connect(&opts).await;
        let (req, plan) = wizard::run(&conn, &args, global.profile.as_deref()).await?;
        (req, plan, conn)
    } else {
        let req = request::role_request(&args.role)?;
        let conn = aws::connect(&opts).await;
        let plan = discover_and_plan(&conn, &req).await?;
        if global.output == OutputFormat::Text {
            output::info(&output::plan_text(&plan));
            if output::is_verbose() {
                output::info(&output::documents_text(&plan, true));
            }
        }
        if !plan.is_noop() && may_prompt && !args.yes {
            confirm_apply(&plan)?;
        }
        (req, plan, conn)
    };
    if plan.is_noop() {
        output::step("IAM already matches: nothing to change");
    } else {
        apply_or_roll_back(&conn, &plan).await?;
    }
    output::verbose(&format!("{} AWS requests", conn.calls.get()));
    report_created(global, &req, &plan, wizard_runs);
    Ok(())
}

fn confirm_apply(plan: &Plan) -> Result<()> {
    output::info(&output::documents_text(plan, true));
    let yes = dialoguer::Confirm::with_theme(&dialoguer::theme::ColorfulTheme::default())
        .with_prompt("Apply these changes?")
        .default(false)
        .interact_opt()
        .map_err(wizard::prompt_error)?;
    if yes != Some(true) {
        return Err(Cancelled("cancelled, nothing was created".into()).into());
    }
    Ok(())
}

/// Apply the plan; on failure or Ctrl-C, undo this run's writes and say what was undone.
pub async fn apply_or_roll_back(conn: &Connection, plan: &Plan) -> Result<()> {
    let journal = Journal::default();
    let writing = Writing::start();
    let outcome = tokio::select! {
        r = apply::apply(&conn.iam, plan, &journal, Backoff::IAM) => r,
        _ = tokio::signal::ctrl_c() => Err(Cancelled("interrupted".into()).into()),
    };
    let Err(err) = outcome else {
        return Ok(());
    };
    if journal.is_empty() {
        return Err(err.context("nothing was changed"));
    }
    output::warn(&format!("{err:#}; rolling back what this run changed"));
    let report = apply::rollback(&conn.iam, &journal).await;
    drop(writing);
    for undone in &report.undone {
        output::step(&format!("rolled back: {undone}"));
    }
    for failed in &report.failed {
        output::error(&format!("could not roll back: {failed}"));
    }
    let summary = if report.failed.is_empty() {
        format!("rolled back {} change(s)", report.undone.len())
    } else {
        format!(
            "rolled back {} change(s); {} could not be undone and need manual cleanup",
            report.undone.len(),
            report.failed.len()
        )
    };
    Err(err.context(summary))
}

/// After the wizard, also the command that repeats the run without questions, and the CORS step.
fn report_created(global: &GlobalArgs, req: &Request, plan: &Plan, after_wizard: bool) {
    let arn = plan.role_arn.clone().unwrap_or_default();
    if global.output == OutputFormat::Json {
        output::json(&output::plan_json(plan));
        return;
    }
    output::info(&format!(
        "\nPaste this role ARN into the Activeloop UI (managed credentials):\n  {}",
        console::style(&arn).bold().green()
    ));
    if req.external_id.is_none() {
        output::info(
            "If Activeloop shows an external ID, re-run with --external-id ID to require it.",
        );
    }
    if after_wizard {
        output::info(&wizard::next_steps(req));
    }
    output::result(&arn);
}

async fn plan_command(global: &GlobalArgs, args: PlanArgs) -> Result<()> {
    let req = request::role_request(&args.role)?;
    let plan = if args.discover {
        let conn = aws::connect(&connect_options(global)?).await;
        discover_and_plan(&conn, &req).await?
    } else {
        plan::build(&req, &Facts::offline())?
    };
    if global.output == OutputFormat::Json {
        output::json(&output::plan_json(&plan));
        return Ok(());
    }
    output::info(&output::plan_text(&plan));
    output::info(&format!(
        "{} (who may assume role {})",
        console::style("Trust policy").bold(),
        plan.role_name
    ));
    output::result(&plan.trust.to_pretty());
    for p in &plan.policies {
        output::info(&format!(
            "{} {} ({} of {} characters)",
            console::style("Permission policy").bold(),
            p.name,
            p.document.quota_len(),
            plan::MAX_POLICY_CHARS
        ));
        output::result(&p.document.to_pretty());
    }
    Ok(())
}
