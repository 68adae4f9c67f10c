//! The command line: [`args`] holds the clap types, [`values`] the single-value rules (as
//! value parsers), and [`resolve`] turns checked flags into the `Request`, `Expect` and
//! `ConnectOptions` the rest of the program takes. Nothing after `resolve` sees clap types.

pub(crate) mod args;
pub(crate) mod resolve;
pub(crate) mod values;

pub(crate) use args::{
    Cli, Command, CorsArgs, CreateArgs, DeleteArgs, ExportArgs, ExportFormat, GlobalArgs,
    OutputFormat, PlanArgs, RoleArgs, RotateKeyArgs, VerifyArgs,
};
