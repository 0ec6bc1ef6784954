//! Recruitment dashboards end to end, on SQLite and PostgreSQL: a scenario seeded through
//! the entities (three practices, two sites, several weeks) gives exactly the expected funnel
//! in the CSV (totals, per site and practice, conversion, screen failures, medians,
//! projection); a sponsor sees small counts as `<5` and cannot recover them by subtraction;
//! a coordinator of another trial gets 404, a GP 403; admins see every trial, the outbox
//! and the audit chain.

use chrono::{Datelike, Duration, NaiveDate, Utc};
use e2e::funnel_seed::{self, Event, Referral};
use e2e::{TestApp, both, flow};
use reqwest::Method;
use std::collections::HashMap;
use uuid::Uuid;

/// A site (no coordinates) with a logged-in coordinator: (site id, cookie).
async fn site(app: &TestApp, sponsor: &str, trial: &str, name: &str) -> (Uuid, String) {
    let s = flow::site(app, sponsor, trial, name, None).await;
    (s.id.parse().unwrap(), s.cookie)
}

struct Fx {
    trial: String,
    admin: String,
    sponsor: String,
    other_sponsor: String,
    coordinator_a: String,
    coordinator_other: String,
    gp: String,
}

fn today() -> NaiveDate {
    Utc::now().date_naive()
}

/// Five weeks before this week's Monday, 09:00 UTC, plus `days`.
fn at(days: i64) -> chrono::DateTime<Utc> {
    let t = today();
    let monday = t - Duration::days(i64::from(t.weekday().num_days_from_monday()));
    (monday - Duration::weeks(5) + Duration::days(days))
        .and_hms_opt(9, 0, 0)
        .unwrap()
        .and_utc()
}

/// Practices P1 (10 patients shown: 6 accepted, 1 not now, 1 declined "not_interested"),
/// P2 (6 shown, all answered: 3 accepted, 2 not now, 1 declined "too_busy"), P3 (2 shown).
/// Referrals from day 7 (the next week): site A (from P1) r1, r2 enrolled, r3 screen failed,
/// r4 contacted, r5 referred; site B (from P2) r6 enrolled, r7 withdrawn. Contact after 1,
/// 2, 3, 4 and 5 days; enrolment after 10, 14 and 20 days.
async fn fixture(app: &TestApp) -> Fx {
    let (admin, sponsor) = flow::admin_and_sponsor(app).await;
    let other_sponsor = app.logged_in("sponsor").await;
    let trial = flow::recruiting_trial(app, &admin, &sponsor, "diabetes-t2-hba1c", 10).await;
    let (site_a, coordinator_a) = site(app, &sponsor, &trial, "CHU A").await;
    let (site_b, _) = site(app, &sponsor, &trial, "CHU B").await;
    let other_trial =
        flow::recruiting_trial(app, &admin, &sponsor, "hypertension-uncontrolled", 10).await;
    let (_, coordinator_other) = site(app, &sponsor, &other_trial, "CHU Other").await;
    let gp = app.logged_in("gp").await;
    let p1 = app.seed_organisation("Cabinet Un", "practice").await;
    let p2 = app.seed_organisation("Cabinet Deux", "practice").await;
    let p3 = app.seed_organisation("Cabinet Trois", "practice").await;
    let t: Uuid = trial.parse().unwrap();

    let mut rows = Vec::new();
    let names: Vec<String> = (0..20).map(|i| format!("{i:064x}")).collect();
    let mut add =
        |practice: Uuid, patient: &str, response: &str, reason: Option<&str>, day: i64| {
            rows.push(funnel_seed::event(&Event {
                trial: t,
                practice,
                patient,
                response,
                reason,
                at: at(day),
            }));
        };
    for (i, name) in names.iter().take(10).enumerate() {
        add(p1, name, "shown", None, 0);
        match i {
            0..=5 => add(p1, name, "accepted", None, 1),
            6 => add(p1, name, "not_now", None, 1),
            7 => add(p1, name, "declined", Some("not_interested"), 2),
            _ => {}
        }
    }
    for (i, name) in names.iter().take(6).enumerate() {
        add(p2, name, "shown", None, 1);
        match i {
            0..=2 => add(p2, name, "accepted", None, 2),
            3 | 4 => add(p2, name, "not_now", None, 2),
            _ => add(p2, name, "declined", Some("too_busy"), 3),
        }
    }
    for name in names.iter().take(2) {
        add(p3, name, "shown", None, 2);
    }
    funnel_seed::events(&app.db, rows).await;

    let r = |d: i64| at(7 + d);
    let nmc = Some("not_meeting_criteria");
    let paths: Vec<(Uuid, Uuid, funnel_seed::Steps)> = vec![
        (
            site_a,
            p1,
            vec![
                ("contacted", None, r(1)),
                ("screening", None, r(5)),
                ("enrolled", None, r(10)),
            ],
        ),
        (
            site_a,
            p1,
            vec![
                ("contacted", None, r(2)),
                ("screening", None, r(6)),
                ("enrolled", None, r(14)),
            ],
        ),
        (
            site_a,
            p1,
            vec![
                ("contacted", None, r(3)),
                ("screening", None, r(7)),
                ("screen_failed", nmc, r(8)),
            ],
        ),
        (site_a, p1, vec![("contacted", None, r(4))]),
        (site_a, p1, vec![]),
        (
            site_b,
            p2,
            vec![
                ("contacted", None, r(5)),
                ("screening", None, r(9)),
                ("enrolled", None, r(20)),
            ],
        ),
        (site_b, p2, vec![("withdrawn", Some("other"), r(2))]),
    ];
    funnel_seed::referrals(
        &app.db,
        paths
            .iter()
            .map(|(site, practice, path)| Referral {
                trial: t,
                site: *site,
                practice: *practice,
                at: r(0),
                path,
            })
            .collect(),
    )
    .await;
    Fx {
        trial,
        admin,
        sponsor,
        other_sponsor,
        coordinator_a,
        coordinator_other,
        gp,
    }
}

/// `(section, group, measure) → value` of a dashboard CSV.
async fn csv(app: &TestApp, fx: &Fx, cookie: &str) -> HashMap<(String, String, String), String> {
    let r = app
        .as_user(
            Method::GET,
            &format!("/trials/{}/dashboard.csv", fx.trial),
            cookie,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let text = r.text().await.unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("section,group,measure,value"));
    lines
        .map(|l| {
            let f: Vec<&str> = l.splitn(4, ',').collect();
            (
                (f[0].to_string(), f[1].to_string(), f[2].to_string()),
                f[3].to_string(),
            )
        })
        .collect()
}

fn get<'a>(m: &'a HashMap<(String, String, String), String>, s: &str, g: &str, k: &str) -> &'a str {
    m.get(&(s.into(), g.into(), k.into()))
        .unwrap_or_else(|| panic!("no {s},{g},{k}"))
}

const TOTALS: [(&str, &str); 13] = [
    ("shown", "18"),
    ("answered", "14"),
    ("proposed", "9"),
    ("not_now", "3"),
    ("declined", "2"),
    ("consented", "7"),
    ("referred", "7"),
    ("contacted", "5"),
    ("screening", "4"),
    ("enrolled", "3"),
    ("screen_failed", "1"),
    ("site_declined", "0"),
    ("withdrawn", "1"),
];

both!(funnel_figures_are_exact, |app: TestApp| async move {
    let fx = fixture(&app).await;
    let m = csv(&app, &fx, &fx.coordinator_a).await;
    for (stage, n) in TOTALS {
        assert_eq!(get(&m, "total", "", stage), n, "total {stage}");
    }
    for (stage, a, b) in [
        ("consented", "5", "2"),
        ("referred", "5", "2"),
        ("contacted", "4", "1"),
        ("screening", "3", "1"),
        ("enrolled", "2", "1"),
        ("screen_failed", "1", "0"),
        ("withdrawn", "0", "1"),
    ] {
        assert_eq!(get(&m, "site", "CHU A", stage), a, "site A {stage}");
        assert_eq!(get(&m, "site", "CHU B", stage), b, "site B {stage}");
    }
    for (practice, shown, answered, proposed) in [
        ("Cabinet Un", "10", "8", "6"),
        ("Cabinet Deux", "6", "6", "3"),
        ("Cabinet Trois", "2", "0", "0"),
    ] {
        assert_eq!(get(&m, "practice", practice, "shown"), shown);
        assert_eq!(get(&m, "practice", practice, "answered"), answered);
        assert_eq!(get(&m, "practice", practice, "proposed"), proposed);
    }
    // Every patient was first shown in the first week; referrals came the week after.
    let first = {
        let w = at(0).date_naive().iso_week();
        format!("{}-W{:02}", w.year(), w.week())
    };
    let second = {
        let w = at(7).date_naive().iso_week();
        format!("{}-W{:02}", w.year(), w.week())
    };
    assert_eq!(get(&m, "week", &first, "shown"), "18");
    assert_eq!(get(&m, "week", &first, "referred"), "0");
    assert_eq!(get(&m, "week", &second, "referred"), "7");
    assert_eq!(get(&m, "week", &second, "consented"), "7");
    assert_eq!(get(&m, "conversion", "", "shown_to_answered"), "0.7778");
    assert_eq!(get(&m, "conversion", "", "screening_to_enrolled"), "0.7500");
    assert_eq!(get(&m, "decline_reason", "not_interested", "declined"), "1");
    assert_eq!(get(&m, "decline_reason", "too_busy", "declined"), "1");
    assert_eq!(
        get(
            &m,
            "screen_fail_reason",
            "not_meeting_criteria",
            "screen_failed"
        ),
        "1"
    );
    assert_eq!(get(&m, "screening", "", "screened"), "4");
    assert_eq!(get(&m, "screening", "", "screen_fail_rate"), "0.2500");
    assert_eq!(get(&m, "timing", "", "median_days_to_contact"), "3.0");
    assert_eq!(get(&m, "timing", "", "median_days_to_enrolment"), "14.0");
    assert_eq!(get(&m, "enrolment", "", "target"), "10");
    // 7 to go at 3 per 8 weeks: ⌈7 × 56 / 3⌉ = 131 days.
    assert_eq!(
        get(&m, "enrolment", "", "projected_completion"),
        (today() + Duration::days(131))
            .format("%Y-%m-%d")
            .to_string()
    );

    // The page: the SVG charts with their titles, and the same figures in tables.
    let r = app
        .as_user(
            Method::GET,
            &format!("/trials/{}/dashboard", fx.trial),
            &fx.coordinator_a,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("<svg") && html.contains("id=\"funnel-chart-title\""));
    assert!(html.contains("class=\"target\""), "the target line");
    assert!(html.contains("<table class=\"data\" id=\"funnel\">"));
    assert!(!html.contains("<script"));
    assert!(!html.contains("&lt;5"), "a coordinator sees exact counts");

    // The coordinators' list links to the dashboard (r5 is still referred there).
    let list = app
        .as_user(Method::GET, "/coordinator", &fx.coordinator_a)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(list.contains(&format!("/trials/{}/dashboard", fx.trial)));
});

/// Non-numeric cells among a total and its parts: never exactly one.
fn no_lone_hidden(m: &HashMap<(String, String, String), String>, section: &str, stage: &str) {
    let hidden = |v: &str| v.parse::<u32>().is_err();
    let mut n = usize::from(hidden(get(m, "total", "", stage)));
    for ((s, _, k), v) in m {
        if s == section && k == stage {
            n += usize::from(hidden(v));
        }
    }
    assert_ne!(
        n, 1,
        "{section} {stage}: one hidden figure could be recovered"
    );
}

both!(
    sponsors_see_suppressed_aggregates,
    |app: TestApp| async move {
        let fx = fixture(&app).await;
        let m = csv(&app, &fx, &fx.sponsor).await;
        // No count from 1 to 4 anywhere.
        for ((s, g, k), v) in &m {
            if let Ok(n) = v.parse::<u32>()
                && !matches!(s.as_str(), "conversion" | "timing")
                && k != "target"
            {
                assert!(!(1..5).contains(&n), "{s},{g},{k} = {n}");
            }
        }
        assert_eq!(get(&m, "total", "", "shown"), "18");
        assert_eq!(get(&m, "total", "", "not_now"), "<5");
        assert_eq!(get(&m, "total", "", "enrolled"), "<5");
        // Site B's 2 consents are <5; site A's 5 hides with them (7 − 5 would give 2).
        assert_eq!(get(&m, "site", "CHU B", "consented"), "<5");
        assert_eq!(get(&m, "site", "CHU A", "consented"), "–");
        for stage in [
            "consented",
            "referred",
            "contacted",
            "enrolled",
            "withdrawn",
        ] {
            no_lone_hidden(&m, "site", stage);
        }
        for stage in [
            "shown",
            "answered",
            "proposed",
            "not_now",
            "declined",
            "consented",
        ] {
            no_lone_hidden(&m, "practice", stage);
            no_lone_hidden(&m, "week", stage);
        }
        // Medians over fewer than 5 referrals and a projection from 3 enrolments: not shown.
        assert_eq!(get(&m, "timing", "", "median_days_to_enrolment"), "");
        assert_eq!(
            get(&m, "enrolment", "", "projected_completion"),
            "suppressed"
        );
        let html = app
            .as_user(
                Method::GET,
                &format!("/trials/{}/dashboard", fx.trial),
                &fx.sponsor,
            )
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(html.contains("id=\"suppression-note\""));
        assert!(html.contains("&lt;5"));
        // The sponsor home links to it.
        let home = app
            .as_user(Method::GET, "/sponsor", &fx.sponsor)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(home.contains(&format!("/trials/{}/dashboard", fx.trial)));
    }
);

both!(who_may_see_a_dashboard, |app: TestApp| async move {
    let fx = fixture(&app).await;
    for path in [
        format!("/trials/{}/dashboard", fx.trial),
        format!("/trials/{}/dashboard.csv", fx.trial),
    ] {
        for (who, cookie, status) in [
            ("other coordinator", &fx.coordinator_other, 404),
            ("other sponsor", &fx.other_sponsor, 404),
            ("gp", &fx.gp, 403),
            ("admin", &fx.admin, 200),
        ] {
            let r = app
                .as_user(Method::GET, &path, cookie)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), status, "{who} {path}");
        }
        let r = app.get(&path).await;
        assert_eq!(r.status(), 303, "anonymous {path}");
    }
    let r = app
        .as_user(Method::GET, "/trials/not-a-uuid/dashboard", &fx.admin)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);

    // The administrators' dashboard: every trial, the outbox, the audit chain.
    let r = app
        .as_user(Method::GET, "/admin/dashboard", &fx.admin)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains(&format!("id=\"trial-{}\"", fx.trial)));
    assert!(html.contains("id=\"outbox-pending\""));
    assert!(
        html.contains("id=\"audit-state\">Intact") || html.contains("id=\"audit-state\">Intacte")
    );
    for cookie in [&fx.sponsor, &fx.coordinator_a, &fx.gp] {
        let r = app
            .as_user(Method::GET, "/admin/dashboard", cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403);
    }
});
