//! The `topic_models` table: each feed's fitted model, and the examples it
//! came from. Both backends' statements are here, side by side; they
//! differ only in placeholders and the JSON column's type.

use chrono::Utc;

use super::error::Context;
use super::{Backend, Store, StoreError};
use crate::filter::topic::TopicModel;

const LOAD_SQLITE: &str = "SELECT model FROM topic_models WHERE feed_slug = ?1";
const LOAD_POSTGRES: &str = "SELECT model::text FROM topic_models WHERE feed_slug = $1";

const SAVE_SQLITE: &str = "INSERT INTO topic_models
        (feed_slug, examples_path, examples_hash, examples, threshold, cv_precision, cv_recall, model, fitted_at)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
     ON CONFLICT (feed_slug) DO UPDATE SET
        examples_path = excluded.examples_path, examples_hash = excluded.examples_hash,
        examples = excluded.examples, threshold = excluded.threshold,
        cv_precision = excluded.cv_precision, cv_recall = excluded.cv_recall,
        model = excluded.model, fitted_at = excluded.fitted_at";
const SAVE_POSTGRES: &str = "INSERT INTO topic_models
        (feed_slug, examples_path, examples_hash, examples, threshold, cv_precision, cv_recall, model, fitted_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9)
     ON CONFLICT (feed_slug) DO UPDATE SET
        examples_path = excluded.examples_path, examples_hash = excluded.examples_hash,
        examples = excluded.examples, threshold = excluded.threshold,
        cv_precision = excluded.cv_precision, cv_recall = excluded.cv_recall,
        model = excluded.model, fitted_at = excluded.fitted_at";

impl Store {
    /// The stored model of feed `slug`, if one was fitted (and can still be
    /// read: a model from an older veille is fitted again).
    pub async fn topic_model(&self, slug: &str) -> Result<Option<TopicModel>, StoreError> {
        let json: Option<String> = match &self.backend {
            Backend::Sqlite(db) => {
                sqlx::query_scalar(LOAD_SQLITE)
                    .bind(slug)
                    .fetch_optional(db.pool())
                    .await
            }
            Backend::Postgres(db) => {
                sqlx::query_scalar(LOAD_POSTGRES)
                    .bind(slug)
                    .fetch_optional(db.pool())
                    .await
            }
        }
        .context(format!("reading the topic model of {slug:?}"))?;
        Ok(json.and_then(|j| serde_json::from_str(&j).ok()))
    }

    /// Stores the model of feed `slug`, fitted from the examples at `path`.
    pub async fn save_topic_model(
        &self,
        slug: &str,
        path: &str,
        model: &TopicModel,
    ) -> Result<(), StoreError> {
        let json = serde_json::to_string(model)
            .map_err(|_| StoreError::Misuse("a topic model that cannot be written as JSON"))?;
        let cv = model.cross_validated;
        let examples = i64::try_from(model.examples).unwrap_or(i64::MAX);
        let context = format!("saving the topic model of {slug:?}");
        match &self.backend {
            Backend::Sqlite(db) => sqlx::query(SAVE_SQLITE)
                .bind(slug)
                .bind(path)
                .bind(&model.examples_hash)
                .bind(examples)
                .bind(model.threshold)
                .bind(cv.precision())
                .bind(cv.recall())
                .bind(&json)
                .bind(super::ts(Utc::now()))
                .execute(db.pool())
                .await
                .map(drop),
            Backend::Postgres(db) => sqlx::query(SAVE_POSTGRES)
                .bind(slug)
                .bind(path)
                .bind(&model.examples_hash)
                .bind(examples)
                .bind(model.threshold)
                .bind(cv.precision())
                .bind(cv.recall())
                .bind(&json)
                .bind(Utc::now())
                .execute(db.pool())
                .await
                .map(drop),
        }
        .context(context)
    }

    /// The stored article whose public id is `uid`.
    pub async fn article_by_uid(
        &self,
        uid: &str,
    ) -> Result<Option<crate::model::StoredArticle>, StoreError> {
        let id: Option<i64> = match &self.backend {
            Backend::Sqlite(db) => {
                sqlx::query_scalar("SELECT id FROM articles WHERE uid = ?1")
                    .bind(uid)
                    .fetch_optional(db.pool())
                    .await
            }
            Backend::Postgres(db) => {
                sqlx::query_scalar("SELECT id FROM articles WHERE uid = $1")
                    .bind(uid)
                    .fetch_optional(db.pool())
                    .await
            }
        }
        .context("finding an article by uid")?;
        match id {
            Some(id) => Ok(self.articles_by_id(&[id]).await?.into_iter().next()),
            None => Ok(None),
        }
    }
}
