//! Writing emails: [`Outbox::enqueue`] (or [`Outbox::enqueue_with`], with attachments) puts
//! one sealed row in the caller's transaction.

use super::compose::Sealed;
use super::{Attachment, Email, Locale};
use crate::config::Settings;
use crate::crypto::{Cipher, CryptoError};
use crate::entities::email_outbox;
use chrono::{SubsecRound, Utc};
use sea_orm::{ActiveModelTrait, ConnectionTrait, DbErr, Set};
use std::sync::Arc;
use tokio::sync::Notify;
use uuid::Uuid;

/// A row waiting to be sent (or being retried).
pub const PENDING: &str = "pending";
/// A row delivered.
pub const SENT: &str = "sent";
/// A row given up on after `email.max_attempts` (or a permanent refusal).
pub const FAILED: &str = "failed";

/// Why an email could not be enqueued.
#[derive(Debug, thiserror::Error)]
pub enum OutboxError {
    /// A template failed to render.
    #[error("email template: {0}")]
    Render(#[from] askama::Error),
    /// Sealing failed.
    #[error("sealing: {0}")]
    Seal(#[from] CryptoError),
    /// The database refused the row.
    #[error(transparent)]
    Db(#[from] DbErr),
}

impl From<OutboxError> for crate::error::ApiError {
    fn from(e: OutboxError) -> crate::error::ApiError {
        match e {
            OutboxError::Db(e) => e.into(),
            other => crate::error::ApiError::Internal(other.into()),
        }
    }
}

/// The outbox: seals and writes emails, and wakes the worker. Cheap to clone; one per
/// application (shared with the worker and the request handlers).
#[derive(Debug, Clone)]
pub struct Outbox {
    cipher: Arc<Cipher>,
    wake: Arc<Notify>,
    locale: Locale,
}

impl Outbox {
    /// An outbox sealing with the configured `secrets.encryption_key` (and opening with the
    /// previous keys during a rotation).
    pub fn from_settings(settings: &Settings) -> Outbox {
        Outbox {
            cipher: Arc::new(Cipher::from_settings(&settings.secrets)),
            wake: Arc::new(Notify::new()),
            locale: Locale::parse(&settings.email.default_locale).unwrap_or(Locale::Fr),
        }
    }

    /// The language of emails to users without a preference (`email.default_locale`).
    pub fn default_locale(&self) -> Locale {
        self.locale
    }

    /// Renders `email` in `locale` for `to`, seals it, and writes it as a pending row in
    /// `txn` — the transaction of the change that causes it, so that the email exists if and
    /// only if the change commits. Call [`Outbox::wake`] after the commit.
    pub async fn enqueue<C: ConnectionTrait, E: Email>(
        &self,
        txn: &C,
        to: &str,
        locale: Locale,
        email: &E,
    ) -> Result<Uuid, OutboxError> {
        self.enqueue_with(txn, to, locale, email, Vec::new()).await
    }

    /// [`Outbox::enqueue`] with files attached (sealed with the rest of the email).
    pub async fn enqueue_with<C: ConnectionTrait, E: Email>(
        &self,
        txn: &C,
        to: &str,
        locale: Locale,
        email: &E,
        attachments: Vec<Attachment>,
    ) -> Result<Uuid, OutboxError> {
        let sealed = Sealed {
            to: to.to_string(),
            body: email.render(locale)?,
            attachments,
        };
        let json =
            serde_json::to_vec(&sealed).map_err(|e| OutboxError::Db(DbErr::Json(e.to_string())))?;
        let sealed = self.cipher.seal_text(&json)?;
        let now = Utc::now().trunc_subsecs(6);
        let id = Uuid::now_v7();
        email_outbox::ActiveModel {
            id: Set(id),
            kind: Set(E::KIND.to_string()),
            locale: Set(locale.code().to_string()),
            sealed: Set(sealed),
            status: Set(PENDING.to_string()),
            attempts: Set(0),
            next_attempt_at: Set(now),
            claimed_by: Set(None),
            claimed_until: Set(None),
            last_error: Set(None),
            created_at: Set(now),
            sent_at: Set(None),
        }
        .insert(txn)
        .await?;
        Ok(id)
    }

    /// Wakes the worker (after the enqueuing transaction committed); polling is the backstop.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Resolves at the next [`Outbox::wake`].
    pub(crate) async fn woken(&self) {
        self.wake.notified().await;
    }

    /// Opens a row's sealed message.
    pub fn open(&self, row: &email_outbox::Model) -> Result<Sealed, CryptoError> {
        let json = self.cipher.open_text(&row.sealed)?;
        serde_json::from_slice(&json).map_err(|_| CryptoError::Malformed)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::email::{Email, Rendered};
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD;
    use sea_orm::EntityTrait;

    #[tokio::test]
    async fn attachments_are_sealed_with_the_email() {
        let mut options = sea_orm::ConnectOptions::new("sqlite::memory:");
        options.max_connections(1);
        let db = sea_orm::Database::connect(options).await.unwrap();
        crate::db::migrate(&db).await.unwrap();
        let outbox = Outbox::from_settings(&Settings::default());
        let email = Plain;
        let pdf = Attachment {
            filename: "copie.pdf".into(),
            content_type: "application/pdf".into(),
            bytes: b"%PDF-1.4 secret".to_vec(),
        };
        let with = outbox
            .enqueue_with(&db, "a@example.org", Locale::Fr, &email, vec![pdf.clone()])
            .await
            .unwrap();
        let without = outbox
            .enqueue(&db, "b@example.org", Locale::En, &email)
            .await
            .unwrap();
        let sealed_row = row(&db, with).await;
        assert!(
            !sealed_row
                .sealed
                .contains(&STANDARD.encode(b"%PDF-1.4 secret"))
        );
        let opened = outbox.open(&sealed_row).unwrap();
        assert_eq!(opened.attachments, vec![pdf]);
        assert_eq!(opened.to, "a@example.org");
        let opened = outbox.open(&row(&db, without).await).unwrap();
        assert!(opened.attachments.is_empty());
    }

    /// An email without templates (the kinds live in the server).
    struct Plain;

    impl Email for Plain {
        const KIND: &'static str = "plain";

        fn render(&self, _: Locale) -> Result<Rendered, askama::Error> {
            Ok(Rendered {
                subject: "S".into(),
                text: "T".into(),
                html: "<p>T</p>".into(),
            })
        }
    }

    async fn row(db: &sea_orm::DatabaseConnection, id: Uuid) -> email_outbox::Model {
        email_outbox::Entity::find_by_id(id)
            .one(db)
            .await
            .unwrap()
            .unwrap()
    }
}
