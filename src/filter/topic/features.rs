//! What a topic model sees of an article: veille's own analysis of it,
//! as named features with values from 0 to 1.
//!
//! - stems of the title (`t:`), of the lede (`l:`) and of the whole text
//!   (`b:`), in the article's language (stemmed as the index stems them);
//! - adjacent stem pairs of the title and lede (`p:`), which tell "projet
//!   de loi" from "loi" and "Amnesty International" from "international";
//! - for each facet of the query: where it matched first (`f1@title`,
//!   `f1@lede`, `f1@body`, `f1@none`), whether the outlet answers it
//!   (`f1@source`) and how often it is named (`f1#`);
//! - the score parts that do not depend on the archive (placement,
//!   proximity, breadth, salience, prior);
//! - the language (`lang:fr`) and the outlet's tags (`tag:maroc`).

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};

use super::examples::Example;
use crate::filter::document::{Document, DocumentFields, FacetMatch};
use crate::filter::score::{self, LEDE_TOKENS, ScoreParts};
use crate::filter::{Query, Token, places};

/// An article's features: sorted by name, no name twice.
pub type Features = Vec<(String, f64)>;

/// The features of `doc` for `query`.
pub fn features(query: &Query, doc: &Document) -> Features {
    let matches = score::facet_matches(query, doc);
    // Specificity needs the archive's statistics, which fitting has not:
    // leave it out so a model sees the same thing when fitted and used.
    let parts = score::score(doc, &matches, &|_| None);
    from_analysis(doc, &matches, &parts)
}

/// The features of an analysed document whose facets matched as `matches`,
/// sorted by name.
pub fn from_analysis(doc: &Document, matches: &[FacetMatch], parts: &ScoreParts) -> Features {
    let mut out: Features = Vec::new();
    visit(doc, matches, parts, &mut |name, value| {
        out.push((name.to_string(), value));
    });
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// Calls `emit` once per feature of the document, each name once, without
/// collecting them: applying a model to many candidates then builds no
/// feature list (it looks each name up as it comes).
pub fn visit(
    doc: &Document,
    matches: &[FacetMatch],
    parts: &ScoreParts,
    emit: &mut dyn FnMut(&str, f64),
) {
    let mut out = Emitter {
        name: String::with_capacity(64),
        emit,
    };
    let tokens = doc.body_tokens();
    let title_len = doc.title_len();
    let lede_end = (title_len + LEDE_TOKENS).min(tokens.len());
    let title = tokens.get(..title_len).unwrap_or_default();
    let lede = tokens.get(title_len..lede_end).unwrap_or_default();
    word_features(&mut out, title, lede, tokens);
    let matched: Vec<usize> = matches
        .iter()
        .flat_map(|m| m.positions.iter().copied())
        .collect();
    let countries = places::country_positions(tokens, &matched);
    if countries.iter().any(|&c| c < title_len) {
        out.named(format_args!("country@title"), 1.0);
    }
    if countries
        .iter()
        .any(|&c| c >= title_len && c < title_len + LEDE_TOKENS)
    {
        out.named(format_args!("country@lede"), 1.0);
    }
    for (i, m) in matches.iter().enumerate() {
        facet_features(&mut out, i + 1, m, tokens, &countries, title_len);
    }
    for (part, value) in parts.named() {
        if part != "specificity" {
            out.named(format_args!("score:{part}"), value);
        }
    }
    if let Some(lang) = doc.language() {
        out.named(format_args!("lang:{lang}"), 1.0);
    }
    let tags: BTreeSet<&str> = doc.source_tag_words().collect();
    for tag in tags {
        out.named(format_args!("tag:{tag}"), 1.0);
    }
}

/// Hands features to the model by name, formatting each name into one
/// reused buffer.
struct Emitter<'e> {
    name: String,
    emit: &'e mut dyn FnMut(&str, f64),
}

impl Emitter<'_> {
    fn named(&mut self, parts: std::fmt::Arguments<'_>, value: f64) {
        use std::fmt::Write;
        self.name.clear();
        let _ = self.name.write_fmt(parts);
        (self.emit)(&self.name, value);
    }
}

/// The stems of the title, the lede and the whole text, and the pairs of
/// adjacent stems in the title and the lede.
fn word_features(out: &mut Emitter<'_>, title: &[Token], lede: &[Token], tokens: &[Token]) {
    for (prefix, part) in [("t:", title), ("l:", lede), ("b:", tokens)] {
        for stem in stems(part) {
            out.named(format_args!("{prefix}{stem}"), 1.0);
        }
    }
    let pairs: BTreeSet<(&str, &str)> = title
        .windows(2)
        .chain(lede.windows(2))
        .filter_map(|w| match w {
            [a, b] => Some((a.stem.as_str(), b.stem.as_str())),
            _ => None,
        })
        .collect();
    for (a, b) in pairs {
        out.named(format_args!("p:{a}_{b}"), 1.0);
    }
}

/// The features of the query's `n`-th facet: the words around its
/// matches, countries listed near them, where it first matched, whether
/// the outlet's name or tags matched it, and how often it matched.
fn facet_features(
    out: &mut Emitter<'_>,
    n: usize,
    m: &FacetMatch,
    tokens: &[Token],
    countries: &[usize],
    title_len: usize,
) {
    for stem in neighbours(tokens, &m.positions) {
        out.named(format_args!("n{n}:{stem}"), 1.0);
    }
    let listed = places::countries_near(countries, &m.positions, NEIGHBOURHOOD);
    if listed > 0 {
        out.named(
            format_args!("f{n}~countries"),
            (listed as f64 / 3.0).min(1.0),
        );
    }
    let place = ["title", "lede", "body", "none"]
        .get(usize::from(score::first_place(m, title_len)))
        .copied()
        .unwrap_or("none");
    out.named(format_args!("f{n}@{place}"), 1.0);
    if m.by_source {
        out.named(format_args!("f{n}@source"), 1.0);
    }
    let count = m.positions.len() as f64;
    out.named(format_args!("f{n}#"), (count.ln_1p() / 8f64.ln()).min(1.0));
}

/// The distinct stems of `tokens`.
fn stems(tokens: &[Token]) -> BTreeSet<&str> {
    tokens.iter().map(|t| t.stem.as_str()).collect()
}

/// Tokens within this many positions of a facet's match are its context.
const NEIGHBOURHOOD: usize = 12;

/// The stems around a facet's matches: what is said of Morocco (a law, a
/// list of countries) tells a subject from a passing mention.
fn neighbours<'t>(tokens: &'t [Token], at: &[usize]) -> BTreeSet<&'t str> {
    let mut out = BTreeSet::new();
    for &p in at {
        let from = p.saturating_sub(NEIGHBOURHOOD);
        let to = (p + NEIGHBOURHOOD + 1).min(tokens.len());
        out.extend(stems(tokens.get(from..to).unwrap_or_default()));
    }
    out
}

/// The document of a labelled example, as the article would be stored
/// from the outlet `source_tags` belongs to, read at `now`.
pub fn example_document(example: &Example, source_tags: &[String], now: DateTime<Utc>) -> Document {
    let summary = example.summary.as_deref().unwrap_or_default();
    let content = example.content.as_deref().filter(|c| !c.trim().is_empty());
    let text = crate::normalise::html_to_text(content.unwrap_or(summary));
    Document::new(
        DocumentFields {
            title: &example.title,
            content_text: &text,
            summary_html: Some(summary).filter(|s| !s.is_empty()),
            has_content: content.is_some(),
            language: Some(&example.lang),
            source_name: example.source.as_deref().unwrap_or_default(),
            source_tags,
            ..DocumentFields::default()
        },
        now,
    )
}
