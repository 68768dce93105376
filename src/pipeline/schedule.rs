//! When a source is fetched next, where from, and what users should hear
//! about it: a pure function of the previous state and this fetch's outcome.
//!
//! - Success: the configured interval, lengthened (never shortened) by the
//!   feed's own hints (RSS `ttl`, `sy:updatePeriod`, `Cache-Control:
//!   max-age`), up to `fetch.max_interval`.
//! - Failure: exponential backoff from the interval, capped at
//!   `max_interval`, reset by the next success; a `Retry-After` replaces it.
//! - 410 Gone: the source is gone until its config entry changes.
//! - A permanent redirect (301/308 all the way) is adopted only when the
//!   next fetch sees the same one: a single mistaken 301 loses nothing.

use std::time::Duration;

use chrono::{DateTime, Utc};
use url::Url;

use crate::store::{SourceEvent, SourceState, SourceUpdate};

/// Consecutive failures after which a source is announced as failing.
pub const FAILING_AFTER: i64 = 3;

/// What one fetch found, as far as scheduling is concerned.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// The fetch succeeded (200 or 304).
    pub ok: bool,
    /// HTTP status, when a response arrived.
    pub status: Option<u16>,
    /// The error line, on failure.
    pub error: Option<String>,
    /// `Retry-After`, when the server sent one with a 429/503.
    pub retry_after: Option<DateTime<Utc>>,
    /// Where every permanent redirect led.
    pub permanent_redirect: Option<Url>,
    /// RSS `ttl`, in minutes.
    pub ttl_minutes: Option<u32>,
    /// `sy:updatePeriod`/`updateFrequency`, in seconds.
    pub update_every_secs: Option<u64>,
    /// `Cache-Control: max-age`, in seconds.
    pub max_age: Option<u64>,
}

/// Settings the plan depends on.
#[derive(Debug, Clone, Copy)]
pub struct Intervals {
    /// The source's configured interval.
    pub base: Duration,
    /// Longest interval hints or backoff may reach.
    pub max: Duration,
}

/// At most [`crate::config::MAX_DURATION`]: a server's hint may be any
/// number, and a date plus it must not overflow.
fn chrono(d: Duration) -> chrono::Duration {
    let secs = d.as_secs().min(crate::config::MAX_DURATION.as_secs());
    chrono::Duration::seconds(i64::try_from(secs).unwrap_or(i64::MAX / 1000))
}

/// Plans the source's next state; `fetched_url` is the URL this fetch used.
pub fn plan(
    state: &SourceState,
    fetched_url: &str,
    outcome: &Outcome,
    intervals: Intervals,
    now: DateTime<Utc>,
) -> (SourceUpdate, Vec<SourceEvent>) {
    let base = intervals.base.min(intervals.max);
    let mut events = Vec::new();
    let mut update = SourceUpdate {
        fetch_url: state.fetch_url.clone(),
        redirect_candidate: None,
        interval_secs: base.as_secs() as i64,
        ..SourceUpdate::default()
    };
    if outcome.status == Some(410) {
        update.gone = true;
        events.push(SourceEvent {
            kind: "gone",
            detail: format!("{fetched_url} answered 410 Gone; it will not be fetched again until its entry in config.toml changes"),
        });
    } else {
        let fetch = Fetch {
            state,
            fetched_url,
            outcome,
            intervals,
            now,
        };
        if outcome.ok {
            fetch.plan_success(&mut update, &mut events);
        } else {
            fetch.plan_failure(&mut update, &mut events);
        }
    }
    (update, events)
}

/// A fetch to plan after.
struct Fetch<'a> {
    state: &'a SourceState,
    fetched_url: &'a str,
    outcome: &'a Outcome,
    intervals: Intervals,
    now: DateTime<Utc>,
}

impl Fetch<'_> {
    /// After a success: the next fetch after the base interval, stretched by
    /// the feed's own hints (`ttl`, `sy:updatePeriod`, `Cache-Control`) up to
    /// the maximum; a permanent redirect is adopted when seen twice in a row.
    fn plan_success(&self, update: &mut SourceUpdate, events: &mut Vec<SourceEvent>) {
        let (state, fetched_url, outcome) = (self.state, self.fetched_url, self.outcome);
        let (intervals, now) = (self.intervals, self.now);
        let hint = [
            outcome.ttl_minutes.map(|m| u64::from(m) * 60),
            outcome.update_every_secs,
            outcome.max_age,
        ]
        .into_iter()
        .flatten()
        .max()
        .unwrap_or(0);
        let base = intervals.base.min(intervals.max);
        let interval = base.max(Duration::from_secs(hint)).min(intervals.max);
        update.interval_secs = interval.as_secs() as i64;
        update.next_fetch_at = Some(now + chrono(interval));
        if state.error_count >= FAILING_AFTER {
            events.push(SourceEvent {
                kind: "recovered",
                detail: format!(
                    "{fetched_url} works again after {} failed fetches",
                    state.error_count
                ),
            });
        }
        let Some(target) = outcome.permanent_redirect.as_ref().map(|t| t.to_string()) else {
            return;
        };
        if target == fetched_url {
            return;
        }
        if state.redirect_candidate.as_deref() == Some(target.as_str()) {
            events.push(SourceEvent {
            kind: "moved",
            detail: format!("{fetched_url} moved permanently to {target}; veille now fetches the new address (config.toml still lists the old one)"),
        });
            update.fetch_url = Some(target);
        } else {
            update.redirect_candidate = Some(target);
        }
    }

    /// After a failure: exponential backoff from the base interval up to the
    /// maximum, or the server's `Retry-After`; an event when the source has
    /// failed [`FAILING_AFTER`] times in a row.
    fn plan_failure(&self, update: &mut SourceUpdate, events: &mut Vec<SourceEvent>) {
        let (state, fetched_url, outcome) = (self.state, self.fetched_url, self.outcome);
        let (intervals, now) = (self.intervals, self.now);
        let base = intervals.base.min(intervals.max);
        let failures = state.error_count + 1;
        let backoff = base
            .checked_mul(1u32 << (failures - 1).clamp(0, 16))
            .unwrap_or(intervals.max)
            .min(intervals.max);
        update.next_fetch_at = Some(match outcome.retry_after {
            Some(at) => at.max(now).min(now + chrono(intervals.max)),
            None => now + chrono(backoff),
        });
        // A failure does not confirm or cancel a pending move.
        update.redirect_candidate = state.redirect_candidate.clone();
        if failures == FAILING_AFTER {
            events.push(SourceEvent {
                kind: "failing",
                detail: format!(
                    "{fetched_url} failed {failures} times in a row: {}",
                    outcome.error.as_deref().unwrap_or("unknown error")
                ),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    const URL: &str = "https://old.example.ma/feed";

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 2, 5, 10, 0, 0).unwrap()
    }

    fn intervals() -> Intervals {
        Intervals {
            base: Duration::from_secs(1800),
            max: Duration::from_secs(86_400),
        }
    }

    #[test]
    fn hints_lengthen_but_never_shorten() {
        let ok = Outcome {
            ok: true,
            ttl_minutes: Some(120),
            ..Outcome::default()
        };
        let (u, _) = plan(&SourceState::default(), URL, &ok, intervals(), now());
        assert_eq!(u.interval_secs, 7200);
        let short = Outcome {
            ok: true,
            max_age: Some(60),
            ..Outcome::default()
        };
        assert_eq!(
            plan(&SourceState::default(), URL, &short, intervals(), now())
                .0
                .interval_secs,
            1800
        );
        let huge = Outcome {
            ok: true,
            update_every_secs: Some(30 * 86_400),
            ..Outcome::default()
        };
        assert_eq!(
            plan(&SourceState::default(), URL, &huge, intervals(), now())
                .0
                .interval_secs,
            86_400
        );
    }

    #[test]
    fn backoff_doubles_is_capped_and_retry_after_wins() {
        let fail = Outcome {
            ok: false,
            status: Some(503),
            error: Some("HTTP 503".into()),
            ..Outcome::default()
        };
        let mut state = SourceState::default();
        let mut delays = Vec::new();
        for _ in 0..8 {
            let (u, _) = plan(&state, URL, &fail, intervals(), now());
            delays.push((u.next_fetch_at.unwrap() - now()).num_minutes());
            state.error_count += 1;
        }
        assert_eq!(delays, [30, 60, 120, 240, 480, 960, 1440, 1440]);
        let later = now() + chrono::Duration::hours(2);
        let limited = Outcome {
            retry_after: Some(later),
            ..fail
        };
        assert_eq!(
            plan(&SourceState::default(), URL, &limited, intervals(), now())
                .0
                .next_fetch_at,
            Some(later)
        );
    }

    #[test]
    fn failing_and_recovered_are_announced_once() {
        let fail = Outcome {
            ok: false,
            error: Some("HTTP 500 from x".into()),
            ..Outcome::default()
        };
        let kinds = |n: i64, o: &Outcome| {
            let state = SourceState {
                error_count: n,
                ..SourceState::default()
            };
            plan(&state, URL, o, intervals(), now())
                .1
                .iter()
                .map(|e| e.kind)
                .collect::<Vec<_>>()
        };
        assert!(kinds(0, &fail).is_empty());
        assert_eq!(kinds(2, &fail), ["failing"]);
        assert!(kinds(3, &fail).is_empty());
        let ok = Outcome {
            ok: true,
            ..Outcome::default()
        };
        assert_eq!(kinds(5, &ok), ["recovered"]);
        assert!(kinds(1, &ok).is_empty());
    }

    #[test]
    fn permanent_redirect_needs_confirmation() {
        let target = Url::parse("https://new.example.ma/feed").unwrap();
        let moved = Outcome {
            ok: true,
            permanent_redirect: Some(target.clone()),
            ..Outcome::default()
        };
        let (first, events) = plan(&SourceState::default(), URL, &moved, intervals(), now());
        assert_eq!(first.fetch_url, None);
        assert_eq!(first.redirect_candidate.as_deref(), Some(target.as_str()));
        assert!(events.is_empty());
        let state = SourceState {
            redirect_candidate: first.redirect_candidate,
            ..SourceState::default()
        };
        let (second, events) = plan(&state, URL, &moved, intervals(), now());
        assert_eq!(second.fetch_url.as_deref(), Some(target.as_str()));
        assert_eq!(events[0].kind, "moved");
        // A plain success in between cancels the candidate.
        let ok = Outcome {
            ok: true,
            ..Outcome::default()
        };
        assert_eq!(
            plan(&state, URL, &ok, intervals(), now())
                .0
                .redirect_candidate,
            None
        );
    }

    #[test]
    fn gone_is_final() {
        let gone = Outcome {
            ok: false,
            status: Some(410),
            ..Outcome::default()
        };
        let (u, events) = plan(&SourceState::default(), URL, &gone, intervals(), now());
        assert!(u.gone);
        assert_eq!(events[0].kind, "gone");
    }
}
