//! The code paths the fuzz targets drive and the invariants they assert.
//!
//! Shared, source for source, by the fuzz targets (`fuzz/fuzz_targets/*.rs`,
//! through the `wasm_audit_fuzz` library) and by the regression test
//! (`tests/fuzz_regressions.rs`, through `#[path]`), so that a saved crash
//! input is replayed through exactly the code that found it. It therefore
//! uses only crates that both see: `wasm_audit`, `serde_json` and `sha2`.
//!
//! Every function panics (assert) when an invariant breaks: under libFuzzer
//! a panic is a crash, so the fuzzer finds logic bugs as well as panics.

use std::collections::BTreeSet;

use sha2::{Digest as _, Sha256};
use wasm_audit::check::cfg::Policy;
use wasm_audit::check::{CheckedSet, Input, PolicySource, Report, SignatureStatus, Verdict};
use wasm_audit::diff::{Diff, Side};
use wasm_audit::graph::{CompositionGraph, EdgeKind};
use wasm_audit::model::{Analysis, Class, NodeKind};
use wasm_audit::render;
use wasm_audit::trust::{sets, signature, SetKind, TrustEntry, TrustSet};
use wasm_audit::{analyze_bytes, Error, Limits, Options};

/// Small limits, so that the fuzzer reaches every limit path quickly.
pub fn small_options() -> Options {
    Options {
        limits: Limits {
            max_file_size: 1 << 16,
            max_depth: 2,
            max_nodes: 6,
            max_dep_v0_size: 512,
            max_wiring_work: 2_000,
        },
        wit: false,
        wiring: true,
    }
}

/// `sha256:<hex>` computed here, independently of the crate's own helper.
pub fn sha256(bytes: &[u8]) -> String {
    format!("sha256:{:x}", Sha256::digest(bytes))
}

/// Walks `data` with the default options and with [`small_options`],
/// checks both results, and drives every consumer of a successful
/// analysis. Returns the result under the default options.
pub fn walk(data: &[u8]) -> Result<Analysis, Error> {
    let full = analyze_bytes("fuzz.wasm", data, &Options::default());
    let small_opts = small_options();
    let small = analyze_bytes("fuzz.wasm", data, &small_opts);
    for result in [&full, &small] {
        if let Err(e) = result {
            let message = e.to_string();
            assert!(
                !message.contains('\n'),
                "an error message spans lines: {message:?}"
            );
        }
    }
    if let Ok(a) = &full {
        check_analysis(a, data, &Options::default());
        consume(a);
    }
    if let Ok(s) = &small {
        check_analysis(s, data, &small_opts);
        // Smaller limits only refuse more: what they accept, the defaults
        // accept too, with the same nodes.
        let a = match &full {
            Ok(a) => a,
            Err(e) => panic!("accepted under small limits, refused under the defaults: {e}"),
        };
        // Classes are not compared: `wit-package` comes from WIT decoding,
        // which the small options turn off.
        let key = |a: &Analysis| -> Vec<(String, u64, u64, String)> {
            a.nodes
                .iter()
                .map(|n| (n.path.clone(), n.offset, n.size, n.digest.clone()))
                .collect()
        };
        assert_eq!(key(s), key(a), "limits changed the nodes");
    }
    if let Err(Error::LimitExceeded { limit, .. }) = &full {
        let defaults = Limits::default();
        assert!(
            [
                defaults.max_depth as u64,
                defaults.max_nodes,
                defaults.max_dep_v0_size,
                defaults.max_wiring_work
            ]
            .contains(limit),
            "a limit error names a limit that is not in force: {limit}"
        );
    }
    full
}

/// Structural invariants of an analysis of `data`.
pub fn check_analysis(a: &Analysis, data: &[u8], options: &Options) {
    let len = data.len() as u64;
    assert!(!a.nodes.is_empty(), "an analysis without nodes");
    let root = &a.nodes[0];
    assert_eq!(root.path, "/");
    assert_eq!(root.parent, None);
    assert_eq!(root.depth, 0);
    assert_eq!(
        (root.offset, root.size),
        (0, len),
        "the root is not the input"
    );
    assert_eq!(a.size, len);
    assert_eq!(a.digest, root.digest);
    assert_eq!(a.kind, root.kind);
    assert!(a.nodes.len() as u64 <= options.limits.max_nodes);

    let mut paths = BTreeSet::new();
    for (i, n) in a.nodes.iter().enumerate() {
        assert!(paths.insert(n.path.as_str()), "two nodes at {}", n.path);
        let end = n.offset.checked_add(n.size).expect("range overflows");
        assert!(end <= len, "{} spans {}..{end} of {len}", n.path, n.offset);
        let span = &data[n.offset as usize..end as usize];
        assert!(span.starts_with(b"\0asm"), "{} is not a binary", n.path);
        assert_eq!(n.digest, sha256(span), "digest of {}", n.path);
        assert_eq!(n.short_digest().len(), 12);
        assert!(n.depth <= options.limits.max_depth, "{} too deep", n.path);
        let mut previous_child = None;
        for &c in &n.children {
            assert!(c > i, "child {c} of {i} is not after it");
            assert!(
                previous_child < Some(c),
                "children of {} out of order",
                n.path
            );
            previous_child = Some(c);
            assert_eq!(a.nodes.get(c).and_then(|x| x.parent), Some(i));
        }
        if n.kind == NodeKind::Module {
            assert!(n.children.is_empty(), "module {} has children", n.path);
        }
        if let Some(p) = n.parent {
            assert!(p < i, "parent after child");
            let parent = &a.nodes[p];
            assert_eq!(parent.kind, NodeKind::Component);
            assert!(parent.children.contains(&i));
            assert_eq!(n.depth, parent.depth + 1);
            assert!(n.path.starts_with(parent.path.trim_end_matches('/')));
            assert!(
                n.offset > parent.offset && end <= parent.offset + parent.size,
                "{} is not inside {}",
                n.path,
                parent.path
            );
        } else {
            assert_eq!(i, 0, "a second root at {}", n.path);
        }
        assert_eq!(a.node(&n.path).map(|x| &x.path), Some(&n.path));
    }
    if options.wit {
        check_wit(a, data);
    }
}

/// Every component's WIT summary is what `wit_component::decode` makes of
/// its bytes, decoded here on their own: the skeleton and the memo the
/// analysis decodes through never change a result. Skipped where the
/// decoder panics, and where a module's code section is not well framed:
/// `wit_component::decode` allocates what a code entry claims before
/// reading it, so this harness would run out of memory (the analysis
/// checks framing before it decodes; see the crate's `analysis::wit`).
fn check_wit(a: &Analysis, data: &[u8]) {
    let framed = |m: &wasm_audit::Node| {
        let bytes = &data[m.offset as usize..(m.offset + m.size) as usize];
        wasmparser::Parser::new(0)
            .parse_all(bytes)
            .all(|p| match p {
                Ok(wasmparser::Payload::CodeSectionEntry(body)) => {
                    body.range().end - body.range().start <= 7_654_321
                }
                Ok(_) => true,
                Err(_) => false,
            })
    };
    if !a
        .nodes
        .iter()
        .filter(|n| n.kind == NodeKind::Module)
        .all(framed)
    {
        return;
    }
    for n in a.nodes.iter().filter(|n| n.kind == NodeKind::Component) {
        let span = &data[n.offset as usize..(n.offset + n.size) as usize];
        let Ok(decoded) = std::panic::catch_unwind(|| wit_component::decode(span)) else {
            continue;
        };
        let expected = decoded.map(|d| match d {
            wit_component::DecodedWasm::WitPackage(resolve, pkg) => (
                "package".to_string(),
                resolve.packages[pkg].name.to_string(),
            ),
            wit_component::DecodedWasm::Component(resolve, world) => {
                let w = &resolve.worlds[world];
                let name = match w.package {
                    Some(pkg) => format!("{}/{}", resolve.packages[pkg].name, w.name),
                    None => w.name.clone(),
                };
                ("world".to_string(), name)
            }
        });
        let got = n.wit.as_ref().map(|w| (w.kind.clone(), w.name.clone()));
        let noted = n.notes.iter().any(|x| x.starts_with("WIT not decodable"));
        match expected {
            Ok(e) => assert_eq!(got, Some(e), "WIT of {}", n.path),
            Err(e) => assert!(
                got.is_none() && noted,
                "WIT of {}: {got:?}, the decoder says {e:#}",
                n.path
            ),
        }
    }
}

/// Everything that consumes an analysis: graph, renderings, capabilities,
/// SBOM, diff against itself, and the audit with an empty trust set.
pub fn consume(a: &Analysis) {
    // Tree.
    let _ = render::tree::text(a);
    let tree = serde_json::to_value(render::tree::TreeDocument::new(vec![
        render::tree::FileEntry::Ok(a),
    ]))
    .expect("tree JSON");

    // Graph.
    let wiring = a.wiring().expect("an analysis made with the wiring has it");
    let g = CompositionGraph::build(a).expect("graph");
    assert_eq!(g.nodes.len(), a.nodes.len());
    assert_eq!(
        g.edges_of(EdgeKind::Contains).count(),
        a.nodes.len() - 1,
        "every node but the root is contained once"
    );
    let doc = render::graph::json(&g, a);
    let ids: BTreeSet<&str> = doc.nodes.iter().map(|n| n.id.as_str()).collect();
    for e in &doc.edges {
        assert!(
            ids.contains(e.from.as_str()),
            "edge from unknown {}",
            e.from
        );
        assert!(ids.contains(e.to.as_str()), "edge to unknown {}", e.to);
    }
    serde_json::to_string(&doc).expect("graph JSON");
    let _ = render::graph::dot(&g, a);
    let _ = render::graph::mermaid(&g, a);
    let _ = render::graph::text(&g, a);
    render::graph::dot_overview(&g, a).expect("overview");
    render::graph::mermaid_overview(&g, a).expect("overview");
    render::graph::text_overview(&g, a).expect("overview");

    // Capabilities.
    render::caps::text(a).expect("caps text");
    let parts = render::caps::parts(a).expect("parts");
    assert_eq!(parts.len(), a.nodes.len());
    let caps = serde_json::to_value(render::caps::CapsDocument::new(vec![
        render::caps::CapsFile::Ok {
            file: a.file.clone(),
            digest: a.digest.clone(),
            components: parts,
        },
    ]))
    .expect("caps JSON");

    // Diff against itself, and against its own saved baselines.
    let side = Side::from_analysis(a).expect("side");
    let same = Diff::compute(&side, &side);
    assert_no_change(&same, "itself");
    let _ = render::diff::text(&same, false);
    let _ = render::diff::markdown(&same);
    serde_json::to_string(&render::diff::json(&same)).expect("diff JSON");
    let from_caps = Side::from_json("baseline.json", &caps).expect("own caps JSON as a baseline");
    assert_eq!(from_caps.parts, side.parts, "caps JSON baseline differs");
    assert_no_change(&Diff::compute(&from_caps, &side), "its caps baseline");
    let from_tree = Side::from_json("tree.json", &tree).expect("own tree JSON as a baseline");
    assert_no_change(&Diff::compute(&from_tree, &side), "its tree baseline");

    // The audit with no trust: nothing is trusted, and code fails it.
    let report = Report::generate(
        &[Input {
            file: a.file.clone(),
            analysis: Ok(a.clone()),
        }],
        &[] as &[CheckedSet],
        &Policy::default(),
        PolicySource::default(),
    );
    assert_eq!(report.nodes.len(), a.nodes.len());
    for n in &report.nodes {
        assert!(
            matches!(n.verdict, Verdict::Unknown | Verdict::Glue),
            "{} is {:?} with no trust set",
            n.path,
            n.verdict
        );
    }
    // Whatever can act needs trust (adapter code too: a name is only a
    // claim); only shims and fixups of the exact shape, which the wiring
    // follows, are exempt, unless the wiring shows them acting. Code the
    // host supplies fails the audit.
    let acts = a.nodes.iter().enumerate().any(|(i, n)| {
        (!n.acts.is_empty() && !matches!(n.class, Class::Shim | Class::WitPackage))
            || wiring.acts.get(i).is_some_and(|v| !v.is_empty())
    });
    for n in a.nodes.iter().filter(|n| n.kind == NodeKind::Module) {
        assert!(
            n.function_bodies == 0 || !n.acts.is_empty(),
            "{} has function bodies and is said not to act",
            n.path
        );
        assert!(
            n.class != Class::Glue || n.acts.is_empty(),
            "{} acts and is classed glue",
            n.path
        );
    }
    if acts || !wiring.imported_code.is_empty() {
        assert!(
            serde_json::to_value(report.verdict).ok() == Some("fail".into()),
            "code with no trusted digest passed the audit"
        );
    }
    let _ = render::report::text(&report, false);
    let _ = render::report::json(&report);
    let _ = render::report::sarif(&report);
    let _ = render::report::junit(&report);
    let _ = render::report::markdown(&report, &[a]);

    // A set trusting the root's digest: with a good signature everything
    // is trusted or covered and the audit passes (the default policy has
    // no capability rules); unsigned or with a bad signature, it fails.
    let verified = SignatureStatus::Verified {
        path: "trusted.json.sig".into(),
        verified: signature::Verified {
            format: signature::SignatureFormat::Cosign,
            key_algorithm: "ecdsa-p256-sha256",
            key_fingerprint: sha256(FIXED_P256_KEY.as_bytes()),
            identity: None,
            issuer: None,
        },
    };
    let invalid = SignatureStatus::Invalid {
        path: "trusted.json.sig".into(),
        reason: "fuzz".into(),
    };
    for (status, pass) in [
        (verified, true),
        (SignatureStatus::Unsigned, false),
        (invalid, false),
    ] {
        let set = CheckedSet {
            set: TrustSet {
                path: "trusted.json".into(),
                digest: sha256(b""),
                kind: SetKind::Json,
                entries: vec![TrustEntry {
                    name: None,
                    version: None,
                    digest: a.digest.clone(),
                    source: None,
                    origin: "trusted.json: entries[0]".into(),
                }],
            },
            signature: status,
        };
        let report = Report::generate(
            &[Input {
                file: a.file.clone(),
                analysis: Ok(a.clone()),
            }],
            &[set],
            &Policy::default(),
            PolicySource::default(),
        );
        let verdict = serde_json::to_value(report.verdict).ok();
        if pass && !wiring.imported_code.is_empty() {
            assert_eq!(
                verdict,
                Some("fail".into()),
                "code the host supplies passed under a trusted root"
            );
        } else if pass {
            assert_eq!(verdict, Some("pass".into()), "a trusted root did not pass");
            for n in &report.nodes {
                assert!(
                    matches!(n.verdict, Verdict::Trusted | Verdict::Covered),
                    "{} is {:?} under a trusted root",
                    n.path,
                    n.verdict
                );
            }
        } else {
            assert_eq!(
                verdict,
                Some("fail".into()),
                "a set that is not verified was used"
            );
        }
    }
}

fn assert_no_change(d: &Diff, what: &str) {
    assert!(d.identical, "not identical to {what}");
    assert!(
        d.events.is_empty()
            && d.capabilities.is_empty()
            && d.parts.is_empty()
            && d.root.is_empty()
            && d.crates.is_empty()
            && d.metadata.is_empty(),
        "changes against {what}: {:?}",
        d.events
    );
}

/// Every kind of trust set, and the kind detection.
pub fn trust_sets(data: &[u8]) {
    for name in [
        "trusted.json",
        "wkg.lock",
        "Cargo-component.lock",
        "spin.toml",
        "set",
    ] {
        let _ = sets::detect_kind(name, data);
    }
    for kind in [
        SetKind::Json,
        SetKind::WkgLock,
        SetKind::CargoComponentLock,
        SetKind::SpinToml,
    ] {
        match sets::parse("set", data, kind) {
            Ok(set) => {
                assert_eq!(set.kind, kind);
                assert_eq!(set.digest, sha256(data));
                for e in &set.entries {
                    let hex = e.digest.strip_prefix("sha256:").unwrap_or("");
                    assert!(
                        hex.len() == 64
                            && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')),
                        "entry digest {:?} is not sha256:<64 lowercase hex>",
                        e.digest
                    );
                }
            }
            Err(e) => {
                let _ = e.path();
                let _ = e.to_string();
            }
        }
    }
}

/// A P-256 public key whose private half was thrown away when it was made.
pub const FIXED_P256_KEY: &str = "-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEx93Op68J7Og19sBp4OnZgb4Rb0dr
Ed6pBvCK1ZDqlJqKSzYeudYOPkcMj7DgwIbv2A77C2mzWkTjgi+AZ0PUDQ==
-----END PUBLIC KEY-----
";

/// An Ed25519 public key whose private half was thrown away when it was made.
pub const FIXED_ED25519_KEY: &str = "-----BEGIN PUBLIC KEY-----
MCowBQYDK2VwAyEAw5M6U0TY5iXLLhcc6cjFPqZOXwpI7oqOYtfCfv782HA=
-----END PUBLIC KEY-----
";

/// The message the fixed keys never signed.
pub const FIXED_MESSAGE: &[u8] = b"{\"version\": 1, \"entries\": []}\n";

/// Splits a `signature` fuzz input and checks it. The first byte picks the
/// mode: 0, any message, key and signature (must not panic); 1 and 2, the
/// fixed message and a signature under the fixed P-256 or Ed25519 key; 3
/// and 4, any message and a signature under the fixed P-256 or Ed25519 key.
/// In modes 1 to 4 a success is a forgery. Lengths are little-endian `u16`s
/// after the mode byte (written by hand rather than with `arbitrary`, so
/// that the regression test, which cannot depend on `arbitrary`, replays a
/// saved input the same way).
pub fn signature(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    fn take<'a>(rest: &mut &'a [u8]) -> &'a [u8] {
        let n = match rest {
            [a, b, tail @ ..] => {
                *rest = tail;
                u16::from_le_bytes([*a, *b]) as usize
            }
            _ => 0,
        };
        let (head, tail) = rest.split_at(n.min(rest.len()));
        *rest = tail;
        head
    }
    let mut rest = rest;
    match mode % 5 {
        0 => {
            let message = take(&mut rest);
            let key = take(&mut rest);
            signature_any(message, rest, key);
        }
        1 => signature_fixed(FIXED_MESSAGE, rest, false),
        2 => signature_fixed(FIXED_MESSAGE, rest, true),
        m => {
            let message = take(&mut rest);
            signature_fixed(message, rest, m == 4);
        }
    }
}

/// Any message, signature and key: must not panic.
pub fn signature_any(message: &[u8], sig: &[u8], key: &[u8]) {
    if let Err(e) = signature::verify(message, sig, key) {
        let _ = e.to_string();
    }
}

/// A signature checked with a fixed key: nobody holds the private key, so
/// a success is a forgery the verifier let through (fail open).
pub fn signature_fixed(message: &[u8], sig: &[u8], ed25519: bool) {
    let key = if ed25519 {
        FIXED_ED25519_KEY
    } else {
        FIXED_P256_KEY
    };
    match signature::verify(message, sig, key.as_bytes()) {
        Ok(v) => panic!("a signature nobody made verified: {v:?}"),
        Err(e) => {
            let _ = e.to_string();
        }
    }
}

/// A policy file.
pub fn policy(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match Policy::parse("wasm-audit.toml", text) {
        Ok(p) => {
            // Fail-closed codes cannot be weakened by any policy.
            for code in wasm_audit::check::diags::Code::ALL {
                if code.fail_closed() {
                    assert_eq!(
                        p.severity(*code),
                        wasm_audit::check::Severity::Deny,
                        "{} weakened",
                        code.name()
                    );
                }
            }
            let _ = p.limits.apply(Limits::default());
        }
        Err(e) => {
            assert!(e.line >= 1 && e.line <= text.matches('\n').count() + 1);
            let _ = e.to_string();
        }
    }
}

/// A JSON document given as a `diff` baseline.
pub fn diff_baseline(data: &[u8]) {
    let Ok(doc) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    if let Ok(side) = Side::from_json("baseline.json", &doc) {
        assert_eq!(side.parts.first().map(|p| p.path.as_str()), Some("/"));
        let d = Diff::compute(&side, &side);
        assert_no_change(&d, "itself");
        let _ = render::diff::text(&d, false);
        let _ = render::diff::markdown(&d);
        let _ = render::diff::summary(&d);
        serde_json::to_string(&render::diff::json(&d)).expect("diff JSON");
    }
}
