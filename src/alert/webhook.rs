//! Posting a message to a webhook. The address may hold a token, so
//! errors name the alert and what went wrong, never the address.

use std::time::Duration;

use super::AlertError;
use super::body::Message;
use crate::config::{WebhookConfig, WebhookUrl};

/// How long a receiver has to answer.
const TIMEOUT: Duration = Duration::from_secs(20);

/// Posts `message` to the alert's webhook; `Ok` when it answered 2xx.
pub(super) async fn send_webhook(
    alert: &str,
    hook: &WebhookConfig,
    message: &Message,
) -> Result<(), AlertError> {
    let url = address(alert, &hook.url)?;
    let unreachable = |e: reqwest::Error| AlertError::Unreachable {
        alert: alert.to_string(),
        reason: crate::untrusted::with_causes(&e.without_url()),
    };
    // A redirect would turn the POST into a body-less GET whose 2xx would
    // count as delivered: a 3xx is an answer to fix in the config.
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
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
