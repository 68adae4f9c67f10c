//! Where a new access key's secret goes, and nowhere else: a new file created with mode 0600
//! (never one that exists), or stdout when asked for with `--credentials-file -`. Written as a
//! profile of an AWS credentials file (named after the user), as `KEY=VALUE` lines, or as the
//! JSON a `credential_process` prints. The destination is checked before any AWS request, so a
//! path that cannot be written is refused with nothing created.

use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};

use crate::aws::keys::NewKey;
use crate::exit::UsageError;

const FLAG: &str = "--credentials-file";

/// How the key is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Format {
    /// `[USER]` with `aws_access_key_id` and `aws_secret_access_key`: a profile for
    /// `~/.aws/credentials` (or `AWS_SHARED_CREDENTIALS_FILE`).
    #[default]
    Ini,
    /// `AWS_ACCESS_KEY_ID=…` and `AWS_SECRET_ACCESS_KEY=…` lines: a `.env` file.
    Env,
    /// `{"Version": 1, "AccessKeyId": …, "SecretAccessKey": …}`: a `credential_process` answer.
    Json,
}

impl Format {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Format::Ini => "ini",
            Format::Env => "env",
            Format::Json => "json",
        }
    }
}

/// Where the key goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Target {
    /// `--credentials-file -`: stdout, for piping into a secret store.
    Stdout,
    File(PathBuf),
    /// No `--credentials-file`: `./USER-KEY_ID.credentials`, named once the key id is known
    /// (so a rotation never meets the file of the key before it).
    Default,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Destination {
    pub(crate) target: Target,
    pub(crate) format: Format,
}

/// Where a key was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Written {
    Stdout,
    File(PathBuf),
}

impl Written {
    /// The path, or `-` for stdout (as the flag names it).
    pub(crate) fn label(&self) -> String {
        match self {
            Written::Stdout => "-".to_string(),
            Written::File(path) => path.display().to_string(),
        }
    }
}

/// `./USER-KEY_ID.credentials`.
pub(crate) fn default_path(key: &NewKey) -> PathBuf {
    PathBuf::from(format!("{}-{}.credentials", key.user, key.id))
}

/// The directory a file goes in (`.` for a bare name).
#[cfg(unix)]
fn parent(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// A new file only its owner may read: created exclusively (`O_EXCL`: never one that exists,
/// not even a symlink planted there), with mode 0600 from the start.
#[cfg(unix)]
fn create_private(path: &Path) -> io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
}

/// Elsewhere a new file inherits its folder's ACL, which may let other accounts read it:
/// [`Destination::check`] refuses files there before any request, so this is never reached.
#[cfg(not(unix))]
fn create_private(_path: &Path) -> io::Result<File> {
    Err(io::Error::new(io::ErrorKind::Unsupported, NO_PRIVATE_FILES))
}

/// Why a key file is refused where files cannot be made private to their owner.
#[cfg(not(unix))]
const NO_PRIVATE_FILES: &str = "writing an access key to a file is supported on Linux and macOS \
     only (a new Windows file inherits its folder's ACL, which may let other accounts read the \
     secret); use --credentials-file - to print it to stdout and put it in your secret manager";

/// Whether a new file can be made in `dir`: try one (and remove it). Permission bits alone
/// cannot say (root, read-only mounts, ACLs).
#[cfg(unix)]
fn writable(dir: &Path) -> io::Result<()> {
    let probe = dir.join(format!(".provision-role-probe-{}", std::process::id()));
    create_private(&probe)?;
    std::fs::remove_file(&probe)
}

impl Destination {
    /// Refuse, before any AWS request, a destination that can never take a new key: a
    /// directory, or a directory that is missing or not writable.
    pub(crate) fn check(&self) -> Result<(), UsageError> {
        let path = match &self.target {
            Target::Stdout => return Ok(()),
            Target::File(path) => path.as_path(),
            Target::Default => Path::new("./x.credentials"),
        };
        #[cfg(not(unix))]
        return Err(UsageError::new(format!(
            "{FLAG} {}: {NO_PRIVATE_FILES}",
            path.display()
        )));
        #[cfg(unix)]
        self.check_file(path)
    }

    /// A file: not a directory, in a directory that exists and takes new files.
    #[cfg(unix)]
    fn check_file(&self, path: &Path) -> Result<(), UsageError> {
        if let Target::File(_) = self.target {
            if path.is_dir() {
                return Err(UsageError::new(format!(
                    "{FLAG} {}: is a directory; name a new file in it",
                    path.display()
                )));
            }
        }
        let dir = parent(path);
        let refuse =
            |why: String| Err(UsageError::new(format!("{FLAG} {}: {why}", path.display())));
        if !dir.is_dir() {
            return refuse(format!("directory {} does not exist", dir.display()));
        }
        if let Err(e) = writable(dir) {
            let flag = match self.target {
                Target::Default => format!(" (where the key goes without {FLAG})"),
                _ => String::new(),
            };
            return Err(UsageError::new(format!(
                "cannot create a file in {}{flag}: {e}",
                dir.display()
            )));
        }
        Ok(())
    }

    /// Refuse a file that exists: a credentials file is never overwritten. Asked once a key
    /// is to be made (a re-run that makes none may meet the file of the first run).
    pub(crate) fn refuse_existing(&self) -> Result<(), UsageError> {
        let Target::File(path) = &self.target else {
            return Ok(());
        };
        if path.symlink_metadata().is_ok() {
            return Err(UsageError::new(format!(
                "{FLAG} {}: already exists, and provision-role never overwrites a credentials \
                 file; move it, or name a new file (nothing was changed)",
                path.display()
            )));
        }
        Ok(())
    }

    /// Write the key: a new 0600 file (a partial one is removed), or stdout.
    pub(crate) fn write(&self, key: &NewKey) -> Result<Written> {
        let text = render(self.format, key);
        let path = match &self.target {
            Target::Stdout => {
                let mut out = io::stdout().lock();
                out.write_all(text.as_bytes())
                    .and_then(|()| out.flush())
                    .context("could not write the new access key to stdout")?;
                return Ok(Written::Stdout);
            }
            Target::File(path) => path.clone(),
            Target::Default => default_path(key),
        };
        let result = create_private(&path).and_then(|mut file| {
            let written = file
                .write_all(text.as_bytes())
                .and_then(|()| file.sync_all());
            if written.is_err() {
                let _ = std::fs::remove_file(&path);
            }
            written
        });
        result.with_context(|| {
            format!(
                "could not write the new access key {} to {}",
                key.id,
                path.display()
            )
        })?;
        Ok(Written::File(path))
    }
}

/// The key in `format`. The only place the secret is put into text.
fn render(format: Format, key: &NewKey) -> String {
    let (id, secret) = (&key.id, key.secret.expose());
    match format {
        Format::Ini => format!(
            "[{}]\naws_access_key_id = {id}\naws_secret_access_key = {secret}\n",
            key.user
        ),
        Format::Env => format!("AWS_ACCESS_KEY_ID={id}\nAWS_SECRET_ACCESS_KEY={secret}\n"),
        Format::Json => {
            let doc = serde_json::json!({
                "Version": 1,
                "AccessKeyId": id,
                "SecretAccessKey": secret,
            });
            format!("{doc}\n")
        }
    }
}

/// Remove a file this run wrote, when the key in it was rolled back (it would only mislead).
pub(crate) fn remove(written: &Written) {
    if let Written::File(path) = written {
        let _ = std::fs::remove_file(path);
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use crate::aws::keys::Secret;
    use std::os::unix::fs::PermissionsExt;

    fn key() -> NewKey {
        NewKey {
            user: "dl-user".into(),
            id: "AKIAEXAMPLE".into(),
            secret: Secret::new("s3cr3t/with+chars"),
        }
    }

    #[test]
    fn formats() {
        assert_eq!(
            render(Format::Ini, &key()),
            "[dl-user]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = s3cr3t/with+chars\n"
        );
        assert_eq!(
            render(Format::Env, &key()),
            "AWS_ACCESS_KEY_ID=AKIAEXAMPLE\nAWS_SECRET_ACCESS_KEY=s3cr3t/with+chars\n"
        );
        let json: serde_json::Value = serde_json::from_str(&render(Format::Json, &key())).unwrap();
        assert_eq!(json["Version"], 1);
        assert_eq!(json["SecretAccessKey"], "s3cr3t/with+chars");
    }

    #[test]
    fn a_new_file_is_private_and_never_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.credentials");
        let dest = Destination {
            target: Target::File(path.clone()),
            format: Format::Ini,
        };
        dest.check().unwrap();
        dest.refuse_existing().unwrap();
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            0,
            "the probe is gone"
        );
        assert_eq!(dest.write(&key()).unwrap(), Written::File(path.clone()));
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        dest.check().unwrap();
        let err = dest.refuse_existing().unwrap_err().to_string();
        assert!(err.contains("already exists"), "{err}");
        assert!(dest.write(&key()).is_err(), "O_EXCL refuses it too");
        assert!(std::fs::read_to_string(&path)
            .unwrap()
            .contains("AKIAEXAMPLE"));
    }

    #[test]
    fn missing_directories_and_directories_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let check = |path: PathBuf| {
            Destination {
                target: Target::File(path),
                format: Format::Env,
            }
            .check()
            .unwrap_err()
            .to_string()
        };
        assert!(check(dir.path().join("no/such/k")).contains("does not exist"));
        assert!(check(dir.path().to_path_buf()).contains("is a directory"));
        let file = dir.path().join("plain");
        std::fs::write(&file, "x").unwrap();
        assert!(check(file.join("k")).contains("does not exist"));
    }
}
