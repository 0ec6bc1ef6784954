#!/usr/bin/env python3
"""Independent check of the PDFs the server's unit tests kept in target/test-output/consent-pdf
(the signed-consent copy writer, the pdf crate): each file must open with pypdf in strict
mode, and the text extracted from its pages must contain every line of its sibling
<name>.expect.txt (whitespace normalised). Fails when no PDF was kept."""

import pathlib
import sys

from pypdf import PdfReader

root = pathlib.Path(__file__).resolve().parent.parent
out = root / "target" / "test-output" / "consent-pdf"


def normal(text):
    return " ".join(text.split())


failures = []
pdfs = sorted(out.glob("*.pdf"))
if not pdfs:
    failures.append(f"no PDF in {out} (run cargo test -p server --lib pdf first)")
for path in pdfs:
    try:
        reader = PdfReader(path, strict=True)
        pages = [page.extract_text() for page in reader.pages]
    except Exception as e:  # pypdf names what is wrong with the file
        failures.append(f"{path.name}: unreadable in strict mode: {e}")
        continue
    if not pages:
        failures.append(f"{path.name}: no pages")
    text = normal(" ".join(pages))
    expect = path.with_name(path.stem + ".expect.txt")
    if not expect.exists():
        failures.append(f"{path.name}: {expect.name} missing")
        continue
    for line in expect.read_text(encoding="utf-8").splitlines():
        if normal(line) and normal(line) not in text:
            failures.append(f"{path.name}: expected line missing: {line!r}")

for f in failures:
    print("FAIL", f)
print(f"validated {len(pdfs)} PDFs: {'FAILED' if failures else 'ok'}")
sys.exit(1 if failures else 0)
