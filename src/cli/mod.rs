//! The command line: argument parsing, logging, output and the exit-code
//! policy. No business logic lives here; each subcommand calls the library.

mod alerts;
mod backup;
mod check;
mod discover;
mod output;
mod parse_cmd;
mod prune;
mod search;
mod serve_cmd;
mod sources;
mod stats;
mod topic;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::config::Config;
use crate::pipeline::{self, RunError, RunOptions};

/// Exit codes, as documented in the README: scripts rely on them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// The command completed (failing sources are reported, not fatal).
    Ok = 0,
    /// Fatal: database unusable, output folder unwritable…
    Fatal = 1,
    /// Bad usage or bad configuration.
    Usage = 2,
    /// Another run holds the lock (`EX_TEMPFAIL`): try again later.
    Locked = 75,
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> ExitCode {
        ExitCode::from(e as u8)
    }
}

/// veille: fetch news sources into SQLite and publish topic feeds.
#[derive(Debug, Parser)]
#[command(name = "veille", version, about, long_about = None)]
pub struct Cli {
    /// Configuration file.
    #[arg(short, long, global = true, default_value = "config.toml")]
    pub config: PathBuf,
    /// More output (-v: each source; -vv: debug logs).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Only errors.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Fetch the sources that are due, then publish every feed (what cron runs).
    Run {
        /// Fetch every source, due or not.
        #[arg(long)]
        all: bool,
        /// Then write the metrics (as `veille serve` gives them at
        /// `/metrics`) to this file, atomically, for node_exporter's
        /// textfile collector.
        #[arg(long, value_name = "PATH")]
        metrics_file: Option<PathBuf>,
    },
    /// Fetch the sources that are due, without publishing.
    Fetch {
        /// Fetch every source, due or not.
        #[arg(long)]
        all: bool,
    },
    /// Publish every feed from the database, without fetching.
    Publish,
    /// Validate the configuration and list its sources and feeds.
    Check {
        /// Also fetch this source now as `veille run` would (same `[fetch]`
        /// settings, user agent, headers and cookies; from the configured
        /// URL, where a run may use an adopted permanent redirect), and show what
        /// veille reads from it: for an HTML source what each selector
        /// matched, with `full_text` which rule decided for the first items.
        /// Nothing is stored.
        #[arg(long, value_name = "NAME")]
        source: Option<String>,
    },
    /// Parse one feed file or URL and print what veille reads from it.
    Parse {
        /// A file path, or an http(s) URL.
        target: String,
        /// Print the parsed feed as JSON (the neutral model the corpus
        /// checker reads): what the parser read, before normalising.
        #[arg(long)]
        json: bool,
        /// Print, as JSON, the articles a run would store from it:
        /// sanitised HTML, canonical URL, language and identity, under the
        /// names of the `articles` columns.
        #[arg(long, conflicts_with = "json")]
        stored: bool,
    },
    /// Preview what a query matches in the database, newest first.
    Search {
        /// The query, in the language of `[[feed]] query` (docs/query.md);
        /// with `--topic`, the feed's query when left out.
        #[arg(required_unless_present = "topic")]
        query: Option<String>,
        /// Judge the articles as this feed does: its query (unless one is
        /// given), its least score and its model; `--explain` then shows
        /// the model's probability and its strongest features.
        #[arg(long, value_name = "SLUG")]
        topic: Option<String>,
        /// Most articles shown.
        #[arg(long, default_value_t = 20)]
        limit: usize,
        /// Print JSON.
        #[arg(long)]
        json: bool,
        /// Show how the query was read and, per article, which terms
        /// matched where, its relevance score and the score's parts.
        #[arg(long)]
        explain: bool,
    },
    /// Every source with its health; or import/export OPML.
    Sources {
        /// What to do (default: list).
        #[command(subcommand)]
        action: Option<SourcesAction>,
        /// List as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Remove what `[retention]` no longer keeps: old articles (with their
    /// index rows) and old fetch history; then give the space back.
    Prune {
        /// Only show what would go, per source; change nothing.
        #[arg(long)]
        dry_run: bool,
        /// Also list the uid of each article removed.
        #[arg(long)]
        list: bool,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Figures for a person: sources, last run, feeds, articles per day,
    /// and the space each table and index takes.
    Stats {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Write a consistent copy of the SQLite database to FILE, safe while
    /// runs write (on PostgreSQL: use pg_dump).
    Backup {
        /// Where the copy goes (replaced if present).
        file: PathBuf,
    },
    /// Each alert's status: last delivery, items waiting, last error;
    /// or send a sample.
    Alerts {
        /// What to do (default: list).
        #[command(subcommand)]
        action: Option<AlertsAction>,
    },
    /// List the feeds a web page advertises, for adding a source.
    Discover {
        /// The page URL.
        url: String,
    },
    /// Curate a topic's model: evaluate it, or label an article.
    Topic {
        /// What to do.
        #[command(subcommand)]
        action: TopicAction,
    },
    /// Serve the publish folder over HTTP, for subscribers.
    Serve {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8080")]
        addr: std::net::SocketAddr,
        /// Also fetch and publish every so often (e.g. `15m`), for users
        /// without cron.
        #[arg(long)]
        refresh: Option<String>,
        /// This server's public URL: subscribe to the WebSub hubs that
        /// sources name, receiving their pushes under `/websub/`.
        #[arg(long)]
        public_url: Option<url::Url>,
        /// Also answer `GET /metrics` (Prometheus text format) with the
        /// database's figures: source names and counts, so off unless asked.
        #[arg(long)]
        metrics: bool,
    },
}

/// `veille sources …`.
#[derive(Debug, Subcommand)]
pub enum SourcesAction {
    /// Merge an OPML subscription list into config.toml (comments and
    /// formatting are kept; sources already present are skipped).
    Import {
        /// The OPML file.
        file: PathBuf,
    },
    /// Print the configured sources as OPML.
    Export,
}

/// `veille alerts …`.
#[derive(Debug, Subcommand)]
pub enum AlertsAction {
    /// Send one sample message the alert's way, to check its setup
    /// (nothing is recorded).
    Test {
        /// The alert's name.
        name: String,
    },
}

/// `veille topic …`.
#[derive(Debug, Subcommand)]
pub enum TopicAction {
    /// Cross-validated precision, recall and F1 of the feed's query alone
    /// and with its model, on its examples: overall, per language and per
    /// kind, with the examples it gets wrong.
    Eval {
        /// The feed's slug.
        slug: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Append a stored article to the feed's examples, labelled.
    Label {
        /// The feed's slug.
        slug: String,
        /// The article's uid (as in published feeds and `veille search`).
        uid: String,
        /// Its label.
        #[arg(value_parser = ["relevant", "irrelevant"])]
        label: String,
    },
}

/// Entry point of the binary.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() {
                Exit::Usage
            } else {
                Exit::Ok
            };
            let _ = e.print();
            return code.into();
        }
    };
    output::init_logging(cli.verbose, cli.quiet);
    // Every command that makes a request (fetching, but also publishing's
    // webhooks and hub pings, `alerts test`) needs rustls's process-wide
    // crypto provider; a second install is harmless.
    let _ = rustls::crypto::ring::default_provider().install_default();
    // Parsing and normalising run on the blocking pool; more threads than
    // cores only adds thread churn (and fresh allocator heaps) there.
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .max_blocking_threads(cores.max(2))
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("veille: cannot start the async runtime: {e}");
            return Exit::Fatal.into();
        }
    };
    runtime.block_on(dispatch(&cli)).into()
}

async fn dispatch(cli: &Cli) -> Exit {
    let stages = |fetch, publish, all| RunOptions {
        fetch,
        publish,
        all,
    };
    match &cli.command {
        Command::Parse {
            target,
            json,
            stored,
        } => {
            let output = match (json, stored) {
                (_, true) => parse_cmd::ParseOutput::Stored,
                (true, false) => parse_cmd::ParseOutput::Parsed,
                (false, false) => parse_cmd::ParseOutput::Summary,
            };
            parse_cmd::parse(target, output).await
        }
        Command::Check { source: None } => check::check(&cli.config),
        Command::Check { source: Some(name) } => check::check_source(&cli.config, name).await,
        Command::Run { all, metrics_file } => {
            let code = run(cli, stages(true, true, *all)).await;
            match metrics_file {
                Some(path) if code == Exit::Ok => write_metrics(&cli.config, path).await,
                _ => code,
            }
        }
        Command::Fetch { all } => run(cli, stages(true, false, *all)).await,
        Command::Publish => run(cli, stages(false, true, false)).await,
        Command::Search {
            query,
            topic,
            limit,
            json,
            explain,
        } => {
            let options = search::SearchOptions {
                query: query.as_deref(),
                topic: topic.as_deref(),
                limit: *limit,
                json: *json,
                explain: *explain,
            };
            search::search(&cli.config, options).await
        }
        Command::Sources { action: None, json } => sources::list(&cli.config, *json).await,
        Command::Sources {
            action: Some(SourcesAction::Import { file }),
            ..
        } => sources::import(&cli.config, file),
        Command::Sources {
            action: Some(SourcesAction::Export),
            ..
        } => sources::export(&cli.config),
        Command::Discover { url } => discover::discover(url).await,
        Command::Prune {
            dry_run,
            list,
            json,
        } => {
            let options = crate::pipeline::PruneOptions {
                dry_run: *dry_run,
                list: *list,
            };
            prune::prune(&cli.config, options, *json, cli.quiet).await
        }
        Command::Stats { json } => stats::stats(&cli.config, *json).await,
        Command::Backup { file } => backup::backup(&cli.config, file, cli.quiet).await,
        Command::Alerts { action: None } => alerts::list(&cli.config).await,
        Command::Alerts {
            action: Some(AlertsAction::Test { name }),
        } => alerts::test(&cli.config, name).await,
        Command::Topic {
            action: TopicAction::Eval { slug, json },
        } => topic::eval(&cli.config, slug, *json),
        Command::Topic {
            action: TopicAction::Label { slug, uid, label },
        } => topic::label(&cli.config, slug, uid, label == "relevant").await,
        Command::Serve {
            addr,
            refresh,
            public_url,
            metrics,
        } => {
            let options = serve_cmd::ServeOptions {
                addr: *addr,
                refresh: refresh.as_deref(),
                public_url: public_url.clone(),
                metrics: *metrics,
            };
            serve_cmd::serve(&cli.config, options).await
        }
    }
}

/// Loads the config, printing the error and returning the exit code on
/// failure; each entry set aside gets one line, and the command goes on
/// without it.
fn load_config(path: &std::path::Path) -> Result<Config, Exit> {
    let config = Config::load(path).map_err(|e| {
        eprintln!("veille: {e}");
        Exit::Usage
    })?;
    // One line each (a query's caret diagram is for `veille check`).
    for skipped in &config.skipped {
        let first = skipped.lines().next().unwrap_or_default();
        eprintln!("veille: {first}; this entry is skipped");
    }
    Ok(config)
}

/// Loads the config and opens its database, printing the error and
/// returning the exit code on failure.
async fn open_store(path: &std::path::Path) -> Result<crate::store::Store, Exit> {
    let config = load_config(path)?;
    crate::store::Store::open(&config.database)
        .await
        .map_err(|e| {
            eprintln!("veille: fatal: {e}");
            Exit::Fatal
        })
}

/// `veille run --metrics-file PATH`, after the run.
async fn write_metrics(config_path: &std::path::Path, path: &std::path::Path) -> Exit {
    let store = match open_store(config_path).await {
        Ok(s) => s,
        Err(code) => return code,
    };
    let figures = store.figures().await;
    store.close().await;
    let written = figures
        .map_err(|e| e.to_string())
        .and_then(|f| crate::metrics::write_file(path, &f).map_err(|e| e.to_string()));
    match written {
        Ok(()) => Exit::Ok,
        Err(e) => {
            eprintln!(
                "veille: fatal: cannot write metrics to {}: {e}",
                path.display()
            );
            Exit::Fatal
        }
    }
}

async fn run(cli: &Cli, options: RunOptions) -> Exit {
    let config = match load_config(&cli.config) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let fetching = if options.fetch {
        config.enabled_sources().count()
    } else {
        0
    };
    let progress = output::with_bar(output::RunProgress::new(cli.verbose, cli.quiet), fetching);
    match pipeline::run(&config, options, &progress).await {
        Ok(report) => {
            output::print_report(&report, options, cli.verbose, cli.quiet);
            Exit::Ok
        }
        Err(RunError::Lock(e @ crate::lock::LockError::Held { .. })) => {
            eprintln!("veille: {e}");
            Exit::Locked
        }
        Err(e @ RunError::Query { .. }) => {
            eprintln!("veille: {e}");
            Exit::Usage
        }
        Err(RunError::Store(e)) if e.cause() == Some("database is locked") => {
            // Another writer (a `veille serve` taking a push, a `topic
            // label`) held the file past the busy timeout: try again later,
            // as for the run lock.
            eprintln!(
                "veille: database {} is busy with another writer: {e}",
                crate::pipeline::database_label(&config)
            );
            Exit::Locked
        }
        Err(RunError::Store(e)) => {
            // One line naming the database and, when known, the cause.
            let cause = e.cause().map(|c| format!("{c}: ")).unwrap_or_default();
            eprintln!(
                "veille: fatal: database {}: {cause}{e}",
                crate::pipeline::database_label(&config)
            );
            Exit::Fatal
        }
        Err(e) => {
            eprintln!("veille: fatal: {e}");
            Exit::Fatal
        }
    }
}
