//! Two inputs per run: the bytes as they are (seeded with real components
//! by `fuzz/seed.sh`, so mutations start from deep, valid structure), and
//! the bytes as the choices of a generated composition (`compose`):
//! `wasm-smith` modules in components nested by `wasm-encoder`, whose
//! analysis must find every node with its exact digest, name and reach.
#![no_main]

use std::collections::BTreeSet;

use arbitrary::Unstructured;
use libfuzzer_sys::fuzz_target;
use wasm_audit::NodeKind;
use wasm_audit_fuzz::compose::{compose, Composed};
use wasm_audit_fuzz::{checks, sbom};

/// One rayon thread: two fuzzers share the two cores, and a panic on a
/// worker thread aborts the process just the same.
fn one_thread() {
    let _ = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build_global();
}

fn generated(c: &Composed) {
    let valid = wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::all())
        .validate_all(&c.bytes)
        .is_ok();
    let a = match checks::walk(&c.bytes) {
        Ok(a) => a,
        Err(e) if valid => panic!("a valid composition was refused: {e}"),
        Err(_) => return,
    };
    sbom::check(&a);
    assert_eq!(a.nodes.len(), c.expected.len(), "node count");
    for e in &c.expected {
        let Some(i) = a.nodes.iter().position(|n| n.path == e.path) else {
            panic!("no node at {}", e.path);
        };
        let n = &a.nodes[i];
        assert_eq!(
            n.kind == NodeKind::Component,
            e.component,
            "kind of {}",
            e.path
        );
        assert_eq!(n.digest, e.digest, "digest of {}", e.path);
        if let Some(name) = &e.own_name {
            assert_eq!(n.own_name.as_ref(), Some(name), "name of {}", e.path);
        }
        if let (Some(reach), true) = (&e.reach, valid) {
            let got: BTreeSet<String> = a
                .wiring()
                .expect("an analysis made with the wiring has it")
                .reach
                .get(i)
                .into_iter()
                .flatten()
                .map(|c| c.interface.clone())
                .collect();
            assert_eq!(&got, reach, "host interfaces reaching {}", e.path);
        }
    }
}

fuzz_target!(init: one_thread(), |data: &[u8]| {
    if let Ok(a) = checks::walk(data) {
        sbom::check(&a);
    }
    if let Ok(c) = compose(&mut Unstructured::new(data)) {
        generated(&c);
    }
});
