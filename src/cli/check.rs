//! `veille check`: validate the configuration (queries included) and show
//! what it defines.

use std::fmt::Write;
use std::path::Path;

use super::{Exit, load_config};
use crate::config::Config;
use crate::pipeline::check_source::{CheckError, SourceCheck};
use crate::untrusted::{printable, quote};

pub(super) fn check(path: &Path) -> Exit {
    let config = match Config::load(path) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("veille: {e}");
            return Exit::Usage;
        }
    };
    // Other commands go on without the entries set aside; a check is for
    // finding them, each shown whole.
    for skipped in &config.skipped {
        eprintln!("veille: {skipped}");
    }
    if !config.skipped.is_empty() {
        return Exit::Usage;
    }
    let broken = crate::pipeline::topics::check_examples(&config);
    for (slug, error) in &broken {
        eprintln!(
            "veille: {}: feed {slug:?}: `examples`: {error}",
            config.path.display()
        );
    }
    if !broken.is_empty() {
        return Exit::Usage;
    }
    super::output::print_text(&summary(&config));
    Exit::Ok
}

/// What `veille check` prints of a valid configuration.
fn summary(config: &Config) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}: OK: {} sources ({} enabled), {} feeds",
        config.path.display(),
        config.sources.len(),
        config.enabled_sources().count(),
        config.feeds.len()
    );
    let _ = writeln!(out, "database: {}", crate::pipeline::database_label(config));
    let _ = writeln!(
        out,
        "publish:  {} -> {}",
        config.publish.dir.display(),
        config.publish.base_url
    );
    let _ = writeln!(out, "retention: {}", retention(config));
    let _ = writeln!(out, "sources:");
    for s in &config.sources {
        let _ = writeln!(out, "  {}  {}{}", s.name, s.url, source_notes(s));
    }
    let _ = writeln!(out, "feeds:");
    for f in &config.feeds {
        let _ = writeln!(
            out,
            "  {}  {:?}  limit {}  query: {}",
            f.slug, f.title, f.limit, f.query
        );
        if let Some(path) = &f.examples {
            let _ = writeln!(out, "    examples: {} (query + model)", path.display());
        }
    }
    if !config.alerts.is_empty() {
        let _ = writeln!(out, "alerts:");
        for a in &config.alerts {
            let _ = writeln!(
                out,
                "  {}  {}  {}  feeds: {}",
                a.name,
                alert_schedule(a),
                alert_channel(a),
                a.feeds.join(", ")
            );
        }
    }
    out
}

/// `articles 365d (newest 50 per source and published items kept), history 90d`,
/// or `keep everything`.
fn retention(config: &Config) -> String {
    let Some(r) = &config.retention else {
        return "keep everything (no [retention])".into();
    };
    let age = r
        .max_age
        .map_or("kept unless their source sets max_age".into(), |a| {
            humantime_secs(a.as_secs())
        });
    format!(
        "articles {age} (newest {} per source{} kept), history {}",
        r.keep_per_source,
        if r.keep_published {
            " and published items"
        } else {
            ""
        },
        humantime_secs(r.keep_history.as_secs())
    )
}

/// `every 1d at 08:00 Africa/Casablanca`, or `at every run`.
fn alert_schedule(alert: &crate::config::AlertConfig) -> String {
    let Some(every) = alert.every else {
        return "at every run".into();
    };
    let mut text = format!("every {}", humantime_secs(every.as_secs()));
    if let Some(at) = alert.at {
        text.push_str(&format!(" at {} {}", at.time.format("%H:%M"), at.zone));
    }
    text
}

/// `86400` → `1d`, `5400` → `90m`: the largest unit that divides.
fn humantime_secs(secs: u64) -> String {
    match secs {
        s if s >= 86_400 && s % 86_400 == 0 => format!("{}d", s / 86_400),
        s if s >= 3_600 && s % 3_600 == 0 => format!("{}h", s / 3_600),
        s if s >= 60 && s % 60 == 0 => format!("{}m", s / 60),
        s => format!("{s}s"),
    }
}

/// Where an alert goes, with no secret: a webhook's host (its path often
/// holds a token), or the variable that holds its address; an e-mail's
/// recipients and server.
fn alert_channel(alert: &crate::config::AlertConfig) -> String {
    use crate::config::{AlertChannel, WebhookUrl};
    match &alert.channel {
        AlertChannel::Webhook(hook) => match &hook.url {
            WebhookUrl::Literal(url) => format!("webhook to {}", url.host_str().unwrap_or("?")),
            WebhookUrl::Env(variable) => format!("webhook to ${variable}"),
        },
        AlertChannel::Email(mail) => {
            format!(
                "e-mail to {} via {}:{}",
                mail.to.join(", "),
                mail.server.host,
                mail.server.port
            )
        }
    }
}

/// `  (tags: …; lang: …; disabled)`, or nothing.
fn source_notes(s: &crate::config::SourceConfig) -> String {
    let mut notes = Vec::new();
    if !s.tags.is_empty() {
        notes.push(format!("tags: {}", s.tags.join(", ")));
    }
    if let Some(l) = &s.language {
        notes.push(format!("lang: {l}"));
    }
    if !s.enabled {
        notes.push("disabled".into());
    }
    if s.kind.name() != "feed" {
        notes.push(format!("kind: {}", s.kind.name()));
    }
    if let Some(age) = s.max_age {
        notes.push(format!("kept {}", humantime_secs(age.as_secs())));
    }
    if notes.is_empty() {
        String::new()
    } else {
        format!("  ({})", notes.join("; "))
    }
}

/// `veille check --source NAME`: a live fetch of one source, made as
/// `veille run` makes it, and what veille reads from it.
pub(super) async fn check_source(path: &Path, name: &str) -> Exit {
    let config = match load_config(path) {
        Ok(c) => c,
        Err(code) => return code,
    };
    match crate::pipeline::check_source::check_source(&config, name).await {
        Ok(check) => {
            super::output::print_text(&describe_check(name, &check));
            Exit::Ok
        }
        Err(e @ CheckError::NoSuchSource(_)) => {
            eprintln!("veille: {e} in {}", path.display());
            Exit::Usage
        }
        Err(e) => {
            eprintln!("veille: source {name:?}: {}", printable(&e.to_string()));
            Exit::Fatal
        }
    }
}

/// The report of `check --source`, with text from the network made
/// printable.
fn describe_check(name: &str, check: &SourceCheck) -> String {
    let mut out = format!(
        "{name}: HTTP {} from {}, {} bytes\n",
        check.status, check.final_url, check.bytes
    );
    if let Some(selectors) = &check.selectors {
        out.push_str(selectors);
    }
    let _ = writeln!(
        out,
        "{} items; title {}",
        check.items,
        quote(check.title.as_deref().unwrap_or(""), 200)
    );
    if let Some(why) = &check.malformed {
        let _ = writeln!(out, "malformed (read anyway): {}", printable(why));
    }
    if let Some(websub) = &check.websub {
        let _ = writeln!(
            out,
            "WebSub: hub {} for topic {}",
            quote(&websub.hub, 200),
            quote(&websub.topic, 200)
        );
    }
    for title in &check.first_titles {
        let _ = writeln!(out, "  - {}", printable(title));
    }
    for sample in &check.full_text {
        let link = sample.link.as_deref().unwrap_or("(no link)");
        let decision = match &sample.outcome {
            Ok(extracted) => format!("page text kept: {extracted}"),
            Err(why) => format!("feed text kept: {why}"),
        };
        let _ = writeln!(
            out,
            "full text of {}: {}",
            printable(link),
            printable(&decision)
        );
    }
    out
}
