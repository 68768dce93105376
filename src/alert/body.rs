//! The bodies an alert sends: a webhook's JSON object, Slack text or plain
//! text.

use serde::Serialize;

use crate::config::WebhookFormat;
use crate::store::DeliveredItem;

/// A message ready to post.
#[derive(Debug, Clone)]
pub struct Message {
    /// `Content-Type` of the body.
    pub content_type: &'static str,
    /// The body.
    pub body: String,
}

/// The JSON object a `format = "json"` webhook receives (documented in
/// the README): the idempotency key lets a receiver drop a message it
/// has already seen, which is how a send that veille could not record
/// stays harmless when it goes again.
#[derive(Debug, Serialize)]
struct JsonPayload<'a> {
    alert: &'a str,
    idempotency_key: &'a str,
    items: Vec<JsonItem<'a>>,
}

#[derive(Debug, Serialize)]
struct JsonItem<'a> {
    uid: &'a str,
    title: &'a str,
    link: Option<&'a str>,
    outlet: &'a str,
    date: String,
    language: Option<&'a str>,
    feed: &'a str,
    matched_terms: &'a [String],
    other_outlets: &'a [String],
}

/// The message an alert sends for `items`.
pub(super) fn webhook_body(
    format: WebhookFormat,
    alert: &str,
    key: &str,
    items: &[DeliveredItem],
) -> Message {
    match format {
        WebhookFormat::Json => Message {
            content_type: "application/json",
            body: json_body(alert, key, items),
        },
        WebhookFormat::Slack => Message {
            content_type: "application/json",
            body: serde_json::json!({ "text": text_body(alert, items, true) }).to_string(),
        },
        WebhookFormat::Text => Message {
            content_type: "text/plain; charset=utf-8",
            body: text_body(alert, items, false),
        },
    }
}

fn json_body(alert: &str, key: &str, items: &[DeliveredItem]) -> String {
    let payload = JsonPayload {
        alert,
        idempotency_key: key,
        items: items
            .iter()
            .map(|i| JsonItem {
                uid: &i.uid,
                title: &i.title,
                link: i.link.as_deref(),
                outlet: &i.outlet,
                date: crate::model::rfc3339(i.date),
                language: i.language.as_deref(),
                feed: &i.feed,
                matched_terms: &i.matched_terms,
                other_outlets: &i.other_outlets,
            })
            .collect(),
    };
    serde_json::to_string(&payload).unwrap_or_default()
}

/// One line per item, under a line naming the alert and the count;
/// Slack's link syntax when `slack`.
fn text_body(alert: &str, items: &[DeliveredItem], slack: bool) -> String {
    let noun = if items.len() == 1 { "item" } else { "items" };
    let mut text = format!("{alert}: {} new {noun}", items.len());
    for item in items {
        let title = if slack {
            slack_escape(&item.title)
        } else {
            item.title.clone()
        };
        let shown = match (&item.link, slack) {
            (Some(link), true) => format!("<{}|{title}>", slack_link(link)),
            (Some(link), false) => format!("{title} {link}"),
            (None, _) => title,
        };
        let outlet = if slack {
            slack_escape(&item.outlet)
        } else {
            item.outlet.clone()
        };
        text.push_str(&format!("\n• {shown} ({outlet})"));
        if !item.other_outlets.is_empty() {
            text.push_str(&format!(", also {}", item.other_outlets.join(", ")));
        }
    }
    text
}

/// Slack reads `<`, `>` and `&` as markup.
fn slack_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// A URL inside Slack's `<url|text>`: the characters that would end it
/// are percent-encoded.
fn slack_link(url: &str) -> String {
    url.replace('|', "%7C")
        .replace('>', "%3E")
        .replace('<', "%3C")
}
