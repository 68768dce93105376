//! Dates as feeds really write them.
//!
//! RFC 3339 and RFC 822 first (through chrono), then a lenient reader for the
//! real-world variants: missing weekday or seconds, lower-case or full month
//! names, named zones (`EST`, `CEST`…), military zones, two-digit years,
//! `+01:00` zones in RFC 822 dates, ISO dates without a zone (read as UTC) or
//! without a time. Anything else is `None`: an unreadable date is never
//! replaced by a made-up one.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};

/// Parses a feed date into UTC; a date outside the years 1000–9999 is
/// `None` (see [`plausible`]).
pub fn parse_date(raw: &str) -> Option<DateTime<Utc>> {
    read_date(raw).filter(|d| plausible(*d))
}

/// Whether a date can be a news item's: within the years 1000–9999. A
/// feed that writes `+10000-01-01` or `-5000-01-01` is wrong, and such a
/// date breaks what reads it later (PostgreSQL refuses years before
/// 4713 BC; RSS dates have four digits).
pub fn plausible(date: DateTime<Utc>) -> bool {
    (1000..=9999).contains(&date.year())
}

/// Reads a feed date, whatever its year.
fn read_date(raw: &str) -> Option<DateTime<Utc>> {
    let trimmed = raw.trim();
    // Most dates are written cleanly: only sloppy ones are rebuilt.
    let text: std::borrow::Cow<str> = if has_odd_spacing(trimmed) {
        trimmed
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .into()
    } else {
        trimmed.into()
    };
    if text.is_empty() {
        return None;
    }
    if let Some(d) = exact_rfc822(&text) {
        return Some(d);
    }
    if let Ok(d) = DateTime::parse_from_rfc3339(&text) {
        return Some(d.with_timezone(&Utc));
    }
    if let Ok(d) = DateTime::parse_from_rfc2822(&text) {
        return Some(d.with_timezone(&Utc));
    }
    lenient_rfc822(&text).or_else(|| lenient_iso(&text))
}

/// Whether a date has tabs, newlines or runs of spaces to tidy first.
fn has_odd_spacing(date: &str) -> bool {
    let mut after_space = false;
    date.bytes().any(|b| {
        let odd = matches!(b, b'\t' | b'\n' | b'\r') || (after_space && b == b' ');
        after_space = b == b' ';
        odd
    })
}

fn month(name: &str) -> Option<u32> {
    const MONTHS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let lower = name.trim_end_matches('.').to_ascii_lowercase();
    let prefix = lower.get(..3)?;
    MONTHS
        .iter()
        .position(|m| *m == prefix)
        .map(|i| i as u32 + 1)
}

fn zone_offset(zone: &str) -> Option<i32> {
    let z = zone.trim();
    let upper = z.to_ascii_uppercase();
    let hours = match upper.as_str() {
        "" | "GMT" | "UT" | "UTC" | "Z" => Some(0),
        "EST" => Some(-5),
        "EDT" => Some(-4),
        "CST" => Some(-6),
        "CDT" => Some(-5),
        "MST" => Some(-7),
        "MDT" => Some(-6),
        "PST" => Some(-8),
        "PDT" => Some(-7),
        "CET" | "WEST" | "BST" => Some(1),
        "CEST" | "EET" => Some(2),
        "EEST" => Some(3),
        "WET" => Some(0),
        _ => None,
    };
    if let Some(h) = hours {
        return Some(h * 3600);
    }
    if upper.len() == 1 && upper.chars().all(|c| c.is_ascii_alphabetic() && c != 'J') {
        // Military zones: RFC 822 defined their signs backwards, so RFC 2822
        // (section 4.3) says to read them as +0000, as chrono does.
        return Some(0);
    }
    let (sign, digits) = match z.chars().next()? {
        '+' => (1, &z[1..]),
        '-' => (-1, &z[1..]),
        _ => return None,
    };
    let number = |s: &str| {
        (matches!(s.len(), 1 | 2) && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse::<i32>().ok())
            .flatten()
    };
    // `+01:00`, and a truncated `+00:0` (one minute digit, read as
    // feedparser reads it); without a colon `+1`, `+01` or `+0100`.
    let (h, m) = match digits.split_once(':') {
        Some((h, m)) => (number(h)?, number(m)?),
        None if digits.len() == 4 => (number(digits.get(..2)?)?, number(digits.get(2..)?)?),
        None => (number(digits)?, 0),
    };
    (h <= 14 && m < 60).then_some(sign * (h * 3600 + m * 60))
}

fn parse_time(t: &str) -> Option<NaiveTime> {
    let parts: Vec<&str> = t.split(':').collect();
    let num = |s: &str| s.parse::<u32>().ok();
    match parts.as_slice() {
        [h, m] => NaiveTime::from_hms_opt(num(h)?, num(m)?, 0),
        [h, m, s] => {
            let secs = s.split('.').next()?;
            NaiveTime::from_hms_opt(num(h)?, num(m)?, num(secs)?.min(59))
        }
        _ => None,
    }
}

fn full_year(y: i32, digits: usize) -> i32 {
    match digits {
        2 if y < 50 => 2000 + y,
        2 => 1900 + y,
        _ => y,
    }
}

fn to_utc(date: NaiveDate, time: NaiveTime, offset_secs: i32) -> Option<DateTime<Utc>> {
    let offset = FixedOffset::east_opt(offset_secs)?;
    let local = NaiveDateTime::new(date, time);
    offset
        .from_local_datetime(&local)
        .single()
        .map(|d| d.with_timezone(&Utc))
}

/// The one RFC 822 shape most feeds write, `Thu, 05 Feb 2026 10:00:00
/// +0100` (or `GMT`), read at fixed positions: several times quicker than
/// the general readers, which every other shape still goes through. The
/// weekday is not checked against the date, as the lenient reader does not.
fn exact_rfc822(text: &str) -> Option<DateTime<Utc>> {
    let b = text.as_bytes();
    let number = |from: usize, to: usize| -> Option<u32> {
        b.get(from..to)?.iter().try_fold(0, |n: u32, d| {
            d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0'))
        })
    };
    let at = |i: usize, c: u8| b.get(i) == Some(&c);
    let shape = b.get(..3)?.iter().all(u8::is_ascii_alphabetic)
        && at(3, b',')
        && at(4, b' ')
        && at(7, b' ')
        && at(11, b' ')
        && at(16, b' ')
        && at(19, b':')
        && at(22, b':')
        && at(25, b' ');
    if !shape {
        return None;
    }
    let name: [u8; 3] = b.get(8..11)?.try_into().ok()?;
    let month = match &name.map(|c| c.to_ascii_lowercase()) {
        b"jan" => 1,
        b"feb" => 2,
        b"mar" => 3,
        b"apr" => 4,
        b"may" => 5,
        b"jun" => 6,
        b"jul" => 7,
        b"aug" => 8,
        b"sep" => 9,
        b"oct" => 10,
        b"nov" => 11,
        b"dec" => 12,
        _ => return None,
    };
    let offset = match text.get(26..)? {
        "GMT" | "UT" | "UTC" | "Z" | "+0000" | "-0000" => 0,
        zone => {
            let sign = match zone.as_bytes().first()? {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            if zone.len() != 5 {
                return None;
            }
            let (h, m) = (number(27, 29)?, number(29, 31)?);
            if m >= 60 {
                return None;
            }
            sign * (h * 3600 + m * 60) as i32
        }
    };
    let date = NaiveDate::from_ymd_opt(number(12, 16)? as i32, month, number(5, 7)?)?;
    let time = NaiveTime::from_hms_opt(number(17, 19)?, number(20, 22)?, number(23, 25)?)?;
    to_utc(date, time, offset)
}

/// `[Wkd,] D Mon YYYY [HH:MM[:SS]] [zone]`, also `Mon D, YYYY …`.
fn lenient_rfc822(text: &str) -> Option<DateTime<Utc>> {
    let cleaned = text.replace(',', " ");
    let mut tokens: Vec<&str> = cleaned.split_whitespace().collect();
    if tokens
        .first()
        .is_some_and(|t| t.chars().all(|c| c.is_alphabetic()) && month(t).is_none())
    {
        tokens.remove(0);
    }
    let (day, mon, year_tok, rest) = match tokens.as_slice() {
        [d, m, y, rest @ ..] if d.chars().all(|c| c.is_ascii_digit()) => (*d, month(m)?, *y, rest),
        [m, d, y, rest @ ..] if d.chars().all(|c| c.is_ascii_digit()) => (*d, month(m)?, *y, rest),
        _ => return None,
    };
    let year = full_year(year_tok.parse().ok()?, year_tok.len());
    let date = NaiveDate::from_ymd_opt(year, mon, day.parse().ok()?)?;
    let (time, zone) = match rest {
        [] => (NaiveTime::MIN, ""),
        [t, half, zone @ ..] if meridiem(half).is_some() => (
            twelve_hour(parse_time(t)?, meridiem(half)?)?,
            zone.first().copied().unwrap_or(""),
        ),
        [t, zone @ ..] => (clock_time(t)?, zone.first().copied().unwrap_or("")),
    };
    let zone = zone.trim_start_matches('(').trim_end_matches(')');
    to_utc(date, time, zone_offset(zone)?)
}

/// Whether a token is `AM` or `PM` (any case, dotted or not): `Some(true)`
/// for the afternoon.
fn meridiem(token: &str) -> Option<bool> {
    let letters: String = token
        .chars()
        .filter(|c| *c != '.')
        .map(|c| c.to_ascii_lowercase())
        .collect();
    match letters.as_str() {
        "am" => Some(false),
        "pm" => Some(true),
        _ => None,
    }
}

/// A time on a 12-hour clock: 12 AM is midnight, 12 PM noon, 2 PM 14:00.
fn twelve_hour(time: NaiveTime, afternoon: bool) -> Option<NaiveTime> {
    use chrono::Timelike;
    let hour = time.hour();
    if !(1..=12).contains(&hour) {
        return None;
    }
    let hour = match (hour, afternoon) {
        (12, false) => 0,
        (12, true) => 12,
        (h, false) => h,
        (h, true) => h + 12,
    };
    time.with_hour(hour)
}

/// A time token, with `AM`/`PM` glued to it (`2:02PM`) or not.
fn clock_time(token: &str) -> Option<NaiveTime> {
    let split = token.len().checked_sub(2)?;
    match (token.get(..split), token.get(split..).and_then(meridiem)) {
        (Some(clock), Some(afternoon)) => twelve_hour(parse_time(clock)?, afternoon),
        _ => parse_time(token),
    }
}

/// ISO 8601 variants chrono's RFC 3339 reader refuses.
fn lenient_iso(text: &str) -> Option<DateTime<Utc>> {
    let t = text.replace(' ', "T");
    let (date_part, time_part) = match t.split_once('T') {
        Some((d, rest)) => (d.to_string(), Some(rest.to_string())),
        None => (t.clone(), None),
    };
    let date = NaiveDate::parse_from_str(&date_part, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(&date_part, "%Y%m%d"))
        .ok()?;
    let Some(time_part) = time_part else {
        return to_utc(date, NaiveTime::MIN, 0);
    };
    let split = time_part
        .find(['Z', 'z', '+', '-'])
        .unwrap_or(time_part.len());
    let (clock, zone) = time_part.split_at(split);
    let clock = clock.trim_end_matches('T');
    let time = if clock.contains(':') {
        parse_time(clock)?
    } else {
        let d = |r: std::ops::Range<usize>| clock.get(r).and_then(|s| s.parse::<u32>().ok());
        NaiveTime::from_hms_opt(d(0..2)?, d(2..4)?, d(4..6).unwrap_or(0))?
    };
    to_utc(date, time, zone_offset(zone.trim_start_matches('T'))?)
}

#[cfg(test)]
mod tests {
    use super::parse_date;

    #[test]
    fn the_exact_rfc822_shape_reads_as_the_general_reader_does() {
        for text in [
            "Thu, 05 Feb 2026 10:00:00 +0100",
            "thu, 05 FEB 2026 23:59:59 -0930",
            "Sun, 29 Nov 2026 06:00:00 GMT",
            "Mon, 01 Jan 2024 00:00:00 Z",
        ] {
            let general = chrono::DateTime::parse_from_rfc2822(text)
                .map(|d| d.with_timezone(&chrono::Utc))
                .ok();
            assert_eq!(super::exact_rfc822(text), general, "{text}");
            assert!(general.is_some(), "{text}");
        }
        // Not the exact shape, or not a date: left to the general readers.
        for text in [
            "Thu, 5 Feb 2026 10:00:00 +0100",
            "Thu, 31 Feb 2026 10:00:00 +0100",
            "Thu, 05 Feb 2026 10:00:00 EST",
            "Thu, 05 Feb 2026 10:00:00 +01:00",
            "Thu, 05 Xyz 2026 10:00:00 +0100",
        ] {
            assert_eq!(super::exact_rfc822(text), None, "{text}");
        }
        assert_eq!(iso("Thu, 05 Feb 2026 10:00:00 EST"), "2026-02-05T15:00:00Z");
    }

    fn iso(s: &str) -> String {
        parse_date(s)
            .map(|d| d.format("%Y-%m-%dT%H:%M:%SZ").to_string())
            .unwrap_or_default()
    }

    #[test]
    fn rfc822_and_variants() {
        assert_eq!(iso("Thu, 05 Feb 2026 10:00:00 GMT"), "2026-02-05T10:00:00Z");
        assert_eq!(iso("05 Feb 2026 10:00:00 +0100"), "2026-02-05T09:00:00Z");
        assert_eq!(iso("Thu, 5 feb 2026 10:00 EST"), "2026-02-05T15:00:00Z");
        assert_eq!(iso("Thu,  5 Feb 26 10:00:00 Z"), "2026-02-05T10:00:00Z");
        assert_eq!(
            iso("Thursday, 05 February 2026 10:00:00 +01:00"),
            "2026-02-05T09:00:00Z"
        );
        assert_eq!(iso("Wed, 04 Feb 2026 23:00:00 A"), "2026-02-04T23:00:00Z");
        assert_eq!(iso("Wed, 04 Feb 2026 23:00 A"), "2026-02-04T23:00:00Z");
    }

    #[test]
    fn iso_variants() {
        assert_eq!(iso("2026-02-05T10:00:00Z"), "2026-02-05T10:00:00Z");
        assert_eq!(iso("2026-02-05T10:00:00.123+01:00"), "2026-02-05T09:00:00Z");
        assert_eq!(iso("2026-02-05 10:00:00"), "2026-02-05T10:00:00Z");
        assert_eq!(iso("2026-02-05T10:00+0100"), "2026-02-05T09:00:00Z");
        assert_eq!(iso("2026-02-05"), "2026-02-05T00:00:00Z");
        assert_eq!(iso("20260205T100000Z"), "2026-02-05T10:00:00Z");
    }

    #[test]
    fn twelve_hour_clocks_and_month_first_dates() {
        // feed-rs's rss_2.0_nbcny.xml: month before day, 12-hour clock, no zone.
        assert_eq!(iso("Sat, Dec 16 2023 02:02:33 PM"), "2023-12-16T14:02:33Z");
        assert_eq!(iso("Sat, Dec 16 2023 12:02:33 AM"), "2023-12-16T00:02:33Z");
        assert_eq!(iso("Sat, Dec 16 2023 12:02:33 PM"), "2023-12-16T12:02:33Z");
        assert_eq!(iso("Dec 16 2023 2:02 p.m. EST"), "2023-12-16T19:02:00Z");
        assert_eq!(iso("16 Dec 2023 9:15am +0100"), "2023-12-16T08:15:00Z");
        assert_eq!(iso("Sat, Dec 16 2023 13:02:33 PM"), "");
    }

    #[test]
    fn truncated_offsets() {
        // feed-rs's rss_1.0_example_1.xml.
        assert_eq!(iso("2017-06-13T03:18:00+00:0"), "2017-06-13T03:18:00Z");
        assert_eq!(iso("2017-06-13T03:18:00+05:3"), "2017-06-12T22:15:00Z");
        assert_eq!(iso("2017-06-13T03:18:00+5:30"), "2017-06-12T21:48:00Z");
        assert_eq!(iso("2017-06-13T03:18:00+053"), "");
    }

    #[test]
    fn dates_outside_the_years_1000_to_9999_are_none() {
        for raw in [
            "+10000-01-01T00:00:00Z",
            "-5000-01-01T00:00:00Z",
            "1 Jan 10000 00:00:00 GMT",
            "Mon, 01 Jan 0900 00:00:00 GMT",
            "0001-01-01",
        ] {
            assert_eq!(parse_date(raw), None, "{raw}");
        }
        assert!(parse_date("Sat, 01 Jan 1000 00:00:00 GMT").is_some());
        assert!(parse_date("9999-12-31T23:59:59Z").is_some());
    }

    #[test]
    fn garbage_is_none_not_now() {
        assert_eq!(parse_date("yesterday-ish"), None);
        assert_eq!(parse_date(""), None);
        assert_eq!(parse_date("Thu, 35 Feb 2026 10:00:00 GMT"), None);
    }
}
