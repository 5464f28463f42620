//! Versioned output documents: every JSON document the tool writes names
//! its format, its version and the tool that wrote it.

use serde::{Deserialize, Serialize};

/// Version of the JSON documents this tool writes; bumped on any
/// incompatible change, with the schemas in `schemas/`.
pub const FORMAT_VERSION: u32 = 1;

/// The tool that wrote a document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tool {
    /// `wasm-audit`.
    pub name: String,
    /// The tool's version (`CARGO_PKG_VERSION`).
    pub version: String,
}

impl Tool {
    /// This tool.
    pub fn this() -> Tool {
        Tool {
            name: env!("CARGO_PKG_NAME").to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
        }
    }
}

/// What every document begins with: its format and the version of that
/// format. A document is read back (a `diff` baseline) only at the version
/// this tool writes.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Header {
    /// `wasm-audit-caps`, `wasm-audit-tree`, `wasm-audit-report`, ...
    pub format: String,
    /// The format's version; only [`FORMAT_VERSION`] is read back.
    pub format_version: u32,
}
