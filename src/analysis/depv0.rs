//! The cargo-auditable `.dep-v0` section: zlib-compressed JSON in the
//! `auditable-serde` `VersionInfo` model, decoded in every core module (not
//! only the first one, as existing readers do).
//!
//! Decompression stops at the limit: the output is capped at `limit`
//! bytes, so a zlib bomb costs at most that much memory.

use std::str::FromStr;

use auditable_serde::{DependencyKind, VersionInfo};

use crate::model::Crate;

/// Why a `.dep-v0` section could not be decoded.
#[derive(Debug)]
pub enum DepV0Error {
    /// It decompresses to more than the limit.
    TooLarge,
    /// It is not zlib, not UTF-8 JSON, or not a valid dependency list.
    Invalid(String),
}

/// Decodes a `.dep-v0` payload into its crate list.
pub fn decode(compressed: &[u8], limit: u64) -> Result<Vec<Crate>, DepV0Error> {
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    let json = miniz_oxide::inflate::decompress_to_vec_zlib_with_limit(compressed, limit).map_err(
        |e| match e.status {
            miniz_oxide::inflate::TINFLStatus::HasMoreOutput => DepV0Error::TooLarge,
            status => DepV0Error::Invalid(format!("not zlib data ({status:?})")),
        },
    )?;
    let text =
        std::str::from_utf8(&json).map_err(|e| DepV0Error::Invalid(format!("not UTF-8: {e}")))?;
    let info = VersionInfo::from_str(text).map_err(|e| DepV0Error::Invalid(e.to_string()))?;
    // auditable-serde checks roots and cycles, not that every dependency
    // index names a package of the list: consumers index with them.
    let n = info.packages.len();
    for p in &info.packages {
        if let Some(d) = p.dependencies.iter().find(|&&d| d >= n) {
            return Err(DepV0Error::Invalid(format!(
                "package `{}` depends on index {d}, but the list has only {n} packages",
                p.name
            )));
        }
    }
    Ok(info
        .packages
        .into_iter()
        .map(|p| Crate {
            name: p.name,
            version: p.version.to_string(),
            source: String::from(p.source),
            kind: match p.kind {
                DependencyKind::Build => "build".to_string(),
                _ => "runtime".to_string(),
            },
            root: p.root,
            dependencies: p.dependencies,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zlib(data: &[u8]) -> Vec<u8> {
        miniz_oxide::deflate::compress_to_vec_zlib(data, 6)
    }

    #[test]
    fn decodes_a_dependency_list() {
        let json = br#"{"packages":[
            {"name":"app","version":"0.1.0","source":"local","root":true,"dependencies":[1]},
            {"name":"serde","version":"1.0.200","source":"crates.io"}
        ]}"#;
        let crates = decode(&zlib(json), 1 << 20).expect("valid");
        assert_eq!(crates.len(), 2);
        assert_eq!(crates[0].name, "app");
        assert!(crates[0].root);
        assert_eq!(crates[0].dependencies, vec![1]);
        assert_eq!(crates[1].name, "serde");
        assert_eq!(crates[1].version, "1.0.200");
        assert_eq!(crates[1].source, "crates.io");
        assert_eq!(crates[1].kind, "runtime");
    }

    #[test]
    fn refuses_more_than_the_limit() {
        let bomb = zlib(&vec![b' '; 10 << 20]);
        assert!(bomb.len() < 64 << 10, "compresses well");
        assert!(matches!(decode(&bomb, 1 << 20), Err(DepV0Error::TooLarge)));
    }

    #[test]
    fn refuses_dependency_indices_past_the_list() {
        let json = br#"{"packages":[{"name":"a","version":"1.0.0","source":"local","root":true,"dependencies":[7]}]}"#;
        match decode(&zlib(json), 1 << 20) {
            Err(DepV0Error::Invalid(why)) => assert!(why.contains("index 7"), "{why}"),
            other => panic!("expected Invalid, got {other:?}"),
        }
    }

    #[test]
    fn reports_garbage() {
        assert!(matches!(
            decode(b"not zlib", 1024),
            Err(DepV0Error::Invalid(_))
        ));
        assert!(matches!(
            decode(&zlib(b"{}"), 1024),
            Err(DepV0Error::Invalid(_))
        ));
    }
}
