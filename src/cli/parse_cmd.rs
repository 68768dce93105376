//! `veille parse FILE_OR_URL [--json] [--stored]`: what veille reads from
//! one feed. `--json` prints the parsed feed in the neutral model that the
//! shared corpus checker reads (`veille parse --json {file}`): a contract.
//! `--stored` prints instead what a run would store: the normalised
//! articles (sanitised HTML, canonical URL, language, identity) under the
//! names of the `articles` columns.

use serde_json::{Value, json};

use super::Exit;
use crate::config::FetchConfig;
use crate::fetch::{FetchRequest, Fetcher};
use crate::normalise::{SourceContext, normalise_selected};
use crate::parse::{ParsedFeed, Person, parse_feed};

/// What `veille parse` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ParseOutput {
    /// A few lines per item.
    Summary,
    /// The parsed feed, in the corpus checker's neutral model.
    Parsed,
    /// The normalised articles, as a run would store them.
    Stored,
}

pub(super) async fn parse(target: &str, output: ParseOutput) -> Exit {
    let (bytes, charset, feed_url) = match load(target).await {
        Ok(loaded) => loaded,
        Err(message) => {
            eprintln!("veille: {}", crate::untrusted::printable(&message));
            return Exit::Fatal;
        }
    };
    match parse_feed(&bytes, charset.as_deref()) {
        Ok(feed) => {
            match output {
                ParseOutput::Summary => print_summary(&feed),
                ParseOutput::Parsed => print_json(&to_json(&feed)),
                ParseOutput::Stored => print_json(&stored_json(&feed, &feed_url)),
            }
            Exit::Ok
        }
        Err(e) => {
            eprintln!(
                "veille: {}: {}",
                crate::untrusted::printable(target),
                crate::untrusted::printable(&e.to_string())
            );
            Exit::Fatal
        }
    }
}

fn print_json(value: &Value) {
    super::output::print(&format!(
        "{}\n",
        serde_json::to_string_pretty(value).unwrap_or_default()
    ));
}

/// The bytes, their HTTP charset, and the URL they came from (the base for
/// relative links: the final URL after redirects, or the file's own).
async fn load(target: &str) -> Result<(Vec<u8>, Option<String>, url::Url), String> {
    if target.starts_with("http://") || target.starts_with("https://") {
        let url = url::Url::parse(target).map_err(|e| format!("{target}: invalid URL: {e}"))?;
        let fetcher = Fetcher::new(&FetchConfig::one_off()).map_err(|e| e.to_string())?;
        let response = fetcher
            .fetch(&FetchRequest::new(url))
            .await
            .map_err(|e| e.to_string())?;
        Ok((response.body, response.charset, response.final_url))
    } else {
        let bytes = std::fs::read(target).map_err(|e| format!("cannot read {target}: {e}"))?;
        let path = std::path::absolute(target).map_err(|e| format!("{target}: {e}"))?;
        let url = url::Url::from_file_path(&path)
            .map_err(|_| format!("{target}: not a path a URL can name"))?;
        Ok((bytes, None, url))
    }
}

fn people(list: &[Person]) -> Value {
    Value::Array(
        list.iter()
            .map(|p| json!({"name": p.name, "email": p.email, "uri": p.uri}))
            .collect(),
    )
}

fn to_json(feed: &ParsedFeed) -> Value {
    let items: Vec<Value> = feed
        .items
        .iter()
        .map(|i| {
            json!({
                "id": i.id,
                "title": i.title,
                "link": i.link,
                "summary": i.summary,
                "content": i.content,
                "published": i.published.map(crate::model::rfc3339),
                "updated": i.updated.map(crate::model::rfc3339),
                "authors": people(&i.authors),
                "categories": i.categories,
                "enclosures": i.enclosures.iter().map(|e| json!({"url": e.url, "type": e.mime_type, "length": e.length})).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({
        "feed": {
            "title": feed.title,
            "link": feed.link,
            "description": feed.description,
            "language": feed.language,
            "updated": feed.updated.map(crate::model::rfc3339),
            "authors": people(&feed.authors),
        },
        "items": items,
    })
}

/// The articles a run would store from `feed`, fetched from `feed_url`.
fn stored_json(feed: &ParsedFeed, feed_url: &url::Url) -> Value {
    let context = SourceContext {
        feed_url,
        language: None,
    };
    let articles: Vec<Value> = normalise_selected(feed, &context, |_| true)
        .iter()
        .map(|a| {
            json!({
                "dedup_key": a.dedup_key,
                "guid": a.guid,
                "url": a.url,
                "link": a.link,
                "title": a.title,
                "author": a.author,
                "summary": a.summary,
                "content": a.content,
                "content_text": a.content_text,
                "published_at": a.published_at.map(crate::model::rfc3339),
                "updated_at": a.updated_at.map(crate::model::rfc3339),
                "language": a.language,
                "categories": a.categories,
                "enclosures": a.enclosures,
                "content_hash": a.content_hash,
            })
        })
        .collect();
    json!({
        "feed": {
            "title": feed.title,
            "link": feed.link,
            "language": feed.language,
        },
        "articles": articles,
    })
}

fn print_summary(feed: &ParsedFeed) {
    use std::fmt::Write;
    let mut out = String::new();
    let format = feed.format.map(|f| format!("{f:?}")).unwrap_or_default();
    let _ = writeln!(
        out,
        "{} ({format}), {} items",
        feed.title.as_deref().unwrap_or("(untitled)"),
        feed.items.len()
    );
    for item in &feed.items {
        let date = item
            .published
            .or(item.updated)
            .map(crate::model::rfc3339)
            .unwrap_or_else(|| "no date".into());
        // One line each, whatever line breaks the feed put in them.
        let _ = writeln!(
            out,
            "  {date}  {}",
            crate::untrusted::printable(item.title.as_deref().unwrap_or("(untitled)"))
        );
        if let Some(link) = &item.link {
            let link = crate::untrusted::printable(link);
            let _ = writeln!(out, "                        {link}");
        }
    }
    super::output::print_text(&out);
}
