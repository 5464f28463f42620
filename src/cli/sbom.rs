//! `wasm-audit sbom`: an SBOM of the whole composition.

use std::path::PathBuf;

use wasm_audit::output;
use wasm_audit::output::Target;
use wasm_audit::render::escape;

use super::common::*;
use super::*;

/// The arguments of `wasm-audit sbom` (its help text is on
/// [`super::Command`]).
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Input: `.wasm`, `.wat`, `-` for standard input, or an OCI
    /// artifact: `oci-layout:DIR[:TAG|@DIGEST]` or
    /// `oci://REGISTRY/REPO[:TAG|@DIGEST]` (see --plain-http).
    #[arg(value_name = "FILE")]
    pub file: String,
    /// SBOM format.
    #[arg(long, short, value_name = "FORMAT", default_value = "cyclonedx-json", value_parser = parse_sbom_format)]
    pub format: wasm_audit::sbom::SbomFormat,
    /// The CycloneDX specification version of `cyclonedx-json` and
    /// `cyclonedx-xml`: 1.5, 1.6 (Dependency-Track 4.14 reads up to 1.6)
    /// or 1.7 (Dependency-Track 5).
    #[arg(long, value_name = "VERSION", default_value = "1.6", value_parser = parse_cyclonedx_version)]
    pub cyclonedx_version: wasm_audit::sbom::CycloneDxVersion,
    /// Output file (written atomically), or `-` for standard output.
    #[arg(long, short, value_name = "OUT", default_value = "-")]
    pub output: PathBuf,
    /// A RustSec advisory database directory (read offline): the
    /// vulnerabilities of the crates each module's `.dep-v0` names go into
    /// the SBOM (CycloneDX `vulnerabilities`). Example:
    /// --advisory-db advisory-db -o app.cdx.json
    #[arg(long, value_name = "DIR")]
    pub advisory_db: Option<PathBuf>,
}

/// Runs `wasm-audit sbom`; returns the exit code.
pub(crate) fn run(args: Args, ctx: &Ctx) -> anyhow::Result<u8> {
    let Args {
        file,
        format,
        cyclonedx_version,
        output: out,
        advisory_db,
    } = args;
    let options = |wit: bool| ctx.options(wit);
    let limits = &ctx.limits;
    {
        let source = ctx.source(&file);
        let target = Target::from_arg(&out);
        output::ensure_not_read("-o", &target, &source_paths(std::slice::from_ref(&source)))?;
        let timestamp =
            wasm_audit::sbom::timestamp(std::env::var_os("SOURCE_DATE_EPOCH").as_deref())?;
        let db = advisory_db
            .as_deref()
            .map(wasm_audit::advisory::Database::open)
            .transpose()?;
        let (_, analysis) =
            wasm_audit::analyze_source(&source, &options(false)).map_err(|e| limits.explain(e))?;
        let mut sbom = wasm_audit::sbom::build(&analysis, timestamp)?;
        if let Some(db) = &db {
            sbom.add_advisories(&analysis, db);
        }
        let doc = wasm_audit::sbom::render(&sbom, format, cyclonedx_version)?;
        emit(&target, &doc)?;
        if let Target::Path(p) = &target {
            eprintln!(
                "wrote {format} SBOM of {} to {}",
                escape::text(&analysis.file),
                escape::text(&p.display().to_string())
            );
        }
        Ok(EXIT_OK)
    }
}

pub(crate) fn parse_sbom_format(s: &str) -> Result<wasm_audit::sbom::SbomFormat, String> {
    s.parse().map_err(|e: wasm_audit::Error| e.to_string())
}

pub(crate) fn parse_cyclonedx_version(
    s: &str,
) -> Result<wasm_audit::sbom::CycloneDxVersion, String> {
    s.parse().map_err(|e: wasm_audit::Error| e.to_string())
}
