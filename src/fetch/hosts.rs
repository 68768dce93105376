//! Per-host politeness: at most N requests at once to one host, whatever
//! the global concurrency (many sources can share a host, such as a news
//! search service).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use url::Url;

#[derive(Debug)]
pub(super) struct HostLimits {
    per_host: usize,
    hosts: Mutex<HashMap<String, Arc<Semaphore>>>,
}

impl HostLimits {
    pub(super) fn new(per_host: usize) -> HostLimits {
        HostLimits {
            per_host: per_host.max(1),
            hosts: Mutex::new(HashMap::new()),
        }
    }

    /// Waits for a slot on `url`'s host; the slot is freed on drop.
    pub(super) async fn acquire(&self, url: &Url) -> Option<OwnedSemaphorePermit> {
        let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
        let semaphore = {
            let mut hosts = self.hosts.lock().ok()?;
            hosts
                .entry(host)
                .or_insert_with(|| Arc::new(Semaphore::new(self.per_host)))
                .clone()
        };
        semaphore.acquire_owned().await.ok()
    }
}
