//! The sigstore-conformance bundle-verify suite
//! (`../shared/conformance/sigstore/bundle-verify`, 70 cases) through
//! `wasm-audit verify-bundle`, called as the conformance client protocol
//! calls a client: `--bundle`, then `--key` when the case has `key.pub`,
//! else `--certificate-identity`/`--certificate-oidc-issuer` (the case's
//! `identity`/`issuer` files or the suite's defaults), `--trusted-root`
//! when the case has one, and the artifact (`artifact`, else `../a.txt`).

use std::path::Path;

use crate::common;

const DEFAULT_IDENTITY: &str = "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main";
const DEFAULT_ISSUER: &str = "https://token.actions.githubusercontent.com";

/// For `_fail` cases: what the error must say, in the terms of the
/// case's README (each a reason that README gives).
const REASONS: &[(&str, &[&str])] = &[
    // "truncated/malformed JSON: ... parse error"
    (
        "bundle-malformed-json_fail",
        &["malformed bundle", "EOF while parsing"],
    ),
    // "signature contains invalid base64 encoding"
    ("bundle-invalid-base64-signature_fail", &["invalid base64"]),
    // "tlog entry has negative log index"
    ("bundle-negative-log-index_fail", &["negative log index"]),
    // "unknown/unsupported version"
    (
        "bundle-unknown-version_fail",
        &["media type", "version=99.9"],
    ),
    // "checkpoint signature does not match the transparency log"
    (
        "checkpoint-bad-keyhint_fail",
        &["checkpoint", "No matching Rekor key"],
    ),
    // "the checkpoint ... root hash is wrong"
    (
        "checkpoint-wrong-roothash_fail",
        &["root hash does not match checkpoint"],
    ),
    // "The signature in the dsse envelope is incorrect"
    (
        "dsse-invalid-sig_fail",
        &["DSSE signature verification failed"],
    ),
    // "DSSE envelope does not match the entry"
    (
        "dsse-mismatch-envelope_fail",
        &["log entry does not match", "DSSE payload hash mismatch"],
    ),
    // "DSSE signature does not match"
    (
        "dsse-mismatch-sig_fail",
        &["DSSE signature in bundle does not match"],
    ),
    // "corrupted hash ... the Merkle proof is invalid"
    (
        "inclusion-proof-corrupted-hash_fail",
        &["inclusion proof verification failed", "root hash mismatch"],
    ),
    // "log entry does not contain an inclusion proof"
    (
        "intoto-missing-inclusion-proof_fail",
        &["must have an inclusion proof"],
    ),
    // "Rekor checkpoint signature is invalid"
    (
        "invalid-checkpoint-signature_fail",
        &["invalid checkpoint", "No valid Rekor signature"],
    ),
    // "The messageDigest in the bundle does not match the artifact hash"
    (
        "message-digest-mismatch_fail",
        &["message digest in bundle does not match artifact hash"],
    ),
    // "the inclusion proof is removed"
    (
        "rekor2-no-inclusion-proof_fail",
        &["must have an inclusion proof"],
    ),
    // "there is _no_ TSA timestamp in the bundle"
    ("rekor2-no-timestamp_fail", &["requires RFC3161 timestamp"]),
    // "timestamp payload does not match the bundle signature"
    (
        "rekor2-timestamp-payload-mismatch_fail",
        &["Timestamp message hash mismatch"],
    ),
    // "embedded certificates from an untrusted TSA"
    (
        "rekor2-timestamp-untrusted-tsa-with-embedded-cert_fail",
        &["does not match any trusted TSA"],
    ),
    // "The signed entry timestamp ... signature is invalid"
    ("set-invalid-signature_fail", &["SET verification failed"]),
    // "The signature in this bundle is incorrect"
    (
        "signature-mismatch_fail",
        &["signature verification failed"],
    ),
    // "certificate (and signature) used for hashedrekord is incorrect"
    (
        "wrong-hashedrekord-cert-and-sig_fail",
        &["certificate in bundle does not match certificate in Rekor entry"],
    ),
    // "The transparency log key's validFor interval is missing its required start"
    (
        "trust-root-tlog-missing-validity-start_fail",
        &["invalid trusted root", "missing field `start`"],
    ),
    // "the artifact here is different"
    ("wrong-material_fail", &["artifact mismatch"]),
    // "missing root hash" in the checkpoint
    (
        "rekor2-checkpoint-missing-root-hash_fail",
        &["missing root hash"],
    ),
];

fn read_trimmed(p: &Path) -> Option<String> {
    std::fs::read_to_string(p)
        .ok()
        .map(|s| s.trim().to_string())
}

#[test]
fn bundle_verify_suite_gives_every_expected_outcome() {
    let Some(suite) = common::conformance_dir("sigstore/bundle-verify", "README.md") else {
        return;
    };
    let mut cases: Vec<_> = std::fs::read_dir(&suite)
        .expect("read suite")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("bundle.sigstore.json").is_file())
        .collect();
    cases.sort();
    assert_eq!(cases.len(), 70, "the suite has 70 cases");
    let mut wrong = Vec::new();
    let mut reasons_checked = 0;
    for case in &cases {
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        let mut args: Vec<std::ffi::OsString> = vec![
            "verify-bundle".into(),
            "--bundle".into(),
            case.join("bundle.sigstore.json").into(),
        ];
        if case.join("key.pub").is_file() {
            args.extend(["--key".into(), case.join("key.pub").into()]);
        } else {
            let identity =
                read_trimmed(&case.join("identity")).unwrap_or_else(|| DEFAULT_IDENTITY.into());
            let issuer =
                read_trimmed(&case.join("issuer")).unwrap_or_else(|| DEFAULT_ISSUER.into());
            args.extend([
                "--certificate-identity".into(),
                identity.into(),
                "--certificate-oidc-issuer".into(),
                issuer.into(),
            ]);
        }
        if case.join("trusted_root.json").is_file() {
            args.extend([
                "--trusted-root".into(),
                case.join("trusted_root.json").into(),
            ]);
        }
        let artifact = if case.join("artifact").is_file() {
            case.join("artifact")
        } else {
            suite.join("a.txt")
        };
        args.push(artifact.into());
        let out = common::run(&args);
        let code = common::code(&out);
        let stderr = String::from_utf8_lossy(&out.stderr);
        let should_fail = name.ends_with("_fail");
        // 0: verified; 1: refused; 2: malformed input. Never a crash.
        assert!(matches!(code, 0..=2), "{name}: exit {code}: {stderr}");
        if should_fail == (code == 0) {
            wrong.push(format!("{name}: exit {code}: {}", stderr.trim()));
            continue;
        }
        if should_fail {
            assert_eq!(stderr.lines().count(), 1, "{name}: one line: {stderr}");
        } else {
            assert!(
                String::from_utf8_lossy(&out.stdout).starts_with("OK: "),
                "{name}"
            );
        }
        if let Some((_, needles)) = REASONS.iter().find(|(n, _)| *n == name) {
            for needle in *needles {
                assert!(
                    stderr.contains(needle),
                    "{name}: the error should say {needle:?}: {stderr}"
                );
            }
            reasons_checked += 1;
        }
    }
    assert!(wrong.is_empty(), "wrong outcomes:\n{}", wrong.join("\n"));
    assert_eq!(
        reasons_checked,
        REASONS.len(),
        "every named reason was checked"
    );
    assert!(reasons_checked >= 10);
}

/// The same suite's happy path with the wrong identity, issuer or GitHub
/// claims is refused as an identity mismatch (exit 1), and a pattern
/// matches only the whole identity.
#[test]
fn identity_policy_is_enforced_on_a_real_bundle() {
    let Some(suite) = common::conformance_dir("sigstore/bundle-verify", "README.md") else {
        return;
    };
    let case = suite.join("happy-path-v0.3");
    let bundle = case.join("bundle.sigstore.json");
    let artifact = suite.join("a.txt");
    let run = |extra: &[&str]| {
        let mut args: Vec<std::ffi::OsString> = vec![
            "verify-bundle".into(),
            "--bundle".into(),
            bundle.clone().into(),
        ];
        args.extend(extra.iter().map(Into::into));
        args.push(artifact.clone().into());
        let out = common::run(&args);
        (
            common::code(&out),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let ok = run(&[
        "--certificate-identity",
        DEFAULT_IDENTITY,
        "--certificate-oidc-issuer",
        DEFAULT_ISSUER,
    ]);
    assert_eq!(ok.0, 0, "{}", ok.1);
    let digest = common::sha256(&std::fs::read(&artifact).unwrap());
    let by_digest = {
        let mut args: Vec<std::ffi::OsString> = vec![
            "verify-bundle".into(),
            "--bundle".into(),
            bundle.clone().into(),
        ];
        for a in [
            "--certificate-identity",
            DEFAULT_IDENTITY,
            "--certificate-oidc-issuer",
            DEFAULT_ISSUER,
            &digest,
        ] {
            args.push(a.into());
        }
        common::code(&common::run(&args))
    };
    assert_eq!(
        by_digest, 0,
        "the artifact's sha256 verifies as the file does"
    );
    for (extra, needle) in [
        (
            vec![
                "--certificate-identity",
                "https://github.com/evil/repo/.github/workflows/x.yml@refs/heads/main",
                "--certificate-oidc-issuer",
                DEFAULT_ISSUER,
            ],
            "identity mismatch",
        ),
        (
            vec![
                "--certificate-identity",
                DEFAULT_IDENTITY,
                "--certificate-oidc-issuer",
                "https://accounts.google.com",
            ],
            "issuer mismatch",
        ),
        // A prefix is not a match: patterns are anchored.
        (
            vec![
                "--certificate-identity-regexp",
                "https://github.com/sigstore-conformance/",
                "--certificate-oidc-issuer",
                DEFAULT_ISSUER,
            ],
            "identity mismatch",
        ),
        (
            vec![
                "--certificate-identity",
                DEFAULT_IDENTITY,
                "--certificate-oidc-issuer",
                DEFAULT_ISSUER,
                "--certificate-github-ref",
                "refs/tags/v1.0.0",
            ],
            "source ref",
        ),
        (
            vec![
                "--certificate-identity",
                DEFAULT_IDENTITY,
                "--certificate-oidc-issuer",
                DEFAULT_ISSUER,
                "--certificate-github-repository",
                "evil/repo",
            ],
            "source repository",
        ),
    ] {
        let (code, stderr) = run(&extra);
        assert_eq!(code, 1, "{extra:?}: {stderr}");
        assert!(stderr.contains(needle), "{extra:?}: {stderr}");
    }
    for extra in [
        vec![
            "--certificate-identity-regexp",
            "https://github.com/sigstore-conformance/.*",
            "--certificate-oidc-issuer",
            DEFAULT_ISSUER,
        ],
        vec![
            "--certificate-identity",
            DEFAULT_IDENTITY,
            "--certificate-oidc-issuer",
            DEFAULT_ISSUER,
            "--certificate-github-ref",
            "refs/heads/main",
            "--certificate-github-repository",
            "sigstore-conformance/extremely-dangerous-public-oidc-beacon",
            "--certificate-github-workflow",
            ".github/workflows/extremely-dangerous-oidc-beacon.yml",
        ],
    ] {
        let (code, stderr) = run(&extra);
        assert_eq!(code, 0, "{extra:?}: {stderr}");
    }
}

/// A trust set signed keylessly: its Sigstore bundle must verify over the
/// set's exact bytes and be signed by the identity and issuer the policy
/// names. (The suite's signed files are text, not trust sets, so the
/// positive case stops at the verified signature: the text then does not
/// parse as a set, an error that shows the signature was accepted.)
#[test]
fn a_trust_set_signed_keylessly_is_held_to_its_identity() {
    use wasm_audit::trust::load::keyless_status;
    use wasm_audit::trust::{SetSpec, SignatureStatus};
    let Some(suite) = common::conformance_dir("sigstore/bundle-verify", "README.md") else {
        return;
    };
    let set = suite.join("a.txt");
    let bytes = std::fs::read(&set).unwrap();
    let bundle = suite.join("happy-path-v0.3/bundle.sigstore.json");
    let spec = |identity: &str, issuer: &str| SetSpec {
        path: set.clone(),
        signature: Some(bundle.clone()),
        certificate_identity: Some(identity.into()),
        certificate_oidc_issuer: Some(issuer.into()),
        ..SetSpec::default()
    };
    match keyless_status(&spec(DEFAULT_IDENTITY, DEFAULT_ISSUER), "a.txt", &bytes).unwrap() {
        SignatureStatus::Verified { verified, .. } => {
            assert_eq!(verified.identity.as_deref(), Some(DEFAULT_IDENTITY));
            assert_eq!(verified.issuer.as_deref(), Some(DEFAULT_ISSUER));
            assert!(verified.key_fingerprint.starts_with("sha256:"));
        }
        other => panic!("{other:?}"),
    }
    // Another identity, another issuer, other bytes: refused.
    for (identity, issuer, bytes, needle) in [
        (
            "https://github.com/evil/x/.github/workflows/y.yml@refs/heads/main",
            DEFAULT_ISSUER,
            bytes.clone(),
            "identity mismatch",
        ),
        (
            DEFAULT_IDENTITY,
            "https://accounts.google.com",
            bytes.clone(),
            "issuer mismatch",
        ),
        (
            DEFAULT_IDENTITY,
            DEFAULT_ISSUER,
            b"{\"version\": 1, \"entries\": []}".to_vec(),
            "verification failed",
        ),
    ] {
        match keyless_status(&spec(identity, issuer), "a.txt", &bytes).unwrap() {
            SignatureStatus::Invalid { reason, .. } => assert!(reason.contains(needle), "{reason}"),
            other => panic!("{identity} {issuer}: {other:?}"),
        }
    }
    // Through `check`: the wrong identity is `signature-invalid` (exit 1);
    // the right one verifies, and then a.txt is not a trust set (exit 2).
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(&set, dir.path().join("trusted.json")).unwrap();
    std::fs::copy(&bundle, dir.path().join("trusted.json.sigstore.json")).unwrap();
    let wasm = dir.path().join("app.wat");
    std::fs::write(&wasm, "(component)").unwrap();
    for (identity, code, needle) in [
        (
            "https://github.com/evil/x/.github/workflows/y.yml@refs/heads/main",
            1,
            "signature-invalid",
        ),
        (DEFAULT_IDENTITY, 2, "invalid trust set"),
    ] {
        let policy = format!(
            "[[trust.sets]]\npath = \"trusted.json\"\nsignature = \"trusted.json.sigstore.json\"\n\
             certificate-identity = \"{identity}\"\ncertificate-oidc-issuer = \"{DEFAULT_ISSUER}\"\n"
        );
        std::fs::write(dir.path().join("wasm-audit.toml"), policy).unwrap();
        let out = common::run([
            "check".as_ref(),
            "--policy".as_ref(),
            dir.path().join("wasm-audit.toml").as_os_str(),
            wasm.as_os_str(),
        ]);
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(common::code(&out), code, "{all}");
        assert!(all.contains(needle), "{all}");
    }
}
