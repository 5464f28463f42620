//! Fail-closed properties of the audit, as property tests:
//! - with a correctly signed set of the demo's inputs the audit passes; a
//!   flipped byte anywhere in the set or in the signature fails it, whatever
//!   the digests say;
//! - a flipped byte inside a trusted nested component turns the pass into a
//!   fail (or an input error), never a pass;
//! - the verdict and the findings do not depend on the order of inputs or
//!   entries, nor on the number of threads.
//!
//! Keys are Ed25519, made in-process from proptest's seeds.

use std::path::{Path, PathBuf};

use base64::Engine;
use ed25519_dalek::pkcs8::EncodePublicKey;
use ed25519_dalek::{Signer, SigningKey};
use proptest::prelude::*;
use wasm_audit::check::cfg::Policy;
use wasm_audit::check::{Input, Outcome, PolicySource, Report};
use wasm_audit::trust::{load::load_set, SetSpec};
use wasm_audit::Options;

fn demo_bytes() -> Vec<u8> {
    std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/demo/app.wasm"))
        .expect("demo")
}

/// (path, name, digest, offset, size) of the demo's depth-1 components.
fn demo_parts(bytes: &[u8]) -> Vec<(String, String, String, u64, u64)> {
    let a = wasm_audit::analyze_bytes("app.wasm", bytes, &Options::default()).expect("demo");
    a.nodes
        .iter()
        .filter(|n| n.depth == 1)
        .map(|n| {
            (
                n.path.clone(),
                n.name.clone().unwrap_or_default(),
                n.digest.clone(),
                n.offset,
                n.size,
            )
        })
        .collect()
}

struct Signed {
    _dir: tempfile::TempDir,
    set: PathBuf,
    sig: PathBuf,
    key: PathBuf,
}

/// Writes `set_bytes`, its Ed25519 signature with the key from `seed`, and
/// the public key.
fn signed(set_bytes: &[u8], seed: [u8; 32]) -> Signed {
    let dir = tempfile::tempdir().expect("tempdir");
    let signing = SigningKey::from_bytes(&seed);
    let sig = signing.sign(set_bytes);
    let set = dir.path().join("trusted.json");
    std::fs::write(&set, set_bytes).expect("write");
    let sig_path = dir.path().join("trusted.json.sig");
    std::fs::write(
        &sig_path,
        base64::engine::general_purpose::STANDARD.encode(sig.to_bytes()),
    )
    .expect("write");
    let key = dir.path().join("key.pub");
    let pem = signing
        .verifying_key()
        .to_public_key_pem(Default::default())
        .expect("pem");
    std::fs::write(&key, pem).expect("write");
    Signed {
        _dir: dir,
        set,
        sig: sig_path,
        key,
    }
}

/// The set JSON listing `entries` (name, digest) in the given order.
fn set_json(entries: &[(String, String)]) -> Vec<u8> {
    let list: Vec<serde_json::Value> = entries
        .iter()
        .map(|(n, d)| serde_json::json!({ "name": n, "digest": d }))
        .collect();
    serde_json::to_vec_pretty(&serde_json::json!({ "version": 1, "entries": list })).expect("json")
}

/// Runs the audit of `inputs` (name, bytes) against the signed set.
fn audit(inputs: &[(String, Vec<u8>)], s: &Signed) -> Report {
    let set = load_set(&SetSpec {
        path: s.set.clone(),
        signature: Some(s.sig.clone()),
        key: Some(s.key.clone()),
        ..Default::default()
    })
    .expect("a readable set");
    let inputs: Vec<Input> = inputs
        .iter()
        .map(|(name, bytes)| Input {
            file: name.clone(),
            analysis: wasm_audit::analyze_bytes(name, bytes, &Options::default()),
        })
        .collect();
    Report::generate(&inputs, &[set], &Policy::default(), PolicySource::default())
}

/// The findings as a sorted list of (code, file, path), for comparisons.
fn finding_keys(r: &Report) -> Vec<(String, Option<String>, Option<String>)> {
    let mut k: Vec<_> = r
        .findings
        .iter()
        .map(|f| (f.code.name().to_string(), f.file.clone(), f.path.clone()))
        .collect();
    k.sort();
    k
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn a_flipped_byte_of_the_set_or_signature_fails_the_audit(
        seed in any::<[u8; 32]>(),
        flip_set in any::<bool>(),
        pos in any::<prop::sample::Index>(),
        xor in 1u8..=255,
    ) {
        let bytes = demo_bytes();
        let entries: Vec<(String, String)> = demo_parts(&bytes).into_iter().map(|(_, n, d, _, _)| (n, d)).collect();
        let s = signed(&set_json(&entries), seed);
        let inputs = vec![("app.wasm".to_string(), bytes)];
        // Correctly signed, every code node trusted or covered: pass.
        prop_assert_eq!(audit(&inputs, &s).verdict, Outcome::Pass);

        let target = if flip_set { &s.set } else { &s.sig };
        let mut data = std::fs::read(target).expect("read");
        let i = pos.index(data.len());
        data[i] ^= xor;
        std::fs::write(target, &data).expect("write");
        match load_set(&SetSpec { path: s.set.clone(), signature: Some(s.sig.clone()), key: Some(s.key.clone()), ..Default::default() }) {
            // A flipped byte may make the signature file unreadable as such:
            // an error, never a pass.
            Err(_) => {}
            Ok(_) => {
                let r = audit(&inputs, &s);
                prop_assert_eq!(r.verdict, Outcome::Fail);
                prop_assert!(r.findings.iter().any(|f| f.code.name() == "signature-invalid"), "{:?}", finding_keys(&r));
            }
        }
    }

    #[test]
    fn a_flipped_byte_inside_a_trusted_component_never_passes(
        seed in any::<[u8; 32]>(),
        which in 0usize..2,
        pos in any::<prop::sample::Index>(),
        xor in 1u8..=255,
    ) {
        let bytes = demo_bytes();
        let parts = demo_parts(&bytes);
        let entries: Vec<(String, String)> = parts.iter().map(|(_, n, d, _, _)| (n.clone(), d.clone())).collect();
        let s = signed(&set_json(&entries), seed);
        let (_, _, _, offset, size) = &parts[which];
        let mut mutated = bytes.clone();
        let i = *offset as usize + pos.index(*size as usize);
        mutated[i] ^= xor;
        let r = audit(&[("app.wasm".to_string(), mutated)], &s);
        prop_assert_ne!(r.verdict, Outcome::Pass, "byte {} of {} flipped: {:?}", i, parts[which].0, finding_keys(&r));
    }

    #[test]
    fn the_verdict_does_not_depend_on_order_or_threads(
        seed in any::<[u8; 32]>(),
        reverse_entries in any::<bool>(),
        keep in 0usize..3,
    ) {
        let bytes = demo_bytes();
        let tampered = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/demo/app-tampered.wasm")).expect("tampered");
        let mut entries: Vec<(String, String)> = demo_parts(&bytes).into_iter().map(|(_, n, d, _, _)| (n, d)).collect();
        // Sometimes leave an entry out, so that there are findings to compare.
        if keep < entries.len() {
            entries.remove(keep);
        }
        let forward = signed(&set_json(&entries), seed);
        if reverse_entries {
            entries.reverse();
        }
        let backward = signed(&set_json(&entries), seed);
        let inputs = vec![("app.wasm".to_string(), bytes.clone()), ("tampered.wasm".to_string(), tampered.clone())];
        let reversed: Vec<_> = inputs.iter().rev().cloned().collect();

        let run = |threads: usize, inputs: &[(String, Vec<u8>)], s: &Signed| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .expect("pool")
                .install(|| audit(inputs, s))
        };
        let base = run(1, &inputs, &forward);
        for (threads, ins, s) in [(2, &inputs, &forward), (1, &reversed, &forward), (2, &reversed, &backward), (1, &inputs, &backward)] {
            let r = run(threads, ins, s);
            prop_assert_eq!(r.verdict, base.verdict);
            prop_assert_eq!(finding_keys(&r), finding_keys(&base));
            let mut a: Vec<_> = r.inputs.iter().map(|i| (i.file.clone(), i.verdict)).collect();
            let mut b: Vec<_> = base.inputs.iter().map(|i| (i.file.clone(), i.verdict)).collect();
            a.sort_by(|x, y| x.0.cmp(&y.0));
            b.sort_by(|x, y| x.0.cmp(&y.0));
            prop_assert_eq!(a, b);
        }
    }
}

/// A passing composition with bodiless modules: `glue` modules that import
/// a trusted module's function, memory and table and re-export one, and a
/// `wit-component` shim and fixup pair, at the root and inside a nested
/// component `lib` with its own trusted module. `mutate` names one bodiless
/// module (`g0`, `fix`, `lib-g1`, ...) and the text added to its body.
fn bodiless_composition(
    glue_root: usize,
    glue_lib: usize,
    fixups: bool,
    mutate: Option<(&str, &str)>,
) -> String {
    let extra = |name: &str| match mutate {
        Some((target, text)) if target == name => text.to_string(),
        _ => String::new(),
    };
    let level = |prefix: &str, app: &str, glue: usize| {
        let mut out = format!(
            "(core module ${app} (memory (export \"memory\") 1) (table (export \"table\") 2 funcref) \
             (func (export \"init\")) (func (export \"run\")))\n\
             (core instance $a (instantiate ${app}))\n"
        );
        for i in 0..glue {
            let name = format!("{prefix}g{i}");
            out += &format!(
                "(core module ${name} (import \"app\" \"init\" (func)) (import \"app\" \"memory\" (memory 1)) \
                 (import \"app\" \"table\" (table 2 funcref)) (export \"f\" (func 0)) {})\n\
                 (core instance (instantiate ${name} (with \"app\" (instance $a))))\n",
                extra(&name)
            );
        }
        if fixups {
            let shim = format!("{prefix}shim");
            let fix = format!("{prefix}fix");
            out += &format!(
                "(core module ${shim} (type $t (func)) (table (export \"$imports\") 1 1 funcref) \
                 (func (export \"0\") (type $t) i32.const 0 call_indirect (type $t)))\n\
                 (core module ${fix} (import \"\" \"0\" (func)) (import \"\" \"$imports\" (table 1 1 funcref)) \
                 (elem (i32.const 0) func 0) {})\n\
                 (core instance $s (instantiate ${shim}))\n\
                 (core instance $fb (export \"0\" (func $a \"init\")) (export \"$imports\" (table $s \"$imports\")))\n\
                 (core instance (instantiate ${fix} (with \"\" (instance $fb))))\n",
                extra(&fix)
            );
        }
        out
    };
    let mut wat = String::from("(component\n");
    wat += &level("", "app", glue_root);
    wat += "(component $lib\n";
    wat += &level("lib-", "lib-app", glue_lib);
    wat += ")\n(instance (instantiate $lib)))\n";
    wat
}

/// The audit of `bytes` with a verified set trusting `digests`.
fn audit_trusting(bytes: &[u8], digests: &[String]) -> Report {
    use wasm_audit::check::{CheckedSet, SignatureStatus};
    use wasm_audit::trust::{signature, SetKind, TrustEntry, TrustSet};
    let a = wasm_audit::analyze_bytes("c.wasm", bytes, &Options::default()).expect("analysis");
    let entries = digests
        .iter()
        .enumerate()
        .map(|(i, d)| TrustEntry {
            name: None,
            version: None,
            digest: d.clone(),
            source: None,
            origin: format!("trusted.json: entries[{i}]"),
        })
        .collect();
    let set = CheckedSet {
        set: TrustSet {
            path: "trusted.json".into(),
            digest: "sha256:0".into(),
            kind: SetKind::Json,
            entries,
        },
        signature: SignatureStatus::Verified {
            path: "trusted.json.sig".into(),
            verified: signature::Verified {
                format: signature::SignatureFormat::Cosign,
                key_algorithm: "ecdsa-p256-sha256",
                key_fingerprint: "sha256:0".into(),
                identity: None,
                issuer: None,
            },
        },
    };
    Report::generate(
        &[Input {
            file: "c.wasm".into(),
            analysis: Ok(a),
        }],
        &[set],
        &Policy::default(),
        PolicySource::default(),
    )
}

/// The digests of the nodes of `a` named in `names` (the root by "").
fn digests_of(a: &wasm_audit::Analysis, names: &[&str]) -> Vec<String> {
    a.nodes
        .iter()
        .filter(|n| names.contains(&n.name.as_deref().unwrap_or("")))
        .map(|n| n.digest.clone())
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Adding an active data or element segment, or a start function, to
    /// any bodiless module of a passing composition makes the audit fail
    /// with `unknown-code` on that module, unless a trusted ancestor
    /// covers it.
    #[test]
    fn a_bodiless_module_that_starts_to_act_fails_unless_covered(
        glue_root in 1usize..3,
        glue_lib in 0usize..3,
        fixups in any::<bool>(),
        target in 0usize..8,
        mutation in 0usize..3,
    ) {
        let mut bodiless: Vec<String> = Vec::new();
        for (prefix, glue) in [("", glue_root), ("lib-", glue_lib)] {
            bodiless.extend((0..glue).map(|i| format!("{prefix}g{i}")));
            if fixups {
                bodiless.push(format!("{prefix}fix"));
            }
        }
        let name = &bodiless[target % bodiless.len()];
        let fixup = name.ends_with("fix");
        let text = match (mutation, fixup) {
            (0, false) => "(data (i32.const 0) \"x\")",
            (0, true) => "(memory 1) (data (i32.const 0) \"x\")",
            (1, _) => "(elem (i32.const 0) func 0)",
            _ => "(start 0)",
        };
        let apps = ["app", "lib-app"];
        let honest = wat::parse_str(bodiless_composition(glue_root, glue_lib, fixups, None))
            .expect("honest composition");
        let h = wasm_audit::analyze_bytes("c.wasm", &honest, &Options::default()).expect("analysis");
        prop_assert_eq!(audit_trusting(&honest, &digests_of(&h, &apps)).verdict, Outcome::Pass);

        let wat = bodiless_composition(glue_root, glue_lib, fixups, Some((name, text)));
        let bytes = wat::parse_str(&wat).expect("mutated composition");
        let a = wasm_audit::analyze_bytes("c.wasm", &bytes, &Options::default()).expect("analysis");
        let r = audit_trusting(&bytes, &digests_of(&a, &apps));
        prop_assert_eq!(r.verdict, Outcome::Fail, "{} with {}", name, text);
        let unknown: Vec<&str> = r
            .findings
            .iter()
            .filter(|f| f.code.name() == "unknown-code")
            .filter_map(|f| f.path.as_deref())
            .collect();
        let path = &a.nodes.iter().find(|n| n.name.as_deref() == Some(name.as_str())).expect("target").path;
        prop_assert_eq!(unknown, vec![path.as_str()], "{} with {}", name, text);

        // Covered: trusting the component that holds it (the nested one,
        // or the root) passes again.
        let holder = if name.starts_with("lib-") { "lib" } else { "" };
        let covered = audit_trusting(&bytes, &digests_of(&a, &["app", holder])).verdict;
        prop_assert_eq!(covered, Outcome::Pass, "{} with {} under a trusted ancestor", name, text);
    }
}
