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

/// The fixtures an example may name, made in `dir` from the demo: a
/// composition and its parts, the signed demo set and policy, a signed
/// `spin.toml` pinning the composition, old and new versions for `diff`.
/// Only those whose name the example mentions are laid down, so that an
/// example that writes a policy or a set starts from nothing.
fn lay_fixtures(dir: &Path, text: &str) {
    let demo = repo("testdata/demo");
    let bin = env!("CARGO_BIN_EXE_wasm-audit");
    let copy = |from: PathBuf, to: &str| {
        std::fs::copy(&from, dir.join(to)).unwrap_or_else(|e| panic!("{}: {e}", from.display()));
    };
    let mentions = |name: &str| text.contains(name);
    let mut policy = false;
    for (name, from) in [
        ("app.wasm", demo.join("app.wasm")),
        ("a.wasm", demo.join("app.wasm")),
        ("b.wasm", demo.join("app.wasm")),
        ("old.wasm", demo.join("app.wasm")),
        ("new.wasm", demo.join("app-tampered.wasm")),
        ("component.wat", repo("testdata/wat/nested.wat")),
        ("key.pem", demo.join("test-key.pem")),
    ] {
        if mentions(name) {
            copy(from, name);
        }
    }
    if mentions("*.wasm") {
        copy(demo.join("app.wasm"), "app.wasm");
    }
    if mentions("plug.wasm") {
        let out = std::process::Command::new(bin)
            .args(["extract", "--node", "/component[0]", "-o", "plug.wasm"])
            .arg(demo.join("app.wasm"))
            .current_dir(dir)
            .output()
            .expect("extract");
        assert!(out.status.success(), "plug.wasm");
    }
    if mentions("wasm-audit.toml") && !mentions("wasm-audit init") {
        policy = true;
        copy(demo.join("wasm-audit.toml"), "wasm-audit.toml");
    }
    // The demo's signed set goes with its policy, or when an example uses
    // it without making its own.
    let makes_set = mentions("> trusted.json\n") || mentions("> trusted.json ");
    if policy || (mentions("trusted.json.sig") && !makes_set) {
        for f in ["trusted.json", "trusted.json.sig", "cosign.pub"] {
            copy(demo.join(f), f);
        }
    }
    if mentions("cosign.pub") && !dir.join("cosign.pub").exists() && !mentions("generate-key-pair")
    {
        copy(demo.join("cosign.pub"), "cosign.pub");
    }
    if mentions("spin.toml") {
        let digest = common::sha256(&std::fs::read(demo.join("app.wasm")).expect("app"));
        let spin = format!(
            "spin_manifest_version = 2\n\n[application]\nname = \"demo\"\n\n[component.app]\nsource = {{ url = \"https://example.com/app.wasm\", digest = \"{digest}\" }}\n"
        );
        std::fs::write(dir.join("spin.toml"), spin).expect("spin.toml");
        // Signed with the demo's test key, as `openssl dgst` does.
        let signed = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!(
                "openssl dgst -sha256 -sign '{}' spin.toml | base64 -w0 > spin.toml.sig",
                demo.join("test-key.pem").display()
            ))
            .current_dir(dir)
            .status()
            .is_ok_and(|s| s.success());
        assert!(signed || !has_program("openssl"), "signing spin.toml");
    }
}

fn has_program(name: &str) -> bool {
    std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {name}"))
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Programs an example line runs (the first word of each pipeline stage),
/// other than `wasm-audit` and the shell's own.
fn programs(line: &str) -> Vec<String> {
    // Pipeline stages: split at `|` and `;` outside quotes.
    let mut stages = vec![String::new()];
    let mut quote: Option<char> = None;
    for c in line.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (None, '\'' | '"') => quote = Some(c),
            (None, '|' | ';') => {
                stages.push(String::new());
                continue;
            }
            _ => {}
        }
        if let Some(s) = stages.last_mut() {
            s.push(c);
        }
    }
    stages
        .iter()
        .filter_map(|stage| {
            stage
                .split_whitespace()
                .find(|w| !w.contains('=') || w.starts_with('-'))
                .map(str::to_string)
        })
        .filter(|p| {
            !matches!(
                p.as_str(),
                "wasm-audit" | "cat" | "echo" | "base64" | "sha256sum" | "||" | "&&"
            )
        })
        .collect()
}

/// Runs example lines in order in one directory, as a user would type
/// them. A line whose program is not installed is skipped (and said so);
/// every other line must succeed, except that `diff --fail-on` may exit 1
/// (that is what it is for). Returns how many lines ran.
fn run_examples(what: &str, lines: &[String]) -> usize {
    let dir = tempfile::tempdir().expect("tempdir");
    lay_fixtures(dir.path(), &format!("{}\n", lines.join("\n")));
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_wasm-audit"))
        .parent()
        .expect("bin dir");
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut ran = 0;
    for line in lines {
        let missing: Vec<String> = programs(line)
            .into_iter()
            .filter(|p| !has_program(p))
            .collect();
        if !missing.is_empty() {
            eprintln!(
                "SKIPPED ({what}): `{line}`: {} not installed",
                missing.join(", ")
            );
            continue;
        }
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(line)
            .current_dir(dir.path())
            .env("PATH", &path)
            .env("GITHUB_STEP_SUMMARY", dir.path().join("summary.md"))
            .env("COSIGN_PASSWORD", "")
            .stdin(std::process::Stdio::null())
            .output()
            .expect("sh");
        let code = out.status.code().unwrap_or(-1);
        let allowed = if line.contains("--fail-on") {
            code == 0 || code == 1
        } else {
            code == 0
        };
        assert!(
            allowed,
            "{what}: `{line}` exited {code}\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        ran += 1;
    }
    ran
}

/// The lines of each ```sh block of a Markdown document, one list per
/// block; `cargo` lines (builds, this very test) are left out.
fn sh_blocks(doc: &str) -> Vec<Vec<String>> {
    let mut blocks = Vec::new();
    let mut current: Option<Vec<String>> = None;
    for line in doc.lines() {
        let t = line.trim();
        match (&mut current, t) {
            (None, "```sh") => current = Some(Vec::new()),
            (Some(_), "```") => blocks.extend(current.take()),
            (Some(b), t) if !t.is_empty() && !t.starts_with('#') && !t.starts_with("cargo ") => {
                b.push(t.to_string())
            }
            _ => {}
        }
    }
    blocks
}

#[test]
fn readme_examples_run_as_written() {
    let readme = std::fs::read_to_string(repo("README.md")).expect("README");
    let blocks = sh_blocks(&readme);
    assert!(blocks.len() >= 8, "{blocks:#?}");
    let mut ran = 0;
    for (i, block) in blocks.iter().enumerate() {
        // Local scripts of this repository (benches) are not examples.
        let block: Vec<String> = block
            .iter()
            .filter(|l| !l.starts_with("benches/"))
            .cloned()
            .collect();
        if block.is_empty() {
            continue;
        }
        ran += run_examples(&format!("README block {}", i + 1), &block);
    }
    assert!(ran >= 25, "only {ran} README lines ran");

    // The demo commands (`cargo run --release -- ARGS`), with the built
    // binary, from the repository: the demo passes, the tampered one fails.
    let mut demo = 0;
    for line in readme.lines() {
        let Some(args) = line.strip_prefix("cargo run --release -- ") else {
            continue;
        };
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!("'{}' {args}", env!("CARGO_BIN_EXE_wasm-audit")))
            .current_dir(repo("."))
            .output()
            .expect("sh");
        let expected = if args.contains("tampered") { 1 } else { 0 };
        assert_eq!(
            out.status.code(),
            Some(expected),
            "{line}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        demo += 1;
    }
    assert_eq!(demo, 2, "the README's two demo commands");
}

/// The `Examples:` lines of `wasm-audit [SUBCOMMAND] --help`.
fn help_examples(sub: Option<&str>) -> Vec<String> {
    let mut cmd = common::bin();
    cmd.args(sub).arg("--help");
    let out = cmd.output().expect("help");
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let mut lines = Vec::new();
    let mut inside = false;
    for line in text.lines() {
        if line.trim() == "Examples:" {
            inside = true;
        } else if inside && line.trim().is_empty() {
            inside = false;
        } else if inside {
            lines.push(line.trim().to_string());
        }
    }
    lines
}

#[test]
fn help_examples_run_as_written() {
    let mut ran = 0;
    for sub in [
        None,
        Some("check"),
        Some("sbom"),
        Some("diff"),
        Some("digests"),
        Some("init"),
        Some("tree"),
        Some("caps"),
        Some("graph"),
        Some("wit"),
        Some("extract"),
    ] {
        let lines = help_examples(sub);
        assert!(!lines.is_empty(), "{sub:?} --help has examples");
        ran += run_examples(&format!("{} --help", sub.unwrap_or("wasm-audit")), &lines);
    }
    assert!(ran >= 30, "only {ran} help examples ran");
}
