//! The outbox worker: a tokio task that sends due emails.
//!
//! Each due row is claimed with one conditional `UPDATE … WHERE id = ? AND status =
//! 'pending' AND next_attempt_at <= now AND (claimed_until IS NULL OR claimed_until < now)`:
//! on SQLite and PostgreSQL alike only one worker's update matches, so replicas sharing a
//! database never send the same email at once. The claim is a lease (`email.lease_secs`,
//! longer than the SMTP timeout): a worker that dies mid-send releases it by expiry. After a
//! send the row is marked `sent` (only by the lease holder); after a failure it is scheduled
//! again at `base × 2^(attempts−1)` capped at `cap`, or marked `failed` after
//! `email.max_attempts` or a permanent refusal. A crash between a successful send and the
//! `sent` mark is the one case that resends; the Message-ID is the outbox id, so receivers
//! see the same message.

use super::compose;
use super::outbox::{FAILED, Outbox, PENDING, SENT};
use super::transport::{SendError, Transport};
use crate::config::Settings;
use crate::entities::email_outbox::{self, Column};
use chrono::{DateTime, SubsecRound, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use uuid::Uuid;

/// Rows looked at per pass.
const BATCH: u64 = 20;

/// The worker's settings.
#[derive(Debug, Clone)]
pub struct WorkerSettings {
    /// Between passes when not woken.
    pub poll_interval: Duration,
    /// First retry delay.
    pub backoff_base: Duration,
    /// Longest retry delay.
    pub backoff_cap: Duration,
    /// Attempts before `failed`.
    pub max_attempts: i32,
    /// How long a claim lasts.
    pub lease: Duration,
    /// The sender (`smtp.from`).
    pub from: String,
}

impl WorkerSettings {
    /// From the application settings.
    pub fn from_settings(s: &Settings) -> WorkerSettings {
        WorkerSettings {
            poll_interval: Duration::from_millis(s.email.poll_interval_ms.max(1)),
            backoff_base: Duration::from_millis(s.email.backoff_base_ms),
            backoff_cap: Duration::from_millis(s.email.backoff_cap_ms),
            max_attempts: s.email.max_attempts,
            lease: Duration::from_secs(s.email.lease_secs.max(1)),
            from: s.smtp.from.clone(),
        }
    }

    /// The delay before attempt `attempts + 1`, after `attempts` failures (≥ 1).
    pub fn backoff(&self, attempts: i32) -> Duration {
        let exponent = u32::try_from(attempts.saturating_sub(1))
            .unwrap_or(0)
            .min(30);
        self.backoff_base
            .saturating_mul(2u32.saturating_pow(exponent))
            .min(self.backoff_cap)
    }
}

/// One worker: its id (the lease holder), the database, the transport, the outbox.
pub struct Worker {
    id: Uuid,
    db: DatabaseConnection,
    transport: Arc<Transport>,
    outbox: Outbox,
    settings: WorkerSettings,
}

/// A running worker; [`WorkerHandle::shutdown`] stops it after the email in hand.
pub struct WorkerHandle {
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl WorkerHandle {
    /// Asks the worker to stop and waits for it.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}

fn lease_end(now: DateTime<Utc>, lease: Duration) -> DateTime<Utc> {
    now + chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::seconds(60))
}

impl Worker {
    /// A worker with a fresh id.
    pub fn new(
        db: DatabaseConnection,
        transport: Arc<Transport>,
        outbox: Outbox,
        settings: WorkerSettings,
    ) -> Worker {
        Worker {
            id: Uuid::now_v7(),
            db,
            transport,
            outbox,
            settings,
        }
    }

    /// Starts the worker on the current tokio runtime.
    pub fn spawn(self) -> WorkerHandle {
        let (stop, mut stopped) = watch::channel(false);
        let task = tokio::spawn(async move {
            loop {
                loop {
                    match self.pass().await {
                        Ok(0) => break,
                        Ok(_) if *stopped.borrow() => return,
                        Ok(_) => {}
                        Err(e) => {
                            tracing::warn!(error = %e, "email outbox: database error");
                            break;
                        }
                    }
                }
                tokio::select! {
                    _ = stopped.changed() => return,
                    () = self.outbox.woken() => {}
                    () = tokio::time::sleep(self.settings.poll_interval) => {}
                }
            }
        });
        WorkerHandle { stop, task }
    }

    /// One pass: claims and sends the due rows it can; returns how many it handled.
    pub async fn pass(&self) -> Result<usize, DbErr> {
        let now = Utc::now().trunc_subsecs(6);
        let due = email_outbox::Entity::find()
            .select_only()
            .column(Column::Id)
            .filter(due(now))
            .order_by_asc(Column::NextAttemptAt)
            .limit(BATCH)
            .into_tuple::<Uuid>()
            .all(&self.db)
            .await?;
        let mut handled = 0;
        for id in due {
            if let Some(row) = self.claim(id).await? {
                self.deliver(row).await?;
                handled += 1;
            }
        }
        Ok(handled)
    }

    /// Takes the lease on row `id` if it is still due and unclaimed; the fresh row if so.
    async fn claim(&self, id: Uuid) -> Result<Option<email_outbox::Model>, DbErr> {
        let now = Utc::now().trunc_subsecs(6);
        let claimed = email_outbox::Entity::update_many()
            .col_expr(Column::ClaimedBy, Expr::value(self.id))
            .col_expr(
                Column::ClaimedUntil,
                Expr::value(lease_end(now, self.settings.lease)),
            )
            .filter(Column::Id.eq(id))
            .filter(due(now))
            .exec(&self.db)
            .await?;
        if claimed.rows_affected != 1 {
            return Ok(None);
        }
        email_outbox::Entity::find_by_id(id).one(&self.db).await
    }

    async fn deliver(&self, row: email_outbox::Model) -> Result<(), DbErr> {
        let result = match self.outbox.open(&row) {
            Ok(sealed) => match compose::message(row.id, &self.settings.from, &sealed) {
                Ok(message) => self.transport.send(message).await,
                Err(e) => Err(e),
            },
            Err(_) => Err(SendError {
                summary: "the sealed message cannot be opened (wrong key?)".into(),
                permanent: true,
            }),
        };
        let now = Utc::now().trunc_subsecs(6);
        let attempts = row.attempts.saturating_add(1);
        let update = email_outbox::Entity::update_many()
            .col_expr(Column::Attempts, Expr::value(attempts))
            .col_expr(Column::ClaimedBy, Expr::value(Option::<Uuid>::None))
            .col_expr(
                Column::ClaimedUntil,
                Expr::value(Option::<DateTime<Utc>>::None),
            );
        let update = match result {
            Ok(()) => update
                .col_expr(Column::Status, Expr::value(SENT))
                .col_expr(Column::SentAt, Expr::value(Some(now)))
                .col_expr(Column::LastError, Expr::value(Option::<String>::None)),
            Err(e) => {
                tracing::warn!(outbox_id = %row.id, attempts, error = %e.summary, "email not sent");
                let mut summary = e.summary;
                summary.truncate(200);
                let update = update.col_expr(Column::LastError, Expr::value(summary));
                if e.permanent || attempts >= self.settings.max_attempts {
                    update.col_expr(Column::Status, Expr::value(FAILED))
                } else {
                    let next = now
                        + chrono::Duration::from_std(self.settings.backoff(attempts))
                            .unwrap_or(chrono::Duration::hours(1));
                    update.col_expr(Column::NextAttemptAt, Expr::value(next))
                }
            }
        };
        update
            .filter(Column::Id.eq(row.id))
            .filter(Column::ClaimedBy.eq(self.id))
            .exec(&self.db)
            .await?;
        Ok(())
    }
}

/// Pending, due, and not under someone's lease.
fn due(now: DateTime<Utc>) -> Condition {
    Condition::all()
        .add(Column::Status.eq(PENDING))
        .add(Column::NextAttemptAt.lte(now))
        .add(
            Condition::any()
                .add(Column::ClaimedUntil.is_null())
                .add(Column::ClaimedUntil.lt(now)),
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let s = WorkerSettings {
            poll_interval: Duration::from_secs(1),
            backoff_base: Duration::from_secs(30),
            backoff_cap: Duration::from_secs(3600),
            max_attempts: 10,
            lease: Duration::from_secs(60),
            from: "a@b.c".into(),
        };
        let secs: Vec<u64> = (1..=9).map(|n| s.backoff(n).as_secs()).collect();
        assert_eq!(secs, [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]);
        assert_eq!(s.backoff(i32::MAX).as_secs(), 3600);
    }
}
