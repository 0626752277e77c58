//! Runs inside test plans: one entry per suite, one run per configuration combination, so
//! shards or configurations (Chrome, Firefox, …) report side by side under one plan.
//!
//! Which plan, entry and run to use is decided in `write_plan` (reads only); this module
//! reads and checks plans and carries out the writes that decision names.

use testrail_api::models::{AddPlan, AddPlanEntry, Id, Plan, Run, RunFields};

use crate::context::{Context, rejects_case_ids};
use crate::error::SyncError;
use crate::results::ResultPlan;
use crate::write_plan::{EntryAction, PlanAction};

impl Context<'_> {
    /// Carries out a [`RunAction::PlanEntry`]: creates the plan if the decision says so, then
    /// the entry or the entry's run for our configurations. Returns the new run.
    pub(crate) async fn create_plan_run(
        &mut self,
        results: &mut ResultPlan,
        plan: &PlanAction,
        entry: &EntryAction,
        name: &str,
        config_ids: &[Id],
    ) -> Result<Run, SyncError> {
        let plan_id = match plan {
            PlanAction::Existing { id, .. } => *id,
            PlanAction::Create { name } => self.add_plan(name).await?.id,
        };
        match entry {
            EntryAction::AddRunToEntry { entry_id } => {
                self.add_run_to_entry(results, plan_id, entry_id, config_ids)
                    .await
            }
            EntryAction::AddEntry => self.add_entry(results, plan_id, config_ids, name).await,
        }
    }

    /// Reads the plan and checks it can take results in our project.
    pub(crate) async fn open_plan(&self, plan_id: Id) -> Result<Plan, SyncError> {
        let plan = self.client.get_plan(plan_id).await.map_err(|e| {
            SyncError::api(
                format!("plan {plan_id} (check --plan-id; `testrail-sync plans` lists them)"),
                e,
            )
        })?;
        if plan.is_completed {
            return Err(SyncError::Target(format!(
                "plan {plan_id} \"{}\" is closed and TestRail refuses results in it; drop --plan-id or open a new plan",
                plan.name
            )));
        }
        if plan.project_id != self.project_id {
            return Err(SyncError::Target(format!(
                "plan {plan_id} belongs to project {}, not {}",
                plan.project_id, self.project_id
            )));
        }
        Ok(plan)
    }

    pub(crate) async fn find_open_plan(&self, name: &str) -> Result<Option<Id>, SyncError> {
        let plans = self
            .client
            .get_plans(self.project_id)
            .await
            .map_err(|e| SyncError::api("listing plans (get_plans)", e))?;
        Ok(plans
            .iter()
            .filter(|p| !p.is_completed && p.name == name)
            .map(|p| p.id)
            .min())
    }

    async fn add_plan(&self, name: &str) -> Result<Plan, SyncError> {
        let body = AddPlan {
            name: name.to_owned(),
            description: Some(self.description(None)),
            milestone_id: self.options.milestone_id,
            entries: Vec::new(),
        };
        self.client
            .add_plan(self.project_id, &body)
            .await
            .map_err(|e| SyncError::api(format!("creating plan \"{name}\" (add_plan)"), e))
    }

    async fn add_entry(
        &mut self,
        plan: &mut ResultPlan,
        plan_id: Id,
        config_ids: &[Id],
        name: &str,
    ) -> Result<Run, SyncError> {
        for _ in 0..2 {
            let case_ids: Vec<Id> = plan.case_ids().into_iter().collect();
            let configs = (!config_ids.is_empty()).then(|| config_ids.to_vec());
            let body = AddPlanEntry {
                suite_id: self.suite_id.unwrap_or_default(),
                name: Some(name.to_owned()),
                description: Some(self.description(None)),
                include_all: Some(false),
                case_ids: Some(case_ids.clone()),
                config_ids: configs.clone(),
                refs: None,
                runs: configs
                    .map(|ids| {
                        vec![RunFields {
                            config_ids: Some(ids),
                            include_all: Some(false),
                            case_ids: Some(case_ids),
                            ..Default::default()
                        }]
                    })
                    .unwrap_or_default(),
            };
            match self.client.add_plan_entry(plan_id, &body).await {
                Ok(entry) => return pick_run(entry.runs, config_ids, plan_id),
                Err(e) if rejects_case_ids(&e) => self.drop_unknown_after_rejection(plan).await?,
                Err(e) => {
                    return Err(SyncError::api(
                        format!("adding an entry to plan {plan_id}"),
                        e,
                    ));
                }
            }
        }
        Err(SyncError::Target(
            "TestRail kept rejecting the entry's case IDs".into(),
        ))
    }

    async fn add_run_to_entry(
        &mut self,
        plan: &mut ResultPlan,
        plan_id: Id,
        entry_id: &str,
        config_ids: &[Id],
    ) -> Result<Run, SyncError> {
        for _ in 0..2 {
            let body = RunFields {
                config_ids: Some(config_ids.to_vec()),
                include_all: Some(false),
                case_ids: Some(plan.case_ids().into_iter().collect()),
                description: Some(self.description(None)),
                ..Default::default()
            };
            match self
                .client
                .add_run_to_plan_entry(plan_id, entry_id, &body)
                .await
            {
                Ok(entry) => return pick_run(entry.runs, config_ids, plan_id),
                Err(e) if rejects_case_ids(&e) => self.drop_unknown_after_rejection(plan).await?,
                Err(e) => {
                    return Err(SyncError::api(
                        format!("adding a run for configurations {config_ids:?} to plan {plan_id}"),
                        e,
                    ));
                }
            }
        }
        Err(SyncError::Target(
            "TestRail kept rejecting the run's case IDs".into(),
        ))
    }
}

pub(crate) fn same_configs(a: &[Id], b: &[Id]) -> bool {
    let mut a = a.to_vec();
    let mut b = b.to_vec();
    a.sort_unstable();
    b.sort_unstable();
    a == b
}

fn pick_run(runs: Vec<Run>, config_ids: &[Id], plan_id: Id) -> Result<Run, SyncError> {
    let mut runs = runs;
    let index = runs
        .iter()
        .position(|r| same_configs(&r.config_ids, config_ids))
        .unwrap_or(0);
    if runs.is_empty() {
        return Err(SyncError::Target(format!(
            "plan {plan_id}: TestRail returned an entry without runs"
        )));
    }
    Ok(runs.swap_remove(index))
}
