//! The criteria language: a trial version's inclusion and exclusion criteria as trees of
//! boolean groups and leaves. Serialised as JSON; `trials/README.md` documents it with
//! examples. Parsing is strict (unknown keys are errors); checking what was parsed is
//! [`crate::validate`]'s job.

use crate::codes::CodeSet;
use crate::label::Label;
use crate::patient::{EventKind, Sex};
use crate::window::Window;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::BTreeMap;

/// One version of a trial, as the engine sees it: identity, the two-line summary for GPs,
/// and the criteria.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Trial {
    /// Stable trial identifier.
    pub id: String,
    /// Version number of these criteria; everything downstream records it.
    #[serde(default = "one")]
    pub version: u32,
    /// Title.
    pub title: String,
    /// At most two lines for the GP's pop-up.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// Eligibility criteria.
    pub criteria: Criteria,
}

fn one() -> u32 {
    1
}

/// Inclusion and exclusion criteria, and the named code sets they refer to.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Criteria {
    /// Named code sets, referred to by name from leaves (`"codes": "t2d"`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub code_sets: BTreeMap<String, CodeSet>,
    /// Every one must be met.
    #[serde(default)]
    pub inclusion: Vec<Criterion>,
    /// Any one met makes the patient ineligible; any one unknown must be confirmed.
    #[serde(default)]
    pub exclusion: Vec<Criterion>,
}

/// A node of a criteria tree: a stable id, an optional label, and what it tests.
#[derive(Debug, Clone, PartialEq)]
pub struct Criterion {
    /// Stable id, unique within the trial version.
    pub id: String,
    /// Human label shown in explanations (`HbA1c ≥ 7.5 %`), in one language or two.
    pub label: Option<Label>,
    /// The test.
    pub node: Node,
}

/// What a criterion tests.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// Every child met.
    All(Vec<Criterion>),
    /// At least one child met.
    Any(Vec<Criterion>),
    /// At least `n` children met.
    AtLeast(AtLeast),
    /// The child not met.
    Not(Box<Criterion>),
    /// Age at the reference date.
    Age(AgeTest),
    /// Sex.
    Sex(SexTest),
    /// Coded events of one kind.
    Event(EventKind, EventTest),
    /// A lab or biometric value.
    Observation(ObservationTest),
    /// Body mass index, recorded or derived from weight and height.
    Bmi(BmiTest),
}

/// `at_least`: at least `n` of the children.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AtLeast {
    /// How many children must be met.
    pub n: u32,
    /// The children.
    pub of: Vec<Criterion>,
}

/// What the absence of data means for a leaf.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Missing {
    /// No data: the criterion is not met.
    NotMet,
    /// No data: the criterion is unknown, to confirm with the patient.
    Unknown,
}

/// Unit of an age test.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgeUnit {
    /// Completed years.
    #[default]
    Years,
    /// Completed months (for children).
    Months,
}

/// Age bounds, inclusive, in completed years or months at the reference date.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgeTest {
    /// Lowest age allowed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<u32>,
    /// Highest age allowed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<u32>,
    /// Years (default) or months.
    #[serde(default, skip_serializing_if = "is_default")]
    pub unit: AgeUnit,
    /// Meaning of an unknown birth date (default `unknown`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub missing: Option<Missing>,
}

/// Sex test.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SexTest {
    /// The sex required.
    pub is: Sex,
    /// Meaning of an unrecorded sex (default `unknown`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub missing: Option<Missing>,
}

/// Where a leaf's codes come from: a named code set of the trial, or inline.
#[derive(Debug, Clone, PartialEq)]
pub enum Codes {
    /// The name of an entry of [`Criteria::code_sets`].
    Ref(String),
    /// A code set written in place.
    Inline(CodeSet),
}

/// Bounds on how many matching events the window must hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Count {
    /// At least this many (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<u32>,
    /// At most this many.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<u32>,
}

/// A test on coded events of one kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventTest {
    /// Which codes count.
    pub codes: Codes,
    /// When they count (default: ever).
    #[serde(default, skip_serializing_if = "Window::is_ever")]
    pub window: Window,
    /// How many must be in the window (default: at least one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<Count>,
    /// The first matching event ever must fall in the window ("newly diagnosed").
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub first: bool,
    /// Only events still current at the reference date (not ended, not inactive).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub current: bool,
    /// Meaning of no matching event (default per kind: `not_met`, `unknown` for history).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub missing: Option<Missing>,
}

/// A test on a value, in `unit` (values are converted to it when the dimension allows).
/// Every bound given must hold: `{"gte": 2, "lte": 3}` is the range 2–3.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValueTest {
    /// Unit of the bounds; values are converted to it. Absent: values compare as recorded,
    /// or in the catalogue's unit for catalogued observations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// Greater than.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gt: Option<f64>,
    /// Greater than or equal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gte: Option<f64>,
    /// Less than.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lt: Option<f64>,
    /// Less than or equal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lte: Option<f64>,
    /// Equal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eq: Option<f64>,
}

impl ValueTest {
    /// Whether `v` (already in the test's unit) passes every bound.
    pub fn holds(&self, v: f64) -> bool {
        self.gt.is_none_or(|b| v > b)
            && self.gte.is_none_or(|b| v >= b)
            && self.lt.is_none_or(|b| v < b)
            && self.lte.is_none_or(|b| v <= b)
            && self
                .eq
                .is_none_or(|b| (v - b).abs() <= 1e-9 * b.abs().max(1.0))
    }

    /// Whether no bound is given.
    pub fn is_empty(&self) -> bool {
        self.gt.is_none()
            && self.gte.is_none()
            && self.lt.is_none()
            && self.lte.is_none()
            && self.eq.is_none()
    }
}

/// How the values in the window are combined before the value test.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Aggregate {
    /// The most recent value passes.
    #[default]
    Latest,
    /// Some value passes.
    Any,
    /// Every value passes.
    All,
    /// The mean of the values passes.
    Mean,
    /// The lowest value passes.
    Min,
    /// The highest value passes.
    Max,
    /// The share (in %) of values outside `low`–`high` passes: "≥ 30 % of INR outside 2–3".
    ShareOutside(ShareOutside),
}

/// The range of [`Aggregate::ShareOutside`], both ends inside the range.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShareOutside {
    /// Lowest in-range value.
    pub low: f64,
    /// Highest in-range value.
    pub high: f64,
    /// Unit of `low` and `high` (default: as for the value test).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
}

/// A test on observations (labs, biometrics).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObservationTest {
    /// Which observation codes count (LOINC).
    pub codes: Codes,
    /// The test on the aggregated value.
    pub value: ValueTest,
    /// How values in the window are combined (default: latest).
    #[serde(default, skip_serializing_if = "is_default")]
    pub aggregate: Aggregate,
    /// When values count (default: ever).
    #[serde(default, skip_serializing_if = "Window::is_ever")]
    pub window: Window,
    /// Fewer plausible values than this counts as missing (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_results: Option<u32>,
    /// Meaning of no value (default `unknown`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub missing: Option<Missing>,
}

/// A test on body mass index (kg/m²): recorded values, and values derived from a weight and
/// a height measured close in time when none was recorded that day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BmiTest {
    /// The test on the aggregated BMI, in kg/m².
    pub value: ValueTest,
    /// How values in the window are combined (default: latest).
    #[serde(default, skip_serializing_if = "is_default")]
    pub aggregate: Aggregate,
    /// When values count (default: ever).
    #[serde(default, skip_serializing_if = "Window::is_ever")]
    pub window: Window,
    /// Meaning of no value (default `unknown`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub missing: Option<Missing>,
}

fn is_default<T: Default + PartialEq>(v: &T) -> bool {
    *v == T::default()
}

// ---- serde for Criterion: `{"id", "label", <exactly one kind key>}` ----

/// The JSON shape of a criterion: every kind key optional, exactly one required.
#[derive(Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCriterion {
    id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    label: Option<Label>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    all: Option<Vec<Criterion>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    any: Option<Vec<Criterion>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    at_least: Option<AtLeast>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    not: Option<Box<Criterion>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    age: Option<AgeTest>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sex: Option<SexTest>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    condition: Option<EventTest>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    reason_for_encounter: Option<EventTest>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    medication: Option<EventTest>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    procedure: Option<EventTest>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    immunization: Option<EventTest>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    allergy: Option<EventTest>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    history: Option<EventTest>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    observation: Option<ObservationTest>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    bmi: Option<BmiTest>,
}

/// The kind keys of a criterion, as listed in error messages.
pub const KIND_KEYS: &str = "all, any, at_least, not, age, sex, condition, reason_for_encounter, \
medication, procedure, immunization, allergy, history, observation, bmi";

impl TryFrom<RawCriterion> for Criterion {
    type Error = String;

    fn try_from(raw: RawCriterion) -> Result<Criterion, String> {
        let mut nodes: Vec<Node> = Vec::with_capacity(1);
        let events = [
            (EventKind::Condition, raw.condition),
            (EventKind::ReasonForEncounter, raw.reason_for_encounter),
            (EventKind::Medication, raw.medication),
            (EventKind::Procedure, raw.procedure),
            (EventKind::Immunization, raw.immunization),
            (EventKind::Allergy, raw.allergy),
            (EventKind::History, raw.history),
        ];
        nodes.extend(raw.all.map(Node::All));
        nodes.extend(raw.any.map(Node::Any));
        nodes.extend(raw.at_least.map(Node::AtLeast));
        nodes.extend(raw.not.map(Node::Not));
        nodes.extend(raw.age.map(Node::Age));
        nodes.extend(raw.sex.map(Node::Sex));
        for (kind, test) in events {
            nodes.extend(test.map(|t| Node::Event(kind, t)));
        }
        nodes.extend(raw.observation.map(Node::Observation));
        nodes.extend(raw.bmi.map(Node::Bmi));
        if nodes.len() != 1 {
            return Err(format!(
                "criterion `{}` must have exactly one of {KIND_KEYS}; it has {}",
                raw.id,
                nodes.len()
            ));
        }
        let node = nodes.pop().ok_or_else(String::new)?;
        Ok(Criterion {
            id: raw.id,
            label: raw.label,
            node,
        })
    }
}

impl From<&Criterion> for RawCriterion {
    fn from(c: &Criterion) -> RawCriterion {
        let mut raw = RawCriterion {
            id: c.id.clone(),
            label: c.label.clone(),
            ..RawCriterion::default()
        };
        match &c.node {
            Node::All(v) => raw.all = Some(v.clone()),
            Node::Any(v) => raw.any = Some(v.clone()),
            Node::AtLeast(a) => raw.at_least = Some(a.clone()),
            Node::Not(n) => raw.not = Some(n.clone()),
            Node::Age(t) => raw.age = Some(t.clone()),
            Node::Sex(t) => raw.sex = Some(t.clone()),
            Node::Observation(t) => raw.observation = Some(t.clone()),
            Node::Bmi(t) => raw.bmi = Some(t.clone()),
            Node::Event(kind, t) => {
                let slot = match kind {
                    EventKind::Condition => &mut raw.condition,
                    EventKind::ReasonForEncounter => &mut raw.reason_for_encounter,
                    EventKind::Medication => &mut raw.medication,
                    EventKind::Procedure => &mut raw.procedure,
                    EventKind::Immunization => &mut raw.immunization,
                    EventKind::Allergy => &mut raw.allergy,
                    EventKind::History => &mut raw.history,
                };
                *slot = Some(t.clone());
            }
        }
        raw
    }
}

impl Serialize for Criterion {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        RawCriterion::from(self).serialize(s)
    }
}

impl<'de> Deserialize<'de> for Criterion {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Criterion, D::Error> {
        let raw = RawCriterion::deserialize(d)?;
        Criterion::try_from(raw).map_err(serde::de::Error::custom)
    }
}

impl Serialize for Codes {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Codes::Ref(name) => s.serialize_str(name),
            Codes::Inline(set) => set.serialize(s),
        }
    }
}

impl<'de> Deserialize<'de> for Codes {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Codes, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Codes;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("the name of a code set, or a code set object with `include`")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Codes, E> {
                Ok(Codes::Ref(v.to_string()))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<Codes, A::Error> {
                CodeSet::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map(Codes::Inline)
            }
        }
        d.deserialize_any(Visitor)
    }
}

impl Criterion {
    /// The children of a group (empty for leaves).
    pub fn children(&self) -> &[Criterion] {
        match &self.node {
            Node::All(v) | Node::Any(v) => v,
            Node::AtLeast(a) => &a.of,
            Node::Not(c) => std::slice::from_ref(c),
            _ => &[],
        }
    }

    /// Visits this node and all below it, depth first.
    pub fn walk<'a>(&'a self, f: &mut impl FnMut(&'a Criterion)) {
        f(self);
        for c in self.children() {
            c.walk(f);
        }
    }
}

impl Trial {
    /// Parses a trial from JSON, with the JSON path of the first error.
    pub fn from_json(text: &str) -> Result<Trial, crate::ParseError> {
        crate::parse_json(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_criterion_needs_exactly_one_kind() {
        let none = serde_json::from_str::<Criterion>(r#"{"id":"x"}"#).unwrap_err();
        assert!(none.to_string().contains("exactly one of"), "{none}");
        let two = r#"{"id":"x","age":{"min":1},"sex":{"is":"female"}}"#;
        assert!(serde_json::from_str::<Criterion>(two).is_err());
        let typo = r#"{"id":"x","condition":{"codes":"t2d","windw":{"within":"1y"}}}"#;
        let err = serde_json::from_str::<Criterion>(typo).unwrap_err();
        assert!(err.to_string().contains("windw"), "{err}");
    }

    #[test]
    fn codes_are_a_name_or_an_inline_set() {
        let r: Codes = serde_json::from_str(r#""t2d""#).unwrap();
        assert_eq!(r, Codes::Ref("t2d".into()));
        let i: Codes = serde_json::from_str(
            r#"{"include":[{"system":"icd-10","code":"E11","descendants":true}]}"#,
        )
        .unwrap();
        assert!(matches!(i, Codes::Inline(ref s) if s.include.len() == 1));
        assert!(serde_json::from_str::<Codes>("12").is_err());
        assert!(serde_json::from_str::<Codes>(r#"{"inclde":[]}"#).is_err());
    }

    #[test]
    fn aggregates_parse_as_names_or_objects() {
        let a: Aggregate = serde_json::from_str(r#""mean""#).unwrap();
        assert_eq!(a, Aggregate::Mean);
        let s: Aggregate = serde_json::from_str(r#"{"share_outside":{"low":2,"high":3}}"#).unwrap();
        assert!(
            matches!(s, Aggregate::ShareOutside(ShareOutside { low, high, .. }) if low == 2.0 && high == 3.0)
        );
    }
}
