//! Inputs that once broke a fuzz target (`fuzz/`), replayed through the
//! same checks the targets run (`fuzz/src/checks.rs`, included as is): no
//! panic, and every invariant holds.
//!
//! Each file in `tests/fuzz_regressions/` is named `TARGET-N.bin` after the
//! target that found it (`walk_bytes`, `walk_mutated`, `trust_sets`,
//! `signature`, `policy`, `diff_baseline`) and holds the raw fuzz input;
//! for `walk_mutated` inputs found by its generator, the generated binary.

use std::path::Path;

#[path = "../fuzz/src/checks.rs"]
mod checks;

fn replay(target: &str, data: &[u8]) {
    match target {
        "walk_bytes" | "walk_mutated" => {
            let _ = checks::walk(data);
        }
        "trust_sets" => checks::trust_sets(data),
        "signature" => checks::signature(data),
        "policy" => checks::policy(data),
        "diff_baseline" => checks::diff_baseline(data),
        other => panic!("no fuzz target named {other:?}"),
    }
}

#[test]
fn every_saved_crash_input_passes_its_checks() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz_regressions");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/fuzz_regressions")
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "bin"))
        .collect();
    files.sort();
    assert!(
        !files.is_empty(),
        "no regression inputs in {}",
        dir.display()
    );
    let mut failed = Vec::new();
    for path in &files {
        let name = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
        let target = name.rsplit_once('-').map_or(name, |(t, _)| t).to_string();
        let data = std::fs::read(path).expect("read a regression input");
        if std::panic::catch_unwind(|| replay(&target, &data)).is_err() {
            failed.push(name.to_string());
        }
    }
    assert!(failed.is_empty(), "regression inputs failing: {failed:?}");
}
