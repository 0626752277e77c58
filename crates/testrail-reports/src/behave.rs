//! behave's JSON formatter (`behave -f json`): an array of features, each with `elements`
//! (scenarios and outline rows). Unlike Cucumber JSON, tags are plain strings, each scenario
//! carries its own `status`, places are `location: "file:line"`, step durations are seconds,
//! and `error_message` is a string (behave 1.3) or a list of lines (behave 1.2). Scenarios
//! stream out one by one and are sent when their feature ends (its tags apply to them).

use std::cell::RefCell;
use std::fmt;
use std::io::BufRead;
use std::path::Path;
use std::time::Duration;

use serde::Deserialize;
use serde::de::{IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use crate::cucumber::{add_tag, step_text};
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
    };
    shared.read_document(path, Features(&mut ctx), "a behave JSON report")?;
    Ok(shared.bytes())
}

struct Ctx<'a, R: BufRead, S: Sink> {
    shared: &'a Shared<R>,
    path: &'a Path,
    max: usize,
    sink: &'a mut S,
}

#[derive(Deserialize)]
struct Element {
    #[serde(default)]
    name: String,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    location: Option<String>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    steps: Vec<Step>,
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
    /// Seconds.
    #[serde(default)]
    duration: Option<f64>,
    /// A string, or a list of lines in behave 1.2.
    #[serde(default)]
    error_message: Value,
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
        let (mut name, mut tags) = (String::new(), Vec::<String>::new());
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "elements" => map.next_value_seed(Elements {
                    ctx: &mut *ctx,
                    out: &mut scenarios,
                })?,
                "name" => name = map.next_value()?,
                "tags" => tags = map.next_value()?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        for mut exec in scenarios {
            exec.classname = name.clone();
            exec.enclosing = Some(name.clone()).filter(|n| !n.is_empty());
            for tag in &tags {
                add_tag(&mut exec, tag);
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
            let mut exec = scenario(element, self.ctx.max);
            exec.location = location(self.ctx.path, self.ctx.shared.marked());
            self.out.push(exec);
        }
    }
}

fn scenario(element: Element, max: usize) -> TestExecution {
    // Outline rows are named `… -- @1.2 ` (with the row's place): trailing space dropped.
    let mut exec = TestExecution::new(element.name.trim_end(), Outcome::Passed);
    if let Some((file, line)) = element.location.as_deref().and_then(|l| l.rsplit_once(':')) {
        exec.file = Some(file.to_string());
        exec.line = line.parse().ok();
    }
    for tag in &element.tags {
        add_tag(&mut exec, tag);
    }
    let seconds: f64 = element
        .steps
        .iter()
        .filter_map(|s| s.result.as_ref()?.duration)
        .filter(|d| d.is_finite() && *d > 0.0)
        .sum();
    exec.duration = Duration::try_from_secs_f64(seconds).ok();
    let scenario_status = element.status.as_deref().unwrap_or("");
    exec.outcome = match first_problem(&element.steps) {
        Some((step, result)) => step_verdict(&mut exec, step, result, max),
        None => scenario_outcome(scenario_status),
    };
    let problem = !matches!(exec.outcome, Outcome::Passed | Outcome::Skipped);
    if problem && exec.message.is_none() && !scenario_status.is_empty() {
        exec.message = Some(format!("scenario {scenario_status}"));
    }
    exec
}

/// The first step that did not pass or skip: the one that decided the scenario.
fn first_problem(steps: &[Step]) -> Option<(&Step, &StepResult)> {
    steps.iter().find_map(|step| {
        let result = step.result.as_ref()?;
        (!matches!(
            result.status.as_str(),
            "passed" | "skipped" | "untested" | ""
        ))
        .then_some((step, result))
    })
}

fn step_verdict(exec: &mut TestExecution, step: &Step, result: &StepResult, max: usize) -> Outcome {
    let what = step_text(&step.keyword, &step.name);
    let error = joined(&result.error_message, "\n").filter(|e| !e.trim().is_empty());
    let outcome = match result.status.as_str() {
        "undefined" | "ambiguous" => Outcome::Error,
        _ => Outcome::Failed,
    };
    exec.message = match &error {
        Some(e) => first_line(e),
        // behave 1.3 writes no text for an exception raised in a step: say where it was.
        None => Some(format!("{} step: {what}", result.status)),
    }
    .map(|m| bound(&m, max));
    exec.details = Some(bound(
        &format!(
            "{} step: {what}\n{}",
            capitalised(&result.status),
            error.unwrap_or_default()
        ),
        max,
    ));
    outcome
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

/// A scenario whose steps say nothing (all skipped, or none ran): its own status decides.
fn scenario_outcome(status: &str) -> Outcome {
    match status {
        "passed" => Outcome::Passed,
        "failed" => Outcome::Failed,
        "error" | "hook_error" | "cleanup_error" | "undefined" => Outcome::Error,
        _ => Outcome::Skipped,
    }
}
