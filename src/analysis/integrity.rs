//! `integrity=<…>` import names (the component model's hash names, also
//! after `locked-dep=<…>,` and `url=<…>,`): which node of the composition
//! satisfies each, and that node's digests in the algorithms the metadata
//! names, computed over the node's bytes. Whether they match is the
//! audit's decision (`check::report`); this only gathers the facts.

use std::collections::BTreeSet;

use crate::digest::{parse_sri, sha256_bytes, SriAlg};
use crate::model::wiring::{IntegrityClaim, IntegritySatisfier, Provider, Wiring};
use crate::model::Node;

/// Every `integrity=` import of every node, with what satisfies it.
pub(crate) fn claims(nodes: &[Node], wiring: &Wiring, bytes: &[u8]) -> Vec<IntegrityClaim> {
    let mut out = Vec::new();
    for (n, node) in nodes.iter().enumerate() {
        for import in &node.imports {
            let Some(metadata) = &import.integrity else {
                continue;
            };
            let algs: BTreeSet<SriAlg> = parse_sri(metadata)
                .map(|hashes| hashes.iter().map(|h| h.alg).collect())
                .unwrap_or_default();
            let satisfied_by = match satisfiers(nodes, wiring, n, &import.name) {
                Resolved::Nodes(list) => IntegritySatisfier::Nodes(
                    list.into_iter()
                        .map(|p| (p, digests(nodes.get(p), bytes, &algs)))
                        .collect(),
                ),
                Resolved::Host => IntegritySatisfier::Host,
                Resolved::Unresolved(via) => IntegritySatisfier::Unresolved { via },
            };
            out.push(IntegrityClaim {
                node: n,
                import: import.name.clone(),
                metadata: metadata.clone(),
                satisfied_by,
            });
        }
    }
    out
}

enum Resolved {
    Nodes(Vec<usize>),
    Host,
    Unresolved(Option<usize>),
}

/// Whether `a` is a proper ancestor of `n`.
fn is_ancestor(nodes: &[Node], a: usize, n: usize) -> bool {
    let mut cur = nodes.get(n).and_then(|x| x.parent);
    // Parents come before their children: the walk is bounded by depth.
    while let Some(p) = cur {
        if p == a {
            return true;
        }
        cur = nodes.get(p).and_then(|x| x.parent);
    }
    false
}

/// The nodes that satisfy import `name` of node `n`. A provider that is
/// an ancestor of `n` passes one of its own imports down: it is followed
/// to what satisfies that import when the analysis can tell which one
/// (the same name, or the ancestor's only import that is satisfied); an
/// import passed down from the root is the host's.
fn satisfiers(nodes: &[Node], wiring: &Wiring, n: usize, name: &str) -> Resolved {
    let mut at = (n, name.to_string());
    // Each step moves to a proper ancestor: at most the depth of the tree.
    for _ in 0..=nodes.len() {
        let providers: Vec<Provider> = wiring
            .satisfies
            .iter()
            .filter(|s| s.to == at.0 && s.import == at.1)
            .map(|s| s.from)
            .collect();
        if providers.is_empty() {
            return Resolved::Unresolved(None);
        }
        if providers.contains(&Provider::Host) {
            return Resolved::Host;
        }
        let mut direct = Vec::new();
        let mut passed = None;
        for p in providers {
            if let Provider::Node(p) = p {
                if is_ancestor(nodes, p, at.0) {
                    passed = Some(p);
                } else {
                    direct.push(p);
                }
            }
        }
        let Some(p) = passed else {
            return Resolved::Nodes(direct);
        };
        if !direct.is_empty() {
            // Both a sibling and a passed-down import: the union is not one
            // implementation the analysis can name.
            return Resolved::Unresolved(Some(p));
        }
        let into_p: BTreeSet<&str> = wiring
            .satisfies
            .iter()
            .filter(|s| s.to == p)
            .map(|s| s.import.as_str())
            .collect();
        let next = if into_p.contains(at.1.as_str()) {
            at.1.clone()
        } else if into_p.len() == 1 {
            into_p
                .iter()
                .next()
                .map(|s| s.to_string())
                .unwrap_or_default()
        } else {
            return Resolved::Unresolved(Some(p));
        };
        at = (p, next);
    }
    Resolved::Unresolved(None)
}

/// The node's digests in `algs`: SHA-256 from the digest the analysis
/// already has, the others hashed from its bytes.
fn digests(
    node: Option<&Node>,
    bytes: &[u8],
    algs: &BTreeSet<SriAlg>,
) -> Vec<(&'static str, String)> {
    use base64::Engine as _;
    let Some(node) = node else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for &alg in algs {
        let value = match alg {
            SriAlg::Sha256 => sha256_bytes(&node.digest)
                .map(|b| base64::engine::general_purpose::STANDARD.encode(b)),
            _ => bytes.get(node.range()).map(|b| alg.digest_base64(b)),
        };
        if let Some(v) = value {
            out.push((alg.as_str(), v));
        }
    }
    out
}
