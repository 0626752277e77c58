//! Folding rerun attempts that a JUnit report writes as separate `<testcase>` elements
//! (gotestsum `--rerun-fails`, pytest-rerunfailures with xunit1) into one execution: the last
//! attempt's verdict wins, and a pass after a failure is [`Outcome::Flaky`].
//!
//! Same-named test cases are not always attempts: TestNG data-provider rows, jest's two
//! records of one suite error (`<error>` then `<failure>`) and pytest's xunit2 rerun pairs look
//! exactly alike. So records are folded only where the writer is known to mean attempts. In
//! the same `<testsuite>`, with equal classname, name, file and line:
//! - neighbours are folded when the report gives a source `line` (pytest xunit1);
//! - distant ones are folded only in gotestsum reports (suite property `go.version`), whose
//!   `--rerun-fails` writes every rerun after the whole first pass.
//!
//! Streaming is kept: passing executions flow out at once; only from a failed execution on
//! (which a later rerun could change) are executions held, in order, until the suite ends or
//! [`MAX_HELD`] are waiting or they hold [`MAX_HELD_BYTES`] of text.

use std::collections::hash_map::DefaultHasher;
use std::collections::{HashMap, VecDeque};
use std::hash::{Hash, Hasher};

use crate::execution::{Outcome, Sink, TestExecution};

/// Executions held back at most, waiting for a rerun to fold into them.
pub(crate) const MAX_HELD: usize = 1024;

/// Text held back at most, in bytes (see [`weight`]): [`MAX_HELD`] executions with traces and
/// output near the reader's 64 KiB limit per field would otherwise hold ~200 MiB.
pub(crate) const MAX_HELD_BYTES: usize = 16 * 1024 * 1024;

#[derive(Default)]
pub(crate) struct RerunFolder {
    /// In report order; the sequence numbers of `held[i]` is `front_seq() + i` (no tuple:
    /// an execution is large, and every move of it costs).
    held: VecDeque<TestExecution>,
    /// Sum of [`weight`] over `held` (kept in distant mode only).
    held_bytes: usize,
    next_seq: u64,
    /// Test key hash → sequence number of its latest held execution (distant mode only).
    index: HashMap<u64, u64>,
    /// Whether the last execution pushed is still the back of `held`.
    last_is_back: bool,
    /// Fold reruns that are not neighbours (gotestsum).
    distant: bool,
}

impl RerunFolder {
    pub(crate) fn push(&mut self, exec: TestExecution, sink: &mut impl Sink) {
        if !self.distant && exec.line.is_none() {
            // Nothing can fold into it or into what is held (keys differ in `line`): the
            // common case goes straight through.
            self.flush_held(sink);
            sink.execution(exec);
            return;
        }
        // Hashing is only needed to find distant attempts (gotestsum suites).
        let key = if self.distant { key_hash(&exec) } else { 0 };
        match self.find_attempt(&exec, key) {
            Some(i) if self.distant => {
                let first = &mut self.held[i];
                self.held_bytes -= weight(first);
                fold(first, exec);
                self.held_bytes += weight(first);
            }
            Some(i) => fold(&mut self.held[i], exec),
            None => {
                let seq = self.next_seq;
                self.next_seq += 1;
                if self.distant {
                    self.index.insert(key, seq);
                    self.held_bytes += weight(&exec);
                }
                self.held.push_back(exec);
            }
        }
        self.last_is_back = true;
        self.release(sink);
    }

    /// Index in `held` of an earlier attempt of the same test, if `exec` is a rerun of it.
    fn find_attempt(&self, exec: &TestExecution, key: u64) -> Option<usize> {
        let last = self.held.len().checked_sub(1)?;
        if self.last_is_back && same_test(&self.held[last], exec) {
            return exec.line.is_some().then_some(last);
        }
        if !self.distant {
            return None;
        }
        let i = usize::try_from(self.index.get(&key)?.checked_sub(self.front_seq())?).ok()?;
        let held = self.held.get(i)?;
        same_test(held, exec).then_some(i)
    }

    /// Sequence number of the execution at the front of `held`.
    fn front_seq(&self) -> u64 {
        self.next_seq - self.held.len() as u64
    }

    /// The current suite comes from a writer that puts reruns far from the first attempt.
    pub(crate) fn fold_distant_reruns(&mut self) {
        if !self.distant {
            // Bytes are only counted while the window can grow.
            self.held_bytes = self.held.iter().map(weight).sum();
        }
        self.distant = true;
    }

    /// Sends what can no longer change. Without distant folding only the last execution is
    /// kept (its rerun may be the very next element); with it, everything from the first
    /// failure on (up to [`MAX_HELD`]).
    fn release(&mut self, sink: &mut impl Sink) {
        while self.held.len() > 1 {
            let front = &self.held[0];
            let may_rerun = matches!(front.outcome, Outcome::Failed | Outcome::Error);
            let within_budget = self.held.len() <= MAX_HELD && self.held_bytes <= MAX_HELD_BYTES;
            if self.distant && may_rerun && within_budget {
                break;
            }
            self.pop_front(sink);
        }
    }

    fn pop_front(&mut self, sink: &mut impl Sink) {
        let seq = self.front_seq();
        if let Some(exec) = self.held.pop_front() {
            if self.distant {
                self.held_bytes -= weight(&exec);
                let key = key_hash(&exec);
                if self.index.get(&key) == Some(&seq) {
                    self.index.remove(&key);
                }
            }
            sink.execution(exec);
        }
    }

    /// Suite boundary: attempts never span suites.
    pub(crate) fn flush(&mut self, sink: &mut impl Sink) {
        self.flush_held(sink);
        self.index.clear();
        self.held_bytes = 0;
        self.distant = false;
    }

    fn flush_held(&mut self, sink: &mut impl Sink) {
        while !self.held.is_empty() {
            self.pop_front(sink);
        }
        self.last_is_back = false;
    }
}

/// The bytes of text an execution holds, for [`MAX_HELD_BYTES`].
fn weight(e: &TestExecution) -> usize {
    let opt = |s: &Option<String>| s.as_ref().map_or(0, String::len);
    e.name.len()
        + e.classname.len()
        + opt(&e.file)
        + opt(&e.message)
        + opt(&e.details)
        + opt(&e.stdout)
        + opt(&e.stderr)
        + e.properties
            .iter()
            .map(|(k, v)| k.len() + v.len())
            .sum::<usize>()
        + e.attachments.iter().map(String::len).sum::<usize>()
        + e.tags.iter().map(String::len).sum::<usize>()
}

fn key_hash(e: &TestExecution) -> u64 {
    let mut h = DefaultHasher::new();
    (&e.name, &e.classname, &e.file, e.line).hash(&mut h);
    h.finish()
}

fn same_test(a: &TestExecution, b: &TestExecution) -> bool {
    a.name == b.name && a.classname == b.classname && a.file == b.file && a.line == b.line
}

/// Folds attempt `next` into `first` (which keeps its place and location).
fn fold(first: &mut TestExecution, next: TestExecution) {
    let failed_before = matches!(
        first.outcome,
        Outcome::Failed | Outcome::Error | Outcome::Flaky
    );
    first.attempts += next.attempts;
    first.duration = match (first.duration, next.duration) {
        (Some(a), Some(b)) => Some(a + b),
        (a, b) => a.or(b),
    };
    for p in next.properties {
        if !first.properties.contains(&p) {
            first.properties.push(p);
        }
    }
    for a in next.attachments {
        if !first.attachments.contains(&a) {
            first.attachments.push(a);
        }
    }
    let passed_now = matches!(next.outcome, Outcome::Passed | Outcome::Flaky);
    if passed_now && failed_before {
        // Keep the failure text: it says why the test is flaky.
        first.outcome = Outcome::Flaky;
        return;
    }
    first.outcome = next.outcome;
    first.message = next.message;
    first.details = next.details;
    first.stdout = next.stdout;
    first.stderr = next.stderr;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(items: Vec<TestExecution>) -> Vec<(String, Outcome, u32)> {
        let mut out = Vec::new();
        let mut sink = |e: TestExecution| out.push((e.name, e.outcome, e.attempts));
        let mut folder = RerunFolder::default();
        folder.fold_distant_reruns();
        for e in items {
            folder.push(e, &mut sink);
        }
        folder.flush(&mut sink);
        out
    }

    fn exec(name: &str, outcome: Outcome, line: Option<u64>) -> TestExecution {
        let mut e = TestExecution::new(name, outcome);
        e.line = line;
        e
    }

    #[test]
    fn held_text_stays_within_the_byte_budget() {
        let mut released = 0usize;
        let mut folder = RerunFolder::default();
        folder.fold_distant_reruns();
        let mut sink = |_: TestExecution| released += 1;
        for i in 0..40 {
            let mut e = exec(&format!("t{i}"), Outcome::Failed, None);
            e.details = Some("x".repeat(1 << 20));
            folder.push(e, &mut sink);
            assert!(folder.held_bytes <= MAX_HELD_BYTES + (1 << 20) + 16);
        }
        // A failure is held for its rerun only while the budget allows.
        assert!(folder.held.len() < 20, "{}", folder.held.len());
        folder.flush(&mut sink);
        assert_eq!(folder.held_bytes, 0);
        drop(folder);
        assert_eq!(released, 40);
    }

    #[test]
    fn later_rerun_folds_into_first_place() {
        let got = run(vec![
            exec("a", Outcome::Failed, None),
            exec("b", Outcome::Failed, None),
            exec("a", Outcome::Failed, None),
            exec("c", Outcome::Passed, None),
            exec("b", Outcome::Passed, None),
        ]);
        assert_eq!(
            got,
            [
                ("a".into(), Outcome::Failed, 2),
                ("b".into(), Outcome::Flaky, 2),
                ("c".into(), Outcome::Passed, 1)
            ]
        );
    }

    #[test]
    fn distant_look_alikes_stay_apart_unless_asked() {
        let mut out = Vec::new();
        let mut sink = |e: TestExecution| out.push((e.name, e.outcome));
        let mut folder = RerunFolder::default();
        for e in [
            exec("a", Outcome::Failed, None),
            exec("b", Outcome::Passed, None),
            exec("a", Outcome::Passed, None),
        ] {
            folder.push(e, &mut sink);
        }
        folder.flush(&mut sink);
        assert_eq!(out.len(), 3);
    }

    #[test]
    fn adjacent_look_alikes_fold_only_with_a_line() {
        let got = run(vec![
            exec("a", Outcome::Error, None),
            exec("a", Outcome::Failed, None),
            exec("b", Outcome::Passed, Some(3)),
            exec("b", Outcome::Failed, Some(3)),
        ]);
        assert_eq!(
            got,
            [
                ("a".into(), Outcome::Error, 1),
                ("a".into(), Outcome::Failed, 1),
                ("b".into(), Outcome::Failed, 2)
            ]
        );
    }
}
