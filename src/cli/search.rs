//! `veille search QUERY`: preview what a query matches in the database,
//! newest first, before putting it in a `[[feed]]`. `--explain` shows how
//! the query was read (with the stems each word stands for) and, per
//! article, which terms matched where.

use std::fmt::Write;

use chrono::Utc;
use serde_json::json;

use super::{Exit, open_store};
use crate::filter::{Hit, Query};
use crate::pipeline::collect::document;

/// The options of `veille search`.
pub(super) struct SearchOptions<'a> {
    pub query: &'a str,
    pub limit: usize,
    pub json: bool,
    pub explain: bool,
}

pub(super) async fn search(config_path: &std::path::Path, options: SearchOptions<'_>) -> Exit {
    let mut query = match Query::parse(options.query) {
        Ok(q) => q,
        Err(e) => {
            eprintln!("veille: bad query: {e}");
            return Exit::Usage;
        }
    };
    let store = match open_store(config_path).await {
        Ok(s) => s,
        Err(code) => return code,
    };
    let now = Utc::now();
    let mut lookup = String::new();
    let found = match store.compile_query(&mut query, now).await {
        Ok(compiled) => {
            lookup = compiled.explain();
            store.search(&compiled, None, options.limit).await
        }
        Err(e) => Err(e),
    };
    store.close().await;
    let found = match found {
        Ok(f) => f,
        Err(e) => {
            eprintln!("veille: {e}");
            return Exit::Fatal;
        }
    };
    let results: Vec<_> = found
        .iter()
        .map(|a| (a, document(a, now).hits(&query)))
        .collect();
    let mut out = String::new();
    if options.json {
        let items: Vec<_> = results
            .iter()
            .map(|(a, hits)| {
                json!({
                    "uid": a.uid,
                    "title": a.article.title,
                    "url": a.article.link.as_ref().or(a.article.url.as_ref()),
                    "source": a.source_name,
                    "language": a.article.language,
                    "published_at": a.article.published_at.map(crate::model::rfc3339),
                    "sort_at": crate::model::rfc3339(a.sort_at),
                    "matched": hits.iter().map(hit_json).collect::<Vec<_>>(),
                })
            })
            .collect();
        let doc = if options.explain {
            json!({ "query": query.to_string(), "items": items })
        } else {
            json!(items)
        };
        let _ = writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&doc).unwrap_or_default()
        );
    } else {
        if options.explain {
            let _ = writeln!(out, "query, as read:\n{}", query.explain_tree());
            let _ = writeln!(out, "index lookup:\n  {lookup}\n");
        }
        for (a, hits) in &results {
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
                for hit in hits {
                    let _ = writeln!(
                        out,
                        "    matched {} in {}: {}",
                        hit.term,
                        hit.place,
                        hit.words.join(", ")
                    );
                }
            }
        }
        let _ = writeln!(
            out,
            "{} article{}{}",
            results.len(),
            if results.len() == 1 { "" } else { "s" },
            if results.len() == options.limit {
                format!(" (the newest {}; --limit for more)", options.limit)
            } else {
                String::new()
            }
        );
    }
    print!("{out}");
    Exit::Ok
}

fn hit_json(hit: &Hit) -> serde_json::Value {
    json!({ "term": hit.term, "place": hit.place, "words": hit.words })
}
