//! Large reports are read in two stages on two threads: one tokenizes (reads the input, finds
//! tags, splits attributes, streams and unescapes text, counts lines), the caller's thread
//! turns the tokens into executions and feeds the sink. Either stage alone takes about half
//! the time of reading a test case, so together they read nearly twice as fast.
//!
//! Tokens travel in batches that own a copy of what they point at (tag contents and text, in
//! one arena), so the tokenizer's window can move on at once. Batches go back to the
//! tokenizer to be reused; a few in flight bound the memory at ~1 MiB.

use std::borrow::Cow;
use std::io::BufRead;
use std::ops::Range;
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use quick_xml::events::BytesEnd;

use super::tag::AttrSpan;
use super::{FIX_XML, LineCol, Tag, Xml, XmlEvents, XmlSource};
use crate::error::ReportError;

/// A batch is sent when its arena holds this much.
const BATCH_BYTES: usize = 64 * 1024;
/// Batches on their way to the consumer (and as many on their way back).
const IN_FLIGHT: usize = 4;

/// Runs `consume` on this thread over the events `xml` yields, tokenized on a second thread;
/// `Err(xml)`, untouched, if no thread can be started (a process or container limit).
pub(crate) fn piped<R: BufRead + Send, T>(
    xml: XmlSource<R>,
    consume: impl FnOnce(&mut PipedEvents) -> Result<T, ReportError>,
) -> Result<Result<T, ReportError>, Box<XmlSource<R>>> {
    piped_in_batches(xml, BATCH_BYTES, consume)
}

/// [`piped`] with batches sent at `batch_bytes` (tests make them tiny).
fn piped_in_batches<R: BufRead + Send, T>(
    xml: XmlSource<R>,
    batch_bytes: usize,
    consume: impl FnOnce(&mut PipedEvents) -> Result<T, ReportError>,
) -> Result<Result<T, ReportError>, Box<XmlSource<R>>> {
    let path = xml.path.clone();
    // Handed over through a slot so that it comes back if the thread cannot start.
    let slot = Mutex::new(Some(xml));
    let (full_tx, full_rx) = sync_channel(IN_FLIGHT);
    let (free_tx, free_rx) = sync_channel(IN_FLIGHT);
    let piped = std::thread::scope(|scope| {
        let slot = &slot;
        let tokenizer = std::thread::Builder::new().name("report-tokenizer".into());
        #[cfg(test)]
        let refused = tests::NO_THREADS.get();
        #[cfg(not(test))]
        let refused = false;
        let started = if refused {
            Err(std::io::Error::other("no threads in this test"))
        } else {
            tokenizer.spawn_scoped(scope, move || {
                if let Some(xml) = take(slot) {
                    tokenize(xml, batch_bytes, &full_tx, &free_rx);
                }
            })
        };
        if started.is_err() {
            return None;
        }
        let mut events = PipedEvents {
            path,
            full: full_rx,
            free: free_tx,
            batch: Batch::default(),
            next: 0,
            bytes: 0,
        };
        // Returning drops the receiver: a tokenizer still running stops at its next send.
        Some(consume(&mut events))
    });
    piped.ok_or_else(|| Box::new(take(&slot).expect("the tokenizer never started")))
}

fn take<T>(slot: &Mutex<Option<T>>) -> Option<T> {
    slot.lock().unwrap_or_else(|e| e.into_inner()).take()
}

#[derive(Default)]
struct Batch {
    /// Tag contents and text, one after another.
    arena: String,
    attrs: Vec<AttrSpan>,
    tokens: Vec<Token>,
    /// The error a [`Token::Error`] stands for.
    error: Option<ReportError>,
}

enum Token {
    Start {
        content: Range<usize>,
        name_len: usize,
        /// In `Batch::attrs`; `None` when quick-xml read the tag.
        attrs: Option<Range<usize>>,
        empty: bool,
        at: LineCol,
    },
    End {
        name: Range<usize>,
    },
    Text {
        text: Range<usize>,
    },
    Eof {
        at: LineCol,
        bytes: u64,
    },
    Error,
}

impl Batch {
    fn clear(&mut self) {
        self.arena.clear();
        self.attrs.clear();
        self.tokens.clear();
        self.error = None;
    }

    fn copy(&mut self, s: &str) -> Range<usize> {
        let start = self.arena.len();
        self.arena.push_str(s);
        start..self.arena.len()
    }

    fn push_tag(&mut self, tag: &Tag<'_>, empty: bool, at: LineCol) {
        let (content, name_len, attrs) = tag.parts();
        let content = self.copy(content);
        let attrs = attrs.map(|attrs| {
            let start = self.attrs.len();
            self.attrs.extend_from_slice(attrs);
            start..self.attrs.len()
        });
        self.tokens.push(Token::Start {
            content,
            name_len,
            attrs,
            empty,
            at,
        });
    }

    /// Text joins the text token before it, if that is the last thing in the arena.
    fn push_text(&mut self, text: &str) {
        let start = self.arena.len();
        self.arena.push_str(text);
        let end = self.arena.len();
        if let Some(Token::Text { text }) = self.tokens.last_mut()
            && text.end == start
        {
            text.end = end;
            return;
        }
        self.tokens.push(Token::Text { text: start..end });
    }

    fn push_error(&mut self, e: ReportError) {
        self.error = Some(e);
        self.tokens.push(Token::Error);
    }
}

/// The tokenizing stage: runs until the input ends, an error, or the consumer hangs up.
fn tokenize<R: BufRead>(
    mut xml: XmlSource<R>,
    batch_bytes: usize,
    full: &SyncSender<Batch>,
    free: &Receiver<Batch>,
) {
    let mut out = Outbox {
        batch: Batch::default(),
        batch_bytes,
        full,
        free,
        hung_up: false,
    };
    loop {
        match tokenize_one(&mut xml, &mut out) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                out.batch.push_error(e);
                break;
            }
        }
        if out.hung_up {
            return;
        }
    }
    out.send();
}

/// Where tokens go: the batch being filled, sent on when it is big enough.
struct Outbox<'c> {
    batch: Batch,
    /// Send the batch once its arena holds this much.
    batch_bytes: usize,
    full: &'c SyncSender<Batch>,
    free: &'c Receiver<Batch>,
    /// The consumer stopped reading (it returned, with an error or not).
    hung_up: bool,
}

impl Outbox<'_> {
    fn send(&mut self) {
        let next = self.free.try_recv().unwrap_or_default();
        let full = std::mem::replace(&mut self.batch, next);
        self.batch.clear();
        self.hung_up |= self.full.send(full).is_err();
    }

    fn send_if_big(&mut self) {
        if self.batch.arena.len() >= self.batch_bytes && !self.hung_up {
            self.send();
        }
    }

    /// Text, sent on in batch-sized pieces however long it runs (a 1 GB `<system-out>`).
    fn push_text(&mut self, text: &str) {
        if !self.hung_up {
            self.batch.push_text(text);
            self.send_if_big();
        }
    }
}

/// One event and the text after it; `false` at the end of the input.
fn tokenize_one<R: BufRead>(
    xml: &mut XmlSource<R>,
    out: &mut Outbox<'_>,
) -> Result<bool, ReportError> {
    let batch = &mut out.batch;
    match xml.next()? {
        (Xml::Start(tag), at) => batch.push_tag(&tag, false, at),
        (Xml::Empty(tag), at) => batch.push_tag(&tag, true, at),
        (Xml::End(e), _) => {
            let name = batch.copy(e.name().into_inner());
            batch.tokens.push(Token::End { name });
        }
        (Xml::Eof, at) => {
            let bytes = xml.bytes();
            batch.tokens.push(Token::Eof { at, bytes });
            return Ok(false);
        }
        (other, _) => other.with_text(|t| batch.push_text(t)),
    }
    out.send_if_big();
    // All text goes through: which text is wanted is the consumer's business.
    xml.stream_text(&mut |t| out.push_text(t))?;
    Ok(true)
}

/// The consuming stage's view: the same events [`XmlSource`] gives, text included.
pub(crate) struct PipedEvents {
    path: PathBuf,
    full: Receiver<Batch>,
    free: SyncSender<Batch>,
    batch: Batch,
    /// Index of the next token in `batch`.
    next: usize,
    bytes: u64,
}

impl PipedEvents {
    /// Makes sure `batch` has a token left to read.
    fn fill(&mut self) -> Result<(), ReportError> {
        while self.next == self.batch.tokens.len() {
            let used = std::mem::take(&mut self.batch);
            // Back for reuse; if that channel is full the tokenizer allocates another.
            let _ = self.free.try_send(used);
            self.batch = self.full.recv().map_err(|_| self.stopped())?;
            self.next = 0;
        }
        Ok(())
    }

    /// The tokenizer went away without saying why: it panicked (and the panic follows).
    fn stopped(&self) -> ReportError {
        ReportError::io(
            &self.path,
            std::io::Error::other("the report's tokenizer thread stopped"),
        )
    }
}

impl XmlEvents for PipedEvents {
    fn next(&mut self) -> Result<(Xml<'_>, LineCol), ReportError> {
        self.fill()?;
        let i = self.next;
        self.next += 1;
        if let Token::Error = self.batch.tokens[i] {
            let error = self.batch.error.take();
            return Err(error.unwrap_or_else(|| self.stopped()));
        }
        let batch = &self.batch;
        let arena = batch.arena.as_str();
        Ok(match &batch.tokens[i] {
            Token::Start {
                content,
                name_len,
                attrs,
                empty,
                at,
            } => {
                let attrs = attrs.clone().map(|r| &batch.attrs[r]);
                let tag = Tag::from_parts(&arena[content.clone()], *name_len, attrs);
                let event = if *empty {
                    Xml::Empty(tag)
                } else {
                    Xml::Start(tag)
                };
                (event, *at)
            }
            Token::End { name } => (Xml::End(BytesEnd::new(&arena[name.clone()])), (0, 0)),
            Token::Text { text } => (Xml::Text(Cow::Borrowed(&arena[text.clone()])), (0, 0)),
            Token::Eof { at, bytes } => {
                self.bytes = *bytes;
                (Xml::Eof, *at)
            }
            // Taken above, with its error.
            Token::Error => return Err(self.stopped()),
        })
    }

    /// Text arrives as [`Xml::Text`] events.
    fn stream_text(&mut self, _: &mut impl FnMut(&str)) -> Result<(), ReportError> {
        Ok(())
    }

    fn skip_text(&mut self) -> Result<(), ReportError> {
        Ok(())
    }

    fn bytes(&self) -> u64 {
        self.bytes
    }

    fn error(&self, at: LineCol, message: impl Into<String>) -> ReportError {
        ReportError::malformed(&self.path, at, message, FIX_XML)
    }
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use super::*;
    use crate::xml::Dialect;
    use crate::xml::window::Window;
    use crate::{ReadOptions, TestExecution};

    type Read = Result<(Vec<TestExecution>, u64), String>;

    /// Reads `xml` with the JUnit or Robot reader on one thread through a window of
    /// `window` bytes, and piped in batches of `batch` bytes.
    fn both_ways(xml: &[u8], window: usize, batch: usize) -> (Read, Read) {
        let path = Path::new("r.xml");
        let robot = memchr::memmem::find(xml, b"<robot").is_some();
        let run = |events: &mut dyn FnMut(&mut Vec<TestExecution>) -> Result<u64, ReportError>| {
            let mut got = Vec::new();
            events(&mut got)
                .map(|bytes| (got, bytes))
                .map_err(|e| e.to_string())
        };
        let options = ReadOptions::default();
        let source = || XmlSource::with_window(Window::with_size(xml, window), path);
        let one_thread = run(&mut |got| {
            let mut sink = |e| got.push(e);
            if robot {
                crate::robot::RobotXml::read(&mut source(), path, &options, &mut sink)
            } else {
                crate::junit::JunitXml::read(&mut source(), path, &options, &mut sink)
            }
        });
        let piped = run(&mut |got| {
            let mut sink = |e| got.push(e);
            piped_in_batches(source(), batch, |events| {
                if robot {
                    crate::robot::RobotXml::read(events, path, &options, &mut sink)
                } else {
                    crate::junit::JunitXml::read(events, path, &options, &mut sink)
                }
            })
            .unwrap_or_else(|_| panic!("no tokenizer thread"))
        });
        (one_thread, piped)
    }

    fn corpus_reports() -> Vec<PathBuf> {
        // A missing corpus is a failure, never a skip (the callers would pass vacuously).
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
        let entries = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("corpus folder {} is missing: {e}", dir.display()));
        let mut out: Vec<PathBuf> = entries
            .flatten()
            .map(|entry| entry.path().join("report.xml"))
            .filter(|report| report.is_file())
            .collect();
        out.sort();
        // 35 XML reports when this was written; fewer means part of the corpus went missing.
        assert!(out.len() >= 35, "{} holds only {out:?}", dir.display());
        out
    }

    #[test]
    fn piped_reads_every_corpus_report_as_one_thread_does() {
        let reports = corpus_reports();
        for report in reports {
            let xml = std::fs::read(&report).unwrap();
            if std::str::from_utf8(&xml).is_err() {
                continue; // other encodings are decoded before the XML layer
            }
            for (window, batch) in [(256 * 1024, BATCH_BYTES), (61, 1), (1024, 100)] {
                let (one, piped) = both_ways(&xml, window, batch);
                assert!(one.is_ok(), "{}: {one:?}", report.display());
                assert_eq!(one, piped, "{} ({window}, {batch})", report.display());
            }
        }
    }

    /// A corpus report with bytes changed: cut, flipped, spliced or dropped.
    fn mutated_report() -> impl proptest::strategy::Strategy<Value = Vec<u8>> {
        use proptest::prelude::*;
        let reports: Vec<Vec<u8>> = corpus_reports()
            .iter()
            .map(|p| std::fs::read(p).unwrap())
            .filter(|xml| std::str::from_utf8(xml).is_ok())
            .collect();
        let junk = proptest::sample::select(vec![
            &b"<"[..],
            b">",
            b"&",
            b"&amp;",
            b"\r\n",
            b"<![CDATA[",
            b"]]>",
            b"<!--",
            b"-->",
            b"'",
            b"\"",
            b"\xC3",
            b"\xE2\x82",
            b"</testcase>",
            b"<testcase name='x'>",
        ]);
        (
            proptest::sample::select(reports),
            any::<proptest::sample::Index>(),
            0..4u8,
            junk,
        )
            .prop_map(|(mut xml, at, how, junk)| {
                let i = at.index(xml.len() + 1);
                match how {
                    0 => xml.truncate(i),
                    1 => xml.splice(i..i, junk.iter().copied()).for_each(drop),
                    2 => xml.drain(i..(i + junk.len()).min(xml.len())).for_each(drop),
                    _ => {
                        if let Some(b) = xml.get_mut(i) {
                            *b = junk[0];
                        }
                    }
                }
                xml
            })
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(96))]

        /// The window's size and the pipeline's batches never change what is read, nor the
        /// error said about a broken report.
        #[test]
        fn window_and_batches_never_change_the_reading(
            xml in mutated_report(),
            window in 1..400usize,
            batch in 1..3000usize,
        ) {
            let (reference, _) = both_ways(&xml, 256 * 1024, BATCH_BYTES);
            let (one_thread, piped) = both_ways(&xml, window, batch);
            proptest::prop_assert_eq!(&one_thread, &reference);
            proptest::prop_assert_eq!(&piped, &reference);
        }
    }

    thread_local! {
        /// Makes [`piped`] act as if no thread could be started.
        pub(super) static NO_THREADS: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    }

    #[test]
    fn without_a_thread_the_caller_reads_it_all() {
        let xml = "<testsuite>".to_string()
            + &"<testcase name='C1 t' time='0.5'><failure>x</failure></testcase>\n".repeat(9000)
            + "</testsuite>";
        let options = ReadOptions::default();
        let read = || {
            let mut got = Vec::new();
            let path = Path::new("r.xml");
            let bytes = crate::xml::read_xml::<crate::junit::JunitXml, _>(
                xml.as_bytes(),
                path,
                &options,
                &mut |e| got.push(e),
            );
            (bytes.unwrap(), got)
        };
        let piped = read();
        NO_THREADS.set(true);
        let alone = read();
        NO_THREADS.set(false);
        assert_eq!(alone.1.len(), 9000);
        assert_eq!(alone, piped);
    }

    #[test]
    fn piped_errors_match_and_stop_the_tokenizer() {
        let long = "<testcase name='t'/>\n".repeat(5000);
        for bad in [
            format!("<testsuite>{long}<testcase name='x' time='1'></b></testsuite>"),
            format!("<testsuite>{long}<testcase name='&bogus;'/></testsuite>"),
            format!("<testsuite>{long}<testcase name='x'>&nope;</testcase></testsuite>"),
            format!("<testsuite>{long}<testcase name=x/></testsuite>"),
            format!("<testsuite>{long}<testcase name='y'><system-out>\u{1F600}"),
        ] {
            let (one, piped) = both_ways(bad.as_bytes(), 4096, 512);
            assert!(one.is_err(), "{one:?}");
            assert_eq!(one, piped);
        }
    }
}
