//! The wizard end to end: the real binary in a pseudo-terminal (80x24), driven by key presses,
//! against a real moto server; IAM is read back afterwards.

use std::process::{Command, Stdio};
use std::time::Duration;

use crate::support::TestEnv;
use expectrl::process::unix::WaitStatus;
use expectrl::session::OsSession;
use expectrl::{Eof, Expect, Session};

const PRODUCTION: &str = "arn:aws:iam::597713067985:role/activeloop_backend";
const ROLE_ARN: &str = "arn:aws:iam::123456789012:role/activeloop-deeplake-access";
const ENTER: &str = "\r";
const SPACE: &str = " ";
const ESC: &str = "\x1b";
const CTRL_C: &str = "\x03";

/// Without terminal control sequences, for reading and for failure messages.
fn plain(raw: &[u8]) -> String {
    let text = String::from_utf8_lossy(raw);
    let mut out = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\x1b' if chars.peek() == Some(&'[') => {
                chars.next();
                for c in chars.by_ref() {
                    if c.is_ascii_alphabetic() || c == '~' {
                        break;
                    }
                }
            }
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// The binary in a pseudo-terminal, with everything it printed so far.
struct Pty {
    session: OsSession,
    seen: Vec<u8>,
}

impl Pty {
    /// `cmd` with the terminal as stdin, stdout and stderr; not in CI, so the wizard may start.
    fn spawn(mut cmd: Command) -> Pty {
        cmd.env_remove("CI")
            .env("TERM", "xterm-256color")
            .env("NO_COLOR", "1")
            .stdin(Stdio::inherit())
            .stdout(Stdio::inherit())
            .stderr(Stdio::inherit());
        let mut session = Session::spawn(cmd).expect("spawn the binary in a pty");
        session
            .get_process_mut()
            .set_window_size(80, 24)
            .expect("set the window size");
        session.set_expect_timeout(Some(Duration::from_secs(60)));
        Pty {
            session,
            seen: Vec::new(),
        }
    }

    #[track_caller]
    fn wait_for(&mut self, text: &str) {
        match self.session.expect(text) {
            Ok(found) => {
                self.seen.extend_from_slice(found.before());
                self.seen.extend_from_slice(text.as_bytes());
            }
            Err(err) => panic!("no {text:?} ({err}); the screen so far:\n{}", self.text()),
        }
    }

    #[track_caller]
    fn press(&mut self, keys: &str) {
        self.session.send(keys).expect("send keys to the pty");
    }

    /// Wait for `prompt`, then press `keys`.
    #[track_caller]
    fn answer(&mut self, prompt: &str, keys: &str) {
        self.wait_for(prompt);
        self.press(keys);
    }

    fn text(&self) -> String {
        plain(&self.seen)
    }

    /// Read to the end; the exit code and everything printed.
    #[track_caller]
    fn finish(mut self) -> (i32, String) {
        // The Eof needle "matches" everything left.
        match self.session.expect(Eof) {
            Ok(rest) => rest.matches().for_each(|m| self.seen.extend_from_slice(m)),
            Err(err) => panic!("reading to the end failed ({err}):\n{}", self.text()),
        }
        let code = match self.session.get_process().wait() {
            Ok(WaitStatus::Exited(_, code)) => code,
            other => panic!(
                "the binary did not exit normally: {other:?}\n{}",
                self.text()
            ),
        };
        (code, self.text())
    }
}

/// Walk the wizard up to the bucket list, with `alpha-data` and `beta-data` in the account.
fn start(env: &TestEnv, args: &[&str]) -> Pty {
    env.create_bucket("alpha-data");
    env.create_bucket("beta-data");
    let mut cmd = env.cmd();
    cmd.args(args);
    let mut pty = Pty::spawn(cmd);
    pty.answer("Continue with this account?", ENTER);
    pty.wait_for("Space ticks a bucket");
    pty.wait_for("alpha-data");
    pty
}

/// From the bucket list to the review with every default: tick the first bucket.
fn defaults_to_review(pty: &mut Pty) {
    pty.press(SPACE);
    pty.press(ENTER);
    pty.answer("Limit access to prefixes?", ENTER);
    pty.answer("read-only: list and read objects", ENTER);
    pty.answer("Other principal ARNs", ENTER);
    pty.answer("External ID (empty: none)", ENTER);
    pty.answer("Role name", ENTER);
    pty.answer("Policy name", ENTER);
    pty.wait_for("Create the role?");
}

#[test]
fn defaults_create_the_role_and_print_its_arn_last() {
    let env = TestEnv::new();
    let mut pty = start(&env, &[]);
    defaults_to_review(&mut pty);
    pty.press("y");
    let (code, screen) = pty.finish();
    assert_eq!(code, 0, "{screen}");
    let last = screen.trim_end().lines().last().unwrap_or_default();
    assert_eq!(last.trim(), ROLE_ARN, "{screen}");
    assert!(
        screen.contains("Paste this role ARN into the Activeloop UI"),
        "{screen}"
    );
    assert!(
        screen.contains("provision-role create --bucket alpha-data --yes"),
        "{screen}"
    );
    assert!(screen.contains("Enabling CORS in AWS S3"), "{screen}");

    let trust = env
        .role_trust("activeloop-deeplake-access")
        .expect("the role exists");
    let principal = trust["Statement"][0]["Principal"]["AWS"].to_string();
    assert!(principal.contains(PRODUCTION), "{trust}");
    let attached = env.attached_policies("activeloop-deeplake-access");
    assert_eq!(attached.len(), 1, "{attached:?}");
    assert_eq!(attached[0].0, "activeloop-deeplake-access-s3-access");
    let policy = env.policy_document(&attached[0].1).to_string();
    assert!(policy.contains("arn:aws:s3:::alpha-data"), "{policy}");
    assert!(!policy.contains("beta-data"), "{policy}");
}

#[test]
fn ctrl_c_at_the_bucket_list_creates_nothing() {
    let env = TestEnv::new();
    let mut pty = start(&env, &[]);
    pty.press(CTRL_C);
    let (code, screen) = pty.finish();
    assert_eq!(code, 130, "{screen}");
    assert!(
        screen.contains("cancelled, nothing was created"),
        "{screen}"
    );
    assert!(env.role_names().is_empty());
    assert!(env.policy_names().is_empty());
}

#[test]
fn esc_or_no_at_the_review_creates_nothing() {
    for key in [ESC, "n"] {
        let env = TestEnv::new();
        let mut pty = start(&env, &[]);
        defaults_to_review(&mut pty);
        pty.press(key);
        let (code, screen) = pty.finish();
        assert_eq!(code, 130, "{key:?}: {screen}");
        assert!(
            screen.contains("cancelled, nothing was created"),
            "{screen}"
        );
        assert!(env.role_names().is_empty(), "{key:?}");
        assert!(env.policy_names().is_empty(), "{key:?}");
    }
}

/// `ARN=$(provision-role)`: prompts still work on the terminal, and only the ARN reaches stdout.
#[test]
fn with_stdout_redirected_only_the_arn_is_printed_there() {
    let env = TestEnv::new();
    let out = env.home.path().join("stdout.txt");
    let binary = env.cmd();
    let mut shell = Command::new("sh");
    shell
        .arg("-c")
        .arg(r#"exec "$0" "$@" > "$OUT""#)
        .arg(binary.get_program())
        .args(["--role-name", "piped-role", "--access", "read-only"])
        .args(["--external-id", "ext-123", "--kms", "off"])
        .env("OUT", &out);
    for (key, value) in binary.get_envs() {
        match value {
            Some(value) => shell.env(key, value),
            None => shell.env_remove(key),
        };
    }
    env.create_bucket("alpha-data");
    let mut pty = Pty::spawn(shell);
    pty.answer("Continue with this account?", ENTER);
    pty.wait_for("alpha-data");
    pty.press(SPACE);
    pty.press(ENTER);
    pty.answer("Limit access to prefixes?", ENTER);
    pty.wait_for("Access: read-only (from --access)");
    pty.answer("Other principal ARNs", ENTER);
    pty.wait_for("Role name: piped-role (from --role-name)");
    pty.answer("Policy name", ENTER);
    pty.answer("Create the role?", "y");
    let (code, screen) = pty.finish();
    assert_eq!(code, 0, "{screen}");
    let stdout = std::fs::read_to_string(&out).expect("read the redirected stdout");
    assert_eq!(stdout, "arn:aws:iam::123456789012:role/piped-role\n");
    for flag in ["--role-name piped-role", "--access read-only", "--kms off"] {
        assert!(screen.contains(flag), "{flag}: {screen}");
    }
    assert_eq!(env.role_names(), vec!["piped-role".to_string()]);
}
