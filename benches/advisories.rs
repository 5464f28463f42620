//! Known-vulnerability matching: loading the whole RustSec snapshot
//! (`../shared/advisory-db`, or `$WASM_AUDIT_ADVISORY_DB`) and matching the
//! `.dep-v0` crates of every module of the corpus (`../shared/corpus`, or
//! `$WASM_AUDIT_CORPUS`) and of the project's fixtures against it:
//!
//! - `advisories/open`: `Database::open` of the snapshot (read, parse
//!   every front matter, index by crate);
//! - `advisories/scan`: `Database::scan` of every analysis (already made);
//! - `advisories/open+scan`: both, what `check --advisory-db` adds to a run;
//! - `advisories/scan-every-crate`: the worst case, one module whose
//!   `.dep-v0` names every crate of the database (at 0.0.1, below most
//!   patched versions), matched against it.
//!
//! ```text
//! cargo bench --bench advisories
//! benches/advisories.sh        # the bench, then the CLI with and without the database
//! ```

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use wasm_audit::advisory::Database;
use wasm_audit::{Analysis, Options};

fn shared(var: &str, rel: &str) -> Option<PathBuf> {
    let dir = std::env::var_os(var)
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join(rel));
    dir.is_dir().then_some(dir)
}

/// The corpus and the fixtures that parse, analysed once.
fn analyses() -> Vec<Analysis> {
    let mut files: Vec<PathBuf> = Vec::new();
    if let Some(c) = shared("WASM_AUDIT_CORPUS", "../shared/corpus") {
        if let Ok(rd) = std::fs::read_dir(c.join("files")) {
            files.extend(rd.flatten().map(|e| e.path()));
        }
    }
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    for d in ["testdata/demo", "testdata/wat", "testdata/wiring"] {
        if let Ok(rd) = std::fs::read_dir(repo.join(d)) {
            files.extend(rd.flatten().map(|e| e.path()));
        }
    }
    files.sort();
    files
        .iter()
        .filter(|p| p.extension().is_some_and(|x| x == "wasm" || x == "wat"))
        .filter_map(|p| {
            let source = wasm_audit::input::Source::Path(p.clone());
            wasm_audit::analyze_source(&source, &Options::default())
                .ok()
                .map(|(_, a)| a)
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let Some(db_dir) = shared("WASM_AUDIT_ADVISORY_DB", "../shared/advisory-db") else {
        eprintln!("SKIPPED: no advisory database (set WASM_AUDIT_ADVISORY_DB)");
        return;
    };
    let analyses = analyses();
    let db = Database::open(&db_dir).expect("the snapshot loads");
    let modules: usize = analyses
        .iter()
        .map(|a| a.nodes.iter().filter(|n| n.crates.is_some()).count())
        .sum();
    let crates: usize = analyses
        .iter()
        .flat_map(|a| &a.nodes)
        .map(|n| n.crates.as_ref().map_or(0, Vec::len))
        .sum();
    let hits: usize = analyses.iter().map(|a| db.scan(a).len()).sum();
    eprintln!(
        "{} advisory files; {} inputs, {modules} modules with .dep-v0, {crates} crates, {hits} advisory hits",
        db.files,
        analyses.len()
    );
    let mut g = c.benchmark_group("advisories");
    g.measurement_time(Duration::from_secs(5)).sample_size(20);
    g.bench_function("open", |b| {
        b.iter(|| black_box(Database::open(&db_dir).expect("db")))
    });
    g.bench_function("scan", |b| {
        b.iter(|| black_box(analyses.iter().map(|a| db.scan(a).len()).sum::<usize>()))
    });
    g.bench_function("open+scan", |b| {
        b.iter(|| {
            let db = Database::open(&db_dir).expect("db");
            black_box(analyses.iter().map(|a| db.scan(a).len()).sum::<usize>())
        })
    });
    let every = every_crate(&db_dir);
    let every_hits = db.scan(&every).len();
    eprintln!(
        "worst case: one module naming {} crates: {every_hits} advisory hits",
        every
            .nodes
            .iter()
            .filter_map(|n| n.crates.as_ref())
            .map(Vec::len)
            .sum::<usize>()
    );
    g.bench_function("scan-every-crate", |b| {
        b.iter(|| black_box(db.scan(&every).len()))
    });
    g.finish();
}

/// A component with one module whose `.dep-v0` (written here as
/// cargo-auditable writes it) names every crate that has a directory in
/// the database, at version 0.0.1.
fn every_crate(db_dir: &Path) -> Analysis {
    use auditable_serde::{DependencyKind, Package, Source, VersionInfo};
    let mut names: Vec<String> = std::fs::read_dir(db_dir.join("crates"))
        .map(|rd| {
            rd.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    let package = |name: &str, source: Source, root: bool, deps: Vec<usize>| Package {
        name: name.to_string(),
        version: semver::Version::new(0, 0, 1),
        source,
        kind: DependencyKind::Runtime,
        dependencies: deps,
        root,
    };
    let mut packages = vec![package(
        "bench-root",
        Source::Local,
        true,
        (1..=names.len()).collect(),
    )];
    packages.extend(
        names
            .iter()
            .map(|n| package(n, Source::CratesIo, false, vec![])),
    );
    let info = VersionInfo {
        packages,
        format: 0,
    };
    let json = serde_json::to_vec(&info).expect("serialise VersionInfo");
    let dep_v0 = miniz_oxide::deflate::compress_to_vec_zlib(&json, 6);
    let mut module = wasm_encoder::Module::new();
    module.section(&wasm_encoder::CustomSection {
        name: ".dep-v0".into(),
        data: dep_v0.as_slice().into(),
    });
    let mut component = wasm_encoder::Component::new();
    component.section(&wasm_encoder::ModuleSection(&module));
    wasm_audit::analyze_bytes("every-crate.wasm", &component.finish(), &Options::default())
        .expect("the synthetic component analyses")
}

criterion_group!(benches, bench);
criterion_main!(benches);
