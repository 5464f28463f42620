//! The host API ([`wasm_audit::audit::Auditor`]) used as an embedder would:
//! bytes in memory, signed sets loaded once, no command line and no files
//! for the audited component. The demo's signed set and key are read from
//! `testdata/demo` as a host would read its shipped manifest.

use wasm_audit::audit::Auditor;
use wasm_audit::check::{Code, Outcome, Policy};

use crate::common::repo;

fn demo(name: &str) -> Vec<u8> {
    std::fs::read(repo("testdata/demo").join(name)).expect("demo file")
}

fn demo_auditor() -> Auditor {
    // The demo's capability rules, without its `[trust]` paths: the host
    // adds the signed set from memory.
    let policy = Policy::parse(
        "host policy",
        "[capabilities]\ndeny = [\"wasi:sockets/*\", \"wasi:http/outgoing-handler\"]\n",
    )
    .expect("policy");
    let mut auditor = Auditor::new(policy);
    auditor
        .add_signed_set(
            "trusted.json",
            &demo("trusted.json"),
            &demo("trusted.json.sig"),
            &demo("cosign.pub"),
        )
        .expect("set loads");
    auditor
}

#[test]
fn a_host_passes_the_signed_composition_and_refuses_the_tampered_one() {
    let auditor = demo_auditor();
    assert!(
        auditor.sets().iter().all(|s| matches!(
            s.signature,
            wasm_audit::trust::SignatureStatus::Verified { .. }
        )),
        "signature verified"
    );

    let report = auditor.audit_bytes("app.wasm", &demo("app.wasm"));
    assert_eq!(report.verdict, Outcome::Pass, "{:?}", report.findings);

    let report = auditor.audit_bytes("app-tampered.wasm", &demo("app-tampered.wasm"));
    assert_eq!(report.verdict, Outcome::Fail);
    let codes: Vec<Code> = report.findings.iter().map(|f| f.code).collect();
    assert!(codes.contains(&Code::Substituted), "{codes:?}");
    assert!(codes.contains(&Code::CapabilityDenied), "{codes:?}");

    // The same auditor goes on auditing: nothing of one audit leaks into
    // the next.
    assert_eq!(
        auditor.audit_bytes("again.wasm", &demo("app.wasm")).verdict,
        Outcome::Pass
    );
}

#[test]
fn a_host_with_a_forged_signature_or_garbage_bytes_does_not_pass() {
    let policy = Policy::default();
    let mut auditor = Auditor::new(policy);
    let mut set = demo("trusted.json");
    // Another digest in the set: the signature no longer covers it.
    let pos = set.iter().position(|b| *b == b'"').expect("quote");
    set.insert(pos, b' ');
    auditor
        .add_signed_set(
            "trusted.json",
            &set,
            &demo("trusted.json.sig"),
            &demo("cosign.pub"),
        )
        .expect("a bad signature is a finding, not an error");
    let report = auditor.audit_bytes("app.wasm", &demo("app.wasm"));
    assert_eq!(report.verdict, Outcome::Fail);
    assert!(report
        .findings
        .iter()
        .any(|f| f.code == Code::SignatureInvalid));

    let report = demo_auditor().audit_bytes("junk.wasm", b"\0asm\x0d\0\x01\0garbage");
    assert_eq!(report.verdict, Outcome::Error, "{:?}", report.findings);
}
