//! Matches the bundled example trials against the bundled example patients and prints each
//! verdict with its explanation.
//!
//! ```text
//! cargo run -p trials --example demo [-- --fr] [--date YYYY-MM-DD]
//! ```

use std::path::Path;
use trials::{Locale, Patient, Trial, TrialIndex, Verdict};

/// The consultation date the examples are written for.
const DEFAULT_DATE: &str = "2026-11-23";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let locale = if args.iter().any(|a| a == "--fr") {
        Locale::Fr
    } else {
        Locale::En
    };
    let date = args
        .iter()
        .position(|a| a == "--date")
        .and_then(|i| args.get(i + 1))
        .map_or(DEFAULT_DATE, String::as_str)
        .parse()?;
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let trials: Vec<Trial> = read_all(&dir.join("trials"), Trial::from_json)?;
    let patients: Vec<(String, Patient)> = read_named(&dir.join("patients"))?;
    let index = TrialIndex::new(trials)?;
    println!(
        "{} trials, {} patients, consultation date {date}\n",
        index.len(),
        patients.len()
    );
    for (name, patient) in &patients {
        println!("== {name}");
        for trial in index.trials() {
            let Some(result) = index.explain(&trial.id, patient, date) else {
                continue;
            };
            let explanation = result.explain(locale);
            let mark = match result.verdict {
                Verdict::Eligible => "✔",
                Verdict::PossiblyEligible => "?",
                Verdict::Ineligible => "✘",
            };
            println!(
                "  {mark} {} (v{}): {}",
                trial.title, result.version, explanation.verdict
            );
            if result.verdict != Verdict::Ineligible {
                for line in explanation.inclusion.iter().chain(&explanation.exclusion) {
                    println!("      {}{}", "  ".repeat(line.depth), line.text);
                }
            }
        }
        println!();
    }
    Ok(())
}

fn files(dir: &Path) -> Result<Vec<std::path::PathBuf>, std::io::Error> {
    let mut paths: Vec<_> = std::fs::read_dir(dir)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    paths.sort();
    Ok(paths)
}

fn read_all<T, E: std::fmt::Display>(
    dir: &Path,
    parse: impl Fn(&str) -> Result<T, E>,
) -> Result<Vec<T>, String> {
    files(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).map_err(|e| format!("{}: {e}", p.display()))?;
            parse(&text).map_err(|e| format!("{}: {e}", p.display()))
        })
        .collect()
}

fn read_named(dir: &Path) -> Result<Vec<(String, Patient)>, String> {
    let paths = files(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    paths
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).map_err(|e| format!("{}: {e}", p.display()))?;
            let patient = Patient::from_json(&text).map_err(|e| format!("{}: {e}", p.display()))?;
            let name = p
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            Ok((name, patient))
        })
        .collect()
}
