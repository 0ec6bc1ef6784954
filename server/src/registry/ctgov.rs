//! Reading a ClinicalTrials.gov study record (API v2 JSON, as `GET /api/v2/studies/{nct}`
//! returns it) into what prefills a new trial: identity, summary and description, phase,
//! therapeutic area, sites with contacts, and the free-text eligibility section. Pure: no
//! database, no network. Nothing read here is stored until the sponsor saves the form.

use serde_json::Value;

/// What a study record prefills.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Imported {
    /// `identificationModule.nctId`.
    pub registry_number: Option<String>,
    /// `briefTitle`, else `officialTitle`.
    pub title: String,
    /// `officialTitle`.
    pub official_title: Option<String>,
    /// `acronym`.
    pub acronym: Option<String>,
    /// The GP summary: `briefSummary`, shortened to fit the pop-up's two lines.
    pub summary: Option<String>,
    /// `briefSummary` and `detailedDescription`.
    pub description: Option<String>,
    /// `designModule.phases`, as one of `registry::input::PHASES`.
    pub phase: Option<String>,
    /// `conditionsModule.conditions`, joined.
    pub therapeutic_area: Option<String>,
    /// `eligibilityModule.eligibilityCriteria` followed by the ages and sex.
    pub eligibility_text: String,
    /// `contactsLocationsModule.locations`.
    pub sites: Vec<ImportedSite>,
}

/// A location of the record.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ImportedSite {
    /// `facility`.
    pub name: String,
    /// `city`, `zip`, `country` (and `state`), joined.
    pub address: String,
    /// `geoPoint.lat`.
    pub latitude: Option<f64>,
    /// `geoPoint.lon`.
    pub longitude: Option<f64>,
    /// The first contact's name.
    pub contact_name: Option<String>,
    /// The first contact's email.
    pub contact_email: Option<String>,
    /// The first contact's phone.
    pub contact_phone: Option<String>,
}

/// Why a record cannot be read: the JSON path at fault and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {message}")]
pub struct ImportError {
    /// JSON path of the problem (`$` for the whole text).
    pub path: String,
    /// What is wrong.
    pub message: String,
}

fn err(path: &str, message: impl Into<String>) -> ImportError {
    ImportError {
        path: path.into(),
        message: message.into(),
    }
}

/// The object at `key` of `v` (absent is `None`; another type is an error).
fn object<'a>(v: &'a Value, key: &str, path: &str) -> Result<Option<&'a Value>, ImportError> {
    match v.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(o @ Value::Object(_)) => Ok(Some(o)),
        Some(_) => Err(err(&format!("{path}.{key}"), "expected an object")),
    }
}

/// The trimmed, non-empty string at `key` of `v` (absent is `None`; another type is an error).
fn string(v: &Value, key: &str, path: &str) -> Result<Option<String>, ImportError> {
    match v.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.trim().to_string()).filter(|s| !s.is_empty())),
        Some(_) => Err(err(&format!("{path}.{key}"), "expected a string")),
    }
}

/// The array at `key` of `v` (absent is empty; another type is an error).
fn array<'a>(v: &'a Value, key: &str, path: &str) -> Result<&'a [Value], ImportError> {
    match v.get(key) {
        None | Some(Value::Null) => Ok(&[]),
        Some(Value::Array(a)) => Ok(a),
        Some(_) => Err(err(&format!("{path}.{key}"), "expected an array")),
    }
}

fn number(v: &Value, key: &str, path: &str) -> Result<Option<f64>, ImportError> {
    match v.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => Ok(n.as_f64()),
        Some(_) => Err(err(&format!("{path}.{key}"), "expected a number")),
    }
}

/// The phase of `designModule.phases`.
fn phase(phases: &[String]) -> Option<String> {
    let has = |p: &str| phases.iter().any(|x| x.eq_ignore_ascii_case(p));
    let p = if has("PHASE1") && has("PHASE2") {
        "phase_1_2"
    } else if has("PHASE2") && has("PHASE3") {
        "phase_2_3"
    } else if has("EARLY_PHASE1") {
        "early_phase_1"
    } else if has("PHASE1") {
        "phase_1"
    } else if has("PHASE2") {
        "phase_2"
    } else if has("PHASE3") {
        "phase_3"
    } else if has("PHASE4") {
        "phase_4"
    } else if has("NA") {
        "not_applicable"
    } else {
        return None;
    };
    Some(p.into())
}

/// A text shortened to fit the GP summary, at a word boundary, with an ellipsis.
fn shorten(text: &str) -> String {
    let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let max = super::input::SUMMARY_MAX_CHARS;
    if one_line.chars().count() <= max {
        return one_line;
    }
    let mut out = String::new();
    for word in one_line.split(' ') {
        if out.chars().count() + word.chars().count() + 2 > max {
            break;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out.push('…');
    out
}

/// Reads a study record (also accepts a search answer `{"studies": [record, …]}`: the first).
pub fn parse(text: &str) -> Result<Imported, ImportError> {
    let root: Value = serde_json::from_str(text).map_err(|e| {
        err(
            "$",
            format!("not JSON (line {}, column {}): {e}", e.line(), e.column()),
        )
    })?;
    let (study, base) = match root.get("studies") {
        Some(Value::Array(a)) => (
            a.first()
                .ok_or_else(|| err("$.studies", "the list of studies is empty"))?,
            "$.studies[0]".to_string(),
        ),
        _ => (&root, "$".to_string()),
    };
    if !study.is_object() {
        return Err(err(&base, "expected a study record (an object)"));
    }
    let ps_path = format!("{base}.protocolSection");
    let ps = object(study, "protocolSection", &base)?
        .ok_or_else(|| err(&ps_path, "missing: not a ClinicalTrials.gov study record"))?;
    let empty = Value::Object(Default::default());
    let module = |name: &str| -> Result<(&Value, String), ImportError> {
        let path = format!("{ps_path}.{name}");
        Ok((object(ps, name, &ps_path)?.unwrap_or(&empty), path))
    };

    let (id, id_path) = module("identificationModule")?;
    let official_title = string(id, "officialTitle", &id_path)?;
    let title = string(id, "briefTitle", &id_path)?
        .or_else(|| official_title.clone())
        .ok_or_else(|| {
            err(
                &format!("{id_path}.briefTitle"),
                "missing: the record has no title",
            )
        })?;
    let mut out = Imported {
        registry_number: string(id, "nctId", &id_path)?,
        title,
        official_title,
        acronym: string(id, "acronym", &id_path)?,
        ..Imported::default()
    };

    let (desc, desc_path) = module("descriptionModule")?;
    let brief = string(desc, "briefSummary", &desc_path)?;
    let detailed = string(desc, "detailedDescription", &desc_path)?;
    out.summary = brief.as_deref().map(shorten);
    let description: Vec<String> = [brief, detailed].into_iter().flatten().collect();
    out.description = Some(description.join("\n\n")).filter(|d| !d.is_empty());

    let (design, design_path) = module("designModule")?;
    let phases = array(design, "phases", &design_path)?
        .iter()
        .enumerate()
        .map(|(i, p)| {
            p.as_str()
                .map(str::to_string)
                .ok_or_else(|| err(&format!("{design_path}.phases[{i}]"), "expected a string"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    out.phase = phase(&phases);

    let (conditions, cond_path) = module("conditionsModule")?;
    let names = array(conditions, "conditions", &cond_path)?
        .iter()
        .filter_map(Value::as_str)
        .collect::<Vec<_>>()
        .join(", ");
    out.therapeutic_area = Some(names).filter(|n| !n.is_empty());

    let (elig, elig_path) = module("eligibilityModule")?;
    let mut text = string(elig, "eligibilityCriteria", &elig_path)?.unwrap_or_default();
    let facts: Vec<String> = [
        ("Minimum age", string(elig, "minimumAge", &elig_path)?),
        ("Maximum age", string(elig, "maximumAge", &elig_path)?),
        ("Sex", string(elig, "sex", &elig_path)?),
    ]
    .into_iter()
    .filter_map(|(k, v)| v.map(|v| format!("{k}: {v}")))
    .collect();
    if !facts.is_empty() {
        if !text.is_empty() {
            text.push_str("\n\n");
        }
        text.push_str(&facts.join("\n"));
    }
    out.eligibility_text = text;

    let (contacts, contacts_path) = module("contactsLocationsModule")?;
    let loc_path = format!("{contacts_path}.locations");
    for (i, loc) in array(contacts, "locations", &contacts_path)?
        .iter()
        .enumerate()
    {
        let path = format!("{loc_path}[{i}]");
        if !loc.is_object() {
            return Err(err(&path, "expected an object"));
        }
        let city = string(loc, "city", &path)?;
        let place: Vec<String> = [
            string(loc, "zip", &path)?,
            city.clone(),
            string(loc, "state", &path)?,
            string(loc, "country", &path)?,
        ]
        .into_iter()
        .flatten()
        .collect();
        let geo = object(loc, "geoPoint", &path)?;
        let geo_path = format!("{path}.geoPoint");
        let contact = array(loc, "contacts", &path)?.first();
        let contact_path = format!("{path}.contacts[0]");
        let contact_field = |key: &str| match contact {
            Some(c) => string(c, key, &contact_path),
            None => Ok(None),
        };
        out.sites.push(ImportedSite {
            name: string(loc, "facility", &path)?
                .or(city)
                .unwrap_or_else(|| format!("Site {}", i + 1)),
            address: place.join(", "),
            latitude: geo
                .map(|g| number(g, "lat", &geo_path))
                .transpose()?
                .flatten(),
            longitude: geo
                .map(|g| number(g, "lon", &geo_path))
                .transpose()?
                .flatten(),
            contact_name: contact_field("name")?,
            contact_email: contact_field("email")?,
            contact_phone: contact_field("phone")?,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn fixture() -> String {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/ctgov-study.json"
        );
        std::fs::read_to_string(path).expect("fixture")
    }

    #[test]
    fn reads_a_realistic_record() {
        let i = parse(&fixture()).unwrap();
        assert_eq!(i.registry_number.as_deref(), Some("NCT05123456"));
        assert_eq!(i.acronym.as_deref(), Some("DIAMOND-GP"));
        assert!(i.title.starts_with("Early Intensification"), "{}", i.title);
        assert!(i.official_title.is_some());
        assert_eq!(i.phase.as_deref(), Some("phase_2_3"));
        assert_eq!(
            i.therapeutic_area.as_deref(),
            Some("Type 2 Diabetes Mellitus, Hyperglycemia")
        );
        let summary = i.summary.unwrap();
        assert!(super::super::input::summary_fits(&summary), "{summary}");
        assert!(summary.ends_with('…'), "a long brief summary is shortened");
        let description = i.description.unwrap();
        assert!(
            description.contains("48 weeks"),
            "detailed description kept"
        );
        assert!(i.eligibility_text.contains("Inclusion Criteria"));
        assert!(i.eligibility_text.contains("Minimum age: 40 Years"));
        assert!(i.eligibility_text.contains("Sex: ALL"));
        assert_eq!(i.sites.len(), 2);
        let lyon = &i.sites[0];
        assert_eq!(lyon.name, "Hospices Civils de Lyon");
        assert_eq!(lyon.address, "69003, Lyon, France");
        assert_eq!(lyon.latitude, Some(45.74846));
        assert_eq!(lyon.longitude, Some(4.84671));
        assert_eq!(
            lyon.contact_email.as_deref(),
            Some("marie.durand@chu-lyon.fr")
        );
        assert_eq!(i.sites[1].contact_name, None);
    }

    #[test]
    fn reads_the_first_study_of_a_search_answer() {
        let wrapped = format!("{{\"studies\": [{}]}}", fixture());
        assert_eq!(parse(&wrapped).unwrap(), parse(&fixture()).unwrap());
    }

    #[test]
    fn malformed_records_name_the_path() {
        let cases = [
            ("{", "$"),
            ("[1, 2]", "$"),
            ("{}", "$.protocolSection"),
            ("{\"studies\": []}", "$.studies"),
            ("{\"protocolSection\": 3}", "$.protocolSection"),
            (
                "{\"protocolSection\": {\"identificationModule\": {}}}",
                "$.protocolSection.identificationModule.briefTitle",
            ),
            (
                "{\"protocolSection\": {\"identificationModule\": {\"briefTitle\": 7}}}",
                "$.protocolSection.identificationModule.briefTitle",
            ),
            (
                "{\"protocolSection\": {\"identificationModule\": {\"briefTitle\": \"T\"}, \"designModule\": {\"phases\": \"PHASE2\"}}}",
                "$.protocolSection.designModule.phases",
            ),
            (
                "{\"protocolSection\": {\"identificationModule\": {\"briefTitle\": \"T\"}, \"contactsLocationsModule\": {\"locations\": [{\"facility\": \"A\", \"geoPoint\": {\"lat\": \"north\"}}]}}}",
                "$.protocolSection.contactsLocationsModule.locations[0].geoPoint.lat",
            ),
        ];
        for (text, path) in cases {
            let e = parse(text).unwrap_err();
            assert_eq!(e.path, path, "{text}: {e}");
            assert!(!e.message.is_empty());
        }
    }

    #[test]
    fn phases_map_to_the_registry_list() {
        let cases: [(&[&str], Option<&str>); 6] = [
            (&["PHASE3"], Some("phase_3")),
            (&["PHASE1", "PHASE2"], Some("phase_1_2")),
            (&["EARLY_PHASE1"], Some("early_phase_1")),
            (&["NA"], Some("not_applicable")),
            (&["PHASE4"], Some("phase_4")),
            (&[], None),
        ];
        for (input, want) in cases {
            let phases: Vec<String> = input.iter().map(|s| s.to_string()).collect();
            assert_eq!(phase(&phases).as_deref(), want, "{input:?}");
            if let Some(p) = want {
                assert!(super::super::input::PHASES.contains(&p));
            }
        }
    }
}
