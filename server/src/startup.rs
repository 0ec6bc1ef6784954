//! Building and running the HTTP application.

use crate::auth::session::SessionKey;
use crate::bundle::cache::BundleCache;
use crate::config::Settings;
use crate::error::ApiError;
use crate::extract::BodyLimit;
use crate::routes;
use actix_web::dev::Server;
use actix_web::{App, HttpServer, web};
use sea_orm::DatabaseConnection;
use std::net::TcpListener;
use tracing_actix_web::TracingLogger;

/// A server bound to its port, ready to run.
pub struct Application {
    port: u16,
    server: Server,
}

impl Application {
    /// Binds the listener and builds the server (migrations are the caller's job).
    pub fn build(settings: &Settings, db: DatabaseConnection) -> anyhow::Result<Application> {
        let listener = TcpListener::bind((settings.http.host.as_str(), settings.http.port))
            .map_err(|e| {
                anyhow::anyhow!(
                    "cannot listen on {}:{}: {e}",
                    settings.http.host,
                    settings.http.port
                )
            })?;
        let port = listener.local_addr()?.port();
        let db = web::Data::new(db);
        let limit = web::Data::new(BodyLimit(settings.http.max_body_bytes));
        let key = web::Data::new(SessionKey::from_secret(
            settings.secrets.session_key.expose(),
        ));
        let shared_settings = web::Data::new(settings.clone());
        let bundle_cache = web::Data::new(BundleCache::new());
        let server = HttpServer::new(move || {
            App::new()
                .wrap(TracingLogger::default())
                .app_data(db.clone())
                .app_data(limit.clone())
                .app_data(key.clone())
                .app_data(shared_settings.clone())
                .app_data(bundle_cache.clone())
                .configure(routes::configure)
                .default_service(web::to(not_found))
        })
        .shutdown_timeout(settings.http.shutdown_timeout_secs)
        .listen(listener)?
        .run();
        Ok(Application { port, server })
    }

    /// The port actually bound (useful with port 0).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Runs until a shutdown signal (SIGINT, SIGTERM): in-flight requests finish first.
    pub async fn run(self) -> std::io::Result<()> {
        self.server.await
    }
}

async fn not_found() -> Result<actix_web::HttpResponse, ApiError> {
    Err(ApiError::NotFound("this resource".into()))
}
