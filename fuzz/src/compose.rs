//! Structure-aware inputs: nested components built from fuzzer choices.
//!
//! `wasm-smith` 0.263 can generate components only behind its
//! `component-model` feature, whose generator is marked work in progress
//! and still has reachable `todo!()`/`unimplemented!()` paths (a panic in
//! the generator would be reported as a crash of the code under test). So
//! the core modules come from `wasm-smith` and the components around them
//! are written here with `wasm-encoder`: module (section id 1) and component
//! (id 4) sections nested to a fuzzer-chosen depth, interface imports passed
//! down through `instantiate` arguments, instance exports, and the custom
//! sections the walker reads (`name`, `component-name`, `producers`,
//! metadata), with names drawn from the ones that change a node's class.
//!
//! Alongside the bytes, [`Composed::expected`] says what the walker must
//! find: each node's path, kind, exact digest and name, and which host
//! interfaces reach each component.

use std::collections::BTreeSet;

use arbitrary::{Result, Unstructured};
use wasm_encoder::{
    Component, ComponentExportKind, ComponentExportSection, ComponentImportSection,
    ComponentInstanceSection, ComponentNameSection, ComponentTypeRef, ComponentTypeSection,
    CustomSection, InstanceType, Module, NameMap, NameSection, ProducersField, ProducersSection,
    RawSection,
};

use crate::checks::sha256;

/// Interface names a component may import; the first ones are the risky
/// capabilities policies deny.
const INTERFACES: &[&str] = &[
    "wasi:filesystem/types@0.2.0",
    "wasi:sockets/tcp@0.2.0",
    "wasi:http/outgoing-handler@0.2.0",
    "wasi:http/outgoing-handler@0.2.3",
    "wasi:cli/environment@0.2.0",
    "wasi:io/streams@0.2.0",
    "my:pkg/iface",
];

/// Names that matter to the classifier, and ordinary ones.
const NAMES: &[&str] = &[
    "wit-component:shim",
    "wit-component:fixups",
    "wit-component:adapter:wasi_snapshot_preview1",
    "logger",
    "app",
];

/// Metadata sections the walker reads.
const METADATA: &[&str] = &[
    "authors",
    "description",
    "licenses",
    "source",
    "homepage",
    "revision",
    "version",
    "registry-metadata",
    ".dep-v0",
];

/// What one generated node must look like in the analysis.
#[derive(Debug, Clone)]
pub struct Expected {
    pub path: String,
    pub component: bool,
    pub digest: String,
    /// The name written in the node's own name section, if any.
    pub own_name: Option<String>,
    /// For components: the host interfaces that reach it (its imports when
    /// it and every ancestor are instantiated, else none).
    pub reach: Option<BTreeSet<String>>,
}

/// A generated composition.
#[derive(Debug, Clone)]
pub struct Composed {
    pub bytes: Vec<u8>,
    /// Root first.
    pub expected: Vec<Expected>,
}

/// Builds a nested component from `u`.
pub fn compose(u: &mut Unstructured<'_>) -> Result<Composed> {
    let mut budget: u32 = u.int_in_range(1..=12)?;
    let max_depth: u32 = u.int_in_range(0..=5)?;
    let mut expected = Vec::new();
    let built = component(u, "/", 0, max_depth, true, &mut budget, &mut expected)?;
    expected.insert(
        0,
        Expected {
            path: "/".into(),
            component: true,
            digest: sha256(&built.bytes),
            own_name: built.own_name,
            reach: Some(built.imports.into_iter().collect()),
        },
    );
    Ok(Composed {
        bytes: built.bytes,
        expected,
    })
}

struct Built {
    bytes: Vec<u8>,
    imports: Vec<String>,
    own_name: Option<String>,
}

/// A name from [`NAMES`] or a short arbitrary one.
fn name(u: &mut Unstructured<'_>) -> Result<String> {
    if u.ratio(3, 4)? {
        Ok(u.choose(NAMES)?.to_string())
    } else {
        let s: String = u.arbitrary()?;
        Ok(s.chars().take(24).collect())
    }
}

/// The bytes of one custom section, encoded as a core module would carry it.
fn custom_bytes(section: &impl wasm_encoder::Section) -> Vec<u8> {
    let mut m = Module::new();
    m.section(section);
    m.finish()[8..].to_vec()
}

fn core_module(u: &mut Unstructured<'_>) -> Result<(Vec<u8>, Option<String>)> {
    let config = wasm_smith::Config {
        max_funcs: 4,
        max_instructions: 12,
        max_imports: 3,
        max_exports: 4,
        max_types: 4,
        max_data_segments: 2,
        max_element_segments: 2,
        max_globals: 3,
        max_memory32_bytes: 1 << 20,
        max_memory64_bytes: 1 << 20,
        max_table_elements: 64,
        ..Default::default()
    };
    let module = wasm_smith::Module::new(config, u)?;
    let mut bytes = module.to_bytes();
    let mut own_name = None;
    if u.arbitrary()? {
        let n = name(u)?;
        let mut names = NameSection::new();
        names.module(&n);
        bytes.extend(custom_bytes(&names));
        own_name = Some(n);
    }
    if u.ratio(1, 4)? {
        let mut field = ProducersField::new();
        field.value("rustc", "1.85.0");
        let mut producers = ProducersSection::new();
        producers.field("processed-by", &field);
        bytes.extend(custom_bytes(&producers));
    }
    if u.ratio(1, 4)? {
        let name = *u.choose(METADATA)?;
        let len = u.int_in_range(0..=64)?;
        let section = CustomSection {
            name: name.into(),
            data: u.bytes(len)?.into(),
        };
        bytes.extend(custom_bytes(&section));
    }
    Ok((bytes, own_name))
}

#[allow(clippy::too_many_arguments)]
fn component(
    u: &mut Unstructured<'_>,
    path: &str,
    depth: u32,
    max_depth: u32,
    reached: bool,
    budget: &mut u32,
    expected: &mut Vec<Expected>,
) -> Result<Built> {
    // Own imports first; children may add the ones they need passed down.
    let mut imports: Vec<String> = Vec::new();
    for _ in 0..u.int_in_range(0..=2)? {
        let i = u.choose(INTERFACES)?.to_string();
        if !imports.contains(&i) {
            imports.push(i);
        }
    }

    let prefix = path.trim_end_matches('/');
    let mut sections: Vec<(u8, Vec<u8>)> = Vec::new();
    let mut modules = 0u32;
    let mut components = 0u32;
    // (component index, its imports) of the children to instantiate.
    let mut to_instantiate: Vec<(u32, Vec<String>)> = Vec::new();
    let mut module_names = NameMap::new();
    let mut component_names = NameMap::new();
    let children = u.int_in_range(0..=3)?;
    for _ in 0..children {
        if *budget == 0 {
            break;
        }
        *budget -= 1;
        let nest = depth < max_depth && u.arbitrary()?;
        if nest {
            let instantiate = u.arbitrary()?;
            let child_path = format!("{prefix}/component[{components}]");
            let slot = expected.len();
            let child = component(
                u,
                &child_path,
                depth + 1,
                max_depth,
                reached && instantiate,
                budget,
                expected,
            )?;
            expected.insert(
                slot,
                Expected {
                    path: child_path,
                    component: true,
                    digest: sha256(&child.bytes),
                    own_name: child.own_name.clone(),
                    reach: Some(if reached && instantiate {
                        child.imports.iter().cloned().collect()
                    } else {
                        BTreeSet::new()
                    }),
                },
            );
            if instantiate {
                for i in &child.imports {
                    if !imports.contains(i) {
                        imports.push(i.clone());
                    }
                }
                to_instantiate.push((components, child.imports));
            }
            if u.ratio(1, 3)? {
                component_names.append(components, &name(u)?);
            }
            sections.push((4, child.bytes));
            components += 1;
        } else {
            let (bytes, own_name) = core_module(u)?;
            expected.push(Expected {
                path: format!("{prefix}/module[{modules}]"),
                component: false,
                digest: sha256(&bytes),
                own_name,
                reach: None,
            });
            if u.ratio(1, 3)? {
                module_names.append(modules, &name(u)?);
            }
            sections.push((1, bytes));
            modules += 1;
        }
    }

    let mut c = Component::new();
    if !imports.is_empty() {
        let mut types = ComponentTypeSection::new();
        types.instance(&InstanceType::new());
        c.section(&types);
        let mut section = ComponentImportSection::new();
        for i in &imports {
            section.import(i.as_str(), ComponentTypeRef::Instance(0));
        }
        c.section(&section);
    }
    for (id, bytes) in &sections {
        c.section(&RawSection {
            id: *id,
            data: bytes,
        });
    }
    let mut instances = imports.len() as u32;
    if !to_instantiate.is_empty() {
        let mut section = ComponentInstanceSection::new();
        for (index, child_imports) in &to_instantiate {
            let args: Vec<(String, ComponentExportKind, u32)> = child_imports
                .iter()
                .map(|i| {
                    let at = imports.iter().position(|x| x == i).unwrap_or(0) as u32;
                    (i.clone(), ComponentExportKind::Instance, at)
                })
                .collect();
            section.instantiate(*index, args);
        }
        c.section(&section);
        // Export some of the new instances.
        let mut exports = ComponentExportSection::new();
        let mut exported = BTreeSet::new();
        for k in 0..to_instantiate.len() as u32 {
            if u.arbitrary()? {
                let n = *u.choose(INTERFACES)?;
                if exported.insert(n) {
                    exports.export(n, ComponentExportKind::Instance, instances + k, None);
                }
            }
        }
        instances += to_instantiate.len() as u32;
        if !exported.is_empty() {
            c.section(&exports);
        }
    }
    let _ = instances;

    let mut own_name = None;
    if u.ratio(1, 3)? || modules > 0 && u.arbitrary()? {
        let mut names = ComponentNameSection::new();
        if u.arbitrary()? {
            let n = name(u)?;
            names.component(&n);
            own_name = Some(n);
        }
        if modules > 0 {
            names.core_modules(&module_names);
        }
        if components > 0 {
            names.components(&component_names);
        }
        c.section(&names);
    }
    if u.ratio(1, 4)? {
        let name = *u.choose(METADATA)?;
        let len = u.int_in_range(0..=64)?;
        let section = CustomSection {
            name: name.into(),
            data: u.bytes(len)?.into(),
        };
        c.section(&section);
    }
    Ok(Built {
        bytes: c.finish(),
        imports,
        own_name,
    })
}
