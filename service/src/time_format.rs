//! Times as the reader expects them: in their zone, with the zone named.

use std::fmt::Write;

use chrono::{DateTime, Datelike, NaiveDateTime, Offset, TimeZone, Timelike};
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

/// How a moment is written. Written digit by digit rather than through
/// chrono's strftime: a page of activity writes a hundred times, and the
/// general formatter cost a tenth of the page's CPU.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Pattern {
    /// `2026-11-26T14:03:07+08:00`
    IsoWithOffset,
    /// `2026-11-26 14:03:07 CST`
    Shown,
    /// `2026-11-26`
    Day,
    /// `2026-11-26T14:03:07Z`
    IsoUtc,
}

fn write_in_zone(at_ms: i64, zone: Tz, pattern: Pattern) -> Option<String> {
    let zoned = zone.timestamp_millis_opt(at_ms).single()?;
    Some(write_zoned(&zoned, pattern))
}

fn write_zoned(zoned: &DateTime<Tz>, pattern: Pattern) -> String {
    // Each field accessor of a zoned time adds the offset again; the local
    // time is worked out once.
    let local = zoned.naive_local();
    let mut out = String::with_capacity(32);
    push_date(&mut out, &local);
    if pattern == Pattern::Day {
        return out;
    }
    out.push(if pattern == Pattern::Shown { ' ' } else { 'T' });
    push_two_digits(&mut out, local.hour());
    out.push(':');
    push_two_digits(&mut out, local.minute());
    out.push(':');
    push_two_digits(&mut out, local.second());
    match pattern {
        Pattern::IsoWithOffset => {
            let east = zoned.offset().fix().local_minus_utc();
            out.push(if east < 0 { '-' } else { '+' });
            let minutes = east.unsigned_abs() / 60;
            push_two_digits(&mut out, minutes / 60);
            out.push(':');
            push_two_digits(&mut out, minutes % 60);
        }
        // The zone's abbreviation (`CST`), or its offset where it has none (`+04`).
        Pattern::Shown => {
            let _ = write!(out, " {}", zoned.offset());
        }
        Pattern::IsoUtc => out.push('Z'),
        Pattern::Day => {}
    }
    out
}

fn push_date(out: &mut String, local: &NaiveDateTime) {
    let year = local.year();
    if (0..=9999).contains(&year) {
        push_two_digits(out, year as u32 / 100);
        push_two_digits(out, year as u32 % 100);
    } else {
        let _ = write!(out, "{year:+05}");
    }
    out.push('-');
    push_two_digits(out, local.month());
    out.push('-');
    push_two_digits(out, local.day());
}

fn push_two_digits(out: &mut String, n: u32) {
    out.push(char::from(b'0' + (n / 10 % 10) as u8));
    out.push(char::from(b'0' + (n % 10) as u8));
}

/// `2026-11-26T14:03:07+08:00`: a `<time datetime>` value, in the reader's
/// zone so that the offset agrees with the text shown.
pub fn iso_in_zone(at_ms: i64, zone: Tz) -> String {
    write_in_zone(at_ms, zone, Pattern::IsoWithOffset).unwrap_or_default()
}

/// Shown in place of a moment no calendar can write.
const NO_TIME: &str = "—";

/// `2026-11-26 14:03:07 CST` style; ISO date order reads the same in English and Chinese.
pub fn format_in_zone(at_ms: i64, zone: Tz) -> String {
    write_in_zone(at_ms, zone, Pattern::Shown).unwrap_or_else(|| String::from(NO_TIME))
}

/// Both [`iso_in_zone`] and [`format_in_zone`] of one moment, for a
/// `<time>` element, converting to the zone once.
pub fn iso_and_shown_in_zone(at_ms: i64, zone: Tz) -> (String, String) {
    match zone.timestamp_millis_opt(at_ms).single() {
        Some(zoned) => (
            write_zoned(&zoned, Pattern::IsoWithOffset),
            write_zoned(&zoned, Pattern::Shown),
        ),
        None => (String::new(), String::from(NO_TIME)),
    }
}

/// The day (`2026-11-26`) it is at `at_ms` in the reader's zone.
pub fn local_day(at_ms: i64, zone: Tz) -> String {
    write_in_zone(at_ms, zone, Pattern::Day).unwrap_or_default()
}

/// `2026-11-26T14:03:07Z`: for files meant for programs.
pub fn iso_utc(at_ms: i64) -> String {
    write_in_zone(at_ms, Tz::UTC, Pattern::IsoUtc).unwrap_or_default()
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
    fn offsets_west_and_by_half_hours_are_written_in_full() {
        let at = 1_764_165_787_000; // 2025-11-26 14:03:07 UTC
        assert_eq!(
            iso_in_zone(at, zone_or_utc(Some("America/St_Johns"))),
            "2025-11-26T10:33:07-03:30"
        );
        assert_eq!(
            iso_in_zone(at, zone_or_utc(Some("Asia/Kolkata"))),
            "2025-11-26T19:33:07+05:30"
        );
    }

    #[test]
    fn writes_what_strftime_writes() {
        let zones = [
            "UTC",
            "Asia/Shanghai",
            "America/New_York",
            "Asia/Dubai",
            "Pacific/Chatham",
        ];
        for zone in zones.map(|name| zone_or_utc(Some(name))) {
            for at in [0, 1_764_165_787_999, 1_711_846_800_000, 4_102_444_800_000] {
                let local = zone.timestamp_millis_opt(at).unwrap();
                assert_eq!(
                    iso_in_zone(at, zone),
                    local.format("%Y-%m-%dT%H:%M:%S%:z").to_string()
                );
                assert_eq!(
                    format_in_zone(at, zone),
                    local.format("%Y-%m-%d %H:%M:%S %Z").to_string()
                );
                assert_eq!(local_day(at, zone), local.format("%Y-%m-%d").to_string());
                assert_eq!(
                    iso_and_shown_in_zone(at, zone),
                    (iso_in_zone(at, zone), format_in_zone(at, zone))
                );
            }
        }
    }

    #[test]
    fn files_for_programs_use_utc() {
        let at = 1_764_165_787_000; // 2025-11-26 14:03:07 UTC
        assert_eq!(iso_utc(at), "2025-11-26T14:03:07Z");
        assert_eq!(iso_utc(i64::MAX), "");
        assert_eq!(
            iso_and_shown_in_zone(i64::MAX, Tz::UTC),
            (String::new(), String::from("—"))
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
