//! Runs shared with other jobs (`--run-id`, `--run-key`, plans): checking the run is usable,
//! adding our cases without dropping anyone else's, and the result watermark.
//!
//! `update_run` *replaces* a run's case set and TestRail has no compare-and-set, so adding cases
//! is read-modify-write, verified by reading again, repeated while concurrent shards race us.

use std::collections::BTreeSet;
use std::time::Duration;

use testrail_api::models::{Id, NewResult, Run, RunFields};

use crate::context::{Context, read_run, rejects_case_ids};
use crate::error::SyncError;
use crate::poster::Poster;
use crate::results::ResultPlan;

/// The watermark of a sync that did not read one: its results are those created since it
/// started (see [`Context::watermark`]).
pub(crate) const UNREAD_WATERMARK: Id = Id::MAX;

/// How long a shard waits after posting before its one look at whether its cases are still
/// in a shared run (see [`Context::repost_if_cases_were_removed`]).
const FINAL_LOOK_DELAY: Duration = Duration::from_secs(1);

/// How far apart jobs started together spread their first read of a shared run's cases (see
/// [`Context::run_case_ids`]).
const FIRST_READ_SPREAD: Duration = Duration::from_secs(2);
/// Read-modify-write rounds when adding cases to a shared run. Eight jobs racing need up to
/// eight rounds (each round at least one of them wins).
const MAX_CASE_ROUNDS: u32 = 16;

impl Context<'_> {
    pub(crate) async fn existing_open_run(&mut self, run_id: Id) -> Result<Run, SyncError> {
        let run = match self.prefetched_run.take().filter(|run| run.id == run_id) {
            Some(run) => run,
            None => read_run(self.client, run_id).await?,
        };
        if run.is_completed {
            return Err(SyncError::Target(format!(
                "run R{run_id} \"{}\" is closed and TestRail refuses results for closed runs; \
                 drop --run-id to open a new run",
                run.name
            )));
        }
        if run.project_id != self.project_id {
            return Err(SyncError::Target(format!(
                "run R{run_id} belongs to project {}, not {} ({})",
                run.project_id, self.project_id, self.project_name
            )));
        }
        if let Some(suite) = self.suite_id.filter(|s| *s != run.suite_id) {
            return Err(SyncError::Target(format!(
                "run R{run_id} is a run of suite S{}, not S{suite}",
                run.suite_id
            )));
        }
        Ok(run)
    }

    /// Adds the plan's cases to a run that lacks some. `update_run` *replaces* the case set, so
    /// this is read-modify-write. The write is sent once right after its read (a write held
    /// back by a 429 would carry a stale set; the loop reads again instead) and not verified
    /// here: a shard whose cases another job's write dropped finds out for free when TestRail
    /// refuses its results, and [`Context::repost_if_cases_were_removed`] checks once at the
    /// end. Reading again after every write is what made 20 shards cost 439 requests.
    ///
    /// `first_read` is the run's case set read while deciding the writes: the first round
    /// uses it instead of reading again.
    pub(crate) async fn ensure_cases(
        &mut self,
        run: &Run,
        plan: &mut ResultPlan,
        first_read: Option<BTreeSet<Id>>,
    ) -> Result<(), SyncError> {
        let mut first_read = first_read;
        for round in 0..MAX_CASE_ROUNDS {
            // Keep jobs that collided from colliding again in lockstep.
            tokio::time::sleep(self.backoff(round)).await;
            let have = match first_read.take() {
                Some(have) => have,
                None => self.read_run_case_ids(run.id).await?,
            };
            let wanted = plan.case_ids();
            if wanted.is_subset(&have) {
                return Ok(());
            }
            if run.include_all {
                // Every case of the suite is in the run already: what is missing is unknown.
                self.drop_unknown(plan, |c| have.contains(&c));
                return Ok(());
            }
            if self.write_case_set(run, &have, plan).await? {
                return Ok(());
            }
        }
        Err(self.kept_losing_cases(run))
    }

    /// One `update_run` with the union of `have` and our cases, sent once. `Ok(true)`: written;
    /// `Ok(false)`: not certainly written (lost answer, 429/409, unknown cases dropped) — read
    /// again and retry.
    async fn write_case_set(
        &mut self,
        run: &Run,
        have: &BTreeSet<Id>,
        plan: &mut ResultPlan,
    ) -> Result<bool, SyncError> {
        let fields = RunFields {
            include_all: Some(false),
            case_ids: Some(have.union(&plan.case_ids()).copied().collect()),
            ..Default::default()
        };
        let endpoint = match run.plan_id {
            Some(_) => format!("update_run_in_plan_entry/{}", run.id),
            None => format!("update_run/{}", run.id),
        };
        match self
            .client
            .post_once::<_, serde_json::Value>(&endpoint, &fields)
            .await
        {
            Ok(_) => Ok(true),
            Err(e) if e.is_ambiguous() || e.is_retryable() => Ok(false),
            Err(e) if rejects_case_ids(&e) => {
                self.drop_unknown_after_rejection(plan).await?;
                Ok(false)
            }
            Err(e) => Err(SyncError::api(
                format!("adding cases to run R{}", run.id),
                e,
            )),
        }
    }

    fn kept_losing_cases(&self, run: &Run) -> SyncError {
        SyncError::Target(format!(
            "run R{} kept losing cases while adding ours: other jobs are replacing its case set; \
             open the run once with `testrail-sync run open` and report into it",
            run.id
        ))
    }

    /// After posting into a shared run: one read shows whether another job's stale
    /// `update_run` dropped our cases. If so, or if TestRail refused batches because their
    /// cases had left the run, our cases go back in and only the refused batches are posted
    /// again: TestRail keeps the results of a case removed from a run and shows them again
    /// when the case is re-added, and a refused batch applied nothing. Only a sync that also
    /// lost a write's answer reads the results, since its resolving read could not see the
    /// results of a case that was out of the run at the time.
    pub(crate) async fn repost_if_cases_were_removed(
        &mut self,
        poster: &Poster<'_>,
        plan: &mut ResultPlan,
        run: &Run,
        created_run: bool,
    ) -> Result<(), SyncError> {
        let mut refused = poster.take_rejected();
        // A run we created holds our cases from the start: every other job's read includes
        // them, so only refused batches can be missing.
        if created_run && refused.is_empty() {
            return Ok(());
        }
        let uncertain = poster.ambiguous.load(std::sync::atomic::Ordering::Relaxed) > 0;
        for round in 0..MAX_CASE_ROUNDS {
            // Let a concurrent job's stale write land before we look: a write built from a
            // read made just before ours landed reaches the server a request or two later
            // (seconds on a slow server), and after our last look nobody puts our cases back.
            let settle = if round == 0 {
                FINAL_LOOK_DELAY
            } else {
                Duration::ZERO
            };
            tokio::time::sleep(settle + self.backoff(round + 1)).await;
            let only_look = refused.is_empty() && !uncertain;
            if only_look && self.our_cases_still_in(run, plan).await? {
                return Ok(());
            }
            if only_look || !refused.is_empty() {
                // Another job's stale write dropped our cases: the other jobs it dropped are
                // about to repair too, and repairs made together drop each other again.
                tokio::time::sleep(self.repair_spread(round)).await;
            }
            let have = self.read_run_case_ids(run.id).await?;
            let mut wrote = false;
            if !plan.case_ids().is_subset(&have) {
                if run.include_all {
                    self.drop_unknown(plan, |c| have.contains(&c));
                } else if self.write_case_set(run, &have, plan).await? {
                    wrote = true;
                } else {
                    continue;
                }
            }
            if !refused.is_empty() {
                // The post verifies the write: refused again means dropped again.
                poster.post_all(&refused, &crate::summary::Quiet).await?;
                refused = poster.take_rejected();
                continue;
            }
            if wrote {
                // Our cases came back (with their results): check once more.
                continue;
            }
            if uncertain {
                return self.repost_missing(poster, plan).await;
            }
            return Ok(());
        }
        Err(self.kept_losing_cases(run))
    }

    /// Whether our cases are still in the run, asked of one of them
    /// (`get_results_for_case&limit=1`: one small request, where reading the run's tests takes
    /// a page per 250). Our cases entered the run in one write and any later write keeps or
    /// drops them together, so one stands for all; `false` when unsure.
    async fn our_cases_still_in(&self, run: &Run, plan: &ResultPlan) -> Result<bool, SyncError> {
        let Some(case) = plan.case_ids().into_iter().next() else {
            return Ok(true);
        };
        let probe = format!("get_results_for_case/{}/{case}&limit=1", run.id);
        match self.client.get::<serde_json::Value>(&probe).await {
            Ok(_) => Ok(true),
            // `No (active) test found for the run/case combination.`
            Err(e) if e.status() == Some(400) => Ok(false),
            Err(e) => Err(SyncError::api(
                format!("checking our cases are still in run R{}", run.id),
                e,
            )),
        }
    }

    /// Posts again what a read of the run's results shows missing (only after a lost write in
    /// a shared run; see [`Context::repost_if_cases_were_removed`]).
    async fn repost_missing(
        &mut self,
        poster: &Poster<'_>,
        plan: &mut ResultPlan,
    ) -> Result<(), SyncError> {
        let ours: Vec<Id> = plan.results.iter().filter_map(|r| r.case_id).collect();
        let landed = poster.landed_among_settled(&ours).await?;
        let lost: Vec<NewResult> = plan
            .results
            .iter()
            .filter(|r| r.case_id.is_some_and(|c| !landed.contains_key(&c)))
            .cloned()
            .collect();
        if !lost.is_empty() {
            tracing::warn!(
                cases = lost.len(),
                "results missing after another job replaced the run's cases; posting them again"
            );
            poster.post_all(&lost, &crate::summary::Quiet).await?;
        }
        Ok(())
    }

    /// The run's cases, read as one snapshot ([`Context::read_run_case_ids`]), so the first
    /// `update_run` of [`Context::ensure_cases`] can be built on this read.
    ///
    /// Jobs started together (CI shards) would read and then write the case set in the same
    /// instant and drop each other's cases; this read first waits up to [`FIRST_READ_SPREAD`],
    /// different for every sync. That costs a lone job a second on average; 20 shards started
    /// together each paid a refused post, a read and a write far more often with half the
    /// spread (9.8 requests per shard on average instead of 9.1; see docs/PERFORMANCE.md).
    /// A run with every case of its suite (`include_all`) is never written back, and a dry
    /// run writes nothing: neither waits.
    pub(crate) async fn run_case_ids(&self, run: &Run) -> Result<BTreeSet<Id>, SyncError> {
        if !self.options.dry_run && !run.include_all {
            let spread = FIRST_READ_SPREAD.mul_f64(self.jitter_unit("first-read", 0));
            tokio::time::sleep(spread).await;
        }
        self.read_run_case_ids(run.id).await
    }

    /// The run's cases as of one moment, even while other jobs change them: a case skipped
    /// by a read whose pages shifted would be dropped by the `update_run` built on it, and
    /// that job would lose it without knowing (its one-case probe may not be the one dropped).
    pub(crate) async fn read_run_case_ids(&self, run_id: Id) -> Result<BTreeSet<Id>, SyncError> {
        let tests = self
            .client
            .get_tests_snapshot(run_id)
            .await
            .map_err(|e| SyncError::api(format!("reading tests of run R{run_id}"), e))?;
        Ok(tests.into_iter().map(|t| t.case_id).collect())
    }

    /// The newest result ID in the run before we post: results above it on our cases are ours.
    /// Only a journal needs it (to tell, when resuming, what an earlier attempt posted); a sync
    /// without one saves the read and tells its results by creation time instead
    /// ([`UNREAD_WATERMARK`]).
    pub(crate) async fn watermark(&self, run_id: Id) -> Result<Id, SyncError> {
        if self.options.journal_dir.is_none() {
            return Ok(UNREAD_WATERMARK);
        }
        let page: serde_json::Value = self
            .client
            .get(&format!("get_results_for_run/{run_id}&limit=1"))
            .await
            .map_err(|e| SyncError::api(format!("reading results of run R{run_id}"), e))?;
        let list = page.get("results").unwrap_or(&page);
        Ok(list
            .as_array()
            .and_then(|a| a.first())
            .and_then(|r| r.get("id"))
            .and_then(serde_json::Value::as_u64)
            .unwrap_or(0))
    }

    /// A wait before round `round` of adding cases, different for every sync: uniform in
    /// 50 ms + [0, 200 ms × 2^(round-1)] (capped at 6.4 s). Jobs whose writes of the case set
    /// collided spread out exponentially, so the next round's read-then-write windows rarely
    /// overlap again: each collision costs a refused post, a read and a write, and under an
    /// instance-wide limit those requests are what everyone waits for.
    pub(crate) fn backoff(&self, round: u32) -> Duration {
        if round == 0 {
            return Duration::ZERO;
        }
        let span = 200.0 * f64::from(1u32 << (round - 1).min(5));
        Duration::from_millis(50 + (self.jitter_unit("backoff", round) * span) as u64)
    }

    /// A wait before repairing round `round` of our cases after another job's stale
    /// `update_run` dropped them: uniform in [0, 2 s × 2^round] (capped at 16 s), different for
    /// every sync. One stale write drops every job that wrote in its read-to-write window, and
    /// they all find out within the same second; spread over a few seconds their repairs (a
    /// read and a write each, ~50 ms apart) rarely overlap, where spread over the backoff's
    /// quarter of a second most of them dropped each other again (20 shards measured 187–208
    /// admitted requests before, see docs/PERFORMANCE.md). Only a sync that lost cases waits.
    fn repair_spread(&self, round: u32) -> Duration {
        let span = 2000.0 * f64::from(1u32 << round.min(3));
        Duration::from_millis((self.jitter_unit("repair", round) * span) as u64)
    }

    /// A number in [0, 1] fixed by this sync's token, `what` and `round`: waits that differ
    /// between jobs without a random source.
    fn jitter_unit(&self, what: &str, round: u32) -> f64 {
        let hash = crate::journal::fnv1a_hex(&format!("{}-{what}-{round}", self.token));
        u64::from_str_radix(&hash[..6], 16).unwrap_or(0) as f64 / f64::from(0xFF_FFFF)
    }
}
