//! Units of measure: parsing of the spellings found in records (UCUM and free text) and
//! conversion between units of the same dimension.

use rustc_hash::FxHashMap;
use std::sync::OnceLock;

/// A physical dimension; values convert only within one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dimension {
    /// Mass per volume (g/L, mg/dL, mg/L…).
    MassConcentration,
    /// Amount per volume (mol/L, mmol/L, µmol/L…).
    MolarConcentration,
    /// Mass (kg, g, mg).
    Mass,
    /// Length (m, cm, mm).
    Length,
    /// A dimensionless fraction (%, ratio).
    Fraction,
    /// Pressure (mmHg, kPa, cmHg).
    Pressure,
    /// Temperature in degrees Celsius.
    Temperature,
    /// A unit with no known conversion: values compare only with the same unit.
    Other,
}

/// A parsed unit: its dimension, its factor to the dimension's base unit, and a display form.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Unit {
    /// The dimension.
    pub dimension: Dimension,
    /// Multiply a value in this unit by `factor` to get the base unit.
    pub factor: f64,
    /// The canonical spelling (UCUM where it exists).
    pub symbol: &'static str,
}

/// (spellings, dimension, factor to base, canonical symbol). Spellings are lower case with
/// `µ`/`μ` written `u`, and `²` written `2`.
const UNITS: &[(&[&str], Dimension, f64, &str)] = &[
    (&["g/l"], Dimension::MassConcentration, 1.0, "g/L"),
    (
        &["mg/dl", "mg/100ml"],
        Dimension::MassConcentration,
        0.01,
        "mg/dL",
    ),
    (
        &["mg/l", "ug/ml"],
        Dimension::MassConcentration,
        0.001,
        "mg/L",
    ),
    (
        &["g/dl", "g/100ml"],
        Dimension::MassConcentration,
        10.0,
        "g/dL",
    ),
    (&["mg/ml"], Dimension::MassConcentration, 1.0, "mg/mL"),
    (
        &["ug/l", "ng/ml"],
        Dimension::MassConcentration,
        1e-6,
        "ug/L",
    ),
    (
        &["ng/l", "pg/ml"],
        Dimension::MassConcentration,
        1e-9,
        "ng/L",
    ),
    (&["mol/l"], Dimension::MolarConcentration, 1.0, "mol/L"),
    (
        &["mmol/l", "mm/l"],
        Dimension::MolarConcentration,
        1e-3,
        "mmol/L",
    ),
    (&["umol/l"], Dimension::MolarConcentration, 1e-6, "umol/L"),
    (&["nmol/l"], Dimension::MolarConcentration, 1e-9, "nmol/L"),
    (&["pmol/l"], Dimension::MolarConcentration, 1e-12, "pmol/L"),
    (&["kg", "kgs", "kilo", "kilos"], Dimension::Mass, 1.0, "kg"),
    (&["g", "gr"], Dimension::Mass, 1e-3, "g"),
    (&["mg"], Dimension::Mass, 1e-6, "mg"),
    (
        &["[lb_av]", "lb", "lbs"],
        Dimension::Mass,
        0.453_592_37,
        "[lb_av]",
    ),
    (&["m"], Dimension::Length, 1.0, "m"),
    (&["cm"], Dimension::Length, 0.01, "cm"),
    (&["mm"], Dimension::Length, 0.001, "mm"),
    (&["[in_i]", "in"], Dimension::Length, 0.0254, "[in_i]"),
    (&["%", "pct", "percent"], Dimension::Fraction, 0.01, "%"),
    (&["1", "{ratio}", "ratio"], Dimension::Fraction, 1.0, "1"),
    (&["mm[hg]", "mmhg"], Dimension::Pressure, 1.0, "mm[Hg]"),
    (&["cm[hg]", "cmhg"], Dimension::Pressure, 10.0, "cm[Hg]"),
    (&["kpa"], Dimension::Pressure, 7.500_615_758, "kPa"),
    (
        &["cel", "°c", "degc", "c"],
        Dimension::Temperature,
        1.0,
        "Cel",
    ),
];

/// Units with no conversion, recognised so their spellings compare equal.
const OTHER_UNITS: &[(&[&str], &str)] = &[
    (&["kg/m2", "kg/m^2"], "kg/m2"),
    (&["{inr}", "inr"], "{INR}"),
    (&["mmol/mol"], "mmol/mol"),
    (
        &["ml/min/1.73m2", "ml/min/{1.73_m2}", "ml/min"],
        "mL/min/{1.73_m2}",
    ),
    (&["u/l", "ui/l", "iu/l", "[iu]/l"], "U/L"),
    (&["/min", "{beats}/min", "bpm", "{beat}/min", "/mn"], "/min"),
    (&["mg/g", "mg/g{creat}"], "mg/g"),
    (&["mg/mmol", "mg/mmol{creat}"], "mg/mmol"),
    (&["miu/l", "mu/l", "uiu/ml", "mui/l"], "mIU/L"),
    (&["10*9/l", "g/l(cells)", "10^9/l"], "10*9/L"),
    (&["l", "litre", "liter"], "L"),
    (&["{score}", "score"], "{score}"),
    (&["a", "ann", "year", "years", "ans"], "a"),
    (
        &["{pack-years}", "pack-years", "{packyears}", "pa"],
        "{pack-years}",
    ),
];

/// The longest unit spelling compared.
const FOLD_CAPACITY: usize = 24;

/// A unit spelling folded for comparison (no allocation): white space removed, lower case,
/// micro signs as `u`, superscript two as `2`. Longer spellings fold to `None`.
#[derive(PartialEq, Eq)]
struct Folded {
    len: usize,
    bytes: [u8; FOLD_CAPACITY],
}

impl Folded {
    fn new(text: &str) -> Option<Folded> {
        let mut f = Folded {
            len: 0,
            bytes: [0; FOLD_CAPACITY],
        };
        if text.is_ascii() {
            for b in text.bytes().filter(|b| !b.is_ascii_whitespace()) {
                *f.bytes.get_mut(f.len)? = b.to_ascii_lowercase();
                f.len += 1;
            }
            return Some(f);
        }
        for c in text.chars().filter(|c| !c.is_whitespace()) {
            let c = match c {
                'µ' | 'μ' => 'u',
                '²' => '2',
                c => c.to_ascii_lowercase(),
            };
            let mut buf = [0u8; 4];
            for &b in c.encode_utf8(&mut buf).as_bytes() {
                *f.bytes.get_mut(f.len)? = b;
                f.len += 1;
            }
        }
        Some(f)
    }

    fn as_str(&self) -> &str {
        std::str::from_utf8(&self.bytes[..self.len]).unwrap_or_default()
    }
}

impl Unit {
    /// Parses a unit spelling. Unknown spellings give `None`.
    pub fn parse(text: &str) -> Option<Unit> {
        static BY_SPELLING: OnceLock<FxHashMap<&'static str, Unit>> = OnceLock::new();
        let table = BY_SPELLING.get_or_init(|| {
            let mut table = FxHashMap::default();
            for (spellings, dimension, factor, symbol) in UNITS {
                for s in *spellings {
                    table.insert(
                        *s,
                        Unit {
                            dimension: *dimension,
                            factor: *factor,
                            symbol,
                        },
                    );
                }
            }
            for (spellings, symbol) in OTHER_UNITS {
                for s in *spellings {
                    table.insert(
                        *s,
                        Unit {
                            dimension: Dimension::Other,
                            factor: 1.0,
                            symbol,
                        },
                    );
                }
            }
            table
        });
        table.get(Folded::new(text)?.as_str()).copied()
    }

    /// Whether values in `self` convert to `other`.
    pub fn converts_to(&self, other: &Unit) -> bool {
        if self.dimension == Dimension::Other || other.dimension == Dimension::Other {
            self.symbol == other.symbol
        } else {
            self.dimension == other.dimension
        }
    }
}

/// Converts `value` from unit `from` to unit `to` (spellings), when both are known and of one
/// dimension, or when they are the same spelling once folded.
pub fn convert(value: f64, from: &str, to: &str) -> Option<f64> {
    match (Unit::parse(from), Unit::parse(to)) {
        (Some(a), Some(b)) if a.converts_to(&b) => Some(value * a.factor / b.factor),
        (None, None) if Folded::new(from).is_some_and(|f| Some(f) == Folded::new(to)) => {
            Some(value)
        }
        _ => None,
    }
}

/// Whether two unit spellings convert into each other.
pub fn convertible(from: &str, to: &str) -> bool {
    convert(1.0, from, to).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-9 * b.abs().max(1.0)
    }

    #[test]
    fn conversions_within_a_dimension() {
        let cases = [
            (1.0, "g/L", "mg/dL", 100.0),
            (126.0, "mg/dl", "g/l", 1.26),
            (1.26, "g/L", "mg/L", 1260.0),
            (5.2, "mmol/L", "µmol/L", 5200.0),
            (88.0, "umol/l", "mmol/L", 0.088),
            (72.0, "kg", "g", 72000.0),
            (72500.0, "g", "kg", 72.5),
            (172.0, "cm", "m", 1.72),
            (1.72, "m", "cm", 172.0),
            (7.5, "%", "1", 0.075),
            (15.0, "kPa", "mm[Hg]", 112.509_236_37),
            (30.0, "kg/m²", "kg/m2", 30.0),
            (2.5, "{INR}", "INR", 2.5),
            (4.0, "weird", "WEIRD", 4.0),
        ];
        for (value, from, to, want) in cases {
            let got = convert(value, from, to).unwrap_or(f64::NAN);
            assert!(close(got, want), "{value} {from} -> {to}: {got} != {want}");
        }
    }

    #[test]
    fn no_conversion_across_dimensions() {
        for (from, to) in [
            ("mg/dL", "mmol/L"),
            ("kg", "cm"),
            ("%", "mmol/mol"),
            ("kg/m2", "kg"),
            ("weird", "other"),
            ("mg/dL", ""),
        ] {
            assert_eq!(convert(1.0, from, to), None, "{from} -> {to}");
            assert!(!convertible(from, to));
        }
    }
}
