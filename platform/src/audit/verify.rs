//! Verification of the chain: every row's hash is recomputed from its content and checked
//! to link to the row before it, reading the table in pages by `seq` — all of it
//! ([`verify`]), or the rows after the last verified one ([`verify_since_checkpoint`]).

use super::hash::{Content, GENESIS, row_hash};
use crate::entities::{audit_checkpoint, audit_log};
use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use serde::Serialize;
use std::fmt;

/// Rows read per query.
const PAGE: u64 = 1_000;

/// The result of [`verify`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verification {
    /// How many rows the log holds (all are read, even after a break).
    pub rows: u64,
    /// The first row that does not verify, if any.
    pub first_broken: Option<Broken>,
}

impl Verification {
    /// Whether every row verified.
    pub fn is_intact(&self) -> bool {
        self.first_broken.is_none()
    }
}

/// A row that does not verify.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Broken {
    /// The row's `seq`.
    pub seq: i64,
    /// What is wrong with it.
    pub reason: BreakReason,
}

/// Why a row does not verify. Serialised as a stable snake_case code; displayed as a
/// sentence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BreakReason {
    /// The stored hash is not the hash of the row's `prev_hash` and content: the row was
    /// edited.
    ContentMismatch,
    /// The row is intact but does not link to the row before it: rows between them were
    /// removed or inserted, or the previous row's hash was rewritten.
    PrevHashMismatch,
    /// The first row does not start the chain: rows before it were removed.
    MissingBefore,
}

impl BreakReason {
    /// The sentence for this reason.
    pub fn message(self) -> &'static str {
        match self {
            BreakReason::ContentMismatch => "hash does not match the row's content",
            BreakReason::PrevHashMismatch => "prev_hash does not match the previous row",
            BreakReason::MissingBefore => "rows are missing before this one",
        }
    }
}

impl fmt::Display for BreakReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

/// Recomputes every row's hash, in `seq` order, and checks that each `prev_hash` is the
/// previous row's hash (64 zeros for the first row). Gaps in `seq` are not breaks: a
/// rolled-back transaction leaves one on PostgreSQL; the hash link is what counts.
///
/// The table is read in pages of 1,000 rows, never whole. Rows appended while it runs are
/// verified too when they land after the page being read.
pub async fn verify<C: ConnectionTrait>(db: &C) -> Result<Verification, DbErr> {
    Ok(verify_after(db, None).await?.0)
}

/// [`verify`] for the rows after the last checkpoint only (all of them the first time),
/// which moves the checkpoint forward when they verify: what the administrators' dashboard
/// shows. `rows` counts every row verified so far, the checkpoint's included. A row changed
/// before the checkpoint is found by [`verify`] (`server audit verify`), not here.
pub async fn verify_since_checkpoint<C: ConnectionTrait>(db: &C) -> Result<Verification, DbErr> {
    let start = audit_checkpoint::Entity::find_by_id(1).one(db).await?;
    let (v, last) = verify_after(db, start.as_ref()).await?;
    let rows = v.rows + start.as_ref().map_or(0, |c| c.rows.unsigned_abs());
    if let (true, Some((seq, hash))) = (v.is_intact(), last) {
        let checkpoint = audit_checkpoint::ActiveModel {
            id: Set(1),
            seq: Set(seq),
            hash: Set(hash.clone()),
            rows: Set(i64::try_from(rows).unwrap_or(i64::MAX)),
            verified_at: Set(Utc::now()),
        };
        audit_checkpoint::Entity::insert(checkpoint)
            .on_conflict_do_nothing()
            .exec_without_returning(db)
            .await?;
        // Only forward: a concurrent check that got further wins.
        audit_checkpoint::Entity::update_many()
            .col_expr(audit_checkpoint::Column::Seq, Expr::value(seq))
            .col_expr(audit_checkpoint::Column::Hash, Expr::value(hash))
            .col_expr(
                audit_checkpoint::Column::Rows,
                Expr::value(i64::try_from(rows).unwrap_or(i64::MAX)),
            )
            .col_expr(
                audit_checkpoint::Column::VerifiedAt,
                Expr::value(Utc::now()),
            )
            .filter(audit_checkpoint::Column::Id.eq(1))
            .filter(audit_checkpoint::Column::Seq.lt(seq))
            .exec(db)
            .await?;
    }
    Ok(Verification {
        rows,
        first_broken: v.first_broken,
    })
}

/// Verifies the rows after `start` (all rows when `None`); returns the verification of
/// those rows and the last row read (`seq`, `hash`).
async fn verify_after<C: ConnectionTrait>(
    db: &C,
    start: Option<&audit_checkpoint::Model>,
) -> Result<(Verification, Option<(i64, String)>), DbErr> {
    let mut rows = 0;
    let mut first_broken = None;
    let mut previous: Option<String> = start.map(|c| c.hash.clone());
    let mut last_seq: Option<i64> = start.map(|c| c.seq);
    loop {
        let mut query = audit_log::Entity::find()
            .order_by_asc(audit_log::Column::Seq)
            .limit(PAGE);
        if let Some(seq) = last_seq {
            query = query.filter(audit_log::Column::Seq.gt(seq));
        }
        let page = query.all(db).await?;
        let full = page.len() as u64 == PAGE;
        for row in page {
            rows += 1;
            if first_broken.is_none() {
                first_broken = check(&row, previous.as_deref()).map(|reason| Broken {
                    seq: row.seq,
                    reason,
                });
            }
            last_seq = Some(row.seq);
            previous = Some(row.hash);
        }
        if !full {
            break;
        }
    }
    let last = last_seq.zip(previous);
    let last = last.filter(|(seq, _)| start.is_none_or(|c| *seq > c.seq));
    Ok((Verification { rows, first_broken }, last))
}

/// What is wrong with `row`, given the previous row's hash (`None` for the first row).
fn check(row: &audit_log::Model, previous: Option<&str>) -> Option<BreakReason> {
    if row_hash(&row.prev_hash, &Content::of(row)) != row.hash {
        return Some(BreakReason::ContentMismatch);
    }
    match previous {
        None if row.prev_hash != GENESIS => Some(BreakReason::MissingBefore),
        Some(hash) if hash != row.prev_hash => Some(BreakReason::PrevHashMismatch),
        _ => None,
    }
}
