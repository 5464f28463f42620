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
    let Some(dir) = crate::common::slsa_container_layout() else {
        return;
    };
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

/// Writes `bytes` as a blob of the layout at `dir`; its descriptor.
fn put(dir: &Path, media_type: &str, bytes: &[u8]) -> serde_json::Value {
    use sha2::Digest as _;
    let hex: String = sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    std::fs::write(dir.join("blobs/sha256").join(&hex), bytes).unwrap();
    serde_json::json!({ "mediaType": media_type, "digest": format!("sha256:{hex}"), "size": bytes.len() })
}

/// The SLSA container's keyless attestation moved into an OCI 1.1
/// referrer (a Sigstore bundle layer, found through the referrers tag
/// schema): verified; with another subject, or a flipped byte, it fails.
#[test]
fn a_sigstore_bundle_referrer_is_found_and_verified() {
    use serde_json::{json, Value};
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join(
        "../shared/conformance/slsa/gha_generic_container/v2.1.0/container_workflow_dispatch",
    );
    if !fixture.is_dir() {
        assert!(
            std::env::var_os("CI").is_none(),
            "{} is required in CI",
            fixture.display()
        );
        eprintln!("SKIPPED: {} absent", fixture.display());
        return;
    }
    let image = std::fs::read_to_string(fixture.with_extension("digest")).unwrap();
    let image = image.trim().to_string();
    // The attestation layer and its annotations, from the cosign layout.
    let index: Value =
        serde_json::from_slice(&std::fs::read(fixture.join("index.json")).unwrap()).unwrap();
    let blob = |d: &str| {
        std::fs::read(
            fixture
                .join("blobs/sha256")
                .join(d.trim_start_matches("sha256:")),
        )
        .unwrap()
    };
    let atts = index["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["annotations"]["kind"] == "dev.cosignproject.cosign/atts")
        .unwrap();
    let atts: Value = serde_json::from_slice(&blob(atts["digest"].as_str().unwrap())).unwrap();
    let layer = &atts["layers"][0];
    let bundle = wasm_audit::provenance::oci::layer_bundle(
        &blob(layer["digest"].as_str().unwrap()),
        &layer["annotations"],
    )
    .unwrap();

    let make = |subject: &str, bundle: &[u8]| {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        std::fs::create_dir_all(dir.join("blobs/sha256")).unwrap();
        std::fs::write(dir.join("oci-layout"), br#"{"imageLayoutVersion":"1.0.0"}"#).unwrap();
        let bundle_type = "application/vnd.dev.sigstore.bundle.v0.3+json";
        let layer = put(dir, bundle_type, bundle);
        let empty = put(dir, "application/vnd.oci.empty.v1+json", b"{}");
        let manifest = serde_json::to_vec(&json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "artifactType": bundle_type,
            "config": empty,
            "layers": [layer],
            "subject": { "mediaType": "application/vnd.oci.image.index.v1+json", "digest": subject, "size": 856 }
        }))
        .unwrap();
        let mut m = put(dir, "application/vnd.oci.image.manifest.v1+json", &manifest);
        m["artifactType"] = json!(bundle_type);
        let referrers = serde_json::to_vec(&json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.index.v1+json",
            "manifests": [m]
        }))
        .unwrap();
        let mut r = put(dir, "application/vnd.oci.image.index.v1+json", &referrers);
        r["annotations"] = json!({ "org.opencontainers.image.ref.name": image.replace(':', "-") });
        std::fs::write(
            dir.join("index.json"),
            serde_json::to_vec(&json!({ "schemaVersion": 2, "manifests": [r] })).unwrap(),
        )
        .unwrap();
        tmp
    };
    let verifiers = Verifiers {
        identity: Some(slsa_builders_identity()),
        ..Verifiers::default()
    };
    let discover = |dir: &Path| {
        let store = Layout::open(dir).unwrap();
        oci::cosign::discover(&store, "referrers", &image, None, &verifiers).unwrap()
    };
    let good = make(&image, &bundle);
    let found = discover(good.path());
    assert_eq!(found.attestations.len(), 1, "{found:?}");
    let v = found.attestations[0]
        .outcome
        .as_ref()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        v.signer.contains("generator_container_slsa3.yml"),
        "{}",
        v.signer
    );
    assert!(found.attestations[0].origin.contains("referrer sha256:"));

    // A referrer whose subject is another manifest vouches for nothing.
    let other = format!("sha256:{}", "00".repeat(32));
    let found = discover(make(&other, &bundle).path());
    assert!(found.attestations[0].outcome.is_err());
    // A flipped byte in the bundle's signature.
    let mut value: Value = serde_json::from_slice(&bundle).unwrap();
    let sig = value["dsseEnvelope"]["signatures"][0]["sig"]
        .as_str()
        .unwrap()
        .to_string();
    let flipped = format!(
        "{}{}",
        if sig.starts_with('M') { "N" } else { "M" },
        &sig[1..]
    );
    value["dsseEnvelope"]["signatures"][0]["sig"] = json!(flipped);
    let found = discover(make(&image, &serde_json::to_vec(&value).unwrap()).path());
    assert!(found.attestations[0].outcome.is_err());
}

#[test]
fn docker_config_credentials() {
    use oci_client::secrets::RegistryAuth;
    use wasm_audit::oci::registry::auth_from_config;
    let config = serde_json::json!({ "auths": {
        "https://index.docker.io/v1/": { "auth": "dXNlcjpwYXNz" },
        "ghcr.io": { "username": "octo", "password": "tok" },
        "registry.example:5000": { "identitytoken": "bearer-token" },
        "broken.example": { "auth": "not base64!" },
        "empty.example": {}
    }});
    let basic = |u: &str, p: &str| RegistryAuth::Basic(u.into(), p.into());
    let eq = |a: RegistryAuth, b: RegistryAuth| {
        format!("{a:?}") == format!("{b:?}") && {
            match (&a, &b) {
                (RegistryAuth::Basic(_, x), RegistryAuth::Basic(_, y)) => x == y,
                (RegistryAuth::Bearer(x), RegistryAuth::Bearer(y)) => x == y,
                (RegistryAuth::Anonymous, RegistryAuth::Anonymous) => true,
                _ => false,
            }
        }
    };
    assert!(eq(
        auth_from_config(&config, "index.docker.io").unwrap(),
        basic("user", "pass")
    ));
    assert!(eq(
        auth_from_config(&config, "ghcr.io").unwrap(),
        basic("octo", "tok")
    ));
    assert!(eq(
        auth_from_config(&config, "registry.example:5000").unwrap(),
        RegistryAuth::Bearer("bearer-token".into())
    ));
    assert!(eq(
        auth_from_config(&config, "registry.example").unwrap(),
        RegistryAuth::Anonymous
    ));
    assert!(eq(
        auth_from_config(&config, "empty.example").unwrap(),
        RegistryAuth::Anonymous
    ));
    assert!(auth_from_config(&config, "broken.example").is_err());
}

/// A credential helper that never answers is killed when its time is up
/// (30 s in the tool; here 300 ms), and the lookup is a one-line error
/// saying so; one that answers in time is read.
#[cfg(unix)]
#[test]
fn a_credential_helper_that_does_not_answer_in_time_is_killed() {
    use std::os::unix::fs::PermissionsExt;
    use std::time::Duration;
    use wasm_audit::oci::registry::run_helper_at;
    let tmp = tempfile::tempdir().unwrap();
    let script = |name: &str, body: &str| {
        let path = tmp.path().join(name);
        std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        path
    };
    let pid_file = tmp.path().join("pid");
    let hangs = script(
        "docker-credential-hangs",
        &format!("echo $$ > '{}'\nexec sleep 60", pid_file.display()),
    );
    let started = std::time::Instant::now();
    let err = run_helper_at(&hangs, "ghcr.io", Duration::from_millis(300)).unwrap_err();
    assert_eq!(
        err,
        "credential helper docker-credential-hangs: no answer within 300 ms"
    );
    // Killed and reaped, not waited for: the 60 s sleep is gone.
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "{:?}",
        started.elapsed()
    );
    let pid = std::fs::read_to_string(&pid_file).unwrap();
    assert!(
        !Path::new(&format!("/proc/{}", pid.trim())).exists(),
        "the helper (pid {}) still runs",
        pid.trim()
    );

    let answers = script(
        "docker-credential-answers",
        r#"read server; printf '{"ServerURL":"%s","Username":"u","Secret":"s"}' "$server""#,
    );
    let auth = run_helper_at(&answers, "ghcr.io", Duration::from_secs(10)).unwrap();
    assert!(
        matches!(&auth, oci_client::secrets::RegistryAuth::Basic(u, p) if u == "u" && p == "s"),
        "{auth:?}"
    );
}

/// Docker keeps Docker Hub's credentials under `https://index.docker.io/v1/`
/// and uses them for `docker.io/...` references: every name of Docker Hub
/// finds them, in `auths` as in `credHelpers`. A key that is exactly the
/// registry wins; no other host ever gets another registry's entry.
#[test]
fn docker_config_entries_are_found_under_every_name_of_their_registry() {
    use oci_client::secrets::RegistryAuth;
    use wasm_audit::oci::registry::{auth_from_config, helper_for};
    let user = |a: RegistryAuth| match a {
        RegistryAuth::Basic(u, _) => u,
        RegistryAuth::Bearer(t) => format!("bearer {t}"),
        RegistryAuth::Anonymous => "anonymous".into(),
    };
    let config = serde_json::json!({ "auths": {
        "https://index.docker.io/v1/": { "username": "hub", "password": "p" },
        "http://registry.example:5000/v2/": { "username": "plain", "password": "p" },
        "ghcr.io": { "username": "exact", "password": "p" },
        "https://ghcr.io/": { "username": "with-scheme", "password": "p" }
    }});
    let auth = |r: &str| user(auth_from_config(&config, r).unwrap());
    for hub in ["docker.io", "index.docker.io", "registry-1.docker.io"] {
        assert_eq!(auth(hub), "hub", "{hub}");
    }
    assert_eq!(auth("registry.example:5000"), "plain");
    assert_eq!(auth("ghcr.io"), "exact");
    for other in [
        "docker.io.example",
        "example.com",
        "registry.example",
        "registry.example:5001",
        "ghcr.io:443",
        "v1",
        "",
    ] {
        assert_eq!(auth(other), "anonymous", "{other}");
    }

    let helpers = serde_json::json!({ "credHelpers": {
        "index.docker.io": "hub",
        "https://quay.io/v2/": "quay"
    }});
    let helper = |r: &str| helper_for(&helpers, r).unwrap();
    for hub in ["docker.io", "index.docker.io", "registry-1.docker.io"] {
        assert_eq!(helper(hub).as_deref(), Some("hub"), "{hub}");
    }
    assert_eq!(helper("quay.io").as_deref(), Some("quay"));
    assert_eq!(helper("docker.io.example"), None);
    let bad = serde_json::json!({ "credHelpers": { "https://quay.io/v2/": "a b" } });
    let err = helper_for(&bad, "quay.io").unwrap_err();
    assert!(
        err.contains(r#"credHelpers."https://quay.io/v2/""#),
        "{err}"
    );
}

/// A wac composition of three corpus components as a Wasm OCI artifact
/// whose config is what wkg would write (the root's imports and exports,
/// as the tool reports them): read back verified, no
/// `oci-config-mismatch`; with an export dropped from the config, one.
#[test]
fn a_composed_corpus_component_in_a_layout_matches_its_config() {
    use serde_json::json;
    use wasm_audit::check::cfg::Policy;
    use wasm_audit::check::{Input, PolicySource, Report};
    let Some([(_, caller), (_, middleware), (_, callee)]) = crate::composition::chain_inputs()
    else {
        return;
    };
    let composed = crate::composition::compose_chain(&caller, &middleware, &callee);
    let analysis =
        wasm_audit::analyze_bytes("c", &composed, &wasm_audit::Options::default()).unwrap();
    let (imports, exports) = crate::oci_fixture::root_names(&analysis);
    assert!(!imports.is_empty() && !exports.is_empty());
    let tmp = tempfile::tempdir().unwrap();
    let mut layout = crate::oci_fixture::Layout::new(&tmp.path().join("layout"));
    let good = layout.add_wasm("v1", &composed, |c| {
        c["component"]["imports"] = json!(imports);
        c["component"]["exports"] = json!(exports);
    });
    layout.add_wasm("v2", &composed, |c| {
        c["component"]["imports"] = json!(imports);
        c["component"]["exports"] = json!(exports[1..]);
    });
    layout.save();
    let audit = |tag: &str| {
        let input = format!("oci-layout:{}:{tag}", layout.dir.display());
        let source = wasm_audit::input::Source::from_arg(&input);
        let (loaded, analysis) =
            wasm_audit::analyze_source(&source, &wasm_audit::Options::default()).unwrap();
        assert_eq!(&loaded.bytes[..], &composed[..]);
        let oci = analysis.oci.clone().unwrap();
        let report = Report::generate(
            &[Input {
                file: input,
                analysis: Ok(analysis),
            }],
            &[],
            &Policy::default(),
            PolicySource::default(),
        );
        let mismatches: Vec<String> = report
            .findings
            .iter()
            .filter(|f| f.code.name() == "oci-config-mismatch")
            .map(|f| f.message.clone())
            .collect();
        (oci, mismatches)
    };
    let (oci, mismatches) = audit("v1");
    assert_eq!(oci.manifest_digest, good);
    assert!(mismatches.is_empty(), "{mismatches:?}");
    let (_, mismatches) = audit("v2");
    assert_eq!(mismatches.len(), 1, "{mismatches:?}");
    assert!(mismatches[0].contains(&exports[0]), "{mismatches:?}");
}

/// Which credential helper Docker would ask: `credHelpers`' entry for the
/// registry (Docker Hub under any of its names), else `credsStore`, else
/// none; a name that is not a plain program-name suffix is an error and is
/// never run.
#[test]
fn docker_config_credential_helpers() {
    use wasm_audit::oci::registry::helper_for;
    let config = serde_json::json!({
        "credsStore": "desktop",
        "credHelpers": {
            "123.dkr.ecr.us-east-1.amazonaws.com": "ecr-login",
            "https://index.docker.io/v1/": "hub",
            "empty.example": ""
        }
    });
    let helper = |r: &str| helper_for(&config, r).unwrap();
    assert_eq!(
        helper("123.dkr.ecr.us-east-1.amazonaws.com").as_deref(),
        Some("ecr-login")
    );
    assert_eq!(helper("docker.io").as_deref(), Some("hub"));
    assert_eq!(helper("index.docker.io").as_deref(), Some("hub"));
    assert_eq!(helper("ghcr.io").as_deref(), Some("desktop"));
    assert_eq!(helper("empty.example").as_deref(), Some("desktop"));
    let only_helpers = serde_json::json!({ "credHelpers": { "ghcr.io": "gh" } });
    assert_eq!(
        helper_for(&only_helpers, "ghcr.io").unwrap().as_deref(),
        Some("gh")
    );
    assert_eq!(helper_for(&only_helpers, "quay.io").unwrap(), None);
    assert_eq!(helper_for(&serde_json::json!({}), "quay.io").unwrap(), None);
    for hostile in [
        "../../bin/sh",
        "/bin/sh",
        "-version",
        ".hidden",
        "a b",
        "x;rm -rf",
        "\u{1b}[31mred",
    ] {
        let config = serde_json::json!({ "credsStore": hostile });
        let err = helper_for(&config, "ghcr.io").unwrap_err();
        assert!(err.contains("not a credential helper name"), "{err}");
        assert!(!err.contains('\u{1b}'), "{err}");
    }
    assert!(helper_for(&serde_json::json!({ "credsStore": 7 }), "ghcr.io").is_err());
    assert!(helper_for(&serde_json::json!({ "credHelpers": [] }), "ghcr.io").is_err());
}
