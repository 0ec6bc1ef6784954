//! Profiling driver (not a benchmark): `cargo build --profile profiling -p trials --example profile`,
//! then run under perf or callgrind. `NP` patients in rotation, `ITERS` iterations, mode
//! `prepare`, `verdicts` or (default) both.
use trials::synth::{self, Rng};
fn main() {
    let env = |k: &str, d: usize| {
        std::env::var(k)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(d)
    };
    let (np, iters) = (env("NP", 64), env("ITERS", 20_000));
    let r = chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap_or_default();
    let Ok(index) = trials::TrialIndex::new(synth::trials(1_000, 42)) else {
        return;
    };
    let pools = synth::Pools::default();
    let mut rng = Rng::new(7);
    let ps: Vec<_> = (0..np)
        .map(|_| synth::patient(&mut rng, &pools, 500, r))
        .collect();
    let prepared: Vec<_> = ps.iter().map(trials::PreparedPatient::new).collect();
    let cands: usize = prepared.iter().map(|p| index.candidates(p)).sum();
    eprintln!(
        "always {} candidates/patient {}",
        index.always_evaluated(),
        cands / np
    );
    let mode = std::env::args().nth(1).unwrap_or_default();
    let mut n = 0;
    let t = std::time::Instant::now();
    for i in 0..iters {
        n += match mode.as_str() {
            "prepare" => trials::PreparedPatient::new(&ps[i % np]).unreadable_events() as usize,
            "verdicts" => index.verdicts(&prepared[i % np], r).len(),
            _ => index
                .verdicts(&trials::PreparedPatient::new(&ps[i % np]), r)
                .len(),
        };
    }
    eprintln!("{n} {:?}/iter", t.elapsed() / iters as u32);
}
