//! Times as the reader expects them: in their zone, with the zone named.

use std::sync::OnceLock;

use chrono::format::{Item, StrftimeItems};
use chrono::TimeZone;
pub use chrono_tz::Tz;

/// The reader's zone: the one their browser reported (the `tz` cookie),
/// else a guess from the language it prefers most, else UTC.
pub fn reader_zone(reported: Option<&str>, accept_language: Option<&str>) -> Tz {
    let known = |name: &str| name.parse::<Tz>().ok();
    reported
        .and_then(known)
        .or_else(|| domain::locale::zone_guess(accept_language?).and_then(known))
        .unwrap_or(Tz::UTC)
}

/// A time pattern parsed once rather than on every use: a page of activity
/// formats a hundred times.
struct Pattern {
    spec: &'static str,
    items: OnceLock<Vec<Item<'static>>>,
}

impl Pattern {
    const fn new(spec: &'static str) -> Self {
        Pattern {
            spec,
            items: OnceLock::new(),
        }
    }

    fn in_zone(&self, at_ms: i64, zone: Tz) -> Option<String> {
        let local = zone.timestamp_millis_opt(at_ms).single()?;
        let items = self
            .items
            .get_or_init(|| StrftimeItems::new(self.spec).collect());
        Some(local.format_with_items(items.iter()).to_string())
    }
}

static ISO_IN_ZONE: Pattern = Pattern::new("%Y-%m-%dT%H:%M:%S%:z");
static SHOWN_IN_ZONE: Pattern = Pattern::new("%Y-%m-%d %H:%M:%S %Z");
static DAY: Pattern = Pattern::new("%Y-%m-%d");
static ISO_UTC: Pattern = Pattern::new("%Y-%m-%dT%H:%M:%SZ");

/// `2026-11-26T14:03:07+08:00`: a `<time datetime>` value, in the reader's
/// zone so that the offset agrees with the text shown.
pub fn iso_in_zone(at_ms: i64, zone: Tz) -> String {
    ISO_IN_ZONE.in_zone(at_ms, zone).unwrap_or_default()
}

/// `2026-11-26 14:03:07 CST` style; ISO date order reads the same in English and Chinese.
pub fn format_in_zone(at_ms: i64, zone: Tz) -> String {
    SHOWN_IN_ZONE
        .in_zone(at_ms, zone)
        .unwrap_or_else(|| String::from("—"))
}

/// The day (`2026-11-26`) it is at `at_ms` in the reader's zone.
pub fn local_day(at_ms: i64, zone: Tz) -> String {
    DAY.in_zone(at_ms, zone).unwrap_or_default()
}

/// `2026-11-26T14:03:07Z`: for files meant for programs.
pub fn iso_utc(at_ms: i64) -> String {
    ISO_UTC.in_zone(at_ms, Tz::UTC).unwrap_or_default()
}

/// The first millisecond of a day (`2026-11-26`) in the reader's zone;
/// `None` for anything that is not such a date.
pub fn day_start_ms(date: &str, zone: Tz) -> Option<i64> {
    let day = chrono::NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d").ok()?;
    let midnight = day.and_hms_opt(0, 0, 0)?;
    // A zone that skips midnight (a DST change) starts the day at its first valid instant.
    zone.from_local_datetime(&midnight)
        .earliest()
        .or_else(|| {
            zone.from_local_datetime(&(midnight + chrono::Duration::hours(1)))
                .earliest()
        })
        .map(|start| start.timestamp_millis())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zone_or_utc(name: Option<&str>) -> Tz {
        reader_zone(name, None)
    }

    #[test]
    fn a_day_starts_at_midnight_in_the_readers_zone() {
        assert_eq!(day_start_ms("2026-11-26", Tz::UTC), Some(1_795_651_200_000));
        // Shanghai is 8 hours ahead of UTC.
        assert_eq!(
            day_start_ms("2026-11-26", zone_or_utc(Some("Asia/Shanghai"))),
            Some(1_795_651_200_000 - 8 * 3_600_000)
        );
        assert_eq!(day_start_ms("26/11/2026", Tz::UTC), None);
        assert_eq!(day_start_ms("", Tz::UTC), None);
    }

    #[test]
    fn the_day_is_the_readers() {
        let late_evening_utc = 1_764_194_400_000; // 2025-11-26 22:00 UTC
        assert_eq!(local_day(late_evening_utc, Tz::UTC), "2025-11-26");
        assert_eq!(
            local_day(late_evening_utc, zone_or_utc(Some("Asia/Shanghai"))),
            "2025-11-27"
        );
    }

    #[test]
    fn the_reported_zone_wins_over_the_guess() {
        let shanghai = zone_or_utc(Some("Asia/Shanghai"));
        assert_eq!(
            reader_zone(Some("Europe/Berlin"), Some("zh-CN")).name(),
            "Europe/Berlin"
        );
        assert_eq!(reader_zone(None, Some("zh-CN,zh;q=0.9")), shanghai);
        // An unknown reported zone is no report.
        assert_eq!(reader_zone(Some("Not/AZone"), Some("zh")), shanghai);
        assert_eq!(reader_zone(None, Some("en-GB,en;q=0.9")), Tz::UTC);
        assert_eq!(reader_zone(None, None), Tz::UTC);
    }

    #[test]
    fn machine_time_carries_the_readers_offset() {
        let at = 1_764_165_787_000; // 2025-11-26 14:03:07 UTC
        assert_eq!(
            iso_in_zone(at, zone_or_utc(Some("Asia/Shanghai"))),
            "2025-11-26T22:03:07+08:00"
        );
        assert_eq!(iso_in_zone(at, Tz::UTC), "2025-11-26T14:03:07+00:00");
    }

    #[test]
    fn files_for_programs_use_utc() {
        let at = 1_764_165_787_000; // 2025-11-26 14:03:07 UTC
        assert_eq!(iso_utc(at), "2025-11-26T14:03:07Z");
        assert_eq!(iso_utc(i64::MAX), "");
    }

    #[test]
    fn names_the_zone() {
        let at = 1_764_165_787_000; // 2025-11-26 14:03:07 UTC
        assert_eq!(
            format_in_zone(at, zone_or_utc(None)),
            "2025-11-26 14:03:07 UTC"
        );
        assert_eq!(
            format_in_zone(at, zone_or_utc(Some("Asia/Shanghai"))),
            "2025-11-26 22:03:07 CST"
        );
        assert_eq!(
            format_in_zone(at, zone_or_utc(Some("Not/AZone"))),
            "2025-11-26 14:03:07 UTC"
        );
    }
}
