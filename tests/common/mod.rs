//! Shared helpers of the integration tests: where the corpus is, and how
//! to run the binary.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

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

pub fn repo(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// Runs openssl; `None` when it is not installed (outside CI).
pub fn openssl(args: &[&str], dir: &Path) -> Option<Output> {
    match std::process::Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
    {
        Ok(out) => {
            assert!(
                out.status.success(),
                "openssl {args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            Some(out)
        }
        Err(_) if std::env::var_os("CI").is_none() => {
            eprintln!("SKIPPED: openssl not found");
            None
        }
        Err(e) => panic!("openssl is required in CI: {e}"),
    }
}

/// A P-256 key pair in `dir`: (private PEM, public PEM).
pub fn p256_key(dir: &Path, name: &str) -> Option<(PathBuf, PathBuf)> {
    let key = format!("{name}.pem");
    let public = format!("{name}.pub");
    openssl(
        &[
            "ecparam",
            "-name",
            "prime256v1",
            "-genkey",
            "-noout",
            "-out",
            &key,
        ],
        dir,
    )?;
    openssl(&["ec", "-in", &key, "-pubout", "-out", &public], dir)?;
    Some((dir.join(key), dir.join(public)))
}

/// cosign-style signature: base64 of the DER ECDSA signature (what
/// `cosign sign-blob --key` writes).
pub fn sign(dir: &Path, key: &Path, file: &Path) -> PathBuf {
    let out = openssl(
        &[
            "dgst",
            "-sha256",
            "-sign",
            key.to_str().unwrap(),
            file.to_str().unwrap(),
        ],
        dir,
    )
    .expect("openssl");
    use base64::Engine;
    let sig = dir.join(format!(
        "{}.sig",
        file.file_name().unwrap().to_string_lossy()
    ));
    std::fs::write(
        &sig,
        base64::engine::general_purpose::STANDARD.encode(&out.stdout),
    )
    .expect("write sig");
    sig
}

pub fn write_json(path: &Path, v: &Value) {
    std::fs::write(path, serde_json::to_vec_pretty(v).expect("json")).expect("write");
}

pub fn schema_validator(path: &Path) -> jsonschema::Validator {
    let schema: Value =
        serde_json::from_slice(&std::fs::read(path).expect("schema")).expect("schema json");
    jsonschema::validator_for(&schema).expect("valid schema")
}

pub fn assert_valid(v: &jsonschema::Validator, doc: &Value, what: &str) {
    let errors: Vec<String> = v
        .iter_errors(doc)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{what}: {errors:#?}");
}

/// Holds `actual` to the snapshot file at `path`; `BLESS=1` rewrites the
/// snapshot instead (review the diff before committing it).
pub fn snapshot(path: &Path, actual: &str) {
    if std::env::var_os("BLESS").is_some() {
        std::fs::write(path, actual).expect("bless");
        return;
    }
    let want = std::fs::read_to_string(path).unwrap_or_else(|_| {
        panic!(
            "{}: no snapshot (run with BLESS=1 to create it)",
            path.display()
        )
    });
    assert_eq!(
        actual,
        want,
        "{} changed; review and re-run with BLESS=1",
        path.display()
    );
}

/// A folder of `../shared/conformance` (or `$WASM_AUDIT_CONFORMANCE_ROOT/NAME`):
/// `None`, with a SKIPPED line, when it is absent outside CI; a panic when it
/// is absent in CI.
pub fn conformance_dir(name: &str, marker: &str) -> Option<PathBuf> {
    let base = match std::env::var_os("WASM_AUDIT_CONFORMANCE_ROOT") {
        Some(d) => PathBuf::from(d),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/conformance"),
    };
    let dir = base.join(name);
    if dir.join(marker).exists() {
        return Some(dir);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "the conformance set {} is required in CI but {} is missing",
        dir.display(),
        marker
    );
    eprintln!(
        "SKIPPED: {} not found; its tests skipped",
        dir.join(marker).display()
    );
    None
}
