//! The walker: one pass over an input's bytes with an explicit nesting
//! stack (`wasmparser::Parser::parse_all`), recording every component and
//! core module at every depth with its byte range, names, metadata, imports
//! and exports. Hashing, `.dep-v0` decoding and WIT decoding of the nodes
//! then run in parallel (see [`crate::analyze_bytes`]).
//!
//! Every range taken from the input is checked against the buffer before it
//! is used: `wasmparser`'s `unchecked_range` can point past the end of a
//! truncated file.

mod custom;
pub mod names;

use std::collections::BTreeMap;

use wasmparser::{
    Chunk, ComponentExternalKind, ComponentTypeRef, Encoding, ExternalKind, Parser, Payload,
};

use crate::analysis::wiring::module::ModuleInfo;
use crate::analysis::wiring::{Spaces, Unresolved};
use crate::error::{Error, Result};
use crate::limits::Limits;
use crate::model::{Class, CoreImportModule, ItemKind, Metadata, Node, NodeKind};

/// Binary versions of pre-1.0 component encodings seen in the wild.
const LEGACY_COMPONENT_VERSIONS: std::ops::RangeInclusive<u16> = 0x0a..=0x0c;

/// What the walker counted of a component's sections, for classification.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Shape {
    pub imports: u32,
    pub core_instances: u32,
    pub instances: u32,
    pub canonicals: u32,
    pub aliases: u32,
    pub type_exports: u32,
    pub other_exports: u32,
}

/// One level of the nesting stack.
struct Frame {
    node: usize,
    modules: u32,
    components: u32,
    /// The index spaces (components only), for names and wiring.
    spaces: Spaces,
    core_imports: BTreeMap<String, u32>,
    shape: Shape,
    /// What a core module does (modules only), read in this same pass.
    module: Option<ModuleInfo>,
}

pub(crate) struct Walk<'a> {
    input: &'a str,
    data: &'a [u8],
    limits: Limits,
    nodes: Vec<Node>,
    shapes: Vec<Shape>,
    spaces: Vec<Option<Spaces>>,
    modules: Vec<Option<ModuleInfo>>,
    stack: Vec<Frame>,
    pending: Option<usize>,
}

/// The result of a walk, before hashing and decoding.
pub(crate) struct Walked {
    pub nodes: Vec<Node>,
    pub shapes: Vec<Shape>,
    /// Per node: the recorded index spaces of components.
    pub spaces: Vec<Option<Spaces>>,
    /// Per node: what each core module does.
    pub modules: Vec<Option<ModuleInfo>>,
}

/// Checks the preamble of the root for encodings that are recognisably not
/// current components, to give them their own message.
pub(crate) fn check_preamble(input: &str, data: &[u8]) -> Result<()> {
    let (Some(&[v0, v1]), Some(&[l0, l1])) = (data.get(4..6), data.get(6..8)) else {
        return Ok(()); // too short: the parser reports where it ends
    };
    let version = u16::from_le_bytes([v0, v1]);
    let layer = u16::from_le_bytes([l0, l1]);
    if layer == 1 && LEGACY_COMPONENT_VERSIONS.contains(&version) {
        return Err(Error::LegacyEncoding {
            input: input.to_string(),
            version,
        });
    }
    Ok(())
}

impl<'a> Walk<'a> {
    pub(crate) fn run(input: &'a str, data: &'a [u8], limits: Limits) -> Result<Walked> {
        check_preamble(input, data)?;
        let mut walk = Walk {
            input,
            data,
            limits,
            nodes: Vec::new(),
            shapes: Vec::new(),
            spaces: Vec::new(),
            modules: Vec::new(),
            stack: Vec::new(),
            pending: None,
        };
        // `Parser::parse_all`, with one difference: the function bodies of
        // a module are skipped unless they carry wiring (a possible shim's
        // trampolines). Reading each body's size is a dependent load per
        // function across the whole code section, the walk's largest cost.
        let mut parser = Parser::new(0);
        let mut outer: Vec<Parser> = Vec::new();
        let mut rest = data;
        loop {
            let (payload, consumed) = match parser.parse(rest, true) {
                Ok(Chunk::Parsed { payload, consumed }) => (payload, consumed),
                Ok(Chunk::NeedMoreData(_)) => break,
                Err(e) => return Err(walk.parse_error(&e)),
            };
            rest = rest.get(consumed..).unwrap_or_default();
            let mut skip = None;
            let mut done = false;
            match &payload {
                Payload::ModuleSection { parser: inner, .. }
                | Payload::ComponentSection { parser: inner, .. } => {
                    outer.push(std::mem::replace(&mut parser, inner.clone()));
                }
                Payload::End(_) => match outer.pop() {
                    Some(p) => parser = p,
                    None => done = true,
                },
                Payload::CodeSectionStart {
                    size,
                    unchecked_range,
                    ..
                } => skip = Some((*size, unchecked_range.start)),
                _ => {}
            }
            walk.payload(payload)?;
            if done {
                break;
            }
            if let Some((size, at)) = skip {
                let needed = walk
                    .stack
                    .last()
                    .and_then(|f| f.module.as_ref())
                    .is_none_or(ModuleInfo::needs_bodies);
                if !needed {
                    rest = rest.get(size as usize..).ok_or_else(|| {
                        walk.malformed(at, "the code section runs past the end of the input")
                    })?;
                    parser.skip_section();
                }
            }
        }
        if !walk.stack.is_empty() || walk.nodes.is_empty() {
            return Err(walk.malformed(data.len() as u64, "unexpected end of input"));
        }
        let Walk {
            nodes,
            shapes,
            spaces,
            modules,
            ..
        } = walk;
        Ok(Walked {
            nodes,
            shapes,
            spaces,
            modules,
        })
    }

    fn malformed(&self, offset: u64, message: impl Into<String>) -> Error {
        Error::Malformed {
            input: self.input.to_string(),
            offset,
            message: message.into(),
        }
    }

    fn parse_error(&self, e: &wasmparser::BinaryReaderError) -> Error {
        // wasmparser's messages can span lines (pretty-printed arrays);
        // errors are one line.
        let message: Vec<&str> = e.message().split_whitespace().collect();
        self.malformed(e.offset(), message.join(" "))
    }

    fn limit(&self, what: String, limit: u64, flag: &'static str) -> Error {
        Error::LimitExceeded {
            input: self.input.to_string(),
            what,
            limit,
            flag,
        }
    }

    fn frame(&mut self) -> Result<&mut Frame> {
        let offset = self.data.len() as u64;
        match self.stack.last_mut() {
            Some(f) => Ok(f),
            None => Err(Error::Malformed {
                input: self.input.to_string(),
                offset,
                message: "section outside of any module or component".into(),
            }),
        }
    }

    fn node_mut(&mut self) -> Result<&mut Node> {
        let idx = self.frame()?.node;
        self.node_at(idx)
    }

    /// The node at `idx`, an index the walker made itself; an error rather
    /// than a panic should that ever not hold.
    fn node_at(&mut self, idx: usize) -> Result<&mut Node> {
        let offset = self.data.len() as u64;
        match self.nodes.get_mut(idx) {
            Some(n) => Ok(n),
            None => Err(Error::Malformed {
                input: self.input.to_string(),
                offset,
                message: format!("internal: no node {idx}"),
            }),
        }
    }

    fn new_node(&mut self, kind: NodeKind, range: std::ops::Range<u64>) -> Result<usize> {
        if self.nodes.len() as u64 >= self.limits.max_nodes {
            return Err(self.limit(
                format!("more than {} nodes", self.limits.max_nodes),
                self.limits.max_nodes,
                "--max-nodes",
            ));
        }
        let len = self.data.len() as u64;
        if range.start > range.end || range.end > len {
            return Err(self.malformed(
                range.start,
                format!(
                    "nested {} spans bytes {}..{} but the input has only {len} bytes",
                    kind.as_str(),
                    range.start,
                    range.end
                ),
            ));
        }
        let (path, depth, parent) = match self.stack.last_mut() {
            None => ("/".to_string(), 0, None),
            Some(frame) => {
                let i = match kind {
                    NodeKind::Module => {
                        frame.modules += 1;
                        frame.modules - 1
                    }
                    NodeKind::Component => {
                        frame.components += 1;
                        frame.components - 1
                    }
                };
                let parent = frame.node;
                let parent_path = self
                    .nodes
                    .get(parent)
                    .map(|p| p.path.trim_end_matches('/'))
                    .unwrap_or("");
                (
                    format!("{parent_path}/{}[{i}]", kind.as_str()),
                    self.stack.len() as u32,
                    Some(parent),
                )
            }
        };
        let idx = self.nodes.len();
        self.nodes.push(Node {
            path,
            kind,
            class: Class::Glue,
            depth,
            offset: range.start,
            size: range.end - range.start,
            digest: String::new(),
            version: 0,
            name: None,
            own_name: None,
            name_in_parent: None,
            parent,
            function_bodies: 0,
            acts: Vec::new(),
            imports: Vec::new(),
            exports: Vec::new(),
            core_imports: Vec::new(),
            producers: BTreeMap::new(),
            metadata: Metadata::default(),
            registry_metadata: None,
            crates: None,
            wit: None,
            custom_sections: Vec::new(),
            notes: Vec::new(),
            children: Vec::new(),
            dep_v0: None,
        });
        self.shapes.push(Shape::default());
        self.spaces.push(None);
        self.modules.push(None);
        if let Some(parent) = parent {
            self.node_at(parent)?.children.push(idx);
            self.frame()?
                .spaces
                .define(kind == NodeKind::Component, idx);
        }
        Ok(idx)
    }

    fn payload(&mut self, payload: Payload<'a>) -> Result<()> {
        if let Some(info) = self.stack.last_mut().and_then(|f| f.module.as_mut()) {
            if let Err(e) = info.absorb(&payload) {
                return Err(self.parse_error(&e));
            }
        }
        match payload {
            Payload::Version {
                num,
                encoding,
                range,
            } => {
                let kind = match encoding {
                    Encoding::Module => NodeKind::Module,
                    Encoding::Component => NodeKind::Component,
                };
                let idx = match self.pending.take() {
                    Some(idx) => idx,
                    None if self.nodes.is_empty() => {
                        self.new_node(kind, 0..self.data.len() as u64)?
                    }
                    None => return Err(self.malformed(range.start, "unexpected module header")),
                };
                let depth = self.stack.len() as u32;
                if depth > self.limits.max_depth {
                    return Err(self.limit(
                        format!(
                            "nesting deeper than {} at byte offset {}",
                            self.limits.max_depth, range.start
                        ),
                        self.limits.max_depth as u64,
                        "--max-depth",
                    ));
                }
                let declared = self.node_at(idx)?.kind;
                if declared != kind {
                    return Err(self.malformed(
                        range.start,
                        format!(
                            "a nested {} section holds a {}",
                            declared.as_str(),
                            kind.as_str()
                        ),
                    ));
                }
                self.node_at(idx)?.version = num;
                self.stack.push(Frame {
                    node: idx,
                    modules: 0,
                    components: 0,
                    spaces: Spaces::default(),
                    core_imports: BTreeMap::new(),
                    shape: Shape::default(),
                    module: (kind == NodeKind::Module).then(ModuleInfo::default),
                });
            }
            Payload::ModuleSection {
                unchecked_range, ..
            } => {
                let idx = self.new_node(NodeKind::Module, unchecked_range)?;
                self.pending = Some(idx);
            }
            Payload::ComponentSection {
                unchecked_range, ..
            } => {
                let idx = self.new_node(NodeKind::Component, unchecked_range)?;
                self.pending = Some(idx);
            }
            Payload::End(_) => {
                let Some(frame) = self.stack.pop() else {
                    return Err(self.malformed(self.data.len() as u64, "unbalanced end"));
                };
                let node = self.node_at(frame.node)?;
                node.core_imports = frame
                    .core_imports
                    .into_iter()
                    .map(|(module, count)| CoreImportModule { module, count })
                    .collect();
                let component = node.kind == NodeKind::Component;
                if let Some(shape) = self.shapes.get_mut(frame.node) {
                    *shape = frame.shape;
                }
                if let (true, Some(spaces)) = (component, self.spaces.get_mut(frame.node)) {
                    *spaces = Some(frame.spaces);
                }
                if let (Some(info), Some(slot)) = (frame.module, self.modules.get_mut(frame.node)) {
                    *slot = Some(info);
                }
            }
            Payload::ComponentImportSection(reader) => {
                for import in reader {
                    let import = import.map_err(|e| self.parse_error(&e))?;
                    let kind = type_ref_kind(&import.ty);
                    let ext =
                        names::parse_extern(&import.name.full_name(), kind, import.name.implements);
                    let frame = self.frame()?;
                    frame.shape.imports += 1;
                    frame.spaces.import(&ext.name, &import.ty);
                    self.node_mut()?.imports.push(ext);
                }
            }
            Payload::ComponentExportSection(reader) => {
                for export in reader.into_iter_with_offsets() {
                    let (offset, export) = export.map_err(|e| self.parse_error(&e))?;
                    let kind = external_kind(export.kind);
                    let ext =
                        names::parse_extern(&export.name.full_name(), kind, export.name.implements);
                    let result = self
                        .frame()?
                        .spaces
                        .export(&ext.name, export.kind, export.index);
                    self.wired(result, offset)?;
                    let frame = self.frame()?;
                    if kind == ItemKind::Type {
                        frame.shape.type_exports += 1;
                    } else {
                        frame.shape.other_exports += 1;
                    }
                    self.node_mut()?.exports.push(ext);
                }
            }
            Payload::ComponentAliasSection(reader) => {
                for alias in reader.into_iter_with_offsets() {
                    let (offset, alias) = alias.map_err(|e| self.parse_error(&e))?;
                    self.frame()?.shape.aliases += 1;
                    let result = match self.stack.split_last_mut() {
                        Some((cur, outer)) => {
                            let outer: Vec<&Spaces> = outer.iter().map(|f| &f.spaces).collect();
                            cur.spaces.alias(&alias, &outer)
                        }
                        None => Ok(()),
                    };
                    self.wired(result, offset)?;
                }
            }
            Payload::InstanceSection(reader) => {
                for instance in reader.into_iter_with_offsets() {
                    let (offset, instance) = instance.map_err(|e| self.parse_error(&e))?;
                    let frame = self.frame()?;
                    frame.shape.core_instances += 1;
                    let result = frame.spaces.core_instance(&instance);
                    self.wired(result, offset)?;
                }
            }
            Payload::ComponentInstanceSection(reader) => {
                for instance in reader.into_iter_with_offsets() {
                    let (offset, instance) = instance.map_err(|e| self.parse_error(&e))?;
                    let frame = self.frame()?;
                    frame.shape.instances += 1;
                    let result = frame.spaces.instance(&instance);
                    self.wired(result, offset)?;
                }
            }
            Payload::ComponentTypeSection(reader) => {
                self.frame()?.spaces.define_types(reader.count());
            }
            Payload::CoreTypeSection(reader) => {
                // A recursion group defines as many types as it holds.
                for ty in reader {
                    let n = match ty.map_err(|e| self.parse_error(&e))? {
                        wasmparser::CoreType::Rec(group) => group.types().len() as u32,
                        wasmparser::CoreType::Module(_) => 1,
                    };
                    self.frame()?.spaces.define_core_types(n);
                }
            }
            Payload::ComponentCanonicalSection(reader) => {
                for func in reader.into_iter_with_offsets() {
                    let (offset, func) = func.map_err(|e| self.parse_error(&e))?;
                    let frame = self.frame()?;
                    frame.shape.canonicals += 1;
                    let result = frame.spaces.canonical(&func);
                    self.wired(result, offset)?;
                }
            }
            Payload::ImportSection(reader) => {
                for import in reader.into_imports() {
                    let import = import.map_err(|e| self.parse_error(&e))?;
                    let frame = self.frame()?;
                    *frame
                        .core_imports
                        .entry(import.module.to_string())
                        .or_insert(0) += 1;
                }
            }
            Payload::ExportSection(reader) => {
                for export in reader {
                    let export = export.map_err(|e| self.parse_error(&e))?;
                    let kind = core_kind(export.kind);
                    self.node_mut()?
                        .exports
                        .push(names::parse_extern(export.name, kind, None));
                }
            }
            Payload::ComponentStartSection { start, range } => {
                let result = self.frame()?.spaces.start(start.func_index);
                self.wired(result, range.start)?;
            }
            Payload::CodeSectionStart { count, .. } => {
                self.node_mut()?.function_bodies = count as u64;
            }
            Payload::CustomSection(reader) => self.custom(reader)?,
            _ => {}
        }
        Ok(())
    }

    /// Turns an unresolvable reference into an error naming the node and offset.
    fn wired(&mut self, result: Result<(), Unresolved>, offset: impl TryInto<u64>) -> Result<()> {
        match result {
            Ok(()) => Ok(()),
            Err(Unresolved(message)) => {
                let path = self.node_mut()?.path.clone();
                Err(Error::Wiring {
                    input: self.input.to_string(),
                    path,
                    offset: offset.try_into().unwrap_or(u64::MAX),
                    message,
                })
            }
        }
    }
}

fn type_ref_kind(ty: &ComponentTypeRef) -> ItemKind {
    match ty {
        ComponentTypeRef::Module(_) => ItemKind::Module,
        ComponentTypeRef::Func(_) => ItemKind::Func,
        ComponentTypeRef::Value(_) => ItemKind::Value,
        ComponentTypeRef::Type(_) => ItemKind::Type,
        ComponentTypeRef::Instance(_) => ItemKind::Instance,
        ComponentTypeRef::Component(_) => ItemKind::Component,
    }
}

fn external_kind(kind: ComponentExternalKind) -> ItemKind {
    match kind {
        ComponentExternalKind::Module => ItemKind::Module,
        ComponentExternalKind::Func => ItemKind::Func,
        ComponentExternalKind::Value => ItemKind::Value,
        ComponentExternalKind::Type => ItemKind::Type,
        ComponentExternalKind::Instance => ItemKind::Instance,
        ComponentExternalKind::Component => ItemKind::Component,
    }
}

fn core_kind(kind: ExternalKind) -> ItemKind {
    match kind {
        ExternalKind::Func => ItemKind::Func,
        ExternalKind::FuncExact => ItemKind::FuncExact,
        ExternalKind::Table => ItemKind::Table,
        ExternalKind::Memory => ItemKind::Memory,
        ExternalKind::Global => ItemKind::Global,
        ExternalKind::Tag => ItemKind::Tag,
    }
}
