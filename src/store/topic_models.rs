//! The `topic_models` table: each feed's fitted model, and the examples it
//! came from. Written once for both backends.

use chrono::{DateTime, Utc};

use super::error::Context;
use super::sql::{Json, Statement};
use super::{Store, StoreError};
use crate::filter::topic::TopicModel;

const LOAD: &str = "SELECT CAST(model AS TEXT) AS model FROM topic_models WHERE feed_slug = $1";

const SAVE: &str = "INSERT INTO topic_models
        (feed_slug, examples_path, examples_hash, examples, threshold, cv_precision, cv_recall, model, fitted_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
     ON CONFLICT (feed_slug) DO UPDATE SET
        examples_path = excluded.examples_path, examples_hash = excluded.examples_hash,
        examples = excluded.examples, threshold = excluded.threshold,
        cv_precision = excluded.cv_precision, cv_recall = excluded.cv_recall,
        model = excluded.model, fitted_at = excluded.fitted_at";

impl Store {
    /// The stored model of feed `slug`, if one was fitted (and can still be
    /// read: a model from an older veille is fitted again).
    pub async fn topic_model(&self, slug: &str) -> Result<Option<TopicModel>, StoreError> {
        let row = self
            .db()
            .fetch_optional(Statement::new(LOAD).bind(slug))
            .await
            .context(format!("reading the topic model of {slug:?}"))?;
        let json = row.map(|r| r.text("model")).transpose()?;
        Ok(json.and_then(|j| serde_json::from_str(&j).ok()))
    }

    /// Stores the model of feed `slug`, fitted from the examples at `path`.
    pub async fn save_topic_model(
        &self,
        slug: &str,
        path: &str,
        model: &TopicModel,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let json = serde_json::to_string(model)
            .map_err(|_| StoreError::Misuse("a topic model that cannot be written as JSON"))?;
        let cv = model.cross_validated;
        let statement = Statement::new(SAVE)
            .bind(slug)
            .bind(path)
            .bind(&model.examples_hash)
            .bind(model.examples)
            .bind(model.threshold)
            .bind(cv.precision())
            .bind(cv.recall())
            .bind(Json(json.into()))
            .bind(now);
        self.db()
            .execute(statement)
            .await
            .context(format!("saving the topic model of {slug:?}"))?;
        Ok(())
    }

    /// The stored article whose public id is `uid`.
    pub async fn article_by_uid(
        &self,
        uid: &str,
    ) -> Result<Option<crate::model::StoredArticle>, StoreError> {
        let id: Option<i64> = self
            .db()
            .fetch_optional(Statement::new("SELECT id FROM articles WHERE uid = $1").bind(uid))
            .await
            .context("finding an article by uid")?
            .map(|row| row.get("id"))
            .transpose()?;
        match id {
            Some(id) => Ok(self.articles_by_id(&[id]).await?.into_iter().next()),
            None => Ok(None),
        }
    }
}
