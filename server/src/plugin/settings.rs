//! A practice's alert-fatigue settings: at most `max_alerts` per consultation, a trial
//! shown `max_unanswered_shows` times without an answer stops being shown, and optionally
//! only trials with a site within `max_distance_km` of the practice. Set by administrators
//! (audited); read by the practice's plugins and applied by `POST /api/v1/match`.

use chrono::Utc;
use platform::audit::{self, Actor};
use platform::entities::{organisation, plugin_settings};
use platform::error::{ApiError, Detail};
use sea_orm::{ActiveModelTrait, ConnectionTrait, DatabaseConnection, EntityTrait, Set};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// Alerts per consultation when nothing is set.
pub const DEFAULT_MAX_ALERTS: u32 = 1;
/// Unanswered shows before a trial stops being shown, when nothing is set.
pub const DEFAULT_MAX_UNANSWERED_SHOWS: u32 = 3;

/// A practice's plugin settings (also the body of the admin `PUT`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PluginSettings {
    /// At most this many alerts per consultation (1 to 10).
    pub max_alerts: u32,
    /// A trial shown this many times without an answer stops being shown (1 to 100).
    pub max_unanswered_shows: u32,
    /// Only trials with a site within this many kilometres of the practice (needs its
    /// latitude and longitude).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_distance_km: Option<f64>,
    /// The practice's latitude.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latitude: Option<f64>,
    /// The practice's longitude.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub longitude: Option<f64>,
    /// Where referral outcomes ("your patient was enrolled…") are emailed, if anywhere.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome_email: Option<String>,
}

impl Default for PluginSettings {
    fn default() -> PluginSettings {
        PluginSettings {
            max_alerts: DEFAULT_MAX_ALERTS,
            max_unanswered_shows: DEFAULT_MAX_UNANSWERED_SHOWS,
            max_distance_km: None,
            latitude: None,
            longitude: None,
            outcome_email: None,
        }
    }
}

impl From<plugin_settings::Model> for PluginSettings {
    fn from(m: plugin_settings::Model) -> PluginSettings {
        PluginSettings {
            max_alerts: u32::try_from(m.max_alerts).unwrap_or(DEFAULT_MAX_ALERTS),
            max_unanswered_shows: u32::try_from(m.max_unanswered_shows)
                .unwrap_or(DEFAULT_MAX_UNANSWERED_SHOWS),
            max_distance_km: m.max_distance_km,
            latitude: m.latitude,
            longitude: m.longitude,
            outcome_email: m.outcome_email,
        }
    }
}

impl PluginSettings {
    /// Every problem with these settings.
    pub fn check(&self) -> Vec<Detail> {
        let mut d = Vec::new();
        if !(1..=10).contains(&self.max_alerts) {
            d.push(Detail::new(
                "$.max_alerts",
                "out_of_range",
                "between 1 and 10",
            ));
        }
        if !(1..=100).contains(&self.max_unanswered_shows) {
            d.push(Detail::new(
                "$.max_unanswered_shows",
                "out_of_range",
                "between 1 and 100",
            ));
        }
        if let Some(km) = self.max_distance_km {
            if !(km.is_finite() && km > 0.0 && km <= 20_000.0) {
                d.push(Detail::new(
                    "$.max_distance_km",
                    "out_of_range",
                    "a distance above 0 and at most 20000 km",
                ));
            }
            if self.latitude.is_none() || self.longitude.is_none() {
                d.push(Detail::new(
                    "$.max_distance_km",
                    "location_required",
                    "a distance limit needs the practice's latitude and longitude",
                ));
            }
        }
        if self.latitude.is_some_and(|l| !(-90.0..=90.0).contains(&l)) {
            d.push(Detail::new(
                "$.latitude",
                "out_of_range",
                "between -90 and 90",
            ));
        }
        if self
            .longitude
            .is_some_and(|l| !(-180.0..=180.0).contains(&l))
        {
            d.push(Detail::new(
                "$.longitude",
                "out_of_range",
                "between -180 and 180",
            ));
        }
        if let Some(e) = &self.outcome_email
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
}

/// A practice's settings (the defaults when none are stored).
pub async fn get<C: ConnectionTrait>(db: &C, practice: Uuid) -> Result<PluginSettings, ApiError> {
    Ok(plugin_settings::Entity::find_by_id(practice)
        .one(db)
        .await?
        .map(PluginSettings::from)
        .unwrap_or_default())
}

/// Sets a practice's settings, audited in the same transaction.
pub async fn set(
    db: &DatabaseConnection,
    actor: &Actor,
    practice: Uuid,
    new: PluginSettings,
) -> Result<PluginSettings, ApiError> {
    let details = new.check();
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
    let before = existing.clone().map(PluginSettings::from);
    let model = plugin_settings::ActiveModel {
        organisation_id: Set(practice),
        max_alerts: Set(i32::try_from(new.max_alerts).unwrap_or(1)),
        max_unanswered_shows: Set(i32::try_from(new.max_unanswered_shows).unwrap_or(1)),
        max_distance_km: Set(new.max_distance_km),
        latitude: Set(new.latitude),
        longitude: Set(new.longitude),
        outcome_email: Set(new.outcome_email.clone()),
        updated_at: Set(Utc::now()),
    };
    if existing.is_some() {
        model.update(&txn).await?;
    } else {
        model.insert(&txn).await?;
    }
    let json = |s: &PluginSettings| serde_json::to_value(s).map_err(anyhow::Error::from);
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
