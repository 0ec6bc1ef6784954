//! Benchmark (ignored by default): `GET /trials/{id}/dashboard` (as an administrator and as
//! the sponsor, whose view suppresses small counts) and `GET /trials/{id}/dashboard.csv`
//! with 100,000 plugin events and 5,000 referrals, on SQLite and PostgreSQL; prints where
//! the time goes and p50 and p95 over 30 requests each.
//! `cargo test --release -p e2e --test e2e -- --ignored --nocapture dashboard_bench::`

use chrono::{Duration, Utc};
use e2e::Backend;
use e2e::flow::ok;
use e2e::funnel_seed::{self, Event, Referral};
use reqwest::Method;
use sea_orm::EntityTrait;
use serde_json::json;
use std::time::Instant;
use uuid::Uuid;

const EVENTS: usize = 100_000;
const REFERRALS: usize = 5_000;
const PRACTICES: usize = 50;
const REQUESTS: usize = 30;

async fn bench(backend: Backend) {
    let app = e2e::spawn_app(backend).await;
    let admin = app.logged_in("admin").await;
    let org = app.seed_organisation("Bench Pharma", "sponsor").await;
    let sponsor = app.logged_in_at("sponsor", Some(org)).await;
    let t = ok(app.post_trial(&sponsor, &json!({"definition": e2e::example_trial("diabetes-t2-hba1c"), "target_enrolment": 4000})).await).await;
    let trial: Uuid = t["id"].as_str().unwrap().parse().unwrap();
    let mut sites = Vec::new();
    for name in ["CHU A", "CHU B"] {
        let s = ok(app
            .post_site(
                &sponsor,
                &trial,
                &json!({"name": name, "address": "1 rue de l'Hôpital"}),
            )
            .await)
        .await;
        sites.push(s["id"].as_str().unwrap().parse::<Uuid>().unwrap());
    }
    let mut practices = Vec::new();
    for i in 0..PRACTICES {
        practices.push(
            app.seed_organisation(&format!("Cabinet {i}"), "practice")
                .await,
        );
    }
    let start = Utc::now() - Duration::weeks(26);
    let seeding = Instant::now();
    let patients: Vec<String> = (0..EVENTS / 2).map(|i| format!("{i:064x}")).collect();
    let responses = ["accepted", "not_now", "declined", "shown"];
    let rows = (0..EVENTS)
        .map(|i| {
            let answer = i % 2 == 1;
            funnel_seed::event(&Event {
                trial,
                practice: practices[(i / 2) % PRACTICES],
                patient: &patients[i / 2],
                response: if answer {
                    responses[(i / 2) % 4]
                } else {
                    "shown"
                },
                reason: (answer && (i / 2) % 4 == 2).then_some("not_interested"),
                at: start + Duration::minutes(i as i64 * 2),
            })
        })
        .collect();
    funnel_seed::events(&app.db, rows).await;
    let paths: Vec<funnel_seed::Steps> = (0..REFERRALS)
        .map(|i| {
            let at = start + Duration::minutes(i as i64 * 50);
            let day = |d: i64| at + Duration::days(d);
            match i % 5 {
                0 => vec![],
                1 => vec![("contacted", None, day(2))],
                2 => vec![
                    ("contacted", None, day(2)),
                    ("screening", None, day(5)),
                    ("screen_failed", Some("not_meeting_criteria"), day(9)),
                ],
                _ => vec![
                    ("contacted", None, day(1)),
                    ("screening", None, day(4)),
                    ("enrolled", None, day(12)),
                ],
            }
        })
        .collect();
    funnel_seed::referrals(
        &app.db,
        paths
            .iter()
            .enumerate()
            .map(|(i, path)| Referral {
                trial,
                site: sites[i % 2],
                practice: practices[i % PRACTICES],
                at: start + Duration::minutes(i as i64 * 50),
                path,
            })
            .collect(),
    )
    .await;
    let seeded = seeding.elapsed();
    // Where the time goes: the tallies, every row, the computation.
    let t0 = Instant::now();
    let answers = server::dashboard::tally::answers(&app.db, trial)
        .await
        .unwrap();
    let grouped = t0.elapsed();
    let model = platform::entities::trial::Entity::find_by_id(trial)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let t0 = Instant::now();
    let (input, _) = server::dashboard::load(&app.db, &model).await.unwrap();
    let loaded = t0.elapsed();
    let t0 = Instant::now();
    let f = server::dashboard::funnel::compute(&input, Utc::now().date_naive());
    let computed = t0.elapsed();
    println!(
        "dashboard {backend:?}: {} answer groups in {:.1} ms; every row in {:.1} ms; computed in {:.1} ms ({} shown)",
        answers.len(),
        grouped.as_secs_f64() * 1000.0,
        loaded.as_secs_f64() * 1000.0,
        computed.as_secs_f64() * 1000.0,
        f.total.0[0]
    );
    let page = format!("/trials/{trial}/dashboard");
    let csv = format!("/trials/{trial}/dashboard.csv");
    for (who, cookie, path) in [
        ("admin page", &admin, &page),
        ("sponsor page (small counts suppressed)", &sponsor, &page),
        ("admin CSV", &admin, &csv),
    ] {
        let warm = app.as_user(Method::GET, path, cookie).send().await.unwrap();
        assert_eq!(warm.status(), 200);
        let mut times = Vec::new();
        for _ in 0..REQUESTS {
            let t0 = Instant::now();
            let r = app.as_user(Method::GET, path, cookie).send().await.unwrap();
            assert_eq!(r.status(), 200);
            r.bytes().await.unwrap();
            times.push(t0.elapsed().as_secs_f64() * 1000.0);
        }
        times.sort_by(f64::total_cmp);
        let p = |q: f64| times[((times.len() as f64 * q).ceil() as usize).saturating_sub(1)];
        println!(
            "dashboard {backend:?}: {EVENTS} events, {REFERRALS} referrals (seeded in {:.1} s): \
             {who}: p50 {:.1} ms, p95 {:.1} ms over {REQUESTS} requests",
            seeded.as_secs_f64(),
            p(0.5),
            p(0.95)
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "benchmark: run with --ignored --nocapture"]
async fn dashboard_sqlite() {
    bench(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "benchmark: run with --ignored --nocapture"]
async fn dashboard_postgres() {
    bench(Backend::Postgres).await;
}
