//! `wasm-audit verify-bundle`: verify one Sigstore bundle offline, as the
//! sigstore-conformance client protocol asks
//! (`verify-bundle --bundle F (--certificate-identity I
//! --certificate-oidc-issuer U | --key K) [--trusted-root F] FILE_OR_sha256:DIGEST`).

use std::path::PathBuf;

use anyhow::{anyhow, Context};

use wasm_audit::provenance::sigstore::{
    verify_bundle, ArtifactRef, IdentityMatch, IdentityPolicy, Signer, TrustedRoot,
};
use wasm_audit::provenance::{read_document, ProvenanceError};

use super::common::print_stdout;
use super::*;

/// The arguments of `wasm-audit verify-bundle` (its help text is on
/// [`super::Command`]).
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The Sigstore bundle (`.sigstore.json`, bundle v0.1 to v0.3).
    #[arg(long, value_name = "FILE")]
    pub bundle: PathBuf,
    /// The signer's certificate identity, exactly (a workflow URI such as
    /// `https://github.com/OWNER/REPO/.github/workflows/release.yml@refs/tags/v1.0.0`,
    /// or an e-mail address).
    #[arg(long, value_name = "IDENTITY", conflicts_with_all = ["key", "certificate_identity_regexp"])]
    pub certificate_identity: Option<String>,
    /// The signer's certificate identity as a regular expression, matched
    /// against the whole identity (anchored at both ends).
    #[arg(long, value_name = "REGEXP", conflicts_with = "key")]
    pub certificate_identity_regexp: Option<String>,
    /// The OIDC issuer of the certificate, exactly
    /// (`https://token.actions.githubusercontent.com` for GitHub Actions).
    #[arg(long, value_name = "URL", conflicts_with = "key")]
    pub certificate_oidc_issuer: Option<String>,
    /// GitHub Actions: the source repository the certificate must name
    /// (`OWNER/REPO` or its URL).
    #[arg(long, value_name = "REPO", conflicts_with = "key")]
    pub certificate_github_repository: Option<String>,
    /// GitHub Actions: the git ref the certificate must name (`refs/tags/v1.0.0`).
    #[arg(long, value_name = "REF", conflicts_with = "key")]
    pub certificate_github_ref: Option<String>,
    /// GitHub Actions: the workflow the certificate must name (its path,
    /// `.github/workflows/release.yml`, or the full build config URI).
    #[arg(long, value_name = "WORKFLOW", conflicts_with = "key")]
    pub certificate_github_workflow: Option<String>,
    /// A PEM public key, for a bundle signed with a key instead of a certificate.
    #[arg(long, value_name = "FILE")]
    pub key: Option<PathBuf>,
    /// The trusted root (`trusted_root.json`) of another Sigstore instance;
    /// without it, the public-good production root built in.
    #[arg(long, value_name = "FILE")]
    pub trusted_root: Option<PathBuf>,
    /// The signed artifact, or `sha256:<64 hex digits>` of it.
    #[arg(value_name = "FILE_OR_DIGEST")]
    pub artifact: String,
}

fn parse_digest(s: &str) -> anyhow::Result<[u8; 32]> {
    let hex = s.strip_prefix("sha256:").unwrap_or(s);
    if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(anyhow!("{s}: not sha256:<64 hex digits>"));
    }
    let mut out = [0u8; 32];
    for (i, o) in out.iter_mut().enumerate() {
        *o = u8::from_str_radix(hex.get(2 * i..2 * i + 2).unwrap_or("zz"), 16)?;
    }
    Ok(out)
}

/// Runs `wasm-audit verify-bundle`; returns the exit code.
pub(crate) fn run(args: Args, _ctx: &Ctx) -> anyhow::Result<u8> {
    let identity = match (
        &args.certificate_identity,
        &args.certificate_identity_regexp,
    ) {
        (Some(i), _) => Some(IdentityMatch::Exact(i.clone())),
        (None, Some(r)) => Some(IdentityMatch::Regexp(r.clone())),
        (None, None) => None,
    };
    let signer = match (&args.key, identity) {
        (Some(key), _) => {
            let pem = read_document(key, "key").map_err(|e| anyhow!(e))?;
            Signer::Key(
                String::from_utf8(pem)
                    .with_context(|| format!("key {}: not PEM text", key.display()))?,
            )
        }
        (None, Some(identity)) => {
            let issuer = args.certificate_oidc_issuer.clone().ok_or_else(|| {
                anyhow!(
                    "--certificate-oidc-issuer is required with --certificate-identity(-regexp)"
                )
            })?;
            let policy = IdentityPolicy {
                identity,
                issuer,
                repository: args.certificate_github_repository.clone(),
                git_ref: args.certificate_github_ref.clone(),
                workflow: args.certificate_github_workflow.clone(),
            };
            policy.validate()?;
            Signer::Identity(policy)
        }
        (None, None) => {
            return Err(anyhow!(
                "say who must have signed: --certificate-identity (or -regexp) with \
                 --certificate-oidc-issuer, or --key"
            ))
        }
    };
    let root = match &args.trusted_root {
        Some(p) => {
            let bytes = read_document(p, "trusted root").map_err(|e| anyhow!(e))?;
            let text = String::from_utf8(bytes)
                .with_context(|| format!("trusted root {}: not UTF-8", p.display()))?;
            TrustedRoot::from_json(&text, &p.display().to_string())?
        }
        None => TrustedRoot::production()?,
    };
    let bundle = read_document(&args.bundle, "bundle").map_err(|e| anyhow!(e))?;
    let artifact_bytes;
    let artifact = if args.artifact.starts_with("sha256:") {
        ArtifactRef::Sha256(parse_digest(&args.artifact)?)
    } else {
        artifact_bytes = std::fs::read(&args.artifact)
            .with_context(|| format!("{}: cannot read", args.artifact))?;
        ArtifactRef::Bytes(&artifact_bytes)
    };
    match verify_bundle(&bundle, artifact, &signer, &root) {
        Ok(v) => {
            let issuer = v
                .issuer
                .map(|i| format!(" (issuer {i})"))
                .unwrap_or_default();
            print_stdout(
                format!(
                    "OK: {} verified: signed by {}{issuer}\n",
                    args.bundle.display(),
                    v.signer
                )
                .as_bytes(),
            )?;
            Ok(EXIT_OK)
        }
        // A bundle that is not one, or a trusted root that is not usable,
        // is an error (exit 2); one that does not verify is a refusal (1).
        Err(e @ (ProvenanceError::Malformed { .. } | ProvenanceError::TrustedRoot(_))) => {
            Err(anyhow!("{}: {e}", args.bundle.display()))
        }
        Err(e) => {
            eprintln!(
                "FAILED: {}: {}",
                args.bundle.display(),
                wasm_audit::render::escape::one_line(&e.to_string())
            );
            Ok(EXIT_FINDINGS)
        }
    }
}
