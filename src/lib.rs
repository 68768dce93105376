//! veille: a news-watch engine.
//!
//! The modules follow the data flow of one cron run:
//! [`config`] → [`fetch`] → [`parse`] → [`normalise`] → [`store`] →
//! [`filter`] → [`publish`], orchestrated by [`pipeline`] and driven by the
//! command line in [`cli`]; [`cluster`] groups reports of one story, and
//! [`serve`] offers the published folder over HTTP. [`model`] holds the plain data that crosses
//! stages; [`lock`] keeps cron from stacking runs.

#![deny(missing_docs)]
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub mod alert;
pub mod cli;
pub mod cluster;
pub mod config;
pub mod fetch;
pub mod filter;
pub mod lock;
pub mod metrics;
pub mod model;
pub mod normalise;
pub mod parse;
pub mod pipeline;
pub mod publish;
pub mod scrape;
pub mod serve;
pub mod store;
pub mod untrusted;
pub mod websub;
