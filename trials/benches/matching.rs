//! Matching benchmarks (divan): one patient with 500 events against 1,000 trials.
//! Run with `cargo bench -p trials --bench matching`. Figures go in BENCHMARKS.md.

use std::hint::black_box;
use trials::synth::{self, Rng};
use trials::{Patient, PreparedPatient, TrialIndex};

fn main() {
    divan::main();
}

fn reference() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap_or_default()
}

fn setup(events: usize) -> (TrialIndex, Vec<Patient>) {
    let index = TrialIndex::new(synth::trials(1_000, 42)).expect("synthetic trials validate");
    let mut rng = Rng::new(7);
    let pools = synth::Pools::default();
    let patients: Vec<Patient> = (0..64)
        .map(|_| synth::patient(&mut rng, &pools, events, reference()))
        .collect();
    (index, patients)
}

/// Full matching: prepare the record, prefilter, evaluate, build evidence for the matches.
#[divan::bench(args = [500], sample_count = 640)]
fn matches_1000_trials(bencher: divan::Bencher, events: usize) {
    let (index, patients) = setup(events);
    let mut i = 0;
    bencher.bench_local(|| {
        i = (i + 1) % patients.len();
        black_box(index.matches(black_box(&patients[i]), reference()))
    });
}

/// What a consultation needs: prepare the record, every trial's verdict, and the full
/// result (evidence) of the two best trials, the most a pop-up shows.
#[divan::bench(args = [500], sample_count = 640)]
fn consultation_1000_trials(bencher: divan::Bencher, events: usize) {
    let (index, patients) = setup(events);
    let mut i = 0;
    bencher.bench_local(|| {
        i = (i + 1) % patients.len();
        let prepared = PreparedPatient::new(black_box(&patients[i]));
        black_box(pop_up(&index, &prepared))
    });
}

/// Every trial's verdict, then the full results of the two best: what a pop-up shows.
fn pop_up(index: &TrialIndex, prepared: &PreparedPatient) -> Vec<trials::TrialResult> {
    let mut verdicts = index.verdicts(prepared, reference());
    verdicts.sort_by_key(|&(_, v)| v);
    verdicts
        .iter()
        .take(2)
        .filter_map(|&(p, _)| index.result_at(p, prepared, reference()))
        .collect()
}

/// Verdicts only, on a record already prepared.
#[divan::bench(args = [500], sample_count = 640)]
fn verdicts_1000_trials(bencher: divan::Bencher, events: usize) {
    let (index, patients) = setup(events);
    let prepared: Vec<_> = patients.iter().map(PreparedPatient::new).collect();
    let mut i = 0;
    bencher.bench_local(|| {
        i = (i + 1) % prepared.len();
        black_box(index.verdicts(black_box(&prepared[i]), reference()))
    });
}

/// Preparing a record alone.
#[divan::bench(args = [500], sample_count = 640)]
fn prepare_patient(bencher: divan::Bencher, events: usize) {
    let (_, patients) = setup(events);
    let mut i = 0;
    bencher.bench_local(|| {
        i = (i + 1) % patients.len();
        black_box(PreparedPatient::new(black_box(&patients[i])))
    });
}

/// Without the index: every trial evaluated with plain code matching (the reference).
#[divan::bench(args = [500], sample_count = 20)]
fn brute_force_1000_trials(bencher: divan::Bencher, events: usize) {
    let (index, patients) = setup(events);
    let mut i = 0;
    bencher.bench_local(|| {
        i = (i + 1) % patients.len();
        black_box(index.evaluate_all(black_box(&patients[i]), reference()))
    });
}

/// A synthetic record as the FHIR R4 Bundle an EHR would send: a Patient, a Condition,
/// Encounter or MedicationRequest per event (ICD-10 diagnoses written as ICD-10-CM, so the
/// crosswalk is exercised), an Observation per value. 299 events and values + the Patient.
fn bundle_text(p: &Patient) -> String {
    use serde_json::json;
    let subject = json!({"reference": "Patient/p"});
    let mut entries = vec![json!({"resource": {"resourceType": "Patient", "id": "p",
        "birthDate": p.birth_date.map(|d| d.to_string()), "gender": "female"}})];
    for e in p.events.iter().take(240) {
        let system = if e.system == trials::codes::ICD10_URI {
            trials::codes::ICD10CM_URI
        } else {
            e.system.as_str()
        };
        let coding = json!({"coding": [{"system": system, "code": e.code}]});
        let date = e.date.map(|d| d.to_string());
        let resource = match e.kind {
            trials::EventKind::Condition => json!({"resourceType": "Condition", "subject": subject,
                "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": "active"}]},
                "verificationStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-ver-status", "code": "confirmed"}]},
                "code": coding, "onsetDateTime": date}),
            trials::EventKind::Medication => {
                json!({"resourceType": "MedicationRequest", "subject": subject,
                "status": "completed", "intent": "order", "medicationCodeableConcept": coding, "authoredOn": date})
            }
            _ => json!({"resourceType": "Encounter", "subject": subject, "status": "finished",
                "reasonCode": [coding], "period": {"start": date}}),
        };
        entries.push(json!({ "resource": resource }));
    }
    for o in p.observations.iter().take(299 - entries.len() + 1) {
        entries.push(json!({"resource": {"resourceType": "Observation", "status": "final", "subject": subject,
            "code": {"coding": [{"system": "http://loinc.org", "code": o.code}]},
            "effectiveDateTime": o.date.map(|d| d.to_string()),
            "valueQuantity": {"value": o.value, "unit": o.unit, "system": "http://unitsofmeasure.org", "code": o.unit}}}));
    }
    json!({"resourceType": "Bundle", "type": "collection", "entry": entries}).to_string()
}

/// A 300-resource FHIR Bundle as JSON text → the record → every trial's verdict and the
/// two best trials' evidence: the CDS Hooks path (target ≤ 1 ms median).
#[divan::bench(sample_count = 640)]
fn fhir_bundle_300_resources_1000_trials(bencher: divan::Bencher) {
    let (index, patients) = setup(500);
    let texts: Vec<String> = patients.iter().map(bundle_text).collect();
    let mut i = 0;
    bencher.bench_local(|| {
        i = (i + 1) % texts.len();
        let conversion = trials::fhir::bundle_to_patient(black_box(&texts[i])).unwrap_or_default();
        let prepared = PreparedPatient::new(&conversion.patient);
        black_box(pop_up(&index, &prepared).len())
    });
}
