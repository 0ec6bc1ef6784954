//! The audit log: append-only and hash-chained. Every row carries the SHA-256 of the
//! previous row's hash and its own content ([`hash`]), so editing, inserting or deleting a
//! row in the middle breaks the chain, and [`verify`] finds where.
//!
//! [`append`] is called inside the transaction that makes the change it records, so the row
//! and the change commit or roll back together. Appends are serialised so that two replicas
//! never chain two rows to the same predecessor:
//!
//! - on PostgreSQL, `pg_advisory_xact_lock` is taken before the last hash is read and held
//!   until the caller's transaction ends. An advisory lock (rather than `LOCK TABLE … IN
//!   EXCLUSIVE MODE`) needs no UPDATE/DELETE privilege on the table, so the application's
//!   role can be limited to INSERT and SELECT on `audit_log`. Transactions must run at READ
//!   COMMITTED (the default) so that the read after the lock sees the latest row.
//! - on SQLite, a no-op `UPDATE` takes the database's single write lock before the last hash
//!   is read; the lock is held until the transaction ends, so writers are serialised. If the
//!   caller's transaction already read from a snapshot that another writer has since
//!   outdated, SQLite refuses the write ("database is locked") rather than forking the chain;
//!   beginning such transactions with `SqliteTransactionMode::Immediate` avoids the refusal.
//!
//! Outside a transaction neither lock outlives its statement, so callers must pass a
//! transaction. The unique index on `hash` is a last backstop.
//!
//! The chain proves that no row was altered, inserted or removed *before* the last one;
//! removing rows at the end leaves a shorter valid chain, which only an externally kept
//! copy of the latest hash can reveal.

pub mod hash;
mod verify;

pub use verify::{BreakReason, Broken, Verification, verify, verify_since_checkpoint};

use crate::entities::audit_log;
use chrono::{SubsecRound, Utc};
use hash::{Content, GENESIS, canonical_json, row_hash};
use sea_orm::{
    ActiveValue::{NotSet, Set},
    ConnectionTrait, DbBackend, DbErr, EntityTrait, QueryOrder, QuerySelect, Statement,
};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Key of the PostgreSQL advisory lock that serialises appends (`inclaudi` in ASCII).
const PG_LOCK_KEY: i64 = 0x696e_636c_6175_6469;

/// Who made a change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    /// A user, a practice, the patient or the system itself.
    pub kind: ActorKind,
    /// The user's or practice's id; `None` for the system.
    pub id: Option<String>,
}

impl Actor {
    /// The server itself (scheduled jobs, migrations of data).
    pub fn system() -> Actor {
        Actor {
            kind: ActorKind::System,
            id: None,
        }
    }

    /// A signed-in user.
    pub fn user(id: impl Into<String>) -> Actor {
        Actor {
            kind: ActorKind::User,
            id: Some(id.into()),
        }
    }

    /// The patient, acting through their own link (consent receipt, withdrawal).
    pub fn patient() -> Actor {
        Actor {
            kind: ActorKind::Patient,
            id: None,
        }
    }

    /// A practice calling with its API key.
    pub fn practice(id: impl Into<String>) -> Actor {
        Actor {
            kind: ActorKind::Practice,
            id: Some(id.into()),
        }
    }
}

/// The kinds of actor, stored in lowercase (in the audit log and in referral events).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ActorKind {
    /// A person signed in to the registry.
    User,
    /// A practice's EHR software, by API key.
    Practice,
    /// The patient, through their own link.
    Patient,
    /// The server itself.
    System,
}

impl ActorKind {
    /// The stored form: `user`, `practice`, `patient` or `system`.
    pub fn as_str(self) -> &'static str {
        match self {
            ActorKind::User => "user",
            ActorKind::Practice => "practice",
            ActorKind::Patient => "patient",
            ActorKind::System => "system",
        }
    }
}

impl fmt::Display for ActorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Appends one row to the audit log and returns its `seq`.
///
/// Call it inside the transaction that makes the change (`db` is then a
/// `DatabaseTransaction`): the row commits or rolls back with the change, and the chain lock
/// (see the module documentation) is held until the transaction ends. `before` and `after`
/// are stored as canonical JSON text (object keys sorted); the time is truncated to
/// microseconds so that it reads back identically on SQLite and PostgreSQL.
pub async fn append<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    action: &str,
    entity: &str,
    entity_id: &str,
    before: Option<&serde_json::Value>,
    after: Option<&serde_json::Value>,
) -> Result<i64, DbErr> {
    lock_chain(db).await?;
    let prev_hash = last_hash(db).await?.unwrap_or_else(|| GENESIS.to_string());
    let at = Utc::now().trunc_subsecs(6);
    let before = before.map(canonical_json).transpose().map_err(encoding)?;
    let after = after.map(canonical_json).transpose().map_err(encoding)?;
    let hash = row_hash(
        &prev_hash,
        &Content {
            at: &at,
            actor_kind: actor.kind.as_str(),
            actor_id: actor.id.as_deref(),
            action,
            entity,
            entity_id,
            before: before.as_deref(),
            after: after.as_deref(),
        },
    );
    let row = audit_log::ActiveModel {
        seq: NotSet,
        at: Set(at),
        actor_kind: Set(actor.kind.as_str().to_string()),
        actor_id: Set(actor.id.clone()),
        action: Set(action.to_string()),
        entity: Set(entity.to_string()),
        entity_id: Set(entity_id.to_string()),
        before: Set(before),
        after: Set(after),
        prev_hash: Set(prev_hash),
        hash: Set(hash),
    };
    let inserted = audit_log::Entity::insert(row).exec(db).await?;
    Ok(inserted.last_insert_id)
}

/// Takes the lock that serialises appends until the transaction ends.
async fn lock_chain<C: ConnectionTrait>(db: &C) -> Result<(), DbErr> {
    match db.get_database_backend() {
        DbBackend::Postgres => {
            db.execute_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT pg_advisory_xact_lock($1)",
                [PG_LOCK_KEY.into()],
            ))
            .await?;
        }
        DbBackend::Sqlite => {
            // Matches no row, but makes this transaction SQLite's one writer.
            db.execute_unprepared("UPDATE audit_log SET seq = seq WHERE seq IS NULL")
                .await?;
        }
        other => {
            return Err(DbErr::Custom(format!(
                "the audit log does not support the {other:?} backend"
            )));
        }
    }
    Ok(())
}

/// The hash of the latest row, if any.
async fn last_hash<C: ConnectionTrait>(db: &C) -> Result<Option<String>, DbErr> {
    audit_log::Entity::find()
        .select_only()
        .column(audit_log::Column::Hash)
        .order_by_desc(audit_log::Column::Seq)
        .into_tuple::<String>()
        .one(db)
        .await
}

fn encoding(e: serde_json::Error) -> DbErr {
    DbErr::Custom(format!("cannot encode an audit record as JSON: {e}"))
}
