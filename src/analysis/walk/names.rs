//! Taking component import and export names apart, following the
//! Component Model explainer's `importname` grammar: interface names
//! (`ns:pkg/iface@1.2.3`), plain names, and the `locked-dep=`,
//! `unlocked-dep=`, `url=` and `integrity=` forms.
//!
//! The walker is not a validator: a name that fits no form is kept as
//! [`NameForm::Other`] rather than rejected.

use crate::model::{Extern, ItemKind, NameForm};

/// Parses `name` (already carrying any version suffix) into an [`Extern`].
pub fn parse_extern(name: &str, kind: ItemKind, implements: Option<&str>) -> Extern {
    let mut out = Extern {
        name: name.to_string(),
        kind,
        form: NameForm::Other,
        namespace: None,
        package: None,
        interface: None,
        version: None,
        url: None,
        integrity: None,
        implements: implements.map(str::to_string),
    };
    if let Some(rest) = name.strip_prefix("locked-dep=") {
        if let Some((inner, tail)) = bracketed(rest) {
            out.form = NameForm::LockedDep;
            fill_package(&mut out, inner);
            out.integrity = integrity_suffix(tail);
        }
    } else if let Some(rest) = name.strip_prefix("unlocked-dep=") {
        // The version range may itself contain `>` (`{>=1.2.3 <2.0.0}`):
        // the name ends at the last one.
        if let Some(inner) = rest.strip_prefix('<').and_then(|r| r.strip_suffix('>')) {
            out.form = NameForm::UnlockedDep;
            fill_package(&mut out, inner);
        }
    } else if let Some(rest) = name.strip_prefix("url=") {
        if let Some((inner, tail)) = bracketed(rest) {
            out.form = NameForm::Url;
            out.url = Some(inner.to_string());
            out.integrity = integrity_suffix(tail);
        }
    } else if let Some(rest) = name.strip_prefix("integrity=") {
        if let Some((inner, _)) = bracketed(rest) {
            out.form = NameForm::Integrity;
            out.integrity = Some(inner.to_string());
        }
    } else if let Some((pkg_part, iface_part)) = name.split_once('/') {
        if let Some((ns, pkg)) = pkg_part.rsplit_once(':') {
            let (iface, version) = match iface_part.split_once('@') {
                Some((i, v)) => (i, Some(v)),
                None => (iface_part, None),
            };
            if is_label_path(ns, ':') && is_label(pkg) && is_label_path(iface, '/') {
                out.form = NameForm::Interface;
                out.namespace = Some(ns.to_string());
                out.package = Some(pkg.to_string());
                out.interface = Some(iface.to_string());
                out.version = version.map(str::to_string);
            }
        }
    } else if is_plain(name) {
        out.form = NameForm::Plain;
    }
    out
}

/// `<inner>tail` → `(inner, tail)`.
fn bracketed(s: &str) -> Option<(&str, &str)> {
    let s = s.strip_prefix('<')?;
    let end = s.find('>')?;
    Some((s.get(..end)?, s.get(end + 1..)?))
}

/// `,integrity=<...>` → the metadata.
fn integrity_suffix(tail: &str) -> Option<String> {
    let rest = tail.strip_prefix(",integrity=")?;
    bracketed(rest).map(|(inner, _)| inner.to_string())
}

/// `ns:pkg@version` (or `ns:pkg@{range}`) into namespace, package, version.
fn fill_package(out: &mut Extern, inner: &str) {
    let (pkg_part, version) = match inner.split_once('@') {
        Some((p, v)) => (p, Some(v)),
        None => (inner, None),
    };
    if let Some((ns, pkg)) = pkg_part.rsplit_once(':') {
        out.namespace = Some(ns.to_string());
        out.package = Some(pkg.to_string());
    }
    out.version = version.map(str::to_string);
}

/// A kebab-case label: words of letters and digits joined by `-`, each
/// word starting with a letter (digits-first words are tolerated: the
/// walker is not a validator).
fn is_label(s: &str) -> bool {
    let s = s.strip_prefix('%').unwrap_or(s);
    !s.is_empty()
        && s.split('-')
            .all(|w| !w.is_empty() && w.chars().all(|c| c.is_ascii_alphanumeric()))
}

fn is_label_path(s: &str, sep: char) -> bool {
    s.split(sep).all(is_label)
}

/// Plain names: a label, optionally behind `[method]`, `[static]`,
/// `[constructor]`, `[async]`, ... annotations, with `.` between resource
/// and method.
fn is_plain(name: &str) -> bool {
    let mut rest = name;
    while let Some(after) = rest.strip_prefix('[') {
        match after.find(']') {
            Some(end) => rest = after.get(end + 1..).unwrap_or(""),
            None => return false,
        }
    }
    !rest.is_empty() && rest.split('.').all(is_label)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(name: &str) -> Extern {
        parse_extern(name, ItemKind::Instance, None)
    }

    #[test]
    fn interface_names() {
        let e = p("wasi:http/outgoing-handler@0.2.0");
        assert_eq!(e.form, NameForm::Interface);
        assert_eq!(e.namespace.as_deref(), Some("wasi"));
        assert_eq!(e.package.as_deref(), Some("http"));
        assert_eq!(e.interface.as_deref(), Some("outgoing-handler"));
        assert_eq!(e.version.as_deref(), Some("0.2.0"));
        assert_eq!(
            e.unversioned().as_deref(),
            Some("wasi:http/outgoing-handler")
        );

        let e = p("wasi:cli/run");
        assert_eq!(e.form, NameForm::Interface);
        assert_eq!(e.version, None);

        let e = p("wasi:http/types@0.3.0-rc-2025-08-15");
        assert_eq!(e.version.as_deref(), Some("0.3.0-rc-2025-08-15"));

        let e = p("a:b:c/d/e@1.0.0");
        assert_eq!(e.form, NameForm::Interface);
        assert_eq!(e.namespace.as_deref(), Some("a:b"));
        assert_eq!(e.package.as_deref(), Some("c"));
        assert_eq!(e.interface.as_deref(), Some("d/e"));
    }

    #[test]
    fn plain_names() {
        for name in [
            "run",
            "hello-world",
            "[method]fields.get",
            "[constructor]x",
            "%use",
        ] {
            assert_eq!(p(name).form, NameForm::Plain, "{name}");
        }
        assert_eq!(p("not a name").form, NameForm::Other);
        assert_eq!(p("[unterminated").form, NameForm::Other);
    }

    #[test]
    fn dependency_names() {
        let e = p("locked-dep=<my:dep@1.2.3>,integrity=<sha256-abc>");
        assert_eq!(e.form, NameForm::LockedDep);
        assert_eq!(e.namespace.as_deref(), Some("my"));
        assert_eq!(e.package.as_deref(), Some("dep"));
        assert_eq!(e.version.as_deref(), Some("1.2.3"));
        assert_eq!(e.integrity.as_deref(), Some("sha256-abc"));

        let e = p("unlocked-dep=<my:dep@{>=1.2.3 <2.0.0}>");
        assert_eq!(e.form, NameForm::UnlockedDep);
        assert_eq!(e.version.as_deref(), Some("{>=1.2.3 <2.0.0}"));

        let e = p("url=<https://example.com/x.wasm>,integrity=<sha384-xyz>");
        assert_eq!(e.form, NameForm::Url);
        assert_eq!(e.url.as_deref(), Some("https://example.com/x.wasm"));
        assert_eq!(e.integrity.as_deref(), Some("sha384-xyz"));

        let e = p("integrity=<sha256-q>");
        assert_eq!(e.form, NameForm::Integrity);
        assert_eq!(e.integrity.as_deref(), Some("sha256-q"));

        assert_eq!(p("locked-dep=broken").form, NameForm::Other);
    }
}
