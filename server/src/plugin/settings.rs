//! A practice's alert-fatigue settings: at most `max_alerts` per consultation, a trial
//! shown `max_unanswered_shows` times without an answer stops being shown, and optionally
//! only trials with a site within `max_distance_km` of the practice; at most
//! `alerts_per_patient_per_day` different trials for one patient on one day; the embed's
//! `display` (`modal` or `banner`). Set by administrators
//! (audited); read by the practice's plugins and applied by `POST /api/v1/match`.

use chrono::{DateTime, Utc};
use platform::audit::{self, Actor};
use platform::entities::{organisation, plugin_settings};
use platform::error::{ApiError, Detail};
use plugin_sdk::wire::{AlertDisplay, PracticeSettings};
use sea_orm::{ActiveModelTrait, ConnectionTrait, DatabaseConnection, EntityTrait, Set};
use uuid::Uuid;

/// The settings of a stored row (out-of-range numbers, which the checks never store, read as
/// the defaults).
fn of_row(m: plugin_settings::Model) -> PracticeSettings {
    let defaults = PracticeSettings::default();
    PracticeSettings {
        max_alerts: u32::try_from(m.max_alerts).unwrap_or(defaults.max_alerts),
        max_unanswered_shows: u32::try_from(m.max_unanswered_shows)
            .unwrap_or(defaults.max_unanswered_shows),
        max_distance_km: m.max_distance_km,
        latitude: m.latitude,
        longitude: m.longitude,
        outcome_email: m.outcome_email,
        alerts_per_patient_per_day: u32::try_from(m.alerts_per_patient_per_day)
            .unwrap_or(defaults.alerts_per_patient_per_day),
        display: AlertDisplay::parse(&m.display).unwrap_or(defaults.display),
    }
}

/// An administrator's body read as settings. The SDK's type ignores fields it does not know
/// (so that plugins read newer servers' replies); an administrator's unknown field is refused
/// here instead, as every JSON body of the API refuses them.
pub fn parse(body: &serde_json::Value) -> Result<PracticeSettings, ApiError> {
    if let Some(unknown) = body.as_object().and_then(|o| {
        o.keys()
            .find(|k| !PracticeSettings::FIELDS.contains(&k.as_str()))
    }) {
        return Err(ApiError::MalformedJson {
            path: format!("$.{unknown}"),
            message: format!(
                "unknown field `{unknown}`, expected one of {}",
                PracticeSettings::FIELDS
                    .iter()
                    .map(|f| format!("`{f}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        });
    }
    platform::extract::from_value(body)
}

/// Every problem with these settings.
pub fn check(s: &PracticeSettings) -> Vec<Detail> {
    let mut d = Vec::new();
    if !(1..=10).contains(&s.max_alerts) {
        d.push(Detail::new(
            "$.max_alerts",
            "out_of_range",
            "between 1 and 10",
        ));
    }
    if !(1..=100).contains(&s.max_unanswered_shows) {
        d.push(Detail::new(
            "$.max_unanswered_shows",
            "out_of_range",
            "between 1 and 100",
        ));
    }
    if !(1..=10).contains(&s.alerts_per_patient_per_day) {
        d.push(Detail::new(
            "$.alerts_per_patient_per_day",
            "out_of_range",
            "between 1 and 10",
        ));
    }
    if let Some(km) = s.max_distance_km {
        if !(km.is_finite() && km > 0.0 && km <= 20_000.0) {
            d.push(Detail::new(
                "$.max_distance_km",
                "out_of_range",
                "a distance above 0 and at most 20000 km",
            ));
        }
        if s.latitude.is_none() || s.longitude.is_none() {
            d.push(Detail::new(
                "$.max_distance_km",
                "location_required",
                "a distance limit needs the practice's latitude and longitude",
            ));
        }
    }
    if s.latitude.is_some_and(|l| !(-90.0..=90.0).contains(&l)) {
        d.push(Detail::new(
            "$.latitude",
            "out_of_range",
            "between -90 and 90",
        ));
    }
    if s.longitude.is_some_and(|l| !(-180.0..=180.0).contains(&l)) {
        d.push(Detail::new(
            "$.longitude",
            "out_of_range",
            "between -180 and 180",
        ));
    }
    if let Some(e) = &s.outcome_email
        && (e.len() > 254 || !e.contains('@') || e.chars().any(char::is_whitespace))
    {
        d.push(Detail::new(
            "$.outcome_email",
            "invalid_email",
            "an email address such as cabinet@example.fr",
        ));
    }
    d
}

/// A practice's settings (the defaults when none are stored).
pub async fn get<C: ConnectionTrait>(db: &C, practice: Uuid) -> Result<PracticeSettings, ApiError> {
    Ok(plugin_settings::Entity::find_by_id(practice)
        .one(db)
        .await?
        .map(of_row)
        .unwrap_or_default())
}

/// Sets a practice's settings, audited in the same transaction.
pub async fn set(
    db: &DatabaseConnection,
    actor: &Actor,
    practice: Uuid,
    new: PracticeSettings,
    now: DateTime<Utc>,
) -> Result<PracticeSettings, ApiError> {
    let details = check(&new);
    if !details.is_empty() {
        return Err(ApiError::Validation(details));
    }
    let txn = platform::db::write(db).await?;
    let org = organisation::Entity::find_by_id(practice)
        .one(&txn)
        .await?
        .ok_or_else(|| ApiError::NotFound("this organisation".into()))?;
    if org.kind != "practice" {
        return Err(ApiError::invalid(
            "$",
            "not_a_practice",
            "plugin settings are for practice organisations only",
        ));
    }
    let existing = plugin_settings::Entity::find_by_id(practice)
        .one(&txn)
        .await?;
    let before = existing.clone().map(of_row);
    let model = plugin_settings::ActiveModel {
        organisation_id: Set(practice),
        max_alerts: Set(i32::try_from(new.max_alerts).unwrap_or(1)),
        max_unanswered_shows: Set(i32::try_from(new.max_unanswered_shows).unwrap_or(1)),
        max_distance_km: Set(new.max_distance_km),
        latitude: Set(new.latitude),
        longitude: Set(new.longitude),
        outcome_email: Set(new.outcome_email.clone()),
        alerts_per_patient_per_day: Set(i32::try_from(new.alerts_per_patient_per_day).unwrap_or(1)),
        display: Set(new.display.as_str().into()),
        updated_at: Set(now),
    };
    if existing.is_some() {
        model.update(&txn).await?;
    } else {
        model.insert(&txn).await?;
    }
    let json = |s: &PracticeSettings| serde_json::to_value(s).map_err(anyhow::Error::from);
    audit::append(
        &txn,
        actor,
        "plugin_settings.set",
        "organisation",
        &practice.to_string(),
        before.as_ref().map(json).transpose()?.as_ref(),
        Some(&json(&new)?),
    )
    .await?;
    txn.commit().await?;
    Ok(new)
}
