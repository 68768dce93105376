//! `[retention]` and a source's own `max_age`: how long articles and run
//! history are kept (`veille prune`, and the daily prune of `veille run`).

use std::time::Duration;

use toml::Spanned;

use super::ConfigError;
use super::raw::{RawConfig, RawRetention};
use super::validate::Checker;

/// The shortest age a retention setting takes: a shorter one would prune
/// articles that feeds still list, and they would come back as new.
const MIN_AGE: Duration = Duration::from_secs(86_400);

/// Articles kept per source when `keep_per_source` is not set: more items
/// than most feeds list, so that pruning never removes an article its feed
/// still carries (it would be stored again as new at the next fetch).
pub const DEFAULT_KEEP_PER_SOURCE: u32 = 50;

/// Run history (`fetches`, `runs`, `source_events`) kept when
/// `keep_history` is not set.
const DEFAULT_KEEP_HISTORY: Duration = Duration::from_secs(90 * 86_400);

/// `[retention]`: what `veille prune` removes. An article goes when it is
/// older than its source's `max_age` (by date and by when veille first
/// stored it), is not among its source's newest `keep_per_source`, and,
/// with `keep_published`, is in no topic feed's current items.
#[derive(Debug, Clone, PartialEq)]
pub struct RetentionConfig {
    /// Articles older than this go, unless their source sets its own
    /// `max_age`; `None`: only sources with their own are pruned by age.
    pub max_age: Option<Duration>,
    /// The newest this many articles of each source always stay.
    pub keep_per_source: u32,
    /// Articles that a topic feed publishes now stay.
    pub keep_published: bool,
    /// Fetch, run and health-event history older than this goes.
    pub keep_history: Duration,
}

impl Checker<'_> {
    /// The `[retention]` table; `None` when it is absent and no source
    /// sets its own `max_age`.
    pub(super) fn retention(
        &self,
        raw: &RawConfig,
        any_source_age: bool,
    ) -> Result<Option<RetentionConfig>, ConfigError> {
        let Some(table) = &raw.retention else {
            return Ok(any_source_age.then_some(RetentionConfig {
                max_age: None,
                keep_per_source: DEFAULT_KEEP_PER_SOURCE,
                keep_published: true,
                keep_history: DEFAULT_KEEP_HISTORY,
            }));
        };
        let RawRetention {
            max_age,
            keep_per_source,
            keep_published,
            keep_history,
        } = table;
        Ok(Some(RetentionConfig {
            max_age: self.age(max_age.as_ref(), "retention.max_age")?,
            keep_per_source: match keep_per_source {
                None => DEFAULT_KEEP_PER_SOURCE,
                Some(n) => u32::try_from(*n.get_ref()).map_err(|_| {
                    self.invalid(
                        n.span(),
                        "retention.keep_per_source",
                        format!("must be 0 or more, got {}", n.get_ref()),
                    )
                })?,
            },
            keep_published: keep_published.unwrap_or(true),
            keep_history: self
                .age(keep_history.as_ref(), "retention.keep_history")?
                .unwrap_or(DEFAULT_KEEP_HISTORY),
        }))
    }

    /// An age of at least a day, like "90d" or "26w".
    pub(super) fn age(
        &self,
        value: Option<&Spanned<String>>,
        key: &str,
    ) -> Result<Option<Duration>, ConfigError> {
        let Some(value) = value else { return Ok(None) };
        match super::parse_duration(value.get_ref()) {
            Some(age) if age >= MIN_AGE => Ok(Some(age)),
            Some(_) => Err(self.invalid(
                value.span(),
                key,
                "must be at least 1d: younger articles may still be in their feed, and would come back as new",
            )),
            None => Err(self.invalid(
                value.span(),
                key,
                format!(
                    "{:?} is not an age like \"90d\" or \"26w\" (at most 36500d)",
                    value.get_ref()
                ),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::config::{Config, ConfigError};

    const BASE: &str = "[publish]\nbase_url = \"https://example.org/\"\n";

    fn load(extra: &str) -> Result<Config, ConfigError> {
        Config::from_toml(&format!("{BASE}{extra}"), Path::new("/tmp/config.toml"))
    }

    #[test]
    fn defaults_and_overrides() {
        let config = load("[retention]\nmax_age = \"90d\"\n").unwrap();
        let retention = config.retention.unwrap();
        assert_eq!(retention.max_age.map(|d| d.as_secs()), Some(90 * 86_400));
        assert_eq!(retention.keep_per_source, 50);
        assert!(retention.keep_published);
        assert_eq!(retention.keep_history.as_secs(), 90 * 86_400);
        assert!(load("").unwrap().retention.is_none());
        let own =
            load("[[source]]\nname = \"a\"\nurl = \"https://a.example/feed\"\nmax_age = \"7d\"\n")
                .unwrap();
        assert_eq!(
            own.sources[0].max_age.map(|d| d.as_secs()),
            Some(7 * 86_400)
        );
        assert_eq!(own.retention.and_then(|r| r.max_age), None);
    }

    #[test]
    fn errors_name_the_key() {
        for (text, key) in [
            ("[retention]\nmax_age = \"2h\"\n", "retention.max_age"),
            ("[retention]\nmax_age = \"soon\"\n", "retention.max_age"),
            (
                "[retention]\nkeep_per_source = -1\n",
                "retention.keep_per_source",
            ),
            (
                "[retention]\nkeep_history = \"1m\"\n",
                "retention.keep_history",
            ),
        ] {
            let error = load(text).unwrap_err().to_string();
            assert!(error.contains(key), "{text}: {error}");
        }
        // A source's own setting sets that source aside, with its key.
        let config =
            load("[[source]]\nname = \"a\"\nurl = \"https://a.example/feed\"\nmax_age = \"1h\"\n")
                .unwrap();
        assert!(config.sources.is_empty());
        assert!(
            config.skipped[0].contains("source[1].max_age"),
            "{:?}",
            config.skipped
        );
        let unknown = load("[retention]\nmax_size = \"1G\"\n")
            .unwrap_err()
            .to_string();
        assert!(unknown.contains("max_size"), "{unknown}");
    }
}
