//! Validation of a trial version before it can be used: every check reports the JSON path
//! of the offending node, a stable code and a clear message. The codes are listed in
//! `trials/README.md`.

use crate::Trial;
use crate::catalogue;
use crate::codes::{CodeEntry, CodeSet, CodeSystem, EntryError, ResolvedCodeSet};
use crate::compile::comparison_unit;
use crate::criteria::{
    AgeTest, AgeUnit, Aggregate, Codes, Criteria, Criterion, EventTest, Node, ValueTest,
};
use crate::patient::Sex;
use crate::units;
use crate::window::Window;
use serde::Serialize;
use std::collections::HashSet;
use std::fmt;

/// One problem found in a trial.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ValidationError {
    /// JSON path of the offending value, such as `$.criteria.inclusion[1].age`.
    pub path: String,
    /// Stable machine-readable code, such as `age_bounds_contradictory`.
    pub code: &'static str,
    /// What is wrong, in plain English.
    pub message: String,
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {} ({})", self.path, self.message, self.code)
    }
}

/// Deepest nesting of groups allowed.
pub const MAX_DEPTH: usize = 16;

/// Validates a trial version; an empty list means it can be used.
pub fn validate(trial: &Trial) -> Vec<ValidationError> {
    let mut v = Validator {
        errors: Vec::new(),
        criteria: &trial.criteria,
        ids: HashSet::new(),
    };
    if trial.id.trim().is_empty() {
        v.err("$.id", "empty_trial_id", "the trial id is empty".into());
    }
    if trial.title.trim().is_empty() {
        v.err("$.title", "empty_title", "the title is empty".into());
    }
    if trial.version == 0 {
        v.err("$.version", "bad_version", "versions start at 1".into());
    }
    v.criteria_lists(&trial.criteria);
    v.errors
}

/// Validates criteria alone (paths start at `$.criteria`).
pub fn validate_criteria(criteria: &Criteria) -> Vec<ValidationError> {
    let mut v = Validator {
        errors: Vec::new(),
        criteria,
        ids: HashSet::new(),
    };
    v.criteria_lists(criteria);
    v.errors
}

struct Validator<'a> {
    errors: Vec<ValidationError>,
    criteria: &'a Criteria,
    ids: HashSet<&'a str>,
}

impl<'a> Validator<'a> {
    fn err(&mut self, path: &str, code: &'static str, message: String) {
        self.errors.push(ValidationError {
            path: path.to_string(),
            code,
            message,
        });
    }

    fn criteria_lists(&mut self, c: &'a Criteria) {
        if c.inclusion.is_empty() {
            self.err(
                "$.criteria.inclusion",
                "no_inclusion_criteria",
                "a trial needs at least one inclusion criterion".into(),
            );
        }
        for (name, set) in &c.code_sets {
            let path = format!("$.criteria.code_sets.{name}");
            if name.trim().is_empty() || name.chars().any(|ch| ch.is_whitespace()) {
                self.err(
                    &path,
                    "bad_code_set_name",
                    format!("code set name `{name}` must be one word without spaces"),
                );
            }
            self.code_set(&path, set, None);
        }
        for (i, crit) in c.inclusion.iter().enumerate() {
            self.criterion(&format!("$.criteria.inclusion[{i}]"), crit, 1);
        }
        for (i, crit) in c.exclusion.iter().enumerate() {
            let path = format!("$.criteria.exclusion[{i}]");
            self.criterion(&path, crit, 1);
            if let Some(j) = c.inclusion.iter().position(|inc| same_test(inc, crit)) {
                self.err(
                    &path,
                    "exclusion_same_as_inclusion",
                    format!("exclusion `{}` tests exactly what inclusion `{}` tests: no patient could ever be eligible", crit.id, c.inclusion[j].id),
                );
            }
        }
    }

    fn criterion(&mut self, path: &str, c: &'a Criterion, depth: usize) {
        if c.id.trim().is_empty() {
            self.err(
                path,
                "empty_id",
                "every criterion needs a non-empty id".into(),
            );
        } else if !self.ids.insert(c.id.as_str()) {
            self.err(
                path,
                "duplicate_id",
                format!("criterion id `{}` is used more than once", c.id),
            );
        }
        if depth > MAX_DEPTH {
            self.err(
                path,
                "too_deep",
                format!("groups are nested more than {MAX_DEPTH} deep"),
            );
            return;
        }
        match &c.node {
            Node::All(v) => self.group(&format!("{path}.all"), v, depth),
            Node::Any(v) => self.group(&format!("{path}.any"), v, depth),
            Node::AtLeast(a) => {
                let p = format!("{path}.at_least");
                if a.n == 0 {
                    self.err(
                        &format!("{p}.n"),
                        "at_least_zero",
                        "`at_least` with n = 0 is always met: remove it or use n ≥ 1".into(),
                    );
                } else if a.n as usize > a.of.len() {
                    self.err(
                        &format!("{p}.n"),
                        "at_least_too_many",
                        format!(
                            "`at_least` asks for {} of only {} criteria: it can never be met",
                            a.n,
                            a.of.len()
                        ),
                    );
                }
                self.group(&format!("{p}.of"), &a.of, depth);
            }
            Node::Not(inner) => self.criterion(&format!("{path}.not"), inner, depth + 1),
            Node::Age(t) => self.age(&format!("{path}.age"), t),
            Node::Sex(t) => {
                if t.is == Sex::Unknown {
                    self.err(
                        &format!("{path}.sex.is"),
                        "sex_unknown",
                        "a criterion cannot require an unknown sex: use female, male or other"
                            .into(),
                    );
                }
            }
            Node::Event(kind, t) => self.event(&format!("{path}.{}", kind.key()), t),
            Node::Observation(t) => {
                let p = format!("{path}.observation");
                let set = self.codes(&format!("{p}.codes"), &t.codes, Some(ObservationCodes));
                self.window(&format!("{p}.window"), &t.window);
                if t.min_results == Some(0) {
                    self.err(
                        &format!("{p}.min_results"),
                        "min_results_zero",
                        "`min_results` must be at least 1".into(),
                    );
                }
                self.value(&p, &t.value, &t.aggregate, set.as_ref(), None);
            }
            Node::Bmi(t) => {
                let p = format!("{path}.bmi");
                self.window(&format!("{p}.window"), &t.window);
                self.value(&p, &t.value, &t.aggregate, None, Some(catalogue::BMI));
            }
        }
    }

    fn group(&mut self, path: &str, children: &'a [Criterion], depth: usize) {
        if children.is_empty() {
            self.err(path, "empty_group", "this group has no criteria".into());
        }
        for (i, c) in children.iter().enumerate() {
            self.criterion(&format!("{path}[{i}]"), c, depth + 1);
        }
    }

    fn age(&mut self, path: &str, t: &AgeTest) {
        let limit = match t.unit {
            AgeUnit::Years => 130,
            AgeUnit::Months => 130 * 12,
        };
        match (t.min, t.max) {
            (None, None) => self.err(path, "age_no_bounds", "give `min`, `max` or both".into()),
            (Some(a), Some(b)) if a > b => self.err(
                path,
                "age_bounds_contradictory",
                format!("minimum age {a} is above maximum age {b}: no one can be both"),
            ),
            _ => {}
        }
        for (key, bound) in [("min", t.min), ("max", t.max)] {
            if bound.is_some_and(|b| b > limit) {
                self.err(
                    &format!("{path}.{key}"),
                    "age_implausible",
                    format!(
                        "{key} {} is beyond a human lifetime ({limit})",
                        bound.unwrap_or_default()
                    ),
                );
            }
        }
    }

    fn event(&mut self, path: &str, t: &'a EventTest) {
        self.codes(&format!("{path}.codes"), &t.codes, None);
        self.window(&format!("{path}.window"), &t.window);
        if let Some(c) = t.count {
            let p = format!("{path}.count");
            match (c.min, c.max) {
                (Some(a), Some(b)) if a > b => self.err(
                    &p,
                    "count_contradictory",
                    format!("at least {a} and at most {b} events: impossible"),
                ),
                (Some(0), None) => self.err(
                    &p,
                    "count_always_met",
                    "at least 0 events with no maximum is always met".into(),
                ),
                _ => {}
            }
        }
        if t.first && t.window.is_ever() {
            self.err(
                &format!("{path}.first"),
                "first_without_window",
                "`first` needs a window: the first occurrence is always somewhere in \"ever\""
                    .into(),
            );
        }
    }

    fn codes(
        &mut self,
        path: &str,
        codes: &'a Codes,
        only: Option<ObservationCodes>,
    ) -> Option<ResolvedCodeSet> {
        match codes {
            Codes::Inline(set) => self.code_set(path, set, only),
            Codes::Ref(name) => match self.criteria.code_sets.get(name) {
                None => {
                    self.err(
                        path,
                        "unknown_code_set",
                        format!("no code set named `{name}` in `code_sets`"),
                    );
                    None
                }
                Some(set) => {
                    // The set's own errors are reported at its definition.
                    let resolved = ResolvedCodeSet::resolve(set).ok();
                    if only.is_some()
                        && let Some(r) = &resolved
                    {
                        self.observation_systems(path, r);
                    }
                    resolved
                }
            },
        }
    }

    fn code_set(
        &mut self,
        path: &str,
        set: &CodeSet,
        only: Option<ObservationCodes>,
    ) -> Option<ResolvedCodeSet> {
        if set.include.is_empty() {
            self.err(
                &format!("{path}.include"),
                "empty_code_set",
                "a code set needs at least one included code".into(),
            );
        }
        let mut ok = true;
        for (list, entries) in [("include", &set.include), ("exclude", &set.exclude)] {
            for (i, e) in entries.iter().enumerate() {
                ok &= self.entry(&format!("{path}.{list}[{i}]"), e);
            }
        }
        let resolved = ok.then(|| ResolvedCodeSet::resolve(set).ok()).flatten()?;
        if !resolved.exclude.is_empty()
            && resolved.include.iter().all(|inc| {
                resolved
                    .exclude
                    .iter()
                    .any(|x| x.descendants && inc.code.is_under(&x.code) && inc.system == x.system)
            })
        {
            self.err(
                &format!("{path}.exclude"),
                "code_set_excludes_everything",
                "the excluded codes cover every included code: the set is empty".into(),
            );
        }
        if only.is_some() {
            self.observation_systems(path, &resolved);
        }
        Some(resolved)
    }

    fn observation_systems(&mut self, path: &str, set: &ResolvedCodeSet) {
        if let Some(e) = set
            .include
            .iter()
            .find(|e| !matches!(e.system, CodeSystem::Loinc | CodeSystem::Snomed))
        {
            self.err(
                path,
                "observation_system",
                format!(
                    "observations are coded in LOINC (or SNOMED CT), not {}",
                    e.system
                ),
            );
        }
    }

    fn entry(&mut self, path: &str, e: &CodeEntry) -> bool {
        let Err(error) = e.resolve() else {
            return true;
        };
        let (field, code) = match &error {
            EntryError::UnknownSystem(_) => ("system", "unknown_system"),
            EntryError::Malformed { .. } => ("code", "malformed_code"),
            EntryError::BadRange { .. } => ("code", "bad_range"),
            EntryError::ReversedRange(_) => ("code", "reversed_range"),
            EntryError::NoHierarchy(_) => ("descendants", "no_hierarchy"),
        };
        let mut message = error.to_string();
        if code == "unknown_system" {
            message.push_str(": use one of ");
            message.push_str(&CodeSystem::ALL.map(|s| s.uri()).join(", "));
        }
        self.err(&format!("{path}.{field}"), code, message);
        false
    }

    fn window(&mut self, path: &str, w: &Window) {
        for (key, offset) in [("within", w.within), ("from", w.from), ("to", w.to)] {
            if offset.is_some_and(|o| o.amount < 0) {
                self.err(
                    &format!("{path}.{key}"),
                    "negative_window",
                    format!("`{key}` is negative: offsets count back from the consultation date"),
                );
            }
        }
        if w.within.is_some() && (w.from.is_some() || w.to.is_some()) {
            self.err(
                path,
                "window_within_and_range",
                "use either `within` or `from`/`to`, not both".into(),
            );
        }
        if let (Some(from), Some(to)) = (w.from, w.to)
            && from.approx_days() <= to.approx_days()
        {
            self.err(
                path,
                "window_empty",
                format!("`from` ({from}) must lie further back than `to` ({to})"),
            );
        }
    }

    fn value(
        &mut self,
        path: &str,
        test: &ValueTest,
        aggregate: &Aggregate,
        codes: Option<&ResolvedCodeSet>,
        fixed_code: Option<&str>,
    ) {
        let vp = format!("{path}.value");
        if test.is_empty() {
            self.err(
                &vp,
                "value_no_bounds",
                "give at least one of gt, gte, lt, lte, eq".into(),
            );
        }
        if test.eq.is_some()
            && (test.gt.is_some() || test.gte.is_some() || test.lt.is_some() || test.lte.is_some())
        {
            self.err(
                &vp,
                "value_eq_with_bounds",
                "`eq` cannot be combined with other bounds".into(),
            );
        }
        let low = test
            .gt
            .into_iter()
            .chain(test.gte)
            .fold(f64::NEG_INFINITY, f64::max);
        let high = test
            .lt
            .into_iter()
            .chain(test.lte)
            .fold(f64::INFINITY, f64::min);
        let open = test.gt.is_some_and(|g| g >= high) || test.lt.is_some_and(|l| l <= low);
        if low > high || open {
            self.err(
                &vp,
                "value_bounds_contradictory",
                "the lower bound is above the upper bound: no value can pass".into(),
            );
        }
        let comparison = comparison_unit(aggregate, test);
        // The catalogued kinds the values come from.
        let kinds: Vec<&catalogue::ObservationKind> = match fixed_code {
            Some(code) => catalogue::lookup(code).into_iter().collect(),
            None => codes
                .map(|s| {
                    s.include
                        .iter()
                        .filter(|e| e.system == CodeSystem::Loinc)
                        .filter_map(|e| catalogue::lookup(e.code.as_str()))
                        .collect()
                })
                .unwrap_or_default(),
        };
        let unit_path = match aggregate {
            Aggregate::ShareOutside(_) => format!("{path}.aggregate.share_outside.unit"),
            _ => format!("{vp}.unit"),
        };
        if let Some(u) = &comparison {
            if units::Unit::parse(u).is_none() && !kinds.is_empty() {
                self.err(
                    &unit_path,
                    "unknown_unit",
                    format!("`{u}` is not a unit this engine knows"),
                );
            }
            for k in &kinds {
                if units::Unit::parse(u).is_some() && k.conversion(k.unit, u).is_none() {
                    self.err(
                        &unit_path,
                        "unit_not_convertible",
                        format!(
                            "{} is measured in {}, which does not convert to `{u}`",
                            k.name_en, k.unit
                        ),
                    );
                }
            }
        }
        if let Aggregate::ShareOutside(r) = aggregate {
            let ap = format!("{path}.aggregate.share_outside");
            if r.low > r.high {
                self.err(
                    &ap,
                    "share_range_reversed",
                    format!("low {} is above high {}", r.low, r.high),
                );
            }
            if test.unit.as_deref().is_some_and(|u| u.trim() != "%") {
                self.err(
                    &format!("{vp}.unit"),
                    "share_unit",
                    "the value of `share_outside` is a share in %: its unit is `%` or absent"
                        .into(),
                );
            }
            if low < 0.0 || high > 100.0 && high.is_finite() {
                self.err(
                    &vp,
                    "share_bounds",
                    "a share lies between 0 and 100 %".into(),
                );
            }
        } else if !(low > high || open) {
            self.plausible(&vp, &kinds, comparison.as_deref(), low, high);
        }
    }

    /// A test that no plausible value could pass is an error (HbA1c ≥ 75 %, meant mmol/mol).
    fn plausible(
        &mut self,
        path: &str,
        kinds: &[&catalogue::ObservationKind],
        unit: Option<&str>,
        low: f64,
        high: f64,
    ) {
        for k in kinds {
            let factor = unit.map_or(Some(catalogue::Linear::IDENTITY), |u| {
                k.conversion(k.unit, u)
            });
            let Some(f) = factor else { continue };
            let (min, max) = (f.apply(k.min), f.apply(k.max));
            if low > max || high < min {
                self.err(path, "value_implausible", format!("no plausible {} passes this test: plausible values lie between {} and {} {}", k.name_en, fmt_num(min), fmt_num(max), unit.unwrap_or(k.unit)));
            }
        }
    }
}

/// Marker: the codes of an observation (LOINC or SNOMED CT only).
#[derive(Clone, Copy)]
struct ObservationCodes;

fn fmt_num(x: f64) -> String {
    let s = format!("{x:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// Whether two criteria test the same thing, ids and labels aside.
fn same_test(a: &Criterion, b: &Criterion) -> bool {
    let pairwise = |x: &[Criterion], y: &[Criterion]| {
        x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same_test(p, q))
    };
    match (&a.node, &b.node) {
        (Node::All(x), Node::All(y)) | (Node::Any(x), Node::Any(y)) => pairwise(x, y),
        (Node::AtLeast(x), Node::AtLeast(y)) => x.n == y.n && pairwise(&x.of, &y.of),
        (Node::Not(x), Node::Not(y)) => same_test(x, y),
        (x, y) => {
            !matches!(
                x,
                Node::All(_) | Node::Any(_) | Node::AtLeast(_) | Node::Not(_)
            ) && x == y
        }
    }
}
