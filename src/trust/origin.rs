//! Where packages come from: wkg's configuration file (which registry
//! each namespace resolves to), `wkg.lock` and `Cargo-component.lock`
//! (the registry each package was locked from) and `spin.toml` (component
//! sources and dependencies from registries and URLs). Read here, with the
//! line of every entry; the audit (`check::origin`) compares them with the
//! policy's internal namespaces (`[registries] internal`).
//!
//! The files belong to other tools and are untrusted: they are read with
//! the span-aware TOML reader of the pin sets (`sets::pins`), capped in
//! size, and every error names the file and line. wkg's configuration is
//! read as strictly as wkg reads it (unknown top-level keys, namespace keys
//! that are not lowercase kebab-case labels and registry values that are
//! not `host[:port]` make wkg refuse the file, so they are errors here).

use std::ops::Range;

use serde::Serialize;
use toml::de::{DeTable, DeValue};

use super::sets::pins::{quote_template_keys, type_name, Cx, Lines};
use super::sets::{clip, detect_kind, SetError, MAX_SET_SIZE};
use super::SetKind;

/// wkg's built-in fallbacks (wasm-pkg-common `config.rs`): used for a
/// namespace only when neither an override, a namespace mapping nor
/// `default_registry` names a registry.
pub const WKG_FALLBACKS: &[(&str, &str)] = &[("wasi", "wasi.dev"), ("ba", "bytecodealliance.org")];

/// The most sources one file may yield (a lock lists packages, a
/// manifest components): the work per file stays bounded.
pub const MAX_SOURCES: usize = 100_000;

/// A registry name as wkg writes it (an HTTP authority: `host` or
/// `host:port`), normalised: the host in lowercase (hosts are
/// case-insensitive), the port as written. A scheme, a path, a trailing
/// slash, user information or white space make it not a registry name.
/// `registry.example:443` is not `registry.example` (wkg keys registries
/// by the authority as written), nor is `registry.example.`.
pub fn registry_name(s: &str) -> Result<String, String> {
    if s.is_empty() {
        return Err("the registry name is empty".into());
    }
    if s.contains("://") {
        return Err("a registry name has no scheme (`https://`): write host or host:port".into());
    }
    let (host, port) = match s.rsplit_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (s, None),
    };
    if host.is_empty()
        || !host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
    {
        return Err(format!(
            "`{}` is not a registry name (host or host:port, no scheme, path or slash)",
            clip(s)
        ));
    }
    if let Some(p) = port {
        if p.is_empty() || p.len() > 5 || !p.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!("`{}`: the port is not a number", clip(s)));
        }
        match p.parse::<u32>() {
            Ok(n) if (1..=65535).contains(&n) => {}
            _ => return Err(format!("`{}`: the port is out of range", clip(s))),
        }
    }
    Ok(s.to_ascii_lowercase())
}

/// Whether two registry names name the same registry (see
/// [`registry_name`]); a string that is not a registry name names none.
pub fn same_registry(a: &str, b: &str) -> bool {
    matches!((registry_name(a), registry_name(b)), (Ok(x), Ok(y)) if x == y)
}

/// A Component Model label as wkg requires it: lowercase kebab-case
/// words, each starting with a letter.
pub fn is_label(s: &str) -> bool {
    !s.is_empty()
        && s.split('-').all(|w| {
            let mut c = w.chars();
            c.next().is_some_and(|f| f.is_ascii_lowercase())
                && c.all(|x| x.is_ascii_lowercase() || x.is_ascii_digit())
        })
}

/// The namespace of a package name (`myorg` of `myorg:lib`, of
/// `myorg:lib/iface@1.0.0`), as written.
pub fn namespace_of(package: &str) -> Option<&str> {
    package.split_once(':').map(|(ns, _)| ns)
}

/// A registry mapping of wkg's configuration (`[namespace_registries]`
/// or `[package_registry_overrides]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Mapping {
    /// The namespace (`myorg`) or package (`myorg:lib`).
    pub key: String,
    /// The registry it names.
    pub registry: String,
    /// Its line.
    pub line: usize,
    /// Registries the inline `metadata` sends fetches to instead
    /// (`metadata = { oci = { registry = "ghcr.io" } }`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub redirects: Vec<String>,
}

/// wkg's configuration file (`$XDG_CONFIG_HOME/wasm-pkg/config.toml`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WkgConfig {
    /// The file as named.
    pub path: String,
    /// `sha256:` of its exact bytes.
    pub digest: String,
    /// `default_registry` and its line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_registry: Option<(String, usize)>,
    /// `[namespace_registries]`, in file order.
    pub namespaces: Vec<Mapping>,
    /// `[package_registry_overrides]`, in file order.
    pub packages: Vec<Mapping>,
}

/// How wkg resolves a package's registry with a configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolution<'a> {
    /// `[package_registry_overrides]`.
    Package(&'a Mapping),
    /// `[namespace_registries]`.
    Namespace(&'a Mapping),
    /// `default_registry` (the name and its line).
    Default(&'a str, usize),
    /// wkg's built-in fallback.
    Fallback(&'static str),
    /// Nothing: wkg cannot resolve it with this file alone.
    Unresolved,
}

impl WkgConfig {
    /// wkg's order: the package override, the namespace mapping, the
    /// default registry, the built-in fallbacks.
    pub fn resolve(&self, package: &str) -> Resolution<'_> {
        let ns = namespace_of(package).unwrap_or(package);
        if let Some(m) = self.packages.iter().find(|m| m.key == package) {
            return Resolution::Package(m);
        }
        self.resolve_namespace(ns)
    }

    /// The resolution of a namespace, package overrides aside.
    pub fn resolve_namespace(&self, ns: &str) -> Resolution<'_> {
        if let Some(m) = self.namespaces.iter().find(|m| m.key == ns) {
            return Resolution::Namespace(m);
        }
        if let Some((d, line)) = &self.default_registry {
            return Resolution::Default(d, *line);
        }
        match WKG_FALLBACKS.iter().find(|(k, _)| *k == ns) {
            Some((_, r)) => Resolution::Fallback(r),
            None => Resolution::Unresolved,
        }
    }
}

/// What kind of entry a source is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SourceKind {
    /// A package version of a `wkg.lock`.
    WkgLock,
    /// A package version of a `Cargo-component.lock`.
    CargoComponentLock,
    /// A Spin component source or dependency from a registry
    /// (`{ registry?, package, version }`).
    SpinRegistry,
    /// A Spin component source or dependency from a URL (`{ url, digest }`).
    SpinUrl,
}

/// One place a package or component comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Source {
    /// The file as named.
    pub file: String,
    /// The line of the entry.
    pub line: usize,
    /// What kind of entry.
    pub kind: SourceKind,
    /// What it is, for messages (`package myorg:lib 1.0.0`, `source of
    /// component hello`, `dependency myorg:lib/x of component hello`).
    pub what: String,
    /// The package (`ns:name`), when it names one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub package: Option<String>,
    /// The version (or version requirement, for Spin).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The registry it names; none: left to the default.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub registry: Option<String>,
    /// The URL of a URL source.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Its digest, as written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
}

/// A file read for its sources or configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OriginFile {
    /// The file as named.
    pub path: String,
    /// `sha256:` of its exact bytes.
    pub digest: String,
    /// `wkg-config`, `wkg-lock`, `cargo-component-lock` or `spin-toml`.
    pub kind: &'static str,
    /// How many sources it yielded.
    pub sources: usize,
}

/// Everything read about where packages come from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Origins {
    /// wkg's configuration, when given.
    pub config: Option<WkgConfig>,
    /// Every file read (the configuration first).
    pub files: Vec<OriginFile>,
    /// Every source, in file order.
    pub sources: Vec<Source>,
}

impl Origins {
    /// Nothing was read.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// Adds wkg's configuration read from `bytes`.
    pub fn add_wkg_config(&mut self, path: &str, bytes: &[u8]) -> Result<(), SetError> {
        let config = read_wkg_config(path, bytes)?;
        self.files.insert(
            0,
            OriginFile {
                path: path.to_string(),
                digest: config.digest.clone(),
                kind: "wkg-config",
                sources: 0,
            },
        );
        self.config = Some(config);
        Ok(())
    }

    /// Adds the sources of a lock file or Spin manifest read from
    /// `bytes`. `spin`: the file is a `spin.toml` whatever its name;
    /// otherwise it must be a `wkg.lock` or `Cargo-component.lock` (by
    /// name, else by content).
    pub fn add_sources(&mut self, path: &str, bytes: &[u8], spin: bool) -> Result<(), SetError> {
        let kind = if spin {
            SetKind::SpinToml
        } else {
            detect_kind(path, bytes)
        };
        let (name, sources) = match kind {
            SetKind::WkgLock | SetKind::CargoComponentLock | SetKind::SpinToml => {
                (kind_name(kind), read_sources(path, bytes, kind)?)
            }
            SetKind::Json => {
                return Err(SetError::Unsupported {
                    path: path.to_string(),
                    at: "the file".into(),
                    why: "not a wkg.lock or Cargo-component.lock (by name or content); give a spin.toml with --spin".into(),
                })
            }
        };
        self.files.push(OriginFile {
            path: path.to_string(),
            digest: crate::digest::sha256(bytes),
            kind: name,
            sources: sources.len(),
        });
        self.sources.extend(sources);
        Ok(())
    }
}

fn kind_name(kind: SetKind) -> &'static str {
    match kind {
        SetKind::WkgLock => "wkg-lock",
        SetKind::CargoComponentLock => "cargo-component-lock",
        SetKind::SpinToml => "spin-toml",
        SetKind::Json => "json",
    }
}

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The text of a TOML file: capped, UTF-8, a byte-order mark dropped.
fn text<'b>(path: &str, bytes: &'b [u8]) -> Result<&'b str, SetError> {
    if bytes.len() > MAX_SET_SIZE {
        return Err(SetError::TooLarge {
            path: path.to_owned(),
            limit: MAX_SET_SIZE,
        });
    }
    let body = bytes.strip_prefix(BOM).unwrap_or(bytes);
    std::str::from_utf8(body).map_err(|e| {
        let offset = e.valid_up_to();
        let before = body.get(..offset).unwrap_or_default();
        SetError::Toml {
            path: path.to_owned(),
            line: 1 + before.iter().filter(|&&b| b == b'\n').count(),
            message: format!("not UTF-8 (at byte offset {offset})"),
        }
    })
}

fn parse<'t>(cx: &Cx<'_>, text: &'t str) -> Result<toml::Spanned<DeTable<'t>>, SetError> {
    DeTable::parse(text).map_err(|e| {
        let span = e.span().unwrap_or(0..0);
        cx.error(&span, e.message().to_owned())
    })
}

/// Reads wkg's configuration file as wkg does.
pub fn read_wkg_config(path: &str, bytes: &[u8]) -> Result<WkgConfig, SetError> {
    let text = text(path, bytes)?;
    let cx = Cx {
        path,
        lines: Lines::new(text),
    };
    let doc = parse(&cx, text)?;
    let root = doc.get_ref();
    let mut config = WkgConfig {
        path: path.to_string(),
        digest: crate::digest::sha256(bytes),
        default_registry: None,
        namespaces: Vec::new(),
        packages: Vec::new(),
    };
    let mut keys: Vec<_> = root.iter().collect();
    keys.sort_by_key(|(k, _)| k.span().start);
    for (key, value) in keys {
        match key.get_ref().as_ref() {
            "default_registry" => {
                let DeValue::String(s) = value.get_ref() else {
                    return Err(cx.error(
                        &value.span(),
                        format!(
                            "`default_registry` must be a string, not {}",
                            type_name(value.get_ref())
                        ),
                    ));
                };
                registry_name(s).map_err(|why| cx.error(&value.span(), why))?;
                config.default_registry = Some((s.to_string(), cx.line(&value.span())));
            }
            "namespace_registries" => {
                config.namespaces = mappings(&cx, value, "namespace_registries", false)?;
            }
            "package_registry_overrides" => {
                config.packages = mappings(&cx, value, "package_registry_overrides", true)?;
            }
            // Credentials and backends: not about where packages resolve.
            "registry" => {}
            other => {
                return Err(cx.error(
                    &key.span(),
                    format!(
                        "unknown key `{}` (wkg reads default_registry, namespace_registries, package_registry_overrides and registry, and refuses other keys)",
                        clip(other)
                    ),
                ))
            }
        }
    }
    Ok(config)
}

/// `[namespace_registries]` / `[package_registry_overrides]`: each value a
/// registry name or `{ registry, metadata }`.
fn mappings(
    cx: &Cx<'_>,
    value: &toml::Spanned<DeValue<'_>>,
    what: &str,
    packages: bool,
) -> Result<Vec<Mapping>, SetError> {
    let table = cx.table(value, what)?;
    let mut entries: Vec<_> = table.iter().collect();
    entries.sort_by_key(|(k, _)| k.span().start);
    let mut out = Vec::with_capacity(entries.len());
    for (key, v) in entries {
        let k = key.get_ref().as_ref();
        let valid = if packages {
            k.split_once(':')
                .is_some_and(|(ns, name)| is_label(ns) && is_label(name))
        } else {
            is_label(k)
        };
        if !valid {
            return Err(cx.error(
                &key.span(),
                format!(
                    "`{}` is not a {} (lowercase kebab-case labels{}): wkg refuses this configuration",
                    clip(k),
                    if packages { "package name" } else { "namespace" },
                    if packages { ", `namespace:name`" } else { "" }
                ),
            ));
        }
        let here = format!("{what}.{}", clip(k));
        let (registry, span, redirects) = match v.get_ref() {
            DeValue::String(s) => (s.to_string(), v.span(), Vec::new()),
            DeValue::Table(t) => {
                let (r, span) = cx.required(t, &v.span(), "registry", &here)?;
                let mut redirects = Vec::new();
                if let Some(meta) = t.get("metadata") {
                    let meta = cx.table(meta, &format!("{here}.metadata"))?;
                    // Every protocol's configuration that names a registry
                    // (`oci = { registry = "ghcr.io", ... }`).
                    for (proto, conf) in meta.iter() {
                        if let DeValue::Table(conf) = conf.get_ref() {
                            let what = format!("{here}.metadata.{}", clip(proto.get_ref()));
                            if let Some((r, _)) = cx.string(conf, "registry", &what)? {
                                redirects.push(r.to_string());
                            }
                        }
                    }
                    redirects.sort();
                }
                (r.to_string(), span, redirects)
            }
            other => {
                return Err(cx.error(
                    &v.span(),
                    format!(
                        "`{here}` must be a registry name or {{ registry, metadata }}, not {}",
                        type_name(other)
                    ),
                ))
            }
        };
        registry_name(&registry).map_err(|why| cx.error(&span, why))?;
        out.push(Mapping {
            key: k.to_string(),
            registry,
            line: cx.line(&span),
            redirects,
        });
    }
    Ok(out)
}

/// The sources of a `wkg.lock`, `Cargo-component.lock` or `spin.toml`.
pub fn read_sources(path: &str, bytes: &[u8], kind: SetKind) -> Result<Vec<Source>, SetError> {
    let text = text(path, bytes)?;
    let text = quote_template_keys(text);
    let cx = Cx {
        path,
        lines: Lines::new(&text),
    };
    let doc = parse(&cx, &text)?;
    let root = doc.get_ref();
    let mut out = Vec::new();
    match kind {
        SetKind::WkgLock => read_lock(&cx, root, "packages", "versions", kind, &mut out)?,
        SetKind::CargoComponentLock => read_lock(&cx, root, "package", "version", kind, &mut out)?,
        SetKind::SpinToml => read_spin(&cx, root, &mut out)?,
        SetKind::Json => {}
    }
    Ok(out)
}

fn push(
    cx: &Cx<'_>,
    out: &mut Vec<Source>,
    s: Source,
    span: &Range<usize>,
) -> Result<(), SetError> {
    if out.len() >= MAX_SOURCES {
        return Err(SetError::TooManyEntries {
            path: cx.path.to_owned(),
            at: format!("line {}", cx.line(span)),
            limit: MAX_SOURCES,
        });
    }
    out.push(s);
    Ok(())
}

fn read_lock(
    cx: &Cx<'_>,
    root: &DeTable<'_>,
    packages_key: &str,
    versions_key: &str,
    kind: SetKind,
    out: &mut Vec<Source>,
) -> Result<(), SetError> {
    let source_kind = if kind == SetKind::WkgLock {
        SourceKind::WkgLock
    } else {
        SourceKind::CargoComponentLock
    };
    let Some(packages) = root.get(packages_key) else {
        return Ok(());
    };
    for (i, package) in cx.array(packages, packages_key)?.iter().enumerate() {
        let what = format!("{packages_key}[{i}]");
        let table = cx.table(package, &what)?;
        let (name, name_span) = cx.required(table, &package.span(), "name", &what)?;
        let registry = cx
            .string(table, "registry", &what)?
            .map(|(r, _)| r.to_string());
        let mut versions = Vec::new();
        if let Some(list) = table.get(versions_key) {
            let versions_what = format!("{what}.{versions_key}");
            for (j, locked) in cx.array(list, &versions_what)?.iter().enumerate() {
                let what = format!("{versions_what}[{j}]");
                let vtable = cx.table(locked, &what)?;
                let version = cx
                    .string(vtable, "version", &what)?
                    .map(|(v, _)| v.to_string());
                let digest = cx
                    .string(vtable, "digest", &what)?
                    .map(|(d, _)| d.to_string());
                versions.push((version, digest));
            }
        }
        if versions.is_empty() {
            versions.push((None, None));
        }
        for (version, digest) in versions {
            let s = Source {
                file: cx.path.to_string(),
                line: cx.line(&name_span),
                kind: source_kind,
                what: format!(
                    "package `{}`{}",
                    clip(name),
                    version
                        .as_deref()
                        .map(|v| format!(" {}", clip(v)))
                        .unwrap_or_default()
                ),
                package: Some(name.to_string()),
                version,
                registry: registry.clone(),
                url: None,
                digest,
            };
            push(cx, out, s, &name_span)?;
        }
    }
    Ok(())
}

/// `spin.toml`: `[component.<id>]` (v2) or `[[component]]` with an `id`
/// (v1); each component's `source` and `[component.<id>.dependencies]`.
fn read_spin(cx: &Cx<'_>, root: &DeTable<'_>, out: &mut Vec<Source>) -> Result<(), SetError> {
    let Some(components) = root.get("component") else {
        return Ok(());
    };
    match components.get_ref() {
        DeValue::Table(by_id) => {
            let mut ordered: Vec<_> = by_id.iter().collect();
            ordered.sort_by_key(|(id, _)| id.span().start);
            for (id, component) in ordered {
                let id = id.get_ref().as_ref();
                let table = cx.table(component, &format!("component.{}", clip(id)))?;
                spin_component(cx, table, id, out)?;
            }
            Ok(())
        }
        DeValue::Array(list) => {
            for (i, component) in list.iter().enumerate() {
                let what = format!("component[{i}]");
                let table = cx.table(component, &what)?;
                let id = cx
                    .string(table, "id", &what)?
                    .map(|(id, _)| id.to_string())
                    .unwrap_or(what);
                spin_component(cx, table, &id, out)?;
            }
            Ok(())
        }
        other => Err(cx.error(
            &components.span(),
            format!(
                "`component` must be [component.<id>] tables or [[component]] tables, not {}",
                type_name(other)
            ),
        )),
    }
}

fn spin_component(
    cx: &Cx<'_>,
    component: &DeTable<'_>,
    id: &str,
    out: &mut Vec<Source>,
) -> Result<(), SetError> {
    let id = clip(id);
    if let Some(source) = component.get("source") {
        let what = format!("source of component `{id}`");
        match source.get_ref() {
            DeValue::String(_) => {}
            DeValue::Table(t) => spin_entry(cx, t, &source.span(), &what, None, out)?,
            other => {
                return Err(cx.error(
                    &source.span(),
                    format!(
                        "`component.{id}.source` must be a path string or a table, not {}",
                        type_name(other)
                    ),
                ))
            }
        }
    }
    if let Some(deps) = component.get("dependencies") {
        let deps = cx.table(deps, &format!("component.{id}.dependencies"))?;
        let mut ordered: Vec<_> = deps.iter().collect();
        ordered.sort_by_key(|(k, _)| k.span().start);
        for (name, dep) in ordered {
            let name = name.get_ref().as_ref();
            let what = format!("dependency `{}` of component `{id}`", clip(name));
            // The package a dependency name implies: `ns:pkg` of
            // `ns:pkg/iface@1.0.0`.
            let implied = name
                .split(['/', '@'])
                .next()
                .filter(|p| p.contains(':'))
                .map(str::to_string);
            match dep.get_ref() {
                DeValue::String(req) => {
                    let s = Source {
                        file: cx.path.to_string(),
                        line: cx.line(&dep.span()),
                        kind: SourceKind::SpinRegistry,
                        what,
                        package: implied,
                        version: Some(req.to_string()),
                        registry: None,
                        url: None,
                        digest: None,
                    };
                    push(cx, out, s, &dep.span())?;
                }
                DeValue::Table(t) => spin_entry(cx, t, &dep.span(), &what, implied, out)?,
                other => {
                    return Err(cx.error(
                        &dep.span(),
                        format!(
                            "`{what}` must be a version string or a table, not {}",
                            type_name(other)
                        ),
                    ))
                }
            }
        }
    }
    Ok(())
}

/// A source or dependency table: `{ url, digest }` (dependencies also
/// write `sha256`), `{ registry?, package, version }`, or a local path or
/// app component (which come from nowhere else and are skipped).
fn spin_entry(
    cx: &Cx<'_>,
    t: &DeTable<'_>,
    span: &Range<usize>,
    what: &str,
    implied: Option<String>,
    out: &mut Vec<Source>,
) -> Result<(), SetError> {
    let line = cx.line(span);
    if let Some((url, _)) = cx.string(t, "url", what)? {
        let digest = match cx.string(t, "digest", what)? {
            Some((d, _)) => Some(d.to_string()),
            None => cx.string(t, "sha256", what)?.map(|(d, _)| d.to_string()),
        };
        let s = Source {
            file: cx.path.to_string(),
            line,
            kind: SourceKind::SpinUrl,
            what: what.to_string(),
            package: None,
            version: None,
            registry: url_host(url),
            url: Some(url.to_string()),
            digest,
        };
        return push(cx, out, s, span);
    }
    if t.contains_key("path") || t.contains_key("component") {
        return Ok(());
    }
    let package = cx.string(t, "package", what)?.map(|(p, _)| p.to_string());
    let version = cx.string(t, "version", what)?.map(|(v, _)| v.to_string());
    if package.is_none() && version.is_none() && !t.contains_key("registry") {
        return Ok(());
    }
    let s = Source {
        file: cx.path.to_string(),
        line,
        kind: SourceKind::SpinRegistry,
        what: what.to_string(),
        package: package.or(implied),
        version,
        registry: cx.string(t, "registry", what)?.map(|(r, _)| r.to_string()),
        url: None,
        digest: cx.string(t, "digest", what)?.map(|(d, _)| d.to_string()),
    };
    push(cx, out, s, span)
}

/// The host (and port) of a URL, as the registry it comes from.
fn url_host(url: &str) -> Option<String> {
    let rest = url.split_once("://").map(|(_, r)| r)?;
    let authority = rest.split(['/', '?', '#']).next()?;
    let authority = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    (!authority.is_empty()).then(|| authority.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_names_are_compared_as_wkg_keys_them() {
        assert!(same_registry(
            "registry.myorg.example",
            "Registry.MyOrg.Example"
        ));
        assert!(same_registry("localhost:5000", "localhost:5000"));
        for other in [
            "registry.myorg.example/",
            "https://registry.myorg.example",
            "registry.myorg.example:443",
            "registry.myorg.example.",
            "user@registry.myorg.example",
            " registry.myorg.example",
            "",
        ] {
            assert!(
                !same_registry("registry.myorg.example", other),
                "{other:?} is another registry"
            );
        }
        assert!(registry_name("host:0").is_err());
        assert!(registry_name("host:65536").is_err());
        assert!(registry_name("host:").is_err());
    }

    #[test]
    fn labels_are_lowercase_kebab_case() {
        assert!(is_label("myorg"));
        assert!(is_label("my-org2"));
        for bad in ["MyOrg", "my_org", "2org", "my--org", "", "-x"] {
            assert!(!is_label(bad), "{bad}");
        }
    }

    #[test]
    fn url_hosts() {
        assert_eq!(
            url_host("https://GitHub.com/fermyon/x.wasm").as_deref(),
            Some("github.com")
        );
        assert_eq!(
            url_host("https://u:p@h.example:8443/x").as_deref(),
            Some("h.example:8443")
        );
        assert_eq!(url_host("x.wasm"), None);
    }
}
