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

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Project {
    pub id: Id,
    pub name: String,
    pub announcement: Option<String>,
    pub show_announcement: bool,
    pub is_completed: bool,
    pub completed_on: Option<i64>,
    /// 1 = single suite, 2 = single suite + baselines, 3 = multiple suites.
    pub suite_mode: u8,
    pub url: String,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Suite {
    pub id: Id,
    pub name: String,
    pub description: Option<String>,
    pub project_id: Id,
    pub is_master: bool,
    pub is_baseline: bool,
    pub is_completed: bool,
    pub completed_on: Option<i64>,
    pub url: String,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Section {
    pub id: Id,
    pub suite_id: Id,
    pub name: String,
    pub description: Option<String>,
    pub parent_id: Option<Id>,
    pub display_order: u32,
    pub depth: u32,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Case {
    pub id: Id,
    pub title: String,
    pub section_id: Id,
    pub template_id: Id,
    pub type_id: Id,
    pub priority_id: Id,
    pub milestone_id: Option<Id>,
    pub refs: Option<String>,
    pub created_by: Id,
    pub created_on: i64,
    pub updated_by: Id,
    pub updated_on: i64,
    pub estimate: Option<String>,
    pub estimate_forecast: Option<String>,
    pub suite_id: Id,
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
    pub passed_count: u64,
    pub blocked_count: u64,
    pub untested_count: u64,
    pub retest_count: u64,
    pub failed_count: u64,
    pub custom_status1_count: u64,
    pub custom_status2_count: u64,
    pub custom_status3_count: u64,
    pub custom_status4_count: u64,
    pub custom_status5_count: u64,
    pub custom_status6_count: u64,
    pub custom_status7_count: u64,
}

impl StatusCounts {
    /// The counter for a status ID (1 passed, 2 blocked, 3 untested, 4 retest, 5 failed, 6..12 custom).
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

    pub fn get(&self, status_id: Id) -> u64 {
        self.clone().slot_mut(status_id).map_or(0, |v| *v)
    }

    pub fn total(&self) -> u64 {
        (1..=12).map(|s| self.get(s)).sum()
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Run {
    pub id: Id,
    pub suite_id: Id,
    pub name: String,
    pub description: Option<String>,
    pub milestone_id: Option<Id>,
    pub assignedto_id: Option<Id>,
    pub include_all: bool,
    pub is_completed: bool,
    pub completed_on: Option<i64>,
    pub config: Option<String>,
    pub config_ids: Vec<Id>,
    #[serde(flatten)]
    pub counts: StatusCounts,
    pub project_id: Id,
    pub plan_id: Option<Id>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entry_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entry_index: Option<u32>,
    pub created_on: i64,
    pub updated_on: Option<i64>,
    pub created_by: Id,
    pub refs: Option<String>,
    pub url: String,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Plan {
    pub id: Id,
    pub name: String,
    pub description: Option<String>,
    pub milestone_id: Option<Id>,
    pub assignedto_id: Option<Id>,
    pub is_completed: bool,
    pub completed_on: Option<i64>,
    #[serde(flatten)]
    pub counts: StatusCounts,
    pub project_id: Id,
    pub created_on: i64,
    pub created_by: Id,
    pub url: String,
    /// Present on `get_plan`/`add_plan`, absent on `get_plans` items.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub entries: Vec<PlanEntry>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PlanEntry {
    /// A UUID string, unlike every other TestRail ID.
    pub id: String,
    pub suite_id: Id,
    pub name: String,
    pub description: Option<String>,
    pub include_all: bool,
    pub refs: Option<String>,
    pub runs: Vec<Run>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Test {
    pub id: Id,
    pub case_id: Id,
    pub run_id: Id,
    pub status_id: Id,
    pub assignedto_id: Option<Id>,
    pub title: String,
    pub template_id: Id,
    pub type_id: Id,
    pub priority_id: Id,
    pub estimate: Option<String>,
    pub estimate_forecast: Option<String>,
    pub refs: Option<String>,
    pub milestone_id: Option<Id>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// A result as TestRail returns it (`add_result*`, `get_results*`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TestResult {
    pub id: Id,
    pub test_id: Id,
    pub status_id: Option<Id>,
    pub created_by: Id,
    pub created_on: i64,
    pub assignedto_id: Option<Id>,
    pub comment: Option<String>,
    pub version: Option<String>,
    pub elapsed: Option<String>,
    pub defects: Option<String>,
    pub attachment_ids: Vec<AttachmentId>,
    /// `custom_*` result fields and anything newer.
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Status {
    pub id: Id,
    /// System name: `passed`, `failed`, `custom_status1`, …
    pub name: String,
    /// What people see: `Passed`, `Failed`, `Skipped`, …
    pub label: String,
    pub color_dark: u32,
    pub color_medium: u32,
    pub color_bright: u32,
    pub is_system: bool,
    pub is_untested: bool,
    pub is_final: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct User {
    pub id: Id,
    pub name: String,
    pub email: String,
    pub is_active: bool,
    pub role_id: Option<Id>,
    pub role: Option<String>,
    pub is_admin: bool,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Milestone {
    pub id: Id,
    pub name: String,
    pub description: Option<String>,
    pub project_id: Id,
    pub due_on: Option<i64>,
    pub start_on: Option<i64>,
    pub started_on: Option<i64>,
    pub is_completed: bool,
    pub completed_on: Option<i64>,
    pub is_started: bool,
    pub parent_id: Option<Id>,
    pub refs: Option<String>,
    pub url: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub milestones: Vec<Milestone>,
}

pub use crate::fields::{Field, FieldConfig, FieldContext, FieldItem, FieldOptions, FieldType};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Priority {
    pub id: Id,
    pub name: String,
    pub short_name: String,
    pub priority: u32,
    pub is_default: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CaseType {
    pub id: Id,
    pub name: String,
    pub is_default: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Template {
    pub id: Id,
    pub name: String,
    pub is_default: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ConfigGroup {
    pub id: Id,
    pub name: String,
    pub project_id: Id,
    pub configs: Vec<Config>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Config {
    pub id: Id,
    pub name: String,
    pub group_id: Id,
}

/// Integer before TestRail 7.1, a string (UUID-like) on newer cloud instances.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum AttachmentId {
    Int(Id),
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

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttachmentCreated {
    pub attachment_id: AttachmentId,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attachment {
    pub id: AttachmentId,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub filename: String,
    #[serde(default)]
    pub size: u64,
    #[serde(default)]
    pub created_on: i64,
    #[serde(default)]
    pub project_id: Option<Id>,
    #[serde(default)]
    pub case_id: Option<Id>,
    #[serde(default)]
    pub result_id: Option<Id>,
    #[serde(default)]
    pub user_id: Option<Id>,
    #[serde(flatten)]
    pub extra: Extra,
}

// ---------------------------------------------------------------------------------------------
// Request bodies
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AddProject {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub announcement: Option<String>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub show_announcement: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suite_mode: Option<u8>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AddSuite {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AddSection {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suite_id: Option<Id>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<Id>,
}

/// Body of `add_case` and `update_case` (every field optional for updates).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CaseFields {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub section_id: Option<Id>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub template_id: Option<Id>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub type_id: Option<Id>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub priority_id: Option<Id>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub estimate: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub milestone_id: Option<Id>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refs: Option<String>,
    /// `custom_*` fields.
    #[serde(flatten)]
    pub custom: Extra,
}

/// Body of `add_run`, `update_run`, `add_plan_entry` runs and `update_plan_entry`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RunFields {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suite_id: Option<Id>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub milestone_id: Option<Id>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assignedto_id: Option<Id>,
    /// TestRail defaults this to `true`: a run scoped to `case_ids` must send `false`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub include_all: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub case_ids: Option<Vec<Id>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub config_ids: Option<Vec<Id>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refs: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_on: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due_on: Option<i64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AddPlan {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub milestone_id: Option<Id>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub entries: Vec<AddPlanEntry>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AddPlanEntry {
    pub suite_id: Id,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub include_all: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub case_ids: Option<Vec<Id>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub config_ids: Option<Vec<Id>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refs: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub runs: Vec<RunFields>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AddMilestone {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due_on: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<Id>,
}

/// One entry of `add_results_for_cases` (`case_id` set) or `add_results` (`test_id` set), and
/// the body of `add_result`/`add_result_for_case` (both unset).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NewResult {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub case_id: Option<Id>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub test_id: Option<Id>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_id: Option<Id>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub elapsed: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub defects: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assignedto_id: Option<Id>,
    /// `custom_*` result fields.
    #[serde(flatten)]
    pub custom: Extra,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NewResults {
    pub results: Vec<NewResult>,
}

/// One page of a paginated list as TestRail 7+ returns it; the item key varies by endpoint
/// (`cases`, `runs`, …) and is given by the caller.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PageLinks {
    pub next: Option<String>,
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
