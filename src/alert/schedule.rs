//! When a digest is due: every `every` after the last one, or, with `at`,
//! at the first `at` (local time in its zone) that far after it. cron
//! runs a few minutes late, so the next one is looked for from twelve
//! hours before `last + every`: a digest sent at 08:05 is due again at
//! 08:00 the next day, not the day after.

use chrono::{DateTime, Duration, TimeZone, Utc};

use crate::config::DigestTime;

/// When the digest due at `now` was due, or `None` when none is: the
/// last one having been due at `last` (`None`: the alert is new, and its
/// first digest is due at once, or at its first `at` within the last
/// twelve hours). Recording the time it was due, not the time it went,
/// keeps a late cron from making every digest later than the one before.
pub fn digest_due(
    every: Duration,
    at: Option<DigestTime>,
    last: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let due = match (last, at) {
        (None, None) => now,
        (None, Some(at)) => next_at(now - Duration::hours(12), at),
        (Some(last), None) => latest_period(last, every, now),
        (Some(last), Some(at)) => next_at(last + every - Duration::hours(12), at),
    };
    (now >= due).then_some(due)
}

/// The last of `last + k × every` (k ≥ 1) at or before `now`, or
/// `last + every` when that is still ahead.
fn latest_period(last: DateTime<Utc>, every: Duration, now: DateTime<Utc>) -> DateTime<Utc> {
    let every_secs = every.num_seconds().max(1);
    let periods = ((now - last).num_seconds() / every_secs).max(1);
    last + Duration::seconds(every_secs.saturating_mul(periods))
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
        let eight = Some(utc("2026-12-04T07:00:00Z"));
        assert_eq!(digest_due(day, at, last, utc("2026-12-04T06:59:00Z")), None);
        assert_eq!(
            digest_due(day, at, last, utc("2026-12-04T07:00:00Z")),
            eight
        );
        assert_eq!(
            digest_due(day, at, last, utc("2026-12-04T09:30:00Z")),
            eight
        );
        // A new alert waits for its first eight o'clock when it is not long past.
        assert_eq!(digest_due(day, at, None, utc("2026-12-03T20:00:00Z")), None);
        assert_eq!(
            digest_due(day, at, None, utc("2026-12-04T07:01:00Z")),
            eight
        );
        // Weekly: the first digest of a new alert also waits for eight o'clock.
        let week = Duration::days(7);
        assert_eq!(
            digest_due(week, at, None, utc("2026-12-03T20:00:00Z")),
            None
        );
    }

    #[test]
    fn without_a_time_of_day_every_counts_from_when_the_last_was_due() {
        let six = Duration::hours(6);
        let last = Some(utc("2026-12-03T07:05:00Z"));
        assert_eq!(
            digest_due(six, None, last, utc("2026-12-03T13:00:00Z")),
            None
        );
        // Due at 13:05, sent at 13:25 by a cron every 20 minutes: the next
        // is due at 19:05, not 19:25.
        let due = Some(utc("2026-12-03T13:05:00Z"));
        assert_eq!(
            digest_due(six, None, last, utc("2026-12-03T13:25:00Z")),
            due
        );
        // Runs missed for a day: one digest, for the latest period.
        let latest = Some(utc("2026-12-04T07:05:00Z"));
        assert_eq!(
            digest_due(six, None, last, utc("2026-12-04T08:00:00Z")),
            latest
        );
        let now = utc("2026-12-03T13:00:00Z");
        assert_eq!(digest_due(six, None, None, now), Some(now));
    }

    #[test]
    fn a_weekly_digest_skips_the_days_between() {
        let at = Some(DigestTime {
            time: chrono::NaiveTime::from_hms_opt(9, 30, 0).unwrap(),
            zone: chrono_tz::UTC,
        });
        let last = Some(utc("2026-11-30T09:31:00Z"));
        let week = Duration::days(7);
        assert_eq!(
            digest_due(week, at, last, utc("2026-12-06T09:31:00Z")),
            None
        );
        let due = Some(utc("2026-12-07T09:30:00Z"));
        assert_eq!(digest_due(week, at, last, utc("2026-12-07T09:30:00Z")), due);
    }
}
