//! WebSub (W3C Recommendation): the publisher's side. The published
//! feeds name their hubs (`rel="hub"`, written by `publish`), and when a
//! feed file's bytes change veille tells each hub (`hub.mode=publish`),
//! which then fetches the file and pushes it to its subscribers.

mod ping;

pub use ping::{PingFailure, ping_hubs};
