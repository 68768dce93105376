//! A sitemap source's body, ready to read: decompressed, and for a
//! sitemap index, the pages of its newest files ([`FILES_PER_RUN`], by
//! `lastmod`: outlets keep one file per day or per thousand articles),
//! fetched as derived URLs through the request-forgery guard and merged
//! into one urlset.

use crate::config::SourceConfig;
use crate::fetch::{FetchRequest, Fetcher};
use crate::parse::sitemap::{Sitemap, SitemapError, SitemapUrl, gunzip, parse_sitemap};
use crate::pipeline::SourceError;

/// Files of a sitemap index read per run, newest first.
pub const FILES_PER_RUN: usize = 3;

/// The body to read: a urlset.
pub(crate) async fn expand(
    fetcher: &Fetcher,
    source: &SourceConfig,
    body: Vec<u8>,
) -> Result<Vec<u8>, SourceError> {
    let limit = fetcher.max_body_bytes();
    let failed = |reason| SourceError::Sitemap {
        url: source.url.to_string(),
        reason,
    };
    let body = gunzip(body, limit).map_err(failed)?;
    let index = parse_sitemap(&body).map_err(failed)?;
    if index.children.is_empty() {
        return Ok(body);
    }
    let mut files = index.children;
    // Articles first (taxonomy and author files of WordPress and Yoast
    // indexes list archive pages), then the newest; without `lastmod`,
    // the last files of the index, which are the newest in practice.
    files.reverse();
    files.sort_by_key(|(loc, lastmod)| (is_taxonomy(loc), std::cmp::Reverse(*lastmod)));
    let mut merged = Sitemap::default();
    let mut last_error = None;
    for (loc, _) in files.into_iter().take(FILES_PER_RUN) {
        match read_file(fetcher, source, &loc, limit).await {
            Ok(file) => merged.urls.extend(file.urls),
            // One unreadable file is a line in the log; the others still count.
            Err(why) => {
                tracing::info!(
                    "{}: sitemap file {}: {}",
                    source.name,
                    crate::untrusted::printable(&loc),
                    crate::untrusted::printable(&why)
                );
                last_error = Some(why);
            }
        }
    }
    match (merged.urls.is_empty(), last_error) {
        (true, Some(why)) => Err(failed(SitemapError::NotASitemap(format!(
            "no file of the index could be read: {why}"
        )))),
        _ => Ok(urlset(&merged.urls).into_bytes()),
    }
}

/// A WordPress/Yoast file of categories, tags, authors or plain pages.
fn is_taxonomy(loc: &str) -> bool {
    let loc = loc.to_ascii_lowercase();
    [
        "category",
        "post_tag",
        "tag-sitemap",
        "author",
        "page-sitemap",
        "taxonomies",
        "users",
    ]
    .iter()
    .any(|w| loc.contains(w))
}

/// One file of an index.
async fn read_file(
    fetcher: &Fetcher,
    source: &SourceConfig,
    loc: &str,
    limit: u64,
) -> Result<Sitemap, String> {
    let url = source.url.join(loc).map_err(|e| e.to_string())?;
    let request = FetchRequest {
        user_agent: source.user_agent.clone(),
        derived_from: Some(source.url.clone()),
        ..FetchRequest::new(url)
    };
    let response = fetcher.fetch(&request).await.map_err(|e| e.to_string())?;
    let body = gunzip(response.body, limit).map_err(|e| e.to_string())?;
    parse_sitemap(&body).map_err(|e| e.to_string())
}

/// The pages as one urlset document, with their news elements.
fn urlset(urls: &[SitemapUrl]) -> String {
    use html_escape::encode_text as text;
    let mut out = String::from(
        "<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\" xmlns:news=\"http://www.google.com/schemas/sitemap-news/0.9\">",
    );
    for u in urls {
        out.push_str(&format!("<url><loc>{}</loc>", text(&u.loc)));
        if let Some(t) = u.lastmod {
            out.push_str(&format!("<lastmod>{}</lastmod>", crate::model::rfc3339(t)));
        }
        out.push_str("<news:news>");
        if let Some(l) = &u.language {
            out.push_str(&format!(
                "<news:publication><news:language>{}</news:language></news:publication>",
                text(l)
            ));
        }
        if let Some(t) = u.published {
            out.push_str(&format!(
                "<news:publication_date>{}</news:publication_date>",
                crate::model::rfc3339(t)
            ));
        }
        if let Some(t) = &u.title {
            out.push_str(&format!("<news:title>{}</news:title>", text(t)));
        }
        if !u.keywords.is_empty() {
            out.push_str(&format!(
                "<news:keywords>{}</news:keywords>",
                text(&u.keywords.join(", "))
            ));
        }
        out.push_str("</news:news></url>");
    }
    out.push_str("</urlset>");
    out
}
