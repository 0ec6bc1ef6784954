//! Signing: in one transaction the token is consumed, the consent stored (identity, drawn
//! signature and PDF sealed; hashes in clear), the referral created, both audited, and the
//! emails written to the outbox (the new referral to the site's coordinators, the signed
//! copy to the patient if they gave an email). Either all of it happens or none.

use super::flow::Flow;
use super::form::{STATEMENTS, Submission};
use super::pdf_copy::{self, Copy};
use super::signature::{self, Signed};
use crate::emails::{ConsentCopy, NewReferral};
use crate::enrolment::referral::recipients;
use crate::enrolment::referral::store;
use crate::plugin::consent_link as tokens;
use base64::Engine;
use chrono::{DateTime, SubsecRound, Utc};
use platform::audit::{self, Actor};
use platform::crypto::Cipher;
use platform::email::{Attachment, Locale, Outbox};
use platform::entities::{consent, consent_token, referral};
use platform::error::ApiError;
use platform::i18n::t;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

/// What signing needs besides the database.
#[derive(Debug, Clone, Copy)]
pub struct Services<'a> {
    /// Seals identity and the PDF.
    pub cipher: &'a Cipher,
    /// Writes the emails.
    pub outbox: &'a Outbox,
    /// The server's public address, for links in emails.
    pub base_url: &'a str,
}

/// A signed consent.
#[derive(Debug, Clone)]
pub struct Done {
    /// The consent.
    pub consent_id: Uuid,
    /// Its referral.
    pub referral_id: Uuid,
    /// The patient's receipt token (download and withdrawal), never stored in clear.
    pub receipt: String,
}

/// A new random receipt token (URL-safe base64 of 32 random bytes).
fn receipt_token() -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>())
}

/// Signs the consent of `flow` (loaded from `token`) with the checked `sub`.
pub async fn sign(
    db: &DatabaseConnection,
    s: Services<'_>,
    flow: &Flow,
    token: &str,
    sub: Submission,
    lang: Locale,
    now: DateTime<Utc>,
) -> Result<Done, ApiError> {
    let now = now.trunc_subsecs(6);
    let consent_id = Uuid::now_v7();
    let referral_id = Uuid::now_v7();
    let receipt = receipt_token();
    let site = flow
        .sites
        .iter()
        .find(|x| x.id == sub.site_id)
        .ok_or_else(|| ApiError::NotFound(format!("site {}", sub.site_id)))?;
    let meaning = t(lang, "consent.signature_meaning").to_string();
    let answers = serde_json::json!(
        flow.questions
            .iter()
            .zip(&sub.answers)
            .map(|(q, a)| serde_json::json!({"question": q.text, "answer": a, "right": *a == q.answer}))
            .collect::<Vec<_>>()
    );
    let signature_sha256 = signature::binding(&Signed {
        consent_id,
        trial_id: flow.trial.id,
        document_sha256: &flow.document.sha256,
        identity: &sub.identity,
        typed: &sub.signature,
        signed_at: now,
        meaning: &meaning,
        answers: &answers,
        gp_name: &sub.gp_name,
    });
    let label = flow.document.version_label.as_deref().map_or_else(
        || flow.document.version.to_string(),
        |l| format!("{} — {l}", flow.document.version),
    );
    let pdf = pdf_copy::pdf(&Copy {
        lang,
        consent_id,
        trial_title: &flow.trial.title,
        registry_number: flow.trial.registry_number.as_deref(),
        site_name: &site.name,
        document_version: label,
        document: &flow.document.body,
        document_sha256: &flow.document.sha256,
        questions: &flow.questions,
        answers: &sub.answers,
        identity_method: &sub.identity_method,
        identity: &sub.identity,
        drawn: sub.signature_image.is_some(),
        meaning: &meaning,
        signed_at: now,
        signature_sha256: &signature_sha256,
        gp_name: &sub.gp_name,
    });
    let pdf_sha256 = platform::crypto::sha256_hex(&pdf);
    let identity_json = serde_json::to_vec(&sub.identity).map_err(anyhow::Error::from)?;
    let sealed_identity = s
        .cipher
        .seal_text(&identity_json)
        .map_err(anyhow::Error::from)?;
    let sealed_pdf = s.cipher.seal_text(&pdf).map_err(anyhow::Error::from)?;
    let sealed_image = sub
        .signature_image
        .as_deref()
        .map(|i| s.cipher.seal_text(i.as_bytes()))
        .transpose()
        .map_err(anyhow::Error::from)?;

    let txn = platform::db::write(db).await?;
    let token_hash = tokens::hash(token);
    let used = consent_token::Entity::update_many()
        .col_expr(consent_token::Column::UsedAt, Expr::value(Some(now)))
        .filter(consent_token::Column::TokenHash.eq(token_hash.clone()))
        .filter(consent_token::Column::UsedAt.is_null())
        .filter(consent_token::Column::ExpiresAt.gt(now))
        .exec(&txn)
        .await?;
    if used.rows_affected != 1 {
        return Err(ApiError::Gone(
            "this link was already used or has expired".into(),
        ));
    }
    let c = consent::ActiveModel {
        id: Set(consent_id),
        token_hash: Set(token_hash),
        receipt_hash: Set(tokens::hash(&receipt)),
        trial_id: Set(flow.trial.id),
        trial_version: Set(flow.token.trial_version),
        organisation_id: Set(flow.token.organisation_id),
        alert_id: Set(flow.token.alert_id),
        patient: Set(flow.token.patient.clone()),
        document_id: Set(flow.document.id),
        document_version: Set(flow.document.version),
        document_language: Set(flow.document.language.clone()),
        document_sha256: Set(flow.document.sha256.clone()),
        language: Set(lang.code().into()),
        identity_method: Set(sub.identity_method.clone()),
        identity_sealed: Set(sealed_identity),
        signature_image_sealed: Set(sealed_image),
        answers: Set(answers),
        statements: Set(serde_json::json!(STATEMENTS)),
        signature_meaning: Set(meaning),
        signed_at: Set(now),
        signature_sha256: Set(signature_sha256.clone()),
        gp_name: Set(sub.gp_name.clone()),
        pdf_sealed: Set(sealed_pdf),
        pdf_sha256: Set(pdf_sha256.clone()),
        status: Set("active".into()),
        withdrawn_at: Set(None),
        withdrawn_by: Set(None),
        created_at: Set(now),
    }
    .insert(&txn)
    .await?;
    audit::append(
        &txn,
        &Actor::practice(flow.token.organisation_id.to_string()),
        "consent.signed",
        "consent",
        &consent_id.to_string(),
        None,
        Some(&serde_json::json!({
            "trial": c.trial_id,
            "trial_version": c.trial_version,
            "alert": c.alert_id,
            "document": c.document_id,
            "document_version": c.document_version,
            "document_sha256": c.document_sha256,
            "identity_method": c.identity_method,
            "signed_at": c.signed_at,
            "signature_sha256": c.signature_sha256,
            "pdf_sha256": c.pdf_sha256,
            "gp": c.gp_name,
            "site": site.id,
            "copy_emailed": sub.identity.email.is_some(),
        })),
    )
    .await?;
    store::create(
        &txn,
        referral::Model {
            id: referral_id,
            consent_id,
            trial_id: flow.trial.id,
            site_id: site.id,
            organisation_id: flow.token.organisation_id,
            alert_id: flow.token.alert_id,
            patient: flow.token.patient.clone(),
            status: String::new(),
            reason: None,
            detail: None,
            created_at: now,
            updated_at: now,
            contacted_at: None,
            screening_at: None,
            enrolled_at: None,
            screen_failed_at: None,
            declined_at: None,
            withdrawn_at: None,
        },
        &Actor::system(),
    )
    .await?;
    let new_referral = NewReferral {
        trial_title: flow.trial.title.clone(),
        trial_acronym: flow.trial.acronym.clone(),
        site_name: site.name.clone(),
        referral_url: format!("{}/coordinator/referrals/{referral_id}", s.base_url),
    };
    for to in recipients::of_site(&txn, site.id).await? {
        s.outbox
            .enqueue(&txn, &to, Locale::Fr, &new_referral)
            .await?;
    }
    if let Some(email) = &sub.identity.email {
        let copy = ConsentCopy {
            trial_title: flow.trial.title.clone(),
            signed_at: now.format("%Y-%m-%d %H:%M UTC").to_string(),
            document_version: flow.document.version,
            receipt_url: format!("{}/consent/receipt/{receipt}", s.base_url),
        };
        let attachment = Attachment {
            filename: format!("consent-{}.pdf", &consent_id.simple().to_string()[..8]),
            content_type: "application/pdf".into(),
            bytes: pdf,
        };
        s.outbox
            .enqueue_with(&txn, email, lang, &copy, vec![attachment])
            .await?;
    }
    txn.commit().await?;
    s.outbox.wake();
    Ok(Done {
        consent_id,
        referral_id,
        receipt,
    })
}
