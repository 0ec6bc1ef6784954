//! Closing recruiting trials whose recruitment has ended: a job, never a side effect of a
//! read, so that every page and route shows the same status. The server runs it at start
//! and then at the start of every hour ([`spawn`]); `server expire` runs it once.
//!
//! Safe with several replicas sharing one database: each trial is closed by an `UPDATE`
//! conditional on it still recruiting with an ended recruitment, and its audit row and the
//! bundle generation's bump are written in that update's transaction only when the update
//! changed the row. A second replica's update waits for the first one's commit (PostgreSQL
//! row lock; SQLite serialises write transactions), then changes nothing and writes nothing.

use super::lifecycle::Status;
use super::trials::snapshot;
use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use platform::audit::{self, Actor};
use platform::entities::trial;
use platform::error::ApiError;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

/// How long after the start of an hour the server's task runs (a margin for clock skew).
const MARGIN: TimeDelta = TimeDelta::seconds(5);

/// Closes the recruiting trials whose recruitment ended before `now`'s day (UTC); returns how
/// many this call closed.
pub async fn close_ended(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<usize, ApiError> {
    let today = now.date_naive();
    let recruiting = Status::Recruiting.as_str();
    let ended: Vec<Uuid> = trial::Entity::find()
        .filter(trial::Column::Status.eq(recruiting))
        .filter(trial::Column::RecruitmentEnd.lt(today))
        .select_only()
        .column(trial::Column::Id)
        .into_tuple()
        .all(db)
        .await?;
    let mut closed = 0;
    for id in ended {
        let txn = platform::db::write(db).await?;
        let Some(before) = trial::Entity::find_by_id(id).one(&txn).await? else {
            continue;
        };
        let changed = trial::Entity::update_many()
            .col_expr(trial::Column::Status, Expr::value(Status::Closed.as_str()))
            .col_expr(trial::Column::UpdatedAt, Expr::value(now))
            .filter(trial::Column::Id.eq(id))
            .filter(trial::Column::Status.eq(recruiting))
            .filter(trial::Column::RecruitmentEnd.lt(today))
            .exec(&txn)
            .await?
            .rows_affected;
        if changed == 0 {
            // Closed (or paused) meanwhile, by another replica or a sponsor.
            txn.rollback().await?;
            continue;
        }
        let after = trial::Model {
            status: Status::Closed.as_str().into(),
            updated_at: now,
            ..before.clone()
        };
        crate::registry::generation::bump(&txn).await?;
        audit::append(
            &txn,
            &Actor::system(),
            "trial.closed",
            "trial",
            &id.to_string(),
            Some(&snapshot(&before)),
            Some(&snapshot(&after)),
        )
        .await?;
        txn.commit().await?;
        closed += 1;
    }
    Ok(closed)
}

/// When the server's task runs next after `now`: just after the start of the next hour, so
/// that a trial whose recruitment ended yesterday is closed in the first minute of the day.
pub fn next_run(now: DateTime<Utc>) -> DateTime<Utc> {
    let hour = TimeDelta::hours(1);
    now.duration_trunc(hour).unwrap_or(now) + hour + MARGIN
}

/// The server's task: [`close_ended`] now, then at the start of every hour; errors are
/// logged and the next run tries again.
pub fn spawn(db: DatabaseConnection, clock: platform::clock::Clock) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            match close_ended(&db, clock.now()).await {
                Ok(n) if n > 0 => tracing::info!(trials = n, "ended recruitments closed"),
                Ok(_) => {}
                Err(e) => tracing::error!(code = e.code(), "closing ended recruitments failed"),
            }
            let now = clock.now();
            let wait = (next_run(now) - now)
                .to_std()
                .unwrap_or(std::time::Duration::from_secs(3600));
            tokio::time::sleep(wait).await;
        }
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn runs_just_after_each_hour() {
        for (now, next) in [
            ("2026-11-30T23:59:59Z", "2026-12-01T00:00:05Z"),
            ("2026-12-01T00:00:00Z", "2026-12-01T01:00:05Z"),
            ("2026-12-01T00:00:05Z", "2026-12-01T01:00:05Z"),
            ("2026-12-01T13:27:41.5Z", "2026-12-01T14:00:05Z"),
        ] {
            assert_eq!(next_run(at(now)), at(next), "{now}");
        }
    }
}
