//! The composition graph (petgraph): components and core modules with
//! `contains` edges for the nesting, WIT interfaces with `imports` and
//! `exports` edges, and the host, which provides what the root imports.
//!
//! The wiring (`crate::analysis::wiring`) adds instance nodes with `instantiates`
//! edges to what they instantiate, and `satisfies` edges from the provider
//! of an import (the host, a sibling, the enclosing component passing one
//! of its imports down, a module whose export is lifted) to its consumer,
//! labelled with the import name.

use std::collections::BTreeMap;

use petgraph::stable_graph::{NodeIndex, StableDiGraph};
use petgraph::visit::{EdgeRef, IntoEdgeReferences};
use serde::Serialize;

use crate::model::wiring::Provider;
use crate::model::{Analysis, NameForm, NodeKind, Wiring};

/// A node of the composition graph.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GraphNode {
    /// A component: the index of its node in [`Analysis::nodes`].
    Component(usize),
    /// A core module: the index of its node in [`Analysis::nodes`].
    CoreModule(usize),
    /// A WIT interface, by its full name (`wasi:http/types@0.2.0`).
    Interface(String),
    /// A component instance (or, `core`, a core module instance): the
    /// component node holding it and its index there.
    Instance {
        /// The component node holding the instance, by index in
        /// [`Analysis::nodes`].
        parent: usize,
        /// Index in the holder's component (or core) instance space.
        index: u32,
        /// A core module instance rather than a component instance.
        core: bool,
    },
    /// The embedder: what the root imports comes from here.
    Host,
}

/// The host interfaces that reach node `to` through its import `import`.
fn carried(analysis: &Analysis, wiring: &Wiring, to: usize, import: &str) -> Vec<String> {
    let Some(path) = analysis.nodes.get(to).map(|n| &n.path) else {
        return Vec::new();
    };
    let mut out: Vec<String> = wiring
        .reach
        .get(to)
        .into_iter()
        .flatten()
        .filter(|c| {
            c.via
                .last()
                .is_some_and(|b| &b.path == path && b.import == import)
        })
        .map(|c| c.interface.clone())
        .collect();
    out.sort();
    out.dedup();
    out
}

/// The kind of an edge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum EdgeKind {
    /// Parent → nested component or module.
    Contains,
    /// Component → interface it imports.
    Imports,
    /// Component (or host) → interface it exports (or provides).
    Exports,
    /// Instance → the component or module it instantiates.
    Instantiates,
    /// Provider → consumer of an import.
    Satisfies,
}

/// An edge with its kind and, for wiring edges, the interface or item name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphEdge {
    /// What the edge means.
    pub kind: EdgeKind,
    /// For `satisfies` edges: the consumer's import name; `None` on the other
    /// kinds.
    pub interface: Option<String>,
    /// For `satisfies` edges: the root host imports that flow through this
    /// binding (what a reviewer looks for).
    pub carries: Vec<String>,
}

/// The composition graph of one analysis.
#[derive(Debug, Clone)]
pub struct CompositionGraph {
    /// The petgraph graph.
    pub graph: StableDiGraph<GraphNode, GraphEdge>,
    /// Graph index of each analysis node, by position in [`Analysis::nodes`].
    pub nodes: Vec<NodeIndex>,
    /// Graph index of each interface, by name.
    pub interfaces: BTreeMap<String, NodeIndex>,
    /// The host node, when the root imports anything by interface name.
    pub host: Option<NodeIndex>,
}

impl CompositionGraph {
    /// Builds the graph of `analysis`; an analysis without its wiring is
    /// refused ([`crate::Error::NoWiring`]).
    pub fn build(analysis: &Analysis) -> crate::Result<Self> {
        let wiring = analysis.wiring()?;
        let mut graph = StableDiGraph::new();
        let nodes: Vec<NodeIndex> = analysis
            .nodes
            .iter()
            .enumerate()
            .map(|(i, n)| {
                graph.add_node(match n.kind {
                    NodeKind::Component => GraphNode::Component(i),
                    NodeKind::Module => GraphNode::CoreModule(i),
                })
            })
            .collect();
        let mut g = CompositionGraph {
            graph,
            nodes,
            interfaces: BTreeMap::new(),
            host: None,
        };
        for (node, me) in analysis.nodes.iter().zip(g.nodes.clone()) {
            for &child in &node.children {
                if let Some(&c) = g.nodes.get(child) {
                    g.add_edge(me, c, EdgeKind::Contains, None);
                }
            }
            if node.kind != NodeKind::Component {
                continue;
            }
            for import in node
                .imports
                .iter()
                .filter(|e| e.form == NameForm::Interface)
            {
                let iface = g.interface(&import.name);
                g.add_edge(me, iface, EdgeKind::Imports, None);
                if node.parent.is_none() {
                    let host = g.host();
                    g.add_edge(host, iface, EdgeKind::Exports, None);
                }
            }
            for export in node
                .exports
                .iter()
                .filter(|e| e.form == NameForm::Interface)
            {
                let iface = g.interface(&export.name);
                g.add_edge(me, iface, EdgeKind::Exports, None);
            }
        }
        for inst in &wiring.instances {
            let i = g.graph.add_node(GraphNode::Instance {
                parent: inst.parent,
                index: inst.index,
                core: inst.core,
            });
            let targets: Vec<NodeIndex> = inst
                .targets
                .iter()
                .filter_map(|&t| g.nodes.get(t).copied())
                .collect();
            for t in targets {
                g.add_edge(i, t, EdgeKind::Instantiates, None);
            }
        }
        for s in &wiring.satisfies {
            let from = match s.from {
                Provider::Host => Some(g.host()),
                Provider::Node(n) => g.nodes.get(n).copied(),
            };
            if let (Some(from), Some(&to)) = (from, g.nodes.get(s.to)) {
                let carries = carried(analysis, wiring, s.to, &s.import);
                let edge = GraphEdge {
                    kind: EdgeKind::Satisfies,
                    interface: Some(s.import.clone()),
                    carries,
                };
                g.graph.add_edge(from, to, edge);
            }
        }
        Ok(g)
    }

    fn interface(&mut self, name: &str) -> NodeIndex {
        if let Some(&i) = self.interfaces.get(name) {
            return i;
        }
        let i = self.graph.add_node(GraphNode::Interface(name.to_string()));
        self.interfaces.insert(name.to_string(), i);
        i
    }

    fn host(&mut self) -> NodeIndex {
        match self.host {
            Some(h) => h,
            None => {
                let h = self.graph.add_node(GraphNode::Host);
                self.host = Some(h);
                h
            }
        }
    }

    /// Adds an edge unless the same one is already there.
    pub fn add_edge(
        &mut self,
        from: NodeIndex,
        to: NodeIndex,
        kind: EdgeKind,
        interface: Option<String>,
    ) {
        let edge = GraphEdge {
            kind,
            interface,
            carries: Vec::new(),
        };
        if !self
            .graph
            .edges_connecting(from, to)
            .any(|e| e.weight() == &edge)
        {
            self.graph.add_edge(from, to, edge);
        }
    }

    /// The stable identifier of a graph node in renderings: the node path
    /// for components and modules, the name for interfaces, `host`.
    pub fn id(&self, analysis: &Analysis, index: NodeIndex) -> String {
        match &self.graph[index] {
            GraphNode::Component(i) | GraphNode::CoreModule(i) => analysis
                .nodes
                .get(*i)
                .map(|n| n.path.clone())
                .unwrap_or_default(),
            GraphNode::Interface(name) => name.clone(),
            GraphNode::Instance {
                parent,
                index,
                core,
            } => {
                let parent = analysis
                    .nodes
                    .get(*parent)
                    .map(|n| n.path.as_str())
                    .unwrap_or("/");
                let sort = if *core { "core-instance" } else { "instance" };
                format!("{parent}#{sort}[{index}]")
            }
            GraphNode::Host => "host".to_string(),
        }
    }

    /// Edges in a stable order: by source, then target, then kind.
    pub fn sorted_edges(&self) -> Vec<(NodeIndex, NodeIndex, &GraphEdge)> {
        let mut edges: Vec<_> = (&self.graph)
            .edge_references()
            .map(|e| (e.source(), e.target(), e.weight()))
            .collect();
        edges.sort_by(|a, b| {
            (a.0, a.1, a.2.kind, &a.2.interface).cmp(&(b.0, b.1, b.2.kind, &b.2.interface))
        });
        edges
    }

    /// Edges of one kind.
    pub fn edges_of(
        &self,
        kind: EdgeKind,
    ) -> impl Iterator<Item = (NodeIndex, NodeIndex, &GraphEdge)> {
        (&self.graph)
            .edge_references()
            .filter(move |e| e.weight().kind == kind)
            .map(|e| (e.source(), e.target(), e.weight()))
    }
}
