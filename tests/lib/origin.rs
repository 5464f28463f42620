//! Registry origin (#16): wkg configuration, lock files and Spin manifests
//! against `[registries] internal` (namespace-confusion, unpinned-source),
//! and `integrity=` import names against the node that satisfies them
//! (integrity-mismatch, integrity-unverified).

use wasm_audit::audit::Auditor;
use wasm_audit::check::{Code, Policy, Report, Severity};
use wasm_audit::trust::origin::{Origins, SourceKind};

const LOCK_DIGEST: &str = "sha256:e7e85458e11caf76554b724ebf4f113259decf0f3b1ee2e2930de096f72114a7";

/// A component with code, audited with unknown code allowed: only the
/// findings of this area remain.
fn component() -> Vec<u8> {
    wat::parse_str(r#"(component (core module (func (export "f"))))"#).expect("wat")
}

fn policy(internal: &str) -> Policy {
    Policy::parse(
        "p.toml",
        &format!(
            "[trust]\nrequire-signature = false\n[nodes]\nunknown = \"allow\"\n\
             [registries]\ninternal = {{ {internal} }}\n"
        ),
    )
    .expect("policy")
}

fn audit(policy: Policy, origins: Origins, bytes: &[u8]) -> Report {
    let mut auditor = Auditor::new(policy);
    auditor.set_origins(origins);
    auditor.audit_bytes("app.wasm", bytes)
}

fn codes(r: &Report, code: Code) -> Vec<String> {
    r.findings
        .iter()
        .filter(|f| f.code == code)
        .map(|f| f.message.clone())
        .collect()
}

fn lock(entries: &[(&str, Option<&str>)]) -> String {
    let mut s = String::from("# generated\nversion = 1\n");
    for (name, registry) in entries {
        s.push_str(&format!("\n[[packages]]\nname = \"{name}\"\n"));
        if let Some(r) = registry {
            s.push_str(&format!("registry = \"{r}\"\n"));
        }
        s.push_str(&format!(
            "\n[[packages.versions]]\nrequirement = \"=1.0.0\"\nversion = \"1.0.0\"\ndigest = \"{LOCK_DIGEST}\"\n"
        ));
    }
    s
}

fn origins(config: Option<&str>, locks: &[String], spin: &[&str]) -> Origins {
    let mut o = Origins::default();
    if let Some(c) = config {
        o.add_wkg_config("config.toml", c.as_bytes())
            .expect("config");
    }
    for l in locks {
        o.add_sources("wkg.lock", l.as_bytes(), false)
            .expect("lock");
    }
    for s in spin {
        o.add_sources("spin.toml", s.as_bytes(), true)
            .expect("spin");
    }
    o
}

const INTERNAL: &str = "myorg = \"registry.myorg.example\"";

#[test]
fn mapped_and_locked_correctly_is_clean() {
    let config = "default_registry = \"wasi.dev\"\n[namespace_registries]\nmyorg = \"registry.myorg.example\"\nwasi = \"wasi.dev\"\n";
    let l = lock(&[
        ("myorg:lib", Some("registry.myorg.example")),
        ("wasi:http", Some("wasi.dev")),
    ]);
    let r = audit(
        policy(INTERNAL),
        origins(Some(config), &[l], &[]),
        &component(),
    );
    assert!(r.findings.is_empty(), "{:#?}", r.findings);
    assert_eq!(r.verdict, wasm_audit::check::Outcome::Pass);
    let origin = r.origin.as_ref().expect("origin in the report");
    assert_eq!(origin.files.len(), 2);
    assert_eq!(origin.sources.len(), 2);
}

#[test]
fn locked_to_another_registry_is_confusion() {
    let config = "[namespace_registries]\nmyorg = \"registry.myorg.example\"\n";
    let l = lock(&[("myorg:lib", Some("ghcr.io"))]);
    let r = audit(
        policy(INTERNAL),
        origins(Some(config), &[l], &[]),
        &component(),
    );
    let found = codes(&r, Code::NamespaceConfusion);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(
        found[0]
            .starts_with("wkg.lock:5: package `myorg:lib` 1.0.0 is locked to registry `ghcr.io`"),
        "{}",
        found[0]
    );
    assert_eq!(r.verdict, wasm_audit::check::Outcome::Fail);
    // Fails the input too, though not about one node.
    assert!(r
        .inputs
        .iter()
        .all(|i| i.verdict == wasm_audit::check::Outcome::Fail));
}

#[test]
fn unmapped_namespaces_are_confusion() {
    // Left to another default registry.
    let r = audit(
        policy(INTERNAL),
        origins(Some("default_registry = \"wasi.dev\"\n"), &[], &[]),
        &component(),
    );
    let found = codes(&r, Code::NamespaceConfusion);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(
        found[0].contains("left to default_registry `wasi.dev`"),
        "{}",
        found[0]
    );
    assert!(found[0].starts_with("config.toml:1:"), "{}", found[0]);
    // Reaching the right registry only as the default still counts.
    let r = audit(
        policy(INTERNAL),
        origins(
            Some("default_registry = \"registry.myorg.example\"\n"),
            &[],
            &[],
        ),
        &component(),
    );
    assert_eq!(codes(&r, Code::NamespaceConfusion).len(), 1);
    // No mapping, no default: whatever another configuration says.
    let r = audit(policy(INTERNAL), origins(Some(""), &[], &[]), &component());
    assert!(codes(&r, Code::NamespaceConfusion)[0].contains("another wkg configuration"));
    // An internal namespace wkg has a built-in fallback for.
    let r = audit(
        policy("ba = \"registry.myorg.example\""),
        origins(Some("[registry.\"x\".oci]\nauth = \"abc\"\n"), &[], &[]),
        &component(),
    );
    assert!(
        codes(&r, Code::NamespaceConfusion)[0].contains("built-in fallback `bytecodealliance.org`"),
        "{:#?}",
        r.findings
    );
    // A namespace mapped elsewhere, and a package override elsewhere.
    let config = "[namespace_registries]\nmyorg = \"ghcr.io\"\n[package_registry_overrides]\n\"myorg:x\" = \"registry.myorg.example\"\n\"myorg:y\" = \"evil.example\"\n\"other:z\" = \"evil.example\"\n";
    let r = audit(
        policy(INTERNAL),
        origins(Some(config), &[], &[]),
        &component(),
    );
    let found = codes(&r, Code::NamespaceConfusion);
    assert_eq!(found.len(), 2, "{found:#?}");
    assert!(found
        .iter()
        .any(|m| m.starts_with("config.toml:5: [package_registry_overrides] `myorg:y`")));
    assert!(found.iter().any(
        |m| m.starts_with("config.toml:2: [namespace_registries] `myorg` maps it to `ghcr.io`")
    ));
}

#[test]
fn inline_metadata_that_fetches_elsewhere_is_confusion() {
    let config = "[namespace_registries]\nmyorg = { registry = \"registry.myorg.example\", metadata = { preferredProtocol = \"oci\", oci = { registry = \"ghcr.io\", namespacePrefix = \"evil/\" } } }\n";
    let r = audit(
        policy(INTERNAL),
        origins(Some(config), &[], &[]),
        &component(),
    );
    let found = codes(&r, Code::NamespaceConfusion);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(found[0].contains("fetches from `ghcr.io`"), "{}", found[0]);
    // Metadata naming the registry itself is fine.
    let config = "[namespace_registries]\nmyorg = { registry = \"registry.myorg.example\", metadata = { oci = { registry = \"registry.myorg.example\" } } }\n";
    let r = audit(
        policy(INTERNAL),
        origins(Some(config), &[], &[]),
        &component(),
    );
    assert!(r.findings.is_empty(), "{:#?}", r.findings);
}

/// Hostile lock entries: the internal namespace under other spellings of
/// the registry, and in another case.
#[test]
fn registry_spellings_and_namespace_case_do_not_slip_through() {
    for (registry, same) in [
        ("registry.myorg.example", true),
        ("Registry.MyOrg.Example", true),
        ("registry.myorg.example/", false),
        ("https://registry.myorg.example", false),
        ("registry.myorg.example:443", false),
        ("registry.myorg.example:5000", false),
        ("registry.myorg.example.", false),
        ("registry.myorg.example.evil.example", false),
    ] {
        let l = lock(&[("myorg:lib", Some(registry))]);
        let r = audit(policy(INTERNAL), origins(None, &[l], &[]), &component());
        assert_eq!(
            codes(&r, Code::NamespaceConfusion).is_empty(),
            same,
            "{registry}: {:#?}",
            r.findings
        );
    }
    for name in ["MyOrg:lib", "MYORG:lib"] {
        let l = lock(&[(name, Some("ghcr.io"))]);
        let r = audit(policy(INTERNAL), origins(None, &[l], &[]), &component());
        let found = codes(&r, Code::NamespaceConfusion);
        assert_eq!(found.len(), 1, "{name}");
        assert!(found[0].contains("written in another case"), "{}", found[0]);
    }
    // No registry recorded: not provably the internal one.
    let l = lock(&[("myorg:lib", None)]);
    let r = audit(policy(INTERNAL), origins(None, &[l], &[]), &component());
    assert_eq!(codes(&r, Code::NamespaceConfusion).len(), 1);
    // A namespace that only starts like the internal one is another one.
    let l = lock(&[("myorg-public:lib", Some("ghcr.io"))]);
    let r = audit(policy(INTERNAL), origins(None, &[l], &[]), &component());
    assert!(r.findings.is_empty(), "{:#?}", r.findings);
}

#[test]
fn wkg_configurations_wkg_refuses_are_errors_with_their_line() {
    for (config, line, what) in [
        (
            "[namespace_registries]\nMyOrg = \"registry.myorg.example\"\n",
            2,
            "not a namespace",
        ),
        (
            "[namespace_registries]\nmyorg = \"https://registry.myorg.example/\"\n",
            2,
            "no scheme",
        ),
        ("\ndefault_registry = 5\n", 2, "must be a string"),
        ("default-registry = \"x\"\n", 1, "unknown key"),
        (
            "[package_registry_overrides]\n\"myorg\" = \"r.example\"\n",
            2,
            "not a package name",
        ),
        (
            "[namespace_registries]\nmyorg = { metadata = {} }\n",
            2,
            "no `registry`",
        ),
    ] {
        let e = Origins::default()
            .add_wkg_config("config.toml", config.as_bytes())
            .expect_err(config)
            .to_string();
        assert!(
            e.starts_with(&format!("config.toml:{line}:")),
            "{config}: {e}"
        );
        assert!(e.contains(what), "{config}: {e}");
    }
    // Not UTF-8, not TOML: errors, never panics.
    assert!(Origins::default().add_wkg_config("c", b"\xff\xfe").is_err());
    assert!(Origins::default()
        .add_sources("wkg.lock", b"[[packages]\n", false)
        .is_err());
    assert!(Origins::default()
        .add_sources("x.json", b"{}", false)
        .is_err());
}

#[test]
fn spin_registry_sources_are_unpinned_and_checked_for_origin() {
    let spin = r#"spin_manifest_version = 2
[application]
name = "app"

[component.hello]
source = { registry = "ghcr.io", package = "myorg:hello", version = "1.0.0" }

[component.hello.dependencies]
"myorg:lib/api" = ">=0.1.0"
"other:dep/x" = { registry = "registry.myorg.example", package = "myorg:impl", version = "1.0.0", digest = "sha256:e7e85458e11caf76554b724ebf4f113259decf0f3b1ee2e2930de096f72114a7" }
"local:dep/y" = { path = "dep.wasm" }
"url:dep/z" = { url = "https://example.com/z.wasm" }

[component.pinned]
source = { url = "https://example.com/p.wasm", digest = "sha256:e7e85458e11caf76554b724ebf4f113259decf0f3b1ee2e2930de096f72114a7" }
"#;
    let r = audit(policy(INTERNAL), origins(None, &[], &[spin]), &component());
    let unpinned = codes(&r, Code::UnpinnedSource);
    assert_eq!(unpinned.len(), 4, "{unpinned:#?}");
    assert!(
        unpinned[0].starts_with("spin.toml:6: source of component `hello`"),
        "{}",
        unpinned[0]
    );
    assert!(unpinned
        .iter()
        .any(|m| m.contains("`digest` written here is not checked by Spin")));
    assert!(unpinned
        .iter()
        .any(|m| m.contains("URL `https://example.com/z.wasm`")));
    // Warn by default: it is reported, the audit is decided by the rest.
    assert!(r
        .findings
        .iter()
        .filter(|f| f.code == Code::UnpinnedSource)
        .all(|f| f.severity == Severity::Warn));
    let confusion = codes(&r, Code::NamespaceConfusion);
    assert_eq!(confusion.len(), 2, "{confusion:#?}");
    assert!(confusion
        .iter()
        .any(|m| m.contains("names registry `ghcr.io`")));
    assert!(confusion
        .iter()
        .any(|m| m.starts_with("spin.toml:9: dependency `myorg:lib/api`")
            && m.contains("was not given (--wkg-config)")));
    // With a configuration that maps the namespace, the omitted registry resolves.
    let mut o = origins(
        Some("[namespace_registries]\nmyorg = \"registry.myorg.example\"\n"),
        &[],
        &[spin],
    );
    let r = audit(policy(INTERNAL), std::mem::take(&mut o), &component());
    assert_eq!(
        codes(&r, Code::NamespaceConfusion).len(),
        1,
        "{:#?}",
        r.findings
    );
}

#[test]
fn corpus_locks_and_spin_templates_report_their_registries() {
    let Some(corpus) = crate::common::corpus() else {
        return;
    };
    let dir = corpus.join("lockfiles");
    let mut o = Origins::default();
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .expect("lockfiles")
        .map(|e| e.expect("entry").path())
        .collect();
    names.sort();
    let (mut locks, mut spins) = (0, 0);
    for p in &names {
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        let bytes = std::fs::read(p).expect("read");
        let spin = name.starts_with("spin.toml");
        o.add_sources(name, &bytes, spin).expect(name);
        if spin {
            spins += 1;
        } else {
            locks += 1;
        }
    }
    assert_eq!(
        (locks, spins),
        (2, 2),
        "the corpus has two wkg.lock and two Spin templates"
    );
    let wkg: Vec<_> = o
        .sources
        .iter()
        .filter(|s| s.kind == SourceKind::WkgLock)
        .collect();
    assert_eq!(wkg.len(), 6);
    assert!(wkg.iter().all(|s| s.registry.as_deref() == Some("wasi.dev")
        && s.package.as_deref().is_some_and(|p| p.starts_with("wasi:"))));
    let urls: Vec<_> = o
        .sources
        .iter()
        .filter(|s| s.kind == SourceKind::SpinUrl)
        .collect();
    assert_eq!(urls.len(), 2);
    assert!(urls
        .iter()
        .all(|s| s.registry.as_deref() == Some("github.com") && s.digest.is_some()));
    // wasi is where these say; nothing else is reported.
    let r = audit(policy("wasi = \"wasi.dev\""), o.clone(), &component());
    assert!(r.findings.is_empty(), "{:#?}", r.findings);
    // Were `wasi` internal to another registry, each wasi package is confusion.
    let r = audit(policy("wasi = \"registry.myorg.example\""), o, &component());
    assert_eq!(codes(&r, Code::NamespaceConfusion).len(), 6);
}

// ---- integrity= import names ----

/// `app` imports an instance named `name`; the outer component nests `lib`
/// and `app` byte for byte and instantiates `app` with an instance of `lib`.
fn composed(lib: &[u8], name: &str) -> Vec<u8> {
    use wasm_encoder::{
        Component, ComponentExportKind, ComponentInstanceSection, ComponentSectionId, RawSection,
    };
    let app = wat::parse_str(format!(
        r#"(component (import "{name}" (instance (export "f" (func)))))"#
    ))
    .expect("app");
    let mut c = Component::new();
    c.section(&RawSection {
        id: ComponentSectionId::Component.into(),
        data: lib,
    });
    c.section(&RawSection {
        id: ComponentSectionId::Component.into(),
        data: &app,
    });
    let mut inst = ComponentInstanceSection::new();
    inst.instantiate(0, Vec::<(&str, ComponentExportKind, u32)>::new());
    inst.instantiate(1, [(name, ComponentExportKind::Instance, 0)]);
    c.section(&inst);
    c.finish()
}

fn lib() -> Vec<u8> {
    wat::parse_str(
        r#"(component
            (core module $m (func (export "f")))
            (core instance $i (instantiate $m))
            (func $f (canon lift (core func $i "f")))
            (export "f" (func $f)))"#,
    )
    .expect("lib")
}

fn sri(alg: &str, bytes: &[u8]) -> String {
    use base64::Engine as _;
    use sha2::Digest as _;
    let raw = match alg {
        "sha256" => sha2::Sha256::digest(bytes).to_vec(),
        "sha384" => sha2::Sha384::digest(bytes).to_vec(),
        _ => sha2::Sha512::digest(bytes).to_vec(),
    };
    format!(
        "{alg}-{}",
        base64::engine::general_purpose::STANDARD.encode(raw)
    )
}

fn integrity_audit(bytes: &[u8]) -> Report {
    audit(policy(INTERNAL), Origins::default(), bytes)
}

#[test]
fn integrity_satisfied_by_the_named_bytes_is_clean() {
    let lib = lib();
    for metadata in [
        sri("sha256", &lib),
        sri("sha384", &lib),
        sri("sha512", &lib),
        format!("{} {}", sri("sha256", &lib), sri("sha512", &lib)),
    ] {
        for name in [
            format!("integrity=<{metadata}>"),
            format!("locked-dep=<myorg:lib@1.0.0>,integrity=<{metadata}>"),
        ] {
            let r = integrity_audit(&composed(&lib, &name));
            assert!(r.findings.is_empty(), "{name}: {:#?}", r.findings);
        }
    }
}

#[test]
fn integrity_satisfied_by_other_bytes_is_a_mismatch() {
    let lib = lib();
    let other = wat::parse_str(
        r#"(component
            (core module $m (func (export "f") nop))
            (core instance $i (instantiate $m))
            (func $f (canon lift (core func $i "f")))
            (export "f" (func $f)))"#,
    )
    .expect("other");
    for name in [
        format!(
            "locked-dep=<myorg:lib@1.0.0>,integrity=<{}>",
            sri("sha256", &lib)
        ),
        format!("integrity=<{}>", sri("sha512", &lib)),
        // Every hash must hold, not only the strongest (SRI would pass this).
        format!(
            "integrity=<{} {}>",
            sri("sha256", &lib),
            sri("sha512", &lib)
        ),
    ] {
        let r = integrity_audit(&composed(&other, &name));
        let found = codes(&r, Code::IntegrityMismatch);
        assert!(!found.is_empty(), "{name}");
        assert!(
            found[0].contains("is satisfied by component /component[0]"),
            "{}",
            found[0]
        );
        assert_eq!(r.verdict, wasm_audit::check::Outcome::Fail);
    }
    let mixed = format!(
        "integrity=<{} {}>",
        sri("sha256", &other),
        sri("sha512", &lib)
    );
    let r = integrity_audit(&composed(&other, &mixed));
    assert_eq!(
        codes(&r, Code::IntegrityMismatch).len(),
        1,
        "{:#?}",
        r.findings
    );
}

#[test]
fn integrity_metadata_that_cannot_be_checked_is_a_mismatch() {
    let lib = lib();
    let good = sri("sha256", &lib);
    let b64 = good.trim_start_matches("sha256-");
    for metadata in [
        "sha256-AAAA".to_string(),
        format!("md5-{b64}"),
        format!("SHA256-{b64}"),
        format!("sha256-{b64}!"),
        format!("sha512-{b64}"),
        format!("{good} md5-AAAA"),
    ] {
        let name = format!("integrity=<{metadata}>");
        let r = integrity_audit(&composed(&lib, &name));
        let found = codes(&r, Code::IntegrityMismatch);
        assert_eq!(found.len(), 1, "{metadata}: {:#?}", r.findings);
        assert!(found[0].contains("cannot be checked"), "{}", found[0]);
    }
}

#[test]
fn integrity_imports_the_host_supplies_are_unverified_warnings() {
    let root = wat::parse_str(
        r#"(component (import "integrity=<sha256-ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=>" (instance (export "f" (func)))))"#,
    )
    .expect("root");
    let r = integrity_audit(&root);
    let found: Vec<_> = r
        .findings
        .iter()
        .filter(|f| f.code == Code::IntegrityUnverified)
        .collect();
    assert_eq!(found.len(), 1, "{:#?}", r.findings);
    assert_eq!(found[0].severity, Severity::Warn);
    assert!(found[0].message.contains("the host supplies it"));
    assert_eq!(r.verdict, wasm_audit::check::Outcome::Pass);
}
