//! `veille search QUERY`: preview what a query matches in the database,
//! newest first, before putting it in a `[[feed]]`. `--explain` shows how
//! the query was read (with the stems each word stands for) and, per
//! article, which terms matched where.

use std::fmt::Write;

use chrono::Utc;
use serde_json::json;

use super::{Exit, open_store};
use crate::filter::topic::{self, Judgement};
use crate::filter::{Hit, Query};
use crate::model::StoredArticle;
use crate::pipeline::collect::document;

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
    let feed = match options.topic {
        Some(slug) => match config.feeds.iter().find(|f| f.slug == slug) {
            Some(feed) => Some(feed),
            None => {
                eprintln!("veille: no feed with slug {slug:?}");
                return Exit::Usage;
            }
        },
        None => None,
    };
    let text = options
        .query
        .or(feed.map(|f| f.query.as_str()))
        .unwrap_or_default();
    let mut query = match Query::parse(text) {
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
    let found = found_and_judged(&store, &config, feed, &mut query, options.limit, now).await;
    store.close().await;
    let (lookup, found, judgements) = match found {
        Ok(f) => f,
        Err(e) => {
            eprintln!("veille: {e}");
            return Exit::Fatal;
        }
    };
    let min_score = feed.map_or(0.0, |f| f.min_score);
    let results: Vec<_> = found
        .iter()
        .zip(&judgements)
        .map(|(a, j)| (a, document(a, now).hits(&query), j))
        .collect();
    let mut out = String::new();
    if options.json {
        let items: Vec<_> = results
            .iter()
            .map(|(a, hits, judgement)| {
                json!({
                    "score": judgement.score.total(),
                    "score_parts": judgement.score.named().iter().map(|(n, v)| (n.to_string(), json!(v))).collect::<serde_json::Map<_, _>>(),
                    "probability": judgement.probability,
                    "published": feed.map(|_| judgement.passes(min_score)),
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
        for (a, hits, judgement) in &results {
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
                explain_judgement(&mut out, judgement, min_score);
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
    if options.json {
        super::output::print(&out);
    } else {
        super::output::print_text(&out);
    }
    Exit::Ok
}

/// The matches of `query` (compiled, its lookup explained) and each one's
/// judgement by `feed` (its model, fitted if need be), or by the query's
/// score alone.
async fn found_and_judged(
    store: &crate::store::Store,
    config: &crate::config::Config,
    feed: Option<&crate::config::FeedConfig>,
    query: &mut Query,
    limit: usize,
    now: chrono::DateTime<Utc>,
) -> Result<(String, Vec<StoredArticle>, Vec<Judgement>), String> {
    let compiled = store
        .compile_query(query, now)
        .await
        .map_err(|e| e.to_string())?;
    let found = store
        .search(&compiled, None, limit)
        .await
        .map_err(|e| e.to_string())?;
    let model = match feed {
        Some(feed) => {
            // The model belongs to the feed: fitted on the feed's own query,
            // whatever query this search previews.
            let own = Query::parse(&feed.query).map_err(|e| e.to_string())?;
            crate::pipeline::topics::feed_model(store, config, feed, &own)
                .await
                .map_err(|e| e.to_string())?
        }
        None => None,
    };
    let analysed: Vec<_> = found
        .iter()
        .map(|a| {
            let doc = document(a, now);
            let matches = crate::filter::score::facet_matches(query, &doc);
            (doc, matches)
        })
        .collect();
    let stems = crate::pipeline::collect::matched_stems(analysed.iter().map(|(_, m)| m.as_slice()));
    let stats = store.term_stats(&stems).await.map_err(|e| e.to_string())?;
    let judgements = analysed
        .iter()
        .map(|(d, m)| topic::judge(model.as_ref(), d, m, &|s| stats.specificity(s), true))
        .collect();
    Ok((compiled.explain(), found, judgements))
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
