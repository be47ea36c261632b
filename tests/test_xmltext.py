"""xmltext: escaping for XML text and attributes, checked by parsing the result back."""

from __future__ import annotations

import doctest
import io

import pytest
from lxml import etree
from pypdf import PdfReader
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.platypus import Paragraph, SimpleDocTemplate

from reportgen import xmltext

HOSTILE = ["plain", "Tom & <b>Jerry</b>", "it's \"quoted\"", "]]> &amp; <!-- -->", "line\nbreak\tand\rreturn",
           "<?xml version='1.0'?>", "&#x41; &lt;", "'\"'\"", "é € 𝄞"]


def test_doctests() -> None:
    assert doctest.testmod(xmltext).failed == 0


@pytest.mark.parametrize("text", HOSTILE)
def test_text_and_attribute_parse_back_to_the_same_string(text: str) -> None:
    root = etree.fromstring(f"<x a={xmltext.quoteattr(text)}>{xmltext.escape(text)}</x>".encode())
    assert root.text == text.replace("\r", "\n")  # XML reads a literal CR in text as a line end
    assert root.get("a") == text  # escaped whitespace in an attribute is kept, not turned into spaces


@pytest.mark.parametrize("url", ["https://example.org/a?b=1&c='2'", 'https://example.org/"x"<y>'])
def test_reportlab_reads_an_escaped_link_target_back(url: str) -> None:
    buf = io.BytesIO()
    markup = f"<a href={xmltext.quoteattr(url)}>{xmltext.escape(url)}</a>"
    SimpleDocTemplate(buf).build([Paragraph(markup, getSampleStyleSheet()["Normal"])])
    page = PdfReader(io.BytesIO(buf.getvalue())).pages[0]
    assert url in page.extract_text()
    targets = [a.get_object()["/A"]["/URI"] for a in page["/Annots"]]
    assert targets == [url]
