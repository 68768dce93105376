//! Dates as news pages print them, in French, English and Arabic:
//! "5 février 2026", "February 5, 2026", "5 فبراير 2026", "٥ فبراير ٢٠٢٦"
//! (Arabic-Indic digits), "05/02/2026" (day first unless the source says
//! otherwise), "10h30", and relative forms: "il y a 3 heures",
//! "3 hours ago", "منذ 3 ساعات", "hier", "yesterday", "أمس".
//!
//! Pages rarely name a time zone; their times are read as UTC. Anything
//! unreadable is `None`, never a guess.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Utc};

use crate::normalise::normalise_text;

/// Month names after normalisation (lower case, accents and Arabic
/// diacritics removed, alef forms unified), with Moroccan and Levantine
/// spellings.
const MONTHS: &[(&str, u32)] = &[
    ("janvier", 1),
    ("janv", 1),
    ("january", 1),
    ("jan", 1),
    ("يناير", 1),
    ("جانفي", 1),
    ("fevrier", 2),
    ("fevr", 2),
    ("fev", 2),
    ("february", 2),
    ("feb", 2),
    ("فبراير", 2),
    ("فيفري", 2),
    ("mars", 3),
    ("march", 3),
    ("mar", 3),
    ("مارس", 3),
    ("avril", 4),
    ("avr", 4),
    ("april", 4),
    ("apr", 4),
    ("ابريل", 4),
    ("افريل", 4),
    ("mai", 5),
    ("may", 5),
    ("ماي", 5),
    ("مايو", 5),
    ("juin", 6),
    ("june", 6),
    ("jun", 6),
    ("يونيو", 6),
    ("يونيه", 6),
    ("جوان", 6),
    ("juillet", 7),
    ("juil", 7),
    ("july", 7),
    ("jul", 7),
    ("يوليو", 7),
    ("يوليوز", 7),
    ("جويليه", 7),
    ("aout", 8),
    ("august", 8),
    ("aug", 8),
    ("غشت", 8),
    ("اغسطس", 8),
    ("اوت", 8),
    ("septembre", 9),
    ("sept", 9),
    ("september", 9),
    ("sep", 9),
    ("سبتمبر", 9),
    ("شتنبر", 9),
    ("octobre", 10),
    ("oct", 10),
    ("october", 10),
    ("اكتوبر", 10),
    ("novembre", 11),
    ("nov", 11),
    ("november", 11),
    ("نوفمبر", 11),
    ("نونبر", 11),
    ("decembre", 12),
    ("dec", 12),
    ("december", 12),
    ("ديسمبر", 12),
    ("دجنبر", 12),
];

/// Arabic-Indic (U+0660–U+0669) and Eastern Arabic-Indic (U+06F0–U+06F9)
/// digits as ASCII.
fn ascii_digits(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\u{660}'..='\u{669}' => char::from(b'0' + (c as u32 - 0x660) as u8),
            '\u{6f0}'..='\u{6f9}' => char::from(b'0' + (c as u32 - 0x6f0) as u8),
            c => c,
        })
        .collect()
}

/// Parses a date printed on a page. `day_first` decides `05/02/2026`.
pub fn parse_page_date(raw: &str, day_first: bool, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let raw = raw.trim();
    if raw.is_empty() {
        return None;
    }
    if let Some(d) = crate::parse::date::parse_date(raw) {
        return Some(d);
    }
    let text = normalise_text(&ascii_digits(raw));
    relative(&text, now)
        .or_else(|| absolute(&text, day_first, now))
        .filter(|d| crate::parse::date::plausible(*d))
}

fn tokens(text: &str) -> Vec<&str> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .collect()
}

fn relative(text: &str, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let words = tokens(text);
    let has = |w: &str| words.contains(&w);
    if has("hier") || has("yesterday") || has("امس") || has("البارحه") {
        return Some(now - Duration::days(1));
    }
    let ago = text.contains("il y a") || has("ago") || has("منذ") || has("قبل");
    if !ago {
        if has("aujourd")
            || has("today")
            || has("اليوم")
            || text.contains("a l'instant")
            || text.contains("just now")
        {
            return Some(now);
        }
        return None;
    }
    let number = words.iter().find_map(|w| w.parse::<i64>().ok());
    // (unit words, minutes per unit, whether the word itself means two)
    const UNITS: &[(&[&str], i64, bool)] = &[
        (
            &["minute", "minutes", "min", "mins", "دقيقه", "دقائق"],
            1,
            false,
        ),
        (&["دقيقتين"], 1, true),
        (
            &[
                "heure",
                "heures",
                "h",
                "hour",
                "hours",
                "hr",
                "hrs",
                "ساعه",
                "ساعات",
            ],
            60,
            false,
        ),
        (&["ساعتين"], 60, true),
        (
            &["jour", "jours", "day", "days", "يوم", "ايام"],
            1440,
            false,
        ),
        (&["يومين"], 1440, true),
        (
            &["semaine", "semaines", "week", "weeks", "اسبوع", "اسابيع"],
            10_080,
            false,
        ),
        (&["اسبوعين"], 10_080, true),
        (&["mois", "month", "months", "شهر", "اشهر"], 43_200, false),
        (
            &[
                "seconde",
                "secondes",
                "second",
                "seconds",
                "sec",
                "ثانيه",
                "ثوان",
            ],
            0,
            false,
        ),
    ];
    for (names, minutes, dual) in UNITS {
        if words.iter().any(|w| names.contains(w)) {
            let n = if *dual { 2 } else { number.unwrap_or(1) };
            return Some(now - Duration::minutes(n.clamp(0, 100_000) * minutes));
        }
    }
    None
}

/// `10:30`, `10h30`, `10h` (French), `10.30`.
fn time_of(text: &str) -> NaiveTime {
    let bytes = text.as_bytes();
    for (i, w) in bytes.windows(3).enumerate() {
        if w[0].is_ascii_digit() && (w[1] == b':' || w[1] == b'h') && w[2].is_ascii_digit()
            || (w[0].is_ascii_digit() && w[1] == b'h')
        {
            let start = if i > 0 && bytes[i - 1].is_ascii_digit() {
                i - 1
            } else {
                i
            };
            let hour: u32 = text
                .get(start..=i)
                .and_then(|h| h.parse().ok())
                .unwrap_or(99);
            let minute: u32 = text
                .get(i + 2..i + 4)
                .and_then(|m| m.parse().ok())
                .unwrap_or(0);
            if let Some(t) = NaiveTime::from_hms_opt(hour, minute, 0) {
                return t;
            }
        }
    }
    NaiveTime::MIN
}

fn year_of(n: i32, digits: usize) -> i32 {
    if digits <= 2 { 2000 + n } else { n }
}

fn absolute(text: &str, day_first: bool, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let time = time_of(text);
    let at = |date: NaiveDate| Utc.from_utc_datetime(&date.and_time(time));
    // Numeric: 05/02/2026, 05-02-2026, 05.02.2026, 2026/02/05.
    for part in text.split_whitespace() {
        let pieces: Vec<&str> = part.split(['/', '-', '.']).collect();
        if let [a, b, c] = pieces.as_slice() {
            let n = |s: &str| s.parse::<i32>().ok();
            if let (Some(x), Some(y), Some(z)) = (n(a), n(b), n(c)) {
                let date = if a.len() == 4 {
                    NaiveDate::from_ymd_opt(x, y as u32, z as u32)
                } else {
                    let (day, month) = if day_first { (x, y) } else { (y, x) };
                    NaiveDate::from_ymd_opt(year_of(z, c.len()), month as u32, day as u32)
                };
                if let Some(d) = date {
                    return Some(at(d));
                }
            }
        }
    }
    // With a month name: "5 fevrier 2026", "february 5, 2026", "5 فبراير 2026".
    let words = tokens(text);
    let (index, month) = words.iter().enumerate().find_map(|(i, w)| {
        MONTHS
            .iter()
            .find(|(name, _)| name == w)
            .map(|(_, m)| (i, *m))
    })?;
    let number = |w: &&str| w.parse::<i32>().ok().map(|n| (n, w.len()));
    let day = words[..index]
        .iter()
        .rev()
        .take(2)
        .filter_map(number)
        .find(|(n, len)| (1..=31).contains(n) && *len <= 2)
        .or_else(|| {
            words
                .get(index + 1..)
                .unwrap_or_default()
                .iter()
                .take(1)
                .filter_map(number)
                .find(|(n, len)| (1..=31).contains(n) && *len <= 2)
        })
        .map(|(n, _)| n)?;
    let year = words
        .get(index + 1..)
        .unwrap_or_default()
        .iter()
        .take(3)
        .filter_map(number)
        .find(|(_, len)| *len == 4)
        .map(|(n, _)| n);
    let year = match year {
        Some(y) => y,
        // No year: this year, unless that would be in the future.
        None => {
            let this = NaiveDate::from_ymd_opt(now.year(), month, day as u32)?;
            if this > now.date_naive() {
                now.year() - 1
            } else {
                now.year()
            }
        }
    };
    NaiveDate::from_ymd_opt(year, month, day as u32).map(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 2, 10, 12, 0, 0).unwrap()
    }

    fn day(s: &str, day_first: bool) -> String {
        parse_page_date(s, day_first, now())
            .map(|d| d.format("%Y-%m-%d %H:%M").to_string())
            .unwrap_or_default()
    }

    #[test]
    fn french_english_arabic_month_names() {
        assert_eq!(day("5 février 2026", true), "2026-02-05 00:00");
        assert_eq!(
            day("Jeudi 5 Février 2026 à 10h30", true),
            "2026-02-05 10:30"
        );
        assert_eq!(day("February 5, 2026", true), "2026-02-05 00:00");
        assert_eq!(day("Feb 5, 2026 - 09:15", true), "2026-02-05 09:15");
        assert_eq!(day("5 فبراير 2026", true), "2026-02-05 00:00");
        assert_eq!(day("٥ فبراير ٢٠٢٦", true), "2026-02-05 00:00");
        assert_eq!(day("الخميس 5 أبريل 2025 - 14:05", true), "2025-04-05 14:05");
        assert_eq!(day("12 دجنبر 2025", true), "2025-12-12 00:00");
        assert_eq!(day("3 août 2025", true), "2025-08-03 00:00");
        assert_eq!(day("8 février", true), "2026-02-08 00:00");
        assert_eq!(
            day("20 décembre", true),
            "2025-12-20 00:00",
            "no year and in the future: last year"
        );
    }

    #[test]
    fn numeric_with_day_first_setting() {
        assert_eq!(day("05/02/2026", true), "2026-02-05 00:00");
        assert_eq!(day("05/02/2026", false), "2026-05-02 00:00");
        assert_eq!(day("05.02.2026 10:30", true), "2026-02-05 10:30");
        assert_eq!(day("2026/02/05", false), "2026-02-05 00:00");
        assert_eq!(day("2026-02-05T08:00:00+01:00", true), "2026-02-05 07:00");
    }

    #[test]
    fn relative_forms() {
        assert_eq!(day("il y a 3 heures", true), "2026-02-10 09:00");
        assert_eq!(day("3 hours ago", true), "2026-02-10 09:00");
        assert_eq!(day("منذ 3 ساعات", true), "2026-02-10 09:00");
        assert_eq!(day("منذ ساعتين", true), "2026-02-10 10:00");
        assert_eq!(day("منذ ٤٥ دقيقة", true), "2026-02-10 11:15");
        assert_eq!(day("il y a 2 jours", true), "2026-02-08 12:00");
        assert_eq!(day("hier", true), "2026-02-09 12:00");
        assert_eq!(day("yesterday", true), "2026-02-09 12:00");
        assert_eq!(day("an hour ago", true), "2026-02-10 11:00");
    }

    #[test]
    fn unreadable_is_none() {
        assert_eq!(day("bientôt", true), "");
        assert_eq!(day("", true), "");
        assert_eq!(day("32 février 2026", true), "");
    }
}
