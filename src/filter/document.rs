//! One article as queries see it, and the evaluation of a [`Query`] on it.
//! The store's index holds the same tokens (see [`Document::index_row`]),
//! so a lookup and this evaluation agree; tests check that they do.

use chrono::{DateTime, Utc};

use super::analyze::{Stemming, Token, analyze, surfaces};
use super::{Field, Query, Term, TermKind};
use crate::normalise::html_to_text;

/// What a document is built from: an article and its source.
#[derive(Debug, Clone, Copy, Default)]
pub struct DocumentFields<'a> {
    /// Plain-text title.
    pub title: &'a str,
    /// Plain text of the content (of the summary when there is no content).
    pub content_text: &'a str,
    /// The summary's HTML; its text is searched too when the article also
    /// has content (otherwise `content_text` already is the summary).
    pub summary_html: Option<&'a str>,
    /// Whether the article has content apart from its summary.
    pub has_content: bool,
    /// The article's language tag.
    pub language: Option<&'a str>,
    /// Author as stored.
    pub author: Option<&'a str>,
    /// Canonical URL (else the link).
    pub url: Option<&'a str>,
    /// The item's own categories.
    pub categories: &'a [String],
    /// The source's name.
    pub source_name: &'a str,
    /// The outlet an aggregator's item names, which `source:` matches too.
    pub outlet: Option<&'a str>,
    /// The source's tags.
    pub source_tags: &'a [String],
    /// The time the article is ordered by.
    pub sort_at: Option<DateTime<Utc>>,
}

/// The analysed article.
#[derive(Debug, Clone, Default)]
pub struct Document {
    title: Vec<Token>,
    /// Title, then content text, then summary text: what `text:` searches.
    body: Vec<Token>,
    author: Vec<Token>,
    url: Vec<Token>,
    categories: Vec<Token>,
    source: Vec<Token>,
    source_tags: Vec<Token>,
    language: Option<String>,
    sort_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    /// Original texts, for `/regex/` (`text:` tries the title, then the
    /// plain text of the content).
    title_text: String,
    text_text: String,
    author_text: String,
    url_text: String,
    source_text: String,
    tag_texts: Vec<String>,
}

/// The analysed text of an article, as the store indexes it: tokens joined
/// by spaces, one string per indexed field.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct IndexRow {
    /// Stems of the title.
    pub title: String,
    /// Stems of title, content and summary.
    pub body: String,
    /// Words of the author.
    pub author: String,
    /// Words of the URL.
    pub url: String,
    /// Words of the item's categories.
    pub categories: String,
    /// Primary language subtag, empty when unknown.
    pub lang: String,
}

/// A query term found in a document: what `--explain` and the published
/// categories show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    /// The term as the query has it (`regul*`, `title:maroc`).
    pub term: String,
    /// Where it was found: `title`, `text`, `source`, `tag`, `author`,
    /// `url`, `lang`.
    pub place: &'static str,
    /// The article's words that matched, as folded.
    pub words: Vec<String>,
}

fn surface_tokens(text: &str) -> Vec<Token> {
    surfaces(text)
        .into_iter()
        .map(|s| Token {
            stem: s.clone(),
            surface: s,
        })
        .collect()
}

/// The `url` column of an index row for this URL, as [`Document::index_row`]
/// writes it: for an article whose link changes after it was indexed (an
/// aggregator's link resolved at a later run).
pub fn url_index_text(url: &str) -> String {
    surfaces(url).join(" ")
}

/// Whether `leaf` (a `source:` or `tag:` term) matches a source of this
/// name and these tags: how the store resolves such terms to source ids
/// before it asks the index. Such terms never read the clock, so the
/// document's "now" is left at the epoch.
pub fn source_matches(leaf: &Query, name: &str, tags: &[String]) -> bool {
    Document::new(
        DocumentFields {
            source_name: name,
            source_tags: tags,
            ..DocumentFields::default()
        },
        DateTime::<Utc>::UNIX_EPOCH,
    )
    .matches(leaf)
}

impl Document {
    /// The document of an article as stored (with its source's name and
    /// tags), as topic feeds and searches evaluate it.
    pub fn of_stored(stored: &crate::model::StoredArticle, now: DateTime<Utc>) -> Document {
        let a = &stored.article;
        Document::new(
            DocumentFields {
                title: &a.title,
                content_text: &a.content_text,
                summary_html: a.summary.as_deref(),
                has_content: a.content.is_some(),
                language: a.language.as_deref(),
                author: a.author.as_deref(),
                url: a.url.as_deref().or(a.link.as_deref()),
                categories: &a.categories,
                source_name: &stored.source_name,
                outlet: a.outlet.as_deref(),
                source_tags: &stored.source_tags,
                sort_at: Some(stored.sort_at),
            },
            now,
        )
    }

    /// Analyses an article; `now` is the moment `since:7d` counts from.
    pub fn new(fields: DocumentFields<'_>, now: DateTime<Utc>) -> Document {
        let stemming = Stemming::for_language(fields.language);
        let title = analyze(fields.title, stemming);
        let mut body = title.clone();
        body.extend(analyze(fields.content_text, stemming));
        if fields.has_content
            && let Some(summary) = fields.summary_html
        {
            body.extend(analyze(&html_to_text(summary), stemming));
        }
        let categories = surface_tokens(&fields.categories.join(" "));
        Document {
            title,
            body,
            author: surface_tokens(fields.author.unwrap_or_default()),
            url: surface_tokens(fields.url.unwrap_or_default()),
            categories,
            source: match fields.outlet {
                Some(outlet) => surface_tokens(&format!("{} {outlet}", fields.source_name)),
                None => surface_tokens(fields.source_name),
            },
            source_tags: surface_tokens(&fields.source_tags.join(" ")),
            language: fields
                .language
                .and_then(|l| l.split(['-', '_']).next())
                .map(str::to_ascii_lowercase),
            sort_at: fields.sort_at,
            now,
            title_text: fields.title.to_string(),
            text_text: fields.content_text.to_string(),
            author_text: fields.author.unwrap_or_default().to_string(),
            url_text: fields.url.unwrap_or_default().to_string(),
            source_text: match fields.outlet {
                Some(outlet) => format!("{}\n{outlet}", fields.source_name),
                None => fields.source_name.to_string(),
            },
            tag_texts: fields
                .source_tags
                .iter()
                .chain(fields.categories)
                .cloned()
                .collect(),
        }
    }

    /// The document's index row.
    pub fn index_row(&self) -> IndexRow {
        let join_stems = |ts: &[Token]| {
            ts.iter()
                .map(|t| t.stem.as_str())
                .collect::<Vec<_>>()
                .join(" ")
        };
        IndexRow {
            title: join_stems(&self.title),
            body: join_stems(&self.body),
            author: join_stems(&self.author),
            url: join_stems(&self.url),
            categories: join_stems(&self.categories),
            lang: self.language.clone().unwrap_or_default(),
        }
    }

    /// The (word, stem) pairs of this document whose stem differs from the
    /// word: the vocabulary prefix queries expand through.
    pub fn stemmed_words(&self) -> impl Iterator<Item = (&str, &str)> {
        self.body
            .iter()
            .filter(|t| t.surface != t.stem)
            .map(|t| (t.surface.as_str(), t.stem.as_str()))
    }

    /// Whether the document matches `query`.
    pub fn matches(&self, query: &Query) -> bool {
        match query {
            Query::Term(term) => !self.term_spans(term).is_empty(),
            Query::Near {
                left,
                right,
                distance,
            } => !self.near_spans(left, right, *distance).is_empty(),
            Query::Regex(p) => self.regex_texts(p.field).any(|t| p.regex.is_match(t)),
            Query::Lang(code) => self.language.as_deref() == Some(code.as_str()),
            Query::Since(b) => self.sort_at.is_some_and(|t| t >= b.instant(self.now)),
            Query::Before(b) => self.sort_at.is_some_and(|t| t < b.instant(self.now)),
            Query::And(qs) => qs.iter().all(|q| self.matches(q)),
            Query::Or(qs) => qs.iter().any(|q| self.matches(q)),
            Query::Not(q) => !self.matches(q),
        }
    }

    /// The terms of `query` found in this document, outside `NOT`s, in
    /// query order, with where and as which words.
    pub fn hits(&self, query: &Query) -> Vec<Hit> {
        let mut out = Vec::new();
        self.collect_hits(query, &mut out);
        out
    }

    fn collect_hits(&self, query: &Query, out: &mut Vec<Hit>) {
        match query {
            Query::And(qs) | Query::Or(qs) => {
                for q in qs {
                    self.collect_hits(q, out);
                }
            }
            Query::Not(_) | Query::Since(_) | Query::Before(_) => {}
            Query::Lang(code) => {
                if self.matches(query) {
                    out.push(Hit {
                        term: format!("lang:{code}"),
                        place: "lang",
                        words: vec![code.clone()],
                    });
                }
            }
            Query::Regex(p) => {
                let found: Vec<String> = self
                    .regex_texts(p.field)
                    .filter_map(|t| p.regex.find(t).map(|m| m.as_str().to_string()))
                    .collect();
                if !found.is_empty() {
                    out.push(Hit {
                        term: labelled(p.field, &format!("/{}/", p.source)),
                        place: p.field.name(),
                        words: found,
                    });
                }
            }
            Query::Term(term) => {
                let spans = self.term_spans(term);
                self.push_spans(term.field, labelled(term.field, &term.text), &spans, out);
            }
            Query::Near {
                left,
                right,
                distance,
            } => {
                let spans = self.near_spans(left, right, *distance);
                let label = format!("{} NEAR/{distance} {}", left.text, right.text);
                self.push_spans(left.field, labelled(left.field, &label), &spans, out);
            }
        }
    }

    fn push_spans(&self, field: Field, term: String, spans: &[Span], out: &mut Vec<Hit>) {
        // Group by place (a text: term may be found in the title and the
        // body), keeping the query order.
        for span in spans {
            let place = match (field, span.list) {
                (Field::Text, List::Primary) if span.start < self.title.len() => "title",
                (Field::Tag, List::SourceTags) => "source tag",
                _ => field.name(),
            };
            let tokens = self.tokens(field, span.list);
            let words = tokens
                .get(span.start..span.end)
                .unwrap_or_default()
                .iter()
                .map(|t| t.surface.clone())
                .collect::<Vec<_>>()
                .join(" ");
            match out.iter_mut().find(|h| h.term == term && h.place == place) {
                Some(hit) => {
                    if !hit.words.contains(&words) {
                        hit.words.push(words);
                    }
                }
                None => out.push(Hit {
                    term: term.clone(),
                    place,
                    words: vec![words],
                }),
            }
        }
    }

    fn tokens(&self, field: Field, list: List) -> &[Token] {
        match (field, list) {
            (Field::Text, _) => &self.body,
            (Field::Title, _) => &self.title,
            (Field::Author, _) => &self.author,
            (Field::Url, _) => &self.url,
            (Field::Source, _) => &self.source,
            (Field::Tag, List::Primary) => &self.categories,
            (Field::Tag, List::SourceTags) => &self.source_tags,
        }
    }

    fn lists(field: Field) -> &'static [List] {
        match field {
            Field::Tag => &[List::Primary, List::SourceTags],
            _ => &[List::Primary],
        }
    }

    fn term_spans(&self, term: &Term) -> Vec<Span> {
        let mut out = Vec::new();
        for &list in Self::lists(term.field) {
            let tokens = self.tokens(term.field, list);
            for (start, end) in term_spans_in(tokens, &term.kind) {
                out.push(Span { list, start, end });
            }
        }
        out
    }

    fn near_spans(&self, left: &Term, right: &Term, distance: u32) -> Vec<Span> {
        let mut out = Vec::new();
        for &list in Self::lists(left.field) {
            let tokens = self.tokens(left.field, list);
            let lefts = term_spans_in(tokens, &left.kind);
            let rights = term_spans_in(tokens, &right.kind);
            for &(ls, le) in &lefts {
                for &(rs, re) in &rights {
                    let gap = if ls <= rs {
                        rs as i64 - le as i64
                    } else {
                        ls as i64 - re as i64
                    };
                    if gap <= i64::from(distance) {
                        out.push(Span {
                            list,
                            start: ls.min(rs),
                            end: le.max(re),
                        });
                    }
                }
            }
        }
        out
    }

    fn regex_texts(&self, field: Field) -> Box<dyn Iterator<Item = &str> + '_> {
        match field {
            Field::Text => {
                Box::new([self.title_text.as_str(), self.text_text.as_str()].into_iter())
            }
            Field::Title => Box::new(std::iter::once(self.title_text.as_str())),
            Field::Author => Box::new(std::iter::once(self.author_text.as_str())),
            Field::Url => Box::new(std::iter::once(self.url_text.as_str())),
            Field::Source => Box::new(std::iter::once(self.source_text.as_str())),
            Field::Tag => Box::new(self.tag_texts.iter().map(String::as_str)),
        }
    }
}

/// Where one facet of a query (one group of a top-level AND) matched a
/// document: what relevance scores and topic models are built from.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FacetMatch {
    /// Token positions in the body (the title's tokens come first) where a
    /// term of the facet starts, sorted.
    pub positions: Vec<usize>,
    /// The distinct stems that matched, as the index holds them.
    pub stems: Vec<String>,
    /// A `tag:` or `source:` term matched: the outlet itself says so.
    pub by_source: bool,
}

impl Document {
    /// Tokens of the title (the body starts with them).
    pub fn title_len(&self) -> usize {
        self.title.len()
    }

    /// The analysed body: title, content, then summary.
    pub fn body_tokens(&self) -> &[Token] {
        &self.body
    }

    /// The primary language subtag, when known.
    pub fn language(&self) -> Option<&str> {
        self.language.as_deref()
    }

    /// The source's tags, folded.
    pub fn source_tag_words(&self) -> impl Iterator<Item = &str> {
        self.source_tags.iter().map(|t| t.surface.as_str())
    }

    /// Where the terms of `facet` (outside its `NOT`s) matched.
    pub fn facet_match(&self, facet: &Query) -> FacetMatch {
        let mut out = FacetMatch::default();
        self.collect_facet(facet, &mut out);
        out.positions.sort_unstable();
        out.positions.dedup();
        out
    }

    fn collect_facet(&self, query: &Query, out: &mut FacetMatch) {
        match query {
            Query::And(qs) | Query::Or(qs) => {
                for q in qs {
                    self.collect_facet(q, out);
                }
            }
            Query::Term(term) => match term.field {
                Field::Text | Field::Title => {
                    for span in self.term_spans(term) {
                        self.push_span(span.start, span.end, out);
                    }
                }
                Field::Tag | Field::Source => out.by_source |= !self.term_spans(term).is_empty(),
                Field::Author | Field::Url => {}
            },
            Query::Near {
                left,
                right,
                distance,
            } if left.field.is_stemmed() => {
                for span in self.near_spans(left, right, *distance) {
                    self.push_span(span.start, span.end, out);
                }
            }
            Query::Regex(p) if matches!(p.field, Field::Text | Field::Title) => {
                if p.regex.is_match(&self.title_text) {
                    out.positions.push(0);
                } else if p.field == Field::Text && p.regex.is_match(&self.text_text) {
                    out.positions.push(self.title.len());
                }
            }
            _ => {}
        }
    }

    fn push_span(&self, start: usize, end: usize, out: &mut FacetMatch) {
        out.positions.push(start);
        for token in self.body.get(start..end).unwrap_or_default() {
            if !out.stems.contains(&token.stem) {
                out.stems.push(token.stem.clone());
            }
        }
    }
}

/// Which token list of a field a span is in (tags have two).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum List {
    Primary,
    SourceTags,
}

#[derive(Debug, Clone, Copy)]
struct Span {
    list: List,
    start: usize,
    end: usize,
}

fn labelled(field: Field, text: &str) -> String {
    match field {
        Field::Text => text.to_string(),
        other => format!("{}:{text}", other.name()),
    }
}

/// The (start, end) token ranges where `kind` matches in `tokens`.
fn term_spans_in(tokens: &[Token], kind: &TermKind) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    match kind {
        TermKind::Phrase(readings) => {
            for reading in readings {
                if reading.is_empty() || reading.len() > tokens.len() {
                    continue;
                }
                for (start, window) in tokens.windows(reading.len()).enumerate() {
                    if window.iter().zip(reading).all(|(t, s)| t.stem == *s) {
                        let span = (start, start + reading.len());
                        if !out.contains(&span) {
                            out.push(span);
                        }
                    }
                }
            }
            out.sort_unstable();
        }
        TermKind::Prefix { prefix, expansion } => {
            for (i, t) in tokens.iter().enumerate() {
                if t.surface.starts_with(prefix.as_str())
                    || t.stem.starts_with(prefix.as_str())
                    || expansion.contains(&t.stem)
                {
                    out.push((i, i + 1));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::{Document, DocumentFields, url_index_text};
    use crate::filter::Query;

    fn doc(title: &str, text: &str, language: &str) -> Document {
        let categories = vec!["Intelligence artificielle".to_string()];
        let tags = vec!["morocco".to_string()];
        Document::new(
            DocumentFields {
                title,
                content_text: text,
                language: Some(language),
                author: Some("Amina El Idrissi"),
                url: Some("https://www.hespress.com/tech/ia-123.html"),
                categories: &categories,
                source_name: "Hespress FR",
                source_tags: &tags,
                sort_at: Some(Utc.with_ymd_and_hms(2026, 11, 20, 8, 0, 0).unwrap()),
                ..DocumentFields::default()
            },
            Utc.with_ymd_and_hms(2026, 11, 28, 0, 0, 0).unwrap(),
        )
    }

    fn matches(query: &str, d: &Document) -> bool {
        Query::parse(query).unwrap().matches(d)
    }

    #[test]
    fn a_urls_index_text_is_the_one_its_stored_article_indexes() {
        // After a late resolution the stored article has the outlet's
        // canonical URL and link, where its index row had Google's words.
        let stored = crate::model::StoredArticle {
            id: 1,
            uid: "u".into(),
            source_name: "Google News Maroc".into(),
            source_url: "https://news.google.com/rss/search?q=maroc".into(),
            source_tags: Vec::new(),
            first_seen_at: Utc::now(),
            sort_at: Utc::now(),
            cluster_id: None,
            article: crate::model::Article {
                title: "Brève".into(),
                url: Some("https://le360.ma/breve-12".into()),
                link: Some("https://le360.ma/breve-12?utm_source=gn".into()),
                ..crate::model::Article::default()
            },
        };
        let indexed = Document::of_stored(&stored, Utc::now()).index_row().url;
        assert_eq!(url_index_text("https://le360.ma/breve-12"), indexed);
        assert!(!indexed.contains("utm"), "{indexed}");
    }

    #[test]
    fn boolean_structure() {
        let q =
            r#"(maroc OR morocco OR المغرب) ("intelligence artificielle" OR IA OR ai) -football"#;
        assert!(matches(
            q,
            &doc(
                "Le Maroc présente sa stratégie d'intelligence artificielle",
                "",
                "fr"
            )
        ));
        assert!(matches(
            q,
            &doc("Morocco launches an AI governance council", "", "en")
        ));
        assert!(matches(q, &doc("المغرب يطلق استراتيجية AI", "", "ar")));
        assert!(!matches(
            q,
            &doc("Morocco football: IA fans celebrate", "", "en")
        ));
        assert!(!matches(q, &doc("L'Europe adopte l'AI Act", "", "fr")));
        assert!(!matches(
            q,
            &doc("Maroc : la MAIA organise un salon", "", "fr")
        ));
    }

    #[test]
    fn stems_phrases_and_prefixes() {
        let d = doc(
            "Les régulations de l'intelligence artificielle au Maroc",
            "بالذكاء الاصطناعي",
            "fr",
        );
        assert!(matches("regulation", &d));
        assert!(matches("\"intelligences artificielles\"", &d));
        assert!(matches("ذكاء", &d));
        assert!(matches("régul*", &d));
        assert!(!matches("irrégul*", &d));
        assert!(matches("regulations NEAR/3 artificielle", &d));
        assert!(!matches("regulations NEAR/1 maroc", &d));
        assert!(matches("maroc NEAR/1 artificielle", &d));
        // One-letter proclitics: the query word finds its prefixed forms.
        let d = doc(
            "برلمانيون يطالبون بهيئة وطنية لضبط الذكاء الاصطناعي",
            "",
            "ar",
        );
        assert!(matches("هيئة", &d));
        assert!(matches("ضبط", &d));
        assert!(matches("\"هيئة وطنية\"", &d));
        assert!(!matches("وطن", &d));
    }

    #[test]
    fn fields() {
        let d = doc(
            "Maroc : une stratégie",
            "Le texte parle de gouvernance.",
            "fr-MA",
        );
        assert!(matches("title:maroc", &d));
        assert!(!matches("title:gouvernance", &d));
        assert!(matches("text:gouvernance", &d));
        assert!(matches("source:hespress", &d));
        assert!(matches("source:\"hespress fr\"", &d));
        assert!(!matches("source:lematin", &d));
        assert!(matches("tag:morocco", &d));
        assert!(matches("tag:\"intelligence artificielle\"", &d));
        assert!(matches("lang:fr", &d));
        assert!(!matches("lang:en", &d));
        assert!(matches("author:idrissi", &d));
        assert!(matches("url:hespress", &d));
        assert!(matches("url:\"hespress com\"", &d));
        assert!(matches("since:10d", &d));
        assert!(!matches("since:7d", &d));
        assert!(matches("before:2026-11-21", &d));
        assert!(!matches("before:2026-11-20", &d));
        assert!(matches(r"/strat[ée]gie/", &d));
        assert!(!matches(r"title:/gouvernance/", &d));
        assert!(matches(r"tag:/^moro/", &d));
    }

    #[test]
    fn hits_say_where() {
        let d = doc(
            "Maroc : la régulation",
            "La régulation avance au Maroc.",
            "fr",
        );
        let q = Query::parse("regulation maroc -football title:maroc").unwrap();
        let hits = d.hits(&q);
        let places: Vec<(String, &str)> = hits.iter().map(|h| (h.term.clone(), h.place)).collect();
        assert_eq!(
            places,
            [
                ("regulation".to_string(), "title"),
                ("regulation".to_string(), "text"),
                ("maroc".to_string(), "title"),
                ("maroc".to_string(), "text"),
                ("title:maroc".to_string(), "title"),
            ]
        );
        assert_eq!(hits[0].words, ["regulation"]);
        assert_eq!(q.matched_terms(&d), ["regulation", "maroc", "title:maroc"]);
    }
}
