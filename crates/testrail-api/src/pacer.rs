//! Client-side pacing so 429s are the exception: one shared schedule for every request of a
//! `Client` and its clones.
//!
//! A token bucket of capacity 1 is strict spacing: request k may start no earlier than
//! `interval` after request k-1. TestRail Cloud (and the emulator) count requests in a sliding
//! 60 s window per user; spacing `60 s / N × 1.01` keeps every window under N even when some
//! requests arrive a little early or late. A bigger bucket would allow a burst of N followed by
//! steady traffic, which trips a sliding window.

use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

#[derive(Debug)]
pub(crate) struct Pacer {
    /// `None`: no client-side limit (self-hosted servers); 429 pauses still apply.
    interval: Option<Duration>,
    state: Mutex<Schedule>,
}

#[derive(Debug)]
struct Schedule {
    /// The earliest start of the next request.
    next_slot: Instant,
    /// A 429 told everyone to wait until then.
    paused_until: Instant,
}

impl Pacer {
    /// `per_minute`: `None` or `Some(0)` turns pacing off.
    pub(crate) fn new(per_minute: Option<u32>) -> Self {
        let now = Instant::now();
        Pacer {
            interval: per_minute.filter(|n| *n > 0).map(spacing),
            state: Mutex::new(Schedule {
                next_slot: now,
                paused_until: now,
            }),
        }
    }

    /// Waits for this request's turn. Requests queue in call order.
    pub(crate) async fn acquire(&self) {
        loop {
            let slot = self.reserve();
            tokio::time::sleep_until(slot).await;
            // A 429 that arrived while we slept pauses us too: take a new slot after the pause.
            if !self.is_paused() {
                return;
            }
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
        let slot = now.max(s.next_slot).max(s.paused_until);
        if let Some(interval) = self.interval {
            s.next_slot = slot + interval;
        }
        slot
    }

    fn is_paused(&self) -> bool {
        Instant::now() < self.lock().paused_until
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Schedule> {
        // The schedule is two instants; a panic elsewhere cannot leave it inconsistent.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// 60 s / N with a 1 % margin.
pub(crate) fn spacing(per_minute: u32) -> Duration {
    Duration::from_secs_f64(60.0 / f64::from(per_minute) * 1.01)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    #[test]
    fn spacing_has_a_margin() {
        assert_eq!(spacing(180), Duration::from_secs_f64(60.0 / 180.0 * 1.01));
        assert!(spacing(60) > Duration::from_secs(1));
        assert!(Pacer::new(Some(0)).interval.is_none());
        assert!(Pacer::new(None).interval.is_none());
    }

    #[tokio::test(start_paused = true)]
    async fn concurrent_requests_are_strictly_spaced() {
        let pacer = Arc::new(Pacer::new(Some(60)));
        let start = Instant::now();
        let tasks: Vec<_> = (0..5)
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
        assert_eq!(
            starts[0],
            Duration::ZERO,
            "an idle pacer lets the first one go at once"
        );
        for pair in starts.windows(2) {
            assert!(pair[1] - pair[0] >= spacing(60), "{starts:?}");
        }
        // No window of 60 s holds more than 60 starts: 5 starts span at least 4 intervals.
        assert!(starts[4] >= spacing(60) * 4);
    }

    #[tokio::test(start_paused = true)]
    async fn a_pause_holds_back_every_request() {
        let pacer = Pacer::new(None);
        let start = Instant::now();
        pacer.acquire().await;
        assert_eq!(Instant::now(), start, "no pacing when off");
        pacer.pause_for(Duration::from_secs(5));
        pacer.acquire().await;
        assert!(Instant::now() - start >= Duration::from_secs(5));
    }

    #[tokio::test(start_paused = true)]
    async fn a_pause_during_a_wait_moves_the_slot() {
        let pacer = Arc::new(Pacer::new(Some(60)));
        pacer.acquire().await; // takes slot 0; the next one is ~1 s later
        let start = Instant::now();
        let waiter = {
            let p = pacer.clone();
            tokio::spawn(async move {
                p.acquire().await;
                Instant::now() - start
            })
        };
        tokio::time::sleep(Duration::from_millis(100)).await;
        pacer.pause_for(Duration::from_secs(10));
        let waited = waiter.await.unwrap();
        assert!(waited >= Duration::from_millis(10_100), "{waited:?}");
    }
}
