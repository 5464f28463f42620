//! CycloneDX 1.5 (JSON and XML) from the [`Sbom`] model, with the
//! `cyclonedx-bom` crate: 1.5 is the newest version it writes. The
//! document is checked with the crate's `validate_version` before it is
//! serialised; one that does not validate is an error.
//!
//! Layout (what Dependency-Track and GitLab read is where they read it):
//! - `metadata.component`: the root (type `application`), with its
//!   version, hash, licences, author and supplier, external references
//!   (`vcs`, `website`) and properties; `metadata.tools.components`: this
//!   tool; `metadata.timestamp`: the model's timestamp;
//! - `components`: the root's children, each nesting its own children in
//!   `components` (assembly), every node of the composition exactly once,
//!   type `library`, MIME type `application/wasm`; then every Rust crate
//!   at the top level, type `library` with its `pkg:cargo` purl (scope
//!   `excluded` when it is only a build-time dependency);
//! - `dependencies`: one entry per component (root, nodes, crates) with
//!   what it depends on; containment is the nesting, not a dependency.
//!
//! A later CycloneDX version is another function next to [`json`] and
//! [`xml`] reading the same model.

use cyclonedx_bom::external_models::date_time::DateTime;
use cyclonedx_bom::external_models::normalized_string::NormalizedString;
use cyclonedx_bom::external_models::spdx::SpdxExpression;
use cyclonedx_bom::external_models::uri::{Purl, Uri};
use cyclonedx_bom::models::advisory::{Advisories, Advisory as CdxAdvisory};
use cyclonedx_bom::models::bom::{Bom, SpecVersion, UrnUuid};
use cyclonedx_bom::models::component::{Classification, Component, Components, MimeType, Scope};
use cyclonedx_bom::models::dependency::{Dependencies, Dependency};
use cyclonedx_bom::models::external_reference::{
    ExternalReference, ExternalReferenceType, ExternalReferences,
};
use cyclonedx_bom::models::hash::{Hash, HashAlgorithm, HashValue, Hashes};
use cyclonedx_bom::models::license::{License, LicenseChoice, Licenses};
use cyclonedx_bom::models::metadata::Metadata;
use cyclonedx_bom::models::organization::{OrganizationalContact, OrganizationalEntity};
use cyclonedx_bom::models::property::{Properties, Property as CdxProperty};
use cyclonedx_bom::models::tool::Tools;
use cyclonedx_bom::models::vulnerability::{Vulnerabilities, Vulnerability};
use cyclonedx_bom::models::vulnerability_rating::{
    Score, ScoreMethod, Severity, VulnerabilityRating, VulnerabilityRatings,
};
use cyclonedx_bom::models::vulnerability_reference::{
    VulnerabilityReference, VulnerabilityReferences,
};
use cyclonedx_bom::models::vulnerability_source::VulnerabilitySource;
use cyclonedx_bom::models::vulnerability_target::{
    Version as TargetVersion, Versions, VulnerabilityTarget, VulnerabilityTargets,
};
use cyclonedx_bom::validation::Validate;

use super::{invalid, Actor, ActorKind, CratePart, Licence, Part, Ref, Relation, Sbom, SbomFormat};
use crate::error::Result;

/// The specification version written.
pub const SPEC_VERSION: &str = "1.5";

/// CycloneDX 1.5 JSON, validated, with a final newline.
pub fn json(sbom: &Sbom) -> Result<Vec<u8>> {
    let bom = validated(sbom, SbomFormat::CycloneDxJson)?;
    let mut out = Vec::new();
    bom.output_as_json_v1_5(&mut out)
        .map_err(|e| invalid(sbom, SbomFormat::CycloneDxJson, &e.to_string()))?;
    out.push(b'\n');
    Ok(out)
}

/// CycloneDX 1.5 XML, validated, with a final newline.
pub fn xml(sbom: &Sbom) -> Result<Vec<u8>> {
    let bom = validated(sbom, SbomFormat::CycloneDxXml)?;
    let mut out = Vec::new();
    bom.output_as_xml_v1_5(&mut out)
        .map_err(|e| invalid(sbom, SbomFormat::CycloneDxXml, &e.to_string()))?;
    out.push(b'\n');
    Ok(out)
}

/// The `cyclonedx-bom` document of `sbom`, once it validates as 1.5.
fn validated(sbom: &Sbom, format: SbomFormat) -> Result<Bom> {
    let bom = bom(sbom, format)?;
    let result = bom.validate_version(SpecVersion::V1_5);
    if result.has_errors() {
        let why: Vec<String> = result
            .errors()
            .map(|(field, e)| format!("{field}: {e:?}"))
            .collect();
        return Err(invalid(sbom, format, &why.join("; ")));
    }
    Ok(bom)
}

fn bom(sbom: &Sbom, format: SbomFormat) -> Result<Bom> {
    let created = sbom
        .created()
        .ok_or_else(|| invalid(sbom, format, "timestamp after 9999-12-31T23:59:59Z"))?;
    let timestamp =
        DateTime::try_from(created).map_err(|e| invalid(sbom, format, &e.to_string()))?;
    let serial = UrnUuid::new(format!("urn:uuid:{}", sbom.serial))
        .map_err(|e| invalid(sbom, format, &format!("{e:?}")))?;

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
            if !children.is_empty() {
                component.components = Some(Components(children));
            }
        }
    }
    let mut root = built.first_mut().and_then(Option::take);
    // The root's children are the document's top-level components; the
    // described component itself stays in the metadata.
    let mut components = root
        .as_mut()
        .and_then(|r| r.components.take())
        .map(|c| c.0)
        .unwrap_or_default();
    components.extend(sbom.crates.iter().map(crate_component));

    let mut dependencies = Vec::with_capacity(sbom.parts.len() + sbom.crates.len());
    let refs = (0..sbom.parts.len())
        .map(Ref::Part)
        .chain((0..sbom.crates.len()).map(Ref::Crate));
    for r in refs {
        let Some(id) = sbom.id(r) else { continue };
        let mut on: Vec<String> = sbom
            .targets(r, Relation::DependsOn)
            .chain(sbom.targets(r, Relation::BuildDependsOn))
            .filter_map(|t| sbom.id(t).map(str::to_string))
            .collect();
        on.sort();
        on.dedup();
        dependencies.push(Dependency {
            dependency_ref: id.to_string(),
            dependencies: on,
        });
    }

    let mut tool = Component::new(
        Classification::Application,
        sbom.tool_name,
        sbom.tool_version,
        None,
    );
    tool.description = Some(NormalizedString::new(
        "Audits WebAssembly components: decomposes, hashes and wires every nested component and module",
    ));

    let metadata = Metadata {
        timestamp: Some(timestamp),
        tools: Some(Tools::Object {
            services: None,
            components: Some(Components(vec![tool])),
        }),
        supplier: sbom
            .root()
            .and_then(|r| r.supplier.as_ref())
            .map(organization),
        component: root,
        ..Metadata::default()
    };

    Ok(Bom {
        version: 1,
        serial_number: Some(serial),
        metadata: Some(metadata),
        components: (!components.is_empty()).then_some(Components(components)),
        services: None,
        external_references: None,
        dependencies: Some(Dependencies(dependencies)),
        compositions: None,
        properties: None,
        vulnerabilities: vulnerabilities(sbom, format)?,
        signature: None,
        annotations: None,
        formulation: None,
        spec_version: SpecVersion::V1_5,
    })
}

/// The vulnerabilities of the crates (`--advisory-db`), each affecting the
/// crate components by their bom-refs; rated from the advisory's CVSS
/// vector; sourced as `OSV` (which serves every RustSec advisory under its
/// id, so Dependency-Track can correlate it) with the advisory's page;
/// its CVE and GHSA aliases as references.
fn vulnerabilities(sbom: &Sbom, format: SbomFormat) -> Result<Option<Vulnerabilities>> {
    if sbom.vulnerabilities.is_empty() {
        return Ok(None);
    }
    let uri = |u: &str| {
        Uri::try_from(u.to_string()).map_err(|e| invalid(sbom, format, &format!("{u}: {e:?}")))
    };
    let mut out = Vec::new();
    for v in &sbom.vulnerabilities {
        let a = &v.advisory;
        let mut vuln = Vulnerability::new(Some(format!("vulnerability-{}", a.id)));
        vuln.id = Some(NormalizedString::new(&a.id));
        vuln.vulnerability_source = Some(VulnerabilitySource::new(
            Some("OSV".to_string()),
            Some(uri(&format!("https://osv.dev/vulnerability/{}", a.id))?),
        ));
        let references: Vec<VulnerabilityReference> = a
            .aliases
            .iter()
            .filter_map(|alias| {
                let (name, url) = if alias.starts_with("CVE-") {
                    ("NVD", format!("https://nvd.nist.gov/vuln/detail/{alias}"))
                } else if alias.starts_with("GHSA-") {
                    ("GITHUB", format!("https://github.com/advisories/{alias}"))
                } else {
                    return None;
                };
                let url = Uri::try_from(url).ok()?;
                Some(VulnerabilityReference::new(
                    alias,
                    VulnerabilitySource::new(Some(name.to_string()), Some(url)),
                ))
            })
            .collect();
        if !references.is_empty() {
            vuln.vulnerability_references = Some(VulnerabilityReferences(references));
        }
        if let Some(vector) = &a.cvss {
            let rated = crate::advisory::cvss::base_score(vector);
            let method = match (vector.starts_with("CVSS:4."), rated.map(|r| r.minor)) {
                (true, _) => ScoreMethod::CVSSv4,
                (_, Some(0)) => ScoreMethod::CVSSv3,
                _ => ScoreMethod::CVSSv31,
            };
            vuln.vulnerability_ratings = Some(VulnerabilityRatings(vec![VulnerabilityRating {
                vulnerability_source: Some(VulnerabilitySource::new(
                    Some("OSV".to_string()),
                    Some(uri(&a.rustsec_url())?),
                )),
                score: rated.map(|r| Score::from(r.score as f32)),
                severity: rated.map(|r| Severity::new_unchecked(r.severity)),
                score_method: Some(method),
                vector: Some(NormalizedString::new(vector)),
                justification: None,
            }]));
        }
        vuln.description = (!a.title.is_empty()).then(|| a.title.clone());
        vuln.recommendation = Some(super::recommendation(a));
        let mut advisories = vec![CdxAdvisory {
            title: Some(NormalizedString::new(&format!("RustSec {}", a.id))),
            url: uri(&a.rustsec_url())?,
        }];
        if let Some(u) = a
            .url
            .as_deref()
            .and_then(|u| Uri::try_from(u.to_string()).ok())
        {
            advisories.push(CdxAdvisory {
                title: None,
                url: u,
            });
        }
        vuln.advisories = Some(Advisories(advisories));
        if let Ok(published) = DateTime::try_from(format!("{}T00:00:00Z", a.date)) {
            vuln.published = Some(published);
        }
        let targets: Vec<VulnerabilityTarget> = v
            .affects
            .iter()
            .filter_map(|(ci, _)| {
                let c = sbom.crates.get(*ci)?;
                Some(VulnerabilityTarget {
                    bom_ref: c.id.clone(),
                    versions: Some(Versions(vec![TargetVersion::new(&c.version, "affected")])),
                })
            })
            .collect();
        vuln.vulnerability_targets = Some(VulnerabilityTargets(targets));
        let found: Vec<CdxProperty> = v
            .affects
            .iter()
            .flat_map(|(_, paths)| paths.iter())
            .map(|p| CdxProperty::new(super::names::FOUND_IN, p))
            .collect();
        if !found.is_empty() {
            vuln.properties = Some(Properties(found));
        }
        out.push(vuln);
    }
    Ok(Some(Vulnerabilities(out)))
}

/// One node as a component (without its children yet).
fn part(p: &Part, is_root: bool) -> Component {
    let kind = if is_root {
        Classification::Application
    } else {
        Classification::Library
    };
    let mut c = Component::new(kind, &p.name, &p.version_or_digest(), Some(p.id.clone()));
    c.mime_type = Some(MimeType("application/wasm".to_string()));
    c.author = p.authors.as_deref().map(NormalizedString::new);
    c.supplier = p.supplier.as_ref().map(organization);
    c.description = p.description.as_deref().map(NormalizedString::new);
    c.hashes = Some(Hashes(vec![Hash {
        alg: HashAlgorithm::SHA_256,
        content: HashValue(p.sha256.clone()),
    }]));
    c.licenses = p.licence.as_ref().map(|l| {
        Licenses(vec![match l {
            Licence::Expression(e) => LicenseChoice::Expression(SpdxExpression::new(e)),
            Licence::Other(text) => LicenseChoice::License(License::named_license(text)),
        }])
    });
    let mut refs = Vec::new();
    if let Some(url) = &p.vcs {
        let mut r = ExternalReference::new(ExternalReferenceType::Vcs, Uri::new(url));
        r.comment = p.revision.as_ref().map(|rev| format!("revision {rev}"));
        refs.push(r);
    }
    if let Some(url) = &p.website {
        refs.push(ExternalReference::new(
            ExternalReferenceType::Website,
            Uri::new(url),
        ));
    }
    c.external_references = (!refs.is_empty()).then_some(ExternalReferences(refs));
    c.properties = properties(&p.properties);
    c
}

fn crate_component(k: &CratePart) -> Component {
    let mut c = Component::new(
        Classification::Library,
        &k.name,
        &k.version,
        Some(k.id.clone()),
    );
    c.supplier = k.supplier.as_ref().map(organization);
    c.scope = Some(if k.build_only {
        Scope::Excluded
    } else {
        Scope::Required
    });
    // The purl was percent-encoded by the model; the validation parses it.
    c.purl = k.purl.as_deref().and_then(|p| p.parse::<Purl>().ok());
    c.properties = properties(&k.properties);
    c
}

fn properties(props: &[super::Property]) -> Option<Properties> {
    (!props.is_empty()).then(|| {
        Properties(
            props
                .iter()
                .map(|p| CdxProperty::new(p.name, &p.value))
                .collect(),
        )
    })
}

/// A supplier: the name, and for a person a contact with the e-mail.
fn organization(a: &Actor) -> OrganizationalEntity {
    let mut o = OrganizationalEntity::new(&a.name);
    if a.kind == ActorKind::Person {
        o.contact = Some(vec![OrganizationalContact::new(
            &a.name,
            a.email.as_deref(),
        )]);
    }
    o
}
