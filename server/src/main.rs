//! The `server` binary: `serve` (default), `migrate`, `create-user`, `audit verify`.

use clap::{Parser, Subcommand};
use server::config::Settings;
use server::startup::Application;
use server::{audit, db, telemetry};
use std::path::PathBuf;
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
    Serve,
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

fn main() -> ExitCode {
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
        match cli.command.unwrap_or(Command::Serve) {
            Command::Serve => serve(settings).await.map(|()| ExitCode::SUCCESS),
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
                    server::cli::create_user(&db, &email, &role, organisation.as_deref(), password)
                        .await?;
                println!("created {} {} ({})", user.role, user.email, user.id);
                Ok(ExitCode::SUCCESS)
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

async fn serve(settings: Settings) -> anyhow::Result<()> {
    let db = db::connect(&settings.database).await?;
    db::migrate(&db).await?;
    let app = Application::build(&settings, db)?;
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
