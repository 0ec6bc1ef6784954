//! The recruiting trials' `(id, version, updated_at)` read in **one** row: the database
//! concatenates them. Reading 1,000 rows one by one costs far more than hashing them (with
//! SQLite, sqlx hands every row from its worker thread to the caller through a channel, a
//! thread wake-up each), and the ETag is read on every plugin request.

use crate::error::ApiError;
use crate::lifecycle::Status;
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};
use uuid::Uuid;

/// A recruiting trial's `(id, current version, updated_at)`.
pub(super) type Row = (Uuid, i32, DateTime<Utc>);

const SQLITE: &str = "SELECT group_concat(hex(id) || ' ' || current_version || ' ' || updated_at, ',') AS packed FROM trials WHERE status = $1";
const POSTGRES: &str = "SELECT string_agg(id::text || ' ' || current_version || ' ' || (EXTRACT(EPOCH FROM updated_at) * 1000000)::bigint, ',') AS packed FROM trials WHERE status = $1";

/// The recruiting trials' rows, in id order.
pub(super) async fn recruiting(db: &DatabaseConnection) -> Result<Vec<Row>, ApiError> {
    let backend = db.get_database_backend();
    let sql = match backend {
        DbBackend::Sqlite => SQLITE,
        DbBackend::Postgres => POSTGRES,
        other => {
            return Err(ApiError::Internal(anyhow::anyhow!(
                "the bundle does not support the {other:?} backend"
            )));
        }
    };
    let statement =
        Statement::from_sql_and_values(backend, sql, [Status::Recruiting.as_str().into()]);
    let packed: Option<String> = match db.query_one_raw(statement).await? {
        Some(row) => row.try_get("", "packed")?,
        None => None,
    };
    let mut rows = match packed {
        Some(p) if !p.is_empty() => p.split(',').map(parse).collect::<Result<Vec<_>, _>>()?,
        _ => Vec::new(),
    };
    rows.sort_unstable_by_key(|r| r.0);
    Ok(rows)
}

/// `id version updated_at`: the id as hex (SQLite) or text (PostgreSQL), the time as
/// RFC 3339 text (SQLite) or microseconds since the epoch (PostgreSQL).
fn parse(entry: &str) -> Result<Row, ApiError> {
    let bad = || ApiError::Internal(anyhow::anyhow!("unreadable bundle row `{entry}`"));
    let mut parts = entry.splitn(3, ' ');
    let (Some(id), Some(version), Some(at)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(bad());
    };
    let id = Uuid::parse_str(id).map_err(|_| bad())?;
    let version = version.parse().map_err(|_| bad())?;
    let at = match at.parse::<i64>() {
        Ok(micros) => DateTime::from_timestamp_micros(micros),
        Err(_) => DateTime::parse_from_rfc3339(at)
            .or_else(|_| DateTime::parse_from_str(at, "%Y-%m-%d %H:%M:%S%.f%:z"))
            .ok()
            .map(|t| t.with_timezone(&Utc)),
    }
    .ok_or_else(bad)?;
    Ok((id, version, at))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Timelike;

    #[test]
    fn both_backends_spellings() {
        let a = parse("01A209AABED77378BE8262B2CB227BAC 2 2026-11-23T18:28:34.654596400+00:00")
            .unwrap();
        let b = parse("01a209aa-bed7-7378-be82-62b2cb227bac 2 1795458514654596").unwrap();
        assert_eq!(a.0, b.0);
        assert_eq!(a.1, 2);
        assert_eq!(a.2.timestamp_micros(), b.2.timestamp_micros());
        let c =
            parse("01A209AABED77378BE8262B2CB227BAC 1 2026-11-23 18:28:34.654596+00:00").unwrap();
        assert_eq!(c.2, a.2.with_nanosecond(654_596_000).unwrap());
        assert!(parse("nonsense").is_err());
    }
}
