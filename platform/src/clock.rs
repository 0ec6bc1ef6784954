//! The one clock. Domain code never reads the system time itself: it takes `now` (or a
//! [`Clock`]) from its caller, and the application holds one `Clock` in its app data, so a
//! test can run the whole server at a time of its choosing.

use chrono::{DateTime, NaiveDate, Utc};
use std::sync::{Arc, Mutex, PoisonError};

/// Where the time comes from: the system, or a time set by hand (tests, replays).
#[derive(Debug, Clone, Default)]
pub struct Clock {
    fixed: Option<Arc<Mutex<DateTime<Utc>>>>,
}

impl Clock {
    /// The system clock.
    pub fn system() -> Clock {
        Clock { fixed: None }
    }

    /// A clock that stays at `at` until [`Clock::set`] moves it.
    pub fn fixed(at: DateTime<Utc>) -> Clock {
        Clock {
            fixed: Some(Arc::new(Mutex::new(at))),
        }
    }

    /// Moves a fixed clock (and every copy of it) to `at`; a system clock ignores it.
    pub fn set(&self, at: DateTime<Utc>) {
        if let Some(t) = &self.fixed {
            *t.lock().unwrap_or_else(PoisonError::into_inner) = at;
        }
    }

    /// The current instant.
    pub fn now(&self) -> DateTime<Utc> {
        match &self.fixed {
            Some(t) => *t.lock().unwrap_or_else(PoisonError::into_inner),
            None => Utc::now(),
        }
    }

    /// Today's date (UTC).
    pub fn today(&self) -> NaiveDate {
        self.now().date_naive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn a_fixed_clock_moves_only_when_set_and_every_copy_follows() {
        let at = Utc.with_ymd_and_hms(2026, 12, 2, 9, 0, 0).unwrap();
        let clock = Clock::fixed(at);
        let copy = clock.clone();
        assert_eq!(copy.now(), at);
        let later = at + chrono::Duration::days(40);
        clock.set(later);
        assert_eq!(copy.now(), later);
        assert_eq!(copy.today(), later.date_naive());
        let system = Clock::system();
        system.set(at);
        assert!(system.now() > at);
    }
}
