//! The byte stream under every reader: counts bytes and lines as they are consumed (so any
//! recent offset can be turned into `line:col` without keeping the file), and decodes UTF-16 /
//! Latin-1 input to UTF-8 on the fly.

use std::collections::VecDeque;
use std::io::{self, BufRead, Read};

/// How many recent newline offsets are kept to place errors and elements that started a few
/// lines back. Older positions fall back to an approximate column.
const RECENT_NEWLINES: usize = 4096;

/// How far past the consumed offset newlines are looked for, in one `memchr` pass over the
/// buffer, so that consuming a few bytes at a time (quick-xml does, per event) costs nothing.
/// It bounds the extra newline offsets held to this many.
const LOOKAHEAD: usize = 16 * 1024;

/// A `BufRead` that tracks the consumed offset and the positions of recent newlines.
pub(crate) struct CountingReader<R> {
    inner: R,
    counter: Counter,
}

#[derive(Default)]
struct Counter {
    /// Bytes consumed.
    offset: u64,
    /// Bytes searched for newlines (at or past `offset`).
    scanned: u64,
    /// Newlines in the first `scanned` bytes.
    newlines: u64,
    /// Offsets of the last newlines found: those before `offset` (up to [`RECENT_NEWLINES`])
    /// and every one in `offset..scanned`.
    recent: VecDeque<u64>,
    /// JSON readers ask for the offset of the next significant byte (the start of an entry).
    mark_pending: bool,
    mark: Option<u64>,
}

impl<R: BufRead> CountingReader<R> {
    pub(crate) fn new(inner: R) -> Self {
        CountingReader {
            inner,
            counter: Counter::default(),
        }
    }

    /// Bytes consumed so far.
    pub(crate) fn offset(&self) -> u64 {
        self.counter.offset
    }

    /// 1-based `(line, column)` of a byte offset at or before the consumed offset. Columns are
    /// counted in bytes.
    pub(crate) fn line_col(&self, pos: u64) -> (u64, u64) {
        let c = &self.counter;
        let pos = pos.min(c.offset);
        let after = c.recent.len() - c.recent.partition_point(|&nl| nl < pos);
        let line = c.newlines - after as u64 + 1;
        let idx = c.recent.len() - after;
        let line_start = if idx > 0 {
            c.recent[idx - 1] + 1
        } else if c.newlines as usize > c.recent.len() {
            // The newline before `pos` was forgotten: too far back to place the column.
            pos
        } else {
            0
        };
        (line, pos - line_start + 1)
    }

    /// Line and column of the consumed offset (the end of what was read).
    pub(crate) fn here(&self) -> (u64, u64) {
        self.line_col(self.counter.offset)
    }

    /// Remember the offset of the next byte consumed that is not whitespace, `,`, `[` or `:`.
    pub(crate) fn mark_next_token(&mut self) {
        self.counter.mark_pending = true;
        self.counter.mark = None;
    }

    pub(crate) fn take_mark(&mut self) -> Option<u64> {
        self.counter.mark_pending = false;
        self.counter.mark.take()
    }
}

impl Counter {
    /// Looks for newlines in `buf` (which starts at the consumed offset) up to `want` bytes
    /// into it, or [`LOOKAHEAD`] bytes if that is further and the buffer holds them.
    #[inline]
    fn scan(&mut self, buf: &[u8], want: usize) {
        let from = (self.scanned - self.offset) as usize;
        // Scan in batches: not again until half the look-ahead is used up.
        if from >= want && (from >= LOOKAHEAD / 2 || from >= buf.len()) {
            return;
        }
        self.scan_from(buf, from, want);
    }

    #[inline(never)]
    fn scan_from(&mut self, buf: &[u8], from: usize, want: usize) {
        let end = buf.len().min(want.max(LOOKAHEAD));
        for i in memchr::memchr_iter(b'\n', &buf[from..end]) {
            self.newlines += 1;
            self.recent.push_back(self.scanned + i as u64);
        }
        self.scanned = self.offset + end as u64;
    }

    /// `amt` bytes at the start of `buf` are consumed.
    fn consume(&mut self, buf: &[u8], amt: usize) {
        if self.mark_pending
            && let Some(i) = buf[..amt]
                .iter()
                .position(|b| !matches!(b, b' ' | b'\t' | b'\r' | b'\n' | b',' | b'[' | b':'))
        {
            self.mark = Some(self.offset + i as u64);
            self.mark_pending = false;
        }
        self.scan(buf, amt);
        self.advance(amt);
    }

    fn advance(&mut self, amt: usize) {
        self.offset += amt as u64;
        // Forget old newlines, never one at or past the consumed offset (placing a position
        // needs every newline after it).
        while self.recent.len() > RECENT_NEWLINES
            && self.recent.front().is_some_and(|&nl| nl < self.offset)
        {
            self.recent.pop_front();
        }
    }

    /// Whether consuming `amt` bytes needs to see them (they were not scanned yet, or a JSON
    /// reader waits for its mark).
    fn needs_bytes(&self, amt: usize) -> bool {
        self.mark_pending || self.offset + amt as u64 > self.scanned
    }
}

impl<R: BufRead> Read for CountingReader<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let n = {
            let buf = self.fill_buf()?;
            let n = buf.len().min(out.len());
            out[..n].copy_from_slice(&buf[..n]);
            n
        };
        self.consume(n);
        Ok(n)
    }
}

impl<R: BufRead> BufRead for CountingReader<R> {
    #[inline]
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        let buf = self.inner.fill_buf()?;
        self.counter.scan(buf, 0);
        Ok(buf)
    }

    #[inline]
    fn consume(&mut self, amt: usize) {
        if amt == 0 {
            return;
        }
        if !self.counter.needs_bytes(amt) {
            // Scanned bytes came from a `fill_buf`, so they are there to consume.
            self.counter.advance(amt);
            self.inner.consume(amt);
            return;
        }
        // `fill_buf` after a non-empty `fill_buf` returns the same bytes without I/O.
        // quick-xml can ask to consume a byte past the end of input (a `<!` construct at EOF);
        // some readers (`&[u8]`) panic on that, so never pass on more than is there.
        let available = match self.inner.fill_buf() {
            Ok(buf) => {
                let amt = amt.min(buf.len());
                self.counter.consume(buf, amt);
                amt
            }
            Err(_) => amt,
        };
        self.inner.consume(available);
    }
}

/// Which text encoding the bytes are in, decided from the BOM and the XML declaration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Encoding {
    Utf8,
    Utf16Le,
    Utf16Be,
    Latin1,
}

/// Reads an encoding from the first bytes: a UTF-16 BOM, or a declared Latin-1 encoding.
/// `Err(name)` for a declared encoding we cannot decode.
pub(crate) fn detect_encoding(head: &[u8]) -> Result<Encoding, String> {
    if head.starts_with(&[0xFF, 0xFE]) {
        return Ok(Encoding::Utf16Le);
    }
    if head.starts_with(&[0xFE, 0xFF]) {
        return Ok(Encoding::Utf16Be);
    }
    let Some(name) = declared_encoding(head) else {
        return Ok(Encoding::Utf8);
    };
    match name.to_ascii_lowercase().as_str() {
        "utf-8" | "utf8" | "us-ascii" | "ascii" => Ok(Encoding::Utf8),
        // A UTF-16 declaration without a BOM on a byte stream that reads as ASCII is a lie we
        // can live with: the bytes are what matter.
        "utf-16" | "utf16" => Ok(Encoding::Utf8),
        "iso-8859-1" | "iso8859-1" | "latin1" | "latin-1" | "l1" => Ok(Encoding::Latin1),
        _ => Err(name),
    }
}

fn declared_encoding(head: &[u8]) -> Option<String> {
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    if !head.starts_with(b"<?xml") {
        return None;
    }
    let end = head.iter().position(|&b| b == b'>')?;
    let decl = std::str::from_utf8(&head[..end]).ok()?;
    let rest = &decl[decl.find("encoding")? + "encoding".len()..];
    let rest = rest.trim_start().strip_prefix('=')?.trim_start();
    let quote = rest.chars().next()?;
    if quote != '"' && quote != '\'' {
        return None;
    }
    let value = &rest[1..];
    Some(value[..value.find(quote)?].to_string())
}

/// Decodes UTF-16 or Latin-1 into UTF-8, chunk by chunk.
pub(crate) struct Transcoder<R> {
    inner: R,
    encoding: Encoding,
    out: Vec<u8>,
    pos: usize,
    /// A byte of a UTF-16 unit, or a high surrogate, left over from the previous chunk.
    pending: Vec<u8>,
    started: bool,
}

impl<R: BufRead> Transcoder<R> {
    pub(crate) fn new(inner: R, encoding: Encoding) -> Self {
        Transcoder {
            inner,
            encoding,
            out: Vec::with_capacity(16 * 1024),
            pos: 0,
            pending: Vec::new(),
            started: false,
        }
    }

    fn refill(&mut self) -> io::Result<()> {
        self.out.clear();
        self.pos = 0;
        while self.out.is_empty() {
            let chunk = self.inner.fill_buf()?;
            if chunk.is_empty() {
                if !self.pending.is_empty() {
                    self.pending.clear();
                    self.out.extend_from_slice("\u{FFFD}".as_bytes());
                }
                return Ok(());
            }
            let mut bytes = std::mem::take(&mut self.pending);
            bytes.extend_from_slice(chunk);
            let n = chunk.len();
            self.inner.consume(n);
            self.decode(&bytes);
        }
        Ok(())
    }

    fn decode(&mut self, bytes: &[u8]) {
        let mut bytes = bytes;
        if !self.started && self.encoding != Encoding::Latin1 {
            if bytes.len() < 2 {
                // The BOM itself is split across reads.
                self.pending = bytes.to_vec();
                return;
            }
            bytes = &bytes[2..];
        }
        self.started = true;
        match self.encoding {
            Encoding::Latin1 | Encoding::Utf8 => {
                for &b in bytes {
                    let mut tmp = [0u8; 4];
                    self.out
                        .extend_from_slice(char::from(b).encode_utf8(&mut tmp).as_bytes());
                }
            }
            Encoding::Utf16Le | Encoding::Utf16Be => self.decode_utf16(bytes),
        }
    }

    fn decode_utf16(&mut self, bytes: &[u8]) {
        let le = self.encoding == Encoding::Utf16Le;
        let units = bytes.chunks_exact(2).map(|p| {
            if le {
                u16::from_le_bytes([p[0], p[1]])
            } else {
                u16::from_be_bytes([p[0], p[1]])
            }
        });
        let whole = bytes.len() / 2 * 2;
        let mut units: Vec<u16> = units.collect();
        let mut keep_from = whole;
        // A high surrogate at the end waits for its partner in the next chunk.
        if let Some(&last) = units.last()
            && (0xD800..0xDC00).contains(&last)
        {
            units.pop();
            keep_from = whole - 2;
        }
        for c in char::decode_utf16(units) {
            let c = c.unwrap_or(char::REPLACEMENT_CHARACTER);
            let mut tmp = [0u8; 4];
            self.out
                .extend_from_slice(c.encode_utf8(&mut tmp).as_bytes());
        }
        self.pending = bytes[keep_from..].to_vec();
    }
}

impl<R: BufRead> Read for Transcoder<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let n = {
            let buf = self.fill_buf()?;
            let n = buf.len().min(out.len());
            out[..n].copy_from_slice(&buf[..n]);
            n
        };
        self.consume(n);
        Ok(n)
    }
}

impl<R: BufRead> BufRead for Transcoder<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.pos >= self.out.len() {
            self.refill()?;
        }
        Ok(&self.out[self.pos..])
    }

    fn consume(&mut self, amt: usize) {
        self.pos = (self.pos + amt).min(self.out.len());
    }
}

/// UTF-8 input as is, or decoded input.
pub(crate) enum Decoded<R> {
    Plain(R),
    Transcoded(Transcoder<R>),
}

impl<R: BufRead> Decoded<R> {
    pub(crate) fn new(inner: R, encoding: Encoding) -> Self {
        match encoding {
            Encoding::Utf8 => Decoded::Plain(inner),
            other => Decoded::Transcoded(Transcoder::new(inner, other)),
        }
    }
}

impl<R: BufRead> Read for Decoded<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        match self {
            Decoded::Plain(r) => r.read(out),
            Decoded::Transcoded(r) => r.read(out),
        }
    }
}

impl<R: BufRead> BufRead for Decoded<R> {
    #[inline]
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        match self {
            Decoded::Plain(r) => r.fill_buf(),
            Decoded::Transcoded(r) => r.fill_buf(),
        }
    }

    #[inline]
    fn consume(&mut self, amt: usize) {
        match self {
            Decoded::Plain(r) => r.consume(amt),
            Decoded::Transcoded(r) => r.consume(amt),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all<R: BufRead>(mut r: R) -> String {
        let mut s = String::new();
        r.read_to_string(&mut s).unwrap();
        s
    }

    #[test]
    fn utf16_le_with_bom_decodes() {
        let mut bytes = vec![0xFF, 0xFE];
        for u in "<a>é😀</a>".encode_utf16() {
            bytes.extend_from_slice(&u.to_le_bytes());
        }
        assert_eq!(detect_encoding(&bytes), Ok(Encoding::Utf16Le));
        // A tiny buffer splits units and surrogate pairs across chunks.
        let r = io::BufReader::with_capacity(3, &bytes[..]);
        assert_eq!(
            read_all(Transcoder::new(r, Encoding::Utf16Le)),
            "<a>é😀</a>"
        );
    }

    #[test]
    fn declared_encodings() {
        assert_eq!(
            detect_encoding(b"<?xml version='1.0' encoding='ISO-8859-1'?>"),
            Ok(Encoding::Latin1)
        );
        assert_eq!(
            detect_encoding(b"<?xml version=\"1.0\" encoding=\"Shift_JIS\"?>"),
            Err("Shift_JIS".into())
        );
        assert_eq!(detect_encoding(b"<a/>"), Ok(Encoding::Utf8));
    }

    /// `here()` after every consume, against counting the consumed bytes, for buffers smaller
    /// and larger than the look-ahead and more lines than are remembered.
    #[test]
    fn line_col_while_consuming_in_odd_steps() {
        let text: String = (0..12_000)
            .map(|i| format!("{}\n", "x".repeat(i % 13)))
            .collect();
        for capacity in [3, 100, 64 * 1024, 1 << 20] {
            let mut r =
                CountingReader::new(io::BufReader::with_capacity(capacity, text.as_bytes()));
            let (mut pos, mut step) = (0, 1);
            let (mut line, mut line_start) = (1, 0);
            while pos < text.len() {
                let len = r.fill_buf().unwrap().len();
                let n = step.min(len);
                r.consume(n);
                for (i, b) in text.bytes().enumerate().skip(pos).take(n) {
                    if b == b'\n' {
                        (line, line_start) = (line + 1, i + 1);
                    }
                }
                pos += n;
                step = (step * 7 + 3) % 5000 + 1;
                let expected = (line, (pos - line_start) as u64 + 1);
                assert_eq!(r.here(), expected, "capacity {capacity}, offset {pos}");
            }
        }
    }

    #[test]
    fn line_col_of_recent_offsets() {
        let mut r = CountingReader::new(&b"ab\ncd\n\nef"[..]);
        let mut s = String::new();
        r.read_to_string(&mut s).unwrap();
        assert_eq!(r.line_col(0), (1, 1));
        assert_eq!(r.line_col(4), (2, 2));
        assert_eq!(r.line_col(7), (4, 1));
        assert_eq!(r.here(), (4, 3));
    }
}
