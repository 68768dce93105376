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

/// (vendor, text only a challenge page carries, lower-cased). Vendors'
/// plain error and block pages (an origin that is down, a geo-block) carry
/// their branding too, so only the challenge's own scripts and titles count.
const CHALLENGE_SIGNS: [(&str, &str); 10] = [
    ("Cloudflare", "/cdn-cgi/challenge-platform/h/"),
    ("Cloudflare", "_cf_chl_opt"),
    ("Cloudflare", "<title>just a moment...</title>"),
    ("DataDome", "captcha-delivery.com"),
    ("Imperva", "_incapsula_resource"),
    ("PerimeterX", "px-captcha"),
    ("PerimeterX", "_pxappid"),
    ("AWS WAF", "awswafintegration"),
    ("Sucuri", "sucuri_cloudproxy_js"),
    ("DDoS-Guard", "ddos-guard/js-challenge"),
];

/// Refusal pages of bot-protection services: a bot wall on a 403 or 429,
/// not on a 503 (there they may say the origin is down).
const REFUSAL_SIGNS: [(&str, &str); 3] = [
    ("Cloudflare", "attention required! | cloudflare"),
    ("Imperva", "incapsula incident id"),
    ("Sucuri", "sucuri website firewall"),
];

/// Whether an answer with this status may be a bot wall, and its page is
/// worth reading for signs.
pub(super) fn may_be_wall(status: u16) -> bool {
    matches!(status, 403 | 429 | 503)
}

/// The vendor whose challenge this answer is, if it is one.
pub(super) fn challenge(status: u16, headers: &HeaderMap, body: &[u8]) -> Option<&'static str> {
    if !may_be_wall(status) {
        return None;
    }
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if header("cf-mitigated").is_some_and(|v| v.eq_ignore_ascii_case("challenge")) {
        return Some("Cloudflare");
    }
    if header("x-datadome").is_some() || header("x-dd-b").is_some() {
        return Some("DataDome");
    }
    let page = String::from_utf8_lossy(body.get(..SNIFF_BYTES).unwrap_or(body)).to_lowercase();
    let refusal = status != 503;
    CHALLENGE_SIGNS
        .iter()
        .chain(REFUSAL_SIGNS.iter().filter(|_| refusal))
        .find(|(_, sign)| page.contains(sign))
        .map(|(vendor, _)| *vendor)
        .or_else(|| generic_captcha(&page).then_some("an unnamed vendor"))
}

/// A page whose title asks for a CAPTCHA or a robot check.
fn generic_captcha(page: &str) -> bool {
    let Some(start) = page.find("<title") else {
        return false;
    };
    let title = page
        .get(start..)
        .and_then(|t| t.split("</title>").next())
        .unwrap_or_default();
    [
        "captcha",
        "are you a robot",
        "are you human",
        "verify you are human",
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
        // Branding alone is no challenge: Akamai's and Cloudflare's pages
        // for an origin that is down, a plain "Access Denied".
        let down =
            b"<html><title>Service Unavailable</title>Reference #18.2f errors.edgesuite.net</html>";
        assert_eq!(challenge(503, &none, down), None);
        let cf_js = b"<html><script src=\"/cdn-cgi/challenge-platform/scripts/jsd/main.js\"></script>Error 503</html>";
        assert_eq!(challenge(503, &none, cf_js), None);
        let denied = b"<html><head><title>Access Denied</title></head></html>";
        assert_eq!(challenge(403, &none, denied), None);
        let blocked = b"<title>Attention Required! | Cloudflare</title>";
        assert_eq!(challenge(403, &none, blocked), Some("Cloudflare"));
        assert_eq!(challenge(503, &none, blocked), None);
    }
}
