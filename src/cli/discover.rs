//! `veille discover URL`: the feeds a page advertises.

use super::Exit;
use crate::config::FetchConfig;
use crate::fetch::{FetchRequest, Fetcher};
use crate::parse::discover::{feed_links, looks_like_html};
use crate::parse::parse_feed;

pub(super) async fn discover(target: &str) -> Exit {
    let url = match url::Url::parse(target) {
        Ok(u) if matches!(u.scheme(), "http" | "https") => u,
        _ => {
            eprintln!("veille: {target:?} is not an http(s) URL");
            return Exit::Usage;
        }
    };
    let fetcher = match Fetcher::new(&FetchConfig::one_off()) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("veille: {e}");
            return Exit::Fatal;
        }
    };
    let response = match fetcher.fetch(&FetchRequest::new(url)).await {
        Ok(r) => r,
        Err(e) => {
            eprintln!("veille: {e}");
            return Exit::Fatal;
        }
    };
    if !looks_like_html(&response.body)
        && let Ok(feed) = parse_feed(&response.body, response.charset.as_deref())
    {
        super::output::print_text(&format!(
            "{} is itself a feed: {}\n",
            response.final_url,
            feed.title.as_deref().unwrap_or("(untitled)")
        ));
        return Exit::Ok;
    }
    let feeds = feed_links(&response.body, &response.final_url);
    let sitemaps = crate::pipeline::discover::sitemaps(&fetcher, &response.final_url).await;
    if feeds.is_empty() && sitemaps.is_empty() {
        eprintln!(
            "veille: {} advertises no feed, and its robots.txt names no sitemap",
            response.final_url
        );
        return Exit::Fatal;
    }
    let mut out = String::new();
    for f in feeds {
        out.push_str(&format!(
            "{}  {}  {}\n",
            f.url,
            f.mime_type,
            f.title.unwrap_or_default()
        ));
    }
    if !sitemaps.is_empty() {
        out.push_str("sitemaps named by robots.txt:\n");
    }
    for s in sitemaps {
        let hint = if s.news {
            "  (use with kind = \"sitemap\")"
        } else {
            ""
        };
        out.push_str(&format!("{}  {}{hint}\n", s.url, s.what));
    }
    super::output::print_text(&out);
    Exit::Ok
}
