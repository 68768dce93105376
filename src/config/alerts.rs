//! `[[alert]]`: who is told about a topic's new items, how and how often.
//! Secrets (a webhook URL with its token) may come from the environment,
//! read only when an alert is sent, so that `veille check` never has them.

use std::collections::HashSet;
use std::time::Duration;

use toml::Spanned;
use url::Url;

use super::ConfigError;
use super::raw::{RawAlert, RawEmail, RawWebhook};
use super::validate::Checker;

/// One `[[alert]]`.
#[derive(Clone)]
pub struct AlertConfig {
    /// Unique name: the key of its deliveries in the database.
    pub name: String,
    /// Slugs of the `[[feed]]`s whose new items it announces.
    pub feeds: Vec<String>,
    /// A digest every this long; `None`: the items of each run, at that run.
    pub every: Option<Duration>,
    /// With `every`: the digest goes out at this local time.
    pub at: Option<DigestTime>,
    /// How the items are sent.
    pub channel: AlertChannel,
}

/// `at = "08:00"` in `timezone` (UTC when left out).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DigestTime {
    /// The local time of day.
    pub time: chrono::NaiveTime,
    /// The zone it is read in.
    pub zone: chrono_tz::Tz,
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
        feeds: &HashSet<String>,
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
        feeds: &HashSet<String>,
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
                    .map_err(|e| self.invalid(every.span(), &key("every"), e.to_string()))
                    .and_then(|e| match e <= MAX_EVERY {
                        true => Ok(e),
                        false => {
                            Err(self.invalid(every.span(), &key("every"), "must be at most 366d"))
                        }
                    })?,
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
            at: self.digest_time(raw, every, &key)?,
            every,
            channel,
        })
    }

    fn alert_feeds(
        &self,
        raw: &Spanned<Vec<String>>,
        feeds: &HashSet<String>,
        key: &str,
    ) -> Result<Vec<String>, ConfigError> {
        if raw.get_ref().is_empty() {
            return Err(self.invalid(raw.span(), key, "must name at least one feed"));
        }
        for slug in raw.get_ref() {
            if !feeds.contains(slug) {
                return Err(self.invalid(
                    raw.span(),
                    key,
                    format!("no [[feed]] has the slug {slug:?}"),
                ));
            }
        }
        Ok(raw.get_ref().clone())
    }

    /// An http(s) URL; the error never repeats it, since a webhook's
    /// address often carries its token.
    fn webhook_url(&self, value: &Spanned<String>, key: &str) -> Result<Url, ConfigError> {
        Url::parse(value.get_ref().trim())
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
            .ok_or_else(|| {
                self.invalid(
                    value.span(),
                    key,
                    "must be an http:// or https:// URL with a host",
                )
            })
    }

    fn webhook(&self, raw: &Spanned<RawWebhook>, key: &str) -> Result<WebhookConfig, ConfigError> {
        let hook = raw.get_ref();
        let url = match (&hook.url, &hook.url_env) {
            (Some(url), None) => WebhookUrl::Literal(self.webhook_url(url, &format!("{key}.url"))?),
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

/// The shortest `every` that `at` goes with: a digest at a time of day.
const ONE_DAY: Duration = Duration::from_secs(86_400);

/// The longest `every`: a yearly digest (and no date arithmetic overflows).
const MAX_EVERY: Duration = Duration::from_secs(366 * 86_400);

impl Checker<'_> {
    fn digest_time(
        &self,
        raw: &RawAlert,
        every: Option<Duration>,
        key: &dyn Fn(&str) -> String,
    ) -> Result<Option<DigestTime>, ConfigError> {
        let zone = match &raw.timezone {
            Some(zone) => zone.get_ref().parse::<chrono_tz::Tz>().map_err(|_| {
                self.invalid(
                    zone.span(),
                    &key("timezone"),
                    format!(
                        "{:?} is not an IANA time zone such as \"Africa/Casablanca\"",
                        zone.get_ref()
                    ),
                )
            })?,
            None => chrono_tz::UTC,
        };
        let Some(at) = &raw.at else {
            return match &raw.timezone {
                Some(zone) => Err(self.invalid(zone.span(), &key("timezone"), "goes with `at`")),
                None => Ok(None),
            };
        };
        if every.is_none_or(|e| e < ONE_DAY) {
            return Err(self.invalid(at.span(), &key("at"), "needs `every` of a day or more"));
        }
        let time =
            chrono::NaiveTime::parse_from_str(at.get_ref().trim(), "%H:%M").map_err(|_| {
                self.invalid(
                    at.span(),
                    &key("at"),
                    format!("{:?} is not a time such as \"08:00\"", at.get_ref()),
                )
            })?;
        Ok(Some(DigestTime { time, zone }))
    }

    fn email(&self, raw: &Spanned<RawEmail>, key: &str) -> Result<EmailConfig, ConfigError> {
        let email = raw.get_ref();
        let invalid = |what: &str, message: String| {
            self.invalid(raw.span(), &format!("{key}.{what}"), message)
        };
        if email.to.is_empty() {
            return Err(invalid("to", "must name at least one address".into()));
        }
        let addresses = email.to.iter().map(|a| ("to", a));
        for (what, address) in addresses.chain([("from", &email.from)]) {
            if address.parse::<lettre::Address>().is_err() {
                return Err(invalid(
                    what,
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
    let url = Url::parse(text.trim()).map_err(|e| format!("is not a URL: {e}"))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err("must not hold a user or password: use `user` and `password_env`".into());
    }
    let host = url
        .host_str()
        .filter(|h| !h.is_empty())
        .ok_or_else(|| "has no host".to_string())?
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

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::{AlertChannel, SmtpSecurity};
    use crate::config::Config;

    const BASE: &str = "[publish]\nbase_url = \"https://example.org/\"\n\n\
        [[feed]]\nslug = \"ai\"\ntitle = \"AI\"\nquery = \"ia\"\n\n";

    fn load(alert: &str) -> Result<Config, String> {
        Config::from_toml(
            &format!("{BASE}[[alert]]\n{alert}"),
            Path::new("/etc/veille/config.toml"),
        )
        .map_err(|e| e.to_string())
    }

    #[test]
    fn an_email_digest_at_eight_in_casablanca() {
        let config = load(
            "name = \"morning\"\nfeeds = [\"ai\"]\nevery = \"1d\"\nat = \"08:00\"\ntimezone = \"Africa/Casablanca\"\n\
             email = { to = [\"a@example.org\"], from = \"v@example.org\", smtp = \"smtps://mail.example.org\", user = \"v\", password_env = \"PW\" }\n",
        )
        .unwrap();
        let alert = &config.alerts[0];
        assert_eq!(
            alert.at.map(|a| a.zone),
            Some(chrono_tz::Africa::Casablanca)
        );
        let AlertChannel::Email(email) = &alert.channel else {
            panic!("not an e-mail alert");
        };
        assert_eq!(
            (email.server.port, email.server.security),
            (465, SmtpSecurity::ImplicitTls)
        );
        // The Debug form never shows where the alert goes.
        assert!(!format!("{alert:?}").contains("example.org"));
    }

    #[test]
    fn mistakes_name_the_key_and_the_line() {
        let cases = [
            (
                "name = \"x\"\nfeeds = [\"nope\"]\nwebhook = { url = \"https://h.example/\" }",
                "alert[1].feeds",
                "no [[feed]] has the slug \"nope\"",
            ),
            (
                "name = \"x\"\nfeeds = [\"ai\"]",
                "alert[1].name",
                "needs exactly one of `webhook` and `email`",
            ),
            (
                "name = \"x\"\nfeeds = [\"ai\"]\nwebhook = { url = \"https://h.example/\", url_env = \"H\" }",
                "alert[1].webhook",
                "exactly one of `url` and `url_env`",
            ),
            (
                "name = \"x\"\nfeeds = [\"ai\"]\nat = \"08:00\"\nwebhook = { url_env = \"H\" }",
                "alert[1].at",
                "needs `every` of a day or more",
            ),
            (
                "name = \"x\"\nfeeds = [\"ai\"]\nevery = \"1d\"\nat = \"8h\"\nwebhook = { url_env = \"H\" }",
                "alert[1].at",
                "is not a time",
            ),
            (
                "name = \"x\"\nfeeds = [\"ai\"]\nevery = \"1d\"\nat = \"08:00\"\ntimezone = \"Mars/Olympus\"\nwebhook = { url_env = \"H\" }",
                "alert[1].timezone",
                "not an IANA time zone",
            ),
            (
                "name = \"x\"\nfeeds = [\"ai\"]\nwebhook = { url_env = \"H\", format = \"xml\" }",
                "alert[1].webhook.format",
                "\"xml\" is not one of",
            ),
            (
                "name = \"x\"\nfeeds = [\"ai\"]\nemail = { to = [\"a@example.org\"], from = \"v@example.org\", smtp = \"smtps://m.example\", starttls = true }",
                "alert[1].email.smtp",
                "TLS already",
            ),
            (
                "name = \"x\"\nfeeds = [\"ai\"]\nemail = { to = [\"not an address\"], from = \"v@example.org\", smtp = \"smtp://m.example\" }",
                "alert[1].email.to",
                "not an e-mail address",
            ),
        ];
        let more = [
            (
                "name = \"x\"\nfeeds = [\"ai\"]\nwebhook = { url = \"hooks.example.org/T0/s3cr3t\" }",
                "alert[1].webhook.url",
                "must be an http:// or https:// URL",
            ),
            (
                "name = \"x\"\nfeeds = [\"ai\"]\nevery = \"400d\"\nwebhook = { url_env = \"H\" }",
                "alert[1].every",
                "at most 366d",
            ),
            (
                "name = \"x\"\nfeeds = [\"ai\"]\nemail = { to = [\"a@example.org\"], from = \"v@example.org\", smtp = \"smtp://v:s3cr3t@m.example\" }",
                "alert[1].email.smtp",
                "use `user` and `password_env`",
            ),
            (
                "name = \"x\"\nfeeds = [\"ai\"]\nemail = { to = [\"a@example.org\"], from = \"nobody\", smtp = \"smtp://m.example\" }",
                "alert[1].email.from",
                "not an e-mail address",
            ),
        ];
        for (alert, key, message) in cases.into_iter().chain(more) {
            let error = load(alert).unwrap_err();
            assert!(
                error.contains(&format!("`{key}`")) && error.contains(message),
                "{alert}\n→ {error}"
            );
            assert!(error.starts_with("/etc/veille/config.toml:"), "{error}");
            assert!(!error.contains("s3cr3t"), "a secret in {error}");
        }
    }
}
