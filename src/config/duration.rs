//! Durations as people write them in config files: `90s`, `15m`, `2h`,
//! `1d`, `1h30m`.

use std::time::Duration;

/// The shortest interval between two runs of a repeated job (a source's
/// fetches, `veille serve --refresh`): polling faster helps nobody.
pub const MIN_INTERVAL: Duration = Duration::from_secs(60);

/// The longest duration veille reads: longer than any retention or
/// schedule needs, and short enough that adding it to a date never
/// overflows (a "100000000d" would).
pub const MAX_DURATION: Duration = Duration::from_secs(36_500 * 86_400);

/// Why a text is not an interval.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IntervalError {
    /// A duration, but shorter than [`MIN_INTERVAL`].
    #[error("must be at least 1m")]
    TooShort,
    /// Not a duration at all, or longer than [`MAX_DURATION`].
    #[error("{0:?} is not a duration like \"30m\", \"2h\" or \"1d\" (at most 36500d)")]
    NotADuration(String),
}

/// Parses the interval of a repeated job: a duration of at least
/// [`MIN_INTERVAL`].
pub fn parse_interval(text: &str) -> Result<Duration, IntervalError> {
    match parse_duration(text) {
        Some(d) if d >= MIN_INTERVAL => Ok(d),
        Some(_) => Err(IntervalError::TooShort),
        None => Err(IntervalError::NotADuration(text.to_string())),
    }
}

/// Parses a duration; `None` when the text is not one, or is longer than
/// [`MAX_DURATION`].
pub fn parse_duration(text: &str) -> Option<Duration> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    let mut total: u64 = 0;
    let mut number = String::new();
    for c in text.chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let n: u64 = number.parse().ok()?;
        number.clear();
        let unit = match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            'w' => 7 * 86_400,
            _ => return None,
        };
        total = total.checked_add(n.checked_mul(unit)?)?;
    }
    if !number.is_empty() {
        return None;
    }
    Some(Duration::from_secs(total)).filter(|d| *d <= MAX_DURATION)
}

#[cfg(test)]
mod tests {
    use super::parse_duration;
    use std::time::Duration;

    #[test]
    fn forms() {
        assert_eq!(parse_duration("90s"), Some(Duration::from_secs(90)));
        assert_eq!(parse_duration("15m"), Some(Duration::from_secs(900)));
        assert_eq!(parse_duration("1h30m"), Some(Duration::from_secs(5400)));
        assert_eq!(parse_duration("1d"), Some(Duration::from_secs(86_400)));
        assert_eq!(parse_duration("30"), None);
        assert_eq!(parse_duration("soon"), None);
        assert_eq!(parse_duration("36500d"), Some(super::MAX_DURATION));
        assert_eq!(parse_duration("36501d"), None);
        assert_eq!(parse_duration("100000000d"), None);
    }
}
