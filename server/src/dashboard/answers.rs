//! What the funnel needs of a trial's plugin events: its patients grouped by practice, the
//! week they were first shown an alert and their decisive answer ([`Answers`]).
//!
//! A patient is a pseudonym within a practice. Their decisive answer is `accepted` if they
//! ever accepted (at their first acceptance), else `declined` if they ever declined (at
//! their last decline, with its reason; at equal times the greatest reason), else `not_now`
//! (at the last one). [`group`] is the definition; the server keeps the same groups counted
//! as events arrive ([`super::tally`]), so a dashboard never reads the events one by one.

use super::funnel::{Event, Stage, monday};
use chrono::{DateTime, NaiveDate, Utc};
use std::collections::{BTreeMap, HashMap};
use uuid::Uuid;

/// A decisive answer and when it was given.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Answer {
    /// [`Stage::Proposed`], [`Stage::Declined`] or [`Stage::NotNow`].
    pub stage: Stage,
    /// The Monday of its week.
    pub week: NaiveDate,
    /// The decline's reason (declines only; `None` when none was given).
    pub reason: Option<String>,
}

/// How many patients of a practice were first shown the trial in a week and answered it so.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Answers {
    /// The practice.
    pub practice: Uuid,
    /// The Monday of the week of their first event.
    pub first_week: NaiveDate,
    /// Their decisive answer; `None` when they were only shown the alert.
    pub answer: Option<Answer>,
    /// How many patients.
    pub patients: u32,
}

/// One patient's answers so far: enough to know their group after any further event, in
/// whatever order events arrive.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PatientState {
    /// The first event.
    pub first: Option<DateTime<Utc>>,
    /// The first acceptance.
    pub accepted: Option<DateTime<Utc>>,
    /// The last decline and its reason.
    pub declined: Option<(DateTime<Utc>, Option<String>)>,
    /// The last "not now".
    pub not_now: Option<DateTime<Utc>>,
}

impl PatientState {
    /// Takes one more event into account.
    pub fn add(&mut self, at: DateTime<Utc>, response: &str, reason: Option<&str>) {
        self.first = Some(self.first.map_or(at, |f| f.min(at)));
        match response {
            "accepted" => self.accepted = Some(self.accepted.map_or(at, |a| a.min(at))),
            "declined" => {
                // Later wins; at equal times the greater reason (no reason is the least).
                let newer = self.declined.as_ref().is_none_or(|(t, r)| {
                    (at, reason.unwrap_or("")) > (*t, r.as_deref().unwrap_or(""))
                });
                if newer {
                    self.declined = Some((at, reason.map(str::to_string)));
                }
            }
            "not_now" => self.not_now = Some(self.not_now.map_or(at, |a| a.max(at))),
            _ => {}
        }
    }

    /// The decisive answer.
    pub fn answer(&self) -> Option<Answer> {
        let week = |at: DateTime<Utc>| monday(at.date_naive());
        if let Some(at) = self.accepted {
            Some(Answer {
                stage: Stage::Proposed,
                week: week(at),
                reason: None,
            })
        } else if let Some((at, reason)) = &self.declined {
            Some(Answer {
                stage: Stage::Declined,
                week: week(*at),
                reason: reason.clone().filter(|r| !r.is_empty()),
            })
        } else {
            self.not_now.map(|at| Answer {
                stage: Stage::NotNow,
                week: week(at),
                reason: None,
            })
        }
    }

    /// The group the patient is counted in: the week first shown and the decisive answer
    /// (`None` before any event).
    pub fn group(&self) -> Option<(NaiveDate, Option<Answer>)> {
        self.first
            .map(|first| (monday(first.date_naive()), self.answer()))
    }
}

/// The day number of `d` (days since 1970-01-01), as the tallies store weeks.
pub fn day_number(d: NaiveDate) -> i64 {
    (d - NaiveDate::default()).num_days()
}

/// The day of a day number.
pub fn from_day_number(n: i64) -> Option<NaiveDate> {
    NaiveDate::default().checked_add_signed(chrono::Duration::days(n))
}

/// Groups `events` into [`Answers`], sorted.
pub fn group(events: &[Event]) -> Vec<Answers> {
    let mut patients: HashMap<(Uuid, &str), PatientState> = HashMap::new();
    for e in events {
        patients
            .entry((e.practice, e.patient.as_str()))
            .or_default()
            .add(e.at, &e.response, e.reason.as_deref());
    }
    let mut groups: BTreeMap<(Uuid, NaiveDate, Option<Answer>), u32> = BTreeMap::new();
    for ((practice, _), p) in &patients {
        let Some((first_week, answer)) = p.group() else {
            continue;
        };
        *groups.entry((*practice, first_week, answer)).or_insert(0) += 1;
    }
    groups
        .into_iter()
        .map(|((practice, first_week, answer), patients)| Answers {
            practice,
            first_week,
            answer,
            patients,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    fn at(d: i64, minute: i64) -> DateTime<Utc> {
        // 2025-01-06 is a Monday.
        let base = NaiveDate::from_ymd_opt(2025, 1, 6)
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|t| t.and_utc())
            .unwrap_or_default();
        base + Duration::days(d) + Duration::minutes(minute)
    }

    fn ev(patient: &str, response: &str, reason: Option<&str>, at: DateTime<Utc>) -> Event {
        Event {
            practice: Uuid::from_u128(1),
            patient: patient.into(),
            response: response.into(),
            reason: reason.map(Into::into),
            at,
        }
    }

    fn week(d: i64) -> NaiveDate {
        monday(at(d, 0).date_naive())
    }

    #[test]
    fn each_patient_counts_once_by_their_decisive_answer() {
        let events = [
            // Accepted after a decline: proposed, in the week of the acceptance.
            ev("a", "shown", None, at(0, 0)),
            ev("a", "declined", Some("not_interested"), at(0, 1)),
            ev("a", "accepted", None, at(8, 0)),
            // Declined twice: the last reason, the last week.
            ev("b", "declined", Some("not_interested"), at(1, 0)),
            ev("b", "declined", Some("too_busy"), at(9, 0)),
            // Two declines at the same time: the greater reason.
            ev("c", "declined", None, at(2, 0)),
            ev("c", "declined", Some("other"), at(2, 0)),
            // Not now twice: the last; shown only: no answer.
            ev("d", "not_now", None, at(3, 0)),
            ev("d", "not_now", None, at(10, 0)),
            ev("e", "shown", None, at(4, 0)),
            ev("f", "shown", None, at(5, 0)),
        ];
        let answer = |stage, d, reason: Option<&str>| {
            Some(Answer {
                stage,
                week: week(d),
                reason: reason.map(Into::into),
            })
        };
        let g = |answer, patients| Answers {
            practice: Uuid::from_u128(1),
            first_week: week(0),
            answer,
            patients,
        };
        let mut expected = vec![
            g(None, 2),
            g(answer(Stage::Proposed, 8, None), 1),
            g(answer(Stage::Declined, 9, Some("too_busy")), 1),
            g(answer(Stage::Declined, 2, Some("other")), 1),
            g(answer(Stage::NotNow, 10, None), 1),
        ];
        expected.sort();
        assert_eq!(group(&events), expected);
    }

    #[test]
    fn no_events_no_groups() {
        assert!(group(&[]).is_empty());
        assert_eq!(PatientState::default().group(), None);
    }

    #[test]
    fn the_order_of_events_does_not_matter() {
        let events = [
            ("shown", None, at(0, 0)),
            ("declined", Some("too_busy"), at(9, 0)),
            ("not_now", None, at(3, 0)),
            ("declined", Some("other"), at(2, 0)),
        ];
        let mut forward = PatientState::default();
        let mut backward = PatientState::default();
        for (r, why, t) in &events {
            forward.add(*t, r, *why);
        }
        for (r, why, t) in events.iter().rev() {
            backward.add(*t, r, *why);
        }
        assert_eq!(forward, backward);
        assert_eq!(
            forward.answer().and_then(|a| a.reason),
            Some("too_busy".to_string())
        );
    }

    #[test]
    fn day_numbers_round_trip() {
        let d = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap_or_default();
        assert_eq!(
            day_number(NaiveDate::from_ymd_opt(1970, 1, 2).unwrap_or_default()),
            1
        );
        assert_eq!(from_day_number(day_number(d)), Some(d));
        // 1970-01-01 was a Thursday: the SQL's Monday is `n - (n + 3) % 7`.
        let n = day_number(d);
        assert_eq!(n - (n + 3) % 7, day_number(monday(d)));
    }
}
