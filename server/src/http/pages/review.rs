//! The administrators' review: `GET /admin/review` (submitted trials), `GET /admin/review/{id}`
//! (everything about one) and `POST /admin/review/{id}` (approve, or send back to draft with
//! a comment) through `registry::trials::transition`, as the JSON API.

use crate::http::context::{PageContext, PageError};
use crate::http::pages::form::{render, see_other};
use crate::registry::Access;
use crate::registry::consent_documents::{self, DocumentView};
use crate::registry::sites::{self, SiteView};
use crate::registry::trials::{self, Filters, TransitionInput, TrialView};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use platform::auth::session::SessionKey;
use platform::auth::{Principal, Role};
use platform::email::Outbox;
use platform::error::ApiError;
use platform::extract::Pairs;
use sea_orm::DatabaseConnection;
use uuid::Uuid;

type Db = web::Data<DatabaseConnection>;

/// The list of trials waiting for review.
#[derive(Template)]
#[template(path = "review_list.html")]
pub struct ReviewList {
    /// Page context.
    pub ctx: PageContext,
    /// Submitted trials, newest first.
    pub trials: Vec<TrialView>,
    /// A message key after a decision.
    pub notice: Option<&'static str>,
}

/// One trial under review.
#[derive(Template)]
#[template(path = "review_trial.html")]
pub struct ReviewPage {
    /// Page context.
    pub ctx: PageContext,
    /// The trial with its definition.
    pub trial: TrialView,
    /// Pretty JSON of the definition's criteria.
    pub criteria_json: String,
    /// The GP summary.
    pub summary: String,
    /// Sites.
    pub sites: Vec<SiteView>,
    /// Consent document versions.
    pub consents: Vec<DocumentView>,
    /// The comment typed.
    pub comment: String,
    /// The error of the decision, if any.
    pub error: Option<String>,
}

async fn admin(ctx: &PageContext, db: &DatabaseConnection) -> Result<(Uuid, Access), PageError> {
    let user = ctx.require(&[Role::Admin])?.clone();
    let id = user.id;
    let access = Access::of(db, &Principal::User(user))
        .await
        .map_err(|e| ctx.fail(e))?;
    Ok((id, access))
}

/// `?decided=1`.
#[derive(Debug, serde::Deserialize)]
pub struct Decided {
    #[serde(default)]
    decided: Option<String>,
}

/// `GET /admin/review`: submitted trials.
#[get("/admin/review")]
pub async fn list(
    ctx: PageContext,
    db: Db,
    q: web::Query<Decided>,
) -> Result<HttpResponse, PageError> {
    let (_, access) = admin(&ctx, &db).await?;
    let filters = Filters {
        status: Some("submitted".into()),
        ..Filters::default()
    };
    let trials = trials::list(&db, &access, filters)
        .await
        .map_err(|e| ctx.fail(e))?;
    let notice = q.decided.as_ref().map(|_| "review.decided");
    Ok(render(
        StatusCode::OK,
        &ReviewList {
            ctx,
            trials,
            notice,
        },
    ))
}

async fn page(
    ctx: PageContext,
    db: &DatabaseConnection,
    access: &Access,
    id: Uuid,
) -> Result<ReviewPage, ApiError> {
    let trial = trials::get(db, access, id).await?;
    let def = trial.definition.clone().unwrap_or_default();
    Ok(ReviewPage {
        criteria_json: serde_json::to_string_pretty(&def["criteria"]).unwrap_or_default(),
        summary: def["summary"].as_str().unwrap_or_default().to_string(),
        sites: sites::list(db, access, id).await?,
        consents: consent_documents::list(db, access, id).await?,
        comment: String::new(),
        error: None,
        trial,
        ctx,
    })
}

fn trial_id(ctx: &PageContext, id: &str) -> Result<Uuid, PageError> {
    id.parse()
        .map_err(|_| ctx.fail(ApiError::NotFound("this trial".into())))
}

/// `GET /admin/review/{id}`: the trial, its criteria, sites and consent documents.
#[get("/admin/review/{id}")]
pub async fn view(
    ctx: PageContext,
    db: Db,
    id: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let (_, access) = admin(&ctx, &db).await?;
    let id = trial_id(&ctx, &id)?;
    let fail = ctx.clone();
    let p = page(ctx, &db, &access, id)
        .await
        .map_err(|e| fail.fail(e))?;
    Ok(render(StatusCode::OK, &p))
}

/// `POST /admin/review/{id}`: `decision=approve`, or `decision=reject` with a `comment`
/// (required: the form comes back with the error otherwise).
#[post("/admin/review/{id}")]
pub async fn decide(
    ctx: PageContext,
    db: Db,
    outbox: web::Data<Outbox>,
    key: web::Data<SessionKey>,
    id: web::Path<String>,
    web::Form(pairs): web::Form<Pairs>,
) -> Result<HttpResponse, PageError> {
    let (user, access) = admin(&ctx, &db).await?;
    ctx.check_csrf(&key, &pairs.get(platform::auth::csrf::FIELD))?;
    let id = trial_id(&ctx, &id)?;
    let comment = pairs.get("comment");
    let to = match pairs.get("decision").as_str() {
        "approve" => "approved",
        "reject" => "draft",
        _ => "",
    };
    let input = TransitionInput {
        to: to.into(),
        comment: Some(comment.clone()).filter(|c| !c.trim().is_empty()),
    };
    let now = ctx.clock.now();
    match trials::transition(&db, &outbox, user, &access, id, input, now).await {
        Ok(_) => Ok(see_other("/admin/review?decided=1")),
        Err(ApiError::Validation(details)) => {
            let fail = ctx.clone();
            let lang = ctx.lang;
            let mut p = page(ctx, &db, &access, id)
                .await
                .map_err(|e| fail.fail(e))?;
            p.comment = comment;
            p.error = Some(if details.iter().any(|d| d.code == "comment_required") {
                platform::i18n::t(lang, "review.comment_required").to_string()
            } else {
                details
                    .iter()
                    .map(|d| d.message.clone())
                    .collect::<Vec<_>>()
                    .join("; ")
            });
            Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &p))
        }
        Err(e) => Err(ctx.fail(e)),
    }
}
