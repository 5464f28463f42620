//! Manual pages, generated from the clap definitions (`wasm-audit man`):
//! one for the tool and one per command. clap_mangen writes the name,
//! synopsis, description and options; the `after_help` text each command
//! already has for `--help` becomes EXAMPLES, EXIT STATUS and NOTES, so
//! the pages and `--help` say the same things.

use clap::builder::StyledStr;
use clap_mangen::roff::{bold, roman, Roff};

/// A page: its file name (`wasm-audit-check.1`) and its roff source.
pub struct Page {
    pub file_name: String,
    pub roff: Vec<u8>,
}

/// The tool's command, built as man pages see it: subcommands carry
/// their display names (`wasm-audit-check`) and there is no `help`
/// subcommand.
fn built(cmd: clap::Command) -> clap::Command {
    let mut cmd = cmd.disable_help_subcommand(true);
    cmd.build();
    cmd
}

/// The page of the tool (`command` = `None`) or of one command.
pub fn page(root: clap::Command, command: Option<&str>) -> Result<Page, String> {
    let root = built(root);
    match command {
        None => render(&root, &root, true),
        Some(name) => match root.find_subcommand(name) {
            Some(sub) if !sub.is_hide_set() => render(&root, sub, false),
            _ => Err(format!(
                "no command `{name}` (known: {})",
                commands(&root).join(", ")
            )),
        },
    }
}

/// Every page: the tool's, then one per command.
pub fn all(root: clap::Command) -> Result<Vec<Page>, String> {
    let root = built(root);
    let mut pages = vec![render(&root, &root, true)?];
    for sub in root.get_subcommands().filter(|s| !s.is_hide_set()) {
        pages.push(render(&root, sub, false)?);
    }
    Ok(pages)
}

fn commands(root: &clap::Command) -> Vec<String> {
    root.get_subcommands()
        .filter(|s| !s.is_hide_set())
        .map(|s| s.get_name().to_string())
        .collect()
}

fn display_name(cmd: &clap::Command) -> String {
    cmd.get_display_name()
        .unwrap_or_else(|| cmd.get_name())
        .to_string()
}

fn render(root: &clap::Command, cmd: &clap::Command, is_root: bool) -> Result<Page, String> {
    let name = display_name(cmd);
    let after_help = cmd
        .get_after_long_help()
        .or_else(|| cmd.get_after_help())
        .map(|s| s.to_string())
        .unwrap_or_default();
    // clap_mangen would print `after_help` as one filled paragraph under
    // EXTRA; it is laid out below instead.
    let man = clap_mangen::Man::new(
        cmd.clone()
            .after_help(clap::builder::Resettable::<StyledStr>::Reset),
    )
    .title(name.to_uppercase())
    .source(format!("wasm-audit {}", env!("CARGO_PKG_VERSION")))
    .manual("User Commands");
    let file_name = man.get_filename();
    let mut out = Vec::new();
    man.render(&mut out).map_err(|e| e.to_string())?;

    let sections = Sections::parse(&after_help);
    let mut roff = Roff::default();
    if !sections.notes.is_empty() {
        roff.control("SH", ["NOTES"]);
        for block in &sections.notes {
            block.render(&mut roff);
        }
    }
    if !sections.exit_codes.is_empty() {
        roff.control("SH", ["EXIT STATUS"]);
        for (code, meaning) in &sections.exit_codes {
            roff.control("TP", []);
            roff.text([bold(code.as_str())]);
            roff.text([roman(meaning.as_str())]);
        }
    }
    if is_root {
        roff.control("SH", ["ENVIRONMENT"]);
        for (var, meaning) in ENVIRONMENT {
            roff.control("TP", []);
            roff.text([bold(*var)]);
            roff.text([roman(*meaning)]);
        }
    }
    if !sections.examples.is_empty() {
        roff.control("SH", ["EXAMPLES"]);
        preformatted(&mut roff, &sections.examples);
    }
    roff.control("SH", ["SEE ALSO"]);
    let see_also: Vec<String> = if is_root {
        commands(root)
            .iter()
            .map(|c| format!("{}-{c}(1)", display_name(root)))
            .collect()
    } else {
        vec![format!("{}(1)", display_name(root))]
    };
    roff.text([roman(see_also.join(", "))]);
    roff.to_writer(&mut out).map_err(|e| e.to_string())?;
    Ok(Page {
        file_name,
        roff: out,
    })
}

/// The environment variables the tool reads, for the main page.
const ENVIRONMENT: &[(&str, &str)] = &[
    (
        "NO_COLOR",
        "When set and not empty, text output is not coloured (with --color auto).",
    ),
    (
        "CLICOLOR_FORCE",
        "When set and neither empty nor 0, text output is coloured even into a pipe or a file (with --color auto; NO_COLOR wins).",
    ),
    ("CLICOLOR", "When 0, text output is not coloured (with --color auto)."),
    (
        "SOURCE_DATE_EPOCH",
        "The timestamp of SBOMs (seconds since 1970), for reproducible documents.",
    ),
    (
        "RUST_BACKTRACE",
        "When set and not 0, an internal error (a bug) prints a backtrace as well.",
    ),
];

/// A block of the NOTES section.
enum Block {
    /// Prose, filled by the formatter.
    Paragraph(String),
    /// A heading line (`Where to put the script:`) and lines kept as they are.
    Listing(String, Vec<String>),
}

impl Block {
    fn render(&self, roff: &mut Roff) {
        match self {
            Block::Paragraph(text) => {
                roff.control("PP", []);
                roff.text([roman(text.as_str())]);
            }
            Block::Listing(heading, lines) => {
                roff.control("PP", []);
                roff.text([roman(heading.as_str())]);
                preformatted(roff, lines);
            }
        }
    }
}

/// Lines kept exactly as they are (no filling, no adjusting), indented.
fn preformatted(roff: &mut Roff, lines: &[String]) {
    roff.control("RS", ["4"]);
    roff.control("nf", []);
    for line in lines {
        roff.text([roman(line.as_str())]);
    }
    roff.control("fi", []);
    roff.control("RE", []);
}

/// A command's `after_help` taken apart: `Examples:` and `Exit codes:`
/// blocks, and the rest as notes, in order.
#[derive(Default)]
struct Sections {
    examples: Vec<String>,
    exit_codes: Vec<(String, String)>,
    notes: Vec<Block>,
}

impl Sections {
    fn parse(text: &str) -> Sections {
        let mut s = Sections::default();
        for paragraph in text.split("\n\n") {
            let mut lines = paragraph.lines().filter(|l| !l.trim().is_empty());
            let Some(first) = lines.next() else { continue };
            let rest: Vec<&str> = lines.collect();
            match first.trim() {
                "Examples:" => s.examples.extend(rest.iter().map(|l| l.trim().to_string())),
                "Exit codes:" => {
                    for line in rest {
                        let line = line.trim();
                        let (code, meaning) = line.split_once(' ').unwrap_or((line, ""));
                        s.exit_codes
                            .push((code.to_string(), meaning.trim().to_string()));
                    }
                }
                // A heading over indented lines: kept as laid out.
                heading
                    if heading.ends_with(':')
                        && !rest.is_empty()
                        && rest.iter().all(|l| l.starts_with(' ')) =>
                {
                    s.notes.push(Block::Listing(
                        heading.to_string(),
                        rest.iter().map(|l| l.trim_start().to_string()).collect(),
                    ))
                }
                _ => {
                    let joined: Vec<&str> =
                        std::iter::once(first).chain(rest).map(str::trim).collect();
                    s.notes.push(Block::Paragraph(joined.join(" ")))
                }
            }
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn after_help_is_taken_apart() {
        let s = Sections::parse(
            "Examples:\n  a b\n  c\n\nSome prose\nthat goes on.\n\nWhere:\n  x  y\n  z\n\nExit codes:\n  0  fine\n  2  bad",
        );
        assert_eq!(s.examples, ["a b", "c"]);
        assert_eq!(
            s.exit_codes,
            [("0".into(), "fine".into()), ("2".into(), "bad".into())]
        );
        assert!(
            matches!(&s.notes[..], [Block::Paragraph(p), Block::Listing(h, l)]
                if p == "Some prose that goes on." && h == "Where:" && l == &["x  y", "z"])
        );
    }
}
