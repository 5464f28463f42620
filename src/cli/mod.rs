//! Command-line interface: argument definitions and the commands, which
//! call the library and print what it returns.

mod caps;
mod check;
mod common;
mod completions;
mod diff;
mod digests;
mod extract;
mod graph;
mod init;
mod man;
mod sbom;
mod tree;
mod verify_bundle;
mod wit;

use clap::{Parser, Subcommand, ValueEnum};

use wasm_audit::check::cfg::LimitsConfig;
use wasm_audit::config::EffectiveLimits;
use wasm_audit::{Limits, Options};

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
  wasm-audit tree oci-layout:app-layout:v1       # a Wasm OCI artifact in an image layout
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

    /// Reach `oci://` registries over plain HTTP instead of HTTPS (for a
    /// loopback test registry; never for a real one).
    #[arg(long, global = true)]
    plain_http: bool,

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
#[derive(Debug, clap::Args)]
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
  wasm-audit check app.wasm --attestation app.wasm.intoto.json --attestation-key cosign.pub
  wasm-audit check app.wasm --policy wasm-audit.toml --advisory-db advisory-db
  wasm-audit check app.wasm --policy wasm-audit.toml --wkg-config wasm-pkg-config.toml
  wasm-audit check app.wasm --policy wasm-audit.toml --lock wkg.lock --spin spin.toml
  wasm-audit check oci-layout:app-layout:v1 --policy wasm-audit.toml --attestation-key cosign.pub

Without --policy, `wasm-audit.toml` in the current directory is used when
it exists, else the defaults: unknown and substituted code denied, a
signature required on every trust set. `wasm-audit init` writes a starter
policy. --signature and --key pair with --trust in order (one --key may
serve every set). Pin files (wkg.lock, Cargo-component.lock, spin.toml)
are sets like any other: sign them, or accept them unsigned with
`require-signature = false` in the policy. Limit flags override the
policy's [limits]. --attestation (bundles, .intoto.jsonl, key-signed DSSE
envelopes, folders) adds to the policy's [provenance] attestations: each
verified statement vouches for the nodes whose digest it names, at any
depth (docs/ci.md, \"Provenance\").
policy's [limits]. --advisory-db (or `advisory-db` in the policy) matches
the crates each module's cargo-auditable `.dep-v0` records against a local
RustSec advisory database (offline, no git): vulnerable-crate (deny),
unmaintained-crate and unsound-crate (warn). --wkg-config, --lock and
--spin (or [registries] in the policy) say where packages come from: each
internal namespace of [registries] internal must resolve to, and be locked
from, its registry (namespace-confusion, deny); Spin registry sources and
URL sources without a digest are unpinned-source (warn) (docs/registries.md).
Imports named integrity=<sha256-...> are checked against the node that
satisfies them (integrity-mismatch).

Formats: text (default), json (schemas/report.schema.json), sarif (2.1.0),
junit (XML), markdown (pull-request comments).

{EXIT_CODES}"))]
    Check(check::Args),
    /// Write an SBOM of the whole composition: every nested component and
    /// module with its digest, the Rust crates of `.dep-v0`, the wiring and
    /// the capabilities reaching each part.
    #[command(after_help = format!("\
Examples:
  wasm-audit sbom app.wasm --format cyclonedx-json -o app.cdx.json
  wasm-audit sbom app.wasm --format cyclonedx-xml --cyclonedx-version 1.7 -o app.cdx.xml
  wasm-audit sbom app.wasm --format spdx3-json -o app.spdx3.json
  SOURCE_DATE_EPOCH=1700000000 wasm-audit sbom app.wasm --format spdx-json -o app.spdx.json
  wasm-audit check app.wasm --policy wasm-audit.toml --sbom cyclonedx-json=app.cdx.json
  wasm-audit sbom app.wasm --advisory-db advisory-db -o app.cdx.json

Formats: cyclonedx-json and cyclonedx-xml (CycloneDX 1.6 by default, 1.5 or
1.7 with --cyclonedx-version; held to the official schema before writing),
spdx-json (SPDX 2.3), spdx3-json (SPDX 3.0.1 JSON-LD). The timestamp is SOURCE_DATE_EPOCH when it
is set, else the current time; identifiers and the serial number derive
from the content, so the same input and SOURCE_DATE_EPOCH give the same
bytes. With --advisory-db, the RustSec vulnerabilities of the crates go
into the CycloneDX document (`vulnerabilities`, affecting the crates'
bom-refs) and the SPDX 3 document (security_Vulnerability, VEX affects). Files are written whole or not at all. Properties under the
`wasm-audit:` namespace are documented in docs/sbom.md.

{EXIT_CODES}"))]
    Sbom(sbom::Args),
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
  wasm-audit diff old.wasm new.wasm --advisory-db advisory-db --fail-on vulnerability-added

Either side may be a binary (.wasm, .wat) or a saved JSON document of
`caps` (full), `tree` or `check` (no capability data). Parts are paired by
digest, then name, then import/export signature, then path; the output says
how. A version bump of an interface is a version change, not an addition
and a removal.

--fail-on kinds: capability-added, capability-removed, capability-changed,
component-added, component-removed, digest-changed (code-carrying parts),
import-added, import-removed, export-added, export-removed, crate-changed,
metadata-changed, vulnerability-added, vulnerability-removed (with
--advisory-db: a RustSec advisory one version's crates have and the
other's do not). Without --fail-on the exit code is 0 after printing.

{EXIT_CODES}"))]
    Diff(diff::Args),
    /// Verify a Sigstore bundle offline: keyless (Fulcio certificate,
    /// identity and OIDC issuer, SCT, Rekor inclusion proof or timestamps)
    /// or signed with a key. Speaks the sigstore-conformance client protocol.
    #[command(after_help = format!("\
Examples:
  wasm-audit verify-bundle --bundle app.wasm.sigstore.json \\
    --certificate-identity https://github.com/OWNER/REPO/.github/workflows/release.yml@refs/tags/v1.0.0 \\
    --certificate-oidc-issuer https://token.actions.githubusercontent.com app.wasm
  wasm-audit verify-bundle --bundle app.wasm.sigstore.json \\
    --certificate-identity-regexp 'https://github.com/OWNER/REPO/.*' \\
    --certificate-oidc-issuer https://token.actions.githubusercontent.com \\
    --certificate-github-ref refs/heads/main sha256:<64 hex digits>
  wasm-audit verify-bundle --bundle trusted.json.sigstore.json --key cosign.pub trusted.json

Everything is checked offline, against the public-good production trusted
root built in, or --trusted-root (another instance's trusted_root.json).
The artifact is a file or `sha256:<hex>` of one. Exit 0: verified; 1: the
bundle does not verify or the signer is not the one named; 2: unreadable
or malformed input.

{EXIT_CODES}"))]
    VerifyBundle(verify_bundle::Args),
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
    Digests(digests::Args),
    /// Write a commented starter policy (wasm-audit.toml).
    #[command(after_help = format!("\
Examples:
  wasm-audit init
  wasm-audit init -o ci/wasm-audit.toml

The starter policy has no trust set (its examples are commented out): a
`check` with it reports every piece of code as `unknown-code` until a
signed set of trusted digests is listed.

{EXIT_CODES}"))]
    Init(init::Args),
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
    Tree(tree::Args),
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
    Caps(caps::Args),
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
    Graph(graph::Args),
    /// Print the WIT of the root or of any decodable nested component.
    #[command(after_help = format!("\
Examples:
  wasm-audit wit app.wasm
  wasm-audit wit app.wasm --node /component[0]

Nested components that refer to their parent's types, and wit-component
shims, do not decode on their own; `tree` shows which ones do.

{EXIT_CODES}"))]
    Wit(wit::Args),
    /// Write the exact bytes of one node; `sha256sum OUT` equals its digest.
    #[command(after_help = format!("\
Examples:
  wasm-audit extract app.wasm --node /component[0] -o plug.wasm
  wasm-audit extract app.wasm --node /component[0]/module[0] -o - | wasm-tools print

The output is written atomically (a complete file or none) and may not be
one of the inputs.

{EXIT_CODES}"))]
    Extract(extract::Args),
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
    Completions(completions::Args),
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
    Man(man::Args),
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

/// What every command gets from the global flags.
pub(crate) struct Ctx {
    /// The limit flags, in the policy's terms.
    pub flags: LimitsConfig,
    pub color: ColorWhen,
    /// Without a policy (every command but `check`): the flags over the defaults.
    pub limits: EffectiveLimits,
    /// `--plain-http`: registries over HTTP.
    pub plain_http: bool,
}

impl Ctx {
    /// The input `arg` names, with `--plain-http` applied.
    pub fn source(&self, arg: &str) -> wasm_audit::input::Source {
        wasm_audit::input::Source::from_arg(arg).with_plain_http(self.plain_http)
    }

    /// The analysis options of a command without a policy.
    pub fn options(&self, wit: bool) -> Options {
        Options {
            limits: self.limits.limits,
            wit,
            wiring: true,
        }
    }

    /// The analysis options of a command whose output carries no wiring
    /// (`tree`, `digests`, `extract`, `wit`): the wiring is not resolved,
    /// so a wiring past its budget is no error of theirs.
    pub fn listing_options(&self, wit: bool) -> Options {
        Options {
            wiring: false,
            ..self.options(wit)
        }
    }
}

/// Runs a parsed command line; returns the exit code.
pub fn run(cli: Cli) -> anyhow::Result<u8> {
    let flags = cli.limits.config();
    let ctx = Ctx {
        flags,
        color: cli.color,
        limits: EffectiveLimits::resolve(&flags, None),
        plain_http: cli.plain_http,
    };
    match cli.command {
        Command::Check(args) => check::run(args, &ctx),
        Command::Sbom(args) => sbom::run(args, &ctx),
        Command::Diff(args) => diff::run(args, &ctx),
        Command::VerifyBundle(args) => verify_bundle::run(args, &ctx),
        Command::Digests(args) => digests::run(args, &ctx),
        Command::Init(args) => init::run(args, &ctx),
        Command::Tree(args) => tree::run(args, &ctx),
        Command::Caps(args) => caps::run(args, &ctx),
        Command::Graph(args) => graph::run(args, &ctx),
        Command::Wit(args) => wit::run(args, &ctx),
        Command::Extract(args) => extract::run(args, &ctx),
        Command::Completions(args) => completions::run(args, &ctx),
        Command::Man(args) => man::run(args, &ctx),
    }
}
