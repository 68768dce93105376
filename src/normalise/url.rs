//! Absolute and canonical URLs.

use url::Url;

/// Query parameters that only track the reader and never select content.
const TRACKING_PARAMS: &[&str] = &[
    "fbclid",
    "gclid",
    "dclid",
    "gbraid",
    "wbraid",
    "msclkid",
    "mc_cid",
    "mc_eid",
    "igshid",
    "yclid",
    "_hsenc",
    "_hsmi",
    "mkt_tok",
    "ref_src",
    "oly_enc_id",
    "oly_anon_id",
    "vero_id",
    "wt_mc",
    "cmpid",
    "at_medium",
    "at_campaign",
    "xtor",
];

/// Resolves `href` (possibly relative) against `base`; only http(s) results
/// are accepted.
pub fn resolve_url(base: &Url, href: &str) -> Option<Url> {
    let url = base.join(href.trim()).ok()?;
    matches!(url.scheme(), "http" | "https").then_some(url)
}

/// The canonical form used for deduplication: lower-case scheme and host
/// (the `url` crate does both, and drops default ports), no fragment, no
/// tracking parameters, remaining parameters sorted.
pub fn canonical_url(url: &Url) -> String {
    let mut url = url.clone();
    url.set_fragment(None);
    let mut pairs: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| {
            let k = k.to_ascii_lowercase();
            !k.starts_with("utm_") && !TRACKING_PARAMS.contains(&k.as_str())
        })
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    if pairs.is_empty() {
        url.set_query(None);
    } else {
        pairs.sort();
        url.query_pairs_mut().clear().extend_pairs(pairs);
    }
    url.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tracking_removed_and_order_stable() {
        let u = Url::parse("HTTPS://News.Example.MA:443/a/b?utm_source=x&b=2&fbclid=1&a=1#top")
            .unwrap();
        assert_eq!(canonical_url(&u), "https://news.example.ma/a/b?a=1&b=2");
        let u = Url::parse("http://example.org/x?utm_medium=rss").unwrap();
        assert_eq!(canonical_url(&u), "http://example.org/x");
    }

    #[test]
    fn relative_links_resolve_and_bad_schemes_are_refused() {
        let base = Url::parse("https://example.org/news/feed.xml").unwrap();
        assert_eq!(
            resolve_url(&base, "item/1").unwrap().as_str(),
            "https://example.org/news/item/1"
        );
        assert!(resolve_url(&base, "javascript:alert(1)").is_none());
    }
}
