//! The pure half of a sync: executions + settings + the instance's statuses → the exact result
//! bodies to post. No I/O here, so `--dry-run` and unit tests see what would be sent.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use std::path::PathBuf;

use serde::Serialize;
use testrail_api::models::{Id, NewResult};
use testrail_reports::Outcome;

use crate::collect::{CaseExecutions, Collected, ExecutionBrief};
use crate::options::SyncOptions;
use crate::statuses::StatusMap;
use crate::text::{elapsed, trim_middle};

/// A case that gets no result (its outcome maps to "omit"), listed in the summary.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OmittedCase {
    /// The case that gets no result.
    pub case_id: Id,
    /// Full name of the (first) test that maps to it.
    pub test: String,
    /// The outcome that won aggregation (`skipped`, …).
    pub outcome: &'static str,
}

/// Per-case counts by the outcome that won aggregation.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct OutcomeCounts {
    /// Cases whose tests passed, flaky ones included.
    pub passed: u64,
    /// Cases with a failed or errored test.
    pub failed: u64,
    /// Cases whose tests were all skipped.
    pub skipped: u64,
    /// Cases that passed only on a rerun (also counted in `passed`).
    pub flaky: u64,
}

/// What to post: one result per case, and the cases that get none.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ResultPlan {
    /// One result per case, in the order cases first appeared in the reports.
    pub results: Vec<NewResult>,
    /// Cases whose outcome maps to "omit": kept in the run, no result posted.
    pub omitted: Vec<OmittedCase>,
    /// The outcome that won aggregation, per case.
    pub outcomes: BTreeMap<Id, Outcome>,
    /// Files to attach to each case's result, once the result exists.
    pub attachments: BTreeMap<Id, Vec<PathBuf>>,
}

impl ResultPlan {
    /// Every case the run must contain: posted or omitted (an omitted skip stays Untested).
    pub fn case_ids(&self) -> BTreeSet<Id> {
        self.results
            .iter()
            .filter_map(|r| r.case_id)
            .chain(self.omitted.iter().map(|o| o.case_id))
            .collect()
    }

    /// Cases by winning outcome (cases the suite does not have are not counted).
    pub fn counts(&self) -> OutcomeCounts {
        let mut counts = OutcomeCounts::default();
        for outcome in self.outcomes.values() {
            count(&mut counts, *outcome);
        }
        counts
    }

    /// Gives a case's results its real ID (a case `--create-cases` just made).
    pub fn rename_case(&mut self, from: Id, to: Id) {
        for r in self.results.iter_mut().filter(|r| r.case_id == Some(from)) {
            r.case_id = Some(to);
        }
        for o in self.omitted.iter_mut().filter(|o| o.case_id == from) {
            o.case_id = to;
        }
        if let Some(outcome) = self.outcomes.remove(&from) {
            self.outcomes.insert(to, outcome);
        }
        if let Some(files) = self.attachments.remove(&from) {
            self.attachments.insert(to, files);
        }
    }

    /// Drops cases the suite does not have, so they cannot make TestRail reject a batch.
    pub fn retain_cases(&mut self, keep: impl Fn(Id) -> bool) {
        self.results.retain(|r| r.case_id.is_some_and(&keep));
        self.omitted.retain(|o| keep(o.case_id));
        self.attachments.retain(|c, _| keep(*c));
        self.outcomes.retain(|c, _| keep(*c));
    }
}

/// Turns the collected executions into one result per case: status from `statuses`, comment,
/// elapsed time, defects, version and result fields from `options`, failed results assigned to
/// `failure_assignee`.
pub fn plan_results(
    collected: &Collected,
    statuses: &StatusMap,
    options: &SyncOptions,
    failure_assignee: Option<Id>,
) -> ResultPlan {
    let mut plan = ResultPlan::default();
    for &case_id in &collected.first_seen {
        let executions = &collected.cases[&case_id];
        let worst = executions.worst;
        plan.outcomes.insert(case_id, worst);
        let Some(status) = statuses.for_outcome(worst) else {
            plan.omitted.push(OmittedCase {
                case_id,
                test: executions
                    .kept
                    .first()
                    .map(|e| e.name.clone())
                    .unwrap_or_default(),
                outcome: worst.as_str(),
            });
            continue;
        };
        let failed = matches!(worst, Outcome::Failed | Outcome::Error);
        let mut result = NewResult {
            case_id: Some(case_id),
            test_id: None,
            status_id: Some(status.id),
            comment: comment(executions, options.comments.max_chars),
            version: options.version.clone(),
            elapsed: elapsed(executions.duration),
            defects: (!executions.defects.is_empty()).then(|| executions.defects.join(", ")),
            assignedto_id: failure_assignee.filter(|_| failed),
            custom: result_fields(executions, options),
        };
        if result.comment.as_deref() == Some("") {
            result.comment = None;
        }
        plan.results.push(result);
        if !executions.attachments.is_empty() {
            plan.attachments
                .insert(case_id, executions.attachments.clone());
        }
    }
    plan
}

/// The configured fields, with per-test values from report properties on top (still as
/// given: `preflight` turns labels into IDs and checks types before anything is sent).
fn result_fields(
    executions: &CaseExecutions,
    options: &SyncOptions,
) -> testrail_api::models::Extra {
    let mut custom = options.result_fields.clone();
    for (field, value) in &executions.field_values {
        custom.insert(field.clone(), serde_json::Value::String(value.clone()));
    }
    custom
}

/// Largest JSON body a batch grows to before it is closed early: failure comments can make
/// 1,000 results a 12 MB body, above common proxy limits (nginx's default is 1 MB… raised
/// almost everywhere TestRail runs, but rarely past a few MB).
pub const MAX_BATCH_BYTES: usize = 2 * 1024 * 1024;

/// Splits results into `add_results_for_cases` batches of at most `max_results` results and
/// about `max_bytes` of JSON (a single larger result still goes alone), as index ranges.
pub fn batches(results: &[NewResult], max_results: usize, max_bytes: usize) -> Vec<Range<usize>> {
    let max_results = max_results.max(1);
    let mut out = Vec::new();
    let (mut start, mut bytes) = (0, 0);
    for (i, result) in results.iter().enumerate() {
        let size = serde_json::to_vec(result).map_or(0, |v| v.len()) + 1;
        if i > start && (i - start == max_results || bytes + size > max_bytes) {
            out.push(start..i);
            (start, bytes) = (i, 0);
        }
        bytes += size;
    }
    if start < results.len() {
        out.push(start..results.len());
    }
    out
}

fn count(counts: &mut OutcomeCounts, outcome: Outcome) {
    match outcome {
        Outcome::Passed => counts.passed += 1,
        Outcome::Flaky => {
            counts.passed += 1;
            counts.flaky += 1
        }
        Outcome::Failed | Outcome::Error => counts.failed += 1,
        Outcome::Skipped => counts.skipped += 1,
    }
}

/// The comment: one line per execution when there are several, then the message and trace of
/// each execution that did not pass. A lone passing execution gets no comment.
fn comment(executions: &CaseExecutions, max_chars: usize) -> Option<String> {
    let several = executions.count > 1;
    let mut out = String::new();
    if several {
        out.push_str(&format!(
            "{} executions, result from the worst ({}):\n",
            executions.count,
            executions.worst.as_str()
        ));
        for e in &executions.kept {
            out.push_str(&format!(
                "- {}: {}{}\n",
                e.outcome.as_str(),
                e.name,
                took(e)
            ));
        }
        if executions.not_listed() > 0 {
            out.push_str(&format!("- … and {} more\n", executions.not_listed()));
        }
    }
    for e in &executions.kept {
        append_problem(&mut out, e, several);
    }
    let out = out.trim_end();
    (!out.is_empty()).then(|| trim_middle(out, max_chars))
}

fn took(e: &ExecutionBrief) -> String {
    e.duration
        .filter(|d| !d.is_zero())
        .map(|d| format!(" ({:.2}s)", d.as_secs_f64()))
        .unwrap_or_default()
}

fn append_problem(out: &mut String, e: &ExecutionBrief, several: bool) {
    if e.outcome == Outcome::Passed {
        return;
    }
    if !out.is_empty() {
        out.push('\n');
    }
    let heading = match e.outcome {
        Outcome::Flaky => "Flaky: failed at first, passed on rerun".to_owned(),
        other if several => format!("{}: {}", other.as_str(), e.name),
        other => format!("{}{}", capitalise(other.as_str()), took(e)),
    };
    out.push_str(&heading);
    out.push('\n');
    if let Some(message) = e.message.as_deref().filter(|m| !m.trim().is_empty()) {
        out.push_str(message.trim_end());
        out.push('\n');
    }
    let details = e.details.as_deref().map(str::trim_end).unwrap_or("");
    if !details.is_empty() && Some(details) != e.message.as_deref().map(str::trim_end) {
        out.push_str("```\n");
        out.push_str(details);
        out.push_str("\n```\n");
    }
    if let Some(output) = &e.output {
        out.push_str("```\n");
        out.push_str(output);
        out.push_str("\n```\n");
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::options::{ProjectRef, StatusConfig};
    use std::time::Duration;
    use testrail_api::models::Status;

    fn brief(name: &str, outcome: Outcome, ms: u64) -> ExecutionBrief {
        ExecutionBrief {
            name: name.into(),
            outcome,
            message: (outcome == Outcome::Failed).then(|| format!("{name} broke")),
            details: (outcome == Outcome::Failed).then(|| "Traceback\n  line 1".into()),
            output: None,
            duration: Some(Duration::from_millis(ms)),
            defects: vec![],
            attachments: vec![],
            location: "r.xml:1:1".into(),
            field_values: Default::default(),
        }
    }

    fn collected(cases: Vec<(Id, Vec<ExecutionBrief>)>) -> Collected {
        let mut c = Collected::default();
        for (id, execs) in cases {
            c.first_seen.push(id);
            let mut all = CaseExecutions::new(execs[0].outcome);
            for e in execs {
                all.push(e, 12_000);
            }
            c.cases.insert(id, all);
        }
        c
    }

    fn statuses() -> StatusMap {
        let s = |id, name: &str| Status {
            id,
            name: name.into(),
            label: name.to_uppercase(),
            is_untested: name == "untested",
            ..Default::default()
        };
        let all = [s(1, "passed"), s(3, "untested"), s(5, "failed")];
        StatusMap::resolve(&StatusConfig::default(), &all).unwrap()
    }

    #[test]
    fn worst_execution_wins_and_elapsed_is_summed() {
        let c = collected(vec![(
            107,
            vec![
                brief("qty[1]", Outcome::Passed, 400),
                brief("qty[3]", Outcome::Failed, 700),
                brief("qty[2]", Outcome::Passed, 1),
            ],
        )]);
        let opts = SyncOptions::new(ProjectRef::Id(1));
        let plan = plan_results(&c, &statuses(), &opts, Some(9));
        let r = &plan.results[0];
        assert_eq!(r.status_id, Some(5));
        assert_eq!(r.elapsed.as_deref(), Some("2s"));
        assert_eq!(r.assignedto_id, Some(9));
        let comment = r.comment.as_deref().unwrap();
        assert!(comment.starts_with("3 executions"), "{comment}");
        assert!(comment.contains("- failed: qty[3]"));
        assert!(comment.contains("qty[3] broke\n```\nTraceback"));
        assert_eq!(plan.counts().failed, 1);
    }

    #[test]
    fn batches_close_at_the_count_or_the_byte_budget() {
        let result = |id: Id, comment: usize| NewResult {
            case_id: Some(id),
            status_id: Some(1),
            comment: Some("x".repeat(comment)),
            ..Default::default()
        };
        let small: Vec<NewResult> = (1..=25).map(|i| result(i, 10)).collect();
        let sizes: Vec<usize> = batches(&small, 10, MAX_BATCH_BYTES)
            .iter()
            .map(|r| r.len())
            .collect();
        assert_eq!(sizes, vec![10, 10, 5]);
        let big: Vec<NewResult> = (1..=5).map(|i| result(i, 1000)).collect();
        let sizes: Vec<usize> = batches(&big, 100, 2500).iter().map(|r| r.len()).collect();
        assert_eq!(sizes, vec![2, 2, 1]);
        let huge = vec![result(1, 10_000)];
        assert_eq!(
            batches(&huge, 100, 2500).len(),
            1,
            "an oversized result still goes"
        );
    }

    #[test]
    fn skipped_without_a_skipped_status_is_omitted_and_listed() {
        let c = collected(vec![
            (1, vec![brief("a", Outcome::Skipped, 0)]),
            (2, vec![brief("b", Outcome::Passed, 10)]),
        ]);
        let plan = plan_results(&c, &statuses(), &SyncOptions::new(ProjectRef::Id(1)), None);
        assert_eq!(plan.results.len(), 1);
        assert_eq!(
            plan.results[0].comment, None,
            "a lone pass needs no comment"
        );
        assert_eq!(plan.omitted[0].case_id, 1);
        assert_eq!(plan.case_ids().into_iter().collect::<Vec<_>>(), vec![1, 2]);
        assert_eq!(plan.counts().skipped, 1);
    }

    #[test]
    fn flaky_passes_with_a_note_and_huge_traces_are_trimmed() {
        let mut big = brief("t", Outcome::Failed, 5);
        big.details = Some("x".repeat(50_000));
        let c = collected(vec![
            (1, vec![brief("f", Outcome::Flaky, 5)]),
            (2, vec![big]),
        ]);
        let mut opts = SyncOptions::new(ProjectRef::Id(1));
        opts.comments.max_chars = 1000;
        let plan = plan_results(&c, &statuses(), &opts, None);
        assert_eq!(plan.results[0].status_id, Some(1));
        assert!(
            plan.results[0]
                .comment
                .as_deref()
                .unwrap()
                .contains("Flaky")
        );
        let long = plan.results[1].comment.as_deref().unwrap();
        assert!(long.chars().count() <= 1001 && long.contains("trimmed"));
    }
}
