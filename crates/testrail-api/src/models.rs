//! Typed TestRail API v2 objects, shared by the client and the emulator so the two cannot drift.
//!
//! Response types are lenient (`#[serde(default)]`, unknown fields kept in `extra`) because
//! TestRail versions and instance settings add fields; request types skip unset fields so a body
//! carries only what the caller meant to send.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// TestRail IDs are positive integers (plan entry and newer attachment IDs are strings).
pub type Id = u64;

/// Fields TestRail added that we do not model, plus the `custom_*` fields of cases, tests and
/// results. Kept so nothing is lost on a read-modify-write and so custom fields round-trip.
pub type Extra = BTreeMap<String, Value>;

fn is_false(b: &bool) -> bool {
    !*b
}

/// A TestRail project (`get_project`, `get_projects`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Project {
    /// Project ID (TestRail `id`).
    pub id: Id,
    /// Project name as shown in TestRail.
    pub name: String,
    /// Text shown on the project's overview page, if any.
    pub announcement: Option<String>,
    /// Whether `announcement` is shown on the overview page.
    pub show_announcement: bool,
    /// Whether the project is archived as completed (most writes are refused then).
    pub is_completed: bool,
    /// When the project was completed, as a UNIX timestamp in seconds.
    pub completed_on: Option<i64>,
    /// 1 = single suite, 2 = single suite + baselines, 3 = multiple suites.
    pub suite_mode: u8,
    /// Web address of the project in TestRail's UI.
    pub url: String,
    /// Fields this model does not name, kept verbatim.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A test suite: the repository of cases of a project (`get_suite`, `get_suites`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Suite {
    /// Suite ID (TestRail `id`).
    pub id: Id,
    /// Suite name as shown in TestRail.
    pub name: String,
    /// Free-text description, if any.
    pub description: Option<String>,
    /// Project the suite belongs to (TestRail `project_id`).
    pub project_id: Id,
    /// Whether this is the master suite of a project in baseline mode (`suite_mode` 2).
    pub is_master: bool,
    /// Whether this suite is a baseline copied from the master.
    pub is_baseline: bool,
    /// Whether the suite is completed (baselines only).
    pub is_completed: bool,
    /// When the suite was completed, as a UNIX timestamp in seconds.
    pub completed_on: Option<i64>,
    /// Web address of the suite in TestRail's UI.
    pub url: String,
    /// Fields this model does not name, kept verbatim.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A section (folder) of a suite; sections nest through `parent_id`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Section {
    /// Section ID (TestRail `id`).
    pub id: Id,
    /// Suite the section belongs to (TestRail `suite_id`).
    pub suite_id: Id,
    /// Section name; not unique, even among siblings.
    pub name: String,
    /// Free-text description, if any.
    pub description: Option<String>,
    /// Enclosing section, `None` at the top level of the suite (TestRail `parent_id`).
    pub parent_id: Option<Id>,
    /// Position among its siblings (TestRail `display_order`).
    pub display_order: u32,
    /// Nesting level: 0 for a top-level section (TestRail `depth`).
    pub depth: u32,
    /// Fields this model does not name, kept verbatim.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A test case as `get_case`/`get_cases`/`add_case` return it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Case {
    /// Case ID: the number written `C123` in the UI and in test names.
    pub id: Id,
    /// Case title (TestRail `title`).
    pub title: String,
    /// Section the case belongs to (TestRail `section_id`).
    pub section_id: Id,
    /// Template that decides which custom fields the case shows (TestRail `template_id`).
    pub template_id: Id,
    /// Case type, see `get_case_types` (TestRail `type_id`).
    pub type_id: Id,
    /// Priority, see `get_priorities` (TestRail `priority_id`).
    pub priority_id: Id,
    /// Milestone the case is linked to, if any (TestRail `milestone_id`).
    pub milestone_id: Option<Id>,
    /// Comma-separated references such as requirement or ticket IDs (TestRail `refs`).
    pub refs: Option<String>,
    /// User who created the case (TestRail `created_by`).
    pub created_by: Id,
    /// Creation time, UNIX timestamp in seconds (TestRail `created_on`).
    pub created_on: i64,
    /// User who last changed the case (TestRail `updated_by`).
    pub updated_by: Id,
    /// Last change, UNIX timestamp in seconds (TestRail `updated_on`).
    pub updated_on: i64,
    /// Planned duration as a TestRail timespan such as `"30s"` or `"1m 45s"`.
    pub estimate: Option<String>,
    /// Duration TestRail predicts from past results, same timespan format.
    pub estimate_forecast: Option<String>,
    /// Suite the case belongs to (TestRail `suite_id`).
    pub suite_id: Id,
    /// Position within its section (TestRail `display_order`).
    pub display_order: u32,
    /// TestRail sends 0/1 here, not a boolean.
    pub is_deleted: u8,
    /// `custom_*` fields and anything newer.
    #[serde(flatten)]
    pub extra: Extra,
}

/// Per-status counters carried by runs and plans.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct StatusCounts {
    /// Tests with status 1 `passed`.
    pub passed_count: u64,
    /// Tests with status 2 `blocked`.
    pub blocked_count: u64,
    /// Tests with status 3 `untested` (no result yet).
    pub untested_count: u64,
    /// Tests with status 4 `retest`.
    pub retest_count: u64,
    /// Tests with status 5 `failed`.
    pub failed_count: u64,
    /// Tests with status 6, the first custom status.
    pub custom_status1_count: u64,
    /// Tests with status 7 (`custom_status2`).
    pub custom_status2_count: u64,
    /// Tests with status 8 (`custom_status3`).
    pub custom_status3_count: u64,
    /// Tests with status 9 (`custom_status4`).
    pub custom_status4_count: u64,
    /// Tests with status 10 (`custom_status5`).
    pub custom_status5_count: u64,
    /// Tests with status 11 (`custom_status6`).
    pub custom_status6_count: u64,
    /// Tests with status 12 (`custom_status7`).
    pub custom_status7_count: u64,
}

impl StatusCounts {
    /// The counter for a status ID (1 passed, 2 blocked, 3 untested, 4 retest, 5 failed, 6..12
    /// custom).
    pub fn slot_mut(&mut self, status_id: Id) -> Option<&mut u64> {
        Some(match status_id {
            1 => &mut self.passed_count,
            2 => &mut self.blocked_count,
            3 => &mut self.untested_count,
            4 => &mut self.retest_count,
            5 => &mut self.failed_count,
            6 => &mut self.custom_status1_count,
            7 => &mut self.custom_status2_count,
            8 => &mut self.custom_status3_count,
            9 => &mut self.custom_status4_count,
            10 => &mut self.custom_status5_count,
            11 => &mut self.custom_status6_count,
            12 => &mut self.custom_status7_count,
            _ => return None,
        })
    }

    /// The counter for a status ID; 0 for an ID outside 1..=12.
    pub fn get(&self, status_id: Id) -> u64 {
        self.clone().slot_mut(status_id).map_or(0, |v| *v)
    }

    /// Sum of all twelve counters: the number of tests in the run or plan.
    pub fn total(&self) -> u64 {
        (1..=12).map(|s| self.get(s)).sum()
    }
}

/// A test run (`get_run`, `add_run`), standalone or inside a plan entry.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Run {
    /// Run ID (TestRail `id`); the `R123` of the UI.
    pub id: Id,
    /// Suite whose cases the run tests (TestRail `suite_id`).
    pub suite_id: Id,
    /// Run name as shown in TestRail.
    pub name: String,
    /// Free-text description, if any.
    pub description: Option<String>,
    /// Milestone the run is linked to, if any (TestRail `milestone_id`).
    pub milestone_id: Option<Id>,
    /// User the run is assigned to, if any (TestRail `assignedto_id`).
    pub assignedto_id: Option<Id>,
    /// Whether the run contains every case of the suite rather than a chosen set.
    pub include_all: bool,
    /// Whether the run is closed; a closed run accepts no results.
    pub is_completed: bool,
    /// When the run was closed, UNIX timestamp in seconds.
    pub completed_on: Option<i64>,
    /// Names of the run's configurations joined by TestRail (e.g. `"Chrome, Linux"`), in a plan.
    pub config: Option<String>,
    /// Configurations of this run inside a plan entry (TestRail `config_ids`).
    pub config_ids: Vec<Id>,
    /// Tests per status, flattened into the run object as TestRail sends them.
    #[serde(flatten)]
    pub counts: StatusCounts,
    /// Project the run belongs to (TestRail `project_id`).
    pub project_id: Id,
    /// Plan the run is part of, `None` for a standalone run (TestRail `plan_id`).
    pub plan_id: Option<Id>,
    /// Plan entry (a UUID string) the run belongs to, only on runs inside a plan.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entry_id: Option<String>,
    /// Position of the run within its plan entry, only on runs inside a plan.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entry_index: Option<u32>,
    /// Creation time, UNIX timestamp in seconds.
    pub created_on: i64,
    /// Last change, UNIX timestamp in seconds (absent on older TestRail versions).
    pub updated_on: Option<i64>,
    /// User who created the run (TestRail `created_by`).
    pub created_by: Id,
    /// Comma-separated references such as ticket IDs (TestRail `refs`).
    pub refs: Option<String>,
    /// Web address of the run in TestRail's UI.
    pub url: String,
    /// Fields this model does not name, kept verbatim.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A test plan: runs grouped in entries, one entry per suite/configuration set.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Plan {
    /// Plan ID (TestRail `id`).
    pub id: Id,
    /// Plan name as shown in TestRail.
    pub name: String,
    /// Free-text description, if any.
    pub description: Option<String>,
    /// Milestone the plan is linked to, if any (TestRail `milestone_id`).
    pub milestone_id: Option<Id>,
    /// User the plan is assigned to, if any (TestRail `assignedto_id`).
    pub assignedto_id: Option<Id>,
    /// Whether the plan is closed; its runs then accept no results.
    pub is_completed: bool,
    /// When the plan was closed, UNIX timestamp in seconds.
    pub completed_on: Option<i64>,
    /// Tests per status over all runs of the plan, flattened as TestRail sends them.
    #[serde(flatten)]
    pub counts: StatusCounts,
    /// Project the plan belongs to (TestRail `project_id`).
    pub project_id: Id,
    /// Creation time, UNIX timestamp in seconds.
    pub created_on: i64,
    /// User who created the plan (TestRail `created_by`).
    pub created_by: Id,
    /// Web address of the plan in TestRail's UI.
    pub url: String,
    /// Present on `get_plan`/`add_plan`, absent on `get_plans` items.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub entries: Vec<PlanEntry>,
    /// Fields this model does not name, kept verbatim.
    #[serde(flatten)]
    pub extra: Extra,
}

/// An entry of a plan: one suite, with one run per configuration combination.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PlanEntry {
    /// A UUID string, unlike every other TestRail ID.
    pub id: String,
    /// Suite every run of the entry tests (TestRail `suite_id`).
    pub suite_id: Id,
    /// Entry name; its runs carry the same name.
    pub name: String,
    /// Free-text description, if any.
    pub description: Option<String>,
    /// Whether the entry's runs contain every case of the suite.
    pub include_all: bool,
    /// Comma-separated references such as ticket IDs (TestRail `refs`).
    pub refs: Option<String>,
    /// The entry's runs, one per configuration combination (a single run without configurations).
    pub runs: Vec<Run>,
    /// Fields this model does not name, kept verbatim.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A test: one case's instance inside a run (`get_test`, `get_tests`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Test {
    /// Test ID (TestRail `id`); the `T123` of the UI, not the case ID.
    pub id: Id,
    /// Case this test instantiates (TestRail `case_id`).
    pub case_id: Id,
    /// Run the test belongs to (TestRail `run_id`).
    pub run_id: Id,
    /// Status of the latest result; 3 (`untested`) before any result.
    pub status_id: Id,
    /// User the test is assigned to, if any (TestRail `assignedto_id`).
    pub assignedto_id: Option<Id>,
    /// The case's title, copied into the test.
    pub title: String,
    /// The case's template (TestRail `template_id`).
    pub template_id: Id,
    /// The case's type (TestRail `type_id`).
    pub type_id: Id,
    /// The case's priority (TestRail `priority_id`).
    pub priority_id: Id,
    /// The case's planned duration, TestRail timespan such as `"1m 45s"`.
    pub estimate: Option<String>,
    /// Duration TestRail predicts from past results, same timespan format.
    pub estimate_forecast: Option<String>,
    /// The case's comma-separated references (TestRail `refs`).
    pub refs: Option<String>,
    /// The case's milestone, if any (TestRail `milestone_id`).
    pub milestone_id: Option<Id>,
    /// `custom_*` fields copied from the case, and anything newer.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A result as TestRail returns it (`add_result*`, `get_results*`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TestResult {
    /// Result ID (TestRail `id`).
    pub id: Id,
    /// Test the result was added to (TestRail `test_id`).
    pub test_id: Id,
    /// Status given by this result; `None` for a comment-only result.
    pub status_id: Option<Id>,
    /// User whose credentials posted the result (TestRail `created_by`).
    pub created_by: Id,
    /// When the result was added, UNIX timestamp in seconds.
    pub created_on: i64,
    /// User the test was (re)assigned to by this result, if any.
    pub assignedto_id: Option<Id>,
    /// Result comment (Markdown in TestRail's UI).
    pub comment: Option<String>,
    /// Version or build the result was recorded against (TestRail `version`).
    pub version: Option<String>,
    /// Time the test took, TestRail timespan such as `"1m 5s"` (TestRail `elapsed`).
    pub elapsed: Option<String>,
    /// Comma-separated defect IDs (TestRail `defects`).
    pub defects: Option<String>,
    /// Attachments added to this result.
    pub attachment_ids: Vec<AttachmentId>,
    /// `custom_*` result fields and anything newer.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A result status (`get_statuses`): system ones and the instance's custom ones.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Status {
    /// Status ID sent as `status_id`; never assume 1–5 mean the same everywhere.
    pub id: Id,
    /// System name: `passed`, `failed`, `custom_status1`, …
    pub name: String,
    /// What people see: `Passed`, `Failed`, `Skipped`, …
    pub label: String,
    /// Dark variant of the status colour, as a 24-bit RGB integer.
    pub color_dark: u32,
    /// Medium variant of the status colour, as a 24-bit RGB integer.
    pub color_medium: u32,
    /// Bright variant of the status colour, as a 24-bit RGB integer.
    pub color_bright: u32,
    /// Whether TestRail ships this status (as opposed to a custom one).
    pub is_system: bool,
    /// Whether this is the "no result yet" status (`untested`); results cannot set it.
    pub is_untested: bool,
    /// Whether the status closes a test (TestRail `is_final`: true for passed and failed).
    pub is_final: bool,
}

/// A TestRail user (`get_user`, `get_user_by_email`, `get_users`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct User {
    /// User ID (TestRail `id`).
    pub id: Id,
    /// Full name as shown in TestRail.
    pub name: String,
    /// Login email, the user part of the API's Basic credentials.
    pub email: String,
    /// Whether the account may log in.
    pub is_active: bool,
    /// Role ID (TestRail `role_id`; absent on older versions).
    pub role_id: Option<Id>,
    /// Role name (TestRail `role`; absent on older versions).
    pub role: Option<String>,
    /// Whether the user is a TestRail administrator.
    pub is_admin: bool,
    /// Fields this model does not name, kept verbatim.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A milestone (`get_milestone`, `get_milestones`); may have sub-milestones.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Milestone {
    /// Milestone ID (TestRail `id`).
    pub id: Id,
    /// Milestone name as shown in TestRail.
    pub name: String,
    /// Free-text description, if any.
    pub description: Option<String>,
    /// Project the milestone belongs to (TestRail `project_id`).
    pub project_id: Id,
    /// Due date, UNIX timestamp in seconds.
    pub due_on: Option<i64>,
    /// Planned start, UNIX timestamp in seconds.
    pub start_on: Option<i64>,
    /// Actual start, UNIX timestamp in seconds.
    pub started_on: Option<i64>,
    /// Whether the milestone is completed.
    pub is_completed: bool,
    /// When the milestone was completed, UNIX timestamp in seconds.
    pub completed_on: Option<i64>,
    /// Whether the milestone has been started.
    pub is_started: bool,
    /// Enclosing milestone for a sub-milestone (TestRail `parent_id`).
    pub parent_id: Option<Id>,
    /// Comma-separated references such as ticket IDs (TestRail `refs`).
    pub refs: Option<String>,
    /// Web address of the milestone in TestRail's UI.
    pub url: String,
    /// Sub-milestones, present on `get_milestone` only.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub milestones: Vec<Milestone>,
}

pub use crate::fields::{Field, FieldConfig, FieldContext, FieldItem, FieldOptions, FieldType};

/// A case priority (`get_priorities`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Priority {
    /// Priority ID sent as a case's `priority_id`.
    pub id: Id,
    /// Full name, e.g. `"4 - Must Test"`.
    pub name: String,
    /// Abbreviated name for narrow columns, e.g. `"4 - Must"`.
    pub short_name: String,
    /// Rank: a higher number is more important.
    pub priority: u32,
    /// Whether new cases get this priority when none is given.
    pub is_default: bool,
}

/// A case type (`get_case_types`), e.g. Automated, Functional, Regression.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CaseType {
    /// Case type ID sent as a case's `type_id`.
    pub id: Id,
    /// Type name as shown in TestRail.
    pub name: String,
    /// Whether new cases get this type when none is given.
    pub is_default: bool,
}

/// A case template (`get_templates`): decides which fields a case shows.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Template {
    /// Template ID sent as a case's `template_id`.
    pub id: Id,
    /// Template name, e.g. `"Test Case (Steps)"`.
    pub name: String,
    /// Whether new cases get this template when none is given.
    pub is_default: bool,
}

/// A configuration group (`get_configs`), e.g. "Browsers".
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ConfigGroup {
    /// Group ID (TestRail `id`).
    pub id: Id,
    /// Group name as shown in TestRail.
    pub name: String,
    /// Project the group belongs to (TestRail `project_id`).
    pub project_id: Id,
    /// The group's configurations.
    pub configs: Vec<Config>,
}

/// One configuration of a group, e.g. "Chrome"; plan entries pick one per group and run.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Config {
    /// Configuration ID, as listed in `config_ids`.
    pub id: Id,
    /// Configuration name as shown in TestRail.
    pub name: String,
    /// Group the configuration belongs to (TestRail `group_id`).
    pub group_id: Id,
}

/// Integer before TestRail 7.1, a string (UUID-like) on newer cloud instances.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum AttachmentId {
    /// Numeric ID (TestRail before 7.1).
    Int(Id),
    /// String ID (newer cloud instances).
    Str(String),
}

impl std::fmt::Display for AttachmentId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AttachmentId::Int(i) => write!(f, "{i}"),
            AttachmentId::Str(s) => f.write_str(s),
        }
    }
}

/// Reply of the `add_attachment_to_*` endpoints.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttachmentCreated {
    /// ID of the attachment just stored.
    pub attachment_id: AttachmentId,
}

/// Attachment metadata as the `get_attachments_for_*` endpoints list it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attachment {
    /// Attachment ID, numeric or string depending on the TestRail version.
    pub id: AttachmentId,
    /// Display name of the file.
    #[serde(default)]
    pub name: String,
    /// File name of the upload (TestRail `filename`).
    #[serde(default)]
    pub filename: String,
    /// Size in bytes.
    #[serde(default)]
    pub size: u64,
    /// Upload time, UNIX timestamp in seconds.
    #[serde(default)]
    pub created_on: i64,
    /// Project the attachment belongs to, if TestRail says.
    #[serde(default)]
    pub project_id: Option<Id>,
    /// Case the attachment is on, if any.
    #[serde(default)]
    pub case_id: Option<Id>,
    /// Result the attachment is on, if any.
    #[serde(default)]
    pub result_id: Option<Id>,
    /// User who uploaded the attachment.
    #[serde(default)]
    pub user_id: Option<Id>,
    /// Fields this model does not name, kept verbatim.
    #[serde(flatten)]
    pub extra: Extra,
}

// ---------------------------------------------------------------------------------------------
// Request bodies
// ---------------------------------------------------------------------------------------------

/// Body of `add_project`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AddProject {
    /// Project name.
    pub name: String,
    /// Text for the project's overview page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub announcement: Option<String>,
    /// Whether to show `announcement` on the overview page.
    #[serde(default, skip_serializing_if = "is_false")]
    pub show_announcement: bool,
    /// 1 = single suite, 2 = single suite + baselines, 3 = multiple suites; TestRail's default when
    /// `None`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suite_mode: Option<u8>,
}

/// Body of `add_suite`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AddSuite {
    /// Suite name.
    pub name: String,
    /// Free-text description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// Body of `add_section`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AddSection {
    /// Section name.
    pub name: String,
    /// Free-text description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Suite to create the section in; required when the project has several suites.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suite_id: Option<Id>,
    /// Enclosing section, `None` for a top-level section.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<Id>,
}

/// Body of `add_case` and `update_case` (every field optional for updates).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CaseFields {
    /// Case title; required by `add_case`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Section of the case (for `add_case` the section is in the URL instead).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub section_id: Option<Id>,
    /// Template ID; TestRail's default template when unset.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub template_id: Option<Id>,
    /// Case type ID; TestRail's default type when unset.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub type_id: Option<Id>,
    /// Priority ID; TestRail's default priority when unset.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub priority_id: Option<Id>,
    /// Planned duration, TestRail timespan such as `"30s"` or `"1m 45s"`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub estimate: Option<String>,
    /// Milestone to link the case to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub milestone_id: Option<Id>,
    /// Comma-separated references such as requirement or ticket IDs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refs: Option<String>,
    /// `custom_*` fields.
    #[serde(flatten)]
    pub custom: Extra,
}

/// Body of `add_run`, `update_run`, `add_plan_entry` runs and `update_plan_entry`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RunFields {
    /// Suite whose cases the run tests; required for `add_run` in multi-suite projects.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suite_id: Option<Id>,
    /// Run name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Free-text description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Milestone to link the run to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub milestone_id: Option<Id>,
    /// User to assign the run to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assignedto_id: Option<Id>,
    /// TestRail defaults this to `true`: a run scoped to `case_ids` must send `false`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub include_all: Option<bool>,
    /// Cases the run contains when `include_all` is `false`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub case_ids: Option<Vec<Id>>,
    /// Configurations of the run, inside a plan entry only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub config_ids: Option<Vec<Id>>,
    /// Comma-separated references such as ticket IDs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refs: Option<String>,
    /// Planned start, UNIX timestamp in seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_on: Option<i64>,
    /// Planned end, UNIX timestamp in seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due_on: Option<i64>,
}

/// Body of `add_plan`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AddPlan {
    /// Plan name.
    pub name: String,
    /// Free-text description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Milestone to link the plan to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub milestone_id: Option<Id>,
    /// Entries to create with the plan (each can also be added later with `add_plan_entry`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub entries: Vec<AddPlanEntry>,
}

/// Body of `add_plan_entry`, and one entry of `add_plan`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AddPlanEntry {
    /// Suite the entry's runs test.
    pub suite_id: Id,
    /// Entry name; TestRail picks one when unset.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Free-text description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Whether the runs contain every case of the suite; TestRail defaults to `true`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub include_all: Option<bool>,
    /// Cases of the runs when `include_all` is `false`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub case_ids: Option<Vec<Id>>,
    /// Every configuration used by the entry's runs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub config_ids: Option<Vec<Id>>,
    /// Comma-separated references such as ticket IDs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refs: Option<String>,
    /// One item per run to create, each with its own `config_ids` (and cases); empty for one run.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub runs: Vec<RunFields>,
}

/// Body of `add_milestone`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AddMilestone {
    /// Milestone name.
    pub name: String,
    /// Free-text description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Due date, UNIX timestamp in seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due_on: Option<i64>,
    /// Enclosing milestone, to create a sub-milestone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<Id>,
}

/// One entry of `add_results_for_cases` (`case_id` set) or `add_results` (`test_id` set), and
/// the body of `add_result`/`add_result_for_case` (both unset).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NewResult {
    /// Case to post for (`add_results_for_cases`); the run must contain it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub case_id: Option<Id>,
    /// Test to post for (`add_results`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub test_id: Option<Id>,
    /// Status ID, as `get_statuses` numbers it on this instance; `None` for a comment-only result.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_id: Option<Id>,
    /// Result comment (Markdown in TestRail's UI).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// Version or build the result is recorded against.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Time the test took, TestRail timespan such as `"1m 5s"`; older servers reject `"0s"`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub elapsed: Option<String>,
    /// Comma-separated defect IDs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub defects: Option<String>,
    /// User to assign the test to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assignedto_id: Option<Id>,
    /// `custom_*` result fields.
    #[serde(flatten)]
    pub custom: Extra,
}

/// Body of `add_results` and `add_results_for_cases`: one batch of results.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NewResults {
    /// The results; TestRail answers with one result per item, in request order.
    pub results: Vec<NewResult>,
}

/// One page of a paginated list as TestRail 7+ returns it; the item key varies by endpoint
/// (`cases`, `runs`, …) and is given by the caller.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PageLinks {
    /// Path of the next page, starting `/api/v2/` (prefix `index.php?`); `None` on the last page.
    pub next: Option<String>,
    /// Path of the previous page, same form as `next`; `None` on the first page.
    pub prev: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn custom_fields_round_trip_and_unknown_fields_are_kept() {
        let json = r#"{"id":7,"title":"Login","section_id":1,"suite_id":2,"custom_preconds":"x",
            "custom_steps_separated":[{"content":"a"}],"labels":[],"is_deleted":0}"#;
        let case: Case = serde_json::from_str(json).unwrap();
        assert_eq!(case.id, 7);
        assert_eq!(case.extra["custom_preconds"], "x");
        let back = serde_json::to_value(&case).unwrap();
        assert_eq!(back["custom_steps_separated"][0]["content"], "a");
        assert!(back.get("labels").is_some());
    }

    #[test]
    fn run_counters_are_flat_fields() {
        let json = r#"{"id":1,"passed_count":2,"custom_status1_count":3,"url":"u"}"#;
        let run: Run = serde_json::from_str(json).unwrap();
        assert_eq!(run.counts.get(1), 2);
        assert_eq!(run.counts.get(6), 3);
        let back = serde_json::to_value(&run).unwrap();
        assert_eq!(back["custom_status1_count"], 3);
    }

    #[test]
    fn attachment_ids_accept_int_or_string() {
        let a: AttachmentCreated = serde_json::from_str(r#"{"attachment_id":443}"#).unwrap();
        assert_eq!(a.attachment_id, AttachmentId::Int(443));
        let b: AttachmentCreated = serde_json::from_str(r#"{"attachment_id":"2f0c"}"#).unwrap();
        assert_eq!(b.attachment_id.to_string(), "2f0c");
    }

    #[test]
    fn request_bodies_carry_only_what_is_set() {
        let body = RunFields {
            include_all: Some(false),
            case_ids: Some(vec![1, 2]),
            ..Default::default()
        };
        assert_eq!(
            serde_json::to_string(&body).unwrap(),
            r#"{"include_all":false,"case_ids":[1,2]}"#
        );
    }
}
