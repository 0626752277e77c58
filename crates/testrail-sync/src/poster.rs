//! Posts result batches and turns every ambiguous outcome into a certain one, exactly once.
//!
//! Concurrency: `post_all` runs a few writers over one shared queue (a std `Mutex`, never
//! held across an await). A write whose answer is lost (gateway 504, our timeout, a 5xx, a
//! dropped connection) is *parked*: the server may still be committing it, so it is never
//! re-sent then. The writers stop taking new work; one write at a time goes on while the lost
//! ones settle (each answer teaches the [`ServerModel`] the server's real speed), and once no
//! lost write can still commit, one read filtered to what this sync's user created since the
//! oldest was sent tells which landed ([`landing::attribute`]). Only the rest is queued again.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use testrail_api::models::{Id, NewResult, TestResult};
use testrail_api::{ApiError, Client};
use tokio::time::Instant;

use crate::error::SyncError;
use crate::journal::{Event, Journal};
use crate::landing::{self, Verdict};
use crate::options::SyncOptions;
use crate::results::MAX_BATCH_BYTES;
use crate::server_model::ServerModel;
use crate::shared_run::UNREAD_WATERMARK;
use crate::summary::Progress;

/// Extra reads of the run's results when a read may have missed some (see
/// [`Poster::landed_among_settled`]).
const MAX_REREADS: u32 = 3;

/// Lost writes are resolved at the latest after this many results were posted behind them,
/// so the read that resolves them holds about one page of other results.
const PARK_WINDOW: usize = 250;
/// TestRail's page size for lists.
const PAGE: usize = 250;
/// Seconds subtracted from the server time a write was sent at: `Date` and `created_on` have
/// whole seconds, and the two may be read a second apart.
const CLOCK_SLACK_SECS: i64 = 2;
/// The longest a lost write is waited for before the sync stops rather than risk posting it
/// twice (see docs/RELIABILITY.md).
pub(crate) const SETTLE_CAP: Duration = Duration::from_secs(600);
/// A comment is cut at most down to this many characters before a single result the server
/// refuses as too large (413) is reported as an error.
const MIN_CUT_COMMENT: usize = 200;

/// Posts result batches, a few in flight, and turns every ambiguous outcome into a certain one.
pub(crate) struct Poster<'a> {
    client: &'a Client,
    run_id: Id,
    watermark: Id,
    journal: Mutex<Option<Journal>>,
    /// test ID → case ID, read once, when a resume or a shared run needs the full check.
    tests: tokio::sync::Mutex<HashMap<Id, Id>>,
    pub(crate) posted: AtomicU64,
    pub(crate) batches: AtomicU64,
    pub(crate) ambiguous: AtomicU64,
    /// The server's time when this sync began posting, less the slack (for reads of what it
    /// created when no watermark was read).
    since: Option<i64>,
    /// Reads made to resolve lost writes (result pages and, rarely, the run's tests).
    pub(crate) resolving_reads: AtomicU64,
    /// Comments cut because a single result was larger than the server accepts.
    pub(crate) comments_cut: AtomicU64,
    /// case ID → the result ID TestRail gave it (for attachments).
    pub(crate) result_ids: Mutex<BTreeMap<Id, Id>>,
    /// Cases acknowledged in this invocation (a case re-posted after another job removed it
    /// from the run counts once).
    acked: Mutex<BTreeSet<Id>>,
    /// Batches TestRail refused because their cases were no longer in the run (another job's
    /// `update_run` replaced the case set): nothing of them was applied; the caller adds the
    /// cases back and posts them again.
    rejected: Mutex<Vec<NewResult>>,
    /// Speed, gateway timeout and body limit, learned from our own writes.
    model: Mutex<ServerModel>,
    /// Writes in flight at once; one after the server ran out of time once.
    concurrency: AtomicUsize,
    /// The first write was sent alone (see `post_all`).
    probed: std::sync::atomic::AtomicBool,
    /// The user chose the batch size: no lone first write.
    options_chosen: bool,
    /// What is known about the run: our user, case → test, result IDs we were told.
    known: Mutex<Known>,
    /// Set by a signal: take no more batches.
    stop: crate::options::StopFlag,
}

#[derive(Default)]
struct Known {
    /// The user our writes are created by (from the first acknowledged result).
    user: Option<Id>,
    /// case → test ID, from acknowledged writes and the run's tests when read.
    tests: HashMap<Id, Id>,
    /// Every result ID TestRail acknowledged to this sync.
    result_ids: HashSet<Id>,
}

/// The work of one `post_all`: indices into its results still to post, and lost writes.
struct Work {
    queue: VecDeque<usize>,
    /// index → characters its comment is cut to (after 413s on it alone).
    cuts: HashMap<usize, usize>,
    parked: Vec<Parked>,
    /// Results posted since the oldest lost write was parked.
    posted_since_park: usize,
}

/// A write whose answer was lost, kept until a read shows whether it landed.
struct Parked {
    indices: Vec<usize>,
    sent: Vec<NewResult>,
    sent_at: Instant,
    /// The server's clock when it was sent, minus the slack (for `created_after`).
    created_after: Option<i64>,
    /// How long it ran before the answer was lost.
    after: Duration,
    /// It ran out of time (gateway 504, our timeout): the server may still be working on it.
    timed_out: bool,
}

/// One write, built from the queue.
struct Batch {
    indices: Vec<usize>,
    results: Vec<NewResult>,
    bytes: usize,
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
            since: server_now(client).map(|t| t - CLOCK_SLACK_SECS),
            client,
            run_id,
            watermark,
            journal: Mutex::new(journal),
            tests: tokio::sync::Mutex::new(HashMap::new()),
            posted: AtomicU64::new(0),
            batches: AtomicU64::new(0),
            ambiguous: AtomicU64::new(0),
            resolving_reads: AtomicU64::new(0),
            comments_cut: AtomicU64::new(0),
            result_ids: Mutex::new(BTreeMap::new()),
            acked: Mutex::new(BTreeSet::new()),
            rejected: Mutex::new(Vec::new()),
            model: Mutex::new(ServerModel::new(
                options.batch_size,
                options.batch_size_chosen,
                MAX_BATCH_BYTES,
                client.timeout(),
            )),
            concurrency: AtomicUsize::new(options.concurrency.max(1)),
            probed: std::sync::atomic::AtomicBool::new(false),
            options_chosen: options.batch_size_chosen,
            known: Mutex::new(Known::default()),
            stop: options.stop.clone(),
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

    /// case → test IDs read elsewhere (a shared run's tests): lost writes on these cases are
    /// then attributed exactly.
    pub(crate) fn learn_tests(&self, tests: impl IntoIterator<Item = (Id, Id)>) {
        self.known.lock().expect("known lock").tests.extend(tests);
    }

    /// Posts every result once. Writes are sized to the server (see [`ServerModel`]); a write
    /// whose answer is lost is parked, never re-sent while it could still commit, and
    /// resolved by one filtered read once its settle horizon has passed.
    pub(crate) async fn post_all(
        &self,
        results: &[NewResult],
        progress: &dyn Progress,
    ) -> Result<(), SyncError> {
        let work = Mutex::new(Work {
            queue: (0..results.len()).collect(),
            cuts: HashMap::new(),
            parked: Vec::new(),
            posted_since_park: 0,
        });
        loop {
            // Asked to stop: what is in flight has finished (the writers below return before
            // taking another batch); what was sent and not answered stays pending in the journal.
            self.stop
                .check(self.posted(), results.len() as u64, Some(self.run_id))?;
            let parked = !work.lock().expect("work lock").parked.is_empty();
            if parked {
                // One write at a time while lost ones wait: each answer sharpens the settle
                // horizon, and the resolving read stays small.
                while let Some(batch) = self.take_while_parked(&work, results) {
                    let lost_before = work.lock().expect("work lock").parked.len();
                    self.send(batch, &work, progress).await?;
                    // Lost again: stop feeding a server that cannot answer in time.
                    if work.lock().expect("work lock").parked.len() > lost_before {
                        break;
                    }
                }
                self.resolve_parked(&work, progress).await?;
            } else if !self.probed.swap(true, Ordering::Relaxed) && !self.options_chosen {
                // The first write to a server we know nothing about goes alone: its answer
                // sizes the writes that follow.
                let first = self.take_batch(&mut work.lock().expect("work lock"), results);
                if let Some(batch) = first {
                    self.send(batch, &work, progress).await?;
                }
            } else {
                let workers = self.concurrency.load(Ordering::Relaxed);
                futures_util::future::try_join_all(
                    (0..workers).map(|_| self.post_until_parked(&work, results, progress)),
                )
                .await?;
            }
            let w = work.lock().expect("work lock");
            if w.queue.is_empty() && w.parked.is_empty() {
                return Ok(());
            }
        }
    }

    /// One of the concurrent writers: posts until the queue is empty or a write was lost.
    async fn post_until_parked(
        &self,
        work: &Mutex<Work>,
        results: &[NewResult],
        progress: &dyn Progress,
    ) -> Result<(), SyncError> {
        loop {
            let batch = {
                let mut w = work.lock().expect("work lock");
                if !w.parked.is_empty() || self.stop.requested().is_some() {
                    return Ok(());
                }
                self.take_batch(&mut w, results)
            };
            match batch {
                Some(batch) => self.send(batch, work, progress).await?,
                None => return Ok(()),
            }
        }
    }

    /// The next write while lost ones wait: none once the window is full or every horizon
    /// has passed.
    fn take_while_parked(&self, work: &Mutex<Work>, results: &[NewResult]) -> Option<Batch> {
        if self.stop.requested().is_some() {
            return None;
        }
        let mut w = work.lock().expect("work lock");
        if w.posted_since_park >= PARK_WINDOW || Instant::now() >= self.settled_at(&w.parked) {
            return None;
        }
        let room = PARK_WINDOW - w.posted_since_park;
        let mut batch = self.take_batch(&mut w, results)?;
        if batch.indices.len() > room {
            let back = batch.indices.split_off(room);
            batch.results.truncate(room);
            for i in back.into_iter().rev() {
                w.queue.push_front(i);
            }
        }
        Some(batch)
    }

    /// Up to the model's size and byte cap (at least one result) from the front of the queue.
    fn take_batch(&self, w: &mut Work, results: &[NewResult]) -> Option<Batch> {
        let (size, cap) = {
            let m = self.model.lock().expect("model lock");
            (m.next_size(), m.byte_cap())
        };
        let mut batch = Batch {
            indices: Vec::new(),
            results: Vec::new(),
            bytes: 0,
        };
        while let Some(&i) = w.queue.front() {
            let body = body_of(results, &w.cuts, i);
            let bytes = serde_json::to_vec(&body).map_or(0, |v| v.len()) + 1;
            if !batch.indices.is_empty()
                && (batch.indices.len() == size || batch.bytes + bytes > cap)
            {
                break;
            }
            w.queue.pop_front();
            batch.indices.push(i);
            batch.results.push(body);
            batch.bytes += bytes;
        }
        (!batch.indices.is_empty()).then_some(batch)
    }

    /// Sends one write and files its outcome: acknowledged, parked (lost), back in the queue
    /// smaller (413), refused (cases left the run), or an error.
    async fn send(
        &self,
        batch: Batch,
        work: &Mutex<Work>,
        progress: &dyn Progress,
    ) -> Result<(), SyncError> {
        let cases = case_ids_of(&batch.results);
        self.record(Event::Sending {
            cases: cases.clone(),
        })?;
        self.batches.fetch_add(1, Ordering::Relaxed);
        let created_after = self.server_now().map(|t| t - CLOCK_SLACK_SECS);
        let sent_at = Instant::now();
        let n = batch.results.len();
        let outcome = self
            .client
            .add_results_for_cases_timed(self.run_id, &batch.results)
            .await;
        match outcome {
            Ok(answer) => {
                self.model
                    .lock()
                    .expect("model lock")
                    .answered(n, answer.elapsed);
                self.note_parked_progress(work, n);
                self.learn(&cases, &answer.value);
                // TestRail answers in request order.
                self.remember(cases.iter().copied().zip(answer.value.iter().map(|r| r.id)));
                self.acknowledge(&cases, progress)
            }
            Err(e) if e.is_ambiguous() => {
                self.ambiguous.fetch_add(1, Ordering::Relaxed);
                let after = e.ambiguous_after().unwrap_or_default();
                let timed_out = e.timed_out();
                if timed_out {
                    self.model.lock().expect("model lock").timed_out(n, after);
                    // A server that ran out of time is not helped by parallel writes, and one
                    // write at a time keeps lost writes easy to tell apart.
                    self.concurrency.store(1, Ordering::Relaxed);
                }
                tracing::warn!(
                    results = n,
                    after_ms = after.as_millis() as u64,
                    gateway_status = e.gateway_status(),
                    timed_out = e.timed_out(),
                    "a write's answer was lost; it is not re-sent until a read shows it did not land"
                );
                let mut w = work.lock().expect("work lock");
                if w.parked.is_empty() {
                    w.posted_since_park = 0;
                }
                w.parked.push(Parked {
                    indices: batch.indices,
                    sent: batch.results,
                    sent_at,
                    created_after,
                    after,
                    timed_out,
                });
                Ok(())
            }
            Err(e) if cases_not_in_run(&e) => {
                // TestRail validates a batch whole: nothing of it was applied.
                self.rejected
                    .lock()
                    .expect("rejected lock")
                    .extend(batch.results);
                Ok(())
            }
            Err(e) if e.status() == Some(413) => self.too_large(batch, work, e),
            Err(e) => Err(SyncError::api(
                format!("posting {n} results to run R{}", self.run_id),
                e,
            )),
        }
    }

    /// 413: nothing was applied. Smaller writes from now on; a single result that is still
    /// too large gets its comment cut (saying so in the comment) rather than stop the sync.
    fn too_large(&self, batch: Batch, work: &Mutex<Work>, e: ApiError) -> Result<(), SyncError> {
        self.model
            .lock()
            .expect("model lock")
            .too_large(batch.bytes);
        let mut w = work.lock().expect("work lock");
        if let [only] = batch.indices[..] {
            let comment_chars = batch.results[0]
                .comment
                .as_deref()
                .map_or(0, |c| c.chars().count());
            let cut_to = w.cuts.get(&only).map_or(comment_chars, |c| *c) / 2;
            if cut_to < MIN_CUT_COMMENT {
                return Err(SyncError::api(
                    format!(
                        "posting the result of case C{} to run R{}: it is larger than the server \
                         accepts even with its comment cut to {} characters (large custom \
                         result fields?)",
                        batch.results[0].case_id.unwrap_or_default(),
                        self.run_id,
                        comment_chars.min(MIN_CUT_COMMENT * 2),
                    ),
                    e,
                ));
            }
            if !w.cuts.contains_key(&only) {
                self.comments_cut.fetch_add(1, Ordering::Relaxed);
            }
            w.cuts.insert(only, cut_to);
        }
        for i in batch.indices.into_iter().rev() {
            w.queue.push_front(i);
        }
        Ok(())
    }

    /// Waits until no lost write can still commit, reads what this sync's user created since
    /// the oldest was sent, and re-queues what did not land.
    ///
    /// A write that ran out of time (504, our timeout) was still running on the server, so it
    /// is expected to land; while it is not found it is looked for again, each look three times
    /// as far from its sending as the last, and it is only sent again once the server's speed
    /// is known (a write answered, or a lost one found) and says it would have committed by
    /// then. With no such evidence it is never re-sent: past [`SETTLE_CAP`] the sync stops
    /// and the journal lets a rerun finish. Other lost writes (a 5xx, a dropped connection)
    /// are read once after their horizon.
    async fn resolve_parked(
        &self,
        work: &Mutex<Work>,
        progress: &dyn Progress,
    ) -> Result<(), SyncError> {
        let parked = std::mem::take(&mut work.lock().expect("work lock").parked);
        let oldest = parked
            .iter()
            .map(|p| p.sent_at)
            .min()
            .unwrap_or_else(Instant::now);
        let cap = oldest + SETTLE_CAP;
        let created_after = parked.iter().map(|p| p.created_after).min().flatten();
        let mut look = self.settled_at(&parked);
        tracing::info!(
            writes = parked.len(),
            wait_ms = look.saturating_duration_since(Instant::now()).as_millis() as u64,
            "waiting until lost writes can no longer commit, then reading what landed"
        );
        let verdicts = loop {
            tokio::time::sleep_until(look.min(cap)).await;
            let verdicts = self.read_and_attribute(&parked, created_after).await?;
            let now = Instant::now();
            self.learn_from_late_commits(&parked, &verdicts, now);
            let waiting: Vec<&Parked> = parked
                .iter()
                .zip(&verdicts)
                .filter(|(p, v)| p.timed_out && **v == Verdict::Absent)
                .map(|(p, _)| p)
                .collect();
            if waiting.is_empty() {
                break verdicts;
            }
            let (knows_speed, settled) = {
                let m = self.model.lock().expect("model lock");
                let settled = waiting
                    .iter()
                    .map(|p| p.sent_at + m.settle_horizon(p.sent.len(), p.after))
                    .max()
                    .unwrap_or(now);
                (m.knows_speed(), settled)
            };
            if knows_speed && now >= settled {
                break verdicts;
            }
            if now >= cap {
                return Err(self.still_committing(waiting[0].sent.len()));
            }
            look = settled.max(oldest + (now - oldest) * 3);
            tracing::info!(
                writes = waiting.len(),
                wait_ms = look.saturating_duration_since(now).as_millis() as u64,
                "lost writes that ran out of time are not there yet; looking again later"
            );
        };
        let mut requeue = Vec::new();
        for (lost, verdict) in parked.into_iter().zip(verdicts) {
            let landed = match verdict {
                Verdict::Landed(landed) => landed,
                // Attributed by test ID by now, so Unclear cannot remain: nothing found.
                Verdict::Absent | Verdict::Unclear => BTreeMap::new(),
            };
            self.take_landed(&landed, progress)?;
            requeue.extend(
                lost.indices
                    .iter()
                    .zip(&lost.sent)
                    .filter(|(_, r)| r.case_id.is_some_and(|c| !landed.contains_key(&c)))
                    .map(|(i, _)| *i),
            );
        }
        let mut w = work.lock().expect("work lock");
        for i in requeue.into_iter().rev() {
            w.queue.push_front(i);
        }
        w.posted_since_park = 0;
        Ok(())
    }

    /// A lost write found committed only now took up to `now - sent_at`: the server is that
    /// slow, which sizes the next writes and the horizon of the others.
    fn learn_from_late_commits(&self, parked: &[Parked], verdicts: &[Verdict], now: Instant) {
        let mut m = self.model.lock().expect("model lock");
        for (p, v) in parked.iter().zip(verdicts) {
            if p.timed_out && matches!(v, Verdict::Landed(_)) {
                m.committed_late(p.sent.len(), now - p.sent_at);
            }
        }
    }

    /// One filtered read, attributed; the run's tests are read too when content cannot tell.
    async fn read_and_attribute(
        &self,
        parked: &[Parked],
        created_after: Option<i64>,
    ) -> Result<Vec<Verdict>, SyncError> {
        let found = self.results_since(created_after).await?;
        let verdicts = self.attribute(parked, &found);
        if !verdicts.contains(&Verdict::Unclear) {
            return Ok(verdicts);
        }
        self.read_run_tests().await?;
        Ok(self.attribute(parked, &found))
    }

    fn attribute(&self, parked: &[Parked], found: &[TestResult]) -> Vec<Verdict> {
        let known = self.known.lock().expect("known lock");
        let unknown: Vec<TestResult> = found
            .iter()
            .filter(|r| !known.result_ids.contains(&r.id))
            .cloned()
            .collect();
        let lost: Vec<&[NewResult]> = parked.iter().map(|p| p.sent.as_slice()).collect();
        landing::attribute(&lost, &unknown, &known.tests)
    }

    fn take_landed(
        &self,
        landed: &BTreeMap<Id, (Id, Id)>,
        progress: &dyn Progress,
    ) -> Result<(), SyncError> {
        if landed.is_empty() {
            return Ok(());
        }
        {
            let mut known = self.known.lock().expect("known lock");
            for (case, (result, test)) in landed {
                known.tests.insert(*case, *test);
                known.result_ids.insert(*result);
            }
        }
        self.remember(landed.iter().map(|(c, (r, _))| (*c, *r)));
        let cases: Vec<Id> = landed.keys().copied().collect();
        self.acknowledge(&cases, progress)
    }

    /// What this sync's user created in the run since `created_after` (server time): the
    /// lost writes and the few around them, however large the run.
    async fn results_since(
        &self,
        created_after: Option<i64>,
    ) -> Result<Vec<TestResult>, SyncError> {
        let user = self.known.lock().expect("known lock").user;
        let found = self
            .client
            .get_results_for_run_since(self.run_id, created_after, user)
            .await
            .map_err(|e| {
                SyncError::api("checking which results landed (get_results_for_run)", e)
            })?;
        self.resolving_reads
            .fetch_add(pages(found.len()), Ordering::Relaxed);
        Ok(found)
    }

    /// The run's tests, read when lost writes look alike or another writer shares our user.
    /// Read as one snapshot: other jobs may be changing the run, and a test skipped by a read
    /// under which it moved would make a landed result look lost, and re-sending it would
    /// post it twice.
    async fn read_run_tests(&self) -> Result<(), SyncError> {
        let tests = self
            .client
            .get_tests_snapshot(self.run_id)
            .await
            .map_err(|e| SyncError::api("reading the run's tests (get_tests)", e))?;
        self.resolving_reads
            .fetch_add(pages(tests.len()), Ordering::Relaxed);
        self.learn_tests(tests.into_iter().map(|t| (t.case_id, t.id)));
        Ok(())
    }

    /// When every lost write's settle horizon has passed, as the model sees it now.
    fn settled_at(&self, parked: &[Parked]) -> Instant {
        let m = self.model.lock().expect("model lock");
        parked
            .iter()
            .map(|p| p.sent_at + m.settle_horizon(p.sent.len(), p.after))
            .max()
            .unwrap_or_else(Instant::now)
    }

    /// A write that ran out of time has not shown up within [`SETTLE_CAP`] and nothing this
    /// sync saw says the server would have committed it by now: stop rather than risk a
    /// duplicate (exit 4; the journal lets a rerun check again and post only the rest).
    fn still_committing(&self, n: usize) -> SyncError {
        SyncError::GaveUp {
            what: format!(
                "a write of {n} results to run R{} ran out of time and has not shown up in the \
                 run within {} s; the server may still commit it, so it was not sent again \
                 (that could post every result twice). Check the run in TestRail, then rerun \
                 the same command: with the journal (the default) it checks what landed and \
                 posts only the rest; a smaller --batch-size keeps writes short",
                self.run_id,
                SETTLE_CAP.as_secs()
            ),
            source: ApiError::Timeout {
                endpoint: format!("add_results_for_cases/{}", self.run_id),
                after: SETTLE_CAP,
            },
        }
    }

    fn note_parked_progress(&self, work: &Mutex<Work>, n: usize) {
        let mut w = work.lock().expect("work lock");
        if !w.parked.is_empty() {
            w.posted_since_park += n;
        }
    }

    /// Our user and the tests of the cases just acknowledged.
    fn learn(&self, cases: &[Id], created: &[TestResult]) {
        let mut known = self.known.lock().expect("known lock");
        if let Some(first) = created.first() {
            known.user.get_or_insert(first.created_by);
        }
        for (case, result) in cases.iter().zip(created) {
            known.tests.insert(*case, result.test_id);
            known.result_ids.insert(result.id);
        }
    }

    fn server_now(&self) -> Option<i64> {
        server_now(self.client)
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
        let read = if self.watermark == UNREAD_WATERMARK {
            // No watermark was read: ours are the results created since this sync started.
            let user = self.known.lock().expect("known lock").user;
            self.client
                .get_results_for_run_since(self.run_id, self.since, user)
                .await
        } else {
            self.client.get_results_for_run(self.run_id).await
        };
        let results: Vec<TestResult> = read.map_err(|e| {
            SyncError::api("checking which results landed (get_results_for_run)", e)
        })?;
        let newer: Vec<&TestResult> = results
            .iter()
            .filter(|r| self.watermark == UNREAD_WATERMARK || r.id > self.watermark)
            .collect();
        let mut tests = self.tests.lock().await;
        if newer.iter().any(|r| !tests.contains_key(&r.test_id)) {
            // A snapshot, for the reason given at `read_run_tests`.
            let all = self
                .client
                .get_tests_snapshot(self.run_id)
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

/// The result to send for `results[i]`: as planned, or with its comment cut after the server
/// refused it alone as too large (the comment says so).
fn body_of(results: &[NewResult], cuts: &HashMap<usize, usize>, i: usize) -> NewResult {
    let mut body = results[i].clone();
    if let (Some(max_chars), Some(comment)) = (cuts.get(&i), body.comment.as_deref()) {
        body.comment = Some(cut_comment(comment, *max_chars));
    }
    body
}

fn cut_comment(comment: &str, max_chars: usize) -> String {
    format!(
        "[comment cut to {max_chars} characters by testrail-sync: the server refused the full \
         result as too large (413)]\n{}",
        crate::text::trim_middle(comment, max_chars)
    )
}

/// The server's clock now, in UNIX seconds, once a `Date` header showed it.
fn server_now(client: &Client) -> Option<i64> {
    let offset = client.server_clock_offset_secs()?;
    let local = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?
        .as_secs();
    Some(i64::try_from(local).ok()? + offset)
}

/// Requests a paginated list of `items` took.
fn pages(items: usize) -> u64 {
    (items / PAGE + 1) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cut_comment_says_so_and_keeps_both_ends() {
        let comment = format!("HEAD{}TAIL", "x".repeat(10_000));
        let cut = cut_comment(&comment, 1000);
        assert!(cut.starts_with("[comment cut to 1000 characters"), "{cut}");
        assert!(cut.contains("413"));
        assert!(cut.contains("HEAD") && cut.ends_with("TAIL"));
        assert!(cut.chars().count() < 1200);
        let results = vec![NewResult {
            case_id: Some(7),
            comment: Some(comment.clone()),
            ..Default::default()
        }];
        assert_eq!(body_of(&results, &HashMap::new(), 0), results[0]);
        let cuts: HashMap<usize, usize> = [(0, 1000)].into();
        assert_eq!(body_of(&results, &cuts, 0).comment, Some(cut));
    }

    #[test]
    fn pages_count_a_partial_last_page() {
        assert_eq!(pages(0), 1);
        assert_eq!(pages(249), 1);
        assert_eq!(pages(250), 2);
        assert_eq!(pages(501), 3);
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
