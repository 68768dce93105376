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

use chrono::Utc;

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

/// The features of an analysed document whose facets matched as `matches`.
pub fn from_analysis(doc: &Document, matches: &[FacetMatch], parts: &ScoreParts) -> Features {
    let mut out: Vec<(String, f64)> = Vec::new();
    let tokens = doc.body_tokens();
    let title_len = doc.title_len();
    let title = tokens.get(..title_len).unwrap_or_default();
    let lede = tokens
        .get(title_len..(title_len + LEDE_TOKENS).min(tokens.len()))
        .unwrap_or_default();
    push_stems(&mut out, "t:", title);
    push_stems(&mut out, "l:", lede);
    push_stems(&mut out, "b:", tokens);
    push_pairs(&mut out, title);
    push_pairs(&mut out, lede);
    let matched: Vec<usize> = matches
        .iter()
        .flat_map(|m| m.positions.iter().copied())
        .collect();
    let countries = places::country_positions(tokens, &matched);
    let lede_end = title_len + LEDE_TOKENS;
    if countries.iter().any(|&c| c < title_len) {
        out.push(("country@title".into(), 1.0));
    }
    if countries.iter().any(|&c| c >= title_len && c < lede_end) {
        out.push(("country@lede".into(), 1.0));
    }
    for (i, m) in matches.iter().enumerate() {
        push_neighbours(&mut out, &format!("n{}:", i + 1), tokens, &m.positions);
        let listed = places::countries_near(&countries, &m.positions, NEIGHBOURHOOD);
        if listed > 0 {
            out.push((
                format!("f{}~countries", i + 1),
                (listed as f64 / 3.0).min(1.0),
            ));
        }
        let place = ["title", "lede", "body", "none"]
            .get(usize::from(score::first_place(m, title_len)))
            .copied()
            .unwrap_or("none");
        out.push((format!("f{}@{place}", i + 1), 1.0));
        if m.by_source {
            out.push((format!("f{}@source", i + 1), 1.0));
        }
        let named = m.positions.len() as f64;
        out.push((format!("f{}#", i + 1), (named.ln_1p() / 8f64.ln()).min(1.0)));
    }
    for (name, value) in parts.named() {
        if name != "specificity" {
            out.push((format!("score:{name}"), value));
        }
    }
    if let Some(lang) = doc.language() {
        out.push((format!("lang:{lang}"), 1.0));
    }
    for tag in doc.source_tag_words() {
        out.push((format!("tag:{tag}"), 1.0));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out.dedup_by(|a, b| a.0 == b.0);
    out
}

fn push_stems(out: &mut Vec<(String, f64)>, prefix: &str, tokens: &[Token]) {
    let stems: BTreeSet<&str> = tokens.iter().map(|t| t.stem.as_str()).collect();
    out.extend(stems.into_iter().map(|s| (format!("{prefix}{s}"), 1.0)));
}

/// Tokens within this many positions of a facet's match are its context.
const NEIGHBOURHOOD: usize = 12;

/// The stems around a facet's matches: what is said of Morocco (a law, a
/// list of countries) tells a subject from a passing mention.
fn push_neighbours(out: &mut Vec<(String, f64)>, prefix: &str, tokens: &[Token], at: &[usize]) {
    let mut stems: BTreeSet<&str> = BTreeSet::new();
    for &p in at {
        let from = p.saturating_sub(NEIGHBOURHOOD);
        let to = (p + NEIGHBOURHOOD + 1).min(tokens.len());
        stems.extend(
            tokens
                .get(from..to)
                .unwrap_or_default()
                .iter()
                .map(|t| t.stem.as_str()),
        );
    }
    out.extend(stems.into_iter().map(|s| (format!("{prefix}{s}"), 1.0)));
}

fn push_pairs(out: &mut Vec<(String, f64)>, tokens: &[Token]) {
    for pair in tokens.windows(2) {
        if let [a, b] = pair {
            out.push((format!("p:{}_{}", a.stem, b.stem), 1.0));
        }
    }
}

/// The document of a labelled example, as the article would be stored
/// from the outlet `source_tags` belongs to.
pub fn example_document(example: &Example, source_tags: &[String]) -> Document {
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
        Utc::now(),
    )
}
