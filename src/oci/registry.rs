//! A registry as a [`Store`], through `oci-client` (what wkg and Spin pull
//! with). Nothing the registry says is trusted: [`super`] hashes every
//! manifest and blob it returns. Blobs are read as a stream and cut off one
//! byte past the limit the caller sets (the declared size), so a registry
//! cannot make the tool download more than the manifest declared.
//!
//! HTTPS (rustls) unless plain HTTP is asked for (`--plain-http`, for
//! loopback test registries). Credentials: anonymous, or the Docker
//! configuration file's credentials for the registry, as Docker finds them:
//! the credential helper of `credHelpers` for the registry, else the one of
//! `credsStore` (`docker-credential-NAME get`, see [`run_helper`]), else the
//! `auths` entry (`auth` or `username`/`password`: basic;
//! `identitytoken`/`registrytoken`: bearer).
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
    match helper_for(&config, registry).map_err(|m| format!("{}: {m}", path.display()))? {
        Some(helper) => run_helper(&helper, &server_url(registry)),
        None => auth_from_config(&config, registry).map_err(|m| format!("{}: {m}", path.display())),
    }
}

/// The credential helper Docker would ask for `registry`: `credHelpers`'
/// entry for it, else `credsStore`; `None` when there is neither (the
/// `auths` entries are used). A helper is a program `docker-credential-NAME`
/// found on `PATH`: a NAME that is not a plain name (a path, an option,
/// anything but letters, digits, `-`, `_` and `.`) is an error, never run.
pub fn helper_for(config: &Value, registry: &str) -> Result<Option<String>, String> {
    let named = |what: &str, v: &Value| -> Result<Option<String>, String> {
        let Some(name) = v.as_str() else {
            return Err(format!("{what} is not a string"));
        };
        if name.is_empty() {
            return Ok(None);
        }
        let plain = !name.starts_with(['-', '.'])
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
        if !plain || name.len() > 64 {
            return Err(format!(
                "{what} {:?} is not a credential helper name (docker-credential-NAME)",
                crate::escape::one_line(name)
            ));
        }
        Ok(Some(name.to_string()))
    };
    if let Some(helpers) = config.get("credHelpers") {
        let helpers = helpers.as_object().ok_or("credHelpers is not an object")?;
        if let Some((key, v)) = entry_for(helpers, registry) {
            if let Some(name) = named(&format!("credHelpers.{key:?}"), v)? {
                return Ok(Some(name));
            }
        }
    }
    match config.get("credsStore") {
        Some(v) => named("credsStore", v),
        None => Ok(None),
    }
}

/// The registry that a Docker configuration key, or a reference's
/// registry, names: without scheme and path (the key
/// `https://index.docker.io/v1/` names `index.docker.io`), Docker Hub's
/// names (`docker.io`, `index.docker.io`, `registry-1.docker.io`) made
/// one. The Docker CLI keeps Hub credentials under
/// `https://index.docker.io/v1/` and uses them for `docker.io/...`
/// references; a port stays part of the name.
fn registry_name(name: &str) -> &str {
    let host = name
        .strip_prefix("https://")
        .or_else(|| name.strip_prefix("http://"))
        .unwrap_or(name);
    let host = host.split('/').next().unwrap_or(host);
    if matches!(
        host,
        "docker.io" | "index.docker.io" | "registry-1.docker.io"
    ) {
        "docker.io"
    } else {
        host
    }
}

fn is_docker_hub(registry: &str) -> bool {
    registry_name(registry) == "docker.io"
}

/// The entry of a `credHelpers` or `auths` object for `registry`: the key
/// that is exactly `registry`, else the first key naming the same
/// registry (see [`registry_name`]).
fn entry_for<'a>(
    entries: &'a serde_json::Map<String, Value>,
    registry: &str,
) -> Option<(&'a String, &'a Value)> {
    entries.get_key_value(registry).or_else(|| {
        let wanted = registry_name(registry);
        entries.iter().find(|(k, _)| registry_name(k) == wanted)
    })
}

/// The server URL a credential helper is asked about: Docker Hub's
/// historical `https://index.docker.io/v1/`, else the registry host.
fn server_url(registry: &str) -> String {
    if is_docker_hub(registry) {
        "https://index.docker.io/v1/".into()
    } else {
        registry.into()
    }
}

/// `program` in a directory of `PATH` given as an absolute path. Relative
/// and empty entries (the current directory) are skipped, as Go's
/// `exec.LookPath` does since 1.19: a checked-out repository must not be
/// able to supply the helper that a `docker-credential-NAME` on `PATH`
/// would be.
fn on_path(program: &str) -> Option<std::path::PathBuf> {
    let paths = std::env::var_os("PATH")?;
    std::env::split_paths(&paths)
        .filter(|dir| dir.is_absolute())
        .flat_map(|dir| {
            let plain = dir.join(program);
            let exe = cfg!(windows).then(|| dir.join(format!("{program}.exe")));
            std::iter::once(plain).chain(exe)
        })
        .find(|candidate| candidate.is_file())
}

/// How long a credential helper may take (one that waits for a desktop
/// keychain to be unlocked would otherwise hang a CI step).
const HELPER_TIMEOUT: Duration = Duration::from_secs(30);
/// The most a credential helper's answer may hold.
const HELPER_MAX_OUTPUT: u64 = 64 << 10;

/// Runs `docker-credential-NAME get` with the server URL on standard input,
/// as the Docker credential-helper protocol says, and reads its answer
/// (`{"ServerURL", "Username", "Secret"}`; the user name `<token>` marks an
/// identity token). A helper that has no credentials for the server says
/// so (exit 1, "credentials not found"): the pull is anonymous, as with
/// Docker. Anything else, or no answer within `HELPER_TIMEOUT` (30 s), is an
/// error.
pub fn run_helper(name: &str, server: &str) -> Result<RegistryAuth, String> {
    let program = format!("docker-credential-{name}");
    let path = on_path(&program)
        .ok_or_else(|| format!("credential helper {program}: not found on PATH"))?;
    run_helper_at(&path, server, HELPER_TIMEOUT)
}

/// [`run_helper`] with the helper's path and the time it may take given
/// (its messages name the program by its file name).
pub fn run_helper_at(
    path: &std::path::Path,
    server: &str,
    timeout: Duration,
) -> Result<RegistryAuth, String> {
    use std::io::{Read as _, Write as _};
    use std::process::{Command, Stdio};
    let program = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string());
    let mut child = Command::new(path)
        .arg("get")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("credential helper {program}: cannot run it: {e}"))?;
    if let Some(mut stdin) = child.stdin.take() {
        // A helper that exits without reading its input is judged by its
        // exit status and answer below.
        let _ = stdin.write_all(server.as_bytes());
    }
    let mut stdout = child.stdout.take().ok_or("no helper output")?;
    let reader = std::thread::spawn(move || {
        let mut out = Vec::new();
        let read = (&mut stdout)
            .take(HELPER_MAX_OUTPUT + 1)
            .read_to_end(&mut out);
        read.map(|_| out)
    });
    // Both the helper's exit and the end of its output are waited for,
    // within the timeout; a helper that lingers once its output is over
    // (or was cut off at the limit), or whose output stays open after it
    // exited (a background process holding it), gets a second at most.
    let started = std::time::Instant::now();
    let grace = Duration::from_secs(1);
    let (mut status, mut exited_at, mut read_at) = (None, None, None);
    let exit = loop {
        let now = std::time::Instant::now();
        if status.is_none() {
            status = child
                .try_wait()
                .map_err(|e| format!("credential helper {program}: {e}"))?;
            exited_at = status.map(|_| now);
        }
        if read_at.is_none() && reader.is_finished() {
            read_at = Some(now);
        }
        if let (Some(exit), Some(_)) = (status, read_at) {
            break exit;
        }
        let late = now >= started + timeout
            || read_at.is_some_and(|t| now >= t + grace)
            || exited_at.is_some_and(|t| now >= t + grace);
        if late {
            if status.is_none() {
                let _ = child.kill();
                let _ = child.wait();
            }
            let why = if read_at.is_some() {
                match reader.join() {
                    Ok(Ok(out)) if out.len() as u64 > HELPER_MAX_OUTPUT => {
                        format!("answer larger than {HELPER_MAX_OUTPUT} bytes")
                    }
                    _ => "it did not exit after answering".to_string(),
                }
            } else if exited_at.is_some() {
                "its output stayed open after it exited".to_string()
            } else {
                match timeout.subsec_millis() {
                    0 => format!("no answer within {} s", timeout.as_secs()),
                    _ => format!("no answer within {} ms", timeout.as_millis()),
                }
            };
            return Err(format!("credential helper {program}: {why}"));
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let out = reader
        .join()
        .map_err(|_| format!("credential helper {program}: its output could not be read"))?
        .map_err(|e| format!("credential helper {program}: {e}"))?;
    if out.len() as u64 > HELPER_MAX_OUTPUT {
        return Err(format!(
            "credential helper {program}: answer larger than {HELPER_MAX_OUTPUT} bytes"
        ));
    }
    let text = String::from_utf8_lossy(&out);
    if !exit.success() {
        if text.to_ascii_lowercase().contains("credentials not found") {
            return Ok(RegistryAuth::Anonymous);
        }
        let said: String = text.trim().chars().take(200).collect();
        return Err(format!(
            "credential helper {program} failed ({exit}): {}",
            crate::escape::one_line(&said)
        ));
    }
    let answer: Value = serde_json::from_str(&text)
        .map_err(|e| format!("credential helper {program}: the answer is not JSON: {e}"))?;
    let field = |k: &str| answer.get(k).and_then(Value::as_str).unwrap_or_default();
    let (user, secret) = (field("Username"), field("Secret"));
    if secret.is_empty() {
        return Err(format!(
            "credential helper {program}: the answer has no Secret"
        ));
    }
    Ok(if user == "<token>" {
        RegistryAuth::Bearer(secret.to_string())
    } else {
        RegistryAuth::Basic(user.to_string(), secret.to_string())
    })
}

/// The `auths` entry of a Docker configuration for `registry` (keys may
/// carry a scheme and a path: `https://index.docker.io/v1/`, the key
/// Docker writes for Docker Hub, serves `docker.io`; see
/// `registry_name`).
pub fn auth_from_config(config: &Value, registry: &str) -> Result<RegistryAuth, String> {
    let Some(auths) = config.get("auths").and_then(Value::as_object) else {
        return Ok(RegistryAuth::Anonymous);
    };
    let Some((key, entry)) = entry_for(auths, registry) else {
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
