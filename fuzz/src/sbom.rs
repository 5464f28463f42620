//! SBOM checks, kept apart from [`crate::checks`] because the regression
//! test includes that file into the main crate's tests and the SBOM module
//! was still being written when these targets were.

use wasm_audit::model::Analysis;
use wasm_audit::sbom::{self, CycloneDxVersion, SbomFormat};

/// Builds the SBOM of an analysis and renders every format, CycloneDX in
/// every version. A document that does not validate is a bug (the writer
/// refuses it, saying so).
pub fn check(a: &Analysis) {
    let s = sbom::build(a, 1_700_000_000).expect("an analysis made with the wiring has it");
    assert_eq!(s.parts.len(), a.nodes.len(), "one SBOM part per node");
    for format in SbomFormat::ALL {
        for version in CycloneDxVersion::ALL {
            match sbom::render(&s, format, version) {
                Ok(bytes) => {
                    if format != SbomFormat::CycloneDxXml {
                        serde_json::from_slice::<serde_json::Value>(&bytes)
                            .unwrap_or_else(|e| panic!("{format} is not JSON: {e}"));
                    }
                }
                Err(e) => panic!("{format} ({version:?}) SBOM refused: {e}"),
            }
        }
    }
}
