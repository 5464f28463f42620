//! Reading inputs: a `.wasm` binary, WAT text (assembled with the `wat`
//! crate), or `-` for standard input. The file size limit is enforced while
//! reading (at most `limit + 1` bytes are read), not only from metadata,
//! so a growing file or a pipe cannot get past it.
//!
//! A regular file of [`MAP_THRESHOLD`] bytes or more is memory-mapped
//! instead of copied: hashing a composed component reads most of its bytes
//! once per nesting level, and copying a 100 MiB file into fresh memory
//! costs as much CPU time as hashing 40% of it. A mapping shows the file
//! as it is, so a file written while it is audited could show one thing to
//! the hash and another to the walker: the file's size, modification and
//! change times are taken when it is opened and compared once the analysis
//! is done ([`Loaded::unchanged`]); any write changes the change time, and a
//! changed file is an error, never a verdict. A file truncated while mapped
//! kills the process with `SIGBUS` (no output is written: outputs are
//! atomic), which fails closed too.

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Where an input comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A file path.
    Path(PathBuf),
    /// Standard input (`-`).
    Stdin,
    /// An OCI artifact: `oci://REGISTRY/REPO[:TAG|@DIGEST]` or
    /// `oci-layout:DIR[:TAG|@DIGEST]` (see [`crate::oci`]).
    Oci {
        /// The reference as given.
        reference: String,
        /// Whether a registry may be reached over plain HTTP.
        plain_http: bool,
    },
}

impl Source {
    /// `-` is standard input; anything else a path.
    pub fn from_arg(arg: &str) -> Self {
        if arg == "-" {
            Source::Stdin
        } else if crate::oci::is_reference(arg) {
            Source::Oci {
                reference: arg.to_string(),
                plain_http: false,
            }
        } else {
            Source::Path(PathBuf::from(arg))
        }
    }

    /// How the input is named in messages and reports.
    pub fn display(&self) -> String {
        match self {
            Source::Path(p) => p.display().to_string(),
            Source::Stdin => "-".to_string(),
            Source::Oci { reference, .. } => reference.clone(),
        }
    }

    /// This source, reaching registries over plain HTTP when `plain_http`
    /// (`--plain-http`); other sources are unchanged.
    pub fn with_plain_http(self, plain_http: bool) -> Self {
        match self {
            Source::Oci { reference, .. } => Source::Oci {
                reference,
                plain_http,
            },
            other => other,
        }
    }
}

/// Files at least this large are memory-mapped rather than read (below it
/// a copy costs less than setting up a mapping).
pub const MAP_THRESHOLD: u64 = 1 << 20;

/// The bytes of an input: read into memory, or a read-only mapping of a
/// regular file with what its metadata said when it was opened.
#[derive(Debug)]
pub enum Bytes {
    /// Read (standard input, small files, WAT assembled to a binary).
    Owned(Vec<u8>),
    /// A mapped regular file.
    Mapped(Mapped),
}

/// A read-only mapping of a whole regular file.
#[derive(Debug)]
pub struct Mapped {
    map: memmap2::Mmap,
    file: std::fs::File,
    path: PathBuf,
    stamp: Stamp,
}

/// What must not change while a mapped file is audited.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Stamp {
    len: u64,
    modified: Option<std::time::SystemTime>,
    changed: Option<(i64, i64)>,
}

impl Stamp {
    fn of(meta: &std::fs::Metadata) -> Stamp {
        #[cfg(unix)]
        let changed = {
            use std::os::unix::fs::MetadataExt;
            Some((meta.ctime(), meta.ctime_nsec()))
        };
        #[cfg(not(unix))]
        let changed = None;
        Stamp {
            len: meta.len(),
            modified: meta.modified().ok(),
            changed,
        }
    }
}

impl std::ops::Deref for Bytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Bytes::Owned(v) => v,
            Bytes::Mapped(m) => &m.map,
        }
    }
}

impl From<Vec<u8>> for Bytes {
    fn from(v: Vec<u8>) -> Bytes {
        Bytes::Owned(v)
    }
}

impl Bytes {
    /// An error when the bytes are a mapped file that was written, grown or
    /// shrunk since it was opened (what was analysed may not be one file).
    pub fn unchanged(&self) -> Result<()> {
        let Bytes::Mapped(m) = self else {
            return Ok(());
        };
        let now = m.file.metadata().map_err(|e| Error::Read {
            path: m.path.clone(),
            source: e,
        })?;
        if Stamp::of(&now) != m.stamp {
            return Err(Error::Changed {
                path: m.path.clone(),
            });
        }
        Ok(())
    }
}

/// A binary ready to walk.
#[derive(Debug)]
pub struct Loaded {
    /// How the input is named.
    pub name: String,
    /// The binary (assembled from WAT when the input was text).
    pub bytes: Bytes,
    /// True when the input was WAT text.
    pub from_wat: bool,
    /// Where an OCI input came from (its digests verified).
    pub oci: Option<crate::model::OciSource>,
}

impl Loaded {
    /// See [`Bytes::unchanged`].
    pub fn unchanged(&self) -> Result<()> {
        self.bytes.unchanged()
    }
}

/// Reads `source`, refusing more than `max_size` bytes, and assembles WAT text.
pub fn load(source: &Source, max_size: u64) -> Result<Loaded> {
    if let Source::Oci {
        reference,
        plain_http,
    } = source
    {
        let fetched = crate::oci::fetch(reference, *plain_http, max_size)?;
        if !fetched.bytes.starts_with(b"\0asm") {
            return Err(Error::Oci {
                input: reference.clone(),
                message: format!(
                    "the wasm layer {} is not a WebAssembly binary",
                    fetched.source.layer_digest
                ),
            });
        }
        return Ok(Loaded {
            name: reference.clone(),
            bytes: Bytes::Owned(fetched.bytes),
            from_wat: false,
            oci: Some(fetched.source),
        });
    }
    from_bytes(source.display(), read_raw(source, max_size)?)
}

/// Reads the raw bytes of `source`, refusing more than `max_size` bytes.
pub fn read_raw(source: &Source, max_size: u64) -> Result<Bytes> {
    let name = source.display();
    match source {
        Source::Stdin => read_limited(std::io::stdin().lock(), max_size, 0, &name, Path::new("-"))
            .map(Bytes::Owned),
        Source::Path(path) => read_file(path, max_size, &name),
        Source::Oci {
            reference,
            plain_http,
        } => crate::oci::fetch(reference, *plain_http, max_size).map(|f| Bytes::Owned(f.bytes)),
    }
}

/// Accepts `raw` as a binary or WAT text.
pub fn from_bytes(name: String, raw: impl Into<Bytes>) -> Result<Loaded> {
    let raw = raw.into();
    if raw.is_empty() {
        return Err(Error::Empty { input: name });
    }
    if raw.starts_with(b"\0asm") {
        return Ok(Loaded {
            name,
            bytes: raw,
            from_wat: false,
            oci: None,
        });
    }
    let text = match std::str::from_utf8(&raw) {
        Ok(t) => t,
        Err(_) => {
            let head: Vec<String> = raw.iter().take(4).map(|b| format!("{b:02x}")).collect();
            return Err(Error::NotWasm {
                input: name,
                detail: format!("starts with bytes {}", head.join(" ")),
            });
        }
    };
    if !looks_like_wat(text) {
        return Err(Error::NotWasm {
            input: name,
            detail: "text that does not start with `(`".into(),
        });
    }
    match wat::parse_str(text) {
        Ok(bytes) => Ok(Loaded {
            name,
            bytes: Bytes::Owned(bytes),
            from_wat: true,
            oci: None,
        }),
        Err(e) => Err(Error::Wat {
            input: name,
            message: e.to_string(),
        }),
    }
}

/// WAT starts with `(` after white space and comments.
fn looks_like_wat(text: &str) -> bool {
    let mut rest = text.trim_start_matches('\u{feff}');
    loop {
        rest = rest.trim_start();
        if let Some(after) = rest.strip_prefix(";;") {
            rest = after.split_once('\n').map(|(_, r)| r).unwrap_or("");
        } else if rest.starts_with("(;") {
            match rest.find(";)") {
                Some(end) => rest = rest.get(end + 2..).unwrap_or(""),
                None => return false,
            }
        } else {
            return rest.starts_with('(');
        }
    }
}

fn read_file(path: &Path, max_size: u64, name: &str) -> Result<Bytes> {
    let meta = std::fs::metadata(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => Error::NotFound {
            path: path.to_path_buf(),
        },
        _ => Error::Read {
            path: path.to_path_buf(),
            source: e,
        },
    })?;
    if meta.is_dir() {
        return Err(Error::IsDirectory {
            path: path.to_path_buf(),
        });
    }
    if meta.is_file() && meta.len() > max_size {
        return Err(too_large(name, max_size));
    }
    let file = std::fs::File::open(path).map_err(|e| Error::Read {
        path: path.to_path_buf(),
        source: e,
    })?;
    let read_err = |e| Error::Read {
        path: path.to_path_buf(),
        source: e,
    };
    // What was opened, not what the path named a moment ago.
    let meta = file.metadata().map_err(read_err)?;
    if meta.is_file() && meta.len() > max_size {
        return Err(too_large(name, max_size));
    }
    if meta.is_file() && meta.len() >= MAP_THRESHOLD {
        // SAFETY: the mapping is read-only and private to this process; a
        // concurrent write is detected afterwards by `Bytes::unchanged`,
        // and a truncation ends the process with SIGBUS before anything is
        // written (see the module documentation).
        #[allow(unsafe_code)]
        let map = unsafe { memmap2::Mmap::map(&file) }.map_err(read_err)?;
        return Ok(Bytes::Mapped(Mapped {
            map,
            stamp: Stamp::of(&meta),
            file,
            path: path.to_path_buf(),
        }));
    }
    // A regular file's size is known: one allocation, no copies as the
    // buffer grows (a hint only: the file may change while it is read,
    // and the limit below is what holds).
    let hint = if meta.is_file() { meta.len() } else { 0 };
    read_limited(file, max_size, hint, name, path).map(Bytes::Owned)
}

fn read_limited(
    reader: impl Read,
    max_size: u64,
    size_hint: u64,
    name: &str,
    path: &Path,
) -> Result<Vec<u8>> {
    let capacity = usize::try_from(size_hint.min(max_size).saturating_add(1)).unwrap_or(0);
    let mut buf = Vec::new();
    // An allocation that fails is not fatal: reading grows the buffer.
    let _ = buf.try_reserve_exact(capacity);
    reader
        .take(max_size.saturating_add(1))
        .read_to_end(&mut buf)
        .map_err(|e| Error::Read {
            path: path.to_path_buf(),
            source: e,
        })?;
    if buf.len() as u64 > max_size {
        return Err(too_large(name, max_size));
    }
    Ok(buf)
}

fn too_large(name: &str, max_size: u64) -> Error {
    Error::LimitExceeded {
        input: name.to_string(),
        what: format!("input larger than {max_size} bytes"),
        limit: max_size,
        flag: "--max-file-size",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wat_detection() {
        assert!(looks_like_wat("(component)"));
        assert!(looks_like_wat(";; hi\n  (module)"));
        assert!(looks_like_wat("(; block ;) (module)"));
        assert!(!looks_like_wat("hello"));
        assert!(!looks_like_wat("(; unterminated"));
    }

    #[test]
    fn rejects_empty_and_garbage() {
        assert!(matches!(
            from_bytes("x".into(), vec![]),
            Err(Error::Empty { .. })
        ));
        assert!(matches!(
            from_bytes("x".into(), vec![0xff, 0xfe, 0x00, 0x01]),
            Err(Error::NotWasm { .. })
        ));
        assert!(matches!(
            from_bytes("x".into(), b"(module (func $f (result i32))".to_vec()),
            Err(Error::Wat { .. })
        ));
        let ok = from_bytes("x".into(), b"(module)".to_vec()).expect("valid WAT");
        assert!(ok.from_wat);
        assert!(ok.bytes.starts_with(b"\0asm"));
    }
}
