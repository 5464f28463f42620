//! The component-model test suites of wasm-tools and the spec as data
//! (`../shared/conformance/component-model`, see its README): 1,886
//! binaries, valid and invalid, with the instantiation facts of an
//! independent interpreter.
//!
//! - For every valid component, the node paths the wiring marks
//!   instantiated equal `INSTANTIATED.tsv`, and the `instantiates` edges of
//!   the composition graph equal `INSTANTIATES.tsv`.
//! - For every binary, valid or not, `tree`, `caps`, `graph`, `wit` and
//!   `check` exit 0, 1 or 2, never panic, and print each error on one line.

use crate::common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use wasm_audit::graph::{CompositionGraph, EdgeKind};
use wasm_audit::Options;

struct Suite {
    dir: PathBuf,
    /// File name → (kind, valid).
    manifest: BTreeMap<String, (String, bool)>,
    instantiated: BTreeMap<String, BTreeSet<String>>,
    instantiates: BTreeMap<String, BTreeSet<(String, String)>>,
}

fn suite() -> Option<Suite> {
    let dir = match std::env::var_os("WASM_AUDIT_CONFORMANCE") {
        Some(d) => PathBuf::from(d),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/conformance/component-model"),
    };
    if !dir.join("MANIFEST.tsv").is_file() {
        if std::env::var_os("CI").is_some() {
            panic!(
                "the conformance suite is required in CI but {} has no MANIFEST.tsv",
                dir.display()
            );
        }
        eprintln!(
            "SKIPPED: conformance suite not found at {} (set WASM_AUDIT_CONFORMANCE)",
            dir.display()
        );
        return None;
    }
    let read = |name: &str| -> Vec<Vec<String>> {
        std::fs::read_to_string(dir.join(name))
            .unwrap_or_else(|e| panic!("{name}: {e}"))
            .lines()
            .skip(1)
            .filter(|l| !l.is_empty())
            .map(|l| l.split('\t').map(str::to_string).collect())
            .collect()
    };
    let manifest = read("MANIFEST.tsv")
        .into_iter()
        .map(|r| (r[0].clone(), (r[3].clone(), r[4] == "valid")))
        .collect();
    let mut instantiated: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for r in read("INSTANTIATED.tsv") {
        instantiated
            .entry(r[0].clone())
            .or_default()
            .insert(r[1].clone());
    }
    let mut instantiates: BTreeMap<String, BTreeSet<(String, String)>> = BTreeMap::new();
    for r in read("INSTANTIATES.tsv") {
        instantiates
            .entry(r[0].clone())
            .or_default()
            .insert((r[1].clone(), r[2].clone()));
    }
    Some(Suite {
        dir,
        manifest,
        instantiated,
        instantiates,
    })
}

#[test]
fn instantiation_facts_match_the_independent_interpreter() {
    let Some(s) = suite() else { return };
    let options = Options {
        wit: false,
        ..Options::default()
    };
    let mut checked = 0;
    let mut failures = Vec::new();
    for (file, (kind, valid)) in &s.manifest {
        if !valid || kind != "component" {
            continue;
        }
        let bytes = std::fs::read(s.dir.join("files").join(file)).expect("read");
        let a = match wasm_audit::analyze_bytes(file, &bytes, &options) {
            Ok(a) => a,
            Err(e) => {
                failures.push(format!("{file}: not analysed: {e}"));
                continue;
            }
        };
        checked += 1;
        let got: BTreeSet<String> = a
            .nodes
            .iter()
            .zip(&a.wiring().expect("wiring").instantiated)
            .filter(|(_, &i)| i)
            .map(|(n, _)| n.path.clone())
            .collect();
        let want = s.instantiated.get(file).cloned().unwrap_or_default();
        if got != want {
            failures.push(format!(
                "{file}: instantiated: missing {:?}, unexpected {:?}",
                want.difference(&got).collect::<Vec<_>>(),
                got.difference(&want).collect::<Vec<_>>()
            ));
        }
        let g = CompositionGraph::build(&a).expect("graph");
        let got: BTreeSet<(String, String)> = g
            .edges_of(EdgeKind::Instantiates)
            .map(|(from, to, _)| (g.id(&a, from), g.id(&a, to)))
            .collect();
        let want = s.instantiates.get(file).cloned().unwrap_or_default();
        if got != want {
            failures.push(format!(
                "{file}: instantiates: missing {:?}, unexpected {:?}",
                want.difference(&got).collect::<Vec<_>>(),
                got.difference(&want).collect::<Vec<_>>()
            ));
        }
    }
    eprintln!(
        "conformance: {checked} valid components checked, {} mismatches",
        failures.len()
    );
    assert!(checked > 800, "only {checked} valid components");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Runs `args` + `files` and checks the run: exit 0, 1 or 2 (never a
/// panic or a signal), every stderr line one whole error. Returns a
/// failure description.
fn run_checked(dir: &Path, args: &[&str], files: &[PathBuf]) -> Option<String> {
    let out = common::bin()
        .current_dir(dir)
        .args(args)
        .args(files)
        .output()
        .expect("run wasm-audit");
    let what = || {
        format!(
            "wasm-audit {} {}",
            args.join(" "),
            if files.len() == 1 {
                files[0].display().to_string()
            } else {
                format!("<{} files>", files.len())
            }
        )
    };
    let code = match out.status.code() {
        Some(c @ 0..=2) => c,
        other => {
            return Some(format!(
                "{}: exit {other:?}: {}",
                what(),
                String::from_utf8_lossy(&out.stderr)
            ))
        }
    };
    let stderr = String::from_utf8_lossy(&out.stderr);
    let errors: Vec<&str> = stderr.lines().collect();
    if let Some(bad) = errors.iter().find(|l| !l.starts_with("error: ")) {
        return Some(format!(
            "{}: a stderr line that is not one whole error: {bad:?}",
            what()
        ));
    }
    if files.len() == 1 && code == 2 && errors.len() != 1 {
        return Some(format!(
            "{}: exit 2 with {} error lines: {stderr:?}",
            what(),
            errors.len()
        ));
    }
    if code == 2 && errors.is_empty() {
        return Some(format!("{}: exit 2 without an error", what()));
    }
    None
}

#[test]
fn every_binary_gets_an_exit_code_and_one_line_errors() {
    let Some(s) = suite() else { return };
    let files: Vec<PathBuf> = s
        .manifest
        .keys()
        .map(|f| s.dir.join("files").join(f))
        .collect();
    // An empty folder: `check` finds no `wasm-audit.toml` there and audits
    // with the defaults.
    let cwd = tempfile::tempdir().expect("tempdir");
    let cwd = cwd.path();
    let failures = std::sync::Mutex::new(Vec::new());
    let fail = |f: Option<String>| {
        if let Some(f) = f {
            failures.lock().expect("lock").push(f);
        }
    };
    std::thread::scope(|scope| {
        // Commands that take many files, in batches; a batch that fails is
        // re-run file by file to name the file.
        scope.spawn(|| {
            for args in [&["tree"][..], &["caps"], &["graph"], &["check"]] {
                for batch in files.chunks(400) {
                    if run_checked(cwd, args, batch).is_some() {
                        for f in batch {
                            fail(run_checked(cwd, args, std::slice::from_ref(f)));
                        }
                    }
                }
            }
        });
        // `wit` takes one file: on two threads.
        let (first, second) = files.split_at(files.len() / 2);
        for half in [first, second] {
            let fail = &fail;
            scope.spawn(move || {
                for f in half {
                    fail(run_checked(cwd, &["wit"], std::slice::from_ref(f)));
                }
            });
        }
    });
    let failures = failures.into_inner().expect("lock");
    eprintln!(
        "conformance: {} binaries through tree, caps, graph, wit and check: {} failures",
        files.len(),
        failures.len()
    );
    assert!(files.len() > 1800);
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
