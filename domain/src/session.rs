use serde::{Deserialize, Serialize};

/// How long a session lives: it ends after `idle_secs` without a request, and
/// after `absolute_secs` whatever happens. Times are Unix milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionLifetime {
    pub idle_secs: i64,
    pub absolute_secs: i64,
}

impl Default for SessionLifetime {
    fn default() -> Self {
        SessionLifetime {
            idle_secs: 30 * 60,
            absolute_secs: 12 * 60 * 60,
        }
    }
}

impl SessionLifetime {
    pub fn is_live(&self, created_ms: i64, last_seen_ms: i64, now_ms: i64) -> bool {
        now_ms < created_ms + self.absolute_secs * 1000
            && now_ms < last_seen_ms + self.idle_secs * 1000
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: i64 = 60_000;

    #[test]
    fn idle_timeout_ends_a_quiet_session() {
        let life = SessionLifetime::default();
        assert!(life.is_live(0, 0, 29 * MIN));
        assert!(!life.is_live(0, 0, 30 * MIN));
    }

    #[test]
    fn activity_keeps_it_alive_until_the_absolute_limit() {
        let life = SessionLifetime::default();
        let created = 0;
        assert!(life.is_live(created, 11 * 60 * MIN + 50 * MIN, 11 * 60 * MIN + 55 * MIN));
        assert!(!life.is_live(created, 12 * 60 * MIN - MIN, 12 * 60 * MIN));
    }
}
