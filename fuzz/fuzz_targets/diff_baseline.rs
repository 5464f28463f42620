//! `Side::from_json` on arbitrary JSON (parsed with serde_json first), and
//! the diff of an accepted baseline against itself.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wasm_audit_fuzz::checks;

fuzz_target!(|data: &[u8]| checks::diff_baseline(data));
