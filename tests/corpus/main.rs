//! Real components (`../shared/corpus`) and the component-model test suites as data (`../shared/conformance/component-model`).
//!
//! One test binary per area (each links the whole crate once); the helpers
//! every area shares are in `tests/common/`.

#[path = "../common/mod.rs"]
mod common;

mod conformance;
mod corpus;
mod sigstore;
mod slsa;
