//! Alerts: the trials of a bundle that a patient may join, with why and what to confirm, in
//! French and English. The SDK builds them in the EHR; the server builds the very same ones
//! for `POST /api/v1/match`.

use crate::fatigue::{self, Candidate, History, Rules};
use crate::wire::{AlertVerdict, Bundle, BundleTrial};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use trials::{Locale, Patient, PreparedPatient, TrialIndex, TrialResult};
use uuid::Uuid;

/// A sentence in both languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Text {
    /// English.
    pub en: String,
    /// French.
    pub fr: String,
}

impl Text {
    /// The sentence in `locale`.
    pub fn get(&self, locale: Locale) -> &str {
        match locale {
            Locale::En => &self.en,
            Locale::Fr => &self.fr,
        }
    }
}

/// A trial the patient may join, as the GP sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Alert {
    /// This alert's id (events and the consent token are bound to it).
    pub id: Uuid,
    /// Registry id of the trial.
    pub trial: Uuid,
    /// The definition's id (a slug).
    pub trial_id: String,
    /// Version of the definition the alert was built from.
    pub trial_version: u32,
    /// Title.
    pub title: String,
    /// Acronym.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acronym: Option<String>,
    /// The two-line summary for GPs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// Eligible or possibly eligible.
    pub verdict: AlertVerdict,
    /// The inclusion criteria met, with their evidence ("HbA1c 8.1 % on 14/09/2026 ≥ 7.5 %").
    pub reasons: Vec<Text>,
    /// What to confirm with the patient (empty when eligible).
    pub to_confirm: Vec<Text>,
}

impl Alert {
    /// Builds the alert of a result.
    pub fn new(id: Uuid, trial: &BundleTrial, result: &TrialResult) -> Option<Alert> {
        let verdict = AlertVerdict::of(result.verdict)?;
        let reasons = result
            .met()
            .into_iter()
            .map(|c| Text {
                en: trials::explain::sentence(c, Locale::En),
                fr: trials::explain::sentence(c, Locale::Fr),
            })
            .collect();
        let (en, fr) = (result.explain(Locale::En), result.explain(Locale::Fr));
        let to_confirm = en
            .to_confirm
            .into_iter()
            .zip(fr.to_confirm)
            .map(|(en, fr)| Text { en, fr })
            .collect();
        Some(Alert {
            id,
            trial: trial.id,
            trial_id: trial.trial_id.clone(),
            trial_version: trial.version,
            title: trial.title.clone(),
            acronym: trial.acronym.clone(),
            summary: trial.summary.clone().or_else(|| result.summary.clone()),
            verdict,
            reasons,
            to_confirm,
        })
    }
}

/// A bundle ready to match patients: its valid trials indexed.
#[derive(Debug)]
pub struct Matcher {
    trials: Vec<BundleTrial>,
    index: TrialIndex,
    skipped: Vec<String>,
}

impl Matcher {
    /// Indexes the bundle's trials. A trial whose definition does not validate is skipped
    /// (listed by [`Matcher::skipped`]) rather than stopping every other one.
    pub fn new(bundle: &Bundle) -> Matcher {
        let mut trials = bundle.trials.clone();
        let mut skipped = Vec::new();
        loop {
            let definitions = trials
                .iter()
                .map(|t| {
                    let mut d = t.definition.clone();
                    d.version = t.version;
                    d
                })
                .collect();
            match TrialIndex::new(definitions) {
                Ok(index) => {
                    return Matcher {
                        trials,
                        index,
                        skipped,
                    };
                }
                Err(invalid) => {
                    let before = trials.len();
                    trials.retain(|t| t.definition.id != invalid.trial_id);
                    skipped.push(invalid.trial_id);
                    if trials.len() == before {
                        // Cannot happen (the invalid trial is one of these); stay safe.
                        trials.clear();
                    }
                }
            }
        }
    }

    /// The trials of the bundle that were skipped as invalid (definition ids).
    pub fn skipped(&self) -> &[String] {
        &self.skipped
    }

    /// Number of indexed trials.
    pub fn len(&self) -> usize {
        self.trials.len()
    }

    /// Whether no trial is indexed.
    pub fn is_empty(&self) -> bool {
        self.trials.is_empty()
    }

    /// The observations the indexed trials can read at `date`: what a service querying the
    /// EHR's FHIR server asks for (see `trials::need`).
    pub fn observation_need(&self, date: NaiveDate) -> trials::ObservationNeed {
        self.index.observation_need(date)
    }

    /// The trials the patient may join, with their verdicts only (fast path).
    pub fn candidates(&self, patient: &PreparedPatient, date: NaiveDate) -> Vec<Candidate<'_>> {
        self.index
            .verdicts(patient, date)
            .into_iter()
            .filter_map(|(position, v)| {
                let trial = self.trials.get(position)?;
                Some(Candidate {
                    position,
                    trial: trial.id,
                    verdict: AlertVerdict::of(v)?,
                    sites: &trial.sites,
                })
            })
            .collect()
    }

    /// The alert of one candidate, with its evidence.
    pub fn alert(
        &self,
        candidate: &Candidate,
        patient: &PreparedPatient,
        date: NaiveDate,
        id: Uuid,
    ) -> Option<Alert> {
        let trial = self.trials.get(candidate.position)?;
        let result = self.index.result_at(candidate.position, patient, date)?;
        Alert::new(id, trial, &result)
    }

    /// The alerts to show `patient` (pseudonym `pseudonym`) at the consultation of `date`
    /// under `rules` and `history`, best first. `new_id` names each alert.
    pub fn alerts(
        &self,
        rules: &Rules,
        history: &History,
        pseudonym: &str,
        patient: &Patient,
        date: NaiveDate,
        mut new_id: impl FnMut() -> Uuid,
    ) -> Vec<Alert> {
        let prepared = PreparedPatient::new(patient);
        let candidates = self.candidates(&prepared, date);
        fatigue::select(rules, history, pseudonym, date, candidates)
            .iter()
            .filter_map(|c| self.alert(c, &prepared, date, new_id()))
            .collect()
    }
}

#[cfg(test)]
mod tests;
