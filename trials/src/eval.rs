//! Three-valued evaluation of compiled criteria against a prepared patient. This pass only
//! computes truths (no allocation beyond reused scratch space); [`crate::detail`] re-reads the
//! same leaves to collect evidence for the trials worth showing.

use crate::catalogue::{self, Reading};
use crate::compile::{CEvent, CNode, CValue, SourceCode, ValueSource};
use crate::criteria::{AgeTest, AgeUnit, Aggregate, Missing, SexTest};
use crate::patient::{Event, EventStatus, Sex};
use crate::prepared::PreparedPatient;
use crate::result::IgnoreReason;
use crate::truth::Truth;
use crate::units;
use crate::window::DateRange;
use chrono::{Datelike, NaiveDate};

/// How leaves find the events whose codes they match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Matching {
    /// Through the patient's sorted prefix table (what the index uses).
    Indexed,
    /// By testing every event of the kind against the code set (the plain definition).
    Plain,
}

/// What evaluation reads.
pub(crate) struct Ctx<'a, 'p> {
    pub patient: &'a PreparedPatient<'p>,
    pub reference: NaiveDate,
    pub matching: Matching,
}

/// Reused buffers.
#[derive(Default)]
pub(crate) struct Scratch {
    pub groups: Vec<u32>,
    pub values: Vec<Val>,
}

/// One usable value of a value leaf, in the leaf's unit.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Val {
    pub date: Option<NaiveDate>,
    pub value: f64,
    pub source: ValSource,
}

/// Where a value came from.
#[derive(Debug, Clone, Copy)]
pub(crate) enum ValSource {
    Observation,
    Derived { weight: u32, height: u32 },
}

impl From<Missing> for Truth {
    fn from(m: Missing) -> Truth {
        match m {
            Missing::NotMet => Truth::NotMet,
            Missing::Unknown => Truth::Unknown,
        }
    }
}

/// The truth of a compiled criterion.
pub(crate) fn truth(node: &CNode, ctx: &Ctx, s: &mut Scratch) -> Truth {
    match node {
        CNode::All(children) => {
            let mut t = Truth::Met;
            for c in children {
                t = t.and(truth(c, ctx, s));
                if t == Truth::NotMet {
                    break;
                }
            }
            t
        }
        CNode::Any(children) => {
            let mut t = Truth::NotMet;
            for c in children {
                t = t.or(truth(c, ctx, s));
                if t == Truth::Met {
                    break;
                }
            }
            t
        }
        CNode::AtLeast(n, children) => {
            let mut truths = Vec::with_capacity(children.len());
            for c in children {
                truths.push(truth(c, ctx, s));
            }
            Truth::at_least(*n, truths)
        }
        CNode::Not(c) => truth(c, ctx, s).not(),
        CNode::Age(t) => age(t, ctx).0,
        CNode::Sex(t) => sex(t, ctx),
        CNode::Event(e) => events(e, ctx, s).truth,
        CNode::Value(v) => values(v, ctx, s, None).truth,
    }
}

/// Age in completed years or months at `reference`; `None` when the birth date is after
/// the reference date or the age is implausible (over 130 years).
pub fn age_at(birth: NaiveDate, reference: NaiveDate, unit: AgeUnit) -> Option<u32> {
    if birth > reference {
        return None;
    }
    let months = (reference.year() - birth.year()) * 12 + reference.month() as i32
        - birth.month() as i32
        - i32::from(reference.day() < birth.day());
    let months = u32::try_from(months).ok()?;
    if months > 130 * 12 {
        return None;
    }
    Some(match unit {
        AgeUnit::Years => months / 12,
        AgeUnit::Months => months,
    })
}

/// Age test: truth and the age used.
pub(crate) fn age(t: &AgeTest, ctx: &Ctx) -> (Truth, Option<u32>) {
    let age = ctx
        .patient
        .patient
        .birth_date
        .and_then(|b| age_at(b, ctx.reference, t.unit));
    let truth = match age {
        None => t.missing.unwrap_or(Missing::Unknown).into(),
        Some(a) => Truth::from_bool(t.min.is_none_or(|m| a >= m) && t.max.is_none_or(|m| a <= m)),
    };
    (truth, age)
}

/// Sex test.
pub(crate) fn sex(t: &SexTest, ctx: &Ctx) -> Truth {
    match ctx.patient.patient.sex {
        None | Some(Sex::Unknown) => t.missing.unwrap_or(Missing::Unknown).into(),
        Some(s) => Truth::from_bool(s == t.is),
    }
}

/// Fills `out` with the groups of events whose code is in the leaf's code set.
pub(crate) fn matched_groups(e: &CEvent, ctx: &Ctx, out: &mut Vec<u32>) {
    out.clear();
    let p = ctx.patient;
    match ctx.matching {
        Matching::Plain => {
            for (g, group) in p.groups.iter().enumerate() {
                if group.kind == e.kind && e.set.contains(group.system, &group.code) {
                    out.push(g as u32);
                }
            }
        }
        Matching::Indexed => {
            for &(key, descendants) in &e.keys {
                for &(_, g, whole) in p.groups_under(key) {
                    if whole || descendants {
                        out.push(g);
                    }
                }
            }
            if e.keys.len() > 1 {
                out.sort_unstable();
                out.dedup();
            }
            if !e.set.exclude.is_empty() {
                out.retain(|&g| {
                    let group = &p.groups[g as usize];
                    !e.set
                        .exclude
                        .iter()
                        .any(|x| x.matches(group.system, &group.code))
                });
            }
        }
    }
}

/// Whether an event is still current at the reference date.
pub(crate) fn is_current(ev: &Event, reference: NaiveDate) -> bool {
    ev.status != Some(EventStatus::Inactive) && ev.end.is_none_or(|end| end >= reference)
}

/// The counts an event leaf is decided on.
#[derive(Debug, Clone, Copy)]
pub(crate) struct EventOutcome {
    pub truth: Truth,
    pub in_window: u32,
    pub total: u32,
    pub undated: u32,
}

/// Event leaf: counts in the window, first occurrence, missing data, undated events.
pub(crate) fn events(e: &CEvent, ctx: &Ctx, s: &mut Scratch) -> EventOutcome {
    matched_groups(e, ctx, &mut s.groups);
    let range = e.window.range(ctx.reference);
    let ever = e.window.is_ever();
    let (mut in_window, mut total, mut undated) = (0u32, 0u32, 0u32);
    let mut earliest: Option<NaiveDate> = None;
    for &g in &s.groups {
        for &i in &ctx.patient.groups[g as usize].events {
            let ev = &ctx.patient.patient.events[i as usize];
            if e.current && !is_current(ev, ctx.reference) {
                continue;
            }
            match ev.date {
                None => undated += 1,
                Some(d) if d > ctx.reference => continue,
                Some(d) => {
                    earliest = Some(earliest.map_or(d, |x| x.min(d)));
                    in_window += u32::from(range.contains(d));
                }
            }
            total += 1;
        }
    }
    // Undated events are surely in an "ever" window, and maybe in any other.
    let (lo, hi) = if ever {
        (in_window + undated, in_window + undated)
    } else {
        (in_window, in_window + undated)
    };
    let ok = |c: u32| c >= e.min && e.max.is_none_or(|m| c <= m);
    let mut truth = if ok(lo) && ok(hi) {
        Truth::Met
    } else if hi < e.min || e.max.is_some_and(|m| lo > m) {
        Truth::NotMet
    } else {
        Truth::Unknown
    };
    if e.first {
        truth = truth.and(first_in_window(earliest, undated, &range));
    }
    if total == 0 && truth != Truth::Met {
        truth = e.missing.into();
    }
    EventOutcome {
        truth,
        in_window,
        total,
        undated,
    }
}

fn first_in_window(earliest: Option<NaiveDate>, undated: u32, range: &DateRange) -> Truth {
    match earliest {
        Some(d) if !range.contains(d) => Truth::NotMet,
        Some(_) | None if undated > 0 => Truth::Unknown,
        Some(_) => Truth::Met,
        None => Truth::NotMet,
    }
}

/// The figures a value leaf is decided on.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ValueOutcome {
    pub truth: Truth,
    /// The aggregated value tested (a share in % for `share_outside`).
    pub result: Option<f64>,
}

/// Value leaf: collects usable values in the window (in `s.values`, by date), aggregates
/// them and tests the aggregate. `ignored`, when given, receives the values left out.
pub(crate) fn values(
    v: &CValue,
    ctx: &Ctx,
    s: &mut Scratch,
    ignored: Option<&mut Vec<(u32, IgnoreReason)>>,
) -> ValueOutcome {
    collect_values(v, ctx, &mut s.values, ignored);
    let vals = &s.values;
    let n = vals.len() as u32;
    if n == 0 || n < v.min_results {
        return ValueOutcome {
            truth: v.missing.into(),
            result: None,
        };
    }
    let holds = |x: f64| v.test.holds(x);
    let latest = vals[vals.len() - 1].value;
    let (truth, result) = match &v.aggregate {
        Aggregate::Latest => (Truth::from_bool(holds(latest)), latest),
        Aggregate::Any => {
            let hit = vals.iter().rev().find(|x| holds(x.value));
            (
                Truth::from_bool(hit.is_some()),
                hit.map_or(latest, |x| x.value),
            )
        }
        Aggregate::All => {
            let miss = vals.iter().rev().find(|x| !holds(x.value));
            (
                Truth::from_bool(miss.is_none()),
                miss.map_or(latest, |x| x.value),
            )
        }
        Aggregate::Mean => {
            let mean = vals.iter().map(|x| x.value).sum::<f64>() / f64::from(n);
            (Truth::from_bool(holds(mean)), mean)
        }
        Aggregate::Min => {
            let m = vals.iter().map(|x| x.value).fold(f64::INFINITY, f64::min);
            (Truth::from_bool(holds(m)), m)
        }
        Aggregate::Max => {
            let m = vals
                .iter()
                .map(|x| x.value)
                .fold(f64::NEG_INFINITY, f64::max);
            (Truth::from_bool(holds(m)), m)
        }
        Aggregate::ShareOutside(r) => {
            let outside = vals
                .iter()
                .filter(|x| x.value < r.low || x.value > r.high)
                .count();
            let share = 100.0 * outside as f64 / f64::from(n);
            (Truth::from_bool(holds(share)), share)
        }
    };
    ValueOutcome {
        truth,
        result: Some(result),
    }
}

fn in_window(date: Option<NaiveDate>, range: &DateRange, ever: bool, reference: NaiveDate) -> bool {
    match date {
        None => ever,
        Some(d) => d <= reference && range.contains(d),
    }
}

/// Collects a value leaf's usable values in the window, sorted by date (undated first).
pub(crate) fn collect_values(
    v: &CValue,
    ctx: &Ctx,
    out: &mut Vec<Val>,
    mut ignored: Option<&mut Vec<(u32, IgnoreReason)>>,
) {
    out.clear();
    let range = v.window.range(ctx.reference);
    let ever = v.window.is_ever();
    let mut ignore = |i: u32, why: IgnoreReason| {
        if let Some(list) = ignored.as_deref_mut() {
            list.push((i, why));
        }
    };
    match &v.source {
        ValueSource::Codes(codes) => {
            for code in codes {
                collect_code(v, code, ctx, &range, ever, out, &mut ignore);
            }
        }
        ValueSource::Bmi {
            bmi,
            weight,
            height,
        } => {
            collect_bmi(
                v,
                [*bmi, *weight, *height],
                ctx,
                &range,
                ever,
                out,
                &mut ignore,
            );
        }
    }
    out.sort_by_key(|x| x.date);
}

fn collect_code(
    v: &CValue,
    code: &SourceCode,
    ctx: &Ctx,
    range: &DateRange,
    ever: bool,
    out: &mut Vec<Val>,
    ignore: &mut impl FnMut(u32, IgnoreReason),
) {
    let Some(group) = ctx.patient.observations.get(&code.key) else {
        return;
    };
    for ov in &group.values {
        if !in_window(ov.date, range, ever, ctx.reference) {
            continue;
        }
        let value = match (ov.reading, code.factor) {
            (Reading::Value(x), Some(f)) => Some(x * f),
            (Reading::Value(x), None) => {
                let obs = &ctx.patient.patient.observations[ov.index as usize];
                match &v.value_unit {
                    Some(u) if !obs.unit.trim().is_empty() => units::convert(x, &obs.unit, u),
                    _ => Some(x),
                }
            }
            (Reading::Implausible, _) => {
                ignore(ov.index, IgnoreReason::Implausible);
                continue;
            }
            (Reading::WrongUnit, _) => None,
        };
        match value {
            Some(value) => out.push(Val {
                date: ov.date,
                value,
                source: ValSource::Observation,
            }),
            None => ignore(ov.index, IgnoreReason::UnitNotConvertible),
        }
    }
}

/// The longest gap between a weight and the height it is paired with: a year for adults,
/// three months for children, who grow.
fn height_gap_days(birth: Option<NaiveDate>, weight_date: NaiveDate) -> i64 {
    match birth.and_then(|b| age_at(b, weight_date, AgeUnit::Years)) {
        Some(age) if age < 18 => 90,
        _ => 366,
    }
}

#[allow(clippy::too_many_arguments)]
fn collect_bmi(
    v: &CValue,
    [bmi, weight, height]: [u128; 3],
    ctx: &Ctx,
    range: &DateRange,
    ever: bool,
    out: &mut Vec<Val>,
    ignore: &mut impl FnMut(u32, IgnoreReason),
) {
    let bmi_code = SourceCode {
        key: bmi,
        factor: Some(1.0),
    };
    collect_code(v, &bmi_code, ctx, range, ever, out, ignore);
    let obs = &ctx.patient.observations;
    let (Some(weights), Some(heights)) = (obs.get(&weight), obs.get(&height)) else {
        return;
    };
    let recorded_dates: Vec<Option<NaiveDate>> = obs
        .get(&bmi)
        .map(|g| g.values.iter().map(|x| x.date).collect())
        .unwrap_or_default();
    let bounds = catalogue::lookup(catalogue::BMI);
    for w in &weights.values {
        let (Reading::Value(kg), Some(wd)) = (w.reading, w.date) else {
            continue;
        };
        if !in_window(w.date, range, ever, ctx.reference) || recorded_dates.contains(&w.date) {
            continue;
        }
        let gap = height_gap_days(ctx.patient.patient.birth_date, wd);
        let nearest = heights
            .values
            .iter()
            .filter_map(|h| match (h.reading, h.date) {
                (Reading::Value(cm), Some(hd)) => Some((h.index, cm, (hd - wd).num_days().abs())),
                _ => None,
            })
            .filter(|&(_, _, d)| d <= gap)
            .min_by_key(|&(_, _, d)| d);
        let Some((h_index, cm, _)) = nearest else {
            continue;
        };
        let value = kg / (cm / 100.0).powi(2);
        if bounds.is_some_and(|b| value < b.min || value > b.max) {
            ignore(w.index, IgnoreReason::Implausible);
            continue;
        }
        out.push(Val {
            date: w.date,
            value,
            source: ValSource::Derived {
                weight: w.index,
                height: h_index,
            },
        });
    }
}
