//! Typed errors of the library. Every error that untrusted input can cause
//! names where it happened (a file, a node path, a byte offset) so that the
//! binary can print one clear line and exit with code 2.

use std::path::PathBuf;

/// The error type of the library.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The input does not exist.
    #[error("{path}: no such file")]
    NotFound { path: PathBuf },

    /// The input is a directory, not a file.
    #[error("{path}: is a directory, not a WebAssembly file")]
    IsDirectory { path: PathBuf },

    /// The input exists but could not be read.
    #[error("{path}: cannot read: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// The input is empty.
    #[error("{input}: empty input (0 bytes): not a WebAssembly binary")]
    Empty { input: String },

    /// The input does not start with the `\0asm` preamble and is not WAT text.
    #[error("{input}: not a WebAssembly binary (no `\\0asm` preamble) and not WAT text: {detail}")]
    NotWasm { input: String, detail: String },

    /// WAT text that does not assemble.
    #[error("{input}: invalid WebAssembly text: {message}")]
    Wat { input: String, message: String },

    /// A component in a pre-1.0 binary encoding (versions 0x0a to 0x0c).
    #[error(
        "{input}: pre-1.0 component encoding (binary version {version:#04x}, layer 1) is not \
         supported; re-encode it with a current toolchain (`wasm-tools component new`) first"
    )]
    LegacyEncoding { input: String, version: u16 },

    /// Bytes that do not parse as a module or component.
    #[error("{input}: malformed WebAssembly at byte offset {offset:#x} ({offset}): {message}")]
    Malformed {
        input: String,
        offset: u64,
        message: String,
    },

    /// A hard limit on input-controlled resources was exceeded.
    #[error("{input}: limit exceeded: {what} (limit {limit}; raise it with {flag})")]
    LimitExceeded {
        input: String,
        what: String,
        limit: u64,
        flag: &'static str,
    },

    /// A reference between items of a component that points at nothing.
    #[error(
        "{input}: unresolvable wiring in `{path}` at byte offset {offset:#x} ({offset}): {message}"
    )]
    Wiring {
        input: String,
        path: String,
        offset: u64,
        message: String,
    },

    /// A node path that does not exist in the input.
    #[error("{input}: no node at path `{path}` (run `wasm-audit tree` to list the paths)")]
    NoSuchNode { input: String, path: String },

    /// A node whose WIT cannot be decoded.
    #[error("{input}: node `{path}` has no decodable WIT: {message}")]
    NoWit {
        input: String,
        path: String,
        message: String,
    },

    /// An output file could not be written.
    #[error("{path}: cannot write: {source}")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// A trust set that cannot be read or parsed, or whose signature or key
    /// file cannot be read.
    #[error("{message}")]
    TrustSet { message: String },

    /// An advisory database that is missing, unreadable or malformed.
    #[error("advisory database: {message}")]
    AdvisoryDb { message: String },

    /// A command-line or configuration mistake.
    #[error("{0}")]
    Usage(String),
}

/// The result type of the library.
pub type Result<T, E = Error> = std::result::Result<T, E>;
