//! The JSON the SDK and the server exchange: the one contract, which the server serialises
//! and parses on the plugin routes with these very types (and, with the `openapi` feature,
//! documents with them). Nothing clinical travels in the requests the SDK sends: events
//! carry a trial version, a pseudonym, a verdict and an answer.
//!
//! Parsing is lenient where the SDK reads (a field a newer server adds is ignored) and strict
//! where the server reads: events refuse unknown fields.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// `GET /api/v1/plugin/bundle`: every recruiting trial's current version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Bundle {
    /// The bundle's version (its ETag without quotes).
    pub version: String,
    /// The recruiting trials.
    pub trials: Vec<BundleTrial>,
}

/// One trial of the bundle.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
    /// The eligibility criteria (a `trials::Trial`).
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub definition: trials::Trial,
    /// The sites that recruit, with their coordinates when known (for the distance rule;
    /// empty when the server sends none).
    #[serde(default)]
    pub sites: Vec<Site>,
}

/// A recruiting site.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AlertVerdict {
    /// Every criterion met.
    Eligible,
    /// Nothing failed; something is to confirm with the patient.
    PossiblyEligible,
}

impl AlertVerdict {
    /// Every verdict an alert may carry.
    pub const ALL: [AlertVerdict; 2] = [AlertVerdict::Eligible, AlertVerdict::PossiblyEligible];

    /// The wire name (`eligible`, `possibly_eligible`).
    pub fn as_str(self) -> &'static str {
        match self {
            AlertVerdict::Eligible => "eligible",
            AlertVerdict::PossiblyEligible => "possibly_eligible",
        }
    }

    /// The verdict of a wire name.
    pub fn parse(s: &str) -> Option<AlertVerdict> {
        AlertVerdict::ALL.into_iter().find(|v| v.as_str() == s)
    }

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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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

impl ResponseKind {
    /// Every response.
    pub const ALL: [ResponseKind; 4] = [
        ResponseKind::Shown,
        ResponseKind::Accepted,
        ResponseKind::NotNow,
        ResponseKind::Declined,
    ];

    /// The wire name (`shown`, `accepted`, `not_now`, `declined`).
    pub fn as_str(self) -> &'static str {
        match self {
            ResponseKind::Shown => "shown",
            ResponseKind::Accepted => "accepted",
            ResponseKind::NotNow => "not_now",
            ResponseKind::Declined => "declined",
        }
    }

    /// The response of a wire name.
    pub fn parse(s: &str) -> Option<ResponseKind> {
        ResponseKind::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// Why a trial was declined.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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

    /// The reason of a wire name.
    pub fn parse(s: &str) -> Option<DeclineReason> {
        DeclineReason::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// One event: what the GP did with an alert. Its id is chosen by the SDK, so that sending
/// it twice records it once; the same id with other content is a conflict. Unknown fields
/// are refused.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Event {
    /// Client-side id (UUID v7): the idempotency key.
    pub id: Uuid,
    /// The alert it answers.
    pub alert_id: Uuid,
    /// Registry id of the trial.
    pub trial: Uuid,
    /// Version of the trial's definition the alert was built from (from 1).
    pub trial_version: u32,
    /// Pseudonymous patient id: HMAC-SHA-256 of the local patient id under the practice
    /// secret, 64 lowercase hex digits (the SDK's `pseudonym`).
    pub patient: String,
    /// The alert's verdict.
    pub verdict: AlertVerdict,
    /// What happened.
    pub response: ResponseKind,
    /// Why it was declined (declined only, and required then).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<DeclineReason>,
    /// Until when it is snoozed: not shown again before this date (not now only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snooze_until: Option<NaiveDate>,
    /// When, in UTC (RFC 3339).
    pub at: DateTime<Utc>,
}

/// `POST /api/v1/events` body. Unknown fields are refused.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct EventBatch {
    /// The events: at most 500 per request.
    pub events: Vec<Event>,
}

/// `POST /api/v1/events` reply.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EventResults {
    /// One result per event received, in order.
    pub results: Vec<EventResult>,
}

/// The fate of one event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum EventStatus {
    /// Recorded now.
    Recorded,
    /// Already recorded (same id).
    Duplicate,
}

impl EventStatus {
    /// The wire name (`recorded`, `duplicate`).
    pub fn as_str(self) -> &'static str {
        match self {
            EventStatus::Recorded => "recorded",
            EventStatus::Duplicate => "duplicate",
        }
    }
}

/// `GET /api/v1/plugin/suppressions` reply: the calling practice's answers, so that a
/// decline on one workstation holds on all.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Suppressions {
    /// One per (patient, trial) with something to suppress, by patient then trial.
    pub suppressions: Vec<Suppression>,
}

/// What the practice has answered for one (patient, trial).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
    /// The last day it was shown (for `alerts_per_patient_per_day`; absent from older
    /// servers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_shown: Option<NaiveDate>,
}

/// `GET /api/v1/plugin/settings` reply: the practice's alert-fatigue settings (also the body
/// an administrator puts). The defaults: one alert, three unanswered showings, no distance
/// limit, no outcome email.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PracticeSettings {
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
    /// At most this many different trials shown for one patient on one day, whatever the
    /// number of consultations or openings of the record (1 to 10; default 1, also when
    /// absent, as older servers and administrators send it).
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub alerts_per_patient_per_day: u32,
    /// How the embed shows an alert: `modal` (default, also when absent) or `banner`
    /// (a line the GP opens when they choose; nothing interrupts).
    #[serde(default, skip_serializing_if = "AlertDisplay::is_modal")]
    pub display: AlertDisplay,
}

fn one() -> u32 {
    1
}

// Defaults are left out of the JSON, so that a practice that changed nothing reads as it
// did before these settings existed.
#[allow(clippy::trivially_copy_pass_by_ref)]
fn is_one(n: &u32) -> bool {
    *n == 1
}

/// How the embed shows an alert.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AlertDisplay {
    /// A modal dialog over the record (focus on the dialog itself).
    #[default]
    Modal,
    /// A banner at the edge of the page; the pop-up opens in a side panel when the GP
    /// clicks it. Nothing takes the focus.
    Banner,
}

impl AlertDisplay {
    /// The default.
    #[allow(clippy::trivially_copy_pass_by_ref)]
    pub fn is_modal(&self) -> bool {
        *self == AlertDisplay::Modal
    }

    /// As the JSON spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            AlertDisplay::Modal => "modal",
            AlertDisplay::Banner => "banner",
        }
    }

    /// From its JSON spelling.
    pub fn parse(s: &str) -> Option<AlertDisplay> {
        match s {
            "modal" => Some(AlertDisplay::Modal),
            "banner" => Some(AlertDisplay::Banner),
            _ => None,
        }
    }
}

impl PracticeSettings {
    /// The name of every field, as the JSON spells it.
    pub const FIELDS: [&'static str; 8] = [
        "max_alerts",
        "max_unanswered_shows",
        "max_distance_km",
        "latitude",
        "longitude",
        "outcome_email",
        "alerts_per_patient_per_day",
        "display",
    ];
}

impl Default for PracticeSettings {
    fn default() -> PracticeSettings {
        PracticeSettings {
            max_alerts: 1,
            max_unanswered_shows: 3,
            max_distance_km: None,
            latitude: None,
            longitude: None,
            outcome_email: None,
            alerts_per_patient_per_day: 1,
            display: AlertDisplay::Modal,
        }
    }
}

/// `GET /api/v1/plugin/outcomes`: what became of the practice's referrals, oldest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReferralOutcomes {
    /// At most 500 per call; ask again with `since` = the last `at`.
    pub outcomes: Vec<ReferralOutcome>,
}

/// One status change of a referral the practice made (no patient identity: the pseudonym
/// and the alert it came from).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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

#[cfg(test)]
mod tests;
