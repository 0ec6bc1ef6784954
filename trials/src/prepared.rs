//! A patient record prepared for matching: codes normalised once, events grouped by code,
//! a sorted table of every code prefix (for descendant matching through the trial index),
//! and observations read against the catalogue (converted, plausibility-checked).

use crate::catalogue::{self, ObservationKind, Reading};
use crate::codes::{CodeSystem, NormCode, pack_key};
use crate::patient::{EventKind, Patient};
use chrono::NaiveDate;
use rustc_hash::FxHashMap;

/// Tag of observation codes in packed keys (event kinds use 0–6).
pub(crate) const OBSERVATION_TAG: u8 = 7;

/// The tag of an event kind in packed keys.
pub(crate) fn kind_tag(kind: EventKind) -> u8 {
    kind as u8
}

/// Events of one kind sharing one normalised code.
#[derive(Debug)]
pub(crate) struct CodeGroup {
    pub kind: EventKind,
    pub system: CodeSystem,
    pub code: NormCode,
    /// Indices into `patient.events`, dated ones by date ascending, undated ones first.
    pub events: Vec<u32>,
}

/// One observation value read against the catalogue.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ObsValue {
    /// Index into `patient.observations`.
    pub index: u32,
    pub date: Option<NaiveDate>,
    pub reading: Reading,
}

/// Observations sharing one code.
#[derive(Debug)]
pub(crate) struct ObsGroup<'p> {
    pub kind: Option<&'static ObservationKind>,
    /// By date ascending, undated first.
    pub values: Vec<ObsValue>,
    /// The last unit spelling read and its factor to the canonical unit.
    last_unit: Option<(&'p str, Option<f64>)>,
}

/// A prepared patient. Built once per consultation and shared by every trial evaluated.
#[derive(Debug)]
pub struct PreparedPatient<'p> {
    pub(crate) patient: &'p Patient,
    pub(crate) groups: Vec<CodeGroup>,
    /// `(packed prefix key, group index, whether the prefix is the whole code)`, sorted.
    pub(crate) prefixes: Vec<(u128, u32, bool)>,
    /// Observation groups by packed code key.
    pub(crate) observations: FxHashMap<u128, ObsGroup<'p>>,
    /// Events whose code or system could not be read (kept for explanations and counts).
    pub(crate) unreadable_events: u32,
}

impl<'p> PreparedPatient<'p> {
    /// Prepares a record for matching.
    pub fn new(patient: &'p Patient) -> PreparedPatient<'p> {
        let mut by_code: FxHashMap<u128, u32> = FxHashMap::default();
        let mut groups: Vec<CodeGroup> = Vec::new();
        let mut unreadable = 0u32;
        for (i, event) in patient.events.iter().enumerate() {
            let Some(system) = CodeSystem::from_uri(&event.system) else {
                unreadable += 1;
                continue;
            };
            let Ok(code) = system.normalize(&event.code) else {
                unreadable += 1;
                continue;
            };
            let key = pack_key(kind_tag(event.kind), system, code.as_bytes());
            let g = *by_code.entry(key).or_insert_with(|| {
                groups.push(CodeGroup {
                    kind: event.kind,
                    system,
                    code,
                    events: Vec::new(),
                });
                (groups.len() - 1) as u32
            });
            groups[g as usize].events.push(i as u32);
        }
        let mut prefixes = Vec::with_capacity(groups.len() * 3);
        for (g, group) in groups.iter_mut().enumerate() {
            group
                .events
                .sort_by_key(|&e| patient.events[e as usize].date);
            push_prefixes(
                &mut prefixes,
                kind_tag(group.kind),
                group.system,
                &group.code,
                g as u32,
            );
        }
        prefixes.sort_unstable();
        PreparedPatient {
            patient,
            groups,
            prefixes,
            observations: read_observations(patient),
            unreadable_events: unreadable,
        }
    }

    /// How many events could not be read (unknown system, malformed code): they never
    /// match anything.
    pub fn unreadable_events(&self) -> u32 {
        self.unreadable_events
    }

    /// The record.
    pub fn patient(&self) -> &'p Patient {
        self.patient
    }

    /// Groups whose packed prefix key is `key`: `(group, whole code)`.
    pub(crate) fn groups_under(&self, key: u128) -> &[(u128, u32, bool)] {
        let start = self.prefixes.partition_point(|p| p.0 < key);
        let end = start + self.prefixes[start..].partition_point(|p| p.0 == key);
        &self.prefixes[start..end]
    }

    /// Every packed key the trial index may look up for this patient: code prefixes of
    /// events, and observation codes (always whole codes).
    pub(crate) fn trigger_keys(&self) -> impl Iterator<Item = (u128, bool)> + '_ {
        let prefixes = self.prefixes.iter().map(|p| (p.0, p.2));
        prefixes.chain(self.observations.keys().map(|&k| (k, true)))
    }
}

/// Prefix lengths at which a code of `system` may be written in a criterion.
fn prefix_lengths(system: CodeSystem, len: usize) -> impl Iterator<Item = usize> {
    let lengths: &'static [usize] = match system {
        CodeSystem::Icd10 => &[3, 4, 5, 6, 7],
        CodeSystem::Atc => &[1, 3, 4, 5, 7],
        CodeSystem::Icpc2 => &[1, 3, 4, 5],
        CodeSystem::Loinc | CodeSystem::Snomed => &[],
    };
    lengths.iter().copied().filter(move |&l| l < len)
}

fn push_prefixes(
    out: &mut Vec<(u128, u32, bool)>,
    tag: u8,
    system: CodeSystem,
    code: &NormCode,
    group: u32,
) {
    let bytes = code.as_bytes();
    out.push((pack_key(tag, system, bytes), group, true));
    for l in prefix_lengths(system, bytes.len()) {
        out.push((pack_key(tag, system, &bytes[..l]), group, false));
    }
}

/// Reads every observation once: code normalised, value converted to the catalogue's unit
/// and checked for plausibility.
fn read_observations(patient: &Patient) -> FxHashMap<u128, ObsGroup<'_>> {
    let mut out: FxHashMap<u128, ObsGroup<'_>> = FxHashMap::default();
    for (i, obs) in patient.observations.iter().enumerate() {
        let Some(system) = CodeSystem::from_uri(&obs.system) else {
            continue;
        };
        let Ok(code) = system.normalize(&obs.code) else {
            continue;
        };
        let key = pack_key(OBSERVATION_TAG, system, code.as_bytes());
        let group = out.entry(key).or_insert_with(|| ObsGroup {
            kind: if system == CodeSystem::Loinc {
                catalogue::lookup(code.as_str())
            } else {
                None
            },
            values: Vec::new(),
            last_unit: None,
        });
        let reading = match group.kind {
            Some(kind) => {
                // Most values of one code share one unit: convert the spelling once.
                let factor = match &group.last_unit {
                    Some((unit, factor)) if *unit == obs.unit.as_str() => *factor,
                    _ => {
                        let factor = kind.factor_from(&obs.unit);
                        group.last_unit = Some((obs.unit.as_str(), factor));
                        factor
                    }
                };
                kind.read_with(obs.value, factor)
            }
            None if obs.value.is_finite() => Reading::Value(obs.value),
            None => Reading::Implausible,
        };
        group.values.push(ObsValue {
            index: i as u32,
            date: obs.date,
            reading,
        });
    }
    for group in out.values_mut() {
        group.values.sort_by_key(|v| v.date);
    }
    out
}

/// The packed key of an observation code.
pub(crate) fn observation_key(system: CodeSystem, code: &NormCode) -> u128 {
    pack_key(OBSERVATION_TAG, system, code.as_bytes())
}
