//! A patient record prepared for matching: each distinct code normalised once, events
//! grouped by code and sorted by date in one flat table, every code prefix hashed (for
//! descendant matching through the trial index), and observations read against the
//! catalogue (converted, plausibility-checked).

use crate::catalogue::{self, ObservationKind, Reading};
use crate::codes::{CodeSystem, NormCode, pack_key};
use crate::crosswalk::{self, Derived};
use crate::patient::{EventKind, Patient};
use chrono::{Datelike, NaiveDate};
use rustc_hash::FxHashMap;
use std::ops::Range;

/// Tag of observation codes in packed keys (event kinds use 0–6).
pub(crate) const OBSERVATION_TAG: u8 = 7;

/// The tag of an event kind in packed keys.
pub(crate) fn kind_tag(kind: EventKind) -> u8 {
    kind as u8
}

/// Events of one kind sharing one normalised code (and whether they are confirmed).
#[derive(Debug)]
pub(crate) struct CodeGroup {
    pub kind: EventKind,
    pub system: CodeSystem,
    pub code: NormCode,
    /// Unconfirmed diagnoses: they only make criteria unknown.
    pub unconfirmed: bool,
    /// Drugs of which some event covers a period (see [`PreparedPatient::until`]).
    pub periods: bool,
    /// The group's slice of [`PreparedPatient::events`].
    pub events: Range<u32>,
}

/// A code of another system that a group's code stands for (see [`crate::crosswalk`]).
#[derive(Debug, Clone, Copy)]
pub(crate) struct DerivedGroup {
    /// The group whose events these are.
    pub source: u32,
    pub derived: Derived,
}

/// Packed keys of the trial index beyond codes: bit 127 marks a *cross* key (the first
/// one or three characters of a derived code, or of a criterion entry); the system byte
/// `0xFE` marks the "unreadable events of this kind" key.
pub(crate) const CROSS_BIT: u128 = 1 << 127;

/// The cross key of the first `len` bytes of `code`.
pub(crate) fn cross_key(tag: u8, system: CodeSystem, code: &[u8]) -> u128 {
    pack_key(tag, system, code) | CROSS_BIT
}

/// The key a trial's event condition holds for "the patient has unreadable events of
/// this kind".
pub(crate) fn unread_key(tag: u8) -> u128 {
    (u128::from(tag) << 120) | (0xFE << 112)
}

/// Set in a group's key (never a prefix key) for its unconfirmed events.
const UNCONFIRMED_GROUP: u128 = 1 << 127;

/// Prefix lengths of cross keys: a chapter letter, a three-character category.
pub(crate) const CROSS_LENGTHS: [usize; 2] = [1, 3];

/// One observation value read against the catalogue.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ObsValue {
    /// Index into `patient.observations`.
    pub index: u32,
    /// Day number ([`day`]).
    pub day: i32,
    pub reading: Reading,
}

/// The day number of an undated event: before every real date.
pub(crate) const UNDATED: i32 = i32::MIN;

/// The last day of a drug still active: after every real date.
pub(crate) const ONGOING: i32 = i32::MAX;

/// A date as a day number (days from the common era), [`UNDATED`] for none.
pub(crate) fn day(date: Option<NaiveDate>) -> i32 {
    date.map_or(UNDATED, |d| d.num_days_from_ce())
}

/// Observations sharing one code.
#[derive(Debug)]
pub(crate) struct ObsGroup<'p> {
    pub kind: Option<&'static ObservationKind>,
    /// In record order.
    pub values: Vec<ObsValue>,
    /// The last unit spelling read, and its factor to the canonical unit.
    last_unit: Option<(&'p str, Option<catalogue::Linear>)>,
}

/// A prepared patient. Built once per consultation and shared by every trial evaluated.
#[derive(Debug)]
pub struct PreparedPatient<'p> {
    pub(crate) patient: &'p Patient,
    pub(crate) groups: Vec<CodeGroup>,
    /// The day number ([`day`]) of every readable event, grouped by code group.
    pub(crate) days: Vec<i32>,
    /// The index into `patient.events` of each entry of `days`.
    pub(crate) indices: Vec<u32>,
    /// The last day each entry of `days` covers: a drug's end, [`ONGOING`] for a drug still
    /// active, else the day itself.
    pub(crate) until: Vec<i32>,
    /// Every prefix of every group's code, chained by key through `next`.
    prefixes: Vec<Prefix>,
    /// Packed prefix key → its first entry in `prefixes`.
    prefix_heads: FxHashMap<u128, u32>,
    /// Observation groups by packed code key.
    pub(crate) observations: FxHashMap<u128, ObsGroup<'p>>,
    /// Codes of other systems the groups' codes stand for, by kind ([`EventKind`] order).
    pub(crate) derived: Vec<DerivedGroup>,
    /// Per kind, the slice of `derived`.
    derived_by_kind: [Range<u32>; 7],
    /// `(cross key, index into derived)` for the first one and three characters of every
    /// derived code ([`cross_key`]), sorted by key.
    derived_by_key: Vec<(u128, u32)>,
    /// Per kind, events that could not be read: no usable code, an unknown system, a code
    /// of a foreign system that no crosswalk maps, or items the source record flagged.
    pub(crate) unread: [u32; 7],
    /// Whether some group holds unconfirmed diagnoses.
    pub(crate) has_unconfirmed: bool,
}

impl<'p> PreparedPatient<'p> {
    /// Prepares a record for matching.
    pub fn new(patient: &'p Patient) -> PreparedPatient<'p> {
        let mut by_code: FxHashMap<u128, u32> = FxHashMap::default();
        // Codes repeat (a chronic diagnosis, a monthly renewal): each spelling is resolved
        // once per kind and system, keyed by its raw bytes packed in one word.
        let mut seen: FxHashMap<u128, Option<u32>> = FxHashMap::default();
        seen.reserve(64);
        by_code.reserve(64);
        let mut groups: Vec<CodeGroup> = Vec::with_capacity(64);
        // (group, day number, last day covered) of each event, read in this one pass.
        let mut group_of: Vec<(u32, i32, i32)> = Vec::with_capacity(patient.events.len());
        let mut unread = [0u32; 7];
        for u in &patient.unreadable {
            unread[u.kind as usize] = unread[u.kind as usize].saturating_add(u.count);
        }
        let mut systems = SystemMemo::default();
        for event in &patient.events {
            let group = systems.resolve(&event.system).and_then(|system| {
                // Unconfirmed events of a code form a group of their own.
                let flag = if event.unconfirmed {
                    UNCONFIRMED_GROUP
                } else {
                    0
                };
                let mut resolve = || {
                    let code = system.normalize(&event.code).ok()?;
                    let key = pack_key(kind_tag(event.kind), system, code.as_bytes()) | flag;
                    Some(*by_code.entry(key).or_insert_with(|| {
                        groups.push(CodeGroup {
                            kind: event.kind,
                            system,
                            code,
                            unconfirmed: event.unconfirmed,
                            periods: false,
                            events: 0..0,
                        });
                        (groups.len() - 1) as u32
                    }))
                };
                match raw_key(kind_tag(event.kind), system, &event.code, event.unconfirmed) {
                    Some(raw) => *seen.entry(raw).or_insert_with(resolve),
                    None => resolve(),
                }
            });
            match group {
                Some(g) => {
                    let d = day(event.date);
                    let last = match (event.kind, event.end, event.status) {
                        (EventKind::Medication, Some(end), _) => day(Some(end)).max(d),
                        (
                            EventKind::Medication,
                            None,
                            Some(crate::patient::EventStatus::Active),
                        ) => ONGOING,
                        _ => d,
                    };
                    group_of.push((g, d, last));
                }
                None => {
                    unread[event.kind as usize] += 1;
                    group_of.push((u32::MAX, UNDATED, UNDATED));
                }
            }
        }
        // Counting sort by group: each group's events become one contiguous slice.
        let mut starts = vec![0u32; groups.len() + 1];
        for &(g, _, _) in group_of.iter().filter(|(g, _, _)| *g != u32::MAX) {
            starts[g as usize + 1] += 1;
        }
        for i in 1..starts.len() {
            starts[i] += starts[i - 1];
        }
        for (g, group) in groups.iter_mut().enumerate() {
            group.events = starts[g]..starts[g + 1];
        }
        let readable = starts[groups.len()] as usize;
        let mut days = vec![UNDATED; readable];
        let mut indices = vec![0u32; readable];
        let mut until = vec![UNDATED; readable];
        for (i, &(g, d, last)) in group_of.iter().enumerate() {
            if g != u32::MAX {
                let slot = starts[g as usize] as usize;
                starts[g as usize] += 1;
                days[slot] = d;
                indices[slot] = i as u32;
                until[slot] = last;
                if last != d {
                    groups[g as usize].periods = true;
                }
            }
        }
        // Codes of other systems each group stands for; foreign codes no table maps are
        // unreadable for criteria in other systems.
        let mut derived: Vec<DerivedGroup> = Vec::new();
        let mut scratch: Vec<Derived> = Vec::new();
        for (g, group) in groups.iter().enumerate() {
            scratch.clear();
            crosswalk::derive(group.kind, group.system, &group.code, &mut scratch);
            if scratch.is_empty() && crosswalk::foreign(group.kind, group.system) {
                unread[group.kind as usize] += group.events.end - group.events.start;
            }
            derived.extend(scratch.iter().map(|&d| DerivedGroup {
                source: g as u32,
                derived: d,
            }));
        }
        derived.sort_by_key(|d| groups[d.source as usize].kind);
        let mut derived_by_kind: [Range<u32>; 7] = Default::default();
        for kind in EventKind::ALL {
            let start = derived.partition_point(|d| groups[d.source as usize].kind < kind);
            let end = derived.partition_point(|d| groups[d.source as usize].kind <= kind);
            derived_by_kind[kind as usize] = start as u32..end as u32;
        }
        // Every prefix of every code, chained per key: one hash insert each, no sort.
        let mut prefixes: Vec<Prefix> = Vec::with_capacity(groups.len() * 4);
        let mut prefix_heads: FxHashMap<u128, u32> = FxHashMap::default();
        prefix_heads.reserve(groups.len() * 4);
        for (g, group) in groups.iter().enumerate() {
            for_prefixes(
                kind_tag(group.kind),
                group.system,
                &group.code,
                |key, whole| {
                    let at = prefixes.len() as u32;
                    let next = prefix_heads.insert(key, at).unwrap_or(NO_PREFIX);
                    prefixes.push(Prefix {
                        key,
                        group: g as u32,
                        whole,
                        next,
                    });
                },
            );
        }
        let has_unconfirmed = groups.iter().any(|g| g.unconfirmed);
        let mut derived_by_key: Vec<(u128, u32)> = Vec::with_capacity(derived.len() * 2);
        for (i, d) in derived.iter().enumerate() {
            let tag = kind_tag(groups[d.source as usize].kind);
            let code = d.derived.code.as_bytes();
            for l in CROSS_LENGTHS.into_iter().filter(|&l| l <= code.len()) {
                derived_by_key.push((cross_key(tag, d.derived.system, &code[..l]), i as u32));
            }
        }
        derived_by_key.sort_unstable();
        PreparedPatient {
            has_unconfirmed,
            derived_by_key,
            patient,
            groups,
            days,
            indices,
            until,
            prefixes,
            prefix_heads,
            observations: read_observations(patient),
            derived,
            derived_by_kind,
            unread,
        }
    }

    /// How many events could not be read (unknown system, malformed code, a foreign code
    /// no crosswalk maps, items the source flagged): they never match anything, and make a
    /// "no record" of their kind unknown.
    pub fn unreadable_events(&self) -> u32 {
        self.unread.iter().sum()
    }

    /// The derived codes under a cross key.
    pub(crate) fn derived_under(&self, key: u128) -> impl Iterator<Item = &DerivedGroup> + '_ {
        let from = self.derived_by_key.partition_point(|&(k, _)| k < key);
        self.derived_by_key[from..]
            .iter()
            .take_while(move |&&(k, _)| k == key)
            .map(|&(_, i)| &self.derived[i as usize])
    }

    /// The derived codes of groups of `kind`.
    pub(crate) fn derived_of(&self, kind: EventKind) -> &[DerivedGroup] {
        let r = &self.derived_by_kind[kind as usize];
        &self.derived[r.start as usize..r.end as usize]
    }

    /// The record.
    pub fn patient(&self) -> &'p Patient {
        self.patient
    }

    /// The day numbers and event indices of a group's events, in record order.
    pub(crate) fn group_events(&self, group: &CodeGroup) -> (&[i32], &[u32]) {
        let r = group.events.start as usize..group.events.end as usize;
        (&self.days[r.clone()], &self.indices[r])
    }

    /// The last days ([`PreparedPatient::until`]) of a group's events.
    pub(crate) fn group_until(&self, group: &CodeGroup) -> &[i32] {
        &self.until[group.events.start as usize..group.events.end as usize]
    }

    /// Groups whose code has the packed prefix key `key`: `(group, whole code)`.
    pub(crate) fn groups_under(&self, key: u128) -> impl Iterator<Item = (u32, bool)> + '_ {
        let mut at = self.prefix_heads.get(&key).copied().unwrap_or(NO_PREFIX);
        std::iter::from_fn(move || {
            let p = self.prefixes.get(at as usize)?;
            at = p.next;
            Some((p.group, p.whole))
        })
    }

    /// Every packed key the trial index may look up for this patient: code prefixes of
    /// events, and observation codes (always whole codes).
    pub(crate) fn trigger_keys(&self) -> impl Iterator<Item = (u128, bool)> + '_ {
        let prefixes = self.prefixes.iter().map(|p| (p.key, p.whole));
        // Each cross key once (the list is sorted by key).
        let cross = self
            .derived_by_key
            .iter()
            .enumerate()
            .filter(|&(i, &(k, _))| i == 0 || self.derived_by_key[i - 1].0 != k)
            .map(|(_, &(k, _))| (k, true));
        let unread = EventKind::ALL
            .into_iter()
            .filter(|k| self.unread[*k as usize] > 0)
            .map(|k| (unread_key(kind_tag(k)), true));
        prefixes
            .chain(self.observations.keys().map(|&k| (k, true)))
            .chain(cross)
            .chain(unread)
    }
}

/// The few system spellings of a record, each resolved once.
#[derive(Default)]
struct SystemMemo<'a> {
    entries: [Option<(&'a str, Option<CodeSystem>)>; 4],
    next: usize,
}

impl<'a> SystemMemo<'a> {
    fn resolve(&mut self, text: &'a str) -> Option<CodeSystem> {
        for (t, system) in self.entries.iter().flatten() {
            if *t == text {
                return *system;
            }
        }
        let system = CodeSystem::from_uri(text);
        self.entries[self.next] = Some((text, system));
        self.next = (self.next + 1) % self.entries.len();
        system
    }
}

/// A code as written (not normalised), packed with its kind tag and system in one word,
/// when it is short enough: the key of the per-record cache of resolved spellings.
fn raw_key(tag: u8, system: CodeSystem, code: &str, unconfirmed: bool) -> Option<u128> {
    let bytes = code.as_bytes();
    (bytes.len() <= 13).then(|| {
        let mut b = [0u8; 16];
        b[0] = tag;
        b[1] = system as u8 | if unconfirmed { 0x80 } else { 0 };
        b[2] = bytes.len() as u8;
        for (slot, &byte) in b[3..].iter_mut().zip(bytes) {
            *slot = byte;
        }
        u128::from_le_bytes(b)
    })
}

/// Prefix lengths at which a code of `system` may be written in a criterion.
fn prefix_lengths(system: CodeSystem, len: usize) -> impl Iterator<Item = usize> {
    let lengths: &'static [usize] = match system {
        CodeSystem::Icd10 | CodeSystem::Icd10Cm => &[3, 4, 5, 6, 7],
        CodeSystem::Atc => &[1, 3, 4, 5, 7],
        CodeSystem::Icpc2 => &[1, 3, 4, 5],
        CodeSystem::Loinc | CodeSystem::Snomed | CodeSystem::RxNorm | CodeSystem::Cvx => &[],
    };
    lengths.iter().copied().filter(move |&l| l < len)
}

/// One prefix of a group's code, linked to the next entry with the same key.
#[derive(Debug)]
struct Prefix {
    key: u128,
    group: u32,
    whole: bool,
    next: u32,
}

/// End of a prefix chain.
const NO_PREFIX: u32 = u32::MAX;

/// Calls `f(key, whole)` for the whole code and each prefix a criterion may name.
fn for_prefixes(tag: u8, system: CodeSystem, code: &NormCode, mut f: impl FnMut(u128, bool)) {
    let bytes = code.as_bytes();
    f(pack_key(tag, system, bytes), true);
    for l in prefix_lengths(system, bytes.len()) {
        f(pack_key(tag, system, &bytes[..l]), false);
    }
}

/// Reads every observation once: code normalised, value converted to the catalogue's unit
/// and checked for plausibility. Each distinct code and unit as written is resolved once.
fn read_observations(patient: &Patient) -> FxHashMap<u128, ObsGroup<'_>> {
    // Raw spelling → index of its group in `groups`; normalised key → the same index.
    let mut keys: FxHashMap<u128, Option<u32>> = FxHashMap::default();
    let mut by_key: FxHashMap<u128, u32> = FxHashMap::default();
    let mut groups: Vec<(u128, ObsGroup<'_>)> = Vec::with_capacity(32);
    keys.reserve(32);
    let mut systems = SystemMemo::default();
    for (i, obs) in patient.observations.iter().enumerate() {
        let Some(system) = systems.resolve(&obs.system) else {
            continue;
        };
        let mut resolve = || {
            let code = system.normalize(&obs.code).ok()?;
            let key = observation_key(system, &code);
            Some(*by_key.entry(key).or_insert_with(|| {
                groups.push((
                    key,
                    ObsGroup {
                        kind: (system == CodeSystem::Loinc)
                            .then(|| catalogue::lookup(code.as_str()))
                            .flatten(),
                        values: Vec::with_capacity(16),
                        last_unit: None,
                    },
                ));
                (groups.len() - 1) as u32
            }))
        };
        let found = match raw_key(OBSERVATION_TAG, system, &obs.code, false) {
            Some(raw) => *keys.entry(raw).or_insert_with(resolve),
            None => resolve(),
        };
        let Some(g) = found else { continue };
        let group = &mut groups[g as usize].1;
        let reading = match group.kind {
            Some(kind) => {
                // Most values of one code share one unit: convert the spelling once.
                let factor = match group.last_unit {
                    Some((unit, factor)) if unit == obs.unit => factor,
                    _ => {
                        let factor = kind.factor_from(&obs.unit);
                        group.last_unit = Some((&obs.unit, factor));
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
            day: day(obs.date),
            reading,
        });
    }
    groups.into_iter().collect()
}

/// The packed key of an observation code.
pub(crate) fn observation_key(system: CodeSystem, code: &NormCode) -> u128 {
    pack_key(OBSERVATION_TAG, system, code.as_bytes())
}
