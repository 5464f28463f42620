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
}
