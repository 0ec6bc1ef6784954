//! Small-count suppression for what sponsors see.
//!
//! The rule:
//! 1. **Primary suppression.** A count from 1 to 4 is shown as `<5`. Zero is shown.
//! 2. **Relations.** The figures of a page are linked by additive relations
//!    `total = part₁ + … + partₙ`: a stage's trial total is the sum of its cells per site, per
//!    practice and per week; within each row, `answered = proposed + not now + declined`; the
//!    decline reasons add up to the declines and the screen-failure reasons to the screen
//!    failures.
//! 3. **Complementary suppression.** Whenever a relation has exactly one hidden figure
//!    (a part, or its total), that figure could be recovered by subtraction: a second one is
//!    hidden too — the smallest visible non-zero part (the first in order among equals),
//!    else a visible zero part, else the total. A figure hidden this way is shown as `–`, not `<5`,
//!    since it may be large. This repeats until no relation has exactly one hidden figure
//!    (it ends: each round hides one more figure).
//!
//! Derived figures follow: a rate is shown only when both its terms are visible.

/// `total = sum of parts`, by index into the figures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Relation {
    /// The total.
    pub total: usize,
    /// Its parts.
    pub parts: Vec<usize>,
}

/// A figure as the reader sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cell {
    /// Shown as is.
    Shown(u32),
    /// A count from 1 to 4: `<5`.
    Small,
    /// Hidden so that a small count cannot be recovered: `–`.
    Hidden,
}

impl Cell {
    /// The figure if it is shown.
    pub fn value(self) -> Option<u32> {
        match self {
            Cell::Shown(n) => Some(n),
            _ => None,
        }
    }

    /// As text: the number, `<5` or `–`.
    pub fn text(self) -> String {
        match self {
            Cell::Shown(n) => n.to_string(),
            Cell::Small => "<5".into(),
            Cell::Hidden => "–".into(),
        }
    }
}

/// Whether a count is hidden by the primary rule.
pub fn is_small(n: u32) -> bool {
    (1..5).contains(&n)
}

/// Every figure shown (for readers who may see exact counts).
pub fn exact(values: &[u32]) -> Vec<Cell> {
    values.iter().map(|v| Cell::Shown(*v)).collect()
}

/// The figures with small counts suppressed and complements hidden (see the module doc).
pub fn suppress(values: &[u32], relations: &[Relation]) -> Vec<Cell> {
    let mut cells: Vec<Cell> = values
        .iter()
        .map(|&v| {
            if is_small(v) {
                Cell::Small
            } else {
                Cell::Shown(v)
            }
        })
        .collect();
    let hidden = |c: &Cell| !matches!(c, Cell::Shown(_));
    loop {
        let mut changed = false;
        for r in relations {
            let members = std::iter::once(r.total).chain(r.parts.iter().copied());
            if members.filter(|&i| hidden(&cells[i])).count() != 1 {
                continue;
            }
            let complement = r
                .parts
                .iter()
                .copied()
                .filter_map(|i| cells[i].value().map(|v| (v == 0, v, i)))
                .min()
                .map(|(_, _, i)| i)
                .or_else(|| (!hidden(&cells[r.total])).then_some(r.total));
            if let Some(i) = complement {
                cells[i] = Cell::Hidden;
                changed = true;
            }
        }
        if !changed {
            return cells;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Cell::*;

    fn rel(total: usize, parts: &[usize]) -> Relation {
        Relation {
            total,
            parts: parts.to_vec(),
        }
    }

    /// Every relation of the result has zero or at least two hidden figures.
    fn safe(cells: &[Cell], relations: &[Relation]) -> bool {
        relations.iter().all(|r| {
            std::iter::once(r.total)
                .chain(r.parts.iter().copied())
                .filter(|&i| cells[i].value().is_none())
                .count()
                != 1
        })
    }

    #[test]
    fn small_counts_and_their_complement() {
        // total 20 = 3 + 9 + 8: the 3 is small; the 8 (smallest visible) hides with it.
        let r = [rel(0, &[1, 2, 3])];
        let cells = suppress(&[20, 3, 9, 8], &r);
        assert_eq!(cells, [Shown(20), Small, Shown(9), Hidden]);
        assert!(safe(&cells, &r));
    }

    #[test]
    fn zero_is_shown_and_two_small_protect_each_other() {
        let r = [rel(0, &[1, 2, 3])];
        assert_eq!(
            suppress(&[15, 2, 0, 13], &r),
            [Shown(15), Small, Shown(0), Hidden]
        );
        assert_eq!(
            suppress(&[20, 2, 3, 15], &r),
            [Shown(20), Small, Small, Shown(15)]
        );
    }

    #[test]
    fn a_small_total_hides_a_part() {
        // 4 = 0 + 4: the total is small, the 4 too: both hidden already.
        let r = [rel(0, &[1, 2])];
        assert_eq!(suppress(&[4, 0, 4], &r), [Small, Shown(0), Small]);
        // 6 hidden would follow from 6 = visible parts: never the case, but a hidden total
        // with all parts visible gets a part hidden.
        let cells = suppress(&[3, 0, 0, 3], &[rel(0, &[1, 2]), rel(3, &[1, 2])]);
        assert!(safe(&cells, &[rel(0, &[1, 2]), rel(3, &[1, 2])]));
    }

    #[test]
    fn hiding_cascades_across_rows_and_columns() {
        // A 2×2 table with row and column totals and a grand total:
        //        c1  c2 | row
        //   r1    3  10 | 13
        //   r2    7   9 | 16
        //   col  10  19 | 29
        // idx:  r1c1=0 r1c2=1 r2c1=2 r2c2=3 r1=4 r2=5 col1=6 col2=7 grand=8
        let values = [3, 10, 7, 9, 13, 16, 10, 19, 29];
        let relations = [
            rel(4, &[0, 1]),
            rel(5, &[2, 3]),
            rel(6, &[0, 2]),
            rel(7, &[1, 3]),
            rel(8, &[4, 5]),
            rel(8, &[6, 7]),
        ];
        let cells = suppress(&values, &relations);
        assert_eq!(cells[0], Small);
        assert!(safe(&cells, &relations), "{cells:?}");
        // The 3 cannot be recovered from any one relation.
        assert_eq!(cells.iter().filter(|c| c.value().is_none()).count(), 4);
    }

    #[test]
    fn texts() {
        assert_eq!(Shown(12).text(), "12");
        assert_eq!(Small.text(), "<5");
        assert_eq!(Hidden.text(), "–");
        assert_eq!(exact(&[1]), [Shown(1)]);
    }
}
