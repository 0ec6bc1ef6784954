//! Deterministic synthetic trials and patients, for benchmarks, property tests and load
//! tests. Same seed, same data, on every machine: a small SplitMix64 generator, no
//! dependency. The shapes follow primary care: chronic diagnoses seen again and again,
//! drugs renewed monthly, labs a few times a year.

use crate::codes::{ATC_URI, CodeEntry, CodeSet, ICD10_URI, ICPC2_URI, LOINC_URI};
use crate::criteria::{
    AgeTest, AgeUnit, Aggregate, AtLeast, Codes, Count, Criteria, Criterion, EventTest, Missing,
    Node, ObservationTest, ShareOutside, ValueTest,
};
use crate::patient::{Event, EventKind, EventStatus, Observation, Patient, Sex};
use crate::window::{Offset, OffsetUnit, Window};
use crate::{Trial, criteria::BmiTest};
use chrono::{Days, NaiveDate};

/// SplitMix64: tiny, fast, good enough for test data.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }

    /// One element of a non-empty slice.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// ICD-10 categories used by the generator.
pub const ICD10: &[&str] = &[
    "E11", "E10", "E66", "E78", "I10", "I11", "I20", "I21", "I25", "I48", "I50", "I63", "J44",
    "J45", "J18", "F32", "F33", "F41", "F10", "F17", "M15", "M16", "M17", "M54", "M81", "K21",
    "K29", "N18", "N39", "C34", "C50", "C61", "G20", "G30", "G40", "G43", "H40", "L40", "E03",
    "E05", "D50", "B18", "Z95", "O09", "R68", "H04", "M25", "M35", "K58", "G47",
];

/// ICPC-2 rubrics used by the generator.
pub const ICPC2: &[&str] = &[
    "T90", "T89", "T82", "T83", "T93", "K86", "K87", "K74", "K75", "K77", "K78", "K90", "R95",
    "R96", "R74", "R78", "P76", "P74", "P15", "P17", "P06", "L84", "L90", "L89", "L03", "D84",
    "D93", "U71", "A04", "W78", "W11", "X11", "Y85", "N89", "N17", "S87", "F92", "L20", "L88",
    "D20",
];

/// ATC codes (level 5) used by the generator.
pub const ATC: &[&str] = &[
    "A10BA02", "A10BD07", "A10BJ02", "A10AE04", "C09AA05", "C09CA01", "C08CA01", "C07AB07",
    "C03CA01", "C03AA03", "C10AA05", "C10AA07", "B01AA03", "B01AA07", "B01AF01", "B01AC06",
    "N06AB06", "N06AB10", "N06AX16", "N05BA12", "N02BE01", "M01AE01", "R03AK06", "R03BB04",
    "H03AA01", "A02BC01", "J01CA04", "L04AX03", "S01XA20", "N07AX01", "J07BB02", "J07AL02",
];

/// LOINC codes (value, spread, unit) used by the generator.
pub const LABS: &[(&str, f64, f64, &str)] = &[
    ("4548-4", 7.0, 1.5, "%"),
    ("6301-6", 2.5, 0.8, ""),
    ("2160-0", 9.0, 3.0, "mg/L"),
    ("62238-1", 75.0, 25.0, "mL/min/{1.73_m2}"),
    ("2093-3", 2.0, 0.4, "g/L"),
    ("13457-7", 1.3, 0.4, "g/L"),
    ("8480-6", 135.0, 15.0, "mm[Hg]"),
    ("8462-4", 80.0, 10.0, "mm[Hg]"),
    ("29463-7", 78.0, 15.0, "kg"),
    ("8302-2", 168.0, 10.0, "cm"),
    ("39156-5", 27.0, 5.0, "kg/m2"),
    ("44249-1", 8.0, 6.0, "{score}"),
];

/// A code space: the common codes first, then every other code of the system, drawn with
/// a skew toward the common ones (index `n·u²` for uniform `u`), as in real records where a
/// few chronic diseases dominate and the long tail is rare.
#[derive(Debug, Clone)]
pub struct Pool {
    codes: Vec<String>,
}

impl Pool {
    fn new(common: &[&str], rest: impl Iterator<Item = String>) -> Pool {
        let mut codes: Vec<String> = common.iter().map(|c| c.to_string()).collect();
        for c in rest {
            if !codes.contains(&c) {
                codes.push(c);
            }
        }
        Pool { codes }
    }

    /// The ICPC-2 rubric space: every chapter's symptoms (01–29) and diagnoses (70–99).
    pub fn icpc2() -> Pool {
        let rest = "ABDFHKLNPRSTUWXYZ"
            .chars()
            .flat_map(|ch| (1..=29).chain(70..=99).map(move |n| format!("{ch}{n:02}")));
        Pool::new(ICPC2, rest)
    }

    /// ICD-10 categories `A00`–`Z99`.
    pub fn icd10() -> Pool {
        let rest = ('A'..='Z')
            .filter(|&c| c != 'U')
            .flat_map(|ch| (0..=99).map(move |n| format!("{ch}{n:02}")));
        Pool::new(ICD10, rest)
    }

    /// ATC substances: the common ones, then twenty substances under each common group.
    pub fn atc() -> Pool {
        let groups: Vec<String> = ATC.iter().map(|c| c[..5].to_string()).collect();
        let rest = groups
            .into_iter()
            .flat_map(|g| (1..=20).map(move |n| format!("{g}{n:02}")));
        Pool::new(ATC, rest)
    }

    /// Number of codes.
    pub fn len(&self) -> usize {
        self.codes.len()
    }

    /// Whether the pool is empty.
    pub fn is_empty(&self) -> bool {
        self.codes.is_empty()
    }

    /// A code, skewed toward the common ones.
    pub fn draw(&self, rng: &mut Rng) -> &str {
        let u = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        let i = ((u * u) * self.codes.len() as f64) as usize;
        &self.codes[i.min(self.codes.len() - 1)]
    }
}

/// The three code spaces.
#[derive(Debug, Clone)]
pub struct Pools {
    /// ICPC-2.
    pub icpc2: Pool,
    /// ICD-10.
    pub icd10: Pool,
    /// ATC.
    pub atc: Pool,
}

impl Default for Pools {
    fn default() -> Pools {
        Pools {
            icpc2: Pool::icpc2(),
            icd10: Pool::icd10(),
            atc: Pool::atc(),
        }
    }
}

fn entry(system: &str, code: &str, descendants: bool) -> CodeEntry {
    CodeEntry::new(system, code, descendants)
}

fn offset(amount: i32, unit: OffsetUnit) -> Offset {
    Offset { amount, unit }
}

fn within_months(m: i32) -> Window {
    Window {
        within: Some(offset(m, OffsetUnit::Months)),
        ..Window::default()
    }
}

fn leaf(id: String, node: Node) -> Criterion {
    Criterion {
        id,
        label: None,
        node,
    }
}

/// A random leaf of the kinds primary-care trials use.
fn random_leaf(rng: &mut Rng, pools: &Pools, id: String) -> Criterion {
    let event = |rng: &mut Rng, kind: EventKind, set: CodeSet| {
        let window = if rng.chance(0.5) {
            Window::default()
        } else {
            within_months(*rng.pick(&[3, 6, 12, 24, 60]))
        };
        Node::Event(
            kind,
            EventTest {
                codes: Codes::Inline(set),
                window,
                count: rng.chance(0.15).then_some(Count {
                    min: Some(2),
                    max: None,
                }),
                first: false,
                current: false,
                missing: None,
            },
        )
    };
    let node = match rng.below(10) {
        0..=2 => {
            let mut include = vec![entry(ICD10_URI, pools.icd10.draw(rng), rng.chance(0.8))];
            if rng.chance(0.6) {
                include.push(entry(ICPC2_URI, pools.icpc2.draw(rng), false));
            }
            event(
                rng,
                EventKind::Condition,
                CodeSet {
                    name: None,
                    include,
                    exclude: vec![],
                },
            )
        }
        3 => {
            let include = vec![entry(ICPC2_URI, pools.icpc2.draw(rng), false)];
            event(
                rng,
                EventKind::ReasonForEncounter,
                CodeSet {
                    name: None,
                    include,
                    exclude: vec![],
                },
            )
        }
        4 | 5 => {
            let atc = pools.atc.draw(rng).to_string();
            let level = *rng.pick(&[4usize, 5, 7]);
            let include = vec![entry(ATC_URI, &atc[..level], level < 7)];
            event(
                rng,
                EventKind::Medication,
                CodeSet {
                    name: None,
                    include,
                    exclude: vec![],
                },
            )
        }
        6 | 7 => {
            let (code, mean, spread, unit) = *rng.pick(LABS);
            let threshold = mean + spread * (rng.below(5) as f64 - 2.0) / 2.0;
            let value = if rng.chance(0.5) {
                ValueTest {
                    gte: Some(threshold),
                    ..ValueTest::default()
                }
            } else {
                ValueTest {
                    lt: Some(threshold),
                    ..ValueTest::default()
                }
            };
            let value = ValueTest {
                unit: (!unit.is_empty()).then(|| unit.to_string()),
                ..value
            };
            let aggregate = match rng.below(6) {
                0 => Aggregate::Mean,
                1 => Aggregate::Any,
                _ => Aggregate::Latest,
            };
            Node::Observation(ObservationTest {
                codes: Codes::Inline(CodeSet {
                    name: None,
                    include: vec![entry(LOINC_URI, code, false)],
                    exclude: vec![],
                }),
                value,
                aggregate,
                window: within_months(*rng.pick(&[6, 12, 24])),
                min_results: None,
                missing: rng.chance(0.3).then_some(Missing::NotMet),
            })
        }
        8 => Node::Bmi(BmiTest {
            value: ValueTest {
                gte: Some(*rng.pick(&[25.0, 30.0, 35.0])),
                ..ValueTest::default()
            },
            aggregate: Aggregate::Latest,
            window: within_months(24),
            missing: None,
        }),
        _ => {
            let min = *rng.pick(&[18u32, 40, 50, 65]);
            Node::Age(AgeTest {
                min: Some(min),
                max: rng.chance(0.5).then_some(min + 30),
                unit: AgeUnit::Years,
                missing: None,
            })
        }
    };
    leaf(id, node)
}

/// One synthetic trial.
pub fn trial(rng: &mut Rng, pools: &Pools, n: usize) -> Trial {
    let mut inclusion = vec![leaf(
        format!("age-{n}"),
        Node::Age(AgeTest {
            min: Some(18),
            max: None,
            unit: AgeUnit::Years,
            missing: None,
        }),
    )];
    let demographic_only = rng.chance(0.02);
    if !demographic_only {
        // The anchoring diagnosis or drug, then one to three more criteria.
        let mut anchor = random_leaf(rng, pools, format!("anchor-{n}"));
        while !matches!(anchor.node, Node::Event(..)) {
            anchor = random_leaf(rng, pools, format!("anchor-{n}"));
        }
        inclusion.push(anchor);
        for k in 0..1 + rng.below(3) {
            let c = if rng.chance(0.2) {
                let of = (0..3)
                    .map(|j| random_leaf(rng, pools, format!("g{k}-{j}-{n}")))
                    .collect();
                leaf(
                    format!("group-{k}-{n}"),
                    Node::AtLeast(AtLeast {
                        n: 1 + rng.below(2) as u32,
                        of,
                    }),
                )
            } else {
                random_leaf(rng, pools, format!("inc-{k}-{n}"))
            };
            inclusion.push(c);
        }
    }
    let exclusion = (0..rng.below(3))
        .map(|k| random_leaf(rng, pools, format!("exc-{k}-{n}")))
        .filter(|c| !matches!(c.node, Node::Age(_)))
        .collect();
    let mut trial = Trial {
        id: format!("synthetic-{n:05}"),
        version: 1,
        title: format!("Synthetic trial {n}"),
        summary: Some("A synthetic trial for benchmarks.".into()),
        criteria: Criteria {
            code_sets: Default::default(),
            inclusion,
            exclusion,
        },
    };
    // Drop exclusions that would repeat an inclusion (validation refuses them).
    if !crate::validate(&trial).is_empty() {
        trial.criteria.exclusion.clear();
    }
    trial
}

/// `n` synthetic trials, all valid.
pub fn trials(n: usize, seed: u64) -> Vec<Trial> {
    let mut rng = Rng::new(seed);
    let pools = Pools::default();
    (0..n).map(|i| trial(&mut rng, &pools, i)).collect()
}

/// A synthetic share-outside INR trial, the hardest aggregate, for coverage.
pub fn inr_trial() -> Trial {
    let leaf_inr = Node::Observation(ObservationTest {
        codes: Codes::Inline(CodeSet {
            name: None,
            include: vec![entry(LOINC_URI, "6301-6", false)],
            exclude: vec![],
        }),
        value: ValueTest {
            gte: Some(30.0),
            ..ValueTest::default()
        },
        aggregate: Aggregate::ShareOutside(ShareOutside {
            low: 2.0,
            high: 3.0,
            unit: None,
        }),
        window: within_months(6),
        min_results: Some(4),
        missing: None,
    });
    Trial {
        id: "synthetic-inr".into(),
        version: 1,
        title: "Unstable INR".into(),
        summary: None,
        criteria: Criteria {
            code_sets: Default::default(),
            inclusion: vec![leaf("inr".into(), leaf_inr)],
            exclusion: vec![],
        },
    }
}

/// A synthetic patient with about `events` coded events and a fifth as many observations,
/// spread over ten years before `reference`.
pub fn patient(rng: &mut Rng, pools: &Pools, events: usize, reference: NaiveDate) -> Patient {
    let day = |rng: &mut Rng| reference.checked_sub_days(Days::new(rng.below(3650) as u64));
    let age = 20 + rng.below(70) as u64;
    let birth_date = reference.checked_sub_days(Days::new(age * 365 + rng.below(365) as u64));
    // A patient has a handful of chronic problems and drugs, seen again and again.
    let conditions: Vec<(&str, &str)> = (0..8)
        .map(|_| {
            if rng.chance(0.5) {
                (ICPC2_URI, pools.icpc2.draw(rng))
            } else {
                (ICD10_URI, pools.icd10.draw(rng))
            }
        })
        .collect();
    // Reasons for encounter recur too: a patient's visits draw from a few dozen.
    let reasons: Vec<&str> = (0..40).map(|_| pools.icpc2.draw(rng)).collect();
    let drugs: Vec<&str> = (0..8).map(|_| pools.atc.draw(rng)).collect();
    let mut out = Patient {
        id: Some(format!("p{}", rng.next_u64() % 1_000_000)),
        birth_date,
        sex: Some(if rng.chance(0.5) {
            Sex::Female
        } else {
            Sex::Male
        }),
        events: Vec::with_capacity(events),
        observations: Vec::with_capacity(events / 5),
        unreadable: Vec::new(),
        birth_date_latest: None,
        deceased: false,
    };
    for _ in 0..events {
        let (kind, system, code) = match rng.below(10) {
            0..=2 => {
                let (s, c) = *rng.pick(&conditions);
                let sub = if s == ICD10_URI && rng.chance(0.5) {
                    ".9"
                } else {
                    ""
                };
                (EventKind::Condition, s, format!("{c}{sub}"))
            }
            3..=4 => (
                EventKind::ReasonForEncounter,
                ICPC2_URI,
                rng.pick(&reasons).to_string(),
            ),
            _ => (EventKind::Medication, ATC_URI, rng.pick(&drugs).to_string()),
        };
        out.events.push(Event {
            kind,
            system: system.into(),
            code,
            display: None,
            date: day(rng),
            end: None,
            status: rng.chance(0.1).then_some(EventStatus::Active),
            unconfirmed: false,
        });
    }
    for _ in 0..events / 5 {
        let (code, mean, spread, unit) = *rng.pick(LABS);
        let jitter = (rng.below(2001) as f64 - 1000.0) / 1000.0;
        out.observations.push(Observation {
            system: LOINC_URI.into(),
            code: code.into(),
            display: None,
            value: mean + spread * jitter * 1.5,
            unit: unit.into(),
            date: day(rng),
            comparator: None,
        });
    }
    out
}

/// The 300-resource FHIR R4 record of the load and CDS benchmarks: a Patient and 299
/// resources over ten years (100 Conditions in ICPC-2, 150 Observations in LOINC, 30
/// MedicationRequests and 10 Immunizations in ATC, 5 Procedures and 4 AllergyIntolerances
/// in SNOMED CT), by CDS Hooks prefetch key, each a list of resources (the Patient alone
/// under `patient`).
pub fn fhir_record(patient: &str) -> Vec<(&'static str, Vec<serde_json::Value>)> {
    use serde_json::json;
    let subject = json!({"reference": format!("Patient/{patient}")});
    let date = |i: usize| format!("{}-{:02}-{:02}", 2016 + i % 10, 1 + i % 12, 1 + i % 28);
    let icpc = [
        "T90", "K86", "R74", "P76", "L03", "K74", "D12", "A04", "R96", "T93",
    ];
    let conditions = (0..100)
        .map(|i| {
            json!({"resourceType": "Condition", "subject": subject,
            "clinicalStatus": {"coding": [{"code": if i % 3 == 0 { "active" } else { "resolved" }}]},
            "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icpc-2", "code": icpc[i % icpc.len()]}]},
            "onsetDateTime": date(i)})
        })
        .collect();
    let loinc = [
        ("4548-4", 7.2, "%"),
        ("29463-7", 82.0, "kg"),
        ("8302-2", 176.0, "cm"),
        ("8480-6", 142.0, "mm[Hg]"),
        ("2160-0", 88.0, "umol/L"),
    ];
    let observations = (0..150)
        .map(|i| {
            let (code, value, unit) = loinc[i % loinc.len()];
            json!({"resourceType": "Observation", "status": "final", "subject": subject,
            "code": {"coding": [{"system": "http://loinc.org", "code": code}]},
            "effectiveDateTime": date(i),
            "valueQuantity": {"value": value + (i % 7) as f64 * 0.3, "unit": unit,
                "system": "http://unitsofmeasure.org", "code": unit}})
        })
        .collect();
    let atc = ["A10BA02", "C09AA05", "N02BE01", "B01AA03", "C10AA01"];
    let medications = (0..30)
        .map(|i| {
            json!({"resourceType": "MedicationRequest", "status": "active", "intent": "order",
            "subject": subject,
            "medicationCodeableConcept": {"coding": [{"system": "http://www.whocc.no/atc", "code": atc[i % atc.len()]}]},
            "authoredOn": date(i)})
        })
        .collect();
    let immunizations = (0..10)
        .map(|i| {
            json!({"resourceType": "Immunization", "status": "completed", "patient": subject,
            "vaccineCode": {"coding": [{"system": "http://www.whocc.no/atc", "code": "J07BB02"}]},
            "occurrenceDateTime": date(i)})
        })
        .collect();
    let procedures = (0..5)
        .map(|i| {
            json!({"resourceType": "Procedure", "status": "completed", "subject": subject,
            "code": {"coding": [{"system": "http://snomed.info/sct", "code": "80146002"}]},
            "performedDateTime": date(i)})
        })
        .collect();
    let allergies = (0..4)
        .map(|_| {
            json!({"resourceType": "AllergyIntolerance", "patient": subject,
            "code": {"coding": [{"system": "http://snomed.info/sct", "code": "91936005"}]}})
        })
        .collect();
    vec![
        (
            "patient",
            vec![
                json!({"resourceType": "Patient", "id": patient, "gender": "male", "birthDate": "1958-03-02"}),
            ],
        ),
        ("conditions", conditions),
        ("observations", observations),
        ("medications", medications),
        ("immunizations", immunizations),
        ("procedures", procedures),
        ("allergies", allergies),
    ]
}
