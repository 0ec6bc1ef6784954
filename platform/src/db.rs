//! The database: embedded SQLite by default (file created when missing, WAL, busy timeout),
//! PostgreSQL when a URL is configured. Migrations are applied by [`migrate`].

use crate::config::DatabaseSettings;
use migrations::{Migrator, MigratorTrait};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, TransactionTrait,
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
        });
    let db = Database::connect(options)
        .await
        .map_err(|e| anyhow::anyhow!("cannot connect to the database: {e}"))?;
    Ok(db)
}

/// Applies every pending migration.
pub async fn migrate(db: &DatabaseConnection) -> anyhow::Result<()> {
    Migrator::up(db, None).await?;
    Ok(())
}

/// Whether the database answers and every migration is applied.
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
    if pending.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{} migration(s) not applied: run `server migrate`",
            pending.len()
        ))
    }
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
