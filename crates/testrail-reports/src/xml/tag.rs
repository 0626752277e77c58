//! Start and end tags read straight from the window in one pass: the name, then each plain
//! `key="value"` attribute split while the tag's end is looked for. quick-xml's tag scan plus
//! its attribute iterator cost twice that. A tag this code does not fully understand (spaces
//! around `=`, unquoted values, invalid UTF-8, a tag not yet whole) goes to quick-xml, which
//! reads it, and words its errors, as before.

use std::borrow::Cow;

use quick_xml::XmlVersion;
use quick_xml::events::BytesStart;
use quick_xml::events::attributes::Attribute;
use quick_xml::name::QName;

use super::escape_message;

/// A start tag, with its attributes already split when they were plain.
pub(crate) struct Tag<'a>(Repr<'a>);

enum Repr<'a> {
    Split {
        /// Between `<` and `>` (or `/>`): the name and the attributes.
        content: &'a str,
        name_len: usize,
        attrs: &'a [AttrSpan],
    },
    Parsed(BytesStart<'a>),
}

/// One `key="value"` in a tag's content: `key` is `content[key..eq]`, the raw value
/// `content[eq + 2..end]`.
#[derive(Clone, Copy)]
pub(crate) struct AttrSpan {
    key: usize,
    eq: usize,
    end: usize,
    /// The raw value holds a reference or a tab / line end to normalise (or a byte [`check`]
    /// must look at: another control, 0xEF).
    escaped: bool,
}

impl<'a> Tag<'a> {
    pub(crate) fn parsed(e: BytesStart<'a>) -> Self {
        Tag(Repr::Parsed(e))
    }

    /// The tag's content (name and attributes), the name's length, and the attributes split
    /// in one pass (`None` when quick-xml read the tag).
    pub(crate) fn parts(&self) -> (&str, usize, Option<&[AttrSpan]>) {
        match &self.0 {
            Repr::Split {
                content,
                name_len,
                attrs,
            } => (content, *name_len, Some(attrs)),
            Repr::Parsed(e) => (e, e.name().into_inner().len(), None),
        }
    }

    /// The tag [`Tag::parts`] describes.
    pub(crate) fn from_parts(
        content: &'a str,
        name_len: usize,
        attrs: Option<&'a [AttrSpan]>,
    ) -> Self {
        match attrs {
            Some(attrs) => Tag(Repr::Split {
                content,
                name_len,
                attrs,
            }),
            None => Tag(Repr::Parsed(BytesStart::from_content(content, name_len))),
        }
    }

    /// The qualified name (`ns:testcase`).
    pub(crate) fn name(&self) -> &str {
        match &self.0 {
            Repr::Split {
                content, name_len, ..
            } => &content[..*name_len],
            Repr::Parsed(e) => e.name().into_inner(),
        }
    }

    /// The local name (`ns:testcase` → `testcase`).
    pub(crate) fn local_name(&self) -> &str {
        local_part(self.name())
    }
}

const DUPLICATE_HINT: &str = "an element may carry each attribute once: the report is not \
    well-formed XML; regenerate it, or fix its writer";

/// What XML requires of a start tag that quick-xml lets pass: no attribute given twice, and no
/// character XML 1.0 forbids (a NUL, another control, U+FFFE) in the tag. `Err` holds the
/// message and the hint.
pub(crate) fn check(tag: &Tag<'_>) -> Result<(), (String, &'static str)> {
    let forbidden = |b: &[u8], i| {
        let place = format!("<{}>", tag.name());
        (super::forbidden_message(b, i, &place), super::CONTROL_HINT)
    };
    match &tag.0 {
        Repr::Split { content, attrs, .. } => {
            // The scanner passes only tags whose bytes outside values are names and spaces;
            // a value holding a control byte is marked `escaped`. Keys are told apart by a
            // 64-bit mask of a cheap hash first: this runs for every tag, and the exact check
            // only when two keys land on one bit.
            let bytes = content.as_bytes();
            let (mut seen, mut collided) = (0u64, false);
            for attr in attrs.iter() {
                let key = &bytes[attr.key..attr.eq];
                let (first, last) = (key.first(), key.last());
                let hash = key.len() * 7
                    + usize::from(*first.unwrap_or(&0)) * 3
                    + usize::from(*last.unwrap_or(&0));
                let bit = 1u64 << (hash % 64);
                collided |= seen & bit != 0;
                seen |= bit;
                if attr.escaped {
                    let (_, value) = attr.parts(content);
                    if let Some(i) = super::first_forbidden(value.as_bytes()) {
                        return Err(forbidden(value.as_bytes(), i));
                    }
                }
            }
            if !collided {
                return Ok(());
            }
            no_duplicate(attrs.len(), |i| attrs[i].parts(content).0, tag)
        }
        Repr::Parsed(e) => {
            let raw = e.as_bytes();
            if let Some(i) = super::first_forbidden(raw) {
                return Err(forbidden(raw, i));
            }
            // Up to the first attribute quick-xml cannot read: the reader reports that one.
            let keys: Vec<&str> = e
                .attributes()
                .with_checks(false)
                .map_while(Result::ok)
                .map(|a| a.key.into_inner())
                .collect();
            no_duplicate(keys.len(), |i| keys[i], tag)
        }
    }
}

/// Refuses a key given twice (`key(i)` for `i < count`): pairwise, without allocating, for the
/// few attributes a tag has; sorted for many (a hostile tag with 100,000 attributes must not
/// cost 5·10⁹ comparisons).
fn no_duplicate<'k>(
    count: usize,
    key: impl Fn(usize) -> &'k str,
    tag: &Tag<'_>,
) -> Result<(), (String, &'static str)> {
    let duplicate = if count <= 16 {
        (0..count).find_map(|i| {
            let k = key(i);
            (i + 1..count).any(|j| key(j) == k).then_some(k)
        })
    } else {
        let mut sorted: Vec<&str> = (0..count).map(&key).collect();
        sorted.sort_unstable();
        sorted.windows(2).find(|w| w[0] == w[1]).map(|w| w[0])
    };
    match duplicate {
        Some(key) => Err((
            format!("attribute `{key}` appears twice in <{}>", tag.name()),
            DUPLICATE_HINT,
        )),
        None => Ok(()),
    }
}

/// What [`scan_start`] found at `<`.
pub(crate) struct ScannedStart<'a> {
    /// The tag's content (after `<`, before `>` or `/>`).
    content: &'a str,
    name_len: usize,
    pub(crate) empty: bool,
    /// Bytes from `<` through `>`.
    pub(crate) len: usize,
}

/// Reads a start tag of plain attributes at the start of `b` (which begins with `<`), putting
/// its attributes in `attrs`; `None` if it is not one (or not whole).
pub(crate) fn scan_start<'a>(b: &'a [u8], attrs: &mut Vec<AttrSpan>) -> Option<ScannedStart<'a>> {
    let c = b.get(1..)?;
    let name_len = name_end(c, 0);
    if name_len == 0 {
        return None;
    }
    attrs.clear();
    let mut i = name_len;
    loop {
        let gap = i;
        while class(*c.get(i)?) == SPACE {
            i += 1;
        }
        match c[i] {
            b'>' => return whole(c, i, i + 2, name_len, false),
            b'/' if *c.get(i + 1)? == b'>' => return whole(c, i, i + 3, name_len, true),
            // Attributes must be apart; anything else is for quick-xml to judge.
            _ if i == gap => return None,
            _ => {
                let attr = plain_attribute(c, i)?;
                i = attr.end + 1;
                attrs.push(attr);
            }
        }
    }
}

fn whole(
    content: &[u8],
    content_len: usize,
    len: usize,
    name_len: usize,
    empty: bool,
) -> Option<ScannedStart<'_>> {
    Some(ScannedStart {
        content: std::str::from_utf8(&content[..content_len]).ok()?,
        name_len,
        empty,
        len,
    })
}

/// The tag [`scan_start`] found, with the attributes it split.
pub(crate) fn split_tag<'a>(found: &ScannedStart<'a>, attrs: &'a [AttrSpan]) -> Tag<'a> {
    Tag(Repr::Split {
        content: found.content,
        name_len: found.name_len,
        attrs,
    })
}

/// The name in an end tag at the start of `b` (`</name>`, spaces allowed before `>`), and the
/// tag's length; `None` for anything else.
pub(crate) fn scan_end(b: &[u8]) -> Option<(&str, usize)> {
    let c = b.strip_prefix(b"</")?;
    let name_len = name_end(c, 0);
    let mut i = name_len;
    while class(*c.get(i)?) == SPACE {
        i += 1;
    }
    if name_len == 0 || c[i] != b'>' {
        return None;
    }
    let name = std::str::from_utf8(&c[..name_len]).ok()?;
    Some((name, i + 3))
}

/// Calls `f(local_name, unescaped_value)` for each attribute, in order.
pub(crate) fn for_each_attr<'a>(
    tag: &'a Tag<'a>,
    mut f: impl FnMut(&str, Cow<'a, str>),
) -> Result<(), String> {
    match &tag.0 {
        Repr::Split { content, attrs, .. } => {
            for attr in *attrs {
                let (key, value) = attr.parts(content);
                f(local_part(key), value_of(key, value, attr.escaped)?);
            }
            Ok(())
        }
        Repr::Parsed(e) => for_each_parsed_attr(e, f),
    }
}

impl AttrSpan {
    fn parts<'a>(&self, content: &'a str) -> (&'a str, &'a str) {
        (&content[self.key..self.eq], &content[self.eq + 2..self.end])
    }
}

fn value_of<'a>(key: &'a str, raw: &'a str, escaped: bool) -> Result<Cow<'a, str>, String> {
    if !escaped {
        return Ok(Cow::Borrowed(raw));
    }
    let attr = Attribute {
        key: QName(key),
        value: Cow::Borrowed(raw),
    };
    attr.normalized_value(XmlVersion::Implicit1_0)
        .map_err(|err| match err {
            quick_xml::Error::Escape(esc) => escape_message(&esc),
            other => other.to_string(),
        })
}

/// [`for_each_attr`] for a tag quick-xml read: plain pairs split here, the rest by quick-xml.
fn for_each_parsed_attr<'a>(
    e: &'a BytesStart<'a>,
    mut f: impl FnMut(&str, Cow<'a, str>),
) -> Result<(), String> {
    // At anything unusual, quick-xml takes over after the pairs already delivered (it reads
    // those the same way) and words the errors.
    let raw = e.attributes_raw();
    let b = raw.as_bytes();
    let mut i = 0;
    let mut delivered = 0;
    loop {
        while i < b.len() && class(b[i]) == SPACE {
            i += 1;
        }
        if i == b.len() {
            return Ok(());
        }
        let Some(attr) = plain_attribute(b, i)
            .filter(|a| b.get(a.end + 1).is_none_or(|&next| class(next) == SPACE))
        else {
            return for_each_attr_checked(e, delivered, f);
        };
        let (key, value) = attr.parts(raw);
        f(local_part(key), value_of(key, value, attr.escaped)?);
        delivered += 1;
        i = attr.end + 1;
    }
}

/// Byte classes for names and the space between attributes.
const NAME: u8 = 1;
const SPACE: u8 = 2;

const BYTE_CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        if c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.' | b':') {
            t[b] = NAME;
        }
        if matches!(c, b' ' | b'\t' | b'\r' | b'\n') {
            t[b] = SPACE;
        }
        b += 1;
    }
    t
};

#[inline(always)]
fn class(b: u8) -> u8 {
    BYTE_CLASS[b as usize]
}

/// The end of the ASCII name that starts at `start`.
#[inline(always)]
fn name_end(b: &[u8], start: usize) -> usize {
    let mut i = start;
    while i < b.len() && class(b[i]) == NAME {
        i += 1;
    }
    i
}

/// `key="value"` or `key='value'` at `start` (an ASCII name, `=` without spaces around it);
/// `None` for anything else. What follows the closing quote is for the caller to check.
#[inline(always)]
fn plain_attribute(b: &[u8], start: usize) -> Option<AttrSpan> {
    let eq = name_end(b, start);
    let quote = *b.get(eq + 1)?;
    if eq == start || b[eq] != b'=' || (quote != b'"' && quote != b'\'') {
        return None;
    }
    let (end, escaped) = closing_quote(b, eq + 2, quote)?;
    Some(AttrSpan {
        key: start,
        eq,
        end,
        escaped,
    })
}

/// The index of the first `quote` in `b` from `start`, and whether the bytes before it hold a
/// reference (`&`) or a tab / line end (normalised to a space) — or another control byte or
/// 0xEF, which [`check`] then looks at. Eight bytes at a time: values are most of a tag.
#[inline(always)]
fn closing_quote(b: &[u8], start: usize, quote: u8) -> Option<(usize, bool)> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    // The high bit of each byte of `x` that is zero, exact up to and including the lowest
    // one (above it, a borrow can mark more).
    let zeros = |x: u64| x.wrapping_sub(ONES) & !x & HIGHS;
    let mut i = start;
    let mut escaped = false;
    while let Some(word) = b.get(i..i + 8) {
        let w = u64::from_le_bytes(word.try_into().unwrap_or_default());
        let quotes = zeros(w ^ (ONES * u64::from(quote)));
        // `&`, a byte below 0x20, or 0xEF (which starts U+FFFE and U+FFFF, for `check`).
        let special = zeros(w ^ (ONES * u64::from(b'&')))
            | (w.wrapping_sub(ONES * 0x20) & !w & HIGHS)
            | zeros(w ^ (ONES * 0xEF));
        if quotes != 0 {
            let at = quotes.trailing_zeros() / 8;
            let before = special & ((1u64 << (at * 8)) - 1);
            return Some((i + at as usize, escaped || before != 0));
        }
        escaped |= special != 0;
        i += 8;
    }
    for (j, &c) in b.iter().enumerate().skip(i) {
        if c == quote {
            return Some((j, escaped));
        }
        escaped |= c == b'&' || c < 0x20 || c == 0xEF;
    }
    None
}

/// `ns:key` → `key`, as quick-xml's `local_name`.
pub(crate) fn local_part(key: &str) -> &str {
    // Names are a few bytes: a plain loop beats `split_once`'s searcher set-up.
    match key.bytes().position(|b| b == b':') {
        Some(i) => &key[i + 1..],
        None => key,
    }
}

/// [`for_each_attr`] through quick-xml's attribute iterator, from attribute `skip` on.
fn for_each_attr_checked<'a>(
    e: &'a BytesStart<'a>,
    skip: usize,
    mut f: impl FnMut(&str, Cow<'a, str>),
) -> Result<(), String> {
    // Duplicate checks cost a hash set per element; a duplicate attribute is harmless here
    // (the last one wins).
    for attr in e.attributes().with_checks(false).skip(skip) {
        let attr = attr.map_err(|err| format!("bad attribute: {err}"))?;
        let value = attr
            .normalized_value(XmlVersion::Implicit1_0)
            .map_err(|err| match err {
                quick_xml::Error::Escape(esc) => escape_message(&esc),
                other => other.to_string(),
            })?;
        f(attr.key.local_name().into_inner(), value);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    type Attrs = Result<Vec<(String, String)>, String>;

    fn collect(tag: &Tag<'_>) -> Attrs {
        let mut out = Vec::new();
        for_each_attr(tag, |k, v| out.push((k.to_string(), v.into_owned())))?;
        Ok(out)
    }

    /// Attributes of `<t {raw}>` as read by the one-pass scanner (`None` if it passes the tag
    /// on to quick-xml), by this module on quick-xml's tag, and by quick-xml alone (`None` when
    /// quick-xml does not see a start tag there at all).
    fn attrs_three_ways(raw: &str) -> (Option<Attrs>, Option<(Attrs, Attrs)>) {
        let text = format!("<t {raw}>");
        let mut spans = Vec::new();
        let scanned = scan_start(text.as_bytes(), &mut spans)
            .map(|found| collect(&split_tag(&found, &spans)));
        let mut reader = quick_xml::Reader::from_str(&text);
        let e = match reader.read_event() {
            Ok(quick_xml::events::Event::Start(e) | quick_xml::events::Event::Empty(e)) => e,
            _ => return (scanned, None),
        };
        let parsed = collect(&Tag::parsed(e.borrow()));
        let mut alone = Vec::new();
        let checked = for_each_attr_checked(&e, 0, |k, v| {
            alone.push((k.to_string(), v.into_owned()));
        })
        .map(|()| alone);
        (scanned, Some((parsed, checked)))
    }

    #[test]
    fn plain_attributes_read_as_quick_xml_reads_them() {
        let want: Vec<(String, String)> = [("name", "a & b"), ("x", "1\n2"), ("y", "z")]
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .into();
        let (scanned, quick) = attrs_three_ways(r#"ns:name="a &amp; b" x='1&#10;2'  y="z""#);
        assert_eq!(scanned, Some(Ok(want.clone())));
        assert_eq!(quick.map(|(parsed, _)| parsed), Some(Ok(want)));
        let bogus = Err("unknown entity &bogus;".to_string());
        let (scanned, quick) = attrs_three_ways("a='&bogus;'");
        assert_eq!(scanned, Some(bogus.clone()));
        assert_eq!(quick.map(|(parsed, _)| parsed), Some(bogus));
    }

    #[test]
    fn tags_the_scanner_leaves_to_quick_xml() {
        let mut spans = Vec::new();
        for tag in [
            "<a x = '1'>",
            "<a x=1>",
            "<a x='1'y='2'>",
            "<a x='1'",
            "<a/ >",
            "<é/>",
            "<a x='\u{FF}'",
            "<!-- c -->",
            "</a>",
        ] {
            assert!(scan_start(tag.as_bytes(), &mut spans).is_none(), "{tag}");
        }
        let found = scan_start(b"<a:b x='1'\n/>rest", &mut spans).unwrap();
        assert!(found.empty);
        assert_eq!(found.len, 13);
        assert_eq!(split_tag(&found, &spans).local_name(), "b");
        assert_eq!(scan_end(b"</ns:a >x"), Some(("ns:a", 8)));
        assert_eq!(scan_end(b"</a x>"), None);
        assert_eq!(scan_end(b"</a"), None);
    }

    fn attribute_text() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        use proptest::sample::select;
        let value = proptest::collection::vec(
            select(vec![
                "v",
                " ",
                "\t",
                "\n",
                "\r",
                "&amp;",
                "&#65;",
                "&#x1F600;",
                "&x;",
                "&",
                ";",
                "<",
                ">",
                "é",
                "\"",
                "'",
            ]),
            0..12,
        )
        .prop_map(|v| v.concat());
        let attr = (
            select(vec!["a", "b:c", "x-y.z", "é", "", "a b", "1"]),
            select(vec!["=", " =", "= ", ""]),
            select(vec!["\"", "'", ""]),
            value,
            select(vec!["\"", "'", ""]),
            select(vec![" ", "", "\n", "\t ", "/"]),
        )
            .prop_map(|(k, eq, q1, v, q2, sep)| format!("{k}{eq}{q1}{v}{q2}{sep}"));
        proptest::collection::vec(attr, 0..5).prop_map(|v| v.concat())
    }

    proptest::proptest! {
        #[test]
        fn attribute_fast_paths_match_quick_xml(raw in attribute_text()) {
            match attrs_three_ways(&raw) {
                (scanned, Some((parsed, checked))) => {
                    proptest::prop_assert_eq!(&parsed, &checked);
                    if let Some(scanned) = scanned {
                        proptest::prop_assert_eq!(scanned, checked);
                    }
                }
                (scanned, None) => proptest::prop_assert!(scanned.is_none()),
            }
        }
    }
}
