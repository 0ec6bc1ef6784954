//! A PostgreSQL server of a test's own (Debian's PostgreSQL 15 binaries, a fresh cluster in
//! a temporary folder, on a free port) that the test may stop and start: the shared cluster
//! other tests use is never restarted. It runs as the `postgres` system user, as PostgreSQL
//! refuses to run as root.

use std::path::PathBuf;
use std::process::Command;

/// Debian's PostgreSQL 15 binaries.
const BIN: &str = "/usr/lib/postgresql/15/bin";

/// A private PostgreSQL cluster; stopped and removed when dropped.
pub struct PrivatePostgres {
    dir: PathBuf,
    /// Its port on 127.0.0.1.
    pub port: u16,
}

/// Runs `command` as the `postgres` user from `/` (when root: PostgreSQL refuses to run as
/// root), else as the current user.
fn run_as_postgres(command: &str) -> std::io::Result<std::process::Output> {
    if nix_is_root() {
        Command::new("su")
            .current_dir("/")
            .args(["postgres", "-c", command])
            .output()
    } else {
        Command::new("sh").args(["-c", command]).output()
    }
}

/// [`run_as_postgres`], failing the test with its output unless it succeeds.
fn as_postgres(command: &str) {
    let out = run_as_postgres(command).unwrap_or_else(|e| panic!("{command}: {e}"));
    assert!(
        out.status.success(),
        "{command}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn nix_is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .and_then(|l| l.split_whitespace().nth(1).map(|u| u == "0"))
        })
        .unwrap_or(false)
}

impl PrivatePostgres {
    /// Creates and starts a cluster (trust authentication on 127.0.0.1, user `postgres`).
    pub fn start() -> PrivatePostgres {
        assert!(
            std::path::Path::new(BIN).join("initdb").exists(),
            "PostgreSQL 15 is needed at {BIN} (scripts/test.sh installs it)"
        );
        let dir =
            std::env::temp_dir().join(format!("inclusio-pg-{}", uuid::Uuid::now_v7().simple()));
        std::fs::create_dir_all(&dir).expect("cluster folder");
        if nix_is_root() {
            let status = Command::new("chown")
                .args(["postgres:postgres", &dir.display().to_string()])
                .status()
                .expect("chown");
            assert!(status.success(), "chown the cluster folder");
        }
        let port = crate::mail::free_port();
        let d = dir.display();
        as_postgres(&format!(
            "{BIN}/initdb -D {d}/data -U postgres -A trust --no-sync >/dev/null"
        ));
        let pg = PrivatePostgres { dir, port };
        pg.start_again();
        pg
    }

    /// Starts the (stopped) cluster and waits until it accepts connections.
    pub fn start_again(&self) {
        let d = self.dir.display();
        as_postgres(&format!(
            "{BIN}/pg_ctl -D {d}/data -l {d}/log -w -t 60 -o \"-p {} -k {d} -c listen_addresses=127.0.0.1 -c fsync=off\" start >/dev/null",
            self.port
        ));
    }

    /// Stops the cluster at once (`-m immediate`: connections cut, as in a crash).
    pub fn stop(&self) {
        let d = self.dir.display();
        as_postgres(&format!(
            "{BIN}/pg_ctl -D {d}/data -m immediate -w stop >/dev/null"
        ));
    }

    /// The URL of database `name` (created by [`PrivatePostgres::create_database`]).
    pub fn url(&self, name: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{name}", self.port)
    }

    /// Creates database `name`.
    pub fn create_database(&self, name: &str) {
        as_postgres(&format!(
            "psql -h 127.0.0.1 -p {} -U postgres -q -c 'CREATE DATABASE {name}'",
            self.port
        ));
    }
}

impl Drop for PrivatePostgres {
    fn drop(&mut self) {
        let d = self.dir.display();
        let _ = run_as_postgres(&format!(
            "{BIN}/pg_ctl -D {d}/data -m immediate stop >/dev/null 2>&1"
        ));
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
