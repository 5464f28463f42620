//! Registry origin (dependency confusion): the sources and the wkg
//! configuration read by [`crate::trust::origin`] against the policy's
//! internal namespaces (`[registries] internal`). Findings:
//! `namespace-confusion` and `unpinned-source`.
//!
//! What counts as the same registry is [`same_registry`]: the host
//! compared without regard to case, the port as written; a scheme, path,
//! trailing slash or dot, or another port is another registry (wkg keys
//! registries by the authority exactly, and a lock entry that spells it
//! otherwise was not written by wkg). Namespaces in lock files and Spin
//! manifests are matched without regard to case, so that `MyOrg:lib`
//! cannot slip past a rule for `myorg`.

use std::collections::BTreeMap;

use super::diags::Diag;
use crate::trust::origin::{
    namespace_of, same_registry, Origins, Resolution, Source, SourceKind, WkgConfig,
};
use crate::trust::sets::clip;

/// Every finding about where packages come from.
pub(crate) fn origin_findings(
    origins: &Origins,
    internal: &BTreeMap<String, String>,
    emit: &mut dyn FnMut(Diag),
) {
    if let Some(config) = &origins.config {
        for (ns, required) in internal {
            config_findings(config, ns, required, emit);
        }
    }
    for s in &origins.sources {
        let origin = format!("{}:{}", s.file, s.line);
        match s.kind {
            SourceKind::SpinRegistry => emit(Diag::unpinned_source(
                &s.file,
                &origin,
                &format!(
                    "{} (registry package{}{})",
                    s.what,
                    s.package
                        .as_deref()
                        .map(|p| format!(" `{}`", clip(p)))
                        .unwrap_or_default(),
                    s.version
                        .as_deref()
                        .map(|v| format!(" version `{}`", clip(v)))
                        .unwrap_or_default()
                ),
                if s.digest.is_some() {
                    "Spin reads no digest for registry sources (the `digest` written here is not checked by Spin), so the registry decides which bytes it serves"
                } else {
                    "spin.toml cannot pin a registry source by digest, so the registry decides which bytes it serves; a { url, digest } source pins them"
                },
            )),
            SourceKind::SpinUrl if s.digest.is_none() => emit(Diag::unpinned_source(
                &s.file,
                &origin,
                &format!(
                    "{} (URL `{}`)",
                    s.what,
                    clip(s.url.as_deref().unwrap_or_default())
                ),
                "the server decides which bytes it serves",
            )),
            _ => {}
        }
        source_confusion(origins.config.as_ref(), s, &origin, internal, emit);
    }
}

/// The internal namespace (and its registry) a package belongs to,
/// matched without regard to case.
fn internal_rule<'a>(
    internal: &'a BTreeMap<String, String>,
    package: &str,
) -> Option<(&'a str, &'a str)> {
    let ns = namespace_of(package)?;
    internal
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(ns))
        .map(|(k, v)| (k.as_str(), v.as_str()))
}

fn source_confusion(
    config: Option<&WkgConfig>,
    s: &Source,
    origin: &str,
    internal: &BTreeMap<String, String>,
    emit: &mut dyn FnMut(Diag),
) {
    let Some(package) = s.package.as_deref() else {
        return;
    };
    let Some((ns, required)) = internal_rule(internal, package) else {
        return;
    };
    let subject = if namespace_of(package) == Some(ns) {
        s.what.clone()
    } else {
        format!(
            "{} (`{}` is the namespace `{ns}` written in another case)",
            s.what,
            clip(namespace_of(package).unwrap_or_default())
        )
    };
    let found = match (&s.registry, s.kind) {
        (Some(r), _) if same_registry(r, required) => return,
        (Some(r), SourceKind::WkgLock | SourceKind::CargoComponentLock) => {
            format!("is locked to registry `{}`", clip(r))
        }
        (Some(r), _) => format!("names registry `{}`", clip(r)),
        (None, SourceKind::WkgLock | SourceKind::CargoComponentLock) => {
            "is locked with no registry (resolved by the default)".to_string()
        }
        (None, _) => match config {
            None => "names no registry: Spin resolves it by the wkg configuration (its default registry), which was not given (--wkg-config)".to_string(),
            Some(c) => match c.resolve(&package.to_ascii_lowercase()) {
                Resolution::Package(m) | Resolution::Namespace(m)
                    if same_registry(&m.registry, required) && m.redirects.is_empty() =>
                {
                    return
                }
                Resolution::Package(m) | Resolution::Namespace(m) => format!(
                    "names no registry and the wkg configuration {}:{} resolves it to `{}`{}",
                    c.path,
                    m.line,
                    clip(&m.registry),
                    redirect_note(&m.redirects)
                ),
                Resolution::Default(d, line) => format!(
                    "names no registry and is left to default_registry `{}` ({}:{line})",
                    clip(d),
                    c.path
                ),
                Resolution::Fallback(r) => format!(
                    "names no registry and is left to wkg's built-in fallback `{r}`"
                ),
                Resolution::Unresolved => format!(
                    "names no registry and the wkg configuration {} maps none: another configuration decides",
                    c.path
                ),
            },
        },
    };
    emit(Diag::namespace_confusion(
        &s.file, origin, &subject, &found, ns, required,
    ));
}

fn redirect_note(redirects: &[String]) -> String {
    if redirects.is_empty() {
        String::new()
    } else {
        format!(
            " (its inline metadata fetches from {})",
            redirects
                .iter()
                .map(|r| format!("`{}`", clip(r)))
                .collect::<Vec<_>>()
                .join(", ")
        )
    }
}

/// How wkg's configuration resolves the internal namespace `ns` and each
/// of its package overrides.
fn config_findings(config: &WkgConfig, ns: &str, required: &str, emit: &mut dyn FnMut(Diag)) {
    let at = |line: usize| format!("{}:{line}", config.path);
    let mut confusion = |line: usize, subject: String, found: String| {
        emit(Diag::namespace_confusion(
            &config.path,
            &at(line),
            &subject,
            &found,
            ns,
            required,
        ));
    };
    for m in config
        .packages
        .iter()
        .filter(|m| namespace_of(&m.key) == Some(ns))
    {
        let wrong_redirect = m.redirects.iter().any(|r| !same_registry(r, required));
        if !same_registry(&m.registry, required) || wrong_redirect {
            confusion(
                m.line,
                format!("[package_registry_overrides] `{}`", clip(&m.key)),
                format!(
                    "maps it to `{}`{}",
                    clip(&m.registry),
                    redirect_note(&m.redirects)
                ),
            );
        }
    }
    match config.resolve_namespace(ns) {
        Resolution::Namespace(m) => {
            let wrong_redirect = m.redirects.iter().any(|r| !same_registry(r, required));
            if !same_registry(&m.registry, required) || wrong_redirect {
                confusion(
                    m.line,
                    format!("[namespace_registries] `{ns}`"),
                    format!(
                        "maps it to `{}`{}",
                        clip(&m.registry),
                        redirect_note(&m.redirects)
                    ),
                );
            }
        }
        Resolution::Default(d, line) => confusion(
            line,
            format!("namespace `{ns}`"),
            if same_registry(d, required) {
                format!(
                    "is not mapped in [namespace_registries]: it reaches `{}` only as default_registry, which another configuration or a changed default moves",
                    clip(d)
                )
            } else {
                format!(
                    "is not mapped in [namespace_registries]: it is left to default_registry `{}`",
                    clip(d)
                )
            },
        ),
        Resolution::Fallback(r) => confusion(
            1,
            format!("namespace `{ns}`"),
            format!("is not mapped and there is no default_registry: it is left to wkg's built-in fallback `{r}`"),
        ),
        Resolution::Unresolved | Resolution::Package(_) => confusion(
            1,
            format!("namespace `{ns}`"),
            "is not mapped and there is no default_registry: the registry is whatever another wkg configuration sets".to_string(),
        ),
    }
}
