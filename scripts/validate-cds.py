#!/usr/bin/env python3
"""Independent checks of what the CDS Hooks e2e tests kept in target/test-output/cds:
CDS Hooks responses against JSON schemas written from the specification (tests/schemas), and
the exported ResearchStudy resources (with their contained Group) against the fhir.resources
models (FHIR R4B: ResearchStudy and Group are as in R4). Fails when nothing was kept."""

import json
import pathlib
import sys

import jsonschema
from fhir.resources.R4B.researchstudy import ResearchStudy

root = pathlib.Path(__file__).resolve().parent.parent
out = root / "target" / "test-output" / "cds"
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
        study = ResearchStudy.model_validate(doc)
    except Exception as e:  # the models' error names every field at fault
        failures.append(f"{path.name}: {e}")
        continue
    if doc.get("status") not in R4_STUDY_STATUS:
        failures.append(f"{path.name}: status {doc.get('status')!r} is not an R4 ResearchStudy status")
    group = study.contained[0] if study.contained else None
    if group is None or group.get_resource_type() != "Group" or group.actual is not False:
        failures.append(f"{path.name}: enrollment Group (actual=false) missing")
    failures += [f"{path.name}: empty value at {p}" for p in empty_values(doc)]

for f in failures:
    print("FAIL", f)
print(f"validated {len(checks)} CDS Hooks responses and {len(studies)} ResearchStudy resources: "
      f"{'FAILED' if failures else 'ok'}")
sys.exit(1 if failures else 0)
