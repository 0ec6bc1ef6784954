//! The end-to-end harness: [`spawn_app`] starts the real application on port 0 with a fresh
//! database per test, on SQLite (a new file) or PostgreSQL (a new database on the server
//! named by `INCLUSIO_TEST_PG_URL`, which `scripts/test.sh` starts). A test that needs
//! PostgreSQL fails when it is absent; it never skips.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Test code fails loudly.

use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use server::config::Settings;
use server::secret::Secret;
use server::startup::Application;

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
    let name = format!("inclusio_test_{}", uuid::Uuid::now_v7().simple());
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
    let settings = fresh_settings(backend).await;
    let db = server::db::connect(&settings.database)
        .await
        .expect("connect");
    server::db::migrate(&db).await.expect("migrate");
    let app = Application::build(&settings, db.clone()).expect("build");
    let address = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run());
    TestApp {
        address,
        db,
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client"),
        settings,
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
