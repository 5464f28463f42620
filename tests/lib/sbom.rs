//! SBOMs: CycloneDX 1.5, 1.6 and 1.7 JSON and XML, SPDX 2.3 JSON and
//! SPDX 3.0.1 JSON-LD of whole compositions, held to validators nobody on
//! the team wrote:
//! - `cyclonedx-python-lib` (strict JSON and XML against the CycloneDX
//!   schemas and XSDs of each version), `spdx-tools` (`pyspdxtools`'
//!   parser and validator), `spdx-python-model` (SPDX 3: load and
//!   re-serialise) and `ntia-conformance-checker` (`sbomcheck`, SPDX 2.3
//!   and 3), installed by `.ci/run` from PyPI; without them the tests say
//!   SKIPPED, unless `CI` is set;
//! - the official JSON schemas in `../shared/schemas` (CycloneDX 1.5, 1.6
//!   and 1.7 with the SPDX licence, JSF and cryptography schemas they refer
//!   to, SPDX 2.3), with the `jsonschema` crate (the library embeds the
//!   same CycloneDX files and validates with them before writing; a test
//!   keeps the copies identical);
//!
//! on the demo, every WAT fixture, fixtures with (hostile) metadata and a
//! `.dep-v0` section built here, and every component of the corpus. The
//! documents are rendered once per test binary and validated in batches:
//! one Python process for the whole set.

use crate::common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use auditable_serde::{DependencyKind, Package, Source, VersionInfo};
use rayon::prelude::*;
use serde_json::Value;
use wasm_audit::sbom::{self, names, CycloneDxVersion, SbomFormat};
use wasm_audit::{Analysis, Error, Options};

/// The timestamp of every document here: 2023-11-14T22:13:20Z.
const T: u64 = 1_700_000_000;
const CREATED: &str = "2023-11-14T22:13:20Z";

// ---------------------------------------------------------------------------
// Inputs.
// ---------------------------------------------------------------------------

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

fn analyze_path(path: &Path) -> wasm_audit::Result<Analysis> {
    let source = wasm_audit::input::Source::Path(path.to_path_buf());
    wasm_audit::analyze_source(&source, &Options::default()).map(|(_, a)| a)
}

fn analyze_wat(name: &str, wat: &str) -> Analysis {
    let bytes = wat::parse_str(wat).unwrap_or_else(|e| panic!("{name}: WAT: {e}"));
    wasm_audit::analyze_bytes(name, &bytes, &Options::default())
        .unwrap_or_else(|e| panic!("{name}: analyse: {e}"))
}

/// `bytes` as a WAT string literal (every byte `\hh`).
fn wat_bytes(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("\\{b:02x}")).collect()
}

fn package(name: &str, version: &str, source: Source, deps: Vec<usize>, root: bool) -> Package {
    Package {
        name: name.to_string(),
        version: version.parse().expect("a semver version"),
        source,
        kind: DependencyKind::Runtime,
        dependencies: deps,
        root,
    }
}

/// A cargo-auditable `.dep-v0` payload: `demo-app 0.3.1` (local, the
/// root) on `serde 1.0.210` and `anyhow 1.0.89`; `serde` on
/// `serde_derive 1.0.210`, a build-time dependency.
fn dep_v0() -> Vec<u8> {
    let mut derive = package("serde_derive", "1.0.210", Source::CratesIo, vec![], false);
    derive.kind = DependencyKind::Build;
    let info = VersionInfo {
        packages: vec![
            package("demo-app", "0.3.1", Source::Local, vec![1, 2], true),
            package("serde", "1.0.210", Source::CratesIo, vec![3], false),
            package("anyhow", "1.0.89", Source::CratesIo, vec![], false),
            derive,
        ],
        format: 0,
    };
    let json = serde_json::to_vec(&info).expect("serialise VersionInfo");
    miniz_oxide::deflate::compress_to_vec_zlib(&json, 6)
}

/// A component carrying every wasm-metadata section, with a module that
/// carries a `.dep-v0` section and a nested plug-in component; every node
/// names its authors (NTIA wants a supplier for each package).
fn metadata_fixture() -> Analysis {
    let wat = format!(
        r#"(component $demo-app
  (@custom "authors" "Jane Doe <jane@example.com>")
  (@custom "licenses" "Apache-2.0 WITH LLVM-exception")
  (@custom "version" "1.2.3")
  (@custom "source" "https://github.com/example/demo-app")
  (@custom "homepage" "https://example.com/demo-app")
  (@custom "description" "A demo application")
  (@custom "revision" "0123456789abcdef")
  (@producers
    (language "Rust" "")
    (processed-by "rustc" "1.85.0")
    (sdk "cargo-component" "0.21.1"))
  (core module $main
    (@custom "authors" "Jane Doe <jane@example.com>")
    (@custom ".dep-v0" "{dep_v0}")
    (func (export "run") (result i32) i32.const 7)
  )
  (component $plugin
    (@custom "authors" "Plugin Makers")
    (@custom "version" "0.9.0")
    (@custom "licenses" "MIT OR LicenseRef-Plugin-EULA")
    (core module $plugin-code
      (@custom "authors" "Plugin Makers")
      (func (export "f"))
    )
  )
)"#,
        dep_v0 = wat_bytes(&dep_v0())
    );
    analyze_wat("demo-app.wat", &wat)
}

/// Metadata written to trip writers up: line breaks and parentheses in
/// names, text that is no licence expression, a source that is not a URL,
/// a homepage on a host without a domain, control characters, and a
/// `.dep-v0` crate name that needs percent-encoding.
fn hostile_fixture() -> Analysis {
    let info = r#"{"packages":[
        {"name":"weird crate","version":"1.0.0+build.5","source":"git","root":true,"dependencies":[1]},
        {"name":"serde","version":"1.0.0","source":"crates.io","dependencies":[]},
        {"name":"","version":"0.0.1","source":"crates.io","dependencies":[]}
    ]}"#;
    let dep = miniz_oxide::deflate::compress_to_vec_zlib(info.as_bytes(), 6);
    let wat = format!(
        r#"(component
  (@custom "authors" "(nobody) \0a Team <x@y> (a)")
  (@custom "licenses" "MIT/Apache-2.0 (whichever)")
  (@custom "source" "git@github.com:example/x.git")
  (@custom "homepage" "http://localhost:8080/x")
  (@custom "description" "line one\0aline two\09\01 end \ef\bf\bf")
  (@custom "version" "  ")
  (core module
    (@custom "authors" "A <a@x.org>, B <b@x.org>")
    (@custom "licenses" "DocumentRef-other:LicenseRef-x")
    (@custom ".dep-v0" "{dep}")
    (func (export "run"))
  )
  (core module
    (@custom ".dep-v0" "not zlib")
  )
  {licences}
)"#,
        dep = wat_bytes(&dep),
        licences = LICENCES
            .iter()
            .map(|l| format!("(core module (@custom \"licenses\" \"{l}\"))"))
            .collect::<String>()
    );
    analyze_wat("hostile.wat", &wat)
}

/// `licenses` sections that are and are not SPDX expressions the formats
/// accept, one per module of [`hostile_fixture`] from `/module[2]` on.
const LICENCES: &[&str] = &[
    "MIT and Apache-2.0",
    "GPL-2.0+",
    "(MIT OR LicenseRef-Mine) AND BSD-3-Clause",
    "LicenseRef-",
    "LicenseRef-a_b",
    "MIT WITH LicenseRef-x",
    "NOASSERTION",
    "NONE",
    "mit",
];

/// The project's own fixtures: the demo, the WAT fixtures and the two
/// built here.
fn fixtures() -> Vec<(String, Analysis)> {
    let mut out = Vec::new();
    for f in [
        "testdata/demo/app.wasm",
        "testdata/demo/app-tampered.wasm",
        "testdata/wat/nested.wat",
    ] {
        let a = analyze_path(&repo(f)).unwrap_or_else(|e| panic!("{f}: {e}"));
        out.push((f.to_string(), a));
    }
    let mut wiring: Vec<PathBuf> = std::fs::read_dir(repo("testdata/wiring"))
        .expect("testdata/wiring")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "wat"))
        .collect();
    wiring.sort();
    assert!(wiring.len() >= 6, "the wiring fixtures are there");
    for p in wiring {
        let a = analyze_path(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        out.push((format!("testdata/wiring/{}", file_name(&p)), a));
    }
    out.push(("built/demo-app".to_string(), metadata_fixture()));
    out.push(("built/hostile".to_string(), hostile_fixture()));
    out.push(("built/vulnerable".to_string(), vulnerable_fixture()));
    // Import names no validator would pass (the walk does not validate):
    // markup, an escape sequence, two names that sanitise alike. In 1.7
    // they become external components with bom-refs of their own.
    out.push((
        "built/hostile-imports".to_string(),
        analyze_wat(
            "imports.wat",
            r#"(component
  (import "a<b>&\"x\u{1b}[31m]]>@1.0" (func))
  (import "wasi:cli/env@0.2.0" (instance))
  (import "wasi:cli-env@0.2.0" (instance)))"#,
        ),
    ));
    out
}

/// The advisory acceptance fixture: the second module records
/// `smallvec 1.6.0` (RUSTSEC-2021-0003) and the unmaintained `ansi_term`.
fn vulnerable_fixture() -> Analysis {
    let bytes = common::advisory_fixture("1.6.0", true);
    wasm_audit::analyze_bytes("vulnerable.wasm", &bytes, &Options::default()).expect("analyse")
}

/// The advisory database snapshot, loaded once: every document here
/// carries the vulnerabilities it finds (none when it is absent).
fn advisories() -> Option<&'static wasm_audit::advisory::Database> {
    static DB: OnceLock<Option<wasm_audit::advisory::Database>> = OnceLock::new();
    DB.get_or_init(|| {
        common::advisory_db()
            .map(|d| wasm_audit::advisory::Database::open(&d).expect("the snapshot loads"))
    })
    .as_ref()
}

fn file_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Pre-1.0 component encodings (`*.v0x0a.wasm` ...) do not parse; they
/// get their own error elsewhere.
fn legacy(name: &str) -> bool {
    name.contains(".v0x0")
}

// ---------------------------------------------------------------------------
// Rendering, once per test binary.
// ---------------------------------------------------------------------------

/// One input and its documents: CycloneDX JSON and XML in every version,
/// SPDX 2.3 and SPDX 3.
struct Case {
    label: String,
    nodes: usize,
    docs: Vec<(SbomFormat, Option<CycloneDxVersion>, Vec<u8>)>,
}

/// Documents per input: 2 CycloneDX formats × 3 versions, SPDX 2.3, SPDX 3.
const DOCS_PER_CASE: usize = 8;

fn is_cyclonedx(f: SbomFormat) -> bool {
    matches!(f, SbomFormat::CycloneDxJson | SbomFormat::CycloneDxXml)
}

fn render_all(label: &str, a: &Analysis) -> Case {
    let mut model = sbom::build(a, T).expect("sbom");
    if let Some(db) = advisories() {
        model.add_advisories(a, db);
    }
    let docs = render_every_format(label, &model);
    Case {
        label: label.to_string(),
        nodes: a.nodes.len(),
        docs,
    }
}

/// `model` in every format, and CycloneDX in every version.
fn render_every_format(
    label: &str,
    model: &sbom::Sbom,
) -> Vec<(SbomFormat, Option<CycloneDxVersion>, Vec<u8>)> {
    let mut docs = Vec::new();
    for f in SbomFormat::ALL {
        let versions: Vec<Option<CycloneDxVersion>> = if is_cyclonedx(f) {
            CycloneDxVersion::ALL.into_iter().map(Some).collect()
        } else {
            vec![None]
        };
        for v in versions {
            let bytes = sbom::render(model, f, v.unwrap_or_default())
                .unwrap_or_else(|e| panic!("{label}: {f} {v:?}: {e}"));
            docs.push((f, v, bytes));
        }
    }
    docs
}

/// The fixtures' documents, then every corpus component's.
fn cases() -> &'static [Case] {
    static CASES: OnceLock<Vec<Case>> = OnceLock::new();
    CASES.get_or_init(|| {
        let mut cases: Vec<Case> = fixtures()
            .par_iter()
            .map(|(label, a)| render_all(label, a))
            .collect();
        let files: Vec<PathBuf> = common::corpus_wasm_files()
            .into_iter()
            .filter(|p| !legacy(&file_name(p)))
            .collect();
        let corpus: Vec<Case> = files
            .par_iter()
            .map(|p| {
                let name = file_name(p);
                match analyze_path(p) {
                    Ok(a) => render_all(&format!("corpus/{name}"), &a),
                    Err(e) => panic!("{name}: {e}"),
                }
            })
            .collect();
        if !files.is_empty() {
            assert!(corpus.len() > 90, "the whole corpus: {}", corpus.len());
        }
        cases.extend(corpus);
        cases
    })
}

/// The documents written to one directory as `<label>.<extension>`.
fn documents_dir() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().expect("tempdir");
        for case in cases() {
            let stem: String = case
                .label
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                        c
                    } else {
                        '_'
                    }
                })
                .collect();
            for (f, v, bytes) in &case.docs {
                let path = dir.path().join(file_name_of(&stem, *f, *v));
                std::fs::write(&path, bytes).expect("write document");
            }
        }
        dir
    })
    .path()
}

/// `<stem>.<extension>`, with `v1.5.` before the extension for a CycloneDX
/// version other than the default (the validator script reads it there).
fn file_name_of(stem: &str, f: SbomFormat, v: Option<CycloneDxVersion>) -> String {
    match v {
        Some(v) if v != CycloneDxVersion::default() => format!("{stem}.v{v}.{}", f.extension()),
        _ => format!("{stem}.{}", f.extension()),
    }
}

/// The document in `format` (CycloneDX: the default version, 1.6).
fn doc(case: &Case, format: SbomFormat) -> &[u8] {
    doc_in(case, format, CycloneDxVersion::default())
}

/// The document in `format`, CycloneDX in `version`.
fn doc_in(case: &Case, format: SbomFormat, version: CycloneDxVersion) -> &[u8] {
    case.docs
        .iter()
        .find(|(f, v, _)| *f == format && v.is_none_or(|v| v == version))
        .map(|(_, _, b)| b.as_slice())
        .expect("every format rendered")
}

fn json(bytes: &[u8]) -> Value {
    serde_json::from_slice(bytes).expect("JSON")
}

// ---------------------------------------------------------------------------
// The Python validators.
// ---------------------------------------------------------------------------

/// Validates every `*.cdx.json`, `*.cdx.xml` (CycloneDX 1.6, or the
/// version named before the extension: `x.v1.7.cdx.json`), `*.spdx.json`
/// (SPDX 2.3) and `*.spdx3.json` (SPDX 3.0.1: spdx-python-model loads it,
/// links every reference and writes it again; ntia-conformance-checker's
/// SPDX 3 reader, what `sbomcheck --sbom-spec spdx3` runs, parses and
/// validates it) in the directory given as argument, in one process;
/// exit 3 when a package is missing.
const VALIDATE_PY: &str = r#"
import io, os, sys
try:
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator
    from cyclonedx.validation.xml import XmlValidator
    from spdx_tools.spdx.parser.parse_anything import parse_file
    from spdx_tools.spdx.validation.document_validator import validate_full_spdx_document
    from spdx_python_model import v3_0_1 as spdx3
    from ntia_conformance_checker.sbom_checker import SbomChecker
    versions = {"1.5": SchemaVersion.V1_5, "1.6": SchemaVersion.V1_6, "1.7": SchemaVersion.V1_7}
    json_validators = {v: JsonStrictValidator(s) for v, s in versions.items()}
    xml_validators = {v: XmlValidator(s) for v, s in versions.items()}
except Exception as e:
    print(f"MISSING: {e!r}")
    sys.exit(3)
import logging
logging.disable(logging.CRITICAL)
directory = sys.argv[1]
count = failures = 0
for name in sorted(os.listdir(directory)):
    path = os.path.join(directory, name)
    errors = []
    try:
        if name.endswith(".cdx.json") or name.endswith(".cdx.xml"):
            with open(path, encoding="utf-8") as f:
                text = f.read()
            version = "1.6"
            for v in versions:
                if name.endswith(f".v{v}.cdx.json") or name.endswith(f".v{v}.cdx.xml"):
                    version = v
            validators = json_validators if name.endswith(".json") else xml_validators
            error = validators[version].validate_str(text)
            if error is not None:
                errors.append(repr(error))
        elif name.endswith(".spdx.json"):
            document = parse_file(path)
            errors += [m.validation_message for m in validate_full_spdx_document(document)]
        elif name.endswith(".spdx3.json"):
            objects = spdx3.SHACLObjectSet()
            with open(path, "rb") as f:
                spdx3.JSONLDDeserializer().read(f, objects)
            missing = objects.link()
            if missing:
                errors.append(f"unresolved references: {sorted(missing)[:5]}")
            out = io.BytesIO()
            spdx3.JSONLDSerializer().write(objects, out)
            documents = list(objects.foreach_type(spdx3.SpdxDocument))
            if len(documents) != 1:
                errors.append(f"{len(documents)} SpdxDocument elements")
            checker = SbomChecker(path, sbom_spec="spdx3")
            errors += [str(e) for e in checker.parsing_errors]
            errors += [m.validation_message for m in checker.validation_messages]
        else:
            continue
    except Exception as e:
        errors.append(f"{type(e).__name__}: {e}")
    count += 1
    if errors:
        failures += 1
        print(f"INVALID {name}: " + " | ".join(errors)[:3000])
print(f"validated {count} documents: {count - failures} valid, {failures} invalid")
sys.exit(1 if failures else 0)
"#;

/// Runs `python3 -c script args`: `None` (after saying SKIPPED) when
/// Python or a package is missing outside CI; a panic in CI.
fn python(script: &str, args: &[&Path]) -> Option<std::process::Output> {
    let out = match Command::new("python3")
        .arg("-c")
        .arg(script)
        .args(args)
        .output()
    {
        Ok(out) => out,
        Err(e) => {
            missing(&format!("python3 cannot be run: {e}"));
            return None;
        }
    };
    if out.status.code() == Some(3) {
        missing(&String::from_utf8_lossy(&out.stdout));
        return None;
    }
    Some(out)
}

fn missing(why: &str) {
    let why = why.trim();
    if std::env::var_os("CI").is_some() {
        panic!(
            "the SBOM validators are required in CI: {why} (pip install \
             \"cyclonedx-python-lib[json-validation,xml-validation]\" spdx-tools ntia-conformance-checker)"
        );
    }
    eprintln!("SKIPPED: {why}; install the validators with: python3 -m pip install \"cyclonedx-python-lib[json-validation,xml-validation]\" spdx-tools ntia-conformance-checker");
}

#[test]
fn python_validators_accept_every_document() {
    assert_validators_accept(documents_dir(), cases().len() * DOCS_PER_CASE);
}

/// The Python validators accept all `expected` documents in `dir` (skipped
/// without them outside CI).
fn assert_validators_accept(dir: &Path, expected: usize) {
    let Some(out) = python(VALIDATE_PY, &[dir]) else {
        return;
    };
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "the validators reject documents:\n{stdout}\n{stderr}"
    );
    assert!(
        stdout.contains(&format!("validated {expected} documents: {expected} valid")),
        "every document was validated:\n{stdout}"
    );
    eprintln!("{}", stdout.trim());
}

const NTIA_PY: &str = r#"
import json, sys
try:
    from ntia_conformance_checker.sbom_checker import SbomChecker
except Exception as e:
    print(f"MISSING: {e!r}")
    sys.exit(3)
checker = SbomChecker(sys.argv[1])
print(json.dumps(checker.output_json(), default=str, indent=1))
sys.exit(0 if checker.compliant else 1)
"#;

/// `sbomcheck --sbom-spec spdx3` (ntia-conformance-checker's command) on
/// the SPDX 3 document of the metadata fixture: NTIA minimum elements.
#[test]
fn spdx3_of_the_metadata_fixture_meets_the_ntia_minimum_elements() {
    let case = render_all("demo-app", &metadata_fixture());
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("demo-app.spdx3.json");
    std::fs::write(&path, doc(&case, SbomFormat::Spdx3Json)).expect("write");
    let out = match Command::new("sbomcheck")
        .args(["--sbom-spec", "spdx3", "--output", "json"])
        .arg(&path)
        .output()
    {
        Ok(out) => out,
        Err(e) => return missing(&format!("sbomcheck cannot be run: {e}")),
    };
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "sbomcheck --sbom-spec spdx3: not compliant:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_str(&stdout).expect("the checker's JSON report");
    assert_eq!(report["isNtiaConformant"], Value::Bool(true), "{stdout}");
}

#[test]
fn spdx_of_the_metadata_fixture_meets_the_ntia_minimum_elements() {
    let case = render_all("demo-app", &metadata_fixture());
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("demo-app.spdx.json");
    std::fs::write(&path, doc(&case, SbomFormat::SpdxJson)).expect("write");
    let Some(out) = python(NTIA_PY, &[&path]) else {
        return;
    };
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "ntia-conformance-checker: not compliant:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_str(&stdout).expect("the checker's JSON report");
    assert_eq!(report["isNtiaConformant"], Value::Bool(true), "{stdout}");
}

// ---------------------------------------------------------------------------
// The official JSON schemas.
// ---------------------------------------------------------------------------

fn schemas_dir() -> PathBuf {
    repo("../shared/schemas")
}

/// Serves the schemas the CycloneDX schema refers to by relative name,
/// under their `$id`s, from `../shared/schemas/cyclonedx`: no network.
struct LocalSchemas(BTreeMap<String, Value>);

impl jsonschema::Retrieve for LocalSchemas {
    fn retrieve(
        &self,
        uri: &jsonschema::Uri<String>,
    ) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        self.0
            .get(uri.as_str())
            .cloned()
            .ok_or_else(|| format!("schema {uri} is not in ../shared/schemas").into())
    }
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn cyclonedx_schema(version: CycloneDxVersion) -> Option<jsonschema::Validator> {
    let dir = schemas_dir().join("cyclonedx");
    if !dir.is_dir() {
        if std::env::var_os("CI").is_some() {
            panic!("../shared/schemas is required in CI");
        }
        eprintln!("SKIPPED: ../shared/schemas not found");
        return None;
    }
    let mut by_id = BTreeMap::new();
    for name in [
        "spdx.schema.json",
        "jsf-0.82.schema.json",
        "cryptography-defs.schema.json",
    ] {
        let schema = read_json(&dir.join(name));
        let id = schema["$id"].as_str().expect("$id").to_string();
        by_id.insert(id, schema);
    }
    let main = read_json(&dir.join(format!("bom-{version}.schema.json")));
    Some(
        jsonschema::options()
            .with_retriever(LocalSchemas(by_id))
            .build(&main)
            .expect("the CycloneDX schema compiles"),
    )
}

fn spdx_schema() -> Option<jsonschema::Validator> {
    let path = schemas_dir().join("spdx/spdx-2.3.schema.json");
    if !path.is_file() {
        return None;
    }
    Some(jsonschema::validator_for(&read_json(&path)).expect("the SPDX 2.3 schema compiles"))
}

fn schema_errors(v: &jsonschema::Validator, doc: &Value) -> Vec<String> {
    v.iter_errors(doc)
        .take(5)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

#[test]
fn json_documents_follow_the_official_schemas() {
    let Some(spdx) = spdx_schema() else {
        return;
    };
    let mut cdx = Vec::new();
    for v in CycloneDxVersion::ALL {
        let Some(schema) = cyclonedx_schema(v) else {
            return;
        };
        cdx.push((v, schema));
    }
    let failures: Vec<String> = cases()
        .par_iter()
        .flat_map_iter(|case| {
            let mut out = Vec::new();
            let mut check = |what: String, v: &jsonschema::Validator, bytes: &[u8]| {
                let errors = schema_errors(v, &json(bytes));
                if !errors.is_empty() {
                    out.push(format!("{} {what}: {}", case.label, errors.join("; ")));
                }
            };
            for (version, schema) in &cdx {
                check(
                    format!("CycloneDX {version}"),
                    schema,
                    doc_in(case, SbomFormat::CycloneDxJson, *version),
                );
            }
            check("SPDX 2.3".into(), &spdx, doc(case, SbomFormat::SpdxJson));
            out
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The schemas the library embeds are the official ones, byte for byte.
#[test]
fn embedded_cyclonedx_schemas_are_the_official_files() {
    let shared = schemas_dir().join("cyclonedx");
    if !shared.is_dir() {
        if std::env::var_os("CI").is_some() {
            panic!("../shared/schemas is required in CI");
        }
        eprintln!("SKIPPED: ../shared/schemas not found");
        return;
    }
    for name in [
        "bom-1.5.schema.json",
        "bom-1.6.schema.json",
        "bom-1.7.schema.json",
        "spdx.schema.json",
        "jsf-0.82.schema.json",
        "cryptography-defs.schema.json",
    ] {
        let ours = std::fs::read(repo(&format!("schemas/cyclonedx/{name}"))).expect(name);
        let official = std::fs::read(shared.join(name)).expect(name);
        assert!(
            ours == official,
            "schemas/cyclonedx/{name} differs from the official file"
        );
    }
}

/// The metadata fixture's documents with one wrong hash algorithm each
/// (file name, text).
fn broken_documents() -> Vec<(SbomFormat, String, String)> {
    let case = render_all("demo-app", &metadata_fixture());
    case.docs
        .iter()
        .map(|(f, v, bytes)| {
            let text = String::from_utf8(bytes.clone()).expect("UTF-8");
            let broken = match f {
                SbomFormat::CycloneDxJson => {
                    text.replacen(r#""alg": "SHA-256""#, r#""alg": "SHA-257""#, 1)
                }
                SbomFormat::CycloneDxXml => {
                    text.replacen(r#"alg="SHA-256""#, r#"alg="SHA-257""#, 1)
                }
                SbomFormat::SpdxJson => {
                    text.replacen(r#""algorithm": "SHA256""#, r#""algorithm": "SHA257""#, 1)
                }
                SbomFormat::Spdx3Json => {
                    text.replacen(r#""algorithm": "sha256""#, r#""algorithm": "sha257""#, 1)
                }
            };
            assert_ne!(broken, text, "{f}: the mutation applies");
            (*f, file_name_of("broken", *f, *v), broken)
        })
        .collect()
}

/// The validators are not silent: each rejects a broken document.
#[test]
fn validators_reject_broken_documents() {
    let broken = broken_documents();
    let dir = tempfile::tempdir().expect("tempdir");
    for (_, name, text) in &broken {
        std::fs::write(dir.path().join(name), text).expect("write");
    }
    if let Some(out) = python(VALIDATE_PY, &[dir.path()]) {
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(1), "{stdout}");
        let n = DOCS_PER_CASE;
        assert!(
            stdout.contains(&format!("validated {n} documents: 0 valid, {n} invalid")),
            "{stdout}"
        );
    }
    if let (Some(cdx), Some(spdx)) = (cyclonedx_schema(CycloneDxVersion::V1_5), spdx_schema()) {
        for (f, name, text) in &broken {
            let v = match f {
                SbomFormat::CycloneDxJson if name.contains(".v1.5.") => &cdx,
                SbomFormat::SpdxJson => &spdx,
                _ => continue,
            };
            assert!(!schema_errors(v, &json(text.as_bytes())).is_empty(), "{f}");
        }
    }
    // The library's own gate rejects them too.
    for (f, name, text) in &broken {
        if *f == SbomFormat::CycloneDxJson {
            let version = CycloneDxVersion::ALL
                .into_iter()
                .find(|v| name.contains(&format!(".v{v}.")))
                .unwrap_or_default();
            assert!(
                sbom::cyclonedx::check_schema(&json(text.as_bytes()), version).is_err(),
                "{name}"
            );
        }
    }
}

// ---------------------------------------------------------------------------
// Where consumers read the fields.
// ---------------------------------------------------------------------------

fn ptr<'a>(doc: &'a Value, pointer: &str) -> &'a Value {
    doc.pointer(pointer)
        .unwrap_or_else(|| panic!("no {pointer} in\n{doc:#}"))
}

/// Every component, depth first, nested ones included.
fn all_components(doc: &Value) -> Vec<&Value> {
    let mut out = Vec::new();
    let mut stack: Vec<&Value> = doc["components"]
        .as_array()
        .map(|a| a.iter().rev().collect())
        .unwrap_or_default();
    while let Some(c) = stack.pop() {
        out.push(c);
        if let Some(children) = c["components"].as_array() {
            stack.extend(children.iter().rev());
        }
    }
    out
}

fn property<'a>(component: &'a Value, name: &str) -> Vec<&'a str> {
    component["properties"]
        .as_array()
        .map(|props| {
            props
                .iter()
                .filter(|p| p["name"] == name)
                .filter_map(|p| p["value"].as_str())
                .collect()
        })
        .unwrap_or_default()
}

fn by_path<'a>(doc: &'a Value, path: &str) -> &'a Value {
    all_components(doc)
        .into_iter()
        .find(|c| property(c, names::PATH) == [path])
        .unwrap_or_else(|| panic!("no component with path {path}"))
}

#[test]
fn cyclonedx_puts_metadata_crates_and_dependencies_where_consumers_read_them() {
    let a = metadata_fixture();
    let case = render_all("demo-app", &a);
    let d = json(doc(&case, SbomFormat::CycloneDxJson));

    assert_eq!(d["bomFormat"], "CycloneDX");
    assert_eq!(d["specVersion"], "1.6", "the default version");
    assert_eq!(ptr(&d, "/metadata/timestamp"), CREATED);
    let tool = ptr(&d, "/metadata/tools/components/0");
    assert_eq!(tool["name"], "wasm-audit");
    assert_eq!(tool["version"], env!("CARGO_PKG_VERSION"));

    let root = ptr(&d, "/metadata/component");
    assert_eq!(root["type"], "application");
    assert_eq!(root["name"], "demo-app", "the component-name section");
    assert_eq!(root["version"], "1.2.3");
    assert_eq!(root["description"], "A demo application");
    assert_eq!(root["mime-type"], "application/wasm");
    assert_eq!(
        ptr(root, "/licenses/0/expression"),
        "Apache-2.0 WITH LLVM-exception"
    );
    assert_eq!(root["author"], "Jane Doe <jane@example.com>");
    assert_eq!(ptr(root, "/supplier/name"), "Jane Doe");
    assert_eq!(ptr(root, "/supplier/contact/0/email"), "jane@example.com");
    assert_eq!(ptr(&d, "/metadata/supplier/name"), "Jane Doe");
    let refs = root["externalReferences"]
        .as_array()
        .expect("externalReferences");
    let url_of = |t: &str| {
        refs.iter()
            .find(|r| r["type"] == t)
            .map(|r| r["url"].as_str().unwrap_or_default())
    };
    assert_eq!(url_of("vcs"), Some("https://github.com/example/demo-app"));
    assert_eq!(url_of("website"), Some("https://example.com/demo-app"));
    assert_eq!(property(root, names::REVISION), ["0123456789abcdef"]);
    assert_eq!(ptr(root, "/hashes/0/alg"), "SHA-256");
    assert_eq!(
        format!(
            "sha256:{}",
            ptr(root, "/hashes/0/content").as_str().unwrap_or("")
        ),
        a.digest
    );
    assert_eq!(property(root, names::PRODUCER_LANGUAGE), ["Rust"]);
    assert_eq!(
        property(root, names::PRODUCER_PROCESSED_BY),
        ["rustc 1.85.0"]
    );
    assert_eq!(
        property(root, names::PRODUCER_SDK),
        ["cargo-component 0.21.1"]
    );
    assert_eq!(property(root, names::CLASS), ["code"]);
    assert_eq!(property(root, names::PATH), ["/"]);

    // The nested plug-in: its own licence expression, version, supplier.
    let plugin = by_path(&d, "/component[0]");
    assert_eq!(plugin["name"], "plugin");
    assert_eq!(plugin["version"], "0.9.0");
    assert_eq!(
        ptr(plugin, "/licenses/0/expression"),
        "MIT OR LicenseRef-Plugin-EULA"
    );
    assert_eq!(ptr(plugin, "/supplier/name"), "Plugin Makers");
    let plugin_code = by_path(&d, "/component[0]/module[0]");
    let digest = &a.node("/component[0]/module[0]").expect("node").digest;
    assert_eq!(
        plugin_code["version"].as_str(),
        digest.get(..19),
        "a node without a version section is versioned by its digest"
    );
    assert_eq!(property(plugin_code, names::VERSION_FROM), ["digest"]);

    // Crates: top-level components with purls, as GitLab reads them.
    let top = d["components"].as_array().expect("components");
    let purls: BTreeMap<&str, &Value> = top
        .iter()
        .filter_map(|c| c["purl"].as_str().map(|p| (p, c)))
        .collect();
    assert_eq!(
        purls.keys().copied().collect::<Vec<_>>(),
        [
            "pkg:cargo/anyhow@1.0.89",
            "pkg:cargo/demo-app@0.3.1",
            "pkg:cargo/serde@1.0.210",
            "pkg:cargo/serde_derive@1.0.210",
        ]
    );
    for c in purls.values() {
        assert_eq!(c["type"], "library");
    }
    assert_eq!(purls["pkg:cargo/serde_derive@1.0.210"]["scope"], "excluded");
    assert_eq!(purls["pkg:cargo/serde@1.0.210"]["scope"], "required");
    assert_eq!(
        ptr(purls["pkg:cargo/serde@1.0.210"], "/supplier/name"),
        "crates.io"
    );
    assert_eq!(
        ptr(purls["pkg:cargo/demo-app@0.3.1"], "/supplier/name"),
        "Jane Doe",
        "a local crate is supplied by the module built from it"
    );
    assert_eq!(
        property(purls["pkg:cargo/serde@1.0.210"], names::FOUND_IN),
        ["/module[0]"]
    );

    // Dependencies: the module on its root crate, crates on crates.
    let deps: BTreeMap<&str, Vec<&str>> = d["dependencies"]
        .as_array()
        .expect("dependencies")
        .iter()
        .map(|e| {
            let on = e["dependsOn"]
                .as_array()
                .map(|a| a.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            (e["ref"].as_str().unwrap_or_default(), on)
        })
        .collect();
    let id = |purl: &str| purls[purl]["bom-ref"].as_str().expect("bom-ref");
    let module = by_path(&d, "/module[0]");
    let module_ref = module["bom-ref"].as_str().expect("bom-ref");
    assert_eq!(deps[module_ref], [id("pkg:cargo/demo-app@0.3.1")]);
    let mut app_deps = vec![id("pkg:cargo/anyhow@1.0.89"), id("pkg:cargo/serde@1.0.210")];
    app_deps.sort();
    assert_eq!(deps[id("pkg:cargo/demo-app@0.3.1")], app_deps);
    assert_eq!(
        deps[id("pkg:cargo/serde@1.0.210")],
        [id("pkg:cargo/serde_derive@1.0.210")]
    );
    // Every component has its entry, the root included.
    assert!(deps.contains_key(root["bom-ref"].as_str().expect("bom-ref")));
    assert_eq!(deps.len(), a.nodes.len() + 4);

    // The XML carries the same.
    let xml = String::from_utf8(doc(&case, SbomFormat::CycloneDxXml).to_vec()).expect("UTF-8");
    let x = roxmltree::Document::parse(&xml).expect("XML");
    assert_eq!(
        x.root_element().tag_name().namespace(),
        Some("http://cyclonedx.org/schema/bom/1.6")
    );
    let text_of = |path: &[&str]| -> Option<String> {
        let mut node = x.root_element();
        for step in path {
            node = node.children().find(|c| c.has_tag_name(*step))?;
        }
        node.text().map(str::to_string)
    };
    assert_eq!(
        text_of(&["metadata", "component", "name"]).as_deref(),
        Some("demo-app")
    );
    assert_eq!(
        text_of(&["metadata", "component", "version"]).as_deref(),
        Some("1.2.3")
    );
    let xml_purls: Vec<&str> = x
        .descendants()
        .filter(|n| n.has_tag_name("purl"))
        .filter_map(|n| n.text())
        .collect();
    assert_eq!(xml_purls.len(), 4);
}

#[test]
fn spdx_names_suppliers_versions_licences_and_relationships() {
    let a = metadata_fixture();
    let case = render_all("demo-app", &a);
    let d = json(doc(&case, SbomFormat::SpdxJson));
    assert_eq!(d["spdxVersion"], "SPDX-2.3");
    assert_eq!(d["dataLicense"], "CC0-1.0");
    assert_eq!(ptr(&d, "/creationInfo/created"), CREATED);
    assert_eq!(
        ptr(&d, "/creationInfo/creators/0"),
        &Value::String(format!("Tool: wasm-audit-{}", env!("CARGO_PKG_VERSION")))
    );
    let ns = d["documentNamespace"].as_str().expect("namespace");
    assert!(ns.starts_with("urn:uuid:"), "{ns}");

    let packages = d["packages"].as_array().expect("packages");
    assert_eq!(packages.len(), a.nodes.len() + 4);
    let root = &packages[0];
    assert_eq!(root["name"], "demo-app");
    assert_eq!(root["versionInfo"], "1.2.3");
    assert_eq!(root["supplier"], "Person: Jane Doe (jane@example.com)");
    assert_eq!(root["licenseDeclared"], "Apache-2.0 WITH LLVM-exception");
    assert_eq!(root["primaryPackagePurpose"], "APPLICATION");
    assert_eq!(root["downloadLocation"], "NOASSERTION");
    assert_eq!(root["filesAnalyzed"], false);
    assert_eq!(root["homepage"], "https://example.com/demo-app");
    assert_eq!(ptr(root, "/checksums/0/algorithm"), "SHA256");
    let id = root["SPDXID"].as_str().expect("SPDXID");
    let hex = a.digest.strip_prefix("sha256:").expect("digest");
    assert_eq!(id, format!("SPDXRef-root-{}", &hex[..12]));
    for p in packages {
        assert!(
            p["supplier"].is_string() && p["versionInfo"].is_string(),
            "{p}"
        );
        assert_eq!(p["filesAnalyzed"], false);
    }
    let serde = packages
        .iter()
        .find(|p| p["name"] == "serde")
        .expect("serde");
    assert_eq!(serde["supplier"], "Organization: crates.io");
    assert_eq!(
        ptr(serde, "/externalRefs/0/referenceLocator"),
        "pkg:cargo/serde@1.0.210"
    );
    assert_eq!(ptr(serde, "/externalRefs/0/referenceType"), "purl");
    let extracted = d["hasExtractedLicensingInfos"]
        .as_array()
        .expect("extracted");
    assert_eq!(extracted.len(), 1);
    assert_eq!(extracted[0]["licenseId"], "LicenseRef-Plugin-EULA");

    let rels: Vec<(String, String, String)> = d["relationships"]
        .as_array()
        .expect("relationships")
        .iter()
        .map(|r| {
            let s = |k: &str| r[k].as_str().unwrap_or_default().to_string();
            (
                s("spdxElementId"),
                s("relationshipType"),
                s("relatedSpdxElement"),
            )
        })
        .collect();
    // Nodes by name, crates by purl (the root and its crate share a name).
    let spdx_id = |name: &str| {
        packages
            .iter()
            .find(|p| p["name"] == name && p.get("externalRefs").is_none())
            .and_then(|p| p["SPDXID"].as_str())
            .unwrap_or_else(|| panic!("no package {name}"))
            .to_string()
    };
    let crate_id = |name: &str| {
        packages
            .iter()
            .find(|p| {
                p["externalRefs"][0]["referenceLocator"]
                    .as_str()
                    .is_some_and(|l| l.starts_with(&format!("pkg:cargo/{name}@")))
            })
            .and_then(|p| p["SPDXID"].as_str())
            .unwrap_or_else(|| panic!("no crate {name}"))
            .to_string()
    };
    let has =
        |a: &str, t: &str, b: &str| rels.contains(&(a.to_string(), t.to_string(), b.to_string()));
    assert!(has("SPDXRef-DOCUMENT", "DESCRIBES", id));
    assert!(has(id, "CONTAINS", &spdx_id("main")));
    assert!(has(id, "CONTAINS", &spdx_id("plugin")));
    assert!(has(&spdx_id("plugin"), "CONTAINS", &spdx_id("plugin-code")));
    assert!(has(&spdx_id("main"), "DEPENDS_ON", &crate_id("demo-app")));
    assert!(has(&crate_id("demo-app"), "DEPENDS_ON", &crate_id("serde")));
    assert!(has(
        &crate_id("demo-app"),
        "DEPENDS_ON",
        &crate_id("anyhow")
    ));
    assert!(has(
        &crate_id("serde_derive"),
        "BUILD_DEPENDENCY_OF",
        &crate_id("serde")
    ));
    let crate_ids: Vec<String> = ["demo-app", "serde", "anyhow", "serde_derive"]
        .iter()
        .map(|n| crate_id(n))
        .collect();
    assert!(crate_ids.iter().all(|id| id.starts_with("SPDXRef-crate-")));
}

#[test]
fn wiring_becomes_dependencies_and_capabilities_become_properties() {
    let a = analyze_path(&repo("testdata/wiring/siblings.wat")).expect("siblings");
    let case = render_all("siblings", &a);
    let d = json(doc(&case, SbomFormat::CycloneDxJson));
    let provider = by_path(&d, "/component[0]");
    let consumer = by_path(&d, "/component[1]");
    let deps: BTreeMap<&str, Vec<&str>> = d["dependencies"]
        .as_array()
        .expect("dependencies")
        .iter()
        .map(|e| {
            (
                e["ref"].as_str().unwrap_or_default(),
                e["dependsOn"]
                    .as_array()
                    .map(|a| a.iter().filter_map(Value::as_str).collect())
                    .unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        deps[consumer["bom-ref"].as_str().expect("ref")],
        [provider["bom-ref"].as_str().expect("ref")],
        "the consumer depends on the provider whose export satisfies its import, \
         not on the root that passes the host import down"
    );
    assert_eq!(
        property(consumer, names::CAPABILITY),
        ["wasi:cli/stdout@0.2.0"]
    );
    assert_eq!(
        property(consumer, names::CAPABILITY_VIA),
        ["wasi:cli/stdout@0.2.0 via /[wasi:cli/stdout@0.2.0] → /component[1][wasi:cli/stdout@0.2.0]"]
    );
    let mut satisfied = property(consumer, names::SATISFIED_BY);
    satisfied.sort();
    assert_eq!(
        satisfied,
        [
            "example:demo/api from /component[0]",
            "wasi:cli/stdout@0.2.0 from /"
        ]
    );
    assert_eq!(
        property(consumer, names::IMPORT),
        ["example:demo/api", "wasi:cli/stdout@0.2.0"]
    );
    assert_eq!(property(provider, names::EXPORT), ["example:demo/api"]);
    assert!(property(provider, names::CAPABILITY).is_empty());

    // SPDX says the same.
    let s = json(doc(&case, SbomFormat::SpdxJson));
    let pid = |path: &str| {
        let node = a.node(path).expect("node");
        let hex = node.digest.strip_prefix("sha256:").expect("digest");
        let stem = if path == "/" {
            "root".to_string()
        } else {
            path.trim_start_matches('/')
                .replace(['[', ']', '/'], "-")
                .replace("--", "-")
                .trim_end_matches('-')
                .to_string()
        };
        format!("SPDXRef-{stem}-{}", &hex[..12])
    };
    let rels = s["relationships"].as_array().expect("relationships");
    assert!(rels
        .iter()
        .any(|r| r["spdxElementId"] == pid("/component[1]")
            && r["relationshipType"] == "DEPENDS_ON"
            && r["relatedSpdxElement"] == pid("/component[0]")));
}

#[test]
fn hostile_metadata_is_kept_without_breaking_documents() {
    let a = hostile_fixture();
    let case = render_all("hostile", &a);
    let d = json(doc(&case, SbomFormat::CycloneDxJson));
    let root = ptr(&d, "/metadata/component");
    assert_eq!(
        root["name"], "hostile.wat",
        "the file name without a name section"
    );
    assert!(root.get("externalReferences").is_none());
    assert_eq!(
        property(root, names::SOURCE),
        ["git@github.com:example/x.git"]
    );
    assert_eq!(property(root, names::HOMEPAGE), ["http://localhost:8080/x"]);
    assert_eq!(
        ptr(root, "/licenses/0/license/name"),
        "MIT/Apache-2.0 (whichever)"
    );
    assert_eq!(root["description"], "line one line two   end");
    assert_eq!(property(root, names::VERSION_FROM), ["digest"]);
    let weird = all_components(&d)
        .into_iter()
        .find(|c| c["name"] == "weird crate")
        .expect("the crate with a space");
    assert_eq!(weird["purl"], "pkg:cargo/weird%20crate@1.0.0%2Bbuild.5");
    assert_eq!(property(weird, names::CRATE_SOURCE), ["git"]);
    let broken = by_path(&d, "/module[1]");
    assert!(
        property(broken, names::NOTE)
            .iter()
            .any(|n| n.contains(".dep-v0")),
        "the undecodable section is noted"
    );

    let declared: Vec<&str> = (0..LICENCES.len())
        .map(|k| {
            let c = by_path(&d, &format!("/module[{}]", k + 2));
            c["licenses"][0]["expression"]
                .as_str()
                .or(c["licenses"][0]["license"]["name"].as_str())
                .unwrap_or("-")
        })
        .collect();
    assert_eq!(
        declared,
        [
            "MIT AND Apache-2.0",
            "GPL-2.0+",
            "(MIT OR LicenseRef-Mine) AND BSD-3-Clause",
            "LicenseRef-",
            "LicenseRef-a_b",
            "MIT WITH LicenseRef-x",
            "-",
            "NONE",
            "mit"
        ]
    );
    let nameless = all_components(&d)
        .into_iter()
        .find(|c| c["name"] == "(unnamed)" && property(c, names::CRATE_SOURCE) == ["crates.io"])
        .expect("the crate without a name");
    assert!(nameless.get("purl").is_none(), "no purl without a name");

    let s = json(doc(&case, SbomFormat::SpdxJson));
    let root = ptr(&s, "/packages/0");
    assert_eq!(root["supplier"], "Organization: [nobody] Team <x@y> [a]");
    assert_eq!(root["licenseDeclared"], "NOASSERTION");
    assert!(root["licenseComments"]
        .as_str()
        .is_some_and(|c| c.contains("MIT/Apache-2.0")));
    assert!(root.get("homepage").is_none());
    let module = ptr(&s, "/packages/1");
    assert_eq!(
        module["licenseDeclared"], "NOASSERTION",
        "DocumentRef cannot resolve"
    );
    assert_eq!(module["supplier"], "Organization: A <a@x.org>, B <b@x.org>");
}

// ---------------------------------------------------------------------------
// Whole compositions, reproducibility, errors.
// ---------------------------------------------------------------------------

#[test]
fn a_composed_file_lists_every_node_once_with_its_digest() {
    let Some(path) = common::corpus_file("jco__runtime_simple-nested.component.wasm") else {
        return;
    };
    // What `tree` reports, from the binary.
    let out = common::run([
        "tree".as_ref(),
        "--format".as_ref(),
        "json".as_ref(),
        path.as_os_str(),
    ]);
    assert_eq!(
        common::code(&out),
        0,
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let tree: Value = serde_json::from_slice(&out.stdout).expect("tree JSON");
    let nodes = tree["files"][0]["nodes"].as_array().expect("nodes");
    assert!(nodes.len() > 10, "a real composition: {}", nodes.len());
    let digests: BTreeMap<&str, &str> = nodes
        .iter()
        .map(|n| {
            (
                n["path"].as_str().unwrap_or(""),
                n["digest"].as_str().unwrap_or(""),
            )
        })
        .collect();

    let a = analyze_path(&path).expect("analyse");
    let case = render_all("simple-nested", &a);
    let d = json(doc(&case, SbomFormat::CycloneDxJson));
    // Nested components: every node but the root, which is
    // metadata.component; crates (with purls) excluded.
    let nested: Vec<&Value> = all_components(&d)
        .into_iter()
        .filter(|c| c.get("purl").is_none())
        .collect();
    assert_eq!(
        nested.len(),
        nodes.len() - 1,
        "every node but the root, once"
    );
    let root = ptr(&d, "/metadata/component");
    for c in nested.iter().copied().chain([root]) {
        let path = property(c, names::PATH);
        let [path] = path.as_slice() else {
            panic!("one path per component: {c}")
        };
        let hash = ptr(c, "/hashes/0/content").as_str().unwrap_or_default();
        assert_eq!(format!("sha256:{hash}"), digests[path], "{path}");
    }
    let mut paths: Vec<&str> = nested
        .iter()
        .flat_map(|c| property(c, names::PATH))
        .collect();
    paths.sort();
    paths.dedup();
    assert_eq!(paths.len(), nodes.len() - 1, "no node twice");
    // Nesting follows the paths: a child sits in its parent's components.
    for c in all_components(&d) {
        let parent = property(c, names::PATH);
        for child in c["components"].as_array().into_iter().flatten() {
            let child_path = property(child, names::PATH);
            assert!(
                child_path[0].starts_with(parent[0]),
                "{} nested in {}",
                child_path[0],
                parent[0]
            );
        }
    }

    // SPDX: one package per node, checksums equal to the digests.
    let s = json(doc(&case, SbomFormat::SpdxJson));
    let packages = s["packages"].as_array().expect("packages");
    assert_eq!(packages.len(), nodes.len());
    let mut hashes: Vec<String> = packages
        .iter()
        .map(|p| {
            format!(
                "sha256:{}",
                ptr(p, "/checksums/0/checksumValue").as_str().unwrap_or("")
            )
        })
        .collect();
    let mut expected: Vec<String> = digests.values().map(|d| d.to_string()).collect();
    hashes.sort();
    expected.sort();
    assert_eq!(hashes, expected);
}

#[test]
fn the_same_input_and_timestamp_give_byte_identical_documents() {
    for (label, a) in [
        ("demo-app", metadata_fixture()),
        (
            "app.wasm",
            analyze_path(&repo("testdata/demo/app.wasm")).expect("demo"),
        ),
    ] {
        let first = render_all(label, &a);
        // A second analysis and model, so nothing is shared but the bytes.
        let again = match label {
            "demo-app" => metadata_fixture(),
            _ => analyze_path(&repo("testdata/demo/app.wasm")).expect("demo"),
        };
        let second = render_all(label, &again);
        for ((f, v, x), (_, _, y)) in first.docs.iter().zip(&second.docs) {
            assert!(x == y, "{label}: {f} {v:?} differs between two runs");
        }
        // Another timestamp changes the dates, nothing else.
        let later = sbom::build(&a, T + 86_400).expect("sbom");
        for f in SbomFormat::ALL {
            let x = String::from_utf8(doc(&first, f).to_vec()).expect("UTF-8");
            let y = String::from_utf8(
                sbom::render(&later, f, CycloneDxVersion::default()).expect("render"),
            )
            .expect("UTF-8");
            assert_eq!(
                x.replace(CREATED, "DATE"),
                y.replace("2023-11-15T22:13:20Z", "DATE"),
                "{label}: {f}"
            );
        }
    }
    // Identifiers come from the root digest, not from a counter or a clock.
    let a = analyze_path(&repo("testdata/demo/app.wasm")).expect("demo");
    let d = json(doc(&render_all("app", &a), SbomFormat::CycloneDxJson));
    let serial = d["serialNumber"].as_str().expect("serialNumber");
    assert!(
        serial.starts_with("urn:uuid:") && serial.len() == 45,
        "{serial}"
    );
    let other = analyze_path(&repo("testdata/demo/app-tampered.wasm")).expect("tampered");
    let e = json(doc(
        &render_all("tampered", &other),
        SbomFormat::CycloneDxJson,
    ));
    assert_ne!(d["serialNumber"], e["serialNumber"]);
}

#[test]
fn the_corpus_renders_in_every_format() {
    // Building the shared cases renders everything (and panics on an
    // error); this names the count.
    let cases = cases();
    let corpus = cases
        .iter()
        .filter(|c| c.label.starts_with("corpus/"))
        .count();
    eprintln!(
        "{} inputs ({corpus} from the corpus), {} documents, {} nodes",
        cases.len(),
        cases.len() * DOCS_PER_CASE,
        cases.iter().map(|c| c.nodes).sum::<usize>()
    );
    for case in cases {
        for (f, v, bytes) in &case.docs {
            assert!(!bytes.is_empty(), "{} {f} {v:?}", case.label);
        }
    }
}

#[test]
fn a_timestamp_past_year_9999_is_an_error_not_a_document() {
    let a = analyze_path(&repo("testdata/wat/nested.wat")).expect("nested");
    let model = sbom::build(&a, sbom::MAX_TIMESTAMP + 1).expect("sbom");
    for f in SbomFormat::ALL {
        match sbom::render(&model, f, CycloneDxVersion::V1_7) {
            Err(Error::Usage(why)) => assert!(why.contains("9999"), "{why}"),
            other => panic!("{f}: expected an error, got {:?}", other.map(|b| b.len())),
        }
    }
}

#[test]
fn docs_table_names_every_property() {
    let text = std::fs::read_to_string(repo("docs/sbom.md")).expect("docs/sbom.md");
    let documented: Vec<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("| `wasm-audit:"))
        .filter_map(|rest| rest.split('`').next())
        .collect();
    let documented: Vec<String> = documented
        .iter()
        .map(|n| format!("wasm-audit:{n}"))
        .collect();
    assert_eq!(documented, names::ALL, "docs/sbom.md's table, in order");
    // And nothing else is written.
    for case in cases().iter().filter(|c| !c.label.starts_with("corpus/")) {
        let d = json(doc(case, SbomFormat::CycloneDxJson));
        for c in all_components(&d)
            .into_iter()
            .chain([ptr(&d, "/metadata/component")])
        {
            for p in c["properties"].as_array().into_iter().flatten() {
                let name = p["name"].as_str().unwrap_or_default();
                assert!(
                    names::ALL.contains(&name),
                    "{}: undocumented {name}",
                    case.label
                );
            }
        }
    }
}

/// The time to write all four formats (CycloneDX in the default version)
/// for the largest corpus component.
/// Run with `cargo test --release --test sbom -- --ignored --nocapture`.
#[test]
#[ignore]
fn time_the_largest_component() {
    let Some(path) = common::corpus_file("jco__p3_yield_async-yield-caller.wasm") else {
        return;
    };
    let start = std::time::Instant::now();
    let a = analyze_path(&path).expect("analyse");
    let analysed = start.elapsed();
    let runs = 10;
    let start = std::time::Instant::now();
    let mut bytes = 0;
    for _ in 0..runs {
        let model = sbom::build(&a, T).expect("sbom");
        for f in SbomFormat::ALL {
            bytes += sbom::render(&model, f, CycloneDxVersion::default())
                .expect("render")
                .len();
        }
    }
    let per_run = start.elapsed() / runs;
    // A synthetic composition far bigger than any in the corpus: 100
    // components of 10 modules each, every module with a `.dep-v0`.
    let module = format!(
        "(core module (@custom \".dep-v0\" \"{}\") (func (export \"f\")))",
        wat_bytes(&dep_v0())
    );
    let component = format!("(component {})", module.repeat(10));
    let big = analyze_wat("big.wat", &format!("(component {})", component.repeat(100)));
    let start = std::time::Instant::now();
    let model = sbom::build(&big, T).expect("sbom");
    let big_bytes: usize = SbomFormat::ALL
        .into_iter()
        .map(|f| {
            sbom::render(&model, f, CycloneDxVersion::default())
                .expect("render")
                .len()
        })
        .sum();
    eprintln!(
        "synthetic: {} nodes, {} crates: model + four formats {:?} ({big_bytes} bytes)",
        big.nodes.len(),
        model.crates.len(),
        start.elapsed()
    );
    eprintln!(
        "{}: {} nodes; analysis {analysed:?}; model + CycloneDX JSON + XML + SPDX 2.3 + SPDX 3: {per_run:?} per run ({} bytes)",
        file_name(&path),
        a.nodes.len(),
        bytes / runs as usize
    );
}

// ---------------------------------------------------------------------------
// Vulnerabilities, and a Dependency-Track-style lint of every document.
// ---------------------------------------------------------------------------

#[test]
fn a_vulnerable_crate_of_the_second_module_is_a_cyclonedx_vulnerability_affecting_its_bom_ref() {
    if advisories().is_none() {
        return;
    }
    let case = cases()
        .iter()
        .find(|c| c.label == "built/vulnerable")
        .expect("the vulnerable fixture");
    for version in CycloneDxVersion::ALL {
        vulnerable_fixture_in(case, version);
    }
    spdx3_of_the_vulnerable_fixture(case);

    // The patched version: no vulnerability at all.
    let fixed = common::advisory_fixture("1.6.1", true);
    let a = wasm_audit::analyze_bytes("fixed.wasm", &fixed, &Options::default()).expect("analyse");
    let fixed = render_all("fixed", &a);
    for version in CycloneDxVersion::ALL {
        let d = json(doc_in(&fixed, SbomFormat::CycloneDxJson, version));
        assert!(
            d.get("vulnerabilities").is_none(),
            "{version}: {:#}",
            d["vulnerabilities"]
        );
    }
    let d = json(doc(&fixed, SbomFormat::Spdx3Json));
    assert!(
        !d.to_string().contains("security_Vulnerability"),
        "SPDX 3 of the patched version"
    );
}

fn graph_of<'a>(d: &'a Value, kind: &str) -> Vec<&'a Value> {
    d["@graph"]
        .as_array()
        .expect("@graph")
        .iter()
        .filter(|e| e["type"] == kind)
        .collect()
}

fn spdx3_of_the_vulnerable_fixture(case: &Case) {
    let d = json(doc(case, SbomFormat::Spdx3Json));
    assert_eq!(
        d["@context"],
        "https://spdx.org/rdf/3.0.1/spdx-context.jsonld"
    );
    let vulns = graph_of(&d, "security_Vulnerability");
    assert_eq!(vulns.len(), 1, "{vulns:#?}");
    let ids: Vec<(&str, &str)> = vulns[0]["externalIdentifier"]
        .as_array()
        .expect("externalIdentifier")
        .iter()
        .map(|i| {
            (
                i["externalIdentifierType"].as_str().unwrap_or(""),
                i["identifier"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert!(
        ids.contains(&("securityOther", "RUSTSEC-2021-0003")),
        "{ids:?}"
    );
    assert!(ids.contains(&("cve", "CVE-2021-25900")), "{ids:?}");
    assert!(
        ids.contains(&("securityOther", "GHSA-43w2-9j62-hq99")),
        "{ids:?}"
    );
    let smallvec = graph_of(&d, "software_Package")
        .into_iter()
        .find(|p| p["name"] == "smallvec")
        .expect("the smallvec package");
    assert_eq!(smallvec["software_packageUrl"], "pkg:cargo/smallvec@1.6.0");
    let vex = graph_of(&d, "security_VexAffectedVulnAssessmentRelationship");
    assert_eq!(vex.len(), 1);
    assert_eq!(vex[0]["from"], vulns[0]["spdxId"]);
    assert_eq!(vex[0]["relationshipType"], "affects");
    assert_eq!(vex[0]["to"], serde_json::json!([smallvec["spdxId"]]));
    assert!(
        vex[0]["security_actionStatement"]
            .as_str()
            .is_some_and(|r| r.contains(">= 1.6.1")),
        "{:#}",
        vex[0]
    );
    let cvss = graph_of(&d, "security_CvssV3VulnAssessmentRelationship");
    assert_eq!(cvss.len(), 1);
    assert_eq!(cvss[0]["security_severity"], "critical");
    assert_eq!(
        cvss[0]["security_score"]
            .as_f64()
            .map(|s| (s * 10.0).round()),
        Some(98.0)
    );
    // The unmaintained crate is a package, never a vulnerability.
    assert!(graph_of(&d, "software_Package")
        .iter()
        .any(|p| p["name"] == "ansi_term"));
}

fn vulnerable_fixture_in(case: &Case, version: CycloneDxVersion) {
    let d = json(doc_in(case, SbomFormat::CycloneDxJson, version));
    assert_eq!(d["specVersion"], version.as_str());
    let vulns = d["vulnerabilities"].as_array().expect("vulnerabilities");
    // Unmaintained is a check finding, not a vulnerability.
    assert_eq!(vulns.len(), 1, "{vulns:#?}");
    let v = &vulns[0];
    assert_eq!(v["id"], "RUSTSEC-2021-0003");
    assert_eq!(ptr(v, "/source/name"), "OSV");
    let smallvec = all_components(&d)
        .into_iter()
        .find(|c| c["name"] == "smallvec")
        .expect("the smallvec crate component");
    assert_eq!(smallvec["version"], "1.6.0");
    assert_eq!(smallvec["purl"], "pkg:cargo/smallvec@1.6.0");
    assert_eq!(ptr(v, "/affects/0/ref"), &smallvec["bom-ref"]);
    assert_eq!(ptr(v, "/affects/0/versions/0/status"), "affected");
    assert_eq!(property(v, names::FOUND_IN), vec!["/module[1]"]);
    // NVD's base score of CVE-2021-25900 for this vector.
    assert_eq!(
        ptr(v, "/ratings/0/vector"),
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"
    );
    assert_eq!(
        ptr(v, "/ratings/0/score")
            .as_f64()
            .map(|s| (s * 10.0).round()),
        Some(98.0)
    );
    assert_eq!(ptr(v, "/ratings/0/severity"), "critical");
    assert_eq!(ptr(v, "/ratings/0/method"), "CVSSv31");
    assert!(
        v["recommendation"]
            .as_str()
            .is_some_and(|r| r.contains(">= 1.6.1")),
        "{v:#}"
    );
    let refs: Vec<&str> = v["references"]
        .as_array()
        .expect("references")
        .iter()
        .filter_map(|r| r["id"].as_str())
        .collect();
    assert_eq!(refs, vec!["CVE-2021-25900", "GHSA-43w2-9j62-hq99"]);
    // The evidence of the crate's identity: the `.dep-v0` of the second
    // module, with the section's offset from 1.6 on.
    let evidence = &smallvec["evidence"];
    let identity = if version == CycloneDxVersion::V1_5 {
        &evidence["identity"]
    } else {
        &evidence["identity"][0]
    };
    assert_eq!(identity["field"], "purl", "{evidence:#}");
    assert_eq!(ptr(identity, "/methods/0/technique"), "binary-analysis");
    assert_eq!(ptr(evidence, "/occurrences/0/location"), "/module[1]");
    let offset = evidence.pointer("/occurrences/0/offset");
    if version == CycloneDxVersion::V1_5 {
        assert!(offset.is_none(), "1.5 has no occurrence offset");
    } else {
        let module = by_path(&d, "/module[1]");
        let start: u64 = property(module, names::OFFSET)[0].parse().expect("offset");
        let size: u64 = property(module, names::SIZE)[0].parse().expect("size");
        let at = offset.and_then(Value::as_u64).expect("an offset");
        assert!(
            at > start && at < start + size,
            "{at} within the module at {start}"
        );
    }
    assert_eq!(ptr(&d, "/metadata/lifecycles/0/phase"), "post-build");
    let xml =
        String::from_utf8(doc_in(case, SbomFormat::CycloneDxXml, version).to_vec()).expect("UTF-8");
    assert!(
        xml.contains("<vulnerability bom-ref=\"vulnerability-RUSTSEC-2021-0003\">"),
        "{xml}"
    );
    assert!(
        xml.contains(&format!(
            "xmlns=\"http://cyclonedx.org/schema/bom/{version}\""
        )),
        "{version}"
    );
}

#[test]
fn cyclonedx_1_7_lists_imported_interfaces_as_external_components() {
    let case = cases()
        .iter()
        .find(|c| c.label == "testdata/demo/app.wasm")
        .expect("the demo");
    let d17 = json(doc_in(
        case,
        SbomFormat::CycloneDxJson,
        CycloneDxVersion::V1_7,
    ));
    let external: Vec<&Value> = all_components(&d17)
        .into_iter()
        .filter(|c| c["isExternal"] == true)
        .collect();
    assert!(!external.is_empty(), "the demo imports interfaces");
    let root_imports = property(ptr(&d17, "/metadata/component"), names::IMPORT);
    for c in &external {
        assert!(
            root_imports.contains(&c["name"].as_str().unwrap_or("")),
            "{c:#}"
        );
    }
    let root_ref = ptr(&d17, "/metadata/component/bom-ref");
    let root_deps = d17["dependencies"]
        .as_array()
        .expect("dependencies")
        .iter()
        .find(|d| &d["ref"] == root_ref)
        .expect("the root's dependencies");
    for c in &external {
        assert!(
            root_deps["dependsOn"]
                .as_array()
                .is_some_and(|on| on.contains(&c["bom-ref"])),
            "{c:#}"
        );
    }
    // Not before 1.7: the field does not exist there.
    for v in [CycloneDxVersion::V1_5, CycloneDxVersion::V1_6] {
        let text =
            String::from_utf8(doc_in(case, SbomFormat::CycloneDxJson, v).to_vec()).expect("UTF-8");
        assert!(!text.contains("isExternal"), "{v}");
    }
}

/// A package URL as the purl specification writes it:
/// `pkg:type/namespace/name@version?qualifiers#subpath`, its type
/// lowercase letters, digits, `.`, `+`, `-` and its name not empty; every
/// `%` starts a two-digit escape.
fn purl_parses(purl: &str) -> Result<(), String> {
    let rest = purl.strip_prefix("pkg:").ok_or("no pkg: scheme")?;
    let (ty, rest) = rest.split_once('/').ok_or("no type")?;
    if ty.is_empty()
        || !ty
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || ".+-".contains(c))
    {
        return Err(format!("bad type {ty:?}"));
    }
    let rest = rest.split('#').next().unwrap_or("");
    let rest = rest.split('?').next().unwrap_or("");
    let (path, version) = match rest.rsplit_once('@') {
        Some((p, v)) => (p, Some(v)),
        None => (rest, None),
    };
    let name = path.rsplit('/').next().unwrap_or("");
    if name.is_empty() {
        return Err("empty name".into());
    }
    if version == Some("") {
        return Err("empty version".into());
    }
    let bytes = purl.as_bytes();
    for (i, b) in bytes.iter().enumerate() {
        if *b == b'%' {
            let ok = bytes
                .get(i + 1..i + 3)
                .is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit));
            if !ok {
                return Err(format!("bad escape at {i}"));
            }
        }
        if b.is_ascii_whitespace() || *b < 0x20 {
            return Err("whitespace or control character".into());
        }
    }
    Ok(())
}

/// What Dependency-Track needs to import a CycloneDX document without
/// losing anything: every purl parses, bom-refs are unique, and every
/// dependency and `affects` reference resolves to a component.
fn dependency_track_lint(d: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    let mut refs = std::collections::BTreeSet::new();
    let mut components: Vec<&Value> = all_components(d);
    components.extend(d.pointer("/metadata/component"));
    for c in &components {
        if let Some(r) = c["bom-ref"].as_str() {
            if !refs.insert(r.to_string()) {
                problems.push(format!("duplicate bom-ref {r}"));
            }
        }
        if let Some(p) = c["purl"].as_str() {
            if let Err(e) = purl_parses(p) {
                problems.push(format!("purl {p}: {e}"));
            }
        }
    }
    for dep in d["dependencies"].as_array().into_iter().flatten() {
        for r in
            std::iter::once(&dep["ref"]).chain(dep["dependsOn"].as_array().into_iter().flatten())
        {
            if !r.as_str().is_some_and(|r| refs.contains(r)) {
                problems.push(format!("dependency ref {r} resolves to no component"));
            }
        }
    }
    for v in d["vulnerabilities"].as_array().into_iter().flatten() {
        if let Some(r) = v["bom-ref"].as_str() {
            if refs.contains(r) {
                problems.push(format!("vulnerability bom-ref {r} is also a component's"));
            }
        }
        for a in v["affects"].as_array().into_iter().flatten() {
            if !a["ref"].as_str().is_some_and(|r| refs.contains(r)) {
                problems.push(format!("affects ref {} resolves to no component", a["ref"]));
            }
        }
    }
    problems
}

#[test]
fn every_cyclonedx_document_passes_a_dependency_track_style_lint() {
    let mut checked = 0;
    for case in cases() {
        for version in CycloneDxVersion::ALL {
            let d = json(doc_in(case, SbomFormat::CycloneDxJson, version));
            let problems = dependency_track_lint(&d);
            assert!(
                problems.is_empty(),
                "{} {version}: {problems:#?}",
                case.label
            );
            checked += 1;
        }
    }
    assert!(checked >= 10, "{checked}");
    // The lint finds what it looks for.
    let mut broken = json(doc(&cases()[0], SbomFormat::CycloneDxJson));
    broken["dependencies"][0]["dependsOn"] = serde_json::json!(["nowhere"]);
    broken["components"][0]["purl"] = serde_json::json!("pkg:cargo/x@1.0%zz");
    let problems = dependency_track_lint(&broken);
    assert!(
        problems.iter().any(|p| p.contains("nowhere")),
        "{problems:?}"
    );
    assert!(
        problems.iter().any(|p| p.contains("bad escape")),
        "{problems:?}"
    );
    assert!(purl_parses("pkg:cargo/smallvec@1.6.0").is_ok());
    assert!(purl_parses("pkg:/x").is_err() && purl_parses("cargo/x").is_err());
}

/// Advisory fields written to trip the writers up: aliases with markup and
/// escape sequences, a date that is no date, a `javascript:` URL, a CVSS
/// 4.0 vector (no score computed), a CVSS 3.1 vector without its base
/// metrics, no patched
/// version. Every document still validates (with the Python validators
/// too), and nothing of the hostile fields reaches it as a URL, date or
/// rating.
#[test]
fn hostile_advisories_give_valid_documents() {
    let db_dir = tempfile::tempdir().expect("tempdir");
    let crate_dir = db_dir.path().join("crates/smallvec");
    std::fs::create_dir_all(&crate_dir).expect("mkdir");
    std::fs::write(
        crate_dir.join("RUSTSEC-2099-0001.md"),
        r#"```toml
[advisory]
id = "RUSTSEC-2099-0001"
package = "smallvec"
aliases = ["CVE-2099-0001", "GHSA-<script>&\"", "CVE-2099-\u001b[2J", "OSV-2099-1"]
cvss = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"
date = "2099-13-45"
url = "javascript:alert(1)"

[versions]
patched = [">= 9.9.9"]
```

# Evil ]]> <b>&amp; title
"#,
    )
    .expect("write");
    std::fs::write(
        crate_dir.join("RUSTSEC-2099-0002.md"),
        r#"```toml
[advisory]
id = "RUSTSEC-2099-0002"
package = "smallvec"
cvss = "CVSS:3.1/AV:N/AC:L"
date = "2099-01-01"

[versions]
patched = []
```

# Second
"#,
    )
    .expect("write");
    let db =
        wasm_audit::advisory::Database::open(db_dir.path()).expect("the hostile database loads");
    let bytes = common::advisory_fixture("1.6.0", false);
    let a = wasm_audit::analyze_bytes("hostile-advisories.wasm", &bytes, &Options::default())
        .expect("analyse");
    let mut model = sbom::build(&a, T).expect("sbom");
    model.add_advisories(&a, &db);
    assert_eq!(model.vulnerabilities.len(), 2);
    let out = tempfile::tempdir().expect("tempdir");
    let docs = render_every_format("hostile", &model);
    for (f, v, bytes) in &docs {
        std::fs::write(out.path().join(file_name_of("hostile", *f, *v)), bytes).expect("write");
    }
    assert_eq!(docs.len(), DOCS_PER_CASE);
    let d = json(&std::fs::read(out.path().join("hostile.cdx.json")).expect("read"));
    let vulns = d["vulnerabilities"].as_array().expect("vulnerabilities");
    let first = &vulns[0];
    assert_eq!(first["id"], "RUSTSEC-2099-0001");
    let refs: Vec<&str> = first["references"]
        .as_array()
        .expect("references")
        .iter()
        .filter_map(|r| r["id"].as_str())
        .collect();
    assert_eq!(refs, vec!["CVE-2099-0001"], "hostile aliases are dropped");
    assert!(first.get("published").is_none(), "no date from 2099-13-45");
    let text = first.to_string();
    assert!(!text.contains("javascript:"), "{text}");
    assert_eq!(ptr(first, "/ratings/0/method"), "CVSSv4");
    // 9.3 as the Python `cvss` package computes it for this vector.
    assert_eq!(
        first.pointer("/ratings/0/score"),
        Some(&serde_json::json!(9.3))
    );
    assert_eq!(ptr(first, "/ratings/0/severity"), "critical");
    let second = &vulns[1];
    assert!(
        second.get("ratings").is_none(),
        "a malformed vector is no rating"
    );
    assert!(
        second["recommendation"]
            .as_str()
            .is_some_and(|r| r.starts_with("No patched version")),
        "{second:#}"
    );
    let d3 = json(&std::fs::read(out.path().join("hostile.spdx3.json")).expect("read"));
    assert!(graph_of(&d3, "security_CvssV3VulnAssessmentRelationship").is_empty());
    let v4 = graph_of(&d3, "security_CvssV4VulnAssessmentRelationship");
    assert_eq!(v4.len(), 1, "{d3:#}");
    assert_eq!(v4[0]["security_score"], serde_json::json!(9.3));
    assert_eq!(v4[0]["security_severity"], "critical");
    assert_eq!(
        graph_of(&d3, "security_VexAffectedVulnAssessmentRelationship").len(),
        2
    );
    assert_validators_accept(out.path(), DOCS_PER_CASE);
}

#[test]
fn spdx3_has_a_package_and_a_file_per_node_and_the_nesting_as_contains() {
    let case = cases()
        .iter()
        .find(|c| c.label == "testdata/demo/app.wasm")
        .expect("the demo");
    let d = json(doc(case, SbomFormat::Spdx3Json));
    let creation = graph_of(&d, "CreationInfo");
    assert_eq!(creation.len(), 1);
    assert_eq!(creation[0]["specVersion"], "3.0.1");
    assert_eq!(creation[0]["created"], CREATED);
    let docs = graph_of(&d, "SpdxDocument");
    assert_eq!(docs.len(), 1);
    assert_eq!(
        docs[0]["profileConformance"],
        serde_json::json!(["core", "software", "security"])
    );
    let sbom_el = graph_of(&d, "software_Sbom");
    assert_eq!(
        docs[0]["rootElement"],
        serde_json::json!([sbom_el[0]["spdxId"]])
    );
    let files = graph_of(&d, "software_File");
    assert_eq!(files.len(), case.nodes, "a file per node");
    for f in &files {
        let hash = f["verifiedUsing"][0]["hashValue"].as_str().unwrap_or("");
        assert_eq!(hash.len(), 64, "{f:#}");
        assert_eq!(f["verifiedUsing"][0]["algorithm"], "sha256");
    }
    assert!(
        files.iter().any(|f| f["name"] == "app.wasm"),
        "the root file by its name"
    );
    let packages = graph_of(&d, "software_Package");
    let root = packages
        .iter()
        .find(|p| Some(&p["spdxId"]) == sbom_el[0]["rootElement"].get(0))
        .expect("the Sbom's root is a package");
    assert_eq!(root["software_primaryPurpose"], "application");
    let relationships = graph_of(&d, "Relationship");
    let of = |kind: &str| -> Vec<&&Value> {
        relationships
            .iter()
            .filter(|r| r["relationshipType"] == kind)
            .collect()
    };
    assert_eq!(of("hasDistributionArtifact").len(), case.nodes);
    let contained: usize = of("contains")
        .iter()
        .map(|r| r["to"].as_array().map_or(0, Vec::len))
        .sum();
    assert_eq!(
        contained,
        case.nodes - 1,
        "every node but the root is contained once"
    );
}
