//! Cucumber JSON (cucumber-js, cucumber-jvm, cucumber-ruby, behave's JSON is the same shape):
//! an array of features, each with `elements` (scenarios, outline rows, backgrounds) and their
//! steps. There is no scenario verdict in the file: it is derived from the steps and hooks.
//! Scenarios stream out one by one; a feature's name and file are filled in when the feature
//! ends, because writers put them after `elements`.

use std::cell::RefCell;
use std::fmt;
use std::io::BufRead;
use std::path::Path;
use std::time::Duration;

use serde::Deserialize;
use serde::de::{IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::case_ids::id_from_tag;
use crate::execution::{Outcome, Sink, SuitePath, TestExecution};
use crate::input::{CountingReader, Decoded};
use crate::json::Shared;
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
        background: Vec::new(),
    };
    shared.read_document(path, Features(&mut ctx), "a Cucumber JSON report")?;
    Ok(shared.bytes())
}

struct Ctx<'a, R: BufRead, S: Sink> {
    shared: &'a Shared<R>,
    path: &'a Path,
    max: usize,
    sink: &'a mut S,
    /// Steps of a `background` element, which cucumber-jvm writes before each scenario.
    background: Vec<Step>,
}

#[derive(Deserialize)]
struct Tag {
    name: String,
}

#[derive(Deserialize)]
struct Element {
    #[serde(default)]
    name: String,
    #[serde(default, rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    line: Option<u64>,
    #[serde(default)]
    tags: Vec<Tag>,
    #[serde(default)]
    before: Vec<Step>,
    #[serde(default)]
    steps: Vec<Step>,
    #[serde(default)]
    after: Vec<Step>,
}

#[derive(Deserialize)]
struct Step {
    #[serde(default)]
    keyword: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    result: Option<StepResult>,
}

#[derive(Deserialize)]
struct StepResult {
    #[serde(default)]
    status: String,
    /// Nanoseconds.
    #[serde(default)]
    duration: Option<f64>,
    #[serde(default)]
    error_message: Option<String>,
}

crate::json::seeds_visit_themselves! {
    deserialize_map: Feature;
    deserialize_seq: Features, Elements;
}

struct Features<'c, 'a, R: BufRead, S: Sink>(&'c mut Ctx<'a, R, S>);

impl<'de, R: BufRead, S: Sink> Visitor<'de> for Features<'_, '_, R, S> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of features")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element_seed(Feature(&mut *self.0))?.is_some() {}
        Ok(())
    }
}

struct Feature<'c, 'a, R: BufRead, S: Sink>(&'c mut Ctx<'a, R, S>);

impl<'de, R: BufRead, S: Sink> Visitor<'de> for Feature<'_, '_, R, S> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a feature object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let ctx = self.0;
        let mut scenarios = Vec::new();
        let (mut name, mut uri, mut tags) = (String::new(), None::<String>, Vec::<Tag>::new());
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "elements" => map.next_value_seed(Elements {
                    ctx: &mut *ctx,
                    out: &mut scenarios,
                })?,
                "name" => name = map.next_value()?,
                "uri" => uri = map.next_value()?,
                "tags" => tags = map.next_value()?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        ctx.background.clear();
        let suite_path = SuitePath::default().child(name.clone());
        let feature_tags: Vec<&str> = tags.iter().map(|t| t.name.trim()).collect();
        for mut exec in scenarios {
            exec.automation_id = Some(feature_automation_id(&name, &feature_tags, &exec));
            exec.classname = name.clone();
            exec.enclosing = Some(name.clone()).filter(|n| !n.is_empty());
            exec.file = uri.clone();
            exec.suite_path = suite_path.clone();
            for tag in &tags {
                add_tag(&mut exec, &tag.name);
            }
            ctx.sink.execution(exec);
        }
        Ok(())
    }
}

struct Elements<'c, 'a, R: BufRead, S: Sink> {
    ctx: &'c mut Ctx<'a, R, S>,
    out: &'c mut Vec<TestExecution>,
}

impl<'de, R: BufRead, S: Sink> Visitor<'de> for Elements<'_, '_, R, S> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of scenarios")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        loop {
            self.ctx.shared.mark();
            let Some(element) = seq.next_element::<Element>()? else {
                return Ok(());
            };
            let at = self.ctx.shared.marked();
            if element.kind.as_deref() == Some("background") {
                self.ctx.background = element.steps;
                continue;
            }
            let mut exec = scenario(
                element,
                std::mem::take(&mut self.ctx.background),
                self.ctx.max,
            );
            exec.location = location(self.ctx.path, at);
            self.out.push(exec);
        }
    }
}

fn scenario(element: Element, background: Vec<Step>, max: usize) -> TestExecution {
    let mut exec = TestExecution::new(element.name, Outcome::Passed);
    exec.line = element.line;
    // The scenario's own tags as written, until the feature (read after its scenarios when
    // the JSON puts `elements` first) completes the automation ID.
    let raw_tags: Vec<&str> = element.tags.iter().map(|t| t.name.trim()).collect();
    exec.automation_id = Some(raw_tags.join("\n"));
    for tag in &element.tags {
        add_tag(&mut exec, &tag.name);
    }
    let steps = element
        .before
        .iter()
        .chain(&background)
        .chain(&element.steps)
        .chain(&element.after);
    let mut total_ns = 0.0;
    let mut verdict = Verdict::default();
    for step in steps {
        let Some(result) = &step.result else { continue };
        total_ns += result.duration.unwrap_or(0.0).max(0.0);
        verdict.step(step, result);
    }
    exec.duration = Duration::try_from_secs_f64(total_ns / 1e9).ok();
    exec.outcome = verdict.outcome();
    exec.details = verdict.details.map(|d| bound(&d, max));
    exec.message = verdict
        .message
        .or_else(|| exec.details.as_deref().and_then(first_line))
        .map(|m| bound(&m, max));
    exec
}

/// The scenario's verdict from its steps: failed > undefined/ambiguous (error) >
/// pending/skipped > passed.
#[derive(Default)]
struct Verdict {
    failed: bool,
    error: bool,
    skipped: bool,
    message: Option<String>,
    details: Option<String>,
}

impl Verdict {
    fn step(&mut self, step: &Step, result: &StepResult) {
        let what = step_text(&step.keyword, &step.name);
        match result.status.as_str() {
            "passed" => {}
            "failed" => {
                if !self.failed {
                    self.failed = true;
                    self.message = result.error_message.as_deref().and_then(first_line);
                    self.details = Some(format!(
                        "Failing step: {}\n{}",
                        what.trim(),
                        result.error_message.as_deref().unwrap_or("")
                    ));
                }
            }
            "undefined" | "ambiguous" => {
                if !self.error && !self.failed {
                    self.message = Some(format!("{} step: {}", result.status, what.trim()));
                }
                self.error = true;
            }
            _ => {
                // pending, skipped, unknown: no verdict of its own.
                if !self.skipped && self.message.is_none() && result.status == "pending" {
                    self.message = Some(format!("pending step: {}", what.trim()));
                }
                self.skipped = true;
            }
        }
    }

    fn outcome(&self) -> Outcome {
        if self.failed {
            Outcome::Failed
        } else if self.error {
            Outcome::Error
        } else if self.skipped {
            Outcome::Skipped
        } else {
            Outcome::Passed
        }
    }
}

/// trcli's Cucumber automation ID, from the scenario's raw tags [`scenario`] left in
/// `automation_id` (one per line).
fn feature_automation_id(feature: &str, feature_tags: &[&str], exec: &TestExecution) -> String {
    let own = exec.automation_id.as_deref().unwrap_or_default();
    let tags: Vec<&str> = feature_tags
        .iter()
        .copied()
        .chain(own.lines())
        .filter(|t| !t.is_empty())
        .collect();
    crate::automation_id::cucumber(feature, &tags, &exec.name)
}

/// `When the user adds 2 apples`: cucumber-js writes the keyword with its trailing space
/// (`"When "`), pytest-bdd and behave without (`"When"`).
pub(crate) fn step_text(keyword: &str, name: &str) -> String {
    if keyword.is_empty() || keyword.ends_with(char::is_whitespace) {
        format!("{keyword}{name}")
    } else {
        format!("{keyword} {name}")
    }
}

pub(crate) fn add_tag(exec: &mut TestExecution, tag: &str) {
    let tag = tag.trim().trim_start_matches('@');
    if tag.is_empty() || exec.tags.iter().any(|t| t == tag) {
        return;
    }
    exec.tags.push(tag.to_string());
    if let Some(id) = id_from_tag(tag)
        && !exec.tagged_case_ids.contains(&id)
    {
        exec.tagged_case_ids.push(id);
    }
}
