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

    /// The factor from a recorded unit to the canonical unit (1 for no unit), or `None`
    /// when it does not convert. Callers reading many values of one unit compute it once.
    pub fn factor_from(&self, unit: &str) -> Option<f64> {
        if unit.trim().is_empty() {
            Some(1.0)
        } else {
            units::convert(1.0, unit, self.unit)
        }
    }

    /// Reads a value with a factor from [`ObservationKind::factor_from`].
    pub fn read_with(&self, value: f64, factor: Option<f64>) -> Reading {
        match factor.map(|f| value * f) {
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
}
