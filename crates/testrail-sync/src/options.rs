//! Everything a sync needs to know besides the reports, already layered and validated by the
//! caller (config file < environment < flags).

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::Value;
use testrail_api::models::Id;

use crate::ci::CiInfo;

/// Which project: by ID, or by exact name (one `get_projects` listing).
#[derive(Debug, Clone, PartialEq)]
pub enum ProjectRef {
    /// Project ID (TestRail `project_id`).
    Id(Id),
    /// Exact project name, compared as TestRail spells it.
    Name(String),
}

/// Which suite; `None` in [`SyncOptions`] means "the project's only suite" (single-suite mode).
#[derive(Debug, Clone, PartialEq)]
pub enum SuiteRef {
    /// Suite ID (the number of `S3`).
    Id(Id),
    /// Exact suite name within the project.
    Name(String),
}

/// Where results go.
#[derive(Debug, Clone, PartialEq)]
pub enum RunTarget {
    /// A new run named from this template (`{project} {suite} {branch} {build} {commit} {date}
    /// {time}`).
    New {
        /// Run name with placeholders, expanded once per sync.
        name_template: String,
    },
    /// An existing open run; missing cases are added to it first.
    Existing(Id),
    /// Find the open run carrying this key (created on first use): shards and reruns share it.
    Key {
        /// The key, written into the run's description (`testrail-sync key: KEY`) so later syncs
        /// find the run.
        key: String,
        /// Name of the run if this sync creates it (same placeholders as [`RunTarget::New`]).
        name_template: String,
    },
    /// A run inside a test plan: the plan's entry for our suite and this configuration
    /// combination is reused, or created (`add_plan_entry` / `add_run_to_plan_entry`).
    Plan {
        /// The plan, by ID or name.
        plan: PlanRef,
        /// One combination of configuration IDs (e.g. Chrome + Linux); empty = no configurations.
        config_ids: Vec<Id>,
        /// Name template for a new entry's run (same placeholders as [`RunTarget::New`]).
        name_template: String,
    },
}

/// Which test plan: by ID, or by name (an open plan of that name is found or created).
#[derive(Debug, Clone, PartialEq)]
pub enum PlanRef {
    /// Plan ID (TestRail `plan_id`).
    Id(Id),
    /// Exact plan name; an open plan of that name is used, or created.
    Name(String),
}

/// When to close the run after posting.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum ClosePolicy {
    /// Leave the run open (the default): later shards and reruns can still post to it.
    #[default]
    Never,
    /// Close the run once every result is posted; a closed run accepts no more results.
    Always,
    /// Close only when the CI branch is one of these (e.g. `main`).
    OnBranches(Vec<String>),
}

/// What a report outcome becomes in TestRail: a status (by name or label) or nothing.
#[derive(Debug, Clone, PartialEq)]
pub enum StatusChoice {
    /// The status with this system name or label (compared case-insensitively).
    Status(String),
    /// Post no result; the case stays Untested and is listed in the summary.
    Omit,
    /// Skipped only: a status named/labelled "skipped" if the instance has one, else omit.
    Auto,
}

/// Which status each report outcome is posted as.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusConfig {
    /// Status for passed tests (default `passed`).
    pub passed: StatusChoice,
    /// Status for failed tests (default `failed`).
    pub failed: StatusChoice,
    /// Status for tests that errored (default `failed`).
    pub error: StatusChoice,
    /// Status for tests that passed on a rerun (default `passed`).
    pub flaky: StatusChoice,
    /// Status for skipped tests (default [`StatusChoice::Auto`]).
    pub skipped: StatusChoice,
}

impl Default for StatusConfig {
    fn default() -> Self {
        StatusConfig {
            passed: StatusChoice::Status("passed".into()),
            failed: StatusChoice::Status("failed".into()),
            error: StatusChoice::Status("failed".into()),
            flaky: StatusChoice::Status("passed".into()),
            skipped: StatusChoice::Auto,
        }
    }
}

/// How result comments are written.
#[derive(Debug, Clone, PartialEq)]
pub struct CommentOptions {
    /// Longest comment sent; longer ones are trimmed from the middle with a marker.
    pub max_chars: usize,
    /// Append the test's stdout/stderr (trimmed) to failure comments.
    pub include_output: bool,
}

impl Default for CommentOptions {
    fn default() -> Self {
        CommentOptions {
            max_chars: 12_000,
            include_output: false,
        }
    }
}

/// Everything a sync needs besides the reports; build with [`SyncOptions::new`] and set fields.
#[derive(Debug, Clone, PartialEq)]
pub struct SyncOptions {
    /// The project to write to.
    pub project: ProjectRef,
    /// The suite to match and create cases in; `None` for the project's only suite.
    pub suite: Option<SuiteRef>,
    /// The run results go to.
    pub run: RunTarget,
    /// Milestone a new run or plan is linked to.
    pub milestone_id: Option<Id>,
    /// Whether to close the run after posting.
    pub close: ClosePolicy,
    /// Which status each outcome is posted as.
    pub statuses: StatusConfig,
    /// How result comments are written.
    pub comments: CommentOptions,
    /// `--version`, else `BUILD_VERSION`, else the CI commit.
    pub version: Option<String>,
    /// Property whose values become the result's `defects`.
    pub defects_from: Option<String>,
    /// Email of the user failed results are assigned to (looked up once; sent as `assignedto_id`).
    pub assign_failures_to: Option<String>,
    /// `custom_*` (or any) result fields added to every result.
    pub result_fields: BTreeMap<String, Value>,
    /// Result field → report property whose value it takes per test (overrides
    /// `result_fields` for tests that carry the property).
    pub result_field_properties: BTreeMap<String, String>,
    /// Results per `add_results_for_cases` call (default [`DEFAULT_BATCH_SIZE`]).
    pub batch_size: usize,
    /// `batch_size` was chosen by the user (flag or config): writes start at it. Otherwise
    /// the first write to an unknown server is small and sizes grow with its measured speed.
    /// Either way writes shrink after a timeout or a 413.
    pub batch_size_chosen: bool,
    /// Batches in flight at once (the client's pacer still bounds the rate).
    pub concurrency: usize,
    /// Read, match and decide everything, then write nothing to TestRail.
    pub dry_run: bool,
    /// What the CI system says about this build (run names, comments, close policy).
    pub ci: CiInfo,
    /// Where the journal lives (`None` = no journal).
    pub journal_dir: Option<PathBuf>,
    /// Report files, for the run description and the journal key.
    pub report_files: Vec<PathBuf>,
    /// Upload files the reports link to each test (screenshots, logs) to its result.
    pub attachments: bool,
    /// Larger attachments are skipped with a warning (TestRail's limit is 256 MB).
    pub max_attachment_bytes: u64,
    /// Where attachment files may come from (a report naming anything else gets a warning).
    pub attachment_roots: crate::workspace::AttachmentRoots,
    /// Set from outside (a signal handler) to stop before the next write.
    pub stop: StopFlag,
}

/// A request to stop (SIGINT, SIGTERM): the sync starts no write after it, lets the ones in
/// flight finish, and ends with [`crate::SyncError::Interrupted`]. Clones share the flag.
#[derive(Debug, Clone, Default)]
pub struct StopFlag(std::sync::Arc<std::sync::Mutex<Option<(crate::Exit, &'static str)>>>);

/// Options compare by what they ask for; two flags are alike whether or not one was raised.
impl PartialEq for StopFlag {
    fn eq(&self, _other: &Self) -> bool {
        true
    }
}

impl StopFlag {
    /// Asks the sync to stop, ending with `exit` and naming `signal` (`SIGTERM`).
    pub fn stop(&self, exit: crate::Exit, signal: &'static str) {
        let mut reason = self.0.lock().expect("stop lock");
        reason.get_or_insert((exit, signal));
    }

    /// The stop asked for, if any.
    pub fn requested(&self) -> Option<(crate::Exit, &'static str)> {
        *self.0.lock().expect("stop lock")
    }

    /// `Err(Interrupted)` once a stop was asked for, with what was posted by then.
    pub fn check(
        &self,
        posted: u64,
        total: u64,
        run_id: Option<testrail_api::models::Id>,
    ) -> Result<(), crate::SyncError> {
        match self.requested() {
            Some((exit, signal)) => Err(crate::SyncError::Interrupted {
                exit,
                signal,
                posted,
                total,
                run_id,
            }),
            None => Ok(()),
        }
    }
}

impl SyncOptions {
    /// Options with the defaults: a new run per sync, never closed, statuses by name.
    pub fn new(project: ProjectRef) -> Self {
        SyncOptions {
            project,
            suite: None,
            run: RunTarget::New {
                name_template: DEFAULT_RUN_NAME.into(),
            },
            milestone_id: None,
            close: ClosePolicy::Never,
            statuses: StatusConfig::default(),
            comments: CommentOptions::default(),
            version: None,
            defects_from: None,
            assign_failures_to: None,
            result_fields: BTreeMap::new(),
            result_field_properties: BTreeMap::new(),
            batch_size: DEFAULT_BATCH_SIZE,
            batch_size_chosen: false,
            concurrency: DEFAULT_CONCURRENCY,
            dry_run: false,
            ci: CiInfo::default(),
            journal_dir: None,
            report_files: Vec::new(),
            attachments: true,
            max_attachment_bytes: DEFAULT_MAX_ATTACHMENT_BYTES,
            attachment_roots: crate::workspace::AttachmentRoots::workspace(|_| None),
            stop: StopFlag::default(),
        }
    }

    /// Whether the close policy says to close, given the CI branch.
    pub fn should_close(&self) -> bool {
        match &self.close {
            ClosePolicy::Never => false,
            ClosePolicy::Always => true,
            ClosePolicy::OnBranches(branches) => self
                .ci
                .branch
                .as_deref()
                .is_some_and(|b| branches.iter().any(|x| x == b)),
        }
    }
}

/// Run name used when none is given: `{suite} {branch} #{build} {date} {time}`.
pub const DEFAULT_RUN_NAME: &str = "{suite} {branch} #{build} {date} {time}";
/// Results per `add_results_for_cases` call. TestRail takes large bodies; fewer calls leave
/// more of the instance-wide rate limit to everyone else (see docs/PERFORMANCE.md).
pub const DEFAULT_BATCH_SIZE: usize = 2000;
/// Batches in flight at once by default.
pub const DEFAULT_CONCURRENCY: usize = 4;
/// Largest attachment uploaded by default, in bytes: TestRail's own limit of 256 MB.
pub const DEFAULT_MAX_ATTACHMENT_BYTES: u64 = 256 * 1024 * 1024;
