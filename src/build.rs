//! Names the build for `--version`: the git commit it was made from, where that is known (not
//! in an sdist or a crate tarball, nor without git), so a bug report says which build it is.

use std::path::PathBuf;
use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    let text = text.trim();
    (out.status.success() && !text.is_empty()).then(|| text.to_string())
}

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let version = env!("CARGO_PKG_VERSION");
    let long = match git(&["rev-parse", "--short=12", "HEAD"]) {
        Some(commit) => {
            // Rebuild when HEAD moves (a commit, a checkout), and only then.
            if let Some(dir) = git(&["rev-parse", "--git-dir"]).map(PathBuf::from) {
                println!("cargo:rerun-if-changed={}", dir.join("HEAD").display());
            }
            if let (Some(common), Some(head_ref)) = (
                git(&["rev-parse", "--git-common-dir"]).map(PathBuf::from),
                git(&["symbolic-ref", "-q", "HEAD"]),
            ) {
                println!("cargo:rerun-if-changed={}", common.join(head_ref).display());
            }
            format!("{version} (commit {commit})")
        }
        None => version.to_string(),
    };
    println!("cargo:rustc-env=PROVISION_ROLE_LONG_VERSION={long}");
}
