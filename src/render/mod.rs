//! Everything people and programs read: the [`Printer`] (which stream, how much, how wide),
//! the one text layout ([`text`]), and for each command its report, rendered as text or as one
//! JSON document from `Serialize` structs whose JSON Schema `provision-role schema` prints.

pub(crate) mod delete;
pub(crate) mod keys;
pub(crate) mod plan;
pub(crate) mod printer;
pub(crate) mod schema;
pub(crate) mod text;
pub(crate) mod verify;

pub(crate) use printer::Printer;

use schemars::JsonSchema;
use serde::Serialize;

/// The JSON document for a failure (`--output json`), so machines always get one document.
#[derive(Debug, Serialize, JsonSchema)]
pub(crate) struct ErrorReport {
    pub(crate) error: ErrorBody,
}

#[derive(Debug, Serialize, JsonSchema)]
pub(crate) struct ErrorBody {
    /// The same one-paragraph message as on stderr.
    pub(crate) message: String,
    /// The process's exit code: 1 failure, 2 bad input, 130 cancelled.
    pub(crate) exit_code: u8,
}

impl ErrorReport {
    pub(crate) fn new(message: impl Into<String>, exit_code: u8) -> ErrorReport {
        ErrorReport {
            error: ErrorBody {
                message: message.into(),
                exit_code,
            },
        }
    }
}
