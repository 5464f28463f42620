//! in-toto statements (v0.1 and v1): the subjects an attestation is about
//! and its predicate.

use serde::Deserialize;

use super::ProvenanceError;

/// The DSSE payload type of an in-toto statement; any other is refused.
pub const IN_TOTO_PAYLOAD_TYPE: &str = "application/vnd.in-toto+json";

/// The statement types understood.
pub const STATEMENT_TYPES: &[&str] = &[
    "https://in-toto.io/Statement/v0.1",
    "https://in-toto.io/Statement/v1",
];

/// One subject: a name and its SHA-256, if it has one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subject {
    /// The subject's name (a file name, an image reference).
    pub name: String,
    /// The `sha256` digest, decoded. Subjects with only other algorithms
    /// are kept (for messages) but match nothing.
    pub sha256: Option<[u8; 32]>,
}

impl Subject {
    /// `sha256:<hex>`, as node digests are written.
    pub fn digest(&self) -> Option<String> {
        self.sha256.map(|d| {
            let mut s = String::from("sha256:");
            for b in d {
                s.push_str(&format!("{b:02x}"));
            }
            s
        })
    }
}

/// A parsed statement.
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    /// `_type` (`https://in-toto.io/Statement/v1`).
    pub statement_type: String,
    /// `predicateType` (`https://slsa.dev/provenance/v1`).
    pub predicate_type: String,
    /// What the statement is about.
    pub subjects: Vec<Subject>,
    /// The predicate, as written.
    pub predicate: serde_json::Value,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawStatement {
    #[serde(rename = "_type")]
    type_: String,
    subject: Vec<RawSubject>,
    predicate_type: String,
    #[serde(default)]
    predicate: serde_json::Value,
}

#[derive(Deserialize)]
struct RawSubject {
    #[serde(default)]
    name: String,
    digest: std::collections::BTreeMap<String, String>,
}

/// 64 hex digits as 32 bytes.
pub(crate) fn decode_hex32(s: &str) -> Option<[u8; 32]> {
    if s.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, o) in out.iter_mut().enumerate() {
        let pair = s.get(2 * i..2 * i + 2)?;
        *o = u8::from_str_radix(pair, 16).ok()?;
    }
    Some(out)
}

impl Statement {
    /// Parses a DSSE payload; the payload type must be in-toto's and the
    /// statement type one of [`STATEMENT_TYPES`].
    pub fn parse(payload_type: &str, payload: &[u8]) -> Result<Self, ProvenanceError> {
        if payload_type != IN_TOTO_PAYLOAD_TYPE {
            return Err(ProvenanceError::Unsupported(format!(
                "DSSE payload type {payload_type:?} is not an in-toto statement \
                 ({IN_TOTO_PAYLOAD_TYPE})"
            )));
        }
        let raw: RawStatement = serde_json::from_slice(payload)
            .map_err(|e| ProvenanceError::malformed("in-toto statement", e))?;
        if !STATEMENT_TYPES.contains(&raw.type_.as_str()) {
            return Err(ProvenanceError::Unsupported(format!(
                "statement type {:?} is not an in-toto statement ({})",
                raw.type_,
                STATEMENT_TYPES.join(", ")
            )));
        }
        if raw.subject.is_empty() {
            return Err(ProvenanceError::malformed(
                "in-toto statement",
                "it names no subject",
            ));
        }
        let mut subjects = Vec::with_capacity(raw.subject.len());
        for s in raw.subject {
            let sha256 = match s.digest.get("sha256") {
                Some(hex) => Some(decode_hex32(&hex.to_ascii_lowercase()).ok_or_else(|| {
                    ProvenanceError::malformed(
                        "in-toto statement",
                        format!("subject {:?}: sha256 is not 64 hex digits", s.name),
                    )
                })?),
                None => None,
            };
            subjects.push(Subject {
                name: s.name,
                sha256,
            });
        }
        Ok(Statement {
            statement_type: raw.type_,
            predicate_type: raw.predicate_type,
            subjects,
            predicate: raw.predicate,
        })
    }

    /// Whether a subject has this digest (`sha256:<hex>`).
    pub fn names_digest(&self, digest: &str) -> bool {
        self.subjects
            .iter()
            .any(|s| s.digest().as_deref() == Some(digest))
    }
}
