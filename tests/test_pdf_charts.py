"""writers/pdf_charts.py: native charts, checked as Drawings (geometry) and in real PDFs (text, fonts)."""

from __future__ import annotations

import io
import itertools
import re
import shutil
import subprocess

import pytest
from pypdf import PdfReader
from reportlab.graphics.shapes import Drawing, Group, Line, PolyLine, Rect, String
from reportlab.lib.colors import CMYKColor, HexColor
from reportlab.pdfbase.pdfmetrics import stringWidth

from reportgen import chartlayout
from reportgen.document import Chart, Document, Figure, Meta, ReferenceLine, Series
from reportgen.samples import MEMBERS
from reportgen.theme import default_theme
from reportgen.writers import pdf, pdf_charts

THEME = default_theme()
WIDTH = 170 * 72 / 25.4


def chart(kind: str, **kw: object) -> Chart:
    base = {
        "kind": kind,
        "title": f"A {kind} chart that states its finding",
        "categories": ("Hull", "Derby", "Wakefield"),
        "series": (Series("Leave", (67.6, 57.2, None)),),
        "x_label": "Leave share (%)",
        "y_label": "Leave share (%)",
        "value_format": "pct",
        "highlight": ("Hull",),
        "reference_lines": (ReferenceLine(51.9, "UK 51.9%"),),
    }
    base.update(kw)
    return Chart(**base)


TWENTY = chart("barh", categories=MEMBERS, series=(Series("Leave", tuple(43.8 + i * 1.3 for i in range(20))),),
               highlight=("Southend-on-Sea",), title="Southend-on-Sea against the other members and the UK")


def draw(c: Chart, theme=THEME) -> Drawing:
    fonts = pdf.register_fonts(theme)
    ctx = pdf._Context(theme=theme, fonts=fonts)
    return pdf_charts.drawing(c, theme, WIDTH, fonts[:2], ctx.colour)


def shapes(node: object, kind: type) -> list:
    """Return every shape of ``kind`` in a Drawing or Group, depth first."""
    out = []
    for child in getattr(node, "contents", []):
        if isinstance(child, kind):
            out.append(child)
        if isinstance(child, Group):
            out += shapes(child, kind)
    return out


def extent(s: String) -> tuple[float, float]:
    """Return the (left, right) x of a String, from its anchor and measured width."""
    w = stringWidth(s.text, s.fontName, s.fontSize)
    left = {"start": s.x, "middle": s.x - w / 2, "end": s.x - w}[s.textAnchor]
    return left, left + w


def pdf_text(*charts: Chart, theme=THEME, engine: str | None = None) -> str:
    doc = Document(Meta("Charts"), tuple(Figure(c) for c in charts))
    data = pdf.render(doc, theme, chart_engine=engine)
    return " ".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)


@pytest.fixture(autouse=True)
def fresh_cache():
    pdf._DRAWINGS.clear()
    yield
    pdf._DRAWINGS.clear()


# --------------------------------------------------------------------------- text in the PDF


@pytest.mark.parametrize("kind", chartlayout.KINDS)
def test_every_kind_puts_title_labels_and_values_in_the_pdf_as_text(kind: str) -> None:
    text = pdf_text(chart(kind))
    for phrase in (f"A {kind} chart that states its finding", "Hull", "Derby", "Wakefield", "UK 51.9%",
                   "Leave share (%)", "60%"):
        assert phrase in text, phrase
    assert kind == "line" or ("0%" in text and "20%" in text)  # bars start at zero; lines fit the data
    assert ("Leave 57.2%" if kind == "line" else "67.6%") in text  # direct labels, through fmt


def test_a_missing_bar_says_not_available() -> None:
    for kind in ("bar", "barh"):
        assert "not available" in pdf_text(chart(kind))


def test_matplotlib_engine_still_works() -> None:
    text = pdf_text(chart("barh"), engine="matplotlib")
    assert "A barh chart that states its finding" in text and "UK 51.9%" in text


def test_unknown_engine_and_kind_are_errors() -> None:
    with pytest.raises(ValueError, match="engine"):
        pdf.render(Document(Meta("x"), ()), THEME, chart_engine="excel")
    with pytest.raises(ValueError, match="kind"):
        draw(chart("pie"))


def test_hostile_text_is_literal_and_control_characters_go() -> None:
    hostile = chart("barh", title="Tom & Jerry <b>bold?</b>\x07 “quotes”", categories=("A & B", "<C>", "D"))
    text = pdf_text(hostile)
    assert "Tom & Jerry <b>bold?</b> “quotes”" in text
    assert "A & B" in text and "<C>" in text


# --------------------------------------------------------------------------- colours and lines


def test_highlight_bar_against_muted_bars() -> None:
    rects = shapes(draw(chart("barh")), Rect)
    fills = [r.fillColor for r in rects]
    assert fills.count(HexColor(THEME.colour("highlight"))) == 1
    assert fills.count(HexColor(THEME.colour("muted"))) == 1  # Derby; Wakefield has no value


def test_without_highlight_bars_use_the_first_palette_colour() -> None:
    fills = [r.fillColor for r in shapes(draw(chart("bar", highlight=())), Rect)]
    assert fills.count(HexColor(THEME.palette[0])) == 2


def test_two_series_use_the_theme_pair_and_a_legend() -> None:
    two = chart("bar", series=(Series("Hull", (1.0, 2.0, 3.0)), Series("England", (2.0, 3.0, 4.0))),
                highlight=())
    d = draw(two)
    fills = {r.fillColor for r in shapes(d, Rect)}
    assert {HexColor(c) for c in THEME.two_series} <= fills
    assert {"Hull", "England"} <= {s.text for s in shapes(d, String)}


def test_reference_line_is_dashed_and_labelled() -> None:
    for kind in chartlayout.KINDS:
        d = draw(chart(kind))
        assert any(line.strokeDashArray for line in shapes(d, Line)), kind
        assert "UK 51.9%" in {s.text for s in shapes(d, String)}, kind


def test_print_profile_paints_in_cmyk() -> None:
    d = draw(chart("barh"), THEME.with_print())
    colours = [s.fillColor for s in shapes(d, String)] + [r.fillColor for r in shapes(d, Rect)]
    assert colours and all(isinstance(c, CMYKColor) for c in colours)


# --------------------------------------------------------------------------- gaps


def test_none_is_a_gap_in_a_line() -> None:
    gappy = chart("line", categories=("2019", "2020", "2021", "2022", "2023"),
                  series=(Series("Hull", (1.0, 2.0, None, 3.0, 4.0)),), reference_lines=())
    d = draw(gappy)
    lines = shapes(d, PolyLine)
    assert [len(p.points) // 2 for p in lines] == [2, 2]
    assert "Hull 4.0%" in {s.text for s in shapes(d, String)}  # end label at the last real value


def test_a_lone_value_between_gaps_is_a_dot_and_all_none_draws_nothing() -> None:
    lone = chart("line", categories=("a", "b", "c"), series=(Series("x", (None, 5.0, None)),), reference_lines=())
    assert not shapes(draw(lone), PolyLine)
    empty = chart("line", categories=("a", "b"), series=(Series("x", (None, None)),), reference_lines=())
    assert not shapes(draw(empty), PolyLine)


# --------------------------------------------------------------------------- geometry


@pytest.mark.parametrize("c", [chart("bar"), chart("barh"), chart("line"), TWENTY], ids=["bar", "barh", "line", "20"])
def test_every_text_lies_inside_the_drawing(c: Chart) -> None:
    d = draw(c)
    for s in shapes(d, String):
        left, right = extent(s)
        assert left >= -0.01 and right <= d.width + 0.01, s.text
        assert 0 <= s.y <= d.height, s.text


def test_twenty_members_fit_in_about_105_mm_with_labels_clear_of_the_bars() -> None:
    d = draw(TWENTY)
    assert 100 <= d.height * 25.4 / 72 <= 110
    bars = [r for r in shapes(d, Rect) if r.fillColor in (HexColor(THEME.colour("highlight")),
                                                         HexColor(THEME.colour("muted")))]
    assert len(bars) == 20
    plot_left = min(r.x for r in bars)
    names = [s for s in shapes(d, String) if s.text in MEMBERS]
    assert len(names) == 20
    assert all(extent(s)[1] < plot_left for s in names)
    assert {s.fontName for s in names if s.text == "Southend-on-Sea"} == {pdf.register_fonts(THEME)[1]}  # bold


def test_long_category_names_reserve_the_left_margin() -> None:
    long = chart("barh", categories=("Bournemouth, Christchurch and Poole", "Hull", "Derby"))
    d = draw(long)
    plot_left = min(r.x for r in shapes(d, Rect) if r.width > 0 and r.fillColor != HexColor("#FFFFFF"))
    assert all(extent(s)[1] < plot_left for s in shapes(d, String) if s.text in long.categories)


def test_value_labels_of_bars_do_not_overlap() -> None:
    labels = [s for s in shapes(draw(TWENTY), String) if s.text.endswith("%") and s.textAnchor == "start"
              and not s.text.startswith("UK")]
    assert len(labels) == 20
    ys = sorted(s.y for s in labels)
    assert min(b - a for a, b in itertools.pairwise(ys)) >= 7.5  # one 7.5 pt line apart at least


def test_line_end_labels_are_spread_apart() -> None:
    close = chart("line", categories=("2021", "2022"), reference_lines=(ReferenceLine(50.2, "UK 50.2%"),),
                  series=(Series("Hull", (40.0, 50.0)), Series("England", (41.0, 50.4))))
    d = draw(close)
    ends = sorted(s.y for s in shapes(d, String) if s.text in ("Hull 50.0%", "England 50.4%", "UK 50.2%"))
    assert len(ends) == 3
    assert min(b - a for a, b in itertools.pairwise(ends)) >= chartlayout.VALUE_PT * 1.25


def test_crowded_column_names_rotate_or_wrap_inside_the_drawing() -> None:
    crowded = chart("bar", categories=MEMBERS, series=(Series("x", tuple(range(20))),), highlight=())
    d = draw(crowded)
    assert shapes(d, Group)  # rotated labels
    wordy = chart("bar", categories=("Key Cities average", "England and Wales", "Hull"))
    names = {s.text for s in shapes(draw(wordy), String)}
    assert "Key Cities average" in names or {"Key Cities", "average"} <= names


def test_size_comes_from_chartlayout() -> None:
    for c in (chart("bar"), chart("barh"), chart("line"), TWENTY):
        assert draw(c).height == pytest.approx(chartlayout.size_mm(c, 170)[1] * 72 / 25.4)


# --------------------------------------------------------------------------- bytes and fonts


def test_deterministic_bytes_across_fresh_drawings() -> None:
    doc = Document(Meta("Charts"), (Figure(chart("barh")), Figure(chart("line")), Figure(TWENTY)))
    first = pdf.render(doc, THEME)
    pdf._DRAWINGS.clear()
    assert pdf.render(doc, THEME) == first


def test_only_the_theme_fonts_are_used() -> None:
    regular, bold = pdf.register_fonts(THEME)[:2]
    d = draw(TWENTY)
    assert {s.fontName for s in shapes(d, String)} <= {regular, bold}
    assert d.initialFontName == regular


@pytest.mark.skipif(shutil.which("pdffonts") is None, reason="poppler's pdffonts is not installed")
def test_pdffonts_lists_only_embedded_dejavu(tmp_path) -> None:
    doc = Document(Meta("Charts"), (Figure(chart("bar")), Figure(chart("line")), Figure(TWENTY)))
    path = tmp_path / "c.pdf"
    path.write_bytes(pdf.render(doc, THEME))
    rows = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    rows = rows.splitlines()[2:]
    assert rows
    for row in rows:
        assert "DejaVu" in row and "Helvetica" not in row
        assert re.search(r"\byes\s+yes\s+yes\b", row), row


def test_a_chart_alone_on_a_page_has_no_helvetica() -> None:
    doc = Document(Meta("x"), (Figure(chart("line", title="", x_label="", y_label="")),))
    reader = PdfReader(io.BytesIO(pdf.render(doc, THEME)))
    fonts = [f.get_object()["/BaseFont"] for p in reader.pages for f in p["/Resources"]["/Font"].values()]
    assert fonts and not any("Helvetica" in f for f in fonts)


def test_negative_bar_labels_stay_clear_of_the_category_names() -> None:
    mixed = chart("barh", series=(Series("Change", (-5.0, 3.0, -0.4)),), value_format="number",
                  reference_lines=(), y_label="")
    strings = shapes(draw(mixed), String)
    names_right = max(extent(s)[1] for s in strings if s.text in mixed.categories)
    values = [s for s in strings if s.textAnchor == "start" and s.text not in mixed.categories
              and s.text != mixed.title]  # direct labels (ticks are centred)
    assert len(values) == 3
    assert all(extent(s)[0] > names_right for s in values)


def test_grouped_bar_labels_do_not_overlap() -> None:
    grouped = chart("barh", series=(Series("2016", (50.0, 60.0, 40.0)), Series("2023", (55.0, 58.0, 52.0))),
                    highlight=())
    labels = sorted(s.y for s in shapes(draw(grouped), String) if s.text.endswith(".0%"))
    assert len(labels) == 6
    assert min(b - a for a, b in itertools.pairwise(labels)) >= chartlayout.VALUE_PT


def test_rotated_names_are_text_in_the_pdf() -> None:
    crowded = chart("bar", categories=MEMBERS, series=(Series("x", tuple(range(20))),), highlight=(),
                    reference_lines=())
    text = pdf_text(crowded)
    assert all(name in text for name in ("Blackpool", "Southend-on-Sea", "Wolverhampton"))


def test_the_flowable_refuses_shapes_it_cannot_paint() -> None:
    from reportlab.graphics.shapes import Ellipse
    from reportlab.pdfgen.canvas import Canvas

    d = Drawing(10, 10)
    d.add(Ellipse(5, 5, 2, 1))
    flowable = pdf_charts.ChartFlowable(d)
    flowable.canv = Canvas(io.BytesIO())
    with pytest.raises(TypeError, match="Ellipse"):
        flowable.draw()
