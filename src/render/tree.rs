//! `tree`: the indented listing for people, and the JSON document
//! (`schemas/tree.schema.json`).

use std::fmt::Write;

use serde::Serialize;

use super::{escape, Tool, FORMAT_VERSION};
use crate::model::Analysis;

/// One input of a `tree` run: its analysis, or why there is none.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum FileEntry<'a> {
    /// The input's analysis.
    Ok(&'a Analysis),
    /// The input could not be analysed.
    Err {
        /// The input as named on the command line.
        file: String,
        /// Why, in one line.
        error: String,
    },
}

/// The `tree --format json` document.
#[derive(Debug, Serialize)]
pub struct TreeDocument<'a> {
    /// Always `wasm-audit-tree`.
    pub format: &'static str,
    /// [`FORMAT_VERSION`] of the document.
    pub format_version: u32,
    /// The tool that wrote the document.
    pub tool: Tool,
    /// One entry per input, in the order given.
    pub files: Vec<FileEntry<'a>>,
}

impl<'a> TreeDocument<'a> {
    /// A document over the given entries.
    pub fn new(files: Vec<FileEntry<'a>>) -> Self {
        Self {
            format: "wasm-audit-tree",
            format_version: FORMAT_VERSION,
            tool: Tool::this(),
            files,
        }
    }
}

/// Widest path column in the text listing.
const MAX_LABEL_WIDTH: usize = 120;

/// The indented listing: one line per node with path, kind, class, size,
/// short digest and name.
pub fn text(analysis: &Analysis) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} ({}, {} bytes, {}{})",
        escape::text(&analysis.file),
        analysis.kind.as_str(),
        analysis.size,
        analysis.digest,
        if analysis.from_wat { ", from WAT" } else { "" }
    );
    // Column alignment, capped so that absurdly deep inputs do not make
    // every line enormous (and `{:<width$}` panics past u16::MAX).
    let width = analysis
        .nodes
        .iter()
        .map(|n| 2 * n.depth as usize + n.path.len())
        .max()
        .unwrap_or(1)
        .min(MAX_LABEL_WIDTH);
    for node in &analysis.nodes {
        let indent = (2 * node.depth as usize).min(MAX_LABEL_WIDTH);
        out.push_str(&" ".repeat(indent));
        out.push_str(&node.path);
        out.push_str(&" ".repeat(width.saturating_sub(indent + node.path.len())));
        let _ = write!(
            out,
            "  {:<9}  {:<11}  {:>10}  {}",
            node.kind.as_str(),
            node.class.as_str(),
            node.size,
            node.short_digest(),
        );
        if let Some(name) = &node.name {
            let _ = write!(out, "  {}", escape::text(name));
        }
        if let Some(wit) = &node.wit {
            if wit.kind == "package" {
                let _ = write!(out, "  [WIT package {}]", escape::text(&wit.name));
            }
        }
        out.push('\n');
    }
    out
}
