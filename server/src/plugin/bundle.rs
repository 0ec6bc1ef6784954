//! The plugin bundle: every recruiting trial's current version, for EHR plugins. Its strong
//! ETag is a SHA-256 of the *bundle generation*, a number in the database that changes in
//! the same transaction as every change to the set of recruiting trials ([`bump`]): a plugin
//! that is up to date gets its 304 after one indexed read, and the same state gives the same
//! ETag on every replica. The serialised body is remembered by ETag in [`super::cache::BundleCache`].

use crate::registry::lifecycle::Status;
use platform::entities::{site, trial, trial_version};
use platform::error::ApiError;
use plugin_sdk::wire::{Bundle, BundleTrial, Site};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    Statement,
};
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// Bumped when the bundle's shape changes, so old ETags stop matching.
const FORMAT: &str = "inclusio.bundle.v2";

/// The current bundle generation.
async fn generation<C: ConnectionTrait>(db: &C) -> Result<i64, ApiError> {
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT generation FROM bundle_state WHERE id = 1",
        ))
        .await?
        .ok_or_else(|| {
            ApiError::Internal(anyhow::anyhow!(
                "bundle_state has no row: run the migrations"
            ))
        })?;
    Ok(row.try_get::<i64>("", "generation")?)
}

/// The current ETag if `key` is an active practice API key, in one query (the bundle's
/// 304 path does nothing else); `None` for an unknown or revoked key.
pub async fn authorise(db: &DatabaseConnection, key: &str) -> Result<Option<String>, ApiError> {
    let backend = db.get_database_backend();
    let sql = match backend {
        sea_orm::DbBackend::Postgres => {
            "SELECT s.generation FROM bundle_state s JOIN practice_api_keys k ON k.key_hash = $1 AND k.revoked_at IS NULL WHERE s.id = 1"
        }
        _ => {
            "SELECT s.generation FROM bundle_state s JOIN practice_api_keys k ON k.key_hash = ? AND k.revoked_at IS NULL WHERE s.id = 1"
        }
    };
    let stmt =
        Statement::from_sql_and_values(backend, sql, [platform::auth::api_key::hash(key).into()]);
    match db.query_one_raw(stmt).await? {
        Some(row) => Ok(Some(etag_of(row.try_get::<i64>("", "generation")?))),
        None => Ok(None),
    }
}

fn etag_of(generation: i64) -> String {
    let mut h = Sha256::new();
    h.update(FORMAT.as_bytes());
    h.update(generation.to_be_bytes());
    format!("\"{}\"", platform::crypto::hex(&h.finalize()))
}

/// The current strong ETag (quoted).
pub async fn etag(db: &DatabaseConnection) -> Result<String, ApiError> {
    Ok(etag_of(generation(db).await?))
}

/// Builds the bundle (the SDK's wire type, served as is and compiled for matching); returns
/// it with its ETag, computed from the very rows it holds (so that a change between an
/// [`etag`] call and this one cannot pair a body with another state's ETag). A stored
/// definition that no longer parses as a trial is left out, with a warning: registered
/// definitions were validated, and one bad row must not break every plugin's bundle.
pub async fn build(db: &DatabaseConnection) -> Result<(String, Bundle), ApiError> {
    // The generation is read before the trials: a change committed in between makes the body
    // newer than its ETag (the next request sees a new ETag and gets the body again), never
    // older (which would tell plugins holding stale trials that they are up to date).
    let etag = etag(db).await?;
    let recruiting = trial::Entity::find()
        .filter(trial::Column::Status.eq(Status::Recruiting.as_str()))
        .order_by_asc(trial::Column::Id)
        .all(db)
        .await?;
    let ids: Vec<Uuid> = recruiting.iter().map(|t| t.id).collect();
    let mut sites: std::collections::HashMap<Uuid, Vec<Site>> = std::collections::HashMap::new();
    for s in site::Entity::find()
        .filter(site::Column::TrialId.is_in(ids.clone()))
        .order_by_asc(site::Column::Id)
        .all(db)
        .await?
    {
        sites.entry(s.trial_id).or_default().push(Site {
            id: s.id,
            name: s.name,
            latitude: s.latitude,
            longitude: s.longitude,
        });
    }
    let mut versions: std::collections::HashMap<(Uuid, i32), serde_json::Value> =
        trial_version::Entity::find()
            .filter(trial_version::Column::TrialId.is_in(ids))
            .all(db)
            .await?
            .into_iter()
            .map(|v| ((v.trial_id, v.version), v.definition))
            .collect();
    let trials = recruiting
        .into_iter()
        .filter_map(|t| {
            let stored = versions.remove(&(t.id, t.current_version))?;
            let Ok(definition) = serde_json::from_value::<trials::Trial>(stored) else {
                tracing::warn!(trial = %t.id, "a recruiting trial's definition does not parse");
                return None;
            };
            let version = u32::try_from(t.current_version).ok()?;
            Some(BundleTrial {
                sites: sites.remove(&t.id).unwrap_or_default(),
                id: t.id,
                trial_id: t.slug,
                version,
                title: t.title,
                acronym: t.acronym,
                summary: definition.summary.clone(),
                definition,
            })
        })
        .collect();
    let bundle = Bundle {
        version: etag.trim_matches('"').to_string(),
        trials,
    };
    Ok((etag, bundle))
}

/// Whether an `If-None-Match` header value matches the ETag.
pub fn matches(if_none_match: &str, etag: &str) -> bool {
    if_none_match
        .split(',')
        .map(str::trim)
        .any(|t| t == "*" || t == etag || t.strip_prefix("W/") == Some(etag))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_none_match_lists() {
        let e = "\"abc\"";
        assert!(matches("\"abc\"", e));
        assert!(matches("\"x\", \"abc\"", e));
        assert!(matches("*", e));
        assert!(matches("W/\"abc\"", e));
        assert!(!matches("\"abd\"", e));
        assert!(!matches("abc", e));
    }
}
