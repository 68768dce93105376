//! `veille check`: validate the configuration (queries included) and show
//! what it defines.

use std::fmt::Write;
use std::path::Path;

use super::{Exit, load_config};
use crate::config::Config;
use crate::filter::Query;

pub(super) fn check(path: &Path) -> Exit {
    let config = match load_config(path) {
        Ok(c) => c,
        Err(code) => return code,
    };
    if let Err(code) = check_queries(&config) {
        return code;
    }
    let enabled = config.enabled_sources().count();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}: OK: {} sources ({} enabled), {} feeds",
        config.path.display(),
        config.sources.len(),
        enabled,
        config.feeds.len()
    );
    let _ = writeln!(
        out,
        "database: {}",
        crate::pipeline::database_label(&config)
    );
    let _ = writeln!(
        out,
        "publish:  {} -> {}",
        config.publish.dir.display(),
        config.publish.base_url
    );
    let _ = writeln!(out, "sources:");
    for s in &config.sources {
        let mut notes = Vec::new();
        if !s.tags.is_empty() {
            notes.push(format!("tags: {}", s.tags.join(", ")));
        }
        if let Some(l) = &s.language {
            notes.push(format!("lang: {l}"));
        }
        if !s.enabled {
            notes.push("disabled".into());
        }
        let notes = if notes.is_empty() {
            String::new()
        } else {
            format!("  ({})", notes.join("; "))
        };
        let _ = writeln!(out, "  {}  {}{}", s.name, s.url, notes);
    }
    let _ = writeln!(out, "feeds:");
    for f in &config.feeds {
        let _ = writeln!(
            out,
            "  {}  {:?}  limit {}  query: {}",
            f.slug, f.title, f.limit, f.query
        );
    }
    super::output::print(&out);
    Exit::Ok
}

/// Parses every feed's query; prints each error with the file and line.
pub(super) fn check_queries(config: &Config) -> Result<(), Exit> {
    let mut ok = true;
    for (i, feed) in config.feeds.iter().enumerate() {
        if let Err(e) = Query::parse(&feed.query) {
            eprintln!(
                "veille: {}:{}: `feed[{}].query` ({}): {e}",
                config.path.display(),
                feed.query_line,
                i + 1,
                feed.slug
            );
            ok = false;
        }
    }
    if ok { Ok(()) } else { Err(Exit::Usage) }
}

/// `veille check --source NAME`: a live fetch of one source, showing what
/// veille reads from it; for HTML sources, what each selector matched; with
/// `full_text`, what extraction finds on the first article.
pub(super) async fn check_source(path: &Path, name: &str) -> Exit {
    use crate::config::SourceKind;
    use crate::fetch::{FetchRequest, Fetcher, FetcherOptions};
    let config = match load_config(path) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let Some(source) = config.sources.iter().find(|s| s.name == name) else {
        eprintln!("veille: no source named {name:?} in {}", path.display());
        return Exit::Usage;
    };
    let fetcher = match Fetcher::new(FetcherOptions {
        allow_private_networks: config.fetch.allow_private_networks,
        ..FetcherOptions::one_off()
    }) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("veille: {e}");
            return Exit::Fatal;
        }
    };
    let request = FetchRequest {
        user_agent: source.user_agent.clone(),
        headers: source.headers.clone(),
        cookies: source.cookies.clone(),
        ..FetchRequest::new(source.url.clone())
    };
    let response = match fetcher.fetch(&request).await {
        Ok(r) => r,
        Err(e) => {
            eprintln!("veille: source {name:?}: {e}");
            return Exit::Fatal;
        }
    };
    let mut out = format!(
        "{name}: HTTP {} from {}, {} bytes\n",
        response.status,
        response.final_url,
        response.body.len()
    );
    let first_link = match &source.kind {
        SourceKind::Html(rules) => {
            match crate::scrape::describe_matches(
                &response.body,
                &response.final_url,
                rules,
                chrono::Utc::now(),
            ) {
                Ok(text) => out.push_str(&text),
                Err(e) => {
                    eprintln!("veille: source {name:?}: {e}");
                    return Exit::Fatal;
                }
            }
            crate::scrape::scrape_listing(
                &response.body,
                &response.final_url,
                rules,
                chrono::Utc::now(),
            )
            .ok()
            .and_then(|f| f.items.into_iter().find_map(|i| i.link))
        }
        SourceKind::Feed => {
            match crate::parse::parse_feed(&response.body, response.charset.as_deref()) {
                Ok(feed) => {
                    let _ = writeln!(
                        out,
                        "{} items; title {:?}",
                        feed.items.len(),
                        feed.title.as_deref().unwrap_or("")
                    );
                    if let Some(why) = &feed.malformed {
                        let _ = writeln!(out, "malformed (read anyway): {why}");
                    }
                    for item in feed.items.iter().take(3) {
                        let _ =
                            writeln!(out, "  - {}", item.title.as_deref().unwrap_or("(no title)"));
                    }
                    feed.items.into_iter().find_map(|i| i.link)
                }
                Err(e) => {
                    eprintln!("veille: source {name:?}: {e}");
                    return Exit::Fatal;
                }
            }
        }
    };
    if let (Some(how), Some(link)) = (&source.full_text, first_link) {
        let result = match url::Url::parse(&link) {
            Ok(url) => {
                let request = FetchRequest {
                    derived_from: Some(source.url.clone()),
                    ..FetchRequest::new(url)
                };
                match fetcher.fetch(&request).await {
                    Ok(page) => {
                        let html = crate::parse::decode_text(&page.body, page.charset.as_deref());
                        crate::scrape::extract_full_text(&html, page.final_url.as_str(), how)
                            .map(|body| {
                                format!(
                                    "{} characters of text",
                                    crate::normalise::html_to_text(&body).chars().count()
                                )
                            })
                            .map_err(|e| e.to_string())
                    }
                    Err(e) => Err(e.to_string()),
                }
            }
            Err(e) => Err(e.to_string()),
        };
        let _ = writeln!(
            out,
            "full text of {link}: {}",
            result
                .unwrap_or_else(|e| format!("not extracted ({e}); the feed's text would be kept"))
        );
    }
    super::output::print(&out);
    Exit::Ok
}
