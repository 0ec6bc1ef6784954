//! Recruitment dashboards: `GET /trials/{id}/dashboard` (the funnel, breakdowns and
//! enrolment of a trial for its sites' coordinators, its sponsor — small counts suppressed —
//! and administrators), `GET /trials/{id}/dashboard.csv` (the same figures) and
//! `GET /admin/dashboard` (every trial's headline numbers, the email outbox, the audit chain).
//! The figures come from `crate::dashboard`; these handlers only render them.

use crate::dashboard::funnel::{Projection, Stage};
use crate::dashboard::visible::{self, Row};
use crate::dashboard::{self, Headline, TrialDashboard, svg};
use crate::http::context::{PageContext, PageError};
use crate::http::pages::form::render;
use actix_web::http::StatusCode;
use actix_web::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, HeaderValue};
use actix_web::{HttpResponse, get, web};
use askama::Template;
use platform::auth::{Principal, Role};
use platform::error::ApiError;
use platform::i18n;
use sea_orm::DatabaseConnection;
use uuid::Uuid;

type Db = web::Data<DatabaseConnection>;

/// A trial's dashboard.
#[derive(Template)]
#[template(path = "trial_dashboard.html")]
pub struct TrialPage {
    /// Page context.
    pub ctx: PageContext,
    /// The figures.
    pub d: TrialDashboard,
}

impl TrialPage {
    fn tr(&self, key: &str) -> String {
        i18n::lookup(self.ctx.lang, key).map_or_else(|| key.to_string(), str::to_string)
    }

    /// A stage's name in the reader's language.
    pub fn label(&self, s: &Stage) -> String {
        self.tr(&format!("dashboard.stage.{}", s.key()))
    }

    /// Every stage.
    pub fn all_stages(&self) -> Vec<Stage> {
        Stage::ALL.to_vec()
    }

    /// The stages of a site.
    pub fn site_stages(&self) -> Vec<Stage> {
        Stage::SITE.to_vec()
    }

    /// A row's figures for `stages`, as text.
    pub fn cells(&self, row: &Row, stages: &[Stage]) -> Vec<String> {
        stages.iter().map(|s| row.cell(*s).text()).collect()
    }

    /// The main path: (stage name, figure, conversion from the previous stage).
    pub fn path(&self) -> Vec<(String, String, String)> {
        Stage::PATH
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let conversion = i
                    .checked_sub(1)
                    .and_then(|j| self.d.view.conversions.get(j))
                    .map(|c| visible::percent(c.rate))
                    .unwrap_or_default();
                (self.label(s), self.d.view.total.cell(*s).text(), conversion)
            })
            .collect()
    }

    /// The exits after referral: (name, figure).
    pub fn exits(&self) -> Vec<(String, String)> {
        [
            Stage::NotNow,
            Stage::Declined,
            Stage::ScreenFailed,
            Stage::SiteDeclined,
            Stage::Withdrawn,
        ]
        .iter()
        .map(|s| (self.label(s), self.d.view.total.cell(*s).text()))
        .collect()
    }

    /// The funnel chart.
    pub fn funnel_svg(&self) -> String {
        let bars: Vec<_> = Stage::PATH
            .iter()
            .map(|s| (self.label(s), self.d.view.total.cell(*s)))
            .collect();
        svg::funnel(
            "funnel-chart",
            &self.tr("dashboard.funnel"),
            &self.tr("dashboard.funnel.desc"),
            &bars,
        )
    }

    /// The enrolment chart.
    pub fn enrolment_svg(&self) -> String {
        svg::enrolment(
            "enrolment-chart",
            &self.tr("dashboard.enrolment"),
            &self.tr("dashboard.enrolment.desc"),
            &self.d.view.cumulative,
            self.d.view.target,
        )
    }

    /// Enrolled so far.
    pub fn enrolled(&self) -> String {
        self.d.view.total.cell(Stage::Enrolled).text()
    }

    /// The target, or `–`.
    pub fn target(&self) -> String {
        self.d
            .view
            .target
            .map_or_else(|| "–".into(), |t| t.to_string())
    }

    /// The projected completion as a sentence.
    pub fn projection(&self) -> String {
        match self.d.view.projection {
            None => self.tr("dashboard.projection.suppressed"),
            Some(Projection::NoTarget) => self.tr("dashboard.projection.no_target"),
            Some(Projection::Reached) => self.tr("dashboard.projection.reached"),
            Some(Projection::NoRecentEnrolment) => self.tr("dashboard.projection.none"),
            Some(Projection::On(d)) => d.format("%Y-%m-%d").to_string(),
        }
    }

    /// Median days to first contact.
    pub fn to_contact(&self) -> String {
        visible::days(self.d.view.to_contact)
    }

    /// Median days to enrolment.
    pub fn to_enrolment(&self) -> String {
        visible::days(self.d.view.to_enrolment)
    }

    /// Screen failures / screened.
    pub fn screen_fail_rate(&self) -> String {
        visible::percent(self.d.view.screen_fail_rate)
    }

    /// A reason code in the reader's language (the code itself when unknown).
    pub fn reason(&self, code: &str) -> String {
        i18n::lookup(self.ctx.lang, &format!("referral.reason.{code}"))
            .or_else(|| i18n::lookup(self.ctx.lang, &format!("dashboard.reason.{code}")))
            .map_or_else(|| code.to_string(), str::to_string)
    }
}

/// The administrators' dashboard.
#[derive(Template)]
#[template(path = "admin_dashboard.html")]
pub struct AdminPage {
    /// Page context.
    pub ctx: PageContext,
    /// Every trial.
    pub trials: Vec<Headline>,
    /// The outbox.
    pub outbox: platform::email::report::OutboxReport,
    /// The audit chain.
    pub audit: platform::audit::Verification,
}

impl AdminPage {
    /// A target, or `–`.
    pub fn target(&self, t: &Option<i32>) -> String {
        t.map_or_else(|| "–".into(), |t| t.to_string())
    }

    /// The audit chain's state as a sentence.
    pub fn audit_state(&self) -> String {
        match &self.audit.first_broken {
            None => i18n::t(self.ctx.lang, "dashboard.audit.intact").to_string(),
            Some(b) => format!(
                "{} {} ({})",
                i18n::t(self.ctx.lang, "dashboard.audit.broken"),
                b.seq,
                b.reason.message()
            ),
        }
    }
}

fn principal(ctx: &PageContext, roles: &[Role]) -> Result<Principal, PageError> {
    Ok(Principal::User(ctx.require(roles)?.clone()))
}

const READERS: [Role; 3] = [Role::Admin, Role::Sponsor, Role::Coordinator];

async fn figures(
    ctx: &PageContext,
    db: &Db,
    id: &str,
    today: chrono::NaiveDate,
) -> Result<TrialDashboard, PageError> {
    let p = principal(ctx, &READERS)?;
    let id: Uuid = id
        .parse()
        .map_err(|_| ctx.fail(ApiError::NotFound("this trial".into())))?;
    dashboard::trial_dashboard(db.get_ref(), &p, id, today)
        .await
        .map_err(|e| ctx.fail(e))
}

fn no_store(mut res: HttpResponse) -> HttpResponse {
    res.headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// `GET /trials/{id}/dashboard`.
#[get("/trials/{id}/dashboard")]
pub async fn trial(
    ctx: PageContext,
    db: Db,
    id: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let d = figures(&ctx, &db, &id, ctx.clock.today()).await?;
    Ok(no_store(render(StatusCode::OK, &TrialPage { ctx, d })))
}

/// `GET /trials/{id}/dashboard.csv`.
#[get("/trials/{id}/dashboard.csv")]
pub async fn trial_csv(
    ctx: PageContext,
    db: Db,
    id: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let d = figures(&ctx, &db, &id, ctx.clock.today()).await?;
    let name = format!(
        "attachment; filename=\"funnel-{}-{}.csv\"",
        d.trial.id,
        d.today.format("%Y-%m-%d")
    );
    let mut res = HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .body(visible::csv(&d.view));
    if let Ok(v) = HeaderValue::from_str(&name) {
        res.headers_mut().insert(CONTENT_DISPOSITION, v);
    }
    Ok(no_store(res))
}

/// `GET /admin/dashboard`.
#[get("/admin/dashboard")]
pub async fn admin(ctx: PageContext, db: Db) -> Result<HttpResponse, PageError> {
    let p = principal(&ctx, &[Role::Admin])?;
    let db = db.get_ref();
    let trials = dashboard::headlines(db, &p)
        .await
        .map_err(|e| ctx.fail(e))?;
    let outbox = platform::email::report::report(db)
        .await
        .map_err(|e| ctx.fail(e.into()))?;
    let audit = platform::audit::verify_since_checkpoint(db)
        .await
        .map_err(|e| ctx.fail(e.into()))?;
    Ok(no_store(render(
        StatusCode::OK,
        &AdminPage {
            ctx,
            trials,
            outbox,
            audit,
        },
    )))
}
