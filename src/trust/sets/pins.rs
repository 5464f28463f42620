//! Pins in other tools' TOML files. These are read from toml's spanned
//! document tree rather than through serde structs: unknown keys must be
//! allowed (the files belong to other tools), yet a wrong type in a field
//! that is used must be reported at its own line, and the tree keeps a span
//! for every key and value.
//!
//! One file for `wkg.lock`, `Cargo-component.lock` and `spin.toml`: the
//! three share one span-aware TOML reader (line numbers for every entry).

use super::*;

/// Byte offsets of line starts, so that every entry's line is found by
/// a binary search rather than a scan from the top.
pub(crate) struct Lines {
    starts: Vec<usize>,
}

impl Lines {
    pub(crate) fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(
            text.bytes()
                .enumerate()
                .filter(|&(_, b)| b == b'\n')
                .map(|(i, _)| i + 1),
        );
        Self { starts }
    }

    /// The 1-based line of a byte offset.
    pub(crate) fn line(&self, offset: usize) -> usize {
        match self.starts.binary_search(&offset) {
            Ok(i) => i + 1,
            Err(i) => i,
        }
    }
}

/// What is being read, and where, for messages.
pub(crate) struct Cx<'p> {
    pub(crate) path: &'p str,
    pub(crate) lines: Lines,
}

impl Cx<'_> {
    pub(crate) fn line(&self, span: &Range<usize>) -> usize {
        self.lines.line(span.start)
    }

    pub(crate) fn error(&self, span: &Range<usize>, message: String) -> SetError {
        SetError::Toml {
            path: self.path.to_owned(),
            line: self.line(span),
            message,
        }
    }

    pub(crate) fn table<'t, 'i>(
        &self,
        value: &'t toml::Spanned<DeValue<'i>>,
        what: &str,
    ) -> Result<&'t DeTable<'i>, SetError> {
        match value.get_ref() {
            DeValue::Table(t) => Ok(t),
            other => Err(self.error(
                &value.span(),
                format!("`{what}` must be a table, not {}", type_name(other)),
            )),
        }
    }

    pub(crate) fn array<'t, 'i>(
        &self,
        value: &'t toml::Spanned<DeValue<'i>>,
        what: &str,
    ) -> Result<&'t [toml::Spanned<DeValue<'i>>], SetError> {
        match value.get_ref() {
            DeValue::Array(a) => Ok(a.as_ref()),
            other => Err(self.error(
                &value.span(),
                format!(
                    "`{what}` must be an array of tables ([[{what}]]), not {}",
                    type_name(other)
                ),
            )),
        }
    }

    /// An optional string field with its span.
    pub(crate) fn string<'t>(
        &self,
        table: &'t DeTable<'_>,
        key: &str,
        what: &str,
    ) -> Result<Option<(&'t str, Range<usize>)>, SetError> {
        let Some(value) = table.get(key) else {
            return Ok(None);
        };
        match value.get_ref() {
            DeValue::String(s) => Ok(Some((s.as_ref(), value.span()))),
            other => Err(self.error(
                &value.span(),
                format!("`{what}.{key}` must be a string, not {}", type_name(other)),
            )),
        }
    }

    /// A string field that must be there; a missing one is reported at
    /// the table (for `[[...]]` tables, their header line).
    pub(crate) fn required<'t>(
        &self,
        table: &'t DeTable<'_>,
        table_span: &Range<usize>,
        key: &str,
        what: &str,
    ) -> Result<(&'t str, Range<usize>), SetError> {
        self.string(table, key, what)?
            .ok_or_else(|| self.error(table_span, format!("`{what}` has no `{key}`")))
    }

    /// Normalises a digest read at `span` and adds the entry.
    fn pin(
        &self,
        collector: &mut Collector<'_>,
        raw: &str,
        span: &Range<usize>,
        name: &str,
        version: Option<&str>,
        source: Option<&str>,
    ) -> Result<(), SetError> {
        let line = self.line(span);
        let at = format!("line {line}");
        let digest = normalize_digest(raw).map_err(|why| SetError::BadDigest {
            path: self.path.to_owned(),
            at: at.clone(),
            digest: clip(raw),
            why,
        })?;
        let pin = Pin {
            name: Some(name.to_owned()),
            version: version.map(str::to_owned),
            digest,
            source: source.map(str::to_owned),
        };
        collector.push(pin, || format!("{}:{line}", self.path), || at)
    }
}

pub(crate) fn type_name(value: &DeValue<'_>) -> &'static str {
    match value {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) => "an integer",
        DeValue::Float(_) => "a float",
        DeValue::Boolean(_) => "a boolean",
        DeValue::Datetime(_) => "a date-time",
        DeValue::Array(_) => "an array",
        DeValue::Table(_) => "a table",
    }
}

pub(super) fn read(
    path: &str,
    body: &[u8],
    kind: SetKind,
    collector: &mut Collector<'_>,
) -> Result<(), SetError> {
    let text = std::str::from_utf8(body).map_err(|e| {
        let offset = e.valid_up_to();
        let before = body.get(..offset).unwrap_or_default();
        let line = 1 + before.iter().filter(|&&b| b == b'\n').count();
        SetError::Toml {
            path: path.to_owned(),
            line,
            message: format!("not UTF-8 (at byte offset {offset})"),
        }
    })?;
    let text = quote_template_keys(text);
    let cx = Cx {
        path,
        lines: Lines::new(&text),
    };
    let doc = DeTable::parse(&text).map_err(|e| {
        let span = e.span().unwrap_or(0..0);
        cx.error(&span, e.message().to_owned())
    })?;
    let root = doc.get_ref();
    match kind {
        SetKind::WkgLock => read_lock(&cx, root, "wkg.lock", "packages", "versions", collector),
        SetKind::CargoComponentLock => read_lock(
            &cx,
            root,
            "Cargo-component.lock",
            "package",
            "version",
            collector,
        ),
        SetKind::SpinToml => read_spin(&cx, root, collector),
        SetKind::Json => Ok(()),
    }
}

/// `wkg.lock` (`[[packages]]` / `[[packages.versions]]`) and
/// `Cargo-component.lock` (`[[package]]` / `[[package.version]]`): the
/// same lock written by two tools under two spellings.
fn read_lock(
    cx: &Cx<'_>,
    root: &DeTable<'_>,
    format: &str,
    packages_key: &str,
    versions_key: &str,
    collector: &mut Collector<'_>,
) -> Result<(), SetError> {
    if let Some(v) = root.get("version") {
        let DeValue::Integer(i) = v.get_ref() else {
            return Err(cx.error(
                &v.span(),
                format!(
                    "`version` must be an integer, not {}",
                    type_name(v.get_ref())
                ),
            ));
        };
        if i64::from_str_radix(i.as_str(), i.radix()).ok() != Some(1) {
            return Err(SetError::Unsupported {
                path: cx.path.to_owned(),
                at: format!("line {}", cx.line(&v.span())),
                why: format!("{format} version {i} is not supported (only 1 is)"),
            });
        }
    }
    let Some(packages) = root.get(packages_key) else {
        return Ok(());
    };
    for (i, package) in cx.array(packages, packages_key)?.iter().enumerate() {
        let what = format!("{packages_key}[{i}]");
        let table = cx.table(package, &what)?;
        let (name, _) = cx.required(table, &package.span(), "name", &what)?;
        let registry = cx.string(table, "registry", &what)?.map(|(r, _)| r);
        let Some(versions) = table.get(versions_key) else {
            continue;
        };
        let versions_what = format!("{what}.{versions_key}");
        for (j, locked) in cx.array(versions, &versions_what)?.iter().enumerate() {
            let what = format!("{versions_what}[{j}]");
            let vtable = cx.table(locked, &what)?;
            let (version, _) = cx.required(vtable, &locked.span(), "version", &what)?;
            let (digest, span) = cx.required(vtable, &locked.span(), "digest", &what)?;
            cx.pin(collector, digest, &span, name, Some(version), registry)?;
        }
    }
    Ok(())
}

/// `spin.toml`: manifest v2 `[component.<id>]` tables or manifest v1
/// `[[component]]` with an `id`.
fn read_spin(
    cx: &Cx<'_>,
    root: &DeTable<'_>,
    collector: &mut Collector<'_>,
) -> Result<(), SetError> {
    let Some(components) = root.get("component") else {
        return Ok(());
    };
    match components.get_ref() {
        DeValue::Table(by_id) => {
            // The tree sorts keys; entries keep the file's order.
            let mut ordered: Vec<_> = by_id.iter().collect();
            ordered.sort_by_key(|(id, _)| id.span().start);
            for (id, component) in ordered {
                let id = id.get_ref().as_ref();
                let what = format!("component.{}", clip(id));
                let table = cx.table(component, &what)?;
                spin_source(cx, table, id, &what, collector)?;
            }
            Ok(())
        }
        DeValue::Array(list) => {
            for (i, component) in list.iter().enumerate() {
                let what = format!("component[{i}]");
                let table = cx.table(component, &what)?;
                let id = cx.string(table, "id", &what)?;
                if !has_digest(table) {
                    continue;
                }
                let Some((id, _)) = id else {
                    return Err(cx.error(
                        &component.span(),
                        format!("`{what}` pins a digest but has no `id`"),
                    ));
                };
                spin_source(cx, table, id, &what, collector)?;
            }
            Ok(())
        }
        other => Err(cx.error(
            &components.span(),
            format!(
                "`component` must be [component.<id>] tables or [[component]] tables, not {}",
                type_name(other)
            ),
        )),
    }
}

fn has_digest(component: &DeTable<'_>) -> bool {
    component
        .get("source")
        .and_then(|s| s.get_ref().as_table())
        .is_some_and(|s| s.get("digest").is_some())
}

/// A component's `source`: a table with a `digest` pins its URL's
/// bytes; a string is a local path and pins nothing.
fn spin_source(
    cx: &Cx<'_>,
    component: &DeTable<'_>,
    id: &str,
    what: &str,
    collector: &mut Collector<'_>,
) -> Result<(), SetError> {
    let Some(source) = component.get("source") else {
        return Ok(());
    };
    let what = format!("{what}.source");
    match source.get_ref() {
        DeValue::String(_) => Ok(()),
        DeValue::Table(table) => {
            let url = cx.string(table, "url", &what)?.map(|(u, _)| u);
            match cx.string(table, "digest", &what)? {
                Some((digest, span)) => cx.pin(collector, digest, &span, id, None, url),
                None => Ok(()),
            }
        }
        other => Err(cx.error(
            &source.span(),
            format!(
                "`{what}` must be a path string or a {{ url, digest }} table, not {}",
                type_name(other)
            ),
        )),
    }
}

/// Spin's templates (`templates/*/content/spin.toml`) are Liquid
/// templates whose table headers hold placeholders such as
/// `[component.{{project-name | kebab_case}}]`, which are not TOML keys.
/// Quoting such header segments makes the template readable as written,
/// with the placeholder as the component id. Only header lines change,
/// and no line is added or removed, so line numbers stay those of the
/// file.
pub(crate) fn quote_template_keys(text: &str) -> Cow<'_, str> {
    if !text.contains("{{") {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for line in text.split_inclusive('\n') {
        let header = line.trim_start().starts_with('[') && line.contains("{{");
        match header.then(|| quote_header(line)).flatten() {
            Some(quoted) => out.push_str(&quoted),
            None => out.push_str(line),
        }
    }
    Cow::Owned(out)
}

/// Rewrites one `[a.{{b}}]` / `[[a.{{b}}]]` header line; `None` leaves
/// the line as it is (the TOML parser then reports it).
fn quote_header(line: &str) -> Option<String> {
    let mut out = String::with_capacity(line.len() + 8);
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next_if(|c| *c == ' ' || *c == '\t') {
        out.push(c);
    }
    if chars.next()? != '[' {
        return None;
    }
    out.push('[');
    if let Some(c) = chars.next_if_eq(&'[') {
        out.push(c);
    }
    let mut segment = String::new();
    let mut quote: Option<char> = None;
    let mut in_placeholder = false;
    loop {
        let c = chars.next()?;
        if let Some(q) = quote {
            segment.push(c);
            if c == q {
                quote = None;
            } else if c == '\\' && q == '"' {
                segment.extend(chars.next());
            }
            continue;
        }
        if in_placeholder {
            segment.push(c);
            if c == '}' && chars.next_if_eq(&'}').is_some() {
                segment.push('}');
                in_placeholder = false;
            }
            continue;
        }
        match c {
            '"' | '\'' => {
                quote = Some(c);
                segment.push(c);
            }
            '{' if chars.next_if_eq(&'{').is_some() => {
                segment.push_str("{{");
                in_placeholder = true;
            }
            '.' | ']' => {
                push_segment(&mut out, &segment);
                segment.clear();
                out.push(c);
                if c == ']' {
                    out.extend(chars);
                    return Some(out);
                }
            }
            _ => segment.push(c),
        }
    }
}

fn push_segment(out: &mut String, segment: &str) {
    let key = segment.trim_matches([' ', '\t']);
    let bare_placeholder = key.contains("{{")
        && !key.starts_with(['"', '\''])
        && !key.contains(['"', '\\'])
        && !key.chars().any(char::is_control);
    if bare_placeholder {
        out.push('"');
        out.push_str(key);
        out.push('"');
    } else {
        out.push_str(segment);
    }
}

/// Which pin format a TOML document is, if any.
pub(super) fn sniff(bytes: &[u8]) -> Option<SetKind> {
    if bytes.len() > MAX_SET_SIZE {
        return None;
    }
    let body = bytes.strip_prefix(BOM).unwrap_or(bytes);
    // A JSON object cannot be TOML; skip the parse for the common case.
    if body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{') {
        return None;
    }
    let text = std::str::from_utf8(body).ok()?;
    let text = quote_template_keys(text);
    let doc = DeTable::parse(&text).ok()?;
    let root = doc.get_ref();
    let spin = root.contains_key("spin_manifest_version")
        || root.contains_key("spin_version")
        || match root.get("component").map(|c| c.get_ref()) {
            Some(DeValue::Table(by_id)) => by_id.values().any(|c| {
                c.get_ref()
                    .as_table()
                    .is_some_and(|t| t.contains_key("source"))
            }),
            Some(DeValue::Array(list)) => list.iter().any(|c| {
                c.get_ref()
                    .as_table()
                    .is_some_and(|t| t.contains_key("source"))
            }),
            _ => false,
        };
    if spin {
        return Some(SetKind::SpinToml);
    }
    let tables_with = |key: &str, inner: &str| {
        root.get(key)
            .and_then(|p| p.get_ref().as_array())
            .is_some_and(|list| {
                list.iter().any(|p| {
                    p.get_ref()
                        .as_table()
                        .and_then(|t| t.get(inner))
                        .is_some_and(|v| v.get_ref().is_array())
                })
            })
    };
    if tables_with("packages", "versions") {
        return Some(SetKind::WkgLock);
    }
    if tables_with("package", "version") {
        return Some(SetKind::CargoComponentLock);
    }
    None
}
