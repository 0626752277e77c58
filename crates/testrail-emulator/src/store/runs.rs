//! Runs and their tests: scope (`include_all` + `case_ids`), replace-on-update, close, delete,
//! counters computed from the tests' current statuses.

use testrail_api::models::{Id, Run, RunFields, StatusCounts, Test};

use super::{Kind, State, TestRow, view_url};
use crate::error::{ApiError, ApiResult, PLAN_RUN_EDIT, RUN_COMPLETED, RUN_DELETE_COMPLETED};

/// Which cases a run holds: every case of the suite, or exactly these.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunScope {
    /// Every case of the suite, including cases added later (`include_all: true`).
    All,
    /// Exactly these cases (`include_all: false` with `case_ids`).
    Cases(Vec<Id>),
}

/// Where a new run lives when it belongs to a plan entry.
#[derive(Debug, Clone, Default)]
pub struct PlanPlace {
    /// The plan the run belongs to.
    pub plan_id: Id,
    /// The entry (UUID) the run belongs to.
    pub entry_id: String,
    /// Position of the run in its entry.
    pub entry_index: u32,
    /// The run's configurations, one per configuration group at most.
    pub config_ids: Vec<Id>,
}

/// `get_runs` filters.
#[derive(Debug, Clone, Default)]
pub struct RunFilter {
    /// Only runs created at or after this UNIX time.
    pub created_after: Option<i64>,
    /// Only runs created at or before this UNIX time.
    pub created_before: Option<i64>,
    /// Only runs created by one of these users.
    pub created_by: Option<Vec<Id>>,
    /// Only closed (`true`) or only open (`false`) runs.
    pub is_completed: Option<bool>,
    /// Only runs linked to one of these milestones.
    pub milestone_id: Option<Vec<Id>>,
    /// Only runs of one of these suites.
    pub suite_id: Option<Vec<Id>>,
    /// Only runs whose `refs` contain this text.
    pub refs_filter: Option<String>,
}

fn dedup(ids: &[Id]) -> Vec<Id> {
    let mut seen = std::collections::HashSet::new();
    ids.iter().copied().filter(|i| seen.insert(*i)).collect()
}

impl State {
    /// The run (standalone or in a plan), or TestRail's "not a valid test run" error.
    pub fn run(&self, id: Id) -> ApiResult<&Run> {
        self.runs
            .get(&id)
            .ok_or_else(|| ApiError::not_valid("run_id", "test run"))
    }

    /// An open run that may receive results.
    pub fn open_run(&self, id: Id) -> ApiResult<&Run> {
        let run = self.run(id)?;
        if run.is_completed {
            return Err(ApiError::bad(RUN_COMPLETED));
        }
        Ok(run)
    }

    /// The scope a run body asks for; `include_all` defaults to true as in TestRail.
    pub fn scope_of(
        &self,
        suite_id: Id,
        include_all: Option<bool>,
        case_ids: &Option<Vec<Id>>,
    ) -> ApiResult<RunScope> {
        if include_all.unwrap_or(true) {
            return Ok(RunScope::All);
        }
        let ids = dedup(case_ids.as_deref().unwrap_or(&[]));
        for id in &ids {
            match self.cases.get(id) {
                Some(c) if c.suite_id == suite_id && c.is_deleted == 0 => {}
                _ => return Err(ApiError::invalid_id("case_ids")),
            }
        }
        Ok(RunScope::Cases(ids))
    }

    fn scope_case_ids(&self, suite_id: Id, scope: &RunScope) -> Vec<Id> {
        match scope {
            RunScope::All => self.suite_case_ids(suite_id),
            RunScope::Cases(ids) => ids.clone(),
        }
    }

    /// Creates a standalone run (`add_run`) with one test per case in scope, all untested.
    pub fn add_run(&mut self, project_id: Id, f: RunFields, user: Id, now: i64) -> ApiResult<Run> {
        let suite_id = self.resolve_suite(project_id, f.suite_id)?;
        let name = f
            .name
            .clone()
            .filter(|n| !n.trim().is_empty())
            .ok_or_else(|| ApiError::required("name"))?;
        let scope = self.scope_of(suite_id, f.include_all, &f.case_ids)?;
        self.check_milestone(project_id, f.milestone_id)?;
        self.check_run_assignee(f.assignedto_id)?;
        let id = self.create_run(project_id, suite_id, name, &f, scope, None, user, now);
        Ok(self.runs[&id].clone())
    }

    /// Inserts a validated run and its tests; returns its ID.
    #[allow(clippy::too_many_arguments)]
    pub fn create_run(
        &mut self,
        project_id: Id,
        suite_id: Id,
        name: String,
        f: &RunFields,
        scope: RunScope,
        place: Option<PlanPlace>,
        user: Id,
        now: i64,
    ) -> Id {
        let id = self.alloc(Kind::Run);
        let place = place.unwrap_or_default();
        let run = Run {
            id,
            suite_id,
            name,
            description: f.description.clone(),
            milestone_id: f.milestone_id,
            assignedto_id: f.assignedto_id,
            include_all: scope == RunScope::All,
            config: self.config_label(&place.config_ids),
            config_ids: place.config_ids.clone(),
            project_id,
            plan_id: (place.plan_id != 0).then_some(place.plan_id),
            entry_id: (place.plan_id != 0).then_some(place.entry_id),
            entry_index: (place.plan_id != 0).then_some(place.entry_index),
            created_on: now,
            updated_on: Some(now),
            created_by: user,
            refs: f.refs.clone(),
            ..Default::default()
        };
        let mut run = run;
        run.extra.insert("start_on".into(), f.start_on.into());
        run.extra.insert("due_on".into(), f.due_on.into());
        self.runs.insert(id, run);
        self.touch(Kind::Run, id);
        let cases = self.scope_case_ids(suite_id, &scope);
        self.set_run_cases(id, &cases);
        id
    }

    /// Makes the run's active tests exactly `case_ids`: new cases get new tests, dropped ones are
    /// deactivated (kept with their results), re-added ones come back.
    pub fn set_run_cases(&mut self, run_id: Id, case_ids: &[Id]) {
        let wanted: std::collections::HashSet<Id> = case_ids.iter().copied().collect();
        for tid in self
            .idx
            .tests_of_run
            .get(&run_id)
            .cloned()
            .unwrap_or_default()
        {
            let t = self.tests.get_mut(&tid).expect("indexed");
            let active = wanted.contains(&t.case_id);
            if t.active != active {
                t.active = active;
                self.dirty.insert((Kind::Test, tid));
            }
        }
        for &case_id in case_ids {
            if !self.idx.test_by_run_case.contains_key(&(run_id, case_id)) {
                self.insert_test(run_id, case_id);
            }
        }
    }

    fn insert_test(&mut self, run_id: Id, case_id: Id) {
        let id = self.alloc(Kind::Test);
        let row = TestRow {
            id,
            run_id,
            case_id,
            status_id: 3,
            assignedto_id: None,
            active: true,
        };
        self.index_test(&row);
        self.tests.insert(id, row);
        self.touch(Kind::Test, id);
    }

    /// A case added to a suite joins its open `include_all` runs, as in TestRail.
    pub fn on_case_added(&mut self, case_id: Id, suite_id: Id) {
        let runs: Vec<Id> = self
            .runs
            .values()
            .filter(|r| r.suite_id == suite_id && r.include_all && !r.is_completed)
            .map(|r| r.id)
            .collect();
        for run_id in runs {
            self.insert_test(run_id, case_id);
        }
    }

    /// Changes a run (`update_run`); a plan's run only changes through its plan (`via_plan`), a
    /// closed run never.
    pub fn update_run(&mut self, id: Id, f: RunFields, via_plan: bool, now: i64) -> ApiResult<Run> {
        let run = self.run(id)?;
        if run.plan_id.is_some() && !via_plan {
            return Err(ApiError::bad(PLAN_RUN_EDIT));
        }
        if run.is_completed {
            return Err(ApiError::bad(RUN_COMPLETED));
        }
        let (suite_id, project_id, was_all) = (run.suite_id, run.project_id, run.include_all);
        if f.name.as_ref().is_some_and(|n| n.trim().is_empty()) {
            return Err(ApiError::required("name"));
        }
        self.check_milestone(project_id, f.milestone_id)?;
        self.check_run_assignee(f.assignedto_id)?;
        let include_all = f.include_all.unwrap_or(was_all);
        let new_cases = if include_all {
            Some(self.suite_case_ids(suite_id))
        } else if f.case_ids.is_some() {
            match self.scope_of(suite_id, Some(false), &f.case_ids)? {
                RunScope::Cases(ids) => Some(ids),
                RunScope::All => None,
            }
        } else {
            None
        };
        self.apply_run_fields(id, &f, include_all, now);
        if let Some(cases) = new_cases {
            self.set_run_cases(id, &cases);
        }
        Ok(self.runs[&id].clone())
    }

    fn apply_run_fields(&mut self, id: Id, f: &RunFields, include_all: bool, now: i64) {
        let r = self.runs.get_mut(&id).expect("checked");
        if let Some(n) = &f.name {
            r.name = n.clone();
        }
        if f.description.is_some() {
            r.description = f.description.clone();
        }
        if f.milestone_id.is_some() {
            r.milestone_id = f.milestone_id;
        }
        if f.assignedto_id.is_some() {
            r.assignedto_id = f.assignedto_id;
        }
        if f.refs.is_some() {
            r.refs = f.refs.clone();
        }
        if let Some(t) = f.start_on {
            r.extra.insert("start_on".into(), t.into());
        }
        if let Some(t) = f.due_on {
            r.extra.insert("due_on".into(), t.into());
        }
        r.include_all = include_all;
        r.updated_on = Some(now);
        self.touch(Kind::Run, id);
    }

    /// Closes a run (`close_run`); a plan's run only closes with its plan (`via_plan`).
    pub fn close_run(&mut self, id: Id, via_plan: bool, now: i64) -> ApiResult<Run> {
        let run = self.run(id)?;
        if run.plan_id.is_some() && !via_plan {
            return Err(ApiError::bad(
                "This operation is not allowed. The test run belongs to a test plan and cannot be closed independently.",
            ));
        }
        if run.is_completed {
            return Err(ApiError::bad(RUN_COMPLETED));
        }
        let r = self.runs.get_mut(&id).expect("checked");
        r.is_completed = true;
        r.completed_on = Some(now);
        r.updated_on = Some(now);
        self.touch(Kind::Run, id);
        Ok(self.runs[&id].clone())
    }

    /// Removes a run with its tests, results and attachments.
    pub fn delete_run(&mut self, id: Id, via_plan: bool) -> ApiResult<()> {
        let run = self.run(id)?;
        if run.plan_id.is_some() && !via_plan {
            return Err(ApiError::bad(
                "This operation is not allowed. The test run belongs to a test plan and cannot be deleted independently.",
            ));
        }
        // testrail-observed 4.11 (doubtful: that closed runs cannot be deleted is from a live
        // server's tests, the text is the language file's `runs_denied_delete_completed`, and
        // the 403 is inferred from the other permission errors).
        if run.is_completed && !via_plan {
            return Err(ApiError::forbidden(RUN_DELETE_COMPLETED));
        }
        for tid in self.idx.tests_of_run.remove(&id).unwrap_or_default() {
            let case_id = self.tests.remove(&tid).map(|t| t.case_id).unwrap_or(0);
            self.idx.test_by_run_case.remove(&(id, case_id));
            self.touch(Kind::Test, tid);
            for rid in self.idx.results_of_test.remove(&tid).unwrap_or_default() {
                self.results.remove(&rid);
                self.touch(Kind::Result, rid);
            }
        }
        self.runs.remove(&id);
        self.touch(Kind::Run, id);
        Ok(())
    }

    /// The run's tests that are currently part of it, in creation order.
    pub fn active_tests(&self, run_id: Id) -> Vec<&TestRow> {
        self.idx
            .tests_of_run
            .get(&run_id)
            .map(|ids| {
                ids.iter()
                    .filter_map(|t| self.tests.get(t))
                    .filter(|t| t.active)
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The test of `case_id` in the run, if the case is (still) in it.
    pub fn active_test_for_case(&self, run_id: Id, case_id: Id) -> Option<&TestRow> {
        let tid = self.idx.test_by_run_case.get(&(run_id, case_id))?;
        self.tests.get(tid).filter(|t| t.active)
    }

    /// Tests per status over the run's active tests.
    pub fn counts_of_run(&self, run_id: Id) -> StatusCounts {
        let mut counts = StatusCounts::default();
        for t in self.active_tests(run_id) {
            if let Some(slot) = counts.slot_mut(t.status_id) {
                *slot += 1;
            }
        }
        counts
    }

    /// The run as the API returns it: counters and web-view URL filled in.
    pub fn run_json(&self, id: Id, base: &str) -> Run {
        let mut run = self.runs[&id].clone();
        run.counts = self.counts_of_run(id);
        run.url = view_url(base, "runs/view", id);
        run
    }

    /// IDs of the project's standalone runs (plan runs excluded) matching `f`, newest first
    /// (`get_runs`).
    pub fn runs_of(&self, project_id: Id, f: &RunFilter) -> ApiResult<Vec<Id>> {
        self.project(project_id)?;
        let has = |l: &Option<Vec<Id>>, v: Id| l.as_ref().is_none_or(|l| l.contains(&v));
        Ok(self
            .runs
            .values()
            .filter(|r| r.project_id == project_id && r.plan_id.is_none())
            .filter(|r| f.created_after.is_none_or(|t| r.created_on >= t))
            .filter(|r| f.created_before.is_none_or(|t| r.created_on <= t))
            .filter(|r| has(&f.created_by, r.created_by) && has(&f.suite_id, r.suite_id))
            .filter(|r| f.is_completed.is_none_or(|c| r.is_completed == c))
            .filter(|r| {
                f.milestone_id
                    .as_ref()
                    .is_none_or(|l| r.milestone_id.is_some_and(|m| l.contains(&m)))
            })
            .filter(|r| {
                f.refs_filter
                    .as_ref()
                    .is_none_or(|q| r.refs.as_deref().is_some_and(|x| x.contains(q.as_str())))
            })
            .map(|r| r.id)
            .rev()
            .collect())
    }

    /// The test, or TestRail's "not a valid test" error; tests of cases dropped from their run
    /// count as gone.
    pub fn test(&self, id: Id) -> ApiResult<&TestRow> {
        self.tests
            .get(&id)
            .filter(|t| t.active)
            .ok_or_else(|| ApiError::not_valid("test_id", "test"))
    }

    /// A test as the API returns it: the run's status plus its case's fields.
    pub fn test_json(&self, t: &TestRow) -> Test {
        let case = self.cases.get(&t.case_id).cloned().unwrap_or_default();
        Test {
            id: t.id,
            case_id: t.case_id,
            run_id: t.run_id,
            status_id: t.status_id,
            assignedto_id: t.assignedto_id,
            title: case.title,
            template_id: case.template_id,
            type_id: case.type_id,
            priority_id: case.priority_id,
            estimate: case.estimate,
            estimate_forecast: case.estimate_forecast,
            refs: case.refs,
            milestone_id: case.milestone_id,
            extra: case.extra,
        }
    }
}
