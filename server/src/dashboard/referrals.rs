//! A trial's consents and referrals for its funnel, in one query: each consent with its
//! referral (if any) and the time the referral reached each status, which the referral row
//! keeps (`contacted_at`, …; each status is reached at most once). The funnel takes a
//! status's first event only, so one transition per status reached is all it needs, and
//! the reason of a screen failure is the referral's (the status is final).

use super::funnel::{Consent, Referral, Transition};
use chrono::{DateTime, Utc};
use platform::error::ApiError;
use sea_orm::{ConnectionTrait, DatabaseBackend, QueryResult, Statement};
use uuid::Uuid;

/// The statuses after `referred` whose time the referral keeps.
const REACHED: [&str; 6] = [
    "contacted",
    "screening",
    "enrolled",
    "screen_failed",
    "declined",
    "withdrawn",
];

fn sql(backend: DatabaseBackend) -> String {
    let reached: Vec<String> = REACHED.iter().map(|s| format!("r.{s}_at")).collect();
    let trial = if backend == DatabaseBackend::Postgres {
        "$1"
    } else {
        "?"
    };
    format!(
        "SELECT c.id AS consent_id, c.organisation_id AS consent_practice, c.signed_at, \
                r.id AS referral_id, r.site_id, r.organisation_id AS referral_practice, \
                r.status, r.reason, r.created_at, r.updated_at, {} \
         FROM consents c LEFT JOIN referrals r ON r.consent_id = c.id \
         WHERE c.trial_id = {trial}",
        reached.join(", ")
    )
}

/// The referral of a row, with a transition to each status it reached.
fn referral(
    row: &QueryResult,
    consent: Uuid,
) -> Result<Option<(Referral, Vec<Transition>)>, ApiError> {
    let Some(id) = row.try_get::<Option<Uuid>>("", "referral_id")? else {
        return Ok(None);
    };
    let r = Referral {
        id,
        consent,
        site: row.try_get("", "site_id")?,
        practice: row.try_get("", "referral_practice")?,
        status: row.try_get("", "status")?,
        reason: row.try_get("", "reason")?,
        created_at: row.try_get("", "created_at")?,
        updated_at: row.try_get("", "updated_at")?,
    };
    let mut transitions = Vec::new();
    for status in REACHED {
        if let Some(at) = row.try_get::<Option<DateTime<Utc>>>("", &format!("{status}_at"))? {
            let reason = if status == "screen_failed" && r.status == status {
                r.reason.clone()
            } else {
                None
            };
            transitions.push(Transition {
                referral: id,
                to: status.to_string(),
                reason,
                at,
            });
        }
    }
    Ok(Some((r, transitions)))
}

/// The trial's consents, referrals and the transitions the funnel needs.
pub async fn load<C: ConnectionTrait>(
    db: &C,
    trial: Uuid,
) -> Result<(Vec<Consent>, Vec<Referral>, Vec<Transition>), ApiError> {
    let backend = db.get_database_backend();
    let stmt = Statement::from_sql_and_values(backend, sql(backend), [trial.into()]);
    let rows = db.query_all_raw(stmt).await?;
    let (mut consents, mut referrals, mut transitions) =
        (Vec::with_capacity(rows.len()), Vec::new(), Vec::new());
    for row in &rows {
        let id: Uuid = row.try_get("", "consent_id")?;
        consents.push(Consent {
            id,
            practice: row.try_get("", "consent_practice")?,
            signed_at: row.try_get("", "signed_at")?,
        });
        if let Some((r, t)) = referral(row, id)? {
            referrals.push(r);
            transitions.extend(t);
        }
    }
    Ok((consents, referrals, transitions))
}
