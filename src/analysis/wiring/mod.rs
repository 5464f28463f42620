//! Wiring: the index spaces of every component, recorded by the walker as
//! the sections define them, and resolved afterwards ([`resolve`]) into
//! `instantiates` and `satisfies` edges and the host capabilities that
//! reach each part.
//!
//! Only what decides where an import comes from is tracked: component
//! functions, instances, components and core modules; core functions,
//! tables, memories, globals, tags and core instances; and the sizes of the
//! type and core type spaces (to check references: types carry no
//! capability, so only their count matters). Values are not tracked (no
//! toolchain emits value imports). Every reference is checked against the
//! space as it is at that point of the binary (definitions precede uses),
//! so an index out of range is an error with its byte offset, never a
//! panic. The order of the definitions across spaces is kept
//! ([`Spaces::order`]), so that the interpreter ([`interp`]) evaluates
//! each one after everything it refers to, without recursion.

mod interp;
pub mod module;
pub mod resolve;

use wasmparser::{
    CanonicalFunction, ComponentAlias, ComponentExternalKind, ComponentInstance,
    ComponentOuterAliasKind, ComponentTypeRef, ExternalKind, Instance,
};

/// Where a component-level item (function, component, core module) comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// An import of this component, by name.
    Import(String),
    /// Export `name` of component instance `instance`.
    InstanceExport { instance: u32, name: String },
    /// `canon lift` of core function `core_func`.
    Lifted { core_func: u32 },
    /// A component or module defined inside this component: its node index.
    Defined(usize),
    /// An outer alias: item `index` of the component `count` levels out
    /// (0 is this one), and the node it is when that is a definition.
    Outer {
        count: u32,
        index: u32,
        node: Option<usize>,
    },
}

/// Where a core table, memory, global or tag comes from: export `name` of
/// core instance `instance` (the only way such items enter a component).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoreAlias {
    pub instance: u32,
    pub name: String,
}

/// The index space a definition adds to, in [`Spaces::order`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Space {
    Func,
    Instance,
    Component,
    Module,
    CoreFunc,
    CoreInstance,
    CoreTable,
    CoreMemory,
    CoreGlobal,
    CoreTag,
}

/// Where a core function comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CoreFunc {
    /// `canon lower` of component function `func`.
    Lowered { func: u32 },
    /// A canonical built-in (`resource.drop`, `task.return`, ...).
    Builtin,
    /// Export `name` of core instance `instance`.
    InstanceExport { instance: u32, name: String },
}

/// An argument or a bag item at the component level.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arg {
    pub name: String,
    pub kind: ComponentExternalKind,
    pub index: u32,
}

/// How a component instance is made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InstanceDef {
    /// Imported, by name.
    Import(String),
    /// `instantiate` of component `component` with arguments.
    Instantiate { component: u32, args: Vec<Arg> },
    /// A bag of existing items (`FromExports`).
    FromExports(Vec<Arg>),
    /// Export `name` of another instance.
    Alias { instance: u32, name: String },
    /// Re-exported: the same instance as `index`.
    Same(u32),
}

/// A core-level argument or bag item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoreArg {
    pub name: String,
    pub kind: ExternalKind,
    pub index: u32,
}

/// How a core instance is made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CoreInstanceDef {
    /// `instantiate` of core module `module`; arguments are core instances
    /// by import module name.
    Instantiate {
        module: u32,
        args: Vec<(String, u32)>,
    },
    /// A bag of core items.
    FromExports(Vec<CoreArg>),
}

/// The index spaces of one component.
#[derive(Debug, Clone, Default)]
pub struct Spaces {
    pub funcs: Vec<Origin>,
    pub instances: Vec<InstanceDef>,
    pub components: Vec<Origin>,
    pub modules: Vec<Origin>,
    pub core_funcs: Vec<CoreFunc>,
    pub core_instances: Vec<CoreInstanceDef>,
    pub core_tables: Vec<CoreAlias>,
    pub core_memories: Vec<CoreAlias>,
    pub core_globals: Vec<CoreAlias>,
    pub core_tags: Vec<CoreAlias>,
    /// Size of the component type space.
    pub types: u32,
    /// Size of the core type space.
    pub core_types: u32,
    /// This component's exports: name, kind and the index exported.
    pub exports: Vec<Arg>,
    /// Every definition of the spaces above (types apart), in binary order.
    pub order: Vec<Space>,
    /// The function a component `start` section calls, if any.
    pub start: Option<u32>,
}

/// A reference that points at nothing.
#[derive(Debug, Clone)]
pub struct Unresolved(pub String);

fn out_of_range(what: &str, index: u32, len: usize) -> Unresolved {
    Unresolved(format!(
        "{what} index {index} out of range (only {len} defined at this point)"
    ))
}

fn check(what: &str, index: u32, len: usize) -> Result<(), Unresolved> {
    if (index as usize) < len {
        Ok(())
    } else {
        Err(out_of_range(what, index, len))
    }
}

fn len32(n: u32) -> usize {
    n as usize
}

impl Spaces {
    fn push_func(&mut self, o: Origin) {
        self.funcs.push(o);
        self.order.push(Space::Func);
    }

    fn push_instance(&mut self, d: InstanceDef) {
        self.instances.push(d);
        self.order.push(Space::Instance);
    }

    fn push_component(&mut self, o: Origin) {
        self.components.push(o);
        self.order.push(Space::Component);
    }

    fn push_module(&mut self, o: Origin) {
        self.modules.push(o);
        self.order.push(Space::Module);
    }

    fn push_core_func(&mut self, f: CoreFunc) {
        self.core_funcs.push(f);
        self.order.push(Space::CoreFunc);
    }

    fn push_core_item(&mut self, kind: ExternalKind, alias: CoreAlias) {
        let space = match kind {
            ExternalKind::Func | ExternalKind::FuncExact => {
                self.push_core_func(CoreFunc::InstanceExport {
                    instance: alias.instance,
                    name: alias.name,
                });
                return;
            }
            ExternalKind::Table => {
                self.core_tables.push(alias);
                Space::CoreTable
            }
            ExternalKind::Memory => {
                self.core_memories.push(alias);
                Space::CoreMemory
            }
            ExternalKind::Global => {
                self.core_globals.push(alias);
                Space::CoreGlobal
            }
            ExternalKind::Tag => {
                self.core_tags.push(alias);
                Space::CoreTag
            }
        };
        self.order.push(space);
    }

    /// A component or module node defined here.
    pub fn define(&mut self, component: bool, node: usize) {
        if component {
            self.push_component(Origin::Defined(node));
        } else {
            self.push_module(Origin::Defined(node));
        }
    }

    /// A component import.
    pub fn import(&mut self, name: &str, ty: &ComponentTypeRef) {
        let origin = Origin::Import(name.to_string());
        match ty {
            ComponentTypeRef::Func(_) => self.push_func(origin),
            ComponentTypeRef::Instance(_) => {
                self.push_instance(InstanceDef::Import(name.to_string()))
            }
            ComponentTypeRef::Component(_) => self.push_component(origin),
            ComponentTypeRef::Module(_) => self.push_module(origin),
            ComponentTypeRef::Type(_) => self.types += 1,
            ComponentTypeRef::Value(_) => {}
        }
    }

    /// A component `start` section calling function `func`.
    pub fn start(&mut self, func: u32) -> Result<(), Unresolved> {
        check("start function", func, self.funcs.len())?;
        self.start = Some(func);
        Ok(())
    }

    /// `n` type definitions (a component type section).
    pub fn define_types(&mut self, n: u32) {
        self.types = self.types.saturating_add(n);
    }

    /// `n` core type definitions (a core type section).
    pub fn define_core_types(&mut self, n: u32) {
        self.core_types = self.core_types.saturating_add(n);
    }

    /// A component export: a new index referring to the same item.
    pub fn export(
        &mut self,
        name: &str,
        kind: ComponentExternalKind,
        index: u32,
    ) -> Result<(), Unresolved> {
        let i = index as usize;
        match kind {
            ComponentExternalKind::Func => {
                let o =
                    self.funcs.get(i).cloned().ok_or_else(|| {
                        out_of_range("exported function", index, self.funcs.len())
                    })?;
                self.push_func(o);
            }
            ComponentExternalKind::Instance => {
                check("exported instance", index, self.instances.len())?;
                self.push_instance(InstanceDef::Same(index));
            }
            ComponentExternalKind::Component => {
                let o = self.components.get(i).cloned().ok_or_else(|| {
                    out_of_range("exported component", index, self.components.len())
                })?;
                self.push_component(o);
            }
            ComponentExternalKind::Module => {
                let o =
                    self.modules.get(i).cloned().ok_or_else(|| {
                        out_of_range("exported module", index, self.modules.len())
                    })?;
                self.push_module(o);
            }
            ComponentExternalKind::Type => {
                check("exported type", index, len32(self.types))?;
                self.types += 1;
            }
            ComponentExternalKind::Value => {}
        }
        self.exports.push(Arg {
            name: name.to_string(),
            kind,
            index,
        });
        Ok(())
    }

    fn check_arg(&self, kind: ComponentExternalKind, index: u32) -> Result<(), Unresolved> {
        match kind {
            ComponentExternalKind::Func => check("function", index, self.funcs.len()),
            ComponentExternalKind::Instance => check("instance", index, self.instances.len()),
            ComponentExternalKind::Component => check("component", index, self.components.len()),
            ComponentExternalKind::Module => check("module", index, self.modules.len()),
            ComponentExternalKind::Type => check("type", index, len32(self.types)),
            ComponentExternalKind::Value => Ok(()),
        }
    }

    fn check_core(&self, kind: ExternalKind, index: u32) -> Result<(), Unresolved> {
        match kind {
            ExternalKind::Func | ExternalKind::FuncExact => {
                check("core function", index, self.core_funcs.len())
            }
            ExternalKind::Table => check("core table", index, self.core_tables.len()),
            ExternalKind::Memory => check("core memory", index, self.core_memories.len()),
            ExternalKind::Global => check("core global", index, self.core_globals.len()),
            ExternalKind::Tag => check("core tag", index, self.core_tags.len()),
        }
    }

    /// A component instance.
    pub fn instance(&mut self, instance: &ComponentInstance<'_>) -> Result<(), Unresolved> {
        let def = match instance {
            ComponentInstance::Instantiate {
                component_index,
                args,
            } => {
                check(
                    "instantiated component",
                    *component_index,
                    self.components.len(),
                )?;
                let mut out = Vec::with_capacity(args.len());
                for a in args.iter() {
                    self.check_arg(a.kind, a.index)?;
                    out.push(Arg {
                        name: a.name.to_string(),
                        kind: a.kind,
                        index: a.index,
                    });
                }
                InstanceDef::Instantiate {
                    component: *component_index,
                    args: out,
                }
            }
            ComponentInstance::FromExports(items) => {
                let mut out = Vec::with_capacity(items.len());
                for e in items.iter() {
                    self.check_arg(e.kind, e.index)?;
                    out.push(Arg {
                        name: e.name.full_name().into_owned(),
                        kind: e.kind,
                        index: e.index,
                    });
                }
                InstanceDef::FromExports(out)
            }
        };
        self.push_instance(def);
        Ok(())
    }

    /// A core instance.
    pub fn core_instance(&mut self, instance: &Instance<'_>) -> Result<(), Unresolved> {
        let def = match instance {
            Instance::Instantiate { module_index, args } => {
                check(
                    "instantiated core module",
                    *module_index,
                    self.modules.len(),
                )?;
                let mut out = Vec::with_capacity(args.len());
                for a in args.iter() {
                    check("core instance", a.index, self.core_instances.len())?;
                    out.push((a.name.to_string(), a.index));
                }
                CoreInstanceDef::Instantiate {
                    module: *module_index,
                    args: out,
                }
            }
            Instance::FromExports(items) => {
                let mut out = Vec::with_capacity(items.len());
                for e in items.iter() {
                    self.check_core(e.kind, e.index)?;
                    out.push(CoreArg {
                        name: e.name.to_string(),
                        kind: e.kind,
                        index: e.index,
                    });
                }
                CoreInstanceDef::FromExports(out)
            }
        };
        self.core_instances.push(def);
        self.order.push(Space::CoreInstance);
        Ok(())
    }

    /// An alias. `outer` gives the spaces of the enclosing components,
    /// innermost last (not including this one).
    pub fn alias(
        &mut self,
        alias: &ComponentAlias<'_>,
        outer: &[&Spaces],
    ) -> Result<(), Unresolved> {
        match *alias {
            ComponentAlias::InstanceExport {
                kind,
                instance_index,
                name,
            } => {
                check("aliased instance", instance_index, self.instances.len())?;
                let origin = Origin::InstanceExport {
                    instance: instance_index,
                    name: name.to_string(),
                };
                match kind {
                    ComponentExternalKind::Func => self.push_func(origin),
                    ComponentExternalKind::Instance => self.push_instance(InstanceDef::Alias {
                        instance: instance_index,
                        name: name.to_string(),
                    }),
                    ComponentExternalKind::Component => self.push_component(origin),
                    ComponentExternalKind::Module => self.push_module(origin),
                    ComponentExternalKind::Type => self.types += 1,
                    ComponentExternalKind::Value => {}
                }
            }
            ComponentAlias::CoreInstanceExport {
                kind,
                instance_index,
                name,
            } => {
                check(
                    "aliased core instance",
                    instance_index,
                    self.core_instances.len(),
                )?;
                self.push_core_item(
                    kind,
                    CoreAlias {
                        instance: instance_index,
                        name: name.to_string(),
                    },
                );
            }
            ComponentAlias::Outer { kind, count, index } => {
                // count 0 is this component, whose own items cannot be
                // outer-aliased usefully; 1 is the parent, and so on.
                let target = if count == 0 {
                    None
                } else {
                    let Some(space) = outer
                        .len()
                        .checked_sub(count as usize)
                        .and_then(|i| outer.get(i))
                    else {
                        return Err(Unresolved(format!(
                            "outer alias count {count} reaches past the root (depth {})",
                            outer.len()
                        )));
                    };
                    Some(*space)
                };
                let node_of =
                    |list: &Vec<Origin>, what: &str| -> Result<Option<usize>, Unresolved> {
                        let item = list
                            .get(index as usize)
                            .ok_or_else(|| out_of_range(what, index, list.len()))?;
                        Ok(match item {
                            Origin::Defined(n) => Some(*n),
                            Origin::Outer { node, .. } => *node,
                            _ => None,
                        })
                    };
                match kind {
                    ComponentOuterAliasKind::CoreModule => {
                        let node = match target {
                            Some(s) => node_of(&s.modules, "outer core module")?,
                            None => node_of(&self.modules, "core module")?,
                        };
                        self.push_module(Origin::Outer { count, index, node });
                    }
                    ComponentOuterAliasKind::Component => {
                        let node = match target {
                            Some(s) => node_of(&s.components, "outer component")?,
                            None => node_of(&self.components, "component")?,
                        };
                        self.push_component(Origin::Outer { count, index, node });
                    }
                    ComponentOuterAliasKind::Type => {
                        if let Some(s) = target {
                            check("outer type", index, len32(s.types))?;
                        }
                        self.types += 1;
                    }
                    ComponentOuterAliasKind::CoreType => {
                        if let Some(s) = target {
                            check("outer core type", index, len32(s.core_types))?;
                        }
                        self.core_types += 1;
                    }
                }
            }
        }
        Ok(())
    }

    /// A canonical function.
    pub fn canonical(&mut self, func: &CanonicalFunction) -> Result<(), Unresolved> {
        match func {
            CanonicalFunction::Lift {
                core_func_index, ..
            } => {
                check(
                    "lifted core function",
                    *core_func_index,
                    self.core_funcs.len(),
                )?;
                self.push_func(Origin::Lifted {
                    core_func: *core_func_index,
                });
            }
            CanonicalFunction::Lower { func_index, .. } => {
                check("lowered function", *func_index, self.funcs.len())?;
                self.push_core_func(CoreFunc::Lowered { func: *func_index });
            }
            _ => self.push_core_func(CoreFunc::Builtin),
        }
        Ok(())
    }
}
