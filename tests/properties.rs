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
use wasm_audit::check::load::{load_set, SetSource};
use wasm_audit::check::{Input, Outcome, PolicySource, Report};
use wasm_audit::policy::Policy;
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
    let set = load_set(&SetSource {
        path: s.set.clone(),
        signature: Some(s.sig.clone()),
        key: Some(s.key.clone()),
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
        match load_set(&SetSource { path: s.set.clone(), signature: Some(s.sig.clone()), key: Some(s.key.clone()) }) {
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
