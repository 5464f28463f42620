//! Walk-and-hash throughput against the least work that yields the same
//! digests, so the issue's target (walk + hash within 1.3× of hashing
//! alone) can be read off one run:
//!
//! - `analyze/no-wit`, `analyze/wit`: `analyze_bytes` on a generated
//!   ≥100 MiB component nested three deep (see `examples/gen_composed.rs`);
//! - `reference/sha256-par`: SHA-256 of exactly the same node ranges, in
//!   parallel on all cores, nothing else;
//! - `reference/parse-only`: one `wasmparser` pass over the file, the
//!   floor of what a walk costs;
//! - the same for one small real component of the corpus, when present.
//!
//! Everything is in memory: reading the file is the same for the tool and
//! the reference and is timed by `benches/compare.sh` instead.
//!
//! ```text
//! cargo bench --bench walk_hash
//! WALK_HASH_MIB=20 cargo bench --bench walk_hash   # a smaller input
//! ```

use std::hint::black_box;
use std::path::PathBuf;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, SamplingMode, Throughput};
use rayon::prelude::*;
use sha2::{Digest, Sha256};
use wasm_audit::{analyze_bytes, Limits, Options};

// One generator for the example and the benchmark; `main` and the summary
// fields are used only by the example.
#[allow(dead_code)]
#[path = "../examples/gen_composed.rs"]
mod composed;

const CORPUS_FILE: &str = "jco__p3_yield_async-yield-caller.wasm";

/// The whole analysis, wiring included (`tree` leaves the wiring out;
/// every command that judges or draws it does not).
fn options(wit: bool) -> Options {
    Options {
        limits: Limits::default(),
        wit,
        wiring: true,
    }
}

/// The node ranges the tool hashes, taken from the tool itself so the
/// reference does the same work and no more.
fn node_ranges(bytes: &[u8]) -> Vec<std::ops::Range<usize>> {
    let analysis = analyze_bytes("ranges", bytes, &options(false)).expect("input analyses");
    let mut ranges: Vec<_> = analysis
        .nodes
        .iter()
        .map(|n| n.offset as usize..(n.offset + n.size) as usize)
        .collect();
    // Biggest first, as the tool schedules them.
    ranges.sort_by_key(|r| std::cmp::Reverse(r.len()));
    ranges
}

fn hash_ranges(bytes: &[u8], ranges: &[std::ops::Range<usize>]) -> Vec<[u8; 32]> {
    ranges
        .par_iter()
        .with_max_len(1)
        .map(|r| Sha256::digest(&bytes[r.clone()]).into())
        .collect()
}

fn parse_only(bytes: &[u8]) -> usize {
    let mut payloads = 0;
    for payload in wasmparser::Parser::new(0).parse_all(bytes) {
        payload.expect("input parses");
        payloads += 1;
    }
    payloads
}

fn bench_input(c: &mut Criterion, label: &str, bytes: &[u8]) {
    let ranges = node_ranges(bytes);
    let hashed: usize = ranges.iter().map(|r| r.len()).sum();
    eprintln!(
        "{label}: {} bytes, {} nodes, {hashed} bytes hashed ({:.2}× the file)",
        bytes.len(),
        ranges.len(),
        hashed as f64 / bytes.len() as f64
    );

    let mut group = c.benchmark_group(label);
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .throughput(Throughput::Bytes(bytes.len() as u64));
    group.bench_function("analyze/no-wit", |b| {
        b.iter(|| analyze_bytes("bench", black_box(bytes), &options(false)).expect("analyses"))
    });
    group.bench_function("analyze/wit", |b| {
        b.iter(|| analyze_bytes("bench", black_box(bytes), &options(true)).expect("analyses"))
    });
    group.bench_function("reference/sha256-par", |b| {
        b.iter(|| hash_ranges(black_box(bytes), &ranges))
    });
    group.bench_function("reference/parse-only", |b| {
        b.iter(|| parse_only(black_box(bytes)))
    });
    group.finish();
}

fn generated(c: &mut Criterion) {
    let mib: f64 = std::env::var("WALK_HASH_MIB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100.0);
    let composed::Composed { bytes, .. } = composed::generate((mib * (1 << 20) as f64) as usize);
    bench_input(c, "generated-depth3", &bytes);
}

fn corpus(c: &mut Criterion) {
    let dir = std::env::var_os("WASM_AUDIT_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"));
    // The corpus is optional here: without it only the generated input runs.
    let Ok(bytes) = std::fs::read(dir.join("files").join(CORPUS_FILE)) else {
        return;
    };
    bench_input(c, "corpus-async-yield-caller", &bytes);
}

criterion_group! {
    name = benches;
    // Each iteration on the generated input takes a fraction of a second:
    // flat sampling and ten samples keep a run to about a minute on two
    // cores; plotting is off because criterion is built without plotters.
    config = Criterion::default()
        .without_plots()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = generated, corpus
}
criterion_main!(benches);
