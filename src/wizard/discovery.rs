//! What the wizard reads from AWS, behind a trait so the questions can be tested without AWS.
//! Reads only: the wizard never writes.

use anyhow::Result;

use crate::aws::{discover, AwsError, Connection, Failure};
use crate::commands::Context;
use crate::plan::{Facts, Request};

/// The caller, as STS sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Who {
    pub account: String,
    pub arn: String,
}

/// The answer to "which buckets are there?".
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Listing {
    /// Sorted bucket names.
    Names(Vec<String>),
    /// The caller may not list buckets (no s3:ListAllMyBuckets); names must be typed.
    Denied,
    /// Listing failed for another reason, given as text; names must be typed.
    Failed(String),
}

/// The reads the wizard needs. Implemented over [`Connection`]; tests use a fake.
// Used only with concrete types inside this crate, so the futures' auto traits do not matter.
#[allow(async_fn_in_trait)]
pub trait Discovery {
    /// The region the clients use.
    fn region(&self) -> String;
    async fn identity(&self) -> Result<Who>;
    async fn bucket_names(&self) -> Listing;
    /// Everything the planner needs for `req` (encryption, keys, existing IAM).
    async fn facts(&self, req: &Request) -> Result<Facts>;
}

/// The account behind a connection, with spinners on the run's printer.
pub struct Account<'a> {
    pub conn: &'a Connection,
    pub ctx: &'a Context,
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

impl Discovery for Account<'_> {
    fn region(&self) -> String {
        self.conn.region()
    }

    async fn identity(&self) -> Result<Who> {
        let spinner = self.ctx.printer.spinner("Checking your AWS credentials…");
        let found = discover::identity(&self.conn.sts).await;
        spinner.finish_and_clear();
        let found = found.map_err(|e| short_credentials_error(self.ctx, e))?;
        Ok(Who {
            account: found.account,
            arn: found.arn,
        })
    }

    async fn bucket_names(&self) -> Listing {
        let spinner = self.ctx.printer.spinner("Listing your buckets…");
        let found = discover::bucket_names(&self.conn.s3(&self.conn.region())).await;
        spinner.finish_and_clear();
        match found {
            Ok(names) => Listing::Names(names),
            Err(err) if err.is("AccessDenied") => Listing::Denied,
            Err(err) => Listing::Failed(err.to_string()),
        }
    }

    async fn facts(&self, req: &Request) -> Result<Facts> {
        let spinner = self
            .ctx
            .printer
            .spinner("Reading bucket encryption, KMS keys and existing IAM…");
        let facts = discover::facts(self.conn, req, &|e| self.ctx.show(e)).await;
        spinner.finish_and_clear();
        facts
    }
}
