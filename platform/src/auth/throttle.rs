//! Login throttling, stored in the database so that every replica sees every attempt: after
//! [`MAX_FAILURES`] failed attempts for one email within [`WINDOW_SECS`], further attempts
//! are refused until the window has passed.

use crate::entities::login_attempt;
use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, Set,
};

/// Failed attempts allowed in the window.
pub const MAX_FAILURES: u64 = 5;
/// The window, in seconds.
pub const WINDOW_SECS: i64 = 15 * 60;

/// Whether `email` may try to log in at `now`: `Err(seconds to wait)` when throttled.
pub async fn check<C: ConnectionTrait>(
    db: &C,
    email: &str,
    now: DateTime<Utc>,
) -> Result<Result<(), i64>, DbErr> {
    let since = now - Duration::seconds(WINDOW_SECS);
    let failures = login_attempt::Entity::find()
        .filter(login_attempt::Column::Email.eq(email))
        .filter(login_attempt::Column::At.gt(since))
        .filter(login_attempt::Column::Succeeded.eq(false))
        .count(db)
        .await?;
    Ok(if failures >= MAX_FAILURES {
        Err(WINDOW_SECS)
    } else {
        Ok(())
    })
}

/// Records an attempt, and forgets this email's attempts that have left the window (only
/// the window is ever read, so the table stays small).
pub async fn record<C: ConnectionTrait>(
    db: &C,
    email: &str,
    succeeded: bool,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    login_attempt::Entity::delete_many()
        .filter(login_attempt::Column::Email.eq(email))
        .filter(login_attempt::Column::At.lte(now - Duration::seconds(WINDOW_SECS)))
        .exec(db)
        .await?;
    login_attempt::ActiveModel {
        email: Set(email.to_string()),
        at: Set(now),
        succeeded: Set(succeeded),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}
