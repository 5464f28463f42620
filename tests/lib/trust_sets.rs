//! Trust sets: the corpus pins (`wkg.lock`, `spin.toml` templates) read as
//! sets and held to values read off the files by hand and to a plain line
//! scan of the same files; the JSON forms and their JSON Schema; every
//! error with the place it names; the size and entry limits.

use crate::common;

use serde_json::{json, Value};
use wasm_audit::trust::sets::{self, Conflict, SetError, MAX_ENTRIES, MAX_SET_SIZE};
use wasm_audit::trust::{SetKind, TrustEntry, TrustSet};

/// A made-up digest: `sha256:` and 64 copies of `c`.
fn dig(c: char) -> String {
    format!("sha256:{}", c.to_string().repeat(64))
}

fn parse_json(text: &str) -> Result<TrustSet, SetError> {
    sets::parse("trusted.json", text.as_bytes(), SetKind::Json)
}

fn parse_as(path: &str, text: &str) -> Result<TrustSet, SetError> {
    let kind = sets::detect_kind(path, text.as_bytes());
    sets::parse(path, text.as_bytes(), kind)
}

/// (name, version, digest) of every entry, for short comparisons.
fn triples(set: &TrustSet) -> Vec<(Option<&str>, Option<&str>, &str)> {
    set.entries
        .iter()
        .map(|e| (e.name.as_deref(), e.version.as_deref(), e.digest.as_str()))
        .collect()
}

// ---------------------------------------------------------------------------
// Corpus: pins as found in the wild
// ---------------------------------------------------------------------------

/// A corpus lock file's name and bytes; `None` when the corpus is absent
/// (outside CI).
fn lockfile(name: &str) -> Option<(String, Vec<u8>)> {
    let path = common::corpus()?.join("lockfiles").join(name);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    Some((name.to_owned(), bytes))
}

const WKG_WASMCLOUD: &str = "wkg.lock__wasmCloud+wash@2915b44b.lock";
const WKG_WASMCP: &str = "wkg.lock__wasmcp+wasmcp@5c9676a5.lock";
const SPIN_REDIRECT: &str = "spin.toml__fermyon+spin@0f8b7ad4__templates_redirect_content.toml";
const SPIN_FILESERVER: &str =
    "spin.toml__fermyon+spin@0f8b7ad4__templates_static-fileserver_content.toml";

/// What a plain scan of a `wkg.lock` finds: for every `digest = "..."`
/// line, the last `name = "..."` and `version = "..."` lines above it and
/// the line number. Independent of TOML parsing on purpose.
fn scan_wkg_lock(text: &str) -> Vec<(String, String, String, usize)> {
    let quoted = |line: &str, key: &str| -> Option<String> {
        let rest = line.strip_prefix(key)?.strip_prefix(" = \"")?;
        Some(rest[..rest.find('"')?].to_owned())
    };
    let (mut name, mut version) = (String::new(), String::new());
    let mut found = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if let Some(n) = quoted(line, "name") {
            name = n;
        } else if let Some(v) = quoted(line, "version") {
            version = v;
        } else if let Some(d) = quoted(line, "digest") {
            found.push((name.clone(), version.clone(), d, i + 1));
        }
    }
    found
}

/// What a plain scan of a `spin.toml` finds: for every line with
/// `digest = "`, the id of the last `[component.<id>]` header, the `url`
/// on that line, the digest and the line number.
fn scan_spin(text: &str) -> Vec<(String, String, String, usize)> {
    let after = |line: &str, key: &str| -> Option<String> {
        let start = line.find(key)? + key.len();
        let rest = &line[start..];
        Some(rest[..rest.find('"')?].to_owned())
    };
    let mut id = String::new();
    let mut found = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if let Some(header) = line.strip_prefix("[component.") {
            id = header.trim_end().trim_end_matches(']').to_owned();
        } else if let Some(digest) = after(line, "digest = \"") {
            let url = after(line, "url = \"").unwrap_or_default();
            found.push((id.clone(), url, digest, i + 1));
        }
    }
    found
}

fn entry(
    name: &str,
    version: Option<&str>,
    digest: &str,
    source: &str,
    origin: String,
) -> TrustEntry {
    TrustEntry {
        name: Some(name.to_owned()),
        version: version.map(str::to_owned),
        digest: digest.to_owned(),
        source: Some(source.to_owned()),
        origin,
    }
}

/// A package version pinned in a lock file: name, version, digest, and
/// the line of the digest.
type Pinned = (&'static str, &'static str, &'static str, usize);

#[test]
fn corpus_wkg_locks_are_pin_sets_with_the_entries_written_in_them() {
    // Read off the files by eye: three packages each, one version each,
    // all from the wasi.dev registry, digests on lines 12, 21 and 30.
    let cases: [(&str, [Pinned; 3]); 2] = [
        (
            WKG_WASMCLOUD,
            [
                (
                    "wasi:cli",
                    "0.2.0",
                    "sha256:e7e85458e11caf76554b724ebf4f113259decf0f3b1ee2e2930de096f72114a7",
                    12,
                ),
                (
                    "wasi:http",
                    "0.2.0",
                    "sha256:5a568e6e2d60c1ce51220e1833cdd5b88db9f615720edc762a9b4a6f36b383bd",
                    21,
                ),
                (
                    "wasi:logging",
                    "0.1.0-draft",
                    "sha256:09621a45b12b0a9cddc798517f778aac0e5ae4bd234077b3d70758d6cf625580",
                    30,
                ),
            ],
        ),
        (
            WKG_WASMCP,
            [
                (
                    "wasi:cli",
                    "0.2.3",
                    "sha256:8f97d837e1f856a225422869d5c34752204d1befb5a04d0cd80541aec17a20c1",
                    12,
                ),
                (
                    "wasi:http",
                    "0.2.3",
                    "sha256:e526c1586efc94cd148e33725139be05c4bb58ba20466d348282bd8dc3999f1d",
                    21,
                ),
                (
                    "wasi:io",
                    "0.2.3",
                    "sha256:06b1e3bfc7548e3c0c06a78b4c1f98a3fa81b8b231ea3d4e7602fe221e2f3cc5",
                    30,
                ),
            ],
        ),
    ];
    for (file, expected) in cases {
        let Some((name, bytes)) = lockfile(file) else {
            return;
        };
        assert_eq!(sets::detect_kind(&name, &bytes), SetKind::WkgLock, "{name}");
        let set = sets::parse(&name, &bytes, SetKind::WkgLock).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(set.kind, SetKind::WkgLock);
        assert_eq!(set.path, name);
        assert_eq!(
            set.digest,
            common::sha256(&bytes),
            "{name}: set digest over exact bytes"
        );
        let want: Vec<TrustEntry> = expected
            .iter()
            .map(|(n, v, d, line)| entry(n, Some(v), d, "wasi.dev", format!("{name}:{line}")))
            .collect();
        assert_eq!(set.entries, want, "{name}");

        // A second, independent reading: a line scan of the same file.
        let text = String::from_utf8(bytes).expect("UTF-8");
        let scanned = scan_wkg_lock(&text);
        assert_eq!(scanned.len(), text.matches("digest = \"").count());
        assert_eq!(
            scanned.len(),
            set.entries.len(),
            "{name}: one entry per digest line"
        );
        for ((n, v, d, line), e) in scanned.iter().zip(&set.entries) {
            assert_eq!(e.name.as_deref(), Some(n.as_str()));
            assert_eq!(e.version.as_deref(), Some(v.as_str()));
            assert_eq!(&e.digest, d);
            assert_eq!(e.origin, format!("{name}:{line}"));
        }
    }
}

#[test]
fn corpus_spin_templates_are_pin_sets_named_by_their_placeholder_ids() {
    // Read off the files by eye: one component each, id the Liquid
    // placeholder, source a GitHub release URL with a digest, on line 14.
    let cases = [
        (
            SPIN_REDIRECT,
            "https://github.com/fermyon/spin-redirect/releases/download/v0.1.0/redirect.wasm",
            "sha256:8bee959843f28fef2a02164f5840477db81d350877e1c22cb524f41363468e52",
        ),
        (
            SPIN_FILESERVER,
            "https://github.com/fermyon/spin-fileserver/releases/download/v0.3.0/spin_static_fs.wasm",
            "sha256:ef88708817e107bf49985c7cefe4dd1f199bf26f6727819183d5c996baa3d148",
        ),
    ];
    for (file, url, digest) in cases {
        let Some((name, bytes)) = lockfile(file) else {
            return;
        };
        assert_eq!(
            sets::detect_kind(&name, &bytes),
            SetKind::SpinToml,
            "{name}"
        );
        let set = sets::parse(&name, &bytes, SetKind::SpinToml).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(set.kind, SetKind::SpinToml);
        assert_eq!(set.digest, common::sha256(&bytes));
        let want = TrustEntry {
            name: Some("{{project-name | kebab_case}}".into()),
            version: None,
            digest: digest.into(),
            source: Some(url.into()),
            origin: format!("{name}:14"),
        };
        assert_eq!(set.entries, vec![want], "{name}");

        let text = String::from_utf8(bytes).expect("UTF-8");
        let scanned = scan_spin(&text);
        assert_eq!(scanned.len(), text.matches("digest = \"").count());
        assert_eq!(scanned.len(), set.entries.len(), "{name}");
        for ((id, u, d, line), e) in scanned.iter().zip(&set.entries) {
            assert_eq!(e.name.as_deref(), Some(id.as_str()));
            assert_eq!(e.source.as_deref(), Some(u.as_str()));
            assert_eq!(&e.digest, d);
            assert_eq!(e.origin, format!("{name}:{line}"));
        }
    }
}

// ---------------------------------------------------------------------------
// The other pin formats
// ---------------------------------------------------------------------------

/// A `Cargo-component.lock` as cargo-component writes it (`[[package]]` /
/// `[[package.version]]`); the digests are made up.
const CARGO_COMPONENT_LOCK: &str = r#"# This file is automatically generated by cargo-component.
# It is not intended for manual editing.
version = 1

[[package]]
name = "example:greeter"
registry = "example.com"

[[package.version]]
requirement = "^0.1.0"
version = "0.1.0"
digest = "sha256:1111111111111111111111111111111111111111111111111111111111111111"

[[package.version]]
requirement = "^0.2.0"
version = "0.2.1"
digest = "sha256:2222222222222222222222222222222222222222222222222222222222222222"

[[package]]
name = "wasi:http"

[[package.version]]
requirement = "^0.2.0"
version = "0.2.0"
digest = "sha256:3333333333333333333333333333333333333333333333333333333333333333"
"#;

#[test]
fn cargo_component_lock_pins_every_locked_version() {
    assert_eq!(
        sets::detect_kind("Cargo-component.lock", CARGO_COMPONENT_LOCK.as_bytes()),
        SetKind::CargoComponentLock
    );
    let set = parse_as("Cargo-component.lock", CARGO_COMPONENT_LOCK).unwrap();
    assert_eq!(set.kind, SetKind::CargoComponentLock);
    let (d1, d2, d3) = (dig('1'), dig('2'), dig('3'));
    assert_eq!(
        triples(&set),
        vec![
            (Some("example:greeter"), Some("0.1.0"), d1.as_str()),
            (Some("example:greeter"), Some("0.2.1"), d2.as_str()),
            (Some("wasi:http"), Some("0.2.0"), d3.as_str()),
        ]
    );
    let sources: Vec<_> = set.entries.iter().map(|e| e.source.as_deref()).collect();
    assert_eq!(
        sources,
        vec![Some("example.com"), Some("example.com"), None]
    );
    let origins: Vec<_> = set.entries.iter().map(|e| e.origin.as_str()).collect();
    assert_eq!(
        origins,
        vec![
            "Cargo-component.lock:12",
            "Cargo-component.lock:17",
            "Cargo-component.lock:25"
        ]
    );
}

#[test]
fn lock_files_allow_unknown_keys_and_packages_without_versions() {
    let text = format!(
        "version = 1\nfuture-key = {{ a = 1 }}\n\n[[packages]]\nname = \"a:b\"\nnote = 5\n\n\
         [[packages]]\nname = \"c:d\"\n\n[[packages.versions]]\nversion = \"1.0.0\"\n\
         digest = \"{}\"\nextra = [1, 2]\n",
        dig('c')
    );
    let set = parse_as("wkg.lock", &text).unwrap();
    assert_eq!(
        triples(&set),
        vec![(Some("c:d"), Some("1.0.0"), dig('c').as_str())]
    );
    assert_eq!(set.entries[0].source, None);
    assert_eq!(set.entries[0].origin, "wkg.lock:13");
}

#[test]
fn spin_manifest_v1_component_array_is_read() {
    let text = format!(
        r#"spin_manifest_version = "1"
name = "app"
trigger = {{ type = "http", base = "/" }}

[[component]]
id = "from-url"
source = {{ url = "https://example.com/a.wasm", digest = "{}" }}
[component.trigger]
route = "/a"

[[component]]
id = "local"
source = "target/local.wasm"

[[component]]
id = "registry"
source = {{ registry = "ttl.sh", package = "x:y", version = "1.0.0" }}
"#,
        dig('a')
    );
    let set = parse_as("spin.toml", &text).unwrap();
    assert_eq!(set.kind, SetKind::SpinToml);
    assert_eq!(set.entries.len(), 1);
    let e = &set.entries[0];
    assert_eq!(e.name.as_deref(), Some("from-url"));
    assert_eq!(e.version, None);
    assert_eq!(e.source.as_deref(), Some("https://example.com/a.wasm"));
    assert_eq!(e.digest, dig('a'));
    assert_eq!(e.origin, "spin.toml:7");
}

#[test]
fn spin_manifest_v2_keeps_file_order_and_skips_local_paths() {
    let text = format!(
        r#"spin_manifest_version = 2

[application]
name = "app"

[component.zeta]
source = {{ url = "https://example.com/z.wasm", digest = "{}" }}

[component.alpha]
source = "target/alpha.wasm"
[component.alpha.build]
command = "cargo build"

[component.beta]
source = {{ url = "https://example.com/b.wasm", digest = "{}" }}
"#,
        dig('f'),
        dig('b').to_ascii_uppercase().replace("SHA256:", "")
    );
    let set = parse_as("spin.toml", &text).unwrap();
    assert_eq!(
        triples(&set),
        vec![
            (Some("zeta"), None, dig('f').as_str()),
            (Some("beta"), None, dig('b').as_str())
        ]
    );
    assert_eq!(set.entries[1].origin, "spin.toml:15");
}

#[test]
fn spin_manifest_without_any_digest_is_an_empty_set_not_an_error() {
    let text = "spin_manifest_version = 2\n\n[component.web]\nsource = \"target/web.wasm\"\n";
    let set = parse_as("spin.toml", text).unwrap();
    assert!(set.entries.is_empty());
    let set = parse_as("spin.toml", "spin_manifest_version = 2\n").unwrap();
    assert!(set.entries.is_empty());
}

// ---------------------------------------------------------------------------
// JSON: the full form and the simple forms
// ---------------------------------------------------------------------------

#[test]
fn json_full_form_reads_every_field_in_order() {
    let text = format!(
        r#"{{
  "$schema": "https://example.com/trust-set.schema.json",
  "version": 1,
  "entries": [
    {{"name": "app:core", "version": "1.2.0", "digest": "{a}", "source": "oci://ghcr.io/x/core:1.2.0"}},
    {{"name": "app:core", "version": "1.3.0", "digest": "{b}"}},
    {{"name": "app:glue", "digest": "{c}"}}
  ]
}}"#,
        a = dig('a'),
        b = dig('b'),
        c = dig('c'),
    );
    let set = parse_json(&text).unwrap();
    assert_eq!(set.kind, SetKind::Json);
    assert_eq!(set.path, "trusted.json");
    assert_eq!(set.digest, common::sha256(text.as_bytes()));
    assert_eq!(
        set.entries,
        vec![
            entry(
                "app:core",
                Some("1.2.0"),
                &dig('a'),
                "oci://ghcr.io/x/core:1.2.0",
                "trusted.json: entries[0]".into()
            ),
            TrustEntry {
                source: None,
                ..entry(
                    "app:core",
                    Some("1.3.0"),
                    &dig('b'),
                    "",
                    "trusted.json: entries[1]".into()
                )
            },
            TrustEntry {
                source: None,
                ..entry(
                    "app:glue",
                    None,
                    &dig('c'),
                    "",
                    "trusted.json: entries[2]".into()
                )
            },
        ]
    );
}

#[test]
fn json_simple_forms_map_and_list() {
    let text = format!(
        r#"{{"app:core": "{}", "app:glue": "{}"}}"#,
        dig('a'),
        dig('b')
    );
    let set = parse_json(&text).unwrap();
    assert_eq!(
        triples(&set),
        vec![
            (Some("app:core"), None, dig('a').as_str()),
            (Some("app:glue"), None, dig('b').as_str())
        ]
    );
    assert_eq!(set.entries[1].origin, r#"trusted.json: ["app:glue"]"#);

    let text = format!(r#"["{}", "{}", "{}"]"#, dig('a'), dig('b'), dig('a'));
    let set = parse_json(&text).unwrap();
    assert_eq!(
        triples(&set),
        vec![
            (None, None, dig('a').as_str()),
            (None, None, dig('b').as_str())
        ],
        "the repeated digest is kept once"
    );
    assert_eq!(set.entries[1].origin, "trusted.json: [1]");
    assert!(set
        .entries
        .iter()
        .all(|e| e.source.is_none() && e.version.is_none()));

    for empty in ["[]", "{}", r#"{"version": 1, "entries": []}"#] {
        assert!(parse_json(empty).unwrap().entries.is_empty(), "{empty}");
    }
}

#[test]
fn bare_and_uppercase_digests_are_normalised_in_every_form() {
    let hex = "E7E85458E11CAF76554B724EBF4F113259DECF0F3B1EE2E2930DE096F72114A7";
    let want = format!("sha256:{}", hex.to_ascii_lowercase());
    let docs = [
        format!(r#"{{"version": 1, "entries": [{{"name": "a", "digest": "{hex}"}}]}}"#),
        format!(r#"{{"version": 1, "entries": [{{"name": "a", "digest": "sha256:{hex}"}}]}}"#),
        format!(r#"{{"a": "{hex}"}}"#),
        format!(r#"["{}"]"#, hex.to_ascii_lowercase()),
        format!(r#"["sha256:{hex}"]"#),
    ];
    for doc in &docs {
        let set = parse_json(doc).unwrap_or_else(|e| panic!("{doc}: {e}"));
        assert_eq!(set.entries.len(), 1, "{doc}");
        assert_eq!(set.entries[0].digest, want, "{doc}");
    }
    let lock = format!(
        "version = 1\n[[packages]]\nname = \"a:b\"\n[[packages.versions]]\nversion = \"1\"\ndigest = \"{hex}\"\n"
    );
    assert_eq!(parse_as("wkg.lock", &lock).unwrap().entries[0].digest, want);
}

#[test]
fn repeated_entries_are_kept_once_and_versions_are_distinct_pins() {
    let text = format!(
        r#"{{"version": 1, "entries": [
  {{"name": "a", "digest": "{a}"}},
  {{"name": "a", "digest": "{a_upper}"}},
  {{"name": "a", "version": "1.0.0", "digest": "{b}"}},
  {{"name": "a", "version": "2.0.0", "digest": "{c}"}},
  {{"name": "b", "digest": "{a}"}}
]}}"#,
        a = dig('a'),
        a_upper = "A".repeat(64),
        b = dig('b'),
        c = dig('c'),
    );
    let set = parse_json(&text).unwrap();
    assert_eq!(
        triples(&set),
        vec![
            (Some("a"), None, dig('a').as_str()),
            (Some("a"), Some("1.0.0"), dig('b').as_str()),
            (Some("a"), Some("2.0.0"), dig('c').as_str()),
            (Some("b"), None, dig('a').as_str()),
        ]
    );
    // The first of the repeated pair is the one kept.
    assert_eq!(set.entries[0].origin, "trusted.json: entries[0]");
}

// ---------------------------------------------------------------------------
// Errors, each with the place it names
// ---------------------------------------------------------------------------

/// 1-based line and column of the last character of the last `needle` in
/// `text`: where serde_json stands when it reports a problem with a value
/// it has just read (ASCII documents, so bytes are columns).
fn end_of(text: &str, needle: &str) -> (usize, usize) {
    let end = text.rfind(needle).expect("needle in text") + needle.len() - 1;
    let before = &text[..end];
    let line = before.matches('\n').count() + 1;
    let column = end - before.rfind('\n').map_or(0, |nl| nl + 1) + 1;
    (line, column)
}

#[test]
fn json_syntax_error_names_line_and_column() {
    let text = format!(
        "{{\n  \"version\": 1,\n  \"entries\": [\n    {{\"name\": \"a\", \"digest\": \"{}\"}},,\n  ]\n}}\n",
        dig('a')
    );
    match parse_json(&text) {
        Err(SetError::Json {
            path,
            line,
            column,
            message,
        }) => {
            assert_eq!(path, "trusted.json");
            // The second comma of `},,` on line 4.
            assert_eq!((line, column), end_of(&text, ",,"), "{message}");
            assert_eq!(line, 4);
            assert!(message.contains("expected value"), "{message}");
            assert!(
                !message.contains(" at line "),
                "position kept out of the message: {message}"
            );
        }
        other => panic!("{other:?}"),
    }
    // Not JSON at all, and truncated JSON.
    assert!(matches!(
        parse_json("version = 1"),
        Err(SetError::Json {
            line: 1,
            column: 1,
            ..
        })
    ));
    assert!(matches!(
        parse_json("{\"version\": 1,\n\"entries\": ["),
        Err(SetError::Json { line: 2, .. })
    ));
    // A scalar is not a set.
    match parse_json("\n\n42") {
        Err(SetError::Json {
            line: 3, message, ..
        }) => {
            assert!(message.contains("expected a trust set"), "{message}")
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn json_unknown_keys_are_rejected_at_their_line() {
    let text = format!(
        "{{\n  \"version\": 1,\n  \"entries\": [\n    {{\"name\": \"a\", \"digest\": \"{a}\"}},\n    {{\"name\": \"b\",\n     \"digets\": \"{a}\"}}\n  ]\n}}\n",
        a = dig('a')
    );
    match parse_json(&text) {
        Err(SetError::Json { line, message, .. }) => {
            assert_eq!(line, 6, "{message}");
            assert!(
                message.starts_with("entries[1]: unknown field `digets`"),
                "{message}"
            );
        }
        other => panic!("{other:?}"),
    }
    let text = "{\n  \"version\": 1,\n  \"entries\": [],\n  \"signature\": \"x\"\n}";
    match parse_json(text) {
        Err(SetError::Json { line, message, .. }) => {
            assert_eq!(line, 4, "{message}");
            assert!(message.contains("unknown field `signature`"), "{message}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn json_missing_and_mistyped_fields_are_rejected_at_their_line() {
    let a = dig('a');
    let cases = [
        // (document, line, what the message says)
        (format!("{{\"version\": 1, \"entries\": [\n{{\"digest\": \"{a}\"}}\n]}}"), 2, "entries[0]: missing field `name`"),
        ("{\"version\": 1, \"entries\": [\n{\"name\": \"x\"}\n]}".to_owned(), 2, "entries[0]: missing field `digest`"),
        (format!("{{\"version\": 1, \"entries\": [\n{{\"name\": \"\", \"digest\": \"{a}\"}}\n]}}"), 2, "entries[0]: `name` is empty"),
        (format!("{{\"version\": 1, \"entries\": [\n{{\"name\": 7, \"digest\": \"{a}\"}}\n]}}"), 2, "entries[0]: invalid type: integer `7`"),
        ("{\"version\": 1, \"entries\": [{\"name\": \"x\",\n\"digest\": null}]}".to_owned(), 2, "entries[0]: invalid type: null"),
        (format!("{{\"version\": 1, \"entries\": [{{\"name\": \"x\", \"digest\": \"{a}\",\n\"name\": \"y\"}}]}}"), 2, "entries[0]: duplicate field `name`"),
        ("{\"version\": 1,\n\"entries\": {}}".to_owned(), 2, "invalid type: map, expected an array of entries"),
        ("{\"entries\": []\n}".to_owned(), 2, "missing field `version`"),
        ("{\"version\": 1\n}".to_owned(), 2, "missing field `entries`"),
        ("{\"version\":\n\"1\", \"entries\": []}".to_owned(), 2, "invalid type: string \"1\", expected the format version"),
        (format!("{{\"a\": \"{a}\",\n\"version\": 1}}"), 2, "`version` is a key of the full form"),
        (format!("{{\"a\": \"{a}\",\n\"\": \"{a}\"}}"), 2, "a name in a name → digest map is empty"),
        (format!("[\"{a}\",\n5]"), 2, "[1]: invalid type: integer `5`, expected a digest string"),
    ];
    for (doc, want_line, want) in cases {
        match parse_json(&doc) {
            Err(SetError::Json { line, message, .. }) => {
                assert_eq!(line, want_line, "{doc}: {message}");
                assert!(message.starts_with(want), "{doc}: {message}");
            }
            other => panic!("{doc}: {other:?}"),
        }
    }
}

#[test]
fn json_bad_digests_name_the_entry_and_position() {
    let a = dig('a');
    let short = &a[..a.len() - 1];
    let mut nonhex = a.clone();
    nonhex.replace_range(20..21, "x");
    let sha512 = format!("sha512:{}", "ab".repeat(32));
    let cases = [
        (
            format!("{{\"version\": 1, \"entries\": [\n{{\"name\": \"a\", \"digest\": \"{a}\"}},\n{{\"name\": \"b\",\n  \"digest\": \"{short}\"}}\n]}}"),
            short.to_owned(),
            ("entries[1]", 4),
            "expected 64 hex digits, found 63",
        ),
        (
            format!("{{\"version\": 1, \"entries\": [\n{{\"name\": \"a\", \"digest\": \"{nonhex}\"}}]}}"),
            nonhex.clone(),
            ("entries[0]", 2),
            "'x' at offset 13 of the hex digits is not a hex digit",
        ),
        (
            format!("{{\"version\": 1, \"entries\": [\n{{\"name\": \"a\", \"digest\": \"{sha512}\"}}]}}"),
            sha512.clone(),
            ("entries[0]", 2),
            "unsupported algorithm `sha512` (only sha256 digests can match)",
        ),
        (
            format!("{{\"good\": \"{a}\",\n \"bad\": \"{short}\"}}"),
            short.to_owned(),
            ("[\"bad\"]", 2),
            "expected 64 hex digits, found 63",
        ),
        (
            format!("[\n\"{a}\",\n\"{short}\"\n]"),
            short.to_owned(),
            ("[1]", 3),
            "expected 64 hex digits, found 63",
        ),
    ];
    for (doc, want_digest, (label, want_line), want_why) in cases {
        // The position is the closing quote of the bad digest.
        let (line, column) = end_of(&doc, &format!("\"{want_digest}\""));
        assert_eq!(line, want_line);
        let want_at = format!("{label} (line {line}, column {column})");
        match parse_json(&doc) {
            Err(SetError::BadDigest {
                path,
                at,
                digest,
                why,
            }) => {
                assert_eq!(path, "trusted.json");
                assert_eq!(at, want_at, "{doc}");
                assert_eq!(digest, want_digest);
                assert_eq!(why, want_why);
            }
            other => panic!("{doc}: {other:?}"),
        }
    }
}

#[test]
fn json_duplicate_names_with_different_digests_are_rejected() {
    let (a, b) = (dig('a'), dig('b'));
    let text = format!(
        "{{\"version\": 1, \"entries\": [\n  {{\"name\": \"app:core\", \"version\": \"1.0.0\", \"digest\": \"{a}\"}},\n  {{\"name\": \"app:other\", \"digest\": \"{b}\"}},\n  {{\"name\": \"app:core\", \"version\": \"1.0.0\", \"digest\": \"{b}\"}}\n]}}"
    );
    match parse_json(&text) {
        Err(err @ SetError::Duplicate { .. }) => {
            let shown = err.to_string();
            let SetError::Duplicate { path, at, conflict } = err else {
                unreachable!()
            };
            assert_eq!(path, "trusted.json");
            assert_eq!(
                *conflict,
                Conflict {
                    name: "app:core".into(),
                    version: Some("1.0.0".into()),
                    first_digest: a.clone(),
                    first_origin: "trusted.json: entries[0]".into(),
                    second_digest: b.clone(),
                }
            );
            // After the entry's closing brace, on line 4.
            let (line, column) = end_of(&text, &format!("\"{b}\"}}"));
            assert_eq!(line, 4);
            assert_eq!(at, format!("entries[2] (line 4, column {column})"));
            assert_eq!(
                shown,
                format!(
                    "trusted.json: {at}: `app:core` version `1.0.0` is pinned to two different \
                     digests: {a} (at trusted.json: entries[0]) and {b}"
                )
            );
        }
        other => panic!("{other:?}"),
    }
    // The map form: the same name twice, reported at the second digest
    // (line 2), not at the brace that follows on line 3.
    let text = format!("{{\"x\": \"{a}\",\n \"x\": \"{b}\"\n}}");
    match parse_json(&text) {
        Err(SetError::Duplicate { at, conflict, .. }) => {
            assert_eq!(
                (conflict.name.as_str(), conflict.version.as_deref()),
                ("x", None)
            );
            assert_eq!((&conflict.first_digest, &conflict.second_digest), (&a, &b));
            let (line, column) = end_of(&text, &format!("\"{b}\""));
            assert_eq!(line, 2);
            assert_eq!(at, format!("[\"x\"] (line 2, column {column})"));
        }
        other => panic!("{other:?}"),
    }
    // The same name and digest twice is not a conflict.
    let text = format!("{{\"x\": \"{a}\", \"x\": \"{a}\"}}");
    assert_eq!(parse_json(&text).unwrap().entries.len(), 1);
}

#[test]
fn json_unknown_format_version_is_unsupported() {
    for (doc, want_line, shown) in [
        ("{\n  \"version\": 2,\n  \"entries\": []\n}", 2, "2"),
        ("{\"entries\": [],\n\"version\": 0}", 2, "0"),
        ("{\"version\": -1, \"entries\": []}", 1, "-1"),
        ("{\"version\": 1.5, \"entries\": []}", 1, "1.5"),
    ] {
        match parse_json(doc) {
            Err(SetError::Unsupported { path, at, why }) => {
                assert_eq!(path, "trusted.json");
                // The last character of the number.
                let (line, column) = end_of(doc, &format!(": {shown}"));
                assert_eq!(line, want_line);
                assert_eq!(
                    at,
                    format!("version (line {line}, column {column})"),
                    "{doc}"
                );
                assert_eq!(
                    why,
                    format!("trust-set format version {shown} is not supported (only 1 is)")
                );
            }
            other => panic!("{doc}: {other:?}"),
        }
    }
    // 1.0 is the number 1, as JSON Schema's `const` sees it.
    assert!(parse_json("{\"version\": 1.0, \"entries\": []}").is_ok());
}

#[test]
fn empty_files_are_empty_errors_for_every_kind() {
    for kind in [
        SetKind::Json,
        SetKind::WkgLock,
        SetKind::CargoComponentLock,
        SetKind::SpinToml,
    ] {
        for bytes in [&b""[..], b" \n\t\r\n", b"\xEF\xBB\xBF\n"] {
            match sets::parse("set", bytes, kind) {
                Err(SetError::Empty { path }) => assert_eq!(path, "set"),
                other => panic!("{kind:?} {bytes:?}: {other:?}"),
            }
        }
    }
}

#[test]
fn a_byte_order_mark_is_skipped_but_hashed() {
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend_from_slice(format!("[\"{}\"]", dig('a')).as_bytes());
    let set = sets::parse("bom.json", &bytes, SetKind::Json).unwrap();
    assert_eq!(set.entries.len(), 1);
    assert_eq!(set.digest, common::sha256(&bytes));
}

#[test]
fn toml_errors_name_their_line() {
    let a = dig('a');
    let header = "version = 1\n\n[[packages]]\nname = \"a:b\"\n\n[[packages.versions]]\nversion = \"1.0.0\"\n";
    let cases: Vec<(&str, String, usize, &str)> = vec![
        ("wkg.lock", format!("{header}digest = 5\n"), 8, "`packages[0].versions[0].digest` must be a string, not an integer"),
        ("wkg.lock", format!("{header}digest = \"{a}\"\nrequirement = \"=1.0.0\"\n\n[[packages]]\nname = 7\n"), 12, "`packages[1].name` must be a string, not an integer"),
        ("wkg.lock", format!("{header}\n"), 6, "`packages[0].versions[0]` has no `digest`"),
        ("wkg.lock", "version = 1\n\n[[packages]]\nregistry = \"wasi.dev\"\n".to_owned(), 3, "`packages[0]` has no `name`"),
        ("wkg.lock", "version = 1\npackages = \"none\"\n".to_owned(), 2, "`packages` must be an array of tables ([[packages]]), not a string"),
        ("wkg.lock", "version = \"1\"\n".to_owned(), 1, "`version` must be an integer, not a string"),
        ("wkg.lock", format!("{header}digest = \"{a}\"\nversion = \"dup\"\n"), 9, "duplicate key"),
        ("wkg.lock", "version = 1\n\n[[packages]\n".to_owned(), 3, ""),
        ("Cargo-component.lock", "version = 1\n[[package]]\nname = \"x\"\n[[package.version]]\nversion = 1\n".to_owned(), 5, "`package[0].version[0].version` must be a string, not an integer"),
        ("spin.toml", "spin_manifest_version = 2\n[component.web]\nsource = 5\n".to_owned(), 3, "`component.web.source` must be a path string or a { url, digest } table, not an integer"),
        ("spin.toml", "spin_manifest_version = 2\n[component.web]\nsource = { url = \"u\", digest = [] }\n".to_owned(), 3, "`component.web.source.digest` must be a string, not an array"),
        ("spin.toml", "spin_manifest_version = 2\n[component.web]\nsource = { url = 1, digest = \"x\" }\n".to_owned(), 3, "`component.web.source.url` must be a string, not an integer"),
        ("spin.toml", "spin_manifest_version = 2\n\ncomponent = 3\n".to_owned(), 3, "`component` must be"),
        ("spin.toml", format!("spin_manifest_version = \"1\"\n\n[[component]]\nsource = {{ url = \"u\", digest = \"{a}\" }}\n"), 3, "`component[0]` pins a digest but has no `id`"),
        ("spin.toml", "name = \"{{ x }}\"\nroute = {{ route }}\n".to_owned(), 2, ""),
    ];
    for (path, text, want_line, want) in cases {
        match parse_as(path, &text) {
            Err(SetError::Toml {
                path: p,
                line,
                message,
            }) => {
                assert_eq!(p, path);
                assert_eq!(line, want_line, "{text}: {message}");
                assert!(message.starts_with(want), "{text}: {message}");
            }
            other => panic!("{text}: {other:?}"),
        }
    }
    // Not UTF-8: the line of the first bad byte.
    match sets::parse("wkg.lock", b"version = 1\n# caf\xE9\n", SetKind::WkgLock) {
        Err(SetError::Toml {
            line: 2, message, ..
        }) => assert!(message.contains("UTF-8"), "{message}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn toml_bad_digests_and_duplicates_name_their_line() {
    let (a, b) = (dig('a'), dig('b'));
    let text = format!(
        "version = 1\n\n[[packages]]\nname = \"a:b\"\n\n[[packages.versions]]\nversion = \"1.0.0\"\ndigest = \"{}\"\n",
        &a[..40]
    );
    match parse_as("wkg.lock", &text) {
        Err(SetError::BadDigest {
            path,
            at,
            digest,
            why,
        }) => {
            assert_eq!(path, "wkg.lock");
            assert_eq!(at, "line 8");
            assert_eq!(digest, &a[..40]);
            assert_eq!(why, "expected 64 hex digits, found 33");
        }
        other => panic!("{other:?}"),
    }
    let text = format!(
        "spin_manifest_version = 2\n[component.web]\nsource = {{ url = \"u\", digest = \"md5:{}\" }}\n",
        "0".repeat(32)
    );
    match parse_as("spin.toml", &text) {
        Err(SetError::BadDigest { at, why, .. }) => {
            assert_eq!(at, "line 3");
            assert!(why.starts_with("unsupported algorithm `md5`"), "{why}");
        }
        other => panic!("{other:?}"),
    }
    // The same package version locked twice with different digests.
    let text = format!(
        "version = 1\n\n[[packages]]\nname = \"a:b\"\nregistry = \"one\"\n\n[[packages.versions]]\nversion = \"1.0.0\"\ndigest = \"{a}\"\n\n\
         [[packages]]\nname = \"a:b\"\nregistry = \"two\"\n\n[[packages.versions]]\nversion = \"1.0.0\"\ndigest = \"{b}\"\n"
    );
    match parse_as("wkg.lock", &text) {
        Err(SetError::Duplicate { at, conflict, .. }) => {
            assert_eq!(
                *conflict,
                Conflict {
                    name: "a:b".into(),
                    version: Some("1.0.0".into()),
                    first_digest: a.clone(),
                    first_origin: "wkg.lock:9".into(),
                    second_digest: b.clone(),
                }
            );
            assert_eq!(at, "line 17");
        }
        other => panic!("{other:?}"),
    }
    // spin v1: two components with one id and different digests.
    let text = format!(
        "spin_manifest_version = \"1\"\n[[component]]\nid = \"w\"\nsource = {{ url = \"u\", digest = \"{a}\" }}\n\
         [[component]]\nid = \"w\"\nsource = {{ url = \"v\", digest = \"{b}\" }}\n"
    );
    assert!(matches!(
        parse_as("spin.toml", &text),
        Err(SetError::Duplicate { at, .. }) if at == "line 7"
    ));
}

#[test]
fn lock_format_versions_other_than_1_are_unsupported() {
    match parse_as("wkg.lock", "# comment\nversion = 2\n") {
        Err(SetError::Unsupported { path, at, why }) => {
            assert_eq!(path, "wkg.lock");
            assert_eq!(at, "line 2");
            assert_eq!(why, "wkg.lock version 2 is not supported (only 1 is)");
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        parse_as("Cargo-component.lock", "version = 3\n"),
        Err(SetError::Unsupported { at, .. }) if at == "line 1"
    ));
}

// ---------------------------------------------------------------------------
// Limits
// ---------------------------------------------------------------------------

#[test]
fn a_file_over_the_size_limit_is_refused_before_parsing() {
    let bytes = vec![b' '; MAX_SET_SIZE + 1];
    for kind in [SetKind::Json, SetKind::WkgLock] {
        match sets::parse("huge.json", &bytes, kind) {
            Err(SetError::TooLarge { path, limit }) => {
                assert_eq!(path, "huge.json");
                assert_eq!(limit, 64 << 20);
            }
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn more_than_a_million_entries_is_an_error() {
    // Bare digests keep 1,000,001 of them under the size limit, so it is
    // the entry limit that is hit.
    let digest = format!("\"{}\"", "ab".repeat(32));
    let count = MAX_ENTRIES + 1;
    let mut doc = String::with_capacity(count * (digest.len() + 1) + 2);
    doc.push('[');
    for i in 0..count {
        if i > 0 {
            doc.push(',');
        }
        doc.push_str(&digest);
    }
    doc.push(']');
    assert!(doc.len() <= MAX_SET_SIZE, "{} bytes", doc.len());
    match parse_json(&doc) {
        Err(SetError::TooManyEntries { path, at, limit }) => {
            assert_eq!(path, "trusted.json");
            assert_eq!(limit, 1_000_000);
            assert!(at.starts_with("[1000000] (line 1, column "), "{at}");
        }
        other => panic!("{:?}", other.map(|s| s.entries.len())),
    }
}

// ---------------------------------------------------------------------------
// Kind detection
// ---------------------------------------------------------------------------

#[test]
fn kinds_are_detected_from_names_then_content() {
    let spin = "spin_manifest_version = 2\n[component.x]\nsource = \"x.wasm\"\n";
    let wkg = "version = 1\n[[packages]]\nname = \"a:b\"\n[[packages.versions]]\nversion = \"1\"\ndigest = \"x\"\n";
    let cases: [(&str, &str, SetKind); 16] = [
        ("wkg.lock", "", SetKind::WkgLock),
        ("deps/wkg.lock", "", SetKind::WkgLock),
        ("C:\\app\\wkg.lock", "", SetKind::WkgLock),
        (
            "wkg.lock__wasmCloud+wash@2915b44b.lock",
            "",
            SetKind::WkgLock,
        ),
        ("Cargo-component.lock", "", SetKind::CargoComponentLock),
        ("cargo-component.lock.orig", "", SetKind::CargoComponentLock),
        ("spin.toml", "", SetKind::SpinToml),
        (
            "spin.toml__fermyon+spin@0f8b7ad4__templates_redirect_content.toml",
            "",
            SetKind::SpinToml,
        ),
        ("trusted.json", spin, SetKind::Json),
        (
            "trusted",
            "{\"version\": 1, \"entries\": []}",
            SetKind::Json,
        ),
        ("pins.txt", "[\"sha256:ab\"]", SetKind::Json),
        ("app.toml", spin, SetKind::SpinToml),
        (
            "template.toml",
            "[component.{{name}}]\nsource = { url = \"u\", digest = \"d\" }\n",
            SetKind::SpinToml,
        ),
        ("pins.lock", wkg, SetKind::WkgLock),
        (
            "pins.lock",
            CARGO_COMPONENT_LOCK,
            SetKind::CargoComponentLock,
        ),
        // A Cargo.lock has [[package]] but no version tables: not a pin file.
        (
            "Cargo.lock",
            "version = 4\n[[package]]\nname = \"a\"\nversion = \"1.0.0\"\n",
            SetKind::Json,
        ),
    ];
    for (name, content, want) in cases {
        assert_eq!(sets::detect_kind(name, content.as_bytes()), want, "{name}");
    }
}

// ---------------------------------------------------------------------------
// The JSON Schema
// ---------------------------------------------------------------------------

fn schema() -> jsonschema::Validator {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas/trust-set.schema.json");
    let text = std::fs::read_to_string(&path).expect("schema file");
    let schema: Value = serde_json::from_str(&text).expect("schema is JSON");
    jsonschema::validator_for(&schema).expect("schema is a valid JSON Schema")
}

/// Documents the schema must accept, each also read by the parser.
fn good_documents() -> Vec<Value> {
    let (a, b) = (dig('a'), dig('b'));
    vec![
        json!({"version": 1, "entries": []}),
        json!({"version": 1, "entries": [{"name": "app:core", "digest": a}]}),
        json!({
            "$schema": "https://github.com/wasm-audit/wasm-audit/schemas/trust-set.schema.json",
            "version": 1,
            "entries": [
                {"name": "app:core", "version": "1.2.0", "digest": a, "source": "oci://ghcr.io/acme/core:1.2.0"},
                {"name": "app:core", "version": "1.3.0", "digest": b},
                {"name": "wasi:http", "digest": "A".repeat(64)}
            ]
        }),
        json!({"app:core": a, "app:glue": "b".repeat(64)}),
        json!({}),
        json!([a, "B".repeat(64)]),
        json!([]),
    ]
}

/// Documents the schema must reject, each also refused by the parser.
fn bad_documents() -> Vec<(&'static str, Value)> {
    let a = dig('a');
    vec![
        (
            "unknown top-level key",
            json!({"version": 1, "entries": [], "signed": true}),
        ),
        (
            "unknown entry key",
            json!({"version": 1, "entries": [{"name": "x", "digest": a, "hash": a}]}),
        ),
        (
            "entry without name",
            json!({"version": 1, "entries": [{"digest": a}]}),
        ),
        (
            "entry without digest",
            json!({"version": 1, "entries": [{"name": "x"}]}),
        ),
        (
            "empty name",
            json!({"version": 1, "entries": [{"name": "", "digest": a}]}),
        ),
        (
            "empty version",
            json!({"version": 1, "entries": [{"name": "x", "version": "", "digest": a}]}),
        ),
        (
            "null source",
            json!({"version": 1, "entries": [{"name": "x", "digest": a, "source": null}]}),
        ),
        (
            "short digest",
            json!({"version": 1, "entries": [{"name": "x", "digest": &a[..70]}]}),
        ),
        (
            "non-hex digest",
            json!({"version": 1, "entries": [{"name": "x", "digest": format!("sha256:{}", "g".repeat(64))}]}),
        ),
        (
            "other algorithm",
            json!({"version": 1, "entries": [{"name": "x", "digest": format!("sha512:{}", "a".repeat(64))}]}),
        ),
        (
            "uppercase algorithm",
            json!({"version": 1, "entries": [{"name": "x", "digest": format!("SHA256:{}", "a".repeat(64))}]}),
        ),
        ("version 2", json!({"version": 2, "entries": []})),
        ("version as string", json!({"version": "1", "entries": []})),
        ("no version", json!({"entries": []})),
        ("no entries", json!({"version": 1})),
        ("map with bad digest", json!({"x": "sha256:1234"})),
        ("map with non-string", json!({"x": 5})),
        ("map using a reserved key", json!({"a": a, "version": a})),
        ("map with empty name", json!({"": a})),
        ("list with bad digest", json!([a, "nope"])),
        ("list of objects", json!([{"name": "x", "digest": a}])),
        ("scalar", json!(42)),
    ]
}

#[test]
fn schema_accepts_the_full_form_and_simple_forms_the_parser_reads() {
    let validator = schema();
    for doc in good_documents() {
        let errors: Vec<String> = validator.iter_errors(&doc).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{doc}: {errors:#?}");
        let text = serde_json::to_string_pretty(&doc).unwrap();
        parse_json(&text).unwrap_or_else(|e| panic!("{doc}: {e}"));
    }
}

#[test]
fn schema_rejects_what_the_parser_rejects() {
    let validator = schema();
    for (what, doc) in bad_documents() {
        assert!(!validator.is_valid(&doc), "schema accepts {what}: {doc}");
        let text = serde_json::to_string_pretty(&doc).unwrap();
        assert!(parse_json(&text).is_err(), "parser accepts {what}: {doc}");
    }
}

#[test]
fn errors_print_the_file_and_place() {
    let shown = parse_json(
        "{\"version\": 1,\n\"entries\": [{\"name\": \"x\", \"digest\": \"sha256:12\"}]}",
    )
    .unwrap_err()
    .to_string();
    assert_eq!(
        shown,
        "trusted.json: entries[0] (line 2, column 47): bad digest `sha256:12`: expected 64 hex digits, found 2"
    );
    let err = parse_as("wkg.lock", "version = 1\n[[packages]]\nname = 5\n").unwrap_err();
    assert_eq!(err.path(), "wkg.lock");
    assert_eq!(
        err.to_string(),
        "wkg.lock:3: `packages[0].name` must be a string, not an integer"
    );
    // A very long bad value is cut short in the message, whether the check
    // is ours or serde_json's.
    let long = "z".repeat(100_000);
    for doc in [
        format!("[\"{long}\"]"),
        format!("{{\"version\": \"{long}\"}}"),
        format!("{{\"version\": 1, \"entries\": [{{\"{long}\": 1}}]}}"),
    ] {
        let shown = parse_json(&doc).unwrap_err().to_string();
        assert!(shown.len() < 600, "{shown}");
    }
}

#[test]
fn deeply_nested_input_is_an_error_not_a_crash() {
    let deep_json = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    assert!(matches!(
        parse_json(&deep_json),
        Err(SetError::Json { line: 1, .. })
    ));
    let deep_json = format!(
        "{{\"version\": 1, \"entries\": [{{\"name\": {}}}]}}",
        "[".repeat(100_000)
    );
    assert!(matches!(
        parse_json(&deep_json),
        Err(SetError::Json { line: 1, .. })
    ));
    let deep_toml = format!("spin_manifest_version = 2\nx = {}\n", "[".repeat(100_000));
    assert!(matches!(
        parse_as("spin.toml", &deep_toml),
        Err(SetError::Toml { line: 2, .. })
    ));
    let deep_toml = format!(
        "spin_manifest_version = 2\nx = {}\n",
        "{ a = ".repeat(100_000)
    );
    assert!(matches!(
        parse_as("spin.toml", &deep_toml),
        Err(SetError::Toml { line: 2, .. })
    ));
}
