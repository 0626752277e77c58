//! Fault injection, the per-user sliding-window rate limiter and request statistics. These sit
//! around the store (separate small mutex) so a slow or failing request never holds the store.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

/// Faults to inject; `0` turns each one off.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Faults {
    /// Added to every API request before it is handled.
    pub latency_ms: u64,
    /// Share (0..1) of API requests answered 500/502/503 before anything is applied.
    pub fail_rate: f64,
    /// Share (0..1) of successful writes whose connection is dropped after the write was applied.
    pub drop_after_commit_rate: f64,
    /// Requests per user per rate window (60 s by default); over it: 429 + `Retry-After`.
    pub rate_limit: u32,
    /// RNG seed for the random faults; 0 picks a random seed.
    pub seed: u64,
}

/// Request counters, as served by `GET /_emulator/stats`.
///
/// `requests` and `endpoints` count every API request that reached routing (`/index.php?/api/v2/…`),
/// including ones then refused (401, 404, 429) or faulted (5xx, dropped). `writes` counts writes
/// that were applied (also those whose connection was then dropped). `status_codes` counts the
/// status of every API answer ("dropped" for connections cut after the write);
/// `endpoint_status_codes` splits those by endpoint, so a test can prove which call a fault hit.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Stats {
    pub requests: u64,
    pub endpoints: BTreeMap<String, u64>,
    pub writes: u64,
    pub status_codes: BTreeMap<String, u64>,
    pub endpoint_status_codes: BTreeMap<String, BTreeMap<String, u64>>,
}

impl Stats {
    /// How many answers of `endpoint` had `status` ("429", "503", "dropped", …).
    pub fn answered(&self, endpoint: &str, status: &str) -> u64 {
        self.endpoint_status_codes
            .get(endpoint)
            .and_then(|by_status| by_status.get(status))
            .copied()
            .unwrap_or(0)
    }

    /// How many answers had `status`, over every endpoint.
    pub fn status(&self, status: &str) -> u64 {
        self.status_codes.get(status).copied().unwrap_or(0)
    }
}

/// Mutable bookkeeping: faults + RNG, rate windows and stats.
pub struct Guard {
    faults: Faults,
    rng: fastrand::Rng,
    window: Duration,
    admitted: HashMap<String, VecDeque<Instant>>,
    pub stats: Stats,
}

/// Jitter allowance of the rate window (see [`Guard::admit`]).
fn rate_grace(window: Duration) -> Duration {
    (window / 100)
        .max(Duration::from_millis(25))
        .min(window / 10)
}

fn rng_for(seed: u64) -> fastrand::Rng {
    if seed == 0 {
        fastrand::Rng::new()
    } else {
        fastrand::Rng::with_seed(seed)
    }
}

impl Guard {
    pub fn new(faults: Faults, window: Duration) -> Self {
        Guard {
            faults,
            rng: rng_for(faults.seed),
            window,
            admitted: HashMap::new(),
            stats: Stats::default(),
        }
    }

    pub fn faults(&self) -> Faults {
        self.faults
    }

    /// Replaces the faults; a new seed restarts the random sequence, a new limit the windows.
    pub fn set_faults(&mut self, f: Faults) {
        if f.seed != self.faults.seed {
            self.rng = rng_for(f.seed);
        }
        if f.rate_limit != self.faults.rate_limit {
            self.admitted.clear();
        }
        self.faults = f;
    }

    pub fn count_request(&mut self, endpoint: &str) {
        self.stats.requests += 1;
        *self.stats.endpoints.entry(endpoint.to_owned()).or_default() += 1;
    }

    pub fn count_status(&mut self, status: &str) {
        *self
            .stats
            .status_codes
            .entry(status.to_owned())
            .or_default() += 1;
    }

    pub fn count_endpoint_status(&mut self, endpoint: &str, status: &str) {
        *self
            .stats
            .endpoint_status_codes
            .entry(endpoint.to_owned())
            .or_default()
            .entry(status.to_owned())
            .or_default() += 1;
    }

    /// Sliding window: admits a request when fewer than `rate_limit` requests of this user were
    /// admitted within the window. Refused requests do not count. Err = Retry-After seconds.
    ///
    /// The window is shortened by a small grace (1% of it, at least 25 ms, at most 10%) so a
    /// client that spaces its requests exactly `window / N` apart is never refused because of a
    /// few milliseconds of scheduling jitter between its clock and ours.
    pub fn admit(&mut self, user: &str, now: Instant) -> Result<(), u64> {
        let limit = self.faults.rate_limit as usize;
        if limit == 0 {
            return Ok(());
        }
        let span = self.window - rate_grace(self.window);
        let q = self.admitted.entry(user.to_owned()).or_default();
        while q.front().is_some_and(|t| now.duration_since(*t) >= span) {
            q.pop_front();
        }
        if q.len() < limit {
            q.push_back(now);
            return Ok(());
        }
        let free_at = q[q.len() - limit] + span;
        let wait = free_at.saturating_duration_since(now);
        Err((wait.as_secs_f64().ceil() as u64).max(1))
    }

    /// `Some(status)` when this request should fail with a 5xx before being handled.
    pub fn roll_failure(&mut self) -> Option<u16> {
        let rate = self.faults.fail_rate;
        (rate > 0.0 && self.rng.f64() < rate).then(|| [500, 502, 503][self.rng.usize(..3)])
    }

    /// Whether to cut the connection after this (applied) write.
    pub fn roll_drop(&mut self) -> bool {
        let rate = self.faults.drop_after_commit_rate;
        rate > 0.0 && self.rng.f64() < rate
    }

    pub fn latency(&self) -> Duration {
        Duration::from_millis(self.faults.latency_ms)
    }

    /// Forgets counters and rate windows (`POST /_emulator/reset`).
    pub fn reset(&mut self) {
        self.stats = Stats::default();
        self.admitted.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn guard(limit: u32) -> Guard {
        Guard::new(
            Faults {
                rate_limit: limit,
                ..Default::default()
            },
            Duration::from_secs(60),
        )
    }

    #[test]
    fn sliding_window_admits_n_per_window() {
        let mut g = guard(3);
        let t0 = Instant::now();
        for i in 0..3 {
            assert!(g.admit("a", t0 + Duration::from_secs(i)).is_ok());
        }
        let retry = g.admit("a", t0 + Duration::from_secs(3)).unwrap_err();
        assert!((56..=57).contains(&retry), "retry {retry}");
        assert!(g.admit("b", t0).is_ok(), "per user");
        assert!(g.admit("a", t0 + Duration::from_secs(60)).is_ok());
    }

    #[test]
    fn evenly_spaced_client_is_never_refused() {
        let mut g = guard(180);
        let t0 = Instant::now();
        let step = Duration::from_secs(60) / 180;
        for i in 0..1000u32 {
            // Up to 50 ms of jitter either way.
            let jitter = Duration::from_millis(u64::from(i * 37 % 50));
            let at = t0 + step * i + Duration::from_millis(50) - jitter;
            assert!(g.admit("a", at).is_ok(), "request {i} refused");
        }
    }

    #[test]
    fn failure_rolls_follow_the_seed() {
        let f = Faults {
            fail_rate: 0.5,
            seed: 7,
            ..Default::default()
        };
        let mut a = Guard::new(f, Duration::from_secs(60));
        let mut b = Guard::new(f, Duration::from_secs(60));
        let ra: Vec<_> = (0..20).map(|_| a.roll_failure()).collect();
        let rb: Vec<_> = (0..20).map(|_| b.roll_failure()).collect();
        assert_eq!(ra, rb);
        assert!(ra.iter().any(Option::is_some) && ra.iter().any(Option::is_none));
    }
}
