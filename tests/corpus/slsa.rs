//! slsa-verifier's regression cases for the v2.1.0 generators
//! (`../shared/conformance/slsa`, its `main_regression_test.go` for
//! reading): `gha_generic` and `gha_container-based` provenance, keyless
//! Sigstore bundles verified offline against the production root, then
//! held to the source, branch, tag, versioned tag and builder id each case
//! names, with the outcome (and the kind of error) the Go test expects.
//! And the `gha_generic_container` OCI layout, whose cosign attestation
//! verifies against the image digest.

use std::path::Path;

use wasm_audit::provenance::attestation::{load, slsa_builders_identity, Verifiers};
use wasm_audit::provenance::oci::verify_layout;
use wasm_audit::provenance::sigstore::{Signer, TrustedRoot};
use wasm_audit::provenance::slsa::{check, Requirements};

use crate::common;

const SOURCE: &str = "github.com/slsa-framework/example-package";
const WORKFLOWS: &str =
    "https://github.com/slsa-framework/slsa-github-generator/.github/workflows/";

/// (artifact, source, branch, tag, versioned tag, builder id, expected
/// error: `None` passes, else the start of the mismatch message).
type Case = (
    &'static str,
    &'static str,
    Option<&'static str>,
    Option<&'static str>,
    Option<&'static str>,
    Option<&'static str>,
    Option<&'static str>,
);

const NOT_TRUSTED: &str =
    "https://github.com/slsa-framework/slsa-github-generator/.github/workflows/not-trusted.yml";

/// The cases of `Test_runVerifyGHAArtifactPath` that run on every builder
/// version (not `noversion`), and of `Test_runVerifyGHAContainerBased`.
const GENERIC: &[Case] = &[
    ("workflow_dispatch", SOURCE, None, None, None, None, None),
    (
        "workflow_dispatch",
        SOURCE,
        None,
        None,
        None,
        Some(NOT_TRUSTED),
        Some("untrusted builder"),
    ),
    (
        "workflow_dispatch",
        SOURCE,
        Some("main"),
        None,
        None,
        None,
        None,
    ),
    (
        "workflow_dispatch",
        SOURCE,
        Some("master"),
        None,
        None,
        None,
        Some("branch mismatch"),
    ),
    (
        "workflow_dispatch",
        "github.com/laurentsimon/slsa-verifier-test-genA",
        None,
        None,
        None,
        None,
        Some("source mismatch"),
    ),
    (
        "workflow_dispatch",
        "github.com/laurentsimon/slsa-verifier-test-gen",
        None,
        None,
        None,
        None,
        Some("source mismatch"),
    ),
    (
        "workflow_dispatch",
        "github.com/Alaurentsimon/slsa-verifier-test-gen",
        None,
        None,
        None,
        None,
        Some("source mismatch"),
    ),
    (
        "workflow_dispatch",
        SOURCE,
        None,
        Some("v1.2.3"),
        None,
        None,
        Some("invalid ref"),
    ),
    (
        "workflow_dispatch",
        SOURCE,
        None,
        None,
        Some("v1"),
        None,
        Some("invalid ref"),
    ),
    (
        "push-v13.0.30",
        SOURCE,
        None,
        Some("v13.0.29"),
        None,
        None,
        Some("tag mismatch"),
    ),
    (
        "push-v13.0.30",
        SOURCE,
        None,
        Some("v13.0"),
        None,
        None,
        Some("tag mismatch"),
    ),
    (
        "push-v13.0.30",
        SOURCE,
        None,
        Some("v13"),
        None,
        None,
        Some("tag mismatch"),
    ),
    (
        "push-v13.0.30",
        SOURCE,
        None,
        Some("v13.0.30"),
        None,
        None,
        None,
    ),
    (
        "push-v13.0.30",
        SOURCE,
        None,
        None,
        Some("v13.0.30"),
        None,
        None,
    ),
    (
        "push-v13.0.30",
        SOURCE,
        None,
        None,
        Some("v13.0"),
        None,
        None,
    ),
    ("push-v13.0.30", SOURCE, None, None, Some("v13"), None, None),
    (
        "push-v13.0.30",
        SOURCE,
        None,
        None,
        Some("v2"),
        None,
        Some("versioned tag mismatch"),
    ),
    (
        "push-v13.0.30",
        SOURCE,
        None,
        None,
        Some("v0"),
        None,
        Some("versioned tag mismatch"),
    ),
    (
        "push-v13.0.30",
        SOURCE,
        None,
        None,
        Some("v13.1"),
        None,
        Some("versioned tag mismatch"),
    ),
    (
        "push-v13.0.30",
        SOURCE,
        None,
        None,
        Some("v12.9"),
        None,
        Some("versioned tag mismatch"),
    ),
    (
        "push-v13.0.30",
        SOURCE,
        None,
        None,
        Some("v13.0.29"),
        None,
        Some("versioned tag mismatch"),
    ),
    (
        "push-v13.0.30",
        SOURCE,
        None,
        None,
        Some("v13.0.31"),
        None,
        Some("versioned tag mismatch"),
    ),
    ("push-v14", SOURCE, None, None, Some("v14"), None, None),
    ("push-v14", SOURCE, None, None, Some("v14.0"), None, None),
    (
        "push-v14",
        SOURCE,
        None,
        None,
        Some("v14.1"),
        None,
        Some("versioned tag mismatch"),
    ),
    (
        "push-v14",
        SOURCE,
        None,
        None,
        Some("v13"),
        None,
        Some("versioned tag mismatch"),
    ),
    (
        "push-v14",
        SOURCE,
        None,
        None,
        Some("v15"),
        None,
        Some("versioned tag mismatch"),
    ),
    (
        "push-v14",
        SOURCE,
        None,
        None,
        Some("v13.2"),
        None,
        Some("versioned tag mismatch"),
    ),
    (
        "push-v14",
        SOURCE,
        None,
        None,
        Some("v0"),
        None,
        Some("versioned tag mismatch"),
    ),
    ("push-v14.2", SOURCE, None, None, Some("v14.2"), None, None),
    (
        "push-v14.2",
        SOURCE,
        None,
        None,
        Some("v14.2.1"),
        None,
        Some("versioned tag mismatch"),
    ),
    (
        "push-v14.2",
        SOURCE,
        None,
        None,
        Some("v14.2.3"),
        None,
        Some("versioned tag mismatch"),
    ),
    ("push-v14.2", SOURCE, None, None, Some("v14"), None, None),
    (
        "push-v14.2",
        SOURCE,
        None,
        None,
        Some("v14.1"),
        None,
        Some("versioned tag mismatch"),
    ),
    (
        "push-v14.2",
        SOURCE,
        None,
        None,
        Some("v14.1.1"),
        None,
        Some("versioned tag mismatch"),
    ),
    (
        "push-v14.2",
        SOURCE,
        None,
        None,
        Some("v14.3.1"),
        None,
        Some("versioned tag mismatch"),
    ),
    (
        "push-v14.2",
        SOURCE,
        None,
        None,
        Some("v13"),
        None,
        Some("versioned tag mismatch"),
    ),
    (
        "push-v14.2",
        SOURCE,
        None,
        None,
        Some("v15"),
        None,
        Some("versioned tag mismatch"),
    ),
    (
        "push-v14.2",
        SOURCE,
        None,
        None,
        Some("v15.1"),
        None,
        Some("versioned tag mismatch"),
    ),
];

const CONTAINER_BASED: &[Case] = &[
    ("workflow_dispatch", SOURCE, None, None, None, None, None),
    (
        "workflow_dispatch",
        SOURCE,
        None,
        None,
        Some("v1"),
        None,
        Some("invalid ref"),
    ),
    (
        "workflow_dispatch",
        SOURCE,
        None,
        Some("v1.2.3"),
        None,
        None,
        Some("invalid ref"),
    ),
    (
        "workflow_dispatch",
        SOURCE,
        Some("master"),
        None,
        None,
        None,
        Some("branch mismatch"),
    ),
    (
        "workflow_dispatch",
        SOURCE,
        Some("main"),
        None,
        None,
        None,
        None,
    ),
    (
        "workflow_dispatch",
        SOURCE,
        None,
        None,
        None,
        Some(NOT_TRUSTED),
        Some("untrusted builder"),
    ),
    (
        "workflow_dispatch",
        "github.com/slsa-framework/example-packageA",
        None,
        None,
        None,
        None,
        Some("source mismatch"),
    ),
    (
        "workflow_dispatch",
        "Agithub.com/slsa-framework/example-package",
        None,
        None,
        None,
        None,
        Some("source mismatch"),
    ),
    (
        "workflow_dispatch",
        "github.com/Aslsa-framework/example-package",
        None,
        None,
        None,
        None,
        Some("source mismatch"),
    ),
    // The tag pushes of the same repository, by exact tag.
    ("push-v14", SOURCE, None, Some("v14"), None, None, None),
    (
        "push-v14.2",
        SOURCE,
        None,
        Some("v14"),
        None,
        None,
        Some("tag mismatch"),
    ),
    (
        "push-v13.0.30",
        SOURCE,
        None,
        None,
        Some("v13.0"),
        None,
        None,
    ),
];

fn run_suite(
    dir: &Path,
    builder: &str,
    provenance_suffix: &str,
    artifact_of: impl Fn(&str) -> String,
    cases: &[Case],
) -> usize {
    let builder = format!("{WORKFLOWS}{builder}");
    let mut ran = 0;
    for &(which, source, branch, tag, versioned, builder_id, expect) in cases {
        let provenance = dir.join(format!("binary-linux-amd64-{which}{provenance_suffix}"));
        let artifact = dir.join(artifact_of(which));
        let loaded = load(std::slice::from_ref(&provenance), &Verifiers::default())
            .unwrap_or_else(|e| panic!("{}: {e}", provenance.display()));
        assert_eq!(loaded.len(), 1);
        let verified = loaded[0]
            .outcome
            .as_ref()
            .unwrap_or_else(|e| panic!("{}: {e}", provenance.display()));
        // The subject is the artifact (sha256 computed here, independently).
        let digest = common::sha256(&std::fs::read(&artifact).unwrap());
        assert!(verified.statement.names_digest(&digest), "{which}: subject");
        assert!(verified.keyless);
        let prov = verified.provenance.as_ref().expect("SLSA provenance");
        // Every builder-id spelling slsa-verifier tries, unless the case names one.
        let ids: Vec<Option<String>> = match builder_id {
            Some(b) => vec![Some(b.to_string())],
            None => vec![
                Some(format!("{builder}@refs/tags/v2.1.0")),
                Some(builder.clone()),
                Some(format!("{builder}@v2.1.0")),
                None,
            ],
        };
        for id in ids {
            let req = Requirements {
                source_uri: Some(source.to_string()),
                builder_id: id.clone(),
                source_tag: tag.map(str::to_string),
                source_versioned_tag: versioned.map(str::to_string),
                source_branch: branch.map(str::to_string),
                build_workflow_inputs: Default::default(),
            };
            let got = check(prov, &req, Some(&verified.signer));
            match (expect, got) {
                (None, Ok(())) => {}
                (Some(kind), Err(e)) => {
                    let msg = e.to_string();
                    let reason = msg.trim_start_matches("provenance mismatch: ");
                    assert!(
                        reason.starts_with(kind),
                        "{which} {req:?}: expected {kind}, got {msg}"
                    );
                }
                (expect, got) => panic!("{which} {req:?}: expected {expect:?}, got {got:?}"),
            }
            ran += 1;
        }
    }
    ran
}

#[test]
fn slsa_verifier_regression_cases_for_v2_1_0() {
    let Some(base) = common::conformance_dir("slsa", "gha_generic/v2.1.0") else {
        return;
    };
    let generic = run_suite(
        &base.join("gha_generic/v2.1.0"),
        "generator_generic_slsa3.yml",
        ".intoto.jsonl",
        |_| "binary-linux-amd64".to_string(),
        GENERIC,
    );
    let container = run_suite(
        &base.join("gha_container-based/v2.1.0"),
        "builder_container-based_slsa3.yml",
        ".intoto.build.slsa",
        |which| format!("binary-linux-amd64-{which}"),
        CONTAINER_BASED,
    );
    assert!(generic >= 100 && container >= 30, "{generic} {container}");
}

/// A provenance file of another artifact does not name this one; one of
/// a generator older than v2.1.0 (a bare DSSE envelope with a Fulcio
/// certificate, which needs an online Rekor lookup) is refused with a
/// clear error; a flipped byte fails verification.
#[test]
fn wrong_artifact_old_generators_and_tampering() {
    let Some(base) = common::conformance_dir("slsa", "gha_generic/v2.1.0") else {
        return;
    };
    let dir = base.join("gha_container-based/v2.1.0");
    let loaded = load(
        &[dir.join("binary-linux-amd64-push-v14.intoto.build.slsa")],
        &Verifiers::default(),
    )
    .unwrap();
    let v = loaded[0].outcome.as_ref().unwrap();
    // (The container-based artifacts are all empty files, so another
    // artifact is the generic one.)
    let other =
        common::sha256(&std::fs::read(base.join("gha_generic/v2.1.0/binary-linux-amd64")).unwrap());
    assert!(!v.statement.names_digest(&other), "ErrorMismatchHash");

    let tmp = tempfile::tempdir().unwrap();
    let bundle: serde_json::Value = serde_json::from_slice(
        &std::fs::read(base.join("gha_generic/v2.1.0/binary-linux-amd64-push-v14.intoto.jsonl"))
            .unwrap(),
    )
    .unwrap();
    // What slsa-github-generator wrote before v2.1.0: the DSSE envelope
    // alone, its signature carrying the certificate.
    let mut env = bundle["dsseEnvelope"].clone();
    env["signatures"][0]["cert"] =
        serde_json::json!("-----BEGIN CERTIFICATE-----\n...\n-----END CERTIFICATE-----\n");
    let old = tmp.path().join("old.intoto.jsonl");
    std::fs::write(&old, serde_json::to_vec(&env).unwrap()).unwrap();
    let loaded = load(&[old], &Verifiers::default()).unwrap();
    let err = loaded[0].outcome.as_ref().unwrap_err().to_string();
    assert!(
        err.contains("before v2.1.0") && err.contains("online Rekor"),
        "{err}"
    );

    // One byte of the payload flipped.
    let mut tampered = bundle.clone();
    let payload = tampered["dsseEnvelope"]["payload"]
        .as_str()
        .unwrap()
        .to_string();
    let mut chars: Vec<char> = payload.chars().collect();
    chars[40] = if chars[40] == 'A' { 'B' } else { 'A' };
    tampered["dsseEnvelope"]["payload"] = serde_json::json!(chars.into_iter().collect::<String>());
    let bad = tmp.path().join("bad.intoto.jsonl");
    std::fs::write(&bad, serde_json::to_vec(&tampered).unwrap()).unwrap();
    let loaded = load(&[bad], &Verifiers::default()).unwrap();
    assert!(loaded[0].outcome.is_err(), "a flipped byte never verifies");
}

#[test]
fn cosign_attestation_of_the_oci_layout_verifies_against_its_image_digest() {
    let Some(base) = common::conformance_dir("slsa", "gha_generic_container/v2.1.0") else {
        return;
    };
    let dir = base.join("gha_generic_container/v2.1.0");
    let layout = dir.join("container_workflow_dispatch");
    let digest = std::fs::read_to_string(dir.join("container_workflow_dispatch.digest")).unwrap();
    let digest = digest.trim();
    let root = TrustedRoot::production().unwrap();
    let signer = Signer::Identity(slsa_builders_identity());
    let verified = verify_layout(&layout, digest, &signer, &root).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(verified.len(), 1);
    assert!(
        verified[0]
            .signer
            .contains("generator_container_slsa3.yml@refs/tags/v2.1.0"),
        "{}",
        verified[0].signer
    );
    // Another image digest is refused.
    let mut other = digest.to_string();
    let last = other.pop().unwrap();
    other.push(if last == '0' { '1' } else { '0' });
    assert!(verify_layout(&layout, &other, &signer, &root).is_err());
}
