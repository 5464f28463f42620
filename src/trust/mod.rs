//! Trust: sets of known-good digests ([`sets`]) and the detached
//! signatures over them ([`signature`]). A set is only used after its
//! signature has been checked over its exact bytes.

pub mod load;
pub mod origin;
pub mod sets;
pub mod signature;

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use signature::Verified;

/// A trust set to load: its file, and optionally a signature file and a
/// key file. Written in a policy's `[[trust.sets]]` (paths relative to the
/// policy file) or given by `--trust`/`--signature`/`--key`.
///
/// A set signed keylessly (a Sigstore bundle with a Fulcio certificate)
/// names who must have signed instead of a key: `certificate-identity` (or
/// `certificate-identity-regexp`) and `certificate-oidc-issuer`, and
/// optionally the `trusted-root` (default: the production root built in).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct SetSpec {
    /// The set file (in a policy: relative to the policy file).
    pub path: PathBuf,
    /// Its detached signature file (cosign, Ed25519 or a Sigstore bundle);
    /// none: the set is unsigned. Needs `key`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<PathBuf>,
    /// The public key file (PEM) to check the signature with. Needs
    /// `signature`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<PathBuf>,
    /// Keyless: the signer's certificate identity, exactly.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate_identity: Option<String>,
    /// Keyless: the signer's certificate identity as a pattern.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate_identity_regexp: Option<String>,
    /// Keyless: the OIDC issuer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate_oidc_issuer: Option<String>,
    /// Keyless: the trusted root (default: the production root built in).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trusted_root: Option<PathBuf>,
}

/// What kind of document a trust set was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SetKind {
    /// The project's JSON trust-set format (`schemas/trust-set.schema.json`),
    /// or one of its simple forms.
    Json,
    /// A `wkg.lock` (pins WIT packages).
    WkgLock,
    /// A `Cargo-component.lock` (pins WIT packages).
    CargoComponentLock,
    /// A `spin.toml` (component sources pin implementations).
    SpinToml,
}

/// One trusted digest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TrustEntry {
    /// The name the entry gives (a component or package name), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The version the entry gives, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// `sha256:<64 lowercase hex>`.
    pub digest: String,
    /// Where the trusted bytes come from (a URL, a registry), if given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Where in the set this entry is written (`trusted.json: entries[3]`,
    /// `wkg.lock:12`), for messages.
    pub origin: String,
}

/// A parsed trust set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TrustSet {
    /// The set's file as named on the command line or in the policy.
    pub path: String,
    /// `sha256:<hex>` of the set's exact bytes.
    pub digest: String,
    /// What format the set was read as.
    pub kind: SetKind,
    /// The trusted digests it holds; empty when the signature is invalid
    /// (the set is then not parsed).
    pub entries: Vec<TrustEntry>,
}

/// What became of a trust set's signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "kebab-case")]
pub enum SignatureStatus {
    /// Checked and good.
    Verified {
        /// The signature file, as named.
        path: String,
        /// How it was checked and with which key (its keys sit beside `status`
        /// and `path` in JSON).
        #[serde(flatten)]
        verified: Verified,
    },
    /// No signature was given.
    Unsigned,
    /// Given and not good: bad signature, wrong key, malformed, digest mismatch.
    Invalid {
        /// The signature file, as named.
        path: String,
        /// Why it was refused, in one line.
        reason: String,
    },
}

/// A trust set with the outcome of its signature check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedSet {
    /// The parsed set.
    pub set: TrustSet,
    /// What became of its signature.
    pub signature: SignatureStatus,
}
