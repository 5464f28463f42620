//! Attestation files, read and verified: a Sigstore bundle with a DSSE
//! envelope (keyless, or key-based), a bare DSSE envelope signed with a
//! key (`cosign attest-blob --key`), a `.intoto.jsonl` (one of these per
//! line), or a folder of them. Each document either verifies, and yields
//! its statement, or is kept with the reason it did not: a document that
//! does not verify never vouches for anything.

use std::path::PathBuf;

use super::sigstore::{
    verify_bundle, ArtifactRef, IdentityMatch, IdentityPolicy, Signer, TrustedRoot,
    GITHUB_ACTIONS_ISSUER,
};
use super::slsa::Provenance;
use super::statement::Statement;
use super::{dsse, read_document, ProvenanceError};

/// How attestations are verified.
#[derive(Debug, Default)]
pub struct Verifiers {
    /// A PEM public key for key-signed envelopes and bundles.
    pub key: Option<String>,
    /// Who must have signed keyless bundles; `None`: the trusted builders
    /// of slsa-github-generator (any version) on GitHub Actions.
    pub identity: Option<IdentityPolicy>,
    /// The trusted root for bundles; `None`: the production root.
    pub root: Option<TrustedRoot>,
}

/// The identity of slsa-github-generator's reusable workflows.
pub fn slsa_builders_identity() -> IdentityPolicy {
    IdentityPolicy {
        identity: IdentityMatch::Regexp(
            r"https://github\.com/slsa-framework/slsa-github-generator/\.github/workflows/[A-Za-z0-9_.-]+_slsa3\.yml@refs/tags/v[0-9]+\.[0-9]+\.[0-9]+(-rc\.[0-9]+)?".into(),
        ),
        issuer: GITHUB_ACTIONS_ISSUER.into(),
        repository: None,
        git_ref: None,
        workflow: None,
    }
}

/// A verified attestation.
#[derive(Debug, Clone, PartialEq)]
pub struct Verified {
    /// The in-toto statement, parsed.
    pub statement: Statement,
    /// Who signed (a certificate identity, or `key sha256:<hex>`).
    pub signer: String,
    /// Whether it was signed keylessly (a certificate).
    pub keyless: bool,
    /// The SLSA provenance it carries, if any.
    pub provenance: Option<Provenance>,
}

/// One attestation document and what became of it.
#[derive(Debug, Clone, PartialEq)]
pub struct Attestation {
    /// `file` or `file:LINE` for a line of a `.intoto.jsonl`.
    pub origin: String,
    /// What it says when it verified, or why it did not.
    pub outcome: Result<Verified, ProvenanceError>,
}

/// The files named (folders are expanded, sorted, not recursively: the
/// `.json`, `.jsonl`, `.intoto`, `.sigstore`, `.att`, `.slsa` files in it).
pub fn expand(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut files: Vec<PathBuf> = std::fs::read_dir(p)
                .map_err(|e| format!("attestation folder {}: cannot read: {e}", p.display()))?
                .flatten()
                .map(|e| e.path())
                .filter(|f| {
                    f.is_file()
                        && f.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
                            [".json", ".jsonl", ".intoto", ".sigstore", ".att", ".slsa"]
                                .iter()
                                .any(|x| n.ends_with(x))
                        })
                })
                .collect();
            files.sort();
            out.extend(files);
        } else {
            out.push(p.clone());
        }
    }
    Ok(out)
}

/// Reads and verifies every document of every file. An unreadable file
/// is an error (the run cannot be audited as asked); a document that does
/// not verify is an [`Attestation`] with an `Err` outcome.
pub fn load(paths: &[PathBuf], verifiers: &Verifiers) -> Result<Vec<Attestation>, String> {
    let mut out = Vec::new();
    let mut root_cache: Option<Result<TrustedRoot, ProvenanceError>> = None;
    for file in expand(paths)? {
        let bytes = read_document(&file, "attestation")?;
        let name = file.display().to_string();
        // One JSON document, or one per line (`.intoto.jsonl`).
        let docs: Vec<(String, &[u8])> = match serde_json::from_slice::<serde_json::Value>(&bytes) {
            Ok(_) => vec![(name.clone(), &bytes[..])],
            Err(_) => bytes
                .split(|b| *b == b'\n')
                .enumerate()
                .filter(|(_, l)| !l.iter().all(u8::is_ascii_whitespace))
                .map(|(i, l)| (format!("{name}:{}", i + 1), l))
                .collect(),
        };
        for (origin, doc) in docs {
            let outcome = verify_document(doc, verifiers, &mut root_cache);
            out.push(Attestation { origin, outcome });
        }
    }
    Ok(out)
}

fn verify_document(
    doc: &[u8],
    verifiers: &Verifiers,
    root_cache: &mut Option<Result<TrustedRoot, ProvenanceError>>,
) -> Result<Verified, ProvenanceError> {
    let value: serde_json::Value =
        serde_json::from_slice(doc).map_err(|e| ProvenanceError::malformed("attestation", e))?;
    let (payload_type, payload, signer, keyless) = if value.get("mediaType").is_some() {
        // A Sigstore bundle: keyless when it carries a certificate.
        let (signer, has_key) = bundle_signer(&value, verifiers)?;
        let root = root_of(verifiers, root_cache)?;
        let v = verify_bundle(doc, ArtifactRef::StatementSubjects, &signer, root)?;
        let (pt, payload) = v.dsse.ok_or_else(|| {
            ProvenanceError::Unsupported(
                "the bundle holds a message signature, not an attestation".into(),
            )
        })?;
        (pt, payload, v.signer, !has_key)
    } else if dsse::looks_like_envelope(&value) {
        let with_cert = value
            .get("signatures")
            .and_then(|s| s.as_array())
            .is_some_and(|a| a.iter().any(|s| s.get("cert").is_some()));
        if with_cert {
            return Err(ProvenanceError::Unsupported(
                "a bare DSSE envelope signed with a Fulcio certificate (slsa-github-generator \
                 before v2.1.0): verifying it needs an online Rekor lookup, which this tool does \
                 not do; use provenance from slsa-github-generator v2.1.0 or later (a Sigstore bundle)"
                    .into(),
            ));
        }
        let key = verifiers.key.as_deref().ok_or_else(|| {
            ProvenanceError::Verification(
                "a bare DSSE envelope needs the key that signed it (--attestation-key)".into(),
            )
        })?;
        let v = dsse::verify_envelope(doc, key)?;
        (v.payload_type, v.payload, v.signer, false)
    } else {
        return Err(ProvenanceError::malformed(
            "attestation",
            "neither a Sigstore bundle nor a DSSE envelope",
        ));
    };
    finish(&payload_type, &payload, signer, keyless)
}

/// The statement and SLSA provenance of a payload that verified.
pub(crate) fn finish(
    payload_type: &str,
    payload: &[u8],
    signer: String,
    keyless: bool,
) -> Result<Verified, ProvenanceError> {
    let statement = Statement::parse(payload_type, payload)?;
    let provenance = super::slsa::read(&statement)?;
    Ok(Verified {
        statement,
        signer,
        keyless,
        provenance,
    })
}

/// Who must have signed a Sigstore bundle (`value`, parsed): the
/// attestation key when the bundle carries a public key (`true`), else the
/// identity of `verifiers` (by default slsa-github-generator's builders).
pub(crate) fn bundle_signer(
    value: &serde_json::Value,
    verifiers: &Verifiers,
) -> Result<(Signer, bool), ProvenanceError> {
    let has_key = value
        .get("verificationMaterial")
        .and_then(|m| m.get("publicKey"))
        .is_some();
    let signer = if has_key {
        Signer::Key(verifiers.key.clone().ok_or_else(|| {
            ProvenanceError::Verification(
                "the bundle is signed with a key and no attestation key was given".into(),
            )
        })?)
    } else {
        keyless_signer(verifiers)
    };
    Ok((signer, has_key))
}

/// The identity a keyless signature must come from: the one given, or
/// slsa-github-generator's builders.
pub(crate) fn keyless_signer(verifiers: &Verifiers) -> Signer {
    Signer::Identity(
        verifiers
            .identity
            .clone()
            .unwrap_or_else(slsa_builders_identity),
    )
}

/// The trusted root of `verifiers`, or the production one (read once).
pub(crate) fn root_of<'a>(
    verifiers: &'a Verifiers,
    cache: &'a mut Option<Result<TrustedRoot, ProvenanceError>>,
) -> Result<&'a TrustedRoot, ProvenanceError> {
    match &verifiers.root {
        Some(r) => Ok(r),
        None => cache
            .get_or_insert_with(TrustedRoot::production)
            .as_ref()
            .map_err(Clone::clone),
    }
}
