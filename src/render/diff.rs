//! Renderings of a [`Diff`]: text for the terminal, JSON
//! (`schemas/diff.schema.json`) and Markdown for a pull-request comment.

use std::fmt::Write;

use serde::Serialize;

use super::{escape, Tool, FORMAT_VERSION};
use crate::diff::{Change, Diff};

/// The `diff --format json` document.
#[derive(Debug, Serialize)]
pub struct DiffDocument<'a> {
    /// Always `wasm-audit-diff`.
    pub format: &'static str,
    /// [`FORMAT_VERSION`] of the document.
    pub format_version: u32,
    /// The tool that wrote the document.
    pub tool: Tool,
    /// The comparison; its keys sit at the top of the document.
    #[serde(flatten)]
    pub diff: &'a Diff,
}

/// The JSON document.
pub fn json(d: &Diff) -> DiffDocument<'_> {
    DiffDocument {
        format: "wasm-audit-diff",
        format_version: FORMAT_VERSION,
        tool: Tool::this(),
        diff: d,
    }
}

fn short(digest: &str) -> &str {
    digest
        .strip_prefix("sha256:")
        .and_then(|h| h.get(..12))
        .unwrap_or(digest)
}

/// The one-line summary both text and Markdown start with.
pub fn summary(d: &Diff) -> String {
    if d.identical {
        return "no changes".to_string();
    }
    let count = |c: Change| d.capabilities.iter().filter(|x| x.change == c).count();
    let risky_added = d
        .capabilities
        .iter()
        .filter(|x| x.risky && x.change == Change::Added)
        .count();
    let code_added = d
        .parts
        .iter()
        .filter(|p| p.change == "added" && p.code)
        .count();
    let code_removed = d
        .parts
        .iter()
        .filter(|p| p.change == "removed" && p.code)
        .count();
    let code_changed = d
        .parts
        .iter()
        .filter(|p| p.change == "changed" && p.code)
        .count();
    let mut parts = Vec::new();
    let mut push = |n: usize, what: &str| {
        if n > 0 {
            parts.push(format!("{n} {what}"));
        }
    };
    push(count(Change::Added), "capabilities added");
    push(risky_added, "of them risky");
    push(count(Change::Removed), "capabilities removed");
    push(count(Change::Version), "capability versions changed");
    push(code_added, "code parts added");
    push(code_removed, "code parts removed");
    push(code_changed, "code parts changed");
    push(d.root.len(), "root import/export changes");
    push(d.crates.len(), "crate changes");
    let vulns = |c: Change| d.vulnerabilities.iter().filter(|v| v.change == c).count();
    push(vulns(Change::Added), "advisories gained");
    push(vulns(Change::Removed), "advisories lost");
    push(d.metadata.len(), "metadata changes");
    if parts.is_empty() {
        "only glue, shims or names changed".to_string()
    } else {
        parts.join(", ")
    }
}

fn sign(c: Change) -> &'static str {
    match c {
        Change::Added => "+",
        Change::Removed => "-",
        Change::Version => "~",
    }
}

fn cap_text(c: &crate::diff::CapabilityChange) -> String {
    match c.change {
        Change::Version => format!(
            "{} {} → {}",
            c.interface,
            c.from
                .as_deref()
                .and_then(|f| f.split_once('@'))
                .map(|x| x.1)
                .unwrap_or("?"),
            c.to.as_deref()
                .and_then(|f| f.split_once('@'))
                .map(|x| x.1)
                .unwrap_or("?")
        ),
        _ => c.interface.clone(),
    }
}

fn part_label(path: Option<&str>, name: Option<&str>) -> String {
    match (path, name) {
        (Some(p), Some(n)) => format!("{p} `{n}`"),
        (Some(p), None) => p.to_string(),
        (None, Some(n)) => format!("`{n}`"),
        (None, None) => String::new(),
    }
}

/// [`part_label`] in Markdown: the path as text, the name as a code span.
fn md_part_label(path: Option<&str>, name: Option<&str>) -> String {
    let parts: Vec<String> = path.map(md).into_iter().chain(name.map(code)).collect();
    parts.join(" ")
}

/// Text for the terminal; `colour` adds ANSI colours.
pub fn text(d: &Diff, colour: bool) -> String {
    let paint = |code: &str, s: String| {
        if colour {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s
        }
    };
    let mut out = String::new();
    // Every line is built from names the inputs carry: escaped whole
    // before any colour is added.
    let line = |s: String| escape::text(&s).into_owned();
    let _ = writeln!(
        out,
        "{}",
        line(format!(
            "wasm-audit diff: {} ({}) → {} ({})",
            d.old.file,
            short(&d.old.digest),
            d.new.file,
            short(&d.new.digest)
        ))
    );
    let _ = writeln!(out, "{}", line(summary(d)));
    if let Some(note) = &d.note {
        let _ = writeln!(out, "{}", line(format!("note: {note}")));
    }
    if !d.capabilities.is_empty() {
        out.push_str("\nCapabilities:\n");
        for c in &d.capabilities {
            let text = line(format!(
                "  {} {:<50}  {} ({}){}",
                sign(c.change),
                cap_text(c),
                part_label(Some(&c.part), c.name.as_deref()),
                c.class,
                if c.risky { "  [risky]" } else { "" }
            ));
            let code = match (c.change, c.risky) {
                (Change::Added, true) => "31;1",
                (Change::Added, false) => "33",
                (Change::Removed, _) => "32",
                (Change::Version, _) => "36",
            };
            let _ = writeln!(out, "{}", paint(code, text));
        }
    }
    if !d.parts.is_empty() {
        out.push_str("\nParts:\n");
        for p in &d.parts {
            let what = match p.change {
                "added" => format!(
                    "+ {} {} {} {}",
                    part_label(p.new_path.as_deref(), p.new_name.as_deref()),
                    p.kind,
                    p.class,
                    short(p.new_digest.as_deref().unwrap_or(""))
                ),
                "removed" => format!(
                    "- {} {} {} {}",
                    part_label(p.old_path.as_deref(), p.old_name.as_deref()),
                    p.kind,
                    p.class,
                    short(p.old_digest.as_deref().unwrap_or(""))
                ),
                "changed" => format!(
                    "~ {} {} {}: {} → {}",
                    part_label(p.new_path.as_deref(), p.new_name.as_deref()),
                    p.kind,
                    p.class,
                    short(p.old_digest.as_deref().unwrap_or("")),
                    short(p.new_digest.as_deref().unwrap_or(""))
                ),
                "renamed" => format!(
                    "= {} {} renamed {} → {} (same bytes)",
                    p.new_path.as_deref().unwrap_or(""),
                    p.kind,
                    p.old_name.as_deref().unwrap_or("(none)"),
                    p.new_name.as_deref().unwrap_or("(none)")
                ),
                _ => format!(
                    "= {} moved to {} (same bytes)",
                    p.old_path.as_deref().unwrap_or(""),
                    p.new_path.as_deref().unwrap_or("")
                ),
            };
            let how = p
                .matched_by
                .map(|m| {
                    format!(
                        "  (matched by {})",
                        serde_json::to_value(m)
                            .ok()
                            .and_then(|v| v.as_str().map(str::to_string))
                            .unwrap_or_default()
                    )
                })
                .unwrap_or_default();
            let text = line(format!(
                "  {what}{how}{}",
                if p.code { "" } else { "  [no code]" }
            ));
            let _ = writeln!(
                out,
                "{}",
                if p.code && p.change == "added" {
                    paint("31;1", text)
                } else {
                    text
                }
            );
        }
    }
    if !d.root.is_empty() {
        out.push_str("\nRoot imports and exports:\n");
        for r in &d.root {
            let text = match r.change {
                Change::Version => format!(
                    "  ~ {} {} {} → {}",
                    r.direction,
                    r.name,
                    r.from.as_deref().unwrap_or(""),
                    r.to.as_deref().unwrap_or("")
                ),
                c => format!("  {} {} {}", sign(c), r.direction, r.name),
            };
            let _ = writeln!(out, "{}", line(text));
        }
    }
    if !d.crates.is_empty() {
        out.push_str("\nRust crates:\n");
        for c in &d.crates {
            let text = match c.change {
                Change::Version => format!(
                    "  ~ {} {} → {}  ({})",
                    c.name,
                    c.from.as_deref().unwrap_or(""),
                    c.to.as_deref().unwrap_or(""),
                    c.part
                ),
                ch => format!(
                    "  {} {} {}  ({})",
                    sign(ch),
                    c.name,
                    c.to.as_deref().or(c.from.as_deref()).unwrap_or(""),
                    c.part
                ),
            };
            let _ = writeln!(out, "{}", line(text));
        }
    }
    if !d.vulnerabilities.is_empty() {
        out.push_str("\nAdvisories:\n");
        for v in &d.vulnerabilities {
            let text = format!(
                "  {} {} {} {} {}: {}  ({}; patched: {})",
                sign(v.change),
                v.id,
                kind_name(v.kind),
                v.krate,
                v.version,
                v.title,
                v.parts.join(", "),
                if v.patched.is_empty() {
                    "none".to_string()
                } else {
                    v.patched.join(" or ")
                }
            );
            let _ = writeln!(out, "{}", line(text));
        }
    }
    if !d.metadata.is_empty() {
        out.push_str("\nMetadata:\n");
        for m in &d.metadata {
            let text = format!(
                "  ~ {} {}: {} → {}",
                m.part,
                m.field,
                m.from.as_deref().unwrap_or("(none)"),
                m.to.as_deref().unwrap_or("(none)")
            );
            let _ = writeln!(out, "{}", line(text));
        }
    }
    out
}

/// Untrusted text in Markdown prose or a table cell.
fn md(s: &str) -> String {
    escape::markdown(s)
}

/// Untrusted text as a Markdown code span.
fn code(s: &str) -> String {
    escape::markdown_code(s)
}

/// Markdown budget: GitHub comments take 65 536 characters.
pub const MARKDOWN_BUDGET: usize = 60 * 1024;

/// Markdown for a pull-request comment: a summary line, then tables with
/// the risky capability changes on top; pairings and long tables collapsed.
pub fn markdown(d: &Diff) -> String {
    let mut out = String::new();
    let risky = d
        .capabilities
        .iter()
        .any(|c| c.risky && c.change == Change::Added);
    let icon = if d.identical {
        "✅"
    } else if risky {
        "🔺"
    } else {
        "🔸"
    };
    let _ = writeln!(out, "## {icon} wasm-audit diff: {}\n", summary(d));
    let _ = writeln!(
        out,
        "{} (`{}`) → {} (`{}`)\n",
        code(&d.old.file),
        short(&d.old.digest),
        code(&d.new.file),
        short(&d.new.digest)
    );
    if let Some(note) = &d.note {
        let _ = writeln!(out, "> {}\n", md(note));
    }
    let mut cut = 0usize;
    if !d.capabilities.is_empty() {
        out.push_str("### Capabilities\n\n| | capability | part | class | risk |\n| --- | --- | --- | --- | --- |\n");
        for c in &d.capabilities {
            if out.len() > MARKDOWN_BUDGET / 2 {
                cut += 1;
                continue;
            }
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                sign(c.change),
                code(&cap_text(c)),
                md_part_label(Some(&c.part), c.name.as_deref()),
                c.class,
                if c.risky { "⚠️ risky" } else { "" }
            );
        }
        out.push('\n');
    }
    if !d.parts.is_empty() {
        out.push_str(
            "### Parts\n\n| | part | kind | class | change |\n| --- | --- | --- | --- | --- |\n",
        );
        for p in &d.parts {
            if out.len() > MARKDOWN_BUDGET * 3 / 4 {
                cut += 1;
                continue;
            }
            let (s, label) = match p.change {
                "added" => (
                    "+",
                    md_part_label(p.new_path.as_deref(), p.new_name.as_deref()),
                ),
                "removed" => (
                    "-",
                    md_part_label(p.old_path.as_deref(), p.old_name.as_deref()),
                ),
                _ => (
                    "~",
                    md_part_label(p.new_path.as_deref(), p.new_name.as_deref()),
                ),
            };
            let change = match p.change {
                "changed" => format!(
                    "digest `{}` → `{}`",
                    short(p.old_digest.as_deref().unwrap_or("")),
                    short(p.new_digest.as_deref().unwrap_or(""))
                ),
                "renamed" => format!(
                    "renamed from {} (same bytes)",
                    code(p.old_name.as_deref().unwrap_or("(none)"))
                ),
                "moved" => format!(
                    "moved from {} (same bytes)",
                    code(p.old_path.as_deref().unwrap_or(""))
                ),
                other => other.to_string(),
            };
            let _ = writeln!(
                out,
                "| {s} | {} | {} | {}{} | {} |",
                label,
                p.kind,
                p.class,
                if p.code && p.change == "added" {
                    " **new code**"
                } else {
                    ""
                },
                change
            );
        }
        out.push('\n');
    }
    let small = |rows: &[String], title: &str, header: &str, out: &mut String| {
        if rows.is_empty() {
            return;
        }
        let _ = writeln!(out, "### {title}\n\n{header}");
        for r in rows {
            out.push_str(r);
            out.push('\n');
        }
        out.push('\n');
    };
    let root_rows: Vec<String> = d
        .root
        .iter()
        .map(|r| match r.change {
            Change::Version => format!(
                "| ~ | {} | {} {} → {} |",
                r.direction,
                code(&r.name),
                md(r.from.as_deref().unwrap_or("")),
                md(r.to.as_deref().unwrap_or(""))
            ),
            c => format!("| {} | {} | {} |", sign(c), r.direction, code(&r.name)),
        })
        .collect();
    small(
        &root_rows,
        "Root imports and exports",
        "| | | name |\n| --- | --- | --- |",
        &mut out,
    );
    let crate_rows: Vec<String> = d
        .crates
        .iter()
        .map(|c| {
            format!(
                "| {} | {} | {} | {} | {} |",
                sign(c.change),
                code(&c.name),
                md(c.from.as_deref().unwrap_or("")),
                md(c.to.as_deref().unwrap_or("")),
                code(&c.part)
            )
        })
        .collect();
    small(
        &crate_rows,
        "Rust crates",
        "| | crate | from | to | module |\n| --- | --- | --- | --- | --- |",
        &mut out,
    );
    let vuln_rows: Vec<String> = d
        .vulnerabilities
        .iter()
        .map(|v| {
            format!(
                "| {} | {} | {} | {} | {} | {} | {} |",
                sign(v.change),
                code(&v.id),
                kind_name(v.kind),
                code(&v.krate),
                md(&v.version),
                md(&v.patched.join(" or ")),
                v.parts
                    .iter()
                    .map(|p| code(p))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })
        .collect();
    small(
        &vuln_rows,
        "Advisories",
        "| | advisory | kind | crate | version | patched | modules |\n| --- | --- | --- | --- | --- | --- | --- |",
        &mut out,
    );
    let meta_rows: Vec<String> = d
        .metadata
        .iter()
        .map(|m| {
            format!(
                "| {} | {} | {} | {} |",
                code(&m.part),
                md(&m.field),
                md(m.from.as_deref().unwrap_or("(none)")),
                md(m.to.as_deref().unwrap_or("(none)"))
            )
        })
        .collect();
    small(
        &meta_rows,
        "Metadata",
        "| part | field | from | to |\n| --- | --- | --- | --- |",
        &mut out,
    );
    if !d.pairings.is_empty() && out.len() < MARKDOWN_BUDGET * 3 / 4 {
        let _ = writeln!(out, "<details><summary>{} parts paired between the versions</summary>\n\n| old | new | matched by |\n| --- | --- | --- |", d.pairings.len());
        for p in &d.pairings {
            if out.len() > MARKDOWN_BUDGET - 512 {
                cut += 1;
                continue;
            }
            let how = serde_json::to_value(p.matched_by)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default();
            let _ = writeln!(out, "| {} | {} | {how} |", code(&p.old), code(&p.new));
        }
        out.push_str("\n</details>\n");
    }
    if cut > 0 {
        let _ = writeln!(
            out,
            "\n_{cut} rows not shown to fit a comment; see `--format json`._"
        );
    }
    out
}

/// How an advisory kind reads in a diff.
fn kind_name(k: crate::advisory::Kind) -> &'static str {
    match k {
        crate::advisory::Kind::Vulnerability => "vulnerability",
        crate::advisory::Kind::Unmaintained => "unmaintained",
        crate::advisory::Kind::Unsound => "unsound",
        crate::advisory::Kind::Notice => "notice",
    }
}
