//! Shared harness for the integration tests: a real `moto` server per test,
//! the real `provision-role` binary run against it, SDK read-back helpers, and
//! `parliament` to lint the policies the tool writes.
//!
//! Nothing here is mocked. The Python tools (moto, parliament) are installed
//! into a private virtualenv by `tests/it/support/install-tools.sh` on first use;
//! if that fails the tests fail: a missing moto is never a skip.
//!
//! The integration tests use it as `crate::support`; the benchmark includes it by path.

pub mod proxy;
pub mod python;

use std::fmt;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
use std::ops::{Deref, DerefMut};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Output, Stdio};
use std::sync::{mpsc, OnceLock};
use std::thread;
use std::time::{Duration, Instant};

use aws_sdk_iam::error::DisplayErrorContext;
use aws_sdk_s3::error::ProvideErrorMetadata;
use serde_json::Value;
use tempfile::TempDir;

/// The region every test client and every test run of the binary uses.
pub const REGION: &str = "us-east-1";
/// The account moto reports for the static test credentials.
pub const MOTO_ACCOUNT: &str = "123456789012";
/// How long one run of the binary may take before the test fails.
const RUN_TIMEOUT: Duration = Duration::from_secs(120);
/// How long moto may take to print its port (first import of moto is slow).
const MOTO_START_TIMEOUT: Duration = Duration::from_secs(60);

const MANIFEST_DIR: &str = env!("CARGO_MANIFEST_DIR");

// ---------------------------------------------------------------------------
// Python tools
// ---------------------------------------------------------------------------

/// Paths to the Python tools in the test virtualenv.
#[derive(Debug, Clone)]
pub struct Tools {
    /// The virtualenv's `python` (has moto installed).
    pub python: PathBuf,
    /// The virtualenv's `parliament` console script.
    pub parliament: PathBuf,
    /// The aws CLI, in a virtualenv of its own (it pins an older botocore than moto's).
    pub aws: PathBuf,
}

/// Installs the tools once per process (the script itself is flock-guarded
/// across processes and a no-op when up to date) and returns their paths.
///
/// Panics with the reason if the installation fails.
pub fn tools() -> &'static Tools {
    static TOOLS: OnceLock<Result<Tools, String>> = OnceLock::new();
    match TOOLS.get_or_init(install_tools) {
        Ok(tools) => tools,
        Err(reason) => panic!("{reason}"),
    }
}

fn install_tools() -> Result<Tools, String> {
    let script = Path::new(MANIFEST_DIR).join("tests/it/support/install-tools.sh");
    let status = Command::new("bash")
        .arg(&script)
        .current_dir(MANIFEST_DIR)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .status()
        .map_err(|e| format!("could not run `bash {}`: {e}", script.display()))?;
    if !status.success() {
        return Err(format!(
            "installing the integration-test tools (moto, parliament, the aws CLI) failed: `bash {}` exited with {status}; \
             see its messages above. The integration tests need python3 with the venv module and access to PyPI.",
            script.display()
        ));
    }
    let tools_dir = std::env::var_os("PROVISION_ROLE_TEST_TOOLS")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(MANIFEST_DIR).join("target/test-tools"));
    let bin = tools_dir.join("venv/bin");
    let tools = Tools {
        python: bin.join("python"),
        parliament: bin.join("parliament"),
        aws: tools_dir.join("awscli-venv/bin/aws"),
    };
    for path in [&tools.python, &tools.parliament, &tools.aws] {
        if !path.is_file() {
            return Err(format!(
                "install-tools.sh succeeded but {} does not exist",
                path.display()
            ));
        }
    }
    Ok(tools)
}

// ---------------------------------------------------------------------------
// moto server
// ---------------------------------------------------------------------------

/// A moto server on a free loopback port, owned by one test.
///
/// The server exits when its stdin closes, so it never outlives the test
/// process; `Drop` closes stdin and then kills and reaps it.
pub struct Moto {
    child: Child,
    stdin: Option<ChildStdin>,
    port: u16,
}

impl Moto {
    /// Starts a fresh server and waits until it has printed its port.
    pub fn start() -> Moto {
        let tools = tools();
        let script = Path::new(MANIFEST_DIR).join("tests/it/support/moto_server.py");
        // moto logs every request on stderr: send it to an anonymous file (a
        // pipe nobody reads would eventually block the server) so a server
        // that fails to start can still say why.
        let log = tempfile::tempfile().expect("create a temporary file for moto's stderr");
        let log_for_child = log.try_clone().expect("clone moto log file handle");
        // moto's own boto3 reads AWS_* too (an inherited AWS_PROFILE naming a
        // profile that isn't there makes every request a 500): scrub them.
        let mut child = without_aws_env(Command::new(&tools.python))
            .arg(&script)
            .current_dir(MANIFEST_DIR)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log_for_child))
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "could not start `{} {}`: {e}",
                    tools.python.display(),
                    script.display()
                )
            });
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().expect("moto stdout is piped");

        // Read the port line on a thread so a server that hangs cannot hang
        // the test; the thread then drains stdout until the server exits.
        let (tx, rx) = mpsc::channel();
        thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            let mut line = String::new();
            let result = reader.read_line(&mut line).map(|_| line);
            let _ = tx.send(result);
            let _ = std::io::copy(&mut reader, &mut std::io::sink());
        });

        let failure = |child: &mut Child, what: String| -> ! {
            let _ = child.kill();
            let status = child.wait();
            let mut log = log.try_clone().expect("clone moto log file handle");
            let mut stderr = String::new();
            let _ = log.seek(SeekFrom::Start(0));
            let _ = log.read_to_string(&mut stderr);
            panic!(
                "moto server did not start: {what} (exit: {status:?})\n--- moto stderr ---\n{stderr}"
            );
        };

        let line = match rx.recv_timeout(MOTO_START_TIMEOUT) {
            Ok(Ok(line)) => line,
            Ok(Err(e)) => failure(&mut child, format!("reading its stdout failed: {e}")),
            Err(_) => failure(
                &mut child,
                format!("no port printed within {MOTO_START_TIMEOUT:?}"),
            ),
        };
        let port = match line.trim().parse::<u16>() {
            Ok(port) if port != 0 => port,
            _ => failure(
                &mut child,
                format!("expected a port number on stdout, got {line:?}"),
            ),
        };
        Moto { child, stdin, port }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// `http://127.0.0.1:PORT`
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        // Closing stdin asks the server to stop; give it a moment, then kill.
        drop(self.stdin.take());
        let deadline = Instant::now() + Duration::from_secs(1);
        while Instant::now() < deadline {
            match self.child.try_wait() {
                Ok(Some(_)) => return,
                Ok(None) => thread::sleep(Duration::from_millis(20)),
                Err(_) => break,
            }
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// ---------------------------------------------------------------------------
// Running the binary
// ---------------------------------------------------------------------------

/// Removes every inherited `AWS_*` variable from `cmd`'s environment.
pub fn without_aws_env(mut cmd: Command) -> Command {
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("AWS_") {
            cmd.env_remove(&key);
        }
    }
    cmd
}

/// Path of the real binary under test.
pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_provision-role")
}

/// A `Command` for the binary with the inherited environment scrubbed of every
/// `AWS_*` variable (so a developer's shell never leaks in), colours off, and
/// stdin null. Callers add what they need on top.
fn scrubbed_cmd(home: &Path) -> Command {
    let mut cmd = without_aws_env(Command::new(bin()));
    for key in [
        "CLICOLOR_FORCE",
        "FORCE_COLOR",
        "PROVISION_ROLE_TIMEOUT",
        "CI",
    ] {
        cmd.env_remove(key);
    }
    cmd.env("NO_COLOR", "1")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("HOME", home)
        .env("AWS_CONFIG_FILE", home.join("no-such-aws-config"))
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            home.join("no-such-aws-credentials"),
        )
        .current_dir(home)
        .stdin(Stdio::null());
    cmd
}

/// [`scrubbed_cmd`] with static test credentials, `AWS_REGION` and `AWS_ENDPOINT_URL`.
fn aws_cmd(home: &Path, endpoint: &str) -> Command {
    let mut cmd = scrubbed_cmd(home);
    cmd.env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", REGION)
        .env("AWS_ENDPOINT_URL", endpoint);
    cmd
}

/// A fresh empty directory under cargo's target tmp dir, for a run's `HOME`.
fn temp_home(prefix: &str) -> TempDir {
    tempfile::Builder::new()
        .prefix(prefix)
        .tempdir_in(env!("CARGO_TARGET_TMPDIR"))
        .expect("create a temporary HOME")
}

/// A loopback endpoint where nothing listens, behind a [`proxy::Proxy`] that counts what
/// reaches it: proof that a run sent no AWS request at all.
pub struct NoAws {
    pub proxy: proxy::Proxy,
}

impl NoAws {
    pub fn new() -> NoAws {
        let dead = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("find a free port")
            .port();
        NoAws {
            proxy: proxy::Proxy::start(dead),
        }
    }

    /// Runs the binary with test credentials, pointed at the counting proxy, in a fresh
    /// `HOME` removed afterwards (see [`TestEnv::cmd`]).
    #[track_caller]
    pub fn run(&self, args: &[&str]) -> Run {
        let home = temp_home("no-aws-home-");
        run_cmd(aws_cmd(home.path(), &self.proxy.endpoint()).args(args))
    }

    /// Panics, saying what `what` sent, unless nothing reached the proxy: not a connection,
    /// so no request either, parsed or not.
    #[track_caller]
    pub fn assert_untouched(&self, what: impl fmt::Debug) {
        // First: it waits for the proxy to take every connection already made.
        let connections = self.proxy.connections();
        let (requests, unparsed) = (self.proxy.requests(), self.proxy.unparsed());
        assert!(
            connections == 0 && requests.is_empty() && unparsed == 0,
            "{what:?} reached AWS: {connections} connection(s), requests {requests:?}, \
             {unparsed} unparsed"
        );
    }
}

impl Default for NoAws {
    fn default() -> Self {
        Self::new()
    }
}

/// A `Command` that owns the temporary `HOME` it runs in: the directory is removed when this
/// is dropped, at the end of the statement or the test that made it. Use it as a `Command`.
pub struct OfflineCmd {
    cmd: Command,
    /// Held only to be removed on drop.
    _home: TempDir,
}

impl Deref for OfflineCmd {
    type Target = Command;

    fn deref(&self) -> &Command {
        &self.cmd
    }
}

impl DerefMut for OfflineCmd {
    fn deref_mut(&mut self) -> &mut Command {
        &mut self.cmd
    }
}

/// A `Command` for the binary with no credentials and no endpoint (for
/// offline `plan` tests): `AWS_*` scrubbed, `AWS_EC2_METADATA_DISABLED=true`,
/// `HOME` a fresh empty directory under cargo's target tmp dir, stdin null.
pub fn offline_cmd() -> OfflineCmd {
    let home = temp_home("offline-home-");
    OfflineCmd {
        cmd: scrubbed_cmd(home.path()),
        _home: home,
    }
}

/// What one run of the binary produced.
#[derive(Clone, PartialEq, Eq)]
pub struct Run {
    /// Exit code; `-1` if the process was ended by a signal.
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl fmt::Debug for Run {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "exit code {}\n--- stdout ---\n{}\n--- stderr ---\n{}\n--- end ---",
            self.code, self.stdout, self.stderr
        )
    }
}

impl fmt::Display for Run {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

impl Run {
    /// Panics, showing both streams, unless the exit code is 0.
    #[track_caller]
    pub fn ok(&self) -> &Self {
        self.code_is(0)
    }

    /// Panics, showing both streams, unless the exit code is `code`.
    #[track_caller]
    pub fn code_is(&self, code: i32) -> &Self {
        assert!(self.code == code, "expected exit code {code}, got {self:?}");
        self
    }

    /// Panics, showing both streams, if the exit code is 0.
    #[track_caller]
    pub fn failed(&self) -> &Self {
        assert!(self.code != 0, "expected a failure, got {self:?}");
        self
    }

    /// Stdout parsed as JSON; panics, showing both streams, if it isn't.
    #[track_caller]
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {self:?}"))
    }

    /// Panics, showing both streams, unless stdout contains `needle`.
    #[track_caller]
    pub fn stdout_has(&self, needle: &str) -> &Self {
        assert!(
            self.stdout.contains(needle),
            "stdout lacks {needle:?}: {self:?}"
        );
        self
    }

    /// Panics, showing both streams, unless stderr contains `needle`.
    #[track_caller]
    pub fn stderr_has(&self, needle: &str) -> &Self {
        assert!(
            self.stderr.contains(needle),
            "stderr lacks {needle:?}: {self:?}"
        );
        self
    }
}

/// Runs a prepared command to completion (stdout and stderr captured), failing
/// the test if it takes longer than two minutes.
#[track_caller]
pub fn run_cmd(cmd: &mut Command) -> Run {
    run_cmd_within(cmd, RUN_TIMEOUT)
}

/// [`run_cmd`] with another time limit.
#[track_caller]
pub fn run_cmd_within(cmd: &mut Command, limit: Duration) -> Run {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("could not start {cmd:?}: {e}"));
    let mut out = child.stdout.take().expect("stdout is piped");
    let mut err = child.stderr.take().expect("stderr is piped");
    let out_reader = thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = out.read_to_end(&mut buf);
        buf
    });
    let err_reader = thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = err.read_to_end(&mut buf);
        buf
    });
    let deadline = Instant::now() + limit;
    let (status, timed_out) = loop {
        match child.try_wait().expect("wait for the binary") {
            Some(status) => break (status, false),
            None if Instant::now() >= deadline => {
                let _ = child.kill();
                break (child.wait().expect("wait for the killed binary"), true);
            }
            None => thread::sleep(Duration::from_millis(10)),
        }
    };
    let run = Run {
        code: status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out_reader.join().unwrap_or_default()).into_owned(),
        stderr: String::from_utf8_lossy(&err_reader.join().unwrap_or_default()).into_owned(),
    };
    assert!(
        !timed_out,
        "{cmd:?} did not finish within {limit:?} and was killed: {run:?}"
    );
    run
}

// ---------------------------------------------------------------------------
// Test environment: moto + HOME + SDK clients
// ---------------------------------------------------------------------------

/// One test's world: its own moto server, an empty `HOME`, a runtime for the
/// SDK clients, and clients pointed at the server.
pub struct TestEnv {
    pub moto: Moto,
    pub home: TempDir,
    pub rt: tokio::runtime::Runtime,
    pub iam: aws_sdk_iam::Client,
    pub s3: aws_sdk_s3::Client,
    pub kms: aws_sdk_kms::Client,
    pub sts: aws_sdk_sts::Client,
}

impl TestEnv {
    pub fn new() -> TestEnv {
        let moto = Moto::start();
        let home = tempfile::Builder::new()
            .prefix("provision-role-home-")
            .tempdir()
            .expect("create a temporary HOME");
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("build a tokio runtime");
        let sdk = sdk_config(&moto.endpoint(), REGION);
        TestEnv {
            iam: aws_sdk_iam::Client::new(&sdk),
            s3: s3_client(&sdk),
            kms: aws_sdk_kms::Client::new(&sdk),
            sts: aws_sdk_sts::Client::new(&sdk),
            moto,
            home,
            rt,
        }
    }

    pub fn endpoint(&self) -> String {
        self.moto.endpoint()
    }

    /// A `Command` for the binary pointed at this test's moto: `AWS_*`
    /// scrubbed from the inherited environment, then static test credentials,
    /// `AWS_REGION=us-east-1`, `AWS_ENDPOINT_URL`, `HOME` = the temp dir,
    /// non-existent AWS config/credentials files, `NO_COLOR=1`, stdin null.
    pub fn cmd(&self) -> Command {
        aws_cmd(self.home.path(), &self.endpoint())
    }

    /// Runs the binary (see [`TestEnv::cmd`]) with `args`.
    #[track_caller]
    pub fn run(&self, args: &[&str]) -> Run {
        run_cmd(self.cmd().args(args))
    }

    /// Like [`TestEnv::run`] with extra environment variables.
    #[track_caller]
    pub fn run_with_env(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        let mut cmd = self.cmd();
        cmd.args(args);
        for (k, v) in env {
            cmd.env(k, v);
        }
        run_cmd(&mut cmd)
    }

    fn block_on<F: std::future::Future>(&self, f: F) -> F::Output {
        self.rt.block_on(f)
    }

    // ----- S3 / KMS setup -----

    pub fn create_bucket(&self, name: &str) {
        self.block_on(self.s3.create_bucket().bucket(name).send())
            .unwrap_or_else(|e| sdk_panic("CreateBucket", name, e));
    }

    /// Creates a bucket whose location is `region` (through a client for that
    /// region, as real S3 requires).
    pub fn create_bucket_in(&self, name: &str, region: &str) {
        use aws_sdk_s3::types::{BucketLocationConstraint, CreateBucketConfiguration};
        if region == "us-east-1" {
            return self.create_bucket(name);
        }
        let client = s3_client(&sdk_config(&self.endpoint(), region));
        let conf = CreateBucketConfiguration::builder()
            .location_constraint(BucketLocationConstraint::from(region))
            .build();
        self.block_on(
            client
                .create_bucket()
                .bucket(name)
                .create_bucket_configuration(conf)
                .send(),
        )
        .unwrap_or_else(|e| sdk_panic("CreateBucket", name, e));
    }

    /// Replaces the bucket's CORS configuration with `rules`, given as S3's JSON
    /// (`[{"ID": …, "AllowedMethods": […], "AllowedOrigins": […], …}]`).
    pub fn put_cors(&self, bucket: &str, rules: &Value) {
        use aws_sdk_s3::types::{CorsConfiguration, CorsRule};
        let list = |r: &Value, k: &str| -> Option<Vec<String>> {
            r[k].as_array()
                .map(|a| a.iter().map(|v| v.as_str().unwrap().to_string()).collect())
        };
        let rules = rules.as_array().expect("a list of rules").iter().map(|r| {
            CorsRule::builder()
                .set_id(r["ID"].as_str().map(str::to_string))
                .set_allowed_headers(list(r, "AllowedHeaders"))
                .set_allowed_methods(list(r, "AllowedMethods"))
                .set_allowed_origins(list(r, "AllowedOrigins"))
                .set_expose_headers(list(r, "ExposeHeaders"))
                .build()
                .expect("methods and origins are given")
        });
        let config = CorsConfiguration::builder()
            .set_cors_rules(Some(rules.collect()))
            .build()
            .unwrap();
        self.block_on(
            self.s3
                .put_bucket_cors()
                .bucket(bucket)
                .cors_configuration(config)
                .send(),
        )
        .unwrap_or_else(|e| sdk_panic("PutBucketCors", bucket, e));
    }

    /// The bucket's CORS rules as S3 holds them, in S3's JSON; None without a
    /// configuration.
    pub fn cors(&self, bucket: &str) -> Option<Value> {
        let out = match self.block_on(self.s3.get_bucket_cors().bucket(bucket).send()) {
            Ok(out) => out,
            Err(e)
                if e.as_service_error().and_then(|s| s.meta().code())
                    == Some("NoSuchCORSConfiguration") =>
            {
                return None
            }
            Err(e) => sdk_panic("GetBucketCors", bucket, e),
        };
        let rules: Vec<Value> = out
            .cors_rules()
            .iter()
            .map(|r| {
                serde_json::json!({
                    "ID": r.id(),
                    "AllowedHeaders": r.allowed_headers(),
                    "AllowedMethods": r.allowed_methods(),
                    "AllowedOrigins": r.allowed_origins(),
                    "ExposeHeaders": r.expose_headers(),
                })
            })
            .collect();
        Some(Value::Array(rules))
    }

    /// Sets the bucket's default encryption to SSE-KMS with `key` (a key id,
    /// key ARN, alias name or alias ARN; stored as given).
    pub fn put_bucket_kms(&self, name: &str, key: &str) {
        self.put_bucket_encryption(
            name,
            aws_sdk_s3::types::ServerSideEncryption::AwsKms,
            Some(key),
        );
    }

    /// Sets the bucket's default encryption to SSE-S3 (AES256).
    pub fn put_bucket_sse_s3(&self, name: &str) {
        self.put_bucket_encryption(name, aws_sdk_s3::types::ServerSideEncryption::Aes256, None);
    }

    fn put_bucket_encryption(
        &self,
        name: &str,
        algorithm: aws_sdk_s3::types::ServerSideEncryption,
        key: Option<&str>,
    ) {
        use aws_sdk_s3::types::{
            ServerSideEncryptionByDefault, ServerSideEncryptionConfiguration,
            ServerSideEncryptionRule,
        };
        let default = ServerSideEncryptionByDefault::builder()
            .sse_algorithm(algorithm)
            .set_kms_master_key_id(key.map(str::to_owned))
            .build()
            .expect("valid ServerSideEncryptionByDefault");
        let conf = ServerSideEncryptionConfiguration::builder()
            .rules(
                ServerSideEncryptionRule::builder()
                    .apply_server_side_encryption_by_default(default)
                    .build(),
            )
            .build()
            .expect("valid ServerSideEncryptionConfiguration");
        self.block_on(
            self.s3
                .put_bucket_encryption()
                .bucket(name)
                .server_side_encryption_configuration(conf)
                .send(),
        )
        .unwrap_or_else(|e| sdk_panic("PutBucketEncryption", name, e));
    }

    /// The bucket's default encryption as `(algorithm, kms key as stored)`;
    /// `None` if it has none. (moto gives new buckets no default encryption;
    /// real S3 reports AES256 for every bucket created since 2023.)
    pub fn bucket_encryption(&self, name: &str) -> Option<(String, Option<String>)> {
        let out = match self.block_on(self.s3.get_bucket_encryption().bucket(name).send()) {
            Ok(out) => out,
            Err(e) if e.code() == Some("ServerSideEncryptionConfigurationNotFoundError") => {
                return None
            }
            Err(e) => sdk_panic("GetBucketEncryption", name, e),
        };
        let rule = out
            .server_side_encryption_configuration()?
            .rules()
            .first()?
            .apply_server_side_encryption_by_default()?;
        Some((
            rule.sse_algorithm().as_str().to_owned(),
            rule.kms_master_key_id().map(str::to_owned),
        ))
    }

    /// Creates a symmetric KMS key; returns `(key_id, key_arn)`.
    pub fn create_kms_key(&self) -> (String, String) {
        let out = self
            .block_on(self.kms.create_key().send())
            .unwrap_or_else(|e| sdk_panic("CreateKey", "", e));
        let meta = out.key_metadata().expect("CreateKey returns KeyMetadata");
        (
            meta.key_id().to_owned(),
            meta.arn().expect("KeyMetadata has an Arn").to_owned(),
        )
    }

    /// Creates `alias_name` (must start with `alias/`) for `key_id`.
    pub fn create_alias(&self, alias_name: &str, key_id: &str) {
        self.block_on(
            self.kms
                .create_alias()
                .alias_name(alias_name)
                .target_key_id(key_id)
                .send(),
        )
        .unwrap_or_else(|e| sdk_panic("CreateAlias", alias_name, e));
    }

    // ----- IAM read-back -----

    /// Names of all roles.
    pub fn role_names(&self) -> Vec<String> {
        let mut names = Vec::new();
        let mut marker = None;
        loop {
            let out = self
                .block_on(self.iam.list_roles().set_marker(marker).send())
                .unwrap_or_else(|e| sdk_panic("ListRoles", "", e));
            names.extend(out.roles().iter().map(|r| r.role_name().to_owned()));
            match out.marker() {
                Some(m) if out.is_truncated() => marker = Some(m.to_owned()),
                _ => return names,
            }
        }
    }

    /// Names of all customer-managed policies (scope `Local`).
    pub fn policy_names(&self) -> Vec<String> {
        use aws_sdk_iam::types::PolicyScopeType;
        let mut names = Vec::new();
        let mut marker = None;
        loop {
            let out = self
                .block_on(
                    self.iam
                        .list_policies()
                        .scope(PolicyScopeType::Local)
                        .set_marker(marker)
                        .send(),
                )
                .unwrap_or_else(|e| sdk_panic("ListPolicies", "", e));
            names.extend(
                out.policies()
                    .iter()
                    .filter_map(|p| p.policy_name().map(str::to_owned)),
            );
            match out.marker() {
                Some(m) if out.is_truncated() => marker = Some(m.to_owned()),
                _ => return names,
            }
        }
    }

    /// Replaces the role's trust policy with `trust` (as someone else would).
    pub fn set_role_trust(&self, role: &str, trust: &Value) {
        self.block_on(
            self.iam
                .update_assume_role_policy()
                .role_name(role)
                .policy_document(trust.to_string())
                .send(),
        )
        .unwrap_or_else(|e| sdk_panic("UpdateAssumeRolePolicy", role, e));
    }

    /// The role's trust policy, decoded; `None` if the role doesn't exist.
    pub fn role_trust(&self, role: &str) -> Option<Value> {
        match self.block_on(self.iam.get_role().role_name(role).send()) {
            Ok(out) => {
                let doc = out
                    .role()
                    .and_then(|r| r.assume_role_policy_document())
                    .unwrap_or_else(|| panic!("GetRole {role}: no AssumeRolePolicyDocument"));
                Some(decode_policy_document(doc))
            }
            Err(e) => {
                if e.as_service_error()
                    .is_some_and(|s| s.is_no_such_entity_exception())
                {
                    None
                } else {
                    sdk_panic("GetRole", role, e)
                }
            }
        }
    }

    /// The role's tags as `(key, value)`, in the order IAM returns them.
    pub fn role_tags(&self, role: &str) -> Vec<(String, String)> {
        let mut tags = Vec::new();
        let mut marker = None;
        loop {
            let out = self
                .block_on(
                    self.iam
                        .list_role_tags()
                        .role_name(role)
                        .set_marker(marker)
                        .send(),
                )
                .unwrap_or_else(|e| sdk_panic("ListRoleTags", role, e));
            tags.extend(
                out.tags()
                    .iter()
                    .map(|t| (t.key().to_owned(), t.value().to_owned())),
            );
            match out.marker() {
                Some(m) if out.is_truncated() => marker = Some(m.to_owned()),
                _ => return tags,
            }
        }
    }

    /// Managed policies attached to the role, as `(policy name, policy arn)`.
    pub fn attached_policies(&self, role: &str) -> Vec<(String, String)> {
        let mut policies = Vec::new();
        let mut marker = None;
        loop {
            let out = self
                .block_on(
                    self.iam
                        .list_attached_role_policies()
                        .role_name(role)
                        .set_marker(marker)
                        .send(),
                )
                .unwrap_or_else(|e| sdk_panic("ListAttachedRolePolicies", role, e));
            policies.extend(out.attached_policies().iter().map(|p| {
                (
                    p.policy_name().unwrap_or_default().to_owned(),
                    p.policy_arn().unwrap_or_default().to_owned(),
                )
            }));
            match out.marker() {
                Some(m) if out.is_truncated() => marker = Some(m.to_owned()),
                _ => return policies,
            }
        }
    }

    /// The default version's document of the managed policy `arn`, decoded.
    pub fn policy_document(&self, arn: &str) -> Value {
        let policy = self
            .block_on(self.iam.get_policy().policy_arn(arn).send())
            .unwrap_or_else(|e| sdk_panic("GetPolicy", arn, e));
        let version = policy
            .policy()
            .and_then(|p| p.default_version_id())
            .unwrap_or_else(|| panic!("GetPolicy {arn}: no DefaultVersionId"))
            .to_owned();
        let out = self
            .block_on(
                self.iam
                    .get_policy_version()
                    .policy_arn(arn)
                    .version_id(&version)
                    .send(),
            )
            .unwrap_or_else(|e| sdk_panic("GetPolicyVersion", arn, e));
        let doc = out
            .policy_version()
            .and_then(|v| v.document())
            .unwrap_or_else(|| panic!("GetPolicyVersion {arn} {version}: no Document"));
        decode_policy_document(doc)
    }

    /// Version ids of the managed policy `arn` (e.g. `["v2", "v1"]`), in the
    /// order IAM lists them.
    pub fn policy_versions(&self, arn: &str) -> Vec<String> {
        let mut versions = Vec::new();
        let mut marker = None;
        loop {
            let out = self
                .block_on(
                    self.iam
                        .list_policy_versions()
                        .policy_arn(arn)
                        .set_marker(marker)
                        .send(),
                )
                .unwrap_or_else(|e| sdk_panic("ListPolicyVersions", arn, e));
            versions.extend(
                out.versions()
                    .iter()
                    .filter_map(|v| v.version_id().map(str::to_owned)),
            );
            match out.marker() {
                Some(m) if out.is_truncated() => marker = Some(m.to_owned()),
                _ => return versions,
            }
        }
    }

    // ----- IAM setup -----

    /// Creates a role this tool did not make: no tags, trusting another
    /// account. Returns its ARN.
    pub fn create_foreign_role(&self, name: &str) -> String {
        let trust = serde_json::json!({
            "Version": "2012-10-17",
            "Statement": [{
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
                "Action": "sts:AssumeRole"
            }]
        });
        let out = self
            .block_on(
                self.iam
                    .create_role()
                    .role_name(name)
                    .assume_role_policy_document(trust.to_string())
                    .send(),
            )
            .unwrap_or_else(|e| sdk_panic("CreateRole", name, e));
        out.role()
            .expect("CreateRole returns a Role")
            .arn()
            .to_owned()
    }

    /// `program` with the environment the binary gets (see [`TestEnv::cmd`]: the test
    /// credentials, this test's moto, no AWS config of the machine's), in this test's HOME,
    /// the aws CLI first on PATH and its region variable set: for the aws CLI and scripts
    /// that call it.
    pub fn aws_cli_cmd(&self, program: &str) -> Command {
        let aws_bin = tools()
            .aws
            .parent()
            .expect("the aws CLI is in a bin folder");
        let path = std::env::join_paths(std::iter::once(aws_bin.to_path_buf()).chain(
            std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
        ))
        .expect("PATH entries join");
        let mut cmd = Command::new(program);
        for (k, v) in self.cmd().get_envs() {
            match v {
                Some(v) => cmd.env(k, v),
                None => cmd.env_remove(k),
            };
        }
        cmd.env("PATH", path)
            .env("AWS_DEFAULT_REGION", REGION)
            .current_dir(self.home.path())
            .stdin(Stdio::null());
        cmd
    }

    /// Runs `script` with `sh -c` (see [`TestEnv::aws_cli_cmd`]), as a person would paste a
    /// command provision-role printed.
    #[track_caller]
    pub fn run_shell(&self, script: &str) -> Run {
        run_cmd(self.aws_cli_cmd("sh").arg("-c").arg(script))
    }

    /// Runs the binary with `args`, its requests going through `proxy` instead of straight to
    /// moto.
    #[track_caller]
    pub fn run_via(&self, proxy: &proxy::Proxy, args: &[&str]) -> Run {
        let mut cmd = self.cmd();
        cmd.env("AWS_ENDPOINT_URL", proxy.endpoint()).args(args);
        run_cmd(&mut cmd)
    }

    // ----- IAM users and access keys -----

    /// Names of all users.
    pub fn user_names(&self) -> Vec<String> {
        let out = self
            .block_on(self.iam.list_users().send())
            .unwrap_or_else(|e| sdk_panic("ListUsers", "", e));
        out.users()
            .iter()
            .map(|u| u.user_name().to_owned())
            .collect()
    }

    /// The user as GetUser returns it (path, ARN, boundary, tags); `None` if it doesn't exist.
    pub fn user(&self, name: &str) -> Option<aws_sdk_iam::types::User> {
        match self.block_on(self.iam.get_user().user_name(name).send()) {
            Ok(out) => out.user,
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_no_such_entity_exception()) =>
            {
                None
            }
            Err(e) => sdk_panic("GetUser", name, e),
        }
    }

    /// The user's tags as `(key, value)`.
    pub fn user_tags(&self, name: &str) -> Vec<(String, String)> {
        let out = self
            .block_on(self.iam.list_user_tags().user_name(name).send())
            .unwrap_or_else(|e| sdk_panic("ListUserTags", name, e));
        out.tags()
            .iter()
            .map(|t| (t.key().to_owned(), t.value().to_owned()))
            .collect()
    }

    /// Managed policies attached to the user, as `(policy name, policy arn)`.
    pub fn user_policies(&self, name: &str) -> Vec<(String, String)> {
        let out = self
            .block_on(
                self.iam
                    .list_attached_user_policies()
                    .user_name(name)
                    .send(),
            )
            .unwrap_or_else(|e| sdk_panic("ListAttachedUserPolicies", name, e));
        out.attached_policies()
            .iter()
            .map(|p| {
                (
                    p.policy_name().unwrap_or_default().to_owned(),
                    p.policy_arn().unwrap_or_default().to_owned(),
                )
            })
            .collect()
    }

    /// The user's access keys as `(id, status)`, e.g. `("AKIA…", "Active")`.
    pub fn access_keys(&self, name: &str) -> Vec<(String, String)> {
        let out = self
            .block_on(self.iam.list_access_keys().user_name(name).send())
            .unwrap_or_else(|e| sdk_panic("ListAccessKeys", name, e));
        out.access_key_metadata()
            .iter()
            .map(|k| {
                (
                    k.access_key_id().unwrap_or_default().to_owned(),
                    k.status()
                        .map(|s| s.as_str().to_owned())
                        .unwrap_or_default(),
                )
            })
            .collect()
    }

    /// Turns moto's request authentication on (every request must be signed by a key IAM
    /// holds, and is checked against its policies) or off (the default). With it on, the
    /// harness's own `testing` credentials are refused too (`InvalidAccessKeyId`).
    pub fn set_auth(&self, on: bool) {
        use std::io::Write;
        let body = if on { "0" } else { "inf" };
        let mut conn =
            std::net::TcpStream::connect(("127.0.0.1", self.moto.port())).expect("connect to moto");
        write!(
            conn,
            "POST /moto-api/reset-auth HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .expect("ask moto to reset auth");
        let mut answer = String::new();
        conn.read_to_string(&mut answer).expect("moto answers");
        assert!(
            answer.starts_with("HTTP/1.1 200") && answer.contains("\"ok\""),
            "reset-auth: {answer}"
        );
    }

    /// An S3 client (path-style, to this moto) that signs with the given key.
    pub fn s3_with(&self, credentials: aws_sdk_iam::config::Credentials) -> aws_sdk_s3::Client {
        use aws_sdk_iam::config::SharedCredentialsProvider;
        let sdk = sdk_config(&self.endpoint(), REGION)
            .into_builder()
            .credentials_provider(SharedCredentialsProvider::new(credentials))
            .build();
        s3_client(&sdk)
    }

    /// Everything IAM holds, as one comparable value: each role (trust, tags, attached and
    /// inline policy names), each user (tags, attached policy names, access keys) and each
    /// customer-managed policy (default version's document, tags, how many versions).
    pub fn iam_state(&self) -> Value {
        let mut roles = serde_json::Map::new();
        for name in self.role_names() {
            let mut attached: Vec<String> = self
                .attached_policies(&name)
                .into_iter()
                .map(|p| p.0)
                .collect();
            attached.sort();
            let mut tags = self.role_tags(&name);
            tags.sort();
            let inline = self
                .block_on(self.iam.list_role_policies().role_name(&name).send())
                .unwrap_or_else(|e| sdk_panic("ListRolePolicies", &name, e))
                .policy_names()
                .to_vec();
            roles.insert(
                name.clone(),
                serde_json::json!({"trust": self.role_trust(&name), "tags": tags,
                    "attached": attached, "inline": inline}),
            );
        }
        let mut policies = serde_json::Map::new();
        for name in self.policy_names() {
            let arn = format!("arn:aws:iam::{MOTO_ACCOUNT}:policy/{name}");
            let tags: Vec<(String, String)> = self
                .block_on(self.iam.list_policy_tags().policy_arn(&arn).send())
                .unwrap_or_else(|e| sdk_panic("ListPolicyTags", &arn, e))
                .tags()
                .iter()
                .map(|t| (t.key().to_owned(), t.value().to_owned()))
                .collect();
            policies.insert(
                name,
                serde_json::json!({"document": self.policy_document(&arn), "tags": tags,
                    "versions": self.policy_versions(&arn).len()}),
            );
        }
        let mut users = serde_json::Map::new();
        for name in self.user_names() {
            let mut attached: Vec<String> =
                self.user_policies(&name).into_iter().map(|p| p.0).collect();
            attached.sort();
            let mut tags = self.user_tags(&name);
            tags.sort();
            users.insert(
                name.clone(),
                serde_json::json!({"tags": tags, "attached": attached,
                    "keys": self.access_keys(&name)}),
            );
        }
        serde_json::json!({"roles": roles, "users": users, "policies": policies})
    }

    /// The role as GetRole returns it (path, boundary, session length, tags…).
    #[track_caller]
    pub fn role(&self, name: &str) -> aws_sdk_iam::types::Role {
        self.block_on(self.iam.get_role().role_name(name).send())
            .unwrap_or_else(|e| sdk_panic("GetRole", name, e))
            .role
            .expect("GetRole returns a role")
    }

    /// Creates a managed policy as someone else would (no tags); returns its ARN.
    #[track_caller]
    pub fn create_policy(&self, name: &str, document: &Value) -> String {
        let out = self
            .block_on(
                self.iam
                    .create_policy()
                    .policy_name(name)
                    .policy_document(document.to_string())
                    .send(),
            )
            .unwrap_or_else(|e| sdk_panic("CreatePolicy", name, e));
        out.policy()
            .and_then(|p| p.arn())
            .expect("an ARN")
            .to_owned()
    }

    /// Attaches the managed policy `arn` to `role`.
    pub fn attach(&self, role: &str, arn: &str) {
        self.block_on(
            self.iam
                .attach_role_policy()
                .role_name(role)
                .policy_arn(arn)
                .send(),
        )
        .unwrap_or_else(|e| sdk_panic("AttachRolePolicy", &format!("{role} {arn}"), e));
    }

    /// Detaches the managed policy `arn` from `role`.
    pub fn detach(&self, role: &str, arn: &str) {
        self.block_on(
            self.iam
                .detach_role_policy()
                .role_name(role)
                .policy_arn(arn)
                .send(),
        )
        .unwrap_or_else(|e| sdk_panic("DetachRolePolicy", &format!("{role} {arn}"), e));
    }
}

impl Default for TestEnv {
    fn default() -> Self {
        Self::new()
    }
}

// ---------------------------------------------------------------------------
// SDK plumbing
// ---------------------------------------------------------------------------

/// An SDK config for the moto endpoint built from scratch: nothing is read
/// from the environment or from `~/.aws`.
pub fn sdk_config(endpoint: &str, region: &str) -> aws_config::SdkConfig {
    use aws_sdk_iam::config::{BehaviorVersion, Credentials, Region, SharedCredentialsProvider};
    aws_config::SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(region.to_owned()))
        .credentials_provider(SharedCredentialsProvider::new(Credentials::new(
            "testing",
            "testing",
            None,
            None,
            "provision-role-tests",
        )))
        .endpoint_url(endpoint)
        .build()
}

fn s3_client(sdk: &aws_config::SdkConfig) -> aws_sdk_s3::Client {
    let conf = aws_sdk_s3::config::Builder::from(sdk)
        .force_path_style(true)
        .build();
    aws_sdk_s3::Client::from_conf(conf)
}

#[track_caller]
fn sdk_panic<E: std::error::Error>(op: &str, what: &str, err: E) -> ! {
    panic!("{op} {what} failed: {}", DisplayErrorContext(err))
}

/// Parses a policy document as IAM returns it. Real IAM percent-encodes
/// documents (RFC 3986); moto percent-encodes role trust policies but returns
/// managed-policy version documents as plain JSON. Handles both.
#[track_caller]
pub fn decode_policy_document(doc: &str) -> Value {
    if let Ok(value) = serde_json::from_str(doc) {
        return value;
    }
    let decoded = percent_encoding::percent_decode_str(doc)
        .decode_utf8()
        .unwrap_or_else(|e| panic!("policy document is not UTF-8 once decoded ({e}): {doc}"));
    serde_json::from_str(&decoded)
        .unwrap_or_else(|e| panic!("policy document is not JSON ({e}): {decoded}"))
}

// ---------------------------------------------------------------------------
// parliament
// ---------------------------------------------------------------------------

/// Lints every file in `dir` (all of them must be IAM policy JSON) with
/// parliament, community auditors included, minimum severity INFO. Returns
/// one JSON line per finding; empty means none.
///
/// Parliament rejects `--file` whenever stdin isn't a TTY (even /dev/null),
/// but `--directory` works with stdin null, which is what this uses. Note that
/// parliament reports a trust policy (no `Resource`) as MALFORMED: lint
/// permission policies only.
#[track_caller]
pub fn parliament_findings(dir: &Path) -> Vec<String> {
    let tools = tools();
    let mut cmd = without_aws_env(Command::new(&tools.parliament));
    cmd.arg("--directory")
        .arg(dir)
        .args([
            "--include-community-auditors",
            "--minimum_severity",
            "INFO",
            "--json",
        ])
        .stdin(Stdio::null());
    let Output {
        status,
        stdout,
        stderr,
    } = cmd
        .output()
        .unwrap_or_else(|e| panic!("could not run {cmd:?}: {e}"));
    let stdout = String::from_utf8_lossy(&stdout);
    let stderr = String::from_utf8_lossy(&stderr);
    let findings: Vec<String> = stdout
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect();
    match status.code() {
        Some(0) if findings.is_empty() => findings,
        Some(1) if !findings.is_empty() => findings,
        _ => panic!(
            "{cmd:?} failed unexpectedly ({status})\n--- stdout ---\n{stdout}\n--- stderr ---\n{stderr}"
        ),
    }
}

/// Validates `instance` against the JSON Schema `schema` with Python's jsonschema (pinned in
/// tests/requirements.txt). Returns one line per violation; empty means valid.
#[track_caller]
pub fn schema_violations(schema: &Value, instance: &Value) -> Vec<String> {
    const CHECK: &str = "import json, sys, jsonschema\n\
        schema = json.load(open(sys.argv[1])); instance = json.load(open(sys.argv[2]))\n\
        jsonschema.Draft202012Validator.check_schema(schema)\n\
        for e in jsonschema.Draft202012Validator(schema).iter_errors(instance):\n\
        \x20   print('/'.join(map(str, e.absolute_path)) + ': ' + e.message)\n";
    let dir = TempDir::new().expect("create a temporary directory for the schema check");
    let (schema_path, instance_path) =
        (dir.path().join("schema.json"), dir.path().join("doc.json"));
    std::fs::write(&schema_path, schema.to_string()).expect("write the schema");
    std::fs::write(&instance_path, instance.to_string()).expect("write the document");
    let out = without_aws_env(Command::new(&tools().python))
        .args(["-c", CHECK])
        .args([&schema_path, &instance_path])
        .stdin(Stdio::null())
        .output()
        .expect("run python for the schema check");
    assert!(
        out.status.success(),
        "the schema check failed to run: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .collect()
}

/// Lints one policy document with parliament (see [`parliament_findings`]).
#[track_caller]
pub fn lint_policy(doc: &Value) -> Vec<String> {
    let dir = TempDir::new().expect("create a temporary directory for parliament");
    std::fs::write(
        dir.path().join("policy.json"),
        serde_json::to_string_pretty(doc).expect("serialize policy"),
    )
    .expect("write policy for parliament");
    parliament_findings(dir.path())
}

// ---------------------------------------------------------------------------
// The layers beside IAM that can still deny access
// ---------------------------------------------------------------------------

impl TestEnv {
    /// Replaces the key's key policy (`default`).
    #[track_caller]
    pub fn put_key_policy(&self, key_id: &str, policy: &Value) {
        let put = self
            .kms
            .put_key_policy()
            .key_id(key_id)
            .policy_name("default");
        self.block_on(put.policy(policy.to_string()).send())
            .unwrap_or_else(|e| sdk_panic("PutKeyPolicy", key_id, e));
    }

    /// The key's key policy (`default`).
    #[track_caller]
    pub fn key_policy(&self, key_id: &str) -> Value {
        let get = self
            .kms
            .get_key_policy()
            .key_id(key_id)
            .policy_name("default");
        let out = self
            .block_on(get.send())
            .unwrap_or_else(|e| sdk_panic("GetKeyPolicy", key_id, e));
        serde_json::from_str(out.policy().expect("a key policy")).unwrap()
    }

    #[track_caller]
    pub fn put_bucket_policy(&self, bucket: &str, policy: &Value) {
        let put = self.s3.put_bucket_policy().bucket(bucket);
        self.block_on(put.policy(policy.to_string()).send())
            .unwrap_or_else(|e| sdk_panic("PutBucketPolicy", bucket, e));
    }

    /// Makes the bucket Requester Pays (through the moto extension in moto_server.py).
    #[track_caller]
    pub fn put_requester_pays(&self, bucket: &str) {
        use aws_sdk_s3::types::{Payer, RequestPaymentConfiguration};
        let config = RequestPaymentConfiguration::builder()
            .payer(Payer::Requester)
            .build()
            .expect("a payer");
        let put = self.s3.put_bucket_request_payment().bucket(bucket);
        self.block_on(put.request_payment_configuration(config).send())
            .unwrap_or_else(|e| sdk_panic("PutBucketRequestPayment", bucket, e));
    }

    #[track_caller]
    pub fn put_role_boundary(&self, role: &str, arn: &str) {
        let put = self.iam.put_role_permissions_boundary().role_name(role);
        self.block_on(put.permissions_boundary(arn).send())
            .unwrap_or_else(|e| sdk_panic("PutRolePermissionsBoundary", role, e));
    }

    /// A user with one inline policy and an access key; returns `(key id, secret)`.
    #[track_caller]
    pub fn user_with_policy(&self, name: &str, policy: &Value) -> (String, String) {
        self.block_on(self.iam.create_user().user_name(name).send())
            .unwrap_or_else(|e| sdk_panic("CreateUser", name, e));
        let put = self.iam.put_user_policy().user_name(name).policy_name("p");
        self.block_on(put.policy_document(policy.to_string()).send())
            .unwrap_or_else(|e| sdk_panic("PutUserPolicy", name, e));
        let out = self
            .block_on(self.iam.create_access_key().user_name(name).send())
            .unwrap_or_else(|e| sdk_panic("CreateAccessKey", name, e));
        let key = out.access_key().expect("an access key");
        (
            key.access_key_id().to_string(),
            key.secret_access_key().to_string(),
        )
    }
}
