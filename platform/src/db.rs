//! The database: embedded SQLite by default (file created when missing, WAL, busy timeout),
//! PostgreSQL when a URL is configured. Migrations are applied by [`migrate`].
//!
//! A connection is never given back to the pool in a doubtful state: [`connect`] installs an
//! `after_release` check that, for a connection still counting an open transaction, waits
//! for its queued work (the rollback of a dropped transaction) and closes it when the
//! transaction is still counted. That is what
//! a storage error leaves behind: SQLite rolls a transaction back by itself on `SQLITE_FULL`
//! or `SQLITE_IOERR`, the driver's `ROLLBACK` then fails and the driver still counts one
//! transaction; reused, such a connection would open every later "transaction" as a
//! savepoint in autocommit mode and answer "database is locked" until a restart. A connection
//! whose link is broken (PostgreSQL) fails the pool's test before its next use.

use crate::config::DatabaseSettings;
use migrations::{Migrator, MigratorTrait};
use sea_orm::sqlx;
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, DbErr, RuntimeErr,
    TransactionTrait,
};
use std::time::Duration;

/// Connects to the configured database.
pub async fn connect(settings: &DatabaseSettings) -> anyhow::Result<DatabaseConnection> {
    let url = match &settings.url {
        Some(url) => url.expose().clone(),
        None => format!("sqlite://{}?mode=rwc", settings.sqlite_path.display()),
    };
    let mut options = ConnectOptions::new(url);
    let busy = Duration::from_millis(settings.busy_timeout_ms);
    options
        .max_connections(settings.max_connections)
        .acquire_timeout(Duration::from_secs(10))
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(move |o| {
            o.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                .busy_timeout(busy)
                .foreign_keys(true)
        })
        .map_sqlx_sqlite_pool_opts(|o| {
            o.after_release(|conn, _| Box::pin(async move { reusable(conn).await }))
        })
        .map_sqlx_postgres_pool_opts(|o| {
            o.after_release(|conn, _| Box::pin(async move { reusable(conn).await }))
        });
    let db = Database::connect(options)
        .await
        .map_err(|e| anyhow::anyhow!("cannot connect to the database: {e}"))?;
    Ok(db)
}

/// Whether a released connection may go back to the pool: no transaction left open. The
/// common case costs nothing; only a connection that still counts a transaction is pinged
/// (the ping runs after the queued rollback of a dropped transaction) and looked at again.
/// `Ok(false)` closes it; an error (the ping failed: a broken link) closes it at once. A
/// broken link on an idle connection is caught when it is next acquired (the pool's
/// `test_before_acquire`).
async fn reusable<C: sqlx::Connection>(conn: &mut C) -> Result<bool, sqlx::Error> {
    if !conn.is_in_transaction() {
        return Ok(true);
    }
    conn.ping().await?;
    if conn.is_in_transaction() {
        tracing::warn!(
            "a database connection was released inside a transaction (after a storage error?): closed"
        );
        return Ok(false);
    }
    Ok(true)
}

/// What kind of storage failure an error is, if it is one: the answer is then 503
/// `storage_unavailable` (try again), never 500.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StorageFailure {
    /// The disk is full (`SQLITE_FULL`, PostgreSQL `53100`).
    Full,
    /// A read or write of the storage failed (`SQLITE_IOERR`, `SQLITE_CANTOPEN`,
    /// `SQLITE_READONLY`, PostgreSQL class `58`).
    Io,
    /// The database is locked by another writer past the busy timeout (`SQLITE_BUSY`,
    /// `SQLITE_LOCKED`), or out of resources (PostgreSQL class `53` but `53100`).
    Busy,
    /// No connection: refused, lost, timed out waiting for one, or the server shutting down
    /// (PostgreSQL class `08`, `57P01`–`57P03`).
    Connection,
}

impl StorageFailure {
    /// What failed, for the error's message (never a value of the request).
    pub fn describe(self) -> &'static str {
        match self {
            StorageFailure::Full => "the database's disk is full",
            StorageFailure::Io => "the database's storage cannot be read or written",
            StorageFailure::Busy => "the database is locked or out of resources",
            StorageFailure::Connection => "the database connection failed",
        }
    }
}

/// The storage failure behind a database error, if it is one.
pub fn storage_failure(e: &DbErr) -> Option<StorageFailure> {
    match e {
        DbErr::ConnectionAcquire(_) => Some(StorageFailure::Connection),
        DbErr::Conn(RuntimeErr::SqlxError(s))
        | DbErr::Exec(RuntimeErr::SqlxError(s))
        | DbErr::Query(RuntimeErr::SqlxError(s)) => sqlx_failure(s),
        DbErr::Conn(_) => Some(StorageFailure::Connection),
        _ => None,
    }
}

fn sqlx_failure(e: &sqlx::Error) -> Option<StorageFailure> {
    match e {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::Protocol(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => Some(StorageFailure::Connection),
        sqlx::Error::Database(d) => {
            let code = d.code()?;
            if d.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() {
                // The extended result code; its low byte is the primary code.
                let primary = code.parse::<i64>().ok()? & 0xff;
                match primary {
                    13 => Some(StorageFailure::Full),
                    10 | 14 | 8 => Some(StorageFailure::Io),
                    5 | 6 => Some(StorageFailure::Busy),
                    _ => None,
                }
            } else {
                match code.as_ref() {
                    "53100" => Some(StorageFailure::Full),
                    c if c.starts_with("53") => Some(StorageFailure::Busy),
                    c if c.starts_with("58") => Some(StorageFailure::Io),
                    c if c.starts_with("08") || matches!(c, "57P01" | "57P02" | "57P03") => {
                        Some(StorageFailure::Connection)
                    }
                    _ => None,
                }
            }
        }
        _ => None,
    }
}

/// Applies every pending migration.
pub async fn migrate(db: &DatabaseConnection) -> anyhow::Result<()> {
    Migrator::up(db, None).await?;
    Ok(())
}

/// Whether the database answers, every migration is applied and it takes a write: a
/// one-row `readiness_probe` counter is incremented in a committed write transaction (a
/// rolled-back write would never reach the disk, so it could not tell a full one).
pub async fn ready(db: &DatabaseConnection) -> Result<(), String> {
    let ping = match db.get_database_backend() {
        DbBackend::Postgres | DbBackend::Sqlite | DbBackend::MySql => "SELECT 1",
        _ => "SELECT 1",
    };
    db.execute_unprepared(ping)
        .await
        .map_err(|_| "the database does not answer".to_string())?;
    let pending = Migrator::get_pending_migrations(db)
        .await
        .map_err(|_| "the migration state cannot be read".to_string())?;
    if !pending.is_empty() {
        return Err(format!(
            "{} migration(s) not applied: run `server migrate`",
            pending.len()
        ));
    }
    write_probe(db).await.map_err(|e| {
        tracing::warn!(error = %e, "the readiness write probe failed");
        match storage_failure(&e) {
            Some(f) => format!("the database does not take writes: {}", f.describe()),
            None => "the database does not take writes".to_string(),
        }
    })
}

async fn write_probe(db: &DatabaseConnection) -> Result<(), DbErr> {
    let txn = write(db).await?;
    txn.execute_unprepared(
        "INSERT INTO readiness_probe (id, writes) VALUES (1, 1) \
         ON CONFLICT (id) DO UPDATE SET writes = readiness_probe.writes + 1",
    )
    .await?;
    txn.commit().await
}

/// Begins a write transaction. On SQLite it takes the write lock at once (`BEGIN
/// IMMEDIATE`): a transaction that reads first and writes later would otherwise fail with
/// "database is locked" when another writer got in between, instead of waiting for the busy
/// timeout. Every server transaction writes (at least its audit row), so all use this.
pub async fn write(
    db: &DatabaseConnection,
) -> Result<sea_orm::DatabaseTransaction, sea_orm::DbErr> {
    db.begin_with_options(sea_orm::TransactionOptions {
        isolation_level: None,
        access_mode: None,
        sqlite_transaction_mode: Some(sea_orm::SqliteTransactionMode::Immediate),
    })
    .await
}
