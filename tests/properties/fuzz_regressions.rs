//! Inputs that once broke a fuzz target (`fuzz/`), replayed through the
//! same checks the targets run (`fuzz/src/checks.rs`, included as is): no
//! panic, and every invariant holds.
//!
//! Each file in `tests/fuzz_regressions/` is named `TARGET-N.bin` after the
//! target that found it (`walk_bytes`, `walk_mutated`, `trust_sets`,
//! `signature`, `policy`, `diff_baseline`) and holds the raw fuzz input;
//! for `walk_mutated` inputs found by its generator, the generated binary.

use std::path::Path;

#[path = "../../fuzz/src/checks.rs"]
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

/// Found while writing the fuzz invariants (not a crash): a module's class
/// came from its self-given name, and `shim` and `adapter` modules were
/// never `unknown-code`, so any code named `wit-component:shim` (or
/// `wit-component:adapter:*`) passed `check` with no trust set at all. A
/// shim must now have a shim's shape, and adapters need trust like code.
#[test]
fn code_named_as_a_shim_does_not_pass_without_trust() {
    use wasm_audit::check::{Input, Outcome, PolicySource, Report};
    let bytes = wat::parse_str(
        r#"(component
             (core module $m (@name "wit-component:shim")
               (func (export "run") (result i32) i32.const 42))
             (core instance (instantiate $m)))"#,
    )
    .expect("WAT");
    let analysis = wasm_audit::analyze_bytes("shim.wasm", &bytes, &Default::default());
    let report = Report::generate(
        &[Input {
            file: "shim.wasm".into(),
            analysis,
        }],
        &[],
        &wasm_audit::check::cfg::Policy::default(),
        PolicySource::default(),
    );
    assert_eq!(report.verdict, Outcome::Fail, "untrusted code passed");
}

#[test]
fn code_named_as_an_adapter_does_not_pass_without_trust() {
    use wasm_audit::check::{Input, Outcome, PolicySource, Report};
    let bytes = wat::parse_str(
        r#"(component
             (core module $m (@name "wit-component:adapter:wasi_snapshot_preview1")
               (import "wasi:filesystem/preopens@0.2.0" "get-directories" (func))
               (func (export "fd_write") (result i32) i32.const 1)
               (func (export "fd_read") (result i32) i32.const 2)
               (func (export "proc_exit") (result i32) i32.const 3)))"#,
    )
    .expect("WAT");
    let analysis = wasm_audit::analyze_bytes("adapter.wasm", &bytes, &Default::default());
    let report = Report::generate(
        &[Input {
            file: "adapter.wasm".into(),
            analysis,
        }],
        &[],
        &wasm_audit::check::cfg::Policy::default(),
        PolicySource::default(),
    );
    assert_eq!(
        report.verdict,
        Outcome::Fail,
        "untrusted adapter code passed"
    );
    assert!(report
        .findings
        .iter()
        .any(|f| f.code.name() == "unknown-code" && f.message.contains("WASI adapter")));
}

#[test]
fn a_real_shim_keeps_its_class_and_a_fake_one_is_code() {
    // The shape wit-component writes: no imports, each function passes its
    // parameters to slot i of its table.
    let real = wat::parse_str(
        r#"(module (@name "wit-component:shim")
             (type $t (func (param i32)))
             (table (export "$imports") 2 2 funcref)
             (func (export "0") (param i32) local.get 0 i32.const 0 call_indirect (type $t))
             (func (export "1") (param i32) local.get 0 i32.const 1 call_indirect (type $t)))"#,
    )
    .expect("WAT");
    let a = wasm_audit::analyze_bytes("real.wasm", &real, &Default::default()).expect("walk");
    assert_eq!(a.root().class, wasm_audit::Class::Shim);
    // Same name, but slot 1 for function 0 (a re-wired call).
    let swapped = wat::parse_str(
        r#"(module (@name "wit-component:shim")
             (type $t (func (param i32)))
             (table (export "$imports") 2 2 funcref)
             (func (export "0") (param i32) local.get 0 i32.const 1 call_indirect (type $t))
             (func (export "1") (param i32) local.get 0 i32.const 0 call_indirect (type $t)))"#,
    )
    .expect("WAT");
    let a = wasm_audit::analyze_bytes("swapped.wasm", &swapped, &Default::default()).expect("walk");
    assert_eq!(a.root().class, wasm_audit::Class::Code);
}
