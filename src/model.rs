//! Plain data shared between stages: the normalised [`Article`] that the
//! normaliser produces, the store keeps and the publisher renders.
//!
//! No I/O and no dependency on any stage module.

use chrono::{DateTime, Utc};

/// One article, normalised and ready to store.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Article {
    /// Identity within its source: `guid:…`, else `url:…` (canonical URL),
    /// else `hash:…` of title and date. Unique per source in the database.
    pub dedup_key: String,
    /// The feed's own id for the item, verbatim.
    pub guid: Option<String>,
    /// Canonical URL (tracking parameters and fragment removed).
    pub url: Option<String>,
    /// The link as published, made absolute.
    pub link: Option<String>,
    /// Plain-text title.
    pub title: String,
    /// Display name of the first author.
    pub author: Option<String>,
    /// Sanitised HTML summary.
    pub summary: Option<String>,
    /// Sanitised HTML body.
    pub content: Option<String>,
    /// Plain text of the body (else the summary), for search.
    pub content_text: String,
    /// When the item says it was published (`None` when unknown or unreadable).
    pub published_at: Option<DateTime<Utc>>,
    /// When the item says it was last updated.
    pub updated_at: Option<DateTime<Utc>>,
    /// Primary language subtag (`fr`, `en`, `ar`…), declared or detected.
    pub language: Option<String>,
    /// Categories, as given by the feed.
    pub categories: Vec<String>,
    /// Attached media.
    pub enclosures: Vec<Enclosure>,
    /// Story terms of the text (see `normalise::story_terms`), for finding
    /// the same story at other outlets; `None` for texts too short to tell.
    pub story_terms: Option<Vec<String>>,
    /// Hash of what the feed says about the item (title, link, summary and
    /// content as published); a change means the article was revised.
    pub content_hash: String,
    /// The outlet an aggregator's item names (RSS `<source>`): "Hespress
    /// FR" for a Google News item; `None` for an outlet's own feed.
    pub outlet: Option<String>,
    /// That outlet's site, as the item names it.
    pub outlet_url: Option<String>,
    /// The aggregator's link the item came with (a Google News article
    /// link), when `link` and `url` are, or will be, the outlet's own.
    pub aggregator_link: Option<String>,
}

/// An attached file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Enclosure {
    /// Absolute URL.
    pub url: String,
    /// MIME type, when declared.
    pub mime_type: Option<String>,
    /// Size in bytes, when declared.
    pub length: Option<u64>,
}

/// An article as read back from the store, with what the publisher needs
/// about its source.
#[derive(Debug, Clone)]
pub struct StoredArticle {
    /// Row id.
    pub id: i64,
    /// Stable public identifier (a UUID string), used as the published id.
    pub uid: String,
    /// Name of the source it came from.
    pub source_name: String,
    /// Feed URL of that source.
    pub source_url: String,
    /// The source's tags.
    pub source_tags: Vec<String>,
    /// When veille first saw it.
    pub first_seen_at: DateTime<Utc>,
    /// The date used for ordering: published date, unless missing or in the
    /// future, else first-seen.
    pub sort_at: DateTime<Utc>,
    /// The story cluster it belongs to (the same story at other outlets).
    pub cluster_id: Option<i64>,
    /// The article itself.
    pub article: Article,
}

impl StoredArticle {
    /// The outlet readers should see: the one an aggregator's item names
    /// ("Hespress FR" for a Google News item), else the source's name.
    pub fn outlet_name(&self) -> &str {
        self.article.outlet.as_deref().unwrap_or(&self.source_name)
    }

    /// That outlet's URL: the one the item names, else the source's feed.
    pub fn outlet_url(&self) -> &str {
        self.article
            .outlet_url
            .as_deref()
            .unwrap_or(&self.source_url)
    }
}

/// Formats a timestamp the way the schema stores it: `2026-02-05T10:00:00Z`.
pub fn rfc3339(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Formats a timestamp as RSS wants it (RFC 822). chrono's own formatter
/// panics on a year outside 0–9999, which an archive written before
/// veille read dates in a plausible range may hold: such a time is
/// clamped into that range.
pub fn rfc822(t: DateTime<Utc>) -> String {
    let first = chrono::NaiveDate::from_ymd_opt(0, 1, 1).and_then(|d| d.and_hms_opt(0, 0, 0));
    let last =
        chrono::NaiveDate::from_ymd_opt(9999, 12, 31).and_then(|d| d.and_hms_opt(23, 59, 59));
    let clamped = match (first, last) {
        (Some(first), _) if t.naive_utc() < first => first.and_utc(),
        (_, Some(last)) if t.naive_utc() > last => last.and_utc(),
        _ => t,
    };
    clamped.to_rfc2822()
}

/// Accepts `fr`, `ar`, `en-US`, `fr_FR`…; returns the lower-cased primary
/// subtag, or `None` when the text is not a language tag.
pub fn primary_language(text: &str) -> Option<String> {
    let primary = text.trim().split(['-', '_']).next()?.to_ascii_lowercase();
    let ok = (2..=3).contains(&primary.len()) && primary.chars().all(|c| c.is_ascii_lowercase());
    ok.then_some(primary)
}

/// The stable public id of an article: a UUID (version 8, "custom") made
/// from the SHA-256 of its source name and identity key. It never changes
/// when the title, link or content do, so readers never see duplicates.
pub fn article_uid(source_name: &str, dedup_key: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::new()
        .chain_update(source_name.as_bytes())
        .chain_update([0u8])
        .chain_update(dedup_key.as_bytes())
        .finalize();
    let mut b = [0u8; 16];
    b.copy_from_slice(&digest[..16]);
    b[6] = (b[6] & 0x0f) | 0x80; // version 8
    b[8] = (b[8] & 0x3f) | 0x80; // RFC 4122 variant
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// A short, stable hex fingerprint of `text` (SHA-256, first 16 bytes).
pub fn fingerprint(text: &str) -> String {
    use sha2::{Digest, Sha256};
    to_hex(
        Sha256::digest(text.as_bytes())
            .get(..16)
            .unwrap_or_default(),
    )
}

/// `bytes` in lower-case hex, two digits each (digests and fingerprints,
/// computed for every item of every fetch: no formatter call per byte).
pub fn to_hex(bytes: &[u8]) -> String {
    let mut hex = String::with_capacity(2 * bytes.len());
    for byte in bytes {
        for nibble in [byte >> 4, byte & 0xf] {
            hex.push(char::from_digit(u32::from(nibble), 16).unwrap_or('0'));
        }
    }
    hex
}

/// An output format of a topic feed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum OutputFormat {
    /// RSS 2.0, `rss.xml`.
    Rss,
    /// Atom 1.0, `atom.xml`.
    Atom,
    /// JSON Feed 1.1, `feed.json`.
    Json,
}

impl OutputFormat {
    /// The three formats.
    pub const ALL: [OutputFormat; 3] = [OutputFormat::Rss, OutputFormat::Atom, OutputFormat::Json];

    /// The file name in the feed's folder.
    pub fn file_name(self) -> &'static str {
        match self {
            OutputFormat::Rss => "rss.xml",
            OutputFormat::Atom => "atom.xml",
            OutputFormat::Json => "feed.json",
        }
    }

    /// The MIME type.
    pub fn mime_type(self) -> &'static str {
        match self {
            OutputFormat::Rss => "application/rss+xml",
            OutputFormat::Atom => "application/atom+xml",
            OutputFormat::Json => "application/feed+json",
        }
    }

    /// A short label for people.
    pub fn label(self) -> &'static str {
        match self {
            OutputFormat::Rss => "RSS",
            OutputFormat::Atom => "Atom",
            OutputFormat::Json => "JSON Feed",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::to_hex;

    #[test]
    fn hex_is_two_lower_case_digits_per_byte() {
        assert_eq!(to_hex(&[0x00, 0x0f, 0xa5, 0xff]), "000fa5ff");
        assert_eq!(to_hex(&[]), "");
        // The content hashes stored by earlier versions stay the same.
        assert_eq!(
            crate::normalise::hex_digest(&["abc"]),
            "dc1114cd074914bd872cc1f9a23ec910ea2203bc79779ab2e17da25782a624fc"
        );
    }
}

#[cfg(test)]
mod date_tests {
    use chrono::{NaiveDate, TimeZone, Utc};

    use super::rfc822;

    #[test]
    fn rss_dates_of_any_stored_year_are_written_without_panicking() {
        let at = |y| {
            NaiveDate::from_ymd_opt(y, 1, 1)
                .unwrap()
                .and_hms_opt(0, 0, 0)
                .unwrap()
                .and_utc()
        };
        assert_eq!(rfc822(at(10_000)), "Fri, 31 Dec 9999 23:59:59 +0000");
        assert_eq!(rfc822(at(-5000)), "Sat, 1 Jan 0000 00:00:00 +0000");
        assert_eq!(
            rfc822(Utc.with_ymd_and_hms(2026, 2, 5, 10, 0, 0).unwrap()),
            "Thu, 5 Feb 2026 10:00:00 +0000"
        );
    }
}
