//! Writes a generated composed component for the benchmarks:
//!
//! ```text
//! cargo run --release --example gen_composed -- OUT.wasm [SIZE_MIB] [--validate]
//! ```
//!
//! The shape follows what `wac`/`wasm-tools compose` produce for a real
//! application, scaled up: a root component holding a few "part"
//! components, each holding a small adapter module and several "leaf"
//! components, each of which holds several core modules (nodes at depths 0
//! to 3). Every module has what a compiled Rust crate has: many function
//! bodies of varied sizes (loops, branches, calls, memory traffic), a
//! table for indirect calls, data segments, a `name` section, `producers`
//! and, in the main module of each leaf, a cargo-auditable `.dep-v0`.
//! Components import a host function, lower it into their modules, lift
//! the modules' entry points and re-export them, so every component also
//! has a WIT world to decode.
//!
//! The output is at least SIZE_MIB MiB (default 100) and the same arguments
//! always give the same bytes. `--validate` runs `wasmparser::Validator`
//! over the result, function bodies included (slow on 100 MiB).
//!
//! The benchmark `benches/walk_hash.rs` includes this file as a module so
//! that there is a single generator.

use std::borrow::Cow;

use wasm_encoder::{
    Alias, BlockType, CanonicalFunctionSection, CodeSection, Component, ComponentAliasSection,
    ComponentExportKind, ComponentExportSection, ComponentImportSection, ComponentInstanceSection,
    ComponentNameSection, ComponentTypeRef, ComponentTypeSection, ConstExpr, CustomSection,
    DataSection, ElementSection, Elements, EntityType, ExportKind, ExportSection, Function,
    FunctionSection, GlobalSection, GlobalType, ImportSection, InstanceSection, InstructionSink,
    MemArg, MemArgTarget, MemorySection, MemoryType, Module, ModuleArg, ModuleSection, NameMap,
    NameSection, NestedComponentSection, PrimitiveValType, ProducersField, ProducersSection,
    RefType, TableSection, TableType, TypeSection, ValType,
};

/// Parts (depth-1 components) under the root.
const PARTS: usize = 4;
/// Leaves (depth-2 components) under each part.
const LEAVES: usize = 4;
/// Core modules per leaf: drawn from this range so leaves differ.
const MODULES_PER_LEAF: std::ops::Range<u64> = 6..11;
/// The host function every component imports and passes down.
const HOST_IMPORT: &str = "host-log";

/// Core type indices, identical in every module so bodies can be generated
/// without looking anything up.
const TY_WORK: u32 = 0; // (i32, i32) -> i32, most functions
const TY_LOG: u32 = 1; // (i32) -> (), the imported host function
const TY_RUN: u32 = 2; // () -> i32, the lifted entry point
const TY_WIDE: u32 = 3; // (i64, i32) -> i64

/// Function index 0 is the imported `env.log`; defined functions follow.
const FN_LOG: u32 = 0;
const FN_RUN: u32 = 1;
const FN_FIRST_BODY: u32 = 2;

/// Addresses are masked into the first page, which always exists.
const ADDR_MASK: i32 = 0xfff8;
/// Data segments start after the stack page.
const DATA_BASE: u32 = 1 << 16;

/// What was generated, for the summary line.
#[derive(Debug, Default, Clone, Copy)]
pub struct Stats {
    pub components: usize,
    pub modules: usize,
    pub functions: usize,
    pub code_bytes: usize,
    pub data_bytes: usize,
}

/// A generated composed component.
pub struct Composed {
    pub bytes: Vec<u8>,
    pub stats: Stats,
}

/// Generates a composed component of at least `target_bytes` bytes.
pub fn generate(target_bytes: usize) -> Composed {
    // The seed depends on nothing but the target, so the output is
    // reproducible and two sizes are not prefixes of each other.
    let mut rng = Rng(0x5eed_0000_0000_0000 ^ target_bytes as u64);
    let mut stats = Stats::default();

    // Module sizes follow a heavy tail (a few interpreters or large
    // crates, many small helpers), normalised so their sum is the target:
    // each module is generated to at least its share, so the whole file
    // ends up a little over the target.
    let mut leaf_modules = Vec::new();
    for _ in 0..PARTS * LEAVES {
        leaf_modules.push(
            MODULES_PER_LEAF.start + rng.below(MODULES_PER_LEAF.end - MODULES_PER_LEAF.start),
        );
    }
    let mut weights = Vec::new();
    for &n in &leaf_modules {
        for _ in 0..n {
            let r = rng.unit();
            weights.push(0.1 + 3.0 * r * r * r * r);
        }
    }
    let total_weight: f64 = weights.iter().sum();
    let mut budgets = weights
        .iter()
        .map(|w| (w / total_weight * target_bytes as f64).ceil() as usize)
        .collect::<Vec<_>>()
        .into_iter();

    let mut root = ComponentBuilder::new("app");
    let mut leaf_index = 0;
    for p in 0..PARTS {
        let mut part = ComponentBuilder::new(&format!("part{p}"));
        let adapter = build_module(
            &ModulePlan {
                name: format!("part{p}_adapter"),
                budget: 4096 + rng.below(8192) as usize,
                dep_v0: false,
            },
            &mut rng,
            &mut stats,
        );
        part.module("adapter", &adapter);
        for l in 0..LEAVES {
            let mut leaf = ComponentBuilder::new(&format!("part{p}-leaf{l}"));
            let n = leaf_modules[leaf_index] as usize;
            leaf_index += 1;
            for m in 0..n {
                let module = build_module(
                    &ModulePlan {
                        name: format!("part{p}_leaf{l}_m{m}"),
                        budget: budgets.next().unwrap_or(0),
                        dep_v0: m == n - 1,
                    },
                    &mut rng,
                    &mut stats,
                );
                leaf.module(&format!("m{m}"), &module);
            }
            let leaf = leaf.finish_leaf(&mut stats);
            part.component(&format!("leaf{l}"), &leaf, &["run".to_string()]);
        }
        let exports: Vec<String> = (0..LEAVES).map(|l| format!("leaf{l}-run")).collect();
        let part = part.finish_inner(&mut stats);
        root.component(&format!("part{p}"), &part, &exports);
    }
    root.metadata();
    let bytes = root.finish_inner(&mut stats).finish();
    assert!(
        bytes.len() >= target_bytes,
        "generated {} bytes, below the target {target_bytes}",
        bytes.len()
    );
    Composed { bytes, stats }
}

/// Builds a component in index order: host import first, then what is
/// nested, then the wiring that instantiates and re-exports it.
struct ComponentBuilder {
    name: String,
    component: Component,
    module_names: NameMap,
    component_names: NameMap,
    modules: u32,
    /// Nested components with the exports to re-export from each.
    children: Vec<(String, Vec<String>)>,
    metadata: bool,
}

impl ComponentBuilder {
    fn new(name: &str) -> Self {
        let mut component = Component::new();
        let mut types = ComponentTypeSection::new();
        types
            .function()
            .params([("msg", PrimitiveValType::U32)])
            .result(None);
        let no_params: [(&str, PrimitiveValType); 0] = [];
        types
            .function()
            .params(no_params)
            .result(Some(PrimitiveValType::U32.into()));
        component.section(&types);
        let mut imports = ComponentImportSection::new();
        imports.import(HOST_IMPORT, ComponentTypeRef::Func(0));
        component.section(&imports);
        Self {
            name: name.to_string(),
            component,
            module_names: NameMap::new(),
            component_names: NameMap::new(),
            modules: 0,
            children: Vec::new(),
            metadata: false,
        }
    }

    fn module(&mut self, name: &str, module: &Module) {
        self.component.section(&ModuleSection(module));
        self.module_names.append(self.modules, name);
        self.modules += 1;
    }

    fn component(&mut self, name: &str, nested: &Component, exports: &[String]) {
        self.component.section(&NestedComponentSection(nested));
        self.component_names
            .append(self.children.len() as u32, name);
        self.children.push((name.to_string(), exports.to_vec()));
    }

    /// Makes `finish_inner` add the wasm-metadata custom sections a
    /// published component carries, which the walker reads.
    fn metadata(&mut self) {
        self.metadata = true;
    }

    /// Lowers the host import into core function 0 and instantiates every
    /// module with it as `env.log`, as a host binding would be wired.
    fn wire_modules(&mut self) {
        let mut canon = CanonicalFunctionSection::new();
        canon.lower(0, []);
        self.component.section(&canon);
        let mut env = InstanceSection::new();
        env.export_items([("log", ExportKind::Func, 0)]);
        for m in 0..self.modules {
            env.instantiate(m, [("env", ModuleArg::Instance(0))]);
        }
        self.component.section(&env);
    }

    fn finish_leaf(mut self, stats: &mut Stats) -> Component {
        self.wire_modules();
        let mut aliases = ComponentAliasSection::new();
        aliases.alias(Alias::CoreInstanceExport {
            instance: self.modules, // the last module: instance 0 is `env`
            kind: ExportKind::Func,
            name: "run",
        });
        self.component.section(&aliases);
        let mut canon = CanonicalFunctionSection::new();
        canon.lift(1, 1, []);
        self.component.section(&canon);
        let mut exports = ComponentExportSection::new();
        exports.export("run", ComponentExportKind::Func, 1, None);
        self.component.section(&exports);
        self.names();
        stats.components += 1;
        self.component
    }

    /// Instantiates every nested component with the host import and
    /// re-exports their functions under prefixed names.
    fn finish_inner(mut self, stats: &mut Stats) -> Component {
        if self.modules > 0 {
            self.wire_modules();
        }
        let mut instances = ComponentInstanceSection::new();
        for c in 0..self.children.len() as u32 {
            instances.instantiate(c, [(HOST_IMPORT, ComponentExportKind::Func, 0)]);
        }
        self.component.section(&instances);
        let mut aliases = ComponentAliasSection::new();
        let mut exports = ComponentExportSection::new();
        let mut func = 1; // 0 is the import
        for (c, (child, names)) in self.children.iter().enumerate() {
            for name in names {
                aliases.alias(Alias::InstanceExport {
                    instance: c as u32,
                    kind: ComponentExportKind::Func,
                    name,
                });
                exports.export(
                    format!("{child}-{name}"),
                    ComponentExportKind::Func,
                    func,
                    None,
                );
                func += 1;
            }
        }
        self.component.section(&aliases);
        self.component.section(&exports);
        self.names();
        if self.metadata {
            for (name, value) in [
                ("authors", "Benchmark Generator <bench@example.invalid>"),
                (
                    "description",
                    "Generated composed component for the walk and hash benchmarks",
                ),
                ("licenses", "Apache-2.0 WITH LLVM-exception"),
                ("version", "0.1.0"),
            ] {
                self.component.section(&CustomSection {
                    name: Cow::Borrowed(name),
                    data: Cow::Borrowed(value.as_bytes()),
                });
            }
        }
        stats.components += 1;
        self.component
    }

    fn names(&mut self) {
        let mut names = ComponentNameSection::new();
        names.component(&self.name);
        if self.modules > 0 {
            names.core_modules(&self.module_names);
        }
        if !self.children.is_empty() {
            names.components(&self.component_names);
        }
        self.component.section(&names);
    }
}

struct ModulePlan {
    name: String,
    /// Bytes of code, data and names to generate at least.
    budget: usize,
    dep_v0: bool,
}

/// Builds one core module of at least `plan.budget` bytes of content.
fn build_module(plan: &ModulePlan, rng: &mut Rng, stats: &mut Stats) -> Module {
    // Rust binaries are typically three quarters code; vary it per module.
    let data_budget = plan.budget * (8 + rng.below(22) as usize) / 100;
    let crate_name = CRATES[rng.below(CRATES.len() as u64) as usize];

    let mut code = CodeSection::new();
    let mut kinds = Vec::new(); // type of each defined function
    let mut fn_names = NameMap::new();
    let mut names_len = 0;
    let mut body = BodyGen::default();

    // `run` calls the first generated function, which always exists.
    let mut run = Function::new([]);
    run.instructions()
        .i32_const(rng.below(1000) as i32)
        .i32_const(7)
        .call(FN_FIRST_BODY)
        .end();
    code.function(&run);
    kinds.push(TY_RUN);
    fn_names.append(FN_RUN, "run");

    while code.byte_len() + names_len + data_budget < plan.budget || kinds.len() < 2 {
        let index = FN_FIRST_BODY + kinds.len() as u32 - 1;
        let ty = if kinds.len() == 1 || rng.chance(85) {
            TY_WORK
        } else {
            TY_WIDE
        };
        let f = body.function(rng, ty, index);
        code.function(&f);
        kinds.push(ty);
        if ty == TY_WORK {
            body.work.push(index);
            if rng.chance(12) {
                body.table.push(index);
            }
        } else {
            body.wide.push(index);
        }
        let name = format!(
            "{crate_name}::{}::{}_{index}",
            MODS[rng.below(MODS.len() as u64) as usize],
            VERBS[rng.below(VERBS.len() as u64) as usize]
        );
        names_len += name.len() + 2;
        fn_names.append(index, &name);
    }

    let (data, data_end, data_len) = data_segments(rng, data_budget);

    let mut types = TypeSection::new();
    types
        .ty()
        .function([ValType::I32, ValType::I32], [ValType::I32]);
    types.ty().function([ValType::I32], []);
    types.ty().function([], [ValType::I32]);
    types
        .ty()
        .function([ValType::I64, ValType::I32], [ValType::I64]);

    let mut imports = ImportSection::new();
    imports.import("env", "log", EntityType::Function(TY_LOG));

    let mut functions = FunctionSection::new();
    for &k in &kinds {
        functions.function(k);
    }

    let mut tables = TableSection::new();
    tables.table(TableType {
        element_type: RefType::FUNCREF,
        table64: false,
        minimum: body.table.len() as u64 + 1,
        maximum: None,
        shared: false,
    });

    let mut memories = MemorySection::new();
    memories.memory(MemoryType {
        minimum: u64::from(data_end.div_ceil(1 << 16)) + 1,
        maximum: None,
        memory64: false,
        shared: false,
        page_size_log2: None,
    });

    let mut globals = GlobalSection::new();
    globals.global(
        GlobalType {
            val_type: ValType::I32,
            mutable: true,
            shared: false,
        },
        &ConstExpr::i32_const(1 << 16),
    );

    let mut exports = ExportSection::new();
    exports.export("memory", ExportKind::Memory, 0);
    exports.export("run", ExportKind::Func, FN_RUN);
    exports.export("__indirect_function_table", ExportKind::Table, 0);
    for (i, &f) in body.work.iter().step_by(97).take(32).enumerate() {
        exports.export(&format!("api_{i}"), ExportKind::Func, f);
    }

    let mut elements = ElementSection::new();
    elements.active(
        Some(0),
        &ConstExpr::i32_const(1),
        Elements::Functions(Cow::Borrowed(&body.table)),
    );

    let mut names = NameSection::new();
    names.module(&plan.name);
    names.functions(&fn_names);

    let mut producers = ProducersSection::new();
    producers.field("language", ProducersField::new().value("Rust", ""));
    producers.field(
        "processed-by",
        ProducersField::new().value("rustc", "1.85.0 (4d91de4e4 2025-02-17)"),
    );

    let mut module = Module::new();
    module
        .section(&types)
        .section(&imports)
        .section(&functions)
        .section(&tables)
        .section(&memories)
        .section(&globals)
        .section(&exports)
        .section(&elements)
        .section(&code)
        .section(&data)
        .section(&names)
        .section(&producers);
    if plan.dep_v0 {
        module.section(&CustomSection {
            name: Cow::Borrowed(".dep-v0"),
            data: Cow::Owned(dep_v0(rng, crate_name)),
        });
    }

    stats.modules += 1;
    stats.functions += kinds.len();
    stats.code_bytes += code.byte_len();
    stats.data_bytes += data_len;
    module
}

/// Data segments of mixed content (strings, tables, zero-heavy blobs), laid
/// out one after another from `DATA_BASE`; returns the section, the end
/// address and the payload length.
fn data_segments(rng: &mut Rng, budget: usize) -> (DataSection, u32, usize) {
    let mut data = DataSection::new();
    let mut at = DATA_BASE;
    let mut len = 0;
    let mut buf = Vec::new();
    while len < budget {
        let size = (64 + rng.below(16 << 10) as usize).min(budget - len).max(1);
        buf.clear();
        match rng.below(3) {
            0 => {
                while buf.len() < size {
                    buf.extend_from_slice(WORDS[rng.below(WORDS.len() as u64) as usize].as_bytes());
                    buf.push(if rng.chance(10) { b'\n' } else { b' ' });
                }
                buf.truncate(size);
            }
            1 => {
                let mut v = rng.below(1 << 20) as u32;
                while buf.len() < size {
                    v = v.wrapping_add(rng.below(256) as u32);
                    buf.extend_from_slice(&v.to_le_bytes());
                }
                buf.truncate(size);
            }
            _ => {
                buf.resize(size, 0);
                for b in buf.iter_mut() {
                    if rng.chance(20) {
                        *b = rng.next() as u8;
                    }
                }
            }
        }
        data.active(0, &ConstExpr::i32_const(at as i32), buf.iter().copied());
        at += (size as u32).next_multiple_of(8);
        len += size;
    }
    (data, at, len)
}

/// A zlib-compressed cargo-auditable dependency list: one root crate and a
/// dependency DAG (edges only point forward, so there are no cycles).
fn dep_v0(rng: &mut Rng, root: &str) -> Vec<u8> {
    let n = 8 + rng.below(24) as usize;
    let mut packages = Vec::new();
    for i in 0..n {
        let deps: Vec<String> = (i + 1..n)
            .filter(|_| rng.chance(if i == 0 { 60 } else { 15 }))
            .map(|d| d.to_string())
            .collect();
        let name = if i == 0 {
            root.to_string()
        } else {
            format!("{}-{}", CRATES[rng.below(CRATES.len() as u64) as usize], i)
        };
        packages.push(format!(
            r#"{{"name":"{name}","version":"{}.{}.{}","source":"{}","dependencies":[{}]{}}}"#,
            rng.below(3),
            rng.below(40),
            rng.below(20),
            if i == 0 { "local" } else { "crates.io" },
            deps.join(","),
            if i == 0 { r#","root":true"# } else { "" }
        ));
    }
    let json = format!(r#"{{"packages":[{}]}}"#, packages.join(","));
    miniz_oxide::deflate::compress_to_vec_zlib(json.as_bytes(), 6)
}

/// Generates function bodies that validate: every statement leaves the
/// operand stack as it found it, every expression pushes one value of the
/// type asked for, and calls only go to functions already generated (or
/// the one being generated), so the call graph looks like a real one.
#[derive(Default)]
struct BodyGen {
    work: Vec<u32>,
    wide: Vec<u32>,
    table: Vec<u32>,
    /// Statements left in the body being generated.
    left: i32,
    /// Local layout of the body being generated.
    i32s: &'static [u32],
    i64s: &'static [u32],
    this: u32,
    this_ty: u32,
}

/// Locals after the parameters, the same for both body types: 3 × i32,
/// 2 × i64, 1 × f64 at indices 2..=7.
const LOCALS: [(u32, ValType); 3] = [(3, ValType::I32), (2, ValType::I64), (1, ValType::F64)];
const F64_LOCAL: u32 = 7;

impl BodyGen {
    fn function(&mut self, rng: &mut Rng, ty: u32, index: u32) -> Function {
        // Most functions are small wrappers, some are medium, a few are
        // huge (state machines, inlined code): sizes span four decades.
        let r = rng.below(100);
        self.left = match r {
            0..=59 => 1 + rng.below(8),
            60..=89 => 8 + rng.below(40),
            90..=98 => 40 + rng.below(200),
            _ => 200 + rng.below(1500),
        } as i32;
        (self.i32s, self.i64s) = if ty == TY_WORK {
            (&[0, 1, 2, 3, 4][..], &[5, 6][..])
        } else {
            (&[1, 2, 3, 4][..], &[0, 5, 6][..])
        };
        self.this = index;
        self.this_ty = ty;
        let mut f = Function::new(LOCALS);
        let mut sink = f.instructions();
        while self.left > 0 {
            self.stmt(rng, &mut sink, 0);
        }
        if ty == TY_WORK {
            self.i32_expr(rng, &mut sink, 3);
        } else {
            self.i64_expr(rng, &mut sink, 3);
        }
        sink.end();
        f
    }

    fn pick(rng: &mut Rng, from: &[u32]) -> u32 {
        from[rng.below(from.len() as u64) as usize]
    }

    fn mem(rng: &mut Rng, align: u32) -> MemArg {
        MemArg {
            offset: rng.below(64) * (1 << align),
            align,
            target: MemArgTarget::Memory(0),
            ordering: None,
        }
    }

    fn stmts(&mut self, rng: &mut Rng, s: &mut InstructionSink<'_>, depth: u32, max: u64) {
        for _ in 0..1 + rng.below(max) {
            if self.left <= 0 {
                break;
            }
            self.stmt(rng, s, depth);
        }
    }

    fn stmt(&mut self, rng: &mut Rng, s: &mut InstructionSink<'_>, depth: u32) {
        self.left -= 1;
        let nest = depth < 4;
        match rng.below(100) {
            0..=27 => {
                self.i32_expr(rng, s, 3);
                s.local_set(Self::pick(rng, self.i32s));
            }
            28..=37 => {
                self.i64_expr(rng, s, 3);
                s.local_set(Self::pick(rng, self.i64s));
            }
            38..=41 => {
                self.f64_expr(rng, s, 2);
                s.local_set(F64_LOCAL);
            }
            42..=51 => {
                self.addr(rng, s);
                if rng.chance(70) {
                    self.i32_expr(rng, s, 2);
                    match rng.below(3) {
                        0 => s.i32_store8(Self::mem(rng, 0)),
                        _ => s.i32_store(Self::mem(rng, 2)),
                    };
                } else {
                    self.i64_expr(rng, s, 2);
                    s.i64_store(Self::mem(rng, 3));
                }
            }
            52..=54 => {
                // Stack pointer bumps, as in every Rust prologue.
                s.global_get(0)
                    .i32_const(-16 * (1 + rng.below(8) as i32))
                    .i32_add()
                    .global_set(0);
            }
            55..=58 => {
                self.i32_expr(rng, s, 2);
                s.call(FN_LOG);
            }
            59..=65 => {
                self.call_work(rng, s, 2);
                s.local_set(Self::pick(rng, self.i32s));
            }
            66..=77 if nest => {
                self.i32_expr(rng, s, 2);
                s.if_(BlockType::Empty);
                self.stmts(rng, s, depth + 1, 6);
                if rng.chance(50) {
                    s.else_();
                    self.stmts(rng, s, depth + 1, 4);
                }
                s.end();
            }
            78..=85 if nest => {
                let counter = Self::pick(rng, &self.i32s[1..]);
                s.block(BlockType::Empty)
                    .loop_(BlockType::Empty)
                    .local_get(counter)
                    .i32_eqz()
                    .br_if(1);
                self.stmts(rng, s, depth + 1, 8);
                s.local_get(counter)
                    .i32_const(1)
                    .i32_sub()
                    .local_set(counter)
                    .br(0)
                    .end()
                    .end();
            }
            86..=90 if nest => {
                // A `match` lowered to br_table.
                let arms = 2 + rng.below(5) as u32;
                for _ in 0..=arms {
                    s.block(BlockType::Empty);
                }
                self.i32_expr(rng, s, 2);
                let targets: Vec<u32> = (0..arms).collect();
                s.br_table(targets, arms);
                for arm in 0..arms {
                    s.end();
                    self.stmts(rng, s, depth + 1, 3);
                    // Leave the whole `match`: the outermost block.
                    s.br(arms - arm - 1);
                }
                s.end();
            }
            91..=94 if !self.table.is_empty() => {
                self.i32_expr(rng, s, 1);
                self.i32_expr(rng, s, 1);
                self.i32_expr(rng, s, 1);
                s.call_indirect(0, TY_WORK);
                s.local_set(Self::pick(rng, self.i32s));
            }
            _ => {
                let l = Self::pick(rng, self.i32s);
                s.local_get(l)
                    .i32_const(rng.below(64) as i32 + 1)
                    .i32_add()
                    .local_set(l);
            }
        }
    }

    /// A call to an earlier work function (or this one, as recursion),
    /// leaving its i32 result.
    fn call_work(&mut self, rng: &mut Rng, s: &mut InstructionSink<'_>, depth: u32) {
        self.i32_expr(rng, s, depth.saturating_sub(1));
        self.i32_expr(rng, s, depth.saturating_sub(1));
        let target = if self.work.is_empty() || (self.this_ty == TY_WORK && rng.chance(3)) {
            if self.this_ty == TY_WORK {
                self.this
            } else {
                // Nothing to call yet: the imported function takes an i32
                // and returns nothing, so stand in with arithmetic.
                s.i32_add();
                return;
            }
        } else {
            // Recent functions are more likely callees: callers and
            // callees of one module sit close together.
            let n = self.work.len() as u64;
            let back = rng.below(n.min(64)).min(rng.below(n));
            self.work[(n - 1 - back) as usize]
        };
        s.call(target);
    }

    fn addr(&mut self, rng: &mut Rng, s: &mut InstructionSink<'_>) {
        self.i32_expr(rng, s, 1);
        s.i32_const(ADDR_MASK).i32_and();
    }

    fn i32_expr(&mut self, rng: &mut Rng, s: &mut InstructionSink<'_>, depth: u32) {
        if depth == 0 || rng.chance(30) {
            match rng.below(10) {
                0..=5 => s.local_get(Self::pick(rng, self.i32s)),
                6..=8 => s.i32_const(rng.const_i32()),
                _ => s.global_get(0),
            };
            return;
        }
        let d = depth - 1;
        match rng.below(12) {
            0..=3 => {
                self.i32_expr(rng, s, d);
                self.i32_expr(rng, s, d);
                match rng.below(8) {
                    0 => s.i32_add(),
                    1 => s.i32_sub(),
                    2 => s.i32_mul(),
                    3 => s.i32_and(),
                    4 => s.i32_or(),
                    5 => s.i32_xor(),
                    6 => s.i32_shl(),
                    _ => s.i32_shr_u(),
                };
            }
            4..=5 => {
                self.addr(rng, s);
                match rng.below(3) {
                    0 => s.i32_load8_u(Self::mem(rng, 0)),
                    1 => s.i32_load16_s(Self::mem(rng, 1)),
                    _ => s.i32_load(Self::mem(rng, 2)),
                };
            }
            6 => {
                self.i32_expr(rng, s, d);
                self.i32_expr(rng, s, d);
                match rng.below(4) {
                    0 => s.i32_lt_s(),
                    1 => s.i32_eq(),
                    2 => s.i32_ne(),
                    _ => s.i32_ge_u(),
                };
            }
            7 => {
                self.i32_expr(rng, s, d);
                s.i32_eqz();
            }
            8 => {
                self.i64_expr(rng, s, d);
                s.i32_wrap_i64();
            }
            9 => self.call_work(rng, s, d),
            10 => {
                self.f64_expr(rng, s, d);
                s.i32_trunc_sat_f64_s();
            }
            _ => {
                self.i32_expr(rng, s, d);
                self.i32_expr(rng, s, d);
                self.i32_expr(rng, s, d);
                s.select();
            }
        }
    }

    fn i64_expr(&mut self, rng: &mut Rng, s: &mut InstructionSink<'_>, depth: u32) {
        if depth == 0 || rng.chance(35) {
            if rng.chance(60) {
                s.local_get(Self::pick(rng, self.i64s));
            } else {
                s.i64_const(rng.next() as i64 >> rng.below(60));
            }
            return;
        }
        let d = depth - 1;
        match rng.below(7) {
            0..=2 => {
                self.i64_expr(rng, s, d);
                self.i64_expr(rng, s, d);
                match rng.below(5) {
                    0 => s.i64_add(),
                    1 => s.i64_mul(),
                    2 => s.i64_xor(),
                    3 => s.i64_rotl(),
                    _ => s.i64_shr_u(),
                };
            }
            3 => {
                self.i32_expr(rng, s, d);
                s.i64_extend_i32_u();
            }
            4 => {
                self.addr(rng, s);
                s.i64_load(Self::mem(rng, 3));
            }
            5 if !self.wide.is_empty() => {
                self.i64_expr(rng, s, d);
                self.i32_expr(rng, s, d);
                s.call(Self::pick(rng, &self.wide));
            }
            _ => {
                self.i32_expr(rng, s, d);
                s.i64_extend_i32_s();
            }
        }
    }

    fn f64_expr(&mut self, rng: &mut Rng, s: &mut InstructionSink<'_>, depth: u32) {
        if depth == 0 || rng.chance(40) {
            if rng.chance(50) {
                s.local_get(F64_LOCAL);
            } else {
                s.f64_const((rng.below(1 << 20) as f64 / 64.0).into());
            }
            return;
        }
        let d = depth - 1;
        match rng.below(3) {
            0 => {
                self.f64_expr(rng, s, d);
                self.f64_expr(rng, s, d);
                s.f64_mul();
            }
            1 => {
                self.f64_expr(rng, s, d);
                self.f64_expr(rng, s, d);
                s.f64_add();
            }
            _ => {
                self.i32_expr(rng, s, d);
                s.f64_convert_i32_s();
            }
        }
    }
}

/// SplitMix64: tiny, fast, and fixed forever, unlike a dependency's
/// default generator, so the bytes never change between builds.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform below `n` (the modulo bias is irrelevant here).
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Constants as compilers emit them: mostly small, some offsets and
    /// masks, a few full-width, so LEB128 lengths vary.
    fn const_i32(&mut self) -> i32 {
        match self.below(10) {
            0..=5 => self.below(64) as i32,
            6..=8 => self.below(1 << 16) as i32 - (1 << 15),
            _ => self.next() as i32,
        }
    }
}

const CRATES: &[&str] = &[
    "core",
    "alloc",
    "std",
    "serde",
    "serde_json",
    "hashbrown",
    "regex",
    "wit_bindgen",
    "http",
    "url",
    "bytes",
    "tokio",
    "futures",
    "tracing",
    "log",
    "anyhow",
    "chrono",
    "uuid",
    "base64",
    "rand",
    "sha2",
    "ring",
    "rustls",
    "hyper",
    "prost",
    "image",
    "miniz_oxide",
    "smallvec",
];
const MODS: &[&str] = &[
    "fmt", "io", "vec", "str", "parse", "de", "ser", "codec", "buf", "sync", "task", "net",
    "error", "iter", "map", "raw", "util", "impls", "inner", "imp",
];
const VERBS: &[&str] = &[
    "new", "from", "into", "read", "write", "poll", "next", "drop", "clone", "fmt", "parse",
    "push", "insert", "get", "remove", "encode", "decode", "flush", "call", "visit",
];
const WORDS: &[&str] = &[
    "error",
    "invalid",
    "unexpected",
    "end",
    "of",
    "input",
    "while",
    "parsing",
    "value",
    "at",
    "line",
    "column",
    "called",
    "Option::unwrap()",
    "on",
    "a",
    "None",
    "index",
    "out",
    "bounds",
    "the",
    "len",
    "is",
    "but",
    "capacity",
    "overflow",
    "src/lib.rs",
    "assertion",
    "failed",
    "content-type",
    "application/json",
    "GET",
    "POST",
    "HTTP/1.1",
    "utf-8",
    "{}",
    "true",
    "false",
    "null",
];

fn main() {
    let mut out = None;
    let mut size_mib = 100.0;
    let mut validate = false;
    for arg in std::env::args().skip(1) {
        if arg == "--validate" {
            validate = true;
        } else if arg == "-h" || arg == "--help" {
            println!("usage: gen_composed OUT.wasm [SIZE_MIB] [--validate]");
            return;
        } else if out.is_none() {
            out = Some(arg);
        } else {
            size_mib = match arg.parse::<f64>() {
                Ok(v) if v > 0.0 => v,
                _ => fail(&format!("SIZE_MIB must be a positive number, not `{arg}`")),
            };
        }
    }
    let Some(out) = out else {
        fail("usage: gen_composed OUT.wasm [SIZE_MIB] [--validate]");
    };
    let target = (size_mib * (1 << 20) as f64).ceil() as usize;
    let start = std::time::Instant::now();
    let Composed { bytes, stats } = generate(target);
    eprintln!(
        "generated {} bytes ({:.1} MiB) in {:.2?}: {} components, {} modules, {} functions, {:.1} MiB code, {:.1} MiB data",
        bytes.len(),
        bytes.len() as f64 / (1 << 20) as f64,
        start.elapsed(),
        stats.components,
        stats.modules,
        stats.functions,
        stats.code_bytes as f64 / (1 << 20) as f64,
        stats.data_bytes as f64 / (1 << 20) as f64,
    );
    if validate {
        let start = std::time::Instant::now();
        if let Err(e) = wasmparser::Validator::new().validate_all(&bytes) {
            fail(&format!("the generated component does not validate: {e}"));
        }
        eprintln!("validated in {:.2?}", start.elapsed());
    }
    if let Err(e) = std::fs::write(&out, &bytes) {
        fail(&format!("cannot write {out}: {e}"));
    }
}

fn fail(message: &str) -> ! {
    eprintln!("gen_composed: {message}");
    std::process::exit(2)
}
