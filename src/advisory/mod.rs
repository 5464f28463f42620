//! Known vulnerabilities: a RustSec advisory database read offline from a
//! directory (`crates/<name>/RUSTSEC-*.md`, TOML front matter), and the
//! crates of every module's `.dep-v0` section matched against it.
//!
//! The front matter is read with `toml` and `semver` (both already in the
//! dependency tree) rather than the `rustsec` crate: `rustsec` with
//! `default-features = false` still brings `cvss`, `platforms`, `url`,
//! `fs-err` and `humantime`, and its `Database::open` stops at the first
//! file it cannot parse without naming the line. Here a malformed file is
//! one error naming the file and the TOML line; the matching rules are the
//! ones `cargo audit bin` applies (see [`Advisory::applies_to_wasm`] and
//! [`Advisory::affects`]).
//!
//! What `.dep-v0` says is what the module's author wrote: a hostile author
//! can drop the section or lie in it. A vulnerable crate found here is a
//! finding; no crate found is not a proof of absence.

pub mod cvss;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use semver::{Comparator, Op, Version, VersionReq};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::model::Analysis;

/// Largest advisory file read (the largest in the database is a few KiB).
pub const MAX_ADVISORY_SIZE: u64 = 1 << 20;

/// Most advisory files read from one database (it has about 1,200).
pub const MAX_ADVISORIES: usize = 100_000;

/// What kind of advisory it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// A vulnerability (no `informational` key).
    Vulnerability,
    /// `informational = "unmaintained"`.
    Unmaintained,
    /// `informational = "unsound"`.
    Unsound,
    /// `informational = "notice"` or another informational kind: not
    /// reported (as `cargo audit` does by default).
    Notice,
}

/// One advisory, as the tool uses it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Advisory {
    /// `RUSTSEC-2021-0003`.
    pub id: String,
    /// The crate it is about.
    pub package: String,
    /// A vulnerability, or which informational advisory.
    pub kind: Kind,
    /// The first heading of the Markdown body.
    pub title: String,
    /// `YYYY-MM-DD`.
    pub date: String,
    /// The advisory's own link (an issue, a report), when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// CVE and GHSA ids of the same vulnerability.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// A CVSS 3.x vector, when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cvss: Option<String>,
    /// Version requirements of the fixed releases (`>= 1.6.1`).
    pub patched: Vec<String>,
    /// Version requirements of releases never affected.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unaffected: Vec<String>,
    /// `[affected] os` and `arch`: empty means every platform.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub os: Vec<String>,
    /// `[affected] arch`: empty means every architecture.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub arch: Vec<String>,
    #[serde(skip)]
    patched_reqs: Vec<VersionReq>,
    #[serde(skip)]
    unaffected_reqs: Vec<VersionReq>,
}

/// The front matter, as written.
#[derive(Debug, Deserialize)]
struct RawFile {
    advisory: RawAdvisory,
    #[serde(default)]
    versions: RawVersions,
    #[serde(default)]
    affected: RawAffected,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case")]
struct RawAdvisory {
    id: String,
    package: String,
    date: String,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    aliases: Vec<String>,
    #[serde(default)]
    cvss: Option<String>,
    #[serde(default)]
    informational: Option<String>,
    #[serde(default)]
    withdrawn: Option<String>,
    /// Advisories about crates of another registry name their source.
    #[serde(default)]
    source: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct RawVersions {
    #[serde(default)]
    patched: Vec<String>,
    #[serde(default)]
    unaffected: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
struct RawAffected {
    #[serde(default)]
    os: Vec<String>,
    #[serde(default)]
    arch: Vec<String>,
}

/// 1-based line of a byte offset.
fn line_of(text: &str, offset: usize) -> usize {
    text.get(..offset.min(text.len()))
        .map(|t| t.matches('\n').count() + 1)
        .unwrap_or(1)
}

/// Parses a requirement as RustSec writes them (`>= 1.6.1, < 2`, or
/// `^0.3` ...).
fn parse_req(s: &str) -> std::result::Result<VersionReq, String> {
    VersionReq::parse(s).map_err(|e| format!("invalid version requirement {s:?}: {e}"))
}

impl Advisory {
    /// Parses one advisory file (`path` names it in errors). `Ok(None)`
    /// for an advisory that never applies here: withdrawn, or about a
    /// crate of another registry.
    pub fn parse(path: &str, text: &str) -> std::result::Result<Option<Advisory>, String> {
        let body = text.trim_start_matches('\u{feff}');
        let Some(rest) = body.strip_prefix("```toml") else {
            return Err(format!(
                "{path}: not a RustSec advisory (no ```toml front matter at the start)"
            ));
        };
        let front_start = body.len() - rest.len();
        let Some(end) = rest.find("\n```") else {
            return Err(format!("{path}: the ```toml front matter is not closed"));
        };
        let front = rest.get(..end).unwrap_or_default();
        let raw: RawFile = toml::from_str(front).map_err(|e| {
            let offset = e.span().map(|s| s.start).unwrap_or(0);
            format!(
                "{path}:{}: {}",
                line_of(body, front_start + offset),
                e.message().trim()
            )
        })?;
        let after = rest.get(end + 4..).unwrap_or_default();
        let title = after
            .lines()
            .find_map(|l| l.strip_prefix("# "))
            .unwrap_or_default()
            .trim()
            .to_string();
        let a = raw.advisory;
        let file_id = Path::new(path)
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        if a.id != file_id {
            return Err(format!(
                "{path}: the advisory id {:?} is not the file name",
                a.id
            ));
        }
        if a.package.is_empty() {
            return Err(format!("{path}: the advisory names no package"));
        }
        let patched_reqs = raw
            .versions
            .patched
            .iter()
            .map(|s| parse_req(s))
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|e| format!("{path}: [versions] patched: {e}"))?;
        let unaffected_reqs = raw
            .versions
            .unaffected
            .iter()
            .map(|s| parse_req(s))
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|e| format!("{path}: [versions] unaffected: {e}"))?;
        if a.withdrawn.is_some() {
            return Ok(None);
        }
        if a.source.as_deref().is_some_and(|s| s != "crates.io") {
            return Ok(None);
        }
        let kind = match a.informational.as_deref().map(str::trim) {
            None => Kind::Vulnerability,
            Some("unmaintained") => Kind::Unmaintained,
            Some("unsound") => Kind::Unsound,
            Some(_) => Kind::Notice,
        };
        Ok(Some(Advisory {
            id: a.id,
            package: a.package,
            kind,
            title,
            date: a.date,
            url: a.url,
            aliases: a.aliases,
            cvss: a.cvss,
            patched: raw.versions.patched,
            unaffected: raw.versions.unaffected,
            os: raw.affected.os,
            arch: raw.affected.arch,
            patched_reqs,
            unaffected_reqs,
        }))
    }

    /// Whether the advisory can apply to code compiled to WebAssembly.
    /// Operating systems as `cargo audit bin` decides for a wasm binary:
    /// wasm has no operating system, so an advisory limited to some
    /// applies only when its list names `unknown` or `none`. Architectures
    /// (which `cargo audit bin` does not look at): an advisory limited to
    /// some applies only when the list names `wasm32` or `wasm64`.
    pub fn applies_to_wasm(&self) -> bool {
        let os = self.os.is_empty() || self.os.iter().any(|o| o == "unknown" || o == "none");
        let arch = self.arch.is_empty() || self.arch.iter().any(|a| a == "wasm32" || a == "wasm64");
        os && arch
    }

    /// Whether `version` is affected: neither patched nor unaffected.
    /// Requirements are read as ranges over all versions, pre-releases
    /// included (as RustSec's OSV export reads them), so `2.0.0-rc.1`
    /// is patched by `>= 1.6.1`.
    pub fn affects(&self, version: &Version) -> bool {
        !self
            .patched_reqs
            .iter()
            .chain(&self.unaffected_reqs)
            .any(|r| req_matches(r, version))
    }

    /// The advisory's page on rustsec.org.
    pub fn rustsec_url(&self) -> String {
        format!("https://rustsec.org/advisories/{}.html", self.id)
    }
}

/// `version` within every comparator of `req`, with plain version order
/// (no pre-release exclusion).
fn req_matches(req: &VersionReq, version: &Version) -> bool {
    req.comparators.iter().all(|c| cmp_matches(c, version))
}

fn cmp_matches(c: &Comparator, v: &Version) -> bool {
    // The lowest version the comparator names, its missing parts 0.
    let low = Version {
        major: c.major,
        minor: c.minor.unwrap_or(0),
        patch: c.patch.unwrap_or(0),
        pre: c.pre.clone(),
        build: Default::default(),
    };
    // The first version past the range a partial version names
    // (`1.2` → `1.3.0-0`; `1` → `2.0.0-0`).
    let past = |major: u64, minor: Option<u64>, patch: Option<u64>| -> Version {
        let (major, minor, patch) = match (minor, patch) {
            (None, _) => (major.saturating_add(1), 0, 0),
            (Some(m), None) => (major, m.saturating_add(1), 0),
            (Some(m), Some(p)) => (major, m, p.saturating_add(1)),
        };
        Version {
            major,
            minor,
            patch,
            pre: semver::Prerelease::new("0").unwrap_or_default(),
            build: Default::default(),
        }
    };
    let v = &Version {
        build: Default::default(),
        ..v.clone()
    };
    match c.op {
        Op::Exact | Op::Wildcard => {
            if c.minor.is_some() && c.patch.is_some() {
                *v == low
            } else {
                *v >= low && *v < past(c.major, c.minor, c.patch)
            }
        }
        Op::Greater => match (c.minor, c.patch) {
            (Some(_), Some(_)) => *v > low,
            _ => *v >= past(c.major, c.minor, c.patch),
        },
        Op::GreaterEq => *v >= low,
        Op::Less => *v < low,
        Op::LessEq => match (c.minor, c.patch) {
            (Some(_), Some(_)) => *v <= low,
            _ => *v < past(c.major, c.minor, c.patch),
        },
        Op::Tilde => {
            let end = match c.minor {
                Some(m) => past(c.major, Some(m), None),
                None => past(c.major, None, None),
            };
            *v >= low && *v < end
        }
        Op::Caret => {
            let end = match (c.major, c.minor, c.patch) {
                (0, Some(0), Some(p)) => past(0, Some(0), Some(p)),
                (0, Some(m), _) => past(0, Some(m), None),
                (0, None, _) => past(0, None, None),
                (major, _, _) => past(major, None, None),
            };
            *v >= low && *v < end
        }
        // A new operator of a later semver: match nothing, so the
        // version counts as affected (fail closed).
        _ => false,
    }
}

/// A RustSec advisory database loaded from a directory.
#[derive(Debug, Clone)]
pub struct Database {
    /// The directory it was read from.
    pub path: PathBuf,
    /// Advisory files read (withdrawn ones included).
    pub files: usize,
    /// Crate name → the advisories about it that may apply.
    by_crate: BTreeMap<String, Vec<Advisory>>,
}

impl Database {
    /// Reads every `crates/<name>/*.md` under `dir`. No git, no network.
    /// A missing directory or a malformed advisory is an error naming it.
    pub fn open(dir: &Path) -> Result<Database> {
        let err = |message: String| Error::AdvisoryDb { message };
        let crates_dir = dir.join("crates");
        if !dir.is_dir() {
            return Err(err(format!(
                "{}: no such advisory database directory",
                dir.display()
            )));
        }
        let read_dir = |d: &Path| -> Result<Vec<PathBuf>> {
            let mut v: Vec<PathBuf> = std::fs::read_dir(d)
                .map_err(|e| err(format!("{}: cannot read: {e}", d.display())))?
                .map(|e| e.map(|e| e.path()))
                .collect::<std::io::Result<_>>()
                .map_err(|e| err(format!("{}: cannot read: {e}", d.display())))?;
            v.sort();
            Ok(v)
        };
        if !crates_dir.is_dir() {
            return Err(err(format!(
                "{}: not a RustSec advisory database (no `crates` directory)",
                dir.display()
            )));
        }
        let mut by_crate: BTreeMap<String, Vec<Advisory>> = BTreeMap::new();
        let mut files = 0usize;
        for crate_dir in read_dir(&crates_dir)? {
            if !crate_dir.is_dir() {
                continue;
            }
            for file in read_dir(&crate_dir)? {
                if file.extension().is_none_or(|x| x != "md") {
                    continue;
                }
                files += 1;
                if files > MAX_ADVISORIES {
                    return Err(err(format!(
                        "{}: more than {MAX_ADVISORIES} advisories",
                        dir.display()
                    )));
                }
                let text = read_capped(&file).map_err(err)?;
                let shown = file.display().to_string();
                let Some(advisory) = Advisory::parse(&shown, &text).map_err(err)? else {
                    continue;
                };
                let dir_name = crate_dir
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                if advisory.package != dir_name {
                    return Err(err(format!(
                        "{shown}: the advisory is about `{}` but sits under crates/{dir_name}",
                        advisory.package
                    )));
                }
                by_crate
                    .entry(advisory.package.clone())
                    .or_default()
                    .push(advisory);
            }
        }
        Ok(Database {
            path: dir.to_path_buf(),
            files,
            by_crate,
        })
    }

    /// Advisories (applicable to wasm, not withdrawn, not notices) that
    /// affect `name` at `version`.
    pub fn affecting(&self, name: &str, version: &Version) -> Vec<&Advisory> {
        self.by_crate
            .get(name)
            .into_iter()
            .flatten()
            .filter(|a| a.kind != Kind::Notice && a.applies_to_wasm() && a.affects(version))
            .collect()
    }

    /// Every advisory kept (not withdrawn).
    pub fn advisories(&self) -> impl Iterator<Item = &Advisory> {
        self.by_crate.values().flatten()
    }

    /// Every crate of every module of `a` that an advisory affects, in
    /// node order, then crate order, then advisory id.
    pub fn scan(&self, a: &Analysis) -> Vec<Hit> {
        let mut hits = Vec::new();
        for (n, node) in a.nodes.iter().enumerate() {
            for (c, krate) in node.crates.iter().flatten().enumerate() {
                // RustSec is about crates.io crates; `cargo audit` matches
                // nothing else.
                if krate.source != "crates.io" {
                    continue;
                }
                let Ok(version) = Version::parse(&krate.version) else {
                    continue;
                };
                let mut found = self.affecting(&krate.name, &version);
                found.sort_by(|x, y| x.id.cmp(&y.id));
                for advisory in found {
                    hits.push(Hit {
                        node: n,
                        krate: c,
                        advisory: advisory.clone(),
                    });
                }
            }
        }
        hits
    }
}

/// A crate of a module that an advisory affects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    /// Index of the node (the module) in the analysis.
    pub node: usize,
    /// Index of the crate in the node's `.dep-v0` list.
    pub krate: usize,
    /// The advisory that affects it.
    pub advisory: Advisory,
}

/// Reads a file of at most [`MAX_ADVISORY_SIZE`] bytes as UTF-8.
fn read_capped(path: &Path) -> std::result::Result<String, String> {
    use std::io::Read;
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_ADVISORY_SIZE + 1).read_to_end(&mut bytes))
        .map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
    if bytes.len() as u64 > MAX_ADVISORY_SIZE {
        return Err(format!(
            "{}: larger than {MAX_ADVISORY_SIZE} bytes",
            path.display()
        ));
    }
    String::from_utf8(bytes).map_err(|e| format!("{}: not UTF-8: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn advisory(versions: &str, affected: &str) -> Advisory {
        let text = format!(
            "```toml\n[advisory]\nid = \"RUSTSEC-2099-0001\"\npackage = \"x\"\ndate = \"2099-01-01\"\n\n[versions]\n{versions}\n{affected}\n```\n\n# Title here\n"
        );
        Advisory::parse("RUSTSEC-2099-0001.md", &text)
            .expect("parses")
            .expect("kept")
    }

    fn v(s: &str) -> Version {
        Version::parse(s).expect("version")
    }

    #[test]
    fn patched_and_unaffected_ranges() {
        let a = advisory(
            "patched = [\">= 0.6.14, < 1.0.0\", \">= 1.6.1\"]\nunaffected = [\"< 0.6.3\"]",
            "",
        );
        assert_eq!(a.title, "Title here");
        for affected in ["1.6.0", "1.0.0", "0.6.3", "0.6.13", "1.6.1-alpha.1"] {
            assert!(a.affects(&v(affected)), "{affected}");
        }
        for fine in ["1.6.1", "1.13.2", "0.6.14", "0.6.2", "0.1.0", "2.0.0-rc.1"] {
            assert!(!a.affects(&v(fine)), "{fine}");
        }
        // No patched version: everything is affected.
        assert!(advisory("patched = []", "").affects(&v("9.9.9")));
    }

    #[test]
    fn operators() {
        let m = |req: &str, ver: &str| req_matches(&VersionReq::parse(req).expect("req"), &v(ver));
        assert!(m("^0.3.2", "0.3.9") && !m("^0.3.2", "0.4.0") && !m("^0.3.2", "0.3.1"));
        assert!(m("^1.2", "1.9.0") && !m("^1.2", "2.0.0"));
        assert!(m("^0.0.3", "0.0.3") && !m("^0.0.3", "0.0.4"));
        assert!(m("~1.2.3", "1.2.9") && !m("~1.2.3", "1.3.0"));
        assert!(m("=1.2.3", "1.2.3") && !m("=1.2.3", "1.2.4"));
        assert!(m("1.2.*", "1.2.7") && !m("1.2.*", "1.3.0"));
        assert!(m("> 1.2", "1.3.0") && !m("> 1.2", "1.2.9"));
        assert!(m("<= 1.2", "1.2.9") && !m("<= 1.2", "1.3.0"));
        assert!(m("< 0.2.2", "0.2.1") && !m("< 0.2.2", "0.2.2"));
    }

    #[test]
    fn platforms_wasm_cannot_run_on_do_not_apply() {
        assert!(advisory("patched = []", "").applies_to_wasm());
        assert!(!advisory("patched = []", "[affected]\nos = [\"windows\"]").applies_to_wasm());
        assert!(
            advisory("patched = []", "[affected]\nos = [\"linux\", \"unknown\"]").applies_to_wasm()
        );
        assert!(!advisory("patched = []", "[affected]\narch = [\"x86_64\"]").applies_to_wasm());
        assert!(advisory("patched = []", "[affected]\narch = [\"wasm32\"]").applies_to_wasm());
    }

    #[test]
    fn malformed_files_name_the_file_and_line() {
        let e = Advisory::parse("a/RUSTSEC-1.md", "# no front matter").expect_err("no toml");
        assert!(e.starts_with("a/RUSTSEC-1.md: "), "{e}");
        let e = Advisory::parse(
            "RUSTSEC-1.md",
            "```toml\n[advisory]\nid = \"RUSTSEC-1\"\npackage = \"x\"\ndate = 7\n```\n",
        )
        .expect_err("bad type");
        assert!(e.starts_with("RUSTSEC-1.md:5: "), "{e}");
        let e = Advisory::parse(
            "RUSTSEC-1.md",
            "```toml\n[advisory]\nid = \"RUSTSEC-1\"\npackage = \"x\"\ndate = \"d\"\n[versions]\npatched = [\">= banana\"]\n```\n",
        )
        .expect_err("bad req");
        assert!(e.contains("banana"), "{e}");
        let e = Advisory::parse(
            "RUSTSEC-2.md",
            "```toml\n[advisory]\nid = \"RUSTSEC-1\"\npackage = \"x\"\ndate = \"d\"\n```\n",
        )
        .expect_err("id");
        assert!(e.contains("not the file name"), "{e}");
        assert!(Advisory::parse("RUSTSEC-1.md", "```toml\n[advisory]\n").is_err());
    }

    #[test]
    fn withdrawn_advisories_are_skipped() {
        let text = "```toml\n[advisory]\nid = \"RUSTSEC-1\"\npackage = \"x\"\ndate = \"d\"\nwithdrawn = \"2020-01-01\"\n[versions]\npatched = []\n```\n";
        assert_eq!(Advisory::parse("RUSTSEC-1.md", text), Ok(None));
    }
}
