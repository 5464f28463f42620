//! `wasm-audit tree`: every node with its path, kind, class, size, digest and name.

use anyhow::Context;
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
    let options = ctx.listing_options(!no_wit);
    match format {
        TreeFormat::Text => per_file(&files, &options, ctx, |results| {
            texts(results, |a| {
                Ok::<_, std::convert::Infallible>(render::tree::text(a))
            })
        }),
        // Each input's entry is rendered where it was analysed.
        TreeFormat::Json => per_file_each(
            &files,
            &options,
            ctx,
            |source, result| {
                let entry = match &result {
                    Ok(a) => FileEntry::Ok(a),
                    Err(e) => FileEntry::Err {
                        file: source.display(),
                        error: e.to_string(),
                    },
                };
                serde_json::to_vec_pretty(&entry).context("cannot serialise JSON")
            },
            |entries| {
                let entries = entries.into_iter().collect::<anyhow::Result<Vec<_>>>()?;
                let head = serde_json::to_vec_pretty(&TreeDocument::new(Vec::new()))
                    .context("cannot serialise JSON")?;
                Ok(splice_json_array(head, entries)?.with_newline())
            },
        ),
    }
}
