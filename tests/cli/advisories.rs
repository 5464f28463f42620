//! `--advisory-db` on `check`, `sbom` and `diff`, and `advisory-db` in
//! the policy: the acceptance fixture (a component whose second module
//! records a vulnerable `smallvec`) end to end, and the errors.

use std::path::Path;

use serde_json::Value;

use crate::common::{self, code, run};

fn write(dir: &Path, name: &str, bytes: &[u8]) -> String {
    let p = dir.join(name);
    std::fs::write(&p, bytes).expect("write");
    p.display().to_string()
}

#[test]
fn check_reports_the_vulnerable_crate_of_the_second_module_and_fails() {
    let Some(db) = common::advisory_db() else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let vulnerable = write(
        dir.path(),
        "vuln.wasm",
        &common::advisory_fixture("1.6.0", true),
    );
    let db = db.display().to_string();
    let policy = write(dir.path(), "p.toml", b"[nodes]\nunknown = \"allow\"\n");
    let out = run([
        "check",
        &vulnerable,
        "--policy",
        &policy,
        "--advisory-db",
        &db,
        "--format",
        "json",
    ]);
    assert_eq!(code(&out), 1, "{}", String::from_utf8_lossy(&out.stderr));
    let report: Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    let schema = common::schema_validator(&common::repo("schemas/report.schema.json"));
    common::assert_valid(&schema, &report, "report");
    let findings: Vec<(&str, &str, &str, &str)> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["code"].as_str().unwrap_or(""),
                f["severity"].as_str().unwrap_or(""),
                f["path"].as_str().unwrap_or(""),
                f["advisory"]["id"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        findings,
        vec![
            (
                "vulnerable-crate",
                "deny",
                "/module[1]",
                "RUSTSEC-2021-0003"
            ),
            (
                "unmaintained-crate",
                "warn",
                "/module[1]",
                "RUSTSEC-2021-0139"
            ),
        ]
    );
    assert_eq!(report["advisory_db"]["path"], db.as_str());

    // The patched version passes with the unmaintained warning only.
    let fixed = write(
        dir.path(),
        "fixed.wasm",
        &common::advisory_fixture("1.6.1", true),
    );
    let out = run(["check", &fixed, "--policy", &policy, "--advisory-db", &db]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(code(&out), 0, "{text}");
    assert!(text.contains("warn  unmaintained-crate"), "{text}");
    assert!(!text.contains("vulnerable-crate"), "{text}");

    // SARIF: one result per advisory, fingerprints that tell them apart.
    let out = run([
        "check",
        &vulnerable,
        "--policy",
        &policy,
        "--advisory-db",
        &db,
        "--format",
        "sarif",
    ]);
    let sarif: Value = serde_json::from_slice(&out.stdout).expect("SARIF");
    let prints: Vec<&str> = sarif["runs"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter_map(|r| r["partialFingerprints"]["wasmAuditFinding/v1"].as_str())
        .collect();
    assert_eq!(prints.len(), 2);
    assert_ne!(prints[0], prints[1]);
}

#[test]
fn the_policy_names_the_database_relative_to_itself_and_the_flag_overrides_it() {
    let Some(db) = common::advisory_db() else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let sub = dir.path().join("ci");
    std::fs::create_dir_all(&sub).expect("mkdir");
    // A copy of the one advisory needed, next to the policy.
    let adv = sub.join("db/crates/smallvec");
    std::fs::create_dir_all(&adv).expect("mkdir");
    std::fs::copy(
        db.join("crates/smallvec/RUSTSEC-2021-0003.md"),
        adv.join("RUSTSEC-2021-0003.md"),
    )
    .expect("copy");
    let policy = write(
        &sub,
        "p.toml",
        b"advisory-db = \"db\"\n[nodes]\nunknown = \"allow\"\n",
    );
    let input = write(
        dir.path(),
        "vuln.wasm",
        &common::advisory_fixture("1.6.0", false),
    );
    let out = run(["check", &input, "--policy", &policy]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(code(&out), 1, "{text}");
    assert!(text.contains("deny  vulnerable-crate"), "{text}");
    // The flag wins: an empty database finds nothing.
    let empty = dir.path().join("empty");
    std::fs::create_dir_all(empty.join("crates")).expect("mkdir");
    let out = run([
        "check",
        &input,
        "--policy",
        &policy,
        "--advisory-db",
        &empty.display().to_string(),
    ]);
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stdout));
}

#[test]
fn a_missing_or_malformed_database_is_one_line_and_exit_2_with_no_output_left() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = write(
        dir.path(),
        "vuln.wasm",
        &common::advisory_fixture("1.6.0", false),
    );
    let bad = dir.path().join("bad/crates/smallvec");
    std::fs::create_dir_all(&bad).expect("mkdir");
    std::fs::write(
        bad.join("RUSTSEC-2021-0003.md"),
        "```toml\n[advisory]\nid = \"RUSTSEC-2021-0003\"\npackage = \"smallvec\"\ndate = \"2021-01-08\"\n[versions]\npatched = [\">= 1.6.1 junk\"]\n```\n",
    )
    .expect("write");
    let bad_db = dir.path().join("bad").display().to_string();
    let missing = dir.path().join("missing").display().to_string();
    let sbom_out = dir.path().join("out.cdx.json");
    for (db, needle) in [
        (&missing, "no such advisory database"),
        (&bad_db, "RUSTSEC-2021-0003.md"),
    ] {
        for args in [
            vec!["check", &input, "--advisory-db", db],
            vec![
                "sbom",
                &input,
                "--advisory-db",
                db,
                "-o",
                sbom_out.to_str().expect("utf-8"),
            ],
            vec!["diff", &input, &input, "--advisory-db", db],
        ] {
            let out = run(&args);
            let err = String::from_utf8_lossy(&out.stderr);
            assert_eq!(code(&out), 2, "{args:?}: {err}");
            assert_eq!(err.trim_end().lines().count(), 1, "{args:?}: {err}");
            assert!(err.contains(needle), "{args:?}: {err}");
            assert!(out.stdout.is_empty(), "{args:?}");
            assert!(!sbom_out.exists(), "{args:?} left an SBOM");
        }
    }
}

#[test]
fn diff_reports_advisories_gained_and_lost() {
    let Some(db) = common::advisory_db() else {
        return;
    };
    let db = db.display().to_string();
    let dir = tempfile::tempdir().expect("tempdir");
    let old = write(
        dir.path(),
        "old.wasm",
        &common::advisory_fixture("1.6.1", false),
    );
    let new = write(
        dir.path(),
        "new.wasm",
        &common::advisory_fixture("1.6.0", false),
    );
    let out = run([
        "diff",
        &old,
        &new,
        "--advisory-db",
        &db,
        "--format",
        "json",
        "--fail-on",
        "vulnerability-added",
    ]);
    assert_eq!(code(&out), 1, "{}", String::from_utf8_lossy(&out.stderr));
    let d: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let schema = common::schema_validator(&common::repo("schemas/diff.schema.json"));
    common::assert_valid(&schema, &d, "diff");
    let v = &d["vulnerabilities"];
    assert_eq!(v.as_array().map(Vec::len), Some(1), "{v:#}");
    assert_eq!(v[0]["change"], "added");
    assert_eq!(v[0]["id"], "RUSTSEC-2021-0003");
    assert_eq!(v[0]["parts"], serde_json::json!(["/module[1]"]));
    // The other way round it is lost; without the flag nothing is said.
    let out = run([
        "diff",
        &new,
        &old,
        "--advisory-db",
        &db,
        "--fail-on",
        "vulnerability-removed",
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(code(&out), 1, "{text}");
    assert!(
        text.contains("- RUSTSEC-2021-0003 vulnerability smallvec 1.6.0"),
        "{text}"
    );
    let out = run(["diff", &new, &old, "--format", "json"]);
    let d: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert!(d.get("vulnerabilities").is_none() && d.get("events").is_some());
}

#[test]
fn sbom_carries_the_vulnerability_only_with_the_database() {
    let Some(db) = common::advisory_db() else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let input = write(
        dir.path(),
        "vuln.wasm",
        &common::advisory_fixture("1.6.0", false),
    );
    let out = run(["sbom", &input, "--advisory-db", &db.display().to_string()]);
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    let d: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(d["vulnerabilities"][0]["id"], "RUSTSEC-2021-0003");
    let without = run(["sbom", &input]);
    let d: Value = serde_json::from_slice(&without.stdout).expect("JSON");
    assert!(d.get("vulnerabilities").is_none());
}
