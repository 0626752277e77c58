//! A whole sync: read what decides the writes, decide them as a [`WritePlan`], then either list
//! them (`--dry-run`, nothing written) or carry them out — create the cases `--create-cases`
//! planned, open the run, post the results exactly once, upload attachments, close by policy.
//!
//! Concurrency: one task drives the sync; only posting (the poster's batches in flight) and
//! attachment uploads run concurrently, bounded by `concurrency` and the client's pacer.

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::sync::atomic::Ordering;
use std::time::Instant;

use testrail_api::Client;
use testrail_api::models::{Id, NewResult, Run};

use crate::auto_match::Prepared;
use crate::collect::Collected;
use crate::context::Context;
use crate::error::SyncError;
use crate::journal::{Event, Journal, Recovered};
use crate::new_cases::is_provisional;
use crate::options::SyncOptions;
use crate::poster::Poster;
use crate::preflight;
use crate::results::{ResultPlan, plan_results};
use crate::statuses::StatusMap;
use crate::summary::{Progress, Summary};
use crate::write_plan::{CloseAction, WritePlan};

/// The run results go to, as opened or resumed, and what the journal already knows of it.
struct Opened {
    run: Run,
    watermark: Id,
    acked: BTreeSet<Id>,
    pending: Vec<Id>,
    close: Option<CloseAction>,
}

/// Runs a whole sync. `collected` comes from reading every report first (nothing is sent for
/// a report that fails to read).
pub async fn sync(
    client: &Client,
    collected: Collected,
    options: &SyncOptions,
    progress: &dyn Progress,
) -> Result<Summary, SyncError> {
    sync_prepared(client, collected, options, progress, Prepared::default()).await
}

/// [`sync`] with what reading already learnt: the confirmed target (not read again) and the
/// cases `--create-cases` makes for tests read under provisional IDs.
pub async fn sync_prepared(
    client: &Client,
    collected: Collected,
    options: &SyncOptions,
    progress: &dyn Progress,
    prepared: Prepared,
) -> Result<Summary, SyncError> {
    let started = Instant::now();
    // The first read goes alone: it is the login. With a wrong key, reads sent alongside it
    // would each be one more failed login, and real TestRail locks the account after a few
    // (testrail-observed 2.2). The reads after it are independent: one round trip.
    let statuses = client
        .get_statuses()
        .await
        .map_err(|e| SyncError::api("reading statuses (get_statuses)", e))?;
    let result_fields = async {
        client
            .get_result_fields()
            .await
            .map_err(|e| SyncError::api("reading result fields (get_result_fields)", e))
    };
    let context = Context::resolve(client, options, prepared.target);
    let (mut ctx, result_fields) = tokio::try_join!(context, result_fields)?;
    ctx.creation = prepared.creation;
    let status_map = StatusMap::resolve(&options.statuses, &statuses)?;
    let assignee = ctx.failure_assignee().await?;
    let mut results = plan_results(&collected, &status_map, options, assignee);
    // Custom fields become what TestRail takes (labels → item IDs) before the write plan sizes
    // the batches; a result TestRail would refuse stops the sync here, exit 2, nothing written.
    preflight::check_results(
        &result_fields,
        ctx.project_id,
        &mut results.results,
        &collected,
        options,
    )?;
    ctx.result_fields = result_fields;
    let mut summary = Summary {
        executions: collected.executions,
        unmapped: collected.unmapped.iter().map(|u| u.name.clone()).collect(),
        unmapped_tests: collected.unmapped,
        unmapped_count: collected.unmapped_count,
        multi_id_tests: collected.multi_id,
        multi_id_count: collected.multi_id_count,
        attachments_skipped: collected.attachments_skipped,
        attachments_skipped_count: collected.attachments_skipped_count,
        dry_run: options.dry_run,
        ..Default::default()
    };
    if results.case_ids().is_empty() {
        summary.api_calls = client.request_count();
        summary.elapsed_ms = started.elapsed().as_millis() as u64;
        return Ok(summary);
    }
    if options.dry_run {
        ctx.dry_run(&mut results, &mut summary).await?;
    } else {
        ctx.apply(&mut results, &mut summary, progress).await?;
    }
    summary.counts = results.counts();
    summary.not_posted = results.omitted;
    summary.unknown_case_ids = ctx.unknown.into_iter().collect();
    summary.created_sections = ctx.created_sections;
    summary.created_cases = ctx.created;
    summary.created_case_records = ctx.created_cases;
    summary.api_calls = client.request_count();
    summary.elapsed_ms = started.elapsed().as_millis() as u64;
    Ok(summary)
}

impl Context<'_> {
    /// Reads everything a real sync would (and the suite's cases, to leave out unknown IDs
    /// the real sync would learn of from a rejection), decides, and lists the writes.
    async fn dry_run(
        &mut self,
        results: &mut ResultPlan,
        summary: &mut Summary,
    ) -> Result<(), SyncError> {
        let known = self.known_cases().await?.clone();
        let before = results.case_ids().len();
        self.drop_unknown(results, |c| known.contains(&c) || is_provisional(c));
        if results.case_ids().is_empty() {
            // The real sync fails here (TestRail refuses the run's case IDs): so must its preview,
            // not plan an empty run.
            return Err(self.none_known(before));
        }
        let plan = self.decide(results).await?;
        check_before_writing(&plan)?;
        match &plan.run {
            crate::write_plan::RunAction::Reuse { run, .. } => {
                summary.run_id = Some(run.id);
                summary.run_url = Some(run.url.clone());
                summary.run_name = Some(run.name.clone());
            }
            crate::write_plan::RunAction::Create { name, .. }
            | crate::write_plan::RunAction::PlanEntry { name, .. } => {
                summary.run_name = Some(name.clone());
            }
        }
        summary.planned_calls = plan
            .calls(self.project_id)
            .iter()
            .map(ToString::to_string)
            .collect();
        summary.checks = plan.checks.iter().map(|c| c.what.clone()).collect();
        Ok(())
    }

    async fn apply(
        &mut self,
        results: &mut ResultPlan,
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
        let (run, watermark, acked, pending, close) = match recovered {
            Some(r) => {
                summary.resumed = true;
                let (run, watermark, acked, pending) = self.resume(r, results).await?;
                let close = self.options.should_close().then_some(match run.plan_id {
                    Some(_) => CloseAction::Plan,
                    None => CloseAction::Run,
                });
                (run, watermark, acked, pending, close)
            }
            None => {
                let plan = self.decide(results).await?;
                check_before_writing(&plan)?;
                // Every read is done and nothing is written yet: the cheapest place to stop.
                let total = results.results.len() as u64;
                self.options.stop.check(0, total, None)?;
                let close = plan.close;
                let (run, watermark, created) =
                    self.carry_out_before_results(results, plan).await?;
                summary.created_run = created;
                if let Some(j) = journal.as_mut() {
                    j.record(&Event::Start {
                        key: self.journal_key(),
                        run_id: run.id,
                        watermark,
                        created_run: created,
                    })?;
                }
                (run, watermark, BTreeSet::new(), Vec::new(), close)
            }
        };
        let journaled = journal.is_some();
        let posted = self
            .post_into(
                results,
                summary,
                progress,
                journal,
                Opened {
                    run,
                    watermark,
                    acked,
                    pending,
                    close,
                },
            )
            .await;
        // Once the journal holds the run, a rerun resumes: say so, and only then.
        posted.map_err(|e| if journaled { e.into_resumable() } else { e })
    }

    /// Posts into the run the journal now names, then attaches and closes by policy.
    async fn post_into(
        &mut self,
        results: &mut ResultPlan,
        summary: &mut Summary,
        progress: &dyn Progress,
        journal: Option<Journal>,
        opened: Opened,
    ) -> Result<(), SyncError> {
        let Opened {
            run,
            watermark,
            acked,
            pending,
            close,
        } = opened;
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
            Cow::Borrowed(&results.results)
        } else {
            let rest = results.results.iter();
            let rest = rest.filter(|r| r.case_id.is_some_and(|c| !skip.contains(&c)));
            Cow::Owned(rest.cloned().collect())
        };
        progress.start(to_post.len() as u64);
        poster.post_all(&to_post, progress).await?;
        drop(to_post);
        progress.finish();
        self.repost_if_cases_were_removed(&poster, results, &run, summary.created_run)
            .await?;
        summary.posted = poster.posted();
        summary.batches = poster.batches.load(Ordering::Relaxed);
        summary.ambiguous_batches_resolved = poster.ambiguous.load(Ordering::Relaxed);
        summary.resolving_reads = poster.resolving_reads.load(Ordering::Relaxed);
        summary.comments_cut = poster.comments_cut.load(Ordering::Relaxed);
        let posted = poster.posted();
        self.options.stop.check(posted, posted, Some(run.id))?;
        if self.options.attachments {
            let result_ids = poster.result_ids.lock().expect("result ids lock").clone();
            let (uploaded, skipped) = crate::attachments::upload(
                self.client,
                self.options,
                &results.attachments,
                &result_ids,
            )
            .await;
            summary.attachments_uploaded = uploaded;
            summary.attachments_skipped_count += skipped.len() as u64;
            summary.attachments_skipped.extend(skipped);
        }
        if let Some(close) = close {
            self.close(&run, close).await?;
            summary.closed = true;
        }
        poster.finish()
    }

    /// The plan's writes that come before the results: cases to create, then the run.
    async fn carry_out_before_results(
        &mut self,
        results: &mut ResultPlan,
        plan: WritePlan,
    ) -> Result<(Run, Id, bool), SyncError> {
        self.create_planned_cases(results, plan.sections_to_create, plan.cases_to_create)
            .await?;
        self.obtain_run(results, plan.run).await
    }

    async fn resume(
        &mut self,
        r: Recovered,
        results: &mut ResultPlan,
    ) -> Result<(Run, Id, BTreeSet<Id>, Vec<Id>), SyncError> {
        let run = self.existing_open_run(r.run_id).await?;
        if results.case_ids().iter().any(|c| is_provisional(*c)) {
            // Tests still without a case (the index did not see the ones the interrupted sync
            // made, or the sync died before making them): create them before posting, as the
            // first attempt would have, and add them to the journal's run.
            let (sections, cases) = self.plan_case_creation(results).await?;
            self.create_planned_cases(results, sections, cases).await?;
            self.ensure_cases(&run, results, None).await?;
        }
        tracing::info!(
            run = r.run_id,
            acked = r.acked.len(),
            pending = r.pending.len(),
            "resuming an interrupted sync from the journal"
        );
        Ok((run, r.watermark, r.acked, r.pending.into_iter().collect()))
    }

    /// Closes the run, or its plan when it lives in one (runs in plans cannot be closed alone).
    async fn close(&self, run: &Run, close: CloseAction) -> Result<(), SyncError> {
        let closed = match (close, run.plan_id) {
            (CloseAction::Plan, Some(plan)) => self.client.close_plan(plan).await.map(drop),
            _ => self.client.close_run(run.id).await.map(drop),
        };
        closed.map_err(|e| SyncError::api(format!("closing run R{}", run.id), e))
    }
}

/// The plan's pre-write checks, all of them, before the first write.
fn check_before_writing(plan: &WritePlan) -> Result<(), SyncError> {
    let problems: Vec<String> = plan
        .checks
        .iter()
        .filter_map(|c| c.problem.as_ref().map(|p| format!("{}: {p}", c.what)))
        .collect();
    if problems.is_empty() {
        Ok(())
    } else {
        Err(SyncError::Target(problems.join("\n")))
    }
}
