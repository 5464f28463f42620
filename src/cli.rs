//! Command-line interface: argument definitions and the commands, which
//! call the library and print what it returns.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Parser, Subcommand, ValueEnum};

use wasm_audit::graph::CompositionGraph;
use wasm_audit::input::Source;
use wasm_audit::render::caps::{CapsDocument, CapsFile};
use wasm_audit::render::tree::{FileEntry, TreeDocument};
use wasm_audit::{output, render, Limits, NodeKind, Options};

/// The audit passed, or the command succeeded.
pub const EXIT_OK: u8 = 0;
/// The audit found a policy violation.
#[allow(dead_code)]
pub const EXIT_FINDINGS: u8 = 1;
/// The command could not be done: bad usage, unreadable or malformed input.
pub const EXIT_ERROR: u8 = 2;

const EXIT_CODES: &str = "\
Exit codes:
  0  success (for `check`: the audit passed)
  1  the audit failed: a policy violation was found
  2  error: bad usage, an unreadable, malformed or over-limit input";

const MAIN_EXAMPLES: &str = "\
Examples:
  wasm-audit tree app.wasm                       # every nested component and module
  wasm-audit tree --format json a.wasm b.wasm    # machine-readable, several files in parallel
  wasm-audit caps app.wasm                       # which host capabilities reach which part
  wasm-audit graph app.wasm --format dot | dot -Tsvg > app.svg
  wasm-audit wit app.wasm --node /component[1]   # the WIT of a nested component
  wasm-audit extract app.wasm --node /component[0]/module[0] -o core.wasm";

/// Audit WebAssembly components before they ship.
///
/// Takes a component apart at every depth (nested components, core
/// modules), hashes every node, and shows the composition graph.
#[derive(Debug, Parser)]
#[command(name = "wasm-audit", version, about, long_about = None,
          after_help = format!("{MAIN_EXAMPLES}\n\n{EXIT_CODES}"))]
pub struct Cli {
    #[command(subcommand)]
    command: Command,

    #[command(flatten)]
    limits: LimitArgs,
}

#[derive(Debug, Args)]
#[command(next_help_heading = "Limits")]
struct LimitArgs {
    /// Largest input accepted, in bytes.
    #[arg(long, global = true, value_name = "BYTES", default_value_t = Limits::DEFAULT_MAX_FILE_SIZE)]
    max_file_size: u64,
    /// Deepest nesting accepted (the root is depth 0).
    #[arg(long, global = true, value_name = "N", default_value_t = Limits::DEFAULT_MAX_DEPTH)]
    max_depth: u32,
    /// Most nodes (components and modules) accepted in one input.
    #[arg(long, global = true, value_name = "N", default_value_t = Limits::DEFAULT_MAX_NODES)]
    max_nodes: u64,
    /// Largest decompressed `.dep-v0` section accepted, in bytes.
    #[arg(long, global = true, value_name = "BYTES", default_value_t = Limits::DEFAULT_MAX_DEP_V0_SIZE)]
    max_dep_v0_size: u64,
}

impl LimitArgs {
    fn limits(&self) -> Limits {
        Limits {
            max_file_size: self.max_file_size,
            max_depth: self.max_depth,
            max_nodes: self.max_nodes,
            max_dep_v0_size: self.max_dep_v0_size,
        }
    }
}

#[derive(Debug, Subcommand)]
enum Command {
    /// List every node (root, nested components, core modules) with its
    /// path, kind, class, size, digest and name.
    #[command(after_help = format!("\
Examples:
  wasm-audit tree app.wasm
  wasm-audit tree --format json *.wasm > nodes.json
  cat app.wasm | wasm-audit tree -
  wasm-audit tree component.wat

Inputs are `.wasm` binaries, WAT text, or `-` for standard input. Several
inputs are read in parallel; one that fails is reported and the others are
still listed.

{EXIT_CODES}"))]
    Tree {
        /// Inputs: `.wasm`, `.wat`, or `-` for standard input.
        #[arg(required = true, value_name = "FILE")]
        files: Vec<String>,
        /// Output format.
        #[arg(long, short, value_enum, default_value_t = TreeFormat::Text)]
        format: TreeFormat,
        /// Skip WIT decoding (faster on very large inputs; no `wit` field).
        #[arg(long)]
        no_wit: bool,
    },
    /// Show which host capabilities reach each nested component and module,
    /// following how the composition wires instances together.
    #[command(after_help = format!("\
Examples:
  wasm-audit caps app.wasm
  wasm-audit caps --format json app.wasm > caps.json

A part's capabilities are the root host imports that reach its imports
through the wiring (instantiation arguments, aliases, exports); imports
satisfied by a sibling are not capabilities. A part defined but never
instantiated reaches nothing and is marked so.

{EXIT_CODES}"))]
    Caps {
        /// Inputs: `.wasm`, `.wat`, or `-` for standard input.
        #[arg(required = true, value_name = "FILE")]
        files: Vec<String>,
        /// Output format.
        #[arg(long, short, value_enum, default_value_t = TreeFormat::Text)]
        format: TreeFormat,
    },
    /// Print the composition graph: nodes, nesting, imported and exported interfaces.
    #[command(after_help = format!("\
Examples:
  wasm-audit graph app.wasm --format json
  wasm-audit caps app.wasm                       # which host capabilities reach which part
  wasm-audit graph app.wasm --format dot | dot -Tsvg > app.svg
  wasm-audit graph app.wasm --format mermaid >> review.md

{EXIT_CODES}"))]
    Graph {
        /// Input: `.wasm`, `.wat`, or `-` for standard input.
        #[arg(value_name = "FILE")]
        file: String,
        /// Output format.
        #[arg(long, short, value_enum, default_value_t = GraphFormat::Json)]
        format: GraphFormat,
    },
    /// Print the WIT of the root or of any decodable nested component.
    #[command(after_help = format!("\
Examples:
  wasm-audit wit app.wasm
  wasm-audit wit app.wasm --node /component[0]

Nested components that refer to their parent's types, and wit-component
shims, do not decode on their own; `tree` shows which ones do.

{EXIT_CODES}"))]
    Wit {
        /// Input: `.wasm`, `.wat`, or `-` for standard input.
        #[arg(value_name = "FILE")]
        file: String,
        /// Node path, as `tree` prints it.
        #[arg(long, default_value = "/", value_name = "PATH")]
        node: String,
    },
    /// Write the exact bytes of one node; `sha256sum OUT` equals its digest.
    #[command(after_help = format!("\
Examples:
  wasm-audit extract app.wasm --node /component[0] -o plug.wasm
  wasm-audit extract app.wasm --node /module[0] -o - | wasm-tools print

The output is written atomically (a complete file or none) and may not be
one of the inputs.

{EXIT_CODES}"))]
    Extract {
        /// Input: `.wasm`, `.wat`, or `-` for standard input.
        #[arg(value_name = "FILE")]
        file: String,
        /// Node path, as `tree` prints it.
        #[arg(long, value_name = "PATH")]
        node: String,
        /// Output file, or `-` for standard output.
        #[arg(long, short, value_name = "OUT")]
        output: PathBuf,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum TreeFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum GraphFormat {
    Json,
    Dot,
    Mermaid,
}

/// Writes to standard output; a closed pipe (`| head`) ends quietly.
fn print_stdout(bytes: &[u8]) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|_| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(e).context("cannot write to standard output"),
    }
}

fn to_json<T: serde::Serialize>(value: &T) -> anyhow::Result<Vec<u8>> {
    let mut v = serde_json::to_vec_pretty(value).context("cannot serialise JSON")?;
    v.push(b'\n');
    Ok(v)
}

/// Runs a parsed command line; returns the exit code.
pub fn run(cli: Cli) -> anyhow::Result<u8> {
    let limits = cli.limits.limits();
    match cli.command {
        Command::Tree {
            files,
            format,
            no_wit,
        } => {
            let options = Options {
                limits,
                wit: !no_wit,
            };
            let sources: Vec<Source> = files.iter().map(|f| Source::from_arg(f)).collect();
            check_stdin_once(&sources)?;
            let results = wasm_audit::analyze_sources(&sources, &options);
            let failed = results.iter().filter(|r| r.is_err()).count();
            match format {
                TreeFormat::Text => {
                    let mut out = String::new();
                    for (i, r) in results.iter().enumerate() {
                        if let Ok(a) = r {
                            if i > 0 && !out.is_empty() {
                                out.push('\n');
                            }
                            out.push_str(&render::tree::text(a));
                        }
                    }
                    print_stdout(out.as_bytes())?;
                }
                TreeFormat::Json => {
                    let entries = results
                        .iter()
                        .zip(&sources)
                        .map(|(r, s)| match r {
                            Ok(a) => FileEntry::Ok(a),
                            Err(e) => FileEntry::Err {
                                file: s.display(),
                                error: e.to_string(),
                            },
                        })
                        .collect();
                    print_stdout(&to_json(&TreeDocument::new(entries))?)?;
                }
            }
            for e in results.iter().filter_map(|r| r.as_ref().err()) {
                eprintln!("error: {e}");
            }
            Ok(if failed > 0 { EXIT_ERROR } else { EXIT_OK })
        }
        Command::Caps { files, format } => {
            let options = Options { limits, wit: false };
            let sources: Vec<Source> = files.iter().map(|f| Source::from_arg(f)).collect();
            check_stdin_once(&sources)?;
            let results = wasm_audit::analyze_sources(&sources, &options);
            let failed = results.iter().filter(|r| r.is_err()).count();
            match format {
                TreeFormat::Text => {
                    let text: Vec<String> = results
                        .iter()
                        .filter_map(|r| r.as_ref().ok())
                        .map(render::caps::text)
                        .collect();
                    print_stdout(text.join("\n").as_bytes())?;
                }
                TreeFormat::Json => {
                    let entries = results
                        .iter()
                        .zip(&sources)
                        .map(|(r, s)| match r {
                            Ok(a) => CapsFile::Ok {
                                file: a.file.clone(),
                                digest: a.digest.clone(),
                                components: render::caps::parts(a),
                            },
                            Err(e) => CapsFile::Err {
                                file: s.display(),
                                error: e.to_string(),
                            },
                        })
                        .collect();
                    print_stdout(&to_json(&CapsDocument::new(entries))?)?;
                }
            }
            for e in results.iter().filter_map(|r| r.as_ref().err()) {
                eprintln!("error: {e}");
            }
            Ok(if failed > 0 { EXIT_ERROR } else { EXIT_OK })
        }
        Command::Graph { file, format } => {
            let options = Options { limits, wit: false };
            let (_, analysis) = wasm_audit::analyze_source(&Source::from_arg(&file), &options)?;
            let graph = CompositionGraph::build(&analysis);
            let out = match format {
                GraphFormat::Json => to_json(&render::graph::json(&graph, &analysis))?,
                GraphFormat::Dot => render::graph::dot(&graph, &analysis).into_bytes(),
                GraphFormat::Mermaid => render::graph::mermaid(&graph, &analysis).into_bytes(),
            };
            print_stdout(&out)?;
            Ok(EXIT_OK)
        }
        Command::Wit { file, node } => {
            let options = Options { limits, wit: false };
            let (loaded, analysis) =
                wasm_audit::analyze_source(&Source::from_arg(&file), &options)?;
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
            let text =
                wasm_audit::wit::print(bytes).map_err(|message| wasm_audit::Error::NoWit {
                    input: analysis.file.clone(),
                    path: n.path.clone(),
                    message,
                })?;
            print_stdout(text.as_bytes())?;
            Ok(EXIT_OK)
        }
        Command::Extract {
            file,
            node,
            output: out,
        } => {
            let source = Source::from_arg(&file);
            if out.as_os_str() != "-" {
                if let Source::Path(p) = &source {
                    output::ensure_not_input(&out, std::slice::from_ref(p))?;
                }
            }
            let options = Options { limits, wit: false };
            let (loaded, analysis) = wasm_audit::analyze_source(&source, &options)?;
            let n = analysis
                .node(&node)
                .ok_or_else(|| wasm_audit::Error::NoSuchNode {
                    input: analysis.file.clone(),
                    path: node.clone(),
                })?;
            let bytes = loaded.bytes.get(n.range()).unwrap_or_default();
            if out.as_os_str() == "-" {
                print_stdout(bytes)?;
            } else {
                output::write_atomic(&out, bytes)?;
                eprintln!(
                    "wrote {} ({} bytes, {}) to {}",
                    n.path,
                    n.size,
                    n.digest,
                    out.display()
                );
            }
            Ok(EXIT_OK)
        }
    }
}

/// Standard input can be read once per run.
fn check_stdin_once(sources: &[Source]) -> anyhow::Result<()> {
    if sources.iter().filter(|s| **s == Source::Stdin).count() > 1 {
        return Err(
            wasm_audit::Error::Usage("`-` (standard input) can be given only once".into()).into(),
        );
    }
    Ok(())
}
