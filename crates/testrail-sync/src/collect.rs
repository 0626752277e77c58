//! Gathers executions from every report into one entry per case ID, keeping only what a result
//! needs, so memory grows with the number of cases, not with report size.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Serialize;
use testrail_api::models::Id;
use testrail_reports::{CaseIdMatcher, Outcome, TestExecution};

/// What one execution contributes to a result.
#[derive(Debug, Clone, PartialEq)]
pub struct ExecutionBrief {
    pub name: String,
    pub outcome: Outcome,
    pub message: Option<String>,
    pub details: Option<String>,
    pub output: Option<String>,
    pub duration: Option<Duration>,
    pub defects: Vec<String>,
    /// Files the report links to this execution, resolved against the working directory,
    /// then against the report's own directory.
    pub attachments: Vec<PathBuf>,
    /// Where it came from (`file:line:col`), for messages.
    pub location: String,
}

/// A test the report has that carries no case ID.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnmappedTest {
    pub name: String,
    pub outcome: &'static str,
    pub location: String,
}

#[derive(Debug, Default)]
pub struct Collected {
    /// Executions by case ID, in the order each case was first seen.
    pub cases: BTreeMap<Id, Vec<ExecutionBrief>>,
    pub first_seen: Vec<Id>,
    pub unmapped: Vec<UnmappedTest>,
    pub executions: u64,
}

/// The [`testrail_reports::Sink`] the engine hands to every reader.
pub struct Collector<'a> {
    matcher: &'a CaseIdMatcher,
    defects_from: Option<&'a str>,
    include_output: bool,
    pub collected: Collected,
}

impl<'a> Collector<'a> {
    pub fn new(
        matcher: &'a CaseIdMatcher,
        defects_from: Option<&'a str>,
        include_output: bool,
    ) -> Self {
        Collector {
            matcher,
            defects_from,
            include_output,
            collected: Collected::default(),
        }
    }

    pub fn add(&mut self, execution: TestExecution) {
        self.collected.executions += 1;
        let ids = self.matcher.case_ids(&execution);
        if ids.is_empty() {
            self.collected.unmapped.push(UnmappedTest {
                name: execution.full_name(),
                outcome: execution.outcome.as_str(),
                location: execution.location.to_string(),
            });
            return;
        }
        let brief = self.brief(execution);
        for id in ids {
            let entry = self.collected.cases.entry(id).or_default();
            if entry.is_empty() {
                self.collected.first_seen.push(id);
            }
            entry.push(brief.clone());
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
        let report_dir = e.location.file.parent().map(Path::to_path_buf);
        let attachments = e
            .attachments
            .iter()
            .map(|a| resolve_attachment(a, report_dir.as_deref()))
            .collect();
        ExecutionBrief {
            attachments,
            location: e.location.to_string(),
            name: e.full_name(),
            outcome: e.outcome,
            message: e.message,
            details: e.details,
            output,
            duration: e.duration,
            defects,
        }
    }
}

impl testrail_reports::Sink for Collector<'_> {
    fn execution(&mut self, execution: TestExecution) {
        self.add(execution);
    }
}

/// Reports write attachment paths relative to where the tests ran (usually where we run too) or
/// to the report itself; an absolute path is taken as it is.
fn resolve_attachment(written: &str, report_dir: Option<&Path>) -> PathBuf {
    let path = PathBuf::from(written.trim());
    if path.is_absolute() || path.exists() {
        return path;
    }
    match report_dir.map(|d| d.join(&path)) {
        Some(beside_report) if beside_report.exists() => beside_report,
        _ => path,
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
