//! Test plans: entries with one run per configuration set, entry-wide updates, closing.

use testrail_api::models::{AddPlanEntry, Id, Plan, PlanEntry, RunFields, StatusCounts};

use super::{EntryRow, Kind, PlanPlace, PlanRow, RunScope, State, view_url};
use crate::error::{ApiError, ApiResult, PLAN_COMPLETED};

/// `get_plans` filters.
#[derive(Debug, Clone, Default)]
pub struct PlanFilter {
    /// Only plans created at or after this UNIX time.
    pub created_after: Option<i64>,
    /// Only plans created at or before this UNIX time.
    pub created_before: Option<i64>,
    /// Only plans created by one of these users.
    pub created_by: Option<Vec<Id>>,
    /// Only closed (`true`) or only open (`false`) plans.
    pub is_completed: Option<bool>,
    /// Only plans linked to one of these milestones.
    pub milestone_id: Option<Vec<Id>>,
}

/// Fields of `add_plan`.
#[derive(Debug, Clone, Default)]
pub struct NewPlan {
    /// Plan name (required).
    pub name: String,
    /// Free-text description.
    pub description: Option<String>,
    /// Milestone to link the plan to; must belong to the project.
    pub milestone_id: Option<Id>,
    /// Entries created with the plan, all validated before anything is created.
    pub entries: Vec<AddPlanEntry>,
}

/// One run of an entry, validated: its scope and configurations.
struct RunSpec {
    fields: RunFields,
    scope: RunScope,
    config_ids: Vec<Id>,
}

impl State {
    /// The plan, or TestRail's "not a valid test plan" error.
    pub fn plan(&self, id: Id) -> ApiResult<&PlanRow> {
        self.plans
            .get(&id)
            .ok_or_else(|| ApiError::not_valid("plan_id", "test plan"))
    }

    fn open_plan(&self, id: Id) -> ApiResult<&PlanRow> {
        let p = self.plan(id)?;
        if p.plan.is_completed {
            return Err(ApiError::forbidden(PLAN_COMPLETED));
        }
        Ok(p)
    }

    /// Creates a plan with its entries (`add_plan`), all or nothing; returns the new plan's ID.
    pub fn add_plan(&mut self, project_id: Id, req: NewPlan, user: Id, now: i64) -> ApiResult<Id> {
        self.project(project_id)?;
        self.check_milestone(project_id, req.milestone_id)?;
        // Validate every entry before creating anything: add_plan is all or nothing.
        let specs = req
            .entries
            .iter()
            .map(|e| self.entry_specs(project_id, e))
            .collect::<ApiResult<Vec<_>>>()?;
        let id = self.alloc(Kind::Plan);
        let plan = Plan {
            id,
            name: req.name,
            description: req.description,
            milestone_id: req.milestone_id,
            project_id,
            created_on: now,
            created_by: user,
            ..Default::default()
        };
        self.plans.insert(
            id,
            PlanRow {
                plan,
                entries: vec![],
            },
        );
        self.touch(Kind::Plan, id);
        for (entry, specs) in req.entries.iter().zip(specs) {
            self.insert_entry(id, entry, specs, user, now);
        }
        Ok(id)
    }

    /// Adds an entry with its runs to an open plan (`add_plan_entry`).
    pub fn add_plan_entry(
        &mut self,
        plan_id: Id,
        entry: AddPlanEntry,
        user: Id,
        now: i64,
    ) -> ApiResult<String> {
        let project_id = self.open_plan(plan_id)?.plan.project_id;
        let specs = self.entry_specs(project_id, &entry)?;
        Ok(self.insert_entry(plan_id, &entry, specs, user, now))
    }

    fn entry_specs(&self, project_id: Id, e: &AddPlanEntry) -> ApiResult<Vec<RunSpec>> {
        let suite_id = self.resolve_suite(project_id, Some(e.suite_id))?;
        let entry_configs = e.config_ids.clone().unwrap_or_default();
        self.check_config_ids(project_id, &entry_configs)?;
        if e.runs.is_empty() {
            let scope = self.scope_of(suite_id, e.include_all, &e.case_ids)?;
            let fields = RunFields {
                description: e.description.clone(),
                refs: e.refs.clone(),
                ..Default::default()
            };
            return Ok(vec![RunSpec {
                fields,
                scope,
                config_ids: vec![],
            }]);
        }
        e.runs
            .iter()
            .map(|r| {
                let include_all = r.include_all.or(e.include_all);
                let case_ids = if r.case_ids.is_some() {
                    &r.case_ids
                } else {
                    &e.case_ids
                };
                let scope = self.scope_of(suite_id, include_all, case_ids)?;
                let config_ids = r.config_ids.clone().unwrap_or_default();
                self.check_config_ids(project_id, &config_ids)?;
                self.check_run_assignee(r.assignedto_id)?;
                let mut fields = r.clone();
                fields.description = r.description.clone().or(e.description.clone());
                fields.refs = r.refs.clone().or(e.refs.clone());
                Ok(RunSpec {
                    fields,
                    scope,
                    config_ids,
                })
            })
            .collect()
    }

    fn insert_entry(
        &mut self,
        plan_id: Id,
        e: &AddPlanEntry,
        specs: Vec<RunSpec>,
        user: Id,
        now: i64,
    ) -> String {
        let project_id = self.plans[&plan_id].plan.project_id;
        let entry_id = self.new_uuid(plan_id);
        let entry_index = self.plans[&plan_id].entries.len() as u32 + 1;
        let name = e
            .name
            .clone()
            .unwrap_or_else(|| self.suites[&e.suite_id].name.clone());
        let mut run_ids = vec![];
        for spec in specs {
            let place = PlanPlace {
                plan_id,
                entry_id: entry_id.clone(),
                entry_index,
                config_ids: spec.config_ids,
            };
            let run_id = self.create_run(
                project_id,
                e.suite_id,
                name.clone(),
                &spec.fields,
                spec.scope,
                Some(place),
                user,
                now,
            );
            run_ids.push(run_id);
        }
        let row = EntryRow {
            id: entry_id.clone(),
            suite_id: e.suite_id,
            name,
            description: e.description.clone(),
            include_all: e.include_all.unwrap_or(true),
            refs: e.refs.clone(),
            run_ids,
        };
        self.plans
            .get_mut(&plan_id)
            .expect("checked")
            .entries
            .push(row);
        self.touch(Kind::Plan, plan_id);
        entry_id
    }

    fn entry_pos(&self, plan_id: Id, entry_id: &str) -> ApiResult<usize> {
        self.plan(plan_id)?
            .entries
            .iter()
            .position(|e| e.id == entry_id)
            .ok_or_else(|| ApiError::not_valid("entry_id", "test plan entry"))
    }

    /// Updates every run of an entry (name, description, scope, refs, assignee).
    pub fn update_plan_entry(
        &mut self,
        plan_id: Id,
        entry_id: &str,
        f: RunFields,
        now: i64,
    ) -> ApiResult<()> {
        self.open_plan(plan_id)?;
        let pos = self.entry_pos(plan_id, entry_id)?;
        let entry = self.plans[&plan_id].entries[pos].clone();
        self.check_run_assignee(f.assignedto_id)?;
        if f.include_all == Some(false) || (f.include_all.is_none() && !entry.include_all) {
            self.scope_of(entry.suite_id, Some(false), &f.case_ids)?;
        }
        for run_id in &entry.run_ids {
            let mut rf = f.clone();
            rf.config_ids = None;
            self.update_run(*run_id, rf, true, now)?;
        }
        let e = &mut self.plans.get_mut(&plan_id).expect("checked").entries[pos];
        if let Some(n) = f.name {
            e.name = n;
        }
        if f.description.is_some() {
            e.description = f.description;
        }
        if f.refs.is_some() {
            e.refs = f.refs;
        }
        if let Some(all) = f.include_all {
            e.include_all = all;
        }
        self.touch(Kind::Plan, plan_id);
        Ok(())
    }

    /// `add_run_to_plan_entry`: another configuration combination for an existing entry.
    pub fn add_run_to_plan_entry(
        &mut self,
        plan_id: Id,
        entry_id: &str,
        f: RunFields,
        user: Id,
        now: i64,
    ) -> ApiResult<()> {
        let project_id = self.open_plan(plan_id)?.plan.project_id;
        let pos = self.entry_pos(plan_id, entry_id)?;
        let entry = self.plans[&plan_id].entries[pos].clone();
        let config_ids = f
            .config_ids
            .clone()
            .filter(|ids| !ids.is_empty())
            .ok_or_else(|| ApiError::required("config_ids"))?;
        self.check_config_ids(project_id, &config_ids)?;
        self.check_run_assignee(f.assignedto_id)?;
        let include_all = f.include_all.or(Some(entry.include_all));
        let scope = self.scope_of(entry.suite_id, include_all, &f.case_ids)?;
        let place = PlanPlace {
            plan_id,
            entry_id: entry.id.clone(),
            entry_index: pos as u32 + 1,
            config_ids,
        };
        let run_id = self.create_run(
            project_id,
            entry.suite_id,
            entry.name.clone(),
            &f,
            scope,
            Some(place),
            user,
            now,
        );
        let plan = self.plans.get_mut(&plan_id).expect("checked");
        plan.entries[pos].run_ids.push(run_id);
        self.touch(Kind::Plan, plan_id);
        Ok(())
    }

    /// `delete_run_from_plan_entry`: removes one configuration run from its entry.
    pub fn delete_run_from_plan_entry(&mut self, run_id: Id) -> ApiResult<()> {
        let plan_id = self
            .run(run_id)?
            .plan_id
            .ok_or_else(|| ApiError::not_valid("run_id", "test run in a test plan"))?;
        self.open_plan(plan_id)?;
        self.delete_run(run_id, true)?;
        let row = self.plans.get_mut(&plan_id).expect("checked");
        for e in &mut row.entries {
            e.run_ids.retain(|r| *r != run_id);
        }
        self.touch(Kind::Plan, plan_id);
        Ok(())
    }

    /// `update_run_in_plan_entry`: one run of an entry.
    pub fn update_run_in_plan_entry(
        &mut self,
        run_id: Id,
        f: RunFields,
        now: i64,
    ) -> ApiResult<()> {
        let plan_id = self
            .run(run_id)?
            .plan_id
            .ok_or_else(|| ApiError::not_valid("run_id", "test run in a test plan"))?;
        self.open_plan(plan_id)?;
        self.update_run(run_id, f, true, now).map(drop)
    }

    /// Closes a plan and every run in it (`close_plan`).
    pub fn close_plan(&mut self, plan_id: Id, now: i64) -> ApiResult<()> {
        self.open_plan(plan_id)?;
        let runs: Vec<Id> = self.plans[&plan_id]
            .entries
            .iter()
            .flat_map(|e| e.run_ids.clone())
            .collect();
        for run_id in runs {
            if !self.runs[&run_id].is_completed {
                self.close_run(run_id, true, now)?;
            }
        }
        let p = &mut self.plans.get_mut(&plan_id).expect("checked").plan;
        p.is_completed = true;
        p.completed_on = Some(now);
        self.touch(Kind::Plan, plan_id);
        Ok(())
    }

    /// Deletes a plan with its runs, tests and results (`delete_plan`).
    pub fn delete_plan(&mut self, plan_id: Id) -> ApiResult<()> {
        let runs: Vec<Id> = self
            .plan(plan_id)?
            .entries
            .iter()
            .flat_map(|e| e.run_ids.clone())
            .collect();
        for run_id in runs {
            self.delete_run(run_id, true)?;
        }
        self.plans.remove(&plan_id);
        self.touch(Kind::Plan, plan_id);
        Ok(())
    }

    /// Deletes one entry of an open plan with its runs (`delete_plan_entry`).
    pub fn delete_plan_entry(&mut self, plan_id: Id, entry_id: &str) -> ApiResult<()> {
        self.open_plan(plan_id)?;
        let pos = self.entry_pos(plan_id, entry_id)?;
        let entry = self
            .plans
            .get_mut(&plan_id)
            .expect("checked")
            .entries
            .remove(pos);
        for run_id in entry.run_ids {
            self.delete_run(run_id, true)?;
        }
        self.touch(Kind::Plan, plan_id);
        Ok(())
    }

    /// The entry as the API shows it, its runs with counters and `url`s under `base`.
    pub fn entry_json(&self, e: &EntryRow, base: &str) -> PlanEntry {
        PlanEntry {
            id: e.id.clone(),
            suite_id: e.suite_id,
            name: e.name.clone(),
            description: e.description.clone(),
            include_all: e.include_all,
            refs: e.refs.clone(),
            runs: e
                .run_ids
                .iter()
                .filter(|r| self.runs.contains_key(r))
                .map(|r| self.run_json(*r, base))
                .collect(),
            ..Default::default()
        }
    }

    /// The plan as returned: summed counters, URL and (for `get_plan`) its entries.
    pub fn plan_json(&self, plan_id: Id, base: &str, with_entries: bool) -> Plan {
        let row = &self.plans[&plan_id];
        let mut counts = StatusCounts::default();
        for run_id in row.entries.iter().flat_map(|e| &e.run_ids) {
            let c = self.counts_of_run(*run_id);
            for s in 1..=12 {
                *counts.slot_mut(s).expect("1..=12") += c.get(s);
            }
        }
        let entries = if with_entries {
            row.entries
                .iter()
                .map(|e| self.entry_json(e, base))
                .collect()
        } else {
            vec![]
        };
        Plan {
            counts,
            url: view_url(base, "plans/view", plan_id),
            entries,
            ..row.plan.clone()
        }
    }

    /// IDs of the project's plans matching `f`, newest first (`get_plans`).
    pub fn plans_of(&self, project_id: Id, f: &PlanFilter) -> ApiResult<Vec<Id>> {
        self.project(project_id)?;
        let has = |l: &Option<Vec<Id>>, v: Id| l.as_ref().is_none_or(|l| l.contains(&v));
        Ok(self
            .plans
            .values()
            .map(|p| &p.plan)
            .filter(|p| p.project_id == project_id)
            .filter(|p| f.created_after.is_none_or(|t| p.created_on >= t))
            .filter(|p| f.created_before.is_none_or(|t| p.created_on <= t))
            .filter(|p| has(&f.created_by, p.created_by))
            .filter(|p| f.is_completed.is_none_or(|c| p.is_completed == c))
            .filter(|p| {
                f.milestone_id
                    .as_ref()
                    .is_none_or(|l| p.milestone_id.is_some_and(|m| l.contains(&m)))
            })
            .map(|p| p.id)
            .rev()
            .collect())
    }
}
