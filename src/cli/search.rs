//! `veille search QUERY`: preview what a query matches in the database,
//! newest first, before putting it in a `[[feed]]`. `--explain` shows how
//! the query was read (with the stems each word stands for) and, per
//! article, which terms matched where.

use std::fmt::Write;

use chrono::Utc;
use serde_json::json;

use super::{Exit, open_store};
use crate::config::{Config, FeedConfig};
use crate::filter::topic::Judgement;
use crate::filter::{Hit, Query};
use crate::pipeline::preview::{Preview, PreviewItem, preview};

/// The options of `veille search`.
pub(super) struct SearchOptions<'a> {
    pub query: Option<&'a str>,
    pub topic: Option<&'a str>,
    pub limit: usize,
    pub json: bool,
    pub explain: bool,
}

pub(super) async fn search(config_path: &std::path::Path, options: SearchOptions<'_>) -> Exit {
    let config = match super::load_config(config_path) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let (feed, query) = match feed_and_query(&config, &options) {
        Ok(found) => found,
        Err(message) => {
            eprintln!("veille: {message}");
            return Exit::Usage;
        }
    };
    let store = match open_store(config_path).await {
        Ok(s) => s,
        Err(code) => return code,
    };
    let found = preview(&store, &config, feed, query, options.limit, Utc::now()).await;
    store.close().await;
    let found = match found {
        Ok(found) => found,
        Err(e) => {
            eprintln!("veille: {e}");
            return Exit::Fatal;
        }
    };
    let min_score = feed.map(|f| f.min_score);
    if options.json {
        super::output::print(&as_json(&found, &options, min_score));
    } else {
        super::output::print_text(&as_text(&found, &options, min_score));
    }
    Exit::Ok
}

/// The `--topic` feed, and the query to run: the one given, else the
/// feed's.
fn feed_and_query<'c>(
    config: &'c Config,
    options: &SearchOptions<'_>,
) -> Result<(Option<&'c FeedConfig>, Query), String> {
    let feed = match options.topic {
        Some(slug) => Some(
            config
                .feeds
                .iter()
                .find(|f| f.slug == slug)
                .ok_or_else(|| format!("no feed with slug {slug:?}"))?,
        ),
        None => None,
    };
    let text = options
        .query
        .or(feed.map(|f| f.query.as_str()))
        .unwrap_or_default();
    let query = Query::parse(text).map_err(|e| format!("bad query: {e}"))?;
    Ok((feed, query))
}

/// The matches as JSON: a list, or with `--explain` the query as read and
/// the list. `published` says whether the feed (with `--topic`) would
/// publish the item.
fn as_json(found: &Preview, options: &SearchOptions<'_>, min_score: Option<f64>) -> String {
    let items: Vec<_> = found
        .items
        .iter()
        .map(|item| item_json(item, min_score))
        .collect();
    let doc = if options.explain {
        json!({ "query": found.query.to_string(), "items": items })
    } else {
        json!(items)
    };
    format!(
        "{}\n",
        serde_json::to_string_pretty(&doc).unwrap_or_default()
    )
}

fn item_json(item: &PreviewItem, min_score: Option<f64>) -> serde_json::Value {
    let (a, judgement) = (&item.article, &item.judgement);
    let parts: serde_json::Map<_, _> = judgement
        .score
        .named()
        .iter()
        .map(|(n, v)| (n.to_string(), json!(v)))
        .collect();
    json!({
        "score": judgement.score.total(),
        "score_parts": parts,
        "probability": judgement.probability,
        "published": min_score.map(|min| judgement.passes(min)),
        "uid": a.uid,
        "title": a.article.title,
        "url": a.article.link.as_ref().or(a.article.url.as_ref()),
        "source": a.source_name,
        "language": a.article.language,
        "published_at": a.article.published_at.map(crate::model::rfc3339),
        "sort_at": crate::model::rfc3339(a.sort_at),
        "matched": item.hits.iter().map(hit_json).collect::<Vec<_>>(),
    })
}

/// The matches for a person: date, outlet and title, the link, and with
/// `--explain` the query as read, the lookup and each item's matches and
/// judgement.
fn as_text(found: &Preview, options: &SearchOptions<'_>, min_score: Option<f64>) -> String {
    let mut out = String::new();
    if options.explain {
        let _ = writeln!(out, "query, as read:\n{}", found.query.explain_tree());
        let _ = writeln!(out, "index lookup:\n  {}\n", found.lookup);
    }
    for item in &found.items {
        let a = &item.article;
        let _ = writeln!(
            out,
            "{}  {}  {}",
            a.sort_at.format("%Y-%m-%d %H:%M"),
            a.source_name,
            a.article.title
        );
        if let Some(link) = a.article.link.as_ref().or(a.article.url.as_ref()) {
            let _ = writeln!(out, "    {link}");
        }
        if options.explain {
            explain_item(&mut out, item, min_score.unwrap_or(0.0));
        }
    }
    let count = found.items.len();
    let _ = writeln!(
        out,
        "{count} article{}{}",
        if count == 1 { "" } else { "s" },
        if count == options.limit {
            format!(" (the newest {}; --limit for more)", options.limit)
        } else {
            String::new()
        }
    );
    out
}

fn explain_item(out: &mut String, item: &PreviewItem, min_score: f64) {
    for hit in &item.hits {
        let _ = writeln!(
            out,
            "    matched {} in {}: {}",
            hit.term,
            hit.place,
            hit.words.join(", ")
        );
    }
    explain_judgement(out, &item.judgement, min_score);
}

fn explain_judgement(out: &mut String, judgement: &Judgement, min_score: f64) {
    let parts: Vec<String> = judgement
        .score
        .named()
        .iter()
        .map(|(name, value)| format!("{name} {value:.2}"))
        .collect();
    let _ = writeln!(
        out,
        "    score {:.1}: {}",
        judgement.score.total(),
        parts.join(", ")
    );
    if let (Some(p), Some(t)) = (judgement.probability, judgement.threshold) {
        let strongest: Vec<String> = judgement
            .strongest
            .iter()
            .map(|(name, weight)| format!("{name} {weight:+.2}"))
            .collect();
        let _ = writeln!(
            out,
            "    model: probability {p:.2} (threshold {t:.2}): {}; strongest: {}",
            if judgement.passes(min_score) {
                "published"
            } else {
                "not published"
            },
            strongest.join(", ")
        );
    }
}

fn hit_json(hit: &Hit) -> serde_json::Value {
    json!({ "term": hit.term, "place": hit.place, "words": hit.words })
}
