//! Command-line interface: argument definitions and the commands, which
//! call the library and print what it returns.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};

use wasm_audit::check::cfg::LimitsConfig;
use wasm_audit::config::EffectiveLimits;
use wasm_audit::graph::CompositionGraph;
use wasm_audit::input::Source;
use wasm_audit::output::Target;
use wasm_audit::render::caps::{CapsDocument, CapsFile};
use wasm_audit::render::escape;
use wasm_audit::render::graph::{GraphDocument, GraphFile};
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
  wasm-audit extract app.wasm --node /component[0]/module[0] -o core.wasm

Every file a run reads (inputs, the policy and the trust sets, signatures
and keys it names) is refused as an output; `-o -` is standard output.";

/// `--version`: the package version, and the commit it was built from
/// when known (see `build.rs`).
const VERSION: &str = env!("WASM_AUDIT_VERSION");

/// Audit WebAssembly components before they ship.
///
/// Takes a component apart at every depth (nested components, core
/// modules), hashes every node, and shows the composition graph.
#[derive(Debug, Parser)]
#[command(name = "wasm-audit", version = VERSION, about, long_about = None,
          after_help = format!("{MAIN_EXAMPLES}\n\n{EXIT_CODES}"))]
pub struct Cli {
    #[command(subcommand)]
    command: Command,

    /// When to colour text output: `auto` colours a terminal unless
    /// NO_COLOR is set (CLICOLOR_FORCE colours pipes and files too);
    /// `always` and `never` override the environment.
    #[arg(long, global = true, value_enum, value_name = "WHEN", default_value_t = ColorWhen::Auto)]
    color: ColorWhen,

    #[command(flatten)]
    limits: LimitArgs,
}

/// `--color` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorWhen {
    Auto,
    Always,
    Never,
}

impl ColorWhen {
    /// Whether text written to an output gets colours; `is_terminal`
    /// says whether that output is a terminal.
    fn enabled(self, is_terminal: bool) -> bool {
        use wasm_audit::render::colour::{enabled, ColourChoice};
        let choice = match self {
            ColorWhen::Auto => ColourChoice::Auto,
            ColorWhen::Always => ColourChoice::Always,
            ColorWhen::Never => ColourChoice::Never,
        };
        enabled(choice, is_terminal, |name| std::env::var_os(name))
    }

    /// Whether text written to standard output gets colours.
    fn stdout(self) -> bool {
        use std::io::IsTerminal;
        self.enabled(std::io::stdout().is_terminal())
    }

    /// The `--color` of a command line, read before clap parses it, so
    /// that clap's own help and error messages follow it too: the last
    /// `--color WHEN` or `--color=WHEN` before `--`. An unknown value is
    /// left to clap to report.
    pub fn prescan(args: &[std::ffi::OsString]) -> clap::ColorChoice {
        let mut choice = clap::ColorChoice::Auto;
        let mut iter = args.iter().skip(1);
        while let Some(arg) = iter.next() {
            let Some(arg) = arg.to_str() else { continue };
            if arg == "--" {
                break;
            }
            let value = match arg.strip_prefix("--color") {
                Some("") => iter.next().and_then(|v| v.to_str()),
                Some(rest) => rest.strip_prefix('='),
                None => None,
            };
            choice = match value {
                Some("always") => clap::ColorChoice::Always,
                Some("never") => clap::ColorChoice::Never,
                Some("auto") => clap::ColorChoice::Auto,
                _ => choice,
            };
        }
        choice
    }
}

/// The limit flags. Each overrides the same key of the policy's
/// `[limits]` (`--max-depth` over `max-depth`), which overrides the default.
#[derive(Debug, Args)]
#[command(next_help_heading = "Limits (each overrides the same key in the policy's [limits])")]
struct LimitArgs {
    /// Largest input accepted, in bytes [default: 1073741824].
    #[arg(long, global = true, value_name = "BYTES")]
    max_file_size: Option<u64>,
    /// Deepest nesting accepted; the root is depth 0 [default: 64].
    #[arg(long, global = true, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    max_depth: Option<u32>,
    /// Most nodes (components and modules) accepted in one input [default: 100000].
    #[arg(long, global = true, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    max_nodes: Option<u64>,
    /// Largest decompressed `.dep-v0` section accepted, in bytes [default: 8388608].
    #[arg(long, global = true, value_name = "BYTES")]
    max_dep_v0_size: Option<u64>,
    /// Most steps the wiring resolution may take per input (instantiations,
    /// bindings, table writes, capability propagation) [default: 1000000].
    #[arg(long, global = true, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    max_wiring_work: Option<u64>,
}

impl LimitArgs {
    /// The limits the flags set, in the policy's terms.
    fn config(&self) -> LimitsConfig {
        LimitsConfig {
            max_file_size: self.max_file_size,
            max_depth: self.max_depth,
            max_nodes: self.max_nodes,
            max_dep_v0_size: self.max_dep_v0_size,
            max_wiring_work: self.max_wiring_work,
        }
    }
}

/// The defaults the help texts above state.
const _: () = assert!(
    Limits::DEFAULT_MAX_FILE_SIZE == 1_073_741_824
        && Limits::DEFAULT_MAX_DEPTH == 64
        && Limits::DEFAULT_MAX_NODES == 100_000
        && Limits::DEFAULT_MAX_DEP_V0_SIZE == 8_388_608
        && Limits::DEFAULT_MAX_WIRING_WORK == 1_000_000
);

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
  wasm-audit check app.wasm --trust spin.toml --signature spin.toml.sig --key cosign.pub

Without --policy, `wasm-audit.toml` in the current directory is used when
it exists, else the defaults: unknown and substituted code denied, a
signature required on every trust set. `wasm-audit init` writes a starter
policy. --signature and --key pair with --trust in order (one --key may
serve every set). Pin files (wkg.lock, Cargo-component.lock, spin.toml)
are sets like any other: sign them, or accept them unsigned with
`require-signature = false` in the policy. Limit flags override the
policy's [limits].

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
        /// Write the report to this file (atomically; devices and FIFOs in
        /// place) instead of standard output; `-` is standard output.
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
        /// Also write an SBOM of the input: FORMAT=PATH (repeatable; with
        /// several inputs PATH must contain `{}`, replaced by the file name,
        /// and the file names must differ; `-` is standard output).
        #[arg(long, value_name = "FORMAT=PATH", value_parser = parse_sbom_target)]
        sbom: Vec<(wasm_audit::sbom::SbomFormat, PathBuf)>,
        /// Also write the report in another format: FORMAT=PATH
        /// (repeatable; `-` is standard output). One audit, every report
        /// from it: `--report sarif=audit.sarif --report markdown=audit.md`.
        #[arg(long, value_name = "FORMAT=PATH", value_parser = parse_report_target)]
        report: Vec<(ReportFormat, PathBuf)>,
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
  cosign sign-blob --yes --key cosign.key --tlog-upload=false trusted.json > trusted.json.sig
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

The starter policy has no trust set (its examples are commented out): a
`check` with it reports every piece of code as `unknown-code` until a
signed set of trusted digests is listed.

{EXIT_CODES}"))]
    Init {
        /// Where to write it; `-` is standard output.
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
    /// Print the composition graph: which components are composed, which
    /// host capabilities reach each of them (risky ones in red), and how
    /// they are wired to each other.
    #[command(after_help = format!("\
Examples:
  wasm-audit graph app.wasm
  wasm-audit graph app.wasm --format dot | dot -Tsvg > app.svg
  wasm-audit graph app.wasm --format mermaid >> review.md
  wasm-audit graph app.wasm --format dot --full > app-full.dot
  wasm-audit graph --format json a.wasm b.wasm > graphs.json

The text, DOT and Mermaid views show the components (not their core
modules and glue), how many times each is instantiated, the host
capabilities that reach each one, grouped by package, and the interfaces
siblings provide to each other; filesystem, socket and outgoing-HTTP
access in red. --full draws every node and edge instead: modules,
instances, interfaces. JSON (schemas/graph.schema.json) is always the full
graph, one entry per input in `files`.

{EXIT_CODES}"))]
    Graph {
        /// Inputs: `.wasm`, `.wat`, or `-` for standard input.
        #[arg(required = true, value_name = "FILE")]
        files: Vec<String>,
        /// Output format.
        #[arg(long, short, value_enum, default_value_t = GraphFormat::Text)]
        format: GraphFormat,
        /// Every node and edge (modules, instances, interfaces), not only
        /// the components and what reaches them.
        #[arg(long)]
        full: bool,
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
  wasm-audit extract app.wasm --node /component[0]/module[0] -o - | wasm-tools print

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
    /// Print a shell completion script, generated from these very
    /// definitions.
    #[command(after_help = format!("\
Examples:
  wasm-audit completions bash > wasm-audit.bash
  wasm-audit completions zsh > _wasm-audit
  wasm-audit completions fish > wasm-audit.fish

Where to put the script:
  bash  ~/.local/share/bash-completion/completions/wasm-audit
        (or `source <(wasm-audit completions bash)` in ~/.bashrc)
  zsh   a file named _wasm-audit in a directory of $fpath
  fish  ~/.config/fish/completions/wasm-audit.fish
  elvish, powershell: evaluate the output in the shell's start-up file

{EXIT_CODES}"))]
    Completions {
        /// The shell.
        #[arg(value_enum, value_name = "SHELL")]
        shell: clap_complete::Shell,
    },
    /// Print the manual page of wasm-audit or of one of its commands
    /// (roff), or write every page to a directory.
    #[command(after_help = format!("\
Examples:
  wasm-audit man | man -l -
  wasm-audit man check > wasm-audit-check.1
  wasm-audit man --output-dir man/

With --output-dir, the pages are wasm-audit.1 and wasm-audit-COMMAND.1
for each command; install them under a man1 directory of MANPATH
(e.g. /usr/local/share/man/man1).

{EXIT_CODES}"))]
    Man {
        /// The command whose page to print (default: the main page).
        #[arg(value_name = "COMMAND", conflicts_with = "output_dir")]
        command: Option<String>,
        /// Write every page (wasm-audit.1, wasm-audit-COMMAND.1) into this
        /// directory, made when missing.
        #[arg(long, value_name = "DIR")]
        output_dir: Option<PathBuf>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum TreeFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
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
    Text,
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
    let flags = cli.limits.config();
    let color = cli.color;
    // Without a policy (every command but `check`): the flags over the defaults.
    let limits = EffectiveLimits::resolve(&flags, None);
    let options = |wit: bool| Options {
        limits: limits.limits,
        wit,
    };
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
            report,
        } => check(CheckArgs {
            files,
            policy,
            trust,
            signature,
            key,
            format,
            output: output.map(|o| Target::from_arg(&o)),
            sbom,
            reports: report,
            limits: flags,
            color,
        }),
        Command::Sbom {
            file,
            format,
            output: out,
        } => {
            let source = Source::from_arg(&file);
            let target = Target::from_arg(&out);
            output::ensure_not_read("-o", &target, &source_paths(std::slice::from_ref(&source)))?;
            let timestamp =
                wasm_audit::sbom::timestamp(std::env::var_os("SOURCE_DATE_EPOCH").as_deref())?;
            let (_, analysis) = wasm_audit::analyze_source(&source, &options(false))
                .map_err(|e| limits.explain(e))?;
            let doc =
                wasm_audit::sbom::render(&wasm_audit::sbom::build(&analysis, timestamp), format)?;
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
            let options = options(false);
            let (a, b) = rayon::join(
                || diff_side(&old, &options, &limits),
                || diff_side(&new, &options, &limits),
            );
            let diff = Diff::compute(&a?, &b?);
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
        Command::Digests { files, all_code } => {
            let options = options(false);
            let sources: Vec<Source> = files.iter().map(|f| Source::from_arg(f)).collect();
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
        Command::Tree {
            files,
            format,
            no_wit,
        } => per_file(&files, &options(!no_wit), &limits, |results| match format {
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
        }),
        Command::Caps { files, format } => {
            per_file(&files, &options(false), &limits, |results| match format {
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
        Command::Graph {
            files,
            format,
            full,
        } => per_file(&files, &options(false), &limits, |results| {
            let view = |a: &wasm_audit::Analysis| -> String {
                let g = CompositionGraph::build(a);
                match (format, full) {
                    (GraphFormat::Dot, true) => render::graph::dot(&g, a),
                    (GraphFormat::Dot, false) => render::graph::dot_overview(&g, a),
                    (GraphFormat::Mermaid, true) => render::graph::mermaid(&g, a),
                    (GraphFormat::Mermaid, false) => render::graph::mermaid_overview(&g, a),
                    (_, true) => render::graph::text(&g, a),
                    (_, false) => render::graph::text_overview(&g, a),
                }
            };
            match format {
                GraphFormat::Json => {
                    let entries = results
                        .iter()
                        .map(|(s, r)| match r {
                            Ok(a) => {
                                GraphFile::Ok(render::graph::json(&CompositionGraph::build(a), a))
                            }
                            Err(e) => GraphFile::Err {
                                file: s.display(),
                                error: e.to_string(),
                            },
                        })
                        .collect();
                    to_json(&GraphDocument::new(entries))
                }
                _ => Ok(results
                    .iter()
                    .filter_map(|(_, r)| r.as_ref().ok())
                    .map(view)
                    .collect::<Vec<_>>()
                    .join(if format == GraphFormat::Text {
                        "\n"
                    } else {
                        ""
                    })
                    .into_bytes()),
            }
        }),
        Command::Wit { file, node } => {
            let (loaded, analysis) =
                wasm_audit::analyze_source(&Source::from_arg(&file), &options(false))
                    .map_err(|e| limits.explain(e))?;
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
            print_stdout(escape::multiline(&text).as_bytes())?;
            Ok(EXIT_OK)
        }
        Command::Extract {
            file,
            node,
            output: out,
        } => {
            let source = Source::from_arg(&file);
            let target = Target::from_arg(&out);
            output::ensure_not_read("-o", &target, &source_paths(std::slice::from_ref(&source)))?;
            let (loaded, analysis) = wasm_audit::analyze_source(&source, &options(false))
                .map_err(|e| limits.explain(e))?;
            let n = analysis
                .node(&node)
                .ok_or_else(|| wasm_audit::Error::NoSuchNode {
                    input: analysis.file.clone(),
                    path: node.clone(),
                })?;
            let bytes = loaded.bytes.get(n.range()).unwrap_or_default();
            emit(&target, bytes)?;
            if let Target::Path(p) = &target {
                eprintln!(
                    "wrote {} ({} bytes, {}) to {}",
                    n.path,
                    n.size,
                    n.digest,
                    escape::text(&p.display().to_string())
                );
            }
            Ok(EXIT_OK)
        }
        Command::Completions { shell } => {
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "wasm-audit", &mut script);
            if shell == clap_complete::Shell::Bash {
                script = bash_hyphen_fix(&script);
            }
            print_stdout(&script)?;
            Ok(EXIT_OK)
        }
        Command::Man {
            command,
            output_dir,
        } => {
            let usage = |m: String| anyhow::Error::from(wasm_audit::Error::Usage(m));
            let Some(dir) = output_dir else {
                let page = crate::manpage::page(Cli::command(), command.as_deref())
                    .map_err(|m| usage(format!("man: {m}")))?;
                print_stdout(&page.roff)?;
                return Ok(EXIT_OK);
            };
            let pages =
                crate::manpage::all(Cli::command()).map_err(|m| usage(format!("man: {m}")))?;
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
}

/// clap_complete's bash script for a binary whose name has a hyphen
/// spells its per-command states two ways (`wasm__audit__subcmd__check`
/// where it records the command, `wasm__subcmd__audit__subcmd__check` in
/// the `case` arm that should match it), so nothing after a command
/// completes (clap issue 6421, open). The arms are respelled as the
/// dispatch writes them; tests/cli.rs completes `check --format` in bash.
fn bash_hyphen_fix(script: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(script);
    text.replace("wasm__subcmd__audit__subcmd__", "wasm__audit__subcmd__")
        .into_bytes()
}

/// Writes an output: standard output, or a file (see [`output::write`]).
fn emit(target: &Target, bytes: &[u8]) -> anyhow::Result<()> {
    match target {
        Target::Stdout => print_stdout(bytes),
        Target::Path(p) => Ok(output::write(p, bytes)?),
    }
}

/// The files among `sources` (standard input is not a file).
fn source_paths(sources: &[Source]) -> Vec<PathBuf> {
    sources
        .iter()
        .filter_map(|s| match s {
            Source::Path(p) => Some(p.clone()),
            Source::Stdin => None,
        })
        .collect()
}

fn parse_sbom_format(s: &str) -> Result<wasm_audit::sbom::SbomFormat, String> {
    s.parse().map_err(|e: wasm_audit::Error| e.to_string())
}

fn parse_report_target(s: &str) -> Result<(ReportFormat, PathBuf), String> {
    let (format, path) = s
        .split_once('=')
        .ok_or_else(|| format!("`{s}`: expected FORMAT=PATH, e.g. sarif=wasm-audit.sarif"))?;
    if path.is_empty() {
        return Err(format!("`{s}`: the path is empty"));
    }
    let format = ReportFormat::from_str(format, false).map_err(|_| {
        format!("`{format}`: unknown report format (known: text, json, sarif, junit, markdown)")
    })?;
    Ok((format, PathBuf::from(path)))
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
    output: Option<Target>,
    sbom: Vec<(wasm_audit::sbom::SbomFormat, PathBuf)>,
    /// `--report FORMAT=PATH`: more renderings of the same report.
    reports: Vec<(ReportFormat, PathBuf)>,
    /// The limit flags, laid over the policy's `[limits]`.
    limits: LimitsConfig,
    color: ColorWhen,
}

fn check(args: CheckArgs) -> anyhow::Result<u8> {
    use wasm_audit::audit::Auditor;
    use wasm_audit::check::Input;
    use wasm_audit::config::{CheckSettings, Resolved};

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

    // The policy (read once: what is parsed is what is hashed), the sets
    // it and the flags name, the limits: resolved by the library.
    let resolved = Resolved::resolve(&CheckSettings {
        policy: args.policy.clone(),
        trust: args.trust.clone(),
        signature: args.signature.clone(),
        key: args.key.clone(),
        limits: args.limits,
    })?;

    // Every file this run reads may not be an output, and no two outputs
    // may be the same file. Checked before anything is read or written.
    let mut reads = source_paths(&sources);
    reads.extend(resolved.reads());
    let report_target = args.output.clone().unwrap_or(Target::Stdout);
    let mut outputs: Vec<(String, Target)> =
        vec![("the report (-o)".into(), report_target.clone())];
    let extra_reports: Vec<(ReportFormat, Target)> = args
        .reports
        .iter()
        .map(|(format, path)| (*format, Target::from_arg(path)))
        .collect();
    for ((format, path), (_, target)) in args.reports.iter().zip(&extra_reports) {
        outputs.push((
            format!(
                "--report {}={}",
                format_name(*format),
                escape::text(&path.display().to_string())
            ),
            target.clone(),
        ));
    }
    // (input index, format, target) of every SBOM to write.
    let mut sbom_targets = Vec::new();
    for (i, s) in sources.iter().enumerate() {
        let stem = match s {
            Source::Path(p) => p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "input".into()),
            Source::Stdin => "stdin".into(),
        };
        for (format, path) in &args.sbom {
            let target = Target::from_arg(Path::new(&path.to_string_lossy().replace("{}", &stem)));
            outputs.push((
                format!("--sbom {format}={} for {}", path.display(), s.display()),
                target.clone(),
            ));
            sbom_targets.push((i, *format, target));
        }
    }
    output::ensure_distinct(&outputs)?;
    for (what, target) in &outputs {
        output::ensure_not_read(what, target, &reads)?;
    }

    let auditor = Auditor::from_resolved(&resolved)?;
    let options = auditor.options();
    let limits = auditor.limits();
    let progress = ProgressLine::new(sources.len());
    let results: Vec<_> = {
        use rayon::prelude::*;
        sources
            .par_iter()
            .map(|s| {
                let r = wasm_audit::analyze_source(s, &options)
                    .map(|(_, a)| a)
                    .map_err(|e| limits.explain(e));
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
    let report = auditor.audit(&inputs);

    let analyses: Vec<&wasm_audit::Analysis> = inputs
        .iter()
        .filter_map(|i| i.analysis.as_ref().ok())
        .collect();
    // Text is coloured for a terminal (or when forced: --color always,
    // CLICOLOR_FORCE); the other formats never are.
    let colour_for = |target: &Target| {
        use std::io::IsTerminal;
        args.color
            .enabled(*target == Target::Stdout && std::io::stdout().is_terminal())
    };
    let rendered = render_report(args.format, &report, &analyses, colour_for(&report_target))?;
    let mut more_reports = Vec::new();
    for (format, target) in &extra_reports {
        more_reports.push((
            target,
            render_report(*format, &report, &analyses, colour_for(target))?,
        ));
    }
    // SBOMs describe the inputs whatever the verdict; every one is
    // rendered (and validated) before any file is written.
    let mut documents = Vec::new();
    for (i, format, target) in &sbom_targets {
        let Some(Ok(analysis)) = inputs.get(*i).map(|input| &input.analysis) else {
            continue;
        };
        let sbom = wasm_audit::sbom::build(analysis, sbom_timestamp);
        documents.push((target, wasm_audit::sbom::render(&sbom, *format)?));
    }
    for (target, doc) in &documents {
        emit(target, doc)?;
    }
    for (target, doc) in &more_reports {
        emit(target, doc)?;
    }
    emit(&report_target, &rendered)?;
    for i in &report.inputs {
        if let (wasm_audit::check::Outcome::Error, Some(e)) = (i.verdict, &i.error) {
            eprintln!("error: {}", escape::one_line(e));
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

/// One rendering of an audit report.
fn render_report(
    format: ReportFormat,
    report: &wasm_audit::check::Report,
    analyses: &[&wasm_audit::Analysis],
    colour: bool,
) -> anyhow::Result<Vec<u8>> {
    Ok(match format {
        ReportFormat::Text => render::report::text(report, colour).into_bytes(),
        ReportFormat::Json => to_json(report)?,
        ReportFormat::Sarif => to_json(&render::report::sarif(report))?,
        ReportFormat::Junit => render::report::junit(report).into_bytes(),
        ReportFormat::Markdown => render::report::markdown(report, analyses).into_bytes(),
    })
}

/// The name of a report format, as `--format` spells it.
fn format_name(format: ReportFormat) -> String {
    format
        .to_possible_value()
        .map(|v| v.get_name().to_string())
        .unwrap_or_default()
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
    limits: &EffectiveLimits,
    render: impl Fn(&FileResults) -> anyhow::Result<Vec<u8>>,
) -> anyhow::Result<u8> {
    let sources: Vec<Source> = files.iter().map(|f| Source::from_arg(f)).collect();
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
fn texts(results: &FileResults, text: fn(&wasm_audit::Analysis) -> String) -> Vec<u8> {
    let listings: Vec<String> = results
        .iter()
        .filter_map(|(_, r)| r.as_ref().ok())
        .map(text)
        .collect();
    listings.join("\n").into_bytes()
}

/// One side of a diff: a saved JSON document, or a binary to analyse.
fn diff_side(
    arg: &str,
    options: &Options,
    limits: &EffectiveLimits,
) -> anyhow::Result<wasm_audit::diff::Side> {
    let source = Source::from_arg(arg);
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
