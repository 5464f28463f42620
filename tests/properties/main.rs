//! Property tests of the audit, and the fuzzers' regressions replayed with their invariant checks.
//!
//! One test binary per area (each links the whole crate once); the helpers
//! every area shares are in `tests/common/`.

#[path = "../common/mod.rs"]
mod common;

mod fuzz_regressions;
mod properties;
