//! The bytes under the XML parser: a window of the input that holds whole events, so quick-xml's
//! borrowing slice reader parses them in place. Its buffered reader copied every event into an
//! event buffer first, which cost more than the parsing itself. Lines are counted lazily, only
//! as far as somebody asks for a `line:col`.

use std::cell::Cell;
use std::io::{self, BufRead};

/// Bytes read per refill. An event larger than this (a huge attribute, a comment) grows the
/// window for as long as it lasts.
const WINDOW: usize = 256 * 1024;

pub(crate) struct Window<R> {
    input: R,
    /// Bytes read per refill ([`WINDOW`] but in tests).
    size: usize,
    buf: Vec<u8>,
    /// Where the next event starts, in `buf`. Cells here and in the line counts let an event
    /// borrowed from `buf` coexist with moving on and asking for positions.
    pos: Cell<usize>,
    /// Offset of `buf[0]` in the input.
    base: u64,
    eof: bool,
    /// How far lines are counted.
    lines: Cell<Lines>,
    /// Lines counted up to `base`, to answer for positions behind `lines`.
    lines_at_base: Lines,
}

/// Line count at an offset: the 1-based line it is on and the offset that line starts at.
#[derive(Clone, Copy)]
struct Lines {
    at: u64,
    line: u64,
    line_start: u64,
}

impl<R: BufRead> Window<R> {
    pub(crate) fn new(input: R) -> Self {
        Self::with_size(input, WINDOW)
    }

    /// A window refilled `size` bytes at a time (tests put its edges everywhere).
    pub(crate) fn with_size(input: R, size: usize) -> Self {
        let start = Lines {
            at: 0,
            line: 1,
            line_start: 0,
        };
        Window {
            input,
            size: size.max(1),
            buf: Vec::new(),
            pos: Cell::new(0),
            base: 0,
            eof: false,
            lines: Cell::new(start),
            lines_at_base: start,
        }
    }

    /// Offset of the next unread byte in the input.
    pub(crate) fn offset(&self) -> u64 {
        self.base + self.pos.get() as u64
    }

    pub(crate) fn at_eof(&self) -> bool {
        self.eof
    }

    /// The unread bytes.
    pub(crate) fn rest(&self) -> &[u8] {
        &self.buf[self.pos.get()..]
    }

    /// Marks `n` more bytes as read.
    pub(crate) fn advance(&self, n: usize) {
        self.pos.set((self.pos.get() + n).min(self.buf.len()));
    }

    /// Makes sure the event at the current position is all in the window (or the input ends).
    pub(crate) fn fill_for_event(&mut self) -> io::Result<()> {
        while !self.eof && !self.holds_next_event() {
            self.refill()?;
        }
        Ok(())
    }

    /// Whether the event at the current position can end inside the window: a reference at
    /// its `;` (or the `<`/`&` that makes it an error), text at the next `<` or `&`. Markup is
    /// not looked at: one cut by the window's end is "unclosed" to the parser, and the caller
    /// then refills and parses it again.
    fn holds_next_event(&self) -> bool {
        let rest = self.rest();
        match rest.first() {
            None => false,
            Some(b'<') => true,
            Some(b'&') => memchr::memchr3(b';', b'<', b'&', &rest[1..]).is_some(),
            Some(_) => memchr::memchr2(b'<', b'&', rest).is_some(),
        }
    }

    /// Keeps the unread bytes and reads more after them: at least as many again, so an event
    /// that did not fit is whole after a few rounds.
    pub(crate) fn refill(&mut self) -> io::Result<()> {
        if self.eof {
            return Ok(());
        }
        self.move_base_to_pos();
        let target = self.size.max(2 * self.buf.len());
        if self.buf.capacity() > 4 * self.size && target == self.size {
            // One huge event must not pin its buffer for the rest of the file.
            self.buf.shrink_to(self.size);
        }
        self.buf.reserve(target - self.buf.len());
        while self.buf.len() < target {
            let chunk = self.input.fill_buf()?;
            if chunk.is_empty() {
                self.eof = true;
                break;
            }
            let n = chunk.len().min(target - self.buf.len());
            self.buf.extend_from_slice(&chunk[..n]);
            self.input.consume(n);
        }
        Ok(())
    }

    /// Drops the bytes before `pos`, counting their lines first.
    fn move_base_to_pos(&mut self) {
        let new_base = self.offset();
        let lines = self.lines.get();
        let from = if lines.at <= new_base {
            lines
        } else {
            self.lines_at_base
        };
        self.lines_at_base = count_lines(from, &self.buf, self.base, new_base);
        if lines.at < new_base {
            self.lines.set(self.lines_at_base);
        }
        self.buf.drain(..self.pos.get());
        self.base = new_base;
        self.pos.set(0);
    }

    /// 1-based line and column (in bytes) of an input offset in the window.
    pub(crate) fn line_col(&self, offset: u64) -> (u64, u64) {
        let offset = offset.clamp(self.base, self.base + self.buf.len() as u64);
        let counted = self.lines.get();
        let lines = if offset >= counted.at {
            let lines = count_lines(counted, &self.buf, self.base, offset);
            self.lines.set(lines);
            lines
        } else {
            // Behind the counted lines (an error pointing back into its event): count again
            // from the window's start rather than keep every newline's position.
            count_lines(self.lines_at_base, &self.buf, self.base, offset)
        };
        (lines.line, offset - lines.line_start + 1)
    }

    /// Bytes held (read and not yet dropped).
    #[cfg(test)]
    pub(crate) fn held(&self) -> usize {
        self.buf.len()
    }

    /// `line:col` of the next unread byte.
    pub(crate) fn here(&self) -> (u64, u64) {
        self.line_col(self.offset())
    }
}

/// `from` moved on to `to`, counting the newlines of `buf` (which starts at offset `base`).
fn count_lines(from: Lines, buf: &[u8], base: u64, to: u64) -> Lines {
    let span = &buf[(from.at - base) as usize..(to - base) as usize];
    let newlines = count_newlines(span);
    if newlines == 0 {
        return Lines { at: to, ..from };
    }
    // Mostly right before the tag asked about.
    let last = if span.len() > 4096 {
        memchr::memrchr(b'\n', span)
    } else {
        span.iter().rposition(|&b| b == b'\n')
    };
    Lines {
        at: to,
        line: from.line + newlines as u64,
        line_start: from.at + last.unwrap_or_default() as u64 + 1,
    }
}

/// `\n` bytes in `span`. Spans are mostly the ~200 bytes between two test cases, where
/// memchr's set-up costs more than this loop, which the compiler turns into vector compares.
fn count_newlines(span: &[u8]) -> usize {
    if span.len() > 4096 {
        return memchr::memchr_iter(b'\n', span).count();
    }
    let chunks = span.chunks_exact(16);
    let rest = chunks.remainder();
    let mut n = 0;
    for chunk in chunks {
        n += chunk.iter().map(|&b| u8::from(b == b'\n')).sum::<u8>() as usize;
    }
    n + rest.iter().filter(|&&b| b == b'\n').count()
}

/// Text streaming reads the window as a buffered reader that refills itself.
impl<R: BufRead> BufRead for Window<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.pos.get() == self.buf.len() {
            self.refill()?;
        }
        Ok(self.rest())
    }

    fn consume(&mut self, amt: usize) {
        self.advance(amt);
    }
}

impl<R: BufRead> io::Read for Window<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let available = self.fill_buf()?;
        let n = available.len().min(out.len());
        out[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader that hands out `step` bytes at a time, to put refills everywhere.
    struct Trickle<'a> {
        data: &'a [u8],
        step: usize,
    }

    impl io::Read for Trickle<'_> {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            let n = self.step.min(out.len()).min(self.data.len());
            out[..n].copy_from_slice(&self.data[..n]);
            self.data = &self.data[n..];
            Ok(n)
        }
    }

    #[test]
    fn lines_forward_and_backward() {
        let text = b"ab\ncd\n\nefg<h>\n<i/>";
        let mut w = Window::new(io::BufReader::with_capacity(
            3,
            Trickle {
                data: text,
                step: 3,
            },
        ));
        w.fill_for_event().unwrap();
        assert_eq!(w.line_col(0), (1, 1));
        assert_eq!(w.line_col(4), (2, 2));
        assert_eq!(w.line_col(10), (4, 4));
        assert_eq!(w.line_col(3), (2, 1), "behind the counted lines");
        assert_eq!(w.line_col(14), (5, 1));
    }

    #[test]
    fn lines_across_refills() {
        // Three windows' worth of 10-byte lines, read 7 bytes at a time.
        let text = "123456789\n".repeat(3 * WINDOW / 10);
        let mut w = Window::new(io::BufReader::with_capacity(
            7,
            Trickle {
                data: text.as_bytes(),
                step: 7,
            },
        ));
        let mut read = 0u64;
        for _ in 0..3 * WINDOW / 10 / 1000 {
            let available = w.fill_buf().unwrap().len().min(10_005);
            w.consume(available);
            read += available as u64;
            assert_eq!(w.here(), (read / 10 + 1, read % 10 + 1), "at {read}");
        }
        assert!(w.base > 0, "the window moved on");
        let before_window = w.base - 1;
        assert_eq!(
            w.line_col(before_window),
            (w.base / 10 + 1, w.base % 10 + 1),
            "clamped to the window's start"
        );
    }
}
