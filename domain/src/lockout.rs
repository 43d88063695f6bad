//! The temporary lock after repeated failed sign-ins. Times are Unix
//! milliseconds. The store applies the same rule in one atomic statement, so
//! that many server processes share one counter; these functions are the
//! rule itself, tested here.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockoutPolicy {
    /// Consecutive failures that lock; 0 turns the lock off.
    pub max_failures: u32,
    /// How long a lock lasts.
    pub lock_secs: i64,
    /// A failure older than this no longer counts: the next one starts again at 1.
    pub failure_memory_secs: i64,
}

impl Default for LockoutPolicy {
    fn default() -> Self {
        LockoutPolicy {
            max_failures: 3,
            lock_secs: 15 * 60,
            failure_memory_secs: 12 * 60 * 60,
        }
    }
}

/// One counter's state: consecutive failures, when the last one happened,
/// and the end of the current lock, if any.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FailureCount {
    pub failures: u32,
    pub last_failure_at: i64,
    pub locked_until: Option<i64>,
}

impl LockoutPolicy {
    pub fn is_locked(&self, count: &FailureCount, now_ms: i64) -> bool {
        count.locked_until.is_some_and(|until| now_ms < until)
    }

    /// Failures strictly before this instant are forgotten.
    pub fn memory_cutoff(&self, now_ms: i64) -> i64 {
        now_ms - self.failure_memory_secs * 1000
    }

    /// The counter after one more failure, and whether that failure starts a
    /// lock. A lock starts the count again, so the next lock needs as many
    /// failures once this one has ended.
    pub fn after_failure(&self, count: &FailureCount, now_ms: i64) -> (FailureCount, bool) {
        if self.is_locked(count, now_ms) {
            return (*count, false);
        }
        let failures = if count.last_failure_at < self.memory_cutoff(now_ms) {
            1
        } else {
            count.failures + 1
        };
        if self.max_failures > 0 && failures >= self.max_failures {
            let locked = FailureCount {
                failures: 0,
                last_failure_at: now_ms,
                locked_until: Some(now_ms + self.lock_secs * 1000),
            };
            return (locked, true);
        }
        let counted = FailureCount {
            failures,
            last_failure_at: now_ms,
            locked_until: count.locked_until,
        };
        (counted, false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: i64 = 60_000;

    fn fail_times(policy: &LockoutPolicy, times: &[i64]) -> (FailureCount, Vec<bool>) {
        let mut count = FailureCount::default();
        let mut locks = Vec::new();
        for &at in times {
            let (next, locked) = policy.after_failure(&count, at);
            count = next;
            locks.push(locked);
        }
        (count, locks)
    }

    #[test]
    fn the_third_consecutive_failure_locks_for_fifteen_minutes() {
        let policy = LockoutPolicy::default();
        let t0 = 100 * MIN;
        let (count, locks) = fail_times(&policy, &[t0, t0 + MIN, t0 + 2 * MIN]);
        assert_eq!(locks, [false, false, true]);
        assert!(policy.is_locked(&count, t0 + 2 * MIN));
        assert!(policy.is_locked(&count, t0 + 16 * MIN));
        assert!(!policy.is_locked(&count, t0 + 17 * MIN));
    }

    #[test]
    fn failures_during_a_lock_neither_extend_it_nor_lock_again() {
        let policy = LockoutPolicy::default();
        let t0 = 100 * MIN;
        let (locked, _) = fail_times(&policy, &[t0, t0, t0]);
        let (after, newly) = policy.after_failure(&locked, t0 + 5 * MIN);
        assert!(!newly);
        assert_eq!(after, locked);
    }

    #[test]
    fn after_a_lock_ends_it_takes_the_full_count_again() {
        let policy = LockoutPolicy::default();
        let t0 = 100 * MIN;
        let (locked, _) = fail_times(&policy, &[t0, t0, t0]);
        let later = t0 + 20 * MIN;
        let (once, newly) = policy.after_failure(&locked, later);
        assert!(!newly && !policy.is_locked(&once, later));
        let (twice, newly) = policy.after_failure(&once, later);
        assert!(!newly);
        let (_, newly) = policy.after_failure(&twice, later);
        assert!(newly);
    }

    #[test]
    fn old_failures_are_forgotten() {
        let policy = LockoutPolicy::default();
        let t0 = 100 * MIN;
        let day = 24 * 60 * MIN;
        let (count, locks) = fail_times(&policy, &[t0, t0 + MIN, t0 + day]);
        assert_eq!(locks, [false, false, false]);
        assert_eq!(count.failures, 1);
    }

    #[test]
    fn zero_turns_the_lock_off() {
        let policy = LockoutPolicy {
            max_failures: 0,
            ..LockoutPolicy::default()
        };
        let (count, locks) = fail_times(&policy, &[1, 2, 3, 4, 5]);
        assert!(locks.iter().all(|l| !l));
        assert!(!policy.is_locked(&count, 6));
    }
}
