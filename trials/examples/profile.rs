use trials::synth::{self, Rng};
fn main() {
    let r = chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
    let index = trials::TrialIndex::new(synth::trials(1_000, 42)).unwrap();
    let pools = synth::Pools::default();
    let mut rng = Rng::new(7);
    let np: usize = std::env::var("NP").ok().and_then(|v| v.parse().ok()).unwrap_or(64);
    let ps: Vec<_> = (0..np).map(|_| synth::patient(&mut rng, &pools, 500, r)).collect();
    let prepared: Vec<_> = ps.iter().map(trials::PreparedPatient::new).collect();
    let cands: usize = prepared.iter().map(|p| index.candidates(p)).sum();
    eprintln!("always {} candidates/patient {}", index.always_evaluated(), cands / np);
    let mode = std::env::args().nth(1).unwrap_or_default();
    let mut n = 0;
    let t = std::time::Instant::now();
    let iters: usize = std::env::var("ITERS").ok().and_then(|v| v.parse().ok()).unwrap_or(20000);
    for i in 0..iters {
        if mode == "prepare" {
            n += trials::PreparedPatient::new(&ps[i % np]).unreadable_events() as usize;
        } else if mode == "verdicts" {
            n += index.verdicts(&prepared[i % np], r).len();
        } else {
            let p = trials::PreparedPatient::new(&ps[i % np]);
            n += index.verdicts(&p, r).len();
        }
    }
    eprintln!("{n} {:?}/iter", t.elapsed() / iters as u32);
}
