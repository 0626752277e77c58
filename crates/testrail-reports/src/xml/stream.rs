//! Streaming the text of an element straight from the input, so a 1 GB `<system-out>` is
//! trimmed while it is read instead of landing whole in quick-xml's event buffer.
//!
//! Plain text and CDATA sections are read here; anything else (a reference, a tag, a comment,
//! or a boundary this code cannot see past) is left to quick-xml, which then delivers it as an
//! ordinary event. Line ends are normalised (`\r\n`, `\r` → `\n`) as XML requires.

use std::io::BufRead;

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

    fn raw_error(&self, e: RawError) -> ReportError {
        let at = self.window.here();
        match e {
            RawError::Io(e) => ReportError::io(&self.path, e),
            RawError::Utf8 => ReportError::malformed(
                &self.path,
                at,
                "the report is not valid UTF-8",
                "save the report as UTF-8, or declare its real encoding in the XML declaration",
            ),
            RawError::TruncatedCdata => ReportError::malformed(
                &self.path,
                at,
                "unexpected end of file inside a CDATA section: the report is truncated",
                "the test run was probably interrupted while writing the report: rerun it",
            ),
        }
    }
}

/// One buffer's worth of plain text.
fn text_round<B: BufRead, F: FnMut(&str)>(
    stream: &mut B,
    emitter: &mut Emitter<'_, F>,
) -> Result<Round, RawError> {
    let chunk = stream.fill_buf().map_err(RawError::Io)?;
    match chunk.first() {
        None => return Ok(Round::Stop),
        Some(b'&') => {
            // Resolved here when it is whole in this buffer and known; quick-xml words
            // anything else.
            let Some((c, len)) = reference(chunk) else {
                return Ok(Round::Stop);
            };
            emitter.emit(c.encode_utf8(&mut [0u8; 4]));
            stream.consume(len);
            return Ok(Round::More);
        }
        Some(b'<') if chunk.starts_with(CDATA_OPEN) => {
            stream.consume(CDATA_OPEN.len());
            return Ok(Round::Cdata);
        }
        Some(b'<') => return Ok(Round::Stop),
        _ => {}
    }
    let end = memchr::memchr2(b'<', b'&', chunk).unwrap_or(chunk.len());
    match std::str::from_utf8(&chunk[..end]) {
        Ok(s) => {
            emitter.emit(s);
            stream.consume(end);
            Ok(Round::More)
        }
        Err(e) if e.valid_up_to() > 0 => {
            let n = e.valid_up_to();
            emitter.emit(std::str::from_utf8(&chunk[..n]).unwrap_or_default());
            stream.consume(n);
            Ok(Round::More)
        }
        // A character split by the buffer's end: put it together here.
        Err(e) if e.error_len().is_none() && end == chunk.len() => {
            split_char(stream, emitter)?;
            Ok(Round::More)
        }
        // Invalid bytes: quick-xml reports them with their position.
        Err(_) => Ok(Round::Stop),
    }
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

/// Reads one UTF-8 character whose bytes straddle buffer refills.
fn split_char<B: BufRead, F: FnMut(&str)>(
    stream: &mut B,
    emitter: &mut Emitter<'_, F>,
) -> Result<(), RawError> {
    let mut bytes = [0u8; 4];
    let mut len = 0;
    loop {
        let chunk = stream.fill_buf().map_err(RawError::Io)?;
        let Some(&b) = chunk.first() else {
            return Err(RawError::Utf8);
        };
        if len == 4 || (len > 0 && b & 0xC0 != 0x80) {
            return Err(RawError::Utf8);
        }
        bytes[len] = b;
        len += 1;
        stream.consume(1);
        match std::str::from_utf8(&bytes[..len]) {
            Ok(s) => {
                emitter.emit(s);
                return Ok(());
            }
            Err(e) if e.error_len().is_some() => return Err(RawError::Utf8),
            Err(_) => {}
        }
    }
}

/// The rest of a CDATA section (after `<![CDATA[`), through `]]>`.
fn cdata<B: BufRead, F: FnMut(&str)>(
    stream: &mut B,
    emitter: &mut Emitter<'_, F>,
) -> Result<(), RawError> {
    // `]` bytes seen at the end of a buffer: maybe the start of `]]>`.
    let mut brackets = 0usize;
    loop {
        let chunk = stream.fill_buf().map_err(RawError::Io)?;
        if chunk.is_empty() {
            return Err(RawError::TruncatedCdata);
        }
        if brackets > 0 {
            match close_after_brackets(chunk, brackets) {
                Some(n) => {
                    stream.consume(n);
                    return Ok(());
                }
                None if chunk[0] == b']' => {
                    // `]]]`: the oldest bracket is text, the newest two may still close.
                    if brackets == 2 {
                        emitter.emit("]");
                    } else {
                        brackets += 1;
                    }
                    stream.consume(1);
                    continue;
                }
                None => {
                    emitter.emit(&"]]"[..brackets]);
                    brackets = 0;
                }
            }
        }
        if let Some(i) = find(chunk, b"]]>") {
            emit_utf8(&chunk[..i], emitter)?;
            stream.consume(i + 3);
            return Ok(());
        }
        // Hold back trailing `]`s, and a character cut by the buffer's end.
        let tail = chunk
            .iter()
            .rev()
            .take(2)
            .take_while(|&&b| b == b']')
            .count();
        let body = &chunk[..chunk.len() - tail];
        let n = match std::str::from_utf8(body) {
            Ok(s) => {
                emitter.emit(s);
                body.len()
            }
            Err(e) if e.error_len().is_none() => {
                let n = e.valid_up_to();
                emitter.emit(std::str::from_utf8(&body[..n]).unwrap_or_default());
                if n == 0 {
                    split_char(stream, emitter)?;
                    continue;
                }
                stream.consume(n);
                continue;
            }
            Err(_) => return Err(RawError::Utf8),
        };
        brackets = tail;
        stream.consume(n + tail);
    }
}

/// With `brackets` `]` already seen, does `chunk` finish `]]>`? Bytes to consume if so.
fn close_after_brackets(chunk: &[u8], brackets: usize) -> Option<usize> {
    match brackets {
        2 if chunk.first() == Some(&b'>') => Some(1),
        1 if chunk.starts_with(b"]>") => Some(2),
        _ => None,
    }
}

fn emit_utf8<F: FnMut(&str)>(bytes: &[u8], emitter: &mut Emitter<'_, F>) -> Result<(), RawError> {
    let s = std::str::from_utf8(bytes).map_err(|_| RawError::Utf8)?;
    emitter.emit(s);
    Ok(())
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(haystack, needle)
}
