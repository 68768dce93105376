//! From [`RawConfig`] to [`Config`]: every rule lives here, once.

use std::collections::HashSet;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Duration;

use toml::Spanned;
use url::Url;

use super::raw::{RawConfig, RawFeed, RawFetch, RawSource};
use super::{
    Config, ConfigError, DatabaseConfig, FeedConfig, FetchConfig, OutputFormat, PublishConfig,
    SourceConfig, SourceKind,
};

/// The default `User-Agent`: names the tool and where to learn about it, as
/// polite crawlers do.
pub const DEFAULT_USER_AGENT: &str = concat!(
    "veille/",
    env!("CARGO_PKG_VERSION"),
    " (news watch; +https://github.com/veille-news/veille)"
);

/// Checks one file's text.
pub(super) struct Checker<'a> {
    text: &'a str,
    path: &'a Path,
}

impl Checker<'_> {
    fn line_of(&self, span: Range<usize>) -> usize {
        let end = span.start.min(self.text.len());
        self.text
            .get(..end)
            .map_or(1, |before| before.matches('\n').count() + 1)
    }

    pub(super) fn invalid(
        &self,
        span: Range<usize>,
        key: &str,
        message: impl Into<String>,
    ) -> ConfigError {
        ConfigError::Invalid {
            path: self.path.to_path_buf(),
            line: self.line_of(span),
            key: key.to_string(),
            message: message.into(),
        }
    }

    fn folder(&self) -> PathBuf {
        self.path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."))
    }

    fn resolve(&self, relative: &str) -> PathBuf {
        let p = Path::new(relative);
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            self.folder().join(p)
        }
    }

    fn positive(
        &self,
        value: &Option<Spanned<i64>>,
        key: &str,
        default: i64,
        max: i64,
    ) -> Result<i64, ConfigError> {
        match value {
            None => Ok(default),
            Some(v) if *v.get_ref() >= 1 && *v.get_ref() <= max => Ok(*v.get_ref()),
            Some(v) => Err(self.invalid(
                v.span(),
                key,
                format!("must be between 1 and {max}, got {}", v.get_ref()),
            )),
        }
    }

    fn formats(
        &self,
        value: &Spanned<Vec<String>>,
        key: &str,
    ) -> Result<Vec<OutputFormat>, ConfigError> {
        let mut out = Vec::new();
        for name in value.get_ref() {
            let format = match name.as_str() {
                "rss" => OutputFormat::Rss,
                "atom" => OutputFormat::Atom,
                "json" => OutputFormat::Json,
                other => {
                    return Err(self.invalid(
                        value.span(),
                        key,
                        format!("unknown format {other:?}; expected \"rss\", \"atom\" or \"json\""),
                    ));
                }
            };
            if !out.contains(&format) {
                out.push(format);
            }
        }
        if out.is_empty() {
            return Err(self.invalid(value.span(), key, "must name at least one format"));
        }
        out.sort();
        Ok(out)
    }

    fn source_kind(
        &self,
        raw: &RawSource,
        key: &dyn Fn(&str) -> String,
    ) -> Result<SourceKind, ConfigError> {
        let kind = raw
            .kind
            .as_ref()
            .map(|k| (k.get_ref().trim().to_string(), k.span()));
        match (kind, &raw.scrape) {
            (None, None) => Ok(SourceKind::Feed),
            (Some((k, _)), None) if k == "feed" => Ok(SourceKind::Feed),
            (Some((k, _)), None) if k == "sitemap" => Ok(SourceKind::Sitemap),
            (Some((k, span)), Some(_)) if k == "sitemap" => Err(self.invalid(
                span,
                &key("kind"),
                "a [source.scrape] table needs kind = \"html\", not \"sitemap\"",
            )),
            (Some((k, span)), _) if !["feed", "html", "sitemap"].contains(&k.as_str()) => Err(self
                .invalid(
                    span,
                    &key("kind"),
                    format!("{k:?} is not a source kind; use \"feed\", \"html\" or \"sitemap\""),
                )),
            (Some((k, span)), None) => Err(self.invalid(
                span,
                &key("kind"),
                format!("kind = {k:?} needs a [source.scrape] table with at least `item`"),
            )),
            (Some((k, span)), Some(_)) if k == "feed" => Err(self.invalid(
                span,
                &key("kind"),
                "a [source.scrape] table needs kind = \"html\"",
            )),
            (_, Some(scrape)) => {
                let s = scrape.get_ref();
                let css = |value: &Option<Spanned<String>>,
                           name: &'static str|
                 -> Result<Option<String>, ConfigError> {
                    match value {
                        None => Ok(None),
                        Some(v) => crate::scrape::selector(name, v.get_ref())
                            .map(|_| Some(v.get_ref().clone()))
                            .map_err(|e| {
                                self.invalid(
                                    v.span(),
                                    &key(&format!("scrape.{name}")),
                                    e.to_string(),
                                )
                            }),
                    }
                };
                let item = css(&Some(s.item.clone()), "item")?.unwrap_or_default();
                Ok(SourceKind::Html(crate::scrape::ScrapeRules {
                    item,
                    title: css(&s.title, "title")?,
                    link: css(&s.link, "link")?,
                    date: css(&s.date, "date")?,
                    summary: css(&s.summary, "summary")?,
                    image: css(&s.image, "image")?,
                    author: css(&s.author, "author")?,
                    day_first: s.day_first.unwrap_or(true),
                }))
            }
        }
    }

    fn duration(
        &self,
        value: &Option<Spanned<String>>,
        key: &str,
        default: Duration,
    ) -> Result<Duration, ConfigError> {
        match value {
            None => Ok(default),
            Some(v) => super::parse_interval(v.get_ref())
                .map_err(|e| self.invalid(v.span(), key, e.to_string())),
        }
    }

    fn header_pairs(
        &self,
        raw: &std::collections::BTreeMap<String, Spanned<String>>,
        key: &str,
    ) -> Result<Vec<(String, String)>, ConfigError> {
        raw.iter()
            .map(|(name, value)| {
                let ok_name = !name.is_empty()
                    && name
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"-_".contains(&b));
                let ok_value = !value.get_ref().bytes().any(|b| b == b'\r' || b == b'\n');
                if ok_name && ok_value {
                    Ok((name.clone(), value.get_ref().clone()))
                } else {
                    Err(self.invalid(
                        value.span(),
                        &format!("{key}.{name}"),
                        "is not a valid header name and value",
                    ))
                }
            })
            .collect()
    }

    pub(super) fn http_url(&self, value: &Spanned<String>, key: &str) -> Result<Url, ConfigError> {
        let url = Url::parse(value.get_ref().trim()).map_err(|e| {
            self.invalid(
                value.span(),
                key,
                format!("{:?} is not a valid URL: {e}", value.get_ref()),
            )
        })?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            return Err(self.invalid(
                value.span(),
                key,
                format!(
                    "{:?} must be an http:// or https:// URL with a host",
                    value.get_ref()
                ),
            ));
        }
        Ok(url)
    }

    pub(super) fn non_empty(
        &self,
        value: &Spanned<String>,
        key: &str,
    ) -> Result<String, ConfigError> {
        let v = value.get_ref().trim();
        if v.is_empty() {
            return Err(self.invalid(value.span(), key, "must not be empty"));
        }
        Ok(v.to_string())
    }

    fn database(&self, raw: &RawConfig) -> Result<DatabaseConfig, ConfigError> {
        let Some(url) = &raw.database.url else {
            return Ok(DatabaseConfig::Sqlite {
                path: self.resolve("veille.db"),
            });
        };
        let text = url.get_ref().trim();
        if let Some(rest) = text
            .strip_prefix("sqlite://")
            .or_else(|| text.strip_prefix("sqlite:"))
        {
            let file = rest.split('?').next().unwrap_or(rest);
            if file.is_empty() || file == ":memory:" {
                return Err(self.invalid(
                    url.span(),
                    "database.url",
                    "needs a file path, e.g. sqlite://veille.db",
                ));
            }
            return Ok(DatabaseConfig::Sqlite {
                path: self.resolve(file),
            });
        }
        if text.starts_with("postgres://") || text.starts_with("postgresql://") {
            if url::Url::parse(text).is_err() {
                return Err(self.invalid(
                    url.span(),
                    "database.url",
                    "is not a valid URL; expected postgres://USER@HOST/DATABASE",
                ));
            }
            return Ok(DatabaseConfig::Postgres {
                url: text.to_string(),
                lease: Duration::from_secs(self.positive(
                    &raw.database.lease_secs,
                    "database.lease_secs",
                    600,
                    86_400,
                )? as u64),
            });
        }
        Err(self.invalid(
            url.span(),
            "database.url",
            // Not echoed: a mistyped URL may hold a password.
            "not a database URL; expected sqlite://FILE or postgres://USER@HOST/DATABASE"
                .to_string(),
        ))
    }

    fn fetch(&self, raw: &RawFetch) -> Result<FetchConfig, ConfigError> {
        let d = FetchConfig::default();
        let user_agent = match &raw.user_agent {
            Some(ua) => self.non_empty(ua, "fetch.user_agent")?,
            None => d.user_agent,
        };
        let seconds = |value, key, default: Duration, max| -> Result<Duration, ConfigError> {
            let secs = self.positive(value, key, default.as_secs() as i64, max)?;
            Ok(Duration::from_secs(secs as u64))
        };
        Ok(FetchConfig {
            concurrency: self.positive(
                &raw.concurrency,
                "fetch.concurrency",
                d.concurrency as i64,
                1024,
            )? as usize,
            timeout: seconds(&raw.timeout_secs, "fetch.timeout_secs", d.timeout, 3600)?,
            connect_timeout: seconds(
                &raw.connect_timeout_secs,
                "fetch.connect_timeout_secs",
                d.connect_timeout,
                600,
            )?,
            user_agent,
            max_body_bytes: self.positive(
                &raw.max_body_bytes,
                "fetch.max_body_bytes",
                d.max_body_bytes as i64,
                1 << 32,
            )? as u64,
            interval: self.duration(&raw.interval, "fetch.interval", d.interval)?,
            max_interval: self.duration(&raw.max_interval, "fetch.max_interval", d.max_interval)?,
            per_host_concurrency: self.positive(
                &raw.per_host_concurrency,
                "fetch.per_host_concurrency",
                d.per_host_concurrency as i64,
                256,
            )? as usize,
            allow_private_networks: raw
                .allow_private_networks
                .unwrap_or(d.allow_private_networks),
        })
    }

    fn publish(&self, raw: &RawConfig) -> Result<PublishConfig, ConfigError> {
        let Some(publish) = &raw.publish else {
            return Err(ConfigError::Invalid {
                path: self.path.to_path_buf(),
                line: 1,
                key: "publish".into(),
                message: "missing table [publish] with at least `base_url`".into(),
            });
        };
        let mut base_url = self.http_url(&publish.base_url, "publish.base_url")?;
        if !base_url.path().ends_with('/') {
            let path = format!("{}/", base_url.path());
            base_url.set_path(&path);
        }
        let dir = match &publish.dir {
            Some(d) => self.resolve(&self.non_empty(d, "publish.dir")?),
            None => self.resolve("public"),
        };
        let formats = match &publish.formats {
            Some(f) => self.formats(f, "publish.formats")?,
            None => OutputFormat::ALL.to_vec(),
        };
        let hubs = publish
            .hubs
            .iter()
            .map(|h| self.http_url(h, "publish.hubs"))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(PublishConfig {
            dir,
            base_url,
            formats,
            hubs,
        })
    }

    fn source(
        &self,
        i: usize,
        raw: &RawSource,
        names: &mut HashSet<String>,
    ) -> Result<SourceConfig, ConfigError> {
        let key = |k: &str| format!("source[{}].{k}", i + 1);
        let name = self.non_empty(&raw.name, &key("name"))?;
        if !names.insert(name.to_lowercase()) {
            return Err(self.invalid(
                raw.name.span(),
                &key("name"),
                format!("duplicate source name {name:?}"),
            ));
        }
        let url = self.http_url(&raw.url, &key("url"))?;
        let mut tags = Vec::new();
        for tag in &raw.tags {
            tags.push(self.non_empty(tag, &key("tags"))?);
        }
        let language = self.language(&raw.language, &key("language"))?;
        let user_agent = match &raw.user_agent {
            Some(ua) => Some(self.non_empty(ua, &key("user_agent"))?),
            None => None,
        };
        let interval = match &raw.interval {
            Some(_) => Some(self.duration(&raw.interval, &key("interval"), Duration::ZERO)?),
            None => None,
        };
        let headers = self.header_pairs(&raw.headers, &key("headers"))?;
        let cookies = self.header_pairs(&raw.cookies, &key("cookies"))?;
        let kind = self.source_kind(raw, &key)?;
        let full_text = self.full_text(&raw.full_text, &key("full_text"))?;
        let max_age = self.age(raw.max_age.as_ref(), &key("max_age"))?;
        let fingerprint = crate::model::fingerprint(&format!(
            "{url}\n{user_agent:?}\n{interval:?}\n{headers:?}\n{cookies:?}\n{kind:?}"
        ));
        Ok(SourceConfig {
            name,
            url,
            tags,
            language,
            enabled: raw.enabled.unwrap_or(true),
            user_agent,
            interval,
            headers,
            cookies,
            fingerprint,
            kind,
            full_text,
            max_age,
        })
    }

    /// A feed's slug: a folder name, unique, not the health feed's.
    fn slug(
        &self,
        value: &Spanned<String>,
        key: &str,
        slugs: &mut HashSet<String>,
    ) -> Result<String, ConfigError> {
        let slug = self.non_empty(value, key)?;
        let slug_ok = slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
            && !slug.starts_with(['-', '_']);
        let problem = if !slug_ok {
            format!("{slug:?} must use only a-z, 0-9, '-' and '_' (it becomes a folder name)")
        } else if slug == "health" {
            "\"health\" is reserved for veille's source health feed".to_string()
        } else if !slugs.insert(slug.clone()) {
            format!("duplicate feed slug {slug:?}")
        } else {
            return Ok(slug);
        };
        Err(self.invalid(value.span(), key, problem))
    }

    /// A language tag, kept as its primary language ("fr-MA" is "fr").
    fn language(
        &self,
        value: &Option<Spanned<String>>,
        key: &str,
    ) -> Result<Option<String>, ConfigError> {
        let Some(l) = value else { return Ok(None) };
        crate::model::primary_language(l.get_ref())
            .map(Some)
            .ok_or_else(|| {
                self.invalid(
                    l.span(),
                    key,
                    format!(
                        "{:?} is not a language tag like \"fr\" or \"ar\"",
                        l.get_ref()
                    ),
                )
            })
    }

    /// `full_text`: "auto", or a CSS selector that must parse.
    fn full_text(
        &self,
        value: &Option<Spanned<String>>,
        key: &str,
    ) -> Result<Option<crate::scrape::FullText>, ConfigError> {
        match value {
            None => Ok(None),
            Some(f) if f.get_ref().trim() == "auto" => Ok(Some(crate::scrape::FullText::Auto)),
            Some(f) => {
                let css = f.get_ref().trim().to_string();
                crate::scrape::selector("full_text", &css).map_err(|e| {
                    self.invalid(
                        f.span(),
                        key,
                        format!("{e}; use a CSS selector or \"auto\""),
                    )
                })?;
                Ok(Some(crate::scrape::FullText::Selector(css)))
            }
        }
    }

    fn feed(
        &self,
        i: usize,
        raw: &RawFeed,
        slugs: &mut HashSet<String>,
        default_formats: &[OutputFormat],
    ) -> Result<FeedConfig, ConfigError> {
        let key = |k: &str| format!("feed[{}].{k}", i + 1);
        let slug = self.slug(&raw.slug, &key("slug"), slugs)?;
        Ok(FeedConfig {
            slug,
            title: self.non_empty(&raw.title, &key("title"))?,
            description: raw.description.clone().unwrap_or_default(),
            query: self.query(&raw.query, &key("query"))?,
            query_line: self.line_of(raw.query.span()),
            limit: self.positive(&raw.limit, &key("limit"), 100, 10_000)? as usize,
            formats: match &raw.formats {
                Some(f) => self.formats(f, &key("formats"))?,
                None => default_formats.to_vec(),
            },
            max_age: match &raw.max_age {
                Some(_) => Some(self.duration(&raw.max_age, &key("max_age"), Duration::ZERO)?),
                None => None,
            },
            dedupe: raw.dedupe.unwrap_or(false),
            full_content: raw.full_content.unwrap_or(true),
            examples: raw.examples.as_ref().map(|e| self.resolve(e.get_ref())),
            min_score: match &raw.min_score {
                Some(m) if (0.0..=100.0).contains(m.get_ref()) => *m.get_ref(),
                Some(m) => {
                    return Err(self.invalid(
                        m.span(),
                        &key("min_score"),
                        format!("must be between 0 and 100, got {}", m.get_ref()),
                    ));
                }
                None => 0.0,
            },
        })
    }
}

impl Checker<'_> {
    /// A feed's query, parsed here so that a bad one sets its feed aside
    /// with the line it is on (the message shows the query with a caret
    /// under the problem).
    fn query(&self, raw: &Spanned<String>, key: &str) -> Result<String, ConfigError> {
        let query = self.non_empty(raw, key)?;
        match crate::filter::Query::parse(&query) {
            Ok(_) => Ok(query),
            Err(e) => Err(self.invalid(raw.span(), key, e.to_string())),
        }
    }
}

/// Parses and validates a whole file.
pub(super) fn validate(text: &str, path: &Path) -> Result<Config, ConfigError> {
    let raw: RawConfig = toml::from_str(text).map_err(|e| ConfigError::Syntax {
        path: path.to_path_buf(),
        message: e.to_string().trim_end().to_string(),
    })?;
    let checker = Checker { text, path };
    // A bad [[source]] or [[feed]] is set aside with its error, and the
    // rest of the file is used: one mistake fails that one thing.
    let mut skipped = Vec::new();
    let mut names = HashSet::new();
    let sources = raw
        .source
        .iter()
        .enumerate()
        .map(|(i, s)| checker.source(i, s, &mut names));
    let sources = set_aside(sources, &mut skipped);
    let publish = checker.publish(&raw)?;
    // The slugs of every feed, good or set aside: an alert may follow a
    // feed whose query is being mended.
    let mut slugs = HashSet::new();
    let feeds = raw
        .feed
        .iter()
        .enumerate()
        .map(|(i, f)| checker.feed(i, f, &mut slugs, &publish.formats));
    let feeds = set_aside(feeds, &mut skipped);
    let alerts = checker.alerts(&raw.alert, &slugs)?;
    let retention = checker.retention(&raw, sources.iter().any(|s| s.max_age.is_some()))?;
    Ok(Config {
        path: path.to_path_buf(),
        database: checker.database(&raw)?,
        fetch: checker.fetch(&raw.fetch)?,
        publish,
        sources,
        feeds,
        alerts,
        retention,
        skipped,
    })
}

/// The entries that passed; the errors of the others go to `skipped`.
fn set_aside<T>(
    entries: impl Iterator<Item = Result<T, ConfigError>>,
    skipped: &mut Vec<String>,
) -> Vec<T> {
    let mut good = Vec::new();
    for entry in entries {
        match entry {
            Ok(entry) => good.push(entry),
            Err(e) => skipped.push(e.to_string()),
        }
    }
    good
}
