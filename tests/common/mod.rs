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

/// The DER ECDSA signature with `key` over the SHA-256 of `file`
/// (`openssl dgst -sha256 -sign`: what cosign's `--key` signs with).
pub fn der_signature(dir: &Path, key: &Path, file: &Path) -> Vec<u8> {
    openssl(
        &[
            "dgst",
            "-sha256",
            "-sign",
            key.to_str().unwrap(),
            file.to_str().unwrap(),
        ],
        dir,
    )
    .expect("openssl")
    .stdout
}

/// [`der_signature`] over `bytes`, through a scratch file in `dir`.
pub fn der_signature_of(dir: &Path, key: &Path, bytes: &[u8]) -> Vec<u8> {
    let file = dir.join("to-sign.bin");
    std::fs::write(&file, bytes).unwrap();
    let sig = der_signature(dir, key, &file);
    std::fs::remove_file(&file).unwrap();
    sig
}

/// A DSSE envelope over `payload` signed with `key` by openssl, as
/// `cosign attest-blob --key` writes it.
pub fn dsse_envelope(dir: &Path, key: &Path, payload_type: &str, payload: &[u8]) -> Value {
    use base64::Engine as _;
    let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
    // The DSSE pre-authentication encoding is what is signed.
    let mut pae = format!(
        "DSSEv1 {} {} {} ",
        payload_type.len(),
        payload_type,
        payload.len()
    )
    .into_bytes();
    pae.extend_from_slice(payload);
    let sig = der_signature_of(dir, key, &pae);
    serde_json::json!({
        "payloadType": payload_type,
        "payload": b64(payload),
        "signatures": [{ "keyid": "", "sig": b64(&sig) }]
    })
}

/// cosign-style signature: base64 of the DER ECDSA signature (what
/// `cosign sign-blob --key` writes).
pub fn sign(dir: &Path, key: &Path, file: &Path) -> PathBuf {
    use base64::Engine;
    let sig = dir.join(format!(
        "{}.sig",
        file.file_name().unwrap().to_string_lossy()
    ));
    std::fs::write(
        &sig,
        base64::engine::general_purpose::STANDARD.encode(der_signature(dir, key, file)),
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

/// The finding codes of a JSON `check` report, in order.
pub fn finding_codes(report: &Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .map(|f| {
            f.iter()
                .map(|x| x["code"].as_str().unwrap_or("").to_string())
                .collect()
        })
        .unwrap_or_default()
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

/// The OCI layout of slsa-verifier's gha_generic_container fixture (a
/// container image with its cosign attestation), from
/// `../shared/conformance/slsa`; `None` or a panic as [`conformance_dir`].
pub fn slsa_container_layout() -> Option<PathBuf> {
    const LAYOUT: &str = "gha_generic_container/v2.1.0/container_workflow_dispatch";
    conformance_dir("slsa", &format!("{LAYOUT}/index.json")).map(|d| d.join(LAYOUT))
}

/// The RustSec advisory database snapshot: `$WASM_AUDIT_ADVISORY_DB`, else
/// `../shared/advisory-db` next to the checkout. `None` (with a message)
/// when it is absent outside CI; a panic when it is absent and `CI` is set.
pub fn advisory_db() -> Option<PathBuf> {
    let dir = match std::env::var_os("WASM_AUDIT_ADVISORY_DB") {
        Some(d) => PathBuf::from(d),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/advisory-db"),
    };
    if dir.join("crates").is_dir() {
        return Some(dir);
    }
    if std::env::var_os("CI").is_some() {
        panic!(
            "the advisory database is required in CI but {} has no crates/ (set WASM_AUDIT_ADVISORY_DB)",
            dir.display()
        );
    }
    eprintln!(
        "SKIPPED: advisory database not found at {} (set WASM_AUDIT_ADVISORY_DB)",
        dir.display()
    );
    None
}

/// A `.dep-v0` payload (zlib-compressed `auditable_serde::VersionInfo`
/// JSON, as cargo-auditable writes it): a local root crate `root`
/// depending on each crates.io crate `(name, version)` of `crates`.
pub fn dep_v0(root: &str, crates: &[(&str, &str)]) -> Vec<u8> {
    use auditable_serde::{DependencyKind, Package, Source, VersionInfo};
    let package =
        |name: &str, version: &str, source: Source, root: bool, deps: Vec<usize>| Package {
            name: name.to_string(),
            version: version.parse().expect("a semver version"),
            source,
            kind: DependencyKind::Runtime,
            dependencies: deps,
            root,
        };
    let mut packages = vec![package(
        root,
        "0.1.0",
        Source::Local,
        true,
        (1..=crates.len()).collect(),
    )];
    for (name, version) in crates {
        packages.push(package(name, version, Source::CratesIo, false, vec![]));
    }
    let info = VersionInfo {
        packages,
        format: 0,
    };
    let json = serde_json::to_vec(&info).expect("serialise VersionInfo");
    miniz_oxide::deflate::compress_to_vec_zlib(&json, 6)
}

/// A core module with code and, when given, a `.dep-v0` section.
pub fn module_with_dep_v0(dep_v0: Option<&[u8]>) -> Vec<u8> {
    use wasm_encoder::Section as _;
    let mut module =
        wat::parse_str(r#"(module (func (export "run") (result i32) i32.const 7))"#).expect("WAT");
    if let Some(data) = dep_v0 {
        wasm_encoder::CustomSection {
            name: std::borrow::Cow::Borrowed(".dep-v0"),
            data: std::borrow::Cow::Borrowed(data),
        }
        .append_to(&mut module);
    }
    module
}

/// A component holding `modules` as its direct core modules, in order
/// (`/module[0]`, `/module[1]`, ...).
pub fn component_of(modules: &[Vec<u8>]) -> Vec<u8> {
    let mut outer = wasm_encoder::Component::new();
    for m in modules {
        outer.section(&wasm_encoder::RawSection {
            id: wasm_encoder::ComponentSectionId::CoreModule.into(),
            data: m,
        });
    }
    outer.finish()
}

/// The acceptance fixture of the advisory checks: a component whose first
/// module records `libc 0.2.158` (no advisory) and whose SECOND module
/// (`/module[1]`) records `smallvec` at `smallvec` (1.6.0 is affected by
/// RUSTSEC-2021-0003, 1.6.1 is patched) and, when `unmaintained`, the
/// unmaintained `ansi_term 0.12.1` (RUSTSEC-2021-0139).
pub fn advisory_fixture(smallvec: &str, unmaintained: bool) -> Vec<u8> {
    let first = module_with_dep_v0(Some(&dep_v0("first-tool", &[("libc", "0.2.158")])));
    let mut crates = vec![("smallvec", smallvec)];
    if unmaintained {
        crates.push(("ansi_term", "0.12.1"));
    }
    let second = module_with_dep_v0(Some(&dep_v0("second-app", &crates)));
    component_of(&[first, second])
}
