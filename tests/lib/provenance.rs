//! Provenance of the parts of a composition: a wac composition of three
//! corpus components, each with a DSSE attestation made here with a test
//! key (the `cosign attest-blob --key` format: an in-toto statement with
//! SLSA v1 provenance, signed over the DSSE pre-authentication encoding
//! with openssl), audited with `check --attestation`. And the hostile
//! attestations: a flipped byte, a subject naming another digest, an
//! attestation for the parent only, the payload type swapped, a statement
//! type that is not in-toto, a softened severity.

use std::path::PathBuf;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde_json::{json, Value};

use crate::common;
use crate::composition::{chain_inputs, compose_chain};

const BUILDER: &str = "https://github.com/slsa-framework/slsa-github-generator/.github/workflows/builder_container-based_slsa3.yml@refs/tags/v2.1.0";

/// An in-toto statement with SLSA v1 provenance for `digest`, built from
/// `github.com/example/<repo>` at tag `v1.0.0`.
fn statement(name: &str, digest: &str, repo: &str) -> Value {
    json!({
        "_type": "https://in-toto.io/Statement/v1",
        "subject": [{ "name": name, "digest": { "sha256": digest.trim_start_matches("sha256:") } }],
        "predicateType": "https://slsa.dev/provenance/v1",
        "predicate": {
            "buildDefinition": {
                "buildType": "https://slsa-framework.github.io/github-actions-buildtypes/workflow/v1",
                "externalParameters": {
                    "source": {
                        "uri": format!("git+https://github.com/example/{repo}@refs/tags/v1.0.0"),
                        "digest": { "sha1": "0123456789abcdef0123456789abcdef01234567" }
                    }
                },
                "internalParameters": { "GITHUB_REF": "refs/tags/v1.0.0" }
            },
            "runDetails": { "builder": { "id": BUILDER } }
        }
    })
}

struct Fixture {
    _dir: tempfile::TempDir,
    dir: PathBuf,
    key: PathBuf,
    composed: PathBuf,
    /// (name, digest, path in the composition) of the three parts.
    parts: Vec<(String, String, String)>,
    root_digest: String,
}

fn fixture() -> Option<Fixture> {
    let inputs = chain_inputs()?;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_path_buf();
    let (key, _) = common::p256_key(&dir, "attest")?;
    let [(_, caller), (_, middleware), (_, callee)] = &inputs;
    let composed = compose_chain(caller, middleware, callee);
    let file = dir.join("composed.wasm");
    std::fs::write(&file, &composed).unwrap();
    // Where each part sits, from the tool's own tree.
    let out = common::run([
        "tree".as_ref(),
        "--format".as_ref(),
        "json".as_ref(),
        file.as_os_str(),
    ]);
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let nodes = doc["files"][0]["nodes"].as_array().unwrap().clone();
    let mut parts = Vec::new();
    for (name, bytes) in &inputs {
        let digest = common::sha256(bytes);
        let node = nodes
            .iter()
            .find(|n| n["digest"] == digest)
            .unwrap_or_else(|| panic!("{name} is in the composition"));
        parts.push((
            name.trim_end_matches(".wasm").to_string(),
            digest,
            node["path"].as_str().unwrap().to_string(),
        ));
    }
    // Trust: the three parts, in an unsigned set (the policy accepts it):
    // this test is about provenance.
    let set = json!({ "version": 1, "entries": parts.iter().map(|(n, d, _)| json!({ "name": n, "digest": d })).collect::<Vec<_>>() });
    common::write_json(&dir.join("trusted.json"), &set);
    std::fs::create_dir(dir.join("att")).unwrap();
    Some(Fixture {
        _dir: tmp,
        dir,
        key,
        composed: file,
        parts,
        root_digest: common::sha256(&composed),
    })
}

impl Fixture {
    /// Writes the attestation of part `i` (its statement as `edit` leaves it).
    fn attest(&self, i: usize, edit: impl FnOnce(&mut Value)) -> PathBuf {
        let (name, digest, _) = &self.parts[i];
        let mut st = statement(name, digest, name);
        edit(&mut st);
        let env = common::dsse_envelope(
            &self.dir,
            &self.key,
            "application/vnd.in-toto+json",
            &serde_json::to_vec(&st).unwrap(),
        );
        let path = self.dir.join("att").join(format!("{name}.intoto.json"));
        common::write_json(&path, &env);
        path
    }

    fn attest_all(&self) {
        for i in 0..3 {
            self.attest(i, |_| {});
        }
    }

    /// `check` with the policy `extra` appended; (exit code, JSON report).
    fn check(&self, extra: &str) -> (i32, Value) {
        let policy = format!(
            "[trust]\nrequire-signature = false\nsets = [{{ path = \"trusted.json\" }}]\n\n\
             [provenance]\nrequire-provenance = true\nkey = \"attest.pub\"\nattestations = [\"att\"]\n{extra}"
        );
        let p = self.dir.join("wasm-audit.toml");
        std::fs::write(&p, policy).unwrap();
        let out = common::run([
            "check".as_ref(),
            "--policy".as_ref(),
            p.as_os_str(),
            "--format".as_ref(),
            "json".as_ref(),
            self.composed.as_os_str(),
        ]);
        let code = common::code(&out);
        let report: Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
        (code, report)
    }
}

fn findings<'a>(report: &'a Value, code: &str) -> Vec<&'a Value> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == code)
        .collect()
}

#[test]
fn a_composition_passes_with_an_attestation_for_every_part() {
    let Some(fx) = fixture() else { return };
    fx.attest_all();
    let (code, report) = fx.check("");
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["verdict"], "pass");
    // Each part's node says which attestation vouches for it.
    for (name, digest, path) in &fx.parts {
        let node = report["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|n| n["path"] == path.as_str())
            .unwrap();
        assert_eq!(node["digest"], digest.as_str());
        let prov = node["provenance"].as_array().expect("provenance listed");
        assert_eq!(prov.len(), 1, "{node:#}");
        assert!(
            prov[0]["attestation"]
                .as_str()
                .unwrap()
                .ends_with(&format!("{name}.intoto.json")),
            "{prov:?}"
        );
        assert_eq!(prov[0]["builder_id"], BUILDER);
        assert!(prov[0]["signer"]
            .as_str()
            .unwrap()
            .starts_with("key sha256:"));
    }
    // The SBOM carries the verified provenance on the parts it covers.
    let sbom_path = fx.dir.join("composed.cdx.json");
    let out = common::run([
        "check".as_ref(),
        "--policy".as_ref(),
        fx.dir.join("wasm-audit.toml").as_os_str(),
        "--sbom".as_ref(),
        format!("cyclonedx-json={}", sbom_path.display()).as_ref(),
        fx.composed.as_os_str(),
    ]);
    assert_eq!(common::code(&out), 0);
    let sbom: Value = serde_json::from_slice(&std::fs::read(&sbom_path).unwrap()).unwrap();
    fn components<'a>(v: &'a Value, out: &mut Vec<&'a Value>) {
        for c in v["components"].as_array().into_iter().flatten() {
            out.push(c);
            components(c, out);
        }
    }
    let mut all = vec![&sbom["metadata"]["component"]];
    components(&sbom, &mut all);
    components(&sbom["metadata"]["component"], &mut all);
    let prop = |c: &Value, name: &str| -> Vec<String> {
        c["properties"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|p| p["name"] == name)
            .map(|p| p["value"].as_str().unwrap().to_string())
            .collect()
    };
    for (name, _, path) in &fx.parts {
        let c = all
            .iter()
            .find(|c| prop(c, "wasm-audit:path") == [path.clone()])
            .unwrap_or_else(|| panic!("{path} in the SBOM"));
        assert_eq!(prop(c, "wasm-audit:provenance:builder"), [BUILDER]);
        assert_eq!(
            prop(c, "wasm-audit:provenance:source"),
            [format!(
                "git+https://github.com/example/{name}@refs/tags/v1.0.0"
            )]
        );
        assert_eq!(
            prop(c, "wasm-audit:provenance:commit"),
            ["0123456789abcdef0123456789abcdef01234567"]
        );
    }
    // Nodes nothing vouches for carry none.
    let vouched = all
        .iter()
        .filter(|c| !prop(c, "wasm-audit:provenance:attestation").is_empty())
        .count();
    assert_eq!(vouched, 3);
    // The JSON report still validates against its schema.
    let v = common::schema_validator(&common::repo("schemas/report.schema.json"));
    common::assert_valid(&v, &report, "report with provenance");
}

#[test]
fn a_dropped_attestation_is_provenance_missing_on_that_path() {
    let Some(fx) = fixture() else { return };
    for dropped in 0..3 {
        std::fs::remove_dir_all(fx.dir.join("att")).unwrap();
        std::fs::create_dir(fx.dir.join("att")).unwrap();
        for i in (0..3).filter(|&i| i != dropped) {
            fx.attest(i, |_| {});
        }
        let (code, report) = fx.check("");
        assert_eq!(code, 1, "{report:#}");
        let missing = findings(&report, "provenance-missing");
        assert_eq!(missing.len(), 1, "{missing:?}");
        assert_eq!(missing[0]["path"], fx.parts[dropped].2.as_str());
        assert_eq!(missing[0]["severity"], "deny");
    }
}

#[test]
fn an_attestation_naming_another_source_is_provenance_mismatch() {
    let Some(fx) = fixture() else { return };
    fx.attest_all();
    let (name, digest, path) = fx.parts[2].clone();
    let rule = format!(
        "\n[[provenance.part]]\nmatch = \"{digest}\"\nsource-uri = \"github.com/example/{name}\"\nsource-tag = \"v1.0.0\"\n"
    );
    let (code, report) = fx.check(&rule);
    assert_eq!(code, 0, "the right source passes: {report:#}");
    // The same part, attested as built from another repository.
    fx.attest(2, |st| {
        st["predicate"]["buildDefinition"]["externalParameters"]["source"]["uri"] =
            json!("git+https://github.com/evil/fork@refs/tags/v1.0.0");
    });
    let (code, report) = fx.check(&rule);
    assert_eq!(code, 1);
    let mm = findings(&report, "provenance-mismatch");
    assert_eq!(mm.len(), 1, "{report:#}");
    assert_eq!(mm[0]["path"], path.as_str());
    assert!(mm[0]["message"]
        .as_str()
        .unwrap()
        .contains("github.com/evil/fork"));
    // A wrong tag or branch rule: mismatch too.
    fx.attest(2, |_| {});
    for wrong in [
        "source-tag = \"v2.0.0\"",
        "source-branch = \"release\"",
        "builder-id = \"https://github.com/evil/builder/.github/workflows/b.yml\"",
    ] {
        let rule = format!("\n[[provenance.part]]\nmatch = \"{digest}\"\n{wrong}\n");
        let (code, report) = fx.check(&rule);
        assert_eq!(code, 1, "{wrong}");
        assert_eq!(
            findings(&report, "provenance-mismatch").len(),
            1,
            "{wrong}: {report:#}"
        );
    }
    // Softening the mismatch never lets the part through: it still has no
    // provenance, which denies.
    fx.attest(2, |st| {
        st["predicate"]["buildDefinition"]["externalParameters"]["source"]["uri"] =
            json!("git+https://github.com/evil/fork@refs/tags/v1.0.0");
    });
    let (code, report) = fx.check(&format!(
        "{rule}\n[severity]\nprovenance-mismatch = \"warn\"\n"
    ));
    assert_eq!(code, 1, "{report:#}");
    let missing = findings(&report, "provenance-missing");
    assert_eq!(missing.len(), 1);
    assert_eq!(missing[0]["path"], path.as_str());
}

/// slsa-verifier's three workflow-input cases (match, a missing field, a
/// different value), on a part whose provenance records the inputs of its
/// `workflow_dispatch` run (a boolean and a number among them, compared as
/// text as slsa-verifier does).
#[test]
fn workflow_inputs_must_match_the_policy() {
    let Some(fx) = fixture() else { return };
    fx.attest_all();
    let (_, digest, path) = fx.parts[1].clone();
    fx.attest(1, |st| {
        st["predicate"]["buildDefinition"]["externalParameters"]["inputs"] = json!({
            "release_version": "(for example, 0.1.0)",
            "some_bool": true,
            "some_integer": 123
        });
    });
    let rule = |inputs: &str| {
        format!(
            "\n[[provenance.part]]\nmatch = \"{digest}\"\nbuild-workflow-inputs = {{ {inputs} }}\n"
        )
    };
    let (code, report) = fx.check(&rule(
        "release_version = \"(for example, 0.1.0)\", some_bool = \"true\", some_integer = \"123\"",
    ));
    assert_eq!(code, 0, "matching inputs pass: {report:#}");
    for (wrong, says) in [
        (
            "release_version = \"(for example, 0.1.0)\", some_bool = \"true\", missing_field = \"123\"",
            "no input missing_field",
        ),
        (
            "release_version = \"(for example, 0.1.0)\", some_bool = \"true\", some_integer = \"321\"",
            "some_integer is \"123\"",
        ),
    ] {
        let (code, report) = fx.check(&rule(wrong));
        assert_eq!(code, 1, "{wrong}");
        let mm = findings(&report, "provenance-mismatch");
        assert_eq!(mm.len(), 1, "{wrong}: {report:#}");
        assert_eq!(mm[0]["path"], path.as_str());
        let message = mm[0]["message"].as_str().unwrap();
        assert!(message.contains("workflow input mismatch") && message.contains(says), "{message}");
    }
    // A provenance without inputs does not meet a rule that names one.
    fx.attest(1, |_| {});
    let (code, _) = fx.check(&rule("some_bool = \"true\""));
    assert_eq!(code, 1);
}

#[test]
fn a_flipped_byte_in_any_attestation_is_provenance_invalid() {
    let Some(fx) = fixture() else { return };
    for victim in 0..3 {
        fx.attest_all();
        let path = fx
            .dir
            .join("att")
            .join(format!("{}.intoto.json", fx.parts[victim].0));
        let mut env: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        let mut payload = STANDARD.decode(env["payload"].as_str().unwrap()).unwrap();
        // One byte of the statement (inside the builder id).
        let at = payload.windows(7).position(|w| w == b"builder").unwrap();
        payload[at] ^= 0x01;
        env["payload"] = json!(STANDARD.encode(&payload));
        common::write_json(&path, &env);
        let (code, report) = fx.check("");
        assert_eq!(code, 1);
        let invalid = findings(&report, "provenance-invalid");
        assert_eq!(invalid.len(), 1, "{report:#}");
        assert!(invalid[0]["file"]
            .as_str()
            .unwrap()
            .ends_with(&format!("{}.intoto.json", fx.parts[victim].0)));
        // And it vouches for nothing: that part is missing provenance.
        let missing = findings(&report, "provenance-missing");
        assert_eq!(missing.len(), 1);
        assert_eq!(missing[0]["path"], fx.parts[victim].2.as_str());
    }
    // No policy can soften it.
    let (code, _) = {
        let p = fx.dir.join("soft.toml");
        std::fs::write(&p, "[severity]\nprovenance-invalid = \"warn\"\n").unwrap();
        let out = common::run([
            "check".as_ref(),
            "--policy".as_ref(),
            p.as_os_str(),
            fx.composed.as_os_str(),
        ]);
        (common::code(&out), out)
    };
    assert_eq!(code, 2, "provenance-invalid always denies");
}

#[test]
fn hostile_attestations_vouch_for_nothing() {
    let Some(fx) = fixture() else { return };
    // A subject naming another digest (the parent's): part 0 is missing.
    fx.attest_all();
    let root = fx.root_digest.clone();
    fx.attest(0, |st| {
        st["subject"][0]["digest"]["sha256"] = json!(root.trim_start_matches("sha256:"));
    });
    let (code, report) = fx.check("");
    assert_eq!(code, 1);
    let missing = findings(&report, "provenance-missing");
    assert_eq!(missing.len(), 1, "{report:#}");
    assert_eq!(missing[0]["path"], fx.parts[0].2.as_str());

    // An attestation for the parent only: no part is vouched for.
    std::fs::remove_dir_all(fx.dir.join("att")).unwrap();
    std::fs::create_dir(fx.dir.join("att")).unwrap();
    let st = statement("composed", &fx.root_digest, "app");
    let env = common::dsse_envelope(
        &fx.dir,
        &fx.key,
        "application/vnd.in-toto+json",
        &serde_json::to_vec(&st).unwrap(),
    );
    common::write_json(&fx.dir.join("att/composed.intoto.json"), &env);
    let (code, report) = fx.check("");
    assert_eq!(code, 1);
    let paths: Vec<&str> = findings(&report, "provenance-missing")
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    let mut want: Vec<&str> = fx.parts.iter().map(|p| p.2.as_str()).collect();
    let mut got = paths.clone();
    want.sort();
    got.sort();
    assert_eq!(got, want, "every part is missing provenance");

    // The payload type swapped (signed as such): not an in-toto statement.
    // A statement type that is not in-toto's (signed): refused too.
    for (payload_type, edit) in [
        ("application/json", None),
        (
            "application/vnd.in-toto+json",
            Some("https://example.com/NotAStatement/v1"),
        ),
    ] {
        std::fs::remove_dir_all(fx.dir.join("att")).unwrap();
        std::fs::create_dir(fx.dir.join("att")).unwrap();
        fx.attest_all();
        let (name, digest, path) = &fx.parts[1];
        let mut st = statement(name, digest, name);
        if let Some(t) = edit {
            st["_type"] = json!(t);
        }
        let env = common::dsse_envelope(
            &fx.dir,
            &fx.key,
            payload_type,
            &serde_json::to_vec(&st).unwrap(),
        );
        common::write_json(
            &fx.dir.join("att").join(format!("{name}.intoto.json")),
            &env,
        );
        let (code, report) = fx.check("");
        assert_eq!(code, 1, "{payload_type} {edit:?}");
        let invalid = findings(&report, "provenance-invalid");
        assert_eq!(invalid.len(), 1, "{report:#}");
        assert!(
            invalid[0]["message"]
                .as_str()
                .unwrap()
                .contains("not an in-toto statement"),
            "{invalid:?}"
        );
        let missing = findings(&report, "provenance-missing");
        assert_eq!(missing.len(), 1);
        assert_eq!(missing[0]["path"], path.as_str());
    }

    // The right statement signed with another key: invalid.
    std::fs::remove_dir_all(fx.dir.join("att")).unwrap();
    std::fs::create_dir(fx.dir.join("att")).unwrap();
    fx.attest_all();
    let (other, _) = common::p256_key(&fx.dir, "other").unwrap();
    let (name, digest, _) = &fx.parts[0];
    let st = statement(name, digest, name);
    let env = common::dsse_envelope(
        &fx.dir,
        &other,
        "application/vnd.in-toto+json",
        &serde_json::to_vec(&st).unwrap(),
    );
    common::write_json(
        &fx.dir.join("att").join(format!("{name}.intoto.json")),
        &env,
    );
    let (code, report) = fx.check("");
    assert_eq!(code, 1);
    assert_eq!(
        findings(&report, "provenance-invalid").len(),
        1,
        "{report:#}"
    );
}

/// A keyless attestation (real slsa-github-generator v2.1.0 provenance,
/// `testdata/provenance`) verified by `check` against the production root:
/// with the default identity (the generator's trusted workflows) it
/// verifies and is listed; with a policy naming another signer it is
/// `identity-mismatch` and fails the audit, vouching for nothing.
#[test]
fn keyless_attestations_are_held_to_the_policy_identity() {
    let dir = tempfile::tempdir().unwrap();
    let att = common::repo("testdata/provenance/example-package-v14.intoto.build.slsa");
    let app = common::repo("testdata/demo/app.wasm");
    for f in ["trusted.json", "trusted.json.sig", "cosign.pub"] {
        std::fs::copy(common::repo("testdata/demo").join(f), dir.path().join(f)).unwrap();
    }
    let run = |extra: &str| {
        let policy = format!(
            "[[trust.sets]]\npath = \"trusted.json\"\nsignature = \"trusted.json.sig\"\nkey = \"cosign.pub\"\n\n[provenance]\n{extra}"
        );
        let p = dir.path().join("wasm-audit.toml");
        std::fs::write(&p, policy).unwrap();
        let out = common::run([
            "check".as_ref(),
            "--policy".as_ref(),
            p.as_os_str(),
            "--attestation".as_ref(),
            att.as_os_str(),
            "--format".as_ref(),
            "json".as_ref(),
            app.as_os_str(),
        ]);
        let report: Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
        (common::code(&out), report)
    };
    let (code, report) = run("");
    assert_eq!(code, 0, "{report:#}");
    let a = &report["attestations"][0];
    assert_eq!(a["verified"], true, "{report:#}");
    assert!(a["signer"]
        .as_str()
        .unwrap()
        .ends_with("builder_container-based_slsa3.yml@refs/tags/v2.1.0"));
    assert!(findings(&report, "identity-mismatch").is_empty());

    let (code, report) = run(
        "certificate-identity = \"https://github.com/evil/repo/.github/workflows/release.yml@refs/heads/main\"\n\
         certificate-oidc-issuer = \"https://token.actions.githubusercontent.com\"\n",
    );
    assert_eq!(code, 1, "{report:#}");
    let mm = findings(&report, "identity-mismatch");
    assert_eq!(mm.len(), 1, "{report:#}");
    assert!(
        mm[0]["message"].as_str().unwrap().contains("evil/repo"),
        "{mm:?}"
    );
    assert_eq!(report["attestations"][0]["verified"], false);
    // The same with another OIDC issuer.
    let (code, report) = run(
        "certificate-identity-regexp = \"https://github.com/slsa-framework/.*\"\n\
         certificate-oidc-issuer = \"https://accounts.google.com\"\n",
    );
    assert_eq!(code, 1);
    assert_eq!(
        findings(&report, "identity-mismatch").len(),
        1,
        "{report:#}"
    );
}
