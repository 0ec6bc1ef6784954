//! What the consent flow needs for a token: the token's row, the trial, its patient
//! information, the current consent document in the reader's language (the other language
//! when there is none in it), the comprehension questions and the sites, nearest first.
//! Looking a token up never consumes it (link prefetchers must not burn it).

use crate::plugin::consent_link::{self as tokens, Lookup};
use crate::registry::lifecycle::Status;
use crate::registry::questions::Question;
use platform::entities::{
    consent_document, consent_token, plugin_settings, site, trial, trial_version,
};
use platform::error::ApiError;
use plugin_sdk::Location;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

/// A consent flow, ready to show or to sign.
#[derive(Debug, Clone)]
pub struct Flow {
    /// The token's row (trial, practice, pseudonym, alert).
    pub token: consent_token::Model,
    /// The trial.
    pub trial: trial::Model,
    /// Its summary for GPs, when the definition has one.
    pub summary: Option<String>,
    /// The current consent document shown.
    pub document: consent_document::Model,
    /// The sponsor's comprehension questions.
    pub questions: Vec<Question>,
    /// The trial's sites, nearest to the practice first (when both have coordinates).
    pub sites: Vec<site::Model>,
}

impl Flow {
    /// The document's paragraphs (separated by blank lines).
    pub fn paragraphs(&self) -> Vec<&str> {
        self.document
            .body
            .split("\n\n")
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .collect()
    }

    /// The patient information's paragraphs.
    pub fn information(&self) -> Vec<&str> {
        self.trial
            .patient_information
            .as_deref()
            .unwrap_or_default()
            .split("\n\n")
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .collect()
    }
}

/// Sorts sites nearest first to `from`; sites without coordinates go last, in name order.
pub fn nearest_first(sites: &mut [site::Model], from: Option<Location>) {
    let key = |s: &site::Model| match (from, s.latitude, s.longitude) {
        (Some(p), Some(latitude), Some(longitude)) => p.distance_km(Location {
            latitude,
            longitude,
        }),
        _ => f64::INFINITY,
    };
    sites.sort_by(|a, b| key(a).total_cmp(&key(b)).then_with(|| a.name.cmp(&b.name)));
}

/// The flow of a valid token: 404 when unknown, 410 when expired or used, 409 when the trial
/// no longer recruits or has no consent document.
pub async fn load<C: ConnectionTrait>(
    db: &C,
    token: &str,
    lang: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Flow, ApiError> {
    let t = match tokens::lookup(db, token, now).await? {
        Lookup::Valid(t) => t,
        Lookup::Unknown => return Err(ApiError::NotFound("this link".into())),
        Lookup::Expired => return Err(ApiError::Gone("this link has expired".into())),
        Lookup::Used => return Err(ApiError::Gone("this link was already used".into())),
    };
    let tr = trial::Entity::find_by_id(t.trial_id)
        .one(db)
        .await?
        .ok_or_else(|| ApiError::NotFound("this link".into()))?;
    if tr.status != Status::Recruiting.as_str() {
        return Err(ApiError::InvalidState(format!(
            "this trial is {}: it no longer takes consents",
            tr.status
        )));
    }
    let summary = trial_version::Entity::find()
        .filter(trial_version::Column::TrialId.eq(t.trial_id))
        .filter(trial_version::Column::Version.eq(t.trial_version))
        .one(db)
        .await?
        .and_then(|v| v.definition.get("summary")?.as_str().map(str::to_string));
    let docs = consent_document::Entity::find()
        .filter(consent_document::Column::TrialId.eq(t.trial_id))
        .order_by_desc(consent_document::Column::Version)
        .all(db)
        .await?;
    let document = docs
        .iter()
        .find(|d| d.language == lang)
        .or_else(|| docs.first())
        .cloned()
        .ok_or_else(|| ApiError::InvalidState("this trial has no consent document yet".into()))?;
    let questions: Vec<Question> = tr
        .comprehension_questions
        .clone()
        .and_then(|v| serde_json::from_value(v).ok())
        .unwrap_or_default();
    let mut sites = site::Entity::find()
        .filter(site::Column::TrialId.eq(t.trial_id))
        .all(db)
        .await?;
    if sites.is_empty() {
        return Err(ApiError::InvalidState("this trial has no site yet".into()));
    }
    let here = plugin_settings::Entity::find_by_id(t.organisation_id)
        .one(db)
        .await?
        .and_then(|s| {
            Some(Location {
                latitude: s.latitude?,
                longitude: s.longitude?,
            })
        });
    nearest_first(&mut sites, here);
    Ok(Flow {
        token: t,
        trial: tr,
        summary,
        document,
        questions,
        sites,
    })
}
