//! `loadgen`: load and soak traffic against a running Inclusio server, for
//! `scripts/bench-load.sh` (BENCHMARKS.md, "server: load and soak").
//!
//! - `fixtures` writes the `POST /api/v1/match` body (a 300-resource FHIR Bundle);
//! - `cds-issuer` generates an ES384 key and writes the `[[cds.issuers]]` TOML (inline JWKS);
//! - `match`, `cds` and `soak` send traffic over `--connections` keep-alive connections,
//!   closed loop, and print requests/s, p50/p90/p99/max latency and counts by status. Any
//!   answer but a 2xx or a 304 is an error and makes the exit status 1.

mod fixtures;
mod run;

use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand};
use jsonwebtoken::jwk::{Jwk, JwkSet};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use run::{Kind, MakeRequest, Plan};
use serde_json::json;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

const SERVICE: &str = "/cds-services/inclusio-trials";
const KEY_FILE: &str = "cds-key.der";
const ISSUER_FILE: &str = "cds-issuer.toml";

#[derive(Parser)]
#[command(
    name = "loadgen",
    about = "Load and soak traffic against an Inclusio server"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Writes `match.json` (the 300-resource match body) into DIR.
    Fixtures {
        /// The directory.
        #[arg(long)]
        out: PathBuf,
    },
    /// Generates an ES384 key (`cds-key.der`) and writes `cds-issuer.toml`, the
    /// `[[cds.issuers]]` entry with its JWK Set inline, into DIR.
    CdsIssuer {
        /// The directory.
        #[arg(long)]
        out: PathBuf,
        /// The issuer (`iss`).
        #[arg(long, default_value = "https://ehr.loadgen.example")]
        iss: String,
        /// Binds the issuer to this practice (cards through the practice's rules).
        #[arg(long)]
        practice_id: Option<String>,
    },
    /// `POST /api/v1/match` with a body file and a practice API key.
    Match {
        #[command(flatten)]
        common: Common,
        /// The practice API key.
        #[arg(long, env = "LOADGEN_KEY")]
        key: String,
        /// The body (JSON).
        #[arg(long)]
        body: PathBuf,
    },
    /// `POST /cds-services/inclusio-trials` with the 300-resource prefetch, each call with a
    /// fresh JWT (pre-signed before the run) and, by default, a new patient.
    Cds {
        #[command(flatten)]
        common: Common,
        /// The directory `cds-issuer` wrote to.
        #[arg(long)]
        issuer: PathBuf,
        /// The issuer (`iss`), as given to `cds-issuer`.
        #[arg(long, default_value = "https://ehr.loadgen.example")]
        iss: String,
        /// The server's `cds.public_url` (the JWT's `aud` is it plus the service path);
        /// default: `--url`.
        #[arg(long)]
        public_url: Option<String>,
        /// Tokens signed before the run: the most calls per second it can measure.
        #[arg(long, default_value_t = 1500)]
        max_rate: u64,
        /// Cycle over this many patients instead of a new one per call.
        #[arg(long)]
        patients: Option<u64>,
    },
    /// A weighted mix of match, events (unique ids), bundle (with and without
    /// `If-None-Match`) and pages (`/health`, `/login`) for `--minutes`, sampling the
    /// server's VmRSS every `--rss-every` seconds.
    Soak {
        #[command(flatten)]
        common: Common,
        /// The practice API key.
        #[arg(long, env = "LOADGEN_KEY")]
        key: String,
        /// The match body (JSON).
        #[arg(long)]
        body: PathBuf,
        /// How long, in minutes (replaces `--duration`).
        #[arg(long, default_value_t = 10.0)]
        minutes: f64,
        /// The server's process id, for its resident memory.
        #[arg(long)]
        pid: u32,
        /// Seconds between memory samples.
        #[arg(long, default_value_t = 10)]
        rss_every: u64,
        /// Weights: match, events, bundle with If-None-Match, full bundle, page.
        #[arg(long, default_value = "50,20,15,3,12")]
        weights: String,
        /// Seconds after the start from which memory counts (the first sample from then is
        /// the baseline): caches fill and allocators settle before.
        #[arg(long, default_value_t = 60)]
        rss_warmup: u64,
        /// Largest growth of resident memory after `--rss-warmup`, in percent, before the
        /// run counts as failed.
        #[arg(long, default_value_t = 10.0)]
        max_growth: f64,
    },
}

#[derive(Args, Clone)]
struct Common {
    /// The server's base URL.
    #[arg(long, default_value = "http://127.0.0.1:18080")]
    url: String,
    /// Concurrent connections.
    #[arg(long, short = 'c', default_value_t = 16)]
    connections: usize,
    /// Measured seconds.
    #[arg(long, short = 'd', default_value_t = 20)]
    duration: u64,
    /// Seconds sent before measuring.
    #[arg(long, default_value_t = 3)]
    warmup: u64,
    /// Threads of the load generator's runtime.
    #[arg(long, default_value_t = 2)]
    threads: usize,
}

impl Common {
    fn plan(&self) -> Plan {
        Plan {
            connections: self.connections.max(1),
            warmup: Duration::from_secs(self.warmup),
            duration: Duration::from_secs(self.duration),
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match dispatch(cli) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("loadgen: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn runtime(threads: usize) -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads.max(1))
        .enable_all()
        .build()?)
}

/// Runs the command; `Ok(false)` when the run had errors (or memory grew too much).
fn dispatch(cli: Cli) -> anyhow::Result<bool> {
    match cli.command {
        Command::Fixtures { out } => {
            let (body, n) = fixtures::match_body();
            let text = serde_json::to_vec(&body)?;
            let path = out.join("match.json");
            std::fs::write(&path, &text).with_context(|| format!("writing {}", path.display()))?;
            println!(
                "{}: a {n}-resource FHIR Bundle, {} bytes",
                path.display(),
                text.len()
            );
            Ok(true)
        }
        Command::CdsIssuer {
            out,
            iss,
            practice_id,
        } => {
            cds_issuer(&out, &iss, practice_id.as_deref())?;
            Ok(true)
        }
        Command::Match { common, key, body } => {
            let body: &'static [u8] = Vec::leak(
                std::fs::read(&body).with_context(|| format!("reading {}", body.display()))?,
            );
            let url = format!("{}/api/v1/match", common.url);
            let auth = format!("Bearer {key}");
            let make: MakeRequest = Arc::new(move |client, _| {
                Some((
                    Kind::Match,
                    client
                        .post(&url)
                        .header("authorization", &auth)
                        .header("content-type", "application/json")
                        .body(body),
                ))
            });
            let plan = common.plan();
            let report = runtime(common.threads)?.block_on(run::run(plan, make))?;
            print!(
                "{}",
                report.summary(&format!("POST /api/v1/match ({} bytes)", body.len()), &plan)
            );
            Ok(report.total().errors == 0)
        }
        Command::Cds {
            common,
            issuer,
            iss,
            public_url,
            max_rate,
            patients,
        } => cds(&common, &issuer, &iss, public_url, max_rate, patients),
        Command::Soak {
            common,
            key,
            body,
            minutes,
            pid,
            rss_every,
            weights,
            rss_warmup,
            max_growth,
        } => soak(
            &common,
            &key,
            &body,
            Duration::from_secs_f64(minutes * 60.0),
            pid,
            Duration::from_secs(rss_every.max(1)),
            &weights,
            rss_warmup,
            max_growth,
        ),
    }
}

fn cds_issuer(out: &std::path::Path, iss: &str, practice_id: Option<&str>) -> anyhow::Result<()> {
    use p384::pkcs8::EncodePrivateKey;
    let secret = p384::SecretKey::random(&mut rand_core::OsRng);
    let der = secret.to_pkcs8_der()?;
    let key_path = out.join(KEY_FILE);
    std::fs::write(&key_path, der.as_bytes())
        .with_context(|| format!("writing {}", key_path.display()))?;
    let key = EncodingKey::from_ec_der(der.as_bytes());
    let mut jwk = Jwk::from_encoding_key(&key, Algorithm::ES384)?;
    jwk.common.key_id = Some(kid(der.as_bytes()));
    let jwks = serde_json::to_string(&JwkSet { keys: vec![jwk] })?;
    let mut toml =
        format!("[[cds.issuers]]\niss = \"{iss}\"\njwks = '{jwks}'\nalgorithms = [\"ES384\"]\n");
    if let Some(p) = practice_id {
        toml.push_str(&format!("practice_id = \"{p}\"\n"));
    }
    let toml_path = out.join(ISSUER_FILE);
    std::fs::write(&toml_path, toml).with_context(|| format!("writing {}", toml_path.display()))?;
    println!(
        "{} and {}: ES384 issuer {iss}{}",
        key_path.display(),
        toml_path.display(),
        practice_id.map_or(String::new(), |p| format!(" for practice {p}"))
    );
    Ok(())
}

/// The key id: stable for a key (derived from its bytes), so `cds` finds it again.
fn kid(der: &[u8]) -> String {
    // FNV-1a: an id, not a security property.
    let hash = der.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    });
    format!("loadgen-{hash:016x}")
}

fn cds(
    common: &Common,
    issuer: &std::path::Path,
    iss: &str,
    public_url: Option<String>,
    max_rate: u64,
    patients: Option<u64>,
) -> anyhow::Result<bool> {
    let key_path = issuer.join(KEY_FILE);
    let der =
        std::fs::read(&key_path).with_context(|| format!("reading {}", key_path.display()))?;
    let key = EncodingKey::from_ec_der(&der);
    let kid = kid(&der);
    let plan = common.plan();
    let aud = format!("{}{SERVICE}", public_url.as_deref().unwrap_or(&common.url));
    let count = max_rate * (plan.warmup + plan.duration).as_secs().max(1);
    // Every token before the run, on every core: signing is not what is measured.
    let signing = Instant::now();
    let lifetime = (plan.warmup + plan.duration).as_secs() as i64 + 600;
    let threads = std::thread::available_parallelism().map_or(2, usize::from);
    let per = count.div_ceil(threads as u64);
    let tokens: Vec<String> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads as u64)
            .map(|t| {
                let (key, kid, aud) = (&key, &kid, &aud);
                scope.spawn(move || {
                    let mut header = Header::new(Algorithm::ES384);
                    header.kid = Some(kid.clone());
                    header.typ = Some("JWT".into());
                    let now = chrono::Utc::now().timestamp();
                    (t * per..((t + 1) * per).min(count))
                        .map(|_| {
                            let claims = json!({"iss": iss, "sub": "loadgen", "aud": aud,
                                "iat": now, "exp": now + lifetime,
                                "jti": uuid::Uuid::now_v7().to_string()});
                            jsonwebtoken::encode(&header, &claims, key)
                        })
                        .collect::<Result<Vec<_>, _>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .map_err(|_| anyhow::anyhow!("a signing thread panicked"))
            })
            .collect::<anyhow::Result<Vec<_>>>()
    })?
    .into_iter()
    .collect::<Result<Vec<_>, _>>()?
    .into_iter()
    .flatten()
    .collect();
    println!(
        "--- {} ES384 tokens signed in {:.1} s (not measured)",
        tokens.len(),
        signing.elapsed().as_secs_f64()
    );
    // The request with a placeholder for the patient id (also the hook instance): each call
    // joins the parts around its own id.
    let placeholder = "@@LOADGEN-PATIENT@@";
    let (template, n) = fixtures::hook_request(placeholder, placeholder);
    let template = serde_json::to_string(&template)?;
    let parts: Arc<Vec<String>> = Arc::new(template.split(placeholder).map(String::from).collect());
    let size = template.len();
    let tokens = Arc::new(tokens);
    let url = format!("{}{SERVICE}", common.url);
    let make: MakeRequest = Arc::new(move |client, seq| {
        let token = tokens.get(usize::try_from(seq).ok()?)?;
        let patient = format!("loadgen-{}", patients.map_or(seq, |p| seq % p.max(1)));
        let body = parts.join(&patient);
        Some((
            Kind::Cds,
            client
                .post(&url)
                .bearer_auth(token)
                .header("content-type", "application/json")
                .body(body),
        ))
    });
    let report = runtime(common.threads)?.block_on(run::run(plan, make))?;
    print!(
        "{}",
        report.summary(
            &format!(
                "POST {SERVICE} ({n}-resource prefetch, ~{size} bytes, {})",
                patients.map_or("a new patient per call".to_string(), |p| format!(
                    "{p} patients"
                ))
            ),
            &plan
        )
    );
    Ok(report.total().errors == 0)
}

/// Reads the recruiting trials' registry ids and versions, and the ETag, from the bundle.
async fn bundle_facts(base: &str, key: &str) -> anyhow::Result<(Vec<(String, u64)>, String)> {
    let client = reqwest::Client::new();
    let r = client
        .get(format!("{base}/api/v1/plugin/bundle"))
        .bearer_auth(key)
        .send()
        .await?;
    if !r.status().is_success() {
        bail!("GET /api/v1/plugin/bundle answered {}", r.status());
    }
    let etag = r
        .headers()
        .get("etag")
        .and_then(|v| v.to_str().ok())
        .context("the bundle has no ETag")?
        .to_string();
    let bundle: serde_json::Value = r.json().await?;
    let trials: Vec<(String, u64)> = bundle["trials"]
        .as_array()
        .context("the bundle has no trials")?
        .iter()
        .filter_map(|t| Some((t["id"].as_str()?.to_string(), t["version"].as_u64()?)))
        .collect();
    if trials.is_empty() {
        bail!("no recruiting trial in the bundle");
    }
    Ok((trials, etag))
}

/// A fresh 64-hex-digit pseudonym.
fn pseudonym() -> String {
    format!(
        "{}{}",
        uuid::Uuid::now_v7().simple(),
        uuid::Uuid::now_v7().simple()
    )
}

#[allow(clippy::too_many_arguments)]
fn soak(
    common: &Common,
    key: &str,
    body: &std::path::Path,
    length: Duration,
    pid: u32,
    rss_every: Duration,
    weights: &str,
    rss_warmup: u64,
    max_growth: f64,
) -> anyhow::Result<bool> {
    let weights: Vec<u64> = weights
        .split(',')
        .map(|w| w.trim().parse::<u64>())
        .collect::<Result<_, _>>()
        .context("--weights: five integers")?;
    let kinds = [
        Kind::Match,
        Kind::Events,
        Kind::Bundle304,
        Kind::Bundle,
        Kind::Page,
    ];
    if weights.len() != kinds.len() || weights.iter().sum::<u64>() == 0 {
        bail!("--weights: five integers (match, events, bundle 304, full bundle, page), not all 0");
    }
    // The weights as a wheel of kinds, walked in a scrambled order.
    let wheel: Arc<Vec<Kind>> = Arc::new(
        kinds
            .iter()
            .zip(&weights)
            .flat_map(|(k, w)| std::iter::repeat_n(*k, *w as usize))
            .collect(),
    );
    let match_body: &'static [u8] =
        Vec::leak(std::fs::read(body).with_context(|| format!("reading {}", body.display()))?);
    let rt = runtime(common.threads)?;
    let base = common.url.clone();
    let (trials, etag) = rt.block_on(bundle_facts(&base, key))?;
    println!("--- {} recruiting trials, bundle ETag {etag}", trials.len());
    let trials = Arc::new(trials);
    let auth = format!("Bearer {key}");
    let plan = Plan {
        connections: common.connections.max(1),
        warmup: Duration::from_secs(common.warmup),
        duration: length,
    };
    let make: MakeRequest = Arc::new(move |client, seq| {
        // A multiplicative scramble of the sequence (odd constant): the kinds interleave.
        let at = (seq.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32) % wheel.len() as u64;
        let kind = wheel[at as usize];
        let request = match kind {
            Kind::Match => client
                .post(format!("{base}/api/v1/match"))
                .header("authorization", &auth)
                .header("content-type", "application/json")
                .body(match_body),
            Kind::Events => {
                let (trial, version) = &trials[(seq % trials.len() as u64) as usize];
                let event = json!({"id": uuid::Uuid::now_v7().to_string(), "alert_id": uuid::Uuid::now_v7().to_string(),
                    "trial": trial, "trial_version": version, "patient": pseudonym(),
                    "verdict": "eligible", "response": "shown",
                    "at": chrono::Utc::now().to_rfc3339()});
                client
                    .post(format!("{base}/api/v1/events"))
                    .header("authorization", &auth)
                    .header("content-type", "application/json")
                    .body(json!({"events": [event]}).to_string())
            }
            Kind::Bundle304 => client
                .get(format!("{base}/api/v1/plugin/bundle"))
                .header("authorization", &auth)
                .header("if-none-match", &etag),
            Kind::Bundle => client
                .get(format!("{base}/api/v1/plugin/bundle"))
                .header("authorization", &auth),
            Kind::Page | Kind::Cds => {
                let page = if seq % 2 == 0 { "/health" } else { "/login" };
                client.get(format!("{base}{page}"))
            }
        };
        Some((kind, request))
    });
    let (report, series) = rt.block_on(async {
        let (series, sampler) = run::sample_rss(pid, rss_every);
        let report = run::run(plan, make).await;
        sampler.abort();
        (report, series)
    });
    let report = report?;
    print!(
        "{}",
        report.summary(
            &format!(
                "soak, {:.1} min of mixed traffic",
                length.as_secs_f64() / 60.0
            ),
            &plan
        )
    );
    let series = series.lock().map(|s| s.clone()).unwrap_or_default();
    let after_warmup: Vec<(u64, u64)> = series
        .iter()
        .copied()
        .filter(|(t, _)| *t >= rss_warmup)
        .collect();
    let mut memory_ok = true;
    match (after_warmup.first(), after_warmup.last()) {
        (Some(&(t0, first)), Some(&(t1, last))) => {
            let peak = after_warmup.iter().map(|s| s.1).max().unwrap_or(last);
            let growth = (last as f64 - first as f64) / first as f64 * 100.0;
            let peak_growth = (peak as f64 - first as f64) / first as f64 * 100.0;
            memory_ok = growth <= max_growth;
            println!(
                "rss series (s: kB): {}",
                series
                    .iter()
                    .map(|(t, kb)| format!("{t}: {kb}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            println!(
                "rss after the warm-up: {first} kB at {t0} s -> {last} kB at {t1} s ({growth:+.1} %), peak {peak} kB ({peak_growth:+.1} %): {}",
                if memory_ok {
                    format!("flat (within {max_growth} %)")
                } else {
                    format!("GROWING (more than {max_growth} %)")
                }
            );
        }
        _ => println!("rss: no sample after the warm-up"),
    }
    Ok(report.total().errors == 0 && memory_ok)
}
