//! Detached signatures over trust sets, checked offline with a public key.
//!
//! A trust set says which digests are good, so whoever can edit it decides
//! what passes the audit. The set is therefore only used after
//! [`verify`] has checked a signature over its *exact bytes* with a key the
//! user chose; anything this module cannot fully check is an error, never a
//! pass (fail closed).
//!
//! Three signature files are understood, told apart by their contents:
//!
//! - cosign's legacy `sign-blob --key` output: base64 of an ASN.1 DER
//!   ECDSA P-256 signature over SHA-256 of the file (also what
//!   `openssl dgst -sha256 -sign key.pem FILE | base64 -w0` writes);
//! - a Sigstore bundle (v0.3, or v0.2) with a `messageSignature` and a
//!   key hint, as written by `cosign sign-blob --key --new-bundle-format`;
//! - base64 of a raw 64-byte Ed25519 signature
//!   (`openssl pkeyutl -sign -rawin -inkey ed.pem -in FILE | base64 -w0`).
//!
//! The key is a PEM `PUBLIC KEY` (SubjectPublicKeyInfo) file; its
//! algorithm, read from the SPKI, decides how a base64 signature is read.
//!
//! Everything here reads untrusted bytes: sizes are capped before parsing,
//! DER is strict (no trailing bytes), and no input can cause a panic.

mod bundle;
mod key;

use base64::engine::general_purpose::STANDARD;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine as _;

use bundle::verify_bundle;
use key::{KeyKind, PublicKey};

/// Largest signature file accepted. Real ones are under 100 bytes (base64)
/// or a few kilobytes (a bundle with log entries); the cap lets a hostile
/// multi-megabyte file be refused before it is read into a parser.
pub const MAX_SIGNATURE_SIZE: usize = 1 << 20;

/// Largest public key file accepted. A PEM P-256 or Ed25519 key is under
/// 200 bytes; even a large RSA key (refused anyway) stays under a few KB.
pub const MAX_KEY_SIZE: usize = 64 << 10;

/// Which kind of signature was checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SignatureFormat {
    /// Base64 of a DER ECDSA P-256 signature, as cosign `sign-blob --key`
    /// and `openssl dgst -sha256 -sign` (piped to base64) write it.
    #[serde(rename = "base64-der")]
    Cosign,
    /// A Sigstore bundle with a `messageSignature` (key-based, offline).
    SigstoreBundle,
    /// Base64 of a raw 64-byte Ed25519 signature.
    Ed25519,
}

/// A signature that verified.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Verified {
    /// The kind of signature file that was checked.
    pub format: SignatureFormat,
    /// `"ecdsa-p256-sha256"` or `"ed25519"`.
    pub key_algorithm: &'static str,
    /// `sha256:<hex>` of the key's SubjectPublicKeyInfo DER, so that reports
    /// can say which key vouched for a set (the same value as
    /// `openssl pkey -pubin -in KEY -outform DER | sha256sum`).
    pub key_fingerprint: String,
}

/// Why a signature was not accepted.
///
/// Every variant is a refusal: callers must not use the signed bytes.
#[derive(Debug, thiserror::Error)]
pub enum SignatureError {
    /// The key file is not a well-formed PEM SubjectPublicKeyInfo.
    #[error("malformed public key: {0}")]
    MalformedKey(String),

    /// The key file holds a private key. Refused rather than converted so
    /// that private keys are not passed around where public ones belong.
    #[error(
        "the key file holds a private key (PEM `{label}`): this is a private key; give the \
         public key (cosign.pub, or `openssl pkey -in KEY -pubout`)"
    )]
    PrivateKey {
        /// The PEM label found (`PRIVATE KEY`, `EC PRIVATE KEY`, ...),
        /// escaped and cut to 80 characters.
        label: String,
    },

    /// The key is well formed but of an algorithm that is not supported.
    #[error("unsupported public key: {0}; use an ECDSA P-256 (cosign) or Ed25519 public key")]
    UnsupportedKey(String),

    /// The signature file cannot be read as a signature for this key.
    #[error("malformed signature: {0}")]
    MalformedSignature(String),

    /// A JSON signature file that is not a well-formed Sigstore bundle.
    #[error("malformed Sigstore bundle: {0}")]
    MalformedBundle(String),

    /// A well-formed Sigstore bundle of a kind that cannot be checked here.
    #[error("unsupported Sigstore bundle: {0}")]
    UnsupportedBundle(String),

    /// The digest a Sigstore bundle names is not the digest of the file:
    /// the bundle is for other bytes. `expected` is the file's digest,
    /// `found` the bundle's, both `sha256:<hex>`.
    #[error(
        "the Sigstore bundle is for other bytes: its message digest is {found}, but the \
         signed file's digest is {expected}"
    )]
    DigestMismatch {
        /// `sha256:<hex>` of the signed file.
        expected: String,
        /// `sha256:<hex>` the bundle names.
        found: String,
    },

    /// The signature is well formed but does not verify with this key.
    #[error(
        "signature does not verify with this key (the file was changed after signing, or was \
         signed with another key)"
    )]
    Invalid,

    /// An input is larger than its limit; it was not parsed.
    #[error("{what} is too large (over {limit} bytes); refused without parsing")]
    TooLarge {
        /// Which input: `public key file` or `signature file`.
        what: &'static str,
        /// Its limit, in bytes.
        limit: usize,
    },
}

/// Verifies `signature` (the bytes of a signature file) over `message` (the
/// exact bytes of the signed file) with `public_key_pem` (the bytes of a PEM
/// public key file). Detects the format from the contents: a JSON object is
/// a Sigstore bundle, base64 text is a cosign (P-256 key) or Ed25519
/// (Ed25519 key) signature.
///
/// Sigstore bundles are checked offline against the given key only: no
/// transparency-log (Rekor) or timestamp check is made, and the bundle's
/// key hint is not trusted for anything.
pub fn verify(
    message: &[u8],
    signature: &[u8],
    public_key_pem: &[u8],
) -> Result<Verified, SignatureError> {
    // Both limits before any parsing, so that a huge file costs nothing.
    if public_key_pem.len() > MAX_KEY_SIZE {
        return Err(SignatureError::TooLarge {
            what: "public key file",
            limit: MAX_KEY_SIZE,
        });
    }
    if signature.len() > MAX_SIGNATURE_SIZE {
        return Err(SignatureError::TooLarge {
            what: "signature file",
            limit: MAX_SIGNATURE_SIZE,
        });
    }

    let key = PublicKey::from_pem(public_key_pem)?;
    let format = match sniff(signature) {
        Sniffed::Empty => {
            return Err(SignatureError::MalformedSignature(
                "the signature file is empty".into(),
            ))
        }
        Sniffed::Binary => {
            return Err(SignatureError::MalformedSignature(
                "the signature file is binary, not base64 text (base64-encode a raw signature \
                 with `base64 -w0`)"
                    .into(),
            ))
        }
        Sniffed::Json => {
            verify_bundle(message, signature, &key)?;
            SignatureFormat::SigstoreBundle
        }
        Sniffed::Base64Text => {
            let raw = decode_base64_file(signature)?;
            key.verify(message, &raw)?;
            match key.kind {
                KeyKind::P256(_) => SignatureFormat::Cosign,
                KeyKind::Ed25519(_) => SignatureFormat::Ed25519,
            }
        }
    };
    Ok(Verified {
        format,
        key_algorithm: key.algorithm(),
        key_fingerprint: key.fingerprint,
    })
}

// ---------------------------------------------------------------------------
// Signature files: detection and base64.

/// What a signature file looks like, before any real parsing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sniffed {
    /// Nothing but whitespace.
    Empty,
    /// Starts (after whitespace) with `{` or `[`: a Sigstore bundle.
    Json,
    /// Printable ASCII: expected to be base64.
    Base64Text,
    /// Holds bytes that cannot be in base64 text (a raw DER signature
    /// given as is, most likely).
    Binary,
}

/// Tells a bundle from base64 text. A base64 signature can never start
/// with `{` (or `[`, taken as JSON too so that a JSON array is reported
/// as a bad bundle rather than bad base64), so the first non-blank byte is
/// enough to choose.
fn sniff(file: &[u8]) -> Sniffed {
    match file.iter().find(|b| !b.is_ascii_whitespace()) {
        None => Sniffed::Empty,
        Some(b'{' | b'[') => Sniffed::Json,
        Some(_)
            if file
                .iter()
                .all(|&b| b.is_ascii_graphic() || b.is_ascii_whitespace()) =>
        {
            Sniffed::Base64Text
        }
        Some(_) => Sniffed::Binary,
    }
}

/// Decodes a base64 signature file. Tools differ in whether they end it
/// with a newline, and `base64` without `-w0` wraps lines, so all ASCII
/// whitespace is ignored; everything else must be canonical standard
/// base64 with padding (one signature, one encoding).
fn decode_base64_file(file: &[u8]) -> Result<Vec<u8>, SignatureError> {
    let compact: Vec<u8> = file
        .iter()
        .copied()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    if compact.is_empty() {
        return Err(SignatureError::MalformedSignature(
            "the signature file is empty".into(),
        ));
    }
    STANDARD
        .decode(&compact)
        .map_err(|e| SignatureError::MalformedSignature(format!("not valid base64: {e}")))
}

/// Decodes a bytes field of a bundle. Bundles are protobuf JSON, whose
/// rules let `bytes` fields be standard or URL-safe base64, padded or
/// not; accepting all four costs nothing, since the decoded bytes are then
/// checked strictly (digest compared, signature parsed as DER).
fn decode_bundle_bytes(field: &str, text: &str) -> Result<Vec<u8>, SignatureError> {
    const LENIENT: GeneralPurposeConfig =
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent);
    let standard = GeneralPurpose::new(&base64::alphabet::STANDARD, LENIENT);
    let url_safe = GeneralPurpose::new(&base64::alphabet::URL_SAFE, LENIENT);
    standard
        .decode(text)
        .or_else(|_| url_safe.decode(text))
        .map_err(|e| SignatureError::MalformedBundle(format!("{field} is not valid base64: {e}")))
}

// Shared by the key and bundle readers.

/// Quotes text taken from an input for a message: control characters
/// escaped (a hostile file must not write terminal escapes) and long text
/// cut, so that the message stays one short line.
pub(super) fn quote(text: &str) -> String {
    const MAX_CHARS: usize = 80;
    let mut out: String = text
        .chars()
        .take(MAX_CHARS)
        .flat_map(char::escape_debug)
        .collect();
    if text.chars().nth(MAX_CHARS).is_some() {
        out.push_str("...");
    }
    out
}

pub(super) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::new(), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}

#[cfg(test)]
mod tests {
    use super::bundle::BUNDLE_MEDIA_TYPES;
    use super::key::pem_public_key_der;
    use super::*;
    use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
    use p256::pkcs8::EncodePublicKey as _;
    use sha2::{Digest as _, Sha256};

    const MESSAGE: &[u8] = b"{\"entries\":[]}\n";

    fn p256_pair(seed: u8) -> (p256::ecdsa::SigningKey, String) {
        let signing = p256::ecdsa::SigningKey::from_bytes(&[seed; 32].into()).unwrap();
        let pem = signing
            .verifying_key()
            .to_public_key_pem(p256::pkcs8::LineEnding::LF)
            .unwrap();
        (signing, pem)
    }

    fn ed25519_pair(seed: u8) -> (ed25519_dalek::SigningKey, String) {
        let signing = ed25519_dalek::SigningKey::from_bytes(&[seed; 32]);
        let pem = signing
            .verifying_key()
            .to_public_key_pem(p256::pkcs8::LineEnding::LF)
            .unwrap();
        (signing, pem)
    }

    fn cosign_signature(signing: &p256::ecdsa::SigningKey, message: &[u8]) -> String {
        use p256::ecdsa::signature::Signer as _;
        let signature: p256::ecdsa::Signature = signing.sign(message);
        STANDARD.encode(signature.to_der().as_bytes())
    }

    fn ed25519_signature(signing: &ed25519_dalek::SigningKey, message: &[u8]) -> String {
        use ed25519_dalek::Signer as _;
        STANDARD.encode(signing.sign(message).to_bytes())
    }

    #[test]
    fn sniff_tells_formats_apart() {
        assert_eq!(sniff(b""), Sniffed::Empty);
        assert_eq!(sniff(b" \n\t\r\n"), Sniffed::Empty);
        assert_eq!(sniff(b"{}"), Sniffed::Json);
        assert_eq!(sniff(b"[1]"), Sniffed::Json);
        assert_eq!(sniff(b"\n  {\"mediaType\":1}"), Sniffed::Json);
        assert_eq!(sniff(b"MEUCIQ==\n"), Sniffed::Base64Text);
        assert_eq!(sniff(b"  MEUC\r\nIQ==  "), Sniffed::Base64Text);
        assert_eq!(sniff(b"\x30\x45\x02\x21\x00"), Sniffed::Binary);
        assert_eq!(sniff("MEUC\u{e9}".as_bytes()), Sniffed::Binary);
    }

    #[test]
    fn base64_ignores_whitespace_only() {
        let want = b"\x30\x06\x02\x01\x01\x02\x01\x01".to_vec();
        let text = STANDARD.encode(&want);
        for file in [
            text.clone(),
            format!("{text}\n"),
            format!("{text}\r\n"),
            format!("  {text} \n\n"),
            format!("{}\n{}\n", &text[..4], &text[4..]),
        ] {
            assert_eq!(
                decode_base64_file(file.as_bytes()).unwrap(),
                want,
                "{file:?}"
            );
        }
    }

    #[test]
    fn base64_is_strict_otherwise() {
        // Missing padding, a URL-safe character, a stray symbol,
        // non-canonical trailing bits: all refused.
        for bad in [
            "MAYCAQECAQE",
            "MAYCAQE_AQE=",
            "MAYCAQEC!QE=",
            "MAYCAQECAQF=",
        ] {
            assert!(
                matches!(
                    decode_base64_file(bad.as_bytes()),
                    Err(SignatureError::MalformedSignature(_))
                ),
                "{bad}"
            );
        }
        assert!(matches!(
            decode_base64_file(b" \n "),
            Err(SignatureError::MalformedSignature(_))
        ));
    }

    #[test]
    fn bundle_bytes_accept_protobuf_json_forms() {
        let want = vec![0xfb, 0xff, 0xfe, 0x01];
        for text in [
            STANDARD.encode(&want),
            STANDARD_NO_PAD.encode(&want),
            URL_SAFE.encode(&want),
            URL_SAFE_NO_PAD.encode(&want),
        ] {
            assert_eq!(decode_bundle_bytes("f", &text).unwrap(), want, "{text}");
        }
        assert!(decode_bundle_bytes("f", "a b").is_err());
    }

    #[test]
    fn cosign_and_ed25519_round_trip() {
        let (signing, pem) = p256_pair(7);
        let sig = cosign_signature(&signing, MESSAGE);
        let ok = verify(MESSAGE, sig.as_bytes(), pem.as_bytes()).unwrap();
        assert_eq!(ok.format, SignatureFormat::Cosign);
        assert_eq!(ok.key_algorithm, "ecdsa-p256-sha256");
        assert!(ok.key_fingerprint.starts_with("sha256:"));
        assert!(matches!(
            verify(b"other", sig.as_bytes(), pem.as_bytes()),
            Err(SignatureError::Invalid)
        ));

        let (signing, pem) = ed25519_pair(9);
        let sig = ed25519_signature(&signing, MESSAGE);
        let ok = verify(MESSAGE, format!("{sig}\n").as_bytes(), pem.as_bytes()).unwrap();
        assert_eq!(ok.format, SignatureFormat::Ed25519);
        assert_eq!(ok.key_algorithm, "ed25519");
        assert!(matches!(
            verify(b"other", sig.as_bytes(), pem.as_bytes()),
            Err(SignatureError::Invalid)
        ));
    }

    #[test]
    fn signature_for_the_other_key_type_is_malformed() {
        let (ed_signing, ed_pem) = ed25519_pair(1);
        let (p_signing, p_pem) = p256_pair(2);
        let ed_sig = ed25519_signature(&ed_signing, MESSAGE);
        let p_sig = cosign_signature(&p_signing, MESSAGE);
        let err = verify(MESSAGE, ed_sig.as_bytes(), p_pem.as_bytes()).unwrap_err();
        assert!(err.to_string().contains("Ed25519"), "{err}");
        let err = verify(MESSAGE, p_sig.as_bytes(), ed_pem.as_bytes()).unwrap_err();
        assert!(err.to_string().contains("DER ECDSA"), "{err}");
    }

    #[test]
    fn binary_signature_gets_a_hint() {
        let (signing, pem) = p256_pair(3);
        let raw = STANDARD
            .decode(cosign_signature(&signing, MESSAGE))
            .unwrap();
        let err = verify(MESSAGE, &raw, pem.as_bytes()).unwrap_err();
        assert!(err.to_string().contains("base64"), "{err}");
    }

    fn bundle(media_type: &str, digest: &[u8], signature: &str) -> String {
        serde_json::json!({
            "mediaType": media_type,
            "verificationMaterial": {"publicKey": {"hint": "k"}, "tlogEntries": []},
            "messageSignature": {
                "messageDigest": {"algorithm": "SHA2_256", "digest": STANDARD.encode(digest)},
                "signature": signature,
            },
        })
        .to_string()
    }

    #[test]
    fn bundles_are_detected_and_checked() {
        let (signing, pem) = p256_pair(4);
        let sig = cosign_signature(&signing, MESSAGE);
        let digest = Sha256::digest(MESSAGE);
        for media_type in BUNDLE_MEDIA_TYPES {
            let file = bundle(media_type, &digest, &sig);
            let ok = verify(MESSAGE, file.as_bytes(), pem.as_bytes()).unwrap();
            assert_eq!(ok.format, SignatureFormat::SigstoreBundle);
        }
        let v3 = BUNDLE_MEDIA_TYPES[0];

        let file = bundle(v3, &Sha256::digest(b"other"), &sig);
        assert!(matches!(
            verify(MESSAGE, file.as_bytes(), pem.as_bytes()),
            Err(SignatureError::DigestMismatch { .. })
        ));
        let file = bundle(
            "application/vnd.dev.sigstore.bundle+json;version=0.1",
            &digest,
            &sig,
        );
        assert!(matches!(
            verify(MESSAGE, file.as_bytes(), pem.as_bytes()),
            Err(SignatureError::UnsupportedBundle(_))
        ));
        let file = bundle(v3, &digest[..31], &sig);
        assert!(matches!(
            verify(MESSAGE, file.as_bytes(), pem.as_bytes()),
            Err(SignatureError::MalformedBundle(_))
        ));
        // A repeated field would let two readers see two bundles.
        let file = format!(
            "{{\"mediaType\":\"{v3}\",\"mediaType\":\"{v3}\",{}",
            &bundle(v3, &digest, &sig)[1..]
        );
        assert!(matches!(
            verify(MESSAGE, file.as_bytes(), pem.as_bytes()),
            Err(SignatureError::MalformedBundle(_))
        ));
        for (file, want) in [
            ("{\"base64Signature\":\"MEU=\"}", "older"),
            ("{", "JSON"),
            ("[]", "JSON"),
            (
                "{\"mediaType\":\"application/vnd.dev.sigstore.bundle.v0.3+json\",\
                 \"dsseEnvelope\":{}}",
                "DSSE",
            ),
        ] {
            let err = verify(MESSAGE, file.as_bytes(), pem.as_bytes()).unwrap_err();
            assert!(err.to_string().contains(want), "{file}: {err}");
        }
    }

    #[test]
    fn pem_labels_are_named() {
        let cases: &[(&str, &str)] = &[
            (
                "-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n",
                "private key",
            ),
            (
                "-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\nAAAA\n\
                 -----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n",
                "private key",
            ),
            (
                "-----BEGIN RSA PUBLIC KEY-----\nAAAA\n-----END RSA PUBLIC KEY-----\n",
                "RSA",
            ),
            (
                "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
                "certificate",
            ),
            ("ssh-ed25519 AAAAC3Nza user@host\n", "OpenSSH"),
            ("", "no PEM block"),
            ("-----BEGIN PUBLIC KEY-----\nAAAA\n", "END"),
            (
                "-----BEGIN PUBLIC KEY-----\n-----END PUBLIC KEY-----\n",
                "empty",
            ),
            (
                "-----BEGIN PUBLIC KEY-----\nProc-Type: 4\nAAAA\n-----END PUBLIC KEY-----\n",
                "headers",
            ),
            ("\x30\x59\x30\x13\x06\x07", "DER"),
        ];
        for (pem, want) in cases {
            let err = PublicKey::from_pem(pem.as_bytes()).err().unwrap();
            assert!(err.to_string().contains(want), "{pem:?}: {err}");
        }
        let err = PublicKey::from_pem(b"\xff\xfe").err().unwrap();
        assert!(matches!(err, SignatureError::MalformedKey(_)));
    }

    #[test]
    fn trailing_der_is_refused() {
        let (_, pem) = p256_pair(5);
        let der = pem_public_key_der(pem.as_bytes()).unwrap();
        let mut longer = der.clone();
        longer.push(0);
        let pem = format!(
            "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
            STANDARD.encode(&longer)
        );
        assert!(matches!(
            PublicKey::from_pem(pem.as_bytes()),
            Err(SignatureError::MalformedKey(_))
        ));
        // And the same for a DER signature with a byte after it.
        let (signing, pem) = p256_pair(6);
        let mut raw = STANDARD
            .decode(cosign_signature(&signing, MESSAGE))
            .unwrap();
        raw.push(0);
        assert!(matches!(
            verify(MESSAGE, STANDARD.encode(&raw).as_bytes(), pem.as_bytes()),
            Err(SignatureError::MalformedSignature(_))
        ));
    }

    #[test]
    fn fingerprint_is_of_the_spki_der() {
        let (_, pem) = ed25519_pair(8);
        let key = PublicKey::from_pem(pem.as_bytes()).unwrap();
        let der = pem_public_key_der(pem.as_bytes()).unwrap();
        assert_eq!(key.fingerprint, crate::digest::sha256(&der));
        assert_eq!(der.len(), 44);
    }

    #[test]
    fn sizes_are_checked_first() {
        let big = vec![b'A'; MAX_SIGNATURE_SIZE + 1];
        assert!(matches!(
            verify(MESSAGE, &big, b"not even a key"),
            Err(SignatureError::TooLarge {
                what: "signature file",
                ..
            })
        ));
        let big = vec![b'A'; MAX_KEY_SIZE + 1];
        assert!(matches!(
            verify(MESSAGE, b"", &big),
            Err(SignatureError::TooLarge {
                what: "public key file",
                ..
            })
        ));
    }

    #[test]
    fn mutated_inputs_never_panic_nor_pass() {
        let (p_signing, p_pem) = p256_pair(11);
        let (e_signing, e_pem) = ed25519_pair(12);
        let p_sig = cosign_signature(&p_signing, MESSAGE);
        let e_sig = ed25519_signature(&e_signing, MESSAGE);
        let file = bundle(BUNDLE_MEDIA_TYPES[0], &Sha256::digest(MESSAGE), &p_sig);
        for pem in [&p_pem, &e_pem] {
            let der = pem_public_key_der(pem.as_bytes()).unwrap();
            for end in 0..der.len() {
                let pem = format!(
                    "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
                    STANDARD.encode(&der[..end])
                );
                assert!(PublicKey::from_pem(pem.as_bytes()).is_err(), "cut at {end}");
            }
            for at in 0..der.len() {
                let mut bad = der.clone();
                bad[at] ^= 0x80;
                let pem = format!(
                    "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
                    STANDARD.encode(&bad)
                );
                // Another valid key may result; it must not verify.
                let _ = verify(MESSAGE, p_sig.as_bytes(), pem.as_bytes()).map(|_| panic!("{at}"));
                let _ = verify(MESSAGE, e_sig.as_bytes(), pem.as_bytes()).map(|_| panic!("{at}"));
            }
        }
        for end in 0..file.len() {
            assert!(verify(MESSAGE, &file.as_bytes()[..end], p_pem.as_bytes()).is_err());
        }
        let raw = STANDARD.decode(&p_sig).unwrap();
        for at in 0..raw.len() {
            let mut bad = raw.clone();
            bad[at] ^= 0x01;
            let text = STANDARD.encode(&bad);
            assert!(
                verify(MESSAGE, text.as_bytes(), p_pem.as_bytes()).is_err(),
                "{at}"
            );
        }
    }

    #[test]
    fn quoted_input_is_escaped_and_cut() {
        assert_eq!(quote("PUBLIC KEY"), "PUBLIC KEY");
        assert_eq!(quote("a\x1b[2Jb\n"), "a\\u{1b}[2Jb\\n");
        let long = "x".repeat(1000);
        assert_eq!(quote(&long).len(), 83);
        let pem = format!("-----BEGIN \x1b]0;{long}-----\n-----END X-----\n");
        let err = PublicKey::from_pem(pem.as_bytes())
            .err()
            .unwrap()
            .to_string();
        assert!(!err.contains('\x1b') && err.len() < 200, "{err}");
    }

    #[test]
    fn weak_ed25519_key_is_refused() {
        // The identity point (y = 1) has small order.
        let mut point = [0u8; 32];
        point[0] = 1;
        let mut der = vec![
            0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
        ];
        der.extend_from_slice(&point);
        let pem = format!(
            "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
            STANDARD.encode(&der)
        );
        let err = PublicKey::from_pem(pem.as_bytes()).err().unwrap();
        assert!(err.to_string().contains("weak"), "{err}");
    }
}
