//! Building and running the HTTP application.

use crate::auth::session::SessionKey;
use crate::bundle::cache::BundleCache;
use crate::config::Settings;
use crate::error::ApiError;
use crate::extract::BodyLimit;
use crate::routes;
use actix_web::HttpMessage;
use actix_web::dev::Server;
use actix_web::dev::Service;
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::{App, HttpServer, web};
use sea_orm::DatabaseConnection;
use std::net::TcpListener;
use tracing_actix_web::{RequestId, TracingLogger};

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
        let cds_settings = settings.clone();
        let server = HttpServer::new(move || {
            App::new()
                .wrap_fn(|req, srv| {
                    // The request id of the log span, echoed to the client for support.
                    let id = req.extensions().get::<RequestId>().map(|r| r.to_string());
                    let fut = srv.call(req);
                    async move {
                        let mut res = fut.await?;
                        if let Some(value) = id.and_then(|id| HeaderValue::from_str(&id).ok()) {
                            res.headers_mut()
                                .insert(HeaderName::from_static("x-request-id"), value);
                        }
                        Ok(res)
                    }
                })
                .wrap(TracingLogger::<crate::telemetry::RequestSpan>::new())
                .app_data(
                    web::QueryConfig::default()
                        .error_handler(|e, _| ApiError::MalformedQuery(e.to_string()).into()),
                )
                .app_data(
                    web::PathConfig::default()
                        .error_handler(|_, _| ApiError::NotFound("this resource".into()).into()),
                )
                .app_data(db.clone())
                .app_data(limit.clone())
                .app_data(key.clone())
                .app_data(shared_settings.clone())
                .app_data(bundle_cache.clone())
                .configure(routes::configure)
                .configure(crate::pages::configure)
                .configure(|cfg| routes::cds::configure(cfg, &cds_settings))
                .service(crate::openapi::service())
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
