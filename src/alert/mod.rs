//! Stage 7: telling people. An alert sends its feeds' new items to a
//! webhook (veille's JSON object, a Slack-style `{"text": …}` or plain
//! text) or as an e-mail digest. This module shapes the message and sends
//! it; which items, when, and what was delivered are the pipeline's and
//! the store's business.

mod body;
mod email;
mod error;
mod schedule;
mod webhook;

use url::Url;

use crate::config::{AlertChannel, AlertConfig};
use crate::store::DeliveredItem;

pub use error::AlertError;
pub use schedule::digest_due;

/// One message of an alert: its key and items, and where each topic's
/// page is published (digests link to it).
#[derive(Debug, Clone, Copy)]
pub struct Outgoing<'a> {
    /// The idempotency key (JSON payload, e-mail `Message-ID`).
    pub key: &'a str,
    /// The items, by feed then newest first.
    pub items: &'a [DeliveredItem],
    /// The publish folder's public URL.
    pub base_url: &'a Url,
}

/// Sends `outgoing` the alert's way.
pub async fn deliver(alert: &AlertConfig, outgoing: Outgoing<'_>) -> Result<(), AlertError> {
    match &alert.channel {
        AlertChannel::Webhook(hook) => {
            let message =
                body::webhook_body(hook.format, &alert.name, outgoing.key, outgoing.items);
            webhook::send_webhook(&alert.name, hook, &message).await
        }
        AlertChannel::Email(mail) => email::send_email(&alert.name, mail, outgoing).await,
    }
}
