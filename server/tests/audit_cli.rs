//! `server audit verify`, run as the real binary against a SQLite file.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Test code fails loudly.

use platform::audit::{self, Actor};
use platform::config::DatabaseSettings;
use platform::entities::audit_log;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, TransactionTrait};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A fresh SQLite path in the temporary folder.
fn temp_db() -> PathBuf {
    std::env::temp_dir().join(format!(
        "inclusio_audit_cli_{}.db",
        uuid::Uuid::now_v7().simple()
    ))
}

async fn connect(path: &Path) -> DatabaseConnection {
    let settings = DatabaseSettings {
        sqlite_path: path.to_path_buf(),
        ..DatabaseSettings::default()
    };
    platform::db::connect(&settings).await.unwrap()
}

/// Runs `server audit verify` on `path`, isolated from any configuration around it.
fn run_verify(path: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_server"))
        .args(["audit", "verify"])
        .current_dir(std::env::temp_dir())
        .env_remove("DATABASE_URL")
        .env_remove("INCLUSIO_CONFIG")
        .env("INCLUSIO_SQLITE_PATH", path)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run the server binary")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[tokio::test]
async fn verify_reports_an_intact_then_a_tampered_chain() {
    let path = temp_db();
    let db = connect(&path).await;
    platform::db::migrate(&db).await.unwrap();
    let txn = db.begin().await.unwrap();
    let mut seqs = Vec::new();
    for i in 0..3 {
        seqs.push(
            audit::append(
                &txn,
                &Actor::user("user-1"),
                "trial.update",
                "trial",
                "trial-1",
                Some(&json!({"version": i})),
                Some(&json!({"version": i + 1, "title": "Étude"})),
            )
            .await
            .unwrap(),
        );
    }
    txn.commit().await.unwrap();

    let out = run_verify(&path);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("audit chain intact: 3 rows"),
        "stdout: {}",
        text(&out.stdout)
    );

    audit_log::Entity::update_many()
        .col_expr(audit_log::Column::After, Expr::value(r#"{"version":99}"#))
        .filter(audit_log::Column::Seq.eq(seqs[1]))
        .exec(&db)
        .await
        .unwrap();
    let out = run_verify(&path);
    assert_eq!(out.status.code(), Some(1), "stderr: {}", text(&out.stderr));
    let expected = format!(
        "audit chain broken at row {}: hash does not match the row's content",
        seqs[1]
    );
    assert!(
        text(&out.stdout).contains(&expected),
        "stdout: {}",
        text(&out.stdout)
    );
    db.close().await.unwrap();
    let _ = std::fs::remove_file(&path);
}

#[tokio::test]
async fn verify_on_an_empty_log_says_zero_rows() {
    let path = temp_db();
    let db = connect(&path).await;
    platform::db::migrate(&db).await.unwrap();
    let out = run_verify(&path);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", text(&out.stderr));
    assert!(text(&out.stdout).contains("audit chain intact: 0 rows"));
    db.close().await.unwrap();
    let _ = std::fs::remove_file(&path);
}

#[tokio::test]
async fn verify_refuses_an_unmigrated_database() {
    let path = temp_db();
    let db = connect(&path).await; // Creates the file, applies nothing.
    let out = run_verify(&path);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("no audit_log table"), "stderr: {stderr}");
    assert!(stderr.contains("server migrate"), "stderr: {stderr}");
    db.close().await.unwrap();
    let _ = std::fs::remove_file(&path);
}

#[test]
fn verify_does_not_create_a_missing_database() {
    let path = temp_db();
    let out = run_verify(&path);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("no database at"),
        "{}",
        text(&out.stderr)
    );
    assert!(!path.exists());
}
