//! The generation of the recruiting set: one counter (`bundle_state.generation`) that every
//! change to what the plugin bundle and the CDS Hooks service show (a trial's status,
//! version, sites) increments in its own transaction. Readers derive their ETags and cache
//! keys from it (`crate::plugin::bundle`), so no replica can serve a stale set.

use platform::error::ApiError;
use sea_orm::ConnectionTrait;

/// Marks the set of recruiting trials as changed: call it in the transaction of the change.
pub async fn bump<C: ConnectionTrait>(db: &C) -> Result<(), ApiError> {
    db.execute_unprepared("UPDATE bundle_state SET generation = generation + 1 WHERE id = 1")
        .await?;
    Ok(())
}
