//! Hard limits on everything an input controls. Each has a default that is
//! far above what real components need (the deepest corpus file nests 4
//! levels, the largest has a few dozen nodes) and a command-line flag.

use serde::Serialize;

/// Limits applied while reading and walking one input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct Limits {
    /// Largest input accepted, in bytes.
    pub max_file_size: u64,
    /// Deepest nesting accepted (the root is depth 0).
    pub max_depth: u32,
    /// Most nodes (root, components and modules) accepted in one input.
    pub max_nodes: u64,
    /// Largest decompressed `.dep-v0` section accepted, in bytes.
    pub max_dep_v0_size: u64,
    /// Most steps the wiring resolution may take on one input.
    pub max_wiring_work: u64,
}

impl Limits {
    /// Default largest input: 1 GiB.
    pub const DEFAULT_MAX_FILE_SIZE: u64 = 1 << 30;
    /// Default deepest nesting.
    pub const DEFAULT_MAX_DEPTH: u32 = 64;
    /// Default most nodes.
    pub const DEFAULT_MAX_NODES: u64 = 100_000;
    /// Default largest decompressed `.dep-v0`: 8 MiB (cargo-auditable's
    /// own reader uses the same bound).
    pub const DEFAULT_MAX_DEP_V0_SIZE: u64 = 8 << 20;
    /// Default work budget of the wiring resolution (`--max-wiring-work`).
    /// The largest corpus composition needs about 6,000 steps and a
    /// generated 100 MiB one of 159 nodes about 37,000; a million stop an
    /// input built to explode within about half a second and 100 MB.
    pub const DEFAULT_MAX_WIRING_WORK: u64 = 1_000_000;
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_file_size: Self::DEFAULT_MAX_FILE_SIZE,
            max_depth: Self::DEFAULT_MAX_DEPTH,
            max_nodes: Self::DEFAULT_MAX_NODES,
            max_dep_v0_size: Self::DEFAULT_MAX_DEP_V0_SIZE,
            max_wiring_work: Self::DEFAULT_MAX_WIRING_WORK,
        }
    }
}
