//! `wasm-audit caps`: which host capabilities reach each part.

use wasm_audit::render;
use wasm_audit::render::caps::{CapsDocument, CapsFile};

use super::common::*;
use super::*;

/// The arguments of `wasm-audit caps` (its help text is on
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
}

/// Runs `wasm-audit caps`; returns the exit code.
pub(crate) fn run(args: Args, ctx: &Ctx) -> anyhow::Result<u8> {
    let Args { files, format } = args;
    let options = |wit: bool| ctx.options(wit);
    {
        per_file(&files, &options(false), ctx, |results| match format {
            TreeFormat::Text => texts(results, render::caps::text),
            TreeFormat::Json => {
                let entries = results
                    .iter()
                    .map(|(s, r)| {
                        let parts = r.as_ref().map_err(ToString::to_string).and_then(|a| {
                            Ok((a, render::caps::parts(a).map_err(|e| e.to_string())?))
                        });
                        match parts {
                            Ok((a, components)) => CapsFile::Ok {
                                file: a.file.clone(),
                                digest: a.digest.clone(),
                                components,
                            },
                            Err(error) => CapsFile::Err {
                                file: s.display(),
                                error,
                            },
                        }
                    })
                    .collect();
                to_json(&CapsDocument::new(entries))
            }
        })
    }
}
