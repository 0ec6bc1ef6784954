//! The hash-chained audit log on both databases: appends in transactions, verification,
//! and tampering of every kind it must reveal.

use e2e::{TestApp, both};
use platform::audit::hash::{Content, GENESIS, row_hash};
use platform::audit::{self, Actor, ActorKind, BreakReason, Broken};
use platform::entities::audit_log;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, TransactionTrait,
};
use serde_json::json;

/// Appends five varied rows in two transactions; returns their `seq`s in order.
async fn append_sample(db: &DatabaseConnection) -> Vec<i64> {
    let mut seqs = Vec::new();
    let txn = db.begin().await.unwrap();
    seqs.push(
        audit::append(
            &txn,
            &Actor::system(),
            "organisation.create",
            "organisation",
            "org-1",
            None,
            Some(&json!({"name": "Cabinet Médical Saint-Éloi", "kind": "practice"})),
        )
        .await
        .unwrap(),
    );
    seqs.push(
        audit::append(
            &txn,
            &Actor::user("user-ß-42"),
            "trial.update",
            "trial",
            "trial-αβγ",
            Some(&json!({"title": "Étude 🫀", "status": "draft", "n": 1.5})),
            Some(&json!({"status": "review", "title": "Étude 🫀 — v2", "n": 2})),
        )
        .await
        .unwrap(),
    );
    txn.commit().await.unwrap();
    let txn = db.begin().await.unwrap();
    for (i, actor) in [
        Actor::practice("practice-7"),
        Actor {
            kind: ActorKind::User,
            id: None,
        },
        Actor::system(),
    ]
    .iter()
    .enumerate()
    {
        seqs.push(
            audit::append(
                &txn,
                actor,
                "match.run",
                "patient_match",
                &format!("m-{i}"),
                Some(&json!({"nested": {"b": [1, {"d": null, "c": true}], "a": "x"}})),
                None,
            )
            .await
            .unwrap(),
        );
    }
    txn.commit().await.unwrap();
    seqs
}

async fn verify(app: &TestApp) -> audit::Verification {
    audit::verify(&app.db).await.unwrap()
}

async fn row(db: &DatabaseConnection, seq: i64) -> audit_log::Model {
    audit_log::Entity::find_by_id(seq)
        .one(db)
        .await
        .unwrap()
        .unwrap()
}

async fn set_after(db: &DatabaseConnection, seq: i64, after: &str) {
    audit_log::Entity::update_many()
        .col_expr(audit_log::Column::After, Expr::value(after))
        .filter(audit_log::Column::Seq.eq(seq))
        .exec(db)
        .await
        .unwrap();
}

both!(an_empty_log_is_intact, |app: TestApp| async move {
    let v = verify(&app).await;
    assert_eq!(v.rows, 0);
    assert_eq!(v.first_broken, None);
    assert!(v.is_intact());
});

both!(
    appended_rows_verify_and_read_back,
    |app: TestApp| async move {
        let seqs = append_sample(&app.db).await;
        assert_eq!(seqs.len(), 5);
        assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");
        let v = verify(&app).await;
        assert_eq!(v.rows, 5);
        assert!(v.is_intact(), "{v:?}");

        let rows = audit_log::Entity::find()
            .order_by_asc(audit_log::Column::Seq)
            .all(&app.db)
            .await
            .unwrap();
        assert_eq!(rows[0].prev_hash, GENESIS);
        for pair in rows.windows(2) {
            assert_eq!(pair[1].prev_hash, pair[0].hash);
        }
        // Stored as written: lowercase kinds, null ids, canonical JSON, microsecond times.
        let second = &rows[1];
        assert_eq!(second.actor_kind, "user");
        assert_eq!(second.actor_id.as_deref(), Some("user-ß-42"));
        assert_eq!(second.entity_id, "trial-αβγ");
        assert_eq!(
            second.before.as_deref(),
            Some(r#"{"n":1.5,"status":"draft","title":"Étude 🫀"}"#)
        );
        let after: serde_json::Value =
            serde_json::from_str(second.after.as_deref().unwrap()).unwrap();
        assert_eq!(
            after,
            json!({"status": "review", "title": "Étude 🫀 — v2", "n": 2})
        );
        assert_eq!(rows[0].before, None);
        assert_eq!(rows[0].actor_kind, "system");
        assert_eq!(rows[0].actor_id, None);
        assert_eq!(rows[2].actor_kind, "practice");
        assert_eq!(rows[3].actor_id, None);
        assert_eq!(
            rows[4].before.as_deref(),
            Some(r#"{"nested":{"a":"x","b":[1,{"c":true,"d":null}]}}"#)
        );
        assert_eq!(rows[4].after, None);
        for r in &rows {
            assert_eq!(r.at.timestamp_subsec_nanos() % 1_000, 0, "{:?}", r.at);
            assert_eq!(row_hash(&r.prev_hash, &Content::of(r)), r.hash);
        }
    }
);

both!(an_edited_row_is_found, |app: TestApp| async move {
    let seqs = append_sample(&app.db).await;
    set_after(&app.db, seqs[2], r#"{"status":"published"}"#).await;
    let v = verify(&app).await;
    assert_eq!(v.rows, 5);
    assert_eq!(
        v.first_broken,
        Some(Broken {
            seq: seqs[2],
            reason: BreakReason::ContentMismatch
        })
    );
    assert_eq!(
        BreakReason::ContentMismatch.to_string(),
        "hash does not match the row's content"
    );
});

both!(an_edited_actor_is_found, |app: TestApp| async move {
    let seqs = append_sample(&app.db).await;
    audit_log::Entity::update_many()
        .col_expr(audit_log::Column::ActorId, Expr::value("someone-else"))
        .filter(audit_log::Column::Seq.eq(seqs[3]))
        .exec(&app.db)
        .await
        .unwrap();
    let broken = verify(&app).await.first_broken.unwrap();
    assert_eq!(broken.seq, seqs[3]);
    assert_eq!(broken.reason, BreakReason::ContentMismatch);
});

both!(
    a_deleted_middle_row_breaks_the_next_link,
    |app: TestApp| async move {
        let seqs = append_sample(&app.db).await;
        audit_log::Entity::delete_by_id(seqs[2])
            .exec(&app.db)
            .await
            .unwrap();
        let v = verify(&app).await;
        assert_eq!(v.rows, 4);
        assert_eq!(
            v.first_broken,
            Some(Broken {
                seq: seqs[3],
                reason: BreakReason::PrevHashMismatch
            })
        );
        assert_eq!(
            BreakReason::PrevHashMismatch.to_string(),
            "prev_hash does not match the previous row"
        );
    }
);

both!(a_deleted_first_row_is_found, |app: TestApp| async move {
    let seqs = append_sample(&app.db).await;
    audit_log::Entity::delete_by_id(seqs[0])
        .exec(&app.db)
        .await
        .unwrap();
    let broken = verify(&app).await.first_broken.unwrap();
    assert_eq!(broken.seq, seqs[1]);
    assert_eq!(broken.reason, BreakReason::MissingBefore);
    assert_eq!(
        broken.reason.to_string(),
        "rows are missing before this one"
    );
});

both!(
    a_rehashed_row_breaks_the_link_of_the_next,
    |app: TestApp| async move {
        let seqs = append_sample(&app.db).await;
        // Rewrite row 2's content and give it the hash that content deserves.
        let mut forged = row(&app.db, seqs[1]).await;
        forged.after = Some(r#"{"status":"published"}"#.into());
        let hash = row_hash(&forged.prev_hash, &Content::of(&forged));
        assert_ne!(hash, forged.hash);
        audit_log::Entity::update_many()
            .col_expr(audit_log::Column::After, Expr::value(forged.after.clone()))
            .col_expr(audit_log::Column::Hash, Expr::value(hash))
            .filter(audit_log::Column::Seq.eq(seqs[1]))
            .exec(&app.db)
            .await
            .unwrap();
        let v = verify(&app).await;
        assert_eq!(
            v.first_broken,
            Some(Broken {
                seq: seqs[2],
                reason: BreakReason::PrevHashMismatch
            })
        );
    }
);

both!(
    a_rolled_back_append_leaves_no_row,
    |app: TestApp| async move {
        let seqs = append_sample(&app.db).await;
        let txn = app.db.begin().await.unwrap();
        let gone = audit::append(
            &txn,
            &Actor::user("u-1"),
            "trial.delete",
            "trial",
            "t-1",
            Some(&json!({"status": "draft"})),
            None,
        )
        .await
        .unwrap();
        txn.rollback().await.unwrap();
        assert!(
            audit_log::Entity::find_by_id(gone)
                .one(&app.db)
                .await
                .unwrap()
                .is_none()
        );
        let v = verify(&app).await;
        assert_eq!(v.rows, 5);
        assert!(v.is_intact(), "{v:?}");

        // The chain continues from the last committed row, across any gap in seq.
        let txn = app.db.begin().await.unwrap();
        let next = audit::append(&txn, &Actor::system(), "noop", "none", "-", None, None)
            .await
            .unwrap();
        txn.commit().await.unwrap();
        assert!(next > seqs[4]);
        assert_eq!(
            row(&app.db, next).await.prev_hash,
            row(&app.db, seqs[4]).await.hash
        );
        let v = verify(&app).await;
        assert_eq!(v.rows, 6);
        assert!(v.is_intact(), "{v:?}");
    }
);

both!(
    concurrent_appends_do_not_fork_the_chain,
    |app: TestApp| async move {
        let mut tasks = Vec::new();
        for writer in 0..6 {
            let db = app.db.clone();
            tasks.push(tokio::spawn(async move {
                for i in 0..5 {
                    let txn = db.begin().await.unwrap();
                    audit::append(
                        &txn,
                        &Actor::user(format!("writer-{writer}")),
                        "consent.sign",
                        "consent",
                        &format!("{writer}-{i}"),
                        None,
                        Some(&json!({"i": i})),
                    )
                    .await
                    .unwrap();
                    // Hold the chain a moment so that the writers really overlap.
                    tokio::time::sleep(std::time::Duration::from_millis(2)).await;
                    txn.commit().await.unwrap();
                }
            }));
        }
        for task in tasks {
            task.await.unwrap();
        }
        let v = verify(&app).await;
        assert_eq!(v.rows, 30);
        assert!(v.is_intact(), "{v:?}");
    }
);

both!(
    verification_pages_through_long_logs,
    |app: TestApp| async move {
        // More than two pages of 1,000 rows, appended in one transaction.
        let txn = app.db.begin().await.unwrap();
        let mut seqs = Vec::new();
        for i in 0..2_005 {
            seqs.push(
                audit::append(
                    &txn,
                    &Actor::system(),
                    "bulk",
                    "row",
                    &i.to_string(),
                    None,
                    None,
                )
                .await
                .unwrap(),
            );
        }
        txn.commit().await.unwrap();
        let v = verify(&app).await;
        assert_eq!(v.rows, 2_005);
        assert!(v.is_intact(), "{v:?}");
        // A break on the third page is found, and every row is still counted.
        set_after(&app.db, seqs[2_001], "{}").await;
        let v = verify(&app).await;
        assert_eq!(v.rows, 2_005);
        assert_eq!(
            v.first_broken,
            Some(Broken {
                seq: seqs[2_001],
                reason: BreakReason::ContentMismatch
            })
        );
    }
);

#[test]
fn the_verification_serialises_for_the_api() {
    let v = audit::Verification {
        rows: 3,
        first_broken: Some(Broken {
            seq: 2,
            reason: BreakReason::PrevHashMismatch,
        }),
    };
    assert_eq!(
        serde_json::to_value(&v).unwrap(),
        json!({"rows": 3, "first_broken": {"seq": 2, "reason": "prev_hash_mismatch"}})
    );
}

both!(
    the_checkpointed_check_verifies_new_rows_and_finds_their_edits,
    |app: TestApp| async move {
        let since = |app: &TestApp| {
            let db = app.db.clone();
            async move { audit::verify_since_checkpoint(&db).await.unwrap() }
        };
        let before = verify(&app).await.rows;
        // The first check verifies every row and sets the checkpoint.
        let first = since(&app).await;
        assert_eq!((first.rows, first.first_broken), (before, None));
        let seqs = append_sample(&app.db).await;
        let second = since(&app).await;
        assert_eq!((second.rows, second.first_broken), (before + 5, None));
        // Nothing new: the same count, nothing read again.
        assert_eq!(since(&app).await.rows, before + 5);
        // A row appended after the checkpoint and edited is found, and stays found.
        let more = append_sample(&app.db).await;
        set_after(&app.db, more[1], r#"{"status":"published"}"#).await;
        for _ in 0..2 {
            let v = since(&app).await;
            assert_eq!(v.rows, before + 10);
            assert_eq!(
                v.first_broken,
                Some(Broken {
                    seq: more[1],
                    reason: BreakReason::ContentMismatch
                })
            );
        }
        // An edit before the checkpoint is left to the full verification.
        set_after(&app.db, seqs[0], r#"{"name":"Autre"}"#).await;
        assert_eq!(verify(&app).await.first_broken.unwrap().seq, seqs[0]);
    }
);
