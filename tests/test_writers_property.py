"""Random documents through both writers: they never crash, and their text comes back.

Any Unicode text (controls, surrogates excluded by hypothesis's text(), emoji, right-to-left) must
render without an error. For text made of characters the embedded font has (Latin, punctuation,
£ € – —), every paragraph, heading and table cell must come back from the DOCX (python-docx) and
from the PDF (pypdf), compared without whitespace.
"""

from __future__ import annotations

import io
import re

from docx import Document as DocxDocument
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from reportgen.document import (
    BulletList,
    Callout,
    Document,
    FactText,
    Heading,
    KeyFigure,
    KeyFigures,
    Meta,
    Paragraph,
    Strong,
    Table,
    Text,
    plain_text,
)
from reportgen.theme import default_theme
from reportgen.writers import get_writer

THEME = default_theme()
SAFE = st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E) | st.sampled_from(list("£€–—‘’“”éüßø")),
               min_size=1, max_size=60).filter(lambda s: s.strip())
ANY = st.text(min_size=1, max_size=40)


def inlines(text_strategy):
    return st.lists(st.one_of(
        text_strategy.map(Text),
        text_strategy.map(lambda s: Strong((Text(s),))),
        text_strategy.map(lambda s: FactText("x.y", s)),
    ), min_size=1, max_size=4).map(tuple)


def blocks(text_strategy):
    para = inlines(text_strategy).map(Paragraph)
    heading = st.builds(Heading, st.integers(1, 3), inlines(text_strategy), st.just("h"))
    cell = inlines(text_strategy)
    table = st.integers(1, 4).flatmap(lambda n: st.builds(
        Table, st.lists(cell, min_size=n, max_size=n).map(tuple),
        st.lists(st.lists(cell, min_size=n, max_size=n).map(tuple), min_size=1, max_size=4).map(tuple)))
    keyfigs = st.lists(st.builds(KeyFigure, inlines(text_strategy), inlines(text_strategy)), min_size=1,
                       max_size=4).map(lambda items: KeyFigures(tuple(items)))
    bullets = st.lists(para.map(lambda p: (p,)), min_size=1, max_size=3).map(lambda items: BulletList(tuple(items)))
    callout = st.lists(para, min_size=1, max_size=2).map(lambda ps: Callout(tuple(ps)))
    return st.lists(st.one_of(para, heading, table, keyfigs, bullets, callout), min_size=1, max_size=6).map(tuple)


def texts(doc: Document) -> list[str]:
    from reportgen.check import model_texts

    return [t for t in model_texts(doc) if t.strip()]


def squash(s: str) -> str:
    return re.sub(r"\s+", "", s)


def render_both(doc: Document) -> tuple[str, str]:
    docx_bytes = get_writer("docx").render(doc, THEME)
    pdf_bytes = get_writer("pdf").render(doc, THEME)
    d = DocxDocument(io.BytesIO(docx_bytes))
    parts = [p.text for p in d.paragraphs]
    for t in d.tables:
        for r in t.rows:
            for c in r.cells:
                parts.append(c.text)
    pdf = "".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(pdf_bytes)).pages)
    return squash("".join(parts)), squash(pdf)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(blocks(SAFE))
def test_text_comes_back_from_both_formats(body):
    doc = Document(Meta(title="Property test", footer="footer"), body)
    docx_text, pdf_text = render_both(doc)
    for unit in texts(doc):
        assert squash(unit) in docx_text, unit
        assert squash(unit) in pdf_text, unit


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(blocks(ANY), ANY)
def test_any_unicode_never_crashes(body, title):
    doc = Document(Meta(title=title, footer=title), body)
    render_both(doc)
    assert plain_text(body[0].inlines if isinstance(body[0], (Paragraph, Heading)) else (Text("x"),)) is not None
