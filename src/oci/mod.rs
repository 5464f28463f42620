//! OCI inputs: `oci-layout:DIR[:TAG|@DIGEST]` (an OCI image layout on
//! disk) and `oci://REGISTRY/REPO[:TAG|@DIGEST]` (a registry).
//!
//! The reference is resolved to a manifest whose bytes are hashed here: a
//! reference pinned with `@sha256:…` must name exactly those bytes. The
//! manifest must hold exactly one wasm layer (`application/wasm`, or the
//! older `application/vnd.wasm.content.layer.v1+wasm`); its declared size
//! is held to the input size limit before anything is read, and its bytes
//! are hashed and compared with its digest. Nothing a registry or a layout
//! says about a digest is trusted. Only SHA-256 digests are accepted.
//!
//! The CNCF Wasm OCI artifact config (`application/vnd.wasm.config.v0+json`)
//! is read (digest checked too) and kept with the input's
//! [`OciSource`]; the audit compares it with the binary
//! (`oci-config-mismatch`). [`cosign`] finds the signatures and
//! attestations cosign stores beside the manifest.

pub mod cosign;
pub mod layout;
pub mod registry;

use std::collections::BTreeMap;

use serde_json::Value;

use crate::error::{Error, Result};
use crate::model::OciSource;

/// The media type of a Wasm OCI artifact's config.
pub const WASM_CONFIG: &str = "application/vnd.wasm.config.v0+json";
/// The media types of a wasm layer.
pub const WASM_LAYERS: &[&str] = &[
    "application/wasm",
    "application/vnd.wasm.content.layer.v1+wasm",
];
/// OCI and Docker manifest media types.
const IMAGE_MANIFESTS: &[&str] = &[
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
];
/// OCI and Docker index media types.
const IMAGE_INDEXES: &[&str] = &[
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
];

/// Largest manifest, index or config read (the distribution specification
/// lets registries refuse manifests over 4 MiB).
pub const MAX_MANIFEST_SIZE: u64 = 4 << 20;

/// Whether a command-line input names an OCI artifact.
pub fn is_reference(arg: &str) -> bool {
    arg.starts_with("oci-layout:") || arg.starts_with("oci://")
}

/// A tag or a digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pin {
    /// Nothing given: the layout's only image (layouts only).
    None,
    /// A tag.
    Tag(String),
    /// `sha256:<hex>`.
    Digest(String),
}

/// A parsed reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reference {
    /// `oci-layout:DIR[:TAG|@DIGEST]`.
    Layout {
        /// The layout directory.
        dir: std::path::PathBuf,
        /// What names the manifest in it.
        pin: Pin,
    },
    /// `oci://REGISTRY/REPO[:TAG|@DIGEST]` (a tag defaults to `latest`).
    Registry {
        /// `host[:port]`.
        registry: String,
        /// The repository path.
        repository: String,
        /// What names the manifest.
        pin: Pin,
    },
}

fn usage(input: &str, message: impl Into<String>) -> Error {
    Error::Oci {
        input: input.to_string(),
        message: message.into(),
    }
}

/// The hex of a `sha256:<hex>` digest; any other algorithm, or a digest
/// that is not 64 lowercase hex digits, is refused.
pub fn sha256_hex(digest: &str) -> std::result::Result<&str, String> {
    let Some((algorithm, hex)) = digest.split_once(':') else {
        return Err(format!("digest {digest:?} is not ALGORITHM:HEX"));
    };
    if algorithm != "sha256" {
        return Err(format!(
            "digest {digest:?}: algorithm {algorithm:?} is not supported (only sha256)"
        ));
    }
    if hex.len() != 64
        || !hex
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        return Err(format!("digest {digest:?} is not 64 lowercase hex digits"));
    }
    Ok(hex)
}

fn valid_tag(tag: &str) -> bool {
    // The distribution specification: [a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}.
    let mut bytes = tag.bytes();
    bytes
        .next()
        .is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_')
        && tag.len() <= 128
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.' || b == b'-')
}

/// Splits `rest` (of the input `arg`) into what it names and its pin:
/// `NAME@sha256:<hex>`, or `NAME:TAG` where the tag is after the last `:`
/// at or after `after_slash` (the end of the last `/`), or `default`.
fn split_pin<'a>(
    arg: &str,
    rest: &'a str,
    after_slash: usize,
    default: Pin,
) -> Result<(&'a str, Pin)> {
    if let Some((name, digest)) = rest.rsplit_once('@') {
        sha256_hex(digest).map_err(|m| usage(arg, m))?;
        return Ok((name, Pin::Digest(digest.to_string())));
    }
    match rest.get(after_slash..).and_then(|t| t.rfind(':')) {
        Some(i) => {
            let at = after_slash + i;
            let tag = rest.get(at + 1..).unwrap_or_default();
            if !valid_tag(tag) {
                return Err(usage(arg, format!("{tag:?} is not a valid tag")));
            }
            Ok((
                rest.get(..at).unwrap_or_default(),
                Pin::Tag(tag.to_string()),
            ))
        }
        None => Ok((rest, default)),
    }
}

impl Reference {
    /// Parses `oci-layout:…` or `oci://…`.
    pub fn parse(arg: &str) -> Result<Reference> {
        if let Some(rest) = arg.strip_prefix("oci-layout:") {
            // Without a `/`, a tag may follow the directory itself.
            let after_slash = rest.rfind('/').map_or(0, |i| i + 1);
            let (dir, pin) = split_pin(arg, rest, after_slash, Pin::None)?;
            if dir.is_empty() {
                return Err(usage(
                    arg,
                    "no layout directory (oci-layout:DIR[:TAG|@DIGEST])",
                ));
            }
            return Ok(Reference::Layout {
                dir: dir.into(),
                pin,
            });
        }
        if let Some(rest) = arg.strip_prefix("oci://") {
            // Without a `/` there is no repository (refused below), and the
            // `:` is a registry's port, not a tag.
            let after_slash = rest.rfind('/').map_or(rest.len(), |i| i + 1);
            let (name, pin) = split_pin(arg, rest, after_slash, Pin::Tag("latest".into()))?;
            let Some((registry, repository)) = name.split_once('/') else {
                return Err(usage(
                    arg,
                    "expected oci://REGISTRY/REPOSITORY[:TAG|@DIGEST]",
                ));
            };
            let repo_ok = !repository.is_empty()
                && repository.split('/').all(|c| {
                    !c.is_empty()
                        && c.bytes().all(|b| {
                            b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b)
                        })
                });
            if registry.is_empty() || !repo_ok {
                return Err(usage(
                    arg,
                    format!(
                        "{name:?}: expected REGISTRY/REPOSITORY with a lowercase repository path"
                    ),
                ));
            }
            return Ok(Reference::Registry {
                registry: registry.to_string(),
                repository: repository.to_string(),
                pin,
            });
        }
        Err(usage(arg, "not an OCI reference (oci://… or oci-layout:…)"))
    }
}

/// Where manifests and blobs are read from (a layout, a registry). Every
/// method returns unverified bytes, at most `max` of them (more is an
/// error); the callers hash them.
pub trait Store {
    /// The manifest a tag names, with its media type when known; `None`
    /// when there is no such tag.
    fn tagged(&self, tag: &str) -> std::result::Result<Option<Vec<u8>>, String>;
    /// The manifest with this digest; `None` when it is absent.
    fn manifest(&self, digest: &str) -> std::result::Result<Option<Vec<u8>>, String>;
    /// The blob with this digest: at most `max + 1` bytes are read (the
    /// caller refuses more than `max`).
    fn blob(&self, digest: &str, max: u64) -> std::result::Result<Vec<u8>, String>;
    /// The manifest named when no tag or digest is given (layouts: the only
    /// image in it).
    fn default_manifest(&self) -> std::result::Result<Vec<u8>, String>;
    /// The digests of the manifests `cosign save` stored with `image`
    /// under `kind` (layouts only).
    fn saved_with(&self, image: &str, kind: &str) -> Vec<String> {
        let _ = (image, kind);
        Vec::new()
    }
    /// The descriptors of the manifests that name `digest` as their
    /// subject (OCI 1.1 referrers). By default the referrers tag schema:
    /// the image index tagged `sha256-<hex>`; registries ask the referrers
    /// API first. Unverified: the caller checks each manifest's subject.
    fn referrers(&self, digest: &str) -> std::result::Result<Vec<Value>, String> {
        let hex = sha256_hex(digest)?;
        match self.tagged(&format!("sha256-{hex}"))? {
            None => Ok(Vec::new()),
            Some(bytes) => referrer_entries(&bytes),
        }
    }
}

/// The `manifests` of a referrers index (an image index).
pub fn referrer_entries(index: &[u8]) -> std::result::Result<Vec<Value>, String> {
    if index.len() as u64 > MAX_MANIFEST_SIZE {
        return Err(format!(
            "the referrers index is larger than {MAX_MANIFEST_SIZE} bytes"
        ));
    }
    let index = json(index, "the referrers index")?;
    Ok(index
        .get("manifests")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default())
}

/// An OCI artifact read and verified: the wasm layer's bytes and where
/// they came from.
#[derive(Debug)]
pub struct Fetched {
    /// The wasm layer (its digest checked).
    pub bytes: Vec<u8>,
    /// The reference, the digests and the config.
    pub source: OciSource,
}

/// A blob read and held to its digest and its declared size.
pub fn verified_blob(
    store: &dyn Store,
    digest: &str,
    size: Option<u64>,
    max: u64,
) -> std::result::Result<Vec<u8>, String> {
    sha256_hex(digest)?;
    if let Some(size) = size {
        if size > max {
            return Err(format!(
                "blob {digest} declares {size} bytes, more than the limit of {max} bytes"
            ));
        }
    }
    // Never more than the declared size is read (a registry that sends
    // more is cut off there).
    let limit = size.map_or(max, |s| s.min(max));
    let bytes = store.blob(digest, limit)?;
    if bytes.len() as u64 > limit {
        return Err(match size {
            Some(s) if s == limit => format!(
                "blob {digest} has more bytes than the {s} its descriptor declares \
                 (substituted or corrupt)"
            ),
            _ => format!("blob {digest} is larger than {limit} bytes"),
        });
    }
    let actual = crate::digest::sha256(&bytes);
    if actual != digest {
        return Err(format!(
            "blob {digest}: its bytes have digest {actual} (substituted or corrupt)"
        ));
    }
    if let Some(size) = size {
        if size != bytes.len() as u64 {
            return Err(format!(
                "blob {digest}: {} bytes where the manifest says {size}",
                bytes.len()
            ));
        }
    }
    Ok(bytes)
}

fn json(bytes: &[u8], what: &str) -> std::result::Result<Value, String> {
    serde_json::from_slice(bytes).map_err(|e| format!("{what} is not JSON: {e}"))
}

fn str_field<'a>(v: &'a Value, k: &str) -> Option<&'a str> {
    v.get(k).and_then(Value::as_str)
}

fn annotations_of(v: &Value) -> BTreeMap<String, String> {
    v.get("annotations")
        .and_then(Value::as_object)
        .map(|o| {
            o.iter()
                .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string())))
                .collect()
        })
        .unwrap_or_default()
}

/// Opens the store a reference names (a registry: over HTTPS, or plain
/// HTTP when `plain_http`).
pub fn open(reference: &Reference, input: &str, plain_http: bool) -> Result<Box<dyn Store>> {
    match reference {
        Reference::Layout { dir, .. } => Ok(Box::new(
            layout::Layout::open(dir).map_err(|m| usage(input, m))?,
        )),
        Reference::Registry {
            registry,
            repository,
            ..
        } => Ok(Box::new(
            registry::Registry::open(registry, repository, plain_http)
                .map_err(|m| usage(input, m))?,
        )),
    }
}

/// Finds and verifies what cosign stored for an OCI input already read
/// (see [`cosign::discover`]).
pub fn discover_for(
    source: &OciSource,
    verifiers: &crate::provenance::attestation::Verifiers,
) -> Result<cosign::Found> {
    let input = &source.reference;
    let reference = Reference::parse(input)?;
    let store = open(&reference, input, source.plain_http)?;
    cosign::discover(
        store.as_ref(),
        input,
        &source.manifest_digest,
        Some(&source.layer_digest),
        verifiers,
    )
    .map_err(|m| usage(input, m))
}

/// The attestations to hand to the audit for an OCI input: what
/// [`discover_for`] found, with every signature that did not verify with
/// the key given as a failed attestation (`provenance-invalid`), and the
/// signers of those that did recorded in `source.signatures`. A signature
/// that could not be checked (no key) is left out: it vouches for nothing.
pub fn provenance_of(
    source: &mut OciSource,
    verifiers: &crate::provenance::attestation::Verifiers,
) -> Result<Vec<crate::provenance::attestation::Attestation>> {
    use crate::provenance::attestation::Attestation;
    use crate::provenance::ProvenanceError;
    let found = discover_for(source, verifiers)?;
    let mut out = found.attestations;
    for s in found.signatures {
        match s.outcome {
            Ok(signer) => source.signatures.push(signer),
            Err(ProvenanceError::Unsupported(_)) => {}
            Err(e) => out.push(Attestation {
                origin: s.origin,
                outcome: Err(e),
            }),
        }
    }
    Ok(out)
}

/// Reads the artifact `input` names, verified, holding the wasm layer to
/// `max_size` bytes.
pub fn fetch(input: &str, plain_http: bool, max_size: u64) -> Result<Fetched> {
    let reference = Reference::parse(input)?;
    let store = open(&reference, input, plain_http)?;
    let mut fetched = fetch_from(store.as_ref(), &reference, input, max_size)?;
    fetched.source.plain_http = plain_http;
    Ok(fetched)
}

/// [`fetch`] from a store already open.
pub fn fetch_from(
    store: &dyn Store,
    reference: &Reference,
    input: &str,
    max_size: u64,
) -> Result<Fetched> {
    let (bytes, manifest_digest) = resolve(store, reference, input)?;
    read_wasm(store, &bytes, manifest_digest, input, max_size)
}

/// The manifest a reference names: its bytes and their digest (checked
/// against the reference's digest when it has one).
pub fn resolve(store: &dyn Store, reference: &Reference, input: &str) -> Result<(Vec<u8>, String)> {
    let err = |m: String| usage(input, m);
    let pin = match reference {
        Reference::Layout { pin, .. } | Reference::Registry { pin, .. } => pin,
    };
    let bytes = match pin {
        Pin::None => store.default_manifest().map_err(err)?,
        Pin::Tag(tag) => store
            .tagged(tag)
            .map_err(err)?
            .ok_or_else(|| err(format!("no tag {tag:?}")))?,
        Pin::Digest(d) => store
            .manifest(d)
            .map_err(err)?
            .ok_or_else(|| err(format!("no manifest {d}")))?,
    };
    if bytes.len() as u64 > MAX_MANIFEST_SIZE {
        return Err(err(format!(
            "the manifest is larger than {MAX_MANIFEST_SIZE} bytes"
        )));
    }
    let manifest_digest = crate::digest::sha256(&bytes);
    if let Pin::Digest(d) = pin {
        if *d != manifest_digest {
            return Err(err(format!(
                "the manifest served for {d} has digest {manifest_digest} (substituted)"
            )));
        }
    }
    Ok((bytes, manifest_digest))
}

/// The wasm layer of a manifest (`bytes`, with digest `manifest_digest`),
/// verified, and its config.
pub fn read_wasm(
    store: &dyn Store,
    bytes: &[u8],
    manifest_digest: String,
    input: &str,
    max_size: u64,
) -> Result<Fetched> {
    let err = |m: String| usage(input, m);
    let manifest = json(bytes, "the manifest").map_err(err)?;
    let media_type = str_field(&manifest, "mediaType").unwrap_or_default();
    if IMAGE_INDEXES.contains(&media_type) || manifest.get("manifests").is_some() {
        return Err(err(format!(
            "{manifest_digest} is an image index (a multi-platform container image?), not a Wasm \
             artifact manifest: no wasm layer"
        )));
    }
    if !media_type.is_empty() && !IMAGE_MANIFESTS.contains(&media_type) {
        return Err(err(format!(
            "{manifest_digest}: media type {media_type:?} is not an image manifest"
        )));
    }
    let layers = manifest
        .get("layers")
        .and_then(Value::as_array)
        .ok_or_else(|| err(format!("{manifest_digest}: the manifest has no layers")))?;
    let mut layer_digests = Vec::with_capacity(layers.len());
    let mut wasm = Vec::new();
    for layer in layers {
        let digest =
            str_field(layer, "digest").ok_or_else(|| err("a layer has no digest".into()))?;
        sha256_hex(digest).map_err(&err)?;
        layer_digests.push(digest.to_string());
        let mt = str_field(layer, "mediaType").unwrap_or_default();
        if WASM_LAYERS.contains(&mt) {
            wasm.push(layer);
        }
    }
    let layer = match wasm.as_slice() {
        [one] => *one,
        [] => {
            return Err(err(format!(
                "{manifest_digest}: no wasm layer ({}): not a Wasm artifact",
                WASM_LAYERS.join(" or ")
            )))
        }
        more => {
            return Err(err(format!(
                "{manifest_digest}: {} wasm layers; a Wasm artifact has exactly one",
                more.len()
            )))
        }
    };
    let layer_digest = str_field(layer, "digest").unwrap_or_default().to_string();
    let size = layer.get("size").and_then(Value::as_u64);
    if size.is_none() {
        return Err(err(format!("layer {layer_digest} has no size")));
    }
    let wasm_bytes = verified_blob(store, &layer_digest, size, max_size).map_err(|m| {
        if m.contains("more than the limit") {
            Error::LimitExceeded {
                input: input.to_string(),
                what: m,
                limit: max_size,
                flag: "--max-file-size",
            }
        } else {
            err(m)
        }
    })?;
    let config_desc = manifest.get("config");
    let config = match config_desc {
        Some(c) if str_field(c, "mediaType") == Some(WASM_CONFIG) => {
            let d = str_field(c, "digest").ok_or_else(|| err("the config has no digest".into()))?;
            let size = c.get("size").and_then(Value::as_u64);
            let raw = verified_blob(store, d, size, MAX_MANIFEST_SIZE).map_err(&err)?;
            Some(json(&raw, "the Wasm config").map_err(&err)?)
        }
        _ => None,
    };
    Ok(Fetched {
        bytes: wasm_bytes,
        source: OciSource {
            reference: input.to_string(),
            manifest_digest,
            layer_digest,
            layer_media_type: str_field(layer, "mediaType")
                .unwrap_or_default()
                .to_string(),
            layer_digests,
            annotations: annotations_of(&manifest),
            config,
            signatures: Vec::new(),
            plain_http: false,
        },
    })
}

/// What the Wasm config says that the binary contradicts: one message per
/// mismatch. `imports`/`exports` are the root's own import and export
/// names, `is_component` whether the root is a component, `version`,
/// `source` and `revision` its wasm-metadata.
pub struct Binary<'a> {
    /// The root's import names.
    pub imports: Vec<&'a str>,
    /// The root's export names.
    pub exports: Vec<&'a str>,
    /// Whether the root is a component.
    pub is_component: bool,
    /// The root's `version` metadata.
    pub version: Option<&'a str>,
    /// The root's `source` metadata.
    pub source: Option<&'a str>,
    /// The root's `revision` metadata.
    pub revision: Option<&'a str>,
}

/// Compares the artifact's config and annotations with the binary.
pub fn config_mismatches(source: &OciSource, binary: &Binary) -> Vec<String> {
    use std::collections::BTreeSet;
    let mut out = Vec::new();
    if let Some(config) = &source.config {
        if let Some(arch) = config.get("architecture") {
            if arch.as_str() != Some("wasm") {
                out.push(format!("config architecture is {arch}, not \"wasm\""));
            }
        }
        match config.get("layerDigests") {
            None => {}
            Some(Value::Array(list)) => {
                let listed: Vec<Option<&str>> = list.iter().map(Value::as_str).collect();
                let actual: Vec<Option<&str>> = source
                    .layer_digests
                    .iter()
                    .map(|d| Some(d.as_str()))
                    .collect();
                if listed != actual {
                    out.push(format!(
                        "config layerDigests {} are not the manifest's layers [{}]",
                        Value::Array(list.clone()),
                        source.layer_digests.join(", ")
                    ));
                }
            }
            Some(other) => out.push(format!("config layerDigests is {other}, not a list")),
        }
        if let Some(os) = config.get("os") {
            match os.as_str() {
                Some("wasip1") if binary.is_component => out.push(
                    "config os is wasip1 (a core module) but the binary is a component".into(),
                ),
                Some(os) if os.starts_with("wasip") && os != "wasip1" && !binary.is_component => {
                    out.push(format!(
                        "config os is {os} (a component) but the binary is a core module"
                    ))
                }
                Some(_) => {}
                None => out.push(format!("config os is {os}, not a string")),
            }
        }
        match config.get("component") {
            None | Some(Value::Null) => {}
            Some(component) if !binary.is_component => out.push(format!(
                "config describes a component ({component}) but the binary is a core module"
            )),
            Some(component) => {
                for (key, actual) in [("imports", &binary.imports), ("exports", &binary.exports)] {
                    let Some(listed) = component.get(key) else {
                        continue;
                    };
                    let Some(list) = listed.as_array() else {
                        out.push(format!("config component.{key} is {listed}, not a list"));
                        continue;
                    };
                    let listed: BTreeSet<&str> = list.iter().filter_map(Value::as_str).collect();
                    if listed.len() != list.len() {
                        out.push(format!("config component.{key} holds a non-string"));
                        continue;
                    }
                    let actual: BTreeSet<&str> = actual.iter().copied().collect();
                    let missing: Vec<&str> = actual.difference(&listed).copied().collect();
                    let extra: Vec<&str> = listed.difference(&actual).copied().collect();
                    if !missing.is_empty() || !extra.is_empty() {
                        let mut m = format!("config component.{key} differs from the binary's:");
                        if !missing.is_empty() {
                            m.push_str(&format!(" not listed {}", missing.join(", ")));
                        }
                        if !extra.is_empty() {
                            if !missing.is_empty() {
                                m.push(';');
                            }
                            m.push_str(&format!(" listed but absent {}", extra.join(", ")));
                        }
                        out.push(m);
                    }
                }
            }
        }
        if let (Some(created), Some(annotated)) = (
            config.get("created").and_then(Value::as_str),
            source.annotations.get("org.opencontainers.image.created"),
        ) {
            if created != annotated {
                out.push(format!(
                    "config created {created:?} differs from annotation \
                     org.opencontainers.image.created {annotated:?}"
                ));
            }
        }
    }
    for (key, actual) in [
        ("org.opencontainers.image.version", binary.version),
        ("org.opencontainers.image.source", binary.source),
        ("org.opencontainers.image.revision", binary.revision),
    ] {
        if let (Some(annotated), Some(actual)) = (source.annotations.get(key), actual) {
            if annotated != actual {
                out.push(format!(
                    "annotation {key} {annotated:?} differs from the binary's metadata {actual:?}"
                ));
            }
        }
    }
    out
}
