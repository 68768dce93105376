//! `veille serve [--addr …] [--refresh 15m]`.

use std::net::SocketAddr;
use std::path::Path;

use super::{Exit, load_config};
use crate::config::parse_interval;

pub(super) async fn serve(config_path: &Path, addr: SocketAddr, refresh: Option<&str>) -> Exit {
    let config = match load_config(config_path) {
        Ok(c) => c,
        Err(code) => return code,
    };
    if let Err(code) = super::check::check_queries(&config) {
        return code;
    }
    let every = match refresh.map(parse_interval).transpose() {
        Ok(every) => every,
        Err(e) => {
            eprintln!("veille: --refresh {e}, like 15m or 1h");
            return Exit::Usage;
        }
    };
    if let Some(every) = every {
        tokio::spawn(crate::pipeline::refresh_every(config.clone(), every));
    }
    let dir = &config.publish.dir;
    let ready = || eprintln!("veille: serving {} on http://{addr}/", dir.display());
    match crate::serve::run(dir, addr, ready).await {
        Ok(()) => Exit::Ok,
        Err(e) => {
            eprintln!("veille: fatal: {e}");
            Exit::Fatal
        }
    }
}
