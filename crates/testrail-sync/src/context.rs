//! The resolved target of one sync and what it learnt on the way (the suite's cases, IDs the
//! suite lacks). Every engine step — deciding the writes, opening the run, posting — borrows it.
//!
//! Concurrency: one `Context` per sync, used from one task; the concurrent parts (the poster's
//! batches in flight) only read it.

use std::collections::BTreeSet;

use testrail_api::models::{Case, Field, Id, Run, Section};
use testrail_api::{ApiError, Client};

use crate::error::SyncError;
use crate::new_cases::{CaseCreation, CreatedCase};
use crate::options::{ProjectRef, RunTarget, SuiteRef, SyncOptions};
use crate::results::ResultPlan;
use crate::run_naming::{run_templates, sync_token};
use crate::target::{ResolvedTarget, list_ids, resolve_target};
use crate::text::check_template;

/// The resolved target of a sync and what was learnt about it on the way.
pub(crate) struct Context<'a> {
    pub(crate) client: &'a Client,
    pub(crate) options: &'a SyncOptions,
    pub(crate) project_id: Id,
    pub(crate) project_name: String,
    pub(crate) suite_id: Option<Id>,
    pub(crate) suite_name: Option<String>,
    /// The `--run-id` run, when it was read to learn the suite (see [`run_names_the_suite`]):
    /// deciding the writes takes it instead of reading it again.
    pub(crate) prefetched_run: Option<Run>,
    /// Case IDs of the suite, read only when TestRail rejected one of ours (or by a dry run).
    known_cases: Option<BTreeSet<Id>>,
    pub(crate) unknown: BTreeSet<Id>,
    /// Written into the run's description: finds the run again when `add_run`'s answer is lost.
    pub(crate) token: String,
    /// The instance's result fields (`get_result_fields`), read with the statuses.
    pub(crate) result_fields: Vec<Field>,
    /// `--create-cases`: the cases tests wait for (their results carry provisional IDs).
    pub(crate) creation: Option<CaseCreation>,
    /// The suite's sections, read only when cases are to be created.
    pub(crate) sections: Option<Vec<Section>>,
    /// What `--create-cases` made in this sync.
    pub(crate) created_sections: Vec<String>,
    pub(crate) created: Vec<CreatedCase>,
    pub(crate) created_cases: Vec<Case>,
}

impl<'a> Context<'a> {
    /// Checks the run name templates, then confirms project and suite with reads (unless
    /// `resolved` says what reads already confirmed).
    pub(crate) async fn resolve(
        client: &'a Client,
        options: &'a SyncOptions,
        resolved: Option<ResolvedTarget>,
    ) -> Result<Self, SyncError> {
        for template in run_templates(&options.run) {
            check_template(template)?;
        }
        let mut prefetched_run = None;
        let (project_id, mut project_name, suite_id, suite_name) = match resolved {
            Some(ResolvedTarget {
                project_id,
                project_name,
                suite_id,
                suite_name,
            }) => (project_id, project_name, suite_id, Some(suite_name)),
            None => match run_names_the_suite(options) {
                Some((project_id, run_id, given_suite)) => {
                    let run = read_run(client, run_id).await?;
                    // A given suite that differs is reported when the run is checked.
                    let suite_id = given_suite.unwrap_or(run.suite_id);
                    prefetched_run = Some(run);
                    (project_id, None, suite_id, None)
                }
                None => {
                    let target =
                        resolve_target(client, &options.project, options.suite.as_ref()).await?;
                    let ResolvedTarget {
                        project_id,
                        project_name,
                        suite_id,
                        suite_name,
                    } = target;
                    (project_id, project_name, suite_id, Some(suite_name))
                }
            },
        };
        let wants_project_name = run_templates(&options.run).any(|t| t.contains("{project}"));
        if wants_project_name && project_name.is_none() {
            let project = client.get_project(project_id).await.map_err(|e| {
                SyncError::api_about(format!("project {project_id}"), "check --project-id", e)
            })?;
            project_name = Some(project.name);
        }
        Ok(Context {
            client,
            options,
            project_id,
            project_name: project_name.unwrap_or_else(|| format!("P{project_id}")),
            suite_id: Some(suite_id),
            suite_name,
            prefetched_run,
            known_cases: None,
            unknown: BTreeSet::new(),
            token: sync_token(),
            result_fields: Vec::new(),
            creation: None,
            sections: None,
            created_sections: Vec::new(),
            created: Vec::new(),
            created_cases: Vec::new(),
        })
    }

    pub(crate) async fn failure_assignee(&self) -> Result<Option<Id>, SyncError> {
        let Some(email) = &self.options.assign_failures_to else {
            return Ok(None);
        };
        match self.client.get_user_by_email(email).await {
            Ok(user) => Ok(Some(user.id)),
            Err(e) if e.status() == Some(400) => Err(SyncError::Config {
                setting: "assign-failures-to".into(),
                message: format!("TestRail has no user with email {email} ({e})"),
            }),
            Err(e) => Err(SyncError::api("looking up the assignee", e)),
        }
    }

    pub(crate) async fn known_cases(&mut self) -> Result<&BTreeSet<Id>, SyncError> {
        if self.known_cases.is_none() {
            let cases = self
                .client
                .get_cases(self.project_id, self.suite_id)
                .await
                .map_err(|e| SyncError::api("reading the suite's cases (get_cases)", e))?;
            self.known_cases = Some(cases.into_iter().map(|c| c.id).collect());
        }
        Ok(self.known_cases.as_ref().expect("filled above"))
    }

    pub(crate) async fn drop_unknown_after_rejection(
        &mut self,
        plan: &mut ResultPlan,
    ) -> Result<(), SyncError> {
        let known = self.known_cases().await?.clone();
        let before = plan.case_ids().len();
        self.drop_unknown(plan, |c| known.contains(&c));
        if plan.case_ids().is_empty() {
            return Err(self.none_known(before));
        }
        Ok(())
    }

    /// Every case ID the reports name is unknown to the suite: the same error for the real sync
    /// (after TestRail refused them) and `--dry-run` (which read the cases first).
    pub(crate) fn none_known(&self, before: usize) -> SyncError {
        SyncError::Target(format!(
            "none of the report's {before} case IDs exist in the suite; check --suite-id/--project-id \
             (unknown: {})",
            list_ids(&self.unknown)
        ))
    }

    pub(crate) fn drop_unknown(&mut self, plan: &mut ResultPlan, known: impl Fn(Id) -> bool) {
        self.unknown
            .extend(plan.case_ids().into_iter().filter(|c| !known(*c)));
        plan.retain_cases(known);
    }
}

/// With `--run-id` and the project given by ID, the run names its suite and belongs to a
/// project that exists: one `get_run` (needed anyway) replaces `get_suites`, which saves every
/// CI shard a request under an instance-wide limit. The project and a suite given by ID are
/// checked against the run ([`Context::existing_open_run`]); a suite given by name still needs
/// the suite list.
fn run_names_the_suite(options: &SyncOptions) -> Option<(Id, Id, Option<Id>)> {
    match (&options.run, &options.project, &options.suite) {
        (RunTarget::Existing(run_id), ProjectRef::Id(project_id), None) => {
            Some((*project_id, *run_id, None))
        }
        (RunTarget::Existing(run_id), ProjectRef::Id(project_id), Some(SuiteRef::Id(suite))) => {
            Some((*project_id, *run_id, Some(*suite)))
        }
        _ => None,
    }
}

/// `get_run`, with the error naming the flag that chose the run.
pub(crate) async fn read_run(client: &Client, run_id: Id) -> Result<Run, SyncError> {
    client.get_run(run_id).await.map_err(|e| {
        SyncError::api(
            format!("run R{run_id} (check --run-id; `testrail-sync runs` lists open runs)"),
            e,
        )
    })
}

/// TestRail's answer when a run or entry names a case the suite does not have.
pub(crate) fn rejects_case_ids(e: &ApiError) -> bool {
    e.status() == Some(400)
        && e.testrail_message()
            .is_some_and(|m| m.contains(":case_ids"))
}
