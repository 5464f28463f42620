//! The walker skips the function bodies of modules whose bodies carry no
//! wiring (only a possible `wit-component` shim's do). Skipping must not
//! make anything look more harmless than reading would: a skipped module
//! still counts its bodies and acts, and a module whose bodies decide
//! something is still read body by body, malformed framing included.

use crate::common;

use wasm_audit::{analyze_bytes, Options};

/// A module of the given sections (`(id, contents)`), each section's size
/// written before its contents.
fn module(sections: &[(u8, &[u8])]) -> Vec<u8> {
    let mut out = b"\0asm\x01\0\0\0".to_vec();
    for (id, body) in sections {
        out.push(*id);
        assert!(body.len() < 128, "one-byte sizes only");
        out.push(body.len() as u8);
        out.extend_from_slice(body);
    }
    out
}

const TYPE: (u8, &[u8]) = (1, &[1, 0x60, 0, 0]); // one type: () -> ()
const FUNC: (u8, &[u8]) = (3, &[1, 0]); // one function of type 0
const MEMORY: (u8, &[u8]) = (5, &[1, 0, 1]); // one memory, min 1 page
const TABLE: (u8, &[u8]) = (4, &[1, 0x70, 0, 1]); // one funcref table, min 1
/// One body whose size (127) runs past its section (2 bytes follow).
const BROKEN_CODE: (u8, &[u8]) = (10, &[1, 0x7f, 0, 0x0b]);
const GOOD_CODE: (u8, &[u8]) = (10, &[1, 2, 0, 0x0b]);

#[test]
fn a_skipped_module_still_counts_its_bodies_and_acts() {
    let good = analyze_bytes(
        "m",
        &module(&[TYPE, FUNC, MEMORY, GOOD_CODE]),
        &Options::default(),
    )
    .expect("a valid module");
    let root = &good.nodes[0];
    assert_eq!(root.function_bodies, 1);
    assert!(
        root.acts.iter().any(|a| a.contains("1 function body")),
        "{:?}",
        root.acts
    );
}

#[test]
fn broken_framing_in_skipped_bodies_never_makes_a_module_inert() {
    // A module that cannot be a shim (it has a memory): its bodies are
    // skipped, so their broken framing is not read. The module still acts,
    // so it needs a trusted digest: `check` refuses it.
    let bytes = module(&[TYPE, FUNC, MEMORY, BROKEN_CODE]);
    let a = analyze_bytes("m", &bytes, &Options::default()).expect("skipped bodies");
    let root = &a.nodes[0];
    assert_eq!(root.function_bodies, 1);
    assert!(!root.acts.is_empty(), "a module with bodies acts");

    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("m.wasm");
    std::fs::write(&file, &bytes).expect("write");
    let out = common::run(["check".as_ref(), file.as_os_str()]);
    assert_eq!(common::code(&out), 1, "{out:?}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("unknown"));
}

#[test]
fn bodies_that_carry_wiring_are_read_and_their_framing_checked() {
    // One table and nothing else defined: it may be a shim, so each body
    // is read (a trampoline is wiring) and broken framing is an error.
    let err = analyze_bytes(
        "m",
        &module(&[TYPE, FUNC, TABLE, BROKEN_CODE]),
        &Options::default(),
    )
    .expect_err("a possible shim's bodies are read");
    assert!(matches!(err, wasm_audit::Error::Malformed { .. }), "{err}");
    // A code section that declares no bodies is read too, so that bytes
    // after its count are an error rather than an inert module.
    let err = analyze_bytes(
        "m",
        &module(&[MEMORY, (10, &[0, 0xff, 0xff])]),
        &Options::default(),
    )
    .expect_err("bytes after an empty code section");
    assert!(matches!(err, wasm_audit::Error::Malformed { .. }), "{err}");
}

#[test]
fn a_code_section_past_the_end_of_the_input_is_an_error() {
    let mut bytes = module(&[TYPE, FUNC, MEMORY, GOOD_CODE]);
    // The code section claims 100 bytes; 4 follow.
    let at = bytes.len() - 5;
    bytes[at] = 100;
    let err = analyze_bytes("m", &bytes, &Options::default()).expect_err("truncated");
    assert!(matches!(err, wasm_audit::Error::Malformed { .. }), "{err}");
}
