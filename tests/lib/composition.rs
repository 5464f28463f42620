//! Compositions built in the test itself: every component that goes into a
//! composition must come out again as a nested node whose digest, size and
//! byte range are exactly those of the input.
//!
//! 1. The wasmCloud caller → middleware → callee chain of the corpus,
//!    composed with `wac-graph` (the components are embedded verbatim).
//! 2. A hand-made composition three levels deep: the innermost component is
//!    assembled from WAT on its own and the outer layers are built around
//!    its raw bytes with `wasm-encoder`.

use crate::common;

use std::path::Path;

use serde_json::Value;
use wasm_audit::{Analysis, Class, Node, NodeKind, Options};
use wasm_encoder::{
    Component, ComponentSectionId, CustomSection, NestedComponentSection, RawSection,
};

fn analyze(name: &str, bytes: &[u8]) -> Analysis {
    wasm_audit::analyze_bytes(name, bytes, &Options::default())
        .unwrap_or_else(|e| panic!("{name}: analysis failed: {e}"))
}

fn node<'a>(analysis: &'a Analysis, path: &str) -> &'a Node {
    analysis
        .node(path)
        .unwrap_or_else(|| panic!("no node at {path}; paths: {:?}", paths(analysis)))
}

fn paths(analysis: &Analysis) -> Vec<&str> {
    analysis.nodes.iter().map(|n| n.path.as_str()).collect()
}

/// Where `needle` occurs in `haystack`, every position.
fn positions(haystack: &[u8], needle: &[u8]) -> Vec<usize> {
    if needle.is_empty() || needle.len() > haystack.len() {
        return Vec::new();
    }
    haystack
        .windows(needle.len())
        .enumerate()
        .filter(|(_, w)| *w == needle)
        .map(|(i, _)| i)
        .collect()
}

/// Every node's digest must be the SHA-256 of its own byte range, and its
/// range must lie inside its parent's.
fn assert_ranges_and_digests(analysis: &Analysis, bytes: &[u8]) {
    assert_eq!(analysis.size, bytes.len() as u64);
    assert_eq!(analysis.digest, common::sha256(bytes));
    for n in &analysis.nodes {
        let end = n.offset + n.size;
        assert!(end <= bytes.len() as u64, "{} ends past the input", n.path);
        let span = &bytes[n.offset as usize..end as usize];
        assert_eq!(
            &span[..4],
            b"\0asm",
            "{} does not start with a preamble",
            n.path
        );
        assert_eq!(n.digest, common::sha256(span), "digest of {}", n.path);
        if let Some(p) = n.parent {
            let parent = &analysis.nodes[p];
            assert!(
                n.offset > parent.offset && end <= parent.offset + parent.size,
                "{} is not inside its parent {}",
                n.path,
                parent.path
            );
            assert_eq!(n.depth, parent.depth + 1, "depth of {}", n.path);
        } else {
            assert_eq!(n.path, "/");
            assert_eq!(n.depth, 0);
        }
    }
}

// ---------------------------------------------------------------------------
// 1. The wasmCloud inter-component-call chain, composed with wac-graph.
// ---------------------------------------------------------------------------

const CALLER: &str = "wasmcloud__wash_fixtures_inter_component_call_caller.wasm";
const MIDDLEWARE: &str = "wasmcloud__wash_fixtures_inter_component_call_middleware.wasm";
const CALLEE: &str = "wasmcloud__wash_fixtures_inter_component_call_callee.wasm";

const RECEIVER_IFACE: &str = "wasmcloud:example/receiver";
const MIDDLEWARE_IFACE: &str = "wasmcloud:example/middleware";

/// The three inputs, or `None` when the corpus is absent (outside CI).
pub(crate) fn chain_inputs() -> Option<[(&'static str, Vec<u8>); 3]> {
    let read = |name: &'static str| {
        let path = common::corpus_file(name)?;
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        Some((name, bytes))
    };
    Some([read(CALLER)?, read(MIDDLEWARE)?, read(CALLEE)?])
}

/// The full (versioned) name of the root import or export of `bytes` whose
/// interface is `iface`, as the tool itself reports it.
fn extern_name(name: &str, bytes: &[u8], iface: &str, import: bool) -> String {
    let analysis = analyze(name, bytes);
    let root = analysis.root();
    let list = if import { &root.imports } else { &root.exports };
    let found: Vec<&str> = list
        .iter()
        .filter(|e| e.unversioned().as_deref() == Some(iface))
        .map(|e| e.name.as_str())
        .collect();
    assert_eq!(
        found.len(),
        1,
        "{name}: expected one {} of {iface}, found {found:?}",
        if import { "import" } else { "export" }
    );
    found[0].to_string()
}

/// caller ← middleware ← callee, with the caller's exports exported.
pub(crate) fn compose_chain(caller: &[u8], middleware: &[u8], callee: &[u8]) -> Vec<u8> {
    use wac_graph::types::Package;
    use wac_graph::{CompositionGraph, EncodeOptions};

    // The wiring the fixtures are meant for, checked with the tool itself.
    let receiver_export = extern_name(CALLEE, callee, RECEIVER_IFACE, false);
    let receiver_import = extern_name(MIDDLEWARE, middleware, RECEIVER_IFACE, true);
    let middleware_export = extern_name(MIDDLEWARE, middleware, MIDDLEWARE_IFACE, false);
    let middleware_import = extern_name(CALLER, caller, MIDDLEWARE_IFACE, true);

    let mut graph = CompositionGraph::new();
    let register = |graph: &mut CompositionGraph, name: &str, bytes: &[u8]| {
        let package = Package::from_bytes(name, None, bytes.to_vec(), graph.types_mut())
            .unwrap_or_else(|e| panic!("{name}: not a wac package: {e:#}"));
        graph
            .register_package(package)
            .unwrap_or_else(|e| panic!("{name}: cannot register: {e:#}"))
    };
    let callee_pkg = register(&mut graph, "test:callee", callee);
    let middleware_pkg = register(&mut graph, "test:middleware", middleware);
    let caller_pkg = register(&mut graph, "test:caller", caller);

    let callee_inst = graph.instantiate(callee_pkg);
    let receiver = graph
        .alias_instance_export(callee_inst, &receiver_export)
        .expect("alias the callee's receiver export");

    let middleware_inst = graph.instantiate(middleware_pkg);
    graph
        .set_instantiation_argument(middleware_inst, &receiver_import, receiver)
        .expect("middleware's receiver import takes the callee's export");
    let middleware_out = graph
        .alias_instance_export(middleware_inst, &middleware_export)
        .expect("alias the middleware's middleware export");

    let caller_inst = graph.instantiate(caller_pkg);
    graph
        .set_instantiation_argument(caller_inst, &middleware_import, middleware_out)
        .expect("caller's middleware import takes the middleware's export");

    let caller_exports: Vec<String> = graph.types()[graph[caller_pkg].ty()]
        .exports
        .keys()
        .cloned()
        .collect();
    assert!(!caller_exports.is_empty(), "the caller exports something");
    for name in &caller_exports {
        let alias = graph
            .alias_instance_export(caller_inst, name)
            .unwrap_or_else(|e| panic!("alias caller export {name}: {e:#}"));
        graph
            .export(alias, name.clone())
            .unwrap_or_else(|e| panic!("export {name}: {e:#}"));
    }

    graph
        .encode(EncodeOptions::default())
        .unwrap_or_else(|e| panic!("encode the composition: {e:#}"))
}

#[test]
fn wac_composed_chain_keeps_every_input_verbatim() {
    let Some(inputs) = chain_inputs() else {
        return;
    };
    let [(_, caller), (_, middleware), (_, callee)] = &inputs;
    let composed = compose_chain(caller, middleware, callee);
    let analysis = analyze("composed.wasm", &composed);
    assert_eq!(analysis.kind, NodeKind::Component);
    assert_ranges_and_digests(&analysis, &composed);

    let mut seen_paths = Vec::new();
    for (name, bytes) in &inputs {
        let expected = common::sha256(bytes);
        let matches: Vec<&Node> = analysis
            .nodes
            .iter()
            .filter(|n| n.digest == expected)
            .collect();
        assert_eq!(
            matches.len(),
            1,
            "{name}: its digest {expected} should be one node's digest; nodes: {:?}",
            analysis
                .nodes
                .iter()
                .map(|n| (&n.path, &n.digest))
                .collect::<Vec<_>>()
        );
        let n = matches[0];
        assert_eq!(n.kind, NodeKind::Component, "{name} kind");
        assert_eq!(n.depth, 1, "{name} depth");
        assert_eq!(n.parent, Some(0), "{name} is a child of the root");
        assert_eq!(n.size, bytes.len() as u64, "{name} size");
        assert!(n.path.starts_with("/component["), "{name} path {}", n.path);
        // The node's range holds exactly the input's bytes.
        assert_eq!(&composed[n.range()], bytes.as_slice(), "{name} bytes");
        // The inputs' own nested nodes come along, one level deeper.
        let alone = analyze(name, bytes);
        let inside: Vec<&Node> = analysis
            .nodes
            .iter()
            .filter(|m| m.path.starts_with(&format!("{}/", n.path)))
            .collect();
        assert_eq!(
            inside.len() + 1,
            alone.nodes.len(),
            "{name}: nested node count"
        );
        for inner in &alone.nodes[1..] {
            let path = format!("{}{}", n.path, inner.path);
            let there = node(&analysis, &path);
            assert_eq!(there.digest, inner.digest, "{name}: {path}");
            assert_eq!(there.depth, inner.depth + 1, "{name}: depth of {path}");
            assert_eq!(
                there.offset,
                n.offset + inner.offset,
                "{name}: offset of {path}"
            );
            assert_eq!(there.class, inner.class, "{name}: class of {path}");
        }
        seen_paths.push(n.path.clone());
    }
    seen_paths.sort();
    seen_paths.dedup();
    assert_eq!(seen_paths.len(), 3, "three distinct nodes: {seen_paths:?}");

    // The composition itself is a shell: it holds components, not code.
    assert_eq!(analysis.root().class, Class::Glue);
    let top_level = analysis.nodes.iter().filter(|n| n.depth == 1).count();
    assert_eq!(
        top_level,
        3,
        "only the three inputs at depth 1: {:?}",
        paths(&analysis)
    );
    // What the caller exports, the composition exports.
    let caller_alone = analyze(CALLER, caller);
    let mut want: Vec<&str> = caller_alone
        .root()
        .exports
        .iter()
        .map(|e| e.name.as_str())
        .collect();
    let mut got: Vec<&str> = analysis
        .root()
        .exports
        .iter()
        .map(|e| e.name.as_str())
        .collect();
    want.sort();
    got.sort();
    assert_eq!(got, want, "the composition's exports");
    // The satisfied imports are gone from the composition's imports.
    for e in &analysis.root().imports {
        let iface = e.unversioned();
        assert_ne!(
            iface.as_deref(),
            Some(RECEIVER_IFACE),
            "receiver is satisfied inside"
        );
        assert_ne!(
            iface.as_deref(),
            Some(MIDDLEWARE_IFACE),
            "middleware is satisfied inside"
        );
    }
}

#[test]
fn wac_composed_chain_through_the_cli() {
    let Some(inputs) = chain_inputs() else {
        return;
    };
    let [(_, caller), (_, middleware), (_, callee)] = &inputs;
    let composed = compose_chain(caller, middleware, callee);
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("composed.wasm");
    std::fs::write(&file, &composed).expect("write the composition");

    let out = common::run([
        "tree".as_ref(),
        "--format".as_ref(),
        "json".as_ref(),
        file.as_os_str(),
    ]);
    assert_eq!(
        common::code(&out),
        0,
        "tree failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: Value = serde_json::from_slice(&out.stdout).expect("tree prints JSON");
    assert_eq!(doc["format"], "wasm-audit-tree");
    let files = doc["files"].as_array().expect("files array");
    assert_eq!(files.len(), 1);
    let entry = &files[0];
    assert_eq!(entry["digest"], common::sha256(&composed));
    assert_eq!(entry["size"], composed.len() as u64);
    let nodes = entry["nodes"].as_array().expect("nodes array");

    for (name, bytes) in &inputs {
        let expected = common::sha256(bytes);
        let matches: Vec<&Value> = nodes.iter().filter(|n| n["digest"] == expected).collect();
        assert_eq!(
            matches.len(),
            1,
            "{name}: one JSON node with digest {expected}"
        );
        let n = matches[0];
        assert_eq!(n["kind"], "component", "{name} kind");
        assert_eq!(n["depth"], 1, "{name} depth");
        assert_eq!(n["size"], bytes.len() as u64, "{name} size");
        let offset = n["offset"].as_u64().expect("offset") as usize;
        assert_eq!(&composed[offset..offset + bytes.len()], bytes.as_slice());
        let path = n["path"].as_str().expect("path");

        let extracted = dir.path().join(format!("{name}.out.wasm"));
        let out = common::run([
            "extract".as_ref(),
            file.as_os_str(),
            "--node".as_ref(),
            path.as_ref(),
            "-o".as_ref(),
            extracted.as_os_str(),
        ]);
        assert_eq!(
            common::code(&out),
            0,
            "extract {path} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let got = std::fs::read(&extracted).expect("extracted file");
        assert!(
            got == *bytes,
            "{name}: extracted {path} differs from the input"
        );
        assert_eq!(common::sha256(&got), expected);
    }
}

// ---------------------------------------------------------------------------
// 2. A composition of our own, three levels deep.
// ---------------------------------------------------------------------------

/// The module with code: its function body makes it (and the component
/// directly containing it) `code`.
const CODE_MODULE: &str = r#"(module
  (func (export "answer") (result i32)
    i32.const 6
    i32.const 7
    i32.mul)
)"#;

/// A module without function bodies: `glue`.
const MEMORY_MODULE: &str = r#"(module (memory (export "mem") 1))"#;

/// The innermost component, assembled on its own: a glue module, a nested
/// empty component between the modules (module indices must not count it),
/// then the module with code.
fn innermost_wat() -> String {
    format!(
        r#"(component
  (core module {memory})
  (component)
  (core module {code})
)"#,
        memory = &MEMORY_MODULE["(module".len()..MEMORY_MODULE.len() - 1],
        code = &CODE_MODULE["(module".len()..CODE_MODULE.len() - 1],
    )
}

fn raw(id: ComponentSectionId, data: &[u8]) -> RawSection<'_> {
    RawSection {
        id: id.into(),
        data,
    }
}

struct Built {
    outer: Vec<u8>,
    /// The innermost component, assembled on its own.
    innermost: Vec<u8>,
    /// The middle component (built around `innermost`).
    middle: Vec<u8>,
    /// A sibling component of `middle` at depth 1.
    sibling: Vec<u8>,
    code_module: Vec<u8>,
    memory_module: Vec<u8>,
}

fn build_nested() -> Built {
    let innermost = wat::parse_str(innermost_wat()).expect("innermost WAT");
    let code_module = wat::parse_str(CODE_MODULE).expect("code module WAT");
    let memory_module = wat::parse_str(MEMORY_MODULE).expect("memory module WAT");
    let sibling = wat::parse_str(
        r#"(component
  (core module (func (export "nop")))
)"#,
    )
    .expect("sibling WAT");

    // Depth 1: a glue module, then the innermost component, then a second
    // (empty) component.
    let mut middle = Component::new();
    middle.section(&raw(ComponentSectionId::CoreModule, &memory_module));
    middle.section(&raw(ComponentSectionId::Component, &innermost));
    middle.section(&NestedComponentSection(&Component::new()));
    let middle = middle.finish();

    // Depth 0: only components, plus a custom section.
    let mut outer = Component::new();
    outer.section(&raw(ComponentSectionId::Component, &sibling));
    outer.section(&CustomSection {
        name: "test-marker".into(),
        data: b"between the components".as_slice().into(),
    });
    outer.section(&raw(ComponentSectionId::Component, &middle));
    let outer = outer.finish();

    Built {
        outer,
        innermost,
        middle,
        sibling,
        code_module,
        memory_module,
    }
}

#[test]
fn hand_built_nesting_has_exact_paths_offsets_classes_and_digests() {
    let b = build_nested();
    wasmparser::Validator::new()
        .validate_all(&b.outer)
        .expect("the built composition is valid");
    let a = analyze("nested.wasm", &b.outer);
    assert_ranges_and_digests(&a, &b.outer);

    let expected: &[(&str, NodeKind, u32, Class)] = &[
        ("/", NodeKind::Component, 0, Class::Glue),
        ("/component[0]", NodeKind::Component, 1, Class::Code),
        ("/component[0]/module[0]", NodeKind::Module, 2, Class::Code),
        ("/component[1]", NodeKind::Component, 1, Class::Glue),
        ("/component[1]/module[0]", NodeKind::Module, 2, Class::Glue),
        (
            "/component[1]/component[0]",
            NodeKind::Component,
            2,
            Class::Code,
        ),
        (
            "/component[1]/component[0]/module[0]",
            NodeKind::Module,
            3,
            Class::Glue,
        ),
        (
            "/component[1]/component[0]/component[0]",
            NodeKind::Component,
            3,
            Class::Glue,
        ),
        (
            "/component[1]/component[0]/module[1]",
            NodeKind::Module,
            3,
            Class::Code,
        ),
        (
            "/component[1]/component[1]",
            NodeKind::Component,
            2,
            Class::Glue,
        ),
    ];
    assert_eq!(
        paths(&a),
        expected.iter().map(|e| e.0).collect::<Vec<_>>(),
        "nodes in binary (pre-)order"
    );
    for &(path, kind, depth, class) in expected {
        let n = node(&a, path);
        assert_eq!(n.kind, kind, "kind of {path}");
        assert_eq!(n.depth, depth, "depth of {path}");
        assert_eq!(n.class, class, "class of {path}");
    }

    // Each separately assembled piece is found at exactly its node's range,
    // and only there.
    let pieces: &[(&str, &[u8])] = &[
        ("/component[0]", &b.sibling),
        ("/component[1]", &b.middle),
        ("/component[1]/module[0]", &b.memory_module),
        ("/component[1]/component[0]", &b.innermost),
    ];
    for &(path, bytes) in pieces {
        let n = node(&a, path);
        assert_eq!(n.digest, common::sha256(bytes), "digest of {path}");
        assert_eq!(n.size, bytes.len() as u64, "size of {path}");
        assert_eq!(
            &b.outer[n.offset as usize..(n.offset + n.size) as usize],
            bytes,
            "bytes at {path}"
        );
        if path != "/component[1]/module[0]" {
            assert_eq!(
                positions(&b.outer, bytes),
                vec![n.offset as usize],
                "{path} occurs once, at its offset"
            );
        }
    }

    // The innermost component's own file digest is a node digest at depth 2.
    let inner_digest = common::sha256(&b.innermost);
    let hits: Vec<&Node> = a
        .nodes
        .iter()
        .filter(|n| n.digest == inner_digest)
        .collect();
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].depth, 2);
    assert_eq!(hits[0].path, "/component[1]/component[0]");

    // The code module inside it, at depth 3, is the very module assembled
    // from the same text on its own.
    let code = node(&a, "/component[1]/component[0]/module[1]");
    assert_eq!(code.digest, common::sha256(&b.code_module));
    assert_eq!(code.function_bodies, 1);
    assert!(code.exports.iter().any(|e| e.name == "answer"));
    let memory = node(&a, "/component[1]/component[0]/module[0]");
    assert_eq!(memory.digest, common::sha256(&b.memory_module));
    assert_eq!(memory.function_bodies, 0);
    // The memory module occurs twice (depth 2 and depth 3) with one digest.
    assert_eq!(
        node(&a, "/component[1]/module[0]").digest,
        memory.digest,
        "same bytes, same digest at two depths"
    );

    // The innermost component analysed alone gives the same subtree,
    // shifted by its offset.
    let alone = analyze("innermost.wasm", &b.innermost);
    let base = hits[0];
    assert_eq!(alone.root().digest, base.digest);
    for n in &alone.nodes[1..] {
        let there = node(&a, &format!("{}{}", base.path, n.path));
        assert_eq!(there.offset, base.offset + n.offset, "offset of {}", n.path);
        assert_eq!(there.digest, n.digest, "digest of {}", n.path);
        assert_eq!(there.class, n.class, "class of {}", n.path);
        assert_eq!(there.depth, n.depth + base.depth, "depth of {}", n.path);
    }

    // The custom section belongs to the root only.
    assert_eq!(a.root().custom_sections, vec!["test-marker".to_string()]);
}

#[test]
fn hand_built_nesting_through_the_cli() {
    let b = build_nested();
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("nested.wasm");
    std::fs::write(&file, &b.outer).expect("write");

    let out = common::run([
        "tree".as_ref(),
        "--format".as_ref(),
        "json".as_ref(),
        file.as_os_str(),
    ]);
    assert_eq!(
        common::code(&out),
        0,
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let nodes = doc["files"][0]["nodes"].as_array().expect("nodes");
    let inner_digest = common::sha256(&b.innermost);
    let n = nodes
        .iter()
        .find(|n| n["digest"] == inner_digest)
        .expect("the innermost component is listed");
    assert_eq!(n["path"], "/component[1]/component[0]");
    assert_eq!(n["depth"], 2);
    assert_eq!(n["class"], "code");
    assert_eq!(n["size"], b.innermost.len() as u64);

    let code_digest = common::sha256(&b.code_module);
    let m = nodes
        .iter()
        .find(|n| n["digest"] == code_digest)
        .expect("the code module is listed");
    assert_eq!(m["path"], "/component[1]/component[0]/module[1]");
    assert_eq!(m["depth"], 3);
    assert_eq!(m["kind"], "module");
    assert_eq!(m["class"], "code");

    for (path, want) in [
        ("/component[1]/component[0]", &b.innermost),
        ("/component[1]/component[0]/module[1]", &b.code_module),
    ] {
        let extracted = dir.path().join("piece.wasm");
        let out = common::run([
            "extract".as_ref(),
            file.as_os_str(),
            "--node".as_ref(),
            path.as_ref(),
            "-o".as_ref(),
            extracted.as_os_str(),
        ]);
        assert_eq!(
            common::code(&out),
            0,
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let got = std::fs::read(&extracted).expect("extracted");
        assert!(got == *want, "extract {path} is not byte-identical");
    }
    assert!(Path::new(&file).exists(), "the input is left in place");
}

/// The wiring of the wac-composed chain: `satisfies` runs callee →
/// middleware and middleware → caller with the interface names, and each
/// part's host capabilities are exactly its own imports that no sibling
/// satisfies (computed from the input files on their own).
#[test]
fn wac_composed_chain_wiring_and_capabilities() {
    use wasm_audit::model::wiring::Provider;

    let Some([(_, caller), (_, middleware), (_, callee)]) = chain_inputs() else {
        return;
    };
    let composed = compose_chain(&caller, &middleware, &callee);
    let analysis = analyze("composed.wasm", &composed);
    let index_of = |bytes: &[u8]| {
        let digest = common::sha256(bytes);
        analysis
            .nodes
            .iter()
            .position(|n| n.digest == digest && n.depth == 1)
            .expect("input embedded at depth 1")
    };
    let (caller_i, middleware_i, callee_i) =
        (index_of(&caller), index_of(&middleware), index_of(&callee));

    let receiver_import = extern_name(MIDDLEWARE, &middleware, RECEIVER_IFACE, true);
    let middleware_import = extern_name(CALLER, &caller, MIDDLEWARE_IFACE, true);
    let satisfied = |from: usize, to: usize, import: &str| {
        analysis
            .wiring()
            .expect("wiring")
            .satisfies
            .iter()
            .any(|s| s.from == Provider::Node(from) && s.to == to && s.import == import)
    };
    assert!(
        satisfied(callee_i, middleware_i, &receiver_import),
        "callee satisfies the middleware's {receiver_import}: {:#?}",
        analysis.wiring().expect("wiring").satisfies
    );
    assert!(
        satisfied(middleware_i, caller_i, &middleware_import),
        "middleware satisfies the caller's {middleware_import}"
    );
    assert!(
        !satisfied(callee_i, caller_i, &middleware_import),
        "the callee does not satisfy the caller"
    );

    for (index, name, bytes, by_sibling) in [
        (caller_i, CALLER, &caller, Some(middleware_import.as_str())),
        (
            middleware_i,
            MIDDLEWARE,
            &middleware,
            Some(receiver_import.as_str()),
        ),
        (callee_i, CALLEE, &callee, None),
    ] {
        let alone = analyze(name, bytes);
        let want: std::collections::BTreeSet<String> = alone
            .root()
            .imports
            .iter()
            .map(|e| e.name.clone())
            .filter(|n| Some(n.as_str()) != by_sibling)
            .collect();
        let got: std::collections::BTreeSet<String> = analysis.wiring().expect("wiring").reach
            [index]
            .iter()
            .map(|c| c.interface.clone())
            .collect();
        assert_eq!(got, want, "{name}: host capabilities");
        for cap in &analysis.wiring().expect("wiring").reach[index] {
            let last = cap.via.last().expect("via");
            assert_eq!(
                last.path, analysis.nodes[index].path,
                "{name}: ends at the part"
            );
            assert_eq!(
                cap.via.first().expect("via").path,
                "/",
                "{name}: starts at the root"
            );
        }
        assert!(
            analysis.wiring().expect("wiring").instantiated[index],
            "{name} instantiated"
        );
    }

    // The same through the CLI's graph JSON.
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("composed.wasm");
    std::fs::write(&file, &composed).expect("write");
    let out = common::run([
        "graph".as_ref(),
        "--format".as_ref(),
        "json".as_ref(),
        file.as_os_str(),
    ]);
    assert_eq!(common::code(&out), 0);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let edge = |from: usize, to: usize, iface: &str| {
        doc["files"][0]["edges"]
            .as_array()
            .expect("edges")
            .iter()
            .any(|e| {
                e["kind"] == "satisfies"
                    && e["from"] == analysis.nodes[from].path
                    && e["to"] == analysis.nodes[to].path
                    && e["interface"] == iface
            })
    };
    assert!(edge(callee_i, middleware_i, &receiver_import));
    assert!(edge(middleware_i, caller_i, &middleware_import));
}
