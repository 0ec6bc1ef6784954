//! A full disk, end to end on the built `server` binary with its SQLite file on a small
//! tmpfs: writes answer 503 `storage_unavailable` (never 500) and `/ready` 503 while the
//! disk is full; once space is freed, writes and readiness recover without a restart.
//!
//! Needs root (it mounts a tmpfs) and the server binary (`e2e::process::binary`, which Cargo
//! builds with the tests). It fails, never skips, when either is missing.

use e2e::{PASSWORD, TestApp};
use platform::clock::Clock;
use serde_json::json;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The mounted tmpfs and the server running on it: both undone on drop, pass or fail.
struct Guard {
    mount: PathBuf,
    server: Option<Child>,
}

impl Drop for Guard {
    fn drop(&mut self) {
        if let Some(mut child) = self.server.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        let _ = Command::new("umount").arg(&self.mount).status();
        let _ = std::fs::remove_dir(&self.mount);
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
    let bin = e2e::process::binary();
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
    let mut guard = Guard {
        mount: mount.clone(),
        server: None,
    };

    // The database, migrated, with an administrator, before the server starts.
    let mut settings = e2e::fresh_settings(e2e::Backend::Sqlite).await;
    settings.database.sqlite_path = mount.join("inclusio.db");
    let db = platform::db::connect(&settings.database).await.unwrap();
    platform::db::migrate(&db).await.unwrap();
    let email = "admin@disk.example.org";
    platform::accounts::create_user(
        &db,
        &platform::audit::Actor::system(),
        platform::accounts::NewUser {
            email: email.into(),
            password: PASSWORD.into(),
            role: "admin".into(),
            organisation_id: None,
        },
    )
    .await
    .unwrap();
    db.close().await.unwrap();

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(&bin)
        .arg("serve")
        .current_dir(&work)
        .env_remove("DATABASE_URL")
        .env_remove("INCLUSIO_CONFIG")
        .env("INCLUSIO_SQLITE_PATH", mount.join("inclusio.db"))
        .env("INCLUSIO_HTTP_PORT", port.to_string())
        .env("INCLUSIO_EMAIL_TRANSPORT", "memory")
        .env("INCLUSIO_DIGEST_ENABLED", "false")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the server binary");
    guard.server = Some(child);

    let app = TestApp {
        address: format!("http://127.0.0.1:{port}"),
        db: platform::db::connect(&settings.database).await.unwrap(),
        client: reqwest::Client::new(),
        settings,
        mailbox: None,
        clock: Clock::system(),
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let up = app
            .client
            .get(format!("{}/health", app.address))
            .send()
            .await
            .is_ok_and(|r| r.status() == 200);
        if up {
            break;
        }
        assert!(Instant::now() < deadline, "the server did not start");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let cookie = app.login(email, PASSWORD).await;
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
            .post_organisation(&cookie, &organisation(1000 + i))
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
    assert!(
        guard.server.as_mut().unwrap().try_wait().unwrap().is_none(),
        "the server exited"
    );
    drop(app);
    drop(guard);
}
