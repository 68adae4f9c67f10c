//! The wizard's reads over a real connection: [`Discovery`] for [`Account`], with spinners on
//! the run's printer and Ctrl-C ending a read early.

use std::sync::Mutex;

use anyhow::Result;
use futures::future::join_all;
use indicatif::ProgressBar;
use tokio_util::sync::CancellationToken;

use crate::aws::{discover, Answer, AwsError, Connection, Event, Failure, Missing, Progress};
use crate::context::Context;
use crate::exit::Cancelled;
use crate::plan::{self, ExistingPolicy, Facts, Request};
use crate::wizard::{CurrentRole, Discovery, Listing, Who};

/// Everything the planner needs: discovery's one pass, then the reads a draft plan asks for
/// (the NAME-N policies of a large grant, the stale policies' other holders).
pub(super) async fn read_facts(
    conn: &Connection,
    req: &Request,
    progress: Progress<'_>,
) -> Result<Facts> {
    let mut facts = discover::facts(conn, req, progress).await?;
    let wanted = plan::follow_up(req, &facts)?;
    discover::follow_up(&conn.iam, req, wanted, &mut facts).await?;
    Ok(facts)
}

/// The account behind a connection, with spinners on the run's printer.
pub(crate) struct Account<'a> {
    pub(crate) conn: &'a Connection,
    pub(crate) ctx: &'a Context,
}

/// A credentials failure is the wizard's own message (which says what to do); the SDK's
/// description goes to `-v` only.
fn short_credentials_error(ctx: &Context, err: AwsError) -> anyhow::Error {
    if err.failure == Failure::Credentials {
        ctx.printer.verbose(&err.debug);
        return anyhow::anyhow!("{err}");
    }
    err.into()
}

fn interrupted() -> anyhow::Error {
    Cancelled("cancelled".into()).into()
}

/// Why a typed bucket cannot be used, in a line.
fn bucket_problem(name: &str, err: &AwsError) -> String {
    match err.answer() {
        Some(Answer::Missing(Missing::Bucket)) => format!("bucket {name} does not exist"),
        Some(Answer::Denied) => format!(
            "you may not read bucket {name} (s3:GetBucketLocation is denied): it may belong \
             to another account"
        ),
        _ => err.to_string(),
    }
}

impl Account<'_> {
    /// Run `read` to the end on `runtime`, from a helper thread: so that it can borrow, and
    /// this thread can block (a prompt waits, or questions are asked meanwhile). Ctrl-C or
    /// `stop` ends it early (`None`).
    fn on_runtime<T>(
        &self,
        runtime: &tokio::runtime::Handle,
        stop: &CancellationToken,
        read: impl std::future::Future<Output = T>,
    ) -> Option<T> {
        runtime.block_on(async {
            tokio::select! {
                found = read => Some(found),
                () = stop.cancelled() => None,
                () = self.ctx.cancel.cancelled() => None,
            }
        })
    }
}

impl Discovery for Account<'_> {
    fn region(&self) -> String {
        self.conn.region()
    }

    fn busy(&self, message: &str) -> ProgressBar {
        self.ctx.printer.spinner(message)
    }

    async fn identity(&self) -> Result<Who> {
        let found = tokio::select! {
            found = discover::identity(&self.conn.sts) => found,
            () = self.ctx.cancel.cancelled() => return Err(interrupted()),
        };
        let found = found.map_err(|e| short_credentials_error(self.ctx, e))?;
        Ok(Who {
            account: found.account,
            arn: found.arn,
        })
    }

    async fn bucket_names(&self) -> Listing {
        let found = discover::bucket_names(&self.conn.s3(&self.conn.region())).await;
        match found {
            Ok(names) => Listing::Names(names),
            Err(err) if err.answer() == Some(Answer::Denied) => Listing::Denied,
            Err(err) => Listing::Failed(err.to_string()),
        }
    }

    async fn role(&self, name: &str) -> Result<Option<CurrentRole>> {
        let read = async {
            let Some(role) = discover::role(&self.conn.iam, name).await? else {
                return Ok(None);
            };
            // A policy that cannot be read (another team's, AWS-managed) is not ours.
            let attached = join_all(
                role.attached
                    .iter()
                    .map(|arn| discover::policy(&self.conn.iam, arn.clone())),
            )
            .await;
            let attached: Vec<ExistingPolicy> = attached.into_iter().flatten().flatten().collect();
            Ok(Some(CurrentRole::new(&role, &attached)))
        };
        tokio::select! {
            found = read => found,
            () = self.ctx.cancel.cancelled() => Err(interrupted()),
        }
    }

    fn check_bucket(&self, name: &str) -> Result<Result<String, String>> {
        let s3 = self.conn.s3("us-east-1");
        let (runtime, never) = (tokio::runtime::Handle::current(), CancellationToken::new());
        let found = std::thread::scope(|s| {
            s.spawn(|| self.on_runtime(&runtime, &never, discover::bucket_region(&s3, name)))
                .join()
                .expect("the bucket check does not panic")
        });
        match found {
            None => Err(interrupted()),
            Some(Ok(region)) => Ok(Ok(region)),
            Some(Err(err)) => {
                self.ctx.printer.verbose(&err.debug);
                Ok(Err(bucket_problem(name, &err)))
            }
        }
    }

    async fn facts(&self, req: &Request) -> Result<Facts> {
        let spinner = self
            .ctx
            .printer
            .spinner("Reading bucket encryption, KMS keys and existing IAM…");
        let show = |e| self.ctx.show(e);
        let facts = tokio::select! {
            facts = read_facts(self.conn, req, &show) => facts,
            () = self.ctx.cancel.cancelled() => Err(interrupted()),
        };
        spinner.finish_and_clear();
        facts
    }

    /// The read runs on a helper thread while the questions are asked here. What it finds for
    /// `-v` is held back until the questions are done, so nothing prints over a prompt.
    fn facts_meanwhile<T>(
        &self,
        req: &Request,
        meanwhile: impl FnOnce() -> Result<T>,
    ) -> Result<(T, Result<Facts>)> {
        let (runtime, stop) = (tokio::runtime::Handle::current(), CancellationToken::new());
        let found: Mutex<Vec<Event>> = Mutex::default();
        let keep = |event: Event| found.lock().expect("events lock").push(event);
        std::thread::scope(|s| {
            let reader = s.spawn(|| {
                let read = read_facts(self.conn, req, &keep);
                self.on_runtime(&runtime, &stop, read)
            });
            let asked = meanwhile();
            if asked.is_err() {
                stop.cancel();
            }
            let spinner = match reader.is_finished() || asked.is_err() {
                true => ProgressBar::hidden(),
                false => self
                    .ctx
                    .printer
                    .spinner("Reading bucket encryption and KMS keys…"),
            };
            let read = reader.join().expect("the discovery thread does not panic");
            spinner.finish_and_clear();
            for event in found.lock().expect("events lock").drain(..) {
                self.ctx.show(event);
            }
            Ok((asked?, read.unwrap_or_else(|| Err(interrupted()))))
        })
    }
}
