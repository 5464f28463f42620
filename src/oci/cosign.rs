//! What cosign stores beside a manifest, found for its digest and
//! verified: the tag scheme (`sha256-<hex>.att`: DSSE envelopes with
//! in-toto statements; `sha256-<hex>.sig`: simple-signing payloads), and in
//! a `cosign save` layout the `atts`/`sigs` entries of its image.
//!
//! Each attestation layer becomes an [`Attestation`] for the provenance
//! stage: verified (keyless through its certificate and Rekor bundle
//! annotations, or with the attestation key), its statement naming the
//! manifest digest. The manifest binds the wasm layer's digest, which this
//! crate checked itself, so a verified statement is extended with a subject
//! for the layer: the provenance rules then apply to the input's root node.
//! A layer that does not verify is kept with why (`provenance-invalid`).

use serde_json::Value;

use super::{sha256_hex, verified_blob, Store, MAX_MANIFEST_SIZE};
use crate::provenance::attestation::{Attestation, Verified, Verifiers};
use crate::provenance::statement::{decode_hex32, Subject};
use crate::provenance::{ProvenanceError, MAX_DOCUMENT_SIZE};

/// The `.sig` signatures found, each verified with the attestation key or
/// not.
#[derive(Debug, Clone, PartialEq)]
pub struct Signature {
    /// Where it was found (`<reference> sha256-<hex>.sig layer 0`).
    pub origin: String,
    /// The signer when it verified, or why it did not.
    pub outcome: Result<String, ProvenanceError>,
}

/// What was found for a manifest.
#[derive(Debug, Default)]
pub struct Found {
    /// The attestations (`.att`), verified or not.
    pub attestations: Vec<Attestation>,
    /// The signatures (`.sig`).
    pub signatures: Vec<Signature>,
}

/// The manifest with this digest, held to it (`name` says which in
/// errors).
fn checked_manifest(store: &dyn Store, digest: &str, name: &str) -> Result<Vec<u8>, String> {
    let bytes = store
        .manifest(digest)?
        .ok_or_else(|| format!("{name} is missing"))?;
    if crate::digest::sha256(&bytes) != digest {
        return Err(format!("{name} does not have that digest"));
    }
    Ok(bytes)
}

/// The bytes of a layer (a descriptor), held to its digest and declared
/// size, at most [`MAX_DOCUMENT_SIZE`].
fn layer_blob(store: &dyn Store, layer: &Value) -> Result<Vec<u8>, String> {
    let digest = layer
        .get("digest")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let size = layer.get("size").and_then(Value::as_u64);
    verified_blob(store, digest, size, MAX_DOCUMENT_SIZE as u64)
}

/// A verified statement about the manifest also names the wasm layer the
/// manifest binds (its digest checked by this crate).
fn with_layer(mut v: Verified, layer_sha: Option<[u8; 32]>, manifest_digest: &str) -> Verified {
    if let Some(sha) = layer_sha {
        v.statement.subjects.push(Subject {
            name: format!("wasm layer of {manifest_digest}"),
            sha256: Some(sha),
        });
    }
    v
}

/// The layers of the cosign manifests (by tag, then by `cosign save` kind)
/// of one suffix (`att`, `sig`), each with where it was found
/// (`<reference> <manifest> layer <i>`).
fn cosign_layers(
    store: &dyn Store,
    reference: &str,
    manifest_digest: &str,
    suffix: &str,
    kind: &str,
) -> Result<Vec<(String, Value)>, String> {
    let hex = sha256_hex(manifest_digest)?;
    let tag = format!("sha256-{hex}.{suffix}");
    let mut manifests = Vec::new();
    if let Some(bytes) = store.tagged(&tag)? {
        manifests.push((tag, bytes));
    }
    for digest in store.saved_with(manifest_digest, kind) {
        let bytes = checked_manifest(store, &digest, &format!("the {kind} manifest {digest}"))?;
        manifests.push((format!("{kind} {digest}"), bytes));
    }
    let mut out = Vec::new();
    for (name, bytes) in manifests {
        for (i, layer) in layers_of(&bytes, &name)?.into_iter().enumerate() {
            out.push((format!("{reference} {name} layer {i}"), layer));
        }
    }
    Ok(out)
}

fn layers_of(bytes: &[u8], name: &str) -> Result<Vec<Value>, String> {
    if bytes.len() as u64 > MAX_MANIFEST_SIZE {
        return Err(format!("{name}: larger than {MAX_MANIFEST_SIZE} bytes"));
    }
    let manifest: Value =
        serde_json::from_slice(bytes).map_err(|e| format!("{name}: not JSON: {e}"))?;
    manifest
        .get("layers")
        .and_then(Value::as_array)
        .cloned()
        .ok_or_else(|| format!("{name}: no layers"))
}

/// Finds and verifies the attestations and signatures cosign stored for
/// `manifest_digest`. `layer_digest` (the wasm layer the manifest names,
/// already verified) is added to each verified statement's subjects.
/// `reference` names the input in origins. An unreadable store is an
/// error; a document that does not verify is kept with why.
pub fn discover(
    store: &dyn Store,
    reference: &str,
    manifest_digest: &str,
    layer_digest: Option<&str>,
    verifiers: &Verifiers,
) -> Result<Found, String> {
    let mut found = Found::default();
    let mut root_cache = None;
    let layer_sha = match layer_digest {
        Some(d) => Some(decode_hex32(sha256_hex(d)?).ok_or("bad layer digest")?),
        None => None,
    };
    for (origin, layer) in cosign_layers(
        store,
        reference,
        manifest_digest,
        "att",
        "dev.cosignproject.cosign/atts",
    )? {
        let outcome = match layer_blob(store, &layer) {
            Err(e) => Err(ProvenanceError::malformed("cosign attestation layer", e)),
            Ok(envelope) => {
                let annotations = layer.get("annotations").cloned().unwrap_or(Value::Null);
                crate::provenance::oci::verify_cosign_layer(
                    &envelope,
                    &annotations,
                    manifest_digest,
                    verifiers,
                    &mut root_cache,
                )
            }
        };
        let outcome = outcome.map(|v| with_layer(v, layer_sha, manifest_digest));
        found.attestations.push(Attestation { origin, outcome });
    }
    for (origin, layer) in cosign_layers(
        store,
        reference,
        manifest_digest,
        "sig",
        "dev.cosignproject.cosign/sigs",
    )? {
        let signature = layer
            .get("annotations")
            .and_then(|a| a.get("dev.cosignproject.cosign/signature"))
            .and_then(Value::as_str);
        let keyless = layer
            .get("annotations")
            .and_then(|a| a.get("dev.sigstore.cosign/certificate"))
            .is_some();
        let outcome = match (
            layer_blob(store, &layer),
            signature,
            verifiers.key.as_deref(),
        ) {
            (Err(e), _, _) => Err(ProvenanceError::malformed("cosign signature layer", e)),
            // Keyless (a Fulcio certificate): not verified here, so it
            // vouches for nothing; not held to the key either.
            _ if keyless => Err(ProvenanceError::Unsupported(
                "a keyless cosign signature (certificate annotations) is not verified".into(),
            )),
            (Ok(payload), signature, key) => match (signature, key) {
                (None, _) => Err(ProvenanceError::malformed(
                    "cosign signature layer",
                    "no dev.cosignproject.cosign/signature annotation",
                )),
                (_, None) => Err(ProvenanceError::Unsupported(
                    "verifying a cosign signature needs the key (--attestation-key)".into(),
                )),
                (Some(sig), Some(key)) => crate::provenance::oci::verify_simple_signing(
                    &payload,
                    sig,
                    manifest_digest,
                    key,
                ),
            },
        };
        found.signatures.push(Signature { origin, outcome });
    }
    referrers(
        store,
        reference,
        manifest_digest,
        layer_sha,
        verifiers,
        &mut root_cache,
        &mut found,
    )?;
    Ok(found)
}

/// The artifact type of a Sigstore bundle referrer (and the prefix of its
/// layers' media types).
pub const SIGSTORE_BUNDLE: &str = "application/vnd.dev.sigstore.bundle";

/// OCI 1.1 referrers of the manifest whose artifact type is a Sigstore
/// bundle: each layer verified as a bundle for the manifest digest.
fn referrers(
    store: &dyn Store,
    reference: &str,
    manifest_digest: &str,
    layer_sha: Option<[u8; 32]>,
    verifiers: &Verifiers,
    root_cache: &mut Option<Result<crate::provenance::sigstore::TrustedRoot, ProvenanceError>>,
    found: &mut Found,
) -> Result<(), String> {
    use crate::provenance::oci::{verify_referrer_bundle, ReferrerProof};
    for entry in store.referrers(manifest_digest)? {
        let artifact_type = entry
            .get("artifactType")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if !artifact_type.starts_with(SIGSTORE_BUNDLE) {
            continue;
        }
        let digest = entry
            .get("digest")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let name = format!("referrer {digest}");
        sha256_hex(digest).map_err(|m| format!("{name}: {m}"))?;
        let bytes = checked_manifest(store, digest, &name)?;
        let manifest: Value =
            serde_json::from_slice(&bytes).map_err(|e| format!("{name}: not JSON: {e}"))?;
        let subject = manifest
            .get("subject")
            .and_then(|s| s.get("digest"))
            .and_then(Value::as_str);
        for (i, layer) in layers_of(&bytes, &name)?.iter().enumerate() {
            let origin = format!("{reference} {name} layer {i}");
            let media_type = layer
                .get("mediaType")
                .and_then(Value::as_str)
                .unwrap_or_default();
            if !media_type.starts_with(SIGSTORE_BUNDLE) {
                continue;
            }
            let proof = if subject != Some(manifest_digest) {
                Err(ProvenanceError::Verification(format!(
                    "the referrer's subject is {}, not the manifest {manifest_digest}",
                    subject.unwrap_or("missing")
                )))
            } else {
                match layer_blob(store, layer) {
                    Err(e) => Err(ProvenanceError::malformed("Sigstore bundle layer", e)),
                    Ok(bundle) => {
                        verify_referrer_bundle(&bundle, manifest_digest, verifiers, root_cache)
                    }
                }
            };
            match proof {
                Ok(ReferrerProof::Signature(signer)) => found.signatures.push(Signature {
                    origin,
                    outcome: Ok(signer),
                }),
                Ok(ReferrerProof::Attestation(v)) => found.attestations.push(Attestation {
                    origin,
                    outcome: Ok(with_layer(*v, layer_sha, manifest_digest)),
                }),
                Err(e @ ProvenanceError::Unsupported(_)) => found.signatures.push(Signature {
                    origin,
                    outcome: Err(e),
                }),
                Err(e) => found.attestations.push(Attestation {
                    origin,
                    outcome: Err(e),
                }),
            }
        }
    }
    Ok(())
}
