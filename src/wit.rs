//! WIT decoding of components with `wit-parser`, for the root and for every
//! nested component that decodes on its own. Nested components that refer
//! to their parent's types (outer aliases) or are `wit-component` shims do
//! not decode standalone: that is a note, not an error.

use wit_component::{DecodedWasm, WitPrinter};

use crate::model::WitSummary;

/// `wit_component::decode`, with a panic inside the decoder turned into an
/// error: wit-parser 0.263 reaches `unreachable!()` on some valid components
/// (an imported type bound to a non-value type), and untrusted input must
/// not crash the tool.
fn decode(bytes: &[u8]) -> Result<DecodedWasm, String> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        wit_component::decode(bytes)
    })) {
        Ok(result) => result.map_err(|e| format!("{e:#}")),
        Err(_) => Err("the WIT decoder (wit-parser) failed on this component".into()),
    }
}

/// Decodes `bytes` (a whole component) and names what it decodes to.
// The ids index the arenas of the `Resolve` they were decoded with.
#[allow(clippy::indexing_slicing)]
pub fn summarize(bytes: &[u8]) -> Result<WitSummary, String> {
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

/// Decodes `bytes` and prints the WIT text, as `wasm-tools component wit` does.
pub fn print(bytes: &[u8]) -> Result<String, String> {
    let decoded = decode(bytes)?;
    let resolve = decoded.resolve();
    let main = decoded.package();
    let nested: Vec<_> = resolve
        .packages
        .iter()
        .map(|(id, _)| id)
        .filter(|id| *id != main)
        .collect();
    let mut printer = WitPrinter::default();
    printer
        .print(resolve, main, &nested)
        .map_err(|e| format!("{e:#}"))?;
    Ok(printer.output.to_string())
}
