//! The observation catalogue: common LOINC codes of primary-care labs and biometrics, with
//! their names, their canonical unit and the bounds of plausible values. A value outside its
//! bounds is a typing error (BMI 212278.88, weight typed as height) and is ignored.

use crate::units;
use rustc_hash::FxHashMap;
use std::sync::OnceLock;

/// LOINC code of body weight.
pub const WEIGHT: &str = "29463-7";
/// LOINC code of body height.
pub const HEIGHT: &str = "8302-2";
/// LOINC code of body mass index.
pub const BMI: &str = "39156-5";

/// What the engine knows of one observation code.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ObservationKind {
    /// LOINC code.
    pub code: &'static str,
    /// English name.
    pub name_en: &'static str,
    /// French name.
    pub name_fr: &'static str,
    /// Canonical unit; recorded values are converted to it, and a value recorded without a
    /// unit is taken to be in it.
    pub unit: &'static str,
    /// Lowest plausible value, in the canonical unit.
    pub min: f64,
    /// Highest plausible value, in the canonical unit.
    pub max: f64,
}

macro_rules! kinds {
    ($( $code:literal, $en:literal, $fr:literal, $unit:literal, $min:literal, $max:literal; )*) => {
        /// Every catalogued observation kind.
        pub const KINDS: &[ObservationKind] = &[ $( ObservationKind {
            code: $code, name_en: $en, name_fr: $fr, unit: $unit, min: $min, max: $max,
        }, )* ];
    };
}

kinds! {
    "4548-4", "HbA1c", "HbA1c", "%", 3.0, 25.0;
    "17856-6", "HbA1c (HPLC)", "HbA1c (HPLC)", "%", 3.0, 25.0;
    "59261-8", "HbA1c (IFCC)", "HbA1c (IFCC)", "mmol/mol", 9.0, 250.0;
    "2345-7", "Glucose", "Glycémie", "g/L", 0.1, 15.0;
    "1558-6", "Fasting glucose", "Glycémie à jeun", "g/L", 0.1, 15.0;
    "14749-6", "Glucose (molar)", "Glycémie (molaire)", "mmol/L", 0.5, 85.0;
    "6301-6", "INR", "INR", "{INR}", 0.5, 20.0;
    "34714-6", "INR (blood)", "INR (sang)", "{INR}", 0.5, 20.0;
    "2160-0", "Creatinine", "Créatinine", "mg/L", 1.0, 200.0;
    "14682-9", "Creatinine (molar)", "Créatinine (molaire)", "umol/L", 9.0, 1800.0;
    "33914-3", "eGFR (MDRD)", "DFG estimé (MDRD)", "mL/min/{1.73_m2}", 1.0, 250.0;
    "62238-1", "eGFR (CKD-EPI)", "DFG estimé (CKD-EPI)", "mL/min/{1.73_m2}", 1.0, 250.0;
    "98979-8", "eGFR (CKD-EPI 2021)", "DFG estimé (CKD-EPI 2021)", "mL/min/{1.73_m2}", 1.0, 250.0;
    "2093-3", "Total cholesterol", "Cholestérol total", "g/L", 0.5, 20.0;
    "2085-9", "HDL cholesterol", "Cholestérol HDL", "g/L", 0.05, 5.0;
    "13457-7", "LDL cholesterol (calculated)", "Cholestérol LDL (calculé)", "g/L", 0.1, 15.0;
    "18262-6", "LDL cholesterol (direct)", "Cholestérol LDL (dosage direct)", "g/L", 0.1, 15.0;
    "2089-1", "LDL cholesterol", "Cholestérol LDL", "g/L", 0.1, 15.0;
    "2571-8", "Triglycerides", "Triglycérides", "g/L", 0.1, 50.0;
    "718-7", "Haemoglobin", "Hémoglobine", "g/dL", 2.0, 25.0;
    "1742-6", "ALT", "ALAT", "U/L", 1.0, 10000.0;
    "1920-8", "AST", "ASAT", "U/L", 1.0, 10000.0;
    "3016-3", "TSH", "TSH", "mIU/L", 0.001, 500.0;
    "2951-2", "Sodium", "Sodium", "mmol/L", 90.0, 200.0;
    "2823-3", "Potassium", "Potassium", "mmol/L", 1.0, 10.0;
    "14959-1", "Urine albumin/creatinine", "Rapport albuminurie/créatininurie", "mg/g", 0.0, 30000.0;
    "19926-5", "FEV1/FVC", "VEMS/CVF", "%", 10.0, 150.0;
    "20150-9", "FEV1", "VEMS", "L", 0.1, 10.0;
    "29463-7", "Weight", "Poids", "kg", 0.3, 400.0;
    "8302-2", "Height", "Taille", "cm", 20.0, 250.0;
    "39156-5", "BMI", "IMC", "kg/m2", 8.0, 100.0;
    "8280-0", "Waist circumference", "Tour de taille", "cm", 30.0, 250.0;
    "8480-6", "Systolic blood pressure", "Pression artérielle systolique", "mm[Hg]", 40.0, 300.0;
    "8462-4", "Diastolic blood pressure", "Pression artérielle diastolique", "mm[Hg]", 20.0, 200.0;
    "8867-4", "Heart rate", "Fréquence cardiaque", "/min", 20.0, 300.0;
    "8310-5", "Body temperature", "Température", "Cel", 30.0, 45.0;
    "59408-5", "Oxygen saturation", "Saturation en oxygène", "%", 40.0, 100.0;
    "8664-5", "Cigarette pack-years", "Paquets-années", "{pack-years}", 0.0, 300.0;
    "44249-1", "PHQ-9 score", "Score PHQ-9", "{score}", 0.0, 27.0;
}

/// The molar mass (g/mol) of the analytes whose mass and molar concentrations convert:
/// glucose, cholesterol (total, HDL, LDL), triglycerides (as triolein, the laboratory
/// convention: 1 mmol/L = 88.57 mg/dL), creatinine, and haemoglobin (per iron-binding
/// monomer: 1 mmol/L = 1.611 g/dL).
fn molar_mass(code: &str) -> Option<f64> {
    Some(match code {
        "2345-7" | "1558-6" | "14749-6" => 180.16,
        "2093-3" | "2085-9" | "13457-7" | "18262-6" | "2089-1" => 386.65,
        "2571-8" => 885.7,
        "2160-0" | "14682-9" => 113.12,
        "718-7" => 16_114.5,
        _ => return None,
    })
}

/// HbA1c codes, whose NGSP (%) and IFCC (mmol/mol) values convert by the IFCC–NGSP master
/// equation: NGSP % = 0.09148 × IFCC mmol/mol + 2.152.
fn is_hba1c(code: &str) -> bool {
    matches!(code, "4548-4" | "17856-6" | "59261-8")
}

/// A conversion between two units of one analyte: `value × scale + offset`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Linear {
    /// The factor.
    pub scale: f64,
    /// The offset (0 but for HbA1c between % and mmol/mol).
    pub offset: f64,
}

impl Linear {
    /// No conversion.
    pub const IDENTITY: Linear = Linear {
        scale: 1.0,
        offset: 0.0,
    };

    /// Applies the conversion.
    pub fn apply(&self, value: f64) -> f64 {
        value * self.scale + self.offset
    }

    /// This conversion, then `next`.
    pub fn then(&self, next: &Linear) -> Linear {
        Linear {
            scale: self.scale * next.scale,
            offset: self.offset * next.scale + next.offset,
        }
    }
}

/// The catalogued kind of a LOINC code (normalised form, such as `4548-4`).
pub fn lookup(code: &str) -> Option<&'static ObservationKind> {
    static BY_CODE: OnceLock<FxHashMap<&'static str, &'static ObservationKind>> = OnceLock::new();
    BY_CODE
        .get_or_init(|| KINDS.iter().map(|k| (k.code, k)).collect())
        .get(code)
        .copied()
}

/// The outcome of reading one recorded value against the catalogue.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Reading {
    /// Usable, with the value in the canonical unit (or as recorded if uncatalogued).
    Value(f64),
    /// Outside the plausible bounds: ignored.
    Implausible,
    /// The recorded unit does not convert to the canonical unit: ignored.
    WrongUnit,
}

impl ObservationKind {
    /// Reads a recorded value: converts it to the canonical unit (a missing unit is taken
    /// as canonical) and checks it is plausible.
    pub fn read(&self, value: f64, unit: &str) -> Reading {
        self.read_with(value, self.factor_from(unit))
    }

    /// The conversion from a recorded unit to the canonical unit (none for no unit), or
    /// `None` when it does not convert. Callers reading many values of one unit compute it
    /// once.
    pub fn factor_from(&self, unit: &str) -> Option<Linear> {
        if unit.trim().is_empty() {
            Some(Linear::IDENTITY)
        } else {
            self.conversion(unit, self.unit)
        }
    }

    /// The conversion of this analyte's values from unit `from` to unit `to`: within one
    /// dimension; between mass and molar concentrations for analytes of fixed molar mass;
    /// between NGSP % and IFCC mmol/mol for HbA1c. `None` when they do not convert.
    pub fn conversion(&self, from: &str, to: &str) -> Option<Linear> {
        if is_hba1c(self.code) {
            let class = |u: &str| match units::Unit::parse(u)?.symbol {
                "%" => Some(false),
                "mmol/mol" => Some(true),
                _ => None,
            };
            return match (class(from)?, class(to)?) {
                (false, false) | (true, true) => Some(Linear::IDENTITY),
                (true, false) => Some(Linear {
                    scale: 0.09148,
                    offset: 2.152,
                }),
                (false, true) => Some(Linear {
                    scale: 1.0 / 0.09148,
                    offset: -2.152 / 0.09148,
                }),
            };
        }
        if let Some(scale) = units::convert(1.0, from, to) {
            return Some(Linear { scale, offset: 0.0 });
        }
        let (f, t) = (units::Unit::parse(from)?, units::Unit::parse(to)?);
        let mass = molar_mass(self.code)?;
        use units::Dimension::{MassConcentration as Mass, MolarConcentration as Molar};
        let bridge = match (f.dimension, t.dimension) {
            (Molar, Mass) => mass,
            (Mass, Molar) => 1.0 / mass,
            _ => return None,
        };
        Some(Linear {
            scale: f.factor * bridge / t.factor,
            offset: 0.0,
        })
    }

    /// Reads a value with a conversion from [`ObservationKind::factor_from`].
    pub fn read_with(&self, value: f64, factor: Option<Linear>) -> Reading {
        match factor.map(|f| f.apply(value)) {
            None => Reading::WrongUnit,
            Some(v) if !v.is_finite() || v < self.min || v > self.max => Reading::Implausible,
            Some(v) => Reading::Value(v),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codes::CodeSystem;

    #[test]
    fn every_catalogued_code_is_well_formed_and_its_unit_known() {
        for kind in KINDS {
            assert!(
                CodeSystem::Loinc.normalize(kind.code).is_ok(),
                "{}",
                kind.code
            );
            assert!(
                crate::units::Unit::parse(kind.unit).is_some(),
                "{}",
                kind.unit
            );
            assert!(kind.min < kind.max);
        }
    }

    #[test]
    fn implausible_values_are_refused() {
        let bmi = lookup(BMI).unwrap();
        assert_eq!(bmi.read(212_278.88, "kg/m2"), Reading::Implausible);
        assert_eq!(bmi.read(0.32, "kg/m2"), Reading::Implausible);
        assert_eq!(bmi.read(31.2, "kg/m²"), Reading::Value(31.2));
        assert_eq!(bmi.read(31.2, ""), Reading::Value(31.2));
        let height = lookup(HEIGHT).unwrap();
        assert_eq!(height.read(1.72, "m"), Reading::Value(172.0));
        // A height typed in metres without a unit is implausible in centimetres.
        assert_eq!(height.read(1.72, ""), Reading::Implausible);
        assert_eq!(height.read(172.0, "kg"), Reading::WrongUnit);
        let weight = lookup(WEIGHT).unwrap();
        assert_eq!(weight.read(f64::NAN, "kg"), Reading::Implausible);
    }

    fn close(reading: Reading, want: f64) -> bool {
        matches!(reading, Reading::Value(v) if (v - want).abs() < 0.01)
    }

    #[test]
    fn hba1c_converts_between_ifcc_and_ngsp() {
        let ngsp = lookup("4548-4").unwrap();
        // 53 mmol/mol is 7.0 %, 64 mmol/mol is 8.0 % (IFCC–NGSP master equation).
        assert!(
            close(ngsp.read(53.0, "mmol/mol"), 7.0),
            "{:?}",
            ngsp.read(53.0, "mmol/mol")
        );
        assert!(close(ngsp.read(64.0, "mmol/mol"), 8.0));
        let ifcc = lookup("59261-8").unwrap();
        assert!(close(ifcc.read(7.0, "%"), 53.0));
        let c = ifcc.conversion("mmol/mol", "%").unwrap();
        assert!((c.apply(75.0) - 9.0).abs() < 0.02);
    }

    #[test]
    fn mass_and_molar_convert_for_fixed_molar_masses() {
        // LDL 4.14 mmol/L is 160 mg/dL; glucose 7 mmol/L is 1.26 g/L; creatinine 88.4 µmol/L
        // is 10 mg/L; triglycerides 1.7 mmol/L is 1.5 g/L.
        assert!(close(lookup("13457-7").unwrap().read(4.14, "mmol/L"), 1.60));
        assert!(close(lookup("2345-7").unwrap().read(7.0, "mmol/L"), 1.26));
        assert!(close(lookup("2160-0").unwrap().read(88.4, "umol/L"), 10.0));
        assert!(close(lookup("2571-8").unwrap().read(1.7, "mmol/L"), 1.51));
        assert!(close(lookup("718-7").unwrap().read(6.8, "mmol/L"), 10.96));
        // Analytes without a fixed molar mass do not convert.
        assert_eq!(
            lookup("1742-6").unwrap().read(30.0, "mmol/L"),
            Reading::WrongUnit
        );
    }
}
