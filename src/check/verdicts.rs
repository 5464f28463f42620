//! The trust verdict of every node: trusted (its digest is listed),
//! covered (an ancestor is trusted), substituted (a trusted name with other
//! bytes), unknown (it acts, and nothing trusted vouches for it), glue
//! (nothing of its own needs trust). What "acts" means is the trust rule of
//! the README ("What needs trust"), decided here by [`needs_trust`].

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::model::{Analysis, Class, Node, NodeKind};
use crate::trust::TrustEntry;

/// The trust verdict of one node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// Its digest is listed in a trusted set.
    Trusted,
    /// An ancestor is trusted: it vouches for its whole subtree.
    Covered,
    /// It carries a trusted name with other bytes.
    Substituted,
    /// Code with no trusted digest.
    Unknown,
    /// No code of its own that needs trust: composition shells, shims,
    /// adapters and WIT packages outside any trusted component, and
    /// components whose code is all trusted.
    Glue,
}

/// The trusted entries in use, by digest and by name; an entry's index is
/// its position in [`TrustIndex::entries`] (with the set it came from).
#[derive(Debug, Default)]
pub struct TrustIndex<'a> {
    /// Every entry of the used sets, with the index of its set (in the sets
    /// given to [`Report::generate`](super::Report::generate)).
    pub entries: Vec<(&'a TrustEntry, usize)>,
    /// Entry indices by the entry's digest, as the set writes it.
    pub by_digest: HashMap<&'a str, Vec<usize>>,
    /// Entry indices by the entry's name, for entries that carry one.
    pub by_name: HashMap<&'a str, Vec<usize>>,
}

impl<'a> TrustIndex<'a> {
    /// Adds the entries of set number `set`.
    pub fn add(&mut self, set: usize, entries: &'a [TrustEntry]) {
        for e in entries {
            let i = self.entries.len();
            self.entries.push((e, set));
            self.by_digest.entry(e.digest.as_str()).or_default().push(i);
            if let Some(n) = &e.name {
                self.by_name.entry(n.as_str()).or_default().push(i);
            }
        }
    }

    /// The entry at `k`.
    pub fn entry(&self, k: usize) -> Option<&'a TrustEntry> {
        self.entries.get(k).map(|(e, _)| *e)
    }
}

/// Whether some ancestor of node `i` satisfies `pred`.
pub fn inside(a: &Analysis, i: usize, pred: impl Fn(usize) -> bool) -> bool {
    let mut cur = a.nodes.get(i).and_then(|n| n.parent);
    while let Some(p) = cur {
        if pred(p) {
            return true;
        }
        cur = a.nodes.get(p).and_then(|n| n.parent);
    }
    false
}

/// Whether node `i` needs a trusted digest (or a trusted ancestor) of its
/// own: whatever can act (README, "What needs trust"). A module with
/// function bodies, a start function, active data or element segments, or
/// exported definitions with initial contents; a component with a `start`
/// section. Exempt only what the wiring follows exactly: a shim's
/// trampolines and a fixup's writes into a shim's table, unless the
/// wiring shows the fixup writing elsewhere. A WASI adapter is code too:
/// its name is only a claim. Without the wiring nothing is exempt.
pub fn needs_trust(a: &Analysis, i: usize) -> bool {
    let Some(node) = a.nodes.get(i) else {
        return false;
    };
    let Some(wiring) = &a.wiring else {
        return true;
    };
    let wiring_acts = wiring.acts.get(i).is_some_and(|v| !v.is_empty());
    wiring_acts
        || match node.class {
            Class::Shim | Class::WitPackage => false,
            Class::Code | Class::Adapter | Class::Glue => !node.acts.is_empty(),
        }
}

/// The names a node is known by.
pub fn names(node: &Node) -> impl Iterator<Item = &str> {
    node.own_name
        .as_deref()
        .into_iter()
        .chain(node.name_in_parent.as_deref())
}

/// Verdict (and matched entry) of every node.
pub fn node_verdicts(
    a: &Analysis,
    trust: &TrustIndex<'_>,
    used: &mut [bool],
) -> Vec<(Verdict, Option<usize>)> {
    let mut mark = |k: usize| {
        if let Some(u) = used.get_mut(k) {
            *u = true;
        }
    };
    let mut out: Vec<(Verdict, Option<usize>)> = Vec::with_capacity(a.nodes.len());
    // Parents come before children (pre-order): trusted, covered and
    // substituted flow down from verdicts already made.
    for node in &a.nodes {
        let verdict = if let Some(ks) = trust.by_digest.get(node.digest.as_str()) {
            ks.iter().for_each(|&k| mark(k));
            (Verdict::Trusted, ks.first().copied())
        } else if matches!(
            node.parent.and_then(|p| out.get(p)).map(|v| v.0),
            Some(Verdict::Trusted | Verdict::Covered)
        ) {
            (Verdict::Covered, None)
        } else if let Some(k) = names(node)
            .filter_map(|nm| trust.by_name.get(nm))
            .flatten()
            .copied()
            .next()
        {
            mark(k);
            (Verdict::Substituted, Some(k))
        } else if needs_trust(a, out.len()) {
            (Verdict::Unknown, None)
        } else {
            (Verdict::Glue, None)
        };
        out.push(verdict);
    }
    // Children before parents: a component directly holding unknown code is unknown.
    for (i, node) in a.nodes.iter().enumerate().rev() {
        let glue_component =
            node.kind == NodeKind::Component && out.get(i).is_some_and(|v| v.0 == Verdict::Glue);
        let unknown_inside = node.children.iter().any(|&c| {
            out.get(c).is_some_and(|v| v.0 == Verdict::Unknown)
                && a.nodes.get(c).is_some_and(|x| x.kind == NodeKind::Module)
        });
        if glue_component && unknown_inside {
            if let Some(v) = out.get_mut(i) {
                *v = (Verdict::Unknown, None);
            }
        }
    }
    out
}
