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
        path: String,
        line: usize,
        column: usize,
        message: String,
    },

    /// Not TOML, not UTF-8, or a field this reader uses has the wrong type
    /// or is missing.
    #[error("{path}:{line}: {message}")]
    Toml {
        path: String,
        line: usize,
        message: String,
    },

    /// A digest that is not `sha256:` followed by 64 hex digits. `at` is
    /// the entry and its position (`entries[3] (line 5, column 80)`) in
    /// JSON, the line (`line 12`) in TOML; `digest` is the text as written
    /// (cut short when long).
    #[error("{path}: {at}: bad digest `{digest}`: {why}")]
    BadDigest {
        path: String,
        at: String,
        digest: String,
        why: String,
    },

    /// The same name (and version) pinned to two different digests; `at`
    /// is the second pin. The details are boxed to keep every `Result`
    /// of this module small.
    #[error("{path}: {at}: {conflict}")]
    Duplicate {
        path: String,
        at: String,
        conflict: Box<Conflict>,
    },

    /// The file has no content at all (zero bytes, or only white space).
    #[error("{path}: the file is empty")]
    Empty { path: String },

    /// A format version this build does not read.
    #[error("{path}: {at}: {why}")]
    Unsupported {
        path: String,
        at: String,
        why: String,
    },

    /// The file is larger than [`MAX_SET_SIZE`].
    #[error("{path}: larger than the {limit}-byte limit for trust sets")]
    TooLarge { path: String, limit: usize },

    /// The file has more than [`MAX_ENTRIES`] entries.
    #[error("{path}: {at}: more than {limit} entries")]
    TooManyEntries {
        path: String,
        at: String,
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
    pub name: String,
    pub version: Option<String>,
    pub first_digest: String,
    /// Where the first pin is (`trusted.json: entries[0]`, `wkg.lock:12`).
    pub first_origin: String,
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
fn clip(s: &str) -> String {
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

/// The project's JSON format, read in one streaming pass with serde so
/// that positions come from serde_json and a large set is never held as a
/// generic JSON tree.
mod json {
    use super::*;

    /// Keys of the full form; an object starting with one of them is the
    /// full form, any other object is a name → digest map (which therefore
    /// cannot use these as names).
    const TOP_KEYS: &[&str] = &["$schema", "version", "entries"];
    const ENTRY_KEYS: &[&str] = &["name", "version", "digest", "source"];

    /// State shared by the visitors of one read.
    struct Ctx<'c, 'p> {
        collector: &'c mut Collector<'p>,
        /// An error found by a check (not by serde_json), kept whole while
        /// a plain serde error carries its position out.
        pending: Option<SetError>,
        /// The entry being read, to say which one a serde error is in.
        current: Option<Label>,
    }

    /// Where an entry is in the document, made into text only when needed.
    #[derive(Clone)]
    enum Label {
        /// `[3]` in the list form.
        Item(usize),
        /// `["name"]` in the map form (the name already cut short).
        Key(String),
        /// `entries[3]` in the full form.
        Entry(usize),
    }

    impl fmt::Display for Label {
        fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
            match self {
                Label::Item(i) => write!(f, "[{i}]"),
                Label::Key(name) => write!(f, "[{name:?}]"),
                Label::Entry(i) => write!(f, "entries[{i}]"),
            }
        }
    }

    impl Ctx<'_, '_> {
        fn fail<E: de::Error>(&mut self, err: SetError) -> E {
            let message = err.to_string();
            self.pending = Some(err);
            E::custom(message)
        }

        fn path(&self) -> &str {
            self.collector.path
        }

        /// Adds an entry found at `at`; on a conflict or the entry limit,
        /// keeps the error for [`read`] and hands serde one to stop with.
        fn push<E: de::Error>(&mut self, pin: Pin, at: &Label) -> Result<(), E> {
            let path = self.collector.path;
            let origin = || format!("{path}: {at}");
            match self.collector.push(pin, origin, || at.to_string()) {
                Ok(()) => Ok(()),
                Err(err) => Err(self.fail(err)),
            }
        }
    }

    pub(super) fn read(
        path: &str,
        body: &[u8],
        collector: &mut Collector<'_>,
    ) -> Result<(), SetError> {
        let mut ctx = Ctx {
            collector,
            pending: None,
            current: None,
        };
        let mut de = serde_json::Deserializer::from_slice(body);
        let result = Document(&mut ctx)
            .deserialize(&mut de)
            .and_then(|()| de.end());
        let Err(e) = result else {
            return Ok(());
        };
        let (line, column) = (e.line(), e.column());
        if let Some(err) = ctx.pending.take() {
            return Err(err.at_json_position(line, column));
        }
        // serde_json's text ends with the position, which the variant holds;
        // it may quote a whole offending string, hence the cut.
        let text = e.to_string();
        let suffix = format!(" at line {line} column {column}");
        let bare = clip_to(text.strip_suffix(&suffix).unwrap_or(&text), 300);
        let message = match ctx.current.take() {
            Some(label) => format!("{label}: {bare}"),
            None => bare,
        };
        Err(SetError::Json {
            path: path.to_owned(),
            line,
            column,
            message,
        })
    }

    /// The whole document: the full form, the map form or the list form.
    struct Document<'a, 'c, 'p>(&'a mut Ctx<'c, 'p>);

    impl<'de> DeserializeSeed<'de> for Document<'_, '_, '_> {
        type Value = ();
        fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
            d.deserialize_any(self)
        }
    }

    impl<'de> Visitor<'de> for Document<'_, '_, '_> {
        type Value = ();

        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str(
                "a trust set: {\"version\": 1, \"entries\": [...]}, a {\"<name>\": \"<digest>\"} \
                 map, or a [\"<digest>\"] list",
            )
        }

        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
            let ctx = self.0;
            let mut i = 0usize;
            loop {
                let seed = DigestSeed {
                    ctx: &mut *ctx,
                    at: &Label::Item(i),
                    then: Then::Pin(None),
                };
                if seq.next_element_seed(seed)?.is_none() {
                    return Ok(());
                }
                i += 1;
            }
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
            let ctx = self.0;
            let Some(first) = map.next_key::<String>()? else {
                return Ok(());
            };
            if TOP_KEYS.contains(&first.as_str()) {
                full_form(ctx, first, map)
            } else {
                map_form(ctx, first, map)
            }
        }
    }

    fn full_form<'de, A: MapAccess<'de>>(
        ctx: &mut Ctx<'_, '_>,
        first: String,
        mut map: A,
    ) -> Result<(), A::Error> {
        let (mut schema, mut version, mut entries) = (false, false, false);
        let mut key = Some(first);
        while let Some(k) = key {
            match k.as_str() {
                "$schema" => {
                    if std::mem::replace(&mut schema, true) {
                        return Err(de::Error::duplicate_field("$schema"));
                    }
                    map.next_value::<String>()?;
                }
                "version" => {
                    if std::mem::replace(&mut version, true) {
                        return Err(de::Error::duplicate_field("version"));
                    }
                    map.next_value_seed(VersionSeed(&mut *ctx))?;
                }
                "entries" => {
                    if std::mem::replace(&mut entries, true) {
                        return Err(de::Error::duplicate_field("entries"));
                    }
                    map.next_value_seed(EntriesSeed(&mut *ctx))?;
                }
                other => return Err(de::Error::unknown_field(&clip(other), TOP_KEYS)),
            }
            key = map.next_key::<String>()?;
        }
        if !version {
            return Err(de::Error::missing_field("version"));
        }
        if !entries {
            return Err(de::Error::missing_field("entries"));
        }
        Ok(())
    }

    fn map_form<'de, A: MapAccess<'de>>(
        ctx: &mut Ctx<'_, '_>,
        first: String,
        mut map: A,
    ) -> Result<(), A::Error> {
        let mut key = Some(first);
        while let Some(name) = key {
            if name.is_empty() {
                return Err(de::Error::custom("a name in a name → digest map is empty"));
            }
            if TOP_KEYS.contains(&name.as_str()) {
                return Err(de::Error::custom(format_args!(
                    "`{name}` is a key of the full form {{\"version\": 1, \"entries\": [...]}}, \
                     which starts with `$schema`, `version` or `entries`; it cannot be a name in \
                     a name → digest map"
                )));
            }
            let at = Label::Key(clip(&name));
            map.next_value_seed(DigestSeed {
                ctx: &mut *ctx,
                at: &at,
                then: Then::Pin(Some(name)),
            })?;
            key = map.next_key::<String>()?;
        }
        Ok(())
    }

    /// The `version` of the full form: only 1 exists. Any number equal to
    /// 1 is accepted, as JSON Schema's `const: 1` does.
    struct VersionSeed<'a, 'c, 'p>(&'a mut Ctx<'c, 'p>);

    impl VersionSeed<'_, '_, '_> {
        fn unsupported<E: de::Error>(self, shown: &dyn fmt::Display) -> E {
            let err = SetError::Unsupported {
                path: self.0.path().to_owned(),
                at: "version".into(),
                why: format!("trust-set format version {shown} is not supported (only 1 is)"),
            };
            self.0.fail(err)
        }
    }

    impl<'de> DeserializeSeed<'de> for VersionSeed<'_, '_, '_> {
        type Value = ();
        fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
            d.deserialize_any(self)
        }
    }

    impl<'de> Visitor<'de> for VersionSeed<'_, '_, '_> {
        type Value = ();

        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("the format version, the number 1")
        }

        fn visit_u64<E: de::Error>(self, v: u64) -> Result<(), E> {
            if v == 1 {
                Ok(())
            } else {
                Err(self.unsupported(&v))
            }
        }

        fn visit_i64<E: de::Error>(self, v: i64) -> Result<(), E> {
            if v == 1 {
                Ok(())
            } else {
                Err(self.unsupported(&v))
            }
        }

        fn visit_f64<E: de::Error>(self, v: f64) -> Result<(), E> {
            if v.to_bits() == 1.0f64.to_bits() {
                Ok(())
            } else {
                Err(self.unsupported(&v))
            }
        }
    }

    /// The `entries` array of the full form.
    struct EntriesSeed<'a, 'c, 'p>(&'a mut Ctx<'c, 'p>);

    impl<'de> DeserializeSeed<'de> for EntriesSeed<'_, '_, '_> {
        type Value = ();
        fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
            d.deserialize_seq(self)
        }
    }

    impl<'de> Visitor<'de> for EntriesSeed<'_, '_, '_> {
        type Value = ();

        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("an array of entries")
        }

        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
            let mut index = 0usize;
            while seq
                .next_element_seed(EntrySeed {
                    ctx: &mut *self.0,
                    index,
                })?
                .is_some()
            {
                index += 1;
            }
            Ok(())
        }
    }

    /// One entry of the full form, `{name, version?, digest, source?}`;
    /// unknown keys are rejected so that a misspelt `digest` or `version`
    /// cannot silently widen what is trusted. A conflict with an earlier
    /// entry is only known once the whole entry is read, so it is reported
    /// at the entry's closing brace.
    struct EntrySeed<'a, 'c, 'p> {
        ctx: &'a mut Ctx<'c, 'p>,
        index: usize,
    }

    impl<'de> DeserializeSeed<'de> for EntrySeed<'_, '_, '_> {
        type Value = ();
        fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
            self.ctx.current = Some(Label::Entry(self.index));
            d.deserialize_map(self)
        }
    }

    impl<'de> Visitor<'de> for EntrySeed<'_, '_, '_> {
        type Value = ();

        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("an entry {\"name\", \"version\"?, \"digest\", \"source\"?}")
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
            let ctx = self.ctx;
            let at = Label::Entry(self.index);
            let mut name: Option<String> = None;
            let mut version: Option<String> = None;
            let mut digest: Option<String> = None;
            let mut source: Option<String> = None;
            while let Some(key) = map.next_key::<String>()? {
                let (slot, field) = match key.as_str() {
                    "name" => (&mut name, "name"),
                    "version" => (&mut version, "version"),
                    "source" => (&mut source, "source"),
                    "digest" => {
                        if digest.is_some() {
                            return Err(de::Error::duplicate_field("digest"));
                        }
                        digest = Some(map.next_value_seed(DigestSeed {
                            ctx: &mut *ctx,
                            at: &at,
                            then: Then::Return,
                        })?);
                        ctx.current = Some(at.clone());
                        continue;
                    }
                    other => return Err(de::Error::unknown_field(&clip(other), ENTRY_KEYS)),
                };
                if slot.is_some() {
                    return Err(de::Error::duplicate_field(field));
                }
                *slot = Some(map.next_value_seed(NonEmpty(field))?);
            }
            let name = name.ok_or_else(|| de::Error::missing_field("name"))?;
            let digest = digest.ok_or_else(|| de::Error::missing_field("digest"))?;
            let pin = Pin {
                name: Some(name),
                version,
                digest,
                source,
            };
            ctx.push(pin, &at)?;
            ctx.current = None;
            Ok(())
        }
    }

    /// A digest string, normalised as it is read so that a bad one is
    /// reported at its own position.
    struct DigestSeed<'a, 'c, 'p, 's> {
        ctx: &'a mut Ctx<'c, 'p>,
        at: &'s Label,
        then: Then,
    }

    /// What a digest read by [`DigestSeed`] becomes.
    enum Then {
        /// A field handed back to the full-form entry that holds it (which
        /// adds itself once all its fields are read).
        Return,
        /// An entry of its own (map and list forms), with this name. It is
        /// added while serde_json still stands at the digest, so that a
        /// conflict or the entry limit is reported there rather than at
        /// whatever follows.
        Pin(Option<String>),
    }

    impl<'de> DeserializeSeed<'de> for DigestSeed<'_, '_, '_, '_> {
        type Value = String;
        fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<String, D::Error> {
            self.ctx.current = Some(self.at.clone());
            let digest = d.deserialize_str(self)?;
            Ok(digest)
        }
    }

    impl<'de> Visitor<'de> for DigestSeed<'_, '_, '_, '_> {
        type Value = String;

        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a digest string \"sha256:<64 hex digits>\"")
        }

        fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
            match normalize_digest(v) {
                Ok(digest) => {
                    self.ctx.current = None;
                    if let Then::Pin(name) = self.then {
                        let pin = Pin {
                            name,
                            version: None,
                            digest: digest.clone(),
                            source: None,
                        };
                        self.ctx.push(pin, self.at)?;
                    }
                    Ok(digest)
                }
                Err(why) => {
                    let err = SetError::BadDigest {
                        path: self.ctx.path().to_owned(),
                        at: self.at.to_string(),
                        digest: clip(v),
                        why,
                    };
                    Err(self.ctx.fail(err))
                }
            }
        }
    }

    /// A string field that must not be empty (an empty name or version
    /// would match nothing and only hide a mistake).
    struct NonEmpty(&'static str);

    impl<'de> DeserializeSeed<'de> for NonEmpty {
        type Value = String;
        fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<String, D::Error> {
            d.deserialize_string(self)
        }
    }

    impl<'de> Visitor<'de> for NonEmpty {
        type Value = String;

        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            write!(f, "a non-empty string for `{}`", self.0)
        }

        fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
            self.visit_string(v.to_owned())
        }

        fn visit_string<E: de::Error>(self, v: String) -> Result<String, E> {
            if v.is_empty() {
                Err(E::custom(format_args!("`{}` is empty", self.0)))
            } else {
                Ok(v)
            }
        }
    }
}

/// Pins in other tools' TOML files. These are read from toml's spanned
/// document tree rather than through serde structs: unknown keys must be
/// allowed (the files belong to other tools), yet a wrong type in a field
/// that is used must be reported at its own line, and the tree keeps a span
/// for every key and value.
mod pins {
    use super::*;

    /// Byte offsets of line starts, so that every entry's line is found by
    /// a binary search rather than a scan from the top.
    struct Lines {
        starts: Vec<usize>,
    }

    impl Lines {
        fn new(text: &str) -> Self {
            let mut starts = vec![0];
            starts.extend(
                text.bytes()
                    .enumerate()
                    .filter(|&(_, b)| b == b'\n')
                    .map(|(i, _)| i + 1),
            );
            Self { starts }
        }

        /// The 1-based line of a byte offset.
        fn line(&self, offset: usize) -> usize {
            match self.starts.binary_search(&offset) {
                Ok(i) => i + 1,
                Err(i) => i,
            }
        }
    }

    /// What is being read, and where, for messages.
    struct Cx<'p> {
        path: &'p str,
        lines: Lines,
    }

    impl Cx<'_> {
        fn line(&self, span: &Range<usize>) -> usize {
            self.lines.line(span.start)
        }

        fn error(&self, span: &Range<usize>, message: String) -> SetError {
            SetError::Toml {
                path: self.path.to_owned(),
                line: self.line(span),
                message,
            }
        }

        fn table<'t, 'i>(
            &self,
            value: &'t toml::Spanned<DeValue<'i>>,
            what: &str,
        ) -> Result<&'t DeTable<'i>, SetError> {
            match value.get_ref() {
                DeValue::Table(t) => Ok(t),
                other => Err(self.error(
                    &value.span(),
                    format!("`{what}` must be a table, not {}", type_name(other)),
                )),
            }
        }

        fn array<'t, 'i>(
            &self,
            value: &'t toml::Spanned<DeValue<'i>>,
            what: &str,
        ) -> Result<&'t [toml::Spanned<DeValue<'i>>], SetError> {
            match value.get_ref() {
                DeValue::Array(a) => Ok(a.as_ref()),
                other => Err(self.error(
                    &value.span(),
                    format!(
                        "`{what}` must be an array of tables ([[{what}]]), not {}",
                        type_name(other)
                    ),
                )),
            }
        }

        /// An optional string field with its span.
        fn string<'t>(
            &self,
            table: &'t DeTable<'_>,
            key: &str,
            what: &str,
        ) -> Result<Option<(&'t str, Range<usize>)>, SetError> {
            let Some(value) = table.get(key) else {
                return Ok(None);
            };
            match value.get_ref() {
                DeValue::String(s) => Ok(Some((s.as_ref(), value.span()))),
                other => Err(self.error(
                    &value.span(),
                    format!("`{what}.{key}` must be a string, not {}", type_name(other)),
                )),
            }
        }

        /// A string field that must be there; a missing one is reported at
        /// the table (for `[[...]]` tables, their header line).
        fn required<'t>(
            &self,
            table: &'t DeTable<'_>,
            table_span: &Range<usize>,
            key: &str,
            what: &str,
        ) -> Result<(&'t str, Range<usize>), SetError> {
            self.string(table, key, what)?
                .ok_or_else(|| self.error(table_span, format!("`{what}` has no `{key}`")))
        }

        /// Normalises a digest read at `span` and adds the entry.
        fn pin(
            &self,
            collector: &mut Collector<'_>,
            raw: &str,
            span: &Range<usize>,
            name: &str,
            version: Option<&str>,
            source: Option<&str>,
        ) -> Result<(), SetError> {
            let line = self.line(span);
            let at = format!("line {line}");
            let digest = normalize_digest(raw).map_err(|why| SetError::BadDigest {
                path: self.path.to_owned(),
                at: at.clone(),
                digest: clip(raw),
                why,
            })?;
            let pin = Pin {
                name: Some(name.to_owned()),
                version: version.map(str::to_owned),
                digest,
                source: source.map(str::to_owned),
            };
            collector.push(pin, || format!("{}:{line}", self.path), || at)
        }
    }

    fn type_name(value: &DeValue<'_>) -> &'static str {
        match value {
            DeValue::String(_) => "a string",
            DeValue::Integer(_) => "an integer",
            DeValue::Float(_) => "a float",
            DeValue::Boolean(_) => "a boolean",
            DeValue::Datetime(_) => "a date-time",
            DeValue::Array(_) => "an array",
            DeValue::Table(_) => "a table",
        }
    }

    pub(super) fn read(
        path: &str,
        body: &[u8],
        kind: SetKind,
        collector: &mut Collector<'_>,
    ) -> Result<(), SetError> {
        let text = std::str::from_utf8(body).map_err(|e| {
            let offset = e.valid_up_to();
            let before = body.get(..offset).unwrap_or_default();
            let line = 1 + before.iter().filter(|&&b| b == b'\n').count();
            SetError::Toml {
                path: path.to_owned(),
                line,
                message: format!("not UTF-8 (at byte offset {offset})"),
            }
        })?;
        let text = quote_template_keys(text);
        let cx = Cx {
            path,
            lines: Lines::new(&text),
        };
        let doc = DeTable::parse(&text).map_err(|e| {
            let span = e.span().unwrap_or(0..0);
            cx.error(&span, e.message().to_owned())
        })?;
        let root = doc.get_ref();
        match kind {
            SetKind::WkgLock => read_lock(&cx, root, "wkg.lock", "packages", "versions", collector),
            SetKind::CargoComponentLock => read_lock(
                &cx,
                root,
                "Cargo-component.lock",
                "package",
                "version",
                collector,
            ),
            SetKind::SpinToml => read_spin(&cx, root, collector),
            SetKind::Json => Ok(()),
        }
    }

    /// `wkg.lock` (`[[packages]]` / `[[packages.versions]]`) and
    /// `Cargo-component.lock` (`[[package]]` / `[[package.version]]`): the
    /// same lock written by two tools under two spellings.
    fn read_lock(
        cx: &Cx<'_>,
        root: &DeTable<'_>,
        format: &str,
        packages_key: &str,
        versions_key: &str,
        collector: &mut Collector<'_>,
    ) -> Result<(), SetError> {
        if let Some(v) = root.get("version") {
            let DeValue::Integer(i) = v.get_ref() else {
                return Err(cx.error(
                    &v.span(),
                    format!(
                        "`version` must be an integer, not {}",
                        type_name(v.get_ref())
                    ),
                ));
            };
            if i64::from_str_radix(i.as_str(), i.radix()).ok() != Some(1) {
                return Err(SetError::Unsupported {
                    path: cx.path.to_owned(),
                    at: format!("line {}", cx.line(&v.span())),
                    why: format!("{format} version {i} is not supported (only 1 is)"),
                });
            }
        }
        let Some(packages) = root.get(packages_key) else {
            return Ok(());
        };
        for (i, package) in cx.array(packages, packages_key)?.iter().enumerate() {
            let what = format!("{packages_key}[{i}]");
            let table = cx.table(package, &what)?;
            let (name, _) = cx.required(table, &package.span(), "name", &what)?;
            let registry = cx.string(table, "registry", &what)?.map(|(r, _)| r);
            let Some(versions) = table.get(versions_key) else {
                continue;
            };
            let versions_what = format!("{what}.{versions_key}");
            for (j, locked) in cx.array(versions, &versions_what)?.iter().enumerate() {
                let what = format!("{versions_what}[{j}]");
                let vtable = cx.table(locked, &what)?;
                let (version, _) = cx.required(vtable, &locked.span(), "version", &what)?;
                let (digest, span) = cx.required(vtable, &locked.span(), "digest", &what)?;
                cx.pin(collector, digest, &span, name, Some(version), registry)?;
            }
        }
        Ok(())
    }

    /// `spin.toml`: manifest v2 `[component.<id>]` tables or manifest v1
    /// `[[component]]` with an `id`.
    fn read_spin(
        cx: &Cx<'_>,
        root: &DeTable<'_>,
        collector: &mut Collector<'_>,
    ) -> Result<(), SetError> {
        let Some(components) = root.get("component") else {
            return Ok(());
        };
        match components.get_ref() {
            DeValue::Table(by_id) => {
                // The tree sorts keys; entries keep the file's order.
                let mut ordered: Vec<_> = by_id.iter().collect();
                ordered.sort_by_key(|(id, _)| id.span().start);
                for (id, component) in ordered {
                    let id = id.get_ref().as_ref();
                    let what = format!("component.{}", clip(id));
                    let table = cx.table(component, &what)?;
                    spin_source(cx, table, id, &what, collector)?;
                }
                Ok(())
            }
            DeValue::Array(list) => {
                for (i, component) in list.iter().enumerate() {
                    let what = format!("component[{i}]");
                    let table = cx.table(component, &what)?;
                    let id = cx.string(table, "id", &what)?;
                    if !has_digest(table) {
                        continue;
                    }
                    let Some((id, _)) = id else {
                        return Err(cx.error(
                            &component.span(),
                            format!("`{what}` pins a digest but has no `id`"),
                        ));
                    };
                    spin_source(cx, table, id, &what, collector)?;
                }
                Ok(())
            }
            other => Err(cx.error(
                &components.span(),
                format!(
                    "`component` must be [component.<id>] tables or [[component]] tables, not {}",
                    type_name(other)
                ),
            )),
        }
    }

    fn has_digest(component: &DeTable<'_>) -> bool {
        component
            .get("source")
            .and_then(|s| s.get_ref().as_table())
            .is_some_and(|s| s.get("digest").is_some())
    }

    /// A component's `source`: a table with a `digest` pins its URL's
    /// bytes; a string is a local path and pins nothing.
    fn spin_source(
        cx: &Cx<'_>,
        component: &DeTable<'_>,
        id: &str,
        what: &str,
        collector: &mut Collector<'_>,
    ) -> Result<(), SetError> {
        let Some(source) = component.get("source") else {
            return Ok(());
        };
        let what = format!("{what}.source");
        match source.get_ref() {
            DeValue::String(_) => Ok(()),
            DeValue::Table(table) => {
                let url = cx.string(table, "url", &what)?.map(|(u, _)| u);
                match cx.string(table, "digest", &what)? {
                    Some((digest, span)) => cx.pin(collector, digest, &span, id, None, url),
                    None => Ok(()),
                }
            }
            other => Err(cx.error(
                &source.span(),
                format!(
                    "`{what}` must be a path string or a {{ url, digest }} table, not {}",
                    type_name(other)
                ),
            )),
        }
    }

    /// Spin's templates (`templates/*/content/spin.toml`) are Liquid
    /// templates whose table headers hold placeholders such as
    /// `[component.{{project-name | kebab_case}}]`, which are not TOML keys.
    /// Quoting such header segments makes the template readable as written,
    /// with the placeholder as the component id. Only header lines change,
    /// and no line is added or removed, so line numbers stay those of the
    /// file.
    pub(super) fn quote_template_keys(text: &str) -> Cow<'_, str> {
        if !text.contains("{{") {
            return Cow::Borrowed(text);
        }
        let mut out = String::with_capacity(text.len() + 16);
        for line in text.split_inclusive('\n') {
            let header = line.trim_start().starts_with('[') && line.contains("{{");
            match header.then(|| quote_header(line)).flatten() {
                Some(quoted) => out.push_str(&quoted),
                None => out.push_str(line),
            }
        }
        Cow::Owned(out)
    }

    /// Rewrites one `[a.{{b}}]` / `[[a.{{b}}]]` header line; `None` leaves
    /// the line as it is (the TOML parser then reports it).
    fn quote_header(line: &str) -> Option<String> {
        let mut out = String::with_capacity(line.len() + 8);
        let mut chars = line.chars().peekable();
        while let Some(c) = chars.next_if(|c| *c == ' ' || *c == '\t') {
            out.push(c);
        }
        if chars.next()? != '[' {
            return None;
        }
        out.push('[');
        if let Some(c) = chars.next_if_eq(&'[') {
            out.push(c);
        }
        let mut segment = String::new();
        let mut quote: Option<char> = None;
        let mut in_placeholder = false;
        loop {
            let c = chars.next()?;
            if let Some(q) = quote {
                segment.push(c);
                if c == q {
                    quote = None;
                } else if c == '\\' && q == '"' {
                    segment.extend(chars.next());
                }
                continue;
            }
            if in_placeholder {
                segment.push(c);
                if c == '}' && chars.next_if_eq(&'}').is_some() {
                    segment.push('}');
                    in_placeholder = false;
                }
                continue;
            }
            match c {
                '"' | '\'' => {
                    quote = Some(c);
                    segment.push(c);
                }
                '{' if chars.next_if_eq(&'{').is_some() => {
                    segment.push_str("{{");
                    in_placeholder = true;
                }
                '.' | ']' => {
                    push_segment(&mut out, &segment);
                    segment.clear();
                    out.push(c);
                    if c == ']' {
                        out.extend(chars);
                        return Some(out);
                    }
                }
                _ => segment.push(c),
            }
        }
    }

    fn push_segment(out: &mut String, segment: &str) {
        let key = segment.trim_matches([' ', '\t']);
        let bare_placeholder = key.contains("{{")
            && !key.starts_with(['"', '\''])
            && !key.contains(['"', '\\'])
            && !key.chars().any(char::is_control);
        if bare_placeholder {
            out.push('"');
            out.push_str(key);
            out.push('"');
        } else {
            out.push_str(segment);
        }
    }

    /// Which pin format a TOML document is, if any.
    pub(super) fn sniff(bytes: &[u8]) -> Option<SetKind> {
        if bytes.len() > MAX_SET_SIZE {
            return None;
        }
        let body = bytes.strip_prefix(BOM).unwrap_or(bytes);
        // A JSON object cannot be TOML; skip the parse for the common case.
        if body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{') {
            return None;
        }
        let text = std::str::from_utf8(body).ok()?;
        let text = quote_template_keys(text);
        let doc = DeTable::parse(&text).ok()?;
        let root = doc.get_ref();
        let spin = root.contains_key("spin_manifest_version")
            || root.contains_key("spin_version")
            || match root.get("component").map(|c| c.get_ref()) {
                Some(DeValue::Table(by_id)) => by_id.values().any(|c| {
                    c.get_ref()
                        .as_table()
                        .is_some_and(|t| t.contains_key("source"))
                }),
                Some(DeValue::Array(list)) => list.iter().any(|c| {
                    c.get_ref()
                        .as_table()
                        .is_some_and(|t| t.contains_key("source"))
                }),
                _ => false,
            };
        if spin {
            return Some(SetKind::SpinToml);
        }
        let tables_with = |key: &str, inner: &str| {
            root.get(key)
                .and_then(|p| p.get_ref().as_array())
                .is_some_and(|list| {
                    list.iter().any(|p| {
                        p.get_ref()
                            .as_table()
                            .and_then(|t| t.get(inner))
                            .is_some_and(|v| v.get_ref().is_array())
                    })
                })
        };
        if tables_with("packages", "versions") {
            return Some(SetKind::WkgLock);
        }
        if tables_with("package", "version") {
            return Some(SetKind::CargoComponentLock);
        }
        None
    }
}

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
