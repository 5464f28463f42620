//! The policy file (`wasm-audit.toml`), parsed and validated: where the trust sets, signatures
//! and keys are; what `unknown` and `substituted` nodes do; capability
//! rules; limits; finding severities. Unknown keys are rejected with their
//! line, as are wrong types and invalid values.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::diags::Severity;
use crate::limits::Limits;
use crate::trust::SetSpec;

/// `[trust]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct TrustConfig {
    /// Trust sets (JSON sets and pin files: `wkg.lock`, `Cargo-component.lock`, `spin.toml`).
    pub sets: Vec<SetSpec>,
    /// An unsigned set fails the audit (`trust-set-unsigned`). Default true.
    pub require_signature: bool,
}

impl Default for TrustConfig {
    fn default() -> Self {
        Self {
            sets: Vec::new(),
            require_signature: true,
        }
    }
}

/// `[nodes]`: what untrusted nodes do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct NodesConfig {
    /// Code with no trusted digest (`unknown-code`). Default deny.
    pub unknown: Severity,
    /// A trusted name with other bytes (`substituted`). Default deny.
    pub substituted: Severity,
}

impl Default for NodesConfig {
    fn default() -> Self {
        Self {
            unknown: Severity::Deny,
            substituted: Severity::Deny,
        }
    }
}

/// Capability rules for the parts matching `match` (a name or a digest).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ComponentRule {
    /// A part's name (component-name section, name its parent gives it) or
    /// its `sha256:` digest.
    #[serde(rename = "match")]
    pub matches: String,
    /// When given, capabilities matching none of these are denied for the part.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow: Option<Vec<String>>,
    /// Capabilities denied for the part (in addition to the global ones).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub deny: Vec<String>,
}

/// `[capabilities]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct CapabilitiesConfig {
    /// When given, capabilities matching none of these are denied everywhere
    /// (unless a component rule gives its own `allow`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allow: Option<Vec<String>>,
    /// Capabilities denied everywhere. Deny wins over allow.
    pub deny: Vec<String>,
    /// Per-part rules.
    #[serde(rename = "component")]
    pub components: Vec<ComponentRule>,
}

/// Provenance requirements for the parts matching `match` (a name or a
/// digest), like the capability rules.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct PartProvenanceRule {
    /// A part's name or its `sha256:` digest.
    #[serde(rename = "match")]
    pub matches: String,
    /// The part needs a verified attestation naming its digest. Default
    /// true: a rule about a part's provenance is a rule that it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub require_provenance: Option<bool>,
    /// The source repository its SLSA provenance must name (`github.com/OWNER/REPO`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_uri: Option<String>,
    /// The builder id its SLSA provenance must name (without `@ref`: any version).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub builder_id: Option<String>,
    /// The exact tag it must be built from (`v1.2.3`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_tag: Option<String>,
    /// A versioned tag (`v1`, `v1.2`): the tag's leading components must equal it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_versioned_tag: Option<String>,
    /// The branch it must be built from (`main`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_branch: Option<String>,
    /// Inputs its workflow run must have had, each with this exact value
    /// (`build-workflow-inputs = { release_version = "1.2.0" }`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub build_workflow_inputs: BTreeMap<String, String>,
}

impl PartProvenanceRule {
    /// Whether the rule asks anything of the SLSA provenance itself.
    pub fn has_slsa_requirements(&self) -> bool {
        self.source_uri.is_some()
            || self.builder_id.is_some()
            || self.source_tag.is_some()
            || self.source_versioned_tag.is_some()
            || self.source_branch.is_some()
            || !self.build_workflow_inputs.is_empty()
    }
}

/// `[provenance]`: attestations (paths relative to the policy file) and
/// what they must say.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct ProvenanceConfig {
    /// Attestation files or folders (bundles, `.intoto.jsonl`, DSSE envelopes).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub attestations: Vec<std::path::PathBuf>,
    /// The PEM public key of key-signed attestations.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<std::path::PathBuf>,
    /// A trusted root (`trusted_root.json`); default the production one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trusted_root: Option<std::path::PathBuf>,
    /// Who must have signed keyless attestations (exact, or a pattern),
    /// and the OIDC issuer; default the reusable workflows of
    /// slsa-github-generator on GitHub Actions.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub certificate_identity: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    /// The signer's identity as a regular expression (anchored at both ends).
    pub certificate_identity_regexp: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    /// The OIDC issuer of keyless attestations, exactly.
    pub certificate_oidc_issuer: Option<String>,
    /// Every part that carries code needs a verified attestation.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub require_provenance: bool,
    /// Per-part rules.
    #[serde(rename = "part", skip_serializing_if = "Vec::is_empty")]
    pub parts: Vec<PartProvenanceRule>,
}

impl ProvenanceConfig {
    /// Nothing set (kept out of reports' policy settings then).
    pub fn is_empty(&self) -> bool {
        *self == ProvenanceConfig::default()
    }
}

/// `[registries]`: where internal packages must come from (dependency
/// confusion), and the files that say where they come from (paths
/// relative to the policy file; `--wkg-config`, `--lock` and `--spin` add
/// to them).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct RegistriesConfig {
    /// Internal namespace (lowercase kebab-case, as WIT and wkg write
    /// them) → the registry its packages must come from (`host` or
    /// `host:port`, as wkg names registries):
    /// `internal = { myorg = "registry.myorg.example" }`.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub internal: BTreeMap<String, String>,
    /// wkg's configuration file (`~/.config/wasm-pkg/config.toml`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wkg_config: Option<std::path::PathBuf>,
    /// `wkg.lock` and `Cargo-component.lock` files.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub locks: Vec<std::path::PathBuf>,
    /// `spin.toml` manifests.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub spin: Vec<std::path::PathBuf>,
}

impl RegistriesConfig {
    /// Nothing set (kept out of reports' policy settings then).
    pub fn is_empty(&self) -> bool {
        *self == RegistriesConfig::default()
    }
}

/// `[limits]`: each overrides the default limit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct LimitsConfig {
    /// `max-file-size`: largest input accepted, in bytes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_file_size: Option<u64>,
    /// `max-depth`: deepest nesting accepted (the root is depth 0).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_depth: Option<u32>,
    /// `max-nodes`: most nodes accepted in one input.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_nodes: Option<u64>,
    /// `max-dep-v0-size`: largest decompressed `.dep-v0` section, in bytes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_dep_v0_size: Option<u64>,
    /// `max-wiring-work`: most steps the wiring resolution may take on one
    /// input.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_wiring_work: Option<u64>,
}

impl LimitsConfig {
    /// The limits with these overrides applied over `base`.
    pub fn apply(&self, base: Limits) -> Limits {
        Limits {
            max_file_size: self.max_file_size.unwrap_or(base.max_file_size),
            max_depth: self.max_depth.unwrap_or(base.max_depth),
            max_nodes: self.max_nodes.unwrap_or(base.max_nodes),
            max_dep_v0_size: self.max_dep_v0_size.unwrap_or(base.max_dep_v0_size),
            max_wiring_work: self.max_wiring_work.unwrap_or(base.max_wiring_work),
        }
    }

    /// Field by field, the limit `self` sets, else the one `under` sets:
    /// the one place where command-line flags are laid over the policy
    /// (a new limit needs one line here and one in [`apply`](Self::apply);
    /// names, origins and messages follow from the serde names).
    pub fn over(&self, under: &LimitsConfig) -> LimitsConfig {
        LimitsConfig {
            max_file_size: self.max_file_size.or(under.max_file_size),
            max_depth: self.max_depth.or(under.max_depth),
            max_nodes: self.max_nodes.or(under.max_nodes),
            max_dep_v0_size: self.max_dep_v0_size.or(under.max_dep_v0_size),
            max_wiring_work: self.max_wiring_work.or(under.max_wiring_work),
        }
    }

    /// The knobs this sets, by their policy key (`max-depth`; the flag is
    /// `--max-depth`), with their values.
    pub fn knobs(&self) -> Vec<(String, String)> {
        match serde_json::to_value(self) {
            Ok(serde_json::Value::Object(map)) => {
                map.into_iter().map(|(k, v)| (k, v.to_string())).collect()
            }
            _ => Vec::new(),
        }
    }
}

/// The whole policy.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct Policy {
    /// A RustSec advisory database directory (`advisory-db = "..."`,
    /// relative to the policy file): each module's `.dep-v0` crates are
    /// matched against it. `--advisory-db` overrides it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub advisory_db: Option<std::path::PathBuf>,
    /// `[trust]`: trust sets and whether they must be signed.
    pub trust: TrustConfig,
    /// `[nodes]`: severities of `unknown-code` and `substituted`.
    pub nodes: NodesConfig,
    /// `[capabilities]`: allowed and denied host capabilities.
    pub capabilities: CapabilitiesConfig,
    /// `[limits]`: overrides of the default limits.
    pub limits: LimitsConfig,
    /// `[provenance]`: attestations and what they must say.
    #[serde(skip_serializing_if = "ProvenanceConfig::is_empty")]
    pub provenance: ProvenanceConfig,
    /// `[registries]`: internal namespaces and where they must come from.
    #[serde(skip_serializing_if = "RegistriesConfig::is_empty")]
    pub registries: RegistriesConfig,
    /// Finding code → severity, overriding the defaults.
    pub severity: BTreeMap<String, Severity>,
}

/// A policy that does not parse or is invalid.
#[derive(Debug, thiserror::Error)]
#[error("{path}:{line}: {message}")]
pub struct PolicyError {
    /// The policy file, as named to [`Policy::parse`].
    pub path: String,
    /// 1-based line of the offending key or value (1 when the TOML parser
    /// gives no position).
    pub line: usize,
    /// What is wrong, in one line.
    pub message: String,
}

/// Largest policy file read: far above any real policy, and a bound on
/// what a path such as `/dev/zero` could make the tool read.
pub const MAX_POLICY_SIZE: u64 = 1 << 20;

/// The policy written by `wasm-audit init`.
pub const STARTER_POLICY: &str = include_str!("../../testdata/wasm-audit.toml.example");

/// 1-based line of a byte offset.
fn line_of(text: &str, offset: usize) -> usize {
    text.get(..offset.min(text.len()))
        .map(|t| t.matches('\n').count() + 1)
        .unwrap_or(1)
}

/// Checks a capability pattern: interface-name characters and `*`.
fn check_pattern(p: &str) -> Result<(), String> {
    if p.is_empty() {
        return Err("empty capability pattern".into());
    }
    if let Some(c) = p
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || "-:/@.*_+%".contains(*c)))
    {
        return Err(format!("capability pattern {p:?} has the character {c:?}"));
    }
    Ok(())
}

/// One step of a path into the policy document: a table key or an array index.
#[derive(Debug, Clone, Copy)]
enum Step<'a> {
    Key(&'a str),
    Index(usize),
}

/// The policy text parsed a second time, keeping where each value is
/// written (`toml`'s spans), so that a value that parses but is invalid is
/// reported at its own line: what a search for its text could not do when
/// the same text appears twice.
struct Located<'i> {
    doc: Option<toml::Spanned<toml::de::DeTable<'i>>>,
}

impl<'i> Located<'i> {
    fn parse(text: &'i str) -> Self {
        Located {
            doc: toml::de::DeTable::parse(text).ok(),
        }
    }

    /// Byte offset where the value at `path` is written, if it is.
    fn find(&self, path: &[Step]) -> Option<usize> {
        let doc = self.doc.as_ref()?;
        let (first, rest) = path.split_first()?;
        let Step::Key(k) = first else {
            return None;
        };
        let mut here = doc.get_ref().get(*k)?;
        for step in rest {
            here = match (step, here.get_ref()) {
                (Step::Key(k), toml::de::DeValue::Table(t)) => t.get(*k)?,
                (Step::Index(i), toml::de::DeValue::Array(a)) => a.get(*i)?,
                _ => return None,
            };
        }
        Some(here.span().start)
    }

    /// Whether the policy writes a value at `path` (defaults are not written).
    fn has(&self, path: &[Step]) -> bool {
        self.find(path).is_some()
    }
}

impl Policy {
    /// Parses a policy. `path` names the file in messages.
    pub fn parse(path: &str, text: &str) -> Result<Policy, PolicyError> {
        use Step::{Index, Key};
        let err = |offset: usize, message: String| PolicyError {
            path: path.to_string(),
            line: line_of(text, offset),
            message,
        };
        let policy: Policy = toml::from_str(text).map_err(|e| {
            let offset = e.span().map(|s| s.start).unwrap_or(0);
            err(offset, e.message().trim().to_string())
        })?;
        // Values that parse but are not valid: point at where they are written.
        let doc = Located::parse(text);
        let at = |path: &[Step]| doc.find(path).unwrap_or(0);
        let caps = &policy.capabilities;
        let mut patterns: Vec<(&String, Vec<Step>)> = Vec::new();
        for (list, name) in [
            (caps.allow.as_deref(), "allow"),
            (Some(&caps.deny[..]), "deny"),
        ] {
            for (i, p) in list.unwrap_or_default().iter().enumerate() {
                patterns.push((p, vec![Key("capabilities"), Key(name), Index(i)]));
            }
        }
        for (j, rule) in policy.provenance.parts.iter().enumerate() {
            if rule.matches.trim().is_empty() {
                return Err(err(
                    at(&[Key("provenance"), Key("part"), Index(j), Key("match")]),
                    "a provenance part rule needs a non-empty `match`".into(),
                ));
            }
        }
        let prov = &policy.provenance;
        if prov.certificate_identity.is_some() && prov.certificate_identity_regexp.is_some() {
            return Err(err(
                at(&[Key("provenance"), Key("certificate-identity-regexp")]),
                "give certificate-identity or certificate-identity-regexp, not both".into(),
            ));
        }
        if (prov.certificate_identity.is_some() || prov.certificate_identity_regexp.is_some())
            != prov.certificate_oidc_issuer.is_some()
        {
            return Err(err(
                at(&[Key("provenance")]),
                "certificate-identity (or -regexp) and certificate-oidc-issuer go together".into(),
            ));
        }
        for (j, rule) in caps.components.iter().enumerate() {
            for (list, name) in [
                (rule.allow.as_deref(), "allow"),
                (Some(&rule.deny[..]), "deny"),
            ] {
                for (i, p) in list.unwrap_or_default().iter().enumerate() {
                    patterns.push((
                        p,
                        vec![
                            Key("capabilities"),
                            Key("component"),
                            Index(j),
                            Key(name),
                            Index(i),
                        ],
                    ));
                }
            }
            if rule.matches.trim().is_empty() {
                return Err(err(
                    at(&[
                        Key("capabilities"),
                        Key("component"),
                        Index(j),
                        Key("match"),
                    ]),
                    "a component rule needs a non-empty `match`".into(),
                ));
            }
        }
        for (p, where_) in &patterns {
            check_pattern(p).map_err(|m| err(at(where_), m))?;
        }
        for (code, severity) in &policy.severity {
            let here = at(&[Key("severity"), Key(code)]);
            let Some(finding) = crate::check::diags::Code::from_name(code) else {
                return Err(err(
                    here,
                    format!(
                        "unknown finding code `{code}` (known: {})",
                        crate::check::diags::Code::ALL
                            .iter()
                            .map(|c| c.name())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ));
            };
            if finding.fail_closed() && *severity != Severity::Deny {
                let why = match finding {
                    crate::check::diags::Code::LimitExceeded => {
                        "an input past a limit was not audited; raise the limit instead"
                    }
                    crate::check::diags::Code::ImportedCode => {
                        "code the host supplies at link time cannot be audited"
                    }
                    crate::check::diags::Code::ProvenanceInvalid => {
                        "an attestation that does not verify may be forged"
                    }
                    _ => "a bad signature fails the audit whatever the policy says",
                };
                return Err(err(here, format!("`{code}` always denies: {why}")));
            }
            // `[nodes]` names two of these codes too: two places must not
            // say two different things.
            let nodes_key = match finding {
                crate::check::diags::Code::UnknownCode => Some(("unknown", policy.nodes.unknown)),
                crate::check::diags::Code::Substituted => {
                    Some(("substituted", policy.nodes.substituted))
                }
                _ => None,
            };
            if let Some((key, nodes_severity)) = nodes_key {
                if doc.has(&[Key("nodes"), Key(key)]) && nodes_severity != *severity {
                    return Err(err(
                        here,
                        format!(
                            "`[severity] {code} = \"{}\"` contradicts `[nodes] {key} = \"{}\"` \
                             (line {}): they set the same thing; keep one",
                            severity.as_str(),
                            nodes_severity.as_str(),
                            line_of(text, at(&[Key("nodes"), Key(key)]))
                        ),
                    ));
                }
            }
        }
        for (ns, registry) in &policy.registries.internal {
            let here = at(&[Key("registries"), Key("internal"), Key(ns)]);
            if !crate::trust::origin::is_label(ns) {
                return Err(err(
                    here,
                    format!(
                        "`{ns}` is not a namespace as WIT and wkg write them (lowercase kebab-case){}",
                        if crate::trust::origin::is_label(&ns.to_ascii_lowercase()) {
                            format!("; write `{}`", ns.to_ascii_lowercase())
                        } else {
                            String::new()
                        }
                    ),
                ));
            }
            crate::trust::origin::registry_name(registry)
                .map_err(|why| err(here, format!("[registries] internal.{ns}: {why}")))?;
        }
        for (key, zero) in [
            ("max-depth", policy.limits.max_depth == Some(0)),
            ("max-nodes", policy.limits.max_nodes == Some(0)),
        ] {
            if zero {
                return Err(err(
                    at(&[Key("limits"), Key(key)]),
                    format!("{key} must be at least 1"),
                ));
            }
        }
        Ok(policy)
    }

    /// Reads and parses a policy file; set paths are made relative to its directory.
    pub fn load(path: &Path) -> Result<Policy, crate::Error> {
        Self::load_with_digest(path).map(|(policy, _)| policy)
    }

    /// [`load`](Self::load), with the `sha256:` digest of the exact bytes
    /// that were parsed (the file is read once).
    pub fn load_with_digest(path: &Path) -> Result<(Policy, String), crate::Error> {
        use std::io::Read;
        let read_err = |e: std::io::Error| match e.kind() {
            std::io::ErrorKind::NotFound => crate::Error::NotFound {
                path: path.to_path_buf(),
            },
            _ => crate::Error::Read {
                path: path.to_path_buf(),
                source: e,
            },
        };
        let mut bytes = Vec::new();
        std::fs::File::open(path)
            .and_then(|f| f.take(MAX_POLICY_SIZE + 1).read_to_end(&mut bytes))
            .map_err(read_err)?;
        let invalid = |m: String| crate::Error::Usage(format!("invalid policy: {m}"));
        if bytes.len() as u64 > MAX_POLICY_SIZE {
            return Err(invalid(format!(
                "{}: larger than {MAX_POLICY_SIZE} bytes",
                path.display()
            )));
        }
        let digest = crate::digest::sha256(&bytes);
        let text = std::str::from_utf8(&bytes)
            .map_err(|e| invalid(format!("{}: not UTF-8 text: {e}", path.display())))?;
        let mut policy =
            Policy::parse(&path.display().to_string(), text).map_err(|e| invalid(e.to_string()))?;
        let base = path.parent().unwrap_or(Path::new(""));
        for set in &mut policy.trust.sets {
            set.path = base.join(&set.path);
            set.signature = set.signature.as_ref().map(|p| base.join(p));
            set.key = set.key.as_ref().map(|p| base.join(p));
            set.trusted_root = set.trusted_root.as_ref().map(|p| base.join(p));
        }
        let prov = &mut policy.provenance;
        for a in &mut prov.attestations {
            *a = base.join(&*a);
        }
        prov.key = prov.key.as_ref().map(|p| base.join(p));
        prov.trusted_root = prov.trusted_root.as_ref().map(|p| base.join(p));
        policy.advisory_db = policy.advisory_db.as_ref().map(|p| base.join(p));
        let reg = &mut policy.registries;
        reg.wkg_config = reg.wkg_config.as_ref().map(|p| base.join(p));
        for p in reg.locks.iter_mut().chain(reg.spin.iter_mut()) {
            *p = base.join(&*p);
        }
        Ok((policy, digest))
    }

    /// The severity of a finding code under this policy.
    pub fn severity(&self, code: crate::check::diags::Code) -> Severity {
        use crate::check::diags::Code;
        if code.fail_closed() {
            return Severity::Deny;
        }
        if let Some(s) = self.severity.get(code.name()) {
            return *s;
        }
        match code {
            Code::UnknownCode => self.nodes.unknown,
            Code::Substituted => self.nodes.substituted,
            other => other.default_severity(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_keys_are_rejected_with_their_line() {
        let text = "[nodes]\nunknown = \"deny\"\n\n[capabilities]\ndenny = [\"wasi:sockets/*\"]\n";
        let e = Policy::parse("p.toml", text).expect_err("unknown key");
        assert_eq!(e.line, 5, "{e}");
        assert!(e.message.contains("denny"), "{e}");
    }

    #[test]
    fn invalid_values_are_rejected_with_their_line() {
        let e =
            Policy::parse("p.toml", "[nodes]\nunknown = \"maybe\"\n").expect_err("bad severity");
        assert_eq!(e.line, 2, "{e}");
        let e = Policy::parse("p.toml", "\n[severity]\nsignature-invalid = \"warn\"\n")
            .expect_err("fail closed");
        assert_eq!(e.line, 3, "{e}");
        let e = Policy::parse("p.toml", "[severity]\nno-such-code = \"warn\"\n").expect_err("code");
        assert!(e.message.contains("unknown finding code"), "{e}");
        let e = Policy::parse("p.toml", "[capabilities]\ndeny = [\"wasi sockets\"]\n")
            .expect_err("pattern");
        assert_eq!(e.line, 2, "{e}");
    }

    #[test]
    fn invalid_values_are_located_by_their_place_not_their_text() {
        // The same bad pattern twice: the error names the second place,
        // where the rule that is wrong is written.
        let text = "[capabilities]\nallow = [\"wasi:cli/*\"]\n\n[[capabilities.component]]\nmatch = \"x\"\nallow = [\"wasi:cli/*\", \"bad pattern\"]\n\n[[capabilities.component]]\nmatch = \"y\"\nallow = [\"bad pattern\"]\n";
        let e = Policy::parse("p.toml", text).expect_err("bad pattern");
        assert_eq!(e.line, 6, "{e}");
        // `match` appears in a comment before the rule.
        let text = "# match the logger\n[[capabilities.component]]\nmatch = \" \"\n";
        let e = Policy::parse("p.toml", text).expect_err("empty match");
        assert_eq!(e.line, 3, "{e}");
        // The code name appears in a comment first.
        let text = "# limit-exceeded: never softened\n[severity]\nlimit-exceeded = \"warn\"\n";
        let e = Policy::parse("p.toml", text).expect_err("fail closed");
        assert_eq!(e.line, 3, "{e}");
        let e = Policy::parse("p.toml", "# max-depth\n[limits]\nmax-depth = 0\n").expect_err("0");
        assert_eq!(e.line, 3, "{e}");
    }

    #[test]
    fn nodes_and_severity_must_not_contradict_each_other() {
        let text = "[nodes]\nunknown = \"warn\"\n\n[severity]\nunknown-code = \"deny\"\n";
        let e = Policy::parse("p.toml", text).expect_err("contradiction");
        assert_eq!(e.line, 5, "{e}");
        assert!(e.message.contains("line 2"), "{e}");
        let text = "[nodes]\nsubstituted = \"deny\"\n[severity]\nsubstituted = \"warn\"\n";
        assert!(Policy::parse("p.toml", text).is_err());
        // Saying the same thing twice is redundant, not contradictory; the
        // default of `[nodes]` does not count as written.
        let text = "[nodes]\nunknown = \"warn\"\n[severity]\nunknown-code = \"warn\"\n";
        let p = Policy::parse("p.toml", text).expect("agreeing");
        assert_eq!(
            p.severity(crate::check::diags::Code::UnknownCode),
            Severity::Warn
        );
        let p = Policy::parse("p.toml", "[severity]\nunknown-code = \"warn\"\n").expect("one");
        assert_eq!(
            p.severity(crate::check::diags::Code::UnknownCode),
            Severity::Warn
        );
    }

    #[test]
    fn registries_are_validated_where_written() {
        let text = "[registries]\ninternal = { myorg = \"registry.myorg.example\", acme = \"localhost:5000\" }\n";
        let p = Policy::parse("p.toml", text).expect("valid");
        assert_eq!(p.registries.internal.len(), 2);
        let text = "# MyOrg\n[registries]\n\ninternal = { MyOrg = \"r.example\" }\n";
        let e = Policy::parse("p.toml", text).expect_err("uppercase namespace");
        assert_eq!(e.line, 4, "{e}");
        assert!(e.message.contains("write `myorg`"), "{e}");
        for bad in ["https://r.example", "r.example/", "r.example:x", ""] {
            let text = format!("[registries.internal]\nmyorg = \"{bad}\"\n");
            let e = Policy::parse("p.toml", &text).expect_err(bad);
            assert_eq!(e.line, 2, "{bad}: {e}");
        }
        let e = Policy::parse("p.toml", "[registries]\nlock = [\"wkg.lock\"]\n").expect_err("key");
        assert!(e.message.contains("lock"), "{e}");
    }

    #[test]
    fn defaults_fail_closed() {
        let p = Policy::parse("p.toml", "").expect("empty policy");
        assert!(p.trust.require_signature);
        assert_eq!(p.nodes.unknown, Severity::Deny);
        assert_eq!(p.nodes.substituted, Severity::Deny);
    }

    #[test]
    fn the_starter_policy_parses() {
        let p = Policy::parse("wasm-audit.toml", STARTER_POLICY).expect("starter policy");
        assert!(p.trust.require_signature);
        // Its examples are commented out: the next `check` must not look
        // for files that do not exist.
        assert!(p.trust.sets.is_empty(), "{:?}", p.trust.sets);
        assert!(p.capabilities.components.is_empty());
        // Every commented example parses once uncommented.
        let uncommented: String = STARTER_POLICY
            .lines()
            .map(|l| match l.strip_prefix("# ") {
                Some(rest) if rest.contains(" = ") || rest.starts_with('[') => rest,
                _ => l,
            })
            .map(|l| format!("{l}\n"))
            .collect();
        let p = Policy::parse("wasm-audit.toml", &uncommented).expect("uncommented starter");
        assert!(!p.trust.sets.is_empty());
        assert!(!p.capabilities.components.is_empty());
    }
}
