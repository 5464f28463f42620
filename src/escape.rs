//! Escaping of untrusted text (names, metadata, interface names, file
//! names, messages that quote them) for each output format, so that what
//! a binary carries can never act on the terminal or the document it is
//! shown in: no ANSI sequence that clears the screen, no newline that
//! starts a fake `PASS` line, no Markdown link or HTML, no XML that does
//! not parse, no early end of a DOT or Mermaid label.
//!
//! Every renderer passes every string that comes from an input through one
//! of these; JSON outputs are escaped by `serde_json`.

use std::borrow::Cow;
use std::fmt::Write;

/// Characters that change how text is displayed rather than what it says:
/// C0 and C1 controls (ANSI escape sequences, carriage returns, newlines),
/// bidirectional overrides and isolates ("Trojan Source"), zero-width
/// characters, line and paragraph separators, byte-order marks and
/// interlinear annotation marks.
pub fn is_invisible(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061c}'
                | '\u{180e}'
                | '\u{200b}'..='\u{200f}'
                | '\u{2028}'..='\u{202e}'
                | '\u{2060}'..='\u{2064}'
                | '\u{2066}'..='\u{206f}'
                | '\u{feff}'
                | '\u{fff9}'..='\u{fffb}'
        )
}

/// Writes the visible escape of an invisible character: `\n`, `\r`, `\t`,
/// `\x1b` for other ASCII controls, `\u{202e}` for the rest.
fn push_escape(out: &mut String, c: char) {
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        c if (c as u32) < 0x80 => {
            let _ = write!(out, "\\x{:02x}", c as u32);
        }
        c => {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        }
    }
}

/// Plain text on one line: every invisible character (newlines included)
/// shown as an escape. Borrowed when there is nothing to escape.
pub fn text(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_invisible) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if is_invisible(c) {
            push_escape(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// A message on one line: the lines of a multi-line message (validator
/// output, pretty-printed types) joined with spaces, then escaped as
/// [`text`]. Every error the tool prints goes through this.
pub fn one_line(s: &str) -> String {
    let joined: Vec<&str> = s.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    text(&joined.join(" ")).into_owned()
}

/// Text that keeps its line breaks (WIT documentation comments): every
/// invisible character but `\n` is escaped.
pub fn multiline(s: &str) -> Cow<'_, str> {
    if !s.chars().any(|c| c != '\n' && is_invisible(c)) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if c != '\n' && is_invisible(c) {
            push_escape(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Markdown prose (also inside a table cell): every character that can
/// start markup is backslash-escaped: emphasis, links and images, HTML and
/// autolinks (`<`), entities (`&`), code spans, table cells, headings,
/// strikethrough, math (`$`) and mentions (`@`); a `-`, `+`, `=` or `.`
/// that could start a list or a heading underline is escaped at the start.
/// On one line.
pub fn markdown(s: &str) -> String {
    let s = text(s);
    let mut out = String::with_capacity(s.len() + 8);
    for (i, c) in s.chars().enumerate() {
        let special = "\\`*_[]<>#!|~&@$".contains(c) || (i == 0 && "-+=.".contains(c));
        if special {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A Markdown code span holding `s` literally: the fence is one backtick
/// longer than the longest run inside, `|` is escaped for table cells
/// (GitHub removes the backslash inside code spans in tables), and the
/// content is on one line.
pub fn markdown_code(s: &str) -> String {
    let s = text(s).replace('|', "\\|");
    let mut longest = 0;
    let mut run = 0;
    for c in s.chars() {
        if c == '`' {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    let fence = "`".repeat(longest + 1);
    let pad = if s.starts_with('`') || s.ends_with('`') || s.is_empty() {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{s}{pad}{fence}")
}

/// XML character data or attribute value: the five markup characters as
/// entities, characters XML 1.0 cannot carry (most C0 controls, U+FFFE,
/// U+FFFF) as U+FFFD, and the other invisible characters escaped as
/// [`text`], so a value never spans lines.
pub fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\u{fffe}' | '\u{ffff}' => out.push('\u{fffd}'),
            c if is_invisible(c) => push_escape(&mut out, c),
            c => out.push(c),
        }
    }
    out
}

/// XML text that may span lines (a JUnit failure body made of several
/// messages): each line escaped as [`xml`], joined with `\n`.
pub fn xml_lines(lines: &[String]) -> String {
    lines.iter().map(|l| xml(l)).collect::<Vec<_>>().join("\n")
}

/// A Graphviz DOT double-quoted string's content: quotes and backslashes
/// escaped (so `\l`, `\N` and friends cannot be smuggled in), invisible
/// characters shown as escapes.
pub fn dot(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if is_invisible(c) => {
                let mut e = String::new();
                push_escape(&mut e, c);
                out.push_str(&e.replace('\\', "\\\\"));
            }
            c => out.push(c),
        }
    }
    out
}

/// A Mermaid quoted label's content: the characters that would end the
/// quoted string or the edge label (`"`, `|`), start an entity (`#`, `&`),
/// HTML (`<`, `>`) or a Markdown string (`` ` ``) as Mermaid entity codes
/// (`#35;`); invisible characters shown as escapes.
pub fn mermaid(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' | '#' | '&' | '<' | '>' | '`' | '|' => {
                let _ = write!(out, "#{};", c as u32);
            }
            c if is_invisible(c) => push_escape(&mut out, c),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOSTILE: &str = "a\x1b[2J\rPASS\nb\u{202e}c\u{200b}d\x7f\u{85}";

    #[test]
    fn text_is_one_visible_line() {
        let t = text(HOSTILE);
        assert!(!t.chars().any(is_invisible), "{t}");
        assert_eq!(t, "a\\x1b[2J\\rPASS\\nb\\u{202e}c\\u{200b}d\\x7f\\u{85}");
        assert!(matches!(text("plain name"), Cow::Borrowed(_)));
    }

    #[test]
    fn one_line_joins_lines() {
        assert_eq!(
            one_line("type mismatch\n  expected: u32\n  found: \x1b[31mstring\n"),
            "type mismatch expected: u32 found: \\x1b[31mstring"
        );
    }

    #[test]
    fn markdown_is_inert() {
        let m = markdown("[PASS](https://evil) <img src=x> `x` | *b* @team &amp;");
        for bad in ["[PASS]", "`x`", " | ", "*b*", " @team", " &amp;"] {
            assert!(!m.contains(bad), "{bad} in {m}");
        }
        // Every markup character is escaped, `<` included.
        let mut prev = ' ';
        for c in m.chars() {
            if "`*_[]<>#!|~&@$".contains(c) {
                assert_eq!(prev, '\\', "{c} unescaped in {m}");
            }
            prev = if prev == '\\' && c == '\\' { ' ' } else { c };
        }
        assert_eq!(markdown("- a/b.wasm"), "\\- a/b.wasm");
        assert_eq!(markdown_code("a`b"), "``a`b``");
        assert_eq!(markdown_code("`a"), "`` `a ``");
        assert_eq!(markdown_code("a|b"), "`a\\|b`");
    }

    #[test]
    fn xml_is_well_formed() {
        let x = xml("<a href='x'>&\u{1}\u{fffe}\n</a>");
        assert_eq!(
            x,
            "&lt;a href=&apos;x&apos;&gt;&amp;\\x01\u{fffd}\\n&lt;/a&gt;"
        );
    }

    #[test]
    fn dot_and_mermaid_labels_cannot_end_early() {
        assert_eq!(dot("a\"b\\l\n"), "a\\\"b\\\\l\\\\n");
        let m = mermaid("a\"]) --> x[\"b`<br>#|");
        for c in ['"', '<', '`', '|'] {
            assert!(!m.contains(c), "{c} in {m}");
        }
    }
}
