//! Demo data: seeding is idempotent (one API key, unless another is asked for), every
//! example trial recruits and reaches the plugin bundle with the printed key, the demo
//! accounts log in, the audit chain holds, and production refuses demo data.

use e2e::{TestApp, both};
use platform::config::Environment;
use platform::entities::{
    audit_log, consent_document, organisation, practice_api_key, site, site_coordinator, trial,
    trial_version, user,
};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter};
use server::demo::{self, ApiKey};
use std::path::PathBuf;

fn trials_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../trials/examples/trials")
}

fn example_count() -> usize {
    std::fs::read_dir(trials_dir())
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "json")
        })
        .count()
}

/// Rows per table: organisations, users, trials, versions, sites, coordinators, consent
/// documents, API keys, audit rows.
async fn counts(db: &DatabaseConnection) -> [u64; 9] {
    [
        organisation::Entity::find().count(db).await.unwrap(),
        user::Entity::find().count(db).await.unwrap(),
        trial::Entity::find().count(db).await.unwrap(),
        trial_version::Entity::find().count(db).await.unwrap(),
        site::Entity::find().count(db).await.unwrap(),
        site_coordinator::Entity::find().count(db).await.unwrap(),
        consent_document::Entity::find().count(db).await.unwrap(),
        practice_api_key::Entity::find().count(db).await.unwrap(),
        audit_log::Entity::find().count(db).await.unwrap(),
    ]
}

both!(
    seeding_twice_changes_nothing_and_serves_the_bundle,
    |app: TestApp| async move {
        let n = example_count();
        assert!(n >= 10, "the example trials are missing");
        let first = demo::seed(&app.db, &app.settings, &trials_dir(), false)
            .await
            .unwrap();
        let ApiKey::Created(key) = first.api_key.clone() else {
            panic!("the first run creates the key")
        };
        let after_first = counts(&app.db).await;
        assert_eq!(
            after_first[..8],
            [
                3,
                4,
                n as u64,
                n as u64,
                n as u64,
                n as u64,
                2 * n as u64,
                1
            ]
        );

        let second = demo::seed(&app.db, &app.settings, &trials_dir(), false)
            .await
            .unwrap();
        assert!(
            matches!(second.api_key, ApiKey::Existing { .. }),
            "{:?}",
            second.api_key
        );
        assert!(!second.to_string().contains(&key), "the key is shown once");
        assert_eq!(second.trials, first.trials);
        assert_eq!(
            counts(&app.db).await,
            after_first,
            "a second run writes nothing"
        );

        let recruiting = trial::Entity::find()
            .filter(trial::Column::Status.eq("recruiting"))
            .count(&app.db)
            .await
            .unwrap();
        assert_eq!(recruiting, n as u64);

        let r = app.get_bundle(&key).await;
        assert_eq!(r.status(), 200);
        let bundle: serde_json::Value = r.json().await.unwrap();
        let mut ids: Vec<String> = bundle["trials"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["trial_id"].as_str().unwrap().to_string())
            .collect();
        ids.sort();
        assert_eq!(ids, first.trials);

        for c in demo::CREDENTIALS {
            app.login(c.email, c.password).await;
        }

        let verification = platform::audit::verify(&app.db).await.unwrap();
        assert!(verification.first_broken.is_none());
        assert_eq!(verification.rows, after_first[8]);

        let third = demo::seed(&app.db, &app.settings, &trials_dir(), true)
            .await
            .unwrap();
        assert!(matches!(third.api_key, ApiKey::Created(k) if k != key));
        assert_eq!(counts(&app.db).await[7], 2, "--new-key adds one key");
    }
);

both!(production_refuses_demo_data, |app: TestApp| async move {
    let mut settings = app.settings.clone();
    settings.environment = Environment::Production;
    let err = demo::seed(&app.db, &settings, &trials_dir(), false)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("production"), "{err}");
    assert_eq!(counts(&app.db).await, [0; 9], "nothing was written");
});
