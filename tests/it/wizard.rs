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

/// Answers on the screen (`✔ prompt · answer`): one per decision. A ticked list item also
/// starts with `✔`, but has no `·`.
fn decisions(screen: &str) -> usize {
    screen
        .split("✔ ")
        .skip(1)
        .filter(|after| after.lines().next().unwrap_or_default().contains(" · "))
        .count()
}

/// Walk the wizard up to the bucket list, with `alpha-data` and `beta-data` in the account.
fn start(env: &TestEnv, args: &[&str]) -> Pty {
    env.create_bucket("alpha-data");
    env.create_bucket("beta-data");
    open(env, args)
}

/// The wizard up to the bucket list, with the buckets already made.
fn open(env: &TestEnv, args: &[&str]) -> Pty {
    let mut cmd = env.cmd();
    cmd.args(args);
    let mut pty = Pty::spawn(cmd);
    pty.answer("Continue with this account?", ENTER);
    pty.wait_for("? Buckets");
    pty.wait_for("Type a name, or BUCKET/PREFIX");
    pty
}

/// From the bucket list to the review with every default: tick the first bucket.
fn defaults_to_review(pty: &mut Pty) {
    pty.press(SPACE);
    pty.press(ENTER);
    enter_through_steps_3_to_5(pty);
    pty.wait_for("Cancel: create nothing");
}

/// Enter at access, trust, external ID and the advanced step: every default.
fn enter_through_steps_3_to_5(pty: &mut Pty) {
    pty.answer("read-only: list and read objects", ENTER);
    pty.answer("Other principals, instead of Activeloop", ENTER);
    pty.answer("External ID (empty: none)", ENTER);
    pty.answer("Change the names or the description?", ENTER);
}

#[test]
fn defaults_create_the_role_and_print_its_arn_last() {
    let env = TestEnv::new();
    let mut pty = start(&env, &[]);
    defaults_to_review(&mut pty);
    pty.press(ENTER);
    let (code, screen) = pty.finish();
    assert_eq!(code, 0, "{screen}");
    let last = screen.trim_end().lines().last().unwrap_or_default();
    assert_eq!(last.trim(), ROLE_ARN, "{screen}");
    assert!(
        screen.contains("Paste this role ARN into the Activeloop UI"),
        "{screen}"
    );
    let endpoint = format!("--endpoint-url {}", env.endpoint());
    assert!(
        !screen.contains(&endpoint),
        "AWS_ENDPOINT_URL is not a flag, so the command has none: {screen}"
    );
    assert!(
        screen.contains("provision-role create --bucket alpha-data --cors --yes"),
        "{screen}"
    );
    assert!(!screen.contains("Next:"), "CORS is done: {screen}");
    let cors = env
        .cors("alpha-data")
        .expect("a CORS configuration")
        .to_string();
    assert!(cors.contains("provision-role-deeplake"), "{cors}");
    assert_eq!(
        decisions(&screen),
        7,
        "no KMS key, so no KMS question:\n{screen}"
    );

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

/// The issue's budget: first run, one bucket with a customer-managed key, Enter throughout.
/// Also: the review fits the 24-row screen, and no line of it is wider than 80 columns.
#[test]
fn the_happy_path_takes_at_most_eight_decisions_and_the_review_fits_the_screen() {
    let env = TestEnv::new();
    let (_, key_arn) = env.create_kms_key();
    env.create_bucket("secure-data");
    env.put_bucket_kms("secure-data", &key_arn);
    let mut pty = open(&env, &["--endpoint-url", &env.endpoint()]);
    pty.press(SPACE);
    pty.press(ENTER);
    enter_through_steps_3_to_5(&mut pty);
    pty.answer("Let the role use this KMS key?", ENTER);
    pty.wait_for("Cancel: create nothing");
    let review = pty.text();
    let review = &review[review.rfind("\nStep 7 of 7").expect("the review step")..];
    let rows = review.matches('\n').count() + 1;
    assert!(rows <= 24, "{rows} rows:\n{review}");
    for line in review.lines() {
        let one_word = line.split_whitespace().count() <= 2;
        assert!(line.chars().count() <= 80 || one_word, "{line:?}\n{review}");
    }
    assert!(
        review.contains("Plan: 4 to create, 0 to update, 0 to remove"),
        "{review}"
    );
    pty.press(ENTER);
    let (code, screen) = pty.finish();
    assert_eq!(code, 0, "{screen}");
    let count = decisions(&screen);
    assert!(count <= 8, "{count} decisions:\n{screen}");
    assert!(
        screen.contains(&format!("--endpoint-url {}", env.endpoint())),
        "the flag that shaped the run is in the command: {screen}"
    );
    let attached = env.attached_policies("activeloop-deeplake-access");
    let policy = env.policy_document(&attached[0].1).to_string();
    assert!(policy.contains(&key_arn), "{policy}");
}

#[test]
fn a_rerun_pre_ticks_what_the_role_has_and_enter_through_changes_nothing() {
    let env = TestEnv::new();
    env.create_bucket("alpha-data");
    env.create_bucket("beta-data");
    env.run(&[
        "create",
        "--bucket",
        "beta-data",
        "--external-id",
        "ext-1",
        "--yes",
    ])
    .ok();
    let attached = env.attached_policies("activeloop-deeplake-access");
    let versions = env.policy_versions(&attached[0].1);
    let trust = env.role_trust("activeloop-deeplake-access");

    let mut pty = open(&env, &[]);
    let screen = pty.text();
    assert!(
        screen.contains("Role activeloop-deeplake-access exists (made by provision-role)"),
        "{screen}"
    );
    assert!(screen.contains("✔ beta-data"), "pre-ticked:\n{screen}");
    assert!(screen.contains("⬚ alpha-data"), "{screen}");
    pty.press(ENTER);
    pty.answer("read-only: list and read objects", ENTER);
    pty.answer("Other principals, instead of Activeloop", ENTER);
    pty.wait_for("External ID (empty: none)");
    pty.wait_for("ext-1");
    pty.press(ENTER);
    pty.answer("Change the names or the description?", ENTER);
    let (code, screen) = pty.finish();
    assert_eq!(code, 0, "{screen}");
    assert!(screen.contains("nothing to change"), "{screen}");
    assert!(!screen.contains("Apply these changes?"), "{screen}");
    assert_eq!(env.policy_versions(&attached[0].1), versions);
    assert_eq!(env.role_trust("activeloop-deeplake-access"), trust);
    assert_eq!(
        env.attached_policies("activeloop-deeplake-access"),
        attached
    );
}

#[test]
fn unticking_a_bucket_shows_the_removal_and_the_question_defaults_to_no() {
    let env = TestEnv::new();
    env.create_bucket("alpha-data");
    env.create_bucket("beta-data");
    env.run(&[
        "create",
        "--bucket",
        "alpha-data",
        "--bucket",
        "beta-data",
        "--yes",
    ])
    .ok();
    let attached = env.attached_policies("activeloop-deeplake-access");
    let before = env.policy_document(&attached[0].1);

    let mut pty = open(&env, &[]);
    pty.press(SPACE); // untick alpha-data
    pty.press(ENTER);
    enter_through_steps_3_to_5(&mut pty);
    pty.wait_for("Cancel: keep the role as it is");
    let screen = pty.text();
    assert!(screen.contains("- alpha-data"), "{screen}");
    assert!(
        screen.contains("Plan: 0 to create, 1 to update, 0 to remove"),
        "{screen}"
    );
    assert!(
        screen.contains("this removes 1 grant the role has now: bucket alpha-data"),
        "{screen}"
    );
    pty.press(ENTER);
    let (code, screen) = pty.finish();
    assert_eq!(code, 130, "Enter takes the default, which is No: {screen}");
    assert_eq!(
        screen.matches("cancelled, nothing was changed").count(),
        1,
        "{screen}"
    );
    assert_eq!(env.policy_document(&attached[0].1), before);
}

#[test]
fn a_typed_bucket_that_does_not_exist_is_asked_again() {
    let env = TestEnv::new();
    let mut pty = start(&env, &[]);
    // The last entry: type a name.
    pty.press("\x1b[A");
    pty.press(SPACE);
    pty.press(ENTER);
    pty.answer("Bucket name or BUCKET/PREFIX", "no-such-bucket");
    pty.press(ENTER);
    pty.wait_for("bucket no-such-bucket does not exist");
    pty.press("\x15"); // Ctrl-U clears the answer
    pty.press("beta-data/datasets");
    pty.press(ENTER);
    pty.answer("Another bucket or BUCKET/PREFIX (empty: done)", ENTER);
    enter_through_steps_3_to_5(&mut pty);
    pty.answer("Cancel: create nothing", ENTER);
    let (code, screen) = pty.finish();
    assert_eq!(code, 0, "{screen}");
    let attached = env.attached_policies("activeloop-deeplake-access");
    let policy = env.policy_document(&attached[0].1).to_string();
    assert!(
        policy.contains("arn:aws:s3:::beta-data/datasets/*"),
        "{policy}"
    );
    assert!(!policy.contains("no-such-bucket"), "{policy}");
}

#[test]
fn esc_at_the_external_id_prompt_exits_130_with_nothing_created() {
    let env = TestEnv::new();
    let mut pty = start(&env, &[]);
    pty.press(SPACE);
    pty.press(ENTER);
    pty.answer("read-only: list and read objects", ENTER);
    pty.answer("Other principals, instead of Activeloop", ENTER);
    pty.answer("External ID (empty: none)", "abc");
    std::thread::sleep(Duration::from_millis(200));
    pty.press(ESC);
    let (code, screen) = pty.finish();
    assert_eq!(code, 130, "{screen}");
    assert!(screen.contains("✘ External ID (empty: none)"), "{screen}");
    assert_eq!(
        screen.matches("cancelled, nothing was created").count(),
        1,
        "{screen}"
    );
    assert!(env.role_names().is_empty());
    assert!(env.policy_names().is_empty());
}

#[test]
fn ctrl_c_at_the_bucket_list_creates_nothing() {
    let env = TestEnv::new();
    let mut pty = start(&env, &[]);
    pty.press(CTRL_C);
    let (code, screen) = pty.finish();
    assert_eq!(code, 130, "{screen}");
    assert_eq!(
        screen.matches("cancelled, nothing was created").count(),
        1,
        "{screen}"
    );
    assert!(env.role_names().is_empty());
    assert!(env.policy_names().is_empty());
}

#[test]
fn esc_or_cancel_at_the_review_creates_nothing() {
    for key in [ESC, "\x1b[A"] {
        let env = TestEnv::new();
        let mut pty = start(&env, &[]);
        defaults_to_review(&mut pty);
        pty.press(key);
        if key != ESC {
            pty.press(ENTER); // "Cancel: create nothing", the last choice
        }
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

/// `create` with flags in a terminal: the same short review, the documents on request.
#[test]
fn create_with_flags_in_a_terminal_shows_the_short_review() {
    let env = TestEnv::new();
    env.create_bucket("alpha-data");
    let mut cmd = env.cmd();
    cmd.args(["create", "--bucket", "alpha-data"]);
    let mut pty = Pty::spawn(cmd);
    pty.wait_for("Review: nothing has been written yet.");
    pty.wait_for("Plan: 3 to create, 0 to update, 0 to remove");
    pty.wait_for("Cancel");
    assert!(!pty.text().contains("\"Statement\""), "{}", pty.text());
    pty.press("\x1b[B"); // Show the exact documents
    pty.press(ENTER);
    pty.wait_for("\"Statement\"");
    pty.answer("Cancel", ENTER);
    let (code, screen) = pty.finish();
    assert_eq!(code, 0, "{screen}");
    assert_eq!(
        env.role_names(),
        vec!["activeloop-deeplake-access".to_string()]
    );
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
    pty.wait_for("Access: read-only (from --access)");
    pty.answer("Other principals, instead of Activeloop", ENTER);
    pty.wait_for("  Policy  piped-role-s3-access");
    pty.answer("Change the names or the description?", ENTER);
    pty.answer("Cancel: create nothing", ENTER);
    let (code, screen) = pty.finish();
    assert_eq!(code, 0, "{screen}");
    let stdout = std::fs::read_to_string(&out).expect("read the redirected stdout");
    assert_eq!(stdout, "arn:aws:iam::123456789012:role/piped-role\n");
    for flag in ["--role-name piped-role", "--access read-only", "--kms off"] {
        assert!(screen.contains(flag), "{flag}: {screen}");
    }
    assert_eq!(env.role_names(), vec!["piped-role".to_string()]);
}
