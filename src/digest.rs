//! SHA-256 digests in the `sha256:<64 lowercase hex>` form used everywhere
//! (OCI layer digests, `wkg.lock`, `spin.toml`).

use sha2::{Digest, Sha256};

/// `sha256:<hex>` of `bytes`.
pub fn sha256(bytes: &[u8]) -> String {
    let hash = Sha256::digest(bytes);
    let mut out = String::with_capacity(7 + 64);
    out.push_str("sha256:");
    for b in hash {
        for nibble in [b >> 4, b & 0xf] {
            // A nibble is always a hex digit.
            out.push(char::from_digit(u32::from(nibble), 16).unwrap_or('0'));
        }
    }
    out
}

/// A hash algorithm of Subresource Integrity metadata (the `integrity=<…>`
/// of component import names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SriAlg {
    /// `sha256-`.
    Sha256,
    /// `sha384-`.
    Sha384,
    /// `sha512-`.
    Sha512,
}

impl SriAlg {
    /// The prefix as SRI writes it (`sha256`).
    pub fn as_str(self) -> &'static str {
        match self {
            SriAlg::Sha256 => "sha256",
            SriAlg::Sha384 => "sha384",
            SriAlg::Sha512 => "sha512",
        }
    }

    fn len(self) -> usize {
        match self {
            SriAlg::Sha256 => 32,
            SriAlg::Sha384 => 48,
            SriAlg::Sha512 => 64,
        }
    }

    /// The standard-base64 digest of `bytes` in this algorithm, as SRI
    /// writes it (with padding).
    pub fn digest_base64(self, bytes: &[u8]) -> String {
        use base64::Engine as _;
        let raw: Vec<u8> = match self {
            SriAlg::Sha256 => Sha256::digest(bytes).to_vec(),
            SriAlg::Sha384 => sha2::Sha384::digest(bytes).to_vec(),
            SriAlg::Sha512 => sha2::Sha512::digest(bytes).to_vec(),
        };
        base64::engine::general_purpose::STANDARD.encode(raw)
    }
}

/// One hash of SRI metadata: its algorithm and the digest bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SriHash {
    /// The algorithm.
    pub alg: SriAlg,
    /// The decoded digest.
    pub digest: Vec<u8>,
}

impl SriHash {
    /// The digest in standard base64 with padding.
    pub fn base64(&self) -> String {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD.encode(&self.digest)
    }
}

/// Parses W3C Subresource Integrity metadata (`sha256-<base64>`, several
/// separated by white space, each optionally followed by `?options`).
///
/// Stricter than a browser on purpose: SRI ignores hashes it cannot read
/// and lets a resource with no usable hash through, which a gate must not
/// do. Here an empty value, an unknown algorithm (`md5-`, `SHA256-`), a
/// base64 value that does not decode, or one whose length is not the
/// algorithm's, is an error with the reason.
pub fn parse_sri(metadata: &str) -> Result<Vec<SriHash>, String> {
    use base64::Engine as _;
    let mut out = Vec::new();
    for token in metadata.split_ascii_whitespace() {
        let expr = token.split_once('?').map_or(token, |(e, _)| e);
        let Some((alg, value)) = expr.split_once('-') else {
            return Err(format!("`{}` is not ALGORITHM-BASE64", clip(token)));
        };
        let alg = match alg {
            "sha256" => SriAlg::Sha256,
            "sha384" => SriAlg::Sha384,
            "sha512" => SriAlg::Sha512,
            other => {
                return Err(format!(
                    "unknown algorithm `{}` (sha256, sha384 and sha512 are checked)",
                    clip(other)
                ))
            }
        };
        let digest = base64::engine::general_purpose::STANDARD
            .decode(value)
            .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(value))
            .map_err(|e| format!("`{}` is not base64: {e}", clip(value)))?;
        if digest.len() != alg.len() {
            return Err(format!(
                "a {} digest has {} bytes, `{}` has {}",
                alg.as_str(),
                alg.len(),
                clip(value),
                digest.len()
            ));
        }
        out.push(SriHash { alg, digest });
    }
    if out.is_empty() {
        return Err("no hash in the metadata".into());
    }
    Ok(out)
}

/// The raw bytes of a `sha256:<hex>` digest.
pub fn sha256_bytes(digest: &str) -> Option<Vec<u8>> {
    let hex = digest.strip_prefix("sha256:")?;
    if hex.len() != 64 {
        return None;
    }
    (0..32)
        .map(|i| {
            hex.get(2 * i..2 * i + 2)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        })
        .collect()
}

fn clip(s: &str) -> String {
    match s.char_indices().nth(80) {
        Some((i, _)) => format!("{}…", s.get(..i).unwrap_or_default()),
        None => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn known_vector() {
        // FIPS 180-2 test vector "abc".
        assert_eq!(
            super::sha256(b"abc"),
            "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn sri_metadata_is_parsed_strictly() {
        use super::*;
        // FIPS 180-2 "abc" in each algorithm, base64 as SRI writes it.
        let abc256 = "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=";
        let got = parse_sri(&format!("sha256-{abc256}")).expect("one hash");
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].alg, SriAlg::Sha256);
        assert_eq!(got[0].base64(), abc256);
        assert_eq!(SriAlg::Sha256.digest_base64(b"abc"), abc256);
        assert_eq!(
            Some(got[0].digest.clone()),
            sha256_bytes(&super::super::digest::sha256(b"abc"))
        );
        // Several, with options and padding left out.
        let two = format!(
            " sha384-{}?x  sha256-{} ",
            SriAlg::Sha384.digest_base64(b"abc"),
            abc256.trim_end_matches('=')
        );
        assert_eq!(parse_sri(&two).expect("two").len(), 2);
        for (bad, why) in [
            ("", "no hash"),
            ("sha256", "not ALGORITHM-BASE64"),
            ("md5-AAAA", "unknown algorithm `md5`"),
            ("SHA256-AAAA", "unknown algorithm `SHA256`"),
            ("sha256-!!!!", "not base64"),
            ("sha256-AAAA", "has 32 bytes"),
            (
                "sha512-ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=",
                "has 64 bytes",
            ),
        ] {
            let e = parse_sri(bad).expect_err(bad);
            assert!(e.contains(why), "{bad}: {e}");
        }
        // One bad hash among good ones is an error, not ignored.
        assert!(parse_sri(&format!("sha256-{abc256} md5-AAAA")).is_err());
    }
}
