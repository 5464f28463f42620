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

/// The 32 bytes of an image digest (`sha256:<hex>`, or bare hex).
fn image_digest(image: &str) -> Result<[u8; 32], ProvenanceError> {
    let hex = image.strip_prefix("sha256:").unwrap_or(image);
    let mut out = [0u8; 32];
    for (i, o) in out.iter_mut().enumerate() {
        *o = hex
            .get(2 * i..2 * i + 2)
            .and_then(|p| u8::from_str_radix(p, 16).ok())
            .ok_or_else(|| ProvenanceError::malformed("image digest", image))?;
    }
    Ok(out)
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

/// The Sigstore bundle (v0.1: the certificate, the Rekor entry with its
/// SET, the envelope) a cosign-annotated DSSE layer stands for.
pub fn layer_bundle(envelope: &[u8], annotations: &Value) -> Result<Vec<u8>, ProvenanceError> {
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
    let image_digest = image_digest(image)?;
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

/// Verifies one layer of a cosign attestation manifest (`sha256-<hex>.att`
/// or `cosign save`'s `atts`): a DSSE envelope, keyless (with the
/// certificate and Rekor bundle annotations, verified as a Sigstore bundle)
/// or signed with the attestation key. Its statement must name `image`
/// (`sha256:<hex>`, the manifest digest).
pub fn verify_cosign_layer(
    envelope: &[u8],
    annotations: &Value,
    image: &str,
    verifiers: &super::attestation::Verifiers,
    root_cache: &mut Option<Result<TrustedRoot, ProvenanceError>>,
) -> Result<super::attestation::Verified, ProvenanceError> {
    use super::attestation::{finish, keyless_signer, root_of};
    let keyless = annotations.get("dev.sigstore.cosign/certificate").is_some()
        && annotations.get("dev.sigstore.cosign/bundle").is_some();
    let verified = if keyless {
        let bundle = layer_bundle(envelope, annotations)?;
        let signer = keyless_signer(verifiers);
        let root = root_of(verifiers, root_cache)?;
        let image_digest = image_digest(image)?;
        let v = verify_bundle(&bundle, ArtifactRef::Sha256(image_digest), &signer, root)?;
        let (pt, payload) = v.dsse.ok_or_else(|| {
            ProvenanceError::Unsupported("the layer holds no DSSE envelope".into())
        })?;
        finish(&pt, &payload, v.signer, true)?
    } else {
        let key = verifiers.key.as_deref().ok_or_else(|| {
            ProvenanceError::Verification(
                "a cosign attestation signed with a key needs that key (--attestation-key)".into(),
            )
        })?;
        let v = super::dsse::verify_envelope(envelope, key)?;
        finish(&v.payload_type, &v.payload, v.signer, false)?
    };
    if !verified.statement.names_digest(image) {
        return Err(ProvenanceError::Verification(format!(
            "the attestation's statement does not name the manifest {image}"
        )));
    }
    Ok(verified)
}

/// Verifies a cosign simple-signing signature (a `sha256-<hex>.sig`
/// layer): `signature` (base64, the `dev.cosignproject.cosign/signature`
/// annotation) over the payload's exact bytes with the key, and the
/// payload's `critical.image.docker-manifest-digest` must be `image`.
/// Returns the signer (`key sha256:<hex>`).
pub fn verify_simple_signing(
    payload: &[u8],
    signature: &str,
    image: &str,
    key_pem: &str,
) -> Result<String, ProvenanceError> {
    let value = json_of(payload, "simple-signing payload")?;
    let named = value
        .get("critical")
        .and_then(|c| c.get("image"))
        .and_then(|i| i.get("docker-manifest-digest"))
        .and_then(Value::as_str)
        .ok_or_else(|| {
            ProvenanceError::malformed(
                "simple-signing payload",
                "no critical.image.docker-manifest-digest",
            )
        })?;
    let (key, signer) = super::dsse::parse_key(key_pem)?;
    let sig = STANDARD
        .decode(signature.trim())
        .map_err(|e| ProvenanceError::malformed("cosign signature", e))?;
    key.verify(
        payload,
        &sigstore_verify::types::SignatureBytes::from_bytes(&sig),
    )
    .map_err(|e| {
        ProvenanceError::Verification(format!("the signature does not verify with {signer}: {e}"))
    })?;
    if named != image {
        return Err(ProvenanceError::Verification(format!(
            "the signature is for manifest {named}, not {image}"
        )));
    }
    Ok(signer)
}

/// What a Sigstore bundle stored as an OCI 1.1 referrer of an image proved.
#[derive(Debug)]
pub enum ReferrerProof {
    /// A DSSE bundle: an attestation whose statement names the image.
    Attestation(Box<super::attestation::Verified>),
    /// A message-signature bundle over the image digest: who signed.
    Signature(String),
}

/// Verifies a Sigstore bundle (v0.1–v0.3) attached to `image`
/// (`sha256:<hex>`, a manifest digest) as an OCI referrer. A DSSE bundle
/// must carry an in-toto statement naming the image; a message signature
/// must be over the image digest itself (a signature over anything else
/// is [`ProvenanceError::Unsupported`]). Keyless with the identity policy,
/// or with the attestation key when the bundle names a public key.
pub fn verify_referrer_bundle(
    bundle: &[u8],
    image: &str,
    verifiers: &super::attestation::Verifiers,
    root_cache: &mut Option<Result<TrustedRoot, ProvenanceError>>,
) -> Result<ReferrerProof, ProvenanceError> {
    use super::attestation::{bundle_signer, finish, root_of};
    let value = json_of(bundle, "Sigstore bundle")?;
    let image_digest = image_digest(image)?;
    if let Some(signed) = value
        .get("messageSignature")
        .and_then(|m| m.get("messageDigest"))
        .and_then(|d| d.get("digest"))
        .and_then(Value::as_str)
    {
        if STANDARD.decode(signed).ok().as_deref() != Some(&image_digest[..]) {
            return Err(ProvenanceError::Unsupported(
                "a message signature over something other than the manifest digest".into(),
            ));
        }
    }
    let (signer, keyed) = bundle_signer(&value, verifiers)?;
    let root = root_of(verifiers, root_cache)?;
    let v = verify_bundle(bundle, ArtifactRef::Sha256(image_digest), &signer, root)?;
    match v.dsse {
        Some((pt, payload)) => {
            let verified = finish(&pt, &payload, v.signer, !keyed)?;
            if !verified.statement.names_digest(image) {
                return Err(ProvenanceError::Verification(format!(
                    "the attestation's statement does not name the manifest {image}"
                )));
            }
            Ok(ReferrerProof::Attestation(Box::new(verified)))
        }
        None => Ok(ReferrerProof::Signature(v.signer)),
    }
}
