//! The closed loop: `connections` tasks, each with its own HTTP/1.1 keep-alive connection,
//! sending one request after the other for the warm-up and then the measured duration; each
//! measured request's latency (sent → body read) and status are kept and summarised.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// What a request is, for the per-kind figures of a mixed run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// `POST /api/v1/match`.
    Match,
    /// `POST /cds-services/inclusio-trials`.
    Cds,
    /// `POST /api/v1/events`.
    Events,
    /// `GET /api/v1/plugin/bundle`, the full body.
    Bundle,
    /// `GET /api/v1/plugin/bundle` with `If-None-Match` (304).
    Bundle304,
    /// A page: `/health` or `/login`.
    Page,
}

impl Kind {
    fn label(self) -> &'static str {
        match self {
            Kind::Match => "match",
            Kind::Cds => "cds",
            Kind::Events => "events",
            Kind::Bundle => "bundle (full)",
            Kind::Bundle304 => "bundle (304)",
            Kind::Page => "page",
        }
    }
}

/// Builds request number `seq` (counted over all tasks) on a task's client; `None` when
/// there is nothing more to send (the pre-signed CDS tokens are used up).
pub type MakeRequest =
    Arc<dyn Fn(&reqwest::Client, u64) -> Option<(Kind, reqwest::RequestBuilder)> + Send + Sync>;

/// How long and how wide.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    /// Concurrent connections, each one request at a time.
    pub connections: usize,
    /// Sent but not measured, before the measured duration.
    pub warmup: Duration,
    /// Measured.
    pub duration: Duration,
}

/// One measured request.
#[derive(Debug, Clone, Copy)]
struct Sample {
    kind: Kind,
    micros: u32,
    /// The HTTP status; 0 when the request failed before one (connection, timeout).
    status: u16,
}

/// What a run measured.
#[derive(Debug)]
pub struct Report {
    samples: Vec<Sample>,
    /// The measured time: the duration, or less when the requests ran out before its end.
    pub elapsed: Duration,
    /// Whether the requests ran out before the end.
    pub ran_out: bool,
}

/// A 2xx or a 304.
fn ok(status: u16) -> bool {
    (200..300).contains(&status) || status == 304
}

/// Runs `plan`, each task sending what `make` builds.
pub async fn run(plan: Plan, make: MakeRequest) -> anyhow::Result<Report> {
    let start = Instant::now();
    let measure_from = start + plan.warmup;
    let end = measure_from + plan.duration;
    let seq = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let shown_errors = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let ran_out = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut tasks = Vec::with_capacity(plan.connections);
    for _ in 0..plan.connections {
        // One client per task: one keep-alive connection each, as a load generator's
        // connections.
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(1)
            .timeout(Duration::from_secs(30))
            .build()?;
        let (make, seq, shown_errors, ran_out) = (
            make.clone(),
            seq.clone(),
            shown_errors.clone(),
            ran_out.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let mut samples = Vec::new();
            loop {
                if Instant::now() >= end {
                    break;
                }
                let n = seq.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some((kind, request)) = make(&client, n) else {
                    ran_out.store(true, std::sync::atomic::Ordering::Relaxed);
                    break;
                };
                let sent = Instant::now();
                let (status, body) = match request.send().await {
                    Ok(response) => {
                        let status = response.status().as_u16();
                        match response.bytes().await {
                            Ok(body) => (status, body),
                            Err(e) => (0, e.to_string().into_bytes().into()),
                        }
                    }
                    Err(e) => (0, e.to_string().into_bytes().into()),
                };
                let done = Instant::now();
                if !ok(status)
                    && shown_errors.fetch_add(1, std::sync::atomic::Ordering::Relaxed) < 5
                {
                    let text = String::from_utf8_lossy(&body);
                    let text: String = text.chars().take(400).collect();
                    eprintln!("error: {} answered {status}: {text}", kind.label());
                }
                if sent >= measure_from && done <= end {
                    let micros =
                        u32::try_from(done.duration_since(sent).as_micros()).unwrap_or(u32::MAX);
                    samples.push(Sample {
                        kind,
                        micros,
                        status,
                    });
                }
            }
            (samples, Instant::now())
        }));
    }
    let mut samples = Vec::new();
    let mut last = measure_from;
    for task in tasks {
        let (s, finished) = task.await?;
        samples.extend(s);
        last = last.max(finished);
    }
    let ran_out = ran_out.load(std::sync::atomic::Ordering::Relaxed);
    let elapsed = if ran_out {
        last.min(end).saturating_duration_since(measure_from)
    } else {
        plan.duration
    };
    Ok(Report {
        samples,
        elapsed,
        ran_out,
    })
}

/// The `q` quantile (nearest rank) of sorted latencies, in milliseconds.
fn quantile(sorted: &[u32], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((sorted.len() as f64 * q).ceil() as usize).clamp(1, sorted.len());
    f64::from(sorted[rank - 1]) / 1000.0
}

/// Figures of a set of samples.
#[derive(Debug, Clone)]
pub struct Figures {
    /// Requests measured.
    pub count: usize,
    /// Per second of measured time.
    pub rate: f64,
    /// Latency quantiles and maximum, in milliseconds.
    pub p50: f64,
    /// 90th percentile.
    pub p90: f64,
    /// 99th percentile.
    pub p99: f64,
    /// Slowest.
    pub max: f64,
    /// Counts by status (`error` for a request that got none).
    pub statuses: BTreeMap<String, usize>,
    /// Requests answered neither 2xx nor 304 (or not at all).
    pub errors: usize,
}

fn figures<'a>(samples: impl Iterator<Item = &'a Sample>, elapsed: Duration) -> Figures {
    let mut micros = Vec::new();
    let mut statuses = BTreeMap::new();
    let mut errors = 0;
    for s in samples {
        micros.push(s.micros);
        let key = if s.status == 0 {
            "error".to_string()
        } else {
            s.status.to_string()
        };
        *statuses.entry(key).or_insert(0) += 1;
        if !ok(s.status) {
            errors += 1;
        }
    }
    micros.sort_unstable();
    let secs = elapsed.as_secs_f64().max(1e-9);
    Figures {
        count: micros.len(),
        rate: micros.len() as f64 / secs,
        p50: quantile(&micros, 0.50),
        p90: quantile(&micros, 0.90),
        p99: quantile(&micros, 0.99),
        max: micros.last().map_or(0.0, |m| f64::from(*m) / 1000.0),
        statuses,
        errors,
    }
}

impl Report {
    /// Every request's figures.
    pub fn total(&self) -> Figures {
        figures(self.samples.iter(), self.elapsed)
    }

    /// The figures of each kind present.
    pub fn by_kind(&self) -> Vec<(Kind, Figures)> {
        let mut kinds: Vec<Kind> = self.samples.iter().map(|s| s.kind).collect();
        kinds.sort();
        kinds.dedup();
        kinds
            .into_iter()
            .map(|k| {
                (
                    k,
                    figures(self.samples.iter().filter(|s| s.kind == k), self.elapsed),
                )
            })
            .collect()
    }

    /// A readable summary: the total, and each kind when there are several.
    pub fn summary(&self, title: &str, plan: &Plan) -> String {
        let mut out = String::new();
        let total = self.total();
        let _ = writeln!(
            out,
            "=== {title}: {:.1} s measured after {:.0} s of warm-up, {} connections{}",
            self.elapsed.as_secs_f64(),
            plan.warmup.as_secs_f64(),
            plan.connections,
            if self.ran_out {
                " (the pre-built requests ran out before the end)"
            } else {
                ""
            }
        );
        let line = |out: &mut String, label: &str, f: &Figures| {
            let statuses: Vec<String> = f
                .statuses
                .iter()
                .map(|(s, n)| format!("{s}: {n}"))
                .collect();
            let _ = writeln!(
                out,
                "{label:<14} {:>8} requests {:>9.1}/s  p50 {:>7.2} ms  p90 {:>7.2} ms  p99 {:>7.2} ms  max {:>8.2} ms  errors {}  [{}]",
                f.count,
                f.rate,
                f.p50,
                f.p90,
                f.p99,
                f.max,
                f.errors,
                statuses.join(", ")
            );
        };
        line(&mut out, "all", &total);
        let kinds = self.by_kind();
        if kinds.len() > 1 {
            for (k, f) in &kinds {
                line(&mut out, k.label(), f);
            }
        }
        out
    }
}

/// Resident memory samples of a process: seconds since the start and VmRSS in kB.
pub type RssSeries = Arc<Mutex<Vec<(u64, u64)>>>;

/// The VmRSS of `pid`, in kB.
pub fn rss_kb(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
}

/// Samples `pid`'s VmRSS every `every`, printing each sample, until the task is aborted.
pub fn sample_rss(pid: u32, every: Duration) -> (RssSeries, tokio::task::JoinHandle<()>) {
    let series: RssSeries = Arc::new(Mutex::new(Vec::new()));
    let out = series.clone();
    let start = Instant::now();
    let handle = tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        loop {
            tick.tick().await;
            let at = start.elapsed().as_secs();
            match rss_kb(pid) {
                Some(kb) => {
                    println!("rss t={at:>4} s  {kb} kB");
                    if let Ok(mut s) = out.lock() {
                        s.push((at, kb));
                    }
                }
                None => eprintln!("rss t={at:>4} s  cannot read /proc/{pid}/status"),
            }
        }
    });
    (series, handle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_quantiles() {
        let v: Vec<u32> = (1..=100).map(|i| i * 1000).collect();
        assert_eq!(quantile(&v, 0.50), 50.0);
        assert_eq!(quantile(&v, 0.99), 99.0);
        assert_eq!(quantile(&v, 1.0), 100.0);
        assert_eq!(quantile(&[], 0.5), 0.0);
    }

    #[test]
    fn only_2xx_and_304_are_fine() {
        assert!(ok(200) && ok(204) && ok(304));
        assert!(!ok(0) && !ok(301) && !ok(401) && !ok(429) && !ok(500));
    }
}
