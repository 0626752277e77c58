//! TAP 12/13/14 (Perl, node:test, tape, bats, …), also as printed by `prove -v [--merge]` with
//! its human header and trailer around the TAP. Read line by line; a test point is sent when
//! the next structural line shows its diagnostics (`#` lines, YAML block) are complete.
//! Parent points of subtests are reported too (after their children, as TAP orders them), and
//! carry the name, message and diagnostics of each child that failed: node-tap's parent point
//! has only `at:` lines, node:test's says "1 subtest failed". So a point inside a subtest is
//! carried by its parent: without an ID of its own it is neither a result nor unmapped. One
//! with no `# Subtest:` header of its own is an assertion (node-tap, Perl), named by its message.

use std::io::BufRead;
use std::path::Path;
use std::time::Duration;

use crate::execution::{Outcome, Sink, TestExecution};
use crate::input::{CountingReader, Decoded};
use crate::text::{BoundedText, bound, first_line};
use crate::{ReadOptions, ReportError, location};

pub(crate) fn read<R: BufRead>(
    mut input: CountingReader<Decoded<R>>,
    path: &Path,
    options: &ReadOptions,
    sink: &mut impl Sink,
) -> Result<u64, ReportError> {
    let cap = options.max_text_bytes.max(64 * 1024);
    let mut tap = Tap::new(options.max_text_bytes);
    let mut raw = Vec::with_capacity(256);
    let mut line_no = 0u64;
    while read_line(&mut input, &mut raw, cap).map_err(|e| ReportError::io(path, e))? {
        line_no += 1;
        let line = std::str::from_utf8(&raw).map_err(|e| not_utf8(path, line_no, &e))?;
        tap.line(line.trim_end_matches(['\r', '\n']), line_no, path, sink)?;
    }
    tap.flush(sink);
    if !tap.saw_tap {
        return Err(ReportError::malformed(
            path,
            (line_no.max(1), 1),
            "no TAP test lines ('ok', 'not ok', '1..N') found",
            "this does not look like TAP: pass the right --input-format",
        ));
    }
    Ok(input.offset())
}

fn not_utf8(path: &Path, line: u64, e: &std::str::Utf8Error) -> ReportError {
    ReportError::malformed(
        path,
        (line, e.valid_up_to() as u64 + 1),
        "the report is not valid UTF-8",
        "save the TAP output as UTF-8 (e.g. `iconv -t UTF-8`)",
    )
}

/// Reads one line into `buf`, keeping at most `cap` bytes of it (the rest is dropped, so a
/// giant line cannot exhaust memory). `false` at the end of input.
fn read_line<R: BufRead>(r: &mut R, buf: &mut Vec<u8>, cap: usize) -> std::io::Result<bool> {
    buf.clear();
    let mut any = false;
    loop {
        let chunk = r.fill_buf()?;
        if chunk.is_empty() {
            return Ok(any);
        }
        any = true;
        let (take, done) = match chunk.iter().position(|&b| b == b'\n') {
            Some(i) => (i + 1, true),
            None => (chunk.len(), false),
        };
        let room = cap.saturating_sub(buf.len()).min(take);
        buf.extend_from_slice(&chunk[..room]);
        r.consume(take);
        if done {
            return Ok(true);
        }
    }
}

/// A test point still collecting its diagnostics.
struct Point {
    exec: TestExecution,
    indent: usize,
    /// No `# Subtest:` header of its own inside a subtest: an assertion, named by its message.
    assertion: bool,
    details: BoundedText,
    yaml: Option<Yaml>,
}

/// A failed point, kept until its parent's point arrives.
struct FailedChild {
    indent: usize,
    /// What a person reads first: the assertion (its name is its message) or `name: message`.
    headline: String,
    details: Option<String>,
}

/// A YAML diagnostics block (`---` … `...`) being read. Its lines go straight into the
/// bounded details; the keys readers care about are picked up on the way.
struct Yaml {
    /// Indentation of the `---`/`...` markers.
    indent: usize,
    /// Indentation of the keys: AVA indents them two more than the markers.
    key_indent: Option<usize>,
    done: bool,
    /// `message: |` (or `error: |-`) was seen: the next indented line is the message.
    awaiting_block: bool,
}

struct Tap {
    max: usize,
    point: Option<Point>,
    /// `# Subtest: name` headers above the current line: (indent, name).
    subtests: Vec<(usize, String)>,
    /// The test file, from prove's `t/file.t ..` header.
    file: Option<String>,
    /// Failed points whose parent point has not come yet, in order (indents never decrease).
    failed_children: Vec<FailedChild>,
    /// Failed points past [`CHILDREN_KEPT`], counted by indent: a subtest with a million
    /// failed assertions must not hold a million texts.
    more_failed: std::collections::BTreeMap<usize, u64>,
    saw_tap: bool,
}

impl Tap {
    fn new(max: usize) -> Self {
        Tap {
            max,
            point: None,
            subtests: Vec::new(),
            file: None,
            failed_children: Vec::new(),
            more_failed: std::collections::BTreeMap::new(),
            saw_tap: false,
        }
    }

    fn line(
        &mut self,
        line: &str,
        line_no: u64,
        path: &Path,
        sink: &mut impl Sink,
    ) -> Result<(), ReportError> {
        let body = line.trim_start();
        let indent = line.len() - body.len();
        if self.yaml_line(line, body, indent) {
            return Ok(());
        }
        if let Some(point) = parse_point(body) {
            self.saw_tap = true;
            self.flush(sink);
            self.start_point(point, indent, location(path, (line_no, indent as u64 + 1)));
        } else if let Some(name) = body.strip_prefix("# Subtest:") {
            self.flush(sink);
            self.subtests.retain(|(i, _)| *i < indent);
            let depth = self.subtests.len() + 1;
            if depth > crate::MAX_NESTING {
                let at = (line_no, indent as u64 + 1);
                return Err(ReportError::too_deep(path, at, "subtests", depth));
            }
            self.subtests.push((indent, name.trim().to_string()));
        } else if let Some(comment) = body.strip_prefix('#') {
            if let Some(p) = &mut self.point {
                let text = comment.strip_prefix(' ').unwrap_or(comment);
                p.details.push_str(text);
                p.details.push_str("\n");
            }
        } else if body.is_empty() {
            // Blank lines sit between a `not ok` and its merged diagnostics.
        } else if body == "---" && self.point.as_ref().is_some_and(|p| indent > p.indent) {
            if let Some(p) = &mut self.point {
                p.yaml = Some(Yaml {
                    indent,
                    key_indent: None,
                    done: false,
                    awaiting_block: false,
                });
            }
        } else {
            self.other_line(body, sink);
        }
        Ok(())
    }

    /// Lines inside an open YAML block; `true` when the line was taken.
    fn yaml_line(&mut self, line: &str, body: &str, indent: usize) -> bool {
        let Some(point) = self.point.as_mut() else {
            return false;
        };
        let Some(yaml) = point.yaml.as_mut().filter(|y| !y.done) else {
            return false;
        };
        if body == "..." && indent == yaml.indent {
            yaml.done = true;
            return true;
        }
        if !body.is_empty() && yaml.key_indent.is_none() {
            yaml.key_indent = Some(indent);
        }
        let text = line
            .get(yaml.key_indent.unwrap_or(indent)..)
            .unwrap_or(body);
        point.details.push_str(text);
        point.details.push_str("\n");
        yaml_key(text, &mut point.exec, &mut yaml.awaiting_block, self.max);
        true
    }

    fn other_line(&mut self, body: &str, sink: &mut impl Sink) {
        if is_plan(body) || body.starts_with("TAP version") || body.starts_with("pragma ") {
            self.saw_tap = true;
            self.flush(sink);
        } else if let Some(file) = prove_header(body) {
            self.flush(sink);
            self.file = Some(file.to_string());
            self.subtests.clear();
        } else {
            // prove's trailer, "Bail out!", or program output merged into the stream.
            self.flush(sink);
        }
    }

    fn start_point(&mut self, point: ParsedPoint<'_>, indent: usize, at: crate::ReportLocation) {
        let mut exec = TestExecution::new(point.name, point.outcome);
        exec.location = at;
        let parents: Vec<&str> = self
            .subtests
            .iter()
            .filter(|(i, _)| *i < indent)
            .map(|(_, n)| n.as_str())
            .collect();
        exec.classname = parents.join(" > ");
        exec.enclosing = parents.last().map(|p| p.to_string());
        let own_header = self.subtests.iter().any(|(i, _)| *i == indent);
        exec.carried_by_parent = !parents.is_empty();
        let assertion = exec.carried_by_parent && !own_header;
        exec.file = self.file.clone();
        exec.message = point
            .reason
            .filter(|r| !r.is_empty())
            .map(|r| bound(r, self.max));
        self.subtests.retain(|(i, _)| *i < indent);
        self.point = Some(Point {
            exec,
            indent,
            assertion,
            details: BoundedText::new(self.max),
            yaml: None,
        });
    }

    fn flush(&mut self, sink: &mut impl Sink) {
        let Some(point) = self.point.take() else {
            return;
        };
        let mut exec = point.exec;
        exec.details = point.details.finish_non_blank();
        let split = self
            .failed_children
            .iter()
            .position(|c| c.indent > point.indent)
            .unwrap_or(self.failed_children.len());
        let children = self.failed_children.split_off(split);
        let more: u64 = self
            .more_failed
            .split_off(&(point.indent + 1))
            .values()
            .sum();
        if exec.outcome == Outcome::Failed && !children.is_empty() {
            self.carry_children(&mut exec, &children, more);
        }
        if exec.message.is_none() && exec.outcome != Outcome::Passed {
            // node-tap names an assertion by its message ("tax should round to 0.3").
            exec.message = if point.assertion && !exec.name.is_empty() {
                Some(exec.name.clone())
            } else {
                exec.details.as_deref().and_then(first_line)
            };
        }
        // A point at the left margin has no parent point to carry it.
        if exec.outcome == Outcome::Failed && point.indent > 0 {
            let headline = match (&exec.message, point.assertion) {
                (Some(m), false) if !exec.name.is_empty() => format!("{}: {m}", exec.name),
                (Some(m), _) if exec.name.is_empty() => m.clone(),
                _ => exec.name.clone(),
            };
            if self.failed_children.len() < CHILDREN_KEPT {
                self.failed_children.push(FailedChild {
                    indent: point.indent,
                    headline: bound(&headline, self.max),
                    details: exec.details.clone(),
                });
            } else {
                *self.more_failed.entry(point.indent).or_default() += 1;
            }
        }
        sink.execution(exec);
    }

    /// A parent's comment starts with what failed inside it, then its own diagnostics.
    fn carry_children(&self, exec: &mut TestExecution, children: &[FailedChild], more: u64) {
        let generic = exec
            .message
            .as_deref()
            .is_none_or(is_generic_parent_message);
        if generic {
            exec.message = Some(bound(&children[0].headline, self.max));
        }
        let mut text = String::from("Failed inside:\n");
        for child in children {
            text.push_str("- ");
            text.push_str(&child.headline);
            text.push('\n');
            for line in child.details.as_deref().unwrap_or("").lines() {
                text.push_str("    ");
                text.push_str(line);
                text.push('\n');
            }
        }
        if more > 0 {
            text.push_str(&format!("- … and {more} more failed inside\n"));
        }
        if let Some(own) = &exec.details {
            text.push('\n');
            text.push_str(own);
        }
        exec.details = Some(bound(&text, self.max));
    }
}

/// Failed children kept with their text until their parent's point comes.
const CHILDREN_KEPT: usize = 50;

/// node:test's `1 subtest failed` / `2 subtests failed`: says that, not what.
fn is_generic_parent_message(message: &str) -> bool {
    message.split_once(' ').is_some_and(|(n, rest)| {
        n.bytes().all(|b| b.is_ascii_digit())
            && matches!(rest, "subtest failed" | "subtests failed")
    })
}

struct ParsedPoint<'a> {
    name: String,
    outcome: Outcome,
    reason: Option<&'a str>,
}

/// `ok 3 - name # SKIP reason`, `not ok 4 name # TODO why`, `ok`.
fn parse_point(body: &str) -> Option<ParsedPoint<'_>> {
    let (ok, rest) = if let Some(r) = body.strip_prefix("not ok") {
        (false, r)
    } else {
        (true, body.strip_prefix("ok")?)
    };
    if !(rest.is_empty() || rest.starts_with([' ', '\t', '#'])) {
        return None;
    }
    let rest = rest.trim_start();
    let rest = rest
        .trim_start_matches(|c: char| c.is_ascii_digit())
        .trim_start();
    let (description, directive) = split_directive(rest);
    let description = description.trim();
    let description = description
        .strip_prefix('-')
        .map_or(description, str::trim_start);
    let name = description.replace("\\#", "#").replace("\\\\", "\\");
    let (outcome, reason) = match directive {
        Some((_, reason)) => (Outcome::Skipped, Some(reason)),
        None if ok => (Outcome::Passed, None),
        None => (Outcome::Failed, None),
    };
    Some(ParsedPoint {
        name,
        outcome,
        reason,
    })
}

/// Splits the description at its first unescaped `#`. What follows is a `SKIP`/`TODO`
/// directive (returned as `(word, reason)`) or a comment such as node-tap's `# time=3.5ms`.
fn split_directive(s: &str) -> (&str, Option<(&str, &str)>) {
    let bytes = s.as_bytes();
    let Some(i) = (0..bytes.len()).find(|&i| bytes[i] == b'#' && (i == 0 || bytes[i - 1] != b'\\'))
    else {
        return (s, None);
    };
    let after = s[i + 1..].trim_start();
    let word_len = after
        .find(|c: char| !c.is_ascii_alphabetic())
        .unwrap_or(after.len());
    let word = after[..word_len].to_ascii_lowercase();
    if word.starts_with("skip") || word == "todo" {
        return (
            &s[..i],
            Some((&after[..word_len], after[word_len..].trim())),
        );
    }
    (&s[..i], None)
}

fn is_plan(body: &str) -> bool {
    body.strip_prefix("1..")
        .is_some_and(|n| n.starts_with(|c: char| c.is_ascii_digit()))
}

/// prove's per-file header: `t/shop.t .. ` (verbose) or `t/shop.t ..... ok`.
fn prove_header(body: &str) -> Option<&str> {
    let (file, dots) = body.split_once(" ..")?;
    (!file.is_empty() && !file.contains(' ') && dots.trim_start_matches('.').trim().len() < 40)
        .then_some(file)
}

/// Picks `duration_ms` and the message (`message:` or node's `error:`) from a YAML line
/// (de-indented to the block).
fn yaml_key(text: &str, exec: &mut TestExecution, awaiting_block: &mut bool, max: usize) {
    let nested = text.starts_with(' ');
    if *awaiting_block {
        if nested && !text.trim().is_empty() {
            exec.message = Some(bound(text.trim(), max));
            *awaiting_block = false;
            return;
        }
        *awaiting_block = nested || text.trim().is_empty();
    }
    if nested {
        return;
    }
    let Some((key, value)) = text.split_once(':') else {
        return;
    };
    let value = value.trim();
    match key {
        "duration_ms" => {
            exec.duration = value
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite() && *v >= 0.0)
                .and_then(|ms| Duration::try_from_secs_f64(ms / 1000.0).ok());
        }
        "message" | "error" if exec.message.is_none() => {
            if value.starts_with('|') || value.starts_with('>') {
                *awaiting_block = true;
            } else {
                exec.message = unquote(value).map(|m| bound(&m, max));
            }
        }
        _ => {}
    }
}

/// A plain or quoted YAML scalar.
fn unquote(value: &str) -> Option<String> {
    let unquoted = if value.len() >= 2 && value.starts_with('\'') && value.ends_with('\'') {
        value[1..value.len() - 1].replace("''", "'")
    } else if value.len() >= 2 && value.starts_with('"') && value.ends_with('"') {
        value[1..value.len() - 1].replace("\\\"", "\"")
    } else {
        value.to_string()
    };
    (!unquoted.is_empty()).then_some(unquoted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_points() {
        let p = parse_point("ok 4 # skip coupon service not deployed").unwrap();
        assert_eq!(
            (p.name.as_str(), p.outcome, p.reason),
            ("", Outcome::Skipped, Some("coupon service not deployed"))
        );
        let p = parse_point("not ok 10 - C1108 wishlist # TODO later").unwrap();
        assert_eq!(
            (p.name.as_str(), p.outcome, p.reason),
            ("C1108 wishlist", Outcome::Skipped, Some("later"))
        );
        let p = parse_point("not ok 2 - issue \\#12 # time=3.5ms").unwrap();
        assert_eq!((p.name.as_str(), p.outcome), ("issue #12", Outcome::Failed));
        assert_eq!(parse_point("ok").unwrap().outcome, Outcome::Passed);
        assert!(parse_point("okay then").is_none());
        assert!(parse_point("nothing").is_none());
    }

    fn read_tap(text: &str) -> Vec<TestExecution> {
        let mut got = Vec::new();
        let input =
            CountingReader::new(Decoded::new(text.as_bytes(), crate::input::Encoding::Utf8));
        read(
            input,
            Path::new("t.tap"),
            &ReadOptions::default(),
            &mut |e| got.push(e),
        )
        .unwrap();
        got
    }

    #[test]
    fn a_parent_lists_its_failed_children_up_to_a_bound() {
        let mut tap = String::from("TAP version 14\n# Subtest: C1 parent\n");
        for i in 0..(CHILDREN_KEPT + 7) {
            tap.push_str(&format!("    not ok {} - check {i}\n", i + 1));
        }
        tap.push_str("not ok 1 - C1 parent\n");
        let got = read_tap(&tap);
        let parent = got.last().unwrap();
        assert_eq!(parent.message.as_deref(), Some("check 0"));
        let details = parent.details.as_deref().unwrap();
        assert!(details.contains(&format!("- check {}\n", CHILDREN_KEPT - 1)));
        assert!(!details.contains(&format!("- check {}\n", CHILDREN_KEPT)));
        assert!(
            details.contains("- … and 7 more failed inside"),
            "{details}"
        );
        assert!(got[..got.len() - 1].iter().all(|e| e.carried_by_parent));
    }

    #[test]
    fn prove_headers() {
        assert_eq!(prove_header("t/shop.t .. "), Some("t/shop.t"));
        assert_eq!(prove_header("t/a.t ....... ok"), Some("t/a.t"));
        assert_eq!(
            prove_header("Dubious, test returned 4 (wstat 1024, 0x400)"),
            None
        );
    }
}
