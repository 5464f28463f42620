//! What a core module does when it is instantiated, read from its own
//! bytes: its imports and exports with their indices, the definitions that
//! have initial contents (tables, globals), its start function, its active
//! data and element segments, and which function bodies are `wit-component`
//! shim trampolines.
//!
//! This is what the trust rule ([`ModuleInfo::acts`]) and the wiring
//! interpreter ([`super::interp`]) work from: "no function bodies" is not
//! "inert" (an active segment writes into memories and tables other modules
//! import, a start function calls an import), and following
//! `wit-component`'s shim and fixup indirection exactly needs the slot each
//! trampoline calls and the function each element segment puts in each slot.

use wasmparser::{
    ConstExpr, DataKind, ElementItems, ElementKind, ExternalKind, Operator, Payload, TableInit,
    TypeRef,
};

/// Most element segment items kept per module. A segment past this is
/// kept without its items and followed conservatively (see
/// [`ElemSeg::items`]).
const MAX_ELEM_ITEMS: usize = 1 << 20;

/// Largest function body examined as a possible shim trampoline.
const MAX_TRAMPOLINE: u64 = 64;

/// The kind of a core item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CoreKind {
    Func,
    Table,
    Memory,
    Global,
    Tag,
}

impl CoreKind {
    /// The kind of an export or bag item.
    pub fn of(kind: ExternalKind) -> CoreKind {
        match kind {
            ExternalKind::Func | ExternalKind::FuncExact => CoreKind::Func,
            ExternalKind::Table => CoreKind::Table,
            ExternalKind::Memory => CoreKind::Memory,
            ExternalKind::Global => CoreKind::Global,
            ExternalKind::Tag => CoreKind::Tag,
        }
    }

    /// The name used in messages.
    pub fn as_str(self) -> &'static str {
        match self {
            CoreKind::Func => "function",
            CoreKind::Table => "table",
            CoreKind::Memory => "memory",
            CoreKind::Global => "global",
            CoreKind::Tag => "tag",
        }
    }
}

/// One core import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoreImport {
    pub module: String,
    pub name: String,
    pub kind: CoreKind,
}

/// One core export: the item of kind `kind` at `index` of its index space.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoreExport {
    pub name: String,
    pub kind: CoreKind,
    pub index: u32,
}

/// A constant expression, as far as the wiring needs to know it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConstVal {
    /// An integer constant (offsets, numeric initial values).
    Int(i64),
    /// Another numeric constant (floats, vectors).
    Num,
    /// `ref.null`.
    Null,
    /// `ref.func i`.
    RefFunc(u32),
    /// `global.get i` alone.
    GlobalGet(u32),
    /// Anything else (extended constant expressions, GC allocations).
    Other,
}

impl ConstVal {
    fn of(expr: &ConstExpr<'_>) -> ConstVal {
        let mut ops = expr.get_operators_reader();
        let first = match ops.read() {
            Ok(op) => op,
            Err(_) => return ConstVal::Other,
        };
        let value = match first {
            Operator::I32Const { value } => ConstVal::Int(i64::from(value)),
            Operator::I64Const { value } => ConstVal::Int(value),
            Operator::F32Const { .. } | Operator::F64Const { .. } | Operator::V128Const { .. } => {
                ConstVal::Num
            }
            Operator::RefNull { .. } => ConstVal::Null,
            Operator::RefFunc { function_index } => ConstVal::RefFunc(function_index),
            Operator::GlobalGet { global_index } => ConstVal::GlobalGet(global_index),
            _ => return ConstVal::Other,
        };
        match ops.read() {
            Ok(Operator::End) if ops.eof() => value,
            _ => ConstVal::Other,
        }
    }

    /// Whether this initial value is what an uninitialised definition
    /// holds anyway (zero or null): nothing to vouch for.
    pub fn is_default(self) -> bool {
        matches!(self, ConstVal::Int(0) | ConstVal::Null)
    }
}

/// An element segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ElemSeg {
    /// For an active segment: the table it writes into and its offset
    /// (`None` when the offset is not a constant).
    pub active: Option<(u32, Option<i64>)>,
    /// The items (`ref.func`, `ref.null`, ...); `None` when the module has
    /// more than [`MAX_ELEM_ITEMS`] of them, then the segment is followed as
    /// if it could write any function the module can name into any slot.
    pub items: Option<Vec<ConstVal>>,
}

/// What a core module defines, imports, exports and does at instantiation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ModuleInfo {
    /// Imports in order (each kind's imports come first in its index space).
    pub imports: Vec<CoreImport>,
    /// Functions declared by the function section.
    pub defined_funcs: u32,
    /// Function bodies the code section holds (its declared count, which
    /// the parser holds equal to the function section's).
    pub code_entries: u32,
    /// Per function body: `Some((table, slot))` when the body is exactly a
    /// shim trampoline (pass the parameters on, `call_indirect` slot `slot`
    /// of `table`). Read only for modules that may be shims (see
    /// [`ModuleInfo::needs_bodies`]); empty for the others.
    pub trampolines: Vec<Option<(u32, u32)>>,
    /// Defined tables: their initial element (null unless given).
    pub tables: Vec<ConstVal>,
    /// Defined memories.
    pub memories: u32,
    /// Defined globals: their initial values.
    pub globals: Vec<ConstVal>,
    /// Defined tags.
    pub tags: u32,
    pub exports: Vec<CoreExport>,
    /// The start function's index.
    pub start: Option<u32>,
    pub elems: Vec<ElemSeg>,
    /// The memory index of each active data segment.
    pub active_data: Vec<u32>,
    /// Element items kept so far (against [`MAX_ELEM_ITEMS`]).
    kept_items: usize,
}

impl ModuleInfo {
    /// Reads the module in `bytes` (a whole module, preamble included),
    /// whose first byte is at `offset` in the input (for error offsets).
    /// The walker does the same in its one pass ([`ModuleInfo::absorb`]);
    /// unit tests read single modules with this.
    #[cfg(test)]
    pub fn parse(bytes: &[u8], offset: u64) -> Result<ModuleInfo, wasmparser::BinaryReaderError> {
        let mut info = ModuleInfo::default();
        let mut depth = 0u32;
        for payload in wasmparser::Parser::new(offset).parse_all(bytes) {
            let payload = payload?;
            match payload {
                Payload::Version { .. } => depth += 1,
                Payload::End(_) => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        break;
                    }
                }
                _ => info.absorb(&payload)?,
            }
        }
        Ok(info)
    }

    /// Takes in one payload of the module's own (the walker calls this for
    /// every payload of a core module, so the module is read once).
    pub fn absorb(&mut self, payload: &Payload<'_>) -> Result<(), wasmparser::BinaryReaderError> {
        match payload {
            Payload::ImportSection(reader) => {
                for import in reader.clone().into_imports() {
                    let import = import?;
                    let kind = match import.ty {
                        TypeRef::Func(_) | TypeRef::FuncExact(_) => CoreKind::Func,
                        TypeRef::Table(_) => CoreKind::Table,
                        TypeRef::Memory(_) => CoreKind::Memory,
                        TypeRef::Global(_) => CoreKind::Global,
                        TypeRef::Tag(_) => CoreKind::Tag,
                    };
                    self.imports.push(CoreImport {
                        module: import.module.to_string(),
                        name: import.name.to_string(),
                        kind,
                    });
                }
            }
            Payload::FunctionSection(reader) => self.defined_funcs = reader.count(),
            Payload::TableSection(reader) => {
                for table in reader.clone() {
                    self.tables.push(match table?.init {
                        TableInit::RefNull => ConstVal::Null,
                        TableInit::Expr(e) => ConstVal::of(&e),
                    });
                }
            }
            Payload::MemorySection(reader) => self.memories = reader.count(),
            Payload::TagSection(reader) => self.tags = reader.count(),
            Payload::GlobalSection(reader) => {
                for global in reader.clone() {
                    self.globals.push(ConstVal::of(&global?.init_expr));
                }
            }
            Payload::ExportSection(reader) => {
                for export in reader.clone() {
                    let export = export?;
                    self.exports.push(CoreExport {
                        name: export.name.to_string(),
                        kind: CoreKind::of(export.kind),
                        index: export.index,
                    });
                }
            }
            Payload::StartSection { func, .. } => self.start = Some(*func),
            Payload::ElementSection(reader) => {
                for elem in reader.clone() {
                    let elem = elem?;
                    let active = match elem.kind {
                        ElementKind::Active {
                            table_index,
                            offset_expr,
                        } => (
                            table_index.unwrap_or(0),
                            match ConstVal::of(&offset_expr) {
                                ConstVal::Int(v) => Some(v),
                                _ => None,
                            },
                        ),
                        // Passive and declared segments only matter to code
                        // (`table.init`), which needs trust anyway.
                        ElementKind::Passive | ElementKind::Declared => continue,
                    };
                    let count = match &elem.items {
                        ElementItems::Functions(r) => r.count(),
                        ElementItems::Expressions(_, r) => r.count(),
                    } as usize;
                    let items = if self.kept_items.saturating_add(count) > MAX_ELEM_ITEMS {
                        None
                    } else {
                        self.kept_items += count;
                        let mut items = Vec::with_capacity(count);
                        match elem.items {
                            ElementItems::Functions(r) => {
                                for f in r {
                                    items.push(ConstVal::RefFunc(f?));
                                }
                            }
                            ElementItems::Expressions(_, r) => {
                                for e in r {
                                    items.push(ConstVal::of(&e?));
                                }
                            }
                        }
                        Some(items)
                    };
                    self.elems.push(ElemSeg {
                        active: Some(active),
                        items,
                    });
                }
            }
            Payload::DataSection(reader) => {
                for data in reader.clone() {
                    if let DataKind::Active { memory_index, .. } = data?.kind {
                        self.active_data.push(memory_index);
                    }
                }
            }
            Payload::CodeSectionStart { count, .. } => {
                self.code_entries = self.code_entries.saturating_add(*count);
            }
            Payload::CodeSectionEntry(body) => self.trampolines.push(trampoline(body)),
            // Nothing else carries wiring.
            _ => {}
        }
        Ok(())
    }

    /// How many imports of `kind` there are (they come first in its index space).
    pub fn imported(&self, kind: CoreKind) -> u32 {
        self.imports.iter().filter(|i| i.kind == kind).count() as u32
    }

    /// The import that is item `index` of `kind`'s index space, when that
    /// item is imported.
    pub fn import_of(&self, kind: CoreKind, index: u32) -> Option<&CoreImport> {
        self.imports
            .iter()
            .filter(|i| i.kind == kind)
            .nth(index as usize)
    }

    /// What this module does at instantiation or when called, by the trust
    /// rule: each reason makes it need a trusted digest (or a trusted
    /// ancestor). Empty: proven inert, it only passes on what it imports.
    pub fn acts(&self) -> Vec<String> {
        let mut out = Vec::new();
        let plural = |n: usize, one: &str, many: &str| {
            if n == 1 {
                format!("1 {one}")
            } else {
                format!("{n} {many}")
            }
        };
        if self.code_entries != 0 {
            out.push(plural(
                self.code_entries as usize,
                "function body",
                "function bodies",
            ));
        }
        if self.start.is_some() {
            out.push("a start function (runs at instantiation)".into());
        }
        if !self.active_data.is_empty() {
            out.push(format!(
                "{} (written into memory at instantiation)",
                plural(
                    self.active_data.len(),
                    "active data segment",
                    "active data segments"
                )
            ));
        }
        if !self.elems.is_empty() {
            out.push(format!(
                "{} (written into a table at instantiation)",
                plural(
                    self.elems.len(),
                    "active element segment",
                    "active element segments"
                )
            ));
        }
        let tables_imported = self.imported(CoreKind::Table);
        let globals_imported = self.imported(CoreKind::Global);
        for e in &self.exports {
            let init = match e.kind {
                CoreKind::Table => e
                    .index
                    .checked_sub(tables_imported)
                    .and_then(|i| self.tables.get(i as usize)),
                CoreKind::Global => e
                    .index
                    .checked_sub(globals_imported)
                    .and_then(|i| self.globals.get(i as usize)),
                _ => None,
            };
            if init.is_some_and(|v| !v.is_default()) {
                out.push(format!(
                    "exports {} `{}` with initial contents",
                    e.kind.as_str(),
                    e.name
                ));
            }
        }
        out
    }

    /// Whether the walker must read this module's function bodies one by
    /// one, asked when its code section starts. Only a shim's bodies carry
    /// wiring (its trampolines), and every section a shim is judged by
    /// except the data section comes before the code; any other module's
    /// bodies only count (the section's declared count, which makes the
    /// module act: never inert). A section declaring no bodies is read, so
    /// that bytes after its count are still an error.
    pub fn needs_bodies(&self) -> bool {
        self.code_entries == 0 || self.shim_shaped_before_code()
    }

    /// The part of [`ModuleInfo::is_shim_shaped`] that the sections before
    /// the code decide: no imports, one defined table with no initial
    /// contents, no memory, global, tag, start or element segment.
    fn shim_shaped_before_code(&self) -> bool {
        self.imports.is_empty()
            && self.tables.len() == 1
            && self.tables.first() == Some(&ConstVal::Null)
            && self.memories == 0
            && self.globals.is_empty()
            && self.tags == 0
            && self.start.is_none()
            && self.elems.is_empty()
    }

    /// `wit-component`'s shim, by shape: no imports, one defined table with
    /// no initial contents and nothing else defined but functions, each
    /// function body a trampoline into slot *i* of that table, each function
    /// export named by the slot its function calls, and nothing done at
    /// instantiation. Such a module is wiring: calling its export *i* calls
    /// whatever slot *i* holds, and the interpreter follows exactly that.
    pub fn is_shim_shaped(&self) -> bool {
        if !self.shim_shaped_before_code()
            || !self.active_data.is_empty()
            || self.trampolines.is_empty()
            || self.defined_funcs as usize != self.trampolines.len()
            || self.code_entries as usize != self.trampolines.len()
        {
            return false;
        }
        let calls_own_table = self.trampolines.iter().all(|t| matches!(t, Some((0, _))));
        let exports_named_by_slot = self.exports.iter().all(|e| match e.kind {
            CoreKind::Func => {
                matches!(self.trampolines.get(e.index as usize), Some(Some((0, slot))) if e.name == slot.to_string())
            }
            CoreKind::Table => e.index == 0,
            _ => false,
        });
        calls_own_table && exports_named_by_slot
    }

    /// `wit-component`'s fixup, by shape: nothing defined, one imported
    /// table, imported functions, and one active element segment at a
    /// constant offset into that table that puts the function imported as
    /// `"N"` into slot N (so a swapped slot, or a second segment, is not a
    /// fixup). It does nothing but fill the shim's table, which the
    /// interpreter follows exactly.
    pub fn is_fixup_shaped(&self) -> bool {
        if self.defined_funcs != 0
            || self.code_entries != 0
            || !self.tables.is_empty()
            || self.memories != 0
            || !self.globals.is_empty()
            || self.tags != 0
            || self.start.is_some()
            || !self.active_data.is_empty()
            || !self.exports.is_empty()
            || self.elems.len() != 1
            || self.imported(CoreKind::Table) != 1
            || self
                .imports
                .iter()
                .any(|i| !matches!(i.kind, CoreKind::Func | CoreKind::Table))
        {
            return false;
        }
        self.elems.iter().all(|seg| {
            let (Some((0, Some(offset))), Some(items)) = (seg.active, &seg.items) else {
                return false;
            };
            items.iter().enumerate().all(|(j, item)| {
                let ConstVal::RefFunc(f) = item else {
                    return false;
                };
                let slot = offset.checked_add(j as i64);
                match (self.import_of(CoreKind::Func, *f), slot) {
                    (Some(import), Some(slot)) => import.name == slot.to_string(),
                    _ => false,
                }
            })
        })
    }
}

/// `Some((table, slot))` when `body` is exactly a `wit-component` shim
/// trampoline: no locals, `local.get`s, `i32.const slot`, `call_indirect`
/// into `table`, `end`.
fn trampoline(body: &wasmparser::FunctionBody<'_>) -> Option<(u32, u32)> {
    let range = body.range();
    if range.end.saturating_sub(range.start) > MAX_TRAMPOLINE {
        return None;
    }
    if !matches!(body.get_locals_reader().map(|l| l.get_count()), Ok(0)) {
        return None;
    }
    let ops = body.get_operators_reader().ok()?;
    let mut slot = None;
    let mut table = None;
    let mut done = false;
    for op in ops {
        match (op.ok()?, slot, table, done) {
            (Operator::LocalGet { .. }, None, None, false) => {}
            (Operator::I32Const { value }, None, None, false) => {
                slot = Some(u32::try_from(value).ok()?);
            }
            (Operator::CallIndirect { table_index, .. }, Some(_), None, false) => {
                table = Some(table_index);
            }
            (Operator::End, Some(_), Some(_), false) => done = true,
            _ => return None,
        }
    }
    match (done, table, slot) {
        (true, Some(t), Some(s)) => Some((t, s)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(wat: &str) -> ModuleInfo {
        let bytes = wat::parse_str(wat).expect("wat");
        ModuleInfo::parse(&bytes, 0).expect("parse")
    }

    #[test]
    fn a_bodiless_module_with_segments_acts() {
        let m = info(r#"(module (import "a" "m" (memory 1)) (data (i32.const 0) "\ff"))"#);
        assert_eq!(m.active_data, vec![0]);
        assert_eq!(m.acts().len(), 1, "{:?}", m.acts());
        let m = info(
            r#"(module (import "a" "t" (table 2 funcref)) (import "a" "f" (func)) (elem (i32.const 1) func 0))"#,
        );
        assert_eq!(m.elems.len(), 1);
        assert_eq!(m.elems[0].active, Some((0, Some(1))));
        assert_eq!(m.acts().len(), 1);
        let m = info(r#"(module (import "a" "f" (func)) (start 0))"#);
        assert_eq!(m.start, Some(0));
        assert_eq!(m.acts().len(), 1);
        let m = info(r#"(module (global (export "g") i32 (i32.const 1024)))"#);
        assert_eq!(m.acts().len(), 1, "{:?}", m.acts());
        let m = info(r#"(module (global (export "g") i32 (i32.const 0)) (memory (export "m") 1))"#);
        assert!(m.acts().is_empty(), "{:?}", m.acts());
        let m = info(r#"(module (import "a" "f" (func)) (export "g" (func 0)))"#);
        assert!(m.acts().is_empty());
    }

    #[test]
    fn shims_and_fixups_by_shape() {
        let shim = info(
            r#"(module
                 (type (func (param i32)))
                 (table (export "$imports") 2 2 funcref)
                 (func (export "0") (param i32) local.get 0 i32.const 0 call_indirect (type 0))
                 (func (export "1") (param i32) local.get 0 i32.const 1 call_indirect (type 0)))"#,
        );
        assert_eq!(shim.trampolines, vec![Some((0, 0)), Some((0, 1))]);
        assert!(shim.is_shim_shaped());
        // Exports named by another slot than the one called: not a shim.
        let swapped = info(
            r#"(module
                 (type (func (param i32)))
                 (table (export "$imports") 2 2 funcref)
                 (func (export "1") (param i32) local.get 0 i32.const 0 call_indirect (type 0))
                 (func (export "0") (param i32) local.get 0 i32.const 1 call_indirect (type 0)))"#,
        );
        assert!(!swapped.is_shim_shaped());
        let fixup = info(
            r#"(module
                 (import "" "0" (func (param i32)))
                 (import "" "1" (func (param i32)))
                 (import "" "$imports" (table 2 2 funcref))
                 (elem (i32.const 0) func 0 1))"#,
        );
        assert!(fixup.is_fixup_shaped());
        let swapped = info(
            r#"(module
                 (import "" "0" (func (param i32)))
                 (import "" "1" (func (param i32)))
                 (import "" "$imports" (table 2 2 funcref))
                 (elem (i32.const 0) func 1 0))"#,
        );
        assert!(!swapped.is_fixup_shaped());
        let with_data = info(
            r#"(module
                 (import "" "0" (func (param i32)))
                 (import "" "$imports" (table 1 1 funcref))
                 (import "" "m" (memory 1))
                 (elem (i32.const 0) func 0)
                 (data (i32.const 0) "x"))"#,
        );
        assert!(!with_data.is_fixup_shaped());
    }
}
