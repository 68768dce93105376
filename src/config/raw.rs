//! The file as written: serde structs with `deny_unknown_fields`, and spans on
//! every value that later validation may need to point at.

use serde::Deserialize;
use toml::Spanned;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawConfig {
    #[serde(default)]
    pub database: RawDatabase,
    #[serde(default)]
    pub fetch: RawFetch,
    pub publish: Option<RawPublish>,
    #[serde(default)]
    pub source: Vec<RawSource>,
    #[serde(default)]
    pub feed: Vec<RawFeed>,
    #[serde(default)]
    pub alert: Vec<RawAlert>,
    pub retention: Option<RawRetention>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRetention {
    pub max_age: Option<Spanned<String>>,
    pub keep_per_source: Option<Spanned<i64>>,
    pub keep_published: Option<bool>,
    pub keep_history: Option<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawDatabase {
    pub url: Option<Spanned<String>>,
    pub lease_secs: Option<Spanned<i64>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawFetch {
    pub concurrency: Option<Spanned<i64>>,
    pub timeout_secs: Option<Spanned<i64>>,
    pub connect_timeout_secs: Option<Spanned<i64>>,
    pub user_agent: Option<Spanned<String>>,
    pub max_body_bytes: Option<Spanned<i64>>,
    pub interval: Option<Spanned<String>>,
    pub max_interval: Option<Spanned<String>>,
    pub per_host_concurrency: Option<Spanned<i64>>,
    pub allow_private_networks: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPublish {
    pub dir: Option<Spanned<String>>,
    pub base_url: Spanned<String>,
    pub formats: Option<Spanned<Vec<String>>>,
    #[serde(default)]
    pub hubs: Vec<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSource {
    pub name: Spanned<String>,
    pub url: Spanned<String>,
    #[serde(default)]
    pub tags: Vec<Spanned<String>>,
    pub language: Option<Spanned<String>>,
    pub enabled: Option<bool>,
    pub user_agent: Option<Spanned<String>>,
    pub interval: Option<Spanned<String>>,
    #[serde(default)]
    pub headers: std::collections::BTreeMap<String, Spanned<String>>,
    #[serde(default)]
    pub cookies: std::collections::BTreeMap<String, Spanned<String>>,
    pub kind: Option<Spanned<String>>,
    pub scrape: Option<Spanned<RawScrape>>,
    pub full_text: Option<Spanned<String>>,
    pub max_age: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawScrape {
    pub item: Spanned<String>,
    pub title: Option<Spanned<String>>,
    pub link: Option<Spanned<String>>,
    pub date: Option<Spanned<String>>,
    pub summary: Option<Spanned<String>>,
    pub image: Option<Spanned<String>>,
    pub author: Option<Spanned<String>>,
    pub day_first: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawFeed {
    pub slug: Spanned<String>,
    pub title: Spanned<String>,
    #[serde(default)]
    pub description: Option<String>,
    pub query: Spanned<String>,
    pub limit: Option<Spanned<i64>>,
    pub formats: Option<Spanned<Vec<String>>>,
    pub max_age: Option<Spanned<String>>,
    pub dedupe: Option<bool>,
    pub full_content: Option<bool>,
    pub examples: Option<Spanned<String>>,
    pub min_score: Option<Spanned<f64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawAlert {
    pub name: Spanned<String>,
    pub feeds: Spanned<Vec<String>>,
    pub every: Option<Spanned<String>>,
    pub at: Option<Spanned<String>>,
    pub timezone: Option<Spanned<String>>,
    pub webhook: Option<Spanned<RawWebhook>>,
    pub email: Option<Spanned<RawEmail>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawEmail {
    pub to: Vec<String>,
    pub from: String,
    pub smtp: String,
    pub starttls: Option<bool>,
    pub user: Option<String>,
    pub password_env: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawWebhook {
    pub url: Option<Spanned<String>>,
    pub url_env: Option<Spanned<String>>,
    pub format: Option<Spanned<String>>,
}
