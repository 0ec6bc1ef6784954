//! Three-valued (Kleene) truth: `met`, `not_met`, `unknown`.

use serde::{Deserialize, Serialize};

/// The outcome of a criterion. Ordered `NotMet < Unknown < Met`, so that conjunction is
/// the minimum and disjunction the maximum (Kleene's strong logic).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Truth {
    /// The record shows the criterion does not hold.
    NotMet,
    /// The record does not say: to confirm with the patient.
    Unknown,
    /// The record shows the criterion holds.
    Met,
}

impl Truth {
    /// Kleene conjunction.
    pub fn and(self, other: Truth) -> Truth {
        self.min(other)
    }

    /// Kleene disjunction.
    pub fn or(self, other: Truth) -> Truth {
        self.max(other)
    }

    /// Kleene negation.
    #[allow(clippy::should_implement_trait)]
    pub fn not(self) -> Truth {
        match self {
            Truth::Met => Truth::NotMet,
            Truth::NotMet => Truth::Met,
            Truth::Unknown => Truth::Unknown,
        }
    }

    /// At least `n` of the given truths met: met when `n` are met, not met when even the
    /// unknown ones could not make `n`, unknown otherwise.
    pub fn at_least(n: u32, truths: impl IntoIterator<Item = Truth>) -> Truth {
        let (mut met, mut unknown) = (0u32, 0u32);
        for t in truths {
            match t {
                Truth::Met => met += 1,
                Truth::Unknown => unknown += 1,
                Truth::NotMet => {}
            }
        }
        if met >= n {
            Truth::Met
        } else if met + unknown < n {
            Truth::NotMet
        } else {
            Truth::Unknown
        }
    }

    /// From a boolean that the record decides.
    pub fn from_bool(b: bool) -> Truth {
        if b { Truth::Met } else { Truth::NotMet }
    }
}
