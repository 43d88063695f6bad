//! Times as the reader expects them: in their zone, with the zone named.

use chrono::TimeZone;
pub use chrono_tz::Tz;

/// The zone named by an IANA name such as `Asia/Shanghai`, or UTC when the
/// name is missing or unknown.
pub fn zone_or_utc(name: Option<&str>) -> Tz {
    name.and_then(|n| n.parse::<Tz>().ok()).unwrap_or(Tz::UTC)
}

/// `2026-11-26 14:03:07 CST` style; ISO date order reads the same in English and Chinese.
pub fn format_in_zone(at_ms: i64, zone: Tz) -> String {
    match zone.timestamp_millis_opt(at_ms).single() {
        Some(local) => local.format("%Y-%m-%d %H:%M:%S %Z").to_string(),
        None => String::from("—"),
    }
}

/// The day (`2026-11-26`) it is at `at_ms` in the reader's zone.
pub fn local_day(at_ms: i64, zone: Tz) -> String {
    match zone.timestamp_millis_opt(at_ms).single() {
        Some(local) => local.format("%Y-%m-%d").to_string(),
        None => String::new(),
    }
}

/// `2026-11-26T14:03:07Z`: for files meant for programs.
pub fn iso_utc(at_ms: i64) -> String {
    match chrono::Utc.timestamp_millis_opt(at_ms).single() {
        Some(time) => time.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        None => String::new(),
    }
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
