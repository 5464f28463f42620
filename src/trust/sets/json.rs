//! The project's JSON format, read in one streaming pass with serde so
//! that positions come from serde_json and a large set is never held as a
//! generic JSON tree.

use super::*;

/// Keys of the full form; an object starting with one of them is the
/// full form, any other object is a name → digest map (which therefore
/// cannot use these as names).
const TOP_KEYS: &[&str] = &["$schema", "version", "entries"];
const ENTRY_KEYS: &[&str] = &["name", "version", "digest", "source"];

/// State shared by the visitors of one read.
struct Ctx<'c, 'p> {
    collector: &'c mut Collector<'p>,
    /// An error found by a check (not by serde_json), kept whole while
    /// a plain serde error carries its position out.
    pending: Option<SetError>,
    /// The entry being read, to say which one a serde error is in.
    current: Option<Label>,
}

/// Where an entry is in the document, made into text only when needed.
#[derive(Clone)]
enum Label {
    /// `[3]` in the list form.
    Item(usize),
    /// `["name"]` in the map form (the name already cut short).
    Key(String),
    /// `entries[3]` in the full form.
    Entry(usize),
}

impl fmt::Display for Label {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            Label::Item(i) => write!(f, "[{i}]"),
            Label::Key(name) => write!(f, "[{name:?}]"),
            Label::Entry(i) => write!(f, "entries[{i}]"),
        }
    }
}

impl Ctx<'_, '_> {
    fn fail<E: de::Error>(&mut self, err: SetError) -> E {
        let message = err.to_string();
        self.pending = Some(err);
        E::custom(message)
    }

    fn path(&self) -> &str {
        self.collector.path
    }

    /// Adds an entry found at `at`; on a conflict or the entry limit,
    /// keeps the error for [`read`] and hands serde one to stop with.
    fn push<E: de::Error>(&mut self, pin: Pin, at: &Label) -> Result<(), E> {
        let path = self.collector.path;
        let origin = || format!("{path}: {at}");
        match self.collector.push(pin, origin, || at.to_string()) {
            Ok(()) => Ok(()),
            Err(err) => Err(self.fail(err)),
        }
    }
}

pub(super) fn read(path: &str, body: &[u8], collector: &mut Collector<'_>) -> Result<(), SetError> {
    let mut ctx = Ctx {
        collector,
        pending: None,
        current: None,
    };
    let mut de = serde_json::Deserializer::from_slice(body);
    let result = Document(&mut ctx)
        .deserialize(&mut de)
        .and_then(|()| de.end());
    let Err(e) = result else {
        return Ok(());
    };
    let (line, column) = (e.line(), e.column());
    if let Some(err) = ctx.pending.take() {
        return Err(err.at_json_position(line, column));
    }
    // serde_json's text ends with the position, which the variant holds;
    // it may quote a whole offending string, hence the cut.
    let text = e.to_string();
    let suffix = format!(" at line {line} column {column}");
    let bare = clip_to(text.strip_suffix(&suffix).unwrap_or(&text), 300);
    let message = match ctx.current.take() {
        Some(label) => format!("{label}: {bare}"),
        None => bare,
    };
    Err(SetError::Json {
        path: path.to_owned(),
        line,
        column,
        message,
    })
}

/// The whole document: the full form, the map form or the list form.
struct Document<'a, 'c, 'p>(&'a mut Ctx<'c, 'p>);

impl<'de> DeserializeSeed<'de> for Document<'_, '_, '_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Document<'_, '_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(
            "a trust set: {\"version\": 1, \"entries\": [...]}, a {\"<name>\": \"<digest>\"} \
             map, or a [\"<digest>\"] list",
        )
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let ctx = self.0;
        let mut i = 0usize;
        loop {
            let seed = DigestSeed {
                ctx: &mut *ctx,
                at: &Label::Item(i),
                then: Then::Pin(None),
            };
            if seq.next_element_seed(seed)?.is_none() {
                return Ok(());
            }
            i += 1;
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let ctx = self.0;
        let Some(first) = map.next_key::<String>()? else {
            return Ok(());
        };
        if TOP_KEYS.contains(&first.as_str()) {
            full_form(ctx, first, map)
        } else {
            map_form(ctx, first, map)
        }
    }
}

fn full_form<'de, A: MapAccess<'de>>(
    ctx: &mut Ctx<'_, '_>,
    first: String,
    mut map: A,
) -> Result<(), A::Error> {
    let (mut schema, mut version, mut entries) = (false, false, false);
    let mut key = Some(first);
    while let Some(k) = key {
        match k.as_str() {
            "$schema" => {
                if std::mem::replace(&mut schema, true) {
                    return Err(de::Error::duplicate_field("$schema"));
                }
                map.next_value::<String>()?;
            }
            "version" => {
                if std::mem::replace(&mut version, true) {
                    return Err(de::Error::duplicate_field("version"));
                }
                map.next_value_seed(VersionSeed(&mut *ctx))?;
            }
            "entries" => {
                if std::mem::replace(&mut entries, true) {
                    return Err(de::Error::duplicate_field("entries"));
                }
                map.next_value_seed(EntriesSeed(&mut *ctx))?;
            }
            other => return Err(de::Error::unknown_field(&clip(other), TOP_KEYS)),
        }
        key = map.next_key::<String>()?;
    }
    if !version {
        return Err(de::Error::missing_field("version"));
    }
    if !entries {
        return Err(de::Error::missing_field("entries"));
    }
    Ok(())
}

fn map_form<'de, A: MapAccess<'de>>(
    ctx: &mut Ctx<'_, '_>,
    first: String,
    mut map: A,
) -> Result<(), A::Error> {
    let mut key = Some(first);
    while let Some(name) = key {
        if name.is_empty() {
            return Err(de::Error::custom("a name in a name → digest map is empty"));
        }
        if TOP_KEYS.contains(&name.as_str()) {
            return Err(de::Error::custom(format_args!(
                "`{name}` is a key of the full form {{\"version\": 1, \"entries\": [...]}}, \
                 which starts with `$schema`, `version` or `entries`; it cannot be a name in \
                 a name → digest map"
            )));
        }
        let at = Label::Key(clip(&name));
        map.next_value_seed(DigestSeed {
            ctx: &mut *ctx,
            at: &at,
            then: Then::Pin(Some(name)),
        })?;
        key = map.next_key::<String>()?;
    }
    Ok(())
}

/// The `version` of the full form: only 1 exists. Any number equal to
/// 1 is accepted, as JSON Schema's `const: 1` does.
struct VersionSeed<'a, 'c, 'p>(&'a mut Ctx<'c, 'p>);

impl VersionSeed<'_, '_, '_> {
    fn unsupported<E: de::Error>(self, shown: &dyn fmt::Display) -> E {
        let err = SetError::Unsupported {
            path: self.0.path().to_owned(),
            at: "version".into(),
            why: format!("trust-set format version {shown} is not supported (only 1 is)"),
        };
        self.0.fail(err)
    }
}

impl<'de> DeserializeSeed<'de> for VersionSeed<'_, '_, '_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for VersionSeed<'_, '_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("the format version, the number 1")
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<(), E> {
        if v == 1 {
            Ok(())
        } else {
            Err(self.unsupported(&v))
        }
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<(), E> {
        if v == 1 {
            Ok(())
        } else {
            Err(self.unsupported(&v))
        }
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<(), E> {
        if v.to_bits() == 1.0f64.to_bits() {
            Ok(())
        } else {
            Err(self.unsupported(&v))
        }
    }
}

/// The `entries` array of the full form.
struct EntriesSeed<'a, 'c, 'p>(&'a mut Ctx<'c, 'p>);

impl<'de> DeserializeSeed<'de> for EntriesSeed<'_, '_, '_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for EntriesSeed<'_, '_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of entries")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut index = 0usize;
        while seq
            .next_element_seed(EntrySeed {
                ctx: &mut *self.0,
                index,
            })?
            .is_some()
        {
            index += 1;
        }
        Ok(())
    }
}

/// One entry of the full form, `{name, version?, digest, source?}`;
/// unknown keys are rejected so that a misspelt `digest` or `version`
/// cannot silently widen what is trusted. A conflict with an earlier
/// entry is only known once the whole entry is read, so it is reported
/// at the entry's closing brace.
struct EntrySeed<'a, 'c, 'p> {
    ctx: &'a mut Ctx<'c, 'p>,
    index: usize,
}

impl<'de> DeserializeSeed<'de> for EntrySeed<'_, '_, '_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        self.ctx.current = Some(Label::Entry(self.index));
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for EntrySeed<'_, '_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an entry {\"name\", \"version\"?, \"digest\", \"source\"?}")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let ctx = self.ctx;
        let at = Label::Entry(self.index);
        let mut name: Option<String> = None;
        let mut version: Option<String> = None;
        let mut digest: Option<String> = None;
        let mut source: Option<String> = None;
        while let Some(key) = map.next_key::<String>()? {
            let (slot, field) = match key.as_str() {
                "name" => (&mut name, "name"),
                "version" => (&mut version, "version"),
                "source" => (&mut source, "source"),
                "digest" => {
                    if digest.is_some() {
                        return Err(de::Error::duplicate_field("digest"));
                    }
                    digest = Some(map.next_value_seed(DigestSeed {
                        ctx: &mut *ctx,
                        at: &at,
                        then: Then::Return,
                    })?);
                    ctx.current = Some(at.clone());
                    continue;
                }
                other => return Err(de::Error::unknown_field(&clip(other), ENTRY_KEYS)),
            };
            if slot.is_some() {
                return Err(de::Error::duplicate_field(field));
            }
            *slot = Some(map.next_value_seed(NonEmpty(field))?);
        }
        let name = name.ok_or_else(|| de::Error::missing_field("name"))?;
        let digest = digest.ok_or_else(|| de::Error::missing_field("digest"))?;
        let pin = Pin {
            name: Some(name),
            version,
            digest,
            source,
        };
        ctx.push(pin, &at)?;
        ctx.current = None;
        Ok(())
    }
}

/// A digest string, normalised as it is read so that a bad one is
/// reported at its own position.
struct DigestSeed<'a, 'c, 'p, 's> {
    ctx: &'a mut Ctx<'c, 'p>,
    at: &'s Label,
    then: Then,
}

/// What a digest read by [`DigestSeed`] becomes.
enum Then {
    /// A field handed back to the full-form entry that holds it (which
    /// adds itself once all its fields are read).
    Return,
    /// An entry of its own (map and list forms), with this name. It is
    /// added while serde_json still stands at the digest, so that a
    /// conflict or the entry limit is reported there rather than at
    /// whatever follows.
    Pin(Option<String>),
}

impl<'de> DeserializeSeed<'de> for DigestSeed<'_, '_, '_, '_> {
    type Value = String;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<String, D::Error> {
        self.ctx.current = Some(self.at.clone());
        let digest = d.deserialize_str(self)?;
        Ok(digest)
    }
}

impl<'de> Visitor<'de> for DigestSeed<'_, '_, '_, '_> {
    type Value = String;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a digest string \"sha256:<64 hex digits>\"")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
        match normalize_digest(v) {
            Ok(digest) => {
                self.ctx.current = None;
                if let Then::Pin(name) = self.then {
                    let pin = Pin {
                        name,
                        version: None,
                        digest: digest.clone(),
                        source: None,
                    };
                    self.ctx.push(pin, self.at)?;
                }
                Ok(digest)
            }
            Err(why) => {
                let err = SetError::BadDigest {
                    path: self.ctx.path().to_owned(),
                    at: self.at.to_string(),
                    digest: clip(v),
                    why,
                };
                Err(self.ctx.fail(err))
            }
        }
    }
}

/// A string field that must not be empty (an empty name or version
/// would match nothing and only hide a mistake).
struct NonEmpty(&'static str);

impl<'de> DeserializeSeed<'de> for NonEmpty {
    type Value = String;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<String, D::Error> {
        d.deserialize_string(self)
    }
}

impl<'de> Visitor<'de> for NonEmpty {
    type Value = String;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "a non-empty string for `{}`", self.0)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
        self.visit_string(v.to_owned())
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<String, E> {
        if v.is_empty() {
            Err(E::custom(format_args!("`{}` is empty", self.0)))
        } else {
            Ok(v)
        }
    }
}
