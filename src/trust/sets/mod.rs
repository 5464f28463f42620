//! Trusted digest sets: reading them from the project's own JSON format and
//! from the pins other tools already write (`wkg.lock`,
//! `Cargo-component.lock`, `spin.toml`).
//!
//! A set is untrusted input until its signature has been checked, and even
//! then it is a file a person edits by hand, so every error names the file
//! and where in it the problem is (a JSON line and column, a TOML line, an
//! entry), and nothing here panics or grows without bound on what the file
//! says: the file size and the entry count are capped.
//!
//! What each format yields:
//! - JSON, full form `{"version": 1, "entries": [{name, version?, digest,
//!   source?}]}` (schema: `schemas/trust-set.schema.json`), the map form
//!   `{"<name>": "<digest>"}` and the list form `["<digest>"]` (no names);
//! - `wkg.lock` / `Cargo-component.lock`: one entry per locked package
//!   version (name, version, digest, registry as the source); these pin WIT
//!   packages;
//! - `spin.toml` (manifest v2 `[component.<id>]` and v1 `[[component]]`):
//!   one entry per component whose `source` table carries a `digest` (name =
//!   component id, source = URL); local-path sources pin nothing and are
//!   skipped, so a manifest may yield an empty set. An empty set is returned
//!   as such: whether that is an error is the caller's decision, as only the
//!   caller knows whether the set was meant to pin anything.
//!
//! Entries keep the order they are written in. An entry that repeats an
//! earlier one exactly is dropped; the same name (and version) with another
//! digest is an error, because a verdict of "substituted" would otherwise
//! depend on which line happened to win.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::ops::Range;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use toml::de::{DeTable, DeValue};

use super::{SetKind, TrustEntry, TrustSet};

/// The largest set file read (64 MiB). A set lists digests, about 100
/// bytes each; anything bigger is not a set someone maintains, and the cap
/// bounds the memory a hostile file can make the parsers use.
pub const MAX_SET_SIZE: usize = 64 << 20;

/// The most entries a set may have, counted as written (before exact
/// repeats are dropped), so the work and memory per set stay bounded.
pub const MAX_ENTRIES: usize = 1_000_000;

/// Why a trust set could not be read. Every variant names the set's file
/// (`path`) and, where the problem has one, its place in the file.
#[derive(Debug, thiserror::Error)]
pub enum SetError {
    /// Not JSON, or JSON of the wrong shape (a missing or unknown key, a
    /// wrong type). `message` is serde_json's, prefixed with the entry it is
    /// in when there is one.
    #[error("{path}:{line}:{column}: {message}")]
    Json {
        /// The set's file, as named.
        path: String,
        /// 1-based line of the problem.
        line: usize,
        /// 1-based column of the problem.
        column: usize,
        /// What is wrong.
        message: String,
    },

    /// Not TOML, not UTF-8, or a field this reader uses has the wrong type
    /// or is missing.
    #[error("{path}:{line}: {message}")]
    Toml {
        /// The set's file, as named.
        path: String,
        /// 1-based line of the problem.
        line: usize,
        /// What is wrong.
        message: String,
    },

    /// A digest that is not `sha256:` followed by 64 hex digits. `at` is
    /// the entry and its position (`entries[3] (line 5, column 80)`) in
    /// JSON, the line (`line 12`) in TOML; `digest` is the text as written
    /// (cut short when long).
    #[error("{path}: {at}: bad digest `{digest}`: {why}")]
    BadDigest {
        /// The set's file, as named.
        path: String,
        /// Where the digest is written.
        at: String,
        /// The digest as written.
        digest: String,
        /// Why it is not a digest.
        why: String,
    },

    /// The same name (and version) pinned to two different digests; `at`
    /// is the second pin. The details are boxed to keep every `Result`
    /// of this module small.
    #[error("{path}: {at}: {conflict}")]
    Duplicate {
        /// The set's file, as named.
        path: String,
        /// Where the second pin is written.
        at: String,
        /// The two pins that disagree.
        conflict: Box<Conflict>,
    },

    /// The file has no content at all (zero bytes, or only white space).
    #[error("{path}: the file is empty")]
    Empty {
        /// The set's file, as named.
        path: String,
    },

    /// A format version this build does not read.
    #[error("{path}: {at}: {why}")]
    Unsupported {
        /// The set's file, as named.
        path: String,
        /// Where the version is written (`version` in JSON, `line 3` in TOML).
        at: String,
        /// Which version, and which one is read.
        why: String,
    },

    /// The file is larger than [`MAX_SET_SIZE`].
    #[error("{path}: larger than the {limit}-byte limit for trust sets")]
    TooLarge {
        /// The set's file, as named.
        path: String,
        /// [`MAX_SET_SIZE`], in bytes.
        limit: usize,
    },

    /// The file has more than [`MAX_ENTRIES`] entries.
    #[error("{path}: {at}: more than {limit} entries")]
    TooManyEntries {
        /// The set's file, as named.
        path: String,
        /// Where the entry past the limit is written.
        at: String,
        /// The limit, [`MAX_ENTRIES`].
        limit: usize,
    },
}

impl SetError {
    /// The set's file as named in the error.
    pub fn path(&self) -> &str {
        match self {
            SetError::Json { path, .. }
            | SetError::Toml { path, .. }
            | SetError::BadDigest { path, .. }
            | SetError::Duplicate { path, .. }
            | SetError::Empty { path }
            | SetError::Unsupported { path, .. }
            | SetError::TooLarge { path, .. }
            | SetError::TooManyEntries { path, .. } => path,
        }
    }

    /// Adds the JSON position to an error found by a check while serde_json
    /// was reading: only serde_json knows the position, and it only hands it
    /// out on its own error.
    fn at_json_position(mut self, line: usize, column: usize) -> Self {
        match &mut self {
            SetError::BadDigest { at, .. }
            | SetError::Duplicate { at, .. }
            | SetError::Unsupported { at, .. }
            | SetError::TooManyEntries { at, .. } => {
                at.push_str(&format!(" (line {line}, column {column})"));
            }
            SetError::Json { .. }
            | SetError::Toml { .. }
            | SetError::Empty { .. }
            | SetError::TooLarge { .. } => {}
        }
        self
    }
}

/// Two pins of one name (and version) that disagree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    /// The pinned name (component or package name).
    pub name: String,
    /// The pinned version, when the pins give one.
    pub version: Option<String>,
    /// `sha256:<hex>` of the first pin.
    pub first_digest: String,
    /// Where the first pin is (`trusted.json: entries[0]`, `wkg.lock:12`).
    pub first_origin: String,
    /// `sha256:<hex>` of the second pin.
    pub second_digest: String,
}

impl fmt::Display for Conflict {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "`{}`", self.name)?;
        if let Some(v) = &self.version {
            write!(f, " version `{v}`")?;
        }
        write!(
            f,
            " is pinned to two different digests: {} (at {}) and {}",
            self.first_digest, self.first_origin, self.second_digest
        )
    }
}

/// Normalises a digest to `sha256:<64 lowercase hex>`.
///
/// Accepts `sha256:<hex>` and bare 64-digit hex, in either case, because
/// people paste digests from `sha256sum` (bare) and from registries
/// (prefixed). Anything else is rejected with the reason: another
/// algorithm (the tool only computes SHA-256, so such a pin could never
/// match), a wrong number of digits, or a character that is not hex.
pub fn normalize_digest(s: &str) -> Result<String, String> {
    if s.is_empty() {
        return Err("the digest is empty".into());
    }
    let hex = match s.split_once(':') {
        None => s,
        Some(("sha256", hex)) => hex,
        Some(("", _)) => return Err("no algorithm before `:`".into()),
        Some((alg, _)) if alg.eq_ignore_ascii_case("sha256") => {
            return Err(format!(
                "the algorithm is written `{}`; digests write it `sha256`",
                clip(alg)
            ))
        }
        Some((alg, _)) => {
            return Err(format!(
                "unsupported algorithm `{}` (only sha256 digests can match)",
                clip(alg)
            ))
        }
    };
    // Bytes, not chars: everything before the first non-hex byte is ASCII,
    // so that byte starts the offending character.
    if let Some(i) = hex.bytes().position(|b| !b.is_ascii_hexdigit()) {
        let c = hex.get(i..).and_then(|t| t.chars().next()).unwrap_or('?');
        return Err(format!(
            "{c:?} at offset {i} of the hex digits is not a hex digit"
        ));
    }
    if hex.len() != 64 {
        return Err(format!("expected 64 hex digits, found {}", hex.len()));
    }
    let mut out = String::with_capacity(7 + 64);
    out.push_str("sha256:");
    out.push_str(hex);
    out.make_ascii_lowercase();
    Ok(out)
}

/// Detects the kind of a set from its file name, else from its content.
///
/// Names are matched on the final path component, case-insensitively, by
/// prefix as well as exactly (`wkg.lock`, `Cargo-component.lock`,
/// `spin.toml`), since copies are often renamed with a suffix
/// (`wkg.lock__wasmCloud+wash@2915b44b.lock`). A `.json` name is JSON. Any
/// other name is sniffed: content that parses as TOML is a `spin.toml` if
/// it has `[component.*]` / `[[component]]` tables with a `source` (or a
/// manifest version key), a `wkg.lock` if it has `[[packages]]`, a
/// `Cargo-component.lock` if it has `[[package]]` with `[[package.version]]`
/// tables; everything else is taken as JSON, whose parser then gives the
/// clearest error if it is not.
pub fn detect_kind(file_name: &str, bytes: &[u8]) -> SetKind {
    let base = file_name
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or(file_name)
        .to_ascii_lowercase();
    if base.starts_with("wkg.lock") {
        return SetKind::WkgLock;
    }
    if base.starts_with("cargo-component.lock") {
        return SetKind::CargoComponentLock;
    }
    if base.starts_with("spin.toml") {
        return SetKind::SpinToml;
    }
    if base.ends_with(".json") {
        return SetKind::Json;
    }
    sniff_toml(bytes).unwrap_or(SetKind::Json)
}

/// Parses a set from its exact bytes. `path` is how the file is named in
/// messages and entry origins; the set's digest is over `bytes` as given.
///
/// A document that is well formed but pins nothing (`[]`, `{}`, a
/// `spin.toml` whose sources are all local paths) yields a set with no
/// entries; only a file with no content at all is [`SetError::Empty`].
pub fn parse(path: &str, bytes: &[u8], kind: SetKind) -> Result<TrustSet, SetError> {
    if bytes.len() > MAX_SET_SIZE {
        return Err(SetError::TooLarge {
            path: path.to_owned(),
            limit: MAX_SET_SIZE,
        });
    }
    // Editors on Windows may prepend a byte-order mark; it is invisible
    // there, so positions are counted without it.
    let body = bytes.strip_prefix(BOM).unwrap_or(bytes);
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(SetError::Empty {
            path: path.to_owned(),
        });
    }
    let mut collector = Collector::new(path);
    match kind {
        SetKind::Json => json::read(path, body, &mut collector)?,
        SetKind::WkgLock | SetKind::CargoComponentLock | SetKind::SpinToml => {
            pins::read(path, body, kind, &mut collector)?
        }
    }
    Ok(TrustSet {
        path: path.to_owned(),
        digest: crate::digest::sha256(bytes),
        kind,
        entries: collector.entries,
    })
}

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Cuts untrusted text that is echoed in a message, so that one bad value
/// cannot make a message megabytes long.
pub(crate) fn clip(s: &str) -> String {
    clip_to(s, 100)
}

fn clip_to(s: &str, max_chars: usize) -> String {
    match s.char_indices().nth(max_chars) {
        Some((i, _)) => format!("{}…", s.get(..i).unwrap_or_default()),
        None => s.to_owned(),
    }
}

/// An entry as read, before the [`Collector`] places it.
struct Pin {
    name: Option<String>,
    version: Option<String>,
    digest: String,
    source: Option<String>,
}

/// Gathers entries in order, counts them against [`MAX_ENTRIES`], drops
/// exact repeats and rejects conflicting ones.
struct Collector<'p> {
    path: &'p str,
    entries: Vec<TrustEntry>,
    /// Named entries by (name, version), to find conflicts.
    named: HashMap<(String, Option<String>), usize>,
    /// Digests of unnamed entries, to drop repeats.
    unnamed: HashSet<String>,
    written: usize,
}

impl<'p> Collector<'p> {
    fn new(path: &'p str) -> Self {
        Self {
            path,
            entries: Vec::new(),
            named: HashMap::new(),
            unnamed: HashSet::new(),
            written: 0,
        }
    }

    /// Adds one entry. Its `origin` and `at` (its place, for the entry and
    /// for messages) are only built when used, as a set may have a million
    /// entries.
    fn push(
        &mut self,
        pin: Pin,
        origin: impl FnOnce() -> String,
        at: impl FnOnce() -> String,
    ) -> Result<(), SetError> {
        self.written += 1;
        if self.written > MAX_ENTRIES {
            return Err(SetError::TooManyEntries {
                path: self.path.to_owned(),
                at: at(),
                limit: MAX_ENTRIES,
            });
        }
        match &pin.name {
            Some(name) => {
                let key = (name.clone(), pin.version.clone());
                if let Some(first) = self.named.get(&key).and_then(|&i| self.entries.get(i)) {
                    if first.digest == pin.digest {
                        return Ok(());
                    }
                    return Err(SetError::Duplicate {
                        path: self.path.to_owned(),
                        at: at(),
                        conflict: Box::new(Conflict {
                            name: clip(name),
                            version: pin.version.as_deref().map(clip),
                            first_digest: first.digest.clone(),
                            first_origin: first.origin.clone(),
                            second_digest: pin.digest,
                        }),
                    });
                }
                self.named.insert(key, self.entries.len());
            }
            None => {
                if self.unnamed.contains(&pin.digest) {
                    return Ok(());
                }
                self.unnamed.insert(pin.digest.clone());
            }
        }
        self.entries.push(TrustEntry {
            name: pin.name,
            version: pin.version,
            digest: pin.digest,
            source: pin.source,
            origin: origin(),
        });
        Ok(())
    }
}

// The JSON format and its simple forms (`json.rs`); the pin files of
// other tools, wkg.lock, Cargo-component.lock and spin.toml (`pins.rs`).
mod json;

pub(crate) mod pins;

fn sniff_toml(bytes: &[u8]) -> Option<SetKind> {
    pins::sniff(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEX: &str = "e7e85458e11caf76554b724ebf4f113259decf0f3b1ee2e2930de096f72114a7";

    #[test]
    fn prefixed_lowercase_is_kept() {
        let d = format!("sha256:{HEX}");
        assert_eq!(normalize_digest(&d), Ok(d.clone()));
    }

    #[test]
    fn bare_and_uppercase_hex_are_normalised() {
        let want = format!("sha256:{HEX}");
        assert_eq!(normalize_digest(HEX), Ok(want.clone()));
        assert_eq!(
            normalize_digest(&HEX.to_ascii_uppercase()),
            Ok(want.clone())
        );
        assert_eq!(
            normalize_digest(&format!("sha256:{}", HEX.to_ascii_uppercase())),
            Ok(want)
        );
    }

    #[test]
    fn other_algorithms_are_rejected() {
        let why = normalize_digest(&format!("sha512:{HEX}{HEX}")).unwrap_err();
        assert!(why.contains("unsupported algorithm `sha512`"), "{why}");
        let why = normalize_digest(&format!("SHA256:{HEX}")).unwrap_err();
        assert!(why.contains("`SHA256`"), "{why}");
        let why = normalize_digest(&format!(":{HEX}")).unwrap_err();
        assert!(why.contains("no algorithm"), "{why}");
    }

    #[test]
    fn wrong_length_is_rejected_with_the_count() {
        let short = HEX.get(..63).unwrap_or_default();
        assert_eq!(
            normalize_digest(short),
            Err("expected 64 hex digits, found 63".into())
        );
        assert_eq!(
            normalize_digest(&format!("sha256:{HEX}0")),
            Err("expected 64 hex digits, found 65".into())
        );
        assert_eq!(
            normalize_digest("sha256:"),
            Err("expected 64 hex digits, found 0".into())
        );
        assert_eq!(normalize_digest(""), Err("the digest is empty".into()));
    }

    #[test]
    fn non_hex_is_rejected_with_the_character() {
        let mut bad = HEX.to_owned();
        bad.replace_range(10..11, "g");
        assert_eq!(
            normalize_digest(&bad),
            Err("'g' at offset 10 of the hex digits is not a hex digit".into())
        );
        let why = normalize_digest(&format!(" sha256:{HEX}")).unwrap_err();
        assert!(why.contains("unsupported algorithm"), "{why}");
        let why = normalize_digest(&format!("sha256:{HEX} ")).unwrap_err();
        assert!(why.contains("' ' at offset 64"), "{why}");
        let why = normalize_digest("sha256:é").unwrap_err();
        assert!(why.contains("'é'"), "{why}");
    }

    #[test]
    fn template_headers_are_quoted_without_moving_lines() {
        let text = "a = 1\n[component.{{project-name | kebab_case}}]\nsource = \"x\"\n\
                    [[component.{{ id }}.trigger]]\n[plain.table]\n";
        let quoted = pins::quote_template_keys(text);
        assert_eq!(
            quoted,
            "a = 1\n[component.\"{{project-name | kebab_case}}\"]\nsource = \"x\"\n\
             [[component.\"{{ id }}\".trigger]]\n[plain.table]\n"
        );
        assert_eq!(quoted.lines().count(), text.lines().count());
        // Already quoted keys and lines without a closing bracket are left alone.
        let text = "[component.\"{{x}}\"]\n[component.{{x}}\n";
        assert_eq!(pins::quote_template_keys(text), text);
    }

    #[test]
    fn long_values_are_clipped_in_messages() {
        let long = "x".repeat(1000);
        assert_eq!(clip(&long).chars().count(), 101);
        assert_eq!(clip("short"), "short");
    }
}
