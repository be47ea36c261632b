#!/usr/bin/env python3
"""The usual alternative, for comparison: docxtpl for the DOCX, one `soffice --convert-to pdf` call for the PDFs.

Makes the twenty factsheets' text (title, key figures, the referendum and economy paragraphs and the
people table) with docxtpl from a template built on our reference.docx, then converts all of them to
PDF with LibreOffice in one call. It has no charts, so it does *less* work than reportgen. Used by
benchmarks/bench.py when docxtpl and soffice are installed; prints the wall time of each half.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

PARAGRAPHS = [
    ("Title", "{{ name }}"),
    ("Body Text", "Population {{ population }} · GVA {{ gva }} · output per job {{ index }} (England = 100) · "
                  "Leave {{ leave }}"),
    ("Heading 2", "A city that voted to be heard"),
    ("Body Text", "In the EU referendum of June 2016, {{ leave }} of the valid votes cast in {{ name }} were for "
                  "Leave and {{ remain }} for Remain, on a turnout of {{ turnout }}."),
    ("Heading 2", "Output and productivity"),
    ("Body Text", "In 2016 {{ name }} produced {{ gva }} of gross value added. Each filled job produced "
                  "{{ per_job }} against {{ england_per_job }} for England."),
    ("Heading 2", "People and work"),
    ("Body Text", "Employment rate {{ employment }}; median weekly pay {{ pay }}; Level 3+ {{ level3 }}."),
]


def make_template(path: Path) -> None:
    from docx import Document

    doc = Document(str(ROOT / "templates" / "reference.docx"))
    body = doc.element.body
    for child in list(body):
        if not child.tag.endswith("sectPr"):
            body.remove(child)
    for style, text in PARAGRAPHS:
        doc.add_paragraph(text, style=style if style in [s.name for s in doc.styles] else None)
    doc.save(str(path))


def main() -> int:
    from docxtpl import DocxTemplate

    facts = {f["id"]: f for f in json.loads(subprocess.run(
        [sys.executable, "-m", "reportgen.cli", "facts", "--json", "--project", str(ROOT)],
        capture_output=True, text=True, check=True).stdout)["facts"]}
    slugs = sorted({i.split(".")[1] for i in facts if i.startswith("city.") and i.endswith(".leave_pct")})
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        template = tmp_path / "factsheet-template.docx"
        make_template(template)
        t = time.perf_counter()
        for slug in slugs:
            f = lambda s: facts[f"city.{slug}.{s}"]["text"]  # noqa: E731
            doc = DocxTemplate(str(template))
            doc.render({"name": slug.replace("-", " ").title(), "population": f("population"), "gva": f("gva_gbp"),
                        "index": f("productivity_vs_england_pct"), "leave": f("leave_pct"), "remain": f("remain_pct"),
                        "turnout": f("turnout_pct"), "per_job": f("gva_per_job_gbp"),
                        "england_per_job": facts["england.gva_per_job_gbp"]["text"],
                        "employment": f("employment_rate_pct"), "pay": f("median_weekly_pay_gbp"),
                        "level3": f("level3_plus_pct")})
            doc.save(str(tmp_path / f"{slug}.docx"))
        docx_s = time.perf_counter() - t
        t = time.perf_counter()
        subprocess.run([soffice, "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path / "pdf"),
                        *[str(tmp_path / f"{s}.docx") for s in slugs]], check=True, capture_output=True)
        pdf_s = time.perf_counter() - t
    print(f"docxtpl {len(slugs)} DOCX: {docx_s:.2f} s; soffice → PDF: {pdf_s:.2f} s; total {docx_s + pdf_s:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
