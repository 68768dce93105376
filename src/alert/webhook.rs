//! Posting a message to a webhook. The address may hold a token, so
//! errors name the alert and what went wrong, never the address.

use std::time::Duration;

use super::Message;
use crate::config::{WebhookConfig, WebhookUrl};

/// How long a receiver has to answer.
const TIMEOUT: Duration = Duration::from_secs(20);

/// Why an alert could not be sent.
#[derive(Debug, thiserror::Error)]
pub enum AlertError {
    /// `url_env` names a variable that is not set.
    #[error("alert {alert:?}: environment variable {variable} is not set")]
    MissingEnv {
        /// The alert.
        alert: String,
        /// The variable's name (not its value).
        variable: String,
    },
    /// The variable's value is not an http(s) URL.
    #[error("alert {alert:?}: environment variable {variable} does not hold an http(s) URL")]
    BadEnvUrl {
        /// The alert.
        alert: String,
        /// The variable's name.
        variable: String,
    },
    /// The receiver answered with an error status.
    #[error("alert {alert:?}: the webhook answered HTTP {status}")]
    Status {
        /// The alert.
        alert: String,
        /// The status code.
        status: u16,
    },
    /// No answer: connection refused, timeout…
    #[error("alert {alert:?}: the webhook could not be reached: {reason}")]
    Unreachable {
        /// The alert.
        alert: String,
        /// What failed, without the address.
        reason: String,
    },
}

/// Posts `message` to the alert's webhook; `Ok` when it answered 2xx.
pub async fn send_webhook(
    alert: &str,
    hook: &WebhookConfig,
    message: &Message,
) -> Result<(), AlertError> {
    let url = address(alert, &hook.url)?;
    let unreachable = |e: reqwest::Error| AlertError::Unreachable {
        alert: alert.to_string(),
        reason: crate::untrusted::printable(&e.without_url().to_string()).into_owned(),
    };
    let client = reqwest::Client::builder()
        .timeout(TIMEOUT)
        .user_agent(crate::config::DEFAULT_USER_AGENT)
        .build()
        .map_err(unreachable)?;
    let response = client
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, message.content_type)
        .body(message.body.clone())
        .send()
        .await
        .map_err(unreachable)?;
    if response.status().is_success() {
        Ok(())
    } else {
        Err(AlertError::Status {
            alert: alert.to_string(),
            status: response.status().as_u16(),
        })
    }
}

/// The webhook's address, read from the environment when configured so.
fn address(alert: &str, url: &WebhookUrl) -> Result<url::Url, AlertError> {
    match url {
        WebhookUrl::Literal(url) => Ok(url.clone()),
        WebhookUrl::Env(variable) => {
            let value = std::env::var(variable).map_err(|_| AlertError::MissingEnv {
                alert: alert.to_string(),
                variable: variable.clone(),
            })?;
            url::Url::parse(value.trim())
                .ok()
                .filter(|u| matches!(u.scheme(), "http" | "https"))
                .ok_or_else(|| AlertError::BadEnvUrl {
                    alert: alert.to_string(),
                    variable: variable.clone(),
                })
        }
    }
}
