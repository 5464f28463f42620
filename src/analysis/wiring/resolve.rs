//! The resolved wiring of one analysis: which instance instantiates which
//! nested node, which provider satisfies each import, which root host
//! imports reach each part, which code the host supplies at link time, and
//! what the wiring shows a shim-shaped module doing. Computed by the
//! interpreter ([`super::interp`]), which instantiates the root as the
//! Component Model does, on symbolic values.

use super::interp::{Interp, Stop};
use super::module::ModuleInfo;
use super::Spaces;
use crate::model::wiring::Wiring;
use crate::model::Node;

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
