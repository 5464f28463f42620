//! `wasm-audit diff`: what changed between two versions, for reviewers.

use crate::common;
use crate::common::repo;

use std::path::Path;

use serde_json::Value;

const ALL_KINDS: &str = "capability-added,capability-removed,capability-changed,component-added,component-removed,digest-changed,import-added,import-removed,export-added,export-removed,crate-changed,metadata-changed";

fn diff(old: &Path, new: &Path, extra: &[&str]) -> (i32, Value) {
    let out = common::bin()
        .arg("diff")
        .arg(old)
        .arg(new)
        .args(["--format", "json"])
        .args(extra)
        .output()
        .expect("run");
    let doc = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stderr)));
    (common::code(&out), doc)
}

fn validator() -> jsonschema::Validator {
    let schema: Value =
        serde_json::from_slice(&std::fs::read(repo("schemas/diff.schema.json")).unwrap()).unwrap();
    jsonschema::validator_for(&schema).expect("schema")
}

fn assert_valid(doc: &Value) {
    let v = validator();
    let errors: Vec<String> = v
        .iter_errors(doc)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
}

#[test]
fn identical_inputs_give_an_empty_diff_with_every_fail_on() {
    let mut files = vec![
        repo("testdata/demo/app.wasm"),
        repo("testdata/wiring/siblings.wat"),
    ];
    if let Some(f) = common::corpus_file("jco__runtime_simple-nested.component.wasm") {
        files.push(f);
    }
    for f in files {
        let (code, doc) = diff(&f, &f, &["--fail-on", ALL_KINDS]);
        assert_eq!(code, 0, "{}: {doc}", f.display());
        assert_eq!(doc["identical"], true);
        for key in [
            "events",
            "capabilities",
            "parts",
            "root",
            "crates",
            "metadata",
        ] {
            assert!(
                doc[key].as_array().unwrap().is_empty(),
                "{}: {key} {doc}",
                f.display()
            );
        }
        assert_valid(&doc);
    }
}

#[test]
fn plugging_deny_all_shows_one_new_code_part_and_its_capabilities() {
    let (Some(hello), Some(deny_all)) = (
        common::corpus_file("wasmcloud__wash_fixtures_http_hello_world_rust.wasm"),
        common::corpus_file("spin__crates_compose_deny_all.wasm"),
    ) else {
        return;
    };
    let hello_bytes = std::fs::read(&hello).unwrap();
    let deny_bytes = std::fs::read(&deny_all).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let plugged = dir.path().join("plugged.wasm");
    std::fs::write(&plugged, common::plug(&hello_bytes, &deny_bytes)).unwrap();

    let (code, doc) = diff(&hello, &plugged, &[]);
    assert_eq!(code, 0, "without --fail-on: exit 0");
    assert_valid(&doc);
    let new_code: Vec<&Value> = doc["parts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["change"] == "added" && p["code"] == true && p["kind"] == "component")
        .collect();
    assert_eq!(
        new_code.len(),
        1,
        "one new code-carrying sub-component: {:#}",
        doc["parts"]
    );
    assert_eq!(new_code[0]["new_digest"], common::sha256(&deny_bytes));
    let new_path = new_code[0]["new_path"].as_str().unwrap();
    let added_here: Vec<&str> = doc["capabilities"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["change"] == "added" && c["part"] == new_path)
        .map(|c| c["interface"].as_str().unwrap())
        .collect();
    assert!(
        added_here.contains(&"wasi:sockets/network@0.2.0"),
        "{added_here:?}"
    );
    // The hello component itself is the same bytes, paired by digest.
    assert!(doc["pairings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["old"] == "/" && p["matched_by"] == "digest"));

    let (code, _) = diff(&hello, &plugged, &["--fail-on", "capability-added"]);
    assert_eq!(code, 1);
    let (code, _) = diff(&hello, &plugged, &["--fail-on", "crate-changed"]);
    assert_eq!(code, 0, "no crate changed");
}

#[test]
fn one_added_import_on_a_nested_component_is_exactly_one_capability() {
    let (code, doc) = diff(
        &repo("testdata/diff/preopens-old.wat"),
        &repo("testdata/diff/preopens-new.wat"),
        &["--fail-on", "capability-added"],
    );
    assert_eq!(code, 1);
    assert_valid(&doc);
    let caps = doc["capabilities"].as_array().unwrap();
    assert_eq!(caps.len(), 1, "{caps:#?}");
    assert_eq!(caps[0]["change"], "added");
    assert_eq!(caps[0]["interface"], "wasi:filesystem/preopens@0.2.0");
    assert_eq!(caps[0]["part"], "/component[1]");
    assert_eq!(caps[0]["name"], "reporter");
    assert_eq!(caps[0]["risky"], true);
    assert!(
        doc["root"].as_array().unwrap().is_empty(),
        "the root's surface is unchanged"
    );
}

#[test]
fn a_version_bump_is_a_version_change() {
    let (code, doc) = diff(
        &repo("testdata/diff/http-0.2.0.wat"),
        &repo("testdata/diff/http-0.2.3.wat"),
        &["--fail-on", "capability-added,capability-removed"],
    );
    assert_eq!(code, 0, "no capability was added or removed: {doc}");
    assert_valid(&doc);
    let caps = doc["capabilities"].as_array().unwrap();
    assert!(caps.iter().all(|c| c["change"] == "version"), "{caps:#?}");
    let fetcher = caps
        .iter()
        .find(|c| c["part"] == "/component[0]")
        .expect("fetcher");
    assert_eq!(fetcher["interface"], "wasi:http/outgoing-handler");
    assert_eq!(fetcher["from"], "wasi:http/outgoing-handler@0.2.0");
    assert_eq!(fetcher["to"], "wasi:http/outgoing-handler@0.2.3");
    let (code, _) = diff(
        &repo("testdata/diff/http-0.2.0.wat"),
        &repo("testdata/diff/http-0.2.3.wat"),
        &["--fail-on", "capability-changed"],
    );
    assert_eq!(code, 1);
}

/// A component holding `inner` (raw bytes) that its name section calls `name`.
fn named_shell(inner: &[u8], name: &str) -> Vec<u8> {
    use wasm_encoder::{Component, ComponentNameSection, NameMap, RawSection};
    let mut shell = Component::new();
    // Section id 4: a nested component, its bytes as they are.
    shell.section(&RawSection { id: 4, data: inner });
    let mut names = ComponentNameSection::new();
    let mut map = NameMap::new();
    map.append(0, name);
    names.components(&map);
    shell.section(&names);
    shell.finish()
}

#[test]
fn a_renamed_byte_identical_part_is_a_rename() {
    let inner = wat::parse_str("(component (core module (func (export \"f\"))))").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("old.wasm");
    let new = dir.path().join("new.wasm");
    std::fs::write(&old, named_shell(&inner, "parser")).unwrap();
    std::fs::write(&new, named_shell(&inner, "tokenizer")).unwrap();
    let (code, doc) = diff(
        &old,
        &new,
        &[
            "--fail-on",
            "digest-changed,component-added,component-removed",
        ],
    );
    assert_eq!(code, 0, "no code changed: {doc}");
    assert_valid(&doc);
    let renamed: Vec<&Value> = doc["parts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["change"] == "renamed")
        .collect();
    assert_eq!(renamed.len(), 1, "{doc}");
    assert_eq!(renamed[0]["old_name"], "parser");
    assert_eq!(renamed[0]["new_name"], "tokenizer");
    assert_eq!(renamed[0]["matched_by"], "digest");
}

#[test]
fn a_saved_caps_baseline_diffs_like_the_binary() {
    let dir = tempfile::tempdir().unwrap();
    let baseline = dir.path().join("baseline.json");
    let out = common::run([
        "caps".as_ref(),
        "--format".as_ref(),
        "json".as_ref(),
        repo("testdata/diff/preopens-old.wat").as_os_str(),
    ]);
    assert_eq!(common::code(&out), 0);
    std::fs::write(&baseline, &out.stdout).unwrap();
    let new = repo("testdata/diff/preopens-new.wat");
    let (_, from_binary) = diff(&repo("testdata/diff/preopens-old.wat"), &new, &[]);
    let (code, from_baseline) = diff(&baseline, &new, &["--fail-on", "capability-added"]);
    assert_eq!(code, 1);
    for key in ["capabilities", "parts", "root", "events"] {
        assert_eq!(from_baseline[key], from_binary[key], "{key}");
    }
    // A tree baseline has no capability data: said so, parts still compared.
    let tree = dir.path().join("tree.json");
    let out = common::run([
        "tree".as_ref(),
        "--format".as_ref(),
        "json".as_ref(),
        repo("testdata/diff/preopens-old.wat").as_os_str(),
    ]);
    std::fs::write(&tree, &out.stdout).unwrap();
    let (_, doc) = diff(&tree, &new, &[]);
    assert!(
        doc["note"].as_str().unwrap().contains("capability"),
        "{doc}"
    );
    assert!(doc["capabilities"].as_array().unwrap().is_empty());
    assert_eq!(doc["parts"], from_binary["parts"]);
}

#[test]
fn markdown_snapshot() {
    let out = common::bin()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "diff",
            "testdata/diff/preopens-old.wat",
            "testdata/diff/preopens-new.wat",
            "--format",
            "markdown",
        ])
        .output()
        .unwrap();
    assert_eq!(common::code(&out), 0);
    let md = String::from_utf8(out.stdout).unwrap();
    let snapshot = repo("testdata/snapshots/diff-preopens.md");
    common::snapshot(&snapshot, &md);
    let first = md.lines().next().unwrap();
    assert!(
        first.starts_with("## 🔺 wasm-audit diff: 1 capabilities added"),
        "{first}"
    );
    assert!(md.contains("| --- |"));
    assert!(!md.contains("```mermaid"), "no diagram that could break");
}

#[test]
fn markdown_of_a_large_diff_stays_under_64_kib() {
    let (Some(a), Some(b)) = (
        common::corpus_file("jco__p3_yield_async-yield-caller.wasm"),
        common::corpus_file("wasmcp__components_server_composed.wasm"),
    ) else {
        return;
    };
    let out = common::bin()
        .arg("diff")
        .arg(&a)
        .arg(&b)
        .args(["--format", "markdown"])
        .output()
        .unwrap();
    assert_eq!(common::code(&out), 0);
    assert!(out.stdout.len() < 64 * 1024, "{}", out.stdout.len());
}

#[test]
fn unknown_fail_on_kinds_are_usage_errors() {
    let f = repo("testdata/demo/app.wasm");
    let out = common::bin()
        .arg("diff")
        .arg(&f)
        .arg(&f)
        .args(["--fail-on", "capability-add"])
        .output()
        .unwrap();
    assert_eq!(common::code(&out), 2);
    assert!(String::from_utf8_lossy(&out.stderr).contains("capability-added"));
}

/// A baseline is read with the types that wrote it: another format
/// version, or a document that is not what its header says, is refused
/// with one line (exit 2) rather than read loosely.
#[test]
fn baselines_of_another_version_or_shape_are_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = repo("testdata/demo/app.wasm");
    let out = common::run([
        "caps".as_ref(),
        "--format".as_ref(),
        "json".as_ref(),
        app.as_os_str(),
    ]);
    assert_eq!(common::code(&out), 0);
    let mut doc: Value = serde_json::from_slice(&out.stdout).expect("caps json");
    doc["format_version"] = Value::from(2);
    let future = dir.path().join("future.json");
    std::fs::write(&future, serde_json::to_vec(&doc).expect("json")).expect("write");
    let out = common::run(["diff".as_ref(), future.as_os_str(), app.as_os_str()]);
    assert_eq!(common::code(&out), 2);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("format version 2") && err.contains("reads version 1"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");

    doc["format_version"] = Value::from(1);
    doc["files"][0]["components"][0]["kind"] = Value::from("gadget");
    let broken = dir.path().join("broken.json");
    std::fs::write(&broken, serde_json::to_vec(&doc).expect("json")).expect("write");
    let out = common::run(["diff".as_ref(), broken.as_os_str(), app.as_os_str()]);
    assert_eq!(common::code(&out), 2);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("not a valid wasm-audit-caps document"),
        "{err}"
    );
}
