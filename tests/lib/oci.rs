//! OCI inputs through the library: references, layouts resolved and
//! verified, and cosign's attestations found and verified for the
//! resolved manifest (the SLSA container fixture: a `cosign save` layout
//! of a container image with its keyless attestation).

use std::path::Path;

use wasm_audit::oci::{self, layout::Layout, Pin, Reference};
use wasm_audit::provenance::attestation::{slsa_builders_identity, Verifiers};

#[test]
fn references_parse() {
    let r = Reference::parse("oci-layout:out/app:v1.0").unwrap();
    assert_eq!(
        r,
        Reference::Layout {
            dir: "out/app".into(),
            pin: Pin::Tag("v1.0".into())
        }
    );
    let d = format!("sha256:{}", "ab".repeat(32));
    let r = Reference::parse(&format!("oci-layout:./a:b/c@{d}")).unwrap();
    assert_eq!(
        r,
        Reference::Layout {
            dir: "./a:b/c".into(),
            pin: Pin::Digest(d.clone())
        }
    );
    let r = Reference::parse("oci://127.0.0.1:5000/org/app:1.2").unwrap();
    assert_eq!(
        r,
        Reference::Registry {
            registry: "127.0.0.1:5000".into(),
            repository: "org/app".into(),
            pin: Pin::Tag("1.2".into())
        }
    );
    let r = Reference::parse("oci://ghcr.io/org/app").unwrap();
    assert!(matches!(r, Reference::Registry { pin: Pin::Tag(t), .. } if t == "latest"));
    for bad in [
        "oci://ghcr.io",
        "oci://ghcr.io/Org/app",
        "oci://ghcr.io/org//app",
        "oci://ghcr.io/org/app@sha256:00",
        "oci://ghcr.io/org/app@sha512:00",
        "oci://ghcr.io/org/app:-x",
        "oci-layout:",
        "oci-layout:dir:.bad",
    ] {
        assert!(Reference::parse(bad).is_err(), "{bad}");
    }
}

#[test]
fn the_slsa_container_layout_yields_its_verified_attestation() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(
        "../shared/conformance/slsa/gha_generic_container/v2.1.0/container_workflow_dispatch",
    );
    if !dir.is_dir() {
        assert!(
            std::env::var_os("CI").is_none(),
            "{} is required in CI",
            dir.display()
        );
        eprintln!("SKIPPED: {} absent", dir.display());
        return;
    }
    let input = format!("oci-layout:{}", dir.display());
    let reference = Reference::parse(&input).unwrap();
    let store = Layout::open(&dir).unwrap();
    // The layout's only image (cosign's entries are not images).
    let (_, digest) = oci::resolve(&store, &reference, &input).unwrap();
    let expected = std::fs::read_to_string(dir.with_extension("digest")).unwrap();
    assert_eq!(digest, expected.trim());
    // A container image: no wasm layer.
    let e = oci::fetch(&input, false, 1 << 30).unwrap_err().to_string();
    assert!(e.contains("no wasm layer"), "{e}");
    let verifiers = Verifiers {
        identity: Some(slsa_builders_identity()),
        ..Verifiers::default()
    };
    let found = oci::cosign::discover(&store, &input, &digest, None, &verifiers).unwrap();
    assert_eq!(found.attestations.len(), 1);
    let v = found.attestations[0]
        .outcome
        .as_ref()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        v.signer
            .contains("generator_container_slsa3.yml@refs/tags/v2.1.0"),
        "{}",
        v.signer
    );
    assert!(v.statement.names_digest(&digest));
    assert!(v.provenance.is_some());
    // For any other digest, nothing is found (the attestation is the
    // image's), and a layer digest given is added as a subject.
    let other = format!("sha256:{}", "00".repeat(32));
    let none = oci::cosign::discover(&store, &input, &other, None, &verifiers).unwrap();
    assert!(none.attestations.is_empty());
    let layer = format!("sha256:{}", "ab".repeat(32));
    let with_layer =
        oci::cosign::discover(&store, &input, &digest, Some(&layer), &verifiers).unwrap();
    let v = with_layer.attestations[0].outcome.as_ref().unwrap();
    assert!(v.statement.names_digest(&layer));
    // Another identity is refused.
    let strict = Verifiers {
        identity: Some(wasm_audit::provenance::sigstore::IdentityPolicy::exact(
            "https://github.com/other/repo/.github/workflows/x.yml@refs/heads/main",
            "https://token.actions.githubusercontent.com",
        )),
        ..Verifiers::default()
    };
    let refused = oci::cosign::discover(&store, &input, &digest, None, &strict).unwrap();
    assert!(refused.attestations[0].outcome.is_err());
}
