//! Safe, streaming XML on top of quick-xml: events parsed in place from a window of the input
//! (window.rs), plain tags read in one pass (tag.rs), text streamed so no element is held whole
//! (stream.rs), large reports tokenized on a second thread (pipeline.rs). `line:col` for
//! elements and errors, no DTDs and no entities beyond the five predefined ones and character
//! references (so no billion laughs and no external entities), and detection of truncated
//! files.

use std::borrow::Cow;
use std::io::BufRead;
use std::path::{Path, PathBuf};

use quick_xml::errors::{IllFormedError, SyntaxError};
use quick_xml::escape::EscapeError;
use quick_xml::events::{BytesEnd, Event};

use crate::error::ReportError;
use crate::{ReadOptions, Sink};
use tag::{AttrSpan, local_part, scan_end, scan_start, split_tag};
pub(crate) use tag::{Tag, for_each_attr};
use window::Window;

mod pipeline;
mod stream;
mod tag;
mod window;

/// An XML report format: turns events into executions.
pub(crate) trait Dialect {
    fn read(
        events: &mut impl XmlEvents,
        path: &Path,
        options: &ReadOptions,
        sink: &mut impl Sink,
    ) -> Result<u64, ReportError>;
}

/// Reads a report in dialect `D`: on this thread when it is small (or `options` say so), else
/// tokenized on a second thread. Returns the bytes read.
pub(crate) fn read_xml<D: Dialect, R: BufRead + Send>(
    input: R,
    path: &Path,
    options: &ReadOptions,
    sink: &mut impl Sink,
) -> Result<u64, ReportError> {
    let mut xml = XmlSource::new(input, path);
    if !options.use_pipeline() || xml.is_small()? {
        return D::read(&mut xml, path, options, sink);
    }
    match pipeline::piped(xml, |events| D::read(events, path, options, sink)) {
        Ok(read) => read,
        // No thread to be had: this one does it all.
        Err(mut xml) => D::read(&mut *xml, path, options, sink),
    }
}

/// What readers pull XML from: events, with the text between them streamed on request
/// ([`XmlSource`] on one thread, or [`pipeline::PipedEvents`] from a tokenizer thread, which
/// delivers text as [`Xml::Text`] events instead).
pub(crate) trait XmlEvents {
    /// The next event and the `line:col` where it starts (start tags only, else `(0, 0)`).
    fn next(&mut self) -> Result<(Xml<'_>, LineCol), ReportError>;
    /// The text up to the next event, in pieces.
    fn stream_text(&mut self, out: &mut impl FnMut(&str)) -> Result<(), ReportError>;
    /// Reads past the text up to the next event (it must still be well-formed).
    fn skip_text(&mut self) -> Result<(), ReportError>;
    /// Bytes read so far.
    fn bytes(&self) -> u64;
    /// An error about content at `at` (for readers' own checks).
    fn error(&self, at: LineCol, message: impl Into<String>) -> ReportError;
}

const FIX_XML: &str = "the report is not well-formed XML: regenerate it, or fix it at that spot";
const NOT_UTF8: &str = "the report is not valid UTF-8";
const UTF8_HINT: &str = "save the report as UTF-8, or declare its real encoding in the XML \
                         declaration (UTF-16 with a BOM and ISO-8859-1 are supported)";

/// One XML event, reduced to what readers need.
pub(crate) enum Xml<'a> {
    Start(Tag<'a>),
    Empty(Tag<'a>),
    End(BytesEnd<'a>),
    /// Text, CDATA or a resolved reference, unescaped, line ends normalised.
    Text(Cow<'a, str>),
    /// A resolved character or entity reference (no allocation per reference).
    Char(char),
    /// Declarations, comments, processing instructions, or an event the window's end cut
    /// (read again next time): nothing for readers.
    Skip,
    Eof,
}

impl Xml<'_> {
    /// Hands a text or character event's text to `f` (other events have none).
    pub(crate) fn with_text(&self, f: impl FnOnce(&str)) {
        match self {
            Xml::Text(t) => f(t),
            Xml::Char(c) => f(c.encode_utf8(&mut [0u8; 4])),
            _ => {}
        }
    }
}

pub(crate) type LineCol = (u64, u64);

pub(crate) struct XmlSource<R: BufRead> {
    window: Window<R>,
    path: PathBuf,
    open: OpenElements,
    /// The attributes of the last start tag read in one pass (see tag.rs).
    attrs: Vec<AttrSpan>,
    /// The last event did not fit in the window: read more before parsing it again.
    needs_more: bool,
}

impl<R: BufRead> XmlSource<R> {
    pub(crate) fn new(input: R, path: &Path) -> Self {
        Self::with_window(Window::new(input), path)
    }

    pub(crate) fn with_window(window: Window<R>, path: &Path) -> Self {
        XmlSource {
            window,
            path: path.to_path_buf(),
            open: OpenElements::default(),
            attrs: Vec::new(),
            needs_more: false,
        }
    }

    /// Bytes read so far.
    pub(crate) fn bytes(&self) -> u64 {
        self.window.offset()
    }

    /// The next event and the `line:col` where it starts (computed for start tags only; other
    /// events get `(0, 0)`).
    pub(crate) fn next(&mut self) -> Result<(Xml<'_>, LineCol), ReportError> {
        let io_error = |path: &Path, e| ReportError::io(path, e);
        if std::mem::take(&mut self.needs_more) {
            self.window.refill().map_err(|e| io_error(&self.path, e))?;
        }
        self.window
            .fill_for_event()
            .map_err(|e| io_error(&self.path, e))?;
        let before = self.window.offset();
        let eof = self.window.at_eof();
        let rest = self.window.rest();
        if rest.first() == Some(&b'<') {
            if let Some(found) = scan_start(rest, &mut self.attrs) {
                self.window.advance(found.len);
                let tag = split_tag(&found, &self.attrs);
                let at = self.window.line_col(before);
                return self.open.start(tag, found.empty, at, &self.path);
            }
            if let Some((name, len)) = scan_end(rest) {
                self.window.advance(len);
                self.open.end(name, &self.window, before, &self.path)?;
                return Ok((Xml::End(BytesEnd::new(name)), (0, 0)));
            }
        }
        if rest.starts_with(UTF8_BOM) {
            // A fresh quick-xml reader would drop it as a byte-order mark; here it is text.
            self.window.advance(UTF8_BOM.len());
            return Ok((Xml::Text(Cow::Borrowed("\u{FEFF}")), (0, 0)));
        }
        let mut reader = event_reader(rest);
        let result = reader.read_event();
        let unread = reader.get_ref().len();
        let error_at = before + reader.error_position();
        let event = match result {
            Ok(event) => {
                self.window.advance(rest.len() - unread);
                event
            }
            Err(quick_xml::Error::Syntax(e)) if !eof && may_be_cut(&e, rest.len()) => {
                // An event the window's end cut (a tag, a comment, CDATA…): parse it again
                // with more input.
                self.needs_more = true;
                return Ok((Xml::Skip, (0, 0)));
            }
            Err(e) => {
                let at = self.window.line_col(error_location(&e, before, error_at));
                return Err(xml_error(&self.path, at, e));
            }
        };
        let path = &self.path;
        if let Err(message) = check_chars(&event) {
            return Err(ReportError::malformed(
                path,
                self.window.line_col(before),
                message,
                CONTROL_HINT,
            ));
        }
        Ok(match event {
            Event::Start(e) => {
                let at = self.window.line_col(before);
                return self.open.start(Tag::parsed(e), false, at, path);
            }
            Event::Empty(e) => {
                let at = self.window.line_col(before);
                return self.open.start(Tag::parsed(e), true, at, path);
            }
            Event::End(e) => {
                self.open
                    .end(e.name().into_inner(), &self.window, before, path)?;
                (Xml::End(e), (0, 0))
            }
            Event::Text(t) => (Xml::Text(t.xml10_content()), (0, 0)),
            Event::CData(t) => (Xml::Text(t.xml10_content()), (0, 0)),
            Event::GeneralRef(r) => {
                let c = resolve_reference(&r).map_err(|msg| {
                    ReportError::malformed(path, self.window.line_col(before), msg, ENTITY_HINT)
                })?;
                (Xml::Char(c), (0, 0))
            }
            Event::DocType(_) => {
                return Err(ReportError::malformed(
                    path,
                    self.window.line_col(before),
                    "DTDs are not allowed in reports",
                    "remove the <!DOCTYPE …> declaration: test reports never need one, and \
                     DTDs allow entity-expansion attacks",
                ));
            }
            Event::Eof => {
                let end = self.window.here();
                check_complete(path, self.open.starts.len(), self.open.seen_root, end)?;
                (Xml::Eof, end)
            }
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) => (Xml::Skip, (0, 0)),
        })
    }

    /// An error about content at `at` (for readers' own checks).
    pub(crate) fn error(&self, at: LineCol, message: impl Into<String>) -> ReportError {
        ReportError::malformed(&self.path, at, message, FIX_XML)
    }

    /// Whether the whole input fits in the first window (then a second thread is not worth
    /// starting).
    pub(crate) fn is_small(&mut self) -> Result<bool, ReportError> {
        self.window
            .fill_for_event()
            .map_err(|e| ReportError::io(&self.path, e))?;
        Ok(self.window.at_eof())
    }
}

impl<R: BufRead> XmlEvents for XmlSource<R> {
    fn next(&mut self) -> Result<(Xml<'_>, LineCol), ReportError> {
        XmlSource::next(self)
    }

    fn stream_text(&mut self, out: &mut impl FnMut(&str)) -> Result<(), ReportError> {
        XmlSource::stream_text(self, out)
    }

    fn skip_text(&mut self) -> Result<(), ReportError> {
        XmlSource::skip_text(self)
    }

    fn bytes(&self) -> u64 {
        XmlSource::bytes(self)
    }

    fn error(&self, at: LineCol, message: impl Into<String>) -> ReportError {
        XmlSource::error(self, at, message)
    }
}

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Whether a syntax error may only mean that the window ended inside the event. quick-xml says
/// "unclosed" when the rest of its input lacks the end of a tag, comment, CDATA…; an unknown
/// `<!…` with bytes enough after it to tell is broken wherever the window ends.
fn may_be_cut(e: &SyntaxError, rest: usize) -> bool {
    !matches!(e, SyntaxError::InvalidBangMarkup) || rest < "<![CDATA[".len()
}

/// A quick-xml reader for one event at the start of `rest`.
fn event_reader(rest: &[u8]) -> quick_xml::Reader<&[u8]> {
    let mut reader = quick_xml::Reader::from_reader(rest);
    let config = reader.config_mut();
    config.trim_text(false);
    config.expand_empty_elements = false;
    // End names are checked across events by `OpenElements::end`.
    config.check_end_names = false;
    config.allow_unmatched_ends = true;
    config.allow_dangling_amp = false;
    reader
}

/// The elements open at the current position. quick-xml checks end tags against its own list,
/// which lives in one reader for the whole file; here each event gets a fresh reader.
#[derive(Default)]
struct OpenElements {
    /// Their names, one after another.
    names: String,
    starts: Vec<usize>,
    seen_root: bool,
}

impl OpenElements {
    /// Opens `tag` (unless `empty`), refusing an element nested deeper than
    /// [`crate::MAX_NESTING`] and a tag that is not well-formed in ways quick-xml lets pass.
    fn start<'a>(
        &mut self,
        tag: Tag<'a>,
        empty: bool,
        at: LineCol,
        path: &Path,
    ) -> Result<(Xml<'a>, LineCol), ReportError> {
        self.seen_root = true;
        let depth = self.starts.len() + 1;
        if depth > crate::MAX_NESTING {
            return Err(ReportError::too_deep(path, at, "elements", depth));
        }
        tag::check(&tag)
            .map_err(|(message, hint)| ReportError::malformed(path, at, message, hint))?;
        if empty {
            return Ok((Xml::Empty(tag), at));
        }
        self.starts.push(self.names.len());
        self.names.push_str(tag.name());
        Ok((Xml::Start(tag), at))
    }

    /// Closes the open element `found` (its end tag at offset `at`), or says which one it
    /// should have closed.
    fn end<R: BufRead>(
        &mut self,
        found: &str,
        window: &Window<R>,
        at: u64,
        path: &Path,
    ) -> Result<(), ReportError> {
        let error = |e: IllFormedError| {
            ReportError::malformed(path, window.line_col(at), e.to_string(), FIX_XML)
        };
        let Some(&start) = self.starts.last() else {
            return Err(error(IllFormedError::UnmatchedEndTag(found.to_string())));
        };
        if &self.names[start..] != found {
            return Err(error(IllFormedError::MismatchedEndTag {
                expected: self.names[start..].to_string(),
                found: found.to_string(),
            }));
        }
        self.names.truncate(start);
        self.starts.pop();
        Ok(())
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

pub(crate) const CONTROL_HINT: &str = "XML 1.0 allows no control characters but tab, line feed and \
    carriage return: the report's writer must escape or strip them (a reference like &#27; is \
    accepted, as Surefire writes it)";

/// Refuses the characters XML 1.0 forbids in text, CDATA, comments and processing
/// instructions that quick-xml parsed (text streamed by stream.rs is checked there).
fn check_chars(event: &Event<'_>) -> Result<(), String> {
    let bytes = match event {
        Event::Text(t) | Event::Comment(t) => t.as_bytes(),
        Event::CData(t) => t.as_bytes(),
        Event::PI(t) => t.as_bytes(),
        Event::Decl(t) => t.as_bytes(),
        _ => return Ok(()),
    };
    match first_forbidden(bytes) {
        Some(i) => Err(forbidden_message(bytes, i, "text")),
        None => Ok(()),
    }
}

/// The offset of the first character XML 1.0 does not allow (`Char` in its grammar): a C0
/// control other than tab, line feed and carriage return, or U+FFFE / U+FFFF. `b` is UTF-8
/// (or a tag's bytes, which quick-xml checks later). Eight bytes at a time: it runs over all
/// text.
pub(crate) fn first_forbidden(b: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let mut i = 0;
    while let Some(word) = b.get(i..i + 8) {
        let w = u64::from_le_bytes(word.try_into().unwrap_or_default());
        // A byte below 0x20 or equal to 0xEF (each exact enough to say "look closer").
        let low = w.wrapping_sub(ONES * 0x20) & !w & HIGHS;
        let x = w ^ (ONES * 0xEF);
        let ef = x.wrapping_sub(ONES) & !x & HIGHS;
        if low | ef != 0
            && let Some(j) = forbidden_at(b, i, i + 8)
        {
            return Some(j);
        }
        i += 8;
    }
    forbidden_at(b, i, b.len())
}

/// [`first_forbidden`], one byte at a time over `b[from..to]` (a character may run past `to`).
fn forbidden_at(b: &[u8], from: usize, to: usize) -> Option<usize> {
    (from..to).find(|&i| match b[i] {
        b'\t' | b'\n' | b'\r' => false,
        c if c < 0x20 => true,
        0xEF => b.get(i + 1) == Some(&0xBF) && matches!(b.get(i + 2), Some(0xBE | 0xBF)),
        _ => false,
    })
}

/// "control character U+0000 in {place}: XML 1.0 does not allow it".
pub(crate) fn forbidden_message(b: &[u8], i: usize, place: &str) -> String {
    let code = match b[i] {
        0xEF => 0xFFFE + u32::from(b[i + 2] - 0xBE),
        c => u32::from(c),
    };
    let kind = if code < 0x20 {
        "control character"
    } else {
        "non-character"
    };
    format!("{kind} U+{code:04X} in {place}: XML 1.0 does not allow it")
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

/// Where to point for a parser error: invalid UTF-8 at its first bad byte, everything else
/// where quick-xml says (never before the event).
fn error_location(e: &quick_xml::Error, before: u64, error_at: u64) -> u64 {
    match e {
        quick_xml::Error::Encoding(quick_xml::encoding::EncodingError::Utf8(u)) => {
            before + u.valid_up_to() as u64
        }
        quick_xml::Error::Encoding(_) => before,
        _ => error_at.max(before),
    }
}

fn xml_error(path: &Path, at: LineCol, e: quick_xml::Error) -> ReportError {
    match e {
        quick_xml::Error::Io(io) => {
            let source = std::io::Error::new(io.kind(), io.to_string());
            ReportError::io(path, source)
        }
        quick_xml::Error::Encoding(_) => ReportError::malformed(path, at, NOT_UTF8, UTF8_HINT),
        quick_xml::Error::Escape(esc) => {
            ReportError::malformed(path, at, escape_message(&esc), ENTITY_HINT)
        }
        other => {
            let message = match &other {
                quick_xml::Error::Syntax(s) => s.to_string(),
                quick_xml::Error::IllFormed(s) => s.to_string(),
                _ => other.to_string(),
            };
            ReportError::malformed(path, at, message, FIX_XML)
        }
    }
}

fn escape_message(e: &EscapeError) -> String {
    match e {
        EscapeError::UnrecognizedEntity(_, name) => format!("unknown entity &{name};"),
        other => other.to_string(),
    }
}

/// An end tag's local name (`</ns:testcase>` → `testcase`).
pub(crate) fn end_name<'a>(e: &'a BytesEnd<'a>) -> &'a str {
    local_part(e.name().into_inner())
}

/// The element's local name (`ns:testcase` → `testcase`).
pub(crate) fn local_name<'a>(tag: &'a Tag<'a>) -> &'a str {
    tag.local_name()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::{Decoded, Encoding};

    fn events(xml: &str) -> Result<Vec<String>, ReportError> {
        events_in_window(xml, 256 * 1024, false)
    }

    /// The events of `xml` read through a window of `size` bytes, as strings; with `texts`,
    /// text is streamed after every event as the readers do, and runs of text are joined.
    fn events_in_window(
        xml: impl AsRef<[u8]>,
        size: usize,
        texts: bool,
    ) -> Result<Vec<String>, ReportError> {
        let input = Decoded::new(xml.as_ref(), Encoding::Utf8);
        let mut src = XmlSource::with_window(Window::with_size(input, size), Path::new("r.xml"));
        let mut out: Vec<String> = Vec::new();
        let mut text = String::new();
        loop {
            if texts {
                src.stream_text(&mut |t| text.push_str(t))?;
            }
            let (event, at) = src.next()?;
            let is_text = matches!(event, Xml::Text(_) | Xml::Char(_) | Xml::Skip);
            if texts && !is_text && !text.is_empty() {
                out.push(std::mem::take(&mut text));
            }
            match (event, at) {
                (Xml::Text(t), _) if texts => text.push_str(&t),
                (Xml::Char(c), _) if texts => text.push(c),
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

    /// Every construct whose end the window cannot see from its start.
    const AWKWARD: &str = "<?xml version='1.0' encoding='utf-8'?>\r\n<!-- a <b> c -->\
        <r a=\"x > y\" b='&lt;&#10;é'>t&amp;u &#x1F600;é\r\n<![CDATA[ <x> ]] ]]>\
        <?pi <y> ?><e x='1'\n  y=\"2\" /><n:f>v</n:f >ü<g/>\
        <h z=\"<\">z</h><!--x--></r>\n";

    #[test]
    fn window_edges_do_not_change_events() {
        let whole = events_in_window(AWKWARD, 1 << 20, true).unwrap();
        assert_eq!(whole.len(), 14, "{whole:?}");
        for size in 1..=AWKWARD.len() + 1 {
            assert_eq!(
                events_in_window(AWKWARD, size, true).unwrap(),
                whole,
                "window of {size} bytes"
            );
        }
    }

    #[test]
    fn window_edges_do_not_change_errors() {
        for bad in [
            &b"<r><a></b></r>"[..],
            b"<r>\n  <a x='1'\n y='2'>&bogus;</a></r>",
            b"<r><!-- never closed </r>",
            b"<r><a x=\"unclosed></r>",
            b"<r>\n</r></s>",
            b"<r>ok \xFF</r>",
            b"<r><a b='\xFF'/></r>",
        ] {
            let whole = events_in_window(bad, 1 << 20, true)
                .unwrap_err()
                .to_string();
            for size in 1..=bad.len() + 1 {
                let got = events_in_window(bad, size, true).unwrap_err().to_string();
                assert_eq!(got, whole, "{bad:?} in a window of {size} bytes");
            }
        }
    }

    #[test]
    fn broken_markup_is_reported_without_reading_on() {
        let mut xml = b"<r>\n  <!x>".to_vec();
        xml.resize(4 << 20, b' ');
        let input = Decoded::new(&xml[..], Encoding::Utf8);
        let mut src = XmlSource::with_window(Window::with_size(input, 1024), Path::new("r.xml"));
        let error = loop {
            match src.next() {
                Ok((Xml::Eof, _)) => panic!("no error"),
                Ok(_) => {}
                Err(e) => break e.to_string(),
            }
        };
        assert!(error.starts_with("r.xml:2:3: "), "{error}");
        let held = src.window.held();
        assert!(held < 64 * 1024, "read on, holding {held} bytes");
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
