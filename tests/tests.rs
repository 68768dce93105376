//! veille's integration tests: one binary, one module per area.
//!
//! Every test uses a real SQLite file in a temporary folder and, where
//! HTTP is involved, a real server on 127.0.0.1 started inside the test.

mod util;

mod aggregator;
mod alerts;
mod backup;
mod bot_walls;
mod cli;
mod clusters;
mod faults;
mod fetcher;
mod metrics;
mod parser;
mod pipeline;
mod publish;
mod publish_options;
mod query_docs;
mod redirects;
mod retention;
mod schema;
mod scrape;
mod search_index;
mod serve;
mod sitemaps;
mod sources_cli;
mod store_faults;
mod topic_cli;
mod topics;
mod validate;
mod w3c;
mod websub;
mod workers;
