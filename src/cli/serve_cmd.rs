//! `veille serve [--addr …] [--refresh 15m]`.

use std::net::SocketAddr;
use std::path::Path;

use super::{Exit, load_config};
use crate::lock::LockError;
use crate::pipeline::{self, RunError, RunOptions, Silent};

pub(super) async fn serve(config_path: &Path, addr: SocketAddr, refresh: Option<&str>) -> Exit {
    let config = match load_config(config_path) {
        Ok(c) => c,
        Err(code) => return code,
    };
    if let Err(code) = super::check::check_queries(&config) {
        return code;
    }
    let every = match refresh.map(crate::config::parse_duration) {
        None => None,
        Some(Some(d)) if d.as_secs() >= 60 => Some(d),
        Some(_) => {
            eprintln!("veille: --refresh needs a duration of at least 1m, like 15m or 1h");
            return Exit::Usage;
        }
    };
    let listener = match crate::serve::bind(addr).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("veille: cannot listen on {addr}: {e}");
            return Exit::Fatal;
        }
    };
    if let Err(e) = std::fs::create_dir_all(&config.publish.dir) {
        eprintln!(
            "veille: fatal: cannot create {}: {e}",
            config.publish.dir.display()
        );
        return Exit::Fatal;
    }
    eprintln!(
        "veille: serving {} on http://{addr}/",
        config.publish.dir.display()
    );
    if let Some(every) = every {
        let config = config.clone();
        tokio::spawn(async move {
            loop {
                let options = RunOptions {
                    fetch: true,
                    publish: true,
                    all: false,
                };
                match pipeline::run(&config, options, &Silent).await {
                    Ok(report) => tracing::info!(
                        sources_ok = report.totals.sources_ok,
                        sources_failed = report.totals.sources_failed,
                        new = report.totals.items_new,
                        "refreshed"
                    ),
                    // A cron run holds the lock: it is doing the work.
                    Err(RunError::Lock(LockError::Held { .. })) => {
                        tracing::info!("another run is in progress; skipping this refresh")
                    }
                    Err(e) => eprintln!("veille: refresh failed: {e}"),
                }
                tokio::time::sleep(every).await;
            }
        });
    }
    tokio::select! {
        result = crate::serve::serve(listener, config.publish.dir.clone()) => match result {
            Ok(()) => Exit::Ok,
            Err(e) => {
                eprintln!("veille: fatal: {e}");
                Exit::Fatal
            }
        },
        _ = tokio::signal::ctrl_c() => Exit::Ok,
    }
}
