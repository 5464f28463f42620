//! `caps`: the host capabilities that reach each part (every nested
//! component and core module), grouped by WASI family, riskiest first; and
//! the JSON document (`schemas/caps.schema.json`).

use std::fmt::Write;

use serde::Serialize;

use super::{escape, Tool, FORMAT_VERSION};
use crate::model::capability::Binding;
use crate::model::{Analysis, NodeKind};
pub use crate::parts::{parts, CapEntry, CrateRef, PartView};

/// One input of a `caps` run.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum CapsFile {
    /// The input's part view.
    Ok {
        /// The input as named on the command line.
        file: String,
        /// `sha256:<hex>` of the whole input.
        digest: String,
        /// Every part, root first, in binary order (components and core modules
        /// alike).
        components: Vec<PartView>,
    },
    /// The input could not be analysed.
    Err {
        /// The input as named on the command line.
        file: String,
        /// Why, in one line.
        error: String,
    },
}

/// The `caps --format json` document.
#[derive(Debug, Serialize)]
pub struct CapsDocument {
    /// Always `wasm-audit-caps`.
    pub format: &'static str,
    /// [`FORMAT_VERSION`] of the document.
    pub format_version: u32,
    /// The tool that wrote the document.
    pub tool: Tool,
    /// One entry per input, in the order given.
    pub files: Vec<CapsFile>,
}

impl CapsDocument {
    /// A document over the given entries.
    pub fn new(files: Vec<CapsFile>) -> Self {
        Self {
            format: "wasm-audit-caps",
            format_version: FORMAT_VERSION,
            tool: Tool::this(),
            files,
        }
    }
}

fn via_text(via: &[Binding]) -> String {
    via.iter()
        .map(|b| escape::text(&b.path).into_owned())
        .collect::<Vec<_>>()
        .join(" → ")
}

/// The listing for people; an analysis without its wiring is refused.
pub fn text(a: &Analysis) -> crate::Result<String> {
    let mut out = String::new();
    let _ = writeln!(out, "{} ({})", escape::text(&a.file), a.digest);
    for part in parts(a)? {
        let _ = write!(
            out,
            "{}  {}  {}  {}",
            part.path,
            part.kind.as_str(),
            part.class.as_str(),
            part.digest.get(7..19).unwrap_or(&part.digest)
        );
        if let Some(name) = &part.name {
            let _ = write!(out, "  {}", escape::text(name));
        }
        out.push('\n');
        if !part.instantiated {
            out.push_str("    not instantiated: reaches nothing\n");
            continue;
        }
        if part.capabilities.is_empty() {
            out.push_str("    no host capabilities\n");
            continue;
        }
        let mut current = "";
        for cap in &part.capabilities {
            if cap.family != current {
                current = &cap.family;
                let _ = writeln!(out, "    {}", escape::text(current));
            }
            let import = cap.via.last().map(|b| b.import.as_str()).unwrap_or("");
            let renamed = if import == cap.interface {
                String::new()
            } else if part.kind == NodeKind::Module {
                format!(" as import module {import:?}")
            } else {
                format!(" as {}", escape::text(import))
            };
            let implements = cap
                .implements
                .as_deref()
                .map(|i| format!(" (implements {})", escape::text(i)))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "      {}{implements}{renamed}  (via {})",
                escape::text(&cap.interface),
                via_text(&cap.via)
            );
        }
    }
    Ok(out)
}
