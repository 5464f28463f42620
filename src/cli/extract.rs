//! `wasm-audit extract`: the exact bytes of one node.

use std::path::PathBuf;

use wasm_audit::output;
use wasm_audit::output::Target;
use wasm_audit::render::escape;

use super::common::*;
use super::*;

/// The arguments of `wasm-audit extract` (its help text is on
/// [`super::Command`]).
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Input: `.wasm`, `.wat`, `-` for standard input, or an OCI
    /// artifact: `oci-layout:DIR[:TAG|@DIGEST]` or
    /// `oci://REGISTRY/REPO[:TAG|@DIGEST]` (see --plain-http).
    #[arg(value_name = "FILE")]
    pub file: String,
    /// Node path, as `tree` prints it.
    #[arg(long, value_name = "PATH")]
    pub node: String,
    /// Output file, or `-` for standard output.
    #[arg(long, short, value_name = "OUT")]
    pub output: PathBuf,
}

/// Runs `wasm-audit extract`; returns the exit code.
pub(crate) fn run(args: Args, ctx: &Ctx) -> anyhow::Result<u8> {
    let Args {
        file,
        node,
        output: out,
    } = args;
    let options = |wit: bool| ctx.listing_options(wit);
    let limits = &ctx.limits;
    {
        let source = ctx.source(&file);
        let target = Target::from_arg(&out);
        output::ensure_not_read("-o", &target, &source_paths(std::slice::from_ref(&source)))?;
        let (loaded, analysis) =
            wasm_audit::analyze_source(&source, &options(false)).map_err(|e| limits.explain(e))?;
        let n = analysis
            .node(&node)
            .ok_or_else(|| wasm_audit::Error::NoSuchNode {
                input: analysis.file.clone(),
                path: node.clone(),
            })?;
        let bytes = loaded.bytes.get(n.range()).unwrap_or_default();
        emit(&target, bytes)?;
        if let Target::Path(p) = &target {
            eprintln!(
                "wrote {} ({} bytes, {}) to {}",
                n.path,
                n.size,
                n.digest,
                escape::text(&p.display().to_string())
            );
        }
        Ok(EXIT_OK)
    }
}
