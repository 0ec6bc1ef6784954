//! Verification of the chain: every row's hash is recomputed from its content and checked
//! to link to the row before it, reading the table in pages by `seq`.

use super::hash::{Content, GENESIS, row_hash};
use crate::entities::audit_log;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
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
    let mut rows = 0;
    let mut first_broken = None;
    let mut previous: Option<String> = None;
    let mut last_seq: Option<i64> = None;
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
    Ok(Verification { rows, first_broken })
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
