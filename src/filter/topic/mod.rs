//! Topics learned from labelled examples.
//!
//! A feed with `examples = "topics/<slug>.jsonl"` publishes an article when
//! its query matches (the query keeps recall) and its model accepts it (the
//! model brings precision). The model is a regularised logistic regression
//! over veille's own analysis of the article ([`features`]), fitted from
//! the examples; its decision threshold is the one with the best
//! cross-validated F1 on them ([`eval`]). Fitting is deterministic, and a
//! fitted model records the hash of the examples it came from, so it is
//! fitted again only when they change.

pub mod eval;
pub mod examples;
pub mod features;
pub mod model;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use self::eval::Confusion;
use self::examples::{Example, Examples};
use self::features::{Features, example_document};
use self::model::{FitError, Weights};
use super::score::ScoreParts;
use super::{Document, Query};

/// L2 penalty of every topic model (linfa's `alpha`). Chosen on the
/// shipped topic's development set by cross-validation, never on its
/// held-out set.
pub const ALPHA: f64 = 0.3;

/// A fitted topic model, as stored and applied.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TopicModel {
    /// The weights.
    pub weights: Weights,
    /// Least probability an article needs to be published.
    pub threshold: f64,
    /// Hash of the examples file it was fitted from.
    pub examples_hash: String,
    /// How many examples it was fitted from.
    pub examples: usize,
    /// Cross-validated figures of query + model on those examples.
    pub cross_validated: Confusion,
}

/// Why an article is or is not published by a feed: its score and, with
/// a model, its probability and the features that weighed most.
#[derive(Debug, Clone)]
pub struct Judgement {
    /// The score's parts (the total is [`ScoreParts::total`]).
    pub score: ScoreParts,
    /// The model's probability, when the feed has a model.
    pub probability: Option<f64>,
    /// The model's threshold.
    pub threshold: Option<f64>,
    /// The features that weighed most, with their share of the log-odds.
    pub strongest: Vec<(String, f64)>,
}

/// Judges `doc`, whose facets of `query` matched as `matches`, for a feed
/// with `model`; `specificity` gives a stem's specificity in the archive.
/// With `explain`, the features that weighed most are listed too.
pub fn judge(
    model: Option<&TopicModel>,
    doc: &Document,
    matches: &[super::FacetMatch],
    specificity: &dyn Fn(&str) -> Option<f64>,
    explain: bool,
) -> Judgement {
    let score = super::score::score(doc, matches, specificity);
    let probability = model.map(|m| {
        m.weights
            .probability_of(|emit| features::visit(doc, matches, &score, emit))
    });
    let strongest = match model {
        Some(m) if explain => m
            .weights
            .strongest(&features::from_analysis(doc, matches, &score), 6),
        _ => Vec::new(),
    };
    Judgement {
        score,
        probability,
        threshold: model.map(|m| m.threshold),
        strongest,
    }
}

impl Judgement {
    /// Whether a feed with this least score publishes the article.
    pub fn passes(&self, min_score: f64) -> bool {
        self.score.total() >= min_score
            && self
                .probability
                .zip(self.threshold)
                .is_none_or(|(p, t)| p >= t)
    }
}

/// An example as the model sees it.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// Its features.
    pub features: Features,
    /// Whether the feed's query matches it.
    pub matches_query: bool,
    /// Its label.
    pub relevant: bool,
    /// Its language.
    pub lang: String,
    /// Its kind, if the curator named one.
    pub kind: Option<String>,
    /// Its title, to name it in reports.
    pub title: String,
}

/// Analyses every example; `tags_of` gives the tags of an outlet by name
/// (the `[[source]]` of that name, or none); `now` is the moment a
/// `since:` term of the query counts from.
pub fn prepare(
    query: &Query,
    items: &[Example],
    tags_of: &dyn Fn(Option<&str>) -> Vec<String>,
    now: DateTime<Utc>,
) -> Vec<Prepared> {
    items
        .iter()
        .map(|example| {
            let tags = tags_of(example.source.as_deref());
            let doc = example_document(example, &tags, now);
            Prepared {
                features: features::features(query, &doc),
                matches_query: query.matches(&doc),
                relevant: example.relevant,
                lang: example.lang.clone(),
                kind: example.kind.clone(),
                title: example.title.clone(),
            }
        })
        .collect()
}

/// Fits the model of a topic: the threshold from cross-validation, then
/// the weights from every example.
pub fn fit(examples: &Examples, prepared: &[Prepared]) -> Result<TopicModel, FitError> {
    let out_of_fold = eval::out_of_fold(prepared, ALPHA)?;
    let threshold = eval::best_threshold(prepared, &out_of_fold);
    let (rows, labels): (Vec<_>, Vec<_>) = prepared
        .iter()
        .map(|p| (p.features.clone(), p.relevant))
        .unzip();
    Ok(TopicModel {
        weights: Weights::fit(&rows, &labels, ALPHA)?,
        threshold,
        examples_hash: examples.hash.clone(),
        examples: prepared.len(),
        cross_validated: eval::confusion(prepared, &out_of_fold, threshold),
    })
}
