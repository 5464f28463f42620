//! `signature::verify` on arbitrary message, signature (base64 or Sigstore
//! bundle JSON) and key; with the fixed keys, whose private halves nobody
//! holds, it must never succeed. See `checks::signature` for the layout.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wasm_audit_fuzz::checks;

fuzz_target!(|data: &[u8]| checks::signature(data));
