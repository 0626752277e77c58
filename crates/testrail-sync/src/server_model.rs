//! What this sync has learned about the server's speed and limits, from its own writes: how
//! many results to put in the next write, how large its body may be, and how long a write
//! whose answer was lost could still take to commit (the settle horizon).
//!
//! Pure bookkeeping, no clock or I/O: the poster feeds it each write's size and time and asks
//! it questions. Why: a gateway (nginx, Cloud's proxies) gives up after its own timeout while
//! TestRail goes on and commits the write; a write kept well under that timeout never becomes
//! ambiguous, and one that did is only re-sent once it cannot commit any more.

use std::time::Duration;

/// Results in the first write to a server we know nothing about: small enough to answer
/// quickly on a slow instance, large enough that a fast one needs few doublings.
pub(crate) const START_RESULTS: usize = 100;
/// The gateway timeout assumed until one is observed: nginx's `proxy_read_timeout` default
/// and trcli's request timeout.
const ASSUMED_GATEWAY: Duration = Duration::from_secs(60);
/// A write aims at this share of the gateway's (or our own) timeout: "well under", so a
/// server slower than it was a moment ago still answers in time.
const BUDGET_DIVISOR: u32 = 4;
/// A lost write is assumed able to commit until this many times what the model predicts for
/// it (and the time it was seen running).
const HORIZON_FACTOR: u32 = 3;
/// The shortest settle horizon: a 5xx after commit needs the write's own time, no more.
const MIN_HORIZON: Duration = Duration::from_secs(1);
/// How much larger the next write may be than one that answered well within the budget.
const GROWTH: usize = 4;
/// The smallest request body the byte cap shrinks to after 413s.
const MIN_BYTE_CAP: usize = 1024;

#[derive(Debug, Clone)]
pub(crate) struct ServerModel {
    /// The configured ceiling (`batch_size`).
    max_results: usize,
    /// Results in the next write.
    size: usize,
    /// Server time per result, as the slowest recent writes showed it (rises at once, falls
    /// slowly). `None` until a write was timed.
    per_result: Option<Duration>,
    /// The shortest wait after which a write came back timed out: the gateway's timeout (or
    /// our own, whichever is shorter).
    gateway: Option<Duration>,
    client_timeout: Duration,
    /// Request bodies stay below this many bytes (halved on each 413).
    byte_cap: usize,
    /// `per_result` was measured (a write answered, a lost one found committed), not only
    /// bounded from below by a timeout.
    measured: bool,
}

impl ServerModel {
    /// `chosen`: the user set `max_results` (start there); else start at [`START_RESULTS`].
    pub(crate) fn new(
        max_results: usize,
        chosen: bool,
        max_bytes: usize,
        client_timeout: Duration,
    ) -> Self {
        let max_results = max_results.max(1);
        ServerModel {
            max_results,
            size: if chosen {
                max_results
            } else {
                START_RESULTS.min(max_results)
            },
            per_result: None,
            gateway: None,
            client_timeout,
            byte_cap: max_bytes,
            measured: false,
        }
    }

    /// Results to put in the next write.
    pub(crate) fn next_size(&self) -> usize {
        self.size
    }

    /// Whether the server's speed was measured, not only bounded by a timeout: only then does
    /// a settle horizon say when a write that ran out of time can no longer commit.
    pub(crate) fn knows_speed(&self) -> bool {
        self.measured
    }

    /// The largest request body to build.
    pub(crate) fn byte_cap(&self) -> usize {
        self.byte_cap
    }

    /// The time one write may take: a quarter of the gateway's timeout (or our own).
    pub(crate) fn budget(&self) -> Duration {
        let limit = self
            .gateway
            .unwrap_or(ASSUMED_GATEWAY)
            .min(self.client_timeout);
        limit / BUDGET_DIVISOR
    }

    /// The gateway timeout observed, if a write ran into one.
    #[cfg(test)]
    pub(crate) fn gateway(&self) -> Option<Duration> {
        self.gateway
    }

    /// A write of `n` results answered after `elapsed`: learn the speed; grow (at most ×4 per
    /// answer) while writes stay fast, shrink when one came close to the budget.
    pub(crate) fn answered(&mut self, n: usize, elapsed: Duration) {
        let n = n.max(1);
        self.measured = true;
        let observed = elapsed / n as u32;
        self.per_result = Some(match self.per_result {
            Some(known) if observed < known => (known + observed) / 2,
            _ => observed,
        });
        let fits = self.fitting_budget();
        self.size = if n >= self.size {
            fits.min(n.saturating_mul(GROWTH))
        } else {
            fits.min(self.size)
        }
        .clamp(1, self.max_results);
    }

    /// A write of `n` results came back timed out (our timeout, a gateway's 504) after
    /// `after`: the server needs at least that long for it, and the gateway gives up then.
    pub(crate) fn timed_out(&mut self, n: usize, after: Duration) {
        let n = n.max(1);
        if !after.is_zero() {
            self.gateway = Some(self.gateway.map_or(after, |g| g.min(after)));
            let at_least = after / n as u32;
            self.per_result = Some(self.per_result.map_or(at_least, |p| p.max(at_least)));
        }
        self.size = self.fitting_budget().min(n / 2).max(1);
    }

    /// A lost write of `n` results was found committed only after `took`: the server is
    /// at least that slow.
    pub(crate) fn committed_late(&mut self, n: usize, took: Duration) {
        let at_least = took / n.max(1) as u32;
        self.measured = true;
        self.per_result = Some(self.per_result.map_or(at_least, |p| p.max(at_least)));
        self.size = self.size.min(self.fitting_budget()).max(1);
    }

    /// A body of `bytes` was refused as too large (413).
    pub(crate) fn too_large(&mut self, bytes: usize) {
        self.byte_cap = self.byte_cap.min(bytes / 2).max(MIN_BYTE_CAP);
    }

    /// How long after it was sent a write of `n` results, seen running for `after` before its
    /// answer was lost, could still commit: a multiple of what the model predicts for it, and
    /// of the time it was seen running. Learned from this sync's writes, so writes posted
    /// after the lost one (smaller, answered) sharpen it.
    pub(crate) fn settle_horizon(&self, n: usize, after: Duration) -> Duration {
        let predicted = self.per_result.unwrap_or_default() * n.max(1) as u32;
        (predicted.max(after) * HORIZON_FACTOR).max(MIN_HORIZON)
    }

    fn fitting_budget(&self) -> usize {
        match self.per_result {
            Some(p) if !p.is_zero() => {
                usize::try_from(self.budget().as_nanos() / p.as_nanos()).unwrap_or(usize::MAX)
            }
            _ => self.max_results,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn an_unknown_server_starts_small_and_grows_while_fast() {
        let mut m = ServerModel::new(2000, false, 1 << 21, Duration::from_secs(60));
        assert_eq!(m.next_size(), START_RESULTS);
        // 2 ms per result against a 15 s budget: only the growth factor limits growth.
        let mut sizes = Vec::new();
        for _ in 0..4 {
            let n = m.next_size();
            m.answered(n, ms(2) * n as u32);
            sizes.push(m.next_size());
        }
        assert_eq!(sizes, vec![400, 1600, 2000, 2000]);
        // A size the user chose is where writes start.
        assert_eq!(
            ServerModel::new(500, true, 1 << 21, Duration::from_secs(60)).next_size(),
            500
        );
    }

    #[test]
    fn a_slow_server_keeps_writes_within_a_quarter_of_the_gateway() {
        let mut m = ServerModel::new(2000, false, 1 << 21, Duration::from_secs(60));
        // A 2 s gateway gave up on 100 results: at least 20 ms each.
        m.timed_out(100, Duration::from_secs(2));
        assert_eq!(m.gateway(), Some(Duration::from_secs(2)));
        assert_eq!(m.budget(), ms(500));
        assert_eq!(m.next_size(), 25);
        // Answered: 25 results in 750 ms (30 ms each): shrink to fit 500 ms.
        m.answered(25, ms(750));
        assert_eq!(m.next_size(), 16);
        // Never more than the budget allows, however fast the next write.
        m.answered(16, ms(160));
        assert!(m.next_size() <= 25, "{}", m.next_size());
    }

    #[test]
    fn a_timeout_at_least_halves_the_next_write() {
        let mut m = ServerModel::new(2000, false, 1 << 21, Duration::from_secs(30));
        m.timed_out(100, Duration::ZERO);
        assert_eq!(m.next_size(), 50);
        m.timed_out(1, Duration::from_secs(30));
        assert_eq!(m.next_size(), 1);
    }

    #[test]
    fn the_settle_horizon_follows_what_later_writes_taught() {
        let mut m = ServerModel::new(2000, false, 1 << 21, Duration::from_secs(60));
        m.timed_out(100, Duration::from_secs(2));
        // Only "at least 2 s" is known: three times that.
        assert_eq!(
            m.settle_horizon(100, Duration::from_secs(2)),
            Duration::from_secs(6)
        );
        // Smaller writes then showed 50 ms per result: 100 results take 5 s, so the lost
        // write could commit until 15 s after it was sent.
        m.answered(10, ms(500));
        assert_eq!(
            m.settle_horizon(100, Duration::from_secs(2)),
            Duration::from_secs(15)
        );
        // A 5xx after commit on a fast server: a second.
        let fast = ServerModel::new(2000, false, 1 << 21, Duration::from_secs(60));
        assert_eq!(fast.settle_horizon(10, ms(5)), MIN_HORIZON);
    }

    #[test]
    fn each_413_halves_the_body_cap() {
        let mut m = ServerModel::new(2000, false, 2 << 20, Duration::from_secs(60));
        m.too_large(1_500_000);
        assert_eq!(m.byte_cap(), 750_000);
        m.too_large(4_000_000);
        assert_eq!(
            m.byte_cap(),
            750_000,
            "a larger refusal teaches nothing new"
        );
        m.too_large(10);
        assert_eq!(m.byte_cap(), MIN_BYTE_CAP);
    }
}
