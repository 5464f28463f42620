//! `wasm-audit digests`: a trust set of the given binaries, ready to be signed.

use wasm_audit::input::Source;

use super::common::*;
use super::*;

/// The arguments of `wasm-audit digests` (its help text is on
/// [`super::Command`]).
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Trusted binaries (or OCI artifacts: `oci-layout:DIR[:TAG|@DIGEST]`,
    /// `oci://REGISTRY/REPO[:TAG|@DIGEST]`).
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<String>,
    /// Also list every nested node that carries code.
    #[arg(long)]
    pub all_code: bool,
}

/// Runs `wasm-audit digests`; returns the exit code.
pub(crate) fn run(args: Args, ctx: &Ctx) -> anyhow::Result<u8> {
    let Args { files, all_code } = args;
    let options = |wit: bool| ctx.listing_options(wit);
    let limits = &ctx.limits;
    {
        let options = options(false);
        let sources: Vec<Source> = files.iter().map(|f| ctx.source(f)).collect();
        check_stdin_once(&sources)?;
        let mut entries = Vec::new();
        for (source, result) in sources
            .iter()
            .zip(wasm_audit::analyze_sources(&sources, &options))
        {
            let a = result.map_err(|e| limits.explain(e))?;
            let file_name = match source {
                Source::Path(p) => p.file_name().map(|n| n.to_string_lossy().into_owned()),
                Source::Stdin => None,
                Source::Oci { reference, .. } => Some(reference.clone()),
            };
            let root = a.root();
            let name = root
                .name
                .clone()
                .or(file_name.clone())
                .unwrap_or_else(|| "stdin".into());
            entries.push(serde_json::json!({ "name": name, "digest": root.digest, "source": file_name.unwrap_or_else(|| "-".into()) }));
            if all_code {
                for n in a
                    .nodes
                    .iter()
                    .skip(1)
                    .filter(|n| n.class == wasm_audit::Class::Code)
                {
                    let nested = format!("{name}{}", n.path);
                    entries.push(serde_json::json!({ "name": n.name.clone().unwrap_or(nested), "digest": n.digest, "source": format!("{}#{}", source.display(), n.path) }));
                }
            }
        }
        print_stdout(&to_json(
            &serde_json::json!({ "version": 1, "entries": entries }),
        )?)?;
        Ok(EXIT_OK)
    }
}
