//! `veille discover URL`'s sitemaps: those the site's `robots.txt` names,
//! each read to tell a news sitemap (what `kind = "sitemap"` wants) from a
//! plain one or an index (whose newest file is read to tell the same).

use url::Url;

use crate::fetch::{FetchRequest, Fetcher};
use crate::parse::sitemap::{Sitemap, gunzip, parse_sitemap, robots_sitemaps};

/// Sitemaps read from one `robots.txt`.
const MAX_SITEMAPS: usize = 10;

/// A sitemap a site names, and what it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiscoveredSitemap {
    /// Its URL.
    pub url: Url,
    /// What it is: "news sitemap (12 pages)", "sitemap index of 40 files,
    /// the newest a news sitemap", "sitemap (300 pages)", or why it could
    /// not be read.
    pub what: String,
    /// Whether it (or its newest file) uses the Google News extension.
    pub news: bool,
}

/// The sitemaps the `robots.txt` of `page`'s site names; none when it has
/// none or cannot be read.
pub async fn sitemaps(fetcher: &Fetcher, page: &Url) -> Vec<DiscoveredSitemap> {
    let Ok(robots_url) = page.join("/robots.txt") else {
        return Vec::new();
    };
    let Ok(robots) = fetcher.fetch(&derived(page, robots_url.clone())).await else {
        return Vec::new();
    };
    let text = String::from_utf8_lossy(&robots.body);
    let mut out = Vec::new();
    for url in robots_sitemaps(&text, &robots_url)
        .into_iter()
        .take(MAX_SITEMAPS)
    {
        out.push(describe(fetcher, page, url).await);
    }
    out
}

async fn describe(fetcher: &Fetcher, page: &Url, url: Url) -> DiscoveredSitemap {
    let (what, news) = match fetch(fetcher, page, &url).await {
        Err(why) => (format!("unreadable: {why}"), false),
        Ok(s) if s.children.is_empty() => {
            let kind = if s.news { "news sitemap" } else { "sitemap" };
            let pages = match s.urls.len() {
                1 => "1 page".to_string(),
                n => format!("{n} pages"),
            };
            (format!("{kind} ({pages})"), s.news)
        }
        Ok(s) => {
            let newest = s
                .children
                .iter()
                .max_by_key(|(_, lastmod)| *lastmod)
                .and_then(|(loc, _)| url.join(loc).ok());
            let news = match newest {
                Some(file) => fetch(fetcher, page, &file).await.is_ok_and(|f| f.news),
                None => false,
            };
            let newest_is = if news {
                ", the newest a news sitemap"
            } else {
                ""
            };
            (
                format!("sitemap index of {} files{newest_is}", s.children.len()),
                news,
            )
        }
    };
    DiscoveredSitemap { url, what, news }
}

async fn fetch(fetcher: &Fetcher, page: &Url, url: &Url) -> Result<Sitemap, String> {
    let response = fetcher
        .fetch(&derived(page, url.clone()))
        .await
        .map_err(|e| e.to_string())?;
    let body = gunzip(response.body, fetcher.max_body_bytes()).map_err(|e| e.to_string())?;
    parse_sitemap(&body).map_err(|e| e.to_string())
}

/// A request for a URL the site named: through the request-forgery guard.
fn derived(page: &Url, url: Url) -> FetchRequest {
    FetchRequest {
        derived_from: Some(page.clone()),
        ..FetchRequest::new(url)
    }
}
