//! What the wizard reads from AWS, behind a trait so the questions can be tested without AWS.
//! Reads only: the wizard never writes.

use anyhow::Result;

use crate::aws::{discover, AwsError, Connection};
use crate::output;
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

/// Without any credentials the SDK's error lists every provider it tried, a screenful; the
/// wizard's own message says what to do, so that list goes to `-v` only.
fn short_credentials_error(err: AwsError) -> anyhow::Error {
    let text = err.to_string();
    if err.code.is_none() && text.contains("no credentials") {
        output::verbose(&text);
        return anyhow::anyhow!(
            "no AWS credentials were found (-v shows where they were looked for)"
        );
    }
    err.into()
}

impl Discovery for Connection {
    fn region(&self) -> String {
        Connection::region(self)
    }

    async fn identity(&self) -> Result<Who> {
        let spinner = output::spinner("Checking your AWS credentials…");
        let found = discover::identity(&self.sts).await;
        spinner.finish_and_clear();
        let found = found.map_err(short_credentials_error)?;
        Ok(Who {
            account: found.account,
            arn: found.arn,
        })
    }

    async fn bucket_names(&self) -> Listing {
        let spinner = output::spinner("Listing your buckets…");
        let found = discover::bucket_names(&self.s3(&Connection::region(self))).await;
        spinner.finish_and_clear();
        match found {
            Ok(names) => Listing::Names(names),
            Err(err) if err.is("AccessDenied") => Listing::Denied,
            Err(err) => Listing::Failed(err.to_string()),
        }
    }

    async fn facts(&self, req: &Request) -> Result<Facts> {
        let spinner = output::spinner("Reading bucket encryption, KMS keys and existing IAM…");
        let facts = discover::facts(self, req).await;
        spinner.finish_and_clear();
        facts
    }
}
