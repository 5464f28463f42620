//! Classes of nodes: what a reader (and the trust verdict) should make of a
//! node that carries little or no code of its own.
//!
//! Rules, in order, for a core module:
//! - `shim`: shaped exactly as `wit-component`'s shim
//!   ([`ModuleInfo::is_shim_shaped`]: no imports, its own empty table,
//!   export *N* a trampoline into slot *N*, nothing done at instantiation)
//!   or fixup ([`ModuleInfo::is_fixup_shaped`]: nothing defined, element
//!   segments that put the function imported as *N* into slot *N* of the
//!   one imported table). The wiring follows both exactly, so they are
//!   wiring, not behaviour. The name does not matter: a module called
//!   `wit-component:shim` without the shape is `code`;
//! - `adapter`: named `wit-component:adapter:*`, or shaped as a WASI
//!   preview1 adapter (exports preview1 functions such as `fd_write` while
//!   importing Component Model interfaces such as `wasi:io/streams@0.2.0`);
//! - `glue`: proven inert ([`ModuleInfo::acts`] is empty: no function
//!   bodies, no start function, no active data or element segment, no
//!   exported table or global with initial contents);
//! - `code` otherwise: whatever can act needs trust, function bodies or not.
//!
//! For a component:
//! - `wit-package`: nothing but type definitions and type exports (an
//!   encoded WIT package), or WIT decoding said so;
//! - `code`: directly contains a `code` module, or has a `start` section;
//! - `shim`: directly contains modules, all of them shims or adapters;
//! - `glue` otherwise (composition shells, re-export components).
//!
//! Classes depend on the bytes alone (never on whether WIT decoded), so
//! every command classifies a node the same way.

use crate::analysis::walk::Shape;
use crate::analysis::wiring::module::ModuleInfo;
use crate::analysis::wiring::Spaces;
use crate::model::{Class, Node, NodeKind};

/// Functions a WASI preview1 adapter exports; a module exporting several of
/// them while importing Component Model interfaces is an adapter.
const PREVIEW1_EXPORTS: &[&str] = &[
    "fd_write",
    "fd_read",
    "fd_close",
    "fd_seek",
    "environ_get",
    "environ_sizes_get",
    "args_get",
    "args_sizes_get",
    "proc_exit",
    "clock_time_get",
    "random_get",
    "path_open",
];

/// Classifies every node, children before parents (nodes are in pre-order,
/// so walking backwards sees every child before its parent).
pub(crate) fn classify_all(
    nodes: &mut [Node],
    shapes: &[Shape],
    spaces: &[Option<Spaces>],
    modules: &[Option<ModuleInfo>],
) {
    for i in (0..nodes.len()).rev() {
        let Some(node) = nodes.get(i) else { continue };
        let (class, acts) = match node.kind {
            NodeKind::Module => {
                let info = modules.get(i).and_then(Option::as_ref);
                let acts = info.map(ModuleInfo::acts).unwrap_or_default();
                (module_class(node, info, &acts), acts)
            }
            NodeKind::Component => {
                let shape = shapes.get(i).copied().unwrap_or_default();
                let start = spaces
                    .get(i)
                    .and_then(Option::as_ref)
                    .is_some_and(|s| s.start.is_some());
                let acts: Vec<String> = if start {
                    vec!["a start function (runs at instantiation)".into()]
                } else {
                    Vec::new()
                };
                let class = if start {
                    Class::Code
                } else {
                    component_class(nodes, node, &shape)
                };
                (class, acts)
            }
        };
        if let Some(node) = nodes.get_mut(i) {
            node.class = class;
            node.acts = acts;
        }
    }
}

fn module_class(node: &Node, info: Option<&ModuleInfo>, acts: &[String]) -> Class {
    // By shape alone: the interpreter follows a shim's trampolines and a
    // fixup's table writes exactly, whatever the module is called (wit-component
    // names them `wit-component:shim` / `wit-component:fixups` in the
    // module's own name section or, in newer versions, only in the
    // parent's `component-name` section).
    if info.is_some_and(|i| i.is_shim_shaped() || i.is_fixup_shaped()) {
        return Class::Shim;
    }
    let name = node.own_name.as_deref().unwrap_or("");
    if name.starts_with("wit-component:adapter") || looks_like_adapter(node) {
        return Class::Adapter;
    }
    if acts.is_empty() {
        return Class::Glue;
    }
    Class::Code
}

fn looks_like_adapter(node: &Node) -> bool {
    let preview1 = node
        .exports
        .iter()
        .filter(|e| PREVIEW1_EXPORTS.contains(&e.name.as_str()))
        .count();
    let imports_interfaces = node
        .core_imports
        .iter()
        .any(|m| m.module.starts_with("wasi:") && m.module.contains('/'));
    preview1 >= 3 && imports_interfaces
}

fn component_class(nodes: &[Node], node: &Node, shape: &Shape) -> Class {
    // From the shape only, never from the decoded WIT: `check` does not
    // decode WIT, and `tree` and `check` must classify a node alike.
    let modules: Vec<Class> = node
        .children
        .iter()
        .filter_map(|&c| nodes.get(c))
        .filter(|c| c.kind == NodeKind::Module)
        .map(|c| c.class)
        .collect();
    let has_components = node
        .children
        .iter()
        .filter_map(|&c| nodes.get(c))
        .any(|c| c.kind == NodeKind::Component);
    if modules.is_empty()
        && !has_components
        && shape.imports == 0
        && shape.core_instances == 0
        && shape.instances == 0
        && shape.canonicals == 0
        && shape.other_exports == 0
        && shape.type_exports > 0
    {
        return Class::WitPackage;
    }
    if modules.contains(&Class::Code) {
        return Class::Code;
    }
    if !modules.is_empty()
        && modules
            .iter()
            .all(|c| matches!(c, Class::Shim | Class::Adapter))
    {
        return Class::Shim;
    }
    Class::Glue
}
