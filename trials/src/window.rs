//! Time offsets and windows relative to the reference date (the consultation date).

use chrono::{Days, Months, NaiveDate};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

/// A signed offset written `30d`, `6w`, `18m` or `2y`. Negative offsets parse, so that
/// validation can point at them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Offset {
    /// The number of units (may be negative: refused by validation).
    pub amount: i32,
    /// The unit.
    pub unit: OffsetUnit,
}

/// The unit of an [`Offset`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OffsetUnit {
    /// Days (`d`).
    Days,
    /// Weeks (`w`).
    Weeks,
    /// Calendar months (`m`).
    Months,
    /// Calendar years (`y`).
    Years,
}

impl Offset {
    /// The date this far before `reference` (`None` if out of the calendar's range).
    pub fn before(&self, reference: NaiveDate) -> Option<NaiveDate> {
        let n = self.amount.unsigned_abs();
        let back = self.amount >= 0;
        match self.unit {
            OffsetUnit::Days | OffsetUnit::Weeks => {
                let days =
                    Days::new(u64::from(n) * if self.unit == OffsetUnit::Weeks { 7 } else { 1 });
                if back {
                    reference.checked_sub_days(days)
                } else {
                    reference.checked_add_days(days)
                }
            }
            OffsetUnit::Months | OffsetUnit::Years => {
                let months = Months::new(n.saturating_mul(if self.unit == OffsetUnit::Years {
                    12
                } else {
                    1
                }));
                if back {
                    reference.checked_sub_months(months)
                } else {
                    reference.checked_add_months(months)
                }
            }
        }
    }

    /// An approximate length in days, for comparing offsets of different units.
    pub fn approx_days(&self) -> i64 {
        let per = match self.unit {
            OffsetUnit::Days => 1.0,
            OffsetUnit::Weeks => 7.0,
            OffsetUnit::Months => 30.436_875,
            OffsetUnit::Years => 365.2425,
        };
        (f64::from(self.amount) * per).round() as i64
    }
}

impl FromStr for Offset {
    type Err = String;

    fn from_str(s: &str) -> Result<Offset, String> {
        let s = s.trim();
        let bad = || {
            format!(
                "`{s}` is not an offset: write a whole number and a unit, such as 30d, 6w, 18m or 2y"
            )
        };
        let unit = match s.chars().last() {
            Some('d') => OffsetUnit::Days,
            Some('w') => OffsetUnit::Weeks,
            Some('m') => OffsetUnit::Months,
            Some('y') => OffsetUnit::Years,
            _ => return Err(bad()),
        };
        let amount = s[..s.len() - 1].parse::<i32>().map_err(|_| bad())?;
        Ok(Offset { amount, unit })
    }
}

impl fmt::Display for Offset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let u = match self.unit {
            OffsetUnit::Days => 'd',
            OffsetUnit::Weeks => 'w',
            OffsetUnit::Months => 'm',
            OffsetUnit::Years => 'y',
        };
        write!(f, "{}{}", self.amount, u)
    }
}

impl Serialize for Offset {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Offset {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Offset, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// When events count, relative to the reference date. Absent means ever.
///
/// - `{"within": "2y"}`: from two years before the reference date up to it;
/// - `{"from": "5y", "to": "1y"}`: between five and one year before it;
/// - `{"to": "1y"}`: any time up to one year before it ("more than a year ago").
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Window {
    /// The last stretch of time up to the reference date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub within: Option<Offset>,
    /// The far end of the window, before the reference date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<Offset>,
    /// The near end of the window, before the reference date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<Offset>,
}

/// A window turned into dates for one reference date; both ends inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateRange {
    /// First day in the window (`None`: no lower bound).
    pub start: Option<NaiveDate>,
    /// Last day in the window.
    pub end: NaiveDate,
}

impl DateRange {
    /// Whether `date` falls in the range.
    pub fn contains(&self, date: NaiveDate) -> bool {
        date <= self.end && self.start.is_none_or(|s| date >= s)
    }
}

impl Window {
    /// Whether this window is "ever".
    pub fn is_ever(&self) -> bool {
        self.within.is_none() && self.from.is_none() && self.to.is_none()
    }

    /// The dates of the window for a reference date. Events after the reference date are
    /// never in it.
    pub fn range(&self, reference: NaiveDate) -> DateRange {
        let far = self.within.or(self.from);
        DateRange {
            start: far.and_then(|o| o.before(reference)),
            end: self
                .to
                .and_then(|o| o.before(reference))
                .unwrap_or(reference),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn offsets_parse_and_print() {
        for s in ["30d", "6w", "18m", "2y", "-3m", "0d"] {
            assert_eq!(s.parse::<Offset>().unwrap().to_string(), s);
        }
        for s in ["", "d", "2", "2 years", "1.5y", "2Y"] {
            assert!(s.parse::<Offset>().is_err(), "{s}");
        }
    }

    #[test]
    fn windows_become_date_ranges() {
        let r = d("2026-11-23");
        let w: Window = serde_json::from_str(r#"{"within":"2y"}"#).unwrap();
        assert_eq!(
            w.range(r),
            DateRange {
                start: Some(d("2024-11-23")),
                end: r
            }
        );
        let w: Window = serde_json::from_str(r#"{"from":"5y","to":"6m"}"#).unwrap();
        assert_eq!(
            w.range(r),
            DateRange {
                start: Some(d("2021-11-23")),
                end: d("2026-05-23")
            }
        );
        let w: Window = serde_json::from_str(r#"{"to":"1y"}"#).unwrap();
        assert_eq!(
            w.range(r),
            DateRange {
                start: None,
                end: d("2025-11-23")
            }
        );
        let w = Window::default();
        assert!(w.is_ever());
        assert!(!w.range(r).contains(d("2026-11-24")));
        assert!(w.range(r).contains(d("1950-01-01")));
        // Month arithmetic clamps at month ends.
        let w: Window = serde_json::from_str(r#"{"within":"1m"}"#).unwrap();
        assert_eq!(w.range(d("2026-03-31")).start, Some(d("2026-02-28")));
        assert!(serde_json::from_str::<Window>(r#"{"within":"2y","extra":1}"#).is_err());
    }
}
