//! End-to-end tests of the command line: every command run as a user runs it (exit codes, outputs, errors), the CI gate with keys made at test time, the documentation's commands, hostile inputs.
//!
//! One test binary per area (each links the whole crate once); the helpers
//! every area shares are in `tests/common/`.

#[path = "../common/mod.rs"]
mod common;
#[path = "../common/oci.rs"]
mod oci_fixture;
#[path = "../common/yaml.rs"]
mod yaml;

mod advisories;
mod cases;
mod check;
mod commands;
mod diff;
mod docs;
mod hostile;
mod oci;
mod outputs;
mod registry;
mod sbom_cli;
mod signatures;
