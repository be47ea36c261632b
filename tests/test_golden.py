"""Golden tests that compare meaning, not bytes.

The sample with every node type (reportgen.samples) and the every-node Markdown root are rendered;
what is compared with the files in tests/golden/ is:

- the Document as a text snapshot (document.snapshot);
- the DOCX as its document.xml, pretty-printed, with relationship ids normalised;
- the PDF as its extracted text (pypdf), metadata, outline and font list.

A difference fails with a diff. To accept an intended change, regenerate on purpose and review:

    REPORTGEN_UPDATE_GOLDEN=1 python -m pytest tests/test_golden.py && git diff tests/golden
"""

from __future__ import annotations

import io
import os
import re
import zipfile
from pathlib import Path

import pytest
from lxml import etree
from pypdf import PdfReader

from reportgen.document import snapshot
from reportgen.markdown import parse
from reportgen.samples import every_node_document
from reportgen.theme import default_theme
from reportgen.writers import get_writer

GOLDEN = Path(__file__).parent / "golden"
ROOTS = Path(__file__).parent / "roots"
UPDATE = bool(os.environ.get("REPORTGEN_UPDATE_GOLDEN"))


def compare(name: str, actual: str) -> None:
    path = GOLDEN / name
    if UPDATE or not path.exists():
        path.parent.mkdir(exist_ok=True)
        path.write_text(actual, encoding="utf-8")
        if not UPDATE:
            pytest.fail(f"{path} did not exist; written now: review it and commit it")
        return
    expected = path.read_text(encoding="utf-8")
    if actual != expected:
        import difflib

        diff = "".join(difflib.unified_diff(expected.splitlines(True), actual.splitlines(True),
                                            f"golden/{name}", "actual", n=2))
        pytest.fail(f"{name} differs from its golden file:\n{diff[:6000]}")


def documents():
    return {"sample": every_node_document(rows=30),
            "every-node-md": parse((ROOTS / "every-node.md").read_text(encoding="utf-8"), source="every-node.md")}


@pytest.fixture(scope="module")
def rendered():
    theme = default_theme()
    out = {}
    for name, doc in documents().items():
        out[name] = (doc, get_writer("docx").render(doc, theme), get_writer("pdf").render(doc, theme))
    return out


@pytest.mark.parametrize("name", ["sample", "every-node-md"])
def test_document_snapshot(rendered, name):
    compare(f"{name}.document.txt", snapshot(rendered[name][0]))


def normalised_document_xml(docx: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(docx)) as z:
        root = etree.fromstring(z.read("word/document.xml"))
    text = etree.tostring(root, pretty_print=True, encoding="unicode")
    ids: dict[str, str] = {}
    text = re.sub(r'r:(id|embed)="(rId\d+)"',
                  lambda m: f'r:{m.group(1)}="{ids.setdefault(m.group(2), f"rel{len(ids) + 1}")}"', text)
    return text


@pytest.mark.parametrize("name", ["sample", "every-node-md"])
def test_docx_document_xml(rendered, name):
    compare(f"{name}.document.xml", normalised_document_xml(rendered[name][1]))


def pdf_meaning(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    lines = ["# metadata"]
    meta = reader.metadata or {}
    for key in ("/Title", "/Author", "/Subject", "/Keywords"):
        lines.append(f"{key} {meta.get(key)}")
    lang = reader.trailer["/Root"].get("/Lang")
    lines.append(f"/Lang {lang}")
    lines.append("# outline")

    def walk(items, depth):
        for item in items:
            if isinstance(item, list):
                walk(item, depth + 1)
            else:
                lines.append("  " * depth + str(item.title))

    walk(reader.outline, 0)
    lines.append("# fonts")
    fonts = set()
    for page in reader.pages:
        resources = page.get("/Resources") or {}
        for font in (resources.get("/Font") or {}).values():
            font = font.get_object()
            fonts.add(re.sub(r"^[A-Z]{6}\+", "", str(font.get("/BaseFont"))))
    lines += sorted(fonts)
    lines.append(f"# pages {len(reader.pages)}")
    for i, page in enumerate(reader.pages, 1):
        lines.append(f"# page {i}")
        lines.append(page.extract_text() or "")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("name", ["sample", "every-node-md"])
def test_pdf_text_metadata_outline_fonts(rendered, name):
    compare(f"{name}.pdf.txt", pdf_meaning(rendered[name][2]))
