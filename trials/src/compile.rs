//! Criteria compiled for fast evaluation: code sets resolved and packed into hash keys,
//! units turned into conversion factors, display names computed once.

use crate::catalogue::{self, ObservationKind};
use crate::codes::{CodeSet, CodeSystem, NormCode, ResolvedCodeSet, pack_key};
use crate::criteria::{
    AgeTest, Aggregate, Codes, Count, Criteria, Criterion, Missing, Node, SexTest, ValueTest,
};
use crate::patient::EventKind;
use crate::prepared::{cross_key, kind_tag, observation_key};
use crate::result::Names;
use crate::units;
use crate::window::Window;

/// A compiled criterion; same shape as the [`Criterion`] tree it comes from.
#[derive(Debug)]
pub(crate) enum CNode {
    All(Vec<CNode>),
    Any(Vec<CNode>),
    AtLeast(u32, Vec<CNode>),
    Not(Box<CNode>),
    Age(AgeTest),
    Sex(SexTest),
    Event(CEvent),
    Value(CValue),
}

/// A compiled event leaf.
#[derive(Debug)]
pub(crate) struct CEvent {
    pub kind: EventKind,
    pub set: ResolvedCodeSet,
    /// `(packed key, descendants)` of every include entry.
    pub keys: Vec<(u128, bool)>,
    /// Cross keys of the include entries in systems that crosswalks map into (the first
    /// one or three characters), for the index's prefilter.
    pub cross_keys: Vec<u128>,
    /// For ICD-10-CM entries, the packed and cross keys of their ICD-10 category (what an
    /// ICD-10 code must share to meet them), for the index's prefilter.
    pub icd10_cm_keys: Vec<u128>,
    pub window: Window,
    pub min: u32,
    pub max: Option<u32>,
    pub first: bool,
    pub current: bool,
    pub missing: Missing,
    pub names: Names,
}

/// Where a value leaf's values come from.
#[derive(Debug)]
pub(crate) enum ValueSource {
    /// Observations of these codes; `factor` converts the catalogue's unit to the leaf's
    /// unit (`None` for uncatalogued codes, converted value by value).
    Codes(Vec<SourceCode>),
    /// Recorded BMI, or BMI derived from weight and height.
    Bmi {
        bmi: u128,
        weight: u128,
        height: u128,
    },
}

#[derive(Debug)]
pub(crate) struct SourceCode {
    pub key: u128,
    /// The system and normalised code the key packs (what a FHIR query asks for).
    pub system: CodeSystem,
    pub code: NormCode,
    pub factor: Option<catalogue::Linear>,
}

/// A compiled value leaf (observation or BMI).
#[derive(Debug)]
pub(crate) struct CValue {
    pub source: ValueSource,
    pub test: ValueTest,
    /// Unit the per-value comparisons are made in (`None`: catalogue unit or as recorded).
    pub value_unit: Option<String>,
    pub aggregate: Aggregate,
    pub window: Window,
    pub min_results: u32,
    pub missing: Missing,
    pub names: Names,
}

/// Compiles a criteria list. Errors are resolution failures that validation reports first.
pub(crate) fn compile_list(list: &[Criterion], criteria: &Criteria) -> Result<Vec<CNode>, String> {
    list.iter().map(|c| compile(c, criteria)).collect()
}

fn compile(c: &Criterion, criteria: &Criteria) -> Result<CNode, String> {
    Ok(match &c.node {
        Node::All(v) => CNode::All(compile_list(v, criteria)?),
        Node::Any(v) => CNode::Any(compile_list(v, criteria)?),
        Node::AtLeast(a) => CNode::AtLeast(a.n, compile_list(&a.of, criteria)?),
        Node::Not(inner) => CNode::Not(Box::new(compile(inner, criteria)?)),
        Node::Age(t) => CNode::Age(t.clone()),
        Node::Sex(t) => CNode::Sex(t.clone()),
        Node::Event(kind, t) => {
            let set_def = code_set(&t.codes, criteria)?;
            let set = ResolvedCodeSet::resolve(set_def).map_err(|e| e.to_string())?;
            let tag = kind_tag(*kind);
            let keys = set
                .include
                .iter()
                .map(|e| (pack_key(tag, e.system, e.code.as_bytes()), e.descendants))
                .collect();
            let mut cross_keys: Vec<u128> = set
                .include
                .iter()
                .filter(|e| {
                    matches!(
                        e.system,
                        CodeSystem::Icd10
                            | CodeSystem::Icd10Cm
                            | CodeSystem::Icpc2
                            | CodeSystem::Atc
                    )
                })
                .map(|e| {
                    let code = e.code.as_bytes();
                    let len = if code.len() >= 3 { 3 } else { 1 };
                    cross_key(tag, e.system, &code[..len])
                })
                .collect();
            cross_keys.sort_unstable();
            cross_keys.dedup();
            // Recorded ICD-10 codes share the category's prefix key, derived ones (from
            // SNOMED CT) its cross key.
            let mut icd10_cm_keys: Vec<u128> = set
                .include
                .iter()
                .filter(|e| e.system == CodeSystem::Icd10Cm)
                .flat_map(|e| {
                    let category = &e.code.as_bytes()[..3];
                    [
                        pack_key(tag, CodeSystem::Icd10, category),
                        cross_key(tag, CodeSystem::Icd10, category),
                    ]
                })
                .collect();
            icd10_cm_keys.sort_unstable();
            icd10_cm_keys.dedup();
            let count = t.count.unwrap_or(Count {
                min: None,
                max: None,
            });
            CNode::Event(CEvent {
                kind: *kind,
                names: event_names(c, set_def),
                set,
                keys,
                cross_keys,
                icd10_cm_keys,
                window: t.window,
                min: count.min.unwrap_or(u32::from(count.max.is_none())),
                max: count.max,
                first: t.first,
                current: t.current,
                missing: t.missing.unwrap_or(default_missing(*kind)),
            })
        }
        Node::Observation(t) => {
            let set_def = code_set(&t.codes, criteria)?;
            let set = ResolvedCodeSet::resolve(set_def).map_err(|e| e.to_string())?;
            let value_unit = comparison_unit(&t.aggregate, &t.value);
            let mut codes = Vec::new();
            let mut kinds: Vec<&ObservationKind> = Vec::new();
            for e in &set.include {
                let kind = catalogued(e.system, &e.code);
                kinds.extend(kind);
                let factor = match (kind, &value_unit) {
                    (Some(k), Some(u)) => Some(
                        k.conversion(k.unit, u)
                            .ok_or_else(|| format!("unit `{u}` does not convert to {}", k.unit))?,
                    ),
                    (Some(_), None) => Some(catalogue::Linear::IDENTITY),
                    (None, _) => None,
                };
                codes.push(SourceCode {
                    key: observation_key(e.system, &e.code),
                    system: e.system,
                    code: e.code,
                    factor,
                });
            }
            let display_unit = value_unit
                .clone()
                .or_else(|| kinds.first().map(|k| k.unit.to_string()));
            CNode::Value(CValue {
                source: ValueSource::Codes(codes),
                test: t.value.clone(),
                value_unit: display_unit,
                aggregate: t.aggregate.clone(),
                window: t.window,
                min_results: t.min_results.unwrap_or(1),
                missing: t.missing.unwrap_or(Missing::Unknown),
                names: value_names(c, set_def, &kinds),
            })
        }
        Node::Bmi(t) => {
            let key = |code: &str| -> Result<u128, String> {
                let n = CodeSystem::Loinc
                    .normalize(code)
                    .map_err(|e| e.to_string())?;
                Ok(observation_key(CodeSystem::Loinc, &n))
            };
            let value_unit = comparison_unit(&t.aggregate, &t.value);
            if let Some(u) = &value_unit
                && !units::convertible(u, "kg/m2")
            {
                return Err(format!("unit `{u}` is not a BMI unit (kg/m2)"));
            }
            CNode::Value(CValue {
                source: ValueSource::Bmi {
                    bmi: key(catalogue::BMI)?,
                    weight: key(catalogue::WEIGHT)?,
                    height: key(catalogue::HEIGHT)?,
                },
                test: t.value.clone(),
                value_unit: Some("kg/m2".into()),
                aggregate: t.aggregate.clone(),
                window: t.window,
                min_results: 1,
                missing: t.missing.unwrap_or(Missing::Unknown),
                names: c.label.clone().map_or_else(
                    || Names {
                        en: "BMI".into(),
                        fr: "IMC".into(),
                    },
                    |l| Names { en: l.en, fr: l.fr },
                ),
            })
        }
    })
}

/// The default meaning of missing data for an event kind: an absent diagnosis, drug,
/// procedure, vaccination or allergy is `not_met`; an absent history item is `unknown`.
pub fn default_missing(kind: EventKind) -> Missing {
    match kind {
        EventKind::History => Missing::Unknown,
        _ => Missing::NotMet,
    }
}

/// The unit per-value comparisons are made in: the range's unit for `share_outside` (whose
/// value test is a share in %), else the value test's unit.
pub(crate) fn comparison_unit(aggregate: &Aggregate, test: &ValueTest) -> Option<String> {
    match aggregate {
        Aggregate::ShareOutside(s) => s.unit.clone(),
        _ => test.unit.clone(),
    }
}

/// Looks up a named or inline code set.
pub(crate) fn code_set<'a>(
    codes: &'a Codes,
    criteria: &'a Criteria,
) -> Result<&'a CodeSet, String> {
    match codes {
        Codes::Inline(set) => Ok(set),
        Codes::Ref(name) => criteria
            .code_sets
            .get(name)
            .ok_or_else(|| format!("no code set named `{name}`")),
    }
}

fn catalogued(system: CodeSystem, code: &NormCode) -> Option<&'static ObservationKind> {
    (system == CodeSystem::Loinc)
        .then(|| catalogue::lookup(code.as_str()))
        .flatten()
}

/// A short list of the codes of a set: `ICD-10 E11*, ICPC-2 T90`.
pub(crate) fn codes_text(set: &CodeSet) -> String {
    let mut parts: Vec<String> = set
        .include
        .iter()
        .take(4)
        .map(|e| {
            let system = CodeSystem::from_uri(&e.system).map_or(e.system.as_str(), |s| s.name());
            let star = if e.descendants { "*" } else { "" };
            format!("{system} {}{star}", e.code.trim())
        })
        .collect();
    if set.include.len() > 4 {
        parts.push("…".into());
    }
    parts.join(", ")
}

fn event_names(c: &Criterion, set: &CodeSet) -> Names {
    if let Some(l) = &c.label {
        return Names {
            en: l.en.clone(),
            fr: l.fr.clone(),
        };
    }
    let name = set.name.clone().unwrap_or_else(|| codes_text(set));
    Names {
        en: name.clone(),
        fr: name,
    }
}

/// An observation is named after what it measures: the catalogue's name for one kind
/// (HbA1c), the shared analyte for kinds that differ only by method (eGFR for MDRD and
/// CKD-EPI); codes of different analytes take the label or the set name.
fn value_names(c: &Criterion, set: &CodeSet, kinds: &[&ObservationKind]) -> Names {
    let analyte = |name: &'static str| name.split(" (").next().unwrap_or(name);
    match kinds {
        [only] => Names {
            en: only.name_en.into(),
            fr: only.name_fr.into(),
        },
        [first, rest @ ..]
            if rest
                .iter()
                .all(|k| analyte(k.name_en) == analyte(first.name_en)) =>
        {
            Names {
                en: analyte(first.name_en).into(),
                fr: analyte(first.name_fr).into(),
            }
        }
        _ => event_names(c, set),
    }
}
