//! The consent form as posted: parsed into a [`Submission`], or the list of fields in error
//! (each with a message key of the catalogue), so the page can show every error next to its
//! field and keep what was typed.

use super::identity::Identity;
use crate::registry::questions::Question;
use chrono::{Datelike, NaiveDate};
use platform::extract::Pairs;
use uuid::Uuid;

/// How the GP checked who the patient is.
pub const IDENTITY_METHODS: [&str; 5] = [
    "id_card",
    "passport",
    "residence_permit",
    "driving_licence",
    "known_patient",
];

/// The statements the patient ticks, every one required.
pub const STATEMENTS: [&str; 6] = [
    "read",
    "questions",
    "voluntary",
    "withdraw",
    "data",
    "contact",
];

/// The largest drawn signature accepted (a PNG data URL).
pub const MAX_SIGNATURE_IMAGE: usize = 300 * 1024;

/// A consent form that passed every check.
#[derive(Debug, Clone)]
pub struct Submission {
    /// The consent document the patient read.
    pub document_id: Uuid,
    /// How identity was checked.
    pub identity_method: String,
    /// The chosen option of each question.
    pub answers: Vec<usize>,
    /// Who the patient is.
    pub identity: Identity,
    /// The typed signature.
    pub signature: String,
    /// A drawn signature (PNG data URL), if any.
    pub signature_image: Option<String>,
    /// The attesting GP.
    pub gp_name: String,
    /// The chosen site.
    pub site_id: Uuid,
}

/// A field in error and the catalogue key of its message.
pub type FieldError = (String, &'static str);

fn text(p: &Pairs, name: &str, max: usize, errors: &mut Vec<FieldError>) -> String {
    let v = p.get(name).trim().to_string();
    if v.is_empty() {
        errors.push((name.into(), "consent.error.required"));
    } else if v.chars().count() > max {
        errors.push((name.into(), "consent.error.too_long"));
    }
    v
}

fn optional(p: &Pairs, name: &str) -> Option<String> {
    Some(p.get(name).trim().to_string()).filter(|v| !v.is_empty())
}

/// Lower case, accents and punctuation removed, spaces collapsed: how a typed signature is
/// compared with the name.
pub fn fold_name(s: &str) -> String {
    let folded: String = s
        .chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'à' | 'â' | 'ä' | 'á' | 'ã' => 'a',
            'ç' => 'c',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'î' | 'ï' | 'í' | 'ì' => 'i',
            'ô' | 'ö' | 'ó' | 'ò' | 'õ' => 'o',
            'ù' | 'û' | 'ü' | 'ú' => 'u',
            'ÿ' => 'y',
            'ñ' => 'n',
            c if c.is_alphanumeric() => c,
            _ => ' ',
        })
        .collect();
    folded.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn valid_email(e: &str) -> bool {
    let Some((local, domain)) = e.rsplit_once('@') else {
        return false;
    };
    e.len() <= 254
        && !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !e.chars().any(|c| c.is_whitespace() || c == '<' || c == '>')
}

fn valid_phone(p: &str) -> bool {
    let digits = p.chars().filter(char::is_ascii_digit).count();
    (6..=15).contains(&digits)
        && p.chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '+' | ' ' | '.' | '-' | '(' | ')'))
}

/// Parses and checks the posted form against the trial's questions and sites, on `today`.
pub fn parse(
    p: &Pairs,
    questions: &[Question],
    site_ids: &[Uuid],
    today: NaiveDate,
) -> Result<Submission, Vec<FieldError>> {
    let mut errors = Vec::new();
    let document_id = Uuid::parse_str(&p.get("document_id")).unwrap_or_default();
    let identity_method = p.get("identity_method");
    if !IDENTITY_METHODS.contains(&identity_method.as_str()) {
        errors.push(("identity_method".into(), "consent.error.choose"));
    }
    let mut answers = Vec::new();
    for (i, q) in questions.iter().enumerate() {
        let name = format!("q{i}");
        match p.get(&name).parse::<usize>() {
            Ok(a) if a == q.answer => answers.push(a),
            Ok(a) if a < q.options.len() => {
                answers.push(a);
                errors.push((name, "consent.error.wrong_answer"));
            }
            _ => errors.push((name, "consent.error.choose")),
        }
    }
    let given_name = text(p, "given_name", 100, &mut errors);
    let family_name = text(p, "family_name", 100, &mut errors);
    let birth_date = match NaiveDate::parse_from_str(p.get("birth_date").trim(), "%Y-%m-%d") {
        Ok(d) if d > today || d.year() < 1900 => {
            errors.push(("birth_date".into(), "consent.error.birth_date"));
            d
        }
        Ok(d) if today.years_since(d).unwrap_or(0) < 18 => {
            errors.push(("birth_date".into(), "consent.error.minor"));
            d
        }
        Ok(d) => d,
        Err(_) => {
            errors.push(("birth_date".into(), "consent.error.date"));
            NaiveDate::MIN
        }
    };
    let phone = optional(p, "phone");
    let email = optional(p, "email");
    if phone.is_none() && email.is_none() {
        errors.push(("phone".into(), "consent.error.contact"));
    }
    if phone.as_deref().is_some_and(|v| !valid_phone(v)) {
        errors.push(("phone".into(), "consent.error.phone"));
    }
    if email.as_deref().is_some_and(|v| !valid_email(v)) {
        errors.push(("email".into(), "consent.error.email"));
    }
    let ticked: Vec<String> =
        p.0.iter()
            .filter(|(k, _)| k == "statement")
            .map(|(_, v)| v.clone())
            .collect();
    if STATEMENTS.iter().any(|s| !ticked.iter().any(|t| t == s)) {
        errors.push(("statement".into(), "consent.error.statements"));
    }
    let signature = text(p, "signature", 210, &mut errors);
    let signature_image = optional(p, "signature_image");
    if signature_image
        .as_deref()
        .is_some_and(|s| s.len() > MAX_SIGNATURE_IMAGE || !s.starts_with("data:image/png;base64,"))
    {
        errors.push(("signature_image".into(), "consent.error.signature_image"));
    }
    let identity = Identity {
        given_name,
        family_name,
        birth_date,
        phone,
        email,
    };
    if !signature.is_empty() && !identity.given_name.is_empty() && !identity.family_name.is_empty()
    {
        let typed = fold_name(&signature);
        let a = fold_name(&identity.full_name());
        let b = fold_name(&format!("{} {}", identity.family_name, identity.given_name));
        if typed != a && typed != b {
            errors.push(("signature".into(), "consent.error.signature_mismatch"));
        }
    }
    let gp_name = text(p, "gp_name", 200, &mut errors);
    if p.get("gp_attest") != "yes" {
        errors.push(("gp_attest".into(), "consent.error.attest"));
    }
    let site_id = Uuid::parse_str(&p.get("site_id")).unwrap_or_default();
    if !site_ids.contains(&site_id) {
        errors.push(("site_id".into(), "consent.error.choose"));
    }
    if errors.is_empty() {
        Ok(Submission {
            document_id,
            identity_method,
            answers,
            identity,
            signature,
            signature_image,
            gp_name,
            site_id,
        })
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 23).unwrap_or_default()
    }

    fn good(site: Uuid) -> Vec<(String, String)> {
        let mut v: Vec<(String, String)> = [
            ("document_id", Uuid::nil().to_string()),
            ("identity_method", "id_card".into()),
            ("q0", "1".into()),
            ("given_name", "Élodie".into()),
            ("family_name", "Martin-Durand".into()),
            ("birth_date", "1961-04-02".into()),
            ("phone", "+33 6 12 34 56 78".into()),
            ("email", "".into()),
            ("signature", "elodie martin durand".into()),
            ("gp_name", "Dr Anne Petit".into()),
            ("gp_attest", "yes".into()),
            ("site_id", site.to_string()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        v.extend(
            STATEMENTS
                .iter()
                .map(|s| ("statement".to_string(), s.to_string())),
        );
        v
    }

    fn q() -> Vec<Question> {
        vec![Question {
            text: "Can you stop?".into(),
            options: vec!["No".into(), "Yes".into()],
            answer: 1,
        }]
    }

    fn errors_of(pairs: Vec<(String, String)>, site: Uuid) -> Vec<(String, &'static str)> {
        parse(&Pairs(pairs), &q(), &[site], today())
            .err()
            .unwrap_or_default()
    }

    fn with(mut pairs: Vec<(String, String)>, k: &str, v: &str) -> Vec<(String, String)> {
        pairs.retain(|(n, _)| n != k);
        pairs.push((k.into(), v.into()));
        pairs
    }

    #[test]
    fn a_complete_form_passes_and_the_signature_ignores_case_and_accents() {
        let site = Uuid::now_v7();
        let s = parse(&Pairs(good(site)), &q(), &[site], today());
        let s = s.unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(s.identity.full_name(), "Élodie Martin-Durand");
        assert_eq!(s.answers, [1]);
        assert_eq!(s.identity.email, None);
        let reversed = with(good(site), "signature", "MARTIN DURAND Elodie");
        assert!(errors_of(reversed, site).is_empty());
    }

    #[test]
    fn each_problem_names_its_field() {
        let site = Uuid::now_v7();
        let cases: &[(&str, &str, &str, &str)] = &[
            (
                "identity_method",
                "guess",
                "identity_method",
                "consent.error.choose",
            ),
            ("q0", "0", "q0", "consent.error.wrong_answer"),
            ("q0", "", "q0", "consent.error.choose"),
            ("given_name", " ", "given_name", "consent.error.required"),
            (
                "birth_date",
                "2030-01-01",
                "birth_date",
                "consent.error.birth_date",
            ),
            (
                "birth_date",
                "2010-01-01",
                "birth_date",
                "consent.error.minor",
            ),
            (
                "birth_date",
                "02/04/1961",
                "birth_date",
                "consent.error.date",
            ),
            ("phone", "", "phone", "consent.error.contact"),
            ("phone", "call me", "phone", "consent.error.phone"),
            (
                "signature",
                "Someone Else",
                "signature",
                "consent.error.signature_mismatch",
            ),
            (
                "signature_image",
                "data:text/html,x",
                "signature_image",
                "consent.error.signature_image",
            ),
            ("gp_attest", "", "gp_attest", "consent.error.attest"),
            ("site_id", "", "site_id", "consent.error.choose"),
        ];
        for (field, value, at, key) in cases {
            let errors = errors_of(with(good(site), field, value), site);
            assert_eq!(errors, [(at.to_string(), *key)], "{field}={value}");
        }
        let mut missing = good(site);
        missing.retain(|(k, v)| !(k == "statement" && v == "withdraw"));
        assert_eq!(
            errors_of(missing, site),
            [("statement".to_string(), "consent.error.statements")]
        );
        let bad_email = with(with(good(site), "phone", ""), "email", "a@b");
        assert_eq!(
            errors_of(bad_email, site),
            [("email".to_string(), "consent.error.email")]
        );
    }
}
