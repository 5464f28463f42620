//! Outputs that never destroy anything, text that never lies, errors that
//! are one line, limits whose message names the knob that set them, and a
//! first run that works (issue 11).

use crate::common;
use crate::common::repo;

use std::path::Path;
use std::process::Output;

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The demo (a signed trust set, a policy naming it, the composition)
/// copied into a fresh directory.
fn demo_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    for f in [
        "app.wasm",
        "app-tampered.wasm",
        "wasm-audit.toml",
        "trusted.json",
        "trusted.json.sig",
        "cosign.pub",
    ] {
        std::fs::copy(repo("testdata/demo").join(f), dir.path().join(f)).expect("copy demo");
    }
    dir
}

fn run_in(dir: &Path, args: &[&str]) -> Output {
    common::bin()
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run wasm-audit")
}

/// Every file of `dir` with its bytes, to show nothing was touched.
fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .expect("list")
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_file())
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).expect("read"),
            )
        })
        .collect();
    files.sort();
    files
}

fn assert_one_line_error(out: &Output, what: &str) {
    assert_eq!(common::code(out), 2, "{what}: {}", stderr(out));
    let err = stderr(out);
    assert_eq!(err.lines().count(), 1, "{what}: one line: {err:?}");
    assert!(err.starts_with("error: "), "{what}: {err:?}");
}

#[test]
fn no_output_may_overwrite_a_file_the_run_reads() {
    let dir = demo_dir();
    let d = dir.path();
    // A second policy elsewhere that names its own set, signature and key.
    std::fs::create_dir(d.join("ci")).expect("mkdir");
    for f in ["trusted.json", "trusted.json.sig", "cosign.pub"] {
        std::fs::copy(d.join(f), d.join("ci").join(f)).expect("copy");
    }
    std::fs::write(
        d.join("ci/policy.toml"),
        "[[trust.sets]]\npath = \"trusted.json\"\nsignature = \"trusted.json.sig\"\nkey = \"cosign.pub\"\n",
    )
    .expect("policy");
    std::fs::write(d.join("other.json"), b"[]").expect("set");
    let before = snapshot(d);
    let before_ci = snapshot(&d.join("ci"));

    // (arguments, the output that must be refused)
    let cases: Vec<Vec<&str>> = vec![
        // the implicit ./wasm-audit.toml and what it names
        vec!["check", "app.wasm", "-o", "wasm-audit.toml"],
        vec!["check", "app.wasm", "-o", "trusted.json"],
        vec!["check", "app.wasm", "-o", "trusted.json.sig"],
        vec!["check", "app.wasm", "-o", "cosign.pub"],
        vec!["check", "app.wasm", "-o", "./app.wasm"],
        vec![
            "check",
            "app.wasm",
            "--sbom",
            "cyclonedx-json=wasm-audit.toml",
        ],
        vec!["check", "app.wasm", "--sbom", "spdx-json=cosign.pub"],
        // an explicit policy and the files it names, relative to it
        vec![
            "check",
            "app.wasm",
            "--policy",
            "ci/policy.toml",
            "-o",
            "ci/policy.toml",
        ],
        vec![
            "check",
            "app.wasm",
            "--policy",
            "ci/policy.toml",
            "-o",
            "ci/trusted.json",
        ],
        vec![
            "check",
            "app.wasm",
            "--policy",
            "ci/policy.toml",
            "-o",
            "ci/trusted.json.sig",
        ],
        vec![
            "check",
            "app.wasm",
            "--policy",
            "ci/policy.toml",
            "-o",
            "ci/cosign.pub",
        ],
        // sets, signatures and keys given as flags
        vec![
            "check",
            "app.wasm",
            "--trust",
            "other.json",
            "--signature",
            "trusted.json.sig",
            "--key",
            "cosign.pub",
            "-o",
            "other.json",
        ],
        vec![
            "check",
            "app.wasm",
            "--trust",
            "other.json",
            "--signature",
            "trusted.json.sig",
            "--key",
            "cosign.pub",
            "--sbom",
            "cyclonedx-json=trusted.json.sig",
        ],
        // the report and an SBOM onto one file
        vec![
            "check",
            "app.wasm",
            "-o",
            "out.json",
            "--sbom",
            "cyclonedx-json=out.json",
        ],
        vec!["check", "app.wasm", "--sbom", "cyclonedx-json=-"],
        vec!["sbom", "app.wasm", "-o", "app.wasm"],
        vec![
            "extract",
            "app.wasm",
            "--node",
            "/component[0]",
            "-o",
            "app.wasm",
        ],
    ];
    for args in &cases {
        let out = run_in(d, args);
        assert_one_line_error(&out, &args.join(" "));
        let err = stderr(&out);
        assert!(
            (err.contains("refusing to write") && err.contains("input of this run"))
                || err.contains("would both write"),
            "{args:?}: {err}"
        );
        assert_eq!(snapshot(d), before, "{args:?} changed a file");
        assert_eq!(
            snapshot(&d.join("ci")),
            before_ci,
            "{args:?} changed a file"
        );
        assert!(!d.join("out.json").exists());
    }

    // A hard link to the policy is the policy.
    std::fs::hard_link(d.join("wasm-audit.toml"), d.join("link.toml")).expect("link");
    let out = run_in(d, &["check", "app.wasm", "-o", "link.toml"]);
    assert_one_line_error(&out, "hard link");

    // What is not read may be written, and `-` is standard output.
    let out = run_in(d, &["check", "app.wasm", "-o", "report.txt"]);
    assert_eq!(common::code(&out), 0, "{}", stderr(&out));
    assert!(std::fs::read_to_string(d.join("report.txt"))
        .expect("report")
        .starts_with("wasm-audit check: PASS"));
    let out = run_in(d, &["check", "app.wasm", "-o", "-", "--format", "json"]);
    assert_eq!(common::code(&out), 0, "{}", stderr(&out));
    assert!(!d.join("-").exists(), "`-o -` created a file named -");
    serde_json::from_slice::<serde_json::Value>(&out.stdout).expect("the report on stdout");
    let out = run_in(
        d,
        &[
            "check",
            "app.wasm",
            "-o",
            "r.json",
            "--sbom",
            "cyclonedx-json=-",
        ],
    );
    assert_eq!(common::code(&out), 0, "{}", stderr(&out));
    let sbom: serde_json::Value = serde_json::from_slice(&out.stdout).expect("SBOM on stdout");
    assert_eq!(sbom["bomFormat"], "CycloneDX");
    let out = run_in(d, &["init", "-o", "-"]);
    assert_eq!(common::code(&out), 0);
    assert!(stdout(&out).contains("[trust]"));
    assert!(!d.join("-").exists());
}

#[test]
fn inputs_with_the_same_file_name_never_share_an_sbom() {
    let dir = demo_dir();
    let d = dir.path();
    for sub in ["a", "b"] {
        std::fs::create_dir(d.join(sub)).expect("mkdir");
        std::fs::copy(d.join("app.wasm"), d.join(sub).join("app.wasm")).expect("copy");
    }
    let out = run_in(
        d,
        &[
            "check",
            "a/app.wasm",
            "b/app.wasm",
            "--sbom",
            "cyclonedx-json={}.cdx.json",
        ],
    );
    assert_one_line_error(&out, "same-name inputs");
    assert!(
        stderr(&out).contains("would both write app.wasm.cdx.json"),
        "{}",
        stderr(&out)
    );
    assert!(!d.join("app.wasm.cdx.json").exists());
    // Distinct names: one SBOM each.
    std::fs::rename(d.join("b/app.wasm"), d.join("b/app2.wasm")).expect("rename");
    let out = run_in(
        d,
        &[
            "check",
            "a/app.wasm",
            "b/app2.wasm",
            "--sbom",
            "cyclonedx-json={}.cdx.json",
        ],
    );
    assert_eq!(common::code(&out), 0, "{}", stderr(&out));
    assert!(d.join("app.wasm.cdx.json").is_file());
    assert!(d.join("app2.wasm.cdx.json").is_file());
}

#[cfg(unix)]
#[test]
fn a_fifo_is_written_in_place() {
    let dir = demo_dir();
    let d = dir.path();
    let fifo = d.join("report.fifo");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if !made {
        eprintln!("SKIPPED: mkfifo is not available");
        return;
    }
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read(&fifo).expect("read the FIFO"))
    };
    for args in [
        vec!["check", "app.wasm", "--format", "json", "-o"],
        vec!["sbom", "app.wasm", "-o"],
    ] {
        let reader = if args[0] == "check" {
            None
        } else {
            let fifo = fifo.clone();
            Some(std::thread::spawn(move || {
                std::fs::read(&fifo).expect("read the FIFO")
            }))
        };
        let mut args = args.clone();
        args.push("report.fifo");
        let out = run_in(d, &args);
        assert_eq!(common::code(&out), 0, "{args:?}: {}", stderr(&out));
        if let Some(r) = reader {
            let bytes = r.join().expect("reader");
            assert!(bytes.starts_with(b"{"), "the SBOM came through the FIFO");
        }
        use std::os::unix::fs::FileTypeExt;
        assert!(
            std::fs::symlink_metadata(&fifo)
                .expect("still there")
                .file_type()
                .is_fifo(),
            "{args:?} replaced the FIFO"
        );
    }
    let bytes = reader.join().expect("reader");
    let report: serde_json::Value = serde_json::from_slice(&bytes).expect("the report");
    assert_eq!(report["verdict"], "pass");
    let leftovers: Vec<_> = std::fs::read_dir(d)
        .expect("list")
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with(".wasm-audit-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

/// `/dev/null`, `/dev/full` and `/dev/stdout` as outputs, in a private
/// mount namespace whose `/dev` is a fresh tmpfs: whatever the tool does
/// to them cannot touch the machine's devices. Skipped (with the FIFO test
/// above standing in) where namespaces or mknod are not allowed.
#[cfg(target_os = "linux")]
#[test]
fn devices_are_written_in_place_and_write_errors_reported() {
    let dir = demo_dir();
    let d = dir.path();
    let script = format!(
        r#"set -e
mount -t tmpfs devtmp /dev
mknod -m 666 /dev/null c 1 3
mknod -m 666 /dev/full c 1 7
ln -s /proc/self/fd/1 /dev/stdout
cd '{dir}'
set +e
'{bin}' sbom app.wasm -o /dev/null; echo "null=$?"
'{bin}' extract app.wasm --node / -o /dev/full 2>err.txt; echo "full=$?"
'{bin}' check app.wasm -o /dev/stdout > stdout.txt; echo "stdout=$?"
echo "null-type=$(stat -c %F /dev/null)"
echo "full-type=$(stat -c %F /dev/full)"
echo "stdout-type=$(stat -c %F /dev/stdout)"
"#,
        dir = d.display(),
        bin = env!("CARGO_BIN_EXE_wasm-audit"),
    );
    let out = std::process::Command::new("unshare")
        .args(["--mount", "--propagation", "private", "sh", "-c", &script])
        .output();
    let Ok(out) = out else {
        eprintln!("SKIPPED: unshare is not available (the FIFO test stands in)");
        return;
    };
    let text = stdout(&out);
    if !out.status.success() || !text.contains("null=") {
        eprintln!(
            "SKIPPED: no private mount namespace with device nodes here ({}); the FIFO test stands in",
            stderr(&out).trim()
        );
        return;
    }
    for expected in [
        "null=0",
        "full=2",
        "stdout=0",
        "null-type=character special file",
        "full-type=character special file",
        "stdout-type=symbolic link",
    ] {
        assert!(text.lines().any(|l| l == expected), "{expected}: {text}");
    }
    let err = std::fs::read_to_string(d.join("err.txt")).expect("err");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("/dev/full: cannot write"), "{err}");
    let report = std::fs::read_to_string(d.join("stdout.txt")).expect("stdout");
    assert!(report.starts_with("wasm-audit check: PASS"), "{report}");
}

/// A batch's JSON is written as it is spliced, a buffer at a time: a
/// reader that goes away after the first bytes (`| head`) ends the run
/// quietly with the exit code of the audit, and a standard output that
/// cannot be written (a full disk) is a one-line error, exit 2.
#[test]
fn a_batch_written_to_a_closed_or_full_standard_output() {
    use std::io::Read;
    let dir = demo_dir();
    let d = dir.path();
    // 200 entries of some 5 KB: far more than a pipe holds.
    let mut args = vec!["tree", "--format", "json"];
    args.extend(std::iter::repeat_n("app.wasm", 200));

    let whole = run_in(d, &args);
    assert_eq!(common::code(&whole), 0, "{}", stderr(&whole));
    assert!(whole.stdout.len() > 1 << 20, "{}", whole.stdout.len());
    let doc: serde_json::Value = serde_json::from_slice(&whole.stdout).expect("JSON");
    assert_eq!(doc["files"].as_array().map(Vec::len), Some(200));

    let mut child = common::bin()
        .args(&args)
        .current_dir(d)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut first = [0u8; 16];
    child
        .stdout
        .take()
        .expect("stdout")
        .read_exact(&mut first)
        .expect("the first bytes");
    assert!(whole.stdout.starts_with(&first));
    let closed = child.wait_with_output().expect("wait");
    assert_eq!(common::code(&closed), 0, "{}", stderr(&closed));
    assert_eq!(stderr(&closed), "");

    if let Ok(full) = std::fs::OpenOptions::new().write(true).open("/dev/full") {
        let out = common::bin()
            .args(&args)
            .current_dir(d)
            .stdout(full)
            .output()
            .expect("run");
        assert_one_line_error(&out, "stdout on /dev/full");
        assert!(
            stderr(&out).contains("cannot write to standard output"),
            "{}",
            stderr(&out)
        );
    }
}

#[test]
fn flags_override_the_policy_limits_and_errors_name_the_knob() {
    let dir = demo_dir();
    let d = dir.path();
    std::fs::write(
        d.join("tight.toml"),
        "[trust]\nrequire-signature = false\n[limits]\nmax-depth = 1\n",
    )
    .expect("policy");
    // The policy's limit applies, and the message says where it comes from.
    let out = run_in(
        d,
        &[
            "check",
            "app.wasm",
            "--policy",
            "tight.toml",
            "--format",
            "json",
        ],
    );
    assert_eq!(common::code(&out), 1, "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("report");
    let message = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["code"] == "limit-exceeded")
        .and_then(|f| f["message"].as_str())
        .unwrap_or_else(|| panic!("a limit finding: {report}"))
        .to_string();
    assert!(
        message.contains("`max-depth = 1` in [limits] of the policy tight.toml")
            && message.contains("--max-depth"),
        "{message}"
    );
    assert_eq!(report["policy"]["settings"]["limits"]["max-depth"], 1);
    // The flag overrides it: the demo nests two levels.
    let out = run_in(
        d,
        &[
            "check",
            "app.wasm",
            "--policy",
            "tight.toml",
            "--max-depth",
            "8",
            "--format",
            "json",
        ],
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("report");
    assert!(
        !report["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .any(|f| f["code"] == "limit-exceeded"),
        "{report}"
    );
    assert_eq!(report["policy"]["settings"]["limits"]["max-depth"], 8);
    // A flag that sets the limit is named as its origin.
    let out = run_in(d, &["tree", "app.wasm", "--max-depth", "1"]);
    assert_one_line_error(&out, "tree --max-depth 1");
    assert!(
        stderr(&out).contains("comes from --max-depth 1"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn the_policy_is_hashed_as_parsed_and_named_in_errors_about_its_files() {
    let dir = demo_dir();
    let d = dir.path();
    let out = run_in(d, &["check", "app.wasm", "--format", "json"]);
    assert_eq!(common::code(&out), 0, "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("report");
    let bytes = std::fs::read(d.join("wasm-audit.toml")).expect("policy");
    assert_eq!(report["policy"]["digest"], common::sha256(&bytes));
    assert_eq!(report["policy"]["path"], "wasm-audit.toml");

    std::fs::remove_file(d.join("trusted.json.sig")).expect("rm");
    let out = run_in(d, &["check", "app.wasm"]);
    assert_one_line_error(&out, "missing signature");
    let err = stderr(&out);
    assert!(
        err.contains("trusted.json.sig") && err.contains("of the policy wasm-audit.toml"),
        "{err}"
    );
}

#[test]
fn init_then_check_in_an_empty_folder_audits() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    std::fs::copy(repo("testdata/demo/app.wasm"), d.join("app.wasm")).expect("copy");
    let out = run_in(d, &["init"]);
    assert_eq!(common::code(&out), 0, "{}", stderr(&out));
    assert!(d.join("wasm-audit.toml").is_file());
    let out = run_in(d, &["check", "app.wasm"]);
    // An audit, not an error: unknown code fails it until digests are trusted.
    assert_eq!(common::code(&out), 1, "{}{}", stdout(&out), stderr(&out));
    assert!(stderr(&out).is_empty(), "{}", stderr(&out));
    assert!(stdout(&out).contains("unknown-code"), "{}", stdout(&out));
    // `init` does not replace what is there.
    let out = run_in(d, &["init"]);
    assert_one_line_error(&out, "init twice");
}

/// A name that tries everything: clear the screen, start a fake PASS line,
/// a Markdown link and image, HTML, code spans, table cells, a bidi
/// override, XML markup and a mention.
const HOSTILE: &str = "x\u{1b}[2J\u{1b}[H\rwasm-audit check: PASS\n[PASS](https://evil.example) \
     <img src=x onerror=alert(1)> `code` | cell \u{202e}exe.txt\u{1}\"q' & </testcase> ]]> @team";

/// A composition whose root, nested component, core module, imports and
/// exports all carry [`HOSTILE`] names.
fn hostile_component() -> Vec<u8> {
    use wasm_encoder::{
        CodeSection, Component, ComponentExportKind, ComponentImportSection, ComponentNameSection,
        ComponentTypeRef, ComponentTypeSection, ExportKind, ExportSection, Function,
        FunctionSection, InstanceType, Module, ModuleSection, NameSection, NestedComponentSection,
        TypeSection,
    };
    let mut module = Module::new();
    let mut types = TypeSection::new();
    types.ty().function([], []);
    module.section(&types);
    let mut funcs = FunctionSection::new();
    funcs.function(0);
    module.section(&funcs);
    let mut exports = ExportSection::new();
    exports.export(HOSTILE, ExportKind::Func, 0);
    module.section(&exports);
    let mut code = CodeSection::new();
    let mut f = Function::new([]);
    f.instructions().end();
    code.function(&f);
    module.section(&code);
    let mut names = NameSection::new();
    names.module(HOSTILE);
    module.section(&names);

    let mut inner = Component::new();
    inner.section(&ModuleSection(&module));
    let mut inner_names = ComponentNameSection::new();
    inner_names.component(HOSTILE);
    inner.section(&inner_names);

    let mut root = Component::new();
    let mut types = ComponentTypeSection::new();
    types.instance(&InstanceType::new());
    root.section(&types);
    let mut imports = ComponentImportSection::new();
    imports.import(
        "wasi:filesystem/preopens@0.2.0",
        ComponentTypeRef::Instance(0),
    );
    imports.import(HOSTILE, ComponentTypeRef::Instance(0));
    root.section(&imports);
    root.section(&NestedComponentSection(&inner));
    let mut instances = wasm_encoder::ComponentInstanceSection::new();
    instances.instantiate(0, Vec::<(&str, ComponentExportKind, u32)>::new());
    root.section(&instances);
    let mut root_names = ComponentNameSection::new();
    root_names.component(HOSTILE);
    root.section(&root_names);
    root.finish()
}

/// The Markdown a renderer would show as markup: code spans and
/// backslash-escaped characters removed (both are shown literally).
fn markdown_markup(md: &str) -> String {
    let chars: Vec<char> = md.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '\\' => i += 2,
            '`' => {
                let run = chars[i..].iter().take_while(|c| **c == '`').count();
                let fence: String = "`".repeat(run);
                let rest: String = chars[i + run..].iter().collect();
                match rest.find(&fence) {
                    Some(end) => i += run + rest[..end].chars().count() + run,
                    None => i += run,
                }
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    out
}

/// Nothing invisible (controls, bidi overrides) and no line that starts
/// with a fake verdict.
fn assert_inert_text(what: &str, text: &str) {
    for c in text.chars() {
        assert!(
            c == '\n' || !(c.is_control() || ('\u{202a}'..='\u{202e}').contains(&c)),
            "{what}: raw {c:?} in {text}"
        );
    }
    assert!(
        !text
            .lines()
            .any(|l| l.trim_start().starts_with("wasm-audit check: PASS")),
        "{what}: a fake PASS line: {text}"
    );
}

#[test]
fn hostile_names_cannot_act_on_any_output() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let bytes = hostile_component();
    // The file name is hostile too (Unix allows anything but `/` and NUL).
    let name = "evil\u{1b}[2J\nwasm-audit check: PASS.wasm";
    std::fs::write(d.join(name), &bytes).expect("write");
    std::fs::copy(repo("testdata/demo/app.wasm"), d.join("plain.wasm")).expect("copy");

    let run = |args: &[&str]| -> Output { run_in(d, args) };
    let text_runs: Vec<Vec<&str>> = vec![
        vec!["tree", name],
        vec!["caps", name],
        vec!["graph", name],
        vec!["graph", "--full", name],
        vec!["check", name],
        vec!["diff", "plain.wasm", name],
    ];
    for args in &text_runs {
        let out = run(args);
        assert!(common::code(&out) <= 2, "{args:?}");
        assert_inert_text(&format!("{args:?} stdout"), &stdout(&out));
        assert_inert_text(&format!("{args:?} stderr"), &stderr(&out));
        assert!(
            stdout(&out).contains("onerror") || stdout(&out).contains("evil"),
            "{args:?}: the name is shown, escaped: {}",
            stdout(&out)
        );
    }

    // Markdown: no link, image, HTML or mention survives.
    for args in [
        vec!["check", name, "--format", "markdown"],
        vec!["diff", "plain.wasm", name, "--format", "markdown"],
        vec!["graph", name, "--format", "mermaid"],
        vec!["graph", name, "--format", "mermaid", "--full"],
    ] {
        let out = run(&args);
        let md = stdout(&out);
        assert_inert_text(&format!("{args:?}"), &md);
        let markup = markdown_markup(&md);
        for bad in ["](https://evil", "<img", "@team", "</testcase>"] {
            // Mentions are not a thing inside a Mermaid diagram.
            // Nor Markdown links (only backtick-quoted labels are Markdown).
            if (bad == "@team" || bad.starts_with("](")) && args.contains(&"mermaid") {
                continue;
            }
            assert!(!markup.contains(bad), "{args:?}: {bad} in {md}");
        }
        assert!(md.contains("onerror"), "{args:?}: the name is shown: {md}");
    }

    // DOT: every label stays inside its quotes (Graphviz parses it).
    for args in [
        vec!["graph", name, "--format", "dot"],
        vec!["graph", name, "--format", "dot", "--full"],
    ] {
        let out = run(&args);
        let dot = stdout(&out);
        assert_inert_text(&format!("{args:?}"), &dot);
        if let Ok(mut child) = std::process::Command::new("dot")
            .arg("-Tcanon")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
        {
            use std::io::Write;
            child
                .stdin
                .take()
                .expect("stdin")
                .write_all(dot.as_bytes())
                .expect("write");
            let done = child.wait_with_output().expect("dot");
            assert!(done.status.success(), "{args:?}: {}", stderr(&done));
        }
    }

    // XML: JUnit and CycloneDX XML parse, and carry the name intact.
    let out = run(&["check", name, "--format", "junit"]);
    let junit = stdout(&out);
    let doc = roxmltree::Document::parse(&junit).unwrap_or_else(|e| panic!("JUnit: {e}\n{junit}"));
    assert!(
        doc.descendants().any(|n| n
            .attributes()
            .any(|a| a.value().contains("onerror=alert(1)"))),
        "{junit}"
    );
    assert_inert_text("junit", &junit);
    let out = run(&["sbom", name, "--format", "cyclonedx-xml"]);
    assert_eq!(common::code(&out), 0, "{}", stderr(&out));
    let xml = stdout(&out);
    roxmltree::Document::parse(&xml).unwrap_or_else(|e| panic!("CycloneDX XML: {e}\n{xml}"));

    // JSON and SARIF: valid, and the exact name is kept (JSON escapes it).
    for args in [
        vec!["check", name, "--format", "sarif"],
        vec!["check", name, "--format", "json"],
        vec!["tree", "--format", "json", name],
        vec!["graph", "--format", "json", name],
        vec!["sbom", name, "--format", "spdx-json"],
    ] {
        let out = run(&args);
        let text = stdout(&out);
        serde_json::from_str::<serde_json::Value>(&text)
            .unwrap_or_else(|e| panic!("{args:?}: {e}"));
        // The reports keep the exact name (JSON escapes it); an SBOM only
        // has to stay valid.
        if args[0] != "sbom" {
            assert!(
                text.contains("\\u001b"),
                "{args:?}: the name is there, escaped"
            );
        }
    }
}
