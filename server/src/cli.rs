//! The command line of the `server` binary (`server/src/main.rs` and the tests' copy call
//! [`main`]): `serve` (default; `--demo` seeds demo data first), `migrate`,
//! `create-user`, `demo`, `outbox`, `digest`, `expire`, `rekey`, `audit verify`, and the hidden
//! `bench-seed` for load tests.

use crate::http::startup::Application;
use clap::{Parser, Subcommand};
use platform::accounts::{self, NewUser};
use platform::config::Settings;
use platform::entities::{organisation, user};
use platform::error::terminal;
use platform::{audit, db, telemetry};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Inclusio server.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    /// Configuration file (TOML); `inclusio.toml` is read when present.
    #[arg(long, global = true, env = "INCLUSIO_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Apply pending migrations, then serve HTTP (the default).
    Serve {
        /// Seed the demo data first (development only; idempotent).
        #[arg(long)]
        demo: bool,
        /// With --demo: read the trial definitions (`*.json`) from this folder instead of
        /// the example trials compiled into the binary.
        #[arg(long, requires = "demo")]
        trials_dir: Option<PathBuf>,
    },
    /// Seed demo organisations, users, recruiting example trials and a practice API key
    /// (development only; idempotent), print the credentials and exit.
    Demo {
        /// Read the trial definitions (`*.json`) from this folder instead of the example
        /// trials compiled into the binary.
        #[arg(long)]
        trials_dir: Option<PathBuf>,
        /// Create another practice API key even if one exists.
        #[arg(long)]
        new_key: bool,
    },
    /// Seed a load-test database: N recruiting synthetic trials and a practice API key,
    /// printed alone on standard output.
    #[command(hide = true)]
    BenchSeed {
        /// How many synthetic trials.
        #[arg(long, default_value_t = 1000)]
        trials: usize,
    },
    /// Apply pending migrations and exit.
    Migrate,
    /// Create a user; the password is prompted for, or read from standard input.
    CreateUser {
        /// Login email.
        #[arg(long)]
        email: String,
        /// admin, sponsor, coordinator or gp.
        #[arg(long)]
        role: String,
        /// The organisation's name (sponsors, coordinators and GPs belong to one).
        #[arg(long)]
        organisation: Option<String>,
    },
    /// Show the email outbox: counts per status, failed and retrying emails (no content).
    Outbox,
    /// Enqueue this ISO week's digest for every coordinator who has not had it (whatever the
    /// configured day); the running server's outbox worker sends them.
    Digest,
    /// Close every recruiting trial whose recruitment ended before today (UTC), as the
    /// running server does at start and every hour.
    Expire,
    /// Re-seal everything a previous encryption key sealed (consents, queued emails) under
    /// the current `secrets.encryption_key`, the last step of a key rotation
    /// (docs/operations.md). Exits 1 when some value no configured key opens.
    Rekey,
    /// Audit log tools.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Check the audit log's hash chain (applies no migration). Exits 1 when it is broken.
    Verify,
}

/// The `server` binary's entry point: parses the command line, loads the settings, runs
/// the command; the exit code says how it went (2: settings refused).
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let settings = match Settings::from_process(cli.config.as_deref()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(settings.environment);
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        let command = cli.command.unwrap_or(Command::Serve {
            demo: false,
            trials_dir: None,
        });
        match command {
            Command::Serve { demo, trials_dir } => serve(settings, demo, trials_dir)
                .await
                .map(|()| ExitCode::SUCCESS),
            Command::Demo {
                trials_dir,
                new_key,
            } => {
                crate::demo::ensure_allowed(settings.environment)?;
                let db = db::connect(&settings.database).await?;
                db::migrate(&db).await?;
                let report = seed_demo(&db, &settings, trials_dir.as_deref(), new_key).await?;
                print!("{report}");
                Ok(ExitCode::SUCCESS)
            }
            Command::BenchSeed { trials } => {
                crate::demo::ensure_allowed(settings.environment)?;
                let db = db::connect(&settings.database).await?;
                db::migrate(&db).await?;
                let key = crate::demo::bench_seed::seed(&db, &settings, trials).await?;
                println!("{key}");
                Ok(ExitCode::SUCCESS)
            }
            Command::Migrate => {
                let db = db::connect(&settings.database).await?;
                db::migrate(&db).await?;
                println!("migrations applied");
                Ok(ExitCode::SUCCESS)
            }
            Command::CreateUser {
                email,
                role,
                organisation,
            } => {
                let password = read_password()?;
                let db = db::connect(&settings.database).await?;
                db::migrate(&db).await?;
                let user =
                    create_user(&db, &email, &role, organisation.as_deref(), password)
                        .await?;
                println!("created {} {} ({})", user.role, user.email, user.id);
                Ok(ExitCode::SUCCESS)
            }
            Command::Digest => {
                let db = db::connect(&settings.database).await?;
                db::migrate(&db).await?;
                let outbox = platform::email::Outbox::from_settings(&settings);
                let n = crate::enrolment::referral::digest::run(
                    &db,
                    &outbox,
                    &settings,
                    platform::clock::Clock::system().now(),
                )
                .await
                .map_err(terminal)?;
                println!("{n} weekly digest(s) enqueued");
                Ok(ExitCode::SUCCESS)
            }
            Command::Expire => {
                let db = db::connect(&settings.database).await?;
                db::migrate(&db).await?;
                let n = crate::registry::expiry::close_ended(
                    &db,
                    platform::clock::Clock::system().now(),
                )
                .await
                .map_err(terminal)?;
                println!("{n} trial(s) closed");
                Ok(ExitCode::SUCCESS)
            }
            Command::Outbox => {
                let db = db::connect(&settings.database).await?;
                let report = platform::email::report::report(&db).await?;
                print!("{report}");
                Ok(ExitCode::SUCCESS)
            }
            Command::Rekey => {
                let db = db::connect(&settings.database).await?;
                db::migrate(&db).await?;
                let cipher = platform::crypto::Cipher::from_settings(&settings.secrets);
                let done = platform::rekey::rekey(&db, &cipher).await?;
                println!(
                    "{} consent(s) and {} email(s) re-sealed under the current key; {} row(s) already under it",
                    done.consents, done.emails, done.already_current
                );
                if done.unreadable.is_empty() {
                    Ok(ExitCode::SUCCESS)
                } else {
                    for at in &done.unreadable {
                        eprintln!("unreadable with every configured key: {at}");
                    }
                    Ok(ExitCode::FAILURE)
                }
            }
            Command::Audit {
                command: AuditCommand::Verify,
            } => audit_verify(settings).await,
        }
    });
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Seeds the demo data from `trials_dir`, or from the example trials compiled in.
async fn seed_demo(
    db: &sea_orm::DatabaseConnection,
    settings: &Settings,
    trials_dir: Option<&Path>,
    new_key: bool,
) -> anyhow::Result<crate::demo::Report> {
    match trials_dir {
        Some(dir) => crate::demo::seed(db, settings, dir, new_key).await,
        None => crate::demo::seed_examples(db, settings, new_key).await,
    }
}

/// Serves HTTP; with `demo`, seeds the demo data first (from `trials_dir` when given).
async fn serve(settings: Settings, demo: bool, trials_dir: Option<PathBuf>) -> anyhow::Result<()> {
    // Refuse before creating or migrating anything.
    if demo {
        crate::demo::ensure_allowed(settings.environment)?;
    }
    let db = db::connect(&settings.database).await?;
    db::migrate(&db).await?;
    if demo {
        let report = seed_demo(&db, &settings, trials_dir.as_deref(), false).await?;
        print!("{report}");
    }
    let app = Application::build(&settings, db)?;
    if demo {
        println!(
            "Serving on http://{}:{} (Ctrl-C stops; the data stays in the database)",
            settings.http.host,
            app.port()
        );
    }
    tracing::info!(port = app.port(), "listening");
    app.run().await?;
    tracing::info!("stopped");
    Ok(())
}

/// The password: prompted without echo on a terminal, else the first line of stdin.
fn read_password() -> anyhow::Result<String> {
    use std::io::{BufRead, IsTerminal};
    let line = if std::io::stdin().is_terminal() {
        rpassword::prompt_password("password: ")?
    } else {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        line
    };
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

/// `server audit verify`: exit 0 when the chain is intact, 1 when it is broken.
async fn audit_verify(settings: Settings) -> anyhow::Result<ExitCode> {
    if settings.database.url.is_none() && !settings.database.sqlite_path.exists() {
        anyhow::bail!(
            "no database at {}: nothing to verify",
            settings.database.sqlite_path.display()
        );
    }
    let db = db::connect(&settings.database).await?;
    let has_table = migrations::SchemaManager::new(&db)
        .has_table("audit_log")
        .await?;
    if !has_table {
        anyhow::bail!("the database has no audit_log table: run `server migrate` first");
    }
    let verification = audit::verify(&db).await?;
    Ok(match verification.first_broken {
        None => {
            println!("audit chain intact: {} rows", verification.rows);
            ExitCode::SUCCESS
        }
        Some(broken) => {
            println!(
                "audit chain broken at row {}: {}",
                broken.seq, broken.reason
            );
            ExitCode::FAILURE
        }
    })
}

/// Creates a user in the named organisation; errors are phrased for a terminal.
pub async fn create_user(
    db: &DatabaseConnection,
    email: &str,
    role: &str,
    organisation: Option<&str>,
    password: String,
) -> anyhow::Result<user::Model> {
    let organisation_id = match organisation {
        None => None,
        Some(name) => Some(
            organisation::Entity::find()
                .filter(organisation::Column::Name.eq(name))
                .one(db)
                .await?
                .ok_or_else(|| anyhow::anyhow!("no organisation named `{name}`"))?
                .id,
        ),
    };
    let new = NewUser {
        email: email.into(),
        password,
        role: role.into(),
        organisation_id,
    };
    accounts::create_user(db, &platform::audit::Actor::system(), new)
        .await
        .map_err(terminal)
}
