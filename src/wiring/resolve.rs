//! The resolved wiring of one analysis: which instance instantiates which
//! nested node, which provider satisfies each import, which root host
//! imports reach each part, which code the host supplies at link time, and
//! what the wiring shows a shim-shaped module doing. Computed by the
//! interpreter ([`super::interp`]), which instantiates the root as the
//! Component Model does, on symbolic values.

use serde::Serialize;

use super::interp::{Interp, Stop};
use super::module::ModuleInfo;
use super::Spaces;
use crate::model::Node;

/// Default work budget of the wiring resolution (`--max-wiring-work`).
/// The largest corpus composition needs about 6,000 steps and a generated
/// 100 MiB one of 159 nodes about 37,000; a million stop an input built to
/// explode within about half a second and 100 MB.
pub const DEFAULT_MAX_WIRING_WORK: u64 = 1_000_000;

/// One step of the way a capability came: `import` of the node at `path`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Binding {
    pub path: String,
    pub import: String,
}

/// A root host import reaching a node, and the bindings it came through
/// (root first).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Capability {
    /// The root import's name (its label when it has an `implements`).
    pub interface: String,
    /// The interface a labelled import implements
    /// (`(import "net" (implements "wasi:sockets/tcp@0.2.0") ...)`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub implements: Option<String>,
    pub via: Vec<Binding>,
}

impl Capability {
    /// The interface this capability is: what it implements, else its name.
    pub fn name(&self) -> &str {
        self.implements.as_deref().unwrap_or(&self.interface)
    }

    /// Whether a deny pattern catches it: by its name or by what it
    /// implements (either is enough to deny).
    pub fn denied_by(&self, pattern: &str) -> bool {
        crate::policy::pattern_matches(pattern, &self.interface)
            || self
                .implements
                .as_deref()
                .is_some_and(|i| crate::policy::pattern_matches(pattern, i))
    }

    /// Whether an allow pattern lets it through: by what it is (what it
    /// implements when it says so), never by a label alone.
    pub fn allowed_by(&self, pattern: &str) -> bool {
        crate::policy::pattern_matches(pattern, self.name())
    }

    /// `net (implements wasi:sockets/tcp@0.2.0)`, or the name alone.
    pub fn label(&self) -> String {
        match &self.implements {
            Some(i) => format!("{} (implements {i})", self.interface),
            None => self.interface.clone(),
        }
    }
}

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
    pub from: Provider,
    pub to: usize,
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
    pub core: bool,
    /// The root import the code comes from.
    pub import: String,
}

/// The resolved wiring of one analysis.
#[derive(Debug, Clone, Default)]
pub struct Wiring {
    pub instances: Vec<InstanceInfo>,
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
}

/// Why the wiring could not be resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResolveError {
    /// More than `budget` steps.
    Budget { budget: u64 },
    /// Node `node` instantiates itself (only an invalid binary can).
    Recursive { node: usize },
}

/// Resolves the wiring of `nodes` from their recorded `spaces` and module
/// information, within `budget` steps.
pub fn resolve(
    nodes: &[Node],
    spaces: &[Option<Spaces>],
    modules: &[Option<ModuleInfo>],
    budget: u64,
) -> Result<Wiring, ResolveError> {
    let mut interp = Interp::new(nodes, spaces, modules, budget);
    let stop = |s: Stop| match s {
        Stop::Budget => ResolveError::Budget { budget },
        Stop::Recursive { node } => ResolveError::Recursive { node },
    };
    interp.run().map_err(stop)?;
    interp.finish_wiring().map_err(stop)
}
