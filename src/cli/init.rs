//! `wasm-audit init`: a commented starter policy.

use std::path::PathBuf;

use wasm_audit::output::Target;
use wasm_audit::render::escape;

use super::common::*;
use super::*;

/// The arguments of `wasm-audit init` (its help text is on
/// [`super::Command`]).
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Where to write it; `-` is standard output.
    #[arg(long, short, value_name = "FILE", default_value = "wasm-audit.toml")]
    pub output: PathBuf,
    /// Replace an existing file.
    #[arg(long)]
    pub force: bool,
}

/// Runs `wasm-audit init`; returns the exit code.
pub(crate) fn run(args: Args, _ctx: &Ctx) -> anyhow::Result<u8> {
    let Args { output: out, force } = args;
    {
        let target = Target::from_arg(&out);
        // Only a regular file can be replaced; writing to a device or
        // FIFO (or standard output) replaces nothing.
        let existing_file = match &target {
            Target::Path(p) => std::fs::metadata(p).is_ok_and(|m| m.is_file()),
            Target::Stdout => false,
        };
        if existing_file && !force {
            return Err(wasm_audit::Error::Usage(format!(
                "{} exists; use --force to replace it",
                escape::text(&out.display().to_string())
            ))
            .into());
        }
        // `init -o ci/wasm-audit.toml` makes `ci/` when it is missing.
        if let Target::Path(p) = &target {
            if let Some(dir) = p.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(|source| wasm_audit::Error::Write {
                    path: dir.to_path_buf(),
                    source,
                })?;
            }
        }
        emit(&target, wasm_audit::check::cfg::STARTER_POLICY.as_bytes())?;
        if let Target::Path(p) = &target {
            eprintln!("wrote {}", escape::text(&p.display().to_string()));
        }
        Ok(EXIT_OK)
    }
}
