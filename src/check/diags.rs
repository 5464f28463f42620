//! Every finding the audit can make: its stable kebab-case code (unique,
//! documented in the README, the SARIF rule id), its description, its
//! default severity, and the one constructor that writes its message. The
//! report ([`super::report`]) decides which findings there are; only this
//! file says how each reads.

use serde::{Deserialize, Serialize};

use crate::model::capability::Capability;
use crate::model::wiring::ImportedCode;
use crate::model::{Analysis, Class, Node, NodeKind};
use crate::trust::{TrustEntry, TrustSet};

/// What a kind of finding does to the verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Severity {
    /// Fails the audit.
    Deny,
    /// Reported, does not fail the audit.
    Warn,
    /// Not reported.
    Allow,
}

impl Severity {
    /// The kebab-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Deny => "deny",
            Severity::Warn => "warn",
            Severity::Allow => "allow",
        }
    }
}

/// The kinds of findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Code {
    /// A module with function bodies whose digest is not trusted and that has
    /// no trusted ancestor.
    UnknownCode,
    /// A node whose name matches a trusted entry but whose bytes differ.
    Substituted,
    /// A trust set's signature does not verify with the given key (or is
    /// malformed, or a bundle's digest is not the set's): the set is not used.
    SignatureInvalid,
    /// A trust set without a signature while the policy requires one.
    TrustSetUnsigned,
    /// A capability that the policy denies reaches a part.
    CapabilityDenied,
    /// A trust entry that matched no node of any input.
    UnusedTrustEntry,
    /// A policy rule (a per-component capability rule) that matched no part.
    UnusedPolicyRule,
    /// An input exceeded a limit (depth, nodes, size, `.dep-v0`, wiring
    /// work): it was not audited.
    LimitExceeded,
    /// The composition instantiates a core module or component that the
    /// host supplies at link time: code that cannot be audited.
    ImportedCode,
    /// A part that needs provenance has no verified attestation naming its digest.
    ProvenanceMissing,
    /// An attestation that does not verify (signature, certificate, log,
    /// statement): it vouches for nothing.
    ProvenanceInvalid,
    /// A verified attestation names the part but its provenance is not
    /// what the policy requires (source, builder, tag, branch).
    ProvenanceMismatch,
    /// A keyless attestation whose certificate identity or issuer is not
    /// the one the policy names.
    IdentityMismatch,
    /// A module's `.dep-v0` names a crate version that a RustSec
    /// vulnerability advisory affects.
    VulnerableCrate,
    /// A module's `.dep-v0` names a crate that an advisory says is
    /// unmaintained.
    UnmaintainedCrate,
    /// A module's `.dep-v0` names a crate version that an advisory says is
    /// unsound.
    UnsoundCrate,
    /// An internal namespace (policy `[registries] internal`) is locked to,
    /// or resolved by the wkg configuration to, another registry, or left
    /// to the default registry or wkg's built-in fallbacks.
    NamespaceConfusion,
    /// A Spin registry source or dependency, or a URL source without a
    /// digest: the registry decides which bytes it serves.
    UnpinnedSource,
    /// An import named with `integrity=<…>` is satisfied by a node whose
    /// bytes have another digest (or the metadata cannot be checked).
    IntegrityMismatch,
    /// An import named with `integrity=<…>` that the composition does not
    /// satisfy itself (the host supplies it): its bytes were not checked.
    IntegrityUnverified,
    /// An OCI input whose Wasm artifact config or annotations contradict
    /// the binary (imports, exports, layer digests, os, metadata).
    OciConfigMismatch,
}

impl Code {
    /// Every code, in documentation order.
    pub const ALL: &'static [Code] = &[
        Code::UnknownCode,
        Code::Substituted,
        Code::SignatureInvalid,
        Code::TrustSetUnsigned,
        Code::CapabilityDenied,
        Code::UnusedTrustEntry,
        Code::UnusedPolicyRule,
        Code::LimitExceeded,
        Code::ImportedCode,
        Code::ProvenanceMissing,
        Code::ProvenanceInvalid,
        Code::ProvenanceMismatch,
        Code::IdentityMismatch,
        Code::VulnerableCrate,
        Code::UnmaintainedCrate,
        Code::UnsoundCrate,
        Code::NamespaceConfusion,
        Code::UnpinnedSource,
        Code::IntegrityMismatch,
        Code::IntegrityUnverified,
        Code::OciConfigMismatch,
    ];

    /// The stable kebab-case name.
    pub fn name(self) -> &'static str {
        match self {
            Code::UnknownCode => "unknown-code",
            Code::Substituted => "substituted",
            Code::SignatureInvalid => "signature-invalid",
            Code::TrustSetUnsigned => "trust-set-unsigned",
            Code::CapabilityDenied => "capability-denied",
            Code::UnusedTrustEntry => "unused-trust-entry",
            Code::UnusedPolicyRule => "unused-policy-rule",
            Code::LimitExceeded => "limit-exceeded",
            Code::ImportedCode => "imported-code",
            Code::ProvenanceMissing => "provenance-missing",
            Code::ProvenanceInvalid => "provenance-invalid",
            Code::ProvenanceMismatch => "provenance-mismatch",
            Code::IdentityMismatch => "identity-mismatch",
            Code::VulnerableCrate => "vulnerable-crate",
            Code::UnmaintainedCrate => "unmaintained-crate",
            Code::UnsoundCrate => "unsound-crate",
            Code::NamespaceConfusion => "namespace-confusion",
            Code::UnpinnedSource => "unpinned-source",
            Code::IntegrityMismatch => "integrity-mismatch",
            Code::IntegrityUnverified => "integrity-unverified",
            Code::OciConfigMismatch => "oci-config-mismatch",
        }
    }

    /// The code named `name`.
    pub fn from_name(name: &str) -> Option<Code> {
        Code::ALL.iter().copied().find(|c| c.name() == name)
    }

    /// One line for people (SARIF rule descriptions, the README table).
    pub fn description(self) -> &'static str {
        match self {
            Code::UnknownCode => "Code (a module or component that can act: function bodies, a start function, active data or element segments, exported definitions with initial contents) whose digest is not in any trusted set and that no trusted ancestor covers.",
            Code::Substituted => "A node carries the name of a trusted entry but different bytes: a substitution.",
            Code::SignatureInvalid => "A trust set's signature does not verify over its exact bytes with the given key; the set is not used.",
            Code::TrustSetUnsigned => "A trust set has no signature while the policy requires one (the default).",
            Code::CapabilityDenied => "A host capability that the policy denies reaches a part of the composition.",
            Code::UnusedTrustEntry => "A trusted digest matched no node of the audited inputs.",
            Code::UnusedPolicyRule => "A per-component capability rule matched no part of the audited inputs.",
            Code::LimitExceeded => "An input exceeded a limit (depth, node count, file size, decompressed .dep-v0, wiring work) and was not audited.",
            Code::ImportedCode => "The composition instantiates a core module or component supplied by the host at link time: code that cannot be audited.",
            Code::ProvenanceMissing => "A part the policy requires provenance for has no verified attestation naming its digest (and meeting the policy's source, builder, tag and branch).",
            Code::ProvenanceInvalid => "An attestation does not verify (signature, certificate chain, transparency log, statement): it vouches for nothing.",
            Code::ProvenanceMismatch => "A verified attestation names the part, but its SLSA provenance is not what the policy requires (source, builder, tag, versioned tag, branch).",
            Code::IdentityMismatch => "A keyless attestation was signed by another identity or OIDC issuer than the policy names: it vouches for nothing.",
            Code::VulnerableCrate => "A module's cargo-auditable `.dep-v0` names a crate version that a RustSec vulnerability advisory affects (--advisory-db).",
            Code::UnmaintainedCrate => "A module's cargo-auditable `.dep-v0` names a crate that a RustSec advisory says is unmaintained (--advisory-db).",
            Code::UnsoundCrate => "A module's cargo-auditable `.dep-v0` names a crate version that a RustSec advisory says is unsound (--advisory-db).",
            Code::NamespaceConfusion => "An internal namespace ([registries] internal) is locked to another registry (wkg.lock, Cargo-component.lock, spin.toml), resolved by the wkg configuration to another registry, or left to the default registry or wkg's built-in fallbacks: dependency confusion.",
            Code::UnpinnedSource => "A Spin registry source or dependency (which spin.toml cannot pin by digest), or a URL source without a digest: the registry or server decides which bytes it serves.",
            Code::IntegrityMismatch => "An import named with integrity=<...> is satisfied in the composition by a node whose bytes have another digest, or its integrity metadata cannot be checked (malformed, unknown algorithm).",
            Code::IntegrityUnverified => "An import named with integrity=<...> is not satisfied inside the composition (the host supplies it, or the analysis cannot tell which node does): the audit did not check its bytes.",
            Code::OciConfigMismatch => "An OCI input (oci://, oci-layout:) whose Wasm artifact config (application/vnd.wasm.config.v0+json) or manifest annotations contradict the binary: component imports or exports, layerDigests, os, architecture, created, or the version/source/revision annotations against the wasm-metadata.",
        }
    }

    /// Severity when the policy says nothing.
    pub fn default_severity(self) -> Severity {
        match self {
            Code::UnusedTrustEntry
            | Code::UnusedPolicyRule
            | Code::UnmaintainedCrate
            | Code::UnsoundCrate
            | Code::UnpinnedSource
            | Code::IntegrityUnverified => Severity::Warn,
            _ => Severity::Deny,
        }
    }

    /// Codes no policy can soften: the audit fails closed on them. Each
    /// stands for something that was not audited at all (a trust set that
    /// is not what was signed, an input past a limit, code the host
    /// supplies), so no severity may turn it into a pass.
    pub fn fail_closed(self) -> bool {
        matches!(
            self,
            Code::SignatureInvalid
                | Code::LimitExceeded
                | Code::ImportedCode
                | Code::ProvenanceInvalid
        )
    }
}

/// A finding before the policy gives it a severity: what it is about and
/// what it says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diag {
    /// The finding's stable code.
    pub code: Code,
    /// The input (or trust set, or policy) file it is about.
    pub file: Option<String>,
    /// The node path it is about.
    pub path: Option<String>,
    /// `sha256:<hex>` of the node, trust set file or trust entry it is about.
    pub digest: Option<String>,
    /// One line for a human reader.
    pub message: String,
    /// The advisory, for the advisory findings.
    pub advisory: Option<AdvisoryRef>,
}

/// What an advisory finding is about, for machine readers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdvisoryRef {
    /// `RUSTSEC-2021-0003`.
    pub id: String,
    /// The crate and its version, as `.dep-v0` records them.
    #[serde(rename = "crate")]
    pub krate: String,
    /// The crate's version.
    pub version: String,
    /// The requirements of the fixed versions (empty: none is fixed).
    pub patched: Vec<String>,
    /// CVE and GHSA ids of the same vulnerability.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// The advisory's page.
    pub url: String,
}

impl Diag {
    fn new(
        code: Code,
        file: Option<&str>,
        path: Option<&str>,
        digest: Option<&str>,
        message: String,
    ) -> Diag {
        Diag {
            code,
            file: file.map(str::to_string),
            path: path.map(str::to_string),
            digest: digest.map(str::to_string),
            message,
            advisory: None,
        }
    }

    /// A finding about `node` of the input `file`.
    fn at(code: Code, file: &str, node: &Node, message: String) -> Diag {
        Diag::new(
            code,
            Some(file),
            Some(&node.path),
            Some(&node.digest),
            message,
        )
    }

    /// `vulnerable-crate`, `unmaintained-crate` or `unsound-crate`: module
    /// `node` of `file` carries `krate`, which `advisory` affects.
    pub fn advisory(
        file: &str,
        node: &Node,
        krate: &crate::model::Crate,
        advisory: &crate::advisory::Advisory,
    ) -> Diag {
        use crate::advisory::Kind;
        let (code, what) = match advisory.kind {
            Kind::Unmaintained => (Code::UnmaintainedCrate, "unmaintained"),
            Kind::Unsound => (Code::UnsoundCrate, "unsound"),
            Kind::Vulnerability | Kind::Notice => (Code::VulnerableCrate, "vulnerable"),
        };
        let fix = if advisory.patched.is_empty() {
            "no patched version".to_string()
        } else {
            format!("patched: {}", advisory.patched.join(" or "))
        };
        let mut d = Diag::at(
            code,
            file,
            node,
            format!(
                "{what} crate {} {} in {}{}: {} {} ({fix})",
                krate.name,
                krate.version,
                node.path,
                named(node),
                advisory.id,
                advisory.title,
            ),
        );
        d.advisory = Some(AdvisoryRef {
            id: advisory.id.clone(),
            krate: krate.name.clone(),
            version: krate.version.clone(),
            patched: advisory.patched.clone(),
            aliases: advisory.aliases.clone(),
            url: advisory.rustsec_url(),
        });
        d
    }

    /// `trust-set-unsigned`: a set without a signature under a policy that
    /// requires one.
    pub fn trust_set_unsigned(set: &TrustSet) -> Diag {
        Diag::new(
            Code::TrustSetUnsigned,
            Some(&set.path),
            None,
            Some(&set.digest),
            format!(
                "trust set {} has no signature and the policy requires one; its {} entries are not used",
                set.path,
                set.entries.len()
            ),
        )
    }

    /// `signature-invalid`: the signature at `signature` does not verify `set`.
    pub fn signature_invalid(set: &TrustSet, signature: &str, reason: &str) -> Diag {
        Diag::new(
            Code::SignatureInvalid,
            Some(&set.path),
            None,
            Some(&set.digest),
            format!(
                "the signature {signature} does not verify trust set {}: {reason}; its entries are not used",
                set.path
            ),
        )
    }

    /// `limit-exceeded`: `file` was not analysed; `error` says which limit.
    pub fn limit_exceeded(file: &str, error: &crate::Error) -> Diag {
        Diag::new(
            Code::LimitExceeded,
            Some(file),
            None,
            None,
            error.to_string(),
        )
    }

    /// `substituted`: `node` carries the name of trusted `entry` with other bytes.
    pub fn substituted(file: &str, node: &Node, entry: Option<&TrustEntry>) -> Diag {
        Diag::at(
            Code::Substituted,
            file,
            node,
            match entry {
                Some(e) => format!(
                    "{} `{}` carries the name of trusted entry {} ({}) but its bytes are {}",
                    node.kind.as_str(),
                    node.name.as_deref().unwrap_or(""),
                    e.origin,
                    e.digest,
                    node.digest
                ),
                None => format!("{} carries a trusted name with other bytes", node.path),
            },
        )
    }

    /// `unknown-code`: node `i` of `a` acts and nothing trusts it; the
    /// message says what it is and why it needs trust.
    pub fn unknown_code(a: &Analysis, i: usize) -> Diag {
        let Some(node) = a.nodes.get(i) else {
            return Diag::new(Code::UnknownCode, Some(&a.file), None, None, String::new());
        };
        let holder = node
            .parent
            .and_then(|p| a.nodes.get(p))
            .map(|p| match &p.name {
                Some(n) => format!(" in {} `{n}`", p.path),
                None => format!(" in {}", p.path),
            })
            .unwrap_or_default();
        let what = if node.class == Class::Adapter {
            "WASI adapter code"
        } else {
            "code"
        };
        let message = if node.kind == NodeKind::Module && node.function_bodies > 0 {
            format!(
                "{what} with no trusted digest: {}{holder} ({} function bodies, {} bytes)",
                node.path, node.function_bodies, node.size
            )
        } else {
            let reasons: Vec<&str> = node
                .acts
                .iter()
                .chain(
                    a.wiring
                        .as_ref()
                        .and_then(|w| w.acts.get(i))
                        .into_iter()
                        .flatten(),
                )
                .map(String::as_str)
                .collect();
            format!(
                "{} that acts with no trusted digest: {}{holder} ({}; {} bytes)",
                node.kind.as_str(),
                node.path,
                reasons.join("; "),
                node.size
            )
        };
        Diag::at(Code::UnknownCode, &a.file, node, message)
    }

    /// `imported-code`: the composition instantiates code the host supplies.
    pub fn imported_code(file: &str, parent: &Node, ic: &ImportedCode) -> Diag {
        Diag::at(
            Code::ImportedCode,
            file,
            parent,
            format!(
                "{} instantiates a {} supplied by the host at link time (from root import `{}`, {}#{}[{}]): its code cannot be audited",
                parent.path,
                if ic.core { "core module" } else { "component" },
                ic.import,
                parent.path,
                if ic.core { "core-instance" } else { "instance" },
                ic.index
            ),
        )
    }

    /// `capability-denied`: `cap` reaches `node`; `why` is the rule.
    pub fn capability_denied(file: &str, node: &Node, cap: &Capability, why: &str) -> Diag {
        let via: Vec<&str> = cap.via.iter().map(|b| b.path.as_str()).collect();
        Diag::at(
            Code::CapabilityDenied,
            file,
            node,
            format!(
                "{} reaches {} {}{} ({why}; via {})",
                cap.label(),
                node.kind.as_str(),
                node.path,
                named(node),
                via.join(" → ")
            ),
        )
    }

    /// `unused-trust-entry`: `entry` of the set at `set_path` matched no node.
    pub fn unused_trust_entry(set_path: Option<&str>, entry: &TrustEntry) -> Diag {
        Diag::new(
            Code::UnusedTrustEntry,
            set_path,
            None,
            Some(&entry.digest),
            format!(
                "trust entry {}{} matched no node",
                entry.origin,
                entry
                    .name
                    .as_deref()
                    .map(|n| format!(" `{n}`"))
                    .unwrap_or_default()
            ),
        )
    }

    /// `provenance-missing`: `node` needs provenance and nothing verified vouches for it.
    pub fn provenance_missing(file: &str, node: &Node, why: &str) -> Diag {
        Diag::at(
            Code::ProvenanceMissing,
            file,
            node,
            format!(
                "{} {}{} has no verified provenance{why}",
                node.kind.as_str(),
                node.path,
                named(node),
            ),
        )
    }

    /// `provenance-invalid`: the attestation at `origin` does not verify.
    pub fn provenance_invalid(origin: &str, reason: &str) -> Diag {
        Diag::new(
            Code::ProvenanceInvalid,
            Some(origin),
            None,
            None,
            format!("attestation {origin} does not verify: {reason}; it vouches for nothing"),
        )
    }

    /// `provenance-mismatch`: `origin` names `node` but says something else.
    pub fn provenance_mismatch(file: &str, node: &Node, origin: &str, reason: &str) -> Diag {
        Diag::at(
            Code::ProvenanceMismatch,
            file,
            node,
            format!(
                "attestation {origin} names {} {} but {reason}",
                node.kind.as_str(),
                node.path
            ),
        )
    }

    /// `identity-mismatch`: the keyless attestation at `origin` was signed by someone else.
    pub fn identity_mismatch(origin: &str, reason: &str) -> Diag {
        Diag::new(
            Code::IdentityMismatch,
            Some(origin),
            None,
            None,
            format!("attestation {origin}: {reason}; it vouches for nothing"),
        )
    }

    /// `namespace-confusion`: at `origin` (`wkg.lock:12`) of `file`,
    /// `subject` (a package, a namespace mapping) `found` (is locked to
    /// ..., is left to ...), where the policy requires `required` for
    /// `namespace`.
    pub fn namespace_confusion(
        file: &str,
        origin: &str,
        subject: &str,
        found: &str,
        namespace: &str,
        required: &str,
    ) -> Diag {
        Diag::new(
            Code::NamespaceConfusion,
            Some(file),
            None,
            None,
            format!(
                "{origin}: {subject} {found}; the policy requires registry `{required}` for the internal namespace `{namespace}`"
            ),
        )
    }

    /// `unpinned-source`: at `origin` of `file`, `what` has no digest.
    pub fn unpinned_source(file: &str, origin: &str, what: &str, why: &str) -> Diag {
        Diag::new(
            Code::UnpinnedSource,
            Some(file),
            None,
            None,
            format!("{origin}: {what} has no digest: {why}"),
        )
    }

    /// `integrity-mismatch`: import `import` of `node` names integrity
    /// metadata that `reason` says is not met.
    pub fn integrity_mismatch(file: &str, node: &Node, import: &str, reason: &str) -> Diag {
        Diag::at(
            Code::IntegrityMismatch,
            file,
            node,
            format!(
                "import `{import}` of {} {}{}: {reason}",
                node.kind.as_str(),
                node.path,
                named(node)
            ),
        )
    }

    /// `oci-config-mismatch`: what the OCI artifact `source` says about the
    /// root that the binary contradicts.
    pub fn oci_config_mismatch(file: &str, root: &Node, source: &str, what: &str) -> Diag {
        Diag::at(
            Code::OciConfigMismatch,
            file,
            root,
            format!("{source}: {what}"),
        )
    }

    /// `integrity-unverified`: import `import` of `node` is satisfied
    /// outside what was audited.
    pub fn integrity_unverified(file: &str, node: &Node, import: &str, why: &str) -> Diag {
        Diag::at(
            Code::IntegrityUnverified,
            file,
            node,
            format!(
                "import `{import}` of {} {}{} carries integrity metadata but {why}: its bytes were not checked",
                node.kind.as_str(),
                node.path,
                named(node)
            ),
        )
    }

    /// `unused-policy-rule`: the capability rule for `matches` matched no part.
    pub fn unused_policy_rule(policy: Option<&str>, matches: &str) -> Diag {
        Diag::new(
            Code::UnusedPolicyRule,
            policy,
            None,
            None,
            format!("capability rule for `{matches}` matched no part"),
        )
    }
}

/// `` `name` `` after a node's path in a message, when the node has a name.
fn named(node: &Node) -> String {
    node.name
        .as_deref()
        .map(|n| format!(" `{n}`"))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_kebab_case_and_round_trip() {
        let mut names: Vec<&str> = Code::ALL.iter().map(|c| c.name()).collect();
        for n in &names {
            assert!(
                n.chars().all(|c| c.is_ascii_lowercase() || c == '-'),
                "{n} is kebab-case"
            );
            assert_eq!(Code::from_name(n).map(|c| c.name()), Some(*n));
        }
        let before = names.len();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), before, "codes are unique");
        // The serde name is the same as the stable name.
        for c in Code::ALL {
            assert_eq!(serde_json::to_value(c).expect("json"), c.name());
        }
    }

    #[test]
    fn every_code_is_documented_in_the_readme() {
        let readme = include_str!("../../README.md");
        for c in Code::ALL {
            assert!(
                readme.contains(&format!("`{}`", c.name())),
                "README documents {}",
                c.name()
            );
        }
    }
}
