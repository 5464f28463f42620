//! `analyze_bytes` on arbitrary bytes (default and small limits), then every
//! consumer of the analysis: graph, renderings, capabilities, SBOM, diff
//! against itself and its baselines, and the audit with no trust set.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wasm_audit_fuzz::{checks, sbom};

/// One rayon thread: two fuzzers share the two cores, and a panic on a
/// worker thread aborts the process just the same.
fn one_thread() {
    let _ = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build_global();
}

fuzz_target!(init: one_thread(), |data: &[u8]| {
    if let Ok(a) = checks::walk(data) {
        sbom::check(&a);
    }
});
