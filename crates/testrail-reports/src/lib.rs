//! testrail-reports: streaming readers that turn test reports into [`TestExecution`]s.
//!
//! Owns: format sniffing, JUnit XML in its dialects, Robot output.xml, Cucumber JSON, behave
//! JSON, Playwright JSON, TAP, CTRF, safe XML handling, `path:line:col` errors, case-ID
//! extraction from names/properties/tags, and the automation ID trcli matches cases on.
//! Large XML reports are tokenized on a second thread; the sink is always called on the caller's.
//! Must not know: HTTP, TestRail, statuses or how results are posted.

pub mod automation_id;
pub mod case_ids;
pub mod error;
pub mod execution;
pub mod sniff;

mod behave;
mod ctrf;
mod cucumber;
mod input;
mod json;
mod junit;
mod playwright;
mod reruns;
mod robot;
mod tap;
mod text;
mod xml;

use std::fs::File;
use std::io::{BufRead, BufReader, Cursor, Read};
use std::path::Path;
use std::sync::Arc;

pub use case_ids::{CaseIdMatcher, MatcherError};
pub use error::ReportError;
pub use execution::{Outcome, ReportLocation, Sink, SuitePath, TestExecution};
pub use sniff::{Format, UnknownFormatName, sniff};

use input::{CountingReader, Decoded, Encoding};

/// How deep the elements of an XML report, and the subtests of a TAP stream, may nest. Real
/// reports nest a handful of levels (Robot's keywords a few hundred at most); past this a
/// reader stops with [`ReportError::TooDeep`]. JSON reports are bounded by serde_json's own
/// limit of 128 nested arrays and objects ("recursion limit exceeded").
pub const MAX_NESTING: usize = 1000;

/// Limits a reader applies while it streams.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadOptions {
    /// Longest message / details / stdout / stderr kept per execution, in bytes; longer text
    /// keeps its head and tail around a "… [N bytes trimmed] …" marker. 0 = no limit.
    pub max_text_bytes: usize,
    /// Read XML reports larger than 256 KiB in two stages on two threads (tokenizing on a
    /// second one) when more than one CPU is available: nearly twice as fast. `false` keeps
    /// all the work on the calling thread.
    pub pipeline: bool,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            max_text_bytes: 64 * 1024,
            pipeline: true,
        }
    }
}

impl ReadOptions {
    /// Whether a large report is worth a second thread.
    pub(crate) fn use_pipeline(&self) -> bool {
        self.pipeline && std::thread::available_parallelism().is_ok_and(|n| n.get() > 1)
    }
}

/// What one read produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadSummary {
    /// Format the report was read as (sniffed or forced).
    pub format: Format,
    /// Executions pushed into the sink.
    pub executions: u64,
    /// Bytes read (after decoding to UTF-8).
    pub bytes: u64,
}

/// Reads one report file, sniffing its format unless `format` is given, and pushes every
/// execution into `sink` as soon as it is complete.
pub fn read_path(
    path: &Path,
    format: Option<Format>,
    options: &ReadOptions,
    sink: &mut impl Sink,
) -> Result<ReadSummary, ReportError> {
    let mut reader = open(path)?;
    let head = reader.fill_buf().map_err(|e| ReportError::io(path, e))?;
    if head.is_empty() {
        return Err(ReportError::Empty {
            path: path.to_path_buf(),
        });
    }
    let sniffed = sniff(head);
    let Some(chosen) = format.or(sniffed) else {
        return Err(unknown_format(path, head));
    };
    let read = read(reader, path, chosen, options, sink);
    match (read, sniffed) {
        (Err(e), Some(looks_like)) if looks_like != chosen => {
            Err(forced_format_mismatch(e, chosen, looks_like))
        }
        (read, _) => read,
    }
}

/// `--input-format playwright` on a JUnit file fails deep in the JSON parser ("expected value
/// … not valid JSON: regenerate it"), which sends people to regenerate a good report: name the
/// format the content looks like instead.
fn forced_format_mismatch(e: ReportError, chosen: Format, looks_like: Format) -> ReportError {
    match e {
        ReportError::Malformed {
            path,
            line,
            column,
            message,
            ..
        } => ReportError::Malformed {
            path,
            line,
            column,
            message,
            hint: format!(
                "--input-format {} was given, but this file looks like {}: pass \
                 --input-format {} or leave the flag out (formats are sniffed by content)",
                chosen.as_str(),
                looks_like.as_str(),
                looks_like.as_str()
            ),
        },
        other => other,
    }
}

fn open(path: &Path) -> Result<BufReader<File>, ReportError> {
    let meta = std::fs::metadata(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => ReportError::NotFound {
            path: path.to_path_buf(),
        },
        _ => ReportError::io(path, e),
    })?;
    if meta.is_dir() {
        return Err(ReportError::IsDirectory {
            path: path.to_path_buf(),
        });
    }
    let file = File::open(path).map_err(|e| ReportError::io(path, e))?;
    Ok(BufReader::with_capacity(64 * 1024, file))
}

fn unknown_format(path: &Path, head: &[u8]) -> ReportError {
    if head.iter().all(u8::is_ascii_whitespace) {
        return ReportError::Empty {
            path: path.to_path_buf(),
        };
    }
    ReportError::UnknownFormat {
        path: path.to_path_buf(),
    }
}

/// Reads a report of a known format from any buffered reader. `source_name` is used in
/// locations and errors. The reader is `Send` because a large XML report is tokenized on a
/// second thread (see [`ReadOptions::pipeline`]); `sink` is called on this one.
///
/// ```
/// use std::path::Path;
/// use testrail_reports::{CaseIdMatcher, Format, Outcome, ReadOptions, read};
///
/// let xml = r#"<testsuite><testcase name="test_C12_login"><failure
/// message="nope"/></testcase></testsuite>"#;
/// let mut seen = Vec::new();
/// let summary = read(xml.as_bytes(), Path::new("r.xml"), Format::Junit,
///                    &ReadOptions::default(), &mut |e| seen.push(e))?;
/// assert_eq!(summary.executions, 1);
/// assert_eq!(seen[0].outcome, Outcome::Failed);
/// assert_eq!(seen[0].location.to_string(), "r.xml:1:12");
/// assert_eq!(CaseIdMatcher::default().case_ids(&seen[0]), [12]);
/// # Ok::<(), testrail_reports::ReportError>(())
/// ```
pub fn read<R: BufRead + Send>(
    reader: R,
    source_name: &Path,
    format: Format,
    options: &ReadOptions,
    sink: &mut impl Sink,
) -> Result<ReadSummary, ReportError> {
    let (mut head, rest) = prefetch(reader).map_err(|e| ReportError::io(source_name, e))?;
    if head.is_empty() {
        return Err(ReportError::Empty {
            path: source_name.to_path_buf(),
        });
    }
    let encoding = match format {
        Format::Junit | Format::Robot => xml_encoding(&head, source_name)?,
        _ => Encoding::Utf8,
    };
    let skip_bom = encoding == Encoding::Utf8 && head.starts_with(b"\xEF\xBB\xBF");
    if skip_bom {
        head.drain(..3);
    }
    let joined = Cursor::new(head).chain(rest);
    let input = Decoded::new(joined, encoding);
    // The XML readers count lines themselves, only where asked (see xml/window.rs).
    let counted = |input| CountingReader::new(input);
    let mut counting = CountingSink { inner: sink, n: 0 };
    let bytes = match format {
        Format::Junit => {
            xml::read_xml::<junit::JunitXml, _>(input, source_name, options, &mut counting)?
        }
        Format::Robot => {
            xml::read_xml::<robot::RobotXml, _>(input, source_name, options, &mut counting)?
        }
        Format::Cucumber => cucumber::read(counted(input), source_name, options, &mut counting)?,
        Format::Tap => tap::read(counted(input), source_name, options, &mut counting)?,
        Format::Ctrf => ctrf::read(counted(input), source_name, options, &mut counting)?,
        Format::Behave => behave::read(counted(input), source_name, options, &mut counting)?,
        Format::Playwright => {
            playwright::read(counted(input), source_name, options, &mut counting)?
        }
    };
    Ok(ReadSummary {
        format,
        executions: counting.n,
        bytes: bytes + if skip_bom { 3 } else { 0 },
    })
}

/// How much is read ahead to see a BOM and the XML declaration, however small the reader's
/// buffer (a pipe may deliver a byte at a time).
const PREFETCH: usize = 1024;

/// Reads the first [`PREFETCH`] bytes (fewer at the end of input) off `reader`.
fn prefetch<R: BufRead>(mut reader: R) -> std::io::Result<(Vec<u8>, R)> {
    let mut head = Vec::with_capacity(PREFETCH);
    while head.len() < PREFETCH {
        let chunk = reader.fill_buf()?;
        if chunk.is_empty() {
            break;
        }
        let n = chunk.len().min(PREFETCH - head.len());
        head.extend_from_slice(&chunk[..n]);
        reader.consume(n);
    }
    Ok((head, reader))
}

fn xml_encoding(head: &[u8], path: &Path) -> Result<Encoding, ReportError> {
    input::detect_encoding(head).map_err(|name| {
        ReportError::malformed(
            path,
            (1, 1),
            format!("the report declares encoding '{name}', which is not supported"),
            format!("convert it to UTF-8, e.g. `iconv -f {name} -t UTF-8`"),
        )
    })
}

/// Counts what passes through to the caller's sink.
struct CountingSink<'a, S: Sink> {
    inner: &'a mut S,
    n: u64,
}

impl<S: Sink> Sink for CountingSink<'_, S> {
    fn execution(&mut self, mut execution: TestExecution) {
        self.n += 1;
        // Whatever the format, terminal colour codes never reach a comment.
        for text in [
            &mut execution.message,
            &mut execution.details,
            &mut execution.stdout,
            &mut execution.stderr,
        ] {
            text::strip_ansi_in(text);
        }
        self.inner.execution(execution);
    }
}

/// Sets `TestExecution.location` from a reader's position.
pub(crate) fn location(path: &Path, at: (u64, u64)) -> ReportLocation {
    location_in(&Arc::from(path), at)
}

/// [`location`] for readers that hold the report's path shared (no allocation per execution).
pub(crate) fn location_in(file: &Arc<Path>, (line, column): (u64, u64)) -> ReportLocation {
    ReportLocation {
        file: Arc::clone(file),
        line,
        column,
    }
}
