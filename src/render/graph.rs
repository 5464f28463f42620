//! Renderings of the composition graph: JSON (`schemas/graph.schema.json`),
//! Graphviz DOT and Mermaid.

use std::fmt::Write;

use petgraph::stable_graph::NodeIndex;
use petgraph::visit::EdgeRef;
use serde::Serialize;

use super::{Tool, FORMAT_VERSION};
use crate::graph::{CompositionGraph, EdgeKind, GraphNode};
use crate::model::{Analysis, Class};

/// A node of the JSON rendering.
#[derive(Debug, Serialize)]
pub struct JsonNode {
    pub id: String,
    pub kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub class: Option<Class>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
}

/// An edge of the JSON rendering.
#[derive(Debug, Serialize)]
pub struct JsonEdge {
    pub from: String,
    pub to: String,
    pub kind: EdgeKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interface: Option<String>,
    /// For `satisfies`: the root host imports flowing through the binding.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub carries: Vec<String>,
}

/// The `graph --format json` document.
#[derive(Debug, Serialize)]
pub struct GraphDocument {
    pub format: &'static str,
    pub format_version: u32,
    pub tool: Tool,
    pub file: String,
    pub digest: String,
    pub nodes: Vec<JsonNode>,
    pub edges: Vec<JsonEdge>,
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

/// The JSON document of a graph.
pub fn json(g: &CompositionGraph, a: &Analysis) -> GraphDocument {
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
    GraphDocument {
        format: "wasm-audit-graph",
        format_version: FORMAT_VERSION,
        tool: Tool::THIS,
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

/// A short label for a component or module: last path segment, name, class
/// and short digest.
fn label(g: &CompositionGraph, a: &Analysis, i: NodeIndex) -> String {
    match &g.graph[i] {
        GraphNode::Component(n) | GraphNode::CoreModule(n) => match a.nodes.get(*n) {
            Some(node) => {
                let mut s = node.path.clone();
                if let Some(name) = &node.name {
                    let _ = write!(s, "\n{name}");
                }
                let _ = write!(s, "\n{} · {}", node.class.as_str(), node.short_digest());
                s
            }
            None => String::new(),
        },
        GraphNode::Interface(name) => name.clone(),
        GraphNode::Instance { .. } => {
            let id = g.id(a, i);
            match instance_target(g, a, i).and_then(|n| n.name.clone()) {
                Some(name) => format!("{id}\n{name}"),
                None => id,
            }
        }
        GraphNode::Host => "host".to_string(),
    }
}

/// Risky capability families get a colour in the drawings.
fn interface_colour(name: &str) -> Option<&'static str> {
    if name.starts_with("wasi:filesystem/") {
        Some("#f4a261")
    } else if name.starts_with("wasi:sockets/") || name.starts_with("wasi:http/outgoing-handler") {
        Some("#e76f51")
    } else {
        None
    }
}

fn dot_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

// `ids` maps every node index of the graph, built from the same graph.
#[allow(clippy::indexing_slicing)]
/// Graphviz DOT.
pub fn dot(g: &CompositionGraph, a: &Analysis) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "digraph \"{}\" {{", dot_escape(&a.file));
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
            dot_escape(&label(g, a, i))
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
        let text = edge_text(e);
        let _ = writeln!(
            out,
            "  {} -> {} [label=\"{}\", {style}];",
            ids[&from],
            ids[&to],
            dot_escape(&text)
        );
    }
    out.push_str("}\n");
    out
}

/// An edge's label: kind, name, and the host interfaces it carries when
/// they are not the name itself.
fn edge_text(e: &crate::graph::GraphEdge) -> String {
    let mut text = match &e.interface {
        Some(iface) => format!("{} {iface}", kind_name(e.kind)),
        None => kind_name(e.kind).to_string(),
    };
    let others: Vec<&str> = e
        .carries
        .iter()
        .filter(|c| Some(*c) != e.interface.as_ref())
        .map(String::as_str)
        .collect();
    if !others.is_empty() {
        text.push_str(&format!("\n({})", others.join(", ")));
    }
    text
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

fn mermaid_escape(s: &str) -> String {
    s.replace('"', "#quot;").replace('\n', "<br/>")
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
        let text = mermaid_escape(&label(g, a, i));
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
        let text = edge_text(e);
        let _ = writeln!(
            out,
            "  {} {arrow}|\"{}\"| {}",
            ids[&from],
            mermaid_escape(&text),
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
