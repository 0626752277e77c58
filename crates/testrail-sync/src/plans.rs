//! Runs inside test plans: one entry per suite, one run per configuration combination, so
//! shards or configurations (Chrome, Firefox, …) report side by side under one plan.

use testrail_api::models::{AddPlan, AddPlanEntry, Id, Plan, Run, RunFields};

use crate::apply::{Context, rejects_case_ids};
use crate::error::SyncError;
use crate::options::PlanRef;
use crate::plan::ResultPlan;

impl Context<'_> {
    /// Finds (or adds) the plan's run for our suite and configurations; returns it, the result
    /// watermark, and whether we created it.
    pub(crate) async fn run_in_plan(
        &mut self,
        plan: &mut ResultPlan,
        plan_ref: &PlanRef,
        config_ids: &[Id],
        name_template: &str,
    ) -> Result<(Run, Id, bool), SyncError> {
        let test_plan = self.open_plan(plan_ref).await?;
        let suite = self.suite_id.unwrap_or_default();
        let entry = test_plan.entries.iter().find(|e| e.suite_id == suite);
        if let Some(run) = entry.and_then(|e| {
            e.runs
                .iter()
                .find(|r| same_configs(&r.config_ids, config_ids))
        }) {
            let run = self.existing_open_run(run.id).await?;
            self.ensure_cases(&run, plan).await?;
            let watermark = self.watermark(run.id).await?;
            return Ok((run, watermark, false));
        }
        let run = match entry {
            Some(entry) if !config_ids.is_empty() => {
                self.add_run_to_entry(plan, test_plan.id, &entry.id, config_ids)
                    .await?
            }
            _ => {
                self.add_entry(plan, test_plan.id, config_ids, name_template)
                    .await?
            }
        };
        Ok((run, 0, true))
    }

    async fn open_plan(&self, plan_ref: &PlanRef) -> Result<Plan, SyncError> {
        let plan_id = match plan_ref {
            PlanRef::Id(id) => *id,
            PlanRef::Name(name) => match self.find_open_plan(name).await? {
                Some(id) => id,
                None => return self.add_plan(name).await,
            },
        };
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

    async fn find_open_plan(&self, name: &str) -> Result<Option<Id>, SyncError> {
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
        name_template: &str,
    ) -> Result<Run, SyncError> {
        let name = self.run_name(name_template);
        for _ in 0..2 {
            let case_ids: Vec<Id> = plan.case_ids().into_iter().collect();
            let configs = (!config_ids.is_empty()).then(|| config_ids.to_vec());
            let body = AddPlanEntry {
                suite_id: self.suite_id.unwrap_or_default(),
                name: Some(name.clone()),
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

fn same_configs(a: &[Id], b: &[Id]) -> bool {
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
