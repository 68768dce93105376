//! `[[alert]]`: who is told about a topic's new items, how and how often.
//! Secrets (a webhook URL with its token) may come from the environment,
//! read only when an alert is sent, so that `veille check` never has them.

use std::collections::HashSet;
use std::time::Duration;

use toml::Spanned;
use url::Url;

use super::raw::{RawAlert, RawWebhook};
use super::validate::Checker;
use super::{ConfigError, FeedConfig};

/// One `[[alert]]`.
#[derive(Clone)]
pub struct AlertConfig {
    /// Unique name: the key of its deliveries in the database.
    pub name: String,
    /// Slugs of the `[[feed]]`s whose new items it announces.
    pub feeds: Vec<String>,
    /// A digest every this long; `None`: the items of each run, at that run.
    pub every: Option<Duration>,
    /// Where the items are posted.
    pub webhook: WebhookConfig,
}

/// Never shows the webhook's address, which often carries a token.
impl std::fmt::Debug for AlertConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AlertConfig")
            .field("name", &self.name)
            .field("feeds", &self.feeds)
            .field("every", &self.every)
            .field("format", &self.webhook.format)
            .finish_non_exhaustive()
    }
}

/// `webhook = { url | url_env, format }`.
#[derive(Clone)]
pub struct WebhookConfig {
    /// The address, or the variable that holds it.
    pub url: WebhookUrl,
    /// The body's shape.
    pub format: WebhookFormat,
}

/// Where a webhook's address comes from.
#[derive(Clone)]
pub enum WebhookUrl {
    /// Written in the file.
    Literal(Url),
    /// Read from this environment variable when the alert is sent.
    Env(String),
}

/// The body a webhook receives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebhookFormat {
    /// veille's documented JSON object (the default).
    Json,
    /// `{"text": …}`, for Slack and Mattermost incoming webhooks.
    Slack,
    /// Plain text, for ntfy-style services.
    Text,
}

impl Checker<'_> {
    /// Every `[[alert]]`, checked against the feeds it names.
    pub(super) fn alerts(
        &self,
        raw: &[RawAlert],
        feeds: &[FeedConfig],
    ) -> Result<Vec<AlertConfig>, ConfigError> {
        let mut names = HashSet::new();
        raw.iter()
            .enumerate()
            .map(|(i, alert)| self.alert(i, alert, feeds, &mut names))
            .collect()
    }

    fn alert(
        &self,
        i: usize,
        raw: &RawAlert,
        feeds: &[FeedConfig],
        names: &mut HashSet<String>,
    ) -> Result<AlertConfig, ConfigError> {
        let key = |k: &str| format!("alert[{}].{k}", i + 1);
        let name = self.non_empty(&raw.name, &key("name"))?;
        if !names.insert(name.clone()) {
            return Err(self.invalid(raw.name.span(), &key("name"), "is used twice"));
        }
        let every = match &raw.every {
            Some(every) => Some(
                super::parse_interval(every.get_ref())
                    .map_err(|e| self.invalid(every.span(), &key("every"), e.to_string()))?,
            ),
            None => None,
        };
        let Some(webhook) = &raw.webhook else {
            return Err(self.invalid(raw.name.span(), &key("webhook"), "is missing"));
        };
        Ok(AlertConfig {
            name,
            feeds: self.alert_feeds(&raw.feeds, feeds, &key("feeds"))?,
            every,
            webhook: self.webhook(webhook, &key("webhook"))?,
        })
    }

    fn alert_feeds(
        &self,
        raw: &Spanned<Vec<String>>,
        feeds: &[FeedConfig],
        key: &str,
    ) -> Result<Vec<String>, ConfigError> {
        if raw.get_ref().is_empty() {
            return Err(self.invalid(raw.span(), key, "must name at least one feed"));
        }
        for slug in raw.get_ref() {
            if !feeds.iter().any(|f| &f.slug == slug) {
                return Err(self.invalid(
                    raw.span(),
                    key,
                    format!("no [[feed]] has the slug {slug:?}"),
                ));
            }
        }
        Ok(raw.get_ref().clone())
    }

    fn webhook(&self, raw: &Spanned<RawWebhook>, key: &str) -> Result<WebhookConfig, ConfigError> {
        let hook = raw.get_ref();
        let url = match (&hook.url, &hook.url_env) {
            (Some(url), None) => WebhookUrl::Literal(self.http_url(url, &format!("{key}.url"))?),
            (None, Some(var)) => WebhookUrl::Env(self.non_empty(var, &format!("{key}.url_env"))?),
            _ => {
                return Err(self.invalid(
                    raw.span(),
                    key,
                    "needs exactly one of `url` and `url_env`",
                ));
            }
        };
        let format = match hook
            .format
            .as_ref()
            .map(|f| (f.get_ref().as_str(), f.span()))
        {
            None | Some(("json", _)) => WebhookFormat::Json,
            Some(("slack", _)) => WebhookFormat::Slack,
            Some(("text", _)) => WebhookFormat::Text,
            Some((other, span)) => {
                return Err(self.invalid(
                    span,
                    &format!("{key}.format"),
                    format!("{other:?} is not one of \"json\", \"slack\", \"text\""),
                ));
            }
        };
        Ok(WebhookConfig { url, format })
    }
}
