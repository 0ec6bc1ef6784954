//! `server bench-seed`: a load-test database. A sponsor, an administrator, a practice with
//! an API key, and `n` synthetic trials (`trials::synth::trials(n, 42)`) taken to
//! `recruiting`, all through the domain functions (so with their audit records). For
//! benchmarks on a fresh database; refused in production.

use crate::demo::ensure_allowed;
use crate::demo::people;
use crate::demo::registry::{self, Actors};
use platform::config::Settings;
use sea_orm::DatabaseConnection;

/// Seeds `n` recruiting synthetic trials; returns the practice API key (or the prefix of
/// the existing one when the database was seeded before).
pub async fn seed(
    db: &DatabaseConnection,
    settings: &Settings,
    n: usize,
) -> anyhow::Result<String> {
    ensure_allowed(settings.environment)?;
    let sponsor_org = people::organisation(db, "Bench sponsor", "sponsor").await?;
    let practice = people::organisation(db, "Bench practice", "practice").await?;
    let actors = Actors {
        admin: people::user(db, BENCH_ADMIN, None).await?,
        sponsor: people::user(db, BENCH_SPONSOR, Some(sponsor_org)).await?,
        sponsor_org,
        outbox: platform::email::Outbox::from_settings(settings),
        now: platform::clock::Clock::system().now(),
    };
    for t in trials::synth::trials(n, 42) {
        let definition = serde_json::to_value(&t)?;
        registry::recruiting(db, &actors, definition).await?;
    }
    Ok(match people::api_key(db, practice, false).await? {
        crate::demo::ApiKey::Created(key) => key,
        crate::demo::ApiKey::Existing { prefix } => {
            anyhow::bail!("the bench practice already has a key ({prefix}…): seed a fresh database")
        }
    })
}

const BENCH_ADMIN: crate::demo::Credential = crate::demo::Credential {
    role: "admin",
    email: "bench-admin@bench.inclusio.example",
    password: "bench-admin-password",
};

const BENCH_SPONSOR: crate::demo::Credential = crate::demo::Credential {
    role: "sponsor",
    email: "bench-sponsor@bench.inclusio.example",
    password: "bench-sponsor-password",
};
