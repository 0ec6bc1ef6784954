//! Logins under attack: parallel guesses cannot pass the per-account limit together (on SQLite
//! and PostgreSQL), one address cannot spray emails past its own limit, and a burst of 200
//! parallel logins against the real `server` binary keeps its memory bounded.

use e2e::process::ServerProcess;
use e2e::{Backend, PASSWORD, TestApp, both};
use reqwest::Method;
use serde_json::json;
use std::time::{Duration, Instant};

async fn attempt(client: reqwest::Client, address: String, email: String, password: String) -> u16 {
    client
        .post(format!("{address}/api/v1/auth/login"))
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .map_or(0, |r| r.status().as_u16())
}

/// Rows of `login_attempts` for `email`.
async fn recorded(app: &TestApp, email: &str) -> u64 {
    use platform::entities::login_attempt;
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    login_attempt::Entity::find()
        .filter(login_attempt::Column::Email.eq(email))
        .count(&app.db)
        .await
        .unwrap()
}

both!(
    parallel_guesses_cannot_pass_the_limit,
    |app: TestApp| async move {
        let email = app.seed_user("admin", None).await;
        // 40 wrong passwords at once.
        let mut wrong = tokio::task::JoinSet::new();
        for i in 0..40 {
            wrong.spawn(attempt(
                app.client.clone(),
                app.address.clone(),
                email.clone(),
                format!("wrong guess {i}"),
            ));
        }
        // The right one last: once the 40 have arrived (each attempt is recorded as it
        // arrives, before its password is checked), while they are still being checked.
        let deadline = Instant::now() + Duration::from_secs(60);
        while recorded(&app, &email).await < 40 {
            assert!(Instant::now() < deadline, "the 40 attempts never arrived");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let right = attempt(
            app.client.clone(),
            app.address.clone(),
            email.clone(),
            PASSWORD.into(),
        )
        .await;
        let statuses = wrong.join_all().await;
        assert_eq!(right, 429, "the right password after 40 guesses is refused");
        let checked = statuses.iter().filter(|&&s| s == 401).count();
        assert!(
            checked as u64 <= platform::auth::throttle::MAX_FAILURES,
            "{checked} of 40 parallel guesses had their password checked: {statuses:?}"
        );
        assert!(
            statuses.iter().all(|&s| s == 401 || s == 429),
            "{statuses:?}"
        );
        // And it stays refused.
        let r = app
            .request(Method::POST, "/api/v1/auth/login")
            .json(&json!({"email": email, "password": PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 429);
        assert!(r.headers().contains_key("retry-after"));
        let body: serde_json::Value = r.json().await.unwrap();
        assert_eq!(body["error"]["code"], "too_many_attempts");
    }
);

async fn spray(backend: Backend) {
    let app = e2e::spawn_app_with(backend, |s| s.auth.max_failures_per_address = 10).await;
    let email = app.seed_user("admin", None).await;
    // Ten unknown emails from one address, one attempt each: the per-email limit never bites.
    for i in 0..10 {
        let s = attempt(
            app.client.clone(),
            app.address.clone(),
            format!("nobody-{i}@example.org"),
            "guess".into(),
        )
        .await;
        assert_eq!(s, 401);
    }
    // The address has had its ten: a real account's right password waits too.
    let s = attempt(
        app.client.clone(),
        app.address.clone(),
        email.clone(),
        PASSWORD.into(),
    )
    .await;
    assert_eq!(s, 429, "the address is throttled");
}

mod one_address_cannot_spray_emails {
    use super::*;
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        spray(Backend::Sqlite).await;
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        spray(Backend::Postgres).await;
    }
}

/// The resident memory of process `pid`, in MiB.
fn rss_mib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .unwrap()
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .unwrap();
    kb / 1024
}

/// The bound on the server's resident memory during 200 parallel logins, in MiB. Without a
/// bound on concurrent hashes (19 MiB each), 50 parallel attempts took it from 198 to 996 MB.
const RSS_BOUND_MIB: u64 = 400;

/// 200 parallel logins (unknown emails and a real one, wrong passwords) against the real
/// binary on a fresh SQLite file, the per-address limit lifted so that every attempt asks
/// for a password check: the hashes wait for their turn (or are answered 503), and the
/// process stays under [`RSS_BOUND_MIB`].
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_logins_keeps_memory_bounded() {
    let server = ServerProcess::start(
        Backend::Sqlite,
        &[
            ("INCLUSIO_AUTH_MAX_FAILURES_PER_ADDRESS", "100000"),
            ("RUST_LOG", "warn"),
        ],
    )
    .await;
    let pid = server.pid().expect("the server runs");
    let address = server.address();
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    let before = rss_mib(pid);

    let mut logins = tokio::task::JoinSet::new();
    for i in 0..200 {
        logins.spawn(attempt(
            client.clone(),
            address.clone(),
            format!("user-{i}@example.org"),
            format!("guess {i}"),
        ));
    }
    // Sample the memory while they run.
    let mut peak = before;
    while !logins.is_empty() {
        peak = peak.max(rss_mib(pid));
        tokio::select! {
            _ = logins.join_next() => {}
            () = tokio::time::sleep(Duration::from_millis(10)) => {}
        }
    }
    peak = peak.max(rss_mib(pid));
    eprintln!("server RSS: {before} MiB at rest, {peak} MiB at the peak of 200 parallel logins");
    assert!(
        peak < RSS_BOUND_MIB,
        "the server grew to {peak} MiB (from {before} MiB) under 200 parallel logins"
    );
}
