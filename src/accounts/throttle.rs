//! Growing delays after failed logins. The counters live in the database so
//! that they hold across restarts and across servers; this module only
//! decides what a count means.

/// Failures in a row that cost nothing, for typos.
pub const FREE_FAILURES: u32 = 5;
/// Failures in a row after which an account needs the emailed unlock link.
pub const LOCK_AFTER: u32 = 100;
/// Maximum wait between two attempts, in seconds.
pub const MAX_DELAY_SECONDS: i64 = 15 * 60;
/// A client network's count starts over after this long without a failure,
/// so that typos of many users behind one address do not add up for ever.
/// Account counts do not decay: they end with a login, an unlock or a reset,
/// or are deleted after `security_log_retention_days` without a failure
/// unless they locked the account.
pub const NETWORK_MEMORY_SECONDS: i64 = 60 * 60;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Allowed,
    /// Try again after this many seconds.
    Wait(i64),
}

/// The wait after `failures` failures in a row: none for the first few, then
/// doubling from one second up to [`MAX_DELAY_SECONDS`].
pub fn delay_after(failures: u32) -> i64 {
    if failures < FREE_FAILURES {
        return 0;
    }
    let exponent = (failures - FREE_FAILURES).min(20);
    (1i64 << exponent).min(MAX_DELAY_SECONDS)
}

/// Whether an attempt at Unix time `now` may go ahead.
pub fn verdict(failures: u32, last_failure_at: i64, now: i64) -> Verdict {
    let ready_at = last_failure_at + delay_after(failures);
    if now >= ready_at { Verdict::Allowed } else { Verdict::Wait(ready_at - now) }
}

pub fn is_locked(failures: u32) -> bool {
    failures >= LOCK_AFTER
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_failures_are_free() {
        for failures in 0..FREE_FAILURES {
            assert_eq!(verdict(failures, 1_000, 1_000), Verdict::Allowed, "{failures}");
        }
    }

    #[test]
    fn delays_double_up_to_cap() {
        assert_eq!(delay_after(5), 1);
        assert_eq!(delay_after(6), 2);
        assert_eq!(delay_after(10), 32);
        assert_eq!(delay_after(15), MAX_DELAY_SECONDS);
        assert_eq!(delay_after(99), MAX_DELAY_SECONDS);
        assert_eq!(verdict(10, 1_000, 1_010), Verdict::Wait(22));
        assert_eq!(verdict(10, 1_000, 1_032), Verdict::Allowed);
    }

    #[test]
    fn lock_after_one_hundred() {
        assert!(!is_locked(99));
        assert!(is_locked(100));
    }
}
