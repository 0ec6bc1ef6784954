//! The recruitment funnel of one trial, computed (purely) from its rows loaded once.
//!
//! Stages and how they are counted:
//! - `shown`: distinct patients (a pseudonym within a practice) with any plugin event;
//! - `answered`: those with an answer other than `shown`, each counted once by their
//!   decisive answer: `accepted` if they ever accepted (`proposed`), else `declined` if they
//!   ever declined (the reason of their last decline is counted), else `not_now`; so
//!   `answered = proposed + not_now + declined`;
//! - `consented`: consents signed (withdrawn ones included: they were signed);
//! - `referred`, `contacted`, `screening`, `enrolled`: referrals that reached the stage (from
//!   their `referral_events`, and their current status); a referral counts for every stage
//!   it reached;
//! - `screen_failed` (reasons counted), `site_declined`, `withdrawn`: referrals that left
//!   the workflow that way.
//!
//! The weekly breakdown counts each figure in the ISO week it happened (a patient's first
//! showing, their decisive answer, the signature, the referral, the first event reaching a
//! status), so every breakdown adds up to the totals.

use super::answers::Answers;
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use std::collections::{BTreeMap, HashMap};
use uuid::Uuid;

/// A stage of the funnel (and its exits).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Stage {
    /// Alert shown.
    Shown,
    /// Alert answered.
    Answered,
    /// Proposed to the patient (an accepted alert).
    Proposed,
    /// Answered "not now".
    NotNow,
    /// Declined by the GP or patient at the alert.
    Declined,
    /// Consent signed.
    Consented,
    /// Referred to a site.
    Referred,
    /// Contacted by the site.
    Contacted,
    /// In screening.
    Screening,
    /// Enrolled.
    Enrolled,
    /// Not eligible at screening.
    ScreenFailed,
    /// Declined at the site.
    SiteDeclined,
    /// Withdrew.
    Withdrawn,
}

/// How many stages there are.
pub const STAGES: usize = 13;

impl Stage {
    /// Every stage, in funnel order.
    pub const ALL: [Stage; STAGES] = [
        Stage::Shown,
        Stage::Answered,
        Stage::Proposed,
        Stage::NotNow,
        Stage::Declined,
        Stage::Consented,
        Stage::Referred,
        Stage::Contacted,
        Stage::Screening,
        Stage::Enrolled,
        Stage::ScreenFailed,
        Stage::SiteDeclined,
        Stage::Withdrawn,
    ];

    /// The stages a site can be credited with (everything from the consent on).
    pub const SITE: [Stage; 8] = [
        Stage::Consented,
        Stage::Referred,
        Stage::Contacted,
        Stage::Screening,
        Stage::Enrolled,
        Stage::ScreenFailed,
        Stage::SiteDeclined,
        Stage::Withdrawn,
    ];

    /// The main path, for the funnel chart and the conversion rates.
    pub const PATH: [Stage; 8] = [
        Stage::Shown,
        Stage::Answered,
        Stage::Proposed,
        Stage::Consented,
        Stage::Referred,
        Stage::Contacted,
        Stage::Screening,
        Stage::Enrolled,
    ];

    /// The stable name (CSV, message keys `dashboard.stage.{name}`).
    pub fn key(self) -> &'static str {
        match self {
            Stage::Shown => "shown",
            Stage::Answered => "answered",
            Stage::Proposed => "proposed",
            Stage::NotNow => "not_now",
            Stage::Declined => "declined",
            Stage::Consented => "consented",
            Stage::Referred => "referred",
            Stage::Contacted => "contacted",
            Stage::Screening => "screening",
            Stage::Enrolled => "enrolled",
            Stage::ScreenFailed => "screen_failed",
            Stage::SiteDeclined => "site_declined",
            Stage::Withdrawn => "withdrawn",
        }
    }

    /// The position in [`Stage::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }
}

/// One count per stage.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts(pub [u32; STAGES]);

impl Counts {
    /// The count of a stage.
    pub fn get(&self, s: Stage) -> u32 {
        self.0[s.index()]
    }

    fn add(&mut self, s: Stage, n: u32) {
        self.0[s.index()] += n;
    }
}

/// A plugin event (one answer to an alert).
#[derive(Debug, Clone)]
pub struct Event {
    /// The practice.
    pub practice: Uuid,
    /// The patient's pseudonym within the practice.
    pub patient: String,
    /// `shown`, `accepted`, `not_now` or `declined`.
    pub response: String,
    /// Why it was declined.
    pub reason: Option<String>,
    /// When.
    pub at: DateTime<Utc>,
}

/// A signed consent.
#[derive(Debug, Clone)]
pub struct Consent {
    /// Consent id.
    pub id: Uuid,
    /// The practice.
    pub practice: Uuid,
    /// When it was signed.
    pub signed_at: DateTime<Utc>,
}

/// A referral with its current status.
#[derive(Debug, Clone)]
pub struct Referral {
    /// Referral id.
    pub id: Uuid,
    /// Its consent.
    pub consent: Uuid,
    /// The site.
    pub site: Uuid,
    /// The referring practice.
    pub practice: Uuid,
    /// The current status.
    pub status: String,
    /// The current exit reason.
    pub reason: Option<String>,
    /// Created at (the referral).
    pub created_at: DateTime<Utc>,
    /// Last changed at.
    pub updated_at: DateTime<Utc>,
}

/// A referral's status change.
#[derive(Debug, Clone)]
pub struct Transition {
    /// The referral.
    pub referral: Uuid,
    /// The status reached.
    pub to: String,
    /// Exit reason.
    pub reason: Option<String>,
    /// When.
    pub at: DateTime<Utc>,
}

/// Everything the funnel is computed from.
#[derive(Debug, Clone, Default)]
pub struct Input {
    /// Enrolment target.
    pub target: Option<u32>,
    /// The trial's patients grouped by their alert answers (see [`answers`](super::answers)).
    pub answers: Vec<Answers>,
    /// Consents of the trial.
    pub consents: Vec<Consent>,
    /// Referrals of the trial.
    pub referrals: Vec<Referral>,
    /// Their status changes.
    pub transitions: Vec<Transition>,
}

/// When the target will be reached at the recent rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Projection {
    /// The trial has no target.
    NoTarget,
    /// Already reached.
    Reached,
    /// No enrolment in the last 8 weeks: no rate to project from.
    NoRecentEnrolment,
    /// Projected completion date.
    On(NaiveDate),
}

/// Enrolment against the target.
#[derive(Debug, Clone, PartialEq)]
pub struct Enrolment {
    /// Target, if any.
    pub target: Option<u32>,
    /// Enrolled so far.
    pub enrolled: u32,
    /// Enrolments in the last [`RECENT_WEEKS`] weeks.
    pub recent: u32,
    /// The projected completion.
    pub projection: Projection,
    /// Cumulative enrolments at the end of each week (its Monday), from the first week with
    /// any activity to this week.
    pub cumulative: Vec<(NaiveDate, u32)>,
}

/// The window of the recent rate, in weeks.
pub const RECENT_WEEKS: i64 = 8;

/// A trial's funnel.
#[derive(Debug, Clone, PartialEq)]
pub struct Funnel {
    /// The whole trial.
    pub total: Counts,
    /// Per site (site stages only), by site id.
    pub by_site: BTreeMap<Uuid, Counts>,
    /// Per practice, by practice id.
    pub by_practice: BTreeMap<Uuid, Counts>,
    /// Per ISO week (its Monday), every week from the first to the current one.
    pub by_week: BTreeMap<NaiveDate, Counts>,
    /// Decline reasons at the alert (decisive declines), by reason (`unspecified` when none).
    pub decline_reasons: BTreeMap<String, u32>,
    /// Screen-failure reasons, by reason.
    pub screen_fail_reasons: BTreeMap<String, u32>,
    /// Referrals screened (reached screening or failed it): the screen-failure rate's base.
    pub screened: u32,
    /// Enrolment and projection.
    pub enrolment: Enrolment,
    /// Median days from referral to the first contact, and how many referrals it is over.
    pub to_contact: Option<(f64, u32)>,
    /// Median days from referral to enrolment, and how many referrals it is over.
    pub to_enrolment: Option<(f64, u32)>,
}

/// `num / den`, or nothing when `den` is 0.
pub fn rate(num: u32, den: u32) -> Option<f64> {
    (den > 0).then(|| f64::from(num) / f64::from(den))
}

/// The Monday of `d`'s ISO week.
pub fn monday(d: NaiveDate) -> NaiveDate {
    d - Duration::days(i64::from(d.weekday().num_days_from_monday()))
}

/// `2025-W03`.
pub fn week_label(monday: NaiveDate) -> String {
    let w = monday.iso_week();
    format!("{}-W{:02}", w.year(), w.week())
}

/// The median of `values` (the mean of the middle two for an even count).
pub fn median(values: &mut [f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let n = values.len();
    Some(if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    })
}

fn days(from: DateTime<Utc>, to: DateTime<Utc>) -> f64 {
    (to - from).num_seconds() as f64 / 86_400.0
}

fn stage_of_status(s: &str) -> Option<Stage> {
    Some(match s {
        "referred" => Stage::Referred,
        "contacted" => Stage::Contacted,
        "screening" => Stage::Screening,
        "enrolled" => Stage::Enrolled,
        "screen_failed" => Stage::ScreenFailed,
        "declined" => Stage::SiteDeclined,
        "withdrawn" => Stage::Withdrawn,
        _ => return None,
    })
}

/// Computes the funnel as of `today`.
pub fn compute(input: &Input, today: NaiveDate) -> Funnel {
    let mut total = Counts::default();
    let mut by_site: BTreeMap<Uuid, Counts> = BTreeMap::new();
    let mut by_practice: BTreeMap<Uuid, Counts> = BTreeMap::new();
    let mut by_week: BTreeMap<NaiveDate, Counts> = BTreeMap::new();
    let mut decline_reasons = BTreeMap::new();
    let mut screen_fail_reasons = BTreeMap::new();

    let mut count = |stage: Stage, practice: Uuid, site: Option<Uuid>, day: NaiveDate, n: u32| {
        total.add(stage, n);
        by_practice.entry(practice).or_default().add(stage, n);
        if let Some(site) = site {
            by_site.entry(site).or_default().add(stage, n);
        }
        by_week.entry(monday(day)).or_default().add(stage, n);
    };

    // Alerts: each patient once when first shown, and once by their decisive answer.
    for a in &input.answers {
        count(Stage::Shown, a.practice, None, a.first_week, a.patients);
        if let Some(answer) = &a.answer {
            count(Stage::Answered, a.practice, None, answer.week, a.patients);
            count(answer.stage, a.practice, None, answer.week, a.patients);
            if answer.stage == Stage::Declined {
                let reason = answer.reason.as_deref().unwrap_or("unspecified");
                *decline_reasons.entry(reason.to_string()).or_insert(0) += a.patients;
            }
        }
    }

    // Consents, credited to the site of their referral.
    let site_of_consent: HashMap<Uuid, Uuid> = input
        .referrals
        .iter()
        .map(|r| (r.consent, r.site))
        .collect();
    for c in &input.consents {
        count(
            Stage::Consented,
            c.practice,
            site_of_consent.get(&c.id).copied(),
            c.signed_at.date_naive(),
            1,
        );
    }

    // Referrals: every stage reached, at its first event.
    let mut transitions: HashMap<Uuid, Vec<&Transition>> = HashMap::new();
    for t in &input.transitions {
        transitions.entry(t.referral).or_default().push(t);
    }
    let mut screened = 0;
    let mut to_contact = Vec::new();
    let mut to_enrolment = Vec::new();
    let mut enrolled_at = Vec::new();
    for r in &input.referrals {
        let mut reached: BTreeMap<Stage, (DateTime<Utc>, Option<&str>)> = BTreeMap::new();
        reached.insert(Stage::Referred, (r.created_at, None));
        for t in transitions
            .get(&r.id)
            .map(Vec::as_slice)
            .unwrap_or_default()
        {
            if let Some(s) = stage_of_status(&t.to) {
                let e = reached.entry(s).or_insert((t.at, t.reason.as_deref()));
                if t.at < e.0 {
                    *e = (t.at, t.reason.as_deref());
                }
            }
        }
        if let Some(s) = stage_of_status(&r.status) {
            reached
                .entry(s)
                .or_insert((r.updated_at, r.reason.as_deref()));
        }
        // A referral that reached a later stage passed the earlier ones.
        for (later, earlier) in [
            (Stage::Enrolled, Stage::Screening),
            (Stage::Screening, Stage::Contacted),
        ] {
            if let Some(&(at, _)) = reached.get(&later) {
                reached.entry(earlier).or_insert((at, None));
            }
        }
        for (stage, (at, reason)) in &reached {
            count(*stage, r.practice, Some(r.site), at.date_naive(), 1);
            if *stage == Stage::ScreenFailed {
                *screen_fail_reasons
                    .entry(reason.unwrap_or("unspecified").to_string())
                    .or_insert(0) += 1;
            }
        }
        if reached.contains_key(&Stage::Screening) || reached.contains_key(&Stage::ScreenFailed) {
            screened += 1;
        }
        if let Some((at, _)) = reached.get(&Stage::Contacted) {
            to_contact.push(days(r.created_at, *at));
        }
        if let Some((at, _)) = reached.get(&Stage::Enrolled) {
            to_enrolment.push(days(r.created_at, *at));
            enrolled_at.push(at.date_naive());
        }
    }

    // Every week from the first to this one.
    let this_week = monday(today);
    if let Some(first) = by_week.keys().next().copied() {
        let mut w = first;
        while w <= this_week {
            by_week.entry(w).or_default();
            w += Duration::weeks(1);
        }
    }

    let enrolment = enrolment(input.target, &enrolled_at, &by_week, today);
    let n = |v: &Vec<f64>| u32::try_from(v.len()).unwrap_or(u32::MAX);
    let (nc, ne) = (n(&to_contact), n(&to_enrolment));
    Funnel {
        total,
        by_site,
        by_practice,
        by_week,
        decline_reasons,
        screen_fail_reasons,
        screened,
        enrolment,
        to_contact: median(&mut to_contact).map(|m| (m, nc)),
        to_enrolment: median(&mut to_enrolment).map(|m| (m, ne)),
    }
}

fn enrolment(
    target: Option<u32>,
    enrolled_at: &[NaiveDate],
    by_week: &BTreeMap<NaiveDate, Counts>,
    today: NaiveDate,
) -> Enrolment {
    let enrolled = u32::try_from(enrolled_at.len()).unwrap_or(u32::MAX);
    let since = today - Duration::weeks(RECENT_WEEKS);
    let recent = u32::try_from(
        enrolled_at
            .iter()
            .filter(|d| **d > since && **d <= today)
            .count(),
    )
    .unwrap_or(u32::MAX);
    let projection = match target {
        None => Projection::NoTarget,
        Some(t) if enrolled >= t => Projection::Reached,
        Some(_) if recent == 0 => Projection::NoRecentEnrolment,
        Some(t) => {
            // remaining / (recent / 8 weeks), in whole days, rounded up.
            let remaining = i64::from(t - enrolled);
            let days = (remaining * RECENT_WEEKS * 7 + i64::from(recent) - 1) / i64::from(recent);
            Projection::On(today + Duration::days(days))
        }
    };
    let mut sum = 0;
    let cumulative = by_week
        .iter()
        .map(|(w, c)| {
            sum += c.get(Stage::Enrolled);
            (*w, sum)
        })
        .collect();
    Enrolment {
        target,
        enrolled,
        recent,
        projection,
        cumulative,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: u32) -> DateTime<Utc> {
        // 2025-01-06 is a Monday (ISO week 2).
        let base = NaiveDate::from_ymd_opt(2025, 1, 6).unwrap_or_default();
        (base + Duration::days(i64::from(d)))
            .and_hms_opt(10, 0, 0)
            .unwrap_or_default()
            .and_utc()
    }

    fn id(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    fn ev(practice: u128, patient: &str, response: &str, reason: Option<&str>, d: u32) -> Event {
        Event {
            practice: id(practice),
            patient: patient.into(),
            response: response.into(),
            reason: reason.map(Into::into),
            at: day(d),
        }
    }

    /// Practices 1 and 2; sites 10 and 11; referrals 100..; consents 200...
    fn scenario() -> Input {
        let events = vec![
            // Practice 1: a shown, accepted; b shown, not now then accepted; c declined
            // twice (last reason counts); d shown only.
            ev(1, "a", "shown", None, 0),
            ev(1, "a", "accepted", None, 0),
            ev(1, "b", "shown", None, 1),
            ev(1, "b", "not_now", None, 1),
            ev(1, "b", "accepted", None, 8),
            ev(1, "c", "declined", Some("not_interested"), 2),
            ev(1, "c", "declined", Some("too_busy"), 9),
            ev(1, "d", "shown", None, 3),
            // Practice 2: the same pseudonym "a" is another patient; e not now.
            ev(2, "a", "accepted", None, 7),
            ev(2, "e", "shown", None, 14),
            ev(2, "e", "not_now", None, 14),
        ];
        let consents = (0..3)
            .map(|i| Consent {
                id: id(200 + i),
                practice: id(if i == 2 { 2 } else { 1 }),
                signed_at: day([1, 9, 8][i as usize]),
            })
            .collect();
        let referral = |i: u128, site: u128, practice: u128, status: &str, d: u32| Referral {
            id: id(100 + i),
            consent: id(200 + i),
            site: id(site),
            practice: id(practice),
            status: status.into(),
            reason: None,
            created_at: day(d),
            updated_at: day(d),
        };
        let referrals = vec![
            referral(0, 10, 1, "enrolled", 1),
            referral(1, 10, 1, "screen_failed", 9),
            referral(2, 11, 2, "contacted", 8),
        ];
        let t = |r: u128, to: &str, reason: Option<&str>, d: u32| Transition {
            referral: id(100 + r),
            to: to.into(),
            reason: reason.map(Into::into),
            at: day(d),
        };
        let transitions = vec![
            t(0, "referred", None, 1),
            t(0, "contacted", None, 3),
            t(0, "screening", None, 5),
            t(0, "enrolled", None, 15),
            t(1, "referred", None, 9),
            t(1, "contacted", None, 10),
            t(1, "screen_failed", Some("not_meeting_criteria"), 11),
            t(2, "referred", None, 8),
            t(2, "contacted", None, 14),
        ];
        Input {
            target: Some(4),
            answers: crate::dashboard::answers::group(&events),
            consents,
            referrals,
            transitions,
        }
    }

    fn counts(pairs: &[(Stage, u32)]) -> Counts {
        let mut c = Counts::default();
        for (s, n) in pairs {
            c.0[s.index()] = *n;
        }
        c
    }

    #[test]
    fn totals_of_the_scenario() {
        let f = compute(&scenario(), day(20).date_naive());
        use Stage::*;
        assert_eq!(
            f.total,
            counts(&[
                (Shown, 6),
                (Answered, 5),
                (Proposed, 3),
                (NotNow, 1),
                (Declined, 1),
                (Consented, 3),
                (Referred, 3),
                (Contacted, 3),
                (Screening, 1),
                (Enrolled, 1),
                (ScreenFailed, 1),
            ])
        );
        assert_eq!(
            f.decline_reasons,
            BTreeMap::from([("too_busy".to_string(), 1)])
        );
        assert_eq!(
            f.screen_fail_reasons,
            BTreeMap::from([("not_meeting_criteria".to_string(), 1)])
        );
        assert_eq!(f.screened, 2);
        // Contact after 2, 1 and 6 days; enrolment after 14.
        assert_eq!(f.to_contact, Some((2.0, 3)));
        assert_eq!(f.to_enrolment, Some((14.0, 1)));
    }

    #[test]
    fn breakdowns_add_up() {
        let f = compute(&scenario(), day(20).date_naive());
        use Stage::*;
        assert_eq!(
            f.by_site[&id(10)],
            counts(&[
                (Consented, 2),
                (Referred, 2),
                (Contacted, 2),
                (Screening, 1),
                (Enrolled, 1),
                (ScreenFailed, 1)
            ])
        );
        assert_eq!(
            f.by_site[&id(11)],
            counts(&[(Consented, 1), (Referred, 1), (Contacted, 1)])
        );
        assert_eq!(
            f.by_practice[&id(2)],
            counts(&[
                (Shown, 2),
                (Answered, 2),
                (Proposed, 1),
                (NotNow, 1),
                (Consented, 1),
                (Referred, 1),
                (Contacted, 1)
            ])
        );
        // Weeks of 2025-01-06, -13 and -20 (today is the 26th, in the third).
        let weeks: Vec<_> = f.by_week.keys().map(|w| week_label(*w)).collect();
        assert_eq!(weeks, ["2025-W02", "2025-W03", "2025-W04"]);
        let w2 = f.by_week[&monday(day(0).date_naive())];
        assert_eq!(
            w2,
            counts(&[
                (Shown, 4),
                (Answered, 1),
                (Proposed, 1),
                (Consented, 1),
                (Referred, 1),
                (Contacted, 1),
                (Screening, 1)
            ])
        );
        for s in Stage::ALL {
            fn sum<K>(m: &BTreeMap<K, Counts>, s: Stage) -> u32 {
                m.values().map(|c| c.get(s)).sum()
            }
            assert_eq!(sum(&f.by_week, s), f.total.get(s), "{s:?} by week");
            assert_eq!(sum(&f.by_practice, s), f.total.get(s), "{s:?} by practice");
            if Stage::SITE.contains(&s) {
                assert_eq!(sum(&f.by_site, s), f.total.get(s), "{s:?} by site");
            }
        }
    }

    #[test]
    fn enrolment_and_projection() {
        let f = compute(&scenario(), day(20).date_naive());
        let e = &f.enrolment;
        assert_eq!((e.enrolled, e.recent, e.target), (1, 1, Some(4)));
        // 3 remaining at 1 per 8 weeks: 168 days.
        assert_eq!(e.projection, Projection::On(day(20 + 168).date_naive()));
        let cumulative: Vec<u32> = e.cumulative.iter().map(|(_, n)| *n).collect();
        assert_eq!(cumulative, [0, 0, 1]);
        // Nine weeks later the enrolment is no longer recent.
        let later = compute(&scenario(), day(15 + 57).date_naive());
        assert_eq!(later.enrolment.projection, Projection::NoRecentEnrolment);
        let mut reached = scenario();
        reached.target = Some(1);
        assert_eq!(
            compute(&reached, day(20).date_naive()).enrolment.projection,
            Projection::Reached
        );
        reached.target = None;
        assert_eq!(
            compute(&reached, day(20).date_naive()).enrolment.projection,
            Projection::NoTarget
        );
    }

    #[test]
    fn medians_and_rates() {
        assert_eq!(median(&mut []), None);
        assert_eq!(median(&mut [3.0, 1.0]), Some(2.0));
        assert_eq!(median(&mut [5.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(rate(1, 4), Some(0.25));
        assert_eq!(rate(1, 0), None);
        assert_eq!(
            week_label(NaiveDate::from_ymd_opt(2024, 12, 30).unwrap_or_default()),
            "2025-W01"
        );
    }
}
