//! Fault injection, the server-time model, the sliding-window rate limiter (per user or per
//! instance) and request statistics. These sit around the store (separate small mutex) so a slow
//! or failing request never holds the store.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

/// Who shares one rate-limit budget. TestRail Cloud documents its limit per instance (180/min
/// Professional, 300 Enterprise); some installations are seen limiting per user.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RateScope {
    /// Each user has its own budget (the default).
    #[default]
    User,
    /// All users share one budget.
    Instance,
}

/// Faults and the server model; `0` turns each one off.
///
/// A request costs `latency_ms + server_ms + server_ms_per_result × n` of server work (`n` =
/// results the request writes). The work runs in its own task: a gateway timeout or a client
/// that hangs up never cancels it, so a write can commit after its client was told it failed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Faults {
    /// Added to every API request before it is handled (part of the server work).
    pub latency_ms: u64,
    /// Share (0..1) of API requests answered 500/502/503 before anything is applied.
    pub fail_rate: f64,
    /// Share (0..1) of successful writes whose connection is dropped after the write was applied.
    pub drop_after_commit_rate: f64,
    /// Share (0..1) of successful writes answered 500/502/503 after the write was applied.
    pub fail_after_commit_rate: f64,
    /// Requests per rate window (60 s by default); over it: 429 + `Retry-After`.
    pub rate_limit: u32,
    /// Whether `rate_limit` is per user (default) or shared by the whole instance.
    pub rate_limit_scope: RateScope,
    /// Server work of every API request, in ms, before its write commits.
    pub server_ms: u64,
    /// Extra server work per result written (add_result* and add_results*), in ms.
    pub server_ms_per_result: u64,
    /// A gateway in front answers 504 (HTML) when the work takes longer; the work still commits.
    pub gateway_timeout_ms: u64,
    /// What the gateway answers on timeout: 504 (nginx's HTML page, the default when 0), 500
    /// (TestRail Cloud's JSON `Request timed out`), 502 or 503 (HTML pages).
    pub gateway_timeout_status: u16,
    /// The gateway answers 413 (HTML) to request bodies larger than this.
    pub body_limit_bytes: u64,
    /// Every API request is answered 409 (maintenance) for this long after the faults are set.
    pub maintenance_secs: f64,
    /// RNG seed for the random faults; 0 picks a random seed.
    pub seed: u64,
}

/// Request counters, as served by `GET /_emulator/stats`.
///
/// `requests` and `endpoints` count every API request that reached routing
/// (`/index.php?/api/v2/…`),
/// including ones then refused (401, 404, 413, 429) or faulted (5xx, dropped). `writes` counts
/// writes that were applied (also those whose connection was then dropped, or answered 5xx or 504
/// afterwards). `status_codes` counts the status of every API answer ("dropped" for connections
/// cut after the write, "499" for clients that hung up before their answer);
/// `endpoint_status_codes`
/// splits it per endpoint.
///
/// Connections: `connections_opened` counts accepted TCP connections; `connections_used` those
/// that carried an API request; `requests_per_connection` maps "k requests" to how many
/// connections carried k API requests (so far; a live connection moves up as it is reused).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Stats {
    /// API requests that reached routing.
    pub requests: u64,
    /// Those requests per endpoint name (`add_results_for_cases`, …).
    pub endpoints: BTreeMap<String, u64>,
    /// Writes applied to the store.
    pub writes: u64,
    /// API answers per status (`"200"`, `"429"`, `"dropped"`, `"499"`, …).
    pub status_codes: BTreeMap<String, u64>,
    /// The same per endpoint: endpoint → status → count (see [`Stats::answered`]).
    pub endpoint_status_codes: BTreeMap<String, BTreeMap<String, u64>>,
    /// 504s the gateway answered while the work went on.
    pub gateway_timeouts: u64,
    /// Writes that committed after the gateway had answered 504.
    pub late_commits: u64,
    /// Writes applied and then answered with an injected 5xx.
    pub failed_after_commit: u64,
    /// Sum of the modelled server work (ms) of all requests.
    pub server_ms_total: u64,
    /// API requests being handled right now, and the most at once (concurrency seen).
    pub in_flight: u64,
    /// The most API requests handled at once so far.
    pub max_in_flight: u64,
    /// TCP connections accepted.
    pub connections_opened: u64,
    /// Connections that carried at least one API request.
    pub connections_used: u64,
    /// The most API requests one connection carried (keep-alive reuse).
    pub max_requests_per_connection: u64,
    /// k → number of connections that carried k API requests.
    pub requests_per_connection: BTreeMap<u64, u64>,
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

/// Mutable bookkeeping: faults + RNG, rate windows, maintenance window, connections and stats.
pub struct Guard {
    faults: Faults,
    rng: fastrand::Rng,
    window: Duration,
    admitted: HashMap<String, VecDeque<Instant>>,
    maintenance_until: Option<Instant>,
    /// API requests so far per live connection (keyed by the peer address).
    per_connection: HashMap<SocketAddr, u64>,
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

/// The end of a maintenance window of `secs` starting now (`None` when off or invalid).
fn maintenance_end(secs: f64) -> Option<Instant> {
    (secs.is_finite() && secs > 0.0)
        .then(|| Instant::now() + Duration::from_secs_f64(secs.min(86_400.0)))
}

/// Rolls `rate`; on a hit, one of the 5xx a gateway or server gives.
fn roll_5xx(rng: &mut fastrand::Rng, rate: f64) -> Option<u16> {
    (rate > 0.0 && rng.f64() < rate).then(|| [500, 502, 503][rng.usize(..3)])
}

impl Guard {
    pub fn new(faults: Faults, window: Duration) -> Self {
        Guard {
            faults,
            rng: rng_for(faults.seed),
            window,
            admitted: HashMap::new(),
            maintenance_until: maintenance_end(faults.maintenance_secs),
            per_connection: HashMap::new(),
            stats: Stats::default(),
        }
    }

    pub fn faults(&self) -> Faults {
        self.faults
    }

    /// Replaces the faults; a new seed restarts the random sequence, a new limit or scope the
    /// windows, and a `maintenance_secs` starts a maintenance window now.
    pub fn set_faults(&mut self, f: Faults) {
        if f.seed != self.faults.seed {
            self.rng = rng_for(f.seed);
        }
        if f.rate_limit != self.faults.rate_limit
            || f.rate_limit_scope != self.faults.rate_limit_scope
        {
            self.admitted.clear();
        }
        self.maintenance_until = maintenance_end(f.maintenance_secs);
        self.faults = f;
    }

    /// An API request entered the gateway (see [`Guard::leave`]).
    pub fn enter(&mut self) {
        self.stats.in_flight += 1;
        self.stats.max_in_flight = self.stats.max_in_flight.max(self.stats.in_flight);
    }

    /// An API request was answered, or its client hung up.
    pub fn leave(&mut self) {
        self.stats.in_flight = self.stats.in_flight.saturating_sub(1);
    }

    /// A TCP connection was accepted from `peer`; a reused peer address is a new connection.
    pub fn count_connection(&mut self, peer: SocketAddr) {
        self.stats.connections_opened += 1;
        self.per_connection.remove(&peer);
    }

    pub fn count_request(&mut self, endpoint: &str, peer: Option<SocketAddr>) {
        self.stats.requests += 1;
        *self.stats.endpoints.entry(endpoint.to_owned()).or_default() += 1;
        if let Some(peer) = peer {
            self.count_on_connection(peer);
        }
    }

    fn count_on_connection(&mut self, peer: SocketAddr) {
        let count = self.per_connection.entry(peer).or_default();
        let before = *count;
        *count += 1;
        let after = *count;
        let histogram = &mut self.stats.requests_per_connection;
        if before == 0 {
            self.stats.connections_used += 1;
        } else if let Some(n) = histogram.get_mut(&before) {
            *n -= 1;
            if *n == 0 {
                histogram.remove(&before);
            }
        }
        *histogram.entry(after).or_default() += 1;
        self.stats.max_requests_per_connection = self.stats.max_requests_per_connection.max(after);
    }

    pub fn count_status(&mut self, endpoint: &str, status: &str) {
        *self
            .stats
            .status_codes
            .entry(status.to_owned())
            .or_default() += 1;
        *self
            .stats
            .endpoint_status_codes
            .entry(endpoint.to_owned())
            .or_default()
            .entry(status.to_owned())
            .or_default() += 1;
    }

    /// Sliding window: admits a request when fewer than `rate_limit` requests of this user (or of
    /// anyone, with the instance scope) were admitted within the window. Refused requests do not
    /// count. Err = Retry-After seconds.
    ///
    /// The window is shortened by a small grace (1% of it, at least 25 ms, at most 10%) so a
    /// client that spaces its requests exactly `window / N` apart is never refused because of a
    /// few milliseconds of scheduling jitter between its clock and ours. `now` is when the request
    /// arrived, not when its task got to run.
    pub fn admit(&mut self, user: &str, now: Instant) -> Result<(), u64> {
        let limit = self.faults.rate_limit as usize;
        if limit == 0 {
            return Ok(());
        }
        let key = match self.faults.rate_limit_scope {
            RateScope::User => user,
            RateScope::Instance => "",
        };
        let span = self.window - rate_grace(self.window);
        let q = self.admitted.entry(key.to_owned()).or_default();
        while q.front().is_some_and(|t| now.duration_since(*t) >= span) {
            q.pop_front();
        }
        if q.len() < limit {
            // Arrival times reach us slightly out of order (concurrent tasks); keep them sorted.
            let at = q.iter().rposition(|t| *t <= now).map_or(0, |i| i + 1);
            q.insert(at, now);
            return Ok(());
        }
        let free_at = q[q.len() - limit] + span;
        let wait = free_at.saturating_duration_since(now);
        Err((wait.as_secs_f64().ceil() as u64).max(1))
    }

    /// `Some(retry_after_secs)` while the maintenance window is open.
    pub fn maintenance(&self, now: Instant) -> Option<u64> {
        let left = self.maintenance_until?.checked_duration_since(now)?;
        (!left.is_zero()).then(|| (left.as_secs_f64().ceil() as u64).max(1))
    }

    /// `Some(status)` when this request should fail with a 5xx before being handled.
    pub fn roll_failure(&mut self) -> Option<u16> {
        roll_5xx(&mut self.rng, self.faults.fail_rate)
    }

    /// `Some(status)` when this applied write should be answered with a 5xx anyway.
    pub fn roll_failure_after_commit(&mut self) -> Option<u16> {
        roll_5xx(&mut self.rng, self.faults.fail_after_commit_rate)
    }

    /// Whether to cut the connection after this (applied) write.
    pub fn roll_drop(&mut self) -> bool {
        let rate = self.faults.drop_after_commit_rate;
        rate > 0.0 && self.rng.f64() < rate
    }

    pub fn latency(&self) -> Duration {
        Duration::from_millis(self.faults.latency_ms)
    }

    /// The modelled server work of a request writing `results` results (`latency_ms` aside).
    pub fn server_time(&self, results: u64) -> Duration {
        let f = &self.faults;
        let ms = f
            .server_ms
            .saturating_add(f.server_ms_per_result.saturating_mul(results));
        Duration::from_millis(ms)
    }

    /// The gateway's patience; `None` = it waits for the server however long it takes.
    pub fn gateway_timeout(&self) -> Option<Duration> {
        let ms = self.faults.gateway_timeout_ms;
        (ms > 0).then(|| Duration::from_millis(ms))
    }

    /// The gateway's request body limit; `None` = only the server's own [`crate::MAX_BODY`].
    pub fn body_limit(&self) -> Option<usize> {
        let bytes = self.faults.body_limit_bytes;
        (bytes > 0).then(|| usize::try_from(bytes).unwrap_or(usize::MAX))
    }

    /// Forgets counters, rate windows and connections (`POST /_emulator/reset`); requests still
    /// in flight stay counted so the gauge does not go negative.
    pub fn reset(&mut self) {
        let in_flight = self.stats.in_flight;
        self.stats = Stats {
            in_flight,
            max_in_flight: in_flight,
            ..Stats::default()
        };
        self.admitted.clear();
        self.per_connection.clear();
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
    fn instance_scope_shares_one_budget_between_users() {
        let mut g = guard(2);
        g.set_faults(Faults {
            rate_limit: 2,
            rate_limit_scope: RateScope::Instance,
            ..Default::default()
        });
        let t0 = Instant::now();
        assert!(g.admit("a", t0).is_ok() && g.admit("b", t0).is_ok());
        assert!(g.admit("c", t0).is_err(), "a third user waits too");
    }

    #[test]
    fn maintenance_window_opens_when_set_and_closes() {
        let mut g = guard(0);
        let now = Instant::now();
        assert_eq!(g.maintenance(now), None);
        g.set_faults(Faults {
            maintenance_secs: 1.5,
            ..Default::default()
        });
        assert_eq!(
            g.maintenance(Instant::now()),
            Some(2),
            "Retry-After rounds up"
        );
        assert_eq!(g.maintenance(now + Duration::from_secs(2)), None);
    }

    #[test]
    fn connection_reuse_histogram_moves_with_each_request() {
        let mut g = guard(0);
        let (a, b) = (
            SocketAddr::from(([127, 0, 0, 1], 4000)),
            SocketAddr::from(([127, 0, 0, 1], 4001)),
        );
        g.count_connection(a);
        g.count_connection(b);
        for _ in 0..3 {
            g.count_request("get_tests", Some(a));
        }
        g.count_request("get_tests", Some(b));
        // The peer address comes back on a new connection: counted afresh.
        g.count_connection(a);
        g.count_request("get_tests", Some(a));
        let s = &g.stats;
        assert_eq!((s.connections_opened, s.connections_used), (3, 3));
        assert_eq!(s.max_requests_per_connection, 3);
        assert_eq!(
            s.requests_per_connection
                .clone()
                .into_iter()
                .collect::<Vec<_>>(),
            vec![(1, 2), (3, 1)]
        );
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
