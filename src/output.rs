//! Writing output files without ever leaving a partial one behind: the
//! content goes to a temporary file in the destination's directory, which
//! is renamed over the destination only once it is complete. An input file
//! is never an output.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Refuses `out` when it names one of `inputs` (after resolving links), so
/// that no command can overwrite what it reads.
pub fn ensure_not_input(out: &Path, inputs: &[PathBuf]) -> Result<()> {
    let Ok(out_real) = out.canonicalize() else {
        return Ok(()); // does not exist yet: cannot be an input
    };
    for input in inputs {
        if input.canonicalize().is_ok_and(|i| i == out_real) {
            return Err(Error::Usage(format!(
                "refusing to write {}: it is an input of this run",
                out.display()
            )));
        }
    }
    Ok(())
}

/// Writes `bytes` to `path` atomically.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let err = |source: std::io::Error| Error::Write {
        path: path.to_path_buf(),
        source,
    };
    if path.is_dir() {
        return Err(err(std::io::Error::new(
            std::io::ErrorKind::IsADirectory,
            "is a directory",
        )));
    }
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".wasm-audit-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(err)?;
    tmp.write_all(bytes).map_err(err)?;
    // Temporary files are created private (0600); an output is an ordinary
    // file: keep the mode of the file it replaces, else make it readable.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path)
            .map(|m| m.permissions().mode() & 0o777)
            .unwrap_or(0o644);
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(mode))
            .map_err(err)?;
    }
    tmp.as_file().sync_all().map_err(err)?;
    tmp.persist(path).map_err(|e| err(e.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_and_replaces_whole_files() {
        let dir = tempfile::tempdir().expect("tempdir");
        let out = dir.path().join("out.bin");
        write_atomic(&out, b"first").expect("write");
        write_atomic(&out, b"second").expect("replace");
        assert_eq!(std::fs::read(&out).expect("read"), b"second");
        let leftovers: Vec<_> = std::fs::read_dir(dir.path())
            .expect("list")
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().starts_with(".wasm-audit-"))
            .collect();
        assert!(leftovers.is_empty(), "no temporary file left behind");
    }

    #[test]
    fn fails_cleanly_on_a_missing_directory() {
        let dir = tempfile::tempdir().expect("tempdir");
        let out = dir.path().join("missing").join("out.bin");
        assert!(matches!(write_atomic(&out, b"x"), Err(Error::Write { .. })));
        assert!(!out.exists());
    }

    #[test]
    fn refuses_an_input_as_output() {
        let dir = tempfile::tempdir().expect("tempdir");
        let input = dir.path().join("in.wasm");
        std::fs::write(&input, b"x").expect("write");
        let via_dot = dir.path().join(".").join("in.wasm");
        assert!(ensure_not_input(&via_dot, std::slice::from_ref(&input)).is_err());
        assert!(ensure_not_input(&dir.path().join("other"), &[input]).is_ok());
    }
}
