//! The cargo-auditable `.dep-v0` section: decoded in every core module (not
//! only the first one), reported on the right node, refused when it is a
//! zlib bomb, and turned into a note when it is corrupt.
//!
//! Every fixture is built here: a core module with a `.dep-v0` section made
//! from an `auditable_serde::VersionInfo`, turned into a component with
//! `wit-component`, then nested so that it is not the first core module.

use crate::common;

use std::borrow::Cow;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use auditable_serde::{DependencyKind, Package, Source, VersionInfo};
use serde_json::Value;
use wasm_audit::model::Crate;
use wasm_audit::{Analysis, Error, Limits, NodeKind, Options};
use wasm_encoder::{Component, ComponentSectionId, CustomSection, RawSection, Section};
use wasmparser::{Parser, Payload};

const SECTION: &str = ".dep-v0";
const FLAG: &str = "--max-dep-v0-size";

/// Where the module with the `.dep-v0` section ends up in [`nested`]: the
/// main module of the `wit-component` component, which is the second
/// component-level item holding a core module in the file.
const DEP_PATH: &str = "/component[0]/module[0]";
/// The plain module placed before it.
const FIRST_PATH: &str = "/module[0]";

// ---------------------------------------------------------------------------
// Fixture building.
// ---------------------------------------------------------------------------

fn package(name: &str, version: &str, source: Source, deps: Vec<usize>, root: bool) -> Package {
    Package {
        name: name.to_string(),
        version: version.parse().expect("a semver version"),
        source,
        kind: DependencyKind::Runtime,
        dependencies: deps,
        root,
    }
}

/// `demo-app 0.3.1` depending on `serde 1.0.210` and `anyhow 1.0.89`;
/// `serde` has a build-time dependency on `serde_derive 1.0.210`.
fn demo_info() -> VersionInfo {
    let mut derive = package("serde_derive", "1.0.210", Source::CratesIo, vec![], false);
    derive.kind = DependencyKind::Build;
    VersionInfo {
        packages: vec![
            package("demo-app", "0.3.1", Source::Local, vec![1, 2], true),
            package("serde", "1.0.210", Source::CratesIo, vec![3], false),
            package("anyhow", "1.0.89", Source::CratesIo, vec![], false),
            derive,
        ],
        format: 0,
    }
}

/// A different list, for a module placed before the demo one.
fn other_info() -> VersionInfo {
    VersionInfo {
        packages: vec![
            package("first-tool", "2.0.0", Source::Local, vec![1], true),
            package("libc", "0.2.158", Source::CratesIo, vec![], false),
        ],
        format: 0,
    }
}

fn zlib(data: &[u8]) -> Vec<u8> {
    miniz_oxide::deflate::compress_to_vec_zlib(data, 6)
}

fn dep_v0_payload(info: &VersionInfo) -> Vec<u8> {
    let json = serde_json::to_vec(info).expect("serialise VersionInfo");
    zlib(&json)
}

/// `module` with a custom section appended.
fn with_custom(module: &[u8], name: &str, data: &[u8]) -> Vec<u8> {
    let mut out = module.to_vec();
    CustomSection {
        name: Cow::Borrowed(name),
        data: Cow::Borrowed(data),
    }
    .append_to(&mut out);
    out
}

/// The core module that becomes the demo component.
const DEMO_MODULE: &str = r#"(module
  (func (export "run") (result i32) i32.const 7)
  (memory (export "memory") 1)
)"#;

const DEMO_WIT: &str = r#"package demo:app@0.3.1;

world app {
  export run: func() -> u32;
}
"#;

/// A plain core module with code.
const PLAIN_MODULE: &str = r#"(module (func (export "nop")))"#;

/// A component made by `wit-component` from the demo module carrying
/// `dep_v0` as its `.dep-v0` section.
fn demo_component(dep_v0: &[u8]) -> Vec<u8> {
    let module = wat::parse_str(DEMO_MODULE).expect("demo WAT");
    let mut module = with_custom(&module, SECTION, dep_v0);
    let mut resolve = wit_parser::Resolve::default();
    let pkg = resolve.push_str("demo.wit", DEMO_WIT).expect("demo WIT");
    let world = resolve
        .select_world(&[pkg], Some("app"))
        .expect("world app");
    wit_component::embed_component_metadata(
        &mut module,
        &resolve,
        world,
        wit_component::StringEncoding::UTF8,
        false,
    )
    .expect("embed WIT");
    wit_component::ComponentEncoder::default()
        .module(&module)
        .expect("module accepted")
        .validate(true)
        .encode()
        .expect("componentize")
}

/// The core modules directly inside `component`, in binary order, as
/// `(bytes, carries a .dep-v0 section)`; found with wasmparser, not the tool.
fn direct_modules(component: &[u8]) -> Vec<(Vec<u8>, Vec<Vec<u8>>)> {
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut current: Option<usize> = None;
    for payload in Parser::new(0).parse_all(component) {
        match payload.expect("valid binary") {
            Payload::Version { .. } => depth += 1,
            Payload::End(_) => {
                depth -= 1;
                if depth == 1 {
                    current = None;
                }
            }
            Payload::ModuleSection {
                unchecked_range, ..
            } if depth == 1 => {
                let range = unchecked_range.start as usize..unchecked_range.end as usize;
                out.push((component[range].to_vec(), Vec::new()));
                current = Some(out.len() - 1);
            }
            Payload::CustomSection(reader) if depth == 2 && reader.name() == SECTION => {
                if let Some(i) = current {
                    out[i].1.push(reader.data().to_vec());
                }
            }
            _ => {}
        }
    }
    out
}

fn raw(id: ComponentSectionId, data: &[u8]) -> RawSection<'_> {
    RawSection {
        id: id.into(),
        data,
    }
}

/// A component holding first a plain module, then the demo component: the
/// `.dep-v0` module is the second core module of the file.
fn nested(dep_v0: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let demo = demo_component(dep_v0);
    let plain = wat::parse_str(PLAIN_MODULE).expect("plain WAT");
    let mut outer = Component::new();
    outer.section(&raw(ComponentSectionId::CoreModule, &plain));
    outer.section(&raw(ComponentSectionId::Component, &demo));
    (outer.finish(), demo)
}

/// A component whose two direct core modules both carry `.dep-v0`: the
/// first a different list, the second the module `wit-component` made
/// (taken out of the demo component byte for byte).
fn two_modules() -> (Vec<u8>, Vec<u8>, Vec<u8>) {
    let demo = demo_component(&dep_v0_payload(&demo_info()));
    let modules = direct_modules(&demo);
    let (main, sections) = modules.first().expect("wit-component made a core module");
    assert_eq!(
        sections,
        &vec![dep_v0_payload(&demo_info())],
        "wit-component kept the `.dep-v0` section of the main module verbatim"
    );
    let first = with_custom(
        &wat::parse_str(PLAIN_MODULE).expect("plain WAT"),
        SECTION,
        &dep_v0_payload(&other_info()),
    );
    let mut outer = Component::new();
    outer.section(&raw(ComponentSectionId::CoreModule, &first));
    outer.section(&raw(ComponentSectionId::CoreModule, main));
    (outer.finish(), first, main.clone())
}

/// 64 MiB of spaces, zlib-compressed (built once: compressing takes a
/// moment in a debug build).
fn bomb() -> &'static [u8] {
    static BOMB: OnceLock<Vec<u8>> = OnceLock::new();
    BOMB.get_or_init(|| {
        let bomb = zlib(&vec![b' '; BOMB_SIZE]);
        assert!(
            bomb.len() < 256 << 10,
            "a bomb is small: {} bytes",
            bomb.len()
        );
        bomb
    })
}

const BOMB_SIZE: usize = 64 << 20;

fn analyze(bytes: &[u8]) -> Analysis {
    wasm_audit::analyze_bytes("test.wasm", bytes, &Options::default())
        .unwrap_or_else(|e| panic!("analysis failed: {e}"))
}

fn write_temp(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("write fixture");
    path
}

fn tree_json(file: &Path, extra: &[&str]) -> (i32, Value, String) {
    let mut args: Vec<&OsStr> = extra.iter().map(OsStr::new).collect();
    args.extend(["tree", "--format", "json"].map(OsStr::new));
    args.push(file.as_os_str());
    let out = common::run(args);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let doc = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("tree did not print JSON ({e}); stderr: {stderr}"));
    (common::code(&out), doc, stderr)
}

fn json_node<'a>(doc: &'a Value, path: &str) -> &'a Value {
    doc["files"][0]["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .find(|n| n["path"] == path)
        .unwrap_or_else(|| panic!("no JSON node at {path}"))
}

/// The crate list must be the demo list: names, versions, sources, kinds,
/// root flag and dependency edges (by name, through the indices).
fn assert_demo_crates(crates: &[Crate]) {
    let info = demo_info();
    assert_eq!(crates.len(), info.packages.len());
    for (c, p) in crates.iter().zip(&info.packages) {
        assert_eq!(c.name, p.name);
        assert_eq!(c.version, p.version.to_string());
        assert_eq!(c.source, String::from(p.source.clone()));
        assert_eq!(c.root, p.root, "root flag of {}", c.name);
        assert_eq!(c.dependencies, p.dependencies, "dependencies of {}", c.name);
    }
    let by_name = |name: &str| {
        crates
            .iter()
            .find(|c| c.name == name)
            .unwrap_or_else(|| panic!("{name} listed"))
    };
    let app = by_name("demo-app");
    assert!(app.root);
    assert_eq!(app.version, "0.3.1");
    let mut deps: Vec<(&str, &str)> = app
        .dependencies
        .iter()
        .map(|&i| (crates[i].name.as_str(), crates[i].version.as_str()))
        .collect();
    deps.sort();
    assert_eq!(deps, vec![("anyhow", "1.0.89"), ("serde", "1.0.210")]);
    assert_eq!(crates.iter().filter(|c| c.root).count(), 1, "one root");
    let serde = by_name("serde");
    assert_eq!(serde.version, "1.0.210");
    assert_eq!(serde.kind, "runtime");
    assert_eq!(serde.source, "crates.io");
    let derive: Vec<&str> = serde
        .dependencies
        .iter()
        .map(|&i| crates[i].name.as_str())
        .collect();
    assert_eq!(derive, vec!["serde_derive"]);
    assert_eq!(by_name("serde_derive").kind, "build");
    assert_eq!(by_name("anyhow").version, "1.0.89");
    assert!(by_name("anyhow").dependencies.is_empty());
}

// ---------------------------------------------------------------------------
// Decoding.
// ---------------------------------------------------------------------------

#[test]
fn dep_v0_in_a_later_module_is_decoded_on_its_node() {
    let (outer, demo) = nested(&dep_v0_payload(&demo_info()));
    let a = analyze(&outer);

    // The layout is what the test means: the plain module first, then the
    // demo component whose first module carries the section.
    let modules: Vec<&str> = a
        .nodes
        .iter()
        .filter(|n| n.kind == NodeKind::Module)
        .map(|n| n.path.as_str())
        .collect();
    assert_eq!(modules.first(), Some(&FIRST_PATH));
    assert_eq!(
        modules.get(1),
        Some(&DEP_PATH),
        "the .dep-v0 module is the second: {modules:?}"
    );
    let demo_node = a.node("/component[0]").expect("demo component node");
    assert_eq!(demo_node.digest, common::sha256(&demo));

    let dep = a.node(DEP_PATH).expect("the module with .dep-v0");
    assert!(dep.custom_sections.iter().any(|s| s == SECTION));
    let (main, _) = &direct_modules(&demo)[0];
    assert_eq!(
        dep.digest,
        common::sha256(main),
        "the node is wit-component's main module"
    );
    let crates = dep
        .crates
        .as_ref()
        .unwrap_or_else(|| panic!("crates decoded on {DEP_PATH}; notes: {:?}", dep.notes));
    assert_demo_crates(crates);
    assert!(dep.notes.is_empty(), "no notes: {:?}", dep.notes);

    // No other node gets a crate list.
    for n in &a.nodes {
        if n.path != DEP_PATH {
            assert!(
                n.crates.is_none(),
                "{} has no .dep-v0 but got crates",
                n.path
            );
        }
    }
}

#[test]
fn two_modules_each_get_their_own_list() {
    let (outer, first, second) = two_modules();
    let a = analyze(&outer);
    let m0 = a.node("/module[0]").expect("module[0]");
    let m1 = a.node("/module[1]").expect("module[1]");
    assert_eq!(m0.digest, common::sha256(&first));
    assert_eq!(m1.digest, common::sha256(&second));

    let c0 = m0.crates.as_ref().expect("first module's crates");
    let names0: Vec<(&str, &str, bool)> = c0
        .iter()
        .map(|c| (c.name.as_str(), c.version.as_str(), c.root))
        .collect();
    assert_eq!(
        names0,
        vec![("first-tool", "2.0.0", true), ("libc", "0.2.158", false)]
    );
    assert_eq!(c0[0].dependencies, vec![1]);

    let c1 = m1.crates.as_ref().unwrap_or_else(|| {
        panic!(
            "the second module's .dep-v0 is decoded too; notes: {:?}",
            m1.notes
        )
    });
    assert_demo_crates(c1);
    assert!(a.root().crates.is_none());
}

#[test]
fn tree_json_shows_the_crates_on_the_node() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (outer, _) = nested(&dep_v0_payload(&demo_info()));
    let file = write_temp(dir.path(), "nested.wasm", &outer);
    let (code, doc, stderr) = tree_json(&file, &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(doc["files"][0]["digest"], common::sha256(&outer));

    let dep = json_node(&doc, DEP_PATH);
    let crates = dep["crates"].as_array().expect("crates array on the node");
    let info = demo_info();
    assert_eq!(crates.len(), info.packages.len());
    for (c, p) in crates.iter().zip(&info.packages) {
        assert_eq!(c["name"], p.name.as_str());
        assert_eq!(c["version"], p.version.to_string());
        assert_eq!(c["root"], p.root);
        let deps: Vec<u64> = c["dependencies"]
            .as_array()
            .expect("dependencies array")
            .iter()
            .map(|d| d.as_u64().expect("index"))
            .collect();
        let want: Vec<u64> = p.dependencies.iter().map(|&d| d as u64).collect();
        assert_eq!(deps, want, "dependencies of {}", p.name);
    }
    assert_eq!(crates[0]["name"], "demo-app");
    assert_eq!(crates[0]["root"], true);
    assert_eq!(crates[3]["kind"], "build");
    assert_eq!(crates[1]["source"], "crates.io");

    for n in doc["files"][0]["nodes"].as_array().expect("nodes") {
        if n["path"] != DEP_PATH {
            assert!(
                n.get("crates").is_none(),
                "crates only on {DEP_PATH}: {}",
                n["path"]
            );
        }
    }

    // The second-of-two layout through the CLI as well.
    let (two, _, _) = two_modules();
    let file = write_temp(dir.path(), "two.wasm", &two);
    let (code, doc, stderr) = tree_json(&file, &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        json_node(&doc, "/module[0]")["crates"][0]["name"],
        "first-tool"
    );
    assert_eq!(
        json_node(&doc, "/module[1]")["crates"][0]["name"],
        "demo-app"
    );
    assert_eq!(json_node(&doc, "/module[1]")["crates"][2]["name"], "anyhow");
}

// ---------------------------------------------------------------------------
// Hostile and broken sections.
// ---------------------------------------------------------------------------

#[test]
fn zlib_bomb_is_refused_by_the_library() {
    assert_eq!(
        Limits::default().max_dep_v0_size,
        8 << 20,
        "the documented default"
    );
    let (outer, _) = nested(bomb());
    let err = wasm_audit::analyze_bytes("bomb.wasm", &outer, &Options::default())
        .expect_err("a 64 MiB .dep-v0 is refused under the 8 MiB default");
    match &err {
        Error::LimitExceeded {
            input,
            what,
            limit,
            flag,
        } => {
            assert_eq!(input, "bomb.wasm");
            assert_eq!(*limit, 8 << 20);
            assert_eq!(*flag, FLAG);
            assert!(what.contains(SECTION), "{what}");
            assert!(what.contains(DEP_PATH), "names the node: {what}");
        }
        other => panic!("expected LimitExceeded, got {other:?}"),
    }
    let message = err.to_string();
    assert!(message.contains(FLAG), "{message}");

    // Raised above the bomb's size it decompresses, and 64 MiB of spaces
    // is not a dependency list: a note, not an error.
    let options = Options {
        limits: Limits {
            max_dep_v0_size: (BOMB_SIZE + (1 << 20)) as u64,
            ..Limits::default()
        },
        ..Options::default()
    };
    let a = wasm_audit::analyze_bytes("bomb.wasm", &outer, &options)
        .expect("decodes with a raised limit");
    let dep = a.node(DEP_PATH).expect("dep node");
    assert!(dep.crates.is_none());
    assert!(
        dep.notes.iter().any(|n| n.contains(SECTION)),
        "a note about .dep-v0: {:?}",
        dep.notes
    );
}

#[test]
fn zlib_bomb_through_the_cli() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (outer, _) = nested(bomb());
    let file = write_temp(dir.path(), "bomb.wasm", &outer);

    // Text output: exit 2 with one clear message.
    let out = common::run(["tree".as_ref(), file.as_os_str()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(common::code(&out), 2, "stderr: {stderr}");
    assert!(stderr.contains(SECTION), "mentions .dep-v0: {stderr}");
    assert!(stderr.contains(FLAG), "mentions the flag: {stderr}");
    assert!(
        stderr.contains(&(8u64 << 20).to_string()),
        "mentions the limit: {stderr}"
    );

    // JSON output: exit 2, the file's entry is an error.
    let (code, doc, stderr) = tree_json(&file, &[]);
    assert_eq!(code, 2, "{stderr}");
    let error = doc["files"][0]["error"].as_str().expect("an error entry");
    assert!(error.contains(SECTION) && error.contains(FLAG), "{error}");
    assert!(doc["files"][0].get("nodes").is_none());

    // Other commands refuse it the same way.
    let out = common::run(["graph".as_ref(), file.as_os_str()]);
    assert_eq!(common::code(&out), 2);
    assert!(String::from_utf8_lossy(&out.stderr).contains(FLAG));

    // Raised above the bomb's size: decoded, not JSON, a note, exit 0.
    let raised = (BOMB_SIZE + (1 << 20)).to_string();
    let (code, doc, stderr) = tree_json(&file, &[FLAG, &raised]);
    assert_eq!(code, 0, "{stderr}");
    let dep = json_node(&doc, DEP_PATH);
    assert!(dep.get("crates").is_none());
    let notes = dep["notes"].as_array().expect("notes on the node");
    assert!(
        notes
            .iter()
            .any(|n| n.as_str().is_some_and(|s| s.contains(SECTION))),
        "{notes:?}"
    );
    // The flag also works after the subcommand.
    let out = common::run([
        "tree".as_ref(),
        file.as_os_str(),
        FLAG.as_ref(),
        raised.as_ref(),
    ]);
    assert_eq!(
        common::code(&out),
        0,
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn limit_is_a_bound_on_the_decompressed_size() {
    // A valid list is refused when the limit is below its JSON size and
    // accepted from its exact size up.
    let payload = dep_v0_payload(&demo_info());
    let json_len = serde_json::to_vec(&demo_info()).expect("json").len() as u64;
    let (outer, _) = nested(&payload);
    let with_limit = |max: u64| {
        let options = Options {
            limits: Limits {
                max_dep_v0_size: max,
                ..Limits::default()
            },
            ..Options::default()
        };
        wasm_audit::analyze_bytes("t.wasm", &outer, &options)
    };
    assert!(matches!(
        with_limit(json_len - 1),
        Err(Error::LimitExceeded { limit, .. }) if limit == json_len - 1
    ));
    let at = with_limit(json_len).expect("a section of exactly the limit is accepted");
    assert_demo_crates(
        at.node(DEP_PATH)
            .and_then(|n| n.crates.as_deref())
            .expect("crates"),
    );
    let above = with_limit(json_len + 1).expect("accepted above");
    assert!(above
        .node(DEP_PATH)
        .and_then(|n| n.crates.as_ref())
        .is_some());
}

#[test]
fn corrupt_dep_v0_is_a_note_not_an_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cases: [(&str, Vec<u8>); 3] = [
        ("not-zlib", b"this is not zlib data at all".to_vec()),
        ("truncated", {
            let p = dep_v0_payload(&demo_info());
            p[..p.len() / 2].to_vec()
        }),
        ("not-json", zlib(b"{\"packages\": [ oops")),
    ];
    for (label, payload) in cases {
        let (outer, _) = nested(&payload);
        let a = analyze(&outer);
        let dep = a.node(DEP_PATH).expect("dep node");
        assert!(dep.crates.is_none(), "{label}: no crates");
        assert!(
            dep.notes.iter().any(|n| n.contains(SECTION)),
            "{label}: a note about .dep-v0 on {DEP_PATH}: {:?}",
            dep.notes
        );
        for n in &a.nodes {
            if n.path != DEP_PATH {
                assert!(
                    !n.notes.iter().any(|x| x.contains(SECTION)),
                    "{label}: note on the wrong node {}",
                    n.path
                );
            }
        }

        let file = write_temp(dir.path(), &format!("{label}.wasm"), &outer);
        let (code, doc, stderr) = tree_json(&file, &[]);
        assert_eq!(code, 0, "{label}: {stderr}");
        let node = json_node(&doc, DEP_PATH);
        assert!(node.get("crates").is_none(), "{label}");
        let notes = node["notes"].as_array().expect("notes");
        assert!(
            notes
                .iter()
                .any(|n| n.as_str().is_some_and(|s| s.contains(SECTION))),
            "{label}: {notes:?}"
        );
    }
}
