//! CycloneDX 1.5, 1.6 and 1.7 (JSON and XML) from the [`Sbom`] model, with
//! this crate's own types: the `cyclonedx-bom` crate stops at 1.5. Every
//! document is held to the official JSON schema of its version (embedded
//! from `schemas/cyclonedx/`, see its README for the provenance) and to a
//! reference lint ([`lint`]) before a byte is returned; the XML form is
//! written from the same typed document once its JSON form validated.
//!
//! Layout (what Dependency-Track and GitLab read is where they read it):
//! - `metadata.component`: the root (type `application`), with its
//!   version, hash, licences, author and supplier, external references
//!   (`vcs`, `website`) and properties; `metadata.tools.components`: this
//!   tool; `metadata.timestamp`: the model's timestamp;
//!   `metadata.lifecycles`: `post-build` (the tool reads built binaries);
//! - `components`: the root's children, each nesting its own children in
//!   `components` (assembly), every node of the composition exactly once,
//!   type `library`, MIME type `application/wasm`; then every Rust crate
//!   at the top level, type `library` with its `pkg:cargo` purl (scope
//!   `excluded` when it is only a build-time dependency) and its
//!   `evidence`: the identity (purl, technique `binary-analysis`, the
//!   `.dep-v0` section it was read from) and one occurrence per module
//!   (the node path; from 1.6 the byte offset of the section too);
//!   in 1.7, the root's imported interfaces as `isExternal` components
//!   (what the host must provide);
//! - `dependencies`: one entry per component with what it depends on;
//!   containment is the nesting, not a dependency;
//! - `vulnerabilities` (with `--advisory-db`): one per advisory, `affects`
//!   naming the crate components' bom-refs.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::str::FromStr;
use std::sync::OnceLock;

use serde::Serialize;

use super::{invalid, Actor, ActorKind, CratePart, Licence, Part, Ref, Relation, Sbom, SbomFormat};
use crate::error::{Error, Result};
use crate::model::NodeKind;

/// A CycloneDX specification version this tool writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum Version {
    /// 1.5 (June 2023): what older consumers read.
    V1_5,
    /// 1.6 (April 2024), the default: Dependency-Track 4.14 reads up to 1.6.
    #[default]
    V1_6,
    /// 1.7 (October 2025): Dependency-Track 5.
    V1_7,
}

impl Version {
    /// Every version, oldest first.
    pub const ALL: [Version; 3] = [Version::V1_5, Version::V1_6, Version::V1_7];

    /// `1.5`, `1.6`, `1.7`.
    pub fn as_str(self) -> &'static str {
        match self {
            Version::V1_5 => "1.5",
            Version::V1_6 => "1.6",
            Version::V1_7 => "1.7",
        }
    }

    fn schema_text(self) -> &'static str {
        match self {
            Version::V1_5 => include_str!("../../schemas/cyclonedx/bom-1.5.schema.json"),
            Version::V1_6 => include_str!("../../schemas/cyclonedx/bom-1.6.schema.json"),
            Version::V1_7 => include_str!("../../schemas/cyclonedx/bom-1.7.schema.json"),
        }
    }

    fn index(self) -> usize {
        match self {
            Version::V1_5 => 0,
            Version::V1_6 => 1,
            Version::V1_7 => 2,
        }
    }
}

impl std::fmt::Display for Version {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Version {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        Version::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| {
                Error::Usage(format!(
                    "unknown CycloneDX version `{s}` (expected 1.5, 1.6 or 1.7)"
                ))
            })
    }
}

/// The default specification version written.
pub const SPEC_VERSION: &str = "1.6";

// ---------------------------------------------------------------- types

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Bom {
    #[serde(rename = "$schema")]
    schema: String,
    bom_format: &'static str,
    spec_version: &'static str,
    serial_number: String,
    version: u32,
    metadata: Metadata,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    components: Vec<Component>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    dependencies: Vec<Dependency>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    vulnerabilities: Vec<Vulnerability>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Metadata {
    timestamp: String,
    lifecycles: Vec<Lifecycle>,
    tools: Tools,
    #[serde(skip_serializing_if = "Option::is_none")]
    component: Option<Component>,
    #[serde(skip_serializing_if = "Option::is_none")]
    supplier: Option<Organization>,
}

#[derive(Debug, Serialize)]
struct Lifecycle {
    phase: &'static str,
}

#[derive(Debug, Serialize)]
struct Tools {
    components: Vec<Component>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Component {
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(rename = "mime-type", skip_serializing_if = "Option::is_none")]
    mime_type: Option<&'static str>,
    #[serde(rename = "bom-ref", skip_serializing_if = "Option::is_none")]
    bom_ref: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    supplier: Option<Organization>,
    #[serde(skip_serializing_if = "Option::is_none")]
    author: Option<String>,
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    is_external: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    scope: Option<&'static str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    hashes: Vec<Hash>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    licenses: Vec<LicenseChoice>,
    #[serde(skip_serializing_if = "Option::is_none")]
    purl: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    external_references: Vec<ExternalReference>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    properties: Vec<Property>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    components: Vec<Component>,
    #[serde(skip_serializing_if = "Option::is_none")]
    evidence: Option<Evidence>,
}

#[derive(Debug, Serialize)]
struct Organization {
    name: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    contact: Vec<Contact>,
}

#[derive(Debug, Serialize)]
struct Contact {
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    email: Option<String>,
}

#[derive(Debug, Serialize)]
struct Hash {
    alg: &'static str,
    content: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
enum LicenseChoice {
    Expression(String),
    License { name: String },
}

#[derive(Debug, Serialize)]
struct ExternalReference {
    #[serde(rename = "type")]
    kind: &'static str,
    url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    comment: Option<String>,
}

#[derive(Debug, Serialize)]
struct Property {
    name: String,
    value: String,
}

#[derive(Debug, Serialize)]
struct Evidence {
    identity: IdentityEvidence,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    occurrences: Vec<Occurrence>,
}

/// 1.5 takes one identity object; 1.6 and 1.7 an array (the single
/// object is deprecated there).
#[derive(Debug, Serialize)]
#[serde(untagged)]
enum IdentityEvidence {
    One(Identity),
    Many(Vec<Identity>),
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Identity {
    field: &'static str,
    confidence: f64,
    /// 1.6+.
    #[serde(skip_serializing_if = "Option::is_none")]
    concluded_value: Option<String>,
    methods: Vec<Method>,
}

#[derive(Debug, Serialize)]
struct Method {
    technique: &'static str,
    confidence: f64,
    value: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Occurrence {
    location: String,
    /// 1.6+.
    #[serde(skip_serializing_if = "Option::is_none")]
    offset: Option<u64>,
    /// 1.6+.
    #[serde(skip_serializing_if = "Option::is_none")]
    additional_context: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Dependency {
    #[serde(rename = "ref")]
    reference: String,
    depends_on: Vec<String>,
}

#[derive(Debug, Serialize)]
struct Vulnerability {
    #[serde(rename = "bom-ref")]
    bom_ref: String,
    id: String,
    source: Source,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    references: Vec<VulnReference>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    ratings: Vec<Rating>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    recommendation: String,
    advisories: Vec<AdvisoryRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    published: Option<String>,
    affects: Vec<Affects>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    properties: Vec<Property>,
}

#[derive(Debug, Serialize)]
struct Source {
    name: &'static str,
    url: String,
}

#[derive(Debug, Serialize)]
struct VulnReference {
    id: String,
    source: Source,
}

#[derive(Debug, Serialize)]
struct Rating {
    source: Source,
    #[serde(skip_serializing_if = "Option::is_none")]
    score: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    severity: Option<&'static str>,
    method: &'static str,
    vector: String,
}

#[derive(Debug, Serialize)]
struct AdvisoryRef {
    #[serde(skip_serializing_if = "Option::is_none")]
    title: Option<String>,
    url: String,
}

#[derive(Debug, Serialize)]
struct Affects {
    #[serde(rename = "ref")]
    reference: String,
    versions: Vec<AffectedVersion>,
}

#[derive(Debug, Serialize)]
struct AffectedVersion {
    version: String,
    status: &'static str,
}

// ---------------------------------------------------------------- writers

/// CycloneDX JSON of `version`, validated, with a final newline.
pub fn json(sbom: &Sbom, version: Version) -> Result<Vec<u8>> {
    // The typed document, not the checked value: the same content, in the
    // field order of the types (the value's map is sorted by key).
    let (bom, _) = validated(sbom, version, SbomFormat::CycloneDxJson)?;
    let mut out = serde_json::to_vec_pretty(&bom)
        .map_err(|e| invalid(sbom, SbomFormat::CycloneDxJson, &e.to_string()))?;
    out.push(b'\n');
    Ok(out)
}

/// CycloneDX XML of `version`, written from the document whose JSON form
/// validated, with a final newline.
pub fn xml(sbom: &Sbom, version: Version) -> Result<Vec<u8>> {
    let (bom, _) = validated(sbom, version, SbomFormat::CycloneDxXml)?;
    Ok(to_xml(&bom, version).into_bytes())
}

/// The document of `sbom`, once it passes the official schema and the lint.
fn validated(
    sbom: &Sbom,
    version: Version,
    format: SbomFormat,
) -> Result<(Bom, serde_json::Value)> {
    let bom = bom(sbom, version, format)?;
    let value = serde_json::to_value(&bom).map_err(|e| invalid(sbom, format, &e.to_string()))?;
    check_schema(&value, version).map_err(|why| invalid(sbom, format, &why))?;
    lint(&value).map_err(|why| invalid(sbom, format, &why))?;
    Ok((bom, value))
}

/// Holds `doc` to the official CycloneDX JSON schema of `version` (with
/// the SPDX licence, JSF and cryptography schemas it refers to, all
/// embedded: nothing is fetched). The errors, joined, when it fails.
pub fn check_schema(doc: &serde_json::Value, version: Version) -> std::result::Result<(), String> {
    static VALIDATORS: [OnceLock<std::result::Result<jsonschema::Validator, String>>; 3] =
        [OnceLock::new(), OnceLock::new(), OnceLock::new()];
    let slot = VALIDATORS
        .get(version.index())
        .ok_or_else(|| "no validator slot".to_string())?;
    let validator = slot
        .get_or_init(|| build_validator(version))
        .as_ref()
        .map_err(Clone::clone)?;
    let errors: Vec<String> = validator
        .iter_errors(doc)
        .take(10)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(format!("CycloneDX {version} schema: {}", errors.join("; ")))
    }
}

fn build_validator(version: Version) -> std::result::Result<jsonschema::Validator, String> {
    let parse = |name: &str, text: &str| {
        serde_json::from_str::<serde_json::Value>(text)
            .map_err(|e| format!("embedded schema {name}: {e}"))
    };
    let schema = parse("bom", version.schema_text())?;
    let aux = [
        (
            "spdx.schema.json",
            include_str!("../../schemas/cyclonedx/spdx.schema.json"),
        ),
        (
            "jsf-0.82.schema.json",
            include_str!("../../schemas/cyclonedx/jsf-0.82.schema.json"),
        ),
        (
            "cryptography-defs.schema.json",
            include_str!("../../schemas/cyclonedx/cryptography-defs.schema.json"),
        ),
    ];
    let mut resources = Vec::new();
    for (name, text) in aux {
        resources.push((
            format!("http://cyclonedx.org/schema/{name}"),
            jsonschema::Resource::from_contents(parse(name, text)?),
        ));
    }
    let registry = jsonschema::Registry::new()
        .extend(resources)
        .and_then(|r| r.prepare())
        .map_err(|e| format!("schema registry: {e}"))?;
    jsonschema::options()
        .with_registry(&registry)
        .should_validate_formats(true)
        .build(&schema)
        .map_err(|e| format!("CycloneDX {version} schema: {e}"))
}

/// Dependency-Track-style reference lint of a CycloneDX JSON document:
/// bom-refs are unique across components (nested, metadata, tools) and
/// vulnerabilities; every `dependencies` ref and `dependsOn` entry and
/// every vulnerability `affects` ref names a component; every purl parses
/// ([`purl_ok`]).
pub fn lint(doc: &serde_json::Value) -> std::result::Result<(), String> {
    let mut refs: BTreeSet<String> = BTreeSet::new();
    let mut components: BTreeSet<String> = BTreeSet::new();
    let mut problems = Vec::new();
    let mut stack: Vec<&serde_json::Value> = Vec::new();
    let metadata = doc.get("metadata");
    if let Some(c) = metadata.and_then(|m| m.get("component")) {
        stack.push(c);
    }
    if let Some(list) = metadata
        .and_then(|m| m.get("tools"))
        .and_then(|t| t.get("components"))
        .and_then(|c| c.as_array())
    {
        stack.extend(list);
    }
    if let Some(list) = doc.get("components").and_then(|c| c.as_array()) {
        stack.extend(list);
    }
    while let Some(c) = stack.pop() {
        if let Some(r) = c.get("bom-ref").and_then(|r| r.as_str()) {
            if !refs.insert(r.to_string()) {
                problems.push(format!("duplicate bom-ref `{r}`"));
            }
            components.insert(r.to_string());
        }
        if let Some(p) = c.get("purl") {
            match p.as_str() {
                Some(s) if purl_ok(s) => {}
                _ => problems.push(format!("purl {p} does not parse")),
            }
        }
        if let Some(list) = c.get("components").and_then(|c| c.as_array()) {
            stack.extend(list);
        }
    }
    for v in doc
        .get("vulnerabilities")
        .and_then(|v| v.as_array())
        .into_iter()
        .flatten()
    {
        if let Some(r) = v.get("bom-ref").and_then(|r| r.as_str()) {
            if !refs.insert(r.to_string()) {
                problems.push(format!("duplicate bom-ref `{r}`"));
            }
        }
        for a in v
            .get("affects")
            .and_then(|a| a.as_array())
            .into_iter()
            .flatten()
        {
            let r = a.get("ref").and_then(|r| r.as_str()).unwrap_or("");
            if !components.contains(r) {
                problems.push(format!("affects ref `{r}` names no component"));
            }
        }
    }
    for d in doc
        .get("dependencies")
        .and_then(|d| d.as_array())
        .into_iter()
        .flatten()
    {
        let r = d.get("ref").and_then(|r| r.as_str()).unwrap_or("");
        if !components.contains(r) {
            problems.push(format!("dependency ref `{r}` names no component"));
        }
        for on in d
            .get("dependsOn")
            .and_then(|a| a.as_array())
            .into_iter()
            .flatten()
        {
            let on = on.as_str().unwrap_or("");
            if !components.contains(on) {
                problems.push(format!("`{r}` depends on `{on}`, which names no component"));
            }
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        problems.truncate(10);
        Err(format!("bom-ref lint: {}", problems.join("; ")))
    }
}

/// Whether `s` is a package URL as the purl specification writes it:
/// `pkg:type/[namespace/]name[@version][?qualifiers][#subpath]`, the type
/// a letter then letters, digits, `.`, `+`, `-`; a non-empty name; every
/// `%` followed by two hex digits; no whitespace or control characters.
pub fn purl_ok(s: &str) -> bool {
    let Some(rest) = s.strip_prefix("pkg:") else {
        return false;
    };
    let bytes = s.as_bytes();
    for (k, &b) in bytes.iter().enumerate() {
        if b <= b' ' || b == 0x7f {
            return false;
        }
        if b == b'%' {
            let hex = |o: usize| bytes.get(k + o).is_some_and(|h| h.is_ascii_hexdigit());
            if !(hex(1) && hex(2)) {
                return false;
            }
        }
    }
    let rest = rest.split('#').next().unwrap_or("");
    let rest = rest.split('?').next().unwrap_or("");
    let Some((kind, path)) = rest.split_once('/') else {
        return false;
    };
    let type_ok = kind.bytes().next().is_some_and(|b| b.is_ascii_alphabetic())
        && kind
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+.-".contains(&b));
    let path = path.trim_matches('/');
    let name_version = path.rsplit('/').next().unwrap_or("");
    let name = name_version.split('@').next().unwrap_or("");
    type_ok && !name.is_empty() && name_version.matches('@').count() <= 1
}

// ---------------------------------------------------------------- model → document

fn bom(sbom: &Sbom, version: Version, format: SbomFormat) -> Result<Bom> {
    let timestamp = sbom
        .created()
        .ok_or_else(|| invalid(sbom, format, "timestamp after 9999-12-31T23:59:59Z"))?;

    // Nodes are in pre-order (children after their parent), so building
    // from the last to the first finishes every child before its parent
    // takes it; no recursion, whatever the depth.
    let mut built: Vec<Option<Component>> = sbom
        .parts
        .iter()
        .enumerate()
        .map(|(i, p)| Some(part(p, i == 0)))
        .collect();
    for i in (0..sbom.parts.len()).rev() {
        let Some(p) = sbom.parts.get(i) else { continue };
        let children: Vec<Component> = p
            .children
            .iter()
            .filter(|&&c| c > i)
            .filter_map(|&c| built.get_mut(c).and_then(Option::take))
            .collect();
        if let Some(Some(component)) = built.get_mut(i) {
            component.components = children;
        }
    }
    let mut root = built.first_mut().and_then(Option::take);
    // The root's children are the document's top-level components; the
    // described component itself stays in the metadata.
    let mut components = root
        .as_mut()
        .map(|r| std::mem::take(&mut r.components))
        .unwrap_or_default();
    components.extend(sbom.crates.iter().map(|k| crate_component(k, version)));

    let mut dependencies = Vec::with_capacity(sbom.parts.len() + sbom.crates.len());
    let refs = (0..sbom.parts.len())
        .map(Ref::Part)
        .chain((0..sbom.crates.len()).map(Ref::Crate));
    let externals = if version >= Version::V1_7 {
        external_interfaces(sbom)
    } else {
        Vec::new()
    };
    for r in refs {
        let Some(id) = sbom.id(r) else { continue };
        let mut on: Vec<String> = sbom
            .targets(r, Relation::DependsOn)
            .chain(sbom.targets(r, Relation::BuildDependsOn))
            .filter_map(|t| sbom.id(t).map(str::to_string))
            .collect();
        if r == Ref::Part(0) {
            on.extend(externals.iter().filter_map(|c| c.bom_ref.clone()));
        }
        on.sort();
        on.dedup();
        dependencies.push(Dependency {
            reference: id.to_string(),
            depends_on: on,
        });
    }
    for c in &externals {
        if let Some(r) = &c.bom_ref {
            dependencies.push(Dependency {
                reference: r.clone(),
                depends_on: Vec::new(),
            });
        }
    }
    components.extend(externals);

    let tool = Component {
        description: Some(
            "Audits WebAssembly components: decomposes, hashes and wires every nested \
             component and module"
                .to_string(),
        ),
        ..bare(
            "application",
            sbom.tool_name,
            Some(sbom.tool_version.to_string()),
            None,
        )
    };

    let metadata = Metadata {
        timestamp,
        lifecycles: vec![Lifecycle {
            phase: "post-build",
        }],
        tools: Tools {
            components: vec![tool],
        },
        supplier: sbom
            .root()
            .and_then(|r| r.supplier.as_ref())
            .map(organization),
        component: root,
    };

    Ok(Bom {
        schema: format!(
            "http://cyclonedx.org/schema/bom-{}.schema.json",
            version.as_str()
        ),
        bom_format: "CycloneDX",
        spec_version: version.as_str(),
        serial_number: format!("urn:uuid:{}", sbom.serial),
        version: 1,
        metadata,
        components,
        dependencies,
        vulnerabilities: vulnerabilities(sbom),
    })
}

fn bare(
    kind: &'static str,
    name: &str,
    version: Option<String>,
    bom_ref: Option<String>,
) -> Component {
    Component {
        kind,
        mime_type: None,
        bom_ref,
        supplier: None,
        author: None,
        name: name.to_string(),
        version,
        is_external: None,
        description: None,
        scope: None,
        hashes: Vec::new(),
        licenses: Vec::new(),
        purl: None,
        external_references: Vec::new(),
        properties: Vec::new(),
        components: Vec::new(),
        evidence: None,
    }
}

/// The interfaces the root component imports, as external components
/// (1.7 `isExternal`: provided by the environment, not in the assembly).
fn external_interfaces(sbom: &Sbom) -> Vec<Component> {
    let Some(root) = sbom.root().filter(|r| r.kind == NodeKind::Component) else {
        return Vec::new();
    };
    let names: BTreeSet<&str> = root
        .properties
        .iter()
        .filter(|p| p.name == super::names::IMPORT)
        .map(|p| p.value.as_str())
        .filter(|v| !v.is_empty())
        .collect();
    names
        .into_iter()
        .map(|name| {
            let digest = crate::digest::sha256(name.as_bytes());
            let hex = digest.strip_prefix("sha256:").unwrap_or(&digest);
            let id = format!(
                "import-{}-{}",
                super::sanitize(name),
                hex.get(..12).unwrap_or(hex)
            );
            let version = name
                .rsplit_once('@')
                .map(|(_, v)| v.to_string())
                .filter(|v| !v.is_empty());
            Component {
                is_external: Some(true),
                description: Some(
                    "An interface the component imports: provided by the host, not part of \
                     the assembly"
                        .to_string(),
                ),
                properties: vec![Property {
                    name: super::names::KIND.to_string(),
                    value: "imported-interface".to_string(),
                }],
                ..bare("library", name, version, Some(id))
            }
        })
        .collect()
}

/// The vulnerabilities of the crates (`--advisory-db`), each affecting the
/// crate components by their bom-refs; rated from the advisory's CVSS
/// vector (3.x scored, 4.0 passed on with its vector only); sourced as
/// `OSV` (which serves every RustSec advisory under its id, so
/// Dependency-Track can correlate it) with the advisory's page; its CVE
/// and GHSA aliases as references.
fn vulnerabilities(sbom: &Sbom) -> Vec<Vulnerability> {
    let mut out = Vec::new();
    for v in &sbom.vulnerabilities {
        let a = &v.advisory;
        let osv = || Source {
            name: "OSV",
            url: format!("https://osv.dev/vulnerability/{}", a.id),
        };
        let references = a
            .aliases
            .iter()
            .filter(|alias| {
                alias
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            })
            .filter_map(|alias| {
                let source = if alias.starts_with("CVE-") {
                    Source {
                        name: "NVD",
                        url: format!("https://nvd.nist.gov/vuln/detail/{alias}"),
                    }
                } else if alias.starts_with("GHSA-") {
                    Source {
                        name: "GITHUB",
                        url: format!("https://github.com/advisories/{alias}"),
                    }
                } else {
                    return None;
                };
                Some(VulnReference {
                    id: alias.clone(),
                    source,
                })
            })
            .collect();
        let ratings = a
            .cvss
            .as_deref()
            .filter(|vector| {
                !vector.is_empty()
                    && vector
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b":/.".contains(&b))
            })
            .and_then(|vector| {
                let rated = crate::advisory::cvss::base_score(vector);
                let method = match rated.map(|r| r.version) {
                    Some((4, _)) => "CVSSv4",
                    Some((3, 0)) => "CVSSv3",
                    Some(_) => "CVSSv31",
                    // A 4.0 vector that does not parse still names its
                    // method; anything else is not a rating this tool can name.
                    None if vector.starts_with("CVSS:4.") => "CVSSv4",
                    None => return None,
                };
                Some(vec![Rating {
                    source: Source {
                        name: "OSV",
                        url: a.rustsec_url(),
                    },
                    score: rated.map(|r| r.score),
                    severity: rated.map(|r| r.severity),
                    method,
                    vector: vector.to_string(),
                }])
            })
            .unwrap_or_default();
        let mut advisories = vec![AdvisoryRef {
            title: Some(format!("RustSec {}", a.id)),
            url: a.rustsec_url(),
        }];
        if let Some(u) = a
            .url
            .as_deref()
            .filter(|u| super::is_url(u, super::WEB_SCHEMES))
        {
            advisories.push(AdvisoryRef {
                title: None,
                url: u.to_string(),
            });
        }
        let published = date_ok(&a.date).then(|| format!("{}T00:00:00Z", a.date));
        let affects = v
            .affects
            .iter()
            .filter_map(|(ci, _)| {
                let c = sbom.crates.get(*ci)?;
                Some(Affects {
                    reference: c.id.clone(),
                    versions: vec![AffectedVersion {
                        version: c.version.clone(),
                        status: "affected",
                    }],
                })
            })
            .collect();
        let properties = v
            .affects
            .iter()
            .flat_map(|(_, paths)| paths.iter())
            .map(|p| Property {
                name: super::names::FOUND_IN.to_string(),
                value: p.clone(),
            })
            .collect();
        out.push(Vulnerability {
            bom_ref: format!("vulnerability-{}", super::sanitize(&a.id)),
            id: a.id.clone(),
            source: osv(),
            references,
            ratings,
            description: (!a.title.is_empty()).then(|| super::clean(&a.title)),
            recommendation: super::clean(&super::recommendation(a)),
            advisories,
            published,
            affects,
            properties,
        });
    }
    out
}

/// `YYYY-MM-DD`, a real calendar date (the month's length, leap years):
/// what the schemas' `date-time` format and the SPDX readers accept.
pub(super) fn date_ok(d: &str) -> bool {
    let b = d.as_bytes();
    let shape = b.len() == 10
        && b.iter().enumerate().all(|(k, c)| {
            if k == 4 || k == 7 {
                *c == b'-'
            } else {
                c.is_ascii_digit()
            }
        });
    if !shape {
        return false;
    }
    let num = |r: std::ops::Range<usize>| d.get(r).and_then(|x| x.parse::<u32>().ok());
    let (Some(y), Some(m), Some(day)) = (num(0..4), num(5..7), num(8..10)) else {
        return false;
    };
    let leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&day)
}

/// One node as a component (without its children yet).
fn part(p: &Part, is_root: bool) -> Component {
    let kind = if is_root { "application" } else { "library" };
    let mut c = bare(
        kind,
        &p.name,
        Some(p.version_or_digest()),
        Some(p.id.clone()),
    );
    c.mime_type = Some("application/wasm");
    c.author = p.authors.clone();
    c.supplier = p.supplier.as_ref().map(organization);
    c.description = p.description.clone();
    c.hashes = vec![Hash {
        alg: "SHA-256",
        content: p.sha256.clone(),
    }];
    c.licenses = p
        .licence
        .as_ref()
        .map(|l| match l {
            Licence::Expression(e) => LicenseChoice::Expression(e.clone()),
            Licence::Other(text) => LicenseChoice::License { name: text.clone() },
        })
        .into_iter()
        .collect();
    if let Some(url) = &p.vcs {
        c.external_references.push(ExternalReference {
            kind: "vcs",
            url: url.clone(),
            comment: p.revision.as_ref().map(|rev| format!("revision {rev}")),
        });
    }
    if let Some(url) = &p.website {
        c.external_references.push(ExternalReference {
            kind: "website",
            url: url.clone(),
            comment: None,
        });
    }
    c.properties = properties(&p.properties);
    c
}

fn crate_component(k: &CratePart, version: Version) -> Component {
    let mut c = bare(
        "library",
        &k.name,
        Some(k.version.clone()),
        Some(k.id.clone()),
    );
    c.supplier = k.supplier.as_ref().map(organization);
    c.scope = Some(if k.build_only { "excluded" } else { "required" });
    c.purl = k.purl.clone();
    c.properties = properties(&k.properties);
    if let Some(purl) = &k.purl {
        // Self-reported by the build (cargo-auditable writes the section;
        // nothing signs it): strong, but not certain.
        let confidence = 0.9;
        let methods = k
            .occurrences
            .iter()
            .map(|(path, _)| Method {
                technique: "binary-analysis",
                confidence,
                value: format!("cargo-auditable .dep-v0 section of the module at {path}"),
            })
            .collect();
        let identity = Identity {
            field: "purl",
            confidence,
            concluded_value: (version >= Version::V1_6).then(|| purl.clone()),
            methods,
        };
        let occurrences = k
            .occurrences
            .iter()
            .map(|(path, offset)| Occurrence {
                location: path.clone(),
                offset: offset.filter(|_| version >= Version::V1_6),
                additional_context: (version >= Version::V1_6)
                    .then(|| "the module's cargo-auditable .dep-v0 section (offset: its payload in the input)".to_string()),
            })
            .collect();
        c.evidence = Some(Evidence {
            identity: if version >= Version::V1_6 {
                IdentityEvidence::Many(vec![identity])
            } else {
                IdentityEvidence::One(identity)
            },
            occurrences,
        });
    }
    c
}

fn properties(props: &[super::Property]) -> Vec<Property> {
    props
        .iter()
        .map(|p| Property {
            name: p.name.to_string(),
            value: p.value.clone(),
        })
        .collect()
}

/// A supplier: the name, and for a person a contact with the e-mail.
fn organization(a: &Actor) -> Organization {
    Organization {
        name: a.name.clone(),
        contact: if a.kind == ActorKind::Person {
            vec![Contact {
                name: a.name.clone(),
                email: a.email.clone(),
            }]
        } else {
            Vec::new()
        },
    }
}

// ---------------------------------------------------------------- XML

/// An indenting XML writer; every value passes [`crate::escape::xml`].
struct Xml {
    out: String,
    depth: usize,
}

impl Xml {
    fn indent(&mut self) {
        for _ in 0..self.depth {
            self.out.push_str("  ");
        }
    }

    fn attrs(&mut self, attrs: &[(&str, &str)]) {
        for (k, v) in attrs {
            let _ = write!(self.out, " {k}=\"{}\"", crate::escape::xml(v));
        }
    }

    fn open(&mut self, name: &str, attrs: &[(&str, &str)]) {
        self.indent();
        self.out.push('<');
        self.out.push_str(name);
        self.attrs(attrs);
        self.out.push_str(">\n");
        self.depth += 1;
    }

    fn close(&mut self, name: &str) {
        self.depth = self.depth.saturating_sub(1);
        self.indent();
        let _ = writeln!(self.out, "</{name}>");
    }

    fn leaf(&mut self, name: &str, attrs: &[(&str, &str)], text: &str) {
        self.indent();
        self.out.push('<');
        self.out.push_str(name);
        self.attrs(attrs);
        let _ = writeln!(self.out, ">{}</{name}>", crate::escape::xml(text));
    }

    fn empty(&mut self, name: &str, attrs: &[(&str, &str)]) {
        self.indent();
        self.out.push('<');
        self.out.push_str(name);
        self.attrs(attrs);
        self.out.push_str("/>\n");
    }

    fn opt(&mut self, name: &str, text: Option<&str>) {
        if let Some(t) = text {
            self.leaf(name, &[], t);
        }
    }
}

fn number(x: f64) -> String {
    // The JSON writer's form (serde_json prints 7.5, 1.0).
    serde_json::to_string(&x).unwrap_or_else(|_| "0".to_string())
}

fn to_xml(bom: &Bom, version: Version) -> String {
    let mut x = Xml {
        out: String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"),
        depth: 0,
    };
    let ns = format!("http://cyclonedx.org/schema/bom/{}", version.as_str());
    x.open(
        "bom",
        &[
            ("xmlns", &ns),
            ("serialNumber", &bom.serial_number),
            ("version", "1"),
        ],
    );
    let m = &bom.metadata;
    x.open("metadata", &[]);
    x.leaf("timestamp", &[], &m.timestamp);
    x.open("lifecycles", &[]);
    for l in &m.lifecycles {
        x.open("lifecycle", &[]);
        x.leaf("phase", &[], l.phase);
        x.close("lifecycle");
    }
    x.close("lifecycles");
    x.open("tools", &[]);
    x.open("components", &[]);
    for c in &m.tools.components {
        component_xml(&mut x, c);
    }
    x.close("components");
    x.close("tools");
    if let Some(c) = &m.component {
        component_xml_named(&mut x, "component", c);
    }
    if let Some(s) = &m.supplier {
        organization_xml(&mut x, "supplier", s);
    }
    x.close("metadata");
    if !bom.components.is_empty() {
        x.open("components", &[]);
        for c in &bom.components {
            component_xml(&mut x, c);
        }
        x.close("components");
    }
    if !bom.dependencies.is_empty() {
        x.open("dependencies", &[]);
        for d in &bom.dependencies {
            if d.depends_on.is_empty() {
                x.empty("dependency", &[("ref", &d.reference)]);
            } else {
                x.open("dependency", &[("ref", &d.reference)]);
                for on in &d.depends_on {
                    x.empty("dependency", &[("ref", on)]);
                }
                x.close("dependency");
            }
        }
        x.close("dependencies");
    }
    if !bom.vulnerabilities.is_empty() {
        x.open("vulnerabilities", &[]);
        for v in &bom.vulnerabilities {
            vulnerability_xml(&mut x, v);
        }
        x.close("vulnerabilities");
    }
    x.close("bom");
    x.out
}

fn source_xml(x: &mut Xml, s: &Source) {
    x.open("source", &[]);
    x.leaf("name", &[], s.name);
    x.leaf("url", &[], &s.url);
    x.close("source");
}

fn vulnerability_xml(x: &mut Xml, v: &Vulnerability) {
    x.open("vulnerability", &[("bom-ref", &v.bom_ref)]);
    x.leaf("id", &[], &v.id);
    source_xml(x, &v.source);
    if !v.references.is_empty() {
        x.open("references", &[]);
        for r in &v.references {
            x.open("reference", &[]);
            x.leaf("id", &[], &r.id);
            source_xml(x, &r.source);
            x.close("reference");
        }
        x.close("references");
    }
    if !v.ratings.is_empty() {
        x.open("ratings", &[]);
        for r in &v.ratings {
            x.open("rating", &[]);
            source_xml(x, &r.source);
            x.opt("score", r.score.map(number).as_deref());
            x.opt("severity", r.severity);
            x.leaf("method", &[], r.method);
            x.leaf("vector", &[], &r.vector);
            x.close("rating");
        }
        x.close("ratings");
    }
    x.opt("description", v.description.as_deref());
    x.leaf("recommendation", &[], &v.recommendation);
    x.open("advisories", &[]);
    for a in &v.advisories {
        x.open("advisory", &[]);
        x.opt("title", a.title.as_deref());
        x.leaf("url", &[], &a.url);
        x.close("advisory");
    }
    x.close("advisories");
    x.opt("published", v.published.as_deref());
    x.open("affects", &[]);
    for a in &v.affects {
        x.open("target", &[]);
        x.leaf("ref", &[], &a.reference);
        x.open("versions", &[]);
        for ver in &a.versions {
            x.open("version", &[]);
            x.leaf("version", &[], &ver.version);
            x.leaf("status", &[], ver.status);
            x.close("version");
        }
        x.close("versions");
        x.close("target");
    }
    x.close("affects");
    properties_xml(x, &v.properties);
    x.close("vulnerability");
}

fn properties_xml(x: &mut Xml, props: &[Property]) {
    if props.is_empty() {
        return;
    }
    x.open("properties", &[]);
    for p in props {
        x.leaf("property", &[("name", &p.name)], &p.value);
    }
    x.close("properties");
}

fn organization_xml(x: &mut Xml, name: &str, o: &Organization) {
    x.open(name, &[]);
    x.leaf("name", &[], &o.name);
    for c in &o.contact {
        x.open("contact", &[]);
        x.leaf("name", &[], &c.name);
        x.opt("email", c.email.as_deref());
        x.close("contact");
    }
    x.close(name);
}

fn component_xml(x: &mut Xml, c: &Component) {
    component_xml_named(x, "component", c)
}

/// A component in the XSD's element order (supplier … properties,
/// components, evidence).
fn component_xml_named(x: &mut Xml, name: &str, c: &Component) {
    let mut attrs: Vec<(&str, &str)> = vec![("type", c.kind)];
    if let Some(m) = c.mime_type {
        attrs.push(("mime-type", m));
    }
    if c.is_external == Some(true) {
        attrs.push(("isExternal", "true"));
    }
    if let Some(r) = &c.bom_ref {
        attrs.push(("bom-ref", r));
    }
    x.open(name, &attrs);
    if let Some(s) = &c.supplier {
        organization_xml(x, "supplier", s);
    }
    x.opt("author", c.author.as_deref());
    x.leaf("name", &[], &c.name);
    x.opt("version", c.version.as_deref());
    x.opt("description", c.description.as_deref());
    x.opt("scope", c.scope);
    if !c.hashes.is_empty() {
        x.open("hashes", &[]);
        for h in &c.hashes {
            x.leaf("hash", &[("alg", h.alg)], &h.content);
        }
        x.close("hashes");
    }
    if !c.licenses.is_empty() {
        x.open("licenses", &[]);
        for l in &c.licenses {
            match l {
                LicenseChoice::Expression(e) => x.leaf("expression", &[], e),
                LicenseChoice::License { name } => {
                    x.open("license", &[]);
                    x.leaf("name", &[], name);
                    x.close("license");
                }
            }
        }
        x.close("licenses");
    }
    x.opt("purl", c.purl.as_deref());
    if !c.external_references.is_empty() {
        x.open("externalReferences", &[]);
        for r in &c.external_references {
            x.open("reference", &[("type", r.kind)]);
            x.leaf("url", &[], &r.url);
            x.opt("comment", r.comment.as_deref());
            x.close("reference");
        }
        x.close("externalReferences");
    }
    properties_xml(x, &c.properties);
    if !c.components.is_empty() {
        x.open("components", &[]);
        for child in &c.components {
            component_xml(x, child);
        }
        x.close("components");
    }
    if let Some(e) = &c.evidence {
        x.open("evidence", &[]);
        let ids: Vec<&Identity> = match &e.identity {
            IdentityEvidence::One(i) => vec![i],
            IdentityEvidence::Many(list) => list.iter().collect(),
        };
        for i in ids {
            x.open("identity", &[]);
            x.leaf("field", &[], i.field);
            x.leaf("confidence", &[], &number(i.confidence));
            x.opt("concludedValue", i.concluded_value.as_deref());
            x.open("methods", &[]);
            for m in &i.methods {
                x.open("method", &[]);
                x.leaf("technique", &[], m.technique);
                x.leaf("confidence", &[], &number(m.confidence));
                x.leaf("value", &[], &m.value);
                x.close("method");
            }
            x.close("methods");
            x.close("identity");
        }
        if !e.occurrences.is_empty() {
            x.open("occurrences", &[]);
            for o in &e.occurrences {
                x.open("occurrence", &[]);
                x.leaf("location", &[], &o.location);
                x.opt("offset", o.offset.map(|n| n.to_string()).as_deref());
                x.opt("additionalContext", o.additional_context.as_deref());
                x.close("occurrence");
            }
            x.close("occurrences");
        }
        x.close("evidence");
    }
    x.close(name);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purls() {
        assert!(purl_ok("pkg:cargo/serde@1.0.210"));
        assert!(purl_ok("pkg:cargo/a%20b@1.0.0%2Bbuild.1"));
        assert!(purl_ok("pkg:npm/%40scope/name@1?x=y#sub"));
        for bad in [
            "cargo/serde@1",
            "pkg:/serde",
            "pkg:cargo/",
            "pkg:cargo/@1.0",
            "pkg:1cargo/x",
            "pkg:cargo/a b",
            "pkg:cargo/a%2",
            "pkg:cargo/x@1@2",
        ] {
            assert!(!purl_ok(bad), "{bad}");
        }
    }

    #[test]
    fn versions() {
        assert_eq!("1.7".parse::<Version>().ok(), Some(Version::V1_7));
        assert!("1.4".parse::<Version>().is_err());
        assert_eq!(Version::default().as_str(), SPEC_VERSION);
    }

    #[test]
    fn dates() {
        assert!(date_ok("2021-01-08"));
        assert!(!date_ok("2021-13-08"));
        assert!(!date_ok("2021-1-08"));
        assert!(!date_ok("2021-01-32"));
        assert!(!date_ok("2021-01-00"));
        assert!(!date_ok("2021-02-29"));
        assert!(date_ok("2024-02-29"));
        assert!(!date_ok("1900-02-29"));
        assert!(date_ok("2000-02-29"));
        assert!(!date_ok("2021-04-31"));
    }

    #[test]
    fn the_schema_gate_checks_formats_and_versions() {
        let doc = |version: &str, timestamp: &str| {
            serde_json::json!({
                "bomFormat": "CycloneDX",
                "specVersion": version,
                "version": 1,
                "metadata": {"timestamp": timestamp, "lifecycles": [{"phase": "post-build"}]}
            })
        };
        for v in Version::ALL {
            assert_eq!(
                check_schema(&doc(v.as_str(), "2024-01-02T03:04:05Z"), v),
                Ok(())
            );
            assert!(
                check_schema(&doc(v.as_str(), "yesterday"), v).is_err(),
                "{v}"
            );
        }
        // A 1.7 field is not valid in a 1.6 document.
        let mut d = doc("1.6", "2024-01-02T03:04:05Z");
        d["components"] = serde_json::json!([{"type": "library", "name": "x", "isExternal": true}]);
        assert!(check_schema(&d, Version::V1_6).is_err());
        d["specVersion"] = serde_json::json!("1.7");
        assert_eq!(check_schema(&d, Version::V1_7), Ok(()));
    }

    #[test]
    fn lint_catches_dangling_and_duplicate_refs() {
        let doc = serde_json::json!({
            "metadata": {"component": {"bom-ref": "a", "name": "a"}},
            "components": [
                {"bom-ref": "b", "name": "b", "purl": "pkg:cargo/b@1",
                 "components": [{"bom-ref": "a", "name": "again"}]},
                {"bom-ref": "c", "name": "c", "purl": "not a purl"}
            ],
            "dependencies": [{"ref": "a", "dependsOn": ["b", "zzz"]}, {"ref": "ghost"}],
            "vulnerabilities": [{"bom-ref": "v", "affects": [{"ref": "nowhere"}]}]
        });
        let why = lint(&doc).expect_err("dangling refs");
        for needle in [
            "duplicate bom-ref `a`",
            "`zzz`",
            "`ghost`",
            "`nowhere`",
            "purl",
        ] {
            assert!(why.contains(needle), "{needle}: {why}");
        }
        let ok = serde_json::json!({
            "metadata": {"component": {"bom-ref": "a", "name": "a"}},
            "components": [{"bom-ref": "b", "name": "b", "purl": "pkg:cargo/b@1"}],
            "dependencies": [{"ref": "a", "dependsOn": ["b"]}],
            "vulnerabilities": [{"bom-ref": "v", "affects": [{"ref": "b"}]}]
        });
        assert_eq!(lint(&ok), Ok(()));
    }
}
