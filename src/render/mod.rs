//! Renderers: they only format what the analysis and the graph say.
//! Machine formats go to stdout, versioned; text is for people.

pub mod caps;
pub mod colour;
pub mod diff;
pub mod escape;
pub mod graph;
pub mod report;
pub mod tree;

use serde::Serialize;

/// Version of the JSON documents this tool writes; bumped on any
/// incompatible change, with the schemas in `schemas/`.
pub const FORMAT_VERSION: u32 = 1;

/// The tool that wrote a document.
#[derive(Debug, Clone, Serialize)]
pub struct Tool {
    pub name: &'static str,
    pub version: &'static str,
}

impl Tool {
    /// This tool.
    pub const THIS: Tool = Tool {
        name: env!("CARGO_PKG_NAME"),
        version: env!("CARGO_PKG_VERSION"),
    };
}
