//! Trust-set signatures made by real tools, checked by
//! `wasm_audit::trust::signature::verify`.
//!
//! Keys and signatures are made at test time with the `openssl` CLI, the
//! same way a user would (`openssl dgst -sha256 -sign` writes cosign's
//! legacy `sign-blob --key` format, `openssl pkeyutl -sign -rawin` raw
//! Ed25519), so the verifier is held to other software's output rather than
//! to its own idea of the formats. Fingerprints and digests are computed
//! with `openssl` too. Without `openssl` the tests print SKIPPED and pass,
//! except under `CI`, where they fail.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use wasm_audit::trust::signature::{
    verify, SignatureError, SignatureFormat, MAX_KEY_SIZE, MAX_SIGNATURE_SIZE,
};

const V03: &str = "application/vnd.dev.sigstore.bundle.v0.3+json";
const V02: &str = "application/vnd.dev.sigstore.bundle+json;version=0.2";

/// A trust set, as the bytes that get signed.
const MESSAGE: &[u8] = b"{\n  \"entries\": [\n    {\"name\": \"app\", \"digest\": \
\"sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\"}\n  ]\n}\n";

/// A scratch directory in which `openssl` makes keys and signatures.
struct Kit {
    dir: tempfile::TempDir,
}

impl Kit {
    /// `None` (after printing SKIPPED) when `openssl` cannot be run; a
    /// panic instead under `CI`, so that CI cannot pass without the tests.
    fn new() -> Option<Kit> {
        let works = Command::new("openssl")
            .arg("version")
            .output()
            .is_ok_and(|out| out.status.success());
        if !works {
            if std::env::var_os("CI").is_some() {
                panic!("`openssl` is required in CI to make test keys and signatures");
            }
            eprintln!("SKIPPED: `openssl` not found; signature tests skipped");
            return None;
        }
        let kit = Kit {
            dir: tempfile::tempdir().expect("temporary directory"),
        };
        kit.write("msg", MESSAGE);
        Some(kit)
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn write(&self, name: &str, bytes: &[u8]) {
        std::fs::write(self.path(name), bytes).expect("write a test file");
    }

    fn read(&self, name: &str) -> Vec<u8> {
        std::fs::read(self.path(name)).expect("read a test file")
    }

    /// Runs `openssl` in the scratch directory; its standard output.
    fn openssl(&self, args: &[&str]) -> Vec<u8> {
        let out = Command::new("openssl")
            .args(args)
            .current_dir(self.dir.path())
            .output()
            .expect("run openssl");
        assert!(
            out.status.success(),
            "openssl {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    }

    /// A P-256 key pair, as `<name>.pem` (private, SEC1) and `<name>.pub`.
    fn p256(&self, name: &str) {
        let private = format!("{name}.pem");
        let public = format!("{name}.pub");
        self.openssl(&[
            "ecparam",
            "-name",
            "prime256v1",
            "-genkey",
            "-noout",
            "-out",
            &private,
        ]);
        self.openssl(&["ec", "-in", &private, "-pubout", "-out", &public]);
    }

    /// An Ed25519 key pair, as `<name>.pem` (private, PKCS#8) and `<name>.pub`.
    fn ed25519(&self, name: &str) {
        let private = format!("{name}.pem");
        let public = format!("{name}.pub");
        self.openssl(&["genpkey", "-algorithm", "ed25519", "-out", &private]);
        self.openssl(&["pkey", "-in", &private, "-pubout", "-out", &public]);
    }

    /// Base64 (by `openssl base64 -A`, newline trimmed) of a binary file.
    fn base64(&self, file: &str) -> String {
        let text = self.openssl(&["base64", "-A", "-in", file]);
        String::from_utf8(text)
            .expect("base64 is ASCII")
            .trim()
            .to_string()
    }

    /// cosign's legacy format: base64 of the DER ECDSA signature over
    /// SHA-256 of `file`.
    fn sign_p256(&self, key: &str, file: &str) -> String {
        let out = format!("{file}.{key}.der");
        self.openssl(&[
            "dgst",
            "-sha256",
            "-sign",
            &format!("{key}.pem"),
            "-out",
            &out,
            file,
        ]);
        self.base64(&out)
    }

    /// Base64 of the raw 64-byte Ed25519 signature over `file`.
    fn sign_ed25519(&self, key: &str, file: &str) -> String {
        let out = format!("{file}.{key}.raw");
        self.openssl(&[
            "pkeyutl",
            "-sign",
            "-rawin",
            "-inkey",
            &format!("{key}.pem"),
            "-in",
            file,
            "-out",
            &out,
        ]);
        self.base64(&out)
    }

    /// Base64 of SHA-256 of `file`, as a bundle's `messageDigest.digest`.
    fn digest_base64(&self, file: &str) -> String {
        let out = format!("{file}.sha256");
        self.openssl(&["dgst", "-sha256", "-binary", "-out", &out, file]);
        self.base64(&out)
    }

    /// `sha256:<hex>` of `file` (via `openssl dgst -r`).
    fn sha256(&self, file: &str) -> String {
        let out = self.openssl(&["dgst", "-sha256", "-r", file]);
        let out = String::from_utf8(out).expect("hex is ASCII");
        let hex = out.split_whitespace().next().expect("a digest");
        format!("sha256:{hex}")
    }

    /// The public key file `<name>.pub`.
    fn public(&self, name: &str) -> Vec<u8> {
        self.read(&format!("{name}.pub"))
    }
}

/// A Sigstore bundle around a message signature, as cosign writes it
/// (`sign-blob --key --new-bundle-format`), including the log entry that an
/// offline check ignores.
fn bundle(media_type: &str, digest_base64: &str, signature_base64: &str) -> Vec<u8> {
    serde_json::to_vec_pretty(&serde_json::json!({
        "mediaType": media_type,
        "verificationMaterial": {
            "publicKey": {"hint": "c2lnbmVyIGtleQ=="},
            "tlogEntries": [{"logIndex": "1", "kindVersion": {"kind": "hashedrekord", "version": "0.0.1"}}]
        },
        "messageSignature": {
            "messageDigest": {"algorithm": "SHA2_256", "digest": digest_base64},
            "signature": signature_base64
        }
    }))
    .expect("serialize a bundle")
}

fn flipped(bytes: &[u8], at: usize) -> Vec<u8> {
    let mut out = bytes.to_vec();
    out[at] ^= 0x01;
    out
}

fn path_str(path: &Path) -> &str {
    path.to_str().expect("temporary paths are UTF-8")
}

#[test]
fn cosign_format_verifies_with_and_without_newline() {
    let Some(kit) = Kit::new() else { return };
    kit.p256("k");
    let signature = kit.sign_p256("k", "msg");
    let key = kit.public("k");
    for file in [
        signature.clone(),
        format!("{signature}\n"),
        format!("{signature}\r\n"),
    ] {
        let verified = verify(MESSAGE, file.as_bytes(), &key).expect("verifies");
        assert_eq!(verified.format, SignatureFormat::Cosign);
        assert_eq!(verified.key_algorithm, "ecdsa-p256-sha256");
    }
}

#[test]
fn cosign_format_refuses_changed_message_other_key_and_bad_signatures() {
    let Some(kit) = Kit::new() else { return };
    kit.p256("k");
    kit.p256("other");
    let signature = kit.sign_p256("k", "msg");
    let key = kit.public("k");

    for at in [0, MESSAGE.len() / 2, MESSAGE.len() - 1] {
        assert!(
            matches!(
                verify(&flipped(MESSAGE, at), signature.as_bytes(), &key),
                Err(SignatureError::Invalid)
            ),
            "byte {at} flipped"
        );
    }
    assert!(matches!(
        verify(MESSAGE, signature.as_bytes(), &kit.public("other")),
        Err(SignatureError::Invalid)
    ));

    // Every single-character change of the base64 text: never Ok, and only
    // ever MalformedSignature (no longer DER, or not base64) or Invalid.
    let text = signature.as_bytes();
    for at in 0..text.len() {
        for replacement in [b'A', b'z', b'/', b'*'] {
            if text[at] == replacement {
                continue;
            }
            let mut bad = text.to_vec();
            bad[at] = replacement;
            match verify(MESSAGE, &bad, &key) {
                Err(SignatureError::MalformedSignature(_) | SignatureError::Invalid) => {}
                other => panic!("character {at} -> {}: {other:?}", replacement as char),
            }
        }
    }
    // Truncated text.
    assert!(verify(MESSAGE, &text[..text.len() - 4], &key).is_err());

    for empty in [&b""[..], b"\n", b"  \r\n"] {
        assert!(
            matches!(
                verify(MESSAGE, empty, &key),
                Err(SignatureError::MalformedSignature(_))
            ),
            "{empty:?}"
        );
    }
}

#[test]
fn high_and_low_s_signatures_both_verify() {
    // OpenSSL does not normalize S, so about half of the signatures users
    // make are "high-S"; both forms of one signature must verify.
    let Some(kit) = Kit::new() else { return };
    kit.p256("k");
    let der = STANDARD
        .decode(kit.sign_p256("k", "msg"))
        .expect("openssl wrote base64");
    let signature = p256::ecdsa::Signature::from_der(&der).expect("openssl wrote DER");
    let (r, s) = signature.split_scalars();
    let mirrored = p256::ecdsa::Signature::from_scalars(r, -s).expect("valid scalars");
    for form in [signature, mirrored] {
        let file = STANDARD.encode(form.to_der().as_bytes());
        verify(MESSAGE, file.as_bytes(), &kit.public("k")).expect("verifies");
    }
}

#[test]
fn sigstore_bundle_verifies() {
    let Some(kit) = Kit::new() else { return };
    kit.p256("k");
    kit.ed25519("ed");
    let digest = kit.digest_base64("msg");
    for media_type in [V03, V02] {
        let file = bundle(media_type, &digest, &kit.sign_p256("k", "msg"));
        let verified = verify(MESSAGE, &file, &kit.public("k")).expect("P-256 bundle verifies");
        assert_eq!(verified.format, SignatureFormat::SigstoreBundle);
        assert_eq!(verified.key_algorithm, "ecdsa-p256-sha256");

        let file = bundle(media_type, &digest, &kit.sign_ed25519("ed", "msg"));
        let verified = verify(MESSAGE, &file, &kit.public("ed")).expect("Ed25519 bundle verifies");
        assert_eq!(verified.format, SignatureFormat::SigstoreBundle);
        assert_eq!(verified.key_algorithm, "ed25519");
    }
}

#[test]
fn sigstore_bundle_for_other_bytes_is_a_digest_mismatch() {
    let Some(kit) = Kit::new() else { return };
    kit.p256("k");
    kit.write("other", b"{\"entries\": []}\n");
    // The signature is a real one over the message; only the digest names
    // other bytes. The bundle must still be refused.
    let file = bundle(V03, &kit.digest_base64("other"), &kit.sign_p256("k", "msg"));
    match verify(MESSAGE, &file, &kit.public("k")) {
        Err(SignatureError::DigestMismatch { expected, found }) => {
            assert_eq!(expected, kit.sha256("msg"));
            assert_eq!(found, kit.sha256("other"));
        }
        other => panic!("expected DigestMismatch, got {other:?}"),
    }

    // The right digest with a signature over other bytes: Invalid.
    let file = bundle(V03, &kit.digest_base64("msg"), &kit.sign_p256("k", "other"));
    assert!(matches!(
        verify(MESSAGE, &file, &kit.public("k")),
        Err(SignatureError::Invalid)
    ));
}

#[test]
fn dsse_and_unknown_bundles_are_refused() {
    let Some(kit) = Kit::new() else { return };
    kit.p256("k");
    let signature = kit.sign_p256("k", "msg");
    let key = kit.public("k");

    let dsse = serde_json::to_vec(&serde_json::json!({
        "mediaType": V03,
        "verificationMaterial": {"publicKey": {"hint": ""}},
        "dsseEnvelope": {
            "payload": STANDARD.encode(MESSAGE),
            "payloadType": "application/vnd.in-toto+json",
            "signatures": [{"sig": signature, "keyid": ""}]
        }
    }))
    .expect("serialize");
    let err = verify(MESSAGE, &dsse, &key).expect_err("DSSE is refused");
    assert!(
        err.to_string().contains("DSSE bundles are not supported"),
        "{err}"
    );

    let digest = kit.digest_base64("msg");
    for media_type in [
        "application/json",
        "application/vnd.dev.sigstore.bundle+json;version=0.1",
        "application/vnd.dev.sigstore.bundle.v0.4+json",
        "",
    ] {
        let file = bundle(media_type, &digest, &signature);
        let err = verify(MESSAGE, &file, &key).expect_err("unknown media type is refused");
        assert!(
            err.to_string().contains("media type"),
            "{media_type}: {err}"
        );
    }

    // No media type at all.
    let mut value: serde_json::Value =
        serde_json::from_slice(&bundle(V03, &digest, &signature)).expect("parse");
    value.as_object_mut().expect("object").remove("mediaType");
    let file = serde_json::to_vec(&value).expect("serialize");
    assert!(matches!(
        verify(MESSAGE, &file, &key),
        Err(SignatureError::MalformedBundle(_))
    ));

    // Keyless (certificate) bundles cannot be checked offline with a key.
    value["mediaType"] = V03.into();
    value["verificationMaterial"] = serde_json::json!({"certificate": {"rawBytes": "MIIB"}});
    let file = serde_json::to_vec(&value).expect("serialize");
    assert!(matches!(
        verify(MESSAGE, &file, &key),
        Err(SignatureError::UnsupportedBundle(_))
    ));
}

#[test]
fn ed25519_verifies_and_refuses_changes() {
    let Some(kit) = Kit::new() else { return };
    kit.ed25519("ed");
    let signature = kit.sign_ed25519("ed", "msg");
    let key = kit.public("ed");
    for file in [signature.clone(), format!("{signature}\n")] {
        let verified = verify(MESSAGE, file.as_bytes(), &key).expect("verifies");
        assert_eq!(verified.format, SignatureFormat::Ed25519);
        assert_eq!(verified.key_algorithm, "ed25519");
    }
    for at in [0, MESSAGE.len() - 1] {
        assert!(matches!(
            verify(&flipped(MESSAGE, at), signature.as_bytes(), &key),
            Err(SignatureError::Invalid)
        ));
    }
    kit.ed25519("other");
    assert!(matches!(
        verify(MESSAGE, signature.as_bytes(), &kit.public("other")),
        Err(SignatureError::Invalid)
    ));
}

#[test]
fn signature_and_key_of_different_algorithms_are_refused() {
    let Some(kit) = Kit::new() else { return };
    kit.ed25519("ed");
    kit.p256("k");
    let ed_signature = kit.sign_ed25519("ed", "msg");
    let p256_signature = kit.sign_p256("k", "msg");
    assert!(matches!(
        verify(MESSAGE, ed_signature.as_bytes(), &kit.public("k")),
        Err(SignatureError::MalformedSignature(_))
    ));
    assert!(matches!(
        verify(MESSAGE, p256_signature.as_bytes(), &kit.public("ed")),
        Err(SignatureError::MalformedSignature(_))
    ));
}

#[test]
fn private_keys_are_refused_by_name() {
    let Some(kit) = Kit::new() else { return };
    kit.p256("k");
    kit.ed25519("ed");
    let signature = kit.sign_p256("k", "msg");
    // SEC1 (`EC PRIVATE KEY`) and PKCS#8 (`PRIVATE KEY`) private keys.
    for private in ["k.pem", "ed.pem"] {
        let err = verify(MESSAGE, signature.as_bytes(), &kit.read(private))
            .expect_err("a private key is refused");
        assert!(matches!(err, SignatureError::PrivateKey { .. }), "{err:?}");
        assert!(err.to_string().contains("private key"), "{err}");
    }
}

#[test]
fn other_key_algorithms_are_unsupported() {
    let Some(kit) = Kit::new() else { return };
    kit.p256("k");
    let signature = kit.sign_p256("k", "msg");

    kit.openssl(&[
        "genpkey",
        "-algorithm",
        "RSA",
        "-pkeyopt",
        "rsa_keygen_bits:2048",
        "-out",
        "rsa.pem",
    ]);
    kit.openssl(&["pkey", "-in", "rsa.pem", "-pubout", "-out", "rsa.pub"]);
    let err =
        verify(MESSAGE, signature.as_bytes(), &kit.read("rsa.pub")).expect_err("RSA is refused");
    assert!(matches!(err, SignatureError::UnsupportedKey(_)), "{err:?}");
    assert!(err.to_string().contains("RSA"), "{err}");

    kit.openssl(&[
        "ecparam",
        "-name",
        "secp384r1",
        "-genkey",
        "-noout",
        "-out",
        "p384.pem",
    ]);
    kit.openssl(&["ec", "-in", "p384.pem", "-pubout", "-out", "p384.pub"]);
    let err =
        verify(MESSAGE, signature.as_bytes(), &kit.read("p384.pub")).expect_err("P-384 is refused");
    assert!(matches!(err, SignatureError::UnsupportedKey(_)), "{err:?}");
    assert!(err.to_string().contains("P-384"), "{err}");
}

#[test]
fn oversized_inputs_are_refused_before_parsing() {
    let Some(kit) = Kit::new() else { return };
    kit.p256("k");
    let key = kit.public("k");

    let huge = vec![b'A'; 100_000_000];
    let started = Instant::now();
    let result = verify(MESSAGE, &huge, &key);
    let took = started.elapsed();
    assert!(
        matches!(
            result,
            Err(SignatureError::TooLarge { limit, .. }) if limit == MAX_SIGNATURE_SIZE
        ),
        "{result:?}"
    );
    assert!(took < Duration::from_secs(1), "took {took:?}");

    let mut big_key = b"-----BEGIN PUBLIC KEY-----\n".to_vec();
    big_key.resize(MAX_KEY_SIZE + 1, b'A');
    big_key.extend_from_slice(b"\n-----END PUBLIC KEY-----\n");
    let signature = kit.sign_p256("k", "msg");
    assert!(matches!(
        verify(MESSAGE, signature.as_bytes(), &big_key),
        Err(SignatureError::TooLarge { limit, .. }) if limit == MAX_KEY_SIZE
    ));

    // Just under the limits: parsed (and refused for what they are).
    let mut at_limit = vec![b'A'; MAX_SIGNATURE_SIZE];
    at_limit[0] = b'!';
    assert!(matches!(
        verify(MESSAGE, &at_limit, &key),
        Err(SignatureError::MalformedSignature(_))
    ));
}

#[test]
fn key_fingerprint_is_sha256_of_the_spki_der() {
    let Some(kit) = Kit::new() else { return };
    kit.p256("k");
    kit.ed25519("ed");
    let cases = [
        ("k", kit.sign_p256("k", "msg")),
        ("ed", kit.sign_ed25519("ed", "msg")),
    ];
    for (name, signature) in cases {
        let der = kit.path(&format!("{name}.der"));
        kit.openssl(&[
            "pkey",
            "-pubin",
            "-in",
            &format!("{name}.pub"),
            "-outform",
            "DER",
            "-out",
            path_str(&der),
        ]);
        let verified = verify(MESSAGE, signature.as_bytes(), &kit.public(name)).expect("verifies");
        assert_eq!(
            verified.key_fingerprint,
            kit.sha256(path_str(&der)),
            "{name}"
        );
    }
}
