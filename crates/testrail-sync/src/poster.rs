//! Posts result batches, a few in flight, and turns every ambiguous outcome into a certain one:
//! a batch that may have landed is checked by reading the run's results above the watermark,
//! never re-sent blindly.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use futures_util::{StreamExt, TryStreamExt, stream};
use testrail_api::models::{Id, NewResult, TestResult};
use testrail_api::{ApiError, Client};

use crate::error::SyncError;
use crate::journal::{Event, Journal};
use crate::options::SyncOptions;
use crate::results::MAX_BATCH_BYTES;
use crate::summary::Progress;

/// How often an ambiguous batch is checked and re-sent before the sync gives up on it.
const MAX_AMBIGUOUS_ROUNDS: u32 = 8;
/// Extra reads of the run's results when a read may have missed some (see
/// [`Poster::landed_among_settled`]).
const MAX_REREADS: u32 = 3;
/// How long to let a timed-out request finish on the server before reading what landed.
const SETTLE: Duration = Duration::from_millis(500);

/// Posts result batches, a few in flight, and turns every ambiguous outcome into a certain one.
pub(crate) struct Poster<'a> {
    client: &'a Client,
    options: &'a SyncOptions,
    run_id: Id,
    watermark: Id,
    journal: Mutex<Option<Journal>>,
    /// test ID → case ID, read once, when an ambiguous batch first needs it.
    tests: tokio::sync::Mutex<HashMap<Id, Id>>,
    pub(crate) posted: AtomicU64,
    pub(crate) batches: AtomicU64,
    pub(crate) ambiguous: AtomicU64,
    /// case ID → the result ID TestRail gave it (for attachments).
    pub(crate) result_ids: Mutex<BTreeMap<Id, Id>>,
    /// Cases acknowledged in this invocation (a case re-posted after another job removed it
    /// from the run counts once).
    acked: Mutex<BTreeSet<Id>>,
    /// Batches TestRail refused because their cases were no longer in the run (another job's
    /// `update_run` replaced the case set): nothing of them was applied; the caller adds the
    /// cases back and posts them again.
    rejected: Mutex<Vec<NewResult>>,
}

impl<'a> Poster<'a> {
    pub(crate) fn new(
        client: &'a Client,
        options: &'a SyncOptions,
        run_id: Id,
        watermark: Id,
        journal: Option<Journal>,
    ) -> Self {
        Poster {
            client,
            options,
            run_id,
            watermark,
            journal: Mutex::new(journal),
            tests: tokio::sync::Mutex::new(HashMap::new()),
            posted: AtomicU64::new(0),
            batches: AtomicU64::new(0),
            ambiguous: AtomicU64::new(0),
            result_ids: Mutex::new(BTreeMap::new()),
            acked: Mutex::new(BTreeSet::new()),
            rejected: Mutex::new(Vec::new()),
        }
    }

    /// Distinct cases acknowledged so far.
    pub(crate) fn posted(&self) -> u64 {
        self.acked.lock().expect("acked lock").len() as u64
    }

    /// Cases found to have landed after an interruption count as posted by this invocation.
    pub(crate) fn acknowledge_landed(&self, cases: Vec<Id>) {
        self.acked.lock().expect("acked lock").extend(cases);
    }

    /// Takes the batches refused because their cases had left the run.
    pub(crate) fn take_rejected(&self) -> Vec<NewResult> {
        std::mem::take(&mut *self.rejected.lock().expect("rejected lock"))
    }

    pub(crate) async fn post_all(
        &self,
        results: &[NewResult],
        progress: &dyn Progress,
    ) -> Result<(), SyncError> {
        let batches = crate::results::batches(results, self.options.batch_size, MAX_BATCH_BYTES);
        // A batch's bodies are copied when it is sent, so only the batches in flight exist
        // twice (10,000 failure comments of 12,000 characters are ~120 MB).
        stream::iter(batches)
            .map(|range| self.post_batch(results[range].to_vec(), progress))
            .buffer_unordered(self.options.concurrency.max(1))
            .try_collect::<Vec<()>>()
            .await
            .map(drop)
    }

    /// Sends one batch until TestRail certainly has it. An ambiguous outcome is resolved by
    /// reading the run's results, never by blindly re-sending; a batch that timed out is split.
    async fn post_batch(
        &self,
        batch: Vec<NewResult>,
        progress: &dyn Progress,
    ) -> Result<(), SyncError> {
        let mut queue = vec![(batch, 0u32)];
        while let Some((batch, round)) = queue.pop() {
            let cases = case_ids_of(&batch);
            self.record(Event::Sending {
                cases: cases.clone(),
            })?;
            self.batches.fetch_add(1, Ordering::Relaxed);
            match self.client.add_results_for_cases(self.run_id, &batch).await {
                Ok(created) => {
                    // TestRail answers in request order.
                    self.remember(cases.iter().copied().zip(created.iter().map(|r| r.id)));
                    self.acknowledge(&cases, progress)?
                }
                Err(e) if e.is_ambiguous() && round < MAX_AMBIGUOUS_ROUNDS => {
                    self.ambiguous.fetch_add(1, Ordering::Relaxed);
                    tokio::time::sleep(SETTLE).await;
                    let landed = self.landed_among_settled(&cases).await?;
                    self.remember(landed.iter().map(|(c, r)| (*c, *r)));
                    let landed: Vec<Id> = landed.into_keys().collect();
                    self.acknowledge(&landed, progress)?;
                    let rest: Vec<NewResult> = batch
                        .into_iter()
                        .filter(|r| r.case_id.is_some_and(|c| !landed.contains(&c)))
                        .collect();
                    queue.extend(
                        split_if_timed_out(rest, &e)
                            .into_iter()
                            .map(|b| (b, round + 1)),
                    );
                }
                Err(e) if cases_not_in_run(&e) => {
                    // TestRail validates a batch whole: nothing of it was applied.
                    self.rejected.lock().expect("rejected lock").extend(batch);
                }
                Err(e) if e.status() == Some(413) && batch.len() > 1 => {
                    queue.extend(halves(batch).into_iter().map(|b| (b, round)));
                }
                Err(e) => {
                    return Err(SyncError::api(
                        format!("posting {} results to run R{}", batch.len(), self.run_id),
                        e,
                    ));
                }
            }
        }
        Ok(())
    }

    /// Which of `cases` already have a result newer than the watermark, read until a read
    /// finds nothing new. One paginated read is not enough in a shared run: when another job's
    /// `update_run` drops cases (deleting their results) while we page through, later pages
    /// shift and hide results that exist — and re-sending those would duplicate them. A result
    /// seen once did exist, so reads are merged.
    pub(crate) async fn landed_among_settled(
        &self,
        cases: &[Id],
    ) -> Result<BTreeMap<Id, Id>, SyncError> {
        let mut landed = self.landed_among(cases).await?;
        for _ in 0..MAX_REREADS {
            if landed.len() == cases.len() {
                break;
            }
            let again = self.landed_among(cases).await?;
            let before = landed.len();
            landed.extend(again);
            if landed.len() == before {
                break;
            }
        }
        Ok(landed)
    }

    /// Which of `cases` already have a result newer than the watermark (so a batch that carried
    /// them landed), with that result's ID — as one paginated read saw it.
    async fn landed_among(&self, cases: &[Id]) -> Result<BTreeMap<Id, Id>, SyncError> {
        if cases.is_empty() {
            return Ok(BTreeMap::new());
        }
        let results: Vec<TestResult> =
            self.client
                .get_results_for_run(self.run_id)
                .await
                .map_err(|e| {
                    SyncError::api("checking which results landed (get_results_for_run)", e)
                })?;
        let newer: Vec<&TestResult> = results.iter().filter(|r| r.id > self.watermark).collect();
        let mut tests = self.tests.lock().await;
        if newer.iter().any(|r| !tests.contains_key(&r.test_id)) {
            let all = self
                .client
                .get_tests(self.run_id)
                .await
                .map_err(|e| SyncError::api("reading the run's tests (get_tests)", e))?;
            *tests = all.into_iter().map(|t| (t.id, t.case_id)).collect();
        }
        let wanted: BTreeSet<Id> = cases.iter().copied().collect();
        Ok(newer
            .iter()
            .filter_map(|r| tests.get(&r.test_id).map(|case| (*case, r.id)))
            .filter(|(case, _)| wanted.contains(case))
            .collect())
    }

    fn remember(&self, pairs: impl Iterator<Item = (Id, Id)>) {
        self.result_ids
            .lock()
            .expect("result ids lock")
            .extend(pairs);
    }

    fn acknowledge(&self, cases: &[Id], progress: &dyn Progress) -> Result<(), SyncError> {
        if cases.is_empty() {
            return Ok(());
        }
        self.record(Event::Acked {
            cases: cases.to_vec(),
        })?;
        self.posted.fetch_add(cases.len() as u64, Ordering::Relaxed);
        self.acked
            .lock()
            .expect("acked lock")
            .extend(cases.iter().copied());
        progress.advance(cases.len() as u64);
        Ok(())
    }

    fn record(&self, event: Event) -> Result<(), SyncError> {
        match self.journal.lock().expect("journal lock").as_mut() {
            Some(j) => j.record(&event),
            None => Ok(()),
        }
    }

    pub(crate) fn finish(self) -> Result<(), SyncError> {
        match self.journal.into_inner().expect("journal lock") {
            Some(j) => j.finish(),
            None => Ok(()),
        }
    }
}

/// `Field :results contains one or more invalid results (case C12 unknown or not part of the
/// test run)`: in a shared run, usually another job's `update_run` dropping our cases.
fn cases_not_in_run(e: &ApiError) -> bool {
    e.status() == Some(400)
        && e.testrail_message()
            .is_some_and(|m| m.contains("not part of the test run"))
}

fn case_ids_of(batch: &[NewResult]) -> Vec<Id> {
    batch.iter().filter_map(|r| r.case_id).collect()
}

/// A batch that timed out may simply be too big for the server to answer in time.
fn split_if_timed_out(batch: Vec<NewResult>, error: &ApiError) -> Vec<Vec<NewResult>> {
    let timed_out =
        matches!(error, ApiError::Ambiguous { cause, .. } if cause.contains("no answer"));
    if batch.is_empty() {
        Vec::new()
    } else if timed_out && batch.len() > 1 {
        halves(batch)
    } else {
        vec![batch]
    }
}

fn halves(mut batch: Vec<NewResult>) -> Vec<Vec<NewResult>> {
    let second = batch.split_off(batch.len() / 2);
    vec![batch, second]
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn batch(n: u64) -> Vec<NewResult> {
        (1..=n)
            .map(|c| NewResult {
                case_id: Some(c),
                ..Default::default()
            })
            .collect()
    }

    /// What the client turns a timed-out write into.
    fn timed_out() -> ApiError {
        let timeout = ApiError::Timeout {
            endpoint: "add_results_for_cases/1".into(),
            after: Duration::from_secs(30),
        };
        ApiError::Ambiguous {
            endpoint: "add_results_for_cases/1".into(),
            cause: timeout.to_string(),
        }
    }

    #[test]
    fn a_batch_that_timed_out_is_split_in_two_and_a_dropped_one_is_not() {
        let parts = split_if_timed_out(batch(5), &timed_out());
        assert_eq!(
            parts.iter().map(|p| case_ids_of(p)).collect::<Vec<_>>(),
            vec![vec![1, 2], vec![3, 4, 5]]
        );
        assert_eq!(split_if_timed_out(batch(1), &timed_out()).len(), 1);
        assert!(split_if_timed_out(Vec::new(), &timed_out()).is_empty());
        let dropped = ApiError::Ambiguous {
            endpoint: "add_results_for_cases/1".into(),
            cause: "connection closed before message completed".into(),
        };
        assert_eq!(split_if_timed_out(batch(4), &dropped), vec![batch(4)]);
    }

    #[test]
    fn only_not_part_of_the_run_refusals_are_kept_for_a_retry() {
        let refusal = |message: &str| ApiError::Http {
            status: 400,
            endpoint: "add_results_for_cases/1".into(),
            message: message.into(),
        };
        assert!(cases_not_in_run(&refusal(
            "Field :results contains one or more invalid results (case C12 unknown or not part of the test run)"
        )));
        assert!(!cases_not_in_run(&refusal(
            "Field :run_id is not a valid test run."
        )));
    }
}
