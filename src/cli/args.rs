//! The command line: clap types only. Each single-value rule is a value parser from
//! [`super::values`]; rules across flags and defaults live in
//! [`super::resolve`].

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

use super::values::{self, KmsValue};
use crate::plan::{BucketScope, KeyRef};

const AFTER_HELP: &str = "\
Examples:
  provision-role                                   # guided, in a terminal
  provision-role plan --bucket my-data             # offline: print the exact documents
  provision-role create --bucket my-data --bucket raw/datasets/v1 --yes --output json
  provision-role export --format cloudformation --bucket my-data -o deeplake-role.yaml
  provision-role verify --role-name activeloop-deeplake-access --bucket my-data
  provision-role delete --role-name activeloop-deeplake-access --yes
  provision-role create --identity user --bucket my-data --yes   # an IAM user and access key
  provision-role rotate-key --user-name activeloop-deeplake-access

Without a subcommand, provision-role means `create` (and takes create's flags).";

/// Create the IAM role that Activeloop Deep Lake assumes to read and write your S3 buckets.
#[derive(Debug, Parser)]
#[command(
    name = "provision-role",
    version,
    long_version = env!("PROVISION_ROLE_LONG_VERSION"),
    about,
    after_help = AFTER_HELP
)]
pub(crate) struct Cli {
    #[command(flatten)]
    pub(crate) global: GlobalArgs,

    #[command(subcommand)]
    pub(crate) command: Option<Command>,

    /// Flags of `create`, for use without a subcommand.
    #[command(flatten)]
    pub(crate) create: CreateArgs,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Create or update the role and its policy (the default).
    Create(CreateArgs),
    /// Print the exact documents and changes without writing anything (offline by default).
    Plan(PlanArgs),
    /// Check that an existing role gives Activeloop the access it needs.
    Verify(VerifyArgs),
    /// Write the role as a CloudFormation or Terraform template (offline by default).
    Export(ExportArgs),
    /// Delete a role (or user) and the policies this tool created for it.
    Delete(DeleteArgs),
    /// Replace the access key of a user made with --identity user: a new key, written once;
    /// the old one deactivated (or deleted, or kept).
    RotateKey(RotateKeyArgs),
    /// Print a shell completion script.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff); e.g. `provision-role man | man -l -`.
    Man,
    /// Print the JSON Schema of the `--output json` documents.
    Schema {
        /// Only this command's document (plan, create, verify, delete, rotate-key, or error).
        #[arg(value_parser = ["plan", "create", "verify", "delete", "rotate-key", "error"])]
        command: Option<String>,
    },
}

#[derive(Debug, Args)]
pub(crate) struct GlobalArgs {
    /// AWS profile to use (default: $AWS_PROFILE, then "default").
    #[arg(long, global = true, value_name = "NAME")]
    pub(crate) profile: Option<String>,

    /// AWS region for the IAM, STS and KMS clients (default: $AWS_REGION or the profile's).
    #[arg(long, global = true, value_name = "REGION", value_parser = values::region)]
    pub(crate) region: Option<String>,

    /// Send all AWS requests to this endpoint, e.g. a local emulator (default: $AWS_ENDPOINT_URL).
    #[arg(long, global = true, value_name = "URL", value_parser = values::endpoint_url)]
    pub(crate) endpoint_url: Option<String>,

    /// The longest one AWS call may take, retries included, in seconds.
    #[arg(
        long,
        global = true,
        value_name = "SECONDS",
        env = "PROVISION_ROLE_TIMEOUT",
        default_value = "30",
        value_parser = values::timeout
    )]
    pub(crate) timeout: Duration,

    /// Result format on stdout.
    #[arg(long, global = true, value_enum, default_value_t = OutputFormat::Text)]
    pub(crate) output: OutputFormat,

    /// Never prompt; fail with exit 2 when a required flag is missing (implied without a TTY
    /// and when CI=true).
    #[arg(long, global = true)]
    pub(crate) non_interactive: bool,

    /// Say more on stderr (each finding, retries, full documents, the AWS request count).
    #[arg(short, long, global = true, action = clap::ArgAction::Count, conflicts_with = "quiet")]
    pub(crate) verbose: u8,

    /// Say nothing on stderr but errors and warnings.
    #[arg(short, long, global = true)]
    pub(crate) quiet: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum OutputFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum AccessArg {
    /// List, read, write and delete objects.
    ReadWrite,
    /// List and read objects.
    ReadOnly,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum IdentityArg {
    /// The role Activeloop assumes (recommended: no long-lived secret).
    Role,
    /// An IAM user with an access key, for tools that cannot assume a role.
    User,
}

/// Who holds the grants: the role (the default), or an IAM user with an access key.
#[derive(Debug, Clone, Default, PartialEq, Eq, Args)]
pub(crate) struct IdentityArgs {
    /// Who gets the access: the role Activeloop assumes, or an IAM user with an access key
    /// (Deep Lake's "IAM User Keys") [default: role].
    #[arg(long, value_enum)]
    pub(crate) identity: Option<IdentityArg>,

    /// Name of the IAM user, with --identity user [default: activeloop-deeplake-access].
    #[arg(long, value_name = "NAME", value_parser = values::user_name)]
    pub(crate) user_name: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum CredentialsFormatArg {
    /// An AWS credentials-file profile named after the user (aws_access_key_id, ...).
    Ini,
    /// AWS_ACCESS_KEY_ID=... and AWS_SECRET_ACCESS_KEY=... lines (a .env file).
    Env,
    /// One JSON object, as a credential_process prints it.
    Json,
}

/// Where a new access key's secret goes: shown once, never logged.
#[derive(Debug, Clone, Default, PartialEq, Eq, Args)]
pub(crate) struct CredentialArgs {
    /// File for a new access key and its secret, created with mode 0600 and never
    /// overwritten; `-` writes it to stdout [default: ./USER_NAME-KEY_ID.credentials].
    #[arg(long, value_name = "PATH")]
    pub(crate) credentials_file: Option<PathBuf>,

    /// How the key is written [default: ini].
    #[arg(long, value_enum)]
    pub(crate) credentials_format: Option<CredentialsFormatArg>,
}

/// What the role should allow, shared by `create` and `plan`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Args)]
pub(crate) struct RoleArgs {
    /// Bucket to grant, optionally with a key prefix to limit access to (repeatable).
    #[arg(long = "bucket", value_name = "NAME[/PREFIX]", value_parser = values::bucket_scope)]
    pub(crate) buckets: Vec<BucketScope>,

    /// Name of the IAM role [default: activeloop-deeplake-access].
    #[arg(long, value_name = "NAME", value_parser = values::role_name)]
    pub(crate) role_name: Option<String>,

    /// Name of the managed policy [default: ROLE_NAME-s3-access, or USER_NAME-user-s3-access].
    #[arg(long, value_name = "NAME", value_parser = values::policy_name)]
    pub(crate) policy_name: Option<String>,

    /// Description of the role.
    #[arg(long, value_name = "TEXT", value_parser = values::description)]
    pub(crate) description: Option<String>,

    /// Access level on the buckets [default: read-write].
    #[arg(long, value_enum)]
    pub(crate) access: Option<AccessArg>,

    /// Also trust Activeloop's two development backends (for Activeloop's own development).
    #[arg(long, conflicts_with = "principals")]
    pub(crate) trust_dev: bool,

    /// Trust this IAM principal ARN instead of Activeloop's backend (repeatable).
    #[arg(long = "principal", value_name = "ARN", value_parser = values::principal_arn)]
    pub(crate) principals: Vec<String>,

    /// Require this sts:ExternalId when the role is assumed (shown in the Activeloop UI).
    #[arg(long, value_name = "ID", value_parser = values::external_id)]
    pub(crate) external_id: Option<String>,

    /// KMS grants: `auto` finds the buckets' customer-managed keys, `off` grants none, or a key
    /// id, key ARN or alias to grant (repeatable) [default: auto].
    #[arg(long = "kms", value_name = "auto|off|KEY", value_parser = values::kms_value)]
    pub(crate) kms: Vec<KmsValue>,

    /// Take over an existing role or policy of the same name that provision-role did not create.
    #[arg(long)]
    pub(crate) adopt: bool,

    /// Detach managed policies this run does not write (they are kept) and delete the role's
    /// inline policies, so the role holds only these grants.
    #[arg(long)]
    pub(crate) prune: bool,

    #[command(flatten)]
    pub(crate) cors: CorsArgs,

    #[command(flatten)]
    pub(crate) identity: IdentityArgs,

    #[command(flatten)]
    pub(crate) guardrails: GuardrailArgs,
}

/// The CORS rule the Deep Lake web app needs to show data from the buckets.
#[derive(Debug, Clone, Default, PartialEq, Eq, Args)]
pub(crate) struct CorsArgs {
    /// Add Deep Lake's CORS rule to each bucket (other rules are kept), so the Activeloop
    /// web visualizer can show its data.
    #[arg(long)]
    pub(crate) cors: bool,

    /// Origin the CORS rule allows (repeatable; implies --cors) [default: *.activeloop.ai].
    #[arg(long = "cors-origin", value_name = "ORIGIN", value_parser = values::cors_origin)]
    pub(crate) origins: Vec<String>,
}

/// What a company's guardrails (service control policies) may require of the role.
#[derive(Debug, Clone, Default, PartialEq, Eq, Args)]
pub(crate) struct GuardrailArgs {
    /// Managed policy ARN to set as the role's permissions boundary.
    #[arg(long, value_name = "ARN", value_parser = values::boundary_arn)]
    pub(crate) permissions_boundary: Option<String>,

    /// IAM path for the role, e.g. /deeplake/ (part of its ARN) [default: /].
    #[arg(long, value_name = "/PATH/", value_parser = values::iam_path)]
    pub(crate) path: Option<String>,

    /// Tag the role with KEY=VALUE (repeatable); managed-by=provision-role is always added.
    #[arg(long = "tag", value_name = "KEY=VALUE", value_parser = values::tag)]
    pub(crate) tags: Vec<(String, String)>,

    /// Longest session Activeloop may get: 3600-43200 seconds, or 1h-12h [default: 1h].
    #[arg(long, value_name = "DURATION", value_parser = values::session_duration)]
    pub(crate) max_session_duration: Option<u32>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Args)]
pub(crate) struct CreateArgs {
    #[command(flatten)]
    pub(crate) role: RoleArgs,

    #[command(flatten)]
    pub(crate) credentials: CredentialArgs,

    /// Apply without asking for confirmation.
    #[arg(short, long)]
    pub(crate) yes: bool,
}

#[derive(Debug, Clone, Args)]
pub(crate) struct PlanArgs {
    #[command(flatten)]
    pub(crate) role: RoleArgs,

    /// Read the account (identity, bucket encryption, KMS keys, the existing role) to plan
    /// exactly what `create` would change. Makes no writes.
    #[arg(long)]
    pub(crate) discover: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ExportFormat {
    /// A CloudFormation template (YAML), also for StackSets.
    #[value(name = "cloudformation")]
    CloudFormation,
    /// A Terraform configuration (HCL) for the AWS provider.
    Terraform,
}

#[derive(Debug, Clone, Args)]
pub(crate) struct ExportArgs {
    #[command(flatten)]
    pub(crate) role: RoleArgs,

    /// Template format.
    #[arg(long, value_enum)]
    pub(crate) format: ExportFormat,

    /// Write the template to this file instead of stdout (`-` means stdout).
    #[arg(short = 'o', long, value_name = "FILE")]
    pub(crate) output_file: Option<PathBuf>,

    /// Read the account (bucket encryption, KMS keys) like `plan --discover`, so the template
    /// grants the customer-managed keys the buckets use. Makes no writes.
    #[arg(long)]
    pub(crate) discover: bool,
}

#[derive(Debug, Clone, Args)]
pub(crate) struct VerifyArgs {
    /// Role to check [default: activeloop-deeplake-access].
    #[arg(long, value_name = "NAME", value_parser = values::role_name)]
    pub(crate) role_name: Option<String>,

    /// Bucket the role must give access to, and the only ones it may (repeatable) [default: the
    /// buckets its policies name].
    #[arg(long = "bucket", value_name = "NAME[/PREFIX]", value_parser = values::bucket_scope)]
    pub(crate) buckets: Vec<BucketScope>,

    /// Access level the role must give.
    #[arg(long, value_enum, default_value_t = AccessArg::ReadWrite)]
    pub(crate) access: AccessArg,

    /// Principal that must be trusted, and the only ones that may be (repeatable) [default:
    /// Activeloop's backend].
    #[arg(long = "principal", value_name = "ARN", value_parser = values::principal_arn)]
    pub(crate) principals: Vec<String>,

    /// External ID the trust policy must require.
    #[arg(long, value_name = "ID", value_parser = values::external_id)]
    pub(crate) external_id: Option<String>,

    /// Fail (exit 1) on warnings too, e.g. no external ID or a KMS grant broader than needed.
    #[arg(long)]
    pub(crate) strict: bool,

    /// Also check each bucket has Deep Lake's CORS rule, for the Activeloop web visualizer.
    #[arg(long)]
    pub(crate) cors: bool,

    /// Origin the CORS rule must allow (repeatable; implies --cors) [default: *.activeloop.ai].
    #[arg(long = "cors-origin", value_name = "ORIGIN", value_parser = values::cors_origin)]
    pub(crate) cors_origins: Vec<String>,

    /// KMS key the role may use besides its buckets' default keys, as granted with `create
    /// --kms KEY`: a key id, key ARN or alias (repeatable).
    #[arg(long = "kms", value_name = "KEY", value_parser = values::kms_key)]
    pub(crate) kms: Vec<KeyRef>,

    #[command(flatten)]
    pub(crate) identity: IdentityArgs,

    #[command(flatten)]
    pub(crate) guardrails: GuardrailArgs,
}

#[derive(Debug, Clone, Args)]
pub(crate) struct DeleteArgs {
    /// Role to delete [default: activeloop-deeplake-access].
    #[arg(long, value_name = "NAME", value_parser = values::role_name)]
    pub(crate) role_name: Option<String>,

    /// Delete without asking for confirmation (required without a TTY).
    #[arg(short, long)]
    pub(crate) yes: bool,

    /// Show what would be deleted and stop.
    #[arg(long)]
    pub(crate) dry_run: bool,

    /// Also delete a role or policies taken over with --adopt (by default they are kept, with
    /// our tags removed and an adopted policy's earlier default version restored).
    #[arg(long)]
    pub(crate) force: bool,

    /// The policy name used at create, to find policies a failed run left without a role
    /// [default: ROLE_NAME-s3-access, or USER_NAME-user-s3-access].
    #[arg(long, value_name = "NAME", value_parser = values::policy_name)]
    pub(crate) policy_name: Option<String>,

    #[command(flatten)]
    pub(crate) identity: IdentityArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum OldKey {
    /// Make it inactive: it stops working, and can be turned back on.
    Deactivate,
    /// Delete it for good.
    Delete,
    /// Leave it active (deactivate it yourself once the new key is in use).
    Keep,
}

#[derive(Debug, Clone, Args)]
pub(crate) struct RotateKeyArgs {
    /// The user whose key to replace (made by provision-role create --identity user).
    #[arg(
        long,
        value_name = "NAME",
        default_value = "activeloop-deeplake-access",
        value_parser = values::user_name
    )]
    pub(crate) user_name: String,

    /// What happens to the old key once the new one is written.
    #[arg(long, value_enum, default_value_t = OldKey::Deactivate)]
    pub(crate) old: OldKey,

    /// Finish an earlier rotation instead: delete the user's inactive keys (its active key
    /// stays) and make no new key.
    #[arg(long, conflicts_with_all = ["old", "credentials_file", "credentials_format"])]
    pub(crate) finish: bool,

    #[command(flatten)]
    pub(crate) credentials: CredentialArgs,

    /// Rotate without asking for confirmation.
    #[arg(short, long)]
    pub(crate) yes: bool,
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
        let cli =
            Cli::try_parse_from(["provision-role", "--bucket", "b-1", "--yes", "-v"]).unwrap();
        assert!(cli.command.is_none());
        assert_eq!(cli.create.role.buckets, vec![BucketScope::whole("b-1")]);
        assert!(cli.create.yes);
        for args in [
            [
                "provision-role",
                "plan",
                "--bucket",
                "b-1",
                "--output",
                "json",
            ],
            [
                "provision-role",
                "--output",
                "json",
                "plan",
                "--bucket",
                "b-1",
            ],
        ] {
            let cli = Cli::try_parse_from(args).unwrap();
            assert_eq!(cli.global.output, OutputFormat::Json);
        }
    }

    #[test]
    fn bad_values_and_conflicts_are_usage_errors_naming_the_flag() {
        for args in [
            vec![
                "create",
                "--trust-dev",
                "--principal",
                "arn:aws:iam::123456789012:root",
            ],
            vec!["-v", "-q"],
            vec!["create", "--bucket", "Bad_Bucket"],
            vec!["create", "--bucket", "b-1", "--timeout", "0"],
        ] {
            let err = Cli::try_parse_from(std::iter::once("provision-role").chain(args.clone()))
                .unwrap_err();
            assert_eq!(err.exit_code(), 2, "{args:?}");
        }
        let err = Cli::try_parse_from(["provision-role", "create", "--bucket", "Bad_Bucket"])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("--bucket") && err.contains("lowercase"),
            "{err}"
        );
    }
}
