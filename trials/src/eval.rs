//! Three-valued evaluation of compiled criteria against a prepared patient. This pass only
//! computes truths (no allocation beyond reused scratch space); [`crate::detail`] re-reads the
//! same leaves to collect evidence for the trials worth showing.

use crate::catalogue::{self, Reading};
use crate::codes::CodeSystem;
use crate::compile::{CEvent, CNode, CValue, ValueSource};
use crate::criteria::{AgeTest, AgeUnit, Aggregate, Missing, SexTest};
use crate::crosswalk::Fit;
use crate::patient::{Comparator, Event, EventStatus, Sex};
use crate::prepared::{PreparedPatient, UNDATED};
use crate::result::IgnoreReason;
use crate::truth::Truth;
use crate::units;
use crate::window::{Offset, Window};
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

/// Reused buffers, and the day numbers of window offsets already computed for one
/// reference date (calendar arithmetic is the costly part of a window).
#[derive(Default)]
pub(crate) struct Scratch {
    pub groups: Vec<u32>,
    /// Groups that may match only (an approximate crosswalk, an unconfirmed diagnosis).
    pub maybe: Vec<u32>,
    pub values: Vec<Val>,
    offsets: Vec<(Offset, i32)>,
    offsets_for: Option<NaiveDate>,
    /// The patient's age in completed months at `offsets_for`, once computed.
    age_months: Option<Option<u32>>,
}

/// A window as day numbers, both ends inclusive; undated events ([`UNDATED`]) are never in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct DayRange {
    pub start: i32,
    pub end: i32,
}

impl DayRange {
    pub fn contains(&self, day: i32) -> bool {
        day >= self.start && day <= self.end
    }
}

impl Scratch {
    fn offset_day(&mut self, o: Offset, reference: NaiveDate) -> i32 {
        self.set_reference(reference);
        if let Some(&(_, d)) = self.offsets.iter().find(|(k, _)| *k == o) {
            return d;
        }
        // Out of the calendar's range: an open end.
        let d = o
            .before(reference)
            .map_or(UNDATED + 1, |d| d.num_days_from_ce());
        self.offsets.push((o, d));
        d
    }

    fn set_reference(&mut self, reference: NaiveDate) {
        if self.offsets_for != Some(reference) {
            self.offsets.clear();
            self.age_months = None;
            self.offsets_for = Some(reference);
        }
    }

    /// The patient's age in completed months at the reference date, computed once.
    fn age_months(&mut self, birth: Option<NaiveDate>, reference: NaiveDate) -> Option<u32> {
        self.set_reference(reference);
        *self
            .age_months
            .get_or_insert_with(|| birth.and_then(|b| age_at(b, reference, AgeUnit::Months)))
    }

    /// The day range of a window at the reference date.
    pub fn range(&mut self, w: &Window, reference: NaiveDate) -> DayRange {
        let far = w.within.or(w.from);
        let reference_day = reference.num_days_from_ce();
        DayRange {
            start: far.map_or(UNDATED + 1, |o| self.offset_day(o, reference)),
            end: w
                .to
                .map_or(reference_day, |o| self.offset_day(o, reference)),
        }
    }
}

/// A value left out of a value leaf, for the explanation.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Ignored {
    /// A recorded observation, and why.
    Observation(u32, IgnoreReason),
    /// A BMI computed from a weight and a height, outside the plausible bounds.
    DerivedBmi {
        weight: u32,
        height: u32,
        value: f64,
    },
}

/// One usable value of a value leaf, in the leaf's unit.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Val {
    /// Day number ([`UNDATED`] for none).
    pub day: i32,
    pub value: f64,
    pub source: ValSource,
    /// The comparator the value was reported with: the true value lies on that side.
    pub cmp: Option<Comparator>,
}

impl Val {
    /// The date back from its day number.
    pub fn date(&self) -> Option<NaiveDate> {
        (self.day != UNDATED)
            .then(|| NaiveDate::from_num_days_from_ce_opt(self.day))
            .flatten()
    }
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
        CNode::Age(t) => age(t, ctx, s).0,
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
pub(crate) fn age(t: &AgeTest, ctx: &Ctx, s: &mut Scratch) -> (Truth, Option<u32>) {
    let months = s.age_months(ctx.patient.patient.birth_date, ctx.reference);
    let age = months.map(|m| match t.unit {
        AgeUnit::Years => m / 12,
        AgeUnit::Months => m,
    });
    // With only the year or month of birth, the age lies between the ages at the latest
    // and the earliest possible birth dates.
    let youngest = match (age, ctx.patient.patient.birth_date_latest) {
        (Some(oldest), Some(latest)) => Some(
            age_at(latest, ctx.reference, t.unit)
                .unwrap_or(0)
                .min(oldest),
        ),
        (Some(oldest), None) => Some(oldest),
        (None, _) => None,
    };
    let truth = match (youngest, age) {
        (Some(young), Some(old)) => {
            let inside = t.min.is_none_or(|m| young >= m) && t.max.is_none_or(|m| old <= m);
            let outside = t.min.is_some_and(|m| old < m) || t.max.is_some_and(|m| young > m);
            if inside {
                Truth::Met
            } else if outside {
                Truth::NotMet
            } else {
                Truth::Unknown
            }
        }
        _ => t.missing.unwrap_or(Missing::Unknown).into(),
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

/// Fills `s.groups` with the groups whose events surely match the leaf's code set, and
/// `s.maybe` with those that may match (an unconfirmed diagnosis, a code read through an
/// approximate crosswalk). The two lists are sorted and disjoint.
pub(crate) fn matched(e: &CEvent, ctx: &Ctx, s: &mut Scratch) {
    matched_groups(e, ctx, &mut s.groups);
    s.maybe.clear();
    let p = ctx.patient;
    let mut moved = false;
    if p.has_unconfirmed {
        s.groups.retain(|&g| {
            let unconfirmed = p.groups[g as usize].unconfirmed;
            if unconfirmed {
                s.maybe.push(g);
                moved = true;
            }
            !unconfirmed
        });
    }
    let derived = p.derived_of(e.kind);
    let cm = !e.icd10_cm_keys.is_empty();
    if derived.is_empty() && !moved && !cm {
        return;
    }
    let before = s.groups.len();
    let consider =
        |d: &crate::prepared::DerivedGroup, s: &mut Scratch| match d.derived.fit_set(&e.set) {
            Fit::Sure if !p.groups[d.source as usize].unconfirmed => s.groups.push(d.source),
            Fit::Sure | Fit::Maybe => s.maybe.push(d.source),
            Fit::No => {}
        };
    // ICD-10 codes, recorded or derived, against the leaf's ICD-10-CM entries.
    if cm {
        for (g, group) in p.groups.iter().enumerate() {
            if group.kind != e.kind || group.system != CodeSystem::Icd10 {
                continue;
            }
            if let Some(d) = crate::crosswalk::as_icd10_cm(&group.code, u8::MAX) {
                let d = crate::prepared::DerivedGroup {
                    source: g as u32,
                    derived: d,
                };
                consider(&d, s);
            }
        }
        for d in derived
            .iter()
            .filter(|d| d.derived.system == CodeSystem::Icd10)
        {
            if let Some(x) = crate::crosswalk::as_icd10_cm(&d.derived.code, d.derived.certain) {
                let x = crate::prepared::DerivedGroup {
                    source: d.source,
                    derived: x,
                };
                consider(&x, s);
            }
        }
    }
    match ctx.matching {
        // Every derived code of the kind (the plain definition)…
        Matching::Plain => {
            for d in derived {
                consider(d, s);
            }
        }
        // …or only those sharing a cross key with an entry: a fit needs the first one or
        // three characters in common.
        Matching::Indexed => {
            for &k in &e.cross_keys {
                for d in p.derived_under(k) {
                    consider(d, s);
                }
            }
        }
    }
    if s.groups.len() != before {
        s.groups.sort_unstable();
        s.groups.dedup();
    }
    s.maybe.sort_unstable();
    s.maybe.dedup();
    let sure = &s.groups;
    s.maybe.retain(|g| sure.binary_search(g).is_err());
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
                for (g, whole) in p.groups_under(key) {
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
    /// Events that may match (unconfirmed, or read through an approximate crosswalk), up
    /// to the reference date.
    pub uncertain: u32,
    /// Events of the leaf's kind that could not be read.
    pub unreadable: u32,
}

/// Event leaf: counts in the window, first occurrence, missing data, undated events;
/// events that may match and unreadable events widen the count's range upwards.
pub(crate) fn events(e: &CEvent, ctx: &Ctx, s: &mut Scratch) -> EventOutcome {
    matched(e, ctx, s);
    let range = s.range(&e.window, ctx.reference);
    let ever = e.window.is_ever();
    let reference = ctx.reference.num_days_from_ce();
    let (mut in_window, mut total, mut undated) = (0u32, 0u32, 0u32);
    let mut earliest = i32::MAX;
    for &g in &s.groups {
        let c = count_group(e, ctx, g, &range, reference);
        total += c.0;
        undated += c.1;
        in_window += c.2;
        earliest = earliest.min(c.3);
    }
    // Events that may match count at most; so do unreadable ones, of unknown date.
    let (mut maybe_total, mut maybe_hi) = (0u32, 0u32);
    for &g in &s.maybe {
        let c = count_group(e, ctx, g, &range, reference);
        maybe_total += c.0;
        maybe_hi += if ever { c.0 } else { c.2 + c.1 };
    }
    let unreadable = ctx.patient.unread[e.kind as usize];
    let doubt = maybe_total + unreadable;
    // Undated events are surely in an "ever" window, and maybe in any other.
    let (lo, hi) = if ever {
        (in_window + undated, in_window + undated)
    } else {
        (in_window, in_window + undated)
    };
    let hi = hi + maybe_hi + unreadable;
    let ok = |c: u32| c >= e.min && e.max.is_none_or(|m| c <= m);
    let mut truth = if ok(lo) && ok(hi) {
        Truth::Met
    } else if hi < e.min || e.max.is_some_and(|m| lo > m) {
        Truth::NotMet
    } else {
        Truth::Unknown
    };
    if e.first {
        let earliest = (earliest != i32::MAX).then_some(earliest);
        truth = truth.and(first_in_window(earliest, undated + doubt, &range));
    }
    if total == 0 && truth != Truth::Met {
        truth = match (doubt, e.missing) {
            (0, missing) => missing.into(),
            (_, Missing::Unknown) => Truth::Unknown,
            (_, Missing::NotMet) => truth,
        };
    }
    EventOutcome {
        truth,
        in_window,
        total,
        undated,
        uncertain: maybe_total,
        unreadable,
    }
}

/// `(total, undated, in the window, earliest dated)` of one group's events up to the
/// reference date, with the leaf's `current` filter. A drug taken over a period (a start
/// and an end, or still active) is in every window its period overlaps.
fn count_group(
    e: &CEvent,
    ctx: &Ctx,
    g: u32,
    range: &DayRange,
    reference: i32,
) -> (u32, u32, u32, i32) {
    let p = ctx.patient;
    let group = &p.groups[g as usize];
    let (days, indices) = p.group_events(group);
    if !e.current {
        return if group.periods {
            scan_periods(days, p.group_until(group), range, reference)
        } else {
            scan(days, range, reference)
        };
    }
    let until = p.group_until(group);
    let (mut total, mut undated, mut inside, mut earliest) = (0u32, 0u32, 0u32, i32::MAX);
    for (k, &d) in days.iter().enumerate() {
        let ev = &p.patient.events[indices[k] as usize];
        if d > reference || !is_current(ev, ctx.reference) {
            continue;
        }
        total += 1;
        undated += u32::from(d == UNDATED);
        inside += u32::from(d != UNDATED && d <= range.end && until[k] >= range.start);
        if d != UNDATED {
            earliest = earliest.min(d);
        }
    }
    (total, undated, inside, earliest)
}

/// [`scan`] for drugs with periods: an event is in the window when its period overlaps it.
fn scan_periods(
    days: &[i32],
    until: &[i32],
    range: &DayRange,
    reference: i32,
) -> (u32, u32, u32, i32) {
    let (mut total, mut undated, mut inside, mut earliest) = (0u32, 0u32, 0u32, i32::MAX);
    for (&d, &last) in days.iter().zip(until) {
        let past = d <= reference;
        let dated = d != UNDATED;
        total += u32::from(past);
        undated += u32::from(!dated);
        inside += u32::from(dated && past && d <= range.end && last >= range.start);
        earliest = earliest.min(if past && dated { d } else { i32::MAX });
    }
    (total, undated, inside, earliest)
}

/// `(total up to the reference, undated, in the window, earliest dated or i32::MAX)` of a
/// group's days, without branches so that the loop vectorises.
fn scan(days: &[i32], range: &DayRange, reference: i32) -> (u32, u32, u32, i32) {
    let (mut total, mut undated, mut inside, mut earliest) = (0u32, 0u32, 0u32, i32::MAX);
    for &d in days {
        let past = d <= reference;
        let dated = d != UNDATED;
        total += u32::from(past);
        undated += u32::from(!dated);
        inside += u32::from(d >= range.start && d <= range.end);
        earliest = earliest.min(if past && dated { d } else { i32::MAX });
    }
    (total, undated, inside, earliest)
}

fn first_in_window(earliest: Option<i32>, undated: u32, range: &DayRange) -> Truth {
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
    ignored: Option<&mut Vec<Ignored>>,
) -> ValueOutcome {
    collect_values(v, ctx, s, ignored);
    let vals = &s.values;
    let n = vals.len() as u32;
    if n == 0 || n < v.min_results {
        return ValueOutcome {
            truth: v.missing.into(),
            result: None,
        };
    }
    let holds = |x: f64| v.test.holds(x);
    let last = &vals[vals.len() - 1];
    let latest = last.value;
    let bounded = vals.iter().any(|x| x.cmp.is_some());
    let (truth, result) = match &v.aggregate {
        Aggregate::Latest => (decide(&v.test, latest, last.cmp), latest),
        Aggregate::Any => {
            let t = vals
                .iter()
                .fold(Truth::NotMet, |t, x| t.or(decide(&v.test, x.value, x.cmp)));
            let hit = vals.iter().rev().find(|x| holds(x.value));
            (t, hit.map_or(latest, |x| x.value))
        }
        Aggregate::All => {
            let t = vals
                .iter()
                .fold(Truth::Met, |t, x| t.and(decide(&v.test, x.value, x.cmp)));
            let miss = vals.iter().rev().find(|x| !holds(x.value));
            (t, miss.map_or(latest, |x| x.value))
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
    // A mean, extreme or share over values known only as bounds is not decided.
    let combined = !matches!(
        v.aggregate,
        Aggregate::Latest | Aggregate::Any | Aggregate::All
    );
    let truth = if bounded && combined {
        Truth::Unknown
    } else {
        truth
    };
    ValueOutcome {
        truth,
        result: Some(result),
    }
}

/// One end of an interval: its value and whether it is included; `None` is infinite.
type End = Option<(f64, bool)>;

/// The truth of a value test for a value reported with a comparator: met when every value
/// on that side passes, not met when none does, unknown otherwise. `<8 %` does not meet
/// "≥ 9 %" and leaves "≥ 7.5 %" unknown; `>10` meets "≥ 9".
pub(crate) fn decide(test: &crate::criteria::ValueTest, x: f64, cmp: Option<Comparator>) -> Truth {
    let Some(cmp) = cmp else {
        return Truth::from_bool(test.holds(x));
    };
    let (vl, vu): (End, End) = match cmp {
        Comparator::Lt => (None, Some((x, false))),
        Comparator::Le => (None, Some((x, true))),
        Comparator::Ge => (Some((x, true)), None),
        Comparator::Gt => (Some((x, false)), None),
    };
    let tighter_low = |a: End, b: End| match (a, b) {
        (None, e) | (e, None) => e,
        (Some(p), Some(q)) => Some(if p.0 > q.0 || (p.0 == q.0 && !p.1) {
            p
        } else {
            q
        }),
    };
    let tighter_high = |a: End, b: End| match (a, b) {
        (None, e) | (e, None) => e,
        (Some(p), Some(q)) => Some(if p.0 < q.0 || (p.0 == q.0 && !p.1) {
            p
        } else {
            q
        }),
    };
    let closed = |b: Option<f64>| b.map(|b| (b, true));
    let open = |b: Option<f64>| b.map(|b| (b, false));
    let al = tighter_low(
        tighter_low(open(test.gt), closed(test.gte)),
        closed(test.eq),
    );
    let au = tighter_high(
        tighter_high(open(test.lt), closed(test.lte)),
        closed(test.eq),
    );
    let lower_ok = match (al, vl) {
        (None, _) => true,
        (Some(_), None) => false,
        (Some((a, ac)), Some((v, vc))) => v > a || (v == a && (ac || !vc)),
    };
    let upper_ok = match (au, vu) {
        (None, _) => true,
        (Some(_), None) => false,
        (Some((a, ac)), Some((v, vc))) => v < a || (v == a && (ac || !vc)),
    };
    if lower_ok && upper_ok {
        return Truth::Met;
    }
    let apart = |high: End, low: End| match (high, low) {
        (Some((h, hc)), Some((l, lc))) => h < l || (h == l && !(hc && lc)),
        _ => false,
    };
    if apart(vu, al) || apart(au, vl) {
        Truth::NotMet
    } else {
        Truth::Unknown
    }
}

/// Collects a value leaf's usable values in the window into `s.values`, sorted by date
/// (undated first, record order within a day).
pub(crate) fn collect_values(
    v: &CValue,
    ctx: &Ctx,
    s: &mut Scratch,
    mut ignored: Option<&mut Vec<Ignored>>,
) {
    let range = s.range(&v.window, ctx.reference);
    let from = Span {
        range,
        ever: v.window.is_ever(),
    };
    let out = &mut s.values;
    out.clear();
    let mut ignore = |item: Ignored| {
        if let Some(list) = ignored.as_deref_mut() {
            list.push(item);
        }
    };
    match &v.source {
        ValueSource::Codes(codes) => {
            for code in codes {
                collect_code(v, (code.key, code.factor), ctx, from, out, &mut ignore);
            }
        }
        ValueSource::Bmi {
            bmi,
            weight,
            height,
        } => {
            collect_bmi(v, [*bmi, *weight, *height], ctx, from, out, &mut ignore);
        }
    }
    out.sort_by_key(|x| x.day);
}

/// Which values count: those in the range, and undated ones in an "ever" window.
#[derive(Clone, Copy)]
struct Span {
    range: DayRange,
    ever: bool,
}

impl Span {
    fn counts(&self, day: i32) -> bool {
        if day == UNDATED {
            self.ever
        } else {
            self.range.contains(day)
        }
    }
}

fn collect_code(
    v: &CValue,
    (key, factor): (u128, Option<catalogue::Linear>),
    ctx: &Ctx,
    span: Span,
    out: &mut Vec<Val>,
    ignore: &mut impl FnMut(Ignored),
) {
    let Some(group) = ctx.patient.observations.get(&key) else {
        return;
    };
    for ov in group.values.iter().filter(|ov| span.counts(ov.day)) {
        let value = match (ov.reading, factor) {
            (Reading::Value(x), Some(f)) => Some(f.apply(x)),
            (Reading::Value(x), None) => {
                let obs = &ctx.patient.patient.observations[ov.index as usize];
                match &v.value_unit {
                    Some(u) if !obs.unit.trim().is_empty() => units::convert(x, &obs.unit, u),
                    _ => Some(x),
                }
            }
            (Reading::Implausible, _) => {
                ignore(Ignored::Observation(ov.index, IgnoreReason::Implausible));
                continue;
            }
            (Reading::WrongUnit, _) => None,
        };
        match value {
            Some(value) => out.push(Val {
                day: ov.day,
                value,
                source: ValSource::Observation,
                cmp: ctx.patient.patient.observations[ov.index as usize].comparator,
            }),
            None => ignore(Ignored::Observation(
                ov.index,
                IgnoreReason::UnitNotConvertible,
            )),
        }
    }
}

fn reason(reading: Reading) -> IgnoreReason {
    match reading {
        Reading::WrongUnit => IgnoreReason::UnitNotConvertible,
        _ => IgnoreReason::Implausible,
    }
}

/// The longest gap in days between a weight and the height it is paired with, for anyone:
/// the adults' (see [`height_gap_days`]).
pub(crate) const LONGEST_HEIGHT_GAP_DAYS: i32 = 366;

/// The longest gap in days between a weight and the height it is paired with: a year for
/// adults, three months for children, who grow.
fn height_gap_days(birth: Option<NaiveDate>, weight_day: i32) -> i32 {
    let weight_date = NaiveDate::from_num_days_from_ce_opt(weight_day);
    match birth
        .zip(weight_date)
        .and_then(|(b, w)| age_at(b, w, AgeUnit::Years))
    {
        Some(age) if age < 18 => 90,
        _ => LONGEST_HEIGHT_GAP_DAYS,
    }
}

fn collect_bmi(
    v: &CValue,
    [bmi, weight, height]: [u128; 3],
    ctx: &Ctx,
    span: Span,
    out: &mut Vec<Val>,
    ignore: &mut impl FnMut(Ignored),
) {
    let bmi_code = (bmi, Some(catalogue::Linear::IDENTITY));
    collect_code(v, bmi_code, ctx, span, out, ignore);
    let obs = &ctx.patient.observations;
    let (Some(weights), Some(heights)) = (obs.get(&weight), obs.get(&height)) else {
        return;
    };
    // Days with a usable recorded BMI: no need to compute one. An implausible recorded
    // BMI counts as not recorded.
    let recorded: Vec<i32> = obs
        .get(&bmi)
        .map(|g| {
            g.values
                .iter()
                .filter(|x| matches!(x.reading, Reading::Value(_)))
                .map(|x| x.day)
                .collect()
        })
        .unwrap_or_default();
    let reference = ctx.reference.num_days_from_ce();
    for h in heights
        .values
        .iter()
        .filter(|h| h.day != UNDATED && span.counts(h.day))
    {
        if let Reading::Implausible | Reading::WrongUnit = h.reading {
            ignore(Ignored::Observation(h.index, reason(h.reading)));
        }
    }
    let bounds = catalogue::lookup(catalogue::BMI);
    for w in &weights.values {
        if w.day == UNDATED || !span.counts(w.day) || recorded.contains(&w.day) {
            continue;
        }
        let kg = match w.reading {
            Reading::Value(kg) => kg,
            other => {
                ignore(Ignored::Observation(w.index, reason(other)));
                continue;
            }
        };
        let gap = height_gap_days(ctx.patient.patient.birth_date, w.day);
        let nearest = heights
            .values
            .iter()
            .filter_map(|h| match h.reading {
                Reading::Value(cm) if h.day != UNDATED && h.day <= reference => {
                    Some((h.index, cm, (h.day - w.day).abs()))
                }
                _ => None,
            })
            .filter(|&(_, _, d)| d <= gap)
            .min_by_key(|&(_, _, d)| d);
        let Some((h_index, cm, _)) = nearest else {
            continue;
        };
        let value = kg / (cm / 100.0).powi(2);
        if bounds.is_some_and(|b| value < b.min || value > b.max) {
            ignore(Ignored::DerivedBmi {
                weight: w.index,
                height: h_index,
                value,
            });
            continue;
        }
        out.push(Val {
            day: w.day,
            value,
            source: ValSource::Derived {
                weight: w.index,
                height: h_index,
            },
            cmp: None,
        });
    }
}
