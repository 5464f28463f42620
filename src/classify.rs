//! Classes of nodes: what a reader (and the trust verdict) should make of a
//! node that carries little or no code of its own.
//!
//! Rules, in order, for a core module:
//! - `shim`: named `wit-component:shim` and shaped as one (no imports,
//!   every function body a trampoline into its table), or named
//!   `wit-component:fixup*` with no function bodies (the indirect-call
//!   tables `wit-component` adds between a module and the functions it
//!   lowers). A module that takes the name without the shape is `code`: a
//!   name is not trusted;
//! - `adapter`: named `wit-component:adapter:*`, or shaped as a WASI
//!   preview1 adapter (exports preview1 functions such as `fd_write` while
//!   importing Component Model interfaces such as `wasi:io/streams@0.2.0`);
//! - `glue`: no function bodies;
//! - `code` otherwise.
//!
//! For a component:
//! - `wit-package`: nothing but type definitions and type exports (an
//!   encoded WIT package), or WIT decoding said so;
//! - `code`: directly contains a `code` module;
//! - `shim`: directly contains modules, all of them shims or adapters;
//! - `glue` otherwise (composition shells, re-export components).

use crate::model::{Class, Node, NodeKind};
use crate::walk::Shape;

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
pub(crate) fn classify_all(nodes: &mut [Node], shapes: &[Shape]) {
    for i in (0..nodes.len()).rev() {
        let Some(node) = nodes.get(i) else { continue };
        let class = match node.kind {
            NodeKind::Module => module_class(node),
            NodeKind::Component => {
                let shape = shapes.get(i).copied().unwrap_or_default();
                component_class(nodes, node, &shape)
            }
        };
        if let Some(node) = nodes.get_mut(i) {
            node.class = class;
        }
    }
}

fn module_class(node: &Node) -> Class {
    let name = node.own_name.as_deref().unwrap_or("");
    let shim = name.starts_with("wit-component:shim")
        && node.trampolines_only
        && node.core_imports.is_empty();
    let fixup = name.starts_with("wit-component:fixup") && node.function_bodies == 0;
    if shim || fixup {
        return Class::Shim;
    }
    if name.starts_with("wit-component:adapter") || looks_like_adapter(node) {
        return Class::Adapter;
    }
    if node.function_bodies == 0 {
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
    if matches!(&node.wit, Some(w) if w.kind == "package") {
        return Class::WitPackage;
    }
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
