//! What people and programs are told about an access key: its id, its user, where its secret
//! went — never the secret itself.

use console::style;
use schemars::JsonSchema;
use serde::Serialize;

use super::plan::AccessKeyJson;
use crate::credentials::{Destination, Format, Written};

/// The JSON result of `rotate-key`.
#[derive(Debug, Serialize, JsonSchema)]
pub(crate) struct RotateReport {
    pub(crate) user_name: String,
    pub(crate) user_arn: String,
    /// The new key, and where its secret was written; null with `--finish`, which makes none.
    pub(crate) access_key: Option<AccessKeyJson>,
    /// The keys the user had before, and what was done with each.
    pub(crate) old_keys: Vec<OldKeyJson>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub(crate) struct OldKeyJson {
    pub(crate) id: String,
    pub(crate) action: OldKeyAction,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub(crate) enum OldKeyAction {
    /// Made inactive: it no longer works, and can be made active again.
    Deactivated,
    Deleted,
    /// Left as it was.
    Kept,
}

/// Where a new key went, for people: the only copy of its secret, and how to use it.
pub(crate) fn written_text(id: &str, user: &str, written: &Written, dest: &Destination) -> String {
    let how = match dest.format {
        Format::Ini => format!("an AWS credentials profile [{user}]"),
        Format::Env => "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY lines".to_string(),
        Format::Json => "credential_process JSON".to_string(),
    };
    let (place, then) = match written {
        Written::Stdout => ("stdout".to_string(), ""),
        Written::File(path) => (
            format!("{} (mode 0600)", path.display()),
            ", then delete the file",
        ),
    };
    format!(
        "wrote access key {id} of user {user} to {place}, as {how}. {} (IAM never shows it \
         again): store it where it is needed (a secret store, a password manager){then}.",
        style("This is the only copy of its secret").bold()
    )
}

/// Why a role is the better choice, said wherever keys are made.
pub(crate) const ROLE_IS_SAFER: &str = "A role (the default, --identity role) is safer: Deep Lake \
     gets short-lived credentials and no long-lived secret exists to leak. Use access keys only \
     where a role cannot be assumed.";
