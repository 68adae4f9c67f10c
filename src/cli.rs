//! Command-line interface: clap types only. Checking and meaning live in `request`.

use clap::{Args, Parser, Subcommand, ValueEnum};

const AFTER_HELP: &str = "\
Examples:
  provision-role                                   # guided, in a terminal
  provision-role plan --bucket my-data             # offline: print the exact documents
  provision-role create --bucket my-data --bucket raw/datasets/v1 --yes --output json
  provision-role verify --role-name activeloop-deeplake-access --bucket my-data
  provision-role delete --role-name activeloop-deeplake-access --yes

Without a subcommand, provision-role means `create` (and takes create's flags).";

/// Create the IAM role that Activeloop Deep Lake assumes to read and write your S3 buckets.
#[derive(Debug, Parser)]
#[command(name = "provision-role", version, about, after_help = AFTER_HELP)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Option<Command>,

    /// Flags of `create`, for use without a subcommand.
    #[command(flatten)]
    pub create: CreateArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create or update the role and its policy (the default).
    Create(CreateArgs),
    /// Print the exact documents and changes without writing anything (offline by default).
    Plan(PlanArgs),
    /// Check that an existing role gives Activeloop the access it needs.
    Verify(VerifyArgs),
    /// Delete a role and the policies this tool created for it.
    Delete(DeleteArgs),
    /// Print a shell completion script.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// AWS profile to use (default: $AWS_PROFILE, then "default").
    #[arg(long, global = true, value_name = "NAME")]
    pub profile: Option<String>,

    /// AWS region for the IAM, STS and KMS clients (default: $AWS_REGION or the profile's).
    #[arg(long, global = true, value_name = "REGION")]
    pub region: Option<String>,

    /// Send all AWS requests to this endpoint, e.g. a local emulator (default: $AWS_ENDPOINT_URL).
    #[arg(long, global = true, value_name = "URL")]
    pub endpoint_url: Option<String>,

    /// Result format on stdout.
    #[arg(long, global = true, value_enum, default_value_t = OutputFormat::Text)]
    pub output: OutputFormat,

    /// Never prompt; fail with exit 2 when a required flag is missing (implied without a TTY
    /// and when CI=true).
    #[arg(long, global = true)]
    pub non_interactive: bool,

    /// Say more on stderr (each AWS call, retries, full documents).
    #[arg(short, long, global = true, action = clap::ArgAction::Count, conflicts_with = "quiet")]
    pub verbose: u8,

    /// Say nothing on stderr but errors and warnings.
    #[arg(short, long, global = true)]
    pub quiet: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AccessArg {
    /// List, read, write and delete objects.
    ReadWrite,
    /// List and read objects.
    ReadOnly,
}

/// What the role should allow, shared by `create` and `plan`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Args)]
pub struct RoleArgs {
    /// Bucket to grant, optionally with a key prefix to limit access to (repeatable).
    #[arg(long = "bucket", value_name = "NAME[/PREFIX]")]
    pub buckets: Vec<String>,

    /// Name of the IAM role [default: activeloop-deeplake-access].
    #[arg(long, value_name = "NAME")]
    pub role_name: Option<String>,

    /// Name of the managed policy [default: ROLE_NAME-s3-access].
    #[arg(long, value_name = "NAME")]
    pub policy_name: Option<String>,

    /// Description of the role.
    #[arg(long, value_name = "TEXT")]
    pub description: Option<String>,

    /// Access level on the buckets [default: read-write].
    #[arg(long, value_enum)]
    pub access: Option<AccessArg>,

    /// Also trust Activeloop's two development backends.
    #[arg(long, conflicts_with = "principals")]
    pub trust_dev: bool,

    /// Trust this IAM principal ARN instead of Activeloop's backend (repeatable).
    #[arg(long = "principal", value_name = "ARN")]
    pub principals: Vec<String>,

    /// Require this sts:ExternalId when the role is assumed (shown in the Activeloop UI).
    #[arg(long, value_name = "ID")]
    pub external_id: Option<String>,

    /// KMS grants: `auto` finds the buckets' customer-managed keys, `off` grants none, or a key
    /// id, key ARN or alias to grant (repeatable) [default: auto].
    #[arg(long = "kms", value_name = "auto|off|KEY")]
    pub kms: Vec<String>,

    /// Take over an existing role or policy of the same name that provision-role did not create.
    #[arg(long)]
    pub adopt: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Args)]
pub struct CreateArgs {
    #[command(flatten)]
    pub role: RoleArgs,

    /// Apply without asking for confirmation.
    #[arg(short, long)]
    pub yes: bool,
}

#[derive(Debug, Clone, Args)]
pub struct PlanArgs {
    #[command(flatten)]
    pub role: RoleArgs,

    /// Read the account (identity, bucket encryption, KMS keys, the existing role) to plan
    /// exactly what `create` would change. Makes no writes.
    #[arg(long)]
    pub discover: bool,
}

#[derive(Debug, Clone, Args)]
pub struct VerifyArgs {
    /// Role to check.
    #[arg(
        long,
        value_name = "NAME",
        default_value = "activeloop-deeplake-access"
    )]
    pub role_name: String,

    /// Bucket the role must give access to (repeatable) [default: the buckets its policies name].
    #[arg(long = "bucket", value_name = "NAME[/PREFIX]")]
    pub buckets: Vec<String>,

    /// Access level the role must give.
    #[arg(long, value_enum, default_value_t = AccessArg::ReadWrite)]
    pub access: AccessArg,

    /// Principal that must be trusted (repeatable) [default: Activeloop's backend].
    #[arg(long = "principal", value_name = "ARN")]
    pub principals: Vec<String>,

    /// External ID the trust policy must require.
    #[arg(long, value_name = "ID")]
    pub external_id: Option<String>,
}

#[derive(Debug, Clone, Args)]
pub struct DeleteArgs {
    /// Role to delete.
    #[arg(
        long,
        value_name = "NAME",
        default_value = "activeloop-deeplake-access"
    )]
    pub role_name: String,

    /// Delete without asking for confirmation (required without a TTY).
    #[arg(short, long)]
    pub yes: bool,

    /// Show what would be deleted and stop.
    #[arg(long)]
    pub dry_run: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn bare_invocation_takes_create_flags_and_globals_anywhere() {
        let cli = Cli::try_parse_from(["provision-role", "--bucket", "b", "--yes", "-v"]).unwrap();
        assert!(cli.command.is_none());
        assert_eq!(cli.create.role.buckets, vec!["b"]);
        assert!(cli.create.yes);
        let cli = Cli::try_parse_from([
            "provision-role",
            "plan",
            "--bucket",
            "b",
            "--output",
            "json",
        ])
        .unwrap();
        assert_eq!(cli.global.output, OutputFormat::Json);
        let cli = Cli::try_parse_from([
            "provision-role",
            "--output",
            "json",
            "plan",
            "--bucket",
            "b",
        ])
        .unwrap();
        assert_eq!(cli.global.output, OutputFormat::Json);
    }

    #[test]
    fn conflicting_flags_are_usage_errors() {
        let err = Cli::try_parse_from([
            "provision-role",
            "create",
            "--trust-dev",
            "--principal",
            "arn:aws:iam::123456789012:root",
        ])
        .unwrap_err();
        assert_eq!(err.exit_code(), 2);
        let err = Cli::try_parse_from(["provision-role", "-v", "-q"]).unwrap_err();
        assert_eq!(err.exit_code(), 2);
    }
}
