//! Custom sections: names, `producers`, the wasm-metadata annotations, the
//! legacy `registry-metadata` JSON and the location of `.dep-v0`.
//!
//! Custom sections are not part of a binary's semantics, so a malformed one
//! becomes a note on its node, never an error that stops the walk.

use wasmparser::{ComponentName, CustomSectionReader, KnownCustom, Name};

use super::Walk;
use crate::analysis::wiring::Origin;
use crate::error::Result;
use crate::model::Producer;

impl<'a> Walk<'a> {
    pub(super) fn custom(&mut self, reader: CustomSectionReader<'a>) -> Result<()> {
        let name = reader.name();
        self.node_mut()?.custom_sections.push(name.to_string());
        match reader.as_known() {
            KnownCustom::Name(names) => {
                for sub in names {
                    match sub {
                        Ok(Name::Module { name, .. }) => {
                            self.node_mut()?.own_name = Some(name.to_string())
                        }
                        Ok(_) => {}
                        Err(e) => {
                            self.note(format!(
                                "`name` section malformed at offset {}: {}",
                                e.offset(),
                                e.message()
                            ))?;
                            break;
                        }
                    }
                }
            }
            KnownCustom::ComponentName(names) => {
                for sub in names {
                    match sub {
                        Ok(ComponentName::Component { name, .. }) => {
                            self.node_mut()?.own_name = Some(name.to_string())
                        }
                        Ok(ComponentName::CoreModules(map)) => self.name_children(map, true)?,
                        Ok(ComponentName::Components(map)) => self.name_children(map, false)?,
                        Ok(_) => {}
                        Err(e) => {
                            self.note(format!(
                                "`component-name` section malformed at offset {}: {}",
                                e.offset(),
                                e.message()
                            ))?;
                            break;
                        }
                    }
                }
            }
            KnownCustom::Producers(fields) => {
                let mut out = std::collections::BTreeMap::<String, Vec<Producer>>::new();
                let mut failed = None;
                'fields: for field in fields {
                    let field = match field {
                        Ok(f) => f,
                        Err(e) => {
                            failed = Some(e);
                            break;
                        }
                    };
                    let entry = out.entry(field.name.to_string()).or_default();
                    for value in field.values {
                        match value {
                            Ok(v) => entry.push(Producer {
                                name: v.name.to_string(),
                                version: v.version.to_string(),
                            }),
                            Err(e) => {
                                failed = Some(e);
                                break 'fields;
                            }
                        }
                    }
                }
                if let Some(e) = failed {
                    self.note(format!(
                        "`producers` section malformed at offset {}: {}",
                        e.offset(),
                        e.message()
                    ))?;
                }
                let node = self.node_mut()?;
                for (k, v) in out {
                    node.producers.entry(k).or_default().extend(v);
                }
            }
            KnownCustom::Unknown => {
                self.custom_by_name(name, reader.data(), reader.data_offset())?
            }
            _ => {}
        }
        Ok(())
    }

    fn custom_by_name(&mut self, name: &str, data: &'a [u8], offset: u64) -> Result<()> {
        let text = || {
            match std::str::from_utf8(data) {
            Ok(s) => Ok(s.to_string()),
            Err(_) => Err(format!(
                "`{name}` section at offset {offset} is not UTF-8; shown with replacement characters"
            )),
        }
        };
        let slot = {
            let md = &mut self.node_mut()?.metadata;
            match name {
                "authors" => Some(&mut md.authors),
                "description" => Some(&mut md.description),
                "licenses" => Some(&mut md.licenses),
                "source" => Some(&mut md.source),
                "homepage" => Some(&mut md.homepage),
                "revision" => Some(&mut md.revision),
                "version" => Some(&mut md.version),
                _ => None,
            }
        };
        if let Some(slot) = slot {
            match text() {
                Ok(s) => *slot = Some(s),
                Err(note) => {
                    *slot = Some(String::from_utf8_lossy(data).into_owned());
                    self.note(note)?;
                }
            }
            return Ok(());
        }
        match name {
            // wasmparser only recognises a `producers` section whose field
            // count parses; anything else arrives here.
            "producers" => self.note(format!(
                "`producers` section malformed at offset {offset}: its field count does not parse"
            ))?,
            "registry-metadata" => match serde_json::from_slice::<serde_json::Value>(data) {
                Ok(v) => self.node_mut()?.registry_metadata = Some(v),
                Err(e) => self.note(format!(
                    "`registry-metadata` section at offset {offset} is not valid JSON: {e}"
                ))?,
            },
            ".dep-v0" => {
                let start = offset as usize;
                let range = start..start.saturating_add(data.len());
                if self.data.get(range.clone()).is_some() {
                    self.node_mut()?.dep_v0 = Some(range);
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn name_children(&mut self, map: wasmparser::NameMap<'_>, modules: bool) -> Result<()> {
        for naming in map {
            let naming = match naming {
                Ok(n) => n,
                Err(e) => {
                    return self.note(format!(
                        "`component-name` section malformed at offset {}: {}",
                        e.offset(),
                        e.message()
                    ))
                }
            };
            let frame = self.frame()?;
            let space = if modules {
                &frame.spaces.modules
            } else {
                &frame.spaces.components
            };
            // Only names of nodes defined in this component; an outer
            // alias's local name is not the node's own.
            if let Some(Origin::Defined(idx)) = space.get(naming.index as usize) {
                let idx = *idx;
                self.node_at(idx)?.name_in_parent = Some(naming.name.to_string());
            }
        }
        Ok(())
    }

    fn note(&mut self, note: String) -> Result<()> {
        self.node_mut()?.notes.push(note);
        Ok(())
    }
}
