//! WebSub, the subscriber's side, the parts that talk to a hub or check
//! what it sent: asking for a subscription, making the callback's token
//! and secret, and checking a push's `X-Hub-Signature`.

use ring::hmac;
use ring::rand::{SecureRandom, SystemRandom};

/// Why a hub did not take a subscription request.
#[derive(Debug, thiserror::Error)]
#[error("WebSub hub {hub} did not take the subscription to {topic}: {reason}")]
pub struct SubscribeError {
    /// The hub.
    pub hub: String,
    /// The topic.
    pub topic: String,
    /// Its answer, or why there was none.
    pub reason: String,
}

/// What veille asks a hub for.
#[derive(Debug, Clone, Copy)]
pub struct SubscribeRequest<'a> {
    /// The hub's URL.
    pub hub: &'a str,
    /// The configured URL of the source whose feed named the hub: the hub
    /// is a URL veille derived, so the request-forgery guard applies with
    /// that source's reach.
    pub source_url: &'a url::Url,
    /// The topic (the feed's self URL).
    pub topic: &'a str,
    /// veille's callback URL for this subscription.
    pub callback: &'a str,
    /// The key the hub signs pushes with.
    pub secret: &'a str,
    /// The lease asked for, in seconds.
    pub lease_seconds: u64,
}

/// Asks the hub to subscribe (`hub.mode=subscribe`); the hub then
/// verifies the intent at the callback. `Ok` when it accepted the request.
pub async fn request_subscription(
    fetcher: &crate::fetch::Fetcher,
    request: SubscribeRequest<'_>,
) -> Result<(), SubscribeError> {
    let failed = |reason: String| SubscribeError {
        hub: request.hub.to_string(),
        topic: request.topic.to_string(),
        reason: crate::untrusted::printable(&reason).into_owned(),
    };
    let form = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("hub.mode", "subscribe")
        .append_pair("hub.topic", request.topic)
        .append_pair("hub.callback", request.callback)
        .append_pair("hub.secret", request.secret)
        .append_pair("hub.lease_seconds", &request.lease_seconds.to_string())
        .finish();
    let hub = url::Url::parse(request.hub).map_err(|e| failed(e.to_string()))?;
    let status = fetcher
        .post_form(&hub, request.source_url, form)
        .await
        .map_err(|e| failed(e.to_string()))?;
    if (200..300).contains(&status) {
        Ok(())
    } else {
        Err(failed(format!("HTTP {status}")))
    }
}

/// `bytes` random bytes from the system, in hex: callback tokens and
/// secrets nobody can guess.
pub fn random_hex(bytes: usize) -> Option<String> {
    let mut buffer = vec![0u8; bytes];
    SystemRandom::new().fill(&mut buffer).ok()?;
    Some(buffer.iter().map(|b| format!("{b:02x}")).collect())
}

/// Whether `header` (`X-Hub-Signature: method=hex`) is the HMAC of `body`
/// with `secret`, for the methods the Recommendation lists.
pub fn signature_valid(secret: &str, header: Option<&str>, body: &[u8]) -> bool {
    let Some((method, hex)) = header.and_then(|h| h.trim().split_once('=')) else {
        return false;
    };
    let algorithm = match method.to_ascii_lowercase().as_str() {
        "sha1" => hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY,
        "sha256" => hmac::HMAC_SHA256,
        "sha384" => hmac::HMAC_SHA384,
        "sha512" => hmac::HMAC_SHA512,
        _ => return false,
    };
    let Some(signature) = from_hex(hex) else {
        return false;
    };
    let key = hmac::Key::new(algorithm, secret.as_bytes());
    hmac::verify(&key, body, &signature).is_ok()
}

fn from_hex(hex: &str) -> Option<Vec<u8>> {
    let hex = hex.trim().as_bytes();
    if !hex.len().is_multiple_of(2) {
        return None;
    }
    hex.chunks(2)
        .map(|pair| {
            let text = std::str::from_utf8(pair).ok()?;
            u8::from_str_radix(text, 16).ok()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_are_checked_with_each_method() {
        let body = b"<feed/>";
        let sign = |algorithm, name: &str| {
            let key = hmac::Key::new(algorithm, b"s3cret");
            let tag = hmac::sign(&key, body);
            let hex: String = tag.as_ref().iter().map(|b| format!("{b:02x}")).collect();
            format!("{name}={hex}")
        };
        for (algorithm, name) in [
            (hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, "sha1"),
            (hmac::HMAC_SHA256, "sha256"),
            (hmac::HMAC_SHA512, "sha512"),
        ] {
            let header = sign(algorithm, name);
            assert!(signature_valid("s3cret", Some(&header), body), "{header}");
            assert!(!signature_valid("other", Some(&header), body));
            assert!(!signature_valid(
                "s3cret",
                Some(&header),
                b"<feed>changed</feed>"
            ));
        }
        assert!(!signature_valid("s3cret", None, body));
        assert!(!signature_valid("s3cret", Some("md5=00"), body));
        assert!(!signature_valid("s3cret", Some("sha256=zz"), body));
    }
}
