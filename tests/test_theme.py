"""The theme's chart engine switch: native charts by default, matplotlib on request, bad values refused."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from pypdf import PdfReader

from reportgen.samples import every_node_document
from reportgen.theme import ThemeError, default_theme, load_theme
from reportgen.writers import get_writer

from .conftest import ROOT


def theme_with(tmp_path: Path, engine: str):
    text = (ROOT / "templates" / "theme.toml").read_text().replace('engine = "native"', f'engine = "{engine}"')
    path = tmp_path / "theme.toml"
    path.write_text(text)
    return load_theme(path)


def test_default_engine_is_native_word_charts():
    docx = get_writer("docx").render(every_node_document(3), default_theme())
    names = zipfile.ZipFile(io.BytesIO(docx)).namelist()
    assert any(n.startswith("word/charts/chart") for n in names)
    assert not any(n.startswith("word/media/") for n in names)


def test_matplotlib_engine_gives_pictures_in_word_and_the_same_chart_text_in_the_pdf(tmp_path: Path):
    theme = theme_with(tmp_path, "matplotlib")
    assert theme.chart_engine == "matplotlib"
    doc = every_node_document(3)
    names = zipfile.ZipFile(io.BytesIO(get_writer("docx").render(doc, theme))).namelist()
    assert sum(n.startswith("word/media/") for n in names) == 3
    pdf = PdfReader(io.BytesIO(get_writer("pdf").render(doc, theme)))
    text = "".join(p.extract_text() for p in pdf.pages)
    assert "Most members voted Leave by more than the UK as a whole" in text


def test_unknown_engine_is_refused(tmp_path: Path):
    with pytest.raises(ThemeError, match="charts.engine: 'plotly' must be one of native, matplotlib"):
        theme_with(tmp_path, "plotly")
