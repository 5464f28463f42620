//! Conformance against real components nobody on the team wrote
//! (`../shared/corpus`): for every file, the node list equals the
//! independently produced `expected/NODES.tsv`; the root's imports and
//! exports and the printed WIT equal `wasm-tools component wit` output;
//! inputs that are not current components get their own answers.

use crate::common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use wasm_audit::model::NameForm;
use wasm_audit::{Class, Error, NodeKind, Options};

#[derive(Debug, PartialEq, Eq, PartialOrd, Ord, Clone)]
struct Row {
    path: String,
    kind: String,
    depth: u32,
    offset: u64,
    size: u64,
    digest: String,
}

fn expected_nodes(corpus: &Path) -> BTreeMap<String, Vec<Row>> {
    let text = std::fs::read_to_string(corpus.join("expected/NODES.tsv")).expect("NODES.tsv");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("header").split('\t').collect();
    let col = |name: &str| {
        header
            .iter()
            .position(|h| *h == name)
            .unwrap_or_else(|| panic!("NODES.tsv has no column {name}"))
    };
    let (file, path, kind, depth, offset, length, sha) = (
        col("filename"),
        col("node_path"),
        col("kind"),
        col("depth"),
        col("offset"),
        col("length"),
        col("sha256"),
    );
    let mut out: BTreeMap<String, Vec<Row>> = BTreeMap::new();
    for line in lines.filter(|l| !l.is_empty()) {
        let f: Vec<&str> = line.split('\t').collect();
        out.entry(f[file].to_string()).or_default().push(Row {
            path: wasm_audit::model::normalize_path(f[path]),
            kind: f[kind].to_string(),
            depth: f[depth].parse().expect("depth"),
            offset: f[offset].parse().expect("offset"),
            size: f[length].parse().expect("length"),
            digest: format!("sha256:{}", f[sha]),
        });
    }
    out
}

/// MANIFEST.tsv: file name → kind column.
fn manifest_kinds(corpus: &Path) -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(corpus.join("MANIFEST.tsv")).expect("MANIFEST.tsv");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("header").split('\t').collect();
    let file = header
        .iter()
        .position(|h| *h == "filename")
        .expect("filename");
    let kind = header.iter().position(|h| *h == "kind").expect("kind");
    lines
        .filter(|l| !l.is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            (f[file].to_string(), f[kind].to_string())
        })
        .collect()
}

#[test]
fn every_corpus_file_decomposes_as_expected() {
    let Some(corpus) = common::corpus() else {
        return;
    };
    let expected = expected_nodes(&corpus);
    let kinds = manifest_kinds(&corpus);
    let files = common::corpus_wasm_files();
    assert!(files.len() >= 100, "corpus has {} files", files.len());
    let mut checked = 0;
    for path in &files {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let kind = kinds
            .get(&name)
            .unwrap_or_else(|| panic!("{name} not in MANIFEST.tsv"));
        let bytes = std::fs::read(path).expect("read");
        let result = wasm_audit::analyze_bytes(&name, &bytes, &Options::default());
        if let Some(v) = kind.strip_prefix("component(legacy-encoding-") {
            let v = v.trim_end_matches(')');
            match result {
                Err(e @ Error::LegacyEncoding { .. }) => {
                    let msg = e.to_string();
                    assert!(msg.contains(v), "{name}: message {msg:?} names {v}");
                }
                other => panic!("{name}: expected a legacy-encoding error, got {other:?}"),
            }
            checked += 1;
            continue;
        }
        let analysis = result.unwrap_or_else(|e| panic!("{name}: {e}"));
        let mut got: Vec<Row> = analysis
            .nodes
            .iter()
            .map(|n| Row {
                path: n.path.clone(),
                kind: n.kind.as_str().to_string(),
                depth: n.depth,
                offset: n.offset,
                size: n.size,
                digest: n.digest.clone(),
            })
            .collect();
        // Pre-order binary order: offsets increase.
        assert!(
            got.windows(2).all(|w| w[0].offset < w[1].offset),
            "{name}: nodes not in binary order"
        );
        let mut want = expected
            .get(&name)
            .unwrap_or_else(|| panic!("{name} not in NODES.tsv"))
            .clone();
        got.sort();
        want.sort();
        assert_eq!(got, want, "{name}: node list differs from NODES.tsv");

        match kind.as_str() {
            "module" => {
                assert_eq!(analysis.kind, NodeKind::Module, "{name}");
                assert_eq!(analysis.nodes.len(), 1, "{name}: a core module is one node");
            }
            "component(wit-package)" => {
                assert_eq!(analysis.root().class, Class::WitPackage, "{name}");
                let wit = analysis.root().wit.as_ref().expect("decoded WIT");
                assert_eq!(wit.kind, "package", "{name}");
            }
            "component" => {
                assert_eq!(analysis.kind, NodeKind::Component, "{name}");
                assert_ne!(analysis.root().class, Class::WitPackage, "{name}");
            }
            other => panic!("{name}: unexpected manifest kind {other}"),
        }
        checked += 1;
    }
    assert_eq!(checked, files.len());
}

/// The top-level `import`/`export` lines of the world in
/// `wasm-tools component wit` output: (direction, name).
fn wit_world_items(wit: &str) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    let mut in_world = false;
    for line in wit.lines() {
        if line.starts_with("world ") {
            in_world = true;
            continue;
        }
        if in_world && line.starts_with('}') {
            break;
        }
        if !in_world {
            continue;
        }
        for dir in ["import", "export"] {
            let Some(rest) = line.strip_prefix(&format!("  {dir} ")) else {
                continue;
            };
            let name = if let Some((plain, _)) = rest.split_once(": ") {
                plain.trim_start_matches('%').to_string()
            } else if let Some(iface) = rest.strip_suffix(';') {
                iface.to_string()
            } else {
                continue;
            };
            out.insert((dir.to_string(), name));
        }
    }
    out
}

#[test]
fn root_imports_exports_and_wit_match_wasm_tools() {
    let Some(corpus) = common::corpus() else {
        return;
    };
    let mut compared = 0;
    for path in common::corpus_wasm_files() {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let wit_file = corpus.join("expected").join(format!("{name}.wit"));
        let Ok(expected_wit) = std::fs::read_to_string(&wit_file) else {
            continue;
        };
        let bytes = std::fs::read(&path).expect("read");
        let analysis =
            wasm_audit::analyze_bytes(&name, &bytes, &Options::default()).expect("analyse");
        let root = analysis.root();

        // The whole printed WIT equals wasm-tools' (same printer family,
        // independent decoding run).
        let printed = wasm_audit::wit::print(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            printed.trim_end(),
            expected_wit.trim_end(),
            "{name}: printed WIT differs"
        );

        if root.class == Class::WitPackage {
            compared += 1;
            continue;
        }
        let want = wit_world_items(&expected_wit);
        let mut got = BTreeSet::new();
        for (dir, list) in [("import", &root.imports), ("export", &root.exports)] {
            for e in list {
                match e.form {
                    NameForm::Interface | NameForm::Plain => {
                        got.insert((dir.to_string(), e.name.clone()));
                    }
                    _ => {}
                }
            }
        }
        // Types exported by name appear in WIT as type definitions, and
        // resource functions (`[constructor]r`, `[method]r.get`) inside
        // their resource, not as world items: compare the other items.
        let got: BTreeSet<_> = got
            .into_iter()
            .filter(|(_, n)| !n.starts_with('['))
            .filter(|(dir, n)| {
                let list = if dir == "import" {
                    &root.imports
                } else {
                    &root.exports
                };
                list.iter()
                    .any(|e| &e.name == n && e.kind != wasm_audit::model::ItemKind::Type)
            })
            .collect();
        assert_eq!(
            got, want,
            "{name}: root imports/exports differ from the .wit"
        );
        compared += 1;
    }
    assert!(compared >= 80, "compared {compared} files");
}

/// Real components audited with a verified set that trusts their own
/// WIT decoding adds WIT, never changes a class or anything else the
/// audit reads: `tree` (which decodes WIT) and `check` (which does not)
/// see the same nodes.
#[test]
fn classes_do_not_depend_on_wit_decoding() {
    let files = common::corpus_wasm_files();
    let mut compared = 0;
    for path in &files {
        let bytes = std::fs::read(path).expect("read");
        let name = path.display().to_string();
        let with = wasm_audit::analyze_bytes(&name, &bytes, &Options::default());
        let without = wasm_audit::analyze_bytes(
            &name,
            &bytes,
            &Options {
                wit: false,
                ..Options::default()
            },
        );
        let (Ok(with), Ok(without)) = (with, without) else {
            continue;
        };
        compared += 1;
        let view = |a: &wasm_audit::model::Analysis| {
            a.nodes
                .iter()
                .map(|n| (n.path.clone(), n.class, n.acts.clone(), n.digest.clone()))
                .collect::<Vec<_>>()
        };
        assert_eq!(view(&with), view(&without), "{name}");
    }
    assert!(files.is_empty() || compared > 50, "{compared}");
}

/// digest: nothing in them is reported (every node is trusted or covered,
/// no capability rule applies, no code is imported), so the trust rule adds
/// no spurious finding to real output of wit-component, wac, jco, Spin or
/// wasmCloud; and with nothing trusted, every file with code fails.
#[test]
fn every_corpus_file_passes_when_its_own_digest_is_trusted() {
    use wasm_audit::check::cfg::Policy;
    use wasm_audit::check::{CheckedSet, Input, Outcome, PolicySource, Report, SignatureStatus};
    use wasm_audit::trust::{signature, SetKind, TrustEntry, TrustSet};
    let files = common::corpus_wasm_files();
    if files.is_empty() {
        return;
    }
    let mut audited = 0;
    for path in &files {
        let bytes = std::fs::read(path).expect("read");
        let name = path.display().to_string();
        let Ok(a) = wasm_audit::analyze_bytes(&name, &bytes, &Options::default()) else {
            continue;
        };
        audited += 1;
        let set = |digest: Option<&str>| CheckedSet {
            set: TrustSet {
                path: "trusted.json".into(),
                digest: "sha256:0".into(),
                kind: SetKind::Json,
                entries: digest
                    .map(|d| TrustEntry {
                        name: None,
                        version: None,
                        digest: d.to_string(),
                        source: None,
                        origin: "trusted.json: entries[0]".into(),
                    })
                    .into_iter()
                    .collect(),
            },
            signature: SignatureStatus::Verified {
                path: "trusted.json.sig".into(),
                verified: signature::Verified {
                    format: signature::SignatureFormat::Cosign,
                    key_algorithm: "ecdsa-p256-sha256",
                    key_fingerprint: "sha256:0".into(),
                    identity: None,
                    issuer: None,
                },
            },
        };
        let audit = |s: CheckedSet| {
            Report::generate(
                &[Input {
                    file: name.clone(),
                    analysis: Ok(a.clone()),
                }],
                &[s],
                &Policy::default(),
                PolicySource::default(),
            )
        };
        let r = audit(set(Some(&a.digest)));
        assert_eq!(r.verdict, Outcome::Pass, "{name}: {:?}", r.findings);
        assert!(r.findings.is_empty(), "{name}: {:?}", r.findings);
        let code = a.nodes.iter().any(|n| n.class == Class::Code);
        if code {
            let r = audit(set(None));
            assert_eq!(
                r.verdict,
                Outcome::Fail,
                "{name} passed with nothing trusted"
            );
        }
    }
    assert!(audited >= 100, "only {audited} corpus files audited");
}

/// One process over the whole corpus reports every file exactly as a
/// process of its own does: what one file's analysis keeps for the rest of
/// the process (WIT results by digest and by skeleton) never changes
/// another file's report. The corpus nests the same components in several
/// files (the wasmcp and Spin compositions), and many of them do not
/// decode standalone, so both kinds of remembered result are exercised.
#[test]
fn a_batch_reports_every_file_as_a_run_of_its_own() {
    let files = common::corpus_wasm_files();
    if files.is_empty() {
        return;
    }
    let tree = |files: &[std::path::PathBuf]| -> serde_json::Value {
        let out = common::bin()
            .args(["tree", "--format", "json"])
            .args(files)
            .output()
            .expect("run wasm-audit");
        // Pre-1.0 encodings in the corpus are errors: exit 2, still reported.
        assert!(matches!(common::code(&out), 0 | 2), "{out:?}");
        serde_json::from_slice(&out.stdout).expect("tree JSON")
    };
    let batch = tree(&files);
    let entries = batch["files"].as_array().expect("files");
    assert_eq!(entries.len(), files.len());
    let (mut nested_wit, mut nested_notes) = (0, 0);
    for (path, entry) in files.iter().zip(entries) {
        let single = tree(std::slice::from_ref(path));
        assert_eq!(entry, &single["files"][0], "{}", path.display());
        for node in entry["nodes"].as_array().into_iter().flatten() {
            if node["kind"] == "component" && node["depth"] != 0 {
                nested_wit += usize::from(node.get("wit").is_some());
                nested_notes +=
                    usize::from(node["notes"].to_string().contains("WIT not decodable"));
            }
        }
    }
    assert!(
        nested_wit > 10 && nested_notes > 10,
        "{nested_wit} {nested_notes}"
    );
}
