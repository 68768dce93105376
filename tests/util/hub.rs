//! A WebSub hub on 127.0.0.1 that records the publish pings it gets, and
//! can answer 503 to the first ones (a hub that is restarting).

use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::StatusCode;

/// A ping's form fields, in order.
pub type Form = Vec<(String, String)>;

#[derive(Clone, Default)]
pub struct Hub {
    /// Form bodies of the pings, with the status answered.
    pub pings: Arc<Mutex<Vec<(u16, Form)>>>,
    /// Pings still to answer with 503.
    pub refuse_next: Arc<Mutex<usize>>,
}

async fn ping(State(hub): State<Hub>, body: String) -> StatusCode {
    let form: Form = url::form_urlencoded::parse(body.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let status = {
        let mut refuse = hub.refuse_next.lock().unwrap();
        if *refuse > 0 {
            *refuse -= 1;
            StatusCode::SERVICE_UNAVAILABLE
        } else {
            StatusCode::NO_CONTENT
        }
    };
    hub.pings.lock().unwrap().push((status.as_u16(), form));
    status
}

impl Hub {
    pub async fn start() -> (Hub, String) {
        let hub = Hub::default();
        let app = axum::Router::new()
            .route("/hub", axum::routing::post(ping))
            .with_state(hub.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hub", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        (hub, url)
    }

    /// The feed URLs of the pings the hub accepted, sorted.
    pub fn accepted_topics(&self) -> Vec<String> {
        let pings = self.pings.lock().unwrap();
        let mut topics: Vec<String> = pings
            .iter()
            .filter(|(status, _)| *status == 204)
            .map(|(_, form)| {
                assert!(
                    form.contains(&("hub.mode".into(), "publish".into())),
                    "{form:?}"
                );
                form.iter().find(|(k, _)| k == "hub.url").unwrap().1.clone()
            })
            .collect();
        topics.sort();
        topics
    }
}
