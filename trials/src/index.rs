//! The trial index: many compiled trial versions, and a code-keyed prefilter so that a
//! patient is evaluated only against the trials whose criteria could concern them. Results
//! are identical to evaluating every trial (a property test checks it).
//!
//! For each trial the index keeps its *necessary conditions*: one per inclusion criterion
//! that has one (up to 64), each a set of codes of which the patient must hold at least
//! one, or the trial is certainly `ineligible`. They come from criteria whose absence of
//! data means `not_met` (a diagnosis, a drug…). A trial is evaluated only when every one of
//! its conditions is satisfied. Trials with none (only demographics, or only values whose
//! absence is `unknown`) are always evaluated.

use crate::compile::{CNode, ValueSource, compile_list};
use crate::criteria::{Missing, Trial};
use crate::detail;
use crate::eval::{self, Ctx, Matching, Scratch};
use crate::need::ObservationNeed;
use crate::patient::Patient;
use crate::prepared::{PreparedPatient, kind_tag, unread_key};
use crate::result::{TrialResult, Verdict, verdict};
use crate::truth::Truth;
use crate::validate::{ValidationError, validate};
use chrono::NaiveDate;
use rustc_hash::FxHashMap;

/// A trial that cannot be indexed because it does not validate.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("trial `{trial_id}` is not valid: {}", errors.first().map(|e| e.to_string()).unwrap_or_default())]
pub struct InvalidTrial {
    /// The trial's id.
    pub trial_id: String,
    /// Every validation error.
    pub errors: Vec<ValidationError>,
}

/// A trial compiled for evaluation.
#[derive(Debug)]
struct Compiled {
    trial: Trial,
    inclusion: Vec<CNode>,
    exclusion: Vec<CNode>,
}

/// An index over trial versions. Build it once when the trial bundle changes; evaluate
/// every patient against it.
#[derive(Debug)]
pub struct TrialIndex {
    trials: Vec<Compiled>,
    /// Packed code key → `(trial, condition bit, the patient's code must be exactly this one)`.
    triggers: FxHashMap<u128, Vec<(u32, u64, bool)>>,
    /// Per trial, the bits of all its necessary conditions (0: always evaluated).
    required: Vec<u64>,
}

impl TrialIndex {
    /// Validates and compiles the trials. Fails on the first trial that does not validate.
    pub fn new(trials: Vec<Trial>) -> Result<TrialIndex, InvalidTrial> {
        let mut index = TrialIndex {
            trials: Vec::with_capacity(trials.len()),
            triggers: FxHashMap::default(),
            required: Vec::with_capacity(trials.len()),
        };
        for trial in trials {
            index.push(trial)?;
        }
        Ok(index)
    }

    fn push(&mut self, trial: Trial) -> Result<(), InvalidTrial> {
        let invalid = |errors| InvalidTrial {
            trial_id: trial.id.clone(),
            errors,
        };
        let errors = validate(&trial);
        if !errors.is_empty() {
            return Err(invalid(errors));
        }
        let compiled = (|| -> Result<Compiled, String> {
            Ok(Compiled {
                inclusion: compile_list(&trial.criteria.inclusion, &trial.criteria)?,
                exclusion: compile_list(&trial.criteria.exclusion, &trial.criteria)?,
                trial: trial.clone(),
            })
        })()
        .map_err(|message| {
            invalid(vec![ValidationError {
                path: "$.criteria".into(),
                code: "compile_failed",
                message,
            }])
        })?;
        let position = self.trials.len() as u32;
        let mut required = 0u64;
        let conditions = compiled.inclusion.iter().filter_map(necessary).take(64);
        for (i, keys) in conditions.enumerate() {
            let bit = 1u64 << i;
            required |= bit;
            for (key, exact) in keys {
                self.triggers
                    .entry(key)
                    .or_default()
                    .push((position, bit, exact));
            }
        }
        self.required.push(required);
        self.trials.push(compiled);
        Ok(())
    }

    /// Number of trials.
    pub fn len(&self) -> usize {
        self.trials.len()
    }

    /// Whether the index holds no trial.
    pub fn is_empty(&self) -> bool {
        self.trials.is_empty()
    }

    /// The indexed trials, in order.
    pub fn trials(&self) -> impl Iterator<Item = &Trial> {
        self.trials.iter().map(|c| &c.trial)
    }

    /// The trial with this id.
    pub fn get(&self, trial_id: &str) -> Option<&Trial> {
        self.trials().find(|t| t.id == trial_id)
    }

    /// The observations these trials can read at `reference` (the consultation date): their
    /// codes, how far back, and whether social history is needed. A record restricted to
    /// them gets the same verdicts as the whole record ([`crate::need`]).
    pub fn observation_need(&self, reference: NaiveDate) -> ObservationNeed {
        let mut need = ObservationNeed::default();
        for c in &self.trials {
            for node in c.inclusion.iter().chain(&c.exclusion) {
                need.add(node, reference);
            }
        }
        need
    }

    /// How many trials are evaluated for every patient, whatever their codes.
    pub fn always_evaluated(&self) -> usize {
        self.required.iter().filter(|&&r| r == 0).count()
    }

    /// The trials `patient` may join at `reference` (the consultation date): eligible ones
    /// first, then possibly eligible ones, each in index order, with evidence.
    pub fn matches(&self, patient: &Patient, reference: NaiveDate) -> Vec<TrialResult> {
        self.matches_prepared(&PreparedPatient::new(patient), reference)
    }

    /// [`TrialIndex::matches`] for a patient already prepared.
    pub fn matches_prepared(
        &self,
        patient: &PreparedPatient,
        reference: NaiveDate,
    ) -> Vec<TrialResult> {
        let ctx = Ctx {
            patient,
            reference,
            matching: Matching::Indexed,
        };
        let mut scratch = Scratch::default();
        let mut out: Vec<TrialResult> = self
            .verdicts_with(&ctx, &mut scratch)
            .into_iter()
            .map(|(i, _)| self.result(i, &ctx, &mut scratch))
            .collect();
        out.sort_by_key(|r| r.verdict);
        out
    }

    /// Only the verdicts (no evidence) of the trials that are not ineligible, as
    /// `(position in the index, verdict)`: the fastest path.
    pub fn verdicts(
        &self,
        patient: &PreparedPatient,
        reference: NaiveDate,
    ) -> Vec<(usize, Verdict)> {
        let ctx = Ctx {
            patient,
            reference,
            matching: Matching::Indexed,
        };
        self.verdicts_with(&ctx, &mut Scratch::default())
    }

    /// The full result, with evidence, of the trial at `position` (from
    /// [`TrialIndex::verdicts`]): what a pop-up shows, built only for the trials shown.
    pub fn result_at(
        &self,
        position: usize,
        patient: &PreparedPatient,
        reference: NaiveDate,
    ) -> Option<TrialResult> {
        (position < self.trials.len()).then(|| {
            let ctx = Ctx {
                patient,
                reference,
                matching: Matching::Indexed,
            };
            self.result(position, &ctx, &mut Scratch::default())
        })
    }

    /// How many trials the prefilter keeps for this patient (the rest are certainly
    /// ineligible and not evaluated).
    pub fn candidates(&self, patient: &PreparedPatient) -> usize {
        self.candidate_positions(patient).count()
    }

    /// The positions of the trials whose every necessary condition the patient satisfies.
    fn candidate_positions(&self, patient: &PreparedPatient) -> impl Iterator<Item = usize> + '_ {
        let mut satisfied = vec![0u64; self.trials.len()];
        // No trial for a patient recorded as deceased.
        let deceased = patient.patient.deceased;
        for (key, whole) in patient.trigger_keys() {
            if let Some(list) = self.triggers.get(&key) {
                for &(t, bit, exact) in list {
                    if whole || !exact {
                        satisfied[t as usize] |= bit;
                    }
                }
            }
        }
        satisfied
            .into_iter()
            .zip(&self.required)
            .enumerate()
            .filter(move |(_, (s, r))| s == *r && !deceased)
            .map(|(i, _)| i)
    }

    fn verdicts_with(&self, ctx: &Ctx, scratch: &mut Scratch) -> Vec<(usize, Verdict)> {
        let mut out = Vec::new();
        for i in self.candidate_positions(ctx.patient) {
            let v = self.verdict_of(i, ctx, scratch);
            if v != Verdict::Ineligible {
                out.push((i, v));
            }
        }
        out
    }

    /// Evaluates every trial without the prefilter and with plain code matching: the
    /// reference the index is checked against. Returns every trial's result, ineligible
    /// ones included, in index order.
    pub fn evaluate_all(&self, patient: &Patient, reference: NaiveDate) -> Vec<TrialResult> {
        let prepared = PreparedPatient::new(patient);
        let ctx = Ctx {
            patient: &prepared,
            reference,
            matching: Matching::Plain,
        };
        let mut scratch = Scratch::default();
        (0..self.trials.len())
            .map(|i| self.result(i, &ctx, &mut scratch))
            .collect()
    }

    /// The full result of one trial whatever its verdict: the answer to "why doesn't this
    /// patient match this trial?".
    pub fn explain(
        &self,
        trial_id: &str,
        patient: &Patient,
        reference: NaiveDate,
    ) -> Option<TrialResult> {
        let i = self.trials.iter().position(|c| c.trial.id == trial_id)?;
        let prepared = PreparedPatient::new(patient);
        let ctx = Ctx {
            patient: &prepared,
            reference,
            matching: Matching::Indexed,
        };
        Some(self.result(i, &ctx, &mut Scratch::default()))
    }

    /// Verdict only, stopping at the first failing criterion.
    fn verdict_of(&self, i: usize, ctx: &Ctx, s: &mut Scratch) -> Verdict {
        let c = &self.trials[i];
        let mut inc = Truth::Met;
        for node in &c.inclusion {
            inc = inc.and(eval::truth(node, ctx, s));
            if inc == Truth::NotMet {
                return Verdict::Ineligible;
            }
        }
        let mut exc = Truth::NotMet;
        for node in &c.exclusion {
            exc = exc.or(eval::truth(node, ctx, s));
            if exc == Truth::Met {
                return Verdict::Ineligible;
            }
        }
        verdict([inc], [exc])
    }

    fn result(&self, i: usize, ctx: &Ctx, s: &mut Scratch) -> TrialResult {
        let c = &self.trials[i];
        let t = &c.trial;
        let side = |list: &[crate::Criterion], nodes: &[CNode], s: &mut Scratch| {
            list.iter()
                .zip(nodes)
                .map(|(crit, node)| detail::result(crit, node, ctx, s))
                .collect::<Vec<_>>()
        };
        let inclusion = side(&t.criteria.inclusion, &c.inclusion, s);
        let exclusion = side(&t.criteria.exclusion, &c.exclusion, s);
        let deceased = ctx.patient.patient.deceased;
        TrialResult {
            trial_id: t.id.clone(),
            version: t.version,
            title: t.title.clone(),
            summary: t.summary.clone(),
            verdict: if deceased {
                Verdict::Ineligible
            } else {
                verdict(
                    inclusion.iter().map(|r| r.truth),
                    exclusion.iter().map(|r| r.truth),
                )
            },
            inclusion,
            exclusion,
            deceased,
        }
    }
}

/// Evaluates one trial against one patient, whatever the verdict.
pub fn evaluate(
    trial: &Trial,
    patient: &Patient,
    reference: NaiveDate,
) -> Result<TrialResult, InvalidTrial> {
    let index = TrialIndex::new(vec![trial.clone()])?;
    let prepared = PreparedPatient::new(patient);
    let ctx = Ctx {
        patient: &prepared,
        reference,
        matching: Matching::Indexed,
    };
    Ok(index.result(0, &ctx, &mut Scratch::default()))
}

/// A necessary condition of a criterion being met or unknown: the patient holds one of
/// these codes (`(packed key, must be the whole code)`). `None` when there is none.
fn necessary(node: &CNode) -> Option<Vec<(u128, bool)>> {
    match node {
        CNode::Event(e) if e.min >= 1 && e.missing == Missing::NotMet => {
            let mut keys: Vec<(u128, bool)> = e
                .keys
                .iter()
                .map(|&(k, descendants)| (k, !descendants))
                .collect();
            // Codes of other systems mapped into this one, and unreadable events of the
            // kind, may make the criterion unknown: they satisfy the condition too.
            keys.extend(e.cross_keys.iter().map(|&k| (k, false)));
            keys.extend(e.icd10_cm_keys.iter().map(|&k| (k, false)));
            keys.push((unread_key(kind_tag(e.kind)), false));
            Some(keys)
        }
        CNode::Value(v) if v.missing == Missing::NotMet => Some(match &v.source {
            ValueSource::Codes(codes) => codes.iter().map(|c| (c.key, true)).collect(),
            ValueSource::Bmi { bmi, weight, .. } => vec![(*bmi, true), (*weight, true)],
        }),
        CNode::All(children) => children.iter().filter_map(necessary).min_by_key(Vec::len),
        CNode::Any(children) => union(children.iter().map(necessary)),
        CNode::AtLeast(n, children) => {
            let reqs: Vec<_> = children.iter().map(necessary).collect();
            let free = reqs.iter().filter(|r| r.is_none()).count();
            if *n as usize > free {
                union(reqs.into_iter().flatten().map(Some))
            } else {
                None
            }
        }
        _ => None,
    }
}

/// The union of necessary conditions, or `None` if any is `None`.
fn union(reqs: impl Iterator<Item = Option<Vec<(u128, bool)>>>) -> Option<Vec<(u128, bool)>> {
    let mut out = Vec::new();
    for r in reqs {
        out.extend(r?);
    }
    Some(out)
}
