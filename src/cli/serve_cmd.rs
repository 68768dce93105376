//! `veille serve [--addr …] [--refresh 15m] [--public-url URL] [--metrics]`.

use std::net::SocketAddr;
use std::path::Path;

use super::{Exit, load_config};
use crate::config::parse_interval;

/// What `veille serve` was asked for.
pub(super) struct ServeOptions<'a> {
    pub addr: SocketAddr,
    pub refresh: Option<&'a str>,
    pub public_url: Option<url::Url>,
    pub metrics: bool,
}

pub(super) async fn serve(config_path: &Path, options: ServeOptions<'_>) -> Exit {
    let ServeOptions {
        addr,
        refresh,
        public_url,
        metrics,
    } = options;
    let config = match load_config(config_path) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let Ok(every) = refresh.map(parse_interval).transpose() else {
        eprintln!("veille: --refresh needs a duration of at least 1m, like 15m or 1h");
        return Exit::Usage;
    };
    if public_url
        .as_ref()
        .is_some_and(|u| !matches!(u.scheme(), "http" | "https") || u.host_str().is_none())
    {
        eprintln!("veille: --public-url needs an http:// or https:// URL with a host");
        return Exit::Usage;
    }
    let dir = &config.publish.dir;
    let shared = std::sync::Arc::new(config.clone());
    let mut routes = axum::Router::new();
    if metrics {
        routes = routes.merge(crate::serve::metrics_routes(shared.clone()));
    }
    if public_url.is_some() {
        routes = routes.merge(crate::serve::websub_routes(shared));
    }
    // Refreshing starts once the folder is served, not before a failed bind.
    let ready = || {
        eprintln!("veille: serving {} on http://{addr}/", dir.display());
        if let Some(every) = every {
            tokio::spawn(crate::pipeline::refresh_every(config.clone(), every));
        }
        if let Some(url) = public_url.clone() {
            tokio::spawn(crate::pipeline::websub::subscribe_every(
                config.clone(),
                url,
            ));
        }
    };
    match crate::serve::run(dir, addr, Some(routes), ready).await {
        Ok(()) => Exit::Ok,
        Err(e @ crate::serve::ServeError::Listen { .. }) => {
            eprintln!("veille: {e}");
            Exit::Fatal
        }
        Err(e) => {
            eprintln!("veille: fatal: {e}");
            Exit::Fatal
        }
    }
}
