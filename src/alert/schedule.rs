//! When a digest is due: every `every` after the last one, or, with `at`,
//! at the first `at` (local time in its zone) that far after it. cron
//! runs a few minutes late, so the next one is looked for from twelve
//! hours before `last + every`: a digest sent at 08:05 is due again at
//! 08:00 the next day, not the day after.

use chrono::{DateTime, Duration, TimeZone, Utc};

use crate::config::DigestTime;

/// Whether a digest is due at `now`, the last one having been due at
/// `last` (`None`: the alert is new, and its first digest is due at once
/// or at its first `at`).
pub fn digest_due(
    every: Duration,
    at: Option<DigestTime>,
    last: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> bool {
    match (last, at) {
        (None, None) => true,
        (None, Some(at)) => now >= next_at(now - every + Duration::hours(12), at),
        (Some(last), None) => now >= last + every,
        (Some(last), Some(at)) => now >= next_at(last + every - Duration::hours(12), at),
    }
}

/// The first `at` in its zone at or after `from`. A time that a clock
/// change skips is taken an hour later.
fn next_at(from: DateTime<Utc>, at: DigestTime) -> DateTime<Utc> {
    let mut day = from.with_timezone(&at.zone).date_naive();
    for _ in 0..3 {
        let local = day.and_time(at.time);
        let candidate = at
            .zone
            .from_local_datetime(&local)
            .earliest()
            .or_else(|| {
                at.zone
                    .from_local_datetime(&(local + Duration::hours(1)))
                    .earliest()
            })
            .map(|t| t.with_timezone(&Utc));
        if let Some(candidate) = candidate.filter(|c| *c >= from) {
            return candidate;
        }
        day = day.succ_opt().unwrap_or(day);
    }
    from
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    fn casablanca_at_eight() -> Option<DigestTime> {
        Some(DigestTime {
            time: chrono::NaiveTime::from_hms_opt(8, 0, 0).unwrap(),
            zone: chrono_tz::Africa::Casablanca,
        })
    }

    #[test]
    fn a_daily_digest_at_eight_in_casablanca() {
        let day = Duration::days(1);
        // Casablanca is UTC+1 in December: 08:00 there is 07:00Z.
        let last = Some(utc("2026-12-03T07:05:00Z"));
        let at = casablanca_at_eight();
        assert!(!digest_due(day, at, last, utc("2026-12-04T06:59:00Z")));
        assert!(digest_due(day, at, last, utc("2026-12-04T07:00:00Z")));
        assert!(digest_due(day, at, last, utc("2026-12-04T09:30:00Z")));
        // A new alert waits for its first eight o'clock when it is not long past.
        assert!(!digest_due(day, at, None, utc("2026-12-03T20:00:00Z")));
        assert!(digest_due(day, at, None, utc("2026-12-04T07:01:00Z")));
    }

    #[test]
    fn without_a_time_of_day_every_counts_from_the_last() {
        let last = Some(utc("2026-12-03T07:05:00Z"));
        assert!(!digest_due(
            Duration::hours(6),
            None,
            last,
            utc("2026-12-03T13:00:00Z")
        ));
        assert!(digest_due(
            Duration::hours(6),
            None,
            last,
            utc("2026-12-03T13:05:00Z")
        ));
        assert!(digest_due(
            Duration::hours(6),
            None,
            None,
            utc("2026-12-03T13:00:00Z")
        ));
    }

    #[test]
    fn a_weekly_digest_skips_the_days_between() {
        let at = Some(DigestTime {
            time: chrono::NaiveTime::from_hms_opt(9, 30, 0).unwrap(),
            zone: chrono_tz::UTC,
        });
        let last = Some(utc("2026-11-30T09:31:00Z"));
        assert!(!digest_due(
            Duration::days(7),
            at,
            last,
            utc("2026-12-06T09:31:00Z")
        ));
        assert!(digest_due(
            Duration::days(7),
            at,
            last,
            utc("2026-12-07T09:30:00Z")
        ));
    }
}
