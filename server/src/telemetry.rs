//! Structured logs with tracing: readable in development, JSON in production. Request spans
//! carry a request id (tracing-actix-web); nothing logs request bodies, so no patient data.

use crate::config::Environment;
use tracing_subscriber::EnvFilter;

/// Installs the global subscriber once (later calls are ignored, as in tests).
pub fn init(environment: Environment) {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false);
    let _ = match environment {
        Environment::Production => builder.json().try_init(),
        Environment::Development => builder.try_init(),
    };
}
