//! `caps`: the host capabilities that reach each part (every nested
//! component and core module), grouped by WASI family, riskiest first; and
//! the JSON document (`schemas/caps.schema.json`).

use std::fmt::Write;

use serde::Serialize;

use super::{escape, Tool, FORMAT_VERSION};
use crate::model::capability::{family, family_rank, Binding};
use crate::model::{Analysis, Class, NodeKind};

/// One capability reaching a part.
#[derive(Debug, Clone, Serialize)]
pub struct CapEntry {
    /// The root import's name.
    pub interface: String,
    /// The interface it implements, when the import is labelled
    /// (`(import "net" (implements "wasi:sockets/tcp@0.2.0") ...)`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub implements: Option<String>,
    /// The WASI family of what it is (of `implements` when given).
    pub family: &'static str,
    pub via: Vec<Binding>,
}

/// One part and what reaches it.
#[derive(Debug, Clone, Serialize)]
pub struct Part {
    pub path: String,
    pub kind: NodeKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub digest: String,
    pub class: Class,
    /// False for a component or module that is defined but never
    /// instantiated: it reaches nothing.
    pub instantiated: bool,
    pub capabilities: Vec<CapEntry>,
    /// Import names (components) or core import module names (modules),
    /// so that a saved document can serve as a `diff` baseline.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub imports: Vec<String>,
    /// Export names.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub exports: Vec<String>,
    /// Rust crates from `.dep-v0`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub crates: Vec<CrateRef>,
    /// The `licenses` section.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub licenses: Option<String>,
    /// The `source` section.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// `processed-by`, `language` and `sdk` producers: name → version.
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub toolchain: std::collections::BTreeMap<String, String>,
}

/// A crate by name and version.
#[derive(Debug, Clone, Serialize)]
pub struct CrateRef {
    pub name: String,
    pub version: String,
}

/// The capability view of one analysis.
pub fn parts(a: &Analysis) -> Vec<Part> {
    a.nodes
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let mut capabilities: Vec<CapEntry> = a
                .wiring
                .reach
                .get(i)
                .map(|caps| {
                    caps.iter()
                        .map(|c| CapEntry {
                            interface: c.interface.clone(),
                            implements: c.implements.clone(),
                            family: family(c.name()),
                            via: c.via.clone(),
                        })
                        .collect()
                })
                .unwrap_or_default();
            capabilities.sort_by(|x, y| {
                (family_rank(x.family), &x.interface, &x.via).cmp(&(
                    family_rank(y.family),
                    &y.interface,
                    &y.via,
                ))
            });
            Part {
                path: n.path.clone(),
                kind: n.kind,
                name: n.name.clone(),
                digest: n.digest.clone(),
                class: n.class,
                instantiated: a.wiring.instantiated.get(i).copied().unwrap_or(false),
                capabilities,
                imports: if n.kind == NodeKind::Component {
                    n.imports.iter().map(|e| e.name.clone()).collect()
                } else {
                    n.core_imports.iter().map(|m| m.module.clone()).collect()
                },
                exports: n.exports.iter().map(|e| e.name.clone()).collect(),
                crates: n
                    .crates
                    .iter()
                    .flatten()
                    .map(|c| CrateRef {
                        name: c.name.clone(),
                        version: c.version.clone(),
                    })
                    .collect(),
                licenses: n.metadata.licenses.clone(),
                source: n.metadata.source.clone(),
                toolchain: n
                    .producers
                    .iter()
                    .filter(|(f, _)| matches!(f.as_str(), "processed-by" | "language" | "sdk"))
                    .flat_map(|(_, list)| list.iter().map(|p| (p.name.clone(), p.version.clone())))
                    .collect(),
            }
        })
        .collect()
}

/// One input of a `caps` run.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum CapsFile {
    Ok {
        file: String,
        digest: String,
        components: Vec<Part>,
    },
    Err {
        file: String,
        error: String,
    },
}

/// The `caps --format json` document.
#[derive(Debug, Serialize)]
pub struct CapsDocument {
    pub format: &'static str,
    pub format_version: u32,
    pub tool: Tool,
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

/// The listing for people.
pub fn text(a: &Analysis) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{} ({})", escape::text(&a.file), a.digest);
    for part in parts(a) {
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
                current = cap.family;
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
    out
}
