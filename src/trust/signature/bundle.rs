//! Sigstore bundles (v0.3, v0.2) with a `messageSignature`, checked
//! offline against the key the user gave: the bundle's digest must be the
//! message's, and its signature must verify with the key.

use serde::de::IgnoredAny;
use serde::Deserialize;
use sha2::{Digest as _, Sha256};

use super::key::PublicKey;
use super::{decode_bundle_bytes, hex, quote, SignatureError};

/// Media types of the bundles that can be checked. Both spellings of v0.3
/// are in use (the Sigstore spec names both); v0.1 is refused because it
/// predates key-hint-only verification material in practice.
pub(super) const BUNDLE_MEDIA_TYPES: &[&str] = &[
    "application/vnd.dev.sigstore.bundle.v0.3+json",
    "application/vnd.dev.sigstore.bundle+json;version=0.3",
    "application/vnd.dev.sigstore.bundle+json;version=0.2",
];

/// The parts of a Sigstore bundle that an offline, key-based check reads.
///
/// Unknown fields are allowed and ignored, notably `tlogEntries` and
/// `timestampVerificationData`: **no transparency-log or timestamp check is
/// made**. The signature is trusted because the user's key verifies it,
/// not because it was logged. Duplicate fields are refused by serde, so two
/// readers cannot see two different bundles in one file.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Bundle {
    media_type: Option<String>,
    verification_material: Option<VerificationMaterial>,
    message_signature: Option<MessageSignature>,
    /// Only looked for, to refuse DSSE bundles by name.
    dsse_envelope: Option<IgnoredAny>,
    /// Only looked for, to name cosign's older, pre-Sigstore-bundle JSON.
    base64_signature: Option<IgnoredAny>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct VerificationMaterial {
    public_key: Option<PublicKeyHint>,
    /// Only looked for, to refuse certificate-based (keyless) bundles.
    certificate: Option<IgnoredAny>,
    x509_certificate_chain: Option<IgnoredAny>,
}

/// The key is named by a hint only; the hint is not used to choose or
/// trust a key (the caller's key is the only one tried).
#[derive(Deserialize)]
struct PublicKeyHint {
    #[allow(dead_code)]
    hint: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct MessageSignature {
    message_digest: Option<MessageDigest>,
    signature: Option<String>,
}

#[derive(Deserialize)]
struct MessageDigest {
    algorithm: Option<String>,
    digest: Option<String>,
}

/// Checks a Sigstore bundle: the right kind, a digest equal to the
/// message's, then the signature over the message with `key`.
pub(super) fn verify_bundle(
    message: &[u8],
    file: &[u8],
    key: &PublicKey,
) -> Result<(), SignatureError> {
    let bundle: Bundle = serde_json::from_slice(file)
        .map_err(|e| SignatureError::MalformedBundle(format!("not a bundle JSON object: {e}")))?;

    let media_type = match bundle.media_type {
        Some(media_type) => media_type,
        None if bundle.base64_signature.is_some() => {
            return Err(SignatureError::UnsupportedBundle(
                "this is cosign's older `--bundle` JSON (`base64Signature`), not a Sigstore \
                 bundle; give the signature file (`--output-signature`) or a Sigstore bundle \
                 (`--new-bundle-format`)"
                    .into(),
            ))
        }
        None => return Err(SignatureError::MalformedBundle("no `mediaType`".into())),
    };
    if !BUNDLE_MEDIA_TYPES.contains(&media_type.as_str()) {
        return Err(SignatureError::UnsupportedBundle(format!(
            "media type `{}` (supported: {})",
            quote(&media_type),
            BUNDLE_MEDIA_TYPES.join(", ")
        )));
    }

    if bundle.dsse_envelope.is_some() {
        return Err(SignatureError::UnsupportedBundle(
            "DSSE bundles are not supported (an attestation envelope, not a signature over the \
             file); sign the file itself with `cosign sign-blob`"
                .into(),
        ));
    }
    let signed = bundle.message_signature.ok_or_else(|| {
        SignatureError::MalformedBundle("no `messageSignature` (and no `dsseEnvelope`)".into())
    })?;

    let material = bundle
        .verification_material
        .ok_or_else(|| SignatureError::MalformedBundle("no `verificationMaterial`".into()))?;
    if material.certificate.is_some() || material.x509_certificate_chain.is_some() {
        return Err(SignatureError::UnsupportedBundle(
            "certificate-based (keyless) bundles are not supported; checking them needs the \
             Sigstore trust root and log: sign with a key (`cosign sign-blob --key`)"
                .into(),
        ));
    }
    if material.public_key.is_none() {
        return Err(SignatureError::MalformedBundle(
            "`verificationMaterial` has no `publicKey`".into(),
        ));
    }

    // The digest first: a bundle made for other bytes is refused even if
    // its signature happens to verify over this message.
    let digest = signed
        .message_digest
        .ok_or_else(|| SignatureError::MalformedBundle("no `messageDigest`".into()))?;
    match digest.algorithm.as_deref() {
        Some("SHA2_256") => {}
        Some(other) => {
            return Err(SignatureError::UnsupportedBundle(format!(
                "message digest algorithm `{}` (only SHA2_256)",
                quote(other)
            )))
        }
        None => {
            return Err(SignatureError::MalformedBundle(
                "`messageDigest` has no `algorithm`".into(),
            ))
        }
    }
    let claimed = decode_bundle_bytes(
        "`messageDigest.digest`",
        digest.digest.as_deref().ok_or_else(|| {
            SignatureError::MalformedBundle("`messageDigest` has no `digest`".into())
        })?,
    )?;
    if claimed.len() != 32 {
        return Err(SignatureError::MalformedBundle(format!(
            "a SHA2_256 digest is 32 bytes, `messageDigest.digest` is {}",
            claimed.len()
        )));
    }
    let actual = Sha256::digest(message);
    if claimed.as_slice() != actual.as_slice() {
        return Err(SignatureError::DigestMismatch {
            expected: crate::digest::sha256(message),
            found: format!("sha256:{}", hex(&claimed)),
        });
    }

    let signature = decode_bundle_bytes(
        "`messageSignature.signature`",
        signed.signature.as_deref().ok_or_else(|| {
            SignatureError::MalformedBundle("`messageSignature` has no `signature`".into())
        })?,
    )?;
    key.verify(message, &signature)
}
