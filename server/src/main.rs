//! The `server` binary: `serve` (default), `migrate`.

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
