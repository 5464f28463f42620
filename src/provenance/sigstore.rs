//! Sigstore bundles, verified offline with `sigstore-verify`.
//!
//! A keyless bundle is accepted only when all of this holds (the library
//! does the cryptography, this module the policy around it): the Fulcio
//! certificate chains to a certificate authority of the trusted root that
//! was valid at the signing time, carries a valid SCT, the signing time is
//! proved by a Rekor v1 entry (inclusion proof with a signed checkpoint, or
//! a SET) or by RFC 3161 timestamps (Rekor v2), the log entry describes
//! this very bundle, the signature covers the artifact, and the
//! certificate's identity, OIDC issuer and GitHub Actions claims are those
//! the [`IdentityPolicy`] names. A key-based bundle is accepted when the
//! user's key verifies it and its log entry does.
//!
//! The production trusted root is built in
//! (`src/provenance/production_trusted_root.json`: the public-good
//! instance's `trusted_root.json` as shipped in sigstore-python's embedded
//! TUF cache, byte-identical to the one sigstore-trust-root 0.15.1 embeds;
//! refresh it from the Sigstore TUF repository when the instance rotates
//! keys). Another one is given with `--trusted-root FILE`.

use sigstore_verify::trust_root::TrustedRoot as SigstoreRoot;
use sigstore_verify::types::{Bundle, DerPublicKey, Sha256Hash, SignatureContent};
use sigstore_verify::{PublicKeyVerificationPolicy, VerificationPolicy, Verifier};

use super::{sha256_digest, ProvenanceError, MAX_DOCUMENT_SIZE};

/// The production trusted root (public-good Sigstore), as built in.
pub const PRODUCTION_TRUSTED_ROOT: &str = include_str!("production_trusted_root.json");

/// The OIDC issuer of GitHub Actions workflow identities.
pub const GITHUB_ACTIONS_ISSUER: &str = "https://token.actions.githubusercontent.com";

/// A trusted root: Fulcio CAs, Rekor and CT log keys, timestamp authorities.
pub struct TrustedRoot {
    verifier: Verifier,
    /// Where it came from, for messages (`built-in production root` or a path).
    pub origin: String,
}

impl std::fmt::Debug for TrustedRoot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TrustedRoot")
            .field("origin", &self.origin)
            .finish_non_exhaustive()
    }
}

impl TrustedRoot {
    /// The public-good production root built into the binary.
    pub fn production() -> Result<Self, ProvenanceError> {
        Self::from_json(PRODUCTION_TRUSTED_ROOT, "built-in production trusted root")
    }

    /// A trusted root from its JSON (`trusted_root.json` of a Sigstore
    /// instance); `origin` names it in messages.
    pub fn from_json(json: &str, origin: &str) -> Result<Self, ProvenanceError> {
        let root = SigstoreRoot::from_json(json)
            .map_err(|e| ProvenanceError::TrustedRoot(format!("{origin}: {e}")))?;
        let verifier = Verifier::new(&root)
            .map_err(|e| ProvenanceError::TrustedRoot(format!("{origin}: {e}")))?;
        Ok(TrustedRoot {
            verifier,
            origin: origin.to_string(),
        })
    }
}

/// How a certificate identity (the SAN: a workflow URI or an e-mail) is
/// matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdentityMatch {
    /// Equal to this string.
    Exact(String),
    /// Matches this regular expression as a whole (it is anchored at both
    /// ends, unlike cosign's `--certificate-identity-regexp`, so that
    /// `https://github.com/org/` cannot match `https://github.com/org/evil`
    /// by accident of a missing `$`).
    Regexp(String),
}

/// Who must have signed a keyless bundle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentityPolicy {
    /// The certificate identity (SAN), exact or a pattern.
    pub identity: IdentityMatch,
    /// The OIDC issuer, exactly (`https://token.actions.githubusercontent.com`).
    pub issuer: String,
    /// GitHub Actions claims (Fulcio extensions), each exact when given:
    /// the source repository (`https://github.com/OWNER/REPO` or
    /// `OWNER/REPO`), the source ref (`refs/tags/v1.2.0`), the workflow
    /// (the build config URI, or the workflow path as in
    /// `.github/workflows/release.yml`).
    pub repository: Option<String>,
    /// The source ref claim required.
    pub git_ref: Option<String>,
    /// The workflow claim required.
    pub workflow: Option<String>,
}

impl IdentityPolicy {
    /// An exact identity and issuer, no further claims.
    pub fn exact(identity: &str, issuer: &str) -> Self {
        IdentityPolicy {
            identity: IdentityMatch::Exact(identity.to_string()),
            issuer: issuer.to_string(),
            repository: None,
            git_ref: None,
            workflow: None,
        }
    }

    /// Checks the pattern compiles; done before any bundle is read.
    pub fn validate(&self) -> Result<(), ProvenanceError> {
        if let IdentityMatch::Regexp(p) = &self.identity {
            compile(p)?;
        }
        Ok(())
    }
}

fn compile(pattern: &str) -> Result<regex::Regex, ProvenanceError> {
    regex::RegexBuilder::new(&format!("^(?:{pattern})$"))
        .size_limit(1 << 20)
        .build()
        .map_err(|e| ProvenanceError::malformed("identity pattern", e))
}

/// Who may have signed: a certificate identity, or a public key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Signer {
    /// A certificate (keyless) whose identity and issuer the policy names.
    Identity(IdentityPolicy),
    /// A PEM `PUBLIC KEY` (SubjectPublicKeyInfo).
    Key(String),
}

/// What a bundle is checked against: the artifact's bytes, or its SHA-256.
#[derive(Debug, Clone, Copy)]
pub enum ArtifactRef<'a> {
    /// The artifact's bytes.
    Bytes(&'a [u8]),
    /// The artifact's SHA-256.
    Sha256([u8; 32]),
    /// For a DSSE bundle whose statement names its subjects itself (an
    /// attestation): bound to the statement's first SHA-256 subject, and
    /// the caller matches every subject against what it audits.
    StatementSubjects,
}

/// A bundle that verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedBundle {
    /// Who signed: the certificate identity, or `key sha256:<hex>`.
    pub signer: String,
    /// The OIDC issuer, for a keyless bundle.
    pub issuer: Option<String>,
    /// GitHub Actions claims of the certificate (source repository URI,
    /// ref, commit, workflow), when present.
    pub source_repository: Option<String>,
    /// The certificate's source ref claim.
    pub source_ref: Option<String>,
    /// The certificate's source commit claim.
    pub source_digest: Option<String>,
    /// The certificate's build config (workflow) URI claim.
    pub workflow: Option<String>,
    /// For a DSSE bundle: the payload type and the payload (a statement).
    pub dsse: Option<(String, Vec<u8>)>,
    /// `sha256:<hex>` of the bundle file, to name it in reports.
    pub bundle_digest: String,
    /// `sha256:<hex>` of the signing certificate's public key (SPKI DER),
    /// for a keyless bundle.
    pub key_fingerprint: Option<String>,
}

/// Parses a bundle strictly enough to refuse what the library would
/// otherwise read leniently.
fn parse(bundle_json: &[u8]) -> Result<Bundle, ProvenanceError> {
    if bundle_json.len() > MAX_DOCUMENT_SIZE {
        return Err(ProvenanceError::malformed(
            "bundle",
            format!("larger than {MAX_DOCUMENT_SIZE} bytes"),
        ));
    }
    let text = std::str::from_utf8(bundle_json)
        .map_err(|e| ProvenanceError::malformed("bundle", format!("not UTF-8: {e}")))?;
    Bundle::from_json(text).map_err(|e| ProvenanceError::malformed("bundle", e))
}

/// The first SHA-256 subject digest of a DSSE bundle's in-toto statement.
fn first_subject(bundle: &Bundle) -> Result<[u8; 32], ProvenanceError> {
    let SignatureContent::DsseEnvelope(env) = &bundle.content else {
        return Err(ProvenanceError::Unsupported(
            "a message-signature bundle signs a blob, not an attestation: give the artifact".into(),
        ));
    };
    let statement = super::statement::Statement::parse(&env.payload_type, env.payload.as_bytes())?;
    statement
        .subjects
        .iter()
        .find_map(|s| s.sha256)
        .ok_or_else(|| {
            ProvenanceError::malformed("in-toto statement", "no subject has a sha256 digest")
        })
}

/// Verifies a Sigstore bundle against an artifact, a signer and a trusted
/// root. `Ok` only when everything verified and the signer is the one
/// required.
pub fn verify_bundle(
    bundle_json: &[u8],
    artifact: ArtifactRef<'_>,
    signer: &Signer,
    root: &TrustedRoot,
) -> Result<VerifiedBundle, ProvenanceError> {
    let bundle = parse(bundle_json)?;
    let digest_holder;
    let artifact: sigstore_verify::types::Artifact<'_> = match artifact {
        ArtifactRef::Bytes(b) => b.into(),
        ArtifactRef::Sha256(d) => {
            digest_holder = Sha256Hash::new(d);
            sigstore_verify::types::Artifact::from_digest(digest_holder)
        }
        ArtifactRef::StatementSubjects => {
            let d = first_subject(&bundle)?;
            digest_holder = Sha256Hash::new(d);
            sigstore_verify::types::Artifact::from_digest(digest_holder)
        }
    };
    let fail = |e: sigstore_verify::Error| match e {
        sigstore_verify::Error::InvalidBundle(_)
        | sigstore_verify::Error::Types(_)
        | sigstore_verify::Error::Bundle(_) => ProvenanceError::malformed("bundle", e),
        sigstore_verify::Error::UnsupportedBundle(_) => ProvenanceError::Unsupported(e.to_string()),
        sigstore_verify::Error::IdentityMismatch { .. }
        | sigstore_verify::Error::IssuerMismatch { .. } => ProvenanceError::Identity(e.to_string()),
        other => ProvenanceError::Verification(other.to_string()),
    };
    let (signer_name, result) = match signer {
        Signer::Key(pem) => {
            let key = DerPublicKey::from_pem(pem)
                .map_err(|e| ProvenanceError::malformed("public key", e))?;
            let name = format!("key {}", sha256_digest(key.as_bytes()));
            let policy = PublicKeyVerificationPolicy::new(key);
            let r = root
                .verifier
                .verify(artifact, &bundle, &policy)
                .map_err(fail)?;
            (name, r)
        }
        Signer::Identity(p) => {
            // The identity is matched here (exact or pattern, with the GitHub
            // claims) after the library has verified the certificate; the
            // issuer is matched by both.
            let policy = VerificationPolicy::any_identity().require_issuer(p.issuer.clone());
            let r = root
                .verifier
                .verify(artifact, &bundle, &policy)
                .map_err(fail)?;
            if !r.certificate_verified() || !r.tlog_verified() && r.verified_timestamps().is_empty()
            {
                return Err(ProvenanceError::Verification(
                    "the certificate or the signing time was not verified".into(),
                ));
            }
            let identity = r
                .identity()
                .map(|s| s.as_str().to_string())
                .ok_or_else(|| {
                    ProvenanceError::Identity("the certificate names no identity".into())
                })?;
            let ok = match &p.identity {
                IdentityMatch::Exact(want) => *want == identity,
                IdentityMatch::Regexp(pattern) => compile(pattern)?.is_match(&identity),
            };
            if !ok {
                let want = match &p.identity {
                    IdentityMatch::Exact(w) => w.clone(),
                    IdentityMatch::Regexp(w) => format!("pattern {w}"),
                };
                return Err(ProvenanceError::Identity(format!(
                    "the certificate identity is {identity}, not {want}"
                )));
            }
            check_claims(p, &r)?;
            (identity, r)
        }
    };
    let claims = r_claims(&result);
    let dsse = match &bundle.content {
        SignatureContent::DsseEnvelope(env) => {
            Some((env.payload_type.clone(), env.payload.as_bytes().to_vec()))
        }
        _ => None,
    };
    Ok(VerifiedBundle {
        signer: signer_name,
        issuer: result.issuer().map(str::to_string),
        source_repository: claims.0,
        source_ref: claims.1,
        source_digest: claims.2,
        workflow: claims.3,
        dsse,
        bundle_digest: sha256_digest(bundle_json),
        key_fingerprint: result
            .certificate()
            .map(|c| sha256_digest(c.public_key.as_bytes())),
    })
}

type Claims = (
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

fn r_claims(r: &sigstore_verify::VerificationResult) -> Claims {
    match r.certificate() {
        Some(c) => {
            let ci = &c.ci_claims;
            (
                ci.source_repository_uri.clone(),
                ci.source_repository_ref.clone(),
                ci.source_repository_digest.clone(),
                ci.build_config_uri.clone(),
            )
        }
        None => (None, None, None, None),
    }
}

/// The GitHub Actions claims of the policy against the certificate's.
fn check_claims(
    p: &IdentityPolicy,
    r: &sigstore_verify::VerificationResult,
) -> Result<(), ProvenanceError> {
    let (repo, git_ref, _, workflow) = r_claims(r);
    if let Some(want) = &p.repository {
        let want_uri = if want.contains("://") {
            want.clone()
        } else {
            format!("https://github.com/{want}")
        };
        if repo.as_deref() != Some(want_uri.as_str()) {
            return Err(ProvenanceError::Identity(format!(
                "the certificate's source repository is {}, not {want_uri}",
                repo.as_deref().unwrap_or("(none)")
            )));
        }
    }
    if let Some(want) = &p.git_ref {
        if git_ref.as_deref() != Some(want.as_str()) {
            return Err(ProvenanceError::Identity(format!(
                "the certificate's source ref is {}, not {want}",
                git_ref.as_deref().unwrap_or("(none)")
            )));
        }
    }
    if let Some(want) = &p.workflow {
        // The build config URI is `https://github.com/O/R/.github/workflows/F@REF`;
        // a bare workflow path matches its path part.
        let ok = workflow.as_deref().is_some_and(|w| {
            w == want
                || w.split_once("@")
                    .map(|(path, _)| path.ends_with(&format!("/{}", want.trim_start_matches('/'))))
                    .unwrap_or(false)
        });
        if !ok {
            return Err(ProvenanceError::Identity(format!(
                "the certificate's workflow is {}, not {want}",
                workflow.as_deref().unwrap_or("(none)")
            )));
        }
    }
    Ok(())
}
