//! The trial form's model: every field by name, its values as typed, the conversion to the
//! API's [`TrialInput`] and [`NewSite`]s, and the mapping of validation details (JSON paths)
//! back to the fields they concern. Rules live in `registry`; this only converts.

use crate::registry::ctgov::Imported;
use crate::registry::input::{PHASES, TrialInput};
use crate::registry::sites::NewSite;
use crate::registry::trials::TrialView;
use platform::error::Detail;
use platform::i18n;
use platform::i18n::lang::Lang;
use std::collections::HashMap;

/// The sections before the criteria: `(section id, [(field, kind)])`.
pub const SECTIONS: &[(&str, &[(&str, &str)])] = &[
    (
        "identity",
        &[
            ("title", "text"),
            ("acronym", "text"),
            ("slug", "text"),
            ("registry_number", "text"),
            ("phase", "select"),
            ("therapeutic_area", "text"),
        ],
    ),
    ("gp", &[("summary", "summary"), ("description", "textarea")]),
    (
        "patients",
        &[
            ("patient_information", "textarea"),
            ("comprehension_questions", "textarea"),
        ],
    ),
    (
        "recruitment",
        &[
            ("target_enrolment", "number"),
            ("recruitment_start", "date"),
            ("recruitment_end", "date"),
        ],
    ),
];

/// The consent section's fields (after the criteria).
pub const CONSENT: &[(&str, &str)] = &[
    ("consent_fr", "textarea"),
    ("consent_fr_label", "text"),
    ("consent_en", "textarea"),
    ("consent_en_label", "text"),
];

/// The fields of one site row, named `site_{i}_{field}`.
pub const SITE_FIELDS: &[(&str, &str)] = &[
    ("name", "text"),
    ("address", "text"),
    ("latitude", "text"),
    ("longitude", "text"),
    ("contact_name", "text"),
    ("contact_email", "email"),
    ("contact_phone", "tel"),
    ("coordinator_email", "email"),
];

/// How many new site rows the form offers.
pub const NEW_SITE_ROWS: usize = 2;

/// One rendered field.
#[derive(Debug, Clone)]
pub struct Field {
    /// `name` and `id`.
    pub name: String,
    /// `text`, `textarea`, `summary`, `number`, `date`, `email`, `tel`, `select`.
    pub kind: &'static str,
    /// The label, translated.
    pub label: String,
    /// A hint, translated, or empty.
    pub hint: String,
    /// The value as typed.
    pub value: String,
    /// The error, if any.
    pub error: Option<String>,
    /// `(value, label)` of a select.
    pub options: Vec<(String, String)>,
}

/// A group of fields.
#[derive(Debug, Clone)]
pub struct Section {
    /// `id` of the fieldset.
    pub id: String,
    /// Legend, translated.
    pub title: String,
    /// Fields.
    pub fields: Vec<Field>,
}

/// The form's values as typed, and its errors by field name.
#[derive(Debug, Clone, Default)]
pub struct TrialForm {
    /// Values by field name (sites as `site_{i}_{field}`).
    pub values: HashMap<String, String>,
    /// Site rows.
    pub site_rows: usize,
    /// Errors by field name.
    pub errors: Vec<(String, String)>,
    /// Errors under `$.definition.criteria`: `(path, message)`.
    pub criteria_errors: Vec<(String, String)>,
}

fn all_names(site_rows: usize) -> Vec<String> {
    let mut names: Vec<String> = SECTIONS
        .iter()
        .flat_map(|(_, f)| f.iter())
        .chain(CONSENT.iter())
        .map(|(n, _)| n.to_string())
        .collect();
    names.extend(["criteria".to_string(), "eligibility_text".to_string()]);
    for i in 0..site_rows {
        names.extend(SITE_FIELDS.iter().map(|(f, _)| format!("site_{i}_{f}")));
    }
    names
}

/// A kebab-case trial id from an acronym or title (`DIAMOND GP` → `diamond-gp`).
pub fn slugify(s: &str) -> String {
    let mut out = String::new();
    for c in s.to_lowercase().chars() {
        let c = match c {
            'à' | 'â' | 'ä' => 'a',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'î' | 'ï' => 'i',
            'ô' | 'ö' => 'o',
            'ù' | 'û' | 'ü' => 'u',
            'ç' => 'c',
            c => c,
        };
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').chars().take(60).collect()
}

impl TrialForm {
    /// The form as posted.
    pub fn from_pairs(pairs: &platform::extract::Pairs) -> TrialForm {
        let site_rows = pairs
            .0
            .iter()
            .filter_map(|(k, _)| k.strip_prefix("site_")?.split('_').next()?.parse().ok())
            .map(|i: usize| i + 1)
            .max()
            .unwrap_or(0)
            .min(50);
        let values = all_names(site_rows)
            .into_iter()
            .map(|n| {
                let v = pairs.get(&n);
                (n, v)
            })
            .collect();
        TrialForm {
            values,
            site_rows,
            ..TrialForm::default()
        }
    }

    /// The form of a stored trial (sites are listed apart; new rows are empty).
    pub fn from_trial(t: &TrialView, consents: &[(String, String, String)]) -> TrialForm {
        let def = t.definition.clone().unwrap_or_default();
        let opt = |o: &Option<String>| o.clone().unwrap_or_default();
        let mut v: HashMap<String, String> = HashMap::new();
        v.insert("title".into(), t.title.clone());
        v.insert("slug".into(), t.slug.clone());
        v.insert("acronym".into(), opt(&t.acronym));
        v.insert("registry_number".into(), opt(&t.registry_number));
        v.insert("phase".into(), opt(&t.phase));
        v.insert("therapeutic_area".into(), opt(&t.therapeutic_area));
        let summary = def["summary"].as_str().unwrap_or_default();
        v.insert("summary".into(), summary.to_string());
        v.insert("description".into(), opt(&t.description));
        v.insert("patient_information".into(), opt(&t.patient_information));
        v.insert(
            "comprehension_questions".into(),
            crate::registry::questions::to_lines(&t.comprehension_questions),
        );
        let num = t.target_enrolment.map(|n| n.to_string());
        v.insert("target_enrolment".into(), num.unwrap_or_default());
        let date = |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
        v.insert("recruitment_start".into(), date(t.recruitment_start));
        v.insert("recruitment_end".into(), date(t.recruitment_end));
        let criteria = serde_json::to_string_pretty(&def["criteria"]).unwrap_or_default();
        v.insert("criteria".into(), criteria);
        for (lang, body, label) in consents {
            v.insert(format!("consent_{lang}"), body.clone());
            v.insert(format!("consent_{lang}_label"), label.clone());
        }
        TrialForm {
            values: v,
            ..TrialForm::default()
        }
    }

    /// A new trial's form prefilled from a ClinicalTrials.gov record.
    pub fn from_import(i: &Imported) -> TrialForm {
        let mut v: HashMap<String, String> = HashMap::new();
        let mut put = |k: &str, val: Option<&String>| {
            v.insert(k.to_string(), val.cloned().unwrap_or_default());
        };
        put("title", Some(&i.title));
        put("acronym", i.acronym.as_ref());
        put("registry_number", i.registry_number.as_ref());
        put("phase", i.phase.as_ref());
        put("therapeutic_area", i.therapeutic_area.as_ref());
        put("summary", i.summary.as_ref());
        put("description", i.description.as_ref());
        put("eligibility_text", Some(&i.eligibility_text));
        for (n, s) in i.sites.iter().enumerate() {
            let f = |x: Option<f64>| x.map(|x| x.to_string());
            put(&format!("site_{n}_name"), Some(&s.name));
            put(&format!("site_{n}_address"), Some(&s.address));
            put(&format!("site_{n}_latitude"), f(s.latitude).as_ref());
            put(&format!("site_{n}_longitude"), f(s.longitude).as_ref());
            put(&format!("site_{n}_contact_name"), s.contact_name.as_ref());
            put(&format!("site_{n}_contact_email"), s.contact_email.as_ref());
            put(&format!("site_{n}_contact_phone"), s.contact_phone.as_ref());
        }
        TrialForm {
            values: v,
            site_rows: i.sites.len(),
            ..TrialForm::default()
        }
    }

    /// The value of a field, as typed.
    pub fn get(&self, name: &str) -> &str {
        self.values.get(name).map_or("", String::as_str)
    }

    fn opt(&self, name: &str) -> Option<String> {
        Some(self.get(name).trim().to_string()).filter(|s| !s.is_empty())
    }

    /// Records an error on a field (or on the criteria, for paths under them).
    pub fn error(&mut self, field: &str, message: impl Into<String>) {
        self.errors.push((field.to_string(), message.into()));
    }

    /// Places the details of a validation error next to their fields, in the reader's
    /// language when the catalogue has the detail code (`detail.{code}`), else the domain's
    /// message. `site` names the row for the details of a site.
    pub fn place(&mut self, lang: Lang, details: &[Detail], site: Option<usize>) {
        for d in details {
            let key = format!("detail.{}", d.code);
            let message = if i18n::has(&key) {
                i18n::t(lang, &key).to_string()
            } else {
                d.message.clone()
            };
            let d = Detail::new(&d.path, &d.code, message);
            let path = d.path.trim_start_matches('$').trim_start_matches('.');
            if let Some(i) = site {
                let field = format!("site_{i}_{path}");
                let field = if self.values.contains_key(&field) {
                    field
                } else {
                    format!("site_{i}_name")
                };
                self.error(&field, &d.message);
                continue;
            }
            let field = match path.strip_prefix("definition") {
                Some(rest) if rest.starts_with(".criteria") => {
                    self.criteria_errors
                        .push((d.path.clone(), d.message.clone()));
                    continue;
                }
                Some(".title") => "title",
                Some(".summary") => "summary",
                Some(".id") => "slug",
                Some(_) => "criteria",
                None if path.starts_with("comprehension_questions") => "comprehension_questions",
                None if self.values.contains_key(path) => path,
                None => "title",
            };
            if field == "criteria" {
                self.criteria_errors
                    .push((d.path.clone(), d.message.clone()));
            } else {
                self.error(field, &d.message);
            }
        }
    }

    /// The API input this form stands for, with the errors of values that do not convert
    /// (numbers, dates, criteria JSON) recorded on their fields. `slug` is the stored id of
    /// an existing trial.
    pub fn input(&mut self, lang: Lang, slug: Option<&str>) -> TrialInput {
        let slug = match slug {
            Some(s) => s.to_string(),
            None => self
                .opt("slug")
                .or_else(|| self.opt("acronym"))
                .or_else(|| self.opt("title"))
                .map(|s| slugify(&s))
                .unwrap_or_default(),
        };
        let criteria_text = self.get("criteria").trim().to_string();
        let criteria = if criteria_text.is_empty() {
            serde_json::json!({"inclusion": [], "exclusion": []})
        } else {
            match serde_json::from_str::<serde_json::Value>(&criteria_text) {
                Ok(c) => c,
                Err(e) => {
                    self.criteria_errors.push((
                        "$.definition.criteria".into(),
                        format!(
                            "{} (line {}, column {}): {e}",
                            i18n::t(lang, "form.not_json"),
                            e.line(),
                            e.column()
                        ),
                    ));
                    serde_json::json!({"inclusion": []})
                }
            }
        };
        let mut definition = serde_json::json!({
            "id": slug, "title": self.get("title").trim(), "criteria": criteria,
        });
        if let Some(s) = self.opt("summary") {
            definition["summary"] = serde_json::Value::String(s.replace("\r\n", "\n"));
        }
        let target = self.opt("target_enrolment");
        let target_enrolment = target.and_then(|t| match t.parse::<i32>() {
            Ok(n) => Some(n),
            Err(_) => {
                self.error("target_enrolment", i18n::t(lang, "form.not_a_number"));
                None
            }
        });
        let mut date = |name: &str| {
            let text = self.opt(name)?;
            match chrono::NaiveDate::parse_from_str(&text, "%Y-%m-%d") {
                Ok(d) => Some(d),
                Err(_) => {
                    self.error(name, i18n::t(lang, "form.not_a_date"));
                    None
                }
            }
        };
        let recruitment_start = date("recruitment_start");
        let recruitment_end = date("recruitment_end");
        let comprehension_questions =
            match crate::registry::questions::parse_lines(self.get("comprehension_questions")) {
                Ok(q) => Some(q),
                Err(e) => {
                    let line = i18n::t(lang, "form.line");
                    self.error(
                        "comprehension_questions",
                        format!("{line} {}: {}", e.line, e.message),
                    );
                    None
                }
            };
        TrialInput {
            definition,
            acronym: self.opt("acronym"),
            registry_number: self.opt("registry_number"),
            target_enrolment,
            recruitment_start,
            recruitment_end,
            sponsor_id: None,
            phase: self.opt("phase"),
            therapeutic_area: self.opt("therapeutic_area"),
            description: self.opt("description"),
            patient_information: self.opt("patient_information"),
            comprehension_questions,
        }
    }

    /// The filled site rows as new sites, with the coordinator email of each; errors of
    /// values that do not convert, and the registry's site checks, on their fields.
    pub fn sites(&mut self, lang: Lang) -> Vec<(usize, NewSite, Option<String>)> {
        let mut out = Vec::new();
        for i in 0..self.site_rows {
            let key = |f: &str| format!("site_{i}_{f}");
            if SITE_FIELDS
                .iter()
                .all(|(f, _)| self.get(&key(f)).trim().is_empty())
            {
                continue;
            }
            let mut coordinate = |f: &str| {
                let text = self.opt(&key(f))?;
                match text.replace(',', ".").parse::<f64>() {
                    Ok(x) => Some(x),
                    Err(_) => {
                        self.error(&key(f), i18n::t(lang, "form.not_a_number"));
                        None
                    }
                }
            };
            let latitude = coordinate("latitude");
            let longitude = coordinate("longitude");
            let new = NewSite {
                name: self.get(&key("name")).to_string(),
                address: self.get(&key("address")).to_string(),
                latitude,
                longitude,
                contact_name: self.opt(&key("contact_name")),
                contact_email: self.opt(&key("contact_email")),
                contact_phone: self.opt(&key("contact_phone")),
                ..NewSite::default()
            };
            let details = crate::registry::sites::check(&new);
            self.place(lang, &details, Some(i));
            out.push((i, new, self.opt(&key("coordinator_email"))));
        }
        out
    }

    /// Whether any error was found.
    pub fn has_errors(&self) -> bool {
        !self.errors.is_empty() || !self.criteria_errors.is_empty()
    }

    fn field(&self, lang: Lang, name: String, key: &str, kind: &'static str) -> Field {
        let hint_key = format!("hint.{key}");
        let hint = i18n::t(lang, &hint_key);
        let options = if kind == "select" {
            std::iter::once(("".to_string(), i18n::t(lang, "form.choose").to_string()))
                .chain(
                    PHASES
                        .iter()
                        .map(|p| (p.to_string(), i18n::t(lang, &format!("phase.{p}")).into())),
                )
                .collect()
        } else {
            Vec::new()
        };
        Field {
            error: self
                .errors
                .iter()
                .find(|(f, _)| *f == name)
                .map(|(_, m)| m.clone()),
            value: self.get(&name).to_string(),
            label: i18n::t(lang, &format!("field.{key}")).to_string(),
            hint: if hint == hint_key {
                String::new()
            } else {
                hint.to_string()
            },
            name,
            kind,
            options,
        }
    }

    /// The sections before the criteria, the site rows included (`slug` only on new trials).
    pub fn sections(&self, lang: Lang, new_trial: bool) -> Vec<Section> {
        let mut out: Vec<Section> = SECTIONS
            .iter()
            .map(|(id, fields)| Section {
                id: id.to_string(),
                title: i18n::t(lang, &format!("section.{id}")).to_string(),
                fields: fields
                    .iter()
                    .filter(|(n, _)| new_trial || *n != "slug")
                    .map(|(n, k)| self.field(lang, n.to_string(), n, k))
                    .collect(),
            })
            .collect();
        for i in 0..self.site_rows.max(1) {
            out.push(Section {
                id: format!("site-{i}"),
                title: format!("{} {}", i18n::t(lang, "section.site"), i + 1),
                fields: SITE_FIELDS
                    .iter()
                    .map(|(f, k)| {
                        self.field(lang, format!("site_{i}_{f}"), &format!("site.{f}"), k)
                    })
                    .collect(),
            });
        }
        out
    }

    /// The consent section.
    pub fn consent_section(&self, lang: Lang) -> Section {
        Section {
            id: "consent".into(),
            title: i18n::t(lang, "section.consent").into(),
            fields: CONSENT
                .iter()
                .map(|(n, k)| self.field(lang, n.to_string(), n, k))
                .collect(),
        }
    }

    /// Adds empty site rows so that the form always offers some.
    pub fn with_new_site_rows(mut self) -> TrialForm {
        self.site_rows = self.site_rows.max(NEW_SITE_ROWS);
        for i in 0..self.site_rows {
            for (f, _) in SITE_FIELDS {
                self.values.entry(format!("site_{i}_{f}")).or_default();
            }
        }
        self
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn slugs_are_kebab_case() {
        for (input, want) in [
            ("DIAMOND GP", "diamond-gp"),
            ("Étude  sur l'insuffisance", "etude-sur-l-insuffisance"),
            ("  --x--  ", "x"),
            ("", ""),
        ] {
            assert_eq!(slugify(input), want, "{input}");
        }
    }

    #[test]
    fn details_go_next_to_their_fields() {
        let mut f = TrialForm::default().with_new_site_rows();
        f.values.insert("registry_number".into(), String::new());
        f.values.insert("phase".into(), String::new());
        let details = [
            Detail::new("$.registry_number", "invalid_registry_number", "bad"),
            Detail::new(
                "$.definition.criteria.inclusion[0].age",
                "age_no_bounds",
                "no bounds",
            ),
            Detail::new("$.definition.title", "empty_title", "empty"),
            Detail::new("$.definition.id", "empty_trial_id", "empty"),
            Detail::new("$.phase", "unknown_phase", "bad phase"),
        ];
        f.place(Lang::En, &details, None);
        f.place(
            Lang::Fr,
            &[Detail::new("$.address", "required", "empty")],
            Some(1),
        );
        let fields: Vec<&str> = f.errors.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            fields,
            [
                "registry_number",
                "title",
                "slug",
                "phase",
                "site_1_address"
            ]
        );
        assert!(f.errors[0].1.starts_with("Neither an NCT"), "translated");
        assert_eq!(f.errors[3].1, "bad phase", "untranslated: the domain's");
        assert_eq!(f.errors[4].1, "Ce champ est obligatoire.");
        assert_eq!(
            f.criteria_errors,
            [(
                "$.definition.criteria.inclusion[0].age".to_string(),
                "no bounds".to_string()
            )]
        );
    }
}

#[cfg(test)]
mod message_keys {
    use super::{CONSENT, SECTIONS, SITE_FIELDS};
    use crate::registry::input::PHASES;
    use platform::i18n::has;

    /// The keys the trial form builds in code (labels, sections, phases) exist.
    #[test]
    fn form_keys_exist() {
        let mut keys: Vec<String> = SECTIONS
            .iter()
            .flat_map(|(id, fields)| {
                std::iter::once(format!("section.{id}"))
                    .chain(fields.iter().map(|(f, _)| format!("field.{f}")))
            })
            .collect();
        keys.extend(CONSENT.iter().map(|(f, _)| format!("field.{f}")));
        keys.extend(SITE_FIELDS.iter().map(|(f, _)| format!("field.site.{f}")));
        keys.extend(PHASES.iter().map(|p| format!("phase.{p}")));
        keys.extend(
            crate::registry::lifecycle::Status::ALL
                .iter()
                .map(|s| s.as_str().to_string()),
        );
        let missing: Vec<_> = keys.iter().filter(|k| !has(k)).collect();
        assert!(missing.is_empty(), "{missing:?}");
    }
}
