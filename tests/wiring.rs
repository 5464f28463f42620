//! Wiring fixtures: each `testdata/wiring/*.wat` has its expected wiring
//! written by hand next to it (`*.expected`): which instance instantiates
//! which node, which provider satisfies which import, and which root host
//! imports reach which part through which bindings. `BLESS=1` rewrites the
//! expected files from the tool's output (review the diff before
//! committing it).

mod common;

use std::path::Path;

use wasm_audit::graph::{CompositionGraph, EdgeKind};
use wasm_audit::wiring::resolve::Provider;
use wasm_audit::{Analysis, Options};

/// The wiring of an analysis as sorted lines in the `.expected` format.
fn wiring_lines(a: &Analysis) -> Vec<String> {
    let path = |i: usize| a.nodes[i].path.clone();
    let mut lines = Vec::new();
    let g = CompositionGraph::build(a);
    for (from, to, _) in g.edges_of(EdgeKind::Instantiates) {
        lines.push(format!("instantiates {} -> {}", g.id(a, from), g.id(a, to)));
    }
    for s in &a.wiring.satisfies {
        let from = match s.from {
            Provider::Host => "host".to_string(),
            Provider::Node(n) => path(n),
        };
        lines.push(format!("satisfies {from} -> {} {}", path(s.to), s.import));
    }
    for (i, caps) in a.wiring.reach.iter().enumerate() {
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
    for (i, inst) in a.wiring.instantiated.iter().enumerate() {
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
