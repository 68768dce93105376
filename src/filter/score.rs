//! Relevance scores: how well an article that a query matches fits it.
//!
//! A boolean query says yes or no; a score says how much. It is built
//! from the query's facets, the groups of its top-level AND ("Morocco",
//! "AI", "governance"), and from where and how each matched. Topic feeds
//! can require a least score (`min_score`), topic models learn from its
//! parts, and `veille search --explain` shows them.

use super::Query;
use super::document::{Document, FacetMatch};

/// Tokens after the title that count as the lede: about the first 300
/// characters of a news text.
pub const LEDE_TOKENS: usize = 50;

/// The parts of a score, each from 0 to 1.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ScoreParts {
    /// Where each facet matched: the title counts most, then the lede,
    /// then the rest of the body.
    pub placement: f64,
    /// How close the facets are: all of them within a sentence is worth
    /// more than each in its own paragraph.
    pub proximity: f64,
    /// How specific the matched words are (inverse document frequency in
    /// the archive): a rare name says more than a common word.
    pub specificity: f64,
    /// How many distinct words matched.
    pub breadth: f64,
    /// Whether each facet is the subject (in the title or lede, or named
    /// repeatedly) rather than a passing mention (once, deep in the body).
    pub salience: f64,
    /// The share of facets the outlet itself answers through its tags or
    /// name (`tag:maroc` for a Moroccan outlet): a prior for place facets.
    pub prior: f64,
}

/// The parts' weights in the total; they add up to 1.
const WEIGHTS: [(&str, f64); 6] = [
    ("placement", 0.25),
    ("proximity", 0.15),
    ("specificity", 0.15),
    ("breadth", 0.10),
    ("salience", 0.25),
    ("prior", 0.10),
];

impl ScoreParts {
    /// The parts by name, in a fixed order.
    pub fn named(&self) -> [(&'static str, f64); 6] {
        [
            ("placement", self.placement),
            ("proximity", self.proximity),
            ("specificity", self.specificity),
            ("breadth", self.breadth),
            ("salience", self.salience),
            ("prior", self.prior),
        ]
    }

    /// The score from 0 to 100: the parts, weighted.
    pub fn total(&self) -> f64 {
        let sum: f64 = self
            .named()
            .iter()
            .zip(WEIGHTS)
            .map(|((_, value), (_, weight))| value * weight)
            .sum();
        (sum * 100.0).clamp(0.0, 100.0)
    }
}

/// The facets of a query: the positive groups of its top-level AND, or
/// the whole query when it is not an AND. `NOT`s, languages and dates
/// restrict a query but say nothing of how well an article fits.
pub fn facets(query: &Query) -> Vec<&Query> {
    let describes = |q: &&Query| {
        !matches!(
            q,
            Query::Not(_) | Query::Lang(_) | Query::Since(_) | Query::Before(_)
        )
    };
    match query {
        Query::And(parts) => parts.iter().filter(describes).collect(),
        other => std::iter::once(other).filter(describes).collect(),
    }
}

/// How each facet of `query` matched `doc`, in facet order.
pub fn facet_matches(query: &Query, doc: &Document) -> Vec<FacetMatch> {
    facets(query)
        .into_iter()
        .map(|f| doc.facet_match(f))
        .collect()
}

/// Where a facet matched first: 0 title, 1 lede, 2 body, 3 nowhere in the
/// text.
pub fn first_place(facet: &FacetMatch, title_len: usize) -> u8 {
    match facet.positions.first() {
        Some(&p) if p < title_len => 0,
        Some(&p) if p < title_len + LEDE_TOKENS => 1,
        Some(_) => 2,
        None => 3,
    }
}

/// The score of `doc` for a query whose facets matched as `matches`;
/// `idf` gives a stem's specificity from 0 (in every article) to 1 (in
/// none), `None` when unknown.
pub fn score(
    doc: &Document,
    matches: &[FacetMatch],
    idf: &dyn Fn(&str) -> Option<f64>,
) -> ScoreParts {
    if matches.is_empty() {
        return ScoreParts::default();
    }
    let title_len = doc.title_len();
    let count = matches.len() as f64;
    let placement = matches
        .iter()
        .map(|m| match first_place(m, title_len) {
            0 => 1.0,
            1 => 0.7,
            2 => 0.35,
            _ => 0.0,
        })
        .sum::<f64>()
        / count;
    let matched: Vec<usize> = matches
        .iter()
        .flat_map(|m| m.positions.iter().copied())
        .collect();
    let countries = super::places::country_positions(doc.body_tokens(), &matched);
    let salience = matches
        .iter()
        .map(|m| {
            // Named among two other countries or more: a list, wherever it is.
            if super::places::countries_near(&countries, &m.positions, 8) >= 2 {
                0.1
            } else {
                salience(m, title_len)
            }
        })
        .sum::<f64>()
        / count;
    let prior = matches.iter().filter(|m| m.by_source).count() as f64 / count;
    let mut stems: Vec<&str> = matches
        .iter()
        .flat_map(|m| m.stems.iter().map(String::as_str))
        .collect();
    stems.sort_unstable();
    stems.dedup();
    let specificity = if stems.is_empty() {
        0.0
    } else {
        stems.iter().map(|s| idf(s).unwrap_or(0.5)).sum::<f64>() / stems.len() as f64
    };
    let breadth = ((1.0 + stems.len() as f64).ln() / 9f64.ln()).min(1.0);
    ScoreParts {
        placement,
        proximity: proximity(matches),
        specificity,
        breadth,
        salience,
        prior,
    }
}

/// Subject or passing mention: in the title or lede, or named several
/// times, against once deep in the body.
fn salience(facet: &FacetMatch, title_len: usize) -> f64 {
    match (first_place(facet, title_len), facet.positions.len()) {
        (0, _) => 1.0,
        (1, _) => 0.8,
        (2, 1) => 0.25,
        (2, 2) => 0.5,
        (2, _) => 0.75,
        _ => 0.0,
    }
}

/// From the smallest window of tokens that holds a match of every facet
/// matched in the text: within a sentence (about 25 tokens) scores high.
fn proximity(matches: &[FacetMatch]) -> f64 {
    let in_text: Vec<&[usize]> = matches
        .iter()
        .map(|m| m.positions.as_slice())
        .filter(|p| !p.is_empty())
        .collect();
    match in_text.len() {
        0 => return 0.0,
        1 => return 1.0,
        _ => {}
    }
    let window = smallest_window(&in_text);
    match window {
        0..=10 => 1.0,
        11..=25 => 0.75,
        26..=60 => 0.45,
        _ => 0.2,
    }
}

/// The length of the smallest range of positions that holds at least one
/// position of each list (each list sorted).
fn smallest_window(lists: &[&[usize]]) -> usize {
    let mut merged: Vec<(usize, usize)> = lists
        .iter()
        .enumerate()
        .flat_map(|(facet, ps)| ps.iter().map(move |&p| (p, facet)))
        .collect();
    merged.sort_unstable();
    let mut seen = vec![0usize; lists.len()];
    let mut covered = 0;
    let mut best = usize::MAX;
    let mut left = 0;
    for right in 0..merged.len() {
        let Some(&(_, facet)) = merged.get(right) else {
            break;
        };
        if let Some(n) = seen.get_mut(facet) {
            *n += 1;
            covered += usize::from(*n == 1);
        }
        while covered == lists.len() {
            let (Some(&(end, _)), Some(&(start, first))) = (merged.get(right), merged.get(left))
            else {
                break;
            };
            best = best.min(end - start);
            if let Some(n) = seen.get_mut(first) {
                *n -= 1;
                covered -= usize::from(*n == 0);
            }
            left += 1;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use super::*;
    use crate::filter::DocumentFields;

    fn doc(title: &str, text: &str, tags: &[String]) -> Document {
        Document::new(
            DocumentFields {
                title,
                content_text: text,
                language: Some("fr"),
                source_name: "Outlet",
                source_tags: tags,
                ..DocumentFields::default()
            },
            Utc::now(),
        )
    }

    const QUERY: &str =
        "(maroc OR tag:maroc) (ia OR \"intelligence artificielle\") (loi OR regulation)";

    fn parts(d: &Document) -> ScoreParts {
        let query = Query::parse(QUERY).unwrap();
        score(d, &facet_matches(&query, d), &|_| None)
    }

    #[test]
    fn the_subject_scores_above_a_passing_mention() {
        let subject = doc(
            "Le Maroc prépare une loi sur l'IA",
            "Le projet de loi sur l'intelligence artificielle sera débattu au parlement.",
            &[],
        );
        let filler = "Les délégués ont parlé de budgets, de transports et de climat. ".repeat(8);
        let passing = doc(
            "Sommet de Riyad sur la régulation de l'IA",
            &format!(
                "Les pays du Golfe adoptent une loi commune. {filler} Étaient présents l'Égypte, la Jordanie, le Maroc et la Tunisie."
            ),
            &[],
        );
        let (a, b) = (parts(&subject), parts(&passing));
        assert!(a.total() > b.total() + 15.0, "{a:?} {b:?}");
        assert!(
            a.salience > b.salience && a.proximity > b.proximity,
            "{a:?} {b:?}"
        );
        assert_eq!(a.prior, 0.0);
    }

    #[test]
    fn the_outlet_answers_the_place_facet() {
        let tags = vec!["maroc".to_string()];
        let d = doc(
            "Le projet de loi sur l'IA adopté",
            "Le texte encadre les algorithmes.",
            &tags,
        );
        let p = parts(&d);
        assert!((p.prior - 1.0 / 3.0).abs() < 1e-9, "{p:?}");
        assert!(p.total() > 0.0);
    }

    #[test]
    fn smallest_window_covers_every_list() {
        assert_eq!(smallest_window(&[&[1, 40], &[44], &[2, 46]]), 6);
        assert_eq!(smallest_window(&[&[5], &[5]]), 0);
    }
}
