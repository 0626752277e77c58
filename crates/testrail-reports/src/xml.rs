//! Safe, streaming XML on top of quick-xml: one reused buffer, `line:col` for elements and
//! errors, no DTDs and no entities beyond the five predefined ones and character references
//! (so no billion laughs and no external entities), and detection of truncated files.

use std::borrow::Cow;
use std::io::BufRead;
use std::path::{Path, PathBuf};

use quick_xml::XmlVersion;
use quick_xml::escape::EscapeError;
use quick_xml::events::attributes::Attribute;
use quick_xml::events::{BytesEnd, BytesStart, Event};
use quick_xml::name::QName;

use crate::error::ReportError;
use crate::input::{CountingReader, Decoded};

mod stream;

const FIX_XML: &str = "the report is not well-formed XML: regenerate it, or fix it at that spot";

/// One XML event, reduced to what readers need.
pub(crate) enum Xml<'a> {
    Start(BytesStart<'a>),
    Empty(BytesStart<'a>),
    End(BytesEnd<'a>),
    /// Text, CDATA or a resolved reference, unescaped, line ends normalised.
    Text(Cow<'a, str>),
    /// A resolved character or entity reference (no allocation per reference).
    Char(char),
    /// Declarations, comments, processing instructions: nothing for readers.
    Skip,
    Eof,
}

pub(crate) type LineCol = (u64, u64);

pub(crate) struct XmlSource<R: BufRead> {
    reader: quick_xml::Reader<CountingReader<Decoded<R>>>,
    buf: Vec<u8>,
    path: PathBuf,
    depth: usize,
    seen_root: bool,
}

impl<R: BufRead> XmlSource<R> {
    pub(crate) fn new(input: CountingReader<Decoded<R>>, path: &Path) -> Self {
        let mut reader = quick_xml::Reader::from_reader(input);
        let config = reader.config_mut();
        config.trim_text(false);
        config.expand_empty_elements = false;
        config.check_end_names = true;
        config.allow_dangling_amp = false;
        XmlSource {
            reader,
            buf: Vec::with_capacity(8 * 1024),
            path: path.to_path_buf(),
            depth: 0,
            seen_root: false,
        }
    }

    /// Bytes read so far.
    pub(crate) fn bytes(&self) -> u64 {
        self.reader.get_ref().offset()
    }

    /// The next event and the `line:col` where it starts (computed for start tags only; other
    /// events get `(0, 0)`).
    pub(crate) fn next(&mut self) -> Result<(Xml<'_>, LineCol), ReportError> {
        let before = self.reader.get_ref().offset();
        if self.buf.capacity() > 1 << 20 {
            // One huge event must not pin its buffer for the rest of the file.
            self.buf = Vec::with_capacity(8 * 1024);
        }
        self.buf.clear();
        let event = match self.reader.read_event_into(&mut self.buf) {
            Ok(event) => event,
            Err(e) => return Err(xml_error(&self.reader, &self.path, before, e)),
        };
        let input = self.reader.get_ref();
        let at = || input.line_col(before);
        Ok(match event {
            Event::Start(e) => {
                self.depth += 1;
                self.seen_root = true;
                (Xml::Start(e), at())
            }
            Event::Empty(e) => {
                self.seen_root = true;
                (Xml::Empty(e), at())
            }
            Event::End(e) => {
                self.depth = self.depth.saturating_sub(1);
                (Xml::End(e), (0, 0))
            }
            Event::Text(t) => (Xml::Text(t.xml10_content()), (0, 0)),
            Event::CData(t) => (Xml::Text(t.xml10_content()), (0, 0)),
            Event::GeneralRef(r) => {
                let c = resolve_reference(&r)
                    .map_err(|msg| ReportError::malformed(&self.path, at(), msg, ENTITY_HINT))?;
                (Xml::Char(c), (0, 0))
            }
            Event::DocType(_) => {
                return Err(ReportError::malformed(
                    &self.path,
                    at(),
                    "DTDs are not allowed in reports",
                    "remove the <!DOCTYPE …> declaration: test reports never need one, and \
                     DTDs allow entity-expansion attacks",
                ));
            }
            Event::Eof => {
                let end = input.here();
                check_complete(&self.path, self.depth, self.seen_root, end)?;
                (Xml::Eof, end)
            }
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) => (Xml::Skip, (0, 0)),
        })
    }

    /// An error about content at `at` (for readers' own checks).
    pub(crate) fn error(&self, at: LineCol, message: impl Into<String>) -> ReportError {
        ReportError::malformed(&self.path, at, message, FIX_XML)
    }
}

fn check_complete(
    path: &Path,
    depth: usize,
    seen_root: bool,
    end: LineCol,
) -> Result<(), ReportError> {
    if depth > 0 {
        return Err(ReportError::malformed(
            path,
            end,
            "unexpected end of file: the report is truncated (elements are still open)",
            "the test run was probably interrupted while writing the report: rerun it",
        ));
    }
    if !seen_root {
        return Err(ReportError::malformed(
            path,
            end,
            "no XML element found",
            "the file holds no report: check that the test step wrote it",
        ));
    }
    Ok(())
}

const ENTITY_HINT: &str = "only &lt; &gt; &amp; &apos; &quot; and character references like \
                           &#10; are allowed in reports; escape a literal '&' as &amp;";

fn resolve_reference(r: &quick_xml::events::BytesRef<'_>) -> Result<char, String> {
    if r.is_char_ref() {
        return match r.resolve_char_ref() {
            Ok(Some(c)) => Ok(c),
            _ => Err(format!("invalid character reference &{};", &**r)),
        };
    }
    match &**r {
        "lt" => Ok('<'),
        "gt" => Ok('>'),
        "amp" => Ok('&'),
        "apos" => Ok('\''),
        "quot" => Ok('"'),
        other => Err(format!("unknown entity &{other};")),
    }
}

fn xml_error<R: BufRead>(
    reader: &quick_xml::Reader<CountingReader<Decoded<R>>>,
    path: &Path,
    before: u64,
    e: quick_xml::Error,
) -> ReportError {
    let input = reader.get_ref();
    match e {
        quick_xml::Error::Io(io) => {
            let source = std::io::Error::new(io.kind(), io.to_string());
            ReportError::io(path, source)
        }
        quick_xml::Error::Encoding(enc) => {
            let offset = match &enc {
                quick_xml::encoding::EncodingError::Utf8(u) => before + u.valid_up_to() as u64,
                #[allow(unreachable_patterns)]
                _ => before,
            };
            ReportError::malformed(
                path,
                input.line_col(offset),
                "the report is not valid UTF-8",
                "save the report as UTF-8, or declare its real encoding in the XML declaration \
                 (UTF-16 with a BOM and ISO-8859-1 are supported)",
            )
        }
        quick_xml::Error::Escape(esc) => ReportError::malformed(
            path,
            input.line_col(reader.error_position()),
            escape_message(&esc),
            ENTITY_HINT,
        ),
        other => {
            let pos = reader.error_position().max(before);
            let message = match &other {
                quick_xml::Error::Syntax(s) => s.to_string(),
                quick_xml::Error::IllFormed(s) => s.to_string(),
                _ => other.to_string(),
            };
            ReportError::malformed(path, input.line_col(pos), message, FIX_XML)
        }
    }
}

fn escape_message(e: &EscapeError) -> String {
    match e {
        EscapeError::UnrecognizedEntity(_, name) => format!("unknown entity &{name};"),
        other => other.to_string(),
    }
}

/// Calls `f(local_name, unescaped_value)` for each attribute, in order.
pub(crate) fn for_each_attr<'a>(
    e: &'a BytesStart<'a>,
    mut f: impl FnMut(&str, Cow<'a, str>),
) -> Result<(), String> {
    // Almost every start tag in a report is plain `name="value"` pairs: split those here
    // (quick-xml's attribute iterator costs more than the rest of a test case). At anything
    // unusual, quick-xml takes over after the pairs already delivered (it reads those the
    // same way) and words the errors.
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
        let Some(attr) = plain_attribute(raw, i) else {
            return for_each_attr_checked(e, delivered, f);
        };
        let value = if attr.escaped {
            normalized(&Attribute {
                key: QName(attr.key),
                value: Cow::Borrowed(attr.value),
            })?
        } else {
            Cow::Borrowed(attr.value)
        };
        f(local_part(attr.key), value);
        delivered += 1;
        i = attr.end;
    }
}

struct PlainAttr<'a> {
    key: &'a str,
    /// Raw: with references and literal tabs/line ends still in it if `escaped`.
    value: &'a str,
    escaped: bool,
    /// Where the next attribute may start.
    end: usize,
}

/// Byte classes for [`plain_attribute`].
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

fn class(b: u8) -> u8 {
    BYTE_CLASS[b as usize]
}

/// `key="value"` or `key='value'` at `start` (an ASCII name, `=` without spaces around it,
/// then whitespace or the end); `None` for anything else.
fn plain_attribute(raw: &str, start: usize) -> Option<PlainAttr<'_>> {
    let b = raw.as_bytes();
    let mut i = start;
    while i < b.len() && class(b[i]) == NAME {
        i += 1;
    }
    let quote = *b.get(i + 1)?;
    if i == start || b[i] != b'=' || (quote != b'"' && quote != b'\'') {
        return None;
    }
    let (close, escaped) = closing_quote(b, i + 2, quote)?;
    if close + 1 < b.len() && class(b[close + 1]) != SPACE {
        return None;
    }
    Some(PlainAttr {
        key: &raw[start..i],
        value: &raw[i + 2..close],
        escaped,
        end: close + 1,
    })
}

/// The index of the first `quote` in `b` from `start`, and whether the bytes before it hold a
/// reference (`&`) or a tab / line end (normalised to a space) — or another control byte,
/// which quick-xml then leaves as it is. Eight bytes at a time: values are most of a tag.
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
        let special =
            zeros(w ^ (ONES * u64::from(b'&'))) | (w.wrapping_sub(ONES * 0x20) & !w & HIGHS);
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
        escaped |= c == b'&' || c < 0x20;
    }
    None
}

/// `ns:key` → `key`, as quick-xml's `local_name`.
fn local_part(key: &str) -> &str {
    // Names are a few bytes: a plain loop beats `split_once`'s searcher set-up.
    match key.bytes().position(|b| b == b':') {
        Some(i) => &key[i + 1..],
        None => key,
    }
}

fn normalized<'a>(attr: &Attribute<'a>) -> Result<Cow<'a, str>, String> {
    attr.normalized_value(XmlVersion::Implicit1_0)
        .map_err(|err| match err {
            quick_xml::Error::Escape(esc) => escape_message(&esc),
            other => other.to_string(),
        })
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
        f(attr.key.local_name().into_inner(), normalized(&attr)?);
    }
    Ok(())
}

/// An end tag's local name (`</ns:testcase>` → `testcase`).
pub(crate) fn end_name<'a>(e: &'a BytesEnd<'a>) -> &'a str {
    local_part(e.name().into_inner())
}

/// The element's local name (`ns:testcase` → `testcase`).
pub(crate) fn local_name<'a>(e: &'a BytesStart<'a>) -> &'a str {
    local_part(e.name().into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::Encoding;

    fn events(xml: &str) -> Result<Vec<String>, ReportError> {
        let input = CountingReader::new(Decoded::new(xml.as_bytes(), Encoding::Utf8));
        let mut src = XmlSource::new(input, Path::new("r.xml"));
        let mut out = Vec::new();
        loop {
            match src.next()? {
                (Xml::Start(e), at) => out.push(format!("<{}@{}:{}", local_name(&e), at.0, at.1)),
                (Xml::Empty(e), at) => out.push(format!("<{}/@{}:{}", local_name(&e), at.0, at.1)),
                (Xml::End(n), _) => out.push(format!("</{}", n.local_name().into_inner())),
                (Xml::Skip, _) => {}
                (Xml::Text(t), _) => out.push(t.into_owned()),
                (Xml::Char(c), _) => out.push(c.to_string()),
                (Xml::Eof, _) => return Ok(out),
            }
        }
    }

    #[test]
    fn positions_and_entities() {
        let ev = events("<a>\r\n  <b x='1'>&lt;&#65;<![CDATA[&x]]></b>\n<c/></a>").unwrap();
        assert_eq!(ev.join("|"), "<a@1:1|\n  |<b@2:3|<|A|&x|</b|\n|<c/@3:1|</a");
    }

    #[test]
    fn refuses_doctype_and_unknown_entities() {
        let e = events("<?xml version='1.0'?>\n<!DOCTYPE x [<!ENTITY a 'b'>]><x>&a;</x>")
            .err()
            .unwrap();
        assert_eq!(e.to_string(), "r.xml:2:1: DTDs are not allowed in reports");
        let e = events("<x>\n  &a;</x>").err().unwrap();
        assert_eq!(e.to_string(), "r.xml:2:3: unknown entity &a;");
    }

    /// Attributes of a start tag, through the fast path or through quick-xml's iterator.
    fn attrs_via(raw: &str, fast: bool) -> Result<Vec<(String, String)>, String> {
        let e = BytesStart::from_content(format!("t {raw}"), 1);
        let mut out = Vec::new();
        let push = |k: &str, v: Cow<'_, str>| out.push((k.to_string(), v.into_owned()));
        if fast {
            for_each_attr(&e, push)?;
        } else {
            for_each_attr_checked(&e, 0, push)?;
        }
        Ok(out)
    }

    #[test]
    fn plain_attributes_read_as_quick_xml_reads_them() {
        let v = attrs_via(r#"ns:name="a &amp; b" x='1&#10;2'  y="z""#, true).unwrap();
        assert_eq!(
            v,
            [("name", "a & b"), ("x", "1\n2"), ("y", "z")]
                .map(|(k, v)| (k.to_string(), v.to_string()))
        );
        assert_eq!(
            attrs_via("a='&bogus;'", true).unwrap_err(),
            "unknown entity &bogus;"
        );
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
        fn attribute_fast_path_matches_quick_xml(raw in attribute_text()) {
            proptest::prop_assert_eq!(attrs_via(&raw, true), attrs_via(&raw, false));
        }
    }

    #[test]
    fn truncated_and_empty() {
        let e = events("<a>\n<b>").err().unwrap();
        assert!(
            e.to_string()
                .starts_with("r.xml:2:4: unexpected end of file"),
            "{e}"
        );
        let e = events("  \n").err().unwrap();
        assert!(e.to_string().contains("no XML element"), "{e}");
    }
}
