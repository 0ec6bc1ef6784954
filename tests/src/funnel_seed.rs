//! Rows for the dashboard tests, written directly through the entities: plugin events,
//! consents, referrals and their status events (in batches, for the benchmark's volumes).

use chrono::{DateTime, Utc};
use platform::entities::{consent, plugin_event, referral, referral_event};
use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait};
use uuid::Uuid;

/// A plugin event to write: the fields the server tallies.
pub use server::dashboard::tally::NewEvent as Event;

/// The active model of an event.
pub fn event(e: &Event<'_>) -> plugin_event::ActiveModel {
    plugin_event::ActiveModel {
        id: Set(Uuid::now_v7()),
        organisation_id: Set(e.practice),
        alert_id: Set(Uuid::now_v7()),
        trial_id: Set(e.trial),
        trial_version: Set(1),
        patient: Set(e.patient.to_string()),
        verdict: Set("eligible".into()),
        response: Set(e.response.into()),
        reason: Set(e.reason.map(Into::into)),
        snooze_until: Set(None),
        at: Set(e.at),
        received_at: Set(e.at),
    }
}

/// Writes events in batches of 500, then recomputes the tallies (as the migration does).
pub async fn events<C: ConnectionTrait>(db: &C, rows: Vec<plugin_event::ActiveModel>) {
    events_untallied(db, rows).await;
    retally(db).await;
}

/// Writes events without counting them in the dashboard's tallies.
pub async fn events_untallied<C: ConnectionTrait>(db: &C, rows: Vec<plugin_event::ActiveModel>) {
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let batch: Vec<_> = rows.by_ref().take(500).collect();
        plugin_event::Entity::insert_many(batch)
            .exec(db)
            .await
            .expect("events");
    }
}

/// Recomputes the dashboard's tallies from every stored event, as the migration that created
/// them does.
pub async fn retally<C: ConnectionTrait>(db: &C) {
    for sql in migrations::alert_tallies_backfill(db.get_database_backend()) {
        db.execute_unprepared(&sql).await.expect("backfill");
    }
}

/// The statuses a referral reaches after `referred`: `(status, reason, at)`.
pub type Steps<'a> = Vec<(&'a str, Option<&'a str>, DateTime<Utc>)>;

/// A consent and its referral, then its path: `(status, reason, at)` after `referred`.
pub struct Referral<'a> {
    /// Trial.
    pub trial: Uuid,
    /// Site.
    pub site: Uuid,
    /// Practice.
    pub practice: Uuid,
    /// Signed and referred at.
    pub at: DateTime<Utc>,
    /// The statuses reached after `referred`.
    pub path: &'a [(&'a str, Option<&'a str>, DateTime<Utc>)],
}

/// The rows of a referral: consent, referral, events.
pub fn referral(
    r: &Referral<'_>,
    sealed_identity: &str,
) -> (
    consent::ActiveModel,
    referral::ActiveModel,
    Vec<referral_event::ActiveModel>,
) {
    let consent_id = Uuid::now_v7();
    let referral_id = Uuid::now_v7();
    let alert_id = Uuid::now_v7();
    let patient = format!("{:064x}", referral_id.as_u128());
    let c = consent::ActiveModel {
        id: Set(consent_id),
        token_hash: Set(format!("t{consent_id}")),
        receipt_hash: Set(format!("r{consent_id}")),
        trial_id: Set(r.trial),
        trial_version: Set(1),
        organisation_id: Set(r.practice),
        alert_id: Set(alert_id),
        patient: Set(patient.clone()),
        document_id: Set(Uuid::now_v7()),
        document_version: Set(1),
        document_language: Set("fr".into()),
        document_sha256: Set("0".repeat(64)),
        language: Set("fr".into()),
        identity_method: Set("id_card".into()),
        identity_sealed: Set(sealed_identity.to_string()),
        signature_image_sealed: Set(None),
        answers: Set(serde_json::json!([])),
        statements: Set(serde_json::json!([])),
        signature_meaning: Set("consent".into()),
        signed_at: Set(r.at),
        signature_sha256: Set("0".repeat(64)),
        gp_name: Set("Dr".into()),
        pdf_sealed: Set("sealed".into()),
        pdf_sha256: Set("0".repeat(64)),
        status: Set("active".into()),
        withdrawn_at: Set(None),
        withdrawn_by: Set(None),
        created_at: Set(r.at),
    };
    let last = r.path.last();
    let rf = referral::ActiveModel {
        id: Set(referral_id),
        consent_id: Set(consent_id),
        trial_id: Set(r.trial),
        site_id: Set(r.site),
        organisation_id: Set(r.practice),
        alert_id: Set(alert_id),
        patient: Set(patient),
        status: Set(last.map_or("referred", |l| l.0).into()),
        reason: Set(last.and_then(|l| l.1).map(Into::into)),
        detail: Set(None),
        created_at: Set(r.at),
        updated_at: Set(last.map_or(r.at, |l| l.2)),
        contacted_at: Set(None),
        screening_at: Set(None),
        enrolled_at: Set(None),
        screen_failed_at: Set(None),
        declined_at: Set(None),
        withdrawn_at: Set(None),
    };
    let mut from: Option<&str> = None;
    let mut events = Vec::new();
    for (to, reason, at) in std::iter::once(&("referred", None, r.at)).chain(r.path.iter()) {
        events.push(referral_event::ActiveModel {
            id: Set(Uuid::now_v7()),
            referral_id: Set(referral_id),
            from_status: Set(from.map(Into::into)),
            to_status: Set((*to).into()),
            reason: Set(reason.map(Into::into)),
            detail: Set(None),
            actor_kind: Set("system".into()),
            actor_id: Set(None),
            at: Set(*at),
        });
        from = Some(to);
    }
    (c, rf, events)
}

/// Every seeded patient has this identity, sealed under the test settings' default key (so
/// the coordinators' pages can open it).
pub fn sealed_identity() -> String {
    let settings = platform::config::Settings::load(None, &|_| None).expect("default settings");
    let cipher = platform::crypto::Cipher::from_secret(settings.secrets.encryption_key.expose());
    let identity = server::enrolment::consent::identity::Identity {
        given_name: "Seeded".into(),
        family_name: "Patient".into(),
        birth_date: chrono::NaiveDate::from_ymd_opt(1960, 1, 1).expect("a date"),
        phone: Some("+33 6 00 00 00 00".into()),
        email: None,
    };
    let json = serde_json::to_vec(&identity).expect("identity JSON");
    cipher.seal_text(&json).expect("sealed")
}

/// Writes referrals (with their consents and events) in batches.
pub async fn referrals<C: ConnectionTrait>(db: &C, rows: Vec<Referral<'_>>) {
    let sealed = sealed_identity();
    for chunk in rows.chunks(200) {
        let (mut cs, mut rs, mut es) = (Vec::new(), Vec::new(), Vec::new());
        for r in chunk {
            let (c, rf, e) = referral(r, &sealed);
            cs.push(c);
            rs.push(rf);
            es.extend(e);
        }
        consent::Entity::insert_many(cs)
            .exec(db)
            .await
            .expect("consents");
        referral::Entity::insert_many(rs)
            .exec(db)
            .await
            .expect("referrals");
        for batch in es.chunks(500) {
            referral_event::Entity::insert_many(batch.to_vec())
                .exec(db)
                .await
                .expect("referral events");
        }
    }
    // The times each referral reached its statuses, from its events, as the migration does.
    db.execute_unprepared(&migrations::referral_times_backfill())
        .await
        .expect("referral times");
}
