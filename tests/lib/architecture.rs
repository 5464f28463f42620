//! The module graph of the library, derived from its source: for each
//! top-level module, the other top-level modules its code names
//! (`crate::x` paths and `use crate::x` lines, outside unit tests). It must
//! have no cycle (`docs/architecture.md` says why each module sits where
//! it does), and `model` depends on nothing.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::common::repo;

/// Top-level module of a source file under `src/` (`check` for
/// `src/check/report.rs`); `None` for the binary's files.
fn top_module(src: &Path, file: &Path) -> Option<String> {
    let rel = file.strip_prefix(src).ok()?;
    let first = rel
        .components()
        .next()?
        .as_os_str()
        .to_string_lossy()
        .into_owned();
    let name = first.strip_suffix(".rs").unwrap_or(&first).to_string();
    (!matches!(name.as_str(), "lib" | "main" | "cli" | "manpage")).then_some(name)
}

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).expect("read src").flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

fn module_graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = repo("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for f in files {
        let Some(from) = top_module(&src, &f) else {
            continue;
        };
        let text = std::fs::read_to_string(&f).expect("read");
        // Unit tests may reach anywhere.
        let code = text.split("#[cfg(test)]").next().unwrap_or("");
        let deps = graph.entry(from.clone()).or_default();
        for (i, _) in code.match_indices("crate::") {
            let rest = &code[i + "crate::".len()..];
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            let is_module = src.join(format!("{name}.rs")).is_file() || src.join(&name).is_dir();
            if is_module && name != from {
                deps.insert(name);
            }
        }
    }
    graph
}

#[test]
fn the_module_graph_has_no_cycle_and_model_depends_on_nothing() {
    let graph = module_graph();
    assert!(graph.len() >= 10, "{graph:?}");
    assert!(
        graph.get("model").is_some_and(BTreeSet::is_empty),
        "model depends on {:?}",
        graph.get("model")
    );
    // Depth-first search for a back edge.
    fn visit(
        n: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<String, u8>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        match state.get(n) {
            Some(2) => return None,
            Some(1) => {
                let start = stack.iter().position(|s| s == n).unwrap_or(0);
                let mut cycle = stack[start..].to_vec();
                cycle.push(n.to_string());
                return Some(cycle);
            }
            _ => {}
        }
        state.insert(n.to_string(), 1);
        stack.push(n.to_string());
        for m in graph.get(n).into_iter().flatten() {
            if let Some(c) = visit(m, graph, state, stack) {
                return Some(c);
            }
        }
        stack.pop();
        state.insert(n.to_string(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for n in graph.keys() {
        if let Some(cycle) = visit(n, &graph, &mut state, &mut Vec::new()) {
            panic!("module cycle: {}\nthe graph: {graph:#?}", cycle.join(" → "));
        }
    }
}

/// `unsafe` is denied crate-wide with one exception, allowed where it is
/// written: the read-only mapping of input files. It must stay the only one.
#[test]
fn unsafe_code_is_allowed_in_one_place_only() {
    let src = repo("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut allowed = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).expect("read");
        for (i, line) in text.lines().enumerate() {
            if line.contains("allow(unsafe_code)") {
                allowed.push(format!("{}:{}", f.display(), i + 1));
            }
        }
    }
    assert_eq!(allowed.len(), 1, "{allowed:?}");
    assert!(allowed[0].contains("src/analysis/input.rs"), "{allowed:?}");
    let manifest = std::fs::read_to_string(repo("Cargo.toml")).expect("manifest");
    assert!(
        manifest.contains("unsafe_code = \"deny\""),
        "unsafe code is denied crate-wide"
    );
}
