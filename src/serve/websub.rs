//! The WebSub callback, `/websub/{token}`: a hub's verification of
//! intent (GET, the challenge echoed) and its pushes (POST, signed with
//! the subscription's secret). The work is `pipeline::websub`'s.

use std::sync::Arc;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::Response;

use crate::config::Config;
use crate::pipeline::websub::{Intent, PushOutcome, receive_push, verify_intent};

/// The callback routes, for the configuration's database and sources.
pub fn websub_routes(config: Arc<Config>) -> Router {
    let limit = usize::try_from(config.fetch.max_body_bytes).unwrap_or(usize::MAX);
    Router::new()
        .route("/websub/{token}", axum::routing::get(verify).post(push))
        .layer(DefaultBodyLimit::max(limit))
        .with_state(config)
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

async fn verify(
    State(config): State<Arc<Config>>,
    Path(token): Path<String>,
    uri: Uri,
) -> Response {
    let mut intent = Intent::default();
    for (key, value) in url::form_urlencoded::parse(uri.query().unwrap_or_default().as_bytes()) {
        match key.as_ref() {
            "hub.mode" => intent.mode = value.into_owned(),
            "hub.topic" => intent.topic = value.into_owned(),
            "hub.challenge" => intent.challenge = Some(value.into_owned()),
            "hub.lease_seconds" => intent.lease_seconds = value.parse().ok(),
            _ => {}
        }
    }
    match verify_intent(&config, &token, &intent).await {
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
    State(config): State<Arc<Config>>,
    Path(token): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let text = |name: header::HeaderName| headers.get(name).and_then(|v| v.to_str().ok());
    let signature = text(header::HeaderName::from_static("x-hub-signature"));
    match receive_push(
        &config,
        &token,
        signature,
        text(header::CONTENT_TYPE),
        body.to_vec(),
    )
    .await
    {
        // Gone: the hub stops pushing to a callback veille does not know.
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
