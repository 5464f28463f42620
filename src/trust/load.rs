//! Loading trust sets for an audit: read each set's exact bytes, check its
//! signature over them, and only then parse it. A set whose signature does
//! not verify is not parsed at all: its entries cannot influence anything.

use std::io::Read;
use std::path::Path;

use super::{sets, signature, TrustSet};
use super::{CheckedSet, SetSpec, SignatureStatus};
use crate::error::{Error, Result};

/// Reads at most `limit` bytes of `path`; more is an error.
fn read_limited(path: &Path, limit: usize, what: &str) -> Result<Vec<u8>> {
    let fail = |message: String| Error::TrustSet { message };
    let meta =
        std::fs::metadata(path).map_err(|e| fail(format!("{what} {}: {e}", path.display())))?;
    if meta.is_dir() {
        return Err(fail(format!("{what} {}: is a directory", path.display())));
    }
    if meta.is_file() && meta.len() > limit as u64 {
        return Err(fail(format!(
            "{what} {} is {} bytes; the limit is {limit}",
            path.display(),
            meta.len()
        )));
    }
    let file =
        std::fs::File::open(path).map_err(|e| fail(format!("{what} {}: {e}", path.display())))?;
    let mut buf = Vec::new();
    file.take(limit as u64 + 1)
        .read_to_end(&mut buf)
        .map_err(|e| fail(format!("{what} {}: {e}", path.display())))?;
    if buf.len() > limit {
        return Err(fail(format!(
            "{what} {} is larger than the limit of {limit} bytes",
            path.display()
        )));
    }
    Ok(buf)
}

/// Loads one set. Unreadable or malformed files are errors (exit 2); a
/// signature that does not verify is a status that fails the audit.
pub fn load_set(source: &SetSpec) -> Result<CheckedSet> {
    let name = source.path.display().to_string();
    let bytes = read_limited(&source.path, sets::MAX_SET_SIZE, "trust set")?;
    let file_name = source
        .path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let keyless = source.certificate_identity.is_some()
        || source.certificate_identity_regexp.is_some()
        || source.certificate_oidc_issuer.is_some();
    if keyless {
        return load_keyless(source, &name, &file_name, &bytes);
    }
    let signed = match (&source.signature, &source.key) {
        (None, None) => None,
        (Some(_), None) => {
            return Err(Error::Usage(format!(
                "trust set {name}: a signature is given but no key to check it with (--key, or `key` in the policy)"
            )))
        }
        (None, Some(_)) => {
            return Err(Error::Usage(format!(
                "trust set {name}: a key is given but no signature (--signature, or `signature` in the policy)"
            )))
        }
        (Some(sig), Some(key)) => Some((
            sig.display().to_string(),
            read_limited(sig, signature::MAX_SIGNATURE_SIZE, "signature")?,
            read_limited(key, signature::MAX_KEY_SIZE, "key")?,
        )),
    };
    load_set_bytes(
        &name,
        &file_name,
        &bytes,
        signed.as_ref().map(|(path, sig, key)| Signed {
            path,
            signature: sig,
            public_key_pem: key,
        }),
    )
}

/// A set signed with a keyless Sigstore bundle: the bundle must verify
/// over the set's exact bytes against the trusted root, signed by the
/// identity and issuer the spec names; only then is the set parsed.
fn load_keyless(source: &SetSpec, name: &str, file_name: &str, bytes: &[u8]) -> Result<CheckedSet> {
    let status = keyless_status(source, name, bytes)?;
    finish(name, file_name, bytes, status)
}

/// The signature status of `bytes` (the set named `name`) under the
/// keyless spec `source`: its Sigstore bundle verified against the
/// trusted root and the identity policy the spec names. A bundle that does
/// not verify, or was signed by someone else, is `Invalid`; an unusable
/// spec, root or unreadable file is an error.
pub fn keyless_status(source: &SetSpec, name: &str, bytes: &[u8]) -> Result<SignatureStatus> {
    use crate::provenance::sigstore::{
        verify_bundle, ArtifactRef, IdentityMatch, IdentityPolicy, Signer, TrustedRoot,
    };
    let usage = |m: String| Error::Usage(format!("trust set {name}: {m}"));
    if source.key.is_some() {
        return Err(usage(
            "give a key or a certificate identity (keyless), not both".into(),
        ));
    }
    let Some(sig) = &source.signature else {
        return Err(usage(
            "a certificate identity is given but no signature (the Sigstore bundle)".into(),
        ));
    };
    let identity = match (
        &source.certificate_identity,
        &source.certificate_identity_regexp,
    ) {
        (Some(i), None) => IdentityMatch::Exact(i.clone()),
        (None, Some(r)) => IdentityMatch::Regexp(r.clone()),
        _ => {
            return Err(usage(
                "give one of certificate-identity and certificate-identity-regexp".into(),
            ))
        }
    };
    let issuer = source
        .certificate_oidc_issuer
        .clone()
        .ok_or_else(|| usage("certificate-oidc-issuer is required with an identity".into()))?;
    let policy = IdentityPolicy {
        identity,
        ..IdentityPolicy::exact("", &issuer)
    };
    policy.validate().map_err(|e| usage(e.to_string()))?;
    let root = match &source.trusted_root {
        Some(p) => {
            let text = read_limited(p, crate::provenance::MAX_DOCUMENT_SIZE, "trusted root")?;
            let text = String::from_utf8(text)
                .map_err(|_| usage(format!("trusted root {}: not UTF-8", p.display())))?;
            TrustedRoot::from_json(&text, &p.display().to_string())
                .map_err(|e| usage(e.to_string()))?
        }
        None => TrustedRoot::production().map_err(|e| usage(e.to_string()))?,
    };
    let bundle = read_limited(sig, signature::MAX_SIGNATURE_SIZE, "signature")?;
    let path = sig.display().to_string();
    let status = match verify_bundle(
        &bundle,
        ArtifactRef::Bytes(bytes),
        &Signer::Identity(policy),
        &root,
    ) {
        Ok(v) => SignatureStatus::Verified {
            path,
            verified: signature::Verified {
                format: signature::SignatureFormat::SigstoreKeyless,
                key_algorithm: "fulcio-certificate",
                key_fingerprint: v.key_fingerprint.unwrap_or_default(),
                identity: Some(v.signer),
                issuer: v.issuer,
            },
        },
        Err(e) => SignatureStatus::Invalid {
            path,
            reason: e.to_string(),
        },
    };
    Ok(status)
}

/// A detached signature over a set, and the key to check it with.
#[derive(Debug, Clone, Copy)]
pub struct Signed<'a> {
    /// What to call the signature in messages (its file name).
    pub path: &'a str,
    /// The signature file's bytes.
    pub signature: &'a [u8],
    /// The public key file's bytes (PEM).
    pub public_key_pem: &'a [u8],
}

/// Loads one set already in memory (`name` for messages, `file_name` to
/// tell `wkg.lock` and the others apart), checking `signed` over its exact
/// bytes before it is parsed. A set whose signature does not verify is
/// not parsed: its entries cannot influence anything.
pub fn load_set_bytes(
    name: &str,
    file_name: &str,
    bytes: &[u8],
    signed: Option<Signed<'_>>,
) -> Result<CheckedSet> {
    if bytes.len() > sets::MAX_SET_SIZE {
        return Err(Error::TrustSet {
            message: format!(
                "trust set {name} is {} bytes; the limit is {}",
                bytes.len(),
                sets::MAX_SET_SIZE
            ),
        });
    }
    let signature = match signed {
        None => SignatureStatus::Unsigned,
        Some(s) => match signature::verify(bytes, s.signature, s.public_key_pem) {
            Ok(verified) => SignatureStatus::Verified {
                path: s.path.to_string(),
                verified,
            },
            Err(e) => SignatureStatus::Invalid {
                path: s.path.to_string(),
                reason: e.to_string(),
            },
        },
    };
    finish(name, file_name, bytes, signature)
}

/// Parses a set whose signature status is decided: a set whose signature
/// does not verify is not parsed (its entries cannot influence anything).
fn finish(
    name: &str,
    file_name: &str,
    bytes: &[u8],
    signature: SignatureStatus,
) -> Result<CheckedSet> {
    let kind = sets::detect_kind(file_name, bytes);
    let set = match signature {
        SignatureStatus::Invalid { .. } => TrustSet {
            path: name.to_string(),
            digest: crate::digest::sha256(bytes),
            kind,
            entries: Vec::new(),
        },
        _ => sets::parse(name, bytes, kind).map_err(|e| Error::TrustSet {
            message: format!("invalid trust set: {e}"),
        })?,
    };
    Ok(CheckedSet { set, signature })
}
