//! The half of a sync that talks to TestRail: resolve the target, open or reuse the run, post
//! the planned results exactly once, close by policy.
//!
//! Order matters: every read that can refuse (credentials, project, suite, run, user) happens
//! before the first write, and the first write (`add_run`/`update_run`) is one TestRail either
//! applies whole or rejects whole.

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use testrail_api::models::{Id, NewResult, Run, RunFields};
use testrail_api::{ApiError, Client};

use crate::collect::Collected;
use crate::error::SyncError;
use crate::journal::{Event, Journal, Recovered};
use crate::options::{ProjectRef, RunTarget, SuiteRef, SyncOptions};
use crate::plan::{MAX_BATCH_BYTES, ResultPlan, batches, plan_results};
use crate::poster::Poster;
use crate::statuses::StatusMap;
use crate::summary::{Progress, Summary};
use crate::text::{check_template, render_template, utc_now};

/// How long to let a timed-out `add_run` finish on the server before looking for the run.
const SETTLE: Duration = Duration::from_millis(500);
/// `add_run` calls whose answer was lost and that provably created nothing, before giving up.
const MAX_ADD_RUN_ATTEMPTS: u32 = 8;

/// Runs a whole sync. `collected` comes from reading every report first (nothing is sent for
/// a report that fails to read).
pub async fn sync(
    client: &Client,
    collected: Collected,
    options: &SyncOptions,
    progress: &dyn Progress,
) -> Result<Summary, SyncError> {
    let started = Instant::now();
    // Independent reads: one round trip instead of two.
    let statuses = async {
        client
            .get_statuses()
            .await
            .map_err(|e| SyncError::api("reading statuses (get_statuses)", e))
    };
    let (mut ctx, statuses) = tokio::try_join!(Context::resolve(client, options), statuses)?;
    let status_map = StatusMap::resolve(&options.statuses, &statuses)?;
    let assignee = ctx.failure_assignee(options).await?;
    let mut plan = plan_results(&collected, &status_map, options, assignee);
    let mut summary = Summary {
        executions: collected.executions,
        unmapped: collected.unmapped.iter().map(|u| u.name.clone()).collect(),
        unmapped_tests: collected.unmapped,
        unmapped_count: collected.unmapped_count,
        dry_run: options.dry_run,
        ..Default::default()
    };
    if plan.case_ids().is_empty() {
        summary.api_calls = client.request_count();
        summary.elapsed_ms = started.elapsed().as_millis() as u64;
        return Ok(summary);
    }
    if options.dry_run {
        ctx.dry_run(&mut plan, &mut summary).await?;
    } else {
        ctx.apply(&mut plan, &mut summary, progress).await?;
    }
    summary.counts = plan.counts();
    summary.not_posted = plan.omitted;
    summary.unknown_case_ids = ctx.unknown.into_iter().collect();
    summary.api_calls = client.request_count();
    summary.elapsed_ms = started.elapsed().as_millis() as u64;
    Ok(summary)
}

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
    let mut ctx = Context::resolve(client, options).await?;
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

/// The resolved target of a sync and what was learnt about it on the way.
pub(crate) struct Context<'a> {
    pub(crate) client: &'a Client,
    pub(crate) options: &'a SyncOptions,
    pub(crate) project_id: Id,
    pub(crate) project_name: String,
    pub(crate) suite_id: Option<Id>,
    suite_name: Option<String>,
    /// Case IDs of the suite, read only when TestRail rejected one of ours.
    known_cases: Option<BTreeSet<Id>>,
    unknown: BTreeSet<Id>,
    pub(crate) token: String,
}

impl<'a> Context<'a> {
    async fn resolve(client: &'a Client, options: &'a SyncOptions) -> Result<Self, SyncError> {
        for template in run_templates(&options.run) {
            check_template(template)?;
        }
        let ResolvedTarget {
            project_id,
            mut project_name,
            suite_id,
            suite_name,
        } = resolve_target(client, &options.project, options.suite.as_ref()).await?;
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
            suite_name: Some(suite_name),
            known_cases: None,
            unknown: BTreeSet::new(),
            token: sync_token(),
        })
    }

    async fn failure_assignee(&self, options: &SyncOptions) -> Result<Option<Id>, SyncError> {
        let Some(email) = &options.assign_failures_to else {
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

    async fn apply(
        &mut self,
        plan: &mut ResultPlan,
        summary: &mut Summary,
        progress: &dyn Progress,
    ) -> Result<(), SyncError> {
        let mut journal = match &self.options.journal_dir {
            Some(dir) => Some(Journal::open(dir, &self.journal_key())?),
            None => None,
        };
        let recovered = match &journal {
            Some(j) => j.recover()?,
            None => None,
        };
        let (run, watermark, acked, pending) = match recovered {
            Some(r) => {
                summary.resumed = true;
                self.resume(r).await?
            }
            None => {
                let (run, watermark, created) = self.open_run(plan).await?;
                summary.created_run = created;
                if let Some(j) = journal.as_mut() {
                    j.record(&Event::Start {
                        key: self.journal_key(),
                        run_id: run.id,
                        watermark,
                        created_run: created,
                    })?;
                }
                (run, watermark, BTreeSet::new(), Vec::new())
            }
        };
        let journaled = journal.is_some();
        let posted = self
            .post_into(
                plan, summary, progress, journal, run, watermark, acked, pending,
            )
            .await;
        // Once the journal holds the run, a rerun resumes: say so, and only then.
        posted.map_err(|e| if journaled { e.into_resumable() } else { e })
    }

    #[allow(clippy::too_many_arguments)]
    async fn post_into(
        &mut self,
        plan: &mut ResultPlan,
        summary: &mut Summary,
        progress: &dyn Progress,
        journal: Option<Journal>,
        run: Run,
        watermark: Id,
        acked: BTreeSet<Id>,
        pending: Vec<Id>,
    ) -> Result<(), SyncError> {
        summary.run_id = Some(run.id);
        summary.run_url = Some(run.url.clone());
        summary.run_name = Some(run.name.clone());
        let poster = Poster::new(self.client, self.options, run.id, watermark, journal);
        // Batches in flight when the last attempt died may have landed: read, don't re-send.
        let landed = poster.landed_among_settled(&pending).await?;
        poster.acknowledge_landed(landed.keys().copied().collect());
        let skip: BTreeSet<Id> = acked.into_iter().chain(landed.into_keys()).collect();
        // Only a resumed sync has anything to skip: the plan's results are posted as they are.
        let to_post: Cow<'_, [NewResult]> = if skip.is_empty() {
            Cow::Borrowed(&plan.results)
        } else {
            let rest = plan.results.iter();
            let rest = rest.filter(|r| r.case_id.is_some_and(|c| !skip.contains(&c)));
            Cow::Owned(rest.cloned().collect())
        };
        progress.start(to_post.len() as u64);
        poster.post_all(&to_post, progress).await?;
        drop(to_post);
        progress.finish();
        self.repost_if_cases_were_removed(&poster, plan, &run, summary.created_run)
            .await?;
        summary.posted = poster.posted();
        summary.batches = poster.batches.load(Ordering::Relaxed);
        summary.ambiguous_batches_resolved = poster.ambiguous.load(Ordering::Relaxed);
        if self.options.attachments {
            let result_ids = poster.result_ids.lock().expect("result ids lock").clone();
            let (uploaded, warnings) = crate::attachments::upload(
                self.client,
                self.options,
                &plan.attachments,
                &result_ids,
            )
            .await;
            summary.attachments_uploaded = uploaded;
            summary.warnings.extend(warnings);
        }
        if self.options.should_close() {
            self.close(&run).await?;
            summary.closed = true;
        }
        poster.finish()
    }

    /// Closes the run, or its plan when it lives in one (runs in plans cannot be closed alone).
    async fn close(&self, run: &Run) -> Result<(), SyncError> {
        let closed = match run.plan_id {
            Some(plan) => self.client.close_plan(plan).await.map(drop),
            None => self.client.close_run(run.id).await.map(drop),
        };
        closed.map_err(|e| SyncError::api(format!("closing run R{}", run.id), e))
    }

    /// Reads everything a real sync would, then says which writes it would make.
    async fn dry_run(
        &mut self,
        plan: &mut ResultPlan,
        summary: &mut Summary,
    ) -> Result<(), SyncError> {
        let known = self.known_cases().await?.clone();
        self.drop_unknown(plan, |c| known.contains(&c));
        let cases = plan.case_ids().len();
        let calls = &mut summary.planned_calls;
        match &self.options.run {
            RunTarget::Existing(id) => {
                let run = self.existing_open_run(*id).await?;
                let have = self.run_case_ids(run.id).await?;
                let missing = plan.case_ids().difference(&have).count();
                summary.run_id = Some(run.id);
                summary.run_url = Some(run.url);
                summary.run_name = Some(run.name);
                if missing > 0 && !run.include_all {
                    calls.push(format!("update_run/{id}: add {missing} cases"));
                }
            }
            RunTarget::New { name_template }
            | RunTarget::Key { name_template, .. }
            | RunTarget::Plan { name_template, .. } => {
                let name = self.run_name(name_template);
                calls.push(format!(
                    "add_run/{}: \"{name}\" with {cases} cases",
                    self.project_id
                ));
                summary.run_name = Some(name);
            }
        }
        let batches = batches(&plan.results, self.options.batch_size, MAX_BATCH_BYTES);
        for (i, chunk) in batches.iter().enumerate() {
            calls.push(format!(
                "add_results_for_cases: batch {} with {} results",
                i + 1,
                chunk.len()
            ));
        }
        if self.options.should_close() {
            calls.push("close_run".into());
        }
        Ok(())
    }

    /// Opens the run for a fresh sync: returns it, the result watermark, and whether we created it.
    async fn open_run(&mut self, plan: &mut ResultPlan) -> Result<(Run, Id, bool), SyncError> {
        match &self.options.run {
            RunTarget::New { name_template } => {
                let run = self.create_run(plan, name_template, None).await?;
                Ok((run, 0, true))
            }
            RunTarget::Existing(id) => {
                let run = self.existing_open_run(*id).await?;
                self.ensure_cases(&run, plan).await?;
                let watermark = self.watermark(run.id).await?;
                Ok((run, watermark, false))
            }
            RunTarget::Key { key, name_template } => {
                self.run_for_key(plan, key, name_template).await
            }
            RunTarget::Plan {
                plan: plan_ref,
                config_ids,
                name_template,
            } => {
                self.run_in_plan(plan, plan_ref, config_ids, name_template)
                    .await
            }
        }
    }

    async fn resume(
        &mut self,
        r: Recovered,
    ) -> Result<(Run, Id, BTreeSet<Id>, Vec<Id>), SyncError> {
        let run = self.existing_open_run(r.run_id).await?;
        tracing::info!(
            run = r.run_id,
            acked = r.acked.len(),
            pending = r.pending.len(),
            "resuming an interrupted sync from the journal"
        );
        Ok((run, r.watermark, r.acked, r.pending.into_iter().collect()))
    }

    async fn create_run(
        &mut self,
        plan: &mut ResultPlan,
        name_template: &str,
        key: Option<&str>,
    ) -> Result<Run, SyncError> {
        let name = self.run_name(name_template);
        for _ in 0..2 {
            let fields = RunFields {
                suite_id: self.suite_id,
                name: Some(name.clone()),
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
    async fn add_run_once(&self, fields: &RunFields) -> Result<Run, SyncError> {
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

    async fn run_for_key(
        &mut self,
        plan: &mut ResultPlan,
        key: &str,
        name_template: &str,
    ) -> Result<(Run, Id, bool), SyncError> {
        if let Some(run) = self.find_run_by_key(key).await? {
            self.ensure_cases(&run, plan).await?;
            let watermark = self.watermark(run.id).await?;
            return Ok((run, watermark, false));
        }
        let ours = self.create_run(plan, name_template, Some(key)).await?;
        // Another shard may have created one at the same moment: the oldest run wins, and ours
        // (still without results) is removed so only one run carries the key.
        match self.find_run_by_key(key).await? {
            Some(winner) if winner.id != ours.id => {
                let _ = self.client.delete_run(ours.id).await;
                self.ensure_cases(&winner, plan).await?;
                let watermark = self.watermark(winner.id).await?;
                Ok((winner, watermark, false))
            }
            _ => Ok((ours, 0, true)),
        }
    }

    async fn find_run_by_key(&self, key: &str) -> Result<Option<Run>, SyncError> {
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

    async fn known_cases(&mut self) -> Result<&BTreeSet<Id>, SyncError> {
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
            return Err(SyncError::Target(format!(
                "none of the report's {before} case IDs exist in the suite; check --suite-id/--project-id \
                 (unknown: {})",
                list_ids(&self.unknown)
            )));
        }
        Ok(())
    }

    pub(crate) fn drop_unknown(&mut self, plan: &mut ResultPlan, known: impl Fn(Id) -> bool) {
        self.unknown
            .extend(plan.case_ids().into_iter().filter(|c| !known(*c)));
        plan.retain_cases(known);
    }

    pub(crate) fn run_name(&self, template: &str) -> String {
        let (date, time) = utc_now();
        let ci = &self.options.ci;
        let name = render_template(template, |key| match key {
            "project" => Some(self.project_name.clone()),
            "suite" => self.suite_name.clone(),
            "branch" => ci.branch.clone(),
            "build" => ci.build_number.clone(),
            "commit" => ci.short_commit().map(str::to_owned),
            "provider" => ci.provider.clone(),
            "date" => Some(date.clone()),
            "time" => Some(time.clone()),
            _ => None,
        });
        if name.is_empty() {
            format!("Automated run {date} {time}")
        } else {
            name
        }
    }

    pub(crate) fn description(&self, key: Option<&str>) -> String {
        let ci = &self.options.ci;
        let mut lines = vec![format!(
            "Results uploaded by testrail-sync {}",
            env!("CARGO_PKG_VERSION")
        )];
        let mut add = |label: &str, value: Option<&str>| {
            if let Some(v) = value {
                lines.push(format!("{label}: {v}"));
            }
        };
        add("CI", ci.provider.as_deref());
        add("Build", ci.build_url.as_deref());
        add("Commit", ci.commit.as_deref());
        add("Branch", ci.branch.as_deref());
        add("Version", self.options.version.as_deref());
        if ci.pull_request {
            lines.push("Pull request: yes".into());
        }
        let files: Vec<String> = self
            .options
            .report_files
            .iter()
            .map(|p| p.display().to_string())
            .collect();
        if !files.is_empty() {
            lines.push(format!("Reports: {}", trim_list(&files, 10)));
        }
        if let Some(key) = key {
            lines.push(key_marker(key));
        }
        lines.push(format!("testrail-sync sync: {}", self.token));
        lines.join("\n")
    }

    /// Same command, same reports, same target → same journal.
    fn journal_key(&self) -> String {
        let files: Vec<String> = self
            .options
            .report_files
            .iter()
            .map(|p| {
                let meta = std::fs::metadata(p).ok();
                let size = meta.as_ref().map_or(0, |m| m.len());
                let mtime = meta
                    .and_then(|m| m.modified().ok())
                    .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                    .map_or(0, |d| d.as_secs());
                let path = std::fs::canonicalize(p).unwrap_or_else(|_| p.clone());
                format!("{}:{size}:{mtime}", path.display())
            })
            .collect();
        format!(
            "{}|{}|{:?}|{:?}|{}",
            self.client.host(),
            self.project_id,
            self.suite_id,
            self.options.run,
            files.join(",")
        )
    }
}

pub(crate) fn rejects_case_ids(e: &ApiError) -> bool {
    e.status() == Some(400)
        && e.testrail_message()
            .is_some_and(|m| m.contains(":case_ids"))
}

/// A project and suite TestRail confirmed.
#[derive(Debug, Clone, PartialEq)]
pub struct ResolvedTarget {
    pub project_id: Id,
    /// Known when the project was looked up by name.
    pub project_name: Option<String>,
    pub suite_id: Id,
    pub suite_name: String,
}

/// Confirms the project (by ID, or found by name) and the suite (by ID or name, or the only
/// one) with reads: `get_suites` alone when the project is given by ID.
pub async fn resolve_target(
    client: &Client,
    project: &ProjectRef,
    suite: Option<&SuiteRef>,
) -> Result<ResolvedTarget, SyncError> {
    let (project_id, project_name) = resolve_project(client, project).await?;
    let (suite_id, suite_name) = resolve_suite(client, project_id, suite).await?;
    Ok(ResolvedTarget {
        project_id,
        project_name,
        suite_id,
        suite_name,
    })
}

/// The project's ID, and its name when it was read on the way (a name lookup reads it).
async fn resolve_project(
    client: &Client,
    project: &ProjectRef,
) -> Result<(Id, Option<String>), SyncError> {
    let name = match project {
        ProjectRef::Id(id) => return Ok((*id, None)),
        ProjectRef::Name(name) => name,
    };
    let projects = client
        .get_projects()
        .await
        .map_err(|e| SyncError::api("listing projects (get_projects)", e))?;
    let found = projects
        .iter()
        .find(|p| p.name == *name)
        .or_else(|| projects.iter().find(|p| p.name.eq_ignore_ascii_case(name)));
    match found {
        Some(p) => Ok((p.id, Some(p.name.clone()))),
        None => Err(SyncError::Target(format!(
            "no project named \"{name}\"; projects you can see: {}",
            trim_list(
                &projects
                    .iter()
                    .map(|p| format!("{} (P{})", p.name, p.id))
                    .collect::<Vec<_>>(),
                20
            )
        ))),
    }
}

/// One `get_suites` call confirms the project exists and is visible, confirms the suite, and
/// names it — so a sync by IDs needs no separate `get_project`.
async fn resolve_suite(
    client: &Client,
    project_id: Id,
    suite: Option<&SuiteRef>,
) -> Result<(Id, String), SyncError> {
    let suites = client.get_suites(project_id).await.map_err(|e| {
        SyncError::api_about(
            format!("project {project_id}"),
            "check --project-id; `testrail-sync projects` lists them",
            e,
        )
    })?;
    let listing = || {
        trim_list(
            &suites
                .iter()
                .map(|s| format!("{} (S{})", s.name, s.id))
                .collect::<Vec<_>>(),
            20,
        )
    };
    let found = match suite {
        Some(SuiteRef::Id(id)) => suites.iter().find(|s| s.id == *id),
        Some(SuiteRef::Name(name)) => suites
            .iter()
            .find(|s| s.name == *name)
            .or_else(|| suites.iter().find(|s| s.name.eq_ignore_ascii_case(name))),
        None if suites.len() > 1 => {
            return Err(SyncError::Config {
                setting: "suite".into(),
                message: format!(
                    "project {project_id} has several suites; pass --suite-id or --suite NAME (suites: {})",
                    listing()
                ),
            });
        }
        None => suites.first(),
    };
    match found {
        Some(s) => Ok((s.id, s.name.clone())),
        None => Err(SyncError::Target(format!(
            "project {project_id} has no such suite (check --suite-id/--suite); suites: {}",
            listing()
        ))),
    }
}

fn run_templates(run: &RunTarget) -> impl Iterator<Item = &str> {
    match run {
        RunTarget::New { name_template }
        | RunTarget::Key { name_template, .. }
        | RunTarget::Plan { name_template, .. } => Some(name_template.as_str()),
        RunTarget::Existing(_) => None,
    }
    .into_iter()
}

fn key_marker(key: &str) -> String {
    format!("testrail-sync key: {key}")
}

fn sync_token() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    crate::journal::fnv1a_hex(&format!("{nanos}-{}", std::process::id()))
}

fn trim_list(items: &[String], max: usize) -> String {
    if items.len() <= max {
        items.join(", ")
    } else {
        format!(
            "{}, … and {} more",
            items[..max].join(", "),
            items.len() - max
        )
    }
}

fn list_ids(ids: &BTreeSet<Id>) -> String {
    trim_list(&ids.iter().map(|i| format!("C{i}")).collect::<Vec<_>>(), 20)
}
