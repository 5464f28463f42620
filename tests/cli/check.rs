//! End-to-end tests of `wasm-audit check`, the CI gate, with keys made by
//! `openssl` at test time: pass on a correct signed set; fail closed on a
//! changed set, another key, a missing signature; unknown and substituted
//! code; a denied capability reaching a plugged component; malformed
//! policies; every output format held to its schema.

use crate::common;
use crate::common::finding_codes as codes;
use crate::common::{assert_valid, openssl, p256_key, repo, schema_validator, sign, write_json};

use std::path::{Path, PathBuf};

use serde_json::{json, Value};

fn tree(file: &Path) -> Value {
    let out = common::run([
        "tree".as_ref(),
        "--format".as_ref(),
        "json".as_ref(),
        "--no-wit".as_ref(),
        file.as_os_str(),
    ]);
    assert_eq!(common::code(&out), 0);
    serde_json::from_slice(&out.stdout).expect("json")
}

/// Nodes of `file` at depth 1: (path, name, digest).
fn parts(file: &Path) -> Vec<(String, String, String)> {
    tree(file)["files"][0]["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .filter(|n| n["depth"] == 1 && n["kind"] == "component")
        .map(|n| {
            (
                n["path"].as_str().unwrap().to_string(),
                n["name"].as_str().unwrap_or("").to_string(),
                n["digest"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

struct Run {
    code: i32,
    report: Value,
    stderr: String,
}

fn check(args: &[&std::ffi::OsStr]) -> Run {
    let mut cmd = common::bin();
    cmd.arg("check").args(args).args(["--format", "json"]);
    let out = cmd.output().expect("run");
    Run {
        code: common::code(&out),
        report: serde_json::from_slice(&out.stdout).unwrap_or(Value::Null),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn demo() -> PathBuf {
    repo("testdata/demo/app.wasm")
}

/// A signed trust set of the demo's two composition inputs.
struct Signed {
    dir: tempfile::TempDir,
    set: PathBuf,
    sig: PathBuf,
    key: PathBuf,
    private: PathBuf,
}

fn signed_demo_set() -> Option<Signed> {
    let dir = tempfile::tempdir().expect("tempdir");
    let (private, key) = p256_key(dir.path(), "k")?;
    let entries: Vec<Value> = parts(&demo())
        .into_iter()
        .map(|(_, name, digest)| json!({ "name": name, "digest": digest }))
        .collect();
    assert_eq!(entries.len(), 2, "the demo composes two components");
    let set = dir.path().join("trusted.json");
    write_json(&set, &json!({ "version": 1, "entries": entries }));
    let sig = sign(dir.path(), &private, &set);
    Some(Signed {
        dir,
        set,
        sig,
        key,
        private,
    })
}

#[test]
fn passes_on_a_correctly_signed_set() {
    let Some(s) = signed_demo_set() else { return };
    let demo = demo();
    let r = check(&[
        demo.as_os_str(),
        "--trust".as_ref(),
        s.set.as_os_str(),
        "--signature".as_ref(),
        s.sig.as_os_str(),
        "--key".as_ref(),
        s.key.as_os_str(),
    ]);
    assert_eq!(r.code, 0, "{}\n{}", r.report, r.stderr);
    assert_eq!(r.report["verdict"], "pass");
    assert!(codes(&r.report).is_empty(), "{:?}", codes(&r.report));
    let verdicts: Vec<(&str, &str)> = r.report["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| (n["path"].as_str().unwrap(), n["verdict"].as_str().unwrap()))
        .collect();
    assert!(verdicts.contains(&("/", "glue")), "{verdicts:?}");
    assert!(
        verdicts.contains(&("/component[0]", "trusted")),
        "{verdicts:?}"
    );
    assert!(
        verdicts.contains(&("/component[0]/module[0]", "covered")),
        "{verdicts:?}"
    );
    // The report embeds what it was made from.
    assert_eq!(r.report["trust_sets"][0]["signature"]["status"], "verified");
    assert_eq!(
        r.report["trust_sets"][0]["digest"],
        common::sha256(&std::fs::read(&s.set).unwrap())
    );
    assert_eq!(
        r.report["inputs"][0]["digest"],
        common::sha256(&std::fs::read(&demo).unwrap())
    );
    drop(s.dir);
}

#[test]
fn fails_closed_on_a_changed_set_another_key_or_no_signature() {
    let Some(s) = signed_demo_set() else { return };
    let demo = demo();
    // One byte of the set changed after signing.
    let mut bytes = std::fs::read(&s.set).unwrap();
    let pos = bytes.iter().rposition(|b| *b == b'}').unwrap();
    bytes.insert(pos, b' ');
    let changed = s.dir.path().join("changed.json");
    std::fs::write(&changed, &bytes).unwrap();
    let r = check(&[
        demo.as_os_str(),
        "--trust".as_ref(),
        changed.as_os_str(),
        "--signature".as_ref(),
        s.sig.as_os_str(),
        "--key".as_ref(),
        s.key.as_os_str(),
    ]);
    assert_eq!(r.code, 1, "{}", r.report);
    assert!(codes(&r.report).contains(&"signature-invalid".to_string()));
    // The digests would all match: the verdict fails anyway.
    assert_eq!(r.report["verdict"], "fail");

    // Another key.
    let (_, other) = p256_key(s.dir.path(), "other").expect("key");
    let r = check(&[
        demo.as_os_str(),
        "--trust".as_ref(),
        s.set.as_os_str(),
        "--signature".as_ref(),
        s.sig.as_os_str(),
        "--key".as_ref(),
        other.as_os_str(),
    ]);
    assert_eq!(r.code, 1);
    assert!(codes(&r.report).contains(&"signature-invalid".to_string()));

    // No signature while the (default) policy requires one.
    let r = check(&[demo.as_os_str(), "--trust".as_ref(), s.set.as_os_str()]);
    assert_eq!(r.code, 1);
    assert!(codes(&r.report).contains(&"trust-set-unsigned".to_string()));

    // A signature without a key is a usage error.
    let r = check(&[
        demo.as_os_str(),
        "--trust".as_ref(),
        s.set.as_os_str(),
        "--signature".as_ref(),
        s.sig.as_os_str(),
    ]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("no key"), "{}", r.stderr);
}

#[test]
fn unknown_code_when_an_input_digest_is_removed() {
    let Some(s) = signed_demo_set() else { return };
    let demo = demo();
    let parts = parts(&demo);
    let (removed_path, _, _) = parts[1].clone();
    let set = s.dir.path().join("partial.json");
    write_json(
        &set,
        &json!({ "version": 1, "entries": [{ "name": parts[0].1, "digest": parts[0].2 }] }),
    );
    let sig = sign(s.dir.path(), &s.private, &set);
    let r = check(&[
        demo.as_os_str(),
        "--trust".as_ref(),
        set.as_os_str(),
        "--signature".as_ref(),
        sig.as_os_str(),
        "--key".as_ref(),
        s.key.as_os_str(),
    ]);
    assert_eq!(r.code, 1, "{}", r.report);
    let unknown: Vec<&Value> = r.report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "unknown-code")
        .collect();
    assert_eq!(unknown.len(), 1, "{}", r.report);
    assert_eq!(unknown[0]["path"], format!("{removed_path}/module[0]"));
    assert_eq!(unknown[0]["severity"], "deny");
}

#[test]
fn substituted_when_a_name_is_kept_with_another_digest() {
    let Some(s) = signed_demo_set() else { return };
    let demo = demo();
    let parts = parts(&demo);
    let (path, name, _) = parts[1].clone();
    assert!(!name.is_empty(), "demo parts are named");
    let set = s.dir.path().join("subst.json");
    write_json(
        &set,
        &json!({ "version": 1, "entries": [
            { "name": parts[0].1, "digest": parts[0].2 },
            { "name": name, "digest": format!("sha256:{}", "ab".repeat(32)) }
        ] }),
    );
    let sig = sign(s.dir.path(), &s.private, &set);
    let r = check(&[
        demo.as_os_str(),
        "--trust".as_ref(),
        set.as_os_str(),
        "--signature".as_ref(),
        sig.as_os_str(),
        "--key".as_ref(),
        s.key.as_os_str(),
    ]);
    assert_eq!(r.code, 1, "{}", r.report);
    let subst: Vec<&Value> = r.report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "substituted")
        .collect();
    assert_eq!(subst.len(), 1, "{}", r.report);
    assert_eq!(subst[0]["path"], path);
    // No separate unknown-code finding for the code inside the substituted part.
    assert!(
        !codes(&r.report).contains(&"unknown-code".to_string()),
        "{:?}",
        codes(&r.report)
    );
}

#[test]
fn capability_denied_when_the_plugged_component_receives_sockets() {
    let (Some(hello), Some(deny_all)) = (
        common::corpus_file("wasmcloud__wash_fixtures_http_hello_world_rust.wasm"),
        common::corpus_file("spin__crates_compose_deny_all.wasm"),
    ) else {
        return;
    };
    let Some(s) = signed_demo_set() else { return };
    let hello_bytes = std::fs::read(&hello).unwrap();
    let deny_bytes = std::fs::read(&deny_all).unwrap();
    let composed = common::plug(&hello_bytes, &deny_bytes);
    let file = s.dir.path().join("plugged.wasm");
    std::fs::write(&file, &composed).unwrap();
    let set = s.dir.path().join("inputs.json");
    write_json(
        &set,
        &json!({ "version": 1, "entries": [
            { "name": "hello", "digest": common::sha256(&hello_bytes) },
            { "name": "deny-all", "digest": common::sha256(&deny_bytes) }
        ] }),
    );
    let sig = sign(s.dir.path(), &s.private, &set);
    let base = [
        file.as_os_str(),
        "--trust".as_ref(),
        set.as_os_str(),
        "--signature".as_ref(),
        sig.as_os_str(),
        "--key".as_ref(),
        s.key.as_os_str(),
    ];

    // Everything trusted, no capability rule: pass.
    let r = check(&base);
    assert_eq!(r.code, 0, "{}", r.report);

    // Deny sockets: the plugged deny_all component receives them.
    let policy = s.dir.path().join("deny-sockets.toml");
    std::fs::write(&policy, "[capabilities]\ndeny = [\"wasi:sockets/*\"]\n").unwrap();
    let mut with_policy = base.to_vec();
    with_policy.extend(["--policy".as_ref(), policy.as_os_str()]);
    let r = check(&with_policy);
    assert_eq!(r.code, 1, "{}", r.report);
    let deny_digest = common::sha256(&deny_bytes);
    let deny_path = r.report["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["digest"] == deny_digest.as_str())
        .expect("deny_all node")["path"]
        .clone();
    let denied: Vec<&Value> = r.report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "capability-denied")
        .collect();
    assert!(!denied.is_empty());
    assert!(denied.iter().all(|f| f["path"] == deny_path), "{denied:#?}");
    assert!(
        denied.iter().any(|f| f["message"]
            .as_str()
            .unwrap()
            .contains("wasi:sockets/network")),
        "{denied:#?}"
    );
}

#[test]
fn malformed_policy_exits_2_naming_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("bad.toml");
    std::fs::write(
        &policy,
        "[nodes]\nunknown = \"deny\"\n\n[capabilities]\ndenny = []\n",
    )
    .unwrap();
    let demo = demo();
    let r = check(&[demo.as_os_str(), "--policy".as_ref(), policy.as_os_str()]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains(":5:") && r.stderr.contains("denny"),
        "{}",
        r.stderr
    );
}

#[test]
fn pin_files_load_as_sets() {
    let Some(corpus) = common::corpus() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("unsigned-ok.toml");
    std::fs::write(&policy, "[trust]\nrequire-signature = false\n").unwrap();
    let demo = demo();
    for pin in std::fs::read_dir(corpus.join("lockfiles"))
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.path())
    {
        let r = check(&[
            demo.as_os_str(),
            "--policy".as_ref(),
            policy.as_os_str(),
            "--trust".as_ref(),
            pin.as_os_str(),
        ]);
        // The pins do not list the demo's parts: unknown code, but the set loaded.
        assert_eq!(r.code, 1, "{}: {}", pin.display(), r.stderr);
        let set = &r.report["trust_sets"][0];
        assert!(
            set["entries"].as_u64().unwrap() > 0,
            "{}: {set}",
            pin.display()
        );
        let name = pin.file_name().unwrap().to_string_lossy().to_string();
        let kind = if name.starts_with("wkg.lock") {
            "wkg-lock"
        } else {
            "spin-toml"
        };
        assert_eq!(set["kind"], kind, "{name}");
    }
}

/// The demo's passing and failing runs, from the repository root with
/// relative paths so that outputs are stable.
fn demo_run(file: &str, format: &str) -> (i32, Vec<u8>) {
    let out = common::bin()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "check",
            file,
            "--policy",
            "testdata/demo/wasm-audit.toml",
            "--format",
            format,
        ])
        .output()
        .expect("run");
    (common::code(&out), out.stdout)
}

#[test]
fn demo_passes_and_the_tampered_demo_fails() {
    let (code, out) = demo_run("testdata/demo/app.wasm", "text");
    assert_eq!(code, 0, "{}", String::from_utf8_lossy(&out));
    assert!(String::from_utf8_lossy(&out).starts_with("wasm-audit check: PASS"));
    let (code, out) = demo_run("testdata/demo/app-tampered.wasm", "text");
    assert_eq!(code, 1);
    let text = String::from_utf8_lossy(&out);
    assert!(
        text.contains("substituted") && text.contains("capability-denied"),
        "{text}"
    );
    // The committed signature really covers the committed set.
    let r = check(&[
        repo("testdata/demo/app.wasm").as_os_str(),
        "--policy".as_ref(),
        repo("testdata/demo/wasm-audit.toml").as_os_str(),
    ]);
    assert_eq!(r.report["trust_sets"][0]["signature"]["status"], "verified");
}

#[test]
fn json_report_holds_to_its_schema() {
    let v = schema_validator(&repo("schemas/report.schema.json"));
    for file in ["testdata/demo/app.wasm", "testdata/demo/app-tampered.wasm"] {
        let (_, out) = demo_run(file, "json");
        let doc: Value = serde_json::from_slice(&out).expect("json");
        assert_valid(&v, &doc, file);
    }
    // With an input error and a signature failure too.
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.wasm");
    std::fs::write(&empty, b"").unwrap();
    let r = check(&[
        empty.as_os_str(),
        "--trust".as_ref(),
        repo("testdata/demo/trusted.json").as_os_str(),
    ]);
    assert_eq!(r.code, 2, "an input that cannot be audited: exit 2");
    assert_eq!(r.report["inputs"][0]["verdict"], "error");
    assert_valid(&v, &r.report, "error run");
}

#[test]
fn sarif_holds_to_the_official_schema() {
    let schema = repo("../shared/schemas/sarif/sarif-schema-2.1.0.json");
    if !schema.exists() {
        assert!(
            std::env::var_os("CI").is_none(),
            "the SARIF schema is required in CI"
        );
        eprintln!("SKIPPED: {} not found", schema.display());
        return;
    }
    let v = schema_validator(&schema);
    for file in ["testdata/demo/app.wasm", "testdata/demo/app-tampered.wasm"] {
        let (_, out) = demo_run(file, "sarif");
        let doc: Value = serde_json::from_slice(&out).expect("json");
        assert_valid(&v, &doc, file);
        let run = &doc["runs"][0];
        let rules: Vec<&str> = run["tool"]["driver"]["rules"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_str().unwrap())
            .collect();
        for result in run["results"].as_array().unwrap() {
            let id = result["ruleId"].as_str().unwrap();
            let index = result["ruleIndex"].as_u64().unwrap() as usize;
            assert_eq!(rules[index], id, "ruleIndex points at the rule");
            assert!(result["locations"][0]["physicalLocation"]["region"]["byteOffset"].is_u64());
        }
        if file.contains("tampered") {
            let ids: Vec<&str> = run["results"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["ruleId"].as_str().unwrap())
                .collect();
            assert_eq!(ids, ["substituted", "capability-denied"]);
        }
    }
}

#[test]
fn junit_has_a_case_per_node_and_rule() {
    let (_, out) = demo_run("testdata/demo/app-tampered.wasm", "junit");
    let xml = String::from_utf8(out).expect("utf-8");
    let doc = roxmltree::Document::parse(&xml).expect("well-formed XML");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    let suites: Vec<_> = root
        .children()
        .filter(|n| n.has_tag_name("testsuite"))
        .collect();
    assert_eq!(suites.len(), 2, "trust + one input");
    let input = suites[1];
    assert_eq!(
        input.attribute("name"),
        Some("testdata/demo/app-tampered.wasm")
    );
    let cases: Vec<_> = input
        .children()
        .filter(|n| n.has_tag_name("testcase"))
        .collect();
    // 5 nodes + 4 rules.
    assert_eq!(cases.len(), 9);
    let failing: Vec<&str> = cases
        .iter()
        .filter(|c| c.children().any(|x| x.has_tag_name("failure")))
        .map(|c| c.attribute("name").unwrap())
        .collect();
    assert_eq!(
        failing,
        [
            "/component[0] (logger) substituted",
            "substituted",
            "capability-denied"
        ]
    );
    assert_eq!(input.attribute("failures"), Some("3"));
    assert_eq!(root.attribute("failures"), Some("3"));
}

#[test]
fn markdown_snapshot() {
    let (_, out) = demo_run("testdata/demo/app-tampered.wasm", "markdown");
    let md = String::from_utf8(out).expect("utf-8");
    let snapshot = repo("testdata/snapshots/check-tampered.md");
    common::snapshot(&snapshot, &md);
    // What makes it render on GitHub: a summary line first, tables with
    // header separators, a closed mermaid fence with a flowchart.
    assert!(md.starts_with("## ❌ wasm-audit: FAIL"));
    assert!(md.contains("| --- |"));
    let fence = md
        .find("```mermaid\nflowchart LR\n")
        .expect("mermaid block");
    assert!(md[fence + 10..].contains("\n```\n"), "mermaid fence closed");
}

#[test]
fn markdown_stays_under_64_kib_for_large_inputs() {
    let files = common::corpus_wasm_files();
    if files.is_empty() {
        return;
    }
    let mut cmd = common::bin();
    cmd.args(["check", "--format", "markdown"]).args(&files);
    let out = cmd.output().expect("run");
    assert_eq!(common::code(&out), 2, "legacy encodings cannot be audited");
    assert!(out.stdout.len() < 64 * 1024, "{} bytes", out.stdout.len());
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("## "));
}

#[test]
fn whole_corpus_gets_one_verdict_per_file() {
    let files = common::corpus_wasm_files();
    if files.is_empty() {
        return;
    }
    let mut cmd = common::bin();
    cmd.args(["check", "--format", "json"]).args(&files);
    let out = cmd.output().expect("run");
    let report: Value = serde_json::from_slice(&out.stdout).expect("json");
    let inputs = report["inputs"].as_array().unwrap();
    assert_eq!(inputs.len(), files.len());
    for i in inputs {
        let file = i["file"].as_str().unwrap();
        match i["verdict"].as_str().unwrap() {
            "error" => assert!(
                file.contains(".v0x0") && i["error"].as_str().unwrap().contains("pre-1.0"),
                "only legacy encodings are errors: {i}"
            ),
            // No trust set: every code-carrying file fails, only glue passes.
            "fail" | "pass" => {}
            other => panic!("{other}"),
        }
    }
}

#[test]
fn init_writes_a_policy_that_parses_and_refuses_to_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    let out = common::bin()
        .current_dir(dir.path())
        .arg("init")
        .output()
        .unwrap();
    assert_eq!(common::code(&out), 0);
    let text = std::fs::read_to_string(dir.path().join("wasm-audit.toml")).unwrap();
    wasm_audit::check::cfg::Policy::parse("wasm-audit.toml", &text).expect("starter policy parses");
    let again = common::bin()
        .current_dir(dir.path())
        .arg("init")
        .output()
        .unwrap();
    assert_eq!(common::code(&again), 2);
    // The repository's example policies parse too.
    for p in [
        "testdata/wasm-audit.toml.example",
        "testdata/demo/wasm-audit.toml",
    ] {
        let text = std::fs::read_to_string(repo(p)).unwrap();
        wasm_audit::check::cfg::Policy::parse(p, &text).unwrap_or_else(|e| panic!("{e}"));
    }
}

#[test]
fn ed25519_and_sigstore_bundle_signatures_gate_the_audit() {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD;
    let Some(s) = signed_demo_set() else { return };
    let dir = s.dir.path();
    let demo = demo();

    // Ed25519: base64 of the raw 64-byte signature.
    openssl(&["genpkey", "-algorithm", "ed25519", "-out", "ed.pem"], dir).expect("openssl");
    openssl(&["pkey", "-in", "ed.pem", "-pubout", "-out", "ed.pub"], dir).expect("openssl");
    let raw = openssl(
        &[
            "pkeyutl",
            "-sign",
            "-rawin",
            "-inkey",
            "ed.pem",
            "-in",
            s.set.to_str().unwrap(),
        ],
        dir,
    )
    .expect("openssl")
    .stdout;
    assert_eq!(raw.len(), 64);
    let ed_sig = dir.join("trusted.json.ed25519");
    std::fs::write(&ed_sig, b64.encode(&raw)).unwrap();
    let ed_pub = dir.join("ed.pub");
    let r = check(&[
        demo.as_os_str(),
        "--trust".as_ref(),
        s.set.as_os_str(),
        "--signature".as_ref(),
        ed_sig.as_os_str(),
        "--key".as_ref(),
        ed_pub.as_os_str(),
    ]);
    assert_eq!(r.code, 0, "{}", r.report);
    assert_eq!(r.report["trust_sets"][0]["signature"]["format"], "ed25519");
    // The Ed25519 signature with the P-256 key: fails closed.
    let r = check(&[
        demo.as_os_str(),
        "--trust".as_ref(),
        s.set.as_os_str(),
        "--signature".as_ref(),
        ed_sig.as_os_str(),
        "--key".as_ref(),
        s.key.as_os_str(),
    ]);
    assert_eq!(r.code, 1);
    assert!(codes(&r.report).contains(&"signature-invalid".to_string()));

    // A Sigstore bundle v0.3 with the set's digest and the cosign signature.
    let set_bytes = std::fs::read(&s.set).unwrap();
    let digest = {
        use sha2::Digest;
        sha2::Sha256::digest(&set_bytes).to_vec()
    };
    let cosign_sig = std::fs::read_to_string(&s.sig).unwrap();
    let bundle = |digest: &[u8]| {
        json!({
            "mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json",
            "verificationMaterial": { "publicKey": { "hint": "demo" } },
            "messageSignature": {
                "messageDigest": { "algorithm": "SHA2_256", "digest": b64.encode(digest) },
                "signature": cosign_sig.trim()
            }
        })
    };
    let bundle_file = dir.join("trusted.json.sigstore.json");
    write_json(&bundle_file, &bundle(&digest));
    let r = check(&[
        demo.as_os_str(),
        "--trust".as_ref(),
        s.set.as_os_str(),
        "--signature".as_ref(),
        bundle_file.as_os_str(),
        "--key".as_ref(),
        s.key.as_os_str(),
    ]);
    assert_eq!(r.code, 0, "{}", r.report);
    assert_eq!(
        r.report["trust_sets"][0]["signature"]["format"],
        "sigstore-bundle"
    );
    // A bundle whose digest is of other bytes: fails closed even though the
    // signature itself is over the set.
    write_json(&bundle_file, &bundle(&[0u8; 32]));
    let r = check(&[
        demo.as_os_str(),
        "--trust".as_ref(),
        s.set.as_os_str(),
        "--signature".as_ref(),
        bundle_file.as_os_str(),
        "--key".as_ref(),
        s.key.as_os_str(),
    ]);
    assert_eq!(r.code, 1, "{}", r.report);
    assert!(codes(&r.report).contains(&"signature-invalid".to_string()));
}

#[test]
fn output_never_replaces_an_input_and_is_written_whole() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("app.wasm");
    std::fs::copy(demo(), &input).unwrap();
    let before = std::fs::read(&input).unwrap();
    let out = common::bin()
        .args([
            "check",
            input.to_str().unwrap(),
            "--format",
            "json",
            "--output",
            input.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(common::code(&out), 2);
    assert!(String::from_utf8_lossy(&out.stderr).contains("input"));
    assert_eq!(
        std::fs::read(&input).unwrap(),
        before,
        "the input is untouched"
    );

    // A report file: complete JSON, and no temporary file left beside it.
    let report = dir.path().join("report.json");
    let out = common::bin()
        .args([
            "check",
            input.to_str().unwrap(),
            "--format",
            "json",
            "--output",
            report.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(common::code(&out), 1, "no trust set: unknown code");
    assert!(out.stdout.is_empty(), "the report went to the file");
    let doc: Value =
        serde_json::from_slice(&std::fs::read(&report).unwrap()).expect("complete JSON");
    assert_eq!(doc["verdict"], "fail");
    let leftovers = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with(".wasm-audit-"))
        .count();
    assert_eq!(leftovers, 0);
    // An output in a missing directory: exit 2, nothing written.
    let missing = dir.path().join("no/such/dir/report.json");
    let out = common::bin()
        .args([
            "check",
            input.to_str().unwrap(),
            "--output",
            missing.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(common::code(&out), 2);
    assert!(!missing.exists());
}

#[test]
fn digests_bootstraps_a_trust_set_that_check_accepts() {
    let dir = tempfile::tempdir().unwrap();
    let demo = demo();
    // The composition inputs, as a team would have them before composing.
    for (node, name) in [
        ("/component[0]", "logger.wasm"),
        ("/component[1]", "greeter.wasm"),
    ] {
        let out = common::bin()
            .args(["extract", demo.to_str().unwrap(), "--node", node, "-o"])
            .arg(dir.path().join(name))
            .output()
            .unwrap();
        assert_eq!(common::code(&out), 0);
    }
    let out = common::bin()
        .arg("digests")
        .arg(dir.path().join("logger.wasm"))
        .arg(dir.path().join("greeter.wasm"))
        .output()
        .unwrap();
    assert_eq!(common::code(&out), 0);
    let set: Value = serde_json::from_slice(&out.stdout).expect("json");
    let schema = schema_validator(&repo("schemas/trust-set.schema.json"));
    assert_valid(&schema, &set, "digests output");
    let names: Vec<&str> = set["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["logger", "greeter"], "component names");
    let set_file = dir.path().join("trusted.json");
    std::fs::write(&set_file, &out.stdout).unwrap();
    let policy = dir.path().join("p.toml");
    std::fs::write(&policy, "[trust]\nrequire-signature = false\n").unwrap();
    let r = check(&[
        demo.as_os_str(),
        "--policy".as_ref(),
        policy.as_os_str(),
        "--trust".as_ref(),
        set_file.as_os_str(),
    ]);
    assert_eq!(r.code, 0, "{}", r.report);
}

/// One side (attack or control) of an attack case.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct AttackSide {
    exit: i32,
    #[serde(default)]
    findings: Vec<String>,
    /// Replaces the case's policy for this side.
    policy: Option<String>,
    /// Text the standard error must contain.
    stderr: Option<String>,
}

/// A node whose digest (computed from the control binary) goes into the
/// signed trust set, with an optional name.
#[derive(serde::Deserialize)]
#[serde(untagged)]
enum AttackTrust {
    Path(String),
    Named { path: String, name: String },
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct AttackCase {
    class: String,
    what: String,
    #[serde(default)]
    trust: Vec<AttackTrust>,
    #[serde(default)]
    policy: String,
    attack: AttackSide,
    control: AttackSide,
}

/// `testdata/attacks/*/`: hostile compositions that are valid components,
/// one per way found to slip past `check`, each next to the honest
/// version (the control) and with its policy, the nodes whose digests a
/// signed trust set lists, and the expected exit code and findings
/// (`severity code path`). The set is signed with a key made here.
#[test]
fn attacks_fail_and_their_controls_keep_their_verdict() {
    let dir = tempfile::tempdir().expect("tempdir");
    let Some((private, public)) = p256_key(dir.path(), "attacks") else {
        return;
    };
    let mut cases: Vec<PathBuf> = std::fs::read_dir(repo("testdata/attacks"))
        .expect("testdata/attacks")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("case.toml").is_file())
        .collect();
    cases.sort();
    assert!(cases.len() >= 20, "attack cases: {}", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        let spec: AttackCase =
            toml::from_str(&std::fs::read_to_string(case.join("case.toml")).expect("case.toml"))
                .unwrap_or_else(|e| panic!("{name}/case.toml: {e}"));
        assert!(!spec.class.is_empty() && !spec.what.is_empty(), "{name}");
        let control = wat::parse_file(case.join("control.wat"))
            .unwrap_or_else(|e| panic!("{name}/control.wat: {e}"));
        let analysis =
            wasm_audit::analyze_bytes("control.wasm", &control, &wasm_audit::Options::default())
                .unwrap_or_else(|e| panic!("{name}/control.wat: {e}"));
        let entries: Vec<Value> = spec
            .trust
            .iter()
            .map(|t| {
                let (path, entry_name) = match t {
                    AttackTrust::Path(p) => (p, None),
                    AttackTrust::Named { path, name } => (path, Some(name)),
                };
                let node = analysis
                    .node(path)
                    .unwrap_or_else(|| panic!("{name}: no node {path} in the control"));
                // The digest is the SHA-256 of the node's bytes, computed here.
                let digest = common::sha256(&control[node.range()]);
                // Without a name, the path: no node is called that, so it
                // can only match by digest.
                json!({ "name": entry_name.unwrap_or(path), "digest": digest })
            })
            .collect();
        let case_dir = dir.path().join(&name);
        std::fs::create_dir_all(&case_dir).expect("mkdir");
        let set = case_dir.join("trusted.json");
        write_json(&set, &json!({ "version": 1, "entries": entries }));
        let sig = sign(&case_dir, &private, &set);
        for (side, expected) in [("attack", &spec.attack), ("control", &spec.control)] {
            let bytes = wat::parse_file(case.join(format!("{side}.wat")))
                .unwrap_or_else(|e| panic!("{name}/{side}.wat: {e}"));
            let wasm = case_dir.join(format!("{side}.wasm"));
            std::fs::write(&wasm, &bytes).expect("write");
            let policy = case_dir.join(format!("{side}.toml"));
            std::fs::write(&policy, expected.policy.as_ref().unwrap_or(&spec.policy))
                .expect("write");
            let r = check(&[
                wasm.as_os_str(),
                "--policy".as_ref(),
                policy.as_os_str(),
                "--trust".as_ref(),
                set.as_os_str(),
                "--signature".as_ref(),
                sig.as_os_str(),
                "--key".as_ref(),
                public.as_os_str(),
            ]);
            let mut got: Vec<String> = r.report["findings"]
                .as_array()
                .map(|f| {
                    f.iter()
                        .map(|x| {
                            format!(
                                "{} {} {}",
                                x["severity"].as_str().unwrap_or(""),
                                x["code"].as_str().unwrap_or(""),
                                x["path"].as_str().unwrap_or("-")
                            )
                        })
                        .collect()
                })
                .unwrap_or_default();
            got.sort();
            let mut want = expected.findings.clone();
            want.sort();
            let stderr_ok = expected
                .stderr
                .as_ref()
                .is_none_or(|s| r.stderr.contains(s.as_str()));
            if r.code != expected.exit || got != want || !stderr_ok {
                failures.push(format!(
                    "{name} {side} ({}): exit {} (want {}), findings {got:?} (want {want:?}), stderr {:?}\n  messages: {:?}",
                    spec.what,
                    r.code,
                    expected.exit,
                    r.stderr,
                    r.report["findings"]
                        .as_array()
                        .map(|f| f.iter().map(|x| x["message"].clone()).collect::<Vec<_>>())
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} sides wrong:\n{}",
        failures.len(),
        cases.len() * 2,
        failures.join("\n")
    );
}

/// The examples of the README's "What needs trust": each module in the
/// table acts (class `code`, with the reason the table gives), the fixup
/// is a shim, the imported module is imported code.
#[test]
fn readme_trust_rule_examples_hold() {
    let readme = std::fs::read_to_string(repo("README.md")).expect("README");
    let section = readme
        .split("### What needs trust")
        .nth(1)
        .and_then(|s| s.split("\n### ").next())
        .expect("a What needs trust section");
    let analyse = |wat: &str| {
        let bytes = wat::parse_str(wat).unwrap_or_else(|e| panic!("{wat}: {e}"));
        wasm_audit::analyze_bytes("example.wasm", &bytes, &wasm_audit::Options::default())
            .unwrap_or_else(|e| panic!("{wat}: {e}"))
    };
    let mut rows = 0;
    for line in section
        .lines()
        .filter(|l| l.starts_with("| ") && l.contains("`(module"))
    {
        let cells: Vec<&str> = line.split(" | ").collect();
        let wat = cells[1]
            .trim()
            .trim_end_matches(" |")
            .trim_matches('`')
            .replace("\\\\", "\\");
        let a = analyse(&wat);
        let root = a.root();
        assert_eq!(root.class.as_str(), "code", "{wat}");
        let keyword = [
            "function bod",
            "start",
            "data segment",
            "element segment",
            "initial contents",
        ]
        .into_iter()
        .find(|k| cells[0].contains(k))
        .unwrap_or_else(|| panic!("a row of an unknown kind: {line}"));
        assert!(
            root.acts.iter().any(|r| r.contains(keyword)),
            "{wat}: {:?} does not say {keyword:?}",
            root.acts
        );
        rows += 1;
    }
    assert_eq!(rows, 5, "the table's examples");
    let blocks: Vec<&str> = section
        .split("```wat")
        .skip(1)
        .map(|b| b.split("```").next().unwrap())
        .collect();
    assert_eq!(blocks.len(), 2, "the imported-code and fixup examples");
    let imported = analyse(blocks[0]);
    assert_eq!(imported.wiring().expect("wiring").imported_code.len(), 1);
    let fixup = analyse(blocks[1]);
    assert_eq!(fixup.root().class.as_str(), "shim");
}

/// Registry origin end to end: the policy's `[registries]` (files
/// relative to it), the flags that add to them, the report's `origin`
/// held to its schema, and unreadable or malformed registry files as
/// errors (exit 2) that name the file and line.
#[test]
fn registry_origin_from_the_policy_and_the_flags() {
    let dir = repo("testdata/registries");
    let policy = dir.join("wasm-audit.toml");
    let run = check(&[demo().as_os_str(), "--policy".as_ref(), policy.as_os_str()]);
    assert_eq!(run.code, 0, "{}\n{}", run.stderr, run.report);
    assert_valid(
        &schema_validator(&repo("schemas/report.schema.json")),
        &run.report,
        "report with origin",
    );
    let sources = run.report["origin"]["sources"].as_array().expect("sources");
    assert_eq!(sources.len(), 2);
    assert_eq!(sources[0]["registry"], "registry.myorg.example");
    assert_eq!(sources[0]["line"], 6);

    // A lock naming the internal namespace under another registry.
    let confused = dir.join("wkg-confused.lock");
    let run = check(&[
        demo().as_os_str(),
        "--policy".as_ref(),
        policy.as_os_str(),
        "--lock".as_ref(),
        confused.as_os_str(),
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(codes(&run.report), ["namespace-confusion"]);
    let message = run.report["findings"][0]["message"].as_str().unwrap_or("");
    assert!(
        message.contains(
            "wkg-confused.lock:6: package `myorg:logging` 1.0.0 is locked to registry `ghcr.io`"
        ),
        "{message}"
    );

    // A configuration that leaves the namespace to the default registry.
    let tmp = tempfile::tempdir().expect("tempdir");
    let config = tmp.path().join("config.toml");
    std::fs::write(&config, "default_registry = \"wasi.dev\"\n").expect("write");
    let run = check(&[
        demo().as_os_str(),
        "--policy".as_ref(),
        policy.as_os_str(),
        "--wkg-config".as_ref(),
        config.as_os_str(),
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(codes(&run.report), ["namespace-confusion"]);

    // Malformed or missing: exit 2, the file and line named, no report.
    std::fs::write(
        &config,
        "[namespace_registries]\nMyOrg = \"registry.myorg.example\"\n",
    )
    .expect("write");
    let run = check(&[
        demo().as_os_str(),
        "--policy".as_ref(),
        policy.as_os_str(),
        "--wkg-config".as_ref(),
        config.as_os_str(),
    ]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("config.toml:2:"), "{}", run.stderr);
    assert_eq!(run.report, Value::Null);
    let missing = tmp.path().join("nope.lock");
    let run = check(&[
        demo().as_os_str(),
        "--policy".as_ref(),
        policy.as_os_str(),
        "--lock".as_ref(),
        missing.as_os_str(),
    ]);
    assert_eq!(run.code, 2, "{}", run.stderr);
}
