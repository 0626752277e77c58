//! Login lockout, as real TestRail servers do it: after a number of failed logins in a row the
//! account is locked for a while, and every request for it — even with the right key — gets
//! 401 `The maximum number of failed login attempts has been reached. Please try again in 10
//! minutes.` (seen verbatim from a live server, testrail-observed 2.2).
//!
//! The threshold real servers use is an administrator's setting; its default was not found in
//! public (UNVERIFIED), so the emulator documents its own: [`DEFAULT_LOCKOUT_AFTER`] failures,
//! locked for [`LOCK_FOR`] (the 10 minutes of the message). `0` turns the lockout off (load
//! tests that send many bad logins on purpose). Only known accounts are counted, so a flood of
//! made-up emails cannot grow the table; a successful login clears the account's count.

use std::collections::HashMap;
use std::time::{Duration, Instant};

/// The text of the 401 a locked account gets (verbatim, testrail-observed 2.2).
pub const LOCKED: &str =
    "The maximum number of failed login attempts has been reached. Please try again in 10 minutes.";

/// Failed logins in a row after which an account is locked (the emulator's documented default).
pub const DEFAULT_LOCKOUT_AFTER: u32 = 10;

/// How long a locked account stays locked (the "10 minutes" of [`LOCKED`]).
pub const LOCK_FOR: Duration = Duration::from_secs(600);

#[derive(Debug, Default, Clone, Copy)]
struct Account {
    failures: u32,
    locked_until: Option<Instant>,
}

/// Failed-login counts per account (email, lowercased).
#[derive(Debug)]
pub struct Lockout {
    after: u32,
    lock_for: Duration,
    accounts: HashMap<String, Account>,
}

impl Lockout {
    /// Locks an account after `after` failures in a row (0 = never) for `lock_for`.
    pub fn new(after: u32, lock_for: Duration) -> Self {
        Lockout {
            after,
            lock_for,
            accounts: HashMap::new(),
        }
    }

    /// Whether the account is locked now (an expired lock is lifted and the count restarts).
    pub fn is_locked(&mut self, email: &str, now: Instant) -> bool {
        let key = email.to_ascii_lowercase();
        let Some(account) = self.accounts.get_mut(&key) else {
            return false;
        };
        match account.locked_until {
            Some(until) if now < until => true,
            Some(_) => {
                self.accounts.remove(&key);
                false
            }
            None => false,
        }
    }

    /// Counts a failed login of a known account; the `after`-th in a row locks it.
    pub fn failed(&mut self, email: &str, now: Instant) {
        if self.after == 0 {
            return;
        }
        let account = self.accounts.entry(email.to_ascii_lowercase()).or_default();
        account.failures += 1;
        if account.failures >= self.after {
            account.locked_until = Some(now + self.lock_for);
        }
    }

    /// A successful login clears the account's count.
    pub fn succeeded(&mut self, email: &str) {
        self.accounts.remove(&email.to_ascii_lowercase());
    }

    /// Forgets every count and lock (`/_emulator/reset`).
    pub fn clear(&mut self) {
        self.accounts.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locks_after_the_threshold_and_unlocks_after_the_time() {
        let t0 = Instant::now();
        let mut l = Lockout::new(3, Duration::from_secs(10));
        for _ in 0..2 {
            l.failed("A@x.test", t0);
        }
        assert!(!l.is_locked("a@x.test", t0));
        l.failed("a@x.test", t0);
        assert!(l.is_locked("a@X.test", t0));
        assert!(l.is_locked("a@x.test", t0 + Duration::from_secs(9)));
        assert!(!l.is_locked("a@x.test", t0 + Duration::from_secs(11)));
        // The count restarted with the lift.
        l.failed("a@x.test", t0 + Duration::from_secs(11));
        assert!(!l.is_locked("a@x.test", t0 + Duration::from_secs(11)));
    }

    #[test]
    fn success_clears_and_zero_never_locks() {
        let t0 = Instant::now();
        let mut l = Lockout::new(2, LOCK_FOR);
        l.failed("a@x.test", t0);
        l.succeeded("a@x.test");
        l.failed("a@x.test", t0);
        assert!(!l.is_locked("a@x.test", t0));
        let mut off = Lockout::new(0, LOCK_FOR);
        for _ in 0..1000 {
            off.failed("a@x.test", t0);
        }
        assert!(!off.is_locked("a@x.test", t0));
    }
}
