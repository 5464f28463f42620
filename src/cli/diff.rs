//! `wasm-audit diff`: two versions compared, for reviewers.

use wasm_audit::{render, Options};

use super::common::*;
use super::*;

/// The arguments of `wasm-audit diff` (its help text is on
/// [`super::Command`]).
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The old version: a binary or a saved caps/tree/check JSON document.
    #[arg(value_name = "OLD")]
    pub old: String,
    /// The new version.
    #[arg(value_name = "NEW")]
    pub new: String,
    /// Output format.
    #[arg(long, short, value_enum, default_value_t = DiffFormat::Text)]
    pub format: DiffFormat,
    /// Exit 1 when any of these kinds of change happened (comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "KIND,...")]
    pub fail_on: Vec<String>,
    /// A RustSec advisory database directory (read offline): report the
    /// advisories each version gained or lost through its `.dep-v0`
    /// crates. Example: --advisory-db advisory-db --fail-on vulnerability-added
    #[arg(long, value_name = "DIR")]
    pub advisory_db: Option<std::path::PathBuf>,
}

/// Runs `wasm-audit diff`; returns the exit code.
pub(crate) fn run(args: Args, ctx: &Ctx) -> anyhow::Result<u8> {
    let Args {
        old,
        new,
        format,
        fail_on,
        advisory_db,
    } = args;
    let options = |wit: bool| ctx.options(wit);
    let color = ctx.color;
    {
        use wasm_audit::diff::{Diff, Event};
        let mut events = Vec::new();
        for name in &fail_on {
            let Some(e) = Event::from_name(name.trim()) else {
                return Err(wasm_audit::Error::Usage(format!(
                    "--fail-on: unknown kind `{name}` (known: {})",
                    Event::ALL
                        .iter()
                        .map(|e| e.name())
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
                .into());
            };
            events.push(e);
        }
        let options = options(false);
        let db = advisory_db
            .as_deref()
            .map(wasm_audit::advisory::Database::open)
            .transpose()?;
        let (a, b) = rayon::join(
            || diff_side(&old, &options, ctx),
            || diff_side(&new, &options, ctx),
        );
        let (a, b) = (a?, b?);
        let mut diff = Diff::compute(&a, &b);
        if let Some(db) = &db {
            diff.add_advisories(&a, &b, db);
        }
        let out = match format {
            DiffFormat::Text => render::diff::text(&diff, color.stdout()).into_bytes(),
            DiffFormat::Json => to_json(&render::diff::json(&diff))?,
            DiffFormat::Markdown => render::diff::markdown(&diff).into_bytes(),
        };
        print_stdout(&out)?;
        Ok(if diff.fails(&events) {
            EXIT_FINDINGS
        } else {
            EXIT_OK
        })
    }
}

/// One side of a diff: a saved JSON document, or a binary to analyse.
fn diff_side(arg: &str, options: &Options, ctx: &Ctx) -> anyhow::Result<wasm_audit::diff::Side> {
    let limits = &ctx.limits;
    let source = ctx.source(arg);
    let raw = wasm_audit::input::read_raw(&source, options.limits.max_file_size)
        .map_err(|e| limits.explain(e))?;
    // A saved JSON document is text starting with `{`; binaries start with
    // `\0asm` and WAT with `(`.
    if raw.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{') {
        let doc: serde_json::Value = serde_json::from_slice(&raw)
            .map_err(|e| wasm_audit::Error::Usage(format!("{arg}: not valid JSON: {e}")))?;
        return wasm_audit::diff::Side::from_json(arg, &doc)
            .map_err(|e| wasm_audit::Error::Usage(format!("{arg}: {e}")).into());
    }
    let loaded = wasm_audit::input::from_bytes(source.display(), raw)?;
    let analysis = wasm_audit::analyze_loaded(&loaded, options).map_err(|e| limits.explain(e))?;
    Ok(wasm_audit::diff::Side::from_analysis(&analysis)?)
}
