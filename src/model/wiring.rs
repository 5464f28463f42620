//! The resolved wiring of one analysis: which instance instantiates which
//! nested node, which provider satisfies each import, which root host
//! imports reach each part, which code the host supplies at link time, and
//! what the wiring shows a shim-shaped module doing. Made by the wiring
//! interpreter of the analysis stage.

use super::capability::Capability;

/// Who satisfies an import.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Provider {
    /// The embedder (root imports).
    Host,
    /// A node: a sibling instance's definition, the enclosing component
    /// passing down one of its imports, or a module whose export is lifted.
    Node(usize),
}

/// `from` satisfies import `import` of `to`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Satisfy {
    /// Who provides the item.
    pub from: Provider,
    /// Index of the node whose import is satisfied (into `Analysis::nodes`).
    pub to: usize,
    /// The satisfied import's name.
    pub import: String,
}

/// An instance definition of an instantiated component, and the nodes it
/// instantiates (several when its component is instantiated several times
/// with different modules or components as arguments; none when it
/// instantiates code the host supplies).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstanceInfo {
    /// The component that holds the instance.
    pub parent: usize,
    /// Index in the parent's component (or core) instance space.
    pub index: u32,
    /// A core instance (of a module) rather than a component instance.
    pub core: bool,
    /// The nodes instantiated.
    pub targets: Vec<usize>,
}

/// An instance of code the host supplies at link time: an imported core
/// module or component that the composition instantiates.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ImportedCode {
    /// The component holding the instance.
    pub parent: usize,
    /// Its index in the parent's component (or core) instance space.
    pub index: u32,
    /// A core instance (of a module) rather than a component instance.
    pub core: bool,
    /// The root import the code comes from.
    pub import: String,
}

/// The resolved wiring of one analysis.
#[derive(Debug, Clone, Default)]
pub struct Wiring {
    /// Every instance definition of the analysis, by parent, then component
    /// instances before core ones, then index.
    pub instances: Vec<InstanceInfo>,
    /// Which provider satisfies which import: the host for each root import of
    /// a component root, else the nodes the wiring resolves.
    pub satisfies: Vec<Satisfy>,
    /// Per node: the root host imports that reach it.
    pub reach: Vec<Vec<Capability>>,
    /// Per node: whether anything instantiates it (the root always is).
    pub instantiated: Vec<bool>,
    /// Code the host supplies that the composition instantiates.
    pub imported_code: Vec<ImportedCode>,
    /// Per node: what the wiring shows it doing that its shape alone did
    /// not (a fixup writing into a table that is not a shim's).
    pub acts: Vec<Vec<String>>,
    /// Work steps the resolution took.
    pub work: u64,
    /// Every import whose name carries `integrity=<…>`, with what
    /// satisfies it and that node's digests in the algorithms it names.
    pub integrity: Vec<IntegrityClaim>,
}

/// An import name with `integrity=<…>` (`integrity=<…>`,
/// `locked-dep=<…>,integrity=<…>`, `url=<…>,integrity=<…>`): the bytes
/// of whatever satisfies it must have that digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntegrityClaim {
    /// The node whose import it is.
    pub node: usize,
    /// The import's full name.
    pub import: String,
    /// The integrity metadata as written.
    pub metadata: String,
    /// Who satisfies it.
    pub satisfied_by: IntegritySatisfier,
}

/// What satisfies an `integrity=` import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IntegritySatisfier {
    /// Nodes of the composition, each with its digests in the algorithms
    /// the metadata names (`("sha384", base64)`); none when the metadata
    /// does not parse.
    Nodes(Vec<(usize, Vec<(&'static str, String)>)>),
    /// The host (a root import, or one passed down from the root).
    Host,
    /// Nothing in the composition: the node is not instantiated, or the
    /// import is passed down through `via` (a component's path) in a way
    /// the analysis cannot follow to one provider.
    Unresolved {
        /// The component the import was passed down from, when it was.
        via: Option<usize>,
    },
}
