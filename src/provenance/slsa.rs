//! SLSA provenance (v0.2 and v1) read from a verified in-toto statement,
//! and checked as slsa-verifier checks it: the builder (one of the trusted
//! reusable workflows of slsa-github-generator, or the builder id the
//! policy names), the source repository, the tag, versioned tag or
//! branch it was built from, and the inputs of the workflow run.

use serde_json::Value;

use super::statement::Statement;
use super::ProvenanceError;

/// SLSA provenance predicate types understood.
pub const PREDICATE_V02: &str = "https://slsa.dev/provenance/v0.2";
/// SLSA provenance v1.
pub const PREDICATE_V1: &str = "https://slsa.dev/provenance/v1";

/// The reusable workflows of slsa-github-generator that slsa-verifier
/// trusts as builders (by path, any version tag).
pub const TRUSTED_BUILDERS: &[&str] = &[
    "https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_generic_slsa3.yml",
    "https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_container_slsa3.yml",
    "https://github.com/slsa-framework/slsa-github-generator/.github/workflows/builder_go_slsa3.yml",
    "https://github.com/slsa-framework/slsa-github-generator/.github/workflows/builder_container-based_slsa3.yml",
    "https://github.com/slsa-framework/slsa-github-generator/.github/workflows/builder_nodejs_slsa3.yml",
    "https://github.com/slsa-framework/slsa-github-generator/.github/workflows/builder_maven_slsa3.yml",
    "https://github.com/slsa-framework/slsa-github-generator/.github/workflows/builder_gradle_slsa3.yml",
];

/// What a SLSA provenance says about a build.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Provenance {
    /// `https://slsa.dev/provenance/v0.2` or `.../v1`.
    pub predicate_type: String,
    /// The builder id, with its `@ref` (`.../generator_generic_slsa3.yml@refs/tags/v2.1.0`).
    pub builder_id: String,
    /// The source URI as written (`git+https://github.com/o/r@refs/tags/v1`).
    pub source_uri: String,
    /// The git ref built (`refs/tags/v14`, `refs/heads/main`), if known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_ref: Option<String>,
    /// The branch a tag was pushed from (the push event's `base_ref`), if known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base_ref: Option<String>,
    /// The commit (`sha1`), if given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    /// The inputs of the workflow run (a `workflow_dispatch` event's
    /// `inputs`), each value as text (`true`, `123`).
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub inputs: std::collections::BTreeMap<String, String>,
}

/// The `inputs` object of a workflow event payload, values as text (a
/// string as it is, a number or boolean as JSON writes it), as
/// slsa-verifier compares them.
fn inputs_of(payload: Option<&Value>) -> std::collections::BTreeMap<String, String> {
    payload
        .and_then(|p| p.get("inputs"))
        .and_then(Value::as_object)
        .map(|o| {
            o.iter()
                .map(|(k, v)| {
                    let text = match v {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    };
                    (k.clone(), text)
                })
                .collect()
        })
        .unwrap_or_default()
}

fn s(v: &Value, path: &[&str]) -> Option<String> {
    let mut cur = v;
    for p in path {
        cur = cur.get(p)?;
    }
    cur.as_str().map(str::to_string)
}

/// Reads the provenance of a statement; `Ok(None)` when the statement is
/// not SLSA provenance.
pub fn read(statement: &Statement) -> Result<Option<Provenance>, ProvenanceError> {
    let p = &statement.predicate;
    let bad = |what: &str| {
        ProvenanceError::malformed(
            "SLSA provenance",
            format!("{} has no {what}", statement.predicate_type),
        )
    };
    let prov = match statement.predicate_type.as_str() {
        PREDICATE_V02 => {
            let builder_id = s(p, &["builder", "id"]).ok_or_else(|| bad("builder.id"))?;
            let source_uri = s(p, &["invocation", "configSource", "uri"])
                .ok_or_else(|| bad("invocation.configSource.uri"))?;
            let env = p.get("invocation").and_then(|i| i.get("environment"));
            let source_ref = env
                .and_then(|e| s(e, &["github_ref"]))
                .or_else(|| source_uri.rsplit_once('@').map(|(_, r)| r.to_string()));
            let base_ref = env.and_then(|e| s(e, &["github_event_payload", "base_ref"]));
            let commit = s(p, &["invocation", "configSource", "digest", "sha1"]);
            let inputs = inputs_of(env.and_then(|e| e.get("github_event_payload")));
            Provenance {
                predicate_type: statement.predicate_type.clone(),
                builder_id,
                source_uri,
                source_ref,
                base_ref,
                commit,
                inputs,
            }
        }
        PREDICATE_V1 => {
            let builder_id = s(p, &["runDetails", "builder", "id"])
                .ok_or_else(|| bad("runDetails.builder.id"))?;
            let bd = p
                .get("buildDefinition")
                .ok_or_else(|| bad("buildDefinition"))?;
            let ext = bd.get("externalParameters");
            let internal = bd.get("internalParameters");
            // The builders of slsa-github-generator write the source in
            // `externalParameters.source` (container-based) or the
            // workflow (`externalParameters.workflow`, GitHub's own
            // builder); the first resolved dependency is the source too.
            let source_uri = ext
                .and_then(|e| s(e, &["source", "uri"]))
                .or_else(|| {
                    let repo = ext.and_then(|e| s(e, &["workflow", "repository"]))?;
                    let r = ext.and_then(|e| s(e, &["workflow", "ref"]))?;
                    Some(format!("git+{repo}@{r}"))
                })
                .or_else(|| {
                    bd.get("resolvedDependencies")
                        .and_then(|d| d.get(0))
                        .and_then(|d| s(d, &["uri"]))
                })
                .ok_or_else(|| bad("source"))?;
            let source_ref = internal
                .and_then(|i| s(i, &["GITHUB_REF"]))
                .or_else(|| internal.and_then(|i| s(i, &["github", "ref"])))
                .or_else(|| source_uri.rsplit_once('@').map(|(_, r)| r.to_string()));
            let base_ref = internal.and_then(|i| s(i, &["GITHUB_EVENT_PAYLOAD", "base_ref"]));
            let commit = ext
                .and_then(|e| s(e, &["source", "digest", "sha1"]))
                .or_else(|| internal.and_then(|i| s(i, &["GITHUB_SHA"])))
                .or_else(|| {
                    bd.get("resolvedDependencies")
                        .and_then(|d| d.get(0))
                        .and_then(|d| s(d, &["digest", "gitCommit"]))
                });
            // GitHub's builders: `externalParameters.inputs`; the generic
            // generator: the event payload it records.
            let mut inputs = inputs_of(ext);
            if inputs.is_empty() {
                inputs = inputs_of(internal.and_then(|i| i.get("GITHUB_EVENT_PAYLOAD")));
            }
            Provenance {
                predicate_type: statement.predicate_type.clone(),
                builder_id,
                source_uri,
                source_ref,
                base_ref,
                commit,
                inputs,
            }
        }
        _ => return Ok(None),
    };
    Ok(Some(prov))
}

/// `github.com/o/r` from `git+https://github.com/o/r@refs/...` (also
/// accepts the expected value written with a scheme or `.git`).
pub fn normalise_source(uri: &str) -> String {
    let u = uri.strip_prefix("git+").unwrap_or(uri);
    let u = u
        .strip_prefix("https://")
        .or_else(|| u.strip_prefix("http://"))
        .unwrap_or(u);
    let u = u.split_once('@').map(|(a, _)| a).unwrap_or(u);
    u.trim_end_matches('/').trim_end_matches(".git").to_string()
}

/// What the policy requires of a part's provenance; `None` checks nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Requirements {
    /// `github.com/OWNER/REPO`.
    pub source_uri: Option<String>,
    /// A builder id; without `@ref` any version of it.
    pub builder_id: Option<String>,
    /// An exact tag (`v1.2.3`).
    pub source_tag: Option<String>,
    /// A versioned tag (`v1`, `v1.2`): the given components must equal the tag's.
    pub source_versioned_tag: Option<String>,
    /// A branch (`main`).
    pub source_branch: Option<String>,
    /// Inputs the workflow run must have had, each with this exact value
    /// (slsa-verifier's `--build-workflow-input`).
    pub build_workflow_inputs: std::collections::BTreeMap<String, String>,
}

fn tag_of(prov: &Provenance) -> Option<&str> {
    prov.source_ref.as_deref()?.strip_prefix("refs/tags/")
}

/// `vX.Y.Z` → up to three numbers; `None` when not a version.
fn version_parts(tag: &str) -> Option<Vec<u64>> {
    let t = tag.strip_prefix('v').unwrap_or(tag);
    let core = t.split(['-', '+']).next().unwrap_or(t);
    let parts: Option<Vec<u64>> = core.split('.').map(|p| p.parse().ok()).collect();
    parts.filter(|p| !p.is_empty() && p.len() <= 3)
}

/// The builder id of `prov` without its `@ref`.
fn builder_path(id: &str) -> &str {
    id.split_once('@').map(|(p, _)| p).unwrap_or(id)
}

/// Checks `prov` against `req`; `signer` is the certificate identity that
/// signed it (keyless), which must be the builder itself, as
/// slsa-verifier requires. `Err(Mismatch)` says what differs.
pub fn check(
    prov: &Provenance,
    req: &Requirements,
    keyless_signer: Option<&str>,
) -> Result<(), ProvenanceError> {
    let mismatch = |m: String| Err(ProvenanceError::Mismatch(m));
    // Builder: the certificate of a keyless signature names the workflow
    // that signed; it must be the builder the predicate names, and a
    // trusted one (or the policy's).
    if let Some(signer) = keyless_signer {
        if builder_path(signer) != builder_path(&prov.builder_id) {
            return mismatch(format!(
                "the provenance names builder {} but was signed by {signer}",
                prov.builder_id
            ));
        }
    }
    match &req.builder_id {
        Some(want) => {
            let ok = if let Some((path, r)) = want.split_once('@') {
                // `@refs/tags/v2.1.0` or, as slsa-verifier accepts, `@v2.1.0`.
                let have_ref = prov.builder_id.split_once('@').map(|(_, r)| r);
                path == builder_path(&prov.builder_id)
                    && (have_ref == Some(r)
                        || have_ref.and_then(|h| h.strip_prefix("refs/tags/")) == Some(r))
            } else {
                builder_path(want) == builder_path(&prov.builder_id)
            };
            if !ok {
                return mismatch(format!(
                    "untrusted builder: the provenance's builder is {}, not {want}",
                    prov.builder_id
                ));
            }
        }
        None if keyless_signer.is_some()
            && !TRUSTED_BUILDERS.contains(&builder_path(&prov.builder_id)) =>
        {
            return mismatch(format!(
                "untrusted builder: {} is not a trusted reusable workflow of slsa-github-generator \
                 (name it with builder-id to trust it)",
                prov.builder_id
            ));
        }
        None => {}
    }
    if let Some(want) = &req.source_uri {
        let have = normalise_source(&prov.source_uri);
        if normalise_source(want) != have {
            return mismatch(format!(
                "source mismatch: the provenance's source is {have}, not {}",
                normalise_source(want)
            ));
        }
    }
    if let Some(want) = &req.source_tag {
        match tag_of(prov) {
            None => {
                return mismatch(format!(
                    "invalid ref: tag {want} required but the build ran on {}",
                    prov.source_ref.as_deref().unwrap_or("no ref")
                ))
            }
            Some(t) if t != want => {
                return mismatch(format!(
                    "tag mismatch: the provenance's tag is {t}, not {want}"
                ))
            }
            Some(_) => {}
        }
    }
    if let Some(want) = &req.source_versioned_tag {
        let Some(t) = tag_of(prov) else {
            return mismatch(format!(
                "invalid ref: versioned tag {want} required but the build ran on {}",
                prov.source_ref.as_deref().unwrap_or("no ref")
            ));
        };
        let (Some(w), Some(h)) = (version_parts(want), version_parts(t)) else {
            return mismatch(format!(
                "versioned tag mismatch: {t} or {want} is not a version (vX[.Y[.Z]])"
            ));
        };
        let ok = w
            .iter()
            .enumerate()
            .all(|(i, x)| h.get(i).copied().unwrap_or(0) == *x);
        if !ok {
            return mismatch(format!(
                "versioned tag mismatch: the provenance's tag is {t}, not {want}"
            ));
        }
    }
    for (key, want) in &req.build_workflow_inputs {
        match prov.inputs.get(key) {
            Some(have) if have == want => {}
            Some(have) => {
                return mismatch(format!(
                    "workflow input mismatch: {key} is {have:?} in the provenance, not {want:?}"
                ))
            }
            None => {
                return mismatch(format!(
                    "workflow input mismatch: the provenance records no input {key}"
                ))
            }
        }
    }
    if let Some(want) = &req.source_branch {
        let r = prov.source_ref.as_deref().unwrap_or("");
        let branch = r.strip_prefix("refs/heads/").or_else(|| {
            r.starts_with("refs/tags/")
                .then(|| prov.base_ref.as_deref()?.strip_prefix("refs/heads/"))
                .flatten()
        });
        if branch != Some(want.as_str()) {
            return mismatch(format!(
                "branch mismatch: the provenance's branch is {}, not {want}",
                branch.unwrap_or("(none)")
            ));
        }
    }
    Ok(())
}
