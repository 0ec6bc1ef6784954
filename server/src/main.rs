//! The `server` binary: `serve` (default), `migrate`, `create-user`.

use clap::{Parser, Subcommand};
use server::config::Settings;
use server::startup::Application;
use server::{db, telemetry};
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
            Command::Serve => serve(settings).await,
            Command::Migrate => {
                let db = db::connect(&settings.database).await?;
                db::migrate(&db).await?;
                println!("migrations applied");
                Ok(())
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
                Ok(())
            }
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
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
