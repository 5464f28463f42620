//! The SBOM commands end to end: `sbom -o`, `check --sbom FORMAT=PATH`,
//! reproducibility with SOURCE_DATE_EPOCH, and no partial output file when
//! a run fails. (The documents themselves are validated in tests/sbom.rs.)

use crate::common;
use crate::common::repo;

use std::path::Path;

fn sbom(input: &Path, format: &str, out: &Path, epoch: &str) -> std::process::Output {
    common::bin()
        .env("SOURCE_DATE_EPOCH", epoch)
        .arg("sbom")
        .arg(input)
        .args(["--format", format, "-o"])
        .arg(out)
        .output()
        .expect("run")
}

#[test]
fn sbom_files_are_reproducible_and_complete() {
    let dir = tempfile::tempdir().unwrap();
    let demo = repo("testdata/demo/app.wasm");
    for format in ["cyclonedx-json", "cyclonedx-xml", "spdx-json", "spdx3-json"] {
        let a = dir.path().join(format!("a.{format}"));
        let b = dir.path().join(format!("b.{format}"));
        assert_eq!(common::code(&sbom(&demo, format, &a, "1700000000")), 0);
        assert_eq!(common::code(&sbom(&demo, format, &b, "1700000000")), 0);
        let (a, b) = (std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
        assert_eq!(
            a, b,
            "{format}: same input and SOURCE_DATE_EPOCH, same bytes"
        );
        let text = String::from_utf8(a).unwrap();
        assert!(
            text.contains("2023-11-14T22:13:20Z"),
            "{format}: timestamp from SOURCE_DATE_EPOCH"
        );
        let root = wasm_audit::digest::sha256(&std::fs::read(&demo).unwrap());
        assert!(
            text.contains(root.trim_start_matches("sha256:")),
            "{format}: root digest"
        );
    }
    // A malformed SOURCE_DATE_EPOCH is an error, not a silent clock.
    let out = sbom(&demo, "spdx-json", &dir.path().join("x.json"), "yesterday");
    assert_eq!(common::code(&out), 2);
    assert!(!dir.path().join("x.json").exists());
}

#[test]
fn check_writes_sboms_in_the_same_run() {
    let dir = tempfile::tempdir().unwrap();
    let cdx = dir.path().join("app.cdx.json");
    let spdx = dir.path().join("app.spdx.json");
    let out = common::bin()
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "check",
            "testdata/demo/app.wasm",
            "--policy",
            "testdata/demo/wasm-audit.toml",
        ])
        .arg("--sbom")
        .arg(format!("cyclonedx-json={}", cdx.display()))
        .arg("--sbom")
        .arg(format!("spdx-json={}", spdx.display()))
        .output()
        .unwrap();
    assert_eq!(
        common::code(&out),
        0,
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&cdx).unwrap()).unwrap();
    assert_eq!(doc["bomFormat"], "CycloneDX");
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&spdx).unwrap()).unwrap();
    assert_eq!(doc["spdxVersion"], "SPDX-2.3");
    // The same document as `sbom` writes.
    let alone = dir.path().join("alone.cdx.json");
    assert_eq!(
        common::code(&sbom(
            &repo("testdata/demo/app.wasm"),
            "cyclonedx-json",
            &alone,
            "1700000000"
        )),
        0
    );
    let a: serde_json::Value = serde_json::from_slice(&std::fs::read(&alone).unwrap()).unwrap();
    let b: serde_json::Value = serde_json::from_slice(&std::fs::read(&cdx).unwrap()).unwrap();
    assert_eq!(a["components"], b["components"]);
    assert_eq!(a["serialNumber"], b["serialNumber"]);

    // Several inputs need `{}` in the path.
    let out = common::bin()
        .args(["check"])
        .arg(repo("testdata/demo/app.wasm"))
        .arg(repo("testdata/demo/app-tampered.wasm"))
        .arg("--sbom")
        .arg(format!(
            "spdx-json={}",
            dir.path().join("one.json").display()
        ))
        .output()
        .unwrap();
    assert_eq!(common::code(&out), 2);
    let out = common::bin()
        .args(["check"])
        .arg(repo("testdata/demo/app.wasm"))
        .arg(repo("testdata/demo/app-tampered.wasm"))
        .arg("--sbom")
        .arg(format!("spdx-json={}/{{}}.spdx.json", dir.path().display()))
        .output()
        .unwrap();
    assert_eq!(
        common::code(&out),
        1,
        "no trust set: the audit fails, the SBOMs are written"
    );
    assert!(dir.path().join("app.wasm.spdx.json").exists());
    assert!(dir.path().join("app-tampered.wasm.spdx.json").exists());
}

#[test]
fn a_failing_run_leaves_no_sbom_and_keeps_an_existing_one() {
    let dir = tempfile::tempdir().unwrap();
    let out_file = dir.path().join("app.cdx.json");
    std::fs::write(&out_file, b"previous complete document").unwrap();
    // A malformed input: the run fails before anything is written.
    let bad = dir.path().join("bad.wasm");
    std::fs::write(&bad, b"\0asm\x0d\0\x01\0\x01\xff").unwrap();
    let out = sbom(&bad, "cyclonedx-json", &out_file, "1700000000");
    assert_eq!(common::code(&out), 2);
    assert_eq!(
        std::fs::read(&out_file).unwrap(),
        b"previous complete document"
    );
    // An unwritable destination (a missing directory): exit 2, nothing there.
    let nowhere = dir.path().join("missing/app.cdx.json");
    let out = sbom(
        &repo("testdata/demo/app.wasm"),
        "cyclonedx-json",
        &nowhere,
        "1700000000",
    );
    assert_eq!(common::code(&out), 2);
    assert!(!nowhere.exists());
    let leftovers = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with(".wasm-audit-"))
        .count();
    assert_eq!(leftovers, 0);
    // The input itself is never the output.
    let input = dir.path().join("in.wasm");
    std::fs::copy(repo("testdata/demo/app.wasm"), &input).unwrap();
    let out = sbom(&input, "spdx-json", &input, "1700000000");
    assert_eq!(common::code(&out), 2);
    assert_eq!(
        std::fs::read(&input).unwrap(),
        std::fs::read(repo("testdata/demo/app.wasm")).unwrap()
    );
}

#[test]
fn the_cyclonedx_version_flag_picks_the_specification_on_sbom_and_check() {
    let dir = tempfile::tempdir().unwrap();
    let demo = repo("testdata/demo/app.wasm");
    for (flag, expected) in [(None, "1.6"), (Some("1.5"), "1.5"), (Some("1.7"), "1.7")] {
        let mut cmd = common::bin();
        cmd.env("SOURCE_DATE_EPOCH", "1700000000")
            .arg("sbom")
            .arg(&demo);
        if let Some(v) = flag {
            cmd.args(["--cyclonedx-version", v]);
        }
        let out = cmd.output().unwrap();
        assert_eq!(
            common::code(&out),
            0,
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let d: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(d["specVersion"], expected);
        assert_eq!(
            d["$schema"],
            format!("http://cyclonedx.org/schema/bom-{expected}.schema.json")
        );
        // XML: the namespace of the version.
        let mut cmd = common::bin();
        cmd.env("SOURCE_DATE_EPOCH", "1700000000")
            .arg("sbom")
            .arg(&demo)
            .args(["-f", "cyclonedx-xml"]);
        if let Some(v) = flag {
            cmd.args(["--cyclonedx-version", v]);
        }
        let out = cmd.output().unwrap();
        assert_eq!(common::code(&out), 0);
        let xml = String::from_utf8(out.stdout).unwrap();
        let x = roxmltree::Document::parse(&xml).expect("XML");
        assert_eq!(
            x.root_element().tag_name().namespace(),
            Some(format!("http://cyclonedx.org/schema/bom/{expected}").as_str())
        );
    }
    // check --sbom: the same flag, and SPDX 3 beside SPDX 2.3.
    let cdx = dir.path().join("app.cdx.json");
    let spdx3 = dir.path().join("app.spdx3.json");
    let out = common::bin()
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "check",
            "testdata/demo/app.wasm",
            "--policy",
            "testdata/demo/wasm-audit.toml",
            "--cyclonedx-version",
            "1.7",
        ])
        .arg("--sbom")
        .arg(format!("cyclonedx-json={}", cdx.display()))
        .arg("--sbom")
        .arg(format!("spdx3-json={}", spdx3.display()))
        .output()
        .unwrap();
    assert_eq!(
        common::code(&out),
        0,
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let d: serde_json::Value = serde_json::from_slice(&std::fs::read(&cdx).unwrap()).unwrap();
    assert_eq!(d["specVersion"], "1.7");
    let d: serde_json::Value = serde_json::from_slice(&std::fs::read(&spdx3).unwrap()).unwrap();
    assert_eq!(
        d["@context"],
        "https://spdx.org/rdf/3.0.1/spdx-context.jsonld"
    );
    // An unknown version is a usage error: exit 2, nothing written.
    let out_file = dir.path().join("x.cdx.json");
    let out = common::bin()
        .arg("sbom")
        .arg(&demo)
        .args(["--cyclonedx-version", "1.4", "-o"])
        .arg(&out_file)
        .output()
        .unwrap();
    assert_eq!(common::code(&out), 2);
    assert!(String::from_utf8_lossy(&out.stderr).contains("1.5, 1.6 or 1.7"));
    assert!(!out_file.exists());
}
