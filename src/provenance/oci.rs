//! cosign attestations stored in an OCI image layout (`cosign save`, or
//! what slsa-github-generator's container generator attaches): the
//! `dev.cosignproject.cosign/atts` manifest, whose layers are DSSE
//! envelopes annotated with the Fulcio certificate and the Rekor entry
//! (`dev.sigstore.cosign/bundle`: the SET, the body, the integrated time).
//!
//! Each layer is turned into the Sigstore bundle (v0.1: certificate, Rekor
//! entry with its SET, DSSE envelope) it stands for and verified offline
//! like any other, against the digest of the image it attests.

use std::path::Path;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde_json::{json, Value};

use super::sigstore::{verify_bundle, ArtifactRef, Signer, TrustedRoot, VerifiedBundle};
use super::{read_document, sha256_digest, ProvenanceError};

const ATTS_KIND: &str = "dev.cosignproject.cosign/atts";

fn blob(layout: &Path, digest: &str) -> Result<Vec<u8>, ProvenanceError> {
    let hex = digest
        .strip_prefix("sha256:")
        .filter(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()))
        .ok_or_else(|| ProvenanceError::malformed("OCI layout", format!("digest {digest:?}")))?;
    let bytes = read_document(&layout.join("blobs/sha256").join(hex), "OCI blob")
        .map_err(|e| ProvenanceError::malformed("OCI layout", e))?;
    // Content-addressed: the bytes must be what their name says.
    if sha256_digest(&bytes) != digest {
        return Err(ProvenanceError::Verification(format!(
            "OCI blob {digest} does not have that digest"
        )));
    }
    Ok(bytes)
}

fn json_of(bytes: &[u8], what: &'static str) -> Result<Value, ProvenanceError> {
    serde_json::from_slice(bytes).map_err(|e| ProvenanceError::malformed(what, e))
}

/// DER of the first certificate of a PEM text.
fn pem_der(pem: &str) -> Result<Vec<u8>, ProvenanceError> {
    let body: String = pem
        .lines()
        .skip_while(|l| !l.starts_with("-----BEGIN CERTIFICATE-----"))
        .skip(1)
        .take_while(|l| !l.starts_with("-----END"))
        .collect();
    STANDARD
        .decode(body.trim())
        .map_err(|e| ProvenanceError::malformed("certificate", e))
}

/// The Sigstore bundle a cosign-annotated DSSE layer stands for.
fn layer_bundle(envelope: &[u8], annotations: &Value) -> Result<Vec<u8>, ProvenanceError> {
    let get = |k: &str| {
        annotations
            .get(k)
            .and_then(Value::as_str)
            .ok_or_else(|| ProvenanceError::malformed("cosign attestation", format!("no {k}")))
    };
    let cert = pem_der(get("dev.sigstore.cosign/certificate")?)?;
    let rekor = json_of(
        get("dev.sigstore.cosign/bundle")?.as_bytes(),
        "cosign bundle",
    )?;
    let field = |v: &Value, k: &str| -> Result<Value, ProvenanceError> {
        v.get(k)
            .cloned()
            .ok_or_else(|| ProvenanceError::malformed("cosign bundle", format!("no {k}")))
    };
    let payload = field(&rekor, "Payload")?;
    let log_id_hex = field(&payload, "logID")?;
    let log_id_hex = log_id_hex.as_str().unwrap_or_default();
    let mut log_id = Vec::with_capacity(32);
    for i in (0..log_id_hex.len()).step_by(2) {
        let byte = log_id_hex
            .get(i..i + 2)
            .and_then(|p| u8::from_str_radix(p, 16).ok())
            .ok_or_else(|| ProvenanceError::malformed("cosign bundle", "logID is not hex"))?;
        log_id.push(byte);
    }
    let env = json_of(envelope, "DSSE envelope")?;
    let body = field(&payload, "body")?;
    let kind = json_of(
        &STANDARD
            .decode(body.as_str().unwrap_or_default())
            .map_err(|e| ProvenanceError::malformed("cosign bundle", e))?,
        "Rekor entry",
    )?;
    let bundle = json!({
        "mediaType": "application/vnd.dev.sigstore.bundle+json;version=0.1",
        "verificationMaterial": {
            "x509CertificateChain": { "certificates": [{ "rawBytes": STANDARD.encode(&cert) }] },
            "tlogEntries": [{
                "logIndex": field(&payload, "logIndex")?.to_string(),
                "logId": { "keyId": STANDARD.encode(&log_id) },
                "kindVersion": { "kind": field(&kind, "kind")?, "version": field(&kind, "apiVersion")? },
                "integratedTime": field(&payload, "integratedTime")?.to_string(),
                "inclusionPromise": { "signedEntryTimestamp": field(&rekor, "SignedEntryTimestamp")? },
                "canonicalizedBody": body,
            }]
        },
        "dsseEnvelope": env,
    });
    serde_json::to_vec(&bundle).map_err(|e| ProvenanceError::malformed("bundle", e))
}

/// Verifies every cosign attestation of the OCI image layout at `layout`
/// against the image digest `image` (`sha256:<hex>`). `Ok` lists each
/// verified attestation; the first that does not verify is the error.
pub fn verify_layout(
    layout: &Path,
    image: &str,
    signer: &Signer,
    root: &TrustedRoot,
) -> Result<Vec<VerifiedBundle>, ProvenanceError> {
    let index = read_document(&layout.join("index.json"), "OCI index")
        .map_err(|e| ProvenanceError::malformed("OCI layout", e))?;
    let index = json_of(&index, "OCI index")?;
    let manifests = index
        .get("manifests")
        .and_then(Value::as_array)
        .ok_or_else(|| ProvenanceError::malformed("OCI index", "no manifests"))?;
    let hex = image.strip_prefix("sha256:").unwrap_or(image);
    let mut image_digest = [0u8; 32];
    for (i, o) in image_digest.iter_mut().enumerate() {
        *o = hex
            .get(2 * i..2 * i + 2)
            .and_then(|p| u8::from_str_radix(p, 16).ok())
            .ok_or_else(|| ProvenanceError::malformed("image digest", image))?;
    }
    let mut out = Vec::new();
    for m in manifests {
        let kind = m
            .get("annotations")
            .and_then(|a| a.get("kind"))
            .and_then(Value::as_str);
        if kind != Some(ATTS_KIND) {
            continue;
        }
        let digest = m.get("digest").and_then(Value::as_str).unwrap_or_default();
        let manifest = json_of(&blob(layout, digest)?, "OCI manifest")?;
        let layers = manifest
            .get("layers")
            .and_then(Value::as_array)
            .ok_or_else(|| ProvenanceError::malformed("OCI manifest", "no layers"))?;
        for layer in layers {
            let d = layer
                .get("digest")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let envelope = blob(layout, d)?;
            let annotations = layer.get("annotations").cloned().unwrap_or(Value::Null);
            let bundle = layer_bundle(&envelope, &annotations)?;
            out.push(verify_bundle(
                &bundle,
                ArtifactRef::Sha256(image_digest),
                signer,
                root,
            )?);
        }
    }
    if out.is_empty() {
        return Err(ProvenanceError::Verification(format!(
            "{}: no cosign attestation ({ATTS_KIND}) in the layout",
            layout.display()
        )));
    }
    Ok(out)
}
