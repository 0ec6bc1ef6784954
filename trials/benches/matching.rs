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
        let mut verdicts = index.verdicts(&prepared, reference());
        verdicts.sort_by_key(|&(_, v)| v);
        let shown: Vec<_> = verdicts
            .iter()
            .take(2)
            .filter_map(|&(p, _)| index.result_at(p, &prepared, reference()))
            .collect();
        black_box(shown)
    });
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
