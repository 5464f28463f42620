//! Provenance: Sigstore bundles (keyless and key-based), DSSE envelopes
//! and the in-toto statements they carry, and SLSA provenance.
//!
//! - [`sigstore`]: offline verification of Sigstore bundles (v0.1–v0.3,
//!   message signatures and DSSE envelopes, Fulcio chains, SCTs, Rekor v1
//!   and v2, RFC 3161 timestamps) with `sigstore-verify`, against the
//!   production trusted root built in or one the user gives, and an
//!   identity policy (exact identity or a pattern, OIDC issuer, GitHub
//!   Actions claims);
//! - [`dsse`]: bare DSSE envelopes signed with a key (what
//!   `cosign attest-blob --key` writes) and `.intoto.jsonl` files;
//! - [`statement`]: in-toto statements and their subjects;
//! - [`slsa`]: SLSA provenance v0.2 and v1 checked as slsa-verifier does
//!   (builder id, source repository, tag, versioned tag, branch);
//! - [`attestation`]: reading attestation files of any of these kinds and
//!   keeping what verified.
//!
//! Everything here reads untrusted bytes and fails closed: a document that
//! does not fully verify yields an error and never a statement.
//!
//! Depends on nothing else of the crate (the trust sets, the audit and the
//! CLI use it, never the other way round).

pub mod attestation;
pub mod dsse;
pub mod oci;
pub mod sigstore;
pub mod slsa;

pub mod statement;

/// Largest attestation, bundle or envelope file accepted (a SLSA
/// provenance bundle is a few tens of kilobytes).
pub const MAX_DOCUMENT_SIZE: usize = 16 << 20;

/// Why a bundle, envelope or statement was not accepted. Every variant is a
/// refusal: nothing it carries may be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProvenanceError {
    /// The document is not what it should be (JSON, base64, fields).
    #[error("malformed {what}: {detail}")]
    Malformed {
        /// What was read (`bundle`, `in-toto statement`).
        what: &'static str,
        /// What is wrong with it.
        detail: String,
    },
    /// Cryptographic verification failed (signature, chain, log, timestamp).
    #[error("verification failed: {0}")]
    Verification(String),
    /// The signer is not the one the policy names.
    #[error("identity mismatch: {0}")]
    Identity(String),
    /// The trusted root cannot be used.
    #[error("invalid trusted root: {0}")]
    TrustedRoot(String),
    /// A kind of document that cannot be checked offline.
    #[error("unsupported: {0}")]
    Unsupported(String),
    /// Provenance that verified but does not say what the policy requires
    /// (builder, source, tag, branch).
    #[error("provenance mismatch: {0}")]
    Mismatch(String),
}

impl ProvenanceError {
    pub(crate) fn malformed(what: &'static str, detail: impl std::fmt::Display) -> Self {
        ProvenanceError::Malformed {
            what,
            detail: detail.to_string(),
        }
    }
}

/// `sha256:<hex>` of `bytes`.
pub(crate) fn sha256_digest(bytes: &[u8]) -> String {
    use sha2::{Digest as _, Sha256};
    let d = Sha256::digest(bytes);
    let mut s = String::with_capacity(7 + 64);
    s.push_str("sha256:");
    for b in d {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

/// Reads a document (bundle, envelope, key, trusted root) of at most
/// [`MAX_DOCUMENT_SIZE`] bytes; `what` names it in the error.
pub fn read_document(path: &std::path::Path, what: &str) -> Result<Vec<u8>, String> {
    use std::io::Read as _;
    let file = std::fs::File::open(path)
        .map_err(|e| format!("{what} {}: cannot read: {e}", path.display()))?;
    let mut bytes = Vec::new();
    file.take(MAX_DOCUMENT_SIZE as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("{what} {}: cannot read: {e}", path.display()))?;
    if bytes.len() > MAX_DOCUMENT_SIZE {
        return Err(format!(
            "{what} {}: larger than {MAX_DOCUMENT_SIZE} bytes",
            path.display()
        ));
    }
    Ok(bytes)
}
