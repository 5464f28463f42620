//! `wasm-audit` takes WebAssembly components apart at every depth, hashes
//! every node, and builds the composition graph that the trust, capability
//! and SBOM stages work on.
//!
//! Stages, each in its own module (`docs/architecture.md` says what each
//! owns and how data flows):
//! - [`model`]: what an analysis is (nodes, capabilities, wiring); depends
//!   on nothing else;
//! - [`analysis`]: bytes in, an [`Analysis`] out (read, walk, derive,
//!   classify, wiring);
//! - [`graph`]: the petgraph [`graph::CompositionGraph`];
//! - [`render`]: listings and graph renderings (text, JSON, DOT, Mermaid).

// Every public item of the library API carries a doc comment.
#![warn(missing_docs)]
// Untrusted input must never panic the tool: no unwrap, expect, panic or
// unchecked indexing in the library (unit tests may).
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]

pub mod advisory;
pub mod analysis;
pub mod audit;
pub mod check;
pub mod config;
pub mod diff;
pub mod digest;
pub mod document;
pub mod error;
pub mod escape;
pub mod graph;
pub mod limits;
pub mod model;
pub mod oci;
pub mod output;
pub mod parts;
pub mod provenance;
pub mod render;
pub mod sbom;
pub mod trust;

pub use analysis::{
    analyze_bytes, analyze_loaded, analyze_source, analyze_sources, analyze_sources_then, input,
    wit, Options,
};
pub use error::{Error, Result};
pub use limits::Limits;
pub use model::{Analysis, Class, Node, NodeKind};
