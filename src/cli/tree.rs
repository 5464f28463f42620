//! `wasm-audit tree`: every node with its path, kind, class, size, digest and name.

use wasm_audit::render;
use wasm_audit::render::tree::{FileEntry, TreeDocument};

use super::common::*;
use super::*;

/// The arguments of `wasm-audit tree` (its help text is on
/// [`super::Command`]).
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Inputs: `.wasm`, `.wat`, `-` for standard input, or an OCI
    /// artifact: `oci-layout:DIR[:TAG|@DIGEST]` or
    /// `oci://REGISTRY/REPO[:TAG|@DIGEST]` (see --plain-http).
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<String>,
    /// Output format.
    #[arg(long, short, value_enum, default_value_t = TreeFormat::Text)]
    pub format: TreeFormat,
    /// Skip WIT decoding (faster on very large inputs; no `wit` field).
    #[arg(long)]
    pub no_wit: bool,
}

/// Runs `wasm-audit tree`; returns the exit code.
pub(crate) fn run(args: Args, ctx: &Ctx) -> anyhow::Result<u8> {
    let Args {
        files,
        format,
        no_wit,
    } = args;
    let options = |wit: bool| ctx.options(wit);
    per_file(&files, &options(!no_wit), ctx, |results| match format {
        TreeFormat::Text => Ok(texts(results, render::tree::text)),
        TreeFormat::Json => {
            let entries = results
                .iter()
                .map(|(s, r)| match r {
                    Ok(a) => FileEntry::Ok(a),
                    Err(e) => FileEntry::Err {
                        file: s.display(),
                        error: e.to_string(),
                    },
                })
                .collect();
            to_json(&TreeDocument::new(entries))
        }
    })
}
