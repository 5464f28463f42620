//! The reference for the walk-and-hash benchmark: the least work that
//! produces the same digests as `wasm-audit tree`, namely reading the file
//! and hashing the node byte ranges, in parallel on all cores, with no
//! parsing at all. The node ranges come from a `tree --format json`
//! document produced beforehand, so its cost is not part of the timing.
//!
//! ```text
//! wasm-audit tree --format json --no-wit app.wasm > nodes.json
//! cargo run --release --example hash_nodes -- app.wasm nodes.json [--quiet]
//! ```
//!
//! Prints `path digest` per node and exits with 1 when any digest differs
//! from the one in the document, 2 on bad usage or unreadable input.

use std::process::ExitCode;

use rayon::prelude::*;
use sha2::{Digest, Sha256};

struct Range {
    path: String,
    offset: usize,
    size: usize,
    expected: String,
}

fn main() -> ExitCode {
    match run() {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("hash_nodes: {e}");
            ExitCode::from(2)
        }
    }
}

fn run() -> Result<bool, String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let quiet = args.iter().any(|a| a == "--quiet");
    let positional: Vec<&String> = args.iter().filter(|a| !a.starts_with("--")).collect();
    let [wasm, json] = positional[..] else {
        return Err("usage: hash_nodes FILE.wasm TREE.json [--quiet]".into());
    };

    let doc = std::fs::read(json).map_err(|e| format!("cannot read {json}: {e}"))?;
    let ranges = ranges(&doc).map_err(|e| format!("{json}: {e}"))?;

    // Read the whole file, as the tool does: the digests need every byte.
    let bytes = std::fs::read(wasm).map_err(|e| format!("cannot read {wasm}: {e}"))?;

    // Biggest first, one range per task: a single range cannot be split
    // (SHA-256 is sequential), so this is the best schedule available.
    let mut order: Vec<&Range> = ranges.iter().collect();
    order.sort_by_key(|r| std::cmp::Reverse(r.size));
    let digests: Vec<(&Range, Result<String, String>)> = order
        .par_iter()
        .with_max_len(1)
        .map(|r| {
            let span = r
                .offset
                .checked_add(r.size)
                .and_then(|end| bytes.get(r.offset..end))
                .ok_or_else(|| format!("{}: range past the end of {wasm}", r.path));
            (*r, span.map(sha256))
        })
        .collect();

    let mut all_equal = true;
    let mut out = String::new();
    for (r, digest) in digests {
        let digest = digest?;
        let same = digest == r.expected;
        all_equal &= same;
        if !quiet || !same {
            out.push_str(&format!("{} {digest}", r.path));
            if !same {
                out.push_str(&format!("  MISMATCH (tree says {})", r.expected));
            }
            out.push('\n');
        }
    }
    print!("{out}");
    if !all_equal {
        eprintln!("hash_nodes: some digests differ from {json}");
    }
    Ok(all_equal)
}

/// The nodes of the first file of a `tree --format json` document.
fn ranges(doc: &[u8]) -> Result<Vec<Range>, String> {
    let doc: serde_json::Value = serde_json::from_slice(doc).map_err(|e| e.to_string())?;
    let nodes = doc["files"][0]["nodes"]
        .as_array()
        .ok_or("no `files[0].nodes` array: not a `tree --format json` document")?;
    nodes
        .iter()
        .map(|n| {
            let field = |k: &str| n[k].as_u64().ok_or_else(|| format!("a node without `{k}`"));
            Ok(Range {
                path: n["path"].as_str().unwrap_or("?").to_string(),
                offset: usize::try_from(field("offset")?).map_err(|e| e.to_string())?,
                size: usize::try_from(field("size")?).map_err(|e| e.to_string())?,
                expected: n["digest"].as_str().unwrap_or_default().to_string(),
            })
        })
        .collect()
}

fn sha256(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(7 + 64);
    out.push_str("sha256:");
    for b in Sha256::digest(bytes) {
        out.push_str(&format!("{b:02x}"));
    }
    out
}
