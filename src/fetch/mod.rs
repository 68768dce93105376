//! Stage 1: HTTP. One [`Fetcher`] per run (its clients reuse connections
//! and TLS sessions) with timeouts, a body cap enforced while streaming,
//! conditional GET, a per-host concurrency limit and redirects followed by
//! hand, so that permanent moves can be recorded, loops reported and every
//! derived URL checked by the request-forgery [`guard`].
//!
//! It returns bytes and metadata and never parses content: the bytes stay
//! undecoded because the document may declare its own charset.

mod botwall;
mod error;
pub mod guard;
mod hosts;
mod response;

use std::collections::HashMap;

use chrono::{DateTime, Utc};
pub use error::FetchError;
use guard::{AddressClass, Reach};
use reqwest::header::{ACCEPT, COOKIE, IF_MODIFIED_SINCE, IF_NONE_MATCH, LOCATION, USER_AGENT};
use reqwest::{Client, StatusCode, redirect};
use url::Url;

use crate::config::FetchConfig;

/// One request.
#[derive(Debug, Clone)]
pub struct FetchRequest {
    /// What to get.
    pub url: Url,
    /// Validator from the previous fetch.
    pub etag: Option<String>,
    /// Validator from the previous fetch.
    pub last_modified: Option<String>,
    /// Overrides the default `User-Agent`.
    pub user_agent: Option<String>,
    /// Extra headers, sent to the configured host only.
    pub headers: Vec<(String, String)>,
    /// Cookies, sent to the configured host only.
    pub cookies: Vec<(String, String)>,
    /// For a URL veille derived (an article page found in a feed): the
    /// configured source it came from. Every hop is then checked by the
    /// request-forgery guard, with the reach of that source.
    pub derived_from: Option<Url>,
}

impl FetchRequest {
    /// A plain GET of `url`, without validators or extra headers.
    pub fn new(url: Url) -> FetchRequest {
        FetchRequest {
            url,
            etag: None,
            last_modified: None,
            user_agent: None,
            headers: Vec::new(),
            cookies: Vec::new(),
            derived_from: None,
        }
    }
}

/// A successful answer (2xx or 304).
#[derive(Debug, Clone)]
pub struct FetchResponse {
    /// URL after redirects.
    pub final_url: Url,
    /// HTTP status.
    pub status: u16,
    /// 304: nothing changed since the validators were issued; `body` is empty.
    pub not_modified: bool,
    /// The body, decompressed but not decoded.
    pub body: Vec<u8>,
    /// `Content-Type` as sent.
    pub content_type: Option<String>,
    /// `charset` parameter of `Content-Type`.
    pub charset: Option<String>,
    /// `ETag` to send next time.
    pub etag: Option<String>,
    /// `Last-Modified` to send next time.
    pub last_modified: Option<String>,
    /// When every redirect on the way was permanent (301/308): where the
    /// feed now lives.
    pub permanent_redirect: Option<Url>,
    /// `Cache-Control: max-age`, in seconds.
    pub max_age: Option<u64>,
}

/// The HTTP clients shared by all sources of a run.
#[derive(Debug)]
pub struct Fetcher {
    /// For the URLs the configuration lists: trusted as given.
    direct: Client,
    /// For derived URLs, one client per reach (its resolver filters).
    guarded: HashMap<Reach, Client>,
    config: FetchConfig,
    hosts: hosts::HostLimits,
}

/// Most redirects followed before giving up.
pub const MAX_REDIRECTS: usize = 10;

const ACCEPT_FEEDS: &str = "application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.8";

impl Fetcher {
    /// The largest body this fetcher reads (`fetch.max_body_bytes`), also
    /// the limit of what a compressed document may grow to.
    pub fn max_body_bytes(&self) -> u64 {
        self.config.max_body_bytes
    }

    /// Builds the clients with the `[fetch]` settings (user agent, time
    /// limits, body cap, per-host limit, reach of derived URLs).
    pub fn new(config: &FetchConfig) -> Result<Fetcher, FetchError> {
        let options = config.clone();
        // rustls needs a process-wide crypto provider; installing it twice
        // is harmless (the second call reports the first one is in place).
        let _ = rustls::crypto::ring::default_provider().install_default();
        let build = |reach: Option<Reach>| {
            let mut builder = Client::builder()
                .user_agent(options.user_agent.clone())
                .timeout(options.timeout)
                .connect_timeout(options.connect_timeout)
                .redirect(redirect::Policy::none())
                .gzip(true)
                .brotli(true)
                .deflate(true)
                .zstd(true);
            if let Some(reach) = reach {
                builder = builder.dns_resolver(guard::resolver(reach));
            }
            builder
                .build()
                .map_err(|e| FetchError::Client(e.to_string()))
        };
        let mut guarded = HashMap::new();
        for also in [
            None,
            Some(AddressClass::Loopback),
            Some(AddressClass::Private),
        ] {
            let reach = Reach {
                also,
                anything: false,
            };
            guarded.insert(reach, build(Some(reach))?);
        }
        Ok(Fetcher {
            direct: build(None)?,
            guarded,
            hosts: hosts::HostLimits::new(options.per_host_concurrency),
            config: options,
        })
    }

    /// What derived URLs of a source at `url` may reach: public addresses,
    /// plus the class of the source's own address (a feed on the local
    /// network may redirect within it).
    async fn reach_for(&self, url: &Url) -> Reach {
        if self.config.allow_private_networks {
            return Reach {
                also: None,
                anything: true,
            };
        }
        let own = match url.host() {
            Some(url::Host::Ipv4(ip)) => Some(guard::classify(ip.into())),
            Some(url::Host::Ipv6(ip)) => Some(guard::classify(ip.into())),
            Some(url::Host::Domain(d)) => tokio::net::lookup_host((d, 0))
                .await
                .ok()
                .and_then(|mut a| a.next())
                .map(|a| guard::classify(a.ip())),
            None => None,
        };
        Reach {
            also: own.filter(|c| matches!(c, AddressClass::Loopback | AddressClass::Private)),
            anything: false,
        }
    }

    /// POSTs a form to `url`, a URL veille derived from the source at
    /// `derived_from` (a WebSub hub its feed named): through the
    /// request-forgery guard with that source's reach, without following
    /// redirects. Returns the status.
    pub async fn post_form(
        &self,
        url: &Url,
        derived_from: &Url,
        form: String,
    ) -> Result<u16, FetchError> {
        Ok(self
            .send_form(url, derived_from, form)
            .await?
            .status()
            .as_u16())
    }

    /// [`Fetcher::post_form`], reading the answer's body (under
    /// `fetch.max_body_bytes`); a status other than 2xx is an error.
    pub async fn post_form_for_body(
        &self,
        url: &Url,
        derived_from: &Url,
        form: String,
    ) -> Result<Vec<u8>, FetchError> {
        let response = self.send_form(url, derived_from, form).await?;
        let status = response.status().as_u16();
        if !(200..300).contains(&status) {
            return Err(FetchError::Status {
                url: url.to_string(),
                status,
                retry_after: None,
            });
        }
        response::read_body(response, url, self.config.max_body_bytes).await
    }

    async fn send_form(
        &self,
        url: &Url,
        derived_from: &Url,
        form: String,
    ) -> Result<reqwest::Response, FetchError> {
        let reach = self.reach_for(derived_from).await;
        let client = self.guarded_client(url, reach)?;
        client
            .post(url.clone())
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .body(form)
            .send()
            .await
            .map_err(|e| FetchError::from_reqwest(url, e))
    }

    /// Performs one GET, following redirects. Non-success statuses are
    /// errors; 304 is not.
    pub async fn fetch(&self, request: &FetchRequest) -> Result<FetchResponse, FetchError> {
        let start = request.url.clone();
        let _permit = self.hosts.acquire(&start).await;
        let mut url = start.clone();
        let mut chain = vec![start.clone()];
        let mut all_permanent = true;
        let mut reach = None;
        let origin = request
            .derived_from
            .clone()
            .unwrap_or_else(|| start.clone());
        for hop in 0..=MAX_REDIRECTS {
            let client = if hop == 0 && request.derived_from.is_none() {
                &self.direct
            } else {
                let r = match reach {
                    Some(r) => r,
                    None => *reach.insert(self.reach_for(&origin).await),
                };
                self.guarded_client(&url, r)?
            };
            let same_host = url.host_str() == start.host_str();
            let response = self.send(client, &url, request, same_host).await?;
            let status = response.status();
            if !status.is_redirection() || status == StatusCode::NOT_MODIFIED {
                let permanent = (hop > 0 && all_permanent).then(|| url.clone());
                let limit = self.config.max_body_bytes;
                return response::read(response, url, permanent, request, limit).await;
            }
            let next = redirect_target(&response, &url)?;
            all_permanent &= matches!(status.as_u16(), 301 | 308);
            let looped = chain.contains(&next);
            chain.push(next.clone());
            if looped {
                return Err(FetchError::RedirectLoop {
                    chain: chain.iter().map(Url::to_string).collect(),
                });
            }
            url = next;
        }
        Err(FetchError::Redirects {
            url: start.to_string(),
        })
    }

    /// The client for a hop of a derived URL (or a redirect): its
    /// resolver refuses addresses outside `reach`, and an IP literal is
    /// checked here, since it never reaches a resolver.
    fn guarded_client(&self, url: &Url, reach: Reach) -> Result<&Client, FetchError> {
        check_literal(url, reach)?;
        Ok(self
            .guarded
            .get(&Reach {
                also: reach.also,
                anything: false,
            })
            .filter(|_| !reach.anything)
            .unwrap_or(&self.direct))
    }

    async fn send(
        &self,
        client: &Client,
        url: &Url,
        request: &FetchRequest,
        same_host: bool,
    ) -> Result<reqwest::Response, FetchError> {
        let mut builder = client.get(url.clone()).header(ACCEPT, ACCEPT_FEEDS);
        if let Some(ua) = &request.user_agent {
            builder = builder.header(USER_AGENT, ua);
        }
        if let Some(etag) = &request.etag {
            builder = builder.header(IF_NONE_MATCH, etag);
        }
        if let Some(lm) = &request.last_modified {
            builder = builder.header(IF_MODIFIED_SINCE, lm);
        }
        if same_host {
            for (name, value) in &request.headers {
                builder = builder.header(name.as_str(), value.as_str());
            }
            if !request.cookies.is_empty() {
                let cookie = request
                    .cookies
                    .iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join("; ");
                builder = builder.header(COOKIE, cookie);
            }
        }
        builder
            .send()
            .await
            .map_err(|e| FetchError::from_reqwest(url, e))
    }
}

/// Where a redirect from `url` leads: its `Location`, made absolute, over
/// HTTP(S) only.
fn redirect_target(response: &reqwest::Response, url: &Url) -> Result<Url, FetchError> {
    response
        .headers()
        .get(LOCATION)
        .and_then(|l| l.to_str().ok())
        .and_then(|l| url.join(l.trim()).ok())
        .filter(|u| matches!(u.scheme(), "http" | "https"))
        .ok_or_else(|| FetchError::Other {
            url: url.to_string(),
            message: format!(
                "HTTP {} without a usable Location header",
                response.status().as_u16()
            ),
        })
}

/// IP literals never reach the resolver, so the guard checks them here.
fn check_literal(url: &Url, reach: Reach) -> Result<(), FetchError> {
    let ip: Option<std::net::IpAddr> = match url.host() {
        Some(url::Host::Ipv4(ip)) => Some(ip.into()),
        Some(url::Host::Ipv6(ip)) => Some(ip.into()),
        _ => None,
    };
    match ip.map(|ip| reach.check(ip)) {
        Some(Err(refused)) => Err(FetchError::Refused {
            url: url.to_string(),
            reason: refused.to_string(),
        }),
        _ => Ok(()),
    }
}

/// When a server asked to be contacted again (`Retry-After`): a delay
/// or a date. The scheduler turns it into a time with its own clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryAfter {
    /// This many seconds after the answer (at most a week).
    Seconds(i64),
    /// At this time.
    At(DateTime<Utc>),
}

impl RetryAfter {
    /// Reads a `Retry-After` value: seconds or an HTTP date.
    pub fn parse(value: &str) -> Option<RetryAfter> {
        let value = value.trim();
        if let Ok(secs) = value.parse::<i64>() {
            return Some(RetryAfter::Seconds(secs.clamp(0, 7 * 86_400)));
        }
        DateTime::parse_from_rfc2822(value)
            .ok()
            .map(|d| RetryAfter::At(d.with_timezone(&Utc)))
    }

    /// The time it names, for an answer received at `now`.
    pub fn at(self, now: DateTime<Utc>) -> DateTime<Utc> {
        match self {
            RetryAfter::Seconds(secs) => now + chrono::Duration::seconds(secs),
            RetryAfter::At(at) => at,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RetryAfter;
    use chrono::{DateTime, TimeZone, Utc};

    fn retry_after(value: &str, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        RetryAfter::parse(value).map(|r| r.at(now))
    }

    #[test]
    fn retry_after_forms() {
        let now = Utc.with_ymd_and_hms(2026, 2, 5, 10, 0, 0).unwrap();
        assert_eq!(
            retry_after("120", now),
            Some(Utc.with_ymd_and_hms(2026, 2, 5, 10, 2, 0).unwrap())
        );
        assert_eq!(
            retry_after("Thu, 05 Feb 2026 11:00:00 GMT", now),
            Some(Utc.with_ymd_and_hms(2026, 2, 5, 11, 0, 0).unwrap())
        );
        assert_eq!(retry_after("soon", now), None);
    }
}
