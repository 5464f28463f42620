//! An OCI image layout on disk (`oci-layout`, `index.json`, `blobs/`), as
//! `oras copy --to-oci-layout`, `skopeo copy … oci:DIR:TAG` and
//! `cosign save` write it. Tags are the `org.opencontainers.image.ref.name`
//! annotations of `index.json`; `cosign save` marks its entries with a
//! `kind` annotation instead.

use std::io::Read as _;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::{sha256_hex, Store, MAX_MANIFEST_SIZE};

/// The annotation naming a tag in `index.json`.
pub const REF_NAME: &str = "org.opencontainers.image.ref.name";
/// `cosign save`'s annotation of its entries.
pub const COSIGN_KIND: &str = "kind";

/// A layout directory with its `index.json` read.
#[derive(Debug)]
pub struct Layout {
    dir: PathBuf,
    /// The entries of `index.json`.
    pub entries: Vec<Value>,
}

/// At most `max + 1` bytes of `path`.
fn read_at_most(path: &Path, max: u64) -> Result<Vec<u8>, String> {
    let file =
        std::fs::File::open(path).map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
    let mut bytes = Vec::new();
    file.take(max.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
    Ok(bytes)
}

fn read_bounded(path: &Path, max: u64) -> Result<Vec<u8>, String> {
    let bytes = read_at_most(path, max)?;
    if bytes.len() as u64 > max {
        return Err(format!("{}: larger than {max} bytes", path.display()));
    }
    Ok(bytes)
}

impl Layout {
    /// Reads `DIR/index.json` (and checks `DIR/oci-layout` is there).
    pub fn open(dir: &Path) -> Result<Layout, String> {
        if !dir.join("oci-layout").is_file() {
            return Err(format!(
                "{}: not an OCI image layout (no oci-layout file)",
                dir.display()
            ));
        }
        let index = read_bounded(&dir.join("index.json"), MAX_MANIFEST_SIZE)?;
        let index: Value = serde_json::from_slice(&index)
            .map_err(|e| format!("{}/index.json is not JSON: {e}", dir.display()))?;
        let entries = index
            .get("manifests")
            .and_then(Value::as_array)
            .cloned()
            .ok_or_else(|| format!("{}/index.json has no manifests", dir.display()))?;
        Ok(Layout {
            dir: dir.to_path_buf(),
            entries,
        })
    }

    fn annotation<'a>(entry: &'a Value, key: &str) -> Option<&'a str> {
        entry
            .get("annotations")
            .and_then(|a| a.get(key))
            .and_then(Value::as_str)
    }

    /// The digest of the entry tagged `tag`.
    pub fn tag_digest(&self, tag: &str) -> Result<Option<String>, String> {
        let found: Vec<&str> = self
            .entries
            .iter()
            .filter(|e| Self::annotation(e, REF_NAME) == Some(tag))
            .filter_map(|e| e.get("digest").and_then(Value::as_str))
            .collect();
        match found.as_slice() {
            [] => Ok(None),
            [one] => Ok(Some(one.to_string())),
            _ => Err(format!("tag {tag:?} names several manifests in index.json")),
        }
    }

    /// The digests of the entries `cosign save` marked with `kind`.
    pub fn kind_digests(&self, kind: &str) -> Vec<String> {
        self.entries
            .iter()
            .filter(|e| Self::annotation(e, COSIGN_KIND) == Some(kind))
            .filter_map(|e| e.get("digest").and_then(Value::as_str))
            .map(str::to_string)
            .collect()
    }

    /// Whether `digest` is the image `cosign save` wrote the layout for.
    pub fn is_saved_image(&self, digest: &str) -> bool {
        self.entries.iter().any(|e| {
            e.get("digest").and_then(Value::as_str) == Some(digest)
                && matches!(
                    Self::annotation(e, COSIGN_KIND),
                    Some("dev.cosignproject.cosign/image" | "dev.cosignproject.cosign/imageIndex")
                )
        })
    }
}

/// Whether an index entry is cosign's (a signature, attestation or SBOM
/// manifest, by tag or by `cosign save`'s kind) or a referrers index (the
/// tag `sha256-<hex>`), not an image.
fn is_cosign_entry(entry: &Value) -> bool {
    let tag = Layout::annotation(entry, REF_NAME).unwrap_or_default();
    let kind = Layout::annotation(entry, COSIGN_KIND).unwrap_or_default();
    let referrers_tag = tag
        .strip_prefix("sha256-")
        .is_some_and(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()));
    referrers_tag
        || (tag.starts_with("sha256-")
            && (tag.ends_with(".sig") || tag.ends_with(".att") || tag.ends_with(".sbom")))
        || matches!(
            kind,
            "dev.cosignproject.cosign/sigs"
                | "dev.cosignproject.cosign/atts"
                | "dev.cosignproject.cosign/sboms"
        )
}

impl Store for Layout {
    fn tagged(&self, tag: &str) -> Result<Option<Vec<u8>>, String> {
        match self.tag_digest(tag)? {
            Some(d) => self.manifest(&d),
            None => Ok(None),
        }
    }

    fn manifest(&self, digest: &str) -> Result<Option<Vec<u8>>, String> {
        let hex = sha256_hex(digest)?;
        let path = self.dir.join("blobs/sha256").join(hex);
        if !path.is_file() {
            return Ok(None);
        }
        read_bounded(&path, MAX_MANIFEST_SIZE).map(Some)
    }

    fn blob(&self, digest: &str, max: u64) -> Result<Vec<u8>, String> {
        let hex = sha256_hex(digest)?;
        let path = self.dir.join("blobs/sha256").join(hex);
        if !path.is_file() {
            return Err(format!("blob {digest} is not in the layout"));
        }
        read_at_most(&path, max)
    }

    fn saved_with(&self, image: &str, kind: &str) -> Vec<String> {
        if self.is_saved_image(image) {
            self.kind_digests(kind)
        } else {
            Vec::new()
        }
    }

    fn default_manifest(&self) -> Result<Vec<u8>, String> {
        let images: Vec<&Value> = self
            .entries
            .iter()
            .filter(|e| !is_cosign_entry(e))
            .collect();
        let digest = match images.as_slice() {
            [one] => one
                .get("digest")
                .and_then(Value::as_str)
                .unwrap_or_default(),
            [] => return Err("the layout holds no image".into()),
            more => {
                let tags: Vec<&str> = more
                    .iter()
                    .filter_map(|e| Layout::annotation(e, REF_NAME))
                    .collect();
                return Err(format!(
                    "the layout holds {} images: name one with :TAG or @DIGEST (tags: {})",
                    more.len(),
                    if tags.is_empty() {
                        "none".to_string()
                    } else {
                        tags.join(", ")
                    }
                ));
            }
        };
        self.manifest(digest)?
            .ok_or_else(|| format!("manifest {digest} is not in the layout"))
    }
}
