//! When to try again and how long to wait: pure functions, so the schedule is unit-tested
//! without a server or a clock.

use std::time::Duration;

/// How hard one API call tries before giving up. Applies per call (a paginated list retries
/// each page on its own).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in total, the first one included (1 = never retry).
    pub max_attempts: u32,
    /// The smallest wait between attempts, and the scale of the backoff.
    pub base_delay: Duration,
    /// No computed wait is longer than this (a server's `Retry-After` may be).
    pub max_delay: Duration,
    /// Total time budget for one call, waits included; no retry starts after it.
    pub deadline: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 6,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
            deadline: Duration::from_secs(600),
        }
    }
}

impl RetryPolicy {
    /// One attempt only: every failure is returned as it happened.
    pub fn no_retries() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        }
    }

    /// Decorrelated jitter (AWS Architecture Blog, "Exponential Backoff And Jitter"): each wait is
    /// uniform in `[base, 3 × previous wait]`, capped at `max_delay`. It grows about
    /// exponentially, yet concurrent callers never wake in lockstep.
    pub fn next_backoff(&self, previous: Option<Duration>, rng: &mut fastrand::Rng) -> Duration {
        let base = millis(self.base_delay);
        let cap = millis(self.max_delay);
        let previous = previous.map_or(base, millis);
        let high = previous.saturating_mul(3).max(base);
        let pick = if high > base {
            rng.u64(base..=high)
        } else {
            base
        };
        Duration::from_millis(pick.min(cap))
    }

    /// The wait before the next attempt. A server's `Retry-After` wins (never wait less than it
    /// asks); a little jitter on top keeps concurrent callers from returning all at once.
    pub fn delay_before_retry(
        &self,
        previous_backoff: Option<Duration>,
        retry_after: Option<Duration>,
        rng: &mut fastrand::Rng,
    ) -> Duration {
        match retry_after {
            Some(wait) => wait + Duration::from_millis(rng.u64(0..=millis(self.base_delay) / 4)),
            None => self.next_backoff(previous_backoff, rng),
        }
    }

    /// [`RetryPolicy::delay_before_retry`] for a call the server already refused `refusals`
    /// times (429 rate limit, 409 maintenance). Jobs sharing one instance-wide limit are all
    /// told about the same `Retry-After`; waking them together makes them collide again, so
    /// the jitter on top grows with each refusal: up to an eighth of `Retry-After`, then a
    /// quarter, three eighths, a half (never less than a quarter of the base delay).
    pub fn delay_before_retry_in_a_row(
        &self,
        previous_backoff: Option<Duration>,
        retry_after: Option<Duration>,
        refusals: u32,
        rng: &mut fastrand::Rng,
    ) -> Duration {
        match retry_after {
            Some(wait) => {
                let floor = millis(self.base_delay) / 4;
                let share = millis(wait).saturating_mul(u64::from(refusals.clamp(1, 4))) / 8;
                wait + Duration::from_millis(rng.u64(0..=floor.max(share)))
            }
            None => self.next_backoff(previous_backoff, rng),
        }
    }

    /// Whether another attempt may start: attempts left and the wait ends within the deadline.
    pub fn allows_another(&self, attempts_made: u32, elapsed: Duration, wait: Duration) -> bool {
        attempts_made < self.max_attempts && elapsed + wait <= self.deadline
    }
}

/// `Retry-After` as TestRail sends it: seconds, possibly fractional (`"2"`, `"0.5"`). Anything
/// else (absent, negative, an HTTP date, garbage) is `None` and the caller falls back to backoff.
/// Absurd values are clamped to an hour so a broken header cannot stall a run for days.
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    let seconds: f64 = value.trim().parse().ok()?;
    if !seconds.is_finite() || seconds < 0.0 {
        return None;
    }
    Some(Duration::from_secs_f64(seconds.min(3600.0)))
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> RetryPolicy {
        RetryPolicy::default()
    }

    #[test]
    fn backoff_stays_between_base_and_cap_and_grows() {
        let p = policy();
        let mut rng = fastrand::Rng::with_seed(7);
        let mut previous = None;
        let mut schedule = Vec::new();
        for _ in 0..40 {
            let d = p.next_backoff(previous, &mut rng);
            assert!(d >= p.base_delay && d <= p.max_delay, "{d:?}");
            assert!(d <= previous.unwrap_or(p.base_delay) * 3);
            schedule.push(d);
            previous = Some(d);
        }
        // Over 40 draws the cap is reached: growth is exponential on average.
        assert!(schedule.iter().any(|d| *d >= Duration::from_secs(10)));
    }

    #[test]
    fn backoff_is_jittered() {
        let p = policy();
        let mut rng = fastrand::Rng::with_seed(1);
        let draws: std::collections::BTreeSet<_> = (0..20)
            .map(|_| p.next_backoff(Some(Duration::from_secs(2)), &mut rng))
            .collect();
        assert!(draws.len() > 10, "waits should differ: {draws:?}");
    }

    #[test]
    fn cap_below_base_is_respected() {
        let p = RetryPolicy {
            base_delay: Duration::from_secs(5),
            max_delay: Duration::from_secs(1),
            ..policy()
        };
        let mut rng = fastrand::Rng::with_seed(3);
        assert_eq!(p.next_backoff(None, &mut rng), Duration::from_secs(1));
    }

    #[test]
    fn jobs_refused_again_and_again_spread_out_further() {
        let p = policy();
        let mut rng = fastrand::Rng::with_seed(11);
        let retry_after = Some(Duration::from_secs(4));
        let spread = |refusals, rng: &mut fastrand::Rng| {
            let waits: Vec<Duration> = (0..200)
                .map(|_| p.delay_before_retry_in_a_row(None, retry_after, refusals, rng))
                .collect();
            assert!(
                waits.iter().all(|w| *w >= Duration::from_secs(4)),
                "{waits:?}"
            );
            *waits.iter().max().unwrap() - *waits.iter().min().unwrap()
        };
        let first = spread(1, &mut rng);
        let fourth = spread(4, &mut rng);
        assert!(first <= Duration::from_millis(500), "{first:?}");
        assert!(fourth > Duration::from_millis(1500), "{fourth:?}");
    }

    #[test]
    fn retry_after_wins_over_backoff() {
        let p = policy();
        let mut rng = fastrand::Rng::with_seed(9);
        for _ in 0..20 {
            let d = p.delay_before_retry(None, Some(Duration::from_secs(7)), &mut rng);
            assert!(
                d >= Duration::from_secs(7) && d <= Duration::from_millis(7125),
                "{d:?}"
            );
        }
    }

    #[test]
    fn attempts_and_deadline_bound_retries() {
        let p = policy();
        let s = Duration::from_secs;
        assert!(p.allows_another(1, s(0), s(1)));
        assert!(!p.allows_another(6, s(0), s(1)), "6 attempts is the cap");
        assert!(
            !p.allows_another(2, s(595), s(10)),
            "would end past the deadline"
        );
        assert!(!RetryPolicy::no_retries().allows_another(1, s(0), s(0)));
    }

    #[test]
    fn retry_after_parsing_tolerates_what_servers_send() {
        assert_eq!(parse_retry_after("2"), Some(Duration::from_secs(2)));
        assert_eq!(parse_retry_after(" 0.5 "), Some(Duration::from_millis(500)));
        assert_eq!(parse_retry_after("0"), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("1e9"), Some(Duration::from_secs(3600)));
        assert_eq!(parse_retry_after("-1"), None);
        assert_eq!(parse_retry_after("NaN"), None);
        assert_eq!(parse_retry_after("inf"), None);
        assert_eq!(parse_retry_after(""), None);
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), None);
    }
}
