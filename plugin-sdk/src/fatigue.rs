//! Alert-fatigue rules, pure: which of the trials a patient may join are shown, and in what
//! order. Defaults: one alert per consultation, eligible before possibly eligible; a
//! declined trial never again for that patient; a snoozed one not before its date; a trial
//! shown three times without an answer no more (a pop-up closed without an answer is a
//! showing without an answer); at most one trial a day per patient, whatever the number of
//! consultations or openings of the record (`alerts_per_patient_per_day`): an opening
//! after an answer shows no other trial that day, one after a pop-up closed without an
//! answer may show the same trial again (one more unanswered showing); optionally only
//! trials with a site near the practice.

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

/// How long "not now" snoozes a trial, in days: the pop-up's button says so and the embed
/// (`static/inclusio.js`, through the pop-up's `data-snooze-days`) snoozes that long.
pub const SNOOZE_DAYS: u32 = 30;

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
    /// At most this many different trials are shown for one patient on one day, over every
    /// consultation and opening of the record (default 1; never fewer than `max_alerts`).
    /// A trial already shown that day may be shown again (it is the same alert).
    pub alerts_per_patient_per_day: usize,
}

impl Default for Rules {
    fn default() -> Rules {
        Rules {
            max_alerts: 1,
            max_unanswered_shows: 3,
            max_distance_km: None,
            practice_location: None,
            alerts_per_patient_per_day: 1,
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
            alerts_per_patient_per_day: s.alerts_per_patient_per_day as usize,
        }
    }
}

impl Rules {
    /// The trials one patient may be shown on one day: `alerts_per_patient_per_day`, and at
    /// least `max_alerts` (a practice showing two alerts per consultation shows them at the
    /// day's first one).
    pub fn per_day(&self) -> usize {
        self.alerts_per_patient_per_day.max(self.max_alerts)
    }

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
    /// The last day it was shown (answered or not).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_shown: Option<NaiveDate>,
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

    /// Records an event of day `on`: a showing counts towards `max_unanswered_shows` (a
    /// pop-up closed without an answer stays a showing without an answer) and towards the
    /// day's `alerts_per_patient_per_day`; an answer resets the count; a decline is final;
    /// not now snoozes until `snooze_until`.
    pub fn record(
        &mut self,
        patient: &str,
        trial: Uuid,
        response: ResponseKind,
        snooze_until: Option<NaiveDate>,
        on: NaiveDate,
    ) {
        let e = self.entry(patient, trial);
        match response {
            ResponseKind::Shown => {
                e.shown_unanswered = e.shown_unanswered.saturating_add(1);
                e.last_shown = e.last_shown.max(Some(on));
            }
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
        e.last_shown = e.last_shown.max(s.last_shown);
    }

    /// How many different trials were shown to `patient` on `day`.
    pub fn shown_on(&self, patient: &str, day: NaiveDate) -> usize {
        self.patients.get(patient).map_or(0, |trials| {
            trials
                .values()
                .filter(|e| e.last_shown == Some(day))
                .count()
        })
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
    /// The patient was already shown `alerts_per_patient_per_day` trials today: the next
    /// trial waits for a later consultation.
    DailyLimit,
}

/// The decision for every candidate, ranked: eligible before possibly eligible, then in
/// the given order. The first allowed ones are [`Decision::Shown`]: at most `max_alerts`,
/// and no trial new to the patient's day once [`Rules::per_day`] trials were shown to them
/// on `today` (those may be shown again).
pub fn decide<'a>(
    rules: &Rules,
    history: &History,
    patient: &str,
    today: NaiveDate,
    mut candidates: Vec<Candidate<'a>>,
) -> Vec<(Candidate<'a>, Decision)> {
    candidates.sort_by_key(|c| c.verdict);
    let mut shown = 0;
    // The day's other trials: a trial already shown today may be shown again (an opening
    // after a pop-up closed without an answer: one more unanswered showing), a new one only
    // while the day has room.
    let shown_today = |e: Option<&Entry>| e.is_some_and(|e| e.last_shown == Some(today));
    let mut today_left = rules
        .per_day()
        .saturating_sub(history.shown_on(patient, today));
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
            } else if today_left == 0 && !shown_today(e) {
                Decision::DailyLimit
            } else {
                shown += 1;
                if !shown_today(e) {
                    today_left = today_left.saturating_sub(1);
                }
                Decision::Shown
            };
            (c, decision)
        })
        .collect()
}

/// The candidates to show, best first, at most `max_alerts` (and what is left of the
/// patient's day).
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
