//! Renderings of an audit [`Report`]: text (for people, colour on a
//! terminal), JSON (`schemas/report.schema.json`), SARIF 2.1.0 (GitHub code
//! scanning), JUnit XML (GitLab and most CI servers) and Markdown (pull
//! request comments). They only format the report: the verdict is decided
//! once, in [`Report::generate`].

use std::fmt::Write;

use serde_json::{json, Value};

use super::escape;
use crate::check::diags::Code;
use crate::check::diags::Severity;
use crate::check::{Finding, NodeReport, Outcome, Report, SignatureStatus, Verdict};
use crate::graph::CompositionGraph;
use crate::model::Analysis;
use crate::trust::signature::SignatureFormat;

/// Markdown output stays under this size (GitHub comments allow 65 536
/// characters); larger parts are collapsed or cut with a note.
pub const MARKDOWN_BUDGET: usize = 60 * 1024;

fn outcome(o: Outcome) -> &'static str {
    match o {
        Outcome::Pass => "PASS",
        Outcome::Fail => "FAIL",
        Outcome::Error => "ERROR",
    }
}

fn verdict_name(v: Verdict) -> &'static str {
    match v {
        Verdict::Trusted => "trusted",
        Verdict::Covered => "covered",
        Verdict::Substituted => "substituted",
        Verdict::Unknown => "unknown",
        Verdict::Glue => "glue",
    }
}

fn short(digest: &str) -> &str {
    digest
        .strip_prefix("sha256:")
        .and_then(|h| h.get(..12))
        .unwrap_or(digest)
}

/// What a signature file is, by its encoding and the tools that write it.
fn signature_kind(format: SignatureFormat) -> &'static str {
    match format {
        SignatureFormat::Cosign => "base64 DER (cosign or openssl)",
        SignatureFormat::SigstoreBundle => "Sigstore bundle, key-based",
        SignatureFormat::Ed25519 => "base64 raw (openssl pkeyutl)",
        SignatureFormat::SigstoreKeyless => "Sigstore bundle, keyless",
    }
}

/// The signature of a set, in one line of plain text (not yet escaped).
fn signature_text(s: &SignatureStatus) -> String {
    match s {
        SignatureStatus::Verified { path, verified } => match &verified.identity {
            Some(identity) => format!(
                "signature {path} verified ({}, signed by {identity}, issuer {})",
                signature_kind(verified.format),
                verified.issuer.as_deref().unwrap_or("?")
            ),
            None => format!(
                "signature {path} verified ({}, {}, key {})",
                verified.key_algorithm,
                signature_kind(verified.format),
                verified.key_fingerprint
            ),
        },
        SignatureStatus::Unsigned => "unsigned".to_string(),
        SignatureStatus::Invalid { path, reason } => format!("signature {path} INVALID: {reason}"),
    }
}

struct Paint(bool);

impl Paint {
    fn red(&self, s: &str) -> String {
        self.wrap("31;1", s)
    }
    fn yellow(&self, s: &str) -> String {
        self.wrap("33", s)
    }
    fn green(&self, s: &str) -> String {
        self.wrap("32;1", s)
    }
    fn wrap(&self, code: &str, s: &str) -> String {
        if self.0 {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
}

/// Text for people. `colour` adds ANSI colours.
pub fn text(r: &Report, colour: bool) -> String {
    let p = Paint(colour);
    let mut out = String::new();
    let head = match r.verdict {
        Outcome::Pass => p.green("PASS"),
        Outcome::Fail => p.red("FAIL"),
        Outcome::Error => p.red("ERROR"),
    };
    let _ = writeln!(
        out,
        "wasm-audit check: {head} ({} input(s), {} node(s), {} denied, {} warning(s))",
        r.summary.inputs, r.summary.nodes, r.summary.denied, r.summary.warnings
    );
    if !r.trust_sets.is_empty() {
        out.push_str("\nTrust sets:\n");
        for s in &r.trust_sets {
            let _ = writeln!(
                out,
                "  {}  {}  {} entries{}  {}",
                escape::text(&s.path),
                short(&s.digest),
                s.entries,
                if s.used { "" } else { " (not used)" },
                escape::text(&signature_text(&s.signature))
            );
        }
    }
    if let Some(db) = &r.advisory_db {
        let _ = writeln!(
            out,
            "\nAdvisories: {} ({} advisories)",
            escape::text(&db.path),
            db.advisories
        );
    }
    out.push_str("\nInputs:\n");
    for i in &r.inputs {
        let v = match i.verdict {
            Outcome::Pass => p.green("pass"),
            Outcome::Fail => p.red("fail"),
            Outcome::Error => p.red("error"),
        };
        let _ = write!(out, "  {v}  {}", escape::text(&i.file));
        if let Some(d) = &i.digest {
            let _ = write!(out, "  {d}");
        }
        if let Some(e) = &i.error {
            let _ = write!(out, "  ({})", escape::one_line(e));
        }
        out.push('\n');
        if let Some(o) = &i.oci {
            let _ = writeln!(
                out,
                "      OCI manifest {}, wasm layer {} ({})",
                o.manifest_digest,
                o.layer_digest,
                escape::text(&o.layer_media_type)
            );
            for s in &o.signatures {
                let _ = writeln!(out, "      signed by {}", escape::text(s));
            }
        }
    }
    if !r.findings.is_empty() {
        out.push_str("\nFindings:\n");
        for f in &r.findings {
            let sev = match f.severity {
                Severity::Deny => p.red("deny"),
                Severity::Warn => p.yellow("warn"),
                Severity::Allow => "allow".to_string(),
            };
            let _ = writeln!(
                out,
                "  {sev}  {}  {}",
                f.code.name(),
                escape::text(&f.message)
            );
        }
    }
    let mut file = "";
    for n in &r.nodes {
        if n.file != file {
            file = &n.file;
            let _ = writeln!(out, "\nNodes of {}:", escape::text(file));
        }
        let v = match n.verdict {
            Verdict::Trusted | Verdict::Covered => p.green(verdict_name(n.verdict)),
            Verdict::Unknown | Verdict::Substituted => p.red(verdict_name(n.verdict)),
            Verdict::Glue => verdict_name(n.verdict).to_string(),
        };
        let indent = "  ".repeat(n.path.matches('[').count());
        let _ = write!(
            out,
            "  {indent}{}  {} {}  {}  {v}",
            n.path,
            n.kind.as_str(),
            n.class.as_str(),
            short(&n.digest)
        );
        if let Some(name) = &n.name {
            let _ = write!(out, "  {}", escape::text(name));
        }
        out.push('\n');
        for a in &n.provenance {
            let source = match (&a.source, &a.source_ref) {
                (Some(s), _) => format!(", source {}", escape::text(s)),
                (None, Some(r)) => format!(", ref {}", escape::text(r)),
                (None, None) => String::new(),
            };
            let _ = writeln!(
                out,
                "  {indent}    provenance: {} (signed by {}{source})",
                escape::text(&a.attestation),
                escape::text(&a.signer)
            );
        }
    }
    if !r.attestations.is_empty() {
        out.push_str("\nAttestations:\n");
        for a in &r.attestations {
            let status = if a.verified {
                p.green("verified")
            } else {
                p.red("invalid")
            };
            let _ = writeln!(
                out,
                "  {status}  {}  {}",
                escape::text(&a.origin),
                escape::one_line(a.signer.as_deref().or(a.error.as_deref()).unwrap_or(""))
            );
        }
    }
    out
}

/// The JSON document.
pub fn json(r: &Report) -> Value {
    serde_json::to_value(r).unwrap_or(Value::Null)
}

fn node_of<'a>(r: &'a Report, f: &Finding) -> Option<&'a NodeReport> {
    let (file, path) = (f.file.as_deref()?, f.path.as_deref()?);
    r.nodes.iter().find(|n| n.file == file && n.path == path)
}

fn sarif_level(s: Severity) -> &'static str {
    match s {
        Severity::Deny => "error",
        Severity::Warn => "warning",
        Severity::Allow => "none",
    }
}

// The `Value` objects indexed here are built by `json!` just above them:
// assigning a key to an object does not panic.
#[allow(clippy::indexing_slicing)]
/// SARIF 2.1.0: one rule per finding code (rule id = code), one result per finding.
pub fn sarif(r: &Report) -> Value {
    let rules: Vec<Value> = Code::ALL
        .iter()
        .map(|c| {
            json!({
                "id": c.name(),
                "name": c.name(),
                "shortDescription": { "text": c.description() },
                "fullDescription": { "text": c.description() },
                "defaultConfiguration": { "level": sarif_level(r.policy.settings.severity(*c)) },
                "help": { "text": format!("See the `{}` finding in the wasm-audit README.", c.name()) }
            })
        })
        .collect();
    let mut artifacts: Vec<Value> = Vec::new();
    let mut artifact_index = std::collections::BTreeMap::new();
    for i in &r.inputs {
        let mut a = json!({ "location": { "uri": i.file } });
        if let Some(hex) = i.digest.as_deref().and_then(|d| d.strip_prefix("sha256:")) {
            a["hashes"] = json!({ "sha-256": hex });
        }
        artifact_index.insert(i.file.clone(), artifacts.len());
        artifacts.push(a);
    }
    let results: Vec<Value> = r
        .findings
        .iter()
        .map(|f| {
            let rule_index = Code::ALL.iter().position(|c| *c == f.code).unwrap_or(0);
            let mut result = json!({
                "ruleId": f.code.name(),
                "ruleIndex": rule_index,
                "level": sarif_level(f.severity),
                "message": { "text": f.message },
                "partialFingerprints": {
                    "wasmAuditFinding/v1": format!(
                        "{}:{}:{}{}",
                        f.code.name(),
                        f.path.as_deref().unwrap_or(""),
                        f.digest.as_deref().unwrap_or(""),
                        // Several advisories can be about one module.
                        f.advisory
                            .as_ref()
                            .map(|a| format!(":{}:{}@{}", a.id, a.krate, a.version))
                            .unwrap_or_default()
                    )
                }
            });
            if let Some(file) = &f.file {
                let mut physical = json!({ "artifactLocation": { "uri": file } });
                if let Some(&k) = artifact_index.get(file) {
                    physical["artifactLocation"]["index"] = json!(k);
                }
                if let Some(n) = node_of(r, f) {
                    physical["region"] = json!({ "byteOffset": n.offset, "byteLength": n.size });
                }
                let mut location = json!({ "physicalLocation": physical });
                if let Some(path) = &f.path {
                    location["logicalLocations"] = json!([{
                        "fullyQualifiedName": path,
                        "kind": node_of(r, f).map(|n| n.kind.as_str()).unwrap_or("component")
                    }]);
                }
                result["locations"] = json!([location]);
            }
            result
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": r.tool.name,
                "version": r.tool.version,
                "informationUri": "https://github.com/wasm-audit/wasm-audit",
                "rules": rules
            }},
            "artifacts": artifacts,
            "results": results,
            "invocations": [{ "executionSuccessful": r.verdict != Outcome::Error }]
        }]
    })
}

fn xml_escape(s: &str) -> String {
    escape::xml(s)
}

/// JUnit XML: per input a suite with one test case per node (failing when a
/// deny finding is on it) and one per finding code (failing when any deny
/// finding of that code concerns the input); a suite for the trust sets.
pub fn junit(r: &Report) -> String {
    type Case<'a> = (String, String, Vec<&'a Finding>);
    let mut suites = String::new();
    let (mut total, mut total_failures) = (0, 0);
    // Writes one suite; returns (tests, failures).
    fn suite(name: &str, cases: Vec<Case<'_>>, suites: &mut String) -> (usize, usize) {
        let failures = cases
            .iter()
            .filter(|c| c.2.iter().any(|f| f.severity == Severity::Deny))
            .count();
        let tests = cases.len();
        let _ = writeln!(
            suites,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\" errors=\"0\" skipped=\"0\">",
            xml_escape(name),
            cases.len()
        );
        for (class, case, findings) in cases {
            let _ = write!(
                suites,
                "    <testcase classname=\"{}\" name=\"{}\"",
                xml_escape(&class),
                xml_escape(&case)
            );
            let deny: Vec<&&Finding> = findings
                .iter()
                .filter(|f| f.severity == Severity::Deny)
                .collect();
            let warn: Vec<&&Finding> = findings
                .iter()
                .filter(|f| f.severity == Severity::Warn)
                .collect();
            if deny.is_empty() && warn.is_empty() {
                suites.push_str("/>\n");
                continue;
            }
            suites.push_str(">\n");
            if let Some(first) = deny.first() {
                let body: Vec<String> = deny
                    .iter()
                    .map(|f| format!("{}: {}", f.code.name(), f.message))
                    .collect();
                let _ = writeln!(
                    suites,
                    "      <failure type=\"{}\" message=\"{}\">{}</failure>",
                    first.code.name(),
                    xml_escape(&first.message),
                    escape::xml_lines(&body)
                );
            }
            if !warn.is_empty() {
                let body: Vec<String> = warn
                    .iter()
                    .map(|f| format!("warning {}: {}", f.code.name(), f.message))
                    .collect();
                let _ = writeln!(
                    suites,
                    "      <system-out>{}</system-out>",
                    escape::xml_lines(&body)
                );
            }
            suites.push_str("    </testcase>\n");
        }
        suites.push_str("  </testsuite>\n");
        (tests, failures)
    }
    let mut count = |(t, f): (usize, usize)| {
        total += t;
        total_failures += f;
    };

    let global: Vec<&Finding> = r
        .findings
        .iter()
        .filter(|f| {
            matches!(
                f.code,
                Code::SignatureInvalid
                    | Code::TrustSetUnsigned
                    | Code::UnusedTrustEntry
                    | Code::UnusedPolicyRule
            )
        })
        .collect();
    let trust_cases: Vec<Case<'_>> = [
        Code::SignatureInvalid,
        Code::TrustSetUnsigned,
        Code::UnusedTrustEntry,
        Code::UnusedPolicyRule,
    ]
    .iter()
    .map(|c| {
        (
            "wasm-audit.trust".to_string(),
            c.name().to_string(),
            global.iter().copied().filter(|f| f.code == *c).collect(),
        )
    })
    .collect();
    count(suite("trust and policy", trust_cases, &mut suites));

    for input in &r.inputs {
        let of_file: Vec<&Finding> = r
            .findings
            .iter()
            .filter(|f| f.file.as_deref() == Some(input.file.as_str()))
            .collect();
        let mut cases = Vec::new();
        if let Some(e) = &input.error {
            if input.verdict == Outcome::Error {
                let _ = writeln!(
                    suites,
                    "  <testsuite name=\"{}\" tests=\"1\" failures=\"0\" errors=\"1\" skipped=\"0\">\n    <testcase classname=\"{}\" name=\"read\">\n      <error message=\"{}\"/>\n    </testcase>\n  </testsuite>",
                    xml_escape(&input.file),
                    xml_escape(&input.file),
                    xml_escape(e)
                );
                count((1, 0));
                continue;
            }
        }
        for n in r.nodes.iter().filter(|n| n.file == input.file) {
            let name = match &n.name {
                Some(nm) => format!("{} ({nm}) {}", n.path, verdict_name(n.verdict)),
                None => format!("{} {}", n.path, verdict_name(n.verdict)),
            };
            let fs = of_file
                .iter()
                .copied()
                .filter(|f| f.path.as_deref() == Some(n.path.as_str()))
                .collect();
            cases.push((format!("{}.nodes", input.file), name, fs));
        }
        for c in [
            Code::UnknownCode,
            Code::Substituted,
            Code::CapabilityDenied,
            Code::LimitExceeded,
        ] {
            let fs = of_file.iter().copied().filter(|f| f.code == c).collect();
            cases.push((format!("{}.rules", input.file), c.name().to_string(), fs));
        }
        count(suite(&input.file, cases, &mut suites));
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"wasm-audit\" tests=\"{total}\" failures=\"{total_failures}\">\n{suites}</testsuites>\n"
    )
}

/// Untrusted text in Markdown prose or a table cell.
fn md_cell(s: &str) -> String {
    escape::markdown(s)
}

/// Markdown for a pull-request comment: a summary line first, then the
/// findings, the trust sets, the nodes and a Mermaid graph per input; large
/// parts are collapsed or cut to stay under [`MARKDOWN_BUDGET`].
pub fn markdown(r: &Report, analyses: &[&Analysis]) -> String {
    let mut out = String::new();
    let icon = match r.verdict {
        Outcome::Pass => "✅",
        Outcome::Fail => "❌",
        Outcome::Error => "⚠️",
    };
    let _ = writeln!(
        out,
        "## {icon} wasm-audit: {} — {} input(s), {} node(s), {} denied, {} warning(s)\n",
        outcome(r.verdict),
        r.summary.inputs,
        r.summary.nodes,
        r.summary.denied,
        r.summary.warnings
    );
    if !r.findings.is_empty() {
        out.push_str(
            "| severity | code | file | node | message |\n| --- | --- | --- | --- | --- |\n",
        );
        let mut shown = 0;
        // Denied first.
        let mut ordered: Vec<&Finding> = r.findings.iter().collect();
        ordered.sort_by_key(|f| f.severity);
        for f in &ordered {
            if out.len() > MARKDOWN_BUDGET / 2 {
                break;
            }
            let _ = writeln!(
                out,
                "| {} | `{}` | {} | {} | {} |",
                f.severity.as_str(),
                f.code.name(),
                md_cell(f.file.as_deref().unwrap_or("")),
                f.path
                    .as_deref()
                    .map(escape::markdown_code)
                    .unwrap_or_default(),
                md_cell(&f.message)
            );
            shown += 1;
        }
        if shown < ordered.len() {
            let _ = writeln!(
                out,
                "\n_{} more findings not shown; see the JSON or SARIF report._",
                ordered.len() - shown
            );
        }
        out.push('\n');
    }
    if !r.trust_sets.is_empty() {
        out.push_str("| trust set | digest | entries | signature |\n| --- | --- | --- | --- |\n");
        for s in &r.trust_sets {
            let _ = writeln!(
                out,
                "| {} | `{}` | {} | {} |",
                md_cell(&s.path),
                short(&s.digest),
                s.entries,
                md_cell(&signature_text(&s.signature))
            );
        }
        out.push('\n');
    }
    for input in &r.inputs {
        let _ = writeln!(
            out,
            "### {} {}\n",
            outcome(input.verdict),
            md_cell(&input.file)
        );
        if let Some(e) = &input.error {
            let _ = writeln!(out, "{}\n", md_cell(e));
        }
        let nodes: Vec<&NodeReport> = r.nodes.iter().filter(|n| n.file == input.file).collect();
        if nodes.is_empty() {
            continue;
        }
        let mut table = String::from("| node | kind | class | verdict | digest | name |\n| --- | --- | --- | --- | --- | --- |\n");
        for n in &nodes {
            let _ = writeln!(
                table,
                "| {} | {} | {} | {} | `{}` | {} |",
                escape::markdown_code(&n.path),
                n.kind.as_str(),
                n.class.as_str(),
                verdict_name(n.verdict),
                short(&n.digest),
                md_cell(n.name.as_deref().unwrap_or(""))
            );
        }
        if out.len() + table.len() < MARKDOWN_BUDGET * 3 / 4 {
            let _ = writeln!(
                out,
                "<details><summary>{} nodes</summary>\n\n{table}\n</details>\n",
                nodes.len()
            );
        } else {
            let _ = writeln!(
                out,
                "_{} nodes: too many to list here; see the JSON report._\n",
                nodes.len()
            );
        }
        // An analysis without its wiring has no graph (and its input is an
        // error in the report).
        let mermaid = analyses
            .iter()
            .find(|a| a.file == input.file)
            .and_then(|a| {
                let graph = CompositionGraph::build(a).ok()?;
                crate::render::graph::mermaid_overview(&graph, a).ok()
            });
        if let Some(mermaid) = mermaid {
            if out.len() + mermaid.len() + 64 < MARKDOWN_BUDGET {
                let _ = writeln!(out, "<details><summary>composition graph</summary>\n\n```mermaid\n{mermaid}```\n\n</details>\n");
            } else {
                out.push_str("_The composition graph is too large for a comment; run `wasm-audit graph --format mermaid`._\n\n");
            }
        }
    }
    if out.len() > MARKDOWN_BUDGET {
        let mut cut = MARKDOWN_BUDGET;
        while !out.is_char_boundary(cut) {
            cut -= 1;
        }
        out.truncate(cut);
        out.push_str("\n\n_Report cut to fit a comment; see the JSON report._\n");
    }
    out
}
