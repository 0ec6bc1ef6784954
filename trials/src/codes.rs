//! Code systems, code normalisation and hierarchy (descendant) matching, and code sets.
//!
//! Every code is normalised before it is compared: case folded, dots, spaces and ICD-10
//! dagger/asterisk marks removed, then checked against its system's format. A code that does
//! not fit its system's format never matches anything: messy records do not produce matches
//! by accident.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Canonical URI of ICPC-2 (CISP-2 in French).
pub const ICPC2_URI: &str = "http://hl7.org/fhir/sid/icpc-2";
/// Canonical URI of ICD-10.
pub const ICD10_URI: &str = "http://hl7.org/fhir/sid/icd-10";
/// The French CIM-10 URI, an alias of ICD-10.
pub const CIM10_URI: &str = "https://smt.esante.gouv.fr/terminologie-cim-10";
/// Canonical URI of ATC.
pub const ATC_URI: &str = "http://www.whocc.no/atc";
/// The French ATC URI, an alias of ATC.
pub const ATC_FR_URI: &str = "https://smt.esante.gouv.fr/terminologie-atc";
/// Canonical URI of LOINC.
pub const LOINC_URI: &str = "http://loinc.org";
/// Canonical URI of SNOMED CT.
pub const SNOMED_URI: &str = "http://snomed.info/sct";
/// Canonical URI of ICD-10-CM, the US clinical modification of ICD-10.
pub const ICD10CM_URI: &str = "http://hl7.org/fhir/sid/icd-10-cm";
/// Canonical URI of RxNorm.
pub const RXNORM_URI: &str = "http://www.nlm.nih.gov/research/umls/rxnorm";
/// Canonical URI of CVX (CDC vaccine codes).
pub const CVX_URI: &str = "http://hl7.org/fhir/sid/cvx";

/// Every spelling of a system the engine reads, as [`fold_uri`] leaves it: the canonical
/// URIs, OIDs, the French ANS (SMT, NOS) URIs and the short names.
const SPELLINGS: &[(&str, CodeSystem)] = &[
    (ICPC2_URI, CodeSystem::Icpc2),
    (ICD10_URI, CodeSystem::Icd10),
    (CIM10_URI, CodeSystem::Icd10),
    (ATC_URI, CodeSystem::Atc),
    (ATC_FR_URI, CodeSystem::Atc),
    (LOINC_URI, CodeSystem::Loinc),
    (SNOMED_URI, CodeSystem::Snomed),
    (ICD10CM_URI, CodeSystem::Icd10Cm),
    (RXNORM_URI, CodeSystem::RxNorm),
    (CVX_URI, CodeSystem::Cvx),
    ("icpc-2", CodeSystem::Icpc2),
    ("icpc2", CodeSystem::Icpc2),
    ("icpc", CodeSystem::Icpc2),
    ("cisp-2", CodeSystem::Icpc2),
    ("cisp2", CodeSystem::Icpc2),
    ("cisp", CodeSystem::Icpc2),
    ("icd-10", CodeSystem::Icd10),
    ("icd10", CodeSystem::Icd10),
    ("cim-10", CodeSystem::Icd10),
    ("cim10", CodeSystem::Icd10),
    ("icd-10-cm", CodeSystem::Icd10Cm),
    ("icd10cm", CodeSystem::Icd10Cm),
    ("icd-10cm", CodeSystem::Icd10Cm),
    ("atc", CodeSystem::Atc),
    ("loinc", CodeSystem::Loinc),
    ("snomed", CodeSystem::Snomed),
    ("snomed-ct", CodeSystem::Snomed),
    ("sct", CodeSystem::Snomed),
    ("rxnorm", CodeSystem::RxNorm),
    ("cvx", CodeSystem::Cvx),
    ("urn:oid:2.16.840.1.113883.6.139", CodeSystem::Icpc2),
    (
        "https://smt.esante.gouv.fr/terminologie-cisp",
        CodeSystem::Icpc2,
    ),
    (
        "https://smt.esante.gouv.fr/terminologie-cisp2",
        CodeSystem::Icpc2,
    ),
    (
        "https://smt.esante.gouv.fr/terminologie-cisp-2",
        CodeSystem::Icpc2,
    ),
    (
        "https://mos.esante.gouv.fr/nos/tre_r313-cisp2/fhir/tre-r313-cisp2",
        CodeSystem::Icpc2,
    ),
    ("urn:oid:2.16.840.1.113883.6.3", CodeSystem::Icd10),
    ("urn:oid:1.2.250.1.213.2.12", CodeSystem::Icd10),
    (
        "http://terminology.hl7.org/codesystem/icd-10",
        CodeSystem::Icd10,
    ),
    (
        "http://www.who.int/classifications/icd10",
        CodeSystem::Icd10,
    ),
    ("https://icd.who.int/browse10", CodeSystem::Icd10),
    ("urn:oid:2.16.840.1.113883.6.90", CodeSystem::Icd10Cm),
    (
        "http://www.cms.gov/medicare/coding/icd10",
        CodeSystem::Icd10Cm,
    ),
    ("urn:oid:2.16.840.1.113883.6.73", CodeSystem::Atc),
    ("urn:oid:2.16.840.1.113883.6.1", CodeSystem::Loinc),
    ("urn:oid:2.16.840.1.113883.6.96", CodeSystem::Snomed),
    ("urn:oid:2.16.840.1.113883.6.88", CodeSystem::RxNorm),
    ("urn:oid:2.16.840.1.113883.12.292", CodeSystem::Cvx),
];

/// A system URI folded for comparison: trimmed, lower-cased, without a trailing `/`, and
/// `https://` read as `http://` for the hosts whose canonical URIs use `http` (LOINC,
/// SNOMED CT, HL7, WHO, NLM), so that `https://loinc.org` and `http://loinc.org/` are LOINC.
pub fn fold_uri(uri: &str) -> String {
    let mut s = uri.trim().trim_end_matches('/').to_ascii_lowercase();
    for host in [
        "loinc.org",
        "snomed.info",
        "hl7.org",
        "www.whocc.no",
        "whocc.no",
        "www.nlm.nih.gov",
    ] {
        if let Some(rest) = s.strip_prefix("https://")
            && rest.starts_with(host)
        {
            s = format!("http://{rest}");
            break;
        }
    }
    if let Some(rest) = s.strip_prefix("http://whocc.no") {
        s = format!("http://www.whocc.no{rest}");
    }
    s
}

/// A code system the engine understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CodeSystem {
    /// ICPC-2 / CISP-2: chapter letter and two digits (`K86`), optional extension digits.
    Icpc2,
    /// ICD-10 / CIM-10: letter, two digits, up to four more characters (`E11.9`).
    Icd10,
    /// ATC: five levels (`A`, `A10`, `A10B`, `A10BA`, `A10BA02`).
    Atc,
    /// LOINC: digits, dash, check digit (`4548-4`). No hierarchy.
    Loinc,
    /// SNOMED CT concept ids. No bundled hierarchy.
    Snomed,
    /// ICD-10-CM: ICD-10's US clinical modification (`E11.65`); same categories as ICD-10.
    Icd10Cm,
    /// RxNorm concept ids (`860975`). No hierarchy; read through the RxNorm → ATC crosswalk.
    RxNorm,
    /// CVX vaccine codes (`140`). No hierarchy; read through the CVX → ATC crosswalk.
    Cvx,
}

impl CodeSystem {
    /// Every system, in a stable order.
    pub const ALL: [CodeSystem; 8] = [
        CodeSystem::Icpc2,
        CodeSystem::Icd10,
        CodeSystem::Atc,
        CodeSystem::Loinc,
        CodeSystem::Snomed,
        CodeSystem::Icd10Cm,
        CodeSystem::RxNorm,
        CodeSystem::Cvx,
    ];

    /// Resolves a system URI, an alias URI, an OID (`urn:oid:…`) or a short name (`icpc-2`,
    /// `cisp-2`, `icd-10`, `cim-10`, `icd-10-cm`, `atc`, `loinc`, `snomed`, `rxnorm`, `cvx`)
    /// to a system: an exact canonical URI at once, anything else after [`fold_uri`] (case,
    /// trailing slash, `https`) against [`SPELLINGS`].
    pub fn from_uri(uri: &str) -> Option<CodeSystem> {
        let exact = match uri {
            ICPC2_URI => Some(CodeSystem::Icpc2),
            ICD10_URI | CIM10_URI => Some(CodeSystem::Icd10),
            ATC_URI | ATC_FR_URI => Some(CodeSystem::Atc),
            LOINC_URI => Some(CodeSystem::Loinc),
            SNOMED_URI => Some(CodeSystem::Snomed),
            ICD10CM_URI => Some(CodeSystem::Icd10Cm),
            RXNORM_URI => Some(CodeSystem::RxNorm),
            CVX_URI => Some(CodeSystem::Cvx),
            _ => None,
        };
        if exact.is_some() {
            return exact;
        }
        let folded = fold_uri(uri);
        if let Some(&(_, system)) = SPELLINGS.iter().find(|(spelling, _)| *spelling == folded) {
            return Some(system);
        }
        // A SNOMED CT edition URI (`http://snomed.info/sct/1221000146105`).
        folded
            .starts_with("http://snomed.info/sct/")
            .then_some(CodeSystem::Snomed)
    }

    /// The canonical URI.
    pub fn uri(self) -> &'static str {
        match self {
            CodeSystem::Icpc2 => ICPC2_URI,
            CodeSystem::Icd10 => ICD10_URI,
            CodeSystem::Atc => ATC_URI,
            CodeSystem::Loinc => LOINC_URI,
            CodeSystem::Snomed => SNOMED_URI,
            CodeSystem::Icd10Cm => ICD10CM_URI,
            CodeSystem::RxNorm => RXNORM_URI,
            CodeSystem::Cvx => CVX_URI,
        }
    }

    /// A short human name (`ICPC-2`, `ICD-10`…).
    pub fn name(self) -> &'static str {
        match self {
            CodeSystem::Icpc2 => "ICPC-2",
            CodeSystem::Icd10 => "ICD-10",
            CodeSystem::Atc => "ATC",
            CodeSystem::Loinc => "LOINC",
            CodeSystem::Snomed => "SNOMED CT",
            CodeSystem::Icd10Cm => "ICD-10-CM",
            CodeSystem::RxNorm => "RxNorm",
            CodeSystem::Cvx => "CVX",
        }
    }

    /// Whether codes of this system have descendants by prefix.
    pub fn hierarchical(self) -> bool {
        matches!(
            self,
            CodeSystem::Icpc2 | CodeSystem::Icd10 | CodeSystem::Atc | CodeSystem::Icd10Cm
        )
    }

    /// Whether two-ended ranges (`E10-E14`, `K70-K99`) are allowed in code sets.
    pub fn allows_ranges(self) -> bool {
        matches!(
            self,
            CodeSystem::Icpc2 | CodeSystem::Icd10 | CodeSystem::Icd10Cm
        )
    }

    fn index(self) -> u8 {
        match self {
            CodeSystem::Icpc2 => 1,
            CodeSystem::Icd10 => 2,
            CodeSystem::Atc => 3,
            CodeSystem::Loinc => 4,
            CodeSystem::Snomed => 5,
            CodeSystem::Icd10Cm => 6,
            CodeSystem::RxNorm => 7,
            CodeSystem::Cvx => 8,
        }
    }

    /// Normalises a code and checks it against this system's format.
    pub fn normalize(self, raw: &str) -> Result<NormCode, CodeError> {
        let mut buf = [0u8; NormCode::CAPACITY];
        let mut len = 0usize;
        // Codes are ASCII but for the odd ICD-10 dagger: bytes, with a char path for the rest.
        for (i, &b) in raw.as_bytes().iter().enumerate() {
            let keep = match b {
                b'.' | b'*' | b'+' | b' ' | b'\t' | b'\n' | b'\r' => None,
                b'-' if self != CodeSystem::Loinc => return Err(CodeError::Malformed),
                b if b.is_ascii_alphanumeric() || b == b'-' => Some(b.to_ascii_uppercase()),
                b if b.is_ascii() => return Err(CodeError::Malformed),
                _ => return self.normalize_chars(raw, i, buf, len),
            };
            if let Some(b) = keep {
                *buf.get_mut(len).ok_or(CodeError::Malformed)? = b;
                len += 1;
            }
        }
        self.checked(buf, len)
    }

    /// The rest of [`CodeSystem::normalize`] from byte `from`, for codes with non-ASCII
    /// characters: white space and the dagger mark are dropped, anything else is refused.
    fn normalize_chars(
        self,
        raw: &str,
        from: usize,
        mut buf: [u8; NormCode::CAPACITY],
        mut len: usize,
    ) -> Result<NormCode, CodeError> {
        for ch in raw[from..].chars() {
            match ch {
                '†' => {}
                c if c.is_whitespace() => {}
                c if c.is_ascii_alphanumeric() => {
                    *buf.get_mut(len).ok_or(CodeError::Malformed)? = c.to_ascii_uppercase() as u8;
                    len += 1;
                }
                '.' | '*' | '+' => {}
                '-' if self == CodeSystem::Loinc => {
                    *buf.get_mut(len).ok_or(CodeError::Malformed)? = b'-';
                    len += 1;
                }
                _ => return Err(CodeError::Malformed),
            }
        }
        self.checked(buf, len)
    }

    fn checked(
        self,
        mut bytes: [u8; NormCode::CAPACITY],
        mut len: usize,
    ) -> Result<NormCode, CodeError> {
        // CVX codes are numbers: `08` and `8` are one code.
        if self == CodeSystem::Cvx {
            let zeros = bytes[..len].iter().take_while(|&&b| b == b'0').count();
            let zeros = zeros.min(len.saturating_sub(1));
            bytes.copy_within(zeros..len, 0);
            len -= zeros;
        }
        let code = NormCode {
            len: len as u8,
            bytes,
        };
        if self.well_formed(code.as_bytes()) {
            Ok(code)
        } else {
            Err(CodeError::Malformed)
        }
    }

    fn well_formed(self, c: &[u8]) -> bool {
        let digits = |s: &[u8]| s.iter().all(u8::is_ascii_digit);
        let upper = |b: u8| b.is_ascii_uppercase();
        match self {
            CodeSystem::Icpc2 => match c {
                [ch] => ICPC2_CHAPTERS.contains(ch),
                [ch, rest @ ..] => {
                    ICPC2_CHAPTERS.contains(ch)
                        && (rest.len() == 2 || rest.len() == 3 || rest.len() == 4)
                        && digits(rest)
                }
                [] => false,
            },
            CodeSystem::Icd10 => {
                c.len() >= 3
                    && c.len() <= 7
                    && upper(c[0])
                    && digits(&c[1..3])
                    && c[3..].iter().all(|b| b.is_ascii_alphanumeric())
            }
            CodeSystem::Atc => {
                let first = !c.is_empty() && ATC_GROUPS.contains(&c[0]);
                first
                    && match c.len() {
                        1 => true,
                        3 => digits(&c[1..3]),
                        4 => digits(&c[1..3]) && upper(c[3]),
                        5 => digits(&c[1..3]) && upper(c[3]) && upper(c[4]),
                        7 => digits(&c[1..3]) && upper(c[3]) && upper(c[4]) && digits(&c[5..7]),
                        _ => false,
                    }
            }
            CodeSystem::Loinc => loinc_well_formed(c),
            CodeSystem::Snomed => c.len() >= 6 && c.len() <= 18 && digits(c) && c[0] != b'0',
            // ICD-10-CM categories may carry a letter in third place (`C4A`, `Z3A`).
            CodeSystem::Icd10Cm => {
                c.len() >= 3
                    && c.len() <= 7
                    && upper(c[0])
                    && c[1].is_ascii_digit()
                    && c[2].is_ascii_alphanumeric()
                    && c[3..].iter().all(|b| b.is_ascii_alphanumeric())
            }
            CodeSystem::RxNorm => !c.is_empty() && c.len() <= 10 && digits(c) && c[0] != b'0',
            CodeSystem::Cvx => !c.is_empty() && c.len() <= 3 && digits(c),
        }
    }
}

impl fmt::Display for CodeSystem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// ICPC-2 chapters.
const ICPC2_CHAPTERS: &[u8] = b"ABDFHKLNPRSTUWXYZ";
/// ATC anatomical main groups.
const ATC_GROUPS: &[u8] = b"ABCDGHJLMNPRSV";

/// LOINC: 1 to 7 digits, a dash and a mod-10 (Luhn) check digit.
fn loinc_well_formed(c: &[u8]) -> bool {
    let Some(dash) = c.iter().position(|&b| b == b'-') else {
        return false;
    };
    let (num, rest) = (&c[..dash], &c[dash + 1..]);
    if num.is_empty() || num.len() > 7 || rest.len() != 1 {
        return false;
    }
    if !num.iter().chain(rest).all(u8::is_ascii_digit) {
        return false;
    }
    loinc_check_digit(num) == rest[0] - b'0'
}

/// The LOINC check digit of the digits before the dash (Luhn, doubling from the right).
pub fn loinc_check_digit(num: &[u8]) -> u8 {
    let sum: u32 = num
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 0 {
                let x = d * 2;
                x / 10 + x % 10
            } else {
                d
            }
        })
        .sum();
    ((10 - sum % 10) % 10) as u8
}

/// Why a code was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CodeError {
    /// The code does not fit its system's format.
    #[error("malformed code")]
    Malformed,
}

/// A normalised, format-checked code: upper case, no dots or spaces. Small and `Copy`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NormCode {
    len: u8,
    bytes: [u8; NormCode::CAPACITY],
}

impl NormCode {
    /// The longest code kept (SNOMED CT ids have up to 18 digits).
    pub const CAPACITY: usize = 18;

    /// The code's bytes (ASCII).
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        // Only ASCII bytes are ever stored.
        std::str::from_utf8(self.as_bytes()).unwrap_or_default()
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        usize::from(self.len)
    }

    /// Whether the code is empty (never true for a checked code).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Whether `self` is `ancestor` or one of its descendants.
    pub fn is_under(&self, ancestor: &NormCode) -> bool {
        self.as_bytes().starts_with(ancestor.as_bytes())
    }
}

impl fmt::Debug for NormCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.as_str())
    }
}

impl fmt::Display for NormCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Packs a kind tag, a system and the first `len` bytes of a code into one hashable key.
/// Hierarchical systems' codes are at most 7 bytes and LOINC codes 9, so they fit in 13
/// bytes; SNOMED CT ids are packed as their number.
pub(crate) fn pack_key(tag: u8, system: CodeSystem, code: &[u8]) -> u128 {
    let low: u128 = if system == CodeSystem::Snomed {
        code.iter()
            .fold(0u128, |acc, b| acc * 10 + u128::from(b - b'0'))
    } else {
        code.iter()
            .take(13)
            .fold(0u128, |acc, &b| (acc << 8) | u128::from(b))
    };
    (u128::from(tag) << 120)
        | (u128::from(system.index()) << 112)
        | ((code.len() as u128) << 104)
        | low
}

/// One entry of a code set: a code, and whether its descendants are included.
///
/// For ICD-10 and ICPC-2 the code may be a range of three-character codes (`E10-E14`,
/// `K70-K99`); an ICPC-2 code may also be a bare chapter letter (`K`, with descendants).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CodeEntry {
    /// System URI, alias URI or short name.
    pub system: String,
    /// The code, or a range `FROM-TO` where the system allows ranges.
    pub code: String,
    /// Include every code below this one in the system's hierarchy.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub descendants: bool,
    /// A human name for the code, shown in explanations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
}

/// A set of codes: every code matched by an `include` entry and by no `exclude` entry.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CodeSet {
    /// A human name for the set, shown in explanations when the criterion has no label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Entries whose codes (and descendants) are in the set.
    #[serde(default)]
    pub include: Vec<CodeEntry>,
    /// Entries whose codes (and descendants) are taken out again.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exclude: Vec<CodeEntry>,
}

/// A checked entry: system resolved, code normalised, ranges expanded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ResolvedCode {
    /// The system.
    pub system: CodeSystem,
    /// The normalised code.
    pub code: NormCode,
    /// Whether descendants are included.
    pub descendants: bool,
}

impl ResolvedCode {
    /// Whether a patient's normalised code of `system` is matched by this entry.
    pub fn matches(&self, system: CodeSystem, code: &NormCode) -> bool {
        self.system == system
            && (code == &self.code || (self.descendants && code.is_under(&self.code)))
    }
}

/// Why a code-set entry could not be resolved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EntryError {
    /// The system is not one the engine knows.
    #[error("unknown code system `{0}`")]
    UnknownSystem(String),
    /// The code does not fit the system's format.
    #[error("`{code}` is not a well-formed {system} code")]
    Malformed {
        /// The system.
        system: CodeSystem,
        /// The code as written.
        code: String,
    },
    /// A range in a system that has none, or whose ends are not three-character codes.
    #[error(
        "`{code}` is not a valid {system} range: ranges join two three-character codes, such as E10-E14"
    )]
    BadRange {
        /// The system.
        system: CodeSystem,
        /// The range as written.
        code: String,
    },
    /// A range whose first code comes after its last.
    #[error("range `{0}` is reversed: its first code comes after its last")]
    ReversedRange(String),
    /// Descendants asked for in a system without a bundled hierarchy.
    #[error("{0} has no bundled hierarchy: set `descendants` to false and list the codes")]
    NoHierarchy(CodeSystem),
}

impl CodeEntry {
    /// An entry without display text.
    pub fn new(system: &str, code: &str, descendants: bool) -> CodeEntry {
        CodeEntry {
            system: system.to_string(),
            code: code.to_string(),
            descendants,
            display: None,
        }
    }

    /// Resolves the entry into checked codes (one, or one per code of a range).
    pub fn resolve(&self) -> Result<Vec<ResolvedCode>, EntryError> {
        let system = CodeSystem::from_uri(&self.system)
            .ok_or_else(|| EntryError::UnknownSystem(self.system.clone()))?;
        if self.descendants && !system.hierarchical() {
            return Err(EntryError::NoHierarchy(system));
        }
        let text = self.code.trim();
        if system != CodeSystem::Loinc
            && let Some((from, to)) = text.split_once('-')
        {
            return resolve_range(system, text, from, to, self.descendants);
        }
        let code = system.normalize(text).map_err(|_| EntryError::Malformed {
            system,
            code: self.code.clone(),
        })?;
        Ok(vec![ResolvedCode {
            system,
            code,
            descendants: self.descendants,
        }])
    }
}

fn resolve_range(
    system: CodeSystem,
    text: &str,
    from: &str,
    to: &str,
    descendants: bool,
) -> Result<Vec<ResolvedCode>, EntryError> {
    let bad = || EntryError::BadRange {
        system,
        code: text.to_string(),
    };
    if !system.allows_ranges() {
        return Err(bad());
    }
    let a = system.normalize(from).map_err(|_| bad())?;
    let b = system.normalize(to).map_err(|_| bad())?;
    if a.len() != 3 || b.len() != 3 {
        return Err(bad());
    }
    if a > b {
        return Err(EntryError::ReversedRange(text.to_string()));
    }
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let number = |c: &[u8]| u32::from(c[1] - b'0') * 10 + u32::from(c[2] - b'0');
    let mut out = Vec::new();
    for letter in a[0]..=b[0] {
        let lo = if letter == a[0] { number(a) } else { 0 };
        let hi = if letter == b[0] { number(b) } else { 99 };
        for n in lo..=hi {
            let code = format!("{}{:02}", letter as char, n);
            // Letters that are not chapters (ICPC-2) are skipped, not errors.
            if let Ok(code) = system.normalize(&code) {
                out.push(ResolvedCode {
                    system,
                    code,
                    descendants,
                });
            }
        }
    }
    Ok(out)
}

/// A code set resolved for matching.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResolvedCodeSet {
    /// Codes in the set.
    pub include: Vec<ResolvedCode>,
    /// Codes taken out again.
    pub exclude: Vec<ResolvedCode>,
}

impl ResolvedCodeSet {
    /// Resolves every entry; the first error wins (validation reports all of them).
    pub fn resolve(set: &CodeSet) -> Result<ResolvedCodeSet, EntryError> {
        let mut out = ResolvedCodeSet::default();
        for entry in &set.include {
            out.include.extend(entry.resolve()?);
        }
        for entry in &set.exclude {
            out.exclude.extend(entry.resolve()?);
        }
        out.include.sort();
        out.include.dedup();
        out.exclude.sort();
        out.exclude.dedup();
        Ok(out)
    }

    /// Whether a normalised code of `system` is in the set. This is the plain definition;
    /// the trial index reaches the same answer through hashed prefixes.
    pub fn contains(&self, system: CodeSystem, code: &NormCode) -> bool {
        self.include.iter().any(|e| e.matches(system, code))
            && !self.exclude.iter().any(|e| e.matches(system, code))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(system: CodeSystem, code: &str) -> Option<String> {
        system.normalize(code).ok().map(|c| c.to_string())
    }

    fn entry(system: &str, code: &str, descendants: bool) -> CodeEntry {
        CodeEntry::new(system, code, descendants)
    }

    #[test]
    fn systems_resolve_from_canonical_alias_and_short_names() {
        let cases = [
            (ICPC2_URI, CodeSystem::Icpc2),
            ("cisp-2", CodeSystem::Icpc2),
            (ICD10_URI, CodeSystem::Icd10),
            (CIM10_URI, CodeSystem::Icd10),
            ("CIM-10", CodeSystem::Icd10),
            (ATC_URI, CodeSystem::Atc),
            (ATC_FR_URI, CodeSystem::Atc),
            (LOINC_URI, CodeSystem::Loinc),
            (SNOMED_URI, CodeSystem::Snomed),
        ];
        for (uri, system) in cases {
            assert_eq!(CodeSystem::from_uri(uri), Some(system), "{uri}");
        }
        assert_eq!(CodeSystem::from_uri("http://example.org/local"), None);
        for s in CodeSystem::ALL {
            assert_eq!(CodeSystem::from_uri(s.uri()), Some(s));
        }
    }

    #[test]
    fn oids_ans_uris_and_spelling_variants_resolve() {
        let cases = [
            (
                "https://smt.esante.gouv.fr/terminologie-cim-10/",
                CodeSystem::Icd10,
            ),
            ("urn:oid:2.16.840.1.113883.6.3", CodeSystem::Icd10),
            ("urn:oid:1.2.250.1.213.2.12", CodeSystem::Icd10),
            ("urn:oid:2.16.840.1.113883.6.90", CodeSystem::Icd10Cm),
            ("http://hl7.org/fhir/sid/icd-10-cm", CodeSystem::Icd10Cm),
            ("urn:oid:2.16.840.1.113883.6.139", CodeSystem::Icpc2),
            (
                "https://smt.esante.gouv.fr/terminologie-cisp",
                CodeSystem::Icpc2,
            ),
            (
                "https://mos.esante.gouv.fr/NOS/TRE_R313-CISP2/FHIR/TRE-R313-CISP2",
                CodeSystem::Icpc2,
            ),
            ("urn:oid:2.16.840.1.113883.6.73", CodeSystem::Atc),
            (
                "https://smt.esante.gouv.fr/terminologie-atc/",
                CodeSystem::Atc,
            ),
            ("urn:oid:2.16.840.1.113883.6.1", CodeSystem::Loinc),
            ("https://loinc.org", CodeSystem::Loinc),
            ("http://loinc.org/", CodeSystem::Loinc),
            ("HTTP://LOINC.ORG", CodeSystem::Loinc),
            ("urn:oid:2.16.840.1.113883.6.96", CodeSystem::Snomed),
            ("http://snomed.info/sct/1221000146105", CodeSystem::Snomed),
            ("urn:oid:2.16.840.1.113883.6.88", CodeSystem::RxNorm),
            (
                "http://www.nlm.nih.gov/research/umls/rxnorm",
                CodeSystem::RxNorm,
            ),
            ("urn:oid:2.16.840.1.113883.12.292", CodeSystem::Cvx),
            ("http://hl7.org/fhir/sid/cvx", CodeSystem::Cvx),
        ];
        for (uri, system) in cases {
            assert_eq!(CodeSystem::from_uri(uri), Some(system), "{uri}");
        }
        for (spelling, _) in SPELLINGS {
            assert_eq!(fold_uri(spelling), *spelling, "kept as fold_uri leaves it");
        }
        for unknown in ["urn:oid:2.16.840.1.113883.6.4", "http://loinc.org.evil", ""] {
            assert_eq!(CodeSystem::from_uri(unknown), None, "{unknown}");
        }
    }

    #[test]
    fn new_systems_have_their_formats() {
        let cases = [
            (CodeSystem::Icd10Cm, "E11.65", Some("E1165")),
            (CodeSystem::Icd10Cm, "c4a.0", Some("C4A0")),
            (CodeSystem::Icd10Cm, "Z3A.20", Some("Z3A20")),
            (CodeSystem::Icd10Cm, "E1", None),
            (CodeSystem::RxNorm, "861007", Some("861007")),
            (CodeSystem::RxNorm, "0861007", None),
            (CodeSystem::RxNorm, "86a", None),
            (CodeSystem::Cvx, "08", Some("8")),
            (CodeSystem::Cvx, "140", Some("140")),
            (CodeSystem::Cvx, "0", Some("0")),
            (CodeSystem::Cvx, "1400", None),
        ];
        for (system, code, want) in cases {
            assert_eq!(norm(system, code).as_deref(), want, "{system} {code}");
        }
    }

    #[test]
    fn normalisation_folds_case_dots_spaces_and_marks() {
        let cases = [
            (CodeSystem::Icd10, "e11.9", Some("E119")),
            (CodeSystem::Icd10, " E11 ", Some("E11")),
            (CodeSystem::Icd10, "G63.2*", Some("G632")),
            (CodeSystem::Icd10, "E1", None),
            (CodeSystem::Icd10, "11E", None),
            (CodeSystem::Icd10, "E11.9.9.9.9.9", None),
            (CodeSystem::Icpc2, "k86", Some("K86")),
            (CodeSystem::Icpc2, "K", Some("K")),
            (CodeSystem::Icpc2, "K86.01", Some("K8601")),
            (CodeSystem::Icpc2, "E86", None),
            (CodeSystem::Icpc2, "K8", None),
            (CodeSystem::Atc, "a10ba02", Some("A10BA02")),
            (CodeSystem::Atc, "A10B", Some("A10B")),
            (CodeSystem::Atc, "A10BA0", None),
            (CodeSystem::Atc, "E10", None),
            (CodeSystem::Loinc, "4548-4", Some("4548-4")),
            (CodeSystem::Loinc, "4548-5", None),
            (CodeSystem::Loinc, "4548", None),
            (CodeSystem::Loinc, "39156-5", Some("39156-5")),
            (CodeSystem::Snomed, "44054006", Some("44054006")),
            (CodeSystem::Snomed, "0123456", None),
            (CodeSystem::Snomed, "12ab56", None),
            (CodeSystem::Icd10, "", None),
            (CodeSystem::Icd10, "E11é", None),
            (CodeSystem::Icd10, "E11.4†", Some("E114")),
            (CodeSystem::Icd10, "E11\u{a0}9", Some("E119")),
            (CodeSystem::Loinc, "4548\u{2011}4", None),
        ];
        for (system, code, want) in cases {
            assert_eq!(norm(system, code).as_deref(), want, "{system} {code}");
        }
    }

    #[test]
    fn loinc_check_digits_of_common_codes() {
        for code in [
            "4548-4", "2345-7", "6301-6", "39156-5", "29463-7", "8302-2", "8480-6", "8462-4",
            "2160-0", "33914-3", "13457-7", "2093-3", "718-7", "59261-8",
        ] {
            assert!(CodeSystem::Loinc.normalize(code).is_ok(), "{code}");
        }
    }

    #[test]
    fn icd10_descendants_cover_dotted_and_undotted_children() {
        let e = &entry("icd-10", "E11", true).resolve().unwrap()[0];
        let yes = |c: &str| {
            CodeSystem::Icd10
                .normalize(c)
                .is_ok_and(|n| e.matches(CodeSystem::Icd10, &n))
        };
        assert!(yes("E11"));
        assert!(yes("E11.9"));
        assert!(yes("E119"));
        assert!(yes("e11.65"));
        assert!(!yes("E10.9"));
        assert!(!yes("E1"));
        let exact = &entry("icd-10", "E11", false).resolve().unwrap()[0];
        let n = CodeSystem::Icd10.normalize("E11.9").unwrap();
        assert!(!exact.matches(CodeSystem::Icd10, &n));
        // Same code, other system: no match.
        assert!(!e.matches(
            CodeSystem::Icpc2,
            &CodeSystem::Icpc2.normalize("K86").unwrap()
        ));
    }

    #[test]
    fn atc_descendants_follow_levels() {
        let e = &entry(ATC_URI, "A10B", true).resolve().unwrap()[0];
        let m = |c: &str| e.matches(CodeSystem::Atc, &CodeSystem::Atc.normalize(c).unwrap());
        assert!(m("A10BA02"));
        assert!(m("A10B"));
        assert!(!m("A10AB01"));
        assert!(!m("A10"));
    }

    #[test]
    fn icpc2_chapters_components_and_ranges() {
        let chapter = &entry("icpc-2", "K", true).resolve().unwrap()[0];
        let k86 = CodeSystem::Icpc2.normalize("K86").unwrap();
        assert!(chapter.matches(CodeSystem::Icpc2, &k86));
        assert!(!chapter.matches(
            CodeSystem::Icpc2,
            &CodeSystem::Icpc2.normalize("T90").unwrap()
        ));
        // Component 7 (diagnoses) of chapter K.
        let diagnoses = entry("icpc-2", "K70-K99", false).resolve().unwrap();
        assert_eq!(diagnoses.len(), 30);
        assert!(diagnoses.iter().any(|e| e.matches(CodeSystem::Icpc2, &k86)));
        let k01 = CodeSystem::Icpc2.normalize("K01").unwrap();
        assert!(!diagnoses.iter().any(|e| e.matches(CodeSystem::Icpc2, &k01)));
        // Extensions are descendants of their rubric.
        let rubric = &entry("icpc-2", "K86", true).resolve().unwrap()[0];
        assert!(rubric.matches(
            CodeSystem::Icpc2,
            &CodeSystem::Icpc2.normalize("K86.01").unwrap()
        ));
    }

    #[test]
    fn icd10_ranges_span_letters_and_refuse_nonsense() {
        assert_eq!(entry("icd-10", "E10-E14", true).resolve().unwrap().len(), 5);
        assert_eq!(
            entry("icd-10", "A98-B01", false).resolve().unwrap().len(),
            4
        );
        assert!(matches!(
            entry("icd-10", "E14-E10", false).resolve(),
            Err(EntryError::ReversedRange(_))
        ));
        assert!(matches!(
            entry("icd-10", "E10.1-E14", false).resolve(),
            Err(EntryError::BadRange { .. })
        ));
        assert!(matches!(
            entry("atc", "A10-A12", false).resolve(),
            Err(EntryError::BadRange { .. })
        ));
    }

    #[test]
    fn entries_without_hierarchy_refuse_descendants() {
        assert_eq!(
            entry("loinc", "4548-4", true).resolve(),
            Err(EntryError::NoHierarchy(CodeSystem::Loinc))
        );
        assert_eq!(
            entry("snomed", "44054006", true).resolve(),
            Err(EntryError::NoHierarchy(CodeSystem::Snomed))
        );
        assert!(matches!(
            entry("http://example.org", "X", false).resolve(),
            Err(EntryError::UnknownSystem(_))
        ));
    }

    #[test]
    fn excluded_codes_are_taken_out() {
        let set = CodeSet {
            name: None,
            include: vec![entry("icd-10", "E11", true)],
            exclude: vec![entry("icd-10", "E11.6", true)],
        };
        let r = ResolvedCodeSet::resolve(&set).unwrap();
        let n = |c: &str| CodeSystem::Icd10.normalize(c).unwrap();
        assert!(r.contains(CodeSystem::Icd10, &n("E11.9")));
        assert!(!r.contains(CodeSystem::Icd10, &n("E11.65")));
        assert!(!r.contains(CodeSystem::Icd10, &n("E11.6")));
    }

    #[test]
    fn packed_keys_distinguish_tag_system_length_and_code() {
        let k = |t, s, c: &str| pack_key(t, s, c.as_bytes());
        assert_ne!(
            k(1, CodeSystem::Icd10, "E11"),
            k(2, CodeSystem::Icd10, "E11")
        );
        assert_ne!(
            k(1, CodeSystem::Icd10, "E11"),
            k(1, CodeSystem::Icpc2, "E11")
        );
        assert_ne!(
            k(1, CodeSystem::Icd10, "E11"),
            k(1, CodeSystem::Icd10, "E110")
        );
        assert_ne!(
            k(1, CodeSystem::Snomed, "123456789012345678"),
            k(1, CodeSystem::Snomed, "123456789012345679")
        );
    }
}
