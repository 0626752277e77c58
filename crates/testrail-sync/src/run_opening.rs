//! Run opening: carries out the run part of a [`WritePlan`](crate::write_plan::WritePlan) —
//! `add_run` exactly once, the keyed run's race between shards, reusing an open run — and
//! `run open` (a run opened ahead of sharded jobs).
//!
//! Order matters: every read that can refuse (credentials, project, suite, run, user) happened
//! while deciding, before the first write; `add_run` is one write TestRail applies whole or
//! rejects whole, and a lost answer is resolved by reading, never by blindly sending again.

use std::collections::BTreeSet;
use std::time::Duration;

use testrail_api::Client;
use testrail_api::models::{Id, Run, RunFields};

use crate::context::{Context, rejects_case_ids};
use crate::error::SyncError;
use crate::options::{RunTarget, SyncOptions};
use crate::results::ResultPlan;
use crate::run_naming::key_marker;
use crate::target::list_ids;
use crate::write_plan::RunAction;

/// How long to let a timed-out `add_run` finish on the server before looking for the run.
const SETTLE: Duration = Duration::from_millis(500);
/// `add_run` calls whose answer was lost and that provably created nothing, before giving up.
const MAX_ADD_RUN_ATTEMPTS: u32 = 8;

/// Which cases a run opened ahead of its shards (`run open`) starts with.
#[derive(Debug, Clone, PartialEq)]
pub enum RunScope {
    /// Exactly these (IDs the suite lacks are left out and reported).
    Cases(BTreeSet<Id>),
    /// Every case of the suite (`include_all`).
    AllCases,
    /// None yet: each shard adds its own cases when it reports.
    Empty,
}

/// What `run open` created.
#[derive(Debug, Clone)]
pub struct OpenedRun {
    pub run: Run,
    /// Case IDs asked for that the suite does not have (left out of the run).
    pub unknown_case_ids: Vec<Id>,
}

/// Opens a new run for sharded CI (open once, report N times with `--run-id`, close once).
/// Checks credentials, project, suite and case IDs with reads before its single write.
pub async fn open_run(
    client: &Client,
    options: &SyncOptions,
    scope: RunScope,
) -> Result<OpenedRun, SyncError> {
    let (template, key) = match &options.run {
        RunTarget::New { name_template } => (name_template, None),
        RunTarget::Key { key, name_template } => (name_template, Some(key.as_str())),
        RunTarget::Existing(_) | RunTarget::Plan { .. } => {
            return Err(SyncError::Config {
                setting: "run".into(),
                message: "`run open` creates a new run outside plans; drop --run-id/--plan-id"
                    .into(),
            });
        }
    };
    let mut ctx = Context::resolve(client, options, None).await?;
    if let Some(run) = match key {
        Some(key) => ctx.find_run_by_key(key).await?,
        None => None,
    } {
        return Ok(OpenedRun {
            run,
            unknown_case_ids: Vec::new(),
        });
    }
    let (include_all, case_ids) = match scope {
        RunScope::AllCases => (true, None),
        RunScope::Empty => (false, Some(Vec::new())),
        RunScope::Cases(wanted) => {
            let known = ctx.known_cases().await?.clone();
            let (ids, unknown): (Vec<Id>, Vec<Id>) =
                wanted.into_iter().partition(|c| known.contains(c));
            ctx.unknown.extend(unknown);
            if ids.is_empty() {
                return Err(SyncError::Target(format!(
                    "none of the case IDs exist in suite S{}; check --suite-id/--project-id \
                     (unknown: {})",
                    ctx.suite_id.unwrap_or_default(),
                    list_ids(&ctx.unknown)
                )));
            }
            (false, Some(ids))
        }
    };
    let fields = RunFields {
        suite_id: ctx.suite_id,
        name: Some(ctx.run_name(template)),
        description: Some(ctx.description(key)),
        milestone_id: options.milestone_id,
        include_all: Some(include_all),
        case_ids,
        ..Default::default()
    };
    let run = ctx.add_run_once(&fields).await?;
    Ok(OpenedRun {
        run,
        unknown_case_ids: ctx.unknown.into_iter().collect(),
    })
}

impl Context<'_> {
    /// Obtains the run the plan names: returns it, the result watermark (results above it on
    /// our cases are ours), and whether this sync created it.
    pub(crate) async fn obtain_run(
        &mut self,
        results: &mut ResultPlan,
        action: RunAction,
    ) -> Result<(Run, Id, bool), SyncError> {
        match action {
            RunAction::Create { name, key, .. } => {
                let run = self.create_run(results, &name, key.as_deref()).await?;
                match key {
                    Some(key) => self.settle_key_race(results, &key, run).await,
                    None => Ok((run, 0, true)),
                }
            }
            RunAction::Reuse { run, have, .. } => {
                self.ensure_cases(&run, results, Some(have)).await?;
                let watermark = self.watermark(run.id).await?;
                Ok((*run, watermark, false))
            }
            RunAction::PlanEntry {
                plan,
                entry,
                name,
                config_ids,
                ..
            } => {
                let run = self
                    .create_plan_run(results, &plan, &entry, &name, &config_ids)
                    .await?;
                Ok((run, 0, true))
            }
        }
    }

    /// Another shard may have created a run with the same key at the same moment: the oldest
    /// run wins, and ours (still without results) is removed so only one run carries the key.
    async fn settle_key_race(
        &mut self,
        results: &mut ResultPlan,
        key: &str,
        ours: Run,
    ) -> Result<(Run, Id, bool), SyncError> {
        match self.find_run_by_key(key).await? {
            Some(winner) if winner.id != ours.id => {
                let _ = self.client.delete_run(ours.id).await;
                self.ensure_cases(&winner, results, None).await?;
                let watermark = self.watermark(winner.id).await?;
                Ok((winner, watermark, false))
            }
            _ => Ok((ours, 0, true)),
        }
    }

    async fn create_run(
        &mut self,
        plan: &mut ResultPlan,
        name: &str,
        key: Option<&str>,
    ) -> Result<Run, SyncError> {
        for _ in 0..2 {
            let fields = RunFields {
                suite_id: self.suite_id,
                name: Some(name.to_owned()),
                description: Some(self.description(key)),
                milestone_id: self.options.milestone_id,
                include_all: Some(false),
                case_ids: Some(plan.case_ids().into_iter().collect()),
                ..Default::default()
            };
            match self.add_run_once(&fields).await {
                Ok(run) => return Ok(run),
                Err(SyncError::Refused { source, .. }) if rejects_case_ids(&source) => {
                    self.drop_unknown_after_rejection(plan).await?
                }
                Err(e) => return Err(e),
            }
        }
        Err(SyncError::Target(
            "TestRail kept rejecting the run's case IDs; run `testrail-sync cases check` to see which".into(),
        ))
    }

    /// `add_run` that creates at most one run: a lost answer is resolved by looking for this
    /// sync's token among the open runs, and the call is only repeated when it certainly
    /// created nothing (a 5xx before applying, a request lost on the way).
    pub(crate) async fn add_run_once(&self, fields: &RunFields) -> Result<Run, SyncError> {
        let mut unanswered = 0;
        loop {
            match self.client.add_run(self.project_id, fields).await {
                Ok(run) => return Ok(run),
                Err(e) if e.is_ambiguous() => {
                    if let Some(run) = self.find_run_by_token().await? {
                        return Ok(run);
                    }
                    unanswered += 1;
                    if unanswered >= MAX_ADD_RUN_ATTEMPTS {
                        return Err(SyncError::api("creating the run (add_run)", e));
                    }
                }
                Err(e) => return Err(SyncError::api("creating the run (add_run)", e)),
            }
        }
    }

    /// `add_run` timed out or lost its answer: the run may exist. Our token in its description
    /// tells; creating another would leave a duplicate run behind.
    async fn find_run_by_token(&self) -> Result<Option<Run>, SyncError> {
        tokio::time::sleep(SETTLE).await;
        let runs = self
            .client
            .get_runs(self.project_id, Some(false))
            .await
            .map_err(|e| SyncError::api("checking whether add_run landed", e))?;
        Ok(runs.into_iter().find(|r| {
            r.description
                .as_deref()
                .is_some_and(|d| d.contains(&self.token))
        }))
    }

    pub(crate) async fn find_run_by_key(&self, key: &str) -> Result<Option<Run>, SyncError> {
        let marker = key_marker(key);
        let runs = self
            .client
            .get_runs(self.project_id, Some(false))
            .await
            .map_err(|e| SyncError::api("listing open runs (get_runs)", e))?;
        Ok(runs
            .into_iter()
            .filter(|r| self.suite_id.is_none_or(|s| r.suite_id == s))
            .filter(|r| {
                r.description
                    .as_deref()
                    .is_some_and(|d| d.lines().any(|l| l == marker))
            })
            .min_by_key(|r| r.id))
    }
}
