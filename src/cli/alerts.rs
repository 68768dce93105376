//! `veille alerts`: each alert's last delivery, waiting items and last
//! error, from the database (no secret is read or printed); and `veille
//! alerts test NAME`, which sends one sample.

use std::fmt::Write;
use std::path::Path;

use super::output::when;
use super::{Exit, load_config, open_store};
use crate::pipeline::FAILING_AFTER;

pub(super) async fn list(config_path: &Path) -> Exit {
    let config = match load_config(config_path) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let store = match open_store(config_path).await {
        Ok(s) => s,
        Err(code) => return code,
    };
    let statuses = match store.alert_statuses().await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("veille: fatal: {e}");
            return Exit::Fatal;
        }
    };
    store.close().await;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<24} {:<8} {:<16} {:>7}  last error",
        "alert", "status", "last sent", "pending"
    );
    for alert in &config.alerts {
        let status = statuses.iter().find(|s| s.name == alert.name);
        let (state, sent, pending, error) = match status {
            None => ("new", None, 0, None),
            Some(s) => (
                if s.failures >= FAILING_AFTER {
                    "failing"
                } else if s.failures > 0 {
                    "retrying"
                } else {
                    "ok"
                },
                s.last_sent_at,
                s.pending,
                s.last_error.as_deref(),
            ),
        };
        let _ = writeln!(
            out,
            "{:<24} {:<8} {:<16} {:>7}  {}",
            crate::untrusted::printable(&alert.name),
            state,
            when(sent),
            pending,
            error
                .map(crate::untrusted::error_column)
                .unwrap_or_else(|| "-".into())
        );
    }
    super::output::print(&out);
    Exit::Ok
}

pub(super) async fn test(config_path: &Path, name: &str) -> Exit {
    let config = match load_config(config_path) {
        Ok(c) => c,
        Err(code) => return code,
    };
    match crate::pipeline::send_test_alert(&config, name).await {
        Ok(()) => {
            super::output::print(&format!("veille: alert {name:?}: sample sent\n"));
            Exit::Ok
        }
        Err(e) => {
            eprintln!("veille: {}", crate::untrusted::error_column(&e.to_string()));
            // A name the config does not have is the caller's mistake.
            match e {
                crate::pipeline::AlertTestError::NoSuchAlert(_) => Exit::Usage,
                _ => Exit::Fatal,
            }
        }
    }
}
