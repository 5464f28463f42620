//! The decomposed view of one input: a flat list of nodes (root first, then
//! every nested component and core module in binary order) with everything
//! the walker learned about each. This is what `tree --format json` prints
//! and what the composition graph is built from.

pub mod capability;
pub mod wiring;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use capability::Capability;
pub use wiring::Wiring;

/// Turns the corpus spelling (`root`, `root/component[0]`) and the usual
/// one (`/`, `/component[0]`) into the usual one.
pub fn normalize_path(path: &str) -> String {
    let trimmed = path.strip_prefix("root").unwrap_or(path);
    if trimmed.is_empty() || trimmed == "/" {
        "/".to_string()
    } else if trimmed.starts_with('/') {
        trimmed.trim_end_matches('/').to_string()
    } else {
        format!("/{}", trimmed.trim_end_matches('/'))
    }
}

/// Whether a node is a component or a core module.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum NodeKind {
    /// A Component Model component.
    Component,
    /// A core WebAssembly module.
    Module,
}

impl std::fmt::Display for NodeKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::fmt::Display for Class {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl NodeKind {
    /// The name used in paths and listings.
    pub fn as_str(self) -> &'static str {
        match self {
            NodeKind::Component => "component",
            NodeKind::Module => "module",
        }
    }
}

/// What a node is for. See the README's "Node classes" for the rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Class {
    /// Carries function bodies of its own (a module), or directly contains a
    /// code-carrying module (a component).
    Code,
    /// A `wit-component` shim or fixup module, or a component made only of
    /// such shims.
    Shim,
    /// A WASI preview1 adapter module.
    Adapter,
    /// A component that only encodes WIT types (an encoded WIT package).
    WitPackage,
    /// No function bodies of its own: composition shells, re-export
    /// components, import-only modules.
    Glue,
}

impl Class {
    /// The kebab-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Class::Code => "code",
            Class::Shim => "shim",
            Class::Adapter => "adapter",
            Class::WitPackage => "wit-package",
            Class::Glue => "glue",
        }
    }
}

/// What kind of item an import or export is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ItemKind {
    /// A core module (component item kind).
    Module,
    /// A function (a component function, or a core `func` export of a module).
    Func,
    /// A component value.
    Value,
    /// A type.
    Type,
    /// A component instance.
    Instance,
    /// A component.
    Component,
    // Core item kinds, used for core module imports and exports.
    /// A core table.
    Table,
    /// A core memory.
    Memory,
    /// A core global.
    Global,
    /// A core exception tag.
    Tag,
    /// A core function of an exact type (`func-exact`, the custom-descriptors
    /// proposal's exact function imports and exports).
    FuncExact,
}

/// The syntactic form of a component import or export name, following the
/// Component Model explainer's `importname` grammar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum NameForm {
    /// `ns:pkg/iface@version` (an interface of a WIT package).
    Interface,
    /// A plain kebab-case name (`run`, `[method]res.get`).
    Plain,
    /// `locked-dep=<ns:pkg@version>` with an optional `integrity=<...>`.
    LockedDep,
    /// `unlocked-dep=<ns:pkg@{range}>`.
    UnlockedDep,
    /// `url=<...>` with an optional `integrity=<...>`.
    Url,
    /// `integrity=<...>` alone.
    Integrity,
    /// Anything that fits none of the above (reported, not rejected: the
    /// walker is not a validator).
    Other,
}

/// A component import or export with its name taken apart.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Extern {
    /// The full name as written in the binary (with any version suffix applied).
    pub name: String,
    /// The item kind.
    pub kind: ItemKind,
    /// The form of the name.
    pub form: NameForm,
    /// `wasi` in `wasi:http/types@0.2.0`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// `http` in `wasi:http/types@0.2.0`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub package: Option<String>,
    /// `types` in `wasi:http/types@0.2.0` (nested interface paths joined with `/`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interface: Option<String>,
    /// `0.2.0` in `wasi:http/types@0.2.0`, or the version (range) of a dependency name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The URL of a `url=<...>` name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The integrity metadata of a dependency, URL or hash name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub integrity: Option<String>,
    /// The interface this item implements (`[implements=<...>]` names).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub implements: Option<String>,
}

impl Extern {
    /// `ns:pkg/iface` without the version, for interface names.
    pub fn unversioned(&self) -> Option<String> {
        match (&self.namespace, &self.package, &self.interface) {
            (Some(ns), Some(pkg), Some(iface)) => Some(format!("{ns}:{pkg}/{iface}")),
            _ => None,
        }
    }
}

/// A core module's imports, grouped by the module name they import from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CoreImportModule {
    /// The import module name (`wasi_snapshot_preview1`, `$root`, `[export]wasi:cli/run@0.2.0`).
    pub module: String,
    /// How many items are imported from it.
    pub count: u32,
}

/// One entry of the `producers` section: a name and a version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Producer {
    /// The producer's name (`rustc`, `wit-component`, `Rust`).
    pub name: String,
    /// Its version, as the section records it.
    pub version: String,
}

/// The wasm-metadata annotation sections (`authors`, `description`,
/// `licenses`, `source`, `homepage`, `revision`, `version`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Metadata {
    /// The `authors` section.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authors: Option<String>,
    /// The `description` section.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The `licenses` section, as written (meant to be an SPDX expression).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub licenses: Option<String>,
    /// The `source` section (a source repository URL, as written).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// The `homepage` section.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub homepage: Option<String>,
    /// The `revision` section (e.g. a VCS commit).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revision: Option<String>,
    /// The `version` section.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

impl Metadata {
    /// True when no annotation section was present.
    pub fn is_empty(&self) -> bool {
        self == &Metadata::default()
    }
}

/// A Rust crate recorded in a module's cargo-auditable `.dep-v0` section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Crate {
    /// The crate's name, as `.dep-v0` records it.
    pub name: String,
    /// The crate's version (semver, as recorded).
    pub version: String,
    /// `crates.io`, `git`, `local`, `registry` or another source kind.
    pub source: String,
    /// `build` for build-time-only dependencies, else `runtime`.
    pub kind: String,
    /// True for the crate the module was built from.
    pub root: bool,
    /// Indices into the same list.
    pub dependencies: Vec<usize>,
}

/// The WIT a node decodes to, when it decodes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WitSummary {
    /// `world` for a component, `package` for an encoded WIT package.
    pub kind: String,
    /// The world (`root:component/root`) or package (`wasi:http@0.2.0`) name.
    pub name: String,
}

/// One node: the root, a nested component or a nested core module.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Node {
    /// Stable path: `/`, `/component[0]`, `/component[0]/module[1]`.
    pub path: String,
    /// Component or core module.
    pub kind: NodeKind,
    /// What the node is for (see [`Class`]).
    pub class: Class,
    /// 0 for the root.
    pub depth: u32,
    /// Where the node's `\0asm` preamble starts in the input.
    pub offset: u64,
    /// How many bytes the node spans, preamble included.
    pub size: u64,
    /// `sha256:<hex>` of exactly `input[offset..offset + size]`.
    pub digest: String,
    /// The binary format version from the preamble (`0x1` for modules, `0xd` for components).
    pub version: u16,
    /// The best name known: the node's own name, else the one its parent gives it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The node's own name (component-name or name section).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub own_name: Option<String>,
    /// The name the parent's component-name section gives this node.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_in_parent: Option<String>,
    /// Index of the parent node in the node list (none for the root).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<usize>,
    /// Function bodies of the node's own: a module's code section entries; for
    /// a component, those of the modules it directly contains.
    pub function_bodies: u64,
    /// What the node does at instantiation or when called, by the trust
    /// rule (README, "What needs trust"): function bodies, a start
    /// function, active segments, exported definitions with initial
    /// contents. Empty: proven inert.
    #[serde(skip)]
    pub acts: Vec<String>,
    /// Component imports (components only).
    pub imports: Vec<Extern>,
    /// Component exports, or core export names as `func`/`memory`/... items (modules).
    pub exports: Vec<Extern>,
    /// Core import module names with counts (modules only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub core_imports: Vec<CoreImportModule>,
    /// The `producers` section: field (`language`, `processed-by`, `sdk`) to entries.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub producers: BTreeMap<String, Vec<Producer>>,
    /// wasm-metadata annotation sections.
    #[serde(default, skip_serializing_if = "Metadata::is_empty")]
    pub metadata: Metadata,
    /// The legacy JSON `registry-metadata` section.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registry_metadata: Option<serde_json::Value>,
    /// Crates from the `.dep-v0` section (modules only), when present and valid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crates: Option<Vec<Crate>>,
    /// The decoded WIT, when requested and decodable (components only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wit: Option<WitSummary>,
    /// Names of the custom sections, in binary order.
    pub custom_sections: Vec<String>,
    /// Things worth knowing that do not stop the walk (an undecodable
    /// `.dep-v0`, a metadata section that is not UTF-8, WIT that does not decode).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// Indices of the child nodes, in binary order.
    #[serde(skip)]
    pub children: Vec<usize>,
    /// Byte range of the `.dep-v0` payload, decoded after the walk.
    #[serde(skip)]
    pub(crate) dep_v0: Option<std::ops::Range<usize>>,
}

impl Node {
    /// The byte range of the node in the input.
    pub fn range(&self) -> std::ops::Range<usize> {
        // Both were checked against the input's length when the node was made.
        self.offset as usize..(self.offset + self.size) as usize
    }

    /// The first 12 hex digits of the digest, for listings.
    pub fn short_digest(&self) -> &str {
        let hex = self.digest.strip_prefix("sha256:").unwrap_or(&self.digest);
        hex.get(..12).unwrap_or(hex)
    }
}

/// Everything learned about one input.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Analysis {
    /// The input as named on the command line (`-` for stdin).
    pub file: String,
    /// `component` or `module`: the kind of the root.
    pub kind: NodeKind,
    /// Size of the binary that was walked (after WAT assembly).
    pub size: u64,
    /// The root's digest (same as `nodes[0].digest`).
    pub digest: String,
    /// True when the input was WAT text assembled to a binary.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub from_wat: bool,
    /// Every node, root first, in binary order (depth-first, pre-order).
    pub nodes: Vec<Node>,
    /// Instances, `satisfies` bindings and capability reach; `None` for an
    /// analysis made without them ([`crate::Options::wiring`] off, for a
    /// listing) or read back from JSON (which does not carry them). Read it
    /// with [`Analysis::wiring`], which refuses such an analysis: an absent
    /// wiring must never read as one in which nothing reaches anything.
    #[serde(skip)]
    pub wiring: Option<Wiring>,
    /// Where an OCI input came from (`oci://`, `oci-layout:`): the
    /// verified manifest and layer, and what the artifact's config says.
    #[serde(skip)]
    pub oci: Option<OciSource>,
}

impl Analysis {
    /// The resolved wiring, or [`crate::Error::NoWiring`] for an analysis made
    /// without it: whatever judges, draws or exports the wiring goes
    /// through here, so that it fails rather than see no capabilities.
    pub fn wiring(&self) -> crate::Result<&Wiring> {
        self.wiring.as_ref().ok_or_else(|| crate::Error::NoWiring {
            input: self.file.clone(),
        })
    }
}

/// An input read from an OCI registry or image layout. Every digest here
/// was recomputed from the bytes read, never taken from the registry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OciSource {
    /// The reference as given (`oci-layout:DIR:TAG`, `oci://REG/REPO@DIGEST`).
    pub reference: String,
    /// `sha256:<hex>` of the manifest's bytes.
    pub manifest_digest: String,
    /// `sha256:<hex>` of the wasm layer (the input's bytes).
    pub layer_digest: String,
    /// The wasm layer's media type.
    pub layer_media_type: String,
    /// The digests of every layer of the manifest, in order.
    #[serde(skip)]
    pub layer_digests: Vec<String>,
    /// The manifest's annotations.
    #[serde(skip)]
    pub annotations: BTreeMap<String, String>,
    /// The CNCF Wasm OCI artifact config (`application/vnd.wasm.config.v0+json`),
    /// when the manifest's config is one.
    #[serde(skip)]
    pub config: Option<serde_json::Value>,
    /// Who signed the manifest: the cosign signatures (`.sig`) that
    /// verified with the attestation key.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub signatures: Vec<String>,
    /// Whether the registry was reached over plain HTTP (`--plain-http`).
    #[serde(skip)]
    pub plain_http: bool,
}

impl Analysis {
    /// The node at `path` (`/`, `/component[0]`, ...), also accepting the
    /// `root/...` spelling of the corpus listings.
    pub fn node(&self, path: &str) -> Option<&Node> {
        let normal = normalize_path(path);
        self.nodes.iter().find(|n| n.path == normal)
    }

    /// The root node.
    #[allow(clippy::indexing_slicing)]
    pub fn root(&self) -> &Node {
        // An analysis always has its root: `analyze_bytes` makes it first
        // and refuses an input without one, and the field is only filled
        // there.
        &self.nodes[0]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_normalise() {
        assert_eq!(normalize_path("root"), "/");
        assert_eq!(normalize_path("/"), "/");
        assert_eq!(normalize_path(""), "/");
        assert_eq!(
            normalize_path("root/component[1]/module[0]"),
            "/component[1]/module[0]"
        );
        assert_eq!(normalize_path("/component[0]/"), "/component[0]");
        assert_eq!(normalize_path("component[0]"), "/component[0]");
    }
}
