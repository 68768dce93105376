//! Honest figures for a topic: precision, recall and F1, from k-fold
//! cross-validation on its examples (each example is judged by a model
//! that never saw it), for the query alone and for the query with the model.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::Prepared;
use super::model::{FitError, Weights};

/// Folds of the cross-validation.
pub const FOLDS: usize = 5;

/// Counts of a binary decision against the labels.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Confusion {
    /// Published and relevant.
    pub true_positives: usize,
    /// Published, not relevant.
    pub false_positives: usize,
    /// Relevant, not published.
    pub false_negatives: usize,
    /// Neither.
    pub true_negatives: usize,
}

impl Confusion {
    /// Adds one decision.
    pub fn add(&mut self, published: bool, relevant: bool) {
        match (published, relevant) {
            (true, true) => self.true_positives += 1,
            (true, false) => self.false_positives += 1,
            (false, true) => self.false_negatives += 1,
            (false, false) => self.true_negatives += 1,
        }
    }

    /// Share of published items that are relevant (1 when none is published).
    pub fn precision(&self) -> f64 {
        ratio(
            self.true_positives,
            self.true_positives + self.false_positives,
        )
    }

    /// Share of relevant items that are published (1 when none is relevant).
    pub fn recall(&self) -> f64 {
        ratio(
            self.true_positives,
            self.true_positives + self.false_negatives,
        )
    }

    /// Harmonic mean of precision and recall.
    pub fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        }
    }

    /// All the items counted.
    pub fn total(&self) -> usize {
        self.true_positives + self.false_positives + self.false_negatives + self.true_negatives
    }
}

fn ratio(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        1.0
    } else {
        part as f64 / whole as f64
    }
}

/// Each example's probability from a model fitted without its fold.
pub fn out_of_fold(examples: &[Prepared], alpha: f64) -> Result<Vec<f64>, FitError> {
    let mut probabilities = vec![0.0; examples.len()];
    for fold in 0..FOLDS {
        let (rows, labels): (Vec<_>, Vec<_>) = examples
            .iter()
            .enumerate()
            .filter(|(i, _)| i % FOLDS != fold)
            .map(|(_, e)| (e.features.clone(), e.relevant))
            .unzip();
        let weights = Weights::fit(&rows, &labels, alpha)?;
        for (i, example) in examples.iter().enumerate() {
            if i % FOLDS == fold
                && let Some(p) = probabilities.get_mut(i)
            {
                *p = weights.probability(&example.features);
            }
        }
    }
    Ok(probabilities)
}

/// The decisions of query and model at `threshold`, against the labels.
pub fn confusion(examples: &[Prepared], probabilities: &[f64], threshold: f64) -> Confusion {
    let mut counts = Confusion::default();
    for (example, p) in examples.iter().zip(probabilities) {
        counts.add(example.matches_query && *p >= threshold, example.relevant);
    }
    counts
}

/// The decisions of the query alone.
pub fn query_alone(examples: &[Prepared]) -> Confusion {
    let mut counts = Confusion::default();
    for example in examples {
        counts.add(example.matches_query, example.relevant);
    }
    counts
}

/// The threshold with the best cross-validated F1 (on a grid of 0.01;
/// of equal F1, the highest, which publishes least).
pub fn best_threshold(examples: &[Prepared], probabilities: &[f64]) -> f64 {
    let mut best = (f64::MIN, 0.5);
    for step in 5..=95 {
        let threshold = f64::from(step) / 100.0;
        let f1 = confusion(examples, probabilities, threshold).f1();
        if f1 >= best.0 - 1e-12 {
            best = (f1, threshold);
        }
    }
    best.1
}

/// What `veille topic eval` reports.
#[derive(Debug, Clone, Serialize)]
pub struct Evaluation {
    /// Examples evaluated.
    pub examples: usize,
    /// The threshold chosen on the out-of-fold probabilities.
    pub threshold: f64,
    /// The query alone.
    pub query: Confusion,
    /// Query and model.
    pub model: Confusion,
    /// Per language: the query alone, then query and model.
    pub by_language: BTreeMap<String, (Confusion, Confusion)>,
    /// Per kind, likewise.
    pub by_kind: BTreeMap<String, (Confusion, Confusion)>,
    /// The examples query and model got wrong.
    pub misclassified: Vec<Misclassified>,
}

/// An example the query and model got wrong.
#[derive(Debug, Clone, Serialize)]
pub struct Misclassified {
    /// Its number among the examples (1-based, in file order; blank lines
    /// not counted).
    pub index: usize,
    /// Its title.
    pub title: String,
    /// Its language.
    pub lang: String,
    /// Its kind.
    pub kind: Option<String>,
    /// Its label.
    pub relevant: bool,
    /// Whether the query matched.
    pub matches_query: bool,
    /// The out-of-fold probability.
    pub probability: f64,
}

/// Cross-validates query and model on `examples`.
pub fn evaluate(examples: &[Prepared], alpha: f64) -> Result<Evaluation, FitError> {
    let probabilities = out_of_fold(examples, alpha)?;
    let threshold = best_threshold(examples, &probabilities);
    let mut by_language: BTreeMap<String, (Confusion, Confusion)> = BTreeMap::new();
    let mut by_kind: BTreeMap<String, (Confusion, Confusion)> = BTreeMap::new();
    let mut misclassified = Vec::new();
    for (i, (example, &p)) in examples.iter().zip(&probabilities).enumerate() {
        let published = example.matches_query && p >= threshold;
        let kind = example.kind.clone().unwrap_or_else(|| "-".into());
        for group in [
            by_language.entry(example.lang.clone()).or_default(),
            by_kind.entry(kind).or_default(),
        ] {
            group.0.add(example.matches_query, example.relevant);
            group.1.add(published, example.relevant);
        }
        if published != example.relevant {
            misclassified.push(Misclassified {
                index: i + 1,
                title: example.title.clone(),
                lang: example.lang.clone(),
                kind: example.kind.clone(),
                relevant: example.relevant,
                matches_query: example.matches_query,
                probability: p,
            });
        }
    }
    Ok(Evaluation {
        examples: examples.len(),
        threshold,
        query: query_alone(examples),
        model: confusion(examples, &probabilities, threshold),
        by_language,
        by_kind,
        misclassified,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn precision_recall_f1() {
        let mut c = Confusion::default();
        for (published, relevant) in [(true, true), (true, true), (true, false), (false, true)] {
            c.add(published, relevant);
        }
        assert!((c.precision() - 2.0 / 3.0).abs() < 1e-9);
        assert!((c.recall() - 2.0 / 3.0).abs() < 1e-9);
        assert!((c.f1() - 2.0 / 3.0).abs() < 1e-9);
        assert_eq!(Confusion::default().precision(), 1.0);
    }
}
