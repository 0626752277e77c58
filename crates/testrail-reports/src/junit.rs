//! JUnit XML in its dialects (pytest, jest-junit, mocha-junit-reporter, Surefire, PHPUnit,
//! behave, node:test, Robot xunit, cargo-nextest, Playwright, …), streamed: each `<testcase>`
//! becomes one execution the moment its end tag is read.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use crate::automation_id::AUTOMATION_ID_FIELD;
use crate::case_ids::id_from_tag;
use crate::execution::{Outcome, Sink, SuitePath, TestExecution};
use crate::reruns::RerunFolder;
use crate::text::{BoundedText, bound, first_line};
use crate::xml::{Dialect, LineCol, Tag, Xml, XmlEvents, end_name, for_each_attr, local_name};
use crate::{ReadOptions, ReportError, location_in};

/// JUnit XML, for [`crate::xml::read_xml`].
pub(crate) struct JunitXml;

impl Dialect for JunitXml {
    fn read(
        xml: &mut impl XmlEvents,
        path: &Path,
        options: &ReadOptions,
        sink: &mut impl Sink,
    ) -> Result<u64, ReportError> {
        let mut state = Junit::new(path, options.max_text_bytes);
        loop {
            let step = match xml.next()? {
                (Xml::Start(e), at) => state.start(&e, at, false, sink),
                (Xml::Empty(e), at) => state.start(&e, at, true, sink),
                (Xml::End(e), _) => {
                    state.end(end_name(&e), sink);
                    Ok(())
                }
                (Xml::Eof, _) => {
                    state.reruns.flush(sink);
                    return Ok(xml.bytes());
                }
                (other, _) => {
                    other.with_text(|t| state.text(t));
                    Ok(())
                }
            };
            step.map_err(|(at, msg)| xml.error(at, msg))?;
            // Text is streamed (piped, it comes as `Xml::Text` events instead): unwanted text
            // (suite-level output, ignored elements) is passed over as it is read, never held.
            if state.wants_text() {
                xml.stream_text(&mut |t| state.text(t))?;
            } else {
                xml.skip_text()?;
            }
        }
    }
}

type Step = Result<(), (LineCol, String)>;

struct Suite {
    name: String,
    file: Option<String>,
    props_len: usize,
    /// Names of this suite and those around it (nameless ones left out).
    path: SuitePath,
}

/// Where text inside the current element goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    Details,
    Stdout,
    Stderr,
    PropertyValue,
    Ignore,
}

struct Capture {
    target: Target,
    /// Elements opened inside the capturing element (their text is captured too).
    depth: usize,
}

struct Junit {
    /// The report's path, shared by every execution's location.
    file: Arc<Path>,
    max: usize,
    suites: Vec<Suite>,
    suite_props: Vec<(String, String)>,
    /// Boxed: a test case is large, and it moves from here to `finish`.
    case: Option<Box<Case>>,
    /// The last finished case, blank, for the next one.
    spare: Option<Box<Case>>,
    capture: Option<Capture>,
    /// A `<property name=…>` whose value is its body.
    pending_property: Option<(String, BoundedText)>,
    reruns: RerunFolder,
}

impl Junit {
    fn new(path: &Path, max: usize) -> Self {
        Junit {
            file: Arc::from(path),
            max,
            suites: Vec::new(),
            suite_props: Vec::new(),
            case: None,
            spare: None,
            capture: None,
            pending_property: None,
            reruns: RerunFolder::default(),
        }
    }

    fn start(&mut self, e: &Tag<'_>, at: LineCol, empty: bool, sink: &mut impl Sink) -> Step {
        if let Some(capture) = &mut self.capture {
            if !empty {
                capture.depth += 1;
            }
            return Ok(());
        }
        match local_name(e) {
            "testsuite" if !empty => {
                self.reruns.flush(sink);
                self.start_suite(e).map_err(|m| (at, m))
            }
            "testcase" => {
                // The last case's box is reused: building a case in place instead of moving
                // a large struct around saves copies per test case.
                let mut case = match self.spare.take() {
                    Some(case) => case,
                    None => Box::new(Case::blank(self.max)),
                };
                case.start(e, location_in(&self.file, at))
                    .map_err(|m| (at, m))?;
                self.case = Some(case);
                if empty {
                    self.finish_case(sink);
                }
                Ok(())
            }
            "property" => self.property(e, empty).map_err(|m| (at, m)),
            name => match &mut self.case {
                Some(case) => {
                    let target = case.child(name, e, self.max).map_err(|m| (at, m))?;
                    if !empty && let Some(target) = target {
                        self.capture = Some(Capture { target, depth: 0 });
                    }
                    Ok(())
                }
                None => Ok(()),
            },
        }
    }

    fn start_suite(&mut self, e: &Tag<'_>) -> Result<(), String> {
        let mut suite = Suite {
            name: String::new(),
            file: None,
            props_len: self.suite_props.len(),
            path: SuitePath::default(),
        };
        for_each_attr(e, |k, v| match k {
            "name" => suite.name = v.into_owned(),
            "file" | "filepath" => suite.file = Some(v.into_owned()),
            _ => {}
        })?;
        suite.path = nested_path(self.suites.last().map(|s| &s.path), &suite.name);
        self.suites.push(suite);
        Ok(())
    }

    fn property(&mut self, e: &Tag<'_>, empty: bool) -> Result<(), String> {
        let (mut name, mut value) = (String::new(), None);
        for_each_attr(e, |k, v| match k {
            "name" => name = v.into_owned(),
            "value" => value = Some(bound(&v, self.max)),
            _ => {}
        })?;
        match value {
            Some(value) => self.add_property(name, value),
            None if empty => self.add_property(name, String::new()),
            None => {
                self.pending_property = Some((name, BoundedText::new(self.max)));
                self.capture = Some(Capture {
                    target: Target::PropertyValue,
                    depth: 0,
                });
            }
        }
        Ok(())
    }

    fn add_property(&mut self, name: String, value: String) {
        match &mut self.case {
            Some(case) => {
                if name.eq_ignore_ascii_case("attachment") {
                    case.exec.attachments.push(value.clone());
                }
                case.exec.properties.push((name, value));
            }
            None => {
                if name == "go.version" {
                    self.reruns.fold_distant_reruns();
                }
                self.suite_props.push((name, value));
            }
        }
    }

    fn wants_text(&self) -> bool {
        self.capture
            .as_ref()
            .is_some_and(|c| c.target != Target::Ignore)
    }

    fn text(&mut self, t: &str) {
        let Some(capture) = &self.capture else {
            return;
        };
        match capture.target {
            Target::PropertyValue => {
                if let Some((_, v)) = &mut self.pending_property {
                    v.push_str(t);
                }
            }
            Target::Ignore => {}
            target => {
                if let Some(case) = &mut self.case {
                    case.text(target, t);
                }
            }
        }
    }

    fn end(&mut self, name: &str, sink: &mut impl Sink) {
        if let Some(capture) = &mut self.capture {
            if capture.depth > 0 {
                capture.depth -= 1;
                return;
            }
            let target = capture.target;
            self.capture = None;
            self.end_capture(target);
            return;
        }
        match name {
            "testcase" => self.finish_case(sink),
            "testsuite" | "testsuites" => {
                self.reruns.flush(sink);
                if name == "testsuite"
                    && let Some(suite) = self.suites.pop()
                {
                    self.suite_props.truncate(suite.props_len);
                }
            }
            _ => {}
        }
    }

    fn end_capture(&mut self, target: Target) {
        match target {
            Target::PropertyValue => {
                if let Some((name, value)) = self.pending_property.take() {
                    let value = value.finish().trim().to_string();
                    self.add_property(name, value);
                }
            }
            Target::Stdout | Target::Stderr => {
                if let Some(case) = &mut self.case {
                    case.end_output();
                }
            }
            Target::Details | Target::Ignore => {}
        }
    }

    fn finish_case(&mut self, sink: &mut impl Sink) {
        let Some(mut case) = self.case.take() else {
            return;
        };
        let suite = self.suites.last();
        case.finish(
            &self.suite_props,
            suite.map(|s| s.name.as_str()),
            suite.and_then(|s| s.file.as_deref()),
        );
        if let Some(suite) = suite {
            case.exec.suite_path = suite.path.clone();
        }
        // Moved out once, straight into the folder: an execution is a few hundred bytes, and
        // each move of it costs as much as reading an attribute.
        self.reruns.push(case.take_execution(), sink);
        self.spare = Some(case);
    }
}

/// A suite's path: its parent's and its own name (a nameless suite adds nothing). Linked to the
/// parent's, never a copy of it (see [`SuitePath`]).
pub(crate) fn nested_path(parent: Option<&SuitePath>, name: &str) -> SuitePath {
    let parent = parent.cloned().unwrap_or_default();
    match name.trim() {
        "" => parent,
        name => parent.child(name),
    }
}

/// A `<testcase>` being read.
struct Case {
    exec: TestExecution,
    classname_given: bool,
    details: BoundedText,
    stdout: BoundedText,
    stderr: BoundedText,
    lines: LineScanner,
    flaky_attempts: u32,
    rerun_attempts: u32,
    flaky_message: Option<String>,
    /// `type` of the first failure/error: the only text some writers give (nextest timeouts).
    failure_type: Option<String>,
    /// `status="notrun"` (GoogleTest `DISABLED_`) or `"disabled"` (CTest): skipped, without a
    /// `<skipped>` child.
    not_run: bool,
}

impl Case {
    fn blank(max: usize) -> Self {
        Case {
            exec: TestExecution::new(String::new(), Outcome::Passed),
            classname_given: false,
            details: BoundedText::new(max),
            stdout: BoundedText::new(max),
            stderr: BoundedText::new(max),
            lines: LineScanner::default(),
            flaky_attempts: 0,
            rerun_attempts: 0,
            flaky_message: None,
            failure_type: None,
            not_run: false,
        }
    }

    /// Reads `<testcase>`'s attributes into a blank case (new, or left so by [`Case::finish`]).
    fn start(&mut self, e: &Tag<'_>, at: crate::ReportLocation) -> Result<(), String> {
        let exec = &mut self.exec;
        let mut classname_given = false;
        let mut not_run = false;
        for_each_attr(e, |k, v| match k {
            "name" => exec.name = v.into_owned(),
            "classname" => {
                exec.classname = v.into_owned();
                classname_given = true;
            }
            "time" => exec.duration = parse_seconds(&v),
            "file" | "filepath" => exec.file = Some(v.into_owned()),
            "line" | "lineno" => exec.line = trim(&v).parse().ok(),
            "status" => not_run = is_not_run(&v),
            AUTOMATION_ID_FIELD => exec.automation_id = Some(v.into_owned()),
            _ => {}
        })?;
        exec.location = at;
        self.classname_given = classname_given;
        self.not_run = not_run;
        Ok(())
    }

    /// A child element of `<testcase>`: sets the verdict and says where its text goes.
    fn child(&mut self, name: &str, e: &Tag<'_>, max: usize) -> Result<Option<Target>, String> {
        let target = match name {
            "failure" | "error" => {
                let outcome = if name == "error" {
                    Outcome::Error
                } else {
                    Outcome::Failed
                };
                self.verdict(outcome, e, max)?;
                Target::Details
            }
            "skipped" => {
                self.verdict(Outcome::Skipped, e, max)?;
                Target::Details
            }
            "flakyFailure" | "flakyError" => {
                self.flaky_attempts += 1;
                if self.flaky_message.is_none() {
                    self.flaky_message = attr_message(e, max)?.0;
                }
                Target::Ignore
            }
            "rerunFailure" | "rerunError" => {
                self.rerun_attempts += 1;
                Target::Ignore
            }
            "system-out" => Target::Stdout,
            "system-err" => Target::Stderr,
            "properties" => return Ok(None),
            _ => Target::Ignore,
        };
        Ok(Some(target))
    }

    fn verdict(&mut self, outcome: Outcome, e: &Tag<'_>, max: usize) -> Result<(), String> {
        let (message, kind) = attr_message(e, max)?;
        if self.details.is_touched() {
            self.details.push_str("\n");
        }
        if self.failure_type.is_none() {
            self.failure_type = kind;
        }
        let current = self.exec.outcome;
        // A skip marker outranks a failure in the same test case (node:test writes a todo whose
        // body threw with both); among failures the first one is the verdict.
        let replace = match outcome {
            Outcome::Skipped => true,
            _ => current == Outcome::Passed,
        };
        if replace {
            self.exec.outcome = outcome;
            if message.is_some() {
                self.exec.message = message;
            }
        } else if self.exec.message.is_none() {
            self.exec.message = message;
        } else if let Some(message) = message {
            // Jasmine writes one <failure> per failed expectation: each message after the
            // first goes into the details, ahead of its own trace, so none is lost.
            self.details.push_str(&message);
            self.details.push_str("\n");
        }
        Ok(())
    }

    fn text(&mut self, target: Target, t: &str) {
        match target {
            Target::Details => self.details.push_str(t),
            Target::Stdout => {
                self.stdout.push_str(t);
                self.lines.feed(t, &mut self.exec);
            }
            Target::Stderr => {
                self.stderr.push_str(t);
                self.lines.feed(t, &mut self.exec);
            }
            Target::PropertyValue | Target::Ignore => {}
        }
    }

    fn end_output(&mut self) {
        self.lines.flush(&mut self.exec);
    }

    /// Completes the execution in place; [`Case::take_execution`] then hands it over.
    fn finish(
        &mut self,
        suite_props: &[(String, String)],
        suite_name: Option<&str>,
        suite_file: Option<&str>,
    ) {
        let exec = &mut self.exec;
        self.lines = LineScanner::default();
        if !self.classname_given {
            // trcli builds `classname.name` from the attribute itself, and Python prints a
            // missing one as `None`: cases it created for such tests carry `None.name`.
            if exec.automation_id.is_none() {
                exec.automation_id = Some(format!("None.{}", exec.name));
            }
            if let Some(name) = suite_name {
                exec.classname = name.to_string();
            }
        }
        exec.enclosing = enclosing_group(&exec.classname, suite_name);
        if exec.outcome == Outcome::Passed
            && let Some(reason) = tap_skip_property(exec)
        {
            exec.outcome = Outcome::Skipped;
            exec.message = (!reason.is_empty()).then_some(reason);
        }
        if exec.file.is_none() {
            exec.file = suite_file.map(str::to_string);
        }
        if !suite_props.is_empty() {
            let mut props = suite_props.to_vec();
            props.append(&mut exec.properties);
            exec.properties = props;
        }
        if self.not_run && exec.outcome == Outcome::Passed {
            exec.outcome = Outcome::Skipped;
        }
        exec.details = self.details.take_non_blank();
        exec.stdout = self.stdout.take_non_blank();
        exec.stderr = self.stderr.take_non_blank();
        if exec.message.as_deref().is_none_or(|m| m.trim().is_empty()) {
            exec.message = assertion_name(exec)
                .or_else(|| exec.details.as_deref().and_then(first_line))
                .or_else(|| skip_annotation(exec))
                .or(self.failure_type.take().filter(|t| !t.trim().is_empty()));
        }
        exec.attempts = 1 + self.flaky_attempts + self.rerun_attempts;
        if exec.outcome == Outcome::Passed && self.flaky_attempts > 0 {
            exec.outcome = Outcome::Flaky;
            exec.message = self.flaky_message.take();
        }
        self.classname_given = false;
        self.flaky_attempts = 0;
        self.rerun_attempts = 0;
        self.flaky_message = None;
        self.failure_type = None;
        self.not_run = false;
    }

    /// The finished execution, leaving this case blank for the next `<testcase>`.
    fn take_execution(&mut self) -> TestExecution {
        std::mem::replace(
            &mut self.exec,
            TestExecution::new(String::new(), Outcome::Passed),
        )
    }
}

/// The group a testcase sits in: its classname when that is a describe path (jest-junit,
/// karma, node-tap), else the `<testsuite>` around it (node:test writes `classname="test"`
/// on every case and puts a test with subtests, or a describe, in a `<testsuite>`).
fn enclosing_group(classname: &str, suite_name: Option<&str>) -> Option<String> {
    if !classname.is_empty() && classname != "test" {
        return Some(classname.to_string());
    }
    suite_name.filter(|s| !s.is_empty()).map(str::to_string)
}

/// node-tap writes each assertion as a testcase named by its message, with only YAML `at:`,
/// `diff:` lines in the failure body: the name is what a person should read first.
fn assertion_name(exec: &TestExecution) -> Option<String> {
    let yaml_body = exec.details.as_deref().is_some_and(|d| {
        d.trim_start().starts_with(|c: char| c.is_ascii_lowercase()) && d.contains("\nat:\n")
            || d.trim_start().starts_with("at:")
    });
    (exec.outcome == Outcome::Failed && yaml_body && !exec.name.is_empty())
        .then(|| exec.name.clone())
}

/// node-tap's JUnit reporter marks a skipped or todo test only with a `skip`/`todo` property
/// on the testcase (value: the reason), and no `<skipped>` element.
fn tap_skip_property(exec: &TestExecution) -> Option<String> {
    exec.properties
        .iter()
        .find(|(k, _)| k == "skip" || k == "todo")
        .map(|(_, v)| match v.trim() {
            "" | "true" => String::new(),
            reason => reason.to_string(),
        })
}

fn is_not_run(status: &str) -> bool {
    matches!(
        status.trim().to_ascii_lowercase().as_str(),
        "notrun" | "not run" | "disabled" | "skipped" | "skip"
    )
}

/// `message` and `type` attributes of a failure/error/skipped element.
fn attr_message(e: &Tag<'_>, max: usize) -> Result<(Option<String>, Option<String>), String> {
    let (mut message, mut kind) = (None, None);
    for_each_attr(e, |k, v| match k {
        "message" => message = Some(bound(&v, max)),
        "type" => kind = Some(bound(&v, max)),
        _ => {}
    })?;
    Ok((message, kind))
}

/// Playwright keeps a skip's reason only as an annotation property (`skip`, `fixme`).
fn skip_annotation(exec: &TestExecution) -> Option<String> {
    if exec.outcome != Outcome::Skipped {
        return None;
    }
    ["skip", "fixme"]
        .iter()
        .flat_map(|k| exec.property(k))
        .find(|v| !v.trim().is_empty())
        .map(str::to_string)
}

/// Splits captured output into lines (across text chunks) to find `[[ATTACHMENT|path]]` lines
/// and behave's scenario tags, which behave writes only into `<system-out>`.
#[derive(Default)]
struct LineScanner {
    partial: String,
    /// Between behave's `@scenario.begin` and the `Scenario:` line, where tag lines are.
    in_behave_header: bool,
}

/// Longest line kept while waiting for its end; longer lines cannot be an attachment or tags.
const MAX_SCANNED_LINE: usize = 16 * 1024;

impl LineScanner {
    fn feed(&mut self, mut t: &str, exec: &mut TestExecution) {
        while let Some(nl) = memchr::memchr(b'\n', t.as_bytes()) {
            if self.partial.is_empty() {
                self.line(&t[..nl], exec);
            } else {
                self.partial.push_str(&t[..nl]);
                let line = std::mem::take(&mut self.partial);
                self.line(&line, exec);
            }
            t = &t[nl + 1..];
        }
        if self.partial.len() + t.len() <= MAX_SCANNED_LINE {
            self.partial.push_str(t);
        }
    }

    fn flush(&mut self, exec: &mut TestExecution) {
        let line = std::mem::take(&mut self.partial);
        self.line(&line, exec);
        self.in_behave_header = false;
    }

    fn line(&mut self, line: &str, exec: &mut TestExecution) {
        let line = line.trim();
        if let Some(path) = attachment(line) {
            exec.attachments.push(path.to_string());
        } else if line == "@scenario.begin" {
            self.in_behave_header = true;
        } else if self.in_behave_header {
            self.behave_header_line(line, exec);
        }
    }

    fn behave_header_line(&mut self, line: &str, exec: &mut TestExecution) {
        if line.starts_with('@') && line.split_whitespace().all(|w| w.starts_with('@')) {
            for tag in line.split_whitespace().map(|w| &w[1..]) {
                exec.tags.push(tag.to_string());
                if let Some(id) = id_from_tag(tag)
                    && !exec.tagged_case_ids.contains(&id)
                {
                    exec.tagged_case_ids.push(id);
                }
            }
        } else if !line.is_empty() {
            // The `Scenario:` line: tags are above it.
            self.in_behave_header = false;
        }
    }
}

fn attachment(line: &str) -> Option<&str> {
    let rest = line.strip_prefix("[[ATTACHMENT|")?;
    let path = rest.strip_suffix("]]")?.trim();
    (!path.is_empty()).then_some(path)
}

/// Seconds as JUnit writers print them: `0.001`, `9.7e-05`, `1,234.5` (grouping), `0,5`
/// (decimal comma), or garbage (→ `None`).
pub(crate) fn parse_seconds(s: &str) -> Option<Duration> {
    let s = trim(s);
    if let Some(d) = plain_seconds(s) {
        return Some(d);
    }
    seconds_as_f64(s)
}

/// `str::trim`, without its Unicode search when both ends are visibly ASCII (attribute values
/// such as `time` and `line` nearly always are).
fn trim(s: &str) -> &str {
    let plain_end = |b: Option<&u8>| b.is_some_and(|b| b.is_ascii_graphic());
    if plain_end(s.as_bytes().first()) && plain_end(s.as_bytes().last()) {
        s
    } else {
        s.trim()
    }
}

/// `123.456` (up to 6 integer and 9 fraction digits, what nearly every writer prints) without
/// going through `f64`: the same `Duration`, since such values are exact in nanoseconds and
/// far from an `f64` rounding step.
fn plain_seconds(s: &str) -> Option<Duration> {
    let (mut secs, mut int_digits) = (0u64, 0);
    let mut nanos = 0u32;
    let mut scale = 1_000_000_000u32;
    let mut in_fraction = false;
    for b in s.bytes() {
        match b {
            b'0'..=b'9' if !in_fraction => {
                if int_digits == 6 {
                    return None;
                }
                secs = secs * 10 + u64::from(b - b'0');
                int_digits += 1;
            }
            b'.' if !in_fraction => in_fraction = true,
            b'0'..=b'9' if scale > 1 => {
                scale /= 10;
                nanos += u32::from(b - b'0') * scale;
            }
            _ => return None,
        }
    }
    (int_digits > 0).then(|| Duration::new(secs, nanos))
}

fn seconds_as_f64(s: &str) -> Option<Duration> {
    let normalised;
    let s = if s.contains(',') {
        normalised = if s.contains('.') || s.matches(',').count() > 1 {
            s.replace(',', "")
        } else {
            s.replace(',', ".")
        };
        normalised.as_str()
    } else {
        s
    };
    let secs: f64 = s.parse().ok()?;
    if !secs.is_finite() || secs < 0.0 {
        return None;
    }
    Duration::try_from_secs_f64(secs).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_in_every_spelling() {
        let ms = |s| parse_seconds(s).map(|d| d.as_micros());
        assert_eq!(ms("0.001"), Some(1000));
        assert_eq!(ms("9.7e-05"), Some(97));
        assert_eq!(ms("1,234.5"), Some(1_234_500_000));
        assert_eq!(ms("0,5"), Some(500_000));
        assert_eq!(ms(" 3 "), Some(3_000_000));
        assert_eq!(ms(""), None);
        assert_eq!(ms("NaN"), None);
        assert_eq!(ms("-1"), None);
        assert_eq!(ms("1e400"), None);
    }

    #[test]
    fn plain_seconds_match_the_f64_reading() {
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        for _ in 0..200_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let int = x % [1, 10, 1000, 1_000_000][(x >> 40) as usize % 4];
            let digits = (x >> 50) as usize % 10;
            let frac = format!("{:09}", (x >> 8) % 1_000_000_000);
            let s = if digits == 0 {
                format!("{int}")
            } else {
                format!("{int}.{}", &frac[..digits])
            };
            assert_eq!(plain_seconds(&s), seconds_as_f64(&s), "{s}");
        }
        assert_eq!(plain_seconds("1."), seconds_as_f64("1."));
        for s in [
            ".5",
            "1e3",
            "1234567.5",
            "0.1234567891",
            "-1",
            "1,5",
            "+1",
            "1.2.3",
            "99999999999999999999999",
        ] {
            assert_eq!(plain_seconds(s), None, "{s}");
        }
    }

    #[test]
    fn attachment_lines() {
        assert_eq!(
            attachment("[[ATTACHMENT|/tmp/a b.png]]"),
            Some("/tmp/a b.png")
        );
        assert_eq!(attachment("[[ATTACHMENT|]]"), None);
        assert_eq!(attachment("see [[ATTACHMENT|x]]"), None);
    }
}
