//! OCI artifacts built by the tests: an image layout (or the same blobs
//! and manifests pushed to a registry) holding a component as a CNCF Wasm
//! OCI artifact, with cosign's tag-scheme signature (`.sig`, simple
//! signing) and attestation (`.att`, a DSSE envelope with an in-toto
//! statement) made with an openssl test key.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde_json::{json, Value};

use crate::common;

pub const MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
pub const WASM_CONFIG: &str = "application/vnd.wasm.config.v0+json";

/// A component with one import, one export and code (a core module with a
/// function body).
pub const COMPONENT_WAT: &str = r#"(component
  (import "wasi:cli/environment@0.2.0" (instance (export "get-arguments" (func (result (list string))))))
  (core module $m (func (export "f") (result i32) i32.const 42))
  (core instance $i (instantiate $m))
  (func $g (result u32) (canon lift (core func $i "f")))
  (export "run" (func $g))
)"#;

pub fn component() -> Vec<u8> {
    wat::parse_str(COMPONENT_WAT).unwrap()
}

/// The Wasm config wkg would write for [`COMPONENT_WAT`].
pub fn config_for(layer_digest: &str) -> Value {
    json!({
        "created": "2026-12-01T00:00:00Z",
        "architecture": "wasm",
        "os": "wasip2",
        "layerDigests": [layer_digest],
        "component": {
            "exports": ["run"],
            "imports": ["wasi:cli/environment@0.2.0"],
            "target": null
        }
    })
}

/// The policy of the artifact tests: the trust set `trusted.json` (not
/// signed), provenance required of every part with code, checked with the
/// key `attest.pub`.
pub const ARTIFACT_POLICY: &str =
    "[trust]\nrequire-signature = false\nsets = [{ path = \"trusted.json\" }]\n\n\
     [provenance]\nrequire-provenance = true\nkey = \"attest.pub\"\n";

/// A signed and attested artifact and what a test audits it with, in
/// `dir`: a new key `attest.pem`/`attest.pub`; a layout `layout` holding
/// `wasm` tagged `v1` (its config edited by `edit`), with cosign's
/// attestation and signature of it made with the key; a trust set
/// `trusted.json` naming `wasm`'s digest as `name`; and `policy` as
/// `wasm-audit.toml`. Returns the layout (not saved), the manifest digest
/// and the private key; `None` without openssl.
pub fn signed_artifact(
    dir: &Path,
    name: &str,
    wasm: &[u8],
    edit: impl FnOnce(&mut Value),
    policy: &str,
) -> Option<(Layout, String, PathBuf)> {
    let (key, _) = common::p256_key(dir, "attest")?;
    let mut layout = Layout::new(&dir.join("layout"));
    let manifest = layout.add_wasm("v1", wasm, edit);
    layout.attest(&key, &manifest, |_| {});
    layout.sign(&key, &manifest, &manifest);
    let set =
        json!({ "version": 1, "entries": [{ "name": name, "digest": common::sha256(wasm) }] });
    common::write_json(&dir.join("trusted.json"), &set);
    std::fs::write(dir.join("wasm-audit.toml"), policy).unwrap();
    Some((layout, manifest, key))
}

/// The root's import and export names, as the tool reports them: what wkg
/// writes into an artifact's config.
pub fn root_names(analysis: &wasm_audit::model::Analysis) -> (Vec<String>, Vec<String>) {
    let names = |list: &[wasm_audit::model::Extern]| -> Vec<String> {
        list.iter().map(|e| e.name.clone()).collect()
    };
    let root = analysis.root();
    (names(&root.imports), names(&root.exports))
}

/// A layout being built: blobs in `DIR/blobs/sha256`, the index entries,
/// and every manifest with its tag (to push them to a registry too).
pub struct Layout {
    pub dir: PathBuf,
    pub entries: Vec<Value>,
    /// (tag, manifest bytes), in the order they were made.
    pub manifests: Vec<(String, Vec<u8>)>,
    /// (digest, bytes) of every blob that is not a manifest.
    pub blobs: Vec<(String, Vec<u8>)>,
}

impl Layout {
    pub fn new(dir: &Path) -> Layout {
        std::fs::create_dir_all(dir.join("blobs/sha256")).unwrap();
        std::fs::write(dir.join("oci-layout"), br#"{"imageLayoutVersion":"1.0.0"}"#).unwrap();
        Layout {
            dir: dir.to_path_buf(),
            entries: Vec::new(),
            manifests: Vec::new(),
            blobs: Vec::new(),
        }
    }

    fn write_blob(&self, bytes: &[u8]) -> String {
        let digest = common::sha256(bytes);
        std::fs::write(
            self.dir
                .join("blobs/sha256")
                .join(digest.trim_start_matches("sha256:")),
            bytes,
        )
        .unwrap();
        digest
    }

    /// Stores a blob; its descriptor with `media_type`.
    pub fn put(&mut self, media_type: &str, bytes: &[u8]) -> Value {
        let digest = self.write_blob(bytes);
        self.blobs.push((digest.clone(), bytes.to_vec()));
        json!({ "mediaType": media_type, "digest": digest, "size": bytes.len() })
    }

    /// Stores a manifest under `tag`; its digest.
    pub fn put_manifest(&mut self, tag: &str, manifest: &Value) -> String {
        let bytes = serde_json::to_vec(manifest).unwrap();
        let digest = self.write_blob(&bytes);
        self.entries
            .retain(|e| e["annotations"]["org.opencontainers.image.ref.name"] != tag);
        self.entries.push(json!({
            "mediaType": MANIFEST,
            "digest": digest,
            "size": bytes.len(),
            "annotations": { "org.opencontainers.image.ref.name": tag }
        }));
        self.manifests.retain(|(t, _)| t != tag);
        self.manifests.push((tag.to_string(), bytes));
        digest
    }

    /// A Wasm artifact under `tag` with the config `edit` leaves; the
    /// manifest's digest.
    pub fn add_wasm(&mut self, tag: &str, wasm: &[u8], edit: impl FnOnce(&mut Value)) -> String {
        let layer = self.put("application/wasm", wasm);
        let mut config = config_for(layer["digest"].as_str().unwrap());
        edit(&mut config);
        let config = self.put(WASM_CONFIG, &serde_json::to_vec(&config).unwrap());
        self.put_manifest(
            tag,
            &json!({
                "schemaVersion": 2,
                "mediaType": MANIFEST,
                "config": config,
                "layers": [layer],
                "annotations": { "org.opencontainers.image.created": "2026-12-01T00:00:00Z" }
            }),
        )
    }

    /// cosign's attestation of `manifest` (tag `sha256-<hex>.att`): a DSSE
    /// envelope of an in-toto statement naming it, signed with `key`.
    pub fn attest(&mut self, key: &Path, manifest: &str, edit: impl FnOnce(&mut Value)) {
        let mut statement = json!({
            "_type": "https://in-toto.io/Statement/v1",
            "subject": [{ "name": "registry.test/app", "digest": { "sha256": manifest.trim_start_matches("sha256:") } }],
            "predicateType": "https://wasm-audit.test/attestation/v1",
            "predicate": { "built-by": "the test" }
        });
        edit(&mut statement);
        let payload = serde_json::to_vec(&statement).unwrap();
        let envelope =
            common::dsse_envelope(&self.dir, key, "application/vnd.in-toto+json", &payload);
        let mut layer = self.put(
            "application/vnd.dsse.envelope.v1+json",
            &serde_json::to_vec(&envelope).unwrap(),
        );
        layer["annotations"] = json!({ "predicateType": statement["predicateType"] });
        let config = self.put("application/vnd.oci.image.config.v1+json", b"{}");
        self.put_manifest(
            &format!("{}.att", manifest.replace(':', "-")),
            &json!({ "schemaVersion": 2, "mediaType": MANIFEST, "config": config, "layers": [layer] }),
        );
    }

    /// cosign's signature of `manifest` (tag `sha256-<hex>.sig`): a simple
    /// signing payload naming `named`, signed with `key`.
    pub fn sign(&mut self, key: &Path, manifest: &str, named: &str) {
        let payload = serde_json::to_vec(&json!({
            "critical": {
                "identity": { "docker-reference": "registry.test/app" },
                "image": { "docker-manifest-digest": named },
                "type": "cosign container image signature"
            },
            "optional": null
        }))
        .unwrap();
        let sig = STANDARD.encode(common::der_signature_of(&self.dir, key, &payload));
        let mut layer = self.put("application/vnd.dev.cosign.simplesigning.v1+json", &payload);
        layer["annotations"] = json!({ "dev.cosignproject.cosign/signature": sig });
        let config = self.put("application/vnd.oci.image.config.v1+json", b"{}");
        self.put_manifest(
            &format!("{}.sig", manifest.replace(':', "-")),
            &json!({ "schemaVersion": 2, "mediaType": MANIFEST, "config": config, "layers": [layer] }),
        );
    }

    /// Removes the manifest tagged `tag` (from the index and the list).
    pub fn untag(&mut self, tag: &str) {
        self.entries
            .retain(|e| e["annotations"]["org.opencontainers.image.ref.name"] != tag);
        self.manifests.retain(|(t, _)| t != tag);
    }

    /// Writes `index.json`.
    pub fn save(&self) {
        common::write_json(
            &self.dir.join("index.json"),
            &json!({ "schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": self.entries }),
        );
    }

    /// The path of a blob's file.
    pub fn blob_path(&self, digest: &str) -> PathBuf {
        self.dir
            .join("blobs/sha256")
            .join(digest.trim_start_matches("sha256:"))
    }
}
