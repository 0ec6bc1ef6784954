//! The JSON the SDK and the server exchange. Nothing clinical travels in the requests the
//! SDK sends: events carry a trial version, a pseudonym, a verdict and an answer.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// `GET /api/v1/plugin/bundle`: every recruiting trial's current version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Bundle {
    /// The bundle's version (its ETag without quotes).
    pub version: String,
    /// The recruiting trials.
    pub trials: Vec<BundleTrial>,
}

/// One trial of the bundle.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BundleTrial {
    /// Registry id (what events name).
    pub id: Uuid,
    /// The definition's id (a slug).
    pub trial_id: String,
    /// Version of the definition.
    pub version: u32,
    /// Title.
    pub title: String,
    /// Acronym.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acronym: Option<String>,
    /// The two-line summary for GPs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// The eligibility criteria.
    pub definition: trials::Trial,
    /// The sites that recruit (empty when the server sends none).
    #[serde(default)]
    pub sites: Vec<Site>,
}

/// A recruiting site.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Site {
    /// Site id.
    pub id: Uuid,
    /// Name.
    pub name: String,
    /// Latitude in degrees, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latitude: Option<f64>,
    /// Longitude in degrees, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub longitude: Option<f64>,
}

/// The verdict an alert carries: only trials the patient may join are alerted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertVerdict {
    /// Every criterion met.
    Eligible,
    /// Nothing failed; something is to confirm with the patient.
    PossiblyEligible,
}

impl AlertVerdict {
    /// The alert verdict of a matching verdict (`None` for ineligible).
    pub fn of(verdict: trials::Verdict) -> Option<AlertVerdict> {
        match verdict {
            trials::Verdict::Eligible => Some(AlertVerdict::Eligible),
            trials::Verdict::PossiblyEligible => Some(AlertVerdict::PossiblyEligible),
            trials::Verdict::Ineligible => None,
        }
    }
}

/// What happened to an alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResponseKind {
    /// The pop-up was shown (sent by `check`).
    Shown,
    /// The GP proposed the trial now: the consent flow starts.
    Accepted,
    /// Not now: snoozed until a date.
    NotNow,
    /// Declined: never shown again for this patient.
    Declined,
}

/// Why a trial was declined.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeclineReason {
    /// Not eligible after all.
    NotEligible,
    /// The patient is not interested.
    NotInterested,
    /// No time.
    NoTime,
    /// Another reason.
    Other,
}

impl DeclineReason {
    /// Every reason, in the order the pop-up lists them.
    pub const ALL: [DeclineReason; 4] = [
        DeclineReason::NotEligible,
        DeclineReason::NotInterested,
        DeclineReason::NoTime,
        DeclineReason::Other,
    ];

    /// The wire name (`not_eligible`…).
    pub fn as_str(self) -> &'static str {
        match self {
            DeclineReason::NotEligible => "not_eligible",
            DeclineReason::NotInterested => "not_interested",
            DeclineReason::NoTime => "no_time",
            DeclineReason::Other => "other",
        }
    }
}

/// One event: what the GP did with an alert. Its id is chosen by the SDK, so that sending
/// it twice records it once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Client-side id (UUID v7).
    pub id: Uuid,
    /// The alert it answers.
    pub alert_id: Uuid,
    /// Registry id of the trial.
    pub trial: Uuid,
    /// Version of the trial's definition the alert was built from.
    pub trial_version: u32,
    /// Pseudonymous patient id: 64 hex digits (see [`crate::pseudonym`]).
    pub patient: String,
    /// The alert's verdict.
    pub verdict: AlertVerdict,
    /// What happened.
    pub response: ResponseKind,
    /// Why it was declined (declined only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<DeclineReason>,
    /// Until when it is snoozed (not now only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snooze_until: Option<NaiveDate>,
    /// When, in UTC.
    pub at: DateTime<Utc>,
}

/// `POST /api/v1/events` body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventBatch {
    /// The events.
    pub events: Vec<Event>,
}

/// `POST /api/v1/events` reply.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventResults {
    /// One result per event received.
    pub results: Vec<EventResult>,
}

/// The fate of one event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventResult {
    /// The event's id.
    pub id: Uuid,
    /// Recorded now, or already recorded before.
    pub status: EventStatus,
    /// For an accepted event: where the consent flow starts (a short-lived single-use token).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consent_url: Option<String>,
}

/// Whether an event was new.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventStatus {
    /// Recorded now.
    Recorded,
    /// Already recorded (same id).
    Duplicate,
}

/// `GET /api/v1/plugin/suppressions` reply: the calling practice's answers, so that a
/// decline on one workstation holds on all.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Suppressions {
    /// One per (patient, trial) with an answer or unanswered showings.
    pub suppressions: Vec<Suppression>,
}

/// What the practice has answered for one (patient, trial).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Suppression {
    /// Pseudonymous patient id.
    pub patient: String,
    /// Registry id of the trial.
    pub trial: Uuid,
    /// Declined: never shown again.
    #[serde(default)]
    pub declined: bool,
    /// Snoozed until this date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snoozed_until: Option<NaiveDate>,
    /// Times shown since the last answer.
    #[serde(default)]
    pub shown_unanswered: u32,
}

/// `GET /api/v1/plugin/settings` reply: the practice's alert-fatigue settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PracticeSettings {
    /// At most this many alerts per consultation.
    pub max_alerts: u32,
    /// A trial shown this many times without an answer stops being shown.
    pub max_unanswered_shows: u32,
    /// Only trials with a site within this distance of the practice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_distance_km: Option<f64>,
    /// The practice's latitude.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latitude: Option<f64>,
    /// The practice's longitude.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub longitude: Option<f64>,
}

#[cfg(test)]
mod tests;

/// `GET /api/v1/plugin/outcomes`: what became of the practice's referrals, oldest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReferralOutcomes {
    /// At most 500 per call; ask again with `since` = the last `at`.
    pub outcomes: Vec<ReferralOutcome>,
}

/// One status change of a referral the practice made (no patient identity: the pseudonym
/// and the alert it came from).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReferralOutcome {
    /// The referral.
    pub referral: Uuid,
    /// The accepted alert.
    pub alert_id: Uuid,
    /// The trial.
    pub trial: Uuid,
    /// The patient's pseudonym (as the practice computed it).
    pub patient: String,
    /// `referred`, `contacted`, `screening`, `enrolled`, `screen_failed`, `declined` or
    /// `withdrawn`.
    pub status: String,
    /// For an exit: `not_meeting_criteria`, `declined` or `other`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The coordinator's note.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// When.
    pub at: DateTime<Utc>,
}
