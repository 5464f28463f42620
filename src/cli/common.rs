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
    write_stdout(&bytes)
}

/// Writes `output` to standard output through one small buffer, so that a
/// large output is never built whole in memory; a closed pipe (`| head`)
/// ends quietly.
pub(crate) fn write_stdout(output: &dyn Output) -> anyhow::Result<()> {
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    match output.write_to(&mut out).and_then(|_| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(e).context("cannot write to standard output"),
    }
}

/// A command's output, made before anything is written: writing it can
/// only fail for the writer's sake.
pub(crate) trait Output {
    fn write_to(&self, out: &mut dyn Write) -> std::io::Result<()>;
}

impl Output for &[u8] {
    fn write_to(&self, out: &mut dyn Write) -> std::io::Result<()> {
        out.write_all(self)
    }
}

impl Output for Vec<u8> {
    fn write_to(&self, out: &mut dyn Write) -> std::io::Result<()> {
        out.write_all(self)
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
    per_file_each(
        files,
        options,
        ctx,
        |s, r| (s.clone(), r),
        |results| render(&results),
    )
}

/// [`per_file`] in two steps: `each` makes what is needed of one input's
/// result on the thread that analysed it, as soon as it is there (so that
/// rendering and dropping the analyses run in parallel too); `all` makes
/// the output of those, in the order of the inputs.
pub(crate) fn per_file_each<R: Send, O: Output>(
    files: &[String],
    options: &Options,
    ctx: &super::Ctx,
    each: impl Fn(&Source, wasm_audit::Result<wasm_audit::Analysis>) -> R + Sync,
    all: impl FnOnce(Vec<R>) -> anyhow::Result<O>,
) -> anyhow::Result<u8> {
    let limits = &ctx.limits;
    let sources: Vec<Source> = files.iter().map(|f| ctx.source(f)).collect();
    check_stdin_once(&sources)?;
    let done = wasm_audit::analyze_sources_then(&sources, options, |s, r| {
        let r = r.map_err(|e| limits.explain(e));
        let error = r.as_ref().err().map(|e| escape::one_line(&e.to_string()));
        (each(s, r), error)
    });
    let (made, errors): (Vec<R>, Vec<Option<String>>) = done.into_iter().unzip();
    write_stdout(&all(made)?)?;
    let mut failed = false;
    for e in errors.into_iter().flatten() {
        eprintln!("error: {e}");
        failed = true;
    }
    Ok(if failed { EXIT_ERROR } else { EXIT_OK })
}

/// The pretty JSON of a document whose last field is an array, from the
/// pretty JSON of the document with that array empty (`head`) and of each
/// element on its own: byte for byte what serde_json's pretty printer
/// writes for the whole document (elements two levels deep, two spaces a
/// level), so that the elements can be rendered in parallel. JSON text has
/// no raw line breaks inside strings, so indenting lines is exact.
///
/// The document is written as it is spliced, never held whole: a batch's
/// document is megabytes (the corpus `tree` document is 1.9 MB, and the
/// run's peak RSS went from 42 to 38 MiB).
pub(crate) struct SplicedJson {
    /// `head` without its empty array and closing brace.
    prefix: Vec<u8>,
    elements: Vec<Vec<u8>>,
    /// A line break after the closing brace.
    newline: bool,
}

/// Splices `elements` into `head`; `head` must end with the empty array
/// and the closing brace, as serde_json's pretty printer writes them.
pub(crate) fn splice_json_array(
    mut head: Vec<u8>,
    elements: Vec<Vec<u8>>,
) -> anyhow::Result<SplicedJson> {
    const EMPTY_LAST: &[u8] = b"[]\n}";
    if !head.ends_with(EMPTY_LAST) {
        anyhow::bail!("internal error: the JSON document does not end with an empty array");
    }
    if !elements.is_empty() {
        head.truncate(head.len() - EMPTY_LAST.len());
    }
    Ok(SplicedJson {
        prefix: head,
        elements,
        newline: false,
    })
}

impl SplicedJson {
    /// The document followed by a line break.
    pub(crate) fn with_newline(self) -> Self {
        Self {
            newline: true,
            ..self
        }
    }
}

impl Output for SplicedJson {
    fn write_to(&self, out: &mut dyn Write) -> std::io::Result<()> {
        // Without elements, `prefix` is the whole head.
        out.write_all(&self.prefix)?;
        if !self.elements.is_empty() {
            out.write_all(b"[\n")?;
            for (n, element) in self.elements.iter().enumerate() {
                if n > 0 {
                    out.write_all(b",\n")?;
                }
                for (i, line) in element.split(|&b| b == b'\n').enumerate() {
                    if i > 0 {
                        out.write_all(b"\n")?;
                    }
                    out.write_all(b"    ")?;
                    out.write_all(line)?;
                }
            }
            out.write_all(b"\n  ]\n}")?;
        }
        if self.newline {
            out.write_all(b"\n")?;
        }
        Ok(())
    }
}

/// The text listings of the inputs that were analysed, a blank line apart.
pub(crate) fn texts<E: std::error::Error + Send + Sync + 'static>(
    results: &FileResults,
    text: fn(&wasm_audit::Analysis) -> Result<String, E>,
) -> anyhow::Result<Vec<u8>> {
    let listings = results
        .iter()
        .filter_map(|(_, r)| r.as_ref().ok())
        .map(text)
        .collect::<Result<Vec<String>, E>>()?;
    Ok(listings.join("\n").into_bytes())
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

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::{splice_json_array, Output};

    /// A document whose last field is the array, as the real ones are.
    #[derive(serde::Serialize)]
    struct Document {
        format: &'static str,
        tool: serde_json::Value,
        files: Vec<serde_json::Value>,
    }

    /// The document as serde_json writes it whole, and as spliced from its
    /// parts.
    fn both(files: serde_json::Value) -> (Vec<u8>, Vec<u8>) {
        let files = files.as_array().expect("an array").clone();
        let tool = json!({"name": "wasm-audit", "version": "0.1.0"});
        let elements: Vec<Vec<u8>> = files
            .iter()
            .map(|e| serde_json::to_vec_pretty(e).expect("serialises"))
            .collect();
        let document = |files| Document {
            format: "wasm-audit-tree",
            tool: tool.clone(),
            files,
        };
        let whole = serde_json::to_vec_pretty(&document(files)).expect("serialises");
        let head = serde_json::to_vec_pretty(&document(Vec::new())).expect("serialises");
        let mut spliced = Vec::new();
        splice_json_array(head, elements)
            .expect("spliced")
            .write_to(&mut spliced)
            .expect("written");
        (whole, spliced)
    }

    #[test]
    fn spliced_elements_are_what_the_pretty_printer_writes_for_the_whole_document() {
        let (whole, spliced) = both(json!([
            {"file": "a.wasm", "nodes": [{"path": "/", "notes": []}, {"names": {}}]},
            {"file": "line\nbreak \"quoted\"\r\ttab", "error": "x"},
            [],
            {},
            "a string",
            3,
            [[1, 2], {"deep": [{"deeper": [null, true]}]}]
        ]));
        assert_eq!(
            String::from_utf8_lossy(&spliced),
            String::from_utf8_lossy(&whole)
        );
        for files in [json!([]), json!([{"only": 1}])] {
            let (whole, spliced) = both(files);
            assert_eq!(spliced, whole);
        }
    }

    #[test]
    fn a_document_that_does_not_end_with_an_empty_array_is_refused() {
        for head in [&br#"{"files": [1]}"#[..], br#"{"files": {}}"#, b"", b"[]"] {
            assert!(splice_json_array(head.to_vec(), vec![b"1".to_vec()]).is_err());
        }
    }
}
