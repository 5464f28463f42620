//! Software bills of materials of a whole composition.
//!
//! [`build`] turns an [`Analysis`] into an [`Sbom`]: a model that knows
//! nothing of any SBOM format, so that a new format or a new version of
//! one (CycloneDX 1.6, 1.7, SPDX 3) is one new writer next to
//! [`cyclonedx`] and [`spdx`], not a change here. [`render`] writes one
//! format and refuses to return a document that does not validate.
//!
//! What the model holds (see `docs/sbom.md` for how each format spells it):
//! - one [`Part`] per node: the root (the described component) and every
//!   nested component and core module at every depth, with its parent, its
//!   SHA-256, its metadata sections and its `wasm-audit:` properties;
//! - one [`CratePart`] per distinct Rust crate (name, version, source)
//!   found in any module's `.dep-v0` section;
//! - [`Relationship`]s: `contains` (parent → child), `depends-on` (a part
//!   → the sibling whose export satisfies one of its imports; a module →
//!   the crate it was built from; a crate → its dependencies) and
//!   `build-depends-on` (a crate → a build-time-only dependency).
//!
//! Everything is derived from content: identifiers from paths and digests,
//! the document serial number from the root digest, and the timestamp is
//! an argument, so the same input and timestamp give byte-identical
//! documents.

pub mod cyclonedx;
pub mod spdx;
pub mod spdx3;

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsStr;
use std::fmt;
use std::str::FromStr;

use crate::error::{Error, Result};
use crate::model::wiring::Provider;
use crate::model::{Analysis, Class, Crate, Node, NodeKind, Wiring};

/// The property names this tool records, all under the `wasm-audit:`
/// namespace (CycloneDX `properties`, SPDX package annotations). Each is
/// documented in `docs/sbom.md`; a test keeps the two in step.
pub mod names {
    /// `component` or `module`.
    pub const KIND: &str = "wasm-audit:kind";
    /// The node class: `code`, `shim`, `adapter`, `wit-package`, `glue`.
    pub const CLASS: &str = "wasm-audit:class";
    /// The node path (`/`, `/component[0]/module[1]`).
    pub const PATH: &str = "wasm-audit:path";
    /// Nesting depth, 0 for the root.
    pub const DEPTH: &str = "wasm-audit:depth";
    /// Byte offset of the node's `\0asm` preamble in the input.
    pub const OFFSET: &str = "wasm-audit:offset";
    /// Size of the node in bytes, preamble included.
    pub const SIZE: &str = "wasm-audit:size";
    /// The binary format version from the preamble (`0x1`, `0xd`).
    pub const BINARY_VERSION: &str = "wasm-audit:binary-version";
    /// The name the parent's component-name section gives the node.
    pub const NAME_IN_PARENT: &str = "wasm-audit:name-in-parent";
    /// Where the document's version comes from: `version-section` or `digest`.
    pub const VERSION_FROM: &str = "wasm-audit:version-from";
    /// The world a component's WIT decodes to.
    pub const WIT_WORLD: &str = "wasm-audit:wit:world";
    /// The package an encoded WIT package defines.
    pub const WIT_PACKAGE: &str = "wasm-audit:wit:package";
    /// A `producers` `language` entry (`name version`).
    pub const PRODUCER_LANGUAGE: &str = "wasm-audit:producer:language";
    /// A `producers` `processed-by` entry (`name version`).
    pub const PRODUCER_PROCESSED_BY: &str = "wasm-audit:producer:processed-by";
    /// A `producers` `sdk` entry (`name version`).
    pub const PRODUCER_SDK: &str = "wasm-audit:producer:sdk";
    /// A `producers` entry of any other field (`field: name version`).
    pub const PRODUCER_OTHER: &str = "wasm-audit:producer:other";
    /// The `revision` section.
    pub const REVISION: &str = "wasm-audit:revision";
    /// The `source` section, when it is not a URL the formats accept.
    pub const SOURCE: &str = "wasm-audit:source";
    /// The `homepage` section, when it is not a URL the formats accept.
    pub const HOMEPAGE: &str = "wasm-audit:homepage";
    /// Function bodies of the node's own.
    pub const FUNCTION_BODIES: &str = "wasm-audit:function-bodies";
    /// Whether anything instantiates the node (`true`/`false`).
    pub const INSTANTIATED: &str = "wasm-audit:instantiated";
    /// A component import name, or a core module's import module name.
    pub const IMPORT: &str = "wasm-audit:import";
    /// A component export name, or a core module's export name.
    pub const EXPORT: &str = "wasm-audit:export";
    /// A host capability (root import interface) that reaches the part.
    pub const CAPABILITY: &str = "wasm-audit:capability";
    /// How a capability reaches the part: `interface via path[import] → …`.
    pub const CAPABILITY_VIA: &str = "wasm-audit:capability-via";
    /// Who satisfies an import: `import from provider-path` (or `host`).
    pub const SATISFIED_BY: &str = "wasm-audit:satisfied-by";
    /// Something worth knowing that the walk noted (an undecodable section).
    pub const NOTE: &str = "wasm-audit:note";
    /// A crate's `.dep-v0` source kind: `crates.io`, `git`, `local`, `registry`.
    pub const CRATE_SOURCE: &str = "wasm-audit:crate:source";
    /// A crate's kind: `runtime`, or `build` when only build-time.
    pub const CRATE_KIND: &str = "wasm-audit:crate:kind";
    /// The path of a module whose `.dep-v0` lists the crate.
    pub const FOUND_IN: &str = "wasm-audit:found-in";
    /// The path of a module whose `.dep-v0` names the crate as its root.
    pub const CRATE_ROOT_OF: &str = "wasm-audit:crate:root-of";
    /// An attestation that verified and vouches for the part (`check --sbom` only).
    pub const PROVENANCE_ATTESTATION: &str = "wasm-audit:provenance:attestation";
    /// Who signed it: a certificate identity, or `key sha256:<hex>`.
    pub const PROVENANCE_SIGNER: &str = "wasm-audit:provenance:signer";
    /// The SLSA builder id it names.
    pub const PROVENANCE_BUILDER: &str = "wasm-audit:provenance:builder";
    /// The source it names (`git+https://github.com/o/r@refs/tags/v1`).
    pub const PROVENANCE_SOURCE: &str = "wasm-audit:provenance:source";
    /// The source commit it names.
    pub const PROVENANCE_COMMIT: &str = "wasm-audit:provenance:commit";

    /// Every name, in the order of `docs/sbom.md`'s table.
    pub const ALL: &[&str] = &[
        KIND,
        CLASS,
        PATH,
        DEPTH,
        OFFSET,
        SIZE,
        BINARY_VERSION,
        NAME_IN_PARENT,
        VERSION_FROM,
        WIT_WORLD,
        WIT_PACKAGE,
        PRODUCER_LANGUAGE,
        PRODUCER_PROCESSED_BY,
        PRODUCER_SDK,
        PRODUCER_OTHER,
        REVISION,
        SOURCE,
        HOMEPAGE,
        FUNCTION_BODIES,
        INSTANTIATED,
        IMPORT,
        EXPORT,
        CAPABILITY,
        CAPABILITY_VIA,
        SATISFIED_BY,
        NOTE,
        CRATE_SOURCE,
        CRATE_KIND,
        FOUND_IN,
        CRATE_ROOT_OF,
        PROVENANCE_ATTESTATION,
        PROVENANCE_SIGNER,
        PROVENANCE_BUILDER,
        PROVENANCE_SOURCE,
        PROVENANCE_COMMIT,
    ];
}

/// The latest timestamp every format can carry: 9999-12-31T23:59:59Z
/// (SPDX and XML `dateTime` readers stop at four-digit years).
pub const MAX_TIMESTAMP: u64 = 253_402_300_799;

/// An SBOM format this tool writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SbomFormat {
    /// CycloneDX JSON (1.5, 1.6 or 1.7: [`CycloneDxVersion`]).
    CycloneDxJson,
    /// CycloneDX XML (1.5, 1.6 or 1.7).
    CycloneDxXml,
    /// SPDX 2.3 JSON.
    SpdxJson,
    /// SPDX 3.0.1 JSON-LD.
    Spdx3Json,
}

impl SbomFormat {
    /// Every format, in the order `--help` lists them.
    pub const ALL: [SbomFormat; 4] = [
        SbomFormat::CycloneDxJson,
        SbomFormat::CycloneDxXml,
        SbomFormat::SpdxJson,
        SbomFormat::Spdx3Json,
    ];

    /// The command-line name: `cyclonedx-json`, `cyclonedx-xml`, `spdx-json`,
    /// `spdx3-json`.
    pub fn as_str(self) -> &'static str {
        match self {
            SbomFormat::CycloneDxJson => "cyclonedx-json",
            SbomFormat::CycloneDxXml => "cyclonedx-xml",
            SbomFormat::SpdxJson => "spdx-json",
            SbomFormat::Spdx3Json => "spdx3-json",
        }
    }

    /// The conventional file name ending: `cdx.json`, `cdx.xml`, `spdx.json`
    /// (the SPDX tools pick their parser from it), `spdx3.json`.
    pub fn extension(self) -> &'static str {
        match self {
            SbomFormat::CycloneDxJson => "cdx.json",
            SbomFormat::CycloneDxXml => "cdx.xml",
            SbomFormat::SpdxJson => "spdx.json",
            SbomFormat::Spdx3Json => "spdx3.json",
        }
    }
}

impl fmt::Display for SbomFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for SbomFormat {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        SbomFormat::ALL
            .into_iter()
            .find(|f| f.as_str() == s)
            .ok_or_else(|| {
                Error::Usage(format!(
                    "unknown SBOM format `{s}` (expected cyclonedx-json, cyclonedx-xml, spdx-json \
                     or spdx3-json)"
                ))
            })
    }
}

/// The document timestamp: `SOURCE_DATE_EPOCH` when it is set (pass
/// `std::env::var_os("SOURCE_DATE_EPOCH").as_deref()`), else the current
/// time. Reproducible builds set the variable; an empty value counts as
/// unset, and a malformed one is an error rather than a silent fallback
/// to the clock (which would make the output differ from run to run).
pub fn timestamp(source_date_epoch: Option<&OsStr>) -> Result<u64> {
    match source_date_epoch.filter(|v| !v.is_empty()) {
        Some(value) => value
            .to_str()
            .and_then(|s| s.parse::<u64>().ok())
            .filter(|&t| t <= MAX_TIMESTAMP)
            .ok_or_else(|| {
                Error::Usage(format!(
                    "SOURCE_DATE_EPOCH=`{}` is not a number of seconds since 1970-01-01T00:00:00Z \
                     up to {MAX_TIMESTAMP} (9999-12-31T23:59:59Z)",
                    value.to_string_lossy()
                ))
            }),
        None => Ok(std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs().min(MAX_TIMESTAMP))
            .unwrap_or(0)),
    }
}

/// Writes `sbom` in `format` (CycloneDX in the specification version
/// `cyclonedx`). The document is validated first (CycloneDX against the
/// official JSON schema of its version and a bom-ref lint, SPDX with this
/// crate's checks): a
/// document that does not validate is an error and no bytes are returned,
/// so the caller never writes one.
pub fn render(sbom: &Sbom, format: SbomFormat, cyclonedx: CycloneDxVersion) -> Result<Vec<u8>> {
    match format {
        SbomFormat::CycloneDxJson => self::cyclonedx::json(sbom, cyclonedx),
        SbomFormat::CycloneDxXml => self::cyclonedx::xml(sbom, cyclonedx),
        SbomFormat::SpdxJson => spdx::json(sbom),
        SbomFormat::Spdx3Json => spdx3::json(sbom),
    }
}

pub use cyclonedx::Version as CycloneDxVersion;

/// The error for a document that fails its own validation: a bug of this
/// tool (or input this tool fails to sanitise), reported with the format
/// and the input so that it can be filed.
fn invalid(sbom: &Sbom, format: SbomFormat, why: &str) -> Error {
    let mut why = why.to_string();
    if why.len() > 2000 {
        let mut end = 2000;
        while !why.is_char_boundary(end) {
            end -= 1;
        }
        why.truncate(end);
        why.push('…');
    }
    Error::Usage(format!(
        "{}: the {format} SBOM does not validate, so it was not written (a wasm-audit bug: \
         please report it): {why}",
        sbom.file
    ))
}

/// A person or an organisation, as SBOM formats name suppliers.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Actor {
    /// Person or organisation.
    pub kind: ActorKind,
    /// The name, without the e-mail address.
    pub name: String,
    /// The e-mail address, when the text gives exactly one.
    pub email: Option<String>,
}

/// Whether an [`Actor`] is a person or an organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ActorKind {
    /// One person (an `authors` text that is exactly one `Name <e-mail>`).
    Person,
    /// An organisation, or any other text (a list of authors, a name that may
    /// be either); also `crates.io` as a supplier.
    Organization,
}

/// The `licenses` section, split by whether formats can carry it as an
/// SPDX licence expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Licence {
    /// A valid SPDX licence expression (possibly with `LicenseRef-` ids).
    Expression(String),
    /// Text that is not one: kept as a named licence or a comment.
    Other(String),
}

/// One `name = value` property under the `wasm-audit:` namespace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Property {
    /// One of [`names`].
    pub name: &'static str,
    /// The value, with control characters replaced by spaces.
    pub value: String,
}

/// A node of the composition: the root or a nested component or module.
#[derive(Debug, Clone)]
pub struct Part {
    /// Content-derived identifier: the sanitised path and the first 12 hex
    /// digits of the digest (`root-38c97633b6ed`,
    /// `component-0-module-1-7c91e445850b`). Unique within a document
    /// because paths are; changes whenever the bytes change.
    pub id: String,
    /// The component-name (or module name) section; for the root without
    /// one, the input's file name; for a nested node without one, its path.
    pub name: String,
    /// The `version` section.
    pub version: Option<String>,
    /// Component or module.
    pub kind: NodeKind,
    /// The node class.
    pub class: Class,
    /// The node path.
    pub path: String,
    /// 0 for the root.
    pub depth: u32,
    /// Where the node starts in the input.
    pub offset: u64,
    /// How many bytes it spans.
    pub size: u64,
    /// SHA-256 of the node's bytes, 64 lowercase hex digits.
    pub sha256: String,
    /// The `authors` section, as written (whitespace collapsed).
    pub authors: Option<String>,
    /// The supplier derived from `authors`.
    pub supplier: Option<Actor>,
    /// The `licenses` section.
    pub licence: Option<Licence>,
    /// The `description` section.
    pub description: Option<String>,
    /// The `source` section when it is a URL the formats accept (a VCS
    /// reference); otherwise it is the [`names::SOURCE`] property.
    pub vcs: Option<String>,
    /// The `homepage` section when it is an http(s) URL; otherwise it is
    /// the [`names::HOMEPAGE`] property.
    pub website: Option<String>,
    /// The `revision` section.
    pub revision: Option<String>,
    /// Index of the parent part (none for the root).
    pub parent: Option<usize>,
    /// Indices of the child parts, in binary order.
    pub children: Vec<usize>,
    /// The `wasm-audit:` properties, in a fixed order.
    pub properties: Vec<Property>,
}

/// `YYYY-MM-DDTHH:MM:SSZ` by shape (the form both SPDX versions require
/// of their dates; the calendar is checked where it matters).
pub(crate) fn is_utc_timestamp(d: &str) -> bool {
    d.len() == 20
        && d.bytes().enumerate().all(|(k, b)| match k {
            4 | 7 => b == b'-',
            10 => b == b'T',
            13 | 16 => b == b':',
            19 => b == b'Z',
            _ => b.is_ascii_digit(),
        })
}

impl Part {
    /// What the part is and where it lies, as both SPDX writers say it
    /// (`WebAssembly module /component[0]/module[1] (code), 120 bytes at
    /// offset 64 of the input`).
    pub fn describe(&self) -> String {
        format!(
            "WebAssembly {} {} ({}), {} bytes at offset {} of the input",
            self.kind.as_str(),
            self.path,
            self.class.as_str(),
            self.size,
            self.offset
        )
    }

    /// The first 12 hex digits of the digest.
    pub fn short_digest(&self) -> &str {
        self.sha256.get(..12).unwrap_or(&self.sha256)
    }

    /// The version formats print: the `version` section, else
    /// `sha256:<12 hex digits>`. NTIA's minimum elements want a version
    /// for every component; a nested module has none of its own, and its
    /// digest is the one thing that honestly identifies which build it is.
    pub fn version_or_digest(&self) -> String {
        match &self.version {
            Some(v) => v.clone(),
            None => format!("sha256:{}", self.short_digest()),
        }
    }
}

/// A Rust crate from the `.dep-v0` sections, once per (name, version,
/// source) however many modules list it.
#[derive(Debug, Clone)]
pub struct CratePart {
    /// `crate-<name>-<version>-<12 hex digits of SHA-256(name, version, source)>`.
    pub id: String,
    /// The crate's name; `(unnamed)` when `.dep-v0` gives an empty one.
    pub name: String,
    /// The crate's version, as `.dep-v0` records it.
    pub version: String,
    /// `crates.io`, `git`, `local`, `registry` or another source kind.
    pub source: String,
    /// `pkg:cargo/<name>@<version>`, percent-encoded (none for a crate
    /// without a name, which no purl can carry).
    pub purl: Option<String>,
    /// True when every module lists it as a build-time dependency only (a
    /// proc-macro or build script): it is not in the binary.
    pub build_only: bool,
    /// `crates.io` for crates.io crates (the SPDX supplier is the
    /// distribution source); for a local crate, the supplier of the
    /// modules it was built into when they agree; else unknown.
    pub supplier: Option<Actor>,
    /// Paths of the modules whose `.dep-v0` lists it.
    pub found_in: Vec<String>,
    /// The same modules with the byte offset of their `.dep-v0` payload in
    /// the input (the evidence of the crate's identity), when known.
    pub occurrences: Vec<(String, Option<u64>)>,
    /// The `wasm-audit:` properties.
    pub properties: Vec<Property>,
}

/// One end of a relationship.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Ref {
    /// An index into [`Sbom::parts`].
    Part(usize),
    /// An index into [`Sbom::crates`].
    Crate(usize),
}

/// What a relationship says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Relation {
    /// `from` contains `to` (assembly: `to` is nested in `from`'s bytes).
    Contains,
    /// `from` depends on `to` at run time.
    DependsOn,
    /// `from` needs `to` only to be built.
    BuildDependsOn,
}

/// A relationship between two entries of the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Relationship {
    /// The entry the relationship is about.
    pub from: Ref,
    /// What it says.
    pub relation: Relation,
    /// The other entry.
    pub to: Ref,
}

/// The SBOM of one input, independent of any format.
#[derive(Debug, Clone)]
pub struct Sbom {
    /// The input as named on the command line, for messages.
    pub file: String,
    /// Seconds since the Unix epoch (see [`timestamp`]).
    pub timestamp: u64,
    /// The generating tool: this crate's name and version.
    pub tool_name: &'static str,
    /// The generating tool's version.
    pub tool_version: &'static str,
    /// A UUID derived from the root digest (no `urn:uuid:` prefix).
    pub serial: String,
    /// Every node, root first, in the analysis' order.
    pub parts: Vec<Part>,
    /// Every distinct crate, sorted by name, version and source.
    pub crates: Vec<CratePart>,
    /// Sorted, without duplicates.
    pub relationships: Vec<Relationship>,
    /// Known vulnerabilities of the crates ([`Sbom::add_advisories`]),
    /// by advisory id; empty when no advisory database was given.
    pub vulnerabilities: Vec<Vulnerability>,
}

/// A RustSec vulnerability advisory that affects crates of the SBOM.
#[derive(Debug, Clone)]
pub struct Vulnerability {
    /// The advisory.
    pub advisory: crate::advisory::Advisory,
    /// Indices into [`Sbom::crates`] of the affected crates, with the
    /// paths of the modules whose `.dep-v0` lists each.
    pub affects: Vec<(usize, Vec<String>)>,
}

impl Sbom {
    /// The root part.
    pub fn root(&self) -> Option<&Part> {
        self.parts.first()
    }

    /// The identifier of a relationship end.
    pub fn id(&self, r: Ref) -> Option<&str> {
        match r {
            Ref::Part(i) => self.parts.get(i).map(|p| p.id.as_str()),
            Ref::Crate(i) => self.crates.get(i).map(|c| c.id.as_str()),
        }
    }

    /// The targets of `from`'s relationships of kind `relation`.
    pub fn targets(&self, from: Ref, relation: Relation) -> impl Iterator<Item = Ref> + '_ {
        self.relationships
            .iter()
            .filter(move |r| r.from == from && r.relation == relation)
            .map(|r| r.to)
    }

    /// Adds the vulnerability advisories of `db` that affect the crates of
    /// `analysis` (the analysis this SBOM was built from): informational
    /// advisories (unmaintained, unsound) are findings of `check`, not
    /// vulnerabilities, and are not added.
    pub fn add_advisories(&mut self, analysis: &Analysis, db: &crate::advisory::Database) {
        let mut by_id: BTreeMap<String, Vulnerability> = BTreeMap::new();
        for hit in db.scan(analysis) {
            if hit.advisory.kind != crate::advisory::Kind::Vulnerability {
                continue;
            }
            let Some(node) = analysis.nodes.get(hit.node) else {
                continue;
            };
            let Some(krate) = node.crates.as_ref().and_then(|c| c.get(hit.krate)) else {
                continue;
            };
            let Some(ci) = self.crates.iter().position(|c| {
                c.name == krate.name && c.version == krate.version && c.source == krate.source
            }) else {
                continue;
            };
            let v = by_id
                .entry(hit.advisory.id.clone())
                .or_insert_with(|| Vulnerability {
                    advisory: hit.advisory.clone(),
                    affects: Vec::new(),
                });
            match v.affects.iter_mut().find(|(c, _)| *c == ci) {
                Some((_, paths)) => {
                    if !paths.contains(&node.path) {
                        paths.push(node.path.clone());
                    }
                }
                None => v.affects.push((ci, vec![node.path.clone()])),
            }
        }
        self.vulnerabilities = by_id.into_values().collect();
    }

    /// The RFC 3339 UTC form of the timestamp (`2024-01-02T03:04:05Z`),
    /// or `None` past [`MAX_TIMESTAMP`].
    pub fn created(&self) -> Option<String> {
        rfc3339(self.timestamp)
    }
}

/// Verified provenance of one part, as `check` found it (see
/// [`add_provenance`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PartProvenance {
    /// The attestation file.
    pub attestation: String,
    /// Who signed it.
    pub signer: String,
    /// The SLSA builder id it names.
    pub builder: Option<String>,
    /// The source it names.
    pub source: Option<String>,
    /// The commit it names.
    pub commit: Option<String>,
}

/// Records on the part at `path` the provenance that verified for it: the
/// attestation, its signer, and the builder, source and commit it names.
/// Only verified provenance is ever passed here (`check` decides).
pub fn add_provenance(sbom: &mut Sbom, path: &str, provenance: &[PartProvenance]) {
    let Some(part) = sbom.parts.iter_mut().find(|p| p.path == path) else {
        return;
    };
    let clean = |s: &str| {
        s.chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect::<String>()
    };
    for p in provenance {
        let mut push = |name: &'static str, value: &str| {
            part.properties.push(Property {
                name,
                value: clean(value),
            })
        };
        push(names::PROVENANCE_ATTESTATION, &p.attestation);
        push(names::PROVENANCE_SIGNER, &p.signer);
        if let Some(b) = &p.builder {
            push(names::PROVENANCE_BUILDER, b);
        }
        if let Some(s) = &p.source {
            push(names::PROVENANCE_SOURCE, s);
        }
        if let Some(c) = &p.commit {
            push(names::PROVENANCE_COMMIT, c);
        }
    }
}

/// What to do about a vulnerability, from its patched versions.
pub fn recommendation(a: &crate::advisory::Advisory) -> String {
    if a.patched.is_empty() {
        format!(
            "No patched version of {} exists: replace the crate or remove the dependency (see {}).",
            a.package,
            a.rustsec_url()
        )
    } else {
        format!(
            "Upgrade {} to a version matching {} and rebuild the module.",
            a.package,
            a.patched.join(" or ")
        )
    }
}

/// Builds the SBOM of `analysis`, dated `timestamp` (seconds since the
/// Unix epoch; see [`timestamp`] for where it comes from). An analysis
/// without its wiring is refused ([`crate::Error::NoWiring`]): its
/// dependencies and capabilities would be missing.
pub fn build(analysis: &Analysis, timestamp: u64) -> crate::Result<Sbom> {
    let wiring = analysis.wiring()?;
    let nodes = &analysis.nodes;
    let mut parts: Vec<Part> = nodes
        .iter()
        .enumerate()
        .map(|(i, node)| part(analysis, wiring, i, node))
        .collect();
    // Children as the model keeps them, checked against the list.
    for (i, node) in nodes.iter().enumerate() {
        if let Some(p) = parts.get_mut(i) {
            p.children = node
                .children
                .iter()
                .copied()
                .filter(|&c| c < nodes.len() && c != i)
                .collect();
        }
    }

    let mut relationships = BTreeSet::new();
    for (i, p) in parts.iter().enumerate() {
        for &c in &p.children {
            relationships.insert(Relationship {
                from: Ref::Part(i),
                relation: Relation::Contains,
                to: Ref::Part(c),
            });
        }
    }

    // Wiring: a consumer depends on the node whose export satisfies its
    // import. A parent passing one of its own imports down is not a
    // dependency on the parent (that is a capability, recorded as such).
    for s in &wiring.satisfies {
        let Provider::Node(n) = s.from else { continue };
        if n >= nodes.len() || s.to >= nodes.len() || n == s.to || is_ancestor(nodes, n, s.to) {
            continue;
        }
        relationships.insert(Relationship {
            from: Ref::Part(s.to),
            relation: Relation::DependsOn,
            to: Ref::Part(n),
        });
    }

    let crates = crates(nodes, &parts, &mut relationships);

    Ok(Sbom {
        file: analysis.file.clone(),
        timestamp,
        tool_name: env!("CARGO_PKG_NAME"),
        tool_version: env!("CARGO_PKG_VERSION"),
        serial: uuid_from(
            b"wasm-audit sbom serial number\n",
            analysis.digest.as_bytes(),
        ),
        parts,
        crates,
        relationships: relationships.into_iter().collect(),
        vulnerabilities: Vec::new(),
    })
}

/// Whether `a` is a proper ancestor of `n` (the parent chain is bounded
/// by the node count, so a malformed chain cannot loop).
fn is_ancestor(nodes: &[Node], a: usize, n: usize) -> bool {
    let mut cur = nodes.get(n).and_then(|x| x.parent);
    for _ in 0..nodes.len() {
        match cur {
            Some(p) if p == a => return true,
            Some(p) => cur = nodes.get(p).and_then(|x| x.parent),
            None => return false,
        }
    }
    false
}

fn part(analysis: &Analysis, wiring: &Wiring, i: usize, node: &Node) -> Part {
    let sha256 = node
        .digest
        .strip_prefix("sha256:")
        .unwrap_or(&node.digest)
        .to_string();
    let name = node
        .name
        .as_deref()
        .map(clean)
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| {
            if node.parent.is_none() {
                file_name(&analysis.file)
            } else {
                node.path.clone()
            }
        });
    let m = &node.metadata;
    let authors = m.authors.as_deref().map(collapse).filter(|s| !s.is_empty());
    let supplier = authors.as_deref().map(actor_from_authors);
    let licence = m.licenses.as_deref().and_then(licence);
    let source = m.source.as_deref().map(clean).filter(|s| !s.is_empty());
    let homepage = m.homepage.as_deref().map(clean).filter(|s| !s.is_empty());
    let vcs = source.clone().filter(|s| is_url(s, VCS_SCHEMES));
    let website = homepage.clone().filter(|s| is_url(s, WEB_SCHEMES));
    let version = m.version.as_deref().map(clean).filter(|s| !s.is_empty());
    let revision = m.revision.as_deref().map(clean).filter(|s| !s.is_empty());

    let mut props = Props::default();
    props.push(names::KIND, node.kind.as_str());
    props.push(names::CLASS, node.class.as_str());
    props.push(names::PATH, &node.path);
    props.push(names::DEPTH, &node.depth.to_string());
    props.push(names::OFFSET, &node.offset.to_string());
    props.push(names::SIZE, &node.size.to_string());
    props.push(names::BINARY_VERSION, &format!("{:#x}", node.version));
    if let Some(n) = &node.name_in_parent {
        props.push(names::NAME_IN_PARENT, n);
    }
    props.push(
        names::VERSION_FROM,
        if version.is_some() {
            "version-section"
        } else {
            "digest"
        },
    );
    if let Some(w) = &node.wit {
        let name = if w.kind == "package" {
            names::WIT_PACKAGE
        } else {
            names::WIT_WORLD
        };
        props.push(name, &w.name);
    }
    for (field, entries) in &node.producers {
        for e in entries {
            let entry = if e.version.is_empty() {
                e.name.clone()
            } else {
                format!("{} {}", e.name, e.version)
            };
            match field.as_str() {
                "language" => props.push(names::PRODUCER_LANGUAGE, &entry),
                "processed-by" => props.push(names::PRODUCER_PROCESSED_BY, &entry),
                "sdk" => props.push(names::PRODUCER_SDK, &entry),
                other => props.push(names::PRODUCER_OTHER, &format!("{other}: {entry}")),
            }
        }
    }
    if let Some(r) = &revision {
        props.push(names::REVISION, r);
    }
    if let (Some(s), None) = (&source, &vcs) {
        props.push(names::SOURCE, s);
    }
    if let (Some(h), None) = (&homepage, &website) {
        props.push(names::HOMEPAGE, h);
    }
    props.push(names::FUNCTION_BODIES, &node.function_bodies.to_string());
    let instantiated = wiring.instantiated.get(i).copied().unwrap_or(i == 0);
    props.push(
        names::INSTANTIATED,
        if instantiated { "true" } else { "false" },
    );
    match node.kind {
        NodeKind::Component => {
            for x in &node.imports {
                props.push(names::IMPORT, &x.name);
            }
        }
        NodeKind::Module => {
            for x in &node.core_imports {
                props.push(names::IMPORT, &x.module);
            }
        }
    }
    for x in &node.exports {
        props.push(names::EXPORT, &x.name);
    }
    let reach = wiring.reach.get(i).map(Vec::as_slice).unwrap_or(&[]);
    let interfaces: BTreeSet<&str> = reach.iter().map(|c| c.name()).collect();
    for interface in interfaces {
        props.push(names::CAPABILITY, interface);
    }
    for c in reach {
        let hops: Vec<String> = c
            .via
            .iter()
            .map(|b| format!("{}[{}]", b.path, b.import))
            .collect();
        props.push(
            names::CAPABILITY_VIA,
            &format!("{} via {}", c.label(), hops.join(" → ")),
        );
    }
    for s in wiring.satisfies.iter().filter(|s| s.to == i) {
        let from = match s.from {
            Provider::Host => "host",
            Provider::Node(n) => analysis.nodes.get(n).map_or("?", |n| n.path.as_str()),
        };
        props.push(names::SATISFIED_BY, &format!("{} from {from}", s.import));
    }
    for note in &node.notes {
        props.push(names::NOTE, note);
    }

    Part {
        id: node_id(&node.path, &sha256),
        name,
        version,
        kind: node.kind,
        class: node.class,
        path: node.path.clone(),
        depth: node.depth,
        offset: node.offset,
        size: node.size,
        sha256,
        authors,
        supplier,
        licence,
        description: m
            .description
            .as_deref()
            .map(clean)
            .filter(|s| !s.is_empty()),
        vcs,
        website,
        revision,
        parent: node.parent,
        children: Vec::new(),
        properties: props.0,
    }
}

/// Properties being collected, values cleaned on the way in.
#[derive(Default)]
struct Props(Vec<Property>);

impl Props {
    fn push(&mut self, name: &'static str, value: &str) {
        self.0.push(Property {
            name,
            value: clean(value),
        });
    }
}

/// What one crate accumulates over every module that lists it.
#[derive(Default)]
struct CrateAcc {
    runtime: bool,
    found_in: BTreeSet<usize>,
    root_of: BTreeSet<usize>,
    deps: BTreeSet<(CrateKey, bool)>,
}

/// (name, version, source): what makes two `.dep-v0` entries the same crate.
type CrateKey = (String, String, String);

fn crate_key(c: &Crate) -> CrateKey {
    (clean(&c.name), clean(&c.version), clean(&c.source))
}

/// Collects the crates of every module, adds the module → root crate and
/// crate → dependency relationships, and returns the crate list.
fn crates(
    nodes: &[Node],
    parts: &[Part],
    relationships: &mut BTreeSet<Relationship>,
) -> Vec<CratePart> {
    let mut acc: BTreeMap<CrateKey, CrateAcc> = BTreeMap::new();
    // Module → the keys of the crates it was built from.
    let mut roots: Vec<(usize, CrateKey)> = Vec::new();
    for (m, node) in nodes.iter().enumerate() {
        let Some(list) = &node.crates else { continue };
        let keys: Vec<CrateKey> = list.iter().map(crate_key).collect();
        // The crates no other crate of the list depends on: the root, or
        // every top crate when a list flags none.
        let depended: BTreeSet<usize> = list.iter().flat_map(|c| c.dependencies.clone()).collect();
        let flagged: Vec<usize> = (0..list.len())
            .filter(|&k| list.get(k).is_some_and(|c| c.root))
            .collect();
        let tops: Vec<usize> = if flagged.is_empty() {
            (0..list.len()).filter(|k| !depended.contains(k)).collect()
        } else {
            flagged
        };
        for (k, c) in list.iter().enumerate() {
            let Some(key) = keys.get(k) else { continue };
            let entry = acc.entry(key.clone()).or_default();
            entry.runtime |= c.kind != "build";
            entry.found_in.insert(m);
            if c.root {
                entry.root_of.insert(m);
            }
            for &d in &c.dependencies {
                if let (Some(dkey), Some(dc)) = (keys.get(d), list.get(d)) {
                    if dkey != key {
                        entry.deps.insert((dkey.clone(), dc.kind == "build"));
                    }
                }
            }
        }
        for k in tops {
            if let Some(key) = keys.get(k) {
                roots.push((m, key.clone()));
            }
        }
    }

    let index: BTreeMap<&CrateKey, usize> = acc.keys().enumerate().map(|(i, k)| (k, i)).collect();
    let path_of = |m: &usize| nodes.get(*m).map(|n| n.path.clone()).unwrap_or_default();

    // Identifiers: readable name and version plus a short hash of the key;
    // the full hash where two short ones collide.
    let short: Vec<String> = acc.keys().map(|k| crate_id(k, 12)).collect();
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    for id in &short {
        *seen.entry(id.as_str()).or_default() += 1;
    }
    let ids: Vec<String> = acc
        .keys()
        .zip(&short)
        .map(|(k, id)| {
            if seen.get(id.as_str()).copied().unwrap_or(0) > 1 {
                crate_id(k, 64)
            } else {
                id.clone()
            }
        })
        .collect();

    let mut out = Vec::with_capacity(acc.len());
    for (i, ((key, a), id)) in acc.iter().zip(ids).enumerate() {
        let (name, version, source) = key;
        for (dkey, build) in &a.deps {
            if let Some(&d) = index.get(dkey) {
                relationships.insert(Relationship {
                    from: Ref::Crate(i),
                    relation: if *build {
                        Relation::BuildDependsOn
                    } else {
                        Relation::DependsOn
                    },
                    to: Ref::Crate(d),
                });
            }
        }
        let supplier = if source == "crates.io" {
            Some(Actor {
                kind: ActorKind::Organization,
                name: "crates.io".to_string(),
                email: None,
            })
        } else if source == "local" {
            // A local crate is distributed only inside the modules built
            // from it: their supplier is its supplier, when they agree.
            let suppliers: BTreeSet<Option<&Actor>> = a
                .found_in
                .iter()
                .map(|&m| parts.get(m).and_then(|p| p.supplier.as_ref()))
                .collect();
            match suppliers.into_iter().collect::<Vec<_>>().as_slice() {
                [Some(one)] => Some((*one).clone()),
                _ => None,
            }
        } else {
            None
        };
        let mut props = Props::default();
        props.push(names::CRATE_SOURCE, source);
        props.push(
            names::CRATE_KIND,
            if a.runtime { "runtime" } else { "build" },
        );
        for m in &a.found_in {
            props.push(names::FOUND_IN, &path_of(m));
        }
        for m in &a.root_of {
            props.push(names::CRATE_ROOT_OF, &path_of(m));
        }
        out.push(CratePart {
            id,
            // Formats need a name; a `.dep-v0` entry may have an empty one.
            name: if name.is_empty() {
                "(unnamed)".to_string()
            } else {
                name.clone()
            },
            version: version.clone(),
            source: source.clone(),
            purl: purl(name, version),
            build_only: !a.runtime,
            supplier,
            found_in: a.found_in.iter().map(path_of).collect(),
            occurrences: a
                .found_in
                .iter()
                .map(|m| {
                    let offset = nodes
                        .get(*m)
                        .and_then(|n| n.dep_v0.as_ref())
                        .map(|r| r.start as u64);
                    (path_of(m), offset)
                })
                .collect(),
            properties: props.0,
        });
    }
    for (m, key) in roots {
        if let Some(&c) = index.get(&key) {
            relationships.insert(Relationship {
                from: Ref::Part(m),
                relation: Relation::DependsOn,
                to: Ref::Crate(c),
            });
        }
    }
    out
}

/// The root's name when it has no name section: the input's file name
/// (`stdin` for `-`).
fn file_name(file: &str) -> String {
    if file == "-" {
        return "stdin".to_string();
    }
    let name = std::path::Path::new(file)
        .file_name()
        .map(|n| clean(&n.to_string_lossy()))
        .unwrap_or_default();
    if name.is_empty() {
        "input".to_string()
    } else {
        name
    }
}

/// `root-<12 hex>` or the path's segments joined with `-`, then `-<12 hex>`.
fn node_id(path: &str, sha256: &str) -> String {
    let mut id = sanitize(path);
    if id.is_empty() {
        id.push_str("root");
    }
    id.push('-');
    id.push_str(sha256.get(..12).unwrap_or(sha256));
    id
}

fn crate_id((name, version, source): &CrateKey, hex_len: usize) -> String {
    let digest = crate::digest::sha256(format!("{name}\0{version}\0{source}").as_bytes());
    let hex = digest.strip_prefix("sha256:").unwrap_or(&digest);
    let mut id = String::from("crate-");
    let n = sanitize(name);
    if !n.is_empty() {
        id.push_str(&n);
        id.push('-');
    }
    let v = sanitize(version);
    if !v.is_empty() {
        id.push_str(&v);
        id.push('-');
    }
    id.push_str(hex.get(..hex_len).unwrap_or(hex));
    id
}

/// Letters, digits and `.` kept; every other run of characters becomes
/// one `-` (what SPDX identifiers allow, and readable as a bom-ref).
fn sanitize(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_ascii_alphanumeric() || c == '.' {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    out
}

/// Control characters (and the two non-characters XML refuses) become
/// spaces; leading and trailing whitespace goes. Every string taken from
/// the input passes here before it reaches a writer.
fn clean(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_control() || c == '\u{FFFE}' || c == '\u{FFFF}' {
                ' '
            } else {
                c
            }
        })
        .collect::<String>()
        .trim()
        .to_string()
}

/// [`clean`], with every whitespace run made one space (for names that
/// become single-line actor fields).
fn collapse(s: &str) -> String {
    clean(s).split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The supplier an `authors` section names: a person when it is exactly
/// one `Name <e-mail>`; otherwise an organisation carrying the text (a
/// list of authors, or a name that may be either).
fn actor_from_authors(text: &str) -> Actor {
    if let Some((name, email)) = text
        .strip_suffix('>')
        .and_then(|rest| rest.split_once('<'))
        .map(|(n, e)| (n.trim(), e.trim()))
    {
        let one_address = email.matches('@').count() == 1
            && !email.starts_with('@')
            && !email.ends_with('@')
            && !email
                .chars()
                .any(|c| c.is_whitespace() || "<>(),;\"".contains(c));
        if one_address && !name.is_empty() && !name.contains(['<', '>', ',']) {
            return Actor {
                kind: ActorKind::Person,
                name: name.to_string(),
                email: Some(email.to_string()),
            };
        }
    }
    Actor {
        kind: ActorKind::Organization,
        name: text.to_string(),
        email: None,
    }
}

/// The `licenses` section as an SPDX expression when it is one that both
/// formats accept: it parses strictly (the SPDX licence list, `AND`/`OR`/
/// `WITH`, `LicenseRef-`), every `LicenseRef-` has an identifier after
/// the dash, and it refers to no other document (`DocumentRef-`) and no
/// SPDX 3 addition (`AdditionRef-`), which an SPDX 2.3 document cannot
/// resolve. Operators written in lower case are upper-cased (the same
/// expression, in the case the SPDX tools require). `NOASSERTION`
/// asserts nothing and is dropped.
fn licence(text: &str) -> Option<Licence> {
    let t = collapse(text);
    if t.is_empty() || t == "NOASSERTION" {
        return None;
    }
    let normal = t
        .split(' ')
        .map(|w| {
            if ["and", "or", "with"].contains(&w.to_ascii_lowercase().as_str()) {
                w.to_ascii_uppercase()
            } else {
                w.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(" ");
    let refs_ok = normal
        .split(|c: char| c.is_whitespace() || c == '(' || c == ')')
        .filter(|w| w.contains("LicenseRef-"))
        .all(|w| {
            w.strip_prefix("LicenseRef-").is_some_and(|id| {
                !id.is_empty()
                    && id
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
            })
        });
    let expression = refs_ok
        && !normal.contains("DocumentRef-")
        && !normal.contains("AdditionRef-")
        && ::spdx::Expression::parse_mode(
            &normal,
            ::spdx::ParseMode {
                allow_deprecated: true,
                ..::spdx::ParseMode::STRICT
            },
        )
        .is_ok();
    Some(if expression {
        Licence::Expression(normal)
    } else {
        Licence::Other(t)
    })
}

/// The `LicenseRef-` identifiers an expression uses, sorted.
pub fn licence_refs(expression: &str) -> BTreeSet<String> {
    expression
        .split(|c: char| c.is_whitespace() || c == '(' || c == ')')
        .filter(|t| t.starts_with("LicenseRef-"))
        .map(|t| t.trim_end_matches('+').to_string())
        .collect()
}

/// URL schemes accepted as a VCS location.
const VCS_SCHEMES: &[&str] = &[
    "https",
    "http",
    "git",
    "ssh",
    "git+https",
    "git+ssh",
    "git+http",
];
/// URL schemes accepted as a website (SPDX `homepage` wants http(s)).
const WEB_SCHEMES: &[&str] = &["https", "http"];

/// Whether `s` is `scheme://host[...]` with a scheme from `schemes`, a
/// DNS host name with a top-level domain of letters, and nothing but URI
/// characters (percent signs followed by two hex digits). Narrower than
/// RFC 3986 on purpose: what passes is a URL for every format's
/// validator; the rest is kept as a property instead of failing the
/// document.
fn is_url(s: &str, schemes: &[&str]) -> bool {
    let Some((scheme, rest)) = s.split_once("://") else {
        return false;
    };
    if !schemes.contains(&scheme.to_ascii_lowercase().as_str()) {
        return false;
    }
    if s.matches('#').count() > 1 {
        return false;
    }
    let bytes = s.as_bytes();
    for (k, &b) in bytes.iter().enumerate() {
        // RFC 3986 unreserved and delimiter characters, less `[` and `]`
        // (only legal around an IPv6 host, which is not accepted anyway).
        let ok = b.is_ascii_alphanumeric() || b"-._~:/?#@!$&'()*+,;=".contains(&b);
        if b == b'%' {
            let hex = |o: usize| bytes.get(k + o).is_some_and(|h| h.is_ascii_hexdigit());
            if !(hex(1) && hex(2)) {
                return false;
            }
        } else if !ok {
            return false;
        }
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host_port = authority.rsplit('@').next().unwrap_or("");
    let (host, port) = match host_port.split_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (host_port, None),
    };
    if port.is_some_and(|p| p.is_empty() || p.len() > 5 || !p.bytes().all(|b| b.is_ascii_digit())) {
        return false;
    }
    let labels: Vec<&str> = host.split('.').collect();
    let label_ok = |l: &&str| {
        !l.is_empty()
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    };
    labels.len() >= 2
        && labels.iter().all(label_ok)
        && labels
            .last()
            .is_some_and(|tld| tld.len() >= 2 && tld.bytes().all(|b| b.is_ascii_alphabetic()))
}

/// `pkg:cargo/<name>@<version>`, both percent-encoded as the purl
/// specification asks (unreserved characters kept); none without a name.
fn purl(name: &str, version: &str) -> Option<String> {
    if name.is_empty() {
        return None;
    }
    fn encode(s: &str, out: &mut String) {
        for b in s.bytes() {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                out.push(char::from(b));
            } else {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    let mut out = String::from("pkg:cargo/");
    encode(name, &mut out);
    if !version.is_empty() {
        out.push('@');
        encode(version, &mut out);
    }
    Some(out)
}

/// A UUID made from SHA-256 of `label` and `data`, in the RFC 9562
/// version 8 layout (its name-based SHA-256 example): version-5-style
/// (a hash of a name, here the root digest), but with the hash it
/// really uses, so that nobody mistakes it for SHA-1.
fn uuid_from(label: &[u8], data: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(label);
    h.update(data);
    let d = h.finalize();
    let mut hex = String::with_capacity(36);
    for (k, &byte) in d.iter().take(16).enumerate() {
        let byte = match k {
            6 => (byte & 0x0f) | 0x80, // version 8
            8 => (byte & 0x3f) | 0x80, // RFC 9562 variant
            _ => byte,
        };
        if matches!(k, 4 | 6 | 8 | 10) {
            hex.push('-');
        }
        hex.push_str(&format!("{byte:02x}"));
    }
    hex
}

/// `YYYY-MM-DDThh:mm:ssZ` for seconds since the Unix epoch, or `None`
/// past 9999-12-31T23:59:59Z.
pub fn rfc3339(secs: u64) -> Option<String> {
    if secs > MAX_TIMESTAMP {
        return None;
    }
    let days = secs / 86_400;
    let rem = secs % 86_400;
    let (y, m, d) = civil_from_days(days);
    Some(format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    ))
}

/// The proleptic Gregorian date `days` after 1970-01-01, counting in
/// 400-year eras (146 097 days each) that start on 1 March, so that the
/// leap day falls at the end of the counted year.
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    // Shift the epoch to 0000-03-01: 719 468 days before 1970-01-01.
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097; // day of era, 0..=146 096
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // 0..=399
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // day of the March-based year
    let mp = (5 * doy + 2) / 153; // month from March, 0..=11
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + u64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(rfc3339(0).as_deref(), Some("1970-01-01T00:00:00Z"));
        assert_eq!(
            rfc3339(951_782_400).as_deref(),
            Some("2000-02-29T00:00:00Z")
        );
        assert_eq!(
            rfc3339(1_709_251_199).as_deref(),
            Some("2024-02-29T23:59:59Z")
        );
        assert_eq!(
            rfc3339(4_107_542_400).as_deref(),
            Some("2100-03-01T00:00:00Z")
        );
        assert_eq!(
            rfc3339(MAX_TIMESTAMP).as_deref(),
            Some("9999-12-31T23:59:59Z")
        );
        assert_eq!(rfc3339(MAX_TIMESTAMP + 1), None);
    }

    #[test]
    fn source_date_epoch() {
        assert_eq!(
            timestamp(Some(OsStr::new("1700000000"))).ok(),
            Some(1_700_000_000)
        );
        assert!(timestamp(Some(OsStr::new("yesterday"))).is_err());
        assert!(timestamp(Some(OsStr::new("-1"))).is_err());
        assert!(timestamp(Some(OsStr::new("999999999999"))).is_err());
        let now = timestamp(Some(OsStr::new(""))).expect("empty is unset");
        assert!(now > 1_700_000_000);
        assert!(timestamp(None).is_ok());
    }

    #[test]
    fn formats_by_name() {
        for f in SbomFormat::ALL {
            assert_eq!(f.as_str().parse::<SbomFormat>().ok(), Some(f));
        }
        assert!("cyclonedx".parse::<SbomFormat>().is_err());
    }

    #[test]
    fn identifiers() {
        let hex = "38c97633b6ed0000000000000000000000000000000000000000000000000000";
        assert_eq!(node_id("/", hex), "root-38c97633b6ed");
        assert_eq!(
            node_id("/component[0]/module[12]", hex),
            "component-0-module-12-38c97633b6ed"
        );
        let a = crate_id(
            &("serde_json".into(), "1.0.0".into(), "crates.io".into()),
            12,
        );
        let b = crate_id(
            &("serde-json".into(), "1.0.0".into(), "crates.io".into()),
            12,
        );
        assert!(a.starts_with("crate-serde-json-1.0.0-"), "{a}");
        assert_ne!(a, b, "the hash keeps look-alike names apart");
    }

    #[test]
    fn uuid_layout() {
        let u = uuid_from(b"x", b"sha256:00");
        assert_eq!(u.len(), 36);
        assert_eq!(u.as_bytes()[14], b'8', "version 8: {u}");
        assert!(
            matches!(u.as_bytes()[19], b'8' | b'9' | b'a' | b'b'),
            "variant: {u}"
        );
        assert_eq!(u, uuid_from(b"x", b"sha256:00"));
        assert_ne!(u, uuid_from(b"x", b"sha256:01"));
    }

    #[test]
    fn purls() {
        assert_eq!(
            purl("serde", "1.0.210").as_deref(),
            Some("pkg:cargo/serde@1.0.210")
        );
        assert_eq!(
            purl("a b", "1.0.0+build.1").as_deref(),
            Some("pkg:cargo/a%20b@1.0.0%2Bbuild.1")
        );
        assert_eq!(purl("", "1.0.0"), None);
    }

    #[test]
    fn urls() {
        assert!(is_url(
            "https://github.com/bytecodealliance/wasmtime",
            VCS_SCHEMES
        ));
        assert!(is_url(
            "git+https://example.org:8080/x.git#main",
            VCS_SCHEMES
        ));
        assert!(!is_url("git@github.com:org/repo.git", VCS_SCHEMES));
        assert!(!is_url("https://localhost/x", WEB_SCHEMES));
        assert!(!is_url("https://exa mple.com", WEB_SCHEMES));
        assert!(!is_url("https://example.com/%zz", WEB_SCHEMES));
        assert!(!is_url("git://example.com/x", WEB_SCHEMES));
        assert!(!is_url("https://münchen.de", WEB_SCHEMES));
    }

    #[test]
    fn authors_to_suppliers() {
        let p = actor_from_authors("Jane Doe <jane@example.com>");
        assert_eq!(p.kind, ActorKind::Person);
        assert_eq!(p.name, "Jane Doe");
        assert_eq!(p.email.as_deref(), Some("jane@example.com"));
        let o = actor_from_authors("A <a@x.org>, B <b@x.org>");
        assert_eq!(o.kind, ActorKind::Organization);
        assert_eq!(o.name, "A <a@x.org>, B <b@x.org>");
        assert_eq!(actor_from_authors("The Team").kind, ActorKind::Organization);
    }

    #[test]
    fn licences() {
        assert_eq!(
            licence("Apache-2.0 WITH LLVM-exception OR MIT"),
            Some(Licence::Expression(
                "Apache-2.0 WITH LLVM-exception OR MIT".into()
            ))
        );
        assert_eq!(
            licence("MIT / Apache 2"),
            Some(Licence::Other("MIT / Apache 2".into()))
        );
        assert!(matches!(
            licence("LicenseRef-Mine"),
            Some(Licence::Expression(_))
        ));
        assert!(matches!(
            licence("DocumentRef-x:LicenseRef-y"),
            Some(Licence::Other(_))
        ));
        assert_eq!(licence("  "), None);
        assert_eq!(licence("NOASSERTION"), None);
        assert_eq!(
            licence("MIT or Apache-2.0"),
            Some(Licence::Expression("MIT OR Apache-2.0".into()))
        );
        for other in [
            "LicenseRef-",
            "LicenseRef-a_b",
            "mit",
            "MIT WITH LicenseRef-x",
        ] {
            assert_eq!(
                licence(other),
                Some(Licence::Other(other.into())),
                "{other}"
            );
        }
        assert_eq!(
            licence_refs("(MIT OR LicenseRef-A) AND LicenseRef-B"),
            ["LicenseRef-A".to_string(), "LicenseRef-B".to_string()].into()
        );
    }

    #[test]
    fn cleaning() {
        assert_eq!(clean(" a\nb\u{0}c\u{FFFF} "), "a b c");
        assert_eq!(collapse("a \n\t b"), "a b");
        assert_eq!(sanitize("/component[0]/module[1]"), "component-0-module-1");
    }
}
