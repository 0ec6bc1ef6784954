//! The dashboard reads plugin events as tallies: groups of patients kept by the server as
//! events arrive (`tally::record`), and filled in SQL from the stored events by the migration
//! that created them (`migrations::alert_tallies_backfill`). On SQLite and PostgreSQL both
//! equal the groups of the Rust definition (`answers::group`) for a pseudo-random set of
//! events, recorded out of order, with the awkward cases written in: several declines of one
//! patient (the last reason), declines at the same instant, no reason, one pseudonym in two
//! practices, events a microsecond either side of midnight between Sunday and Monday (UTC),
//! and events of another trial, which must not count.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use e2e::funnel_seed::{self, Event};
use e2e::{TestApp, both};
use sea_orm::{ConnectionTrait, TransactionTrait};
use serde_json::json;
use server::dashboard::{answers, funnel, tally};
use uuid::Uuid;

/// A small deterministic generator (64-bit LCG), so a failure can be replayed.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n
    }
}

async fn trial(app: &TestApp, sponsor: &str, example: &str) -> Uuid {
    let body = json!({"definition": e2e::example_trial(example)});
    e2e::flow::create_trial(app, sponsor, body)
        .await
        .parse()
        .unwrap()
}

/// A Sunday, 2026-03-01, at midnight UTC minus `before` microseconds.
fn midnight_before_monday(micros: i64) -> DateTime<Utc> {
    NaiveDate::from_ymd_opt(2026, 3, 2)
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap()
        .and_utc()
        - Duration::microseconds(micros)
}

struct Row {
    practice: Uuid,
    patient: String,
    response: &'static str,
    reason: Option<&'static str>,
    at: DateTime<Utc>,
}

both!(grouped_in_sql_as_in_rust, |app: TestApp| async move {
    let org = app.seed_organisation("Grouping Pharma", "sponsor").await;
    let sponsor = app.logged_in_at("sponsor", Some(org)).await;
    let t = trial(&app, &sponsor, "diabetes-t2-hba1c").await;
    let other = trial(&app, &sponsor, "hypertension-uncontrolled").await;
    let mut practices = Vec::new();
    for i in 0..3 {
        practices.push(
            app.seed_organisation(&format!("Cabinet {i}"), "practice")
                .await,
        );
    }
    let responses = ["shown", "accepted", "not_now", "declined"];
    let reasons = [
        None,
        Some("not_interested"),
        Some("too_busy"),
        Some("other"),
    ];
    let start = midnight_before_monday(0) - Duration::days(30);
    let mut g = Lcg(7);
    let mut rows: Vec<Row> = (0..3000)
        .map(|_| Row {
            practice: practices[g.below(3) as usize],
            patient: format!("{:064x}", g.below(400)),
            response: responses[g.below(4) as usize],
            reason: reasons[g.below(4) as usize],
            at: start
                + Duration::minutes(g.below(60 * 24 * 60) as i64)
                + Duration::microseconds(g.below(1_000_000) as i64),
        })
        .map(|r| Row {
            reason: if r.response == "declined" {
                r.reason
            } else {
                None
            },
            ..r
        })
        .collect();
    let p0 = practices[0];
    let mut add = |patient: &str, response, reason, at| {
        rows.push(Row {
            practice: p0,
            patient: patient.into(),
            response,
            reason,
            at,
        })
    };
    // Shown on Sunday a microsecond before midnight, answered on Monday at midnight.
    add("edge-a", "shown", None, midnight_before_monday(1));
    add(
        "edge-a",
        "declined",
        Some("too_busy"),
        midnight_before_monday(0),
    );
    // First shown at Monday midnight exactly.
    add("edge-b", "shown", None, midnight_before_monday(0));
    // Two declines at one instant: the greater reason; a later one without reason wins.
    add(
        "edge-c",
        "declined",
        Some("other"),
        midnight_before_monday(5),
    );
    add(
        "edge-c",
        "declined",
        Some("too_busy"),
        midnight_before_monday(5),
    );
    add(
        "edge-d",
        "declined",
        Some("too_busy"),
        midnight_before_monday(9),
    );
    add(
        "edge-d",
        "declined",
        Some("other"),
        midnight_before_monday(9),
    );
    add(
        "edge-e",
        "declined",
        Some("other"),
        midnight_before_monday(9),
    );
    add("edge-e", "declined", None, midnight_before_monday(8));
    // Accepted after declining: proposed.
    add(
        "edge-f",
        "declined",
        Some("other"),
        midnight_before_monday(100),
    );
    add("edge-f", "accepted", None, midnight_before_monday(-100));
    // The same pseudonym in another practice is another patient.
    rows.push(Row {
        practice: practices[1],
        patient: "edge-f".into(),
        response: "not_now",
        reason: None,
        at: midnight_before_monday(3),
    });

    let mut models: Vec<_> = rows
        .iter()
        .map(|r| {
            funnel_seed::event(&Event {
                trial: t,
                practice: r.practice,
                patient: &r.patient,
                response: r.response,
                reason: r.reason,
                at: r.at,
            })
        })
        .collect();
    // Another trial's events do not count.
    models.extend(rows.iter().take(200).map(|r| {
        funnel_seed::event(&Event {
            trial: other,
            practice: r.practice,
            patient: &r.patient,
            response: "accepted",
            reason: None,
            at: r.at,
        })
    }));
    funnel_seed::events_untallied(&app.db, models).await;

    let events: Vec<funnel::Event> = rows
        .iter()
        .map(|r| funnel::Event {
            practice: r.practice,
            patient: r.patient.clone(),
            response: r.response.into(),
            reason: r.reason.map(Into::into),
            at: r.at,
        })
        .collect();
    let expected = answers::group(&events);
    // Nothing is counted until the tallies are computed.
    assert!(tally::answers(&app.db, t).await.unwrap().is_empty());

    // The migration's backfill, in SQL.
    funnel_seed::retally(&app.db).await;
    let got = tally::answers(&app.db, t).await.unwrap();
    assert_eq!(got, expected);

    // Counted one event at a time, in the order they were generated (not the time order),
    // a few events per transaction.
    for table in ["alert_answers", "alert_patients"] {
        app.db
            .execute_unprepared(&format!("DELETE FROM {table}"))
            .await
            .unwrap();
    }
    for chunk in rows.chunks(50) {
        let txn = app.db.begin().await.unwrap();
        for r in chunk {
            tally::record(
                &txn,
                &tally::NewEvent {
                    trial: t,
                    practice: r.practice,
                    patient: &r.patient,
                    response: r.response,
                    reason: r.reason,
                    at: r.at,
                },
            )
            .await
            .unwrap();
        }
        txn.commit().await.unwrap();
    }
    assert_eq!(tally::answers(&app.db, t).await.unwrap(), expected);
    // The generator covered every kind of answer, and the edge weeks.
    let total: u32 = got.iter().map(|a| a.patients).sum();
    assert!(total > 1000, "{total} patients");
    for stage in [
        funnel::Stage::Proposed,
        funnel::Stage::NotNow,
        funnel::Stage::Declined,
    ] {
        assert!(
            got.iter()
                .any(|a| a.answer.as_ref().is_some_and(|x| x.stage == stage)),
            "{stage:?}"
        );
    }
    assert!(got.iter().any(|a| a.answer.is_none()));
    let monday = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
    let sunday_week = monday - Duration::days(7);
    assert!(got.iter().any(|a| {
        a.practice == p0
            && a.first_week == sunday_week
            && a.answer
                .as_ref()
                .is_some_and(|x| x.week == monday && x.reason.as_deref() == Some("too_busy"))
    }));
});
