//! Wiring fixtures: each `testdata/wiring/*.wat` has its expected wiring
//! written by hand next to it (`*.expected`): which instance instantiates
//! which node, which provider satisfies which import, and which root host
//! imports reach which part through which bindings. `BLESS=1` rewrites the
//! expected files from the tool's output (review the diff before
//! committing it).

use crate::common;

use std::path::Path;

use wasm_audit::graph::{CompositionGraph, EdgeKind};
use wasm_audit::model::wiring::Provider;
use wasm_audit::{Analysis, Options};

/// The wiring of an analysis as sorted lines in the `.expected` format.
fn wiring_lines(a: &Analysis) -> Vec<String> {
    let path = |i: usize| a.nodes[i].path.clone();
    let mut lines = Vec::new();
    let g = CompositionGraph::build(a).expect("graph");
    for (from, to, _) in g.edges_of(EdgeKind::Instantiates) {
        lines.push(format!("instantiates {} -> {}", g.id(a, from), g.id(a, to)));
    }
    for s in &a.wiring().expect("wiring").satisfies {
        let from = match s.from {
            Provider::Host => "host".to_string(),
            Provider::Node(n) => path(n),
        };
        // An empty import module name (wit-component's fixups) shows as `""`.
        let import = if s.import.is_empty() {
            "\"\"".to_string()
        } else {
            s.import.clone()
        };
        lines.push(format!("satisfies {from} -> {} {import}", path(s.to)));
    }
    for (i, caps) in a.wiring().expect("wiring").reach.iter().enumerate() {
        for c in caps {
            let via: Vec<String> = c
                .via
                .iter()
                .map(|b| format!("{}[{}]", b.path, b.import))
                .collect();
            lines.push(format!(
                "reach {} {} via {}",
                path(i),
                c.interface,
                via.join(" > ")
            ));
        }
    }
    for (i, inst) in a.wiring().expect("wiring").instantiated.iter().enumerate() {
        if !inst {
            lines.push(format!("not-instantiated {}", path(i)));
        }
    }
    lines.sort();
    lines
}

fn expected_lines(text: &str) -> Vec<String> {
    let mut lines: Vec<String> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect();
    lines.sort();
    lines
}

#[test]
fn wat_fixtures_have_their_expected_wiring() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/wiring");
    let mut fixtures: Vec<_> = std::fs::read_dir(&dir)
        .expect("testdata/wiring")
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "wat"))
        .collect();
    fixtures.sort();
    assert!(fixtures.len() >= 6, "fixtures: {fixtures:?}");
    let bless = std::env::var_os("BLESS").is_some();
    let mut failures = Vec::new();
    for wat in fixtures {
        let bytes = wat::parse_file(&wat).unwrap_or_else(|e| panic!("{}: {e}", wat.display()));
        let a = wasm_audit::analyze_bytes(&wat.display().to_string(), &bytes, &Options::default())
            .unwrap_or_else(|e| panic!("{e}"));
        let got = wiring_lines(&a);
        let expected_path = wat.with_extension("expected");
        if bless {
            std::fs::write(&expected_path, got.join("\n") + "\n").expect("bless");
            continue;
        }
        let text = std::fs::read_to_string(&expected_path)
            .unwrap_or_else(|_| panic!("{} has no .expected", wat.display()));
        let want = expected_lines(&text);
        if got != want {
            let missing: Vec<_> = want.iter().filter(|l| !got.contains(l)).collect();
            let extra: Vec<_> = got.iter().filter(|l| !want.contains(l)).collect();
            failures.push(format!(
                "{}:\n  missing: {missing:#?}\n  unexpected: {extra:#?}",
                wat.display()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// References that point at nothing are errors naming the node path and the
/// byte offset, for the library and the CLI (exit 2), never panics.
#[test]
fn unresolvable_wiring_is_an_error_with_path_and_offset() {
    let cases = [
        (
            "(component (instance (instantiate 3)))",
            "/",
            "instantiated component index 3",
        ),
        (
            "(component (component) (instance (instantiate 0 (with \"x\" (instance 7)))))",
            "/",
            "instance index 7",
        ),
        (
            "(component (alias export 9 \"f\" (func)))",
            "/",
            "aliased instance index 9",
        ),
        (
            "(component (component (alias outer 5 0 (component))))",
            "/component[0]",
            "outer alias count 5",
        ),
        (
            "(component (core module) (core instance (instantiate 0 (with \"m\" (instance 4)))))",
            "/",
            "core instance index 4",
        ),
        (
            "(component (type $t (func)) (func (type $t) (canon lift (core func 6))))",
            "/",
            "lifted core function index 6",
        ),
        (
            "(component (export \"e\" (instance 2)))",
            "/",
            "exported instance index 2",
        ),
    ];
    let dir = tempfile::tempdir().expect("tempdir");
    for (wat, path, message) in cases {
        let bytes = wat::parse_str(wat).unwrap_or_else(|e| panic!("{wat}: {e}"));
        match wasm_audit::analyze_bytes("x.wasm", &bytes, &Options::default()) {
            Err(wasm_audit::Error::Wiring {
                path: p,
                offset,
                message: m,
                ..
            }) => {
                assert_eq!(p, path, "{wat}");
                assert!(m.contains(message), "{wat}: {m}");
                assert!(
                    offset > 8 && offset < bytes.len() as u64,
                    "{wat}: offset {offset}"
                );
            }
            other => panic!("{wat}: expected a wiring error, got {other:?}"),
        }
        let file = dir.path().join("bad.wasm");
        std::fs::write(&file, &bytes).expect("write");
        let out = common::run(["caps".as_ref(), file.as_os_str()]);
        assert_eq!(common::code(&out), 2, "{wat}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("unresolvable wiring")
                && stderr.contains("byte offset")
                && stderr.contains(path),
            "{wat}: {stderr}"
        );
    }
}

/// An analysis made without its wiring (as `tree` makes it) or read back
/// from JSON (which does not carry the wiring) has none, and everything
/// that judges, draws or exports the wiring refuses it: it never reads as
/// a wiring in which nothing reaches anything. A component the audit
/// passes with its wiring is an error without it, never a pass.
#[test]
fn an_analysis_without_its_wiring_is_refused_never_read_as_empty() {
    use wasm_audit::check::{Input, Policy, PolicySource, Report};

    let text =
        std::fs::read_to_string(common::repo("testdata/wiring/table-write.wat")).expect("fixture");
    let bytes = wat::parse_str(&text).expect("assembles");
    let with = wasm_audit::analyze_bytes("t.wasm", &bytes, &Options::default()).expect("analyses");
    let listing = Options {
        wiring: false,
        ..Options::default()
    };
    let without = wasm_audit::analyze_bytes("t.wasm", &bytes, &listing).expect("analyses");
    assert!(without.wiring.is_none());
    // The nodes are the same either way: a listing loses nothing.
    assert_eq!(
        serde_json::to_value(&with.nodes).expect("json"),
        serde_json::to_value(&without.nodes).expect("json")
    );
    let read_back: Analysis =
        serde_json::from_value(serde_json::to_value(&with).expect("json")).expect("reads back");
    assert!(read_back.wiring.is_none());

    // The capability reaches both modules with the wiring.
    let reached = |a: &Analysis| -> usize {
        wasm_audit::parts::parts(a)
            .expect("parts")
            .iter()
            .filter(|p| !p.capabilities.is_empty())
            .count()
    };
    assert_eq!(reached(&with), 3);

    for (label, a) in [("made without", &without), ("read back", &read_back)] {
        let refused = |what: &str, e: Option<wasm_audit::Error>| match e {
            Some(wasm_audit::Error::NoWiring { input }) => assert_eq!(input, "t.wasm"),
            other => panic!("{label}: {what}: {other:?}"),
        };
        refused("wiring", a.wiring().err());
        refused("graph", CompositionGraph::build(a).err());
        refused("parts", wasm_audit::parts::parts(a).err());
        refused("caps text", wasm_audit::render::caps::text(a).err());
        refused("sbom", wasm_audit::sbom::build(a, 0).err());
        refused("diff side", wasm_audit::diff::Side::from_analysis(a).err());
        for i in 0..a.nodes.len() {
            assert!(
                wasm_audit::check::verdicts::needs_trust(a, i),
                "{label}: {} is exempt from trust without the wiring",
                a.nodes[i].path
            );
        }
    }

    // The audit: a component with nothing that acts passes with no trust
    // set; without its wiring, the input is an error.
    let empty = wat::parse_str("(component (core module) (core instance (instantiate 0)))")
        .expect("assembles");
    let verdict = |options: &Options| {
        let input = Input {
            file: "e.wasm".into(),
            analysis: wasm_audit::analyze_bytes("e.wasm", &empty, options),
        };
        let report = Report::generate(&[input], &[], &Policy::default(), PolicySource::default());
        let inputs = serde_json::to_value(&report.inputs).expect("json");
        (
            serde_json::to_value(report.verdict).expect("json"),
            inputs[0]["error"].as_str().unwrap_or_default().to_string(),
        )
    };
    assert_eq!(verdict(&Options::default()).0, "pass");
    let (outcome, error) = verdict(&listing);
    assert_eq!(outcome, "error");
    assert!(error.contains("carries no wiring"), "{error}");
}
