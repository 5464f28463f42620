//! Writing outputs without ever destroying anything.
//!
//! - A regular file (or a path that does not exist yet) is written
//!   atomically: the content goes to a temporary file in the destination's
//!   directory, renamed over the destination only once it is complete, so
//!   no partial file is ever left behind. A symbolic link to a regular file
//!   keeps being a link: its target is replaced.
//! - Anything else that exists (a device such as `/dev/null`, a FIFO, a
//!   terminal, `/dev/stdout`) is written directly, in place, and write
//!   errors (`/dev/full`) are reported: renaming a temporary file over
//!   `/dev/null` would replace the system's device with a regular file.
//! - A path naming the file standard output already goes to (`/dev/stdout`
//!   redirected to a file with `>>`) is written through standard output,
//!   so that the shell's file is appended to, not replaced.
//! - [`ensure_not_read`] refuses an output that is a file the run reads,
//!   and [`ensure_distinct`] two outputs of one run that are the same file.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Where an output goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// Standard output (`-`).
    Stdout,
    /// A file, device or FIFO by path.
    Path(PathBuf),
}

impl Target {
    /// `-` is standard output; anything else a path.
    pub fn from_arg(arg: &Path) -> Target {
        if arg.as_os_str() == "-" {
            Target::Stdout
        } else {
            Target::Path(arg.to_path_buf())
        }
    }

    /// How the target is named in messages.
    pub fn display(&self) -> String {
        match self {
            Target::Stdout => "standard output".into(),
            Target::Path(p) => p.display().to_string(),
        }
    }
}

/// What makes two paths the same file: device and inode on Unix, the
/// canonical path elsewhere.
#[derive(Debug, Clone, PartialEq, Eq)]
enum FileId {
    #[cfg(unix)]
    Inode(u64, u64),
    #[cfg(not(unix))]
    Canonical(PathBuf),
}

#[cfg(unix)]
fn id_of(meta: &std::fs::Metadata, _path: &Path) -> Option<FileId> {
    use std::os::unix::fs::MetadataExt;
    Some(FileId::Inode(meta.dev(), meta.ino()))
}

#[cfg(not(unix))]
fn id_of(_meta: &std::fs::Metadata, path: &Path) -> Option<FileId> {
    path.canonicalize().ok().map(FileId::Canonical)
}

/// The identity of an existing file, links followed.
fn file_id(path: &Path) -> Option<(FileId, std::fs::Metadata)> {
    let meta = std::fs::metadata(path).ok()?;
    Some((id_of(&meta, path)?, meta))
}

/// The identity of the file standard output is connected to.
#[cfg(unix)]
fn stdout_id() -> Option<FileId> {
    use std::os::fd::AsFd;
    let fd = std::io::stdout().as_fd().try_clone_to_owned().ok()?;
    let meta = std::fs::File::from(fd).metadata().ok()?;
    id_of(&meta, Path::new("/dev/stdout"))
}

#[cfg(not(unix))]
fn stdout_id() -> Option<FileId> {
    None
}

/// Refuses `out` when it is one of the regular files in `reads` (after
/// following links, including hard links): no command overwrites what it
/// reads. `what` names the output in the message (`-o`, `--sbom`).
pub fn ensure_not_read(what: &str, out: &Target, reads: &[PathBuf]) -> Result<()> {
    let Target::Path(out) = out else {
        return Ok(());
    };
    let Some((out_id, meta)) = file_id(out) else {
        return Ok(()); // does not exist yet: cannot be read by this run
    };
    if !meta.is_file() {
        return Ok(()); // devices and FIFOs are written in place, never replaced
    }
    for read in reads {
        if file_id(read).is_some_and(|(id, _)| id == out_id) {
            let same = if read == out {
                String::new()
            } else {
                format!(" ({})", read.display())
            };
            return Err(Error::Usage(format!(
                "refusing to write {what} {}: it is an input of this run{same}",
                out.display()
            )));
        }
    }
    Ok(())
}

/// Refuses `out` when it is one of `inputs`: the former name of
/// [`ensure_not_read`].
pub fn ensure_not_input(out: &Path, inputs: &[PathBuf]) -> Result<()> {
    ensure_not_read("the output", &Target::from_arg(out), inputs)
}

/// A key under which two targets compare equal when they are the same
/// destination: standard output, an existing file, or the absolute path a
/// new file would have.
fn destination_key(t: &Target) -> String {
    let path = match t {
        Target::Stdout => return "stdout".into(),
        Target::Path(p) => p,
    };
    if let Some((id, _)) = file_id(path) {
        if stdout_id().as_ref() == Some(&id) {
            return "stdout".into();
        }
        return format!("{id:?}");
    }
    let parent = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let dir = parent
        .canonicalize()
        .or_else(|_| std::path::absolute(parent))
        .unwrap_or_else(|_| parent.to_path_buf());
    format!(
        "{:?}",
        dir.join(path.file_name().unwrap_or(path.as_os_str()))
    )
}

/// Refuses two outputs of one run that would land in the same place: the
/// second would silently replace the first. Each output is `(what, target)`
/// where `what` says which option asked for it.
pub fn ensure_distinct(outputs: &[(String, Target)]) -> Result<()> {
    let mut seen: Vec<(String, &str, &Target)> = Vec::new();
    for (what, target) in outputs {
        let key = destination_key(target);
        if let Some((_, first, _)) = seen.iter().find(|(k, _, _)| *k == key) {
            return Err(Error::Usage(format!(
                "{first} and {what} would both write {}: give each output its own destination",
                target.display()
            )));
        }
        seen.push((key, what, target));
    }
    Ok(())
}

/// Writes `bytes` to `path` as described in the module documentation:
/// atomically for regular files, in place for devices and FIFOs.
pub fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    let err = |source: std::io::Error| Error::Write {
        path: path.to_path_buf(),
        source,
    };
    match std::fs::metadata(path) {
        Ok(meta) => {
            if meta.is_dir() {
                return Err(err(std::io::Error::new(
                    std::io::ErrorKind::IsADirectory,
                    "is a directory",
                )));
            }
            if let (Some(id), Some(out)) = (id_of(&meta, path), stdout_id()) {
                if id == out {
                    let mut stdout = std::io::stdout().lock();
                    return stdout
                        .write_all(bytes)
                        .and_then(|()| stdout.flush())
                        .map_err(err);
                }
            }
            if !meta.is_file() {
                return write_in_place(path, bytes).map_err(err);
            }
            // A link to a regular file stays a link: replace its target.
            let is_link = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
            if is_link {
                let target = path.canonicalize().map_err(err)?;
                return write_atomic_regular(&target, bytes).map_err(err);
            }
            write_atomic_regular(path, bytes).map_err(err)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if std::fs::symlink_metadata(path).is_ok() {
                return Err(err(std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    "is a symbolic link to a missing file; refusing to create its target",
                )));
            }
            write_atomic_regular(path, bytes).map_err(err)
        }
        Err(e) => Err(err(e)),
    }
}

/// The former name of [`write`](fn@write).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    write(path, bytes)
}

/// Devices, FIFOs, terminals: opened for writing (never created, never
/// replaced) and written whole; a short or failed write is an error.
fn write_in_place(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut file = std::fs::OpenOptions::new().write(true).open(path)?;
    file.write_all(bytes)?;
    file.flush()
}

/// A regular file or a new one: a temporary file beside it, renamed over it.
fn write_atomic_regular(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".wasm-audit-")
        .suffix(".tmp")
        .tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    // Temporary files are created private (0600); an output is an ordinary
    // file: keep the mode of the file it replaces, else make it readable.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path)
            .map(|m| m.permissions().mode() & 0o777)
            .unwrap_or(0o644);
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(mode))?;
    }
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leftovers(dir: &Path) -> Vec<std::ffi::OsString> {
        std::fs::read_dir(dir)
            .expect("list")
            .filter_map(|e| e.ok())
            .map(|e| e.file_name())
            .filter(|n| n.to_string_lossy().starts_with(".wasm-audit-"))
            .collect()
    }

    #[test]
    fn writes_and_replaces_whole_files() {
        let dir = tempfile::tempdir().expect("tempdir");
        let out = dir.path().join("out.bin");
        write(&out, b"first").expect("write");
        write(&out, b"second").expect("replace");
        assert_eq!(std::fs::read(&out).expect("read"), b"second");
        assert!(leftovers(dir.path()).is_empty(), "no temporary file left");
    }

    #[test]
    fn fails_cleanly_on_a_missing_directory() {
        let dir = tempfile::tempdir().expect("tempdir");
        let out = dir.path().join("missing").join("out.bin");
        assert!(matches!(write(&out, b"x"), Err(Error::Write { .. })));
        assert!(!out.exists());
    }

    #[test]
    fn refuses_a_file_the_run_reads() {
        let dir = tempfile::tempdir().expect("tempdir");
        let input = dir.path().join("in.wasm");
        std::fs::write(&input, b"x").expect("write");
        let via_dot = dir.path().join(".").join("in.wasm");
        let t = Target::Path(via_dot);
        assert!(ensure_not_read("-o", &t, std::slice::from_ref(&input)).is_err());
        let other = Target::Path(dir.path().join("other"));
        assert!(ensure_not_read("-o", &other, std::slice::from_ref(&input)).is_ok());
        assert!(ensure_not_read("-o", &Target::Stdout, &[input]).is_ok());
    }

    #[cfg(unix)]
    #[test]
    fn a_hard_link_to_an_input_is_the_input() {
        let dir = tempfile::tempdir().expect("tempdir");
        let input = dir.path().join("in.wasm");
        std::fs::write(&input, b"x").expect("write");
        let link = dir.path().join("link.wasm");
        std::fs::hard_link(&input, &link).expect("hard link");
        assert!(ensure_not_read("-o", &Target::Path(link), &[input]).is_err());
    }

    #[cfg(unix)]
    #[test]
    fn a_symlink_stays_a_link_and_its_target_is_replaced() {
        let dir = tempfile::tempdir().expect("tempdir");
        let real = dir.path().join("real.txt");
        std::fs::write(&real, b"old").expect("write");
        let link = dir.path().join("link.txt");
        std::os::unix::fs::symlink(&real, &link).expect("symlink");
        write(&link, b"new").expect("write through the link");
        assert!(std::fs::symlink_metadata(&link)
            .expect("link")
            .file_type()
            .is_symlink());
        assert_eq!(std::fs::read(&real).expect("read"), b"new");

        let dangling = dir.path().join("dangling");
        std::os::unix::fs::symlink(dir.path().join("nowhere"), &dangling).expect("symlink");
        assert!(write(&dangling, b"x").is_err());
        assert!(!dir.path().join("nowhere").exists());
    }

    #[test]
    fn two_outputs_to_one_place_are_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let a = Target::Path(dir.path().join("a.json"));
        let a_again = Target::Path(dir.path().join(".").join("a.json"));
        let b = Target::Path(dir.path().join("b.json"));
        assert!(ensure_distinct(&[("-o".into(), a.clone()), ("--sbom".into(), b.clone())]).is_ok());
        assert!(ensure_distinct(&[("-o".into(), a), ("--sbom".into(), a_again)]).is_err());
        assert!(ensure_distinct(&[
            ("-o".into(), Target::Stdout),
            ("--sbom".into(), Target::Stdout)
        ])
        .is_err());
    }
}
