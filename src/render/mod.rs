//! Renderers: they only format what the analysis and the graph say.
//! Machine formats go to stdout, versioned; text is for people.

pub mod caps;
pub mod colour;
pub mod diff;
pub mod graph;
pub mod report;
pub mod tree;

pub use crate::document::{Tool, FORMAT_VERSION};
pub use crate::escape;
