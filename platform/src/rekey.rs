//! Moving what is sealed at rest to the current encryption key (`server rekey`), the last
//! step of a key rotation (docs/operations.md): every sealed column — a consent's identity,
//! drawn signature and PDF copy, each queued email — that a previous key sealed is opened
//! and sealed again under the current key. Values the current key sealed are left as they
//! are, so running it twice changes nothing the second time. Rows go in batches, each in
//! its own transaction; one audit row records the counts.

use crate::audit::{self, Actor};
use crate::crypto::{Cipher, CryptoError};
use crate::entities::{consent, email_outbox};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set, TransactionTrait,
};
use uuid::Uuid;

/// Rows read per batch (a consent row holds its PDF copy).
const BATCH: u64 = 100;

/// What a rekey changed.
#[derive(Debug, Default, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Rekeyed {
    /// Consents with at least one value re-sealed.
    pub consents: u64,
    /// Queued emails re-sealed.
    pub emails: u64,
    /// Rows whose values the current key had already sealed.
    pub already_current: u64,
    /// Values no configured key opens, as `table id column` (never their content): left
    /// untouched, and the rekey reports failure.
    pub unreadable: Vec<String>,
}

/// Re-seals under `cipher`'s current key everything one of its previous keys sealed.
pub async fn rekey(db: &DatabaseConnection, cipher: &Cipher) -> Result<Rekeyed, DbErr> {
    let mut done = Rekeyed::default();
    rekey_consents(db, cipher, &mut done).await?;
    rekey_emails(db, cipher, &mut done).await?;
    let txn = db.begin().await?;
    audit::append(
        &txn,
        &Actor::system(),
        "keys.rekeyed",
        "encryption_key",
        "current",
        None,
        Some(&serde_json::json!({
            "consents": done.consents,
            "emails": done.emails,
            "already_current": done.already_current,
            "unreadable": done.unreadable.len(),
        })),
    )
    .await?;
    txn.commit().await?;
    Ok(done)
}

/// One sealed value moved to the current key: `Ok(None)` when it already was; an
/// unreadable value is noted as `table id column` and left as it is.
fn moved(
    cipher: &Cipher,
    sealed: &str,
    at: (&str, Uuid, &str),
    done: &mut Rekeyed,
) -> Option<String> {
    match cipher.reseal_text(sealed) {
        Ok(new) => new,
        Err(CryptoError::Malformed | CryptoError::Tampered) => {
            done.unreadable.push(format!("{} {} {}", at.0, at.1, at.2));
            None
        }
    }
}

async fn rekey_consents(
    db: &DatabaseConnection,
    cipher: &Cipher,
    done: &mut Rekeyed,
) -> Result<(), DbErr> {
    let mut after: Option<Uuid> = None;
    loop {
        let mut query = consent::Entity::find()
            .order_by_asc(consent::Column::Id)
            .limit(BATCH);
        if let Some(id) = after {
            query = query.filter(consent::Column::Id.gt(id));
        }
        let rows = query.all(db).await?;
        let Some(last) = rows.last() else {
            return Ok(());
        };
        after = Some(last.id);
        let txn = db.begin().await?;
        for row in rows {
            let unreadable = done.unreadable.len();
            let identity = moved(
                cipher,
                &row.identity_sealed,
                ("consents", row.id, "identity_sealed"),
                done,
            );
            let pdf = moved(
                cipher,
                &row.pdf_sealed,
                ("consents", row.id, "pdf_sealed"),
                done,
            );
            let signature = row.signature_image_sealed.as_deref().and_then(|s| {
                moved(
                    cipher,
                    s,
                    ("consents", row.id, "signature_image_sealed"),
                    done,
                )
            });
            if identity.is_none() && pdf.is_none() && signature.is_none() {
                if done.unreadable.len() == unreadable {
                    done.already_current += 1;
                }
                continue;
            }
            let mut active: consent::ActiveModel = row.into();
            if let Some(v) = identity {
                active.identity_sealed = Set(v);
            }
            if let Some(v) = pdf {
                active.pdf_sealed = Set(v);
            }
            if let Some(v) = signature {
                active.signature_image_sealed = Set(Some(v));
            }
            active.update(&txn).await?;
            done.consents += 1;
        }
        txn.commit().await?;
    }
}

async fn rekey_emails(
    db: &DatabaseConnection,
    cipher: &Cipher,
    done: &mut Rekeyed,
) -> Result<(), DbErr> {
    let mut after: Option<Uuid> = None;
    loop {
        let mut query = email_outbox::Entity::find()
            .order_by_asc(email_outbox::Column::Id)
            .limit(BATCH);
        if let Some(id) = after {
            query = query.filter(email_outbox::Column::Id.gt(id));
        }
        let rows = query.all(db).await?;
        let Some(last) = rows.last() else {
            return Ok(());
        };
        after = Some(last.id);
        let txn = db.begin().await?;
        for row in rows {
            let unreadable = done.unreadable.len();
            let Some(sealed) = moved(
                cipher,
                &row.sealed,
                ("email_outbox", row.id, "sealed"),
                done,
            ) else {
                if done.unreadable.len() == unreadable {
                    done.already_current += 1;
                }
                continue;
            };
            // Only the sealed column: the worker may be updating the delivery state.
            email_outbox::Entity::update_many()
                .col_expr(
                    email_outbox::Column::Sealed,
                    sea_orm::sea_query::Expr::value(sealed),
                )
                .filter(email_outbox::Column::Id.eq(row.id))
                .exec(&txn)
                .await?;
            done.emails += 1;
        }
        txn.commit().await?;
    }
}
