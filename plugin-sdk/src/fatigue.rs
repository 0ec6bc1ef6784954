//! Alert-fatigue rules, pure: which of the trials a patient may join are shown, and in what
//! order. Defaults: one alert per consultation, eligible before possibly eligible; a
//! declined trial never again for that patient; a snoozed one not before its date; a trial
//! shown three times without an answer no more; optionally only trials with a site near
//! the practice.

use crate::wire::{AlertVerdict, PracticeSettings, ResponseKind, Site, Suppression};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use uuid::Uuid;

/// A point on Earth, in degrees.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Location {
    /// Latitude.
    pub latitude: f64,
    /// Longitude.
    pub longitude: f64,
}

impl Location {
    /// Great-circle distance in km (haversine, mean Earth radius).
    pub fn distance_km(self, other: Location) -> f64 {
        let (la1, la2) = (self.latitude.to_radians(), other.latitude.to_radians());
        let dla = la2 - la1;
        let dlo = (other.longitude - self.longitude).to_radians();
        let a = (dla / 2.0).sin().powi(2) + la1.cos() * la2.cos() * (dlo / 2.0).sin().powi(2);
        2.0 * 6371.0088 * a.sqrt().min(1.0).asin()
    }
}

/// A practice's rules.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rules {
    /// At most this many alerts per consultation (default 1).
    pub max_alerts: usize,
    /// A trial shown this many times without an answer stops being shown (default 3).
    pub max_unanswered_shows: u32,
    /// Only trials with a site within this distance of the practice (default: no limit).
    pub max_distance_km: Option<f64>,
    /// Where the practice is (needed by `max_distance_km`).
    pub practice_location: Option<Location>,
}

impl Default for Rules {
    fn default() -> Rules {
        Rules {
            max_alerts: 1,
            max_unanswered_shows: 3,
            max_distance_km: None,
            practice_location: None,
        }
    }
}

impl From<&PracticeSettings> for Rules {
    fn from(s: &PracticeSettings) -> Rules {
        Rules {
            max_alerts: s.max_alerts as usize,
            max_unanswered_shows: s.max_unanswered_shows,
            max_distance_km: s.max_distance_km,
            practice_location: s
                .latitude
                .zip(s.longitude)
                .map(|(latitude, longitude)| Location {
                    latitude,
                    longitude,
                }),
        }
    }
}

impl Rules {
    /// Whether a trial with these sites is near enough. No limit, or no practice location:
    /// yes. A trial none of whose sites has coordinates cannot be placed and is kept.
    /// Otherwise some site must be within `max_distance_km`.
    pub fn near(&self, sites: &[Site]) -> bool {
        let (Some(max), Some(here)) = (self.max_distance_km, self.practice_location) else {
            return true;
        };
        let mut located = sites.iter().filter_map(|s| {
            s.latitude
                .zip(s.longitude)
                .map(|(latitude, longitude)| Location {
                    latitude,
                    longitude,
                })
        });
        let mut any = false;
        let near = located.any(|l| {
            any = true;
            here.distance_km(l) <= max
        });
        near || !any
    }
}

/// What the practice knows about one (patient, trial).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// Declined: never shown again.
    #[serde(default)]
    pub declined: bool,
    /// Snoozed: not shown before this date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snoozed_until: Option<NaiveDate>,
    /// Times shown since the last answer.
    #[serde(default)]
    pub shown_unanswered: u32,
}

/// Per patient pseudonym, per trial registry id: the answers and showings so far.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct History {
    /// Pseudonym → trial → entry.
    #[serde(default)]
    pub patients: BTreeMap<String, BTreeMap<Uuid, Entry>>,
}

impl History {
    /// The entry of (patient, trial), if any.
    pub fn get(&self, patient: &str, trial: Uuid) -> Option<&Entry> {
        self.patients.get(patient)?.get(&trial)
    }

    fn entry(&mut self, patient: &str, trial: Uuid) -> &mut Entry {
        self.patients
            .entry(patient.to_string())
            .or_default()
            .entry(trial)
            .or_default()
    }

    /// Records an event: a showing counts towards `max_unanswered_shows`; an answer
    /// resets the count; a decline is final; not now snoozes until `snooze_until`.
    pub fn record(
        &mut self,
        patient: &str,
        trial: Uuid,
        response: ResponseKind,
        snooze_until: Option<NaiveDate>,
    ) {
        let e = self.entry(patient, trial);
        match response {
            ResponseKind::Shown => e.shown_unanswered = e.shown_unanswered.saturating_add(1),
            ResponseKind::Accepted => e.shown_unanswered = 0,
            ResponseKind::NotNow => {
                e.shown_unanswered = 0;
                e.snoozed_until = e.snoozed_until.max(snooze_until);
            }
            ResponseKind::Declined => {
                e.shown_unanswered = 0;
                e.declined = true;
            }
        }
    }

    /// Merges what the server knows (answers from the practice's other workstations): a
    /// decline anywhere holds, the later snooze wins, the larger count of showings wins.
    pub fn merge(&mut self, s: &Suppression) {
        let e = self.entry(&s.patient, s.trial);
        e.declined |= s.declined;
        e.snoozed_until = e.snoozed_until.max(s.snoozed_until);
        e.shown_unanswered = e.shown_unanswered.max(s.shown_unanswered);
    }
}

/// A trial the patient may join, before the rules.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate<'a> {
    /// Position in the bundle / index.
    pub position: usize,
    /// Registry id.
    pub trial: Uuid,
    /// Verdict.
    pub verdict: AlertVerdict,
    /// Recruiting sites.
    pub sites: &'a [Site],
}

/// Why a candidate is or is not shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// Shown.
    Shown,
    /// Declined before for this patient.
    Declined,
    /// Snoozed until a later date.
    Snoozed,
    /// Shown `max_unanswered_shows` times without an answer.
    Unanswered,
    /// No site near the practice.
    TooFar,
    /// Ranked below `max_alerts` others.
    OverLimit,
}

/// The decision for every candidate, ranked: eligible before possibly eligible, then in
/// the given order. The first `max_alerts` allowed ones are [`Decision::Shown`].
pub fn decide<'a>(
    rules: &Rules,
    history: &History,
    patient: &str,
    today: NaiveDate,
    mut candidates: Vec<Candidate<'a>>,
) -> Vec<(Candidate<'a>, Decision)> {
    candidates.sort_by_key(|c| c.verdict);
    let mut shown = 0;
    candidates
        .into_iter()
        .map(|c| {
            let e = history.get(patient, c.trial);
            let decision = if e.is_some_and(|e| e.declined) {
                Decision::Declined
            } else if e.and_then(|e| e.snoozed_until).is_some_and(|d| today < d) {
                Decision::Snoozed
            } else if e.is_some_and(|e| e.shown_unanswered >= rules.max_unanswered_shows) {
                Decision::Unanswered
            } else if !rules.near(c.sites) {
                Decision::TooFar
            } else if shown >= rules.max_alerts {
                Decision::OverLimit
            } else {
                shown += 1;
                Decision::Shown
            };
            (c, decision)
        })
        .collect()
}

/// The candidates to show, best first, at most `max_alerts`.
pub fn select<'a>(
    rules: &Rules,
    history: &History,
    patient: &str,
    today: NaiveDate,
    candidates: Vec<Candidate<'a>>,
) -> Vec<Candidate<'a>> {
    decide(rules, history, patient, today, candidates)
        .into_iter()
        .filter(|(_, d)| *d == Decision::Shown)
        .map(|(c, _)| c)
        .collect()
}

#[cfg(test)]
mod tests;
