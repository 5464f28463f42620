//! SPDX 2.3 JSON from the [`Sbom`] model, with this crate's own serde
//! types: the published Rust SPDX crates are stale and write documents
//! the SPDX tools reject by default. Only what the model fills is typed.
//!
//! Layout:
//! - one package per node (the root, every nested component and module)
//!   and one per distinct Rust crate, each with `filesAnalyzed: false`,
//!   `downloadLocation: NOASSERTION`, a SHA256 checksum (nodes), a
//!   supplier (`NOASSERTION` when unknown), a version (for a node without
//!   a `version` section, `sha256:` and the first 12 hex digits of its
//!   digest), `primaryPackagePurpose` (`APPLICATION` for the root,
//!   `LIBRARY` for the rest), a purl external reference (crates) and one
//!   annotation carrying the `wasm-audit:` properties, one
//!   `name=value` per line;
//! - relationships: the document `DESCRIBES` the root, a parent
//!   `CONTAINS` each child, and `DEPENDS_ON` (or `BUILD_DEPENDENCY_OF`,
//!   reversed, for build-only crates) as the model says;
//! - `documentNamespace`: `urn:uuid:` and the UUID the model derives from
//!   the root digest; creators: `Tool: wasm-audit-<version>`.
//!
//! The document is checked before it is returned (`check`): unique and
//! well-formed SPDX identifiers, relationships between existing elements,
//! declared `LicenseRef-`s, well-formed checksums, dates and purls.

use std::collections::BTreeSet;

use serde::Serialize;

use super::{invalid, Actor, ActorKind, Licence, Ref, Relation, Sbom, SbomFormat};
use crate::error::Result;

/// The specification version written.
pub const SPEC_VERSION: &str = "SPDX-2.3";

const NOASSERTION: &str = "NOASSERTION";

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Document {
    spdx_version: &'static str,
    data_license: &'static str,
    #[serde(rename = "SPDXID")]
    spdx_id: &'static str,
    name: String,
    document_namespace: String,
    creation_info: CreationInfo,
    packages: Vec<Package>,
    relationships: Vec<Relationship>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    has_extracted_licensing_infos: Vec<ExtractedLicence>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct CreationInfo {
    created: String,
    creators: Vec<String>,
    comment: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Package {
    #[serde(rename = "SPDXID")]
    spdx_id: String,
    name: String,
    version_info: String,
    supplier: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    originator: Option<String>,
    download_location: &'static str,
    files_analyzed: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    checksums: Vec<Checksum>,
    #[serde(skip_serializing_if = "Option::is_none")]
    homepage: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    source_info: Option<String>,
    license_concluded: &'static str,
    license_declared: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    license_comments: Option<String>,
    copyright_text: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    comment: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    external_refs: Vec<ExternalRef>,
    primary_package_purpose: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    annotations: Vec<Annotation>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Checksum {
    algorithm: &'static str,
    checksum_value: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ExternalRef {
    reference_category: &'static str,
    reference_type: &'static str,
    reference_locator: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Annotation {
    annotation_date: String,
    annotation_type: &'static str,
    annotator: String,
    comment: String,
}

#[derive(Debug, Serialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "camelCase")]
struct Relationship {
    spdx_element_id: String,
    relationship_type: &'static str,
    related_spdx_element: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ExtractedLicence {
    license_id: String,
    extracted_text: String,
    name: String,
}

/// SPDX 2.3 JSON, checked, with a final newline.
pub fn json(sbom: &Sbom) -> Result<Vec<u8>> {
    let format = SbomFormat::SpdxJson;
    let doc = document(sbom)?;
    check(&doc).map_err(|why| invalid(sbom, format, &why))?;
    let mut out =
        serde_json::to_vec_pretty(&doc).map_err(|e| invalid(sbom, format, &e.to_string()))?;
    out.push(b'\n');
    Ok(out)
}

/// `SPDXRef-` and the model's identifier (already restricted to letters,
/// digits, `.` and `-`).
fn spdx_id(sbom: &Sbom, r: Ref) -> Option<String> {
    sbom.id(r).map(|id| format!("SPDXRef-{id}"))
}

/// An actor field: `Person: name (e-mail)` or `Organization: name`.
/// Parentheses in names become brackets and line breaks spaces: the SPDX
/// tools read a trailing `(...)` as the e-mail address.
fn actor(a: &Actor) -> String {
    let name: String = a
        .name
        .chars()
        .map(|c| match c {
            '(' => '[',
            ')' => ']',
            c if c.is_control() => ' ',
            c => c,
        })
        .collect();
    let kind = match a.kind {
        ActorKind::Person => "Person",
        ActorKind::Organization => "Organization",
    };
    match &a.email {
        Some(email) => format!("{kind}: {name} ({email})"),
        None => format!("{kind}: {name}"),
    }
}

fn document(sbom: &Sbom) -> Result<Document> {
    let format = SbomFormat::SpdxJson;
    let created = sbom
        .created()
        .ok_or_else(|| invalid(sbom, format, "timestamp after 9999-12-31T23:59:59Z"))?;
    let tool = format!("Tool: {}-{}", sbom.tool_name, sbom.tool_version);
    let annotate = |props: &[super::Property]| -> Vec<Annotation> {
        if props.is_empty() {
            return Vec::new();
        }
        let lines: Vec<String> = props
            .iter()
            .map(|p| format!("{}={}", p.name, p.value))
            .collect();
        vec![Annotation {
            annotation_date: created.clone(),
            annotation_type: "OTHER",
            annotator: tool.clone(),
            comment: lines.join("\n"),
        }]
    };

    let mut licence_refs = BTreeSet::new();
    let mut packages = Vec::with_capacity(sbom.parts.len() + sbom.crates.len());
    for (i, p) in sbom.parts.iter().enumerate() {
        let (declared, comments) = match &p.licence {
            Some(Licence::Expression(e)) => {
                licence_refs.extend(super::licence_refs(e));
                (e.clone(), None)
            }
            Some(Licence::Other(text)) => (
                NOASSERTION.to_string(),
                Some(format!(
                    "The `licenses` section reads `{text}`, which is not an SPDX licence expression."
                )),
            ),
            None => (NOASSERTION.to_string(), None),
        };
        let mut source = Vec::new();
        if let Some(url) = &p.vcs {
            source.push(format!("source: {url}"));
        }
        if let Some(rev) = &p.revision {
            source.push(format!("revision: {rev}"));
        }
        let version_note = if p.version.is_some() {
            "the `version` section"
        } else {
            "no `version` section: the version is the start of the digest"
        };
        packages.push(Package {
            spdx_id: format!("SPDXRef-{}", p.id),
            name: p.name.clone(),
            version_info: p.version_or_digest(),
            supplier: p
                .supplier
                .as_ref()
                .map_or_else(|| NOASSERTION.to_string(), actor),
            originator: p.supplier.as_ref().map(actor),
            download_location: NOASSERTION,
            files_analyzed: false,
            checksums: vec![Checksum {
                algorithm: "SHA256",
                checksum_value: p.sha256.clone(),
            }],
            homepage: p.website.clone(),
            source_info: (!source.is_empty()).then(|| source.join("; ")),
            license_concluded: NOASSERTION,
            license_declared: declared,
            license_comments: comments,
            copyright_text: NOASSERTION,
            description: p.description.clone(),
            comment: format!("{}; version: {version_note}", p.describe()),
            external_refs: Vec::new(),
            primary_package_purpose: if i == 0 { "APPLICATION" } else { "LIBRARY" },
            annotations: annotate(&p.properties),
        });
    }
    for k in &sbom.crates {
        packages.push(Package {
            spdx_id: format!("SPDXRef-{}", k.id),
            name: k.name.clone(),
            version_info: k.version.clone(),
            supplier: k
                .supplier
                .as_ref()
                .map_or_else(|| NOASSERTION.to_string(), actor),
            originator: None,
            download_location: NOASSERTION,
            files_analyzed: false,
            checksums: Vec::new(),
            homepage: None,
            source_info: None,
            license_concluded: NOASSERTION,
            license_declared: NOASSERTION.to_string(),
            license_comments: None,
            copyright_text: NOASSERTION,
            description: None,
            comment: format!(
                "Rust crate from the cargo-auditable `.dep-v0` section of {} (source: {}{})",
                k.found_in.join(", "),
                k.source,
                if k.build_only {
                    "; build-time only, not in the binary"
                } else {
                    ""
                }
            ),
            external_refs: k
                .purl
                .iter()
                .map(|purl| ExternalRef {
                    reference_category: "PACKAGE-MANAGER",
                    reference_type: "purl",
                    reference_locator: purl.clone(),
                })
                .collect(),
            primary_package_purpose: "LIBRARY",
            annotations: annotate(&k.properties),
        });
    }

    let mut relationships = Vec::with_capacity(sbom.relationships.len() + 1);
    if let Some(root) = spdx_id(sbom, Ref::Part(0)) {
        relationships.push(Relationship {
            spdx_element_id: "SPDXRef-DOCUMENT".to_string(),
            relationship_type: "DESCRIBES",
            related_spdx_element: root,
        });
    }
    for r in &sbom.relationships {
        let (Some(from), Some(to)) = (spdx_id(sbom, r.from), spdx_id(sbom, r.to)) else {
            continue;
        };
        relationships.push(match r.relation {
            Relation::Contains => Relationship {
                spdx_element_id: from,
                relationship_type: "CONTAINS",
                related_spdx_element: to,
            },
            Relation::DependsOn => Relationship {
                spdx_element_id: from,
                relationship_type: "DEPENDS_ON",
                related_spdx_element: to,
            },
            Relation::BuildDependsOn => Relationship {
                spdx_element_id: to,
                relationship_type: "BUILD_DEPENDENCY_OF",
                related_spdx_element: from,
            },
        });
    }

    let root = sbom.root();
    Ok(Document {
        spdx_version: SPEC_VERSION,
        data_license: "CC0-1.0",
        spdx_id: "SPDXRef-DOCUMENT",
        name: root.map_or_else(|| sbom.file.clone(), |r| r.name.clone()),
        document_namespace: format!("urn:uuid:{}", sbom.serial),
        creation_info: CreationInfo {
            created,
            creators: vec![tool.clone()],
            comment: format!(
                "Every nested component and core module of {} at every depth, with the Rust \
                 crates of their .dep-v0 sections, as decomposed by {}.",
                root.map_or("the input", |r| r.name.as_str()),
                sbom.tool_name
            ),
        },
        packages,
        relationships,
        has_extracted_licensing_infos: licence_refs
            .into_iter()
            .map(|id| ExtractedLicence {
                name: id.clone(),
                extracted_text: format!(
                    "{id} is named in a `licenses` section of the binary; its text is not in \
                     the binary."
                ),
                license_id: id,
            })
            .collect(),
    })
}

/// What the SPDX tools reject and this writer could get wrong: checked on
/// the finished document so that a mistake is an error, never a file.
fn check(doc: &Document) -> std::result::Result<(), String> {
    let mut errors = Vec::new();
    let id_ok = |id: &str| {
        id.strip_prefix("SPDXRef-").is_some_and(|rest| {
            !rest.is_empty()
                && rest
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
        })
    };
    let mut ids = BTreeSet::new();
    ids.insert(doc.spdx_id);
    for p in &doc.packages {
        if !id_ok(&p.spdx_id) {
            errors.push(format!("malformed SPDXID `{}`", p.spdx_id));
        }
        if !ids.insert(p.spdx_id.as_str()) {
            errors.push(format!("duplicate SPDXID `{}`", p.spdx_id));
        }
        if p.name.is_empty() {
            errors.push(format!("{}: empty name", p.spdx_id));
        }
        for c in &p.checksums {
            if c.checksum_value.len() != 64
                || !c
                    .checksum_value
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
            {
                errors.push(format!("{}: malformed SHA256 checksum", p.spdx_id));
            }
        }
        for r in &p.external_refs {
            let purl_ok = r
                .reference_locator
                .strip_prefix("pkg:")
                .is_some_and(|rest| rest.contains('/') && !rest.contains(char::is_whitespace));
            if !purl_ok {
                errors.push(format!(
                    "{}: malformed purl `{}`",
                    p.spdx_id, r.reference_locator
                ));
            }
        }
    }
    for r in &doc.relationships {
        for end in [&r.spdx_element_id, &r.related_spdx_element] {
            if !ids.contains(end.as_str()) {
                errors.push(format!("relationship to unknown element `{end}`"));
            }
        }
    }
    let declared: BTreeSet<&str> = doc
        .has_extracted_licensing_infos
        .iter()
        .map(|l| l.license_id.as_str())
        .collect();
    for p in &doc.packages {
        for r in super::licence_refs(&p.license_declared) {
            if !declared.contains(r.as_str()) {
                errors.push(format!("{}: undeclared {r}", p.spdx_id));
            }
        }
    }
    if !super::is_utc_timestamp(&doc.creation_info.created) {
        errors.push(format!("malformed date `{}`", doc.creation_info.created));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors.join("; "))
    }
}
