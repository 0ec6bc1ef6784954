//! Batch matching: 100,000 patients against 1,000 trials on one core.
//! Run with `cargo bench -p trials --bench batch`. Prints the wall time and the rate of two
//! passes: verdicts (prepare each record, the verdict of every trial: what a batch run
//! needs) and full matches (the same plus evidence for every trial not ineligible).
//!
//! Patients come from a pool of 2,000 synthetic records (20 to 500 events each, a fifth as
//! many observations), cycled 50 times; only matching is timed, not generation.

use std::hint::black_box;
use std::time::Instant;
use trials::synth::{self, Rng};
use trials::{PreparedPatient, TrialIndex};

fn main() {
    let reference = chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap_or_default();
    let index = TrialIndex::new(synth::trials(1_000, 42)).expect("synthetic trials validate");
    let mut rng = Rng::new(11);
    let pools = synth::Pools::default();
    let pool: Vec<_> = (0..2_000)
        .map(|_| {
            let events = 20 + rng.below(481);
            synth::patient(&mut rng, &pools, events, reference)
        })
        .collect();
    let events: usize = pool.iter().map(|p| p.events.len()).sum();
    let total = 100_000;
    let report = |pass: &str, elapsed: std::time::Duration, matched: usize| {
        println!(
            "batch {pass}: {total} patients (mean {} events) x {} trials in {:.2} s = {:.0} patients/s; {:.2} trials not ineligible per patient",
            events / pool.len(),
            index.len(),
            elapsed.as_secs_f64(),
            total as f64 / elapsed.as_secs_f64(),
            matched as f64 / total as f64,
        );
    };
    let start = Instant::now();
    let mut matched = 0usize;
    for i in 0..total {
        let prepared = PreparedPatient::new(&pool[i % pool.len()]);
        matched += black_box(index.verdicts(&prepared, reference)).len();
    }
    report("verdicts", start.elapsed(), matched);
    let start = Instant::now();
    let mut matched = 0usize;
    for i in 0..total {
        matched += black_box(index.matches(&pool[i % pool.len()], reference)).len();
    }
    report("matches with evidence", start.elapsed(), matched);
}
