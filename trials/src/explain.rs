//! Readable explanations of results, in French and English: one sentence per criterion
//! ("HbA1c 8.1 % on 2026-09-14 ≥ 7.5 %", "Pregnancy: no record — confirm with the patient"),
//! indented under their groups, and a verdict line.

use crate::criteria::{AgeUnit, Aggregate, ValueTest};
use crate::locale::Locale;
use crate::patient::{EventKind, Sex};
use crate::result::{CriterionResult, Detail, IgnoreReason, Names, Side, TrialResult, Verdict};
use crate::truth::Truth;
use crate::window::{Offset, OffsetUnit, Window};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// One line of an explanation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Line {
    /// The criterion's id.
    pub id: String,
    /// Nesting depth (0 for top-level criteria).
    pub depth: usize,
    /// The criterion's truth.
    pub truth: Truth,
    /// The sentence.
    pub text: String,
}

/// An explained trial result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Explanation {
    /// "Eligible", "Possibly eligible: 2 criteria to confirm", "Not eligible: …".
    pub verdict: String,
    /// Inclusion criteria, depth first.
    pub inclusion: Vec<Line>,
    /// Exclusion criteria, depth first.
    pub exclusion: Vec<Line>,
    /// The sentences of the criteria to confirm with the patient.
    pub to_confirm: Vec<String>,
}

impl TrialResult {
    /// Explains this result in `locale`.
    pub fn explain(&self, locale: Locale) -> Explanation {
        let lines = |list: &[CriterionResult]| {
            let mut out = Vec::new();
            for c in list {
                push_lines(c, 0, locale, &mut out);
            }
            out
        };
        let to_confirm = self
            .to_confirm_leaves()
            .into_iter()
            .map(|(side, c)| match side {
                Side::Inclusion => sentence(c, locale),
                Side::Exclusion => format!(
                    "{}{}",
                    locale.pick("Exclusion — ", "Exclusion — "),
                    sentence(c, locale)
                ),
            })
            .collect::<Vec<_>>();
        let verdict = match self.verdict {
            Verdict::Eligible => locale.pick("Eligible", "Éligible").to_string(),
            Verdict::PossiblyEligible => {
                let n = to_confirm.len();
                match locale {
                    Locale::En => format!(
                        "Possibly eligible: {n} {} to confirm",
                        if n == 1 { "criterion" } else { "criteria" }
                    ),
                    Locale::Fr => format!(
                        "Peut-être éligible : {n} critère{} à confirmer",
                        if n == 1 { "" } else { "s" }
                    ),
                }
            }
            Verdict::Ineligible if self.deceased => locale
                .pick(
                    "Not eligible: the patient is recorded as deceased",
                    "Non éligible : le patient est enregistré comme décédé",
                )
                .to_string(),
            Verdict::Ineligible => {
                let why = self.first_failing().map(|(side, c)| {
                    let s = sentence(c, locale);
                    match side {
                        Side::Inclusion => s,
                        Side::Exclusion => {
                            format!("{}{s}", locale.pick("exclusion — ", "exclusion — "))
                        }
                    }
                });
                format!(
                    "{}{}",
                    locale.pick("Not eligible: ", "Non éligible : "),
                    why.unwrap_or_default()
                )
            }
        };
        Explanation {
            verdict,
            inclusion: lines(&self.inclusion),
            exclusion: lines(&self.exclusion),
            to_confirm,
        }
    }
}

fn push_lines(c: &CriterionResult, depth: usize, locale: Locale, out: &mut Vec<Line>) {
    out.push(Line {
        id: c.id.clone(),
        depth,
        truth: c.truth,
        text: sentence(c, locale),
    });
    for child in &c.children {
        push_lines(child, depth + 1, locale, out);
    }
}

/// The sentence for one criterion (groups are summarised; their children have their own).
pub fn sentence(c: &CriterionResult, locale: Locale) -> String {
    let l = locale;
    let label = c.label.as_ref().map(|lab| lab.get(l));
    let confirm = l.pick(
        " — confirm with the patient",
        " — à confirmer avec le patient",
    );
    match &c.detail {
        Detail::All | Detail::Any | Detail::AtLeast { .. } | Detail::Not => {
            let met = c.children.iter().filter(|k| k.truth == Truth::Met).count();
            let head = match (&c.detail, l) {
                (Detail::All, Locale::En) => "All of".to_string(),
                (Detail::All, Locale::Fr) => "Tous".to_string(),
                (Detail::Any, Locale::En) => "Any of".to_string(),
                (Detail::Any, Locale::Fr) => "Au moins un parmi".to_string(),
                (Detail::AtLeast { n }, Locale::En) => format!("At least {n} of"),
                (Detail::AtLeast { n }, Locale::Fr) => format!("Au moins {n} parmi"),
                (_, Locale::En) => "Not".to_string(),
                (_, Locale::Fr) => "Non".to_string(),
            };
            let head = label.map_or(head.clone(), |lab| {
                format!("{lab} ({})", head.to_lowercase())
            });
            let tail = match l {
                Locale::En => format!("{met} of {} met", c.children.len()),
                Locale::Fr => format!("{met} sur {} remplis", c.children.len()),
            };
            format!(
                "{head}{} {tail}{}",
                l.pick(":", " :"),
                if c.truth == Truth::Unknown {
                    confirm
                } else {
                    ""
                }
            )
        }
        Detail::Age {
            min,
            max,
            unit,
            age,
        } => {
            let subject = label.unwrap_or(l.pick("Age", "Âge"));
            let bounds = age_bounds(*min, *max, *unit, l);
            match age {
                None => format!(
                    "{subject}{} {}{}",
                    colon(l),
                    l.pick("no birth date", "date de naissance inconnue"),
                    if c.truth == Truth::Unknown {
                        confirm
                    } else {
                        ""
                    }
                ),
                Some(a) => {
                    let rel = if c.truth == Truth::Met {
                        ""
                    } else {
                        l.pick("required: ", "requis : ")
                    };
                    format!(
                        "{subject}{} {a} {} ({rel}{bounds})",
                        colon(l),
                        age_unit(*unit, *a, l)
                    )
                }
            }
        }
        Detail::Sex { required, recorded } => {
            let subject = label.unwrap_or(l.pick("Sex", "Sexe"));
            match recorded.filter(|s| *s != Sex::Unknown) {
                None => format!(
                    "{subject}{} {}{}",
                    colon(l),
                    l.pick("not recorded", "non renseigné"),
                    if c.truth == Truth::Unknown {
                        confirm
                    } else {
                        ""
                    }
                ),
                Some(s) => format!(
                    "{subject}{} {} ({} {})",
                    colon(l),
                    sex_name(s, l),
                    l.pick("required:", "requis :"),
                    sex_name(*required, l)
                ),
            }
        }
        Detail::Events {
            event_kind,
            names,
            window,
            count,
            first,
            in_window,
            total,
            undated,
            uncertain,
            unreadable,
            evidence,
        } => {
            let subject = name(names, l);
            let win = window_text(window, l);
            let doubts = doubts(*event_kind, *uncertain, *unreadable, l);
            if *total == 0 {
                let none = l.pick("no record", "aucune donnée");
                let none = if *event_kind == EventKind::Medication {
                    l.pick("no prescription", "aucune prescription")
                } else {
                    none
                };
                return if c.truth == Truth::Unknown {
                    format!("{subject}{} {none}{doubts}{confirm}", colon(l))
                } else {
                    format!("{subject}{} {none}{doubts}", colon(l))
                };
            }
            let shown: Vec<String> = evidence
                .iter()
                .take(3)
                .map(|e| match e.date {
                    Some(d) => format!(
                        "{} {} {}",
                        e.display.clone().unwrap_or_else(|| e.code.clone()),
                        l.pick("on", "le"),
                        date(d, l)
                    ),
                    None => format!(
                        "{} ({})",
                        e.display.clone().unwrap_or_else(|| e.code.clone()),
                        l.pick("undated", "non daté")
                    ),
                })
                .collect();
            let mut s = format!("{subject}{} {}", colon(l), shown.join(", "));
            let needs_count = count.min.unwrap_or(1) > 1 || count.max.is_some();
            if needs_count || !window.is_ever() {
                let counted = match l {
                    Locale::En => format!(
                        " ({in_window} {}{})",
                        plural(*in_window, "record", "records"),
                        win.as_deref().map(|w| format!(" {w}")).unwrap_or_default()
                    ),
                    Locale::Fr => format!(
                        " ({in_window} {}{})",
                        plural(*in_window, "enregistrement", "enregistrements"),
                        win.as_deref().map(|w| format!(" {w}")).unwrap_or_default()
                    ),
                };
                s.push_str(&counted);
            }
            if needs_count {
                s.push_str(&format!(
                    "; {} {}",
                    l.pick("required:", "requis :"),
                    count_text(count.min, count.max, l)
                ));
            }
            if *first {
                s.push_str(l.pick(
                    "; first occurrence must be in the window",
                    "; la première occurrence doit être dans la fenêtre",
                ));
            }
            if *undated > 0 && c.truth == Truth::Unknown {
                s.push_str(l.pick(
                    "; some records have no date",
                    "; certains enregistrements ne sont pas datés",
                ));
            }
            if c.truth != Truth::Met {
                s.push_str(&doubts);
            }
            if c.truth == Truth::Unknown {
                s.push_str(confirm);
            }
            s
        }
        Detail::Value {
            names,
            test,
            unit,
            aggregate,
            window,
            result,
            n,
            min_results,
            evidence,
            ignored,
        } => {
            let subject = name(names, l);
            let unit_s = unit.as_deref().map(display_unit).unwrap_or_default();
            let test_s = test_text(test, aggregate, &unit_s, l);
            let tail = if c.truth == Truth::Unknown {
                confirm
            } else {
                ""
            };
            let mut s = match result {
                None if *n > 0 => {
                    let win = window_text(window, l)
                        .map(|w| format!(" {w}"))
                        .unwrap_or_default();
                    match l {
                        Locale::En => format!(
                            "{subject}: only {n} {}{win}, {min_results} needed (required {test_s}){tail}",
                            plural(*n, "value", "values")
                        ),
                        Locale::Fr => format!(
                            "{subject} : seulement {n} {}{win}, {min_results} nécessaires (requis {test_s}){tail}",
                            plural(*n, "valeur", "valeurs")
                        ),
                    }
                }
                None => {
                    let win = window_text(window, l)
                        .map(|w| format!(" {w}"))
                        .unwrap_or_default();
                    let none = format!("{}{win}", l.pick("no value", "aucune valeur"));
                    format!(
                        "{subject}{} {none} ({} {test_s}){tail}",
                        colon(l),
                        l.pick("required", "requis")
                    )
                }
                Some(r) => value_sentence(
                    &subject, *r, *n, &unit_s, aggregate, evidence, &test_s, c.truth, l,
                ),
            };
            if !ignored.is_empty() {
                let items: Vec<String> = ignored
                    .iter()
                    .map(|i| {
                        let when = i
                            .date
                            .map(|d| format!(" {} {}", l.pick("on", "le"), date(d, l)))
                            .unwrap_or_default();
                        let why = match i.reason {
                            IgnoreReason::Implausible => l.pick("implausible", "invraisemblable"),
                            IgnoreReason::UnitNotConvertible => {
                                l.pick("unit not convertible", "unité non convertible")
                            }
                        };
                        ignored_text(i, l, &when, why)
                    })
                    .collect();
                s.push_str(&format!(
                    " [{} {}]",
                    l.pick("ignored:", "ignoré :"),
                    items.join("; ")
                ));
            }
            s
        }
    }
}

/// One ignored value: "212278.88 kg/m² on 2025-02-01, implausible"; a value of another
/// measurement than the subject (a height under BMI) is named; a computed BMI says from what.
fn ignored_text(i: &crate::result::IgnoredValue, l: Locale, when: &str, why: &str) -> String {
    let value = with_unit(i.value, &display_unit(&i.unit), l);
    let named = match &i.measure {
        Some(names) => format!("{} {value}", name(names, l)),
        None => value,
    };
    match &i.derived_from {
        Some(d) => match l {
            Locale::En => format!(
                "{named} computed from weight {} kg and height {} cm{when}, {why}",
                num(d.weight_kg, l),
                num(d.height_cm, l)
            ),
            Locale::Fr => format!(
                "{named} calculé à partir du poids {} kg et de la taille {} cm{when}, {why}",
                num(d.weight_kg, l),
                num(d.height_cm, l)
            ),
        },
        None => format!("{named}{when}, {why}"),
    }
}

/// A number and its unit, without a trailing space when there is no unit.
fn with_unit(x: f64, unit: &str, l: Locale) -> String {
    if unit.is_empty() {
        num(x, l)
    } else {
        format!("{} {unit}", num(x, l))
    }
}

#[allow(clippy::too_many_arguments)]
fn value_sentence(
    subject: &str,
    r: f64,
    n: u32,
    unit: &str,
    aggregate: &Aggregate,
    evidence: &[crate::result::ValueEvidence],
    test: &str,
    truth: Truth,
    l: Locale,
) -> String {
    let neg = match truth {
        Truth::Met => "",
        Truth::Unknown => l.pick(", maybe ", ", peut-être "),
        Truth::NotMet => l.pick(", not ", ", pas "),
    };
    let sep = if truth == Truth::Met { " " } else { "" };
    let when = |e: Option<&crate::result::ValueEvidence>| {
        e.and_then(|e| e.date)
            .map(|d| format!(" {} {}", l.pick("on", "le"), date(d, l)))
            .unwrap_or_default()
    };
    let derived = |e: Option<&crate::result::ValueEvidence>| {
        e.and_then(|e| e.derived_from.as_ref())
            .map(|d| match l {
                Locale::En => format!(
                    " (from weight {} kg and height {} cm)",
                    num(d.weight_kg, l),
                    num(d.height_cm, l)
                ),
                Locale::Fr => format!(
                    " (calculé : poids {} kg, taille {} cm)",
                    num(d.weight_kg, l),
                    num(d.height_cm, l)
                ),
            })
            .unwrap_or_default()
    };
    let values = match l {
        Locale::En => plural(n, "value", "values"),
        Locale::Fr => plural(n, "valeur", "valeurs"),
    };
    match aggregate {
        Aggregate::Latest | Aggregate::Any | Aggregate::All | Aggregate::Min | Aggregate::Max => {
            let first = evidence.first();
            let prefix = match (aggregate, l) {
                (Aggregate::Min, Locale::En) => "lowest ",
                (Aggregate::Min, Locale::Fr) => "minimum ",
                (Aggregate::Max, Locale::En) => "highest ",
                (Aggregate::Max, Locale::Fr) => "maximum ",
                (Aggregate::All, Locale::En) if truth == Truth::Met => "all values ",
                (Aggregate::All, Locale::Fr) if truth == Truth::Met => "toutes les valeurs ",
                _ => "",
            };
            let shown = if matches!(aggregate, Aggregate::All) && truth == Truth::Met {
                String::new()
            } else {
                // A value reported as a bound (`<8 %`) is shown as such.
                let bound = first
                    .filter(|e| e.value == r)
                    .and_then(|e| e.comparator)
                    .map_or("", |c| c.symbol());
                format!("{bound}{} {unit}", num(r, l))
            };
            format!(
                "{subject} {prefix}{}{}{}{neg}{sep}{test}",
                shown.trim_end(),
                when(first),
                derived(first)
            )
            .replace("  ", " ")
        }
        Aggregate::Mean => {
            let mean = l.pick("mean", "moyenne");
            format!(
                "{subject} {mean} {} {unit} ({n} {values}){neg}{sep}{test}",
                num(r, l)
            )
        }
        Aggregate::ShareOutside(range) => {
            let outside = match l {
                Locale::En => format!(
                    "outside {}–{} in {} % of {n} {values}",
                    num(range.low, l),
                    num(range.high, l),
                    num(r, l)
                ),
                Locale::Fr => format!(
                    "hors {}–{} pour {} % de {n} {values}",
                    num(range.low, l),
                    num(range.high, l),
                    num(r, l)
                ),
            };
            format!("{subject} {outside}{neg}{sep}{test}")
        }
    }
}

fn colon(l: Locale) -> &'static str {
    l.pick(":", " :")
}

fn name(names: &Names, l: Locale) -> String {
    l.pick(&names.en, &names.fr).to_string()
}

/// What makes an event criterion doubtful, as a clause (`; 2 diagnoses Inclusio cannot
/// read (unknown code system or no code)`), empty when nothing does.
fn doubts(kind: EventKind, uncertain: u32, unreadable: u32, l: Locale) -> String {
    let (en_one, en_many, fr_one, fr_many) = match kind {
        EventKind::Condition => ("diagnosis", "diagnoses", "diagnostic", "diagnostics"),
        EventKind::ReasonForEncounter => (
            "reason for encounter",
            "reasons for encounter",
            "motif de consultation",
            "motifs de consultation",
        ),
        EventKind::Medication => ("drug record", "drug records", "médicament", "médicaments"),
        EventKind::Procedure => ("procedure", "procedures", "acte", "actes"),
        EventKind::Immunization => ("vaccination", "vaccinations", "vaccination", "vaccinations"),
        EventKind::Allergy => ("allergy", "allergies", "allergie", "allergies"),
        EventKind::History => ("history item", "history items", "antécédent", "antécédents"),
    };
    let noun = |n: u32| match l {
        Locale::En => plural(n, en_one, en_many),
        Locale::Fr => plural(n, fr_one, fr_many),
    };
    let mut out = String::new();
    if unreadable > 0 {
        let n = unreadable;
        out.push_str(&match l {
            Locale::En => format!(
                "; {n} {} Inclusio cannot read (code system not read, or no code)",
                noun(n)
            ),
            Locale::Fr => format!(
                "; {n} {} qu'Inclusio ne sait pas lire (système de codes non lu, ou sans code)",
                noun(n)
            ),
        });
    }
    if uncertain > 0 {
        let n = uncertain;
        out.push_str(&match l {
            Locale::En => format!(
                "; {n} {} may match (unconfirmed, or coded without an exact equivalent)",
                noun(n)
            ),
            Locale::Fr => format!(
                "; {n} {} {} correspondre (non confirmé, ou codé sans équivalent exact)",
                noun(n),
                plural(n, "pourrait", "pourraient")
            ),
        });
    }
    out
}

fn plural<'a>(n: u32, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 { one } else { many }
}

/// A number with at most two decimals, trailing zeros trimmed; a decimal comma in French.
pub fn num(x: f64, l: Locale) -> String {
    let s = format!("{x:.2}");
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        &s
    };
    let s = if s == "-0" { "0" } else { s };
    match l {
        Locale::En => s.to_string(),
        Locale::Fr => s.replace('.', ","),
    }
}

/// A date: ISO in English, dd/mm/yyyy in French.
pub fn date(d: NaiveDate, l: Locale) -> String {
    match l {
        Locale::En => d.format("%Y-%m-%d").to_string(),
        Locale::Fr => d.format("%d/%m/%Y").to_string(),
    }
}

pub(crate) fn display_unit(u: &str) -> String {
    match u {
        "kg/m2" => "kg/m²".into(),
        "mm[Hg]" => "mmHg".into(),
        "{INR}" | "1" | "{score}" => String::new(),
        "mL/min/{1.73_m2}" => "mL/min/1.73 m²".into(),
        "umol/L" => "µmol/L".into(),
        "Cel" => "°C".into(),
        other => other.trim_matches(|c| c == '{' || c == '}').to_string(),
    }
}

pub(crate) fn test_text(t: &ValueTest, aggregate: &Aggregate, unit: &str, l: Locale) -> String {
    let unit = if matches!(aggregate, Aggregate::ShareOutside(_)) {
        "%"
    } else {
        unit
    };
    let with_unit = |x: f64| {
        if unit.is_empty() {
            num(x, l)
        } else {
            format!("{} {unit}", num(x, l))
        }
    };
    if let (Some(a), Some(b)) = (t.gte, t.lte) {
        return match l {
            Locale::En => format!("between {} and {}", num(a, l), with_unit(b)),
            Locale::Fr => format!("entre {} et {}", num(a, l), with_unit(b)),
        };
    }
    let mut parts = Vec::new();
    for (op, bound) in [
        ("≥", t.gte),
        (">", t.gt),
        ("≤", t.lte),
        ("<", t.lt),
        ("=", t.eq),
    ] {
        if let Some(b) = bound {
            parts.push(format!("{op} {}", with_unit(b)));
        }
    }
    parts.join(l.pick(" and ", " et "))
}

pub(crate) fn age_unit(unit: AgeUnit, n: u32, l: Locale) -> &'static str {
    match (unit, l) {
        (AgeUnit::Years, Locale::En) => {
            if n == 1 {
                "year"
            } else {
                "years"
            }
        }
        (AgeUnit::Years, Locale::Fr) => {
            if n <= 1 {
                "an"
            } else {
                "ans"
            }
        }
        (AgeUnit::Months, Locale::En) => {
            if n == 1 {
                "month"
            } else {
                "months"
            }
        }
        (AgeUnit::Months, Locale::Fr) => "mois",
    }
}

fn age_bounds(min: Option<u32>, max: Option<u32>, unit: AgeUnit, l: Locale) -> String {
    let u = age_unit(unit, 2, l);
    match (min, max, l) {
        (Some(a), Some(b), _) => format!("{a}–{b} {u}"),
        (Some(a), None, _) => format!("≥ {a} {u}"),
        (None, Some(b), _) => format!("≤ {b} {u}"),
        (None, None, _) => String::new(),
    }
}

pub(crate) fn sex_name(s: Sex, l: Locale) -> &'static str {
    match s {
        Sex::Female => l.pick("female", "féminin"),
        Sex::Male => l.pick("male", "masculin"),
        Sex::Other => l.pick("other", "autre"),
        Sex::Unknown => l.pick("unknown", "inconnu"),
    }
}

pub(crate) fn count_text(min: Option<u32>, max: Option<u32>, l: Locale) -> String {
    match (min.filter(|m| *m > 0), max, l) {
        (Some(a), Some(b), Locale::En) => format!("{a} to {b}"),
        (Some(a), Some(b), Locale::Fr) => format!("de {a} à {b}"),
        (Some(a), None, Locale::En) => format!("at least {a}"),
        (Some(a), None, Locale::Fr) => format!("au moins {a}"),
        (None, Some(b), Locale::En) => format!("at most {b}"),
        (None, Some(b), Locale::Fr) => format!("au plus {b}"),
        (None, None, _) => String::new(),
    }
}

pub(crate) fn offset_text(o: &Offset, l: Locale) -> String {
    let n = o.amount.unsigned_abs();
    let unit = match (o.unit, l) {
        (OffsetUnit::Days, Locale::En) => {
            if n == 1 {
                "day"
            } else {
                "days"
            }
        }
        (OffsetUnit::Days, Locale::Fr) => {
            if n == 1 {
                "jour"
            } else {
                "jours"
            }
        }
        (OffsetUnit::Weeks, Locale::En) => {
            if n == 1 {
                "week"
            } else {
                "weeks"
            }
        }
        (OffsetUnit::Weeks, Locale::Fr) => {
            if n == 1 {
                "semaine"
            } else {
                "semaines"
            }
        }
        (OffsetUnit::Months, Locale::En) => {
            if n == 1 {
                "month"
            } else {
                "months"
            }
        }
        (OffsetUnit::Months, Locale::Fr) => "mois",
        (OffsetUnit::Years, Locale::En) => {
            if n == 1 {
                "year"
            } else {
                "years"
            }
        }
        (OffsetUnit::Years, Locale::Fr) => {
            if n == 1 {
                "an"
            } else {
                "ans"
            }
        }
    };
    format!("{n} {unit}")
}

/// "in the last 2 years", "between 5 years and 6 months ago", "more than 1 year ago".
pub fn window_text(w: &Window, l: Locale) -> Option<String> {
    let last = w.within.as_ref().or(if w.to.is_none() {
        w.from.as_ref()
    } else {
        None
    });
    if let Some(within) = last {
        return Some(match l {
            Locale::En => format!("in the last {}", offset_text(within, l)),
            Locale::Fr => last_fr(within),
        });
    }
    match (&w.from, &w.to, l) {
        (Some(f), Some(t), Locale::En) => Some(format!(
            "between {} and {} ago",
            offset_text(f, l),
            offset_text(t, l)
        )),
        (Some(f), Some(t), Locale::Fr) => Some(format!(
            "il y a entre {} et {}",
            offset_text(t, l),
            offset_text(f, l)
        )),
        (None, Some(t), Locale::En) => Some(format!("more than {} ago", offset_text(t, l))),
        (None, Some(t), Locale::Fr) => Some(format!("il y a plus de {}", offset_text(t, l))),
        (_, None, _) => None,
    }
}

/// "au cours des 3 derniers mois", "au cours des 2 dernières années".
fn last_fr(o: &Offset) -> String {
    let n = o.amount.unsigned_abs();
    let (one, many) = match o.unit {
        OffsetUnit::Days => ("du dernier jour", "derniers jours"),
        OffsetUnit::Weeks => ("de la dernière semaine", "dernières semaines"),
        OffsetUnit::Months => ("du dernier mois", "derniers mois"),
        OffsetUnit::Years => ("de la dernière année", "dernières années"),
    };
    if n == 1 {
        format!("au cours {one}")
    } else {
        format!("au cours des {n} {many}")
    }
}
