//! E-mail digests over SMTP (lettre): a plain-text and an HTML part, the
//! items grouped by feed and, within a feed, by story (one entry per
//! story cluster, naming the other outlets), with a link to each topic
//! page. The `Message-ID` is the delivery's idempotency key, so a digest
//! sent again after a lost acknowledgement is the same message.

use std::time::Duration;

use html_escape::{encode_double_quoted_attribute as attr, encode_text as text};
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::{AlertError, Outgoing};
use crate::config::{EmailConfig, SmtpSecurity};
use crate::store::DeliveredItem;

/// How long the SMTP server has for each step.
const TIMEOUT: Duration = Duration::from_secs(30);

/// One entry of a digest: a story, reported by one or more outlets.
struct Story<'a> {
    lead: &'a DeliveredItem,
    outlets: Vec<&'a str>,
}

/// Builds the digest and hands it to the SMTP server.
pub(super) async fn send_email(
    alert: &str,
    config: &EmailConfig,
    outgoing: Outgoing<'_>,
) -> Result<(), AlertError> {
    let message = digest(alert, config, outgoing)?;
    let transport = transport(alert, config)?;
    transport
        .send(message)
        .await
        .map_err(|e| AlertError::Smtp {
            alert: alert.to_string(),
            reason: crate::untrusted::printable(&e.to_string()).into_owned(),
        })?;
    Ok(())
}

/// The SMTP connection the configuration asks for.
fn transport(
    alert: &str,
    config: &EmailConfig,
) -> Result<AsyncSmtpTransport<Tokio1Executor>, AlertError> {
    let server = &config.server;
    let smtp_error = |e: lettre::transport::smtp::Error| AlertError::Smtp {
        alert: alert.to_string(),
        reason: e.to_string(),
    };
    let builder = match server.security {
        SmtpSecurity::ImplicitTls => {
            AsyncSmtpTransport::<Tokio1Executor>::relay(&server.host).map_err(smtp_error)?
        }
        SmtpSecurity::StartTls => {
            AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&server.host)
                .map_err(smtp_error)?
        }
        SmtpSecurity::Plain => {
            AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&server.host)
        }
    };
    let mut builder = builder.port(server.port).timeout(Some(TIMEOUT));
    if let (Some(user), Some(variable)) = (&config.user, &config.password_env) {
        let password = std::env::var(variable).map_err(|_| AlertError::MissingEnv {
            alert: alert.to_string(),
            variable: variable.clone(),
        })?;
        builder = builder.credentials(Credentials::new(user.clone(), password));
    }
    Ok(builder.build())
}

/// The digest message: subject naming the alert and the count, both parts.
fn digest(
    alert: &str,
    config: &EmailConfig,
    outgoing: Outgoing<'_>,
) -> Result<Message, AlertError> {
    let mail_error = |reason: String| AlertError::Mail {
        alert: alert.to_string(),
        reason,
    };
    let mailbox = |a: &str| {
        a.parse::<Mailbox>()
            .map_err(|e| mail_error(format!("{a:?}: {e}")))
    };
    let count = outgoing.items.len();
    let noun = if count == 1 { "item" } else { "items" };
    let mut builder = Message::builder()
        .from(mailbox(&config.from)?)
        .subject(format!("{alert}: {count} new {noun}"))
        .message_id(Some(format!("<{}@veille>", outgoing.key)));
    for to in &config.to {
        builder = builder.to(mailbox(to)?);
    }
    let feeds = by_feed(outgoing.items);
    let plain = plain_part(alert, &feeds, outgoing);
    let html = html_part(alert, &feeds, outgoing);
    builder
        .multipart(MultiPart::alternative_plain_html(plain, html))
        .map_err(|e| mail_error(e.to_string()))
}

/// The items by feed (in delivery order), each feed's items by story.
fn by_feed(items: &[DeliveredItem]) -> Vec<(&str, Vec<Story<'_>>)> {
    let mut feeds: Vec<(&str, Vec<Story<'_>>)> = Vec::new();
    for item in items {
        if feeds.last().is_none_or(|(slug, _)| *slug != item.feed) {
            feeds.push((&item.feed, Vec::new()));
        }
        let Some((_, stories)) = feeds.last_mut() else {
            continue;
        };
        let same_story = stories
            .iter_mut()
            .find(|s| item.cluster_id.is_some() && s.lead.cluster_id == item.cluster_id);
        match same_story {
            Some(story) => story.outlets.push(&item.outlet),
            None => stories.push(Story {
                lead: item,
                outlets: Vec::new(),
            }),
        }
    }
    for (_, stories) in &mut feeds {
        for story in stories.iter_mut() {
            story
                .outlets
                .extend(story.lead.other_outlets.iter().map(String::as_str));
            let lead = story.lead.outlet.as_str();
            let mut seen = vec![lead];
            story.outlets.retain(|o| {
                let first = !seen.contains(o);
                seen.push(o);
                first
            });
        }
    }
    feeds
}

fn topic_url(outgoing: Outgoing<'_>, slug: &str) -> String {
    outgoing
        .base_url
        .join(&format!("{slug}/"))
        .map(|u| u.to_string())
        .unwrap_or_default()
}

fn plain_part(alert: &str, feeds: &[(&str, Vec<Story<'_>>)], outgoing: Outgoing<'_>) -> String {
    let mut out = format!("{alert}: {} new\n", outgoing.items.len());
    for (slug, stories) in feeds {
        out.push_str(&format!("\n{slug} ({})\n", topic_url(outgoing, slug)));
        for story in stories {
            let item = story.lead;
            out.push_str(&format!("- {} ({}", item.title, item.outlet));
            if !story.outlets.is_empty() {
                out.push_str(&format!("; also {}", story.outlets.join(", ")));
            }
            out.push_str(")\n");
            if let Some(link) = &item.link {
                out.push_str(&format!("  {link}\n"));
            }
        }
    }
    out
}

fn html_part(alert: &str, feeds: &[(&str, Vec<Story<'_>>)], outgoing: Outgoing<'_>) -> String {
    let mut out = format!(
        "<!DOCTYPE html>\n<html><body>\n<h1>{}: {} new</h1>\n",
        text(alert),
        outgoing.items.len()
    );
    for (slug, stories) in feeds {
        out.push_str(&format!(
            "<h2><a href=\"{}\">{}</a></h2>\n<ul>\n",
            attr(&topic_url(outgoing, slug)),
            text(slug)
        ));
        for story in stories {
            let item = story.lead;
            let title = match &item.link {
                Some(link) => format!("<a href=\"{}\">{}</a>", attr(link), text(&item.title)),
                None => text(&item.title).into_owned(),
            };
            out.push_str(&format!("<li>{title} <small>{}", text(&item.outlet)));
            if !story.outlets.is_empty() {
                out.push_str(&format!("; also {}", text(&story.outlets.join(", "))));
            }
            out.push_str("</small></li>\n");
        }
        out.push_str("</ul>\n");
    }
    out.push_str("</body></html>\n");
    out
}
