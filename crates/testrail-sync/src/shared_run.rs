//! Runs shared with other jobs (`--run-id`, `--run-key`, plans): checking the run is usable,
//! adding our cases without dropping anyone else's, and the result watermark.
//!
//! `update_run` *replaces* a run's case set and TestRail has no compare-and-set, so adding cases
//! is read-modify-write, verified by reading again, repeated while concurrent shards race us.

use std::collections::BTreeSet;
use std::time::Duration;

use testrail_api::models::{Id, NewResult, Run, RunFields};

use crate::context::{Context, rejects_case_ids};
use crate::error::SyncError;
use crate::poster::Poster;
use crate::results::ResultPlan;

/// TestRail's page size: a list this long or longer came in several pages.
const TESTS_PER_PAGE: usize = 250;
/// Read-modify-write rounds when adding cases to a shared run. Eight jobs racing need up to
/// eight rounds (each round at least one of them wins).
const MAX_CASE_ROUNDS: u32 = 16;

impl Context<'_> {
    pub(crate) async fn existing_open_run(&self, run_id: Id) -> Result<Run, SyncError> {
        let run = self.client.get_run(run_id).await.map_err(|e| {
            SyncError::api(
                format!("run R{run_id} (check --run-id; `testrail-sync runs` lists open runs)"),
                e,
            )
        })?;
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
    /// this is read-modify-write, verified by reading again, repeated while concurrent shards
    /// race us. `first_read` is the run's case set read while deciding the writes (the first
    /// round uses it instead of reading again).
    pub(crate) async fn ensure_cases(
        &mut self,
        run: &Run,
        plan: &mut ResultPlan,
        mut first_read: Option<BTreeSet<Id>>,
    ) -> Result<(), SyncError> {
        for round in 0..MAX_CASE_ROUNDS {
            if round > 0 {
                // Let a concurrent job's stale `update_run` land before we verify, and keep
                // jobs that collided from colliding again in lockstep.
                tokio::time::sleep(self.backoff(round)).await;
            }
            let have = match first_read.take() {
                Some(have) => have,
                None => self.run_case_ids(run.id).await?,
            };
            let wanted = plan.case_ids();
            let missing: Vec<Id> = wanted.difference(&have).copied().collect();
            if missing.is_empty() {
                return Ok(());
            }
            if run.include_all {
                // Every case of the suite is in the run already: what is missing is unknown.
                self.drop_unknown(plan, |c| have.contains(&c));
                return Ok(());
            }
            let fields = RunFields {
                include_all: Some(false),
                case_ids: Some(have.union(&wanted).copied().collect()),
                ..Default::default()
            };
            let endpoint = match run.plan_id {
                Some(_) => format!("update_run_in_plan_entry/{}", run.id),
                None => format!("update_run/{}", run.id),
            };
            // Not retried by the client: a retry sent after a backoff would carry a case set
            // read seconds earlier and could drop cases another job added meanwhile. The next
            // round reads again instead (and sees whether this one landed).
            match self
                .client
                .post::<_, serde_json::Value>(&endpoint, &fields)
                .await
            {
                Ok(_) => {}
                Err(e) if e.is_ambiguous() => {}
                Err(e) if rejects_case_ids(&e) => self.drop_unknown_after_rejection(plan).await?,
                Err(e) => {
                    return Err(SyncError::api(
                        format!("adding cases to run R{}", run.id),
                        e,
                    ));
                }
            }
        }
        Err(SyncError::Target(format!(
            "run R{} kept losing cases while adding ours: other jobs are replacing its case set; \
             open the run once with `testrail-sync run open` and report into it",
            run.id
        )))
    }

    /// After posting into a shared run, checks no concurrent `update_run` dropped our cases
    /// and posts again only what is really missing: batches TestRail refused because their
    /// cases had left the run, and results that are gone. Our cases go back in *first*:
    /// TestRail keeps the results of a case removed from a run and shows them again when the
    /// case is re-added, so only then can a read tell what is missing (re-posting earlier
    /// would duplicate them).
    pub(crate) async fn repost_if_cases_were_removed(
        &mut self,
        poster: &Poster<'_>,
        plan: &mut ResultPlan,
        run: &Run,
        created_run: bool,
    ) -> Result<(), SyncError> {
        for _ in 0..MAX_CASE_ROUNDS {
            let refused = poster.take_rejected();
            // A run we created holds our cases from the start: every other job's read includes
            // them, so only refused batches can be missing.
            if created_run && refused.is_empty() {
                return Ok(());
            }
            self.ensure_cases(run, plan, None).await?;
            let ours: Vec<Id> = plan.results.iter().filter_map(|r| r.case_id).collect();
            let landed = poster.landed_among_settled(&ours).await?;
            let lost: Vec<NewResult> = plan
                .results
                .iter()
                .filter(|r| r.case_id.is_some_and(|c| !landed.contains_key(&c)))
                .cloned()
                .collect();
            if lost.is_empty() {
                return Ok(());
            }
            tracing::warn!(
                cases = lost.len(),
                "results missing after another job replaced the run's cases; posting them again"
            );
            poster.post_all(&lost, &crate::summary::Quiet).await?;
        }
        Err(SyncError::Target(format!(
            "run R{} kept losing our cases: other jobs keep replacing its case set; open the run \
             once with `testrail-sync run open` and report into it with --run-id",
            run.id
        )))
    }

    /// The run's cases. A run longer than one page is read until a read adds nothing: while
    /// other jobs change the run, later pages shift and a single read can miss cases — and
    /// writing back a set that misses them (`update_run` replaces it) would drop them.
    pub(crate) async fn run_case_ids(&self, run_id: Id) -> Result<BTreeSet<Id>, SyncError> {
        let mut have = self.read_run_case_ids(run_id).await?;
        for _ in 0..3 {
            if have.len() < TESTS_PER_PAGE {
                break;
            }
            let before = have.len();
            have.extend(self.read_run_case_ids(run_id).await?);
            if have.len() == before {
                break;
            }
        }
        Ok(have)
    }

    pub(crate) async fn read_run_case_ids(&self, run_id: Id) -> Result<BTreeSet<Id>, SyncError> {
        let tests = self
            .client
            .get_tests(run_id)
            .await
            .map_err(|e| SyncError::api(format!("reading tests of run R{run_id}"), e))?;
        Ok(tests.into_iter().map(|t| t.case_id).collect())
    }

    /// The newest result ID in the run before we post: results above it on our cases are ours.
    pub(crate) async fn watermark(&self, run_id: Id) -> Result<Id, SyncError> {
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

    /// 50–150 ms per round (up to 8), different for every sync: concurrent jobs spread out.
    pub(crate) fn backoff(&self, round: u32) -> Duration {
        let hash = crate::journal::fnv1a_hex(&format!("{}-{round}", self.token));
        let spread = u64::from_str_radix(&hash[..4], 16).unwrap_or(0) % 100;
        Duration::from_millis((50 + spread) * u64::from(round.min(8)))
    }
}
