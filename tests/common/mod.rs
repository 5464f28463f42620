//! Shared helpers of the integration tests: where the corpus is, and how
//! to run the binary.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The real-component corpus: `$WASM_AUDIT_CORPUS`, else `../shared/corpus`
/// next to the checkout. `None` (with a message) when it is absent outside
/// CI; a panic when it is absent and `CI` is set, so CI cannot pass
/// without it.
pub fn corpus() -> Option<PathBuf> {
    let dir = match std::env::var_os("WASM_AUDIT_CORPUS") {
        Some(d) => PathBuf::from(d),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"),
    };
    if dir.join("files").is_dir() {
        return Some(dir);
    }
    if std::env::var_os("CI").is_some() {
        panic!(
            "the corpus is required in CI but {} has no files/ (set WASM_AUDIT_CORPUS)",
            dir.display()
        );
    }
    eprintln!(
        "SKIPPED: corpus not found at {} (set WASM_AUDIT_CORPUS); corpus tests skipped",
        dir.display()
    );
    None
}

/// A corpus file by name.
pub fn corpus_file(name: &str) -> Option<PathBuf> {
    corpus().map(|c| c.join("files").join(name))
}

/// Every binary in the corpus `files/` directory, sorted.
pub fn corpus_wasm_files() -> Vec<PathBuf> {
    let Some(dir) = corpus() else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir.join("files"))
        .expect("read corpus dir")
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "wasm"))
        .collect();
    files.sort();
    files
}

/// The built `wasm-audit` binary.
pub fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_wasm-audit"))
}

/// Runs the binary with `args` and returns its output.
pub fn run<I, S>(args: I) -> Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    bin().args(args).output().expect("run wasm-audit")
}

/// Exit code of a finished run (signals count as failure of the test).
pub fn code(out: &Output) -> i32 {
    out.status
        .code()
        .unwrap_or_else(|| panic!("killed by a signal: {:?}", out.status))
}

/// SHA-256 of `bytes` as `sha256:<hex>`, computed with the `sha2` crate
/// directly (independently of the tool's own formatting).
pub fn sha256(bytes: &[u8]) -> String {
    use sha2::Digest;
    let d = sha2::Sha256::digest(bytes);
    format!(
        "sha256:{}",
        d.iter().map(|b| format!("{b:02x}")).collect::<String>()
    )
}

/// `plug` composed into `socket` with wac-graph, as `wac plug` does: each
/// socket import that the plug exports is satisfied by one plug instance;
/// everything else becomes an import of the composition.
pub fn plug(socket: &[u8], plug: &[u8]) -> Vec<u8> {
    use wac_graph::types::Package;
    use wac_graph::{CompositionGraph, EncodeOptions};
    let mut graph = CompositionGraph::new();
    let socket_pkg = Package::from_bytes("test:socket", None, socket.to_vec(), graph.types_mut())
        .expect("socket package");
    let socket_id = graph.register_package(socket_pkg).expect("register socket");
    let plug_pkg = Package::from_bytes("test:plug", None, plug.to_vec(), graph.types_mut())
        .expect("plug package");
    let plug_id = graph.register_package(plug_pkg).expect("register plug");
    wac_graph::plug(&mut graph, vec![plug_id], socket_id).expect("plug");
    graph.encode(EncodeOptions::default()).expect("encode")
}

/// A tool a test needs: present, or absent outside CI (the test is
/// skipped, and says so), or absent in CI, where `.ci/run` installs it: a
/// failure.
pub fn tool(name: &str, probe: &str) -> bool {
    let present = std::process::Command::new("sh")
        .arg("-c")
        .arg(probe)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !present {
        assert!(
            std::env::var_os("CI").is_none(),
            "{name} is required in CI (.ci/run installs it) but `{probe}` failed"
        );
        eprintln!("SKIPPED: {name} not installed (`{probe}` failed); .ci/run installs it");
    }
    present
}
