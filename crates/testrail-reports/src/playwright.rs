//! Playwright Test's own JSON reporter (`--reporter=json`): `{config, suites, errors, stats}`,
//! where suites (files, then `describe` blocks) hold specs, a spec holds one test per project,
//! and a test holds one result per attempt (retries). One execution per test: its `status`
//! (`expected`, `unexpected`, `flaky`, `skipped`) is the verdict, the attempts are folded, and
//! annotations (`testrail: C123`, `skip: reason`) become properties. Specs stream out one by
//! one; the `config` object and everything else is skipped without being kept. A top-level
//! error (a spec file that throws while loading stops the whole run) becomes an execution of
//! its own, in error, so a run that tested nothing is never read as an empty success.

use std::cell::RefCell;
use std::fmt;
use std::io::BufRead;
use std::path::Path;
use std::time::Duration;

use serde::Deserialize;
use serde::de::{IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::cucumber::add_tag;
use crate::execution::{Outcome, Sink, TestExecution};
use crate::input::{CountingReader, Decoded};
use crate::json::Shared;
use crate::text::{bound, first_line, strip_ansi};
use crate::{ReadOptions, ReportError, location};

pub(crate) fn read<R: BufRead>(
    input: CountingReader<Decoded<R>>,
    path: &Path,
    options: &ReadOptions,
    sink: &mut impl Sink,
) -> Result<u64, ReportError> {
    let shared = Shared(RefCell::new(input));
    let mut ctx = Ctx {
        shared: &shared,
        path,
        max: options.max_text_bytes,
        sink,
        titles: Vec::new(),
        saw_suites: false,
    };
    shared.read_document(path, Root(&mut ctx), "a Playwright JSON report")?;
    if !ctx.saw_suites {
        return Err(shared.not_this_format(path, "suites", "Playwright's JSON report"));
    }
    Ok(shared.bytes())
}

struct Ctx<'a, R: BufRead, S: Sink> {
    shared: &'a Shared<R>,
    path: &'a Path,
    max: usize,
    sink: &'a mut S,
    /// Titles of the suites above the current one: the file, then describe blocks.
    titles: Vec<String>,
    saw_suites: bool,
}

#[derive(Deserialize)]
struct Spec {
    #[serde(default)]
    title: String,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    file: Option<String>,
    #[serde(default)]
    line: Option<u64>,
    #[serde(default)]
    tests: Vec<Test>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Test {
    #[serde(default)]
    annotations: Vec<Annotation>,
    #[serde(default)]
    expected_status: String,
    #[serde(default)]
    project_name: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    results: Vec<Attempt>,
}

#[derive(Deserialize)]
struct Annotation {
    #[serde(default, rename = "type")]
    kind: String,
    #[serde(default)]
    description: Option<String>,
}

#[derive(Deserialize)]
struct Attempt {
    #[serde(default)]
    status: String,
    /// Milliseconds.
    #[serde(default)]
    duration: Option<f64>,
    #[serde(default)]
    error: Option<TestError>,
    #[serde(default)]
    errors: Vec<TestError>,
    #[serde(default)]
    stdout: Vec<Output>,
    #[serde(default)]
    stderr: Vec<Output>,
    #[serde(default)]
    attachments: Vec<Attachment>,
}

#[derive(Deserialize)]
struct TestError {
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    stack: Option<String>,
    #[serde(default)]
    snippet: Option<String>,
    #[serde(default)]
    location: Option<ErrorLocation>,
}

#[derive(Deserialize)]
struct ErrorLocation {
    #[serde(default)]
    file: String,
    #[serde(default)]
    line: Option<u64>,
}

/// `{"text": "…"}`, or `{"buffer": "<base64>"}` for binary output (left out).
#[derive(Deserialize)]
struct Output {
    #[serde(default)]
    text: Option<String>,
}

#[derive(Deserialize)]
struct Attachment {
    #[serde(default)]
    path: Option<String>,
}

crate::json::seeds_visit_themselves! {
    deserialize_map: Root, Suite;
    deserialize_seq: Errors, Suites, Specs;
}

struct Root<'c, 'a, R: BufRead, S: Sink>(&'c mut Ctx<'a, R, S>);

impl<'de, R: BufRead, S: Sink> Visitor<'de> for Root<'_, '_, R, S> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a Playwright JSON report object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "suites" => {
                    self.0.saw_suites = true;
                    map.next_value_seed(Suites(&mut *self.0))?;
                }
                "errors" => map.next_value_seed(Errors(&mut *self.0))?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

/// The report's top-level `errors`: each one an execution in error, named after its file.
struct Errors<'c, 'a, R: BufRead, S: Sink>(&'c mut Ctx<'a, R, S>);

impl<'de, R: BufRead, S: Sink> Visitor<'de> for Errors<'_, '_, R, S> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of errors")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        loop {
            self.0.shared.mark();
            let Some(error) = seq.next_element::<TestError>()? else {
                return Ok(());
            };
            let mut exec = run_error(error, self.0.max);
            exec.location = location(self.0.path, self.0.shared.marked());
            self.0.sink.execution(exec);
        }
    }
}

fn run_error(error: TestError, max: usize) -> TestExecution {
    let place = error.location.as_ref();
    let file = place.map(|l| l.file.clone()).filter(|f| !f.is_empty());
    // Named after the file it happened in: no test name exists for it.
    let name = file
        .clone()
        .unwrap_or_else(|| "Playwright run error".to_string());
    let mut exec = TestExecution::new(name, Outcome::Error);
    exec.line = place.and_then(|l| l.line);
    exec.file = file;
    let attempt = Attempt {
        status: String::new(),
        duration: None,
        error: Some(error),
        errors: Vec::new(),
        stdout: Vec::new(),
        stderr: Vec::new(),
        attachments: Vec::new(),
    };
    describe_attempt(&mut exec, &attempt, max);
    exec
}

struct Suites<'c, 'a, R: BufRead, S: Sink>(&'c mut Ctx<'a, R, S>);

impl<'de, R: BufRead, S: Sink> Visitor<'de> for Suites<'_, '_, R, S> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of suites")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element_seed(Suite(&mut *self.0))?.is_some() {}
        Ok(())
    }
}

/// One suite: its title goes on the stack while its specs and child suites are read. Writers
/// put `title` first; a title that comes later still names the child suites read after it.
struct Suite<'c, 'a, R: BufRead, S: Sink>(&'c mut Ctx<'a, R, S>);

impl<'de, R: BufRead, S: Sink> Visitor<'de> for Suite<'_, '_, R, S> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a suite object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let ctx = self.0;
        let depth = ctx.titles.len();
        ctx.titles.push(String::new());
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "title" => ctx.titles[depth] = map.next_value()?,
                "specs" => map.next_value_seed(Specs(&mut *ctx))?,
                "suites" => map.next_value_seed(Suites(&mut *ctx))?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        ctx.titles.truncate(depth);
        Ok(())
    }
}

struct Specs<'c, 'a, R: BufRead, S: Sink>(&'c mut Ctx<'a, R, S>);

impl<'de, R: BufRead, S: Sink> Visitor<'de> for Specs<'_, '_, R, S> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of specs")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        loop {
            self.0.shared.mark();
            let Some(spec) = seq.next_element::<Spec>()? else {
                return Ok(());
            };
            let at = location(self.0.path, self.0.shared.marked());
            for test in &spec.tests {
                let mut exec = execution(&spec, test, &self.0.titles, self.0.max);
                exec.location = at.clone();
                self.0.sink.execution(exec);
            }
        }
    }
}

fn execution(spec: &Spec, test: &Test, titles: &[String], max: usize) -> TestExecution {
    let mut exec = TestExecution::new(spec.title.clone(), outcome(test));
    let mut path: Vec<&str> = Vec::new();
    if !test.project_name.is_empty() {
        path.push(&test.project_name);
    }
    path.extend(titles.iter().map(String::as_str).filter(|t| !t.is_empty()));
    exec.classname = path.join(" › ");
    // The file suite is not a group a case ID could be written on; a describe block is.
    exec.enclosing = titles.iter().skip(1).rev().find(|t| !t.is_empty()).cloned();
    exec.file = spec.file.clone();
    exec.line = spec.line;
    for tag in &spec.tags {
        add_tag(&mut exec, tag);
    }
    exec.properties = test
        .annotations
        .iter()
        .map(|a| (a.kind.clone(), a.description.clone().unwrap_or_default()))
        .collect();
    exec.attempts = (test.results.len() as u32).max(1);
    let ms: f64 = test
        .results
        .iter()
        .filter_map(|r| r.duration)
        .filter(|d| d.is_finite() && *d > 0.0)
        .sum();
    exec.duration = Duration::try_from_secs_f64(ms / 1000.0).ok();
    exec.attachments = test
        .results
        .iter()
        .flat_map(|r| &r.attachments)
        .filter_map(|a| a.path.clone())
        .collect();
    let telling = telling_attempt(test, exec.outcome);
    if let Some(attempt) = telling {
        describe_attempt(&mut exec, attempt, max);
    }
    if let Some(attempt) = telling.or(test.results.last()) {
        exec.stdout = output(&attempt.stdout, max);
        exec.stderr = output(&attempt.stderr, max);
    }
    if exec.outcome == Outcome::Skipped && exec.message.is_none() {
        exec.message = exec
            .properties
            .iter()
            .find(|(k, v)| (k == "skip" || k == "fixme") && !v.trim().is_empty())
            .map(|(_, v)| bound(v, max));
    }
    exec
}

/// The verdict Playwright gives the test over all its attempts.
fn outcome(test: &Test) -> Outcome {
    let last = test.results.last().map_or("", |r| r.status.as_str());
    match test.status.as_str() {
        "expected" if test.expected_status == "skipped" => Outcome::Skipped,
        "expected" => Outcome::Passed,
        "flaky" => Outcome::Flaky,
        "skipped" => Outcome::Skipped,
        _ if last == "interrupted" => Outcome::Error,
        _ => Outcome::Failed,
    }
}

/// The attempt whose error says what happened: the last one for a failure, the first failed
/// one for a flaky test.
fn telling_attempt(test: &Test, outcome: Outcome) -> Option<&Attempt> {
    let failed = |r: &&Attempt| r.error.is_some() || !r.errors.is_empty();
    match outcome {
        Outcome::Flaky => test.results.iter().find(failed),
        Outcome::Failed | Outcome::Error => test.results.iter().rev().find(failed),
        _ => None,
    }
    .or_else(|| test.results.last().filter(|_| outcome != Outcome::Passed))
}

fn describe_attempt(exec: &mut TestExecution, attempt: &Attempt, max: usize) {
    let errors: Vec<&TestError> = attempt.error.iter().chain(&attempt.errors).collect();
    let first = errors.first();
    exec.message = first
        .and_then(|e| e.message.as_deref())
        .map(strip_ansi)
        .and_then(|m| first_line(&m))
        .or_else(|| (attempt.status == "timedOut").then(|| "test timed out".to_string()))
        .map(|m| bound(&m, max));
    let mut details = String::new();
    // `error` is repeated as the first of `errors`: each distinct text once.
    let mut seen: Vec<&str> = Vec::new();
    for e in errors {
        let text = e.stack.as_deref().or(e.message.as_deref()).unwrap_or("");
        if text.is_empty() || seen.contains(&text) {
            continue;
        }
        seen.push(text);
        details.push_str(text);
        details.push('\n');
        if let Some(snippet) = &e.snippet {
            details.push_str(snippet);
            details.push('\n');
        }
    }
    exec.details = (!details.trim().is_empty()).then(|| bound(&strip_ansi(&details), max));
}

/// What the attempt printed, as one text.
fn output(outputs: &[Output], max: usize) -> Option<String> {
    let joined: String = outputs.iter().filter_map(|o| o.text.as_deref()).collect();
    (!joined.trim().is_empty()).then(|| bound(&joined, max))
}
