//! Renderings of the composition graph: JSON (`schemas/graph.schema.json`,
//! always the full graph), and text, Graphviz DOT and Mermaid in two views:
//!
//! - the overview (the default): the components that carry code and the
//!   composition shells around them, how often each is instantiated, the
//!   host capabilities reaching each one grouped by package, and the
//!   interfaces siblings provide to each other, with filesystem, socket
//!   and outgoing-HTTP flows in red. Core modules, shims and glue
//!   components are summarised in their component's label. This is the
//!   picture a reviewer can read: a two-component composition is a handful
//!   of boxes, not hundreds of edges.
//! - the full graph (`--full`): every node (components, modules, instances,
//!   interfaces, the host) and every edge.
//!
//! Every string from the input goes through [`super::escape`].

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

use petgraph::stable_graph::NodeIndex;
use petgraph::visit::EdgeRef;
use serde::Serialize;

use super::{escape, Tool, FORMAT_VERSION};
use crate::graph::{CompositionGraph, EdgeKind, GraphNode};
use crate::model::capability::{is_risky, risk, Risk};
use crate::model::{Analysis, Class, NodeKind};

/// A node of the JSON rendering.
#[derive(Debug, Serialize)]
pub struct JsonNode {
    /// Graph id: the node path for components and modules (`/component[0]`),
    /// the full name for interfaces, `<parent path>#instance[<i>]` (or
    /// `#core-instance[<i>]`) for instances, `host` for the host.
    pub id: String,
    /// `component`, `module`, `interface`, `instance`, `core-instance` or
    /// `host`.
    pub kind: &'static str,
    /// Components and modules: their best name; interfaces: the full name;
    /// instances: the name of what they instantiate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Components and modules only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub class: Option<Class>,
    /// `sha256:<hex>` of a component's or module's bytes; absent on the other
    /// kinds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
}

/// An edge of the JSON rendering.
#[derive(Debug, Serialize)]
pub struct JsonEdge {
    /// Id of the source node (see [`JsonNode::id`]).
    pub from: String,
    /// Id of the target node.
    pub to: String,
    /// What the edge means.
    pub kind: EdgeKind,
    /// For `satisfies`: the consumer's import name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interface: Option<String>,
    /// For `satisfies`: the root host imports flowing through the binding.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub carries: Vec<String>,
}

/// The full graph of one input.
#[derive(Debug, Serialize)]
pub struct GraphEntry {
    /// The input as named on the command line.
    pub file: String,
    /// `sha256:<hex>` of the whole input.
    pub digest: String,
    /// Every node of the graph.
    pub nodes: Vec<JsonNode>,
    /// Every edge, by source, then target, then kind.
    pub edges: Vec<JsonEdge>,
}

/// One input of a `graph --format json` run: its graph, or why there is none.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum GraphFile {
    /// The input's graph.
    Ok(GraphEntry),
    /// The input could not be analysed.
    Err {
        /// The input as named on the command line.
        file: String,
        /// Why, in one line.
        error: String,
    },
}

/// The `graph --format json` document: one entry per input, as `tree`
/// and `caps` write them.
#[derive(Debug, Serialize)]
pub struct GraphDocument {
    /// Always `wasm-audit-graph`.
    pub format: &'static str,
    /// [`FORMAT_VERSION`] of the document.
    pub format_version: u32,
    /// The tool that wrote the document.
    pub tool: Tool,
    /// One entry per input, in the order given.
    pub files: Vec<GraphFile>,
}

impl GraphDocument {
    /// A document over the given entries.
    pub fn new(files: Vec<GraphFile>) -> Self {
        Self {
            format: "wasm-audit-graph",
            format_version: FORMAT_VERSION,
            tool: Tool::this(),
            files,
        }
    }
}

fn json_node(g: &CompositionGraph, a: &Analysis, i: NodeIndex) -> JsonNode {
    let id = g.id(a, i);
    match &g.graph[i] {
        GraphNode::Component(n) | GraphNode::CoreModule(n) => {
            let node = a.nodes.get(*n);
            JsonNode {
                id,
                kind: node.map(|n| n.kind.as_str()).unwrap_or("component"),
                name: node.and_then(|n| n.name.clone()),
                class: node.map(|n| n.class),
                digest: node.map(|n| n.digest.clone()),
            }
        }
        GraphNode::Interface(name) => JsonNode {
            id,
            kind: "interface",
            name: Some(name.clone()),
            class: None,
            digest: None,
        },
        GraphNode::Instance { core, .. } => JsonNode {
            id,
            kind: if *core { "core-instance" } else { "instance" },
            name: instance_target(g, a, i).and_then(|n| n.name.clone()),
            class: None,
            digest: None,
        },
        GraphNode::Host => JsonNode {
            id,
            kind: "host",
            name: None,
            class: None,
            digest: None,
        },
    }
}

/// The JSON entry of one input's graph.
pub fn json(g: &CompositionGraph, a: &Analysis) -> GraphEntry {
    let nodes = g.graph.node_indices().map(|i| json_node(g, a, i)).collect();
    let edges = g
        .sorted_edges()
        .into_iter()
        .map(|(from, to, e)| JsonEdge {
            from: g.id(a, from),
            to: g.id(a, to),
            kind: e.kind,
            interface: e.interface.clone(),
            carries: e.carries.clone(),
        })
        .collect();
    GraphEntry {
        file: a.file.clone(),
        digest: a.digest.clone(),
        nodes,
        edges,
    }
}

/// The node an instance instantiates.
fn instance_target<'a>(
    g: &CompositionGraph,
    a: &'a Analysis,
    i: NodeIndex,
) -> Option<&'a crate::model::Node> {
    g.graph
        .edges_directed(i, petgraph::Direction::Outgoing)
        .find(|e| e.weight().kind == EdgeKind::Instantiates)
        .and_then(|e| match &g.graph[e.target()] {
            GraphNode::Component(n) | GraphNode::CoreModule(n) => a.nodes.get(*n),
            _ => None,
        })
}

/// The lines of a node's label in the full view: last path segment, name,
/// class and short digest. Raw: each renderer escapes each line.
fn label(g: &CompositionGraph, a: &Analysis, i: NodeIndex) -> Vec<String> {
    match &g.graph[i] {
        GraphNode::Component(n) | GraphNode::CoreModule(n) => match a.nodes.get(*n) {
            Some(node) => {
                let mut lines = vec![node.path.clone()];
                lines.extend(node.name.clone());
                lines.push(format!("{} · {}", node.class.as_str(), node.short_digest()));
                lines
            }
            None => Vec::new(),
        },
        GraphNode::Interface(name) => vec![name.clone()],
        GraphNode::Instance { .. } => {
            let mut lines = vec![g.id(a, i)];
            lines.extend(instance_target(g, a, i).and_then(|n| n.name.clone()));
            lines
        }
        GraphNode::Host => vec!["host".to_string()],
    }
}

/// Risky capability families get a colour in the drawings.
fn interface_colour(name: &str) -> Option<&'static str> {
    match risk(name)? {
        Risk::Filesystem => Some("#f4a261"),
        Risk::Network => Some("#e76f51"),
    }
}

/// DOT label text from raw lines: each escaped, joined by DOT line breaks.
fn dot_lines(lines: &[String]) -> String {
    lines
        .iter()
        .map(|l| escape::dot(l))
        .collect::<Vec<_>>()
        .join("\\n")
}

/// Mermaid label text from raw lines: each escaped, joined by `<br/>`.
fn mermaid_lines(lines: &[String]) -> String {
    lines
        .iter()
        .map(|l| escape::mermaid(l))
        .collect::<Vec<_>>()
        .join("<br/>")
}

// `ids` maps every node index of the graph, built from the same graph.
#[allow(clippy::indexing_slicing)]
/// Graphviz DOT.
pub fn dot(g: &CompositionGraph, a: &Analysis) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "digraph \"{}\" {{", escape::dot(&a.file));
    let _ = writeln!(out, "  rankdir=LR;");
    let _ = writeln!(out, "  node [fontname=\"Helvetica\", fontsize=10];");
    let ids: std::collections::HashMap<NodeIndex, String> = g
        .graph
        .node_indices()
        .enumerate()
        .map(|(k, i)| (i, format!("n{k}")))
        .collect();
    for i in g.graph.node_indices() {
        let attrs = match &g.graph[i] {
            GraphNode::Component(_) => "shape=box, style=\"rounded\"".to_string(),
            GraphNode::CoreModule(_) => "shape=box".to_string(),
            GraphNode::Interface(name) => match interface_colour(name) {
                Some(c) => format!("shape=note, style=filled, fillcolor=\"{c}\""),
                None => "shape=note".to_string(),
            },
            GraphNode::Instance { .. } => "shape=ellipse, style=dashed".to_string(),
            GraphNode::Host => {
                "shape=doubleoctagon, style=filled, fillcolor=\"#dddddd\"".to_string()
            }
        };
        let _ = writeln!(
            out,
            "  {} [label=\"{}\", {attrs}];",
            ids[&i],
            dot_lines(&label(g, a, i))
        );
    }
    for (from, to, e) in g.sorted_edges() {
        let style = match e.kind {
            EdgeKind::Contains => "style=solid, arrowhead=diamond",
            EdgeKind::Imports => "style=dashed, color=\"#555555\"",
            EdgeKind::Exports => "style=dotted, color=\"#555555\"",
            EdgeKind::Instantiates => "style=bold, color=\"#2a9d8f\"",
            EdgeKind::Satisfies => match e
                .interface
                .iter()
                .chain(&e.carries)
                .find_map(|i| interface_colour(i))
            {
                Some(_) => "style=bold, penwidth=2.5, color=\"#d62828\", fontcolor=\"#d62828\"",
                None => "style=bold, color=\"#2a9d8f\"",
            },
        };
        let _ = writeln!(
            out,
            "  {} -> {} [label=\"{}\", {style}];",
            ids[&from],
            ids[&to],
            dot_lines(&edge_text(e))
        );
    }
    out.push_str("}\n");
    out
}

/// An edge's label lines: kind, name, and the host interfaces it carries
/// when they are not the name itself.
fn edge_text(e: &crate::graph::GraphEdge) -> Vec<String> {
    let mut lines = vec![match &e.interface {
        Some(iface) => format!("{} {iface}", kind_name(e.kind)),
        None => kind_name(e.kind).to_string(),
    }];
    let others: Vec<&str> = e
        .carries
        .iter()
        .filter(|c| Some(*c) != e.interface.as_ref())
        .map(String::as_str)
        .collect();
    if !others.is_empty() {
        lines.push(format!("({})", others.join(", ")));
    }
    lines
}

fn kind_name(kind: EdgeKind) -> &'static str {
    match kind {
        EdgeKind::Contains => "contains",
        EdgeKind::Imports => "imports",
        EdgeKind::Exports => "exports",
        EdgeKind::Instantiates => "instantiates",
        EdgeKind::Satisfies => "satisfies",
    }
}

// `ids` maps every node index of the graph, built from the same graph.
#[allow(clippy::indexing_slicing)]
/// Mermaid `flowchart`.
pub fn mermaid(g: &CompositionGraph, a: &Analysis) -> String {
    let mut out = String::from("flowchart LR\n");
    let ids: std::collections::HashMap<NodeIndex, String> = g
        .graph
        .node_indices()
        .enumerate()
        .map(|(k, i)| (i, format!("n{k}")))
        .collect();
    for i in g.graph.node_indices() {
        let text = mermaid_lines(&label(g, a, i));
        let _ = match &g.graph[i] {
            GraphNode::Component(_) => writeln!(out, "  {}(\"{text}\")", ids[&i]),
            GraphNode::CoreModule(_) => writeln!(out, "  {}[\"{text}\"]", ids[&i]),
            GraphNode::Interface(_) => writeln!(out, "  {}[/\"{text}\"/]", ids[&i]),
            GraphNode::Instance { .. } => writeln!(out, "  {}([\"{text}\"])", ids[&i]),
            GraphNode::Host => writeln!(out, "  {}{{{{\"{text}\"}}}}", ids[&i]),
        };
    }
    for (from, to, e) in g.sorted_edges() {
        let arrow = match e.kind {
            EdgeKind::Contains => "-->",
            EdgeKind::Imports | EdgeKind::Exports => "-.->",
            EdgeKind::Instantiates | EdgeKind::Satisfies => "==>",
        };
        let _ = writeln!(
            out,
            "  {} {arrow}|\"{}\"| {}",
            ids[&from],
            mermaid_lines(&edge_text(e)),
            ids[&to]
        );
    }
    for i in g.graph.node_indices() {
        if let GraphNode::Interface(name) = &g.graph[i] {
            if interface_colour(name).is_some() {
                let _ = writeln!(out, "  style {} fill:#f4a261", ids[&i]);
            }
        }
    }
    out
}

/// The full graph as text: every node with its label, then every edge.
pub fn text(g: &CompositionGraph, a: &Analysis) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{} ({})", escape::text(&a.file), a.digest);
    out.push_str("nodes:\n");
    for i in g.graph.node_indices() {
        let lines = label(g, a, i);
        let kind = match &g.graph[i] {
            GraphNode::Component(_) => "component",
            GraphNode::CoreModule(_) => "module",
            GraphNode::Interface(_) => "interface",
            GraphNode::Instance { core: true, .. } => "core-instance",
            GraphNode::Instance { .. } => "instance",
            GraphNode::Host => "host",
        };
        let detail: Vec<String> = lines
            .iter()
            .skip(1)
            .map(|l| escape::text(l).into_owned())
            .collect();
        let _ = writeln!(
            out,
            "  {kind:<13} {}{}",
            escape::text(&g.id(a, i)),
            if detail.is_empty() {
                String::new()
            } else {
                format!("  ({})", detail.join(", "))
            }
        );
    }
    out.push_str("edges:\n");
    for (from, to, e) in g.sorted_edges() {
        let risky = e.interface.iter().chain(&e.carries).any(|i| is_risky(i));
        let _ = writeln!(
            out,
            "  {} -> {}  {}{}",
            escape::text(&g.id(a, from)),
            escape::text(&g.id(a, to)),
            escape::text(&edge_text(e).join(" ")),
            if risky { "  [risky]" } else { "" }
        );
    }
    out
}

/// One box of the overview: a component that carries code, or a
/// composition shell around such components (and the root).
#[derive(Debug, Clone)]
pub struct OverviewPart {
    /// Index in [`Analysis::nodes`].
    pub node: usize,
    /// The enclosing part, by index in [`Overview::parts`].
    pub parent: Option<usize>,
    /// Whether other parts are drawn inside this one.
    pub shell: bool,
    /// How many component instances instantiate it (0: never instantiated).
    pub instances: usize,
    /// The label: path and name, class and digest, instances, and what it
    /// holds that is not drawn (modules, shims, glue components). Raw.
    pub lines: Vec<String>,
}

/// Host capabilities of one package reaching one part.
#[derive(Debug, Clone)]
pub struct OverviewReach {
    /// The package (`wasi:filesystem`), or the whole name when it has none.
    pub package: String,
    /// Index in [`Overview::parts`].
    pub part: usize,
    /// The full interface names.
    pub interfaces: Vec<String>,
    /// Whether any of the interfaces is risky (filesystem, sockets, outgoing
    /// HTTP).
    pub risky: bool,
}

/// Interfaces one part provides to another (siblings wired together).
#[derive(Debug, Clone)]
pub struct OverviewLink {
    /// The providing part, by index in [`Overview::parts`].
    pub from: usize,
    /// The consuming part, by index in [`Overview::parts`].
    pub to: usize,
    /// The import names of the consumer.
    pub interfaces: Vec<String>,
    /// Whether a risky host capability flows through.
    pub risky: bool,
}

/// The overview of a composition (see the module documentation).
#[derive(Debug, Clone)]
pub struct Overview {
    /// The boxes: parts, each enclosing part before the parts inside it.
    pub parts: Vec<OverviewPart>,
    /// Packages of host capabilities that reach any part, each with
    /// whether any of its interfaces is risky.
    pub packages: BTreeMap<String, bool>,
    /// Host capabilities reaching each part, one entry per part and package.
    pub reach: Vec<OverviewReach>,
    /// Interfaces siblings provide to each other.
    pub links: Vec<OverviewLink>,
}

/// `wasi:cli` for `wasi:cli/stdout@0.2.1`.
fn package_of(interface: &str) -> &str {
    interface.split('/').next().unwrap_or(interface)
}

/// `stdout@0.2.1` for `wasi:cli/stdout@0.2.1`.
fn short_interface(interface: &str) -> &str {
    interface
        .split_once('/')
        .map(|(_, rest)| rest)
        .unwrap_or(interface)
}

/// At most `max` names, then how many more.
fn some_of(names: &[String], max: usize) -> String {
    let mut s = names
        .iter()
        .take(max)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > max {
        let _ = write!(s, ", +{} more", names.len() - max);
    }
    s
}

impl Overview {
    /// Builds the overview of `a` from its graph `g`; an analysis without
    /// its wiring is refused ([`crate::Error::NoWiring`]).
    pub fn build(g: &CompositionGraph, a: &Analysis) -> crate::Result<Overview> {
        let wiring = a.wiring()?;
        let n = a.nodes.len();
        let is_component = |i: usize| {
            a.nodes
                .get(i)
                .is_some_and(|x| x.kind == NodeKind::Component)
        };
        // A component is drawn when it is the root, carries code, or holds
        // a drawn component. Children come after their parent in `nodes`.
        let mut drawn = vec![false; n];
        for i in (0..n).rev() {
            let Some(node) = a.nodes.get(i) else { continue };
            let holds_drawn = node
                .children
                .iter()
                .any(|&c| drawn.get(c).copied().unwrap_or(false));
            if let Some(d) = drawn.get_mut(i) {
                *d = is_component(i) && (i == 0 || node.class == Class::Code || holds_drawn);
            }
        }
        // The drawn part every node belongs to: itself or its nearest drawn ancestor.
        let mut part_of_node: Vec<Option<usize>> = vec![None; n];
        let mut parts: Vec<OverviewPart> = Vec::new();
        let mut order: Vec<usize> = Vec::new();
        for i in 0..n {
            let Some(node) = a.nodes.get(i) else { continue };
            let parent_part = node
                .parent
                .and_then(|p| part_of_node.get(p).copied().flatten());
            if drawn.get(i).copied().unwrap_or(false) {
                let k = parts.len();
                parts.push(OverviewPart {
                    node: i,
                    parent: parent_part,
                    shell: false,
                    instances: wiring
                        .instances
                        .iter()
                        .filter(|x| !x.core && x.targets.contains(&i))
                        .count(),
                    lines: Vec::new(),
                });
                order.push(i);
                if let Some(slot) = part_of_node.get_mut(i) {
                    *slot = Some(k);
                }
                if let Some(p) = parent_part.and_then(|p| parts.get_mut(p)) {
                    p.shell = true;
                }
            } else if let Some(slot) = part_of_node.get_mut(i) {
                *slot = parent_part;
            }
        }

        // Labels: what each part holds that is not drawn.
        for k in 0..parts.len() {
            let Some(part) = parts.get(k) else { continue };
            let Some(node) = a.nodes.get(part.node) else {
                continue;
            };
            let mut lines = vec![match &node.name {
                Some(name) => format!("{} {name}", node.path),
                None => node.path.clone(),
            }];
            lines.push(format!("{} · {}", node.class.as_str(), node.short_digest()));
            if part.node == 0 {
                lines.push("root".into());
            } else if part.instances == 0 {
                lines.push("not instantiated: reaches nothing".into());
            } else {
                lines.push(format!("instantiated {}×", part.instances));
            }
            let (mut code, mut adapters, mut shims, mut glue) = (Vec::new(), 0, 0, 0);
            for (j, other) in a.nodes.iter().enumerate() {
                if j == part.node || part_of_node.get(j).copied().flatten() != Some(k) {
                    continue;
                }
                match (other.kind, other.class) {
                    (NodeKind::Module, Class::Code) => {
                        code.push(other.name.clone().unwrap_or_else(|| other.path.clone()))
                    }
                    (_, Class::Adapter) => adapters += 1,
                    (_, Class::Shim) => shims += 1,
                    _ => glue += 1,
                }
            }
            if !code.is_empty() {
                lines.push(format!("code: {}", some_of(&code, 3)));
            }
            let mut rest = Vec::new();
            if adapters > 0 {
                rest.push(format!(
                    "{adapters} adapter{}",
                    if adapters > 1 { "s" } else { "" }
                ));
            }
            if shims > 0 {
                rest.push(format!("{shims} shim{}", if shims > 1 { "s" } else { "" }));
            }
            if glue > 0 {
                rest.push(format!("{glue} glue"));
            }
            if !rest.is_empty() {
                lines.push(rest.join(", "));
            }
            if let Some(p) = parts.get_mut(k) {
                p.lines = lines;
            }
        }

        // Host capabilities: a shell receives what its own (undrawn) nodes
        // reach; a leaf part everything that reaches it.
        let mut reach_map: BTreeMap<(usize, String), BTreeSet<String>> = BTreeMap::new();
        for (i, caps) in wiring.reach.iter().enumerate() {
            let Some(k) = part_of_node.get(i).copied().flatten() else {
                continue;
            };
            let Some(part) = parts.get(k) else { continue };
            if part.shell && part.node == i {
                continue; // passed down to the parts inside
            }
            for c in caps {
                reach_map
                    .entry((k, package_of(&c.interface).to_string()))
                    .or_default()
                    .insert(c.interface.clone());
            }
        }
        let mut packages: BTreeMap<String, bool> = BTreeMap::new();
        let reach: Vec<OverviewReach> = reach_map
            .into_iter()
            .map(|((part, package), interfaces)| {
                let interfaces: Vec<String> = interfaces.into_iter().collect();
                let risky = interfaces.iter().any(|i| is_risky(i));
                *packages.entry(package.clone()).or_default() |= risky;
                OverviewReach {
                    package,
                    part,
                    interfaces,
                    risky,
                }
            })
            .collect();

        // Siblings wired together: a provider's part that is neither the
        // consumer's part nor one enclosing it (that is a pass-down).
        let encloses = |outer: usize, mut inner: usize| loop {
            if inner == outer {
                return true;
            }
            match parts.get(inner).and_then(|p| p.parent) {
                Some(p) => inner = p,
                None => return false,
            }
        };
        let mut link_map: BTreeMap<(usize, usize), (BTreeSet<String>, bool)> = BTreeMap::new();
        for (from, to, e) in g.edges_of(EdgeKind::Satisfies) {
            let node_of = |i: NodeIndex| match &g.graph[i] {
                GraphNode::Component(x) | GraphNode::CoreModule(x) => Some(*x),
                _ => None,
            };
            let (Some(f), Some(t)) = (node_of(from), node_of(to)) else {
                continue;
            };
            let (Some(pf), Some(pt)) = (
                part_of_node.get(f).copied().flatten(),
                part_of_node.get(t).copied().flatten(),
            ) else {
                continue;
            };
            if encloses(pf, pt) || encloses(pt, pf) {
                continue;
            }
            let entry = link_map.entry((pf, pt)).or_default();
            entry.0.extend(e.interface.iter().cloned());
            entry.1 |= e.interface.iter().chain(&e.carries).any(|i| is_risky(i));
        }
        let links = link_map
            .into_iter()
            .map(|((from, to), (interfaces, risky))| OverviewLink {
                from,
                to,
                interfaces: interfaces.into_iter().collect(),
                risky,
            })
            .collect();
        Ok(Overview {
            parts,
            packages,
            reach,
            links,
        })
    }

    /// Parts directly inside part `k` (or at the top, for `None`).
    fn children(&self, k: Option<usize>) -> impl Iterator<Item = usize> + '_ {
        self.parts
            .iter()
            .enumerate()
            .filter(move |(_, p)| p.parent == k)
            .map(|(i, _)| i)
    }

    /// Whether a shell is itself the end of an edge (its own modules
    /// reach a capability, or it is wired to a sibling).
    fn is_endpoint(&self, k: usize) -> bool {
        self.reach.iter().any(|r| r.part == k)
            || self.links.iter().any(|l| l.from == k || l.to == k)
    }
}

/// The interfaces of one package, short: `stdout, stderr @0.2.1`.
fn reach_label(r: &OverviewReach) -> String {
    let shorts: Vec<String> = r
        .interfaces
        .iter()
        .map(|i| short_interface(i).to_string())
        .collect();
    let versions: BTreeSet<&str> = shorts
        .iter()
        .filter_map(|s| s.split_once('@').map(|(_, v)| v))
        .collect();
    if versions.len() == 1 && shorts.iter().all(|s| s.contains('@')) {
        let names: Vec<String> = shorts
            .iter()
            .map(|s| s.split('@').next().unwrap_or(s).to_string())
            .collect();
        let version = versions.into_iter().next().unwrap_or_default();
        format!("{} @{version}", some_of(&names, 6))
    } else {
        some_of(&shorts, 6)
    }
}

const RED: &str = "#d62828";

/// The overview as Graphviz DOT: host packages on the left, composition
/// shells as clusters holding their parts, red for risky flows.
pub fn dot_overview(g: &CompositionGraph, a: &Analysis) -> crate::Result<String> {
    let ov = Overview::build(g, a)?;
    let mut out = String::new();
    let _ = writeln!(out, "digraph \"{}\" {{", escape::dot(&a.file));
    out.push_str("  rankdir=LR;\n  newrank=true;\n  compound=true;\n  nodesep=0.3;\n");
    out.push_str("  node [fontname=\"Helvetica\", fontsize=11];\n  edge [fontname=\"Helvetica\", fontsize=9];\n");
    let _ = writeln!(
        out,
        "  label=\"{}\\n{}\";\n  labelloc=t;\n  fontname=\"Helvetica\";",
        escape::dot(&a.file),
        a.digest
    );
    if !ov.packages.is_empty() {
        out.push_str("  subgraph cluster_host {\n    label=\"host capabilities\";\n    style=\"rounded,filled\";\n    fillcolor=\"#f2f2f2\";\n    color=\"#bbbbbb\";\n");
        for (i, (package, risky)) in ov.packages.iter().enumerate() {
            let fill = if *risky { "#f8d0c8" } else { "white" };
            let pen = if *risky { RED } else { "#555555" };
            let _ = writeln!(
                out,
                "    h{i} [label=\"{}\", shape=box, style=\"filled\", fillcolor=\"{fill}\", color=\"{pen}\"];",
                escape::dot(package)
            );
        }
        out.push_str("  }\n");
    }
    fn part_node(ov: &Overview, k: usize, indent: &str, out: &mut String) {
        let Some(p) = ov.parts.get(k) else { return };
        if p.shell {
            let _ = writeln!(
                out,
                "{indent}subgraph cluster_p{k} {{\n{indent}  label=\"{}\";\n{indent}  style=\"rounded\";\n{indent}  color=\"#2a9d8f\";",
                dot_lines(&p.lines)
            );
            if ov.is_endpoint(k) {
                let _ = writeln!(
                    out,
                    "{indent}  p{k} [label=\"own modules\", shape=box, style=\"dashed\"];"
                );
            }
            for c in ov.children(Some(k)) {
                part_node(ov, c, &format!("{indent}  "), out);
            }
            let _ = writeln!(out, "{indent}}}");
        } else {
            let style = if p.instances == 0 && p.node != 0 {
                "rounded,dashed"
            } else {
                "rounded,filled"
            };
            let _ = writeln!(
                out,
                "{indent}p{k} [label=\"{}\", shape=box, style=\"{style}\", fillcolor=\"#e9f5f3\"];",
                dot_lines(&p.lines)
            );
        }
    }
    for k in ov.children(None).collect::<Vec<_>>() {
        part_node(&ov, k, "  ", &mut out);
    }
    let package_ids: BTreeMap<&str, usize> = ov
        .packages
        .keys()
        .enumerate()
        .map(|(i, p)| (p.as_str(), i))
        .collect();
    for r in &ov.reach {
        let Some(h) = package_ids.get(r.package.as_str()) else {
            continue;
        };
        let style = if r.risky {
            format!("color=\"{RED}\", fontcolor=\"{RED}\", penwidth=2.5")
        } else {
            "color=\"#777777\"".to_string()
        };
        let _ = writeln!(
            out,
            "  h{h} -> p{} [label=\"{}\", {style}];",
            r.part,
            escape::dot(&reach_label(r))
        );
    }
    for l in &ov.links {
        let style = if l.risky {
            format!("color=\"{RED}\", fontcolor=\"{RED}\", penwidth=2.5")
        } else {
            "color=\"#2a9d8f\", penwidth=1.5".to_string()
        };
        let _ = writeln!(
            out,
            "  p{} -> p{} [label=\"{}\", {style}];",
            l.from,
            l.to,
            escape::dot(&some_of(&l.interfaces, 4))
        );
    }
    out.push_str("}\n");
    Ok(out)
}

/// The overview as a Mermaid flowchart (for pull-request comments).
pub fn mermaid_overview(g: &CompositionGraph, a: &Analysis) -> crate::Result<String> {
    let ov = Overview::build(g, a)?;
    let mut out = String::from("flowchart LR\n");
    if !ov.packages.is_empty() {
        out.push_str("  subgraph host[\"host capabilities\"]\n");
        for (i, (package, _)) in ov.packages.iter().enumerate() {
            let _ = writeln!(out, "    h{i}[\"{}\"]", escape::mermaid(package));
        }
        out.push_str("  end\n");
    }
    fn part_node(ov: &Overview, k: usize, indent: &str, out: &mut String) {
        let Some(p) = ov.parts.get(k) else { return };
        if p.shell {
            let _ = writeln!(
                out,
                "{indent}subgraph s{k}[\"{}\"]",
                mermaid_lines(&p.lines)
            );
            if ov.is_endpoint(k) {
                let _ = writeln!(out, "{indent}  p{k}[\"own modules\"]");
            }
            for c in ov.children(Some(k)) {
                part_node(ov, c, &format!("{indent}  "), out);
            }
            let _ = writeln!(out, "{indent}end");
        } else {
            let _ = writeln!(out, "{indent}p{k}(\"{}\")", mermaid_lines(&p.lines));
        }
    }
    for k in ov.children(None).collect::<Vec<_>>() {
        part_node(&ov, k, "  ", &mut out);
    }
    let package_ids: BTreeMap<&str, usize> = ov
        .packages
        .keys()
        .enumerate()
        .map(|(i, p)| (p.as_str(), i))
        .collect();
    let mut edge = 0usize;
    let mut red = Vec::new();
    for r in &ov.reach {
        let Some(h) = package_ids.get(r.package.as_str()) else {
            continue;
        };
        let _ = writeln!(
            out,
            "  h{h} -->|\"{}\"| p{}",
            escape::mermaid(&reach_label(r)),
            r.part
        );
        if r.risky {
            red.push(edge);
        }
        edge += 1;
    }
    for l in &ov.links {
        let _ = writeln!(
            out,
            "  p{} ==>|\"{}\"| p{}",
            l.from,
            escape::mermaid(&some_of(&l.interfaces, 4)),
            l.to
        );
        if l.risky {
            red.push(edge);
        }
        edge += 1;
    }
    for e in red {
        let _ = writeln!(
            out,
            "  linkStyle {e} stroke:{RED},stroke-width:3px,color:{RED}"
        );
    }
    for (i, (_, risky)) in ov.packages.iter().enumerate() {
        if *risky {
            let _ = writeln!(out, "  style h{i} fill:#f8d0c8,stroke:{RED}");
        }
    }
    Ok(out)
}

/// The overview as text: each part, indented by nesting, with the host
/// capabilities and the sibling interfaces that reach it.
pub fn text_overview(g: &CompositionGraph, a: &Analysis) -> crate::Result<String> {
    let ov = Overview::build(g, a)?;
    let mut out = String::new();
    let _ = writeln!(out, "{} ({})", escape::text(&a.file), a.digest);
    fn part(ov: &Overview, k: usize, depth: usize, out: &mut String) {
        let Some(p) = ov.parts.get(k) else { return };
        let indent = "  ".repeat(depth + 1);
        let lines: Vec<String> = p
            .lines
            .iter()
            .map(|l| escape::text(l).into_owned())
            .collect();
        let _ = writeln!(out, "{indent}{}", lines.join("  "));
        for r in ov.reach.iter().filter(|r| r.part == k) {
            let _ = writeln!(
                out,
                "{indent}  <- host {}: {}{}",
                escape::text(&r.package),
                escape::text(&reach_label(r)),
                if r.risky { "  [risky]" } else { "" }
            );
        }
        for l in ov.links.iter().filter(|l| l.to == k) {
            let from = ov
                .parts
                .get(l.from)
                .and_then(|p| p.lines.first())
                .map(|s| escape::text(s).into_owned())
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "{indent}  <- {from}: {}{}",
                escape::text(&some_of(&l.interfaces, 6)),
                if l.risky { "  [risky]" } else { "" }
            );
        }
        for c in ov.children(Some(k)).collect::<Vec<_>>() {
            part(ov, c, depth + 1, out);
        }
    }
    for k in ov.children(None).collect::<Vec<_>>() {
        part(&ov, k, 0, &mut out);
    }
    Ok(out)
}
