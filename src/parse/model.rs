//! The format-neutral feed model every adapter produces.
//!
//! It mirrors what `veille parse --json` prints (the shared corpus checker
//! reads that shape): titles are plain text, summary and content are HTML as
//! found, dates are UTC, and every missing value is `None`.
//!
//! Summary and content, most of a feed's bytes, borrow from the document
//! text when they are a span of it (a CDATA section, a run of text without
//! entities): reading a feed then copies little more than its titles and
//! links. [`ParsedFeed::into_owned`] detaches a feed from its text.

use std::borrow::Cow;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::FeedFormat;

/// A parsed feed, borrowing from the document text `'a`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ParsedFeed<'a> {
    /// Which format the document was.
    #[serde(skip)]
    pub format: Option<FeedFormat>,
    /// RSS `channel/title`, Atom `feed/title`, JSON `title` (plain text).
    pub title: Option<String>,
    /// RSS `channel/link`, Atom `link[rel=alternate]`, JSON `home_page_url`.
    pub link: Option<String>,
    /// RSS `description`, Atom `subtitle`, JSON `description`.
    pub description: Option<String>,
    /// RSS `language` / `dc:language`, Atom `xml:lang`, JSON `language`.
    pub language: Option<String>,
    /// RSS `lastBuildDate`/`pubDate`/`dc:date`, Atom `updated`.
    pub updated: Option<DateTime<Utc>>,
    /// RSS `managingEditor`/`dc:creator`, Atom `author`, JSON `authors`.
    pub authors: Vec<Person>,
    /// RSS `ttl` in minutes: the publisher's hint of how often to poll.
    #[serde(skip)]
    pub ttl_minutes: Option<u32>,
    /// `sy:updatePeriod` / `sy:updateFrequency`, in seconds between updates.
    #[serde(skip)]
    pub update_every_secs: Option<u64>,
    /// The entries, in document order.
    pub items: Vec<ParsedItem<'a>>,
    /// Why the document was not well-formed, when veille had to recover
    /// (undefined entity, bare `&`, truncation…). The feed is still usable.
    #[serde(skip)]
    pub malformed: Option<String>,
    /// The WebSub hub and topic (self) URL the feed advertises, when it
    /// names both.
    #[serde(skip)]
    pub websub: Option<WebSubLinks>,
}

/// Where to subscribe for pushes of a feed (WebSub discovery).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebSubLinks {
    /// The hub: `link rel="hub"`.
    pub hub: String,
    /// The topic: the feed's `link rel="self"`.
    pub topic: String,
}

/// One entry.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ParsedItem<'a> {
    /// RSS `guid`, Atom `id`, JSON `id`.
    pub id: Option<String>,
    /// Plain text, entities decoded, markup removed.
    pub title: Option<String>,
    /// RSS `link` (else a permalink `guid`), Atom `link[rel=alternate]`, JSON `url`.
    pub link: Option<String>,
    /// RSS `description`, Atom `summary`, JSON `summary` (HTML).
    pub summary: Option<Cow<'a, str>>,
    /// RSS `content:encoded`, Atom `content`, JSON `content_html`/`content_text` (HTML).
    pub content: Option<Cow<'a, str>>,
    /// RSS `pubDate`/`dc:date`, Atom `published`, JSON `date_published`.
    pub published: Option<DateTime<Utc>>,
    /// Atom `updated`, JSON `date_modified`.
    pub updated: Option<DateTime<Utc>>,
    /// RSS `author`/`dc:creator`, Atom `author`, JSON `authors`.
    pub authors: Vec<Person>,
    /// RSS `category`/`dc:subject`, Atom `category@term`, JSON `tags`.
    pub categories: Vec<String>,
    /// RSS `enclosure`, Atom `link[rel=enclosure]`, JSON `attachments`.
    pub enclosures: Vec<Enclosure>,
    /// Item-level language when declared and unlike the feed's (Atom
    /// `xml:lang`, JSON `language`); `None` means the feed's.
    #[serde(skip)]
    pub language: Option<String>,
    /// RSS `<source url="…">Name</source>`: the outlet an aggregator's
    /// item (Google News, Bing News) comes from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<ItemSource>,
}

/// The outlet an item names (RSS `<source>`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ItemSource {
    /// The outlet's name, as the element's text.
    pub name: String,
    /// The element's `url`: the outlet's site or feed.
    pub url: Option<String>,
}

impl ParsedFeed<'_> {
    /// The same feed, owning all its text (to outlive the document).
    pub fn into_owned(self) -> ParsedFeed<'static> {
        ParsedFeed {
            items: self.items.into_iter().map(ParsedItem::into_owned).collect(),
            format: self.format,
            title: self.title,
            link: self.link,
            description: self.description,
            language: self.language,
            updated: self.updated,
            authors: self.authors,
            ttl_minutes: self.ttl_minutes,
            update_every_secs: self.update_every_secs,
            malformed: self.malformed,
            websub: self.websub,
        }
    }
}

impl ParsedItem<'_> {
    /// The same item, owning all its text.
    pub fn into_owned(self) -> ParsedItem<'static> {
        let own = |text: Option<Cow<'_, str>>| text.map(|t| Cow::Owned(t.into_owned()));
        ParsedItem {
            summary: own(self.summary),
            content: own(self.content),
            id: self.id,
            title: self.title,
            link: self.link,
            published: self.published,
            updated: self.updated,
            authors: self.authors,
            categories: self.categories,
            enclosures: self.enclosures,
            language: self.language,
            source: self.source,
        }
    }
}

/// A person (author or contributor).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Person {
    /// Display name.
    pub name: Option<String>,
    /// E-mail address.
    pub email: Option<String>,
    /// Home page.
    pub uri: Option<String>,
}

/// An attached file (podcast audio, image…).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Enclosure {
    /// Where the file is.
    pub url: String,
    /// MIME type, as declared.
    #[serde(rename = "type")]
    pub mime_type: Option<String>,
    /// Size in bytes, as declared.
    pub length: Option<u64>,
}

impl Person {
    /// Reads the common free-text forms: `email (Name)`, `Name <email>`,
    /// a bare e-mail or a bare name.
    pub fn from_text(text: &str) -> Option<Person> {
        let text = text.trim();
        if text.is_empty() {
            return None;
        }
        if let (Some(open), true) = (text.find('('), text.ends_with(')')) {
            let email = text[..open].trim();
            let name = text[open + 1..text.len() - 1].trim();
            if email.contains('@') {
                return Some(Person {
                    name: non_empty(name),
                    email: non_empty(email),
                    uri: None,
                });
            }
            if name.contains('@') && !name.contains(' ') {
                // "Name (email)", the other way round.
                return Some(Person {
                    name: non_empty(email),
                    email: non_empty(name),
                    uri: None,
                });
            }
        }
        if let (Some(open), true) = (text.find('<'), text.ends_with('>')) {
            let name = text[..open].trim();
            let email = text[open + 1..text.len() - 1].trim();
            return Some(Person {
                name: non_empty(name),
                email: non_empty(email),
                uri: None,
            });
        }
        if text.contains('@') && !text.contains(' ') {
            return Some(Person {
                name: None,
                email: Some(text.to_string()),
                uri: None,
            });
        }
        Some(Person {
            name: Some(text.to_string()),
            email: None,
            uri: None,
        })
    }

    /// The best single string for display: the name, else the e-mail.
    pub fn display(&self) -> Option<&str> {
        self.name.as_deref().or(self.email.as_deref())
    }
}

pub(super) fn non_empty(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_string())
}

#[cfg(test)]
mod tests {
    use super::Person;

    #[test]
    fn person_forms() {
        let p = Person::from_text("jane@example.org (Jane Doe)").unwrap();
        assert_eq!(p.name.as_deref(), Some("Jane Doe"));
        assert_eq!(p.email.as_deref(), Some("jane@example.org"));
        let p = Person::from_text("Jane Doe <jane@example.org>").unwrap();
        assert_eq!(p.name.as_deref(), Some("Jane Doe"));
        assert_eq!(p.email.as_deref(), Some("jane@example.org"));
        let p = Person::from_text("Example editor (me@example.com)").unwrap();
        assert_eq!(p.name.as_deref(), Some("Example editor"));
        assert_eq!(p.email.as_deref(), Some("me@example.com"));
        let p = Person::from_text("Rédaction").unwrap();
        assert_eq!(p.name.as_deref(), Some("Rédaction"));
        assert!(Person::from_text("  ").is_none());
    }
}
