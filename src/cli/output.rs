//! What the user sees: logs, the progress bar on a terminal, plain lines
//! under cron, and the closing one-line summary.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressStyle};
use tracing_subscriber::EnvFilter;

use crate::pipeline::{Progress, RunOptions, RunReport, SourceOutcome};

/// Writes to stdout, ignoring a closed pipe (`veille check | head` must
/// not panic or complain).
pub(super) fn print(text: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|_| out.flush());
}

/// Writes text for people to stdout: whatever in it came from the network
/// (titles, links, selector reports) has its control characters escaped.
/// JSON and OPML go through [`print`], already escaped by their writers.
pub(super) fn print_text(text: &str) {
    print(&crate::untrusted::printable_lines(text));
}

/// Logs go to stderr; `RUST_LOG` overrides the level chosen by -v/-q.
pub(super) fn init_logging(verbose: u8, quiet: bool) {
    let level = match (quiet, verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => "info",
        (false, _) => "debug",
    };
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new(format!("veille={level}")));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .try_init();
}

/// Progress for `run`/`fetch`: a bar on a terminal, plain lines otherwise.
pub(super) struct RunProgress {
    bar: Option<ProgressBar>,
    verbose: bool,
    quiet: bool,
}

impl RunProgress {
    pub(super) fn new(verbose: u8, quiet: bool) -> RunProgress {
        RunProgress {
            bar: None,
            verbose: verbose > 0,
            quiet,
        }
    }

    fn line(&self, text: String) {
        match &self.bar {
            Some(bar) => bar.println(text),
            None => eprintln!("{text}"),
        }
    }
}

impl Progress for RunProgress {
    fn start(&self, total: usize) {
        // Only the sources that are due are fetched: the real total.
        if let Some(bar) = &self.bar {
            bar.set_length(total as u64);
        }
    }

    fn source_done(&self, outcome: &SourceOutcome) {
        if let Some(bar) = &self.bar {
            bar.inc(1);
            bar.set_message(outcome.name.clone());
        }
        match &outcome.result {
            // Even with -q: under cron, these lines are the report.
            Err(reason) => self.line(format!(
                "veille: source {:?} failed: {}",
                outcome.name,
                crate::untrusted::error_column(&reason.to_string())
            )),
            Ok(ok) if self.verbose => self.line(format!(
                "veille: source {:?}: HTTP {}, {} items, {} new, {} updated",
                outcome.name, ok.http_status, ok.counts.seen, ok.counts.new, ok.counts.updated
            )),
            _ => {}
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

/// The bar is built before the run (with every enabled source as the
/// total), and `start` corrects the total to the sources that are due.
pub(super) fn with_bar(mut progress: RunProgress, total: usize) -> RunProgress {
    if std::io::stderr().is_terminal() && !progress.quiet && total > 0 {
        let bar = ProgressBar::new(total as u64);
        if let Ok(style) =
            ProgressStyle::with_template("{spinner} [{bar:30}] {pos}/{len} sources {wide_msg}")
        {
            bar.set_style(style.progress_chars("=> "));
        }
        progress.bar = Some(bar);
    }
    progress
}

/// The failures, one line each (even with `-q`: under cron they are what
/// a person reads), then the closing summary: one line, unless `-q`.
pub(super) fn print_report(report: &RunReport, options: RunOptions, verbose: u8, quiet: bool) {
    for (slug, why) in &report.feed_errors {
        let why = crate::untrusted::error_column(why);
        eprintln!("veille: feed {slug:?} not published: {why}");
    }
    for line in hub_lines(&report.hub_failures) {
        eprintln!("veille: {}", crate::untrusted::error_column(&line));
    }
    if let Some(error) = &report.prune_error {
        let error = crate::untrusted::error_column(error);
        eprintln!("veille: daily prune failed (tried again at the next run): {error}");
    }
    for alert in &report.alerts {
        if let Some(error) = &alert.error {
            eprintln!(
                "veille: {}; its items wait for the next attempt",
                crate::untrusted::error_column(&error.to_string())
            );
        }
    }
    if verbose > 0 {
        for feed in &report.feeds {
            eprintln!(
                "veille: feed {:?}: {} items, {}",
                feed.slug,
                feed.items,
                if feed.files_written > 0 {
                    "written"
                } else {
                    "unchanged"
                }
            );
        }
    }
    if quiet {
        return;
    }
    let t = &report.totals;
    let mut parts = Vec::new();
    if options.fetch {
        parts.push(format!(
            "{} sources ok, {} failed",
            t.sources_ok, t.sources_failed
        ));
        parts.push(format!(
            "{} new, {} updated articles",
            t.items_new, t.items_updated
        ));
    }
    if options.publish {
        parts.push(format!(
            "{} of {} feeds written",
            t.feeds_written,
            report.feeds.len()
        ));
    }
    if let Some(pruned) = &report.pruned {
        parts.push(format!(
            "pruned {} old articles and {} history rows",
            pruned.articles, pruned.history
        ));
    }
    print(&format!("veille: {}\n", parts.join("; ")));
}

/// A size for people: `2.1 GiB`, `340 MiB`, `12 KiB`, `512 B`.
pub(super) fn bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if n < 1024 {
        return format!("{n} B");
    }
    let mut value = n as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    let digits = if value < 10.0 { 1 } else { 0 };
    format!("{value:.digits$} {}", UNITS.get(unit).unwrap_or(&"TiB"))
}

/// A time as the listings show it (`2026-12-03 08:00`), or `-`.
pub(super) fn when(t: Option<chrono::DateTime<chrono::Utc>>) -> String {
    t.map(|t| t.format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_else(|| "-".into())
}

/// One line per hub that failed, however many feed files it was to be
/// told about: the first failure, and how many files in all.
fn hub_lines(failures: &[crate::websub::PingFailure]) -> Vec<String> {
    let mut hubs: Vec<(&crate::websub::PingFailure, usize)> = Vec::new();
    for failure in failures {
        match hubs.iter_mut().find(|(first, _)| first.hub == failure.hub) {
            Some((_, count)) => *count += 1,
            None => hubs.push((failure, 1)),
        }
    }
    hubs.into_iter()
        .map(|(first, count)| match count {
            1 => first.to_string(),
            n => format!(
                "WebSub hub {} not told that {n} feed files changed: {}",
                first.hub, first.reason
            ),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::hub_lines;
    use crate::websub::PingFailure;

    #[test]
    fn a_failing_hub_is_one_line_however_many_files() {
        let failure = |hub: &str, topic: &str| PingFailure {
            hub: hub.into(),
            topic: topic.into(),
            reason: "HTTP 503".into(),
        };
        let lines = hub_lines(&[
            failure("https://hub.a/", "https://e.org/x/rss.xml"),
            failure("https://hub.a/", "https://e.org/x/atom.xml"),
            failure("https://hub.a/", "https://e.org/x/feed.json"),
            failure("https://hub.b/", "https://e.org/x/rss.xml"),
        ]);
        assert_eq!(
            lines,
            [
                "WebSub hub https://hub.a/ not told that 3 feed files changed: HTTP 503",
                "WebSub hub https://hub.b/ not told that https://e.org/x/rss.xml changed: HTTP 503",
            ]
        );
    }
}
