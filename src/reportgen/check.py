"""``reportgen check``: validate data, settings and templates, and the outputs' consistency; write nothing.

1. Settings, theme, reference.docx and every data file are validated (the same checks as a build).
2. Every template is rendered and parsed to a Document (errors name the template line).
3. Templates are linted: a numeric literal in prose is flagged, because a statistic belongs in a
   fact; years in ``check.allowed_years`` and strings in ``ALLOWED_LITERALS`` are not.
4. If a build exists: every figure printed in every document (per the ledger) must be a formatting
   of the fact's *current* value, so a stale document or a paper and factsheet that disagree are
   caught; and the text of each DOCX and of its PDF must both hold every text of the document
   model, in order, so the two formats cannot drift.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

# Literals that are definitions, not statistics (ages, qualification levels, index bases).
ALLOWED_LITERALS = ("16–64", "16-64", "Level 3", "= 100", "is 100", "1st", "[^", "RQF 3")

_JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.DOTALL)
_NUMBER = re.compile(r"(?<![\w.#^-])((?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?%?)(?![\w])")
_PAGE = re.compile(r"Page \d+ of \d+")


def lint_template(path: Path, label: str, allowed_years: tuple[int, ...]) -> list[str]:
    """Return one message per numeric literal in the template's prose."""
    problems = []
    source = path.read_text(encoding="utf-8")
    stripped = _JINJA.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), source)
    in_body = False
    for number, line in enumerate(stripped.splitlines(), 1):
        text = line.strip()
        if text.startswith(":::") or text.startswith("::::"):
            in_body = text.startswith(":::{chart}") or text.startswith(":::{table}")
            continue
        if re.match(r"^:[\w-]+:", text) or re.match(r"^\|?\s*:?-{3,}", text) or not text:
            continue  # directive options and table rules are layout, not prose
        text = re.sub(r"^\s*\d+[.)]\s", " ", text)  # an ordered-list marker
        text = re.sub(r"\]\([^)]*\)|<https?://[^>]*>|https?://\S+", " ", text)  # link targets
        for allowed in ALLOWED_LITERALS:
            text = text.replace(allowed, " ")
        for match in _NUMBER.finditer(text):
            literal = match.group(1)
            if literal.isdigit() and int(literal) in allowed_years:
                continue
            problems.append(f"{label}:{number}: numeric literal '{literal}' in prose; print a fact instead "
                            f"(or allow the year in reportgen.toml [check] allowed_years)")
    del in_body
    return problems


def run_check(project_dir: Path) -> int:
    from .build import CHANGES, LEDGER, _check_assets, _parse_all, _render, plan  # noqa: F401
    from .config import load_config
    from .pipeline import load_project
    from .templating import Renderer

    config = load_config(project_dir)
    _check_assets(config, config.formats)
    project = load_project(project_dir)
    renderer = Renderer(config.templates_dir, project.facts)
    targets = plan(project, config, None)
    rendered = [_render(renderer, project, t) for t in targets]
    _parse_all(rendered, renderer)
    problems: list[str] = []
    for template in sorted({t.template for t in targets} | {"macros.md.j2"}):
        path = config.templates_dir / template
        if path.is_file():
            problems += lint_template(path, f"templates/{template}", config.allowed_years)
    ledger_path = config.output_dir / LEDGER
    if ledger_path.is_file():
        problems += check_ledger(ledger_path, project.facts)
        problems += check_formats(config.output_dir, rendered)
    for p in problems:
        print(f"error: {p}", file=sys.stderr)
    if problems:
        return 1
    built = "and the last build's outputs " if ledger_path.is_file() else ""
    print(f"OK: settings, data, {len(project.facts)} facts, "
          f"{len(rendered)} documents' templates {built}are consistent")
    return 0


def check_ledger(path: Path, facts: Any) -> list[str]:
    """Return a message for each printed figure that is not a formatting of the fact's current value."""
    from .fmt import FORMATS, NOT_AVAILABLE

    ledger = json.loads(path.read_text(encoding="utf-8"))
    problems = []
    for name, doc in sorted(ledger.get("documents", {}).items()):
        for f in doc.get("facts", []):
            if f["id"] not in facts:
                problems.append(f"{name}: prints '{f['text']}' for fact '{f['id']}', which no longer exists; rebuild")
                continue
            value = facts[f["id"]].value
            texts = {NOT_AVAILABLE} if value is None else {fn(value) for fn in FORMATS.values()}
            if f["text"] not in texts:
                now = facts[f["id"]].text()
                problems.append(f"{name}: prints {f['text']} for {f['id']} under “{f['where']}” but the data now "
                                f"give {now}; rebuild it (reportgen build)")
    return list(dict.fromkeys(problems))  # one line per place, however often it prints there


def check_formats(out: Path, rendered: list[Any]) -> list[str]:
    """Return a message for each document whose DOCX or PDF lacks a text of the document model."""
    problems = []
    for r in rendered:
        units = [normalise(u) for u in model_texts(r.document)]
        units = [u for u in units if u]
        for fmt, extract in (("docx", docx_text), ("pdf", pdf_text)):
            path = out / f"{r.target.name}.{fmt}"
            if not path.is_file():
                continue
            text = normalise(_PAGE.sub(" ", extract(path)).replace(r.document.meta.footer, " "))
            missing = first_missing(units, text)
            if missing is not None:
                problems.append(f"{path.relative_to(out.parent)}: text of the document is missing or out of order "
                                f"near “{missing[:60]}”; rebuild, or report a writer bug")
    return problems


def first_missing(units: list[str], text: str) -> str | None:
    """Return the first unit not found in ``text`` after the previous one (None: all in order)."""
    pos = 0
    for unit in units:
        found = text.find(unit, pos)
        if found < 0:
            found = text.find(unit)  # tables and key figures may be read in another order
            if found < 0:
                return unit
            continue
        pos = found + len(unit)
    return None


def normalise(text: str) -> str:
    """Return text without whitespace or soft hyphens, for layout-free comparison."""
    return re.sub(r"[\s\u00ad\u200b]+", "", text)


def model_texts(doc: Any) -> list[str]:
    """Return the texts of the document's paragraphs, headings, cells and captions, in order.

    Note references are numbered 1, 2, … in reading order, an identical note sharing its number,
    as both writers print them.
    """
    from .document import (
        BulletList,
        Callout,
        Figure,
        Heading,
        KeyFigures,
        OrderedList,
        Paragraph,
        Table,
        TitleBlock,
        plain_text,
    )

    out: list[str] = []
    notes: list = []  # shared numbering, as both writers print the note marks

    def text(inlines) -> str:
        return plain_text(inlines, notes)

    def walk(blocks) -> None:
        for b in blocks:
            if isinstance(b, TitleBlock):
                out.extend([b.title, b.subtitle])
            elif isinstance(b, (Heading, Paragraph)):
                out.append(text(b.inlines))
            elif isinstance(b, (BulletList, OrderedList)):
                for item in b.items:
                    walk(item)
            elif isinstance(b, Callout):
                out.append(text(b.title))
                walk(b.blocks)
            elif isinstance(b, KeyFigures):
                for k in b.items:
                    out.extend([text(k.value), text(k.label), text(k.comparison)])
            elif isinstance(b, Table):
                out.append(text(b.caption))
                for row in (b.columns, *b.rows):
                    out.extend(text(c) for c in row)
                out.append(text(b.source))
            elif isinstance(b, Figure):
                out.extend([text(b.caption), text(b.source)])

    walk(doc.blocks)
    return out


def docx_text(path: Path) -> str:
    """Return the text of a DOCX body (paragraphs and table cells, in document order)."""
    import zipfile

    from lxml import etree

    with zipfile.ZipFile(path) as z:
        root = etree.fromstring(z.read("word/document.xml"))
    ns = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    parts = []
    for p in root.iter(f"{ns}p"):
        parts.append("".join(t.text or "" for t in p.iter(f"{ns}t")))
    return "\n".join(parts)


def pdf_text(path: Path) -> str:
    """Return the text of a PDF, page by page."""
    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(str(path)).pages)
