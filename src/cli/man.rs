//! `wasm-audit man`: manual pages.

use std::path::PathBuf;

use clap::CommandFactory;

use wasm_audit::output;
use wasm_audit::render::escape;

use super::common::*;
use super::*;

/// The arguments of `wasm-audit man` (its help text is on
/// [`super::Command`]).
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The command whose page to print (default: the main page).
    #[arg(value_name = "COMMAND", conflicts_with = "output_dir")]
    pub command: Option<String>,
    /// Write every page (wasm-audit.1, wasm-audit-COMMAND.1) into this
    /// directory, made when missing.
    #[arg(long, value_name = "DIR")]
    pub output_dir: Option<PathBuf>,
}

/// Runs `wasm-audit man`; returns the exit code.
pub(crate) fn run(args: Args, _ctx: &Ctx) -> anyhow::Result<u8> {
    let Args {
        command,
        output_dir,
    } = args;
    {
        let usage = |m: String| anyhow::Error::from(wasm_audit::Error::Usage(m));
        let Some(dir) = output_dir else {
            let page = crate::manpage::page(Cli::command(), command.as_deref())
                .map_err(|m| usage(format!("man: {m}")))?;
            print_stdout(&page.roff)?;
            return Ok(EXIT_OK);
        };
        let pages = crate::manpage::all(Cli::command()).map_err(|m| usage(format!("man: {m}")))?;
        std::fs::create_dir_all(&dir).map_err(|source| wasm_audit::Error::Write {
            path: dir.clone(),
            source,
        })?;
        for page in &pages {
            output::write(&dir.join(&page.file_name), &page.roff)?;
        }
        eprintln!(
            "wrote {} manual pages to {}",
            pages.len(),
            escape::text(&dir.display().to_string())
        );
        Ok(EXIT_OK)
    }
}
