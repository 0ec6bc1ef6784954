//! Login throttling, stored in the database so that every replica sees every attempt: after
//! [`MAX_FAILURES`] failed attempts for one email, or [`MAX_ADDRESS_FAILURES`] from one client
//! address (`auth.max_failures_per_address`), within [`WINDOW_SECS`], further attempts are refused until the window has passed.
//!
//! An attempt is recorded *before* its password is checked, as a failure ([`begin`]), and then
//! counted with every other attempt in the window, its own included: of attempts made at the
//! same time, the k-th to be recorded counts at least k, so at most [`MAX_FAILURES`] of them
//! ever reach the password check, however many run in parallel (on SQLite and PostgreSQL
//! alike: one `INSERT`, then a count that sees every committed row). A right password is
//! accepted only if, once checked, the account is still under the limit ([`succeed`]): the
//! attempts running alongside it count too. A refused attempt counts as well: while attempts
//! keep coming, the account (or the address) stays locked, and a lockout ends one window after
//! the last of them.

use crate::entities::login_attempt;
use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, Set,
};

/// Failed attempts allowed per email in the window.
pub const MAX_FAILURES: u64 = 5;
/// Failed attempts allowed per client address in the window (any emails), by default
/// (`auth.max_failures_per_address`).
pub const MAX_ADDRESS_FAILURES: u64 = crate::config::DEFAULT_MAX_FAILURES_PER_ADDRESS;

/// Where an attempt comes from: the client's address, and the failures it is allowed.
#[derive(Debug, Clone, Copy)]
pub struct Client<'a> {
    /// The connection's peer IP, when known.
    pub address: Option<&'a str>,
    /// Failures allowed from it in the window.
    pub max_failures: u64,
}
/// The window, in seconds.
pub const WINDOW_SECS: i64 = 15 * 60;

/// An attempt recorded by [`begin`], counted as a failure until [`succeed`].
#[derive(Debug, Clone, Copy)]
pub struct Attempt {
    id: i64,
}

/// Failures in the window for `email` (or `address`), but the attempt `except`.
async fn failures<C: ConnectionTrait>(
    db: &C,
    column: login_attempt::Column,
    key: &str,
    now: DateTime<Utc>,
    except: Option<i64>,
) -> Result<u64, DbErr> {
    let mut q = login_attempt::Entity::find()
        .filter(column.eq(key))
        .filter(login_attempt::Column::At.gt(now - Duration::seconds(WINDOW_SECS)))
        .filter(login_attempt::Column::Succeeded.eq(false));
    if let Some(id) = except {
        q = q.filter(login_attempt::Column::Id.ne(id));
    }
    q.count(db).await
}

/// Records an attempt for `email` from `address`, then counts: `Ok(Err(seconds to wait))`
/// when the email or the address is over its limit (the attempt still counts), else the
/// recorded attempt, which counts as a failure until [`succeed`]. Rows that have left the
/// window are forgotten first (only the window is ever read, so the table stays small).
pub async fn begin<C: ConnectionTrait>(
    db: &C,
    email: &str,
    client: Client<'_>,
    now: DateTime<Utc>,
) -> Result<Result<Attempt, i64>, DbErr> {
    let address = client.address;
    let expired = now - Duration::seconds(WINDOW_SECS);
    login_attempt::Entity::delete_many()
        .filter(login_attempt::Column::Email.eq(email))
        .filter(login_attempt::Column::At.lte(expired))
        .exec(db)
        .await?;
    if let Some(address) = address {
        login_attempt::Entity::delete_many()
            .filter(login_attempt::Column::Address.eq(address))
            .filter(login_attempt::Column::At.lte(expired))
            .exec(db)
            .await?;
    }
    let row = login_attempt::ActiveModel {
        email: Set(email.to_string()),
        at: Set(now),
        succeeded: Set(false),
        address: Set(address.map(str::to_string)),
        ..Default::default()
    }
    .insert(db)
    .await?;
    let attempt = Attempt { id: row.id };
    let over = failures(db, login_attempt::Column::Email, email, now, None).await? > MAX_FAILURES
        || match address {
            Some(a) => {
                failures(db, login_attempt::Column::Address, a, now, None).await?
                    > client.max_failures
            }
            None => false,
        };
    if over {
        return Ok(Err(WINDOW_SECS));
    }
    Ok(Ok(attempt))
}

/// A right password: recorded as a success unless, now that it has been checked, the
/// account has reached its limit (`Ok(Err(seconds to wait))`, the row removed): attempts
/// recorded while it was being checked count against it.
pub async fn succeed<C: ConnectionTrait>(
    db: &C,
    attempt: Attempt,
    email: &str,
    now: DateTime<Utc>,
) -> Result<Result<(), i64>, DbErr> {
    if failures(
        db,
        login_attempt::Column::Email,
        email,
        now,
        Some(attempt.id),
    )
    .await?
        >= MAX_FAILURES
    {
        abandon(db, attempt).await?;
        return Ok(Err(WINDOW_SECS));
    }
    login_attempt::Entity::update_many()
        .col_expr(login_attempt::Column::Succeeded, true.into())
        .filter(login_attempt::Column::Id.eq(attempt.id))
        .exec(db)
        .await?;
    Ok(Ok(()))
}

/// Forgets an attempt that was not a failure (refused before its check, or not checked: the
/// server was too busy).
pub async fn abandon<C: ConnectionTrait>(db: &C, attempt: Attempt) -> Result<(), DbErr> {
    login_attempt::Entity::delete_by_id(attempt.id)
        .exec(db)
        .await?;
    Ok(())
}

/// Records a finished attempt for `email` (no address), and forgets this email's attempts
/// that have left the window: for imports and tests; logins go through [`begin`].
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
        address: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}
