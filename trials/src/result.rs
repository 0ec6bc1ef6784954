//! What matching returns: a verdict per trial, and per criterion its truth with the evidence
//! that decided it. Owned and serialisable, for the SDK's pop-up and the server's API.

use crate::criteria::{AgeUnit, Aggregate, Count, ValueTest};
use crate::patient::{EventKind, Sex};
use crate::truth::Truth;
use crate::window::Window;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// The verdict on one trial for one patient.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Every inclusion criterion met, no exclusion criterion met or unknown.
    Eligible,
    /// Nothing failed, but something is unknown: the criteria to confirm are listed.
    PossiblyEligible,
    /// An inclusion criterion is not met or an exclusion criterion is met.
    Ineligible,
}

/// The result of one trial for one patient.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrialResult {
    /// Trial id.
    pub trial_id: String,
    /// Version of the criteria used.
    pub version: u32,
    /// Trial title.
    pub title: String,
    /// The two-line summary for GPs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// The verdict.
    pub verdict: Verdict,
    /// One result per inclusion criterion.
    pub inclusion: Vec<CriterionResult>,
    /// One result per exclusion criterion.
    pub exclusion: Vec<CriterionResult>,
    /// The patient is recorded as deceased: the verdict is `ineligible` whatever the
    /// criteria say.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub deceased: bool,
}

/// Which list a criterion belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// An inclusion criterion.
    Inclusion,
    /// An exclusion criterion.
    Exclusion,
}

impl TrialResult {
    /// The top-level criteria to confirm with the patient: unknown inclusions and unknown
    /// exclusions, in order.
    pub fn to_confirm(&self) -> Vec<(Side, &CriterionResult)> {
        let inc = self.inclusion.iter().map(|c| (Side::Inclusion, c));
        let exc = self.exclusion.iter().map(|c| (Side::Exclusion, c));
        inc.chain(exc)
            .filter(|(_, c)| c.truth == Truth::Unknown)
            .collect()
    }

    /// What to ask the patient: the unknown leaves under the unknown top-level criteria
    /// (an unknown group is settled by confirming its unknown children).
    pub fn to_confirm_leaves(&self) -> Vec<(Side, &CriterionResult)> {
        let mut out = Vec::new();
        for (side, c) in self.to_confirm() {
            unknown_leaves(c, &mut |leaf| out.push((side, leaf)));
        }
        out
    }

    /// The inclusion criteria met, with their evidence.
    pub fn met(&self) -> Vec<&CriterionResult> {
        self.inclusion
            .iter()
            .filter(|c| c.truth == Truth::Met)
            .collect()
    }

    /// The first criterion that makes the patient ineligible: the first inclusion not met,
    /// else the first exclusion met.
    pub fn first_failing(&self) -> Option<(Side, &CriterionResult)> {
        let inc = self.inclusion.iter().find(|c| c.truth == Truth::NotMet);
        let exc = || self.exclusion.iter().find(|c| c.truth == Truth::Met);
        inc.map(|c| (Side::Inclusion, c))
            .or_else(|| exc().map(|c| (Side::Exclusion, c)))
    }
}

fn unknown_leaves<'a>(c: &'a CriterionResult, f: &mut impl FnMut(&'a CriterionResult)) {
    if c.children.is_empty() {
        f(c);
    } else {
        for child in c.children.iter().filter(|k| k.truth == Truth::Unknown) {
            unknown_leaves(child, f);
        }
    }
}

/// The verdict from the top-level truths of the inclusion and exclusion lists.
pub fn verdict(
    inclusion: impl IntoIterator<Item = Truth>,
    exclusion: impl IntoIterator<Item = Truth>,
) -> Verdict {
    let inc = inclusion.into_iter().fold(Truth::Met, Truth::and);
    let exc = exclusion.into_iter().fold(Truth::NotMet, Truth::or);
    match (inc, exc) {
        (Truth::NotMet, _) | (_, Truth::Met) => Verdict::Ineligible,
        (Truth::Met, Truth::NotMet) => Verdict::Eligible,
        _ => Verdict::PossiblyEligible,
    }
}

/// The result of one criterion.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CriterionResult {
    /// The criterion's id.
    pub id: String,
    /// The criterion's label, if it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<crate::label::Label>,
    /// Met, not met or unknown.
    pub truth: Truth,
    /// What was tested and what decided it.
    pub detail: Detail,
    /// Results of the children of a group.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub children: Vec<CriterionResult>,
}

/// Names of what a leaf tests, in each language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Names {
    /// English.
    pub en: String,
    /// French.
    pub fr: String,
}

/// What a criterion tested and the evidence that decided it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Detail {
    /// Every child.
    All,
    /// Some child.
    Any,
    /// At least `n` children.
    AtLeast {
        /// How many.
        n: u32,
    },
    /// Negation.
    Not,
    /// Age test.
    Age {
        /// Lowest age allowed.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        min: Option<u32>,
        /// Highest age allowed.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max: Option<u32>,
        /// Years or months.
        unit: AgeUnit,
        /// The patient's age at the reference date, when the birth date is known.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        age: Option<u32>,
    },
    /// Sex test.
    Sex {
        /// Required sex.
        required: Sex,
        /// Recorded sex.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        recorded: Option<Sex>,
    },
    /// Coded events.
    Events {
        /// Event kind.
        event_kind: EventKind,
        /// What was looked for.
        names: Names,
        /// The window.
        window: Window,
        /// Required count.
        count: Count,
        /// Whether the first occurrence had to be in the window.
        first: bool,
        /// Matching events in the window.
        in_window: u32,
        /// Matching events at any date up to the reference date.
        total: u32,
        /// Matching events without a date.
        undated: u32,
        /// Events that may match, up to the reference date: unconfirmed diagnoses, codes
        /// read through an approximate crosswalk. They never make the criterion met.
        #[serde(default, skip_serializing_if = "is_zero")]
        uncertain: u32,
        /// Events of this kind in the record that could not be read (no usable code, a
        /// code system not read, an unknown modifier): they make a "no record" unknown.
        #[serde(default, skip_serializing_if = "is_zero")]
        unreadable: u32,
        /// The most recent matching events (in the window first), at most five.
        evidence: Vec<EventEvidence>,
    },
    /// A lab or biometric value, or BMI.
    Value {
        /// What was measured.
        names: Names,
        /// The test.
        test: ValueTest,
        /// Unit of the values and the test.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        unit: Option<String>,
        /// How values were combined.
        aggregate: Aggregate,
        /// The window.
        window: Window,
        /// The combined value that was tested (a share in % for `share_outside`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        result: Option<f64>,
        /// Usable values in the window.
        n: u32,
        /// Fewer usable values than this counted as missing data.
        #[serde(default = "one", skip_serializing_if = "is_one")]
        min_results: u32,
        /// The values that decided it, most recent first, at most ten.
        evidence: Vec<ValueEvidence>,
        /// Values ignored as errors, most recent first, at most five.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        ignored: Vec<IgnoredValue>,
    },
}

fn one() -> u32 {
    1
}

fn is_one(n: &u32) -> bool {
    *n == 1
}

/// One event that decided a criterion.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventEvidence {
    /// Canonical system URI.
    pub system: String,
    /// The code as recorded.
    pub code: String,
    /// The EHR's text for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
    /// Its date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<NaiveDate>,
    /// Whether it falls in the window.
    pub in_window: bool,
    /// Whether it only may match (unconfirmed, or read through an approximate crosswalk).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub uncertain: bool,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// One value that decided a criterion, in the test's unit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValueEvidence {
    /// The value, converted to the unit of the test.
    pub value: f64,
    /// That unit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// When it was measured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<NaiveDate>,
    /// For a BMI computed from weight and height: what it was computed from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub derived_from: Option<BmiSource>,
    /// The comparator the value was reported with (`<`): the true value lies on that side.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comparator: Option<crate::patient::Comparator>,
}

/// The weight and height a BMI was computed from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BmiSource {
    /// Weight in kg.
    pub weight_kg: f64,
    /// Date of the weight.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight_date: Option<NaiveDate>,
    /// Height in cm.
    pub height_cm: f64,
    /// Date of the height.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height_date: Option<NaiveDate>,
}

/// A recorded value that was ignored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IgnoredValue {
    /// The value as recorded.
    pub value: f64,
    /// The unit as recorded (kg/m2 for a computed BMI).
    pub unit: String,
    /// The measurement, when it is not the criterion's own (a height under a BMI test).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measure: Option<Names>,
    /// For a computed BMI: the weight and height it came from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub derived_from: Option<BmiSource>,
    /// When.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<NaiveDate>,
    /// Why.
    pub reason: IgnoreReason,
}

/// Why a value was ignored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IgnoreReason {
    /// Outside the plausible bounds of its kind.
    Implausible,
    /// Its unit does not convert to the unit of the test.
    UnitNotConvertible,
}
