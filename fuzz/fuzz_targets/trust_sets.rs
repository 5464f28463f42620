//! `sets::parse` for every set kind and `detect_kind` on arbitrary bytes;
//! every entry of a parsed set is `sha256:<64 lowercase hex>`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wasm_audit_fuzz::checks;

fuzz_target!(|data: &[u8]| checks::trust_sets(data));
