//! The criteria builder's API over HTTP: code search, the plain-language preview with its
//! problems, tests against example patients (verdicts as `trials` computes them), the
//! example patients, and who may call them.

use e2e::flow::{Page, status_json};
use e2e::{TestApp, both};
use reqwest::Method;
use serde_json::{Value, json};

fn codes(results: &Value) -> Vec<&str> {
    results
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap())
        .collect()
}

fn criteria_of(trial: &str) -> Value {
    e2e::example_trial(trial)["criteria"].clone()
}

both!(
    codes_are_searched_by_code_and_by_word,
    |app: TestApp| async move {
        let sponsor = app.logged_in("sponsor").await;
        // (query, expected first codes in order, source of the first)
        let cases: &[(&str, &[&str], &str)] = &[
            ("system=icpc2&q=T90", &["T90"], "bundled"),
            (
                "system=icpc2&q=t9",
                &["T90", "T91", "T92", "T93", "T99"],
                "bundled",
            ),
            // A French word with its accent, percent-encoded, and another without.
            (
                "system=icpc2&q=diab%C3%A8te",
                &["T89", "T90", "W85"],
                "bundled",
            ),
            ("system=icpc2&q=GROSSESSE%20ectopique", &["W80"], "bundled"),
            ("system=atc&q=A10BA", &["A10BA", "A10BA02"], "bundled"),
            ("system=atc&q=metformine", &["A10BA02"], "bundled"),
            (
                "system=loinc&q=hba1c",
                &["4548-4", "17856-6", "59261-8"],
                "bundled",
            ),
            (
                "system=loinc&q=DFG",
                &["33914-3", "62238-1", "98979-8"],
                "bundled",
            ),
            ("system=icd10&q=e11.9", &["E11.9"], "format_checked"),
        ];
        for (query, want, source) in cases {
            let (status, body) = status_json(app.get_codes(&sponsor, query).await).await;
            assert_eq!(status, 200, "{query}: {body}");
            assert_eq!(&codes(&body)[..want.len()], *want, "{query}");
            assert_eq!(body[0]["source"], *source, "{query}");
        }
        let (_, body) = status_json(app.get_codes(&sponsor, "system=icpc2&q=K77").await).await;
        assert_eq!(body[0]["system"], "http://hl7.org/fhir/sid/icpc-2");
        assert_eq!(body[0]["title_en"], "Heart failure");
        assert_eq!(body[0]["title_fr"], "Insuffisance cardiaque");
        let (_, body) = status_json(app.get_codes(&sponsor, "system=icd10&q=diabetes").await).await;
        assert_eq!(body, json!([]), "ICD-10 has no bundled titles");
        let (_, body) = status_json(app.get_codes(&sponsor, "system=icpc2&q=&limit=3").await).await;
        assert_eq!(body.as_array().unwrap().len(), 3);
        // The systems read through crosswalks offer their tables' codes.
        let (status, body) =
            status_json(app.get_codes(&sponsor, "system=rxnorm&q=metformin").await).await;
        assert_eq!(status, 200, "{body}");
        assert!(
            body.as_array()
                .unwrap()
                .iter()
                .any(|c| c["code"] == "861007"),
            "{body}"
        );
        let (_, body) = status_json(app.get_codes(&sponsor, "system=icd10cm&q=E11.65").await).await;
        assert_eq!(body[0]["code"], "E11.65");
        assert_eq!(body[0]["source"], "format_checked");
        for bad in [
            "system=ccam&q=x",
            "q=T90",
            "system=icpc2&limit=-1",
            "system=icpc2&nonsense=1",
        ] {
            let (status, body) = status_json(app.get_codes(&sponsor, bad).await).await;
            assert_eq!(status, 400, "{bad}");
            assert_eq!(body["error"]["code"], "malformed_query", "{bad}");
        }
        let (_, body) = status_json(app.get_codes(&sponsor, "system=ccam&q=x").await).await;
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("`system`"),
            "{body}"
        );
    }
);

both!(
    the_preview_reads_criteria_and_lists_their_problems,
    |app: TestApp| async move {
        let sponsor = app.logged_in("sponsor").await;
        let path = "/api/v1/criteria/preview";
        let criteria = criteria_of("diabetes-t2-hba1c");
        let (status, body) = status_json(
            app.post_criteria_preview(&sponsor, &json!({"criteria": criteria, "lang": "en"}))
                .await,
        )
        .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["errors"], json!([]));
        let lines = body["lines"].as_array().unwrap();
        assert_eq!(lines.len(), 9);
        assert_eq!(
            lines[0],
            json!({"section": "inclusion", "id": "age", "depth": 0, "text": "Age between 40 and 75 years"})
        );
        assert_eq!(
            lines[2]["text"],
            "HbA1c (latest in the last 6 months) ≥ 7.5 %; unknown if no value → to confirm"
        );
        assert_eq!(lines[6]["section"], "exclusion");
        assert_eq!(lines[7]["depth"], 1);
        let (_, body) = status_json(
            app.post_criteria_preview(&sponsor, &json!({"criteria": criteria, "lang": "fr"}))
                .await,
        )
        .await;
        assert_eq!(body["lines"][0]["text"], "Âge entre 40 et 75 ans");
        assert_eq!(
            body["lines"][3]["text"],
            "Metformin (ATC A10BA02) — prescription au cours des 3 derniers mois"
        );

        // Validation problems come with their paths, the reading still shows.
        let invalid = json!({"inclusion": [
            {"id": "age", "age": {}},
            {"id": "age", "condition": {"codes": "nowhere"}},
            {"id": "grp", "at_least": {"n": 3, "of": [{"id": "f", "sex": {"is": "female"}}]}}
        ]});
        let (status, body) = status_json(
            app.post_criteria_preview(&sponsor, &json!({"criteria": invalid}))
                .await,
        )
        .await;
        assert_eq!(status, 200);
        let errors: Vec<(String, String)> = body["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["path"].as_str().unwrap().into(),
                    e["code"].as_str().unwrap().into(),
                )
            })
            .collect();
        for (path, code) in [
            ("$.criteria.inclusion[0].age", "age_no_bounds"),
            ("$.criteria.inclusion[1]", "duplicate_id"),
            (
                "$.criteria.inclusion[1].condition.codes",
                "unknown_code_set",
            ),
            ("$.criteria.inclusion[2].at_least.n", "at_least_too_many"),
        ] {
            assert!(
                errors.iter().any(|(p, c)| p == path && c == code),
                "{path} {code} not in {errors:?}"
            );
        }
        assert_eq!(body["lines"].as_array().unwrap().len(), 4);

        // Criteria that do not parse: the path of the problem, no lines.
        let (status, body) = status_json(
            app.post_criteria_preview(
                &sponsor,
                &json!({"criteria": {"inclusion": [{"id": "a", "age": {"min": "forty"}}]}}),
            )
            .await,
        )
        .await;
        assert_eq!(status, 200);
        assert_eq!(body["lines"], json!([]));
        assert_eq!(body["errors"][0]["code"], "malformed_criteria");
        assert_eq!(body["errors"][0]["path"], "$.criteria.inclusion[0].age.min");

        // A body of the wrong shape is a 400 naming the field.
        for (bad, field) in [
            (json!({"lang": "en"}), "criteria"),
            (json!({"criteria": {}, "lang": "de"}), "$.lang"),
            (json!({"criteria": {}, "extra": 1}), "extra"),
        ] {
            let (status, body) = status_json(app.post_criteria_preview(&sponsor, &bad).await).await;
            assert_eq!(status, 400, "{bad}");
            assert_eq!(body["error"]["code"], "malformed_json");
            let message = body["error"]["message"].as_str().unwrap();
            assert!(message.contains(field), "{message} names {field}");
        }
        let r = app
            .as_user(Method::POST, path, &sponsor)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body("{not json")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400);
    }
);

both!(
    the_test_panel_gives_the_engines_verdicts,
    |app: TestApp| async move {
        let admin = app.logged_in("admin").await;
        let date: chrono::NaiveDate = "2026-11-23".parse().unwrap();
        for (trial, patient, verdict) in [
            ("diabetes-t2-hba1c", "dupont-jean", "eligible"),
            ("diabetes-t2-hba1c", "lefebvre-marie", "possibly_eligible"),
            ("diabetes-t2-hba1c", "roux-isabelle", "ineligible"),
            ("lung-screening-copd", "benali-ahmed", "eligible"),
        ] {
            let criteria = criteria_of(trial);
            let record = e2e::example_patient(patient);
            let (status, body) = status_json(app.post_criteria_test(&admin, &json!({"criteria": criteria, "patient": record, "date": "2026-11-23", "lang": "en"}),
        ).await)
        .await;
            assert_eq!(status, 200, "{trial} {patient}: {body}");
            // What the engine computes for the same trial, record and date.
            let engine_trial =
                trials::Trial::from_json(&e2e::example_trial(trial).to_string()).unwrap();
            let engine_patient = trials::Patient::from_json(&record.to_string()).unwrap();
            let result = trials::evaluate(&engine_trial, &engine_patient, date).unwrap();
            let explained = result.explain(trials::Locale::En);
            assert_eq!(body["verdict"], verdict, "{trial} {patient}");
            assert_eq!(body["verdict"], json!(result.verdict), "{trial} {patient}");
            assert_eq!(body["verdict_text"], explained.verdict);
            assert_eq!(body["to_confirm"], json!(explained.to_confirm));
            let lines = body["criteria"].as_array().unwrap();
            let expected: Vec<_> = explained
                .inclusion
                .iter()
                .chain(&explained.exclusion)
                .collect();
            assert_eq!(lines.len(), expected.len());
            for (got, want) in lines.iter().zip(expected) {
                assert_eq!(got["id"], want.id);
                assert_eq!(got["truth"], json!(want.truth));
                assert_eq!(got["text"], want.text);
            }
        }
        // French, and the date defaults to today.
        let (status, body) = status_json(app.post_criteria_test(&admin, &json!({"criteria": criteria_of("diabetes-t2-hba1c"), "patient": e2e::example_patient("dupont-jean")}),
    ).await)
    .await;
        assert_eq!(status, 200);
        assert_eq!(body["date"], chrono::Utc::now().date_naive().to_string());
        assert!(
            body["criteria"][0]["text"]
                .as_str()
                .unwrap()
                .starts_with("Age :"),
            "{body}"
        );

        // A FHIR Bundle instead of a record.
        let bundle: Value = serde_json::from_str(
            &std::fs::read_to_string(format!(
                "{}/../trials/tests/fhir/diabetic_patient.json",
                env!("CARGO_MANIFEST_DIR")
            ))
            .unwrap(),
        )
        .unwrap();
        let (status, body) = status_json(app.post_criteria_test(&admin, &json!({"criteria": criteria_of("diabetes-t2-hba1c"), "fhir": bundle, "date": "2026-11-23"}),
    ).await)
    .await;
        assert_eq!(status, 200, "{body}");
        let conversion = trials::fhir::bundle_value_to_patient(&bundle).unwrap();
        let trial =
            trials::Trial::from_json(&e2e::example_trial("diabetes-t2-hba1c").to_string()).unwrap();
        let result = trials::evaluate(&trial, &conversion.patient, date).unwrap();
        assert_eq!(body["verdict"], json!(result.verdict));
        // What was skipped, one line per resource type and reason.
        let summary: Vec<String> = conversion
            .skipped_summary()
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(body["skipped"], json!(summary));

        // Bad input: 422s naming the field.
        let good = criteria_of("diabetes-t2-hba1c");
        for (bad, field, code) in [
            (json!({"criteria": good}), "$.patient", "required"),
            (
                json!({"criteria": good, "patient": {}, "fhir": bundle}),
                "$.fhir",
                "patient_and_fhir",
            ),
            (
                json!({"criteria": good, "patient": {"birth_date": "soon"}}),
                "$.patient.birth_date",
                "malformed_patient",
            ),
            (
                json!({"criteria": good, "fhir": {"resourceType": "Patient"}}),
                "$.fhir",
                "malformed_fhir",
            ),
            (
                json!({"criteria": {"inclusion": []}, "patient": {}}),
                "$.criteria.inclusion",
                "no_inclusion_criteria",
            ),
            (
                json!({"criteria": {"inclusion": [{"id": "x"}]}, "patient": {}}),
                "$.criteria.inclusion[0]",
                "malformed_criteria",
            ),
        ] {
            let (status, body) = status_json(app.post_criteria_test(&admin, &bad).await).await;
            assert_eq!(status, 422, "{bad}: {body}");
            assert_eq!(body["error"]["code"], "validation_failed");
            let details = body["error"]["details"].as_array().unwrap();
            assert!(
                details
                    .iter()
                    .any(|d| d["path"] == field && d["code"] == code),
                "{field} {code} in {details:?}"
            );
        }
        let (status, _) = status_json(
            app.post_criteria_test(
                &admin,
                &json!({"criteria": good, "patient": {}, "date": "23/11/2026"}),
            )
            .await,
        )
        .await;
        assert_eq!(status, 400, "a malformed date");
    }
);

both!(
    example_patients_are_offered_to_builders_only,
    |app: TestApp| async move {
        let sponsor = app.logged_in("sponsor").await;
        let (status, body) = status_json(app.get_example_patients(&sponsor).await).await;
        assert_eq!(status, 200);
        let list = body.as_array().unwrap();
        assert_eq!(list.len(), 15);
        let dupont = list.iter().find(|p| p["id"] == "dupont-jean").unwrap();
        assert!(dupont["label"].as_str().unwrap().starts_with("Man of 65"));
        assert!(dupont["record"].get("_expected").is_none());
        trials::Patient::from_json(&dupont["record"].to_string()).unwrap();
        // GPs and coordinators may not use the builder; anonymous callers are asked to log in.
        for role in ["gp", "coordinator"] {
            let cookie = app.logged_in(role).await;
            for (method, path, body) in [
                (Method::GET, "/api/v1/example-patients", None),
                (Method::GET, "/api/v1/codes?system=icpc2&q=T90", None),
                (
                    Method::POST,
                    "/api/v1/criteria/preview",
                    Some(json!({"criteria": {}})),
                ),
                (
                    Method::POST,
                    "/api/v1/criteria/test",
                    Some(json!({"criteria": {}, "patient": {}})),
                ),
            ] {
                let mut req = app.as_user(method.clone(), path, &cookie);
                if let Some(b) = &body {
                    req = req.json(b);
                }
                let r = req.send().await.unwrap();
                assert_eq!(r.status(), 403, "{role} {method} {path}");
            }
        }
        let r = app.get("/api/v1/example-patients").await;
        assert_eq!(r.status(), 401);
    }
);

/// An `application/x-www-form-urlencoded` body.
fn form(fields: &[(&str, &str)]) -> String {
    fields
        .iter()
        .map(|(k, v)| format!("{k}={}", server::http::assets::url_encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

both!(
    the_playground_page_works_without_javascript,
    |app: TestApp| async move {
        let sponsor = app.logged_in("sponsor").await;
        let Page {
            status, body: html, ..
        } = app
            .page("/sponsor/criteria-playground?lang=en", &sponsor)
            .await;
        assert_eq!(status, 200);
        // The partial's contract: the textarea carries the criteria, the hooks are there.
        for hook in [
            "<textarea name=\"criteria\" id=\"criteria-json\"",
            "id=\"add-inclusion\"",
            "id=\"tab-json\"",
            "id=\"preview\"",
            "id=\"test-run\"",
            "src=\"/static/criteria-builder.js\"",
            "href=\"/static/criteria-builder.css\"",
            "data-kind-observation=\"Lab or biometric value\"",
        ] {
            assert!(html.contains(hook), "{hook}");
        }
        assert!(
            html.contains("&quot;inclusion&quot;") || html.contains("&#34;inclusion&#34;"),
            "the criteria JSON, escaped"
        );
        for asset in [
            "/static/criteria-builder.js",
            "/static/criteria-builder.css",
        ] {
            let r = app.get(asset).await;
            assert_eq!(r.status(), 200, "{asset}");
        }
        let token = html
            .split("name=\"csrf_token\" value=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .to_string();
        let submit = |criteria: &str| {
            app.as_user(
                Method::POST,
                "/sponsor/criteria-playground?lang=en",
                &sponsor,
            )
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .body(form(&[
                ("csrf_token", token.as_str()),
                ("criteria", criteria),
            ]))
            .send()
        };
        // Problems are listed by path, and what was typed comes back as typed.
        let typed =
            r#"{"inclusion": [{"id": "a", "age": {}}, {"id": "b", "sex": {"is": "female"}}]}"#;
        let html = submit(typed).await.unwrap().text().await.unwrap();
        assert!(
            html.contains("data-path=\"$.criteria.inclusion[0].age\""),
            "{html}"
        );
        assert!(!html.contains("id=\"criteria-valid\""));
        assert!(
            html.contains("{&quot;id&quot;: &quot;a&quot;")
                || html.contains("{&#34;id&#34;: &#34;a&#34;"),
            "typed text kept"
        );
        let html = submit("{\"inclusion\": [")
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(html.contains("id=\"criteria-errors\""));
        // Valid criteria: a notice, and the plain-language reading for readers without scripts.
        let valid = r#"{"inclusion": [{"id": "age", "age": {"min": 40, "max": 75}}]}"#;
        let html = submit(valid).await.unwrap().text().await.unwrap();
        assert!(html.contains("id=\"criteria-valid\""));
        assert!(html.contains("Age between 40 and 75 years"));
        // A forged form is refused.
        let r = app
            .as_user(Method::POST, "/sponsor/criteria-playground", &sponsor)
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .body(form(&[("csrf_token", "forged"), ("criteria", valid)]))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403);
        // Builders only.
        let gp = app.logged_in("gp").await;
        assert_eq!(
            app.page("/sponsor/criteria-playground", &gp).await.status,
            403
        );
        assert_eq!(
            app.page("/sponsor/criteria-playground", "").await.status,
            303
        );
    }
);
