//! The server's connection loop. `axum::serve` runs hyper without a
//! timer, which turns hyper's header read timeout off, and accepts
//! connections without limit: a few hundred clients that open a
//! connection and send half a request would hold the process's file
//! descriptors for ever. Here each connection must send its request head
//! within [`Limits::header_timeout`], lives at most
//! [`Limits::connection_lifetime`], and at most
//! [`Limits::connections`] are open at once (the others wait in the
//! listen queue).

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

/// How long clients may take, and how many there may be.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Time to send a request's head (request line and headers).
    pub header_timeout: Duration,
    /// Longest life of a connection, however many requests it carries.
    pub connection_lifetime: Duration,
    /// Connections open at once.
    pub connections: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            header_timeout: Duration::from_secs(10),
            // A topic page of a few MB reaches even a slow reader in time.
            connection_lifetime: Duration::from_secs(300),
            connections: 256,
        }
    }
}

/// Accepts connections on `listener` and serves `app` on each, within
/// `limits`, until the task is dropped.
pub async fn serve_connections(
    listener: TcpListener,
    app: Router,
    limits: Limits,
) -> std::io::Result<()> {
    let open = Arc::new(Semaphore::new(limits.connections.max(1)));
    loop {
        let permit = open
            .clone()
            .acquire_owned()
            .await
            .map_err(std::io::Error::other)?;
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            // A connection reset before it was accepted, or no file
            // descriptor left for now: wait a moment and go on.
            Err(_) => {
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let service = TowerToHyperService::new(app.clone());
        tokio::spawn(async move {
            let connection = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(limits.header_timeout)
                .serve_connection(TokioIo::new(stream), service);
            // Dropped at the end of its life: the socket closes.
            let _ = tokio::time::timeout(limits.connection_lifetime, connection).await;
            drop(permit);
        });
    }
}
