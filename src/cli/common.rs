//! What several commands share: writing to standard output and to
//! targets, the files a run reads, one-file-at-a-time runs with a
//! progress line.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;

use wasm_audit::input::Source;
use wasm_audit::output::{self, Target};
use wasm_audit::render::escape;
use wasm_audit::Options;

use super::{EXIT_ERROR, EXIT_OK};

pub(crate) type FileResults = [(Source, wasm_audit::Result<wasm_audit::Analysis>)];

/// Writes to standard output; a closed pipe (`| head`) ends quietly.
pub(crate) fn print_stdout(bytes: &[u8]) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|_| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(e).context("cannot write to standard output"),
    }
}

pub(crate) fn to_json<T: serde::Serialize>(value: &T) -> anyhow::Result<Vec<u8>> {
    let mut v = serde_json::to_vec_pretty(value).context("cannot serialise JSON")?;
    v.push(b'\n');
    Ok(v)
}

/// Writes an output: standard output, or a file (see [`output::write`]).
pub(crate) fn emit(target: &Target, bytes: &[u8]) -> anyhow::Result<()> {
    match target {
        Target::Stdout => print_stdout(bytes),
        Target::Path(p) => Ok(output::write(p, bytes)?),
    }
}

/// The files among `sources` (standard input is not a file).
pub(crate) fn source_paths(sources: &[Source]) -> Vec<PathBuf> {
    sources
        .iter()
        .filter_map(|s| match s {
            Source::Path(p) => Some(p.clone()),
            Source::Stdin | Source::Oci { .. } => None,
        })
        .collect()
}

/// A progress line on stderr while several inputs are audited, only when
/// stderr is a terminal.
pub(crate) struct ProgressLine {
    total: usize,
    done: std::sync::atomic::AtomicUsize,
    enabled: bool,
}

impl ProgressLine {
    pub(crate) fn new(total: usize) -> Self {
        use std::io::IsTerminal;
        Self {
            total,
            done: std::sync::atomic::AtomicUsize::new(0),
            enabled: total > 1 && std::io::stderr().is_terminal(),
        }
    }

    pub(crate) fn tick(&self) {
        let n = self.done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        if self.enabled {
            eprint!("\raudited {n}/{} ", self.total);
        }
    }

    pub(crate) fn done(&self) {
        if self.enabled {
            eprint!("\r\x1b[K");
        }
    }
}

/// A per-file command: analyses the inputs in parallel, prints what
/// `render` makes of all of them (failed inputs included, in place), then
/// each failure on stderr; exit 2 when any input failed.
pub(crate) fn per_file(
    files: &[String],
    options: &Options,
    ctx: &super::Ctx,
    render: impl Fn(&FileResults) -> anyhow::Result<Vec<u8>>,
) -> anyhow::Result<u8> {
    let limits = &ctx.limits;
    let sources: Vec<Source> = files.iter().map(|f| ctx.source(f)).collect();
    check_stdin_once(&sources)?;
    let analyses = wasm_audit::analyze_sources(&sources, options);
    let results: Vec<_> = sources
        .into_iter()
        .zip(analyses)
        .map(|(s, r)| (s, r.map_err(|e| limits.explain(e))))
        .collect();
    print_stdout(&render(&results)?)?;
    let mut failed = false;
    for (_, r) in &results {
        if let Err(e) = r {
            eprintln!("error: {}", escape::one_line(&e.to_string()));
            failed = true;
        }
    }
    Ok(if failed { EXIT_ERROR } else { EXIT_OK })
}

/// The text listings of the inputs that were analysed, a blank line apart.
pub(crate) fn texts(results: &FileResults, text: fn(&wasm_audit::Analysis) -> String) -> Vec<u8> {
    let listings: Vec<String> = results
        .iter()
        .filter_map(|(_, r)| r.as_ref().ok())
        .map(text)
        .collect();
    listings.join("\n").into_bytes()
}

/// Standard input can be read once per run.
pub(crate) fn check_stdin_once(sources: &[Source]) -> anyhow::Result<()> {
    if sources.iter().filter(|s| **s == Source::Stdin).count() > 1 {
        return Err(
            wasm_audit::Error::Usage("`-` (standard input) can be given only once".into()).into(),
        );
    }
    Ok(())
}
