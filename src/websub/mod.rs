//! WebSub (W3C Recommendation). The publisher's side: the published
//! feeds name their hubs (`rel="hub"`, written by `publish`), and when a
//! feed file's bytes change veille tells each hub (`hub.mode=publish`),
//! which then fetches the file and pushes it to its subscribers. The
//! subscriber's side: `veille serve --public-url` asks the hubs that
//! sources name to push their feeds, and checks what they push.

mod ping;
mod subscribe;

pub use ping::{PingFailure, ping_hubs};
pub use subscribe::{
    SubscribeError, SubscribeRequest, random_hex, request_subscription, signature_valid,
};
