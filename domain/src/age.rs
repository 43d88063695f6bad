//! How long ago something happened, in the words a reader uses.

use serde::{Deserialize, Serialize};

/// The age of an event as a page states it next to its time: rounded down
/// to the largest whole unit; older than a week, only the date is worth
/// reading (the absolute time beside it says the rest).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Age {
    /// Under a minute, and times a skewed clock puts in the future.
    JustNow,
    Minutes(i64),
    Hours(i64),
    Days(i64),
    /// More than a week.
    OnItsDate,
}

const MINUTE_MS: i64 = 60_000;
const HOUR_MS: i64 = 60 * MINUTE_MS;
const DAY_MS: i64 = 24 * HOUR_MS;
/// Beyond this, a count of days reads worse than the date.
const WEEK_DAYS: i64 = 7;

impl Age {
    /// The age of an event at `at_ms`, seen at `now_ms` (Unix milliseconds).
    pub fn between(at_ms: i64, now_ms: i64) -> Age {
        let elapsed = now_ms.saturating_sub(at_ms);
        if elapsed < MINUTE_MS {
            Age::JustNow
        } else if elapsed < HOUR_MS {
            Age::Minutes(elapsed / MINUTE_MS)
        } else if elapsed < DAY_MS {
            Age::Hours(elapsed / HOUR_MS)
        } else if elapsed / DAY_MS <= WEEK_DAYS {
            Age::Days(elapsed / DAY_MS)
        } else {
            Age::OnItsDate
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_795_651_200_000;

    #[test]
    fn rounds_down_to_the_largest_whole_unit() {
        assert_eq!(Age::between(NOW, NOW), Age::JustNow);
        assert_eq!(Age::between(NOW - 59_999, NOW), Age::JustNow);
        assert_eq!(Age::between(NOW - MINUTE_MS, NOW), Age::Minutes(1));
        assert_eq!(
            Age::between(NOW - 5 * MINUTE_MS - 30_000, NOW),
            Age::Minutes(5)
        );
        assert_eq!(Age::between(NOW - HOUR_MS + 1, NOW), Age::Minutes(59));
        assert_eq!(Age::between(NOW - HOUR_MS, NOW), Age::Hours(1));
        assert_eq!(Age::between(NOW - DAY_MS + 1, NOW), Age::Hours(23));
        assert_eq!(Age::between(NOW - DAY_MS, NOW), Age::Days(1));
        assert_eq!(Age::between(NOW - 7 * DAY_MS - HOUR_MS, NOW), Age::Days(7));
        assert_eq!(Age::between(NOW - 8 * DAY_MS, NOW), Age::OnItsDate);
    }

    #[test]
    fn a_time_ahead_of_the_clock_is_just_now() {
        assert_eq!(Age::between(NOW + 5 * MINUTE_MS, NOW), Age::JustNow);
        assert_eq!(Age::between(i64::MIN, i64::MAX), Age::OnItsDate);
    }
}
