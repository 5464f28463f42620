//! End-to-end tests of the command line: outputs held to their JSON
//! Schemas, exit codes, `extract`, `wit`, and the graph renderings.

use crate::common;
use crate::common::{assert_valid, repo};

use std::path::{Path, PathBuf};

use serde_json::Value;

fn schema(name: &str) -> jsonschema::Validator {
    let text = std::fs::read_to_string(repo("schemas").join(name)).expect("schema");
    let schema: Value = serde_json::from_str(&text).expect("schema JSON");
    jsonschema::validator_for(&schema).expect("valid schema")
}

fn json_stdout(out: &std::process::Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}); stderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

const NESTED_WAT: &str = "testdata/wat/nested.wat";

#[test]
fn tree_json_holds_to_its_schema_on_fixtures_and_corpus() {
    let validator = schema("tree.schema.json");
    let mut args: Vec<PathBuf> = vec![repo(NESTED_WAT)];
    if common::corpus().is_some() {
        for name in [
            "jco__runtime_simple-nested.component.wasm",
            "wasmcloud__wash_fixtures_http_hello_world_rust.wasm",
            "spin__wit-pkg_wasi_http.wasm",
            "jco__lib_wasi_snapshot_preview1.reactor.core.wasm",
            "wasmcp__components_server_composed.wasm",
            "jco__runtime_simple-nested.component.wasm",
        ] {
            args.push(common::corpus_file(name).expect("corpus"));
        }
    }
    let mut cmd = common::bin();
    cmd.args(["tree", "--format", "json"]).args(&args);
    let out = cmd.output().expect("run");
    assert_eq!(
        common::code(&out),
        0,
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc = json_stdout(&out);
    assert_valid(&validator, &doc, "tree");
    let files = doc["files"].as_array().expect("files");
    assert_eq!(files.len(), args.len(), "one entry per input, in order");
    for (entry, arg) in files.iter().zip(&args) {
        assert_eq!(entry["file"], arg.display().to_string());
    }

    // The WAT fixture: depth 3, names from the component-name section, the
    // authors annotation, classes.
    let nodes = files[0]["nodes"].as_array().expect("nodes");
    let by_path = |p: &str| {
        nodes
            .iter()
            .find(|n| n["path"] == p)
            .unwrap_or_else(|| panic!("no node {p}"))
    };
    assert_eq!(files[0]["from_wat"], true);
    assert_eq!(by_path("/")["class"], "glue");
    assert_eq!(by_path("/module[0]")["class"], "glue");
    assert_eq!(by_path("/component[0]")["name"], "app");
    assert_eq!(by_path("/component[0]")["class"], "code");
    assert_eq!(by_path("/component[0]/module[0]")["function_bodies"], 2);
    let leaf = by_path("/component[0]/component[0]");
    assert_eq!(leaf["depth"], 2);
    assert_eq!(leaf["metadata"]["authors"], "Leaf Team <leaf@example.com>");
    assert_eq!(by_path("/component[0]/component[0]/module[0]")["depth"], 3);
    let imports: Vec<&str> = by_path("/")["imports"]
        .as_array()
        .expect("imports")
        .iter()
        .map(|i| i["name"].as_str().expect("name"))
        .collect();
    assert_eq!(
        imports,
        ["wasi:cli/stdout@0.2.0", "wasi:filesystem/preopens@0.2.0"]
    );
    assert_eq!(by_path("/")["imports"][1]["interface"], "preopens");
    assert_eq!(by_path("/")["imports"][1]["version"], "0.2.0");
}

#[test]
fn tree_json_reports_failed_inputs_in_place() {
    let validator = schema("tree.schema.json");
    let dir = tempfile::tempdir().expect("tempdir");
    let empty = dir.path().join("empty.wasm");
    std::fs::write(&empty, b"").expect("write");
    let out = common::run([
        "tree".as_ref(),
        "--format".as_ref(),
        "json".as_ref(),
        repo(NESTED_WAT).as_os_str(),
        empty.as_os_str(),
    ]);
    assert_eq!(common::code(&out), 2, "a failed input makes the run fail");
    let doc = json_stdout(&out);
    assert_valid(&validator, &doc, "tree with an error");
    assert!(doc["files"][0]["nodes"].is_array());
    assert!(doc["files"][1]["error"]
        .as_str()
        .expect("error")
        .contains("empty"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("error:") && stderr.contains("empty"),
        "{stderr}"
    );
}

#[test]
fn graph_json_holds_to_its_schema_and_is_consistent() {
    let validator = schema("graph.schema.json");
    let mut inputs = vec![repo(NESTED_WAT)];
    if let Some(f) = common::corpus_file("jco__runtime_simple-nested.component.wasm") {
        inputs.push(f);
        inputs.push(
            common::corpus_file("jco__examples_transpile_p3-stream-chat.wasm").expect("corpus"),
        );
    }
    for input in inputs {
        let tree = json_stdout(&common::run([
            "tree".as_ref(),
            "--format".as_ref(),
            "json".as_ref(),
            input.as_os_str(),
        ]));
        let out = common::run([
            "graph".as_ref(),
            "--format".as_ref(),
            "json".as_ref(),
            input.as_os_str(),
        ]);
        assert_eq!(common::code(&out), 0);
        let doc = json_stdout(&out);
        assert_valid(&validator, &doc, &input.display().to_string());
        assert_eq!(doc["files"].as_array().map(Vec::len), Some(1));
        let doc = &doc["files"][0];
        assert_eq!(doc["file"], input.display().to_string());

        let nodes = doc["nodes"].as_array().expect("nodes");
        let ids: std::collections::BTreeSet<&str> = nodes
            .iter()
            .map(|n| n["id"].as_str().expect("id"))
            .collect();
        assert_eq!(ids.len(), nodes.len(), "ids are unique");
        let edges = doc["edges"].as_array().expect("edges");
        for e in edges {
            assert!(ids.contains(e["from"].as_str().expect("from")), "{e}");
            assert!(ids.contains(e["to"].as_str().expect("to")), "{e}");
        }
        let tree_nodes = tree["files"][0]["nodes"].as_array().expect("tree nodes");
        let contains = edges.iter().filter(|e| e["kind"] == "contains").count();
        assert_eq!(
            contains,
            tree_nodes.len() - 1,
            "a contains edge per nested node"
        );
        // Every root import by interface name is provided by the host.
        for import in tree_nodes[0]["imports"].as_array().expect("imports") {
            if import["form"] == "interface" {
                let name = import["name"].as_str().expect("name");
                assert!(
                    edges
                        .iter()
                        .any(|e| e["from"] == "host" && e["to"] == name && e["kind"] == "exports"),
                    "host provides {name}"
                );
                assert!(
                    edges
                        .iter()
                        .any(|e| e["from"] == "/" && e["to"] == name && e["kind"] == "imports"),
                    "root imports {name}"
                );
            }
        }
        // Digests in the graph are the tree's.
        for n in tree_nodes {
            let g = nodes
                .iter()
                .find(|g| g["id"] == n["path"])
                .expect("node in graph");
            assert_eq!(g["digest"], n["digest"]);
        }
    }
}

#[test]
fn graph_dot_and_mermaid_draw_every_node_and_edge() {
    let input = repo(NESTED_WAT);
    let dot = common::run([
        "graph".as_ref(),
        "--full".as_ref(),
        "--format".as_ref(),
        "dot".as_ref(),
        input.as_os_str(),
    ]);
    assert_eq!(common::code(&dot), 0);
    let dot = String::from_utf8(dot.stdout).expect("utf-8");
    assert!(dot.starts_with("digraph "), "{dot}");
    assert!(dot.trim_end().ends_with('}'));
    // 7 nodes + 2 interfaces + host; 6 contains + 2 imports + 2 host
    // exports + 2 host → root satisfies (nothing is instantiated).
    assert_eq!(
        dot.lines()
            .filter(|l| l.contains("[label=") && !l.contains("->"))
            .count(),
        10
    );
    assert_eq!(dot.lines().filter(|l| l.contains(" -> ")).count(), 12);
    assert_eq!(dot.lines().filter(|l| l.contains("satisfies")).count(), 2);
    assert!(dot.contains("wasi:filesystem/preopens@0.2.0"));

    let mm = common::run([
        "graph".as_ref(),
        "--full".as_ref(),
        "--format".as_ref(),
        "mermaid".as_ref(),
        input.as_os_str(),
    ]);
    assert_eq!(common::code(&mm), 0);
    let mm = String::from_utf8(mm.stdout).expect("utf-8");
    assert!(mm.starts_with("flowchart LR\n"));
    assert_eq!(mm.lines().filter(|l| l.contains("|\"")).count(), 12);
    assert!(!mm.contains("\"\""), "no empty labels");

    // When Graphviz is installed, the DOT must render.
    if std::process::Command::new("dot").arg("-V").output().is_ok() {
        let mut child = std::process::Command::new("dot")
            .arg("-Tsvg")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("dot");
        use std::io::Write;
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(dot.as_bytes())
            .expect("write");
        let out = child.wait_with_output().expect("dot output");
        assert!(out.status.success(), "dot rejected the graph");
        assert!(String::from_utf8_lossy(&out.stdout).contains("<svg"));
    }
}

#[test]
fn extract_writes_exactly_the_node_bytes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = repo(NESTED_WAT);
    let tree = json_stdout(&common::run([
        "tree".as_ref(),
        "--format".as_ref(),
        "json".as_ref(),
        input.as_os_str(),
    ]));
    let bin = wat::parse_file(&input).expect("assemble");
    for node in tree["files"][0]["nodes"].as_array().expect("nodes") {
        let path = node["path"].as_str().expect("path");
        let out_file = dir.path().join("node.wasm");
        let out = common::run([
            "extract".as_ref(),
            input.as_os_str(),
            "--node".as_ref(),
            path.as_ref(),
            "-o".as_ref(),
            out_file.as_os_str(),
        ]);
        assert_eq!(
            common::code(&out),
            0,
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let bytes = std::fs::read(&out_file).expect("read");
        assert_eq!(common::sha256(&bytes), node["digest"], "{path}");
        let off = node["offset"].as_u64().expect("offset") as usize;
        let size = node["size"].as_u64().expect("size") as usize;
        assert_eq!(&bin[off..off + size], &bytes[..], "{path}");
    }

    // Extract to stdout.
    let out = common::run([
        "extract".as_ref(),
        input.as_os_str(),
        "--node".as_ref(),
        "/component[0]".as_ref(),
        "-o".as_ref(),
        "-".as_ref(),
    ]);
    assert_eq!(common::code(&out), 0);
    assert!(out.stdout.starts_with(b"\0asm"));

    // An unknown path is an error that says how to list paths.
    let out = common::run([
        "extract".as_ref(),
        input.as_os_str(),
        "--node".as_ref(),
        "/component[9]".as_ref(),
        "-o".as_ref(),
        dir.path().join("x.wasm").as_os_str(),
    ]);
    assert_eq!(common::code(&out), 2);
    assert!(String::from_utf8_lossy(&out.stderr).contains("wasm-audit tree"));
    assert!(!dir.path().join("x.wasm").exists(), "no output on failure");
}

#[test]
fn extract_refuses_to_overwrite_its_input() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("in.wat");
    std::fs::copy(repo(NESTED_WAT), &input).expect("copy");
    let before = std::fs::read(&input).expect("read");
    let out = common::run([
        "extract".as_ref(),
        input.as_os_str(),
        "--node".as_ref(),
        "/component[0]".as_ref(),
        "-o".as_ref(),
        dir.path().join(".").join("in.wat").as_os_str(),
    ]);
    assert_eq!(common::code(&out), 2);
    assert!(String::from_utf8_lossy(&out.stderr).contains("input"));
    assert_eq!(
        std::fs::read(&input).expect("read"),
        before,
        "input untouched"
    );
}

#[test]
fn wit_of_root_and_nested_nodes() {
    let Some(file) = common::corpus_file("jco__runtime_simple-nested.component.wasm") else {
        return;
    };
    let out = common::run([
        "wit".as_ref(),
        file.as_os_str(),
        "--node".as_ref(),
        "/component[0]".as_ref(),
    ]);
    assert_eq!(
        common::code(&out),
        0,
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).expect("utf-8");
    assert!(text.contains("world "), "{text}");

    // The nested node's WIT equals the WIT of its extracted bytes.
    let dir = tempfile::tempdir().expect("tempdir");
    let extracted = dir.path().join("c0.wasm");
    let out = common::run([
        "extract".as_ref(),
        file.as_os_str(),
        "--node".as_ref(),
        "/component[0]".as_ref(),
        "-o".as_ref(),
        extracted.as_os_str(),
    ]);
    assert_eq!(common::code(&out), 0);
    let out2 = common::run(["wit".as_ref(), extracted.as_os_str()]);
    assert_eq!(String::from_utf8(out2.stdout).expect("utf-8"), text);

    // A core module has no WIT: exit 2 with a reason.
    let out = common::run([
        "wit".as_ref(),
        file.as_os_str(),
        "--node".as_ref(),
        "/component[0]/module[0]".as_ref(),
    ]);
    assert_eq!(common::code(&out), 2);
    assert!(String::from_utf8_lossy(&out.stderr).contains("core module"));
}

#[test]
fn stdin_and_wat_inputs() {
    let bin = wat::parse_file(repo(NESTED_WAT)).expect("assemble");
    let mut child = common::bin()
        .args(["tree", "--format", "json", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    use std::io::Write;
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(&bin)
        .expect("write");
    let out = child.wait_with_output().expect("wait");
    assert_eq!(common::code(&out), 0);
    let doc = json_stdout(&out);
    assert_eq!(doc["files"][0]["file"], "-");
    assert_eq!(doc["files"][0]["digest"], common::sha256(&bin));

    let out = common::run(["tree", "-", "-"]);
    assert_eq!(common::code(&out), 2, "stdin only once");
}

#[test]
fn help_documents_examples_and_exit_codes() {
    let out = common::run(["--help"]);
    assert_eq!(common::code(&out), 0);
    let help = String::from_utf8_lossy(&out.stdout);
    for needle in [
        "Examples:",
        "Exit codes:",
        "tree",
        "graph",
        "wit",
        "extract",
        "--max-depth",
    ] {
        assert!(help.contains(needle), "--help mentions {needle}");
    }
    for sub in ["tree", "graph", "wit", "extract"] {
        let out = common::run([sub, "--help"]);
        assert_eq!(common::code(&out), 0);
        let help = String::from_utf8_lossy(&out.stdout);
        assert!(
            help.contains("Examples:") && help.contains("Exit codes:"),
            "{sub} --help"
        );
    }
    let out = common::run(["tree"]);
    assert_eq!(common::code(&out), 2, "missing argument is a usage error");
    let out = common::run(["no-such-command"]);
    assert_eq!(common::code(&out), 2);
}

#[test]
fn caps_json_holds_to_its_schema_and_follows_the_wiring() {
    let validator = schema("caps.schema.json");
    let fixture = repo("testdata/wiring/pass-down.wat");
    let mut args = vec![fixture.clone()];
    if let Some(f) = common::corpus_file("jco__env-allow.composed.wasm") {
        args.push(f);
        args.push(
            common::corpus_file("wasmcloud__wash_fixtures_http_hello_world_rust.wasm")
                .expect("corpus"),
        );
    }
    let mut cmd = common::bin();
    cmd.args(["caps", "--format", "json"]).args(&args);
    let out = cmd.output().expect("run");
    assert_eq!(
        common::code(&out),
        0,
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc = json_stdout(&out);
    assert_valid(&validator, &doc, "caps");

    let parts = doc["files"][0]["components"].as_array().expect("parts");
    let part = |p: &str| parts.iter().find(|x| x["path"] == p).expect("part");
    let leaf = part("/component[0]/component[0]");
    assert_eq!(leaf["instantiated"], true);
    let caps = leaf["capabilities"].as_array().expect("caps");
    assert_eq!(caps.len(), 1);
    assert_eq!(caps[0]["interface"], "wasi:filesystem/preopens@0.2.0");
    assert_eq!(caps[0]["family"], "wasi:filesystem");
    let via: Vec<(&str, &str)> = caps[0]["via"]
        .as_array()
        .expect("via")
        .iter()
        .map(|b| {
            (
                b["path"].as_str().expect("path"),
                b["import"].as_str().expect("import"),
            )
        })
        .collect();
    assert_eq!(
        via,
        [
            ("/", "wasi:filesystem/preopens@0.2.0"),
            ("/component[0]", "wasi:filesystem/preopens@0.2.0"),
            ("/component[0]/component[0]", "fs"),
        ]
    );
    let dormant = part("/component[0]/component[0]/module[0]");
    assert_eq!(dormant["instantiated"], false);
    assert!(dormant["capabilities"].as_array().expect("caps").is_empty());

    // A real component: the preview1 adapter, not the application's code
    // module, is what the filesystem reaches.
    if args.len() > 2 {
        let parts = doc["files"][2]["components"].as_array().expect("parts");
        let fs = |p: &serde_json::Value| {
            p["capabilities"]
                .as_array()
                .expect("caps")
                .iter()
                .any(|c| c["family"] == "wasi:filesystem")
        };
        let adapter = parts
            .iter()
            .find(|p| p["class"] == "adapter")
            .expect("adapter");
        assert!(fs(adapter), "the adapter gets the filesystem");
        let code: Vec<_> = parts
            .iter()
            .filter(|p| p["kind"] == "module" && p["class"] == "code")
            .collect();
        assert_eq!(code.len(), 1);
        assert!(
            !fs(code[0]),
            "the code module does not import the filesystem itself"
        );
    }

    // Text output groups by family, riskiest first.
    let out = common::run(["caps".as_ref(), fixture.as_os_str()]);
    assert_eq!(common::code(&out), 0);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("not instantiated: reaches nothing"), "{text}");
    assert!(
        text.contains("wasi:filesystem/preopens@0.2.0 as fs"),
        "{text}"
    );
}

#[test]
fn graph_marks_what_each_binding_carries() {
    let input = repo("testdata/wiring/outer-alias.wat");
    let out = common::run([
        "graph".as_ref(),
        "--format".as_ref(),
        "json".as_ref(),
        input.as_os_str(),
    ]);
    assert_eq!(common::code(&out), 0);
    let doc = json_stdout(&out);
    assert_valid(&schema("graph.schema.json"), &doc, "outer-alias graph");
    let edges = doc["files"][0]["edges"].as_array().expect("edges");
    let renamed = edges
        .iter()
        .find(|e| {
            e["kind"] == "satisfies" && e["from"] == "/component[1]" && e["to"] == "/component[0]"
        })
        .expect("wrapper satisfies shared");
    assert_eq!(renamed["interface"], "net");
    assert_eq!(
        renamed["carries"],
        serde_json::json!(["wasi:sockets/tcp@0.2.0"])
    );
    let instantiates: Vec<(&str, &str)> = edges
        .iter()
        .filter(|e| e["kind"] == "instantiates")
        .map(|e| {
            (
                e["from"].as_str().expect("from"),
                e["to"].as_str().expect("to"),
            )
        })
        .collect();
    assert_eq!(
        instantiates,
        [
            ("/#instance[1]", "/component[1]"),
            ("/component[1]#instance[1]", "/component[0]")
        ]
    );

    // The full DOT drawing paints the socket flow, including the renamed binding.
    let out = common::run([
        "graph".as_ref(),
        "--full".as_ref(),
        "--format".as_ref(),
        "dot".as_ref(),
        input.as_os_str(),
    ]);
    let dot = String::from_utf8(out.stdout).expect("utf-8");
    let red = dot
        .lines()
        .filter(|l| l.contains("satisfies") && l.contains("#d62828"))
        .count();
    assert_eq!(red, 3, "host → root → wrapper → shared: {dot}");
}

/// The default view: the components, what reaches them, the risky flow in
/// red; several inputs, one after the other; JSON with one entry each.
#[test]
fn graph_overview_shows_components_capabilities_and_risky_flows() {
    let tampered = repo("testdata/demo/app-tampered.wasm");
    let app = repo("testdata/demo/app.wasm");
    let out = common::run([tampered.as_os_str(), app.as_os_str()].iter().fold(
        vec![std::ffi::OsStr::new("graph")],
        |mut v, a| {
            v.push(a);
            v
        },
    ));
    assert_eq!(common::code(&out), 0);
    let text = String::from_utf8(out.stdout).expect("utf-8");
    assert_eq!(
        text.lines()
            .filter(|l| l.starts_with("    /component[0] logger  code"))
            .count(),
        2,
        "{text}"
    );
    assert_eq!(
        text.matches("<- host wasi:sockets: tcp @0.2.0  [risky]")
            .count(),
        1,
        "only the tampered logger reaches the network: {text}"
    );
    assert_eq!(
        text.matches("<- /component[0] logger: demo:app/log")
            .count(),
        2
    );

    let dot = |file: &Path| {
        let out = common::run([
            "graph".as_ref(),
            "--format".as_ref(),
            "dot".as_ref(),
            file.as_os_str(),
        ]);
        assert_eq!(common::code(&out), 0);
        String::from_utf8(out.stdout).expect("utf-8")
    };
    let d = dot(&tampered);
    // Two components inside the root's cluster; no module, instance or
    // interface node.
    assert_eq!(d.matches("subgraph cluster_p0").count(), 1, "{d}");
    assert_eq!(
        d.lines()
            .filter(|l| l.trim_start().starts_with('p')
                && l.contains("[label=")
                && !l.contains("->"))
            .count(),
        2,
        "{d}"
    );
    assert!(!d.contains("module[0]"), "{d}");
    let red: Vec<&str> = d
        .lines()
        .filter(|l| l.contains(" -> ") && l.contains("#d62828"))
        .collect();
    assert_eq!(red.len(), 1, "{d}");
    assert!(red[0].contains("tcp @0.2.0"), "{red:?}");
    assert!(!dot(&app)
        .lines()
        .any(|l| l.contains(" -> ") && l.contains("#d62828")));

    let out = common::run([
        "graph".as_ref(),
        "--format".as_ref(),
        "json".as_ref(),
        tampered.as_os_str(),
        repo("testdata/demo/missing.wasm").as_os_str(),
    ]);
    assert_eq!(common::code(&out), 2, "a missing input is an error");
    let doc = json_stdout(&out);
    assert_valid(&schema("graph.schema.json"), &doc, "two inputs");
    assert!(doc["files"][0]["nodes"].is_array());
    assert!(doc["files"][1]["error"].is_string());
}

/// Runs a shell snippet; its stdout, and whether it succeeded.
fn shell(program: &str, args: &[&str], script: &str) -> (bool, String, String) {
    let out = std::process::Command::new(program)
        .args(args)
        .arg(script)
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("{program}: {e}"));
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn completions_load_and_complete_in_bash_zsh_and_fish() {
    let dir = tempfile::tempdir().expect("tempdir");
    let script = |shell: &str| {
        let out = common::run(["completions", shell]);
        assert_eq!(common::code(&out), 0, "{shell}");
        let path = dir.path().join(format!("wasm-audit.{shell}"));
        std::fs::write(&path, &out.stdout).expect("write");
        path.display().to_string()
    };
    // bash: the script parses, loads, registers itself, and completes
    // commands, a command's options and an option's values.
    let bash = script("bash");
    let (ok, _, err) = shell("bash", &["-n"], &bash);
    assert!(ok, "bash -n: {err}");
    let complete = |words: &[&str]| {
        let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
        let cword = words.len() - 1;
        let prev = if cword > 0 { words[cword - 1] } else { "" };
        let (ok, out, err) = shell(
            "bash",
            &["--norc", "-c"],
            &format!(
                "source '{bash}' && complete -p wasm-audit >/dev/null && COMP_WORDS=({}) && COMP_CWORD={cword} && \
                 COMP_LINE=\"${{COMP_WORDS[*]}}\" && COMP_POINT=${{#COMP_LINE}} && \
                 _wasm__audit wasm-audit '{}' '{prev}' && printf '%s\\n' \"${{COMPREPLY[@]}}\"",
                quoted.join(" "),
                words[cword]
            ),
        );
        assert!(ok, "bash completion of {words:?}: {err}");
        out.lines().map(str::to_string).collect::<Vec<_>>()
    };
    assert_eq!(complete(&["wasm-audit", "ch"]), ["check"]);
    assert!(complete(&["wasm-audit", "check", "--rep"]).contains(&"--report".to_string()));
    assert_eq!(
        complete(&["wasm-audit", "check", "--format", ""]),
        ["text", "json", "sarif", "junit", "markdown"]
    );
    assert_eq!(complete(&["wasm-audit", "diff", "--color", "n"]), ["never"]);
    assert!(complete(&["wasm-audit", "completions", ""]).contains(&"zsh".to_string()));

    // zsh: parses, and defines the completion function when loaded by
    // compinit.
    if common::tool("zsh", "zsh --version") {
        let zsh = script("zsh");
        let (ok, _, err) = shell("zsh", &["-n"], &zsh);
        assert!(ok, "zsh -n: {err}");
        let (ok, out, err) = shell(
            "zsh",
            &["-f", "-c"],
            &format!(
                "autoload -Uz compinit && compinit -u -D && source '{zsh}' && print -r -- ${{+functions[_wasm-audit]}} $_comps[wasm-audit]"
            ),
        );
        assert!(ok, "zsh: {err}");
        assert_eq!(out.trim(), "1 _wasm-audit");
    }
    // fish: parses, and completes for real (`complete -C`).
    if common::tool("fish", "fish --version") {
        let fish = script("fish");
        let (ok, _, err) = shell("fish", &["--no-execute"], &fish);
        assert!(ok, "fish -n: {err}");
        let (ok, out, err) = shell(
            "fish",
            &["--no-config", "-c"],
            &format!("source '{fish}'; complete -C 'wasm-audit che'; complete -C 'wasm-audit check --color '"),
        );
        assert!(ok, "fish: {err}");
        assert!(out.lines().any(|l| l.starts_with("check\t")), "{out}");
        for v in ["auto", "always", "never"] {
            assert!(
                out.lines()
                    .any(|l| l == v || l.starts_with(&format!("{v}\t"))),
                "{out}"
            );
        }
    }
    let out = common::run(["completions", "tcsh"]);
    assert_eq!(common::code(&out), 2);
}

#[test]
fn man_pages_render_one_per_command() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mandir = dir.path().join("man").join("man1");
    let out = common::run(["man", "--output-dir", mandir.to_str().expect("utf-8")]);
    assert_eq!(
        common::code(&out),
        0,
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut pages: Vec<String> = std::fs::read_dir(&mandir)
        .expect("man dir")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    pages.sort();
    let commands = [
        "caps",
        "check",
        "completions",
        "diff",
        "digests",
        "extract",
        "graph",
        "init",
        "man",
        "sbom",
        "tree",
        "verify-bundle",
        "wit",
    ];
    let mut expected: Vec<String> = commands
        .iter()
        .map(|c| format!("wasm-audit-{c}.1"))
        .collect();
    expected.push("wasm-audit.1".into());
    expected.sort();
    assert_eq!(pages, expected);
    // `man COMMAND` prints the same page.
    let out = common::run(["man", "check"]);
    assert_eq!(common::code(&out), 0);
    assert_eq!(
        out.stdout,
        std::fs::read(mandir.join("wasm-audit-check.1")).expect("page")
    );
    let out = common::run(["man", "nosuch"]);
    assert_eq!(common::code(&out), 2);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with("error: man: no command `nosuch`") && err.lines().count() == 1,
        "{err}"
    );

    // Every page renders without a warning from groff, and as `man -l`
    // shows it: the sections a reader looks for.
    if common::tool("groff", "groff --version") {
        for page in &pages {
            let path = mandir.join(page);
            let out = std::process::Command::new("groff")
                .args(["-man", "-Tascii", "-ww", "-z"])
                .arg(&path)
                .output()
                .expect("groff");
            assert!(
                out.status.success() && out.stderr.is_empty(),
                "{page}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
    if common::tool("man", "man --version") {
        let render = |page: &str| {
            let out = std::process::Command::new("man")
                .arg("-l")
                .arg(mandir.join(page))
                .env("MANWIDTH", "100")
                .env("MAN_KEEP_FORMATTING", "")
                .output()
                .expect("man");
            assert!(out.status.success(), "{page}");
            // Bold and underline are overstrikes when not on a terminal.
            let text = String::from_utf8_lossy(&out.stdout).into_owned();
            let mut plain = String::new();
            for c in text.chars() {
                if c == '\u{8}' {
                    plain.pop();
                } else {
                    plain.push(c);
                }
            }
            plain
        };
        let check = render("wasm-audit-check.1");
        for section in [
            "NAME",
            "SYNOPSIS",
            "OPTIONS",
            "EXIT STATUS",
            "EXAMPLES",
            "SEE ALSO",
        ] {
            assert!(
                check.lines().any(|l| l == section),
                "{section} in:\n{check}"
            );
        }
        assert!(check.contains("wasm-audit check app.wasm --policy wasm-audit.toml --format sarif -o wasm-audit.sarif"), "{check}");
        assert!(check.contains("--report <FORMAT=PATH>"), "{check}");
        assert!(check.contains("wasm-audit(1)"), "{check}");
        let main = render("wasm-audit.1");
        for text in [
            "ENVIRONMENT",
            "NO_COLOR",
            "CLICOLOR_FORCE",
            "wasm-audit-check(1)",
            "wasm-audit-man(1)",
        ] {
            assert!(main.contains(text), "{text} in:\n{main}");
        }
    }
}

/// Runs the binary with `args` and `env` (and no colour variables but
/// those), in `dir`; returns stdout.
fn coloured_run(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> (i32, String) {
    let mut cmd = common::bin();
    cmd.args(args).current_dir(dir);
    for v in ["NO_COLOR", "CLICOLOR_FORCE", "CLICOLOR", "TERM"] {
        cmd.env_remove(v);
    }
    cmd.envs(env.iter().copied());
    let out = cmd.output().expect("run");
    (
        common::code(&out),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn color_flags_and_environment() {
    let demo = repo("testdata/demo");
    let check: &[&str] = &["check", "app-tampered.wasm", "--policy", "wasm-audit.toml"];
    let diff: &[&str] = &["diff", "app.wasm", "app-tampered.wasm"];
    let esc = |s: &str| s.contains('\u{1b}');
    for args in [check, diff] {
        let with = |extra: &[&str], env: &[(&str, &str)]| {
            let all: Vec<&str> = args.iter().chain(extra).copied().collect();
            let (code, out) = coloured_run(&demo, &all, env);
            assert!(code == 0 || code == 1, "{all:?}: {code}");
            out
        };
        // Into a pipe: plain, unless forced.
        assert!(!esc(&with(&[], &[])), "{args:?}");
        assert!(esc(&with(&["--color", "always"], &[])));
        assert!(esc(&with(&["--color=always"], &[("NO_COLOR", "1")])));
        assert!(!esc(&with(
            &["--color", "never"],
            &[("CLICOLOR_FORCE", "1")]
        )));
        assert!(esc(&with(&[], &[("CLICOLOR_FORCE", "1")])));
        assert!(!esc(&with(&[], &[("CLICOLOR_FORCE", "0")])));
        assert!(!esc(&with(
            &[],
            &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")]
        )));
        // The same words either way.
        let plain = with(&["--color", "never"], &[]);
        let painted = with(&["--color", "always"], &[]);
        let mut stripped = String::new();
        let mut rest = painted.as_str();
        while let Some(i) = rest.find('\u{1b}') {
            stripped.push_str(&rest[..i]);
            let end = rest[i..].find('m').expect("end of an SGR sequence") + i;
            rest = &rest[end + 1..];
        }
        stripped.push_str(rest);
        assert_eq!(stripped, plain);
    }
    // Machine formats are never coloured.
    let (_, json) = coloured_run(
        &demo,
        &["check", "app.wasm", "--format", "json", "--color", "always"],
        &[],
    );
    serde_json::from_str::<Value>(&json).expect("JSON stays JSON");
    assert!(!esc(&json));
    // clap's own help follows --color too.
    let (_, help) = coloured_run(&demo, &["--color", "always", "check", "--help"], &[]);
    assert!(esc(&help));
    let (_, help) = coloured_run(
        &demo,
        &["check", "--help", "--color=never"],
        &[("CLICOLOR_FORCE", "1")],
    );
    assert!(!esc(&help));
    let (code, _) = coloured_run(&demo, &["--color", "sometimes", "tree", "app.wasm"], &[]);
    assert_eq!(code, 2);

    // On a terminal `auto` colours, and NO_COLOR or TERM=dumb stop it
    // (util-linux `script` gives the command a pseudo-terminal).
    if common::tool("script (util-linux)", "script --version") {
        let bin = env!("CARGO_BIN_EXE_wasm-audit");
        let tty = |env: &str| {
            let (ok, out, err) = shell(
                "sh",
                &["-c"],
                &format!(
                    "cd '{}' && env -u NO_COLOR -u CLICOLOR_FORCE -u CLICOLOR TERM=xterm {env} script -qec \"'{bin}' check app-tampered.wasm --policy wasm-audit.toml\" /dev/null",
                    demo.display()
                ),
            );
            // `script` passes the exit code on: 1, the audit failed.
            assert!(!ok, "{err}");
            out
        };
        assert!(esc(&tty("")));
        assert!(!esc(&tty("NO_COLOR=1")));
        assert!(!esc(&tty("TERM=dumb")));
    }
}

#[test]
fn version_names_the_commit_it_was_built_from() {
    let out = common::run(["--version"]);
    assert_eq!(common::code(&out), 0);
    let version = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert!(
        version.starts_with(&format!("wasm-audit {}", env!("CARGO_PKG_VERSION"))),
        "{version}"
    );
    // Built from a git checkout (as here and in CI): the commit it is at.
    let head = std::process::Command::new("git")
        .args(["-C", env!("CARGO_MANIFEST_DIR"), "rev-parse", "HEAD"])
        .output();
    match head {
        Ok(h) if h.status.success() && repo(".git").exists() => {
            let head = String::from_utf8_lossy(&h.stdout).trim().to_string();
            assert!(
                version.contains(&format!("(commit {}, ", &head[..12])),
                "{version} vs {head}"
            );
        }
        _ => eprintln!("SKIPPED: not a git checkout; {version}"),
    }
    let short = common::run(["-V"]);
    assert_eq!(short.stdout, out.stdout);
}

#[test]
fn check_writes_several_reports_from_one_audit() {
    let demo = repo("testdata/demo");
    let dir = tempfile::tempdir().expect("tempdir");
    let p = |f: &str| dir.path().join(f).display().to_string();
    let (sarif, md, junit, json) = (p("a.sarif"), p("a.md"), p("a.xml"), p("a.json"));
    let mut cmd = common::bin();
    cmd.current_dir(&demo).args([
        "check",
        "app-tampered.wasm",
        "--policy",
        "wasm-audit.toml",
        "--format",
        "text",
        "--report",
        &format!("sarif={sarif}"),
        "--report",
        &format!("markdown={md}"),
        "--report",
        &format!("junit={junit}"),
        "--report",
        &format!("json={json}"),
    ]);
    let out = cmd.output().expect("run");
    assert_eq!(common::code(&out), 1);
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("wasm-audit check: FAIL"));
    let sarif: Value =
        serde_json::from_slice(&std::fs::read(&sarif).expect("sarif")).expect("json");
    assert_eq!(
        sarif["runs"][0]["results"].as_array().map(Vec::len),
        Some(2)
    );
    assert!(std::fs::read_to_string(&md)
        .expect("md")
        .starts_with("## ❌ wasm-audit: FAIL"));
    roxmltree::Document::parse(&std::fs::read_to_string(&junit).expect("junit")).expect("xml");
    let report: Value = serde_json::from_slice(&std::fs::read(&json).expect("json")).expect("json");
    assert_valid(&schema("report.schema.json"), &report, "--report json");
    assert_eq!(report["verdict"], "fail");

    // Usage errors: two outputs to one place, an input as an output, an
    // unknown format, no path.
    for (args, message) in [
        (
            vec!["--report", "sarif=-"],
            "would both write standard output",
        ),
        (
            vec!["--report", "json=app-tampered.wasm"],
            "app-tampered.wasm",
        ),
        (vec!["--report", "html=x.html"], "unknown report format"),
        (vec!["--report", "sarif="], "the path is empty"),
        (
            vec!["-o", "x.sarif", "--report", "sarif=x.sarif"],
            "would both write",
        ),
    ] {
        let mut cmd = common::bin();
        cmd.current_dir(&demo)
            .args(["check", "app-tampered.wasm", "--policy", "wasm-audit.toml"])
            .args(&args);
        let out = cmd.output().expect("run");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(common::code(&out), 2, "{args:?}: {err}");
        assert!(err.contains(message), "{args:?}: {err}");
        assert!(!demo.join("x.sarif").exists());
    }
}
