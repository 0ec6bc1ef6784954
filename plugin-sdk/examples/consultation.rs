//! Plays a consultation for each example patient against a running server, prints the
//! alerts and writes the pop-ups as HTML files.
//!
//! ```text
//! cargo run -p server -- serve --demo          # prints a practice API key
//! cargo run -p plugin-sdk --example consultation -- --key <the printed key>
//! ```
//!
//! Options (or environment variables): `--server URL` (`INCLUSIO_SERVER`, default
//! `http://127.0.0.1:8080`), `--key KEY` (`INCLUSIO_KEY`), `--secret SECRET`
//! (`INCLUSIO_SECRET`, default `demo practice secret`), `--cache DIR` (`INCLUSIO_CACHE`,
//! default `target/inclusio-cache`), `--out DIR` (default `target/inclusio-popups`),
//! `--lang en|fr` (default `fr`). The consultation date is each patient's reference date.

use plugin_sdk::{Client, Config, Consultation, Locale, SyncStatus};
use std::path::PathBuf;

fn arg(args: &[String], name: &str, env: &str, default: Option<&str>) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
        .or_else(|| std::env::var(env).ok())
        .or_else(|| default.map(str::to_string))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let server = arg(
        &args,
        "--server",
        "INCLUSIO_SERVER",
        Some("http://127.0.0.1:8080"),
    )
    .unwrap_or_default();
    let Some(key) = arg(&args, "--key", "INCLUSIO_KEY", None) else {
        eprintln!(
            "usage: consultation --key <practice API key> [--server URL] [--secret S] [--cache DIR] [--out DIR] [--lang fr|en]\n\
             (`cargo run -p server -- serve --demo` prints a key)"
        );
        std::process::exit(2);
    };
    let secret = arg(
        &args,
        "--secret",
        "INCLUSIO_SECRET",
        Some("demo practice secret"),
    )
    .unwrap_or_default();
    let cache = arg(
        &args,
        "--cache",
        "INCLUSIO_CACHE",
        Some("target/inclusio-cache"),
    )
    .unwrap_or_default();
    let out = PathBuf::from(
        arg(
            &args,
            "--out",
            "INCLUSIO_OUT",
            Some("target/inclusio-popups"),
        )
        .unwrap_or_default(),
    );
    let locale = arg(&args, "--lang", "INCLUSIO_LANG", Some("fr"))
        .and_then(|l| Locale::parse(&l))
        .unwrap_or(Locale::Fr);
    std::fs::create_dir_all(&out)?;

    let mut client = Client::new(Config::new(server, key, secret.into_bytes(), cache))?;
    match client.sync()? {
        SyncStatus::Fresh { version } => println!("bundle {version} fetched"),
        SyncStatus::NotModified => println!("bundle up to date"),
        SyncStatus::Offline { age: Some(age) } => println!(
            "server unreachable: working from the cached bundle ({} min old)",
            age.num_minutes()
        ),
        SyncStatus::Offline { age: None } => {
            eprintln!("server unreachable and no cached bundle");
            std::process::exit(1);
        }
    }
    let trials = client.bundle().map_or(0, |b| b.trials.len());
    println!("{trials} recruiting trials; rules: {:?}\n", client.rules());

    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../trials/examples/patients");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    for path in files {
        let text = std::fs::read_to_string(&path)?;
        let patient = trials::Patient::from_json(&text)?;
        let raw: serde_json::Value = serde_json::from_str(&text)?;
        let name = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let date = raw["_expected"]["reference_date"]
            .as_str()
            .and_then(|d| d.parse().ok())
            .unwrap_or_else(|| chrono::Utc::now().date_naive());
        let consultation = Consultation {
            patient_id: raw["id"].as_str().unwrap_or(&name).to_string(),
            date,
        };
        let started = std::time::Instant::now();
        let alerts = client.check(&patient, &consultation)?;
        let took = started.elapsed();
        println!("{name} ({date}, {:.1} ms):", took.as_secs_f64() * 1000.0);
        if alerts.is_empty() {
            println!("  nothing to show");
        }
        for alert in &alerts {
            println!(
                "  {:?}: {} [{}]",
                alert.verdict, alert.title, alert.trial_id
            );
            for r in &alert.reasons {
                println!("    ✓ {}", r.get(locale));
            }
            for c in &alert.to_confirm {
                println!("    ? {}", c.get(locale));
            }
            let file = out.join(format!("{name}-{}.html", alert.trial_id));
            let page = format!(
                "<!doctype html>\n<html lang=\"{}\"><head><meta charset=\"utf-8\"><title>{}</title></head><body>\n{}\n</body></html>\n",
                match locale {
                    Locale::Fr => "fr",
                    Locale::En => "en",
                },
                alert.trial_id,
                client.popup_html(alert, locale)?
            );
            std::fs::write(&file, page)?;
            println!("    pop-up: {}", file.display());
        }
    }
    let delivered = client.flush().unwrap_or(0);
    println!(
        "\n{delivered} `shown` events delivered, {} waiting",
        client.pending_events()?
    );
    Ok(())
}
