//! A full disk, end to end on the built `server` binary with its SQLite file on a small
//! tmpfs: writes answer 503 `storage_unavailable` (never 500) and `/ready` 503 while the
//! disk is full; once space is freed, writes and readiness recover without a restart.
//!
//! Needs root (it mounts a tmpfs) and the server binary (`e2e::process::binary`, which Cargo
//! builds with the tests). It fails, never skips, when either is missing.

use e2e::process::ServerProcess;
use e2e::{Backend, PASSWORD};
use serde_json::json;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The mounted tmpfs: unmounted on drop, pass or fail (after the server on it has stopped:
/// declare it before the server).
struct Mount(PathBuf);

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
        let _ = std::fs::remove_dir(&self.0);
    }
}

/// Writes zeros into `path` until the file system refuses.
fn fill(path: &Path) {
    let mut f = std::fs::File::create(path).unwrap();
    let chunk = vec![0u8; 16 * 1024];
    while f.write_all(&chunk).is_ok() {}
    let _ = f.flush();
}

/// An organisation with a long name (so that writes need fresh pages).
fn organisation(i: usize) -> serde_json::Value {
    json!({"name": format!("Filler {i} {}", "x".repeat(180)), "kind": "sponsor"})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_answers_503_and_recovers_without_restart() {
    let work =
        std::env::temp_dir().join(format!("inclusio_disk_{}", uuid::Uuid::now_v7().simple()));
    let mount = work.join("disk");
    std::fs::create_dir_all(&mount).unwrap();
    let status = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=4m", "tmpfs"])
        .arg(&mount)
        .status()
        .expect("run mount");
    assert!(
        status.success(),
        "cannot mount a tmpfs at {} (root needed)",
        mount.display()
    );
    let _mount = Mount(mount.clone());
    let database = mount.join("inclusio.db").display().to_string();
    let mut server =
        ServerProcess::start(Backend::Sqlite, &[("INCLUSIO_SQLITE_PATH", &database)]).await;
    let app = server.app().await;
    let email = app.seed_user("admin", None).await;
    let cookie = app.login(&email, PASSWORD).await;
    assert_eq!(
        app.post_organisation(&cookie, &organisation(0))
            .await
            .status(),
        201
    );
    assert_eq!(app.get_ready().await.status(), 200);

    // Fill the disk, then write until the database refuses: 503, never 500.
    let filler = mount.join("filler");
    fill(&filler);
    let mut refused = None;
    for i in 1..=3000 {
        let r = app.post_organisation(&cookie, &organisation(i)).await;
        match r.status().as_u16() {
            201 => {}
            503 => {
                refused = Some(r);
                break;
            }
            other => panic!(
                "write {i} on a full disk answered {other}: {}",
                r.text().await.unwrap()
            ),
        }
    }
    let refused = refused.expect("no write was refused on a full disk");
    assert!(
        refused
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .is_some(),
        "a 503 without Retry-After"
    );
    let body: serde_json::Value = refused.json().await.unwrap();
    assert_eq!(body["error"]["code"], "storage_unavailable", "{body}");
    for i in 0..5 {
        let s = app
            .post_organisation(&cookie, &organisation(10_000 + i))
            .await
            .status();
        assert_eq!(s, 503, "write on a full disk");
    }
    let ready = app.get_ready().await;
    assert_eq!(ready.status(), 503);
    let body: serde_json::Value = ready.json().await.unwrap();
    assert_eq!(body["error"]["code"], "not_ready", "{body}");

    // Space freed: no restart, and every write succeeds again (each pooled connection in turn).
    std::fs::remove_file(&filler).unwrap();
    for i in 0..20 {
        let r = app
            .post_organisation(
                &cookie,
                &json!({"name": format!("After {i}"), "kind": "sponsor"}),
            )
            .await;
        assert_eq!(r.status(), 201, "write {i} after the disk was freed");
    }
    assert_eq!(app.get_ready().await.status(), 200);
    assert!(server.running(), "the server exited");
}
