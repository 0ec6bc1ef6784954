//! JWK Sets fetched from the `jku` URLs a trusted issuer allows, kept for
//! `cds.jwks_cache_secs`. A key id missing from a cached set refetches it (key rotation), at
//! most once every ten seconds per URL.

use jsonwebtoken::jwk::JwkSet;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Shortest time between two fetches of one URL.
const MIN_REFETCH: Duration = Duration::from_secs(10);

/// The cache, shared by the workers.
#[derive(Default)]
pub struct JwksCache {
    sets: Mutex<HashMap<String, (Instant, Arc<JwkSet>)>>,
}

impl JwksCache {
    /// An empty cache.
    pub fn new() -> JwksCache {
        JwksCache::default()
    }

    /// The set at `url`, from the cache when fresh and holding `kid`, else fetched (blocking:
    /// call off the async workers). `None` when it cannot be fetched or read.
    pub fn get(
        &self,
        url: &str,
        kid: &str,
        ttl: Duration,
        timeout: Duration,
    ) -> Option<Arc<JwkSet>> {
        let cached = self.sets.lock().ok()?.get(url).cloned();
        if let Some((at, set)) = &cached {
            let fresh = at.elapsed() < ttl;
            if fresh && (set.find(kid).is_some() || at.elapsed() < MIN_REFETCH) {
                return Some(set.clone());
            }
        }
        match crate::cds::fhir_client::get_json(url, None, timeout) {
            Ok(value) => {
                let set: JwkSet = serde_json::from_value(value).ok()?;
                let set = Arc::new(set);
                if let Ok(mut sets) = self.sets.lock() {
                    sets.insert(url.to_string(), (Instant::now(), set.clone()));
                }
                Some(set)
            }
            Err(_) => cached.map(|(_, set)| set),
        }
    }
}
