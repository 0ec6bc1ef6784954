//! What observations a set of compiled trials can read: the codes, how far back, and
//! whether social-history items (smoking status…) are needed. A service that queries an
//! EHR's FHIR server asks for these only ([`crate::TrialIndex::observation_need`]), instead
//! of the patient's whole history of labs and vital signs.
//!
//! The need is *enough*: evaluating a record restricted to it
//! ([`ObservationNeed::restrict`]) gives every trial the verdict it has on the whole record
//! (a property test checks it). It is built from the compiled criteria, so it holds exactly
//! the codes evaluation reads:
//!
//! - every code of every observation leaf (named code sets resolved, inline sets too), in
//!   inclusion and exclusion criteria, under `not` and groups alike;
//! - for the systolic and diastolic blood pressure (LOINC 8480-6, 8462-4), also the panel
//!   codes a FHIR server files them under ([`BLOOD_PRESSURE_PANELS`]): the two values are
//!   `component`s of one Observation coded with the panel, which a search by the
//!   component's code does not find;
//! - for a BMI leaf, the recorded BMI and the weight and height it is derived from;
//! - the earliest day a value can count: the start of the widest window at the reference
//!   date, a year earlier for BMI (a weight is paired with a height up to a year before it).
//!   `None` (all history) as soon as one value leaf looks at all history (no window, or
//!   only `to`): its undated values count too;
//! - `social_history` when a leaf tests history items (smoking, alcohol…): in FHIR they are
//!   `social-history` Observations whose *value* holds the code, so a query by code cannot
//!   find them; they are asked for by category, over all history (a history leaf may need
//!   the first occurrence ever).

use crate::catalogue;
use crate::codes::{CodeSystem, NormCode};
use crate::compile::{CNode, ValueSource};
use crate::eval::LONGEST_HEIGHT_GAP_DAYS;
use crate::patient::{EventKind, Observation, Patient};
use chrono::{Days, NaiveDate};
use std::collections::BTreeSet;

/// LOINC systolic and diastolic blood pressure: the components of the panels.
pub const BLOOD_PRESSURE_COMPONENTS: [&str; 2] = ["8480-6", "8462-4"];

/// LOINC blood pressure panels, whose `component`s hold the systolic and diastolic values:
/// blood pressure panel with all children optional (85354-9), systolic and diastolic
/// (55284-4), and the older panel (35094-2).
pub const BLOOD_PRESSURE_PANELS: [&str; 3] = ["85354-9", "55284-4", "35094-2"];

/// The observations some trials can read. Build it with
/// [`crate::TrialIndex::observation_need`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ObservationNeed {
    codes: BTreeSet<(CodeSystem, NormCode)>,
    /// Whether some value leaf looks at all history.
    unbounded: bool,
    earliest: Option<NaiveDate>,
    social_history: bool,
}

impl ObservationNeed {
    /// The codes whose observations can be read, each once, in a stable order (by system,
    /// then by the normalised code's order). Blood pressure panels are among them when a component is.
    pub fn codes(&self) -> impl Iterator<Item = (CodeSystem, &NormCode)> + '_ {
        self.codes.iter().map(|(s, c)| (*s, c))
    }

    /// How many codes [`ObservationNeed::codes`] gives.
    pub fn code_count(&self) -> usize {
        self.codes.len()
    }

    /// The earliest day a value of these codes can count; `None` when every day can (some
    /// criterion looks at all history, undated values included) or when no code is needed.
    pub fn since(&self) -> Option<NaiveDate> {
        if self.unbounded { None } else { self.earliest }
    }

    /// Whether social-history items (smoking status and the like) are needed, over all
    /// history: they are found by category, not by code.
    pub fn social_history(&self) -> bool {
        self.social_history
    }

    /// Whether nothing is needed: no code, no social history.
    pub fn is_empty(&self) -> bool {
        self.codes.is_empty() && !self.social_history
    }

    /// Whether `code` of `system` (as recorded: any spelling of the system, code not yet
    /// normalised) is a needed code.
    pub fn wants_code(&self, system: &str, code: &str) -> bool {
        CodeSystem::from_uri(system)
            .and_then(|s| s.normalize(code).ok().map(|c| (s, c)))
            .is_some_and(|key| self.codes.contains(&key))
    }

    /// Whether a record's observation is needed: a needed code, on or after
    /// [`ObservationNeed::since`] when there is one (an undated value is then not needed).
    pub fn wants(&self, observation: &Observation) -> bool {
        self.wants_code(&observation.system, &observation.code)
            && self
                .since()
                .is_none_or(|since| observation.date.is_some_and(|d| d >= since))
    }

    /// The record with only what the need covers: the needed observations, and history
    /// items only when social history is needed. Everything else (demographics, other
    /// events, unreadable counts) is kept. What a FHIR server answering the need's queries
    /// would give.
    pub fn restrict(&self, patient: &Patient) -> Patient {
        Patient {
            observations: patient
                .observations
                .iter()
                .filter(|o| self.wants(o))
                .cloned()
                .collect(),
            events: patient
                .events
                .iter()
                .filter(|e| self.social_history || e.kind != EventKind::History)
                .cloned()
                .collect(),
            ..patient.clone()
        }
    }

    /// Adds what one compiled criterion can read at `reference`.
    pub(crate) fn add(&mut self, node: &CNode, reference: NaiveDate) {
        match node {
            CNode::All(children) | CNode::Any(children) | CNode::AtLeast(_, children) => {
                for child in children {
                    self.add(child, reference);
                }
            }
            CNode::Not(child) => self.add(child, reference),
            CNode::Age(_) | CNode::Sex(_) => {}
            CNode::Event(e) => {
                if e.kind == EventKind::History {
                    self.social_history = true;
                }
            }
            CNode::Value(v) => {
                let start = v.window.range(reference).start;
                match &v.source {
                    ValueSource::Codes(codes) => {
                        for c in codes {
                            self.codes.insert((c.system, c.code));
                            if c.system == CodeSystem::Loinc
                                && BLOOD_PRESSURE_COMPONENTS.contains(&c.code.as_str())
                            {
                                self.loinc(&BLOOD_PRESSURE_PANELS);
                            }
                        }
                        self.bound(start);
                    }
                    ValueSource::Bmi { .. } => {
                        self.loinc(&[catalogue::BMI, catalogue::WEIGHT, catalogue::HEIGHT]);
                        let gap = Days::new(LONGEST_HEIGHT_GAP_DAYS.unsigned_abs().into());
                        // Out of the calendar's range: all history.
                        self.bound(start.and_then(|s| s.checked_sub_days(gap)));
                    }
                }
            }
        }
    }

    fn loinc(&mut self, codes: &[&str]) {
        for code in codes {
            if let Ok(c) = CodeSystem::Loinc.normalize(code) {
                self.codes.insert((CodeSystem::Loinc, c));
            }
        }
    }

    /// Widens the lookback to `start` (`None`: all history).
    fn bound(&mut self, start: Option<NaiveDate>) {
        match start {
            None => self.unbounded = true,
            Some(s) => self.earliest = Some(self.earliest.map_or(s, |e| e.min(s))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Trial, TrialIndex};

    fn index(inclusion: &str) -> TrialIndex {
        let text = format!(
            r#"{{"id": "t", "title": "T", "criteria": {{
                "code_sets": {{"hba1c": {{"include": [
                    {{"system": "http://loinc.org", "code": "4548-4"}},
                    {{"system": "loinc", "code": "17856-6"}}]}}}},
                "inclusion": {inclusion}}}}}"#
        );
        TrialIndex::new(vec![Trial::from_json(&text).unwrap()]).unwrap()
    }

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn codes(need: &ObservationNeed) -> Vec<String> {
        let mut codes: Vec<String> = need.codes().map(|(_, c)| c.to_string()).collect();
        codes.sort();
        codes
    }

    #[test]
    fn code_sets_windows_and_groups() {
        let index = index(
            r#"[{"id": "a", "observation": {"codes": "hba1c", "value": {"gte": 7.5}, "window": {"within": "6m"}}},
                {"id": "b", "not": {"id": "c", "observation": {"codes": {"include": [
                    {"system": "http://loinc.org", "code": "33914-3"}]}, "value": {"lt": 30}, "window": {"within": "1y"}}}},
                {"id": "d", "condition": {"codes": {"include": [{"system": "icpc-2", "code": "T90"}]}}}]"#,
        );
        let need = index.observation_need(day("2026-11-23"));
        assert_eq!(codes(&need), ["17856-6", "33914-3", "4548-4"]);
        assert_eq!(need.since(), Some(day("2025-11-23")), "the widest window");
        assert!(!need.social_history());
        assert!(
            need.wants_code("http://loinc.org/", "4548-4"),
            "any spelling"
        );
        assert!(!need.wants_code("http://loinc.org", "2345-7"));
    }

    #[test]
    fn blood_pressure_bmi_history_and_all_history() {
        let index = index(
            r#"[{"id": "a", "observation": {"codes": {"include": [{"system": "loinc", "code": "8480-6"}]},
                  "value": {"gte": 140}, "window": {"within": "30d"}}},
                {"id": "b", "bmi": {"value": {"gte": 30}, "window": {"within": "1y"}}},
                {"id": "c", "history": {"codes": {"include": [{"system": "snomed", "code": "77176002"}]}}}]"#,
        );
        let need = index.observation_need(day("2026-11-23"));
        assert_eq!(
            codes(&need),
            [
                "29463-7", "35094-2", "39156-5", "55284-4", "8302-2", "8480-6", "85354-9"
            ]
        );
        // A height up to a year before the earliest weight.
        assert_eq!(need.since(), Some(day("2024-11-22")));
        assert!(need.social_history());
        let index = index_all_history();
        let need = index.observation_need(day("2026-11-23"));
        assert_eq!(need.since(), None);
        assert!(!need.is_empty());
    }

    fn index_all_history() -> TrialIndex {
        index(
            r#"[{"id": "a", "observation": {"codes": "hba1c", "value": {"gte": 7.5}, "window": {"within": "6m"}}},
                {"id": "b", "observation": {"codes": "hba1c", "value": {"gte": 9}, "window": {"to": "1y"}}}]"#,
        )
    }

    #[test]
    fn nothing_needed_without_value_or_history_leaves() {
        let need =
            index(r#"[{"id": "a", "age": {"min": 18}}]"#).observation_need(day("2026-11-23"));
        assert!(need.is_empty());
        assert_eq!(need.since(), None);
        assert_eq!(need, ObservationNeed::default());
    }

    #[test]
    fn a_derived_bmi_keeps_its_earlier_height() {
        let index =
            index(r#"[{"id": "a", "bmi": {"value": {"gte": 30}, "window": {"within": "30d"}}}]"#);
        let reference = day("2026-11-23");
        let need = index.observation_need(reference);
        let patient = Patient::from_json(
            r#"{"birth_date": "1960-01-01", "observations": [
                {"code": "29463-7", "value": 100, "unit": "kg", "date": "2026-11-13"},
                {"code": "8302-2", "value": 170, "unit": "cm", "date": "2026-03-01"}]}"#,
        )
        .unwrap();
        let kept = need.restrict(&patient);
        assert_eq!(kept, patient);
        let truth = |p: &Patient| index.evaluate_all(p, reference)[0].verdict;
        assert_eq!(truth(&patient), crate::Verdict::Eligible);
    }

    #[test]
    fn restricting_keeps_needed_dated_values_only() {
        let need = index(
            r#"[{"id": "a", "observation": {"codes": "hba1c", "value": {"gte": 7.5}, "window": {"within": "6m"}}}]"#,
        )
        .observation_need(day("2026-11-23"));
        let patient = Patient::from_json(
            r#"{"observations": [
                {"code": "4548-4", "value": 8, "unit": "%", "date": "2026-09-01"},
                {"code": "4548-4", "value": 8, "unit": "%", "date": "2025-09-01"},
                {"code": "4548-4", "value": 8, "unit": "%"},
                {"code": "2345-7", "value": 5, "unit": "mmol/L", "date": "2026-09-01"}],
               "events": [{"kind": "history", "system": "snomed", "code": "77176002"},
                          {"kind": "condition", "system": "icpc-2", "code": "T90"}]}"#,
        )
        .unwrap();
        let kept = need.restrict(&patient);
        assert_eq!(kept.observations, patient.observations[..1]);
        assert_eq!(kept.events, patient.events[1..]);
    }
}
