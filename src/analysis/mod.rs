//! The analysis stage: bytes in, an [`Analysis`] out. One pipeline:
//! [`input`] (read a file, standard input or WAT text within a size limit)
//! → `walk` (one pass over the bytes with an explicit nesting stack: the
//! nodes, their index spaces, what each core module does) → derive
//! (digests, `.dep-v0` crates and WIT summaries of every node, in parallel)
//! → `classify` (from the bytes alone) → `wiring` (the interpreter that
//! instantiates the root on symbolic values).

pub(crate) mod classify;
pub(crate) mod depv0;
pub mod input;
pub(crate) mod integrity;
pub(crate) mod walk;
pub(crate) mod wiring;
pub mod wit;

use rayon::prelude::*;

use crate::digest;
use crate::error::{Error, Result};
use crate::limits::Limits;
use crate::model::{self, Analysis, Node, NodeKind};

/// What an analysis does beyond the walk and the digests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// Limits on what the input controls.
    pub limits: Limits,
    /// Decode the WIT of the root and of every nested component.
    pub wit: bool,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            limits: Limits::default(),
            wit: true,
        }
    }
}

/// What the parallel phase computes for one node.
struct Derived {
    /// `None` for the node that spans the whole input (hashed apart).
    digest: Option<String>,
    crates: Option<Result<Vec<model::Crate>, depv0::DepV0Error>>,
    wit: Option<Result<model::WitSummary, String>>,
}

/// The walk's output with what was derived from each node.
type WalkedAndDerived = (walk::Walked, Vec<(usize, Derived)>);

/// Walks, hashes, decodes and classifies one binary already in memory.
pub fn analyze_bytes(name: &str, bytes: &[u8], options: &Options) -> Result<Analysis> {
    // The whole input is the root's range: one sequential SHA-256 stream,
    // the longest task. It starts at once on one core while the walk runs
    // on the other, and the other nodes are hashed as soon as the walk is
    // done, beside it: the critical path is the root's hash, or the walk
    // plus a share of the rest, whichever is longer.
    let whole_range = 0..bytes.len();
    let mut whole: Option<String> = None;
    let mut walked: Option<Result<WalkedAndDerived>> = None;
    rayon::scope(|s| {
        s.spawn(|_| whole = Some(digest::sha256(bytes)));
        walked = Some(walk::Walk::run(name, bytes, options.limits).map(|w| {
            let derived = derive(&w.nodes, bytes, options, &whole_range);
            (w, derived)
        }));
    });
    let Some(walked) = walked else {
        return Err(Error::Malformed {
            input: name.to_string(),
            offset: 0,
            message: "no module or component".into(),
        });
    };
    let (
        walk::Walked {
            mut nodes,
            shapes,
            spaces,
            modules,
        },
        derived,
    ) = walked?;
    let whole = whole.unwrap_or_else(|| digest::sha256(bytes));

    for (i, d) in derived {
        let Some(node) = nodes.get_mut(i) else {
            continue;
        };
        node.digest = d.digest.unwrap_or_else(|| whole.clone());
        match d.crates {
            Some(Ok(crates)) => node.crates = Some(crates),
            Some(Err(depv0::DepV0Error::TooLarge)) => {
                return Err(Error::LimitExceeded {
                    input: name.to_string(),
                    what: format!(
                        "the `.dep-v0` section of {} decompresses to more than {} bytes",
                        node.path, options.limits.max_dep_v0_size
                    ),
                    limit: options.limits.max_dep_v0_size,
                    flag: "--max-dep-v0-size",
                })
            }
            Some(Err(depv0::DepV0Error::Invalid(why))) => node
                .notes
                .push(format!("`.dep-v0` section not decodable: {why}")),
            None => {}
        }
        match d.wit {
            Some(Ok(w)) => node.wit = Some(w),
            Some(Err(why)) => node
                .notes
                .push(format!("WIT not decodable: {}", first_line(&why))),
            None => {}
        }
    }

    // A component's own function bodies are those of its direct modules.
    let bodies: Vec<u64> = nodes
        .iter()
        .map(|n| match n.kind {
            NodeKind::Component => n
                .children
                .iter()
                .filter_map(|&c| nodes.get(c))
                .filter(|c| c.kind == NodeKind::Module)
                .map(|c| c.function_bodies)
                .sum(),
            NodeKind::Module => n.function_bodies,
        })
        .collect();
    for (node, bodies) in nodes.iter_mut().zip(bodies) {
        node.function_bodies = bodies;
        node.name = node
            .own_name
            .clone()
            .or_else(|| node.name_in_parent.clone());
    }
    classify::classify_all(&mut nodes, &shapes, &spaces, &modules);
    let mut wiring =
        match wiring::resolve::resolve(&nodes, &spaces, &modules, options.limits.max_wiring_work) {
            Ok(w) => w,
            Err(wiring::resolve::ResolveError::Budget { budget }) => {
                return Err(Error::LimitExceeded {
                    input: name.to_string(),
                    what: format!("resolving the wiring takes more than {budget} steps"),
                    limit: budget,
                    flag: "--max-wiring-work",
                })
            }
            Err(wiring::resolve::ResolveError::Recursive { node }) => {
                let (path, offset) = nodes
                    .get(node)
                    .map(|n| (n.path.clone(), n.offset))
                    .unwrap_or_default();
                return Err(Error::Wiring {
                    input: name.to_string(),
                    path,
                    offset,
                    message: "the component is instantiated inside its own instantiation".into(),
                });
            }
        };
    drop(modules);
    wiring.integrity = integrity::claims(&nodes, &wiring, bytes);

    let Some(root) = nodes.first() else {
        return Err(Error::Malformed {
            input: name.to_string(),
            offset: 0,
            message: "no module or component".into(),
        });
    };
    let (kind, digest) = (root.kind, root.digest.clone());
    Ok(Analysis {
        file: name.to_string(),
        kind,
        size: bytes.len() as u64,
        digest,
        from_wat: false,
        nodes,
        wiring,
    })
}

/// Digests, `.dep-v0` crates and WIT of every node, in parallel: biggest
/// nodes first, one node per task. The node spanning `whole` (the root)
/// gets no digest here: it is being hashed beside this.
fn derive(
    nodes: &[Node],
    bytes: &[u8],
    options: &Options,
    whole: &std::ops::Range<usize>,
) -> Vec<(usize, Derived)> {
    let mut order: Vec<(usize, &Node)> = nodes.iter().enumerate().collect();
    order.sort_by_key(|(_, n)| std::cmp::Reverse(n.size));
    order
        .par_iter()
        .with_max_len(1)
        .map(|&(i, node)| {
            // Ranges were checked against the buffer by the walker.
            let span = bytes.get(node.range()).unwrap_or_default();
            let crates = node.dep_v0.clone().map(|r| {
                depv0::decode(
                    bytes.get(r).unwrap_or_default(),
                    options.limits.max_dep_v0_size,
                )
            });
            let wit =
                (options.wit && node.kind == NodeKind::Component).then(|| wit::summarize(span));
            let digest = (node.range() != *whole).then(|| digest::sha256(span));
            (
                i,
                Derived {
                    digest,
                    crates,
                    wit,
                },
            )
        })
        .collect()
}

/// Analyses a loaded input.
///
/// A mapped file that changed while it was analysed is an error: the
/// digests and what the walker read may not be of the same bytes.
pub fn analyze_loaded(loaded: &input::Loaded, options: &Options) -> Result<Analysis> {
    let analysis = analyze_bytes(&loaded.name, &loaded.bytes, options);
    loaded.unchanged()?;
    let mut analysis = analysis?;
    analysis.from_wat = loaded.from_wat;
    Ok(analysis)
}

/// Reads and analyses one input.
pub fn analyze_source(
    source: &input::Source,
    options: &Options,
) -> Result<(input::Loaded, Analysis)> {
    let loaded = input::load(source, options.limits.max_file_size)?;
    let analysis = analyze_loaded(&loaded, options)?;
    Ok((loaded, analysis))
}

/// Reads and analyses several inputs in parallel, keeping their order; the
/// bytes are dropped as soon as each analysis is done.
pub fn analyze_sources(sources: &[input::Source], options: &Options) -> Vec<Result<Analysis>> {
    sources
        .par_iter()
        .map(|s| analyze_source(s, options).map(|(_, a)| a))
        .collect()
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or(s)
}
