//! `GET /metrics`: the database's figures in the Prometheus text format.
//! The store is opened at the first scrape and kept; a scrape that cannot
//! read the database answers 503 (Prometheus then marks the target down)
//! and the next one tries again.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use tokio::sync::OnceCell;

use crate::config::Config;
use crate::store::{Store, StoreError};

struct Metrics {
    config: Arc<Config>,
    store: OnceCell<Store>,
}

/// The `/metrics` route.
pub fn metrics_routes(config: Arc<Config>) -> Router {
    let state = Arc::new(Metrics {
        config,
        store: OnceCell::new(),
    });
    Router::new()
        .route("/metrics", axum::routing::get(scrape))
        .with_state(state)
}

async fn scrape(State(state): State<Arc<Metrics>>) -> Response {
    match figures(&state).await {
        Ok(text) => answer(StatusCode::OK, crate::metrics::CONTENT_TYPE, text),
        Err(e) => {
            // The reason (a path, a host) is for the operator's log, not
            // for whoever scrapes.
            eprintln!("veille: /metrics: {e}");
            answer(
                StatusCode::SERVICE_UNAVAILABLE,
                "text/plain; charset=utf-8",
                "veille: cannot read the database (see the server's log)\n".to_string(),
            )
        }
    }
}

async fn figures(state: &Metrics) -> Result<String, StoreError> {
    let store = state
        .store
        .get_or_try_init(|| Store::open(&state.config.database))
        .await?;
    Ok(crate::metrics::render(&store.figures().await?))
}

fn answer(code: StatusCode, content_type: &'static str, body: String) -> Response {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = code;
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}
