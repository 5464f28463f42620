//! Known vulnerabilities: every module's `.dep-v0` crates matched against
//! a RustSec advisory database (the snapshot in `../shared/advisory-db`,
//! and small databases written here for the rules the snapshot cannot
//! pin down: withdrawn advisories, platforms, malformed files).

use std::path::Path;

use crate::common;

use wasm_audit::advisory::Database;
use wasm_audit::audit::Auditor;
use wasm_audit::check::{Code, Outcome, Policy, Report, Severity};

/// A policy under which code needs no trust, so that only the advisory
/// findings decide the verdict.
fn no_trust_policy() -> Policy {
    Policy::parse("p.toml", "[nodes]\nunknown = \"allow\"\n").expect("policy")
}

fn audit(db: Database, bytes: &[u8]) -> Report {
    let mut auditor = Auditor::new(no_trust_policy());
    auditor.set_advisories(db);
    auditor.audit_bytes("fixture.wasm", bytes)
}

fn advisory_findings(report: &Report) -> Vec<&wasm_audit::check::Finding> {
    report
        .findings
        .iter()
        .filter(|f| {
            matches!(
                f.code,
                Code::VulnerableCrate | Code::UnmaintainedCrate | Code::UnsoundCrate
            )
        })
        .collect()
}

#[test]
fn the_snapshot_loads_and_the_second_module_carries_the_vulnerable_smallvec() {
    let Some(dir) = common::advisory_db() else {
        return;
    };
    let db = Database::open(&dir).expect("the snapshot loads");
    assert!(db.files >= 1000, "{} advisory files", db.files);
    let report = audit(db, &common::advisory_fixture("1.6.0", false));
    let found = advisory_findings(&report);
    assert_eq!(found.len(), 1, "{found:#?}");
    let f = found[0];
    assert_eq!(f.code, Code::VulnerableCrate);
    assert_eq!(f.severity, Severity::Deny);
    assert_eq!(f.path.as_deref(), Some("/module[1]"), "the SECOND module");
    let a = f.advisory.as_ref().expect("advisory details");
    assert_eq!(a.id, "RUSTSEC-2021-0003");
    assert_eq!(
        (a.krate.as_str(), a.version.as_str()),
        ("smallvec", "1.6.0")
    );
    assert!(
        a.patched.iter().any(|p| p.contains("1.6.1")),
        "{:?}",
        a.patched
    );
    assert!(
        a.aliases.iter().any(|x| x.starts_with("CVE-")),
        "{:?}",
        a.aliases
    );
    for needle in [
        "RUSTSEC-2021-0003",
        "smallvec 1.6.0",
        "/module[1]",
        ">= 1.6.1",
    ] {
        assert!(f.message.contains(needle), "{needle} in {}", f.message);
    }
    assert_eq!(report.verdict, Outcome::Fail);
    let used = report
        .advisory_db
        .as_ref()
        .expect("the report names the database");
    assert_eq!(used.path, dir.display().to_string());
}

#[test]
fn the_patched_version_gives_no_finding_and_unmaintained_only_warns() {
    let Some(dir) = common::advisory_db() else {
        return;
    };
    let db = Database::open(&dir).expect("the snapshot loads");
    let patched = audit(db.clone(), &common::advisory_fixture("1.6.1", false));
    assert!(
        advisory_findings(&patched).is_empty(),
        "{:#?}",
        patched.findings
    );
    assert_eq!(patched.verdict, Outcome::Pass);

    let report = audit(db, &common::advisory_fixture("1.6.1", true));
    let found = advisory_findings(&report);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].code, Code::UnmaintainedCrate);
    assert_eq!(found[0].severity, Severity::Warn);
    assert_eq!(found[0].path.as_deref(), Some("/module[1]"));
    assert_eq!(
        found[0].advisory.as_ref().map(|a| a.id.as_str()),
        Some("RUSTSEC-2021-0139")
    );
    assert_eq!(report.verdict, Outcome::Pass, "a warning does not fail");
    assert_eq!(report.summary.warnings, 1);
}

/// Writes `crates/<package>/<id>.md` under `dir`.
fn write_advisory(dir: &Path, package: &str, id: &str, extra: &str, versions: &str) {
    let d = dir.join("crates").join(package);
    std::fs::create_dir_all(&d).expect("mkdir");
    std::fs::write(
        d.join(format!("{id}.md")),
        format!(
            "```toml\n[advisory]\nid = \"{id}\"\npackage = \"{package}\"\ndate = \"2024-01-01\"\n{extra}\n[versions]\n{versions}\n```\n\n# A test advisory\n\nBody.\n"
        ),
    )
    .expect("write advisory");
}

#[test]
fn withdrawn_and_platform_bound_advisories_do_not_apply() {
    let dir = tempfile::tempdir().expect("tempdir");
    // Each of these affects smallvec 1.6.0 but must not be reported.
    write_advisory(
        dir.path(),
        "smallvec",
        "RUSTSEC-2099-0001",
        "withdrawn = \"2024-02-01\"",
        "patched = []",
    );
    write_advisory(
        dir.path(),
        "smallvec",
        "RUSTSEC-2099-0002",
        "[affected]\nos = [\"windows\"]",
        "patched = []",
    );
    write_advisory(
        dir.path(),
        "smallvec",
        "RUSTSEC-2099-0003",
        "[affected]\narch = [\"x86_64\"]",
        "patched = []",
    );
    write_advisory(
        dir.path(),
        "smallvec",
        "RUSTSEC-2099-0004",
        "informational = \"notice\"",
        "patched = []",
    );
    // Applies: wasm runs where the OS is `unknown`.
    write_advisory(
        dir.path(),
        "smallvec",
        "RUSTSEC-2099-0005",
        "[affected]\nos = [\"linux\", \"unknown\"]",
        "patched = [\">= 1.6.1\"]",
    );
    // Unsound: a warning.
    write_advisory(
        dir.path(),
        "libc",
        "RUSTSEC-2099-0006",
        "informational = \"unsound\"",
        "patched = [\">= 0.2.159\"]",
    );
    let db = Database::open(dir.path()).expect("loads");
    assert_eq!(db.files, 6);
    let report = audit(db, &common::advisory_fixture("1.6.0", false));
    let found: Vec<(Code, Option<&str>, &str)> = advisory_findings(&report)
        .iter()
        .map(|f| {
            (
                f.code,
                f.path.as_deref(),
                f.advisory.as_ref().map(|a| a.id.as_str()).unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        found,
        vec![
            (Code::UnsoundCrate, Some("/module[0]"), "RUSTSEC-2099-0006"),
            (
                Code::VulnerableCrate,
                Some("/module[1]"),
                "RUSTSEC-2099-0005"
            ),
        ]
    );
}

#[test]
fn the_severity_of_an_advisory_finding_follows_the_policy() {
    let dir = tempfile::tempdir().expect("tempdir");
    write_advisory(
        dir.path(),
        "smallvec",
        "RUSTSEC-2099-0001",
        "",
        "patched = [\">= 1.6.1\"]",
    );
    let policy = Policy::parse(
        "p.toml",
        "[nodes]\nunknown = \"allow\"\n[severity]\nvulnerable-crate = \"warn\"\n",
    )
    .expect("policy");
    let mut auditor = Auditor::new(policy);
    auditor.set_advisories(Database::open(dir.path()).expect("db"));
    let report = auditor.audit_bytes("f.wasm", &common::advisory_fixture("1.6.0", false));
    assert_eq!(report.verdict, Outcome::Pass);
    assert_eq!(report.summary.warnings, 1);
}

#[test]
fn a_missing_or_malformed_database_is_one_clear_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let missing = Database::open(&dir.path().join("nope")).expect_err("missing");
    assert!(
        missing
            .to_string()
            .contains("no such advisory database directory"),
        "{missing}"
    );
    let not_db = Database::open(dir.path()).expect_err("no crates/");
    assert!(
        not_db.to_string().contains("no `crates` directory"),
        "{not_db}"
    );

    write_advisory(
        dir.path(),
        "smallvec",
        "RUSTSEC-2099-0001",
        "",
        "patched = [\">= one\"]",
    );
    let e = Database::open(dir.path())
        .expect_err("bad requirement")
        .to_string();
    assert!(
        e.contains("RUSTSEC-2099-0001.md") && e.contains("one"),
        "{e}"
    );
    assert_eq!(e.lines().count(), 1, "{e}");

    let d = dir.path().join("crates/smallvec");
    std::fs::write(
        d.join("RUSTSEC-2099-0001.md"),
        "```toml\n[advisory]\nid = 5\n```\n",
    )
    .expect("write");
    let e = Database::open(dir.path())
        .expect_err("bad type")
        .to_string();
    assert!(e.contains("RUSTSEC-2099-0001.md:3:"), "{e}");

    // An advisory filed under the wrong crate would silently never match.
    std::fs::remove_file(d.join("RUSTSEC-2099-0001.md")).expect("rm");
    write_advisory(
        dir.path(),
        "smallvec",
        "RUSTSEC-2099-0002",
        "",
        "patched = []",
    );
    std::fs::rename(d.join("RUSTSEC-2099-0002.md"), {
        let other = dir.path().join("crates/other");
        std::fs::create_dir_all(&other).expect("mkdir");
        other.join("RUSTSEC-2099-0002.md")
    })
    .expect("mv");
    let e = Database::open(dir.path())
        .expect_err("wrong dir")
        .to_string();
    assert!(e.contains("crates/other"), "{e}");
}

/// Only crates.io crates: RustSec advisories are about crates.io names; a
/// local or git crate of the same name is not the same crate.
#[test]
fn crates_of_other_sources_are_not_matched() {
    use auditable_serde::{DependencyKind, Package, Source, VersionInfo};
    let dir = tempfile::tempdir().expect("tempdir");
    write_advisory(
        dir.path(),
        "smallvec",
        "RUSTSEC-2099-0001",
        "",
        "patched = []",
    );
    let info = VersionInfo {
        packages: vec![Package {
            name: "smallvec".into(),
            version: "1.6.0".parse().expect("version"),
            source: Source::Git,
            kind: DependencyKind::Runtime,
            dependencies: vec![],
            root: true,
        }],
        format: 0,
    };
    let payload =
        miniz_oxide::deflate::compress_to_vec_zlib(&serde_json::to_vec(&info).expect("json"), 6);
    let bytes = common::component_of(&[common::module_with_dep_v0(Some(&payload))]);
    let report = audit(Database::open(dir.path()).expect("db"), &bytes);
    assert!(
        advisory_findings(&report).is_empty(),
        "{:#?}",
        report.findings
    );
}

/// A hostile author writes the version so that it reads as fixed: build
/// metadata, a pre-release of the patched version, a pre-release tag that
/// says "patched". Each is still before `1.6.1` and still affected.
#[test]
fn version_strings_that_look_patched_do_not_dodge_an_advisory() {
    let dir = tempfile::tempdir().expect("tempdir");
    write_advisory(
        dir.path(),
        "smallvec",
        "RUSTSEC-2099-0001",
        "",
        "patched = [\">= 1.6.1\"]\nunaffected = [\"< 1.0.0\"]",
    );
    let db = Database::open(dir.path()).expect("db");
    for version in ["1.6.0+patched", "1.6.1-0", "1.6.1-rc.9", "1.6.0-fixed.1"] {
        let report = audit(db.clone(), &common::advisory_fixture(version, false));
        let found = advisory_findings(&report);
        assert_eq!(found.len(), 1, "{version}: {found:#?}");
        assert_eq!(found[0].code, Code::VulnerableCrate, "{version}");
        assert_eq!(report.verdict, Outcome::Fail, "{version}");
    }
    for version in ["1.6.1", "1.6.2-rc.1", "0.9.9"] {
        let report = audit(db.clone(), &common::advisory_fixture(version, false));
        assert!(advisory_findings(&report).is_empty(), "{version}");
    }
}

/// Every CVSS vector of the RustSec snapshot (3.0, 3.1 and 4.0) gets the
/// score and severity that the Python `cvss` package (RedTeam Pentesting's,
/// an implementation independent of both ours and RustSec's crate) gives
/// it. The vectors are read from the advisories' front matter by line, not
/// by the tool's parser.
#[test]
fn cvss_scores_match_an_independent_implementation() {
    use wasm_audit::advisory::cvss::base_score;
    let Some(db) = common::advisory_db() else {
        return;
    };
    let mut vectors = std::collections::BTreeSet::new();
    let mut stack = vec![db];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir)
            .expect("read advisory dir")
            .flatten()
        {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "md") {
                let text = std::fs::read_to_string(&path).expect("read advisory");
                for line in text.lines() {
                    if let Some(v) = line
                        .strip_prefix("cvss = \"")
                        .and_then(|v| v.strip_suffix('"'))
                    {
                        vectors.insert(v.to_string());
                    }
                }
            }
        }
    }
    let v4 = vectors
        .iter()
        .filter(|v| v.starts_with("CVSS:4.0/"))
        .count();
    assert!(
        v4 >= 20 && vectors.len() - v4 >= 50,
        "{v4} of {}",
        vectors.len()
    );
    let script = r#"
import sys
try:
    from cvss import CVSS3, CVSS4
except ImportError as e:
    print(f"the Python package cvss is missing ({e})")
    sys.exit(3)
for v in sys.stdin.read().split():
    if v.startswith("CVSS:4.0/"):
        c = CVSS4(v)
        print(v, f"{c.base_score:.1f}", c.severity.lower())
    else:
        c = CVSS3(v)
        print(v, f"{c.scores()[0]:.1f}", c.severities()[0].lower())
"#;
    let mut child = std::process::Command::new("python3")
        .args(["-c", script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("python3");
    {
        use std::io::Write as _;
        let mut stdin = child.stdin.take().unwrap();
        for v in &vectors {
            writeln!(stdin, "{v}").unwrap();
        }
    }
    let out = child.wait_with_output().expect("python3");
    if out.status.code() == Some(3) {
        let why = String::from_utf8_lossy(&out.stdout);
        assert!(
            std::env::var_os("CI").is_none(),
            "required in CI: {why} (python3 -m pip install cvss==3.4)"
        );
        eprintln!("SKIPPED: {why}; install it with: python3 -m pip install cvss==3.4");
        return;
    }
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8(out.stdout).unwrap();
    let mut compared = 0;
    for line in text.lines() {
        let mut fields = line.split(' ');
        let (Some(v), Some(score), Some(severity)) = (fields.next(), fields.next(), fields.next())
        else {
            panic!("{line}");
        };
        let ours = base_score(v).unwrap_or_else(|| panic!("no score for {v}"));
        assert_eq!(format!("{:.1}", ours.score), score, "{v}");
        assert_eq!(ours.severity, severity, "{v}");
        compared += 1;
    }
    assert_eq!(compared, vectors.len());
}
