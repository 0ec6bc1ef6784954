//! Per-process memory for the bundle and what is computed from it, safe with several
//! replicas because nothing in it can go stale:
//!
//! - the compiled trials of the bundle ([`MatcherCache`]), keyed by its strong ETag: the one
//!   `plugin_sdk::Matcher` that `POST /api/v1/match` and the CDS Hooks service both evaluate
//!   with, rebuilt only when the bundle generation changes (one indexed read per call
//!   otherwise);
//! - the serialised body of the bundle route, keyed by its strong ETag. The ETag is computed
//!   from the database on every request; the body for an ETag never changes, since the ETag
//!   covers the recruiting trials' ids and versions and a version's definition, title and
//!   acronym are immutable once it recruits (only drafts are edited).

use actix_web::web::Bytes;
use platform::error::ApiError;
use plugin_sdk::Matcher;
use sea_orm::DatabaseConnection;
use std::sync::{Arc, Mutex};

/// The compiled trials of the current bundle, keyed by its ETag; shared by the workers.
#[derive(Debug, Default)]
pub struct MatcherCache {
    current: Mutex<Option<(String, Arc<Matcher>)>>,
}

impl MatcherCache {
    /// An empty cache.
    pub fn new() -> MatcherCache {
        MatcherCache::default()
    }

    /// The matcher of the current bundle, compiled when the bundle changed. Trials whose
    /// definition does not validate are skipped by the matcher (and logged).
    pub async fn get(&self, db: &DatabaseConnection) -> Result<Arc<Matcher>, ApiError> {
        let etag = super::bundle::etag(db).await?;
        if let Ok(guard) = self.current.lock()
            && let Some((e, m)) = guard.as_ref()
            && *e == etag
        {
            return Ok(m.clone());
        }
        let (etag, bundle) = super::bundle::build(db).await?;
        let matcher = Arc::new(Matcher::new(&bundle));
        for trial in matcher.skipped() {
            tracing::warn!(trial = %trial, "a recruiting trial's definition does not validate");
        }
        if let Ok(mut guard) = self.current.lock() {
            *guard = Some((etag, matcher.clone()));
        }
        Ok(matcher)
    }
}

/// What the bundle route remembers between requests.
#[derive(Debug, Default)]
pub struct BundleCache {
    body: Mutex<Option<(String, Bytes)>>,
}

impl BundleCache {
    /// An empty cache.
    pub fn new() -> BundleCache {
        BundleCache::default()
    }

    /// The serialised body for this ETag, if it is the one remembered.
    pub fn body(&self, etag: &str) -> Option<Bytes> {
        let guard = self.body.lock().ok()?;
        guard
            .as_ref()
            .filter(|(e, _)| e == etag)
            .map(|(_, b)| b.clone())
    }

    /// Remembers the body of this ETag (replacing the previous one).
    pub fn store(&self, etag: &str, body: Bytes) {
        if let Ok(mut guard) = self.body.lock() {
            *guard = Some((etag.to_string(), body));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembers_one_body_by_etag() {
        let c = BundleCache::new();
        assert!(c.body("\"a\"").is_none());
        c.store("\"a\"", Bytes::from_static(b"A"));
        assert_eq!(c.body("\"a\"").as_deref(), Some(&b"A"[..]));
        c.store("\"b\"", Bytes::from_static(b"B"));
        assert!(c.body("\"a\"").is_none());
    }
}
