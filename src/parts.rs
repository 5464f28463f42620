//! The part view: every component and core module of an analysis as the
//! reviewer-facing stages see it — its identity, the capabilities that
//! reach it (riskiest family first), its imports and exports, its crates,
//! licence, source and toolchain. Built once from an analysis; `caps`
//! prints it, its JSON is a `diff` baseline (read back with this same type),
//! and `diff` compares two of them.

use serde::{Deserialize, Serialize};

use crate::model::capability::{family, family_rank, Binding};
use crate::model::{Analysis, Class, NodeKind};

/// One capability reaching a part.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CapEntry {
    /// The root import's name.
    pub interface: String,
    /// The interface it implements, when the import is labelled
    /// (`(import "net" (implements "wasi:sockets/tcp@0.2.0") ...)`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub implements: Option<String>,
    /// The WASI family of what it is (of `implements` when given).
    pub family: String,
    /// The bindings it came through, root first.
    pub via: Vec<Binding>,
}

/// One part and what reaches it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartView {
    /// Node path of the part: `/`, `/component[0]/module[1]`.
    pub path: String,
    /// Component or core module.
    pub kind: NodeKind,
    /// The best name known (own name, else the one its parent gives it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `sha256:<hex>` of the part's bytes.
    pub digest: String,
    /// What the part is for.
    pub class: Class,
    /// False for a component or module that is defined but never
    /// instantiated: it reaches nothing.
    pub instantiated: bool,
    /// The capabilities reaching the part, riskiest family first, then by
    /// interface; empty when it is not instantiated.
    pub capabilities: Vec<CapEntry>,
    /// Import names (components) or core import module names (modules),
    /// so that a saved document can serve as a `diff` baseline.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub imports: Vec<String>,
    /// Export names.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exports: Vec<String>,
    /// Rust crates from `.dep-v0`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub crates: Vec<CrateRef>,
    /// The `licenses` section.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub licenses: Option<String>,
    /// The `source` section.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// `processed-by`, `language` and `sdk` producers: name → version.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub toolchain: std::collections::BTreeMap<String, String>,
}

/// A crate by name and version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CrateRef {
    /// The crate's name.
    pub name: String,
    /// The crate's version.
    pub version: String,
}

/// The capability view of one analysis; an analysis without its wiring
/// is refused ([`crate::Error::NoWiring`]), never shown reaching nothing.
pub fn parts(a: &Analysis) -> crate::Result<Vec<PartView>> {
    let wiring = a.wiring()?;
    Ok(a.nodes
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let mut capabilities: Vec<CapEntry> = wiring
                .reach
                .get(i)
                .map(|caps| {
                    caps.iter()
                        .map(|c| CapEntry {
                            interface: c.interface.clone(),
                            implements: c.implements.clone(),
                            family: family(c.name()).to_string(),
                            via: c.via.clone(),
                        })
                        .collect()
                })
                .unwrap_or_default();
            capabilities.sort_by(|x, y| {
                (family_rank(&x.family), &x.interface, &x.via).cmp(&(
                    family_rank(&y.family),
                    &y.interface,
                    &y.via,
                ))
            });
            PartView {
                path: n.path.clone(),
                kind: n.kind,
                name: n.name.clone(),
                digest: n.digest.clone(),
                class: n.class,
                instantiated: wiring.instantiated.get(i).copied().unwrap_or(false),
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
        .collect())
}
