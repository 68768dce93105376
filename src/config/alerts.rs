//! `[[alert]]`: who is told about a topic's new items, how and how often.
//! Secrets (a webhook URL with its token) may come from the environment,
//! read only when an alert is sent, so that `veille check` never has them.

use std::collections::HashSet;
use std::time::Duration;

use toml::Spanned;
use url::Url;

use super::raw::{RawAlert, RawEmail, RawWebhook};
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
    /// How the items are sent.
    pub channel: AlertChannel,
}

/// An alert's one way of telling: a webhook or an e-mail.
#[derive(Clone)]
pub enum AlertChannel {
    /// `webhook = { … }`.
    Webhook(WebhookConfig),
    /// `email = { … }`.
    Email(EmailConfig),
}

/// `email = { to, from, smtp, starttls, user, password_env }`.
#[derive(Debug, Clone)]
pub struct EmailConfig {
    /// Recipients, checked to be addresses.
    pub to: Vec<String>,
    /// Sender.
    pub from: String,
    /// The SMTP server.
    pub server: SmtpServer,
    /// User name for SMTP AUTH, with `password_env`.
    pub user: Option<String>,
    /// The variable holding the password, read only when sending.
    pub password_env: Option<String>,
}

/// Where and how to reach the SMTP server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmtpServer {
    /// Host name or address.
    pub host: String,
    /// Port (25 for `smtp://`, 465 for `smtps://` unless given).
    pub port: u16,
    /// How the connection is protected.
    pub security: SmtpSecurity,
}

/// The connection's protection, as configured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpSecurity {
    /// `smtps://`: TLS from the first byte.
    ImplicitTls,
    /// `smtp://` with `starttls = true`: upgraded, and refused without it.
    StartTls,
    /// `smtp://` with `starttls = false`: plain text, only as configured.
    Plain,
}

/// Never shows the webhook's address, which often carries a token.
impl std::fmt::Debug for AlertConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AlertConfig")
            .field("name", &self.name)
            .field("feeds", &self.feeds)
            .field("every", &self.every)
            .field(
                "channel",
                &match &self.channel {
                    AlertChannel::Webhook(_) => "webhook",
                    AlertChannel::Email(_) => "email",
                },
            )
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
        let channel = match (&raw.webhook, &raw.email) {
            (Some(webhook), None) => AlertChannel::Webhook(self.webhook(webhook, &key("webhook"))?),
            (None, Some(email)) => AlertChannel::Email(self.email(email, &key("email"))?),
            _ => {
                return Err(self.invalid(
                    raw.name.span(),
                    &key("name"),
                    "needs exactly one of `webhook` and `email` (two alerts can follow the same feeds)",
                ));
            }
        };
        Ok(AlertConfig {
            name,
            feeds: self.alert_feeds(&raw.feeds, feeds, &key("feeds"))?,
            every,
            channel,
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

impl Checker<'_> {
    fn email(&self, raw: &Spanned<RawEmail>, key: &str) -> Result<EmailConfig, ConfigError> {
        let email = raw.get_ref();
        let invalid = |what: &str, message: String| {
            self.invalid(raw.span(), &format!("{key}.{what}"), message)
        };
        if email.to.is_empty() {
            return Err(invalid("to", "must name at least one address".into()));
        }
        for address in email.to.iter().chain([&email.from]) {
            if address.parse::<lettre::Address>().is_err() {
                return Err(invalid(
                    "to",
                    format!("{address:?} is not an e-mail address"),
                ));
            }
        }
        if email.user.is_some() != email.password_env.is_some() {
            return Err(invalid(
                "user",
                "`user` and `password_env` go together".into(),
            ));
        }
        Ok(EmailConfig {
            to: email.to.clone(),
            from: email.from.clone(),
            server: smtp_server(&email.smtp, email.starttls.unwrap_or(false))
                .map_err(|message| invalid("smtp", message))?,
            user: email.user.clone(),
            password_env: email.password_env.clone(),
        })
    }
}

/// `smtp://host[:port]` or `smtps://host[:port]`, and what `starttls` asks.
fn smtp_server(text: &str, starttls: bool) -> Result<SmtpServer, String> {
    let url = Url::parse(text.trim()).map_err(|e| format!("{text:?} is not a URL: {e}"))?;
    let host = url
        .host_str()
        .filter(|h| !h.is_empty())
        .ok_or_else(|| format!("{text:?} has no host"))?
        .trim_matches(['[', ']'])
        .to_string();
    let (security, default_port) = match (url.scheme(), starttls) {
        ("smtps", false) => (SmtpSecurity::ImplicitTls, 465),
        ("smtps", true) => return Err("`smtps://` is TLS already: leave `starttls` out".into()),
        ("smtp", true) => (SmtpSecurity::StartTls, 587),
        ("smtp", false) => (SmtpSecurity::Plain, 25),
        (other, _) => return Err(format!("{other:?} is not smtp:// or smtps://")),
    };
    Ok(SmtpServer {
        host,
        port: url.port().unwrap_or(default_port),
        security,
    })
}
