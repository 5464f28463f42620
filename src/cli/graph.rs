//! `wasm-audit graph`: the composition graph (overview or full).

use wasm_audit::graph::CompositionGraph;
use wasm_audit::render;
use wasm_audit::render::graph::{GraphDocument, GraphFile};

use super::common::*;
use super::*;

/// The arguments of `wasm-audit graph` (its help text is on
/// [`super::Command`]).
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Inputs: `.wasm`, `.wat`, `-` for standard input, or an OCI
    /// artifact: `oci-layout:DIR[:TAG|@DIGEST]` or
    /// `oci://REGISTRY/REPO[:TAG|@DIGEST]` (see --plain-http).
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<String>,
    /// Output format.
    #[arg(long, short, value_enum, default_value_t = GraphFormat::Text)]
    pub format: GraphFormat,
    /// Every node and edge (modules, instances, interfaces), not only
    /// the components and what reaches them.
    #[arg(long)]
    pub full: bool,
}

/// Runs `wasm-audit graph`; returns the exit code.
pub(crate) fn run(args: Args, ctx: &Ctx) -> anyhow::Result<u8> {
    let Args {
        files,
        format,
        full,
    } = args;
    let options = |wit: bool| ctx.options(wit);
    per_file(&files, &options(false), ctx, |results| {
        let view = |a: &wasm_audit::Analysis| -> wasm_audit::Result<String> {
            let g = CompositionGraph::build(a)?;
            Ok(match (format, full) {
                (GraphFormat::Dot, true) => render::graph::dot(&g, a),
                (GraphFormat::Dot, false) => render::graph::dot_overview(&g, a)?,
                (GraphFormat::Mermaid, true) => render::graph::mermaid(&g, a),
                (GraphFormat::Mermaid, false) => render::graph::mermaid_overview(&g, a)?,
                (_, true) => render::graph::text(&g, a),
                (_, false) => render::graph::text_overview(&g, a)?,
            })
        };
        match format {
            GraphFormat::Json => {
                let entries = results
                    .iter()
                    .map(|(s, r)| {
                        let graph = r.as_ref().map_err(ToString::to_string).and_then(|a| {
                            Ok((a, CompositionGraph::build(a).map_err(|e| e.to_string())?))
                        });
                        match graph {
                            Ok((a, g)) => GraphFile::Ok(render::graph::json(&g, a)),
                            Err(error) => GraphFile::Err {
                                file: s.display(),
                                error,
                            },
                        }
                    })
                    .collect();
                to_json(&GraphDocument::new(entries))
            }
            _ => Ok(results
                .iter()
                .filter_map(|(_, r)| r.as_ref().ok())
                .map(view)
                .collect::<wasm_audit::Result<Vec<_>>>()?
                .join(if format == GraphFormat::Text {
                    "\n"
                } else {
                    ""
                })
                .into_bytes()),
        }
    })
}
