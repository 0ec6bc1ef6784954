//! What admins see of the outbox: counts per status and the emails in trouble (never the
//! sealed content).

use super::outbox::{FAILED, PENDING, SENT};
use crate::entities::email_outbox::{self, Column};
use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// At most this many troubled emails are listed.
const LIMIT: u64 = 100;

/// The outbox at a glance.
#[derive(Debug, Serialize, ToSchema)]
pub struct OutboxReport {
    /// Emails waiting (first try or retry).
    pub pending: u64,
    /// Emails delivered.
    pub sent: u64,
    /// Emails given up on.
    pub failed: u64,
    /// Failed emails and pending ones that failed at least once, newest first (at most 100).
    pub problems: Vec<OutboxProblem>,
}

/// An email that failed at least once.
#[derive(Debug, Serialize, ToSchema)]
pub struct OutboxProblem {
    /// Outbox id (also the Message-ID's local part).
    pub id: Uuid,
    /// Which email.
    pub kind: String,
    /// `pending` (will be retried) or `failed`.
    pub status: String,
    /// Attempts made.
    pub attempts: i32,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    /// The next try (pending only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// Enqueued at.
    pub created_at: DateTime<Utc>,
}

/// Counts and troubled emails.
pub async fn report<C: ConnectionTrait>(db: &C) -> Result<OutboxReport, DbErr> {
    let count = |status: &'static str| {
        email_outbox::Entity::find()
            .filter(Column::Status.eq(status))
            .count(db)
    };
    let (pending, sent, failed) = (
        count(PENDING).await?,
        count(SENT).await?,
        count(FAILED).await?,
    );
    let problems = email_outbox::Entity::find()
        .filter(Column::Status.ne(SENT))
        .filter(Column::Attempts.gt(0))
        .order_by_desc(Column::CreatedAt)
        .limit(LIMIT)
        .all(db)
        .await?
        .into_iter()
        .map(|r| OutboxProblem {
            next_attempt_at: (r.status == PENDING).then_some(r.next_attempt_at),
            id: r.id,
            kind: r.kind,
            status: r.status,
            attempts: r.attempts,
            last_error: r.last_error,
            created_at: r.created_at,
        })
        .collect();
    Ok(OutboxReport {
        pending,
        sent,
        failed,
        problems,
    })
}

impl std::fmt::Display for OutboxReport {
    /// For a terminal (`server outbox`): the counts, then one line per troubled email.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "pending {}, sent {}, failed {}",
            self.pending, self.sent, self.failed
        )?;
        for p in &self.problems {
            let next = p
                .next_attempt_at
                .map(|t| format!(", next attempt {}", t.format("%Y-%m-%d %H:%M:%S UTC")))
                .unwrap_or_default();
            writeln!(
                f,
                "{} {} {} after {} attempt(s): {}{next}",
                p.id,
                p.kind,
                p.status,
                p.attempts,
                p.last_error.as_deref().unwrap_or("-"),
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prints_counts_then_problems() {
        let at = DateTime::<Utc>::from_timestamp(1_800_000_000, 0).unwrap_or_default();
        let report = OutboxReport {
            pending: 1,
            sent: 5,
            failed: 1,
            problems: vec![
                OutboxProblem {
                    id: Uuid::nil(),
                    kind: "trial_approved".into(),
                    status: PENDING.into(),
                    attempts: 2,
                    last_error: Some("smtp connection failed".into()),
                    next_attempt_at: Some(at),
                    created_at: at,
                },
                OutboxProblem {
                    id: Uuid::max(),
                    kind: "trial_rejected".into(),
                    status: FAILED.into(),
                    attempts: 1,
                    last_error: Some("smtp 550".into()),
                    next_attempt_at: None,
                    created_at: at,
                },
            ],
        };
        assert_eq!(
            report.to_string(),
            "pending 1, sent 5, failed 1\n\
             00000000-0000-0000-0000-000000000000 trial_approved pending after 2 attempt(s): \
             smtp connection failed, next attempt 2027-01-15 08:00:00 UTC\n\
             ffffffff-ffff-ffff-ffff-ffffffffffff trial_rejected failed after 1 attempt(s): smtp 550\n"
        );
    }
}
