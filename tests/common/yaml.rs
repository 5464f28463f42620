//! A reader for the YAML subset the project's CI files are written in
//! (`action.yml`, the workflow example, the GitLab template,
//! `.pre-commit-hooks.yaml`), so tests can run what they say without a
//! YAML dependency: block maps and lists, `- key: value` list items,
//! plain, single- and double-quoted scalars, flow lists of scalars
//! (`[a, b]`), `|` block scalars, comments. Anything else (anchors, flow
//! maps, multi-line plain scalars) panics, so a file that outgrows the
//! subset is noticed rather than misread. The files themselves are held
//! to their real schemas by check-jsonschema.
#![allow(dead_code)]

#[derive(Debug, Clone, PartialEq)]
pub enum Yaml {
    Str(String),
    Map(Vec<(String, Yaml)>),
    List(Vec<Yaml>),
}

impl Yaml {
    /// The value of `key` in a map.
    pub fn get(&self, key: &str) -> Option<&Yaml> {
        self.entries()
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
    }

    /// The string of a scalar.
    pub fn str(&self) -> Option<&str> {
        match self {
            Yaml::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The entries of a map (none for anything else).
    pub fn entries(&self) -> &[(String, Yaml)] {
        match self {
            Yaml::Map(m) => m,
            _ => &[],
        }
    }

    /// The items of a list (none for anything else).
    pub fn items(&self) -> &[Yaml] {
        match self {
            Yaml::List(l) => l,
            _ => &[],
        }
    }

    /// `self[a][b]...` as a string.
    pub fn at(&self, path: &[&str]) -> Option<&str> {
        let mut v = self;
        for k in path {
            v = v.get(k)?;
        }
        v.str()
    }
}

#[derive(Debug, Clone)]
struct Line {
    indent: usize,
    text: String,
    raw: String,
}

/// Parses a document of the subset; panics (naming the line) outside it.
pub fn parse(src: &str) -> Yaml {
    let mut lines: Vec<Line> = src
        .lines()
        .map(|raw| {
            let indent = raw.len() - raw.trim_start_matches(' ').len();
            Line {
                indent,
                text: strip_comment(raw.trim()),
                raw: raw.to_string(),
            }
        })
        .collect();
    let mut pos = 0;
    skip_blank(&lines, &mut pos);
    if pos >= lines.len() {
        return Yaml::Map(Vec::new());
    }
    let indent = lines[pos].indent;
    let doc = block(&mut lines, &mut pos, indent);
    skip_blank(&lines, &mut pos);
    assert!(
        pos >= lines.len(),
        "yaml subset: unexpected line {}: {:?}",
        pos + 1,
        lines[pos].raw
    );
    doc
}

fn strip_comment(text: &str) -> String {
    if text.starts_with('#') || text == "---" {
        return String::new();
    }
    let mut quote = None;
    let mut prev = ' ';
    for (i, c) in text.char_indices() {
        match (quote, c) {
            (None, '#') if prev == ' ' => return text[..i].trim_end().to_string(),
            (None, '"' | '\'') if prev == ' ' || prev == ':' || i == 0 => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            _ => {}
        }
        prev = c;
    }
    text.to_string()
}

fn skip_blank(lines: &[Line], pos: &mut usize) {
    while *pos < lines.len() && lines[*pos].text.is_empty() {
        *pos += 1;
    }
}

fn is_item(text: &str) -> bool {
    text == "-" || text.starts_with("- ")
}

fn block(lines: &mut Vec<Line>, pos: &mut usize, indent: usize) -> Yaml {
    if is_item(&lines[*pos].text) {
        list(lines, pos, indent)
    } else {
        map(lines, pos, indent)
    }
}

fn list(lines: &mut Vec<Line>, pos: &mut usize, indent: usize) -> Yaml {
    let mut items = Vec::new();
    loop {
        skip_blank(lines, pos);
        if *pos >= lines.len() || lines[*pos].indent != indent || !is_item(&lines[*pos].text) {
            break;
        }
        let rest = lines[*pos].text[1..].trim_start().to_string();
        if rest.is_empty() {
            *pos += 1;
            skip_blank(lines, pos);
            let inner = lines[*pos].indent;
            assert!(inner > indent, "yaml subset: empty item at line {}", *pos);
            items.push(block(lines, pos, inner));
        } else if rest == "|" || rest == "|-" {
            *pos += 1;
            items.push(literal(lines, pos, indent, rest == "|"));
        } else if split_key(&rest).is_some() {
            // `- key: value`: a map whose first line starts after "- ".
            let inner = indent + (lines[*pos].text.len() - rest.len());
            lines[*pos].indent = inner;
            lines[*pos].text = rest;
            items.push(map(lines, pos, inner));
        } else {
            items.push(scalar(&rest));
            *pos += 1;
        }
    }
    Yaml::List(items)
}

/// `key: value` or `key:`; `None` for anything else.
fn split_key(text: &str) -> Option<(String, String)> {
    if text.starts_with('"') || text.starts_with('\'') || text.starts_with('[') {
        return None;
    }
    let (key, value) = match text.find(": ") {
        Some(i) => (&text[..i], text[i + 2..].trim()),
        None => (text.strip_suffix(':')?, ""),
    };
    (!key.is_empty() && !key.contains(' ')).then(|| (key.to_string(), value.to_string()))
}

fn map(lines: &mut Vec<Line>, pos: &mut usize, indent: usize) -> Yaml {
    let mut entries = Vec::new();
    loop {
        skip_blank(lines, pos);
        if *pos >= lines.len() || lines[*pos].indent != indent || is_item(&lines[*pos].text) {
            break;
        }
        let line = lines[*pos].clone();
        let (key, value) = split_key(&line.text)
            .unwrap_or_else(|| panic!("yaml subset: not `key: value`: {:?}", line.raw));
        *pos += 1;
        let value = if value == "|" || value == "|-" {
            literal(lines, pos, indent, value == "|")
        } else if value.starts_with('>') || value.starts_with('&') || value.starts_with('*') {
            panic!("yaml subset: unsupported value {:?}", line.raw)
        } else if value.is_empty() {
            skip_blank(lines, pos);
            match lines.get(*pos) {
                Some(next) if next.indent > indent => {
                    let inner = next.indent;
                    block(lines, pos, inner)
                }
                // A list may sit at its key's indent.
                Some(next) if next.indent == indent && is_item(&next.text) => {
                    list(lines, pos, indent)
                }
                _ => Yaml::Str(String::new()),
            }
        } else {
            scalar(&value)
        };
        entries.push((key, value));
    }
    Yaml::Map(entries)
}

/// A `|` block: the raw lines after `pos` indented more than `indent`.
fn literal(lines: &[Line], pos: &mut usize, indent: usize, keep_newline: bool) -> Yaml {
    let mut text = Vec::new();
    let mut block_indent = None;
    while *pos < lines.len() {
        let l = &lines[*pos];
        if l.raw.trim().is_empty() {
            text.push(String::new());
        } else if l.indent > indent {
            let bi = *block_indent.get_or_insert(l.indent);
            text.push(l.raw[bi.min(l.indent)..].to_string());
        } else {
            break;
        }
        *pos += 1;
    }
    while text.last().is_some_and(|l| l.is_empty()) {
        text.pop();
    }
    let mut s = text.join("\n");
    if keep_newline {
        s.push('\n');
    }
    Yaml::Str(s)
}

fn scalar(text: &str) -> Yaml {
    if let Some(inner) = text.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
        return Yaml::List(
            inner
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(scalar)
                .collect(),
        );
    }
    assert!(
        !text.starts_with('{'),
        "yaml subset: flow maps are not supported: {text:?}"
    );
    if let Some(inner) = text.strip_prefix('"').and_then(|t| t.strip_suffix('"')) {
        let mut out = String::new();
        let mut chars = inner.chars();
        while let Some(c) = chars.next() {
            if c == '\\' {
                match chars.next() {
                    Some('n') => out.push('\n'),
                    Some('t') => out.push('\t'),
                    Some(c) => out.push(c),
                    None => {}
                }
            } else {
                out.push(c);
            }
        }
        return Yaml::Str(out);
    }
    if let Some(inner) = text.strip_prefix('\'').and_then(|t| t.strip_suffix('\'')) {
        return Yaml::Str(inner.replace("''", "'"));
    }
    Yaml::Str(text.to_string())
}

#[test]
fn the_subset_reads_as_yaml_does() {
    let doc = parse(
        "# c\na: 1\nb:\n  - x\n  - name: n # c\n    env:\n      K: \"v # not a comment\"\n  - [p, 'q''s']\nc:\n- y\nd: |\n  line 1\n    line 2\ne: ''\nf:\n  - |\n    x # y\n\n    z\n",
    );
    assert_eq!(doc.at(&["a"]), Some("1"));
    let b = doc.get("b").unwrap().items();
    assert_eq!(b[0].str(), Some("x"));
    assert_eq!(b[1].at(&["name"]), Some("n"));
    assert_eq!(b[1].at(&["env", "K"]), Some("v # not a comment"));
    assert_eq!(b[2].items()[1].str(), Some("q's"));
    assert_eq!(doc.get("c").unwrap().items()[0].str(), Some("y"));
    assert_eq!(doc.at(&["d"]), Some("line 1\n  line 2\n"));
    assert_eq!(doc.at(&["e"]), Some(""));
    assert_eq!(doc.get("f").unwrap().items()[0].str(), Some("x # y\n\nz\n"));
}
