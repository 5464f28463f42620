//! Typed errors of the library. Every error that untrusted input can cause
//! names where it happened (a file, a node path, a byte offset) so that the
//! binary can print one clear line and exit with code 2.

use std::path::PathBuf;

/// The error type of the library.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The input does not exist.
    #[error("{path}: no such file")]
    NotFound {
        /// The path as given.
        path: PathBuf,
    },

    /// The input is a directory, not a file.
    #[error("{path}: is a directory, not a WebAssembly file")]
    IsDirectory {
        /// The path as given.
        path: PathBuf,
    },

    /// The input exists but could not be read.
    #[error("{path}: cannot read: {source}")]
    Read {
        /// The path as given.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },

    /// A memory-mapped input was written to, grown or shrunk while it was
    /// analysed: its digests and its structure may not be of the same bytes.
    #[error("{path}: changed while it was being audited; audit a copy that nothing writes to")]
    Changed {
        /// The path as given.
        path: PathBuf,
    },

    /// The input is empty.
    #[error("{input}: empty input (0 bytes): not a WebAssembly binary")]
    Empty {
        /// The input as named on the command line (`-` for stdin).
        input: String,
    },

    /// The input does not start with the `\0asm` preamble and is not WAT text.
    #[error("{input}: not a WebAssembly binary (no `\\0asm` preamble) and not WAT text: {detail}")]
    NotWasm {
        /// The input as named on the command line (`-` for stdin).
        input: String,
        /// What it starts with instead (the first bytes, or text that does
        /// not start with `(`).
        detail: String,
    },

    /// WAT text that does not assemble.
    #[error("{input}: invalid WebAssembly text: {message}")]
    Wat {
        /// The input as named on the command line (`-` for stdin).
        input: String,
        /// The assembler's message.
        message: String,
    },

    /// A component in a pre-1.0 binary encoding (versions 0x0a to 0x0c).
    #[error(
        "{input}: pre-1.0 component encoding (binary version {version:#04x}, layer 1) is not \
         supported; re-encode it with a current toolchain (`wasm-tools component new`) first"
    )]
    LegacyEncoding {
        /// The input as named on the command line (`-` for stdin).
        input: String,
        /// The binary version from the preamble (`0xa` to `0xc`).
        version: u16,
    },

    /// Bytes that do not parse as a module or component.
    #[error("{input}: malformed WebAssembly at byte offset {offset:#x} ({offset}): {message}")]
    Malformed {
        /// The input as named on the command line (`-` for stdin).
        input: String,
        /// Byte offset in the input where parsing failed.
        offset: u64,
        /// The parser's message.
        message: String,
    },

    /// A hard limit on input-controlled resources was exceeded.
    #[error("{input}: limit exceeded: {what} (limit {limit}; raise it with {flag})")]
    LimitExceeded {
        /// The input as named on the command line (`-` for stdin).
        input: String,
        /// What went past the limit (and, once explained, which knob set
        /// the limit).
        what: String,
        /// The limit's value (bytes, levels, nodes or work steps).
        limit: u64,
        /// The flag that raises it (`--max-depth`).
        flag: &'static str,
    },

    /// A reference between items of a component that points at nothing.
    #[error(
        "{input}: unresolvable wiring in `{path}` at byte offset {offset:#x} ({offset}): {message}"
    )]
    Wiring {
        /// The input as named on the command line (`-` for stdin).
        input: String,
        /// Node path of the node holding the reference (`/component[0]`).
        path: String,
        /// Byte offset in the input of the section or item at fault.
        offset: u64,
        /// What points at nothing.
        message: String,
    },

    /// A node path that does not exist in the input.
    #[error("{input}: no node at path `{path}` (run `wasm-audit tree` to list the paths)")]
    NoSuchNode {
        /// The input as named on the command line (`-` for stdin).
        input: String,
        /// The node path asked for.
        path: String,
    },

    /// A node whose WIT cannot be decoded.
    #[error("{input}: node `{path}` has no decodable WIT: {message}")]
    NoWit {
        /// The input as named on the command line (`-` for stdin).
        input: String,
        /// Node path of the node (`/component[0]`).
        path: String,
        /// Why the WIT does not decode.
        message: String,
    },

    /// An output file could not be written.
    #[error("{path}: cannot write: {source}")]
    Write {
        /// The output path as given.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },

    /// A trust set that cannot be read or parsed, or whose signature or key
    /// file cannot be read.
    #[error("{message}")]
    TrustSet {
        /// The whole message, naming the file.
        message: String,
    },

    /// An advisory database that is missing, unreadable or malformed.
    #[error("advisory database: {message}")]
    AdvisoryDb {
        /// What is wrong, naming the file (and line) or directory.
        message: String,
    },

    /// An OCI input (`oci://`, `oci-layout:`) that cannot be read or is
    /// not what it claims: a missing tag, a digest that does not match the
    /// bytes, no single wasm layer, a network error.
    #[error("{input}: {message}")]
    Oci {
        /// The reference as given.
        input: String,
        /// What is wrong.
        message: String,
    },

    /// An analysis without its wiring (made for a listing, or read back
    /// from JSON) handed to something that judges, draws or exports the
    /// wiring. A mistake of the caller, refused rather than taken for a
    /// wiring in which nothing reaches anything.
    #[error(
        "{input}: the analysis carries no wiring (it was made without it, or read back from \
         JSON); analyse the input again with the wiring"
    )]
    NoWiring {
        /// The input as named on the command line.
        input: String,
    },

    /// A command-line or configuration mistake.
    #[error("{0}")]
    Usage(String),
}

/// The result type of the library.
pub type Result<T, E = Error> = std::result::Result<T, E>;
