//! `wasm-audit wit`: the WIT of the root or of a nested component.

use wasm_audit::render::escape;
use wasm_audit::NodeKind;

use super::common::*;
use super::*;

/// The arguments of `wasm-audit wit` (its help text is on
/// [`super::Command`]).
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Input: `.wasm`, `.wat`, `-` for standard input, or an OCI
    /// artifact: `oci-layout:DIR[:TAG|@DIGEST]` or
    /// `oci://REGISTRY/REPO[:TAG|@DIGEST]` (see --plain-http).
    #[arg(value_name = "FILE")]
    pub file: String,
    /// Node path, as `tree` prints it.
    #[arg(long, default_value = "/", value_name = "PATH")]
    pub node: String,
}

/// Runs `wasm-audit wit`; returns the exit code.
pub(crate) fn run(args: Args, ctx: &Ctx) -> anyhow::Result<u8> {
    let Args { file, node } = args;
    let options = |wit: bool| ctx.listing_options(wit);
    let limits = &ctx.limits;
    {
        let (loaded, analysis) = wasm_audit::analyze_source(&ctx.source(&file), &options(false))
            .map_err(|e| limits.explain(e))?;
        let n = analysis
            .node(&node)
            .ok_or_else(|| wasm_audit::Error::NoSuchNode {
                input: analysis.file.clone(),
                path: node.clone(),
            })?;
        if n.kind == NodeKind::Module {
            return Err(wasm_audit::Error::NoWit {
                input: analysis.file.clone(),
                path: n.path.clone(),
                message: "it is a core module; only components carry WIT".into(),
            }
            .into());
        }
        let bytes = loaded.bytes.get(n.range()).unwrap_or_default();
        let text = wasm_audit::wit::print(bytes).map_err(|message| wasm_audit::Error::NoWit {
            input: analysis.file.clone(),
            path: n.path.clone(),
            message,
        })?;
        print_stdout(escape::multiline(&text).as_bytes())?;
        Ok(EXIT_OK)
    }
}
