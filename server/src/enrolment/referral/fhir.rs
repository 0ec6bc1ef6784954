//! A referral as FHIR R4: a `Bundle` (type `collection`) holding the `Patient`, the signed
//! `Consent`, the `ResearchSubject` and the site's `Organization`. Pure mapping, no database.
//!
//! - **Addresses.** Each entry's `fullUrl` is `{public url}/fhir/{Type}/{id}`, the same as
//!   the resource's `id`: the Consent is the consent's id, the ResearchSubject and the Patient
//!   the referral's (the patient is known here only through this referral), the Organization
//!   the site's. Every reference between them is one of these `fullUrl`s, so it resolves in
//!   the Bundle. The one reference out of it is `ResearchSubject.study`: the trial's
//!   `ResearchStudy` at `{public url}/api/v1/trials/{trial id}/fhir`, with the title as
//!   `display` and the registry number as `identifier`.
//! - **Consent.** `active`, or `inactive` once withdrawn; scope `consentscope#research`;
//!   categories LOINC `59284-0` (Patient Consent) and `consentcategorycodes#research`
//!   (Research Information Access, in R4's code system); `dateTime` and `performer`: the
//!   patient signed; `organization`: the site; `policy.uri`: the consent document's version
//!   (invariant ppc-1); `sourceAttachment`: the signed PDF (its URL, size, language, title,
//!   creation and `hash`, base64 SHA-1 as `Attachment.hash` defines); `provision`: `permit`
//!   from the signature to the withdrawal, else to the recruitment end date when known (a
//!   date as `Period.end` includes its whole day).
//! - **SHA-256.** SHA-1 is what R4 defines, not what we trust: the PDF's SHA-256 is an
//!   extension of `sourceAttachment` ([`PDF_SHA256_EXTENSION`]) and the consent document's an
//!   extension of the `policy` ([`DOCUMENT_SHA256_EXTENSION`]), both lowercase hex
//!   `valueString`s.
//! - **Patient.** Name, birth date and the contact points, nothing else: the phone first
//!   (`rank` 1, `use: mobile` when it is a French mobile number), then the email.
//! - **No empty values.** FHIR forbids `""`, `[]` and `{}`: blank inputs are left out, and a
//!   last pass removes whatever would still be empty.

use base64::Engine;
use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use serde_json::{Value, json};
use sha1::Sha1;
use sha2::Digest;

/// The extension holding the SHA-256 (lowercase hex) of the signed PDF, on
/// `Consent.sourceAttachment`.
pub const PDF_SHA256_EXTENSION: &str =
    "https://inclusio.example/fhir/StructureDefinition/pdf-sha256";
/// The extension holding the SHA-256 (lowercase hex) of the consent document the patient
/// read, on `Consent.policy`.
pub const DOCUMENT_SHA256_EXTENSION: &str =
    "https://inclusio.example/fhir/StructureDefinition/document-sha256";

/// What the export reads: one referral, its consent and the patient's (decrypted) identity.
pub struct ReferralRecord<'a> {
    /// The server's public URL, e.g. `https://inclusio.example` (no trailing slash).
    pub public_url: &'a str,
    /// The referral.
    pub referral_id: uuid::Uuid,
    /// `referred`, `contacted`, `screening`, `enrolled`, `screen_failed`, `declined` or
    /// `withdrawn`.
    pub referral_status: &'a str,
    /// The consent.
    pub consent_id: uuid::Uuid,
    /// When the consent was withdrawn (`None` while it holds).
    pub consent_withdrawn_at: Option<DateTime<Utc>>,
    /// When the patient signed.
    pub signed_at: DateTime<Utc>,
    /// The trial (registry id).
    pub trial_id: uuid::Uuid,
    /// The trial's title.
    pub trial_title: &'a str,
    /// NCT, EU CT or EudraCT number.
    pub registry_number: Option<&'a str>,
    /// The last day of recruitment.
    pub recruitment_end: Option<NaiveDate>,
    /// The patient's given name(s).
    pub given_name: &'a str,
    /// The patient's family name.
    pub family_name: &'a str,
    /// The patient's birth date.
    pub birth_date: NaiveDate,
    /// The patient's phone number.
    pub phone: Option<&'a str>,
    /// The patient's email address.
    pub email: Option<&'a str>,
    /// The trial site the patient is referred to.
    pub site_id: uuid::Uuid,
    /// The site's name.
    pub site_name: &'a str,
    /// The referring practice (not exported: the Patient carries nothing else).
    pub practice_name: &'a str,
    /// The referring GP (not exported: the Patient carries nothing else).
    pub gp_name: &'a str,
    /// The language of the consent document: `fr` or `en`.
    pub language: &'a str,
    /// The consent document's version.
    pub document_version: i32,
    /// SHA-256 of the consent document, hex.
    pub document_sha256: &'a str,
    /// The signed PDF copy.
    pub pdf: &'a [u8],
}

/// The FHIR ResearchSubject.status of a referral status (R4's 13 codes; an unknown status is
/// `potential-candidate`).
pub fn research_subject_status(referral_status: &str) -> &'static str {
    match referral_status {
        "contacted" => "candidate",
        "screening" => "screening",
        "enrolled" => "on-study",
        "screen_failed" => "ineligible",
        "declined" => "not-registered",
        "withdrawn" => "withdrawn",
        _ => "potential-candidate",
    }
}

/// A FHIR R4 Bundle (type collection) holding Patient, Consent and ResearchSubject (and
/// what they reference, e.g. the site Organization), as JSON.
pub fn bundle(r: &ReferralRecord<'_>) -> Value {
    let base = r.public_url.trim_end_matches('/');
    let url = |kind: &str, id: uuid::Uuid| format!("{base}/fhir/{kind}/{id}");
    let patient_url = url("Patient", r.referral_id);
    let consent_url = url("Consent", r.consent_id);
    let subject_url = url("ResearchSubject", r.referral_id);
    let site_url = url("Organization", r.site_id);
    let links = Links {
        base,
        patient: &patient_url,
        consent: &consent_url,
        site: &site_url,
    };
    let entry =
        |full_url: &str, resource: Value| json!({"fullUrl": full_url, "resource": resource});
    let mut bundle = json!({
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            entry(&patient_url, patient(r)),
            entry(&consent_url, consent(r, &links)),
            entry(&subject_url, research_subject(r, &links)),
            entry(&site_url, organization(r)),
        ],
    });
    prune(&mut bundle);
    bundle
}

/// Base64 SHA-1 of `data`: R4's `Attachment.hash`.
pub fn attachment_hash(data: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(Sha1::digest(data))
}

/// Where the resources of one Bundle are.
struct Links<'a> {
    base: &'a str,
    patient: &'a str,
    consent: &'a str,
    site: &'a str,
}

/// `s` trimmed, or `None` when blank.
fn text(s: &str) -> Option<&str> {
    Some(s.trim()).filter(|s| !s.is_empty())
}

/// A FHIR `dateTime` (to the second, UTC).
fn instant(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn patient(r: &ReferralRecord<'_>) -> Value {
    let given: Vec<&str> = r.given_name.split_whitespace().collect();
    json!({
        "resourceType": "Patient",
        "id": r.referral_id.to_string(),
        "name": [{
            "use": "official",
            "family": text(r.family_name),
            "given": given,
        }],
        "birthDate": r.birth_date.to_string(),
        "telecom": telecom(r.phone, r.email),
    })
}

/// The patient's contact points, in order of preference (`rank` 1 first).
fn telecom(phone: Option<&str>, email: Option<&str>) -> Vec<Value> {
    let mut points = Vec::new();
    if let Some(p) = phone.and_then(text) {
        let mut point = json!({"system": "phone", "value": p});
        if is_french_mobile(p) {
            point["use"] = json!("mobile");
        }
        points.push(point);
    }
    if let Some(e) = email.and_then(text) {
        points.push(json!({"system": "email", "value": e}));
    }
    for (rank, point) in points.iter_mut().enumerate() {
        point["rank"] = json!(rank + 1);
    }
    points
}

/// A French mobile number: 06 or 07, nationally or after +33 / 0033.
fn is_french_mobile(phone: &str) -> bool {
    let digits: String = phone
        .chars()
        .filter(|c| !matches!(c, ' ' | '.' | '-' | '(' | ')'))
        .collect();
    let national = if let Some(rest) = digits
        .strip_prefix("+33")
        .or_else(|| digits.strip_prefix("0033"))
    {
        format!("0{rest}")
    } else {
        digits
    };
    national.len() == 10
        && national.bytes().all(|b| b.is_ascii_digit())
        && (national.starts_with("06") || national.starts_with("07"))
}

fn consent(r: &ReferralRecord<'_>, links: &Links<'_>) -> Value {
    let withdrawn = r.consent_withdrawn_at;
    let end = match withdrawn {
        Some(at) => Some(instant(at.max(r.signed_at))),
        None => r
            .recruitment_end
            .filter(|end| *end >= r.signed_at.date_naive())
            .map(|end| end.to_string()),
    };
    let title = match (r.language, text(r.trial_title)) {
        ("fr", Some(t)) => format!("Consentement signé (version {}) : {t}", r.document_version),
        ("fr", None) => format!("Consentement signé (version {})", r.document_version),
        (_, Some(t)) => format!("Signed consent (version {}): {t}", r.document_version),
        (_, None) => format!("Signed consent (version {})", r.document_version),
    };
    let pdf_sha256: String = platform::crypto::sha256_hex(r.pdf);
    json!({
        "resourceType": "Consent",
        "id": r.consent_id.to_string(),
        "status": if withdrawn.is_some() { "inactive" } else { "active" },
        "scope": {"coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/consentscope",
            "code": "research",
            "display": "Research",
        }]},
        "category": [
            {"coding": [{
                "system": "http://loinc.org",
                "code": "59284-0",
                "display": "Patient Consent",
            }]},
            {"coding": [{
                "system": "http://terminology.hl7.org/CodeSystem/consentcategorycodes",
                "code": "research",
                "display": "Research Information Access",
            }]},
        ],
        "patient": {"reference": links.patient, "type": "Patient"},
        "dateTime": instant(r.signed_at),
        "performer": [{"reference": links.patient, "type": "Patient"}],
        "organization": [{
            "reference": links.site,
            "type": "Organization",
            "display": text(r.site_name),
        }],
        "sourceAttachment": {
            "extension": [{
                "url": PDF_SHA256_EXTENSION,
                "valueString": pdf_sha256,
            }],
            "contentType": "application/pdf",
            "language": text(r.language),
            "url": format!("{}/api/v1/referrals/{}/consent.pdf", links.base, r.referral_id),
            "size": r.pdf.len(),
            "hash": attachment_hash(r.pdf),
            "title": title,
            "creation": instant(r.signed_at),
        },
        "policy": [{
            "extension": text(r.document_sha256).map(|h| vec![json!({
                "url": DOCUMENT_SHA256_EXTENSION,
                "valueString": h.to_ascii_lowercase(),
            })]),
            "uri": format!(
                "{}/trials/{}/consent/v{}",
                links.base, r.trial_id, r.document_version
            ),
        }],
        "provision": {
            "type": "permit",
            "period": {"start": instant(r.signed_at), "end": end},
        },
    })
}

fn research_subject(r: &ReferralRecord<'_>, links: &Links<'_>) -> Value {
    let identifier = r.registry_number.and_then(text).map(|n| {
        let system = if n.starts_with("NCT") {
            "http://clinicaltrials.gov"
        } else {
            "https://euclinicaltrials.eu"
        };
        json!({"system": system, "value": n})
    });
    json!({
        "resourceType": "ResearchSubject",
        "id": r.referral_id.to_string(),
        "status": research_subject_status(r.referral_status),
        "period": {"start": instant(r.signed_at)},
        "study": {
            "reference": format!("{}/api/v1/trials/{}/fhir", links.base, r.trial_id),
            "type": "ResearchStudy",
            "identifier": identifier,
            "display": text(r.trial_title),
        },
        "individual": {"reference": links.patient, "type": "Patient"},
        "consent": {"reference": links.consent, "type": "Consent"},
    })
}

fn organization(r: &ReferralRecord<'_>) -> Value {
    // The identifier keeps invariant org-1 (a name or an identifier) when the name is blank.
    json!({
        "resourceType": "Organization",
        "id": r.site_id.to_string(),
        "identifier": [{"system": "urn:ietf:rfc:3986", "value": format!("urn:uuid:{}", r.site_id)}],
        "name": text(r.site_name),
    })
}

/// Removes `null`, `""`, `[]` and `{}` everywhere, innermost first (so an object left empty
/// by its emptied members goes too).
fn prune(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for v in map.values_mut() {
                prune(v);
            }
            map.retain(|_, v| !is_empty(v));
        }
        Value::Array(items) => {
            for v in items.iter_mut() {
                prune(v);
            }
            items.retain(|v| !is_empty(v));
        }
        _ => {}
    }
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use chrono::TimeZone;
    use std::collections::HashSet;

    const STATUSES: [&str; 7] = [
        "referred",
        "contacted",
        "screening",
        "enrolled",
        "screen_failed",
        "declined",
        "withdrawn",
    ];
    const PDF: &[u8] = b"%PDF-1.7 signed consent of the tests";

    fn record(status: &'static str) -> ReferralRecord<'static> {
        ReferralRecord {
            public_url: "https://inclusio.example",
            referral_id: uuid::Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0001),
            referral_status: status,
            consent_id: uuid::Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0002),
            consent_withdrawn_at: None,
            signed_at: Utc.with_ymd_and_hms(2026, 3, 2, 9, 30, 0).unwrap(),
            trial_id: uuid::Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0003),
            trial_title: "ASPIRE-HF: aspirin in heart failure",
            registry_number: Some("NCT01234567"),
            recruitment_end: NaiveDate::from_ymd_opt(2026, 12, 31),
            given_name: "Jeanne Marie",
            family_name: "Martin",
            birth_date: NaiveDate::from_ymd_opt(1950, 4, 17).unwrap(),
            phone: Some("06 12 34 56 78"),
            email: Some("jeanne.martin@example.org"),
            site_id: uuid::Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0004),
            site_name: "CHU de Nantes, cardiologie",
            practice_name: "Cabinet des Lilas",
            gp_name: "Dr Paul Durand",
            language: "fr",
            document_version: 3,
            document_sha256: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
            pdf: PDF,
        }
    }

    fn resource<'a>(b: &'a Value, kind: &str) -> &'a Value {
        b["entry"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| &e["resource"])
            .find(|r| r["resourceType"] == kind)
            .unwrap_or_else(|| panic!("no {kind}"))
    }

    fn references(v: &Value, at: &str, out: &mut Vec<(String, String)>) {
        match v {
            Value::Object(m) => {
                for (k, v) in m {
                    let path = format!("{at}.{k}");
                    match (k.as_str(), v) {
                        ("reference", Value::String(s)) => out.push((path, s.clone())),
                        _ => references(v, &path, out),
                    }
                }
            }
            Value::Array(a) => {
                for (i, v) in a.iter().enumerate() {
                    references(v, &format!("{at}[{i}]"), out);
                }
            }
            _ => {}
        }
    }

    fn empty_values(v: &Value, at: &str, out: &mut Vec<String>) {
        if is_empty(v) {
            out.push(at.to_string());
        }
        match v {
            Value::Object(m) => m
                .iter()
                .for_each(|(k, v)| empty_values(v, &format!("{at}.{k}"), out)),
            Value::Array(a) => a
                .iter()
                .enumerate()
                .for_each(|(i, v)| empty_values(v, &format!("{at}[{i}]"), out)),
            _ => {}
        }
    }

    #[test]
    fn referral_statuses_map_to_r4_research_subject_statuses() {
        let got: Vec<_> = STATUSES
            .iter()
            .map(|s| research_subject_status(s))
            .collect();
        assert_eq!(
            got,
            [
                "potential-candidate",
                "candidate",
                "screening",
                "on-study",
                "ineligible",
                "not-registered",
                "withdrawn"
            ]
        );
        assert_eq!(research_subject_status("lost"), "potential-candidate");
        for s in STATUSES {
            let b = bundle(&record(s));
            assert_eq!(
                resource(&b, "ResearchSubject")["status"],
                research_subject_status(s)
            );
        }
    }

    #[test]
    fn attachment_hash_is_base64_sha1() {
        // FIPS 180 "abc" and the empty message.
        assert_eq!(attachment_hash(b"abc"), "qZk+NkcGgWq6PiVxeFDCbJzQ2J0=");
        assert_eq!(attachment_hash(b""), "2jmj7l5rSw0yVb/vlWAYkK/YBwk=");
    }

    #[test]
    fn the_bundle_is_a_collection_with_full_urls_matching_ids() {
        let b = bundle(&record("referred"));
        assert_eq!(
            (&b["resourceType"], &b["type"]),
            (&json!("Bundle"), &json!("collection"))
        );
        let entries = b["entry"].as_array().unwrap();
        let kinds: Vec<_> = entries
            .iter()
            .map(|e| e["resource"]["resourceType"].as_str().unwrap())
            .collect();
        assert_eq!(
            kinds,
            ["Patient", "Consent", "ResearchSubject", "Organization"]
        );
        for e in entries {
            let r = &e["resource"];
            assert_eq!(
                e["fullUrl"],
                format!(
                    "https://inclusio.example/fhir/{}/{}",
                    r["resourceType"].as_str().unwrap(),
                    r["id"].as_str().unwrap()
                )
            );
        }
    }

    #[test]
    fn references_resolve_inside_the_bundle_but_the_study() {
        let b = bundle(&record("enrolled"));
        let urls: HashSet<_> = b["entry"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["fullUrl"].as_str().unwrap().to_string())
            .collect();
        let mut refs = Vec::new();
        references(&b, "$", &mut refs);
        assert_eq!(refs.len(), 6, "{refs:?}");
        for (path, target) in refs {
            if path.ends_with(".study.reference") {
                assert_eq!(
                    target,
                    "https://inclusio.example/api/v1/trials/01900000-0000-7000-8000-000000000003/fhir"
                );
            } else {
                assert!(
                    urls.contains(&target),
                    "{path}: {target} is not in the Bundle"
                );
            }
        }
        let subject = resource(&b, "ResearchSubject");
        let patient = "https://inclusio.example/fhir/Patient/01900000-0000-7000-8000-000000000001";
        assert_eq!(subject["individual"]["reference"], patient);
        assert_eq!(
            subject["consent"]["reference"],
            "https://inclusio.example/fhir/Consent/01900000-0000-7000-8000-000000000002"
        );
        assert_eq!(
            subject["study"]["identifier"],
            json!({"system": "http://clinicaltrials.gov", "value": "NCT01234567"})
        );
        assert_eq!(
            subject["study"]["display"],
            "ASPIRE-HF: aspirin in heart failure"
        );
        assert_eq!(subject["period"], json!({"start": "2026-03-02T09:30:00Z"}));
    }

    #[test]
    fn the_consent_maps_every_required_element() {
        let b = bundle(&record("referred"));
        let c = resource(&b, "Consent");
        let patient = "https://inclusio.example/fhir/Patient/01900000-0000-7000-8000-000000000001";
        assert_eq!(c["status"], "active");
        assert_eq!(
            c["scope"]["coding"][0],
            json!({"system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "research", "display": "Research"})
        );
        let categories: Vec<_> = c["category"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (
                    c["coding"][0]["system"].as_str().unwrap(),
                    c["coding"][0]["code"].as_str().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            categories,
            [
                ("http://loinc.org", "59284-0"),
                (
                    "http://terminology.hl7.org/CodeSystem/consentcategorycodes",
                    "research"
                )
            ]
        );
        assert_eq!(c["patient"]["reference"], patient);
        assert_eq!(c["performer"][0]["reference"], patient);
        assert_eq!(c["dateTime"], "2026-03-02T09:30:00Z");
        assert_eq!(
            c["organization"][0]["reference"],
            "https://inclusio.example/fhir/Organization/01900000-0000-7000-8000-000000000004"
        );
        assert_eq!(
            c["policy"][0]["uri"],
            "https://inclusio.example/trials/01900000-0000-7000-8000-000000000003/consent/v3"
        );
        assert_eq!(
            c["policy"][0]["extension"],
            json!([{"url": DOCUMENT_SHA256_EXTENSION, "valueString": "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"}])
        );
        let a = &c["sourceAttachment"];
        assert_eq!(a["contentType"], "application/pdf");
        assert_eq!(a["language"], "fr");
        assert_eq!(
            a["url"],
            "https://inclusio.example/api/v1/referrals/01900000-0000-7000-8000-000000000001/consent.pdf"
        );
        assert_eq!(a["size"], PDF.len());
        assert_eq!(a["hash"], attachment_hash(PDF));
        assert_eq!(a["creation"], "2026-03-02T09:30:00Z");
        assert_eq!(
            a["title"],
            "Consentement signé (version 3) : ASPIRE-HF: aspirin in heart failure"
        );
        let sha256 = format!("{:x}", sha2::Sha256::digest(PDF));
        assert_eq!(
            a["extension"],
            json!([{"url": PDF_SHA256_EXTENSION, "valueString": sha256}])
        );
        assert_eq!(
            c["provision"],
            json!({"type": "permit", "period": {"start": "2026-03-02T09:30:00Z", "end": "2026-12-31"}})
        );
        // Without a recruitment end (or one before the signature), the permit has no end.
        let mut r = record("referred");
        r.recruitment_end = None;
        assert_eq!(
            resource(&bundle(&r), "Consent")["provision"]["period"],
            json!({"start": "2026-03-02T09:30:00Z"})
        );
        r.recruitment_end = NaiveDate::from_ymd_opt(2026, 1, 1);
        assert_eq!(
            resource(&bundle(&r), "Consent")["provision"]["period"],
            json!({"start": "2026-03-02T09:30:00Z"})
        );
    }

    #[test]
    fn a_withdrawn_consent_is_inactive_and_its_permit_ends() {
        let mut r = record("withdrawn");
        r.consent_withdrawn_at = Some(Utc.with_ymd_and_hms(2026, 5, 10, 14, 0, 0).unwrap());
        let b = bundle(&r);
        let c = resource(&b, "Consent");
        assert_eq!(c["status"], "inactive");
        assert_eq!(
            c["provision"],
            json!({"type": "permit", "period": {"start": "2026-03-02T09:30:00Z", "end": "2026-05-10T14:00:00Z"}})
        );
        assert_eq!(resource(&b, "ResearchSubject")["status"], "withdrawn");
    }

    #[test]
    fn the_patient_has_name_birth_date_and_contacts_only() {
        let b = bundle(&record("referred"));
        let p = resource(&b, "Patient");
        let keys: Vec<_> = p.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys.len(), 5, "{keys:?}");
        assert_eq!(
            p["name"],
            json!([{"use": "official", "family": "Martin", "given": ["Jeanne", "Marie"]}])
        );
        assert_eq!(p["birthDate"], "1950-04-17");
        assert_eq!(
            p["telecom"],
            json!([
                {"system": "phone", "value": "06 12 34 56 78", "use": "mobile", "rank": 1},
                {"system": "email", "value": "jeanne.martin@example.org", "rank": 2}
            ])
        );
        let text = b.to_string();
        for absent in ["Cabinet des Lilas", "Durand"] {
            assert!(!text.contains(absent), "{absent}");
        }
        // A landline has no `use`; without a phone the email comes first.
        assert_eq!(
            telecom(Some("+33 2 40 00 00 00"), None),
            [json!({"system": "phone", "value": "+33 2 40 00 00 00", "rank": 1})]
        );
        assert_eq!(
            telecom(Some(" "), Some("a@b.fr")),
            [json!({"system": "email", "value": "a@b.fr", "rank": 1})]
        );
        assert!(is_french_mobile("+33 7 12 34 56 78") && is_french_mobile("0033612345678"));
        assert!(!is_french_mobile("01 23 45 67 89") && !is_french_mobile("06 12"));
    }

    #[test]
    fn no_value_is_ever_empty() {
        let mut blank = record("declined");
        blank.trial_title = " ";
        blank.registry_number = Some("");
        blank.given_name = "";
        blank.family_name = "";
        blank.phone = Some("");
        blank.email = None;
        blank.site_name = "";
        blank.document_sha256 = "";
        blank.pdf = b"";
        for r in [record("screening"), blank] {
            let b = bundle(&r);
            let mut found = Vec::new();
            empty_values(&b, "$", &mut found);
            assert!(found.is_empty(), "{found:?}");
        }
        let mut r = record("declined");
        r.site_name = "";
        r.registry_number = None;
        let b = bundle(&r);
        assert!(resource(&b, "Organization")["identifier"].is_array());
        assert!(
            resource(&b, "ResearchSubject")["study"]
                .get("identifier")
                .is_none()
        );
    }

    /// Writes sample Bundles (one per referral status, one withdrawn) for
    /// `scripts/validate-cds.py` to check with an independent FHIR implementation.
    #[test]
    fn writes_sample_bundles_for_the_validator() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../target/test-output/referral-fhir");
        std::fs::create_dir_all(&dir).unwrap();
        let mut samples: Vec<(String, Value)> = STATUSES
            .iter()
            .map(|s| (format!("referral-{s}"), bundle(&record(s))))
            .collect();
        let mut withdrawn = record("withdrawn");
        withdrawn.consent_withdrawn_at = Some(Utc.with_ymd_and_hms(2026, 5, 10, 14, 0, 0).unwrap());
        withdrawn.language = "en";
        withdrawn.registry_number = Some("2025-520123-11-00");
        withdrawn.phone = Some("+33 2 40 00 00 00");
        samples.push(("referral-consent-withdrawn".into(), bundle(&withdrawn)));
        for (name, b) in samples {
            let json = serde_json::to_string_pretty(&b).unwrap();
            std::fs::write(dir.join(format!("{name}.json")), json).unwrap();
        }
    }
}
