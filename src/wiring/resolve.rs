//! Resolving the recorded index spaces into wiring: which instance
//! instantiates which nested node, which provider satisfies each import,
//! and which host imports of the root reach each part.
//!
//! Sources only grow, so the resolution runs to a fixed point (a component
//! outer-aliased into a deeper one can be instantiated before its own
//! imports are known); a bounded number of passes, each linear in the
//! number of instance arguments.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use wasmparser::{ComponentExternalKind, ExternalKind};

use super::{CoreFunc, CoreInstanceDef, InstanceDef, Origin, Spaces};
use crate::model::{Class, Node, NodeKind};

/// Bound on alias chains followed while resolving one reference; a longer
/// chain resolves to nothing rather than exhausting the stack.
const MAX_CHAIN: u32 = 256;
/// Bound on fixed-point passes.
const MAX_PASSES: usize = 64;

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
    pub interface: String,
    pub via: Vec<Binding>,
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

/// An instance that instantiates a node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstanceInfo {
    /// The component that holds the instance.
    pub parent: usize,
    /// Index in the parent's component (or core) instance space.
    pub index: u32,
    /// A core instance (of a module) rather than a component instance.
    pub core: bool,
    /// The node instantiated, when it is a nested node.
    pub target: Option<usize>,
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
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Src {
    Host {
        interface: String,
        via: Vec<Binding>,
    },
    Node(usize),
}

/// A source and whether it came through an import of the enclosing
/// component (then the enclosing component is the immediate provider).
#[derive(Debug, Clone)]
struct Found {
    src: Src,
    passed: bool,
}

struct Resolver<'a> {
    nodes: &'a [Node],
    sources: Vec<BTreeMap<String, BTreeSet<Src>>>,
    satisfies: BTreeSet<Satisfy>,
}

/// Resolves the wiring of `nodes` from their recorded `spaces`.
pub fn resolve(nodes: &[Node], spaces: &[Option<Spaces>]) -> Wiring {
    let mut r = Resolver {
        nodes,
        sources: vec![BTreeMap::new(); nodes.len()],
        satisfies: BTreeSet::new(),
    };
    let mut instantiated = vec![false; nodes.len()];
    // Marks `t` instantiated; returns whether that is new.
    fn mark(instantiated: &mut [bool], t: usize) -> bool {
        match instantiated.get_mut(t) {
            Some(flag) if !*flag => {
                *flag = true;
                true
            }
            _ => false,
        }
    }
    if let Some(root) = nodes.first() {
        mark(&mut instantiated, 0);
        if root.kind == NodeKind::Component {
            for import in &root.imports {
                let src = Src::Host {
                    interface: import.name.clone(),
                    via: vec![Binding {
                        path: root.path.clone(),
                        import: import.name.clone(),
                    }],
                };
                if let Some(s) = r.sources.get_mut(0) {
                    s.entry(import.name.clone()).or_default().insert(src);
                }
                r.satisfies.insert(Satisfy {
                    from: Provider::Host,
                    to: 0,
                    import: import.name.clone(),
                });
            }
        }
    }

    for pass in 0..MAX_PASSES {
        let mut changed = false;
        for p in 0..nodes.len() {
            if instantiated.get(p) != Some(&true) {
                continue;
            }
            let Some(sp) = spaces.get(p).and_then(Option::as_ref) else {
                continue;
            };
            for inst in &sp.instances {
                let InstanceDef::Instantiate { component, args } = inst else {
                    continue;
                };
                let Some(t) = node_of(sp.components.get(*component as usize)) else {
                    continue;
                };
                changed |= mark(&mut instantiated, t);
                for arg in args {
                    let found = r.item(p, sp, arg.kind, arg.index, 0);
                    changed |= r.bind(p, t, &arg.name, found);
                }
            }
            for inst in &sp.core_instances {
                let CoreInstanceDef::Instantiate { module, args } = inst else {
                    continue;
                };
                let Some(t) = node_of(sp.modules.get(*module as usize)) else {
                    continue;
                };
                changed |= mark(&mut instantiated, t);
                for (module_name, ci) in args {
                    let found = r.core_instance_arg(p, sp, *ci);
                    changed |= r.bind(p, t, module_name, found);
                }
            }
        }
        if !changed && pass > 0 {
            break;
        }
    }

    let mut instances = Vec::new();
    for (p, sp) in spaces.iter().enumerate() {
        let Some(sp) = sp.as_ref().filter(|_| instantiated.get(p) == Some(&true)) else {
            continue;
        };
        for (k, inst) in sp.instances.iter().enumerate() {
            if let InstanceDef::Instantiate { component, .. } = inst {
                instances.push(InstanceInfo {
                    parent: p,
                    index: k as u32,
                    core: false,
                    target: node_of(sp.components.get(*component as usize)),
                });
            }
        }
        for (k, inst) in sp.core_instances.iter().enumerate() {
            if let CoreInstanceDef::Instantiate { module, .. } = inst {
                instances.push(InstanceInfo {
                    parent: p,
                    index: k as u32,
                    core: true,
                    target: node_of(sp.modules.get(*module as usize)),
                });
            }
        }
    }

    let reach = r
        .sources
        .iter()
        .map(|imports| {
            let caps: BTreeSet<Capability> = imports
                .values()
                .flatten()
                .filter_map(|s| match s {
                    Src::Host { interface, via } => Some(Capability {
                        interface: interface.clone(),
                        via: via.clone(),
                    }),
                    Src::Node(_) => None,
                })
                .collect();
            caps.into_iter().collect()
        })
        .collect();
    Wiring {
        instances,
        satisfies: r.satisfies.into_iter().collect(),
        reach,
        instantiated,
    }
}

/// A node's export, not passed through the enclosing component.
fn from_node(node: Option<usize>) -> Vec<Found> {
    node.map(|n| {
        vec![Found {
            src: Src::Node(n),
            passed: false,
        }]
    })
    .unwrap_or_default()
}

fn node_of(origin: Option<&Origin>) -> Option<usize> {
    match origin? {
        Origin::Defined(n) => Some(*n),
        Origin::Outer(n) => *n,
        _ => None,
    }
}

impl Resolver<'_> {
    /// Records that import `import` of `t` (instantiated inside `p`) gets
    /// `found`; returns whether anything was new.
    fn bind(&mut self, p: usize, t: usize, import: &str, found: Vec<Found>) -> bool {
        let mut changed = false;
        let t_path = self
            .nodes
            .get(t)
            .map(|n| n.path.clone())
            .unwrap_or_default();
        for f in found {
            let provider = match (&f.src, f.passed) {
                (_, true) => Provider::Node(p),
                (Src::Node(n), false) => Provider::Node(*n),
                (Src::Host { .. }, false) => Provider::Node(p),
            };
            self.satisfies.insert(Satisfy {
                from: provider,
                to: t,
                import: import.to_string(),
            });
            let src = match f.src {
                Src::Host { interface, mut via } => {
                    via.push(Binding {
                        path: t_path.clone(),
                        import: import.to_string(),
                    });
                    Src::Host { interface, via }
                }
                other => other,
            };
            if let Some(s) = self.sources.get_mut(t) {
                changed |= s.entry(import.to_string()).or_default().insert(src);
            }
        }
        changed
    }

    /// What import `name` of component `p` is bound to.
    fn import(&self, p: usize, name: &str) -> Vec<Found> {
        self.sources
            .get(p)
            .and_then(|m| m.get(name))
            .map(|set| {
                set.iter()
                    .map(|s| Found {
                        src: s.clone(),
                        passed: true,
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    fn item(
        &self,
        p: usize,
        sp: &Spaces,
        kind: ComponentExternalKind,
        index: u32,
        depth: u32,
    ) -> Vec<Found> {
        if depth > MAX_CHAIN {
            return Vec::new();
        }
        match kind {
            ComponentExternalKind::Func => match sp.funcs.get(index as usize) {
                Some(Origin::Import(name)) => self.import(p, name),
                Some(Origin::InstanceExport { instance, name }) => {
                    self.instance(p, sp, *instance, Some(name), depth + 1)
                }
                Some(Origin::Lifted { core_func }) => self.core_func(p, sp, *core_func, depth + 1),
                _ => Vec::new(),
            },
            ComponentExternalKind::Instance => self.instance(p, sp, index, None, depth + 1),
            _ => Vec::new(),
        }
    }

    fn instance(
        &self,
        p: usize,
        sp: &Spaces,
        index: u32,
        export: Option<&str>,
        depth: u32,
    ) -> Vec<Found> {
        if depth > MAX_CHAIN {
            return Vec::new();
        }
        match sp.instances.get(index as usize) {
            Some(InstanceDef::Import(name)) => self.import(p, name),
            Some(InstanceDef::Instantiate { component, .. }) => {
                from_node(node_of(sp.components.get(*component as usize)))
            }
            Some(InstanceDef::FromExports(items)) => match export {
                Some(e) => items
                    .iter()
                    .filter(|a| a.name == e)
                    .flat_map(|a| self.item(p, sp, a.kind, a.index, depth + 1))
                    .collect(),
                None => items
                    .iter()
                    .flat_map(|a| self.item(p, sp, a.kind, a.index, depth + 1))
                    .collect(),
            },
            Some(InstanceDef::Alias { instance, name }) => {
                self.instance(p, sp, *instance, Some(name), depth + 1)
            }
            Some(InstanceDef::Same(k)) => self.instance(p, sp, *k, export, depth + 1),
            None => Vec::new(),
        }
    }

    fn core_func(&self, p: usize, sp: &Spaces, index: u32, depth: u32) -> Vec<Found> {
        if depth > MAX_CHAIN {
            return Vec::new();
        }
        match sp.core_funcs.get(index as usize) {
            Some(CoreFunc::Lowered { func }) => {
                self.item(p, sp, ComponentExternalKind::Func, *func, depth + 1)
            }
            Some(CoreFunc::InstanceExport { instance, name }) => {
                match sp.core_instances.get(*instance as usize) {
                    Some(CoreInstanceDef::Instantiate { module, .. }) => {
                        let node = node_of(sp.modules.get(*module as usize));
                        if node.is_some_and(|n| self.is_shim(n)) {
                            let filled = self.shim_fill(p, sp, *module, name, depth + 1);
                            if !filled.is_empty() {
                                return filled;
                            }
                        }
                        from_node(node)
                    }
                    Some(CoreInstanceDef::FromExports(items)) => items
                        .iter()
                        .filter(|a| {
                            &a.name == name
                                && matches!(a.kind, ExternalKind::Func | ExternalKind::FuncExact)
                        })
                        .flat_map(|a| self.core_func(p, sp, a.index, depth + 1))
                        .collect(),
                    None => Vec::new(),
                }
            }
            Some(CoreFunc::Builtin) | None => Vec::new(),
        }
    }

    fn is_shim(&self, node: usize) -> bool {
        self.nodes.get(node).is_some_and(|n| n.class == Class::Shim)
    }

    /// `wit-component` routes lowered functions through a shim module: the
    /// shim exports function `name`, which calls slot `name` of its table,
    /// and a fixup module (another shim) instantiated with a bag whose item
    /// `name` is the real function fills that slot. Looking through the shim
    /// tells which module a host function really reaches.
    fn shim_fill(
        &self,
        p: usize,
        sp: &Spaces,
        shim_module: u32,
        name: &str,
        depth: u32,
    ) -> Vec<Found> {
        let mut out = Vec::new();
        for inst in &sp.core_instances {
            let CoreInstanceDef::Instantiate { module, args } = inst else {
                continue;
            };
            if *module == shim_module
                || !node_of(sp.modules.get(*module as usize)).is_some_and(|n| self.is_shim(n))
            {
                continue;
            }
            for (_, bag) in args {
                if let Some(CoreInstanceDef::FromExports(items)) =
                    sp.core_instances.get(*bag as usize)
                {
                    for item in items.iter().filter(|a| {
                        a.name == name
                            && matches!(a.kind, ExternalKind::Func | ExternalKind::FuncExact)
                    }) {
                        out.extend(self.core_func(p, sp, item.index, depth + 1));
                    }
                }
            }
        }
        out
    }

    /// What a core instance passed as an instantiation argument provides.
    fn core_instance_arg(&self, p: usize, sp: &Spaces, index: u32) -> Vec<Found> {
        match sp.core_instances.get(index as usize) {
            Some(CoreInstanceDef::Instantiate { module, .. }) => {
                from_node(node_of(sp.modules.get(*module as usize)))
            }
            Some(CoreInstanceDef::FromExports(items)) => items
                .iter()
                .filter(|a| matches!(a.kind, ExternalKind::Func | ExternalKind::FuncExact))
                .flat_map(|a| self.core_func(p, sp, a.index, 0))
                .collect(),
            None => Vec::new(),
        }
    }
}
