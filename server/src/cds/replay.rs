//! Replayed JWTs: each `(iss, jti)` is remembered until its token expires, in the database so
//! that every replica refuses a token another one has already accepted.

use platform::error::ApiError;
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};

/// Remembers `(issuer, jti)` until `expires_at` (Unix seconds); `false` when it was already
/// seen (a replay). Forgets expired entries in the same transaction.
pub async fn remember(
    db: &DatabaseConnection,
    issuer: &str,
    jti: &str,
    expires_at: i64,
    now: i64,
) -> Result<bool, ApiError> {
    let txn = platform::db::write(db).await?;
    let backend = txn.get_database_backend();
    let (delete, insert) = match backend {
        sea_orm::DbBackend::Postgres => (
            "DELETE FROM cds_jti WHERE expires_at < $1",
            "INSERT INTO cds_jti (issuer, jti, expires_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        ),
        _ => (
            "DELETE FROM cds_jti WHERE expires_at < ?",
            "INSERT INTO cds_jti (issuer, jti, expires_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
        ),
    };
    txn.execute_raw(Statement::from_sql_and_values(
        backend,
        delete,
        [now.into()],
    ))
    .await?;
    let inserted = txn
        .execute_raw(Statement::from_sql_and_values(
            backend,
            insert,
            [issuer.into(), jti.into(), expires_at.into()],
        ))
        .await?
        .rows_affected();
    txn.commit().await?;
    Ok(inserted == 1)
}
