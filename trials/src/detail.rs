//! Builds the owned, explained result of a criterion tree: the same evaluation as
//! [`crate::eval`], plus the evidence that decided each leaf.

use crate::codes::CodeSystem;
use crate::compile::{CEvent, CNode, CValue};
use crate::criteria::{Aggregate, Count, Criterion};
use crate::eval::{self, Ctx, Ignored, Scratch, ValSource, is_current};
use crate::patient::Observation;
use crate::prepared::UNDATED;
use crate::result::{
    BmiSource, CriterionResult, Detail, EventEvidence, IgnoreReason, IgnoredValue, ValueEvidence,
};
use crate::truth::Truth;

/// The result of `node` (compiled from `c`), with evidence.
pub(crate) fn result(c: &Criterion, node: &CNode, ctx: &Ctx, s: &mut Scratch) -> CriterionResult {
    let children = |nodes: &[CNode], s: &mut Scratch| -> Vec<CriterionResult> {
        c.children()
            .iter()
            .zip(nodes)
            .map(|(cc, cn)| result(cc, cn, ctx, s))
            .collect()
    };
    let truths = |v: &[CriterionResult]| v.iter().map(|r| r.truth).collect::<Vec<_>>();
    let (truth, detail, kids) = match node {
        CNode::All(v) => {
            let kids = children(v, s);
            let t = truths(&kids).into_iter().fold(Truth::Met, Truth::and);
            (t, Detail::All, kids)
        }
        CNode::Any(v) => {
            let kids = children(v, s);
            let t = truths(&kids).into_iter().fold(Truth::NotMet, Truth::or);
            (t, Detail::Any, kids)
        }
        CNode::AtLeast(n, v) => {
            let kids = children(v, s);
            (
                Truth::at_least(*n, truths(&kids)),
                Detail::AtLeast { n: *n },
                kids,
            )
        }
        CNode::Not(inner) => {
            let kids = children(std::slice::from_ref(inner), s);
            let t = kids.first().map_or(Truth::Unknown, |k| k.truth.not());
            (t, Detail::Not, kids)
        }
        CNode::Age(t) => {
            let (truth, age) = eval::age(t, ctx, s);
            let detail = Detail::Age {
                min: t.min,
                max: t.max,
                unit: t.unit,
                age,
            };
            (truth, detail, Vec::new())
        }
        CNode::Sex(t) => {
            let recorded = ctx.patient.patient.sex;
            let detail = Detail::Sex {
                required: t.is,
                recorded,
            };
            (eval::sex(t, ctx), detail, Vec::new())
        }
        CNode::Event(e) => {
            let (truth, detail) = event_detail(e, ctx, s);
            (truth, detail, Vec::new())
        }
        CNode::Value(v) => {
            let (truth, detail) = value_detail(v, ctx, s);
            (truth, detail, Vec::new())
        }
    };
    CriterionResult {
        id: c.id.clone(),
        label: c.label.clone(),
        truth,
        detail,
        children: kids,
    }
}

fn event_detail(e: &CEvent, ctx: &Ctx, s: &mut Scratch) -> (Truth, Detail) {
    let outcome = eval::events(e, ctx, s);
    let range = s.range(&e.window, ctx.reference);
    let ever = e.window.is_ever();
    let events = &ctx.patient.patient.events;
    let mut found: Vec<(bool, u32, &crate::patient::Event, bool)> = Vec::new();
    let lists = [(&s.groups, false), (&s.maybe, true)];
    for (list, approximate) in lists {
        for &g in list.iter() {
            let group = &ctx.patient.groups[g as usize];
            let (days, indices) = ctx.patient.group_events(group);
            let until = ctx.patient.group_until(group);
            for (k, &i) in indices.iter().enumerate() {
                let ev = &events[i as usize];
                if (e.current && !is_current(ev, ctx.reference))
                    || ev.date.is_some_and(|d| d > ctx.reference)
                {
                    continue;
                }
                // As the count reads it: a drug's period overlapping the window is in it.
                let inside = match days[k] {
                    UNDATED => ever,
                    d => d <= range.end && until[k] >= range.start,
                };
                found.push((inside, i, ev, approximate));
            }
        }
    }
    // In the window first, then most recent first, then in record order.
    found.sort_by(|a, b| {
        b.0.cmp(&a.0)
            .then(b.2.date.cmp(&a.2.date))
            .then(a.1.cmp(&b.1))
    });
    let evidence = found
        .into_iter()
        .take(5)
        .map(|(inside, _, ev, approximate)| EventEvidence {
            system: CodeSystem::from_uri(&ev.system).map_or(ev.system.clone(), |s| s.uri().into()),
            code: ev.code.clone(),
            display: ev.display.clone(),
            date: ev.date,
            in_window: inside,
            uncertain: approximate,
        })
        .collect();
    let detail = Detail::Events {
        event_kind: e.kind,
        names: e.names.clone(),
        window: e.window,
        count: Count {
            min: Some(e.min),
            max: e.max,
        },
        first: e.first,
        in_window: outcome.in_window,
        total: outcome.total,
        undated: outcome.undated,
        uncertain: outcome.uncertain,
        unreadable: outcome.unreadable,
        evidence,
    };
    (outcome.truth, detail)
}

fn value_detail(v: &CValue, ctx: &Ctx, s: &mut Scratch) -> (Truth, Detail) {
    let mut ignored_idx = Vec::new();
    let outcome = eval::values(v, ctx, s, Some(&mut ignored_idx));
    let observations = &ctx.patient.patient.observations;
    let holds = |x: f64| v.test.holds(x);
    // Most recent first; which values are shown depends on how they were combined.
    let recent = s.values.iter().rev();
    let chosen: Vec<_> = match &v.aggregate {
        Aggregate::Latest => recent.take(1).collect(),
        Aggregate::Any if outcome.truth == Truth::Met => {
            recent.filter(|x| holds(x.value)).collect()
        }
        Aggregate::All if outcome.truth == Truth::NotMet => {
            recent.filter(|x| !holds(x.value)).collect()
        }
        Aggregate::Min | Aggregate::Max => recent
            .filter(|x| Some(x.value) == outcome.result)
            .take(1)
            .collect(),
        _ => recent.collect(),
    };
    let evidence = chosen
        .into_iter()
        .take(10)
        .map(|x| ValueEvidence {
            value: x.value,
            unit: v.value_unit.clone(),
            date: x.date(),
            comparator: x.cmp,
            derived_from: match x.source {
                ValSource::Observation => None,
                ValSource::Derived { weight, height } => {
                    let (w, h) = (
                        &observations[weight as usize],
                        &observations[height as usize],
                    );
                    Some(BmiSource {
                        weight_kg: crate::units::convert(w.value, &w.unit, "kg").unwrap_or(w.value),
                        weight_date: w.date,
                        height_cm: crate::units::convert(h.value, &h.unit, "cm").unwrap_or(h.value),
                        height_date: h.date,
                    })
                }
            },
        })
        .collect();
    let mut ignored: Vec<IgnoredValue> = ignored_idx
        .into_iter()
        .map(|item| match item {
            Ignored::Observation(i, reason) => {
                let o = &observations[i as usize];
                IgnoredValue {
                    value: o.value,
                    unit: o.unit.clone(),
                    measure: other_measure(v, o),
                    date: o.date,
                    reason,
                    derived_from: None,
                }
            }
            Ignored::DerivedBmi {
                weight,
                height,
                value,
            } => {
                let (w, h) = (
                    &observations[weight as usize],
                    &observations[height as usize],
                );
                IgnoredValue {
                    value,
                    unit: "kg/m2".into(),
                    measure: None,
                    date: w.date,
                    reason: IgnoreReason::Implausible,
                    derived_from: Some(bmi_source(w, h)),
                }
            }
        })
        .collect();
    ignored.sort_by_key(|i| std::cmp::Reverse(i.date));
    ignored.truncate(5);
    let detail = Detail::Value {
        names: v.names.clone(),
        test: v.test.clone(),
        unit: v.value_unit.clone(),
        aggregate: v.aggregate.clone(),
        window: v.window,
        result: outcome.result,
        n: s.values.len() as u32,
        min_results: v.min_results,
        evidence,
        ignored,
    };
    (outcome.truth, detail)
}

/// What a computed BMI came from, in kg and cm (a missing unit is the canonical one).
fn bmi_source(w: &Observation, h: &Observation) -> BmiSource {
    let convert = |o: &Observation, unit: &str| {
        if o.unit.trim().is_empty() {
            o.value
        } else {
            crate::units::convert(o.value, &o.unit, unit).unwrap_or(o.value)
        }
    };
    BmiSource {
        weight_kg: convert(w, "kg"),
        weight_date: w.date,
        height_cm: convert(h, "cm"),
        height_date: h.date,
    }
}

/// The names of an ignored observation that is not the leaf's own measurement: the weights
/// and heights a BMI leaf computes from.
fn other_measure(v: &CValue, o: &Observation) -> Option<crate::result::Names> {
    if !matches!(v.source, crate::compile::ValueSource::Bmi { .. }) {
        return None;
    }
    let kind =
        crate::catalogue::lookup(o.code.trim()).filter(|k| k.code != crate::catalogue::BMI)?;
    Some(crate::result::Names {
        en: kind.name_en.to_lowercase(),
        fr: kind.name_fr.to_lowercase(),
    })
}
