//! The audit decision, made once: [`Report::generate`] is a pure function
//! from the analyses, the (already verified) trust sets and the policy to a
//! serialisable [`Report`] that embeds what it was made from. Renderers
//! only format a report; the exit code is read from its verdict.

pub mod findings;
pub mod load;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::Serialize;

use crate::document::{Tool, FORMAT_VERSION};
use crate::model::{Analysis, Class, NodeKind};
use crate::policy::{ComponentRule, Policy, Severity};
use crate::trust::signature::Verified;
use crate::trust::{SetKind, TrustEntry, TrustSet};
use findings::Code;

/// What became of a trust set's signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "kebab-case")]
pub enum SignatureStatus {
    /// Checked and good.
    Verified {
        path: String,
        #[serde(flatten)]
        verified: Verified,
    },
    /// No signature was given.
    Unsigned,
    /// Given and not good: bad signature, wrong key, malformed, digest mismatch.
    Invalid { path: String, reason: String },
}

/// A trust set with the outcome of its signature check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedSet {
    pub set: TrustSet,
    pub signature: SignatureStatus,
}

/// One input: its analysis, or why there is none.
#[derive(Debug)]
pub struct Input {
    pub file: String,
    pub analysis: Result<Analysis, crate::Error>,
}

/// Where the policy came from.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PolicySource {
    /// The policy file, if one was given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// `sha256:` of its exact bytes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
}

/// The trust verdict of one node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// Its digest is listed in a trusted set.
    Trusted,
    /// An ancestor is trusted: it vouches for its whole subtree.
    Covered,
    /// It carries a trusted name with other bytes.
    Substituted,
    /// Code with no trusted digest.
    Unknown,
    /// No code of its own that needs trust: composition shells, shims,
    /// adapters and WIT packages outside any trusted component, and
    /// components whose code is all trusted.
    Glue,
}

/// Pass or fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    Pass,
    Fail,
    /// The input could not be audited (unreadable, malformed).
    Error,
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub code: Code,
    pub severity: Severity,
    /// The input (or trust set, or policy) file it is about.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// The node path it is about.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
    pub message: String,
}

/// A node with its verdict.
#[derive(Debug, Clone, Serialize)]
pub struct NodeReport {
    pub file: String,
    pub path: String,
    pub kind: NodeKind,
    pub class: Class,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub digest: String,
    pub offset: u64,
    pub size: u64,
    pub verdict: Verdict,
    /// The trust entry that lists this digest (`trusted`) or whose name it
    /// carries (`substituted`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entry: Option<String>,
}

/// One input's outcome.
#[derive(Debug, Clone, Serialize)]
pub struct InputReport {
    pub file: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
    pub verdict: Outcome,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// A trust set as the report records it.
#[derive(Debug, Clone, Serialize)]
pub struct SetReport {
    pub path: String,
    pub digest: String,
    pub kind: SetKind,
    pub entries: usize,
    /// Whether its entries were used (signature verified, or not required).
    pub used: bool,
    pub signature: SignatureStatus,
}

/// Counts for summaries.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    pub inputs: usize,
    pub nodes: usize,
    pub verdicts: BTreeMap<String, usize>,
    pub denied: usize,
    pub warnings: usize,
}

/// The audit report.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub format: &'static str,
    pub format_version: u32,
    pub tool: Tool,
    pub verdict: Outcome,
    pub summary: Summary,
    pub findings: Vec<Finding>,
    pub inputs: Vec<InputReport>,
    pub nodes: Vec<NodeReport>,
    pub trust_sets: Vec<SetReport>,
    pub policy: PolicyReport,
}

/// The policy the report was made with.
#[derive(Debug, Clone, Serialize)]
pub struct PolicyReport {
    #[serde(flatten)]
    pub source: PolicySource,
    pub settings: Policy,
}

struct Trust<'a> {
    entries: Vec<(&'a TrustEntry, usize)>,
    by_digest: HashMap<&'a str, Vec<usize>>,
    by_name: HashMap<&'a str, Vec<usize>>,
}

impl Report {
    /// Decides the audit. Pure: no I/O, no clock, no randomness.
    pub fn generate(
        inputs: &[Input],
        sets: &[CheckedSet],
        policy: &Policy,
        source: PolicySource,
    ) -> Report {
        let mut findings = Vec::new();
        let add = |findings: &mut Vec<Finding>,
                   code: Code,
                   file: Option<&str>,
                   path: Option<&str>,
                   digest: Option<&str>,
                   message: String| {
            let severity = policy.severity(code);
            if severity != Severity::Allow {
                findings.push(Finding {
                    code,
                    severity,
                    file: file.map(str::to_string),
                    path: path.map(str::to_string),
                    digest: digest.map(str::to_string),
                    message,
                });
            }
        };

        // Which sets may be used: fail closed on signatures.
        let mut set_reports = Vec::new();
        let mut trust = Trust {
            entries: Vec::new(),
            by_digest: HashMap::new(),
            by_name: HashMap::new(),
        };
        for (si, cs) in sets.iter().enumerate() {
            let used = match &cs.signature {
                SignatureStatus::Verified { .. } => true,
                SignatureStatus::Unsigned if !policy.trust.require_signature => true,
                SignatureStatus::Unsigned => {
                    add(
                        &mut findings,
                        Code::TrustSetUnsigned,
                        Some(&cs.set.path),
                        None,
                        Some(&cs.set.digest),
                        format!(
                            "trust set {} has no signature and the policy requires one; its {} entries are not used",
                            cs.set.path,
                            cs.set.entries.len()
                        ),
                    );
                    false
                }
                SignatureStatus::Invalid { path, reason } => {
                    add(
                        &mut findings,
                        Code::SignatureInvalid,
                        Some(&cs.set.path),
                        None,
                        Some(&cs.set.digest),
                        format!(
                            "the signature {path} does not verify trust set {}: {reason}; its entries are not used",
                            cs.set.path
                        ),
                    );
                    false
                }
            };
            if used {
                for e in &cs.set.entries {
                    let i = trust.entries.len();
                    trust.entries.push((e, si));
                    trust
                        .by_digest
                        .entry(e.digest.as_str())
                        .or_default()
                        .push(i);
                    if let Some(n) = &e.name {
                        trust.by_name.entry(n.as_str()).or_default().push(i);
                    }
                }
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

        let mut used_entries = vec![false; trust.entries.len()];
        let mut used_rules = vec![false; policy.capabilities.components.len()];
        let mut nodes_out = Vec::new();
        let mut inputs_out = Vec::new();

        for input in inputs {
            let a = match &input.analysis {
                Ok(a) => a,
                Err(e @ crate::Error::LimitExceeded { .. }) => {
                    add(
                        &mut findings,
                        Code::LimitExceeded,
                        Some(&input.file),
                        None,
                        None,
                        e.to_string(),
                    );
                    inputs_out.push(InputReport {
                        file: input.file.clone(),
                        digest: None,
                        verdict: Outcome::Fail,
                        error: Some(e.to_string()),
                    });
                    continue;
                }
                Err(e) => {
                    inputs_out.push(InputReport {
                        file: input.file.clone(),
                        digest: None,
                        verdict: Outcome::Error,
                        error: Some(e.to_string()),
                    });
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
                        let e = entry.and_then(|k| trust.entries.get(k)).map(|(e, _)| *e);
                        add(
                            &mut findings,
                            Code::Substituted,
                            Some(&a.file),
                            Some(&node.path),
                            Some(&node.digest),
                            match e {
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
                        );
                    }
                    Verdict::Unknown if needs_trust(a, i) => {
                        if substitution_denies
                            && inside(a, i, |j| {
                                verdicts.get(j).is_some_and(|v| v.0 == Verdict::Substituted)
                            })
                        {
                            continue;
                        }
                        add(
                            &mut findings,
                            Code::UnknownCode,
                            Some(&a.file),
                            Some(&node.path),
                            Some(&node.digest),
                            unknown_message(a, i),
                        );
                    }
                    _ => {}
                }
            }

            // Code the host supplies at link time.
            for ic in &a.wiring.imported_code {
                let Some(parent) = a.nodes.get(ic.parent) else {
                    continue;
                };
                add(
                    &mut findings,
                    Code::ImportedCode,
                    Some(&a.file),
                    Some(&parent.path),
                    Some(&parent.digest),
                    format!(
                        "{} instantiates a {} supplied by the host at link time (from root import `{}`, {}#{}[{}]): its code cannot be audited",
                        parent.path,
                        if ic.core { "core module" } else { "component" },
                        ic.import,
                        parent.path,
                        if ic.core { "core-instance" } else { "instance" },
                        ic.index
                    ),
                );
            }

            capability_findings(
                a,
                policy,
                &mut used_rules,
                &mut |code, path, digest, message| {
                    add(
                        &mut findings,
                        code,
                        Some(&a.file),
                        Some(path),
                        Some(digest),
                        message,
                    )
                },
            );

            let failed = findings
                .iter()
                .skip(first_finding)
                .any(|f| f.severity == Severity::Deny);
            inputs_out.push(InputReport {
                file: a.file.clone(),
                digest: Some(a.digest.clone()),
                verdict: if failed { Outcome::Fail } else { Outcome::Pass },
                error: None,
            });
            for (node, &(verdict, entry)) in a.nodes.iter().zip(&verdicts) {
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
                    entry: entry
                        .and_then(|k| trust.entries.get(k))
                        .map(|(e, _)| e.origin.clone()),
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
                add(
                    &mut findings,
                    Code::UnusedTrustEntry,
                    set_path,
                    None,
                    Some(&e.digest),
                    format!(
                        "trust entry {}{} matched no node",
                        e.origin,
                        e.name
                            .as_deref()
                            .map(|n| format!(" `{n}`"))
                            .unwrap_or_default()
                    ),
                );
            }
        }
        for (rule, used) in policy.capabilities.components.iter().zip(&used_rules) {
            if !used {
                add(
                    &mut findings,
                    Code::UnusedPolicyRule,
                    source.path.as_deref(),
                    None,
                    None,
                    format!("capability rule for `{}` matched no part", rule.matches),
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
                    && matches!(f.code, Code::SignatureInvalid | Code::TrustSetUnsigned)
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

/// Whether some ancestor of node `i` satisfies `pred`.
fn inside(a: &Analysis, i: usize, pred: impl Fn(usize) -> bool) -> bool {
    let mut cur = a.nodes.get(i).and_then(|n| n.parent);
    while let Some(p) = cur {
        if pred(p) {
            return true;
        }
        cur = a.nodes.get(p).and_then(|n| n.parent);
    }
    false
}

/// Whether node `i` needs a trusted digest (or a trusted ancestor) of its
/// own: whatever can act (README, "What needs trust"). A module with
/// function bodies, a start function, active data or element segments, or
/// exported definitions with initial contents; a component with a `start`
/// section. Exempt only what the wiring follows exactly: a shim's
/// trampolines and a fixup's writes into a shim's table, unless the
/// wiring shows the fixup writing elsewhere. A WASI adapter is code too:
/// its name is only a claim.
fn needs_trust(a: &Analysis, i: usize) -> bool {
    let Some(node) = a.nodes.get(i) else {
        return false;
    };
    let wiring_acts = a.wiring.acts.get(i).is_some_and(|v| !v.is_empty());
    wiring_acts
        || match node.class {
            Class::Shim | Class::WitPackage => false,
            Class::Code | Class::Adapter | Class::Glue => !node.acts.is_empty(),
        }
}

/// The `unknown-code` message for node `i`: what it is and why it needs trust.
fn unknown_message(a: &Analysis, i: usize) -> String {
    let Some(node) = a.nodes.get(i) else {
        return String::new();
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
    if node.kind == NodeKind::Module && node.function_bodies > 0 {
        return format!(
            "{what} with no trusted digest: {}{holder} ({} function bodies, {} bytes)",
            node.path, node.function_bodies, node.size
        );
    }
    let reasons: Vec<&str> = node
        .acts
        .iter()
        .chain(a.wiring.acts.get(i).into_iter().flatten())
        .map(String::as_str)
        .collect();
    format!(
        "{} that acts with no trusted digest: {}{holder} ({}; {} bytes)",
        node.kind.as_str(),
        node.path,
        reasons.join("; "),
        node.size
    )
}

/// The names a node is known by.
fn names(node: &crate::Node) -> impl Iterator<Item = &str> {
    node.own_name
        .as_deref()
        .into_iter()
        .chain(node.name_in_parent.as_deref())
}

/// Verdict (and matched entry) of every node.
fn node_verdicts(
    a: &Analysis,
    trust: &Trust<'_>,
    used: &mut [bool],
) -> Vec<(Verdict, Option<usize>)> {
    let mut mark = |k: usize| {
        if let Some(u) = used.get_mut(k) {
            *u = true;
        }
    };
    let mut out: Vec<(Verdict, Option<usize>)> = Vec::with_capacity(a.nodes.len());
    // Parents come before children (pre-order): trusted, covered and
    // substituted flow down from verdicts already made.
    for node in &a.nodes {
        let verdict = if let Some(ks) = trust.by_digest.get(node.digest.as_str()) {
            ks.iter().for_each(|&k| mark(k));
            (Verdict::Trusted, ks.first().copied())
        } else if matches!(
            node.parent.and_then(|p| out.get(p)).map(|v| v.0),
            Some(Verdict::Trusted | Verdict::Covered)
        ) {
            (Verdict::Covered, None)
        } else if let Some(k) = names(node)
            .filter_map(|nm| trust.by_name.get(nm))
            .flatten()
            .copied()
            .next()
        {
            mark(k);
            (Verdict::Substituted, Some(k))
        } else if needs_trust(a, out.len()) {
            (Verdict::Unknown, None)
        } else {
            (Verdict::Glue, None)
        };
        out.push(verdict);
    }
    // Children before parents: a component directly holding unknown code is unknown.
    for (i, node) in a.nodes.iter().enumerate().rev() {
        let glue_component =
            node.kind == NodeKind::Component && out.get(i).is_some_and(|v| v.0 == Verdict::Glue);
        let unknown_inside = node.children.iter().any(|&c| {
            out.get(c).is_some_and(|v| v.0 == Verdict::Unknown)
                && a.nodes.get(c).is_some_and(|x| x.kind == NodeKind::Module)
        });
        if glue_component && unknown_inside {
            if let Some(v) = out.get_mut(i) {
                *v = (Verdict::Unknown, None);
            }
        }
    }
    out
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
    policy: &Policy,
    used_rules: &mut [bool],
    emit: &mut dyn FnMut(Code, &str, &str, String),
) {
    let caps = &policy.capabilities;
    let mut denied_at_parts: BTreeSet<&str> = BTreeSet::new();
    let mut root_denied: Vec<(String, String)> = Vec::new();
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
        let Some(reach) = a.wiring.reach.get(i) else {
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
            let via: Vec<&str> = cap.via.iter().map(|b| b.path.as_str()).collect();
            let message = format!(
                "{} reaches {} {}{} ({why}; via {})",
                cap.label(),
                node.kind.as_str(),
                node.path,
                node.name
                    .as_deref()
                    .map(|n| format!(" `{n}`"))
                    .unwrap_or_default(),
                via.join(" → ")
            );
            if is_root && !carries_code && rules.is_empty() {
                root_denied.push((cap.interface.clone(), message));
            } else {
                denied_at_parts.insert(cap.interface.as_str());
                emit(Code::CapabilityDenied, &node.path, &node.digest, message);
            }
        }
    }
    // The root's own imports, when no code part was reported for them.
    let root = a.root();
    for (iface, message) in root_denied {
        if !denied_at_parts.contains(iface.as_str()) {
            emit(Code::CapabilityDenied, &root.path, &root.digest, message);
        }
    }
}
