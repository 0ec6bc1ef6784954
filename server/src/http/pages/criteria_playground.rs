//! `GET /sponsor/criteria-playground`: the criteria builder on an example trial's criteria,
//! for sponsors and administrators (nothing is saved). `POST` checks the submitted criteria
//! without JavaScript: problems listed by path, the plain-language reading below.

use crate::http::context::{PageContext, PageError};
use crate::http::pages::form::render;
use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use actix_web::{get, post, web};
use askama::Template;
use platform::auth::Role;
use platform::auth::session::SessionKey;
use platform::i18n::lang::Lang;
use serde::Deserialize;

/// The deepest indentation of the reading (`depth-0` … `depth-10` in `app.css`).
const MAX_INDENT: usize = 10;
use trials::{Criteria, Locale, Section};

/// The example trial whose criteria the playground starts from.
const EXAMPLE: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../trials/examples/trials/diabetes-t2-hba1c.json"
));

/// The playground page (its fields are the builder partial's contract).
#[derive(Template)]
#[template(path = "criteria_playground.html")]
pub struct PlaygroundPage {
    /// Page context.
    pub ctx: PageContext,
    /// Pretty JSON of the criteria object, or the text as submitted.
    pub criteria_json: String,
    /// Problems: (JSON path, message).
    pub criteria_errors: Vec<(String, String)>,
    /// Free-text eligibility shown beside the builder.
    pub eligibility_text: String,
    /// Whether criteria were submitted (the "valid" notice shows only then).
    pub checked: bool,
    /// The reading of the submitted criteria: (depth, sentence), inclusion then exclusion.
    pub inclusion_lines: Vec<(usize, String)>,
    /// Exclusion lines.
    pub exclusion_lines: Vec<(usize, String)>,
}

/// The submitted form.
#[derive(Debug, Deserialize)]
pub struct PlaygroundForm {
    csrf_token: String,
    criteria: String,
}

fn example() -> (String, String) {
    let trial: serde_json::Value = serde_json::from_str(EXAMPLE).unwrap_or_default();
    let criteria = serde_json::to_string_pretty(&trial["criteria"]).unwrap_or_default();
    let summary = trial["summary"].as_str().unwrap_or_default().to_string();
    (criteria, summary)
}

/// `GET /sponsor/criteria-playground`.
#[get("/sponsor/criteria-playground")]
pub async fn show(ctx: PageContext) -> Result<HttpResponse, PageError> {
    ctx.require(&[Role::Admin, Role::Sponsor])?;
    let (criteria_json, eligibility_text) = example();
    Ok(render(
        StatusCode::OK,
        &PlaygroundPage {
            ctx,
            criteria_json,
            criteria_errors: Vec::new(),
            eligibility_text,
            checked: false,
            inclusion_lines: Vec::new(),
            exclusion_lines: Vec::new(),
        },
    ))
}

/// `POST /sponsor/criteria-playground`: checks the criteria; what was typed is shown back.
#[post("/sponsor/criteria-playground")]
pub async fn check(
    ctx: PageContext,
    key: web::Data<SessionKey>,
    form: web::Form<PlaygroundForm>,
) -> Result<HttpResponse, PageError> {
    ctx.require(&[Role::Admin, Role::Sponsor])?;
    ctx.check_csrf(&key, &form.csrf_token)?;
    let form = form.into_inner();
    let locale = match ctx.lang {
        Lang::En => Locale::En,
        Lang::Fr => Locale::Fr,
    };
    let (criteria_errors, lines) = match trials::parse_json::<Criteria>(&form.criteria) {
        Err(e) => (
            vec![(e.path.replacen('$', "$.criteria", 1), e.message)],
            Vec::new(),
        ),
        Ok(criteria) => (
            trials::validate_criteria(&criteria)
                .into_iter()
                .map(|e| (e.path, e.message))
                .collect(),
            trials::describe(&criteria, locale),
        ),
    };
    let side = |s: Section| {
        lines
            .iter()
            .filter(|l| l.section == s)
            .map(|l| (l.depth.min(MAX_INDENT), l.text.clone()))
            .collect()
    };
    Ok(render(
        StatusCode::OK,
        &PlaygroundPage {
            inclusion_lines: side(Section::Inclusion),
            exclusion_lines: side(Section::Exclusion),
            ctx,
            criteria_json: form.criteria,
            criteria_errors,
            eligibility_text: example().1,
            checked: true,
        },
    ))
}
