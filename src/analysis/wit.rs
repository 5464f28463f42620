//! WIT decoding of components with `wit-parser`, for the root and for every
//! nested component that decodes on its own. Nested components that refer
//! to their parent's types (outer aliases) or are `wit-component` shims do
//! not decode standalone: that is a note, not an error.

use wit_component::{DecodedWasm, WitPrinter};

use crate::model::WitSummary;

/// Runs `f`, turning a panic inside it into an error naming `what`:
/// wit-parser 0.263 reaches `unreachable!()` on some valid components (an
/// imported type bound to a non-value type), wit-component's printer
/// panics on others, and untrusted input must not crash the tool. Errors
/// are one line (validator messages span several).
fn guarded<T>(what: &str, f: impl FnOnce() -> anyhow::Result<T>) -> Result<T, String> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(result) => result.map_err(|e| stable(&crate::escape::one_line(&format!("{e:#}")))),
        Err(payload) => {
            let detail = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .map(|m| format!(": {}", crate::escape::one_line(&m)))
                .unwrap_or_default();
            Err(format!(
                "{what} failed on this component (a bug in it{detail})"
            ))
        }
    }
}

/// The message without the validator's process-wide resource counter
/// (`globally_unique_id: N` depends on how many components this process
/// validated before, in whatever order), so that reports are reproducible.
fn stable(message: &str) -> String {
    const KEY: &str = "globally_unique_id: ";
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(at) = rest.find(KEY) {
        let (head, tail) = rest.split_at(at + KEY.len());
        out.push_str(head);
        let digits = tail.bytes().take_while(u8::is_ascii_digit).count();
        out.push('_');
        rest = tail.get(digits..).unwrap_or_default();
    }
    out.push_str(rest);
    out
}

/// `wit_component::decode`, with panics turned into errors, for bytes
/// that are [`framed`] (the parser's error otherwise).
fn decode(bytes: &[u8]) -> Result<DecodedWasm, String> {
    guarded("the WIT decoder (wit-parser)", || {
        framed(bytes)?;
        wit_component::decode(bytes)
    })
}

/// Whether every section and every code entry of `bytes`, nested ones
/// included, lies within `bytes`. wit-parser reads its input as a stream
/// and, for an item that claims more bytes than it has, first allocates
/// as many as the item claims: a 350 KB component whose code entry claims
/// 2 GiB made it allocate 2 GiB (`wasm-tools component wit` does the same),
/// and a claim of 4 GiB aborts the tool where memory is short. Bytes that
/// are not framed never reach it: the first framing error is the error
/// (wit-parser fails on such bytes too, with this message unless a
/// validation error comes first in the stream).
fn framed(bytes: &[u8]) -> anyhow::Result<()> {
    for payload in wasmparser::Parser::new(0).parse_all(bytes) {
        payload?;
    }
    Ok(())
}

/// Decodes `bytes` (a whole component) and names what it decodes to.
///
/// Decoding validates everything nested in the component, so decoding
/// every component of a deep composition reads each byte once per
/// enclosing component. The WIT depends only on the imports and exports of
/// the nested core modules, so a skeleton without their code and data (see
/// `skeleton` below) is decoded first, and the component itself only when
/// the skeleton does not decode: results and messages stay as they were.
/// A skeleton of half the component's size or more is not tried: the
/// saving is small, and a component that does not decode (often a small
/// one that exports a type) would be decoded twice.
///
/// A skeleton's summary is kept for the rest of the process by the
/// skeleton's SHA-256 (see `memo`): components that differ only in code
/// are decoded once.
pub fn summarize(bytes: &[u8]) -> Result<WitSummary, String> {
    summarize_keyed(bytes, None, None)
}

/// [`summarize`], also keeping the result, error or not, by `digest`,
/// which the analysis computed as the SHA-256 of these very `bytes` (it
/// is trusted as the memo key, hence not public): the result is a
/// function of the bytes, so the same component nested in several inputs
/// of a batch is decoded once. `modules` holds skeletons already made of
/// modules of the input `bytes` is part of.
pub(crate) fn summarize_keyed(
    bytes: &[u8],
    digest: Option<&str>,
    modules: Option<&ModuleSkeletons<'_>>,
) -> Result<WitSummary, String> {
    if let Some(result) = digest.and_then(|d| memo::get(memo::Key::Bytes(d))) {
        return result;
    }
    let result = summarize_uncached(bytes, modules);
    if let Some(d) = digest {
        memo::put(memo::Key::Bytes(d), &result);
    }
    result
}

fn summarize_uncached(
    bytes: &[u8],
    modules: Option<&ModuleSkeletons<'_>>,
) -> Result<WitSummary, String> {
    if let Some(skeleton) =
        skeleton::component(bytes, modules).filter(|s| s.len() < bytes.len() / 2)
    {
        let key = crate::digest::sha256(&skeleton);
        if let Some(Ok(summary)) = memo::get(memo::Key::Skeleton(&key)) {
            return Ok(summary);
        }
        if let Ok(summary) = summarize_exact(&skeleton) {
            memo::put(memo::Key::Skeleton(&key), &Ok(summary.clone()));
            return Ok(summary);
        }
    }
    summarize_exact(bytes)
}

/// The skeletons of the core modules of one input, each made once: a
/// module nested *d* components deep is part of *d* skeletons, and making
/// one validates the module (the 100 MiB benchmark component spent two
/// thirds of its WIT time there). A module is found by where its bytes
/// lie in the input, so an entry can only stand for the very bytes it was
/// made from; a module not found is skeletonised on the spot.
pub(crate) struct ModuleSkeletons<'a> {
    input: &'a [u8],
    /// `(offset, length)` of a module's bytes in `input` -> its skeleton,
    /// `None` when it gets none (invalid, or not handled).
    made: std::collections::HashMap<(usize, usize), Option<Vec<u8>>>,
}

impl<'a> ModuleSkeletons<'a> {
    /// Makes the skeletons of the modules at `ranges` of `input`, in
    /// parallel; ranges outside `input` are left out.
    pub(crate) fn new(input: &'a [u8], ranges: &[std::ops::Range<usize>]) -> Self {
        use rayon::prelude::*;
        let made = ranges
            .par_iter()
            .with_max_len(1)
            .filter_map(|r| {
                let bytes = input.get(r.clone())?;
                Some(((r.start, r.len()), skeleton::module(bytes)))
            })
            .collect();
        Self { input, made }
    }

    /// The entry for `module` if it is a slice of `input` made here:
    /// `Some(None)` for a module that gets no skeleton. Its offset is its
    /// distance from the start of `input`, and it must end within `input`.
    fn get(&self, module: &[u8]) -> Option<Option<&[u8]>> {
        let offset = (module.as_ptr() as usize).checked_sub(self.input.as_ptr() as usize)?;
        self.input.get(offset..offset.checked_add(module.len())?)?;
        self.made
            .get(&(offset, module.len()))
            .map(|skeleton| skeleton.as_deref())
    }
}

/// Results decoded in this process, by the digest of a component's bytes
/// or of its skeleton; bounded, so that a long-running host does not grow
/// it forever.
mod memo {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};

    use crate::model::WitSummary;

    const MAX_ENTRIES: usize = 4096;

    type Table = HashMap<(bool, String), Result<WitSummary, String>>;

    /// What a digest is of: the two never share an entry.
    #[derive(Clone, Copy)]
    pub(super) enum Key<'a> {
        Bytes(&'a str),
        Skeleton(&'a str),
    }

    impl Key<'_> {
        fn owned(self) -> (bool, String) {
            match self {
                Key::Bytes(d) => (false, d.to_string()),
                Key::Skeleton(d) => (true, d.to_string()),
            }
        }
    }

    fn table() -> &'static Mutex<Table> {
        static TABLE: OnceLock<Mutex<Table>> = OnceLock::new();
        TABLE.get_or_init(|| Mutex::new(HashMap::new()))
    }

    pub(super) fn get(key: Key<'_>) -> Option<Result<WitSummary, String>> {
        table().lock().ok()?.get(&key.owned()).cloned()
    }

    pub(super) fn put(key: Key<'_>, result: &Result<WitSummary, String>) {
        if let Ok(mut t) = table().lock() {
            if t.len() >= MAX_ENTRIES {
                t.clear();
            }
            t.insert(key.owned(), result.clone());
        }
    }
}

// The ids index the arenas of the `Resolve` they were decoded with.
#[allow(clippy::indexing_slicing)]
fn summarize_exact(bytes: &[u8]) -> Result<WitSummary, String> {
    let decoded = decode(bytes)?;
    Ok(match &decoded {
        DecodedWasm::WitPackage(resolve, pkg) => WitSummary {
            kind: "package".into(),
            name: resolve.packages[*pkg].name.to_string(),
        },
        DecodedWasm::Component(resolve, world) => {
            let w = &resolve.worlds[*world];
            let name = match w.package {
                Some(pkg) => format!("{}/{}", resolve.packages[pkg].name, w.name),
                None => w.name.clone(),
            };
            WitSummary {
                kind: "world".into(),
                name,
            }
        }
    })
}

/// Decodes `bytes` and prints the WIT text, as `wasm-tools component wit`
/// does. A panic of the decoder or of the printer is an error.
pub fn print(bytes: &[u8]) -> Result<String, String> {
    let decoded = decode(bytes)?;
    guarded("the WIT printer (wit-component)", || {
        let resolve = decoded.resolve();
        let main = decoded.package();
        let nested: Vec<_> = resolve
            .packages
            .iter()
            .map(|(id, _)| id)
            .filter(|id| *id != main)
            .collect();
        let mut printer = WitPrinter::default();
        printer.print(resolve, main, &nested)?;
        Ok(printer.output.to_string())
    })
}

/// A copy of a component in which every nested core module, at any depth,
/// keeps its types, imports, tables, memories, globals, tags, exports and
/// data segments (their memory and offset, not their bytes), in their
/// places, and only the functions it exports, with `unreachable` bodies:
/// the same component type, without the code and data that make up nearly
/// all of the bytes. `None` for anything it does not handle (the caller
/// then decodes the original).
///
/// Not kept: custom sections and bodies (`wit_component::decode`
/// validates neither), and the element and start sections, which name
/// functions by indices the renumbering moves, nor the functions it does
/// not export. So that a module invalid only in those (an element out of
/// range, a start function of the wrong type, a function of an unknown
/// type) is not summarised as its skeleton is, every module is first
/// validated as it is, as `wit_component::decode` validates it: a module
/// the validator refuses gets no skeleton, and the component is decoded
/// itself, with the decoder's own message. A valid module and its
/// skeleton have the same type, and a core module validates alike wherever
/// it is nested, so a skeleton that decodes stands for a component that
/// decodes to the same. Of each code entry, the check reads what the
/// decoder checks (its framing, a size under the validator's limit): one
/// size per function, not the body. (Keeping every function in the
/// skeleton instead costs a code entry each, and wit-parser's reader moves
/// its whole buffer for every entry: the 100 MiB benchmark component went
/// from 1.2x to 1.6x the hashing limit.)
mod skeleton {
    use wasmparser::{
        BinaryReader, Chunk, CodeSectionReader, DataKind, DataSectionReader, ExportSectionReader,
        ExternalKind, FunctionSectionReader, ImportSectionReader, Parser, Payload, TypeRef,
        Validator, WasmFeatures,
    };

    const MODULE_SECTION: u8 = 1;
    /// wasmparser's `MAX_WASM_FUNCTION_SIZE` (its `limits` module is
    /// private); a test holds the two to the same boundary.
    pub(super) const MAX_FUNCTION_SIZE: u32 = 7_654_321;
    const COMPONENT_SECTION: u8 = 4;

    pub(super) fn component(
        bytes: &[u8],
        modules: Option<&super::ModuleSkeletons<'_>>,
    ) -> Option<Vec<u8>> {
        let mut out = bytes.get(..8)?.to_vec();
        for (id, body) in sections(bytes)? {
            let body = match id {
                MODULE_SECTION => match modules.and_then(|m| m.get(body)) {
                    Some(made) => std::borrow::Cow::Borrowed(made?),
                    None => std::borrow::Cow::Owned(module(body)?),
                },
                COMPONENT_SECTION => std::borrow::Cow::Owned(component(body, modules)?),
                _ => std::borrow::Cow::Borrowed(body),
            };
            section(&mut out, id, &body);
        }
        Some(out)
    }

    pub(super) fn module(bytes: &[u8]) -> Option<Vec<u8>> {
        if !valid(bytes) {
            return None;
        }
        let sections = sections(bytes)?;
        let mut imported_funcs = 0u32;
        let mut func_types = Vec::new();
        let mut exports = Vec::new();
        let (mut has_functions, mut has_code) = (false, false);
        for &(id, body) in &sections {
            let reader = BinaryReader::new(body, 0);
            has_functions |= id == 3;
            has_code |= id == 10;
            match id {
                2 => {
                    for import in ImportSectionReader::new(reader).ok()?.into_imports() {
                        if matches!(import.ok()?.ty, TypeRef::Func(_) | TypeRef::FuncExact(_)) {
                            imported_funcs += 1;
                        }
                    }
                }
                3 => {
                    for ty in FunctionSectionReader::new(reader).ok()? {
                        func_types.push(ty.ok()?);
                    }
                }
                7 => {
                    for export in ExportSectionReader::new(reader).ok()? {
                        let export = export.ok()?;
                        exports.push((export.name, export.kind, export.index));
                    }
                }
                _ => {}
            }
        }

        // Exported functions keep their types, renumbered densely after
        // the imported ones, in the order of their first export; other
        // exports keep their indices. The new index of a function is
        // looked up, not searched for: a module may export 100,000
        // functions (the validator's limit), and a scan of those kept so
        // far for each export would take billions of steps.
        let mut kept: Vec<u32> = Vec::new();
        let mut renumbered: std::collections::HashMap<u32, u32> = Default::default();
        let mut export_section = Vec::new();
        leb(&mut export_section, exports.len() as u32);
        for (name, kind, index) in exports {
            let (kind, index) = match kind {
                ExternalKind::Func if index < imported_funcs => (0, index),
                ExternalKind::Func => {
                    let next = imported_funcs.checked_add(u32::try_from(kept.len()).ok()?)?;
                    let new = *renumbered.entry(index).or_insert_with(|| {
                        kept.push(index);
                        next
                    });
                    (0, new)
                }
                ExternalKind::Table => (1, index),
                ExternalKind::Memory => (2, index),
                ExternalKind::Global => (3, index),
                ExternalKind::Tag => (4, index),
                ExternalKind::FuncExact => return None,
            };
            leb(&mut export_section, name.len() as u32);
            export_section.extend_from_slice(name.as_bytes());
            export_section.push(kind);
            leb(&mut export_section, index);
        }
        let mut function_section = Vec::new();
        let mut code_section = Vec::new();
        leb(&mut function_section, kept.len() as u32);
        leb(&mut code_section, kept.len() as u32);
        for &f in &kept {
            leb(
                &mut function_section,
                *func_types.get((f - imported_funcs) as usize)?,
            );
            // size 3: no locals, `unreachable`, `end`
            code_section.extend_from_slice(&[3, 0, 0x00, 0x0b]);
        }

        // The sections in their places; a module without a function
        // section exports no function of its own, and gets none.
        let mut out = bytes.get(..8)?.to_vec();
        for &(id, body) in &sections {
            match id {
                0 | 8 | 9 => {} // custom, start, element
                3 => section(&mut out, id, &function_section),
                7 => section(&mut out, id, &export_section),
                10 if has_functions => section(&mut out, id, &code_section),
                10 => return None,
                11 => section(&mut out, id, &data(body)?),
                _ => section(&mut out, id, body),
            }
        }
        if has_functions && !has_code {
            return None;
        }
        Some(out)
    }

    /// Whether the validator accepts the module as `wit_component::decode`
    /// validates it, with every feature: every section, and of the code
    /// section's entries what the decoder checks (their bodies are not
    /// validated by it): that each lies within the section, that none is
    /// over the validator's size limit, and that nothing follows the last.
    fn valid(bytes: &[u8]) -> bool {
        let mut validator = Validator::new_with_features(WasmFeatures::all());
        let mut parser = Parser::new(0);
        let mut rest = bytes;
        loop {
            let Ok(Chunk::Parsed { payload, consumed }) = parser.parse(rest, true) else {
                return false;
            };
            let Some(after) = rest.get(consumed..) else {
                return false;
            };
            rest = after;
            if validator.payload(&payload).is_err() {
                return false;
            }
            match payload {
                Payload::End(_) => return true,
                Payload::CodeSectionStart {
                    unchecked_range,
                    size,
                    ..
                } => {
                    let section =
                        bytes.get(unchecked_range.start as usize..unchecked_range.end as usize);
                    let (Some(section), Some(after)) = (section, rest.get(size as usize..)) else {
                        return false;
                    };
                    if !framed_entries(section) {
                        return false;
                    }
                    rest = after;
                    parser.skip_section();
                }
                _ => {}
            }
        }
    }

    /// Whether the code section `section` (its count, then its entries)
    /// holds exactly as many entries as it counts, each within the section
    /// and none over wasmparser's function size limit: what its parser and
    /// validator check of an entry whose body they do not validate. Read
    /// with wasmparser's own section reader, one size per function.
    fn framed_entries(section: &[u8]) -> bool {
        let Ok(entries) = CodeSectionReader::new(BinaryReader::new(section, 0)) else {
            return false;
        };
        entries.into_iter().all(|body| {
            body.is_ok_and(|b| {
                let range = b.range();
                range.end - range.start <= u64::from(MAX_FUNCTION_SIZE)
            })
        })
    }

    /// Every data segment with its memory and offset expression, and no
    /// bytes (which the validator does not read).
    fn data(body: &[u8]) -> Option<Vec<u8>> {
        let reader = DataSectionReader::new(BinaryReader::new(body, 0)).ok()?;
        let mut out = Vec::new();
        leb(&mut out, reader.count());
        for segment in reader {
            match segment.ok()?.kind {
                DataKind::Passive => out.push(1),
                DataKind::Active {
                    memory_index,
                    offset_expr,
                } => {
                    if memory_index == 0 {
                        out.push(0);
                    } else {
                        out.push(2);
                        leb(&mut out, memory_index);
                    }
                    let mut expr = offset_expr.get_binary_reader();
                    out.extend_from_slice(expr.read_bytes(expr.bytes_remaining()).ok()?);
                }
            }
            out.push(0); // no bytes
        }
        Some(out)
    }

    /// The `(id, contents)` of each section after the 8-byte preamble.
    fn sections(bytes: &[u8]) -> Option<Vec<(u8, &[u8])>> {
        let mut reader = BinaryReader::new(bytes.get(8..)?, 8);
        let mut out = Vec::new();
        while !reader.eof() {
            let id = reader.read_u8().ok()?;
            let len = reader.read_var_u32().ok()? as usize;
            out.push((id, reader.read_bytes(len).ok()?));
        }
        Some(out)
    }

    pub(super) fn section(out: &mut Vec<u8>, id: u8, body: &[u8]) {
        out.push(id);
        leb(out, body.len() as u32);
        out.extend_from_slice(body);
    }

    pub(super) fn leb(out: &mut Vec<u8>, mut v: u32) {
        loop {
            let byte = (v & 0x7f) as u8;
            v >>= 7;
            if v == 0 {
                out.push(byte);
                return;
            }
            out.push(byte | 0x80);
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn messages_do_not_carry_the_process_wide_resource_counter() {
        let m = "not the same (ResourceId { globally_unique_id: 2619, contextually_unique_id: 1 } vs. ResourceId { globally_unique_id: 12, contextually_unique_id: 0 })";
        assert_eq!(
            super::stable(m),
            "not the same (ResourceId { globally_unique_id: _, contextually_unique_id: 1 } vs. ResourceId { globally_unique_id: _, contextually_unique_id: 0 })"
        );
        assert_eq!(
            super::stable("globally_unique_id: "),
            "globally_unique_id: _"
        );
        assert_eq!(super::stable("plain"), "plain");
    }

    /// Modules that the validator refuses for what their element segments,
    /// start function, functions' types, data segments or globals say,
    /// each with code enough that the skeleton is tried: the summary is
    /// the error decoding the component itself gives, never a world (each
    /// of the first six was a world before modules were validated). Their
    /// valid twins, with elements and a start function (which the
    /// skeleton drops), still decode to the world.
    #[test]
    fn the_skeleton_keeps_what_the_validator_checks() {
        let body = "(drop (i32.const 1)) ".repeat(400);
        let component = |fields: &str| {
            let wat = format!(
                "(component (core module (func $f (export \"f\") {body}) (func $g {body}) {fields}))"
            );
            wat::parse_str(&wat).expect("assembles")
        };
        let valid = [
            "(memory 1) (data (i32.const 0) \"bytes\") (data \"passive\")",
            "(memory 1) (memory 1) (data (memory 1) (i32.const 0) \"second memory\")",
            "(table 2 funcref) (elem (i32.const 0) func $g $f)",
            "(start $g)",
        ];
        let invalid = [
            "(table 2 funcref) (elem (i32.const 0) func 2)",
            "(elem (i32.const 0) func $g)",
            "(table 2 funcref) (elem (i64.const 0) func $g)",
            "(func $p (param i32)) (start $p)",
            "(start 9)",
            "(func (type 7))",
            "(data (i32.const 0) \"no memory\")",
            "(memory 1) (data (i64.const 0) \"offset of the wrong type\")",
            "(memory 1) (data (memory 1) (i32.const 0) \"no second memory\")",
            "(global i32 (global.get 5))",
        ];
        for (fields, ok) in valid
            .iter()
            .map(|f| (f, true))
            .chain(invalid.iter().map(|f| (f, false)))
        {
            let bytes = component(fields);
            let exact = super::summarize_exact(&bytes);
            assert_eq!(exact.is_ok(), ok, "{fields}: {exact:?}");
            assert_eq!(super::summarize(&bytes), exact, "{fields}");
            match super::skeleton::component(&bytes, None) {
                Some(skeleton) => {
                    assert!(ok, "{fields}: an invalid module got a skeleton");
                    assert!(skeleton.len() < bytes.len() / 2, "{fields}: skeleton tried");
                    assert!(super::summarize_exact(&skeleton).is_ok(), "{fields}");
                }
                None => assert!(!ok, "{fields}: a valid module got no skeleton"),
            }
        }
    }

    /// Code entries that are not framed as the decoder reads them: one
    /// that claims bytes past its section, bytes after the last entry,
    /// fewer entries than counted, and an entry one byte over wasmparser's
    /// function size limit (and its twin at the limit, which decodes). The
    /// walk skips entries and the skeleton drops them, so each was a world
    /// before the skeleton checked them; the summary is now what decoding
    /// the component itself gives.
    #[test]
    fn code_entries_are_checked_as_the_decoder_checks_them() {
        use super::skeleton::{leb, section};
        // A function body of `size` bytes: no locals, nops, `end`.
        fn body(size: u32) -> Vec<u8> {
            let mut b = vec![0x00];
            b.resize(size as usize - 1, 0x01);
            b.push(0x0b);
            b
        }
        fn entry(size: u32) -> Vec<u8> {
            let mut e = Vec::new();
            leb(&mut e, size);
            e.extend(body(size));
            e
        }
        let component = |functions: u32, count: u32, entries: &[u8]| {
            let mut module = b"\0asm\x01\0\0\0".to_vec();
            section(&mut module, 1, &[0x01, 0x60, 0x00, 0x00]);
            let mut funcs = Vec::new();
            leb(&mut funcs, functions);
            funcs.resize(funcs.len() + functions as usize, 0x00);
            section(&mut module, 3, &funcs);
            section(&mut module, 7, &[0x01, 0x01, b'f', 0x00, 0x00]);
            let mut code = Vec::new();
            leb(&mut code, count);
            code.extend_from_slice(entries);
            section(&mut module, 10, &code);
            let mut component = b"\0asm\x0d\0\x01\0".to_vec();
            section(&mut component, 1, &module);
            component
        };
        let limit = super::skeleton::MAX_FUNCTION_SIZE;
        let two = [entry(2_000), entry(2_000)].concat();
        let mut past = entry(2_000);
        let mut claim = Vec::new();
        leb(&mut claim, 2_050);
        past.extend(claim);
        past.extend(body(2_000));
        let cases: [(&str, Vec<u8>, bool); 6] = [
            ("two entries", component(2, 2, &two), true),
            ("an entry past its section", component(2, 2, &past), false),
            (
                "a byte after the last entry",
                component(1, 1, &[entry(4_000), vec![0]].concat()),
                false,
            ),
            (
                "fewer entries than counted",
                component(2, 2, &entry(4_000)),
                false,
            ),
            (
                "an entry at the size limit",
                component(1, 1, &entry(limit)),
                true,
            ),
            (
                "an entry over the size limit",
                component(1, 1, &entry(limit + 1)),
                false,
            ),
        ];
        for (what, bytes, ok) in cases {
            let exact = super::guarded("test", || wit_component::decode(&bytes))
                .map(|_| ())
                .map_err(|e| e.to_string());
            assert_eq!(exact.is_ok(), ok, "{what}: {exact:?}");
            let summary = super::summarize(&bytes);
            assert_eq!(summary.is_ok(), ok, "{what}: {summary:?}");
            if let (Err(got), Err(want)) = (&summary, &exact) {
                assert_eq!(got, want, "{what}");
            }
        }
    }

    /// Every export of a skeleton module names a function of the type the
    /// original export has, for a module at the validator's limit of
    /// 100,000 exports: functions of three types exported out of order,
    /// some under two names, and imported functions among them (which keep
    /// their indices). The renumbering is a lookup, so this is quick; a
    /// search of the functions kept so far took billions of steps here.
    #[test]
    fn skeleton_exports_keep_their_types_at_the_export_limit() {
        use std::collections::BTreeMap;
        use wasmparser::{Parser, Payload, TypeRef};

        const FUNCS: u32 = 99_498;
        let mut wat = String::from(
            "(module (type $a (func)) (type $b (func (param i32))) (type $c (func (result i64)))
             (import \"m\" \"a\" (func (type $a))) (import \"m\" \"b\" (func (type $b)))\n",
        );
        for i in 0..FUNCS {
            let ty = ["$a", "$b", "$c"][(i % 3) as usize];
            let body = if ty == "$c" { "(i64.const 0)" } else { "" };
            wat.push_str(&format!("(func (type {ty}) {body})\n"));
        }
        // Exported from the last function down, the first 500 twice, and
        // both imports: 100,000 exports.
        for i in (0..FUNCS).rev() {
            wat.push_str(&format!("(export \"f{i}\" (func {}))\n", i + 2));
        }
        for i in 0..500 {
            wat.push_str(&format!("(export \"again{i}\" (func {}))\n", i + 2));
        }
        wat.push_str("(export \"import-a\" (func 0)) (export \"import-b\" (func 1)))");
        let module = wat::parse_str(&wat).expect("assembles");

        // Export name -> index into the type section, through the
        // function and import sections.
        let types_of_exports = |bytes: &[u8]| -> BTreeMap<String, u32> {
            let (mut funcs, mut exports) = (Vec::new(), Vec::new());
            for payload in Parser::new(0).parse_all(bytes) {
                match payload.expect("parses") {
                    Payload::ImportSection(s) => {
                        for import in s.into_imports() {
                            if let TypeRef::Func(t) = import.expect("import").ty {
                                funcs.push(t);
                            }
                        }
                    }
                    Payload::FunctionSection(s) => {
                        funcs.extend(s.into_iter().map(|t| t.expect("function")))
                    }
                    Payload::ExportSection(s) => {
                        for e in s {
                            let e = e.expect("export");
                            exports.push((e.name.to_string(), e.index));
                        }
                    }
                    _ => {}
                }
            }
            exports
                .into_iter()
                .map(|(name, index)| (name, funcs[index as usize]))
                .collect()
        };
        let skeleton = super::skeleton::module(&module).expect("a skeleton");
        wasmparser::Validator::new()
            .validate_all(&skeleton)
            .expect("the skeleton validates");
        let original = types_of_exports(&module);
        assert_eq!(original.len(), 100_000);
        assert_eq!(types_of_exports(&skeleton), original);
        // One function per exported function, not per export.
        let defined = Parser::new(0).parse_all(&skeleton).find_map(|p| match p {
            Ok(Payload::FunctionSection(s)) => Some(s.count()),
            _ => None,
        });
        assert_eq!(defined, Some(FUNCS));
    }

    /// A module's skeleton made in advance stands only for the bytes it was
    /// made from: the same bytes elsewhere (a copy, or another place in the
    /// input), a range of another length, or a slice of another buffer are
    /// not found, and are skeletonised on the spot.
    #[test]
    fn module_skeletons_are_found_only_where_they_were_made() {
        let body = "(drop (i32.const 1)) ".repeat(400);
        let module =
            wat::parse_str(format!("(module (func (export \"f\") {body}))")).expect("assembles");
        // The same module twice in one input, only the first one made.
        let mut input = vec![0u8; 3];
        input.extend_from_slice(&module);
        input.extend_from_slice(&module);
        let first = 3..3 + module.len();
        let second = first.end..first.end + module.len();
        let made = super::ModuleSkeletons::new(&input, &[first.clone(), 0..input.len() + 1]);
        assert_eq!(made.made.len(), 1, "a range outside the input is left out");
        let expected = super::skeleton::module(&module).expect("a skeleton");
        assert_eq!(made.get(&input[first.clone()]), Some(Some(&expected[..])));
        assert_eq!(made.get(&input[second]), None);
        assert_eq!(made.get(&module), None);
        assert_eq!(made.get(&input[first.start..first.end - 1]), None);
        assert_eq!(made.get(&input[first.start + 1..first.end]), None);
        // An invalid module is made too: it gets no skeleton.
        let invalid = wat::parse_str(format!("(module (func (export \"f\") {body}) (start 9))"))
            .expect("assembles");
        let whole = 0..invalid.len();
        let made = super::ModuleSkeletons::new(&invalid, std::slice::from_ref(&whole));
        assert_eq!(made.get(&invalid), Some(None));
    }

    /// The skeleton shortcut and the memo give the same result as decoding
    /// the component itself, error or not, for every component of every
    /// corpus file, on the first call and on the remembered ones.
    #[test]
    fn remembered_and_skeleton_summaries_equal_exact_ones_on_the_corpus() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/files");
        let Ok(entries) = std::fs::read_dir(&dir) else {
            assert!(
                std::env::var_os("CI").is_none(),
                "the corpus is required in CI"
            );
            eprintln!("SKIPPED: no corpus at {}", dir.display());
            return;
        };
        let options = crate::Options {
            wit: false,
            ..crate::Options::default()
        };
        let (mut compared, mut errors) = (0, 0);
        for entry in entries.filter_map(|e| e.ok()) {
            let bytes = std::fs::read(entry.path()).expect("read");
            let Ok(analysis) = crate::analyze_bytes("corpus", &bytes, &options) else {
                continue;
            };
            let module_ranges: Vec<_> = analysis
                .nodes
                .iter()
                .filter(|n| n.kind == crate::NodeKind::Module)
                .map(|n| n.range())
                .collect();
            let modules = super::ModuleSkeletons::new(&bytes, &module_ranges);
            for node in analysis
                .nodes
                .iter()
                .filter(|n| n.kind == crate::NodeKind::Component)
            {
                let span = &bytes[node.range()];
                let exact = super::summarize_exact(span);
                // The skeletons made once per module are the ones made on
                // the spot.
                assert_eq!(
                    super::skeleton::component(span, Some(&modules)),
                    super::skeleton::component(span, None),
                    "{:?} {}",
                    entry.path(),
                    node.path
                );
                let digest = crate::digest::sha256(span);
                for (key, modules) in [
                    (None, None),
                    (None, Some(&modules)),
                    (Some(digest.as_str()), Some(&modules)),
                    (Some(digest.as_str()), None),
                ] {
                    assert_eq!(
                        super::summarize_keyed(span, key, modules),
                        exact,
                        "{:?} {}",
                        entry.path(),
                        node.path
                    );
                }
                compared += 1;
                errors += usize::from(exact.is_err());
            }
        }
        assert!(errors > 10, "errors {errors}");
        assert!(compared > 100, "compared {compared}");
    }
}
