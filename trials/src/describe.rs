//! The plain-language reading of criteria without a patient, in French and English:
//! "Age between 40 and 75 years", "Type 2 diabetes (ICPC-2 T90, ICD-10 E11 and sub-codes)
//! recorded in the last 5 years", "HbA1c (latest in the last 6 months) ≥ 7.5 %", "At least
//! 2 of:". What a sponsor reads back while writing criteria; [`crate::explain`] is the
//! reading of a result, with a patient.
//!
//! [`describe`] returns one [`DescribedLine`] per criterion, depth first, so that a page can
//! render a nested list. Where it matters, a line says what missing data means ("unknown if
//! never recorded → to confirm").

use crate::catalogue;
use crate::codes::{CodeEntry, CodeSet, CodeSystem};
use crate::compile::default_missing;
use crate::criteria::{Aggregate, Codes, Count, Criteria, Criterion, Missing, Node, ValueTest};
use crate::explain::{age_unit, count_text, display_unit, num, sex_name, test_text, window_text};
use crate::locale::Locale;
use crate::patient::EventKind;
use crate::window::Window;
use serde::{Deserialize, Serialize};

/// Which list a line belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Section {
    /// The inclusion criteria.
    Inclusion,
    /// The exclusion criteria.
    Exclusion,
}

/// One line of the reading: a criterion, its depth in the tree and its sentence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DescribedLine {
    /// Inclusion or exclusion.
    pub section: Section,
    /// The criterion's id.
    pub id: String,
    /// Nesting depth (0 for top-level criteria).
    pub depth: usize,
    /// The sentence.
    pub text: String,
}

/// The reading of every criterion, inclusion first, depth first.
pub fn describe(criteria: &Criteria, locale: Locale) -> Vec<DescribedLine> {
    let mut out = Vec::new();
    for (section, list) in [
        (Section::Inclusion, &criteria.inclusion),
        (Section::Exclusion, &criteria.exclusion),
    ] {
        for c in list {
            push(c, section, 0, criteria, locale, &mut out);
        }
    }
    out
}

fn push(
    c: &Criterion,
    section: Section,
    depth: usize,
    criteria: &Criteria,
    l: Locale,
    out: &mut Vec<DescribedLine>,
) {
    out.push(DescribedLine {
        section,
        id: c.id.clone(),
        depth,
        text: sentence(c, criteria, l),
    });
    for child in c.children() {
        push(child, section, depth + 1, criteria, l, out);
    }
}

/// The sentence of one criterion (a group's sentence introduces its children).
pub fn sentence(c: &Criterion, criteria: &Criteria, l: Locale) -> String {
    match &c.node {
        Node::All(_) | Node::Any(_) | Node::AtLeast(_) | Node::Not(_) => {
            let head = match (&c.node, l) {
                (Node::All(_), Locale::En) => "all of:".to_string(),
                (Node::All(_), Locale::Fr) => "tous les critères suivants :".to_string(),
                (Node::Any(_), Locale::En) => "any of:".to_string(),
                (Node::Any(_), Locale::Fr) => "au moins un des critères suivants :".to_string(),
                (Node::AtLeast(a), Locale::En) => format!("at least {} of:", a.n),
                (Node::AtLeast(a), Locale::Fr) => {
                    format!("au moins {} des critères suivants :", a.n)
                }
                (_, Locale::En) => "none of:".to_string(),
                (_, Locale::Fr) => "aucun des critères suivants :".to_string(),
            };
            match &c.label {
                Some(label) => format!("{} — {head}", label.get(l)),
                None => capitalise(&head),
            }
        }
        Node::Age(t) => {
            let u = age_unit(t.unit, 2, l);
            let bounds = match (t.min, t.max, l) {
                (Some(a), Some(b), Locale::En) => format!("between {a} and {b} {u}"),
                (Some(a), Some(b), Locale::Fr) => format!("entre {a} et {b} {u}"),
                (Some(a), None, _) => format!("≥ {a} {}", age_unit(t.unit, a, l)),
                (None, Some(b), _) => format!("≤ {b} {}", age_unit(t.unit, b, l)),
                (None, None, _) => l.pick("(no bounds)", "(sans bornes)").to_string(),
            };
            let missing = match t.missing {
                Some(Missing::NotMet) => l.pick(
                    "; not met without a birth date",
                    "; non rempli sans date de naissance",
                ),
                _ => "",
            };
            format!("{} {bounds}{missing}", l.pick("Age", "Âge"))
        }
        Node::Sex(t) => {
            let missing = match t.missing {
                Some(Missing::NotMet) => {
                    l.pick("; not met if not recorded", "; non rempli si non renseigné")
                }
                _ => "",
            };
            format!(
                "{}{} {}{missing}",
                l.pick("Sex", "Sexe"),
                l.pick(":", " :"),
                sex_name(t.is, l)
            )
        }
        Node::Event(kind, t) => {
            let set = resolve(&t.codes, criteria);
            let (subject, codes) = event_subject(c, &t.codes, set, l);
            let mut s = match codes {
                Some(codes) => format!("{subject} ({codes})"),
                None => subject,
            };
            s.push_str(&event_tail(*kind, &t.window, t.count, l));
            if t.first {
                s.push_str(l.pick(
                    "; first ever occurrence in this period",
                    "; première occurrence dans cette période",
                ));
            }
            if t.current {
                s.push_str(l.pick("; still current", "; toujours en cours"));
            }
            if t.missing.unwrap_or(default_missing(*kind)) == Missing::Unknown {
                s.push_str(l.pick(
                    "; unknown if never recorded → to confirm",
                    "; inconnu si jamais enregistré → à confirmer",
                ));
            }
            s
        }
        Node::Observation(t) => {
            let set = resolve(&t.codes, criteria);
            let kinds: Vec<&catalogue::ObservationKind> = set
                .map(|s| s.include.iter().filter_map(catalogued).collect())
                .unwrap_or_default();
            let all_catalogued = set.is_some_and(|s| kinds.len() == s.include.len());
            let (subject, codes) = match analyte(&kinds, l).filter(|_| all_catalogued) {
                Some(name) => (name, None),
                None => event_subject(c, &t.codes, set, l),
            };
            let unit = t
                .value
                .unit
                .clone()
                .or_else(|| kinds.first().map(|k| k.unit.to_string()))
                .map(|u| display_unit(&u))
                .unwrap_or_default();
            let mut s =
                value_sentence(&subject, codes, &t.value, &t.aggregate, &t.window, &unit, l);
            if let Some(n) = t.min_results.filter(|n| *n > 1) {
                s.push_str(&match l {
                    Locale::En => format!("; at least {n} values needed"),
                    Locale::Fr => format!("; au moins {n} valeurs nécessaires"),
                });
            }
            s.push_str(value_missing(t.missing, l));
            s
        }
        Node::Bmi(t) => {
            let unit = display_unit(t.value.unit.as_deref().unwrap_or("kg/m2"));
            let mut s = value_sentence(
                l.pick("BMI", "IMC"),
                None,
                &t.value,
                &t.aggregate,
                &t.window,
                &unit,
                l,
            );
            s.push_str(value_missing(t.missing, l));
            s
        }
    }
}

fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(f) => f.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn resolve<'a>(codes: &'a Codes, criteria: &'a Criteria) -> Option<&'a CodeSet> {
    match codes {
        Codes::Inline(set) => Some(set),
        Codes::Ref(name) => criteria.code_sets.get(name),
    }
}

fn catalogued(e: &CodeEntry) -> Option<&'static catalogue::ObservationKind> {
    let system = CodeSystem::from_uri(&e.system)?;
    if system != CodeSystem::Loinc {
        return None;
    }
    let code = system.normalize(&e.code).ok()?;
    catalogue::lookup(code.as_str())
}

/// The catalogue's name of what the codes measure: one kind, or kinds that differ only by
/// method (eGFR by MDRD and CKD-EPI).
fn analyte(kinds: &[&catalogue::ObservationKind], l: Locale) -> Option<String> {
    let name = |k: &catalogue::ObservationKind| l.pick(k.name_en, k.name_fr).to_string();
    let base = |k: &catalogue::ObservationKind| {
        let n = l.pick(k.name_en, k.name_fr);
        n.split(" (").next().unwrap_or(n).to_string()
    };
    match kinds {
        [] => None,
        [only] => Some(name(only)),
        [first, rest @ ..] => rest
            .iter()
            .all(|k| base(k) == base(first))
            .then(|| base(first)),
    }
}

/// What an event or uncatalogued observation is called, and its codes when they add to the
/// name: the label when it is written in both languages, else the set's name, else the display of its only entry, else the label, else the codes.
fn event_subject(
    c: &Criterion,
    codes: &Codes,
    set: Option<&CodeSet>,
    l: Locale,
) -> (String, Option<String>) {
    let Some(set) = set else {
        // A named set that the criteria do not define (validation reports it).
        let name = match codes {
            Codes::Ref(n) => n.clone(),
            Codes::Inline(_) => String::new(),
        };
        return (
            format!(
                "{name} ({})",
                l.pick("undefined code set", "liste de codes non définie")
            ),
            None,
        );
    };
    let codes_text = codes_text(set, l);
    let single = match set.include.as_slice() {
        [only] => only.display.clone(),
        _ => None,
    };
    let localised = c
        .label
        .as_ref()
        .filter(|lab| lab.en != lab.fr)
        .map(|lab| lab.get(l).to_string());
    let name = localised
        .or_else(|| set.name.clone())
        .or(single)
        .or_else(|| c.label.as_ref().map(|lab| lab.get(l).to_string()));
    match name {
        Some(n) if !n.trim().is_empty() => (n, Some(codes_text)),
        _ => (codes_text, None),
    }
}

/// A system's name in the locale: CISP-2 and CIM-10 in French.
pub fn system_name(system: CodeSystem, l: Locale) -> &'static str {
    match (system, l) {
        (CodeSystem::Icpc2, Locale::Fr) => "CISP-2",
        (CodeSystem::Icd10, Locale::Fr) => "CIM-10",
        (s, _) => s.name(),
    }
}

/// The codes of a set, system names written once per run of entries of one system:
/// "ICPC-2 K86, K87, ICD-10 I10-I15 and sub-codes, except ICD-10 I15 and sub-codes".
pub fn codes_text(set: &CodeSet, l: Locale) -> String {
    let mut s = entries_text(&set.include, l);
    if !set.exclude.is_empty() {
        s.push_str(l.pick(", except ", ", sauf "));
        s.push_str(&entries_text(&set.exclude, l));
    }
    s
}

const SHOWN: usize = 6;

fn entries_text(entries: &[CodeEntry], l: Locale) -> String {
    let sub = l.pick(" and sub-codes", " et sous-codes");
    let all_sub = !entries.is_empty() && entries.iter().all(|e| e.descendants);
    let mut parts = Vec::new();
    let mut last_system: Option<String> = None;
    for e in entries.iter().take(SHOWN) {
        let system = CodeSystem::from_uri(&e.system).map_or(e.system.trim().to_string(), |s| {
            system_name(s, l).to_string()
        });
        let mut part = if last_system.as_deref() == Some(system.as_str()) {
            e.code.trim().to_string()
        } else {
            format!("{system} {}", e.code.trim())
        };
        if e.descendants && !all_sub {
            part.push_str(sub);
        }
        last_system = Some(system);
        parts.push(part);
    }
    if entries.len() > SHOWN {
        parts.push("…".into());
    }
    let mut s = parts.join(", ");
    if all_sub {
        s.push_str(sub);
    }
    s
}

/// " recorded in the last 5 years", " — prescription au cours des 3 derniers mois", with
/// the count required.
fn event_tail(kind: EventKind, window: &Window, count: Option<Count>, l: Locale) -> String {
    let when = window_text(window, l);
    let (min, max) = count.map_or((None, None), |c| (c.min, c.max));
    let none = max == Some(0) && min.unwrap_or(0) == 0;
    match l {
        Locale::En => {
            let verb = match kind {
                EventKind::Condition => "recorded",
                EventKind::ReasonForEncounter => "as a reason for encounter",
                EventKind::Medication => "prescribed",
                EventKind::Procedure => "performed",
                EventKind::Immunization => "given",
                EventKind::Allergy => "recorded as an allergy",
                EventKind::History => "in the history",
            };
            let times = if none {
                String::new()
            } else {
                count_times(min, max, l)
            };
            let base = format!(
                " {verb}{times}{}",
                when.map(|w| format!(" {w}")).unwrap_or_default()
            );
            if none { format!("{base}: none") } else { base }
        }
        Locale::Fr => {
            let noun = match kind {
                EventKind::Condition => "diagnostic",
                EventKind::ReasonForEncounter => "motif de consultation",
                EventKind::Medication => "prescription",
                EventKind::Procedure => "acte",
                EventKind::Immunization => "vaccination",
                EventKind::Allergy => "allergie",
                EventKind::History => "antécédent",
            };
            let times = if none {
                String::new()
            } else {
                count_times(min, max, l)
            };
            let base = format!(
                " — {noun}{times}{}",
                when.map(|w| format!(" {w}")).unwrap_or_default()
            );
            if none {
                format!("{base} : aucun enregistrement")
            } else {
                base
            }
        }
    }
}

/// " at least 2 times", " de 2 à 4 fois"; nothing for the default (at least once).
fn count_times(min: Option<u32>, max: Option<u32>, l: Locale) -> String {
    if min.unwrap_or(1) <= 1 && max.is_none() {
        return String::new();
    }
    let text = count_text(min, max, l);
    format!(" {text} {}", l.pick("times", "fois"))
}

fn value_sentence(
    subject: &str,
    codes: Option<String>,
    test: &ValueTest,
    aggregate: &Aggregate,
    window: &Window,
    unit: &str,
    l: Locale,
) -> String {
    let how = match (aggregate, l) {
        (Aggregate::Latest, Locale::En) => "latest".to_string(),
        (Aggregate::Latest, Locale::Fr) => "dernière valeur".to_string(),
        (Aggregate::Any, Locale::En) => "any value".to_string(),
        (Aggregate::Any, Locale::Fr) => "au moins une valeur".to_string(),
        (Aggregate::All, Locale::En) => "every value".to_string(),
        (Aggregate::All, Locale::Fr) => "toutes les valeurs".to_string(),
        (Aggregate::Mean, Locale::En) => "mean".to_string(),
        (Aggregate::Mean, Locale::Fr) => "moyenne".to_string(),
        (Aggregate::Min, Locale::En) => "lowest".to_string(),
        (Aggregate::Min, Locale::Fr) => "minimum".to_string(),
        (Aggregate::Max, Locale::En) => "highest".to_string(),
        (Aggregate::Max, Locale::Fr) => "maximum".to_string(),
        (Aggregate::ShareOutside(r), Locale::En) => format!(
            "share of values outside {}–{}",
            num(r.low, l),
            num(r.high, l)
        ),
        (Aggregate::ShareOutside(r), Locale::Fr) => {
            format!("part des valeurs hors {}–{}", num(r.low, l), num(r.high, l))
        }
    };
    let when = window_text(window, l)
        .map(|w| format!(" {w}"))
        .unwrap_or_default();
    let codes = codes.map(|c| format!("{c}; ")).unwrap_or_default();
    format!(
        "{subject} ({codes}{how}{when}) {}",
        test_text(test, aggregate, unit, l)
    )
    .trim_end()
    .to_string()
}

fn value_missing(missing: Option<Missing>, l: Locale) -> &'static str {
    match missing.unwrap_or(Missing::Unknown) {
        Missing::Unknown => l.pick(
            "; unknown if no value → to confirm",
            "; inconnu sans valeur → à confirmer",
        ),
        Missing::NotMet => l.pick("; not met if no value", "; non rempli sans valeur"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn criteria(json: &str) -> Criteria {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn code_lists_name_each_system_once_per_run() {
        let set: CodeSet = serde_json::from_str(
            r#"{"include": [
                {"system": "icpc-2", "code": "K86", "descendants": true},
                {"system": "icpc-2", "code": "K87", "descendants": true},
                {"system": "icd-10", "code": "I10-I15"}],
               "exclude": [{"system": "icd-10", "code": "I15", "descendants": true}]}"#,
        )
        .unwrap();
        assert_eq!(
            codes_text(&set, Locale::En),
            "ICPC-2 K86 and sub-codes, K87 and sub-codes, ICD-10 I10-I15, except ICD-10 I15 and sub-codes"
        );
        assert_eq!(
            codes_text(&set, Locale::Fr),
            "CISP-2 K86 et sous-codes, K87 et sous-codes, CIM-10 I10-I15, sauf CIM-10 I15 et sous-codes"
        );
    }

    #[test]
    fn a_not_group_reads_none_of() {
        let c = criteria(
            r#"{"inclusion": [{"id": "n", "not": {"id": "flu", "immunization": {"codes": {"include": [{"system": "atc", "code": "J07BB", "descendants": true}]}, "window": {"within": "1y"}}}}]}"#,
        );
        let lines = describe(&c, Locale::En);
        assert_eq!(lines[0].text, "None of:");
        assert_eq!(lines[1].depth, 1);
        assert_eq!(
            lines[1].text,
            "ATC J07BB and sub-codes given in the last 1 year"
        );
        let lines = describe(&c, Locale::Fr);
        assert_eq!(lines[0].text, "Aucun des critères suivants :");
        assert_eq!(
            lines[1].text,
            "ATC J07BB et sous-codes — vaccination au cours de la dernière année"
        );
    }

    #[test]
    fn an_undefined_set_is_named_not_a_panic() {
        let c = criteria(r#"{"inclusion": [{"id": "x", "condition": {"codes": "nope"}}]}"#);
        let lines = describe(&c, Locale::En);
        assert_eq!(lines[0].text, "nope (undefined code set) recorded");
    }
}
