//! The linear model of a topic: L2-regularised logistic regression over
//! [`Features`], fitted with linfa (L-BFGS
//! through argmin). Only the fitted weights are kept, by feature name, so
//! applying a model is a sparse dot product and the model is plain JSON.

use std::collections::{BTreeMap, HashMap};

use linfa::Dataset;
use linfa::traits::Fit;
use linfa_logistic::LogisticRegression;
use ndarray::{Array1, Array2};
use serde::{Deserialize, Serialize};

use super::features::Features;

/// A feature must appear in this many training examples to get a weight:
/// a word seen once says more about that example than about the topic.
const MIN_EXAMPLES_PER_FEATURE: usize = 3;

/// Optimiser iterations; fitting stops earlier when the gradient is flat.
const MAX_ITERATIONS: u64 = 300;

/// Weights by feature name, and the intercept.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Weights {
    /// Weight of each feature the examples gave one (a hash map: applying
    /// a model looks up every feature of every candidate).
    pub weights: HashMap<String, f64>,
    /// The log-odds of an article with no feature.
    pub intercept: f64,
}

/// Why a model could not be fitted.
#[derive(Debug, thiserror::Error)]
pub enum FitError {
    /// The optimiser or the data failed.
    #[error("fitting the topic model failed: {0}")]
    Linfa(String),
}

impl Weights {
    /// Fits weights to `rows` with labels `relevant`; `alpha` is the L2
    /// penalty (larger: smaller weights, a smoother model).
    pub fn fit(rows: &[Features], relevant: &[bool], alpha: f64) -> Result<Weights, FitError> {
        let names = vocabulary(rows);
        tracing::debug!(
            rows = rows.len(),
            features = names.len(),
            "fitting a topic model"
        );
        let columns: HashMap<&str, usize> = names
            .iter()
            .enumerate()
            .map(|(i, n)| (n.as_str(), i))
            .collect();
        let mut x = Array2::<f64>::zeros((rows.len(), names.len()));
        for (r, features) in rows.iter().enumerate() {
            for (name, value) in features {
                if let Some(&c) = columns.get(name.as_str())
                    && let Some(slot) = x.get_mut((r, c))
                {
                    *slot = *value;
                }
            }
        }
        let y: Array1<bool> = relevant.iter().copied().collect();
        let fitted = LogisticRegression::default()
            .alpha(alpha)
            .with_intercept(true)
            .max_iterations(MAX_ITERATIONS)
            .fit(&Dataset::new(x, y))
            .map_err(|e| FitError::Linfa(e.to_string()))?;
        // linfa models the larger class as "positive": turn it round when
        // that is the irrelevant one, so weights count towards relevance.
        let sign = if fitted.labels().pos.class { 1.0 } else { -1.0 };
        let weights = names
            .into_iter()
            .zip(fitted.params().iter())
            .filter(|(_, w)| **w != 0.0)
            .map(|(n, w)| (n, sign * w))
            .collect();
        Ok(Weights {
            weights,
            intercept: sign * fitted.intercept(),
        })
    }

    /// The log-odds that an article with `features` is relevant.
    pub fn logit(&self, features: &Features) -> f64 {
        self.intercept
            + features
                .iter()
                .filter_map(|(name, value)| self.weights.get(name).map(|w| w * value))
                .sum::<f64>()
    }

    /// The probability that an article is relevant, its features given
    /// one by one to the callback `visit` receives (see
    /// [`super::features::visit`]): no feature list is built.
    pub fn probability_of(&self, visit: impl FnOnce(&mut dyn FnMut(&str, f64))) -> f64 {
        let mut logit = self.intercept;
        visit(&mut |name, value| {
            if let Some(w) = self.weights.get(name) {
                logit += w * value;
            }
        });
        1.0 / (1.0 + (-logit).exp())
    }

    /// The probability that an article with `features` is relevant.
    pub fn probability(&self, features: &Features) -> f64 {
        1.0 / (1.0 + (-self.logit(features)).exp())
    }

    /// The `n` features that weigh most in this article's probability,
    /// either way, with their contribution to the log-odds.
    pub fn strongest(&self, features: &Features, n: usize) -> Vec<(String, f64)> {
        let mut parts: Vec<(String, f64)> = features
            .iter()
            .filter_map(|(name, value)| {
                self.weights
                    .get(name)
                    .map(|w| (name.clone(), w * value))
                    .filter(|(_, c)| *c != 0.0)
            })
            .collect();
        parts.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()).then(a.0.cmp(&b.0)));
        parts.truncate(n);
        parts
    }
}

/// The features that get a weight: those in enough examples, and every
/// numeric one (scores, counts), in name order.
fn vocabulary(rows: &[Features]) -> Vec<String> {
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    for features in rows {
        for (name, _) in features {
            *seen.entry(name.as_str()).or_default() += 1;
        }
    }
    seen.into_iter()
        .filter(|(name, n)| *n >= MIN_EXAMPLES_PER_FEATURE || is_numeric(name))
        .map(|(name, _)| name.to_string())
        .collect()
}

fn is_numeric(name: &str) -> bool {
    name.starts_with("score:") || name.ends_with('#') || name.ends_with("~countries")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(words: &[&str]) -> Features {
        let mut f: Features = words.iter().map(|w| (w.to_string(), 1.0)).collect();
        f.sort_by(|a, b| a.0.cmp(&b.0));
        f
    }

    #[test]
    fn learns_which_words_mean_relevant_and_is_deterministic() {
        let mut rows = Vec::new();
        let mut labels = Vec::new();
        for i in 0..20 {
            let noise = if i % 2 == 0 { "x" } else { "y" };
            rows.push(row(&["loi", "maroc", noise]));
            labels.push(true);
            rows.push(row(&["football", "maroc", noise]));
            labels.push(false);
        }
        let a = Weights::fit(&rows, &labels, 0.1).unwrap();
        let b = Weights::fit(&rows, &labels, 0.1).unwrap();
        assert_eq!(a, b, "same examples, same model");
        assert!(a.probability(&row(&["loi", "maroc"])) > 0.8);
        assert!(a.probability(&row(&["football", "maroc"])) < 0.2);
        let strongest = a.strongest(&row(&["loi", "maroc", "unseen"]), 1);
        assert_eq!(strongest[0].0, "loi");
    }
}
