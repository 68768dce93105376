//! Bot walls: a 403, 429 or 503 that is a bot-protection challenge (a
//! page asking the client to run JavaScript or solve a CAPTCHA) is not a
//! broken feed, and the user can do something about it: a browser-like
//! per-source `user_agent`, or a Google News `site:` source instead.
//!
//! The signs are what the vendors' challenge pages carry: Cloudflare's
//! `cf-mitigated: challenge` header and `/cdn-cgi/challenge-platform/`
//! script, and the scripts, cookies and titles of DataDome, Imperva
//! (Incapsula), PerimeterX (HUMAN), Akamai, Sucuri, DDoS-Guard and AWS WAF.

use reqwest::header::HeaderMap;

/// How much of an error page is read to look for the signs.
pub(super) const SNIFF_BYTES: usize = 64 * 1024;

/// (vendor, text found in a challenge page, lower-cased).
const PAGE_SIGNS: [(&str, &str); 16] = [
    ("Cloudflare", "/cdn-cgi/challenge-platform/"),
    ("Cloudflare", "<title>just a moment...</title>"),
    ("Cloudflare", "attention required! | cloudflare"),
    ("Cloudflare", "cf-browser-verification"),
    ("DataDome", "captcha-delivery.com"),
    ("Imperva", "_incapsula_resource"),
    ("Imperva", "incapsula incident id"),
    ("PerimeterX", "px-captcha"),
    ("PerimeterX", "_pxappid"),
    ("Akamai", "errors.edgesuite.net"),
    ("Akamai", "_abck"),
    ("Sucuri", "sucuri website firewall"),
    ("Sucuri", "sucuri_cloudproxy"),
    ("DDoS-Guard", "ddos-guard"),
    ("AWS WAF", "awswafintegration"),
    ("AWS WAF", "challenge.js\" defer"),
];

/// The vendor whose challenge this answer is, if it is one.
pub(super) fn challenge(status: u16, headers: &HeaderMap, body: &[u8]) -> Option<&'static str> {
    if !matches!(status, 403 | 429 | 503) {
        return None;
    }
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if header("cf-mitigated").is_some_and(|v| v.eq_ignore_ascii_case("challenge")) {
        return Some("Cloudflare");
    }
    if header("x-datadome").is_some() || header("x-dd-b").is_some() {
        return Some("DataDome");
    }
    let page = String::from_utf8_lossy(&body[..body.len().min(SNIFF_BYTES)]).to_lowercase();
    PAGE_SIGNS
        .iter()
        .find(|(_, sign)| page.contains(sign))
        .map(|(vendor, _)| *vendor)
        .or_else(|| generic_captcha(&page).then_some("an unnamed vendor"))
}

/// A page whose title asks for a CAPTCHA or a robot check.
fn generic_captcha(page: &str) -> bool {
    let Some(start) = page.find("<title") else {
        return false;
    };
    let title = page[start..].split("</title>").next().unwrap_or_default();
    [
        "captcha",
        "robot",
        "are you human",
        "verify you are",
        "access denied",
    ]
    .iter()
    .any(|w| title.contains(w))
}

#[cfg(test)]
mod tests {
    use super::challenge;
    use reqwest::header::{HeaderMap, HeaderValue};

    #[test]
    fn vendors_are_recognised_and_plain_refusals_are_not() {
        let mut cf = HeaderMap::new();
        cf.insert("cf-mitigated", HeaderValue::from_static("challenge"));
        assert_eq!(challenge(403, &cf, b""), Some("Cloudflare"));
        let none = HeaderMap::new();
        let page = b"<html><head><title>Just a moment...</title></head><body><script src=\"/cdn-cgi/challenge-platform/h/b/orchestrate/chl_page/v1\"></script>";
        assert_eq!(challenge(503, &none, page), Some("Cloudflare"));
        let datadome = b"<html><script>var dd={'host':'geo.captcha-delivery.com'}</script>";
        assert_eq!(challenge(403, &none, datadome), Some("DataDome"));
        let captcha = b"<html><head><title>Are you a robot?</title></head>";
        assert_eq!(challenge(403, &none, captcha), Some("an unnamed vendor"));
        assert_eq!(challenge(403, &none, b"<h1>Forbidden</h1>"), None);
        assert_eq!(challenge(404, &cf, page), None, "only refusals are walls");
    }
}
