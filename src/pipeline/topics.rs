//! Topic models in a run: each feed with `examples` gets its model, fitted
//! again only when the examples changed; and the curator's commands,
//! `veille topic eval` and `veille topic label`.

use crate::config::{Config, FeedConfig};
use crate::filter::Query;
use crate::filter::QueryError;
use crate::filter::topic::eval::Evaluation;
use crate::filter::topic::examples::{self, Example, Examples, ExamplesError};
use crate::filter::topic::model::FitError;
use crate::filter::topic::{self, Prepared, TopicModel};
use crate::store::{Store, StoreError};

/// Why a topic's model or command failed.
#[derive(Debug, thiserror::Error)]
pub enum TopicError {
    /// No `[[feed]]` has that slug.
    #[error("no feed with slug {0:?}")]
    NoSuchFeed(String),
    /// The feed has no `examples`.
    #[error("feed {0:?} has no `examples` file")]
    NoExamples(String),
    /// The examples could not be read.
    #[error(transparent)]
    Examples(#[from] ExamplesError),
    /// The feed's query does not parse.
    #[error("feed {slug:?}: invalid query: {error}")]
    Query {
        /// The feed.
        slug: String,
        /// Why.
        error: QueryError,
    },
    /// Fitting failed.
    #[error(transparent)]
    Fit(#[from] FitError),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// No stored article has that id.
    #[error("no article with uid {0:?}")]
    NoSuchArticle(String),
    /// The examples file could not be written.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
}

/// The feed `slug` and its examples file.
fn feed_with_examples<'c>(
    config: &'c Config,
    slug: &str,
) -> Result<(&'c FeedConfig, &'c std::path::Path), TopicError> {
    let feed = config
        .feeds
        .iter()
        .find(|f| f.slug == slug)
        .ok_or_else(|| TopicError::NoSuchFeed(slug.to_string()))?;
    let path = feed
        .examples
        .as_deref()
        .ok_or_else(|| TopicError::NoExamples(slug.to_string()))?;
    Ok((feed, path))
}

/// The feed `slug`, its parsed query and its examples.
fn feed_examples<'c>(
    config: &'c Config,
    slug: &str,
) -> Result<(&'c FeedConfig, Query, Examples), TopicError> {
    let (feed, path) = feed_with_examples(config, slug)?;
    let query = Query::parse(&feed.query).map_err(|error| TopicError::Query {
        slug: slug.to_string(),
        error,
    })?;
    Ok((feed, query, examples::load(path)?))
}

/// The examples of a feed as its model sees them, with the tags of the
/// outlets they name.
pub fn prepare(config: &Config, query: &Query, examples: &Examples) -> Vec<Prepared> {
    let tags_of = |name: Option<&str>| -> Vec<String> {
        name.and_then(|n| config.sources.iter().find(|s| s.name == n))
            .map(|s| s.tags.clone())
            .unwrap_or_default()
    };
    topic::prepare(query, &examples.items, &tags_of, chrono::Utc::now())
}

/// Every feed's examples that cannot be used, with why (each bad line
/// named): what `veille check` reports.
pub fn check_examples(config: &Config) -> Vec<(String, ExamplesError)> {
    config
        .feeds
        .iter()
        .filter_map(|f| Some((f.slug.clone(), examples::load(f.examples.as_ref()?).err()?)))
        .collect()
}

/// `veille topic eval SLUG`: cross-validated figures of the feed's query
/// alone and with its model.
pub fn evaluate(config: &Config, slug: &str) -> Result<Evaluation, TopicError> {
    let (_, query, examples) = feed_examples(config, slug)?;
    let prepared = prepare(config, &query, &examples);
    Ok(topic::eval::evaluate(&prepared, topic::ALPHA)?)
}

/// The model of each feed (`None` for feeds without examples), fitted
/// again where the examples changed since the stored one. A feed whose
/// examples cannot be read or fitted gets its error (that feed is not
/// published, the others are); a database error fails them all.
pub async fn models(
    store: &Store,
    config: &Config,
    queries: &[Query],
    save: Save,
) -> Result<Vec<Result<Option<TopicModel>, TopicError>>, StoreError> {
    let mut out = Vec::with_capacity(config.feeds.len());
    for (feed, query) in config.feeds.iter().zip(queries) {
        let model = match feed_model(store, config, feed, query, save).await {
            Err(TopicError::Store(fatal)) => return Err(fatal),
            other => other,
        };
        out.push(model);
    }
    Ok(out)
}

/// Whether a model fitted anew is stored for the next runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Save {
    /// Store it (a run, a search).
    Yes,
    /// Leave the database as it is (`veille prune --dry-run`).
    No,
}

/// The model of one feed, fitted (and stored, with `Save::Yes`) if its
/// examples changed.
pub async fn feed_model(
    store: &Store,
    config: &Config,
    feed: &FeedConfig,
    query: &Query,
    save: Save,
) -> Result<Option<TopicModel>, TopicError> {
    let Some(path) = &feed.examples else {
        return Ok(None);
    };
    let mut examples = examples::load(path)?;
    // What the model depends on besides the examples: the feed's query (its
    // facets are features), the tags of the outlets the examples name, and
    // the model's own definition.
    examples.hash = model_key(config, feed, &examples);
    if let Some(model) = store.topic_model(&feed.slug).await?
        && model.examples_hash == examples.hash
    {
        return Ok(Some(model));
    }
    let prepared = prepare(config, query, &examples);
    let model = tokio::task::spawn_blocking(move || topic::fit(&examples, &prepared))
        .await
        .map_err(|e| FitError::Linfa(format!("fitting task failed: {e}")))??;
    if save == Save::Yes {
        store
            .save_topic_model(
                &feed.slug,
                &path.display().to_string(),
                &model,
                chrono::Utc::now(),
            )
            .await?;
    }
    tracing::info!(
        feed = %feed.slug,
        examples = model.examples,
        "topic model fitted (cross-validated F1 {:.3})",
        model.cross_validated.f1()
    );
    Ok(Some(model))
}

/// Bumped when the features or the fitting change, so stored models are
/// fitted again.
const MODEL_VERSION: &str = "topic-model-1";

/// The fingerprint a stored model is reused under: the examples file's
/// hash, the feed's query, the tags of the outlets the examples name, the
/// penalty and [`MODEL_VERSION`].
fn model_key(config: &Config, feed: &FeedConfig, examples: &Examples) -> String {
    let mut outlets: Vec<String> = examples
        .items
        .iter()
        .filter_map(|e| e.source.as_deref())
        .filter_map(|name| config.sources.iter().find(|s| s.name == name))
        .map(|s| format!("{}={}", s.name, s.tags.join(",")))
        .collect();
    outlets.sort_unstable();
    outlets.dedup();
    let alpha = topic::ALPHA.to_string();
    let mut parts: Vec<&str> = vec![MODEL_VERSION, &alpha, &examples.hash, &feed.query];
    parts.extend(outlets.iter().map(String::as_str));
    crate::normalise::hex_digest(&parts)
}

/// `veille topic label SLUG UID relevant|irrelevant`: appends the stored
/// article to the feed's examples. Returns the example written.
pub async fn label(
    config: &Config,
    slug: &str,
    uid: &str,
    relevant: bool,
) -> Result<Example, TopicError> {
    let (_, path) = feed_with_examples(config, slug)?;
    let store = Store::open(&config.database).await?;
    let found = store.article_by_uid(uid).await?;
    store.close().await;
    let stored = found.ok_or_else(|| TopicError::NoSuchArticle(uid.to_string()))?;
    let article = stored.article;
    let text = [article.summary.clone(), Some(article.content_text.clone())]
        .into_iter()
        .flatten()
        .find(|t| !t.trim().is_empty())
        // An article with a title only: the title is all there is to read.
        .unwrap_or_else(|| article.title.clone());
    let example = Example {
        lang: article.language.unwrap_or_else(|| "und".into()),
        source: Some(stored.source_name),
        kind: Some(
            if relevant {
                "relevant"
            } else {
                "labelled-irrelevant"
            }
            .into(),
        ),
        relevant,
        title: article.title,
        summary: Some(text),
        content: article.content,
    };
    examples::append(path, &example).map_err(|source| TopicError::Write {
        path: path.display().to_string(),
        source,
    })?;
    Ok(example)
}
