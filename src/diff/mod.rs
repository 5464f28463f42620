//! Comparing two versions of a composition for review: which parts were
//! added, removed or changed, which host capabilities each part gained or
//! lost (with version bumps told apart from additions), root imports and
//! exports, Rust crates and the metadata that matters.
//!
//! Either side is an analysis of a binary, or a saved JSON document of a
//! previous run (`caps --format json`, the fullest; `tree` or `check` JSON
//! carry no capabilities), so a baseline can be committed.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::check::{InputReport, NodeReport};
use crate::document::{Header, FORMAT_VERSION};
use crate::model::capability::family;
use crate::model::{Analysis, Class, Node, NodeKind};
use crate::parts::PartView;

/// One part (the root, a nested component or a module) as the diff sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartInfo {
    /// Node path of the part: `/`, `/component[0]/module[1]`.
    pub path: String,
    /// Component or core module.
    pub kind: NodeKind,
    /// What the part is for; only `code` and `adapter` parts raise digest and
    /// component events.
    pub class: Class,
    /// The best name known (own name, else the one its parent gives it); pairs
    /// parts by name.
    pub name: Option<String>,
    /// `sha256:<hex>` of the part's bytes.
    pub digest: String,
    /// Import names (components) or core import module names (modules).
    pub imports: Vec<String>,
    /// Export names.
    pub exports: Vec<String>,
    /// Host capabilities reaching the part; `None` when the side does not
    /// say (a baseline without capability data).
    pub capabilities: Option<BTreeSet<String>>,
    /// Rust crates from `.dep-v0`: name → version.
    pub crates: BTreeMap<String, String>,
    /// The `licenses` section.
    pub licenses: Option<String>,
    /// The `source` section.
    pub source: Option<String>,
    /// `processed-by`, `language` and `sdk` producers: name → version.
    pub toolchain: BTreeMap<String, String>,
}

impl PartInfo {
    /// A part as `caps` shows it (or as a saved `caps` document holds it).
    pub fn from_view(p: &PartView) -> PartInfo {
        PartInfo {
            path: p.path.clone(),
            kind: p.kind,
            class: p.class,
            name: p.name.clone(),
            digest: p.digest.clone(),
            imports: p.imports.clone(),
            exports: p.exports.clone(),
            capabilities: Some(
                p.capabilities
                    .iter()
                    .map(|c| c.implements.clone().unwrap_or_else(|| c.interface.clone()))
                    .collect(),
            ),
            crates: p
                .crates
                .iter()
                .map(|c| (c.name.clone(), c.version.clone()))
                .collect(),
            licenses: p.licenses.clone(),
            source: p.source.clone(),
            toolchain: p.toolchain.clone(),
        }
    }

    /// A node of a saved `tree` document: no capability data.
    fn from_node(n: &Node) -> PartInfo {
        let mut toolchain = BTreeMap::new();
        for (field, list) in &n.producers {
            if matches!(field.as_str(), "processed-by" | "language" | "sdk") {
                for p in list {
                    toolchain.insert(p.name.clone(), p.version.clone());
                }
            }
        }
        // A module's imports are its core import modules.
        let mut imports: Vec<String> = n.imports.iter().map(|e| e.name.clone()).collect();
        imports.extend(n.core_imports.iter().map(|m| m.module.clone()));
        PartInfo {
            path: n.path.clone(),
            kind: n.kind,
            class: n.class,
            name: n.name.clone(),
            digest: n.digest.clone(),
            imports,
            exports: n.exports.iter().map(|e| e.name.clone()).collect(),
            capabilities: None,
            crates: n
                .crates
                .iter()
                .flatten()
                .map(|c| (c.name.clone(), c.version.clone()))
                .collect(),
            licenses: n.metadata.licenses.clone(),
            source: n.metadata.source.clone(),
            toolchain,
        }
    }

    /// A node of a saved `check` report: identity only.
    fn from_report(n: &NodeReport) -> PartInfo {
        PartInfo {
            path: n.path.clone(),
            kind: n.kind,
            class: n.class,
            name: n.name.clone(),
            digest: n.digest.clone(),
            imports: Vec::new(),
            exports: Vec::new(),
            capabilities: None,
            crates: BTreeMap::new(),
            licenses: None,
            source: None,
            toolchain: BTreeMap::new(),
        }
    }

    fn carries_code(&self) -> bool {
        matches!(self.class, Class::Code | Class::Adapter)
    }

    /// Capability changes are reported per component (and for a root core
    /// module): the core-level reach inside a component (adapter, shims)
    /// would repeat each change several times; `caps` shows it.
    fn reports_capabilities(&self) -> bool {
        self.kind == NodeKind::Component || self.path == "/"
    }
}

/// One side of a diff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Side {
    /// The input as named on the command line, or the baseline document's path.
    pub file: String,
    /// `sha256:<hex>` of the whole input; empty for a `check` report baseline
    /// that records none.
    pub digest: String,
    /// Root first.
    pub parts: Vec<PartInfo>,
}

impl Side {
    /// The side of an analysed binary: its part view; an analysis without
    /// its wiring is refused ([`crate::Error::NoWiring`]).
    pub fn from_analysis(a: &Analysis) -> crate::Result<Side> {
        Ok(Side {
            file: a.file.clone(),
            digest: a.digest.clone(),
            parts: crate::parts::parts(a)?
                .iter()
                .map(PartInfo::from_view)
                .collect(),
        })
    }

    /// A side read from a saved JSON document of `caps`, `tree` or
    /// `check` (the first input it describes), with the types that wrote
    /// it; a document of another format version is refused.
    pub fn from_json(file: &str, doc: &Value) -> Result<Side, String> {
        let header =
            Header::deserialize(doc).map_err(|e| format!("not a wasm-audit JSON document: {e}"))?;
        if header.format_version != FORMAT_VERSION {
            return Err(format!(
                "{} format version {}; this wasm-audit reads version {FORMAT_VERSION}",
                header.format, header.format_version
            ));
        }
        let bad = |e: serde_json::Error| format!("not a valid {} document: {e}", header.format);
        let (digest, parts) = match header.format.as_str() {
            "wasm-audit-caps" => {
                let d = CapsIn::deserialize(doc).map_err(bad)?;
                match d.files.into_iter().next() {
                    Some(FileIn::Ok { digest, components }) => {
                        (digest, components.iter().map(PartInfo::from_view).collect())
                    }
                    Some(FileIn::Err { error }) => {
                        return Err(format!(
                            "the baseline records an error for its input: {error}"
                        ))
                    }
                    None => return Err("the caps document lists no file".into()),
                }
            }
            "wasm-audit-tree" => {
                let d = TreeIn::deserialize(doc).map_err(bad)?;
                match d.files.into_iter().next() {
                    Some(TreeFileIn::Ok(a)) => (
                        a.digest.clone(),
                        a.nodes.iter().map(PartInfo::from_node).collect(),
                    ),
                    Some(TreeFileIn::Err { error }) => {
                        return Err(format!(
                            "the baseline records an error for its input: {error}"
                        ))
                    }
                    None => return Err("the tree document lists no file".into()),
                }
            }
            "wasm-audit-report" => {
                let d = ReportIn::deserialize(doc).map_err(bad)?;
                let input = d
                    .inputs
                    .into_iter()
                    .next()
                    .ok_or("the report lists no input")?;
                let parts: Vec<PartInfo> = d
                    .nodes
                    .iter()
                    .filter(|n| n.file == input.file)
                    .map(PartInfo::from_report)
                    .collect();
                (input.digest.unwrap_or_default(), parts)
            }
            other => {
                return Err(format!(
                    "not a wasm-audit caps, tree or check JSON document (format {other:?})"
                ))
            }
        };
        if parts.first().map(|p| p.path.as_str()) != Some("/") {
            return Err("the document's first node is not the root `/`".into());
        }
        Ok(Side {
            file: file.to_string(),
            digest,
            parts,
        })
    }
}

/// The part of a saved `caps` document a baseline needs.
#[derive(Deserialize)]
struct CapsIn {
    files: Vec<FileIn>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum FileIn {
    Ok {
        digest: String,
        components: Vec<PartView>,
    },
    Err {
        error: String,
    },
}

/// The part of a saved `tree` document a baseline needs.
#[derive(Deserialize)]
struct TreeIn {
    files: Vec<TreeFileIn>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum TreeFileIn {
    Ok(Box<Analysis>),
    Err { error: String },
}

/// The part of a saved `check` report a baseline needs.
#[derive(Deserialize)]
struct ReportIn {
    inputs: Vec<InputReport>,
    nodes: Vec<NodeReport>,
}

/// How two parts were paired.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum MatchedBy {
    /// Same bytes.
    Digest,
    /// Same name (component-name or the name its parent gives it).
    Name,
    /// Same import/export signature.
    Signature,
    /// Same path.
    Position,
}

/// What kinds of change `--fail-on` can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Event {
    /// A part gained a capability (`capability-added`).
    CapabilityAdded,
    /// A part lost a capability (`capability-removed`).
    CapabilityRemoved,
    /// A capability moved to another version (`capability-changed`).
    CapabilityChanged,
    /// A code-carrying part was added (`component-added`).
    ComponentAdded,
    /// A code-carrying part was removed (`component-removed`).
    ComponentRemoved,
    /// A paired code-carrying part has other bytes (`digest-changed`).
    DigestChanged,
    /// The root gained an import (`import-added`; also on a version bump).
    ImportAdded,
    /// The root lost an import (`import-removed`; also on a version bump).
    ImportRemoved,
    /// The root gained an export (`export-added`; also on a version bump).
    ExportAdded,
    /// The root lost an export (`export-removed`; also on a version bump).
    ExportRemoved,
    /// A Rust crate was added, removed or re-versioned (`crate-changed`).
    CrateChanged,
    /// `licenses`, `source` or a toolchain version changed (`metadata-changed`).
    MetadataChanged,
    /// With `--advisory-db`: the new version has an advisory the old has not.
    VulnerabilityAdded,
    /// With `--advisory-db`: the old version had an advisory the new has not.
    VulnerabilityRemoved,
}

impl Event {
    /// Every event, documented order.
    pub const ALL: &'static [Event] = &[
        Event::CapabilityAdded,
        Event::CapabilityRemoved,
        Event::CapabilityChanged,
        Event::ComponentAdded,
        Event::ComponentRemoved,
        Event::DigestChanged,
        Event::ImportAdded,
        Event::ImportRemoved,
        Event::ExportAdded,
        Event::ExportRemoved,
        Event::CrateChanged,
        Event::MetadataChanged,
        Event::VulnerabilityAdded,
        Event::VulnerabilityRemoved,
    ];

    /// The kebab-case name.
    pub fn name(self) -> &'static str {
        match self {
            Event::CapabilityAdded => "capability-added",
            Event::CapabilityRemoved => "capability-removed",
            Event::CapabilityChanged => "capability-changed",
            Event::ComponentAdded => "component-added",
            Event::ComponentRemoved => "component-removed",
            Event::DigestChanged => "digest-changed",
            Event::ImportAdded => "import-added",
            Event::ImportRemoved => "import-removed",
            Event::ExportAdded => "export-added",
            Event::ExportRemoved => "export-removed",
            Event::CrateChanged => "crate-changed",
            Event::MetadataChanged => "metadata-changed",
            Event::VulnerabilityAdded => "vulnerability-added",
            Event::VulnerabilityRemoved => "vulnerability-removed",
        }
    }

    /// The event named `name`.
    pub fn from_name(name: &str) -> Option<Event> {
        Event::ALL.iter().copied().find(|e| e.name() == name)
    }
}

/// Added, removed, or the same thing at another version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Change {
    /// Only on the new side.
    Added,
    /// Only on the old side.
    Removed,
    /// On both sides at other versions (`version` in JSON).
    Version,
}

/// A capability gained, lost or re-versioned by a part.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CapabilityChange {
    /// Added, removed or another version.
    pub change: Change,
    /// The part's path (new path when it exists on the new side).
    pub part: String,
    /// The part's best name, when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The part's class.
    pub class: Class,
    /// The interface (for a version change: without the version).
    pub interface: String,
    /// For a version change: the old versioned name
    /// (`wasi:http/outgoing-handler@0.2.0`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// For a version change: the new versioned name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// The WASI family of the interface (`wasi:sockets`, or `other`).
    pub family: &'static str,
    /// Filesystem, sockets or outgoing HTTP.
    pub risky: bool,
}

/// A part added, removed, changed or renamed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PartChange {
    /// `added`, `removed`, `changed` (other bytes), `renamed` (same bytes,
    /// other name), `moved` (same bytes, other path).
    pub change: &'static str,
    /// Component or core module (of the new part when paired).
    pub kind: NodeKind,
    /// The part's class (of the new part when paired).
    pub class: Class,
    /// Node path on the old side; absent for an added part.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old_path: Option<String>,
    /// Node path on the new side; absent for a removed part.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_path: Option<String>,
    /// Name on the old side, when it had one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old_name: Option<String>,
    /// Name on the new side, when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_name: Option<String>,
    /// `sha256:<hex>` on the old side; only for `changed`, `removed`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old_digest: Option<String>,
    /// `sha256:<hex>` on the new side; only for `changed`, `added`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_digest: Option<String>,
    /// How the parts were paired; absent for `added` and `removed`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub matched_by: Option<MatchedBy>,
    /// Carries code (class `code` or `adapter`): what a reviewer must look at.
    pub code: bool,
}

/// A root import or export added, removed or re-versioned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExternChange {
    /// `import` or `export`.
    pub direction: &'static str,
    /// Added, removed or another version.
    pub change: Change,
    /// The import or export name (for a version change: without the version).
    pub name: String,
    /// For a version change: the old versioned name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// For a version change: the new versioned name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
}

/// A Rust crate of a module added, removed or re-versioned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CrateChange {
    /// Node path of the module (new path when it exists on the new side).
    pub part: String,
    /// Added, removed or another version.
    pub change: Change,
    /// The crate's name.
    pub name: String,
    /// The old version; absent for an added crate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// The new version; absent for a removed crate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
}

/// A metadata field that changed on a part.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MetadataChange {
    /// Node path of the part (new path when paired).
    pub part: String,
    /// `licenses`, `source`, or `toolchain:<name>`.
    pub field: String,
    /// The old value; absent when the field was not set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// The new value; absent when the field is no longer set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
}

/// A pairing of an old and a new part.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Pairing {
    /// Node path on the old side.
    pub old: String,
    /// Node path on the new side.
    pub new: String,
    /// How the two were paired.
    pub matched_by: MatchedBy,
}

/// The file a side came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SideRef {
    /// The input as named on the command line, or the baseline document's path.
    pub file: String,
    /// `sha256:<hex>` of the whole input; empty for a `check` report baseline
    /// that records none.
    pub digest: String,
}

/// An advisory that affects a crate of one side and not of the other
/// (`diff --advisory-db`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VulnerabilityChange {
    /// `added`: the new version gained it; `removed`: it lost it.
    pub change: Change,
    /// `RUSTSEC-2021-0003`.
    pub id: String,
    /// A vulnerability, or which informational advisory.
    pub kind: crate::advisory::Kind,
    /// The affected crate.
    #[serde(rename = "crate")]
    pub krate: String,
    /// Its version.
    pub version: String,
    /// The parts (of the side that has it) whose `.dep-v0` lists the crate.
    pub parts: Vec<String>,
    /// The requirements of the fixed versions.
    pub patched: Vec<String>,
    /// The advisory's title.
    pub title: String,
}

/// The whole comparison.
#[derive(Debug, Clone, Serialize)]
pub struct Diff {
    /// The old side.
    pub old: SideRef,
    /// The new side.
    pub new: SideRef,
    /// Nothing differs.
    pub identical: bool,
    /// What happened, for `--fail-on`.
    pub events: BTreeSet<Event>,
    /// Capability changes, riskiest family first, then by part and interface.
    pub capabilities: Vec<CapabilityChange>,
    /// Parts added, removed, changed, renamed or moved, code-carrying first.
    pub parts: Vec<PartChange>,
    /// Root import and export changes.
    pub root: Vec<ExternChange>,
    /// Rust crate changes.
    pub crates: Vec<CrateChange>,
    /// Advisories gained or lost, when an advisory database was given.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub vulnerabilities: Vec<VulnerabilityChange>,
    /// Metadata changes (licence, source, toolchain versions).
    pub metadata: Vec<MetadataChange>,
    /// Every pairing of an old and a new part.
    pub pairings: Vec<Pairing>,
    /// Set when a side carries no capability data (a baseline from `tree`
    /// or `check` JSON): capability changes are then not reported.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

fn unversioned(name: &str) -> &str {
    name.split_once('@').map(|(n, _)| n).unwrap_or(name)
}

fn version_of(name: &str) -> Option<&str> {
    name.split_once('@').map(|(_, v)| v)
}

/// Set difference with version changes told apart: (added, removed,
/// version changes as (unversioned, from, to)).
type SetDelta = (Vec<String>, Vec<String>, Vec<(String, String, String)>);

// `i` and `j` index the vectors they were just checked against.
#[allow(clippy::indexing_slicing)]
fn set_delta(old: &BTreeSet<String>, new: &BTreeSet<String>) -> SetDelta {
    let mut added: Vec<String> = new.difference(old).cloned().collect();
    let mut removed: Vec<String> = old.difference(new).cloned().collect();
    let mut versions = Vec::new();
    let mut i = 0;
    while i < removed.len() {
        let base = unversioned(&removed[i]).to_string();
        if let Some(j) = added
            .iter()
            .position(|a| unversioned(a) == base && version_of(a).is_some())
        {
            if version_of(&removed[i]).is_some() {
                let to = added.remove(j);
                let from = removed.remove(i);
                versions.push((base, from, to));
                continue;
            }
        }
        i += 1;
    }
    (added, removed, versions)
}

/// Pairs old and new parts: by digest, then name, then signature, then path.
// Every index comes from `enumerate` over the vector it indexes (or one of
// the same length).
#[allow(clippy::indexing_slicing)]
fn pair(old: &Side, new: &Side) -> Vec<(usize, usize, MatchedBy)> {
    let mut old_free = vec![true; old.parts.len()];
    let mut new_free = vec![true; new.parts.len()];
    let mut pairs = Vec::new();
    let mut take = |pred: &dyn Fn(&PartInfo, &PartInfo) -> bool,
                    how: MatchedBy,
                    pairs: &mut Vec<(usize, usize, MatchedBy)>| {
        for (i, o) in old.parts.iter().enumerate() {
            if !old_free[i] {
                continue;
            }
            let candidates: Vec<usize> = new
                .parts
                .iter()
                .enumerate()
                .filter(|(j, n)| new_free[*j] && pred(o, n))
                .map(|(j, _)| j)
                .collect();
            // Prefer the same path among several candidates; then the first.
            let pick = candidates
                .iter()
                .copied()
                .find(|&j| new.parts[j].path == o.path)
                .or(candidates.first().copied());
            if let Some(j) = pick {
                old_free[i] = false;
                new_free[j] = false;
                pairs.push((i, j, how));
            }
        }
    };
    take(&|o, n| o.digest == n.digest, MatchedBy::Digest, &mut pairs);
    take(
        &|o, n| o.kind == n.kind && o.name.is_some() && o.name == n.name,
        MatchedBy::Name,
        &mut pairs,
    );
    take(
        &|o, n| {
            o.kind == n.kind
                && (!o.imports.is_empty() || !o.exports.is_empty())
                && o.imports
                    .iter()
                    .map(|s| unversioned(s))
                    .collect::<BTreeSet<_>>()
                    == n.imports
                        .iter()
                        .map(|s| unversioned(s))
                        .collect::<BTreeSet<_>>()
                && o.exports
                    .iter()
                    .map(|s| unversioned(s))
                    .collect::<BTreeSet<_>>()
                    == n.exports
                        .iter()
                        .map(|s| unversioned(s))
                        .collect::<BTreeSet<_>>()
        },
        MatchedBy::Signature,
        &mut pairs,
    );
    take(
        &|o, n| o.kind == n.kind && o.path == n.path,
        MatchedBy::Position,
        &mut pairs,
    );
    pairs
}

impl Diff {
    /// Compares two sides.
    pub fn compute(old: &Side, new: &Side) -> Diff {
        let mut events = BTreeSet::new();
        let pairs = pair(old, new);
        let mut caps_out = Vec::new();
        let mut parts_out = Vec::new();
        let mut crates_out = Vec::new();
        let mut meta_out = Vec::new();
        let caps_known = old
            .parts
            .iter()
            .chain(&new.parts)
            .all(|p| p.capabilities.is_some());

        let cap = |change: Change,
                   part: &PartInfo,
                   interface: String,
                   from: Option<String>,
                   to: Option<String>,
                   out: &mut Vec<CapabilityChange>| {
            out.push(CapabilityChange {
                change,
                part: part.path.clone(),
                name: part.name.clone(),
                class: part.class,
                family: family(&interface),
                risky: crate::model::capability::is_risky(&interface),
                interface,
                from,
                to,
            });
        };

        for &(i, j, how) in &pairs {
            let (Some(o), Some(n)) = (old.parts.get(i), new.parts.get(j)) else {
                continue;
            };
            // Other bytes; else the same bytes under another name or path.
            let change = if o.digest != n.digest {
                if n.carries_code() || o.carries_code() {
                    events.insert(Event::DigestChanged);
                }
                Some("changed")
            } else if o.name != n.name {
                Some("renamed")
            } else if o.path != n.path {
                Some("moved")
            } else {
                None
            };
            if let Some(change) = change {
                let digests = change == "changed";
                parts_out.push(PartChange {
                    change,
                    kind: n.kind,
                    class: n.class,
                    old_path: Some(o.path.clone()),
                    new_path: Some(n.path.clone()),
                    old_name: o.name.clone(),
                    new_name: n.name.clone(),
                    old_digest: digests.then(|| o.digest.clone()),
                    new_digest: digests.then(|| n.digest.clone()),
                    matched_by: Some(how),
                    code: n.carries_code(),
                });
            }
            if let (Some(oc), Some(nc), true) =
                (&o.capabilities, &n.capabilities, n.reports_capabilities())
            {
                let (added, removed, versions) = set_delta(oc, nc);
                for a in added {
                    events.insert(Event::CapabilityAdded);
                    cap(Change::Added, n, a, None, None, &mut caps_out);
                }
                for r in removed {
                    events.insert(Event::CapabilityRemoved);
                    cap(Change::Removed, n, r, None, None, &mut caps_out);
                }
                for (base, from, to) in versions {
                    events.insert(Event::CapabilityChanged);
                    cap(
                        Change::Version,
                        n,
                        base,
                        Some(from),
                        Some(to),
                        &mut caps_out,
                    );
                }
            }
            crate_delta(&n.path, &o.crates, &n.crates, &mut crates_out);
            for (field, a, b) in [
                ("licenses", &o.licenses, &n.licenses),
                ("source", &o.source, &n.source),
            ] {
                if a != b {
                    meta_out.push(MetadataChange {
                        part: n.path.clone(),
                        field: field.to_string(),
                        from: a.clone(),
                        to: b.clone(),
                    });
                }
            }
            for (tool, v) in &n.toolchain {
                if let Some(ov) = o.toolchain.get(tool) {
                    if ov != v {
                        meta_out.push(MetadataChange {
                            part: n.path.clone(),
                            field: format!("toolchain:{tool}"),
                            from: Some(ov.clone()),
                            to: Some(v.clone()),
                        });
                    }
                }
            }
        }

        // Parts with no partner: added on the new side, removed from the old.
        let old_paired: BTreeSet<usize> = pairs.iter().map(|p| p.0).collect();
        let new_paired: BTreeSet<usize> = pairs.iter().map(|p| p.1).collect();
        let added = new
            .parts
            .iter()
            .enumerate()
            .filter(|(j, _)| !new_paired.contains(j))
            .map(|(_, p)| (p, true));
        let removed = old
            .parts
            .iter()
            .enumerate()
            .filter(|(i, _)| !old_paired.contains(i))
            .map(|(_, p)| (p, false));
        for (p, is_new) in added.chain(removed) {
            let (part_event, cap_event, cap_change) = if is_new {
                (Event::ComponentAdded, Event::CapabilityAdded, Change::Added)
            } else {
                (
                    Event::ComponentRemoved,
                    Event::CapabilityRemoved,
                    Change::Removed,
                )
            };
            if p.carries_code() {
                events.insert(part_event);
            }
            let this_side = |v: Option<String>| if is_new { (None, v) } else { (v, None) };
            let (old_path, new_path) = this_side(Some(p.path.clone()));
            let (old_name, new_name) = this_side(p.name.clone());
            let (old_digest, new_digest) = this_side(Some(p.digest.clone()));
            parts_out.push(PartChange {
                change: if is_new { "added" } else { "removed" },
                kind: p.kind,
                class: p.class,
                old_path,
                new_path,
                old_name,
                new_name,
                old_digest,
                new_digest,
                matched_by: None,
                code: p.carries_code(),
            });
            if caps_known && p.reports_capabilities() {
                for c in p.capabilities.iter().flatten() {
                    events.insert(cap_event);
                    cap(cap_change, p, c.clone(), None, None, &mut caps_out);
                }
            }
            let none = BTreeMap::new();
            let (before, after) = if is_new {
                (&none, &p.crates)
            } else {
                (&p.crates, &none)
            };
            crate_delta(&p.path, before, after, &mut crates_out);
        }

        // The roots' surfaces.
        let mut root_out = Vec::new();
        if let (Some(o), Some(n)) = (old.parts.first(), new.parts.first()) {
            for (direction, a, b, add_ev, rem_ev) in [
                (
                    "import",
                    &o.imports,
                    &n.imports,
                    Event::ImportAdded,
                    Event::ImportRemoved,
                ),
                (
                    "export",
                    &o.exports,
                    &n.exports,
                    Event::ExportAdded,
                    Event::ExportRemoved,
                ),
            ] {
                let a: BTreeSet<String> = a.iter().cloned().collect();
                let b: BTreeSet<String> = b.iter().cloned().collect();
                let (added, removed, versions) = set_delta(&a, &b);
                for x in added {
                    events.insert(add_ev);
                    root_out.push(ExternChange {
                        direction,
                        change: Change::Added,
                        name: x,
                        from: None,
                        to: None,
                    });
                }
                for x in removed {
                    events.insert(rem_ev);
                    root_out.push(ExternChange {
                        direction,
                        change: Change::Removed,
                        name: x,
                        from: None,
                        to: None,
                    });
                }
                for (base, from, to) in versions {
                    // A version bump removes one name and adds another.
                    events.insert(add_ev);
                    events.insert(rem_ev);
                    root_out.push(ExternChange {
                        direction,
                        change: Change::Version,
                        name: base,
                        from: Some(from),
                        to: Some(to),
                    });
                }
            }
        }
        if !crates_out.is_empty() {
            events.insert(Event::CrateChanged);
        }
        if !meta_out.is_empty() {
            events.insert(Event::MetadataChanged);
        }

        // Riskiest first, then by part and interface.
        caps_out.sort_by(|a, b| {
            (
                !a.risky,
                crate::model::capability::FAMILIES
                    .iter()
                    .position(|f| *f == a.family),
                &a.part,
                &a.interface,
            )
                .cmp(&(
                    !b.risky,
                    crate::model::capability::FAMILIES
                        .iter()
                        .position(|f| *f == b.family),
                    &b.part,
                    &b.interface,
                ))
        });
        // Code-carrying parts first, so a changed shim does not drown them.
        parts_out.sort_by(|a, b| {
            (!a.code, a.change, &a.new_path, &a.old_path).cmp(&(
                !b.code,
                b.change,
                &b.new_path,
                &b.old_path,
            ))
        });

        let identical = old.digest == new.digest && old.digest.starts_with("sha256:")
            || (events.is_empty()
                && parts_out.is_empty()
                && caps_out.is_empty()
                && root_out.is_empty()
                && meta_out.is_empty());
        Diff {
            old: SideRef { file: old.file.clone(), digest: old.digest.clone() },
            new: SideRef { file: new.file.clone(), digest: new.digest.clone() },
            identical,
            events,
            capabilities: caps_out,
            parts: parts_out,
            root: root_out,
            crates: crates_out,
            vulnerabilities: Vec::new(),
            metadata: meta_out,
            pairings: pairs
                .iter()
                .filter_map(|&(i, j, how)| {
                    Some(Pairing {
                        old: old.parts.get(i)?.path.clone(),
                        new: new.parts.get(j)?.path.clone(),
                        matched_by: how,
                    })
                })
                .collect(),
            note: (!caps_known).then(|| {
                "a side carries no capability data (a tree or check JSON baseline): capability changes are not reported; use `caps --format json` for baselines".to_string()
            }),
        }
    }

    /// Whether any of `fail_on` happened.
    pub fn fails(&self, fail_on: &[Event]) -> bool {
        fail_on.iter().any(|e| self.events.contains(e))
    }

    /// Adds the advisories of `db` that affect a crate of one side and
    /// not of the other. The part view records crates by name and
    /// version (not their source), so every crate is matched as a
    /// crates.io crate, as `check` would match it.
    pub fn add_advisories(&mut self, old: &Side, new: &Side, db: &crate::advisory::Database) {
        type Found<'a> =
            BTreeMap<(String, String, String), (&'a crate::advisory::Advisory, Vec<String>)>;
        fn found<'a>(side: &Side, db: &'a crate::advisory::Database) -> Found<'a> {
            let mut out: Found<'a> = BTreeMap::new();
            for p in &side.parts {
                for (name, version) in &p.crates {
                    let Ok(v) = semver::Version::parse(version) else {
                        continue;
                    };
                    for a in db.affecting(name, &v) {
                        out.entry((a.id.clone(), name.clone(), version.clone()))
                            .or_insert((a, Vec::new()))
                            .1
                            .push(p.path.clone());
                    }
                }
            }
            out
        }
        let (before, after) = (found(old, db), found(new, db));
        let mut changes = Vec::new();
        for (change, from, other) in [
            (Change::Added, &after, &before),
            (Change::Removed, &before, &after),
        ] {
            for ((id, krate, version), (a, parts)) in from {
                if other.contains_key(&(id.clone(), krate.clone(), version.clone())) {
                    continue;
                }
                changes.push(VulnerabilityChange {
                    change,
                    id: id.clone(),
                    kind: a.kind,
                    krate: krate.clone(),
                    version: version.clone(),
                    parts: parts.clone(),
                    patched: a.patched.clone(),
                    title: a.title.clone(),
                });
            }
        }
        if changes.iter().any(|c| c.change == Change::Added) {
            self.events.insert(Event::VulnerabilityAdded);
        }
        if changes.iter().any(|c| c.change == Change::Removed) {
            self.events.insert(Event::VulnerabilityRemoved);
        }
        if !changes.is_empty() {
            self.identical = false;
        }
        self.vulnerabilities = changes;
    }
}

fn crate_delta(
    part: &str,
    old: &BTreeMap<String, String>,
    new: &BTreeMap<String, String>,
    out: &mut Vec<CrateChange>,
) {
    for (name, v) in new {
        match old.get(name) {
            None => out.push(CrateChange {
                part: part.to_string(),
                change: Change::Added,
                name: name.clone(),
                from: None,
                to: Some(v.clone()),
            }),
            Some(ov) if ov != v => out.push(CrateChange {
                part: part.to_string(),
                change: Change::Version,
                name: name.clone(),
                from: Some(ov.clone()),
                to: Some(v.clone()),
            }),
            _ => {}
        }
    }
    for (name, v) in old {
        if !new.contains_key(name) {
            out.push(CrateChange {
                part: part.to_string(),
                change: Change::Removed,
                name: name.clone(),
                from: Some(v.clone()),
                to: None,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(items: &[&str]) -> BTreeSet<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn version_bumps_are_not_add_and_remove() {
        let (added, removed, versions) = set_delta(
            &set(&["wasi:http/outgoing-handler@0.2.0", "wasi:cli/stdout@0.2.0"]),
            &set(&[
                "wasi:http/outgoing-handler@0.2.3",
                "wasi:cli/stdout@0.2.0",
                "wasi:sockets/tcp@0.2.0",
            ]),
        );
        assert_eq!(added, ["wasi:sockets/tcp@0.2.0"]);
        assert!(removed.is_empty());
        assert_eq!(
            versions,
            [(
                "wasi:http/outgoing-handler".to_string(),
                "wasi:http/outgoing-handler@0.2.0".to_string(),
                "wasi:http/outgoing-handler@0.2.3".to_string()
            )]
        );
    }

    #[test]
    fn events_round_trip() {
        for e in Event::ALL {
            assert_eq!(Event::from_name(e.name()), Some(*e));
            assert_eq!(serde_json::to_value(e).expect("json"), e.name());
        }
    }
}
