//! Bare DSSE envelopes signed with a key, as `cosign attest-blob --key`
//! (and `cosign attest --key` without upload) write them:
//! `{"payloadType": ..., "payload": base64, "signatures": [{"keyid", "sig"}]}`.
//!
//! The envelope is accepted when one of its signatures verifies, with the
//! user's key, over the DSSE pre-authentication encoding of the payload
//! type and payload (`DSSEv1 <len> <type> <len> <payload>`), so neither can
//! be swapped. There is no transparency log here: the key is the trust.

use base64::engine::general_purpose::{STANDARD, URL_SAFE};
use base64::Engine as _;
use serde::Deserialize;
use sigstore_verify::crypto::VerificationKey;
use sigstore_verify::types::{DerPublicKey, SignatureBytes};

use super::{sha256_digest, ProvenanceError, MAX_DOCUMENT_SIZE};

/// An envelope as read (not yet verified).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Wire {
    payload_type: String,
    payload: String,
    signatures: Vec<WireSignature>,
}

#[derive(Deserialize)]
struct WireSignature {
    #[serde(default)]
    #[allow(dead_code)]
    keyid: Option<String>,
    sig: String,
}

fn b64(s: &str) -> Option<Vec<u8>> {
    STANDARD.decode(s).or_else(|_| URL_SAFE.decode(s)).ok()
}

/// A verified envelope: its payload type and payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedEnvelope {
    /// The payload type the signature covers.
    pub payload_type: String,
    /// The payload the signature covers.
    pub payload: Vec<u8>,
    /// `key sha256:<hex>` of the key that verified it.
    pub signer: String,
}

/// Whether `json` looks like a bare DSSE envelope (has `payloadType` and
/// `signatures` at the top level), to tell it from a Sigstore bundle.
pub fn looks_like_envelope(value: &serde_json::Value) -> bool {
    value.get("payloadType").is_some() && value.get("signatures").is_some()
}

/// A PEM public key, checked to be one that verifies signatures.
pub fn parse_key(pem: &str) -> Result<(VerificationKey, String), ProvenanceError> {
    let der =
        DerPublicKey::from_pem(pem).map_err(|e| ProvenanceError::malformed("public key", e))?;
    let name = format!("key {}", sha256_digest(der.as_bytes()));
    let key = VerificationKey::from_spki(&der)
        .map_err(|e| ProvenanceError::malformed("public key", e))?;
    Ok((key, name))
}

/// Verifies a bare DSSE envelope with a PEM public key.
pub fn verify_envelope(json: &[u8], key_pem: &str) -> Result<VerifiedEnvelope, ProvenanceError> {
    if json.len() > MAX_DOCUMENT_SIZE {
        return Err(ProvenanceError::malformed(
            "DSSE envelope",
            format!("larger than {MAX_DOCUMENT_SIZE} bytes"),
        ));
    }
    let wire: Wire =
        serde_json::from_slice(json).map_err(|e| ProvenanceError::malformed("DSSE envelope", e))?;
    let payload = b64(&wire.payload)
        .ok_or_else(|| ProvenanceError::malformed("DSSE envelope", "payload is not base64"))?;
    if wire.signatures.is_empty() {
        return Err(ProvenanceError::Verification(
            "the DSSE envelope has no signature".into(),
        ));
    }
    let (key, signer) = parse_key(key_pem)?;
    let pae = sigstore_verify::types::dsse::pae(&wire.payload_type, &payload);
    let mut last = String::new();
    for s in &wire.signatures {
        let Some(sig) = b64(&s.sig) else {
            last = "a signature is not base64".into();
            continue;
        };
        match key.verify(&pae, &SignatureBytes::from_bytes(&sig)) {
            Ok(()) => {
                return Ok(VerifiedEnvelope {
                    payload_type: wire.payload_type,
                    payload,
                    signer,
                })
            }
            Err(e) => last = e.to_string(),
        }
    }
    Err(ProvenanceError::Verification(format!(
        "no signature of the DSSE envelope verifies with {signer}: {last}"
    )))
}
