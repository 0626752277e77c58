//! The emulator's whole state and the TestRail rules that act on it. Pure: no HTTP, no clock, no
//! I/O — callers pass `now` and get [`ApiError`]s with TestRail's texts, so it is unit-testable.
//!
//! Every mutation marks the touched rows dirty; `persist` writes exactly those rows after the
//! request, which keeps SQLite writes proportional to what changed.

mod attachments;
pub use attachments::Upload;
mod cases;
mod catalog;
pub use cases::CaseFilter;
mod custom_fields;
pub use custom_fields::{FieldCatalog, field_type_id};
mod plans;
pub use plans::{NewPlan, PlanFilter};
mod projects;
mod results;
mod rich_text;
pub use results::ResultFilter;
mod runs;
mod users;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::{Deserialize, Serialize};
use testrail_api::models::{
    Attachment, Case, ConfigGroup, Id, Milestone, Plan, Project, Run, Section, Status, Suite,
    TestResult, User,
};

pub use catalog::{
    case_fields, case_types, custom_status, priorities, result_fields, system_statuses, templates,
};
pub use runs::{PlanPlace, RunFilter, RunScope};

use crate::error::{ApiError, ApiResult};

/// Persisted row families; the SQLite table keys rows by (kind, id).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Kind {
    /// Projects (`get_projects`).
    Project,
    /// Suites of a project.
    Suite,
    /// Sections of a suite.
    Section,
    /// Test cases.
    Case,
    /// Milestones, sub-milestones included.
    Milestone,
    /// Users.
    User,
    /// Result statuses, system and custom.
    Status,
    /// Configuration groups with their configurations.
    ConfigGroup,
    /// Runs, standalone or inside a plan.
    Run,
    /// Plans with their entries ([`PlanRow`]).
    Plan,
    /// Tests: one case inside one run ([`TestRow`]).
    Test,
    /// Results added to tests.
    Result,
    /// Attachments with their bytes ([`AttachmentRow`]).
    Attachment,
}

impl Kind {
    /// Every kind (what [`Kind::parse`] searches).
    pub const ALL: [Kind; 13] = [
        Kind::Project,
        Kind::Suite,
        Kind::Section,
        Kind::Case,
        Kind::Milestone,
        Kind::User,
        Kind::Status,
        Kind::ConfigGroup,
        Kind::Run,
        Kind::Plan,
        Kind::Test,
        Kind::Result,
        Kind::Attachment,
    ];

    /// The kind's name in the SQLite `kind` column and in load errors (`config_group`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Project => "project",
            Kind::Suite => "suite",
            Kind::Section => "section",
            Kind::Case => "case",
            Kind::Milestone => "milestone",
            Kind::User => "user",
            Kind::Status => "status",
            Kind::ConfigGroup => "config_group",
            Kind::Run => "run",
            Kind::Plan => "plan",
            Kind::Test => "test",
            Kind::Result => "result",
            Kind::Attachment => "attachment",
        }
    }

    /// The kind named `s` (the inverse of [`Kind::as_str`]).
    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// A test = one case inside one run. `active: false` once `update_run` dropped its case; kept
/// so re-adding the case brings back the same test with its results.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TestRow {
    /// Test ID (TestRail `id`).
    pub id: Id,
    /// Run the test belongs to.
    pub run_id: Id,
    /// Case the test instantiates.
    pub case_id: Id,
    /// Status of the latest result; 3 (`untested`) before any.
    pub status_id: Id,
    /// User the test is assigned to, if any.
    pub assignedto_id: Option<Id>,
    /// Whether the case is still in the run; inactive tests are hidden and take no results.
    pub active: bool,
}

/// A plan entry as stored: the entry's own fields and the IDs of its runs (rows in `State::runs`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EntryRow {
    /// Entry ID, a UUID string as TestRail makes them.
    pub id: String,
    /// Suite the entry's runs test.
    pub suite_id: Id,
    /// Entry name, also the name of its runs.
    pub name: String,
    /// Free-text description.
    pub description: Option<String>,
    /// Whether the entry's runs contain every case of the suite.
    pub include_all: bool,
    /// Comma-separated references.
    pub refs: Option<String>,
    /// The entry's runs, in entry order.
    pub run_ids: Vec<Id>,
}

/// A plan as stored: the plan fields (no counters, no url) and its entries.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PlanRow {
    /// The plan's own fields; `entries` is left empty (they are in `entries` below).
    pub plan: Plan,
    /// The plan's entries, in plan order.
    pub entries: Vec<EntryRow>,
}

/// An attachment as stored: TestRail's metadata plus what the emulator needs to serve it back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttachmentRow {
    /// The metadata `get_attachments_for_*` lists.
    pub meta: Attachment,
    /// MIME type given at upload, sent back by `get_attachment`.
    pub content_type: String,
    /// Which entity it was added to: ("result"|"run"|"case"|"plan", id).
    pub entity: (String, Id),
    /// Stored as a BLOB column, not inside the JSON row.
    #[serde(skip)]
    pub data: Vec<u8>,
}

/// Lookup tables derived from the rows; rebuilt after loading, kept current by every write.
#[derive(Debug, Clone, Default)]
struct Indexes {
    tests_of_run: BTreeMap<Id, Vec<Id>>,
    test_by_run_case: HashMap<(Id, Id), Id>,
    results_of_test: HashMap<Id, Vec<Id>>,
}

/// The emulator's whole state: every row, by kind and ID, plus the derived indexes.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct State {
    /// Next ID per kind (IDs are never reused, as in TestRail).
    pub next: BTreeMap<Kind, Id>,
    /// Projects by ID.
    pub projects: BTreeMap<Id, Project>,
    /// Suites by ID.
    pub suites: BTreeMap<Id, Suite>,
    /// Sections by ID.
    pub sections: BTreeMap<Id, Section>,
    /// Cases by ID (the number of `C123`).
    pub cases: BTreeMap<Id, Case>,
    /// Milestones by ID, sub-milestones as their own rows.
    pub milestones: BTreeMap<Id, Milestone>,
    /// Users by ID.
    pub users: BTreeMap<Id, User>,
    /// Statuses by ID: 1–5 system, custom ones above.
    pub statuses: BTreeMap<Id, Status>,
    /// Configuration groups by ID, each holding its configurations.
    pub config_groups: BTreeMap<Id, ConfigGroup>,
    /// Next configuration ID: configurations live inside groups, so they have no [`Kind`].
    pub next_config_id: Id,
    /// Runs by ID, plan runs included (with `plan_id`/`entry_id` set).
    pub runs: BTreeMap<Id, Run>,
    /// Plans by ID.
    pub plans: BTreeMap<Id, PlanRow>,
    /// Tests by ID.
    pub tests: BTreeMap<Id, TestRow>,
    /// Results by ID.
    pub results: BTreeMap<Id, TestResult>,
    /// Attachments by ID.
    pub attachments: BTreeMap<Id, AttachmentRow>,
    /// Custom case and result fields: configuration from the fixture, never persisted.
    #[serde(skip)]
    pub custom_fields: FieldCatalog,
    #[serde(skip)]
    idx: Indexes,
    #[serde(skip)]
    dirty: BTreeSet<(Kind, Id)>,
    /// Seed for plan entry UUIDs, advanced on use.
    #[serde(default)]
    pub uuid_counter: u64,
}

impl State {
    /// A fresh store: the five system statuses, nothing else.
    pub fn new() -> Self {
        let mut s = State {
            custom_fields: FieldCatalog::builtin(),
            ..State::default()
        };
        for st in system_statuses() {
            s.put_status(st);
        }
        s
    }

    /// Allocates the next ID of a kind (1, 2, 3, ... in a fresh store).
    pub fn alloc(&mut self, kind: Kind) -> Id {
        let slot = self.next.entry(kind).or_insert(1);
        let id = *slot;
        *slot += 1;
        id
    }

    /// Makes sure later allocations do not collide with an ID loaded from a fixture.
    pub fn reserve(&mut self, kind: Kind, id: Id) {
        let slot = self.next.entry(kind).or_insert(1);
        *slot = (*slot).max(id + 1);
    }

    /// Marks a row changed so the next persist writes (or deletes) it.
    pub fn touch(&mut self, kind: Kind, id: Id) {
        self.dirty.insert((kind, id));
    }

    /// Rows changed since the last call (deleted rows are those no longer present).
    pub fn take_dirty(&mut self) -> BTreeSet<(Kind, Id)> {
        std::mem::take(&mut self.dirty)
    }

    /// Marks every row dirty (used to write a full snapshot after a reset).
    pub fn touch_all(&mut self) {
        let all = self.all_keys();
        self.dirty.extend(all);
    }

    fn all_keys(&self) -> Vec<(Kind, Id)> {
        let mut keys = Vec::new();
        keys.extend(self.projects.keys().map(|i| (Kind::Project, *i)));
        keys.extend(self.suites.keys().map(|i| (Kind::Suite, *i)));
        keys.extend(self.sections.keys().map(|i| (Kind::Section, *i)));
        keys.extend(self.cases.keys().map(|i| (Kind::Case, *i)));
        keys.extend(self.milestones.keys().map(|i| (Kind::Milestone, *i)));
        keys.extend(self.users.keys().map(|i| (Kind::User, *i)));
        keys.extend(self.statuses.keys().map(|i| (Kind::Status, *i)));
        keys.extend(self.config_groups.keys().map(|i| (Kind::ConfigGroup, *i)));
        keys.extend(self.runs.keys().map(|i| (Kind::Run, *i)));
        keys.extend(self.plans.keys().map(|i| (Kind::Plan, *i)));
        keys.extend(self.tests.keys().map(|i| (Kind::Test, *i)));
        keys.extend(self.results.keys().map(|i| (Kind::Result, *i)));
        keys.extend(self.attachments.keys().map(|i| (Kind::Attachment, *i)));
        keys
    }

    /// The current JSON of a row, `None` if it was deleted.
    pub fn row_json(&self, kind: Kind, id: Id) -> Option<String> {
        let json = match kind {
            Kind::Project => serde_json::to_string(self.projects.get(&id)?),
            Kind::Suite => serde_json::to_string(self.suites.get(&id)?),
            Kind::Section => serde_json::to_string(self.sections.get(&id)?),
            Kind::Case => serde_json::to_string(self.cases.get(&id)?),
            Kind::Milestone => serde_json::to_string(self.milestones.get(&id)?),
            Kind::User => serde_json::to_string(self.users.get(&id)?),
            Kind::Status => serde_json::to_string(self.statuses.get(&id)?),
            Kind::ConfigGroup => serde_json::to_string(self.config_groups.get(&id)?),
            Kind::Run => serde_json::to_string(self.runs.get(&id)?),
            Kind::Plan => serde_json::to_string(self.plans.get(&id)?),
            Kind::Test => serde_json::to_string(self.tests.get(&id)?),
            Kind::Result => serde_json::to_string(self.results.get(&id)?),
            Kind::Attachment => serde_json::to_string(self.attachments.get(&id)?),
        };
        Some(json.expect("state rows always serialize"))
    }

    /// Loads one persisted row (the inverse of [`State::row_json`]).
    pub fn load_row(
        &mut self,
        kind: Kind,
        id: Id,
        json: &str,
        blob: Option<Vec<u8>>,
    ) -> serde_json::Result<()> {
        match kind {
            Kind::Project => self
                .projects
                .insert(id, serde_json::from_str(json)?)
                .map(drop),
            Kind::Suite => self
                .suites
                .insert(id, serde_json::from_str(json)?)
                .map(drop),
            Kind::Section => self
                .sections
                .insert(id, serde_json::from_str(json)?)
                .map(drop),
            Kind::Case => self.cases.insert(id, serde_json::from_str(json)?).map(drop),
            Kind::Milestone => self
                .milestones
                .insert(id, serde_json::from_str(json)?)
                .map(drop),
            Kind::User => self.users.insert(id, serde_json::from_str(json)?).map(drop),
            Kind::Status => self
                .statuses
                .insert(id, serde_json::from_str(json)?)
                .map(drop),
            Kind::ConfigGroup => self
                .config_groups
                .insert(id, serde_json::from_str(json)?)
                .map(drop),
            Kind::Run => self.runs.insert(id, serde_json::from_str(json)?).map(drop),
            Kind::Plan => self.plans.insert(id, serde_json::from_str(json)?).map(drop),
            Kind::Test => self.tests.insert(id, serde_json::from_str(json)?).map(drop),
            Kind::Result => self
                .results
                .insert(id, serde_json::from_str(json)?)
                .map(drop),
            Kind::Attachment => {
                let mut row: AttachmentRow = serde_json::from_str(json)?;
                row.data = blob.unwrap_or_default();
                self.attachments.insert(id, row).map(drop)
            }
        };
        Ok(())
    }

    /// Rebuilds the derived lookup tables (after loading rows).
    pub fn rebuild_indexes(&mut self) {
        self.idx = Indexes::default();
        let tests: Vec<TestRow> = self.tests.values().cloned().collect();
        for t in &tests {
            self.index_test(t);
        }
        for r in self.results.values() {
            self.idx
                .results_of_test
                .entry(r.test_id)
                .or_default()
                .push(r.id);
        }
    }

    fn index_test(&mut self, t: &TestRow) {
        self.idx
            .tests_of_run
            .entry(t.run_id)
            .or_default()
            .push(t.id);
        self.idx
            .test_by_run_case
            .insert((t.run_id, t.case_id), t.id);
    }

    /// A fresh, unused plan entry ID shaped like TestRail's UUIDs.
    pub fn new_uuid(&mut self, salt: u64) -> String {
        self.uuid_counter += 1;
        let mut rng = fastrand::Rng::with_seed(self.uuid_counter ^ salt.rotate_left(17));
        format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            rng.u32(..),
            rng.u16(..),
            rng.u16(..0x1000),
            rng.u16(0x8000..0xc000),
            rng.u64(..1 << 48)
        )
    }

    /// The project, or TestRail's "not a valid or accessible project" error.
    pub fn project(&self, id: Id) -> ApiResult<&Project> {
        self.projects
            .get(&id)
            .ok_or_else(|| ApiError::not_valid("project_id", "or accessible project"))
    }

    /// Whether a user with this ID exists.
    pub fn user_exists(&self, id: Id) -> bool {
        self.users.contains_key(&id)
    }

    /// Validates an optional `assignedto_id` of a result: `Field :assignedto_id is not a valid
    /// user`, without a final period, as a live server's test expects it (testrail-observed
    /// 4.14; the catalogue doubts where each of its two texts is used).
    pub fn check_user(&self, field: &str, id: Option<Id>) -> ApiResult<()> {
        match id {
            Some(u) if !self.user_exists(u) => {
                Err(ApiError::bad(format!("Field :{field} is not a valid user")))
            }
            _ => Ok(()),
        }
    }

    /// Validates a run's `assignedto_id` (add_run, update_run, plan entries): TestRail's
    /// language file has `Field :assignedto_id is not a valid ID.` for runs (testrail-observed
    /// 4.14, doubtful: language file, not a live answer).
    pub fn check_run_assignee(&self, id: Option<Id>) -> ApiResult<()> {
        match id {
            Some(u) if !self.user_exists(u) => Err(ApiError::invalid_id("assignedto_id")),
            _ => Ok(()),
        }
    }

    /// Validates an optional `milestone_id`: it must exist and belong to the project.
    pub fn check_milestone(&self, project_id: Id, id: Option<Id>) -> ApiResult<()> {
        match id {
            Some(m)
                if self
                    .milestones
                    .get(&m)
                    .is_none_or(|ms| ms.project_id != project_id) =>
            {
                Err(ApiError::not_valid("milestone_id", "milestone"))
            }
            _ => Ok(()),
        }
    }

    /// Inserts or replaces a status, marking it dirty.
    pub fn put_status(&mut self, st: Status) {
        self.touch(Kind::Status, st.id);
        self.statuses.insert(st.id, st);
    }
}

/// `http://HOST/index.php?/<page>/<id>` — links into the emulator's own web view.
pub fn view_url(base: &str, page: &str, id: impl std::fmt::Display) -> String {
    format!("{base}/index.php?/{page}/{id}")
}

#[cfg(test)]
mod tests {
    use testrail_api::models::{AddProject, CaseFields, NewResult, RunFields};

    use super::*;

    fn shop() -> State {
        let mut s = State::new();
        s.ensure_user("a@x.test", None);
        s.add_project(
            AddProject {
                name: "P".into(),
                ..Default::default()
            },
            1,
        )
        .unwrap();
        let section = s
            .add_section(
                1,
                testrail_api::models::AddSection {
                    name: "S".into(),
                    ..Default::default()
                },
            )
            .unwrap();
        for i in 0..5 {
            let f = CaseFields {
                title: Some(format!("case {i}")),
                ..Default::default()
            };
            s.add_case(section.id, f, 1, 1).unwrap();
        }
        s
    }

    fn scoped(s: &mut State, cases: Vec<Id>) -> Id {
        let f = RunFields {
            name: Some("r".into()),
            include_all: Some(false),
            case_ids: Some(cases),
            ..Default::default()
        };
        s.add_run(1, f, 1, 2).unwrap().id
    }

    fn result(case_id: Id, status_id: Id) -> NewResult {
        NewResult {
            case_id: Some(case_id),
            status_id: Some(status_id),
            ..Default::default()
        }
    }

    #[test]
    fn ids_are_sequential_per_kind_and_never_reused() {
        let mut s = shop();
        assert_eq!(s.cases.keys().copied().collect::<Vec<_>>(), [1, 2, 3, 4, 5]);
        let r1 = scoped(&mut s, vec![1]);
        s.delete_run(r1, false).unwrap();
        assert_eq!(scoped(&mut s, vec![2]), 2);
    }

    #[test]
    fn refused_bulk_changes_nothing_not_even_id_counters() {
        let mut s = shop();
        let run = scoped(&mut s, vec![1, 2]);
        let before = (
            s.results.len(),
            s.next.get(&Kind::Result).copied(),
            s.counts_of_run(run),
        );
        let err = s
            .add_results_for_cases(run, vec![result(1, 1), result(3, 1)], 1, 3)
            .unwrap_err();
        assert!(
            err.message
                .contains("case C3 unknown or not part of the test run")
        );
        assert_eq!(
            before,
            (
                s.results.len(),
                s.next.get(&Kind::Result).copied(),
                s.counts_of_run(run)
            )
        );
    }

    #[test]
    fn dropped_and_re_added_cases_keep_their_tests() {
        let mut s = shop();
        let run = scoped(&mut s, vec![1, 2]);
        s.add_results_for_cases(run, vec![result(2, 5)], 1, 3)
            .unwrap();
        let test_of_2 = s.active_test_for_case(run, 2).unwrap().id;
        let only_1 = RunFields {
            case_ids: Some(vec![1]),
            ..Default::default()
        };
        s.update_run(run, only_1, false, 4).unwrap();
        assert!(s.active_test_for_case(run, 2).is_none());
        assert_eq!(s.counts_of_run(run).failed_count, 0);
        let both = RunFields {
            case_ids: Some(vec![2, 1]),
            ..Default::default()
        };
        s.update_run(run, both, false, 5).unwrap();
        assert_eq!(s.active_test_for_case(run, 2).unwrap().id, test_of_2);
        assert_eq!(s.counts_of_run(run).failed_count, 1);
    }

    #[test]
    fn dirty_rows_track_writes_and_deletes() {
        let mut s = shop();
        s.take_dirty();
        let run = scoped(&mut s, vec![1]);
        let dirty = s.take_dirty();
        assert!(dirty.contains(&(Kind::Run, run)) && dirty.contains(&(Kind::Test, 1)));
        s.delete_run(run, false).unwrap();
        let dirty = s.take_dirty();
        assert!(dirty.contains(&(Kind::Run, run)));
        assert!(
            s.row_json(Kind::Run, run).is_none(),
            "deleted rows have no JSON"
        );
    }

    #[test]
    fn plan_entry_ids_look_like_uuids_and_differ() {
        let mut s = State::new();
        let (a, b) = (s.new_uuid(1), s.new_uuid(1));
        assert_ne!(a, b);
        let groups: Vec<usize> = a.split('-').map(str::len).collect();
        assert_eq!(groups, [8, 4, 4, 4, 12]);
    }
}
