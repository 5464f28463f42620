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
    /// Resolve the wiring (instances, what satisfies each import,
    /// capability reach, `integrity=` claims). Off only for a listing of
    /// the nodes (`tree`): the analysis then has no wiring
    /// ([`Analysis::wiring`] is `None`), whatever judges, draws or exports
    /// the wiring refuses it, and a wiring that cannot be resolved (over
    /// its budget, or recursive) is not an error.
    pub wiring: bool,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            limits: Limits::default(),
            wit: true,
            wiring: true,
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

/// What the walk and the parallel phase give: the nodes classified with
/// their wiring resolved (or why not), and what was derived per node.
type Staged = (
    std::result::Result<(Vec<Node>, Option<model::Wiring>), Error>,
    Vec<(usize, Derived)>,
    Vec<Job>,
);

/// Walks, hashes, decodes and classifies one binary already in memory.
pub fn analyze_bytes(name: &str, bytes: &[u8], options: &Options) -> Result<Analysis> {
    // The whole input is the root's range: one sequential SHA-256 stream,
    // the longest task. It starts at once on one core while the walk runs
    // on the other. When the walk is done, the other nodes are hashed and
    // decoded beside it, and the classification and the wiring (which need
    // neither digests nor decoded sections) run beside those, so that
    // nothing but the report is left once the last byte is hashed.
    let whole_range = 0..bytes.len();
    let mut whole: Option<String> = None;
    let mut staged: Option<Result<Staged>> = None;
    rayon::scope(|s| {
        s.spawn(|_| whole = Some(digest::sha256(bytes)));
        staged = Some(walk::Walk::run(name, bytes, options.limits).map(|w| {
            let jobs: Vec<Job> = w.nodes.iter().map(Job::of).collect();
            let (derived, shaped) = rayon::join(
                || derive(&jobs, bytes, options, &whole_range),
                || shape(name, w, options),
            );
            (shaped, derived, jobs)
        }));
    });
    let Some(staged) = staged else {
        return Err(Error::Malformed {
            input: name.to_string(),
            offset: 0,
            message: "no module or component".into(),
        });
    };
    let (shaped, derived, jobs) = staged?;
    let whole = whole.unwrap_or_else(|| digest::sha256(bytes));

    // A `.dep-v0` section over its limit is reported before the wiring,
    // as when the stages ran one after the other.
    for (i, d) in &derived {
        if let Some(Err(depv0::DepV0Error::TooLarge)) = d.crates {
            let path = jobs.get(*i).map(|j| j.path.as_str()).unwrap_or_default();
            return Err(Error::LimitExceeded {
                input: name.to_string(),
                what: format!(
                    "the `.dep-v0` section of {path} decompresses to more than {} bytes",
                    options.limits.max_dep_v0_size
                ),
                limit: options.limits.max_dep_v0_size,
                flag: "--max-dep-v0-size",
            });
        }
    }
    let (mut nodes, mut wiring) = shaped?;
    for (i, d) in derived {
        let Some(node) = nodes.get_mut(i) else {
            continue;
        };
        node.digest = d.digest.unwrap_or_else(|| whole.clone());
        match d.crates {
            Some(Ok(crates)) => node.crates = Some(crates),
            Some(Err(depv0::DepV0Error::Invalid(why))) => node
                .notes
                .push(format!("`.dep-v0` section not decodable: {why}")),
            Some(Err(depv0::DepV0Error::TooLarge)) | None => {}
        }
        match d.wit {
            Some(Ok(w)) => node.wit = Some(w),
            Some(Err(why)) => node
                .notes
                .push(format!("WIT not decodable: {}", first_line(&why))),
            None => {}
        }
    }

    // `integrity=` claims, against the digests just merged (other
    // algorithms than SHA-256 hash the few nodes such imports name).
    if let Some(wiring) = &mut wiring {
        wiring.integrity = integrity::claims(&nodes, wiring, bytes);
    }

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
        oci: None,
    })
}

/// The classification and the wiring, from the walk alone: each
/// component's function bodies (those of its direct modules), names,
/// classes and what each node does, then the interpreter's wiring (when
/// asked for).
fn shape(
    name: &str,
    walked: walk::Walked,
    options: &Options,
) -> std::result::Result<(Vec<Node>, Option<model::Wiring>), Error> {
    let walk::Walked {
        mut nodes,
        shapes,
        spaces,
        modules,
    } = walked;
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
    if !options.wiring {
        return Ok((nodes, None));
    }
    let wiring =
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
    Ok((nodes, Some(wiring)))
}

/// What the parallel phase needs of a node (the nodes themselves are
/// being classified meanwhile).
struct Job {
    path: String,
    kind: NodeKind,
    range: std::ops::Range<usize>,
    dep_v0: Option<std::ops::Range<usize>>,
}

impl Job {
    fn of(node: &Node) -> Self {
        Job {
            path: node.path.clone(),
            kind: node.kind,
            range: node.range(),
            dep_v0: node.dep_v0.clone(),
        }
    }
}

/// Digests, `.dep-v0` crates and WIT of every node, in parallel: biggest
/// nodes first, one node per task. The node spanning `whole` (the root)
/// gets no digest here: it is being hashed beside this.
fn derive(
    jobs: &[Job],
    bytes: &[u8],
    options: &Options,
    whole: &std::ops::Range<usize>,
) -> Vec<(usize, Derived)> {
    // Module skeletons first, each once, for the WIT of every component
    // that holds the module (at any depth).
    let modules = (options.wit && jobs.iter().any(|j| j.kind == NodeKind::Component)).then(|| {
        let ranges: Vec<_> = jobs
            .iter()
            .filter(|j| j.kind == NodeKind::Module)
            .map(|j| j.range.clone())
            .collect();
        wit::ModuleSkeletons::new(bytes, &ranges)
    });
    let mut order: Vec<(usize, &Job)> = jobs.iter().enumerate().collect();
    order.sort_by_key(|(_, j)| std::cmp::Reverse(j.range.len()));
    order
        .par_iter()
        .with_max_len(1)
        .map(|&(i, job)| {
            // Ranges were checked against the buffer by the walker.
            let span = bytes.get(job.range.clone()).unwrap_or_default();
            let crates = job.dep_v0.clone().map(|r| {
                depv0::decode(
                    bytes.get(r).unwrap_or_default(),
                    options.limits.max_dep_v0_size,
                )
            });
            let digest = (job.range != *whole).then(|| digest::sha256(span));
            let wit = (options.wit && job.kind == NodeKind::Component)
                .then(|| wit::summarize_keyed(span, digest.as_deref(), modules.as_ref()));
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
    analysis.oci = loaded.oci.clone();
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
    analyze_sources_then(sources, options, |_, result| result)
}

/// [`analyze_sources`], handing each input's result to `then` on the
/// thread that analysed it, as soon as it is there; what `then` returns is
/// kept, in the order of `sources`. A caller that renders each analysis
/// (and drops it) in `then` does that work in parallel, not after the
/// last input.
///
/// Inputs are started biggest file first, one per task, so that the run
/// does not end with one core on a large file and the other idle (the
/// size is a scheduling hint only: standard input and OCI artifacts count
/// as empty).
pub fn analyze_sources_then<T: Send>(
    sources: &[input::Source],
    options: &Options,
    then: impl Fn(&input::Source, Result<Analysis>) -> T + Sync,
) -> Vec<T> {
    let size = |s: &input::Source| match s {
        input::Source::Path(p) => std::fs::metadata(p).map(|m| m.len()).unwrap_or(0),
        input::Source::Stdin | input::Source::Oci { .. } => 0,
    };
    let mut order: Vec<(usize, u64)> = sources.iter().map(size).enumerate().collect();
    order.sort_by_key(|&(i, size)| (std::cmp::Reverse(size), i));
    let mut done: Vec<(usize, T)> = order
        .par_iter()
        .with_max_len(1)
        .filter_map(|&(i, _)| {
            let source = sources.get(i)?;
            Some((
                i,
                then(source, analyze_source(source, options).map(|(_, a)| a)),
            ))
        })
        .collect();
    done.sort_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, t)| t).collect()
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or(s)
}
