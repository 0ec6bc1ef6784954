//! The sponsor's trial pages: `GET /sponsor/trials/new`, `POST /sponsor/trials`,
//! `GET/POST /sponsor/trials/{id}`, `POST /sponsor/trials/{id}/submit` and
//! `POST /sponsor/trials/{id}/recruit`. They call the registry functions the JSON API calls.

use crate::http::context::{PageContext, PageError};
use crate::http::pages::form::{render, see_other};
use crate::http::pages::trial_form::{Section, TrialForm};
use crate::registry::consent_documents::{self, DocumentView, NewDocument};
use crate::registry::save::{FormSite, SaveError, TrialSave, save_form};
use crate::registry::sites::{self, SiteView};
use crate::registry::trials::{self, TransitionInput, TrialView};
use crate::registry::{Access, input};
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

/// The trial form page (new, imported or stored trial).
#[derive(Template)]
#[template(path = "trial_form.html")]
pub struct TrialPage {
    /// Page context.
    pub ctx: PageContext,
    /// Where the form posts.
    pub action: String,
    /// The stored trial, if any.
    pub trial: Option<TrialView>,
    /// Whether the form may be saved (a new trial or a draft).
    pub editable: bool,
    /// Sections before the criteria (identity, GP summary, patients, recruitment, sites).
    pub sections: Vec<Section>,
    /// The consent section.
    pub consent: Section,
    /// Every error, for the summary at the top: `(field id, message)`.
    pub error_summary: Vec<(String, String)>,
    /// Pretty JSON of the definition's `criteria` (for the criteria builder partial).
    pub criteria_json: String,
    /// Errors under `$.definition.criteria`: `(path, message)`.
    pub criteria_errors: Vec<(String, String)>,
    /// Imported free-text eligibility criteria, possibly empty.
    pub eligibility_text: String,
    /// The stored trial's sites.
    pub existing_sites: Vec<SiteView>,
    /// The stored trial's consent document versions.
    pub consents: Vec<DocumentView>,
    /// A message key to show after a successful action.
    pub notice: Option<&'static str>,
}

impl TrialPage {
    /// The form page for `form`.
    pub fn new(ctx: PageContext, form: &TrialForm, trial: Option<TrialView>) -> TrialPage {
        let lang = ctx.lang;
        let mut error_summary = form.errors.clone();
        error_summary.extend(
            form.criteria_errors
                .iter()
                .map(|(p, m)| ("criteria-json".to_string(), format!("{p}: {m}"))),
        );
        TrialPage {
            action: trial.as_ref().map_or("/sponsor/trials".into(), |t| {
                format!("/sponsor/trials/{}", t.id)
            }),
            editable: trial.as_ref().is_none_or(|t| t.status == "draft"),
            sections: form.sections(lang, trial.is_none()),
            consent: form.consent_section(lang),
            error_summary,
            criteria_json: form.get("criteria").to_string(),
            criteria_errors: form.criteria_errors.clone(),
            eligibility_text: form.get("eligibility_text").to_string(),
            existing_sites: Vec::new(),
            consents: Vec::new(),
            notice: None,
            trial,
            ctx,
        }
    }
}

async fn sponsor(ctx: &PageContext, db: &DatabaseConnection) -> Result<(Uuid, Access), PageError> {
    let user = ctx.require(&[Role::Sponsor])?.clone();
    let id = user.id;
    let access = Access::of(db, &Principal::User(user))
        .await
        .map_err(|e| ctx.fail(e))?;
    Ok((id, access))
}

fn trial_id(ctx: &PageContext, id: &str) -> Result<Uuid, PageError> {
    id.parse()
        .map_err(|_| ctx.fail(ApiError::NotFound("this trial".into())))
}

/// `GET /sponsor/trials/new`: an empty form.
#[get("/sponsor/trials/new")]
pub async fn new(ctx: PageContext, db: Db) -> Result<HttpResponse, PageError> {
    sponsor(&ctx, &db).await?;
    let form = TrialForm::default().with_new_site_rows();
    Ok(render(StatusCode::OK, &TrialPage::new(ctx, &form, None)))
}

/// The latest consent document of each language: `(language, body, label)`.
async fn latest_consents(
    db: &DatabaseConnection,
    access: &Access,
    id: Uuid,
    docs: &[DocumentView],
) -> Result<Vec<(String, String, String)>, ApiError> {
    let mut out = Vec::new();
    for lang in consent_documents::LANGUAGES {
        if let Some(last) = docs
            .iter()
            .filter(|d| d.language == lang)
            .max_by_key(|d| d.version)
        {
            let d = consent_documents::get(db, access, id, lang, last.version).await?;
            out.push((
                lang.to_string(),
                d.body.unwrap_or_default(),
                d.label.unwrap_or_default(),
            ));
        }
    }
    Ok(out)
}

/// The page of a stored trial, with `form` as typed (or as stored when `None`).
async fn stored_page(
    ctx: PageContext,
    db: &DatabaseConnection,
    access: &Access,
    id: Uuid,
    form: Option<TrialForm>,
) -> Result<TrialPage, ApiError> {
    let t = trials::get(db, access, id).await?;
    let docs = consent_documents::list(db, access, id).await?;
    let form = match form {
        Some(f) => f,
        None => TrialForm::from_trial(&t, &latest_consents(db, access, id, &docs).await?),
    };
    let existing_sites = sites::list(db, access, id).await?;
    let mut page = TrialPage::new(ctx, &form.with_new_site_rows(), Some(t));
    page.existing_sites = existing_sites;
    page.consents = docs;
    Ok(page)
}

/// `?saved=1` and friends: which notice to show.
#[derive(Debug, serde::Deserialize)]
pub struct Notice {
    #[serde(default)]
    saved: Option<String>,
    #[serde(default)]
    moved: Option<String>,
}

/// `GET /sponsor/trials/{id}`: the trial's form (404 for another sponsor's trial).
#[get("/sponsor/trials/{id}")]
pub async fn view(
    ctx: PageContext,
    db: Db,
    id: web::Path<String>,
    q: web::Query<Notice>,
) -> Result<HttpResponse, PageError> {
    let (_, access) = sponsor(&ctx, &db).await?;
    let id = trial_id(&ctx, &id)?;
    let fail = ctx.clone();
    let mut page = stored_page(ctx, &db, &access, id, None)
        .await
        .map_err(|e| fail.fail(e))?;
    page.notice = match (&q.saved, &q.moved) {
        (Some(_), _) => Some("trial.saved"),
        (_, Some(_)) => Some("trial.moved"),
        _ => None,
    };
    Ok(render(StatusCode::OK, &page))
}

/// The form's consent documents as typed, one per language.
fn consents(form: &TrialForm) -> Vec<NewDocument> {
    consent_documents::LANGUAGES
        .iter()
        .map(|lang| NewDocument {
            language: lang.to_string(),
            body: form.get(&format!("consent_{lang}")).replace("\r\n", "\n"),
            label: Some(form.get(&format!("consent_{lang}_label")).to_string()),
        })
        .collect()
}

/// The form's filled site rows, with their coordinators found by email (an unknown email
/// is an error on its field).
async fn site_rows(
    db: &DatabaseConnection,
    form: &mut TrialForm,
    lang: platform::i18n::lang::Lang,
) -> Result<NewSites, ApiError> {
    let mut out = Vec::new();
    for (i, site, email) in form.sites(lang) {
        let coordinator = match &email {
            Some(e) => sites::coordinator_by_email(db, e).await?,
            None => None,
        };
        if email.is_some() && coordinator.is_none() {
            let msg = platform::i18n::t(lang, "form.no_coordinator");
            form.error(&format!("site_{i}_coordinator_email"), msg);
        }
        out.push((i, site, coordinator));
    }
    Ok(out)
}

/// New sites of the form: `(row, site, coordinator)`.
type NewSites = Vec<(usize, sites::NewSite, Option<Uuid>)>;

/// The form again, with its errors and every typed value (422).
async fn refused(
    ctx: PageContext,
    db: &DatabaseConnection,
    form: TrialForm,
    stored: Option<TrialView>,
) -> Result<HttpResponse, PageError> {
    let page = match stored {
        // Only the trial's sponsor gets here: `save` read it with their access.
        Some(t) => {
            let access = Access::Sponsor(t.sponsor_id);
            stored_page(ctx.clone(), db, &access, t.id, Some(form)).await
        }
        None => Ok(TrialPage::new(ctx.clone(), &form, None)),
    };
    match page {
        Ok(p) => Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &p)),
        Err(e) => Err(ctx.fail(e)),
    }
}

/// Checks and saves the form: creates a trial (`id` `None`) or a new version of a draft,
/// with its new sites and consent versions, in one transaction ([`save_form`]). Every check
/// runs before anything is written; on any error the form comes back with every typed value
/// and the errors by their fields, and nothing of it is saved.
async fn save(
    ctx: PageContext,
    db: &DatabaseConnection,
    key: &SessionKey,
    pairs: Pairs,
    id: Option<Uuid>,
) -> Result<HttpResponse, PageError> {
    let (user, access) = sponsor(&ctx, db).await?;
    ctx.check_csrf(key, &pairs.get(platform::auth::csrf::FIELD))?;
    let stored = match id {
        Some(id) => Some(
            trials::get(db, &access, id)
                .await
                .map_err(|e| ctx.fail(e))?,
        ),
        None => None,
    };
    let mut form = TrialForm::from_pairs(&pairs);
    let input = form.input(ctx.lang, stored.as_ref().map(|t| t.slug.as_str()));
    let json_ok = form.criteria_errors.is_empty();
    if let Err(ApiError::Validation(details)) = input::check(input.clone()) {
        // Criteria that are not JSON were replaced by an empty list: not the sponsor's error.
        let keep: Vec<_> = details
            .into_iter()
            .filter(|d| json_ok || !d.path.starts_with("$.definition"))
            .collect();
        form.place(ctx.lang, &keep, None);
    }
    let new_sites = site_rows(db, &mut form, ctx.lang)
        .await
        .map_err(|e| ctx.fail(e))?;
    if form.has_errors() {
        return refused(ctx, db, form, stored).await;
    }
    let save = TrialSave {
        input,
        sites: new_sites
            .into_iter()
            .map(|(_, site, coordinator)| FormSite { site, coordinator })
            .collect(),
        consents: consents(&form),
    };
    let saved = save_form(
        db,
        user,
        &access,
        stored.as_ref().map(|t| t.id),
        save,
        ctx.clock.now(),
    )
    .await;
    let t = match saved {
        Ok(t) => t,
        Err(SaveError::Trial(ApiError::Validation(details))) => {
            form.place(ctx.lang, &details, None);
            return refused(ctx, db, form, stored).await;
        }
        Err(SaveError::Trial(ApiError::Conflict(msg) | ApiError::InvalidState(msg))) => {
            form.error(if stored.is_none() { "slug" } else { "title" }, msg);
            return refused(ctx, db, form, stored).await;
        }
        Err(e) => return Err(ctx.fail(e.into_inner())),
    };
    Ok(see_other(&format!("/sponsor/trials/{}?saved=1", t.id)))
}

/// `POST /sponsor/trials`: creates a draft from the form.
#[post("/sponsor/trials")]
pub async fn create(
    ctx: PageContext,
    db: Db,
    key: web::Data<SessionKey>,
    web::Form(pairs): web::Form<Pairs>,
) -> Result<HttpResponse, PageError> {
    save(ctx, &db, &key, pairs, None).await
}

/// `POST /sponsor/trials/{id}`: saves a draft (a new version).
#[post("/sponsor/trials/{id}")]
pub async fn update(
    ctx: PageContext,
    db: Db,
    key: web::Data<SessionKey>,
    id: web::Path<String>,
    web::Form(pairs): web::Form<Pairs>,
) -> Result<HttpResponse, PageError> {
    let id = trial_id(&ctx, &id)?;
    save(ctx, &db, &key, pairs, Some(id)).await
}

async fn transition(
    ctx: PageContext,
    db: &DatabaseConnection,
    outbox: &Outbox,
    key: &SessionKey,
    id: &str,
    pairs: Pairs,
    to: &str,
) -> Result<HttpResponse, PageError> {
    let now = ctx.clock.now();
    let (user, access) = sponsor(&ctx, db).await?;
    ctx.check_csrf(key, &pairs.get(platform::auth::csrf::FIELD))?;
    let id = trial_id(&ctx, id)?;
    let input = TransitionInput {
        to: to.into(),
        comment: None,
    };
    trials::transition(db, outbox, user, &access, id, input, now)
        .await
        .map_err(|e| ctx.fail(e))?;
    Ok(see_other(&format!("/sponsor/trials/{id}?moved=1")))
}

/// `POST /sponsor/trials/{id}/submit`: submits a draft for review.
#[post("/sponsor/trials/{id}/submit")]
pub async fn submit(
    ctx: PageContext,
    db: Db,
    outbox: web::Data<Outbox>,
    key: web::Data<SessionKey>,
    id: web::Path<String>,
    web::Form(pairs): web::Form<Pairs>,
) -> Result<HttpResponse, PageError> {
    transition(ctx, &db, &outbox, &key, &id, pairs, "submitted").await
}

/// `POST /sponsor/trials/{id}/recruit`: starts recruiting an approved trial.
#[post("/sponsor/trials/{id}/recruit")]
pub async fn recruit(
    ctx: PageContext,
    db: Db,
    outbox: web::Data<Outbox>,
    key: web::Data<SessionKey>,
    id: web::Path<String>,
    web::Form(pairs): web::Form<Pairs>,
) -> Result<HttpResponse, PageError> {
    transition(ctx, &db, &outbox, &key, &id, pairs, "recruiting").await
}
