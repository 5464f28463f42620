//! Helpers of the `wasm-audit` fuzz targets: the invariant checks (shared
//! with `tests/fuzz_regressions.rs`), the SBOM checks, and the
//! structure-aware generator of nested components.

pub mod checks;
pub mod compose;
pub mod sbom;
