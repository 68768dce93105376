//! `veille parse FILE_OR_URL [--json]`: what veille reads from one feed.
//! The JSON shape is a contract (the shared corpus checker reads it).

use serde_json::{Value, json};

use super::Exit;
use crate::fetch::{FetchRequest, Fetcher, FetcherOptions};
use crate::parse::{ParsedFeed, Person, parse_feed};

pub(super) async fn parse(target: &str, as_json: bool) -> Exit {
    let (bytes, charset) = match load(target).await {
        Ok(loaded) => loaded,
        Err(message) => {
            eprintln!("veille: {message}");
            return Exit::Fatal;
        }
    };
    match parse_feed(&bytes, charset.as_deref()) {
        Ok(feed) if as_json => {
            super::output::print(&format!(
                "{}\n",
                serde_json::to_string_pretty(&to_json(&feed)).unwrap_or_default()
            ));
            Exit::Ok
        }
        Ok(feed) => {
            print_summary(&feed);
            Exit::Ok
        }
        Err(e) => {
            eprintln!("veille: {target}: {e}");
            Exit::Fatal
        }
    }
}

async fn load(target: &str) -> Result<(Vec<u8>, Option<String>), String> {
    if target.starts_with("http://") || target.starts_with("https://") {
        let url = url::Url::parse(target).map_err(|e| format!("{target}: invalid URL: {e}"))?;
        let fetcher = Fetcher::new(FetcherOptions::one_off()).map_err(|e| e.to_string())?;
        let response = fetcher
            .fetch(&FetchRequest::new(url))
            .await
            .map_err(|e| e.to_string())?;
        Ok((response.body, response.charset))
    } else {
        std::fs::read(target)
            .map(|b| (b, None))
            .map_err(|e| format!("cannot read {target}: {e}"))
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
        let _ = writeln!(
            out,
            "  {date}  {}",
            item.title.as_deref().unwrap_or("(untitled)")
        );
        if let Some(link) = &item.link {
            let _ = writeln!(out, "                        {link}");
        }
    }
    super::output::print(&out);
}
