//! Client-side pacing so 429s are the exception: one shared schedule for every request of a
//! `Client` and its clones.
//!
//! TestRail Cloud (and the emulator) count requests in a sliding 60 s window per user, so the
//! pacer keeps the same kind of count: the start instants of the last N requests. A request
//! may start at once while the last window holds fewer than N starts, else when the start N
//! places back leaves the window (60 s plus a 1 % + 200 ms margin). No window ever holds more than N,
//! yet a sync of a dozen calls is never slowed down — strict spacing (a bucket of one) cost a
//! 200-test sync a second for no benefit.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

#[derive(Debug)]
pub(crate) struct Pacer {
    /// `None`: no client-side limit (self-hosted servers); 429 pauses still apply.
    limit: Option<Limit>,
    state: Mutex<Schedule>,
}

#[derive(Debug, Clone, Copy)]
struct Limit {
    requests: usize,
    window: Duration,
}

#[derive(Debug)]
struct Schedule {
    /// Start instants of the latest requests (at most `requests` of them), in order.
    starts: VecDeque<Instant>,
    /// A 429 told everyone to wait until then.
    paused_until: Instant,
}

impl Pacer {
    /// At most `per_window` requests in any `window` (TestRail: per minute); `None` or
    /// `Some(0)` turns pacing off.
    pub(crate) fn new(per_window: Option<u32>, window: Duration) -> Self {
        Pacer {
            limit: per_window.filter(|n| *n > 0).map(|n| Limit {
                requests: n as usize,
                window: with_margin(window),
            }),
            state: Mutex::new(Schedule {
                starts: VecDeque::new(),
                paused_until: Instant::now(),
            }),
        }
    }

    /// Waits for this request's turn. Requests queue in call order.
    pub(crate) async fn acquire(&self) {
        loop {
            let slot = self.reserve();
            tokio::time::sleep_until(slot).await;
            // A 429 that arrived while we slept pauses us too: give the slot back (it was not
            // used) and take a new one after the pause.
            if !self.is_paused() {
                return;
            }
            self.release(slot);
        }
    }

    fn release(&self, slot: Instant) {
        let mut s = self.lock();
        if let Some(i) = s.starts.iter().rposition(|t| *t == slot) {
            s.starts.remove(i);
        }
    }

    /// Every request (this client and its clones) waits at least until `now + wait`.
    pub(crate) fn pause_for(&self, wait: Duration) {
        let until = Instant::now() + wait;
        let mut s = self.lock();
        s.paused_until = s.paused_until.max(until);
    }

    fn reserve(&self) -> Instant {
        let now = Instant::now();
        let mut s = self.lock();
        let mut slot = now.max(s.paused_until);
        let Some(limit) = self.limit else {
            return slot;
        };
        if let Some(last) = s.starts.back() {
            slot = slot.max(*last);
        }
        if s.starts.len() >= limit.requests {
            let nth_back = s.starts[s.starts.len() - limit.requests];
            slot = slot.max(nth_back + limit.window);
        }
        s.starts.push_back(slot);
        while s.starts.len() > limit.requests {
            s.starts.pop_front();
        }
        slot
    }

    fn is_paused(&self) -> bool {
        Instant::now() < self.lock().paused_until
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Schedule> {
        // A panic elsewhere cannot leave a list of instants inconsistent.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The counting window with a margin for clock, network and scheduling jitter: 1 % plus 200 ms.
/// The server counts a request when it arrives, we when we send it; a request delayed on its way
/// (a busy runner, a slow hop) lands later than we counted, so the server's window can see one
/// request more than ours. That delay does not shrink with the window, hence the fixed part.
fn with_margin(window: Duration) -> Duration {
    window.mul_f64(1.01) + Duration::from_millis(200)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    const MINUTE: Duration = Duration::from_secs(60);

    fn window() -> Duration {
        with_margin(MINUTE)
    }

    async fn start_times(pacer: Arc<Pacer>, n: usize) -> Vec<Duration> {
        let start = Instant::now();
        let tasks: Vec<_> = (0..n)
            .map(|_| {
                let p = pacer.clone();
                tokio::spawn(async move {
                    p.acquire().await;
                    Instant::now() - start
                })
            })
            .collect();
        let mut starts = Vec::new();
        for t in tasks {
            starts.push(t.await.unwrap());
        }
        starts.sort();
        starts
    }

    #[test]
    fn zero_or_none_turns_pacing_off() {
        assert!(Pacer::new(Some(0), MINUTE).limit.is_none());
        assert!(Pacer::new(None, MINUTE).limit.is_none());
        assert!(window() > Duration::from_secs(60));
    }

    #[tokio::test(start_paused = true)]
    async fn a_small_sync_is_not_slowed_down() {
        let starts = start_times(Arc::new(Pacer::new(Some(180), MINUTE)), 13).await;
        assert!(starts.iter().all(|s| *s == Duration::ZERO), "{starts:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn no_window_ever_holds_more_than_the_limit() {
        let starts = start_times(Arc::new(Pacer::new(Some(5), MINUTE)), 17).await;
        assert_eq!(starts[4], Duration::ZERO, "the first five go at once");
        assert!(
            starts[5] >= window(),
            "the sixth waits for the window: {starts:?}"
        );
        for pair in starts.windows(6) {
            assert!(
                pair[5] - pair[0] >= window(),
                "six starts inside one window: {starts:?}"
            );
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_pause_holds_back_every_request() {
        let pacer = Pacer::new(None, MINUTE);
        let start = Instant::now();
        pacer.acquire().await;
        assert_eq!(Instant::now(), start, "no pacing when off");
        pacer.pause_for(Duration::from_secs(5));
        pacer.acquire().await;
        assert!(Instant::now() - start >= Duration::from_secs(5));
    }

    #[tokio::test(start_paused = true)]
    async fn a_pause_during_a_wait_moves_the_slot() {
        let pacer = Arc::new(Pacer::new(Some(1), MINUTE));
        pacer.acquire().await; // takes the only slot of this window
        let start = Instant::now();
        let waiter = {
            let p = pacer.clone();
            tokio::spawn(async move {
                p.acquire().await;
                Instant::now() - start
            })
        };
        tokio::time::sleep(Duration::from_millis(100)).await;
        pacer.pause_for(Duration::from_secs(70));
        let waited = waiter.await.unwrap();
        assert!(waited >= Duration::from_millis(70_100), "{waited:?}");
    }
}
