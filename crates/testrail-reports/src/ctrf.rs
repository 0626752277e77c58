//! CTRF JSON (Common Test Report Format): `{"results": {"tests": [...]}}`. Tests stream out one
//! by one; everything else in the file is skipped without being kept.

use std::cell::RefCell;
use std::fmt;
use std::io::BufRead;
use std::path::Path;
use std::time::Duration;

use serde::Deserialize;
use serde::de::{IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use crate::case_ids::id_from_tag;
use crate::execution::{Outcome, Sink, TestExecution};
use crate::input::{CountingReader, Decoded};
use crate::json::{Shared, joined};
use crate::text::{bound, first_line};
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
        saw_tests: false,
    };
    let root = Level {
        ctx: &mut ctx,
        depth: 0,
    };
    shared.read_document(path, root, "a CTRF report")?;
    if !ctx.saw_tests {
        return Err(shared.not_this_format(path, "results.tests", "a CTRF report"));
    }
    Ok(shared.bytes())
}

struct Ctx<'a, R: BufRead, S: Sink> {
    shared: &'a Shared<R>,
    path: &'a Path,
    max: usize,
    sink: &'a mut S,
    saw_tests: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CtrfTest {
    #[serde(default)]
    name: String,
    #[serde(default)]
    status: String,
    /// Milliseconds.
    #[serde(default)]
    duration: Option<f64>,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    trace: Option<String>,
    #[serde(default)]
    suite: Value,
    #[serde(default)]
    file_path: Option<String>,
    #[serde(default)]
    line: Option<u64>,
    #[serde(default)]
    retries: Option<u32>,
    #[serde(default)]
    flaky: Option<bool>,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    attachments: Vec<Attachment>,
    #[serde(default)]
    stdout: Value,
    #[serde(default)]
    stderr: Value,
    /// Playwright's reporter puts annotations (`testrail: C1`, `skip: reason`) in here.
    #[serde(default)]
    extra: Value,
}

#[derive(Deserialize)]
struct Attachment {
    #[serde(default)]
    path: Option<String>,
}

crate::json::seeds_visit_themselves! {
    deserialize_map: Level;
    deserialize_seq: Tests;
}

/// The root object (depth 0) or `results` (depth 1): walks down to `tests`.
struct Level<'c, 'a, R: BufRead, S: Sink> {
    ctx: &'c mut Ctx<'a, R, S>,
    depth: u8,
}

impl<'de, R: BufRead, S: Sink> Visitor<'de> for Level<'_, '_, R, S> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(if self.depth == 0 {
            "a CTRF report object"
        } else {
            "a results object"
        })
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            match (self.depth, key.as_str()) {
                (0, "results") => map.next_value_seed(Level {
                    ctx: &mut *self.ctx,
                    depth: 1,
                })?,
                (1, "tests") => {
                    self.ctx.saw_tests = true;
                    map.next_value_seed(Tests(&mut *self.ctx))?
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

struct Tests<'c, 'a, R: BufRead, S: Sink>(&'c mut Ctx<'a, R, S>);

impl<'de, R: BufRead, S: Sink> Visitor<'de> for Tests<'_, '_, R, S> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of tests")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        loop {
            self.0.shared.mark();
            let Some(test) = seq.next_element::<CtrfTest>()? else {
                return Ok(());
            };
            let mut exec = execution(test, self.0.max);
            exec.location = location(self.0.path, self.0.shared.marked());
            self.0.sink.execution(exec);
        }
    }
}

fn execution(t: CtrfTest, max: usize) -> TestExecution {
    let mut exec = TestExecution::new(t.name, ctrf_outcome(&t.status));
    exec.classname = joined(&t.suite, " > ").unwrap_or_default();
    exec.enclosing = Some(exec.classname.clone()).filter(|c| !c.is_empty());
    exec.file = t.file_path;
    exec.line = t.line;
    exec.duration = t
        .duration
        .filter(|d| d.is_finite() && *d >= 0.0)
        .and_then(|ms| Duration::try_from_secs_f64(ms / 1000.0).ok());
    exec.attempts = 1 + t.retries.unwrap_or(0);
    if t.flaky == Some(true) && exec.outcome == Outcome::Passed {
        exec.outcome = Outcome::Flaky;
    }
    exec.message = t
        .message
        .as_deref()
        .and_then(first_line)
        .map(|m| bound(&m, max));
    exec.details = match (t.message, t.trace) {
        (Some(m), Some(tr)) => Some(bound(&format!("{m}\n{tr}"), max)),
        (m, tr) => m.or(tr).map(|s| bound(&s, max)),
    };
    exec.stdout = joined(&t.stdout, "\n").map(|s| bound(&s, max));
    exec.stderr = joined(&t.stderr, "\n").map(|s| bound(&s, max));
    exec.attachments = t.attachments.into_iter().filter_map(|a| a.path).collect();
    exec.properties = annotations(&t.extra);
    if exec.outcome == Outcome::Skipped && exec.message.is_none() {
        exec.message = exec
            .properties
            .iter()
            .find(|(k, v)| (k == "skip" || k == "fixme") && !v.trim().is_empty())
            .map(|(_, v)| bound(v, max));
    }
    for tag in t.tags {
        let tag = tag.trim_start_matches('@').to_string();
        if let Some(id) = id_from_tag(&tag)
            && !exec.tagged_case_ids.contains(&id)
        {
            exec.tagged_case_ids.push(id);
        }
        exec.tags.push(tag);
    }
    exec
}

/// `extra.annotations[]` as `(type, description)` properties, like Playwright's JUnit output.
fn annotations(extra: &Value) -> Vec<(String, String)> {
    let Some(list) = extra.get("annotations").and_then(Value::as_array) else {
        return Vec::new();
    };
    list.iter()
        .filter_map(|a| {
            let kind = a.get("type")?.as_str()?;
            let description = a.get("description").and_then(Value::as_str).unwrap_or("");
            Some((kind.to_string(), description.to_string()))
        })
        .collect()
}

/// CTRF statuses: passed, failed, skipped, pending, other (todo and the like: no verdict).
fn ctrf_outcome(status: &str) -> Outcome {
    match status {
        "passed" => Outcome::Passed,
        "failed" => Outcome::Failed,
        _ => Outcome::Skipped,
    }
}
