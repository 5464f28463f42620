//! The commands in `docs/ci.md` are run against the demo, so the CI
//! recipes in the documentation stay correct.

mod common;

use std::path::{Path, PathBuf};

fn repo(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// Every `wasm-audit ...` command line in the document's code blocks.
fn commands(doc: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_block = false;
    for line in doc.lines() {
        if line.trim_start().starts_with("```") {
            in_block = !in_block;
            continue;
        }
        if !in_block {
            continue;
        }
        let t = line.trim_start();
        let t = t.strip_prefix("- ").unwrap_or(t);
        let t = t.strip_prefix("run: ").unwrap_or(t);
        if t.starts_with("wasm-audit ") {
            out.push(t.to_string());
        }
    }
    out
}

#[test]
fn ci_recipes_run_against_the_demo() {
    let doc = std::fs::read_to_string(repo("docs/ci.md")).expect("docs/ci.md");
    let cmds = commands(&doc);
    assert!(cmds.len() >= 4, "{cmds:#?}");
    let dir = tempfile::tempdir().expect("tempdir");
    for (from, to) in [
        ("app.wasm", "app.wasm"),
        ("wasm-audit.toml", "wasm-audit.toml"),
        ("trusted.json", "trusted.json"),
        ("trusted.json.sig", "trusted.json.sig"),
        ("cosign.pub", "cosign.pub"),
    ] {
        std::fs::copy(repo("testdata/demo").join(from), dir.path().join(to)).expect("copy demo");
    }
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_wasm-audit"))
        .parent()
        .expect("bin dir");
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let summary = dir.path().join("step-summary.md");
    for cmd in &cmds {
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(cmd)
            .current_dir(dir.path())
            .env("PATH", &path)
            .env("GITHUB_STEP_SUMMARY", &summary)
            .output()
            .expect("sh");
        assert!(
            out.status.success(),
            "{cmd}: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // What the recipes promise to produce.
    let sarif: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("wasm-audit.sarif")).expect("sarif"))
            .expect("json");
    assert_eq!(sarif["version"], "2.1.0");
    let junit = std::fs::read_to_string(dir.path().join("wasm-audit.junit.xml")).expect("junit");
    roxmltree::Document::parse(&junit).expect("junit is XML");
    let md = std::fs::read_to_string(&summary).expect("summary");
    assert!(md.starts_with("## ✅ wasm-audit: PASS"), "{md}");
    assert!(dir.path().join("audit.md").exists());
    let cdx: serde_json::Value = serde_json::from_slice(
        &std::fs::read(dir.path().join("wasm-audit.cdx.json")).expect("cdx"),
    )
    .expect("json");
    assert_eq!(cdx["bomFormat"], "CycloneDX");
    let spdx: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("app.spdx.json")).expect("spdx"))
            .expect("json");
    assert_eq!(spdx["spdxVersion"], "SPDX-2.3");
    assert!(dir.path().join("app.cdx.json").exists());
}
