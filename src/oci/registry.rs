//! A registry as a [`Store`], through `oci-client` (what wkg and Spin pull
//! with). Nothing the registry says is trusted: [`super`] hashes every
//! manifest and blob it returns. Blobs are read as a stream and cut off one
//! byte past the limit the caller sets (the declared size), so a registry
//! cannot make the tool download more than the manifest declared.
//!
//! HTTPS (rustls) unless plain HTTP is asked for (`--plain-http`, for
//! loopback test registries). Credentials: anonymous, or the Docker
//! configuration file's `auths` entry for the registry (`auth` or
//! `username`/`password`: basic; `identitytoken`/`registrytoken`: bearer);
//! credential helpers (`credsStore`, `credHelpers`) are not run.
//!
//! oci-client is async: each call runs on a current-thread tokio runtime
//! owned by the store, made when it is opened and dropped with it.

use std::time::Duration;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use futures_util::StreamExt as _;
use oci_client::client::{ClientConfig, ClientProtocol};
use oci_client::errors::OciDistributionError;
use oci_client::secrets::RegistryAuth;
use serde_json::Value;

use super::Store;

/// The manifest media types asked for.
const ACCEPT: &[&str] = &[
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
];

/// A repository of a registry.
pub struct Registry {
    client: oci_client::Client,
    runtime: tokio::runtime::Runtime,
    registry: String,
    repository: String,
    auth: RegistryAuth,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Registry({}/{})", self.registry, self.repository)
    }
}

/// One line with the error's causes (`error sending request …:
/// connection refused`), whatever the library's messages hold.
fn line<E: std::error::Error>(e: E) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        let c = cause.to_string();
        if !text.contains(&c) {
            text.push_str(": ");
            text.push_str(&c);
        }
        source = cause.source();
    }
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

impl Registry {
    /// A client for `registry`/`repository` with the credentials the Docker
    /// configuration file holds for the registry, if any.
    pub fn open(registry: &str, repository: &str, plain_http: bool) -> Result<Registry, String> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start the network runtime: {}", line(e)))?;
        let config = ClientConfig {
            protocol: if plain_http {
                ClientProtocol::Http
            } else {
                ClientProtocol::Https
            },
            connect_timeout: Some(Duration::from_secs(30)),
            read_timeout: Some(Duration::from_secs(60)),
            // An image index is refused by the caller, never resolved to
            // a platform here.
            platform_resolver: None,
            ..ClientConfig::default()
        };
        let auth = docker_auth(registry)?;
        Ok(Registry {
            client: oci_client::Client::new(config),
            runtime,
            registry: registry.to_string(),
            repository: repository.to_string(),
            auth,
        })
    }

    fn tag_ref(&self, tag: &str) -> oci_client::Reference {
        oci_client::Reference::with_tag(
            self.registry.clone(),
            self.repository.clone(),
            tag.to_string(),
        )
    }

    fn digest_ref(&self, digest: &str) -> oci_client::Reference {
        oci_client::Reference::with_digest(
            self.registry.clone(),
            self.repository.clone(),
            digest.to_string(),
        )
    }

    fn pull_manifest(&self, reference: &oci_client::Reference) -> Result<Option<Vec<u8>>, String> {
        let pulled = self
            .runtime
            .block_on(self.client.pull_manifest_raw(reference, &self.auth, ACCEPT));
        match pulled {
            Ok((bytes, _)) => Ok(Some(bytes.to_vec())),
            Err(e) if not_found(&e) => Ok(None),
            Err(e) => Err(format!(
                "{}/{}: {}",
                self.registry,
                self.repository,
                line(e)
            )),
        }
    }
}

/// Whether an error says the manifest or tag does not exist.
fn not_found(e: &OciDistributionError) -> bool {
    match e {
        OciDistributionError::ImageManifestNotFoundError(_) => true,
        OciDistributionError::RegistryError { envelope, .. } => envelope
            .errors
            .iter()
            .any(|e| e.code == oci_client::errors::OciErrorCode::ManifestUnknown),
        OciDistributionError::ServerError { code, .. } => *code == 404,
        _ => false,
    }
}

impl Store for Registry {
    fn tagged(&self, tag: &str) -> Result<Option<Vec<u8>>, String> {
        self.pull_manifest(&self.tag_ref(tag))
    }

    fn manifest(&self, digest: &str) -> Result<Option<Vec<u8>>, String> {
        self.pull_manifest(&self.digest_ref(digest))
    }

    fn blob(&self, digest: &str, max: u64) -> Result<Vec<u8>, String> {
        let reference = self.digest_ref(digest);
        let where_ = format!("{}/{}", self.registry, self.repository);
        self.runtime.block_on(async {
            self.client
                .store_auth_if_needed(reference.resolve_registry(), &self.auth)
                .await;
            let mut stream = self
                .client
                .pull_blob_stream(&reference, digest)
                .await
                .map_err(|e| format!("{where_}: blob {digest}: {}", line(e)))?;
            let mut out = Vec::new();
            while let Some(chunk) = stream.stream.next().await {
                let chunk = chunk.map_err(|e| format!("{where_}: blob {digest}: {}", line(e)))?;
                out.extend_from_slice(&chunk);
                if out.len() as u64 > max {
                    // One byte past the limit is enough for the caller.
                    out.truncate(usize::try_from(max.saturating_add(1)).unwrap_or(usize::MAX));
                    break;
                }
            }
            Ok(out)
        })
    }

    fn default_manifest(&self) -> Result<Vec<u8>, String> {
        Err("a registry reference needs a tag or a digest".into())
    }

    fn referrers(&self, digest: &str) -> Result<Vec<Value>, String> {
        // The referrers API; oci-client falls back to the referrers tag
        // schema when the registry answers 404 (distribution 2.8 has no
        // referrers API).
        let reference = self.digest_ref(digest);
        let index = self.runtime.block_on(async {
            self.client
                .store_auth_if_needed(reference.resolve_registry(), &self.auth)
                .await;
            self.client.pull_referrers(&reference, None).await
        });
        match index {
            Ok(index) => {
                let value = serde_json::to_value(&index).map_err(line)?;
                Ok(value
                    .get("manifests")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default())
            }
            Err(e) if not_found(&e) => Ok(Vec::new()),
            Err(e) => Err(format!(
                "{}/{}: referrers of {digest}: {}",
                self.registry,
                self.repository,
                line(e)
            )),
        }
    }
}

/// The Docker configuration file: `$DOCKER_CONFIG/config.json`, else
/// `~/.docker/config.json`.
fn docker_config_path() -> Option<std::path::PathBuf> {
    if let Some(dir) = std::env::var_os("DOCKER_CONFIG") {
        return Some(std::path::PathBuf::from(dir).join("config.json"));
    }
    std::env::var_os("HOME").map(|h| std::path::PathBuf::from(h).join(".docker/config.json"))
}

/// The credentials for `registry` in the Docker configuration file;
/// anonymous when there is none (or no file).
pub fn docker_auth(registry: &str) -> Result<RegistryAuth, String> {
    let Some(path) = docker_config_path() else {
        return Ok(RegistryAuth::Anonymous);
    };
    if !path.is_file() {
        return Ok(RegistryAuth::Anonymous);
    }
    let bytes = crate::provenance::read_document(&path, "Docker configuration")?;
    let config: Value =
        serde_json::from_slice(&bytes).map_err(|e| format!("{}: not JSON: {e}", path.display()))?;
    auth_from_config(&config, registry).map_err(|m| format!("{}: {m}", path.display()))
}

/// The `auths` entry of a Docker configuration for `registry` (keys may
/// carry a scheme and a path: `https://index.docker.io/v1/`).
pub fn auth_from_config(config: &Value, registry: &str) -> Result<RegistryAuth, String> {
    let Some(auths) = config.get("auths").and_then(Value::as_object) else {
        return Ok(RegistryAuth::Anonymous);
    };
    let host = |key: &str| -> String {
        let k = key
            .strip_prefix("https://")
            .or_else(|| key.strip_prefix("http://"))
            .unwrap_or(key);
        k.split('/').next().unwrap_or(k).to_string()
    };
    let Some((key, entry)) = auths.iter().find(|(k, _)| host(k) == registry) else {
        return Ok(RegistryAuth::Anonymous);
    };
    let field = |k: &str| {
        entry
            .get(k)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
    };
    if let Some(token) = field("registrytoken").or_else(|| field("identitytoken")) {
        return Ok(RegistryAuth::Bearer(token.to_string()));
    }
    if let (Some(user), Some(password)) = (field("username"), field("password")) {
        return Ok(RegistryAuth::Basic(user.to_string(), password.to_string()));
    }
    if let Some(auth) = field("auth") {
        let decoded = STANDARD
            .decode(auth.trim())
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .ok_or_else(|| format!("auths.{key:?}.auth is not base64 of USER:PASSWORD"))?;
        let (user, password) = decoded
            .split_once(':')
            .ok_or_else(|| format!("auths.{key:?}.auth is not base64 of USER:PASSWORD"))?;
        return Ok(RegistryAuth::Basic(user.to_string(), password.to_string()));
    }
    Ok(RegistryAuth::Anonymous)
}
