//! Per-process memory for the bundle and what is computed from it, safe with several
//! replicas because nothing in it can go stale:
//!
//! - the compiled trials of the bundle ([`MatcherCache`]), keyed by its strong ETag: the one
//!   `plugin_sdk::Matcher` that `POST /api/v1/match` and the CDS Hooks service both evaluate
//!   with, rebuilt only when the bundle generation changes (one indexed read per call
//!   otherwise), with the observations those trials can read ([`MatcherCache::get_with_need`],
//!   what the CDS Hooks service asks the EHR's FHIR server for), computed once per entry
//!   and day (the trials' windows are relative to the day), not per call;
//! - the serialised body of the bundle route, keyed by its strong ETag. The ETag is computed
//!   from the database on every request; the body for an ETag never changes, since the ETag
//!   covers the recruiting trials' ids and versions and a version's definition, title and
//!   acronym are immutable once it recruits (only drafts are edited).

use actix_web::web::Bytes;
use chrono::NaiveDate;
use platform::error::ApiError;
use plugin_sdk::Matcher;
use sea_orm::DatabaseConnection;
use std::sync::{Arc, Mutex};
use trials::ObservationNeed;

/// One bundle generation: its ETag, its compiled trials and, once asked for, the
/// observations they can read on a day.
#[derive(Debug)]
struct Entry {
    etag: String,
    matcher: Arc<Matcher>,
    need: Option<(NaiveDate, Arc<ObservationNeed>)>,
}

/// The compiled trials of the current bundle, keyed by its ETag; shared by the workers.
#[derive(Debug, Default)]
pub struct MatcherCache {
    current: Mutex<Option<Entry>>,
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
            && let Some(entry) = guard.as_ref()
            && entry.etag == etag
        {
            return Ok(entry.matcher.clone());
        }
        let (etag, bundle) = super::bundle::build(db).await?;
        let matcher = Arc::new(Matcher::new(&bundle));
        for trial in matcher.skipped() {
            tracing::warn!(trial = %trial, "a recruiting trial's definition does not validate");
        }
        if let Ok(mut guard) = self.current.lock() {
            *guard = Some(Entry {
                etag,
                matcher: matcher.clone(),
                need: None,
            });
        }
        Ok(matcher)
    }

    /// The matcher of the current bundle ([`MatcherCache::get`]) with the observations its
    /// trials can read on `today` (`trials::TrialIndex::observation_need`): computed once
    /// per bundle generation and day, then shared by the calls.
    pub async fn get_with_need(
        &self,
        db: &DatabaseConnection,
        today: NaiveDate,
    ) -> Result<(Arc<Matcher>, Arc<ObservationNeed>), ApiError> {
        let matcher = self.get(db).await?;
        Ok((matcher.clone(), self.need(&matcher, today)))
    }

    /// The need of `matcher` on `today`: the remembered one when it is of this matcher's
    /// entry and day, else computed (and remembered if `matcher` is still the current one).
    fn need(&self, matcher: &Arc<Matcher>, today: NaiveDate) -> Arc<ObservationNeed> {
        if let Ok(guard) = self.current.lock()
            && let Some(entry) = guard.as_ref()
            && Arc::ptr_eq(&entry.matcher, matcher)
            && let Some((day, need)) = &entry.need
            && *day == today
        {
            return need.clone();
        }
        let need = Arc::new(matcher.observation_need(today));
        if let Ok(mut guard) = self.current.lock()
            && let Some(entry) = guard.as_mut()
            && Arc::ptr_eq(&entry.matcher, matcher)
        {
            entry.need = Some((today, need.clone()));
        }
        need
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
    fn the_observation_need_is_computed_once_per_entry_and_day() {
        let trial = r#"{"id": "t", "title": "T", "criteria": {"inclusion": [
            {"id": "a", "observation": {"codes": {"include": [{"system": "http://loinc.org", "code": "4548-4"}]},
             "value": {"gte": 7.5}, "window": {"within": "6m"}}}]}}"#;
        let bundle = |trials: Vec<plugin_sdk::wire::BundleTrial>| plugin_sdk::wire::Bundle {
            version: "a".into(),
            trials,
        };
        let matcher = Arc::new(Matcher::new(&bundle(vec![plugin_sdk::wire::BundleTrial {
            id: uuid::Uuid::nil(),
            trial_id: "t".into(),
            version: 1,
            title: "T".into(),
            acronym: None,
            summary: None,
            definition: trials::Trial::from_json(trial).unwrap(),
            sites: Vec::new(),
        }])));
        let cache = MatcherCache::new();
        *cache.current.lock().unwrap() = Some(Entry {
            etag: "\"a\"".into(),
            matcher: matcher.clone(),
            need: None,
        });
        let day: NaiveDate = "2026-11-23".parse().unwrap();
        let first = cache.need(&matcher, day);
        assert_eq!(first.code_count(), 1);
        assert!(
            Arc::ptr_eq(&first, &cache.need(&matcher, day)),
            "remembered"
        );
        let next = cache.need(&matcher, day.succ_opt().unwrap());
        assert!(!Arc::ptr_eq(&first, &next), "a new day, a new lookback");
        assert_eq!(
            next.since(),
            day.succ_opt()
                .unwrap()
                .checked_sub_months(chrono::Months::new(6))
        );
        // A matcher no longer current is not remembered against the entry.
        let old = Arc::new(Matcher::new(&bundle(Vec::new())));
        assert!(cache.need(&old, day).is_empty());
        assert!(Arc::ptr_eq(
            &next,
            &cache.need(&matcher, day.succ_opt().unwrap())
        ));
    }

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
