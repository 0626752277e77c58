//! Gathers executions from every report into one entry per case ID, keeping only what a result
//! needs: counts and sums for every execution, full text only for as many as a comment can
//! show. Memory grows with the number of cases, not with report size or executions per case.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Serialize;
use testrail_api::models::Id;
use testrail_reports::{CaseIdMatcher, Outcome, TestExecution};

use crate::options::SyncOptions;

/// What one execution contributes to a result.
#[derive(Debug, Clone, PartialEq)]
pub struct ExecutionBrief {
    /// The test's full name (classname and name), as comments show it.
    pub name: String,
    /// What the report says happened.
    pub outcome: Outcome,
    /// Short failure/skip message from the report.
    pub message: Option<String>,
    /// Stack trace or failure body, possibly trimmed to the comment budget.
    pub details: Option<String>,
    /// The test's stdout and stderr joined, only when comments include output.
    pub output: Option<String>,
    /// Wall time of this execution, if the report has it.
    pub duration: Option<Duration>,
    /// Defect IDs from the `--defects-from` property (sent as TestRail `defects`).
    pub defects: Vec<String>,
    /// Files the report links to this execution, resolved against the working directory,
    /// then against the report's own directory.
    pub attachments: Vec<PathBuf>,
    /// Where it came from (`file:line:col`), for messages.
    pub location: String,
    /// Result field → value of the report property mapped to it (`--result-field-from-property`).
    pub field_values: BTreeMap<String, String>,
}

/// A test the report has that carries no case ID.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnmappedTest {
    /// The test's full name.
    pub name: String,
    /// Its outcome's name (`passed`, `failed`, …).
    pub outcome: &'static str,
    /// Where the report has it, `file:line:col`.
    pub location: String,
    /// Why an ID that looks present was not used (one in a class name, `TestC109Profile`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub why: Option<String>,
}

/// A test whose name (or properties, tags) gave several case IDs: each gets the result, which
/// is right for `test_C1_C2_both` and a surprise for `lookup by SKU C3`, so the summary lists it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MultiIdTest {
    /// The test's full name.
    pub name: String,
    /// Every case ID found for it, each of which gets the result.
    pub case_ids: Vec<Id>,
    /// Where the report has it, `file:line:col`.
    pub location: String,
}

/// Unmapped tests listed by name; beyond this only their number is kept (a report of a million
/// tests without IDs must not turn into a million-line summary).
pub const UNMAPPED_LISTED: usize = 1000;
/// Executions of one case listed in its comment; beyond this they are counted. A count and the
/// summed time say as much as fifty "- passed: name" lines, and a million executions over ten
/// thousand cases must fit in memory.
pub const EXECUTIONS_LISTED: usize = 20;

/// Worse outcomes win when several executions hit one case: failed > error > flaky > passed >
/// skipped.
pub fn severity(outcome: Outcome) -> u8 {
    match outcome {
        Outcome::Failed => 5,
        Outcome::Error => 4,
        Outcome::Flaky => 3,
        Outcome::Passed => 2,
        Outcome::Skipped => 1,
    }
}

/// Everything one case gets from all its executions.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseExecutions {
    /// Executions seen.
    pub count: u64,
    /// The outcome that wins aggregation.
    pub worst: Outcome,
    /// Sum over every execution.
    pub duration: Duration,
    /// The first executions in full, as many as the comment can hold (failures first in line
    /// for the text budget).
    pub kept: Vec<ExecutionBrief>,
    /// Defect IDs of every execution, each once (sent as TestRail `defects`).
    pub defects: Vec<String>,
    /// Files to upload to the case's result, each once.
    pub attachments: Vec<PathBuf>,
    /// Per-test result field values; the first execution carrying a field's property wins.
    pub field_values: BTreeMap<String, String>,
    kept_chars: usize,
}

impl CaseExecutions {
    /// An empty aggregate; the first execution's outcome is where the worst starts.
    pub(crate) fn new(first: Outcome) -> Self {
        CaseExecutions {
            count: 0,
            worst: first,
            duration: Duration::ZERO,
            kept: Vec::new(),
            defects: Vec::new(),
            attachments: Vec::new(),
            field_values: BTreeMap::new(),
            kept_chars: 0,
        }
    }

    /// Adds one execution; `budget` is the comment's size limit.
    pub fn push(&mut self, mut brief: ExecutionBrief, budget: usize) {
        self.count += 1;
        if severity(brief.outcome) > severity(self.worst) {
            self.worst = brief.outcome;
        }
        self.duration += brief.duration.unwrap_or_default();
        merge(&mut self.defects, std::mem::take(&mut brief.defects));
        merge(
            &mut self.attachments,
            std::mem::take(&mut brief.attachments),
        );
        for (field, value) in std::mem::take(&mut brief.field_values) {
            self.field_values.entry(field).or_insert(value);
        }
        let problem = brief.outcome != Outcome::Passed;
        let size = brief.text_len();
        let first_problem = problem && !self.kept.iter().any(|k| k.outcome != Outcome::Passed);
        let fits = self.kept.len() < EXECUTIONS_LISTED && self.kept_chars + size <= budget;
        if fits || first_problem {
            // The first failure is always kept, trimmed, so the comment says what broke.
            if !fits {
                brief.shrink_to(budget / 2);
            }
            self.kept_chars += brief.text_len();
            self.kept.push(brief);
        } else if self.kept.len() < EXECUTIONS_LISTED {
            // Still listed by name, without its text.
            brief.message = None;
            brief.details = None;
            brief.output = None;
            self.kept_chars += brief.text_len();
            self.kept.push(brief);
        }
    }

    /// Executions counted but not listed.
    pub fn not_listed(&self) -> u64 {
        self.count - self.kept.len() as u64
    }
}

fn merge<T: Ord + Clone>(into: &mut Vec<T>, items: Vec<T>) {
    let seen: BTreeSet<T> = into.iter().cloned().collect();
    for item in items {
        if !seen.contains(&item) && !into.contains(&item) {
            into.push(item);
        }
    }
}

impl ExecutionBrief {
    fn text_len(&self) -> usize {
        self.name.len()
            + [&self.message, &self.details, &self.output]
                .iter()
                .map(|t| t.as_ref().map_or(0, String::len))
                .sum::<usize>()
    }

    fn shrink_to(&mut self, max_chars: usize) {
        for text in [&mut self.message, &mut self.details, &mut self.output]
            .into_iter()
            .flatten()
        {
            *text = crate::text::trim_middle(text, max_chars / 3);
        }
    }
}

/// What the reports gave, grouped by case, plus the tests that map to no case or several.
#[derive(Debug, Default)]
pub struct Collected {
    /// Executions by case ID.
    pub cases: BTreeMap<Id, CaseExecutions>,
    /// Case IDs in the order each was first seen in the reports.
    pub first_seen: Vec<Id>,
    /// The first [`UNMAPPED_LISTED`] tests without a case ID.
    pub unmapped: Vec<UnmappedTest>,
    /// All tests without a case ID.
    pub unmapped_count: u64,
    /// The first [`UNMAPPED_LISTED`] tests that map to more than one case.
    pub multi_id: Vec<MultiIdTest>,
    /// All tests that map to more than one case.
    pub multi_id_count: u64,
    /// Executions read, mapped or not.
    pub executions: u64,
    /// The first [`UNMAPPED_LISTED`] attachment files refused or missing, and why.
    pub attachments_skipped: Vec<crate::workspace::SkippedAttachment>,
    /// All attachment files refused or missing.
    pub attachments_skipped_count: u64,
}

/// The [`testrail_reports::Sink`] the engine hands to every reader.
pub struct Collector<'a> {
    matcher: &'a CaseIdMatcher,
    defects_from: Option<&'a str>,
    include_output: bool,
    comment_budget: usize,
    /// Result field → report property giving its value per test.
    field_properties: &'a BTreeMap<String, String>,
    /// Where attachments may come from; `None` when attachments are off.
    attachment_roots: Option<&'a crate::workspace::AttachmentRoots>,
    /// What has been collected so far; taken by the engine once every report is read.
    pub collected: Collected,
}

impl<'a> Collector<'a> {
    /// The one way executions become cases: `matcher` finds the IDs, and the options say which
    /// property holds defects, whether output goes into comments and how long comments get.
    pub fn new(matcher: &'a CaseIdMatcher, options: &'a SyncOptions) -> Self {
        Collector {
            matcher,
            defects_from: options.defects_from.as_deref(),
            include_output: options.comments.include_output,
            comment_budget: options.comments.max_chars,
            field_properties: &options.result_field_properties,
            attachment_roots: options.attachments.then_some(&options.attachment_roots),
            collected: Collected::default(),
        }
    }

    /// Keeps per case only as much text as a comment of `max_chars` can show.
    #[cfg(test)]
    fn with_comment_budget(mut self, max_chars: usize) -> Self {
        self.comment_budget = max_chars;
        self
    }

    /// Files one execution under each case ID found for it, or under the unmapped tests.
    pub fn add(&mut self, mut execution: TestExecution) {
        self.collected.executions += 1;
        let ids = self.matcher.case_ids(&execution);
        if ids.is_empty() && execution.carried_by_parent {
            // A TAP point inside a subtest: its parent's own point carries it.
            return;
        }
        if ids.len() > 1 {
            self.collected.multi_id_count += 1;
            if self.collected.multi_id.len() < UNMAPPED_LISTED {
                self.collected.multi_id.push(MultiIdTest {
                    name: execution.full_name(),
                    case_ids: ids.clone(),
                    location: execution.location.to_string(),
                });
            }
        }
        if ids.is_empty() {
            self.collected.unmapped_count += 1;
            if self.collected.unmapped.len() < UNMAPPED_LISTED {
                self.collected.unmapped.push(UnmappedTest {
                    why: self.matcher.why_unmapped(&execution),
                    name: execution.full_name(),
                    outcome: execution.outcome.as_str(),
                    location: execution.location.to_string(),
                });
            }
            return;
        }
        let linked = std::mem::take(&mut execution.attachments);
        let report_dir = execution.location.file.parent().map(Path::to_path_buf);
        let granted = self.admit_attachments(&linked, report_dir.as_deref(), &ids);
        let mut brief = self.brief(execution);
        brief.attachments = granted;
        for id in ids {
            let collected = &mut self.collected;
            let entry = collected.cases.entry(id).or_insert_with(|| {
                collected.first_seen.push(id);
                CaseExecutions::new(brief.outcome)
            });
            entry.push(brief.clone(), self.comment_budget);
        }
    }

    /// The attachments of a mapped execution that may be uploaded; the others are listed with
    /// the reason, under each case they would have gone to.
    fn admit_attachments(
        &mut self,
        linked: &[String],
        report_dir: Option<&Path>,
        ids: &[Id],
    ) -> Vec<PathBuf> {
        let Some(roots) = self.attachment_roots else {
            return Vec::new();
        };
        let mut granted = Vec::new();
        for written in linked {
            match roots.admit(written, report_dir) {
                Ok(path) => granted.push(path),
                Err(why) => {
                    for &case_id in ids {
                        self.skip_attachment(case_id, written, &why);
                    }
                }
            }
        }
        granted
    }

    fn skip_attachment(&mut self, case_id: Id, written: &str, why: &crate::workspace::Refusal) {
        let collected = &mut self.collected;
        collected.attachments_skipped_count += 1;
        if collected.attachments_skipped.len() < UNMAPPED_LISTED {
            collected
                .attachments_skipped
                .push(crate::workspace::SkippedAttachment {
                    case_id,
                    path: crate::workspace::printable(written),
                    kind: why.kind(),
                    reason: why.to_string(),
                });
        }
    }

    fn brief(&self, e: TestExecution) -> ExecutionBrief {
        let defects = self
            .defects_from
            .map(|p| split_list(e.property(p)))
            .unwrap_or_default();
        let output = if self.include_output {
            join_output(e.stdout.as_deref(), e.stderr.as_deref())
        } else {
            None
        };
        let field_values = self
            .field_properties
            .iter()
            .filter_map(|(field, property)| {
                let value = e.property(property).next()?.trim();
                (!value.is_empty()).then(|| (field.clone(), value.to_owned()))
            })
            .collect();
        ExecutionBrief {
            // Filled by `add` with the files the workspace grants.
            attachments: Vec::new(),
            location: e.location.to_string(),
            name: e.full_name(),
            outcome: e.outcome,
            message: e.message,
            details: e.details,
            output,
            duration: e.duration,
            defects,
            field_values,
        }
    }
}

impl testrail_reports::Sink for Collector<'_> {
    fn execution(&mut self, execution: TestExecution) {
        self.add(execution);
    }
}

fn split_list<'s>(values: impl Iterator<Item = &'s str>) -> Vec<String> {
    values
        .flat_map(|v| v.split([',', ' ']))
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

fn join_output(stdout: Option<&str>, stderr: Option<&str>) -> Option<String> {
    let parts: Vec<String> = [("stdout", stdout), ("stderr", stderr)]
        .into_iter()
        .filter_map(|(label, text)| {
            text.filter(|t| !t.trim().is_empty())
                .map(|t| format!("{label}:\n{}", t.trim_end()))
        })
        .collect();
    (!parts.is_empty()).then(|| parts.join("\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn execution(name: &str, outcome: Outcome, text: usize) -> TestExecution {
        let mut e = TestExecution::new(name, outcome);
        e.message = Some("m".repeat(text));
        e.details = Some("d".repeat(text));
        e.duration = Some(Duration::from_millis(10));
        e
    }

    #[test]
    fn many_executions_of_one_case_keep_counts_but_bounded_text() {
        let matcher = CaseIdMatcher::default();
        let options = SyncOptions::new(crate::options::ProjectRef::Id(1));
        let mut collector = Collector::new(&matcher, &options).with_comment_budget(2_000);
        for i in 0..5_000 {
            collector.add(execution(&format!("test_C7[{i}]"), Outcome::Passed, 500));
        }
        collector.add(execution("test_C7[last]", Outcome::Failed, 50_000));
        let case = &collector.collected.cases[&7];
        assert_eq!(case.count, 5_001);
        assert_eq!(case.worst, Outcome::Failed);
        assert_eq!(case.duration, Duration::from_millis(10 * 5_001));
        assert!(case.kept.len() <= EXECUTIONS_LISTED + 1);
        let failure = case.kept.iter().find(|k| k.outcome == Outcome::Failed);
        let failure = failure.expect("the failure is kept even past the budget");
        assert!(
            failure.text_len() < 2_000,
            "and trimmed: {}",
            failure.text_len()
        );
        let text: usize = case.kept.iter().map(ExecutionBrief::text_len).sum();
        assert!(text < 4_000, "{text}");
    }

    #[test]
    fn unmapped_tests_are_all_counted_and_the_first_listed() {
        let matcher = CaseIdMatcher::default();
        let options = SyncOptions::new(crate::options::ProjectRef::Id(1));
        let mut collector = Collector::new(&matcher, &options);
        for i in 0..(UNMAPPED_LISTED + 500) {
            collector.add(TestExecution::new(format!("no id {i}"), Outcome::Passed));
        }
        assert_eq!(
            collector.collected.unmapped_count,
            UNMAPPED_LISTED as u64 + 500
        );
        assert_eq!(collector.collected.unmapped.len(), UNMAPPED_LISTED);
    }
}
