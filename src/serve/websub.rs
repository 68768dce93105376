//! The WebSub callback, `/websub/{token}`: a hub's verification of
//! intent (GET, the challenge echoed) and its pushes (POST, signed with
//! the subscription's secret). The work is `pipeline::websub`'s.
//!
//! Anyone on the internet can call it, so it costs little to refuse: a
//! token that is not one veille makes is answered before the database is
//! touched or a body read, the store is opened once and shared, and at
//! most [`AT_ONCE`] requests are worked on at a time (the others get 503,
//! which hubs retry).

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Request, State};
use axum::http::{StatusCode, header};
use axum::response::Response;
use tokio::sync::{OnceCell, Semaphore};

use crate::config::Config;
use crate::pipeline::websub::{Intent, PushOutcome, receive_push, verify_intent};
use crate::store::{Store, StoreError};

/// Callback requests worked on at once.
const AT_ONCE: usize = 4;

/// Hex digits of a callback token (`websub::random_hex(16)`).
const TOKEN_CHARS: usize = 32;

struct Callback {
    config: Arc<Config>,
    store: OnceCell<Store>,
    working: Semaphore,
}

/// The callback routes, for the configuration's database and sources.
pub fn websub_routes(config: Arc<Config>) -> Router {
    let state = Arc::new(Callback {
        config,
        store: OnceCell::new(),
        working: Semaphore::new(AT_ONCE),
    });
    Router::new()
        .route("/websub/{token}", axum::routing::get(verify).post(push))
        .with_state(state)
}

fn answer(code: StatusCode, body: impl Into<Body>) -> Response {
    let mut response = Response::new(body.into());
    *response.status_mut() = code;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

/// Whether `token` has the shape of the tokens veille makes.
fn well_formed(token: &str) -> bool {
    token.len() == TOKEN_CHARS && token.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The shared store, opened at the first request that needs it.
async fn store(state: &Callback) -> Result<&Store, StoreError> {
    state
        .store
        .get_or_try_init(|| Store::open(&state.config.database))
        .await
}

async fn verify(
    State(state): State<Arc<Callback>>,
    Path(token): Path<String>,
    request: Request,
) -> Response {
    if !well_formed(&token) {
        return answer(StatusCode::NOT_FOUND, "no such subscription");
    }
    let Ok(_working) = state.working.try_acquire() else {
        return answer(StatusCode::SERVICE_UNAVAILABLE, "busy");
    };
    let query = request.uri().query().unwrap_or_default().as_bytes();
    let mut intent = Intent::default();
    for (key, value) in url::form_urlencoded::parse(query) {
        match key.as_ref() {
            "hub.mode" => intent.mode = value.into_owned(),
            "hub.topic" => intent.topic = value.into_owned(),
            "hub.challenge" => intent.challenge = Some(value.into_owned()),
            "hub.lease_seconds" => intent.lease_seconds = value.parse().ok(),
            _ => {}
        }
    }
    let verified = match store(&state).await {
        Ok(store) => verify_intent(store, &token, &intent).await,
        Err(e) => Err(e.into()),
    };
    match verified {
        Ok(Some(challenge)) => answer(StatusCode::OK, challenge),
        Ok(None) => answer(StatusCode::NOT_FOUND, "no such subscription"),
        Err(e) => {
            eprintln!(
                "veille: WebSub verification: {}",
                crate::untrusted::error_column(&e.to_string())
            );
            answer(StatusCode::INTERNAL_SERVER_ERROR, "error")
        }
    }
}

async fn push(
    State(state): State<Arc<Callback>>,
    Path(token): Path<String>,
    request: Request,
) -> Response {
    // Gone: the hub stops pushing to a callback veille does not know.
    if !well_formed(&token) {
        return answer(StatusCode::GONE, "no such subscription");
    }
    let Ok(_working) = state.working.try_acquire() else {
        return answer(StatusCode::SERVICE_UNAVAILABLE, "busy");
    };
    let (parts, body) = request.into_parts();
    let limit = usize::try_from(state.config.fetch.max_body_bytes).unwrap_or(usize::MAX);
    let Ok(body) = axum::body::to_bytes(body, limit).await else {
        return answer(StatusCode::PAYLOAD_TOO_LARGE, "too large");
    };
    let text = |name: header::HeaderName| parts.headers.get(name).and_then(|v| v.to_str().ok());
    let signature = text(header::HeaderName::from_static("x-hub-signature"));
    let headers = (signature, text(header::CONTENT_TYPE));
    let received = match store(&state).await {
        Ok(store) => receive_push(store, &state.config, &token, headers, Vec::from(body)).await,
        Err(e) => Err(e.into()),
    };
    match received {
        Ok(PushOutcome::Unknown) => answer(StatusCode::GONE, "no such subscription"),
        Ok(PushOutcome::BadSignature) => {
            // The token is a credential: not printed.
            eprintln!("veille: a WebSub push was ignored: its signature does not match");
            answer(StatusCode::ACCEPTED, "ignored")
        }
        Ok(PushOutcome::Stored(outcome)) => {
            if let Err(why) = &outcome.result {
                let why = crate::untrusted::error_column(&why.to_string());
                eprintln!("veille: source {:?} (pushed) failed: {why}", outcome.name);
            }
            answer(StatusCode::ACCEPTED, "stored")
        }
        Err(e) => {
            eprintln!(
                "veille: WebSub push: {}",
                crate::untrusted::error_column(&e.to_string())
            );
            answer(StatusCode::INTERNAL_SERVER_ERROR, "error")
        }
    }
}
