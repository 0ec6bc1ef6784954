//! `server demo` and `server serve --demo`: seeds a development database with demo
//! organisations, users, the example trials (recruiting, each with a site, its coordinator
//! and consent documents in French and English) and a practice API key. Every write goes
//! through the domain functions, with its audit record. Seeding is idempotent: a second run
//! finds everything in place and writes nothing (except a new API key when asked for one).
//! It refuses to run in production.

pub mod bench_seed;
pub(crate) mod people;
pub(crate) mod registry;

use platform::config::{Environment, Settings};
use sea_orm::DatabaseConnection;
use std::fmt;
use std::path::Path;
use uuid::Uuid;

/// The demo sponsor organisation.
pub const SPONSOR: &str = "Laboratoire Démo";
/// The demo site organisation.
pub const SITE: &str = "CHU Démo — CIC";
/// The demo practice.
pub const PRACTICE: &str = "Cabinet Démo";
/// The label of the demo practice's API key.
pub const KEY_LABEL: &str = "Démo";

/// A demo account. The passwords are fixed: demo data is for development only.
#[derive(Debug, Clone, Copy)]
pub struct Credential {
    /// `admin`, `sponsor`, `coordinator` or `gp`.
    pub role: &'static str,
    /// Login email.
    pub email: &'static str,
    /// Password.
    pub password: &'static str,
}

/// The demo accounts, in the order they are created.
pub const CREDENTIALS: [Credential; 4] = [
    Credential {
        role: "admin",
        email: "admin@demo.inclusio.example",
        password: "demo-admin-password",
    },
    Credential {
        role: "sponsor",
        email: "sponsor@demo.inclusio.example",
        password: "demo-sponsor-password",
    },
    Credential {
        role: "coordinator",
        email: "coordinator@demo.inclusio.example",
        password: "demo-coordinator-password",
    },
    Credential {
        role: "gp",
        email: "gp@demo.inclusio.example",
        password: "demo-gp-password",
    },
];

/// The practice API key after seeding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiKey {
    /// Created by this run: the key, shown this once.
    Created(String),
    /// Created by an earlier run; only its prefix is known.
    Existing {
        /// The first characters of the key.
        prefix: String,
    },
}

/// What seeding left in the database.
#[derive(Debug, Clone)]
pub struct Report {
    /// The demo practice's id.
    pub practice_id: Uuid,
    /// The example trials' ids (slugs), all recruiting.
    pub trials: Vec<String>,
    /// The practice API key.
    pub api_key: ApiKey,
    /// Where the server listens (`host:port`), for the example command.
    pub address: String,
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "Demo data (development only):")?;
        writeln!(
            f,
            "  organisations: {SPONSOR} (sponsor), {SITE} (site), {PRACTICE} (practice)"
        )?;
        writeln!(f, "  accounts:")?;
        for c in CREDENTIALS {
            writeln!(f, "    {:<12} {:<36} {}", c.role, c.email, c.password)?;
        }
        writeln!(
            f,
            "  recruiting trials ({}): {}",
            self.trials.len(),
            self.trials.join(", ")
        )?;
        match &self.api_key {
            ApiKey::Created(key) => writeln!(
                f,
                "  practice API key (shown once, keep it): {key}\n    curl -H 'Authorization: Bearer {key}' http://{}/api/v1/plugin/bundle",
                self.address
            ),
            ApiKey::Existing { prefix } => writeln!(
                f,
                "  practice API key: created earlier ({prefix}…) and not shown again; `server demo --new-key` creates another"
            ),
        }
    }
}

/// Refuses demo data in production (its passwords are public).
pub fn ensure_allowed(environment: Environment) -> anyhow::Result<()> {
    if environment == Environment::Production {
        anyhow::bail!(
            "refusing to seed demo data in production: its accounts have published passwords"
        );
    }
    Ok(())
}

/// Seeds the demo data (idempotent) with the example trials compiled into the binary;
/// `new_key` creates another practice API key even when one exists.
pub async fn seed_examples(
    db: &DatabaseConnection,
    settings: &Settings,
    new_key: bool,
) -> anyhow::Result<Report> {
    ensure_allowed(settings.environment)?;
    seed_definitions(db, settings, registry::examples()?, new_key).await
}

/// Seeds the demo data (idempotent) with the trial definitions (`*.json`) in `trials_dir`;
/// `new_key` creates another practice API key even when one exists.
pub async fn seed(
    db: &DatabaseConnection,
    settings: &Settings,
    trials_dir: &Path,
    new_key: bool,
) -> anyhow::Result<Report> {
    ensure_allowed(settings.environment)?;
    seed_definitions(db, settings, registry::read_dir(trials_dir)?, new_key).await
}

/// Seeds the organisations, the accounts, these trials and the practice API key.
async fn seed_definitions(
    db: &DatabaseConnection,
    settings: &Settings,
    definitions: Vec<serde_json::Value>,
    new_key: bool,
) -> anyhow::Result<Report> {
    let sponsor_org = people::organisation(db, SPONSOR, "sponsor").await?;
    let site_org = people::organisation(db, SITE, "site").await?;
    let practice = people::organisation(db, PRACTICE, "practice").await?;
    let [admin, sponsor, coordinator, gp] = CREDENTIALS;
    let actors = registry::Actors {
        admin: people::user(db, admin, None).await?,
        sponsor: people::user(db, sponsor, Some(sponsor_org)).await?,
        sponsor_org,
        outbox: platform::email::Outbox::from_settings(settings),
        now: platform::clock::Clock::system().now(),
    };
    let staff = registry::SiteStaff {
        site_org,
        coordinator: people::user(db, coordinator, Some(site_org)).await?,
    };
    people::user(db, gp, Some(practice)).await?;
    let mut trials = Vec::with_capacity(definitions.len());
    for definition in definitions {
        trials.push(registry::trial(db, &actors, &staff, definition).await?);
    }
    let api_key = people::api_key(db, practice, new_key).await?;
    Ok(Report {
        practice_id: practice,
        trials,
        api_key,
        address: format!("{}:{}", settings.http.host, settings.http.port),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn production_refuses_demo_data() {
        let err = ensure_allowed(Environment::Production).unwrap_err();
        assert!(err.to_string().contains("production"), "{err}");
        assert!(ensure_allowed(Environment::Development).is_ok());
    }

    #[test]
    fn demo_passwords_are_long_enough() {
        for c in CREDENTIALS {
            assert!(
                c.password.len() >= platform::auth::password::MIN_LENGTH,
                "{}",
                c.role
            );
        }
    }
}
