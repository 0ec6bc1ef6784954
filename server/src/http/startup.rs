//! Building and running the HTTP application.

use crate::http::routes;
use crate::plugin::cache::BundleCache;
use actix_web::HttpMessage;
use actix_web::dev::Server;
use actix_web::dev::Service;
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::{App, HttpServer, web};
use platform::auth::session::SessionKey;
use platform::clock::Clock;
use platform::config::Settings;
use platform::email::worker::{Worker, WorkerSettings};
use platform::email::{MemoryMailbox, Outbox, Transport};
use platform::error::ApiError;
use platform::extract::BodyLimit;
use sea_orm::DatabaseConnection;
use std::net::TcpListener;
use std::sync::Arc;
use tracing_actix_web::{RequestId, TracingLogger};

/// A server bound to its port, ready to run, with its email outbox worker and its jobs.
pub struct Application {
    port: u16,
    server: Server,
    worker: Worker,
    /// The database of the background jobs (closing ended recruitments).
    jobs_db: DatabaseConnection,
    /// The clock the jobs read (the handlers' one).
    jobs_clock: Clock,
    mailbox: Option<MemoryMailbox>,
    /// The weekly digest's task, when `referrals.digest_enabled`.
    digest: Option<(DatabaseConnection, Outbox, Settings)>,
}

impl Application {
    /// Binds the listener and builds the server on the system clock (migrations are the
    /// caller's job).
    pub fn build(settings: &Settings, db: DatabaseConnection) -> anyhow::Result<Application> {
        Application::build_with_clock(settings, db, Clock::system())
    }

    /// [`Application::build`] with the clock every handler and job reads (a fixed one in
    /// tests).
    pub fn build_with_clock(
        settings: &Settings,
        db: DatabaseConnection,
        clock: Clock,
    ) -> anyhow::Result<Application> {
        let listener = TcpListener::bind((settings.http.host.as_str(), settings.http.port))
            .map_err(|e| {
                anyhow::anyhow!(
                    "cannot listen on {}:{}: {e}",
                    settings.http.host,
                    settings.http.port
                )
            })?;
        let port = listener.local_addr()?.port();
        // The settings the handlers and jobs see: with the port actually bound (port 0 takes
        // any), so that links built without `http.public_url` (development) point here.
        let mut bound = settings.clone();
        bound.http.port = port;
        let settings = &bound;
        let hashes = platform::auth::password::configure(
            settings.auth.max_concurrent_hashes,
            settings.auth.hash_wait_ms,
        );
        tracing::info!(
            concurrent_password_hashes = hashes,
            "password hashing bounded"
        );
        let outbox = Outbox::from_settings(settings);
        let transport = Transport::from_settings(settings)?;
        let mailbox = transport.mailbox();
        let worker = Worker::new(
            db.clone(),
            Arc::new(transport),
            outbox.clone(),
            WorkerSettings::from_settings(settings),
        );
        let digest = settings
            .referrals
            .digest_enabled
            .then(|| (db.clone(), outbox.clone(), settings.clone()));
        let jobs_db = db.clone();
        let outbox = web::Data::new(outbox);
        let db = web::Data::new(db);
        let limit = web::Data::new(BodyLimit(settings.http.max_body_bytes));
        let key = web::Data::new(SessionKey::from_secret(
            settings.secrets.session_key.expose(),
        ));
        let shared_settings = web::Data::new(settings.clone());
        let jobs_clock = clock.clone();
        let clock = web::Data::new(clock);
        let bundle_cache = web::Data::new(BundleCache::new());
        let cipher = web::Data::new(platform::crypto::Cipher::from_settings(&settings.secrets));
        let matcher_cache = web::Data::new(crate::plugin::cache::MatcherCache::new());
        let popup_sealer = web::Data::new(crate::plugin::popup_token::PopupSealer::new(
            settings.secrets.encryption_key.expose(),
            settings.plugin.popup_token_ttl_secs,
        ));
        let token_key = web::Data::new(crate::plugin::consent_link::TokenKey::from_secret(
            settings.secrets.session_key.expose(),
        ));
        let cors_origins = std::sync::Arc::new(settings.http.cors_origins.clone());
        let cds_settings = settings.clone();
        let production = settings.environment == platform::config::Environment::Production;
        let server = HttpServer::new(move || {
            let cors_origins = cors_origins.clone();
            App::new()
                .wrap_fn(move |req, srv| {
                    // The security headers of every response (`http::security`).
                    let fut = srv.call(req);
                    async move {
                        let mut res = fut.await?;
                        crate::http::security::decorate(res.headers_mut(), production);
                        Ok(res)
                    }
                })
                .wrap_fn(move |req, srv| {
                    // CORS for the routes web EHRs call from their own origin.
                    let origin =
                        crate::http::cors::allowed_origin(req.path(), req.headers(), &cors_origins);
                    let preflight = req.method() == actix_web::http::Method::OPTIONS;
                    let early = match (&origin, preflight) {
                        (Some(o), true) => Some(crate::http::cors::preflight(o.clone())),
                        _ => None,
                    };
                    let fut = match early {
                        Some(res) => futures_util::future::Either::Left(std::future::ready(Ok(
                            req.into_response(res),
                        ))),
                        None => futures_util::future::Either::Right(srv.call(req)),
                    };
                    async move {
                        let mut res = fut.await?.map_into_boxed_body();
                        if let Some(o) = origin {
                            crate::http::cors::decorate(res.headers_mut(), o);
                        }
                        Ok(res)
                    }
                })
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
                .wrap(TracingLogger::<platform::telemetry::RequestSpan>::new())
                .app_data(web::QueryConfig::default().error_handler(|e, _| {
                    ApiError::MalformedQuery(trials::redact::redact(&e.to_string())).into()
                }))
                .app_data(
                    web::PathConfig::default()
                        .error_handler(|_, _| ApiError::NotFound("this resource".into()).into()),
                )
                .app_data(db.clone())
                .app_data(limit.clone())
                .app_data(key.clone())
                .app_data(shared_settings.clone())
                .app_data(clock.clone())
                .app_data(bundle_cache.clone())
                .app_data(outbox.clone())
                .app_data(token_key.clone())
                .app_data(matcher_cache.clone())
                .app_data(popup_sealer.clone())
                .app_data(cipher.clone())
                .configure(routes::configure)
                .configure(crate::http::pages::configure)
                .configure(|cfg| routes::cds::configure(cfg, &cds_settings))
                .service(crate::http::openapi::service())
                .default_service(web::to(not_found))
        })
        .shutdown_timeout(settings.http.shutdown_timeout_secs);
        let server = match settings.http.workers {
            Some(n) => server.workers(n),
            None => server,
        };
        let server = server.listen(listener)?.run();
        Ok(Application {
            port,
            server,
            worker,
            jobs_db,
            jobs_clock,
            mailbox,
            digest,
        })
    }

    /// The port actually bound (useful with port 0).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The memory transport's store, when `email.transport = "memory"` (tests).
    pub fn mailbox(&self) -> Option<MemoryMailbox> {
        self.mailbox.clone()
    }

    /// Runs until a shutdown signal (SIGINT, SIGTERM): in-flight requests finish first, then
    /// the outbox worker finishes the email in hand and stops. The hourly closing of ended
    /// recruitments (which also runs at once) and the weekly digest's task (if enabled) run
    /// alongside and are stopped with the server.
    pub async fn run(self) -> std::io::Result<()> {
        let worker = self.worker.spawn();
        let expiry = crate::registry::expiry::spawn(self.jobs_db, self.jobs_clock.clone());
        let digest = self.digest.map(|(db, outbox, settings)| {
            crate::enrolment::referral::digest::spawn(db, outbox, settings, self.jobs_clock)
        });
        let result = self.server.await;
        expiry.abort();
        if let Some(task) = digest {
            task.abort();
        }
        worker.shutdown().await;
        result
    }
}

/// What no route answered: 405 `method_not_allowed` when a route has this path under another
/// method (`docs/errors.md`), 404 `not_found` otherwise.
async fn not_found(req: actix_web::HttpRequest) -> Result<actix_web::HttpResponse, ApiError> {
    if req.resource_map().has_resource(req.path()) {
        return Err(ApiError::MethodNotAllowed);
    }
    Err(ApiError::NotFound("this resource".into()))
}
