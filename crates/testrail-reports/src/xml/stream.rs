//! Streaming the text of an element straight from the input, so a 1 GB `<system-out>` is
//! trimmed while it is read instead of landing whole in quick-xml's event buffer.
//!
//! Plain text and CDATA sections are read here; anything else (a reference, a tag, a comment,
//! or a boundary this code cannot see past) is left to quick-xml, which then delivers it as an
//! ordinary event. Line ends are normalised (`\r\n`, `\r` → `\n`) as XML requires.

use std::io::BufRead;

use super::window::Window;
use super::{ReportError, XmlSource};

const CDATA_OPEN: &[u8] = b"<![CDATA[";

enum Round {
    More,
    Stop,
    Cdata,
}

/// What went wrong while reading raw text.
enum RawError {
    Io(std::io::Error),
    Utf8,
    /// A character XML 1.0 forbids (a NUL, another control): the message.
    Forbidden(String),
    TruncatedCdata,
}

/// Pieces of decoded text go to `out` (if anybody wants them); a `\r` at the end of a piece is
/// remembered so that a `\n` starting the next piece is not doubled.
struct Emitter<'o, F: FnMut(&str)> {
    out: Option<&'o mut F>,
    pending_cr: bool,
}

impl<F: FnMut(&str)> Emitter<'_, F> {
    fn emit(&mut self, mut s: &str) {
        let Some(out) = &mut self.out else {
            return;
        };
        if self.pending_cr && s.starts_with('\n') {
            s = &s[1..];
        }
        self.pending_cr = false;
        while let Some(i) = memchr::memchr(b'\r', s.as_bytes()) {
            if i > 0 {
                out(&s[..i]);
            }
            out("\n");
            s = &s[i + 1..];
            if let Some(rest) = s.strip_prefix('\n') {
                s = rest;
            } else if s.is_empty() {
                self.pending_cr = true;
            }
        }
        if !s.is_empty() {
            out(s);
        }
    }
}

impl<R: BufRead> XmlSource<R> {
    /// Reads the text content that follows, up to the next markup quick-xml must see.
    pub(crate) fn stream_text(&mut self, out: &mut impl FnMut(&str)) -> Result<(), ReportError> {
        self.text(Emitter {
            out: Some(out),
            pending_cr: false,
        })
    }

    /// Reads past the text that follows, which nobody wants (it must still be well-formed).
    pub(crate) fn skip_text(&mut self) -> Result<(), ReportError> {
        self.text::<fn(&str)>(Emitter {
            out: None,
            pending_cr: false,
        })
    }

    fn text<F: FnMut(&str)>(&mut self, mut emitter: Emitter<'_, F>) -> Result<(), ReportError> {
        loop {
            match text_round(&mut self.window, &mut emitter) {
                Ok(Round::More) => {}
                Ok(Round::Stop) => return Ok(()),
                Ok(Round::Cdata) => {
                    cdata(&mut self.window, &mut emitter).map_err(|e| self.raw_error(e))?;
                }
                Err(e) => return Err(self.raw_error(e)),
            }
        }
    }

    /// The error, at the current position (the bad byte, or the end of the input).
    fn raw_error(&self, e: RawError) -> ReportError {
        let at = self.window.here();
        match e {
            RawError::Io(e) => ReportError::io(&self.path, e),
            RawError::Utf8 => {
                ReportError::malformed(&self.path, at, super::NOT_UTF8, super::UTF8_HINT)
            }
            RawError::Forbidden(message) => {
                ReportError::malformed(&self.path, at, message, super::CONTROL_HINT)
            }
            RawError::TruncatedCdata => ReportError::malformed(
                &self.path,
                at,
                "unexpected end of file inside a CDATA section: the report is truncated",
                "the test run was probably interrupted while writing the report: rerun it",
            ),
        }
    }
}

/// One window's worth of plain text. Whatever the window's size, the same text comes out and
/// an error points at the same byte: a character or `<![CDATA[` cut by the window's end is
/// read again after a refill.
fn text_round<R: BufRead, F: FnMut(&str)>(
    w: &mut Window<R>,
    emitter: &mut Emitter<'_, F>,
) -> Result<Round, RawError> {
    w.fill_buf().map_err(RawError::Io)?;
    let eof = w.at_eof();
    let chunk = w.rest();
    match chunk.first() {
        None => return Ok(Round::Stop),
        Some(b'&') => {
            // Resolved here when it is whole in this window and known; quick-xml words
            // anything else.
            let Some((c, len)) = reference(chunk) else {
                return Ok(Round::Stop);
            };
            emitter.emit(c.encode_utf8(&mut [0u8; 4]));
            w.consume(len);
            return Ok(Round::More);
        }
        Some(b'<') if chunk.starts_with(CDATA_OPEN) => {
            w.consume(CDATA_OPEN.len());
            return Ok(Round::Cdata);
        }
        Some(b'<') if CDATA_OPEN.starts_with(chunk) && !eof => {
            w.refill().map_err(RawError::Io)?;
            return Ok(Round::More);
        }
        Some(b'<') => return Ok(Round::Stop),
        _ => {}
    }
    let end = memchr::memchr2(b'<', b'&', chunk).unwrap_or(chunk.len());
    let cut_at_end = end == chunk.len() && !eof;
    emit_valid(w, emitter, end, cut_at_end)?;
    Ok(Round::More)
}

/// Emits the first `len` unread bytes as text, or as much of them as is valid UTF-8: the rest
/// is an error, or (`cut_at_end`) a character the window's end cut, read again after a refill.
/// A character XML forbids is an error at that character.
fn emit_valid<R: BufRead, F: FnMut(&str)>(
    w: &mut Window<R>,
    emitter: &mut Emitter<'_, F>,
    len: usize,
    cut_at_end: bool,
) -> Result<(), RawError> {
    let bytes = &w.rest()[..len];
    let (valid, utf8_error) = match std::str::from_utf8(bytes) {
        Ok(s) => (s, None),
        Err(e) => {
            let valid = std::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or_default();
            (valid, Some(e.error_len()))
        }
    };
    if let Some(i) = super::first_forbidden(valid.as_bytes()) {
        let message = super::forbidden_message(valid.as_bytes(), i, "text");
        // `i` is a character boundary: the character is ASCII, or starts at 0xEF.
        emitter.emit(&valid[..i]);
        w.consume(i);
        return Err(RawError::Forbidden(message));
    }
    let complete = match utf8_error {
        None => true,
        Some(error_len) => {
            let cut = cut_at_end && error_len.is_none();
            if !cut {
                emitter.emit(valid);
                w.consume(valid.len());
                return Err(RawError::Utf8);
            }
            false
        }
    };
    emitter.emit(valid);
    let n = valid.len();
    w.consume(n);
    if !complete && n == 0 {
        w.refill().map_err(RawError::Io)?;
    }
    Ok(())
}

/// The character a reference at the start of `chunk` (`&amp;`, `&#10;`) stands for, and the
/// reference's length.
fn reference(chunk: &[u8]) -> Option<(char, usize)> {
    const LONGEST: usize = "&#x10FFFF;".len();
    let semicolon = memchr::memchr(b';', &chunk[..chunk.len().min(LONGEST)])?;
    let name = std::str::from_utf8(&chunk[1..semicolon]).ok()?;
    let c = super::resolve_reference(&quick_xml::events::BytesRef::new(name)).ok()?;
    Some((c, semicolon + 1))
}

/// The rest of a CDATA section (after `<![CDATA[`), through `]]>`.
fn cdata<R: BufRead, F: FnMut(&str)>(
    w: &mut Window<R>,
    emitter: &mut Emitter<'_, F>,
) -> Result<(), RawError> {
    loop {
        w.fill_buf().map_err(RawError::Io)?;
        let rest = w.rest();
        if let Some(i) = memchr::memmem::find(rest, b"]]>") {
            emit_valid(w, emitter, i, false)?;
            w.consume(3);
            return Ok(());
        }
        if w.at_eof() {
            let len = rest.len();
            emit_valid(w, emitter, len, false)?;
            return Err(RawError::TruncatedCdata);
        }
        // The last two bytes may start `]]>`: they wait for the next round, with a character
        // the window's end cut.
        let len = rest.len().saturating_sub(2);
        emit_valid(w, emitter, len, true)?;
        w.refill().map_err(RawError::Io)?;
    }
}
