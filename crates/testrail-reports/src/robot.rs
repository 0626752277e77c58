//! Robot Framework native `output.xml` (RF 3 to 7), streamed. A test's verdict is its *last
//! direct* `<status>` child; keyword statuses nested below are ignored (a retried keyword fails
//! then passes inside a passing test). `rebot --merge` leaves its own `*HTML*` status message
//! on a re-executed test: it is read as plain text, and a test that failed and then passed on
//! re-execution is flaky.

use std::path::Path;
use std::time::Duration;

use crate::case_ids::id_from_tag;
use crate::execution::{Outcome, Sink, SuitePath, TestExecution};
use crate::text::{BoundedText, first_line};
use crate::xml::{Dialect, LineCol, Tag, Xml, XmlEvents, for_each_attr, local_name};
use crate::{ReadOptions, ReportError, location};

/// Robot Framework output.xml, for [`crate::xml::read_xml`].
pub(crate) struct RobotXml;

impl Dialect for RobotXml {
    fn read(
        xml: &mut impl XmlEvents,
        path: &Path,
        options: &ReadOptions,
        sink: &mut impl Sink,
    ) -> Result<u64, ReportError> {
        let mut state = Robot {
            path,
            max: options.max_text_bytes,
            depth: 0,
            suites: Vec::new(),
            test: None,
            capture: None,
        };
        loop {
            let step = match xml.next()? {
                (Xml::Start(e), at) => state.start(&e, at, false),
                (Xml::Empty(e), at) => state.start(&e, at, true),
                (Xml::End(_), _) => {
                    state.end(sink);
                    Ok(())
                }
                (Xml::Eof, _) => return Ok(xml.bytes()),
                (other, _) => {
                    other.with_text(|t| state.text(t));
                    Ok(())
                }
            };
            step.map_err(|(at, msg)| xml.error(at, msg))?;
            // Keyword messages can be huge: stream text past instead of buffering it.
            xml.stream_text(&mut |t| state.text(t))?;
        }
    }
}

struct Suite {
    name: String,
    source: Option<String>,
    depth: usize,
    path: SuitePath,
}

struct Test {
    exec: TestExecution,
    depth: usize,
    status: Option<Status>,
}

struct Status {
    outcome: Outcome,
    text: BoundedText,
    elapsed: Option<Duration>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Capture {
    Status,
    Tag,
}

struct Robot<'p> {
    path: &'p Path,
    max: usize,
    /// Elements open before the current event.
    depth: usize,
    suites: Vec<Suite>,
    test: Option<Test>,
    /// Text of a direct `<status>` or `<tag>` of the test: (what, depth of that element).
    capture: Option<(Capture, usize, String)>,
}

impl Robot<'_> {
    fn start(&mut self, e: &Tag<'_>, at: LineCol, empty: bool) -> Result<(), (LineCol, String)> {
        let depth = self.depth;
        if !empty {
            self.depth += 1;
        }
        let name = local_name(e);
        let result = match (name, &mut self.test) {
            ("suite", None) if !empty => self.start_suite(e, depth),
            ("test", None) => self.start_test(e, at, depth, empty),
            ("status", Some(test)) if depth == test.depth + 1 => {
                test.status = Some(parse_status(e, self.max).map_err(|m| (at, m))?);
                if !empty {
                    self.capture = Some((Capture::Status, depth, String::new()));
                }
                Ok(())
            }
            ("tag", Some(test)) if !empty && is_test_tag(depth, test.depth) => {
                self.capture = Some((Capture::Tag, depth, String::new()));
                Ok(())
            }
            _ => Ok(()),
        };
        result.map_err(|m| (at, m))
    }

    fn start_suite(&mut self, e: &Tag<'_>, depth: usize) -> Result<(), String> {
        let mut suite = Suite {
            name: String::new(),
            source: None,
            depth,
            path: SuitePath::default(),
        };
        for_each_attr(e, |k, v| match k {
            "name" => suite.name = v.into_owned(),
            "source" => suite.source = Some(v.into_owned()),
            _ => {}
        })?;
        suite.path = crate::junit::nested_path(self.suites.last().map(|s| &s.path), &suite.name);
        self.suites.push(suite);
        Ok(())
    }

    fn start_test(
        &mut self,
        e: &Tag<'_>,
        at: LineCol,
        depth: usize,
        empty: bool,
    ) -> Result<(), String> {
        let mut exec = TestExecution::new(String::new(), Outcome::Passed);
        for_each_attr(e, |k, v| match k {
            "name" => exec.name = v.into_owned(),
            "line" => exec.line = v.trim().parse().ok(),
            _ => {}
        })?;
        exec.location = location(self.path, at);
        exec.classname = self
            .suites
            .iter()
            .map(|s| s.name.as_str())
            .collect::<Vec<_>>()
            .join(".");
        exec.file = self.suites.last().and_then(|s| s.source.clone());
        // The suite (file or directory) is the group a suite-level ID is written on.
        exec.enclosing = self.suites.last().map(|s| s.name.clone());
        if let Some(suite) = self.suites.last() {
            exec.suite_path = suite.path.clone();
        }
        self.test = Some(Test {
            exec,
            depth,
            status: None,
        });
        if empty {
            // `<test/>` has no status: the report gives no verdict, so there is nothing to send.
            self.test = None;
        }
        Ok(())
    }

    fn text(&mut self, t: &str) {
        let Some((what, _, buf)) = &mut self.capture else {
            return;
        };
        match what {
            Capture::Status => {
                if let Some(status) = self.test.as_mut().and_then(|t| t.status.as_mut()) {
                    status.text.push_str(t);
                }
            }
            Capture::Tag => {
                if buf.len() < 1024 {
                    buf.push_str(t);
                }
            }
        }
    }

    fn end(&mut self, sink: &mut impl Sink) {
        self.depth = self.depth.saturating_sub(1);
        let depth = self.depth;
        if let Some((what, d, _)) = &self.capture
            && *d == depth
        {
            let what = *what;
            let (_, _, buf) = self.capture.take().unwrap_or((what, 0, String::new()));
            if what == Capture::Tag {
                self.add_tag(buf.trim());
            }
            return;
        }
        if self.test.as_ref().is_some_and(|t| t.depth == depth) {
            if let Some(test) = self.test.take()
                && let Some(exec) = test.finish()
            {
                sink.execution(exec);
            }
            return;
        }
        if self.suites.last().is_some_and(|s| s.depth == depth) {
            self.suites.pop();
        }
    }

    fn add_tag(&mut self, tag: &str) {
        let Some(test) = &mut self.test else {
            return;
        };
        if tag.is_empty() {
            return;
        }
        test.exec.tags.push(tag.to_string());
        if let Some(id) = id_from_tag(tag)
            && !test.exec.tagged_case_ids.contains(&id)
        {
            test.exec.tagged_case_ids.push(id);
        }
    }
}

/// `<tag>` directly in `<test>` (RF 4+) or in `<tags>` inside it (RF 3).
fn is_test_tag(depth: usize, test_depth: usize) -> bool {
    depth == test_depth + 1 || depth == test_depth + 2
}

impl Test {
    fn finish(self) -> Option<TestExecution> {
        let mut exec = self.exec;
        let status = self.status?;
        exec.outcome = status.outcome;
        exec.duration = status.elapsed;
        let mut text = status.text.finish_non_blank();
        if let Some(html) = text
            .as_deref()
            .and_then(|t| t.trim_start().strip_prefix("*HTML*"))
        {
            text = Some(html_to_text(html));
        }
        exec.message = text.as_deref().and_then(first_line);
        if let Some(merge) = text.as_deref().and_then(Merge::parse) {
            exec.attempts = 2;
            exec.message = merge.new_message.or(merge.old_message.clone());
            if exec.outcome == Outcome::Passed && merge.old_failed {
                exec.outcome = Outcome::Flaky;
                exec.message = merge
                    .old_message
                    .map(|m| format!("failed before re-execution: {m}"));
            }
            exec.details = text;
            return Some(exec);
        }
        if text
            .as_ref()
            .is_some_and(|t| t.trim().lines().nth(1).is_some())
        {
            exec.details = text;
        }
        Some(exec)
    }
}

/// What `rebot --merge` says about a re-executed test (as plain text).
struct Merge {
    old_failed: bool,
    old_message: Option<String>,
    new_message: Option<String>,
}

impl Merge {
    fn parse(text: &str) -> Option<Merge> {
        if !text.starts_with("Test has been re-executed and results merged.") {
            return None;
        }
        let value = |key: &str| {
            text.lines()
                .find_map(|l| l.trim().strip_prefix(key))
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        Some(Merge {
            old_failed: value("Old status:").is_some_and(|s| s == "FAIL"),
            old_message: value("Old message:"),
            new_message: value("New message:"),
        })
    }
}

/// Robot's `*HTML*` messages as a person reads them: tags gone, `<br>`/`<hr>` as line breaks,
/// entities decoded (TestRail would show the markup raw).
fn html_to_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html.trim();
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        let Some(close) = rest[open..].find('>') else {
            break;
        };
        let tag = rest[open + 1..open + close]
            .trim_start_matches('/')
            .to_ascii_lowercase();
        if tag.starts_with("br") || tag.starts_with("hr") || tag.starts_with("p") {
            out.push('\n');
        }
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    decode_entities(&out)
}

fn decode_entities(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let entity = rest[1..]
            .find(';')
            .filter(|&n| n <= 8)
            .map(|n| &rest[1..n + 1]);
        let decoded = entity.and_then(|e| match e {
            "lt" => Some('<'),
            "gt" => Some('>'),
            "amp" => Some('&'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            "nbsp" => Some(' '),
            _ => e
                .strip_prefix('#')
                .and_then(|n| match n.strip_prefix(['x', 'X']) {
                    Some(hex) => u32::from_str_radix(hex, 16).ok(),
                    None => n.parse().ok(),
                })
                .and_then(char::from_u32),
        });
        match (entity, decoded) {
            (Some(e), Some(c)) => {
                out.push(c);
                rest = &rest[e.len() + 2..];
            }
            _ => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out.lines()
        .map(str::trim_end)
        .filter(|l| !l.trim().is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

fn parse_status(e: &Tag<'_>, max: usize) -> Result<Status, String> {
    let (mut outcome, mut elapsed) = (Outcome::Error, None);
    let (mut start, mut end) = (None, None);
    for_each_attr(e, |k, v| match k {
        "status" => outcome = robot_outcome(&v),
        "elapsed" => elapsed = crate::junit::parse_seconds(&v),
        "start" | "starttime" => start = parse_timestamp(&v),
        "endtime" => end = parse_timestamp(&v),
        _ => {}
    })?;
    if elapsed.is_none()
        && let (Some(s), Some(e)) = (start, end)
        && e >= s
    {
        elapsed = Duration::try_from_secs_f64(e - s).ok();
    }
    Ok(Status {
        outcome,
        text: BoundedText::new(max),
        elapsed,
    })
}

fn robot_outcome(status: &str) -> Outcome {
    match status.trim().to_ascii_uppercase().as_str() {
        "PASS" => Outcome::Passed,
        "FAIL" => Outcome::Failed,
        "SKIP" | "NOT RUN" | "NOT_RUN" => Outcome::Skipped,
        _ => Outcome::Error,
    }
}

/// Seconds since 1970 from `20231127 07:57:38.630` (RF ≤ 6) or `2023-11-27T07:57:38.630131`
/// (RF 7). Only differences matter, so no time zone.
fn parse_timestamp(s: &str) -> Option<f64> {
    let s = s.trim();
    let (date, time) = s.split_once(['T', ' '])?;
    let date: String = date.chars().filter(char::is_ascii_digit).collect();
    if date.len() != 8 {
        return None;
    }
    let (y, m, d) = (
        date[..4].parse::<i64>().ok()?,
        date[4..6].parse::<i64>().ok()?,
        date[6..].parse::<i64>().ok()?,
    );
    let mut parts = time.split(':');
    let h: f64 = parts.next()?.parse().ok()?;
    let min: f64 = parts.next()?.parse().ok()?;
    let sec: f64 = parts.next()?.parse().ok()?;
    let days = days_from_civil(y, m, d) as f64;
    Some(days * 86_400.0 + h * 3600.0 + min * 60.0 + sec)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn robot_html_reads_as_text() {
        let html = r#"<span class="merge">Test has been re-executed and results merged.</span><hr><span class="new-status">New status:</span> <span class="pass">PASS</span><br><hr><span class="old-status">Old status:</span> <span class="fail">FAIL</span><br><span class="old-message">Old message:</span> wishlist &lt;b&gt;timeout&lt;/b&gt; &amp; retry &#x41;&#66; &bogus; &<br>"#;
        let text = html_to_text(html);
        assert_eq!(
            text,
            "Test has been re-executed and results merged.\nNew status: PASS\nOld status: FAIL\nOld message: wishlist <b>timeout</b> & retry AB &bogus; &"
        );
        let merge = Merge::parse(&text).unwrap();
        assert!(merge.old_failed);
        assert!(merge.new_message.is_none());
    }

    #[test]
    fn timestamps_of_both_generations() {
        let a = parse_timestamp("20231127 23:59:59.500").unwrap();
        let b = parse_timestamp("2023-11-28T00:00:01.000").unwrap();
        assert!((b - a - 1.5).abs() < 1e-6);
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(parse_timestamp("N/A"), None);
    }
}
