//! Build script: the version `--version` prints, with the commit the
//! binary was built from when that is known: from git when building a
//! checkout of this repository, else from `.cargo_vcs_info.json`, which
//! `cargo package` writes into a crate built from a git checkout. A crate
//! without either (a tarball made elsewhere) prints the bare version.

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let version = std::env::var("CARGO_PKG_VERSION").unwrap_or_default();
    println!("cargo:rerun-if-changed=build.rs");
    let commit = from_git(&dir).or_else(|| from_vcs_info(&dir));
    let long = match commit {
        Some(c) => format!("{version} (commit {c})"),
        None => version,
    };
    println!("cargo:rustc-env=WASM_AUDIT_VERSION={long}");
}

/// `git` output, trimmed; `None` when git is missing or fails.
fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    (out.status.success() && !text.trim().is_empty()).then(|| text.trim().to_string())
}

/// The checked-out commit (12 hex digits) and its date. Only when this
/// package is the top of a git work tree: a crate unpacked inside some
/// other repository must not claim that repository's commit.
fn from_git(dir: &Path) -> Option<String> {
    if !dir.join(".git").exists() {
        return None;
    }
    let line = git(dir, &["log", "-1", "--date=short", "--format=%H %cd"])?;
    let (hash, date) = line.split_once(' ')?;
    // Rebuild when HEAD moves: HEAD itself, the branch it points to, and
    // packed refs (paths from git, so worktrees work too).
    let mut watched = vec!["HEAD".to_string(), "packed-refs".to_string()];
    watched.extend(git(dir, &["symbolic-ref", "-q", "HEAD"]));
    for name in watched {
        if let Some(path) = git(dir, &["rev-parse", "--git-path", &name]) {
            let path = dir.join(path);
            if path.exists() {
                println!("cargo:rerun-if-changed={}", path.display());
            }
        }
    }
    Some(format!("{}, {date}", hash.get(..12)?))
}

/// The commit `cargo package` recorded (`"sha1": "<40 hex>"`).
fn from_vcs_info(dir: &Path) -> Option<String> {
    let path = dir.join(".cargo_vcs_info.json");
    let text = std::fs::read_to_string(&path).ok()?;
    println!("cargo:rerun-if-changed={}", path.display());
    let start = text.find("\"sha1\"")?;
    let hex: String = text
        .get(start + 6..)?
        .chars()
        .skip_while(|c| !c.is_ascii_hexdigit())
        .take_while(|c| c.is_ascii_hexdigit())
        .collect();
    (hex.len() == 40).then(|| hex.get(..12).unwrap_or_default().to_string())
}
