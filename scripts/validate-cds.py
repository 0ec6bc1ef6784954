#!/usr/bin/env python3
"""Independent checks of what the CDS Hooks e2e tests kept in target/test-output/cds:
CDS Hooks responses against JSON schemas written from the specification (tests/schemas), and
the exported ResearchStudy resources (with their contained Group) against the fhir.resources
models of FHIR R4 (4.0.1; fhir.resources 6.4.x). Fails when nothing was kept.

Also the referral Bundles that server/src/enrolment/referral/fhir.rs's tests write to
target/test-output/referral-fhir (one per referral status, one with a withdrawn consent),
validated as R4 `Bundle`s. Beyond the models: every reference resolves to an entry's fullUrl (but
ResearchSubject.study, the trial's ResearchStudy at /api/v1/trials/{id}/fhir), the Consent
has scope, category, patient, dateTime, policy, sourceAttachment.hash and provision.period,
the ResearchSubject status, study, individual and consent, and no value is empty. Fails when
that folder holds no Bundle."""

import json
import pathlib
import re
import sys

import jsonschema
from fhir.resources.bundle import Bundle
from fhir.resources.researchstudy import ResearchStudy

root = pathlib.Path(__file__).resolve().parent.parent
out = root / "target" / "test-output" / "cds"
referrals = root / "target" / "test-output" / "referral-fhir"
schemas = root / "tests" / "schemas"


def schema(name):
    s = json.loads((schemas / name).read_text())
    jsonschema.Draft202012Validator.check_schema(s)
    return jsonschema.Draft202012Validator(s, format_checker=jsonschema.FormatChecker())


def empty_values(value, at="$"):
    """Paths of null, "", [] or {} (but `cards: []`)."""
    found = []
    if value is None or value == "" or value == {} or (value == [] and at != "$.cards"):
        found.append(at)
    elif isinstance(value, dict):
        for k, v in value.items():
            found += empty_values(v, f"{at}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            found += empty_values(v, f"{at}[{i}]")
    return found


# http://hl7.org/fhir/R4/valueset-research-study-status.html (the models do not check bindings)
R4_STUDY_STATUS = {
    "active", "administratively-completed", "approved", "closed-to-accrual",
    "closed-to-accrual-and-intervention", "completed", "disapproved", "in-review",
    "temporarily-closed-to-accrual", "temporarily-closed-to-accrual-and-intervention", "withdrawn",
}

checks = {
    "discovery.json": schema("cds-hooks-discovery.schema.json"),
    "cards.json": schema("cds-hooks-cards.schema.json"),
    "no-cards.json": schema("cds-hooks-cards.schema.json"),
    "sdk-cards.json": schema("cds-hooks-cards.schema.json"),
}
failures = []
for name, validator in checks.items():
    path = out / name
    if not path.exists():
        failures.append(f"{name}: not kept by the e2e tests (run cargo test -p e2e --test cds first)")
        continue
    doc = json.loads(path.read_text())
    failures += [f"{name}: {e.json_path}: {e.message}" for e in validator.iter_errors(doc)]
    failures += [f"{name}: empty value at {p}" for p in empty_values(doc)]

studies = sorted(out.glob("research-study-*.json"))
if not studies:
    failures.append("no research-study-*.json kept by the e2e tests")
for path in studies:
    doc = json.loads(path.read_text())
    try:
        study = ResearchStudy.parse_obj(doc)
    except Exception as e:  # the models' error names every field at fault
        failures.append(f"{path.name}: {e}")
        continue
    if doc.get("status") not in R4_STUDY_STATUS:
        failures.append(f"{path.name}: status {doc.get('status')!r} is not an R4 ResearchStudy status")
    group = study.contained[0] if study.contained else None
    if group is None or group.get_resource_type() != "Group" or group.actual is not False:
        failures.append(f"{path.name}: enrollment Group (actual=false) missing")
    failures += [f"{path.name}: empty value at {p}" for p in empty_values(doc)]

# http://hl7.org/fhir/R4/valueset-research-subject-status.html
R4_SUBJECT_STATUS = {
    "candidate", "eligible", "follow-up", "ineligible", "not-registered", "off-study", "on-study",
    "on-study-intervention", "on-study-observation", "pending-on-study", "potential-candidate",
    "screening", "withdrawn",
}
STUDY_EXPORT = re.compile(r"^https?://.+/api/v1/trials/[0-9a-f-]{36}/fhir$")


def references(value, at="$"):
    """(path, reference) of every Reference.reference."""
    found = []
    if isinstance(value, dict):
        for k, v in value.items():
            if k == "reference" and isinstance(v, str):
                found.append((f"{at}.{k}", v))
            else:
                found += references(v, f"{at}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            found += references(v, f"{at}[{i}]")
    return found


def has(resource, path):
    """Whether a dotted path (lists: their first item) leads to a value."""
    value = resource
    for key in path.split("."):
        if isinstance(value, list):
            value = value[0] if value else None
        value = value.get(key) if isinstance(value, dict) else None
    return value not in (None, "", [], {})


bundles = sorted(referrals.glob("*.json"))
if not bundles:
    failures.append("no referral Bundle in target/test-output/referral-fhir "
                    "(run cargo test -p server --lib referral_fhir first)")
for path in bundles:
    doc = json.loads(path.read_text())
    try:
        Bundle.parse_obj(doc)
    except Exception as e:  # the models' error names every field at fault
        failures.append(f"{path.name}: {e}")
        continue
    if doc.get("type") != "collection":
        failures.append(f"{path.name}: Bundle.type is {doc.get('type')!r}, not collection")
    entries = doc.get("entry", [])
    full_urls = {e.get("fullUrl") for e in entries}
    for i, e in enumerate(entries):
        r = e.get("resource", {})
        if not e.get("fullUrl", "").endswith(f"/{r.get('resourceType')}/{r.get('id')}"):
            failures.append(f"{path.name}: entry[{i}] fullUrl does not name its resource")
    for at, ref in references(doc):
        if at.endswith(".study.reference"):
            if not STUDY_EXPORT.match(ref):
                failures.append(f"{path.name}: {at} {ref!r} is not a trial's ResearchStudy export")
        elif ref not in full_urls:
            failures.append(f"{path.name}: {at} {ref!r} does not resolve in the Bundle")
    by_type = {}
    for e in entries:
        by_type.setdefault(e.get("resource", {}).get("resourceType"), []).append(e["resource"])
    for kind, required in {
        "Patient": [],
        "Consent": ["scope", "category", "patient", "dateTime", "policy",
                    "sourceAttachment.hash", "provision.period"],
        "ResearchSubject": ["status", "study", "individual", "consent"],
    }.items():
        found = by_type.get(kind, [])
        if len(found) != 1:
            failures.append(f"{path.name}: {len(found)} {kind} entries, not one")
            continue
        failures += [f"{path.name}: {kind}.{p} missing" for p in required if not has(found[0], p)]
    for subject in by_type.get("ResearchSubject", []):
        if subject.get("status") not in R4_SUBJECT_STATUS:
            failures.append(f"{path.name}: ResearchSubject.status {subject.get('status')!r} is not R4's")
    failures += [f"{path.name}: empty value at {p}" for p in empty_values(doc)]

for f in failures:
    print("FAIL", f)
print(f"validated {len(checks)} CDS Hooks responses, {len(studies)} ResearchStudy resources and "
      f"{len(bundles)} referral Bundles: {'FAILED' if failures else 'ok'}")
sys.exit(1 if failures else 0)
