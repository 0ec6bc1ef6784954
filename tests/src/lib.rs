//! The end-to-end harness: [`spawn_app`] starts the real application on port 0 with a fresh
//! database per test, on SQLite (a new file) or PostgreSQL (a new database on the server
//! named by `INCLUSIO_TEST_PG_URL`, which `scripts/test.sh` starts). A test that needs
//! PostgreSQL fails when it is absent; it never skips.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Test code fails loudly.

pub mod api;
pub mod browser;
pub mod cds;
pub mod flow;
pub mod funnel_seed;
pub mod mail;
pub mod postgres;
pub mod process;
pub mod proxy;

use platform::clock::Clock;
use platform::config::{Settings, TransportKind};
use platform::email::MemoryMailbox;
use platform::secret::Secret;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use server::http::startup::Application;

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// A fresh SQLite file.
    Sqlite,
    /// A fresh PostgreSQL database.
    Postgres,
}

/// A running application.
pub struct TestApp {
    /// `http://127.0.0.1:PORT`.
    pub address: String,
    /// A connection to the same database.
    pub db: DatabaseConnection,
    /// An HTTP client.
    pub client: reqwest::Client,
    /// The settings the application runs with.
    pub settings: Settings,
    /// The emails sent, when the transport is `memory` (the default in tests).
    pub mailbox: Option<MemoryMailbox>,
    /// The application's clock: the system's, or the fixed one of [`spawn_at`] that a test
    /// moves with [`Clock::set`].
    pub clock: Clock,
}

impl Drop for TestApp {
    /// Closes the database pool. Nothing stops the server's workers once its test is over
    /// (the application runs until a signal), and they hold the pool: in one test process,
    /// their idle connections would pile up past PostgreSQL's limit. The closing runs on a
    /// thread of its own, as the test's runtime may be single-threaded or shutting down.
    fn drop(&mut self) {
        let db = self.db.clone();
        std::thread::spawn(move || {
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            runtime.block_on(async {
                let _ = tokio::time::timeout(std::time::Duration::from_secs(10), db.close_by_ref())
                    .await;
            });
        });
    }
}

impl TestApp {
    /// `GET` a path.
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.address))
            .send()
            .await
            .expect("request")
    }
}

/// The PostgreSQL server tests create their databases on.
pub fn postgres_admin_url() -> String {
    std::env::var("INCLUSIO_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres:postgres@127.0.0.1:5432/postgres".into())
}

/// Settings for a fresh database of `backend` (the database is created, not migrated).
pub async fn fresh_settings(backend: Backend) -> Settings {
    let mut settings = Settings::load(None, &|_| None).expect("default settings");
    settings.http.port = 0;
    // Emails stay in memory, and the outbox worker is quick (tests poll with a deadline).
    settings.email.transport = Some(TransportKind::Memory);
    settings.referrals.digest_enabled = false;
    settings.email.poll_interval_ms = 100;
    settings.email.backoff_base_ms = 200;
    settings.email.backoff_cap_ms = 1_000;
    // Password checks wait for a turn (at most a few at once); under the whole suite on a
    // small machine a login may wait longer than the production default before its turn.
    settings.auth.hash_wait_ms = 60_000;
    // scripts/test.sh drops the databases of a run when it is over (see `INCLUSIO_TEST_RUN`).
    let run = std::env::var("INCLUSIO_TEST_RUN")
        .ok()
        .filter(|r| !r.is_empty() && r.bytes().all(|b| b.is_ascii_digit()))
        .unwrap_or_else(|| "manual".into());
    let name = format!("inclusio_test_{run}_{}", uuid::Uuid::now_v7().simple());
    match backend {
        Backend::Sqlite => {
            settings.database.sqlite_path = std::env::temp_dir().join(format!("{name}.db"));
        }
        Backend::Postgres => {
            let admin_url = postgres_admin_url();
            let admin = Database::connect(&admin_url).await.unwrap_or_else(|e| {
                panic!("PostgreSQL is needed at {admin_url} (scripts/test.sh starts it): {e}")
            });
            admin
                .execute_unprepared(&format!("CREATE DATABASE {name}"))
                .await
                .expect("create database");
            let base = admin_url
                .rsplit_once('/')
                .map_or(admin_url.as_str(), |(b, _)| b)
                .to_string();
            settings.database.url = Some(Secret::new(format!("{base}/{name}")));
        }
    }
    settings
}

/// Starts the application on a fresh, migrated database.
pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, |_| {}).await
}

/// Starts the application on a fresh, migrated database, with settings changed by `change`.
pub async fn spawn_app_with(backend: Backend, change: impl FnOnce(&mut Settings)) -> TestApp {
    let mut settings = fresh_settings(backend).await;
    change(&mut settings);
    spawn_on(settings).await
}

/// Starts the application on a fresh, migrated database, its clock fixed at `at` (handlers
/// and jobs read it; the test moves it with `app.clock.set`).
pub async fn spawn_at(backend: Backend, at: chrono::DateTime<chrono::Utc>) -> TestApp {
    spawn_with_clock(fresh_settings(backend).await, Clock::fixed(at)).await
}

/// Starts the application with these settings (its database migrated first). Two calls with
/// the same database settings make two replicas sharing one database.
pub async fn spawn_on(settings: Settings) -> TestApp {
    spawn_with_clock(settings, Clock::system()).await
}

async fn spawn_with_clock(settings: Settings, clock: Clock) -> TestApp {
    let db = platform::db::connect(&settings.database)
        .await
        .expect("connect");
    platform::db::migrate(&db).await.expect("migrate");
    let app = Application::build_with_clock(&settings, db.clone(), clock.clone()).expect("build");
    let address = format!("http://127.0.0.1:{}", app.port());
    let mailbox = app.mailbox();
    tokio::spawn(app.run());
    TestApp {
        address,
        db,
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client"),
        settings,
        mailbox,
        clock,
    }
}

/// Declares one async test per backend: `both!(name, |app| async move { … });`.
#[macro_export]
macro_rules! both {
    ($name:ident, $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let app = $crate::spawn_app($crate::Backend::Sqlite).await;
                ($body)(app).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let app = $crate::spawn_app($crate::Backend::Postgres).await;
                ($body)(app).await;
            }
        }
    };
}

impl TestApp {
    /// A request builder for a path.
    pub fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.client
            .request(method, format!("{}{path}", self.address))
    }

    /// A request with a session cookie.
    pub fn as_user(
        &self,
        method: reqwest::Method,
        path: &str,
        cookie: &str,
    ) -> reqwest::RequestBuilder {
        self.request(method, path)
            .header(reqwest::header::COOKIE, cookie)
    }

    /// Creates an organisation directly in the database.
    pub async fn seed_organisation(&self, name: &str, kind: &str) -> uuid::Uuid {
        let new = platform::accounts::NewOrganisation {
            name: name.into(),
            kind: kind.into(),
        };
        platform::accounts::create_organisation(&self.db, &platform::audit::Actor::system(), new)
            .await
            .expect("organisation")
            .id
    }

    /// Creates a user directly in the database; returns the email (password: [`PASSWORD`]).
    pub async fn seed_user(&self, role: &str, organisation_id: Option<uuid::Uuid>) -> String {
        let email = format!("{role}-{}@example.org", uuid::Uuid::now_v7().simple());
        let new = platform::accounts::NewUser {
            email: email.clone(),
            password: PASSWORD.into(),
            role: role.into(),
            organisation_id,
        };
        platform::accounts::create_user(&self.db, &platform::audit::Actor::system(), new)
            .await
            .expect("user");
        email
    }

    /// Logs in; returns the `Cookie` header value of the session.
    pub async fn login(&self, email: &str, password: &str) -> String {
        let r = self
            .post_login(&serde_json::json!({"email": email, "password": password}))
            .await;
        assert_eq!(r.status(), 200, "login of {email} failed");
        session_cookie(&r).expect("a session cookie")
    }

    /// Seeds a user of `role` (in a fresh organisation of the matching kind) and logs in.
    pub async fn logged_in(&self, role: &str) -> String {
        let kind = match role {
            "sponsor" => Some("sponsor"),
            "coordinator" => Some("site"),
            "gp" => Some("practice"),
            _ => None,
        };
        let org = match kind {
            Some(k) => Some(
                self.seed_organisation(&format!("{k} {}", uuid::Uuid::now_v7()), k)
                    .await,
            ),
            None => None,
        };
        self.logged_in_at(role, org).await
    }

    /// Seeds a user of `role` in `organisation` and logs in; returns the session cookie.
    pub async fn logged_in_at(&self, role: &str, organisation: Option<uuid::Uuid>) -> String {
        let email = self.seed_user(role, organisation).await;
        self.login(&email, PASSWORD).await
    }
}

/// The password of seeded users.
pub const PASSWORD: &str = "correct horse battery staple";

/// The `name=value` of the session cookie a response sets, if any.
pub fn session_cookie(r: &reqwest::Response) -> Option<String> {
    r.headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("inclusio_session="))
        .and_then(|v| v.split(';').next())
        .map(str::to_string)
}

/// An example trial definition from `trials/examples/trials/NAME.json`.
pub fn example_trial(name: &str) -> serde_json::Value {
    example("trials", name)
}

/// An example patient from `trials/examples/patients/NAME.json`.
pub fn example_patient(name: &str) -> serde_json::Value {
    example("patients", name)
}

/// `trials/examples/KIND/NAME.json`.
fn example(kind: &str, name: &str) -> serde_json::Value {
    let path = format!(
        "{}/../trials/examples/{kind}/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}")))
        .expect("example JSON")
}

/// Every row of every table of the app's database as text, one line per row (for tests
/// that prove something is *not* stored). Works on both backends.
pub async fn dump_database(app: &TestApp) -> String {
    use sea_orm::{ConnectionTrait, DbBackend, Statement};
    let backend = app.db.get_database_backend();
    let query = |sql: String| {
        let db = app.db.clone();
        async move {
            db.query_all_raw(Statement::from_string(backend, sql))
                .await
                .expect("dump query")
        }
    };
    let tables: Vec<String> = match backend {
        DbBackend::Postgres => {
            query(
                "SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema()"
                    .into(),
            )
            .await
        }
        _ => query("SELECT name FROM sqlite_master WHERE type = 'table'".into()).await,
    }
    .iter()
    .map(|r| r.try_get::<String>("", "name").expect("table name"))
    .collect();
    let mut out = String::new();
    for table in tables {
        let sql = match backend {
            DbBackend::Postgres => {
                format!("SELECT row_to_json(t)::text AS line FROM \"{table}\" t")
            }
            _ => {
                let columns: Vec<String> =
                    query(format!("SELECT name FROM pragma_table_info('{table}')"))
                        .await
                        .iter()
                        .map(|r| r.try_get::<String>("", "name").expect("column"))
                        .collect();
                let parts: Vec<String> = columns
                    .iter()
                    .map(|c| format!("COALESCE(CASE typeof(\"{c}\") WHEN 'blob' THEN hex(\"{c}\") ELSE CAST(\"{c}\" AS TEXT) END, 'NULL')"))
                    .collect();
                format!(
                    "SELECT {} AS line FROM \"{table}\"",
                    parts.join(" || '|' || ")
                )
            }
        };
        for row in query(sql).await {
            out.push_str(&table);
            out.push_str(": ");
            out.push_str(&row.try_get::<String>("", "line").expect("line"));
            out.push('\n');
        }
    }
    out
}

/// What the log capture holds: the number of live [`LogCapture`]s and the lines recorded
/// while there was at least one.
struct Captured {
    live: usize,
    lines: Vec<u8>,
}

static CAPTURED: std::sync::Mutex<Captured> = std::sync::Mutex::new(Captured {
    live: 0,
    lines: Vec::new(),
});

/// The capture, even when a test panicked while holding it.
fn captured() -> std::sync::MutexGuard<'static, Captured> {
    CAPTURED
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Whether a [`LogCapture`] is alive: the subscriber records nothing otherwise, so the tests
/// that run alongside pay nothing for the capture once it is over.
static CAPTURING: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// A writer appending to the capture.
struct LogWriter;

impl std::io::Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let mut captured = captured();
        if captured.live > 0 {
            captured.lines.extend_from_slice(buf);
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The log output of the test process while it is alive: the server's request spans and
/// events at DEBUG and above, formatted as the server formats them, with span closings as
/// the server logs them. Every test of the binary shares the process, so a capture also
/// holds the lines of the tests running at the same time: what a test finds absent is
/// absent from all of them.
pub struct LogCapture {
    /// Where this capture's lines start in the shared record.
    from: usize,
}

impl LogCapture {
    /// Starts recording (the global subscriber is installed on the first call). Start it
    /// before the requests whose logs you inspect.
    pub fn start() -> LogCapture {
        static INSTALL: std::sync::Once = std::sync::Once::new();
        INSTALL.call_once(|| {
            use tracing_subscriber::Layer;
            use tracing_subscriber::filter::{LevelFilter, filter_fn};
            use tracing_subscriber::layer::SubscriberExt;
            use tracing_subscriber::util::SubscriberInitExt;
            let layer = tracing_subscriber::fmt::layer()
                .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
                .with_ansi(false)
                .with_writer(|| LogWriter)
                .with_filter(filter_fn(|meta| {
                    CAPTURING.load(std::sync::atomic::Ordering::Relaxed)
                        && *meta.level() <= LevelFilter::DEBUG
                }));
            tracing_subscriber::registry()
                .with(layer)
                .try_init()
                .expect("no other global subscriber");
        });
        let mut captured = captured();
        captured.live += 1;
        CAPTURING.store(true, std::sync::atomic::Ordering::Relaxed);
        LogCapture {
            from: captured.lines.len(),
        }
    }

    /// Everything recorded since this capture started.
    pub fn text(&self) -> String {
        let captured = captured();
        String::from_utf8_lossy(&captured.lines[self.from..]).into_owned()
    }
}

impl Drop for LogCapture {
    fn drop(&mut self) {
        let mut captured = captured();
        captured.live -= 1;
        if captured.live == 0 {
            CAPTURING.store(false, std::sync::atomic::Ordering::Relaxed);
            captured.lines.clear();
        }
    }
}
