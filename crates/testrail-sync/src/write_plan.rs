//! The writes a sync will make, decided after its reads: one typed [`WritePlan`] that both the
//! dry run (which prints it) and the real sync (which carries it out) consume, so `--dry-run`
//! cannot promise anything the sync would not do.
//!
//! Deciding only reads (the run, its cases, the plan, open runs by key); nothing here writes.
//! What a plan cannot know in advance is a race: another shard creating the same keyed run at
//! the same moment (resolved by `delete_run` of the younger one) or replacing a shared run's
//! cases while we post (resolved by adding them back). Those are repairs, not planned writes.
//!
//! Beside the run and the result batches:
//! - [`WritePlan::cases_to_create`] / [`WritePlan::sections_to_create`]: cases `--create-cases`
//!   makes before the run (see `new_cases`); their results are planned under provisional IDs.
//! - [`WritePlan::checks`]: pre-write validations (e.g. result fields the instance lacks),
//!   all run before the first write; a failed one stops the sync with nothing written.

use std::collections::BTreeSet;
use std::fmt;

use serde::Serialize;
use testrail_api::models::{Id, Plan, Run};

use crate::context::Context;
use crate::error::SyncError;
use crate::new_cases::is_provisional;
use crate::options::{PlanRef, RunTarget};
use crate::results::{MAX_BATCH_BYTES, ResultPlan, batches};

/// Every write of a sync, in the order they are made.
#[derive(Debug, Clone)]
pub struct WritePlan {
    /// Sections to create for new cases (`add_section`), parents first.
    pub sections_to_create: Vec<SectionToCreate>,
    /// Cases to create before the run (`add_case`).
    pub cases_to_create: Vec<CaseToCreate>,
    /// How the run that receives the results is obtained.
    pub run: RunAction,
    /// Results per `add_results_for_cases` call, as batched before sending (the poster may
    /// split a batch that times out; it never merges them).
    pub result_batches: Vec<usize>,
    /// Files to upload to results (`add_attachment_to_result`), when attachments are on.
    pub attachments: usize,
    /// Whether and what to close afterwards.
    pub close: Option<CloseAction>,
    /// Validations to run before the first write (see the module header).
    pub checks: Vec<PreWriteCheck>,
}

/// A section a new case needs, by its path under the suite.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SectionToCreate {
    /// Section names from the suite's top level down; missing ones are created in order.
    pub path: Vec<String>,
}

/// A case to create for a test that has none.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CaseToCreate {
    /// The ID its results carry until the case exists (see `new_cases`).
    pub provisional: Id,
    /// The automation ID written into the new case, so later syncs match it.
    pub automation_id: String,
    /// Title the new case gets (TestRail `title`).
    pub title: String,
    /// Section path under the suite.
    pub section: Vec<String>,
}

/// A check made after the reads and before the first write.
#[derive(Debug, Clone, PartialEq)]
pub struct PreWriteCheck {
    /// What is checked, for the dry run's listing.
    pub what: String,
    /// `Some(problem)` when the check failed: the sync stops before writing.
    pub problem: Option<String>,
}

/// How the run is obtained.
#[derive(Debug, Clone)]
pub enum RunAction {
    /// `add_run`: a new run. With a key, the run carries the `--run-key` marker (no open run
    /// had it when we looked).
    Create {
        /// Run name, placeholders expanded.
        name: String,
        /// The `--run-key` key the run is marked with, if any.
        key: Option<String>,
        /// Number of cases the run is created with.
        cases: usize,
    },
    /// An open run that exists (`--run-id`, found by `--run-key`, or the plan's run for our
    /// configurations); `update_run` (or `update_run_in_plan_entry`) adds `missing` first.
    Reuse {
        /// The run as read while deciding.
        run: Box<Run>,
        /// The run's cases as read while deciding (the first round of adding cases uses it).
        have: BTreeSet<Id>,
        /// Our cases the run lacks, to add before posting.
        missing: Vec<Id>,
    },
    /// A new run inside a test plan.
    PlanEntry {
        /// The plan the run goes into.
        plan: PlanAction,
        /// How the run is added to the plan.
        entry: EntryAction,
        /// Run name, placeholders expanded.
        name: String,
        /// The run's configurations (empty for none).
        config_ids: Vec<Id>,
        /// Number of cases the run is created with.
        cases: usize,
    },
}

/// The test plan a new plan run goes into.
#[derive(Debug, Clone)]
pub enum PlanAction {
    /// An open plan that exists.
    Existing {
        /// Plan ID.
        id: Id,
        /// Plan name, for the dry run's listing.
        name: String,
    },
    /// `add_plan`: no open plan had this name.
    Create {
        /// Name of the new plan.
        name: String,
    },
}

/// How the plan run is added.
#[derive(Debug, Clone, PartialEq)]
pub enum EntryAction {
    /// `add_plan_entry`: the plan has no entry for our suite (or we use no configurations).
    AddEntry,
    /// `add_run_to_plan_entry`: the suite's entry exists, not for these configurations.
    AddRunToEntry {
        /// The entry (a UUID string) the run is added to.
        entry_id: String,
    },
}

/// What closing means for this run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CloseAction {
    /// `close_run`.
    Run,
    /// `close_plan`: runs in plans cannot be closed alone.
    Plan,
}

/// One planned write: the endpoint (as TestRail names it) and what it carries.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedCall {
    /// Endpoint as TestRail names it (`add_run`, `add_results_for_cases`, …).
    pub endpoint: &'static str,
    /// The ID in the URL, when known before the write.
    pub id: Option<Id>,
    /// What the call carries, in words (`250 results`, a name, …).
    pub detail: String,
}

impl fmt::Display for PlannedCall {
    /// `endpoint[/id]: detail` — the form `planned_calls` lists (starts with the endpoint).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.endpoint)?;
        if let Some(id) = self.id {
            write!(f, "/{id}")?;
        }
        if !self.detail.is_empty() {
            write!(f, ": {}", self.detail)?;
        }
        Ok(())
    }
}

impl WritePlan {
    /// The writes in order, one entry per call (result batches one each).
    pub fn calls(&self, project_id: Id) -> Vec<PlannedCall> {
        let call = |endpoint, id, detail: String| PlannedCall {
            endpoint,
            id,
            detail,
        };
        let mut calls = Vec::new();
        for s in &self.sections_to_create {
            calls.push(call(
                "add_section",
                None,
                format!("\"{}\"", s.path.join(" > ")),
            ));
        }
        for c in &self.cases_to_create {
            let detail = format!(
                "\"{}\" in \"{}\" (automation ID {})",
                c.title,
                c.section.join(" > "),
                c.automation_id
            );
            calls.push(call("add_case", None, detail));
        }
        match &self.run {
            RunAction::Create { name, key, cases } => {
                let keyed = key
                    .as_ref()
                    .map(|k| format!(" (key {k})"))
                    .unwrap_or_default();
                let detail = format!("\"{name}\" with {cases} cases{keyed}");
                calls.push(call("add_run", Some(project_id), detail));
            }
            RunAction::Reuse { run, missing, .. } if !missing.is_empty() => {
                let endpoint = match run.plan_id {
                    Some(_) => "update_run_in_plan_entry",
                    None => "update_run",
                };
                let detail = format!("add {} cases", missing.len());
                calls.push(call(endpoint, Some(run.id), detail));
            }
            RunAction::Reuse { .. } => {}
            RunAction::PlanEntry {
                plan,
                entry,
                name,
                config_ids,
                cases,
            } => {
                let plan_id = match plan {
                    PlanAction::Existing { id, .. } => Some(*id),
                    PlanAction::Create { name } => {
                        calls.push(call("add_plan", Some(project_id), format!("\"{name}\"")));
                        None
                    }
                };
                let configs = if config_ids.is_empty() {
                    String::new()
                } else {
                    format!(", configurations {config_ids:?}")
                };
                let (endpoint, detail) = match entry {
                    EntryAction::AddEntry => (
                        "add_plan_entry",
                        format!("\"{name}\" with {cases} cases{configs}"),
                    ),
                    EntryAction::AddRunToEntry { entry_id } => (
                        "add_run_to_plan_entry",
                        format!("entry {entry_id} with {cases} cases{configs}"),
                    ),
                };
                calls.push(call(endpoint, plan_id, detail));
            }
        }
        for (i, n) in self.result_batches.iter().enumerate() {
            let detail = format!("batch {} with {n} results", i + 1);
            calls.push(call("add_results_for_cases", None, detail));
        }
        if self.attachments > 0 {
            let detail = format!("up to {} files", self.attachments);
            calls.push(call("add_attachment_to_result", None, detail));
        }
        match self.close {
            Some(CloseAction::Run) => calls.push(call("close_run", self.run_id(), String::new())),
            Some(CloseAction::Plan) => {
                calls.push(call("close_plan", self.plan_id(), String::new()))
            }
            None => {}
        }
        calls
    }

    /// The run's ID when it exists before the sync writes.
    pub fn run_id(&self) -> Option<Id> {
        match &self.run {
            RunAction::Reuse { run, .. } => Some(run.id),
            _ => None,
        }
    }

    fn plan_id(&self) -> Option<Id> {
        match &self.run {
            RunAction::Reuse { run, .. } => run.plan_id,
            RunAction::PlanEntry {
                plan: PlanAction::Existing { id, .. },
                ..
            } => Some(*id),
            _ => None,
        }
    }

    /// Whether the results land in a run we create.
    pub fn creates_run(&self) -> bool {
        !matches!(self.run, RunAction::Reuse { .. })
    }
}

impl Context<'_> {
    /// Reads what decides the writes (the run by ID or key, its cases, the test plan) and
    /// returns them as a plan. Writes nothing.
    pub(crate) async fn decide(
        &mut self,
        results: &mut ResultPlan,
    ) -> Result<WritePlan, SyncError> {
        let run = match &self.options.run {
            RunTarget::New { name_template } => RunAction::Create {
                name: self.run_name(name_template),
                key: None,
                cases: results.case_ids().len(),
            },
            RunTarget::Existing(id) => {
                let run = self.existing_open_run(*id).await?;
                self.reuse(run, results).await?
            }
            RunTarget::Key { key, name_template } => match self.find_run_by_key(key).await? {
                Some(run) => self.reuse(run, results).await?,
                None => RunAction::Create {
                    name: self.run_name(name_template),
                    key: Some(key.clone()),
                    cases: results.case_ids().len(),
                },
            },
            RunTarget::Plan {
                plan,
                config_ids,
                name_template,
            } => {
                self.decide_in_plan(results, plan, config_ids, name_template)
                    .await?
            }
        };
        let in_plan = match &run {
            RunAction::Reuse { run, .. } => run.plan_id.is_some(),
            RunAction::PlanEntry { .. } => true,
            RunAction::Create { .. } => false,
        };
        let close = self.options.should_close().then_some(if in_plan {
            CloseAction::Plan
        } else {
            CloseAction::Run
        });
        let result_batches = batches(&results.results, self.options.batch_size, MAX_BATCH_BYTES)
            .into_iter()
            .map(|range| range.len())
            .collect();
        let attachments = if self.options.attachments {
            results.attachments.values().map(Vec::len).sum()
        } else {
            0
        };
        let (sections_to_create, cases_to_create) = self.plan_case_creation(results).await?;
        let checks = self.pre_write_checks(results).await?;
        Ok(WritePlan {
            sections_to_create,
            cases_to_create,
            run,
            result_batches,
            attachments,
            close,
            checks,
        })
    }

    /// Hook for validations that must pass before the first write: each read-only, all
    /// reported together. Custom result fields were already resolved and checked by
    /// `preflight::check_results` (a refusal there is bad input, exit 2, and it rewrites labels
    /// into IDs, which a read-only check cannot); here they are listed with the values each
    /// field gets, so the dry run shows what would be sent.
    async fn pre_write_checks(
        &mut self,
        results: &ResultPlan,
    ) -> Result<Vec<PreWriteCheck>, SyncError> {
        let checks =
            crate::preflight::describe(&self.result_fields, self.project_id, &results.results)
                .into_iter()
                .map(|what| PreWriteCheck {
                    what,
                    problem: None,
                })
                .collect();
        Ok(checks)
    }

    /// An existing open run gets our cases that it lacks; with `include_all` it has every case
    /// of the suite already, so what it lacks is unknown to the suite and left out.
    pub(crate) async fn reuse(
        &mut self,
        run: Run,
        results: &mut ResultPlan,
    ) -> Result<RunAction, SyncError> {
        let have = self.run_case_ids(&run).await?;
        let mut missing: Vec<Id> = results.case_ids().difference(&have).copied().collect();
        if run.include_all && !missing.is_empty() {
            self.drop_unknown(results, |c| have.contains(&c) || is_provisional(c));
            missing.clear();
        }
        Ok(RunAction::Reuse {
            run: Box::new(run),
            have,
            missing,
        })
    }

    /// Names a plan's run for our suite and configurations, by ID or by plan name; a plan
    /// named but not open yet is to be created.
    async fn decide_in_plan(
        &mut self,
        results: &mut ResultPlan,
        plan_ref: &PlanRef,
        config_ids: &[Id],
        name_template: &str,
    ) -> Result<RunAction, SyncError> {
        let found = |p: Plan| {
            let action = PlanAction::Existing {
                id: p.id,
                name: p.name.clone(),
            };
            (Some(p), action)
        };
        let (existing, plan) = match plan_ref {
            PlanRef::Id(id) => found(self.open_plan(*id).await?),
            PlanRef::Name(name) => match self.find_open_plan(name).await? {
                Some(id) => found(self.open_plan(id).await?),
                None => (None, PlanAction::Create { name: name.clone() }),
            },
        };
        let suite = self.suite_id.unwrap_or_default();
        let entry = existing
            .as_ref()
            .and_then(|p| p.entries.iter().find(|e| e.suite_id == suite));
        let existing_run = entry.and_then(|e| {
            e.runs
                .iter()
                .find(|r| crate::test_plans::same_configs(&r.config_ids, config_ids))
        });
        if let Some(run) = existing_run {
            let run = self.existing_open_run(run.id).await?;
            return self.reuse(run, results).await;
        }
        let entry = match entry {
            Some(entry) if !config_ids.is_empty() => EntryAction::AddRunToEntry {
                entry_id: entry.id.clone(),
            },
            _ => EntryAction::AddEntry,
        };
        Ok(RunAction::PlanEntry {
            plan,
            entry,
            name: self.run_name(name_template),
            config_ids: config_ids.to_vec(),
            cases: results.case_ids().len(),
        })
    }
}
