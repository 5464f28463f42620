//! Reading inputs: large regular files are memory-mapped; what is analysed
//! must be what the file held from start to end.

use wasm_audit::input::{Bytes, Source, MAP_THRESHOLD};
use wasm_audit::{Error, Options};

/// A core module of `size` bytes or more: one custom section of filler.
fn big_module(size: usize) -> Vec<u8> {
    let mut out = b"\0asm\x01\0\0\0".to_vec();
    let name = b"filler";
    let payload = size.saturating_sub(out.len() + 16);
    let mut section = vec![name.len() as u8];
    section.extend_from_slice(name);
    section.extend((0..payload).map(|i| (i % 251) as u8));
    out.push(0);
    let mut len = section.len();
    loop {
        let byte = (len & 0x7f) as u8;
        len >>= 7;
        if len == 0 {
            out.push(byte);
            break;
        }
        out.push(byte | 0x80);
    }
    out.extend_from_slice(&section);
    out
}

#[test]
fn a_large_file_is_mapped_and_analysed_as_the_same_bytes_in_memory() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("big.wasm");
    let bytes = big_module(MAP_THRESHOLD as usize + 4096);
    std::fs::write(&path, &bytes).expect("write");

    let (loaded, analysis) =
        wasm_audit::analyze_source(&Source::Path(path.clone()), &Options::default())
            .expect("analyses");
    assert!(
        matches!(loaded.bytes, Bytes::Mapped(_)),
        "a large file is mapped"
    );
    let in_memory =
        wasm_audit::analyze_bytes("big.wasm", &bytes, &Options::default()).expect("analyses");
    assert_eq!(analysis.digest, in_memory.digest);
    assert_eq!(analysis.size, bytes.len() as u64);
    // The digest is SHA-256 of the file, computed here without the tool.
    let expected = {
        use sha2::Digest;
        let d = sha2::Sha256::digest(&bytes);
        format!(
            "sha256:{}",
            d.iter().map(|b| format!("{b:02x}")).collect::<String>()
        )
    };
    assert_eq!(analysis.digest, expected);

    // A small file is read.
    let small = dir.path().join("small.wasm");
    std::fs::write(&small, big_module(64)).expect("write");
    let (loaded, _) =
        wasm_audit::analyze_source(&Source::Path(small), &Options::default()).expect("small");
    assert!(matches!(loaded.bytes, Bytes::Owned(_)));
}

#[test]
fn a_mapped_file_written_during_the_audit_is_an_error_not_a_verdict() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("big.wasm");
    let bytes = big_module(MAP_THRESHOLD as usize * 2);
    std::fs::write(&path, &bytes).expect("write");
    let options = Options::default();

    // Written in place, same size (what a mapping shows at once).
    let loaded = wasm_audit::input::load(&Source::Path(path.clone()), u64::MAX).expect("load");
    assert!(matches!(loaded.bytes, Bytes::Mapped(_)));
    {
        use std::io::{Seek, SeekFrom, Write};
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .open(&path)
            .expect("open");
        f.seek(SeekFrom::Start(100)).expect("seek");
        f.write_all(b"other bytes").expect("write");
    }
    match wasm_audit::analyze_loaded(&loaded, &options) {
        Err(Error::Changed { path: p }) => assert_eq!(p, path),
        other => panic!("expected a changed-file error, got {other:?}"),
    }
    let message = Error::Changed { path: path.clone() }.to_string();
    assert!(
        !message.contains('\n') && message.contains("changed while"),
        "{message}"
    );

    // Grown (appended to).
    std::fs::write(&path, &bytes).expect("rewrite");
    let loaded = wasm_audit::input::load(&Source::Path(path.clone()), u64::MAX).expect("load");
    {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .expect("open");
        f.write_all(b"\0").expect("append");
    }
    assert!(matches!(
        wasm_audit::analyze_loaded(&loaded, &options),
        Err(Error::Changed { .. })
    ));

    // Untouched: analysed.
    std::fs::write(&path, &bytes).expect("rewrite");
    let loaded = wasm_audit::input::load(&Source::Path(path.clone()), u64::MAX).expect("load");
    assert!(wasm_audit::analyze_loaded(&loaded, &options).is_ok());
}

#[test]
fn the_size_limit_holds_for_mapped_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("big.wasm");
    std::fs::write(&path, big_module(MAP_THRESHOLD as usize + 10)).expect("write");
    let e = wasm_audit::input::load(&Source::Path(path), MAP_THRESHOLD).expect_err("too large");
    assert!(matches!(e, Error::LimitExceeded { .. }), "{e}");
}
