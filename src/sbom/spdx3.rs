//! SPDX 3.0.1 JSON-LD (format `spdx3-json`) from the [`Sbom`] model: the
//! core, software and security profiles, with the official context
//! (`https://spdx.org/rdf/3.0.1/spdx-context.jsonld`).
//!
//! Layout (one `@graph`):
//! - `CreationInfo` (a blank node every element points to): created,
//!   `createdBy` this tool as a `SoftwareAgent`, `createdUsing` it as a
//!   `Tool` with its version;
//! - `SpdxDocument` (profiles core, software, security) whose root element
//!   is a `software_Sbom` (type `analyzed`) whose root is the root package;
//! - one `software_Package` per node (the root, every nested component and
//!   module: version, supplier, description, SHA-256 `verifiedUsing`) with
//!   one `software_File` per node (the bytes: `hasDistributionArtifact`,
//!   MIME type `application/wasm`, SHA-256) and one per Rust crate
//!   (`software_packageUrl`, the purl also as an external identifier);
//! - relationships: a parent package `contains` its children, `dependsOn`
//!   as the model says (build-only crates: a `LifecycleScopedRelationship`
//!   of scope `build`), `hasDeclaredLicense` to a licence expression;
//! - the `wasm-audit:` properties as one `Annotation` per element;
//! - with `--advisory-db`: a `security_Vulnerability` per advisory (its
//!   RustSec id, CVE and GHSA aliases as external identifiers, the advisory
//!   pages as external references), a
//!   `security_VexAffectedVulnAssessmentRelationship` (`affects`) from it to
//!   the crate packages with the recommendation as action statement, and a
//!   `security_CvssV3VulnAssessmentRelationship` (`hasAssessmentFor`) when
//!   the advisory has a CVSS 3.x vector (CVSS 4.0 needs a score this tool
//!   does not compute, so none is written).
//!
//! The document is checked before it is returned ([`check`]): unique IRIs,
//! every reference resolves, well-formed hashes, purls and dates.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Map, Value};

use super::{invalid, Actor, ActorKind, Licence, Ref, Relation, Sbom, SbomFormat};
use crate::error::Result;

/// The specification version written.
pub const SPEC_VERSION: &str = "3.0.1";
/// The official JSON-LD context of SPDX 3.0.1.
pub const CONTEXT: &str = "https://spdx.org/rdf/3.0.1/spdx-context.jsonld";

const CREATION_INFO: &str = "_:creationinfo";

/// SPDX 3.0.1 JSON-LD, checked, with a final newline.
pub fn json(sbom: &Sbom) -> Result<Vec<u8>> {
    let format = SbomFormat::Spdx3Json;
    let doc = document(sbom)?;
    check(&doc).map_err(|why| invalid(sbom, format, &why))?;
    // The checked value, written with each element's identity first.
    let graph: Vec<Ordered> = doc
        .get("@graph")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(Ordered::of)
        .collect();
    #[derive(serde::Serialize)]
    struct Written<'a> {
        #[serde(rename = "@context")]
        context: &'static str,
        #[serde(rename = "@graph")]
        graph: Vec<Ordered<'a>>,
    }
    let written = Written {
        context: CONTEXT,
        graph,
    };
    let mut out =
        serde_json::to_vec_pretty(&written).map_err(|e| invalid(sbom, format, &e.to_string()))?;
    out.push(b'\n');
    Ok(out)
}

/// An element as written: `type`, `@id` or `spdxId`, `creationInfo` and
/// `name` first, the rest by name (a JSON map sorts its keys).
#[derive(serde::Serialize)]
struct Ordered<'a> {
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    kind: Option<&'a Value>,
    #[serde(rename = "@id", skip_serializing_if = "Option::is_none")]
    blank_id: Option<&'a Value>,
    #[serde(rename = "spdxId", skip_serializing_if = "Option::is_none")]
    spdx_id: Option<&'a Value>,
    #[serde(rename = "creationInfo", skip_serializing_if = "Option::is_none")]
    creation_info: Option<&'a Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a Value>,
    #[serde(flatten)]
    rest: BTreeMap<&'a str, &'a Value>,
}

impl<'a> Ordered<'a> {
    fn of(e: &'a Value) -> Ordered<'a> {
        let first = ["type", "@id", "spdxId", "creationInfo", "name"];
        Ordered {
            kind: e.get("type"),
            blank_id: e.get("@id"),
            spdx_id: e.get("spdxId"),
            creation_info: e.get("creationInfo"),
            name: e.get("name"),
            rest: e
                .as_object()
                .into_iter()
                .flatten()
                .filter(|(k, _)| !first.contains(&k.as_str()))
                .map(|(k, v)| (k.as_str(), v))
                .collect(),
        }
    }
}

/// Builds one element: `type`, `spdxId`, `creationInfo`, then `fields`.
fn element(kind: &str, id: &str, fields: Value) -> Value {
    let mut m = Map::new();
    m.insert("type".into(), Value::from(kind));
    m.insert("spdxId".into(), Value::from(id));
    m.insert("creationInfo".into(), Value::from(CREATION_INFO));
    if let Value::Object(more) = fields {
        for (k, v) in more {
            if !v.is_null() {
                m.insert(k, v);
            }
        }
    }
    Value::Object(m)
}

fn sha256(hex: &str) -> Value {
    json!([{"type": "Hash", "algorithm": "sha256", "hashValue": hex}])
}

struct Graph {
    base: String,
    elements: Vec<Value>,
    relationship_count: usize,
}

impl Graph {
    fn iri(&self, local: &str) -> String {
        format!("{}{local}", self.base)
    }

    fn relationship(&mut self, from: &str, kind: &str, to: Vec<String>, scope: Option<&str>) {
        if to.is_empty() {
            return;
        }
        self.relationship_count += 1;
        let id = self.iri(&format!("relationship-{}", self.relationship_count));
        let (class, scope) = match scope {
            Some(s) => ("LifecycleScopedRelationship", Value::from(s)),
            None => ("Relationship", Value::Null),
        };
        self.elements.push(element(
            class,
            &id,
            json!({"from": from, "relationshipType": kind, "to": to, "scope": scope}),
        ));
    }
}

fn document(sbom: &Sbom) -> Result<Value> {
    let format = SbomFormat::Spdx3Json;
    let created = sbom
        .created()
        .ok_or_else(|| invalid(sbom, format, "timestamp after 9999-12-31T23:59:59Z"))?;
    let mut g = Graph {
        base: format!("urn:uuid:{}#", sbom.serial),
        elements: Vec::new(),
        relationship_count: 0,
    };
    let agent = g.iri("agent-wasm-audit");
    let tool = g.iri("tool-wasm-audit");
    let doc_id = g.iri("document");
    let sbom_id = g.iri("sbom");
    let part_iri = |g: &Graph, r: Ref| sbom.id(r).map(|id| g.iri(id));

    g.elements.push(element(
        "SoftwareAgent",
        &agent,
        json!({"name": sbom.tool_name}),
    ));
    g.elements.push(element(
        "Tool",
        &tool,
        json!({"name": format!("{} {}", sbom.tool_name, sbom.tool_version)}),
    ));

    // Suppliers: one agent per distinct actor.
    let mut agents: BTreeMap<Actor, String> = BTreeMap::new();
    let actors = sbom
        .parts
        .iter()
        .filter_map(|p| p.supplier.as_ref())
        .chain(sbom.crates.iter().filter_map(|k| k.supplier.as_ref()));
    for a in actors {
        if agents.contains_key(a) {
            continue;
        }
        let digest =
            crate::digest::sha256(format!("{:?}\0{}\0{:?}", a.kind, a.name, a.email).as_bytes());
        let hex = digest.strip_prefix("sha256:").unwrap_or(&digest);
        let id = g.iri(&format!(
            "agent-{}-{}",
            super::sanitize(&a.name),
            hex.get(..12).unwrap_or(hex)
        ));
        let (kind, ext) = match (a.kind, &a.email) {
            (ActorKind::Person, Some(email)) => (
                "Person",
                json!([{"type": "ExternalIdentifier", "externalIdentifierType": "email", "identifier": email}]),
            ),
            (ActorKind::Person, None) => ("Person", Value::Null),
            (ActorKind::Organization, _) => ("Organization", Value::Null),
        };
        g.elements.push(element(
            kind,
            &id,
            json!({"name": a.name, "externalIdentifier": ext}),
        ));
        agents.insert(a.clone(), id);
    }
    let supplier = |a: &Option<Actor>| a.as_ref().and_then(|a| agents.get(a)).cloned();

    let annotate = |g: &mut Graph, subject: &str, local: &str, props: &[super::Property]| {
        if props.is_empty() {
            return;
        }
        let lines: Vec<String> = props
            .iter()
            .map(|p| format!("{}={}", p.name, p.value))
            .collect();
        let id = g.iri(&format!("annotation-{local}"));
        g.elements.push(element(
            "Annotation",
            &id,
            json!({"annotationType": "other", "subject": subject, "statement": lines.join("\n")}),
        ));
    };

    let mut licences: BTreeMap<String, String> = BTreeMap::new();
    for (i, p) in sbom.parts.iter().enumerate() {
        let id = g.iri(&p.id);
        let file = g.iri(&format!("file-{}", p.id));
        let mut source = Vec::new();
        if let Some(url) = &p.vcs {
            source.push(format!("source: {url}"));
        }
        if let Some(rev) = &p.revision {
            source.push(format!("revision: {rev}"));
        }
        let licence_comment = match &p.licence {
            Some(Licence::Other(text)) => Some(format!(
                "The `licenses` section reads `{text}`, which is not an SPDX licence expression."
            )),
            _ => None,
        };
        let mut comment = p.describe();
        if let Some(c) = licence_comment {
            comment.push_str("; ");
            comment.push_str(&c);
        }
        g.elements.push(element(
            "software_Package",
            &id,
            json!({
                "name": p.name,
                "software_packageVersion": p.version_or_digest(),
                "suppliedBy": supplier(&p.supplier),
                "description": p.description,
                "comment": comment,
                "software_primaryPurpose": if i == 0 { "application" } else { "library" },
                "software_homePage": p.website,
                "software_sourceInfo": (!source.is_empty()).then(|| source.join("; ")),
                "verifiedUsing": sha256(&p.sha256),
            }),
        ));
        // The root file by its name, not the path it was read from (the
        // same bytes give the same document wherever they are); a nested
        // node by its path inside the root.
        let file_name = if i == 0 {
            std::path::Path::new(&sbom.file)
                .file_name()
                .map(|n| super::clean(&n.to_string_lossy()))
                .filter(|n| !n.is_empty() && n != "-")
                .unwrap_or_else(|| p.name.clone())
        } else {
            p.path.clone()
        };
        g.elements.push(element(
            "software_File",
            &file,
            json!({
                "name": if file_name.is_empty() { p.path.clone() } else { file_name },
                "contentType": "application/wasm",
                "software_primaryPurpose": if i == 0 { "application" } else { "library" },
                "verifiedUsing": sha256(&p.sha256),
            }),
        ));
        g.relationship(&id, "hasDistributionArtifact", vec![file], None);
        if let Some(Licence::Expression(e)) = &p.licence {
            let n = licences.len();
            let lid = licences
                .entry(e.clone())
                .or_insert_with(|| g.iri(&format!("licence-{n}")))
                .clone();
            g.relationship(&id, "hasDeclaredLicense", vec![lid], None);
        }
        annotate(&mut g, &id, &p.id, &p.properties);
    }
    for (e, lid) in &licences {
        g.elements.push(element(
            "simplelicensing_LicenseExpression",
            lid,
            json!({"simplelicensing_licenseExpression": e}),
        ));
    }
    for k in &sbom.crates {
        let id = g.iri(&k.id);
        let mut comment = format!(
            "Rust crate from the cargo-auditable `.dep-v0` section of {} (source: {})",
            k.found_in.join(", "),
            k.source
        );
        if k.build_only {
            comment.push_str("; build-time only, not in the binary");
        }
        g.elements.push(element(
            "software_Package",
            &id,
            json!({
                "name": k.name,
                "software_packageVersion": k.version,
                "suppliedBy": supplier(&k.supplier),
                "comment": comment,
                "software_primaryPurpose": "library",
                "software_packageUrl": k.purl,
                "externalIdentifier": k.purl.as_ref().map(|p| json!([
                    {"type": "ExternalIdentifier", "externalIdentifierType": "packageUrl", "identifier": p}
                ])),
            }),
        ));
        annotate(&mut g, &id, &k.id, &k.properties);
    }

    // Relationships, grouped by source and kind.
    let mut grouped: BTreeMap<(Ref, Relation), Vec<String>> = BTreeMap::new();
    for r in &sbom.relationships {
        if let Some(to) = part_iri(&g, r.to) {
            grouped.entry((r.from, r.relation)).or_default().push(to);
        }
    }
    for ((from, relation), to) in grouped {
        let Some(from) = part_iri(&g, from) else {
            continue;
        };
        match relation {
            Relation::Contains => g.relationship(&from, "contains", to, None),
            Relation::DependsOn => g.relationship(&from, "dependsOn", to, None),
            Relation::BuildDependsOn => g.relationship(&from, "dependsOn", to, Some("build")),
        }
    }

    // Vulnerabilities.
    for v in &sbom.vulnerabilities {
        let a = &v.advisory;
        let local = format!("vulnerability-{}", super::sanitize(&a.id));
        let vid = g.iri(&local);
        let mut ids = vec![json!({
            "type": "ExternalIdentifier",
            "externalIdentifierType": "securityOther",
            "identifier": a.id,
            "identifierLocator": [a.rustsec_url()],
            "issuingAuthority": "RustSec",
        })];
        for alias in a.aliases.iter().filter(|alias| {
            alias
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        }) {
            if alias.starts_with("CVE-") {
                ids.push(json!({
                    "type": "ExternalIdentifier",
                    "externalIdentifierType": "cve",
                    "identifier": alias,
                    "identifierLocator": [format!("https://nvd.nist.gov/vuln/detail/{alias}")],
                }));
            } else if alias.starts_with("GHSA-") {
                ids.push(json!({
                    "type": "ExternalIdentifier",
                    "externalIdentifierType": "securityOther",
                    "identifier": alias,
                    "identifierLocator": [format!("https://github.com/advisories/{alias}")],
                }));
            }
        }
        let mut locators = vec![
            a.rustsec_url(),
            format!("https://osv.dev/vulnerability/{}", a.id),
        ];
        if let Some(u) = a
            .url
            .as_deref()
            .filter(|u| super::is_url(u, super::WEB_SCHEMES))
        {
            locators.push(u.to_string());
        }
        let published = super::cyclonedx::date_ok(&a.date).then(|| format!("{}T00:00:00Z", a.date));
        g.elements.push(element(
            "security_Vulnerability",
            &vid,
            json!({
                "name": a.id,
                "summary": (!a.title.is_empty()).then(|| super::clean(&a.title)),
                "externalIdentifier": ids,
                "externalRef": [{"type": "ExternalRef", "externalRefType": "securityAdvisory", "locator": locators}],
                "security_publishedTime": published,
            }),
        ));
        let affected: Vec<String> = v
            .affects
            .iter()
            .filter_map(|(ci, _)| sbom.crates.get(*ci).map(|c| g.iri(&c.id)))
            .collect();
        if affected.is_empty() {
            continue;
        }
        let vex = g.iri(&format!("{local}-affects"));
        g.elements.push(element(
            "security_VexAffectedVulnAssessmentRelationship",
            &vex,
            json!({
                "from": vid,
                "relationshipType": "affects",
                "to": affected,
                "security_actionStatement": super::clean(&super::recommendation(a)),
                "comment": format!(
                    "Found in the .dep-v0 sections of {}",
                    v.affects.iter().flat_map(|(_, p)| p.iter().cloned()).collect::<Vec<_>>().join(", ")
                ),
            }),
        ));
        let rated = a
            .cvss
            .as_deref()
            .and_then(|vector| crate::advisory::cvss::base_score(vector).map(|r| (vector, r)));
        if let Some((vector, r)) = rated {
            let cvss = g.iri(&format!("{local}-cvss"));
            g.elements.push(element(
                if r.version.0 == 4 {
                    "security_CvssV4VulnAssessmentRelationship"
                } else {
                    "security_CvssV3VulnAssessmentRelationship"
                },
                &cvss,
                json!({
                    "from": vid,
                    "relationshipType": "hasAssessmentFor",
                    "to": affected,
                    "security_score": r.score,
                    "security_severity": r.severity,
                    "security_vectorString": vector,
                }),
            ));
        }
    }

    let root = sbom.root();
    let name = root.map_or_else(|| sbom.file.clone(), |r| r.name.clone());
    let all: Vec<Value> = g
        .elements
        .iter()
        .filter_map(|e| e.get("spdxId").cloned())
        .collect();
    let root_pkg = part_iri(&g, Ref::Part(0));
    g.elements.push(element(
        "software_Sbom",
        &sbom_id,
        json!({
            "name": format!("SBOM of {name}"),
            "software_sbomType": ["analyzed"],
            "rootElement": root_pkg.iter().collect::<Vec<_>>(),
            "element": all,
        }),
    ));
    let mut with_sbom = all;
    with_sbom.push(Value::from(sbom_id.clone()));
    g.elements.push(element(
        "SpdxDocument",
        &doc_id,
        json!({
            "name": name,
            "profileConformance": ["core", "software", "security"],
            "rootElement": [sbom_id],
            "element": with_sbom,
            "comment": format!(
                "Every nested component and core module of {name} at every depth, with the Rust \
                 crates of their .dep-v0 sections, as decomposed by {}.",
                sbom.tool_name
            ),
        }),
    ));

    let mut graph = vec![json!({
        "type": "CreationInfo",
        "@id": CREATION_INFO,
        "specVersion": SPEC_VERSION,
        "created": created,
        "createdBy": [agent],
        "createdUsing": [tool],
    })];
    graph.extend(g.elements);
    Ok(json!({"@context": CONTEXT, "@graph": graph}))
}

/// What the SPDX 3 readers reject and this writer could get wrong: IRIs
/// unique and well-formed, every reference (relationship ends, suppliers,
/// annotation subjects, collection members) to an element of the graph,
/// SHA-256 values of 64 lowercase hex digits, purls that parse, dates.
pub fn check(doc: &Value) -> std::result::Result<(), String> {
    let mut errors = Vec::new();
    let graph = doc
        .get("@graph")
        .and_then(Value::as_array)
        .ok_or("no @graph")?;
    let mut ids = BTreeSet::new();
    for e in graph {
        if let Some(id) = e.get("spdxId").and_then(Value::as_str) {
            let ok = id.starts_with("urn:uuid:")
                && id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b":-#._".contains(&b));
            if !ok {
                errors.push(format!("malformed spdxId `{id}`"));
            }
            if !ids.insert(id) {
                errors.push(format!("duplicate spdxId `{id}`"));
            }
        }
    }
    let refs = |e: &Value, key: &str| -> Vec<String> {
        match e.get(key) {
            Some(Value::String(s)) => vec![s.clone()],
            Some(Value::Array(list)) => list
                .iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect(),
            _ => Vec::new(),
        }
    };
    for e in graph {
        for key in [
            "from",
            "to",
            "suppliedBy",
            "subject",
            "element",
            "rootElement",
        ] {
            for r in refs(e, key) {
                if !ids.contains(r.as_str()) {
                    errors.push(format!("`{key}` names no element: `{r}`"));
                }
            }
        }
        if e.get("creationInfo").is_some()
            && e.get("creationInfo").and_then(Value::as_str) != Some(CREATION_INFO)
        {
            errors.push("an element with another creationInfo".to_string());
        }
        for h in e
            .get("verifiedUsing")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let v = h.get("hashValue").and_then(Value::as_str).unwrap_or("");
            if v.len() != 64
                || !v
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
            {
                errors.push(format!("malformed SHA-256 `{v}`"));
            }
        }
        if let Some(p) = e.get("software_packageUrl") {
            if !p.as_str().is_some_and(super::cyclonedx::purl_ok) {
                errors.push(format!("malformed purl {p}"));
            }
        }
        for key in ["created", "security_publishedTime"] {
            if let Some(d) = e.get(key) {
                let ok = d.as_str().is_some_and(|d| {
                    d.get(..10).is_some_and(super::cyclonedx::date_ok) && super::is_utc_timestamp(d)
                });
                if !ok {
                    errors.push(format!("malformed date {d}"));
                }
            }
        }
    }
    let documents = graph
        .iter()
        .filter(|e| e.get("type").and_then(Value::as_str) == Some("SpdxDocument"))
        .count();
    if documents != 1 {
        errors.push(format!("{documents} SpdxDocument elements, not one"));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        errors.truncate(10);
        Err(errors.join("; "))
    }
}
