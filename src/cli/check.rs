//! `wasm-audit check`: the CI gate: audit components against signed trust sets and the policy.

use std::path::{Path, PathBuf};

use wasm_audit::check::cfg::LimitsConfig;
use wasm_audit::input::Source;
use wasm_audit::output::Target;
use wasm_audit::render::escape;
use wasm_audit::{output, render};

use super::common::*;
use super::sbom::parse_sbom_format;
use super::*;

/// The arguments of `wasm-audit check` (its help text is on
/// [`super::Command`]).
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Inputs: `.wasm`, `.wat`, `-` for standard input, or an OCI
    /// artifact: `oci-layout:DIR[:TAG|@DIGEST]` or
    /// `oci://REGISTRY/REPO[:TAG|@DIGEST]` (see --plain-http).
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<String>,
    /// Policy file (default: ./wasm-audit.toml if present).
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// A trust set (JSON, wkg.lock, Cargo-component.lock, spin.toml), in addition to the policy's.
    #[arg(long, value_name = "SET")]
    pub trust: Vec<PathBuf>,
    /// The signature of the corresponding --trust set.
    #[arg(long, value_name = "SIG")]
    pub signature: Vec<PathBuf>,
    /// The public key (PEM) for the corresponding --trust set.
    #[arg(long, value_name = "KEY")]
    pub key: Vec<PathBuf>,
    /// An attestation (repeatable): a Sigstore bundle, a `.intoto.jsonl`,
    /// a DSSE envelope signed with a key (`cosign attest-blob --key`), or a
    /// folder of them; in addition to the policy's. Each verified
    /// statement vouches for the nodes, at any depth, whose digest it names.
    #[arg(long, value_name = "FILE")]
    pub attestation: Vec<PathBuf>,
    /// The public key (PEM) of key-signed attestations.
    #[arg(long, value_name = "KEY")]
    pub attestation_key: Option<PathBuf>,
    /// Output format.
    #[arg(long, short, value_enum, default_value_t = ReportFormat::Text)]
    pub format: ReportFormat,
    /// Write the report to this file (atomically; devices and FIFOs in
    /// place) instead of standard output; `-` is standard output.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Also write an SBOM of the input: FORMAT=PATH (repeatable; with
    /// several inputs PATH must contain `{}`, replaced by the file name,
    /// and the file names must differ; `-` is standard output).
    #[arg(long, value_name = "FORMAT=PATH", value_parser = parse_sbom_target)]
    pub sbom: Vec<(wasm_audit::sbom::SbomFormat, PathBuf)>,
    /// The CycloneDX specification version of `--sbom cyclonedx-json=PATH`
    /// and `cyclonedx-xml=PATH`: 1.5, 1.6 (Dependency-Track 4.14 reads up to
    /// 1.6) or 1.7 (Dependency-Track 5).
    #[arg(long, value_name = "VERSION", default_value = "1.6", value_parser = super::sbom::parse_cyclonedx_version)]
    pub cyclonedx_version: wasm_audit::sbom::CycloneDxVersion,
    /// Also write the report in another format: FORMAT=PATH
    /// (repeatable; `-` is standard output). One audit, every report
    /// from it: `--report sarif=audit.sarif --report markdown=audit.md`.
    #[arg(long, value_name = "FORMAT=PATH", value_parser = parse_report_target)]
    pub report: Vec<(ReportFormat, PathBuf)>,
    /// A RustSec advisory database directory (a copy of
    /// github.com/rustsec/advisory-db; read offline): the crates each
    /// module's `.dep-v0` names are matched against it (vulnerable-crate,
    /// unmaintained-crate, unsound-crate). Overrides the policy's
    /// `advisory-db`. Example: --advisory-db ~/.cargo/advisory-db
    #[arg(long, value_name = "DIR")]
    pub advisory_db: Option<PathBuf>,
    /// wkg's configuration file (`~/.config/wasm-pkg/config.toml`): how
    /// each namespace resolves to a registry, checked against the
    /// policy's `[registries] internal` (namespace-confusion). Overrides
    /// the policy's `wkg-config`.
    /// Example: --wkg-config ~/.config/wasm-pkg/config.toml
    #[arg(long, value_name = "FILE")]
    pub wkg_config: Option<PathBuf>,
    /// A `wkg.lock` or `Cargo-component.lock` (repeatable): the registry
    /// each package was locked from, checked against `[registries]
    /// internal`. In addition to the policy's `locks`. Example: --lock wkg.lock
    #[arg(long, value_name = "FILE")]
    pub lock: Vec<PathBuf>,
    /// A `spin.toml` (repeatable): its components' registry and URL
    /// sources and dependencies, checked against `[registries] internal`
    /// (namespace-confusion) and for digests (unpinned-source). In
    /// addition to the policy's `spin`. Example: --spin spin.toml
    #[arg(long, value_name = "FILE")]
    pub spin: Vec<PathBuf>,
}

/// Runs `wasm-audit check`; returns the exit code.
pub(crate) fn run(args: Args, ctx: &Ctx) -> anyhow::Result<u8> {
    let Args {
        files,
        policy,
        trust,
        signature,
        key,
        attestation,
        attestation_key,
        format,
        output,
        sbom,
        cyclonedx_version,
        report,
        advisory_db,
        wkg_config,
        lock,
        spin,
    } = args;
    let color = ctx.color;
    let flags = ctx.flags;
    check(CheckArgs {
        files,
        policy,
        trust,
        signature,
        key,
        attestations: attestation,
        attestation_key,
        format,
        output: output.map(|o| Target::from_arg(&o)),
        sbom,
        cyclonedx_version,
        reports: report,
        limits: flags,
        color,
        advisory_db,
        wkg_config,
        locks: lock,
        spin,
        plain_http: ctx.plain_http,
    })
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
    attestations: Vec<PathBuf>,
    attestation_key: Option<PathBuf>,
    format: ReportFormat,
    output: Option<Target>,
    sbom: Vec<(wasm_audit::sbom::SbomFormat, PathBuf)>,
    cyclonedx_version: wasm_audit::sbom::CycloneDxVersion,
    /// `--report FORMAT=PATH`: more renderings of the same report.
    reports: Vec<(ReportFormat, PathBuf)>,
    /// The limit flags, laid over the policy's `[limits]`.
    limits: LimitsConfig,
    color: ColorWhen,
    advisory_db: Option<PathBuf>,
    wkg_config: Option<PathBuf>,
    locks: Vec<PathBuf>,
    spin: Vec<PathBuf>,
    plain_http: bool,
}

fn check(args: CheckArgs) -> anyhow::Result<u8> {
    use wasm_audit::audit::Auditor;
    use wasm_audit::check::Input;
    use wasm_audit::config::{CheckSettings, Resolved};

    let usage = |m: String| anyhow::Error::from(wasm_audit::Error::Usage(m));
    let sources: Vec<Source> = args
        .files
        .iter()
        .map(|f| Source::from_arg(f).with_plain_http(args.plain_http))
        .collect();
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
        attestations: args.attestations.clone(),
        attestation_key: args.attestation_key.clone(),
        advisory_db: args.advisory_db.clone(),
        wkg_config: args.wkg_config.clone(),
        locks: args.locks.clone(),
        spin: args.spin.clone(),
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
            // The repository's last name and the tag or digest, as a file name.
            Source::Oci { reference: r, .. } => r
                .rsplit(['/', ':'])
                .find(|part| !part.is_empty())
                .unwrap_or("oci")
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || "._-".contains(c) {
                        c
                    } else {
                        '_'
                    }
                })
                .collect(),
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

    let mut auditor = Auditor::from_resolved(&resolved)?;
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
    // OCI inputs: the signatures and attestations cosign stored beside
    // each manifest go to the provenance stage with the others.
    let mut results = results;
    if sources.iter().any(|s| matches!(s, Source::Oci { .. })) {
        let verifiers = resolved.verifiers()?;
        let mut found = Vec::new();
        for r in results.iter_mut() {
            let outcome = match r {
                Ok(wasm_audit::Analysis { oci: Some(src), .. }) => {
                    wasm_audit::oci::provenance_of(src, &verifiers)
                }
                _ => continue,
            };
            match outcome {
                Ok(atts) => found.extend(atts),
                Err(e) => *r = Err(e),
            }
        }
        auditor.add_attestations(found);
    }
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
        let mut sbom = wasm_audit::sbom::build(analysis, sbom_timestamp)?;
        // The parts the audit found verified provenance for carry it.
        for node in report
            .nodes
            .iter()
            .filter(|n| n.file == analysis.file && !n.provenance.is_empty())
        {
            let provenance: Vec<wasm_audit::sbom::PartProvenance> = node
                .provenance
                .iter()
                .map(|p| wasm_audit::sbom::PartProvenance {
                    attestation: p.attestation.clone(),
                    signer: p.signer.clone(),
                    builder: p.builder_id.clone(),
                    source: p.source.clone(),
                    commit: p.commit.clone(),
                })
                .collect();
            wasm_audit::sbom::add_provenance(&mut sbom, &node.path, &provenance);
        }
        if let Some(db) = auditor.advisories() {
            sbom.add_advisories(analysis, db);
        }
        documents.push((
            target,
            wasm_audit::sbom::render(&sbom, *format, args.cyclonedx_version)?,
        ));
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
