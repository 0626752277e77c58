//! Reading reports into one [`Collected`]: every report through the one [`Collector`], with the
//! case IDs the matcher finds, and — with `match_by_title` — the ID of the suite's case whose
//! title is the test's name for tests that carry none. Nothing is written; a report that fails
//! to read stops the sync before anything is sent.
//!
//! Concurrency: the readers push executions into the collector from this thread (the reports
//! crate may parse on a helper thread; see its `read`).
//!
//! Extension point: [`ReportInput`] is where new ways of mapping tests to cases go (a case
//! matcher mode, a case index): they run here, before the engine plans any write.

use std::collections::HashMap;
use std::path::PathBuf;

use testrail_api::Client;
use testrail_api::models::{Case, Id};
use testrail_reports::{CaseIdMatcher, Format, ReadOptions, TestExecution};

use crate::collect::{Collected, Collector};
use crate::error::SyncError;
use crate::options::SyncOptions;
use crate::target::resolve_target;

/// How reports are read and their tests mapped to cases.
#[derive(Debug, Clone, Default)]
pub struct ReportInput {
    /// Report files, already expanded and checked by the caller.
    pub files: Vec<PathBuf>,
    /// `None`: sniffed per file.
    pub format: Option<Format>,
    /// Finds case IDs in names, properties and tags.
    pub matcher: CaseIdMatcher,
    /// Tests without an ID get the ID of the suite's case titled like them (one `get_cases`
    /// listing, only when some test lacks an ID).
    pub match_by_title: bool,
}

/// Reads every report of `input` into one [`Collected`].
pub async fn read_reports(
    client: &Client,
    input: &ReportInput,
    options: &SyncOptions,
) -> Result<Collected, SyncError> {
    if !input.match_by_title {
        return collect_reports(input, options);
    }
    let mut collector = Collector::new(&input.matcher, options);
    let mut held: Vec<TestExecution> = Vec::new();
    {
        let mut sink = |e: TestExecution| {
            // A TAP point inside a subtest is carried by its parent's point, never by a title.
            if input.matcher.case_ids(&e).is_empty() && !e.carried_by_parent {
                held.push(e);
            } else {
                collector.add(e);
            }
        };
        read_each(input, &mut sink)?;
    }
    if !held.is_empty() {
        let target = resolve_target(client, &options.project, options.suite.as_ref()).await?;
        let cases = client
            .get_cases(target.project_id, Some(target.suite_id))
            .await
            .map_err(|e| SyncError::api("reading the suite's cases (get_cases)", e))?;
        let title_map = titles(&cases);
        for mut e in held {
            // Readers fill `tagged_case_ids` with IDs the report carries structurally; every
            // matcher honours them, so this is the hook that needs no matcher change.
            if let Some(id) = by_title(&title_map, &e.name, &e.full_name()) {
                e.tagged_case_ids.push(id);
            }
            collector.add(e);
        }
    }
    Ok(collector.collected)
}

/// Reads every report of `input` by the IDs they carry (no title matching, no I/O but files).
pub fn collect_reports(input: &ReportInput, options: &SyncOptions) -> Result<Collected, SyncError> {
    let mut collector = Collector::new(&input.matcher, options);
    read_each(input, &mut collector)?;
    Ok(collector.collected)
}

/// Reads every report of `input` into any sink (`cases check` lists tests instead of collecting).
pub fn read_each(
    input: &ReportInput,
    sink: &mut impl testrail_reports::Sink,
) -> Result<(), SyncError> {
    for path in &input.files {
        testrail_reports::read_path(path, input.format, &ReadOptions::default(), sink)?;
    }
    Ok(())
}

/// Exact title → case ID; titles several cases share are left out (which one would be a guess).
pub fn titles(cases: &[Case]) -> HashMap<String, Id> {
    let mut count: HashMap<&str, usize> = HashMap::new();
    for c in cases {
        *count.entry(c.title.trim()).or_default() += 1;
    }
    cases
        .iter()
        .filter(|c| count[c.title.trim()] == 1)
        .map(|c| (c.title.trim().to_owned(), c.id))
        .collect()
}

/// The case for a test by title: the bare name first, then the name with its class.
pub fn by_title(titles: &HashMap<String, Id>, name: &str, full: &str) -> Option<Id> {
    titles
        .get(name.trim())
        .or_else(|| titles.get(full.trim()))
        .copied()
}
