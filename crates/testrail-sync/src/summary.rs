//! What a sync did, for people (the CLI renders it) and scripts (`--format json`).

use serde::Serialize;
use testrail_api::models::{Case, Id};

use crate::collect::{MultiIdTest, UnmappedTest};
use crate::new_cases::CreatedCase;
use crate::results::{OmittedCase, OutcomeCounts};

/// What one sync did: the run, what was posted, what was left out and why. Serialized as the
/// `--format json` output, so its fields are part of the CLI's interface. Every list is
/// serialised even when empty: scripts read `planned_calls`, `checks`, `created_cases`, …
/// without testing whether the key exists.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    /// The run results went to, once known (a dry run that would create one has none).
    pub run_id: Option<Id>,
    /// Web address of that run in TestRail.
    pub run_url: Option<String>,
    /// Name of that run.
    pub run_name: Option<String>,
    /// True when this sync created the run (false: reused, found by key, or resumed).
    pub created_run: bool,
    /// Results accepted by TestRail in this invocation (including ones confirmed after an
    /// ambiguous outcome).
    pub posted: u64,
    /// Cases by the outcome that won aggregation (flattened into the JSON object).
    #[serde(flatten)]
    pub counts: OutcomeCounts,
    /// Test executions read from all reports.
    pub executions: u64,
    /// Cases that got no result because their outcome maps to "omit" (they stay Untested).
    pub not_posted: Vec<OmittedCase>,
    /// Names of the tests without any case ID (the first 1000; `unmapped_count` counts all).
    pub unmapped: Vec<String>,
    /// The same tests with their outcome and `file:line:col` in the report.
    pub unmapped_tests: Vec<UnmappedTest>,
    /// All tests without any case ID.
    pub unmapped_count: u64,
    /// Tests that map to several case IDs (each case gets the result): listed so that an ID
    /// read where none was meant is seen (the first 1000; `multi_id_count` counts all).
    pub multi_id_tests: Vec<MultiIdTest>,
    /// All tests that map to several case IDs.
    pub multi_id_count: u64,
    /// Case IDs the report names but the suite does not have: left out so TestRail cannot
    /// reject a batch over them.
    pub unknown_case_ids: Vec<Id>,
    /// HTTP requests sent to TestRail, retries included.
    pub api_calls: u64,
    /// Result batches sent (`add_results_for_cases` calls; the client's own retries not counted).
    pub batches: u64,
    /// Batches whose fate was unknown (timeout, dropped connection) and were checked by reading.
    pub ambiguous_batches_resolved: u64,
    /// Reads made to resolve them (filtered result pages; the run's tests when lost writes
    /// looked alike).
    pub resolving_reads: u64,
    /// Results whose comment was cut because the server refused them alone as too large (413).
    pub comments_cut: u64,
    /// True when this run resumed an interrupted sync from the journal.
    pub resumed: bool,
    /// True when the run (or its plan) was closed after posting.
    pub closed: bool,
    /// Sections `--create-cases` created (paths, parts joined with `/`), parents first.
    pub created_sections: Vec<String>,
    /// Cases `--create-cases` created; their results were posted in this sync.
    pub created_cases: Vec<CreatedCase>,
    /// The same cases as TestRail answered (for the local case index).
    #[serde(skip)]
    pub created_case_records: Vec<Case>,
    /// Files uploaded to results.
    pub attachments_uploaded: u64,
    /// Files the reports linked that were not uploaded, and why: missing, outside the
    /// workspace, a system or credential file, too large, or refused by the server (the first
    /// 1000; all are counted in `attachments_skipped_count`).
    pub attachments_skipped: Vec<crate::workspace::SkippedAttachment>,
    /// All attachment files not uploaded.
    pub attachments_skipped_count: u64,
    /// Things that did not stop the sync but deserve a look (missing attachment files, …).
    pub warnings: Vec<String>,
    /// True for `--dry-run`: nothing was written to TestRail.
    pub dry_run: bool,
    /// With `--dry-run`: the writes that would have been made.
    pub planned_calls: Vec<String>,
    /// With `--dry-run`: what the checks before the first write found, e.g. the custom field
    /// values every result would carry (`result field custom_environment = 2 ("production")
    /// on every result`). Not calls, so kept apart from `planned_calls`.
    pub checks: Vec<String>,
    /// Wall time of the whole sync, in milliseconds.
    pub elapsed_ms: u64,
}

/// Receives progress while results are posted (the CLI draws a bar on a terminal).
pub trait Progress: Send + Sync {
    /// Called once before the first batch with the number of results to post.
    fn start(&self, _total_results: u64) {}
    /// Called after each acknowledged batch with the number of results it carried.
    fn advance(&self, _results: u64) {}
    /// Called once after every batch was posted (not when posting failed).
    fn finish(&self) {}
}

/// No progress display.
pub struct Quiet;
impl Progress for Quiet {}
