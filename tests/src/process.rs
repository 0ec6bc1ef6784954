//! The real binary as a process: [`ServerProcess`] runs `server serve` (the test package's
//! copy of the binary, same entry point) on a fresh database, with its settings given as
//! environment variables as an operator gives them, records what it prints, and can be
//! killed with SIGKILL and started again on the same database. [`ServerProcess::app`] is a
//! [`TestApp`] pointed at it, so every endpoint method and fixture works against it.

use crate::{Backend, TestApp};
use platform::clock::Clock;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The binary's path: Cargo builds `inclusio-server` with the tests, next to the `deps`
/// folder holding the test executable.
pub fn binary() -> std::path::PathBuf {
    let exe = std::env::current_exe().expect("the test executable's path");
    let debug = exe
        .parent()
        .and_then(std::path::Path::parent)
        .expect("the target folder");
    let path = debug.join("inclusio-server");
    assert!(
        path.exists(),
        "{} is missing: cargo builds it with `cargo test -p e2e`",
        path.display()
    );
    path
}

/// A running `server serve`.
pub struct ServerProcess {
    child: Option<Child>,
    env: Vec<(String, String)>,
    output: Arc<Mutex<String>>,
    /// Where the process's emails are written (the `file` transport).
    pub mail_folder: std::path::PathBuf,
    port: u16,
}

impl ServerProcess {
    /// Starts the binary on a fresh database of `backend`, with `extra` environment
    /// variables on top of the test settings (development, a free port, file emails, no
    /// digest; a `DATABASE_URL` in `extra` points it at another database); returns once
    /// `/health` answers.
    pub async fn start(backend: Backend, extra: &[(&str, &str)]) -> ServerProcess {
        let settings = crate::fresh_settings(backend).await;
        let port = crate::mail::free_port();
        let mail_folder = std::env::temp_dir().join(format!(
            "inclusio-process-mail-{}",
            uuid::Uuid::now_v7().simple()
        ));
        let mut env: Vec<(String, String)> = vec![
            ("INCLUSIO_HTTP_PORT".into(), port.to_string()),
            ("INCLUSIO_EMAIL_TRANSPORT".into(), "file".into()),
            (
                "INCLUSIO_EMAIL_FOLDER".into(),
                mail_folder.display().to_string(),
            ),
            ("INCLUSIO_DIGEST_ENABLED".into(), "false".into()),
            ("RUST_LOG".into(), "info".into()),
        ];
        match &settings.database.url {
            Some(url) => env.push(("DATABASE_URL".into(), url.expose().clone())),
            None => env.push((
                "INCLUSIO_SQLITE_PATH".into(),
                settings.database.sqlite_path.display().to_string(),
            )),
        }
        for (k, v) in extra {
            env.retain(|(name, _)| name != k);
            env.push(((*k).into(), (*v).into()));
        }
        let mut process = ServerProcess {
            child: None,
            env,
            output: Arc::new(Mutex::new(String::new())),
            mail_folder,
            port,
        };
        process.restart().await;
        process
    }

    /// Starts the binary again (after [`ServerProcess::kill`]) on the same database and
    /// port; returns once `/health` answers.
    pub async fn restart(&mut self) {
        let mut command = Command::new(binary());
        command
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .arg("serve")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command.spawn().expect("start the server binary");
        for stream in [
            child
                .stdout
                .take()
                .map(|s| Box::new(s) as Box<dyn std::io::Read + Send>),
            child
                .stderr
                .take()
                .map(|s| Box::new(s) as Box<dyn std::io::Read + Send>),
        ]
        .into_iter()
        .flatten()
        {
            let output = Arc::clone(&self.output);
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    let mut out = output.lock().unwrap_or_else(|e| e.into_inner());
                    out.push_str(&line);
                    out.push('\n');
                }
            });
        }
        self.child = Some(child);
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(status) = self
                .child
                .as_mut()
                .and_then(|c| c.try_wait().ok().flatten())
            {
                panic!("the server exited ({status}): {}", self.output());
            }
            let health = client
                .get(format!("{}/health", self.address()))
                .send()
                .await;
            if health.is_ok_and(|r| r.status().is_success()) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "the server did not answer /health: {}",
                self.output()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn address(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Everything the process printed (standard output and error), since the first start.
    pub fn output(&self) -> String {
        self.output
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The process id, while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// Whether the process is still running.
    pub fn running(&mut self) -> bool {
        self.child
            .as_mut()
            .is_some_and(|c| matches!(c.try_wait(), Ok(None)))
    }

    /// Kills the process with SIGKILL (no shutdown, no flush) and waits for it.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// A [`TestApp`] on the process: its address, a connection to its database.
    pub async fn app(&self) -> TestApp {
        let mut settings = platform::config::Settings::load(None, &|name| {
            self.env
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        })
        .expect("the process's settings");
        settings.http.port = self.port;
        let db = platform::db::connect(&settings.database)
            .await
            .expect("connect to the process's database");
        TestApp {
            address: self.address(),
            db,
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
            settings,
            mailbox: None,
            clock: Clock::system(),
        }
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.mail_folder);
    }
}
