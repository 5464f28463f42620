//! Command-line interface: argument definitions and the commands, which
//! call the library and print what it returns.

use std::io::Write;
use std::path::{Path, PathBuf};

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
  wasm-audit check app.wasm --trust trusted.json --signature trusted.json.sig --key cosign.pub
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
    /// Most steps the wiring resolution may take per input (instantiations,
    /// bindings, table writes, capability propagation).
    #[arg(long, global = true, value_name = "N", default_value_t = Limits::DEFAULT_MAX_WIRING_WORK)]
    max_wiring_work: u64,
}

impl LimitArgs {
    fn limits(&self) -> Limits {
        Limits {
            max_file_size: self.max_file_size,
            max_depth: self.max_depth,
            max_nodes: self.max_nodes,
            max_dep_v0_size: self.max_dep_v0_size,
            max_wiring_work: self.max_wiring_work,
        }
    }
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Audit components: every code-carrying node must be trusted by a
    /// signed digest set, and the capabilities reaching each part must be
    /// allowed by the policy. The CI gate.
    #[command(after_help = format!("\
Examples:
  wasm-audit check app.wasm --trust trusted.json --signature trusted.json.sig --key cosign.pub
  wasm-audit check app.wasm --policy wasm-audit.toml --format sarif -o wasm-audit.sarif
  wasm-audit check *.wasm --format markdown >> \"$GITHUB_STEP_SUMMARY\"
  wasm-audit check app.wasm --trust wkg.lock --trust spin.toml   # pin files as (unsigned) sets

Without --policy, `wasm-audit.toml` in the current directory is used when
it exists, else the defaults: unknown and substituted code denied, a
signature required on every trust set. `wasm-audit init` writes a starter
policy. --signature and --key pair with --trust in order (one --key may
serve every set).

Formats: text (default), json (schemas/report.schema.json), sarif (2.1.0),
junit (XML), markdown (pull-request comments).

{EXIT_CODES}"))]
    Check {
        /// Inputs: `.wasm`, `.wat`, or `-` for standard input.
        #[arg(required = true, value_name = "FILE")]
        files: Vec<String>,
        /// Policy file (default: ./wasm-audit.toml if present).
        #[arg(long, value_name = "FILE")]
        policy: Option<PathBuf>,
        /// A trust set (JSON, wkg.lock, Cargo-component.lock, spin.toml), in addition to the policy's.
        #[arg(long, value_name = "SET")]
        trust: Vec<PathBuf>,
        /// The signature of the corresponding --trust set.
        #[arg(long, value_name = "SIG")]
        signature: Vec<PathBuf>,
        /// The public key (PEM) for the corresponding --trust set.
        #[arg(long, value_name = "KEY")]
        key: Vec<PathBuf>,
        /// Output format.
        #[arg(long, short, value_enum, default_value_t = ReportFormat::Text)]
        format: ReportFormat,
        /// Write the report to this file (atomically) instead of standard output.
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
        /// Also write an SBOM of the input: FORMAT=PATH (repeatable; with
        /// several inputs PATH must contain `{}`, replaced by the file name).
        #[arg(long, value_name = "FORMAT=PATH", value_parser = parse_sbom_target)]
        sbom: Vec<(wasm_audit::sbom::SbomFormat, PathBuf)>,
    },
    /// Write an SBOM of the whole composition: every nested component and
    /// module with its digest, the Rust crates of `.dep-v0`, the wiring and
    /// the capabilities reaching each part.
    #[command(after_help = format!("\
Examples:
  wasm-audit sbom app.wasm --format cyclonedx-json -o app.cdx.json
  wasm-audit sbom app.wasm --format cyclonedx-xml -o app.cdx.xml
  SOURCE_DATE_EPOCH=1700000000 wasm-audit sbom app.wasm --format spdx-json -o app.spdx.json
  wasm-audit check app.wasm --policy wasm-audit.toml --sbom cyclonedx-json=app.cdx.json

Formats: cyclonedx-json and cyclonedx-xml (CycloneDX 1.5, validated before
writing), spdx-json (SPDX 2.3). The timestamp is SOURCE_DATE_EPOCH when it
is set, else the current time; identifiers and the serial number derive
from the content, so the same input and SOURCE_DATE_EPOCH give the same
bytes. Files are written whole or not at all. Properties under the
`wasm-audit:` namespace are documented in docs/sbom.md.

{EXIT_CODES}"))]
    Sbom {
        /// Input: `.wasm`, `.wat`, or `-` for standard input.
        #[arg(value_name = "FILE")]
        file: String,
        /// SBOM format.
        #[arg(long, short, value_name = "FORMAT", default_value = "cyclonedx-json", value_parser = parse_sbom_format)]
        format: wasm_audit::sbom::SbomFormat,
        /// Output file (written atomically), or `-` for standard output.
        #[arg(long, short, value_name = "OUT", default_value = "-")]
        output: PathBuf,
    },
    /// Compare two versions: capabilities gained or lost per part, parts
    /// added, removed or changed, root imports and exports, Rust crates and
    /// metadata. For reviewers.
    #[command(after_help = format!("\
Examples:
  wasm-audit diff old.wasm new.wasm
  wasm-audit diff old.wasm new.wasm --format markdown > diff.md
  wasm-audit diff old.wasm new.wasm --fail-on capability-added,component-added
  wasm-audit caps --format json app.wasm > baseline.json   # commit a baseline
  wasm-audit diff baseline.json app.wasm --fail-on capability-added

Either side may be a binary (.wasm, .wat) or a saved JSON document of
`caps` (full), `tree` or `check` (no capability data). Parts are paired by
digest, then name, then import/export signature, then path; the output says
how. A version bump of an interface is a version change, not an addition
and a removal.

--fail-on kinds: capability-added, capability-removed, capability-changed,
component-added, component-removed, digest-changed (code-carrying parts),
import-added, import-removed, export-added, export-removed, crate-changed,
metadata-changed. Without --fail-on the exit code is 0 after printing.

{EXIT_CODES}"))]
    Diff {
        /// The old version: a binary or a saved caps/tree/check JSON document.
        #[arg(value_name = "OLD")]
        old: String,
        /// The new version.
        #[arg(value_name = "NEW")]
        new: String,
        /// Output format.
        #[arg(long, short, value_enum, default_value_t = DiffFormat::Text)]
        format: DiffFormat,
        /// Exit 1 when any of these kinds of change happened (comma-separated).
        #[arg(long, value_delimiter = ',', value_name = "KIND,...")]
        fail_on: Vec<String>,
    },
    /// Print a trust set (JSON) listing the digests of the given trusted
    /// binaries, ready to be signed.
    #[command(after_help = format!("\
Examples:
  wasm-audit digests plug.wasm app.wasm > trusted.json
  cosign sign-blob --key cosign.key trusted.json --output-signature trusted.json.sig
  openssl dgst -sha256 -sign key.pem trusted.json | base64 -w0 > trusted.json.sig

Each file's root digest is listed under its component name (or file name).
With --all-code, every code-carrying nested node is listed as well.

{EXIT_CODES}"))]
    Digests {
        /// Trusted binaries.
        #[arg(required = true, value_name = "FILE")]
        files: Vec<String>,
        /// Also list every nested node that carries code.
        #[arg(long)]
        all_code: bool,
    },
    /// Write a commented starter policy (wasm-audit.toml).
    #[command(after_help = format!("\
Examples:
  wasm-audit init
  wasm-audit init -o ci/wasm-audit.toml

{EXIT_CODES}"))]
    Init {
        /// Where to write it.
        #[arg(long, short, value_name = "FILE", default_value = "wasm-audit.toml")]
        output: PathBuf,
        /// Replace an existing file.
        #[arg(long)]
        force: bool,
    },
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
through the wiring, worked out by instantiating the root as the Component
Model does: modules and components travel as values (instantiation
arguments, imports, instance exports, aliases, re-exports), and core tables
and the wit-component shim/fixup indirection are followed slot by slot.
Imports satisfied by a sibling's own code are not capabilities. A part
defined but never instantiated reaches nothing and is marked so.

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
enum ReportFormat {
    Text,
    Json,
    Sarif,
    Junit,
    Markdown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum DiffFormat {
    Text,
    Json,
    Markdown,
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
        Command::Check {
            files,
            policy,
            trust,
            signature,
            key,
            format,
            output,
            sbom,
        } => check(CheckArgs {
            files,
            policy,
            trust,
            signature,
            key,
            format,
            output,
            sbom,
            limits,
        }),
        Command::Sbom {
            file,
            format,
            output: out,
        } => {
            let source = Source::from_arg(&file);
            if out.as_os_str() != "-" {
                if let Source::Path(p) = &source {
                    output::ensure_not_input(&out, std::slice::from_ref(p))?;
                }
            }
            let timestamp =
                wasm_audit::sbom::timestamp(std::env::var_os("SOURCE_DATE_EPOCH").as_deref())?;
            let options = Options { limits, wit: false };
            let (_, analysis) = wasm_audit::analyze_source(&source, &options)?;
            let doc =
                wasm_audit::sbom::render(&wasm_audit::sbom::build(&analysis, timestamp), format)?;
            if out.as_os_str() == "-" {
                print_stdout(&doc)?;
            } else {
                output::write_atomic(&out, &doc)?;
                eprintln!(
                    "wrote {format} SBOM of {} to {}",
                    analysis.file,
                    out.display()
                );
            }
            Ok(EXIT_OK)
        }
        Command::Diff {
            old,
            new,
            format,
            fail_on,
        } => {
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
            let options = Options { limits, wit: false };
            let (a, b) = rayon::join(|| diff_side(&old, &options), || diff_side(&new, &options));
            let diff = Diff::compute(&a?, &b?);
            let out = match format {
                DiffFormat::Text => {
                    use std::io::IsTerminal;
                    let colour =
                        std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
                    render::diff::text(&diff, colour).into_bytes()
                }
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
        Command::Digests { files, all_code } => {
            let options = Options { limits, wit: false };
            let sources: Vec<Source> = files.iter().map(|f| Source::from_arg(f)).collect();
            check_stdin_once(&sources)?;
            let mut entries = Vec::new();
            for (source, result) in sources
                .iter()
                .zip(wasm_audit::analyze_sources(&sources, &options))
            {
                let a = result?;
                let file_name = match source {
                    Source::Path(p) => p.file_name().map(|n| n.to_string_lossy().into_owned()),
                    Source::Stdin => None,
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
        Command::Init { output: out, force } => {
            if out.exists() && !force {
                return Err(wasm_audit::Error::Usage(format!(
                    "{} exists; use --force to replace it",
                    out.display()
                ))
                .into());
            }
            output::write_atomic(&out, wasm_audit::policy::STARTER_POLICY.as_bytes())?;
            eprintln!("wrote {}", out.display());
            Ok(EXIT_OK)
        }
        Command::Tree {
            files,
            format,
            no_wit,
        } => {
            let options = Options {
                limits,
                wit: !no_wit,
            };
            per_file(&files, &options, |results| match format {
                TreeFormat::Text => Ok(texts(results, render::tree::text)),
                TreeFormat::Json => {
                    let entries = results
                        .iter()
                        .map(|(s, r)| match r {
                            Ok(a) => FileEntry::Ok(a),
                            Err(e) => FileEntry::Err {
                                file: s.display(),
                                error: e.to_string(),
                            },
                        })
                        .collect();
                    to_json(&TreeDocument::new(entries))
                }
            })
        }
        Command::Caps { files, format } => {
            let options = Options { limits, wit: false };
            per_file(&files, &options, |results| match format {
                TreeFormat::Text => Ok(texts(results, render::caps::text)),
                TreeFormat::Json => {
                    let entries = results
                        .iter()
                        .map(|(s, r)| match r {
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
                    to_json(&CapsDocument::new(entries))
                }
            })
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

fn parse_sbom_format(s: &str) -> Result<wasm_audit::sbom::SbomFormat, String> {
    s.parse().map_err(|e: wasm_audit::Error| e.to_string())
}

fn parse_sbom_target(s: &str) -> Result<(wasm_audit::sbom::SbomFormat, PathBuf), String> {
    let (format, path) = s
        .split_once('=')
        .ok_or_else(|| format!("`{s}`: expected FORMAT=PATH, e.g. cyclonedx-json=app.cdx.json"))?;
    if path.is_empty() {
        return Err(format!("`{s}`: the path is empty"));
    }
    Ok((parse_sbom_format(format)?, PathBuf::from(path)))
}

struct CheckArgs {
    files: Vec<String>,
    policy: Option<PathBuf>,
    trust: Vec<PathBuf>,
    signature: Vec<PathBuf>,
    key: Vec<PathBuf>,
    format: ReportFormat,
    output: Option<PathBuf>,
    sbom: Vec<(wasm_audit::sbom::SbomFormat, PathBuf)>,
    limits: Limits,
}

fn check(args: CheckArgs) -> anyhow::Result<u8> {
    use wasm_audit::check::load::{load_set, SetSource};
    use wasm_audit::check::{Input, PolicySource, Report};
    use wasm_audit::policy::Policy;

    let usage = |m: String| anyhow::Error::from(wasm_audit::Error::Usage(m));
    let sources: Vec<Source> = args.files.iter().map(|f| Source::from_arg(f)).collect();
    check_stdin_once(&sources)?;
    if sources.len() > 1 {
        if let Some((_, p)) = args
            .sbom
            .iter()
            .find(|(_, p)| !p.to_string_lossy().contains("{}"))
        {
            return Err(usage(format!(
                "--sbom {}: with several inputs the path needs `{{}}` (replaced by each file name)",
                p.display()
            )));
        }
    }
    let sbom_timestamp = if args.sbom.is_empty() {
        0
    } else {
        wasm_audit::sbom::timestamp(std::env::var_os("SOURCE_DATE_EPOCH").as_deref())?
    };
    for out in args.output.iter().chain(args.sbom.iter().map(|(_, p)| p)) {
        let inputs: Vec<PathBuf> = sources
            .iter()
            .filter_map(|s| match s {
                Source::Path(p) => Some(p.clone()),
                Source::Stdin => None,
            })
            .chain(args.trust.iter().cloned())
            .chain(args.policy.iter().cloned())
            .collect();
        output::ensure_not_input(out, &inputs)?;
    }

    let policy_path = args.policy.clone().or_else(|| {
        let default = PathBuf::from("wasm-audit.toml");
        default.is_file().then_some(default)
    });
    let (policy, source) = match &policy_path {
        Some(p) => {
            let policy = Policy::load(p)?;
            let digest = std::fs::read(p)
                .ok()
                .map(|b| wasm_audit::digest::sha256(&b));
            (
                policy,
                PolicySource {
                    path: Some(p.display().to_string()),
                    digest,
                },
            )
        }
        None => (Policy::default(), PolicySource::default()),
    };

    if !args.signature.is_empty() && args.signature.len() != args.trust.len() {
        return Err(usage(format!(
            "{} --signature for {} --trust: give one signature per set, in the same order",
            args.signature.len(),
            args.trust.len()
        )));
    }
    if args.key.len() > 1 && args.key.len() != args.trust.len() {
        return Err(usage(format!(
            "{} --key for {} --trust: give one key for all sets or one per set",
            args.key.len(),
            args.trust.len()
        )));
    }
    let mut set_sources: Vec<SetSource> = policy
        .trust
        .sets
        .iter()
        .map(|s| SetSource {
            path: s.path.clone(),
            signature: s.signature.clone(),
            key: s.key.clone(),
        })
        .collect();
    for (i, path) in args.trust.iter().enumerate() {
        set_sources.push(SetSource {
            path: path.clone(),
            signature: args.signature.get(i).cloned(),
            key: args.key.get(i).or(args.key.first()).cloned(),
        });
    }
    let sets = set_sources
        .iter()
        .map(load_set)
        .collect::<Result<Vec<_>, _>>()?;

    let options = Options {
        limits: policy.limits.apply(args.limits),
        wit: false,
    };
    let progress = ProgressLine::new(sources.len());
    let results: Vec<_> = {
        use rayon::prelude::*;
        sources
            .par_iter()
            .map(|s| {
                let r = wasm_audit::analyze_source(s, &options).map(|(_, a)| a);
                progress.tick();
                r
            })
            .collect()
    };
    progress.done();
    let inputs: Vec<Input> = sources
        .iter()
        .zip(results)
        .map(|(s, analysis)| Input {
            file: s.display(),
            analysis,
        })
        .collect();
    let report = Report::generate(&inputs, &sets, &policy, source);

    let rendered = match args.format {
        ReportFormat::Text => {
            use std::io::IsTerminal;
            let colour = args.output.is_none()
                && std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none();
            render::report::text(&report, colour).into_bytes()
        }
        ReportFormat::Json => to_json(&report)?,
        ReportFormat::Sarif => to_json(&render::report::sarif(&report))?,
        ReportFormat::Junit => render::report::junit(&report).into_bytes(),
        ReportFormat::Markdown => {
            let analyses: Vec<&wasm_audit::Analysis> = inputs
                .iter()
                .filter_map(|i| i.analysis.as_ref().ok())
                .collect();
            render::report::markdown(&report, &analyses).into_bytes()
        }
    };
    // SBOMs describe the inputs whatever the verdict; each is rendered
    // (and validated) completely before its file is written.
    for input in &inputs {
        let Ok(analysis) = &input.analysis else {
            continue;
        };
        let sbom = wasm_audit::sbom::build(analysis, sbom_timestamp);
        for (format, path) in &args.sbom {
            let stem = Path::new(&input.file)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "stdin".into());
            let path = PathBuf::from(path.to_string_lossy().replace("{}", &stem));
            output::write_atomic(&path, &wasm_audit::sbom::render(&sbom, *format)?)?;
        }
    }
    match &args.output {
        Some(out) => output::write_atomic(out, &rendered)?,
        None => print_stdout(&rendered)?,
    }
    for i in &report.inputs {
        if let (wasm_audit::check::Outcome::Error, Some(e)) = (i.verdict, &i.error) {
            eprintln!("error: {e}");
        }
    }
    Ok(if report.has_errors() {
        EXIT_ERROR
    } else if report.verdict == wasm_audit::check::Outcome::Fail {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    })
}

/// A progress line on stderr while several inputs are audited, only when
/// stderr is a terminal.
struct ProgressLine {
    total: usize,
    done: std::sync::atomic::AtomicUsize,
    enabled: bool,
}

impl ProgressLine {
    fn new(total: usize) -> Self {
        use std::io::IsTerminal;
        Self {
            total,
            done: std::sync::atomic::AtomicUsize::new(0),
            enabled: total > 1 && std::io::stderr().is_terminal(),
        }
    }

    fn tick(&self) {
        let n = self.done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        if self.enabled {
            eprint!("\raudited {n}/{} ", self.total);
        }
    }

    fn done(&self) {
        if self.enabled {
            eprint!("\r\x1b[K");
        }
    }
}

type FileResults = [(Source, wasm_audit::Result<wasm_audit::Analysis>)];

/// A per-file command: analyses the inputs in parallel, prints what
/// `render` makes of all of them (failed inputs included, in place), then
/// each failure on stderr; exit 2 when any input failed.
fn per_file(
    files: &[String],
    options: &Options,
    render: impl Fn(&FileResults) -> anyhow::Result<Vec<u8>>,
) -> anyhow::Result<u8> {
    let sources: Vec<Source> = files.iter().map(|f| Source::from_arg(f)).collect();
    check_stdin_once(&sources)?;
    let analyses = wasm_audit::analyze_sources(&sources, options);
    let results: Vec<_> = sources.into_iter().zip(analyses).collect();
    print_stdout(&render(&results)?)?;
    let mut failed = false;
    for (_, r) in &results {
        if let Err(e) = r {
            eprintln!("error: {e}");
            failed = true;
        }
    }
    Ok(if failed { EXIT_ERROR } else { EXIT_OK })
}

/// The text listings of the inputs that were analysed, a blank line apart.
fn texts(results: &FileResults, text: fn(&wasm_audit::Analysis) -> String) -> Vec<u8> {
    let listings: Vec<String> = results
        .iter()
        .filter_map(|(_, r)| r.as_ref().ok())
        .map(text)
        .collect();
    listings.join("\n").into_bytes()
}

/// One side of a diff: a saved JSON document, or a binary to analyse.
fn diff_side(arg: &str, options: &Options) -> anyhow::Result<wasm_audit::diff::Side> {
    let source = Source::from_arg(arg);
    let raw = wasm_audit::input::read_raw(&source, options.limits.max_file_size)?;
    // A saved JSON document is text starting with `{`; binaries start with
    // `\0asm` and WAT with `(`.
    if raw.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{') {
        let doc: serde_json::Value = serde_json::from_slice(&raw)
            .map_err(|e| wasm_audit::Error::Usage(format!("{arg}: not valid JSON: {e}")))?;
        return wasm_audit::diff::Side::from_json(arg, &doc)
            .map_err(|e| wasm_audit::Error::Usage(format!("{arg}: {e}")).into());
    }
    let loaded = wasm_audit::input::from_bytes(source.display(), raw)?;
    let analysis = wasm_audit::analyze_loaded(&loaded, options)?;
    Ok(wasm_audit::diff::Side::from_analysis(&analysis))
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
