//! The wiring interpreter: instantiates the root as the Component Model's
//! instantiation does, on symbolic values, and records what happens.
//!
//! Values are interned terms ([`Term`]): a root import, an export of a
//! host-supplied thing, a component or core instance, a bag of items, a
//! component or module *definition* (so modules and components travel as
//! values through instantiation arguments, imports of nested components,
//! instance exports, aliases and re-exports), a lifted or lowered function,
//! a core function of a module instance, a table, memory or global.
//! Every component instantiation gets its own frame with the definitions
//! of its component evaluated in binary order; an instantiation with the
//! same definition and the same arguments as an earlier one is that one
//! (memoised). Core tables are objects: element segments write into slots,
//! and a `wit-component` shim's trampoline calls whatever its slot holds
//! once everything is instantiated (flow-insensitive: a slot holds every
//! function ever written into it).
//!
//! There is no recursion on input-controlled structure (frames are an
//! explicit stack, the capability fixed point a worklist), and every step
//! is charged to a work budget (`--max-wiring-work`): no input makes the
//! resolution run away.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::rc::Rc;

use wasmparser::{ComponentExternalKind, ExternalKind};

use super::module::{ConstVal, CoreKind, ModuleInfo};
use super::{CoreFunc, CoreInstanceDef, InstanceDef, Origin, Space, Spaces};
use crate::model::capability::{Binding, Capability};
use crate::model::wiring::{ImportedCode, InstanceInfo, Provider, Satisfy, Wiring};
use crate::model::{Class, Node, NodeKind};

type TermId = u32;
type Name = Rc<str>;

/// No frame (the root's environment).
const NO_FRAME: u32 = u32::MAX;
/// The empty hop list.
const EMPTY_HOPS: u32 = 0;

/// Why the resolution stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stop {
    /// The work budget ran out.
    Budget,
    /// A component instantiates itself (only invalid binaries do).
    Recursive { node: usize },
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Term {
    /// Nothing that carries wiring: types, values, built-ins, and what
    /// invalid references lead to.
    Opaque,
    /// Root import number `k`.
    Host(u32),
    /// Export `name` of a host-supplied thing (a root import or an instance
    /// of host-supplied code).
    HostExport(TermId, Name),
    /// An instance of host-supplied code (an imported module or component).
    HostCode(TermId),
    /// A value bound to an import (hop: node and import name).
    Hop(TermId, u32),
    /// A component instance: its frame.
    Inst(u32),
    /// A component-level bag of items (`FromExports`).
    Bag(Rc<[(Name, TermId)]>),
    /// A component definition and the frame it was defined in (for outer aliases).
    CompDef {
        node: u32,
        env: u32,
    },
    /// A core module definition.
    ModDef(u32),
    Lifted(TermId),
    Lowered(TermId),
    /// A core instance.
    CoreInst(u32),
    /// A core bag of items.
    CoreBag(Rc<[(Name, TermId)]>),
    /// Function `index` of a core instance's function space (a defined one).
    Func {
        inst: u32,
        index: u32,
    },
    /// Any function a core instance defines (a segment too large to follow).
    AnyFunc(u32),
    Table(u32),
    Memory(u32),
    Global(u32),
}

/// One provider atom: a node, or whatever a table slot holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum PAtom {
    Node(u32),
    Slot(u32, u32),
}

type PSet = Rc<BTreeSet<PAtom>>;

/// Who hands over a value, as seen from the component evaluating it: the
/// whole value's providers, and per export for bags and shim instances.
#[derive(Debug, Clone, Default)]
struct Prov {
    all: PSet,
    per: Option<Rc<BTreeMap<Name, Prov>>>,
}

impl Prov {
    fn node(n: usize) -> Prov {
        Prov {
            all: Rc::new(BTreeSet::from([PAtom::Node(n as u32)])),
            per: None,
        }
    }

    fn export(&self, name: &str) -> Prov {
        match &self.per {
            Some(per) => per.get(name).cloned().unwrap_or_default(),
            None => self.clone(),
        }
    }
}

#[derive(Debug, Clone)]
struct Slot {
    term: TermId,
    prov: Prov,
}

struct Frame {
    node: usize,
    env: u32,
    args: BTreeMap<Name, TermId>,
    slots: [Vec<Slot>; 10],
    cursor: usize,
    exports: BTreeMap<Name, TermId>,
    key: Option<Key>,
}

fn space_index(s: Space) -> usize {
    match s {
        Space::Func => 0,
        Space::Instance => 1,
        Space::Component => 2,
        Space::Module => 3,
        Space::CoreFunc => 4,
        Space::CoreInstance => 5,
        Space::CoreTable => 6,
        Space::CoreMemory => 7,
        Space::CoreGlobal => 8,
        Space::CoreTag => 9,
    }
}

type Key = (TermId, Vec<(Name, TermId)>);

struct CoreInstObj {
    module: Option<usize>,
    /// A `wit-component` shim: its trampolines are followed into its table.
    shim: bool,
    exports: BTreeMap<Name, TermId>,
    tables: Vec<TermId>,
    imported_funcs: u32,
}

#[derive(Default)]
struct TableObj {
    owner: u32,
    slots: BTreeMap<u32, Vec<(TermId, PSet)>>,
    any: Vec<(TermId, PSet)>,
}

pub(super) struct Interp<'a> {
    nodes: &'a [Node],
    spaces: &'a [Option<Spaces>],
    modules: &'a [Option<ModuleInfo>],
    budget: u64,
    used: u64,
    terms: Vec<Term>,
    term_ids: HashMap<Term, TermId>,
    hops: Vec<(usize, Name)>,
    hop_ids: HashMap<(usize, Name), u32>,
    frames: Vec<Frame>,
    memo: HashMap<Key, Option<u32>>,
    core_insts: Vec<CoreInstObj>,
    tables: Vec<TableObj>,
    globals: Vec<Option<TermId>>,
    memories: u32,
    instantiated: Vec<bool>,
    sites: BTreeMap<(usize, bool, u32), BTreeSet<usize>>,
    satisfies: BTreeSet<(PSet, usize, Name)>,
    /// Reach queries: node, bound term, a last hop to add (core imports).
    bindings: Vec<(usize, TermId, Option<u32>)>,
    imported_code: BTreeSet<ImportedCode>,
    acts: Vec<BTreeSet<String>>,
    /// `Prov` of each node, made once (most slots have one).
    node_provs: HashMap<usize, Prov>,
}

enum Step {
    Continue,
    Done,
    Push(u32),
}

impl<'a> Interp<'a> {
    pub(super) fn new(
        nodes: &'a [Node],
        spaces: &'a [Option<Spaces>],
        modules: &'a [Option<ModuleInfo>],
        budget: u64,
    ) -> Self {
        let mut me = Interp {
            nodes,
            spaces,
            modules,
            budget,
            used: 0,
            terms: Vec::new(),
            term_ids: HashMap::new(),
            hops: Vec::new(),
            hop_ids: HashMap::new(),
            frames: Vec::new(),
            memo: HashMap::new(),
            core_insts: Vec::new(),
            tables: Vec::new(),
            globals: Vec::new(),
            memories: 0,
            instantiated: vec![false; nodes.len()],
            sites: BTreeMap::new(),
            satisfies: BTreeSet::new(),
            bindings: Vec::new(),
            imported_code: BTreeSet::new(),
            acts: vec![BTreeSet::new(); nodes.len()],
            node_provs: HashMap::new(),
        };
        // Term 0 is `Opaque` (what a missing item defaults to); hop 0 is
        // a placeholder, so that hop-list 0 can be the empty list.
        me.terms.push(Term::Opaque);
        me.term_ids.insert(Term::Opaque, 0);
        me.hops.push((usize::MAX, Rc::from("")));
        me
    }

    /// The provider set of node `n` alone.
    fn prov_node(&mut self, n: usize) -> Prov {
        self.node_provs
            .entry(n)
            .or_insert_with(|| Prov::node(n))
            .clone()
    }

    fn charge(&mut self, n: u64) -> Result<(), Stop> {
        self.used = self.used.saturating_add(n);
        if self.used > self.budget {
            Err(Stop::Budget)
        } else {
            Ok(())
        }
    }

    fn intern(&mut self, t: Term) -> Result<TermId, Stop> {
        let next = self.terms.len() as TermId;
        match self.term_ids.entry(t) {
            std::collections::hash_map::Entry::Occupied(e) => Ok(*e.get()),
            std::collections::hash_map::Entry::Vacant(e) => {
                self.terms.push(e.key().clone());
                e.insert(next);
                self.charge(1)?;
                Ok(next)
            }
        }
    }

    fn term(&self, id: TermId) -> &Term {
        self.terms.get(id as usize).unwrap_or(&Term::Opaque)
    }

    fn opaque(&mut self) -> Result<TermId, Stop> {
        self.intern(Term::Opaque)
    }

    fn hop(&mut self, node: usize, import: &str) -> u32 {
        let key = (node, Name::from(import));
        if let Some(&h) = self.hop_ids.get(&key) {
            return h;
        }
        let h = self.hops.len() as u32;
        self.hops.push(key.clone());
        self.hop_ids.insert(key, h);
        h
    }

    /// The term under any hops, and the hops (outermost last).
    fn strip(&self, mut t: TermId) -> (TermId, Vec<u32>) {
        let mut hops = Vec::new();
        while let Term::Hop(inner, h) = self.term(t) {
            hops.push(*h);
            t = *inner;
        }
        hops.reverse();
        (t, hops)
    }

    fn wrap(&mut self, mut t: TermId, hops: &[u32]) -> Result<TermId, Stop> {
        for &h in hops {
            t = self.intern(Term::Hop(t, h))?;
        }
        Ok(t)
    }

    /// Export `name` of the instance (or bag, or host thing) `t`.
    fn export_of(&mut self, t: TermId, name: &str) -> Result<TermId, Stop> {
        let (base, hops) = self.strip(t);
        let found = match self.term(base).clone() {
            Term::Host(_) | Term::HostExport(..) | Term::HostCode(_) => {
                self.intern(Term::HostExport(base, Name::from(name)))?
            }
            Term::Inst(f) => match self
                .frames
                .get(f as usize)
                .and_then(|fr| fr.exports.get(name))
            {
                Some(&x) => x,
                None => self.opaque()?,
            },
            Term::CoreInst(i) => {
                match self
                    .core_insts
                    .get(i as usize)
                    .and_then(|ci| ci.exports.get(name))
                {
                    Some(&x) => x,
                    None => self.opaque()?,
                }
            }
            Term::Bag(items) | Term::CoreBag(items) => {
                match items.iter().find(|(n, _)| &**n == name) {
                    Some((_, x)) => *x,
                    None => self.opaque()?,
                }
            }
            _ => self.opaque()?,
        };
        self.wrap(found, &hops)
    }

    /// The root import a host-supplied value comes from.
    fn host_import(&self, t: TermId) -> Option<u32> {
        let mut t = t;
        for _ in 0..self.terms.len() + 1 {
            match self.term(t) {
                Term::Host(k) => return Some(*k),
                Term::Hop(x, _) | Term::HostExport(x, _) | Term::HostCode(x) => t = *x,
                _ => return None,
            }
        }
        None
    }

    fn slot(&self, f: u32, space: Space, index: u32) -> Option<Slot> {
        self.frames
            .get(f as usize)
            .and_then(|fr| fr.slots.get(space_index(space)))
            .and_then(|s| s.get(index as usize))
            .cloned()
    }

    fn slot_or_opaque(&mut self, f: u32, space: Space, index: u32) -> Result<Slot, Stop> {
        match self.slot(f, space, index) {
            Some(s) => Ok(s),
            None => Ok(Slot {
                term: self.opaque()?,
                prov: Prov::default(),
            }),
        }
    }

    fn node_of_frame(&self, f: u32) -> usize {
        self.frames.get(f as usize).map_or(0, |fr| fr.node)
    }

    fn import_slot(&mut self, f: u32, name: &str) -> Result<Slot, Stop> {
        let term = match self.frames.get(f as usize).and_then(|fr| fr.args.get(name)) {
            Some(&t) => t,
            None => self.opaque()?,
        };
        Ok(Slot {
            term,
            prov: self.prov_node(self.node_of_frame(f)),
        })
    }

    fn exported_slot(&mut self, inst: Slot, name: &str) -> Result<Slot, Stop> {
        Ok(Slot {
            term: self.export_of(inst.term, name)?,
            prov: inst.prov.export(name),
        })
    }

    /// A component-level item (argument or bag item) of frame `f`.
    fn item(&mut self, f: u32, kind: ComponentExternalKind, index: u32) -> Result<Slot, Stop> {
        let space = match kind {
            ComponentExternalKind::Func => Space::Func,
            ComponentExternalKind::Instance => Space::Instance,
            ComponentExternalKind::Component => Space::Component,
            ComponentExternalKind::Module => Space::Module,
            ComponentExternalKind::Type | ComponentExternalKind::Value => {
                return Ok(Slot {
                    term: self.opaque()?,
                    prov: Prov::default(),
                })
            }
        };
        self.slot_or_opaque(f, space, index)
    }

    fn core_item(&mut self, f: u32, kind: ExternalKind, index: u32) -> Result<Slot, Stop> {
        let space = match CoreKind::of(kind) {
            CoreKind::Func => Space::CoreFunc,
            CoreKind::Table => Space::CoreTable,
            CoreKind::Memory => Space::CoreMemory,
            CoreKind::Global => Space::CoreGlobal,
            CoreKind::Tag => Space::CoreTag,
        };
        self.slot_or_opaque(f, space, index)
    }

    /// A bag of named items with their providers.
    fn bag(&mut self, items: Vec<(Name, Slot)>, core: bool) -> Result<Slot, Stop> {
        self.charge(items.len() as u64)?;
        let mut all = BTreeSet::new();
        let mut per = BTreeMap::new();
        let mut terms = Vec::with_capacity(items.len());
        for (name, s) in items {
            all.extend(s.prov.all.iter().copied());
            terms.push((name.clone(), s.term));
            per.entry(name).or_insert(s.prov);
        }
        self.charge(all.len() as u64)?;
        let items: Rc<[(Name, TermId)]> = terms.into();
        let term = self.intern(if core {
            Term::CoreBag(items)
        } else {
            Term::Bag(items)
        })?;
        Ok(Slot {
            term,
            prov: Prov {
                all: Rc::new(all),
                per: Some(Rc::new(per)),
            },
        })
    }

    /// Runs the instantiation of the root.
    pub(super) fn run(&mut self) -> Result<(), Stop> {
        let Some(root) = self.nodes.first() else {
            return Ok(());
        };
        if let Some(flag) = self.instantiated.get_mut(0) {
            *flag = true;
        }
        if root.kind != NodeKind::Component {
            return Ok(());
        }
        let mut args = BTreeMap::new();
        for (k, import) in root.imports.iter().enumerate() {
            let host = self.intern(Term::Host(k as u32))?;
            let h = self.hop(0, &import.name);
            let t = self.intern(Term::Hop(host, h))?;
            args.entry(Name::from(import.name.as_str())).or_insert(t);
            self.bindings.push((0, t, None));
        }
        let f = self.new_frame(0, NO_FRAME, args, None)?;
        let mut stack = vec![f];
        while let Some(&f) = stack.last() {
            match self.step(f)? {
                Step::Continue => {}
                Step::Done => {
                    stack.pop();
                    self.finish(f)?;
                }
                Step::Push(child) => {
                    self.charge(1)?;
                    stack.push(child);
                }
            }
        }
        Ok(())
    }

    fn new_frame(
        &mut self,
        node: usize,
        env: u32,
        args: BTreeMap<Name, TermId>,
        key: Option<Key>,
    ) -> Result<u32, Stop> {
        self.charge(1 + args.len() as u64)?;
        let id = self.frames.len() as u32;
        self.frames.push(Frame {
            node,
            env,
            args,
            slots: Default::default(),
            cursor: 0,
            exports: BTreeMap::new(),
            key,
        });
        Ok(id)
    }

    /// A frame has evaluated every definition: its exports, and the memo.
    fn finish(&mut self, f: u32) -> Result<(), Stop> {
        let node = self.node_of_frame(f);
        let exports: Vec<(String, ComponentExternalKind, u32)> = self
            .spaces
            .get(node)
            .and_then(Option::as_ref)
            .map(|sp| {
                sp.exports
                    .iter()
                    .map(|e| (e.name.clone(), e.kind, e.index))
                    .collect()
            })
            .unwrap_or_default();
        let mut map = BTreeMap::new();
        for (name, kind, index) in exports {
            let s = self.item(f, kind, index)?;
            map.entry(Name::from(name.as_str())).or_insert(s.term);
        }
        self.charge(map.len() as u64)?;
        let key = match self.frames.get_mut(f as usize) {
            Some(fr) => {
                fr.exports = map;
                fr.key.take()
            }
            None => None,
        };
        if let Some(key) = key {
            self.memo.insert(key, Some(f));
        }
        Ok(())
    }

    fn push_slot(&mut self, f: u32, space: Space, slot: Slot) {
        if let Some(fr) = self.frames.get_mut(f as usize) {
            if let Some(v) = fr.slots.get_mut(space_index(space)) {
                v.push(slot);
            }
            fr.cursor += 1;
        }
    }

    /// Evaluates the next definition of frame `f`.
    fn step(&mut self, f: u32) -> Result<Step, Stop> {
        self.charge(1)?;
        let spaces = self.spaces;
        let (node, cursor) = match self.frames.get(f as usize) {
            Some(fr) => (fr.node, fr.cursor),
            None => return Ok(Step::Done),
        };
        let Some(sp) = spaces.get(node).and_then(Option::as_ref) else {
            return Ok(Step::Done);
        };
        let Some(&space) = sp.order.get(cursor) else {
            return Ok(Step::Done);
        };
        let index = self
            .frames
            .get(f as usize)
            .and_then(|fr| fr.slots.get(space_index(space)))
            .map_or(0, |v| v.len());
        let slot = match space {
            Space::Func => match sp.funcs.get(index) {
                Some(Origin::Import(name)) => self.import_slot(f, name)?,
                Some(Origin::InstanceExport { instance, name }) => {
                    let inst = self.slot_or_opaque(f, Space::Instance, *instance)?;
                    self.exported_slot(inst, name)?
                }
                Some(Origin::Lifted { core_func }) => {
                    let core = self.slot_or_opaque(f, Space::CoreFunc, *core_func)?;
                    Slot {
                        term: self.intern(Term::Lifted(core.term))?,
                        prov: core.prov,
                    }
                }
                _ => Slot {
                    term: self.opaque()?,
                    prov: Prov::default(),
                },
            },
            Space::Component | Space::Module => {
                let component = space == Space::Component;
                let list = if component {
                    &sp.components
                } else {
                    &sp.modules
                };
                match list.get(index) {
                    Some(Origin::Defined(n)) => Slot {
                        term: self.intern(if component {
                            Term::CompDef {
                                node: *n as u32,
                                env: f,
                            }
                        } else {
                            Term::ModDef(*n as u32)
                        })?,
                        prov: self.prov_node(*n),
                    },
                    Some(Origin::Import(name)) => self.import_slot(f, name)?,
                    Some(Origin::InstanceExport { instance, name }) => {
                        let inst = self.slot_or_opaque(f, Space::Instance, *instance)?;
                        self.exported_slot(inst, name)?
                    }
                    Some(Origin::Outer { count, index, .. }) => {
                        self.outer(f, space, *count, *index)?
                    }
                    _ => Slot {
                        term: self.opaque()?,
                        prov: Prov::default(),
                    },
                }
            }
            Space::Instance => match sp.instances.get(index) {
                Some(InstanceDef::Import(name)) => self.import_slot(f, name)?,
                Some(InstanceDef::Instantiate { component, args }) => {
                    match self.instantiate(f, index as u32, *component, args)? {
                        Ok(slot) => slot,
                        Err(child) => return Ok(Step::Push(child)),
                    }
                }
                Some(InstanceDef::FromExports(items)) => {
                    let mut out = Vec::with_capacity(items.len());
                    for a in items {
                        out.push((Name::from(a.name.as_str()), self.item(f, a.kind, a.index)?));
                    }
                    self.bag(out, false)?
                }
                Some(InstanceDef::Alias { instance, name }) => {
                    let inst = self.slot_or_opaque(f, Space::Instance, *instance)?;
                    self.exported_slot(inst, name)?
                }
                Some(InstanceDef::Same(k)) => self.slot_or_opaque(f, Space::Instance, *k)?,
                None => Slot {
                    term: self.opaque()?,
                    prov: Prov::default(),
                },
            },
            Space::CoreFunc => match sp.core_funcs.get(index) {
                Some(CoreFunc::Lowered { func }) => {
                    let s = self.slot_or_opaque(f, Space::Func, *func)?;
                    Slot {
                        term: self.intern(Term::Lowered(s.term))?,
                        prov: s.prov,
                    }
                }
                Some(CoreFunc::InstanceExport { instance, name }) => {
                    let inst = self.slot_or_opaque(f, Space::CoreInstance, *instance)?;
                    self.exported_slot(inst, name)?
                }
                Some(CoreFunc::Builtin) | None => Slot {
                    term: self.opaque()?,
                    prov: Prov::default(),
                },
            },
            Space::CoreInstance => match sp.core_instances.get(index) {
                Some(CoreInstanceDef::Instantiate { module, args }) => {
                    self.instantiate_module(f, index as u32, *module, args)?
                }
                Some(CoreInstanceDef::FromExports(items)) => {
                    let mut out = Vec::with_capacity(items.len());
                    for a in items {
                        out.push((
                            Name::from(a.name.as_str()),
                            self.core_item(f, a.kind, a.index)?,
                        ));
                    }
                    self.bag(out, true)?
                }
                None => Slot {
                    term: self.opaque()?,
                    prov: Prov::default(),
                },
            },
            Space::CoreTable | Space::CoreMemory | Space::CoreGlobal | Space::CoreTag => {
                let list = match space {
                    Space::CoreTable => &sp.core_tables,
                    Space::CoreMemory => &sp.core_memories,
                    Space::CoreGlobal => &sp.core_globals,
                    _ => &sp.core_tags,
                };
                match list.get(index) {
                    Some(alias) => {
                        let inst = self.slot_or_opaque(f, Space::CoreInstance, alias.instance)?;
                        self.exported_slot(inst, &alias.name)?
                    }
                    None => Slot {
                        term: self.opaque()?,
                        prov: Prov::default(),
                    },
                }
            }
        };
        self.push_slot(f, space, slot);
        Ok(Step::Continue)
    }

    /// An outer alias of a component or module: item `index` of the frame
    /// `count` definitions out.
    fn outer(&mut self, f: u32, space: Space, count: u32, index: u32) -> Result<Slot, Stop> {
        let mut g = f;
        for _ in 0..count {
            g = self.frames.get(g as usize).map_or(NO_FRAME, |fr| fr.env);
            if g == NO_FRAME {
                break;
            }
        }
        let slot = if g == NO_FRAME {
            None
        } else {
            self.slot(g, space, index)
        };
        match slot {
            Some(s) => {
                let prov = match self.term(s.term) {
                    Term::CompDef { node, .. } | Term::ModDef(node) => {
                        let n = *node as usize;
                        self.prov_node(n)
                    }
                    _ => self.prov_node(self.node_of_frame(f)),
                };
                Ok(Slot { term: s.term, prov })
            }
            None => Ok(Slot {
                term: self.opaque()?,
                prov: Prov::default(),
            }),
        }
    }

    fn record_site(&mut self, p: usize, core: bool, index: u32, target: Option<usize>) {
        let targets = self.sites.entry((p, core, index)).or_default();
        if let Some(t) = target {
            targets.insert(t);
            if let Some(flag) = self.instantiated.get_mut(t) {
                *flag = true;
            }
        }
    }

    fn imported_code(&mut self, p: usize, core: bool, index: u32, code: TermId) {
        let import = self
            .host_import(code)
            .and_then(|k| self.nodes.first().and_then(|r| r.imports.get(k as usize)))
            .map(|i| i.name.clone())
            .unwrap_or_default();
        self.imported_code.insert(ImportedCode {
            parent: p,
            index,
            core,
            import,
        });
    }

    /// A component instantiation: `Ok(slot)` when done, `Err(frame)` when
    /// a new frame must run first.
    fn instantiate(
        &mut self,
        f: u32,
        index: u32,
        component: u32,
        args: &[super::Arg],
    ) -> Result<Result<Slot, u32>, Stop> {
        let p = self.node_of_frame(f);
        let c = self.slot_or_opaque(f, Space::Component, component)?;
        let mut evaluated = Vec::with_capacity(args.len());
        for a in args {
            evaluated.push((Name::from(a.name.as_str()), self.item(f, a.kind, a.index)?));
        }
        self.charge(evaluated.len() as u64)?;
        let (base, _) = self.strip(c.term);
        match self.term(base).clone() {
            Term::CompDef { node, env } => {
                let n = node as usize;
                let mut key_args: Vec<(Name, TermId)> = evaluated
                    .iter()
                    .map(|(name, s)| (name.clone(), s.term))
                    .collect();
                key_args.sort();
                key_args.dedup_by(|a, b| a.0 == b.0);
                let key: Key = (base, key_args);
                match self.memo.get(&key) {
                    Some(Some(child)) => {
                        let child = *child;
                        self.record_site(p, false, index, Some(n));
                        for (name, s) in &evaluated {
                            self.satisfies.insert((s.prov.all.clone(), n, name.clone()));
                        }
                        let term = self.intern(Term::Inst(child))?;
                        Ok(Ok(Slot {
                            term,
                            prov: self.prov_node(n),
                        }))
                    }
                    Some(None) => Err(Stop::Recursive { node: n }),
                    None => {
                        self.memo.insert(key.clone(), None);
                        let mut bound = BTreeMap::new();
                        for (name, s) in &evaluated {
                            if bound.contains_key(name) {
                                continue;
                            }
                            let h = self.hop(n, name);
                            let t = self.intern(Term::Hop(s.term, h))?;
                            self.bindings.push((n, t, None));
                            bound.insert(name.clone(), t);
                        }
                        let child = self.new_frame(n, env, bound, Some(key))?;
                        Ok(Err(child))
                    }
                }
            }
            Term::Host(_) | Term::HostExport(..) | Term::HostCode(_) => {
                self.record_site(p, false, index, None);
                self.imported_code(p, false, index, base);
                let term = self.intern(Term::HostCode(c.term))?;
                Ok(Ok(Slot {
                    term,
                    prov: self.prov_node(p),
                }))
            }
            _ => {
                self.record_site(p, false, index, None);
                Ok(Ok(Slot {
                    term: self.opaque()?,
                    prov: Prov::default(),
                }))
            }
        }
    }

    /// A core module instantiation.
    fn instantiate_module(
        &mut self,
        f: u32,
        index: u32,
        module: u32,
        args: &[(String, u32)],
    ) -> Result<Slot, Stop> {
        let p = self.node_of_frame(f);
        let m = self.slot_or_opaque(f, Space::Module, module)?;
        let (base, _) = self.strip(m.term);
        let n = match self.term(base).clone() {
            Term::ModDef(n) => n as usize,
            Term::Host(_) | Term::HostExport(..) | Term::HostCode(_) => {
                self.record_site(p, true, index, None);
                self.imported_code(p, true, index, base);
                return Ok(Slot {
                    term: self.intern(Term::HostCode(m.term))?,
                    prov: self.prov_node(p),
                });
            }
            _ => {
                self.record_site(p, true, index, None);
                return Ok(Slot {
                    term: self.opaque()?,
                    prov: Prov::default(),
                });
            }
        };
        self.record_site(p, true, index, Some(n));
        let modules = self.modules;
        let Some(info) = modules.get(n).and_then(Option::as_ref) else {
            return Ok(Slot {
                term: self.opaque()?,
                prov: self.prov_node(n),
            });
        };
        let shim = self.nodes.get(n).is_some_and(|x| x.class == Class::Shim);
        let nodes = self.nodes;
        let path_of = |i: usize| nodes.get(i).map(|x| x.path.clone()).unwrap_or_default();

        let mut argmap: BTreeMap<&str, Slot> = BTreeMap::new();
        for (name, ci) in args {
            if !argmap.contains_key(name.as_str()) {
                let s = self.slot_or_opaque(f, Space::CoreInstance, *ci)?;
                argmap.insert(name.as_str(), s);
            }
        }
        self.charge(info.imports.len() as u64 + info.exports.len() as u64)?;
        let inst = self.core_insts.len() as u32;
        self.core_insts.push(CoreInstObj {
            module: Some(n),
            shim,
            exports: BTreeMap::new(),
            tables: Vec::new(),
            imported_funcs: info.imported(CoreKind::Func),
        });

        // Imports, in index-space order, with who provides each.
        let mut funcs: Vec<(TermId, PSet)> = Vec::new();
        let mut tables: Vec<TermId> = Vec::new();
        let mut globals: Vec<TermId> = Vec::new();
        let mut memories: Vec<TermId> = Vec::new();
        let mut per_module: BTreeMap<&str, BTreeSet<PAtom>> = BTreeMap::new();
        for import in &info.imports {
            let (term, prov) = match argmap.get(import.module.as_str()) {
                Some(a) => (
                    self.export_of(a.term, &import.name)?,
                    a.prov.export(&import.name).all,
                ),
                None => (self.opaque()?, PSet::default()),
            };
            per_module
                .entry(import.module.as_str())
                .or_default()
                .extend(prov.iter().copied());
            let h = self.hop(n, &import.module);
            self.bindings.push((n, term, Some(h)));
            match import.kind {
                CoreKind::Func => funcs.push((term, prov)),
                CoreKind::Table => tables.push(term),
                CoreKind::Memory => memories.push(term),
                CoreKind::Global => globals.push(term),
                CoreKind::Tag => {}
            }
        }
        for (module_name, atoms) in per_module {
            if !atoms.is_empty() {
                self.satisfies
                    .insert((Rc::new(atoms), n, Name::from(module_name)));
            }
        }
        let own = PSet::new(BTreeSet::from([PAtom::Node(n as u32)]));
        let imported_funcs = funcs.len() as u32;
        let func_term = |me: &mut Self, i: u32| -> Result<(TermId, PSet), Stop> {
            match funcs.get(i as usize) {
                Some(x) => Ok(x.clone()),
                None if i
                    .checked_sub(imported_funcs)
                    .is_some_and(|d| d < info.defined_funcs) =>
                {
                    Ok((me.intern(Term::Func { inst, index: i })?, own.clone()))
                }
                None => Ok((me.opaque()?, PSet::default())),
            }
        };
        // Defined tables, memories, globals.
        for init in &info.tables {
            let id = self.tables.len() as u32;
            self.tables.push(TableObj {
                owner: inst,
                ..TableObj::default()
            });
            let t = self.intern(Term::Table(id))?;
            tables.push(t);
            if let ConstVal::RefFunc(i) = init {
                let w = func_term(self, *i)?;
                if let Some(tb) = self.tables.get_mut(id as usize) {
                    tb.any.push(w);
                }
            }
        }
        for _ in 0..info.memories {
            self.memories += 1;
            let t = self.intern(Term::Memory(self.memories))?;
            memories.push(t);
        }
        for init in &info.globals {
            let id = self.globals.len() as u32;
            let contents = match init {
                ConstVal::RefFunc(i) => Some(func_term(self, *i)?.0),
                ConstVal::GlobalGet(g) => globals.get(*g as usize).copied(),
                _ => None,
            };
            self.globals.push(contents);
            let t = self.intern(Term::Global(id))?;
            globals.push(t);
        }
        // Exports.
        let mut exports = BTreeMap::new();
        let mut per = BTreeMap::new();
        for e in &info.exports {
            let term = match e.kind {
                CoreKind::Func => func_term(self, e.index)?.0,
                CoreKind::Table => tables.get(e.index as usize).copied().unwrap_or_default(),
                CoreKind::Memory => memories.get(e.index as usize).copied().unwrap_or_default(),
                CoreKind::Global => globals.get(e.index as usize).copied().unwrap_or_default(),
                CoreKind::Tag => self.opaque()?,
            };
            let name = Name::from(e.name.as_str());
            exports.entry(name.clone()).or_insert(term);
            if shim {
                let prov = match (e.kind, e.index.checked_sub(imported_funcs)) {
                    (CoreKind::Func, Some(d)) => match info.trampolines.get(d as usize) {
                        Some(Some((t, slot))) => {
                            match tables.get(*t as usize).map(|&x| self.term(x)) {
                                Some(Term::Table(id)) => BTreeSet::from([PAtom::Slot(*id, *slot)]),
                                _ => BTreeSet::new(),
                            }
                        }
                        _ => BTreeSet::from([PAtom::Node(n as u32)]),
                    },
                    _ => BTreeSet::from([PAtom::Node(n as u32)]),
                };
                per.entry(name).or_insert(Prov {
                    all: Rc::new(prov),
                    per: None,
                });
            }
        }
        // Active element segments write into tables, now.
        let fixup = shim && info.is_fixup_shaped();
        for seg in &info.elems {
            let Some((t, offset)) = seg.active else {
                continue;
            };
            let target = tables.get(t as usize).copied();
            let table = match target
                .map(|x| self.strip(x).0)
                .map(|x| self.term(x).clone())
            {
                Some(Term::Table(id)) => Some(id),
                _ => None,
            };
            let Some(table) = table else {
                if fixup {
                    if let Some(a) = self.acts.get_mut(n) {
                        a.insert("an element segment writes into a table supplied by the host or by nothing".into());
                    }
                }
                continue;
            };
            if fixup {
                let owner = self
                    .tables
                    .get(table as usize)
                    .and_then(|tb| self.core_insts.get(tb.owner as usize))
                    .and_then(|ci| ci.module);
                let owner_is_shim = owner.is_some_and(|o| {
                    self.nodes.get(o).is_some_and(|x| x.class == Class::Shim)
                        && modules
                            .get(o)
                            .and_then(Option::as_ref)
                            .is_some_and(ModuleInfo::is_shim_shaped)
                });
                if !owner_is_shim {
                    let what = owner.map(path_of).unwrap_or_else(|| "the host".into());
                    if let Some(a) = self.acts.get_mut(n) {
                        a.insert(format!(
                            "an element segment writes into the table of {what}, which is not a wit-component shim"
                        ));
                    }
                }
            }
            let mut writes: Vec<(Option<u32>, (TermId, PSet))> = Vec::new();
            match &seg.items {
                Some(items) => {
                    self.charge(items.len() as u64)?;
                    for (j, item) in items.iter().enumerate() {
                        let w = match item {
                            ConstVal::RefFunc(i) => func_term(self, *i)?,
                            ConstVal::GlobalGet(g) => (
                                globals.get(*g as usize).copied().unwrap_or_default(),
                                PSet::default(),
                            ),
                            ConstVal::Null | ConstVal::Int(_) | ConstVal::Num => continue,
                            ConstVal::Other => (self.opaque()?, PSet::default()),
                        };
                        let slot = offset
                            .and_then(|o| o.checked_add(j as i64))
                            .and_then(|s| u32::try_from(s).ok());
                        writes.push((slot, w));
                    }
                }
                None => {
                    // Too many items to keep: any function it can name, anywhere.
                    let any = self.intern(Term::AnyFunc(inst))?;
                    writes.push((None, (any, own.clone())));
                    for w in funcs.clone() {
                        writes.push((None, w));
                    }
                }
            }
            // A table another instance defines gets what this one writes:
            // the functions put there reach the table's owner (a shim's
            // table is wiring, followed through its trampolines instead).
            let owner = self
                .tables
                .get(table as usize)
                .map(|tb| tb.owner)
                .filter(|&o| o != inst)
                .and_then(|o| self.core_insts.get(o as usize))
                .filter(|ci| !ci.shim)
                .and_then(|ci| ci.module);
            if let Some(owner) = owner {
                let h = self.hop(owner, &format!("table written by {}", path_of(n)));
                for (_, (term, _)) in &writes {
                    self.bindings.push((owner, *term, Some(h)));
                }
            }
            if let Some(tb) = self.tables.get_mut(table as usize) {
                for (slot, w) in writes {
                    match slot {
                        Some(s) => tb.slots.entry(s).or_default().push(w),
                        None => tb.any.push(w),
                    }
                }
            }
        }
        if let Some(ci) = self.core_insts.get_mut(inst as usize) {
            ci.exports = exports;
            ci.tables = tables;
        }
        let term = self.intern(Term::CoreInst(inst))?;
        let prov = if shim {
            Prov {
                all: Rc::new(
                    per.values()
                        .flat_map(|p: &Prov| p.all.iter().copied())
                        .collect(),
                ),
                per: Some(Rc::new(per)),
            }
        } else {
            self.prov_node(n)
        };
        Ok(Slot { term, prov })
    }

    /// The terms a term's capabilities come from, with the hop the edge adds.
    fn children(&self, t: TermId) -> Vec<(TermId, Option<u32>)> {
        let plain = |v: Vec<TermId>| v.into_iter().map(|x| (x, None)).collect();
        match self.term(t) {
            Term::Hop(x, h) => vec![(*x, Some(*h))],
            Term::HostExport(x, _) | Term::HostCode(x) | Term::Lifted(x) | Term::Lowered(x) => {
                vec![(*x, None)]
            }
            Term::Inst(f) => plain(
                self.frames
                    .get(*f as usize)
                    .map(|fr| fr.exports.values().copied().collect())
                    .unwrap_or_default(),
            ),
            Term::Bag(items) | Term::CoreBag(items) => {
                items.iter().map(|(_, x)| (*x, None)).collect()
            }
            Term::CoreInst(i) => plain(
                self.core_insts
                    .get(*i as usize)
                    .map(|ci| ci.exports.values().copied().collect())
                    .unwrap_or_default(),
            ),
            Term::Func { inst, index } => {
                let Some(ci) = self.core_insts.get(*inst as usize).filter(|ci| ci.shim) else {
                    return Vec::new();
                };
                let info = ci
                    .module
                    .and_then(|m| self.modules.get(m))
                    .and_then(Option::as_ref);
                let tramp = index
                    .checked_sub(ci.imported_funcs)
                    .and_then(|d| info.and_then(|i| i.trampolines.get(d as usize)))
                    .copied()
                    .flatten();
                let Some((table, slot)) = tramp else {
                    return Vec::new();
                };
                match ci.tables.get(table as usize).map(|&x| self.term(x)) {
                    Some(Term::Table(id)) => self
                        .tables
                        .get(*id as usize)
                        .map(|tb| {
                            tb.slots
                                .get(&slot)
                                .into_iter()
                                .flatten()
                                .chain(&tb.any)
                                .map(|(x, _)| (*x, None))
                                .collect()
                        })
                        .unwrap_or_default(),
                    _ => Vec::new(),
                }
            }
            Term::Table(id) => self
                .tables
                .get(*id as usize)
                .map(|tb| {
                    tb.slots
                        .values()
                        .flatten()
                        .chain(&tb.any)
                        .map(|(x, _)| (*x, None))
                        .collect()
                })
                .unwrap_or_default(),
            Term::Global(id) => self
                .globals
                .get(*id as usize)
                .copied()
                .flatten()
                .map(|x| vec![(x, None)])
                .unwrap_or_default(),
            Term::Opaque
            | Term::Host(_)
            | Term::CompDef { .. }
            | Term::ModDef(_)
            | Term::AnyFunc(_)
            | Term::Memory(_) => Vec::new(),
        }
    }

    /// The slot writes a provider atom stands for, expanded to nodes.
    fn providers(&mut self, atoms: &BTreeSet<PAtom>) -> Result<BTreeSet<usize>, Stop> {
        let mut out = BTreeSet::new();
        let mut seen = BTreeSet::new();
        let mut stack: Vec<PAtom> = atoms.iter().copied().collect();
        while let Some(a) = stack.pop() {
            if !seen.insert(a) {
                continue;
            }
            self.charge(1)?;
            match a {
                PAtom::Node(n) => {
                    out.insert(n as usize);
                }
                PAtom::Slot(t, s) => {
                    if let Some(tb) = self.tables.get(t as usize) {
                        for (_, prov) in tb.slots.get(&s).into_iter().flatten().chain(&tb.any) {
                            stack.extend(prov.iter().copied());
                        }
                    }
                }
            }
        }
        Ok(out)
    }

    /// The hop list `list` with `hop` added at the end, unless it is
    /// already on it (a cycle through a table adds nothing new).
    fn append(
        lists: &mut Vec<(u32, u32)>,
        ids: &mut HashMap<(u32, u32), u32>,
        list: u32,
        hop: u32,
    ) -> u32 {
        let mut cur = list;
        while cur != EMPTY_HOPS {
            let Some(&(prev, h)) = lists.get(cur as usize) else {
                break;
            };
            if h == hop {
                return list;
            }
            cur = prev;
        }
        if let Some(&id) = ids.get(&(list, hop)) {
            return id;
        }
        let id = lists.len() as u32;
        lists.push((list, hop));
        ids.insert((list, hop), id);
        id
    }

    /// Everything the run found, as the wiring of the analysis.
    pub(super) fn finish_wiring(mut self) -> Result<Wiring, Stop> {
        // Capabilities: a fixed point over the terms the bindings reach.
        let mut order: Vec<TermId> = Vec::new();
        let mut index: HashMap<TermId, usize> = HashMap::new();
        let mut parents: Vec<Vec<(usize, Option<u32>)>> = Vec::new();
        let mut kids: Vec<Vec<(usize, Option<u32>)>> = Vec::new();
        let roots: Vec<TermId> = self.bindings.iter().map(|b| b.1).collect();
        let mut stack: Vec<TermId> = roots.clone();
        while let Some(t) = stack.pop() {
            if index.contains_key(&t) {
                continue;
            }
            self.charge(1)?;
            let i = order.len();
            order.push(t);
            index.insert(t, i);
            parents.push(Vec::new());
            kids.push(Vec::new());
            for (c, _) in self.children(t) {
                if !index.contains_key(&c) {
                    stack.push(c);
                }
            }
        }
        for (i, &t) in order.iter().enumerate() {
            let ch = self.children(t);
            self.charge(ch.len() as u64)?;
            for (c, h) in ch {
                if let Some(&j) = index.get(&c) {
                    if let Some(k) = kids.get_mut(i) {
                        k.push((j, h));
                    }
                    if let Some(p) = parents.get_mut(j) {
                        p.push((i, h));
                    }
                }
            }
        }
        let mut lists: Vec<(u32, u32)> = vec![(EMPTY_HOPS, 0)];
        let mut list_ids: HashMap<(u32, u32), u32> = HashMap::new();
        let mut caps: Vec<BTreeSet<(u32, u32)>> = vec![BTreeSet::new(); order.len()];
        let mut queued = vec![true; order.len()];
        let mut work: Vec<usize> = (0..order.len()).collect();
        while let Some(i) = work.pop() {
            if let Some(q) = queued.get_mut(i) {
                *q = false;
            }
            let mut new: BTreeSet<(u32, u32)> = BTreeSet::new();
            if let Some(Term::Host(k)) = order.get(i).map(|&t| self.term(t)) {
                new.insert((*k, EMPTY_HOPS));
            }
            for &(j, h) in kids.get(i).into_iter().flatten() {
                let Some(from) = caps.get(j) else { continue };
                self.used = self.used.saturating_add(from.len() as u64);
                for &(k, list) in from {
                    let list = match h {
                        Some(h) => Self::append(&mut lists, &mut list_ids, list, h),
                        None => list,
                    };
                    new.insert((k, list));
                }
            }
            if self.used > self.budget {
                return Err(Stop::Budget);
            }
            if caps.get(i).is_some_and(|old| old.len() != new.len()) {
                for &(p, _) in parents.get(i).into_iter().flatten() {
                    if let Some(q) = queued.get_mut(p) {
                        if !*q {
                            *q = true;
                            work.push(p);
                        }
                    }
                }
                if let Some(c) = caps.get_mut(i) {
                    *c = new;
                }
            }
        }

        let root_imports: Vec<(String, Option<String>)> = self
            .nodes
            .first()
            .map(|r| {
                r.imports
                    .iter()
                    .map(|i| (i.name.clone(), i.implements.clone()))
                    .collect()
            })
            .unwrap_or_default();
        let via_of =
            |lists: &Vec<(u32, u32)>, hops: &Vec<(usize, Name)>, nodes: &[Node], list: u32| {
                let mut out = Vec::new();
                let mut cur = list;
                while cur != EMPTY_HOPS {
                    let Some(&(prev, h)) = lists.get(cur as usize) else {
                        break;
                    };
                    if let Some((n, import)) = hops.get(h as usize) {
                        out.push(Binding {
                            path: nodes.get(*n).map(|x| x.path.clone()).unwrap_or_default(),
                            import: import.to_string(),
                        });
                    }
                    cur = prev;
                }
                out.reverse();
                out
            };
        let mut reach: Vec<BTreeSet<Capability>> = vec![BTreeSet::new(); self.nodes.len()];
        let bindings = std::mem::take(&mut self.bindings);
        for (node, t, last) in bindings {
            let Some(set) = index.get(&t).and_then(|&i| caps.get(i)) else {
                continue;
            };
            self.charge(set.len() as u64)?;
            for &(k, list) in set {
                let list = match last {
                    Some(h) => Self::append(&mut lists, &mut list_ids, list, h),
                    None => list,
                };
                let Some((interface, implements)) = root_imports.get(k as usize) else {
                    continue;
                };
                if let Some(r) = reach.get_mut(node) {
                    r.insert(Capability {
                        interface: interface.clone(),
                        implements: implements.clone(),
                        via: via_of(&lists, &self.hops, self.nodes, list),
                    });
                }
            }
        }

        let mut satisfies = BTreeSet::new();
        if let Some(root) = self.nodes.first().filter(|r| r.kind == NodeKind::Component) {
            for import in &root.imports {
                satisfies.insert(Satisfy {
                    from: Provider::Host,
                    to: 0,
                    import: import.name.clone(),
                });
            }
        }
        let raw = std::mem::take(&mut self.satisfies);
        for (atoms, to, import) in raw {
            for from in self.providers(&atoms)? {
                satisfies.insert(Satisfy {
                    from: Provider::Node(from),
                    to,
                    import: import.to_string(),
                });
            }
        }

        let mut instances: Vec<InstanceInfo> = self
            .sites
            .iter()
            .map(|(&(parent, core, index), targets)| InstanceInfo {
                parent,
                index,
                core,
                targets: targets.iter().copied().collect(),
            })
            .collect();
        instances.sort_by_key(|i| (i.parent, i.core, i.index));
        Ok(Wiring {
            instances,
            satisfies: satisfies.into_iter().collect(),
            reach: reach.into_iter().map(|r| r.into_iter().collect()).collect(),
            instantiated: self.instantiated,
            imported_code: self.imported_code.into_iter().collect(),
            acts: self
                .acts
                .into_iter()
                .map(|a| a.into_iter().collect())
                .collect(),
            work: self.used,
            integrity: Vec::new(),
        })
    }
}
