//! `oci-layout:` inputs end to end: a Wasm OCI artifact in a layout built
//! here, with cosign's tag-scheme attestation and signature made with an
//! openssl key; and the hostile layouts (a swapped layer, an edited config,
//! the attestation removed, two wasm layers, a lying size, another digest
//! algorithm, a container image).

use std::path::PathBuf;

use serde_json::{json, Value};

use crate::common;
use crate::common::finding_codes as codes;
use crate::oci_fixture::{component, signed_artifact, Layout, ARTIFACT_POLICY};

struct Fixture {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
    layout: Layout,
    manifest: String,
    key: PathBuf,
}

fn fixture() -> Option<Fixture> {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_path_buf();
    let (layout, manifest, key) =
        signed_artifact(&dir, "app", &component(), |_| {}, ARTIFACT_POLICY)?;
    layout.save();
    Some(Fixture {
        _tmp: tmp,
        dir,
        layout,
        manifest,
        key,
    })
}

impl Fixture {
    fn reference(&self, pin: &str) -> String {
        format!("oci-layout:{}{pin}", self.layout.dir.display())
    }

    /// `check --format json` of `reference`: (exit code, report, stderr).
    fn check(&self, reference: &str) -> (i32, Value, String) {
        let policy = self.dir.join("wasm-audit.toml");
        let out = common::run([
            "check".as_ref(),
            "--policy".as_ref(),
            policy.as_os_str(),
            "--format".as_ref(),
            "json".as_ref(),
            reference.as_ref(),
        ]);
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        let report = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
        (common::code(&out), report, stderr)
    }
}

#[test]
fn a_signed_and_attested_wasm_artifact_passes_by_tag_and_by_digest() {
    let Some(f) = fixture() else { return };
    let (code, report, stderr) = f.check(&f.reference(":v1"));
    assert_eq!(code, 0, "{report:#}\n{stderr}");
    let schema = common::schema_validator(&common::repo("schemas/report.schema.json"));
    common::assert_valid(&schema, &report, "OCI report");
    let input = &report["inputs"][0];
    assert_eq!(
        input["oci"]["manifest_digest"],
        f.manifest.as_str(),
        "{input:#}"
    );
    assert_eq!(input["oci"]["layer_digest"], common::sha256(&component()));
    assert_eq!(
        input["oci"]["signatures"].as_array().map(Vec::len),
        Some(1),
        "{input:#}"
    );
    let atts = report["attestations"].as_array().unwrap();
    assert!(
        atts.iter().any(
            |a| a["verified"] == true && a["origin"].as_str().unwrap().contains(".att layer 0")
        ),
        "{atts:#?}"
    );
    // Pinned by the manifest digest; and the layout's only image (cosign's
    // entries and a referrers index, tagged `sha256-<hex>`, are not images).
    let (code, _, stderr) = f.check(&f.reference(&format!("@{}", f.manifest)));
    assert_eq!(code, 0, "{stderr}");
    let mut f = f;
    let empty_index = json!({ "schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": [] });
    let tag = f.manifest.replace(':', "-");
    f.layout.put_manifest(&tag, &empty_index);
    f.layout.save();
    let (code, report, stderr) = f.check(&f.reference(""));
    assert_eq!(code, 0, "{report:#}\n{stderr}");
    // The text report names the manifest and the signer.
    let policy = f.dir.join("wasm-audit.toml");
    let out = common::run([
        "check".as_ref(),
        "--policy".as_ref(),
        policy.as_os_str(),
        f.reference(":v1").as_ref(),
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(&format!("OCI manifest {}", f.manifest)),
        "{text}"
    );
    assert!(text.contains("signed by key sha256:"), "{text}");
    // Every command reads it.
    let out = common::run(["tree".to_string(), f.reference(":v1")]);
    assert_eq!(
        common::code(&out),
        0,
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = common::run(["digests".to_string(), f.reference(":v1")]);
    assert!(String::from_utf8_lossy(&out.stdout).contains(&common::sha256(&component())));
}

#[test]
fn a_swapped_layer_is_refused() {
    let Some(f) = fixture() else { return };
    let layer = common::sha256(&component());
    // Same size, one byte changed: the digest tells.
    let mut other = component();
    *other.last_mut().unwrap() ^= 1;
    std::fs::write(f.layout.blob_path(&layer), &other).unwrap();
    let (code, _, stderr) = f.check(&f.reference(":v1"));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("its bytes have digest"), "{stderr}");
    // Longer: cut off at the declared size.
    let mut longer = component();
    longer.extend_from_slice(&[0, 4, 3, b'x', b'x', b'x']); // a custom section appended
    std::fs::write(f.layout.blob_path(&layer), &longer).unwrap();
    let (code, _, stderr) = f.check(&f.reference(":v1"));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("more bytes than the"), "{stderr}");
    assert!(stderr.contains("substituted or corrupt"), "{stderr}");
}

#[test]
fn a_manifest_not_matching_its_pinned_digest_is_refused() {
    let Some(f) = fixture() else { return };
    let path = f.layout.blob_path(&f.manifest);
    let mut bytes = std::fs::read(&path).unwrap();
    bytes.push(b' ');
    std::fs::write(&path, bytes).unwrap();
    let (code, _, stderr) = f.check(&f.reference(&format!("@{}", f.manifest)));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("(substituted)"), "{stderr}");
}

#[test]
fn edited_config_imports_are_oci_config_mismatch() {
    let Some(mut f) = fixture() else { return };
    let key = f.key.clone();
    let manifest = f.layout.add_wasm("v2", &component(), |c| {
        c["component"]["imports"] = json!(["wasi:cli/stdout@0.2.0"]);
    });
    f.layout.attest(&key, &manifest, |_| {});
    f.layout.save();
    let (code, report, stderr) = f.check(&f.reference(":v2"));
    assert_eq!(code, 1, "{report:#}\n{stderr}");
    assert_eq!(codes(&report), ["oci-config-mismatch"], "{report:#}");
    let schema = common::schema_validator(&common::repo("schemas/report.schema.json"));
    common::assert_valid(&schema, &report, "OCI report");
    let message = report["findings"][0]["message"].as_str().unwrap();
    assert!(message.contains("wasi:cli/environment@0.2.0"), "{message}");
    assert!(message.contains("wasi:cli/stdout@0.2.0"), "{message}");
    // os and layerDigests too.
    let manifest = f.layout.add_wasm("v3", &component(), |c| {
        c["os"] = json!("wasip1");
        c["layerDigests"] =
            json!(["sha256:0000000000000000000000000000000000000000000000000000000000000000"]);
    });
    f.layout.attest(&key, &manifest, |_| {});
    f.layout.save();
    let (code, report, _) = f.check(&f.reference(":v3"));
    assert_eq!(code, 1);
    assert_eq!(
        codes(&report),
        ["oci-config-mismatch", "oci-config-mismatch"],
        "{report:#}"
    );
}

#[test]
fn a_removed_attestation_fails_under_require_provenance() {
    let Some(mut f) = fixture() else { return };
    let tag = format!("{}.att", f.manifest.replace(':', "-"));
    f.layout.untag(&tag);
    f.layout.save();
    let (code, report, stderr) = f.check(&f.reference(":v1"));
    assert_eq!(code, 1, "{stderr}");
    assert!(
        codes(&report).contains(&"provenance-missing".to_string()),
        "{report:#}"
    );
}

#[test]
fn an_attestation_for_another_manifest_or_tampered_fails() {
    let Some(mut f) = fixture() else { return };
    let key = f.key.clone();
    let manifest = f.manifest.clone();
    // The statement names another digest: it vouches for nothing.
    f.layout.attest(&key, &manifest, |s| {
        s["subject"][0]["digest"]["sha256"] = json!("11".repeat(32));
    });
    f.layout.save();
    let (code, report, _) = f.check(&f.reference(":v1"));
    assert_eq!(code, 1);
    assert!(
        codes(&report).contains(&"provenance-invalid".to_string()),
        "{report:#}"
    );
    // A signature over another manifest digest fails closed.
    let mut g = fixture().unwrap();
    let (key, manifest) = (g.key.clone(), g.manifest.clone());
    g.layout
        .sign(&key, &manifest, &format!("sha256:{}", "22".repeat(32)));
    g.layout.save();
    let (code, report, _) = g.check(&g.reference(":v1"));
    assert_eq!(code, 1);
    assert!(
        codes(&report).contains(&"provenance-invalid".to_string()),
        "{report:#}"
    );
}

/// A manifest under `tag` with these layers and a Wasm config.
fn raw_manifest(layout: &mut Layout, tag: &str, layers: Value) -> String {
    let config = layout.put(crate::oci_fixture::WASM_CONFIG, b"{}");
    layout.put_manifest(
        tag,
        &json!({ "schemaVersion": 2, "mediaType": crate::oci_fixture::MANIFEST, "config": config, "layers": layers }),
    )
}

fn check_error(f: &Fixture, tag: &str, expected: &str) {
    let (code, report, stderr) = f.check(&f.reference(&format!(":{tag}")));
    assert_eq!(code, 2, "{tag}: {report:#}\n{stderr}");
    assert!(stderr.contains(expected), "{tag}: {stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}

#[test]
fn hostile_manifests_are_clear_errors() {
    let Some(mut f) = fixture() else { return };
    let wasm = component();
    let layer = f.layout.put("application/wasm", &wasm);
    // Two wasm layers.
    raw_manifest(&mut f.layout, "two", json!([layer, layer]));
    // A size larger than the limit (the bytes are never read).
    let mut huge = layer.clone();
    huge["size"] = json!(1u64 << 40);
    raw_manifest(&mut f.layout, "huge", json!([huge]));
    // A size that lies (smaller than the bytes).
    let mut small = layer.clone();
    small["size"] = json!(8);
    raw_manifest(&mut f.layout, "small", json!([small]));
    // Another digest algorithm.
    let mut sha512 = layer.clone();
    sha512["digest"] = json!(format!("sha512:{}", "ab".repeat(64)));
    raw_manifest(&mut f.layout, "sha512", json!([sha512]));
    // No wasm layer (a container image's layer).
    let tar = f
        .layout
        .put("application/vnd.oci.image.layer.v1.tar+gzip", b"not wasm");
    raw_manifest(&mut f.layout, "container", json!([tar]));
    // The older wasm layer media type is accepted.
    let mut old = layer.clone();
    old["mediaType"] = json!("application/vnd.wasm.content.layer.v1+wasm");
    raw_manifest(&mut f.layout, "old", json!([old]));
    f.layout.save();
    check_error(&f, "two", "2 wasm layers");
    check_error(&f, "small", "more bytes than the 8 its descriptor declares");
    // Past the size limit: `check` fails it (limit-exceeded), the bytes
    // are never read; other commands give an error.
    let (code, report, _) = f.check(&f.reference(":huge"));
    assert_eq!(code, 1, "{report:#}");
    assert!(
        codes(&report).contains(&"limit-exceeded".to_string()),
        "{report:#}"
    );
    let out = common::run(["tree".to_string(), f.reference(":huge")]);
    assert_eq!(common::code(&out), 2);
    assert!(String::from_utf8_lossy(&out.stderr).contains("--max-file-size"));
    check_error(&f, "sha512", "only sha256");
    check_error(&f, "container", "no wasm layer");
    check_error(&f, "absent", "no tag \"absent\"");
    let out = common::run(["tree".to_string(), f.reference(":old")]);
    assert_eq!(
        common::code(&out),
        0,
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // A layout with several images and no tag given.
    let (code, _, stderr) = f.check(&f.reference(""));
    assert_eq!(code, 2);
    assert!(stderr.contains("name one with :TAG or @DIGEST"), "{stderr}");
    // Not a layout; a malformed reference.
    for (arg, expected) in [
        (
            format!("oci-layout:{}", f.dir.display()),
            "not an OCI image layout",
        ),
        ("oci-layout:".to_string(), "no layout directory"),
        (
            format!("oci-layout:{}:bad/tag", f.dir.display()),
            "not an OCI image layout",
        ),
        (
            format!("oci-layout:{}@md5:00", f.dir.display()),
            "only sha256",
        ),
    ] {
        let out = common::run(["tree".to_string(), arg.clone()]);
        assert_eq!(common::code(&out), 2, "{arg}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(expected), "{arg}: {stderr}");
    }
}

#[test]
fn the_slsa_container_layout_is_not_wasm_a_clear_error() {
    let Some(dir) = common::slsa_container_layout() else {
        return;
    };
    let out = common::run(["check".to_string(), format!("oci-layout:{}", dir.display())]);
    assert_eq!(common::code(&out), 2);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("image index") && stderr.contains("no wasm layer"),
        "{stderr}"
    );
}

/// A registry that is not there: a one-line error naming the cause, exit 2,
/// over HTTPS by default and over HTTP with --plain-http.
#[test]
fn an_unreachable_registry_is_a_one_line_error() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let reference = format!("oci://127.0.0.1:{port}/org/app:v1");
    for (plain, scheme) in [(false, "https://"), (true, "http://")] {
        let mut args = vec!["tree".to_string()];
        if plain {
            args.push("--plain-http".into());
        }
        args.push(reference.clone());
        let out = common::run(&args);
        assert_eq!(common::code(&out), 2);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.contains(scheme), "{stderr}");
        assert!(stderr.to_lowercase().contains("refused"), "{stderr}");
    }
}

/// A keyless cosign signature (certificate annotation) beside a key-signed
/// one: not verified, not held to the key (no failure); the key-signed one
/// still counts.
#[test]
fn a_keyless_signature_is_skipped_not_failed() {
    let Some(mut f) = fixture() else { return };
    let tag = format!("{}.sig", f.manifest.replace(':', "-"));
    let sig_manifest: Value = serde_json::from_slice(
        &f.layout
            .manifests
            .iter()
            .find(|(t, _)| *t == tag)
            .unwrap()
            .1,
    )
    .unwrap();
    let mut keyless = f.layout.put(
        "application/vnd.dev.cosign.simplesigning.v1+json",
        br#"{"critical":{"image":{"docker-manifest-digest":"sha256:00"}}}"#,
    );
    keyless["annotations"] = json!({
        "dev.cosignproject.cosign/signature": "MEUCIQ==",
        "dev.sigstore.cosign/certificate": "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
    });
    let mut both = sig_manifest.clone();
    both["layers"] = json!([sig_manifest["layers"][0], keyless]);
    f.layout.put_manifest(&tag, &both);
    f.layout.save();
    let (code, report, stderr) = f.check(&f.reference(":v1"));
    assert_eq!(code, 0, "{report:#}\n{stderr}");
    assert_eq!(
        report["inputs"][0]["oci"]["signatures"]
            .as_array()
            .map(Vec::len),
        Some(1),
        "{report:#}"
    );
}
