//! Library tests by area: the wiring, compositions made with wac-graph, `.dep-v0`, trust sets, SBOM documents.
//!
//! One test binary per area (each links the whole crate once); the helpers
//! every area shares are in `tests/common/`.

#[path = "../common/mod.rs"]
mod common;
#[path = "../common/oci.rs"]
mod oci_fixture;

mod advisories;
mod architecture;
mod composition;
mod dep_v0;
mod embedding;
mod input;
mod oci;
mod origin;
mod provenance;
mod sbom;
mod trust_sets;
mod walk;
mod wiring;
