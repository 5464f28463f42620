//! Public keys: a PEM `PUBLIC KEY` (SubjectPublicKeyInfo) file, read
//! strictly, holding an ECDSA P-256 or an Ed25519 key (one file: both are
//! a few lines of dispatch on the SPKI algorithm), and the verification of
//! a raw signature with it.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use p256::ecdsa::signature::Verifier as _;
use p256::pkcs8::der::asn1::ObjectIdentifier;
use p256::pkcs8::der::Decode as _;
use p256::pkcs8::spki::SubjectPublicKeyInfoRef;

use super::{quote, SignatureError};

/// A parsed, supported public key.
pub(super) struct PublicKey {
    pub(super) kind: KeyKind,
    /// `sha256:<hex>` of the SPKI DER.
    pub(super) fingerprint: String,
}

pub(super) enum KeyKind {
    P256(p256::ecdsa::VerifyingKey),
    Ed25519(ed25519_dalek::VerifyingKey),
}

// Algorithm and curve identifiers (RFC 5480, RFC 8410, RFC 8017). The
// unsupported ones are listed only to name them in messages.
const ID_EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const SECP256R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
const ID_ED25519: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.112");

const OTHER_ALGORITHMS: &[(&str, &str)] = &[
    ("1.2.840.113549.1.1.1", "RSA (rsaEncryption)"),
    ("1.2.840.113549.1.1.10", "RSA-PSS"),
    ("1.2.840.10040.4.1", "DSA"),
    ("1.2.840.10046.2.1", "Diffie-Hellman"),
    (
        "1.3.101.110",
        "X25519 (a key-agreement key, not a signing key)",
    ),
    (
        "1.3.101.111",
        "X448 (a key-agreement key, not a signing key)",
    ),
    ("1.3.101.113", "Ed448"),
];

const OTHER_CURVES: &[(&str, &str)] = &[
    ("1.3.132.0.34", "ECDSA P-384 (secp384r1)"),
    ("1.3.132.0.35", "ECDSA P-521 (secp521r1)"),
    ("1.3.132.0.10", "ECDSA secp256k1"),
    ("1.2.840.10045.3.1.1", "ECDSA P-192 (prime192v1)"),
    ("1.3.132.0.33", "ECDSA P-224 (secp224r1)"),
    ("1.3.36.3.3.2.8.1.1.7", "ECDSA brainpoolP256r1"),
    ("1.2.156.10197.1.301", "SM2"),
];

/// A readable name for an OID from `table`, or `unknown` and the OID.
fn name_oid(table: &[(&str, &str)], oid: &ObjectIdentifier, unknown: &str) -> String {
    let dotted = oid.to_string();
    match table.iter().find(|(known, _)| *known == dotted) {
        Some((_, name)) => format!("{name}, OID {dotted}"),
        None => format!("{unknown} {dotted}"),
    }
}

impl PublicKey {
    /// Reads a PEM `PUBLIC KEY` file and decides, from the SPKI algorithm,
    /// which verifier it feeds.
    pub(super) fn from_pem(pem: &[u8]) -> Result<Self, SignatureError> {
        let der = pem_public_key_der(pem)?;
        let spki = SubjectPublicKeyInfoRef::from_der(&der).map_err(|e| {
            SignatureError::MalformedKey(format!("not a DER SubjectPublicKeyInfo: {e}"))
        })?;
        let algorithm = &spki.algorithm;
        let bits = spki.subject_public_key.as_bytes().ok_or_else(|| {
            SignatureError::MalformedKey("the public key BIT STRING has unused bits".into())
        })?;

        let kind = if algorithm.oid == ID_EC_PUBLIC_KEY {
            let curve = algorithm
                .parameters
                .ok_or_else(|| {
                    SignatureError::MalformedKey("an EC key without its curve parameter".into())
                })?
                .decode_as::<ObjectIdentifier>()
                .map_err(|_| {
                    SignatureError::UnsupportedKey(
                        "an EC key with explicit curve parameters instead of a named curve".into(),
                    )
                })?;
            if curve != SECP256R1 {
                return Err(SignatureError::UnsupportedKey(name_oid(
                    OTHER_CURVES,
                    &curve,
                    "an EC key on an unknown curve, OID",
                )));
            }
            let key = p256::ecdsa::VerifyingKey::from_sec1_bytes(bits).map_err(|_| {
                SignatureError::MalformedKey("not a valid P-256 public point".into())
            })?;
            KeyKind::P256(key)
        } else if algorithm.oid == ID_ED25519 {
            // RFC 8410: the parameters must be absent.
            if algorithm.parameters.is_some() {
                return Err(SignatureError::MalformedKey(
                    "an Ed25519 key with algorithm parameters (RFC 8410 forbids them)".into(),
                ));
            }
            let bytes: &[u8; 32] = bits.try_into().map_err(|_| {
                SignatureError::MalformedKey(format!(
                    "an Ed25519 public key is 32 bytes, this one is {}",
                    bits.len()
                ))
            })?;
            let key = ed25519_dalek::VerifyingKey::from_bytes(bytes).map_err(|_| {
                SignatureError::MalformedKey("not a valid Ed25519 public point".into())
            })?;
            // A small-order key "verifies" signatures nobody made.
            if key.is_weak() {
                return Err(SignatureError::MalformedKey(
                    "a small-order (weak) Ed25519 key, which cannot bind a signature to a signer"
                        .into(),
                ));
            }
            KeyKind::Ed25519(key)
        } else {
            return Err(SignatureError::UnsupportedKey(name_oid(
                OTHER_ALGORITHMS,
                &algorithm.oid,
                "unknown algorithm, OID",
            )));
        };

        Ok(PublicKey {
            kind,
            fingerprint: crate::digest::sha256(&der),
        })
    }

    pub(super) fn algorithm(&self) -> &'static str {
        match self.kind {
            KeyKind::P256(_) => "ecdsa-p256-sha256",
            KeyKind::Ed25519(_) => "ed25519",
        }
    }

    /// Checks a decoded signature over `message`: DER ECDSA with SHA-256
    /// for a P-256 key, a raw 64-byte signature for an Ed25519 key.
    pub(super) fn verify(&self, message: &[u8], signature: &[u8]) -> Result<(), SignatureError> {
        match &self.kind {
            KeyKind::P256(key) => {
                let signature = p256::ecdsa::Signature::from_der(signature).map_err(|_| {
                    SignatureError::MalformedSignature(
                        if signature.len() == 64 && signature.first() != Some(&0x30) {
                            "64 bytes that are not ASN.1 DER: this looks like an Ed25519 (or a raw \
                             r||s) signature, but the key is ECDSA P-256, which needs a DER \
                             signature"
                                .into()
                        } else {
                            format!(
                                "not an ASN.1 DER ECDSA P-256 signature ({} bytes)",
                                signature.len()
                            )
                        },
                    )
                })?;
                // High-S signatures are accepted: OpenSSL and Go produce
                // them, and malleability does not matter for a detached
                // signature that is only checked, never used as an id.
                key.verify(message, &signature)
                    .map_err(|_| SignatureError::Invalid)
            }
            KeyKind::Ed25519(key) => {
                let bytes: &[u8; 64] = signature.try_into().map_err(|_| {
                    SignatureError::MalformedSignature(
                        if signature.first() == Some(&0x30) && signature.len() <= 72 {
                            format!(
                                "{} bytes that look like an ASN.1 DER ECDSA signature, but the \
                                 key is Ed25519 (64-byte signatures)",
                                signature.len()
                            )
                        } else {
                            format!(
                                "an Ed25519 signature is 64 bytes, this one is {}",
                                signature.len()
                            )
                        },
                    )
                })?;
                let signature = ed25519_dalek::Signature::from_bytes(bytes);
                // Strict: no non-canonical encodings, no small-order parts.
                key.verify_strict(message, &signature)
                    .map_err(|_| SignatureError::Invalid)
            }
        }
    }
}

/// Extracts the DER of the single `PUBLIC KEY` block of a PEM file.
///
/// Written here rather than taken from a PEM library so that every other
/// kind of file gets a message that says what it is and what to give
/// instead; private keys above all must be named as such.
pub(super) fn pem_public_key_der(pem: &[u8]) -> Result<Vec<u8>, SignatureError> {
    // A DER key (a SEQUENCE) given as is: say how to make it PEM.
    let der_hint = || {
        SignatureError::MalformedKey(
            "binary, not PEM: this looks like a DER key; convert it with \
             `openssl pkey -pubin -inform DER -in KEY -out key.pub`"
                .into(),
        )
    };
    let text = std::str::from_utf8(pem).map_err(|_| {
        if pem.first() == Some(&0x30) {
            der_hint()
        } else {
            SignatureError::MalformedKey("not PEM text (not UTF-8)".into())
        }
    })?;

    // Every `-----BEGIN <label>-----` line, in order.
    let labels: Vec<&str> = text
        .lines()
        .filter_map(|line| {
            line.trim()
                .strip_prefix("-----BEGIN ")
                .and_then(|rest| rest.strip_suffix("-----"))
        })
        .collect();
    // Private keys first: whatever else the file holds, a private key in it
    // is the thing to report.
    if let Some(label) = labels.iter().find(|l| l.contains("PRIVATE KEY")) {
        return Err(SignatureError::PrivateKey {
            label: quote(label),
        });
    }
    let label = match labels.as_slice() {
        [] if pem.first() == Some(&0x30) => return Err(der_hint()),
        [] => {
            let trimmed = text.trim_start();
            return Err(SignatureError::MalformedKey(
                if trimmed.starts_with("ssh-") || trimmed.starts_with("ecdsa-sha2-") {
                    "an OpenSSH public key; convert it with `ssh-keygen -e -m PKCS8 -f KEY`".into()
                } else {
                    "no PEM block (`-----BEGIN PUBLIC KEY-----`) found".into()
                },
            ));
        }
        [one] => *one,
        more => {
            return Err(SignatureError::MalformedKey(format!(
                "{} PEM blocks in one key file; give a file with exactly one public key",
                more.len()
            )))
        }
    };
    match label {
        "PUBLIC KEY" => {}
        "RSA PUBLIC KEY" => {
            return Err(SignatureError::UnsupportedKey(
                "RSA (PKCS#1 `RSA PUBLIC KEY`)".into(),
            ))
        }
        "CERTIFICATE" => {
            return Err(SignatureError::MalformedKey(
                "this is a certificate; give its public key \
                 (`openssl x509 -in CERT -pubkey -noout`)"
                    .into(),
            ))
        }
        other => {
            return Err(SignatureError::MalformedKey(format!(
                "the PEM block is `{}`, not `PUBLIC KEY`",
                quote(other)
            )))
        }
    }

    // The body: the lines between the BEGIN and END lines.
    let mut lines = text.lines().map(str::trim);
    lines
        .by_ref()
        .find(|line| *line == "-----BEGIN PUBLIC KEY-----")
        .ok_or_else(|| SignatureError::MalformedKey("no BEGIN line".into()))?;
    let mut body = String::new();
    let mut ended = false;
    for line in lines {
        if line == "-----END PUBLIC KEY-----" {
            ended = true;
            break;
        }
        if line.starts_with("-----") {
            return Err(SignatureError::MalformedKey(format!(
                "unexpected `{}` inside the PUBLIC KEY block",
                quote(line)
            )));
        }
        if line.contains(':') {
            return Err(SignatureError::MalformedKey(
                "PEM headers (`Name: value`) are not allowed in a public key".into(),
            ));
        }
        body.push_str(line);
    }
    if !ended {
        return Err(SignatureError::MalformedKey(
            "no `-----END PUBLIC KEY-----` line".into(),
        ));
    }
    let compact: String = body.split_ascii_whitespace().collect();
    if compact.is_empty() {
        return Err(SignatureError::MalformedKey(
            "the PUBLIC KEY block is empty".into(),
        ));
    }
    STANDARD
        .decode(compact)
        .map_err(|e| SignatureError::MalformedKey(format!("the PEM body is not base64: {e}")))
}
