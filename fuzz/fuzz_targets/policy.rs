//! `Policy::parse` on arbitrary UTF-8 text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wasm_audit_fuzz::checks;

fuzz_target!(|data: &[u8]| checks::policy(data));
