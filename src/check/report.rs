//! The audit decision, made once: [`Report::generate`] is a pure function
//! from the analyses, the (already verified) trust sets and the policy to a
//! serialisable [`Report`] that embeds what it was made from. Renderers
//! only format a report; the exit code is read from its verdict.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::cfg::{ComponentRule, Policy};
use super::diags::{AdvisoryRef, Code, Diag, Severity};
use super::verdicts::{inside, names, needs_trust, node_verdicts, TrustIndex, Verdict};
use crate::document::{Tool, FORMAT_VERSION};
use crate::model::{Analysis, Class, NodeKind, Wiring};
use crate::provenance::attestation::Attestation;
use crate::provenance::{slsa, ProvenanceError};
use crate::trust::{CheckedSet, SetKind, SignatureStatus};

/// One input: its analysis, or why there is none.
#[derive(Debug)]
pub struct Input {
    /// The input as named on the command line (`-` for stdin).
    pub file: String,
    /// Its analysis, or the error that stopped it (a limit error becomes a
    /// `limit-exceeded` finding, any other an `error` outcome).
    pub analysis: Result<Analysis, crate::Error>,
}

/// Where the policy came from.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PolicySource {
    /// The policy file, if one was given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// `sha256:` of its exact bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
}

/// Pass or fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// No deny finding (for the whole report: and every input audited).
    Pass,
    /// A finding of severity `deny` (JSON `fail`).
    Fail,
    /// The input could not be audited (unreadable, malformed).
    Error,
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The finding's stable kebab-case code (`unknown-code`, ...).
    pub code: Code,
    /// Its severity after the policy: `warn` or `deny` (`allow` findings are
    /// dropped).
    pub severity: Severity,
    /// The input (or trust set, or policy) file it is about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// The node path it is about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// `sha256:<hex>` of the node, trust set file or trust entry it is about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
    /// One line for a human reader.
    pub message: String,
    /// The advisory of a `vulnerable-crate`, `unmaintained-crate` or
    /// `unsound-crate` finding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub advisory: Option<AdvisoryRef>,
}

/// The advisory database a report was made with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AdvisoryDbReport {
    /// The directory.
    pub path: String,
    /// Advisory files read (withdrawn ones included).
    pub advisories: usize,
}

/// A node with its verdict.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NodeReport {
    /// The input the node belongs to, as named on the command line.
    pub file: String,
    /// Node path: `/`, `/component[0]/module[1]`.
    pub path: String,
    /// Component or core module.
    pub kind: NodeKind,
    /// What the node is for.
    pub class: Class,
    /// The best name known (own name, else the one its parent gives it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `sha256:<hex>` of the node's bytes.
    pub digest: String,
    /// Where the node's `\0asm` preamble starts in the input, in bytes.
    pub offset: u64,
    /// How many bytes the node spans, preamble included.
    pub size: u64,
    /// The node's verdict (`trusted`, `covered`, `substituted`, `unknown`,
    /// `glue`).
    pub verdict: Verdict,
    /// The trust entry that lists this digest (`trusted`) or whose name it
    /// carries (`substituted`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entry: Option<String>,
    /// The verified attestations that vouch for this node's digest (and
    /// meet the policy's provenance rules for it).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub provenance: Vec<NodeProvenance>,
}

/// An attestation that vouches for a node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeProvenance {
    /// The attestation file (`file:LINE` for a line of a `.intoto.jsonl`).
    pub attestation: String,
    /// Who signed it: a certificate identity, or `key sha256:<hex>`.
    pub signer: String,
    /// The statement's predicate type.
    pub predicate_type: String,
    /// SLSA provenance: the builder id, the source and the commit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub builder_id: Option<String>,
    /// The source URI it names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// The git ref it names (`refs/tags/v1.0.0`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_ref: Option<String>,
    /// The source commit it names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
}

/// An attestation as the report records it.
#[derive(Debug, Clone, Serialize)]
pub struct AttestationReport {
    /// The attestation file (`file:LINE` for a line of a `.intoto.jsonl`).
    pub origin: String,
    /// Whether it verified (and so may vouch for nodes).
    pub verified: bool,
    /// Who signed it, when it verified.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signer: Option<String>,
    /// The `sha256:` digests of its subjects.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub subjects: Vec<String>,
    /// Why it did not verify.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// One input's outcome.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InputReport {
    /// The input as named on the command line.
    pub file: String,
    /// `sha256:<hex>` of the whole input; absent when it could not be analysed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
    /// `pass`, `fail` (a deny finding on it, or a trust set refused for every
    /// input), or `error`.
    pub verdict: Outcome,
    /// Why the input could not be audited (also set for a limit error, whose
    /// verdict is `fail`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// For an OCI input: the reference, the manifest digest and the wasm
    /// layer's digest (each recomputed from the bytes read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oci: Option<crate::model::OciSource>,
}

impl InputReport {
    /// An input that could not be audited: verdict `error`, with why.
    fn error(file: &str, e: &crate::Error) -> Self {
        InputReport {
            file: file.to_string(),
            digest: None,
            verdict: Outcome::Error,
            error: Some(e.to_string()),
            oci: None,
        }
    }
}

/// A trust set as the report records it.
#[derive(Debug, Clone, Serialize)]
pub struct SetReport {
    /// The trust set file as given.
    pub path: String,
    /// `sha256:<hex>` of the set file's exact bytes.
    pub digest: String,
    /// What format the set is in.
    pub kind: SetKind,
    /// How many entries it holds.
    pub entries: usize,
    /// Whether its entries were used (signature verified, or not required).
    pub used: bool,
    /// Whether its signature was verified, missing or invalid.
    pub signature: SignatureStatus,
}

/// Counts for summaries.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    /// How many inputs were audited (including those that failed to load).
    pub inputs: usize,
    /// How many nodes the report lists, over all inputs.
    pub nodes: usize,
    /// Node count per verdict name (`trusted`, `unknown`, ...).
    pub verdicts: BTreeMap<String, usize>,
    /// Findings of severity `deny`.
    pub denied: usize,
    /// Findings of severity `warn`.
    pub warnings: usize,
}

/// The audit report.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Always `wasm-audit-report`.
    pub format: &'static str,
    /// [`FORMAT_VERSION`] of the document.
    pub format_version: u32,
    /// The tool that wrote the report.
    pub tool: Tool,
    /// The audit's outcome: `fail` on any deny finding, else `error` when some
    /// input could not be audited, else `pass`. The exit code is read from it.
    pub verdict: Outcome,
    /// Counts over the report.
    pub summary: Summary,
    /// Findings that survived the policy (`allow` ones are dropped), in the
    /// order they were found.
    pub findings: Vec<Finding>,
    /// One entry per input, in the order given.
    pub inputs: Vec<InputReport>,
    /// Every node of every analysed input, each input's root first.
    pub nodes: Vec<NodeReport>,
    /// The trust sets given, in order, whether used or not.
    pub trust_sets: Vec<SetReport>,
    /// The attestations read, verified or not.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attestations: Vec<AttestationReport>,
    /// The advisory database matched against, when one was given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub advisory_db: Option<AdvisoryDbReport>,
    /// Where packages come from: the wkg configuration, lock files and
    /// Spin manifests read, and every source they name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<OriginReport>,
    /// The policy the report was made with.
    pub policy: PolicyReport,
}

/// The files read for where packages come from, and what they name.
#[derive(Debug, Clone, Serialize)]
pub struct OriginReport {
    /// Every file, the wkg configuration first.
    pub files: Vec<crate::trust::origin::OriginFile>,
    /// Every package or component source, with its registry.
    pub sources: Vec<crate::trust::origin::Source>,
}

/// The policy the report was made with.
#[derive(Debug, Clone, Serialize)]
pub struct PolicyReport {
    /// Where the policy came from (its `path` and `digest` keys sit at the top
    /// of the JSON `policy` object).
    #[serde(flatten)]
    pub source: PolicySource,
    /// The policy settings the audit applied, defaults filled in.
    pub settings: Policy,
}

impl Report {
    /// Decides the audit. Pure: no I/O, no clock, no randomness.
    pub fn generate(
        inputs: &[Input],
        sets: &[CheckedSet],
        policy: &Policy,
        source: PolicySource,
    ) -> Report {
        Report::generate_with(inputs, sets, &[], policy, source, None)
    }

    /// [`generate`](Self::generate), with the attestations read (and
    /// verified, or not) for the run, and each module's `.dep-v0` crates
    /// matched against an advisory database when one is given.
    pub fn generate_with(
        inputs: &[Input],
        sets: &[CheckedSet],
        attestations: &[Attestation],
        policy: &Policy,
        source: PolicySource,
        advisories: Option<&crate::advisory::Database>,
    ) -> Report {
        Report::generate_full(
            inputs,
            sets,
            attestations,
            &crate::trust::origin::Origins::default(),
            policy,
            source,
            advisories,
        )
    }

    /// [`generate_with`](Self::generate_with), with where packages come
    /// from (the wkg configuration, lock files, Spin manifests) checked
    /// against the policy's `[registries]`.
    pub fn generate_full(
        inputs: &[Input],
        sets: &[CheckedSet],
        attestations: &[Attestation],
        origins: &crate::trust::origin::Origins,
        policy: &Policy,
        source: PolicySource,
        advisories: Option<&crate::advisory::Database>,
    ) -> Report {
        let mut findings = Vec::new();
        let add = |findings: &mut Vec<Finding>, d: Diag| {
            let severity = policy.severity(d.code);
            if severity != Severity::Allow {
                findings.push(Finding {
                    code: d.code,
                    severity,
                    file: d.file,
                    path: d.path,
                    digest: d.digest,
                    message: d.message,
                    advisory: d.advisory,
                });
            }
        };

        // Which sets may be used: fail closed on signatures.
        let mut set_reports = Vec::new();
        let mut trust = TrustIndex::default();
        for (si, cs) in sets.iter().enumerate() {
            let used = match &cs.signature {
                SignatureStatus::Verified { .. } => true,
                SignatureStatus::Unsigned if !policy.trust.require_signature => true,
                SignatureStatus::Unsigned => {
                    add(&mut findings, Diag::trust_set_unsigned(&cs.set));
                    false
                }
                SignatureStatus::Invalid { path, reason } => {
                    add(
                        &mut findings,
                        Diag::signature_invalid(&cs.set, path, reason),
                    );
                    false
                }
            };
            if used {
                trust.add(si, &cs.set.entries);
            }
            set_reports.push(SetReport {
                path: cs.set.path.clone(),
                digest: cs.set.digest.clone(),
                kind: cs.set.kind,
                entries: cs.set.entries.len(),
                used,
                signature: cs.signature.clone(),
            });
        }

        // Attestations: only verified ones vouch; the others are findings.
        let mut attestation_reports = Vec::new();
        for att in attestations {
            match &att.outcome {
                Ok(v) => attestation_reports.push(AttestationReport {
                    origin: att.origin.clone(),
                    verified: true,
                    signer: Some(v.signer.clone()),
                    subjects: v
                        .statement
                        .subjects
                        .iter()
                        .filter_map(|s| s.digest())
                        .collect(),
                    error: None,
                }),
                Err(e) => {
                    let diag = match e {
                        ProvenanceError::Identity(r) => Diag::identity_mismatch(&att.origin, r),
                        other => Diag::provenance_invalid(&att.origin, &other.to_string()),
                    };
                    add(&mut findings, diag);
                    attestation_reports.push(AttestationReport {
                        origin: att.origin.clone(),
                        verified: false,
                        signer: None,
                        subjects: Vec::new(),
                        error: Some(e.to_string()),
                    });
                }
            }
        }

        // Where packages come from: not about one input, so a deny here
        // fails every input (below).
        super::origin::origin_findings(origins, &policy.registries.internal, &mut |d| {
            add(&mut findings, d)
        });

        let mut used_entries = vec![false; trust.entries.len()];
        let mut used_rules = vec![false; policy.capabilities.components.len()];
        let mut nodes_out = Vec::new();
        let mut inputs_out = Vec::new();

        for input in inputs {
            let a = match &input.analysis {
                Ok(a) => a,
                Err(e @ crate::Error::LimitExceeded { .. }) => {
                    add(&mut findings, Diag::limit_exceeded(&input.file, e));
                    inputs_out.push(InputReport {
                        file: input.file.clone(),
                        digest: None,
                        verdict: Outcome::Fail,
                        error: Some(e.to_string()),
                        oci: None,
                    });
                    continue;
                }
                Err(e) => {
                    inputs_out.push(InputReport::error(&input.file, e));
                    continue;
                }
            };
            // An analysis without its wiring cannot be judged: no
            // capability would reach anything, nothing would be imported
            // code.
            let wiring = match a.wiring() {
                Ok(w) => w,
                Err(e) => {
                    inputs_out.push(InputReport::error(&input.file, &e));
                    continue;
                }
            };
            let first_finding = findings.len();
            let verdicts = node_verdicts(a, &trust, &mut used_entries);

            // Findings on nodes: substitutions, and unknown code. Unknown
            // code inside a substituted node is its own finding unless the
            // substitution already fails the audit: a softened
            // `substituted` never lets unaudited code through.
            let substitution_denies = policy.severity(Code::Substituted) == Severity::Deny;
            for (i, (node, (verdict, entry))) in a.nodes.iter().zip(&verdicts).enumerate() {
                match verdict {
                    Verdict::Substituted => {
                        let e = entry.and_then(|k| trust.entry(k));
                        add(&mut findings, Diag::substituted(&a.file, node, e));
                    }
                    Verdict::Unknown if needs_trust(a, i) => {
                        if substitution_denies
                            && inside(a, i, |j| {
                                verdicts.get(j).is_some_and(|v| v.0 == Verdict::Substituted)
                            })
                        {
                            continue;
                        }
                        add(&mut findings, Diag::unknown_code(a, i));
                    }
                    _ => {}
                }
            }

            // Code the host supplies at link time.
            for ic in &wiring.imported_code {
                let Some(parent) = a.nodes.get(ic.parent) else {
                    continue;
                };
                add(&mut findings, Diag::imported_code(&a.file, parent, ic));
            }

            capability_findings(a, wiring, policy, &mut used_rules, &mut |d| {
                add(&mut findings, d)
            });
            integrity_findings(a, wiring, &mut |d| add(&mut findings, d));
            oci_findings(a, &mut |d| add(&mut findings, d));
            let vouchers =
                provenance_findings(a, policy, attestations, &mut |d| add(&mut findings, d));

            // Crates with advisories, in every module that records them.
            for hit in advisories.iter().flat_map(|db| db.scan(a)) {
                let Some(node) = a.nodes.get(hit.node) else {
                    continue;
                };
                let Some(krate) = node.crates.as_ref().and_then(|c| c.get(hit.krate)) else {
                    continue;
                };
                add(
                    &mut findings,
                    Diag::advisory(&a.file, node, krate, &hit.advisory),
                );
            }

            let failed = findings
                .iter()
                .skip(first_finding)
                .any(|f| f.severity == Severity::Deny);
            inputs_out.push(InputReport {
                file: a.file.clone(),
                digest: Some(a.digest.clone()),
                verdict: if failed { Outcome::Fail } else { Outcome::Pass },
                error: None,
                oci: a.oci.clone(),
            });
            for ((node, &(verdict, entry)), provenance) in
                a.nodes.iter().zip(&verdicts).zip(vouchers)
            {
                nodes_out.push(NodeReport {
                    file: a.file.clone(),
                    path: node.path.clone(),
                    kind: node.kind,
                    class: node.class,
                    name: node.name.clone(),
                    digest: node.digest.clone(),
                    offset: node.offset,
                    size: node.size,
                    verdict,
                    entry: entry.and_then(|k| trust.entry(k)).map(|e| e.origin.clone()),
                    provenance,
                });
            }
        }

        // Entries that matched nothing. Pins of WIT packages (wkg.lock,
        // Cargo-component.lock) describe types, not code in the binary, so
        // they are not expected to match.
        for (k, (e, si)) in trust.entries.iter().enumerate() {
            let kind = sets.get(*si).map(|s| s.set.kind);
            if used_entries.get(k) != Some(&true)
                && !matches!(kind, Some(SetKind::WkgLock | SetKind::CargoComponentLock))
            {
                let set_path = sets.get(*si).map(|s| s.set.path.as_str());
                add(&mut findings, Diag::unused_trust_entry(set_path, e));
            }
        }
        for (rule, used) in policy.capabilities.components.iter().zip(&used_rules) {
            if !used {
                add(
                    &mut findings,
                    Diag::unused_policy_rule(source.path.as_deref(), &rule.matches),
                );
            }
        }

        let any_error = inputs_out.iter().any(|i| i.verdict == Outcome::Error);
        let denied = findings
            .iter()
            .filter(|f| f.severity == Severity::Deny)
            .count();
        let warnings = findings
            .iter()
            .filter(|f| f.severity == Severity::Warn)
            .count();
        let mut verdicts_count = BTreeMap::new();
        for n in &nodes_out {
            let key = serde_json::to_value(n.verdict)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default();
            *verdicts_count.entry(key).or_insert(0) += 1;
        }
        // Any deny finding fails the audit, including one not tied to an
        // input (a bad signature fails every input).
        let verdict = if denied > 0 {
            Outcome::Fail
        } else if any_error {
            Outcome::Error
        } else {
            Outcome::Pass
        };
        if denied > 0 {
            let global = findings.iter().any(|f| {
                f.severity == Severity::Deny
                    && matches!(
                        f.code,
                        Code::SignatureInvalid
                            | Code::TrustSetUnsigned
                            | Code::ProvenanceInvalid
                            | Code::IdentityMismatch
                            | Code::NamespaceConfusion
                            | Code::UnpinnedSource
                    )
            });
            if global {
                for i in inputs_out.iter_mut().filter(|i| i.verdict == Outcome::Pass) {
                    i.verdict = Outcome::Fail;
                }
            }
        }
        Report {
            format: "wasm-audit-report",
            format_version: FORMAT_VERSION,
            tool: Tool::this(),
            verdict,
            summary: Summary {
                inputs: inputs_out.len(),
                nodes: nodes_out.len(),
                verdicts: verdicts_count,
                denied,
                warnings,
            },
            findings,
            inputs: inputs_out,
            nodes: nodes_out,
            trust_sets: set_reports,
            attestations: attestation_reports,
            advisory_db: advisories.map(|db| AdvisoryDbReport {
                path: db.path.display().to_string(),
                advisories: db.files,
            }),
            origin: (!origins.is_empty()).then(|| OriginReport {
                files: origins.files.clone(),
                sources: origins.sources.clone(),
            }),
            policy: PolicyReport {
                source,
                settings: policy.clone(),
            },
        }
    }

    /// True when some input could not be audited.
    pub fn has_errors(&self) -> bool {
        self.inputs.iter().any(|i| i.verdict == Outcome::Error)
    }
}

fn rule_matches(rule: &ComponentRule, node: &crate::Node) -> bool {
    let m = rule.matches.trim();
    if names(node).any(|n| n == m) || node.name.as_deref() == Some(m) {
        return true;
    }
    let hex = m.strip_prefix("sha256:").unwrap_or(m).to_ascii_lowercase();
    node.digest.strip_prefix("sha256:") == Some(hex.as_str())
}

/// Capability rules over the reach of each part that carries code (and the
/// root): one `capability-denied` per part and capability.
fn capability_findings(
    a: &Analysis,
    wiring: &Wiring,
    policy: &Policy,
    used_rules: &mut [bool],
    emit: &mut dyn FnMut(Diag),
) {
    let caps = &policy.capabilities;
    let mut denied_at_parts: BTreeSet<&str> = BTreeSet::new();
    let mut root_denied: Vec<(String, Diag)> = Vec::new();
    for (i, node) in a.nodes.iter().enumerate() {
        let is_root = node.parent.is_none();
        let carries_code =
            node.class == Class::Code && (node.kind == NodeKind::Component || is_root);
        let rules: Vec<(usize, &ComponentRule)> = caps
            .components
            .iter()
            .enumerate()
            .filter(|(_, r)| rule_matches(r, node))
            .collect();
        for (k, _) in &rules {
            if let Some(u) = used_rules.get_mut(*k) {
                *u = true;
            }
        }
        if !(carries_code || is_root || !rules.is_empty()) {
            continue;
        }
        let allow: Option<Vec<&String>> =
            match rules.iter().filter_map(|(_, r)| r.allow.as_ref()).next() {
                Some(_) => Some(
                    rules
                        .iter()
                        .filter_map(|(_, r)| r.allow.as_ref())
                        .flatten()
                        .collect(),
                ),
                None => caps.allow.as_ref().map(|v| v.iter().collect()),
            };
        let deny: Vec<&String> = caps
            .deny
            .iter()
            .chain(rules.iter().flat_map(|(_, r)| r.deny.iter()))
            .collect();
        let Some(reach) = wiring.reach.get(i) else {
            continue;
        };
        let mut seen = BTreeSet::new();
        for cap in reach {
            if !seen.insert(cap.interface.as_str()) {
                continue;
            }
            let why = if let Some(p) = deny.iter().find(|p| cap.denied_by(p)) {
                format!("denied by `{p}`")
            } else if let Some(allow) = &allow {
                if allow.iter().any(|p| cap.allowed_by(p)) {
                    continue;
                }
                "not in the allow list".to_string()
            } else {
                continue;
            };
            let diag = Diag::capability_denied(&a.file, node, cap, &why);
            if is_root && !carries_code && rules.is_empty() {
                root_denied.push((cap.interface.clone(), diag));
            } else {
                denied_at_parts.insert(cap.interface.as_str());
                emit(diag);
            }
        }
    }
    // The root's own imports, when no code part was reported for them.
    for (iface, diag) in root_denied {
        if !denied_at_parts.contains(iface.as_str()) {
            emit(diag);
        }
    }
}

/// `integrity=<…>` imports against the digests of the nodes that satisfy
/// them. Stricter than SRI: every hash must match (not only the strongest
/// algorithm's), and metadata that cannot be read is a mismatch, never
/// ignored.
/// `oci-config-mismatch`: what an OCI input's config and annotations say
/// that its binary contradicts.
fn oci_findings(a: &Analysis, emit: &mut dyn FnMut(Diag)) {
    let Some(source) = &a.oci else { return };
    let root = a.root();
    let binary = crate::oci::Binary {
        imports: root.imports.iter().map(|e| e.name.as_str()).collect(),
        exports: root.exports.iter().map(|e| e.name.as_str()).collect(),
        is_component: root.kind == NodeKind::Component,
        version: root.metadata.version.as_deref(),
        source: root.metadata.source.as_deref(),
        revision: root.metadata.revision.as_deref(),
    };
    for what in crate::oci::config_mismatches(source, &binary) {
        emit(Diag::oci_config_mismatch(
            &a.file,
            root,
            &source.reference,
            &what,
        ));
    }
}

fn integrity_findings(a: &Analysis, wiring: &Wiring, emit: &mut dyn FnMut(Diag)) {
    use crate::model::wiring::IntegritySatisfier;
    for claim in &wiring.integrity {
        let Some(node) = a.nodes.get(claim.node) else {
            continue;
        };
        let hashes = match crate::digest::parse_sri(&claim.metadata) {
            Ok(h) => h,
            Err(why) => {
                emit(Diag::integrity_mismatch(
                    &a.file,
                    node,
                    &claim.import,
                    &format!("its integrity metadata cannot be checked: {why}"),
                ));
                continue;
            }
        };
        match &claim.satisfied_by {
            IntegritySatisfier::Nodes(list) if !list.is_empty() => {
                for (p, digests) in list {
                    let Some(provider) = a.nodes.get(*p) else {
                        continue;
                    };
                    for h in &hashes {
                        let want = h.base64();
                        let got = digests
                            .iter()
                            .find(|(alg, _)| *alg == h.alg.as_str())
                            .map(|(_, v)| v.as_str());
                        if got != Some(want.as_str()) {
                            emit(Diag::integrity_mismatch(
                                &a.file,
                                node,
                                &claim.import,
                                &format!(
                                    "it is satisfied by {} {}{} whose {} is {}-{}, not {}-{want}",
                                    provider.kind.as_str(),
                                    provider.path,
                                    provider
                                        .name
                                        .as_deref()
                                        .map(|n| format!(" `{n}`"))
                                        .unwrap_or_default(),
                                    h.alg.as_str(),
                                    h.alg.as_str(),
                                    got.unwrap_or("(not computed)"),
                                    h.alg.as_str(),
                                ),
                            ));
                        }
                    }
                }
            }
            IntegritySatisfier::Nodes(_) => emit(Diag::integrity_unverified(
                &a.file,
                node,
                &claim.import,
                "nothing in the composition satisfies it",
            )),
            IntegritySatisfier::Host => emit(Diag::integrity_unverified(
                &a.file,
                node,
                &claim.import,
                "the host supplies it (an import of the root)",
            )),
            IntegritySatisfier::Unresolved { via: None } => emit(Diag::integrity_unverified(
                &a.file,
                node,
                &claim.import,
                "nothing in the composition satisfies it (the component is not instantiated here)",
            )),
            IntegritySatisfier::Unresolved { via: Some(v) } => emit(Diag::integrity_unverified(
                &a.file,
                node,
                &claim.import,
                &format!(
                    "it is passed down through {} from an import the analysis cannot follow to one node",
                    a.nodes.get(*v).map(|n| n.path.as_str()).unwrap_or("?")
                ),
            )),
        }
    }
}

/// Whether a provenance part rule matches `node` (by name or digest, as
/// capability rules do).
fn part_rule_matches(rule: &crate::check::cfg::PartProvenanceRule, node: &crate::Node) -> bool {
    rule_matches(
        &ComponentRule {
            matches: rule.matches.clone(),
            allow: None,
            deny: Vec::new(),
        },
        node,
    )
}

/// Provenance of every node: which verified attestations name its digest
/// and meet the policy's rules for it (returned, one list per node), and
/// the findings: `provenance-mismatch` for an attestation that names a
/// node but says something else, `provenance-missing` for a node that
/// needs provenance and has none. Fail closed: a softened
/// `provenance-mismatch` still leaves the node without provenance, so
/// `provenance-missing` is reported in its place.
fn provenance_findings(
    a: &Analysis,
    policy: &Policy,
    attestations: &[Attestation],
    emit: &mut dyn FnMut(Diag),
) -> Vec<Vec<NodeProvenance>> {
    let prov = &policy.provenance;
    let mismatch_denies = policy.severity(Code::ProvenanceMismatch) == Severity::Deny;
    let mut out = Vec::with_capacity(a.nodes.len());
    for node in &a.nodes {
        let is_part = node.class == Class::Code
            && (node.kind == NodeKind::Component || node.parent.is_none());
        let rules: Vec<_> = prov
            .parts
            .iter()
            .filter(|r| part_rule_matches(r, node))
            .collect();
        let required = (prov.require_provenance && is_part)
            || rules.iter().any(|r| r.require_provenance.unwrap_or(true));
        let mut vouchers = Vec::new();
        let mut mismatched = false;
        for att in attestations {
            let Ok(v) = &att.outcome else { continue };
            if !v.statement.names_digest(&node.digest) {
                continue;
            }
            // Every matching rule's requirements must hold.
            let mut failure = None;
            for rule in rules.iter().filter(|r| r.has_slsa_requirements()) {
                let req = slsa::Requirements {
                    source_uri: rule.source_uri.clone(),
                    builder_id: rule.builder_id.clone(),
                    source_tag: rule.source_tag.clone(),
                    source_versioned_tag: rule.source_versioned_tag.clone(),
                    source_branch: rule.source_branch.clone(),
                    build_workflow_inputs: rule.build_workflow_inputs.clone(),
                };
                let result = match &v.provenance {
                    Some(p) => slsa::check(p, &req, v.keyless.then_some(v.signer.as_str())),
                    None => Err(ProvenanceError::Mismatch(format!(
                        "its predicate ({}) is not SLSA provenance",
                        v.statement.predicate_type
                    ))),
                };
                if let Err(e) = result {
                    failure = Some(e.to_string());
                    break;
                }
            }
            // Keyless SLSA provenance is always held to its builder (the
            // certificate must be the builder's, a trusted one).
            if failure.is_none() && v.keyless {
                if let Some(p) = &v.provenance {
                    let has_builder_rule = rules.iter().any(|r| r.builder_id.is_some());
                    if !has_builder_rule {
                        if let Err(e) =
                            slsa::check(p, &slsa::Requirements::default(), Some(v.signer.as_str()))
                        {
                            failure = Some(e.to_string());
                        }
                    }
                }
            }
            match failure {
                Some(reason) => {
                    mismatched = true;
                    emit(Diag::provenance_mismatch(
                        &a.file,
                        node,
                        &att.origin,
                        &reason,
                    ));
                }
                None => vouchers.push(NodeProvenance {
                    attestation: att.origin.clone(),
                    signer: v.signer.clone(),
                    predicate_type: v.statement.predicate_type.clone(),
                    builder_id: v.provenance.as_ref().map(|p| p.builder_id.clone()),
                    source: v.provenance.as_ref().map(|p| p.source_uri.clone()),
                    source_ref: v.provenance.as_ref().and_then(|p| p.source_ref.clone()),
                    commit: v.provenance.as_ref().and_then(|p| p.commit.clone()),
                }),
            }
        }
        if required && vouchers.is_empty() && !(mismatched && mismatch_denies) {
            let why = if mismatched {
                ": the attestations naming it do not meet the policy"
            } else {
                ": no verified attestation names its digest"
            };
            emit(Diag::provenance_missing(&a.file, node, why));
        }
        out.push(vouchers);
    }
    out
}
